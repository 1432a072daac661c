#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest side of the power-cut tests (tests/crash/NNN) and of
# tools/demo, run through `lab cluster exec` in a one-node cluster.  The
# record of what was acknowledged lives on the lab share (/lab/crash), a
# 9p file system whose writes reach the host before write() returns, so it
# survives a power cut of the guest.
#
#   guest.sh raw setup|round|finish ROUND SEED
#   guest.sh fs  setup|round|finish ROUND SEED
#
# setup formats /dev/vda and creates d0 (fs: mkfs.ext4 and mount); round
# creates d0 again after a power cut (recovery), verifies, and (raw, fs)
# starts the next round's workload in the background; finish verifies and
# removes d0.  Machine-readable lines for the host:
#   REC <usecs> <entries> <bytes> <stop>     the recovery figures of create
#   VERIFY <blocks|files> <bytes> <losses> [<acked bytes>]  what the check found
#   FSCK clean|dirty                          (fs)
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$TOP/tests/common/rc"
# CRASH_BIN: a snapshot of jrbdctl, jrbd-crashload and jrbd.ko taken by
# the host when the run started (others may rebuild the tree meanwhile).
if [ -n "${CRASH_BIN:-}" ]; then
	JRBDCTL=$CRASH_BIN/jrbdctl
	CRASHLOAD=$CRASH_BIN/jrbd-crashload
	KO=$CRASH_BIN/jrbd.ko
else
	CRASHLOAD=$TOP/build/tests/jrbd-crashload
	KO=$(_jrbd_ko)
fi
LOGD=/lab/crash
MNT=/mnt/crash
kind=$1 step=$2 round=${3:-0} seed=${4:-0}
# The raw workload's region of the device (MiB): small enough to read back
# in a second or two under TCG, large enough for little overlap per batch.
REGION=${CRASH_REGION:-64}

ctl() { "$JRBDCTL" --module "$KO" "$@"; }

dev() {
	"$JRBDCTL" ls | awk '$1 == "d0" { split($2, a, "[:)]"); print "/dev/jrbd" a[2] }'
}

# create d0 and print the REC line.
recover() {
	local j
	local t
	j=$(ctl --json create d0 /dev/vda) || { echo "create failed" >&2; return 1; }
	# devtmpfs makes the node at once; udevadm settle would also wait
	# for udev's probes of the new disk (seconds under TCG).
	for ((t = 0; t < 100; t++)); do
		[ -b "$(dev)" ] && break
		sleep 0.1
	done
	printf '%s\n' "$j" >&2
	echo "REC $(jfield rec_usecs "$j") $(jfield rec_entries "$j") $(jfield rec_bytes "$j") $(jfield rec_stop "$j")"
}

jfield() {
	printf '%s\n' "$2" | sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -n 1
}

# The ext4 workload: files of random size, each fsync'd with its
# directory before its checksum goes to the share (and is fsync'd there);
# alongside, files rewritten without fsync, so the cut finds dirty data.
fs_workload() {
	local d=$MNT/r$round i=0 sz
	RANDOM=$seed
	mkdir -p "$d" "$MNT/noise"
	sync "$d" "$MNT" "$MNT/noise"
	(
		# Paced: a flood of dirty data would make every fsync of
		# data=ordered ext4 wait for all of it.
		j=0
		while :; do
			dd if=/dev/urandom of="$MNT/noise/n$((j % 6))" bs=64k count=$((RANDOM % 8 + 1)) \
				seek=$((RANDOM % 16)) conv=notrunc status=none
			j=$((j + 1))
			sleep 0.2
		done
	) &
	while :; do
		i=$((i + 1))
		sz=$((RANDOM % 192 + 1))
		head -c "$((sz * 1024 - RANDOM % 1024))" /dev/urandom >"$d/f$i"
		sync "$d/f$i" && sync "$d" || exit 1
		sha256sum "$d/f$i" >>"$LOGD/fs.sums"
		sync "$LOGD/fs.sums"
	done
}

start_workload() {
	case $kind in
	raw)
		setsid "$CRASHLOAD" write "$(dev)" "$LOGD" --round "$round" --seed "$seed" \
			--region "$REGION" >"$LOGD/work.$round.log" 2>&1 </dev/null &
		;;
	fs)
		fs_workload >"$LOGD/work.$round.log" 2>&1 </dev/null &
		;;
	esac
	disown -a
	echo "workload of round $round started (seed $seed)" >&2
}

# The fsync'd files: every complete "SUM  PATH" line of the record.
fs_verify() {
	local n bytes bad
	grep -E '^[0-9a-f]{64}  /' "$LOGD/fs.sums" >/tmp/crash.sums 2>/dev/null || :
	n=$(wc -l </tmp/crash.sums)
	bytes=$(cut -d' ' -f3- /tmp/crash.sums | xargs -r -d '\n' stat -c %s 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }')
	bad=$(sha256sum --quiet -c /tmp/crash.sums 2>&1 | grep -c ': FAILED' || :)
	sha256sum --quiet -c /tmp/crash.sums >&2 || :
	echo "VERIFY $n $bytes $bad"
}

fs_fsck() {
	if fsck.ext4 -fn "$(dev)" >&2; then
		echo "FSCK clean"
	else
		echo "FSCK dirty"
	fi
}

mkdir -p "$LOGD" "$MNT"
case $kind/$step in
raw/setup)
	: >"$LOGD/.keep"
	"$JRBDCTL" format /dev/vda --force --journal-size 8M >&2 || exit 1
	recover || exit 1
	start_workload
	;;
raw/round|raw/finish)
	recover || exit 1
	out=$("$CRASHLOAD" verify "$(dev)" "$LOGD" --region "$REGION") || rc=$?
	echo "$out" >&2
	set -- $out
	# verified B blocks, acknowledged A bytes, in-flight newer F, losses L
	echo "VERIFY $2 $(($2 * 4096)) ${11} ${5}"
	if [ "$step" = round ]; then
		start_workload
	else
		"$JRBDCTL" remove d0 || exit 1
	fi
	;;
fs/setup)
	: >"$LOGD/fs.sums"
	"$JRBDCTL" format /dev/vda --force --journal-size 8M >&2 || exit 1
	recover || exit 1
	mkfs.ext4 -q -F "$(dev)" >&2 || exit 1
	mount "$(dev)" "$MNT" || exit 1
	start_workload
	;;
fs/round|fs/finish)
	recover || exit 1
	# The mount replays ext4's own journal.
	mount "$(dev)" "$MNT" || exit 1
	fs_verify
	umount "$MNT" || exit 1
	fs_fsck
	if [ "$step" = round ]; then
		mount "$(dev)" "$MNT" || exit 1
		start_workload
	else
		"$JRBDCTL" remove d0 || exit 1
	fi
	;;
*)
	echo "usage: guest.sh raw|fs setup|round|finish ROUND SEED" >&2
	exit 2
	;;
esac
