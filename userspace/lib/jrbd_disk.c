// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd_disk.c - block device / image file I/O for the userspace tools.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include "jrbd_disk.h"
#include "jrbd_util.h"

int jrbd_disk_open(const char *path, unsigned int flags, struct jrbd_disk **out)
{
	struct jrbd_disk *d;
	struct stat st;
	int oflags = O_CLOEXEC, r;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))
		return -ENOTBLK;	/* a character device, a FIFO, ... */
	oflags |= (flags & JRBD_DISK_RW) ? O_RDWR : O_RDONLY;
	if (S_ISBLK(st.st_mode) && (flags & JRBD_DISK_EXCL))
		oflags |= O_EXCL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->path = strdup(path);
	if (!d->path) {
		r = -ENOMEM;
		goto err;
	}
	d->fd = open(path, oflags);
	if (d->fd < 0) {
		r = -errno;
		goto err;
	}
	if (fstat(d->fd, &st) < 0) {
		r = -errno;
		goto err;
	}
	d->is_blkdev = S_ISBLK(st.st_mode);
	d->writable = flags & JRBD_DISK_RW;
	if (d->is_blkdev) {
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) < 0) {
			r = -errno;
			goto err;
		}
	} else if (S_ISREG(st.st_mode)) {
		d->size = st.st_size;
	} else {
		r = -ENOTBLK;	/* replaced between stat and open */
		goto err;
	}
	*out = d;
	return 0;
err:
	jrbd_disk_close(d);
	return r;
}

void jrbd_disk_close(struct jrbd_disk *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
}

int jrbd_disk_read(struct jrbd_disk *d, void *buf, size_t len, u64 off)
{
	return jrbd_pread_all(d->fd, buf, len, off);
}

int jrbd_disk_write(struct jrbd_disk *d, const void *buf, size_t len, u64 off)
{
	if (!d->writable)
		return -EBADF;
	return jrbd_pwrite_all(d->fd, buf, len, off);
}

int jrbd_disk_sync(struct jrbd_disk *d)
{
	int r = d->is_blkdev ? fsync(d->fd) : fdatasync(d->fd);

	return r < 0 ? -errno : 0;
}

void *jrbd_disk_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, len))
		return NULL;
	memset(p, 0, len);
	return p;
}

static int read_upto(struct jrbd_disk *d, void *buf, size_t len, u64 off)
{
	memset(buf, 0, len);
	if (off >= d->size)
		return 0;
	if (len > d->size - off)
		len = d->size - off;
	return jrbd_disk_read(d, buf, len, off);
}

int jrbd_disk_read_slots(struct jrbd_disk *d, void *a, void *b)
{
	int r;

	r = read_upto(d, a, JRBD_SB_SLOT_SIZE, JRBD_SB_A_OFFSET);
	if (r < 0)
		return r;
	return read_upto(d, b, JRBD_SB_SLOT_SIZE, JRBD_SB_B_OFFSET);
}

static u64 jblock_offset(const struct jrbd_sb *sb, u64 seq)
{
	return sb->journal_offset + (seq % sb->journal_blocks) * JRBD_JBLOCK_SIZE;
}

int jrbd_disk_read_jblock(struct jrbd_disk *d, const struct jrbd_sb *sb,
			  u64 seq, void *buf)
{
	return jrbd_disk_read(d, buf, JRBD_JBLOCK_SIZE, jblock_offset(sb, seq));
}

int jrbd_disk_write_jblock(struct jrbd_disk *d, const struct jrbd_sb *sb,
			   u64 seq, const void *buf)
{
	return jrbd_disk_write(d, buf, JRBD_JBLOCK_SIZE, jblock_offset(sb, seq));
}
