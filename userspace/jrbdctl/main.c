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

static int cmd_help(const struct jrbdctl_opts *o, int argc, char **argv);

static const struct jrbdctl_cmd commands[] = {
	{ "help", cmd_help, 0, 0, 0, "",
	  "show this list" },
	{ "version", cmd_version, 0, 0, 0, "",
	  "versions of jrbdctl and of the loaded jrbd.ko" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: jrbdctl [--json] [--module PATH] [-v] VERB [ARGS...]\n\n"
		   "Verbs:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %-32s %s\n", commands[i].name,
			commands[i].args, commands[i].help);
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
	nargs = argc - optind - 1;
	if (nargs < cmd->min_args ||
	    (cmd->max_args >= 0 && nargs > cmd->max_args)) {
		jrbdctl_err("wrong number of arguments\nusage: jrbdctl %s%s%s",
			    cmd->name, cmd->args[0] ? " " : "", cmd->args);
		return JRBDCTL_EXIT_USAGE;
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
