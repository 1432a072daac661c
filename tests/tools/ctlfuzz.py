#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""ctlfuzz: jrbdctl under malformed arguments and malformed image files.

Test tool only, never installed.  Generates a corpus and runs jrbdctl on
each case (best an ASan+UBSan build, `make asan`), judging from outside:

  * never a crash: exit status below 128 and not the sanitizers' 99, no
    AddressSanitizer/UBSan/LeakSanitizer report (their log_path files),
    no hang (30 s), with --valgrind no valgrind error;
  * a malformed request is refused: non-zero exit and a message that
    names the problem (the bad option, value or path) -- on stderr, or
    for `check` the PROBLEM lines on stdout (fsck style);
  * nothing changes: every file a case names has the same sha256 after.

    ctlfuzz.py --jrbdctl PATH --dir DIR [--mkjournal PATH] [--seed N]
               [--flips N] [--valgrind] GROUP...

GROUP is "args" (bad argument vectors for every verb and the global
options), "verbs" (every verb done right on live devices, --devices
A,B, --free DISK for one made and removed; for the sanitizers), "files" (truncated images, random bytes, superblocks with a
garbage field and a correct CRC, random byte flips; for dump, check and
format) or "devices" (the module's verbs against live devices, in a lab
guest: `jrbdctl --json status` must not change either; --plain PATH
names a jrbdctl without sanitizers for that, which is faster).  DIR is a
scratch directory.  Stdout: one line per group, plus one verdict line
per superblock field and per special file (stable for a given jrbdctl);
stderr: every case with its exit status and first line of output.
Exit 0 when every case met the rules, 1 otherwise.
"""
import hashlib
import os
import random
import re
import shutil
import struct
import subprocess
import sys

CLUSTER = "6f1c2b7e-3a4d-4c1b-9e8f-0123456789ab"
SAN_RC = 99

_T = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ (0x82F63B78 if _c & 1 else 0)
    _T.append(_c)


def crc32c(b):
    c = 0xffffffff
    for x in b:
        c = _T[(c ^ x) & 0xff] ^ (c >> 8)
    return c ^ 0xffffffff


def sha(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path) or st.st_size > (64 << 20):
        return (st.st_mode, st.st_size, st.st_mtime_ns)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


class Case:
    def __init__(self, argv, say=None, want="fail", watch=(), group=""):
        self.argv = argv        # after the program name
        self.say = say          # strings one of which the message names
        self.want = want        # fail | usage | check | any
        self.watch = watch      # files that must not change
        self.group = group


class Runner:
    def __init__(self, args):
        self.a = args
        self.san = os.path.join(args.dir, "sanitizer")
        os.makedirs(self.san, exist_ok=True)
        self.env = dict(os.environ)
        opts = "log_path=%s/%%s:exitcode=%d" % (self.san, SAN_RC)
        self.env["ASAN_OPTIONS"] = opts % "asan" + ":detect_leaks=1"
        self.env["UBSAN_OPTIONS"] = opts % "ubsan" + \
            ":print_stacktrace=1:halt_on_error=1"
        self.failures = []
        self.runs = 0
        self.rcs = {}

    def run(self, argv, timeout=30):
        cmd = [self.a.jrbdctl] + argv
        if self.a.valgrind:
            cmd = ["valgrind", "-q", "--error-exitcode=%d" % SAN_RC,
                   "--leak-check=full",
                   "--errors-for-leak-kinds=definite,indirect",
                   "--log-file=%s/vg.%%p" % self.san] + cmd
        self.runs += 1
        try:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout,
                               env=self.env)
        except subprocess.TimeoutExpired:
            return None, b"", b"", "hung for %d s" % timeout
        report = []
        for f in sorted(os.listdir(self.san)):
            path = os.path.join(self.san, f)
            if os.path.isfile(path):
                if os.path.getsize(path):
                    report.append(open(path, errors="replace").read())
                os.unlink(path)
        return p.returncode, p.stdout, p.stderr, "\n".join(report)

    def case(self, c):
        """Run one case; record and return (rc, out, err) or None."""
        before = {w: sha(w) for w in c.watch}
        rc, out, err, report = self.run(c.argv)
        text = (out + err).decode("utf-8", "replace")
        shown = " ".join(a if len(a) < 60 else a[:40] + "...(%d)" % len(a)
                         for a in c.argv)
        first = err.decode("utf-8", "replace").strip().split("\n")[0] \
            or out.decode("utf-8", "replace").strip().split("\n")[0]
        sys.stderr.write("  rc=%s jrbdctl %s: %s\n" % (rc, shown, first[:160]))
        self.rcs[rc] = self.rcs.get(rc, 0) + 1
        why = None
        if rc is None:
            why = report
        elif report:
            why = "sanitizer/valgrind report:\n" + report[:3000]
        elif rc < 0 or rc >= 128 or rc == SAN_RC:
            why = "crashed (exit status %d)" % rc
        elif c.want == "ok" and rc != 0:
            why = "failed (exit %d): %s" % (rc, first[:200])
        elif c.want not in ("any", "ok") and rc == 0:
            why = "accepted (exit 0)"
        elif c.want == "usage" and rc != 2:
            why = "exit %d, not 2 (usage)" % rc
        elif c.want == "check" and rc not in (4, 8):
            why = "exit %d, not 4 or 8" % rc
        elif rc != 0 and not text.strip():
            why = "exit %d without a word" % rc
        elif rc != 0 and c.say and not any(s in text for s in c.say):
            why = "the message does not name %s: %r" % (
                " or ".join(repr(s[:60]) for s in c.say), first[:200])
        else:
            for w in c.watch:
                if sha(w) != before[w]:
                    why = "%s changed" % w
        if why:
            self.failures.append("%s: jrbdctl %s: %s" % (c.group, shown, why))
            return None
        return rc, out, err


# ---------------------------------------------------------------------
# Argument vectors.

BAD_SIZES = ["", "0", "-1", "-4M", "1.5M", "12Q", "M", "K", "0x100000",
             "4 M", " 4M", "4M ", "4Mi", "4MiBx", "4MBB", "+4M", "4e6",
             "18446744073709551616", "99999999999999999999T",
             "17179869184G", "16777216T", "4\tM", "\u0664M", "x" * 5000]
BAD_NODE_IDS = ["", "0", "-1", "4294967295", "4294967296",
                "99999999999999999999", "1e3", "0x", "0xg", "abc", " 1",
                "1 ", "+1", "1.0", "0x100000000"]
BAD_UUIDS = ["", CLUSTER[:-1], CLUSTER + "c", CLUSTER.replace("-", ""),
             "00000000-0000-0000-0000-000000000000",
             "z" + CLUSTER[1:], CLUSTER[:-1] + "g", "{%s}" % CLUSTER,
             CLUSTER[:23] + "0" + CLUSTER[24:] + "-",
             CLUSTER.replace("-", ":"), "x" * 5000]
BAD_SEQS = ["", "-1", "x", "1x", "0x", "0xg", "18446744073709551616",
            "0x10000000000000000", " 1", "1.5"]
MODULE_VERBS = {        # verb: (min, max) arguments
    "create": (2, 2), "remove": (1, 1), "message": (2, 2),
    "ls": (0, 0), "info": (0, 1), "status": (0, 1), "table": (0, 1),
    "events": (0, 1),
}


def arg_cases(d, img, rng, scale):
    """(argv, names, want) of every malformed argument vector."""
    out = []

    def add(argv, say=None, want="usage"):
        out.append(Case(argv, say, want, (img,), "args"))
    miss = os.path.join(d, "missing")
    # global options and verbs
    add([], ["usage"])
    add(["--json"], ["usage"])
    add(["-v", "-v"], ["usage"])
    add(["--bogus"], ["bogus"])
    add(["--bogus", "ls"], ["bogus"])
    add(["-Z", "check", img], ["Z"])
    add(["--module"], ["module"])
    add(["--json=1", "check", img], ["json"])
    add(["--help=x"], ["help"])
    for v in ["frobnicate", "", "FORMAT", "form", "check2", " check",
              "x" * 100000, "--", "-"]:
        add([v, img], [v[:50] or "''", img])
    add(["help", "extra"], ["wrong number"])
    add(["version", "extra"], ["wrong number"])
    # the file verbs
    for verb in ("format", "dump", "check"):
        add([verb], ["wrong number"])
        add([verb, img, img], ["exactly one"])
        add([verb, img, "--bogus"], ["--bogus"])
        add([verb, "-Z", img], ["-Z"])
        add([verb, img, "--"], None, "any")     # "--" then nothing: fine
        add([verb, "--json=yes", img], ["json"])
        add([verb, img, "-" * 3], ["---"])
    for opt in ("--journal-size", "--size", "--node-id", "--cluster-uuid"):
        add(["format", img, "--force", opt], [opt])
    for v in BAD_SIZES:
        add(["format", img, "--force", "--journal-size", v],
            [v[:50]] if v.strip() else ["--journal-size"])
        add(["format", img, "--force", "--size", v],
            [v[:50]] if v.strip() else ["--size"])
    # well-formed numbers the layout rules refuse
    for v in ["1K", "100K", "33K", "4100K", "2M", "1000", "4095", "4063K"]:
        add(["format", img, "--force", "--journal-size", v], [v])
    for v in ["1K", "100K", "33K", "1023K", "1000", "4095", "4097K"]:
        add(["format", img, "--force", "--size", v], [v])
    for v in ["15M", "16M", "1G", "1T"]:     # more than the image holds
        add(["format", img, "--force", "--journal-size", v],
            ["too small"], "fail")
        add(["format", img, "--force", "--size", v], ["too small"], "fail")
    for v in BAD_NODE_IDS:
        add(["format", img, "--force", "--node-id", v],
            [v[:50]] if v.strip() else ["--node-id"])
    for v in BAD_UUIDS:
        add(["format", img, "--force", "--cluster-uuid", v],
            [v[:50]] if v else ["--cluster-uuid"])
    for v in ["", "0", "1024", "4096", "on", "OFF", "512x", "-512"]:
        add(["format", img, "--force", "--payload-align", v],
            ["--payload-align"])
    add(["format", img, "--force", "--payload-align"], ["--payload-align"])
    add(["format", img, "--j", "4M"], ["--j"])     # ambiguous prefix
    add(["format", img], ["--force"], "fail")        # holds jrbd already
    for opt in ("--from", "--count"):
        add(["dump", img, opt], [opt])
        for v in BAD_SEQS + (["0", "-0"] if opt == "--count" else []):
            add(["dump", img, opt, v], [v] if v.strip() else [opt])
    add(["dump", img, "--all=1"], ["--all"])
    add(["check", img, "--all"], ["--all"])
    add(["check", img, "--from", "1"], ["--from"])
    # paths that are no image
    fifo = os.path.join(d, "fifo")
    loop = os.path.join(d, "loop")
    dangling = os.path.join(d, "dangling")
    for p, f in ((fifo, os.mkfifo), (loop, lambda p: os.symlink(p, p)),
                 (dangling, lambda p: os.symlink(miss, p))):
        if not os.path.lexists(p):
            f(p)
    empty = os.path.join(d, "empty")
    open(empty, "w").close()
    paths = [(miss, "fail"), ("", "usage"), (d, "fail"), (d + "/", "fail"),
             ("/dev/null", "fail"), ("/dev/zero", "fail"), (fifo, "fail"),
             (loop, "fail"), (dangling, "fail"), (img + "/", "fail"),
             ("/" + "x" * 5000, "fail"), (os.path.join(d, "y" * 300), "fail"),
             (empty, "fail"), ("/proc/version", "fail")]
    for verb in ("format", "dump", "check"):
        for p, want in paths:
            argv = [verb, p] + (["--force"] if verb == "format" and
                                p in (empty, "/proc/version") else [])
            out.append(Case(argv, [p[:50] or "is empty"],
                            "check" if verb == "check" and want != "usage"
                            else want, (img, empty, d), "args"))
    # the module's verbs: wrong numbers of arguments (refused before the
    # module is touched, so this runs on the host too)
    for verb, (lo, hi) in MODULE_VERBS.items():
        for n in (lo - 1, hi + 1, hi + 3):
            if n >= 0 and (n < lo or n > hi):
                add([verb] + ["a%d" % i for i in range(n)], ["wrong number"])
    # random vectors from a pool: any answer, but no crash, no change,
    # and a word whenever it fails
    pool = ["format", "dump", "check", "help", "version", img, miss, d,
            "/dev/null", "--json", "-v", "--from", "--count", "--all",
            "--journal-size", "--size", "--node-id", "--cluster-uuid",
            "--bogus", "-", "--", "", "0", "1", "4M", "x" * 300, CLUSTER,
            "-1", "18446744073709551616", "\xff", "%s%s%n"]
    for _ in range(100 * scale):
        argv = [rng.choice(pool) for _ in range(rng.randint(1, 6))]
        if argv[0] in ("format", "dump", "check", "help", "version") or \
                rng.random() < 0.2:
            out.append(Case(argv, None, "any", (img, d), "args-random"))
    return out


# ---------------------------------------------------------------------
# Image files.

def super_fields(header):
    text = open(header).read()
    body = text[text.index("struct jrbd_super {"):]
    body = body[:body.index("};")]
    out = []
    for t, name, n, off in re.findall(
            r"(__le32|__le64|__u8)\s+(\w+)(?:\[(\d+)\])?;\s*/\*\s*"
            r"(0x[0-9a-f]+)", body):
        if name != "crc":
            out.append((name, int(off, 16),
                        {"__le32": 4, "__le64": 8}.get(t) or int(n)))
    return out


def reseal(b, base):
    struct.pack_into("<I", b, base + 0x1fc, crc32c(bytes(b[base:base + 0x1fc])))


def file_cases(r, d, base, rng, header, flips):
    """Run the image-file corpus; print the verdict lines."""
    data = open(base, "rb").read()
    f = os.path.join(d, "variant")

    def verbs(path, label, check_want="check", fmt=True, quick=False):
        res = {}
        for argv, want in ((["check", path], check_want),
                           (["check", "--json", path], check_want),
                           (["dump", path], "any"),
                           (["dump", "--json", "--all", path], "any"),
                           (["format", path], "fail")):
            if argv[0] == "format" and not fmt or \
                    quick and argv[:2] in (["check", "--json"], ["dump", path]):
                continue
            got = r.case(Case(argv, None if want == "any" else
                              ["PROBLEM", "not a jrbd device", "too small",
                               "superblock", "cannot", "--force"], want,
                              (path,), label))
            res[" ".join(argv[:-1])] = got
        return res

    def named(res, field):
        got = res.get("check")
        if got is None:
            return "FAILED"
        rc, out, err = got
        if rc == 0:
            return "accepted"
        text = (out + err).decode("utf-8", "replace").replace(f, "IMG")
        if "field %s " % field in text:
            return "refused (names it)"
        m = re.search(r"field (\w+)", text)
        if m:
            return "refused (%s)" % m.group(1)
        if "not a jrbd device" in text:
            return "refused (no magic)"
        m = re.search(r"PROBLEM @0x[0-9a-f]+: (.*)", text)
        return "refused (%s)" % (m.group(1)[:60] if m else text[:60])

    # truncated images, zero length, random bytes
    for n in (0, 100, 4095, 4096, 8192, 1 << 20, (1 << 20) + 3 * 32768 + 17,
              6 << 20, len(data) - 4096, len(data) - 1):
        with open(f, "wb") as fh:
            fh.write(data[:n])
        res = verbs(f, "files")
        got = res.get("check")
        print("truncated to %d bytes: check %s" % (
            n, "FAILED" if got is None else "exit %d" % got[0]))
    for n in (1, 4096, 8192, 6 << 20, len(data)):
        with open(f, "wb") as fh:
            fh.write(rng.randbytes(n))
        res = verbs(f, "files", fmt=n < (6 << 20))
        got = res.get("check")
        print("random %d bytes: check %s" % (
            n, "FAILED" if got is None else "exit %d" % got[0]))
    # the journal region random, both superblocks valid
    doff = struct.unpack_from("<Q", data, 0x68)[0]
    b = bytearray(data)
    b[1 << 20:doff] = rng.randbytes(doff - (1 << 20))
    with open(f, "wb") as fh:
        fh.write(b)
    res = verbs(f, "files", "any")
    got = res.get("check")
    print("random journal: check %s" % (
        "FAILED" if got is None else "exit %d" % got[0]))
    # each superblock field garbage, CRC recomputed: both slots, then A
    for field, off, size in super_fields(header):
        verdict = []
        for kind in ("zero", "ones", "pattern"):
            b = bytearray(data)
            for slot in (0, 4096):
                b[slot + off:slot + off + size] = \
                    b"\0" * size if kind == "zero" else \
                    b"\xff" * size if kind == "ones" else \
                    bytes((0x5a + 0x11 * i + slot // 4096) & 0xff
                          for i in range(size))
                reseal(b, slot)
            with open(f, "wb") as fh:
                fh.write(b)
            verdict.append("%s %s" % (kind, named(
                verbs(f, "superblock", "any", fmt=False, quick=True),
                field)))
        print("superblock %s: %s" % (field, ", ".join(verdict)))
    # random byte flips in the superblocks and the journal
    n = 0
    for i in range(flips):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            j = rng.randrange(doff) if rng.random() < 0.8 else \
                rng.randrange(8192)
            b[j] ^= 1 << rng.randrange(8)
        if rng.random() < 0.5:
            reseal(b, 0)
            reseal(b, 4096)
        with open(f, "wb") as fh:
            fh.write(b)
        for argv in (["check", f], ["dump", "--json", f]):
            if r.case(Case(argv, None, "any", (f,), "flips")) is not None:
                n += 1
    print("byte flips: %s" % ("every image handled" if n == 2 * flips
                              else "%d of %d runs clean" % (n, 2 * flips)))
    sys.stderr.write("byte flips: %d images\n" % flips)


# ---------------------------------------------------------------------
# The module's verbs on live devices (lab guest).

def device_cases(r, d, devs, disk):
    """Malformed requests to the live module; devs: existing device names,
    disk: a formatted backing device in use by devs[0]."""
    out = []

    def add(argv, say, want="fail"):
        out.append(Case(argv, say, want, (), "devices"))
    miss = os.path.join(d, "missing")
    names = ["", "-x", "a/b", "n" * 32, "n" * 5000, "\xe9", "%s%n",
             "missing"]
    views = ("info", "status", "table")
    for i, n in enumerate(names):
        add(["create", n, disk], [n[:50] or "name", "name"])
        add(["remove", n], [n[:50] or "name", "no jrbd device", "name"])
        add(["message", n, "checkpoint"],
            [n[:50] or "name", "no jrbd device", "name"])
        add([views[i % 3], n], [n[:50] or "name", "no jrbd device", "name"])
    for p in (miss, "", d, "/dev/null", "relative", "/" + "x" * 5000, disk):
        add(["create", "new0", p], [p[:50] or "''", "busy", "No such",
                                     "not a block"])
    add(["create", devs[0], disk], ["exists"])
    for m in ("", "Checkpoint", "x" * 5000, "%n"):
        add(["message", devs[0], m], ["unknown message", "too long"])
    add(["events", "--bogus"], ["usage"], "usage")
    add(["events", "now"], ["usage"], "usage")
    add(["--json", "create"], ["wrong number"], "usage")
    return out


def verb_cases(devs, free):
    """Every verb done right, in order (a device is made on free and
    removed at the end): under a sanitizer these must be clean too."""
    out = []
    for j in ([], ["--json"]):
        for argv in (["version"], ["ls"], ["info"], ["info", devs[0]],
                     ["status"], ["status", devs[0]], ["table"],
                     ["table", devs[1]], ["events", "--now"]):
            out.append(Case(j + argv, None, "ok", (), "verbs"))
    for argv in (["create", "fresh", free], ["message", "fresh", "checkpoint"],
                 ["status", "fresh"], ["remove", "fresh"], ["help"]):
        out.append(Case(argv, None, "ok", (), "verbs"))
    return out


def device_state(jrbdctl):
    p = subprocess.run([jrbdctl, "--json", "status"], capture_output=True)
    import json
    moving = {"reads", "bytes_read", "writes", "bytes_written", "flushes",
              "journal_writes", "ckpt_rounds", "ckpt_blocks", "space_waits",
              "fast_commits", "open_count"}
    return json.dumps([{k: v for k, v in x.items() if k not in moving}
                       for x in json.loads(p.stdout)], sort_keys=True)


# ---------------------------------------------------------------------

class Args:
    jrbdctl = None
    dir = None
    mkjournal = None
    seed = 1
    flips = 30
    valgrind = False
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "../../include/jrbd/jrbd_format.h")
    devices = ""
    disk = None
    free = None
    plain = None


def main(argv):
    a = Args()
    groups = []
    args = argv[1:]
    try:
        while args:
            o = args.pop(0)
            if o == "--jrbdctl":
                a.jrbdctl = args.pop(0)
            elif o == "--dir":
                a.dir = args.pop(0)
            elif o == "--mkjournal":
                a.mkjournal = args.pop(0)
            elif o == "--seed":
                a.seed = int(args.pop(0), 0)
            elif o == "--flips":
                a.flips = int(args.pop(0))
            elif o == "--valgrind":
                a.valgrind = True
            elif o == "--devices":
                a.devices = args.pop(0)
            elif o == "--disk":
                a.disk = args.pop(0)
            elif o == "--free":
                a.free = args.pop(0)
            elif o == "--plain":
                a.plain = args.pop(0)
            elif o in ("args", "files", "devices", "verbs"):
                groups.append(o)
            else:
                raise ValueError(o)
        if not a.jrbdctl or not a.dir or not groups:
            raise ValueError("missing")
    except (IndexError, ValueError):
        sys.stderr.write(__doc__)
        return 2
    rng = random.Random(a.seed)
    r = Runner(a)
    img = os.path.join(a.dir, "img")
    with open(img, "wb") as fh:
        fh.truncate(8 << 20)
    p = subprocess.run([a.jrbdctl, "format", img, "--force",
                        "--cluster-uuid", CLUSTER], capture_output=True)
    if p.returncode:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        print("ctlfuzz: cannot make the image")
        return 1
    a.plain = a.plain or a.jrbdctl
    if a.mkjournal:
        subprocess.run([a.mkjournal, "-q", img, "newterm", "writes:4:1",
                        "mark:snap-1", "writes:3:16", "write:7:2"],
                       check=True)
    base = os.path.join(a.dir, "base")
    shutil.copyfile(img, base)
    ok = True
    for g in groups:
        nfail = len(r.failures)
        nruns = r.runs
        sys.stderr.write("ctlfuzz %s (seed %d):\n" % (g, a.seed))
        if g == "args":
            for c in arg_cases(a.dir, img, rng, max(1, a.flips // 30)):
                r.case(c)
        elif g == "files":
            file_cases(r, a.dir, base, rng, a.header, a.flips)
        elif g == "devices":
            devs = a.devices.split(",")
            before = device_state(a.plain)
            for c in device_cases(r, a.dir, devs, a.disk):
                r.case(c)
                if device_state(a.plain) != before:
                    r.failures.append("devices: jrbdctl %s changed the "
                                      "devices" % " ".join(c.argv))
                    before = device_state(a.plain)
        elif g == "verbs":
            for c in verb_cases(a.devices.split(","), a.free):
                r.case(c)
                if c.argv[0] == "create":
                    subprocess.run(["udevadm", "settle"])
        bad = r.failures[nfail:]
        print("%s: %s" % (g, "every verb clean" if g == "verbs" and not bad
                          else "every case refused cleanly, nothing changed"
                          if not bad else "%d FAILED" % len(bad)))
        for x in bad:
            print("  FAIL %s" % x)
        sys.stderr.write("ctlfuzz %s: %d runs, %d failed\n" %
                         (g, r.runs - nruns, len(bad)))
        ok = ok and not bad
    sys.stderr.write("exit statuses: %s\n" % ", ".join(
        "%s: %d" % (k, v) for k, v in sorted(r.rcs.items(),
                                              key=lambda x: str(x[0]))))
    shutil.rmtree(r.san, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
