// SPDX-License-Identifier: GPL-2.0-only
/*
 * record.c - fragment and entry header codecs, the framing arithmetic.
 */
#include "libjrbd.h"

/*
 * Fragment and entry headers sit at any byte offset of a journal block, so
 * they are copied through an aligned local (memcpy) rather than accessed in
 * place.  Superblock slots are always aligned buffers.
 */
void jrbd_frag_hdr_encode(const struct jrbd_frag *f, void *p16)
{
	struct jrbd_frag_hdr h;

	h.crc = cpu_to_le32(f->crc);
	h.len = cpu_to_le16(f->len);
	h.type = f->type;
	h.flags = f->flags;
	h.seq = cpu_to_le64(f->seq);
	memcpy(p16, &h, sizeof(h));
}

void jrbd_frag_hdr_decode(const void *p16, struct jrbd_frag *f)
{
	struct jrbd_frag_hdr h;

	memcpy(&h, p16, sizeof(h));
	f->crc = le32_to_cpu(h.crc);
	f->len = le16_to_cpu(h.len);
	f->type = h.type;
	f->flags = h.flags;
	f->seq = le64_to_cpu(h.seq);
}

void jrbd_frag_set_crc(void *p16, u32 crc)
{
	__le32 c = cpu_to_le32(crc);

	memcpy(p16, &c, sizeof(c));
}

u32 jrbd_frag_crc(u32 seed, const void *frag, u32 len)
{
	return jrbd_crc32c(seed, (const u8 *)frag + 4, JRBD_FRAG_HDR_SIZE - 4 + len);
}

void jrbd_entry_hdr_encode(const struct jrbd_entry *e, void *p64)
{
	struct jrbd_entry_hdr hdr, *h = &hdr;

	memset(h, 0, sizeof(*h));
	h->kind = e->kind;
	h->version = JRBD_ENTRY_VERSION;
	h->flags = cpu_to_le16(e->flags);
	h->nr_blocks = cpu_to_le32(e->nr_blocks);
	h->index = cpu_to_le64(e->index);
	h->term = cpu_to_le64(e->term);
	h->commit_index = cpu_to_le64(e->commit_index);
	h->lba = cpu_to_le64(e->lba);
	h->payload_len = cpu_to_le32(e->payload_len);
	h->payload_crc = cpu_to_le32(e->payload_crc);
	h->chain_crc = cpu_to_le32(e->chain_crc);
	memcpy(p64, h, sizeof(*h));
}

int jrbd_entry_hdr_decode(const void *p64, struct jrbd_entry *e)
{
	struct jrbd_entry_hdr hdr, *h = &hdr;
	unsigned int i;

	memcpy(h, p64, sizeof(*h));
	e->kind = h->kind;
	e->flags = le16_to_cpu(h->flags);
	e->nr_blocks = le32_to_cpu(h->nr_blocks);
	e->index = le64_to_cpu(h->index);
	e->term = le64_to_cpu(h->term);
	e->commit_index = le64_to_cpu(h->commit_index);
	e->lba = le64_to_cpu(h->lba);
	e->payload_len = le32_to_cpu(h->payload_len);
	e->payload_crc = le32_to_cpu(h->payload_crc);
	e->chain_crc = le32_to_cpu(h->chain_crc);
	if (h->version != JRBD_ENTRY_VERSION)
		return -EINVAL;
	for (i = 0; i < sizeof(h->reserved); i++)
		if (h->reserved[i])
			return -EINVAL;
	return 0;
}

u32 jrbd_entry_chain(u32 prev_chain, const void *p64)
{
	static const u8 zero[4];
	u32 c;

	c = jrbd_crc32c(prev_chain, p64, offsetof(struct jrbd_entry_hdr, chain_crc));
	return jrbd_crc32c(c, zero, 4);
}

int jrbd_entry_check(const struct jrbd_entry *e, u64 data_blocks,
		     const char **why)
{
	const char *w = NULL;
	int r = -EINVAL;

	if (e->index == 0) {
		w = "index 0";
	} else if (e->commit_index >= e->index) {
		w = "commit_index not below index";
	} else if (e->flags & ~JRBD_ENTRY_F_SUPP) {
		w = "unknown entry flags";
	} else if (e->payload_len > JRBD_MAX_PAYLOAD) {
		w = "payload larger than 1 MiB";
		r = -EFBIG;
	} else {
		switch (e->kind) {
		case JRBD_ENTRY_WRITE:
			if (e->nr_blocks == 0 || e->nr_blocks > JRBD_MAX_ENTRY_BLOCKS)
				w = "write of 0 or more than 256 blocks";
			else if (e->payload_len != e->nr_blocks * JRBD_BLOCK_SIZE)
				w = "write payload_len != nr_blocks * 4096";
			break;
		case JRBD_ENTRY_DISCARD:
		case JRBD_ENTRY_WRITE_ZEROES:
			if (e->nr_blocks == 0)
				w = "discard/write-zeroes of 0 blocks";
			else if (e->payload_len)
				w = "discard/write-zeroes with a payload";
			break;
		case JRBD_ENTRY_NEW_TERM:
			if (e->payload_len || e->nr_blocks || e->lba)
				w = "new-term entry with payload or range";
			break;
		case JRBD_ENTRY_MEMBERSHIP:
			if (e->nr_blocks || e->lba)
				w = "membership entry with a range";
			else if (!e->payload_len || e->payload_len % sizeof(struct jrbd_member) ||
				 e->payload_len > JRBD_MAX_MEMBERS * sizeof(struct jrbd_member))
				w = "membership payload not 1..32 member records";
			break;
		case JRBD_ENTRY_MARK:
			if (e->nr_blocks || e->lba)
				w = "mark entry with a range";
			else if (!e->payload_len || e->payload_len > JRBD_MARK_MAX)
				w = "mark label not 1..255 bytes";
			break;
		default:
			w = "unknown entry kind";
			break;
		}
		if (!w && e->nr_blocks &&
		    (e->lba >= data_blocks || e->nr_blocks > data_blocks - e->lba))
			w = "block range outside the data area";
	}
	if (!w)
		return 0;
	if (why)
		*why = w;
	return r;
}

int jrbd_member_decode(const void *p32, u32 *node_id, u16 *flags, u16 *port,
		       u8 addr[16])
{
	struct jrbd_member mem, *m = &mem;
	unsigned int i;
	u32 id;
	u16 fl;

	memcpy(m, p32, sizeof(*m));
	id = le32_to_cpu(m->node_id);
	fl = le16_to_cpu(m->flags);

	if (id == 0 || id == JRBD_NODE_NONE || (fl & ~JRBD_MEMBER_F_SUPP))
		return -EINVAL;
	for (i = 0; i < sizeof(m->reserved); i++)
		if (m->reserved[i])
			return -EINVAL;
	*node_id = id;
	*flags = fl;
	*port = le16_to_cpu(m->port);
	memcpy(addr, m->addr, 16);
	return 0;
}

void jrbd_member_encode(void *p32, u32 node_id, u16 flags, u16 port,
			const u8 addr[16])
{
	struct jrbd_member mem, *m = &mem;

	memset(m, 0, sizeof(*m));
	m->node_id = cpu_to_le32(node_id);
	m->flags = cpu_to_le16(flags);
	m->port = cpu_to_le16(port);
	memcpy(m->addr, addr, 16);
	memcpy(p32, m, sizeof(*m));
}

struct jrbd_jpos jrbd_record_start(struct jrbd_jpos pos)
{
	u32 room = JRBD_SECTOR_SIZE - pos.off % JRBD_SECTOR_SIZE;

	if (room < JRBD_FRAG_HDR_SIZE)
		pos.off += room;
	if (pos.off >= JRBD_JBLOCK_SIZE) {
		pos.seq++;
		pos.off = 0;
	}
	return pos;
}

/*
 * The framing arithmetic.  A record's bytes fill the bodies of its
 * fragments in order: the first one from its start to the block end, each
 * later one a whole block after its header.  With aligned framing, filler
 * precedes the payload in each body (jrbd_frag_fill()): in the first one
 * it only shifts the payload, in the later ones it takes @lead bytes off
 * each body.
 */
struct jrbd_rec_geom {
	u32 cap0;	/* body bytes of the first fragment */
	u32 shift0;	/* filler before the payload in it */
	u32 lead;	/* filler at the start of each later body */
	u32 per;	/* record bytes of each later body */
};

static struct jrbd_rec_geom rec_geom(struct jrbd_jpos start, bool payload,
				     bool aligned)
{
	struct jrbd_rec_geom g = {
		.cap0 = JRBD_JBLOCK_SIZE - start.off - JRBD_FRAG_HDR_SIZE,
		.per = JRBD_FRAG_MAX_LEN,
	};

	if (aligned && payload) {
		g.shift0 = jrbd_frag_fill(true, true, start.off);
		g.lead = jrbd_frag_fill(true, false, 0);
		g.per -= g.lead;
	}
	return g;
}

struct jrbd_jpos jrbd_record_pos(struct jrbd_jpos start, u32 rec_off,
				 bool aligned)
{
	struct jrbd_rec_geom g = rec_geom(start,
					  rec_off >= JRBD_ENTRY_HDR_SIZE, aligned);
	u32 b = rec_off + g.shift0;	/* offset in the bodies */
	struct jrbd_jpos p;

	if (b < g.cap0) {
		p.seq = start.seq;
		p.off = start.off + JRBD_FRAG_HDR_SIZE + b;
		return p;
	}
	b -= g.cap0;
	p.seq = start.seq + 1 + b / g.per;
	p.off = JRBD_FRAG_HDR_SIZE + g.lead + b % g.per;
	return p;
}

struct jrbd_jpos jrbd_record_end(struct jrbd_jpos start, u32 rec_len,
				 bool aligned)
{
	struct jrbd_rec_geom g = rec_geom(start,
					  rec_len > JRBD_ENTRY_HDR_SIZE, aligned);
	u32 b = rec_len + g.shift0;
	struct jrbd_jpos p;
	u32 rest;

	if (b <= g.cap0) {
		p.seq = start.seq;
		p.off = start.off + JRBD_FRAG_HDR_SIZE + b;
		return p;
	}
	rest = b - g.cap0;
	p.seq = start.seq + (rest + g.per - 1) / g.per;
	p.off = JRBD_FRAG_HDR_SIZE + g.lead + rest - (rest - 1) / g.per * g.per;
	return p;
}

struct jrbd_jpos jrbd_record_place(struct jrbd_jpos pos, bool aligned)
{
	pos = jrbd_record_start(pos);
	if (aligned && pos.off > JRBD_ALIGNED_LAST_START) {
		pos.seq++;
		pos.off = 0;
	}
	return pos;
}
