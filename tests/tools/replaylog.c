// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd-replaylog: read the log of a dm-log-writes target and replay it,
 * whole or piece by piece, onto another device (tests/replay).  Test tool
 * only: never installed.  Our own reader of the on-disk format that
 * drivers/md/dm-log-writes.c writes (its header comment and
 * Documentation/admin-guide/device-mapper/log-writes.rst):
 *
 *   byte 0, one sector   super: le64 magic 0x6a736677736872, le64 version 1,
 *                        le64 nr_entries, le32 sectorsize; the rest of the
 *                        sector zero (bytes 28-31 are struct padding)
 *   then, nr_entries times:
 *     one sector         entry: le64 sector, le64 nr_sectors, le64 flags,
 *                        le64 data_len; a MARK's text (data_len bytes, no
 *                        NUL) follows at byte 32; the rest of the sector zero
 *     nr_sectors sectors the data written (none for DISCARD and MARK)
 *
 * "sector" here is the target's logical block size (sectorsize), not 512
 * bytes.  Flags: FLUSH 1, FUA 2, DISCARD 4, MARK 8, METADATA 16.  The
 * target logs a write only once it is covered by a flush (or is FUA), so
 * the log is the order in which data became durable: the state after an
 * entry with FLUSH or FUA, or after a MARK, is one a power cut could have
 * left.  Those are the replay points.  The super's nr_entries is
 * rewritten after every FUA or MARK entry and when the target is removed
 * (which logs a last MARK "dm-log-writes-end"); entries past nr_entries
 * are not read.
 *
 *   jrbd-replaylog list   LOG [--json]
 *   jrbd-replaylog points LOG [--json]
 *   jrbd-replaylog find   LOG MARK
 *   jrbd-replaylog replay LOG TARGET [--from I [--offset B]] [--to J] [--skip K]...
 *                         [--discard zero|discard|skip] [-v]
 *
 * list: every entry, "INDEX OFFSET SECTOR NR_SECTORS FLAGS [MARK]" (OFFSET
 * the byte offset of its header in LOG, FLAGS like FLUSH|FUA or "-", MARK
 * with bytes outside '!'..'~' and '\' written as \xNN), and last, once the
 * whole log has been read and found valid, one "# ..." summary line.
 * points: the replay points, "END FLAGS [MARK]": END = index + 1, the
 * number of entries `replay --to END` applies to reach the point.
 * find: the index of the first MARK with exactly this text.
 * replay: apply entries [I, J) (default: all) to TARGET, in order: writes
 * as written, DISCARDs as zeroes (BLKZEROOUT; "discard": BLKDISCARD;
 * "skip": ignored, as a device that keeps the old data may), FLUSH and
 * MARK have nothing to apply.  Entries given with --skip (within [I, J))
 * are left out: a lost write, for the negative controls.  The entries
 * before I are read and validated but not applied (with --offset B, the
 * byte offset of entry I as `list` prints it, they are not read at all:
 * a long walk of replays stays linear), so replaying [0, a) then [a, b)
 * equals replaying [0, b); all entries up to J are validated
 * before TARGET is written, so a bad log leaves it as it was.  A block
 * device TARGET is opened
 * O_EXCL|O_DIRECT (it must not be in use, e.g. by a snapshot still over
 * it) and flushed at the end.
 *
 * Every field of the super and of every entry read is validated; a log
 * that is not one, or garbage in one, is an error naming the entry and the
 * byte offset.  Exit 0 ok, 1 error (I/O, not found, TARGET too small),
 * 2 usage, 3 invalid log.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include "jrbd_util.h"

#define LW_MAGIC	0x6a736677736872ULL
#define LW_VERSION	1ULL
#define LW_SUPER_SIZE	28u	/* le64 magic, version, nr_entries; le32 sectorsize */
#define LW_SUPER_PAD	32u	/* sizeof(struct log_write_super) with padding */
#define LW_ENTRY_SIZE	32u	/* le64 sector, nr_sectors, flags, data_len */

#define LW_FLUSH	(1u << 0)
#define LW_FUA		(1u << 1)
#define LW_DISCARD	(1u << 2)
#define LW_MARK		(1u << 3)
#define LW_METADATA	(1u << 4)
#define LW_FLAGS_KNOWN	0x1fu

#define COPY_CHUNK	(1u << 20)

/* Exit statuses. */
enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_BADLOG = 3 };

static const char *const flag_names[] = { "FLUSH", "FUA", "DISCARD", "MARK", "METADATA" };

struct lw_log {
	int		fd;
	const char	*path;
	uint64_t	size;		/* bytes */
	uint32_t	ss;		/* sectorsize */
	uint64_t	nr_entries;
	uint8_t		*hdr;		/* one sector */
	uint64_t	next;		/* index of the next entry */
	uint64_t	next_off;	/* byte offset of its header */
};

struct lw_entry {
	uint64_t	index;
	uint64_t	off;		/* byte offset of the header in the log */
	uint64_t	sector;
	uint64_t	nr_sectors;
	uint32_t	flags;
	uint32_t	mark_len;
	char		mark[4096];	/* NUL-terminated copy of the text */
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void err(const char *fmt, ...)
{
	va_list ap;

	fputs("jrbd-replaylog: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Size in bytes of a block device or regular file. */
static int fd_size(int fd, const char *path, uint64_t *out, bool *is_blk)
{
	struct stat st;
	uint64_t sz;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &sz) < 0)
			return -errno;
		*is_blk = true;
	} else if (S_ISREG(st.st_mode)) {
		sz = (uint64_t)st.st_size;
		*is_blk = false;
	} else {
		err("%s: not a block device or regular file", path);
		return -EINVAL;
	}
	*out = sz;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void log_close(struct lw_log *lg)
{
	if (lg->fd >= 0)
		close(lg->fd);
	free(lg->hdr);
	lg->fd = -1;
	lg->hdr = NULL;
}

/*
 * Open and validate the super.  -EBADMSG (message printed) when the log
 * is invalid, other negative errnos for I/O errors.
 */
static int log_open(const char *path, struct lw_log *lg)
{
	uint8_t sb[512];
	uint64_t magic, version;
	bool is_blk;
	int r;

	memset(lg, 0, sizeof(*lg));
	lg->path = path;
	lg->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lg->fd < 0) {
		r = -errno;
		err("%s: %s", path, strerror(-r));
		return r;
	}
	r = fd_size(lg->fd, path, &lg->size, &is_blk);
	if (r < 0) {
		if (r != -EINVAL)
			err("%s: %s", path, strerror(-r));
		goto fail;
	}
	if (lg->size < sizeof(sb)) {
		err("%s: %" PRIu64 " bytes: too small for a dm-log-writes super (512 bytes)",
		    path, lg->size);
		r = -EBADMSG;
		goto fail;
	}
	r = jrbd_pread_all(lg->fd, sb, sizeof(sb), 0);
	if (r < 0) {
		err("%s: reading the super at byte offset 0x0: %s", path, strerror(-r));
		goto fail;
	}
	magic = le64(sb);
	version = le64(sb + 8);
	lg->nr_entries = le64(sb + 16);
	lg->ss = le32(sb + 24);
	r = -EBADMSG;
	if (magic != LW_MAGIC) {
		err("%s: super at byte offset 0x0: magic 0x%" PRIx64 ", expected 0x%llx: "
		    "not a dm-log-writes log%s", path, magic, LW_MAGIC,
		    all_zero(sb, sizeof(sb)) ? " (all zero: never written)" : "");
		goto fail;
	}
	if (version != LW_VERSION) {
		err("%s: super at byte offset 0x8: version %" PRIu64 ", only %llu is known",
		    path, version, LW_VERSION);
		goto fail;
	}
	if (lg->ss < 512 || lg->ss > 4096 || (lg->ss & (lg->ss - 1))) {
		err("%s: super at byte offset 0x18: sectorsize %" PRIu32 ", expected a power "
		    "of two from 512 to 4096", path, lg->ss);
		goto fail;
	}
	if (lg->size < lg->ss) {
		err("%s: %" PRIu64 " bytes: shorter than one sector of %" PRIu32,
		    path, lg->size, lg->ss);
		goto fail;
	}
	lg->hdr = malloc(lg->ss);
	if (!lg->hdr) {
		r = -ENOMEM;
		err("%s: %s", path, strerror(-r));
		goto fail;
	}
	r = jrbd_pread_all(lg->fd, lg->hdr, lg->ss, 0);
	if (r < 0) {
		err("%s: reading the super at byte offset 0x0: %s", path, strerror(-r));
		goto fail;
	}
	r = -EBADMSG;
	if (!all_zero(lg->hdr + LW_SUPER_PAD, lg->ss - LW_SUPER_PAD)) {
		err("%s: super: non-zero bytes after the header (from byte offset 0x%x): "
		    "garbage, not a dm-log-writes super", path, LW_SUPER_PAD);
		goto fail;
	}
	/* Every entry takes at least its header sector. */
	if (lg->nr_entries > lg->size / lg->ss - 1) {
		err("%s: super at byte offset 0x10: nr_entries %" PRIu64 ", but %" PRIu64
		    " bytes hold at most %" PRIu64 " entries of %" PRIu32 "-byte sectors",
		    path, lg->nr_entries, lg->size, lg->size / lg->ss - 1, lg->ss);
		goto fail;
	}
	lg->next = 0;
	lg->next_off = lg->ss;
	return 0;
fail:
	log_close(lg);
	return r;
}

/* Print "LOG: entry I at byte offset 0xO: " and the message. */
static void entry_err(const struct lw_log *lg, uint64_t index, uint64_t off,
		      const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jrbd-replaylog: %s: entry %" PRIu64 " at byte offset 0x%" PRIx64 ": ",
		lg->path, index, off);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Read and validate the next entry.  1 with @e filled, 0 at the end of the
 * log, -EBADMSG (message printed) on garbage, other negative errnos on I/O
 * errors.
 */
static int log_next(struct lw_log *lg, struct lw_entry *e)
{
	const uint64_t i = lg->next, off = lg->next_off;
	uint64_t data_len, max_sectors, data_bytes;
	uint64_t flags;
	const uint8_t *h = lg->hdr;
	int r;

	if (i >= lg->nr_entries)
		return 0;
	if (off > lg->size - lg->ss) {
		entry_err(lg, i, off, "the log ends (%" PRIu64 " bytes) before entry %" PRIu64
			  " of the %" PRIu64 " the super counts", lg->size, i, lg->nr_entries);
		return -EBADMSG;
	}
	r = jrbd_pread_all(lg->fd, lg->hdr, lg->ss, off);
	if (r < 0) {
		entry_err(lg, i, off, "reading the header: %s", strerror(-r));
		return r;
	}
	e->index = i;
	e->off = off;
	e->sector = le64(h);
	e->nr_sectors = le64(h + 8);
	flags = le64(h + 16);
	data_len = le64(h + 24);
	e->mark_len = 0;
	e->mark[0] = '\0';

	if (flags & ~(uint64_t)LW_FLAGS_KNOWN) {
		entry_err(lg, i, off, "flags 0x%" PRIx64 ": unknown bits 0x%" PRIx64
			  " (garbage, or not the start of an entry)", flags,
			  flags & ~(uint64_t)LW_FLAGS_KNOWN);
		return -EBADMSG;
	}
	e->flags = (uint32_t)flags;
	if (flags & LW_MARK) {
		if (flags != LW_MARK || e->sector || e->nr_sectors) {
			entry_err(lg, i, off, "MARK with flags 0x%" PRIx64 ", sector %" PRIu64
				  ", nr_sectors %" PRIu64 ": a mark has no other flag and no "
				  "sectors", flags, e->sector, e->nr_sectors);
			return -EBADMSG;
		}
		if (data_len > lg->ss - LW_ENTRY_SIZE - 1) {
			entry_err(lg, i, off, "MARK data_len %" PRIu64 ": at most %" PRIu32
				  " bytes fit in a sector of %" PRIu32, data_len,
				  lg->ss - LW_ENTRY_SIZE - 1, lg->ss);
			return -EBADMSG;
		}
		if (memchr(h + LW_ENTRY_SIZE, 0, data_len)) {
			entry_err(lg, i, off, "MARK text of %" PRIu64 " bytes contains a NUL byte",
				  data_len);
			return -EBADMSG;
		}
		memcpy(e->mark, h + LW_ENTRY_SIZE, data_len);
		e->mark[data_len] = '\0';
		e->mark_len = (uint32_t)data_len;
	} else {
		if (data_len) {
			entry_err(lg, i, off, "data_len %" PRIu64 " on an entry that is not a "
				  "MARK (dm-log-writes never writes inline data)", data_len);
			return -EBADMSG;
		}
		if ((flags & LW_DISCARD) && !e->nr_sectors) {
			entry_err(lg, i, off, "DISCARD of no sectors");
			return -EBADMSG;
		}
		if (!e->nr_sectors && !(flags & LW_FLUSH)) {
			entry_err(lg, i, off, "no sectors and no FLUSH flag (flags 0x%" PRIx64
				  "): dm-log-writes does not log such a request", flags);
			return -EBADMSG;
		}
	}
	if (!all_zero(h + LW_ENTRY_SIZE + e->mark_len, lg->ss - LW_ENTRY_SIZE - e->mark_len)) {
		entry_err(lg, i, off, "non-zero bytes after the header%s (garbage, or not the "
			  "start of an entry)", e->mark_len ? " and the mark text" : "");
		return -EBADMSG;
	}
	max_sectors = UINT64_MAX / lg->ss;
	if (e->nr_sectors > max_sectors || e->sector > max_sectors - e->nr_sectors) {
		entry_err(lg, i, off, "sector %" PRIu64 " + nr_sectors %" PRIu64
			  " overflows a 64-bit byte offset", e->sector, e->nr_sectors);
		return -EBADMSG;
	}
	/* The data follows the header, except for discards (and marks). */
	data_bytes = (flags & LW_DISCARD) ? 0 : e->nr_sectors * lg->ss;
	if (data_bytes > lg->size - off - lg->ss) {
		entry_err(lg, i, off, "its %" PRIu64 " sectors of data run past the end of the "
			  "log (%" PRIu64 " bytes)", e->nr_sectors, lg->size);
		return -EBADMSG;
	}
	lg->next = i + 1;
	lg->next_off = off + lg->ss + data_bytes;
	return 1;
}

static const char *flags_str(uint32_t flags, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1u << i))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
					      n ? "|" : "", flag_names[i]);
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}

static json_object *flags_json(uint32_t flags)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flags & (1u << i))
			json_object_array_add(a, json_object_new_string(flag_names[i]));
	return a;
}

/* The mark text as one whitespace-free word: \xNN for the other bytes. */
static void escape_mark(const struct lw_entry *e, char *out)
{
	uint32_t i;
	unsigned char c;

	for (i = 0; i < e->mark_len; i++) {
		c = (unsigned char)e->mark[i];
		if (c > ' ' && c <= '~' && c != '\\')
			*out++ = (char)c;
		else
			out += sprintf(out, "\\x%02x", c);
	}
	*out = '\0';
}

/* JSON strings are UTF-8: a mark that is not is given escaped. */
static json_object *mark_json(const struct lw_entry *e)
{
	static char esc[4 * sizeof(e->mark) + 1];
	size_t bad;

	if (jrbd_utf8_valid((const uint8_t *)e->mark, e->mark_len, &bad))
		return json_object_new_string_len(e->mark, (int)e->mark_len);
	escape_mark(e, esc);
	return json_object_new_string(esc);
}

static bool is_point(const struct lw_entry *e)
{
	return e->flags & (LW_FLUSH | LW_FUA | LW_MARK);
}

static int exit_for(int r)
{
	return r == -EBADMSG ? EX_BADLOG : EX_FAIL;
}

/* list and points */
static int do_list(const char *path, bool json, bool points_only)
{
	struct lw_log lg;
	struct lw_entry e;
	json_object *root = NULL, *arr = NULL, *o;
	char fb[64];
	uint64_t points = 0;
	int r;

	r = log_open(path, &lg);
	if (r < 0)
		return exit_for(r);
	if (json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	}
	while ((r = log_next(&lg, &e)) > 0) {
		if (points_only && !is_point(&e))
			continue;
		points++;
		if (json) {
			o = json_object_new_object();
			if (points_only)
				json_object_object_add(o, "end", json_object_new_uint64(e.index + 1));
			json_object_object_add(o, "index", json_object_new_uint64(e.index));
			if (!points_only) {
				json_object_object_add(o, "offset", json_object_new_uint64(e.off));
				json_object_object_add(o, "sector", json_object_new_uint64(e.sector));
				json_object_object_add(o, "nr_sectors",
						       json_object_new_uint64(e.nr_sectors));
			}
			json_object_object_add(o, "flags", flags_json(e.flags));
			if (e.flags & LW_MARK)
				json_object_object_add(o, "mark", mark_json(&e));
			json_object_array_add(arr, o);
			continue;
		}
		if (points_only)
			printf("%" PRIu64 " %s", e.index + 1, flags_str(e.flags, fb, sizeof(fb)));
		else
			printf("%" PRIu64 " 0x%" PRIx64 " %" PRIu64 " %" PRIu64 " %s", e.index,
			       e.off, e.sector, e.nr_sectors, flags_str(e.flags, fb, sizeof(fb)));
		if (e.flags & LW_MARK) {
			static char esc[4 * sizeof(e.mark) + 1];

			escape_mark(&e, esc);
			printf(" %s", esc);
		}
		putchar('\n');
	}
	if (r < 0) {
		json_object_put(root);
		json_object_put(arr);
		log_close(&lg);
		return exit_for(r);
	}
	if (json) {
		json_object_object_add(root, "log", json_object_new_string(path));
		json_object_object_add(root, "version", json_object_new_uint64(LW_VERSION));
		json_object_object_add(root, "sectorsize", json_object_new_uint64(lg.ss));
		json_object_object_add(root, "nr_entries", json_object_new_uint64(lg.nr_entries));
		json_object_object_add(root, "bytes_used", json_object_new_uint64(lg.next_off));
		json_object_object_add(root, points_only ? "points" : "entries", arr);
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else if (!points_only) {
		/* The summary last: only a fully valid log gets one. */
		printf("# %s: dm-log-writes version %llu, sectorsize %" PRIu32 ", %" PRIu64
		       " entries, %" PRIu64 " bytes used\n", path, LW_VERSION, lg.ss,
		       lg.nr_entries, lg.next_off);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		err("writing the output: %s", strerror(errno));
		log_close(&lg);
		return EX_FAIL;
	}
	log_close(&lg);
	return EX_OK;
}

static int do_find(const char *path, const char *mark)
{
	struct lw_log lg;
	struct lw_entry e;
	int r;

	r = log_open(path, &lg);
	if (r < 0)
		return exit_for(r);
	while ((r = log_next(&lg, &e)) > 0) {
		if ((e.flags & LW_MARK) && e.mark_len == strlen(mark) &&
		    !memcmp(e.mark, mark, e.mark_len)) {
			printf("%" PRIu64 "\n", e.index);
			log_close(&lg);
			return EX_OK;
		}
	}
	log_close(&lg);
	if (r < 0)
		return exit_for(r);
	err("%s: no mark '%s' among its %" PRIu64 " entries", path, mark, lg.nr_entries);
	return EX_FAIL;
}

enum discard_mode { DISCARD_ZERO, DISCARD_DISCARD, DISCARD_SKIP };

/* What replay keeps of an entry between validating and applying it. */
struct lw_entry_ref {
	uint64_t	index;
	uint64_t	off;
	uint64_t	sector;
	uint64_t	nr_sectors;
	uint32_t	flags;
};

struct replay {
	struct lw_log	lg;
	const char	*tpath;
	int		tfd;
	bool		t_blk;
	bool		t_direct;
	uint64_t	tsize;
	enum discard_mode discard;
	uint8_t		*buf;		/* COPY_CHUNK, 4 KiB aligned */
	/* figures */
	uint64_t	writes, bytes, discards, discard_bytes, flushes, marks, skipped;
};

static int zero_range(struct replay *rp, uint64_t off, uint64_t len)
{
	uint64_t n;
	int r;

	memset(rp->buf, 0, COPY_CHUNK);
	while (len) {
		n = len < COPY_CHUNK ? len : COPY_CHUNK;
		r = jrbd_pwrite_all(rp->tfd, rp->buf, n, off);
		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

static int apply_discard(struct replay *rp, const struct lw_entry *e)
{
	uint64_t range[2] = { e->sector * rp->lg.ss, e->nr_sectors * rp->lg.ss };
	int r;

	switch (rp->discard) {
	case DISCARD_SKIP:
		return 0;
	case DISCARD_DISCARD:
		if (!rp->t_blk) {
			if (fallocate(rp->tfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)range[0], (off_t)range[1]) < 0)
				return -errno;
			return 0;
		}
		if (ioctl(rp->tfd, BLKDISCARD, range) < 0)
			return -errno;
		return 0;
	case DISCARD_ZERO:
		if (rp->t_blk && ioctl(rp->tfd, BLKZEROOUT, range) == 0)
			return 0;
		if (rp->t_blk && errno != EOPNOTSUPP && errno != EINVAL)
			return -errno;
		r = zero_range(rp, range[0], range[1]);
		return r;
	}
	return -EINVAL;
}

/* Copy the data of a write entry from the log to the target. */
static int apply_write(struct replay *rp, const struct lw_entry *e)
{
	uint64_t src = e->off + rp->lg.ss, dst = e->sector * rp->lg.ss;
	uint64_t len = e->nr_sectors * rp->lg.ss, n;
	int r;

	while (len) {
		n = len < COPY_CHUNK ? len : COPY_CHUNK;
		r = jrbd_pread_all(rp->lg.fd, rp->buf, n, src);
		if (r < 0) {
			entry_err(&rp->lg, e->index, e->off, "reading its data at byte offset 0x%"
				  PRIx64 ": %s", src, strerror(-r));
			return r;
		}
		r = jrbd_pwrite_all(rp->tfd, rp->buf, n, dst);
		if (r < 0) {
			entry_err(&rp->lg, e->index, e->off, "writing %s at byte offset 0x%"
				  PRIx64 ": %s", rp->tpath, dst, strerror(-r));
			return r;
		}
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

static int open_target(struct replay *rp)
{
	int lbs = 0, r;
	struct stat st;

	if (stat(rp->tpath, &st) < 0) {
		r = -errno;
		err("%s: %s", rp->tpath, strerror(-r));
		return r;
	}
	/* O_EXCL: a block device must not be mounted or held (a snapshot). */
	rp->tfd = open(rp->tpath, O_RDWR | O_CLOEXEC | (S_ISBLK(st.st_mode) ? O_EXCL : 0));
	if (rp->tfd < 0) {
		r = -errno;
		err("%s: %s%s", rp->tpath, strerror(-r),
		    r == -EBUSY ? " (in use: mounted, or a device is stacked on it)" : "");
		return r;
	}
	r = fd_size(rp->tfd, rp->tpath, &rp->tsize, &rp->t_blk);
	if (r < 0) {
		if (r != -EINVAL)
			err("%s: %s", rp->tpath, strerror(-r));
		return r;
	}
	/* O_DIRECT where every write is aligned for it: nothing is left in
	 * the page cache of TARGET for a stacked device to miss. */
	if (rp->t_blk && ioctl(rp->tfd, BLKSSZGET, &lbs) == 0 && lbs > 0 &&
	    (uint32_t)lbs <= rp->lg.ss) {
		int fl = fcntl(rp->tfd, F_GETFL);

		if (fl >= 0 && fcntl(rp->tfd, F_SETFL, fl | O_DIRECT) == 0)
			rp->t_direct = true;
	}
	return 0;
}

static int do_replay(int argc, char **argv)
{
	struct replay rp = { .tfd = -1, .discard = DISCARD_ZERO };
	uint64_t from = 0, to = UINT64_MAX, at = 0, v, *skip = NULL;
	bool have_at = false;
	size_t nskip = 0, k, nents = 0, cap = 0, j;
	struct lw_entry_ref *ents = NULL;
	bool verbose = false, skip_it;
	struct lw_entry e;
	int i, r, ex = EX_FAIL;

	if (argc < 4)
		return EX_USAGE;
	rp.tpath = argv[3];
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			verbose = true;
			continue;
		}
		if (i + 1 >= argc) {
			err("%s: missing value", argv[i]);
			return EX_USAGE;
		}
		if (!strcmp(argv[i], "--discard")) {
			i++;
			if (!strcmp(argv[i], "zero"))
				rp.discard = DISCARD_ZERO;
			else if (!strcmp(argv[i], "discard"))
				rp.discard = DISCARD_DISCARD;
			else if (!strcmp(argv[i], "skip"))
				rp.discard = DISCARD_SKIP;
			else {
				err("--discard '%s': expected zero, discard or skip", argv[i]);
				return EX_USAGE;
			}
			continue;
		}
		if (jrbd_parse_u64(argv[i + 1], &v) < 0) {
			err("%s '%s': expected a number", argv[i], argv[i + 1]);
			return EX_USAGE;
		}
		if (!strcmp(argv[i], "--from")) {
			from = v;
		} else if (!strcmp(argv[i], "--offset")) {
			at = v;
			have_at = true;
		} else if (!strcmp(argv[i], "--to")) {
			to = v;
		} else if (!strcmp(argv[i], "--skip")) {
			uint64_t *n = realloc(skip, (nskip + 1) * sizeof(*skip));

			if (!n) {
				err("%s", strerror(ENOMEM));
				free(skip);
				return EX_FAIL;
			}
			skip = n;
			skip[nskip++] = v;
		} else {
			err("unknown option '%s'", argv[i]);
			free(skip);
			return EX_USAGE;
		}
		i++;
	}

	r = log_open(argv[2], &rp.lg);
	if (r < 0) {
		free(skip);
		return exit_for(r);
	}
	if (to == UINT64_MAX)
		to = rp.lg.nr_entries;
	if (from > to || to > rp.lg.nr_entries) {
		err("--from %" PRIu64 " --to %" PRIu64 ": need from <= to <= %" PRIu64
		    " (the entries of %s)", from, to, rp.lg.nr_entries, rp.lg.path);
		ex = EX_USAGE;
		goto out;
	}
	if (have_at) {
		/* Entry @from is at byte @at (as `list` printed it): the
		 * entries before it were read by an earlier replay. */
		if (at < rp.lg.ss || at % rp.lg.ss || at > rp.lg.size - rp.lg.ss ||
		    (from == 0 && at != rp.lg.ss)) {
			err("--offset 0x%" PRIx64 ": not where entry %" PRIu64 " of %s can start "
			    "(a multiple of the sector size %" PRIu32 " within the log, 0x%" PRIx32
			    " for entry 0)", at, from, rp.lg.path, rp.lg.ss, rp.lg.ss);
			ex = EX_USAGE;
			goto out;
		}
		rp.lg.next = from;
		rp.lg.next_off = at;
	}
	for (k = 0; k < nskip; k++) {
		if (skip[k] < from || skip[k] >= to) {
			err("--skip %" PRIu64 ": not among the entries replayed [%" PRIu64
			    ", %" PRIu64 ")", skip[k], from, to);
			ex = EX_USAGE;
			goto out;
		}
	}
	if (posix_memalign((void **)&rp.buf, 4096, COPY_CHUNK)) {
		err("%s", strerror(ENOMEM));
		goto out;
	}
	if (open_target(&rp) < 0)
		goto out;

	/* Validate every entry up to @to before touching TARGET: a log
	 * found bad leaves it as it was. */
	while (rp.lg.next < to && (r = log_next(&rp.lg, &e)) > 0) {
		if (e.index < from || (e.flags & LW_MARK))
			continue;
		if (e.nr_sectors && (e.sector + e.nr_sectors) * rp.lg.ss > rp.tsize) {
			entry_err(&rp.lg, e.index, e.off, "sectors %" PRIu64 "+%" PRIu64
				  " end past %s (%" PRIu64 " bytes)", e.sector, e.nr_sectors,
				  rp.tpath, rp.tsize);
			goto out;
		}
		if (nents == cap) {
			struct lw_entry_ref *n;

			cap = cap ? cap * 2 : 1024;
			n = realloc(ents, cap * sizeof(*ents));
			if (!n) {
				err("%s", strerror(ENOMEM));
				goto out;
			}
			ents = n;
		}
		ents[nents++] = (struct lw_entry_ref){ e.index, e.off, e.sector,
						       e.nr_sectors, e.flags };
	}
	if (r < 0) {
		ex = exit_for(r);
		goto out;
	}
	rp.marks = (to - from) - nents;

	for (j = 0; j < nents; j++) {
		struct lw_entry_ref *x = &ents[j];

		skip_it = false;
		for (k = 0; k < nskip; k++)
			skip_it |= skip[k] == x->index;
		if (skip_it) {
			rp.skipped++;
			continue;
		}
		if (x->flags & LW_FLUSH)
			rp.flushes++;
		if (!x->nr_sectors)
			continue;
		e.index = x->index;
		e.off = x->off;
		e.sector = x->sector;
		e.nr_sectors = x->nr_sectors;
		e.flags = x->flags;
		if (e.flags & LW_DISCARD) {
			r = apply_discard(&rp, &e);
			if (r < 0) {
				entry_err(&rp.lg, e.index, e.off, "DISCARD of %" PRIu64 "+%" PRIu64
					  " on %s: %s", e.sector, e.nr_sectors, rp.tpath,
					  strerror(-r));
				goto out;
			}
			rp.discards++;
			rp.discard_bytes += e.nr_sectors * rp.lg.ss;
			continue;
		}
		r = apply_write(&rp, &e);
		if (r < 0)
			goto out;
		rp.writes++;
		rp.bytes += e.nr_sectors * rp.lg.ss;
	}
	if (fsync(rp.tfd) < 0) {
		err("%s: fsync: %s", rp.tpath, strerror(errno));
		goto out;
	}
	if (verbose)
		fprintf(stderr, "jrbd-replaylog: entries [%" PRIu64 ", %" PRIu64 ") onto %s: "
			"%" PRIu64 " writes (%" PRIu64 " bytes), %" PRIu64 " discards (%" PRIu64
			" bytes), %" PRIu64 " flushes, %" PRIu64 " marks, %" PRIu64 " skipped\n",
			from, to, rp.tpath, rp.writes, rp.bytes, rp.discards, rp.discard_bytes,
			rp.flushes, rp.marks, rp.skipped);
	ex = EX_OK;
out:
	if (rp.tfd >= 0 && close(rp.tfd) < 0 && ex == EX_OK) {
		err("%s: close: %s", rp.tpath, strerror(errno));
		ex = EX_FAIL;
	}
	free(rp.buf);
	free(skip);
	free(ents);
	log_close(&rp.lg);
	return ex;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: jrbd-replaylog list   LOG [--json]\n"
		"       jrbd-replaylog points LOG [--json]\n"
		"       jrbd-replaylog find   LOG MARK\n"
		"       jrbd-replaylog replay LOG TARGET [--from I [--offset B]] [--to J] [--skip K]...\n"
		"                             [--discard zero|discard|skip] [-v]\n"
		"LOG is the log device of a dm-log-writes target.  points prints END FLAGS [MARK]\n"
		"per replay point (FLUSH, FUA or MARK entry; END = index + 1, for replay --to).\n"
		"Exit 0 ok, 1 error, 2 usage, 3 invalid log.\n");
}

int main(int argc, char **argv)
{
	bool json = false;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return EX_OK;
	}
	if (argc >= 3 && (!strcmp(argv[1], "list") || !strcmp(argv[1], "points"))) {
		if (argc == 4 && !strcmp(argv[3], "--json"))
			json = true;
		else if (argc != 3)
			goto bad;
		return do_list(argv[2], json, !strcmp(argv[1], "points"));
	}
	if (argc == 4 && !strcmp(argv[1], "find"))
		return do_find(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "replay"))
		return do_replay(argc, argv);
bad:
	usage(stderr);
	return EX_USAGE;
}
