// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd-crashload: a raw-device workload for power-cut tests that records
 * what was acknowledged, and the check that nothing acknowledged was lost.
 * Test tool only: never installed.
 *
 *   jrbd-crashload write  DEV LOGDIR --round R [--seed S] [--threads N]
 *                         [--region MIB] [--seconds T] [--bs KIB] [--seq]
 *   jrbd-crashload verify DEV LOGDIR [--region MIB]
 *
 * write: N threads (default 4), thread t owning slice t of the first MIB
 * MiB (default 64) of DEV, write 4 KiB..256 KiB at random 4 KiB-aligned
 * offsets of their slice with O_DIRECT until killed (or for T seconds).
 * --bs KIB fixes the size of every write (4 KiB multiple, at most 1 MiB);
 * --seq makes each thread write its slice sequentially from a random
 * start, wrapping at its end (large sequential streams: --seq --bs 1024).
 * Every 4 KiB block written is self-identifying: a header (magic, byte
 * offset, generation) and a fill derived from (offset, generation).  Each
 * thread logs to LOGDIR/log.R.t, a file on the lab's 9p share that
 * survives a power cut of the guest:
 *
 *   intent OFF LEN GEN     written (and fsync'd) before the write is issued
 *   ack OFF LEN GEN        written (and fsync'd) once the write is durable
 *
 * Two ways to make writes durable, chosen at random per batch: one write
 * through an O_DSYNC descriptor (REQ_FUA), or a batch of 1..6 plain writes
 * followed by fdatasync (REQ_PREFLUSH).  A generation is
 * (R << 40 | t << 32 | k), so it grows across rounds.
 *
 * verify: reads every log (torn last lines are ignored) and the region of
 * DEV.  For each 4 KiB block the newest acknowledged generation must be
 * there, or a newer one whose intent was logged (in flight at the cut);
 * a block never acknowledged may also hold zeros.  Anything else --
 * older acknowledged data, zeros, garbage -- is a loss.  Prints
 *   verified B blocks, acknowledged A bytes, in-flight newer F, losses L
 * and exits 0 only when L is 0 (1 on losses, 2 on errors).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLK 4096u
#define MAX_LEN (256u * 1024)	/* largest random write */
#define MAX_BS (1024u * 1024)	/* largest --bs */
#define MAGIC 0x6a7262644352534bull /* "jrbdCRSK" */

struct hdr {
	uint64_t magic;
	uint64_t off;
	uint64_t gen;
	uint64_t zero;
};

static const char *dev, *logdir;
static unsigned round_no, nthreads = 4, seconds;
static uint64_t bs; /* fixed write size in bytes, 0: random 4 KiB..MAX_LEN */
static bool seq;
static uint64_t seed, region = 64ull << 20;

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The content of the 4 KiB block at byte offset OFF in generation GEN. */
static void fill_block(uint8_t *p, uint64_t off, uint64_t gen)
{
	struct hdr h = { MAGIC, off, gen, 0 };
	uint64_t s = off * 0x100000001b3ull ^ gen * 0xff51afd7ed558ccdull;
	size_t i;

	memcpy(p, &h, sizeof(h));
	for (i = sizeof(h); i < BLK; i += 8) {
		uint64_t v = splitmix(&s);

		memcpy(p + i, &v, 8);
	}
}

static void die(const char *what)
{
	fprintf(stderr, "crashload: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Append one line to the log and make it durable before going on. */
static void log_line(int fd, const char *fmt, uint64_t off, uint64_t len, uint64_t gen)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), fmt, off, len, gen);

	if (write(fd, buf, n) != n)
		die("log write");
	if (fsync(fd) < 0)
		die("log fsync");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	uint64_t slice = region / nthreads / BLK * BLK, base = t * slice;
	uint64_t rs = seed ^ (0x51ed27ull * (t + 1)), k = 0, pos;
	uint64_t gen0 = (uint64_t)round_no << 40 | (uint64_t)t << 32;
	double end = seconds ? now() + seconds : 0;
	int fd, dfd, lfd;
	uint8_t *buf;
	char path[4096];

	pos = splitmix(&rs) % (slice / BLK) * BLK;
	if (posix_memalign((void **)&buf, BLK, MAX_BS))
		die("memalign");
	fd = open(dev, O_WRONLY | O_DIRECT);
	dfd = open(dev, O_WRONLY | O_DIRECT | O_DSYNC);
	if (fd < 0 || dfd < 0)
		die(dev);
	snprintf(path, sizeof(path), "%s/log.%u.%u", logdir, round_no, t);
	lfd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (lfd < 0)
		die(path);
	{
		char h[128];
		int n = snprintf(h, sizeof(h), "# round %u thread %u seed %" PRIu64 "\n",
				 round_no, t, seed);
		if (write(lfd, h, n) != n)
			die("log write");
	}
	while (!end || now() < end) {
		bool fua = splitmix(&rs) & 1;
		unsigned n = fua ? 1 : 1 + splitmix(&rs) % 6, i;
		uint64_t offs[6], lens[6], gens[6];

		for (i = 0; i < n; i++) {
			uint64_t len = bs ? bs : (1 + splitmix(&rs) % (MAX_LEN / BLK)) * BLK;
			uint64_t off, gen = gen0 | ++k, b;

			if (seq) {
				if (pos + len > slice)
					pos = 0;
				off = base + pos;
				pos += len;
			} else {
				off = base + splitmix(&rs) % ((slice - len) / BLK + 1) * BLK;
			}

			for (b = 0; b < len; b += BLK)
				fill_block(buf + b, off + b, gen);
			log_line(lfd, "intent %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", off, len, gen);
			if (pwrite(fua ? dfd : fd, buf, len, off) != (ssize_t)len)
				die("device write");
			offs[i] = off;
			lens[i] = len;
			gens[i] = gen;
		}
		if (!fua && fdatasync(fd) < 0)
			die("fdatasync");
		for (i = 0; i < n; i++)
			log_line(lfd, "ack %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", offs[i], lens[i], gens[i]);
	}
	close(lfd);
	return NULL;
}

static int do_write(void)
{
	pthread_t th[64];
	unsigned t;

	if (!nthreads || nthreads > 64 || region / nthreads < (bs ? bs : MAX_LEN))
		return fprintf(stderr, "crashload: bad --threads/--region\n"), 2;
	if (bs % BLK || bs > MAX_BS)
		return fprintf(stderr, "crashload: --bs must be a multiple of 4 KiB, at most 1024\n"), 2;
	fprintf(stderr, "crashload: round %u seed %" PRIu64 " threads %u region %" PRIu64
		" MiB bs %s%" PRIu64 " KiB%s\n", round_no, seed, nthreads, region >> 20,
		bs ? "" : "4..", (bs ? bs : MAX_LEN) >> 10, seq ? " sequential" : " random");
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, writer, (void *)(uintptr_t)t))
			die("pthread_create");
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	return 0;
}

/* ---- verify ---- */

struct intent {
	uint64_t gen, off, len;
};

static struct intent *intents;
static size_t nintents, cap_intents;
static uint64_t *acked; /* newest acknowledged generation per block */
static uint64_t acked_bytes;

static int cmp_intent(const void *a, const void *b)
{
	const struct intent *x = a, *y = b;

	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

static bool intent_covers(uint64_t gen, uint64_t off)
{
	struct intent key = { gen, 0, 0 }, *i;

	i = bsearch(&key, intents, nintents, sizeof(*i), cmp_intent);
	return i && off >= i->off && off < i->off + i->len;
}

static void read_log(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], kind[16];
	uint64_t off, len, gen, b;

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		/* A line cut short by the power cut has no newline: ignore. */
		if (!strchr(line, '\n') || line[0] == '#')
			continue;
		if (sscanf(line, "%15s %" SCNu64 " %" SCNu64 " %" SCNu64, kind, &off, &len, &gen) != 4)
			continue;
		if (off % BLK || len % BLK || !len || off + len > region) {
			fprintf(stderr, "crashload: %s: bad line: %s", path, line);
			exit(2);
		}
		if (!strcmp(kind, "intent")) {
			if (nintents == cap_intents) {
				cap_intents = cap_intents ? 2 * cap_intents : 4096;
				intents = realloc(intents, cap_intents * sizeof(*intents));
				if (!intents)
					die("realloc");
			}
			intents[nintents++] = (struct intent){ gen, off, len };
		} else if (!strcmp(kind, "ack")) {
			acked_bytes += len;
			for (b = off / BLK; b < (off + len) / BLK; b++)
				if (gen > acked[b])
					acked[b] = gen;
		}
	}
	fclose(f);
}

static int do_verify(void)
{
	uint64_t nblk = region / BLK, b, verified = 0, inflight = 0, losses = 0;
	uint64_t chunk = 1 << 20, pos;
	uint8_t *buf, *want;
	struct dirent *de;
	DIR *d;
	int fd;

	acked = calloc(nblk, sizeof(*acked));
	if (!acked || posix_memalign((void **)&buf, BLK, chunk) ||
	    posix_memalign((void **)&want, BLK, BLK))
		die("alloc");
	d = opendir(logdir);
	if (!d)
		die(logdir);
	while ((de = readdir(d))) {
		char path[4096];

		if (strncmp(de->d_name, "log.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", logdir, de->d_name);
		read_log(path);
	}
	closedir(d);
	qsort(intents, nintents, sizeof(*intents), cmp_intent);

	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		die(dev);
	for (pos = 0; pos < region; pos += chunk) {
		if (pread(fd, buf, chunk, pos) != (ssize_t)chunk)
			die("device read");
		for (b = 0; b < chunk / BLK; b++) {
			uint64_t off = pos + b * BLK, a = acked[off / BLK], g = 0;
			const uint8_t *p = buf + b * BLK;
			struct hdr h;
			const char *what = NULL;

			memcpy(&h, p, sizeof(h));
			if (h.magic == MAGIC && h.off == off) {
				fill_block(want, off, h.gen);
				g = memcmp(want, p, BLK) ? UINT64_MAX : h.gen;
			} else {
				size_t i;

				for (i = 0; i < BLK && !p[i]; i++)
					;
				g = i == BLK ? 0 : UINT64_MAX;
			}
			if (a)
				verified++;
			if (g == UINT64_MAX)
				what = "garbage (neither a whole generation nor zeros)";
			else if (g == a)
				continue;
			else if (g == 0)
				what = "zeros where data was acknowledged";
			else if (g > a && intent_covers(g, off))
				inflight++;
			else if (g < a)
				what = "an older generation than the acknowledged one";
			else
				what = "a generation that was never written here";
			if (what) {
				if (losses < 20)
					fprintf(stderr, "LOSS at offset %" PRIu64 ": acked gen 0x%" PRIx64
						", found gen 0x%" PRIx64 ": %s\n",
						off, a, g == UINT64_MAX ? h.gen : g, what);
				losses++;
			}
		}
	}
	close(fd);
	printf("verified %" PRIu64 " blocks, acknowledged %" PRIu64 " bytes, in-flight newer %" PRIu64
	       ", losses %" PRIu64 "\n", verified, acked_bytes, inflight, losses);
	return losses ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 4) {
usage:
		fprintf(stderr, "usage: jrbd-crashload write DEV LOGDIR --round R [--seed S] [--threads N] "
				"[--region MIB] [--seconds T] [--bs KIB] [--seq]\n"
				"       jrbd-crashload verify DEV LOGDIR [--region MIB]\n");
		return 2;
	}
	dev = argv[2];
	logdir = argv[3];
	seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--seq")) {
			seq = true;
			continue;
		}
		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(argv[i], "--bs"))
			bs = strtoull(argv[++i], NULL, 0) << 10;
		else if (!strcmp(argv[i], "--round"))
			round_no = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--region"))
			region = strtoull(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[++i], NULL, 0);
		else
			goto usage;
	}
	if (!strcmp(argv[1], "write"))
		return do_write();
	if (!strcmp(argv[1], "verify"))
		return do_verify();
	goto usage;
}
