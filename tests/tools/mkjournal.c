// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd-mkjournal: append entries to the journal of a formatted image, with
 * the format library's writer, for tests of `jrbdctl dump` and `check`
 * until the kernel writer exists.  Test tool only: never installed.
 *
 *   jrbd-mkjournal [--no-pad] [-q] IMAGE ITEM...
 *
 * It finds the end of the log with the library's scanner (from the
 * superblock tail), appends there and writes back the journal blocks it
 * touched (whole 32 KiB blocks read from the image first, so whatever lies
 * after the new end -- zeros, a stale lap -- stays as it was).  It does
 * not touch the superblocks unless told to (checkpoint).  ITEMs, in order:
 *
 *   write:LBA[:N]        WRITE of N (default 1) 4 KiB blocks at LBA
 *   writes:COUNT[:N]     COUNT WRITEs of N blocks at LBA 0, N, 2N, ...
 *   discard:LBA:N        DISCARD
 *   zeroes:LBA:N         WRITE_ZEROES
 *   newterm              term + 1, then a NEW_TERM entry
 *   term:T               term of the following entries
 *   commit:C|auto        commit_index of the following entries (auto:
 *                        index - 1, the default; C is capped at index - 1)
 *   flags:fua|preflush|fua,preflush|none   flags of the following entries
 *   mark:LABEL           MARK with this label (bytes as given)
 *   members:ID@ADDR:PORT[,...]   MEMBERSHIP; ADDR IPv4 or [IPv6];
 *                        ID prefixed with '~' is a non-voter
 *   pad                  close the current journal sector (end of a batch)
 *   checkpoint           pad, then move the superblock tail to the end of
 *                        the log (writes the next superblock generation),
 *                        as the checkpointer would once all is home
 *
 * Each entry is printed as "entry I term T KIND at seq S +OFF (device 0xD)"
 * and finally "end seq S +OFF (device 0xD)".  By default the batch is
 * closed with a PAD (rule W2); --no-pad leaves the end mid-sector.
 * Exit 0 ok, 1 failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jrbd_disk.h"
#include "jrbd_util.h"
#include "libjrbd.h"

struct mk {
	struct jrbd_disk	*d;
	struct jrbd_sb		sb;
	struct jrbd_writer	w;
	u8			*cur;		/* buffer of block w.seq */
	u64			term;
	bool			commit_auto;
	u64			commit;
	u16			flags;
	bool			quiet;
	u8			*payload;
};

static const char *kind_name(u8 k)
{
	static const char *const n[] = { "?", "WRITE", "DISCARD", "WRITE_ZEROES",
					 "NEW_TERM", "MEMBERSHIP", "MARK" };
	return k <= JRBD_ENTRY_KIND_MAX ? n[k] : "?";
}

static u64 dev_off(const struct mk *m, struct jrbd_jpos p)
{
	return jrbd_jpos_dev_offset(m->sb.journal_offset, m->sb.journal_blocks, p);
}

static int die(const char *what, int r)
{
	fprintf(stderr, "jrbd-mkjournal: %s: %s\n", what, strerror(-r));
	return r;
}

/* Find the end of the log and set up the writer there. */
static int open_log(struct mk *m, const char *path)
{
	u8 *a = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE), *b = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	struct jrbd_scan_params p;
	struct jrbd_scan s;
	struct jrbd_jpos end;
	int r;

	if (!a || !b) {
		r = -ENOMEM;
		goto out;
	}
	r = jrbd_disk_open(path, JRBD_DISK_RW, &m->d);
	if (r < 0) {
		die(path, r);
		goto out;
	}
	r = jrbd_disk_read_slots(m->d, a, b);
	if (r == 0)
		r = jrbd_super_pick(a, b, m->d->size, &m->sb, NULL);
	if (r < 0) {
		die("no valid superblock", r);
		goto out;
	}
	m->cur = jrbd_disk_alloc(JRBD_JBLOCK_SIZE);
	if (!m->cur) {
		r = -ENOMEM;
		goto out;
	}
	jrbd_scan_params_from_sb(&p, &m->sb);
	jrbd_scan_init(&s, &p, NULL, NULL);
	do {
		r = jrbd_disk_read_jblock(m->d, &m->sb, s.seq, m->cur);
		if (r < 0) {
			die("reading the journal", r);
			goto out;
		}
		r = jrbd_scan_block(&s, m->cur);
	} while (r == 0);
	if (r < 0 || !jrbd_scan_reason_is_end(s.stop.reason)) {
		fprintf(stderr, "jrbd-mkjournal: the log ends in corruption (%s at "
			"device 0x%llx): refusing to append\n",
			jrbd_scan_reason_name(s.stop.reason),
			(unsigned long long)s.stop.dev_offset);
		r = -EUCLEAN;
		goto out;
	}
	end = jrbd_record_start(s.end);
	r = jrbd_disk_read_jblock(m->d, &m->sb, end.seq, m->cur);
	if (r < 0) {
		die("reading the journal", r);
		goto out;
	}
	jrbd_wr_init(&m->w, p.seed, end, m->cur, s.next_index, s.last_term, s.chain);
	m->w.jsector = p.jsector;
	m->w.aligned = p.aligned;
	m->term = s.last_term ? s.last_term : 1;
	if (m->term < m->sb.current_term)
		m->term = m->sb.current_term;
out:
	free(a);
	free(b);
	return r;
}

static int append(struct mk *m, struct jrbd_entry *e, const void *payload)
{
	void *bufs[JRBD_MAX_RECORD / JRBD_FRAG_MAX_LEN + 3] = { 0 };
	u64 seq0 = m->w.seq;
	u32 need, i;
	int used = 0, r = 0;

	e->term = m->term;
	e->flags = m->flags;
	e->commit_index = m->w.next_index - 1;
	if (!m->commit_auto && m->commit < e->commit_index)
		e->commit_index = m->commit;
	need = jrbd_wr_blocks_needed(&m->w, e->payload_len);
	if (m->w.seq + need - m->sb.tail_seq >= m->sb.journal_blocks) {
		fprintf(stderr, "jrbd-mkjournal: journal full: entry %llu would reach "
			"the tail block (seq %llu); add a checkpoint\n",
			(unsigned long long)m->w.next_index,
			(unsigned long long)m->sb.tail_seq);
		return -ENOSPC;
	}
	for (i = 0; i < need; i++) {
		bufs[i] = jrbd_disk_alloc(JRBD_JBLOCK_SIZE);
		if (!bufs[i]) {
			r = -ENOMEM;
			goto out;
		}
		r = jrbd_disk_read_jblock(m->d, &m->sb, seq0 + 1 + i, bufs[i]);
		if (r < 0)
			goto out;
	}
	used = jrbd_wr_append(&m->w, e, payload, m->sb.data_blocks, bufs, need);
	if (used < 0) {
		fprintf(stderr, "jrbd-mkjournal: entry %llu rejected by the writer: %s\n",
			(unsigned long long)m->w.next_index, strerror(-used));
		r = used;
		goto out;
	}
	r = jrbd_disk_write_jblock(m->d, &m->sb, seq0, m->cur);
	for (i = 0; r == 0 && i < (u32)used; i++)
		r = jrbd_disk_write_jblock(m->d, &m->sb, seq0 + 1 + i, bufs[i]);
	if (r < 0)
		goto out;
	if (used) {
		free(m->cur);
		m->cur = bufs[used - 1];
		bufs[used - 1] = NULL;
	}
	if (!m->quiet)
		printf("entry %llu term %llu %s at seq %llu +0x%x (device 0x%llx)\n",
		       (unsigned long long)e->index, (unsigned long long)e->term,
		       kind_name(e->kind), (unsigned long long)m->w.rec_start.seq,
		       m->w.rec_start.off,
		       (unsigned long long)dev_off(m, m->w.rec_start));
out:
	for (i = 0; i < need; i++)
		free(bufs[i]);
	if (r < 0 && r != -ENOSPC && used >= 0)
		die("writing the journal", r);
	return r;
}

/* Close the current sector; the block is written back. */
static int pad(struct mk *m)
{
	int r = jrbd_wr_pad(&m->w);

	if (r == 0)
		r = jrbd_disk_write_jblock(m->d, &m->sb, m->w.seq, m->cur);
	return r;
}

static int checkpoint(struct mk *m)
{
	u8 *slot = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	struct jrbd_jpos t = { .seq = m->w.seq, .off = m->w.off };
	struct jrbd_err err;
	int r;

	if (!slot)
		return -ENOMEM;
	r = pad(m);
	if (r == 0)
		r = jrbd_disk_sync(m->d);
	if (r < 0)
		goto out;
	t.off = m->w.off;
	t = jrbd_record_start(t);
	m->sb.generation++;
	m->sb.tail_seq = t.seq;
	m->sb.tail_off = t.off;
	m->sb.tail_index = m->w.next_index;
	m->sb.tail_term = m->w.last_term;
	m->sb.tail_chain = m->w.chain;
	if (m->sb.current_term < m->w.last_term)
		m->sb.current_term = m->w.last_term;
	m->sb.update_time = (u64)time(NULL);
	r = jrbd_super_encode(&m->sb, slot, &err);
	if (r < 0) {
		fprintf(stderr, "jrbd-mkjournal: superblock: %s: %s\n",
			err.field ? err.field : "?", err.msg);
		goto out;
	}
	r = jrbd_disk_write(m->d, slot, JRBD_SB_SLOT_SIZE,
			    jrbd_super_slot_offset(m->sb.generation));
	if (r == 0)
		r = jrbd_disk_sync(m->d);
	if (r == 0 && !m->quiet)
		printf("checkpoint: tail seq %llu +0x%x index %llu, superblock "
		       "generation %llu\n", (unsigned long long)t.seq, t.off,
		       (unsigned long long)m->sb.tail_index,
		       (unsigned long long)m->sb.generation);
out:
	free(slot);
	return r;
}

static int parse_u(const char *s, u64 *v)
{
	return jrbd_parse_u64(s, v);
}

static int parse_members(const char *spec, u8 *buf, u32 *len)
{
	char *dup = strdup(spec), *save = NULL, *tok, *at, *port, *host;
	u8 addr[16];
	u64 id, pt;
	u32 n = 0;
	bool voter;
	int r = -EINVAL;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		voter = tok[0] != '~';
		if (!voter)
			tok++;
		at = strchr(tok, '@');
		port = strrchr(tok, ':');
		if (!at || !port || port < at || n >= JRBD_MAX_MEMBERS)
			goto out;
		*at = 0;
		*port = 0;
		host = at + 1;
		if (parse_u(tok, &id) < 0 || parse_u(port + 1, &pt) < 0 || pt > 0xffff)
			goto out;
		memset(addr, 0, 16);
		if (host[0] == '[') {
			host++;
			if (host[strlen(host) - 1] == ']')
				host[strlen(host) - 1] = 0;
			if (inet_pton(AF_INET6, host, addr) != 1)
				goto out;
		} else {
			addr[10] = addr[11] = 0xff;
			if (inet_pton(AF_INET, host, addr + 12) != 1)
				goto out;
		}
		jrbd_member_encode(buf + n * sizeof(struct jrbd_member), (u32)id,
				   voter ? JRBD_MEMBER_F_VOTER : 0, (u16)pt, addr);
		n++;
	}
	*len = n * sizeof(struct jrbd_member);
	r = n ? 0 : -EINVAL;
out:
	free(dup);
	return r;
}

/* Deterministic content: a header naming index and lba, then a pattern. */
static void fill_blocks(u8 *p, u64 index, u64 lba, u32 nr)
{
	u32 i, k;

	for (i = 0; i < nr; i++) {
		u8 *b = p + (size_t)i * JRBD_BLOCK_SIZE;

		for (k = 0; k < JRBD_BLOCK_SIZE; k++)
			b[k] = (u8)(index * 31 + (lba + i) * 7 + k);
		snprintf((char *)b, 48, "jrbd entry %llu lba %llu",
			 (unsigned long long)index, (unsigned long long)(lba + i));
	}
}

static int item(struct mk *m, const char *arg)
{
	char *s = strdup(arg), *a1 = NULL, *a2 = NULL, *colon;
	struct jrbd_entry e;
	u64 v1 = 0, v2 = 1, i;
	int r = -EINVAL;

	if (!s)
		return -ENOMEM;
	colon = strchr(s, ':');
	if (colon) {
		*colon = 0;
		a1 = colon + 1;
		if (strcmp(s, "mark") && strcmp(s, "members")) {
			colon = strchr(a1, ':');
			if (colon) {
				*colon = 0;
				a2 = colon + 1;
			}
		}
	}
	memset(&e, 0, sizeof(e));
	if (!strcmp(s, "write") || !strcmp(s, "writes")) {
		if (!a1 || parse_u(a1, &v1) < 0 || (a2 && parse_u(a2, &v2) < 0) ||
		    !v2 || v2 > JRBD_MAX_ENTRY_BLOCKS)
			goto bad;
		for (i = 0; i < (!strcmp(s, "writes") ? v1 : 1); i++) {
			e.kind = JRBD_ENTRY_WRITE;
			e.nr_blocks = (u32)v2;
			e.lba = !strcmp(s, "writes") ? (i * v2) % (m->sb.data_blocks - v2 + 1) : v1;
			e.payload_len = (u32)v2 * JRBD_BLOCK_SIZE;
			fill_blocks(m->payload, m->w.next_index, e.lba, (u32)v2);
			r = append(m, &e, m->payload);
			if (r < 0)
				goto out;
			memset(&e, 0, sizeof(e));
		}
		r = 0;
	} else if (!strcmp(s, "discard") || !strcmp(s, "zeroes")) {
		if (!a1 || !a2 || parse_u(a1, &v1) < 0 || parse_u(a2, &v2) < 0)
			goto bad;
		e.kind = !strcmp(s, "discard") ? JRBD_ENTRY_DISCARD : JRBD_ENTRY_WRITE_ZEROES;
		e.lba = v1;
		e.nr_blocks = (u32)v2;
		r = append(m, &e, NULL);
	} else if (!strcmp(s, "newterm") && !a1) {
		m->term++;
		e.kind = JRBD_ENTRY_NEW_TERM;
		r = append(m, &e, NULL);
	} else if (!strcmp(s, "term") && a1 && !a2) {
		if (parse_u(a1, &m->term) < 0)
			goto bad;
		r = 0;
	} else if (!strcmp(s, "commit") && a1 && !a2) {
		m->commit_auto = !strcmp(a1, "auto");
		if (!m->commit_auto && parse_u(a1, &m->commit) < 0)
			goto bad;
		r = 0;
	} else if (!strcmp(s, "flags") && a1 && !a2) {
		m->flags = 0;
		if (strstr(a1, "fua"))
			m->flags |= JRBD_ENTRY_F_FUA;
		if (strstr(a1, "preflush"))
			m->flags |= JRBD_ENTRY_F_PREFLUSH;
		r = 0;
	} else if (!strcmp(s, "mark") && a1) {
		e.kind = JRBD_ENTRY_MARK;
		e.payload_len = (u32)strlen(a1);
		r = append(m, &e, a1);
	} else if (!strcmp(s, "members") && a1) {
		if (parse_members(a1, m->payload, &e.payload_len) < 0)
			goto bad;
		e.kind = JRBD_ENTRY_MEMBERSHIP;
		r = append(m, &e, m->payload);
	} else if (!strcmp(s, "pad") && !a1) {
		r = pad(m);
	} else if (!strcmp(s, "checkpoint") && !a1) {
		r = checkpoint(m);
	} else {
		goto bad;
	}
	goto out;
bad:
	fprintf(stderr, "jrbd-mkjournal: bad item '%s'\n", arg);
	r = -EINVAL;
out:
	free(s);
	return r;
}

int main(int argc, char **argv)
{
	struct mk m = { .commit_auto = true };
	bool no_pad = false;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--no-pad"))
			no_pad = true;
		else if (!strcmp(argv[i], "-q"))
			m.quiet = true;
		else
			break;
	}
	if (i >= argc || argv[i][0] == '-') {
		fprintf(stderr, "usage: jrbd-mkjournal [--no-pad] [-q] IMAGE ITEM...\n"
			"(see tests/tools/mkjournal.c for the items)\n");
		return 2;
	}
	m.payload = malloc(JRBD_MAX_PAYLOAD);
	if (!m.payload)
		return 1;
	r = open_log(&m, argv[i]);
	for (i++; r == 0 && i < argc; i++)
		r = item(&m, argv[i]);
	if (r == 0 && !no_pad)
		r = pad(&m);
	else if (r == 0)
		r = jrbd_disk_write_jblock(m.d, &m.sb, m.w.seq, m.cur);
	if (r == 0)
		r = jrbd_disk_sync(m.d);
	if (r == 0 && !m.quiet) {
		struct jrbd_jpos e = { .seq = m.w.seq, .off = m.w.off };

		e = jrbd_record_start(e);
		printf("end seq %llu +0x%x (device 0x%llx)\n", (unsigned long long)e.seq,
		       e.off, (unsigned long long)dev_off(&m, e));
	}
	jrbd_disk_close(m.d);
	free(m.cur);
	free(m.payload);
	return r == -EINVAL ? 2 : r < 0 ? 1 : 0;
}
