// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_scan.c - libFuzzer target for the journal scanner and the probe.
 *
 * Input: one flags byte, then journal blocks (32 KiB each, the last one
 * zero-padded), scanned from seq 5 / offset 0 of a fixed 128-block ring
 * with a fixed cluster seed.  Flags bit 0 "fix up": before scanning, walk
 * the framing like a writer would and recompute every fragment CRC (bit 1:
 * also force the block's seq), so the fuzzer gets past the CRCs and into
 * the fragment-sequence and entry rules; bits 2-4 the start sector; bit 5
 * 512-byte journal sectors (INCOMPAT_SECTOR_512: PADs close 512-byte
 * sectors, the probe resynchronises at each); bit 6 payload-aligned
 * records (INCOMPAT_ALIGNED, rules A1-A3).  The callbacks check the scanner's
 * promises: payload chunks stay inside the entry, accepted entries are
 * consecutive and their CRC matches the bytes passed.
 */
#include <stdint.h>
#include <stdlib.h>
#include "libjrbd.h"

#define NBLK	128
#define MAXB	8
#define SEQ0	5

static u8 blocks[MAXB][JRBD_JBLOCK_SIZE];

struct ctx {
	u64 next;
	u32 run, seen;
};

static int on_payload(void *c, const struct jrbd_entry *e, u32 off,
		      const void *p, u32 len)
{
	struct ctx *x = c;

	if (off + (u64)len > e->payload_len || off != x->seen)
		abort();
	if (!off)
		x->run = ~0u;
	x->run = jrbd_crc32c(x->run, p, len);
	x->seen += len;
	return 0;
}

static int on_entry(void *c, const struct jrbd_entry *e, struct jrbd_jpos start)
{
	struct ctx *x = c;

	if (e->index != x->next || x->seen != e->payload_len)
		abort();
	if (e->payload_len && ~x->run != e->payload_crc)
		abort();
	if (jrbd_entry_check(e, 1 << 20, NULL) < 0)
		abort();
	x->next++;
	x->seen = 0;
	return 0;
}

static void fixup(u8 *blk, u64 seq, bool force_seq)
{
	u32 pos = 0, room;
	struct jrbd_frag f;

	while (pos < JRBD_JBLOCK_SIZE) {
		room = JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE;
		if (room < JRBD_FRAG_HDR_SIZE) {
			pos += room;
			continue;
		}
		jrbd_frag_hdr_decode(blk + pos, &f);
		if (f.len > JRBD_JBLOCK_SIZE - pos - JRBD_FRAG_HDR_SIZE)
			f.len = JRBD_JBLOCK_SIZE - pos - JRBD_FRAG_HDR_SIZE;
		if (force_seq)
			f.seq = seq;
		jrbd_frag_hdr_encode(&f, blk + pos);
		f.crc = jrbd_frag_crc(jrbd_cluster_seed((const u8 *)"fuzz-cluster-id!"),
				      blk + pos, f.len);
		jrbd_frag_hdr_encode(&f, blk + pos);
		pos += JRBD_FRAG_HDR_SIZE + f.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct jrbd_scan_ops ops = {
		.payload = on_payload, .entry = on_entry,
	};
	struct jrbd_scan_params p = { 0 };
	struct jrbd_scan s;
	struct jrbd_probe pr;
	struct ctx x = { 0 };
	size_t nb, i;
	u8 flags;
	int r = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	nb = (size + JRBD_JBLOCK_SIZE - 1) / JRBD_JBLOCK_SIZE;
	if (nb > MAXB)
		nb = MAXB;
	if (!nb)
		nb = 1;
	for (i = 0; i < nb; i++) {
		size_t off = i * JRBD_JBLOCK_SIZE;
		size_t n = size > off ? size - off : 0;

		if (n > JRBD_JBLOCK_SIZE)
			n = JRBD_JBLOCK_SIZE;
		memset(blocks[i], 0, JRBD_JBLOCK_SIZE);
		memcpy(blocks[i], data + off, n);
		if (flags & 1)
			fixup(blocks[i], SEQ0 + i, flags & 2);
	}

	p.seed = jrbd_cluster_seed((const u8 *)"fuzz-cluster-id!");
	p.journal_offset = 1 << 20;
	p.journal_blocks = NBLK;
	p.data_blocks = 1 << 20;
	p.start.seq = SEQ0;
	p.jsector = flags & 32 ? JRBD_SECTOR_SIZE_SMALL : JRBD_SECTOR_SIZE;
	p.aligned = flags & 64;
	p.start.off = (flags >> 2 & 7) * p.jsector;
	p.index = 1;
	p.term = 0;
	p.chain = p.seed;
	x.next = 1;
	jrbd_scan_init(&s, &p, &ops, &x);
	for (i = 0; i < nb && r == 0; i++)
		r = jrbd_scan_block(&s, blocks[i]);
	if (r < 0)
		abort();
	if (r == 0)
		return 0;
	if (s.stop.reason <= JRBD_SCAN_RUNNING || s.stop.reason >= JRBD_SCAN_REASON_MAX)
		abort();
	if (s.stop.at.seq < SEQ0 || s.stop.at.seq >= SEQ0 + nb ||
	    s.stop.at.off >= JRBD_JBLOCK_SIZE || s.stop.index != x.next)
		abort();
	if (jrbd_scan_block(&s, blocks[0]) != -EINVAL)
		abort();
	jrbd_probe_init(&pr, &s);
	for (i = pr.seq - SEQ0; i < nb; i++)
		if (jrbd_probe_block(&pr, blocks[i]))
			break;
	return 0;
}
