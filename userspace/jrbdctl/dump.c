// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl dump DEV|FILE: show a backing device the way `debugfs logdump`
 * shows a jbd2 journal -- both superblocks field by field, which one is
 * used and why, the journal tail, then block by block every fragment and
 * every entry the scanner accepted, where and why the log ends, and the
 * probe's verdict on what lies after the end (torn tail or corruption).
 *
 * What is accepted is decided by the library's scanner only; the fragment
 * listing beside it just decodes headers for display.  Past the end of the
 * log (--all) and before the tail (--from below tail_seq) fragments are
 * shown raw and marked as not verified.
 *
 * Exit: 0 shown (whatever the journal's state), 1 no valid superblock or
 * an I/O error, 2 bad arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "jrbd_util.h"
#include "jlog.h"
#include "jrbdctl.h"

struct dump {
	const char	*path;
	u64		from;
	bool		from_set;
	u64		count;		/* blocks to show, 0 = all */
	bool		all;
	bool		json;
	struct jlog	*l;
	json_object	*root, *jblocks;
	u64		shown, hidden;
};

/* ---------------------------------------------------------------------- */
/* Superblocks */

static u64 get_le(const u8 *p, u32 size)
{
	u64 v = 0;
	u32 i;

	for (i = 0; i < size && i < 8; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static void field_str(const u8 *slot, int i, char *buf, size_t n)
{
	const u8 *p = slot + jlog_sb_fields[i].off;
	u64 v = get_le(p, jlog_sb_fields[i].size);
	u32 k, nz = 0, first = 0;
	struct tm tm;
	time_t t;
	char u[37];

	switch (jlog_sb_fields[i].fmt) {
	case JLOG_F_HEX:
		snprintf(buf, n, "0x%llx", (unsigned long long)v);
		break;
	case JLOG_F_DEC:
		snprintf(buf, n, "%llu", (unsigned long long)v);
		break;
	case JLOG_F_NODE:
		if (v == JRBD_NODE_NONE)
			snprintf(buf, n, "none");
		else
			snprintf(buf, n, "%llu", (unsigned long long)v);
		break;
	case JLOG_F_UUID:
		jrbd_uuid_format(p, u);
		snprintf(buf, n, "%s", u);
		break;
	case JLOG_F_TIME:
		t = (time_t)v;
		if (v && gmtime_r(&t, &tm))
			strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
		else
			snprintf(buf, n, "%llu", (unsigned long long)v);
		break;
	case JLOG_F_ZERO:
		for (k = 0; k < jlog_sb_fields[i].size; k++)
			if (p[k] && !nz++)
				first = k;
		if (nz)
			snprintf(buf, n, "%u bytes non-zero, first at 0x%x", nz,
				 jlog_sb_fields[i].off + first);
		else
			snprintf(buf, n, "zero");
		break;
	}
}

static json_object *field_json(const u8 *slot, int i)
{
	const u8 *p = slot + jlog_sb_fields[i].off;
	char buf[64];
	u32 k, nz = 0;

	switch (jlog_sb_fields[i].fmt) {
	case JLOG_F_UUID:
		field_str(slot, i, buf, sizeof(buf));
		return json_object_new_string(buf);
	case JLOG_F_ZERO:
		for (k = 0; k < jlog_sb_fields[i].size; k++)
			nz += p[k] != 0;
		return jlog_u64(nz);
	default:
		return jlog_u64(get_le(p, jlog_sb_fields[i].size));
	}
}

static const char *slot_name(int i)
{
	return i ? "B" : "A";
}

static u64 slot_off(int i)
{
	return i ? JRBD_SB_B_OFFSET : JRBD_SB_A_OFFSET;
}

static void slot_status(const struct jlog *l, int i, char *buf, size_t n)
{
	char e[256];

	if (l->pick.rc[i] == 0) {
		snprintf(buf, n, "valid, generation %llu",
			 (unsigned long long)get_le(l->slot[i] + 0x20, 8));
	} else if (l->pick.rc[i] == -ENOENT) {
		snprintf(buf, n, "empty (all zeros)");
	} else {
		jlog_err_str(l->pick.rc[i], &l->pick.err[i], e, sizeof(e));
		snprintf(buf, n, "INVALID: %s", e);
	}
}

static void choice_reason(const struct jlog *l, char *buf, size_t n)
{
	int c = l->pick.chosen;

	if (c < 0)
		snprintf(buf, n, "no valid superblock: the journal cannot be located");
	else if (l->pick.rc[!c] == 0)
		snprintf(buf, n, "using superblock %s @0x%llx: the newer of two valid "
			 "slots (generations %llu and %llu)%s", slot_name(c),
			 (unsigned long long)slot_off(c),
			 (unsigned long long)get_le(l->slot[c] + 0x20, 8),
			 (unsigned long long)get_le(l->slot[!c] + 0x20, 8),
			 l->pick.diverged ? "; WARNING: the two slots disagree on "
			 "identity or geometry" : "");
	else
		snprintf(buf, n, "using superblock %s @0x%llx: superblock %s is %s",
			 slot_name(c), (unsigned long long)slot_off(c), slot_name(!c),
			 l->pick.rc[!c] == -ENOENT ? "empty" : "invalid");
}

static void dump_supers(struct dump *d)
{
	struct jlog *l = d->l;
	char a[128], b[128], st[400];
	json_object *arr, *s, *f;
	size_t i;
	int k;
	u32 crc;

	if (d->json) {
		arr = json_object_new_array();
		for (k = 0; k < 2; k++) {
			s = json_object_new_object();
			json_object_object_add(s, "slot", json_object_new_string(slot_name(k)));
			json_object_object_add(s, "offset", jlog_u64(slot_off(k)));
			json_object_object_add(s, "status", json_object_new_string(
				l->pick.rc[k] == 0 ? "valid" :
				l->pick.rc[k] == -ENOENT ? "empty" : "invalid"));
			json_object_object_add(s, "error", l->pick.rc[k] ?
				jlog_err_json(l->pick.rc[k], &l->pick.err[k]) : NULL);
			json_object_object_add(s, "crc_computed", jlog_u64(
				jrbd_crc32c_std(l->slot[k], offsetof(struct jrbd_super, crc))));
			f = json_object_new_object();
			for (i = 0; i < JLOG_SB_NFIELDS; i++)
				json_object_object_add(f, jlog_sb_fields[i].name,
						       field_json(l->slot[k], (int)i));
			json_object_object_add(s, "fields", f);
			json_object_array_add(arr, s);
		}
		json_object_object_add(d->root, "superblocks", arr);
		json_object_object_add(d->root, "chosen", l->pick.chosen < 0 ? NULL :
			json_object_new_string(slot_name(l->pick.chosen)));
		choice_reason(l, st, sizeof(st));
		json_object_object_add(d->root, "chosen_reason", json_object_new_string(st));
		json_object_object_add(d->root, "diverged",
				       json_object_new_boolean(l->pick.diverged));
		return;
	}
	printf("superblocks:\n  %-18s %-38s %s\n", "field", "A @0x0", "B @0x1000");
	for (i = 0; i < JLOG_SB_NFIELDS; i++) {
		field_str(l->slot[0], (int)i, a, sizeof(a));
		field_str(l->slot[1], (int)i, b, sizeof(b));
		if (!strcmp(jlog_sb_fields[i].name, "crc")) {
			for (k = 0; k < 2; k++) {
				char *p = k ? b : a;

				crc = jrbd_crc32c_std(l->slot[k],
						      offsetof(struct jrbd_super, crc));
				if (crc == get_le(l->slot[k] + jlog_sb_fields[i].off, 4))
					strcat(p, " ok");
				else
					snprintf(p + strlen(p), 64, " BAD (computed 0x%x)", crc);
			}
		}
		printf("  %-18s %-38s %s\n", jlog_sb_fields[i].name, a, b);
	}
	for (k = 0; k < 2; k++) {
		slot_status(l, k, st, sizeof(st));
		printf("superblock %s @0x%llx: %s\n", slot_name(k),
		       (unsigned long long)slot_off(k), st);
	}
	choice_reason(l, st, sizeof(st));
	printf("%s\n", st);
}

/* ---------------------------------------------------------------------- */
/* Blocks */

static bool in_range(const struct dump *d, u64 seq)
{
	if (seq < d->from)
		return false;
	return !d->count || seq - d->from < d->count;
}

static json_object *block_begin(struct dump *d, u64 seq, const char *section)
{
	struct jlog *l = d->l;
	u64 dev = l->sb.journal_offset + (seq % l->sb.journal_blocks) * JRBD_JBLOCK_SIZE;
	json_object *b;

	d->shown++;
	if (!d->json) {
		printf("\nblock seq %llu (slot %llu, device 0x%llx)%s%s\n",
		       (unsigned long long)seq,
		       (unsigned long long)(seq % l->sb.journal_blocks),
		       (unsigned long long)dev, section[0] ? ": " : "", section);
		return NULL;
	}
	b = json_object_new_object();
	json_object_object_add(b, "seq", jlog_u64(seq));
	json_object_object_add(b, "slot", jlog_u64(seq % l->sb.journal_blocks));
	json_object_object_add(b, "device_offset", jlog_u64(dev));
	json_object_object_add(b, "section", json_object_new_string(
		!strncmp(section, "before", 6) ? "before_tail" :
		section[0] ? "past_end" : "log"));
	json_object_object_add(b, "fragments", json_object_new_array());
	json_object_array_add(d->jblocks, b);
	return b;
}

static void print_entry(struct dump *d, const struct jlog_ent *x, u64 seq,
			bool verified, json_object *jf)
{
	const struct jrbd_entry *e = &x->e;
	char fl[32], lab[1100], addr[64];
	u32 i, id;
	u16 mf, port;
	u8 a[16];

	if (d->json) {
		json_object_object_add(jf, verified ? "entry" : "entry_unverified",
				       jlog_entry_json(d->l, x));
		return;
	}
	printf("        %s %llu term %llu %s", verified ? "entry" : "entry?",
	       (unsigned long long)e->index, (unsigned long long)e->term,
	       jlog_kind_name(e->kind));
	if (e->nr_blocks || e->lba)
		printf(" lba %llu+%u", (unsigned long long)e->lba, e->nr_blocks);
	printf(" flags %s commit %llu payload %u crc 0x%08x chain 0x%08x",
	       jlog_flags_str(e->flags, fl), (unsigned long long)e->commit_index,
	       e->payload_len, e->payload_crc, e->chain_crc);
	if (verified && x->start.seq != seq)
		printf(" (record from seq %llu +0x%x)", (unsigned long long)x->start.seq,
		       x->start.off);
	if (!verified)
		printf(" (not verified)");
	printf("\n");
	if (e->kind == JRBD_ENTRY_MARK && x->kept) {
		jlog_label_str(x->payload, x->kept, lab, sizeof(lab));
		printf("          label \"%s\"\n", lab);
	}
	if (e->kind == JRBD_ENTRY_MEMBERSHIP) {
		for (i = 0; i + sizeof(struct jrbd_member) <= x->kept;
		     i += sizeof(struct jrbd_member)) {
			if (jrbd_member_decode(x->payload + i, &id, &mf, &port, a) < 0) {
				printf("          member #%zu: INVALID record\n",
				       i / sizeof(struct jrbd_member));
				continue;
			}
			jlog_addr_str(a, addr);
			printf("          member node %u %s %s port %u\n", id,
			       mf & JRBD_MEMBER_F_VOTER ? "voter" : "non-voter", addr, port);
		}
	}
}

enum fstat { FS_OK, FS_ZERO, FS_ZERO_REST, FS_LEN, FS_CRC, FS_STALE, FS_WRONG_SEQ };
static const char *const fstat_names[] = {
	"ok", "zero", "zero", "len_past_end", "bad_crc", "stale", "wrong_seq",
};

/*
 * Describe the fragment header at pos of block seq; print/record it.
 * Returns the status; *next is where the next header may start (after the
 * fragment if it verifies, else the next journal sector boundary, where a
 * batch may start).  *jf receives the
 * JSON object of the fragment (NULL in text mode or for zero).
 */
static enum fstat frag_line(struct dump *d, json_object *jb, u64 seq,
			    const u8 *blk, u32 pos, u32 *next, json_object **jf,
			    struct jrbd_frag *fo)
{
	struct jlog *l = d->l;
	struct jrbd_jpos at = { .seq = seq, .off = pos };
	u64 dev = jlog_pos_dev_offset(l, at);
	u32 js = jrbd_sb_jsector(&l->sb);
	u32 boundary = (pos / js + 1) * js, crc = 0, k;
	const u8 *h = blk + pos;
	struct jrbd_frag f;
	enum fstat st;
	json_object *o;
	char note[96] = "";

	*jf = NULL;
	for (k = 0; k < JRBD_FRAG_HDR_SIZE && !h[k]; k++)
		;
	if (k == JRBD_FRAG_HDR_SIZE) {
		for (k = pos; k < JRBD_JBLOCK_SIZE && !blk[k]; k++)
			;
		if (k == JRBD_JBLOCK_SIZE) {
			*next = JRBD_JBLOCK_SIZE;
			st = FS_ZERO_REST;
			if (!d->json)
				printf("  +0x%04x @0x%llx  zero to the end of the block\n",
				       pos, (unsigned long long)dev);
		} else {
			*next = boundary;
			st = FS_ZERO;
			if (!d->json)
				printf("  +0x%04x @0x%llx  zero header\n", pos,
				       (unsigned long long)dev);
		}
		if (d->json) {
			o = json_object_new_object();
			json_object_object_add(o, "offset", jlog_u64(pos));
			json_object_object_add(o, "device_offset", jlog_u64(dev));
			json_object_object_add(o, "status", json_object_new_string(
				st == FS_ZERO_REST ? "zero_to_block_end" : "zero"));
			json_object_array_add(json_object_object_get(jb, "fragments"), o);
		}
		return st;
	}
	jrbd_frag_hdr_decode(h, &f);
	*fo = f;
	if (JRBD_FRAG_HDR_SIZE + (u32)f.len > JRBD_JBLOCK_SIZE - pos) {
		st = FS_LEN;
		snprintf(note, sizeof(note), "BAD: length runs past the block end");
	} else {
		crc = jrbd_frag_crc(l->scan.p.seed, h, f.len);
		if (crc != f.crc) {
			st = FS_CRC;
			snprintf(note, sizeof(note), "BAD (computed 0x%08x)", crc);
		} else if (f.seq != seq && f.seq < seq &&
			   (seq - f.seq) % l->sb.journal_blocks == 0) {
			st = FS_STALE;
			snprintf(note, sizeof(note), "ok, STALE: from an earlier lap "
				 "(expected seq %llu)", (unsigned long long)seq);
		} else if (f.seq != seq) {
			st = FS_WRONG_SEQ;
			snprintf(note, sizeof(note), "ok, WRONG SEQ: does not belong in "
				 "this slot (expected %llu)", (unsigned long long)seq);
		} else {
			st = FS_OK;
			snprintf(note, sizeof(note), "ok");
		}
	}
	*next = (st == FS_OK || st == FS_STALE) ? pos + JRBD_FRAG_HDR_SIZE + f.len : boundary;
	if (*next > JRBD_JBLOCK_SIZE)
		*next = JRBD_JBLOCK_SIZE;
	if (d->json) {
		o = json_object_new_object();
		json_object_object_add(o, "offset", jlog_u64(pos));
		json_object_object_add(o, "device_offset", jlog_u64(dev));
		json_object_object_add(o, "type", json_object_new_string(
			jlog_frag_type_name(f.type)));
		json_object_object_add(o, "type_code", jlog_u64(f.type));
		json_object_object_add(o, "len", jlog_u64(f.len));
		json_object_object_add(o, "flags", jlog_u64(f.flags));
		json_object_object_add(o, "seq", jlog_u64(f.seq));
		json_object_object_add(o, "crc", jlog_u64(f.crc));
		json_object_object_add(o, "crc_computed", st == FS_LEN ? NULL : jlog_u64(crc));
		json_object_object_add(o, "status", json_object_new_string(fstat_names[st]));
		json_object_array_add(json_object_object_get(jb, "fragments"), o);
		*jf = o;
	} else {
		printf("  +0x%04x @0x%llx  %-6s len %-5u seq %llu%s crc 0x%08x %s\n",
		       pos, (unsigned long long)dev, jlog_frag_type_name(f.type), f.len,
		       (unsigned long long)f.seq, f.flags ? " flags 0x??" : "", f.crc, note);
	}
	return st;
}

/* Raw listing of [pos, end of block): nothing here is verified. */
static void raw_block(struct dump *d, json_object *jb, u64 seq, const u8 *blk, u32 pos)
{
	struct jlog_ent x;
	struct jrbd_frag f;
	json_object *jf;
	enum fstat st;
	u32 next, fill;

	while (pos < JRBD_JBLOCK_SIZE) {
		if (JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE < JRBD_FRAG_HDR_SIZE) {
			pos = (pos / JRBD_SECTOR_SIZE + 1) * JRBD_SECTOR_SIZE;
			continue;
		}
		st = frag_line(d, jb, seq, blk, pos, &next, &jf, &f);
		if ((st == FS_OK || st == FS_STALE) &&
		    (f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_FIRST) &&
		    f.len >= JRBD_ENTRY_HDR_SIZE) {
			memset(&x, 0, sizeof(x));
			jrbd_entry_hdr_decode(blk + pos + JRBD_FRAG_HDR_SIZE, &x.e);
			x.start.seq = seq;
			x.start.off = pos;
			/* past the filler of rule A2 on an aligned journal */
			fill = x.e.payload_len ?
			       jrbd_frag_fill(jrbd_sb_aligned(&d->l->sb), true, pos) : 0;
			if ((x.e.kind == JRBD_ENTRY_MARK ||
			     x.e.kind == JRBD_ENTRY_MEMBERSHIP) &&
			    f.len >= JRBD_ENTRY_HDR_SIZE + fill) {
				x.kept = f.len - JRBD_ENTRY_HDR_SIZE - fill;
				if (x.kept > x.e.payload_len)
					x.kept = x.e.payload_len;
				if (x.kept > JLOG_KEEP)
					x.kept = JLOG_KEEP;
				memcpy(x.payload, blk + pos + JRBD_FRAG_HDR_SIZE +
				       JRBD_ENTRY_HDR_SIZE + fill, x.kept);
			}
			print_entry(d, &x, seq, false, jf);
		}
		pos = next;
	}
}

/* The accepted part of a block the scanner consumed: [start, end). */
static void log_block(struct dump *d, json_object *jb, u32 start, u32 end)
{
	struct jlog *l = d->l;
	struct jrbd_frag f;
	json_object *jf;
	size_t k = 0;
	u32 pos = start, next;

	while (pos < end) {
		if (JRBD_SECTOR_SIZE - pos % JRBD_SECTOR_SIZE < JRBD_FRAG_HDR_SIZE) {
			pos = (pos / JRBD_SECTOR_SIZE + 1) * JRBD_SECTOR_SIZE;
			continue;
		}
		if (frag_line(d, jb, l->blk_seq, l->blk, pos, &next, &jf, &f) != FS_OK)
			break;	/* cannot happen before the stop point */
		if ((f.type == JRBD_FRAG_FULL || f.type == JRBD_FRAG_LAST) && k < l->nents)
			print_entry(d, &l->ents[k++], l->blk_seq, true, jf);
		pos = next;
	}
}

static json_object *jpos_json(const struct jlog *l, struct jrbd_jpos p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "seq", jlog_u64(p.seq));
	json_object_object_add(o, "off", jlog_u64(p.off));
	json_object_object_add(o, "device_offset", jlog_u64(jlog_pos_dev_offset(l, p)));
	return o;
}

static void print_geometry(struct dump *d)
{
	struct jlog *l = d->l;
	const struct jrbd_sb *sb = &l->sb;
	struct jrbd_jpos tail = { .seq = sb->tail_seq, .off = sb->tail_off };
	json_object *j, *t;
	char s1[32], s2[32];

	if (d->json) {
		j = json_object_new_object();
		json_object_object_add(j, "offset", jlog_u64(sb->journal_offset));
		json_object_object_add(j, "blocks", jlog_u64(sb->journal_blocks));
		json_object_object_add(j, "block_size", jlog_u64(JRBD_JBLOCK_SIZE));
		json_object_object_add(j, "sector", jlog_u64(jrbd_sb_jsector(sb)));
		json_object_object_add(j, "payload_align",
				       jlog_u64(jrbd_sb_aligned(sb) ? JRBD_PAYLOAD_ALIGN : 0));
		json_object_object_add(j, "data_offset", jlog_u64(sb->data_offset));
		json_object_object_add(j, "data_blocks", jlog_u64(sb->data_blocks));
		t = jpos_json(l, tail);
		json_object_object_add(t, "slot", jlog_u64(tail.seq % sb->journal_blocks));
		json_object_object_add(t, "index", jlog_u64(sb->tail_index));
		json_object_object_add(t, "term", jlog_u64(sb->tail_term));
		json_object_object_add(t, "chain", jlog_u64(sb->tail_chain));
		json_object_object_add(j, "tail", t);
		json_object_object_add(d->root, "journal", j);
		return;
	}
	printf("\njournal: %llu blocks of 32 KiB (%s) at 0x%llx-0x%llx, %u-byte sectors, "
	       "payloads %s; data area: %llu blocks of 4 KiB (%s) at 0x%llx\n",
	       (unsigned long long)sb->journal_blocks,
	       jrbd_size_str(sb->journal_blocks * JRBD_JBLOCK_SIZE, s1),
	       (unsigned long long)sb->journal_offset,
	       (unsigned long long)(sb->journal_offset + sb->journal_blocks * JRBD_JBLOCK_SIZE),
	       jrbd_sb_jsector(sb), jrbd_sb_aligned(sb) ? "512-byte aligned" : "unaligned",
	       (unsigned long long)sb->data_blocks,
	       jrbd_size_str(sb->data_blocks * JRBD_BLOCK_SIZE, s2),
	       (unsigned long long)sb->data_offset);
	printf("tail: seq %llu +0x%x (slot %llu, device 0x%llx): next index %llu, "
	       "term %llu, chain 0x%08x\n", (unsigned long long)tail.seq, tail.off,
	       (unsigned long long)(tail.seq % sb->journal_blocks),
	       (unsigned long long)jlog_pos_dev_offset(l, tail),
	       (unsigned long long)sb->tail_index, (unsigned long long)sb->tail_term,
	       sb->tail_chain);
}

static const char *verdict_text(const struct jlog *l, char *buf, size_t n)
{
	const char *v = jlog_verdict(l);
	const struct jrbd_scan_stop *st = &l->scan.stop;

	if (!strcmp(v, "clean_end"))
		snprintf(buf, n, "clean end of log: no entry after it claims to be "
			 "committed (%llu blocks probed)",
			 (unsigned long long)l->probe_blocks);
	else if (!strcmp(v, "torn_tail"))
		snprintf(buf, n, "torn tail: an interrupted write at the end of the log, "
			 "normal after a crash; no entry after it claims to be committed "
			 "(%llu blocks probed); recovery ends the log here",
			 (unsigned long long)l->probe_blocks);
	else if (!strcmp(v, "corruption_below_commit"))
		snprintf(buf, n, "CORRUPTION below the commit point: entry %llu at seq "
			 "%llu +0x%x (device 0x%llx) has commit_index %llu >= %llu, so "
			 "entries from %llu on were committed but cannot be read; repair "
			 "from a peer, do not truncate",
			 (unsigned long long)l->probe.index,
			 (unsigned long long)l->probe.at.seq, l->probe.at.off,
			 (unsigned long long)l->probe.dev_offset,
			 (unsigned long long)l->probe.commit_index,
			 (unsigned long long)st->index, (unsigned long long)st->index);
	else
		snprintf(buf, n, "CORRUPTION: %s at device 0x%llx (entry %llu): %s",
			 jrbd_scan_reason_name(st->reason),
			 (unsigned long long)st->dev_offset,
			 (unsigned long long)st->index, st->msg);
	return buf;
}

static void print_stop(struct dump *d)
{
	struct jlog *l = d->l;
	const struct jrbd_scan_stop *st = &l->scan.stop;
	json_object *s, *p, *lg;
	char v[512];

	verdict_text(l, v, sizeof(v));
	if (d->json) {
		s = json_object_new_object();
		json_object_object_add(s, "reason", json_object_new_string(
			jrbd_scan_reason_name(st->reason)));
		json_object_object_add(s, "message", json_object_new_string(st->msg ? st->msg : ""));
		json_object_object_add(s, "seq", jlog_u64(st->at.seq));
		json_object_object_add(s, "off", jlog_u64(st->at.off));
		json_object_object_add(s, "device_offset", jlog_u64(st->dev_offset));
		json_object_object_add(s, "index", jlog_u64(st->index));
		json_object_object_add(s, "in_record", json_object_new_boolean(st->in_record));
		json_object_object_add(s, "record_start", st->in_record ? jpos_json(l, st->rec) : NULL);
		json_object_object_add(s, "found_seq", st->found_seq ? jlog_u64(st->found_seq) : NULL);
		json_object_object_add(d->root, "stop", s);
		lg = json_object_new_object();
		json_object_object_add(lg, "entries", jlog_u64(l->scan.entries));
		json_object_object_add(lg, "first_index", l->scan.entries ? jlog_u64(l->first_index) : NULL);
		json_object_object_add(lg, "last_index", l->scan.entries ? jlog_u64(l->last_index) : NULL);
		json_object_object_add(lg, "last_term", jlog_u64(l->scan.last_term));
		json_object_object_add(lg, "chain", jlog_u64(l->scan.chain));
		json_object_object_add(lg, "blocks", jlog_u64(l->scan.blocks));
		json_object_object_add(lg, "end", jpos_json(l, l->scan.end));
		json_object_object_add(d->root, "log", lg);
		p = json_object_new_object();
		json_object_object_add(p, "ran", json_object_new_boolean(l->probed));
		json_object_object_add(p, "blocks", jlog_u64(l->probe_blocks));
		if (l->probed && l->probe.found) {
			json_object *ev = jpos_json(l, l->probe.at);

			json_object_object_add(ev, "index", jlog_u64(l->probe.index));
			json_object_object_add(ev, "commit_index", jlog_u64(l->probe.commit_index));
			json_object_object_add(p, "evidence", ev);
		} else {
			json_object_object_add(p, "evidence", NULL);
		}
		json_object_object_add(d->root, "probe", p);
		json_object_object_add(d->root, "verdict", json_object_new_string(jlog_verdict(l)));
		json_object_object_add(d->root, "verdict_text", json_object_new_string(v));
		json_object_object_add(d->root, "blocks_not_shown", jlog_u64(d->hidden));
		return;
	}
	if (d->hidden)
		printf("\n(%llu blocks not shown: --from/--count)\n", (unsigned long long)d->hidden);
	printf("\nlog: %llu entr%s", (unsigned long long)l->scan.entries,
	       l->scan.entries == 1 ? "y" : "ies");
	if (l->scan.entries)
		printf(" (index %llu..%llu, last term %llu)",
		       (unsigned long long)l->first_index, (unsigned long long)l->last_index,
		       (unsigned long long)l->scan.last_term);
	printf(" in %llu block%s; end of log at seq %llu +0x%x (device 0x%llx)\n",
	       (unsigned long long)l->scan.blocks, l->scan.blocks == 1 ? "" : "s",
	       (unsigned long long)l->scan.end.seq,
	       l->scan.end.off, (unsigned long long)jlog_pos_dev_offset(l, l->scan.end));
	printf("scan stopped: %s at seq %llu +0x%x (device 0x%llx = %llu), expecting "
	       "entry %llu: %s\n", jrbd_scan_reason_name(st->reason),
	       (unsigned long long)st->at.seq, st->at.off,
	       (unsigned long long)st->dev_offset, (unsigned long long)st->dev_offset,
	       (unsigned long long)st->index, st->msg);
	if (st->in_record)
		printf("  inside the record of entry %llu that starts at seq %llu +0x%x "
		       "(device 0x%llx)\n", (unsigned long long)st->index,
		       (unsigned long long)st->rec.seq, st->rec.off,
		       (unsigned long long)jlog_pos_dev_offset(l, st->rec));
	if (st->found_seq)
		printf("  the fragment there carries seq %llu\n",
		       (unsigned long long)st->found_seq);
	printf("verdict: %s\n", v);
}

static int parse_args(const struct jrbdctl_opts *o, int argc, char **argv,
		      struct dump *d)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'C' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	d->json = o->json;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (jrbd_parse_u64(optarg, &d->from) < 0) {
				jrbdctl_err("--from '%s': expected a block sequence number", optarg);
				return -EINVAL;
			}
			d->from_set = true;
			break;
		case 'C':
			if (jrbd_parse_u64(optarg, &d->count) < 0 || !d->count) {
				jrbdctl_err("--count '%s': expected a number of blocks > 0", optarg);
				return -EINVAL;
			}
			break;
		case 'a':
			d->all = true;
			break;
		case 'j':
			d->json = true;
			break;
		default:
			return jrbdctl_bad_option(c, argv);
		}
	}
	return jrbdctl_one_operand(argc, argv, &d->path);
}

static int read_show_raw(struct dump *d, u64 seq, const char *section)
{
	json_object *jb;
	int r;

	if (!in_range(d, seq)) {
		d->hidden++;
		return 0;
	}
	r = jrbd_disk_read_jblock(d->l->disk, &d->l->sb, seq, d->l->blk);
	if (r < 0)
		return r;
	jb = block_begin(d, seq, section);
	raw_block(d, jb, seq, d->l->blk, 0);
	return 0;
}

int cmd_dump(const struct jrbdctl_opts *o, int argc, char **argv)
{
	struct dump d = { 0 };
	struct jlog *l = NULL;
	const struct jrbd_scan_stop *st;
	struct jrbd_frag f;
	json_object *jb, *jf;
	u64 seq, end;
	u32 start, next, js;
	int r, rs;

	if (parse_args(o, argc, argv, &d) < 0)
		return jrbdctl_usage_verb();
	r = jlog_open(d.path, &l);
	if (r < 0) {
		jrbdctl_err("cannot read %s: %s", d.path, strerror(-r));
		return r;
	}
	d.l = l;
	if (d.json) {
		d.root = json_object_new_object();
		json_object_object_add(d.root, "device", json_object_new_string(d.path));
		json_object_object_add(d.root, "device_size", jlog_u64(l->disk->size));
	} else {
		printf("%s: %llu bytes\n", d.path, (unsigned long long)l->disk->size);
	}
	dump_supers(&d);
	if (l->pick_rc < 0) {
		jrbdctl_err("%s: no valid superblock, so the journal cannot be "
			    "located (see jrbdctl check)", d.path);
		r = -EINVAL;
		goto out;
	}
	print_geometry(&d);
	if (!d.from_set)
		d.from = l->sb.tail_seq;
	if (d.json) {
		d.jblocks = json_object_new_array();
		json_object_object_add(d.root, "blocks", d.jblocks);
	}

	/* Before the tail: checkpointed, shown raw when asked for. */
	for (seq = d.from; seq < l->sb.tail_seq; seq++) {
		if (l->sb.tail_seq - seq > l->sb.journal_blocks || !in_range(&d, seq))
			continue;
		r = read_show_raw(&d, seq, "before the tail (checkpointed; raw, not verified)");
		if (r < 0)
			goto io_err;
	}

	jlog_scan_begin(l);
	do {
		rs = jlog_scan_next(l);
		if (rs < 0) {
			r = rs;
			goto io_err;
		}
		if (!l->blk_fed)
			break;
		if (!in_range(&d, l->blk_seq)) {
			d.hidden++;
			continue;
		}
		st = &l->scan.stop;
		start = l->blk_seq == l->sb.tail_seq && l->scan.blocks == 1 ? l->sb.tail_off : 0;
		jb = block_begin(&d, l->blk_seq, "");
		log_block(&d, jb, start, rs ? st->at.off : JRBD_JBLOCK_SIZE);
		if (!rs)
			continue;
		/* the fragment the scanner did not accept */
		js = jrbd_sb_jsector(&l->sb);
		next = (st->at.off / js + 1) * js;
		if (JRBD_SECTOR_SIZE - st->at.off % JRBD_SECTOR_SIZE >= JRBD_FRAG_HDR_SIZE) {
			frag_line(&d, jb, l->blk_seq, l->blk, st->at.off, &next, &jf, &f);
			if (!d.json)
				printf("  <<< end of log: %s: %s\n",
				       jrbd_scan_reason_name(st->reason), st->msg);
		}
		if (d.all && st->at.off < JRBD_JBLOCK_SIZE) {
			if (!d.json)
				printf("  --- past the end of the log (raw, not verified) ---\n");
			raw_block(&d, jb, l->blk_seq, l->blk, next);
		}
	} while (!rs);

	r = jlog_probe(l);
	if (r < 0)
		goto io_err;
	st = &l->scan.stop;
	if (d.all) {
		end = l->sb.tail_seq + l->sb.journal_blocks;
		for (seq = st->at.seq + (l->blk_fed ? 1 : 0); seq < end; seq++) {
			r = read_show_raw(&d, seq, "past the end of the log (raw, not verified)");
			if (r < 0)
				goto io_err;
		}
	}
	print_stop(&d);
	r = 0;
	goto out;
io_err:
	jrbdctl_err("cannot read the journal of %s: %s", d.path, strerror(-r));
out:
	if (d.json) {
		jlog_json_print(d.root);
		json_object_put(d.root);
	}
	jlog_free(l);
	return r;
}
