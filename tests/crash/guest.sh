#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest side of the power-cut tests (tests/crash/NNN) and of
# tools/demo, run through `lab cluster exec` in a one-node cluster.  The
# record of what was acknowledged lives on the lab share (/lab/crash), a
# 9p file system whose writes reach the host before write() returns, so it
# survives a power cut of the guest.
#
#   guest.sh raw|seq|fio|fs setup|round|finish ROUND SEED
#
# Workloads: raw (4 concurrent writers of 4..256 KiB at random offsets),
# seq (2 writers of 1 MiB sequential streams), fio (fio's own verify
# workload on one region, with the state of what completed saved by fio's
# trigger just before the cut, and raw writers on another region so the
# cut still lands mid-I/O), fs (ext4, fsync'd small files).
#
# setup formats /dev/vda and creates d0 (fs: mkfs.ext4 and mount); round
# creates d0 again after a power cut (recovery), verifies, and starts the
# next round's workload in the background; finish verifies and removes
# d0.  Machine-readable lines for the host:
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
# The sequential one needs room for streams of 1 MiB writes.
case $kind in
seq) REGION=${CRASH_REGION:-192} ;;
*) REGION=${CRASH_REGION:-64} ;;
esac
# fio's region, beyond the raw writers' 64 MiB.
FIO_OFF=128M FIO_SIZE=256M

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

# fio_args SEED: fio's verify workload on its region of d0, in FIO_ARGS;
# the same seed gives the same offsets and sizes to the write and the
# verify.
fio_args() {
	FIO_ARGS=(--name=v --filename="$(dev)" --offset=$FIO_OFF --size=$FIO_SIZE --bsrange=4k-64k
		--rw=randwrite --ioengine=libaio --iodepth=8 --direct=1 --sync=1
		--verify=crc32c --randseed="$1")
}

start_workload() {
	case $kind in
	raw)
		setsid "$CRASHLOAD" write "$(dev)" "$LOGD" --round "$round" --seed "$seed" \
			--region "$REGION" >"$LOGD/work.$round.log" 2>&1 </dev/null &
		;;
	seq)
		setsid "$CRASHLOAD" write "$(dev)" "$LOGD" --round "$round" --seed "$seed" \
			--region "$REGION" --threads 2 --seq --bs 1024 >"$LOGD/work.$round.log" 2>&1 </dev/null &
		;;
	fio)
		# At the trigger (2-6 s in) fio stops its job, saves which writes
		# completed (O_SYNC: durable) in v's verify state, and runs the
		# command, which tells the host to cut the power while the raw
		# writers go on.
		rm -rf "$LOGD/fio.$round"
		mkdir -p "$LOGD/fio.$round"
		echo "$seed" >"$LOGD/fio.$round/seed"
		setsid "$CRASHLOAD" write "$(dev)" "$LOGD" --round "$round" --seed "$seed" \
			--region "$REGION" --threads 2 >"$LOGD/work.$round.log" 2>&1 </dev/null &
		fio_args "$seed"
		RANDOM=$seed
		(cd "$LOGD/fio.$round" &&
			exec setsid fio "${FIO_ARGS[@]}" --do_verify=0 --verify_state_save=1 \
				--trigger-timeout=$((RANDOM % 5 + 2)) \
				--trigger="touch $LOGD/cut-now; sleep 600" >write.log 2>&1 </dev/null) &
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
raw/setup|seq/setup|fio/setup)
	: >"$LOGD/.keep"
	echo 0 >"$LOGD/fio.total"
	# The small-write kind runs on 512-byte journal sectors (the lab's
	# disks have 512-byte physical blocks), the others on the default
	# 4 KiB, so that power cuts cover both batch closings.
	jsector=()
	[ $kind != raw ] || jsector=(--journal-sector 512)
	"$JRBDCTL" format /dev/vda --force --journal-size 8M "${jsector[@]}" >&2 || exit 1
	recover || exit 1
	start_workload
	;;
raw/round|raw/finish|seq/round|seq/finish|fio/round|fio/finish)
	recover || exit 1
	out=$("$CRASHLOAD" verify "$(dev)" "$LOGD" --region "$REGION") || rc=$?
	echo "$out" >&2
	set -- $out
	# verified B blocks, acknowledged A bytes, in-flight newer F, losses L
	blocks=$2 acked=$5 lost=${11}
	if [ $kind = fio ]; then
		# fio reads back every write its saved state says completed.
		prev=$LOGD/fio.$((round - 1))
		fio_args "$(cat "$prev/seed")"
		(cd "$prev" && fio "${FIO_ARGS[@]}" --verify_only --verify_state_load=1 \
			--continue_on_error=verify --output-format=json) >"$prev/verify.json" 2>"$prev/verify.err"
		set -- $(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
print(j["read"]["io_bytes"], j["total_err"] if "total_err" in j else j["error"])
' "$prev/verify.json") || { cat "$prev/verify.err" >&2; exit 1; }
		echo "fio: verified $1 bytes of completed writes, $2 errors" >&2
		[ "$2" = 0 ] || cat "$prev/verify.err" >&2
		echo $(($(cat "$LOGD/fio.total") + $1)) >"$LOGD/fio.total"
		blocks=$((blocks + $1 / 4096)) acked=$((acked + $(cat "$LOGD/fio.total"))) lost=$((lost + $2))
		rm -f "$LOGD/cut-now"
	fi
	echo "VERIFY $blocks $((blocks * 4096)) $lost $acked"
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
	echo "usage: guest.sh raw|seq|fio|fs setup|round|finish ROUND SEED" >&2
	exit 2
	;;
esac
