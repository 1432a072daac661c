// SPDX-License-Identifier: GPL-2.0-only
/*
 * The jrbd generic netlink family, built from the one table in
 * include/jrbd/jrbd_genl.h.
 *
 * Validation: every op uses the family policy generated from the table,
 * with strict validation (no GENL_DONT_VALIDATE_* flags), and
 * jrbd_nl_pre_doit() enforces the command's required/optional attribute
 * sets: a missing attribute or one that the command does not take is
 * rejected with an extack message naming it.  Mutating commands carry
 * GENL_ADMIN_PERM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/sched/mm.h>
#include <linux/uuid.h>
#include <net/genetlink.h>
#include "jrbd.h"

static const struct nla_policy jrbd_nl_policy[JRBD_A_MAX + 1] = {
#define JRBD_NL_POLICY(n, t, l, d) [JRBD_A_##n] = { .type = t, .len = l },
	JRBD_GENL_ATTRS(JRBD_NL_POLICY)
#undef JRBD_NL_POLICY
};

static_assert(JRBD_A_MAX < 64, "attribute masks are u64");

struct jrbd_nl_cmd_spec {
	u64 required;
	u64 allowed;
	unsigned int flags;
};

static const struct jrbd_nl_cmd_spec jrbd_nl_cmd_specs[JRBD_CMD_MAX + 1] = {
#define JRBD_NL_SPEC(n, f, req, opt, d)					\
	[JRBD_CMD_##n] = { .required = (req), .allowed = (req) | (opt),	\
			   .flags = (f) },
	JRBD_GENL_CMDS(JRBD_NL_SPEC)
#undef JRBD_NL_SPEC
};

/*
 * extack messages must be static strings (6.1 has no formatted variant),
 * so the table yields one pair of messages per attribute.
 */
static const char *const jrbd_nl_msg_unexpected[JRBD_A_MAX + 1] = {
#define JRBD_NL_MSG(n, t, l, d) [JRBD_A_##n] =				\
	"attribute " #n " is not accepted by this command",
	JRBD_GENL_ATTRS(JRBD_NL_MSG)
#undef JRBD_NL_MSG
};

static const char *const jrbd_nl_msg_missing[JRBD_A_MAX + 1] = {
#define JRBD_NL_MSG(n, t, l, d) [JRBD_A_##n] =				\
	"this command needs attribute " #n,
	JRBD_GENL_ATTRS(JRBD_NL_MSG)
#undef JRBD_NL_MSG
};

static struct genl_family jrbd_genl_family;

/* NL_SET_ERR_MSG() wants a literal; these messages come from a table. */
static void jrbd_nl_err(struct netlink_ext_ack *extack,
			const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	if (attr)
		NL_SET_BAD_ATTR(extack, attr);
}

/*
 * The command's attribute sets from the table: nothing it does not take,
 * everything it needs (@required false for dumps, which list all).
 */
static int jrbd_nl_check_attrs(u8 cmd, struct nlattr **attrs, bool required,
			       struct netlink_ext_ack *extack)
{
	const struct jrbd_nl_cmd_spec *spec;
	int a;

	if (cmd > JRBD_CMD_MAX)
		return -EOPNOTSUPP;
	spec = &jrbd_nl_cmd_specs[cmd];

	for (a = 1; a <= JRBD_A_MAX; a++) {
		bool present = attrs[a] != NULL;

		if (present && !(spec->allowed & (1ULL << a))) {
			jrbd_nl_err(extack, attrs[a], jrbd_nl_msg_unexpected[a]);
			return -EINVAL;
		}
		if (required && !present && (spec->required & (1ULL << a))) {
			NL_SET_ERR_ATTR_MISS(extack, NULL, a);
			jrbd_nl_err(extack, NULL, jrbd_nl_msg_missing[a]);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * GENL_ADMIN_PERM checks CAP_NET_ADMIN; changing block devices is
 * CAP_SYS_ADMIN's business (like dm's ioctls), so admin commands need
 * both.
 */
static int jrbd_nl_pre_doit(const jrbd_genl_op_t *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	if (ops->cmd > JRBD_CMD_MAX)
		return -EOPNOTSUPP;
	if ((jrbd_nl_cmd_specs[ops->cmd].flags & JRBD_GENL_ADMIN) &&
	    !netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "needs CAP_SYS_ADMIN");
		return -EPERM;
	}
	return jrbd_nl_check_attrs(ops->cmd, info->attrs, true, info->extack);
}

static int jrbd_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &jrbd_genl_family, 0,
				JRBD_CMD_GET_INFO);
	if (!hdr)
		goto err_free;

	mutex_lock(&jrbd_mod.ctl_lock);
	if (nla_put_string(msg, JRBD_A_MODULE_VERSION, JRBD_VERSION) ||
	    nla_put_u32(msg, JRBD_A_GENL_VERSION, JRBD_GENL_VERSION) ||
	    nla_put_u32(msg, JRBD_A_FORMAT_VERSION, JRBD_SB_VERSION) ||
	    nla_put_u32(msg, JRBD_A_MAJOR, jrbd_mod.major) ||
	    nla_put_u32(msg, JRBD_A_DEV_COUNT, jrbd_mod.dev_count)) {
		mutex_unlock(&jrbd_mod.ctl_lock);
		goto err_free;
	}
	mutex_unlock(&jrbd_mod.ctl_lock);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int jrbd_put_u64(struct sk_buff *msg, int attr, u64 v)
{
	return nla_put_u64_64bit(msg, attr, v, JRBD_A_PAD);
}

/* Every status attribute of a device: replies, dumps and events. */
static int jrbd_nl_fill_dev(struct sk_buff *msg, struct jrbd_dev *d)
{
	const char *state = jrbd_dev_failed(d) ? "failed" :
			    READ_ONCE(d->removing) ? "removing" : "live";
	struct jrbd_stats *st = &d->stats;
	char uuid[2][UUID_STRING_LEN + 1];
	u64 next, written, durable, commit, ckpt, used, head, tail, pending;
	unsigned int opens;

	mutex_lock(&d->jlock);
	next = d->w.next_index;
	written = d->written_index;
	durable = d->durable_index;
	commit = d->commit_index;
	ckpt = d->ckpt_index;
	used = jrbd_journal_used(d);
	head = d->w.seq;
	tail = d->tail.seq;
	pending = next - 1 - ckpt;	/* appended, not yet written home */
	mutex_unlock(&d->jlock);
	spin_lock(&d->open_lock);
	opens = d->open_count;
	spin_unlock(&d->open_lock);
	/* fixed after create: no ->sb_lock, which waits for superblock I/O */
	snprintf(uuid[0], sizeof(uuid[0]), "%pUb", d->sb.dev_uuid);
	snprintf(uuid[1], sizeof(uuid[1]), "%pUb", d->sb.cluster_uuid);

	if (nla_put_string(msg, JRBD_A_DEV_NAME, d->cfg.name) ||
	    nla_put_string(msg, JRBD_A_BACKING_PATH, d->cfg.backing_path) ||
	    nla_put_u32(msg, JRBD_A_MINOR, d->minor) ||
	    jrbd_put_u64(msg, JRBD_A_SIZE, d->geom.data_blocks * JRBD_BLOCK_SIZE) ||
	    nla_put_string(msg, JRBD_A_STATE, state) ||
	    nla_put_u32(msg, JRBD_A_ERROR, jrbd_dev_failed(d)) ||
	    nla_put_u32(msg, JRBD_A_OPEN_COUNT, opens) ||
	    nla_put_u32(msg, JRBD_A_NODE_ID, d->sb.node_id) ||
	    jrbd_put_u64(msg, JRBD_A_TERM, d->term) ||
	    nla_put_string(msg, JRBD_A_DEV_UUID, uuid[0]) ||
	    nla_put_string(msg, JRBD_A_CLUSTER_UUID, uuid[1]) ||
	    jrbd_put_u64(msg, JRBD_A_JOURNAL_BLOCKS, d->geom.journal_blocks) ||
	    jrbd_put_u64(msg, JRBD_A_JOURNAL_USED, used) ||
	    jrbd_put_u64(msg, JRBD_A_HEAD_SEQ, head) ||
	    jrbd_put_u64(msg, JRBD_A_TAIL_SEQ, tail) ||
	    jrbd_put_u64(msg, JRBD_A_NEXT_INDEX, next) ||
	    jrbd_put_u64(msg, JRBD_A_WRITTEN_INDEX, written) ||
	    jrbd_put_u64(msg, JRBD_A_DURABLE_INDEX, durable) ||
	    jrbd_put_u64(msg, JRBD_A_COMMIT_INDEX, commit) ||
	    jrbd_put_u64(msg, JRBD_A_CHECKPOINT_INDEX, ckpt) ||
	    jrbd_put_u64(msg, JRBD_A_PENDING_ENTRIES, pending) ||
	    jrbd_put_u64(msg, JRBD_A_READS, atomic64_read(&st->reads)) ||
	    jrbd_put_u64(msg, JRBD_A_WRITES, atomic64_read(&st->writes)) ||
	    jrbd_put_u64(msg, JRBD_A_FLUSHES, atomic64_read(&st->flushes)) ||
	    jrbd_put_u64(msg, JRBD_A_BYTES_READ, atomic64_read(&st->bytes_read)) ||
	    jrbd_put_u64(msg, JRBD_A_BYTES_WRITTEN, atomic64_read(&st->bytes_written)) ||
	    jrbd_put_u64(msg, JRBD_A_JOURNAL_WRITES, atomic64_read(&st->journal_writes)) ||
	    jrbd_put_u64(msg, JRBD_A_CKPT_ROUNDS, atomic64_read(&st->ckpt_rounds)) ||
	    jrbd_put_u64(msg, JRBD_A_CKPT_BLOCKS, atomic64_read(&st->ckpt_blocks)) ||
	    jrbd_put_u64(msg, JRBD_A_SPACE_WAITS, atomic64_read(&st->space_waits)) ||
	    jrbd_put_u64(msg, JRBD_A_REC_ENTRIES, d->rec.entries) ||
	    jrbd_put_u64(msg, JRBD_A_REC_BYTES, d->rec.bytes) ||
	    jrbd_put_u64(msg, JRBD_A_REC_USECS, d->rec.usecs) ||
	    nla_put_string(msg, JRBD_A_REC_STOP, d->rec.stop ? d->rec.stop : "") ||
	    jrbd_put_u64(msg, JRBD_A_FAST_COMMITS, atomic64_read(&st->fast_commits)))
		return -EMSGSIZE;
	return 0;
}

static struct sk_buff *jrbd_nl_dev_msg(struct jrbd_dev *d, u32 portid,
				       u32 seq, int flags, int cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, portid, seq, &jrbd_genl_family, flags, cmd);
	if (!hdr || jrbd_nl_fill_dev(msg, d)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/*
 * Events group: state of @d after a change (EV_*).  Also called from the
 * stage workqueues (WQ_MEM_RECLAIM): allocations must not recurse into
 * I/O.  Nothing is sent once the family is going away.
 */
void jrbd_nl_notify(struct jrbd_dev *d, int cmd)
{
	unsigned int noio = memalloc_noio_save();
	struct sk_buff *msg;

	if (!READ_ONCE(jrbd_mod.exiting)) {
		msg = jrbd_nl_dev_msg(d, 0, 0, 0, cmd);
		if (msg)
			genlmsg_multicast(&jrbd_genl_family, msg, 0, 0, GFP_KERNEL);
	}
	memalloc_noio_restore(noio);
}

/*
 * A name is what `jrbdctl` and udev rules will see: keep it plain, and
 * let it start with a letter or digit (no "-", ".", "..").  ASCII only:
 * the kernel's isalnum() also takes the Latin-1 letters 0xc0-0xff.
 */
static bool jrbd_name_char(char c)
{
	return isascii(c) && isalnum(c);
}

static bool jrbd_name_ok(const char *s)
{
	if (!jrbd_name_char(*s))
		return false;
	for (; *s; s++)
		if (!jrbd_name_char(*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

static int jrbd_nl_create(struct sk_buff *skb, struct genl_info *info)
{
	struct jrbd_dev_cfg cfg = { 0 };
	struct jrbd_dev *d;
	struct sk_buff *msg;
	int r;

	nla_strscpy(cfg.name, info->attrs[JRBD_A_DEV_NAME], sizeof(cfg.name));
	nla_strscpy(cfg.backing_path, info->attrs[JRBD_A_BACKING_PATH],
		    sizeof(cfg.backing_path));
	if (!jrbd_name_ok(cfg.name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[JRBD_A_DEV_NAME],
			"name must be 1-31 of [A-Za-z0-9._-], starting with a letter or digit");
		return -EINVAL;
	}
	if (cfg.backing_path[0] != '/') {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[JRBD_A_BACKING_PATH],
			"backing device must be an absolute path");
		return -EINVAL;
	}
	mutex_lock(&jrbd_mod.ctl_lock);
	r = jrbd_dev_create(&cfg, &d, info->extack);
	if (r)
		goto out;
	msg = jrbd_nl_dev_msg(d, info->snd_portid, info->snd_seq, 0,
			      JRBD_CMD_CREATE);
	jrbd_nl_notify(d, JRBD_CMD_EV_CREATED);
	r = msg ? genlmsg_reply(msg, info) : 0;
out:
	mutex_unlock(&jrbd_mod.ctl_lock);
	return r;
}

static struct jrbd_dev *jrbd_nl_find(struct genl_info *info)
{
	char name[JRBD_NAME_LEN];
	struct jrbd_dev *d;

	nla_strscpy(name, info->attrs[JRBD_A_DEV_NAME], sizeof(name));
	d = jrbd_dev_find(name);
	if (!d)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[JRBD_A_DEV_NAME],
				    "no jrbd device with this name");
	return d;
}

static int jrbd_nl_remove(struct sk_buff *skb, struct genl_info *info)
{
	struct jrbd_dev *d;
	struct sk_buff *ev;
	int r = -ENODEV;

	mutex_lock(&jrbd_mod.ctl_lock);
	d = jrbd_nl_find(info);
	if (!d)
		goto out;
	/* Built before: the device is gone after a successful remove. */
	ev = jrbd_nl_dev_msg(d, 0, 0, 0, JRBD_CMD_EV_REMOVED);
	r = jrbd_dev_remove(d, info->extack);
	if (ev && !r)
		genlmsg_multicast(&jrbd_genl_family, ev, 0, 0, GFP_KERNEL);
	else
		nlmsg_free(ev);
out:
	mutex_unlock(&jrbd_mod.ctl_lock);
	return r;
}

static int jrbd_nl_get_dev(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg = NULL;
	struct jrbd_dev *d;
	int r = -ENODEV;

	if (!info->attrs[JRBD_A_DEV_NAME]) {
		NL_SET_ERR_MSG(info->extack,
			       "GET_DEV needs DEV_NAME, or a dump request for all devices");
		return -EINVAL;
	}
	mutex_lock(&jrbd_mod.ctl_lock);
	d = jrbd_nl_find(info);
	if (d) {
		msg = jrbd_nl_dev_msg(d, info->snd_portid, info->snd_seq, 0,
				      JRBD_CMD_GET_DEV);
		r = msg ? 0 : -ENOMEM;
	}
	mutex_unlock(&jrbd_mod.ctl_lock);
	return msg ? genlmsg_reply(msg, info) : r;
}

/* pre_doit does not run for dumps: the same attribute check here. */
static int jrbd_nl_dump_start(struct netlink_callback *cb)
{
	return jrbd_nl_check_attrs(JRBD_CMD_GET_DEV, jrbd_dump_attrs(cb),
				   false, cb->extack);
}

/*
 * Dump: one message per device, or only the one named by DEV_NAME;
 * cb->args[0] = devices already done (sent or passed over).  A device
 * counts as done only once its message is complete: when this part is
 * full, be it at the header or in the attributes, the next part starts
 * with it.
 */
static int jrbd_nl_dump_devs(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *attr = jrbd_dump_attrs(cb)[JRBD_A_DEV_NAME];
	char name[JRBD_NAME_LEN];
	struct jrbd_dev *d;
	long i = 0, skip = cb->args[0];

	/*
	 * The name as the doits read it: up to its NUL (NLA_NUL_STRING lets
	 * bytes follow it, which nla_strcmp() would compare too).
	 */
	if (attr)
		nla_strscpy(name, attr, sizeof(name));
	mutex_lock(&jrbd_mod.ctl_lock);
	list_for_each_entry(d, &jrbd_mod.devices, node) {
		void *hdr;

		if (i < skip || (attr && strcmp(name, d->cfg.name))) {
			i++;
			continue;
		}
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &jrbd_genl_family,
				  NLM_F_MULTI, JRBD_CMD_GET_DEV);
		if (!hdr)
			break;
		if (jrbd_nl_fill_dev(skb, d)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		i++;
	}
	mutex_unlock(&jrbd_mod.ctl_lock);
	cb->args[0] = i;
	return skb->len;
}

static int jrbd_nl_message(struct sk_buff *skb, struct genl_info *info)
{
	char m[64];
	struct jrbd_dev *d;
	int r = -ENODEV;

	nla_strscpy(m, info->attrs[JRBD_A_MESSAGE], sizeof(m));
	mutex_lock(&jrbd_mod.ctl_lock);
	d = jrbd_nl_find(info);
	if (!d)
		goto out;
	if (strcmp(m, "checkpoint")) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[JRBD_A_MESSAGE],
				    "unknown message (known: checkpoint)");
		r = -EINVAL;
		goto out;
	}
	if (d->removing) {
		NL_SET_ERR_MSG(info->extack, "device is being removed");
		r = -EBUSY;
		goto out;
	}
	/*
	 * The checkpoint waits for the disk: not under ->ctl_lock, or
	 * status and every other device would wait as long.  ->ctl_busy
	 * keeps remove off the device meanwhile.
	 */
	d->ctl_busy++;
	mutex_unlock(&jrbd_mod.ctl_lock);
	r = jrbd_checkpoint_all(d);
	mutex_lock(&jrbd_mod.ctl_lock);
	d->ctl_busy--;
	if (r == -EINTR)
		NL_SET_ERR_MSG(info->extack, "interrupted while writing the journal home");
	else if (r)
		NL_SET_ERR_MSG(info->extack, "device failed during the checkpoint");
	else
		jrbd_nl_notify(d, JRBD_CMD_EV_CHANGED);
out:
	mutex_unlock(&jrbd_mod.ctl_lock);
	return r;
}

static const struct genl_ops jrbd_genl_ops[] = {
	{
		.cmd = JRBD_CMD_GET_INFO,
		.doit = jrbd_nl_get_info,
	},
	{
		.cmd = JRBD_CMD_CREATE,
		.doit = jrbd_nl_create,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = JRBD_CMD_REMOVE,
		.doit = jrbd_nl_remove,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = JRBD_CMD_GET_DEV,
		.doit = jrbd_nl_get_dev,
		.start = jrbd_nl_dump_start,
		.dumpit = jrbd_nl_dump_devs,
	},
	{
		.cmd = JRBD_CMD_MESSAGE,
		.doit = jrbd_nl_message,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group jrbd_genl_mcgrps[] = {
	{ .name = JRBD_GENL_MCGRP_EVENTS },
};

static struct genl_family jrbd_genl_family __ro_after_init = {
	.name = JRBD_GENL_NAME,
	.version = JRBD_GENL_VERSION,
	.maxattr = JRBD_A_MAX,
	.policy = jrbd_nl_policy,
	.netnsok = false,
	/*
	 * ->ctl_lock serialises our ops; without parallel_ops a slow
	 * checkpoint would also hold genl_mutex and stall every other
	 * generic netlink family.
	 */
	.parallel_ops = true,
	.pre_doit = jrbd_nl_pre_doit,
	.module = THIS_MODULE,
	.ops = jrbd_genl_ops,
	.n_ops = ARRAY_SIZE(jrbd_genl_ops),
	.resv_start_op = JRBD_CMD_MAX + 1,
	.mcgrps = jrbd_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(jrbd_genl_mcgrps),
};

/* The ops above must say what the table in jrbd_genl.h says. */
static int jrbd_nl_check_ops(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(jrbd_genl_ops); i++) {
		const struct genl_ops *op = &jrbd_genl_ops[i];
		unsigned int f = jrbd_nl_cmd_specs[op->cmd].flags;

		if (!!(op->flags & GENL_ADMIN_PERM) != !!(f & JRBD_GENL_ADMIN) ||
		    !!op->dumpit != !!(f & JRBD_GENL_DUMP) ||
		    (f & JRBD_GENL_NOTIFY)) {
			pr_err("netlink op %u disagrees with jrbd_genl.h\n", op->cmd);
			return -EINVAL;
		}
	}
	return 0;
}

int jrbd_genl_register(void)
{
	int r = jrbd_nl_check_ops();

	return r ? r : genl_register_family(&jrbd_genl_family);
}

void jrbd_genl_unregister(void)
{
	genl_unregister_family(&jrbd_genl_family);
}
