// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench-format - one-core throughput of the format library (userspace,
 * ISA-L CRC32C): encode = payload_crc + copy into 32 KiB blocks + fragment
 * CRCs + chain; scan = parse + every fragment CRC + payload_crc + chain.
 * GB/s are payload bytes (10^9) per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "libjrbd.h"

#define RING_BLOCKS	4096u		/* 128 MiB */
#define MIN_BYTES	(2ull << 30)	/* per measurement */

static u8 *ring;
static u8 *payload;
static u32 seed;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static u8 *blk(u64 seq)
{
	return ring + (seq % RING_BLOCKS) * JRBD_JBLOCK_SIZE;
}

/* Fill one lap of the ring; returns entries written. */
static u64 encode_lap(struct jrbd_writer *w, u32 nr, u64 *bytes)
{
	struct jrbd_entry e;
	void *nb[40];
	u64 n = 0, start = w->seq;
	u32 need, i;

	for (;;) {
		need = jrbd_wr_blocks_needed(w, nr * 4096);
		if (w->seq + need - start >= RING_BLOCKS - 1)
			break;
		for (i = 0; i < need; i++)
			nb[i] = blk(w->seq + 1 + i);
		memset(&e, 0, sizeof(e));
		e.kind = JRBD_ENTRY_WRITE;
		e.nr_blocks = nr;
		e.lba = n * nr % (1u << 20);
		e.payload_len = nr * 4096;
		e.term = 1;
		e.commit_index = w->next_index - 1;
		if (jrbd_wr_append(w, &e, payload, 1ull << 21, nb, need) < 0)
			abort();
		n++;
		*bytes += e.payload_len;
		if (n % 8 == 0)
			jrbd_wr_pad(w);		/* a batch boundary now and then */
	}
	jrbd_wr_pad(w);
	return n;
}

static void bench(u32 nr)
{
	struct jrbd_scan_params p = { 0 };
	struct jrbd_writer w;
	struct jrbd_scan s;
	u64 bytes = 0, entries = 0, sbytes = 0, i;
	double t0, t_enc, t_scan;
	int r;

	/* encode: laps until MIN_BYTES */
	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 0, 0 }, blk(0), 1, 1, seed);
	t0 = now();
	while (bytes < MIN_BYTES) {
		u64 lap_start = w.seq;

		entries += encode_lap(&w, nr, &bytes);
		if (jrbd_wr_block_full(&w))
			jrbd_wr_next_block(&w, blk(w.seq + 1));
		(void)lap_start;
	}
	t_enc = now() - t0;

	/* scan: the last lap, repeatedly, from a fresh encode at seq 0 */
	memset(ring, 0, (size_t)RING_BLOCKS * JRBD_JBLOCK_SIZE);
	jrbd_wr_init(&w, seed, (struct jrbd_jpos){ 0, 0 }, blk(0), 1, 1, seed);
	bytes = 0;
	encode_lap(&w, nr, &bytes);
	p.seed = seed;
	p.journal_offset = 1 << 20;
	p.journal_blocks = RING_BLOCKS;
	p.data_blocks = 1ull << 21;
	p.index = 1;
	p.term = 1;
	p.chain = seed;
	t0 = now();
	for (i = 0; sbytes < MIN_BYTES; i++) {
		jrbd_scan_init(&s, &p, NULL, NULL);
		do
			r = jrbd_scan_block(&s, blk(s.seq));
		while (r == 0);
		if (s.stop.reason != JRBD_SCAN_END_ZERO || s.next_index != w.next_index) {
			fprintf(stderr, "scan stopped early: %s\n",
				jrbd_scan_reason_name(s.stop.reason));
			exit(1);
		}
		sbytes += bytes;
	}
	t_scan = now() - t0;
	printf("entry %4u KiB  encode+crc %6.2f GB/s   scan %6.2f GB/s   (%llu entries)\n",
	       nr * 4, bytes ? (double)entries * nr * 4096 / t_enc / 1e9 : 0,
	       sbytes / t_scan / 1e9, (unsigned long long)entries);
}

int main(void)
{
	static const u8 cu[16] = "bench-cluster-01";
	u32 i;

	ring = aligned_alloc(4096, (size_t)RING_BLOCKS * JRBD_JBLOCK_SIZE);
	payload = aligned_alloc(4096, JRBD_MAX_PAYLOAD);
	if (!ring || !payload)
		return 1;
	memset(ring, 0, (size_t)RING_BLOCKS * JRBD_JBLOCK_SIZE);
	for (i = 0; i < JRBD_MAX_PAYLOAD; i++)
		payload[i] = i * 2654435761u >> 24;
	seed = jrbd_cluster_seed(cu);
	printf("bench-format: one core, 32 KiB journal blocks, payload GB/s (1e9 B/s)\n");
	bench(1);
	bench(16);
	bench(256);
	return 0;
}
