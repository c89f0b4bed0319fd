#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kill.sh - a guest can never make hvctl unkillable or hold the host CPU
# (issue 9, item 8). The most common student bug is a guest, or a handler
# that forgets to advance RIP, that never gets anywhere: exits the kernel
# handles for ever, without a return to userspace. SIGTERM and SIGINT must
# still end `hvctl run` at once, and the lab VM stay responsive. Guests:
# CPUID and VMCALL loops (in the kernel), jmp . (no exits at all: only
# hvlab's VMX-preemption timer brings it back) and an OUT loop (each exit
# to hvctl). Prints TAP.
#
# The shell follows the guest by its exit count, never by the clock: in
# Bochs a second of the lab VM's clock costs about a minute of wall clock
# while the CPU is busy (docs/labvm.md), so a `sleep 1` beside a looping
# guest took that long. With one CPU the shell runs only when the run
# loop lets the scheduler in, and it checks that it got the CPU while
# hvctl was still inside HVLAB_RUN.
. "$(dirname "$0")/tap.sh"
T=/tmp/kill-test
mkdir -p $T
printf '\017\242\353\374' >$T/cpuid_loop.bin		# 1: cpuid; jmp 1b
printf '\017\001\301\353\373' >$T/vmcall_loop.bin	# 1: vmcall; jmp 1b
printf '\353\376' >$T/spin.bin				# jmp . (no exits of its own)
printf '\346\351\353\374' >$T/out_loop.bin		# 1: out %al, $0xe9; jmp 1b
cpus=$(grep -c ^processor /proc/cpuinfo)

# Builtins only from here: a fork would have to wait for the CPU too.

# The lab VM's uptime in centiseconds, in $1.
uptime_cs() {
	read -r up _ </proc/uptime
	cs=${up#*.}
	eval "$1=$(( ${up%.*} * 100 + ${cs#0} ))"	# no leading 0: not octal
}

# Is process $1 alive and not yet a zombie?
alive() {
	read -r _ _ state _ 2>/dev/null </proc/$1/stat && [ "$state" != Z ]
}

# read_stats STAT: from the vCPU's statistics (the only VM's), STAT in
# $value, and in $inside whether hvctl is in HVLAB_RUN: it made more
# calls than there were returns (all to userspace or for a signal here).
# The statistics that count these come first in the file.
read_stats() {
	value=0 runs=0 returns=0
	for f in /sys/kernel/debug/hvlab/vm[0-9]*/vcpu0/stats; do
		[ -r "$f" ] || continue
		got= counted=
		while read -r name v; do
			[ "$name" = "$1" ] && value=$v got=1
			case $name in
			runs) runs=$v ;;
			exits_to_user) returns=$((returns + v)) ;;
			signal_exits) returns=$((returns + v)) counted=1 ;;
			esac
			[ "$got" ] && [ "$counted" ] && break
		done <"$f"
	done
	inside=$((runs > returns))
}

# wait_exits PID STAT N IN_KERNEL: wait, at most 1 s of lab-VM time,
# until the guest has made N exits of kind STAT. With IN_KERNEL 1 and one
# CPU, also until the shell has had the CPU while hvctl was in HVLAB_RUN
# ($resched times): the run loop let the scheduler in between entries.
# One look is not enough: hvctl's first return from HVLAB_RUN is mostly
# for the task work (mm_cid) queued by the same tick that asks to resched.
wait_exits() {
	resched=0
	need=0
	[ "$4" = 1 ] && [ "$cpus" = 1 ] && need=1
	uptime_cs start
	while alive "$1"; do
		read_stats "$2"
		[ "$inside" = 1 ] && [ "$value" -gt 0 ] && resched=$((resched + 1))
		[ "$value" -ge "$3" ] && [ $resched -ge $need ] && return 0
		uptime_cs now
		[ $((now - start)) -gt 100 ] && return 1
	done
	return 1
}

# kill_test GUEST STAT N WHAT IN_KERNEL SIGNAL...: for each SIGNAL, run
# GUEST until it has made N exits of kind STAT, then send SIGNAL to
# hvctl. IN_KERNEL 1: those exits never leave the kernel.
kill_test() {
	guest=$1 stat=$2 count=$3 what=$4 in_kernel=$5
	shift 5
	for sig in "$@"; do
		hvctl run $T/$guest.bin >$T/out 2>$T/err &
		pid=$!
		wait_exits $pid $stat $count $in_kernel
		[ "$value" -ge $count ]
		ok $? "$guest: $what (saw $value), the shell still gets the CPU" || {
			kill -KILL $pid
			wait $pid
			continue
		}
		if [ $in_kernel = 1 ] && [ "$cpus" = 1 ]; then
			[ $resched -gt 0 ]
			ok $? "$guest: hvctl gave up the CPU inside HVLAB_RUN ($resched times seen)"
		fi
		uptime_cs t0
		kill -$sig $pid
		while alive $pid; do
			uptime_cs t1
			[ $((t1 - t0)) -gt 100 ] && break
		done
		uptime_cs t1
		! alive $pid
		ok $? "$guest: SIG$sig ends hvctl run within 1 s of lab-VM time (took $((t1 - t0)) cs)" || continue
		wait $pid
		st=$?
		[ $st = 130 ] && grep -q "hvctl: interrupted" $T/err
		ok $? "$guest: hvctl run says it was interrupted, status 130 (got $st)"
	done
}

# Both signals end hvctl through the same handler: each twice.
kill_test cpuid_loop exits.CPUID 5000 "5000 CPUID exits handled in the kernel" 1 TERM
kill_test vmcall_loop exits.VMCALL 5000 "5000 VMCALL exits handled in the kernel" 1 INT
kill_test spin exits.PREEMPTION_TIMER 20 "20 VMX-preemption timer exits" 1 TERM
kill_test out_loop exits_to_user 1000 "1000 exits to userspace" 0 INT

echo "1..$n"
exit $fail
