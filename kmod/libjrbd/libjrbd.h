/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libjrbd.h - the pure format library: encode, decode, validate, scan.
 *
 * No allocation, no locks, no I/O, no global state: every function works on
 * memory the caller owns, so the same objects link into jrbd.ko and into the
 * userspace tools.  Errors are negative errno values; out-parameters are
 * written only on success unless documented otherwise (error descriptions
 * are written on failure, that is their point).
 *
 * Files: super.c (superblocks, geometry), record.c (fragment and entry
 * codecs, position mapping), writer.c (the appender), scan.c (the recovery
 * scanner and the post-stop probe).
 */
#ifndef LIBJRBD_H
#define LIBJRBD_H

#include "jrbd_port.h"
#include <jrbd/jrbd_format.h>

/* A position in the journal: block sequence number and byte offset in it. */
struct jrbd_jpos {
	u64	seq;
	u32	off;
};

/* Where and why something on disk is wrong; all strings are static. */
struct jrbd_err {
	u64		dev_offset;	/* absolute byte offset of the field */
	u32		struct_offset;	/* offset of the field in its struct */
	const char	*field;		/* field name, or NULL for the whole thing */
	const char	*msg;		/* what is wrong */
	u64		value;		/* the offending value, when numeric */
};

/* ---------------------------------------------------------------------- */
/* CRC helpers */

/* raw(~0, cluster_uuid, 16): seeds fragment CRCs and the entry chain. */
u32 jrbd_cluster_seed(const u8 cluster_uuid[16]);
/* Standard CRC32C (~raw(~0, p, len)), the entry payload_crc. */
u32 jrbd_crc32c_std(const void *p, size_t len);
/*
 * raw(crc, len zero bytes) without touching len bytes: CRC32C is linear,
 * so raw(a, X) == jrbd_crc32c_shift(a, |X|) ^ raw(0, X).  The writer uses
 * it to checksum each payload byte once for both its fragment CRC and the
 * entry's payload_crc.  A few hundred operations whatever len is.
 */
u32 jrbd_crc32c_shift(u32 crc, u32 len);

/* ---------------------------------------------------------------------- */
/* Superblock (super.c) */

/* CPU-endian image of struct jrbd_super (magic, sizes and crc implied). */
struct jrbd_sb {
	u32	flags;
	u32	feature_compat;
	u32	feature_ro_compat;
	u32	feature_incompat;
	u32	node_id;
	u64	generation;
	u8	dev_uuid[16];
	u8	cluster_uuid[16];
	u64	backing_size;
	u64	journal_offset;
	u64	journal_blocks;
	u64	data_offset;
	u64	data_blocks;
	u64	format_time;
	u64	update_time;
	u64	tail_seq;
	u64	tail_index;
	u64	tail_term;
	u32	tail_off;
	u32	tail_chain;
	u64	current_term;
	u32	voted_for;
	bool	read_only;	/* decode: unknown ro_compat features present */
};

/* The journal sector of rule W2: 512 bytes with INCOMPAT_SECTOR_512. */
static inline u32 jrbd_sb_jsector(const struct jrbd_sb *sb)
{
	return sb->feature_incompat & JRBD_FEATURE_INCOMPAT_SECTOR_512 ?
	       JRBD_SECTOR_SIZE_SMALL : JRBD_SECTOR_SIZE;
}

/* Payload-aligned records, rules A1-A3 (INCOMPAT_ALIGNED). */
static inline bool jrbd_sb_aligned(const struct jrbd_sb *sb)
{
	return sb->feature_incompat & JRBD_FEATURE_INCOMPAT_ALIGNED;
}

/*
 * Zero filler bytes before the payload bytes of a fragment of a record
 * with a payload: after the entry header in its first fragment, at block
 * offset @off (rule A2), or after the fragment header of a later one (A3).
 * None without INCOMPAT_ALIGNED.
 */
static inline u32 jrbd_frag_fill(bool aligned, bool first, u32 off)
{
	if (!aligned)
		return 0;
	if (!first)
		return JRBD_ALIGNED_CONT_FILL;
	off += JRBD_FRAG_HDR_SIZE + JRBD_ENTRY_HDR_SIZE;
	return (JRBD_PAYLOAD_ALIGN - off % JRBD_PAYLOAD_ALIGN) % JRBD_PAYLOAD_ALIGN;
}

/*
 * Where a PAD starting at pos ends (rule W2): the first journal sector
 * boundary that leaves room for its header.  Headers never cross 4 KiB,
 * so with 4 KiB sectors that is always the next one; with 512-byte ones
 * a PAD with fewer than 16 bytes left runs on to the boundary after.
 */
static inline u32 jrbd_pad_end(u32 pos, u32 jsector)
{
	return (pos + JRBD_FRAG_HDR_SIZE + jsector - 1) / jsector * jsector;
}

struct jrbd_geom {
	u64	backing_size;
	u64	journal_offset;
	u64	journal_blocks;
	u64	data_offset;
	u64	data_blocks;
};

/*
 * Compute a layout for a backing device of dev_size bytes.  journal_bytes 0
 * means the default: min(128 MiB, dev_size / 8) rounded down to 32 KiB, at
 * least 4 MiB.  data_bytes 0 means all the rest; else it must fit.
 * -ENOSPC if the device is too small, -EINVAL for bad requests.
 */
int jrbd_geometry(u64 dev_size, u64 journal_bytes, u64 data_bytes,
		  struct jrbd_geom *g);

/* A fresh superblock (generation 0, empty journal at its first block). */
void jrbd_super_init(struct jrbd_sb *sb, const struct jrbd_geom *g,
		     const u8 dev_uuid[16], const u8 cluster_uuid[16],
		     u32 node_id, u64 now);

/* Check every field of a CPU-endian superblock; dev_size 0 = unknown. */
int jrbd_super_validate(const struct jrbd_sb *sb, u64 dev_size,
			struct jrbd_err *err);

/*
 * Fill a JRBD_SB_SLOT_SIZE buffer: struct jrbd_super + zeros, CRC last.
 * Validates first (-EINVAL, err filled); err may be NULL.
 */
int jrbd_super_encode(const struct jrbd_sb *sb, void *slot,
		      struct jrbd_err *err);

/*
 * Decode and validate one slot read from byte offset slot_offset (used for
 * err->dev_offset and the generation parity check).  -ENOENT slot is all
 * zeros, -EBADMSG CRC mismatch, -EOPNOTSUPP unknown incompat feature,
 * -EINVAL a field is wrong (err names it).  Only the first
 * JRBD_SB_SLOT_SIZE bytes are read; slot must be 8-byte aligned.
 */
int jrbd_super_decode(const void *slot, u64 slot_offset, u64 dev_size,
		      struct jrbd_sb *sb, struct jrbd_err *err);

struct jrbd_pick {
	int		rc[2];		/* jrbd_super_decode() result of A, B */
	struct jrbd_err	err[2];
	int		chosen;		/* 0 = A, 1 = B, -1 = none */
	bool		diverged;	/* both valid but identity/geometry differ */
};

/*
 * Choose the newest valid superblock of slots A (at 0) and B (at 4 KiB).
 * Returns 0 and fills sb, or the error of slot A if neither is valid (both
 * errors in res).  res may be NULL.
 */
int jrbd_super_pick(const void *a, const void *b, u64 dev_size,
		    struct jrbd_sb *sb, struct jrbd_pick *res);

/* Slot byte offset for a generation. */
static inline u64 jrbd_super_slot_offset(u64 generation)
{
	return (generation & 1) ? JRBD_SB_B_OFFSET : JRBD_SB_A_OFFSET;
}

/* ---------------------------------------------------------------------- */
/* Fragments and entries (record.c) */

struct jrbd_frag {
	u32	crc;
	u16	len;
	u8	type;
	u8	flags;
	u64	seq;
};

void jrbd_frag_hdr_encode(const struct jrbd_frag *f, void *p16);
void jrbd_frag_hdr_decode(const void *p16, struct jrbd_frag *f);
/* Store the crc field of an encoded header (any alignment). */
void jrbd_frag_set_crc(void *p16, u32 crc);
/* Fragment CRC of a fragment whose header and payload are contiguous. */
u32 jrbd_frag_crc(u32 seed, const void *frag, u32 len);

/* CPU-endian entry header. */
struct jrbd_entry {
	u8	kind;
	u16	flags;
	u32	nr_blocks;
	u64	index;
	u64	term;
	u64	commit_index;
	u64	lba;
	u32	payload_len;
	u32	payload_crc;
	u32	chain_crc;
};

void jrbd_entry_hdr_encode(const struct jrbd_entry *e, void *p64);
/* Decode; -EINVAL if version or reserved bytes are wrong (fields still set). */
int jrbd_entry_hdr_decode(const void *p64, struct jrbd_entry *e);
/* chain_crc of an encoded header given the previous chain (chain field
 * is treated as zero). */
u32 jrbd_entry_chain(u32 prev_chain, const void *p64);
/*
 * Kind/flags/lengths/range rules (everything but index/term/chain/CRCs).
 * -EFBIG payload too large, -EINVAL otherwise; *why says which rule.
 */
int jrbd_entry_check(const struct jrbd_entry *e, u64 data_blocks,
		     const char **why);
/* Kinds whose lba/nr_blocks name blocks of the virtual device. */
static inline bool jrbd_kind_has_range(u8 kind)
{
	return kind == JRBD_ENTRY_WRITE || kind == JRBD_ENTRY_DISCARD ||
	       kind == JRBD_ENTRY_WRITE_ZEROES;
}
/* Member records of a MEMBERSHIP payload (payload_len bytes). */
int jrbd_member_decode(const void *p32, u32 *node_id, u16 *flags, u16 *port,
		       u8 addr[16]);
void jrbd_member_encode(void *p32, u32 node_id, u16 flags, u16 port,
			const u8 addr[16]);

/*
 * Normalise a record start: if fewer than 16 bytes remain before the next
 * 4 KiB boundary, the record starts at that boundary (or the next block).
 */
struct jrbd_jpos jrbd_record_start(struct jrbd_jpos pos);
/*
 * Where byte rec_off of a record (0 = first byte of the entry header) lies
 * on disk, for a record whose first fragment header is at start, with
 * payload-aligned framing (rules A1-A3) or without.  This is fixed by the
 * framing rules, so an index of journal positions needs only the record
 * start.
 */
struct jrbd_jpos jrbd_record_pos(struct jrbd_jpos start, u32 rec_off,
				 bool aligned);
/* Position just past a record of rec_len bytes starting at start, before
 * any zero tail. */
struct jrbd_jpos jrbd_record_end(struct jrbd_jpos start, u32 rec_len,
				 bool aligned);
/*
 * Where the writer places a record when its last byte was at pos:
 * jrbd_record_start(), and with aligned framing the next block when that
 * is past JRBD_ALIGNED_LAST_START (rule A1).
 */
struct jrbd_jpos jrbd_record_place(struct jrbd_jpos pos, bool aligned);
/* Journal block slot byte offset on the device. */
static inline u64 jrbd_jpos_dev_offset(u64 journal_offset, u64 journal_blocks,
				       struct jrbd_jpos p)
{
	return journal_offset + (p.seq % journal_blocks) * JRBD_JBLOCK_SIZE + p.off;
}

/* ---------------------------------------------------------------------- */
/* Writer (writer.c) */

/* A fragment holding entry header bytes: its CRC waits for the header. */
struct jrbd_hfrag {
	u8	*h;		/* its fragment header */
	u32	hlen;		/* entry header bytes in it */
	u32	plen;		/* payload bytes after them */
	u32	pcrc;		/* raw(0, those payload bytes) */
};

/*
 * Packs entries into caller-owned 32 KiB block buffers.  The writer fills
 * the current block from w->off; when it is full (w->off == 32 KiB) the
 * caller submits it and hands over the next buffer with
 * jrbd_wr_next_block().  Two ways to use it:
 *
 *  - jrbd_wr_append(): a contiguous payload; the caller passes the buffers
 *    for the blocks after the current one (jrbd_wr_blocks_needed() says how
 *    many); all or nothing.
 *  - jrbd_wr_begin() + jrbd_wr_put()...: payload from scattered pages (bio
 *    segments).
 *
 * Either way the writer checksums each payload byte once, from its copy in
 * the block buffer: the running CRC of a fragment's payload bytes yields
 * both the fragment's CRC and (combined with jrbd_crc32c_shift()) the
 * entry's payload_crc.  So the journal is consistent with itself even if
 * the source changes while it is copied (an O_DIRECT buffer rewritten in
 * flight).  payload_crc and chain_crc are known only at the end of the
 * record; the entry header and the CRCs of the (at most two) fragments
 * holding it are written then.  Hence: the buffers of a record's blocks
 * must stay in place until the record is complete, and the bytes of a
 * block before w->off are final only when jrbd_wr_in_record() is false.
 *
 * jrbd_wr_pad() closes the current journal sector (->jsector) at the end
 * of a batch (rule W2).
 *
 * With ->defer_crc set (after jrbd_wr_init()) the writer only places
 * bytes: payload copies, fragment headers with a zero CRC, zeroed room
 * for the entry header.  It assigns the index but computes no CRC and no
 * chain.  jrbd_rec_finish() later completes each record, in log order,
 * to the same bytes; until then the record must not be written out.  The
 * kernel copies in the submitter's context this way and checksums in its
 * commit stage.
 */
struct jrbd_writer {
	u32	seed;
	u32	jsector;	/* rule W2's sector; JRBD_SECTOR_SIZE after
				 * jrbd_wr_init(), the caller may set 512 */
	bool	defer_crc;	/* place only; jrbd_rec_finish() checksums */
	bool	aligned;	/* rules A1-A3; the caller may set it after
				 * jrbd_wr_init() */
	u64	seq;		/* block in w->blk */
	u32	off;		/* next byte to write in w->blk */
	u8	*blk;
	u64	next_index;
	u64	last_term;
	u32	chain;		/* chain_crc of entry next_index - 1; not
				 * kept with ->defer_crc (the finisher's) */
	/* record in progress */
	u32	rec_len;	/* entry header + payload */
	u32	rec_left;	/* bytes not yet placed */
	u32	hdr_left;	/* header bytes not yet placed */
	u32	frag_hdr;	/* offset of the open fragment header */
	u32	frag_left;	/* bytes still owed to it (header, filler,
				 * payload) */
	u32	fill_left;	/* filler bytes (A2/A3) still owed to it */
	bool	frag_open;
	bool	rec_opened;	/* its first fragment is placed */
	struct jrbd_jpos rec_start;
	struct jrbd_entry *ent;	/* the caller's, until the record is complete */
	u32	pcrc;		/* raw(~0, payload placed so far) */
	u32	frag_pcrc;	/* raw(0, payload bytes of the open fragment) */
	u32	frag_plen;	/* payload bytes in the open fragment */
	u32	frag_hlen;	/* entry header bytes in the open fragment */
	u32	frag_fill;	/* filler bytes in the open fragment */
	/*
	 * Closed fragments holding entry header bytes, their CRC not yet
	 * written.  At most two: a record starts with at least a fragment
	 * header's room left in its block, so its first fragment holds the
	 * whole entry header, or part of it and the next fragment (a fresh
	 * block, 32 KiB - 16 of room) the rest.
	 */
	unsigned int ndefer;
	struct jrbd_hfrag defer[2];
	u8	hdr[JRBD_ENTRY_HDR_SIZE];
};

/* Start at pos (a record start, e.g. after jrbd_wr_seal()); next entry will
 * get index next_index and chain from (last_term, chain). */
void jrbd_wr_init(struct jrbd_writer *w, u32 seed, struct jrbd_jpos pos,
		  void *blk, u64 next_index, u64 last_term, u32 chain);
static inline bool jrbd_wr_block_full(const struct jrbd_writer *w)
{
	return w->off >= JRBD_JBLOCK_SIZE;
}
/* Continue in a new buffer for block seq + 1; -EBUSY if not full. */
int jrbd_wr_next_block(struct jrbd_writer *w, void *blk);
static inline bool jrbd_wr_in_record(const struct jrbd_writer *w)
{
	return w->rec_left || w->frag_open;
}
/* Number of further blocks (after the current one) a record of
 * payload_len bytes appended now will write into. */
u32 jrbd_wr_blocks_needed(const struct jrbd_writer *w, u32 payload_len);
/*
 * Start an entry.  The caller sets kind, flags, nr_blocks, lba, term,
 * commit_index and payload_len; the writer assigns index (now) and
 * payload_crc and chain_crc (written into *e when the last payload byte is
 * placed, so *e must live until then).  With ->defer_crc it assigns only
 * the index and writes nothing else into *e; jrbd_rec_finish() sets the
 * CRCs.
 * -EINVAL bad entry, -EBUSY record open.
 */
int jrbd_wr_begin(struct jrbd_writer *w, struct jrbd_entry *e, u64 data_blocks);
/* Place up to len payload bytes; returns bytes consumed.  Stops early when
 * the block is full.  Call with len 0 to place a header-only entry. */
size_t jrbd_wr_put(struct jrbd_writer *w, const void *p, size_t len);
/*
 * One entry with a contiguous payload (NULL if payload_len is 0).  blocks[0..n) are the buffers for the blocks after the
 * current one.  Returns how many of them are now used (the last one used is
 * the new current block), -ENOSPC if n is too small (nothing changed).
 */
int jrbd_wr_append(struct jrbd_writer *w, struct jrbd_entry *e,
		   const void *payload, u64 data_blocks,
		   void *const *blocks, unsigned int n);
/*
 * Complete a record placed with ->defer_crc: *e as given to
 * jrbd_wr_begin() (index assigned), start its jrbd_record_start(), blk()
 * the buffer of journal block seq.  Sets e->payload_crc and e->chain_crc
 * from @chain (the previous entry's chain_crc), writes the header and all
 * fragment CRCs; returns the new chain.  Records are finished in log order.
 */
typedef u8 *(*jrbd_blk_fn)(void *ctx, u64 seq);
u32 jrbd_rec_finish(u32 seed, u32 chain, struct jrbd_entry *e,
		    struct jrbd_jpos start, bool aligned, jrbd_blk_fn blk,
		    void *ctx);
/* Close the current journal sector (w->jsector) with a PAD fragment or a
 * zero tail.  -EBUSY inside a record. */
int jrbd_wr_pad(struct jrbd_writer *w);
/*
 * Rule W7, after recovery: the writer was initialised at the scan's end
 * with the block read from disk; pad the current sector and zero the rest
 * of the block in the buffer.  The caller writes the whole block, zeroes the
 * in-flight window after it and flushes before appending.
 */
int jrbd_wr_seal(struct jrbd_writer *w);

/* ---------------------------------------------------------------------- */
/* Scanner (scan.c) */

enum jrbd_scan_reason {
	JRBD_SCAN_RUNNING = 0,
	JRBD_SCAN_END_ZERO,		/* never-written header: end of log */
	JRBD_SCAN_END_STALE,		/* valid fragment from an earlier lap */
	JRBD_SCAN_END_TORN,		/* fragment CRC mismatch */
	JRBD_SCAN_ERR_FRAGMENT,		/* valid CRC, impossible fragment */
	JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, /* e.g. MIDDLE without FIRST */
	JRBD_SCAN_ERR_ENTRY,		/* bad kind/lengths/lba/reserved */
	JRBD_SCAN_ERR_INDEX_GAP,
	JRBD_SCAN_ERR_CHAIN_MISMATCH,
	JRBD_SCAN_ERR_PAYLOAD_CRC,
	JRBD_SCAN_ERR_TERM_REGRESSION,
	JRBD_SCAN_ERR_RECORD_TOO_LARGE,
	JRBD_SCAN_REASON_MAX
};

const char *jrbd_scan_reason_name(int reason);	/* "END_TORN", ... */
static inline bool jrbd_scan_reason_is_end(int reason)
{
	return reason >= JRBD_SCAN_END_ZERO && reason <= JRBD_SCAN_END_TORN;
}

struct jrbd_scan_params {
	u32	seed;
	u64	journal_offset;
	u64	journal_blocks;
	u64	data_blocks;
	/* start: the superblock tail */
	struct jrbd_jpos start;
	u64	index;		/* tail_index */
	u64	term;		/* tail_term */
	u32	chain;		/* tail_chain */
	u32	jsector;	/* rule W2's sector; 0 means JRBD_SECTOR_SIZE */
	bool	aligned;	/* payload-aligned records (rules A1-A3) */
};

struct jrbd_scan_ops {
	/* Payload bytes [off, off + len) of the entry being read; NOT yet
	 * verified (payload_crc) until ->entry() is called for it. */
	int (*payload)(void *ctx, const struct jrbd_entry *e, u32 off,
		       const void *p, u32 len);
	/* An entry accepted: every check passed.  start = its first fragment
	 * header (see jrbd_record_pos()).  A negative return aborts the scan. */
	int (*entry)(void *ctx, const struct jrbd_entry *e,
		     struct jrbd_jpos start);
};

struct jrbd_scan_stop {
	int		reason;		/* enum jrbd_scan_reason */
	struct jrbd_jpos at;		/* fragment header where it stopped */
	u64		dev_offset;	/* absolute byte offset of "at" */
	u64		index;		/* index of the entry not accepted */
	bool		in_record;	/* a record had been started */
	struct jrbd_jpos rec;		/* its start, if in_record */
	u64		found_seq;	/* END_STALE/ERR_FRAGMENT: seq read */
	const char	*msg;
};

struct jrbd_scan {
	struct jrbd_scan_params p;
	const struct jrbd_scan_ops *ops;
	void		*ctx;
	u64		seq;		/* block expected next */
	u64		blocks;		/* blocks fed */
	u64		next_index;
	u64		last_term;
	u32		chain;
	u64		entries;	/* accepted */
	struct jrbd_jpos end;		/* just past the last record or PAD */
	/* record in progress */
	bool		in_rec;
	struct jrbd_jpos rec_pos;
	u32		rec_got;	/* record bytes seen */
	u32		rec_len;	/* 0 until the header is complete */
	u32		pcrc;		/* raw running payload crc */
	struct jrbd_entry e;
	u8		hdr[JRBD_ENTRY_HDR_SIZE];
	struct jrbd_scan_stop stop;
};

/* Parameters for a scan from the tail a superblock records. */
void jrbd_scan_params_from_sb(struct jrbd_scan_params *p,
			      const struct jrbd_sb *sb);

/* ops may be NULL. */
void jrbd_scan_init(struct jrbd_scan *s, const struct jrbd_scan_params *p,
		    const struct jrbd_scan_ops *ops, void *ctx);
/*
 * Feed the 32 KiB block with sequence number s->seq (read from slot
 * s->seq % journal_blocks).  Returns 0: feed the next one; 1: stopped, see
 * s->stop; a negative errno from a callback, or -EINVAL after a stop.
 */
int jrbd_scan_block(struct jrbd_scan *s, const void *blk);

/*
 * After a stop at an END_*: was an entry lost that the log itself says
 * was committed?  Feed the stop block again, then the following blocks in
 * seq order (up to JRBD_MAX_INFLIGHT_BLOCKS, never the tail's slot).  Any
 * valid fragment of the current lap that starts an entry with
 * commit_index >= stop index proves corruption below the commit point.
 */
struct jrbd_probe {
	u32	seed;
	u32	jsector;	/* resync points: the scan's sector */
	u64	journal_offset;
	u64	journal_blocks;
	u64	stop_index;
	u64	seq;		/* block expected next */
	u32	off;		/* where to start in it */
	bool	found;
	struct jrbd_jpos at;	/* the evidence */
	u64	dev_offset;
	u64	index;
	u64	commit_index;
};

void jrbd_probe_init(struct jrbd_probe *pr, const struct jrbd_scan *s);
/* Returns 1 if evidence was found (see pr->at...), else 0. */
int jrbd_probe_block(struct jrbd_probe *pr, const void *blk);

#endif /* LIBJRBD_H */
