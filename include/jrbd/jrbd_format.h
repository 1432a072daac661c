/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd_format.h - the on-disk format of jrbd, version 1.
 *
 * This header is the contract between the kernel writer, recovery, the
 * replication agent and the tools.  Documentation/format.md is the prose
 * version with the reasons; the structs below are the truth.  All fields are
 * little-endian; sizes are pinned with static_assert at the end.
 *
 * Backing device (byte offsets; MiB = 1048576):
 *
 *   0        4K       8K                1M                       1M+J   D            D+V
 *   +--------+--------+-- zero ... -----+------------------------+-pad--+------------+
 *   | SB A   | SB B   |                 | journal ring:          |      | data area: |
 *   | gen    | gen    |                 | journal_blocks x 32K   |      | data_blocks|
 *   | even   | odd    |                 | slot = seq % blocks    |      | x 4K       |
 *   +--------+--------+-----------------+------------------------+------+------------+
 *   J = journal_blocks * 32K, D = data_offset (1 MiB aligned), V = data_blocks * 4K
 *   = the size of /dev/jrbdN.  Block n of the virtual device lives at D + n*4K.
 *
 * Superblock slot (4 KiB): struct jrbd_super (512 bytes, one sector) at its
 * start, zeros after it.  The slot written is generation % 2 (even -> A at 0,
 * odd -> B at 4K); the newest slot whose CRC and fields are valid wins.
 *
 * Journal block (32 KiB, sequence number seq, stored in slot seq % blocks):
 *
 *   +----------+---------------+----------+---------+-------+-- ... --+------+
 *   | frag hdr | payload (len) | frag hdr | payload |  PAD  |   ...   | <16  |
 *   | 16 bytes |               |          |         |       |         | zero |
 *   +----------+---------------+----------+---------+-------+-- ... --+------+
 *   A fragment header never crosses a 4 KiB boundary: when fewer than 16 bytes
 *   remain before the next 4 KiB boundary (the block end is one) they are zero
 *   and readers skip them.  Fragment payloads cross 4 KiB boundaries freely.
 *   A record (entry header + entry payload) is split FIRST/MIDDLE/LAST only at
 *   32 KiB block ends, taking all the room there is (LevelDB framing).
 *
 * Entry (logical record): struct jrbd_entry_hdr (64 bytes) + payload.
 *
 * With INCOMPAT_ALIGNED (payload-aligned records), three more rules:
 *   A1 No record starts past block offset JRBD_ALIGNED_LAST_START (32176):
 *      the writer closes the block with a PAD fragment running to its end
 *      instead, and the record starts at offset 0 of the next block.  So
 *      the entry header always lies whole in the first fragment.
 *   A2 In a record with a payload, the entry header is followed by zero
 *      filler bytes up to the next multiple of 512 of the block offset;
 *      the payload starts there.
 *   A3 A MIDDLE or LAST fragment of a record starts its record bytes at
 *      block offset 512: its header is followed by 496 zero filler bytes.
 *   Filler bytes are part of the fragment (its len and CRC) but not of the
 *   record: payload_crc and the payload offsets skip them.
 *
 * Checksums (crc32c = Castagnoli; "raw" = no pre/post inversion):
 *   seed      = raw(~0, cluster_uuid, 16)
 *   frag.crc  = raw(seed, frag_hdr[4..15] || fragment payload)
 *   entry.payload_crc = ~raw(~0, payload)            (standard CRC32C; 0 if empty)
 *   entry.chain_crc   = raw(chain of entry index-1, entry header with chain_crc = 0)
 *                       chain before index 1 = seed
 *   super.crc = ~raw(~0, bytes 0..507)               (standard CRC32C)
 *
 * Write-ordering rules (what makes recovery correct):
 *   W1 Journal blocks are submitted in seq order; at most JRBD_MAX_INFLIGHT_BLOCKS
 *      blocks past the last flushed one may be in flight at any time (the order
 *      in which those complete does not matter: the seal covers them all).
 *   W2 A journal sector (4 KiB; 512 bytes with INCOMPAT_SECTOR_512) that
 *      holds an acknowledged (flushed) record is never written again until
 *      its slot is reused in a later lap.  A batch that ends mid-sector is
 *      closed with a PAD fragment (or, before a 4 KiB boundary, the <16 byte
 *      zero tail) up to the next sector boundary; the next batch starts
 *      there.  With 512-byte sectors, a PAD that would not fit before a
 *      boundary that is not a 4 KiB one runs on to the boundary after it.
 *   W3 A bio with REQ_PREFLUSH/REQ_FUA completes only after its entry and every
 *      earlier entry are durable (a backing flush after the journal write).
 *   W4 Only committed entries are written to the data area; the superblock
 *      tail moves past an entry only after its data-area write is durable
 *      (flush), and a journal slot is reused only after the superblock that
 *      moved the tail past it is durable.  The journal never overwrites the
 *      block holding the tail (journal full = back-pressure).
 *   W5 Superblock updates alternate slots (generation + 1) and are followed
 *      by a flush; the other slot keeps the previous valid state.
 *   W6 current_term/voted_for are durable (superblock written + flushed)
 *      before the node acts on them (votes, appends in the new term).
 *   W7 After recovery, before appending, the writer seals the log: it closes
 *      the sector holding the end of the log with a PAD and zeroes the
 *      rest of that block and the following in-flight window (up to
 *      JRBD_MAX_INFLIGHT_BLOCKS blocks, never past the tail), then flushes.
 *      Fragments of a crashed batch can so never be mistaken for new ones.
 *   W8 Format zeroes both superblock slots and the whole journal ring before
 *      writing superblock A (generation 0) and B (generation 1).
 */
#ifndef JRBD_FORMAT_H
#define JRBD_FORMAT_H

#include "jrbd_port.h"

/* ---------------------------------------------------------------------- */
/* Geometry */

#define JRBD_BLOCK_SHIFT	12
#define JRBD_BLOCK_SIZE		4096u		/* logical block, data area unit */
#define JRBD_SECTOR_SIZE	4096u		/* journal write/atomicity unit */
#define JRBD_SECTOR_SIZE_SMALL	512u		/* ... with INCOMPAT_SECTOR_512 */
#define JRBD_JBLOCK_SHIFT	15
#define JRBD_JBLOCK_SIZE	32768u		/* journal block */
#define JRBD_ALIGN		(1024u * 1024u)	/* journal and data area alignment */

#define JRBD_SB_SLOT_SIZE	4096u
#define JRBD_SB_SIZE		512u
#define JRBD_SB_A_OFFSET	0ull
#define JRBD_SB_B_OFFSET	4096ull
#define JRBD_JOURNAL_OFFSET	(1024ull * 1024)	/* default, 1 MiB */

#define JRBD_JOURNAL_MIN_BLOCKS	128ull			/* 4 MiB */
#define JRBD_JOURNAL_DEF_BYTES	(128ull * 1024 * 1024)	/* cap of the default */
#define JRBD_DATA_MIN_BLOCKS	256ull			/* 1 MiB */

#define JRBD_MAX_ENTRY_BLOCKS	256u			/* one WRITE entry */
#define JRBD_MAX_PAYLOAD	(JRBD_MAX_ENTRY_BLOCKS * JRBD_BLOCK_SIZE)
#define JRBD_MAX_INFLIGHT_BLOCKS 64u			/* rule W1 */

/* ---------------------------------------------------------------------- */
/* Superblock */

#define JRBD_SB_MAGIC		0x4442524au	/* bytes "JRBD" on disk */
#define JRBD_SB_VERSION		1u
#define JRBD_NODE_NONE		0xffffffffu	/* voted_for: no vote */

/* Unknown incompat => refuse; unknown ro_compat => read-only; unknown
 * compat => ignore. */
#define JRBD_FEATURE_COMPAT_SUPP	0u
#define JRBD_FEATURE_RO_COMPAT_SUPP	0u
/*
 * The journal sector (rules W2 and W7, the PAD rule, the probe's resync
 * points) is 512 bytes, not 4 KiB: a batch closes on the next 512-byte
 * boundary.  Only for backing devices whose physical block is 512 bytes,
 * so that no write can tear a sector holding acknowledged records.  Fragment
 * headers still never cross a 4 KiB boundary (rule 1), so record positions
 * do not depend on it.
 */
#define JRBD_FEATURE_INCOMPAT_SECTOR_512	0x00000001u
/*
 * Payload-aligned records (rules A1-A3 below): every payload byte lies at
 * a journal offset with the same remainder modulo 512 as its offset in
 * the payload, so each 4 KiB block of a WRITE entry can be written home
 * straight from the journal buffer in 512-byte multiples, without a
 * bounce copy.  Costs at most 511 bytes per record and 496 per 32 KiB
 * block a record continues into.
 */
#define JRBD_FEATURE_INCOMPAT_ALIGNED		0x00000002u
#define JRBD_FEATURE_INCOMPAT_SUPP	(JRBD_FEATURE_INCOMPAT_SECTOR_512 | \
					 JRBD_FEATURE_INCOMPAT_ALIGNED)
#define JRBD_SB_FLAGS_SUPP		0u

struct jrbd_super {
	__le32	magic;		/* 0x000 JRBD_SB_MAGIC */
	__le32	version;	/* 0x004 JRBD_SB_VERSION */
	__le32	header_size;	/* 0x008 JRBD_SB_SIZE */
	__le32	flags;		/* 0x00c none defined, zero */
	__le32	feature_compat;		/* 0x010 */
	__le32	feature_ro_compat;	/* 0x014 */
	__le32	feature_incompat;	/* 0x018 */
	__le32	node_id;	/* 0x01c this node, 1..0xfffffffe */
	__le64	generation;	/* 0x020 slot = generation % 2 */
	__u8	dev_uuid[16];	/* 0x028 this backing device */
	__u8	cluster_uuid[16]; /* 0x038 the replicated device; CRC seed */
	__le32	block_size;	/* 0x048 JRBD_BLOCK_SIZE */
	__le32	jblock_size;	/* 0x04c JRBD_JBLOCK_SIZE */
	__le64	backing_size;	/* 0x050 bytes of the backing device used */
	__le64	journal_offset;	/* 0x058 bytes, 1 MiB aligned */
	__le64	journal_blocks;	/* 0x060 ring size in 32 KiB blocks */
	__le64	data_offset;	/* 0x068 bytes, 1 MiB aligned */
	__le64	data_blocks;	/* 0x070 virtual device size in 4 KiB blocks */
	__le64	format_time;	/* 0x078 seconds since the epoch */
	__le64	update_time;	/* 0x080 seconds since the epoch */
	/* checkpoint position: the journal tail */
	__le64	tail_seq;	/* 0x088 block holding the first live record */
	__le64	tail_index;	/* 0x090 index of that record's entry */
	__le64	tail_term;	/* 0x098 term of entry tail_index - 1 */
	__le32	tail_off;	/* 0x0a0 byte offset of the record in the block */
	__le32	tail_chain;	/* 0x0a4 chain_crc of entry tail_index - 1 */
	/* durable consensus state */
	__le64	current_term;	/* 0x0a8 */
	__le32	voted_for;	/* 0x0b0 node id or JRBD_NODE_NONE */
	__le32	reserved0;	/* 0x0b4 zero */
	__u8	reserved[324];	/* 0x0b8 zero */
	__le32	crc;		/* 0x1fc standard crc32c of bytes 0..0x1fb */
};

/* ---------------------------------------------------------------------- */
/* Journal fragments */

#define JRBD_FRAG_HDR_SIZE	16u
#define JRBD_FRAG_MAX_LEN	(JRBD_JBLOCK_SIZE - JRBD_FRAG_HDR_SIZE)

/* INCOMPAT_ALIGNED (rules A1-A3) */
#define JRBD_PAYLOAD_ALIGN	512u
#define JRBD_ALIGNED_CONT_FILL	(JRBD_PAYLOAD_ALIGN - JRBD_FRAG_HDR_SIZE)

enum jrbd_frag_type {
	JRBD_FRAG_ZERO		= 0,	/* never written */
	JRBD_FRAG_FULL		= 1,	/* a whole record */
	JRBD_FRAG_FIRST		= 2,	/* record start, runs to the block end */
	JRBD_FRAG_MIDDLE	= 3,	/* a whole block of a record */
	JRBD_FRAG_LAST		= 4,	/* record end, at block offset 0 */
	JRBD_FRAG_PAD		= 5,	/* zeros up to the next 4 KiB boundary */
};

struct jrbd_frag_hdr {
	__le32	crc;		/* 0x0 raw crc32c(seed, bytes 4..15 + payload) */
	__le16	len;		/* 0x4 payload bytes after this header */
	__u8	type;		/* 0x6 enum jrbd_frag_type */
	__u8	flags;		/* 0x7 none defined, zero */
	__le64	seq;		/* 0x8 sequence number of the journal block */
};

/* ---------------------------------------------------------------------- */
/* Entries */

#define JRBD_ENTRY_HDR_SIZE	64u
#define JRBD_ENTRY_VERSION	1u
#define JRBD_MAX_RECORD		(JRBD_ENTRY_HDR_SIZE + JRBD_MAX_PAYLOAD)

enum jrbd_entry_kind {
	JRBD_ENTRY_WRITE	= 1,	/* payload: nr_blocks x 4 KiB */
	JRBD_ENTRY_DISCARD	= 2,	/* no payload */
	JRBD_ENTRY_WRITE_ZEROES	= 3,	/* no payload */
	JRBD_ENTRY_NEW_TERM	= 4,	/* a new leader's no-op, no payload */
	JRBD_ENTRY_MEMBERSHIP	= 5,	/* payload: struct jrbd_member[] */
	JRBD_ENTRY_MARK		= 6,	/* payload: UTF-8 label, 1..255, no NUL */
};
#define JRBD_ENTRY_KIND_MAX	6

#define JRBD_ENTRY_F_FUA	0x0001u
#define JRBD_ENTRY_F_PREFLUSH	0x0002u
#define JRBD_ENTRY_F_SUPP	(JRBD_ENTRY_F_FUA | JRBD_ENTRY_F_PREFLUSH)

#define JRBD_MARK_MAX		255u
#define JRBD_MAX_MEMBERS	32u

struct jrbd_entry_hdr {
	__u8	kind;		/* 0x00 enum jrbd_entry_kind */
	__u8	version;	/* 0x01 JRBD_ENTRY_VERSION */
	__le16	flags;		/* 0x02 JRBD_ENTRY_F_* */
	__le32	nr_blocks;	/* 0x04 4 KiB blocks affected */
	__le64	index;		/* 0x08 consecutive from 1 */
	__le64	term;		/* 0x10 never decreasing */
	__le64	commit_index;	/* 0x18 commit point known to the writer, < index */
	__le64	lba;		/* 0x20 first 4 KiB block */
	__le32	payload_len;	/* 0x28 bytes after this header */
	__le32	payload_crc;	/* 0x2c standard crc32c of the payload */
	__u8	reserved[12];	/* 0x30 zero */
	__le32	chain_crc;	/* 0x3c chain over all entry headers so far */
};

#define JRBD_MEMBER_F_VOTER	0x0001u
#define JRBD_MEMBER_F_SUPP	JRBD_MEMBER_F_VOTER

struct jrbd_member {
	__le32	node_id;	/* 0x00 1..0xfffffffe */
	__le16	flags;		/* 0x04 JRBD_MEMBER_F_* */
	__le16	port;		/* 0x06 TCP port */
	__u8	addr[16];	/* 0x08 IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	__u8	reserved[8];	/* 0x18 zero */
};

static_assert(sizeof(struct jrbd_super) == JRBD_SB_SIZE, "superblock size");
static_assert(sizeof(struct jrbd_frag_hdr) == JRBD_FRAG_HDR_SIZE, "fragment header size");
static_assert(sizeof(struct jrbd_entry_hdr) == JRBD_ENTRY_HDR_SIZE, "entry header size");
static_assert(sizeof(struct jrbd_member) == 32, "member record size");
static_assert(JRBD_FRAG_MAX_LEN <= 0xffff, "fragment length fits __le16");
static_assert(JRBD_SECTOR_SIZE % JRBD_FRAG_HDR_SIZE == 0, "header alignment");
/* A1: a record started there has its payload (at least 496 bytes) in its
 * first fragment, after its header and filler. */
#define JRBD_ALIGNED_LAST_START	(JRBD_JBLOCK_SIZE - JRBD_PAYLOAD_ALIGN - \
				 JRBD_FRAG_HDR_SIZE - JRBD_ENTRY_HDR_SIZE)
static_assert(JRBD_ALIGNED_LAST_START == 32176, "rule A1");

#endif /* JRBD_FORMAT_H */
