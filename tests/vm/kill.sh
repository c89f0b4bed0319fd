#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kill.sh - a guest can never make hvctl unkillable or hold the host CPU
# (issue 9, item 8). The most common student bug is a guest, or a handler
# that forgets to advance RIP, that never gets anywhere: exits the kernel
# handles for ever, without a return to userspace. SIGTERM and SIGINT must
# still end `hvctl run` at once, with the lab VM responsive. Prints TAP.
#
# Not tested here: a guest that spins with no exits at all (jmp .). The
# VMX-preemption timer still brings the run loop back every 2^20 ticks,
# where a pending signal ends HVLAB_RUN; but Bochs advances the lab VM's
# clock only outside the guest, so the shell's `sleep` below would never
# end, and no timer tick would ever make room for the shell to send one.
. "$(dirname "$0")/tap.sh"
T=/tmp/kill-test
mkdir -p $T
printf '\017\242\353\374' >$T/cpuid_loop.bin		# 1: cpuid; jmp 1b
printf '\017\001\301\353\373' >$T/vmcall_loop.bin	# 1: vmcall; jmp 1b

# The lab VM's uptime in centiseconds, in $1, with shell builtins only: a
# fork here would have to wait for the CPU the looping guest holds.
uptime_cs() {
	read -r up _ </proc/uptime
	cs=${up#*.}
	eval "$1=$(( ${up%.*} * 100 + ${cs#0} ))"	# no leading 0: not octal
}

for g in cpuid_loop vmcall_loop; do
	for sig in TERM INT; do
		hvctl run $T/$g.bin >$T/out 2>$T/err &
		pid=$!
		sleep 1
		# The shell ran: the lab VM is responsive while the guest loops.
		kill -0 $pid 2>/dev/null
		ok $? "$g: hvctl still running after 1 s, and the shell got the CPU" || continue
		uptime_cs t0
		kill -$sig $pid
		wait $pid
		st=$?
		uptime_cs t1
		[ $st = 130 ] && grep -q "hvctl: interrupted" $T/err
		ok $? "$g: SIG$sig ends hvctl run with status 130 (got $st)"
		[ $((t1 - t0)) -le 100 ]
		ok $? "$g: within 1 s of lab-VM time after SIG$sig (took $((t1 - t0)) cs)"
	done
done

echo "1..$n"
exit $fail
