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
#include <net/genetlink.h>
#include "jrbd.h"

static const struct nla_policy jrbd_nl_policy[JRBD_A_MAX + 1] = {
#define JRBD_NL_POLICY(n, t, l, d) [JRBD_A_##n] = { .type = t, .len = l },
	JRBD_GENL_ATTRS(JRBD_NL_POLICY)
#undef JRBD_NL_POLICY
};

struct jrbd_nl_cmd_spec {
	u64 required;
	u64 allowed;
};

static const struct jrbd_nl_cmd_spec jrbd_nl_cmd_specs[JRBD_CMD_MAX + 1] = {
#define JRBD_NL_SPEC(n, f, req, opt, d)					\
	[JRBD_CMD_##n] = { .required = (req), .allowed = (req) | (opt) },
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

static int jrbd_nl_pre_doit(const jrbd_genl_op_t *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	const struct jrbd_nl_cmd_spec *spec;
	int a;

	if (ops->cmd > JRBD_CMD_MAX)
		return -EOPNOTSUPP;
	spec = &jrbd_nl_cmd_specs[ops->cmd];

	for (a = 1; a <= JRBD_A_MAX; a++) {
		bool present = info->attrs[a] != NULL;

		if (present && !(spec->allowed & (1ULL << a))) {
			jrbd_nl_err(info->extack, info->attrs[a],
				    jrbd_nl_msg_unexpected[a]);
			return -EINVAL;
		}
		if (!present && (spec->required & (1ULL << a))) {
			NL_SET_ERR_ATTR_MISS(info->extack, NULL, a);
			jrbd_nl_err(info->extack, NULL,
				    jrbd_nl_msg_missing[a]);
			return -EINVAL;
		}
	}
	return 0;
}

static int jrbd_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int r = -EMSGSIZE;

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
	return r;
}

static const struct genl_ops jrbd_genl_ops[] = {
	{
		.cmd = JRBD_CMD_GET_INFO,
		.doit = jrbd_nl_get_info,
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
	.parallel_ops = false,
	.pre_doit = jrbd_nl_pre_doit,
	.module = THIS_MODULE,
	.ops = jrbd_genl_ops,
	.n_ops = ARRAY_SIZE(jrbd_genl_ops),
	.resv_start_op = JRBD_CMD_MAX + 1,
	.mcgrps = jrbd_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(jrbd_genl_mcgrps),
};

int jrbd_genl_register(void)
{
	return genl_register_family(&jrbd_genl_family);
}

void jrbd_genl_unregister(void)
{
	genl_unregister_family(&jrbd_genl_family);
}
