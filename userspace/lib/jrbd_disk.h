/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd_disk.h - reading and writing a backing device or image file from
 * userspace (jrbdctl format/dump/check, the test tools).
 *
 * Negative errno everywhere; every read and write is complete or an error
 * (a short read past the end of the device is -ENODATA).  The format
 * logic itself lives in the pure library (libjrbd.h); this is only I/O.
 */
#ifndef JRBD_DISK_H
#define JRBD_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include "libjrbd.h"

#define JRBD_DISK_RW	0x1	/* open read-write */
#define JRBD_DISK_EXCL	0x2	/* block devices: O_EXCL (not mounted/in use) */

struct jrbd_disk {
	int	fd;
	char	*path;
	u64	size;		/* bytes: file size or BLKGETSIZE64 */
	bool	is_blkdev;
	bool	writable;
};

/* Open a block device or regular file.  -ENOTBLK for anything else
 * (directories give -EISDIR). */
int jrbd_disk_open(const char *path, unsigned int flags, struct jrbd_disk **out);
/* Accepts NULL. */
void jrbd_disk_close(struct jrbd_disk *d);

int jrbd_disk_read(struct jrbd_disk *d, void *buf, size_t len, u64 off);
int jrbd_disk_write(struct jrbd_disk *d, const void *buf, size_t len, u64 off);
/* fdatasync (files) / fsync (block devices: also flushes the cache). */
int jrbd_disk_sync(struct jrbd_disk *d);

/* 4 KiB-aligned zeroed buffer (free()), NULL on ENOMEM. */
void *jrbd_disk_alloc(size_t len);

/* Both superblock slots (JRBD_SB_SLOT_SIZE each, 8-byte aligned buffers);
 * bytes past the end of a short device read as zero. */
int jrbd_disk_read_slots(struct jrbd_disk *d, void *a, void *b);

/* Journal block seq (slot seq % journal_blocks) of a decoded superblock. */
int jrbd_disk_read_jblock(struct jrbd_disk *d, const struct jrbd_sb *sb,
			  u64 seq, void *buf);
int jrbd_disk_write_jblock(struct jrbd_disk *d, const struct jrbd_sb *sb,
			   u64 seq, const void *buf);

#endif /* JRBD_DISK_H */
