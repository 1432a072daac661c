// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl: administer jrbd devices, dmsetup-style.
 *
 *	jrbdctl [--json] [--module PATH] [-v] VERB [ARGS...]
 *
 * Verbs come from one const table (kmod's tools/kmod.c, dmsetup's
 * _dmsetup_commands[]): exact names, argument counts and preconditions
 * are checked here once, and `help` is generated from the table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jrbd/jrbd_version.h>
#include "jrbd_kmod.h"
#include "jrbdctl.h"

static const char *current_verb = NULL;
static const struct jrbdctl_cmd *current_cmd = NULL;

void jrbdctl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jrbdctl: %s%s", current_verb ? current_verb : "",
		current_verb ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int jrbdctl_bad_option(int opt, char **argv)
{
	if (opt == ':')
		jrbdctl_err("option '%s' needs an argument", argv[optind - 1]);
	else
		jrbdctl_err("unknown option '%s'", argv[optind - 1]);
	return -EINVAL;
}

int jrbdctl_one_operand(int argc, char **argv, const char **path)
{
	if (argc - optind != 1) {
		jrbdctl_err(argc - optind ? "exactly one device or file expected"
					  : "no device or file given");
		return -EINVAL;
	}
	if (!argv[optind][0]) {
		jrbdctl_err("the device or file name is empty");
		return -EINVAL;
	}
	*path = argv[optind];
	return 0;
}

static int cmd_help(const struct jrbdctl_opts *o, int argc, char **argv);

static const struct jrbdctl_cmd commands[] = {
	{ "help", cmd_help, 0, 0, 0, "",
	  "show this list" },
	{ "version", cmd_version, 0, 0, 0, "",
	  "versions of jrbdctl and of the loaded jrbd.ko" },
	{ "format", cmd_format, 1, -1, 0,
	  "DEV|FILE [--journal-size SIZE] [--size SIZE] [--journal-sector 512|4096] [--payload-align 512|off] "
	  "[--node-id N] [--cluster-uuid UUID] [--force] [--json] [-v]",
	  "write superblocks and an empty journal (SIZE: bytes or K/M/G/T)" },
	{ "dump", cmd_dump, 1, -1, 0,
	  "DEV|FILE [--from SEQ] [--count N] [--all] [--json]",
	  "show both superblocks, then the journal block by block" },
	{ "check", cmd_check, 1, -1, 0, "DEV|FILE [--json]",
	  "validate superblocks and journal; exit 0 clean, 4 problems, 8 error" },
	{ "create", cmd_create, 2, 2, JRBDCTL_ROOT | JRBDCTL_MODULE, "NAME DEV",
	  "recover the formatted DEV and expose it as /dev/jrbdN" },
	{ "remove", cmd_remove, 1, 1, JRBDCTL_ROOT | JRBDCTL_MODULE, "NAME",
	  "drain, checkpoint and release a device (fails while open)" },
	{ "ls", cmd_ls, 0, 0, JRBDCTL_MODULE, "",
	  "list devices: name (major:minor)" },
	{ "info", cmd_info, 0, 1, JRBDCTL_MODULE, "[NAME]",
	  "identity, state and recovery figures of devices" },
	{ "status", cmd_status, 0, 1, JRBDCTL_MODULE, "[NAME]",
	  "one line per device: journal fill, indexes, counters" },
	{ "table", cmd_table, 0, 1, JRBDCTL_MODULE, "[NAME]",
	  "the mapping of each device: 0 SECTORS jrbd BACKING" },
	{ "message", cmd_message, 2, 2, JRBDCTL_ROOT | JRBDCTL_MODULE,
	  "NAME MESSAGE", "send a message to a device: checkpoint" },
	{ "events", cmd_events, 0, 1, JRBDCTL_MODULE, "[--now]",
	  "current state of every device, then changes as they happen" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: jrbdctl [--json] [--module PATH] [-v] VERB [ARGS...]\n\n"
		   "Verbs:\n");
	for (i = 0; i < N_COMMANDS; i++) {
		if (strlen(commands[i].args) <= 32)
			fprintf(f, "  %-10s %-32s %s\n", commands[i].name,
				commands[i].args, commands[i].help);
		else
			fprintf(f, "  %-10s %s\n  %-10s %-32s %s\n",
				commands[i].name, commands[i].args, "", "",
				commands[i].help);
	}
	fprintf(f, "\nOptions:\n"
		   "  --json         machine-readable output (one JSON document)\n"
		   "  --module PATH  load this jrbd.ko instead of the installed one\n"
		   "  -v             more detail on stderr\n"
		   "  -h, --help     this text\n");
}

static int cmd_help(const struct jrbdctl_opts *o, int argc, char **argv)
{
	usage(stdout);
	return 0;
}

int jrbdctl_usage_verb(void)
{
	if (current_cmd)
		fprintf(stderr, "usage: jrbdctl %s%s%s\n", current_cmd->name,
			current_cmd->args[0] ? " " : "", current_cmd->args);
	return JRBDCTL_EXIT_USAGE;
}

static const struct jrbdctl_cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct jrbdctl_opts o = { 0 };
	const struct jrbdctl_cmd *cmd;
	char err[512];
	int c, nargs, r;

	/* "+": stop at the verb; its own options are the verb's. */
	while ((c = getopt_long(argc, argv, "+vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'm':
			o.module = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return JRBDCTL_EXIT_OK;
		case 'V':
			printf("jrbdctl %s\n", JRBD_VERSION);
			return JRBDCTL_EXIT_OK;
		default:
			usage(stderr);
			return JRBDCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return JRBDCTL_EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		jrbdctl_err("unknown verb '%s' (see jrbdctl help)", argv[optind]);
		return JRBDCTL_EXIT_USAGE;
	}
	current_verb = cmd->name;
	current_cmd = cmd;
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args)) {
		jrbdctl_err("wrong number of arguments");
		return jrbdctl_usage_verb();
	}
	if ((cmd->flags & JRBDCTL_ROOT) && geteuid() != 0) {
		jrbdctl_err("needs root");
		return JRBDCTL_EXIT_FAIL;
	}
	if ((cmd->flags & JRBDCTL_MODULE) || o.module) {
		r = jrbd_module_load(o.module, err, sizeof(err));
		if (r < 0) {
			jrbdctl_err("%s", err);
			return JRBDCTL_EXIT_FAIL;
		}
	}
	/* The verb sees its own argv: argv[0] is the verb name. */
	optind++;
	r = cmd->fn(&o, nargs + 1, argv + optind - 1);
	if (r < 0)
		return JRBDCTL_EXIT_FAIL;
	return r;
}
