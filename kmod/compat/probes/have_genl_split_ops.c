// SPDX-License-Identifier: GPL-2.0-only
/* 6.2+: genl_family.pre_doit receives a struct genl_split_ops. */
#include <net/genetlink.h>

int probe(const struct genl_split_ops *ops);
int probe(const struct genl_split_ops *ops)
{
	return ops->cmd;
}
