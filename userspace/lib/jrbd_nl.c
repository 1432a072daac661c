// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink client for the jrbd family.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/netlink.h>
#include "jrbd_nl.h"

/*
 * The kernel's .len of a NUL string excludes the NUL; libnl's .maxlen
 * counts it.
 */
struct nla_policy jrbd_nl_policy[JRBD_A_MAX + 1] = {
#define JRBD_U_POLICY(n, t, l, d)					\
	[JRBD_A_##n] = { .type = t, .maxlen = (t) == NLA_NUL_STRING && (l) ? (l) + 1 : (l) },
	JRBD_GENL_ATTRS(JRBD_U_POLICY)
#undef JRBD_U_POLICY
};

const char *const jrbd_nl_attr_name[JRBD_A_MAX + 1] = {
#define JRBD_U_NAME(n, t, l, d) [JRBD_A_##n] = #n,
	JRBD_GENL_ATTRS(JRBD_U_NAME)
#undef JRBD_U_NAME
};

int jrbd_nl_open(struct jrbd_nl **out)
{
	struct jrbd_nl *nl;
	int r;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		r = -ENOMEM;
		goto err_free;
	}
	r = genl_connect(nl->sock);
	if (r < 0) {
		r = -ECONNREFUSED;
		goto err_sock;
	}
	/* Ask for extended ACKs so the kernel's error messages reach us. */
	r = 1;
	setsockopt(nl_socket_get_fd(nl->sock), SOL_NETLINK, NETLINK_EXT_ACK,
		   &r, sizeof(r));
	nl->family = genl_ctrl_resolve(nl->sock, JRBD_GENL_NAME);
	if (nl->family < 0) {
		r = -ENOENT;
		goto err_sock;
	}
	nl->events_group = genl_ctrl_resolve_grp(nl->sock, JRBD_GENL_NAME,
						 JRBD_GENL_MCGRP_EVENTS);
	if (nl->events_group < 0) {
		r = -ENOENT;
		goto err_sock;
	}
	*out = nl;
	return 0;

err_sock:
	nl_socket_free(nl->sock);
err_free:
	free(nl);
	return r;
}

void jrbd_nl_close(struct jrbd_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sock);
	free(nl);
}

struct nl_msg *jrbd_nl_msg(struct jrbd_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags, cmd, JRBD_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct jrbd_nl_reply {
	struct jrbd_nl *nl;
	struct nl_msg *msg;	/* the (first) reply, referenced */
	int r;
	bool done;
};

static int jrbd_nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct jrbd_nl_reply *rep = arg;

	if (!rep->msg) {
		nlmsg_get(msg);
		rep->msg = msg;
	}
	return NL_OK;
}

static int jrbd_nl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct jrbd_nl_reply *rep = arg;

	rep->done = true;
	return NL_STOP;
}

/*
 * An error reply: keep its errno and the extack message
 * (NLMSGERR_ATTR_MSG) that follows the echoed request header.
 */
static int jrbd_nl_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err,
			    void *arg)
{
	struct jrbd_nl_reply *rep = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	struct nlattr *attrs, *a;
	int len, rem, ack_len = sizeof(*nlh) + sizeof(*err);

	rep->r = err->error < 0 ? err->error : -EPROTO;
	rep->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += err->msg.nlmsg_len - sizeof(*nlh);
	if ((int)nlh->nlmsg_len <= ack_len)
		return NL_STOP;
	attrs = (struct nlattr *)((char *)nlh + ack_len);
	len = nlh->nlmsg_len - ack_len;
	nla_for_each_attr(a, attrs, len, rem) {
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(rep->nl->errmsg, sizeof(rep->nl->errmsg),
				 "%.*s", nla_len(a), (const char *)nla_data(a));
	}
	return NL_STOP;
}

/*
 * A private copy of the socket's callbacks.  nl_socket_get_cb() takes a
 * reference, which must be put, or the socket's nl_cb outlives it.
 */
static struct nl_cb *jrbd_nl_cb_clone(struct jrbd_nl *nl)
{
	struct nl_cb *s_cb = nl_socket_get_cb(nl->sock);
	struct nl_cb *cb;

	if (!s_cb)
		return NULL;
	cb = nl_cb_clone(s_cb);
	nl_cb_put(s_cb);
	return cb;
}

int jrbd_nl_request(struct jrbd_nl *nl, struct nl_msg *msg,
		    struct nl_msg **reply, struct nlattr *tb[JRBD_A_MAX + 1])
{
	struct jrbd_nl_reply rep = { .nl = nl };
	struct nl_cb *cb;
	int r;

	nl->errmsg[0] = '\0';
	cb = jrbd_nl_cb_clone(nl);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, jrbd_nl_valid_cb, &rep);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, jrbd_nl_ack_cb, &rep);
	nl_cb_err(cb, NL_CB_CUSTOM, jrbd_nl_error_cb, &rep);

	r = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (r < 0) {
		r = -EIO;
		goto out;
	}
	while (!rep.done) {
		r = nl_recvmsgs(nl->sock, cb);
		if (r < 0 && !rep.done) {
			r = -EIO;
			goto out;
		}
	}
	r = rep.r;
	if (r == 0 && reply) {
		if (!rep.msg) {
			r = -ENODATA;
		} else if (genlmsg_parse(nlmsg_hdr(rep.msg), 0, tb, JRBD_A_MAX,
					 jrbd_nl_policy) < 0) {
			snprintf(nl->errmsg, sizeof(nl->errmsg),
				 "malformed reply from the kernel");
			r = -EBADMSG;
		} else {
			*reply = rep.msg;
			rep.msg = NULL;
		}
	}
out:
	if (rep.msg)
		nlmsg_free(rep.msg);
	nl_cb_put(cb);
	return r;
}

struct jrbd_nl_dump_ctx {
	struct jrbd_nl_reply rep;
	jrbd_nl_msg_cb cb;
	void *arg;
	int cb_r;
};

static int jrbd_nl_dump_valid_cb(struct nl_msg *msg, void *arg)
{
	struct jrbd_nl_dump_ctx *c = arg;
	struct nlattr *tb[JRBD_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, JRBD_A_MAX, jrbd_nl_policy) < 0) {
		c->rep.r = -EBADMSG;
		return NL_STOP;
	}
	c->cb_r = c->cb(gh->cmd, tb, c->arg);
	return c->cb_r < 0 ? NL_STOP : NL_OK;
}

static int jrbd_nl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct jrbd_nl_reply *rep = arg;

	rep->done = true;
	return NL_STOP;
}

int jrbd_nl_dump(struct jrbd_nl *nl, int cmd, jrbd_nl_msg_cb cb, void *arg)
{
	struct jrbd_nl_dump_ctx c = { .rep = { .nl = nl }, .cb = cb, .arg = arg };
	struct nl_msg *msg;
	struct nl_cb *ncb;
	int r;

	nl->errmsg[0] = '\0';
	msg = jrbd_nl_msg(nl, cmd, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	ncb = jrbd_nl_cb_clone(nl);
	if (!ncb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, jrbd_nl_dump_valid_cb, &c);
	nl_cb_set(ncb, NL_CB_FINISH, NL_CB_CUSTOM, jrbd_nl_finish_cb, &c.rep);
	nl_cb_set(ncb, NL_CB_ACK, NL_CB_CUSTOM, jrbd_nl_ack_cb, &c.rep);
	nl_cb_err(ncb, NL_CB_CUSTOM, jrbd_nl_error_cb, &c.rep);
	r = nl_send_auto(nl->sock, msg);
	nlmsg_free(msg);
	if (r < 0) {
		r = -EIO;
		goto out;
	}
	while (!c.rep.done && c.rep.r == 0 && c.cb_r >= 0) {
		r = nl_recvmsgs(nl->sock, ncb);
		if (r < 0 && !c.rep.done && c.rep.r == 0) {
			r = -EIO;
			goto out;
		}
	}
	r = c.rep.r ? c.rep.r : (c.cb_r < 0 ? c.cb_r : 0);
out:
	nl_cb_put(ncb);
	return r;
}

int jrbd_nl_subscribe(struct jrbd_nl *nl)
{
	int r = nl_socket_add_membership(nl->sock, nl->events_group);

	if (r < 0)
		return -EIO;
	/* Events carry no sequence numbers of ours. */
	nl_socket_disable_seq_check(nl->sock);
	return 0;
}

int jrbd_nl_recv_events(struct jrbd_nl *nl, jrbd_nl_msg_cb cb, void *arg)
{
	struct jrbd_nl_dump_ctx c = { .rep = { .nl = nl }, .cb = cb, .arg = arg };
	struct nl_cb *ncb;
	int r;

	ncb = jrbd_nl_cb_clone(nl);
	if (!ncb)
		return -ENOMEM;
	nl_cb_set(ncb, NL_CB_VALID, NL_CB_CUSTOM, jrbd_nl_dump_valid_cb, &c);
	r = nl_recvmsgs(nl->sock, ncb);
	nl_cb_put(ncb);
	if (r < 0)
		return -EIO;
	return c.rep.r ? c.rep.r : (c.cb_r < 0 ? c.cb_r : 0);
}
