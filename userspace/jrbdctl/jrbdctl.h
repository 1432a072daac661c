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

/* Print "jrbdctl: <verb>: msg" on stderr. */
void jrbdctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Verbs. */
int cmd_version(const struct jrbdctl_opts *o, int argc, char **argv);

#endif /* JRBDCTL_H */
