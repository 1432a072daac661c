// SPDX-License-Identifier: GPL-2.0-only
/*
 * scan.c - the journal scanner used by recovery, dump and check, and the
 * probe that tells a torn tail from a lost committed entry.
 *
 * A streaming state machine: the caller feeds 32 KiB blocks in sequence
 * order from the superblock tail; the scanner reassembles records,
 * validates every fragment and entry and calls back for each accepted entry.
 * Its state is a few hundred bytes (the entry header may be split across
 * two fragments, so it keeps a 64-byte copy).
 */
#include "libjrbd.h"

static const char *const reason_names[JRBD_SCAN_REASON_MAX + 1] = {
	[JRBD_SCAN_RUNNING]			= "RUNNING",
	[JRBD_SCAN_END_ZERO]			= "END_ZERO",
	[JRBD_SCAN_END_STALE]			= "END_STALE",
	[JRBD_SCAN_END_TORN]			= "END_TORN",
	[JRBD_SCAN_ERR_FRAGMENT]		= "CORRUPT_FRAGMENT",
	[JRBD_SCAN_ERR_FRAGMENT_SEQUENCE]	= "CORRUPT_FRAGMENT_SEQUENCE",
	[JRBD_SCAN_ERR_ENTRY]			= "CORRUPT_ENTRY",
	[JRBD_SCAN_ERR_INDEX_GAP]		= "INDEX_GAP",
	[JRBD_SCAN_ERR_CHAIN_MISMATCH]		= "CHAIN_MISMATCH",
	[JRBD_SCAN_ERR_PAYLOAD_CRC]		= "PAYLOAD_CRC",
	[JRBD_SCAN_ERR_TERM_REGRESSION]		= "TERM_REGRESSION",
	[JRBD_SCAN_ERR_RECORD_TOO_LARGE]	= "RECORD_TOO_LARGE",
	[JRBD_SCAN_REASON_MAX]			= "ABORTED",
};

const char *jrbd_scan_reason_name(int reason)
{
	if (reason < 0 || reason > JRBD_SCAN_REASON_MAX)
		return "UNKNOWN";
	return reason_names[reason];
}

static struct jrbd_jpos norm(u64 seq, u32 off)
{
	struct jrbd_jpos p = { .seq = seq, .off = off };

	if (off >= JRBD_JBLOCK_SIZE) {
		p.seq++;
		p.off = 0;
	}
	return p;
}

void jrbd_scan_params_from_sb(struct jrbd_scan_params *p,
			      const struct jrbd_sb *sb)
{
	memset(p, 0, sizeof(*p));
	p->seed = jrbd_cluster_seed(sb->cluster_uuid);
	p->journal_offset = sb->journal_offset;
	p->journal_blocks = sb->journal_blocks;
	p->data_blocks = sb->data_blocks;
	p->start.seq = sb->tail_seq;
	p->start.off = sb->tail_off;
	p->index = sb->tail_index;
	p->term = sb->tail_term;
	p->chain = sb->tail_chain;
	p->jsector = jrbd_sb_jsector(sb);
	p->aligned = jrbd_sb_aligned(sb);
}

void jrbd_scan_init(struct jrbd_scan *s, const struct jrbd_scan_params *p,
		    const struct jrbd_scan_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	if (!s->p.jsector)
		s->p.jsector = JRBD_SECTOR_SIZE;
	s->ops = ops;
	s->ctx = ctx;
	s->seq = p->start.seq;
	s->next_index = p->index;
	s->last_term = p->term;
	s->chain = p->chain;
	s->end = p->start;
}

static int stop(struct jrbd_scan *s, int reason, u32 off, const char *msg,
		u64 found_seq)
{
	struct jrbd_scan_stop *st = &s->stop;

	st->reason = reason;
	st->at.seq = s->seq;
	st->at.off = off;
	st->dev_offset = jrbd_jpos_dev_offset(s->p.journal_offset,
					      s->p.journal_blocks, st->at);
	st->index = s->next_index;
	st->in_record = s->in_rec;
	st->rec = s->rec_pos;
	st->found_seq = found_seq;
	st->msg = msg;
	return 1;
}

static int abort_scan(struct jrbd_scan *s, int err)
{
	stop(s, JRBD_SCAN_REASON_MAX, 0, "aborted by a callback", 0);
	return err;
}

/* The 64-byte entry header is complete: validate it. */
static int rec_header(struct jrbd_scan *s, u32 foff)
{
	struct jrbd_entry *e = &s->e;
	const char *why = NULL;
	int r;

	if (jrbd_entry_hdr_decode(s->hdr, e) < 0)
		return stop(s, JRBD_SCAN_ERR_ENTRY, foff,
			    "entry header: bad version or reserved bytes", 0);
	if (e->index != s->next_index)
		return stop(s, JRBD_SCAN_ERR_INDEX_GAP, foff,
			    "entry index is not the next one", 0);
	if (e->term < s->last_term)
		return stop(s, JRBD_SCAN_ERR_TERM_REGRESSION, foff,
			    "entry term lower than the previous entry's", 0);
	r = jrbd_entry_check(e, s->p.data_blocks, &why);
	if (r == -EFBIG)
		return stop(s, JRBD_SCAN_ERR_RECORD_TOO_LARGE, foff, why, 0);
	if (r < 0)
		return stop(s, JRBD_SCAN_ERR_ENTRY, foff, why, 0);
	if (jrbd_entry_chain(s->chain, s->hdr) != e->chain_crc)
		return stop(s, JRBD_SCAN_ERR_CHAIN_MISMATCH, foff,
			    "chain_crc does not follow from the previous entry", 0);
	s->rec_len = JRBD_ENTRY_HDR_SIZE + e->payload_len;
	s->pcrc = ~0u;
	return 0;
}

static bool all_zero(const u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * Record bytes of the fragment at block offset @foff, whose body is @len
 * bytes at @p; @first for a FULL or FIRST one.
 */
static int rec_bytes(struct jrbd_scan *s, u32 foff, const u8 *p, u32 len,
		     bool first)
{
	u32 n, fill;
	int r;

	if (s->rec_got < JRBD_ENTRY_HDR_SIZE) {
		n = JRBD_ENTRY_HDR_SIZE - s->rec_got;
		if (n > len)
			n = len;
		memcpy(s->hdr + s->rec_got, p, n);
		s->rec_got += n;
		p += n;
		len -= n;
		if (s->rec_got == JRBD_ENTRY_HDR_SIZE) {
			r = rec_header(s, foff);
			if (r)
				return r;
		}
	}
	/* rules A2, A3: the filler before the payload bytes */
	if (s->rec_len > JRBD_ENTRY_HDR_SIZE &&
	    (!first || s->rec_got == JRBD_ENTRY_HDR_SIZE)) {
		fill = jrbd_frag_fill(s->p.aligned, first, foff);
		if (fill > len)
			return stop(s, JRBD_SCAN_ERR_FRAGMENT, foff,
				    "fragment shorter than its alignment filler", 0);
		if (!all_zero(p, fill))
			return stop(s, JRBD_SCAN_ERR_FRAGMENT, foff,
				    "alignment filler is not zero", 0);
		p += fill;
		len -= fill;
	}
	if (!len)
		return 0;
	if (len > s->rec_len - s->rec_got)
		return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, foff,
			    "fragments carry more bytes than the entry", 0);
	s->pcrc = jrbd_crc32c(s->pcrc, p, len);
	if (s->ops && s->ops->payload) {
		r = s->ops->payload(s->ctx, &s->e, s->rec_got - JRBD_ENTRY_HDR_SIZE,
				    p, len);
		if (r < 0)
			return abort_scan(s, r);
	}
	s->rec_got += len;
	return 0;
}

static int rec_finish(struct jrbd_scan *s, u32 foff, u32 end)
{
	int r;

	if (!s->rec_len || s->rec_got != s->rec_len)
		return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, foff,
			    "record shorter than its entry", 0);
	if (~s->pcrc != s->e.payload_crc && s->e.payload_len)
		return stop(s, JRBD_SCAN_ERR_PAYLOAD_CRC, foff,
			    "payload_crc mismatch", 0);
	if (!s->e.payload_len && s->e.payload_crc)
		return stop(s, JRBD_SCAN_ERR_ENTRY, foff,
			    "payload_crc of an empty payload must be 0", 0);
	s->next_index++;
	s->last_term = s->e.term;
	s->chain = s->e.chain_crc;
	s->entries++;
	s->in_rec = false;
	s->end = norm(s->seq, end);
	if (s->ops && s->ops->entry) {
		r = s->ops->entry(s->ctx, &s->e, s->rec_pos);
		if (r < 0)
			return abort_scan(s, r);
	}
	return 0;
}

static void rec_start(struct jrbd_scan *s, u32 pos)
{
	s->in_rec = true;
	s->rec_pos.seq = s->seq;
	s->rec_pos.off = pos;
	s->rec_got = 0;
	s->rec_len = 0;
}

int jrbd_scan_block(struct jrbd_scan *s, const void *block)
{
	const u8 *blk = block;
	struct jrbd_frag f;
	u32 pos, room, end;
	int r;

	if (s->stop.reason)
		return -EINVAL;
	if (s->blocks >= s->p.journal_blocks)
		return stop(s, JRBD_SCAN_END_STALE, 0,
			    "a whole ring was read: back at the tail block", s->seq);
	pos = s->blocks ? 0 : s->p.start.off;
	if (!s->blocks && pos) {
		/*
		 * The bytes before the tail in its block were written in the
		 * tail's lap.  A valid fragment there from another lap means
		 * the superblock's tail does not describe this ring (a stale
		 * or older superblock whose blocks were reused since): reading
		 * on from the tail would take whatever lies there for the end
		 * of an empty log.
		 */
		if (!all_zero(blk, JRBD_FRAG_HDR_SIZE)) {
			jrbd_frag_hdr_decode(blk, &f);
			if (JRBD_FRAG_HDR_SIZE + (u32)f.len <= JRBD_JBLOCK_SIZE &&
			    jrbd_frag_crc(s->p.seed, blk, f.len) == f.crc &&
			    f.seq != s->seq)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, 0,
					    "the tail's block holds another lap of the ring: the superblock tail does not match the journal",
					    f.seq);
		}
	}
	s->blocks++;

	while (pos < JRBD_JBLOCK_SIZE) {
		room = JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE;
		if (room < JRBD_FRAG_HDR_SIZE) {
			/* zero tail before a 4 KiB boundary: not covered by
			 * any CRC, readers ignore its content */
			pos += room;
			if (!s->in_rec)
				s->end = norm(s->seq, pos);
			continue;
		}
		if (all_zero(blk + pos, JRBD_FRAG_HDR_SIZE))
			return stop(s, JRBD_SCAN_END_ZERO, pos,
				    "never-written fragment header", 0);
		jrbd_frag_hdr_decode(blk + pos, &f);
		if (JRBD_FRAG_HDR_SIZE + (u32)f.len > JRBD_JBLOCK_SIZE - pos)
			return stop(s, JRBD_SCAN_END_TORN, pos,
				    "fragment length runs past the block end", 0);
		if (jrbd_frag_crc(s->p.seed, blk + pos, f.len) != f.crc)
			return stop(s, JRBD_SCAN_END_TORN, pos,
				    "fragment checksum mismatch", 0);
		if (f.seq != s->seq) {
			if (f.seq < s->seq &&
			    (s->seq - f.seq) % s->p.journal_blocks == 0)
				return stop(s, JRBD_SCAN_END_STALE, pos,
					    "fragment from an earlier lap of the ring",
					    f.seq);
			return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
				    "fragment sequence number does not belong to this slot",
				    f.seq);
		}
		if (f.flags)
			return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
				    "unknown fragment flags", 0);
		end = pos + JRBD_FRAG_HDR_SIZE + f.len;
		switch (f.type) {
		case JRBD_FRAG_PAD:
			if (s->in_rec)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, pos,
					    "PAD inside a record", 0);
			/* rule A1: a PAD that closes a block too late for a
			 * record may run to its end */
			if (end != jrbd_pad_end(pos, s->p.jsector) &&
			    !(s->p.aligned && pos > JRBD_ALIGNED_LAST_START &&
			      end == JRBD_JBLOCK_SIZE))
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
					    "PAD does not end at the next sector boundary", 0);
			if (!all_zero(blk + pos + JRBD_FRAG_HDR_SIZE, f.len))
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
					    "PAD payload is not zero", 0);
			s->end = norm(s->seq, end);
			break;
		case JRBD_FRAG_FULL:
		case JRBD_FRAG_FIRST:
			if (s->in_rec)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, pos,
					    "record start inside a record", 0);
			if (f.type == JRBD_FRAG_FIRST && end != JRBD_JBLOCK_SIZE)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
					    "FIRST fragment does not run to the block end", 0);
			if (s->p.aligned && pos > JRBD_ALIGNED_LAST_START)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
					    "record starts too late in its block for aligned framing", 0);
			rec_start(s, pos);
			r = rec_bytes(s, pos, blk + pos + JRBD_FRAG_HDR_SIZE, f.len,
				      true);
			if (r)
				return r;
			if (f.type == JRBD_FRAG_FULL) {
				r = rec_finish(s, pos, end);
				if (r)
					return r;
			} else if (s->rec_len && s->rec_got >= s->rec_len) {
				return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, pos,
					    "FIRST fragment holds the whole entry", 0);
			}
			break;
		case JRBD_FRAG_MIDDLE:
		case JRBD_FRAG_LAST:
			if (!s->in_rec)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, pos,
					    f.type == JRBD_FRAG_LAST ?
					    "LAST fragment without FIRST" :
					    "MIDDLE fragment without FIRST", 0);
			if (f.type == JRBD_FRAG_MIDDLE && f.len != JRBD_FRAG_MAX_LEN)
				return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
					    "MIDDLE fragment does not fill the block", 0);
			r = rec_bytes(s, pos, blk + pos + JRBD_FRAG_HDR_SIZE, f.len,
				      false);
			if (r)
				return r;
			if (f.type == JRBD_FRAG_LAST) {
				r = rec_finish(s, pos, end);
				if (r)
					return r;
			} else if (s->rec_len && s->rec_got >= s->rec_len) {
				return stop(s, JRBD_SCAN_ERR_FRAGMENT_SEQUENCE, pos,
					    "MIDDLE fragment completes the entry", 0);
			}
			break;
		default:
			return stop(s, JRBD_SCAN_ERR_FRAGMENT, pos,
				    "unknown fragment type", 0);
		}
		pos = end;
	}
	s->seq++;
	return 0;
}

void jrbd_probe_init(struct jrbd_probe *pr, const struct jrbd_scan *s)
{
	memset(pr, 0, sizeof(*pr));
	pr->seed = s->p.seed;
	pr->jsector = s->p.jsector;
	pr->journal_offset = s->p.journal_offset;
	pr->journal_blocks = s->p.journal_blocks;
	pr->stop_index = s->stop.index;
	pr->seq = s->stop.at.seq;
	pr->off = (s->stop.at.off / pr->jsector + 1) * pr->jsector;
	if (pr->off >= JRBD_JBLOCK_SIZE) {
		/* nothing after the stop in its block: the caller still
		 * feeds it, we just skip it */
		pr->off = JRBD_JBLOCK_SIZE;
	}
}

int jrbd_probe_block(struct jrbd_probe *pr, const void *block)
{
	const u8 *blk = block;
	struct jrbd_entry e;
	struct jrbd_frag f;
	u32 pos = pr->off, room;

	if (pr->found)
		return 1;
	pr->off = 0;
	while (pos < JRBD_JBLOCK_SIZE) {
		room = JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE;
		if (room < JRBD_FRAG_HDR_SIZE) {
			pos += room;
			continue;
		}
		jrbd_frag_hdr_decode(blk + pos, &f);
		if (f.seq != pr->seq || f.flags || f.type == JRBD_FRAG_ZERO ||
		    f.type > JRBD_FRAG_PAD ||
		    JRBD_FRAG_HDR_SIZE + (u32)f.len > JRBD_JBLOCK_SIZE - pos ||
		    jrbd_frag_crc(pr->seed, blk + pos, f.len) != f.crc) {
			/* resynchronise where a batch may start */
			pos = (pos / pr->jsector + 1) * pr->jsector;
			continue;
		}
		if ((f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_FIRST) &&
		    f.len >= JRBD_ENTRY_HDR_SIZE) {
			jrbd_entry_hdr_decode(blk + pos + JRBD_FRAG_HDR_SIZE, &e);
			if (e.commit_index >= pr->stop_index) {
				pr->found = true;
				pr->at.seq = pr->seq;
				pr->at.off = pos;
				pr->dev_offset = jrbd_jpos_dev_offset(pr->journal_offset,
								      pr->journal_blocks,
								      pr->at);
				pr->index = e.index;
				pr->commit_index = e.commit_index;
				return 1;
			}
		}
		pos += JRBD_FRAG_HDR_SIZE + f.len;
	}
	pr->seq++;
	return 0;
}
