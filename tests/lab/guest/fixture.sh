# SPDX-License-Identifier: GPL-2.0-only
# Lab self-test guest script: load the fault fixture with "mode=$1 ...".
. "$LAB_TREE/tests/common/rc"
insmod "$(_fixture_ko jrbd_labfault)" "$@"
