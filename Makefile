# SPDX-License-Identifier: GPL-2.0-only
#
# Top-level build.  `make` builds the kernel module for one kernel
# (KVER, see below) and the userspace programs; `make check` runs every
# test on both Debian kernel lines; `make demo` runs the main demo.
#
# The module is never built in the source tree: each kernel release gets
# its own copy under build/kbuild/<release>/ so that objects for 6.1 and
# 6.12 never mix.  The result for KVER is copied to kmod/jrbd.ko.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

# Kernel release: the running kernel's if its headers are installed,
# else the newest Debian linux-headers-*-amd64 installed.
KVER ?= $(shell tools/kver default)
KDIR ?= /usr/src/linux-headers-$(KVER)
# Both Debian lines, resolved from their meta packages.
KVERS_ALL ?= $(shell tools/kver all)

CC ?= cc
CLANG ?= clang
PKGS := libnl-genl-3.0 libkmod json-c libisal liburcu libaio blkid
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
	-D_GNU_SOURCE -I$(TOP)/include -I$(TOP)/kmod/libjrbd -I$(TOP)/userspace/lib \
	$(SANITIZE)
PKG_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0 json-c blkid 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs libnl-genl-3.0 libkmod json-c blkid 2>/dev/null) -lisal

# ---------------------------------------------------------------------
# Shared format library (pure C, also compiled into the module).
LIBJRBD_SRC := $(wildcard kmod/libjrbd/*.c)
LIBJRBD_OBJ := $(patsubst kmod/libjrbd/%.c,$(BUILD)/libjrbd/%.o,$(LIBJRBD_SRC))
LIBJRBD := $(BUILD)/libjrbd.a

# Userspace helper library.
ULIB_SRC := $(wildcard userspace/lib/*.c)
ULIB_OBJ := $(patsubst userspace/lib/%.c,$(BUILD)/ulib/%.o,$(ULIB_SRC))
ULIB := $(BUILD)/libjrbdu.a

JRBDCTL_SRC := $(wildcard userspace/jrbdctl/*.c)
JRBDCTL_OBJ := $(patsubst userspace/jrbdctl/%.c,$(BUILD)/jrbdctl/%.o,$(JRBDCTL_SRC))

# cmocka unit tests: tests/unit/src/test_*.c -> build/tests/test_*
UNIT_SRC := $(wildcard tests/unit/src/test_*.c)
UNIT_BIN := $(patsubst tests/unit/src/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

# libFuzzer targets: tests/fuzz/fuzz_*.c -> build/fuzz/fuzz_*
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

HDRS := $(wildcard include/jrbd/*.h kmod/libjrbd/*.h userspace/lib/*.h)

.PHONY: all module modules-all userspace unit-tests fuzzers check demo \
	setup clean fuzz bench-format lab-prepare soak asan bench

all: module userspace

setup:
	@tools/setup.sh

# ---------------------------------------------------------------------
# Kernel module
module:
	@tools/build-module $(KVER)
	@cp $(BUILD)/kbuild/$(KVER)/kmod/jrbd.ko kmod/jrbd.ko

modules-all:
	@for k in $(KVERS_ALL); do tools/build-module $$k || exit 1; done

# ---------------------------------------------------------------------
# Userspace
userspace: $(BUILD)/bin/jrbdctl

$(BUILD)/libjrbd/%.o: kmod/libjrbd/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(LIBJRBD): $(LIBJRBD_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ulib/%.o: userspace/lib/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(ULIB): $(ULIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/jrbdctl/%.o: userspace/jrbdctl/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/bin/jrbdctl: $(JRBDCTL_OBJ) $(ULIB) $(LIBJRBD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(JRBDCTL_OBJ) $(ULIB) $(LIBJRBD) $(PKG_LIBS)

# ---------------------------------------------------------------------
# Tests
# Host-side test tools: tests/tools/*.c -> build/tests/jrbd-<name>
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tests/jrbd-%,$(TOOLS_SRC))

unit-tests: $(UNIT_BIN) $(TOOLS_BIN)

$(BUILD)/tests/jrbd-%: tests/tools/%.c $(LIBJRBD) $(ULIB) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(ULIB) $(LIBJRBD) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/src/%.c $(LIBJRBD) $(ULIB) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(ULIB) $(LIBJRBD) -lcmocka $(PKG_LIBS)

FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
	-I$(TOP)/include -I$(TOP)/kmod/libjrbd
fuzzers: $(FUZZ_BIN)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIBJRBD_SRC) $(HDRS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(LIBJRBD_SRC) -lisal

# The userspace programs and test tools again with AddressSanitizer and
# UBSan, objects apart: build/asan/bin/jrbdctl, build/asan/tests/*
# (tests/tools/006 and 007 run them).
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE="$(ASAN_FLAGS)" \
		userspace unit-tests

# Longer fuzzing run than the bounded one inside `make check`.
FUZZ_SECONDS ?= 600
fuzz: setup fuzzers
	@for f in $(FUZZ_BIN); do tools/run-fuzzer $$f $(FUZZ_SECONDS) || exit 1; done

# One-core throughput of the format library (encode+CRC, scan).
$(BUILD)/bench-format: tools/bench-format.c $(LIBJRBD_SRC) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O2 -o $@ $< $(LIBJRBD_SRC) -lisal

bench-format: $(BUILD)/bench-format
	@$(BUILD)/bench-format

# Everything: set-up, build for both kernels, then the test runner.
check: setup
	@$(MAKE) --no-print-directory all modules-all unit-tests fuzzers asan
	@tests/check $(CHECK_ARGS)

# The long fault campaign (Documentation/testing.md): >= 200 power cuts,
# the fault suites with their knobs turned up, the fuzzers for longer.
soak: setup
	@$(MAKE) --no-print-directory all modules-all unit-tests fuzzers
	@tools/soak

# fio on the raw disk, jrbd and dm-integrity (journal mode), throttled and
# unthrottled disks, one guest boot per kernel; sets up and builds itself.
# BENCH_ARGS: e.g. --quick, --kernel all (tools/bench).
bench:
	@tools/bench $(BENCH_ARGS)

demo: setup
	@$(MAKE) --no-print-directory all modules-all
	@tools/demo

lab-prepare: setup
	@tools/lab/lab prepare

clean:
	rm -rf $(BUILD) kmod/jrbd.ko
