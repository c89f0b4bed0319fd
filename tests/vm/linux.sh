#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# linux.sh [DIR] - full virtualization: the lab VM's own Debian 6.12
# kernel, unmodified, boots under hvlab on hvctl's PC (docs/linux-guest.md)
# to a busybox /init, runs a command, and powers off; then the same boot
# under KVM (hvctl --backend=kvm) gives the same output. DIR holds vmlinuz
# and initramfs.cpio.gz (tests/linux/mkguest; scripts/check passes them as
# /extra). Prints TAP, and "# linux:" lines that scripts/check times.
. "$(dirname "$0")/tap.sh"
L=${1:-/extra}
T=/tmp/linux-test
mkdir -p $T
# The command line: the serial console, quiet (each console byte costs
# two exits to userspace) and no crypto self-tests (11 s of Bochs's time,
# and not one exit); docs/linux-guest.md says why nothing else.
APPEND="console=ttyS0 quiet cryptomgr.notests=1"
CMD='echo hello from the guest; uname -r; cat /proc/cmdline'
K="--kernel $L/vmlinuz --initrd $L/initramfs.cpio.gz"

if [ ! -f $L/vmlinuz ]; then
	echo "ok 1 # SKIP no Linux guest in $L (tests/linux/mkguest)"
	echo "1..1"
	exit 0
fi

# boot BACKEND: the boot's output in $T/BACKEND.out and .err, status in .status
# (the guest's console goes on to the lab VM's as it comes, "# guest: ...",
# so that scripts/check can time "init: reached /init" on the host's clock)
boot() {
	echo "# linux: $1 boot starts"
	{ hvctl ${2:-run} --backend=$1 --timeout 900 $K --append "$APPEND -- sh -c \"$CMD\"" \
		</dev/null 2>$T/$1.err; echo $? >$T/$1.status; } | tee $T/$1.out | sed 's/^/# guest: /'
	echo "# linux: $1 boot ends"
}

# the command's output: from "init: reached" to its status line, times cut
command_output() {
	tr -d '\r' <$T/$1.out | sed -n '/^init: reached/,/^init: .* exited/p' |
		sed 's/after [0-9.]* s of guest time/after N s of guest time/'
}

check_boot() {
	st=$(cat $T/$1.status)
	[ "$st" = 0 ] && tr -d '\r' <$T/$1.out | grep -q "^hello from the guest$" &&
		tr -d '\r' <$T/$1.out | grep -q "^$(uname -r)$" &&
		tr -d '\r' <$T/$1.out | grep -q "^init: 'sh -c .*' exited with status 0$"
	ok $? "$1: Linux $(uname -r) boots to /init, runs the command over the UART, powers off (status $st)" ||
		{ tail -n 20 $T/$1.out | sed 's/^/# /'; sed 's/^/# /' $T/$1.err; }
}

# hvlab: hvctl trace, whose histogram is the boot's exits by reason
boot hvlab trace
check_boot hvlab
grep -q "^init: reached /init" $T/hvlab.out && grep -q "^exit reason" $T/hvlab.out
ok $? "hvlab: hvctl trace prints the boot's exit histogram"
grep "^init: reached" $T/hvlab.out | sed 's/^/# linux: hvlab: /'
# (a kernel's splats, not "RETBleed: WARNING: ..." and the like)
! grep -qE "WARNING: CPU:|BUG:|Oops|Kernel panic|cut here" $T/hvlab.out
ok $? "hvlab: the guest's log has no WARNING splat, BUG, Oops or panic" ||
	grep -E "WARNING: CPU:|BUG:|Oops|Kernel panic|cut here" $T/hvlab.out | sed 's/^/# /'

# KVM: the same boot, the same output (differential.sh's dance for VT-x)
rmmod hvlab && load-kvm >$T/load-kvm.log 2>&1
st=$?
ok $st "rmmod hvlab, load-kvm" || sed 's/^/# /' $T/load-kvm.log
if [ $st = 0 ]; then
	boot kvm
	check_boot kvm
	command_output hvlab >$T/hvlab.cmd
	command_output kvm >$T/kvm.cmd
	cmp -s $T/hvlab.cmd $T/kvm.cmd && [ -s $T/hvlab.cmd ]
	ok $? "the command's output is the same under hvlab and KVM" ||
		diff $T/hvlab.cmd $T/kvm.cmd | sed 's/^/# /'
	rmmod kvm_intel kvm irqbypass
fi
insmod /hvlab/hvlab.ko
ok $? "insmod hvlab.ko again"
echo "1..$n"
exit $fail
