#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# gdb.sh - hvctl gdb driven by the real gdb (Debian's gdb-minimal) in
# batch mode: registers, memory, breakpoints, stepping, register and
# memory writes, Ctrl-C, and the guest's end, for a 64-bit, a 32-bit and
# a real-mode guest. Prints TAP.
#
# Time inside the lab VM crawls while a guest runs (docs/labvm.md), so
# nothing here waits on a clock while a guest spins: the Ctrl-C comes once the guest
# has said it spins (guests/elf/debuggee.c).
. "$(dirname "$0")/tap.sh"
has() {	# has FILE PATTERN: grep -q, showing FILE when the pattern is missing
	grep -q -- "$2" "$1" && return 0
	echo "# '$2' not in $1:"; sed 's/^/#   /' "$1"
	return 1
}
G=/guests
T=/tmp/gdb-test
PORT=2345
mkdir -p $T

if ! command -v gdb >/dev/null; then
	echo "1..0 # SKIP no gdb in the lab VM: install gdb-minimal where you build (scripts/setup), then make payload"
	exit 0
fi
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

# start_stub [OPTIONS] GUEST: hvctl gdb in the background, once it listens
start_stub() {
	rm -f $T/hv.out $T/hv.err
	hvctl gdb --port $PORT "$@" >$T/hv.out 2>$T/hv.err &
	stub=$!
	until grep -q "waiting for gdb" $T/hv.err || ! kill -0 $stub 2>/dev/null; do
		sleep 0.05
	done
}

hvctl gdb >/dev/null 2>$T/err
[ $? = 2 ] && has $T/err "exactly one GUEST"
ok $? "gdb without a guest: status 2 and advice"
hvctl gdb --port 0 $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && has $T/err "give a TCP port"
ok $? "gdb --port 0: status 2 and advice"

# --- 64-bit: the whole tour in one gdb session ---
E=$G/debuggee64.elf
start_stub $E
has $T/hv.err "waiting for gdb on 127.0.0.1:$PORT"
ok $? "64-bit: hvctl gdb listens on 127.0.0.1:$PORT"
# The interrupter: SIGINT to gdb, as Ctrl-C would, once the guest spins.
gdb -batch -nx $E -ex "target remote 127.0.0.1:$PORT" \
	-ex 'echo @start\n' -ex 'info registers rip' \
	-ex 'echo @walk\n' -ex 'monitor walk 0x100000' -ex 'monitor help' \
	-ex 'echo @fpu\n' -ex 'p/x $fctrl' -ex 'p/x $ftag' -ex 'p $mxcsr' -ex 'p/x $xmm0.uint128' \
	-ex 'echo @pattern\n' -ex 'x/8xb pattern' \
	-ex 'set breakpoint always-inserted on' -ex 'break add_numbers' -ex 'continue' \
	-ex 'echo @hidden\n' -ex 'x/1xb add_numbers' \
	-ex 'echo @rdi\n' -ex 'p $rdi' -ex 'set $rdi = 40' -ex 'p $rdi' \
	-ex 'break step_here' -ex 'continue' \
	-ex 'stepi' -ex 'echo @step1\n' -ex 'p (long)$pc - (long)step_here' \
	-ex 'stepi' -ex 'echo @step2\n' -ex 'p (long)$pc - (long)step_here' \
	-ex 'echo @regs\n' -ex 'info registers' \
	-ex 'stepi' -ex 'stepi' -ex 'echo @step4\n' -ex 'p (long)$pc - (long)step_here' \
	-ex 'delete' -ex 'watch *(int *)&watched' -ex 'continue' \
	-ex 'echo @watch\n' -ex 'p (long)$pc - (long)touch_watched' \
	-ex 'delete' -ex 'rwatch *(int *)&watched' -ex 'continue' \
	-ex 'echo @rwatch\n' -ex 'p (long)$pc - (long)touch_watched' \
	-ex 'delete' -ex 'awatch *(int *)&watched' -ex 'continue' \
	-ex 'echo @awatch\n' -ex 'p (long)$pc - (long)touch_watched' -ex 'p *(int *)&watched' \
	-ex 'echo @watched\n' \
	-ex 'delete' -ex 'set var spin = 1' \
	-ex "shell (until grep -q spinning $T/hv.out; do sleep 0.01; done; kill -INT \$PPID) &" \
	-ex 'continue' -ex 'echo @interrupted\n' -ex 'info registers rip' \
	-ex 'set var spin = 0' -ex 'continue' -ex 'echo @end\n' -ex 'p $_exitcode' \
	>$T/gdb.out 2>&1
ok $? "64-bit: gdb -batch ran to the end (status 0)"
wait $stub
st=$?
sed -n '/^@start/,/^@/p' $T/gdb.out >$T/part
has $T/part 'rip *0x100000 .*<_start>'
ok $? "64-bit: attached before the first instruction, rip at _start"
sed -n '/^@walk/,/^@/p' $T/gdb.out >$T/part
has $T/part '^walk GVA 0x100000: 4-level paging, guest CR3 0x2000$' &&
	has $T/part '^19 memory references (3 guest entries, 16 EPT entries): GVA 0x100000 -> GPA 0x100000 -> host 0x' &&
	has $T/part 'walk GVA   the two-dimensional walk'
ok $? "64-bit: monitor walk: the guest's 2 MiB page through EPT, 19 references; monitor help lists it"
sed -n '/^@fpu/,/^@/p' $T/gdb.out >$T/part
has $T/part '^\$[0-9]* = 0x37f$' && has $T/part '^\$[0-9]* = 0xffff$' &&
	has $T/part '^\$[0-9]* = \[ IM DM ZM OM UM PM \]$' && has $T/part '^\$[0-9]* = 0x0$'
ok $? "64-bit: x87 and SSE registers as a fresh vCPU has them: FCW 0x37f, all tags empty, MXCSR 0x1f80, XMM0 0"
has $T/gdb.out '0x[0-9a-f]* <pattern>:.0xde.0xad.0xbe.0xef.0x01.0x23.0x45.0x67'
ok $? "64-bit: x/8xb pattern reads the guest's bytes"
has $T/gdb.out 'Breakpoint 1, .*add_numbers'
ok $? "64-bit: continue stops at the breakpoint in add_numbers"
sed -n '/^@hidden/,/^@/p' $T/gdb.out >$T/part
has $T/part '<add_numbers>:.0x8d' && ! grep -q 0xcc $T/part
ok $? "64-bit: memory reads hide the inserted INT3"
sed -n '/^@rdi/,/^@/p' $T/gdb.out >$T/part
has $T/part '^\$[0-9]* = 2$' && has $T/part '^\$[0-9]* = 40$'
ok $? "64-bit: p \$rdi reads 2, set \$rdi = 40 reads back 40"
has $T/gdb.out 'Breakpoint 2, .*step_here'
ok $? "64-bit: a second breakpoint, on an asm label, is hit"
sed -n '/^@step1/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 1$'
ok $? "64-bit: stepi over the 1-byte NOP: rip = step_here + 1"
sed -n '/^@step2/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 6$'
ok $? "64-bit: stepi over the 5-byte MOV: rip = step_here + 6"
sed -n '/^@step4/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 10$'
ok $? "64-bit: two more stepi, the second over an OUT that exits to hvctl: step_here + 10"
sed -n '/^@step4/,/^@watch$/p' $T/gdb.out >$T/part
has $T/part 'Hardware watchpoint [0-9]*: \*(int \*)&watched' && has $T/part '^Old value = 0$' &&
	has $T/part '^New value = 5$' &&
	sed -n '/^@watch$/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 10$'
ok $? "64-bit: watch (Z2, EPT write-protection): stops after the store, touch_watched + 10, 0 -> 5"
sed -n '/^@watch$/,/^@rwatch/p' $T/gdb.out >$T/part
has $T/part 'Hardware read watchpoint [0-9]*: \*(int \*)&watched' && has $T/part '^Value = 5$' &&
	sed -n '/^@rwatch/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 16$'
ok $? "64-bit: rwatch (Z3): stops after the load, touch_watched + 16"
sed -n '/^@rwatch/,/^@watched/p' $T/gdb.out >$T/part
has $T/part 'Hardware access (read/write) watchpoint [0-9]*: \*(int \*)&watched' &&
	sed -n '/^@awatch/,/^@/p' $T/gdb.out >$T/part2 && grep -q '^\$[0-9]* = 23$' $T/part2 &&
	grep -q '^\$[0-9]* = 6$' $T/part2
ok $? "64-bit: awatch (Z4): stops after the read-modify-write, touch_watched + 23, value 6"
sed -n '/^@regs/,/^@/p' $T/gdb.out >$T/part
has $T/part '^rax *0x12345678 ' && has $T/part '^cs *0x18 ' && has $T/part '^eflags ' &&
	has $T/part '^cr3 *0x2000 ' && has $T/part '^efer *0x500 '
ok $? "64-bit: info registers: the MOV's rax, cs 0x18, eflags, cr3, efer"
has $T/gdb.out 'Program received signal SIGINT'
ok $? "64-bit: Ctrl-C stops the spinning guest (SIGINT)"
sed -n '/^@interrupted/,/^@/p' $T/gdb.out | grep -q '<main+'
ok $? "64-bit: interrupted inside main's spin loop"
has $T/gdb.out 'exited with code 017' && sed -n '/^@end/,$p' $T/gdb.out | grep -q '^\$[0-9]* = 15$'
ok $? "64-bit: the guest's end reaches gdb: exit code 15 (W0f)"
[ $st = 15 ]
ok $? "64-bit: hvctl gdb exits with the guest's status 15 (got $st)"
has $T/hv.out '^debuggee: sum 43$'
ok $? "64-bit: the guest used the register gdb wrote (sum 2 + 3 became 40 + 3)"
has $T/hv.out '^debuggee: spinning$' && has $T/hv.out '^debuggee: done$'
ok $? "64-bit: the guest's console output arrives, spin and end"

# --- 32-bit: arguments on the stack, kill ---
E=$G/debuggee32.elf
start_stub $E
gdb -batch -nx $E -ex "target remote 127.0.0.1:$PORT" \
	-ex 'show architecture' -ex 'break add_numbers' -ex 'continue' \
	-ex 'echo @args\n' -ex 'p a' -ex 'p b' -ex 'echo @eip\n' -ex 'p $eip == add_numbers' \
	-ex 'echo @hole\n' -ex 'x/1xb 0xa0000' -ex 'kill' >$T/gdb.out 2>&1
wait $stub
st=$?
has $T/gdb.out 'currently "i386"'
ok $? "32-bit: the target description says i386"
has $T/gdb.out 'Breakpoint 1, .*add_numbers'
ok $? "32-bit: continue stops at the breakpoint in add_numbers"
sed -n '/^@args/,/^@/p' $T/gdb.out >$T/part
has $T/part '^\$1 = 2$' && has $T/part '^\$2 = 3$'
ok $? "32-bit: the arguments read from the guest's stack: 2 and 3"
sed -n '/^@eip/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 1$'
ok $? "32-bit: eip is at add_numbers"
sed -n '/^@hole/,$p' $T/gdb.out | grep -q 'Cannot access memory at address 0xa0000'
ok $? "32-bit: memory in the 0xa0000 hole cannot be read"
[ $st = 130 ] && has $T/hv.err "gdb killed the guest"
ok $? "32-bit: kill from gdb ends hvctl gdb with status 130 (got $st)"

# --- gdb dies while the guest runs: the watcher sees the connection close ---
E=$G/debuggee64.elf
start_stub $E
gdb -batch -nx $E -ex "target remote 127.0.0.1:$PORT" -ex 'set var spin = 1' \
	-ex "shell (until grep -q spinning $T/hv.out; do sleep 0.01; done; kill -KILL \$PPID) &" \
	-ex 'continue' >$T/gdb.out 2>&1
wait $stub
st=$?
[ $st = 130 ] && has $T/hv.err "gdb closed the connection while the guest ran"
ok $? "gdb killed while the guest spins: hvctl gdb stops it and exits 130 (got $st)"

# --- the guest's own INT3 still reaches its IDT under gdb ---
E=$G/exceptions64.elf
hvctl run $E >$T/run.out 2>$T/run.err
run_st=$?
start_stub $E
gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" -ex 'continue' >$T/gdb.out 2>&1
wait $stub
st=$?
[ $st = $run_st ] && has $T/hv.out '#BP 1' && cmp -s $T/run.out $T/hv.out
ok $? "exceptions64 under gdb: the guest handles its own #BP, output and status $st as with hvctl run"

# --- real mode: a boot sector, 16-bit disassembly, detach ---
E=$G/hello.bin
start_stub $E
gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" \
	-ex 'show architecture' -ex 'echo @eip\n' -ex 'p/x $eip' -ex 'x/1i $pc' \
	-ex 'stepi' -ex 'echo @step\n' -ex 'p $eip > 0x7c00' -ex 'detach' >$T/gdb.out 2>&1
wait $stub
st=$?
has $T/gdb.out 'currently "i8086"'
ok $? "real mode: the target description says i8086"
sed -n '/^@eip/,/^@/p' $T/gdb.out | grep -q '^\$[0-9]* = 0x7c00$'
ok $? "real mode: eip at 0x7c00"
sed -n '/^@step/,$p' $T/gdb.out | grep -q '^\$[0-9]* = 1$'
ok $? "real mode: stepi moves eip forward"
[ $st = 0 ] && has $T/hv.out "Hello from an hvlab guest!" && has $T/hv.err "detached"
ok $? "real mode: after detach the guest runs to its end: greeting, status 0 (got $st)"

# --- the guest's own breakpoints under gdb's (module/debugreg.c) ---
start_stub $G/debugreg64.elf
gdb -batch -nx $G/debugreg64.elf -ex "target remote 127.0.0.1:$PORT" \
	-ex 'break on_db' -ex 'continue' -ex 'echo @db\n' -ex 'p/x f->ip == (long)breakpoint_target' \
	-ex 'delete' -ex 'continue' >$T/gdb.out 2>&1
wait $stub
st=$?
sed -n '/^@db/,$p' $T/gdb.out | grep -q '^\$1 = 0x1$' && [ $st = 0 ] && has $T/hv.out '^debugreg: ok$'
ok $? "debugreg64 under gdb: gdb's breakpoint in the guest's #DB handler, hit by the guest's own instruction breakpoint; then the guest ends well (status $st)" ||
	sed 's/^/# /' $T/gdb.out $T/hv.err

# --- a Linux kernel by the boot protocol: --kernel, --initrd, --append ---
printf 'the initrd\n' >$T/initrd
start_stub --kernel $G/fake_linux.bin --initrd $T/initrd --append "console=ttyS0 -- echo hi"
gdb -batch -nx -ex "target remote 127.0.0.1:$PORT" \
	-ex 'show architecture' -ex 'echo @entry\n' -ex 'p/x $rip' -ex 'p/x $rsi' \
	-ex 'continue' >$T/gdb.out 2>&1
wait $stub
st=$?
has $T/gdb.out 'currently "i386:x86-64"' && sed -n '/^@entry/,$p' $T/gdb.out | grep -q '^\$1 = 0x100200$' &&
	sed -n '/^@entry/,$p' $T/gdb.out | grep -q '^\$2 = 0x10000$'
ok $? "gdb --kernel: x86-64, stopped at the bzImage's 64-bit entry (0x100200), rsi the zero page" ||
	sed 's/^/# /' $T/gdb.out $T/hv.err
[ $st = 1 ] && has $T/hv.out "fake_linux: command line: console=ttyS0 -- echo hi" && has $T/hv.out "fake_linux: initrd: the initrd"
ok $? "gdb --kernel --initrd --append: the kernel sees its command line and initrd, status as with run (got $st)"

echo "1..$n"
exit $fail
