#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
r"""nlprobe: send hand-made requests to the jrbd generic netlink family.

Test tool only, never installed.  Raw AF_NETLINK sockets, no libnl, so a
request can be as wrong as a test needs: missing, unexpected, oversized or
wrongly typed attributes, attribute types 0 and > JRBD_A_MAX, truncated or
garbage headers, NLM_F_DUMP where there is no dump.  Attribute and command
numbers come from include/jrbd/jrbd_genl.h (the one table both sides
compile), so the probe follows the family when it grows.

    nlprobe.py [--header FILE] [--family NAME] [--timeout SECS] < CASES

One case per input line ('#' starts a comment, blank lines are skipped):

    [LABEL:] CMD [OPTION]... [ATTR[/nested]=TYPE:VALUE]...

CMD      a command name from the table (GET_INFO, CREATE, ...) or a number
OPTION   dump           NLM_F_DUMP (NLM_F_REQUEST | NLM_F_ROOT | NLM_F_MATCH)
         noack          no NLM_F_ACK
         type=N         nlmsg_type instead of the family id
         len=N          nlmsg_len instead of the real length
         cut=N          send only the first N bytes
         tail=HEX       raw bytes after the attributes
ATTR     an attribute name from the table, MAX+N (N past JRBD_A_MAX) or a
         number (0, 99, ...)
TYPE     u8 u16 u32 u64: a little integer of that size
         str: NUL-terminated string; raw: the bytes without NUL
         VALUE may be C*N (N times the character C), e.g. x*100, and
         may hold \xHH escapes (a space is \x20)
/nested  sets NLA_F_NESTED in the attribute type

For each case one line goes to stdout:

    LABEL: ok[ (N messages)] | ERRNO "extack message" [bad ATTR] [missing ATTR]
         | no reply

"ok" is an ack (or a reply and an ack) with error 0; ERRNO is the symbolic
name of a negative error; "bad ATTR" is the attribute the kernel's
NLMSGERR_ATTR_OFFS points at, "missing ATTR" NLMSGERR_ATTR_MISS_TYPE;
"no reply" means the kernel dropped the message (what netlink does with a
header it cannot even parse).  Exit 0 when every case got an answer it
could decode, 1 otherwise, 2 on a usage error.
"""
import errno
import os
import re
import select
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_EXT_ACK = 11
NETLINK_CAP_ACK = 10

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_ACK_TLVS = 0x200          # in NLMSG_ERROR replies

NLMSG_ERROR = 2
NLMSG_DONE = 3

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

NLA_F_NESTED = 0x8000

# Where Python's errno table picks an alias, the name the kernel uses.
ERRNAMES = {errno.EOPNOTSUPP: "EOPNOTSUPP"}


def align4(n):
    return (n + 3) & ~3


def nla(atype, payload):
    hdr = struct.pack("<HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (align4(len(payload)) - len(payload))


def parse_attrs(buf):
    out = {}
    off = 0
    while off + 4 <= len(buf):
        ln, ty = struct.unpack_from("<HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            break
        out[ty & 0x3fff] = buf[off + 4:off + ln]
        off += align4(ln)
    return out


def read_table(path):
    """Attribute and command names in declaration order: numbers from 1."""
    text = open(path).read()
    text = text.replace("\\\n", " ")
    attrs, cmds = {}, {}
    m = re.search(r"#define JRBD_GENL_ATTRS\(A\)(.*)", text)
    for i, name in enumerate(re.findall(r"\bA\((\w+),", m.group(1)), 1):
        attrs[name] = i
    m = re.search(r"#define JRBD_GENL_CMDS\(C\)(.*)", text)
    for i, name in enumerate(re.findall(r"\bC\((\w+),", m.group(1)), 1):
        cmds[name] = i
    if not attrs or not cmds:
        raise SystemExit("nlprobe: no attribute/command table in %s" % path)
    return attrs, cmds


class Probe:
    def __init__(self, timeout):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.bind((0, 0))
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        # Errors then carry only the request's header, not all of it.
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.seq = 1000

    def send(self, buf):
        self.sock.sendto(buf, (0, 0))

    def message(self, mtype, flags, cmd, attrs, tail=b"", length=None,
                cut=None, seq=None):
        payload = struct.pack("<BBH", cmd, 1, 0) + attrs + tail
        n = 16 + len(payload)
        hdr = struct.pack("<IHHII", n if length is None else length, mtype,
                          flags, seq, 0)
        buf = hdr + payload
        return buf if cut is None else buf[:cut]

    def replies(self, seq):
        """Messages answering seq until an ack/error or DONE, or None."""
        got = []
        while True:
            r, _, _ = select.select([self.sock], [], [], self.timeout)
            if not r:
                return got, None
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                ln, ty, fl, sq, _ = struct.unpack_from("<IHHII", data, off)
                if ln < 16:
                    break
                body = data[off + 16:off + ln]
                off += align4(ln)
                if sq != seq:
                    continue        # a late answer to an earlier case
                if ty == NLMSG_ERROR:
                    return got, (fl, body)
                if ty == NLMSG_DONE:
                    return got, (0, struct.pack("<i", 0))
                got.append((ty, fl, body))

    def family(self, name):
        self.seq += 1
        buf = self.message(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
                           CTRL_CMD_GETFAMILY,
                           nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"),
                           seq=self.seq)
        self.send(buf)
        got, err = self.replies(self.seq)
        for ty, fl, body in got:
            a = parse_attrs(body[4:])
            if CTRL_ATTR_FAMILY_ID in a:
                return struct.unpack("<H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        return None


def value_bytes(vtype, text):
    m = re.fullmatch(r"(.)\*(\d+)", text)
    if m:
        text = m.group(1) * int(m.group(2))
    raw = re.sub(rb"\\x([0-9a-fA-F]{2})",
                 lambda m: bytes([int(m.group(1), 16)]), text.encode())
    if vtype == "str":
        return raw + b"\0"
    if vtype == "raw":
        return raw
    fmt = {"u8": "<B", "u16": "<H", "u32": "<I", "u64": "<Q"}.get(vtype)
    if not fmt:
        raise ValueError("unknown type " + vtype)
    return struct.pack(fmt, int(text, 0))


def run_case(p, fam, attrs, cmds, names, line):
    label = None
    m = re.match(r"([^:=\s]+):\s+(.*)", line)
    if m:
        label, line = m.group(1), m.group(2)
    words = line.split()
    if label is None:
        label = " ".join(words)
    cmdw = words[0]
    cmd = cmds[cmdw] if cmdw in cmds else int(cmdw, 0)
    flags = NLM_F_REQUEST | NLM_F_ACK
    mtype, length, cut, tail = fam, None, None, b""
    body = b""
    offsets = []                    # (offset in the message, attr type)
    for w in words[1:]:
        if w == "dump":
            flags |= NLM_F_DUMP
        elif w == "noack":
            flags &= ~NLM_F_ACK
        elif w.startswith("type="):
            mtype = int(w[5:], 0)
        elif w.startswith("len="):
            length = int(w[4:], 0)
        elif w.startswith("cut="):
            cut = int(w[4:], 0)
        elif w.startswith("tail="):
            tail = bytes.fromhex(w[5:])
        else:
            an, spec = w.split("=", 1)
            nested = an.endswith("/nested")
            an = an[:-7] if nested else an
            if an in attrs:
                at = attrs[an]
            elif an.startswith("MAX+"):
                at = len(attrs) + int(an[4:], 0)
            else:
                at = int(an, 0)
            vtype, text = spec.split(":", 1)
            offsets.append((16 + 4 + len(body), at))
            body += nla(at | (NLA_F_NESTED if nested else 0),
                        value_bytes(vtype, text))
    p.seq += 1
    p.send(p.message(mtype, flags, cmd, body, tail, length, cut, p.seq))
    got, err = p.replies(p.seq)
    if err is None:
        if got:
            return label, "ok (%d messages, no end)" % len(got), True
        return label, "no reply", True
    efl, ebody = err
    code = struct.unpack_from("<i", ebody)[0]
    if code == 0:
        res = "ok"
        if flags & NLM_F_DUMP:
            res += " (%d messages)" % len(got)
        elif got:
            res += " (reply)"
        return label, res, True
    res = ERRNAMES.get(-code) or errno.errorcode.get(-code, str(code))
    if efl & NLM_F_ACK_TLVS:
        # nlmsgerr: error + the request's nlmsghdr (capped), then TLVs.
        t = parse_attrs(ebody[4 + 16:])
        if NLMSGERR_ATTR_MSG in t:
            res += ' "%s"' % t[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
        if NLMSGERR_ATTR_OFFS in t:
            o = struct.unpack("<I", t[NLMSGERR_ATTR_OFFS][:4])[0]
            hit = [a for off, a in offsets if off == o]
            res += " bad %s" % (names.get(hit[0], str(hit[0])) if hit
                                else "@%d" % o)
        if NLMSGERR_ATTR_MISS_TYPE in t:
            a = struct.unpack("<I", t[NLMSGERR_ATTR_MISS_TYPE][:4])[0]
            res += " missing %s" % names.get(a, str(a))
    return label, res, True


def main(argv):
    header = os.path.join(os.path.dirname(os.path.abspath(argv[0])),
                          "../../include/jrbd/jrbd_genl.h")
    timeout = 1.0
    family = "jrbd"
    args = argv[1:]
    while args:
        if args[0] == "--header" and len(args) > 1:
            header, args = args[1], args[2:]
        elif args[0] == "--family" and len(args) > 1:
            family, args = args[1], args[2:]
        elif args[0] == "--timeout" and len(args) > 1:
            timeout, args = float(args[1]), args[2:]
        else:
            sys.stderr.write(__doc__)
            return 2
    attrs, cmds = read_table(header)
    names = {v: k for k, v in attrs.items()}
    for n in range(1, 0x4000 - len(attrs)):
        names[len(attrs) + n] = "MAX+%d" % n
    p = Probe(timeout)
    fam = p.family(family)
    if fam is None:
        print("nlprobe: family %s not found (module not loaded?)" % family,
              file=sys.stderr)
        return 1
    ok = True
    for line in sys.stdin:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            label, res, good = run_case(p, fam, attrs, cmds, names, line)
        except (ValueError, KeyError) as e:
            print("nlprobe: bad case '%s': %s" % (line, e), file=sys.stderr)
            return 2
        print("%s: %s" % (label, res))
        sys.stdout.flush()
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
