// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd module init and exit.
 *
 * Acquire forward, unwind backward, publish last: the block major is
 * registered first and the netlink family -- the only way userspace can
 * ask for anything -- last; exit undoes the same steps in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/blkdev.h>
#include "jrbd.h"

struct jrbd_module jrbd_mod = {
	.ctl_lock = __MUTEX_INITIALIZER(jrbd_mod.ctl_lock),
};

static int __init jrbd_init(void)
{
	int r;

	r = register_blkdev(0, JRBD_NAME);
	if (r < 0) {
		pr_err("cannot register a block major: %d\n", r);
		return r;
	}
	jrbd_mod.major = r;

	r = jrbd_genl_register();
	if (r < 0) {
		pr_err("cannot register generic netlink family: %d\n", r);
		goto err_unregister_blkdev;
	}

	pr_info("version %s loaded, major %d\n", JRBD_VERSION, jrbd_mod.major);
	return 0;

err_unregister_blkdev:
	unregister_blkdev(jrbd_mod.major, JRBD_NAME);
	return r;
}

static void __exit jrbd_exit(void)
{
	jrbd_genl_unregister();
	unregister_blkdev(jrbd_mod.major, JRBD_NAME);
	pr_info("unloaded\n");
}

module_init(jrbd_init);
module_exit(jrbd_exit);

MODULE_AUTHOR("The jrbd developers");
MODULE_DESCRIPTION("jrbd: journaled, replicated block device");
MODULE_LICENSE("GPL");
MODULE_VERSION(JRBD_VERSION);
MODULE_ALIAS_GENL_FAMILY(JRBD_GENL_NAME);
