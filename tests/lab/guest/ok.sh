# SPDX-License-Identifier: GPL-2.0-only
# Lab self-test guest script: a healthy run.
echo "guest $(uname -r) up"
test -b /dev/vda
