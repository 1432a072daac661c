// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checkpointer (jrbd%d-ckpt, ordered, WQ_MEM_RECLAIM): writes
 * committed entries to their home in the data area, in log order, then
 * moves the journal tail (rule W4):
 *
 *   1. take up to JRBD_CKPT_BATCH_BLOCKS blocks' worth of the oldest
 *      committed entries off ->live (fewer while the journal is short
 *      of room: about 50 ms of home writes);
 *   2. write each block once, from its newest version in the round, if
 *      that is its newest version overall or the newer one is not yet
 *      committed: a block overwritten by a committed entry is skipped, so
 *      a hot block is written home once per round, not once per write,
 *      and no two writes of one block are ever in flight together;
 *   3. flush the backing device;
 *   4. drop the entries from the index (compare-and-erase: a newer write
 *      keeps its own index entry) under ->reclaim_sem, and free them;
 *   5. write the superblock with the new tail (preflush + FUA);
 *   6. only now let writers reuse the journal space (->tail, ->space_wq).
 *
 * Rounds run back to back while the journal (or the index) is at least
 * half full, a writer waits for space, or someone forces a full
 * checkpoint.  Below that the journal absorbs writes: the once-a-second
 * tick starts a round only on a device that received no write in the last
 * second.  So a burst of up to half the journal costs one journal write
 * and no home writes while it lasts, writes to the same blocks are merged,
 * and the copy-back does not compete with writers for the disk until the
 * journal needs the room (Documentation/design.md, "Checkpoint pacing").
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "jrbd.h"

#define JRBD_CKPT_BATCH_BLOCKS	1024u	/* 4 MiB per round */
/*
 * A round that starts with the journal (or the index) three quarters
 * full or a writer waiting for space, unless the checkpoint is forced,
 * takes what the disk wrote home in JRBD_CKPT_ROUND_MS at the last
 * round's rate, between 128 and JRBD_CKPT_BATCH_BLOCKS blocks: writers
 * waiting for space wait for a round's end (the tail moves only then),
 * and a round of 1,024 random blocks on a disk doing 2,000 writes a
 * second held them for half a second (tuning step 18).  Each round costs
 * a superblock write and its flushes, so rounds are not made smaller
 * than that.
 */
#define JRBD_CKPT_ROUND_MS		50
#define JRBD_CKPT_BATCH_BLOCKS_MIN	128u
/*
 * Home writes in flight at once: enough to keep a disk busy, few enough
 * that a journal write (a waiting fsync) does not queue behind a whole
 * round of them on a disk limited in requests per second.  While a bio
 * waits for a commit and the journal does not need the room yet, the
 * round yields: JRBD_CKPT_INFLIGHT_YIELD, so a journal write queues
 * behind at most that many home writes; also for JRBD_CKPT_YIELD_JIFFIES
 * after a durable bio came in (->durable_at).  When the room matters more
 * than the latency (the journal or the index three quarters full, a
 * writer waiting for space, a forced checkpoint: the round may not
 * yield) the window is JRBD_CKPT_INFLIGHT_PRESSED, a queue deep enough
 * for the disk's full random-write rate (tuning step 17).
 */
#define JRBD_CKPT_INFLIGHT		32
#define JRBD_CKPT_INFLIGHT_YIELD	2
#define JRBD_CKPT_INFLIGHT_PRESSED	128
/*
 * A committer at QD1 has no bio waiting between its commits, while it
 * writes the next block: the round keeps yielding for this long after a
 * durable bio came in, or it refills a window of 32 home writes in that
 * gap, and the next commit queues behind them (16 ms on a disk doing
 * 2,000 requests a second: tuning step 20).
 */
#define JRBD_CKPT_YIELD_JIFFIES	max(1, HZ / 100)
#define JRBD_TICK		HZ

struct jrbd_ckpt_io {
	atomic_t pending;
	int error;
	bool may_yield;		/* the journal is not pressed for room */
	struct completion done;
	struct jrbd_dev *d;
};

/*
 * The round's window now.  A writer that starts waiting for space
 * mid-round ends the yielding and widens the window.
 */
static int jrbd_ckpt_inflight(struct jrbd_ckpt_io *io)
{
	bool pressed = !io->may_yield || waitqueue_active(&io->d->space_wq);
	unsigned long at = READ_ONCE(io->d->durable_at);

	if (pressed)
		return JRBD_CKPT_INFLIGHT_PRESSED;
	if (atomic_read(&io->d->durable_waiters) ||
	    time_in_range(jiffies, at, at + JRBD_CKPT_YIELD_JIFFIES))
		return JRBD_CKPT_INFLIGHT_YIELD;
	return JRBD_CKPT_INFLIGHT;
}

/*
 * The last put completes @io; the others wake a round waiting for room
 * once ->pending is down to d->ckpt_wake_at.  After the decrement @io may
 * be gone (the round may have returned): the mark lives in @d, and
 * wake_up_var() only hashes the address.
 */
static void jrbd_ckpt_put(struct jrbd_dev *d, struct jrbd_ckpt_io *io)
{
	/* atomic_dec_return() is a full barrier: the mark is read after */
	int left = atomic_dec_return(&io->pending);

	if (!left)
		complete(&io->done);
	else if (left <= READ_ONCE(d->ckpt_wake_at))
		wake_up_var(&io->pending);
}

/* The checkpointer's bounce pages (->ckpt_pages in jrbd.h). */
int jrbd_ckpt_pool_init(struct jrbd_dev *d)
{
	/* a home write takes at most BIO_MAX_VECS pages at once */
	BUILD_BUG_ON(BIO_MAX_VECS > JRBD_CKPT_POOL_PAGES);
	d->ckpt_pages = kvcalloc(JRBD_CKPT_POOL_PAGES, sizeof(*d->ckpt_pages),
				 GFP_KERNEL);
	if (!d->ckpt_pages)
		return -ENOMEM;
	for (; d->ckpt_nfree < JRBD_CKPT_POOL_PAGES; d->ckpt_nfree++) {
		d->ckpt_pages[d->ckpt_nfree] = alloc_page(GFP_KERNEL);
		if (!d->ckpt_pages[d->ckpt_nfree])
			goto fail;
	}
	return 0;
fail:
	jrbd_ckpt_pool_free(d);
	return -ENOMEM;
}

/* With no round running, so every page is back (or create failed). */
void jrbd_ckpt_pool_free(struct jrbd_dev *d)
{
	if (!d->ckpt_pages)
		return;
	while (d->ckpt_nfree)
		__free_page(d->ckpt_pages[--d->ckpt_nfree]);
	kvfree(d->ckpt_pages);
	d->ckpt_pages = NULL;
}

static unsigned int jrbd_ckpt_pages_free(struct jrbd_dev *d)
{
	return READ_ONCE(d->ckpt_nfree);
}

/*
 * Put @n pool pages into the empty @bio, in one section under the lock
 * (the caller saw @n free, and only the checkpointer takes them).
 */
static void jrbd_ckpt_take_pages(struct jrbd_dev *d, struct bio *bio, u32 n)
{
	unsigned int nfree;

	spin_lock_irq(&d->ckpt_page_lock);
	for (nfree = d->ckpt_nfree; n; n--)
		__bio_add_page(bio, d->ckpt_pages[--nfree], JRBD_BLOCK_SIZE, 0);
	WRITE_ONCE(d->ckpt_nfree, nfree);
	spin_unlock_irq(&d->ckpt_page_lock);
}

/* A home write of a round completed: its error, then the round's count. */
static void jrbd_ckpt_bio_done(struct bio *bio)
{
	struct jrbd_ckpt_io *io = bio->bi_private;

	if (bio->bi_status)
		io->error = blk_status_to_errno(bio->bi_status);
	bio_put(bio);
	jrbd_ckpt_put(io->d, io);
}

/* A bounced home write: its pool pages go back first. */
static void jrbd_ckpt_endio(struct bio *bio)
{
	struct jrbd_ckpt_io *io = bio->bi_private;
	struct jrbd_dev *d = io->d;
	struct bio_vec *bv;
	struct bvec_iter_all iter;
	unsigned long flags;
	unsigned int nfree;

	spin_lock_irqsave(&d->ckpt_page_lock, flags);
	nfree = d->ckpt_nfree;
	bio_for_each_segment_all(bv, bio, iter)
		d->ckpt_pages[nfree++] = bv->bv_page;
	WRITE_ONCE(d->ckpt_nfree, nfree);
	spin_unlock_irqrestore(&d->ckpt_page_lock, flags);
	jrbd_ckpt_bio_done(bio);	/* after the pages: it wakes their waiter */
}

/*
 * Wait until a home write of @n pages may go: fewer than the in-flight
 * limit are in flight (->pending counts the round's own reference too, so
 * it never reaches 0 here) and the pool has @n pages.  A full window is
 * refilled in batches: the round sleeps until about half of it completed
 * (at the first completion when only two may be in flight), then submits
 * up to the limit again without sleeping, so those bios leave in one plug
 * flush (a few with the pressed window: blk-mq flushes a plug every 32
 * requests).  Pages come back with every completion, so a round short of
 * pages is woken by each (n <= BIO_MAX_VECS <= JRBD_CKPT_POOL_PAGES).
 *
 * The store to ->ckpt_wake_at is ordered before the condition's reads by
 * the barrier in prepare_to_wait_event().  A completion gives its pages
 * back, then decrements (a full barrier), then reads the mark.  So either
 * it sees the new mark and wakes us, or we see its pages and decrement.
 */
static void jrbd_ckpt_wait_room(struct jrbd_dev *d, struct jrbd_ckpt_io *io,
				u32 n)
{
	int limit = jrbd_ckpt_inflight(io);
	int mark = limit - (limit - 1) / 2;

	if (atomic_read(&io->pending) > limit) {
		WRITE_ONCE(d->ckpt_wake_at, mark);
		wait_var_event(&io->pending, atomic_read(&io->pending) <= mark);
	}
	if (jrbd_ckpt_pages_free(d) < n) {
		WRITE_ONCE(d->ckpt_wake_at, INT_MAX);
		wait_var_event(&io->pending, jrbd_ckpt_pages_free(d) >= n);
	}
	WRITE_ONCE(d->ckpt_wake_at, 0);	/* nobody waits: no wake-ups */
}

/*
 * May blocks [first, first + n) of @je go home straight from the ring?
 * With aligned framing (rules A1-A3) each 4 KiB block is one or two
 * pieces of the ring, 512-byte multiples at 512-byte offsets: one piece
 * unless the block runs over the end of a journal block, and a piece of a
 * vmalloc'd buffer is cut again at each page end.  On 512-byte logical
 * blocks any such pieces will do.  On larger ones a piece shorter than a
 * logical block may be refused by the driver (or split inside one at a
 * gap), so there a run goes direct only if each block is one contiguous
 * piece, and is bounced otherwise.
 */
static bool jrbd_ckpt_direct(struct jrbd_dev *d, struct jrbd_jentry *je,
			     u32 first, u32 n)
{
	u32 i;

	if (!d->ckpt_direct)
		return false;
	if (d->ckpt_direct_split)
		return true;
	for (i = first; i < first + n; i++) {
		struct jrbd_jpos p = jrbd_record_pos(je->start, JRBD_ENTRY_HDR_SIZE +
						     i * JRBD_BLOCK_SIZE, true);

		if (p.off + JRBD_BLOCK_SIZE > JRBD_JBLOCK_SIZE ||
		    is_vmalloc_addr(jrbd_slot(d, p.seq)))
			return false;
	}
	return true;
}

/*
 * Write blocks [first, first + n) of @je home from the ring itself: its
 * bytes do not change until the tail passes the entry, which waits for
 * this round's writes.  A bio is closed only between blocks, so each one
 * is whole logical blocks; four free vectors take any block (two pieces,
 * each over at most two pages of a vmalloc'd buffer).
 */
static void jrbd_ckpt_write_direct(struct jrbd_dev *d, struct jrbd_jentry *je,
				   u32 first, u32 n, struct jrbd_ckpt_io *io)
{
	struct bio *bio = NULL;
	u32 i;

	for (i = first; i < first + n; i++) {
		u32 rec_off = JRBD_ENTRY_HDR_SIZE + i * JRBD_BLOCK_SIZE;
		u32 left = JRBD_BLOCK_SIZE;

		if (bio && bio->bi_max_vecs - bio->bi_vcnt < 4) {
			atomic_inc(&io->pending);
			submit_bio(bio);
			bio = NULL;
		}
		if (!bio) {
			jrbd_ckpt_wait_room(d, io, 0);
			bio = bio_alloc(d->backing.bdev,
					min_t(u32, BIO_MAX_VECS, 4 * (first + n - i)),
					REQ_OP_WRITE, GFP_NOIO);
			bio->bi_iter.bi_sector = jrbd_data_sector(d, je->lba + i);
			/* straight from the ring: no pages to give back */
			bio->bi_end_io = jrbd_ckpt_bio_done;
			bio->bi_private = io;
		}
		while (left) {
			struct jrbd_jpos p = jrbd_record_pos(je->start, rec_off, true);
			u8 *buf = (u8 *)jrbd_slot(d, p.seq) + p.off;
			u32 len = min(left, JRBD_JBLOCK_SIZE - p.off);

			left -= len;
			rec_off += len;
			while (len) {
				u32 k = min_t(u32, len,
					      PAGE_SIZE - offset_in_page(buf));

				/* cannot fail: four vectors were free */
				WARN_ON_ONCE(bio_add_page(bio, jrbd_buf_page(buf), k,
							  offset_in_page(buf)) != k);
				buf += k;
				len -= k;
			}
		}
	}
	atomic_inc(&io->pending);
	submit_bio(bio);
}

/* Write blocks [first, first + n) of entry @je home, from the ring. */
static void jrbd_ckpt_write_run(struct jrbd_dev *d, struct jrbd_jentry *je,
				u32 first, u32 n, struct jrbd_ckpt_io *io)
{
	struct bio *bio;
	u32 i;

	if (jrbd_ckpt_direct(d, je, first, n)) {
		jrbd_ckpt_write_direct(d, je, first, n, io);
		return;
	}
	jrbd_ckpt_wait_room(d, io, n);
	bio = bio_alloc(d->backing.bdev, n, REQ_OP_WRITE, GFP_NOIO);
	bio->bi_iter.bi_sector = jrbd_data_sector(d, je->lba + first);
	bio->bi_end_io = jrbd_ckpt_endio;
	bio->bi_private = io;
	jrbd_ckpt_take_pages(d, bio, n);	/* one bvec per block */
	for (i = 0; i < n; i++)
		jrbd_journal_copy(d, je, JRBD_ENTRY_HDR_SIZE +
				  (first + i) * JRBD_BLOCK_SIZE,
				  page_address(bio->bi_io_vec[i].bv_page),
				  JRBD_BLOCK_SIZE);
	atomic_inc(&io->pending);
	submit_bio(bio);
}

static int jrbd_ckpt_zero_run(struct jrbd_dev *d, struct jrbd_jentry *je,
			      u32 first, u32 n)
{
	return blkdev_issue_zeroout(d->backing.bdev,
				    jrbd_data_sector(d, je->lba + first),
				    (sector_t)n * JRBD_BLOCK_SECTORS, GFP_NOIO, 0);
}

/*
 * Must block @lba of @je be written home in this round?
 *
 * Not if a newer entry of this round already writes it (@done, NULL when
 * no two entries of the round share a block): each
 * block is written at most once per round, from its newest version in the
 * round, so no two home writes of one block are ever in flight together
 * (the device may reorder overlapping writes).  The round walks its
 * entries newest first.
 *
 * Otherwise yes if @je is the block's newest version.  A newer version
 * outside the round lets us skip it only if that one is committed: it is
 * durable in the journal and the tail cannot pass it before it is home.
 * An uncommitted newer version may still be lost (a torn tail), and then
 * this round's data is what the block must hold.  Entries are freed only
 * by this thread, so the one the index returns stays valid here.
 */
static bool jrbd_ckpt_needed(struct jrbd_dev *d, struct jrbd_jentry *je,
			     u64 lba, u64 commit, struct xarray *done)
{
	struct jrbd_jentry *cur;

	if (done && xa_load(done, lba))
		return false;
	cur = xa_load(&d->index, lba);
	return cur == je || (cur && cur->index > commit);
}

/*
 * Step 2 for one entry: its blocks that may not be skipped.
 *
 * An entry no newer one ever replaced in the index (!->overwritten) is
 * the newest version of each of its blocks, and no newer entry of the
 * round holds any of them: all its blocks go, with no lookup.  A newer
 * write that replaces it meanwhile changes nothing here: this version is
 * committed, so writing it home is right, and the newer one goes home in
 * a later round, after this one's writes completed.
 *
 * @done is NULL when no entry of the round was overwritten at the start
 * of the round (jrbd_ckpt_round()): then no two of its entries share a
 * block (the older one would have been marked when the newer one was
 * appended, before it was committed), so no block can be written twice.
 */
static int jrbd_ckpt_entry(struct jrbd_dev *d, struct jrbd_jentry *je,
			   u64 commit, struct xarray *done,
			   struct jrbd_ckpt_io *io)
{
	bool all = !READ_ONCE(je->overwritten);
	u32 i = 0, run, k;
	int r;

	if (!jrbd_kind_has_range(je->kind))
		return 0;
	while (i < je->nr_blocks) {
		if (all) {
			run = min_t(u32, je->nr_blocks - i, BIO_MAX_VECS);
		} else if (!jrbd_ckpt_needed(d, je, je->lba + i, commit, done)) {
			i++;
			continue;
		} else {
			run = 1;
			while (i + run < je->nr_blocks && run < BIO_MAX_VECS &&
			       jrbd_ckpt_needed(d, je, je->lba + i + run,
						commit, done))
				run++;
		}
		for (k = 0; done && k < run; k++)
			xa_store(done, je->lba + i + k, xa_mk_value(1),
				 GFP_NOIO | __GFP_NOFAIL);
		if (je->kind == JRBD_ENTRY_WRITE) {
			jrbd_ckpt_write_run(d, je, i, run, io);
		} else {
			r = jrbd_ckpt_zero_run(d, je, i, run);
			if (r)
				return r;
		}
		atomic64_add(run, &d->stats.ckpt_blocks);
		i += run;
	}
	return 0;
}

/*
 * Step 4 for one entry: erase its blocks from the index where it is still
 * their newest version (a newer write keeps its own slot), one walk over
 * the present slots per section under the index's lock.
 */
static void jrbd_index_drop(struct jrbd_dev *d, struct jrbd_jentry *je)
{
	u64 first, last, end = je->lba + je->nr_blocks;

	for (first = je->lba; first < end; first = last + 1) {
		XA_STATE(xas, &d->index, first);
		struct jrbd_jentry *cur;

		last = min(first + JRBD_INDEX_WALK_CHUNK, end) - 1;
		xas_lock(&xas);
		xas_for_each(&xas, cur, last)
			if (cur == je)
				xas_store(&xas, NULL);
		xas_unlock(&xas);
		cond_resched();
	}
}

/* One round; returns the number of entries checkpointed or an error. */
static int jrbd_ckpt_round(struct jrbd_dev *d)
{
	struct jrbd_ckpt_io io = { .d = d };
	struct jrbd_jentry *je, *tmp, *last = NULL;
	struct blk_plug plug;
	struct jrbd_jpos tail;
	struct xarray done_xa, *done = NULL;
	LIST_HEAD(batch);
	u64 blocks = 0, tail_index, commit, batch_blocks;
	ktime_t t0;
	int n = 0, r = 0;

	/* Step 1: the oldest committed entries, in log order. */
	mutex_lock(&d->jlock);
	commit = d->commit_index;
	/* Three quarters full, a writer waiting, or forced: the wide window. */
	io.may_yield = jrbd_journal_used(d) * 4 < d->geom.journal_blocks * 3 &&
		       d->index_blocks * 4 < jrbd_index_cap(d) * 3 &&
		       !waitqueue_active(&d->space_wq);
	/* Short of room: small rounds, so that the tail moves often. */
	batch_blocks = JRBD_CKPT_BATCH_BLOCKS;
	if (!io.may_yield && !atomic_read(&d->ckpt_force))
		batch_blocks = clamp_t(u64, d->ckpt_rate * JRBD_CKPT_ROUND_MS /
				       MSEC_PER_SEC, JRBD_CKPT_BATCH_BLOCKS_MIN,
				       JRBD_CKPT_BATCH_BLOCKS);
	io.may_yield = io.may_yield && !atomic_read(&d->ckpt_force);
	list_for_each_entry_safe(je, tmp, &d->live, node) {
		if (je->index > commit || blocks >= batch_blocks)
			break;
		blocks += je->nr_blocks;
		/* entries of the round may share blocks: see jrbd_ckpt_entry() */
		if (je->overwritten)
			done = &done_xa;
		list_move_tail(&je->node, &batch);
		n++;
	}
	mutex_unlock(&d->jlock);
	if (!n)
		return 0;

	/* Step 2: home writes, newest entry first.  Step 3: durable. */
	t0 = ktime_get();
	last = list_last_entry(&batch, struct jrbd_jentry, node);
	atomic_set(&io.pending, 1);
	init_completion(&io.done);
	xa_init(&done_xa);
	/* one notification of the disk per batch of bios, not per bio */
	blk_start_plug(&plug);
	list_for_each_entry_reverse(je, &batch, node) {
		r = jrbd_ckpt_entry(d, je, commit, done, &io);
		if (r)
			break;
	}
	blk_finish_plug(&plug);
	jrbd_ckpt_put(d, &io);
	wait_for_completion(&io.done);
	xa_destroy(&done_xa);
	if (!r)
		r = io.error;
	if (!r)
		r = jrbd_flush_backing(d);
	if (!r && blocks)
		d->ckpt_rate = div64_u64(blocks * NSEC_PER_SEC,
					 max_t(u64, ktime_to_ns(ktime_sub(ktime_get(), t0)), 1));
	if (r) {
		/* Nothing moves: the entries stay in the journal. */
		mutex_lock(&d->jlock);
		list_splice(&batch, &d->live);
		mutex_unlock(&d->jlock);
		jrbd_dev_error(d, r, "checkpoint");
		return r;
	}

	/* Step 4: readers now find these blocks in the data area. */
	down_write(&d->reclaim_sem);
	list_for_each_entry(je, &batch, node)
		if (jrbd_kind_has_range(je->kind))
			jrbd_index_drop(d, je);
	up_write(&d->reclaim_sem);

	/* Step 5: the new tail is the oldest entry left, or the head. */
	mutex_lock(&d->jlock);
	je = list_first_entry_or_null(&d->live, struct jrbd_jentry, node);
	if (je) {
		tail = je->start;
		tail_index = je->index;
	} else {
		tail = jrbd_record_start((struct jrbd_jpos){ d->w.seq, d->w.off });
		tail_index = d->w.next_index;
	}
	mutex_unlock(&d->jlock);

	mutex_lock(&d->sb_lock);
	d->sb.tail_seq = tail.seq;
	d->sb.tail_off = tail.off;
	d->sb.tail_index = tail_index;
	d->sb.tail_term = last->term;
	d->sb.tail_chain = last->chain_crc;
	r = jrbd_sb_write(d);
	mutex_unlock(&d->sb_lock);

	blocks = 0;
	list_for_each_entry_safe(je, tmp, &batch, node) {
		if (jrbd_kind_has_range(je->kind))
			blocks += je->nr_blocks;
		list_del(&je->node);
		kfree(je);
	}
	mutex_lock(&d->jlock);
	d->index_blocks -= blocks;
	mutex_unlock(&d->jlock);
	if (r) {
		jrbd_dev_error(d, r, "superblock write");
		return r;
	}

	/* Step 6: the space behind the new tail may be reused. */
	mutex_lock(&d->jlock);
	d->tail = tail;
	d->ckpt_index = tail_index - 1;
	mutex_unlock(&d->jlock);
	atomic64_inc(&d->stats.ckpt_rounds);
	wake_up_all(&d->space_wq);
	wake_up_all(&d->ckpt_wq_head);
	return n;
}

bool jrbd_ckpt_urgent_locked(struct jrbd_dev *d)
{
	lockdep_assert_held(&d->jlock);
	return jrbd_journal_used(d) * 2 >= d->geom.journal_blocks ||
	       d->index_blocks * 2 >= jrbd_index_cap(d) ||
	       waitqueue_active(&d->space_wq) || atomic_read(&d->ckpt_force);
}

static bool jrbd_ckpt_urgent(struct jrbd_dev *d)
{
	bool urgent;

	mutex_lock(&d->jlock);
	urgent = jrbd_ckpt_urgent_locked(d);
	mutex_unlock(&d->jlock);
	return urgent;
}

void jrbd_ckpt_work(struct work_struct *work)
{
	struct jrbd_dev *d = container_of(work, struct jrbd_dev, ckpt_work);

	while (!jrbd_dev_failed(d) && jrbd_ckpt_round(d) > 0) {
		if (!jrbd_ckpt_urgent(d))
			break;
		cond_resched();
	}
}

/* After a commit: start a round now only when the journal needs room. */
void jrbd_kick_ckpt(struct jrbd_dev *d)
{
	if (jrbd_ckpt_urgent(d))
		queue_work(d->ckpt_wq, &d->ckpt_work);
}

/*
 * Once a second: make appended entries durable (the commit interval) and,
 * if no write came in since the last tick, start a checkpoint round for
 * what is committed (a busy device is checkpointed by jrbd_kick_ckpt()
 * once its journal is half full).
 */
void jrbd_tick(struct work_struct *work)
{
	struct jrbd_dev *d = container_of(to_delayed_work(work),
					  struct jrbd_dev, tick);
	u64 writes = atomic64_read(&d->stats.writes);
	bool commit, ckpt;

	mutex_lock(&d->jlock);
	commit = d->durable_index < d->w.next_index - 1;
	if (commit)
		d->flush_wanted = true;
	ckpt = d->commit_index > d->ckpt_index && writes == d->tick_writes;
	mutex_unlock(&d->jlock);
	d->tick_writes = writes;
	if (commit)
		jrbd_kick_commit(d);
	if (ckpt)
		queue_work(d->ckpt_wq, &d->ckpt_work);
	queue_delayed_work(d->ckpt_wq, &d->tick, JRBD_TICK);
}

/*
 * Make everything appended so far durable, committed and written home:
 * `jrbdctl message NAME checkpoint`, and remove.  Returns the sticky error
 * if the device failed meanwhile, -EINTR if the caller was killed while
 * waiting (a disk that stalls must not wedge jrbdctl in D state).
 *
 * Except during module unload: exit must remove every device before the
 * module's code goes away, so a killed rmmod must not make it give up
 * half-way (that left a live device running freed code: tests/leak/002,
 * "rmmod killed while it writes the journal home").
 */
int jrbd_checkpoint_all(struct jrbd_dev *d)
{
	unsigned int state = READ_ONCE(jrbd_mod.exiting) ?
			     TASK_UNINTERRUPTIBLE : TASK_KILLABLE;
	u64 target;
	int r;

	mutex_lock(&d->jlock);
	target = d->w.next_index - 1;
	d->flush_wanted = true;
	mutex_unlock(&d->jlock);
	jrbd_kick_commit(d);
	atomic_inc(&d->ckpt_force);
	r = wait_event_state(d->ckpt_wq_head,
		READ_ONCE(d->commit_index) >= target || jrbd_dev_failed(d), state);
	if (!r) {
		queue_work(d->ckpt_wq, &d->ckpt_work);
		r = wait_event_state(d->ckpt_wq_head,
			READ_ONCE(d->ckpt_index) >= target || jrbd_dev_failed(d),
			state);
	}
	atomic_dec(&d->ckpt_force);
	if (r)
		return -EINTR;
	return -jrbd_dev_failed(d);
}
