/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jrbd: journaled, replicated block device -- private module header.
 *
 * One .c file per concern (STYLE rule 1):
 *	main.c		module init, parameters
 *	device.c	device lifecycle: create, remove, open/release
 *	bio.c		bio submission: the write and read paths
 *	journal.c	the journal writer: commit stage, block I/O, superblock
 *	checkpoint.c	the checkpointer: committed entries to the data area
 *	recovery.c	recovery scan at create, the W7 seal
 *	netlink.c	the generic netlink family
 *	compat/		kernel-version differences
 *	libjrbd/	the shared, pure format library
 *
 * The pipeline (Documentation/design.md has the whole story):
 *
 *   submit_bio -> jrbd_write(): entry copied into the in-memory journal
 *      ring under ->jlock (no CRC yet: ->unfinished), index updated; a
 *      plain write completes there, a FUA/PREFLUSH one or an empty flush
 *      is queued on ->pending, or runs the commit pass itself when the
 *      stage is idle and nobody else waits (the fast pass)
 *   commit stage (jrbd%d-commit): finishes the new entries' CRCs in log
 *      order, writes the new journal bytes, makes them durable when
 *      someone needs that (a flush, or REQ_FUA on a one-bio batch), moves
 *      written/durable/commit and completes bios; ends fast passes
 *   checkpoint stage (jrbd%d-ckpt): writes committed entries home, flushes,
 *      drops them from the index, moves the tail in the superblock
 */
#ifndef JRBD_H
#define JRBD_H

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>
#include <linux/wait.h>
#include <linux/bio.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "compat.h"
#include "libjrbd.h"
#include <jrbd/jrbd_genl.h>
#include <jrbd/jrbd_version.h>

#define JRBD_NAME		"jrbd"
#define JRBD_NAME_LEN		32
#define JRBD_MAX_MINORS		1024	/* devices at once */

/* Per-block sectors. */
#define JRBD_BLOCK_SECTORS	(JRBD_BLOCK_SIZE >> SECTOR_SHIFT)
#define JRBD_MAX_DISCARD_BLOCKS	2048u	/* 8 MiB per discard entry */
/*
 * Checkpoint bounce pages per device, each carrying one 4 KiB block: 4 MiB
 * on 4 KiB pages.  A round needs only what it has in flight, at most four
 * runs of BIO_MAX_VECS blocks at once (64 MiB pinned with 64 KiB pages).
 */
#define JRBD_CKPT_POOL_PAGES	1024u

/*
 * Module-wide state.  Set up once in jrbd_init() before anything is
 * published, torn down in jrbd_exit() after everything is unpublished.
 */
struct jrbd_module {
	int major;		/* from register_blkdev(); read-only after init */
	/*
	 * Serialises every control operation (netlink doit/dumpit that
	 * changes or walks the device set) -- like dm's _hash_lock.  The
	 * two that wait for the disk, a checkpoint message and the drain
	 * of a remove, drop it while they wait and keep their device with
	 * jrbd_dev.ctl_busy and jrbd_dev.removing instead.
	 */
	struct mutex ctl_lock;
	struct list_head devices;	/* protected by ->ctl_lock */
	unsigned int dev_count;		/* protected by ->ctl_lock */
	struct ida minors;		/* has its own lock */
	bool exiting;			/* module exit began: no more events,
					 * checkpoints no longer killable */
};

extern struct jrbd_module jrbd_mod;

/* What netlink asks for (null_blk's nullb_device): fixed after create. */
struct jrbd_dev_cfg {
	char name[JRBD_NAME_LEN];
	char backing_path[256];
};

/*
 * One journal entry that is not yet checkpointed.  Lives on ->live in log
 * order; the index points at it for each block it is the newest version
 * of.  Freed by the checkpointer with ->reclaim_sem held for writing.
 * The header fields are kept whole because the commit stage encodes the
 * header of an entry appended with deferred CRCs (jrbd_rec_finish()).
 */
struct jrbd_jentry {
	struct list_head node;		/* on jrbd_dev.live, under ->jlock */
	/*
	 * On jrbd_dev.unfinished (under ->jlock) from its append until the
	 * commit stage takes it to finish its CRCs; then on no list.
	 */
	struct list_head fnode;
	u64 index;
	u64 term;
	u64 lba;
	u64 commit_index;
	u32 nr_blocks;
	u32 payload_len;
	/*
	 * Written by the commit pass that finishes the entry (the owner of
	 * ->pass), without a lock; read by the checkpointer only for
	 * committed entries, which were finished before ->commit_index
	 * (under ->jlock) moved.
	 */
	u32 chain_crc;
	u16 flags;
	u8 kind;
	/*
	 * A newer entry replaced it in the index for at least one block
	 * (jrbd_index_add()).  Set under the index's lock, and under ->jlock
	 * except in recovery (before the device is live); never cleared.
	 * Read by the checkpointer, which looks an entry's blocks up in the
	 * index only when it is set.
	 */
	bool overwritten;
	struct jrbd_jpos start;		/* its first fragment header */
};

/* A write bio waiting for its entry to be written or committed. */
struct jrbd_wait {
	struct list_head node;
	struct bio *bio;
	u64 index;		/* entry that must be written / committed */
	bool durable;		/* REQ_FUA / REQ_PREFLUSH: wait for commit */
};

/*
 * The fast commit pass: a QD1 committer (an fsync, a FUA write) finds the
 * commit stage idle and writes the batch itself, one FUA bio, whose
 * completion ends its bio from interrupt context: no hop to the commit
 * worker and back on the way (tuning step 19, design.md "The fast
 * pass").  The next committer, or the worker, does the bookkeeping
 * afterwards (jrbd_fast_settle()).
 */
enum jrbd_pass_owner {
	JRBD_PASS_IDLE,
	JRBD_PASS_WORKER,	/* jrbd_commit_pass() */
	JRBD_PASS_FAST,		/* jrbd_fast_commit() until it is settled */
};

/*
 * Journal blocks a fast pass may span, as one bio: a ring block is page
 * aligned (vmalloc) or naturally aligned (kmalloc of a power of two), so
 * it takes at most this many pages.
 */
#define JRBD_FAST_MAX_BLOCKS	2
/* No fast pass for this long after committers overlapped. */
#define JRBD_FAST_BACKOFF	max(1, HZ / 50)
#define JRBD_FAST_VECS		(JRBD_FAST_MAX_BLOCKS * \
				 DIV_ROUND_UP(JRBD_JBLOCK_SIZE, PAGE_SIZE))

struct jrbd_fast_pass {
	/*
	 * Set by the starter after it took ->pass (JRBD_PASS_FAST) under
	 * ->jlock; the completion writes ->error and ->first_error before
	 * its release of ->done, which whoever settles the pass (the next
	 * committer or the worker) acquires before it ends the pass.
	 */
	struct bio bio;
	struct bio_vec bvec[JRBD_FAST_VECS];
	struct bio *ubio;	/* the durable bio it completes */
	struct jrbd_jpos to;	/* journal written up to here */
	u64 last;		/* ... holding entries up to this index */
	int error;
	bool first_error;	/* its error made the device fail: report it */
	bool done;
};

struct jrbd_stats {
	atomic64_t reads, writes, flushes, bytes_read, bytes_written;
	atomic64_t journal_writes, ckpt_rounds, ckpt_blocks, space_waits;
	atomic64_t fast_commits;
};

struct jrbd_recovery_info {
	u64 entries;
	u64 bytes;
	u64 usecs;
	const char *stop;	/* static string from the scanner */
};

struct jrbd_dev {
	struct jrbd_dev_cfg cfg;	/* fixed after create */
	struct list_head node;		/* on jrbd_mod.devices, under ctl_lock */
	int minor;
	struct gendisk *disk;
	struct jrbd_bdev backing;
	struct bio_set bs;		/* splits of user bios */

	/*
	 * The checkpointer's bounce pages, allocated once at create and
	 * reused (a fresh page costs a clear_page() under init_on_alloc):
	 * free ones are ->ckpt_pages[0, ->ckpt_nfree).  The checkpointer
	 * takes them, a home write's completion gives them back; both under
	 * ->ckpt_page_lock (irqsave: completions may run in interrupt
	 * context).  The checkpointer is the only taker, so a count it reads
	 * without the lock can only grow under it.
	 */
	spinlock_t ckpt_page_lock;
	struct page **ckpt_pages;	/* JRBD_CKPT_POOL_PAGES slots */
	unsigned int ckpt_nfree;
	/*
	 * A home write's completion wakes the round waiting for room only
	 * once the round's in-flight count is down to this mark (0: nobody
	 * waits).  Written by the checkpointer before it sleeps, read by
	 * completions after their decrement, which may come after the round
	 * (and its stack) is gone: so it lives here.  No lock; the ordering
	 * is in jrbd_ckpt_wait_room().
	 */
	int ckpt_wake_at;
	/*
	 * Home blocks per second of the last round: sizes the next round
	 * while the journal is short of room.  The checkpointer's own (its
	 * rounds are serialised by the ordered queue).
	 */
	u64 ckpt_rate;

	/* Geometry and identity from the superblock, fixed after create. */
	struct jrbd_geom geom;
	u32 seed;			/* jrbd_cluster_seed(cluster_uuid) */
	bool aligned;			/* INCOMPAT_ALIGNED: rules A1-A3 */
	/*
	 * Home writes straight from the ring (aligned journals on a backing
	 * queue whose DMA alignment allows 512-byte pieces), and whether a
	 * block may be any 512-byte pieces (512-byte logical blocks: the
	 * block layer may split a bio at any gap between them); otherwise
	 * only blocks that are one piece go direct.  Fixed after create.
	 */
	bool ckpt_direct;
	bool ckpt_direct_split;

	/*
	 * The superblock as last written (->sb.generation), and the buffer
	 * it is encoded in.  Protected by ->sb_lock, which also serialises
	 * superblock writes (rule W5) and so is held across their I/O.
	 * Except the identity fields (->sb.node_id, ->sb.dev_uuid,
	 * ->sb.cluster_uuid): create reads them from the disk before the
	 * device is published and nothing writes them after, so status reads
	 * them without the lock and never waits for a superblock write.
	 */
	struct mutex sb_lock;
	struct jrbd_sb sb;
	void *sb_buf;

	/*
	 * The journal ring lives in memory, one 32 KiB buffer per slot
	 * (like dm-integrity's journal): writers copy into it, the commit
	 * stage writes it out, readers and the checkpointer copy out of it.
	 * The buffers themselves are fixed for the device's life; a slot's
	 * contents change only when the writer reuses it, which it does only
	 * past the durable tail.
	 */
	void **ring;

	/*
	 * ->jlock protects the writer state and everything up to the
	 * checkpoint fields below.  It is a mutex: writers sleep on
	 * ->space_wq for journal space with it released.
	 */
	struct mutex jlock;
	struct jrbd_writer w;		/* the appender; ->w.seq = head */
	struct jrbd_jpos submitted;	/* journal bytes handed to the disk */
	struct list_head live;		/* jrbd_jentry, log order */
	/*
	 * Entries appended since the commit stage last took them: their
	 * bytes are in the ring, their CRCs and header not yet (the writer
	 * runs with ->defer_crc).  Log order.
	 */
	struct list_head unfinished;
	struct list_head pending;	/* jrbd_wait not yet in a batch */
	struct list_head committing;	/* jrbd_wait waiting for commit */
	bool flush_wanted;		/* someone needs durability */
	/*
	 * Bios waiting for a commit (FUA, PREFLUSH, empty flush), from
	 * queueing to completion: the checkpointer yields the disk to them.
	 */
	atomic_t durable_waiters;
	/*
	 * jiffies when the last such bio came in: the checkpointer keeps
	 * yielding between a QD1 committer's commits.  No lock.
	 */
	unsigned long durable_at;
	u64 written_index;		/* journal writes completed */
	u64 durable_index;		/* ... and flushed */
	u64 commit_index;		/* committed (single node: durable) */
	u64 ckpt_index;			/* written home, tail moved past */
	u64 term;			/* term new entries get */
	u64 index_blocks;		/* 4 KiB blocks indexed by ->live */
	struct jrbd_jpos tail;		/* durable tail (superblock) */
	wait_queue_head_t space_wq;	/* writers waiting for the tail */

	/*
	 * Readers of journal-resident blocks hold ->reclaim_sem for reading
	 * from index lookup to the end of the copy; the checkpointer holds it
	 * for writing while it removes entries from the index and frees
	 * them.  So an entry a reader found stays valid while it copies.
	 */
	struct rw_semaphore reclaim_sem;
	/* 4 KiB block -> newest jrbd_jentry still in the journal. */
	struct xarray index;

	/*
	 * Which commit pass is in flight: the commit stage's, or a fast one
	 * a submitter started (jrbd_fast_commit()).  One at a time: the
	 * commit stage's own fields below belong to whichever it is.
	 * Under ->jlock.
	 */
	enum jrbd_pass_owner pass;
	struct jrbd_fast_pass fast;
	/* jiffies when a durable bio last found a pass or waiters; ->jlock */
	unsigned long commit_crowded_at;

	struct workqueue_struct *commit_wq;	/* jrbd%d-commit */
	struct workqueue_struct *ckpt_wq;	/* jrbd%d-ckpt */
	struct work_struct commit_work;
	/*
	 * The commit pass's own (the owner of ->pass; another pass reads
	 * them only after taking ->pass under ->jlock):
	 */
	u64 flushed_seq;	/* journal flushed up to here */
	u32 fin_chain;		/* chain_crc of the last finished entry
				 * (recovery sets it first) */
	bool unflushed;		/* journal bytes written since the last flush */
	struct work_struct ckpt_work;
	struct delayed_work tick;		/* periodic commit + checkpoint */
	u64 tick_writes;		/* ->stats.writes at the last tick; tick only */
	/* Checkpoint requests: forced full checkpoint waiters. */
	wait_queue_head_t ckpt_wq_head;
	atomic_t ckpt_force;

	/*
	 * Sticky error (STYLE rule 5): the first I/O or metadata error wins
	 * (cmpxchg), is logged once, and fails every later write.  Reads keep
	 * working from what is known good.
	 */
	int error;

	/* Openers, protected by ->open_lock. */
	spinlock_t open_lock;
	unsigned int open_count;
	/*
	 * A remove has begun (it drains with jrbd_mod.ctl_lock dropped):
	 * no new openers, no other control operation.  Written with both
	 * ->open_lock and jrbd_mod.ctl_lock held; read under either.
	 */
	bool removing;
	/*
	 * Control operations running on the device with jrbd_mod.ctl_lock
	 * dropped (a forced checkpoint, which waits for the disk): remove
	 * refuses while there are any, so the device outlives them.  Under
	 * jrbd_mod.ctl_lock.
	 */
	unsigned int ctl_busy;

	struct jrbd_stats stats;
	struct jrbd_recovery_info rec;
};

/* The in-memory record of an entry just appended or recovered. */
static inline void jrbd_jentry_fill(struct jrbd_jentry *je,
				    const struct jrbd_entry *e,
				    struct jrbd_jpos start)
{
	je->index = e->index;
	je->term = e->term;
	je->lba = e->lba;
	je->commit_index = e->commit_index;
	je->nr_blocks = e->nr_blocks;
	je->payload_len = e->payload_len;
	je->chain_crc = e->chain_crc;
	je->flags = e->flags;
	je->kind = e->kind;
	je->overwritten = false;
	je->start = start;
	INIT_LIST_HEAD(&je->fnode);
}

/* The page of a ring (kmalloc'd or vmalloc'd) or superblock buffer byte. */
static inline struct page *jrbd_buf_page(void *p)
{
	return is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
}

static inline void *jrbd_slot(struct jrbd_dev *d, u64 seq)
{
	return d->ring[seq % d->geom.journal_blocks];
}

/* At most this many indexed blocks: 16 per journal block. */
static inline u64 jrbd_index_cap(struct jrbd_dev *d)
{
	return d->geom.journal_blocks * 16;
}

static inline sector_t jrbd_data_sector(struct jrbd_dev *d, u64 lba)
{
	return (d->geom.data_offset >> SECTOR_SHIFT) + lba * JRBD_BLOCK_SECTORS;
}

static inline u64 jrbd_journal_used(struct jrbd_dev *d)
{
	return d->w.seq - d->tail.seq + 1;
}

/* main.c */
/* (module parameters only) */

/* device.c */
int jrbd_dev_create(const struct jrbd_dev_cfg *cfg, struct jrbd_dev **out,
		    struct netlink_ext_ack *extack);
int jrbd_dev_remove(struct jrbd_dev *d, struct netlink_ext_ack *extack);
struct jrbd_dev *jrbd_dev_find(const char *name);
void jrbd_dev_error(struct jrbd_dev *d, int err, const char *what);
void jrbd_dev_error_report(struct jrbd_dev *d, const char *what);
static inline int jrbd_dev_failed(struct jrbd_dev *d)
{
	return READ_ONCE(d->error);
}

/* Index blocks walked per section under the index's lock. */
#define JRBD_INDEX_WALK_CHUNK	1024u

/* bio.c */
void jrbd_submit_bio(struct bio *bio);
int jrbd_index_add(struct jrbd_dev *d, struct jrbd_jentry *je, gfp_t gfp);

/* journal.c */
int jrbd_journal_alloc(struct jrbd_dev *d, struct netlink_ext_ack *extack);
void jrbd_journal_free(struct jrbd_dev *d);
void jrbd_commit_work(struct work_struct *work);
void jrbd_journal_copy(struct jrbd_dev *d, const struct jrbd_jentry *je,
		       u32 rec_off, void *dst, u32 len);
void jrbd_kick_commit(struct jrbd_dev *d);
bool jrbd_plain_commit_due(struct jrbd_dev *d);
bool jrbd_fast_commit(struct jrbd_dev *d, struct bio *ubio);
bool jrbd_durable(struct jrbd_dev *d, u64 index);
int jrbd_sync_io(struct jrbd_dev *d, blk_opf_t opf, u64 dev_offset,
		 void *buf, u32 len);
int jrbd_sb_write(struct jrbd_dev *d);
int jrbd_flush_backing(struct jrbd_dev *d);

/* checkpoint.c */
int jrbd_ckpt_pool_init(struct jrbd_dev *d);
void jrbd_ckpt_pool_free(struct jrbd_dev *d);
void jrbd_ckpt_work(struct work_struct *work);
void jrbd_kick_ckpt(struct jrbd_dev *d);
bool jrbd_ckpt_urgent_locked(struct jrbd_dev *d);
int jrbd_checkpoint_all(struct jrbd_dev *d);
void jrbd_tick(struct work_struct *work);

/* recovery.c */
int jrbd_recover(struct jrbd_dev *d, struct netlink_ext_ack *extack);

/* netlink.c */
int jrbd_genl_register(void);
void jrbd_genl_unregister(void);
void jrbd_nl_notify(struct jrbd_dev *d, int cmd);

#endif /* JRBD_H */
