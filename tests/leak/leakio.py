#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Mixed block I/O on a jrbd device, checked against an in-memory image
(tests/leak).  One process does what a dozen dd/blkdiscard/cmp runs
would: under TCG, starting a process costs more than the I/O itself.

  leakio.py cycle DEV --seed S [--ctl JRBDCTL --name NAME]
      The I/O of one leak-test cycle, on the first 7 MiB of DEV:
        6 MiB in 64 KiB O_DIRECT writes (more than a 4 MiB journal: it
          wraps and writers wait for space),
        1 MiB written, then fsync (an empty REQ_PREFLUSH),
        4 x 4 KiB through O_DSYNC (REQ_FUA),
        a 1 MiB discard (BLKDISCARD), a 256 KiB write-zeroes (BLKZEROOUT),
      then reads back all 7 MiB with O_DIRECT in 256 KiB reads (runs of
      journal and data-area blocks) and compares.  With --ctl it then
      forces a checkpoint (JRBDCTL message NAME checkpoint), reads and
      compares again (now from the data area), and prints the device's
      status fields rec_entries and pending_entries.

  leakio.py loop DEV --seconds T --offset OFF --length LEN --seed S
      Until T seconds have passed: random O_DIRECT writes of 4 KiB to
      256 KiB in [OFF, OFF+LEN), some through O_DSYNC, some followed by
      fsync, some discards, random reads; every 32 operations the whole
      range is read back and compared.  Prints "ops N verified N".

  leakio.py open --seconds T DEV...
      Until T seconds have passed: open each DEV that exists (O_DIRECT),
      read its first 16 KiB, hold it a moment, close -- racing whoever
      removes it.  One line per attempt on stdout: "open ok", "open gone"
      (the node or the device went away: ENOENT, ENXIO, ENODEV) or
      "open read-failed" (a read on an open device failed: never allowed).

Exit 0 all data as expected, 1 a mismatch or an I/O error (on stderr).
"""
import argparse
import errno
import fcntl
import json
import mmap
import os
import random
import struct
import subprocess
import sys
import time

MiB = 1 << 20
KiB = 1 << 10
BLKDISCARD = 0x1277
BLKZEROOUT = 0x127f


class Dev:
    """O_DIRECT access through page-aligned buffers (mmap)."""

    def __init__(self, path, size):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_DIRECT)
        self.fd_sync = os.open(path, os.O_RDWR | os.O_DIRECT | os.O_DSYNC)
        self.buf = mmap.mmap(-1, size)

    def close(self):
        os.close(self.fd)
        os.close(self.fd_sync)
        self.buf.close()

    def write(self, off, data, sync=False):
        n = len(data)
        self.buf[:n] = data
        done = os.pwrite(self.fd_sync if sync else self.fd,
                         memoryview(self.buf)[:n], off)
        if done != n:
            raise OSError("short write at %d: %d of %d" % (off, done, n))

    def read(self, off, n):
        done = os.preadv(self.fd, [memoryview(self.buf)[:n]], off)
        if done != n:
            raise OSError("short read at %d: %d of %d" % (off, done, n))
        return self.buf[:n]

    def discard(self, off, n, zero=False):
        fcntl.ioctl(self.fd, BLKZEROOUT if zero else BLKDISCARD,
                    struct.pack("=QQ", off, n))

    def fsync(self):
        os.fsync(self.fd)


def compare(dev, image, off, length, chunk, what):
    """Read [off, off+length) in chunk-sized reads; compare with image."""
    pos = off
    while pos < off + length:
        n = min(chunk, off + length - pos)
        got = dev.read(pos, n)
        want = image[pos - off:pos - off + n]
        if got != want:
            i = next(k for k in range(n) if got[k] != want[k])
            print("leakio: %s: %s differs at byte %d (%#x): read %#04x, expected %#04x" %
                  (dev.path, what, pos + i, pos + i, got[i], want[i]),
                  file=sys.stderr)
            return False
        pos += n
    return True


class Clock:
    """Where the time goes, for the figures on stderr."""

    def __init__(self):
        self.t = time.monotonic()
        self.parts = []

    def lap(self, what):
        now = time.monotonic()
        self.parts.append("%s %.1fs" % (what, now - self.t))
        self.t = now

    def __str__(self):
        return " ".join(self.parts)


def cycle(a):
    out = cycle_result(a)
    if out is None:
        return 1
    if out:
        print(out)
    return 0


def cycle_result(a):
    """The cycle; None on a mismatch, else the status line ("" without
    --ctl).  Raises OSError on an I/O error."""
    clk = Clock()
    rnd = random.Random(a.seed)
    pat = rnd.randbytes(8 * MiB)
    clk.lap("pattern")
    dev = Dev(a.dev, 8 * MiB)
    try:
        res = cycle_ops(a, dev, pat, clk)
    finally:
        dev.close()
    print("leakio: " + str(clk), file=sys.stderr)
    return res


def cycle_ops(a, dev, pat, clk):
    size = 7 * MiB
    img = bytearray(size)

    def put(off, data, sync=False):
        dev.write(off, data, sync)
        img[off:off + len(data)] = data

    for i in range(96):                         # 6 MiB, 64 KiB each
        put(i * 64 * KiB, pat[i * 64 * KiB:(i + 1) * 64 * KiB])
    put(3 * MiB, pat[5 * MiB:6 * MiB])
    dev.fsync()                                 # REQ_PREFLUSH
    for i in range(4):                          # REQ_FUA
        o = 6 * MiB + 256 * KiB + i * 4 * KiB
        put(o, pat[7 * MiB + i * 4 * KiB:7 * MiB + (i + 1) * 4 * KiB], sync=True)
    dev.discard(1 * MiB, 1 * MiB)
    img[1 * MiB:2 * MiB] = bytes(1 * MiB)
    dev.discard(2 * MiB, 256 * KiB, zero=True)
    img[2 * MiB:2 * MiB + 256 * KiB] = bytes(256 * KiB)
    clk.lap("write")
    if not compare(dev, img, 0, size, 256 * KiB, "before the checkpoint"):
        return None
    clk.lap("verify")
    if not a.ctl:
        return ""
    # jrbdctl's output goes to stderr: stdout may be a reply channel.
    subprocess.run([a.ctl, "message", a.name, "checkpoint"], check=True,
                   stdout=sys.stderr)
    clk.lap("checkpoint")
    if not compare(dev, img, 0, size, 256 * KiB, "after the checkpoint"):
        return None
    clk.lap("verify")
    st = json.loads(subprocess.run([a.ctl, "--json", "status", a.name], check=True,
                                   stdout=subprocess.PIPE).stdout)[0]
    clk.lap("status")
    print(" ".join("%s=%s" % (k, st[k]) for k in
                   ("writes", "reads", "flushes", "journal_writes",
                    "ckpt_rounds", "ckpt_blocks", "space_waits")),
          file=sys.stderr)
    return "rec_entries %d pending_entries %d" % (st["rec_entries"],
                                                  st["pending_entries"])


def loop(a):
    dev = Dev(a.dev, max(a.length, 256 * KiB))
    try:
        return loop_ops(a, dev)
    finally:
        dev.close()


def loop_ops(a, dev):
    rnd = random.Random(a.seed)
    off, length = a.offset, a.length
    img = bytearray(length)
    # Start from a known state: the range written once.
    for p in range(0, length, 256 * KiB):
        data = rnd.randbytes(min(256 * KiB, length - p))
        dev.write(off + p, data)
        img[p:p + len(data)] = data
    ops = verified = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        ops += 1
        kind = rnd.random()
        n = rnd.choice((4, 8, 16, 64, 128, 256)) * KiB
        p = rnd.randrange(0, (length - n) // (4 * KiB) + 1) * 4 * KiB
        if kind < 0.55:
            data = rnd.randbytes(n)
            dev.write(off + p, data, sync=rnd.random() < 0.2)
            img[p:p + n] = data
            if rnd.random() < 0.1:
                dev.fsync()
        elif kind < 0.65:
            dev.discard(off + p, n, zero=rnd.random() < 0.5)
            img[p:p + n] = bytes(n)
        else:
            if not compare(dev, img[p:p + n], off + p, n, n, "random read"):
                return 1
        if ops % 32 == 0:
            if not compare(dev, img, off, length, 256 * KiB, "range check"):
                return 1
            verified += 1
    if not compare(dev, img, off, length, 256 * KiB, "final check"):
        return 1
    verified += 1
    print("ops %d verified %d" % (ops, verified))
    return 0


def opener(a):
    buf = mmap.mmap(-1, 16 * KiB)
    end = time.monotonic() + a.seconds
    out = []
    while time.monotonic() < end:
        for d in a.devs:
            try:
                fd = os.open(d, os.O_RDONLY | os.O_DIRECT)
            except OSError as e:
                if e.errno not in (errno.ENOENT, errno.ENXIO, errno.ENODEV):
                    raise
                out.append("open gone")
                continue
            try:
                if os.preadv(fd, [buf], 0) != len(buf):
                    out.append("open read-failed")
                else:
                    out.append("open ok")
                time.sleep(0.01)
            except OSError as e:
                out.append("open read-failed(%s)" % e.strerror)
            finally:
                os.close(fd)
        time.sleep(0.02)
    print("\n".join(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cycle")
    c.add_argument("dev")
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--ctl")
    c.add_argument("--name", default="d0")
    lp = sub.add_parser("loop")
    lp.add_argument("dev")
    lp.add_argument("--seconds", type=float, required=True)
    lp.add_argument("--offset", type=int, default=0)
    lp.add_argument("--length", type=int, default=16 * MiB)
    lp.add_argument("--seed", type=int, default=1)
    op = sub.add_parser("open")
    op.add_argument("--seconds", type=float, required=True)
    op.add_argument("devs", nargs="+")
    a = ap.parse_args()
    try:
        if a.cmd == "open":
            return opener(a)
        return cycle(a) if a.cmd == "cycle" else loop(a)
    except (OSError, subprocess.CalledProcessError) as e:
        print("leakio: %s: %s" % (a.dev, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
