// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl version: the tool's version and, when jrbd.ko is loaded, what
 * the module reports over netlink (GET_INFO).
 */
#include <errno.h>
#include <string.h>
#include <json-c/json.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <jrbd/jrbd_version.h>
#include "jrbd_nl.h"
#include "jrbdctl.h"

int cmd_version(const struct jrbdctl_opts *o, int argc, char **argv)
{
	struct nlattr *tb[JRBD_A_MAX + 1];
	struct jrbd_nl *nl = NULL;
	struct json_object *root, *mod;
	struct nl_msg *msg, *reply = NULL;
	int r;

	r = jrbd_nl_open(&nl);
	if (r == -ENOENT) {
		if (o->json) {
			root = json_object_new_object();
			json_object_object_add(root, "jrbdctl_version",
					       json_object_new_string(JRBD_VERSION));
			json_object_object_add(root, "module", NULL);
			printf("%s\n", json_object_to_json_string_ext(root,
					JSON_C_TO_STRING_PRETTY));
			json_object_put(root);
		} else {
			printf("jrbdctl %s\njrbd.ko not loaded\n", JRBD_VERSION);
		}
		return 0;
	}
	if (r < 0) {
		jrbdctl_err("cannot open generic netlink: %s", strerror(-r));
		return r;
	}
	msg = jrbd_nl_msg(nl, JRBD_CMD_GET_INFO, 0);
	if (!msg) {
		r = -ENOMEM;
		goto out;
	}
	r = jrbd_nl_request(nl, msg, &reply, tb);
	if (r < 0) {
		jrbdctl_err("GET_INFO failed: %s%s%s", strerror(-r),
			    nl->errmsg[0] ? ": " : "", nl->errmsg);
		goto out;
	}
	if (!tb[JRBD_A_MODULE_VERSION] || !tb[JRBD_A_GENL_VERSION] ||
	    !tb[JRBD_A_MAJOR] || !tb[JRBD_A_DEV_COUNT]) {
		jrbdctl_err("GET_INFO reply lacks attributes");
		r = -EBADMSG;
		goto out;
	}
	if (o->json) {
		root = json_object_new_object();
		mod = json_object_new_object();
		json_object_object_add(root, "jrbdctl_version",
				       json_object_new_string(JRBD_VERSION));
		json_object_object_add(mod, "version",
			json_object_new_string(nla_get_string(tb[JRBD_A_MODULE_VERSION])));
		json_object_object_add(mod, "genl_version",
			json_object_new_int64(nla_get_u32(tb[JRBD_A_GENL_VERSION])));
		json_object_object_add(mod, "major",
			json_object_new_int64(nla_get_u32(tb[JRBD_A_MAJOR])));
		json_object_object_add(mod, "devices",
			json_object_new_int64(nla_get_u32(tb[JRBD_A_DEV_COUNT])));
		json_object_object_add(root, "module", mod);
		printf("%s\n", json_object_to_json_string_ext(root,
				JSON_C_TO_STRING_PRETTY));
		json_object_put(root);
	} else {
		printf("jrbdctl %s\njrbd.ko %s (netlink family version %u, major %u, %u devices)\n",
		       JRBD_VERSION, nla_get_string(tb[JRBD_A_MODULE_VERSION]),
		       nla_get_u32(tb[JRBD_A_GENL_VERSION]),
		       nla_get_u32(tb[JRBD_A_MAJOR]),
		       nla_get_u32(tb[JRBD_A_DEV_COUNT]));
	}
	r = 0;
out:
	nlmsg_free(reply);
	jrbd_nl_close(nl);
	return r;
}
