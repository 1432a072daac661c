#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
r"""nlfuzz: a seeded fuzzer for the jrbd generic netlink family.

Test tool only, never installed.  Raw AF_NETLINK like nlprobe.py (whose
helpers it imports), numbers from include/jrbd/jrbd_genl.h.  Each step
sends one datagram -- a valid request with random arguments, a mutated
one, a random command with random attributes, raw garbage -- or (as
root) does a side action on the devices: write and read back data,
hold one open, format or wipe a scratch disk.  After every step it
checks, from outside:

  * the kernel's verdict: a request the family's strict policy, the
    command table (required/accepted attributes), the name and path
    rules or the caller's capabilities must refuse is never accepted;
    a valid request on a known state gets the answer the state implies
    (EEXIST, EBUSY, ENODEV, or success);
  * nothing changed on a refused request: the GET_DEV dump (every field
    except the counters and indexes that background work moves; those
    may only grow), no event on the "events" group, and the checksum of
    every free scratch disk the request named;
  * an accepted request did what it says: CREATE adds exactly the named
    device on that path (reply, dump and EV_CREATED agree), REMOVE
    takes exactly it away (EV_REMOVED), MESSAGE checkpoint leaves no
    pending entry (EV_CHANGED); data written through /dev/jrbdN reads
    back, also after remove and create;
  * a dump lists every device once, also across several parts (the
    state socket reads with a 4 KiB buffer, so a dump of five or more
    devices needs several); GET_INFO's device count matches it.

    nlfuzz.py --disk PATH... [--seed N] [--seconds S | --count N]
              [--mode root|nobody|netadmin] [--jrbdctl PATH] [--header H]
              [--controls]

--disk names scratch block devices the fuzzer may format, wipe and hand
to CREATE (root mode; everything on them is lost).  In the unprivileged
modes (run it under setpriv) no disk is touched: every mutating request
must be refused -- EPERM for nobody -- and the device list must not
change at all.  The seed is printed first; --seed S --count N replays a
run (from the same starting devices).  Figures go to stderr; the last
stdout line is "nlfuzz MODE: ok" or the first failure, exit 0 or 1.

--controls (root) first makes the negative controls: a change behind
the fuzzer's back (a write to a free disk; one hidden from the block
layer's counters; a device created, one checkpointed through another
socket) must each be reported by the checks, naming it; one line each
on stdout.  Then the state as it is becomes the starting point.
"""
import errno
import hashlib
import mmap
import os
import random
import re
import select
import socket
import stat
import struct
import subprocess
import sys
import time
from collections import Counter

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlprobe  # noqa: E402  (raw netlink helpers and the header parser)
from nlprobe import (NETLINK_GENERIC, SOL_NETLINK, NETLINK_EXT_ACK,  # noqa: E402
                     NETLINK_CAP_ACK, NLM_F_REQUEST, NLM_F_MULTI,
                     NLM_F_ACK, NLM_F_DUMP, NLM_F_ROOT, NLM_F_MATCH,
                     NLMSG_ERROR, NLMSG_DONE, NLMSGERR_ATTR_MSG,
                     NLM_F_ACK_TLVS, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                     CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, NLA_F_NESTED,
                     align4, nla, parse_attrs)

NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3fff
NETLINK_ADD_MEMBERSHIP = 1
CTRL_CMD_GETPOLICY = 10
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
CTRL_ATTR_OP = 10
NLMSG_MIN_TYPE = 0x10
BLOCK = 4096

# Device fields a request that is refused must leave exactly as they were
# (the rest are counters and indexes moved by the background commit and
# checkpoint work, and the open count, which udev's probes move).
STABLE = ("DEV_NAME", "BACKING_PATH", "MINOR", "SIZE", "STATE", "ERROR",
          "NODE_ID", "TERM", "DEV_UUID", "CLUSTER_UUID", "JOURNAL_BLOCKS",
          "NEXT_INDEX", "REC_ENTRIES", "REC_BYTES", "REC_USECS", "REC_STOP")
# Fields that may only grow between two snapshots.
GROWING = ("WRITTEN_INDEX", "DURABLE_INDEX", "COMMIT_INDEX",
           "CHECKPOINT_INDEX", "TAIL_SEQ", "READS", "WRITES", "FLUSHES",
           "BYTES_READ", "BYTES_WRITTEN", "JOURNAL_WRITES", "CKPT_ROUNDS",
           "CKPT_BLOCKS", "SPACE_WAITS", "FAST_COMMITS")
NAME_CHARS = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "0123456789._-")
MAGIC = None        # superblock magic, from include/jrbd/jrbd_format.h


class Failure(Exception):
    pass


def errname(code):
    return (nlprobe.ERRNAMES.get(code) or errno.errorcode.get(code)
            or "E%d" % code)


def cstr(b):
    """What the kernel's C code sees of a string attribute."""
    return b.split(b"\0", 1)[0]


# ---------------------------------------------------------------------
# The family table, from the header both sides compile.

class Spec:
    def __init__(self, path):
        text = open(path).read().replace("\\\n", " ")
        m = re.search(r"#define JRBD_GENL_ATTRS\(A\)(.*)", text)
        self.attrs = {}                 # number -> (name, nla type, len)
        for i, (n, t, ln) in enumerate(re.findall(
                r"\bA\((\w+),\s*(\w+),\s*(\d+),", m.group(1)), 1):
            self.attrs[i] = (n, t, int(ln))
        self.anum = {v[0]: k for k, v in self.attrs.items()}
        self.amax = len(self.attrs)
        m = re.search(r"#define JRBD_GENL_CMDS\(C\)(.*)", text)
        flags = {"JRBD_GENL_ADMIN": 1, "JRBD_GENL_DUMP": 2,
                 "JRBD_GENL_NOTIFY": 4, "0": 0}
        self.cmds = {}                  # number -> (name, flags, req, opt)
        for i, (n, f, req, opt) in enumerate(re.findall(
                r"\bC\((\w+),\s*([\w|\s]+?),\s*([^,]+),\s*([^,]+),",
                m.group(1)), 1):
            fl = 0
            for w in f.split("|"):
                fl |= flags[w.strip()]
            self.cmds[i] = (n, fl, self._mask(req), self._mask(opt))
        self.cnum = {v[0]: k for k, v in self.cmds.items()}
        # The same numbering as nlprobe's table (one parser of record).
        a, c = nlprobe.read_table(path)
        if a != self.anum or c != self.cnum:
            raise SystemExit("nlfuzz: cannot parse the table in %s" % path)

    def _mask(self, expr):
        return {n for n in re.findall(r"JRBD_AM\((\w+)\)", expr)}

    def requests(self):
        """Commands a request may name (not the notification-only ones)."""
        return [c for c, v in self.cmds.items() if not v[1] & 4]


# ---------------------------------------------------------------------
# Building messages.

def nlmsg(mtype, flags, seq, payload, length=None):
    n = 16 + len(payload)
    return struct.pack("<IHHII", n if length is None else length, mtype,
                       flags, seq, 0) + payload


def genl(cmd, attrs=b"", version=1, reserved=0):
    return struct.pack("<BBH", cmd, version, reserved) + attrs


def attr(atype, payload, flags=0):
    return nla(atype | flags, payload)


# ---------------------------------------------------------------------
# What the kernel must do with a datagram: netlink_rcv_skb(), genl and
# strict policy validation (lib/nlattr.c), then jrbd's own checks.

class Verdict:
    def __init__(self, seq, kind, why="", cmd=None, tb=None, dump=False,
                 flags=0):
        self.seq = seq
        self.kind = kind        # drop | ignore | reject | valid
        self.why = why
        self.cmd = cmd
        self.tb = tb or {}      # attribute number -> payload (last wins)
        self.dump = dump
        self.flags = flags


def parse_strict(spec, data):
    """(tb, None) or (None, reason): __nla_validate_parse, strict."""
    tb = {}
    off, rem = 0, len(data)
    while rem >= 4:
        ln, t = struct.unpack_from("<HH", data, off)
        if ln < 4 or ln > rem:
            break
        typ = t & NLA_TYPE_MASK
        pl = data[off + 4:off + ln]
        if typ == 0 or typ > spec.amax:
            return None, "attribute type %d unknown" % typ
        name, ntype, maxlen = spec.attrs[typ]
        if t & NLA_F_NESTED:
            return None, "%s has NLA_F_NESTED" % name
        if ntype == "NLA_UNSPEC":
            return None, "%s is NLA_UNSPEC" % name
        if ntype == "NLA_U32" and len(pl) != 4:
            return None, "%s: u32 of %d bytes" % (name, len(pl))
        if ntype == "NLA_U64" and len(pl) != 8:
            return None, "%s: u64 of %d bytes" % (name, len(pl))
        if ntype == "NLA_NUL_STRING":
            minlen = min(len(pl), maxlen + 1) if maxlen else len(pl)
            if minlen == 0 or b"\0" not in pl[:minlen]:
                return None, "%s: no NUL within %d bytes" % (name, maxlen + 1)
            n = len(pl) - 1 if pl[-1:] == b"\0" else len(pl)
            if maxlen and n > maxlen:
                return None, "%s: %d bytes > %d" % (name, n, maxlen)
        tb[typ] = pl
        off += align4(ln)
        rem -= align4(ln)
    if rem > 0:
        return None, "%d bytes after the attributes" % rem
    return tb, None


def name_ok(b):
    """jrbd's rule: 1-31 of [A-Za-z0-9._-], starting with a letter/digit."""
    if not b or len(b) > 31 or not chr(b[0]).isascii() \
            or not chr(b[0]).isalnum():
        return False
    return all(chr(c) in NAME_CHARS for c in b)


def judge_msg(spec, fam, caps, seq, mtype, flags, body):
    if not flags & NLM_F_REQUEST:
        return Verdict(seq, "ignore", "not a request")
    if mtype < NLMSG_MIN_TYPE:
        return Verdict(seq, "ignore", "control message")
    if mtype != fam:
        # Only nlctrl's read-only requests and free ids are ever sent.
        return Verdict(seq, "other", "type %#x" % mtype)
    if len(body) < 4:
        return Verdict(seq, "reject", "no genl header")
    cmd = body[0]
    dump = flags & NLM_F_DUMP == NLM_F_DUMP
    if cmd not in spec.cmds or spec.cmds[cmd][1] & 4:
        return Verdict(seq, "reject", "command %d is not a request" % cmd)
    cname, cfl, req, opt = spec.cmds[cmd]
    if dump and not cfl & 2:
        return Verdict(seq, "reject", "%s has no dump" % cname, cmd,
                       dump=True)
    if cfl & 1 and caps != "root":
        return Verdict(seq, "reject", "%s needs CAP_SYS_ADMIN" % cname, cmd,
                       dump=dump)
    tb, why = parse_strict(spec, body[4:])
    if tb is None:
        return Verdict(seq, "reject", why, cmd, dump=dump)
    names = {spec.attrs[a][0] for a in tb}
    bad = names - req - opt
    if bad:
        return Verdict(seq, "reject", "%s does not take %s" %
                       (cname, ",".join(sorted(bad))), cmd, dump=dump)
    if not dump and req - names:
        return Verdict(seq, "reject", "%s needs %s" %
                       (cname, ",".join(sorted(req - names))), cmd)
    A = spec.anum
    if not dump:
        if cname == "CREATE":
            if not name_ok(cstr(tb[A["DEV_NAME"]])):
                return Verdict(seq, "reject", "bad name", cmd, tb)
            if cstr(tb[A["BACKING_PATH"]])[:1] != b"/":
                return Verdict(seq, "reject", "relative path", cmd, tb)
        if cname == "GET_DEV" and A["DEV_NAME"] not in tb:
            return Verdict(seq, "reject", "GET_DEV without a name", cmd, tb)
        if cname == "MESSAGE" and cstr(tb[A["MESSAGE"]]) != b"checkpoint":
            return Verdict(seq, "reject", "unknown message", cmd, tb)
    return Verdict(seq, "valid", "", cmd, tb, dump, flags)


def judge(spec, fam, caps, buf):
    """The messages netlink_rcv_skb() would take from this datagram."""
    out = []
    off = 0
    while len(buf) - off >= 16:
        ln, ty, fl, seq, _ = struct.unpack_from("<IHHII", buf, off)
        if ln < 16 or ln > len(buf) - off:
            out.append(Verdict(seq, "drop", "nlmsg_len %d" % ln))
            break
        out.append(judge_msg(spec, fam, caps, seq, ty, fl,
                             buf[off + 16:off + ln]))
        msglen = min(align4(ln), len(buf) - off)
        off += msglen
    if not out:
        out.append(Verdict(None, "drop", "%d bytes" % len(buf)))
    return out


# ---------------------------------------------------------------------
# Sockets.

class Answer:
    def __init__(self):
        self.msgs = []          # (type, flags, body) before the end
        self.code = None        # 0 ok, <0 error, None no end seen
        self.extack = None
        self.done = False       # NLMSG_DONE rather than NLMSG_ERROR

    def outcome(self):
        if self.code is None:
            return "reply" if self.msgs else "none"
        return "ok" if self.code == 0 else errname(-self.code)


class Conn:
    def __init__(self, bufsize, ext_ack=True):
        self.bufsize = bufsize
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        if ext_ack:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)

    def recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        data, _, fl, _ = self.sock.recvmsg(self.bufsize)
        if fl & socket.MSG_TRUNC:
            raise Failure("a reply did not fit %d bytes" % self.bufsize)
        return data

    def drain(self):
        while self.recv(0) is not None:
            pass

    def exchange(self, buf, ping=None, timeout=30.0):
        """Send buf, then a ping (a request with NLM_F_ACK); answers by
        sequence number, the ping's reply messages in .ping_reply.

        The kernel handles a datagram inside sendmsg(), so everything it
        answers is queued before the ping's answer, except the later
        parts of a dump, which follow as we read.  Without a ping, buf
        is one dump request: read until its end."""
        answers = {}
        self.ping_reply = []
        self.send_err = None
        try:
            self.sock.sendto(buf, (0, 0))
        except OSError as e:
            # refused whole at the socket (6.12: an empty datagram is
            # ENODATA); nothing was handed to the family
            self.send_err = errname(e.errno)
        if ping is not None:
            self.sock.sendto(ping, (0, 0))
            pseq = struct.unpack_from("<I", ping, 8)[0]
            got_ping = False
        else:
            pseq = None
            got_ping = True
            answers[struct.unpack_from("<I", buf, 8)[0]] = Answer()
        deadline = time.monotonic() + timeout
        while True:
            open_dumps = [s for s, a in answers.items()
                          if a.code is None and (pseq is None or any(
                              f & NLM_F_MULTI for _, f, _ in a.msgs))]
            if got_ping and not open_dumps:
                return answers
            left = deadline - time.monotonic()
            data = self.recv(max(left, 0)) if left > 0 else None
            if data is None:
                raise Failure("no end of the answer within %.0f s "
                              "(open dumps: %s)" % (timeout, open_dumps))
            for ty, fl, seq, body in split(data):
                if seq == pseq and ty == NLMSG_ERROR:
                    got_ping = True
                    continue
                if seq == pseq:
                    self.ping_reply.append(body)
                    continue
                a = answers.setdefault(seq, Answer())
                if ty == NLMSG_ERROR or ty == NLMSG_DONE:
                    a.code = struct.unpack_from("<i", body)[0] \
                        if len(body) >= 4 else 0
                    a.done = ty == NLMSG_DONE
                    if ty == NLMSG_ERROR and fl & NLM_F_ACK_TLVS:
                        t = parse_attrs(body[4 + 16:])
                        if NLMSGERR_ATTR_MSG in t:
                            a.extack = t[NLMSGERR_ATTR_MSG].rstrip(b"\0")
                else:
                    a.msgs.append((ty, fl, body))


def split(data):
    off = 0
    while off + 16 <= len(data):
        ln, ty, fl, seq, _ = struct.unpack_from("<IHHII", data, off)
        if ln < 16:
            break
        yield ty, fl, seq, data[off + 16:off + ln]
        off += align4(ln)


def resolve(conn, name):
    """Family id and multicast groups through nlctrl, and every family id
    in use (random message types avoid them)."""
    def ctrl(seq, flags, at=b""):
        return nlmsg(GENL_ID_CTRL, NLM_F_REQUEST | flags, seq,
                     genl(CTRL_CMD_GETFAMILY, at))
    ping = ctrl(3, NLM_F_ACK, attr(CTRL_ATTR_FAMILY_NAME, b"nlctrl\0"))
    ans = conn.exchange(ctrl(1, NLM_F_ACK, attr(CTRL_ATTR_FAMILY_NAME,
                                                name.encode() + b"\0")), ping)
    fam, groups = None, {}
    for _, _, body in ans.get(1, Answer()).msgs:
        a = parse_attrs(body[4:])
        if CTRL_ATTR_FAMILY_ID in a:
            fam = struct.unpack("<H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        for g in parse_attrs(a.get(CTRL_ATTR_MCAST_GROUPS, b"")).values():
            ga = parse_attrs(g)
            groups[ga[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                struct.unpack("<I", ga[CTRL_ATTR_MCAST_GRP_ID])[0]
    ids = set()
    for _, _, body in conn.exchange(ctrl(2, NLM_F_DUMP), ping).get(
            2, Answer()).msgs:
        a = parse_attrs(body[4:])
        if CTRL_ATTR_FAMILY_ID in a:
            ids.add(struct.unpack("<H", a[CTRL_ATTR_FAMILY_ID][:2])[0])
    return fam, groups, ids


# ---------------------------------------------------------------------
# Block devices CREATE may be given, and the data written through jrbd.

class Disk:
    """A scratch disk, or a jrbd device another one may stack on."""

    def __init__(self, path, rdev, jrbd=None):
        self.path = path        # str
        self.rdev = rdev
        self.jrbd = jrbd        # the jrbd device this is, or None
        self.formatted = None   # True, False or None (unknown)
        self.wr = None          # write counters while free (scratch only)
        self.fresh = False      # wr taken the step it became free
        self.copy = None        # contents while free, taken lazily
        self.data = {}          # lba -> digest of what jrbd was given


def digest(b):
    return hashlib.blake2b(b, digest_size=16).digest()


STAT_FDS = {}


def disk_writes(rdev):
    """Write and discard requests and sectors the block layer counted
    for a device (Documentation/block/stat.rst): any change of its
    contents moves them."""
    fd = STAT_FDS.get(rdev)
    if fd is None:
        fd = STAT_FDS[rdev] = os.open("/sys/dev/block/%d:%d/stat" % (
            os.major(rdev), os.minor(rdev)), os.O_RDONLY)
    v = [int(x) for x in os.pread(fd, 4096, 0).split()]
    return (v[4], v[6]) + tuple(v[11:12] + v[13:14])


def disk_read(path):
    """A whole block device, read with O_DIRECT: the page cache of a
    device jrbd wrote with bios may be stale.  (A copy, not a checksum:
    under TCG hashing costs more than reading.)"""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        buf = mmap.mmap(-1, size)
        view = memoryview(buf)
        off = 0
        while off < size:
            n = os.preadv(fd, [view[off:off + (4 << 20)]], off)
            if n <= 0:
                raise Failure("%s: short read at %d" % (path, off))
            off += n
        out = bytes(view)
        view.release()
        buf.close()
        return out
    finally:
        os.close(fd)


# ---------------------------------------------------------------------
# The fuzzer.

class Fuzzer:
    def __init__(self, args):
        self.a = args
        self.spec = Spec(args.header)
        self.caps = args.mode
        self.rng = random.Random(args.seed)
        self.big = Conn(65536)
        self.small = Conn(4096, ext_ack=False)      # dumps come in parts
        self.fam, groups, self.ids = resolve(self.big, "jrbd")
        if self.fam is None:
            raise Failure("family jrbd not found (module not loaded?)")
        self.ev = Conn(65536)
        self.ev.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                                groups["events"])
        self.A = self.spec.anum
        self.C = self.spec.cnum
        self.seq = 0x10000
        self.stats = Counter()
        self.replies = Counter()        # (command, outcome) -> count
        self.trace = []                 # the last datagrams sent
        self.disks = {}                 # rdev -> Disk
        self.held = {}                  # device name -> fd we keep open
        self.udev_dirty = False
        self.rot = 0
        self.backing_rdev = {}
        self.state = self.snapshot()
        self.major = self.info["MAJOR"]
        for p in args.disk:
            d = Disk(p, os.stat(p).st_rdev)
            self.disks[d.rdev] = d
        users = self.users()
        for d in self.scratch():
            if d.rdev not in users:
                d.formatted = self.probe_format(d)
                self.baseline(d)
        for n, v in self.state.items():
            self.add_jrbd_disk(n, v)
        self.events()

    # -- helpers ------------------------------------------------------
    def next_seq(self):
        self.seq += 1
        return self.seq

    def ping(self, avoid=()):
        seq = self.next_seq()
        while seq in avoid:
            seq = self.next_seq()
        return nlmsg(self.fam, NLM_F_REQUEST | NLM_F_ACK, seq,
                     genl(self.C["GET_INFO"]))

    def cname(self, v):
        if v.cmd is None:
            return v.kind
        return self.spec.cmds.get(v.cmd, ("cmd%d" % v.cmd,))[0]

    def vname(self, v):
        return cstr(v.tb.get(self.A["DEV_NAME"], b"")).decode("latin-1")

    def rdev_of(self, path):
        if isinstance(path, str):
            path = path.encode("latin-1")
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        return st.st_rdev if stat.S_ISBLK(st.st_mode) else None

    def jrbd_path(self, name):
        return "/dev/jrbd%d" % self.state[name]["MINOR"]

    def add_jrbd_disk(self, name, dev):
        d = Disk("/dev/jrbd%d" % dev["MINOR"],
                 os.makedev(self.major, dev["MINOR"]), name)
        self.disks[d.rdev] = d

    def scratch(self):
        return [d for d in self.disks.values() if d.jrbd is None]

    def disk_of(self, name, state=None):
        return self.disks.get(self.backing((state or self.state)[name]))

    def backing(self, dev):
        """rdev of a device's backing path (a device node does not
        change its number while in use: remembered)."""
        p = dev["BACKING_PATH"]
        r = self.backing_rdev.get(p)
        if r is None:
            r = self.rdev_of(p)
            if r is not None:
                self.backing_rdev[p] = r
        return r

    def users(self):
        """rdev of each backing device -> the jrbd device holding it."""
        return {self.backing(v): n for n, v in self.state.items()}

    def stacked(self, state):
        """Devices of state that another device of state stands on."""
        used = {self.backing(v) for v in state.values()}
        return {n for n, v in state.items()
                if os.makedev(self.major, v["MINOR"]) in used}

    def held_devs(self):
        """Devices REMOVE must refuse: open here, or stacked on."""
        u = self.users()
        return set(self.held) | {d.jrbd for d in self.disks.values()
                                 if d.jrbd and d.rdev in u}

    def probe_format(self, d):
        """True: jrbdctl check finds it clean; False: no superblock magic
        (what CREATE refuses first); None: something in between."""
        fd = os.open(d.path, os.O_RDONLY | os.O_DIRECT)
        try:
            buf = mmap.mmap(-1, 2 * BLOCK)
            os.preadv(fd, [buf], 0)
        finally:
            os.close(fd)
        if MAGIC not in (buf[0:4], buf[BLOCK:BLOCK + 4]):
            return False
        p = subprocess.run([self.a.jrbdctl, "check", d.path],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return True if p.returncode == 0 else None

    def settle(self):
        if self.udev_dirty:
            subprocess.run(["udevadm", "settle", "--timeout=30"],
                           check=False)
            self.udev_dirty = False

    # -- state --------------------------------------------------------
    def snapshot(self, info=None):
        """Every device, from a GET_DEV dump read in 4 KiB parts, checked
        against GET_INFO (info: the body of a GET_INFO reply just
        received, else one is asked for) and for consistent indexes."""
        seq = self.next_seq()
        req = nlmsg(self.fam, NLM_F_REQUEST | NLM_F_DUMP, seq,
                    genl(self.C["GET_DEV"]))
        a = self.small.exchange(req).get(seq)
        if a is None or a.code != 0:
            raise Failure("GET_DEV dump failed: %s" %
                          (a.outcome() if a else "no answer"))
        devs = {}
        for _, _, body in a.msgs:
            f = self.fields(body)
            if f["DEV_NAME"] in devs:
                raise Failure("the dump lists %r twice" % f["DEV_NAME"])
            devs[f["DEV_NAME"]] = f
        if info is None:
            seq = self.next_seq()
            req = nlmsg(self.fam, NLM_F_REQUEST | NLM_F_ACK, seq,
                        genl(self.C["GET_INFO"]))
            a = self.big.exchange(req, self.ping()).get(seq)
            if a is None or a.code != 0 or not a.msgs:
                raise Failure("GET_INFO failed")
            info = a.msgs[0][2]
        self.info = self.fields(info)
        if self.info["DEV_COUNT"] != len(devs):
            raise Failure("GET_INFO counts %d devices, the dump lists %s" %
                          (self.info["DEV_COUNT"], sorted(devs)))
        for n, f in devs.items():
            if not (f["CHECKPOINT_INDEX"] <= f["COMMIT_INDEX"] <=
                    f["DURABLE_INDEX"] <= f["WRITTEN_INDEX"] <
                    f["NEXT_INDEX"]) or \
                    f["PENDING_ENTRIES"] != \
                    f["NEXT_INDEX"] - 1 - f["CHECKPOINT_INDEX"] or \
                    f["JOURNAL_USED"] > f["JOURNAL_BLOCKS"]:
                raise Failure("%r: inconsistent indexes %s" % (n, {
                    k: f[k] for k in (
                        "NEXT_INDEX", "WRITTEN_INDEX", "DURABLE_INDEX",
                        "COMMIT_INDEX", "CHECKPOINT_INDEX",
                        "PENDING_ENTRIES", "JOURNAL_USED",
                        "JOURNAL_BLOCKS")}))
            if f["STATE"] != "live" or f["ERROR"]:
                raise Failure("%r is %s (error %d)" %
                              (n, f["STATE"], f["ERROR"]))
        return devs

    def fields(self, body):
        out = {}
        for t, v in parse_attrs(body[4:]).items():
            if t not in self.spec.attrs:
                continue
            name, ntype, _ = self.spec.attrs[t]
            if ntype == "NLA_U32":
                out[name] = struct.unpack("<I", v[:4])[0]
            elif ntype == "NLA_U64":
                out[name] = struct.unpack("<Q", v[:8])[0]
            elif ntype == "NLA_NUL_STRING":
                out[name] = cstr(v).decode("latin-1")
        return out

    def events(self):
        """(event, device) of every notification since the last call."""
        out = []
        while True:
            data = self.ev.recv(0)
            if data is None:
                return out
            for ty, _, _, body in split(data):
                if ty == self.fam:
                    out.append((self.spec.cmds.get(body[0], ("?",))[0],
                                self.fields(body).get("DEV_NAME")))

    def compare(self, old, new, exp):
        """new must be old changed only as exp says."""
        want = set(old) - {exp.get("gone")}
        if exp.get("add"):
            want.add(exp["add"][0])
        if set(new) != want:
            raise Failure("devices %s, expected %s" %
                          (sorted(new), sorted(want)))
        # a device another one stands on gets that one's writes
        moved = set(exp.get("moved", ())) | self.stacked(old) | \
            self.stacked(new)
        for n in set(old) & set(new):
            o, v = old[n], new[n]
            for k in STABLE:
                if k == "NEXT_INDEX" and n in moved:
                    continue
                if o.get(k) != v.get(k):
                    raise Failure("%r: %s changed from %r to %r" %
                                  (n, k, o.get(k), v.get(k)))
            for k in GROWING + ("NEXT_INDEX",):
                if v[k] < o[k]:
                    raise Failure("%r: %s went back from %d to %d" %
                                  (n, k, o[k], v[k]))

    # -- generators ---------------------------------------------------
    def rand_name(self):
        r = self.rng
        n = r.choice([1, 2, 3, 5, 8, 16, 31, r.randint(1, 31)])
        s = r.choice("abcdefghijklmnopqrstuvwxyz0123456789ABCZ")
        s += "".join(r.choice(NAME_CHARS) for _ in range(n - 1))
        return s.encode()

    def bad_name(self):
        r = self.rng
        return r.choice([b"", b"-x", b".", b"..", b"_a", b"a/b", b"a b",
                         b"a\nb", b"n" * 32, b"\xc3\xa9t\xc3\xa9",
                         b"d\xe9", b"\xc0\xc1", bytes([r.randint(1, 255)]),
                         bytes(r.randint(1, 255) for _ in range(
                             r.randint(1, 31)))])

    def path_variant(self, path):
        """The same device under another spelling."""
        p = path.encode()
        k = self.rng.randrange(8)
        if k == 1:
            p = p.replace(b"/dev/", b"/dev//")
        elif k == 2:
            p = p.replace(b"/dev/", b"/dev/./")
        elif k == 3:
            p = p.replace(b"/dev/", b"/dev/../dev/")
        elif k == 4:
            p = b"/" + p
        elif k == 5:    # long, so that dump messages vary in size
            p = p.replace(b"/dev/", b"/dev/" + b"./" * self.rng.randint(
                1, (250 - len(p)) // 2))
        return p

    def bad_path(self):
        r = self.rng
        d = r.choice(list(self.disks.values())).path.encode() \
            if self.disks else b"/dev/vda"
        return r.choice([b"", b"dev/vda", d[1:], d + b"/", b"/dev/null",
                         b"/dev/zero", b"/", b"/tmp", b"/nonexistent",
                         b"/dev/jrbd999", b"/proc/self/exe", b"/" * 255,
                         b"/dev/" + b"x" * 250, b"\xff\xfe"])

    def rand_payload(self, atype):
        """Right or wrong bytes for an attribute type."""
        r = self.rng
        ntype, maxlen = self.spec.attrs[atype][1:] \
            if 1 <= atype <= self.spec.amax else ("NLA_U32", 0)
        k = r.randrange(12)
        if k == 0:
            return b""
        if k == 1:
            return r.randbytes(r.choice([1, 2, 3, 5, 7, 8, 9, 16]))
        if k == 2:
            return struct.pack("<I", r.getrandbits(32))
        if k == 3:
            return struct.pack("<Q", r.getrandbits(64))
        if k == 4:      # oversized, or just at the limit
            n = r.choice([maxlen, maxlen + 1, maxlen + 2, 256, 4000,
                          r.randint(1, 60000)])
            return b"s" * n + (b"\0" if r.random() < 0.5 else b"")
        if k == 5:      # a string without its NUL
            return r.choice([b"d0", b"checkpoint", b"/dev/vda",
                             self.rand_name()])
        if k == 6:      # NUL inside, garbage after
            return self.rand_name() + b"\0" + r.randbytes(r.randint(1, 8))
        if k == 7:      # nested garbage
            return b"".join(attr(r.randint(0, 40),
                                 r.randbytes(r.randint(0, 12)))
                            for _ in range(r.randint(1, 4)))
        if k == 8:
            return r.randbytes(r.randint(1, 300))
        if ntype == "NLA_U32":
            return struct.pack("<I", r.choice([0, 1, 5, 0xffffffff]))
        if ntype == "NLA_U64":
            return struct.pack("<Q", r.choice([0, 1, 1 << 63, (1 << 64) - 1]))
        return r.choice([b"d0\0", b"checkpoint\0", b"/dev/vda\0",
                         self.rand_name() + b"\0", b"\0"])

    def rand_attrs(self):
        r = self.rng
        out = b""
        for _ in range(r.choice([0, 1, 1, 2, 2, 3, 4, 8])):
            t = r.choice([self.A["DEV_NAME"], self.A["BACKING_PATH"],
                          self.A["MESSAGE"], r.randint(1, self.spec.amax),
                          0, self.spec.amax + r.randint(1, 5), 0x3fff])
            fl = 0
            if r.random() < 0.06:
                fl |= NLA_F_NESTED
            if r.random() < 0.03:
                fl |= NLA_F_NET_BYTEORDER
            pl = self.rand_payload(t)
            if len(out) + len(pl) > 65000:
                break
            out += attr(t, pl, fl)
        return out

    def rand_flags(self):
        r = self.rng
        fl = NLM_F_REQUEST
        if r.random() < 0.85:
            fl |= NLM_F_ACK
        k = r.random()
        if k < 0.15:
            fl |= NLM_F_DUMP
        elif k < 0.2:
            fl |= r.choice([NLM_F_ROOT, NLM_F_MATCH])
        if r.random() < 0.05:
            fl |= r.getrandbits(16)
        if r.random() < 0.03:
            fl &= ~NLM_F_REQUEST
        return fl

    def rand_type(self):
        """A message type: ours, a netlink control type, or a free id."""
        r = self.rng
        free = r.randint(0x11, 0xffff)
        while free in self.ids:
            free = r.randint(0x11, 0xffff)
        return r.choice([r.randint(0, 15), free, self.fam, self.fam])

    def expected(self, msg):
        """What a valid request must get in the state we know."""
        v = judge(self.spec, self.fam, self.caps, msg)[0]
        cname = self.cname(v)
        if v.kind == "reject":
            admin = v.cmd in self.spec.cmds and self.spec.cmds[v.cmd][1] & 1
            return "EPERM" if self.caps == "nobody" and admin else "error"
        name = self.vname(v)
        if cname == "CREATE":
            if name in self.state:
                return "EEXIST"
            rd = self.rdev_of(cstr(v.tb[self.A["BACKING_PATH"]]))
            d = self.disks.get(rd)
            if rd is None:
                return "error"
            if d is None:
                return None
            if rd in self.users():
                return "EBUSY"
            return {True: "ok", False: "error", None: None}[d.formatted]
        if cname == "REMOVE":
            if name not in self.state:
                return "ENODEV"
            return "EBUSY" if name in self.held_devs() else "ok"
        if cname in ("MESSAGE", "GET_DEV") and not v.dump:
            return "ok" if name in self.state else "ENODEV"
        return "ok"

    def valid_request(self):
        """A well-formed request with random arguments (some of them
        refused by the rules), and the answer the state implies."""
        r = self.rng
        A, C = self.A, self.C
        names = sorted(self.state)
        fl = NLM_F_REQUEST | (NLM_F_ACK if r.random() < 0.9 else 0)
        seq = self.next_seq()

        def pick_name(p):
            if names and r.random() < p:
                return r.choice(names).encode("latin-1")
            return self.bad_name() if r.random() < 0.1 else self.rand_name()

        def s(atype, value):
            return attr(A[atype], value + b"\0")
        k = r.choice(["create"] * 5 + ["remove"] * 3 + ["message"] * 2 +
                     ["getdev", "dump", "info", "policy"])
        if k == "create":
            users = self.users()
            disks = list(self.disks.values())
            free = [d for d in disks if d.rdev not in users]
            if not disks or r.random() < 0.1:
                path = self.bad_path()
            else:
                path = self.path_variant((r.choice(free) if free and
                                          r.random() < 0.8 else
                                          r.choice(disks)).path)
            if r.random() < 0.05:
                path += b"\0" + r.randbytes(3)
            body = genl(C["CREATE"], s("DEV_NAME", pick_name(0.15)) +
                        s("BACKING_PATH", path))
        elif k == "remove":
            body = genl(C["REMOVE"], s("DEV_NAME", pick_name(0.85)))
        elif k == "message":
            body = genl(C["MESSAGE"], s("DEV_NAME", pick_name(0.85)) +
                        s("MESSAGE", b"checkpoint" if r.random() < 0.9
                          else r.choice([b"", b"Checkpoint", b"sync"])))
        elif k == "getdev":
            body = genl(C["GET_DEV"], s("DEV_NAME", pick_name(0.8)))
        elif k == "dump":
            fl |= NLM_F_DUMP
            body = genl(C["GET_DEV"], s("DEV_NAME", pick_name(0.8))
                        if r.random() < 0.3 else b"")
        elif k == "policy":
            # nlctrl exports the family's policy: read-only, but it walks
            # the policy table the module registered.
            at = attr(CTRL_ATTR_FAMILY_ID, struct.pack("<H", self.fam))
            if r.random() < 0.5:
                at += attr(CTRL_ATTR_OP, struct.pack(
                    "<I", r.choice(list(self.spec.cmds) + [0, 99])))
            return nlmsg(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, seq,
                         genl(CTRL_CMD_GETPOLICY, at)), None
        else:
            body = genl(C["GET_INFO"])
        msg = nlmsg(self.fam, fl, seq, body)
        return msg, self.expected(msg)

    def mutate(self, buf):
        r = self.rng
        b = bytearray(buf)
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            k = r.randrange(11)
            attrs = list(self.walk(b))
            if k == 0:                          # flip bits
                for _ in range(r.randint(1, 4)):
                    i = r.randrange(len(b))
                    b[i] ^= 1 << r.randrange(8)
            elif k == 1:                        # cut
                b = b[:r.randint(16, max(16, len(b)))]
                if r.random() < 0.7:
                    struct.pack_into("<I", b, 0, len(b))
            elif k == 2:                        # a lying nlmsg_len
                struct.pack_into("<I", b, 0, r.choice([
                    0, 15, 16, 17, 19, 20, len(b) - 1, len(b) + 1,
                    len(b) + 4, 0xffffffff, r.randint(0, len(b))]))
            elif k == 3 and attrs:              # duplicate an attribute
                o, ln = r.choice(attrs)
                b += b[o:o + align4(ln)]
                struct.pack_into("<I", b, 0, len(b))
            elif k == 4 and attrs:              # retype an attribute
                o, _ = r.choice(attrs)
                t = struct.unpack_from("<H", b, o + 2)[0]
                struct.pack_into("<H", b, o + 2, r.choice([
                    0, r.randint(1, self.spec.amax), self.spec.amax + 1,
                    0x3fff, t | NLA_F_NESTED, t | NLA_F_NET_BYTEORDER]))
            elif k == 5 and attrs:              # relength an attribute
                o, ln = r.choice(attrs)
                struct.pack_into("<H", b, o, max(0, min(0xffff, ln + r.choice(
                    [-5, -1, 1, 3, 4, 100]))))
            elif k == 6 and attrs:              # drop the last attribute
                b = b[:attrs[-1][0]]
                struct.pack_into("<I", b, 0, len(b))
            elif k == 7:                        # more attributes
                b += self.rand_attrs()
                struct.pack_into("<I", b, 0, len(b))
            elif k == 8 and len(b) >= 20:       # the genl header
                b[16 + r.randrange(4)] = r.getrandbits(8)
            elif k == 9:                        # message type and flags
                struct.pack_into("<H", b, 6, self.rand_flags())
                if r.random() < 0.3:
                    struct.pack_into("<H", b, 4, self.rand_type())
            elif k == 10:                       # trailing garbage
                b += r.randbytes(r.randint(1, 7))
                if r.random() < 0.7:
                    struct.pack_into("<I", b, 0, len(b))
        return bytes(b)

    def walk(self, b):
        """(offset, length) of each well-formed top-level attribute."""
        if len(b) < 20:
            return
        end = min(len(b), struct.unpack_from("<I", b, 0)[0])
        off = 20
        while off + 4 <= end:
            ln = struct.unpack_from("<H", b, off)[0]
            if ln < 4 or off + ln > end:
                return
            yield off, ln
            off += align4(ln)

    def random_request(self):
        r = self.rng
        reqs = self.spec.requests()
        cmd = r.choice(reqs * 3 + [c for c in self.spec.cmds
                                   if c not in reqs] +
                       [0, len(self.spec.cmds) + 1, 99, 255])
        body = genl(cmd, self.rand_attrs(),
                    version=r.choice([1, 1, 1, 0, 2, 255]),
                    reserved=r.choice([0, 0, 0, 1, 0xffff]))
        mtype = self.fam if r.random() < 0.92 else self.rand_type()
        return nlmsg(mtype, self.rand_flags(), self.next_seq(), body)

    def garbage(self):
        r = self.rng
        k = r.randrange(4)
        if k == 0:          # shorter than a header, or nothing valid
            return r.randbytes(r.randint(0, 40))
        if k == 1:          # a header, then random bytes
            body = r.randbytes(r.randint(0, 200))
            return nlmsg(self.fam, self.rand_flags(), self.next_seq(), body,
                         length=r.choice([None, None, 16 + len(body) // 2]))
        if k == 2:          # several messages in one datagram
            out = b""
            for _ in range(r.randint(2, 5)):
                m = self.random_request() if r.random() < 0.7 else \
                    self.mutate(self.valid_request()[0])
                out += m + b"\0" * (align4(len(m)) - len(m))
            return out
        # our family, no room for the genl header
        return nlmsg(self.fam, self.rand_flags(), self.next_seq(),
                     r.randbytes(r.randint(0, 3)))

    # -- one step -----------------------------------------------------
    def step(self):
        x = self.rng.random()
        if self.caps == "root" and x < 0.10:
            return self.side_action()
        if x < 0.45:
            buf, want = self.valid_request()
            return self.send(buf, want, "valid")
        for _ in range(20):
            if x < 0.70:
                how, buf = "mutated", self.mutate(self.valid_request()[0])
            elif x < 0.93:
                how, buf = "random", self.random_request()
            else:
                how, buf = "garbage", self.garbage()
            if self.sendable(buf):
                return self.send(buf, None, how)
        return None

    def verdicts(self, buf, how):
        if how == "valid" and struct.unpack_from("<H", buf, 4)[0] == \
                GENL_ID_CTRL:
            return [Verdict(struct.unpack_from("<I", buf, 8)[0], "ctrl")]
        return judge(self.spec, self.fam, self.caps, buf)

    def sendable(self, buf):
        """At most one message that may change something, so that any
        change is its doing; distinct sequence numbers; nothing for
        other families (random ids are free ones, but a flipped bit may
        hit a family in use)."""
        vs = judge(self.spec, self.fam, self.caps, buf)
        if any(v.kind == "other" for v in vs):
            return False
        if sum(v.kind == "valid" and self.spec.cmds[v.cmd][1] & 1
               for v in vs) > 1:
            return False
        seqs = [v.seq for v in vs]
        return len(seqs) == len(set(seqs))

    def send(self, buf, want, how):
        vs = self.verdicts(buf, how)
        seqs = {v.seq for v in vs}
        self.trace.append((how, buf))
        del self.trace[:-20]
        before = self.state
        answers = self.big.exchange(buf, self.ping(seqs))
        v = vs[0]
        if len(vs) == 1 and v.kind == "valid" and \
                self.cname(v) == "REMOVE" and \
                answers.get(v.seq, Answer()).code == -errno.EBUSY and \
                self.vname(v) not in self.held_devs():
            # udev's probe held the device a moment: settle, send again.
            self.stats["udev retries"] += 1
            self.check(vs, answers, before, None, count=False)
            self.udev_dirty = True
            self.settle()
            before = self.state
            answers = self.big.exchange(buf, self.ping(seqs))
        self.stats["datagrams"] += 1
        self.stats["bytes"] += len(buf)
        self.check(vs, answers, before, want)

    def check(self, vs, answers, before, want, count=True):
        exp = {}
        ev_want = Counter()
        if self.big.send_err:
            if count:
                self.stats["messages"] += len(vs)
                for v in vs:
                    self.replies[(self.cname(v), "sendmsg " +
                                  self.big.send_err)] += 1
            if want not in (None, "error"):
                raise Failure("a valid request: sendmsg() %s" %
                              self.big.send_err)
            vs = []
        # The devices as each message finds them: the kernel handles a
        # datagram's messages in order, so a dump after a CREATE or a
        # REMOVE in the same datagram sees its effect.
        now = set(before)
        for v in vs:
            a = answers.get(v.seq, Answer()) if v.seq is not None \
                else Answer()
            out = a.outcome()
            cname = self.cname(v)
            if count:
                self.stats["messages"] += 1
                self.replies[(cname, v.kind if v.kind in ("drop", "ignore")
                              else out)] += 1
            if v.kind == "reject":
                if out in ("ok", "reply"):
                    raise Failure("%s accepted a request it must refuse "
                                  "(%s)" % (cname, v.why))
                if out == "none":
                    raise Failure("%s: no answer to a request it must "
                                  "refuse (%s)" % (cname, v.why))
                if self.caps == "nobody" and v.cmd in self.spec.cmds and \
                        self.spec.cmds[v.cmd][1] & 1 and not v.dump and \
                        out != "EPERM":
                    raise Failure("%s as nobody: %s, not EPERM" %
                                  (cname, out))
                continue
            if v.kind != "valid":
                continue
            acked = v.flags & NLM_F_ACK or v.dump
            if out == "none" and acked:
                raise Failure("%s: no answer to a valid request" % cname)
            if out not in ("ok", "reply", "none"):
                continue
            name = self.vname(v)
            if cname == "CREATE":
                if not a.msgs:
                    raise Failure("CREATE %r: no reply with the device" %
                                  name)
                exp["add"] = (name, cstr(v.tb[self.A["BACKING_PATH"]])
                              .decode("latin-1"), self.fields(a.msgs[0][2]))
                ev_want[("EV_CREATED", name)] += 1
                now.add(name)
            elif cname == "REMOVE":
                exp["gone"] = name
                ev_want[("EV_REMOVED", name)] += 1
                now.discard(name)
            elif cname == "MESSAGE":
                exp["ckpt"] = name
                exp["moved"] = {name}
                ev_want[("EV_CHANGED", name)] += 1
            elif cname == "GET_DEV" and not v.dump:
                if name not in now or not a.msgs:
                    raise Failure("GET_DEV %r answered %s" % (name, out))
                f = self.fields(a.msgs[0][2])
                if name in before and \
                        any(f.get(k) != before[name][k] for k in STABLE):
                    raise Failure("GET_DEV %r: %s, the dump said %s" %
                                  (name, f, before[name]))
            elif cname == "GET_DEV":
                listed = sorted(self.fields(m[2])["DEV_NAME"]
                                for m in a.msgs)
                flt = v.tb.get(self.A["DEV_NAME"])
                want_l = sorted(n for n in now if flt is None or
                                n == cstr(flt).decode("latin-1"))
                if listed != want_l:
                    raise Failure("a dump lists %s, expected %s" %
                                  (listed, want_l))
        if want is not None and count and vs:
            v = vs[0]
            a = answers.get(v.seq, Answer())
            out = a.outcome()
            acked = v.flags & NLM_F_ACK or v.dump
            success = out in ("ok", "reply") or (out == "none" and not acked)
            good = success if want == "ok" else out.startswith("E") \
                if want == "error" else out == want
            if not good:
                raise Failure("%s: %s, expected %s (extack %r)" %
                              (self.cname(v), out, want, a.extack))
        if len(self.big.ping_reply) != 1:
            raise Failure("the GET_INFO ping got %d replies" %
                          len(self.big.ping_reply))
        new = self.snapshot(self.big.ping_reply[0])
        ev = Counter(self.events())
        if ev != ev_want:
            raise Failure("events %s, expected %s" % (
                sorted(ev.elements()), sorted(ev_want.elements())))
        self.compare(before, new, exp)
        if "add" in exp:
            name, path, rep = exp["add"]
            d = new[name]
            if d["BACKING_PATH"] != path:
                raise Failure("created %r on %r, asked for %r" %
                              (name, d["BACKING_PATH"], path))
            if any(rep.get(k) != d[k] for k in ("DEV_NAME", "MINOR", "SIZE",
                                                "DEV_UUID")):
                raise Failure("CREATE's reply %s, the dump %s" % (rep, d))
        if "ckpt" in exp and new[exp["ckpt"]]["PENDING_ENTRIES"]:
            raise Failure("%r: %d entries pending after a checkpoint" %
                          (exp["ckpt"], new[exp["ckpt"]]["PENDING_ENTRIES"]))
        self.state = new
        self.after(before, new, exp, vs, count)

    def stacked_wrote(self, name, state):
        """A device stacked on another jrbd device writes into that one's
        blocks when it is created (superblock, the seal of its journal),
        checkpointed or removed: what the fuzzer wrote through the lower
        device is no longer known there."""
        d = self.disk_of(name, state)
        if d is not None and d.jrbd:
            lower = self.disk_of(d.jrbd)
            if lower is not None:
                lower.data.clear()

    def after(self, old, new, exp, vs, count):
        """Follow the disks through what changed; when nothing changed,
        the free scratch disks the request named are as they were."""
        if "add" in exp:
            name = exp["add"][0]
            d = self.disk_of(name)
            self.stats["creates"] += 1
            self.add_jrbd_disk(name, new[name])
            self.udev_dirty = True
            if d is not None:
                d.formatted = True
                if d.jrbd is None:
                    self.verify_data(name, d)
                else:
                    self.stacked_wrote(name, new)
        if "gone" in exp:
            name = exp["gone"]
            self.stats["removes"] += 1
            self.disks.pop(os.makedev(self.major, old[name]["MINOR"]), None)
            d = self.disk_of(name, old)
            if d is not None and d.jrbd is None:
                self.baseline(d)
            else:
                self.stacked_wrote(name, old)
        if "ckpt" in exp:
            self.stats["checkpoints"] += 1
            self.stacked_wrote(exp["ckpt"], new)
        if "add" in exp or "gone" in exp or not count:
            return
        self.check_free(content=False)

    def baseline(self, d):
        """d is free from now on: nothing may write to it."""
        d.wr = disk_writes(d.rdev)
        d.fresh = True
        d.copy = None

    @staticmethod
    def late_count(was, now):
        """The block layer adds a request's sectors before it completes
        the request's bios and its request count after
        (blk_update_request(), then blk_account_io_done()): the last
        write of a REMOVE (or of jrbdctl format) can be counted after the
        reply, when the free disk's baseline was already read.  That
        shows as one more write or discard request with the same
        sectors; any change of sectors is a real write."""
        return (now[1] == was[1] and now[3] == was[3] and
                0 <= now[0] - was[0] <= 1 and 0 <= now[2] - was[2] <= 1)

    def check_free(self, content):
        """No free scratch disk was written since it became free (block
        layer counters, every step), and every 16th step one of them,
        in turn, still holds the bytes it held (a copy, compared the
        next time round)."""
        users = self.users()
        free = [d for d in self.scratch() if d.rdev not in users]
        self.rot += 1
        turn = free[self.rot // 16 % len(free)] \
            if free and self.rot % 16 == 0 else None
        for d in free:
            self.stats["write counter checks"] += 1
            now = disk_writes(d.rdev)
            if now != d.wr and d.fresh and self.late_count(d.wr, now):
                self.stats["late request counts"] += 1
                d.wr = now
            d.fresh = False
            if now != d.wr:
                raise Failure("%s was written while free (write requests, "
                              "sectors, discards, sectors: %s, were %s)" %
                              (d.path, now, d.wr))
            if d is turn or content:
                if d.copy is None:
                    d.copy = disk_read(d.path)
                    continue
                self.stats["disk content checks"] += 1
                now = disk_read(d.path)
                if now != d.copy:
                    off = next(i for i in range(0, len(now), BLOCK)
                               if now[i:i + BLOCK] != d.copy[i:i + BLOCK])
                    raise Failure("%s changed (first at byte %#x) while "
                                  "free" % (d.path, off))

    # -- side actions (root) -------------------------------------------
    def side_action(self):
        r = self.rng
        k = r.choice(["write"] * 4 + ["verify", "hold", "format", "wipe",
                                      "settle"])
        names = sorted(self.state)
        users = self.users()
        if k in ("write", "verify", "hold") and not names:
            return
        self.stats["side " + k] += 1
        if k == "write":
            n = r.choice(names)
            d = self.disk_of(n)
            if d is None or d.jrbd or n in self.held_devs() - set(self.held):
                return
            blocks = self.state[n]["SIZE"] // BLOCK
            nb = r.choice([1, 1, 2, 4, 8, 32])
            lba = r.randrange(0, max(1, min(blocks, 2048) - nb))
            data = r.randbytes(nb * BLOCK)
            before = self.state
            self.write(n, lba, data)
            for i in range(nb):
                d.data[lba + i] = digest(data[i * BLOCK:(i + 1) * BLOCK])
            # whatever was formatted on this device may be gone
            self.disks[os.makedev(self.major,
                                  self.state[n]["MINOR"])].formatted = None
            new = self.snapshot()
            self.compare(before, new, {"moved": {n}})
            if new[n]["NEXT_INDEX"] <= before[n]["NEXT_INDEX"]:
                raise Failure("%r: a write did not append an entry" % n)
            self.state = new
            if self.events():
                raise Failure("an event after a write")
        elif k == "verify":
            n = r.choice(names)
            d = self.disk_of(n)
            if d is not None and d.jrbd is None:
                self.verify_data(n, d)
        elif k == "hold":
            n = r.choice(names)
            if n in self.held:
                os.close(self.held.pop(n))
            else:
                self.held[n] = os.open(self.jrbd_path(n), os.O_RDONLY)
        elif k in ("format", "wipe"):
            free = [d for d in self.disks.values() if d.rdev not in users and
                    (k == "format" or d.jrbd is None)]
            if not free:
                return
            d = r.choice(free)
            if k == "format":
                js = r.choice(["4M", "4M", "5M", "8M", "4128K"])
                p = subprocess.run([self.a.jrbdctl, "format", d.path,
                                    "--force", "--journal-size", js],
                                   stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
                if p.returncode != 0:
                    err = p.stderr.decode(errors="replace")
                    if "too small" not in err:
                        raise Failure("format %s: %s" % (d.path, err))
                    self.stats["format too small"] += 1
                    return
                d.formatted = True
            else:
                fd = os.open(d.path, os.O_WRONLY | os.O_DIRECT)
                try:
                    os.pwritev(fd, [mmap.mmap(-1, 2 * BLOCK)], 0)
                finally:
                    os.close(fd)
                d.formatted = False
            d.data.clear()
            if d.jrbd:
                # what was written through the device is gone from its
                # own backing disk, and it has appended entries
                lower = self.disk_of(d.jrbd)
                if lower is not None:
                    lower.data.clear()
                new = self.snapshot()
                self.compare(self.state, new, {"moved": {d.jrbd}})
                self.state = new
                if self.events():
                    raise Failure("an event after a format")
            else:
                self.baseline(d)
            self.udev_dirty = True
        elif k == "settle":
            self.udev_dirty = True
            self.settle()

    def write(self, name, lba, data):
        fd = os.open(self.jrbd_path(name), os.O_RDWR | os.O_DIRECT)
        try:
            buf = mmap.mmap(-1, len(data))
            buf[:] = data
            if os.pwritev(fd, [buf], lba * BLOCK) != len(data):
                raise Failure("short write to %r" % name)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.udev_dirty = True      # udev probes a device closed after writing
        self.stats["bytes written"] += len(data)

    def verify_data(self, name, disk):
        if not disk.data:
            return
        lbas = sorted(disk.data)
        if len(lbas) > 64:
            lbas = sorted(self.rng.sample(lbas, 64))
        fd = os.open(self.jrbd_path(name), os.O_RDONLY | os.O_DIRECT)
        try:
            buf = mmap.mmap(-1, BLOCK)
            for lba in lbas:
                if (lba + 1) * BLOCK > self.state[name]["SIZE"]:
                    continue
                os.preadv(fd, [buf], lba * BLOCK)
                if digest(buf[:]) != disk.data[lba]:
                    raise Failure("%r on %s: block %d does not hold what "
                                  "was written" % (name, disk.path, lba))
                self.stats["blocks verified"] += 1
        finally:
            os.close(fd)

    # -- negative controls --------------------------------------------
    def inject(self, kind):
        """Change something behind the fuzzer's back: the checks after
        the next step must report it (the test's negative controls)."""
        users = self.users()
        free = [d for d in self.scratch() if d.rdev not in users]
        names = sorted(self.state)
        other = Conn(65536)
        seq = 0x7000
        if kind in ("disk-write", "disk-content"):
            if not free:
                raise Exception("--inject %s: no free disk" % kind)
            d = free[0]
            if kind == "disk-content" and d.copy is None:
                d.copy = disk_read(d.path)
            fd = os.open(d.path, os.O_WRONLY | os.O_DIRECT)
            try:
                buf = mmap.mmap(-1, BLOCK)
                buf[:] = os.urandom(BLOCK)     # differs from what is there
                os.pwritev(fd, [buf], 1 << 20)
            finally:
                os.close(fd)
            d.formatted = None      # the model no longer knows
            if kind == "disk-content":
                # as if the block layer had not counted it
                d.wr = disk_writes(d.rdev)
                self.check_free(content=True)
        elif kind == "stray-create":
            d = next((d for d in free if d.formatted), None)
            if d is None:
                raise Exception("--inject stray-create: no free formatted "
                                "disk")
            other.exchange(nlmsg(self.fam, NLM_F_REQUEST, seq, genl(
                self.C["CREATE"], attr(self.A["DEV_NAME"], b"stray\0") +
                attr(self.A["BACKING_PATH"], d.path.encode() + b"\0"))),
                self.ping())
        elif kind == "stray-message":
            if not names:
                raise Exception("--inject stray-message: no device")
            other.exchange(nlmsg(self.fam, NLM_F_REQUEST, seq, genl(
                self.C["MESSAGE"], attr(self.A["DEV_NAME"],
                                        names[0].encode() + b"\0") +
                attr(self.A["MESSAGE"], b"checkpoint\0"))), self.ping())
        else:
            raise Failure("unknown --inject %s" % kind)
        self.stats["injected"] += 1
        self.check_quiet()

    def check_quiet(self):
        """Nothing was asked for: no event, no device changed, no free
        disk written."""
        new = self.snapshot()
        ev = self.events()
        if ev:
            raise Failure("events %s, expected none" % sorted(ev))
        self.compare(self.state, new, {})
        self.state = new
        self.check_free(content=False)

    CONTROLS = (("disk-write", r"was written while free"),
                ("disk-content", r"changed \(first at byte 0x100000\) while free"),
                ("stray-create", r"events \[\('EV_CREATED', 'stray'\)\], "
                                 r"expected none"),
                ("stray-message", r"events \[\('EV_CHANGED', '[^']*'\)\], "
                                  r"expected none"))

    def controls(self):
        """Each negative control must be reported; then the state is
        taken as it is now (the stray device removed)."""
        ok = True
        for kind, pattern in self.CONTROLS:
            try:
                self.inject(kind)
                res = "NOT DETECTED"
            except Failure as e:
                res = "detected" if re.search(pattern, str(e)) else \
                    "NOT DETECTED (%s)" % e
            except Exception as e:
                res = "NOT RUN (%s)" % e
            print("negative control %s: %s" % (kind, res))
            sys.stdout.flush()
            ok = ok and res == "detected"
            other = Conn(65536)
            other.exchange(nlmsg(self.fam, NLM_F_REQUEST | NLM_F_ACK, 0x7001,
                                 genl(self.C["REMOVE"], attr(
                                     self.A["DEV_NAME"], b"stray\0"))),
                           self.ping())
            self.state = self.snapshot()
            self.events()
            users = self.users()
            for d in self.scratch():
                if d.rdev not in users:
                    self.baseline(d)
        if not ok:
            raise Failure("a negative control was not detected")

    # -- the run ------------------------------------------------------
    def run(self):
        a = self.a
        if a.controls:
            self.controls()
        t0 = time.monotonic()
        while (a.count is None or self.stats["steps"] < a.count) and \
                (a.seconds is None or time.monotonic() - t0 < a.seconds):
            self.stats["steps"] += 1
            self.step()
            self.stats["seconds"] = int(time.monotonic() - t0)
        for fd in self.held.values():
            os.close(fd)
        self.held.clear()
        # the end: every free scratch disk as it was left
        self.check_free(content=True)


def report(fz, err=None):
    st = fz.stats
    w = sys.stderr.write
    w("nlfuzz %s: seed %d: %d steps in %d s, %d datagrams (%d bytes), "
      "%d messages\n" % (fz.caps, fz.a.seed, st["steps"], st["seconds"],
                         st["datagrams"], st["bytes"], st["messages"]))
    if fz.caps == "root":
        w("  creates %d, removes %d, checkpoints %d, udev retries %d, "
          "blocks verified %d, bytes written %d\n" % (
              st["creates"], st["removes"], st["checkpoints"],
              st["udev retries"], st["blocks verified"],
              st["bytes written"]))
        w("  free disks: write counters checked %d times, contents "
          "compared %d times, late request counts %d\n" %
          (st["write counter checks"], st["disk content checks"],
           st["late request counts"]))
        w("  side actions: %s\n" % ", ".join(
            "%s %d" % (k[5:], v) for k, v in sorted(st.items())
            if k.startswith("side ")))
    by = {}
    for (c, o), v in fz.replies.items():
        by.setdefault(c, []).append((o, v))
    for c in sorted(by):
        w("  %-11s %s\n" % (c, " ".join("%s %d" % x for x in sorted(by[c]))))
    w("  replay: --seed %d --count %d\n" % (fz.a.seed, st["steps"]))
    if err:
        w("nlfuzz: FAILED at step %d: %s\n" % (st["steps"], err))
        w("  the last datagrams, oldest first:\n")
        for how, buf in fz.trace[-6:]:
            w("  %s %s\n" % (how, buf[:512].hex()))


class Args:
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "../../include/jrbd/jrbd_genl.h")
    seed = None
    seconds = None
    count = None
    mode = "root"
    jrbdctl = "jrbdctl"
    controls = False

    def __init__(self):
        self.disk = []


def main(argv):
    a = Args()
    args = argv[1:]
    try:
        while args:
            o = args.pop(0)
            if o == "--header":
                a.header = args.pop(0)
            elif o == "--seed":
                a.seed = int(args.pop(0), 0)
            elif o == "--seconds":
                a.seconds = float(args.pop(0))
            elif o == "--count":
                a.count = int(args.pop(0))
            elif o == "--mode":
                a.mode = args.pop(0)
            elif o == "--disk":
                a.disk.append(args.pop(0))
            elif o == "--jrbdctl":
                a.jrbdctl = args.pop(0)
            elif o == "--controls":
                a.controls = True
            else:
                raise ValueError(o)
        if a.mode not in ("root", "nobody", "netadmin"):
            raise ValueError(a.mode)
        if a.disk and a.mode != "root":
            raise ValueError("--disk")
    except (IndexError, ValueError):
        sys.stderr.write(__doc__)
        return 2
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(4), "little")
    if a.seconds is None and a.count is None:
        a.seconds = 30
    sys.stderr.write("nlfuzz %s: seed %d\n" % (a.mode, a.seed))
    global MAGIC
    m = re.search(r"#define\s+JRBD_SB_MAGIC\s+(0x[0-9a-fA-F]+)", open(
        os.path.join(os.path.dirname(a.header), "jrbd_format.h")).read())
    MAGIC = struct.pack("<I", int(m.group(1), 16))
    fz = None
    try:
        fz = Fuzzer(a)
        fz.run()
    except Failure as e:
        if fz is None:
            sys.stderr.write("nlfuzz: %s\n" % e)
        else:
            report(fz, e)
        print("nlfuzz %s: FAILED: %s" % (a.mode, e))
        return 1
    report(fz)
    print("nlfuzz %s: ok" % a.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
