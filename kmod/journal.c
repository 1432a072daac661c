// SPDX-License-Identifier: GPL-2.0-only
/*
 * The journal writer's back half: the in-memory ring, synchronous block
 * I/O to the backing device, superblock updates, and the commit stage.
 *
 * The commit stage (jrbd%d-commit, ordered, WQ_MEM_RECLAIM) is the group
 * commit: every pass takes all journal bytes appended since the last pass
 * as one batch, finishes the CRCs of its entries (the submitters only
 * copied them), closes the batch's last journal sector (4 KiB, or 512
 * bytes with INCOMPAT_SECTOR_512) with a PAD (rule W2), writes it, makes it durable if any bio of the batch (or the
 * checkpointer, or the tick) needs that -- one backing flush, or REQ_FUA
 * on a one-bio batch with nothing unflushed before it -- and then
 * completes every bio the batch covers.  One pass at a time: batches
 * reach the disk in log order (rule W1 with a window of one batch).
 * A durable bio that finds the stage idle may run the pass itself, the
 * fast pass (jrbd_fast_commit()); ->pass says whose pass is in flight.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include "jrbd.h"

/*
 * The ring is as large as the journal.  A journal larger than a quarter
 * of RAM (a disk formatted elsewhere, or a wrong --journal-size) is
 * refused rather than left to the OOM killer.
 */
int jrbd_journal_alloc(struct jrbd_dev *d, struct netlink_ext_ack *extack)
{
	u64 i, n = d->geom.journal_blocks;
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;

	if (n * JRBD_JBLOCK_SIZE / PAGE_SIZE > totalram_pages() / 4) {
		NL_SET_ERR_MSG(extack,
			"journal is larger than a quarter of this machine's memory");
		return -ENOMEM;
	}
	d->ring = kvcalloc(n, sizeof(*d->ring), gfp);
	if (!d->ring)
		goto err_nomem;
	for (i = 0; i < n; i++) {
		if (fatal_signal_pending(current))
			return -EINTR;	/* jrbd_journal_free() undoes */
		d->ring[i] = kvzalloc(JRBD_JBLOCK_SIZE, gfp);
		if (!d->ring[i])
			goto err_nomem;
	}
	return 0;

err_nomem:
	NL_SET_ERR_MSG(extack, "cannot allocate the in-memory journal");
	return -ENOMEM;
}

void jrbd_journal_free(struct jrbd_dev *d)
{
	u64 i;

	if (!d->ring)
		return;
	for (i = 0; i < d->geom.journal_blocks; i++)
		kvfree(d->ring[i]);
	kvfree(d->ring);
	d->ring = NULL;
}

/* One bio of at most BIO_MAX_VECS pages; returns bytes done or an error. */
static int jrbd_sync_io_one(struct jrbd_dev *d, blk_opf_t opf, u64 dev_offset,
			    u8 *p, u32 len)
{
	struct bio *bio;
	u32 done = 0;
	int r;

	bio = bio_alloc(d->backing.bdev, BIO_MAX_VECS, opf, GFP_NOIO);
	bio->bi_iter.bi_sector = dev_offset >> SECTOR_SHIFT;
	while (done < len) {
		u32 n = min_t(u32, len - done, PAGE_SIZE - offset_in_page(p + done));

		if (bio_add_page(bio, jrbd_buf_page(p + done), n,
				 offset_in_page(p + done)) != n)
			break;	/* bio full: the caller sends the rest */
		done += n;
	}
	r = submit_bio_wait(bio);
	bio_put(bio);
	return r ? r : done;
}

/*
 * Synchronous I/O of a kernel buffer (kmalloc'd or vmalloc'd) at a byte
 * offset of the backing device, in as many bios as it takes.  Offsets and
 * lengths are multiples of 512.  Flags like REQ_PREFLUSH/REQ_FUA apply to
 * every bio; callers that use them pass one bio's worth.
 */
int jrbd_sync_io(struct jrbd_dev *d, blk_opf_t opf, u64 dev_offset,
		 void *buf, u32 len)
{
	u8 *p = buf;

	if (WARN_ON_ONCE((dev_offset | len) & (SECTOR_SIZE - 1)))
		return -EINVAL;
	while (len) {
		int r = jrbd_sync_io_one(d, opf, dev_offset, p, len);

		if (r < 0)
			return r;
		if (WARN_ON_ONCE(r == 0 || r & (SECTOR_SIZE - 1)))
			return -EIO;
		p += r;
		dev_offset += r;
		len -= r;
	}
	return 0;
}

int jrbd_flush_backing(struct jrbd_dev *d)
{
	atomic64_inc(&d->stats.flushes);
	return blkdev_issue_flush(d->backing.bdev);
}

/*
 * Write the in-memory superblock to the slot its next generation picks,
 * with a preflush (everything before it is durable first) and FUA (it is
 * durable when this returns): rule W5.  The other slot keeps the previous
 * state, so a torn superblock write loses nothing.
 */
int jrbd_sb_write(struct jrbd_dev *d)
{
	struct jrbd_err err = { 0 };
	int r;

	lockdep_assert_held(&d->sb_lock);
	d->sb.generation++;
	d->sb.update_time = ktime_get_real_seconds();
	r = jrbd_super_encode(&d->sb, d->sb_buf, &err);
	if (r < 0) {
		pr_err("%s: refusing to write an invalid superblock: %s %s\n",
		       d->cfg.name, err.field ? err.field : "", err.msg);
		d->sb.generation--;
		return r;
	}
	r = jrbd_sync_io(d, REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH | REQ_FUA,
			 jrbd_super_slot_offset(d->sb.generation), d->sb_buf,
			 JRBD_SB_SLOT_SIZE);
	if (r < 0) {
		d->sb.generation--;
		return r;
	}
	atomic64_inc(&d->stats.flushes);
	return 0;
}

/*
 * Rule W1's arithmetic: recovery's end can lie a whole record (at most
 * JRBD_RECORD_MAX_BLOCKS blocks) before the last flushed block, and blocks
 * up to one stride past that may be written unflushed; all of them must
 * fall inside the window the seal zeroes after the end, with a block to
 * spare.
 */
#define JRBD_RECORD_MAX_BLOCKS	(JRBD_MAX_RECORD / JRBD_FRAG_MAX_LEN + 2)
#define JRBD_FLUSH_STRIDE	(JRBD_MAX_INFLIGHT_BLOCKS - JRBD_RECORD_MAX_BLOCKS - 2)
static_assert(JRBD_FLUSH_STRIDE >= 16, "W1 flush stride too small");
static_assert(JRBD_RECORD_MAX_BLOCKS + JRBD_FLUSH_STRIDE < JRBD_MAX_INFLIGHT_BLOCKS,
	      "W1: unflushed blocks may lie past the seal window");

/*
 * Journal writes in flight for one pass of the commit stage: as many bios
 * as the range takes, waited for together.
 */
struct jrbd_wio {
	atomic_t pending;	/* bios + 1 for the submitter */
	unsigned int submitted;	/* bios submitted (or ended) so far */
	int error;		/* first error, cmpxchg */
	struct completion done;
};

static void jrbd_wio_put(struct jrbd_wio *io)
{
	if (atomic_dec_and_test(&io->pending))
		complete(&io->done);
}

static void jrbd_wio_endio(struct bio *bio)
{
	struct jrbd_wio *io = bio->bi_private;

	if (bio->bi_status)
		cmpxchg(&io->error, 0, blk_status_to_errno(bio->bi_status));
	bio_put(bio);
	jrbd_wio_put(io);
}

static void jrbd_wio_submit(struct jrbd_wio *io, struct bio **biop)
{
	if (!*biop)
		return;
	atomic_inc(&io->pending);
	io->submitted++;
	submit_bio(*biop);
	*biop = NULL;
}

/* Submit what is open and wait for every bio of @io; its first error. */
static int jrbd_wio_wait(struct jrbd_wio *io, struct bio **biop)
{
	int r;

	jrbd_wio_submit(io, biop);
	jrbd_wio_put(io);
	wait_for_completion_io(&io->done);
	r = io->error;
	atomic_set(&io->pending, 1);
	io->error = 0;
	reinit_completion(&io->done);
	return r;
}

/*
 * Add ring bytes [p, p + len) for device byte offset @off to the open bio,
 * or to a new one when it is full or does not continue there (the ring's
 * wrap): consecutive journal blocks go out as one request, which a disk
 * limited in requests per second (or a TCG guest's emulated one) needs.
 */
static void jrbd_wio_add(struct jrbd_dev *d, struct jrbd_wio *io,
			 struct bio **biop, u64 off, u8 *p, u32 len)
{
	while (len) {
		u32 n = min_t(u32, len, PAGE_SIZE - offset_in_page(p));

		if (*biop && bio_end_sector(*biop) != off >> SECTOR_SHIFT)
			jrbd_wio_submit(io, biop);
		if (!*biop) {
			*biop = bio_alloc(d->backing.bdev, BIO_MAX_VECS,
					  REQ_OP_WRITE | REQ_SYNC, GFP_NOIO);
			(*biop)->bi_iter.bi_sector = off >> SECTOR_SHIFT;
			(*biop)->bi_end_io = jrbd_wio_endio;
			(*biop)->bi_private = io;
		}
		if (bio_add_page(*biop, jrbd_buf_page(p), n,
				 offset_in_page(p)) != n) {
			/* full: the next one (an empty bio takes a page) */
			if (WARN_ON_ONCE(!(*biop)->bi_vcnt)) {
				atomic_inc(&io->pending);
				io->submitted++;
				(*biop)->bi_status = BLK_STS_IOERR;
				bio_endio(*biop);	/* io->error: -EIO */
				*biop = NULL;
				return;
			}
			jrbd_wio_submit(io, biop);
			continue;
		}
		p += n;
		off += n;
		len -= n;
	}
}

/*
 * Write journal bytes [from, to) (both journal sector aligned), in as few bios as
 * the ring's layout allows, all in flight at once.  Rule W1: no more than
 * JRBD_MAX_INFLIGHT_BLOCKS blocks may be written past the last flush
 * (recovery's seal zeroes only that many), so a large batch waits for
 * what it wrote and flushes on the way.
 *
 * *@fua in: the caller wants the range durable and nothing written before
 * it is unflushed.  If the range is one bio, that bio goes with REQ_FUA:
 * one round trip instead of a write and then a flush (a disk without FUA
 * gets the block layer's post-flush, still one submission and one wake-up
 * here).  *@fua out: whether that was done.  Only the commit stage calls
 * this; it keeps ->unflushed.
 */
static int jrbd_write_range(struct jrbd_dev *d, struct jrbd_jpos from,
			    struct jrbd_jpos to, bool *fua)
{
	struct jrbd_wio io = { .error = 0 };
	struct bio *bio = NULL;
	struct blk_plug plug;
	bool wrote = false;
	u64 seq;
	int r = 0;

	atomic_set(&io.pending, 1);
	init_completion(&io.done);
	blk_start_plug(&plug);
	for (seq = from.seq; seq <= to.seq; seq++) {
		u32 a = seq == from.seq ? from.off : 0;
		u32 b = seq == to.seq ? to.off : JRBD_JBLOCK_SIZE;

		if (a >= b)
			continue;
		if (seq >= d->flushed_seq + JRBD_FLUSH_STRIDE) {
			r = jrbd_wio_wait(&io, &bio);
			if (!r)
				r = jrbd_flush_backing(d);
			if (r < 0)
				break;
			d->flushed_seq = seq;
			*fua = false;
		}
		jrbd_wio_add(d, &io, &bio,
			     jrbd_jpos_dev_offset(d->geom.journal_offset,
						  d->geom.journal_blocks,
						  (struct jrbd_jpos){ seq, a }),
			     (u8 *)jrbd_slot(d, seq) + a, b - a);
		wrote = true;
	}
	blk_finish_plug(&plug);
	if (wrote)
		atomic64_inc(&d->stats.journal_writes);
	/*
	 * A failed flush fails the range even when it came before the
	 * range's first bio: what lay before it is not durable either.
	 */
	if (r < 0) {
		*fua = false;
		d->unflushed = true;
		jrbd_wio_wait(&io, &bio);	/* nothing may stay in flight */
		return r;
	}
	/*
	 * An empty range (its end at the start of the block after its
	 * start) writes nothing and leaves nothing unflushed.
	 */
	if (!wrote)
		return 0;
	/*
	 * No bio submitted yet (not ->pending, which falls again as bios
	 * complete): the open one is the whole range.
	 */
	if (*fua && bio && !io.submitted)
		bio->bi_opf |= REQ_FUA;
	else
		*fua = false;
	r = jrbd_wio_wait(&io, &bio);
	if (r)
		*fua = false;
	d->unflushed = !*fua;
	return r;
}

static u8 *jrbd_ring_block(void *ctx, u64 seq)
{
	return jrbd_slot(ctx, seq);
}

/*
 * Finish the entries taken off ->unfinished, in log order: payload_crc,
 * header, chain_crc and the fragment CRCs (jrbd_rec_finish()), computed
 * from the ring copy.  Runs without ->jlock: an entry's bytes no longer
 * change once appended, the writer appends only after them, and readers
 * and the checkpointer read only payload bytes.  Only the owner of ->pass
 * calls it, one pass at a time, so ->fin_chain needs no lock.
 */
static void jrbd_finish_entries(struct jrbd_dev *d, struct list_head *list)
{
	struct jrbd_jentry *je, *tmp;

	list_for_each_entry_safe(je, tmp, list, fnode) {
		struct jrbd_entry e = {
			.kind = je->kind,
			.flags = je->flags,
			.nr_blocks = je->nr_blocks,
			.index = je->index,
			.term = je->term,
			.commit_index = je->commit_index,
			.lba = je->lba,
			.payload_len = je->payload_len,
		};

		list_del_init(&je->fnode);
		d->fin_chain = jrbd_rec_finish(d->seed, d->fin_chain, &e,
					       je->start, d->aligned,
					       jrbd_ring_block, d);
		je->chain_crc = e.chain_crc;
		cond_resched();
	}
}

static void jrbd_end_waits(struct jrbd_dev *d, struct list_head *done)
{
	struct jrbd_wait *w, *tmp;

	list_for_each_entry_safe(w, tmp, done, node) {
		list_del(&w->node);
		atomic_dec(&d->durable_waiters);
		bio_endio(w->bio);
		kfree(w);
	}
}

/*
 * Move the bios whose condition now holds from @from to @done.  Plain
 * writes need their entry written; REQ_FUA/REQ_PREFLUSH ones need it
 * committed.  With a sticky error everything left fails.
 */
static void jrbd_collect_waits(struct jrbd_dev *d, struct list_head *from,
			       struct list_head *done, bool all_written)
{
	struct jrbd_wait *w, *tmp;
	int err = jrbd_dev_failed(d);

	lockdep_assert_held(&d->jlock);
	list_for_each_entry_safe(w, tmp, from, node) {
		if (err) {
			w->bio->bi_status = BLK_STS_IOERR;
		} else if (w->durable ? w->index > d->commit_index :
			   w->index > d->written_index) {
			if (all_written && w->durable)
				list_move_tail(&w->node, &d->committing);
			continue;
		}
		list_move_tail(&w->node, done);
	}
}

void jrbd_kick_commit(struct jrbd_dev *d)
{
	queue_work(d->commit_wq, &d->commit_work);
}

/*
 * With only plain writes to do, the commit stage writes the journal blocks
 * the writer has filled once JRBD_PLAIN_STRIDE blocks' worth wait beyond
 * what it took last (after a flush pass that ended mid-block: the rest of
 * that block and eight more), as one request: a 4 KiB random writer fills
 * a 32 KiB block every seven writes, and a request per block cost a disk
 * limited in requests per second one journal write per seven user writes
 * (tuning step 16 in performance.md).  A flush, a FUA write, a writer
 * waiting for space and the once-a-second tick write everything.  Under
 * ->jlock; the writer and the commit stage decide with this one test, so
 * a kick is never ignored by the pass it starts.  The stride is far below
 * both the smallest journal and rule W1's flush stride.
 */
#define JRBD_PLAIN_STRIDE	8u
static_assert(JRBD_PLAIN_STRIDE * 8 <= JRBD_JOURNAL_MIN_BLOCKS &&
	      JRBD_PLAIN_STRIDE < JRBD_FLUSH_STRIDE, "plain stride too large");

bool jrbd_plain_commit_due(struct jrbd_dev *d)
{
	u64 filled = d->w.seq * JRBD_JBLOCK_SIZE +
		     (jrbd_wr_block_full(&d->w) ? JRBD_JBLOCK_SIZE : 0);
	u64 taken = d->submitted.seq * JRBD_JBLOCK_SIZE + d->submitted.off;

	lockdep_assert_held(&d->jlock);
	return filled >= taken + JRBD_PLAIN_STRIDE * JRBD_JBLOCK_SIZE;
}

/*
 * The fast pass's bio completed: end the committer's bio right here, in
 * interrupt context, as the backing disk would have.  A failed write
 * sets the sticky error first (so the committer finds the device
 * failed, STYLE rule 5) and fails the bio; ->pass stays JRBD_PASS_FAST
 * until the worker ended the pass, so no durable bio can be acknowledged
 * past the failure.  The bookkeeping (indexes, ->pass, the report, the
 * checkpointer) needs ->jlock: jrbd_fast_settle(), by the next committer
 * (a QD1 committer comes back first: no worker wake-up per commit, about
 * a tenth of its CPU), or by the worker when anyone kicks it (the tick,
 * a flush that waits, a checkpoint, a writer short of room).  This
 * completion kicks it only for a failure (the report) or for bios that
 * queued behind the pass meanwhile (->durable_waiters): the smp_mb()
 * orders the release of ->done before that read, and a waiter's
 * increment is ordered before the worker's read of ->done by its own
 * queue_work(); so either the worker sees the pass done or this sees the
 * waiter.  From the release on, the pass may be ended and the next one
 * started, reusing ->bio (bio_endio() no longer touches a bio once it
 * called ->bi_end_io) and ->ubio, which is therefore read before.  @d
 * stays valid until the committer's bio is ended: its submitter holds
 * the device open.  The submitter's writes reach here through the
 * backing queue's locks.
 */
static void jrbd_fast_endio(struct bio *bio)
{
	struct jrbd_dev *d = bio->bi_private;
	struct bio *ubio = d->fast.ubio;
	int err = blk_status_to_errno(bio->bi_status);

	if (err) {
		d->fast.error = err;
		d->fast.first_error = !cmpxchg(&d->error, 0, -err);
		ubio->bi_status = BLK_STS_IOERR;
	}
	atomic_dec(&d->durable_waiters);
	smp_store_release(&d->fast.done, true);
	smp_mb();
	if (err || atomic_read(&d->durable_waiters))
		jrbd_kick_commit(d);
	bio_endio(ubio);
}

/*
 * The bookkeeping of a completed fast pass: what a full pass does after
 * its write (jrbd_commit_pass()), for the fast pass's one bio, by the
 * next committer or the worker (jrbd_fast_endio()).  Under
 * ->jlock (nothing here takes it again).  true: the pass's error made
 * the device fail, and the caller reports it once it released ->jlock
 * (the netlink event takes it).
 */
static bool jrbd_fast_settle(struct jrbd_dev *d)
{
	struct jrbd_fast_pass *f = &d->fast;
	bool report = f->first_error;

	lockdep_assert_held(&d->jlock);
	if (f->error) {
		d->unflushed = true;
	} else {
		d->flushed_seq = f->to.seq;
		d->unflushed = false;
		d->written_index = max(d->written_index, f->last);
		d->durable_index = max(d->durable_index, f->last);
		d->commit_index = d->durable_index;	/* single node */
	}
	f->ubio = NULL;
	f->error = 0;
	f->first_error = false;
	f->done = false;
	d->pass = JRBD_PASS_IDLE;
	wake_up_all(&d->ckpt_wq_head);
	if (jrbd_ckpt_urgent_locked(d))
		queue_work(d->ckpt_wq, &d->ckpt_work);
	return report;
}

/* The worker ends a completed fast pass; releases ->jlock. */
static void jrbd_fast_end(struct jrbd_dev *d)
	__releases(&d->jlock)
{
	bool report = jrbd_fast_settle(d);

	mutex_unlock(&d->jlock);
	if (report)
		jrbd_dev_error_report(d, "journal write");
}

/*
 * Is the entry @index durable?  Also while a fast pass that made it so
 * waits for the worker to move the indexes: a flush right behind a FUA
 * write (O_DSYNC on the block device, a journal commit block) needs no
 * trip through the worker either.  Under ->jlock.
 */
bool jrbd_durable(struct jrbd_dev *d, u64 index)
{
	lockdep_assert_held(&d->jlock);
	if (index <= d->commit_index)
		return true;
	return d->pass == JRBD_PASS_FAST && smp_load_acquire(&d->fast.done) &&
	       !d->fast.error && index <= d->fast.last;
}

/*
 * A durable bio (@ubio: an empty flush, or a FUA/PREFLUSH write whose
 * entry was just appended) finds the commit stage idle, no other bio
 * waiting and nothing written unflushed: it commits the batch itself,
 * in the submitter's context (a QD1 committer's CPU has nothing else to
 * do), instead of waking the worker and waiting for it.  The batch --
 * everything appended so far, padded (rule W2) -- must be one bio of at
 * most JRBD_FAST_MAX_BLOCKS contiguous blocks within rule W1's stride;
 * it goes REQ_FUA, which is enough because nothing unflushed lies
 * before it.  Only for a lone committer: one that finds another
 * committer's bio waiting (or a fast pass in flight) turns the fast pass
 * off for JRBD_FAST_BACKOFF, since the worker's wake-up is what lets
 * concurrent committers gather into one batch (with eight, the fast pass
 * cut the bios per journal write from 6.2 to 4.9 and the IOPS by 10 %).
 * A worker pass with no committer waiting (plain blocks, the tick) only
 * sends this one bio to the worker.  The bio is queued on
 * current->bio_list and issued when the submitter's submit_bio()
 * returns; nothing here waits for it.
 *
 * Called with ->jlock held.  true: the pass took @ubio and ->jlock is
 * released; false: it did not (it may have noted a crowd), ->jlock is
 * still held, and the caller queues @ubio for the worker.
 */
bool jrbd_fast_commit(struct jrbd_dev *d, struct bio *ubio)
{
	struct jrbd_fast_pass *f = &d->fast;
	struct jrbd_jpos from = d->submitted, to;
	u64 off, seq, n = d->geom.journal_blocks;
	LIST_HEAD(fin);

	lockdep_assert_held(&d->jlock);
	/* The last fast pass is done and waits for its bookkeeping. */
	if (d->pass == JRBD_PASS_FAST && smp_load_acquire(&f->done)) {
		if (f->error)
			return false;	/* the worker reports and fails */
		jrbd_fast_settle(d);
	}
	if (d->pass == JRBD_PASS_FAST || atomic_read(&d->durable_waiters) ||
	    !list_empty(&d->pending) || !list_empty(&d->committing)) {
		/* Committers overlap: leave them to group commit a while. */
		d->commit_crowded_at = jiffies;
		return false;
	}
	if (d->pass != JRBD_PASS_IDLE ||
	    time_in_range(jiffies, d->commit_crowded_at,
			  d->commit_crowded_at + JRBD_FAST_BACKOFF) ||
	    d->unflushed || jrbd_dev_failed(d) || jrbd_wr_in_record(&d->w) ||
	    (d->w.seq == from.seq && d->w.off == from.off) ||
	    d->w.seq - from.seq >= JRBD_FAST_MAX_BLOCKS ||
	    d->w.seq >= d->flushed_seq + JRBD_FLUSH_STRIDE ||
	    from.seq % n + (d->w.seq - from.seq) >= n)	/* the ring wraps */
		return false;

	/* As a full pass: pad, take the batch (the pad stays in its block). */
	WARN_ON_ONCE(jrbd_wr_pad(&d->w));
	to.seq = d->w.seq;
	to.off = d->w.off;
	d->flush_wanted = false;
	list_splice_init(&d->unfinished, &fin);
	d->submitted = to;
	d->pass = JRBD_PASS_FAST;
	f->ubio = ubio;
	f->to = to;
	f->last = d->w.next_index - 1;
	atomic_inc(&d->durable_waiters);
	mutex_unlock(&d->jlock);

	jrbd_finish_entries(d, &fin);
	bio_init(&f->bio, d->backing.bdev, f->bvec, ARRAY_SIZE(f->bvec),
		 REQ_OP_WRITE | REQ_SYNC | REQ_FUA);
	off = jrbd_jpos_dev_offset(d->geom.journal_offset, n, from);
	f->bio.bi_iter.bi_sector = off >> SECTOR_SHIFT;
	f->bio.bi_end_io = jrbd_fast_endio;
	f->bio.bi_private = d;
	for (seq = from.seq; seq <= to.seq; seq++) {
		u32 a = seq == from.seq ? from.off : 0;
		u32 b = seq == to.seq ? to.off : JRBD_JBLOCK_SIZE;
		u8 *p = (u8 *)jrbd_slot(d, seq) + a;

		while (a < b) {
			u32 len = min_t(u32, b - a, PAGE_SIZE - offset_in_page(p));

			/* JRBD_FAST_VECS covers two blocks: cannot fail. */
			if (WARN_ON_ONCE(bio_add_page(&f->bio, jrbd_buf_page(p),
						      len, offset_in_page(p)) != len)) {
				f->bio.bi_status = BLK_STS_IOERR;
				bio_endio(&f->bio);
				return true;
			}
			p += len;
			a += len;
		}
	}
	atomic64_inc(&d->stats.journal_writes);
	atomic64_inc(&d->stats.fast_commits);
	submit_bio(&f->bio);
	return true;
}

/* One group-commit pass; false when there was nothing to do. */
static bool jrbd_commit_pass(struct jrbd_dev *d)
{
	struct jrbd_jpos from, to;
	LIST_HEAD(batch);
	LIST_HEAD(done);
	LIST_HEAD(fin);
	bool flush, new_bytes, fua;
	u64 last;
	int r = 0;

	mutex_lock(&d->jlock);
	if (d->pass == JRBD_PASS_FAST) {
		/*
		 * Not done: its completion kicks the worker again if anyone
		 * waits.  Done: end it here.
		 */
		if (!smp_load_acquire(&d->fast.done)) {
			mutex_unlock(&d->jlock);
			return false;
		}
		jrbd_fast_end(d);
		return true;
	}
	new_bytes = d->w.seq != d->submitted.seq || d->w.off != d->submitted.off;
	if (!new_bytes && !d->flush_wanted && list_empty(&d->pending)) {
		mutex_unlock(&d->jlock);
		return false;
	}
	if (jrbd_dev_failed(d)) {
		list_splice_init(&d->pending, &batch);
		jrbd_collect_waits(d, &batch, &done, false);
		jrbd_collect_waits(d, &d->committing, &done, false);
		mutex_unlock(&d->jlock);
		jrbd_end_waits(d, &done);
		return false;
	}
	from = d->submitted;
	flush = d->flush_wanted;
	if (!flush && list_empty(&d->pending)) {
		/*
		 * Only plain writes, which completed already: once enough
		 * are waiting, write the blocks the writer has filled and
		 * leave the one it is filling for a later pass (no PAD, no
		 * partial block, fewer and larger requests).  A flush, a FUA
		 * write or the tick writes the rest.  The indexes move with
		 * full passes only.
		 */
		if (!jrbd_plain_commit_due(d)) {
			mutex_unlock(&d->jlock);
			return false;
		}
		to.seq = d->w.seq;
		to.off = jrbd_wr_block_full(&d->w) ? JRBD_JBLOCK_SIZE : 0;
		d->submitted = to;
		list_splice_init(&d->unfinished, &fin);
		d->pass = JRBD_PASS_WORKER;
		mutex_unlock(&d->jlock);
		jrbd_finish_entries(d, &fin);
		fua = false;
		r = jrbd_write_range(d, from, to, &fua);
		mutex_lock(&d->jlock);
		d->pass = JRBD_PASS_IDLE;
		mutex_unlock(&d->jlock);
		if (r)
			jrbd_dev_error(d, r, "journal write");
		return true;
	}
	/* Close the batch on a journal sector boundary: rule W2. */
	if (new_bytes)
		WARN_ON_ONCE(jrbd_wr_pad(&d->w));
	to.seq = d->w.seq;
	to.off = d->w.off;
	last = d->w.next_index - 1;
	d->flush_wanted = false;
	list_splice_init(&d->pending, &batch);
	list_splice_init(&d->unfinished, &fin);
	d->submitted = to;
	d->pass = JRBD_PASS_WORKER;
	mutex_unlock(&d->jlock);

	/*
	 * Writers append after @to meanwhile, into later sectors of the same
	 * buffer: the bytes written here do not change any more once their
	 * entries are finished.
	 */
	jrbd_finish_entries(d, &fin);
	/* Durable in one round trip when nothing unflushed lies before. */
	fua = flush && !d->unflushed;
	if (new_bytes)
		r = jrbd_write_range(d, from, to, &fua);
	if (!r && flush) {
		/*
		 * fua: the range went FUA, or there was none and nothing
		 * written since the last flush: durable already.
		 */
		if (!fua)
			r = jrbd_flush_backing(d);
		if (!r) {
			d->flushed_seq = to.seq;
			d->unflushed = false;
		}
	}
	if (r)
		jrbd_dev_error(d, r, "journal write");

	mutex_lock(&d->jlock);
	d->pass = JRBD_PASS_IDLE;
	if (!r) {
		d->written_index = max(d->written_index, last);
		if (flush) {
			d->durable_index = max(d->durable_index, last);
			/*
			 * Single node: committed = durable here.  The
			 * replication agent will move commit_index itself.
			 */
			d->commit_index = d->durable_index;
		}
	}
	jrbd_collect_waits(d, &batch, &done, true);
	list_splice(&batch, &d->pending);	/* normally empty */
	jrbd_collect_waits(d, &d->committing, &done, false);
	/* Durability was promised to someone who still waits: flush again. */
	if (!list_empty(&d->committing))
		d->flush_wanted = true;
	mutex_unlock(&d->jlock);

	jrbd_end_waits(d, &done);
	wake_up_all(&d->ckpt_wq_head);
	jrbd_kick_ckpt(d);
	return true;
}

void jrbd_commit_work(struct work_struct *work)
{
	struct jrbd_dev *d = container_of(work, struct jrbd_dev, commit_work);

	while (jrbd_commit_pass(d))
		cond_resched();
}

/*
 * Copy @len bytes of a record's bytes from @rec_off on out of the in-memory
 * ring.  The caller keeps the entry alive (->reclaim_sem or ->jlock).
 */
void jrbd_journal_copy(struct jrbd_dev *d, const struct jrbd_jentry *je,
		       u32 rec_off, void *dst, u32 len)
{
	u8 *out = dst;

	while (len) {
		struct jrbd_jpos p = jrbd_record_pos(je->start, rec_off,
						     d->aligned);
		u32 n = min_t(u32, len, JRBD_JBLOCK_SIZE - p.off);

		memcpy(out, (u8 *)jrbd_slot(d, p.seq) + p.off, n);
		out += n;
		rec_off += n;
		len -= n;
	}
}
