// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbd_crcbench: how fast the kernel's crc32c() is on the memory and in
 * the pattern each target uses it, inside a lab guest (tools/crcbench).
 *
 * Issue 6's perf A/B found jrbd's CRC32C 13-20 % dearer per byte than
 * dm-integrity's although both sum each payload byte once with the same
 * code (crc32c-intel).  The two differ in where the bytes lie and in which
 * thread sums them:
 *
 *	jrbd		the journal ring (a kvzalloc'd 32 KiB buffer per slot,
 *			128 MiB cycled through), payloads at 512-byte
 *			offsets, summed by the commit worker (a kthread)
 *	dm-integrity	the bio's pages (fio's few buffers, used again and
 *			again), 8 bytes of sector number then 4 KiB through
 *			crypto_shash, summed in the submitting process
 *
 * Each case sums 4 KiB pieces for a fixed time and prints ns per 4 KiB,
 * once in the loading process and once in a kworker; "ring-record" adds
 * the header CRCs jrbd_rec_finish() takes per 4 KiB record, so it and
 * "fio-pages-shash" are the two targets' CRC cost per 4 KiB write.  Loading runs them
 * all and prints "jrbd_crcbench: ..." lines; the module then stays
 * loaded doing nothing until it is removed.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/crc32c.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>
#include <linux/sched.h>
#include <crypto/hash.h>

static unsigned int ring_mib = 128;
module_param(ring_mib, uint, 0444);
MODULE_PARM_DESC(ring_mib, "size of the cycled ring, MiB (default 128)");
static unsigned int run_ms = 1000;
module_param(run_ms, uint, 0444);
MODULE_PARM_DESC(run_ms, "time per case, ms (default 1000)");

#define SLOT_SIZE	32768u
#define PIECE		4096u
#define REC_STRIDE	4608u	/* a 4 KiB write back to back in the journal */
#define FIO_BUFS	32u	/* QD32 x 4 KiB */

struct bench {
	void **slots;		/* kvzalloc'd, as the ring */
	unsigned int nslots;
	void *vbuf;		/* one vmalloc'd slot-sized buffer */
	void *kbuf;		/* one kmalloc'd page */
	struct page *fio[FIO_BUFS];
	struct crypto_shash *tfm;
	u32 sink;
};

/* Which 4 KiB piece the i-th call sums, and how. */
enum bcase {
	HOT_PAGE,	/* one page, page aligned, again and again */
	HOT_VMALLOC_512,	/* one vmalloc'd buffer at offset 512 */
	RING_CYCLE,	/* the ring: records at REC_STRIDE, every slot */
	RING_CYCLE_ALIGNED,	/* the ring, page aligned pieces */
	RING_RECORD,	/* RING_CYCLE plus the header CRCs of a record */
	FIO_PAGES,	/* 32 pages in turn, crc32c() */
	FIO_PAGES_SHASH,	/* the same, as dm-integrity: sector + data */
	NR_CASES
};

static const char *const case_name[NR_CASES] = {
	"hot-page", "hot-vmalloc-off512", "ring-cycle-4608", "ring-cycle-4096",
	"ring-record", "fio-pages", "fio-pages-shash",
};

static u32 one(struct bench *b, enum bcase c, u64 i)
{
	SHASH_DESC_ON_STACK(desc, b->tfm);
	__le64 sector = cpu_to_le64(i * 8);
	u64 off, slot;
	u32 crc = 0;
	u8 *p;

	switch (c) {
	case HOT_PAGE:
		return crc32c(i, b->kbuf, PIECE);
	case HOT_VMALLOC_512:
		return crc32c(i, (u8 *)b->vbuf + 512, PIECE);
	case RING_CYCLE:
	case RING_CYCLE_ALIGNED:
		off = i * (c == RING_CYCLE ? REC_STRIDE : PIECE);
		off %= (u64)b->nslots * SLOT_SIZE;
		slot = off / SLOT_SIZE;
		off %= SLOT_SIZE;
		p = b->slots[slot];
		/* a piece over a slot's end is summed in two calls, as a
		 * record split into FIRST and LAST */
		if (off + PIECE > SLOT_SIZE) {
			u32 n = SLOT_SIZE - off;

			crc = crc32c(i, p + off, n);
			p = b->slots[(slot + 1) % b->nslots];
			return crc32c(crc, p, PIECE - n);
		}
		return crc32c(i, p + off, PIECE);
	case RING_RECORD:
		/*
		 * What jrbd_rec_finish() sums for a 4 KiB write besides the
		 * payload: the chain over the 64-byte entry header up to
		 * chain_crc (56 bytes) and 4 zero bytes, then the fragment
		 * CRC over 12 fragment header bytes and the entry header.
		 * The header lies in the 512 bytes before the payload.
		 */
		crc = one(b, RING_CYCLE, i);
		off = i * REC_STRIDE % ((u64)b->nslots * SLOT_SIZE);
		p = (u8 *)b->slots[off / SLOT_SIZE] + off % SLOT_SIZE;
		p = off % SLOT_SIZE >= 512 ? p - 512 : p;
		crc = crc32c(crc, p + 16, 56);
		crc = crc32c(crc, b->kbuf, 4);
		return crc32c(crc, p + 4, 12 + 64);
	case FIO_PAGES:
		return crc32c(i, page_address(b->fio[i % FIO_BUFS]), PIECE);
	case FIO_PAGES_SHASH:
		desc->tfm = b->tfm;
		if (crypto_shash_init(desc) ||
		    crypto_shash_update(desc, (u8 *)&sector, sizeof(sector)) ||
		    crypto_shash_update(desc, page_address(b->fio[i % FIO_BUFS]),
					PIECE) ||
		    crypto_shash_final(desc, (u8 *)&crc))
			return 0;
		return crc;
	default:
		return 0;
	}
}

static void run_case(struct bench *b, enum bcase c, const char *where)
{
	u64 t0 = ktime_get_ns(), t, n = 0, budget = (u64)run_ms * NSEC_PER_MSEC;

	do {
		unsigned int k;

		for (k = 0; k < 64; k++, n++)
			b->sink ^= one(b, c, n);
		cond_resched();
		t = ktime_get_ns() - t0;
	} while (t < budget);
	pr_info("jrbd_crcbench: case=%s context=%s calls=%llu ns_per_4k=%llu mb_per_s=%llu\n",
		case_name[c], where, n, div64_u64(t, n),
		div64_u64(n * PIECE * 1000, t));
}

static void run_all(struct bench *b, const char *where)
{
	enum bcase c;

	for (c = 0; c < NR_CASES; c++)
		run_case(b, c, where);
}

struct bench_work {
	struct work_struct work;
	struct bench *b;
};

static void bench_workfn(struct work_struct *w)
{
	struct bench_work *bw = container_of(w, struct bench_work, work);

	run_all(bw->b, "kworker");
}

static void bench_free(struct bench *b)
{
	unsigned int i;

	if (b->slots)
		for (i = 0; i < b->nslots; i++)
			kvfree(b->slots[i]);
	kvfree(b->slots);
	vfree(b->vbuf);
	kfree(b->kbuf);
	for (i = 0; i < FIO_BUFS; i++)
		if (b->fio[i])
			__free_page(b->fio[i]);
	if (!IS_ERR_OR_NULL(b->tfm))
		crypto_free_shash(b->tfm);
	kfree(b);
}

static int __init crcbench_init(void)
{
	struct bench_work bw;
	struct bench *b;
	unsigned int i, nvm = 0;
	int r = -ENOMEM;

	if (!ring_mib || ring_mib > 1024 || !run_ms || run_ms > 60000) {
		pr_err("jrbd_crcbench: ring_mib must be 1-1024 and run_ms 1-60000\n");
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->nslots = ring_mib * (1024 * 1024 / SLOT_SIZE);
	b->slots = kvcalloc(b->nslots, sizeof(*b->slots), GFP_KERNEL);
	b->vbuf = vzalloc(SLOT_SIZE);
	b->kbuf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!b->slots || !b->vbuf || !b->kbuf)
		goto out;
	for (i = 0; i < b->nslots; i++) {
		b->slots[i] = kvzalloc(SLOT_SIZE, GFP_KERNEL);
		if (!b->slots[i])
			goto out;
		if (is_vmalloc_addr(b->slots[i]))
			nvm++;
		memset(b->slots[i], i, SLOT_SIZE);
	}
	for (i = 0; i < FIO_BUFS; i++) {
		b->fio[i] = alloc_page(GFP_KERNEL);
		if (!b->fio[i])
			goto out;
		memset(page_address(b->fio[i]), i, PAGE_SIZE);
	}
	b->tfm = crypto_alloc_shash("crc32c", 0, 0);
	if (IS_ERR(b->tfm)) {
		r = PTR_ERR(b->tfm);
		pr_err("jrbd_crcbench: no crc32c shash: %d\n", r);
		goto out;
	}
	pr_info("jrbd_crcbench: ring %u slots of 32 KiB, %u vmalloc'd; shash driver %s; %u ms per case\n",
		b->nslots, nvm, crypto_shash_driver_name(b->tfm), run_ms);

	run_all(b, "process");
	INIT_WORK_ONSTACK(&bw.work, bench_workfn);
	bw.b = b;
	queue_work(system_unbound_wq, &bw.work);
	flush_work(&bw.work);
	destroy_work_on_stack(&bw.work);
	pr_info("jrbd_crcbench: done (sink %08x)\n", b->sink);
	r = 0;
out:
	if (r == -ENOMEM)
		pr_err("jrbd_crcbench: out of memory\n");
	bench_free(b);
	return r;
}

static void __exit crcbench_exit(void)
{
}

module_init(crcbench_init);
module_exit(crcbench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("jrbd lab: crc32c() speed on the ring and on bio pages");
