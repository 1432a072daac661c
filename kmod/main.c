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
	.devices = LIST_HEAD_INIT(jrbd_mod.devices),
	.minors = IDA_INIT(jrbd_mod.minors),
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

/*
 * No device can exist here: each holds a reference on the module while it
 * has openers, and remove is the only way to get rid of one -- but a
 * device that is merely created pins nothing, so exit removes what is
 * left (dm does the same with its leftover tables).
 */
static void jrbd_remove_all(void)
{
	struct jrbd_dev *d, *tmp;

	mutex_lock(&jrbd_mod.ctl_lock);
	list_for_each_entry_safe(d, tmp, &jrbd_mod.devices, node)
		if (jrbd_dev_remove(d, NULL))
			pr_err("%s: cannot remove at unload\n", d->cfg.name);
	mutex_unlock(&jrbd_mod.ctl_lock);
}

static void __exit jrbd_exit(void)
{
	WRITE_ONCE(jrbd_mod.exiting, true);
	jrbd_genl_unregister();
	jrbd_remove_all();
	unregister_blkdev(jrbd_mod.major, JRBD_NAME);
	ida_destroy(&jrbd_mod.minors);
	pr_info("unloaded\n");
}

module_init(jrbd_init);
module_exit(jrbd_exit);

MODULE_AUTHOR("The jrbd developers");
MODULE_DESCRIPTION("jrbd: journaled, replicated block device");
MODULE_LICENSE("GPL");
MODULE_VERSION(JRBD_VERSION);
MODULE_ALIAS_GENL_FAMILY(JRBD_GENL_NAME);
