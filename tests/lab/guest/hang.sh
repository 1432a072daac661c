# SPDX-License-Identifier: GPL-2.0-only
# Lab self-test guest script: the guest never finishes.
sleep 100000
