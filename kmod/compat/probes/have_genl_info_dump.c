// SPDX-License-Identifier: GPL-2.0-only
/* 6.6+: a dump's parsed request is a struct genl_info (genl_info_dump()). */
#include <net/genetlink.h>

struct nlattr **probe(struct netlink_callback *cb);
struct nlattr **probe(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
