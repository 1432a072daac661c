// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd-corrupt: corruption injection into a cut-off jrbd device, and the
 * oracle that says what `jrbdctl check` and recovery must make of each
 * fault (tests/corrupt).  Test tool only: never installed.
 *
 *   jrbd-corrupt plan PRISTINE SNAP [--seed S] [--random N]
 *   jrbd-corrupt apply PRISTINE SNAP OUT SPEC    PRISTINE + SPEC into file OUT
 *   jrbd-corrupt put PRISTINE SNAP DEV SPEC      ... onto DEV (changed blocks)
 *   jrbd-corrupt same PRISTINE SNAP DEV SPEC     does DEV hold exactly that?
 *   jrbd-corrupt verify PRISTINE DEV A|B UPTO    see below
 *   jrbd-corrupt serve PRISTINE SNAP             put/same/verify/klog from stdin
 *   jrbd-corrupt flip DEV OFF BIT                invert one bit in place
 *
 * PRISTINE is the image of a device cut off under load (a file, or the
 * block device itself while nothing writes to it); SNAP an image of the
 * same device at least a journal lap older: the source of stale blocks
 * and stale superblocks.
 *
 * plan reads the live log of PRISTINE with its own reader (fragment CRCs,
 * seqs, framing, index, term, chain and payload CRCs: the pristine log
 * must be flawless) and prints one injection per line,
 *
 *   LABEL <TAB> SPEC <TAB> EXPECT
 *
 * the negative control (PRISTINE itself), the superblock faults, the
 * journal faults of every class at the tail, in the middle, at the last
 * place where the log still proves the damage and at the first place
 * where it cannot (the final batch), then N random ones.  Exit 0; 1 when
 * PRISTINE and SNAP cannot give that whole matrix (too short a log, the
 * older superblock's log already reused, SNAP not a lap older: the test
 * lets the load run on and asks again), the reason on stderr; 2 on
 * errors (a pristine log that is not flawless is one).
 *
 * What each fault must do is derived from Documentation/format.md, not
 * from the code under test: the scan stops at the first fragment whose
 * bytes the fault changed; a fragment whose CRC holds but whose seq is
 * not an earlier lap of its slot, a tail block holding another lap, an
 * entry whose fragment CRC was recomputed after the damage (its chain or
 * payload CRC fails) is corruption; a torn, zero or stale fragment ends
 * the log unless a valid entry of the current lap in the window after it
 * (the stop block and 64 more, resynchronising at 4 KiB boundaries) says
 * the lost entry was committed -- the probe, simulated here on the
 * damaged bytes.  Independently of the probe, a fault is flagged
 * (violation=1, the test fails) if it would be taken for the end of the
 * log although an entry the fault left intact declares the lost one
 * committed.  EXPECT, key=value:
 *
 *   ck=4 lo=X hi=Y   check exits 4 with a PROBLEM at a device offset in
 *                    [X, Y]; with cr=refuse the kernel log names one too
 *   ck=0 end=X       check exits 0 and names X as the end of the log
 *   ck=8             check: not a jrbd device (no slot has the magic)
 *   cr=refuse        create fails (and must change no byte of the disk)
 *   cr=refuse-sb     ... no valid superblock: the kernel log names both
 *   cr=notfmt        ... not formatted for jrbd
 *   cr=ok sb=A|B n=N upto=I seq=S off=O acked=all|limit
 *                    create recovers N entries from the tail of superblock
 *                    A or B, its scan ending at block S offset O; the
 *                    device reads as PRISTINE's data area with the entries
 *                    of index < I replayed (verify); acked=all: every
 *                    acknowledged write survives, limit: the fault took
 *                    the final batch, which the format cannot tell from a
 *                    torn write (acknowledged writes there may be lost)
 *   via=sb|journal|probe|entry|end   what finds it
 *
 * SPEC: "-" (nothing) or OPS joined by '+', offsets absolute:
 *   flip:OFF:BIT                 invert one bit
 *   flipcrc:OFF:BIT:FRAG         invert one bit, then recompute the CRC of
 *                                the fragment whose header is at FRAG
 *   zero:OFF:LEN                 zero LEN bytes
 *   copy:snap|self:SRC:DST:LEN   copy LEN bytes from SNAP (or PRISTINE)
 *
 * verify: DEV (the created /dev/jrbdN) must read as PRISTINE's data area
 * plus the WRITEs of the log from slot A's or B's tail with index below
 * UPTO.  put, same and verify print one line; exit 0, 1 when DEV differs,
 * 2 on errors.  serve reads the images once and answers "put DEV SPEC",
 * "same DEV SPEC", "verify DEV A|B UPTO" and "klog FILE" (the kernel log
 * since the last klog) lines with that line and "rc N": a process costs
 * a few hundred milliseconds in a loaded TCG guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "libjrbd.h"

#define JB	JRBD_JBLOCK_SIZE
#define SECT	JRBD_SECTOR_SIZE
#define HDR	JRBD_FRAG_HDR_SIZE
#define ALIGNED_LAST	(JB - 512 - HDR - JRBD_ENTRY_HDR_SIZE)	/* rule A1 */
#define EHDR	JRBD_ENTRY_HDR_SIZE
#define WINDOW	JRBD_MAX_INFLIGHT_BLOCKS

/* ------------------------------------------------------------------ */
/* Images */

struct img {
	const char	*path;
	u8		*b;
	u64		size;
	int		rc[2];		/* jrbd_super_decode() of A, B */
	struct jrbd_sb	sb[2];
	int		newest;		/* slot, -1 if none valid */
	u32		seed;
	u32		js;		/* journal sector (rule W2) */
	bool		aligned;	/* payload-aligned records (A1-A3) */
	u64		jo, jb;		/* journal offset, blocks */
	u64		doff, dblocks;	/* data area */
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "jrbd-corrupt: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		die("out of memory");
	return p;
}

/* Read a whole file or block device (bypassing stale cached pages). */
static void read_all(const char *path, u8 **buf, u64 *size)
{
	struct stat st;
	u64 n, got = 0;
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &n) < 0)
			die("%s: BLKGETSIZE64: %s", path, strerror(errno));
		/* jrbd writes below the page cache: drop what an earlier
		 * read may have cached. */
		ioctl(fd, BLKFLSBUF, 0);
	} else {
		n = (u64)st.st_size;
	}
	if (n > (1ull << 30))
		die("%s: %" PRIu64 " bytes: larger than this tool expects", path, n);
	*buf = xcalloc(1, n);
	while (got < n) {
		r = pread(fd, *buf + got, n - got, (off_t)got);
		if (r <= 0)
			die("%s: read at %" PRIu64 ": %s", path, got,
			    r < 0 ? strerror(errno) : "short");
		got += (u64)r;
	}
	close(fd);
	*size = n;
}

static void load(struct img *im, const char *path)
{
	int i;

	memset(im, 0, sizeof(*im));
	im->path = path;
	read_all(path, &im->b, &im->size);
	if (im->size < 2 * JRBD_SB_SLOT_SIZE)
		die("%s: too small", path);
	im->newest = -1;
	for (i = 0; i < 2; i++) {
		im->rc[i] = jrbd_super_decode(im->b + i * JRBD_SB_SLOT_SIZE,
					      i * JRBD_SB_SLOT_SIZE, im->size,
					      &im->sb[i], NULL);
		if (im->rc[i] == 0 && (im->newest < 0 ||
				       im->sb[i].generation > im->sb[im->newest].generation))
			im->newest = i;
	}
	if (im->newest < 0)
		return;
	im->seed = jrbd_cluster_seed(im->sb[im->newest].cluster_uuid);
	im->jo = im->sb[im->newest].journal_offset;
	im->jb = im->sb[im->newest].journal_blocks;
	im->js = jrbd_sb_jsector(&im->sb[im->newest]);
	im->aligned = im->sb[im->newest].feature_incompat &
		      JRBD_FEATURE_INCOMPAT_ALIGNED;
	im->doff = im->sb[im->newest].data_offset;
	im->dblocks = im->sb[im->newest].data_blocks;
}

static u64 devoff(const struct img *im, u64 seq, u32 off)
{
	return im->jo + (seq % im->jb) * JB + off;
}

static u8 *blk(const struct img *im, u64 seq)
{
	return im->b + devoff(im, seq, 0);
}

static bool zeros(const u8 *p, u32 n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static bool zero16(const u8 *p)
{
	int i;

	for (i = 0; i < (int)HDR; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The fragment header at (seq, off) of a block whose expected seq is seq:
 * 0 a valid fragment of this lap, 1 the normal end of a log (never
 * written, torn, an earlier lap), 2 corruption (valid CRC, a seq that is
 * not an earlier lap of this slot; or unknown flags).
 */
enum { FR_OK, FR_END, FR_BAD };

static int frag_state(const struct img *im, u64 seq, u32 off, struct jrbd_frag *f)
{
	const u8 *p = blk(im, seq) + off;

	if (zero16(p))
		return FR_END;
	jrbd_frag_hdr_decode(p, f);
	if (HDR + (u32)f->len > JB - off || jrbd_frag_crc(im->seed, p, f->len) != f->crc)
		return FR_END;
	if (f->seq != seq)
		return f->seq < seq && (seq - f->seq) % im->jb == 0 ? FR_END : FR_BAD;
	if (f->flags || f->type == JRBD_FRAG_ZERO || f->type > JRBD_FRAG_PAD)
		return FR_BAD;
	return FR_OK;
}

/* A header whose CRC holds, whatever its seq, type and flags. */
static bool crc_valid(const struct img *im, u64 seq, u32 off, struct jrbd_frag *f)
{
	const u8 *p = blk(im, seq) + off;

	if (zero16(p))
		return false;
	jrbd_frag_hdr_decode(p, f);
	return HDR + (u32)f->len <= JB - off && jrbd_frag_crc(im->seed, p, f->len) == f->crc;
}

/* ------------------------------------------------------------------ */
/* The log reader (the oracle's own, strict: for flawless logs) */

struct frag {
	u64	seq;
	u32	off;
	u16	len;
	u8	type;
	int	rec;		/* index in walk.r, -1 for PAD */
	u64	next_index;	/* index of the entry not yet complete here */
};

struct rec {
	struct jrbd_entry e;
	struct jrbd_jpos start;
	int	f0, nf;		/* its fragments in walk.f */
	int	hdr_f;		/* the fragment in which its header completes */
};

struct walk {
	struct frag	*f;
	int		nf, capf;
	struct rec	*r;
	int		nr, capr;
	u64		tail_seq, tail_index;
	struct jrbd_jpos end;	/* just past the last record or PAD */
	struct jrbd_jpos stop;	/* where it stopped */
	int		state;	/* FR_END or FR_BAD */
	const char	*why;
	u64		next_index;
};

static void walk_free(struct walk *w)
{
	free(w->f);
	free(w->r);
	memset(w, 0, sizeof(*w));
}

/*
 * Read the log from a superblock's tail.  Every fragment and entry rule
 * of the format is checked; the walk ends at the first header that is not
 * a valid fragment of its lap (state FR_END or FR_BAD), or at the first
 * broken rule (FR_BAD, why says which).
 */
static void walk_log(const struct img *im, const struct jrbd_sb *sb, struct walk *w)
{
	u8 hdr[EHDR], *recbuf = xcalloc(1, JRBD_MAX_RECORD + 512);
	u32 pos, room, end, got = 0, rec_len = 0, chain = sb->tail_chain;
	u32 blen, fill;
	const u8 *body;
	u64 seq = sb->tail_seq, n, last_term = sb->tail_term;
	struct jrbd_frag f;
	struct frag *fr;
	struct rec *r = NULL;
	const char *why;
	int st;

	memset(w, 0, sizeof(*w));
	w->tail_seq = sb->tail_seq;
	w->tail_index = sb->tail_index;
	w->next_index = sb->tail_index;
	w->end = (struct jrbd_jpos){ sb->tail_seq, sb->tail_off };
	w->state = FR_END;
	if (sb->tail_off && crc_valid(im, seq, 0, &f) && f.seq != seq) {
		w->stop = (struct jrbd_jpos){ seq, 0 };
		w->state = FR_BAD;
		w->why = "the tail's block holds another lap";
		free(recbuf);
		return;
	}
	for (n = 0; n < im->jb; n++, seq++) {
		pos = n ? 0 : sb->tail_off;
		while (pos < JB) {
			room = SECT - pos % SECT;
			if (room < HDR) {
				pos += room;
				continue;
			}
			w->stop = (struct jrbd_jpos){ seq, pos };
			st = frag_state(im, seq, pos, &f);
			if (st != FR_OK) {
				w->state = st;
				w->why = st == FR_END ? "end of the log" : "foreign fragment";
				goto out;
			}
			end = pos + HDR + f.len;
			why = NULL;
			if (f.type == JRBD_FRAG_PAD) {
				if (r)
					why = "PAD inside a record";
				else if (end != jrbd_pad_end(pos, im->js) &&
					 !(im->aligned && pos > ALIGNED_LAST && end == JB))
					why = "PAD not ending at the next journal sector boundary";
			} else if (f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_FIRST) {
				if (r)
					why = "record start inside a record";
				else if (f.type == JRBD_FRAG_FIRST && end != JB)
					why = "FIRST not reaching the block end";
				else if (im->aligned && pos > ALIGNED_LAST)
					why = "aligned record starting past 32176";
			} else {
				if (!r)
					why = "continuation without FIRST";
				else if (f.type == JRBD_FRAG_MIDDLE && f.len != JRBD_FRAG_MAX_LEN)
					why = "MIDDLE not a whole block";
			}
			if (why) {
				w->state = FR_BAD;
				w->why = why;
				goto out;
			}
			if (f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_FIRST) {
				if (w->nr == w->capr) {
					w->capr = w->capr ? 2 * w->capr : 256;
					w->r = realloc(w->r, w->capr * sizeof(*w->r));
					if (!w->r)
						die("out of memory");
				}
				r = &w->r[w->nr];
				memset(r, 0, sizeof(*r));
				r->start = (struct jrbd_jpos){ seq, pos };
				r->f0 = w->nf;
				r->hdr_f = -1;
				got = 0;
				rec_len = 0;
			}
			if (w->nf == w->capf) {
				w->capf = w->capf ? 2 * w->capf : 1024;
				w->f = realloc(w->f, w->capf * sizeof(*w->f));
				if (!w->f)
					die("out of memory");
			}
			fr = &w->f[w->nf++];
			fr->seq = seq;
			fr->off = pos;
			fr->len = f.len;
			fr->type = f.type;
			fr->rec = r ? w->nr : -1;
			fr->next_index = w->next_index;
			if (r) {
				r->nf++;
				body = blk(im, seq) + pos + HDR;
				blen = f.len;
				/* A3: a continuation's 496 filler bytes */
				if (im->aligned && got && rec_len > EHDR) {
					if (blen < 496 || !zeros(body, 496)) {
						w->state = FR_BAD;
						w->why = "continuation filler";
						goto out;
					}
					body += 496;
					blen -= 496;
				}
				if (got + blen > JRBD_MAX_RECORD + 512 ||
				    (rec_len && got + blen > rec_len)) {
					w->state = FR_BAD;
					w->why = "fragments longer than the entry";
					goto out;
				}
				memcpy(recbuf + got, body, blen);
				got += blen;
				if (!rec_len && got >= EHDR) {
					memcpy(hdr, recbuf, EHDR);
					r->hdr_f = w->nf - 1;
					if (jrbd_entry_hdr_decode(hdr, &r->e) < 0 ||
					    r->e.index != w->next_index ||
					    r->e.term < last_term ||
					    jrbd_entry_check(&r->e, im->dblocks, &why) < 0 ||
					    jrbd_entry_chain(chain, hdr) != r->e.chain_crc) {
						w->state = FR_BAD;
						w->why = "entry header (decode, index, term, range or chain)";
						goto out;
					}
					rec_len = EHDR + r->e.payload_len;
					/* A2: filler from the header's end to the
					 * next 512-byte block offset */
					fill = (512 - (pos + HDR + EHDR) % 512) % 512;
					if (im->aligned && r->e.payload_len &&
					    (got - EHDR < fill ||
					     !zeros(recbuf + EHDR, fill))) {
						w->state = FR_BAD;
						w->why = "first fragment's filler";
						goto out;
					}
					if (im->aligned && r->e.payload_len) {
						memmove(recbuf + EHDR, recbuf + EHDR + fill,
							got - EHDR - fill);
						got -= fill;
					}
				}
				if (f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_LAST) {
					if (!rec_len || got != rec_len ||
					    (r->e.payload_len ? jrbd_crc32c_std(recbuf + EHDR,
									r->e.payload_len) :
					     0) != r->e.payload_crc) {
						w->state = FR_BAD;
						w->why = "record length or payload_crc";
						goto out;
					}
					chain = r->e.chain_crc;
					last_term = r->e.term;
					w->next_index++;
					w->nr++;
					r = NULL;
					w->end = (struct jrbd_jpos){ seq, end };
				}
			} else {
				w->end = (struct jrbd_jpos){ seq, end };
			}
			pos = end;
		}
	}
	w->state = FR_BAD;
	w->why = "no end within a lap";
out:
	/* a record in progress at the stop is not part of the log */
	if (r)
		w->nf = r->f0;
	free(recbuf);
}

/*
 * Record bytes (header + payload) of a walked record, into buf: with
 * aligned framing without the filler (A2 after the header in the first
 * fragment, A3's 496 bytes at the start of each later one).
 */
static u32 rec_bytes(const struct img *im, const struct walk *w, const struct rec *r, u8 *buf)
{
	bool fill = im->aligned && r->e.payload_len;
	u32 got = 0, skip;
	int k;

	for (k = r->f0; k < r->f0 + r->nf; k++) {
		const u8 *p = blk(im, w->f[k].seq) + w->f[k].off + HDR;
		u32 len = w->f[k].len;

		if (fill && k == r->f0) {
			memcpy(buf, p, EHDR);
			got = EHDR;
			skip = EHDR + (512 - (w->f[k].off + HDR + EHDR) % 512) % 512;
			p += skip;
			len -= skip;
		} else if (fill) {
			p += 496;
			len -= 496;
		}
		memcpy(buf + got, p, len);
		got += len;
	}
	return got;
}

/* ------------------------------------------------------------------ */
/* The probe (format.md, Recovery step 3), simulated on damaged bytes */

static bool probe(const struct img *im, u64 tail_seq, u64 stop_seq, u32 stop_off,
		  u64 stop_index, u64 *found)
{
	u64 seq, last = stop_seq + WINDOW;
	u32 pos = (stop_off / im->js + 1) * im->js, room;
	struct jrbd_entry e;
	struct jrbd_frag f;
	const u8 *p;

	if (last > tail_seq + im->jb - 2)
		last = tail_seq + im->jb - 2;
	if (last < stop_seq)
		last = stop_seq;
	for (seq = stop_seq; seq <= last; seq++, pos = 0) {
		while (pos < JB) {
			room = SECT - pos % SECT;
			if (room < HDR) {
				pos += room;
				continue;
			}
			p = blk(im, seq) + pos;
			jrbd_frag_hdr_decode(p, &f);
			if (f.seq != seq || f.flags || f.type == JRBD_FRAG_ZERO ||
			    f.type > JRBD_FRAG_PAD || HDR + (u32)f.len > JB - pos ||
			    jrbd_frag_crc(im->seed, p, f.len) != f.crc) {
				/* resync where a batch may start */
				pos = (pos / im->js + 1) * im->js;
				continue;
			}
			if ((f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_FIRST) &&
			    f.len >= EHDR) {
				jrbd_entry_hdr_decode(p + HDR, &e);
				if (e.commit_index >= stop_index) {
					*found = devoff(im, seq, pos);
					return true;
				}
			}
			pos += HDR + f.len;
		}
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Injections */

struct op {
	char	kind;		/* 'f' flip, 'c' flipcrc, 'z' zero, 'y' copy */
	bool	from_snap;
	u64	off, len, src, frag;
	u32	bit;
};

#define MAX_OPS 4

struct spec {
	struct op	op[MAX_OPS];
	int		n;
};

static int parse_spec(const char *s, struct spec *sp)
{
	char *dup = strdup(s), *save = NULL, *tok;
	struct op *o;
	char src[8];
	int r = 0;

	memset(sp, 0, sizeof(*sp));
	if (!strcmp(s, "-")) {
		free(dup);
		return 0;
	}
	for (tok = strtok_r(dup, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		if (sp->n == MAX_OPS) {
			r = -EINVAL;
			break;
		}
		o = &sp->op[sp->n++];
		if (!strncmp(tok, "flip:", 5) &&
		    sscanf(tok, "flip:%" SCNi64 ":%" SCNu32, &o->off, &o->bit) == 2 && o->bit < 8)
			o->kind = 'f';
		else if (sscanf(tok, "flipcrc:%" SCNi64 ":%" SCNu32 ":%" SCNi64, &o->off,
				&o->bit, &o->frag) == 3 && o->bit < 8)
			o->kind = 'c';
		else if (sscanf(tok, "zero:%" SCNi64 ":%" SCNi64, &o->off, &o->len) == 2)
			o->kind = 'z';
		else if (sscanf(tok, "copy:%7[a-z]:%" SCNi64 ":%" SCNi64 ":%" SCNi64, src,
				&o->src, &o->off, &o->len) == 4 &&
			 (!strcmp(src, "snap") || !strcmp(src, "self"))) {
			o->kind = 'y';
			o->from_snap = !strcmp(src, "snap");
		} else {
			r = -EINVAL;
			break;
		}
	}
	free(dup);
	return sp->n ? r : -EINVAL;
}

static const char *fmt_spec(const struct spec *sp, char *buf, size_t n)
{
	const struct op *o;
	size_t len = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < sp->n && len < n; i++) {
		o = &sp->op[i];
		if (i)
			len += snprintf(buf + len, n - len, "+");
		if (o->kind == 'f')
			len += snprintf(buf + len, n - len, "flip:0x%" PRIx64 ":%u", o->off, o->bit);
		else if (o->kind == 'c')
			len += snprintf(buf + len, n - len, "flipcrc:0x%" PRIx64 ":%u:0x%" PRIx64,
					o->off, o->bit, o->frag);
		else if (o->kind == 'z')
			len += snprintf(buf + len, n - len, "zero:0x%" PRIx64 ":%" PRIu64,
					o->off, o->len);
		else
			len += snprintf(buf + len, n - len, "copy:%s:0x%" PRIx64 ":0x%" PRIx64
					":%" PRIu64, o->from_snap ? "snap" : "self", o->src,
					o->off, o->len);
	}
	return buf;
}

/* Apply to x (a copy of p); s is the snapshot. */
static void apply_spec(const struct spec *sp, struct img *x, const struct img *p,
		       const struct img *s)
{
	const struct op *o;
	const struct img *from;
	struct jrbd_frag f;
	int i;

	for (i = 0; i < sp->n; i++) {
		o = &sp->op[i];
		switch (o->kind) {
		case 'f':
		case 'c':
			if (o->off >= x->size)
				die("offset 0x%" PRIx64 " past the end", o->off);
			x->b[o->off] ^= (u8)(1u << o->bit);
			if (o->kind == 'c') {
				if (o->frag + HDR > x->size)
					die("fragment 0x%" PRIx64 " past the end", o->frag);
				jrbd_frag_hdr_decode(x->b + o->frag, &f);
				if (o->frag + HDR + f.len > x->size)
					die("fragment 0x%" PRIx64 " runs past the end", o->frag);
				jrbd_frag_set_crc(x->b + o->frag,
						  jrbd_frag_crc(p->seed, x->b + o->frag, f.len));
			}
			break;
		case 'z':
			if (o->off + o->len > x->size)
				die("zero range past the end");
			memset(x->b + o->off, 0, o->len);
			break;
		case 'y':
			from = o->from_snap ? s : p;
			if (o->src + o->len > from->size || o->off + o->len > x->size)
				die("copy range past the end");
			memcpy(x->b + o->off, from->b + o->src, o->len);
			break;
		}
	}
}

/* ------------------------------------------------------------------ */
/* The oracle */

static u64 rng_state;

static u64 rng(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct ctx {
	struct img	*p, *s, x;	/* pristine, snapshot, scratch copy */
	int		nw, ow;		/* newest and older slot of p */
	struct walk	w;		/* the live log from the newest tail */
	struct walk	wo;		/* from the older tail */
	u64		end_dev;	/* where the pristine log ends */
	struct spec	applied;	/* what x holds beyond p */
};

struct outcome {
	bool	refuse;		/* create must fail */
	bool	sb_refuse;	/* ... because no superblock is valid */
	bool	notfmt;		/* ... because no slot has the magic */
	int	ck;		/* check's exit status */
	u64	lo, hi;		/* offset range check and the kernel must name */
	u64	end;		/* ck 0: the end of the log check names */
	int	slot;		/* ok: the superblock recovery uses */
	u64	n, upto;	/* ok: entries recovered, first index not */
	u64	stop_seq;
	u32	stop_off;
	bool	limit;		/* ok: a fault taken for the end of the log */
	const char *via;
	bool	violation;	/* committed entry dropped: the format failed */
};

static bool changed(const struct ctx *c, u64 off, u64 len)
{
	return memcmp(c->p->b + off, c->x.b + off, len) != 0;
}

/*
 * The journal verdict of the damaged copy c->x, read from the tail of
 * superblock slot `slot` of the pristine image, whose log there is w.
 * force_bad: the fault keeps every CRC valid (entry-level corruption), the
 * scanner stops at fragment force_f as corruption.
 */
static void journal_outcome(struct ctx *c, int slot, const struct walk *w,
			    int force_f, struct outcome *o)
{
	const struct jrbd_sb *sb = &c->p->sb[slot];
	const struct frag *F = NULL;
	struct jrbd_frag f;
	u64 stop_seq, stop_index, found, d;
	u32 stop_off;
	int i, st = FR_END, k;

	memset(o, 0, sizeof(*o));
	o->slot = slot;
	/* The tail block: a valid header at its offset 0 must be of the
	 * tail's lap (the superblock points into this lap of the ring). */
	if (sb->tail_off && crc_valid(&c->x, sb->tail_seq, 0, &f) &&
	    f.seq != sb->tail_seq) {
		d = devoff(c->p, sb->tail_seq, 0);
		o->refuse = true;
		o->ck = 4;
		o->lo = d;
		o->hi = d + JB - 1;
		o->via = "journal";
		return;
	}
	/* the scan stops at the first fragment the fault changed; a fault
	 * that keeps the CRCs valid stops it where the entry is checked */
	for (i = 0; i < w->nf; i++) {
		F = &w->f[i];
		if (force_f >= 0 ? i == force_f :
		    changed(c, devoff(c->p, F->seq, F->off), HDR + F->len))
			break;
	}
	if (i < w->nf) {
		stop_seq = F->seq;
		stop_off = F->off;
		stop_index = F->next_index;
		st = i == force_f ? FR_BAD : frag_state(&c->x, F->seq, F->off, &f);
		if (st == FR_OK)
			die("a changed fragment at 0x%" PRIx64 " still reads as valid",
			    devoff(c->p, F->seq, F->off));
	} else {
		/* nothing the log holds was changed: the pristine end */
		stop_seq = w->stop.seq;
		stop_off = w->stop.off;
		stop_index = w->next_index;
		st = frag_state(&c->x, stop_seq, stop_off, &f);
		if (st == FR_OK)
			die("the end of the log at 0x%" PRIx64 " became a valid fragment",
			    devoff(c->p, stop_seq, stop_off));
	}
	d = devoff(c->p, stop_seq, stop_off);
	if (st == FR_BAD) {
		o->refuse = true;
		o->ck = 4;
		o->lo = o->hi = d;
		o->via = i == force_f ? "entry" : "journal";
		return;
	}
	if (probe(&c->x, sb->tail_seq, stop_seq, stop_off, stop_index, &found)) {
		if (getenv("CORRUPT_DEBUG"))
			fprintf(stderr, "debug: stop 0x%" PRIx64 " index %" PRIu64
				": evidence at 0x%" PRIx64 "\n", d, stop_index, found);
		o->refuse = true;
		o->ck = 4;
		o->lo = o->hi = d;
		o->via = "probe";
		return;
	}
	/*
	 * Taken for the end of the log: only where no later entry of the
	 * pristine log that the fault left intact says the lost entry was
	 * committed (a fault that also destroys every entry proving the
	 * commit -- a whole stale block at the end -- is a torn tail to the
	 * format: the limit the table states).
	 */
	for (k = 0; k < c->w.nr; k++) {
		const struct rec *r = &c->w.r[k];
		const struct frag *h = &c->w.f[r->f0];

		if (r->e.index > stop_index && r->e.commit_index >= stop_index &&
		    !changed(c, devoff(c->p, h->seq, h->off), HDR + h->len))
			o->violation = true;
	}
	o->ck = 0;
	o->end = d;
	o->n = stop_index - sb->tail_index;
	o->upto = stop_index;
	o->stop_seq = stop_seq;
	o->stop_off = stop_off;
	o->limit = i < w->nf;
	o->via = "end";
}

static void fmt_outcome(const struct outcome *o, char *buf, size_t n)
{
	int len;

	if (o->notfmt) {
		snprintf(buf, n, "ck=8 cr=notfmt via=sb");
		return;
	}
	if (o->ck == 4)
		len = snprintf(buf, n, "ck=4 lo=0x%" PRIx64 " hi=0x%" PRIx64, o->lo, o->hi);
	else
		len = snprintf(buf, n, "ck=0 end=0x%" PRIx64, o->end);
	if (o->sb_refuse)
		snprintf(buf + len, n - len, " cr=refuse-sb via=sb");
	else if (o->refuse)
		snprintf(buf + len, n - len, " cr=refuse via=%s", o->via);
	else
		snprintf(buf + len, n - len, " cr=ok sb=%c n=%" PRIu64 " upto=%" PRIu64
			 " seq=%" PRIu64 " off=%u acked=%s via=%s%s", 'A' + o->slot, o->n,
			 o->upto, o->stop_seq, o->stop_off, o->limit ? "limit" : "all",
			 o->via, o->violation ? " violation=1" : "");
}

/*
 * Make the scratch copy x hold p with sp applied: undo the previous
 * injection (its ranges from p), apply this one.  Hundreds of faults are
 * judged per plan; a whole-image copy each would dominate in a guest.
 */
static void inject(struct ctx *c, const struct spec *sp)
{
	const struct op *o;
	int i;

	for (i = 0; i < c->applied.n; i++) {
		o = &c->applied.op[i];
		if (o->kind == 'z' || o->kind == 'y') {
			memcpy(c->x.b + o->off, c->p->b + o->off, o->len);
		} else {
			c->x.b[o->off] = c->p->b[o->off];
			if (o->kind == 'c')
				memcpy(c->x.b + o->frag, c->p->b + o->frag, HDR);
		}
	}
	apply_spec(sp, &c->x, c->p, c->s);
	c->applied = *sp;
}

/* The scratch copy back to the pristine bytes. */
static void reset(struct ctx *c)
{
	static const struct spec none;

	inject(c, &none);
}

/* ------------------------------------------------------------------ */
/* Targets of the journal classes */

enum jclass {
	J_FRAG_HDR,	/* bit flip in a fragment header */
	J_ENTRY_HDR,	/* bit flip in an entry header */
	J_PAYLOAD,	/* bit flip in a payload */
	J_ZERO,		/* zeroed 512-byte sector */
	J_STALE,	/* the slot's block from an earlier lap (SNAP) */
	J_FOREIGN,	/* a block of another slot */
	J_ENTRY_CRC,	/* entry header bit flip, fragment CRC recomputed */
	J_PAYLOAD_CRC,	/* payload bit flip, fragment CRC recomputed */
	J_NCLASS
};

static const char *const jclass_name[J_NCLASS] = {
	[J_FRAG_HDR] = "fragment header bit flip",
	[J_ENTRY_HDR] = "entry header bit flip",
	[J_PAYLOAD] = "payload bit flip",
	[J_ZERO] = "zeroed 512-byte sector",
	[J_STALE] = "stale block (same slot, earlier lap)",
	[J_FOREIGN] = "block of another slot",
	[J_ENTRY_CRC] = "entry header bit flip, CRC recomputed",
	[J_PAYLOAD_CRC] = "payload bit flip, CRC recomputed",
};

/* How many targets class cl has in the live log. */
static int ntargets(const struct ctx *c, int cl)
{
	switch (cl) {
	case J_FRAG_HDR:
	case J_ZERO:
		return c->w.nf;
	case J_ENTRY_HDR:
	case J_PAYLOAD:
	case J_ENTRY_CRC:
	case J_PAYLOAD_CRC:
		return c->w.nr;
	default:
		/* every block the log touches, up to the one it ends in */
		return (int)(c->w.stop.seq - c->w.tail_seq + 1);
	}
}

/* A valid earlier-lap block for slot of seq in the snapshot? */
static bool snap_stale_ok(const struct ctx *c, u64 seq)
{
	struct img *s = c->s;
	struct jrbd_frag f;
	u64 so = devoff(c->p, seq, 0);
	const u8 *q = s->b + so;

	if (so + JB > s->size || !memcmp(q, c->p->b + so, JB) || zero16(q))
		return false;
	jrbd_frag_hdr_decode(q, &f);
	return HDR + (u32)f.len <= JB && jrbd_frag_crc(c->p->seed, q, f.len) == f.crc &&
	       f.seq < seq && (seq - f.seq) % c->p->jb == 0;
}

/*
 * Build the injection for target t of class cl in *sp, using the rng for
 * the bit; returns the fragment the scanner must stop at as corruption
 * (CRC-valid classes) or -1; -2 if the target does not suit the class.
 */
static int make_target(struct ctx *c, int cl, int t, struct spec *sp)
{
	const struct walk *w = &c->w;
	const struct rec *r;
	const struct frag *F;
	struct jrbd_jpos pos;
	u64 seq, so, b = 0, bit = rng() % 8;
	u32 ro;
	int k, fi;

	memset(sp, 0, sizeof(*sp));
	sp->n = 1;
	switch (cl) {
	case J_FRAG_HDR:
		F = &w->f[t];
		sp->op[0] = (struct op){ .kind = 'f',
			.off = devoff(c->p, F->seq, F->off) + rng() % HDR, .bit = (u32)bit };
		return -1;
	case J_ZERO:
		F = &w->f[t];
		b = devoff(c->p, F->seq, F->off) / 512 * 512;
		sp->op[0] = (struct op){ .kind = 'z', .off = b, .len = 512 };
		return -1;
	case J_ENTRY_HDR:
	case J_PAYLOAD:
	case J_ENTRY_CRC:
	case J_PAYLOAD_CRC:
		r = &w->r[t];
		if ((cl == J_PAYLOAD || cl == J_PAYLOAD_CRC) && !r->e.payload_len)
			return -2;
		ro = cl == J_ENTRY_HDR || cl == J_ENTRY_CRC ? (u32)(rng() % EHDR) :
		     EHDR + (u32)(rng() % r->e.payload_len);
		pos = jrbd_record_pos(r->start, ro, c->p->aligned);
		sp->op[0] = (struct op){ .kind = cl == J_ENTRY_HDR || cl == J_PAYLOAD ? 'f' : 'c',
			.off = devoff(c->p, pos.seq, pos.off), .bit = (u32)bit };
		if (sp->op[0].kind == 'f')
			return -1;
		/* the fragment holding the byte gets a fresh CRC */
		for (k = r->f0; k < r->f0 + r->nf; k++)
			if (w->f[k].seq == pos.seq && w->f[k].off < pos.off &&
			    pos.off < w->f[k].off + HDR + w->f[k].len)
				break;
		if (k == r->f0 + r->nf)
			die("record byte not in any of its fragments");
		sp->op[0].frag = devoff(c->p, w->f[k].seq, w->f[k].off);
		fi = cl == J_ENTRY_CRC ? r->hdr_f : r->f0 + r->nf - 1;
		return fi;
	case J_STALE:
		seq = w->tail_seq + (u64)t;
		if (!snap_stale_ok(c, seq))
			return -2;
		so = devoff(c->p, seq, 0);
		sp->op[0] = (struct op){ .kind = 'y', .from_snap = true, .src = so,
					 .off = so, .len = JB };
		return -1;
	case J_FOREIGN:
		seq = w->tail_seq + (u64)t;
		so = devoff(c->p, seq, 0);
		/* a block about half a ring away whose first header is valid:
		 * another slot, so its seq can never be this block's */
		for (k = 0; k < (int)c->p->jb; k++) {
			u64 oslot = (seq + c->p->jb / 2 + (u64)k) % c->p->jb;
			struct jrbd_frag f;
			const u8 *q;

			if (oslot == seq % c->p->jb)
				continue;
			b = c->p->jo + oslot * JB;
			q = c->p->b + b;
			jrbd_frag_hdr_decode(q, &f);
			if (!zero16(q) && HDR + (u32)f.len <= JB &&
			    jrbd_frag_crc(c->p->seed, q, f.len) == f.crc)
				break;
		}
		if (k == (int)c->p->jb)
			return -2;
		sp->op[0] = (struct op){ .kind = 'y', .src = b, .off = so, .len = JB };
		return -1;
	}
	return -2;
}

/* Outcome of target t of class cl; false if the target does not suit. */
static bool try_target(struct ctx *c, int cl, int t, struct spec *sp, struct outcome *o)
{
	u64 rs = rng_state;
	int force;
	int i;
	bool any = false;

	force = make_target(c, cl, t, sp);
	if (force == -2)
		return false;
	inject(c, sp);
	for (i = 0; i < sp->n; i++)
		any |= changed(c, sp->op[i].off, sp->op[i].kind == 'z' || sp->op[i].kind == 'y' ?
			       sp->op[i].len : 1);
	if (!any) {
		rng_state = rs;
		return false;
	}
	journal_outcome(c, c->nw, &c->w, force, o);
	return true;
}

/* ------------------------------------------------------------------ */
/* Superblock classes */

enum sclass { S_FLIP, S_ZERO, S_STALE, S_NSCLASS };
enum swhich { W_NEWEST, W_OLDER, W_BOTH };

static const char *const sclass_name[S_NSCLASS] = {
	[S_FLIP] = "bit flip", [S_ZERO] = "zeroed 512-byte sector",
	[S_STALE] = "stale copy (an earlier generation, SNAP)",
};
static const char *const swhich_name[] = {
	[W_NEWEST] = "newest superblock", [W_OLDER] = "older superblock",
	[W_BOTH] = "both superblocks",
};

static u64 slot_off(int slot)
{
	return slot ? JRBD_SB_B_OFFSET : JRBD_SB_A_OFFSET;
}

static void sb_outcome(struct ctx *c, int cl, int which, struct spec *sp, struct outcome *o)
{
	int slots[2], ns = 0, i, pick;
	u64 so;

	memset(sp, 0, sizeof(*sp));
	if (which != W_OLDER)
		slots[ns++] = c->nw;
	if (which != W_NEWEST)
		slots[ns++] = c->ow;
	for (i = 0; i < ns; i++) {
		so = slot_off(slots[i]);
		if (cl == S_FLIP)
			/* not the magic: a slot without it is "not jrbd" */
			sp->op[i] = (struct op){ .kind = 'f', .off = so + 4 + rng() % 0x1f8,
						 .bit = (u32)(rng() % 8) };
		else if (cl == S_ZERO)
			sp->op[i] = (struct op){ .kind = 'z', .off = so, .len = 512 };
		else
			sp->op[i] = (struct op){ .kind = 'y', .from_snap = true, .src = so,
						 .off = so, .len = JRBD_SB_SLOT_SIZE };
	}
	sp->n = ns;
	memset(o, 0, sizeof(*o));
	if (which == W_BOTH && cl == S_ZERO) {
		o->notfmt = true;
		o->refuse = true;
		o->ck = 8;
		return;
	}
	if (which == W_BOTH && cl == S_FLIP) {
		o->refuse = o->sb_refuse = true;
		o->ck = 4;
		o->lo = 0;
		o->hi = JRBD_SB_B_OFFSET + JRBD_SB_SLOT_SIZE - 1;
		return;
	}
	inject(c, sp);
	if (which == W_BOTH) {
		/* the snapshot's pair: consistent superblocks, a tail whose
		 * block the ring has reused since */
		struct jrbd_sb sb[2];
		int rc[2];

		for (i = 0; i < 2; i++)
			rc[i] = jrbd_super_decode(c->x.b + slot_off(i), slot_off(i), c->x.size,
						  &sb[i], NULL);
		if (rc[0] || rc[1])
			die("the snapshot's superblocks are not valid");
		pick = sb[1].generation > sb[0].generation;
		so = devoff(c->p, sb[pick].tail_seq, 0);
		o->refuse = true;
		o->ck = 4;
		o->lo = so;
		o->hi = so + JB - 1;
		o->via = "journal";
		return;
	}
	/* one slot damaged: the other one is used */
	pick = which == W_NEWEST ? c->ow : c->nw;
	journal_outcome(c, pick, pick == c->nw ? &c->w : &c->wo, -1, o);
	if (o->refuse)
		die("recovery from the %s would fail: not a usable image",
		    pick == c->nw ? "newest superblock" : "older superblock");
	/* check reports the damaged slot: its CRC, emptiness, or (stale)
	 * the generations that are no longer consecutive */
	so = slot_off(which == W_NEWEST ? c->nw : c->ow);
	o->ck = 4;
	o->lo = so;
	o->hi = so + JRBD_SB_SLOT_SIZE - 1;
	o->via = "sb";
}

/* ------------------------------------------------------------------ */
/* plan */

static void emit(const char *label, const struct spec *sp, const struct outcome *o)
{
	char s[256], e[512];

	fmt_spec(sp, s, sizeof(s));
	fmt_outcome(o, e, sizeof(e));
	printf("%s\t%s\t%s\n", label, s, e);
	if (o->violation) {
		fprintf(stderr, "jrbd-corrupt: %s: a fault would be taken for the end of the "
			"log although a later entry says the lost one was committed\n", label);
	}
}

struct pos4 {
	int	t[4];		/* tail, middle, last detected, first not */
	bool	have_last;	/* class has undetectable positions */
};

static int cmd_plan(int argc, char **argv)
{
	struct img p, s;
	struct ctx c = { .p = &p, .s = &s };
	struct spec sp;
	struct outcome o;
	struct pos4 pos[J_NCLASS];
	char label[256];
	u64 seed = 1, nrandom = 0, t;
	int i, cl, nt, last_ref, k, which, violations = 0, examined = 0;
	static const char *const pname[4] = {
		"tail block", "middle of the log", "last fault the log can prove",
		"final batch (format limit)",
	};

	if (argc < 4)
		return 2;
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--random"))
			nrandom = strtoull(argv[i + 1], NULL, 0);
		else
			die("unknown option %s", argv[i]);
	}
	load(&p, argv[2]);
	load(&s, argv[3]);
	if (p.newest < 0)
		die("%s: no valid superblock", argv[2]);
	c.nw = p.newest;
	c.ow = !p.newest;
	if (p.rc[c.ow] || p.sb[c.nw].generation != p.sb[c.ow].generation + 1) {
		fprintf(stderr, "not ready: superblocks are not a valid consecutive pair\n");
		return 1;
	}
	/* A stale copy of a slot must be an earlier generation of it. */
	if (s.rc[0] || s.rc[1] || s.sb[0].generation >= p.sb[0].generation ||
	    s.sb[1].generation >= p.sb[1].generation) {
		fprintf(stderr, "not ready: the snapshot's superblocks are not both valid "
			"and older than the pristine ones\n");
		return 1;
	}
	c.x = p;
	c.x.b = xcalloc(1, p.size);
	memcpy(c.x.b, p.b, p.size);
	rng_state = seed;

	walk_log(&p, &p.sb[c.nw], &c.w);
	if (c.w.state != FR_END) {
		fprintf(stderr, "the pristine log is not flawless: %s at 0x%" PRIx64 "\n",
			c.w.why, devoff(&p, c.w.stop.seq, c.w.stop.off));
		return 2;
	}
	c.end_dev = devoff(&p, c.w.stop.seq, c.w.stop.off);
	fprintf(stderr, "pristine: superblock %c generation %" PRIu64 " tail seq %" PRIu64
		" +0x%x index %" PRIu64 "; log %d entries, %d fragments, %" PRIu64
		" blocks, ends at seq %" PRIu64 " +0x%x (device 0x%" PRIx64 ")\n",
		'A' + c.nw, p.sb[c.nw].generation, p.sb[c.nw].tail_seq, p.sb[c.nw].tail_off,
		p.sb[c.nw].tail_index, c.w.nr, c.w.nf, c.w.stop.seq - c.w.tail_seq + 1,
		c.w.stop.seq, c.w.stop.off, c.end_dev);
	if (c.w.nr < 8) {
		fprintf(stderr, "not ready: only %d live entries\n", c.w.nr);
		return 1;
	}
	/* the older superblock's log must lead into the newest one's */
	walk_log(&p, &p.sb[c.ow], &c.wo);
	if (c.wo.state != FR_END || c.wo.stop.seq != c.w.stop.seq ||
	    c.wo.stop.off != c.w.stop.off || c.wo.next_index != c.w.next_index) {
		fprintf(stderr, "not ready: the older superblock's log does not reach the "
			"same end (%s at 0x%" PRIx64 ")\n", c.wo.why,
			devoff(&p, c.wo.stop.seq, c.wo.stop.off));
		return 1;
	}
	/* The snapshot must be at least a lap older than the live log and
	 * have seen a whole lap itself: then every live slot holds an
	 * earlier lap there, and its tail's block has been reused since. */
	{
		int sn = s.sb[1].generation > s.sb[0].generation;
		struct walk sw;
		struct jrbd_frag f;

		walk_log(&s, &s.sb[sn], &sw);
		fprintf(stderr, "snapshot: superblock %c generation %" PRIu64 ", log ends "
			"at seq %" PRIu64 "\n", 'A' + sn, s.sb[sn].generation, sw.stop.seq);
		if (sw.stop.seq < p.jb || sw.stop.seq + WINDOW >= c.w.tail_seq ||
		    !crc_valid(&p, s.sb[sn].tail_seq, 0, &f) || f.seq == s.sb[sn].tail_seq) {
			fprintf(stderr, "not ready: the snapshot is not a lap older than the "
				"live log, or younger than a lap itself\n");
			walk_free(&sw);
			return 1;
		}
		walk_free(&sw);
	}

	/* positions: tail, middle, the last detected, the first not */
	for (cl = 0; cl < J_NCLASS; cl++) {
		nt = ntargets(&c, cl);
		pos[cl].t[0] = -1;
		last_ref = -1;
		for (k = 0; k < nt; k++) {
			if (!try_target(&c, cl, k, &sp, &o))
				continue;
			examined++;
			/* the tail: the first target, and one the log proves */
			if (pos[cl].t[0] < 0)
				pos[cl].t[0] = o.refuse ? k : nt;
			if (o.refuse)
				last_ref = k;
			if (o.violation)
				violations++;
		}
		pos[cl].t[2] = last_ref;
		pos[cl].t[3] = -1;
		for (k = last_ref + 1; k < nt; k++) {
			if (try_target(&c, cl, k, &sp, &o)) {
				pos[cl].t[3] = k;
				break;
			}
		}
		pos[cl].t[1] = -1;
		for (k = (pos[cl].t[0] + last_ref) / 2; k > pos[cl].t[0] && k < last_ref; k++)
			if (try_target(&c, cl, k, &sp, &o) && o.refuse) {
				pos[cl].t[1] = k;
				break;
			}
		pos[cl].have_last = cl != J_FOREIGN && cl != J_ENTRY_CRC && cl != J_PAYLOAD_CRC;
		if (pos[cl].t[0] != 0 || pos[cl].t[1] < 0 || last_ref <= pos[cl].t[0] ||
		    (pos[cl].have_last && pos[cl].t[3] < 0) ||
		    (!pos[cl].have_last && pos[cl].t[3] >= 0)) {
			fprintf(stderr, "not ready: %s: positions tail %d middle %d last %d "
				"final %d of %d\n", jclass_name[cl], pos[cl].t[0], pos[cl].t[1],
				last_ref, pos[cl].t[3], nt);
			return 1;
		}
	}
	/* every target of every class was judged above */
	fprintf(stderr, "oracle: %d faults judged (every target of every journal class); "
		"%d would be taken for a torn write although an intact later entry "
		"proves the commit\n", examined, violations);

	/* the fixed matrix, with a fresh rng per line: stable bits */
	printf("negative control: the pristine image\t-\t");
	reset(&c);
	journal_outcome(&c, c.nw, &c.w, -1, &o);
	{
		char e[512];

		fmt_outcome(&o, e, sizeof(e));
		printf("%s\n", e);
	}
	for (which = 0; which < 3; which++)
		for (cl = 0; cl < S_NSCLASS; cl++) {
			rng_state = seed + 1000 + which * 10 + cl;
			sb_outcome(&c, cl, which, &sp, &o);
			snprintf(label, sizeof(label), "%s, %s", swhich_name[which], sclass_name[cl]);
			emit(label, &sp, &o);
		}
	for (cl = 0; cl < J_NCLASS; cl++)
		for (k = 0; k < 4; k++) {
			const char *pn = pname[k];

			if (k == 3 && !pos[cl].have_last)
				continue;
			if (k == 2 && !pos[cl].have_last)
				pn = "last block of the log";
			if ((cl == J_ENTRY_CRC || cl == J_PAYLOAD_CRC) && k == 0)
				continue;
			rng_state = seed + 2000 + cl * 10 + k;
			if (!try_target(&c, cl, pos[cl].t[k], &sp, &o))
				die("target vanished");
			snprintf(label, sizeof(label), "journal, %s, %s", pn, jclass_name[cl]);
			emit(label, &sp, &o);
		}
	/* random injections */
	rng_state = seed;
	for (t = 0; t < nrandom; t++) {
		u64 pick = rng() % (J_NCLASS + 2);

		if (pick >= J_NCLASS) {
			which = (int)(rng() % 3);
			cl = (int)(rng() % S_NSCLASS);
			sb_outcome(&c, cl, which, &sp, &o);
			snprintf(label, sizeof(label), "random %" PRIu64 ": %s, %s", t + 1,
				 swhich_name[which], sclass_name[cl]);
		} else {
			cl = (int)pick;
			nt = ntargets(&c, cl);
			for (k = 0; k < 1000; k++)
				if (try_target(&c, cl, (int)(rng() % (u64)nt), &sp, &o))
					break;
			if (k == 1000)
				die("no target for %s", jclass_name[cl]);
			snprintf(label, sizeof(label), "random %" PRIu64 ": journal, %s", t + 1,
				 jclass_name[cl]);
		}
		emit(label, &sp, &o);
	}
	walk_free(&c.w);
	walk_free(&c.wo);
	return 0;
}

/* ------------------------------------------------------------------ */
/* apply, verify */

static void write_all(const char *path, const u8 *b, u64 n)
{
	u64 done = 0;
	ssize_t r;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	while (done < n) {
		r = write(fd, b + done, n - done);
		if (r <= 0)
			die("%s: write: %s", path, r < 0 ? strerror(errno) : "short");
		done += (u64)r;
	}
	if (close(fd) < 0)
		die("%s: %s", path, strerror(errno));
}

static int cmd_apply(int argc, char **argv)
{
	struct img p, s, x;
	struct spec sp;

	if (argc != 6)
		return 2;
	if (parse_spec(argv[5], &sp) < 0)
		die("bad spec '%s'", argv[5]);
	load(&p, argv[2]);
	load(&s, argv[3]);
	if (p.newest < 0)
		die("%s: no valid superblock", argv[2]);
	x = p;
	x.b = xcalloc(1, p.size);
	memcpy(x.b, p.b, p.size);
	apply_spec(&sp, &x, &p, &s);
	write_all(argv[4], x.b, x.size);
	return 0;
}

/*
 * put: make DEV hold PRISTINE with SPEC applied, writing only the 4 KiB
 * blocks that differ (O_DIRECT: below any cache).  same: only compare.
 * x is scratch of p's size.  Prints one line; 0, or 1 if same differs.
 */
/* The 4 KiB blocks an injection touches, as a bitmap over the image. */
static void mark_blocks(const struct spec *sp, u8 *map, u64 size)
{
	const struct op *o;
	u64 a, e;
	int i;

	for (i = 0; i < sp->n; i++) {
		o = &sp->op[i];
		a = o->off;
		e = o->kind == 'z' || o->kind == 'y' ? o->off + o->len : o->off + 1;
		for (a = a / 4096; a * 4096 < e && a * 4096 < size; a++)
			map[a] = 1;
		if (o->kind == 'c')
			for (a = o->frag / 4096; a * 4096 < o->frag + HDR; a++)
				map[a] = 1;
	}
}

static int do_put(const struct img *p, const struct img *s, struct img *x,
		  const char *dev, const char *spec_str, bool write_it,
		  const struct spec *prev)
{
	struct spec sp;
	u64 off, chunk = 1 << 20, n, k, diff = 0, first = 0;
	u8 *buf, *map;
	int fd;

	if (parse_spec(spec_str, &sp) < 0)
		die("bad spec '%s'", spec_str);
	memcpy(x->b, p->b, p->size);
	apply_spec(&sp, x, p, s);
	fd = open(dev, (write_it ? O_RDWR : O_RDONLY) | O_DIRECT);
	if (fd < 0 && errno == EINVAL)	/* a file system without O_DIRECT */
		fd = open(dev, write_it ? O_RDWR : O_RDONLY);
	if (fd < 0)
		die("%s: %s", dev, strerror(errno));
	if (posix_memalign((void **)&buf, 4096, chunk))
		die("out of memory");
	if (write_it && prev) {
		/* DEV is known to hold p + prev: rewrite only the blocks
		 * either injection touches */
		map = xcalloc(1, x->size / 4096 + 1);
		mark_blocks(prev, map, x->size);
		mark_blocks(&sp, map, x->size);
		for (k = 0; k * 4096 < x->size; k++) {
			if (!map[k])
				continue;
			memcpy(buf, x->b + k * 4096, 4096);
			if (pwrite(fd, buf, 4096, (off_t)(k * 4096)) != 4096)
				die("%s: write at 0x%" PRIx64 ": %s", dev, k * 4096,
				    strerror(errno));
			diff++;
		}
		free(map);
		if (fsync(fd) < 0)
			die("%s: fsync: %s", dev, strerror(errno));
		close(fd);
		free(buf);
		printf("put: %" PRIu64 " blocks of 4 KiB rewritten (the disk was as "
		       "last compared)\n", diff);
		return 0;
	}
	for (off = 0; off < x->size; off += n) {
		n = x->size - off < chunk ? x->size - off : chunk;
		if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
			die("%s: read at 0x%" PRIx64 ": %s", dev, off, strerror(errno));
		for (k = 0; k < n; k += 4096) {
			if (!memcmp(buf + k, x->b + off + k, 4096))
				continue;
			if (!diff++)
				first = off + k;
			/* O_DIRECT wants an aligned buffer: this chunk's */
			memcpy(buf + k, x->b + off + k, 4096);
			if (write_it && pwrite(fd, buf + k, 4096, (off_t)(off + k)) != 4096)
				die("%s: write at 0x%" PRIx64 ": %s", dev, off + k,
				    strerror(errno));
		}
	}
	if (write_it && fsync(fd) < 0)
		die("%s: fsync: %s", dev, strerror(errno));
	close(fd);
	free(buf);
	if (write_it) {
		printf("put: %" PRIu64 " blocks of 4 KiB written\n", diff);
		return 0;
	}
	if (diff)
		printf("DIFFERS: %" PRIu64 " blocks of 4 KiB, the first at 0x%" PRIx64 "\n",
		       diff, first);
	else
		printf("same: every byte as injected\n");
	return diff ? 1 : 0;
}

/*
 * verify: DEV must read as p's data area with the WRITE entries of the log
 * from slot's tail with index < upto replayed.  One line; 0 equal, 1 not.
 */
static int do_verify(const struct img *p, const char *dev, int slot, u64 upto)
{
	struct walk w;
	u8 *want, *got, *rb;
	u64 n, lba, bad = 0, i, applied = 0;
	int k, fd;
	ssize_t r;

	if (p->rc[slot])
		die("%s: superblock %c is not valid", p->path, 'A' + slot);
	walk_log(p, &p->sb[slot], &w);
	if (w.state != FR_END)
		die("%s: the log from superblock %c is not flawless: %s", p->path,
		    'A' + slot, w.why);
	n = p->dblocks * JRBD_BLOCK_SIZE;
	want = xcalloc(1, n);
	got = xcalloc(1, n);
	rb = xcalloc(1, JRBD_MAX_RECORD);
	memcpy(want, p->b + p->doff, n);
	for (k = 0; k < w.nr; k++) {
		const struct jrbd_entry *e = &w.r[k].e;

		if (e->index >= upto)
			break;
		if (e->kind == JRBD_ENTRY_WRITE) {
			rec_bytes(p, &w, &w.r[k], rb);
			memcpy(want + e->lba * JRBD_BLOCK_SIZE, rb + EHDR, e->payload_len);
		} else if (e->kind == JRBD_ENTRY_WRITE_ZEROES || e->kind == JRBD_ENTRY_DISCARD) {
			die("entry %" PRIu64 ": the oracle does not model discards", e->index);
		}
		applied++;
	}
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		die("%s: %s", dev, strerror(errno));
	free(got);
	if (posix_memalign((void **)&got, 4096, n))
		die("out of memory");
	for (i = 0; i < n; i += (u64)r) {
		r = pread(fd, got + i, n - i, (off_t)i);
		if (r <= 0)
			die("%s: read: %s", dev, r < 0 ? strerror(errno) : "short");
	}
	close(fd);
	for (lba = 0; lba < p->dblocks; lba++)
		if (memcmp(want + lba * JRBD_BLOCK_SIZE, got + lba * JRBD_BLOCK_SIZE,
			   JRBD_BLOCK_SIZE)) {
			if (bad < 5)
				fprintf(stderr, "verify: block %" PRIu64 " differs from the "
					"data area with entries < %" PRIu64 " replayed\n", lba, upto);
			bad++;
		}
	printf("data: %" PRIu64 " of %" PRIu64 " blocks differ (%" PRIu64
	       " entries replayed from superblock %c)\n", bad, p->dblocks, applied, 'A' + slot);
	free(want);
	free(got);
	free(rb);
	walk_free(&w);
	return bad ? 1 : 0;
}

static int slot_arg(const char *a)
{
	if (strcmp(a, "A") && strcmp(a, "B"))
		die("slot must be A or B, not '%s'", a);
	return a[0] - 'A';
}

static void load_pair(struct img *p, struct img *s, struct img *x,
		      const char *pp, const char *sp)
{
	load(p, pp);
	load(s, sp);
	if (p->newest < 0)
		die("%s: no valid superblock", pp);
	*x = *p;
	x->b = xcalloc(1, p->size);
}

/*
 * klog FILE: the kernel log records since the previous call (the first
 * call only starts reading at the end), their text one a line into FILE:
 * /dev/kmsg read here instead of a dmesg process per fault.
 */
static int do_klog(const char *path)
{
	static int fd = -1;
	char rec[8192], *t, *nl;
	FILE *f;
	ssize_t r;
	int lines = 0;

	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fd < 0) {
		fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
		if (fd < 0 || lseek(fd, 0, SEEK_END) < 0)
			die("/dev/kmsg: %s", strerror(errno));
	}
	for (;;) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0)
			die("/dev/kmsg: %s", r < 0 ? strerror(errno) : "end of file");
		rec[r] = 0;
		/* "prio,seq,usec,flags;text\n" then " KEY=value" lines */
		t = strchr(rec, ';');
		if (!t)
			continue;
		nl = strchr(++t, '\n');
		if (nl)
			*nl = 0;
		fprintf(f, "%s\n", t);
		lines++;
	}
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
	printf("klog: %d records\n", lines);
	return 0;
}

/*
 * serve PRISTINE SNAP: the images are read once; commands on stdin, one
 * a line, each answered on stdout by its result line and "rc N":
 *   put DEV SPEC | same DEV SPEC | verify DEV A|B UPTO | klog FILE
 * (a process costs a few hundred milliseconds in a TCG guest).
 */
static int cmd_serve(int argc, char **argv)
{
	struct img p, s, x;
	struct spec known;
	char line[1024], a[4][512], known_dev[512] = "";
	int r, n;

	if (argc != 4)
		return 2;
	load_pair(&p, &s, &x, argv[2], argv[3]);
	while (fgets(line, sizeof(line), stdin)) {
		n = sscanf(line, "%511s %511s %511s %511s", a[0], a[1], a[2], a[3]);
		if (n == 3 && !strcmp(a[0], "put")) {
			/* right after a same that found DEV as injected,
			 * nothing else wrote to it: only the changes */
			r = do_put(&p, &s, &x, a[1], a[2], true,
				   !strcmp(known_dev, a[1]) ? &known : NULL);
			known_dev[0] = 0;
		} else if (n == 3 && !strcmp(a[0], "same")) {
			r = do_put(&p, &s, &x, a[1], a[2], false, NULL);
			known_dev[0] = 0;
			if (!r && parse_spec(a[2], &known) == 0)
				snprintf(known_dev, sizeof(known_dev), "%s", a[1]);
		} else if (n == 4 && !strcmp(a[0], "verify")) {
			r = do_verify(&p, a[1], slot_arg(a[2]), strtoull(a[3], NULL, 0));
			known_dev[0] = 0;
		} else if (n == 2 && !strcmp(a[0], "klog")) {
			r = do_klog(a[1]);
		} else {
			die("bad command: %s", line);
		}
		printf("rc %d\n", r);
		fflush(stdout);
	}
	return 0;
}

/* flip DEV OFF BIT: invert one bit of a device or file, in place. */
static int cmd_flip(const char *dev, u64 off, unsigned long bit)
{
	u8 c;
	int fd = open(dev, O_RDWR);

	if (fd < 0 || bit > 7)
		die("%s: %s", dev, fd < 0 ? strerror(errno) : "bit must be 0..7");
	if (pread(fd, &c, 1, (off_t)off) != 1)
		die("%s: read at 0x%" PRIx64 ": %s", dev, off, strerror(errno));
	c ^= (u8)(1u << bit);
	if (pwrite(fd, &c, 1, (off_t)off) != 1 || fsync(fd) < 0)
		die("%s: write at 0x%" PRIx64 ": %s", dev, off, strerror(errno));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int r = 2;

	if (argc >= 2 && !strcmp(argv[1], "plan"))
		r = cmd_plan(argc, argv);
	else if (argc >= 2 && !strcmp(argv[1], "apply"))
		r = cmd_apply(argc, argv);
	else if (argc == 6 && (!strcmp(argv[1], "put") || !strcmp(argv[1], "same"))) {
		struct img p, s, x;

		load_pair(&p, &s, &x, argv[2], argv[3]);
		r = do_put(&p, &s, &x, argv[4], argv[5], !strcmp(argv[1], "put"), NULL);
	} else if (argc == 6 && !strcmp(argv[1], "verify")) {
		struct img p;

		load(&p, argv[2]);
		r = do_verify(&p, argv[3], slot_arg(argv[4]), strtoull(argv[5], NULL, 0));
	} else if (argc >= 2 && !strcmp(argv[1], "serve")) {
		r = cmd_serve(argc, argv);
	} else if (argc == 5 && !strcmp(argv[1], "flip")) {
		r = cmd_flip(argv[2], strtoull(argv[3], NULL, 0), strtoul(argv[4], NULL, 0));
	}
	else
		fprintf(stderr, "usage: jrbd-corrupt plan PRISTINE SNAP [--seed S] [--random N]\n"
			"       jrbd-corrupt apply|put|same PRISTINE SNAP OUT|DEV SPEC\n"
			"       jrbd-corrupt verify PRISTINE DEV A|B UPTO\n"
			"       jrbd-corrupt serve PRISTINE SNAP\n"
			"       jrbd-corrupt flip DEV OFF BIT\n");
	return r;
}
