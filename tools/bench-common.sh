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
