# SPDX-License-Identifier: GPL-2.0-only
# Lab self-test guest script: the test fails.
echo "about to fail"
exit 3
