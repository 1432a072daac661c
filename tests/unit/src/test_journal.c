// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_journal.c - writer and scanner: fragmentation edge cases, torn
 * tails at every offset, stale laps, every single-bit flip, the probe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "libjrbd.h"

#define NBLK		128u
#define BS		JRBD_JBLOCK_SIZE
#define DATA_BLOCKS	100000ull
#define MAXE		512

static const u8 clu[16] = { 0xc1, 0x05, 0x7e, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static u32 seed;
static u8 *ring;		/* NBLK journal blocks */
static u8 payload[JRBD_MAX_PAYLOAD];
static u32 js = JRBD_SECTOR_SIZE;	/* rule W2's sector for new logs and scans */
static bool aligned;	/* payload-aligned records (A1-A3) for them */

static u8 *slot(u64 seq)
{
	return ring + (seq % NBLK) * BS;
}

struct ent {
	struct jrbd_entry e;
	struct jrbd_jpos start, end;
	u32 digest;		/* standard crc of payload */
};

struct log {
	struct jrbd_writer w;
	struct jrbd_jpos start;
	u64 index, term;
	u32 chain;
	u64 t;			/* term for add_write() */
	int n;
	struct ent ents[MAXE];
};

static void fill(u64 index, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		payload[i] = (u8)(index * 31 + i * 7 + (i >> 12));
}

static void log_init(struct log *l, u64 seq, u32 off, u64 index, u64 term, u32 chain)
{
	memset(l, 0, sizeof(*l));
	l->start.seq = seq;
	l->start.off = off;
	l->index = index;
	l->term = term;
	l->chain = chain;
	jrbd_wr_init(&l->w, seed, l->start, slot(seq), index, term, chain);
	l->w.jsector = js;
	l->w.aligned = aligned;
}

static void log_fresh(struct log *l)
{
	memset(ring, 0, NBLK * BS);
	log_init(l, 0, 0, 1, 0, seed);
}

/* Append one entry; payload generated from its index. */
static struct ent *add(struct log *l, u8 kind, u32 nr, u32 plen, u64 term, u64 commit)
{
	struct ent *x = &l->ents[l->n++];
	void *blocks[40];
	u32 need, i;
	int r;

	assert_true(l->n <= MAXE);
	memset(x, 0, sizeof(*x));
	x->e.kind = kind;
	x->e.nr_blocks = nr;
	x->e.lba = nr ? (l->w.next_index * 3) % 1000 : 0;
	x->e.payload_len = plen;
	x->e.term = term;
	x->e.commit_index = commit;
	x->e.flags = l->w.next_index % 4 == 0 ? JRBD_ENTRY_F_FUA : 0;
	fill(l->w.next_index, plen);
	if (kind == JRBD_ENTRY_MARK)
		for (i = 0; i < plen; i++)
			payload[i] = 'a' + i % 26;
	need = jrbd_wr_blocks_needed(&l->w, plen);
	for (i = 0; i < need; i++)
		blocks[i] = slot(l->w.seq + 1 + i);
	x->start = jrbd_record_place((struct jrbd_jpos){ l->w.seq, l->w.off },
				     aligned);
	r = jrbd_wr_append(&l->w, &x->e, plen ? payload : NULL, DATA_BLOCKS, blocks, need);
	assert_int_equal(r, (int)need);
	x->end = jrbd_record_end(x->start, JRBD_ENTRY_HDR_SIZE + plen, aligned);
	x->digest = plen ? jrbd_crc32c_std(payload, plen) : 0;
	return x;
}

static struct ent *add_write(struct log *l, u32 nr, u64 commit)
{
	return add(l, JRBD_ENTRY_WRITE, nr, nr * 4096, l->t, commit);
}

/* ---- scanning ---- */

struct got {
	int n;
	struct jrbd_entry e[MAXE];
	struct jrbd_jpos start[MAXE];
	u32 digest[MAXE];
	u32 run;		/* raw crc of the current payload */
	bool check_pos;
};

static int cb_payload(void *ctx, const struct jrbd_entry *e, u32 off,
		      const void *p, u32 len)
{
	struct got *g = ctx;

	if (off == 0)
		g->run = ~0u;
	g->run = jrbd_crc32c(g->run, p, len);
	return 0;
}

static int cb_entry(void *ctx, const struct jrbd_entry *e, struct jrbd_jpos start)
{
	struct got *g = ctx;
	u32 k;

	g->e[g->n] = *e;
	g->start[g->n] = start;
	g->digest[g->n] = e->payload_len ? ~g->run : 0;
	if (g->check_pos && e->payload_len) {
		/* the mapping finds every payload byte where it is */
		fill(e->index, e->payload_len);
		if (e->kind == JRBD_ENTRY_MARK)
			for (k = 0; k < e->payload_len; k++)
				payload[k] = 'a' + k % 26;
		for (k = 0; k < e->payload_len; k += 509) {
			struct jrbd_jpos p = jrbd_record_pos(start, JRBD_ENTRY_HDR_SIZE + k,
							     aligned);

			assert_int_equal(slot(p.seq)[p.off], payload[k]);
		}
	}
	g->n++;
	return 0;
}

static const struct jrbd_scan_ops ops = { .payload = cb_payload, .entry = cb_entry };

static void scan_params(struct jrbd_scan_params *p, const struct log *l)
{
	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->journal_offset = 1 << 20;
	p->journal_blocks = NBLK;
	p->data_blocks = DATA_BLOCKS;
	p->start = l->start;
	p->index = l->index;
	p->term = l->term;
	p->chain = l->chain;
	p->jsector = js;
	p->aligned = aligned;
}

/* Scan from the log's start, reading blocks through get(seq). */
static int scan_with(struct jrbd_scan *s, const struct jrbd_scan_params *p,
		     struct got *g, const u8 *(*get)(u64 seq))
{
	int r;

	g->n = 0;
	jrbd_scan_init(s, p, &ops, g);
	do {
		r = jrbd_scan_block(s, get(s->seq));
	} while (r == 0);
	return r;
}

static const u8 *get_ring(u64 seq)
{
	return slot(seq);
}

static int scan_log(const struct log *l, struct jrbd_scan *s, struct got *g)
{
	struct jrbd_scan_params p;

	scan_params(&p, l);
	return scan_with(s, &p, g, get_ring);
}

/* The first n accepted entries are exactly the first n written. */
static void assert_prefix(const struct log *l, const struct got *g, int n)
{
	int i;

	assert_int_equal(g->n, n);
	for (i = 0; i < n; i++) {
		assert_memory_equal(&g->e[i], &l->ents[i].e, sizeof(struct jrbd_entry));
		assert_int_equal(g->digest[i], l->ents[i].digest);
		assert_int_equal(g->start[i].seq, l->ents[i].start.seq);
		assert_int_equal(g->start[i].off, l->ents[i].start.off);
	}
}

static struct got G;
static struct jrbd_scan S;
static struct log L;

/* A fresh log whose first record, a 100-byte MARK, ends at end. */
static void mark_ending_at(u32 end)
{
	log_init(&L, 0, end - 180, 1, 0, seed);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
}

/* ---- tests ---- */

static void test_roundtrip_all_kinds(void **state)
{
	u8 members[64];
	u8 addr[16] = { [15] = 1 };
	int i;

	(void)state;
	log_fresh(&L);
	L.t = 1;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	for (i = 0; i < 40; i++) {
		add_write(&L, 1 + (i * 7) % 20, L.w.next_index - 1);
		if (i % 5 == 0)
			assert_int_equal(jrbd_wr_pad(&L.w), 0);
		if (i % 7 == 0)
			add(&L, JRBD_ENTRY_DISCARD, 8, 0, 1, 0);
		if (i % 9 == 0)
			add(&L, JRBD_ENTRY_WRITE_ZEROES, 3, 0, 1, 0);
		if (i % 11 == 0)
			add(&L, JRBD_ENTRY_MARK, 0, 1 + i, 1, 0);
	}
	jrbd_member_encode(members, 1, JRBD_MEMBER_F_VOTER, 7789, addr);
	jrbd_member_encode(members + 32, 2, JRBD_MEMBER_F_VOTER, 7789, addr);
	add(&L, JRBD_ENTRY_MARK, 0, 255, 1, 0);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 2, 0);
	L.t = 2;
	add_write(&L, 256, 3);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);

	G.check_pos = true;
	assert_int_equal(scan_log(&L, &S, &G), 1);
	G.check_pos = false;
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, L.n);
	assert_int_equal(S.stop.index, L.w.next_index);
	assert_int_equal(S.end.seq, L.w.seq);
	assert_int_equal(S.end.off, L.w.off);
	assert_int_equal(S.stop.at.seq, L.w.seq);
	assert_int_equal(S.stop.at.off, L.w.off);
	assert_int_equal(S.stop.dev_offset, (1 << 20) + (L.w.seq % NBLK) * BS + L.w.off);
}

/* put() in small pieces produces the same bytes as append() */
static void test_incremental_put(void **state)
{
	static u8 a[3 * BS], b[3 * BS];
	struct jrbd_writer w;
	struct jrbd_entry e = { .kind = JRBD_ENTRY_WRITE, .nr_blocks = 9,
				.lba = 9, .payload_len = 9 * 4096, .term = 1 };
	struct jrbd_entry e2 = e;
	void *nb[2] = { a + BS, a + 2 * BS };
	size_t done = 0, step = 1000;
	int blk = 0;

	(void)state;
	fill(1, e.payload_len);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 0, 20000 }, a, 1, 0, seed);
	assert_int_equal(jrbd_wr_append(&w, &e, payload, DATA_BLOCKS, nb, 2), 1);
	assert_int_equal(jrbd_wr_append(&w, &e2, payload, DATA_BLOCKS, nb, 0), -ENOSPC);

	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 0, 20000 }, b, 1, 0, seed);
	e2.payload_crc = jrbd_crc32c_std(payload, e2.payload_len);
	assert_int_equal(jrbd_wr_begin(&w, &e2, DATA_BLOCKS), 0);
	assert_int_equal(jrbd_wr_begin(&w, &e2, DATA_BLOCKS), -EBUSY);
	assert_int_equal(jrbd_wr_pad(&w), -EBUSY);
	while (jrbd_wr_in_record(&w)) {
		size_t n = e2.payload_len - done < step ? e2.payload_len - done : step;

		done += jrbd_wr_put(&w, payload + done, n);
		if (jrbd_wr_block_full(&w))
			assert_int_equal(jrbd_wr_next_block(&w, b + (++blk) * BS), 0);
		step = step * 3 % 7001 + 1;
	}
	assert_int_equal(done, e2.payload_len);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(e.chain_crc, e2.chain_crc);
	/* a lower term is refused */
	e2.term = 0;
	assert_int_equal(jrbd_wr_begin(&w, &e2, DATA_BLOCKS), -EINVAL);
}

/*
 * The entry header and the fragment CRCs are written when the record's
 * last byte is placed.  Every record start from 16 to 120 bytes before a
 * block end splits the header at every point (or leaves an empty FIRST
 * fragment), fed in uneven pieces through begin + put: the scanner must
 * accept each record with the payload's digest, and the bytes must equal
 * jrbd_wr_append()'s.  Then a source changed after it was put: the journal
 * holds, and checksums, what was copied.
 */
static void test_header_split(void **state)
{
	static u8 a[3 * BS];
	struct jrbd_entry e, a_ent;
	size_t done, step;
	u32 back, plen;
	int blk;

	(void)state;
	for (back = 16; back <= 120; back++) {
		plen = (back % 3 + 1) * 4096;
		/* reference: the same record through jrbd_wr_append() */
		memset(ring, 0, 3 * BS);
		log_init(&L, 0, BS - back - 80, 1, 0, seed);
		add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);	/* header only: 80 bytes */
		assert_int_equal(L.w.off, BS - back);
		add(&L, JRBD_ENTRY_WRITE, plen / 4096, plen, 1, 0);
		memcpy(a, ring, sizeof(a));
		assert_int_equal(scan_log(&L, &S, &G), 1);
		assert_prefix(&L, &G, 2);
		a_ent = L.ents[1].e;

		/* the same through begin + put in uneven pieces */
		memset(ring, 0, 3 * BS);
		log_init(&L, 0, BS - back - 80, 1, 0, seed);
		add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
		e = a_ent;
		e.payload_crc = 0xdeadbeef;	/* ignored: the writer computes it */
		e.chain_crc = 0;
		fill(2, plen);
		assert_int_equal(jrbd_wr_begin(&L.w, &e, DATA_BLOCKS), 0);
		done = 0;
		step = back;
		blk = 0;
		while (jrbd_wr_in_record(&L.w)) {
			size_t n = plen - done < step ? plen - done : step;

			done += jrbd_wr_put(&L.w, payload + done, n);
			if (jrbd_wr_block_full(&L.w))
				assert_int_equal(jrbd_wr_next_block(&L.w, slot(++blk)), 0);
			step = step * 5 % 9001 + 1;
		}
		assert_int_equal(done, plen);
		assert_int_equal(e.payload_crc, a_ent.payload_crc);
		assert_int_equal(e.chain_crc, a_ent.chain_crc);
		assert_memory_equal(ring, a, sizeof(a));
	}

	/* the source changes after it was put: what was copied counts */
	memset(ring, 0, 3 * BS);
	log_init(&L, 0, 0, 1, 0, seed);
	memset(&e, 0, sizeof(e));
	e.kind = JRBD_ENTRY_WRITE;
	e.nr_blocks = 2;
	e.lba = 6;
	e.payload_len = 8192;
	fill(1, 8192);
	assert_int_equal(jrbd_wr_begin(&L.w, &e, DATA_BLOCKS), 0);
	assert_int_equal(jrbd_wr_put(&L.w, payload, 4096), 4096);
	memset(payload, 0x5a, 4096);		/* rewritten in flight */
	assert_int_equal(jrbd_wr_put(&L.w, payload + 4096, 4096), 4096);
	assert_false(jrbd_wr_in_record(&L.w));
	fill(1, 8192);
	assert_int_equal(e.payload_crc, jrbd_crc32c_std(payload, 8192));
	L.ents[0].e = e;
	L.ents[0].start = (struct jrbd_jpos){ 0, 0 };
	L.ents[0].digest = e.payload_crc;
	L.n = 1;
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 1);
}

/*
 * Deferred CRCs (the kernel's mode): records placed with ->defer_crc and
 * finished later by jrbd_rec_finish(), in log order but at any point after
 * placement (before or after PADs and later records), give the very bytes,
 * payload_crc and chain_crc the immediate writer gives.
 */
static u8 *blk_of(void *ctx, u64 seq)
{
	(void)ctx;
	return slot(seq);
}

static u32 rnd_state;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

struct dplan {
	u8 kind;
	u32 nr, plen;
	bool pad_after;
	int finish_after;	/* finish queued records after this many more */
};

static void place(struct log *l, struct jrbd_entry *e, const struct dplan *p)
{
	size_t done = 0;

	memset(e, 0, sizeof(*e));
	e->kind = p->kind;
	e->nr_blocks = p->nr;
	e->lba = p->nr ? (l->w.next_index * 7) % 1000 : 0;
	e->payload_len = p->plen;
	e->term = 3;
	e->commit_index = l->w.next_index / 2;
	e->flags = l->w.next_index % 3 == 0 ? JRBD_ENTRY_F_PREFLUSH : 0;
	e->payload_crc = 0x12345678;	/* ignored */
	e->chain_crc = 0x9abcdef0;
	fill(l->w.next_index, p->plen);
	if (p->kind == JRBD_ENTRY_MARK)
		memset(payload, 'm', p->plen);
	if (jrbd_wr_block_full(&l->w))
		assert_int_equal(jrbd_wr_next_block(&l->w, slot(l->w.seq + 1)), 0);
	assert_int_equal(jrbd_wr_begin(&l->w, e, DATA_BLOCKS), 0);
	for (;;) {
		done += jrbd_wr_put(&l->w, payload + done, p->plen - done);
		if (!jrbd_wr_in_record(&l->w))
			break;
		assert_int_equal(jrbd_wr_next_block(&l->w, slot(l->w.seq + 1)), 0);
	}
	assert_int_equal(done, p->plen);
}

static void test_deferred_crc(void **state)
{
	static u8 ref[NBLK * BS];
	static struct dplan plan[MAXE];
	static struct jrbd_entry re[MAXE], de[MAXE];
	static struct jrbd_jpos start[MAXE];
	int trial, n, i, q, fin, queued;
	u32 chain;

	(void)state;
	rnd_state = 0x2545f491;
	for (trial = 0; trial < 60; trial++) {
		u32 off0 = (rnd() % (BS / 16)) * 16;
		u64 blocks = 0;

		/* a plan: sizes from header-only to 1 MiB, PADs, finish points */
		for (n = 0; n < MAXE && blocks < NBLK - 40; n++) {
			struct dplan *p = &plan[n];
			u32 r = rnd() % 16;

			if (r == 0) {
				p->kind = JRBD_ENTRY_NEW_TERM;
				p->nr = 0;
				p->plen = 0;
			} else if (r == 1) {
				p->kind = JRBD_ENTRY_MARK;
				p->nr = 0;
				p->plen = 1 + rnd() % 255;
			} else if (r == 2) {
				p->kind = JRBD_ENTRY_DISCARD;
				p->nr = 1 + rnd() % 64;
				p->plen = 0;
			} else {
				p->kind = JRBD_ENTRY_WRITE;
				p->nr = r == 3 ? 1 + rnd() % 256 : 1 + rnd() % 3;
				p->plen = p->nr * 4096;
			}
			p->pad_after = rnd() % 4 == 0;
			p->finish_after = rnd() % 5;
			blocks += (p->plen + JRBD_ENTRY_HDR_SIZE) / (BS - 16) + 2;
		}

		/* reference: the immediate writer */
		memset(ring, 0, NBLK * BS);
		log_init(&L, 0, off0, 1, 0, seed);
		for (i = 0; i < n; i++) {
			place(&L, &re[i], &plan[i]);
			if (plan[i].pad_after)
				assert_int_equal(jrbd_wr_pad(&L.w), 0);
		}
		memcpy(ref, ring, sizeof(ref));

		/* deferred: place, finish in order at the plan's points */
		memset(ring, 0, NBLK * BS);
		log_init(&L, 0, off0, 1, 0, seed);
		L.w.defer_crc = true;
		chain = seed;			/* log_init()'s */
		fin = 0;
		queued = -1;
		for (i = 0; i < n; i++) {
			place(&L, &de[i], &plan[i]);
			start[i] = L.w.rec_start;	/* as the kernel keeps it */
			if (plan[i].pad_after)
				assert_int_equal(jrbd_wr_pad(&L.w), 0);
			if (queued < 0)
				queued = plan[i].finish_after;
			if (queued-- == 0) {
				for (q = fin; q <= i; q++)
					chain = jrbd_rec_finish(seed, chain, &de[q], start[q],
								aligned, blk_of, NULL);
				fin = i + 1;
				queued = -1;
			}
		}
		for (q = fin; q < n; q++)
			chain = jrbd_rec_finish(seed, chain, &de[q], start[q], aligned,
						blk_of, NULL);

		for (i = 0; i < n; i++) {
			assert_int_equal(de[i].index, re[i].index);
			assert_int_equal(de[i].payload_crc, re[i].payload_crc);
			assert_int_equal(de[i].chain_crc, re[i].chain_crc);
		}
		assert_int_equal(chain, re[n - 1].chain_crc);
		assert_memory_equal(ring, ref, sizeof(ref));
		/* and the scanner reads every entry back */
		scan_log(&L, &S, &G);
		assert_int_equal(G.n, n);
	}
}

static void test_exact_fill(void **state)
{
	(void)state;
	/* 4016 + 16 + 64 + 7 * 4096 = 32768: the record fills the block */
	memset(ring, 0, NBLK * BS);
	log_init(&L, 0, 4016, 1, 0, seed);
	add_write(&L, 7, 0);
	assert_true(jrbd_wr_block_full(&L.w));
	assert_int_equal(jrbd_wr_blocks_needed(&L.w, 0), 1);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	assert_int_equal(L.ents[1].start.seq, 1);
	assert_int_equal(L.ents[1].start.off, 0);
	assert_int_equal(slot(0)[4016 + 6], JRBD_FRAG_FULL);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, 2);
}

static void test_short_tails(void **state)
{
	int i;

	(void)state;
	/* a record ends 6 bytes before a 4 KiB boundary: zero, skip */
	memset(ring, 0xff, NBLK * BS);
	memset(ring, 0, 2 * BS);
	mark_ending_at(4090);
	assert_int_equal(L.w.off, 4090);
	add(&L, JRBD_ENTRY_MARK, 0, 10, 0, 0);
	assert_int_equal(L.ents[1].start.off, 4096);
	for (i = 4090; i < 4096; i++)
		assert_int_equal(slot(0)[i], 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	/* now end 6 bytes before the block end: zero tail, block full */
	memset(slot(0) + 4096 * 7, 0x55, 4096);
	mark_ending_at(BS - 6);
	assert_true(jrbd_wr_block_full(&L.w));
	for (i = BS - 6; i < (int)BS; i++)
		assert_int_equal(slot(0)[i], 0);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	assert_int_equal(L.ents[1].start.seq, 1);
	assert_int_equal(L.ents[1].start.off, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);

	/* exactly 16 bytes left at the block end: FIRST with len 0 */
	memset(ring, 0, 3 * BS);
	mark_ending_at(BS - 16);
	assert_int_equal(L.w.off, BS - 16);
	add_write(&L, 1, 0);
	assert_int_equal(slot(0)[BS - 16 + 4], 0);	/* len 0 */
	assert_int_equal(slot(0)[BS - 16 + 6], JRBD_FRAG_FIRST);
	assert_int_equal(slot(1)[6], JRBD_FRAG_LAST);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	/* a PAD with len 0 when 16 bytes are left before a boundary */
	memset(ring, 0, 3 * BS);
	mark_ending_at(4080);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 4096);
	assert_int_equal(slot(0)[4080 + 6], JRBD_FRAG_PAD);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);		/* on a boundary: no-op */
	assert_int_equal(L.w.off, 4096);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
}

static void test_empty_and_largest(void **state)
{
	(void)state;
	log_fresh(&L);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	L.t = 1;
	add(&L, JRBD_ENTRY_DISCARD, 1, 0, 1, 1);
	add(&L, JRBD_ENTRY_WRITE_ZEROES, 256, 0, 1, 1);
	/* largest from offset 0 of a fresh block: 1 MiB + 64 spans 33 blocks */
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	log_init(&L, 0, 0, 1, 0, seed);
	memset(ring, 0, NBLK * BS);
	assert_int_equal(jrbd_wr_blocks_needed(&L.w, JRBD_MAX_PAYLOAD), 32);
	add_write(&L, 256, 0);
	assert_int_equal(L.w.seq, 32);
	assert_int_equal(slot(0)[6], JRBD_FRAG_FIRST);
	assert_int_equal(slot(1)[6], JRBD_FRAG_MIDDLE);
	assert_int_equal(slot(32)[6], JRBD_FRAG_LAST);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	/* the writer refuses more */
	{
		struct jrbd_entry e = { .kind = JRBD_ENTRY_WRITE, .nr_blocks = 257,
					.payload_len = 257 * 4096, .term = 1 };
		assert_int_equal(jrbd_wr_append(&L.w, &e, payload, DATA_BLOCKS, NULL, 0), -EFBIG);
	}
}

/* A log whose last block (seq 2) holds the end of a long record, small
 * entries, a PAD and more entries, then never-written bytes. */
static void build_tail_log(void)
{
	int i;

	log_fresh(&L);
	L.t = 1;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	add_write(&L, 7, 1);
	add_write(&L, 2, 1);		/* crosses into block 1 */
	add_write(&L, 7, 1);		/* block 1 -> 2 */
	add(&L, JRBD_ENTRY_MARK, 0, 7, 1, 2);
	add(&L, JRBD_ENTRY_DISCARD, 4, 0, 1, 2);
	add_write(&L, 1, 3);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	for (i = 0; i < 3; i++)
		add_write(&L, 1, 4);
	add(&L, JRBD_ENTRY_MARK, 0, 200, 1, 4);
	assert_int_equal(L.w.seq, 2);
}

static void check_torn(const u8 *last, u32 k, int variant)
{
	static u8 copy[BS];
	int i, expect = 0;

	memcpy(copy, last, BS);
	for (i = k; i < (int)BS; i++)
		copy[i] = variant ? (u8)(i * 131 + k + 1) : 0;
	memcpy(slot(2), copy, BS);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	for (i = 0; i < L.n; i++) {
		struct jrbd_jpos e = L.ents[i].end;

		if (e.seq < 2 || (e.seq == 2 && e.off <= k))
			expect = i + 1;
	}
	assert_true(jrbd_scan_reason_is_end(S.stop.reason));
	assert_prefix(&L, &G, expect);
}

static void test_torn_every_offset(void **state)
{
	static u8 last[BS];
	u32 k;

	(void)state;
	build_tail_log();
	memcpy(last, slot(2), BS);
	for (k = 0; k < BS; k++) {
		check_torn(last, k, 0);
		check_torn(last, k, 1);
	}
	memcpy(slot(2), last, BS);
}

static void test_stale_lap(void **state)
{
	static u8 old[BS];
	struct jrbd_writer w;
	struct jrbd_entry e = { .kind = JRBD_ENTRY_MARK, .payload_len = 100, .term = 1 };
	int i;

	(void)state;
	/* lap 0: block 6 fully written by an older writer, PAD-closed sectors */
	memset(ring, 0, NBLK * BS);
	fill(0, 4096);
	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 6, 0 }, old, 50, 1, 1234);
	for (i = 0; i < 8; i++) {
		assert_int_equal(jrbd_wr_append(&w, &e, payload, DATA_BLOCKS, NULL, 0), 0);
		assert_int_equal(jrbd_wr_pad(&w), 0);
	}
	memcpy(slot(6), old, BS);
	memcpy(slot(7), old, BS);	/* slot 7 holds an impossible seq */

	/* lap 1: tail at seq NBLK + 5, one block and one sector written */
	log_init(&L, NBLK + 5, 0, 100, 1, 777);
	L.t = 1;
	while (L.w.seq == NBLK + 5)
		add_write(&L, 3, 99);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	/* the rest of block NBLK + 6 still holds lap 0 */
	memcpy(slot(6) + L.w.off, old + L.w.off, BS - L.w.off);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_STALE);
	assert_int_equal(S.stop.found_seq, 6);
	assert_int_equal(S.stop.at.seq, NBLK + 6);
	assert_int_equal(S.stop.at.off, L.w.off);
	assert_prefix(&L, &G, L.n);

	/* a whole old block in the next slot */
	memcpy(slot(6), old, BS);
	log_init(&L, NBLK + 5, 0, 100, 1, 777);
	L.t = 1;
	while (L.w.seq == NBLK + 5)
		add_write(&L, 3, 99);
	/* undo the partial write into slot 6: writer wrote block NBLK+6 */
	memcpy(slot(6), old, BS);
	L.n--;			/* its last entry spilled into NBLK + 6 */
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_STALE);
	assert_int_equal(S.stop.at.seq, NBLK + 6);
	assert_int_equal(S.stop.at.off, 0);
	assert_true(S.stop.in_record);
	assert_prefix(&L, &G, L.n);

	/* a valid fragment whose seq is from a future lap is corruption */
	memcpy(slot(6), slot(7), BS);
	w.seq = 0;
	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 2 * NBLK + 6, 0 }, slot(6), 50, 1, 1234);
	assert_int_equal(jrbd_wr_append(&w, &e, payload, DATA_BLOCKS, NULL, 0), 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_ERR_FRAGMENT);
	assert_int_equal(S.stop.found_seq, 2 * NBLK + 6);
}

struct frag_range {
	u32 from, to;		/* [from, to) in the block */
};

static void test_every_bit_flip(void **state)
{
	static u8 orig[BS];
	struct frag_range fr[64];
	int nfr = 0, i, expect;
	u32 pos, bit;

	(void)state;
	/* block 0 packed to the end: the last record continues in block 1 */
	log_fresh(&L);
	L.t = 1;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	add_write(&L, 2, 1);
	add(&L, JRBD_ENTRY_MARK, 0, 5, 1, 1);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	add(&L, JRBD_ENTRY_DISCARD, 9, 0, 1, 2);
	add_write(&L, 1, 2);
	add(&L, JRBD_ENTRY_MARK, 0, 200, 1, 3);
	add_write(&L, 2, 3);
	while (L.w.seq == 0)
		add_write(&L, 3, 4);
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 2, 5);
	memcpy(orig, slot(0), BS);

	/* fragment ranges in block 0, by walking the framing */
	for (pos = 0; pos < BS;) {
		struct jrbd_frag f;

		if (JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE < 16) {
			pos += JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE;
			continue;
		}
		jrbd_frag_hdr_decode(orig + pos, &f);
		fr[nfr].from = pos;
		fr[nfr].to = pos + 16 + f.len;
		pos = fr[nfr++].to;
	}
	assert_true(nfr > 8);

	for (bit = 0; bit < BS * 8; bit++) {
		u32 byte = bit / 8, start = BS;

		for (i = 0; i < nfr; i++)
			if (byte >= fr[i].from && byte < fr[i].to)
				start = fr[i].from;
		slot(0)[byte] ^= 1u << (bit % 8);
		assert_int_equal(scan_log(&L, &S, &G), 1);
		slot(0)[byte] ^= 1u << (bit % 8);
		expect = 0;
		for (i = 0; i < L.n; i++)
			if (L.ents[i].end.seq == 0 && L.ents[i].end.off <= start)
				expect = i + 1;
		if (start == BS)	/* an ignored zero tail */
			expect = L.n;
		assert_prefix(&L, &G, expect);
		if (start != BS) {
			assert_int_equal(S.stop.at.seq, 0);
			assert_true(S.stop.at.off <= start);
		}
	}
}

/* Re-seal a fragment's CRC after editing it. */
static void refrag(u8 *blk, u32 off)
{
	struct jrbd_frag f;
	__le32 crc;

	jrbd_frag_hdr_decode(blk + off, &f);
	/* The fragment may sit at any offset: no struct access (UBSan). */
	crc = cpu_to_le32(jrbd_frag_crc(seed, blk + off, f.len));
	memcpy(blk + off + offsetof(struct jrbd_frag_hdr, crc), &crc, sizeof(crc));
}

static void rechain(u8 *hdr, u32 prev)
{
	((struct jrbd_entry_hdr *)hdr)->chain_crc =
		cpu_to_le32(jrbd_entry_chain(prev, hdr));
}

static int scan_expect(int reason, int accepted)
{
	int r = scan_log(&L, &S, &G);

	assert_int_equal(r, 1);
	assert_string_equal(jrbd_scan_reason_name(S.stop.reason),
			    jrbd_scan_reason_name(reason));
	assert_int_equal(G.n, accepted);
	return 0;
}

static void test_corruptions(void **state)
{
	u8 *b0, *h, *pp;
	u32 o1;

	(void)state;
	log_fresh(&L);
	L.t = 1;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	add_write(&L, 1, 1);
	add_write(&L, 9, 1);		/* FIRST in block 0, LAST in block 1 */
	add(&L, JRBD_ENTRY_MARK, 0, 3, 1, 2);
	b0 = slot(0);
	o1 = L.ents[1].start.off;
	h = b0 + o1 + 16;
	scan_expect(JRBD_SCAN_END_ZERO, 4);

	/* LAST turned MIDDLE... MIDDLE without FIRST */
	b0[L.ents[2].start.off + 6] = JRBD_FRAG_MIDDLE;
	refrag(b0, L.ents[2].start.off);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, 2);	/* MIDDLE without FIRST */
	b0[L.ents[2].start.off + 6] = JRBD_FRAG_FULL;
	refrag(b0, L.ents[2].start.off);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, 2);	/* too short */
	b0[L.ents[2].start.off + 6] = JRBD_FRAG_FIRST;
	refrag(b0, L.ents[2].start.off);
	slot(1)[6] = JRBD_FRAG_FIRST;
	refrag(slot(1), 0);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, 2);
	slot(1)[6] = JRBD_FRAG_LAST;
	refrag(slot(1), 0);
	/* unknown type / flags */
	b0[o1 + 6] = 9;
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 1);
	b0[o1 + 6] = JRBD_FRAG_FULL;
	b0[o1 + 7] = 1;
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 1);
	b0[o1 + 7] = 0;
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_END_ZERO, 4);

	/* payload corrupted with the fragment CRC recomputed */
	pp = b0 + jrbd_record_pos(L.ents[1].start, 64 + 100, aligned).off;
	*pp ^= 1;
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_PAYLOAD_CRC, 1);
	*pp ^= 1;
	refrag(b0, o1);
	/* entry fields, fragment CRC and chain recomputed */
	h[0] = 9;
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_ENTRY, 1);
	h[0] = JRBD_ENTRY_WRITE;
	h[0x30] = 1;		/* reserved */
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_ENTRY, 1);
	h[0x30] = 0;
	h[0x08] = 3;		/* index 3 instead of 2 */
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_INDEX_GAP, 1);
	h[0x08] = 2;
	h[0x10] = 0;		/* term 0 after term 1 */
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_TERM_REGRESSION, 1);
	h[0x10] = 1;
	rechain(h, L.ents[0].e.chain_crc ^ 1);	/* wrong chain */
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_CHAIN_MISMATCH, 1);
	h[0x28 + 2] = 0x20;	/* payload_len 2 MiB */
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_RECORD_TOO_LARGE, 1);
	h[0x28 + 2] = 0;
	h[0x28 + 1] = 0x20;	/* payload_len 8192, nr_blocks 1 */
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_ERR_ENTRY, 1);
	h[0x28 + 1] = 0x10;
	rechain(h, L.ents[0].e.chain_crc);
	refrag(b0, o1);
	scan_expect(JRBD_SCAN_END_ZERO, 4);
	/* PAD with non-zero payload */
	log_fresh(&L);
	add(&L, JRBD_ENTRY_MARK, 0, 10, 0, 0);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	b0[L.ents[0].end.off + 20] = 1;
	refrag(b0, L.ents[0].end.off);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 1);
}

static int cb_abort(void *ctx, const struct jrbd_entry *e, struct jrbd_jpos p)
{
	return -EINTR;
}

static void test_callback_abort(void **state)
{
	struct jrbd_scan_ops o = { .entry = cb_abort };
	struct jrbd_scan_params p;

	(void)state;
	log_fresh(&L);
	add(&L, JRBD_ENTRY_MARK, 0, 10, 0, 0);
	scan_params(&p, &L);
	jrbd_scan_init(&S, &p, &o, NULL);
	assert_int_equal(jrbd_scan_block(&S, slot(0)), -EINTR);
	assert_int_equal(jrbd_scan_block(&S, slot(0)), -EINVAL);
}

/* resync: 0 keeps the scan's sector; else probe at these boundaries */
static int probe_at(u32 resync)
{
	struct jrbd_probe pr;
	u32 i;
	int r = 0;

	jrbd_probe_init(&pr, &S);
	if (resync)
		pr.jsector = resync;
	for (i = 0; i < JRBD_MAX_INFLIGHT_BLOCKS && !r; i++)
		r = jrbd_probe_block(&pr, slot(pr.seq));
	return r;
}

static int probe(void)
{
	return probe_at(0);
}

static void test_probe_after_stop(void **state)
{
	u32 off;
	int i;

	(void)state;
	/* entries 1..6 committed as they go, 7..12 in flight (commit 6) */
	log_fresh(&L);
	L.t = 1;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 0);
	for (i = 2; i <= 6; i++)
		add_write(&L, 2, i - 1);
	for (i = 7; i <= 12; i++)
		add_write(&L, 3, 6);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);

	/* clean end: nothing to find */
	scan_expect(JRBD_SCAN_END_ZERO, 12);
	assert_int_equal(probe(), 0);

	/* entry 9 torn, 10..12 landed (out of order in flight): torn tail */
	off = L.ents[8].start.off;
	slot(L.ents[8].start.seq)[off + 40] ^= 0x10;
	scan_expect(JRBD_SCAN_END_TORN, 8);
	assert_int_equal(S.stop.index, 9);
	assert_int_equal(probe(), 0);
	slot(L.ents[8].start.seq)[off + 40] ^= 0x10;

	/* entry 4 damaged, 5.. say 4 was committed: corruption */
	off = L.ents[3].start.off;
	slot(L.ents[3].start.seq)[off + 100] ^= 0x01;
	scan_expect(JRBD_SCAN_END_TORN, 3);
	assert_int_equal(probe(), 1);
	slot(L.ents[3].start.seq)[off + 100] ^= 0x01;

	/* a later block wiped: the lost one was still only in flight */
	memset(slot(L.ents[8].start.seq), 0, BS);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_true(jrbd_scan_reason_is_end(S.stop.reason));
	assert_true(G.n <= 8);
	assert_int_equal(probe(), 0);
}

/* Recovery's seal (W7): resume at the scan end, pad, append, scan again. */
static void test_resume_after_scan(void **state)
{
	struct jrbd_writer *w = &L.w;
	struct jrbd_jpos end;
	u64 idx, term;
	u32 chain;
	int n0;

	(void)state;
	build_tail_log();
	/* crash: the last 2 entries torn */
	memset(slot(2) + L.ents[L.n - 2].start.off + 20, 0x5a, 100);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_TORN);
	n0 = G.n;
	assert_int_equal(n0, L.n - 2);
	end = S.end;
	idx = S.next_index;
	term = S.last_term;
	chain = S.chain;
	jrbd_wr_init(w, seed, end, slot(end.seq), idx, term, chain);
	w->jsector = js;
	w->aligned = aligned;
	assert_int_equal(jrbd_wr_seal(w), 0);
	L.n = n0;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 2, idx - 1);
	L.t = 2;
	add_write(&L, 2, idx);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, L.n);
}

/*
 * INCOMPAT_SECTOR_512: a batch closes on the next 512-byte boundary (a
 * PAD, or the zero tail before a 4 KiB one), scans and the probe follow
 * it, and a 4 KiB scan refuses such a journal.
 */
static void test_sector_512(void **state)
{
	struct jrbd_writer *w = &L.w;
	struct jrbd_jpos end;
	u32 off;
	u8 *copy;
	int i, n0;

	(void)state;
	js = 512;
	/* an fsync'd 4 KiB write: 4,176 bytes, the batch closes at 4,608 */
	log_fresh(&L);
	L.t = 1;
	add_write(&L, 1, 0);
	assert_int_equal(L.w.off, 4176);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 4608);
	assert_int_equal(slot(0)[4176 + 6], JRBD_FRAG_PAD);
	add_write(&L, 1, 1);
	assert_int_equal(L.ents[1].start.off, 4608);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 9216);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_int_equal(S.end.off, 9216);
	assert_prefix(&L, &G, 2);
	/* the same bytes read with 4 KiB sectors: the PAD is refused */
	js = 4096;
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_ERR_FRAGMENT);
	assert_int_equal(S.stop.at.off, 4176);
	js = 512;

	/* 6 bytes before a 512 boundary that is not a 4 KiB one: the PAD
	 * runs on to the next (its header may cross a 512 boundary) */
	memset(ring, 0, 2 * BS);
	mark_ending_at(1530);
	assert_int_equal(L.w.off, 1530);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 2048);
	assert_int_equal(slot(0)[1530 + 6], JRBD_FRAG_PAD);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(L.ents[1].start.off, 2048);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 2560);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, 2);
	/* ... exactly 16 left: a PAD of length 0 to that boundary */
	memset(ring, 0, 2 * BS);
	mark_ending_at(2032);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 2048);
	assert_int_equal(slot(0)[2032 + 4], 0);
	assert_int_equal(slot(0)[2032 + 6], JRBD_FRAG_PAD);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);
	/* ... 6 before a 4 KiB boundary: the zero tail, as with 4 KiB */
	memset(ring, 0xff, 2 * BS);
	memset(ring, 0, BS);
	mark_ending_at(4090);
	memset(slot(0) + 4090, 0xee, 6);	/* the pad must zero them */
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 4096);
	for (i = 4090; i < 4096; i++)
		assert_int_equal(slot(0)[i], 0);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_prefix(&L, &G, 2);

	/*
	 * The probe resynchronises at 512-byte boundaries: entries 1-2 and
	 * 3 and 4 in three fsync'd batches, entry 3 damaged, entry 4 (at
	 * 13,312, not a 4 KiB boundary) says 3 was committed.
	 */
	log_fresh(&L);
	L.t = 1;
	add_write(&L, 1, 0);
	add_write(&L, 1, 1);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	add_write(&L, 1, 2);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	add_write(&L, 1, 3);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.ents[2].start.off, 8704);
	assert_int_equal(L.ents[3].start.off, 13312);
	slot(0)[8704 + 300] ^= 0x04;
	scan_expect(JRBD_SCAN_END_TORN, 2);
	assert_int_equal(S.stop.index, 3);
	assert_int_equal(probe(), 1);
	/* control: resyncing only at 4 KiB boundaries would miss it */
	assert_int_equal(probe_at(4096), 0);
	slot(0)[8704 + 300] ^= 0x04;

	/*
	 * The seal (W7) after a torn batch: entries 1-2 and then 3-4 in two
	 * fsync'd batches; entry 4 torn, so the log ends mid-sector, at
	 * 12,880.  The seal pads that sector to 13,312, zeroes the rest of
	 * the block and leaves every byte before the end as it was.
	 */
	log_fresh(&L);
	L.t = 1;
	add_write(&L, 1, 0);
	add_write(&L, 1, 1);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	add_write(&L, 1, 2);
	add_write(&L, 1, 3);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.ents[3].start.off, 12880);
	memset(slot(0) + 12880 + 40, 0x5a, 100);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_TORN);
	n0 = G.n;
	assert_int_equal(n0, 3);
	end = S.end;
	assert_int_equal(end.off, 12880);
	copy = malloc(BS);
	assert_non_null(copy);
	memcpy(copy, slot(0), BS);
	jrbd_wr_init(w, seed, end, slot(end.seq), S.next_index, S.last_term, S.chain);
	w->jsector = js;
	assert_int_equal(jrbd_wr_seal(w), 0);
	assert_memory_equal(slot(0), copy, end.off);
	assert_int_equal(slot(0)[12880 + 6], JRBD_FRAG_PAD);
	assert_int_equal(slot(0)[12880 + 4] | slot(0)[12880 + 5] << 8, 13312 - 12880 - 16);
	for (off = 12880 + 16; off < BS; off++)
		assert_int_equal(slot(0)[off], 0);
	free(copy);
	L.n = n0;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 2, 3);
	assert_int_equal(L.ents[3].start.off, 13312);
	L.t = 2;
	add_write(&L, 2, 4);
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off % 512, 0);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, L.n);

	/* ... ending 6 bytes before a 512 (not 4 KiB) boundary: the seal's
	 * PAD runs on to the next one */
	memset(ring, 0, 2 * BS);
	mark_ending_at(1530);
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(L.ents[1].start.off, 1530);
	slot(0)[1530 + 100] ^= 0x40;
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_TORN);
	assert_int_equal(S.end.off, 1530);
	end = S.end;
	jrbd_wr_init(w, seed, end, slot(end.seq), S.next_index, S.last_term, S.chain);
	w->jsector = js;
	assert_int_equal(jrbd_wr_seal(w), 0);
	assert_int_equal(slot(0)[1530 + 6], JRBD_FRAG_PAD);
	assert_int_equal(slot(0)[1530 + 4] | slot(0)[1530 + 5] << 8, 2048 - 1530 - 16);
	L.n = 1;
	add(&L, JRBD_ENTRY_MARK, 0, 100, 0, 0);
	assert_int_equal(L.ents[1].start.off, 2048);
	assert_int_equal(scan_log(&L, &S, &G), 1);
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, 2);
	js = JRBD_SECTOR_SIZE;
}

static int setup(void **state)
{
	u8 u[16];

	(void)state;
	memcpy(u, clu, 16);
	seed = jrbd_cluster_seed(u);
	ring = calloc(NBLK, BS);
	return ring ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ring);
	return 0;
}

/* Teardown of the aligned tests, also when one fails half-way. */
static int aligned_off(void **state)
{
	(void)state;
	aligned = false;
	js = JRBD_SECTOR_SIZE;
	return 0;
}

/*
 * INCOMPAT_ALIGNED by hand: where rules A1-A3 put the bytes, that the
 * scanner insists on them, and that the feature bit is not optional.
 */
static void test_aligned(void **state)
{
	struct jrbd_scan_params p;
	struct ent *x;
	u32 k, f;

	(void)state;
	aligned = true;
	/* A2: a fresh log; header 16..80, filler to 512, payload 512..4608 */
	log_fresh(&L);
	x = add_write(&L, 1, 0);
	assert_int_equal(x->start.off, 0);
	assert_int_equal(x->end.off, 4608);
	assert_int_equal(L.w.off, 4608);
	for (k = 80; k < 512; k++)
		assert_int_equal(slot(0)[k], 0);
	fill(x->e.index, 4096);
	assert_memory_equal(slot(0) + 512, payload, 4096);
	/* back to back: the next header at 4608, its payload at 5120 */
	x = add_write(&L, 2, 1);
	assert_int_equal(x->start.off, 4608);
	assert_int_equal(jrbd_record_pos(x->start, 64, true).off, 5120);
	/* an fsync'd 4 KiB write closes its sector: 8 KiB with 4 KiB ones */
	assert_int_equal(jrbd_wr_pad(&L.w), 0);
	assert_int_equal(L.w.off, 16384);
	/* A3: a record running over a block end; every 4 KiB payload block
	 * starts at a multiple of 512 */
	x = add_write(&L, 7, 2);
	assert_int_equal(x->start.seq, 0);
	for (k = 0; k < 7; k++)
		assert_int_equal(jrbd_record_pos(x->start, 64 + k * 4096, true).off % 512, 0);
	for (k = 16; k < 512; k++)
		assert_int_equal(slot(1)[k], 0);
	/* header-only and small records */
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 1, 3);
	L.t = 1;
	add(&L, JRBD_ENTRY_MARK, 0, 7, 1, 3);
	add_write(&L, 256, 3);
	G.check_pos = true;
	assert_int_equal(scan_log(&L, &S, &G), 1);
	G.check_pos = false;
	assert_int_equal(S.stop.reason, JRBD_SCAN_END_ZERO);
	assert_prefix(&L, &G, L.n);

	/* the feature bit is not optional, either way */
	scan_params(&p, &L);
	p.aligned = false;
	assert_int_equal(scan_with(&S, &p, &G, get_ring), 1);
	assert_false(jrbd_scan_reason_is_end(S.stop.reason));
	assert_int_equal(G.n, 0);

	/* filler that is not zero, CRC recomputed: first fragment, then a
	 * continuation */
	slot(0)[100] = 1;
	refrag(slot(0), 0);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 0);
	assert_string_equal(S.stop.msg, "alignment filler is not zero");
	slot(0)[100] = 0;
	refrag(slot(0), 0);
	slot(1)[300] = 1;
	refrag(slot(1), 0);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 2);
	slot(1)[300] = 0;
	refrag(slot(1), 0);
	scan_expect(JRBD_SCAN_END_ZERO, L.n);

	/* A1: past 32176 the block is closed with a PAD to its end */
	memset(ring, 0, NBLK * BS);
	log_init(&L, 0, 32192, 1, 0, seed);
	x = add_write(&L, 1, 0);
	assert_int_equal(x->start.seq, 1);
	assert_int_equal(x->start.off, 0);
	assert_int_equal(slot(0)[32192 + 6], JRBD_FRAG_PAD);
	scan_expect(JRBD_SCAN_END_ZERO, 1);
	assert_prefix(&L, &G, 1);
	/* ... and 32176 is still early enough: 512 payload bytes there */
	memset(ring, 0, NBLK * BS);
	log_init(&L, 0, 32176, 1, 0, seed);
	x = add_write(&L, 1, 0);
	assert_int_equal(x->start.off, 32176);
	assert_int_equal(jrbd_record_pos(x->start, 64, true).off, 32256);
	assert_int_equal(x->end.seq, 1);
	assert_int_equal(x->end.off, 512 + 3584);
	scan_expect(JRBD_SCAN_END_ZERO, 1);
	assert_prefix(&L, &G, 1);
	/* a record start past 32176 with a valid CRC: refused */
	memset(ring, 0, NBLK * BS);
	log_init(&L, 0, 32192, 1, 0, seed);
	L.w.aligned = false;
	add(&L, JRBD_ENTRY_NEW_TERM, 0, 0, 0, 0);
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 0);
	assert_string_equal(S.stop.msg,
			    "record starts too late in its block for aligned framing");
	/* a PAD to the block end from before 32176 is not one */
	memset(ring, 0, NBLK * BS);
	log_init(&L, 0, 28672, 1, 0, seed);
	L.w.aligned = true;
	L.w.off = 28672;
	f = JRBD_JBLOCK_SIZE - 28672;
	{
		struct jrbd_frag fr = { .len = f - 16, .type = JRBD_FRAG_PAD,
					.seq = 0 };

		jrbd_frag_hdr_encode(&fr, slot(0) + 28672);
		refrag(slot(0), 28672);
	}
	scan_expect(JRBD_SCAN_END_ZERO, 0);	/* 4 KiB sectors: it is W2's */
	js = JRBD_SECTOR_SIZE_SMALL;
	scan_expect(JRBD_SCAN_ERR_FRAGMENT, 0);
	js = JRBD_SECTOR_SIZE;
	aligned = false;
}

/*
 * The layout-independent tests again with payload-aligned records (rules
 * A1-A3): every byte still where the mapping says, torn and flipped bytes
 * still caught, deferred CRCs still the same bytes.
 */

#define ALIGNED_TOO(t)						\
	static void t##_aligned(void **state)			\
	{							\
		aligned = true;					\
		t(state);					\
	}
ALIGNED_TOO(test_roundtrip_all_kinds)
ALIGNED_TOO(test_incremental_put)
ALIGNED_TOO(test_deferred_crc)
ALIGNED_TOO(test_exact_fill)
ALIGNED_TOO(test_empty_and_largest)
ALIGNED_TOO(test_torn_every_offset)
ALIGNED_TOO(test_stale_lap)
ALIGNED_TOO(test_every_bit_flip)
ALIGNED_TOO(test_corruptions)
ALIGNED_TOO(test_callback_abort)
ALIGNED_TOO(test_probe_after_stop)
ALIGNED_TOO(test_resume_after_scan)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_kinds),
		cmocka_unit_test(test_incremental_put),
		cmocka_unit_test(test_header_split),
		cmocka_unit_test(test_deferred_crc),
		cmocka_unit_test(test_exact_fill),
		cmocka_unit_test(test_short_tails),
		cmocka_unit_test(test_empty_and_largest),
		cmocka_unit_test(test_torn_every_offset),
		cmocka_unit_test(test_stale_lap),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_corruptions),
		cmocka_unit_test(test_callback_abort),
		cmocka_unit_test(test_probe_after_stop),
		cmocka_unit_test(test_resume_after_scan),
		cmocka_unit_test(test_sector_512),
		cmocka_unit_test_teardown(test_aligned, aligned_off),
		cmocka_unit_test_teardown(test_roundtrip_all_kinds_aligned, aligned_off),
		cmocka_unit_test_teardown(test_incremental_put_aligned, aligned_off),
		cmocka_unit_test_teardown(test_deferred_crc_aligned, aligned_off),
		cmocka_unit_test_teardown(test_exact_fill_aligned, aligned_off),
		cmocka_unit_test_teardown(test_empty_and_largest_aligned, aligned_off),
		cmocka_unit_test_teardown(test_torn_every_offset_aligned, aligned_off),
		cmocka_unit_test_teardown(test_stale_lap_aligned, aligned_off),
		cmocka_unit_test_teardown(test_every_bit_flip_aligned, aligned_off),
		cmocka_unit_test_teardown(test_corruptions_aligned, aligned_off),
		cmocka_unit_test_teardown(test_callback_abort_aligned, aligned_off),
		cmocka_unit_test_teardown(test_probe_after_stop_aligned, aligned_off),
		cmocka_unit_test_teardown(test_resume_after_scan_aligned, aligned_off),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
