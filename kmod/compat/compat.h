/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one place where kernel-version differences live.  The rest of the
 * module is written against the newest API and calls these wrappers; each
 * wrapper is one newest-first ladder driven by the build-time probes in
 * kmod/compat/probes/ (generated/probes.h), never by LINUX_VERSION_CODE.
 * Supported: Debian's 6.1 and 6.12 kernel lines.
 */
#ifndef JRBD_COMPAT_H
#define JRBD_COMPAT_H

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <net/genetlink.h>
#include "generated/probes.h"

/* ---- generic netlink: the ops type handed to pre_doit/post_doit ---- */
#ifdef JRBD_HAVE_GENL_SPLIT_OPS
typedef struct genl_split_ops jrbd_genl_op_t;		/* 6.2+ */
#else
typedef struct genl_ops jrbd_genl_op_t;			/* 6.1 */
#endif

/* The attributes of a dump request, parsed by the family policy. */
static inline struct nlattr **jrbd_dump_attrs(struct netlink_callback *cb)
{
#ifdef JRBD_HAVE_GENL_INFO_DUMP					/* 6.6+ */
	return genl_info_dump(cb)->attrs;
#else								/* 6.1 */
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* ---- opening the backing device exclusively ---- */
struct jrbd_bdev {
	struct block_device *bdev;
#ifdef JRBD_HAVE_BDEV_FILE_OPEN
	struct file *file;
#endif
};

/* Returns 0 or a negative errno; @b is untouched on failure. */
static inline int jrbd_bdev_open(const char *path, void *holder,
				 struct jrbd_bdev *b)
{
#ifdef JRBD_HAVE_BDEV_FILE_OPEN					/* 6.9+ */
	struct file *f = bdev_file_open_by_path(path,
			BLK_OPEN_READ | BLK_OPEN_WRITE, holder, NULL);

	if (IS_ERR(f))
		return PTR_ERR(f);
	b->file = f;
	b->bdev = file_bdev(f);
#else								/* 6.1 */
	struct block_device *bdev = blkdev_get_by_path(path,
			FMODE_READ | FMODE_WRITE | FMODE_EXCL, holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
#endif
	return 0;
}

static inline void jrbd_bdev_close(struct jrbd_bdev *b)
{
	if (!b->bdev)
		return;
#ifdef JRBD_HAVE_BDEV_FILE_OPEN
	fput(b->file);
	b->file = NULL;
#else
	blkdev_put(b->bdev, FMODE_READ | FMODE_WRITE | FMODE_EXCL);
#endif
	b->bdev = NULL;
}

/* ---- allocating a bio-based disk with its limits ---- */
struct jrbd_disk_limits {
	unsigned int logical_block_size;
	unsigned int physical_block_size;
	unsigned int max_hw_sectors;
	unsigned int max_discard_sectors;
	unsigned int max_write_zeroes_sectors;
	unsigned int discard_granularity;
	bool stable_writes;	/* pages may not change while being written */
	bool write_cache;
	bool fua;
};

/* Returns the new disk or an ERR_PTR. */
static inline struct gendisk *jrbd_alloc_disk(const struct jrbd_disk_limits *l,
					      int node)
{
#ifdef JRBD_HAVE_BLK_ALLOC_DISK_LIM				/* 6.9+ */
	struct queue_limits lim = {
		.logical_block_size = l->logical_block_size,
		.physical_block_size = l->physical_block_size,
		.max_hw_sectors = l->max_hw_sectors,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
		.discard_granularity = l->discard_granularity,
	};
#ifdef JRBD_HAVE_BLK_FEAT_WRITE_CACHE				/* 6.11+ */
	if (l->write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim.features |= BLK_FEAT_FUA;
	if (l->stable_writes)
		lim.features |= BLK_FEAT_STABLE_WRITES;
	return blk_alloc_disk(&lim, node);
#else								/* 6.9, 6.10 */
	struct gendisk *disk = blk_alloc_disk(&lim, node);

	if (!IS_ERR(disk)) {
		blk_queue_write_cache(disk->queue, l->write_cache, l->fua);
		if (l->stable_writes)
			blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, disk->queue);
	}
	return disk;
#endif
#else								/* 6.1 */
	struct gendisk *disk = blk_alloc_disk(node);

	if (!disk)
		return ERR_PTR(-ENOMEM);
	blk_queue_logical_block_size(disk->queue, l->logical_block_size);
	blk_queue_physical_block_size(disk->queue, l->physical_block_size);
	blk_queue_max_hw_sectors(disk->queue, l->max_hw_sectors);
	blk_queue_max_discard_sectors(disk->queue, l->max_discard_sectors);
	blk_queue_max_write_zeroes_sectors(disk->queue,
					   l->max_write_zeroes_sectors);
	disk->queue->limits.discard_granularity = l->discard_granularity;
	blk_queue_write_cache(disk->queue, l->write_cache, l->fua);
	if (l->stable_writes)
		blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, disk->queue);
	return disk;
#endif
}

/* ---- block_device_operations open/release ---- */
/*
 * The driver implements jrbd_open(disk) and jrbd_release(disk); these
 * adapters give them the signature the kernel wants.  Use as
 * .open = jrbd_bdops_open, .release = jrbd_bdops_release.
 */
int jrbd_open(struct gendisk *disk);
void jrbd_release(struct gendisk *disk);

#ifdef JRBD_HAVE_BDOPS_OPEN_GENDISK				/* 6.5+ */
static inline int jrbd_bdops_open(struct gendisk *disk, blk_mode_t mode)
{
	return jrbd_open(disk);
}

static inline void jrbd_bdops_release(struct gendisk *disk)
{
	jrbd_release(disk);
}
#else								/* 6.1 */
static inline int jrbd_bdops_open(struct block_device *bdev, fmode_t mode)
{
	return jrbd_open(bdev->bd_disk);
}

static inline void jrbd_bdops_release(struct gendisk *disk, fmode_t mode)
{
	jrbd_release(disk);
}
#endif

#endif /* JRBD_COMPAT_H */
