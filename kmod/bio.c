// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bio submission: the write path (every write becomes one journal entry)
 * and the read path (the index first, the data area for the rest).
 *
 * jrbd is bio-based like dm and DRBD.  submit_bio() may sleep here (for
 * journal space) but never waits for I/O it submits itself: journal and
 * checkpoint I/O is issued by the stage workqueues, except a fast commit
 * pass's one bio (jrbd_fast_commit()), which is only queued here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include "jrbd.h"

/*
 * Room for an entry using @blocks journal blocks beyond the current one
 * (never reaching the durable tail's slot, rule W4) and indexing
 * @index_blocks 4 KiB blocks.  The second bound keeps the index in
 * proportion to the journal: a discard is a tiny entry covering thousands
 * of blocks, each an index slot until it is checkpointed.
 */
static bool jrbd_space_for(struct jrbd_dev *d, u32 blocks, u32 index_blocks)
{
	lockdep_assert_held(&d->jlock);
	return d->w.seq + blocks + 1 - d->tail.seq < d->geom.journal_blocks &&
	       (d->index_blocks == 0 ||
		d->index_blocks + index_blocks <= jrbd_index_cap(d));
}

/*
 * Wait until an entry of @payload_len bytes fits: journal full is
 * back-pressure, never an error (invariant 5).  Called and returns with
 * ->jlock held; 0, or the sticky error.
 */
static int jrbd_wait_space(struct jrbd_dev *d, u32 payload_len,
			   u32 index_blocks)
{
	bool waited = false;

	for (;;) {
		u64 old_tail;

		if (jrbd_dev_failed(d))
			return -EIO;
		/* Counts the move off a full block too (jrbd_record_start()). */
		if (jrbd_space_for(d, jrbd_wr_blocks_needed(&d->w, payload_len),
				   index_blocks))
			break;
		if (!waited) {
			atomic64_inc(&d->stats.space_waits);
			waited = true;
		}
		/* Make what is there committable and checkpoint it. */
		d->flush_wanted = true;
		old_tail = d->tail.seq;
		mutex_unlock(&d->jlock);
		jrbd_kick_commit(d);
		queue_work(d->ckpt_wq, &d->ckpt_work);
		wait_event_timeout(d->space_wq,
				   READ_ONCE(d->tail.seq) != old_tail ||
				   jrbd_dev_failed(d), HZ / 10);
		mutex_lock(&d->jlock);
	}
	if (jrbd_wr_block_full(&d->w))
		WARN_ON_ONCE(jrbd_wr_next_block(&d->w, jrbd_slot(d, d->w.seq + 1)));
	return 0;
}

/* Feed payload bytes to the writer, moving to the next block as it fills. */
static void jrbd_put(struct jrbd_dev *d, const void *p, size_t len)
{
	const u8 *src = p;

	for (;;) {
		size_t n = jrbd_wr_put(&d->w, src, len);

		src += n;
		len -= n;
		if (!len && !(jrbd_wr_in_record(&d->w) &&
			      jrbd_wr_block_full(&d->w)))
			break;
		if (jrbd_wr_block_full(&d->w) && jrbd_wr_in_record(&d->w)) {
			WARN_ON_ONCE(jrbd_wr_next_block(&d->w,
					jrbd_slot(d, d->w.seq + 1)));
		} else if (!n) {
			/* the writer took nothing and is not full: a bug */
			WARN_ON_ONCE(1);
			break;
		}
	}
}

/*
 * Point the index at @je for each of its blocks, in one walk under the
 * index's lock (one lock round trip and one descent per entry, not per
 * block).  Each entry it replaces somewhere is marked ->overwritten.
 * Called under ->jlock, or by recovery before the device is live.
 * 0, or -ENOMEM when @gfp may fail.
 */
int jrbd_index_add(struct jrbd_dev *d, struct jrbd_jentry *je, gfp_t gfp)
{
	XA_STATE(xas, &d->index, je->lba);
	u32 i = 0;

	do {
		xas_lock(&xas);
		for (; i < je->nr_blocks; i++) {
			struct jrbd_jentry *old;

			/* a discard's thousands of blocks: not in one section */
			if (i && !(i % JRBD_INDEX_WALK_CHUNK)) {
				xas_unlock(&xas);
				cond_resched();
				xas_set(&xas, je->lba + i);
				xas_lock(&xas);
			}
			old = xas_store(&xas, je);
			if (xas_error(&xas))
				break;	/* retried at this block */
			if (old)
				WRITE_ONCE(old->overwritten, true);
			xas_next(&xas);
		}
		xas_unlock(&xas);
	} while (xas_nomem(&xas, gfp));
	return xas_error(&xas);
}

/*
 * A write becomes one journal entry, copied into the ring under ->jlock.
 * Only copied: the writer defers the CRCs (->defer_crc), which the commit
 * stage takes before the bytes go to disk (jrbd_finish_entries()).  A
 * CRC32C pass costs several times a memcpy, and the submitter's CPU should
 * not pay it while another is free; nor should a QD1 write wait for
 * another CPU to copy it.
 * REQ_PREFLUSH/REQ_FUA bios (and empty flushes) wait on ->pending until
 * the commit stage made their entry durable (invariant 1), or, when the
 * stage is idle and nobody else waits, commit it themselves
 * (jrbd_fast_commit()).  A plain write
 * completes as soon as its entry is in the ring: the device advertises a
 * volatile write cache, so a plain write promises nothing until a flush
 * (dm-integrity's journal mode and a disk's own cache do the same).  The
 * commit stage writes its block once it and up to seven more are full
 * (jrbd_plain_commit_due()); what may be in the ring unwritten is
 * bounded by the journal's size (back-pressure) and the tick's commit
 * interval.  Reads of the block find the entry in the index meanwhile.
 */
static void jrbd_write(struct jrbd_dev *d, struct bio *bio)
{
	enum req_op op = bio_op(bio);
	bool durable = bio->bi_opf & (REQ_PREFLUSH | REQ_FUA);
	u32 bytes = bio->bi_iter.bi_size;
	struct jrbd_entry e = { 0 };
	struct jrbd_jentry *je = NULL;
	struct jrbd_wait *wt;
	u64 seq0, windex;
	int r;

	if (durable)
		WRITE_ONCE(d->durable_at, jiffies);

	if (bytes) {
		je = kmalloc(sizeof(*je), GFP_NOIO | __GFP_NOFAIL);
		e.lba = bio->bi_iter.bi_sector / JRBD_BLOCK_SECTORS;
		e.nr_blocks = bytes / JRBD_BLOCK_SIZE;
		if (bio->bi_opf & REQ_FUA)
			e.flags |= JRBD_ENTRY_F_FUA;
		if (bio->bi_opf & REQ_PREFLUSH)
			e.flags |= JRBD_ENTRY_F_PREFLUSH;
		if (op == REQ_OP_WRITE) {
			e.kind = JRBD_ENTRY_WRITE;
			e.payload_len = bytes;	/* the writer checksums the copy */
		} else if (op == REQ_OP_DISCARD) {
			e.kind = JRBD_ENTRY_DISCARD;
		} else {
			e.kind = JRBD_ENTRY_WRITE_ZEROES;
		}
	}

	mutex_lock(&d->jlock);
	if (!bytes) {
		/* An empty flush: everything appended so far must be durable. */
		windex = d->w.next_index - 1;
		if (jrbd_dev_failed(d)) {
			r = -EIO;
			goto err_unlock;
		}
		if (jrbd_durable(d, windex)) {
			mutex_unlock(&d->jlock);
			bio_endio(bio);
			return;
		}
		goto queue;
	}
	r = jrbd_wait_space(d, e.payload_len, e.nr_blocks);
	if (r)
		goto err_unlock;
	seq0 = d->w.seq;
	e.term = d->term;
	e.commit_index = d->commit_index;
	r = jrbd_wr_begin(&d->w, &e, d->geom.data_blocks);
	if (r) {
		/* Cannot happen for a bio the block layer let through. */
		mutex_unlock(&d->jlock);
		jrbd_dev_error(d, r, "encoding a journal entry");
		mutex_lock(&d->jlock);
		goto err_unlock;
	}
	if (e.kind == JRBD_ENTRY_WRITE) {
		struct bvec_iter iter;
		struct bio_vec bv;

		bio_for_each_segment(bv, bio, iter) {
			void *p = bvec_kmap_local(&bv);

			jrbd_put(d, p, bv.bv_len);
			kunmap_local(p);
		}
	} else {
		jrbd_put(d, NULL, 0);
	}
	/* The header's record start is known only once it is placed. */
	jrbd_jentry_fill(je, &e, d->w.rec_start);
	list_add_tail(&je->node, &d->live);
	list_add_tail(&je->fnode, &d->unfinished);
	jrbd_index_add(d, je, GFP_NOIO | __GFP_NOFAIL);
	d->index_blocks += e.nr_blocks;
	atomic64_inc(&d->stats.writes);
	atomic64_add(bytes, &d->stats.bytes_written);
	if (!durable) {
		/*
		 * Plain write: in the (volatile) cache, done.  With nobody
		 * waiting the commit stage writes filled blocks only, several
		 * at a time, so it is woken when this entry filled one and
		 * enough wait (jrbd_plain_commit_due()), not for every write.
		 */
		bool kick = (d->w.seq != seq0 || jrbd_wr_block_full(&d->w)) &&
			    jrbd_plain_commit_due(d);

		mutex_unlock(&d->jlock);
		if (kick)
			jrbd_kick_commit(d);
		bio_endio(bio);
		return;
	}
	windex = e.index;
queue:
	if (durable && jrbd_fast_commit(d, bio))
		return;
	/* GFP_NOIO under ->jlock, as jrbd_index_add() above. */
	wt = kmalloc(sizeof(*wt), GFP_NOIO | __GFP_NOFAIL);
	wt->bio = bio;
	wt->durable = durable;
	wt->index = windex;
	if (durable)
		d->flush_wanted = true;
	atomic_inc(&d->durable_waiters);
	list_add_tail(&wt->node, &d->pending);
	mutex_unlock(&d->jlock);
	jrbd_kick_commit(d);
	return;

err_unlock:
	mutex_unlock(&d->jlock);
	kfree(je);
	bio->bi_status = BLK_STS_IOERR;
	bio_endio(bio);
}

/*
 * Read: 4 KiB blocks whose newest version is in the journal are copied
 * from the in-memory ring; runs of the others are remapped to the data
 * area.  A bio mixing both is split at each change.
 */
static bool jrbd_in_journal(struct jrbd_dev *d, u64 lba)
{
	return xa_load(&d->index, lba) != NULL;
}

static void jrbd_read_journal(struct jrbd_dev *d, struct bio *bio)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	u64 pos = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;

	bio_for_each_segment(bv, bio, iter) {
		u8 *p = bvec_kmap_local(&bv);
		u32 done = 0;

		while (done < bv.bv_len) {
			u64 lba = pos >> JRBD_BLOCK_SHIFT;
			u32 off = pos & (JRBD_BLOCK_SIZE - 1);
			u32 n = min_t(u32, bv.bv_len - done, JRBD_BLOCK_SIZE - off);
			struct jrbd_jentry *je = xa_load(&d->index, lba);

			if (je && je->kind == JRBD_ENTRY_WRITE)
				jrbd_journal_copy(d, je, JRBD_ENTRY_HDR_SIZE +
						  (lba - je->lba) * JRBD_BLOCK_SIZE + off,
						  p + done, n);
			else
				memset(p + done, 0, n);	/* discarded/zeroed */
			done += n;
			pos += n;
		}
		kunmap_local(p);
	}
	bio_endio(bio);
}

/*
 * One run per call: a bio mixing journal and data-area blocks is split
 * after its first run, the rest goes back through submit_bio (as dm
 * does), so each call takes at most one bio from ->bs.
 */
static void jrbd_read(struct jrbd_dev *d, struct bio *bio)
{
	u64 lba = bio->bi_iter.bi_sector / JRBD_BLOCK_SECTORS;
	u64 nr = bio_sectors(bio) / JRBD_BLOCK_SECTORS, run = 1;
	bool journal;

	down_read(&d->reclaim_sem);
	journal = jrbd_in_journal(d, lba);
	while (run < nr && jrbd_in_journal(d, lba + run) == journal)
		run++;
	if (run < nr) {
		struct bio *split = bio_split(bio, run * JRBD_BLOCK_SECTORS,
					      GFP_NOIO, &d->bs);

		bio_chain(split, bio);
		submit_bio_noacct(bio);
		bio = split;
	} else {
		atomic64_inc(&d->stats.reads);
	}
	atomic64_add(bio->bi_iter.bi_size, &d->stats.bytes_read);
	if (journal) {
		jrbd_read_journal(d, bio);
	} else {
		bio_set_dev(bio, d->backing.bdev);
		bio->bi_iter.bi_sector = jrbd_data_sector(d, lba);
		submit_bio_noacct(bio);
	}
	up_read(&d->reclaim_sem);
}

void jrbd_submit_bio(struct bio *bio)
{
	struct jrbd_dev *d = bio->bi_bdev->bd_disk->private_data;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;
	/* 4 KiB logical blocks: the block layer only sends whole ones. */
	if (unlikely((bio->bi_iter.bi_sector | bio_sectors(bio)) &
		     (JRBD_BLOCK_SECTORS - 1))) {
		bio_io_error(bio);
		return;
	}

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		jrbd_read(d, bio);
		break;
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		if (jrbd_dev_failed(d)) {
			bio_io_error(bio);
			break;
		}
		jrbd_write(d, bio);
		break;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		break;
	}
}
