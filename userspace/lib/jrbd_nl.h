/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generic netlink client for the jrbd family (libnl-genl).  The family id
 * and the events group id are resolved once, in jrbd_nl_open().
 */
#ifndef JRBD_NL_H
#define JRBD_NL_H

#include <stdbool.h>
#include <netlink/attr.h>
#include <jrbd/jrbd_genl.h>

struct nl_sock;
struct nl_msg;

struct jrbd_nl {
	struct nl_sock *sock;
	int family;		/* generic netlink family id */
	int events_group;	/* multicast group id of "events" */
	char errmsg[256];	/* extack message of the last failed request */
};

/* The family policy, generated from the table in jrbd_genl.h. */
extern struct nla_policy jrbd_nl_policy[JRBD_A_MAX + 1];
extern const char *const jrbd_nl_attr_name[JRBD_A_MAX + 1];

/* Returns 0, or -ENOENT when the jrbd family is not registered. */
int jrbd_nl_open(struct jrbd_nl **out);
void jrbd_nl_close(struct jrbd_nl *nl);

/* A new request for @cmd, to be filled with nla_put_*(). */
struct nl_msg *jrbd_nl_msg(struct jrbd_nl *nl, int cmd, int flags);

/*
 * Send @msg (consumed) and wait for the kernel's answer.  When @reply is
 * not NULL, a reply is expected: it is parsed into @tb, whose pointers
 * stay valid until the caller releases *@reply with nlmsg_free().
 * Returns 0 or a negative errno; on error nl->errmsg holds the kernel's
 * extack message, if it sent one.  Out-parameters are untouched on error.
 */
int jrbd_nl_request(struct jrbd_nl *nl, struct nl_msg *msg,
		    struct nl_msg **reply, struct nlattr *tb[JRBD_A_MAX + 1]);

/* Called for each message of a dump or event; a negative return stops. */
typedef int (*jrbd_nl_msg_cb)(int cmd, struct nlattr *tb[JRBD_A_MAX + 1],
			      void *arg);

/* Dump request for @cmd; @cb sees every message.  0 or negative errno. */
int jrbd_nl_dump(struct jrbd_nl *nl, int cmd, jrbd_nl_msg_cb cb, void *arg);

/* Join the events multicast group. */
int jrbd_nl_subscribe(struct jrbd_nl *nl);
/* Block for the next batch of event messages and hand each to @cb. */
int jrbd_nl_recv_events(struct jrbd_nl *nl, jrbd_nl_msg_cb cb, void *arg);

#endif /* JRBD_NL_H */
