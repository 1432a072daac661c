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
	A(DEV_COUNT,	  NLA_U32,	  0,	"number of jrbd devices")

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

#define JRBD_GENL_CMDS(C)						\
	C(GET_INFO, 0, 0, 0,						\
	  "module version, protocol versions, major, device count")

enum jrbd_genl_cmd {
	JRBD_CMD_UNSPEC,
#define JRBD_GENL_C_ENUM(n, f, req, opt, d) JRBD_CMD_##n,
	JRBD_GENL_CMDS(JRBD_GENL_C_ENUM)
#undef JRBD_GENL_C_ENUM
	__JRBD_CMD_MAX,
};
#define JRBD_CMD_MAX (__JRBD_CMD_MAX - 1)

#endif /* JRBD_GENL_H */
