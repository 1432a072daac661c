// SPDX-License-Identifier: GPL-2.0-only
/*
 * super.c - superblock encode/decode/validate, slot choice, geometry.
 */
#include "libjrbd.h"

#define SB_OFF(f) ((u32)offsetof(struct jrbd_super, f))

u32 jrbd_cluster_seed(const u8 cluster_uuid[16])
{
	return jrbd_crc32c(~0u, cluster_uuid, 16);
}

u32 jrbd_crc32c_std(const void *p, size_t len)
{
	return ~jrbd_crc32c(~0u, p, len);
}

/*
 * x^(2^k) mod P(x) for k = 0..31, in the reflected representation of the
 * CRC32C polynomial (bit 31 is x^0).  x^(2^31) = x here, so the powers
 * repeat every 31 entries (hence k % 31 below).  The unit tests check the
 * table through jrbd_crc32c_shift() against CRCs of zero runs.
 */
static const u32 jrbd_x2n[32] = {
	0x40000000, 0x20000000, 0x08000000, 0x00800000, 0x00008000, 0x82f63b78,
	0x6ea2d55c, 0x18b8ea18, 0x510ac59a, 0xb82be955, 0xb8fdb1e7, 0x88e56f72,
	0x74c360a4, 0xe4172b16, 0x0d65762a, 0x35d73a62, 0x28461564, 0xbf455269,
	0xe2ea32dc, 0xfe7740e6, 0xf946610b, 0x3c204f8f, 0x538586e3, 0x59726915,
	0x734d5309, 0xbc1ac763, 0x7d0722cc, 0xd289cabe, 0xe94ca9bc, 0x05b74f3f,
	0xa51e1f42, 0x40000000,
};

/* a(x) * b(x) mod P(x), reflected (as zlib's multmodp()). */
static u32 jrbd_crc_mult(u32 a, u32 b)
{
	u32 m = 1u << 31, p = 0;

	for (;;) {
		if (a & m) {
			p ^= b;
			if (!(a & (m - 1)))
				break;
		}
		m >>= 1;
		b = (b & 1) ? (b >> 1) ^ 0x82f63b78u : b >> 1;
	}
	return p;
}

u32 jrbd_crc32c_shift(u32 crc, u32 len)
{
	u32 k = 3;	/* x^(8 len): bit i of len stands for x^(2^(i + 3)) */

	for (; len; len >>= 1, k++)
		if (len & 1)
			crc = jrbd_crc_mult(jrbd_x2n[k % 31], crc);
	return crc;
}

static int set_err(struct jrbd_err *err, u64 base, u32 off, const char *field,
		   const char *msg, u64 value, int rc)
{
	if (err) {
		err->dev_offset = base + off;
		err->struct_offset = off;
		err->field = field;
		err->msg = msg;
		err->value = value;
	}
	return rc;
}

#define FAIL(f, m, v) set_err(err, base, SB_OFF(f), #f, m, (u64)(v), -EINVAL)

static bool is_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static bool aligned(u64 v, u64 a)
{
	return (v & (a - 1)) == 0;
}

int jrbd_geometry(u64 dev_size, u64 journal_bytes, u64 data_bytes,
		  struct jrbd_geom *g)
{
	u64 jb, joff = JRBD_JOURNAL_OFFSET, doff, avail;

	if (journal_bytes) {
		if (!aligned(journal_bytes, JRBD_JBLOCK_SIZE))
			return -EINVAL;
		jb = journal_bytes;
	} else {
		jb = dev_size / 8;
		if (jb > JRBD_JOURNAL_DEF_BYTES)
			jb = JRBD_JOURNAL_DEF_BYTES;
		jb &= ~(u64)(JRBD_JBLOCK_SIZE - 1);
		if (jb < JRBD_JOURNAL_MIN_BLOCKS * JRBD_JBLOCK_SIZE)
			jb = JRBD_JOURNAL_MIN_BLOCKS * JRBD_JBLOCK_SIZE;
	}
	if (jb / JRBD_JBLOCK_SIZE < JRBD_JOURNAL_MIN_BLOCKS)
		return -EINVAL;
	if (data_bytes && !aligned(data_bytes, JRBD_BLOCK_SIZE))
		return -EINVAL;
	if (jb > dev_size)
		return -ENOSPC;
	doff = (joff + jb + JRBD_ALIGN - 1) & ~(u64)(JRBD_ALIGN - 1);
	if (dev_size < doff + JRBD_DATA_MIN_BLOCKS * JRBD_BLOCK_SIZE)
		return -ENOSPC;
	avail = (dev_size - doff) / JRBD_BLOCK_SIZE;
	if (data_bytes) {
		if (data_bytes / JRBD_BLOCK_SIZE > avail)
			return -ENOSPC;
		if (data_bytes / JRBD_BLOCK_SIZE < JRBD_DATA_MIN_BLOCKS)
			return -EINVAL;
		avail = data_bytes / JRBD_BLOCK_SIZE;
	}
	g->backing_size = doff + avail * JRBD_BLOCK_SIZE;
	g->journal_offset = joff;
	g->journal_blocks = jb / JRBD_JBLOCK_SIZE;
	g->data_offset = doff;
	g->data_blocks = avail;
	return 0;
}

void jrbd_super_init(struct jrbd_sb *sb, const struct jrbd_geom *g,
		     const u8 dev_uuid[16], const u8 cluster_uuid[16],
		     u32 node_id, u64 now)
{
	memset(sb, 0, sizeof(*sb));
	sb->node_id = node_id;
	memcpy(sb->dev_uuid, dev_uuid, 16);
	memcpy(sb->cluster_uuid, cluster_uuid, 16);
	sb->backing_size = g->backing_size;
	sb->journal_offset = g->journal_offset;
	sb->journal_blocks = g->journal_blocks;
	sb->data_offset = g->data_offset;
	sb->data_blocks = g->data_blocks;
	sb->format_time = now;
	sb->update_time = now;
	sb->tail_seq = 0;
	sb->tail_off = 0;
	sb->tail_index = 1;
	sb->tail_term = 0;
	sb->tail_chain = jrbd_cluster_seed(cluster_uuid);
	sb->current_term = 0;
	sb->voted_for = JRBD_NODE_NONE;
}

/* Field checks on a CPU-endian superblock; base = slot offset for errors. */
static int validate(const struct jrbd_sb *sb, u64 dev_size, u64 base,
		    struct jrbd_err *err)
{
	u64 jend;

	if (sb->flags & ~JRBD_SB_FLAGS_SUPP)
		return FAIL(flags, "unknown flags", sb->flags);
	if (sb->feature_incompat & ~JRBD_FEATURE_INCOMPAT_SUPP)
		return set_err(err, base, SB_OFF(feature_incompat),
			       "feature_incompat", "unknown incompatible feature",
			       sb->feature_incompat, -EOPNOTSUPP);
	if (sb->node_id == 0 || sb->node_id == JRBD_NODE_NONE)
		return FAIL(node_id, "node id must be 1..0xfffffffe", sb->node_id);
	if (is_zero(sb->dev_uuid, 16))
		return FAIL(dev_uuid, "device uuid is zero", 0);
	if (is_zero(sb->cluster_uuid, 16))
		return FAIL(cluster_uuid, "cluster uuid is zero", 0);
	if (!aligned(sb->backing_size, JRBD_BLOCK_SIZE))
		return FAIL(backing_size, "not a multiple of 4 KiB", sb->backing_size);
	if (dev_size && sb->backing_size > dev_size)
		return FAIL(backing_size, "larger than the device", sb->backing_size);
	if (sb->journal_offset < JRBD_SB_B_OFFSET + JRBD_SB_SLOT_SIZE ||
	    !aligned(sb->journal_offset, JRBD_ALIGN))
		return FAIL(journal_offset, "must be 1 MiB aligned, after the superblocks",
			    sb->journal_offset);
	if (sb->journal_offset > sb->backing_size)
		return FAIL(journal_offset, "past backing_size", sb->journal_offset);
	if (sb->journal_blocks < JRBD_JOURNAL_MIN_BLOCKS ||
	    sb->journal_blocks > (1ull << 40))
		return FAIL(journal_blocks, "journal must be 128 blocks (4 MiB) or more",
			    sb->journal_blocks);
	jend = sb->journal_offset + sb->journal_blocks * JRBD_JBLOCK_SIZE;
	if (jend > sb->backing_size)
		return FAIL(journal_blocks, "journal extends past backing_size",
			    sb->journal_blocks);
	if (!aligned(sb->data_offset, JRBD_ALIGN))
		return FAIL(data_offset, "not 1 MiB aligned", sb->data_offset);
	if (sb->data_offset < jend)
		return FAIL(data_offset, "overlaps the journal", sb->data_offset);
	if (sb->data_offset > sb->backing_size)
		return FAIL(data_offset, "past backing_size", sb->data_offset);
	if (sb->data_blocks < JRBD_DATA_MIN_BLOCKS)
		return FAIL(data_blocks, "data area smaller than 1 MiB", sb->data_blocks);
	if (sb->data_blocks > (sb->backing_size - sb->data_offset) / JRBD_BLOCK_SIZE)
		return FAIL(data_blocks, "data area extends past backing_size",
			    sb->data_blocks);
	if (sb->tail_off >= JRBD_JBLOCK_SIZE ||
	    JRBD_SECTOR_SIZE - sb->tail_off % JRBD_SECTOR_SIZE < JRBD_FRAG_HDR_SIZE)
		return FAIL(tail_off, "not a possible record start", sb->tail_off);
	/* Far from wrapping: seq and index arithmetic never overflows. */
	if (sb->tail_seq >= (1ull << 62))
		return FAIL(tail_seq, "implausibly large", sb->tail_seq);
	if (sb->tail_index >= (1ull << 62))
		return FAIL(tail_index, "implausibly large", sb->tail_index);
	if (sb->tail_index == 0)
		return FAIL(tail_index, "entry indexes start at 1", 0);
	if (sb->tail_index == 1 && sb->tail_chain != jrbd_cluster_seed(sb->cluster_uuid))
		return FAIL(tail_chain, "tail at index 1 must carry the cluster seed",
			    sb->tail_chain);
	if (sb->tail_index == 1 && sb->tail_term != 0)
		return FAIL(tail_term, "tail at index 1 must have term 0", sb->tail_term);
	if (sb->tail_term > sb->current_term)
		return FAIL(tail_term, "newer than current_term", sb->tail_term);
	if (sb->voted_for == 0)
		return FAIL(voted_for, "node id 0 is not valid", 0);
	return 0;
}

int jrbd_super_validate(const struct jrbd_sb *sb, u64 dev_size,
			struct jrbd_err *err)
{
	return validate(sb, dev_size, jrbd_super_slot_offset(sb->generation), err);
}

int jrbd_super_encode(const struct jrbd_sb *sb, void *slot,
		      struct jrbd_err *err)
{
	struct jrbd_super *d = slot;
	int r;

	r = jrbd_super_validate(sb, 0, err);
	if (r < 0)
		return r;
	memset(slot, 0, JRBD_SB_SLOT_SIZE);
	d->magic = cpu_to_le32(JRBD_SB_MAGIC);
	d->version = cpu_to_le32(JRBD_SB_VERSION);
	d->header_size = cpu_to_le32(JRBD_SB_SIZE);
	d->flags = cpu_to_le32(sb->flags);
	d->feature_compat = cpu_to_le32(sb->feature_compat);
	d->feature_ro_compat = cpu_to_le32(sb->feature_ro_compat);
	d->feature_incompat = cpu_to_le32(sb->feature_incompat);
	d->node_id = cpu_to_le32(sb->node_id);
	d->generation = cpu_to_le64(sb->generation);
	memcpy(d->dev_uuid, sb->dev_uuid, 16);
	memcpy(d->cluster_uuid, sb->cluster_uuid, 16);
	d->block_size = cpu_to_le32(JRBD_BLOCK_SIZE);
	d->jblock_size = cpu_to_le32(JRBD_JBLOCK_SIZE);
	d->backing_size = cpu_to_le64(sb->backing_size);
	d->journal_offset = cpu_to_le64(sb->journal_offset);
	d->journal_blocks = cpu_to_le64(sb->journal_blocks);
	d->data_offset = cpu_to_le64(sb->data_offset);
	d->data_blocks = cpu_to_le64(sb->data_blocks);
	d->format_time = cpu_to_le64(sb->format_time);
	d->update_time = cpu_to_le64(sb->update_time);
	d->tail_seq = cpu_to_le64(sb->tail_seq);
	d->tail_index = cpu_to_le64(sb->tail_index);
	d->tail_term = cpu_to_le64(sb->tail_term);
	d->tail_off = cpu_to_le32(sb->tail_off);
	d->tail_chain = cpu_to_le32(sb->tail_chain);
	d->current_term = cpu_to_le64(sb->current_term);
	d->voted_for = cpu_to_le32(sb->voted_for);
	d->crc = cpu_to_le32(jrbd_crc32c_std(d, SB_OFF(crc)));
	return 0;
}

int jrbd_super_decode(const void *slot, u64 base, u64 dev_size,
		      struct jrbd_sb *out, struct jrbd_err *err)
{
	const struct jrbd_super *d = slot;
	struct jrbd_sb sb;
	u32 crc;
	int r;

	if (is_zero(slot, JRBD_SB_SLOT_SIZE))
		return set_err(err, base, 0, NULL, "empty slot (all zeros)", 0, -ENOENT);
	crc = jrbd_crc32c_std(d, SB_OFF(crc));
	if (crc != le32_to_cpu(d->crc))
		return set_err(err, base, SB_OFF(crc), "crc",
			       le32_to_cpu(d->magic) == JRBD_SB_MAGIC ?
			       "checksum mismatch (jrbd magic present: torn or corrupt)" :
			       "checksum mismatch and no jrbd magic: not a jrbd superblock",
			       le32_to_cpu(d->crc), -EBADMSG);
	if (le32_to_cpu(d->magic) != JRBD_SB_MAGIC)
		return FAIL(magic, "bad magic", le32_to_cpu(d->magic));
	if (le32_to_cpu(d->version) != JRBD_SB_VERSION)
		return set_err(err, base, SB_OFF(version), "version",
			       "unsupported version", le32_to_cpu(d->version), -EOPNOTSUPP);
	if (le32_to_cpu(d->header_size) != JRBD_SB_SIZE)
		return FAIL(header_size, "must be 512", le32_to_cpu(d->header_size));
	if (le32_to_cpu(d->block_size) != JRBD_BLOCK_SIZE)
		return FAIL(block_size, "must be 4096", le32_to_cpu(d->block_size));
	if (le32_to_cpu(d->jblock_size) != JRBD_JBLOCK_SIZE)
		return FAIL(jblock_size, "must be 32768", le32_to_cpu(d->jblock_size));

	memset(&sb, 0, sizeof(sb));
	sb.flags = le32_to_cpu(d->flags);
	sb.feature_compat = le32_to_cpu(d->feature_compat);
	sb.feature_ro_compat = le32_to_cpu(d->feature_ro_compat);
	sb.feature_incompat = le32_to_cpu(d->feature_incompat);
	sb.node_id = le32_to_cpu(d->node_id);
	sb.generation = le64_to_cpu(d->generation);
	memcpy(sb.dev_uuid, d->dev_uuid, 16);
	memcpy(sb.cluster_uuid, d->cluster_uuid, 16);
	sb.backing_size = le64_to_cpu(d->backing_size);
	sb.journal_offset = le64_to_cpu(d->journal_offset);
	sb.journal_blocks = le64_to_cpu(d->journal_blocks);
	sb.data_offset = le64_to_cpu(d->data_offset);
	sb.data_blocks = le64_to_cpu(d->data_blocks);
	sb.format_time = le64_to_cpu(d->format_time);
	sb.update_time = le64_to_cpu(d->update_time);
	sb.tail_seq = le64_to_cpu(d->tail_seq);
	sb.tail_index = le64_to_cpu(d->tail_index);
	sb.tail_term = le64_to_cpu(d->tail_term);
	sb.tail_off = le32_to_cpu(d->tail_off);
	sb.tail_chain = le32_to_cpu(d->tail_chain);
	sb.current_term = le64_to_cpu(d->current_term);
	sb.voted_for = le32_to_cpu(d->voted_for);
	sb.read_only = (sb.feature_ro_compat & ~JRBD_FEATURE_RO_COMPAT_SUPP) != 0;

	if (jrbd_super_slot_offset(sb.generation) != base)
		return FAIL(generation, "generation parity does not match the slot",
			    sb.generation);
	/* Future compat features may use the reserved area. */
	if (!(sb.feature_compat & ~JRBD_FEATURE_COMPAT_SUPP)) {
		if (d->reserved0)
			return FAIL(reserved0, "reserved, must be zero",
				    le32_to_cpu(d->reserved0));
		if (!is_zero(d->reserved, sizeof(d->reserved)))
			return FAIL(reserved, "reserved, must be zero", 0);
	}
	r = validate(&sb, dev_size, base, err);
	if (r < 0)
		return r;
	*out = sb;
	return 0;
}

static bool same_identity(const struct jrbd_sb *a, const struct jrbd_sb *b)
{
	return !memcmp(a->dev_uuid, b->dev_uuid, 16) &&
	       !memcmp(a->cluster_uuid, b->cluster_uuid, 16) &&
	       a->backing_size == b->backing_size &&
	       a->journal_offset == b->journal_offset &&
	       a->journal_blocks == b->journal_blocks &&
	       a->data_offset == b->data_offset &&
	       a->data_blocks == b->data_blocks;
}

int jrbd_super_pick(const void *a, const void *b, u64 dev_size,
		    struct jrbd_sb *out, struct jrbd_pick *res)
{
	struct jrbd_pick local;
	struct jrbd_sb sa, sbb;
	int pick;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	res->chosen = -1;
	res->rc[0] = jrbd_super_decode(a, JRBD_SB_A_OFFSET, dev_size, &sa, &res->err[0]);
	res->rc[1] = jrbd_super_decode(b, JRBD_SB_B_OFFSET, dev_size, &sbb, &res->err[1]);
	if (res->rc[0] < 0 && res->rc[1] < 0)
		return res->rc[0] == -ENOENT ? res->rc[1] : res->rc[0];
	if (res->rc[0] < 0)
		pick = 1;
	else if (res->rc[1] < 0)
		pick = 0;
	else {
		pick = sbb.generation > sa.generation;
		res->diverged = !same_identity(&sa, &sbb);
	}
	res->chosen = pick;
	*out = pick ? sbb : sa;
	return 0;
}
