// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl check DEV|FILE: validate a backing device, fsck style.
 *
 * Checks both superblocks (each bad field with its byte offset), the
 * geometry against the device, the journal from the tail to the end of
 * the log through the library's scanner (fragment CRCs, framing, index,
 * term, chain, payload CRCs), the probe after the end of the log (torn
 * tail vs. a committed entry lost), and what the scanner leaves to the
 * tools: MARK labels (UTF-8, no NUL) and MEMBERSHIP records.
 *
 * Exit status (fsck's): 0 clean, 4 problems found, 8 operational error.
 * A device where neither superblock slot carries the jrbd magic is "not
 * a jrbd device" (8, like e2fsck on a device without an ext superblock);
 * a jrbd device whose superblocks are both damaged is a problem (4).
 * A torn tail is the normal end of a log after a crash: reported as a
 * note, exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "jrbd_util.h"
#include "jlog.h"
#include "jrbdctl.h"

struct check {
	const char	*path;
	bool		json;
	struct jlog	*l;
	unsigned int	problems;
	json_object	*root, *jproblems, *jnotes;
};

static void problem(struct check *c, u64 dev_offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct check *c, u64 dev_offset, const char *fmt, ...)
{
	char msg[1024];
	json_object *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->problems++;
	if (c->json) {
		o = json_object_new_object();
		json_object_object_add(o, "device_offset", jlog_u64(dev_offset));
		json_object_object_add(o, "message", json_object_new_string(msg));
		json_object_array_add(c->jproblems, o);
	} else {
		printf("PROBLEM @0x%llx: %s\n", (unsigned long long)dev_offset, msg);
	}
}

static void info(struct check *c, bool note, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void info(struct check *c, bool note, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->json) {
		if (note)
			json_object_array_add(c->jnotes, json_object_new_string(msg));
	} else {
		printf("%s%s\n", note ? "note: " : "", msg);
	}
}

static const char *sname(int i)
{
	return i ? "B" : "A";
}

static u64 soff(int i)
{
	return i ? JRBD_SB_B_OFFSET : JRBD_SB_A_OFFSET;
}

static u64 gen_of(const struct jlog *l, int i)
{
	u64 g;

	memcpy(&g, l->slot[i] + offsetof(struct jrbd_super, generation), 8);
	return le64_to_cpu(g);
}

static void appendf(char *msg, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void appendf(char *msg, size_t n, const char *fmt, ...)
{
	size_t len = strlen(msg);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + len, n - len, fmt, ap);
	va_end(ap);
}

/*
 * A slot that fails its CRC: say which fields look wrong.  Fields that must
 * be equal in both slots and differ from the valid one (good, or -1), and
 * the first field check that fails once the CRC is set aside.  Appended to
 * msg.
 */
static void hint(const struct jlog *l, int bad, int good, char *msg, size_t n)
{
	const struct jlog_sb_field *f;
	struct jrbd_sb tmp;
	struct jrbd_err err;
	char e[300];
	u8 *copy;
	u32 crc;
	int i, r, nd = 0;

	if (l->pick.rc[bad] != -EBADMSG || !l->magic[bad])
		return;
	for (i = 0; good >= 0 && i < JLOG_SB_NFIELDS; i++) {
		f = &jlog_sb_fields[i];
		if (f->may_differ ||
		    !memcmp(l->slot[bad] + f->off, l->slot[good] + f->off, f->size))
			continue;
		if (!nd++)
			appendf(msg, n, "; differs from superblock %s in", sname(good));
		appendf(msg, n, "%s %s @0x%llx", nd > 1 ? "," : "", f->name,
			(unsigned long long)(soff(bad) + f->off));
	}
	copy = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	if (!copy)
		return;
	memcpy(copy, l->slot[bad], JRBD_SB_SLOT_SIZE);
	crc = cpu_to_le32(jrbd_crc32c_std(copy, offsetof(struct jrbd_super, crc)));
	memcpy(copy + offsetof(struct jrbd_super, crc), &crc, 4);
	r = jrbd_super_decode(copy, soff(bad), l->disk->size, &tmp, &err);
	if (r < 0) {
		jlog_err_str(r, &err, e, sizeof(e));
		appendf(msg, n, "; with the checksum set aside: %s", e);
	}
	free(copy);
}

/* Returns 0 to go on with the journal, 1 to stop (no superblock). */
static int check_supers(struct check *c)
{
	struct jlog *l = c->l;
	char e[2][1024];
	int i, ch = l->pick.chosen;
	json_object *arr, *s;

	for (i = 0; i < 2; i++)
		jlog_err_str(l->pick.rc[i], &l->pick.err[i], e[i], sizeof(e[i]));
	if (c->json) {
		arr = json_object_new_array();
		for (i = 0; i < 2; i++) {
			s = json_object_new_object();
			json_object_object_add(s, "slot", json_object_new_string(sname(i)));
			json_object_object_add(s, "offset", jlog_u64(soff(i)));
			json_object_object_add(s, "status", json_object_new_string(
				!l->pick.rc[i] ? "valid" :
				l->pick.rc[i] == -ENOENT ? "empty" : "invalid"));
			json_object_object_add(s, "generation",
				!l->pick.rc[i] ? jlog_u64(gen_of(l, i)) : NULL);
			json_object_object_add(s, "error", l->pick.rc[i] ?
				jlog_err_json(l->pick.rc[i], &l->pick.err[i]) : NULL);
			json_object_array_add(arr, s);
		}
		json_object_object_add(c->root, "superblocks", arr);
		json_object_object_add(c->root, "chosen",
			ch < 0 ? NULL : json_object_new_string(sname(ch)));
	}
	if (ch < 0) {
		hint(l, 0, -1, e[0], sizeof(e[0]));
		hint(l, 1, -1, e[1], sizeof(e[1]));
		problem(c, JRBD_SB_A_OFFSET, "no valid superblock: superblock A @0x0: %s; "
			"superblock B @0x1000: %s", e[0], e[1]);
		return 1;
	}
	for (i = 0; i < 2; i++)
		if (!l->pick.rc[i])
			info(c, false, "superblock %s @0x%llx: ok, generation %llu",
			     sname(i), (unsigned long long)soff(i),
			     (unsigned long long)gen_of(l, i));
	if (l->pick.rc[!ch]) {
		hint(l, !ch, ch, e[!ch], sizeof(e[!ch]));
		problem(c, l->pick.err[!ch].dev_offset,
			"superblock %s @0x%llx: %s; using superblock %s @0x%llx "
			"(generation %llu)", sname(!ch), (unsigned long long)soff(!ch),
			e[!ch], sname(ch), (unsigned long long)soff(ch),
			(unsigned long long)l->sb.generation);
	}
	else
		info(c, false, "using superblock %s @0x%llx (generation %llu, the newer)",
		     sname(ch), (unsigned long long)soff(ch),
		     (unsigned long long)l->sb.generation);
	if (!l->pick.rc[!ch] && l->sb.generation - gen_of(l, !ch) != 1)
		problem(c, soff(!ch) + offsetof(struct jrbd_super, generation),
			"superblock generations A %llu and B %llu are not consecutive: "
			"an update was lost", (unsigned long long)gen_of(l, 0),
			(unsigned long long)gen_of(l, 1));
	if (l->pick.diverged)
		problem(c, soff(!ch), "superblocks A and B are both valid but disagree "
			"on identity or geometry (uuids, sizes, offsets)");
	if (l->sb.read_only)
		info(c, true, "unknown read-only-compatible features 0x%x: the device "
		     "would be used read-only", l->sb.feature_ro_compat);
	return 0;
}

static void check_geometry(struct check *c)
{
	struct jlog *l = c->l;
	const struct jrbd_sb *sb = &l->sb;
	char s1[32], s2[32];

	/* jrbd_super_decode() already held backing_size against the device
	 * size and every offset against backing_size. */
	info(c, false, "geometry: ok: uses %s of the %s device; journal %llu x 32 KiB "
	     "at 0x%llx; data area %llu x 4 KiB at 0x%llx",
	     jrbd_size_str(sb->backing_size, s1), jrbd_size_str(l->disk->size, s2),
	     (unsigned long long)sb->journal_blocks,
	     (unsigned long long)sb->journal_offset,
	     (unsigned long long)sb->data_blocks, (unsigned long long)sb->data_offset);
	if (sb->backing_size < l->disk->size)
		info(c, true, "the last %llu bytes of the device are not used",
		     (unsigned long long)(l->disk->size - sb->backing_size));
}

/* What the scanner leaves to the tools: payload contents. */
static void check_entry(struct check *c, const struct jlog_ent *x)
{
	struct jlog *l = c->l;
	const struct jrbd_entry *e = &x->e;
	u32 ids[JRBD_MAX_MEMBERS], i, j, n, id, voters = 0;
	u16 fl, port;
	u8 addr[16];
	size_t bad;

	if (e->kind == JRBD_ENTRY_MARK) {
		for (i = 0; i < x->kept; i++)
			if (!x->payload[i])
				break;
		if (i < x->kept)
			problem(c, jlog_rec_dev_offset(l, x->start, JRBD_ENTRY_HDR_SIZE + i),
				"entry %llu (MARK): label contains a NUL byte at %u",
				(unsigned long long)e->index, i);
		else if (!jrbd_utf8_valid(x->payload, x->kept, &bad))
			problem(c, jlog_rec_dev_offset(l, x->start,
						       JRBD_ENTRY_HDR_SIZE + (u32)bad),
				"entry %llu (MARK): label is not valid UTF-8 (byte %zu)",
				(unsigned long long)e->index, bad);
	}
	if (e->kind == JRBD_ENTRY_MEMBERSHIP) {
		n = x->kept / sizeof(struct jrbd_member);
		for (i = 0; i < n; i++) {
			u32 off = JRBD_ENTRY_HDR_SIZE + i * (u32)sizeof(struct jrbd_member);

			ids[i] = 0;
			if (jrbd_member_decode(x->payload + i * sizeof(struct jrbd_member),
					       &id, &fl, &port, addr) < 0) {
				problem(c, jlog_rec_dev_offset(l, x->start, off),
					"entry %llu (MEMBERSHIP): member record %u is invalid "
					"(node id 0/0xffffffff, unknown flags or reserved bytes set)",
					(unsigned long long)e->index, i);
				continue;
			}
			for (j = 0; j < i; j++)
				if (ids[j] == id)
					problem(c, jlog_rec_dev_offset(l, x->start, off),
						"entry %llu (MEMBERSHIP): node %u listed twice",
						(unsigned long long)e->index, id);
			ids[i] = id;
			voters += !!(fl & JRBD_MEMBER_F_VOTER);
		}
		if (!voters)
			problem(c, jlog_pos_dev_offset(l, x->start),
				"entry %llu (MEMBERSHIP): no voting member",
				(unsigned long long)e->index);
	}
}

static int check_journal(struct check *c)
{
	struct jlog *l = c->l;
	const struct jrbd_scan_stop *st = &l->scan.stop;
	struct jrbd_jpos tail = { .seq = l->sb.tail_seq, .off = l->sb.tail_off };
	char extent[96] = "";
	struct jrbd_frag f;
	const char *v;
	json_object *j;
	size_t k;
	int r;

	info(c, false, "journal: tail at seq %llu +0x%x (device 0x%llx), next index "
	     "%llu, term %llu", (unsigned long long)tail.seq, tail.off,
	     (unsigned long long)jlog_pos_dev_offset(l, tail),
	     (unsigned long long)l->sb.tail_index, (unsigned long long)l->sb.tail_term);
	jlog_scan_begin(l);
	do {
		r = jlog_scan_next(l);
		if (r < 0)
			return r;
		for (k = 0; k < l->nents; k++)
			check_entry(c, &l->ents[k]);
	} while (!r);
	r = jlog_probe(l);
	if (r < 0)
		return r;

	if (l->scan.entries)
		info(c, false, "journal: %llu entr%s (index %llu..%llu, terms %llu..%llu) "
		     "in %llu block%s", (unsigned long long)l->scan.entries,
		     l->scan.entries == 1 ? "y" : "ies",
		     (unsigned long long)l->first_index, (unsigned long long)l->last_index,
		     (unsigned long long)l->min_term, (unsigned long long)l->max_term,
		     (unsigned long long)l->scan.blocks, l->scan.blocks == 1 ? "" : "s");
	else
		info(c, false, "journal: empty");
	v = jlog_verdict(l);
	if (jlog_stop_frag(l, &f) == 0 &&
	    JRBD_FRAG_HDR_SIZE + (u32)f.len <= JRBD_JBLOCK_SIZE - st->at.off)
		snprintf(extent, sizeof(extent), " (%s fragment, bytes 0x%llx..0x%llx)",
			 jlog_frag_type_name(f.type), (unsigned long long)st->dev_offset,
			 (unsigned long long)(st->dev_offset + JRBD_FRAG_HDR_SIZE + f.len - 1));
	if (!strcmp(v, "clean_end")) {
		info(c, false, "end of log: %s at seq %llu +0x%x (device 0x%llx): %s",
		     jrbd_scan_reason_name(st->reason), (unsigned long long)st->at.seq,
		     st->at.off, (unsigned long long)st->dev_offset, st->msg);
	} else if (!strcmp(v, "torn_tail")) {
		info(c, true, "torn tail at seq %llu +0x%x (device 0x%llx): %s%s; an "
		     "interrupted write at the end of the log, normal after a crash "
		     "(no later entry claims to be committed); recovery ends the log "
		     "before it", (unsigned long long)st->at.seq, st->at.off,
		     (unsigned long long)st->dev_offset, st->msg, extent);
	} else if (!strcmp(v, "corruption_below_commit")) {
		problem(c, st->dev_offset, "journal: %s at seq %llu +0x%x: %s%s, but entry "
			"%llu at seq %llu +0x%x (device 0x%llx) says everything up to "
			"index %llu is committed: committed entries from %llu on are lost "
			"(repair from a peer, do not truncate)",
			jrbd_scan_reason_name(st->reason), (unsigned long long)st->at.seq,
			st->at.off, st->msg, extent, (unsigned long long)l->probe.index,
			(unsigned long long)l->probe.at.seq, l->probe.at.off,
			(unsigned long long)l->probe.dev_offset,
			(unsigned long long)l->probe.commit_index,
			(unsigned long long)st->index);
	} else {
		problem(c, st->dev_offset, "journal: %s at seq %llu +0x%x, entry %llu: %s%s",
			jrbd_scan_reason_name(st->reason), (unsigned long long)st->at.seq,
			st->at.off, (unsigned long long)st->index, st->msg, extent);
	}
	if (c->json) {
		j = json_object_new_object();
		json_object_object_add(j, "entries", jlog_u64(l->scan.entries));
		json_object_object_add(j, "first_index", l->scan.entries ? jlog_u64(l->first_index) : NULL);
		json_object_object_add(j, "last_index", l->scan.entries ? jlog_u64(l->last_index) : NULL);
		json_object_object_add(j, "blocks", jlog_u64(l->scan.blocks));
		json_object_object_add(j, "stop_reason", json_object_new_string(
			jrbd_scan_reason_name(st->reason)));
		json_object_object_add(j, "stop_message", json_object_new_string(st->msg ? st->msg : ""));
		json_object_object_add(j, "stop_seq", jlog_u64(st->at.seq));
		json_object_object_add(j, "stop_off", jlog_u64(st->at.off));
		json_object_object_add(j, "stop_device_offset", jlog_u64(st->dev_offset));
		json_object_object_add(j, "verdict", json_object_new_string(v));
		json_object_object_add(c->root, "journal", j);
	}
	return 0;
}

int cmd_check(const struct jrbdctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct check c = { 0 };
	const char *status;
	int opt, r, rc;

	c.json = o->json;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (opt == 'j') {
			c.json = true;
			continue;
		}
		jrbdctl_bad_option(opt, argv);
		return jrbdctl_usage_verb();
	}
	if (jrbdctl_one_operand(argc, argv, &c.path) < 0)
		return jrbdctl_usage_verb();

	r = jlog_open(c.path, &c.l);
	if (r < 0) {
		jrbdctl_err("cannot read %s: %s", c.path, strerror(-r));
		return JRBDCTL_EXIT_ERROR;
	}
	if (c.json) {
		c.root = json_object_new_object();
		c.jproblems = json_object_new_array();
		c.jnotes = json_object_new_array();
		json_object_object_add(c.root, "device", json_object_new_string(c.path));
		json_object_object_add(c.root, "device_size", jlog_u64(c.l->disk->size));
	} else {
		printf("checking %s (%llu bytes)\n", c.path,
		       (unsigned long long)c.l->disk->size);
	}

	if (!c.l->magic[0] && !c.l->magic[1] && c.l->pick_rc < 0) {
		jrbdctl_err("%s is not a jrbd device: no jrbd magic at 0x0 or 0x1000",
			    c.path);
		r = -EINVAL;
		rc = JRBDCTL_EXIT_ERROR;
		status = "error";
		goto out;
	}
	if (check_supers(&c) == 0) {
		check_geometry(&c);
		r = check_journal(&c);
		if (r < 0) {
			jrbdctl_err("cannot read the journal of %s: %s", c.path, strerror(-r));
			rc = JRBDCTL_EXIT_ERROR;
			status = "error";
			goto out;
		}
	}
	if (c.problems) {
		rc = JRBDCTL_EXIT_PROBLEMS;
		status = "problems";
		if (!c.json)
			printf("%s: %u problem%s found\n", c.path, c.problems,
			       c.problems == 1 ? "" : "s");
	} else {
		rc = JRBDCTL_EXIT_OK;
		status = "clean";
		if (!c.json)
			printf("%s: clean\n", c.path);
	}
out:
	if (c.json) {
		json_object_object_add(c.root, "problems", c.jproblems);
		json_object_object_add(c.root, "notes", c.jnotes);
		json_object_object_add(c.root, "status", json_object_new_string(status));
		json_object_object_add(c.root, "exit_code", json_object_new_int(rc));
		jlog_json_print(c.root);
		json_object_put(c.root);
	}
	jlog_free(c.l);
	return rc;
}
