#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lifecycle.sh [CYCLES] - hvlab.ko loaded and unloaded, and hvctl killed
# mid-run (issue 9). Prints TAP; leaves hvlab.ko loaded.
#
#  - CYCLES (default 200; make fuzz runs 2,000) rmmod/insmod cycles of
#    /hvlab/hvlab.ko, with hello.bin run through hvctl in every tenth.
#    Every rmmod, insmod and run must succeed, /dev/hvlab must come and go
#    with the module, and the module-wide page counters
#    (/sys/kernel/debug/hvlab/pages: pinned pages, EPT tables, VMCSs) must
#    be back at 0 after each run and at the end.
#  - kill -9 of hvctl while its guest runs: a guest that loops on OUT
#    (an exit to userspace each time) and one that loops on CPUID (exits
#    the kernel handles, so hvctl is nearly always inside HVLAB_RUN). The
#    guest's exit count in debugfs must be growing just before the kill;
#    after it, the process is gone, its VM too (no vmN in debugfs: every
#    fd and mapping was let go), no page is left, the module's reference
#    count is 0, and rmmod then succeeds.
#
# tests/vm/lifecycle.c checks that rmmod is refused while an fd or a
# mapping is held, and races ioctls on one vCPU fd.
. "$(dirname "$0")/tap.sh"
cycles=${1:-200}
KO=/hvlab/hvlab.ko
D=/sys/kernel/debug/hvlab
T=/tmp/lifecycle
mkdir -p $T

loaded() { [ -d /sys/module/hvlab ]; }
pages_zero() { [ "$(cat $D/pages 2>&1)" = "$(printf 'pinned 0\nept_tables 0\nvmcs 0')" ]; }
pages() { tr '\n' ' ' <$D/pages; }
refcnt() { cat /sys/module/hvlab/refcnt 2>&1; }
mem_available() { sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

loaded || insmod $KO

# --- rmmod/insmod cycles
# Half of each cycle is spent waiting for RCU grace periods (module unload
# waits for some), idle time that costs Bochs real time: expedited, 30
# cycles took 4 s instead of 9. That is all it changes.
expedited=$(cat /sys/kernel/rcu_expedited 2>/dev/null)
[ -z "$expedited" ] || echo 1 >/sys/kernel/rcu_expedited
mem0=$(mem_available)
why= i=0 runs=0
while [ $i -lt "$cycles" ] && [ -z "$why" ]; do
	i=$((i + 1))
	if ! rmmod hvlab 2>$T/err; then
		why="rmmod failed: $(cat $T/err)"
	elif loaded || [ -e /dev/hvlab ]; then
		why="hvlab still there after rmmod"
	elif ! insmod $KO 2>$T/err; then
		why="insmod failed: $(cat $T/err)"
	elif ! [ -c /dev/hvlab ]; then
		why="no /dev/hvlab after insmod"
	elif [ $((i % 10)) = 0 ]; then
		runs=$((runs + 1))
		out=$(hvctl run /guests/hello.bin 2>$T/err)
		st=$?
		if [ $st != 0 ] || [ "$out" != "Hello from an hvlab guest!" ]; then
			why="hvctl run hello.bin: status $st, output '$out', $(cat $T/err)"
		elif ! pages_zero; then
			why="after the guest: $(pages)"
		fi
	fi
done
[ -z "$expedited" ] || echo "$expedited" >/sys/kernel/rcu_expedited
[ -z "$why" ] || echo "# cycle $i: $why"
[ -z "$why" ]
ok $? "$cycles rmmod/insmod cycles, hello.bin run in $runs of them"
loaded || insmod $KO
pages_zero
ok $? "after the cycles, no page pinned or allocated: $(pages)"
echo "# MemAvailable before the cycles ${mem0} kB, after $(mem_available) kB"

# --- kill -9 in the middle of a run
printf '\346\351\353\374' >$T/out_loop.bin	# 1: out %al,$0xe9; jmp 1b
printf '\017\242\353\374' >$T/cpuid_loop.bin	# 1: cpuid; jmp 1b

# The exit count of the only vCPU there is into $x, or "". Builtins only:
# the waits below poll, since a sleep in the lab VM lasts very long in
# real time while a guest runs (docs/labvm.md, "Time stands still").
exits() {
	x=
	set -- $D/vm[0-9]*/vcpu0/stats
	[ $# = 1 ] && [ -f "$1" ] || return 0
	while read -r k v; do
		[ "$k" = exits ] && x=$v && return 0
	done <"$1"
}

# The lab VM's uptime in centiseconds, into $t.
uptime_cs() {
	read -r up _ </proc/uptime
	cs=${up#*.}
	t=$(( ${up%.*} * 100 + ${cs#0} ))
}

# Poll until the exit count is above $1 (or 10 s of lab time): into $x.
wait_exits_above() {
	uptime_cs
	end=$((t + 1000))
	exits
	while [ "${x:-0}" -le "$1" ] && [ $t -lt $end ]; do
		exits
		uptime_cs
	done
}

for g in out_loop cpuid_loop; do
	hvctl run $T/$g.bin >/dev/null 2>$T/err &
	pid=$!
	wait_exits_above 0
	e0=$x
	wait_exits_above $((e0 + 1000))
	e1=$x
	kill -9 $pid
	[ -n "$e0" ] && [ -n "$e1" ] && [ "$e1" -gt "$e0" ]
	ok $? "$g: the guest was running when SIGKILL came (exits $e0, then $e1)"
	{ wait $pid; } 2>/dev/null
	st=$?
	[ $st = 137 ] && ! [ -d /proc/$pid ]
	ok $? "$g: hvctl died of SIGKILL (status $st)"
	vms=$(cd $D && echo vm[0-9]*)
	[ "$vms" = "vm[0-9]*" ]
	ok $? "$g: its VM is gone (debugfs: $vms)"
	pages_zero
	ok $? "$g: no page left: $(pages)"
	[ "$(refcnt)" = 0 ]
	ok $? "$g: nothing holds the module (refcnt $(refcnt))"
done
rmmod hvlab
ok $? "rmmod hvlab after the kills"
loaded || insmod $KO
ok $? "insmod hvlab.ko again"

echo "1..$n"
exit $fail
