#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Kernel memory seen from outside, for the leak tests (tests/leak).

  leakmeter.py snap [LABEL] [--gone MODULE [--disk DISK]...]
                                   one snapshot as a JSON line on stdout
  leakmeter.py leftovers MODULE [DISK...]
                                   exit 1 (saying what) if anything of
                                   MODULE is left or a DISK is held
  leakmeter.py orphans             the number of orphaned vmalloc areas
  leakmeter.py serve               snapshots and leakio.py's I/O on
                                   command, one process for a whole test
  leakmeter.py judge [opts] FILE   judge a series of snapshots

A snapshot first waits for udev's idle workers to exit, then makes the
counts exact: sync, drop the page/dentry/inode caches, let RCU frees land,
shrink every slab cache (flushing the per-CPU slabs back to the node
lists, where free objects are counted) and read /proc/slabinfo at once.
Measured in a quiet guest, the in-use counts of kmalloc caches then repeat
exactly from one snapshot to the next.  It records:

  slab     per cache (the unmerged names of /proc/slabinfo): objects in use
  size     per cache: object size in bytes
  mem      /proc/meminfo Slab, SReclaimable, SUnreclaim, Percpu,
           VmallocUsed, KernelStack, PageTables (bytes, after
           vm/stat_refresh), and kmalloc_large: SUnreclaim minus the pages
           of the unreclaimable slabs, i.e. the kmalloc()s too large for a
           slab that the page allocator served (32 KiB journal ring blocks),
           read a grace period after the shrink until two reads agree
           (large_kmallocs())
  vmalloc  /proc/vmallocinfo: areas, bytes, and orphans: areas whose
           caller is a bare address -- allocated by code that has been
           unloaded since
  threads  kernel threads whose name starts with "jrbd"

judge takes the first snapshot as the baseline and the others as one per
cycle.  A leak of k objects per cycle is a staircase of slope k; noise is
not.  A counter is flagged when all three hold:
  the Theil-Sen slope (median of the pairwise slopes: one-off steps and
    outliers cannot drag it) >= --min-slope (default 0.5 per cycle),
  end - baseline >= max(2, --min-delta-frac x cycles) (default 0.5 x),
  the least-squares slope is significant: slope / standard error >=
    --min-t (default 3; a steady climb, not scatter),
so one object per cycle is flagged (slope 1, delta = cycles, t large
unless the cache is noisy), while a cache that grows once or wanders is
not.  Byte counters (kmalloc_large, VmallocUsed, Percpu) are judged the
same way with the slope and delta limits times --min-bytes (16 KiB).
Dentry and inode caches are reported, not judged (VFS_CACHE).  Any new
orphaned vmalloc area is a leak.  --fixture N names a negative control:
a fixture leaked one kmalloc(N) per cycle; the counter it lands in (a
kmalloc cache, or kmalloc_large) must be flagged, and is then judged minus
that known leak.  Exit 0 no leak, 1 leak, 3 a control was not flagged, 2 error.
Figures go to stderr; --figures FILE appends them there too.
"""
import argparse
import json
import os
import re
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
# Dentries and inodes follow whatever processes look at (/proc/PID, sysfs
# files udev reads) and drop_caches frees only the unused ones: they
# move by dozens between snapshots, up and down.  jrbd allocates nothing
# from them; what it could pin there (a device node, a sysfs directory, the
# backing device) is counted elsewhere (shmem_inode_cache, bdev_cache,
# kernfs_node_cache) and checked directly by the test.
VFS_CACHE = re.compile(r"slab\.(dentry|(?!shmem_|bdev_|sock_).*inode_cache)")
MEMINFO_KEYS = ("Slab", "SReclaimable", "SUnreclaim", "Percpu",
                "VmallocUsed", "KernelStack", "PageTables")
# Byte counters judged for leaks.  Slab/SReclaimable move with caches
# the kernel refills on its own (dentries, inodes); the unreclaimable part
# and per-CPU/vmalloc memory are what a driver leaks.
BYTE_COUNTERS = ("mem.kmalloc_large", "mem.Percpu", "mem.VmallocUsed")


def write(path, data):
    try:
        with open(path, "w") as f:
            f.write(data)
        return True
    except OSError:
        return False


def settle():
    """Make the slab counts exact; return the text of /proc/slabinfo.

    The in-use count of /proc/slabinfo counts every object of a slab a CPU
    holds (its active slab and its per-CPU partial slabs) as used, so it
    is off by up to a few slabs per CPU -- hundreds of small objects.
    Writing to a cache's "shrink" file flushes those slabs back to the
    node lists, where free objects are counted; but any allocation after
    that gives a CPU a slab again.  So everything this process will need
    is set up first (every shrink file open, /proc/slabinfo open and read
    once, which sizes its seq_file buffer), then all caches are shrunk
    and /proc/slabinfo is read again at once.  A write to a sysfs file
    kmalloc()s a small buffer (kmalloc-8/16): those caches are shrunk
    last, while that buffer is still allocated.
    """
    os.sync()
    write("/proc/sys/vm/drop_caches", "3")
    # RCU-deferred frees (dentries, inodes, xarray and kernfs nodes) land
    # after a grace period: give them one.
    time.sleep(1)
    base = "/sys/kernel/slab"
    names = []
    if os.path.isdir(base):
        # Aliases of merged caches are symlinks: shrink each cache once.
        names = [n for n in sorted(os.listdir(base))
                 if not os.path.islink(os.path.join(base, n))]
    last = [n for n in names if n in ("kmalloc-16", "kmalloc-8")]
    names = [n for n in names if n not in last] + last
    fds = []
    for n in names:
        try:
            fds.append(os.open(os.path.join(base, n, "shrink"), os.O_WRONLY))
        except OSError:
            pass
    info = os.open("/proc/slabinfo", os.O_RDONLY)
    buf = bytearray(1 << 20)
    os.readv(info, [buf])
    os.lseek(info, 0, os.SEEK_SET)
    chunks = []
    try:
        for _ in range(2):
            for fd in fds:
                try:
                    os.write(fd, b"1")
                except OSError:
                    pass
        while True:
            n = os.readv(info, [buf])
            if n <= 0:
                break
            chunks.append(bytes(buf[:n]))
    finally:
        for fd in fds:
            os.close(fd)
        os.close(info)
    return b"".join(chunks).decode()


def read_slabinfo(text):
    """{cache: objects in use}, {cache: object size}, {cache: pages}."""
    slab, size, pages = {}, {}, {}
    for line in text.splitlines():
        if line.startswith(("slabinfo", "#")):
            continue
        w = line.split()
        # name active_objs num_objs objsize objperslab pagesperslab
        #   : tunables l b s : slabdata active_slabs num_slabs sharedavail
        slab[w[0]] = slab.get(w[0], 0) + int(w[1])
        size[w[0]] = int(w[3])
        pages[w[0]] = pages.get(w[0], 0) + int(w[5]) * int(w[14])
    return slab, size, pages


def reclaimable(names):
    """Caches whose pages count as SReclaimable (SLAB_RECLAIM_ACCOUNT)."""
    out = set()
    for n in names:
        try:
            with open("/sys/kernel/slab/%s/reclaim_account" % n) as f:
                if f.read().strip() == "1":
                    out.add(n)
        except OSError:
            pass
    return out


def read_meminfo():
    mem = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            if k in MEMINFO_KEYS:
                mem[k] = int(v.split()[0]) * 1024
    return mem


def read_vmalloc(module="jrbd"):
    """/proc/vmallocinfo: all areas; those a function of MODULE allocated
    (the caller shows as "func+0x../0x.. [MODULE]" while it is loaded);
    and orphans: areas whose caller is a bare address, code that is no
    longer there -- after rmmod, what an unloaded module leaked."""
    v = {"areas": 0, "bytes": 0, "mod_areas": 0, "orphans": 0,
         "orphan_bytes": 0, "orphan_callers": []}
    with open("/proc/vmallocinfo") as f:
        for line in f:
            w = line.split()
            if len(w) < 3 or not w[1].isdigit():
                continue
            v["areas"] += 1
            v["bytes"] += int(w[1])
            if "[%s]" % module in line:
                v["mod_areas"] += 1
            if re.fullmatch(r"0x[0-9a-f]+", w[2]):
                v["orphans"] += 1
                v["orphan_bytes"] += int(w[1])
                v["orphan_callers"].append(w[2])
    return v


def jrbd_threads():
    names = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read().strip()
        except OSError:
            continue
        # A kworker's name carries the last workqueue it served
        # ("kworker/u4:1-jrbd0-ckpt"): a label, not a jrbd thread.
        if comm.startswith("jrbd"):
            names.append(comm)
    return sorted(names)


def genl_families():
    """Names of the registered generic netlink families (a dump of
    nlctrl: asking for one name would make the kernel try to load it)."""
    import socket
    import struct
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
    try:
        # nlmsghdr(len, type=GENL_ID_CTRL, flags=REQUEST|DUMP, seq, pid)
        # + genlmsghdr(cmd=CTRL_CMD_GETFAMILY, version=1)
        msg = struct.pack("=IHHII", 20, 0x10, 0x1 | 0x300, 1, 0) + \
            struct.pack("=BBH", 3, 1, 0)
        s.send(msg)
        names = []
        while True:
            data = s.recv(65536)
            off = 0
            while off < len(data):
                ln, typ = struct.unpack_from("=IH", data, off)
                if typ == 3:        # NLMSG_DONE
                    return names
                if typ == 2:        # NLMSG_ERROR
                    raise OSError("nlctrl dump failed")
                a = off + 20
                while a < off + ln:
                    alen, atyp = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if atyp == 2:   # CTRL_ATTR_FAMILY_NAME
                        names.append(data[a + 4:a + alen].rstrip(b"\0").decode())
                    a += (alen + 3) & ~3
                off += (ln + 3) & ~3
    finally:
        s.close()


def leftovers(module, disks):
    """What is left of a module that should be gone, as a list of words:
    its /proc/modules line, /sys/module entry, block major, threads named
    after it, workqueues in sysfs, block devices and device nodes, its
    generic netlink family; and for each disk: holders in sysfs, or a
    claim (an O_EXCL open of a block device fails with EBUSY while it is
    claimed or mounted)."""
    left = []
    with open("/proc/modules") as f:
        if any(line.split()[0] == module for line in f):
            left.append("/proc/modules")
    if os.path.exists("/sys/module/" + module):
        left.append("/sys/module/" + module)
    with open("/proc/devices") as f:
        if any(line.split()[-1:] == [module] for line in f):
            left.append("/proc/devices:" + module)
    left += ["thread:" + t for t in jrbd_threads()]
    for d, pre in (("/sys/bus/workqueue/devices", "workqueue:"),
                   ("/sys/block", "/sys/block/"), ("/dev", "/dev/")):
        if os.path.isdir(d):
            left += [pre + n for n in sorted(os.listdir(d))
                     if n.startswith(module)]
    if module in genl_families():
        left.append("genl-family:" + module)
    for d in disks:
        h = "/sys/block/%s/holders" % os.path.basename(d)
        if os.path.isdir(h) and os.listdir(h):
            left.append("holders:%s:%s" % (d, ",".join(sorted(os.listdir(h)))))
        try:
            os.close(os.open(d, os.O_RDONLY | os.O_EXCL))
        except OSError as e:
            left.append("claimed:%s(%s)" % (d, e.strerror))
    return left


def udev_workers():
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/comm" % pid) as f:
                    n += f.read().strip() == "(udev-worker)"
            except OSError:
                pass
    return n


def quiesce(limit=10.0):
    """Wait (at most limit seconds) for udev's workers to exit: one left
    from the last event is a whole process (mm, VMAs, files, a few
    kmallocs) in one snapshot and not in the next.  udevd kills idle
    workers after 3 s."""
    end = time.monotonic() + limit
    while udev_workers() and time.monotonic() < end:
        time.sleep(0.5)


def snap(label):
    quiesce()
    slab, size, _ = read_slabinfo(settle())
    rcl = reclaimable(slab)
    mem, reads = large_kmallocs(rcl)
    return {"label": label, "slab": slab, "size": size, "mem": mem,
            "large_reads": reads, "vmalloc": read_vmalloc(),
            "threads": jrbd_threads()}


def large_kmallocs(rcl, tries=8):
    """/proc/meminfo, plus kmalloc_large: SUnreclaim (pages of
    unreclaimable slabs + kmalloc()s too large for a slab, which the page
    allocator served) minus the pages of the unreclaimable slabs in
    /proc/slabinfo, read right after it.

    The shrink in settle() discards empty slabs; a SLAB_TYPESAFE_BY_RCU
    cache's slab leaves /proc/slabinfo at once but its pages, still in
    SUnreclaim, are freed only after a grace period.  Read just after
    the shrink, the difference then holds tens of KiB that are not large
    kmallocs (measured in the 6.1 guest: +40 KiB in some snapshots and
    not others, while an ftrace of every order >= 2 page allocation
    showed no large kmalloc but the fixture's outstanding).  So read
    again, a grace period apart, until two reads agree; the reads are
    kept in the snapshot."""
    reads = []
    mem = None
    for _ in range(tries):
        time.sleep(0.3)
        # Fold the per-CPU deltas of the vm counters into the totals.
        write("/proc/sys/vm/stat_refresh", "1")
        mem = read_meminfo()
        with open("/proc/slabinfo") as f:
            pages = read_slabinfo(f.read())[2]
        slab_bytes = sum(p for n, p in pages.items() if n not in rcl) * PAGE
        mem["kmalloc_large"] = mem["SUnreclaim"] - slab_bytes
        reads.append(mem["kmalloc_large"])
        if len(reads) >= 2 and reads[-1] == reads[-2]:
            break
    return mem, reads


def counters(s):
    """Flatten a snapshot to {counter: value}; bytes for non-slab ones."""
    c = {"slab." + k: v for k, v in s["slab"].items()}
    c.update({"mem." + k: v for k, v in s["mem"].items()})
    c["vmalloc.bytes"] = s["vmalloc"]["bytes"]
    c["vmalloc.orphans"] = s["vmalloc"]["orphans"]
    return c


def theil_sen(ys):
    """Median of the slopes between every pair of points (x = 0, 1, ...):
    a line fit that outliers -- a cache that is briefly larger in a few
    snapshots -- cannot drag, unlike least squares."""
    slopes = sorted((ys[j] - ys[i]) / (j - i)
                    for i in range(len(ys)) for j in range(i + 1, len(ys)))
    n = len(slopes)
    return (slopes[n // 2] + slopes[(n - 1) // 2]) / 2


def ols_t(ys):
    """t statistic of the least-squares slope through ys (x = 0, 1, ...):
    the slope over its standard error.  Large when the points climb
    steadily; small when one step or scattered jitter makes the rise."""
    n = len(ys)
    if n < 3:
        return 0.0
    mx = (n - 1) / 2
    my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in range(n))
    slope = sum((x - mx) * (y - my) for x, y in enumerate(ys)) / sxx
    ssr = sum((y - my - slope * (x - mx)) ** 2 for x, y in enumerate(ys))
    se = (ssr / (n - 2) / sxx) ** 0.5
    if se == 0:
        return float("inf") if slope > 0 else 0.0
    return slope / se


def kmalloc_cache(sizes, nbytes):
    """The kmalloc cache an allocation of nbytes lands in."""
    best = None
    for name, sz in sizes.items():
        if re.fullmatch(r"kmalloc-\d+k?", name) and sz >= nbytes:
            if best is None or sz < sizes[best]:
                best = name
    return best


class Judge:
    def __init__(self, args, cycles):
        self.a = args
        self.cycles = cycles
        # Half the objects one leaked object per cycle leaves, at least 2.
        self.min_delta = max(2.0, args.min_delta_frac * cycles)

    def leak(self, name, ys):
        """ys: baseline, then one value per cycle.  (leak?, slope, delta, t)"""
        slope = theil_sen(ys)
        delta = ys[-1] - ys[0]
        t = ols_t(ys)
        if name.startswith("slab."):
            lim_slope, lim_delta = self.a.min_slope, self.min_delta
        else:
            lim_slope = self.a.min_bytes
            lim_delta = self.a.min_bytes * self.min_delta
        return (slope >= lim_slope and delta >= lim_delta and
                t >= self.a.min_t), slope, delta, t


def judge(args):
    snaps = []
    with open(args.file) as f:
        for line in f:
            line = line.strip()
            if line:
                snaps.append(json.loads(line))
    if len(snaps) < 3:
        print("leakmeter: need a baseline and at least 2 cycles", file=sys.stderr)
        return 2
    base, runs = snaps[0], snaps[1:]
    cycles = len(runs)
    series = [counters(s) for s in snaps]
    names = sorted(set().union(*series))
    size = {}
    for s in snaps:
        size.update(s["size"])
    j = Judge(args, cycles)
    fig, rows, flagged = [], [], []

    # The negative controls: a fixture that leaks one kmalloc(N) per
    # cycle for each --fixture N.  The raw series of the counter it lands
    # in (a kmalloc cache, or kmalloc_large past the largest cache) must
    # be flagged; what is judged for jrbd is that series minus the
    # fixture's known leak.
    fixtures = {}                   # counter -> leak per cycle
    for nbytes in args.fixture:
        cache = kmalloc_cache(size, nbytes)
        if cache:
            key, per = "slab." + cache, 1
        else:                       # whole pages from the page allocator
            key, per = "mem.kmalloc_large", PAGE << max(0, (nbytes - 1).bit_length() -
                                                        PAGE.bit_length() + 1)
        fixtures[key] = fixtures.get(key, 0) + per
    controls = {}                   # counter -> flagged?

    for name in names:
        if not (name.startswith("slab.") or name in BYTE_COUNTERS):
            continue
        ys = [c.get(name, 0) for c in series]
        leak, slope, delta, t = j.leak(name, ys)
        if VFS_CACHE.fullmatch(name):
            if delta:
                rows.append((name, ys[0], ys[-1], delta, slope, t, False,
                             " (VFS cache, not judged)"))
            continue
        note = ""
        if name in fixtures:
            per = fixtures[name]
            controls[name] = leak
            fig.append("leakmeter: control: %s raw: slope %+.2f/cycle, delta %+d, t %.1f: %s" %
                       (name, slope, delta, t, "flagged" if leak else "NOT FLAGGED"))
            ys = [y - i * per for i, y in enumerate(ys)]
            leak, slope, delta, t = j.leak(name, ys)
            note = " (minus the fixture's %d/cycle)" % per
        if delta or leak:
            rows.append((name, ys[0], ys[-1], delta, slope, t, leak, note))
        if leak:
            flagged.append(name)
    missed = [k for k in fixtures if not controls.get(k)]

    fig.insert(0, "leakmeter: %d cycles after the baseline (%s .. %s); a leak is "
               "slope >= %g/cycle, delta >= %g (objects; x %g for bytes) and t >= %g" %
               (cycles, base.get("label"), runs[-1].get("label"),
                args.min_slope, j.min_delta, args.min_bytes, args.min_t))
    mb, me = base["mem"], runs[-1]["mem"]
    fig.append("leakmeter: Slab %+d KiB, SUnreclaim %+d KiB, kmalloc_large %+d KiB, "
               "Percpu %+d KiB, VmallocUsed %+d KiB, vmalloc areas %+d" % (
                   (me["Slab"] - mb["Slab"]) // 1024,
                   (me["SUnreclaim"] - mb["SUnreclaim"]) // 1024,
                   (me["kmalloc_large"] - mb["kmalloc_large"]) // 1024,
                   (me["Percpu"] - mb["Percpu"]) // 1024,
                   (me["VmallocUsed"] - mb["VmallocUsed"]) // 1024,
                   runs[-1]["vmalloc"]["areas"] - base["vmalloc"]["areas"]))
    vb, ve = base["vmalloc"], runs[-1]["vmalloc"]
    fig.append("leakmeter: orphaned vmalloc areas (callers gone) %d -> %d (%s); "
               "jrbd threads left %s" %
               (vb["orphans"], ve["orphans"],
                " ".join(ve["orphan_callers"][:8]) or "none",
                ",".join(runs[-1]["threads"]) or "none"))
    for name, b, e, delta, slope, t, leak, note in sorted(
            rows, key=lambda r: (-abs(r[4]), r[0])):
        unit = "obj" if name.startswith("slab.") else "B"
        extra = " (%d B objects)" % size.get(name[5:], 0) if unit == "obj" else ""
        fig.append("leakmeter: %-28s base %10d end %10d delta %+8d slope %+9.2f %s/cycle t %5.1f%s%s%s" %
                   (name, b, e, delta, slope, unit, t, extra, note,
                    "  LEAK" if leak else ""))
    # An orphan is a leak without any statistics: its allocator is gone.
    orphans = ve["orphans"] - vb["orphans"]
    if orphans > 0:
        flagged.append("vmalloc.orphans")
    if runs[-1]["threads"]:
        flagged.append("threads")
    verdict = "leak in " + " ".join(flagged) if flagged else "no leak"
    if fixtures:
        verdict += "; controls %s" % ("MISSED in " + " ".join(missed) if missed
                                      else "flagged")
    fig.append("leakmeter: verdict: " + verdict)
    text = "\n".join(fig) + "\n"
    sys.stderr.write(text)
    if args.figures:
        with open(args.figures, "a") as f:
            if args.title:
                f.write("== %s\n" % args.title)
            f.write(text)
    if missed:
        return 3
    return 1 if flagged else 0


def serve():
    """One process for the whole test: under TCG starting python costs
    seconds, more than a snapshot.  Commands on stdin, one per line;
    each gets one reply line, "ok ..." or "fail ...":

      snap FILE LABEL [MODULE DISK...]   leftovers of MODULE (if given),
                                         then a snapshot appended to FILE
      io DEV SEED JRBDCTL NAME           leakio.py's cycle, in process
    """
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import leakio
    for line in sys.stdin:
        w = line.split()
        if not w:
            continue
        reply = "fail unknown command"
        try:
            if w[0] == "snap" and len(w) >= 3:
                left = leftovers(w[3], w[4:]) if len(w) > 3 else []
                with open(w[1], "a") as f:
                    f.write(json.dumps(snap(w[2]), sort_keys=True) + "\n")
                reply = "fail left behind: " + " ".join(left) if left else "ok"
            elif w[0] == "io" and len(w) == 5:
                a = argparse.Namespace(dev=w[1], seed=int(w[2]), ctl=w[3],
                                       name=w[4])
                out = leakio.cycle_result(a)
                reply = "ok " + out if out is not None else "fail I/O"
        except Exception as e:          # the reply says what, the test fails
            reply = "fail %s: %s" % (type(e).__name__, e)
        print(reply, flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snap")
    s.add_argument("label", nargs="?", default="")
    s.add_argument("--gone", metavar="MODULE",
                   help="first check that nothing of MODULE is left (exit 1 if so)")
    s.add_argument("--disk", action="append", default=[],
                   help="with --gone: a backing disk that must be released")
    lo = sub.add_parser("leftovers", help="exit 1 (and say what) if anything "
                        "of MODULE is left or a DISK is not released")
    lo.add_argument("module")
    lo.add_argument("disk", nargs="*")
    sub.add_parser("orphans", help="print the number of orphaned vmalloc areas")
    sub.add_parser("serve", help="commands on stdin (see serve())")
    j = sub.add_parser("judge")
    j.add_argument("file")
    j.add_argument("--min-slope", type=float, default=0.5)
    j.add_argument("--min-delta-frac", type=float, default=0.5)
    j.add_argument("--min-bytes", type=float, default=16384)
    j.add_argument("--min-t", type=float, default=3.0)
    j.add_argument("--fixture", type=int, action="append", default=[],
                   metavar="N", help="a control fixture leaked one kmalloc(N) "
                   "per cycle (repeatable)")
    j.add_argument("--figures")
    j.add_argument("--title")
    a = ap.parse_args()
    if a.cmd == "serve":
        return serve()
    if a.cmd == "orphans":
        print(read_vmalloc()["orphans"])
        return 0
    if a.cmd == "leftovers":
        left = leftovers(a.module, a.disk)
        if left:
            print("leakmeter: left behind: " + " ".join(left), file=sys.stderr)
        return 1 if left else 0
    if a.cmd == "snap":
        left = leftovers(a.gone, a.disk) if a.gone else []
        if left:
            print("leakmeter: left behind: " + " ".join(left), file=sys.stderr)
        print(json.dumps(snap(a.label), sort_keys=True))
        return 1 if left else 0
    return judge(a)


if __name__ == "__main__":
    sys.exit(main())
