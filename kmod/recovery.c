// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recovery, when a device is created (invariant 3):
 *
 *   1. read both superblock slots; the newest valid one wins;
 *   2. read the journal from the tail into the in-memory ring, block by
 *      block, through the shared scanner: every accepted entry goes on
 *      ->live and into the index;
 *   3. the scan stops at the first torn, stale or never-written block:
 *      that is the normal end of the log.  A stop for any other reason (a
 *      fragment or entry that is wrong although its CRC holds) is
 *      corruption and the device is refused;
 *   4. the probe reads the blocks after the stop: an entry there that says
 *      the lost entries were already committed proves corruption below the
 *      commit point -- refused, never silently truncated;
 *   5. seal (rule W7): pad the end sector, zero the rest of the end block
 *      and the in-flight window after it, flush; the writer resumes there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "jrbd.h"

static int jrbd_read_jblock(struct jrbd_dev *d, u64 seq, void *buf)
{
	return jrbd_sync_io(d, REQ_OP_READ, jrbd_jpos_dev_offset(
				d->geom.journal_offset, d->geom.journal_blocks,
				(struct jrbd_jpos){ seq, 0 }),
			    buf, JRBD_JBLOCK_SIZE);
}

static int jrbd_rec_entry(void *ctx, const struct jrbd_entry *e,
			  struct jrbd_jpos start)
{
	struct jrbd_dev *d = ctx;
	struct jrbd_jentry *je;

	je = kmalloc(sizeof(*je), GFP_KERNEL);
	if (!je)
		return -ENOMEM;
	jrbd_jentry_fill(je, e, start);
	list_add_tail(&je->node, &d->live);
	if (jrbd_kind_has_range(e->kind)) {
		int r = jrbd_index_add(d, je, GFP_KERNEL);

		if (r)
			return r;
		d->index_blocks += e->nr_blocks;
	}
	d->rec.entries++;
	d->rec.bytes += JRBD_ENTRY_HDR_SIZE + e->payload_len;
	return 0;
}

static const struct jrbd_scan_ops jrbd_rec_ops = {
	.entry = jrbd_rec_entry,
};

static u32 jrbd_le32_at(const void *p, size_t off)
{
	__le32 v;

	memcpy(&v, (const u8 *)p + off, sizeof(v));
	return le32_to_cpu(v);
}

/* A slot with the magic whose backing_size exceeds the device. */
static bool jrbd_sb_says_larger(const void *slot, u64 dev_size)
{
	const struct jrbd_super *sb = slot;

	return le32_to_cpu(sb->magic) == JRBD_SB_MAGIC &&
	       le64_to_cpu(sb->backing_size) > dev_size;
}

static int jrbd_read_super(struct jrbd_dev *d, struct netlink_ext_ack *extack)
{
	u64 dev_size = bdev_nr_bytes(d->backing.bdev);
	struct request_queue *q;
	struct jrbd_pick pick;
	void *buf;
	int r;

	/* The smallest layout format can make: check before any I/O. */
	if (dev_size < JRBD_JOURNAL_OFFSET +
	    JRBD_JOURNAL_MIN_BLOCKS * JRBD_JBLOCK_SIZE +
	    JRBD_DATA_MIN_BLOCKS * JRBD_BLOCK_SIZE) {
		NL_SET_ERR_MSG(extack,
			"backing device is too small for jrbd (at least 6 MiB)");
		return -ENOSPC;
	}
	buf = kmalloc(2 * JRBD_SB_SLOT_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	r = jrbd_sync_io(d, REQ_OP_READ, 0, buf, 2 * JRBD_SB_SLOT_SIZE);
	if (r < 0) {
		NL_SET_ERR_MSG(extack, "cannot read the superblocks");
		goto out;
	}
	if (jrbd_le32_at(buf, 0) != JRBD_SB_MAGIC &&
	    jrbd_le32_at(buf + JRBD_SB_SLOT_SIZE, 0) != JRBD_SB_MAGIC) {
		NL_SET_ERR_MSG(extack,
			"backing device is not formatted for jrbd (jrbdctl format)");
		r = -EINVAL;
		goto out;
	}
	r = jrbd_super_pick(buf, buf + JRBD_SB_SLOT_SIZE, dev_size, &d->sb, &pick);
	if (r < 0) {
		int i;

		for (i = 0; i < 2; i++)
			pr_err("%s: superblock %c @%#llx: %s%s%s (%d)\n",
			       d->cfg.name, 'A' + i, pick.err[i].dev_offset,
			       pick.err[i].field ? pick.err[i].field : "",
			       pick.err[i].field ? ": " : "",
			       pick.err[i].msg ? pick.err[i].msg :
			       (pick.rc[i] == -ENOENT ? "empty" : "invalid"),
			       pick.rc[i]);
		if (jrbd_sb_says_larger(buf, dev_size) ||
		    jrbd_sb_says_larger(buf + JRBD_SB_SLOT_SIZE, dev_size))
			NL_SET_ERR_MSG(extack,
				"backing device is smaller than its superblock's backing_size (shrunk?)");
		else if (r == -EOPNOTSUPP)
			NL_SET_ERR_MSG(extack,
				"superblock has an unsupported version or feature");
		else
			NL_SET_ERR_MSG(extack,
				"no valid jrbd superblock (details in the kernel log)");
		r = r == -EOPNOTSUPP ? r : -EINVAL;
		goto out;
	}
	/* One slot bad, the other used: say so (jrbdctl check reports it). */
	if (pick.rc[!pick.chosen] < 0 && pick.rc[!pick.chosen] != -ENOENT)
		pr_warn("%s: superblock %c @%#llx is invalid (%s); using superblock %c\n",
			d->cfg.name, 'A' + !pick.chosen,
			pick.err[!pick.chosen].dev_offset,
			pick.err[!pick.chosen].msg ? pick.err[!pick.chosen].msg : "bad",
			'A' + pick.chosen);
	if (d->sb.read_only) {
		NL_SET_ERR_MSG(extack,
			"superblock has read-only features this module does not know");
		r = -EROFS;
		goto out;
	}
	/*
	 * Rule W2 with 512-byte sectors rewrites nothing acknowledged only if
	 * a write cannot tear more than the 512 bytes it is aimed at.
	 */
	if (jrbd_sb_jsector(&d->sb) == JRBD_SECTOR_SIZE_SMALL &&
	    bdev_physical_block_size(d->backing.bdev) > JRBD_SECTOR_SIZE_SMALL) {
		pr_err("%s: the journal has %u-byte sectors; %pg has %u-byte physical blocks\n",
		       d->cfg.name, jrbd_sb_jsector(&d->sb), d->backing.bdev,
		       bdev_physical_block_size(d->backing.bdev));
		NL_SET_ERR_MSG(extack,
			"the journal's 512-byte sectors need a backing device with 512-byte physical blocks");
		r = -EINVAL;
		goto out;
	}
	d->geom.backing_size = d->sb.backing_size;
	d->geom.journal_offset = d->sb.journal_offset;
	d->geom.journal_blocks = d->sb.journal_blocks;
	d->geom.data_offset = d->sb.data_offset;
	d->geom.data_blocks = d->sb.data_blocks;
	d->seed = jrbd_cluster_seed(d->sb.cluster_uuid);
	d->aligned = jrbd_sb_aligned(&d->sb);
	q = bdev_get_queue(d->backing.bdev);
	d->ckpt_direct = d->aligned &&
			 queue_dma_alignment(q) < JRBD_PAYLOAD_ALIGN;
	d->ckpt_direct_split = d->ckpt_direct &&
			       bdev_logical_block_size(d->backing.bdev) ==
			       SECTOR_SIZE;
out:
	kfree(buf);
	return r;
}

/*
 * Step 4: is the stop a torn tail or corruption below the commit point?
 * The window after the stop is read in as few I/Os as the ring allows.
 */
static int jrbd_rec_probe(struct jrbd_dev *d, struct jrbd_scan *s)
{
	struct jrbd_probe pr;
	u64 seq, first, last, n;
	u8 *win;
	int r;

	jrbd_probe_init(&pr, s);
	first = pr.seq;
	r = jrbd_probe_block(&pr, jrbd_slot(d, first));
	last = min(s->stop.at.seq + JRBD_MAX_INFLIGHT_BLOCKS,
		   d->sb.tail_seq + d->geom.journal_blocks - 2);
	if (r || last <= first)
		goto out;
	win = kvmalloc((last - first) * JRBD_JBLOCK_SIZE, GFP_KERNEL);
	if (!win)
		return -ENOMEM;
	for (seq = first + 1; seq <= last; seq += n) {
		u64 slot = seq % d->geom.journal_blocks;

		n = min(last - seq + 1, d->geom.journal_blocks - slot);
		r = jrbd_sync_io(d, REQ_OP_READ,
				 d->geom.journal_offset + slot * JRBD_JBLOCK_SIZE,
				 win + (seq - first - 1) * JRBD_JBLOCK_SIZE,
				 n * JRBD_JBLOCK_SIZE);
		if (r)
			break;
	}
	for (seq = first + 1; !r && seq <= last; seq++)
		r = jrbd_probe_block(&pr, win + (seq - first - 1) * JRBD_JBLOCK_SIZE);
	kvfree(win);
out:
	if (r == 1) {
		pr_err("%s: journal corrupt below the commit point: entry %llu is lost at %#llx but a later entry at %#llx says it was committed\n",
		       d->cfg.name, s->stop.index, s->stop.dev_offset,
		       jrbd_jpos_dev_offset(d->geom.journal_offset,
					    d->geom.journal_blocks, pr.at));
		return -EUCLEAN;
	}
	return r < 0 ? r : 0;
}

/* Step 5, rule W7. */
static int jrbd_rec_seal(struct jrbd_dev *d, struct jrbd_scan *s)
{
	struct jrbd_jpos end = s->end;
	u64 seq, last;
	u32 from;
	int r;

	jrbd_wr_init(&d->w, d->seed, end, jrbd_slot(d, end.seq), s->next_index,
		     s->last_term, s->chain);
	d->w.jsector = jrbd_sb_jsector(&d->sb);
	d->w.aligned = d->aligned;
	/* Submitters only copy; the commit stage checksums (bio.c). */
	d->w.defer_crc = true;
	d->fin_chain = s->chain;
	r = jrbd_wr_seal(&d->w);
	if (r)
		return r;
	/* Only the end sector on: sectors before it hold acknowledged records. */
	from = round_down(end.off, d->w.jsector);
	r = jrbd_sync_io(d, REQ_OP_WRITE, jrbd_jpos_dev_offset(
				d->geom.journal_offset, d->geom.journal_blocks,
				(struct jrbd_jpos){ end.seq, from }),
			 (u8 *)jrbd_slot(d, end.seq) + from,
			 JRBD_JBLOCK_SIZE - from);
	if (r)
		return r;
	/* The in-flight window after it, never reaching the tail's slot. */
	last = min(end.seq + JRBD_MAX_INFLIGHT_BLOCKS,
		   d->sb.tail_seq + d->geom.journal_blocks - 2);
	for (seq = end.seq + 1; seq <= last; seq++)
		memset(jrbd_slot(d, seq), 0, JRBD_JBLOCK_SIZE);
	/* On disk: one zeroout per run of slots up to the ring's end. */
	for (seq = end.seq + 1; seq <= last; ) {
		u64 slot = seq % d->geom.journal_blocks;
		u64 n = min(last - seq + 1, d->geom.journal_blocks - slot);

		r = blkdev_issue_zeroout(d->backing.bdev,
				(d->geom.journal_offset + slot * JRBD_JBLOCK_SIZE) >> SECTOR_SHIFT,
				n * (JRBD_JBLOCK_SIZE >> SECTOR_SHIFT), GFP_KERNEL, 0);
		if (r)
			return r;
		seq += n;
	}
	r = jrbd_flush_backing(d);
	if (r)
		return r;
	d->submitted.seq = d->w.seq;
	d->submitted.off = d->w.off;
	d->flushed_seq = d->w.seq;
	return 0;
}

int jrbd_recover(struct jrbd_dev *d, struct netlink_ext_ack *extack)
{
	struct jrbd_scan_params p;
	struct jrbd_scan *s;
	ktime_t t0 = ktime_get();
	u64 n;
	int r;

	r = jrbd_read_super(d, extack);
	if (r)
		return r;
	r = jrbd_journal_alloc(d, extack);
	if (r)
		return r;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	jrbd_scan_params_from_sb(&p, &d->sb);
	jrbd_scan_init(s, &p, &jrbd_rec_ops, d);

	/* Step 2: at most one lap; the head never reaches the tail's slot. */
	for (n = 0, r = 0; r == 0 && n < d->geom.journal_blocks; n++) {
		u64 seq = s->seq;

		r = jrbd_read_jblock(d, seq, jrbd_slot(d, seq));
		if (r < 0) {
			NL_SET_ERR_MSG(extack, "cannot read the journal");
			goto out;
		}
		r = jrbd_scan_block(s, jrbd_slot(d, seq));
	}
	if (r < 0) {
		NL_SET_ERR_MSG(extack, "recovery failed");
		goto out;
	}
	if (r == 0) {
		NL_SET_ERR_MSG(extack, "journal has no end: corrupt ring");
		r = -EUCLEAN;
		goto out;
	}
	d->rec.stop = jrbd_scan_reason_name(s->stop.reason);

	/* Step 3. */
	if (!jrbd_scan_reason_is_end(s->stop.reason)) {
		pr_err("%s: journal corrupt at %#llx (block %llu offset %u), entry %llu: %s: %s\n",
		       d->cfg.name, s->stop.dev_offset, s->stop.at.seq,
		       s->stop.at.off, s->stop.index, d->rec.stop,
		       s->stop.msg ? s->stop.msg : "");
		NL_SET_ERR_MSG(extack,
			"journal is corrupt before its end (offset in the kernel log; jrbdctl check)");
		r = -EUCLEAN;
		goto out;
	}
	/* Step 4. */
	r = jrbd_rec_probe(d, s);
	if (r) {
		NL_SET_ERR_MSG(extack,
			"journal lost committed entries (offset in the kernel log; jrbdctl check)");
		goto out;
	}
	/* Step 5. */
	r = jrbd_rec_seal(d, s);
	if (r) {
		NL_SET_ERR_MSG(extack, "cannot seal the journal");
		goto out;
	}

	d->tail.seq = d->sb.tail_seq;
	d->tail.off = d->sb.tail_off;
	d->written_index = s->next_index - 1;
	d->durable_index = d->written_index;
	d->commit_index = d->durable_index;	/* single node */
	d->ckpt_index = d->sb.tail_index - 1;
	d->term = d->sb.current_term;
	if (s->last_term > d->sb.current_term) {
		/*
		 * The log has seen a newer term than the superblock records
		 * (W6 was broken by whoever wrote it): make it durable
		 * before the device acts on it.
		 */
		mutex_lock(&d->sb_lock);
		d->sb.current_term = s->last_term;
		r = jrbd_sb_write(d);
		mutex_unlock(&d->sb_lock);
		if (r) {
			NL_SET_ERR_MSG(extack, "cannot update the superblock's term");
			goto out;
		}
		d->term = s->last_term;
	}
	d->rec.usecs = ktime_us_delta(ktime_get(), t0);
	pr_info("%s: recovered %llu entries (%llu bytes) in %llu us; log ends at block %llu offset %u (%s)\n",
		d->cfg.name, d->rec.entries, d->rec.bytes, d->rec.usecs,
		s->stop.at.seq, s->stop.at.off, d->rec.stop);
out:
	kfree(s);
	return r;
}
