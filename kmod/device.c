// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device lifecycle: create (open the backing device exclusively, recover,
 * expose /dev/jrbdN), remove (drain, checkpoint, release), open/release.
 *
 * Acquire forward, unwind backward, publish last (STYLE rule 3):
 * add_disk() is the last step of create and del_gendisk() the first real
 * step of remove; the struct itself is freed from the disk's free_disk
 * callback once the last reference to the gendisk is gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include "jrbd.h"

int jrbd_open(struct gendisk *disk)
{
	struct jrbd_dev *d = disk->private_data;
	int r = 0;

	spin_lock(&d->open_lock);
	if (d->removing)
		r = -ENXIO;
	else
		d->open_count++;
	spin_unlock(&d->open_lock);
	return r;
}

void jrbd_release(struct gendisk *disk)
{
	struct jrbd_dev *d = disk->private_data;

	spin_lock(&d->open_lock);
	d->open_count--;
	spin_unlock(&d->open_lock);
}

static void jrbd_free_index(struct jrbd_dev *d)
{
	struct jrbd_jentry *je, *tmp;

	xa_destroy(&d->index);
	list_for_each_entry_safe(je, tmp, &d->live, node) {
		list_del(&je->node);
		kfree(je);
	}
}

/* Everything create set up except the disk and the backing device. */
static void jrbd_dev_free(struct jrbd_dev *d)
{
	jrbd_free_index(d);
	jrbd_journal_free(d);
	jrbd_ckpt_pool_free(d);
	bioset_exit(&d->bs);
	kfree(d->sb_buf);
	if (d->minor >= 0)
		ida_free(&jrbd_mod.minors, d->minor);
	kfree(d);
}

static void jrbd_free_disk(struct gendisk *disk)
{
	jrbd_dev_free(disk->private_data);
}

static const struct block_device_operations jrbd_fops = {
	.owner = THIS_MODULE,
	.submit_bio = jrbd_submit_bio,
	.open = jrbd_bdops_open,
	.release = jrbd_bdops_release,
	.free_disk = jrbd_free_disk,
};

/*
 * Called in process context (it may sleep) without ->jlock or ->sb_lock
 * held: the notification takes both.
 */
void jrbd_dev_error(struct jrbd_dev *d, int err, const char *what)
{
	if (err < 0)
		err = -err;
	if (cmpxchg(&d->error, 0, err) != 0)
		return;
	jrbd_dev_error_report(d, what);
}

/*
 * The report of a new sticky error, by whoever set it, in process context
 * without ->jlock or ->sb_lock: a fast pass's completion sets ->error in
 * interrupt context (so its committer sees a failed device when it hears
 * of the error) and leaves this to the worker (jrbd_fast_end()).
 */
void jrbd_dev_error_report(struct jrbd_dev *d, const char *what)
{
	pr_err("%s: %s failed (error %d): device failed; writes return I/O errors, reads continue\n",
	       d->cfg.name, what, -READ_ONCE(d->error));
	wake_up_all(&d->space_wq);
	wake_up_all(&d->ckpt_wq_head);
	jrbd_kick_commit(d);	/* fail whatever waits */
	jrbd_nl_notify(d, JRBD_CMD_EV_CHANGED);
}

struct jrbd_dev *jrbd_dev_find(const char *name)
{
	struct jrbd_dev *d;

	lockdep_assert_held(&jrbd_mod.ctl_lock);
	list_for_each_entry(d, &jrbd_mod.devices, node)
		if (!strcmp(d->cfg.name, name))
			return d;
	return NULL;
}

static int jrbd_dev_init(struct jrbd_dev *d)
{
	mutex_init(&d->sb_lock);
	mutex_init(&d->jlock);
	init_rwsem(&d->reclaim_sem);
	xa_init(&d->index);
	INIT_LIST_HEAD(&d->live);
	INIT_LIST_HEAD(&d->unfinished);
	INIT_LIST_HEAD(&d->pending);
	INIT_LIST_HEAD(&d->committing);
	init_waitqueue_head(&d->space_wq);
	init_waitqueue_head(&d->ckpt_wq_head);
	spin_lock_init(&d->open_lock);
	spin_lock_init(&d->ckpt_page_lock);
	INIT_WORK(&d->commit_work, jrbd_commit_work);
	INIT_WORK(&d->ckpt_work, jrbd_ckpt_work);
	INIT_DELAYED_WORK(&d->tick, jrbd_tick);
	d->durable_at = jiffies - HZ;	/* no commit came in lately */
	d->commit_crowded_at = jiffies - HZ;
	d->sb_buf = kzalloc(JRBD_SB_SLOT_SIZE, GFP_KERNEL);
	if (!d->sb_buf)
		return -ENOMEM;
	if (jrbd_ckpt_pool_init(d))
		return -ENOMEM;
	return bioset_init(&d->bs, BIO_POOL_SIZE, 0, 0);
}

int jrbd_dev_create(const struct jrbd_dev_cfg *cfg, struct jrbd_dev **out,
		    struct netlink_ext_ack *extack)
{
	struct jrbd_disk_limits lim = {
		.logical_block_size = JRBD_BLOCK_SIZE,
		.physical_block_size = JRBD_BLOCK_SIZE,
		.max_hw_sectors = JRBD_MAX_ENTRY_BLOCKS * JRBD_BLOCK_SECTORS,
		.max_discard_sectors = JRBD_MAX_DISCARD_BLOCKS * JRBD_BLOCK_SECTORS,
		.max_write_zeroes_sectors = JRBD_MAX_DISCARD_BLOCKS * JRBD_BLOCK_SECTORS,
		.discard_granularity = JRBD_BLOCK_SIZE,
		/*
		 * A page under writeback is the one that is logged.  The
		 * journal's consistency does not depend on it: the CRC is
		 * taken from the ring copy (design.md, "Group commit and rule W1").
		 */
		.stable_writes = true,
		.write_cache = true,
		.fua = true,
	};
	struct gendisk *disk;
	struct jrbd_dev *d;
	char name[16];
	int r;

	lockdep_assert_held(&jrbd_mod.ctl_lock);
	if (jrbd_dev_find(cfg->name)) {
		NL_SET_ERR_MSG(extack, "a jrbd device with this name exists");
		return -EEXIST;
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->minor = -1;
	r = jrbd_dev_init(d);
	if (r)
		goto err_free_dev;
	d->minor = ida_alloc_max(&jrbd_mod.minors, JRBD_MAX_MINORS - 1, GFP_KERNEL);
	if (d->minor < 0) {
		r = d->minor;
		NL_SET_ERR_MSG(extack, "no free jrbd minor");
		goto err_free_dev;
	}

	r = jrbd_bdev_open(cfg->backing_path, d, &d->backing);
	if (r) {
		NL_SET_ERR_MSG(extack,
			"cannot open the backing device exclusively (missing, busy or not a block device)");
		goto err_free_dev;
	}
	if (bdev_logical_block_size(d->backing.bdev) > JRBD_BLOCK_SIZE) {
		NL_SET_ERR_MSG(extack, "backing device blocks are larger than 4 KiB");
		r = -EINVAL;
		goto err_close_backing;
	}
	r = jrbd_recover(d, extack);
	if (r)
		goto err_close_backing;

	d->commit_wq = alloc_ordered_workqueue("jrbd%d-commit", WQ_MEM_RECLAIM,
					       d->minor);
	if (!d->commit_wq) {
		r = -ENOMEM;
		goto err_close_backing;
	}
	d->ckpt_wq = alloc_ordered_workqueue("jrbd%d-ckpt", WQ_MEM_RECLAIM,
					     d->minor);
	if (!d->ckpt_wq) {
		r = -ENOMEM;
		goto err_destroy_commit_wq;
	}

	disk = jrbd_alloc_disk(&lim, NUMA_NO_NODE);
	if (IS_ERR(disk)) {
		r = PTR_ERR(disk);
		goto err_destroy_ckpt_wq;
	}
	disk->major = jrbd_mod.major;
	disk->first_minor = d->minor;
	disk->minors = 1;
	disk->fops = &jrbd_fops;
	disk->private_data = d;
	snprintf(disk->disk_name, sizeof(disk->disk_name), "jrbd%d", d->minor);
	set_capacity(disk, d->geom.data_blocks * JRBD_BLOCK_SECTORS);
	d->disk = disk;

	/* The recovered entries are committed: write them home in time. */
	queue_delayed_work(d->ckpt_wq, &d->tick, HZ);

	r = add_disk(disk);
	if (r)
		goto err_put_disk;

	list_add_tail(&d->node, &jrbd_mod.devices);
	jrbd_mod.dev_count++;
	snprintf(name, sizeof(name), "jrbd%d", d->minor);
	pr_info("%s: created %s on %s: %llu MiB, journal %llu x 32 KiB, checkpoint %s\n",
		d->cfg.name, name, cfg->backing_path,
		d->geom.data_blocks >> 8, d->geom.journal_blocks,
		!d->ckpt_direct ? "through bounce pages" :
		d->ckpt_direct_split ? "from the journal buffers" :
		"from the journal buffers (whole blocks only)");
	*out = d;
	return 0;

err_put_disk:
	cancel_delayed_work_sync(&d->tick);
	/* Not added: put_disk() does not call ->free_disk. */
	put_disk(disk);
err_destroy_ckpt_wq:
	destroy_workqueue(d->ckpt_wq);
err_destroy_commit_wq:
	destroy_workqueue(d->commit_wq);
err_close_backing:
	jrbd_bdev_close(&d->backing);
err_free_dev:
	jrbd_dev_free(d);
	return r;
}

/*
 * Remove: refuse while open, while a checkpoint message runs or while
 * another remove does; otherwise make everything durable and home (so the
 * next create finds an empty journal), write the superblock, unpublish,
 * stop the stages and release the backing device.
 *
 * Called with jrbd_mod.ctl_lock held, which it drops while it drains (on
 * a slow disk that takes as long as writing the whole journal home), so
 * that status and other devices' operations go on meanwhile; ->removing
 * keeps openers and other control operations off the device.  Module
 * exit calls it with the netlink family already gone: nobody else walks
 * the device list then.
 */
int jrbd_dev_remove(struct jrbd_dev *d, struct netlink_ext_ack *extack)
{
	int r;

	lockdep_assert_held(&jrbd_mod.ctl_lock);
	if (d->removing) {
		NL_SET_ERR_MSG(extack, "device is already being removed");
		return -EBUSY;
	}
	if (d->ctl_busy) {
		NL_SET_ERR_MSG(extack, "a checkpoint of the device is running");
		return -EBUSY;
	}
	spin_lock(&d->open_lock);
	if (d->open_count) {
		spin_unlock(&d->open_lock);
		NL_SET_ERR_MSG(extack, "device is open (mounted or in use)");
		return -EBUSY;
	}
	WRITE_ONCE(d->removing, true);
	spin_unlock(&d->open_lock);

	mutex_unlock(&jrbd_mod.ctl_lock);
	r = jrbd_checkpoint_all(d);
	mutex_lock(&jrbd_mod.ctl_lock);
	if (r == -EINTR) {
		/* Killed while the disk was slow: the device stays. */
		spin_lock(&d->open_lock);
		WRITE_ONCE(d->removing, false);
		spin_unlock(&d->open_lock);
		NL_SET_ERR_MSG(extack, "interrupted while writing the journal home");
		return r;
	}
	if (r)
		pr_warn("%s: removing a failed device; the journal keeps what was not written home\n",
			d->cfg.name);

	del_gendisk(d->disk);
	cancel_delayed_work_sync(&d->tick);
	flush_workqueue(d->commit_wq);
	flush_workqueue(d->ckpt_wq);
	destroy_workqueue(d->ckpt_wq);
	destroy_workqueue(d->commit_wq);
	jrbd_bdev_close(&d->backing);

	list_del(&d->node);
	jrbd_mod.dev_count--;
	pr_info("%s: removed\n", d->cfg.name);
	put_disk(d->disk);	/* frees d through ->free_disk */
	return 0;
}
