#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages that building, testing and the QEMU lab need.
# Idempotent: packages already present are not touched, and when all are
# present no apt command runs at all.
set -euo pipefail

PKGS=(
	# build
	build-essential pkg-config rsync clang llvm libfuzzer-14-dev libclang-rt-14-dev
	linux-headers-amd64 linux-headers-6.12-amd64 kmod
	libaio-dev libnl-3-dev libnl-genl-3-dev libkmod-dev liburcu-dev
	libisal-dev libjson-c-dev libcmocka-dev libblkid-dev
	# lab
	qemu-system-x86 busybox-static cpio iproute2 iputils-ping udev
	# workloads and checks run inside the guests
	fio e2fsprogs xfsprogs dmsetup stress-ng dbench valgrind python3
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An old package list may not know the current header packages.
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
