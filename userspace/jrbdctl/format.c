// SPDX-License-Identifier: GPL-2.0-only
/*
 * jrbdctl format DEV|FILE: lay out a backing device (Documentation/format.md).
 *
 * Refuses to overwrite a jrbd superblock or anything libblkid recognises
 * (filesystem, RAID member, partition table) unless --force.  Then, per
 * rule W8: zero both superblock slots, the gap and the whole journal ring
 * (everything before the data area), flush, write superblock B
 * (generation 1) and A (generation 0) last -- A at offset 0 is what
 * signature probes look at, so the device only looks like jrbd once it is
 * complete -- flush again and read both back.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <blkid.h>
#include <json-c/json.h>
#include "jrbd_disk.h"
#include "jrbd_util.h"
#include "jlog.h"
#include "jrbdctl.h"

#define MiB (1024ull * 1024)

struct format_args {
	const char	*path;
	u64		journal_bytes;	/* 0 = default */
	u64		data_bytes;	/* 0 = all the rest */
	u32		jsector;	/* rule W2's sector; 0 = from the device */
	bool		unaligned;	/* --payload-align off: no INCOMPAT_ALIGNED */
	u32		node_id;
	u8		cluster_uuid[16];
	bool		cluster_given;
	bool		force;
	bool		json;
	int		verbose;
};

static int parse_args(const struct jrbdctl_opts *o, int argc, char **argv,
		      struct format_args *a)
{
	static const struct option longopts[] = {
		{ "journal-size", required_argument, NULL, 'J' },
		{ "size", required_argument, NULL, 'S' },
		{ "journal-sector", required_argument, NULL, 'Q' },
		{ "payload-align", required_argument, NULL, 'A' },
		{ "node-id", required_argument, NULL, 'N' },
		{ "cluster-uuid", required_argument, NULL, 'U' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	char sz[32];
	u64 v;
	int c, r;

	memset(a, 0, sizeof(*a));
	a->node_id = 1;
	a->json = o->json;
	a->verbose = o->verbose;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fv", longopts, NULL)) != -1) {
		switch (c) {
		case 'J':
			r = jrbd_parse_size(optarg, &v);
			if (r == -ERANGE) {
				jrbdctl_err("--journal-size '%s': too large", optarg);
				return -EINVAL;
			}
			if (r < 0 || v == 0) {
				jrbdctl_err("--journal-size '%s': expected a size > 0 "
					    "in bytes or with a K/M/G/T suffix", optarg);
				return -EINVAL;
			}
			if (v % JRBD_JBLOCK_SIZE) {
				jrbdctl_err("--journal-size %s: must be a multiple of 32 KiB "
					    "(the journal block)", optarg);
				return -EINVAL;
			}
			if (v < JRBD_JOURNAL_MIN_BLOCKS * JRBD_JBLOCK_SIZE) {
				jrbdctl_err("--journal-size %s: the journal must be at least %s",
					    optarg, jrbd_size_str(JRBD_JOURNAL_MIN_BLOCKS *
								  JRBD_JBLOCK_SIZE, sz));
				return -EINVAL;
			}
			a->journal_bytes = v;
			break;
		case 'S':
			r = jrbd_parse_size(optarg, &v);
			if (r == -ERANGE) {
				jrbdctl_err("--size '%s': too large", optarg);
				return -EINVAL;
			}
			if (r < 0 || v == 0) {
				jrbdctl_err("--size '%s': expected a size > 0 in bytes "
					    "or with a K/M/G/T suffix", optarg);
				return -EINVAL;
			}
			if (v % JRBD_BLOCK_SIZE) {
				jrbdctl_err("--size %s: must be a multiple of 4 KiB", optarg);
				return -EINVAL;
			}
			if (v < JRBD_DATA_MIN_BLOCKS * JRBD_BLOCK_SIZE) {
				jrbdctl_err("--size %s: the device must be at least %s",
					    optarg, jrbd_size_str(JRBD_DATA_MIN_BLOCKS *
								  JRBD_BLOCK_SIZE, sz));
				return -EINVAL;
			}
			a->data_bytes = v;
			break;
		case 'Q':
			r = jrbd_parse_u64(optarg, &v);
			if (r < 0 || (v != JRBD_SECTOR_SIZE_SMALL && v != JRBD_SECTOR_SIZE)) {
				jrbdctl_err("--journal-sector '%s': expected 512 or 4096",
					    optarg);
				return -EINVAL;
			}
			a->jsector = (u32)v;
			break;
		case 'A':
			if (!strcmp(optarg, "512")) {
				a->unaligned = false;
			} else if (!strcmp(optarg, "off")) {
				a->unaligned = true;
			} else {
				jrbdctl_err("--payload-align '%s': expected 512 or off",
					    optarg);
				return -EINVAL;
			}
			break;
		case 'N':
			r = jrbd_parse_u64(optarg, &v);
			if (r < 0 || v == 0 || v >= JRBD_NODE_NONE) {
				jrbdctl_err("--node-id '%s': expected 1..4294967294", optarg);
				return -EINVAL;
			}
			a->node_id = (u32)v;
			break;
		case 'U':
			r = jrbd_uuid_parse(optarg, a->cluster_uuid);
			if (r < 0 || jrbd_uuid_is_zero(a->cluster_uuid)) {
				jrbdctl_err("--cluster-uuid '%s': expected a non-zero UUID "
					    "like 6f1c2b7e-3a4d-4c1b-9e8f-0123456789ab", optarg);
				return -EINVAL;
			}
			a->cluster_given = true;
			break;
		case 'f':
			a->force = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'v':
			a->verbose++;
			break;
		default:
			return jrbdctl_bad_option(c, argv);
		}
	}
	return jrbdctl_one_operand(argc, argv, &a->path);
}

/*
 * Rule W2's journal sector.  512 bytes nearly halves the journal a small
 * synchronous write takes, but a batch then closes inside a 4 KiB block:
 * only safe where a write cannot tear more than the 512-byte sector it
 * is aimed at, i.e. a physical block of 512 bytes, which is refused
 * otherwise.  Default 4 KiB: a device that says 512 may still serve
 * sub-4 KiB writes by read-modify-write (512e drives, the lab's QEMU
 * disks on a 4 KiB host filesystem), and there it measured slower
 * (performance.md, step 13).  Returns the choice, or -EINVAL (message
 * printed).
 */
static int pick_jsector(const struct format_args *a, const struct jrbd_disk *d)
{
	unsigned int pbs = 0;

	if (d->is_blkdev && ioctl(d->fd, BLKPBSZGET, &pbs) < 0) {
		int e = errno;

		jrbdctl_err("cannot read the physical block size of %s: %s", a->path,
			    strerror(e));
		return -e;
	}
	if (a->jsector == JRBD_SECTOR_SIZE_SMALL && pbs > JRBD_SECTOR_SIZE_SMALL) {
		jrbdctl_err("--journal-sector 512: %s has %u-byte physical blocks; a "
			    "torn write could lose acknowledged records", a->path, pbs);
		return -EINVAL;
	}
	return a->jsector ? (int)a->jsector : (int)JRBD_SECTOR_SIZE;
}

/* Bytes a device needs for this request (for "too small" messages). */
static u64 min_device_size(const struct format_args *a)
{
	u64 jb = a->journal_bytes ? a->journal_bytes :
		 JRBD_JOURNAL_MIN_BLOCKS * JRBD_JBLOCK_SIZE;
	u64 db = a->data_bytes ? a->data_bytes : JRBD_DATA_MIN_BLOCKS * JRBD_BLOCK_SIZE;
	u64 doff = (JRBD_JOURNAL_OFFSET + jb + JRBD_ALIGN - 1) & ~(u64)(JRBD_ALIGN - 1);

	return doff + db;
}

/*
 * Something already on the device?  0 nothing (or wiped with --force),
 * -EEXIST refused (message printed), other negative errno on failure.
 */
static int check_signatures(struct jrbd_disk *d, const struct format_args *a)
{
	blkid_probe pr = NULL;
	const char *type, *off, *usage;
	struct jrbd_pick pick;
	struct jrbd_sb sb;
	u8 *sa = NULL, *sbuf = NULL;
	char u[37];
	int r, i, found = 0;

	sa = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	sbuf = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	if (!sa || !sbuf) {
		r = -ENOMEM;
		goto out;
	}
	r = jrbd_disk_read_slots(d, sa, sbuf);
	if (r < 0) {
		jrbdctl_err("cannot read %s: %s", a->path, strerror(-r));
		goto out;
	}
	if (jrbd_super_pick(sa, sbuf, 0, &sb, &pick) == 0) {
		jrbd_uuid_format(sb.cluster_uuid, u);
		if (!a->force) {
			jrbdctl_err("%s already holds a jrbd superblock (%s @0x%llx, "
				    "generation %llu, node %u, cluster %s); "
				    "use --force to overwrite it", a->path,
				    pick.chosen ? "B" : "A",
				    (unsigned long long)(pick.chosen ? JRBD_SB_B_OFFSET : 0),
				    (unsigned long long)sb.generation, sb.node_id, u);
			r = -EEXIST;
			goto out;
		}
		found++;
	} else {
		for (i = 0; i < 2; i++) {
			u32 m;

			memcpy(&m, i ? sbuf : sa, 4);
			if (le32_to_cpu(m) != JRBD_SB_MAGIC)
				continue;
			if (!a->force) {
				jrbdctl_err("%s holds a damaged jrbd superblock (magic "
					    "at 0x%llx, but it does not validate; see "
					    "jrbdctl check); use --force to overwrite it",
					    a->path, (unsigned long long)(i ? JRBD_SB_B_OFFSET : 0));
				r = -EEXIST;
				goto out;
			}
			found++;
			break;
		}
	}

	pr = blkid_new_probe();
	if (!pr) {
		r = -ENOMEM;
		goto out;
	}
	if (blkid_probe_set_device(pr, d->fd, 0, 0) < 0) {
		jrbdctl_err("libblkid cannot probe %s", a->path);
		r = -EIO;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
					  BLKID_SUBLKS_MAGIC);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	/* wipefs's loop: every signature, one at a time */
	while ((r = blkid_do_probe(pr)) == 0) {
		type = off = usage = NULL;
		if (!blkid_probe_lookup_value(pr, "TYPE", &type, NULL)) {
			blkid_probe_lookup_value(pr, "USAGE", &usage, NULL);
			blkid_probe_lookup_value(pr, "SBMAGIC_OFFSET", &off, NULL);
		} else if (!blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL)) {
			usage = "partition table";
			blkid_probe_lookup_value(pr, "PTMAGIC_OFFSET", &off, NULL);
		} else {
			type = "unknown";
		}
		if (!a->force) {
			jrbdctl_err("%s is not empty: libblkid finds a %s signature "
				    "(%s) at offset %s%llx; use --force to overwrite it",
				    a->path, type, usage ? usage : "unknown use",
				    off ? "0x" : "?", off ? strtoull(off, NULL, 10) : 0ull);
			r = -EEXIST;
			goto out;
		}
		if (a->verbose)
			fprintf(stderr, "wiping %s %s signature at offset %s\n", type,
				usage ? usage : "", off ? off : "?");
		if (blkid_do_wipe(pr, 0) < 0) {
			r = errno ? -errno : -EIO;
			jrbdctl_err("cannot wipe the %s signature on %s: %s", type,
				    a->path, strerror(-r));
			goto out;
		}
		found++;
	}
	if (r < 0) {
		jrbdctl_err("libblkid failed to probe %s", a->path);
		r = -EIO;
		goto out;
	}
	r = 0;
	if (found && a->verbose)
		fprintf(stderr, "--force: overwriting %d existing signature(s)\n", found);
out:
	if (pr)
		blkid_free_probe(pr);
	free(sa);
	free(sbuf);
	return r;
}

/* Zero [0, end): superblock slots, the gap, the journal ring (rule W8). */
static int zero_front(struct jrbd_disk *d, const struct jrbd_geom *g, bool progress,
		      bool tty)
{
	const size_t chunk = MiB;
	u64 end = g->data_offset, off = 0;
	int pct, last = -1, r = 0;
	u8 *z;

	z = jrbd_disk_alloc(chunk);
	if (!z)
		return -ENOMEM;
	while (off < end) {
		size_t n = end - off < chunk ? end - off : chunk;

		r = jrbd_disk_write(d, z, n, off);
		if (r < 0)
			break;
		off += n;
		pct = (int)(off * 100 / end);
		if (progress && (tty ? pct != last : pct / 10 != last / 10)) {
			fprintf(stderr, tty ? "\rzeroing journal: %3d%%" :
					      "zeroing journal: %d%%\n", pct);
			last = pct;
		}
	}
	if (progress && tty)
		fputc('\n', stderr);
	free(z);
	return r;
}

static void print_summary(const struct format_args *a, const struct jrbd_disk *d,
			  const struct jrbd_sb *sb)
{
	char du[37], cu[37], s1[32], s2[32], s3[32];
	json_object *root, *j;

	jrbd_uuid_format(sb->dev_uuid, du);
	jrbd_uuid_format(sb->cluster_uuid, cu);
	if (a->json) {
		root = json_object_new_object();
		json_object_object_add(root, "device", json_object_new_string(a->path));
		json_object_object_add(root, "device_size", jlog_u64(d->size));
		json_object_object_add(root, "dev_uuid", json_object_new_string(du));
		json_object_object_add(root, "cluster_uuid", json_object_new_string(cu));
		json_object_object_add(root, "node_id", jlog_u64(sb->node_id));
		json_object_object_add(root, "backing_size", jlog_u64(sb->backing_size));
		j = json_object_new_object();
		json_object_object_add(j, "offset", jlog_u64(sb->journal_offset));
		json_object_object_add(j, "blocks", jlog_u64(sb->journal_blocks));
		json_object_object_add(j, "block_size", jlog_u64(JRBD_JBLOCK_SIZE));
		json_object_object_add(j, "bytes",
				       jlog_u64(sb->journal_blocks * JRBD_JBLOCK_SIZE));
		json_object_object_add(j, "sector", jlog_u64(jrbd_sb_jsector(sb)));
		json_object_object_add(j, "payload_align",
				       jlog_u64(jrbd_sb_aligned(sb) ? JRBD_PAYLOAD_ALIGN : 0));
		json_object_object_add(root, "journal", j);
		j = json_object_new_object();
		json_object_object_add(j, "offset", jlog_u64(sb->data_offset));
		json_object_object_add(j, "blocks", jlog_u64(sb->data_blocks));
		json_object_object_add(j, "block_size", jlog_u64(JRBD_BLOCK_SIZE));
		json_object_object_add(root, "data", j);
		json_object_object_add(root, "virtual_size",
				       jlog_u64(sb->data_blocks * JRBD_BLOCK_SIZE));
		json_object_object_add(root, "format_time", jlog_u64(sb->format_time));
		jlog_json_print(root);
		json_object_put(root);
		return;
	}
	printf("%s: jrbd format version %u\n", a->path, JRBD_SB_VERSION);
	printf("  device uuid:   %s\n", du);
	printf("  cluster uuid:  %s%s\n", cu, a->cluster_given ? "" : " (new cluster)");
	printf("  node id:       %u\n", sb->node_id);
	printf("  backing size:  %llu bytes (%s) of %s\n",
	       (unsigned long long)sb->backing_size, jrbd_size_str(sb->backing_size, s1),
	       jrbd_size_str(d->size, s2));
	printf("  journal:       %llu blocks of 32 KiB (%s) at 0x%llx, %u-byte sectors, "
	       "%s\n",
	       (unsigned long long)sb->journal_blocks,
	       jrbd_size_str(sb->journal_blocks * JRBD_JBLOCK_SIZE, s3),
	       (unsigned long long)sb->journal_offset, jrbd_sb_jsector(sb),
	       jrbd_sb_aligned(sb) ? "payloads 512-byte aligned" : "payloads unaligned");
	printf("  data area:     %llu blocks of 4 KiB at 0x%llx\n",
	       (unsigned long long)sb->data_blocks, (unsigned long long)sb->data_offset);
	printf("  virtual size:  %llu bytes (%s)\n",
	       (unsigned long long)(sb->data_blocks * JRBD_BLOCK_SIZE),
	       jrbd_size_str(sb->data_blocks * JRBD_BLOCK_SIZE, s1));
	printf("  superblocks:   A @0x0 generation 0, B @0x1000 generation 1\n");
}

int cmd_format(const struct jrbdctl_opts *o, int argc, char **argv)
{
	struct format_args a;
	struct jrbd_disk *d = NULL;
	struct jrbd_geom g;
	struct jrbd_sb sb, back;
	struct jrbd_pick pick;
	struct jrbd_err err;
	u8 *slot_a = NULL, *slot_b = NULL, dev_uuid[16];
	char s1[32], s2[32], ebuf[256];
	int r;

	if (parse_args(o, argc, argv, &a) < 0)
		return jrbdctl_usage_verb();

	r = jrbd_disk_open(a.path, JRBD_DISK_RW | JRBD_DISK_EXCL, &d);
	if (r < 0) {
		if (r == -ENOENT)
			jrbdctl_err("%s does not exist (format does not create files; "
				    "make one first, e.g. truncate -s 1G %s)", a.path, a.path);
		else if (r == -ENOTBLK)
			jrbdctl_err("%s is neither a block device nor a regular file", a.path);
		else if (r == -EBUSY)
			jrbdctl_err("%s is in use (mounted, or held by another program)",
				    a.path);
		else
			jrbdctl_err("cannot open %s: %s", a.path, strerror(-r));
		return r;
	}

	r = jrbd_geometry(d->size, a.journal_bytes, a.data_bytes, &g);
	if (r == -ENOSPC) {
		jrbdctl_err("%s is too small: %llu bytes (%s); %s%s%s needs at least "
			    "%llu bytes (%s)", a.path, (unsigned long long)d->size,
			    jrbd_size_str(d->size, s1),
			    a.journal_bytes || a.data_bytes ? "this layout" : "jrbd",
			    a.journal_bytes ? " (--journal-size)" : "",
			    a.data_bytes ? " (--size)" : "",
			    (unsigned long long)min_device_size(&a),
			    jrbd_size_str(min_device_size(&a), s2));
		goto out;
	} else if (r < 0) {
		jrbdctl_err("cannot lay out %s: %s", a.path, strerror(-r));
		goto out;
	}

	r = pick_jsector(&a, d);
	if (r < 0)
		goto out;
	a.jsector = (u32)r;
	r = check_signatures(d, &a);
	if (r < 0)
		goto out;

	r = jrbd_uuid_random(dev_uuid);
	if (r == 0 && !a.cluster_given)
		r = jrbd_uuid_random(a.cluster_uuid);
	if (r < 0) {
		jrbdctl_err("getrandom: %s", strerror(-r));
		goto out;
	}

	slot_a = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	slot_b = jrbd_disk_alloc(JRBD_SB_SLOT_SIZE);
	if (!slot_a || !slot_b) {
		r = -ENOMEM;
		goto out;
	}
	jrbd_super_init(&sb, &g, dev_uuid, a.cluster_uuid, a.node_id,
			(u64)time(NULL));
	if (a.jsector == JRBD_SECTOR_SIZE_SMALL)
		sb.feature_incompat |= JRBD_FEATURE_INCOMPAT_SECTOR_512;
	/* Payload-aligned records unless asked not to (decisions.md). */
	if (!a.unaligned)
		sb.feature_incompat |= JRBD_FEATURE_INCOMPAT_ALIGNED;
	sb.generation = 0;
	r = jrbd_super_encode(&sb, slot_a, &err);
	if (r == 0) {
		sb.generation = 1;
		r = jrbd_super_encode(&sb, slot_b, &err);
	}
	if (r < 0) {
		jlog_err_str(r, &err, ebuf, sizeof(ebuf));
		jrbdctl_err("internal error: the new superblock does not validate: %s", ebuf);
		goto out;
	}

	r = zero_front(d, &g, isatty(2) || a.verbose, isatty(2));
	if (r == 0)
		r = jrbd_disk_sync(d);
	if (r < 0) {
		jrbdctl_err("zeroing the journal of %s failed: %s", a.path, strerror(-r));
		goto out;
	}
	r = jrbd_disk_write(d, slot_b, JRBD_SB_SLOT_SIZE, JRBD_SB_B_OFFSET);
	if (r == 0)
		r = jrbd_disk_write(d, slot_a, JRBD_SB_SLOT_SIZE, JRBD_SB_A_OFFSET);
	if (r == 0)
		r = jrbd_disk_sync(d);
	if (r < 0) {
		jrbdctl_err("writing the superblocks of %s failed: %s", a.path, strerror(-r));
		goto out;
	}

	/* Read back: both slots must decode, B (generation 1) wins. */
	r = jrbd_disk_read_slots(d, slot_a, slot_b);
	if (r < 0) {
		jrbdctl_err("reading back the superblocks of %s failed: %s", a.path,
			    strerror(-r));
		goto out;
	}
	r = jrbd_super_pick(slot_a, slot_b, d->size, &back, &pick);
	if (r < 0 || pick.rc[0] < 0 || pick.rc[1] < 0 || back.generation != 1) {
		jrbdctl_err("%s: the superblocks read back do not match what was written",
			    a.path);
		r = r < 0 ? r : -EIO;
		goto out;
	}
	print_summary(&a, d, &back);
	r = 0;
out:
	free(slot_a);
	free(slot_b);
	jrbd_disk_close(d);
	return r;
}
