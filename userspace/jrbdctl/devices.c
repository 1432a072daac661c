// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl device verbs, over the jrbd generic netlink family:
 * create, remove, ls, info, status, table, message, events.
 *
 * --json output is built from the attribute table in jrbd_genl.h: every
 * attribute the kernel sends becomes a key named after it in lower case
 * (DEV_NAME -> "dev_name"), so scripts see one naming style everywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include "jrbd_nl.h"
#include "jrbdctl.h"

static int open_nl(struct jrbd_nl **nl)
{
	int r = jrbd_nl_open(nl);

	if (r == -ENOENT)
		jrbdctl_err("jrbd.ko is not loaded (jrbdctl --module PATH loads a built one)");
	else if (r < 0)
		jrbdctl_err("cannot open generic netlink: %s", strerror(-r));
	return r;
}

static int nl_fail(struct jrbd_nl *nl, int r, const char *what)
{
	jrbdctl_err("%s: %s%s%s", what, strerror(-r), nl->errmsg[0] ? ": " : "",
		    nl->errmsg);
	return r;
}

/* All attributes of a device message as one JSON object. */
static struct json_object *attrs_json(struct nlattr *tb[JRBD_A_MAX + 1])
{
	struct json_object *o = json_object_new_object();
	char key[64];
	int a;
	size_t i;

	for (a = 1; a <= JRBD_A_MAX; a++) {
		struct json_object *v;

		if (!tb[a] || a == JRBD_A_PAD)
			continue;
		for (i = 0; jrbd_nl_attr_name[a][i] && i < sizeof(key) - 1; i++)
			key[i] = tolower((unsigned char)jrbd_nl_attr_name[a][i]);
		key[i] = '\0';
		switch (jrbd_nl_policy[a].type) {
		case NLA_U32:
			v = json_object_new_int64(nla_get_u32(tb[a]));
			break;
		case NLA_U64:
			v = json_object_new_int64((int64_t)nla_get_u64(tb[a]));
			break;
		case NLA_NUL_STRING:
		case NLA_STRING:
			v = json_object_new_string(nla_get_string(tb[a]));
			break;
		default:
			continue;
		}
		json_object_object_add(o, key, v);
	}
	return o;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
}

static uint64_t u64a(struct nlattr *tb[], int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

static uint32_t u32a(struct nlattr *tb[], int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static const char *stra(struct nlattr *tb[], int a)
{
	return tb[a] ? nla_get_string(tb[a]) : "";
}

/* The kernel's rule (kmod/netlink.c), checked first for a clear message. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 31 || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */

/*
 * A request naming a device (DEV_NAME, and @attr = @value when @attr is
 * not 0).  With @reply, the answer is parsed into @tb (see
 * jrbd_nl_request()); failures are reported here, under the device name.
 */
static int name_request(struct jrbd_nl *nl, int cmd, const char *name,
			int attr, const char *value, struct nl_msg **reply,
			struct nlattr *tb[JRBD_A_MAX + 1])
{
	struct nl_msg *msg;
	int r;

	/* Longer than the family takes (jrbd_genl.h; maxlen counts the
	 * NUL): say so plainly rather than fail to build the message. */
	if (attr && jrbd_nl_policy[attr].maxlen &&
	    strlen(value) >= jrbd_nl_policy[attr].maxlen) {
		jrbdctl_err("%s: %s is too long: %zu bytes, at most %u", name,
			    jrbd_nl_attr_name[attr], strlen(value),
			    (unsigned int)jrbd_nl_policy[attr].maxlen - 1);
		return -EINVAL;
	}
	msg = jrbd_nl_msg(nl, cmd, 0);
	if (!msg || nla_put_string(msg, JRBD_A_DEV_NAME, name) ||
	    (attr && nla_put_string(msg, attr, value))) {
		nlmsg_free(msg);
		jrbdctl_err("%s: cannot build the request", name);
		return -ENOMEM;
	}
	r = jrbd_nl_request(nl, msg, reply, tb);
	if (r < 0)
		nl_fail(nl, r, name);
	return r;
}

/* Open netlink, send a name_request() expecting only an ack, close. */
static int simple_request(int cmd, const char *name, int attr,
			  const char *value)
{
	struct jrbd_nl *nl = NULL;
	int r;

	r = open_nl(&nl);
	if (r < 0)
		return r;
	r = name_request(nl, cmd, name, attr, value, NULL, NULL);
	jrbd_nl_close(nl);
	return r;
}

int cmd_create(const struct jrbdctl_opts *o, int argc, char **argv)
{
	struct nlattr *tb[JRBD_A_MAX + 1];
	struct nl_msg *reply = NULL;
	struct jrbd_nl *nl = NULL;
	char path[PATH_MAX];
	struct stat st;
	int r;

	if (!name_ok(argv[1])) {
		jrbdctl_err("bad name '%s': name must be 1-31 of [A-Za-z0-9._-], starting with a letter or digit",
			    argv[1]);
		return -EINVAL;
	}
	if (!realpath(argv[2], path)) {
		r = -errno;
		jrbdctl_err("%s: %s", argv[2], strerror(errno));
		return r;
	}
	if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode)) {
		jrbdctl_err("%s is not a block device (for an image file, use losetup first)",
			    path);
		return -ENOTBLK;
	}
	r = open_nl(&nl);
	if (r < 0)
		return r;
	r = name_request(nl, JRBD_CMD_CREATE, argv[1], JRBD_A_BACKING_PATH,
			 path, &reply, tb);
	if (r < 0)
		goto out;
	if (o->json) {
		struct json_object *j = attrs_json(tb);

		print_json(j);
		json_object_put(j);
	} else {
		printf("%s: /dev/jrbd%u, %llu bytes on %s; recovered %llu entries in %llu us (%s)\n",
		       stra(tb, JRBD_A_DEV_NAME), u32a(tb, JRBD_A_MINOR),
		       (unsigned long long)u64a(tb, JRBD_A_SIZE), path,
		       (unsigned long long)u64a(tb, JRBD_A_REC_ENTRIES),
		       (unsigned long long)u64a(tb, JRBD_A_REC_USECS),
		       stra(tb, JRBD_A_REC_STOP));
	}
out:
	nlmsg_free(reply);
	jrbd_nl_close(nl);
	return r;
}

int cmd_remove(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return simple_request(JRBD_CMD_REMOVE, argv[1], 0, NULL);
}

int cmd_message(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return simple_request(JRBD_CMD_MESSAGE, argv[1], JRBD_A_MESSAGE, argv[2]);
}

/* ------------------------------------------------------------------ */
/* ls, info, status, table: one device (NAME) or all (a dump). */

enum dev_view { VIEW_LS, VIEW_INFO, VIEW_STATUS, VIEW_TABLE };

struct view_ctx {
	const struct jrbdctl_opts *o;
	enum dev_view view;
	struct json_object *arr;
	unsigned int major;
	int count;
};

static void print_dev(struct view_ctx *c, struct nlattr *tb[])
{
	const char *name = stra(tb, JRBD_A_DEV_NAME);
	uint64_t sectors = u64a(tb, JRBD_A_SIZE) / 512;
	uint64_t jb = u64a(tb, JRBD_A_JOURNAL_BLOCKS), used = u64a(tb, JRBD_A_JOURNAL_USED);

	c->count++;
	if (c->o->json) {
		json_object_array_add(c->arr, attrs_json(tb));
		return;
	}
	switch (c->view) {
	case VIEW_LS:
		printf("%s\t(%u:%u)\n", name, c->major, u32a(tb, JRBD_A_MINOR));
		break;
	case VIEW_TABLE:
		printf("%s: 0 %llu jrbd %s\n", name, (unsigned long long)sectors,
		       stra(tb, JRBD_A_BACKING_PATH));
		break;
	case VIEW_INFO:
		printf("Name:              %s\n"
		       "State:             %s%s%s\n"
		       "Open count:        %u\n"
		       "Major, minor:      %u, %u\n"
		       "Device:            /dev/jrbd%u\n"
		       "Size:              %llu bytes\n"
		       "Backing device:    %s\n"
		       "Node id, term:     %u, %llu\n"
		       "Device UUID:       %s\n"
		       "Cluster UUID:      %s\n"
		       "Journal:           %llu x 32 KiB blocks\n"
		       "Recovery:          %llu entries, %llu bytes, %llu us, stopped at %s\n\n",
		       name, stra(tb, JRBD_A_STATE),
		       u32a(tb, JRBD_A_ERROR) ? " error " : "",
		       u32a(tb, JRBD_A_ERROR) ? strerror(u32a(tb, JRBD_A_ERROR)) : "",
		       u32a(tb, JRBD_A_OPEN_COUNT), c->major, u32a(tb, JRBD_A_MINOR),
		       u32a(tb, JRBD_A_MINOR), (unsigned long long)u64a(tb, JRBD_A_SIZE),
		       stra(tb, JRBD_A_BACKING_PATH), u32a(tb, JRBD_A_NODE_ID),
		       (unsigned long long)u64a(tb, JRBD_A_TERM),
		       stra(tb, JRBD_A_DEV_UUID), stra(tb, JRBD_A_CLUSTER_UUID),
		       (unsigned long long)jb,
		       (unsigned long long)u64a(tb, JRBD_A_REC_ENTRIES),
		       (unsigned long long)u64a(tb, JRBD_A_REC_BYTES),
		       (unsigned long long)u64a(tb, JRBD_A_REC_USECS),
		       stra(tb, JRBD_A_REC_STOP));
		break;
	case VIEW_STATUS:
		/* dmsetup status: name: start length target args... */
		printf("%s: 0 %llu jrbd %s journal %llu/%llu %llu%% head %llu tail %llu "
		       "index next %llu written %llu durable %llu commit %llu ckpt %llu "
		       "pending %llu reads %llu writes %llu flushes %llu "
		       "journal_writes %llu ckpt_rounds %llu ckpt_blocks %llu space_waits %llu "
		       "fast_commits %llu\n",
		       name, (unsigned long long)sectors, stra(tb, JRBD_A_STATE),
		       (unsigned long long)used, (unsigned long long)jb,
		       (unsigned long long)(jb ? used * 100 / jb : 0),
		       (unsigned long long)u64a(tb, JRBD_A_HEAD_SEQ),
		       (unsigned long long)u64a(tb, JRBD_A_TAIL_SEQ),
		       (unsigned long long)u64a(tb, JRBD_A_NEXT_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_WRITTEN_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_DURABLE_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_COMMIT_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_CHECKPOINT_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_PENDING_ENTRIES),
		       (unsigned long long)u64a(tb, JRBD_A_READS),
		       (unsigned long long)u64a(tb, JRBD_A_WRITES),
		       (unsigned long long)u64a(tb, JRBD_A_FLUSHES),
		       (unsigned long long)u64a(tb, JRBD_A_JOURNAL_WRITES),
		       (unsigned long long)u64a(tb, JRBD_A_CKPT_ROUNDS),
		       (unsigned long long)u64a(tb, JRBD_A_CKPT_BLOCKS),
		       (unsigned long long)u64a(tb, JRBD_A_SPACE_WAITS),
		       (unsigned long long)u64a(tb, JRBD_A_FAST_COMMITS));
		break;
	}
}

static int view_cb(int cmd, struct nlattr *tb[JRBD_A_MAX + 1], void *arg)
{
	print_dev(arg, tb);
	return 0;
}

static int get_major(struct jrbd_nl *nl, unsigned int *major)
{
	struct nlattr *tb[JRBD_A_MAX + 1];
	struct nl_msg *msg, *reply = NULL;
	int r;

	msg = jrbd_nl_msg(nl, JRBD_CMD_GET_INFO, 0);
	if (!msg)
		return -ENOMEM;
	r = jrbd_nl_request(nl, msg, &reply, tb);
	if (r == 0)
		*major = u32a(tb, JRBD_A_MAJOR);
	nlmsg_free(reply);
	return r;
}

static int dev_view(const struct jrbdctl_opts *o, int argc, char **argv,
		    enum dev_view view)
{
	struct view_ctx c = { .o = o, .view = view };
	struct nlattr *tb[JRBD_A_MAX + 1];
	struct nl_msg *reply = NULL;
	struct jrbd_nl *nl = NULL;
	int r;

	r = open_nl(&nl);
	if (r < 0)
		return r;
	r = get_major(nl, &c.major);
	if (r < 0) {
		nl_fail(nl, r, "GET_INFO");
		goto out;
	}
	if (o->json)
		c.arr = json_object_new_array();
	if (argc > 1) {
		r = name_request(nl, JRBD_CMD_GET_DEV, argv[1], 0, NULL,
				 &reply, tb);
		if (r < 0)
			goto out;
		print_dev(&c, tb);
	} else {
		r = jrbd_nl_dump(nl, JRBD_CMD_GET_DEV, view_cb, &c);
		if (r < 0) {
			nl_fail(nl, r, "GET_DEV dump");
			goto out;
		}
		if (!c.count && !o->json && view != VIEW_INFO)
			printf("No devices found\n");
	}
	if (o->json)
		print_json(c.arr);
out:
	json_object_put(c.arr);
	nlmsg_free(reply);
	jrbd_nl_close(nl);
	return r;
}

int cmd_ls(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return dev_view(o, argc, argv, VIEW_LS);
}

int cmd_info(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return dev_view(o, argc, argv, VIEW_INFO);
}

int cmd_status(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return dev_view(o, argc, argv, VIEW_STATUS);
}

int cmd_table(const struct jrbdctl_opts *o, int argc, char **argv)
{
	return dev_view(o, argc, argv, VIEW_TABLE);
}

/* ------------------------------------------------------------------ */
/*
 * events [--now]: like drbdsetup events2 -- the state of every device
 * ("exists"), then every change as it happens ("create", "change",
 * "destroy").  Subscribing before the dump means nothing falls between.
 * --now stops after the initial state.
 */
struct ev_ctx {
	const struct jrbdctl_opts *o;
};

static int ev_cb(int cmd, struct nlattr *tb[JRBD_A_MAX + 1], void *arg)
{
	struct ev_ctx *c = arg;
	const char *what;

	switch (cmd) {
	case JRBD_CMD_GET_DEV:
		what = "exists";
		break;
	case JRBD_CMD_EV_CREATED:
		what = "create";
		break;
	case JRBD_CMD_EV_CHANGED:
		what = "change";
		break;
	case JRBD_CMD_EV_REMOVED:
		what = "destroy";
		break;
	default:
		return 0;	/* newer kernel, unknown event: skip */
	}
	if (c->o->json) {
		struct json_object *j = attrs_json(tb);

		json_object_object_add(j, "event", json_object_new_string(what));
		printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
		json_object_put(j);
	} else {
		printf("%s device name:%s minor:%u state:%s size:%llu commit:%llu ckpt:%llu\n",
		       what, stra(tb, JRBD_A_DEV_NAME), u32a(tb, JRBD_A_MINOR),
		       stra(tb, JRBD_A_STATE),
		       (unsigned long long)u64a(tb, JRBD_A_SIZE),
		       (unsigned long long)u64a(tb, JRBD_A_COMMIT_INDEX),
		       (unsigned long long)u64a(tb, JRBD_A_CHECKPOINT_INDEX));
	}
	fflush(stdout);
	return 0;
}

int cmd_events(const struct jrbdctl_opts *o, int argc, char **argv)
{
	struct ev_ctx c = { .o = o };
	struct jrbd_nl *nl = NULL, *dnl = NULL;
	bool now = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--now"))
			now = true;
		else
			return jrbdctl_usage_verb();
	}
	r = open_nl(&nl);
	if (r < 0)
		return r;
	if (!now) {
		r = jrbd_nl_subscribe(nl);
		if (r < 0) {
			nl_fail(nl, r, "cannot join the events group");
			goto out;
		}
	}
	/* The initial state, on a second socket: the first receives events. */
	r = open_nl(&dnl);
	if (r < 0)
		goto out;
	r = jrbd_nl_dump(dnl, JRBD_CMD_GET_DEV, ev_cb, &c);
	if (r < 0) {
		nl_fail(dnl, r, "GET_DEV dump");
		goto out;
	}
	if (!o->json)
		printf("-\n");	/* end of the initial state, as drbdsetup does */
	fflush(stdout);
	while (!now) {
		r = jrbd_nl_recv_events(nl, ev_cb, &c);
		if (r < 0) {
			nl_fail(nl, r, "receiving events");
			goto out;
		}
	}
out:
	jrbd_nl_close(dnl);
	jrbd_nl_close(nl);
	return r;
}
