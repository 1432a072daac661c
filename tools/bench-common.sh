# SPDX-License-Identifier: GPL-2.0-only
#
# Sourced by tools/bench and tools/profile (host) and by their guest
# halves, tools/bench-guest and tools/profile-guest, so that the profiler
# sees the same disks and the same dm-integrity as the benchmark.  The
# functions call die(), which the sourcing script defines.

# QEMU's limits for the throttled disks: a disk slow relative to the CPU.
BENCH_THROTTLE="throttling.iops-total=2000,throttling.bps-total=41943040"

# bench_load_jrbd KO: jrbd.ko and what it needs (crc32c), into the guest.
bench_load_jrbd() {
	local deps
	modprobe crc32c || die "cannot load crc32c"
	[ -r "$1" ] || die "$1 not built (make modules-all)"
	deps=$(modinfo -F depends "$1" | tr ',' ' ')
	# shellcheck disable=SC2086 # a list of names
	[ -z "$deps" ] || modprobe -a $deps || die "cannot load jrbd's dependencies: $deps"
	insmod "$1" || die "insmod $1 failed"
}

# bench_dmint_open DEV NAME JOURNAL: dm-integrity in journal mode on DEV
# (crc32c, 4-byte tags, 4 KiB sectors, a JOURNAL-byte journal; wipes DEV),
# opened as /dev/mapper/NAME.
bench_dmint_open() {
	integritysetup format "$1" --batch-mode --integrity crc32c --tag-size 4 \
		--sector-size 4096 --journal-size "$3" >&2 ||
		die "integritysetup format $1 failed"
	integritysetup open "$1" "$2" --integrity crc32c >&2 ||
		die "integritysetup open $1 failed"
	udevadm settle
	[ -b "/dev/mapper/$2" ] || die "no /dev/mapper/$2 after integritysetup open"
}

# bench_dmint_drain NAME: what dm-integrity journalled reaches its home
# (suspend/resume), and udev's work on the events is waited for, so that
# it falls into the caller's window.
bench_dmint_drain() {
	dmsetup suspend "$1" && dmsetup resume "$1" && udevadm settle
}

# bench_short_profile P: the fio options of the time-based profiles that
# tools/profile and tools/ab run (make bench's own, sized ones are in
# bench-guest), into the array fio_args; 1 for an unknown P.
bench_short_profile() {
	case "$1" in
	randwrite-burst) fio_args=(--rw=randwrite --bs=4k --iodepth=32) ;;
	randwrite-fsync) fio_args=(--rw=randwrite --bs=4k --iodepth=1 --fsync=1) ;;
	randwrite-fsync8) fio_args=(--rw=randwrite --bs=4k --iodepth=1 --fsync=1 --numjobs=8
					--group_reporting) ;;
	seqwrite) fio_args=(--rw=write --bs=1M --iodepth=4) ;;
	randread) fio_args=(--rw=randread --bs=4k --iodepth=32) ;;
	randrw) fio_args=(--rw=randrw --rwmixread=70 --bs=4k --iodepth=16) ;;
	*) return 1 ;;
	esac
}
