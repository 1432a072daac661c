// SPDX-License-Identifier: GPL-2.0-only
/*
 * jlog.c - the journal reader shared by `jrbdctl dump` and `jrbdctl check`.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jlog.h"

int jlog_open(const char *path, struct jlog **out)
{
	struct jlog *l;
	u32 m;
	int r, i;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	r = jrbd_disk_open(path, 0, &l->disk);
	if (r < 0)
		goto err;
	l->slot[0] = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	l->slot[1] = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	l->blk = jrbd_disk_alloc(JRBD_JBLOCK_SIZE);
	if (!l->slot[0] || !l->slot[1] || !l->blk) {
		r = -ENOMEM;
		goto err;
	}
	r = jrbd_disk_read_slots(l->disk, l->slot[0], l->slot[1]);
	if (r < 0)
		goto err;
	for (i = 0; i < 2; i++) {
		memcpy(&m, l->slot[i], 4);
		l->magic[i] = le32_to_cpu(m) == JRBD_SB_MAGIC;
	}
	l->pick_rc = jrbd_super_pick(l->slot[0], l->slot[1], l->disk->size,
				     &l->sb, &l->pick);
	*out = l;
	return 0;
err:
	jlog_free(l);
	return r;
}

void jlog_free(struct jlog *l)
{
	if (!l)
		return;
	jrbd_disk_close(l->disk);
	free(l->slot[0]);
	free(l->slot[1]);
	free(l->blk);
	free(l->ents);
	free(l);
}

static int cb_payload(void *ctx, const struct jrbd_entry *e, u32 off,
		      const void *p, u32 len)
{
	struct jlog *l = ctx;

	if (e->kind != JRBD_ENTRY_MARK && e->kind != JRBD_ENTRY_MEMBERSHIP)
		return 0;
	if (off >= JLOG_KEEP)
		return 0;
	if (len > JLOG_KEEP - off)
		len = JLOG_KEEP - off;
	memcpy(l->cur.payload + off, p, len);
	return 0;
}

static int cb_entry(void *ctx, const struct jrbd_entry *e, struct jrbd_jpos start)
{
	struct jlog *l = ctx;
	struct jlog_ent *x;
	size_t cap;

	if (l->nents == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		x = realloc(l->ents, cap * sizeof(*x));
		if (!x) {
			l->cb_err = -ENOMEM;
			return -ENOMEM;
		}
		l->ents = x;
		l->cap = cap;
	}
	x = &l->ents[l->nents++];
	x->e = *e;
	x->start = start;
	x->kept = 0;
	if (e->kind == JRBD_ENTRY_MARK || e->kind == JRBD_ENTRY_MEMBERSHIP) {
		x->kept = e->payload_len < JLOG_KEEP ? e->payload_len : JLOG_KEEP;
		memcpy(x->payload, l->cur.payload, x->kept);
	}
	if (!l->first_index || e->index < l->first_index)
		l->first_index = e->index;
	l->last_index = e->index;
	if (!l->min_term || e->term < l->min_term)
		l->min_term = e->term;
	if (e->term > l->max_term)
		l->max_term = e->term;
	return 0;
}

static const struct jrbd_scan_ops jlog_ops = {
	.payload = cb_payload,
	.entry = cb_entry,
};

void jlog_scan_begin(struct jlog *l)
{
	struct jrbd_scan_params p;

	jrbd_scan_params_from_sb(&p, &l->sb);
	jrbd_scan_init(&l->scan, &p, &jlog_ops, l);
}

int jlog_scan_next(struct jlog *l)
{
	u64 blocks = l->scan.blocks;
	int r;

	l->nents = 0;
	l->blk_seq = l->scan.seq;
	l->blk_fed = false;
	if (l->scan.stop.reason)
		return 1;
	r = jrbd_disk_read_jblock(l->disk, &l->sb, l->blk_seq, l->blk);
	if (r < 0)
		return r;
	r = jrbd_scan_block(&l->scan, l->blk);
	l->blk_fed = l->scan.blocks > blocks;
	if (r < 0)
		return l->cb_err ? l->cb_err : r;
	return r;
}

int jlog_probe(struct jlog *l)
{
	u8 *blk;
	u32 i;
	int r = 0;

	if (!jrbd_scan_reason_is_end(l->scan.stop.reason))
		return 0;
	blk = jrbd_disk_alloc(JRBD_JBLOCK_SIZE);
	if (!blk)
		return -ENOMEM;
	jrbd_probe_init(&l->probe, &l->scan);
	l->probed = true;
	/* The stop block again, then the JRBD_MAX_INFLIGHT_BLOCKS blocks
	 * after it, up to the last slot the writer may fill before the
	 * tail's (tail + journal_blocks - 2): the window recovery reads
	 * (kmod/recovery.c), so that check and create agree. */
	for (i = 0; i <= JRBD_MAX_INFLIGHT_BLOCKS; i++) {
		if (i && l->probe.seq > l->sb.tail_seq + l->sb.journal_blocks - 2)
			break;
		r = jrbd_disk_read_jblock(l->disk, &l->sb, l->probe.seq, blk);
		if (r < 0)
			break;
		l->probe_blocks++;
		r = jrbd_probe_block(&l->probe, blk);
		if (r)
			break;
	}
	free(blk);
	return r;
}

const char *jlog_verdict(const struct jlog *l)
{
	int reason = l->scan.stop.reason;

	if (!jrbd_scan_reason_is_end(reason))
		return "corruption";
	if (l->probed && l->probe.found)
		return "corruption_below_commit";
	if (reason == JRBD_SCAN_END_TORN)
		return "torn_tail";
	return "clean_end";
}

static bool show_value(const struct jrbd_err *e)
{
	return e->field && !strstr(e->field, "uuid") && !strstr(e->field, "reserved");
}

void jlog_err_str(int rc, const struct jrbd_err *e, char *buf, size_t n)
{
	if (!e->field) {
		snprintf(buf, n, "%s", e->msg ? e->msg : strerror(-rc));
		return;
	}
	if (show_value(e))
		snprintf(buf, n, "field %s (offset 0x%x, device 0x%llx): %s (value 0x%llx)",
			 e->field, e->struct_offset,
			 (unsigned long long)e->dev_offset, e->msg,
			 (unsigned long long)e->value);
	else
		snprintf(buf, n, "field %s (offset 0x%x, device 0x%llx): %s",
			 e->field, e->struct_offset,
			 (unsigned long long)e->dev_offset, e->msg);
}

json_object *jlog_err_json(int rc, const struct jrbd_err *e)
{
	json_object *o = json_object_new_object();
	char buf[256];

	jlog_err_str(rc, e, buf, sizeof(buf));
	json_object_object_add(o, "errno", json_object_new_int(-rc));
	json_object_object_add(o, "field", e->field ? json_object_new_string(e->field) : NULL);
	json_object_object_add(o, "field_offset", e->field ? jlog_u64(e->struct_offset) : NULL);
	json_object_object_add(o, "device_offset", jlog_u64(e->dev_offset));
	json_object_object_add(o, "message", json_object_new_string(e->msg ? e->msg : ""));
	json_object_object_add(o, "value", show_value(e) ? jlog_u64(e->value) : NULL);
	json_object_object_add(o, "text", json_object_new_string(buf));
	return o;
}

const char *jlog_kind_name(u8 kind)
{
	static const char *const names[] = {
		[JRBD_ENTRY_WRITE] = "WRITE",
		[JRBD_ENTRY_DISCARD] = "DISCARD",
		[JRBD_ENTRY_WRITE_ZEROES] = "WRITE_ZEROES",
		[JRBD_ENTRY_NEW_TERM] = "NEW_TERM",
		[JRBD_ENTRY_MEMBERSHIP] = "MEMBERSHIP",
		[JRBD_ENTRY_MARK] = "MARK",
	};

	if (kind == 0 || kind > JRBD_ENTRY_KIND_MAX)
		return "UNKNOWN";
	return names[kind];
}

const char *jlog_frag_type_name(u8 type)
{
	static const char *const names[] = {
		[JRBD_FRAG_ZERO] = "ZERO",
		[JRBD_FRAG_FULL] = "FULL",
		[JRBD_FRAG_FIRST] = "FIRST",
		[JRBD_FRAG_MIDDLE] = "MIDDLE",
		[JRBD_FRAG_LAST] = "LAST",
		[JRBD_FRAG_PAD] = "PAD",
	};

	if (type > JRBD_FRAG_PAD)
		return "UNKNOWN";
	return names[type];
}

const char *jlog_flags_str(u16 flags, char buf[32])
{
	buf[0] = 0;
	if (flags & JRBD_ENTRY_F_FUA)
		strcat(buf, "FUA");
	if (flags & JRBD_ENTRY_F_PREFLUSH)
		strcat(buf, buf[0] ? "|PREFLUSH" : "PREFLUSH");
	if (flags & ~JRBD_ENTRY_F_SUPP)
		snprintf(buf + strlen(buf), 32 - strlen(buf), "%s0x%x",
			 buf[0] ? "|" : "", flags & ~JRBD_ENTRY_F_SUPP);
	if (!buf[0])
		strcpy(buf, "-");
	return buf;
}

void jlog_addr_str(const u8 addr[16], char buf[64])
{
	static const u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(addr, v4mapped, 12)) {
		if (!inet_ntop(AF_INET, addr + 12, buf, 64))
			strcpy(buf, "?");
	} else if (!inet_ntop(AF_INET6, addr, buf, 64)) {
		strcpy(buf, "?");
	}
}

void jlog_label_str(const u8 *p, u32 len, char *buf, size_t n)
{
	size_t o = 0;
	u32 i;

	for (i = 0; i < len && o + 5 < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			buf[o++] = (char)p[i];
		else if (p[i] >= 0x80)
			buf[o++] = (char)p[i];	/* UTF-8, checked by check */
		else
			o += snprintf(buf + o, n - o, "\\x%02x", p[i]);
	}
	buf[o] = 0;
}

u64 jlog_pos_dev_offset(const struct jlog *l, struct jrbd_jpos p)
{
	return jrbd_jpos_dev_offset(l->sb.journal_offset, l->sb.journal_blocks, p);
}

u64 jlog_rec_dev_offset(const struct jlog *l, struct jrbd_jpos start, u32 rec_off)
{
	return jlog_pos_dev_offset(l, jrbd_record_pos(start, rec_off,
						   jrbd_sb_aligned(&l->sb)));
}

json_object *jlog_entry_json(const struct jlog *l, const struct jlog_ent *x)
{
	const struct jrbd_entry *e = &x->e;
	json_object *o = json_object_new_object(), *fl, *rs, *arr, *m;
	char buf[1100];
	u32 i, id;
	u16 mf, port;
	u8 addr[16];
	char lower[16];
	const char *k;
	size_t j;

	json_object_object_add(o, "index", jlog_u64(e->index));
	json_object_object_add(o, "term", jlog_u64(e->term));
	k = jlog_kind_name(e->kind);
	for (j = 0; k[j] && j < sizeof(lower) - 1; j++)
		lower[j] = (char)tolower((unsigned char)k[j]);
	lower[j] = 0;
	json_object_object_add(o, "kind", json_object_new_string(lower));
	json_object_object_add(o, "kind_code", json_object_new_int(e->kind));
	fl = json_object_new_array();
	if (e->flags & JRBD_ENTRY_F_FUA)
		json_object_array_add(fl, json_object_new_string("fua"));
	if (e->flags & JRBD_ENTRY_F_PREFLUSH)
		json_object_array_add(fl, json_object_new_string("preflush"));
	json_object_object_add(o, "flags", fl);
	json_object_object_add(o, "lba", jlog_u64(e->lba));
	json_object_object_add(o, "nr_blocks", jlog_u64(e->nr_blocks));
	json_object_object_add(o, "commit_index", jlog_u64(e->commit_index));
	json_object_object_add(o, "payload_len", jlog_u64(e->payload_len));
	json_object_object_add(o, "payload_crc", jlog_u64(e->payload_crc));
	json_object_object_add(o, "chain_crc", jlog_u64(e->chain_crc));
	rs = json_object_new_object();
	json_object_object_add(rs, "seq", jlog_u64(x->start.seq));
	json_object_object_add(rs, "off", jlog_u64(x->start.off));
	json_object_object_add(rs, "device_offset", jlog_u64(jlog_pos_dev_offset(l, x->start)));
	json_object_object_add(o, "record_start", rs);
	if (e->kind == JRBD_ENTRY_MARK) {
		memcpy(buf, x->payload, x->kept);
		buf[x->kept] = 0;
		/* json-c escapes control characters; NUL would cut it */
		json_object_object_add(o, "label",
			json_object_new_string_len(buf, (int)x->kept));
	}
	if (e->kind == JRBD_ENTRY_MEMBERSHIP) {
		arr = json_object_new_array();
		for (i = 0; i + sizeof(struct jrbd_member) <= x->kept;
		     i += sizeof(struct jrbd_member)) {
			m = json_object_new_object();
			if (jrbd_member_decode(x->payload + i, &id, &mf, &port, addr) < 0) {
				json_object_object_add(m, "valid", json_object_new_boolean(0));
			} else {
				jlog_addr_str(addr, buf);
				json_object_object_add(m, "valid", json_object_new_boolean(1));
				json_object_object_add(m, "node_id", jlog_u64(id));
				json_object_object_add(m, "voter",
					json_object_new_boolean(mf & JRBD_MEMBER_F_VOTER));
				json_object_object_add(m, "addr", json_object_new_string(buf));
				json_object_object_add(m, "port", jlog_u64(port));
			}
			json_object_array_add(arr, m);
		}
		json_object_object_add(o, "members", arr);
	}
	return o;
}

void jlog_json_print(json_object *root)
{
	printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
}

#define SBF(f, fmt, d) { #f, offsetof(struct jrbd_super, f), \
			 sizeof(((struct jrbd_super *)0)->f), JLOG_##fmt, d }
const struct jlog_sb_field jlog_sb_fields[JLOG_SB_NFIELDS] = {
	SBF(magic, F_HEX, 0), SBF(version, F_DEC, 0), SBF(header_size, F_DEC, 0),
	SBF(flags, F_HEX, 0), SBF(feature_compat, F_HEX, 0),
	SBF(feature_ro_compat, F_HEX, 0), SBF(feature_incompat, F_HEX, 0),
	SBF(node_id, F_NODE, 0), SBF(generation, F_DEC, 1), SBF(dev_uuid, F_UUID, 0),
	SBF(cluster_uuid, F_UUID, 0), SBF(block_size, F_DEC, 0),
	SBF(jblock_size, F_DEC, 0), SBF(backing_size, F_DEC, 0),
	SBF(journal_offset, F_HEX, 0), SBF(journal_blocks, F_DEC, 0),
	SBF(data_offset, F_HEX, 0), SBF(data_blocks, F_DEC, 0),
	SBF(format_time, F_TIME, 0), SBF(update_time, F_TIME, 1),
	SBF(tail_seq, F_DEC, 1), SBF(tail_index, F_DEC, 1), SBF(tail_term, F_DEC, 1),
	SBF(tail_off, F_HEX, 1), SBF(tail_chain, F_HEX, 1),
	SBF(current_term, F_DEC, 1), SBF(voted_for, F_NODE, 1),
	SBF(reserved0, F_HEX, 0), SBF(reserved, F_ZERO, 0), SBF(crc, F_HEX, 1),
};
static_assert(sizeof(struct jrbd_super) == 512, "field table matches the format");

int jlog_stop_frag(const struct jlog *l, struct jrbd_frag *f)
{
	const struct jrbd_scan_stop *st = &l->scan.stop;
	u32 k;

	if (!l->blk_fed || st->at.seq != l->blk_seq ||
	    JRBD_SECTOR_SIZE - st->at.off % JRBD_SECTOR_SIZE < JRBD_FRAG_HDR_SIZE)
		return -ENOENT;
	for (k = 0; k < JRBD_FRAG_HDR_SIZE; k++)
		if (l->blk[st->at.off + k])
			break;
	if (k == JRBD_FRAG_HDR_SIZE)
		return -ENOENT;
	jrbd_frag_hdr_decode(l->blk + st->at.off, f);
	return 0;
}
