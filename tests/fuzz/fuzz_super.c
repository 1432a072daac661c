// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_super.c - libFuzzer target for the superblock decoder and pick.
 *
 * Input: two 4 KiB slots (A then B, zero-padded), then optionally an 8-byte
 * device size.  The bytes are decoded as they are, then again with each
 * slot's CRC recomputed, so the field validation is reached too (random
 * bytes almost never pass a CRC).  Whatever decodes must re-encode and
 * decode to the same superblock; every error must name an offset inside
 * its slot.
 */
#include <stdint.h>
#include <stdlib.h>
#include "libjrbd.h"

static u8 slot[2][JRBD_SB_SLOT_SIZE];

static void check_roundtrip(const struct jrbd_sb *sb, u64 off)
{
	static u8 again[JRBD_SB_SLOT_SIZE];
	struct jrbd_sb back;
	struct jrbd_err err;

	if (jrbd_super_encode(sb, again, &err) < 0)
		abort();
	if (jrbd_super_decode(again, off, 0, &back, &err) < 0)
		abort();
	if (memcmp(&back, sb, sizeof(back)) != 0 && !sb->read_only)
		abort();
}

static void run(u64 dev_size)
{
	struct jrbd_sb sb;
	struct jrbd_pick res;
	struct jrbd_err err;
	int i, r;

	for (i = 0; i < 2; i++) {
		r = jrbd_super_decode(slot[i], i * JRBD_SB_SLOT_SIZE, dev_size, &sb, &err);
		if (r == 0)
			check_roundtrip(&sb, i * JRBD_SB_SLOT_SIZE);
		else if (!err.msg || err.dev_offset >= (u64)(i + 1) * JRBD_SB_SLOT_SIZE)
			abort();
	}
	r = jrbd_super_pick(slot[0], slot[1], dev_size, &sb, &res);
	if ((r == 0) != (res.chosen >= 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u64 dev_size = 0;
	int i;

	memset(slot, 0, sizeof(slot));
	memcpy(slot, data, size < sizeof(slot) ? size : sizeof(slot));
	if (size > sizeof(slot) + 8)
		memcpy(&dev_size, data + sizeof(slot), 8);
	run(dev_size);
	for (i = 0; i < 2; i++) {
		struct jrbd_super *d = (void *)slot[i];

		d->crc = cpu_to_le32(jrbd_crc32c_std(d, offsetof(struct jrbd_super, crc)));
	}
	run(dev_size);
	return 0;
}
