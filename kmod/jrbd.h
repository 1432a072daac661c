/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd: journaled, replicated block device -- private module header.
 *
 * One .c file per concern (STYLE rule 1): main.c (module init, parameters),
 * netlink.c (the generic netlink family).  Later stages add the device
 * lifecycle, bio submission, journal writer, checkpointer and recovery.
 */
#ifndef JRBD_H
#define JRBD_H

#include <linux/module.h>
#include <linux/mutex.h>
#include "compat.h"
#include <jrbd/jrbd_genl.h>
#include <jrbd/jrbd_version.h>

#define JRBD_NAME "jrbd"

/*
 * Module-wide state.  Set up once in jrbd_init() before anything is
 * published, torn down in jrbd_exit() after everything is unpublished.
 */
struct jrbd_module {
	int major;		/* from register_blkdev(); read-only after init */
	/*
	 * Serialises every control operation (netlink doit/dumpit that
	 * changes or walks the device set) -- like dm's _hash_lock.
	 * Protects: ->dev_count.
	 */
	struct mutex ctl_lock;
	unsigned int dev_count;	/* protected by ->ctl_lock */
};

extern struct jrbd_module jrbd_mod;

/* netlink.c */
int jrbd_genl_register(void);
void jrbd_genl_unregister(void);

#endif /* JRBD_H */
