/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbdctl: the dmsetup-style admin tool.  Every verb is one entry of the
 * const table in main.c; this header is what the verb files share.
 */
#ifndef JRBDCTL_H
#define JRBDCTL_H

#include <stdbool.h>
#include <stdio.h>

/* Precondition flags of a verb. */
#define JRBDCTL_ROOT	0x1	/* needs root (CAP_SYS_ADMIN) */
#define JRBDCTL_MODULE	0x2	/* needs jrbd.ko loaded (loads it) */

/* Options common to every verb, parsed before the verb name. */
struct jrbdctl_opts {
	bool json;		/* --json: machine-readable output on stdout */
	const char *module;	/* --module PATH: the .ko to load */
	int verbose;		/* -v */
};

struct jrbdctl_cmd {
	const char *name;
	int (*fn)(const struct jrbdctl_opts *o, int argc, char **argv);
	int min_args;		/* after the verb, options included */
	int max_args;		/* -1: unlimited */
	unsigned int flags;	/* JRBDCTL_* */
	const char *args;	/* usage: the arguments */
	const char *help;	/* one line */
};

/* Exit codes (fsck's for check; 1 for every other failure). */
#define JRBDCTL_EXIT_OK		0
#define JRBDCTL_EXIT_FAIL	1
#define JRBDCTL_EXIT_USAGE	2
#define JRBDCTL_EXIT_PROBLEMS	4	/* check: problems found (fsck's 4) */
#define JRBDCTL_EXIT_ERROR	8	/* check: operational error (fsck's 8) */

/* Print "jrbdctl: <verb>: msg" on stderr. */
void jrbdctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "usage: jrbdctl <verb> <args>" of the running verb on stderr
 * (from the command table) and return JRBDCTL_EXIT_USAGE. */
int jrbdctl_usage_verb(void);

/* After getopt_long() returned ':' or '?': name the option; -EINVAL. */
int jrbdctl_bad_option(int opt, char **argv);
/* After the options: the one DEV|FILE operand into *path, or -EINVAL. */
int jrbdctl_one_operand(int argc, char **argv, const char **path);

/* Verbs. */
int cmd_version(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_format(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_dump(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_check(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_create(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_remove(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_ls(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_info(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_status(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_table(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_message(const struct jrbdctl_opts *o, int argc, char **argv);
int cmd_events(const struct jrbdctl_opts *o, int argc, char **argv);

#endif /* JRBDCTL_H */
