/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * jrbd generic netlink family: declared once, compiled by the kernel
 * module and by the userspace tools (DRBD's drbd_genl.h idea).
 *
 * Each attribute is one line of JRBD_GENL_ATTRS:
 *	A(NAME, nla_type, max_len, "what it is")
 * and each command one line of JRBD_GENL_CMDS:
 *	C(NAME, flags, required attributes, optional attributes, "what it does")
 * where the attribute sets are masks built with JRBD_AM(NAME).
 *
 * From this table both sides derive the attribute and command enums, the
 * netlink policy, the names used by `jrbdctl --json`, and the per-command
 * check that a request carries every required attribute and nothing else
 * (the kernel rejects anything else with an extack message).
 *
 * Rules: attributes and commands are numbered from 1 and only ever
 * appended; notifications on the "events" group have their own command
 * ids (JRBD_GENL_NOTIFY) and are never accepted as requests.
 */
#ifndef JRBD_GENL_H
#define JRBD_GENL_H

#define JRBD_GENL_NAME		"jrbd"
#define JRBD_GENL_VERSION	1
#define JRBD_GENL_MCGRP_EVENTS	"events"

/* Command flags. */
#define JRBD_GENL_ADMIN		0x1	/* needs CAP_SYS_ADMIN (GENL_ADMIN_PERM) */
#define JRBD_GENL_DUMP		0x2	/* has a dumpit (NLM_F_DUMP) */
#define JRBD_GENL_NOTIFY	0x4	/* multicast notification only */

#define JRBD_GENL_ATTRS(A)						\
	A(MODULE_VERSION, NLA_NUL_STRING, 32,	"jrbd.ko version")	\
	A(GENL_VERSION,	  NLA_U32,	  0,	"family protocol version") \
	A(FORMAT_VERSION, NLA_U32,	  0,	"on-disk format version read") \
	A(MAJOR,	  NLA_U32,	  0,	"block device major number") \
	A(DEV_COUNT,	  NLA_U32,	  0,	"number of jrbd devices")	\
	A(PAD,		  NLA_UNSPEC,	  0,	"padding for 64-bit values") \
	A(DEV_NAME,	  NLA_NUL_STRING, 31,	"device name (jrbdctl NAME)") \
	A(BACKING_PATH,	  NLA_NUL_STRING, 255,	"backing block device path") \
	A(MINOR,	  NLA_U32,	  0,	"N of /dev/jrbdN")		\
	A(SIZE,		  NLA_U64,	  0,	"virtual size in bytes")	\
	A(MESSAGE,	  NLA_NUL_STRING, 63,	"message verb (checkpoint)")	\
	A(STATE,	  NLA_NUL_STRING, 15,	"live | failed | removing")	\
	A(ERROR,	  NLA_U32,	  0,	"sticky error, positive errno or 0") \
	A(OPEN_COUNT,	  NLA_U32,	  0,	"openers of /dev/jrbdN")	\
	A(NODE_ID,	  NLA_U32,	  0,	"node id from the superblock")	\
	A(TERM,		  NLA_U64,	  0,	"current term")			\
	A(DEV_UUID,	  NLA_NUL_STRING, 36,	"backing device uuid")		\
	A(CLUSTER_UUID,	  NLA_NUL_STRING, 36,	"cluster uuid")			\
	A(JOURNAL_BLOCKS, NLA_U64,	  0,	"journal ring size, 32 KiB blocks") \
	A(JOURNAL_USED,	  NLA_U64,	  0,	"live journal blocks (tail..head)") \
	A(HEAD_SEQ,	  NLA_U64,	  0,	"journal block being filled")	\
	A(TAIL_SEQ,	  NLA_U64,	  0,	"durable tail block (superblock)") \
	A(NEXT_INDEX,	  NLA_U64,	  0,	"index the next entry gets")	\
	A(WRITTEN_INDEX,  NLA_U64,	  0,	"last entry written to the journal") \
	A(DURABLE_INDEX,  NLA_U64,	  0,	"last entry durable on this node") \
	A(COMMIT_INDEX,	  NLA_U64,	  0,	"last committed entry")		\
	A(CHECKPOINT_INDEX, NLA_U64,	  0,	"last entry written home")	\
	A(PENDING_ENTRIES, NLA_U64,	  0,	"entries not yet checkpointed")	\
	A(READS,	  NLA_U64,	  0,	"read bios")			\
	A(WRITES,	  NLA_U64,	  0,	"write entries appended")	\
	A(FLUSHES,	  NLA_U64,	  0,	"backing flushes issued")	\
	A(BYTES_READ,	  NLA_U64,	  0,	"bytes read")			\
	A(BYTES_WRITTEN,  NLA_U64,	  0,	"bytes written by users")	\
	A(JOURNAL_WRITES, NLA_U64,	  0,	"journal write batches")	\
	A(CKPT_ROUNDS,	  NLA_U64,	  0,	"checkpoint rounds")		\
	A(CKPT_BLOCKS,	  NLA_U64,	  0,	"4 KiB blocks written home")	\
	A(SPACE_WAITS,	  NLA_U64,	  0,	"writers that waited for journal space") \
	A(REC_ENTRIES,	  NLA_U64,	  0,	"entries found by recovery")	\
	A(REC_BYTES,	  NLA_U64,	  0,	"journal bytes recovery replayed") \
	A(REC_USECS,	  NLA_U64,	  0,	"recovery time, microseconds")	\
	A(REC_STOP,	  NLA_NUL_STRING, 31,	"why the recovery scan stopped") \
	A(FAST_COMMITS,	  NLA_U64,	  0,	"commit passes a committing bio ran itself")

enum jrbd_genl_attr {
	JRBD_A_UNSPEC,
#define JRBD_GENL_A_ENUM(n, t, l, d) JRBD_A_##n,
	JRBD_GENL_ATTRS(JRBD_GENL_A_ENUM)
#undef JRBD_GENL_A_ENUM
	__JRBD_A_MAX,
};
#define JRBD_A_MAX (__JRBD_A_MAX - 1)

/* Attribute mask for the command table. */
#define JRBD_AM(n) (1ULL << JRBD_A_##n)

#define JRBD_DEV_ID_ATTRS						\
	(JRBD_AM(DEV_NAME) | JRBD_AM(MINOR) | JRBD_AM(SIZE) |		\
	 JRBD_AM(BACKING_PATH))

#define JRBD_GENL_CMDS(C)						\
	C(GET_INFO, 0, 0, 0,						\
	  "module version, protocol versions, major, device count")	\
	C(CREATE, JRBD_GENL_ADMIN,					\
	  JRBD_AM(DEV_NAME) | JRBD_AM(BACKING_PATH), 0,			\
	  "recover a formatted backing device and expose /dev/jrbdN")	\
	C(REMOVE, JRBD_GENL_ADMIN, JRBD_AM(DEV_NAME), 0,		\
	  "drain, checkpoint and release a device (EBUSY while open)")	\
	C(GET_DEV, JRBD_GENL_DUMP, 0, JRBD_AM(DEV_NAME),		\
	  "status of one device (doit) or of all (dump)")		\
	C(MESSAGE, JRBD_GENL_ADMIN,					\
	  JRBD_AM(DEV_NAME) | JRBD_AM(MESSAGE), 0,			\
	  "send a message to a device: checkpoint")			\
	C(EV_CREATED, JRBD_GENL_NOTIFY, 0, 0,				\
	  "event: a device was created (device status attributes)")	\
	C(EV_CHANGED, JRBD_GENL_NOTIFY, 0, 0,				\
	  "event: a device changed state (device status attributes)")	\
	C(EV_REMOVED, JRBD_GENL_NOTIFY, 0, 0,				\
	  "event: a device was removed (name and minor)")

enum jrbd_genl_cmd {
	JRBD_CMD_UNSPEC,
#define JRBD_GENL_C_ENUM(n, f, req, opt, d) JRBD_CMD_##n,
	JRBD_GENL_CMDS(JRBD_GENL_C_ENUM)
#undef JRBD_GENL_C_ENUM
	__JRBD_CMD_MAX,
};
#define JRBD_CMD_MAX (__JRBD_CMD_MAX - 1)

#endif /* JRBD_GENL_H */
