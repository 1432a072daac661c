/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jlog.h - what `dump` and `check` share: open a backing device read-only,
 * pick a superblock, feed the journal from the tail through the library's
 * scanner one block at a time, and run the post-stop probe.  All format
 * decisions are the library's (libjrbd.h); this is I/O and bookkeeping.
 */
#ifndef JRBDCTL_JLOG_H
#define JRBDCTL_JLOG_H

#include <json-c/json.h>
#include "jrbd_disk.h"

/* Payload bytes kept for display/validation (MARK labels, members). */
#define JLOG_KEEP	(JRBD_MAX_MEMBERS * sizeof(struct jrbd_member))

/* An entry accepted by the scanner. */
struct jlog_ent {
	struct jrbd_entry	e;
	struct jrbd_jpos	start;		/* its first fragment header */
	u32			kept;		/* payload bytes in payload[] */
	u8			payload[JLOG_KEEP];
};

struct jlog {
	struct jrbd_disk	*disk;
	u8			*slot[2];	/* raw superblock slots A, B */
	struct jrbd_pick	pick;
	int			pick_rc;	/* jrbd_super_pick() result */
	struct jrbd_sb		sb;		/* chosen one, if pick_rc == 0 */
	bool			magic[2];	/* slot starts with the jrbd magic */

	/* scan (after jlog_scan_begin) */
	struct jrbd_scan	scan;
	u8			*blk;		/* the block fed last */
	u64			blk_seq;
	bool			blk_fed;	/* ... was consumed by the scanner */
	struct jlog_ent		*ents;		/* accepted while feeding it */
	size_t			nents, cap;
	struct jlog_ent		cur;		/* entry being reassembled */
	int			cb_err;
	u64			first_index, last_index;
	u64			min_term, max_term;

	/* probe (after jlog_probe) */
	bool			probed;
	u64			probe_blocks;
	struct jrbd_probe	probe;
};

/* Open read-only, read both slots and pick.  I/O errors are returned;
 * a missing/invalid superblock is not an error here (see pick_rc). */
int jlog_open(const char *path, struct jlog **out);
void jlog_free(struct jlog *l);

void jlog_scan_begin(struct jlog *l);
/* Read and feed block scan.seq.  0: fed, 1: stopped (scan.stop), <0 error. */
int jlog_scan_next(struct jlog *l);
/* After an END_* stop: 1 if an entry the log declared committed is missing
 * (probe.at...), 0 if not (or not an END_* stop), <0 I/O error. */
int jlog_probe(struct jlog *l);

/* Verdict of a finished scan (+ probe): "clean_end", "torn_tail",
 * "corruption_below_commit", "corruption". */
const char *jlog_verdict(const struct jlog *l);

/* "field crc (offset 0x1fc, device 0x11fc): checksum mismatch ... (value 0x...)" */
void jlog_err_str(int rc, const struct jrbd_err *e, char *buf, size_t n);
json_object *jlog_err_json(int rc, const struct jrbd_err *e);

const char *jlog_kind_name(u8 kind);		/* "WRITE", ... */
const char *jlog_frag_type_name(u8 type);	/* "FULL", ... */
/* "FUA|PREFLUSH" or "-" */
const char *jlog_flags_str(u16 flags, char buf[32]);
/* An entry as a JSON object (with label/members when kept). */
json_object *jlog_entry_json(const struct jlog *l, const struct jlog_ent *x);
/* Member address as text ("10.0.0.1" or "fd00::1"). */
void jlog_addr_str(const u8 addr[16], char buf[64]);
/* MARK label with non-printable bytes as \xNN. */
void jlog_label_str(const u8 *p, u32 len, char *buf, size_t n);
/* Absolute device offset of byte rec_off of a record starting at start. */
u64 jlog_rec_dev_offset(const struct jlog *l, struct jrbd_jpos start, u32 rec_off);
u64 jlog_pos_dev_offset(const struct jlog *l, struct jrbd_jpos p);

/* Every field of struct jrbd_super, for display and comparison. */
enum { JLOG_F_HEX, JLOG_F_DEC, JLOG_F_UUID, JLOG_F_TIME, JLOG_F_NODE, JLOG_F_ZERO };
struct jlog_sb_field {
	const char	*name;
	u32		off;
	u32		size;
	int		fmt;
	bool		may_differ;	/* legitimately differs between A and B */
};
extern const struct jlog_sb_field jlog_sb_fields[];
#define JLOG_SB_NFIELDS 30

/* The fragment header where the scan stopped, if it is in the block fed
 * last and not all zero.  0 and *f filled, else -ENOENT. */
int jlog_stop_frag(const struct jlog *l, struct jrbd_frag *f);

/* json helpers */
void jlog_json_print(json_object *root);
static inline json_object *jlog_u64(u64 v)
{
	return json_object_new_uint64(v);
}

#endif /* JRBDCTL_JLOG_H */
