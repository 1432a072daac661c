// SPDX-License-Identifier: GPL-2.0-only
/*
 * writer.c - pack entries into 32 KiB journal blocks.
 *
 * The writer owns no memory: the caller hands it block buffers.  Every byte
 * of a block before w->off has been written by the writer (headers, payload,
 * PAD, zero tails), so the caller may submit [first dirty sector, w->off)
 * once w->off is w->jsector aligned (after jrbd_wr_pad() or a full block).
 */
#include "libjrbd.h"

static_assert(JRBD_ENTRY_HDR_SIZE <= JRBD_FRAG_MAX_LEN,
	      "the entry header spans at most two fragments");

void jrbd_wr_init(struct jrbd_writer *w, u32 seed, struct jrbd_jpos pos,
		  void *blk, u64 next_index, u64 last_term, u32 chain)
{
	memset(w, 0, sizeof(*w));
	w->seed = seed;
	w->jsector = JRBD_SECTOR_SIZE;
	w->seq = pos.seq;
	w->off = pos.off;
	w->blk = blk;
	w->next_index = next_index;
	w->last_term = last_term;
	w->chain = chain;
}

int jrbd_wr_next_block(struct jrbd_writer *w, void *blk)
{
	if (!jrbd_wr_block_full(w))
		return -EBUSY;
	w->seq++;
	w->off = 0;
	w->blk = blk;
	return 0;
}

u32 jrbd_wr_blocks_needed(const struct jrbd_writer *w, u32 payload_len)
{
	struct jrbd_jpos p = { .seq = w->seq, .off = w->off }, end;

	p = jrbd_record_place(p, w->aligned);
	end = jrbd_record_end(p, JRBD_ENTRY_HDR_SIZE + payload_len, w->aligned);
	return (u32)(end.seq - w->seq);
}

int jrbd_wr_begin(struct jrbd_writer *w, struct jrbd_entry *e, u64 data_blocks)
{
	const char *why;
	int r;

	if (jrbd_wr_in_record(w))
		return -EBUSY;
	e->index = w->next_index;
	if (e->term < w->last_term)
		return -EINVAL;
	r = jrbd_entry_check(e, data_blocks, &why);
	if (r < 0)
		return r;

	w->next_index++;
	w->last_term = e->term;
	w->ent = e;
	w->pcrc = ~0u;
	w->ndefer = 0;
	w->rec_len = JRBD_ENTRY_HDR_SIZE + e->payload_len;
	w->rec_left = w->rec_len;
	w->hdr_left = JRBD_ENTRY_HDR_SIZE;
	w->rec_opened = false;
	return 0;
}

/*
 * A fragment's CRC: raw(seed, fragment header from byte 4, @hlen entry
 * header bytes) extended over the @plen payload bytes that follow, whose
 * raw(0, ...) is @pcrc, by the shift identity.
 */
static void seal_frag(u32 seed, u8 *h, u32 hlen, u32 plen, u32 pcrc)
{
	jrbd_frag_set_crc(h, jrbd_crc32c_shift(jrbd_frag_crc(seed, h, hlen), plen) ^
			     pcrc);
}

/*
 * The last byte of a record is placed and @pcrc is raw(~0, its payload):
 * now payload_crc, hence the header and chain_crc, are known.  Encode the
 * header into @hdr, copy it into the fragments @hf that hold it and seal
 * them.  Returns the new chain.  Shared by the immediate writer and
 * jrbd_rec_finish(), so both give the same bytes.
 */
static u32 seal_record(u32 seed, u32 chain, struct jrbd_entry *e, u32 pcrc,
		       u8 *hdr, const struct jrbd_hfrag *hf, unsigned int n)
{
	unsigned int i;
	u32 off = 0;

	e->payload_crc = e->payload_len ? ~pcrc : 0;
	e->chain_crc = 0;
	jrbd_entry_hdr_encode(e, hdr);
	e->chain_crc = jrbd_entry_chain(chain, hdr);
	jrbd_entry_hdr_encode(e, hdr);
	for (i = 0; i < n; i++) {
		memcpy(hf[i].h + JRBD_FRAG_HDR_SIZE, hdr + off, hf[i].hlen);
		off += hf[i].hlen;
		seal_frag(seed, hf[i].h, hf[i].hlen, hf[i].plen, hf[i].pcrc);
	}
	return e->chain_crc;
}

static void finish_record(struct jrbd_writer *w)
{
	w->chain = seal_record(w->seed, w->chain, w->ent, w->pcrc, w->hdr,
			       w->defer, w->ndefer);
	w->ndefer = 0;
	w->ent = NULL;
}

/* Zero the rest of the block if no fragment header fits there any more. */
static void close_tail(struct jrbd_writer *w)
{
	u32 room = JRBD_JBLOCK_SIZE - w->off;

	if (room < JRBD_FRAG_HDR_SIZE) {
		memset(w->blk + w->off, 0, room);
		w->off = JRBD_JBLOCK_SIZE;
	}
}

/*
 * A PAD fragment of @room bytes (at least a header's) at w->off: zeros,
 * its CRC taken by shifting instead of reading them.
 */
static void put_pad(struct jrbd_writer *w, u32 room)
{
	struct jrbd_frag f;

	memset(w->blk + w->off, 0, room);
	f.crc = 0;
	f.len = room - JRBD_FRAG_HDR_SIZE;
	f.type = JRBD_FRAG_PAD;
	f.flags = 0;
	f.seq = w->seq;
	jrbd_frag_hdr_encode(&f, w->blk + w->off);
	jrbd_frag_set_crc(w->blk + w->off,
			  jrbd_crc32c_shift(jrbd_frag_crc(w->seed, w->blk + w->off, 0),
					    f.len));
	w->off += room;
}

static void open_frag(struct jrbd_writer *w)
{
	struct jrbd_frag f;
	u32 space = JRBD_JBLOCK_SIZE - w->off - JRBD_FRAG_HDR_SIZE;
	bool first = !w->rec_opened;
	/* filler before the payload (rules A2, A3); the header is whole in
	 * the first fragment with aligned framing (A1) */
	u32 fill = w->ent->payload_len ?
		   jrbd_frag_fill(w->aligned, first, w->off) : 0;
	bool last = w->rec_left + fill <= space;

	f.crc = 0;
	f.len = last ? w->rec_left + fill : space;
	f.type = first ? (last ? JRBD_FRAG_FULL : JRBD_FRAG_FIRST) :
			 (last ? JRBD_FRAG_LAST : JRBD_FRAG_MIDDLE);
	f.flags = 0;
	f.seq = w->seq;
	jrbd_frag_hdr_encode(&f, w->blk + w->off);
	w->frag_hdr = w->off;
	w->frag_left = f.len;
	w->frag_pcrc = 0;
	w->frag_plen = 0;
	w->frag_hlen = 0;
	w->frag_fill = 0;
	w->fill_left = fill;
	w->frag_open = true;
	w->rec_opened = true;
	w->off += JRBD_FRAG_HDR_SIZE;
}

static void close_frag(struct jrbd_writer *w)
{
	u8 *h = w->blk + w->frag_hdr;

	if (w->defer_crc) {
		/* jrbd_rec_finish() writes the header and every CRC */
		w->frag_open = false;
		if (!w->rec_left) {
			w->ent = NULL;
			close_tail(w);
		}
		return;
	}
	if (w->frag_plen)
		w->pcrc = jrbd_crc32c_shift(w->pcrc, w->frag_plen) ^ w->frag_pcrc;
	if (w->frag_hlen && w->ndefer < 2) {
		w->defer[w->ndefer].h = h;
		w->defer[w->ndefer].hlen = w->frag_hlen;
		/* leading zeros leave a raw CRC from 0 as it is */
		w->defer[w->ndefer].plen = w->frag_fill + w->frag_plen;
		w->defer[w->ndefer].pcrc = w->frag_pcrc;
		w->ndefer++;
	} else {
		/*
		 * A third fragment holding header bytes cannot be (struct
		 * jrbd_writer); were it, its CRC here would leave out the
		 * header and recovery would see a torn record, not bad data.
		 */
		seal_frag(w->seed, h, 0, w->frag_fill + w->frag_plen,
			  w->frag_pcrc);
	}
	w->frag_open = false;
	if (!w->rec_left) {
		finish_record(w);
		close_tail(w);
	}
}

size_t jrbd_wr_put(struct jrbd_writer *w, const void *p, size_t len)
{
	const u8 *src = p;
	size_t done = 0;
	u32 n;

	for (;;) {
		if (!w->frag_open) {
			if (!w->rec_left || jrbd_wr_block_full(w))
				break;
			if (!w->rec_opened) {
				/* record start: the header must not cross 4 KiB */
				u32 room = JRBD_SECTOR_SIZE - w->off % JRBD_SECTOR_SIZE;

				if (room < JRBD_FRAG_HDR_SIZE) {
					memset(w->blk + w->off, 0, room);
					w->off += room;
					if (jrbd_wr_block_full(w))
						break;
				}
				/* rule A1: too late in the block to align */
				if (w->aligned &&
				    w->off > JRBD_ALIGNED_LAST_START) {
					put_pad(w, JRBD_JBLOCK_SIZE - w->off);
					break;
				}
				w->rec_start.seq = w->seq;
				w->rec_start.off = w->off;
			}
			open_frag(w);
		}
		if (w->hdr_left) {
			/* its room; finish_record() writes the header */
			n = w->hdr_left < w->frag_left ? w->hdr_left : w->frag_left;
			memset(w->blk + w->off, 0, n);
			w->hdr_left -= n;
			w->frag_hlen += n;
		} else if (w->fill_left) {
			/* alignment filler: fragment bytes, not record ones */
			n = w->fill_left;
			memset(w->blk + w->off, 0, n);
			w->fill_left = 0;
			w->frag_fill = n;
			w->off += n;
			w->frag_left -= n;
			continue;
		} else {
			n = w->frag_left;
			if (n > len - done)
				n = len - done;
			if (!n && w->frag_left)
				break;	/* caller has no more bytes yet */
			memcpy(w->blk + w->off, src + done, n);
			/* checksum the copy, cache-hot: what goes to disk */
			if (!w->defer_crc)
				w->frag_pcrc = jrbd_crc32c(w->frag_pcrc,
							   w->blk + w->off, n);
			w->frag_plen += n;
			done += n;
		}
		w->off += n;
		w->frag_left -= n;
		w->rec_left -= n;
		if (!w->frag_left)
			close_frag(w);
	}
	return done;
}

int jrbd_wr_append(struct jrbd_writer *w, struct jrbd_entry *e,
		   const void *payload, u64 data_blocks,
		   void *const *blocks, unsigned int n)
{
	const u8 *src = payload;
	unsigned int used = 0;
	size_t done = 0;
	int r;

	if (jrbd_wr_in_record(w))
		return -EBUSY;
	if (e->payload_len > JRBD_MAX_PAYLOAD)
		return -EFBIG;
	if (jrbd_wr_blocks_needed(w, e->payload_len) > n)
		return -ENOSPC;
	r = jrbd_wr_begin(w, e, data_blocks);
	if (r < 0)
		return r;
	for (;;) {
		done += jrbd_wr_put(w, src + done, e->payload_len - done);
		if (!jrbd_wr_in_record(w))
			break;
		jrbd_wr_next_block(w, blocks[used++]);
	}
	return used;
}

/*
 * Finish a record placed with ->defer_crc.  The fragments' layout follows
 * from the record's start and length alone (jrbd_record_pos()): the first
 * fragment fills its block from the start, each later one starts a block.
 * One pass over the payload gives each fragment's payload CRC and, by the
 * shift identity, payload_crc; then the header and chain_crc are known and
 * the (at most two) fragments holding header bytes get their CRC.  The
 * bytes and CRCs are those jrbd_wr_put() without ->defer_crc writes.
 */
u32 jrbd_rec_finish(u32 seed, u32 chain, struct jrbd_entry *e,
		    struct jrbd_jpos start, bool aligned, jrbd_blk_fn blk,
		    void *ctx)
{
	struct jrbd_hfrag hf[2];
	u8 hdr[JRBD_ENTRY_HDR_SIZE];
	u32 hdr_left = JRBD_ENTRY_HDR_SIZE;
	u32 pay_left = e->payload_len;
	u32 pcrc = ~0u;
	unsigned int nh = 0;
	struct jrbd_jpos p = start;
	bool first = true;

	while (hdr_left || pay_left) {
		u32 cap = JRBD_JBLOCK_SIZE - p.off - JRBD_FRAG_HDR_SIZE;
		u8 *h = blk(ctx, p.seq) + p.off;
		u32 hlen = cap < hdr_left ? cap : hdr_left;
		u32 fill = pay_left && hlen == hdr_left ?
			   jrbd_frag_fill(aligned, first, p.off) : 0;
		u32 plen = cap - hlen - fill;
		u32 fcrc;

		if (plen > pay_left)
			plen = pay_left;
		fcrc = plen ? jrbd_crc32c(0, h + JRBD_FRAG_HDR_SIZE + hlen + fill,
					  plen) : 0;
		if (plen)
			pcrc = jrbd_crc32c_shift(pcrc, plen) ^ fcrc;
		if (hlen && nh < 2) {
			hf[nh].h = h;
			hf[nh].hlen = hlen;
			hf[nh].plen = fill + plen;
			hf[nh].pcrc = fcrc;
			nh++;
		} else {
			seal_frag(seed, h, 0, fill + plen, fcrc);
		}
		hdr_left -= hlen;
		pay_left -= plen;
		p.seq++;
		p.off = 0;
		first = false;
	}

	return seal_record(seed, chain, e, pcrc, hdr, hf, nh);
}

int jrbd_wr_pad(struct jrbd_writer *w)
{
	u32 room;

	if (jrbd_wr_in_record(w))
		return -EBUSY;
	if (jrbd_wr_block_full(w))
		return 0;
	if (w->off % w->jsector == 0)
		return 0;
	/* fewer than 16 bytes before a 4 KiB boundary: the zero tail (rule 1) */
	room = JRBD_SECTOR_SIZE - w->off % JRBD_SECTOR_SIZE;
	if (room >= JRBD_FRAG_HDR_SIZE)
		room = jrbd_pad_end(w->off, w->jsector) - w->off;
	if (room < JRBD_FRAG_HDR_SIZE) {
		memset(w->blk + w->off, 0, room);
		w->off += room;
	} else {
		put_pad(w, room);
	}
	return 0;
}

int jrbd_wr_seal(struct jrbd_writer *w)
{
	int r = jrbd_wr_pad(w);

	if (r < 0)
		return r;
	if (!jrbd_wr_block_full(w))
		memset(w->blk + w->off, 0, JRBD_JBLOCK_SIZE - w->off);
	return 0;
}
