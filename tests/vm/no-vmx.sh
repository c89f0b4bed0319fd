#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# no-vmx.sh - on a CPU without VT-x (QEMU TCG), loading hvlab.ko must fail
# cleanly: an error code, a kernel message that says what to do, and no
# /dev/hvlab. Run with: labs/vm/run --emulator qemu-tcg --no-load -- /tests/no-vmx.sh
. "$(dirname "$0")/tap.sh"

grep -qw vmx /proc/cpuinfo
ok $([ $? != 0 ]; echo $?) "this CPU has no vmx flag"
insmod /hvlab/hvlab.ko 2>/tmp/insmod.err
ok $([ $? != 0 ]; echo $?) "insmod hvlab.ko fails"
grep -q "No such device" /tmp/insmod.err
ok $? "insmod reports ENODEV ($(cat /tmp/insmod.err))"
dmesg | grep -q "hvlab: this CPU has no VMX"
ok $? "the kernel log says why and what to do"
[ ! -e /dev/hvlab ]
ok $? "no /dev/hvlab"
lsmod | grep -q hvlab
ok $([ $? != 0 ]; echo $?) "the module is not loaded"
echo "1..$n"
exit $fail
