#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# step.sh - hvctl step as a debugger, driven by scripts as a student's
# would be: the instruction at an exit, what changed, until conditions,
# stepi, memory and disassembly, state files saved, edited and replayed.
# Prints TAP.
. "$(dirname "$0")/tap.sh"
show() {	# the output of a failed check, for the log
	sed 's/^/# /' "$@"
}
G=/guests
T=/tmp/step-test
mkdir -p $T

# --- each stop: the exit, the instruction, what changed ---------------------
hvctl step --count 1 $G/cpuid.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "^#1 CPUID (10) at rip 0x7c03: leaf 0x0$" $T/out &&
	grep -q "^    insn 0x7c03 (real mode, 16-bit): cpuid  \[0f a2\]$" $T/out &&
	grep -q "^    changed: rip 0x7c00 -> 0x7c03, rflags 0x2 -> 0x46$" $T/out
ok $? "step: the CPUID exit with its instruction disassembled; its XOR changed RIP and RFLAGS" || show $T/out $T/err

# The kernel's CPUID handler on a line of its own: EAX-EDX and RIP past the
# CPUID. At the second CPUID the guest's MOV $1 to EAX is on the changed line.
hvctl step --count 2 $G/cpuid.bin >$T/out 2>$T/err
sed -n '/^#2 /,$p' $T/out >$T/stop2
grep -q "^    handler: rax 0x0 -> 0x[0-9a-f]*, rbx 0x0 -> 0x[0-9a-f]*, rcx 0x0 -> 0x[0-9a-f]*, rdx 0x[0-9a-f]* -> 0x[0-9a-f]*, rip 0x7c03 -> 0x7c05$" $T/out &&
	! grep "^    changed: " $T/out | grep -qE "r[abcd]x 0x0 ->" &&
	grep -q "^    changed: rax 0x[0-9a-f]* -> 0x1, rip 0x7c05 -> 0x7c0b$" $T/stop2 &&
	grep -q "^    handler: rax 0x1 -> 0x[0-9a-f]*, rbx .*, rcx .*, rdx .*, rip 0x7c0b -> 0x7c0d$" $T/stop2
ok $? "step: at a CPUID the handler's EAX-EDX and RIP apart from what the guest changed" || show $T/out

# stepi onto a CPUID: with TF as the step (Bochs), the guest's RFLAGS stay its own
hvctl step --commands 'stepi; stepi; quit' $G/cpuid.bin >$T/out 2>$T/err
sed -n '/^#3 /,$p' $T/out >$T/stop3
grep -q "^#3 CPUID (10) at rip 0x7c0b: leaf 0x1$" $T/stop3 && ! grep -q "^    changed:" $T/stop3 &&
	grep -q "^    handler: rax 0x1 -> .*, rip 0x7c0b -> 0x7c0d$" $T/stop3 && ! grep -q "0x146" $T/out
ok $? "stepi to a CPUID: the stop after it shows the handler alone, and no TF of hvlab's" || show $T/out

hvctl step --count 2 $G/hello.bin >$T/out 2>$T/err
grep -q "^    insn 0x7c10 (real mode, 16-bit): out dx, al  \[ee\]$" $T/out &&
	grep -q "^    changed: rax 0x48 -> 0x65, rsi 0x7c57 -> 0x7c58$" $T/out
ok $? "step hello: 'out dx, al', and between two stops only AL and SI changed" || show $T/out

hvctl step --count 2 $G/hello64.elf >$T/out 2>$T/err
grep -q "^    insn 0x[0-9a-f]* (64-bit mode, 64-bit): out 0xe9, al  \[e6 e9\]$" $T/out
ok $? "step hello64: the instruction read through the guest's page tables, in 64-bit mode" || show $T/out
hvctl step --count 2 $G/hello32.elf >$T/out 2>$T/err
grep -q "^    insn 0x[0-9a-f]* (protected mode, 32-bit): out 0xe9, al  \[e6 e9\]$" $T/out
ok $? "step hello32: in 32-bit protected mode" || show $T/out

hvctl step --count 1 $G/cr.bin >$T/out 2>$T/err
grep -q "^#1 .*(28)" $T/out && grep -q "^    changed: rax 0x0 -> 0x30, " $T/out &&
	grep -q "^    handler: rip 0x7c1f -> 0x7c22, cr0 0x10 -> 0x30$" $T/out
ok $? "step cr: the MOV to CR0 the kernel emulated: the guest's CR0 as it reads it (NE set), on the handler line" || show $T/out

# Bochs makes CS a data segment at VM entry into real mode: said where it shows
hvctl step --count 1 $G/cpuid.bin >$T/out 2>$T/err
grep -q "^    vmcs: GUEST_" $T/out && { ! grep -q "^    vmcs: GUEST_CS_AR_BYTES 0x9b -> 0x93$" $T/out ||
	{ grep -q "^          cs type 0xb -> 0x3: code, execute/read, accessed -> data, read/write, accessed$" $T/out &&
	  grep -q "^          real mode checks no segment types; 3 is CS's type after reset (SDM Table 10-1),$" $T/out; }; }
ok $? "step: guest-state VMCS fields that changed (HVLAB_GET_VMCS), a CS type change explained" || show $T/out

# --- until ---------------------------------------------------------------------
hvctl step --until exit=IO,port=0xe9 --count 1 $G/cpuid.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && ! grep -q "CPUID (10)" $T/out &&
	grep -q "^#4 I/O instruction (30) at rip 0x7c82: out port 0xe9" $T/out &&
	grep -q "^    to userspace: out 0x63 'c'$" $T/out
ok $? "step --until exit=IO,port=0xe9: the three CPUID exits pass, the first OUT (#4) stops" || show $T/out $T/err

hvctl step --until exit=IO,port=0x3f8 $G/cpuid.bin </dev/null >$T/out 2>$T/err
st=$?
[ $st = 0 ] && ! grep -q "^#" $T/out && grep -q "^    console: cpuid ok$" $T/out &&
	grep -q "before an exit matched --until" $T/err
ok $? "step --until on another port: no stop, the run ends, and hvctl says so" || show $T/out $T/err

hvctl step --commands 'until rip=0x7c2f; quit' $G/cpuid.bin >$T/out 2>$T/err
grep -q "^#1 CPUID (10) at rip 0x7c03: leaf 0x0$" $T/out && ! grep -q "^#2" $T/out &&
	grep -q "^#3 CPUID (10) at rip 0x7c2f: leaf 0x40000000$" $T/out
ok $? "until rip=0x7c2f at the prompt: stops at the third CPUID, not the second" || show $T/out

hvctl step --until exit=cpuid,rip=0x7c0b --until exit=HLT $G/cpuid.bin </dev/null >$T/out 2>$T/err
[ "$(grep -c '^#' $T/out)" = 2 ] && grep '^#' $T/out | head -1 | grep -q "^#2 CPUID (10) at rip 0x7c0b: leaf 0x1$" &&
	grep '^#' $T/out | tail -1 | grep -q "^#[0-9]* HLT (12)"
ok $? "--until twice: stops where either matches (#2 CPUID, then HLT) and nowhere else" || show $T/out

# --- stepi -----------------------------------------------------------------------
hvctl step --commands 'stepi; quit' $G/cpuid.bin >$T/out 2>$T/err
grep -q "^#2 step to rip 0x7c0b$" $T/out &&
	grep -q "^    next 0x7c0b (real mode, 16-bit): cpuid  \[0f a2\]$" $T/out &&
	grep -q "^    changed: rax 0x[0-9a-f]* -> 0x1, rip 0x7c05 -> 0x7c0b$" $T/out
ok $? "stepi: one instruction (mov eax, 1: 6 bytes), RIP 0x7c05 -> 0x7c0b, EAX = 1" || show $T/out $T/err

# In long mode: RIP advances by the length of the instruction that dis shows.
hvctl step --commands 'dis rip 1; stepi; quit' $G/hello64.elf >$T/out 2>$T/err
rip=$(sed -n 's/^=> \(0x[0-9a-f]*\): .*/\1/p' $T/out)
len=$(sed -n 's/^=> 0x[0-9a-f]*: //p' $T/out | awk '{ for (i = 1; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++); print i - 1 }')
next=$(printf '0x%x' $((rip + len)))
[ -n "$rip" ] && [ "$len" -gt 0 ] && grep -q "^#2 step to rip $next$" $T/out
ok $? "stepi in 64-bit mode: RIP $rip + $len bytes = $next" || show $T/out $T/err

# --- x and dis -----------------------------------------------------------------
want=$(od -An -tx1 -N16 $G/cpuid.bin | tr -s ' ' | sed 's/^ //; s/ $//')
hvctl step --count 1 --commands 'x 0x7c00 16; x/p 0x7c00 16; quit' $G/cpuid.bin >$T/out 2>$T/err
grep -q "^0x00007c00: $want  |" $T/out && grep -q "^p 0x00007c00: $want  |" $T/out
ok $? "x and x/p 0x7c00: the guest file's first bytes ($want)" || show $T/out

hvctl step --count 1 --commands 'x 0x100000 32; x/p 0x100000 32; quit' $G/hello64.elf >$T/out 2>$T/err
lin=$(sed -n 's/^0x00100000: //p' $T/out)
phys=$(sed -n 's/^p 0x00100000: //p' $T/out)
[ -n "$lin" ] && [ "$lin" = "$phys" ] && [ "${lin#00 00 00 00}" = "$lin" ]
ok $? "x in long mode goes through the page tables (identity map: same bytes as x/p)" || show $T/out

hvctl step --count 1 --commands 'x/p 0xb8000 4; x 0x40000000 1' $G/hello64.elf >$T/out 2>$T/err
grep -q "gpa 0xb8000..0xb8003 is not all guest RAM" $T/out &&
	grep -q "cannot read: linear 0x40000000 is gpa 0x40000000, which is not guest RAM" $T/out
ok $? "x outside guest RAM says why" || show $T/out

hvctl step --count 1 --commands 'dis; quit' $G/cpuid.bin >$T/out 2>$T/err
grep -q "^=> 0x7c05: 66 b8 01 00 00 00  *mov eax, 1$" $T/out && grep -q "^   0x7c0b: 0f a2  *cpuid$" $T/out
ok $? "dis: the next instructions from RIP, the current one marked" || show $T/out

hvctl step --count 1 --commands 'regs; vmcs guest; help' $G/cpuid.bin >$T/out 2>$T/err
grep -q "^rip 0x0000000000007c05  rflags 0x" $T/out && grep -q "^cs   0x0000 base 0x0 limit 0xffff" $T/out &&
	grep -q "GUEST_RIP .*0x0000000000007c05" $T/out && grep -q "^  stepi \[N\] (si)" $T/out &&
	grep -q "^  regs \[xmm|all\] (r) .*xmm: MXCSR and XMM0-15" $T/out
ok $? "regs, vmcs guest and help at a stop" || show $T/out

# --- vector registers: changes at each stop, regs xmm --------------------------
# guests/sse.S: XMM0 = bytes 00..0f, XMM7 = f0..ff and MXCSR 0x7f80 before its
# second OUT, XMM0 cleared before its third.
z=00000000000000000000000000000000
ramp=0f0e0d0c0b0a09080706050403020100
high=fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0
hvctl step --until exit=IO --count 3 --commands 'next; regs xmm' $G/sse.bin >$T/out 2>$T/err
st=$?
sed -n '/^#2 /,/^#3 /p' $T/out >$T/stop2
[ $st = 0 ] && grep -q "^    changed: rax 0x631 -> 0x632, rip 0x7c20 -> 0x7c34, mxcsr 0x1f80 -> 0x7f80$" $T/stop2 &&
	grep -q "^             xmm0 0x$z -> 0x$ramp$" $T/stop2 &&
	grep -q "^             xmm7 0x$z -> 0x$high$" $T/stop2 &&
	[ "$(grep -c '^             [xy]mm' $T/stop2)" = 2 ]
ok $? "step sse: MXCSR on the changed line, XMM0 and XMM7 (most significant byte first) under it" || show $T/out $T/err
sed -n '/^#3 /,$p' $T/out >$T/stop3
grep -q "^             xmm0 0x$ramp -> 0x$z$" $T/stop3 && ! grep -qE "mxcsr|xmm7" $T/stop3 &&
	! sed -n "/^#1 /,/^#2 /p" $T/out | grep -qE "xmm|mxcsr"
ok $? "step sse: PXOR clears XMM0 (shown), nothing vector changed at the first stop or in XMM7 after" || show $T/out
grep -q "^mxcsr 0x7f80 \[IM DM ZM OM UM PM\] round toward zero$" $T/out &&
	grep -q "^xmm0  0x$ramp  xmm1  0x$z$" $T/out && grep -q "^xmm6  0x$z  xmm7  0x$high$" $T/out &&
	grep -q "^xmm14 0x$z  xmm15 0x$z$" $T/out && ! grep -q "^rip 0x" $T/out
ok $? "regs xmm: MXCSR decoded and XMM0-15, only those" || show $T/out

hvctl step --until exit=IO --count 16 --commands 'next 15; regs all' $G/fpu.bin >$T/out 2>$T/err
rep16() {	# rep16 XX: XX sixteen times
	r=
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do r=$r$1; done
	echo $r
}
# guests/fpu.S's pattern: 0x11 ^ 0x5a, 0x22 ^ 0x5a, ... in XMM0-7
for v in 0:4b 1:78 2:69 3:1e 4:0f 5:3c 6:2d 7:d2; do
	echo "             xmm${v%:*} 0x$z -> 0x$(rep16 ${v#*:})"
done >$T/want
sed -n '/^#16 /,$p' $T/out | grep "^             xmm" >$T/got
grep -q "^#16 I/O instruction (30) at rip 0x[0-9a-f]*: in port 0xe9" $T/out && cmp -s $T/want $T/got &&
	grep -q "^rip 0x" $T/out && grep -q "^mxcsr 0x1f80 \[IM DM ZM OM UM PM\] round to nearest$" $T/out &&
	grep -q "^xmm6  0x$(rep16 2d)  xmm7  0x$(rep16 d2)$" $T/out
ok $? "step fpu: at its first IN, XMM0-7 changed to the pattern it loaded; regs all shows them" || { show $T/out; diff $T/want $T/got | show; }

hvctl step --until exit=IO --count 17 $G/fpu.bin >$T/out 2>$T/err
sed -n '/^#17 /,$p' $T/out >$T/stop17
grep -q "^#17 I/O instruction (30) .*: in port 0xe9" $T/stop17 && ! grep -q "xmm" $T/stop17
ok $? "step fpu: between two INs the guest kept its XMM registers, and no change is shown" || show $T/out

hvctl step --json --until exit=IO --count 2 $G/sse.bin >$T/out 2>$T/err
sed -n 2p $T/out | grep -q "\"changed\":{.*\"mxcsr\":\[\"0x1f80\",\"0x7f80\"\],\"xmm0\":\[\"0x$z\",\"0x$ramp\"\],\"xmm7\":\[\"0x$z\",\"0x$high\"\]}" &&
	! head -1 $T/out | grep -q xmm
ok $? "step --json: MXCSR and XMM changes among \"changed\"" || show $T/out

hvctl step --commands 'regs ymm0' $G/sse.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "regs ymm0: give xmm" $T/err
ok $? "regs with an unknown group: status 2, names the groups" || show $T/err

# --- scripts on stdin ------------------------------------------------------------
printf 'regs\nnext\nquit\n' | hvctl step $G/hello.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "^step> regs$" $T/out && [ "$(grep -c '^#' $T/out)" = 2 ] &&
	grep -q "^rsi 0x0000000000007c57 " $T/out
ok $? "commands from stdin, one a line, echoed: regs, next, quit after two stops" || show $T/out $T/err

printf 'bogus\nquit\n' | hvctl step $G/hello.bin >$T/out 2>$T/err
grep -q "unknown command 'bogus': type help" $T/err && [ "$(grep -c '^#' $T/out)" = 1 ]
ok $? "a bad command on stdin: an error, nothing runs, the next line is read" || show $T/out $T/err

hvctl step --json --count 2 $G/cpuid.bin >$T/out 2>$T/err
head -1 $T/out | grep -q '^{"stop":1,"seq":1,"run_exit":"HANDLED","exit":{"seq":1,"reason":10,"name":"CPUID","rip":"0x7c03",.*"rip":"0x7c03","mode":"real mode","bits":16,"insn":"cpuid","bytes":"0fa2","changed":{"rip":\["0x7c00","0x7c03"\],"rflags":\["0x2","0x46"\]},"handler":{"rax":\["0x0","0x[0-9a-f]*"\],"rbx":\["0x0","0x[0-9a-f]*"\],"rcx":\["0x0","0x[0-9a-f]*"\],"rdx":\["0x[0-9a-f]*","0x[0-9a-f]*"\],"rip":\["0x7c03","0x7c05"\]},"vmcs_changed":{' $T/out &&
	sed -n 2p $T/out | grep -q '"changed":{"rax":\["0x[0-9a-f]*","0x1"\],"rip":\["0x7c05","0x7c0b"\]},"handler":{"rax":\["0x1","0x[0-9a-f]*"\],' &&
	tail -1 $T/out | grep -q '^{"end":"count","stops":2}$'
ok $? "step --json: one object per stop, the CPUID handler's changes under \"handler\"" || show $T/out

# --- state files -------------------------------------------------------------------
hvctl run $G/cpuid.bin >$T/plain 2>&1
plain=$?
hvctl step --until exit=CPUID --count 1 --save-state $T/s.json $G/cpuid.bin >$T/out 2>$T/err
grep -q "state at the last stop saved to $T/s.json" $T/out &&
	grep -q '^  "rip": "0x7c05",$' $T/s.json &&
	grep -q '^  "cs": {"selector": "0x0", "base": "0x0", "limit": "0xffff", "access_rights": "0x' $T/s.json &&
	grep -q '"GUEST_ACTIVITY_STATE": "0x0"' $T/s.json
ok $? "step --save-state: the state at the stop as JSON, RIP past the CPUID" || show $T/out $T/s.json

hvctl run --state $T/s.json $G/cpuid.bin >$T/replay 2>&1
[ $? = $plain ] && cmp -s $T/plain $T/replay
ok $? "run --state: replaying from the first CPUID gives the same output and status ($plain)" || show $T/replay

printf '\x0f\xa2\x89\xd8\xe6\xf4' >$T/vendor.bin	# cpuid; mov %bx,%ax; out %al,$0xf4
hvctl run $T/vendor.bin >/dev/null 2>&1
orig=$?
hvctl step --count 1 --save-state $T/v.json $T/vendor.bin >/dev/null 2>&1
sed 's/^  "rbx": "0x[0-9a-f]*",$/  "rbx": "0x5",/' $T/v.json >$T/v5.json
hvctl run --state $T/v.json $T/vendor.bin >/dev/null 2>&1
same=$?
hvctl run --state $T/v5.json $T/vendor.bin >/dev/null 2>&1
edited=$?
[ $orig != 11 ] && [ $same = $orig ] && [ $edited = 11 ]
ok $? "save, edit RBX to 5, replay: exit status 11 (was $orig, unedited replay $same)"

hvctl step --commands 'save /nonexistent/dir/s.json; quit' --count 1 $G/cpuid.bin >$T/out 2>&1
grep -q "cannot save the state to '/nonexistent/dir/s.json': No such file or directory" $T/out
ok $? "save to a bad path says why" || show $T/out

sed 's/"rip": "0x7c05"/"rip": 0x7c05/' $T/s.json >$T/bad.json
hvctl run --state $T/bad.json $G/cpuid.bin >$T/out 2>$T/err
[ $? = 4 ] && grep -q "^hvctl: --state $T/bad.json: line 19: a hex number must be a string in JSON" $T/err
ok $? "run --state with a JSON error: status 4, the line and what to write" || show $T/err
sed 's/"rsp"/"rsq"/' $T/s.json >$T/bad.json
hvctl run --state $T/bad.json $G/cpuid.bin >$T/out 2>$T/err
[ $? = 4 ] && grep -q "line 9: the state: unknown key \"rsq\"" $T/err
ok $? "run --state with an unknown key: status 4, named" || show $T/err

hvctl run --backend=kvm --state $T/s.json $G/cpuid.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--state with a \"vmcs\" object needs the hvlab backend" $T/err
ok $? "run --backend=kvm --state with VMCS fields: status 2, says to delete them" || show $T/err

# --- usage errors --------------------------------------------------------------------
hvctl step --until port=0x10000 $G/hello.bin </dev/null >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "give a port number 0-0xffff" $T/err
ok $? "--until with a bad port: status 2 and advice" || show $T/err
hvctl step --commands 'next; x' $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "usage: x\[/p\] ADDR \[LEN\]" $T/err
ok $? "--commands is checked before the guest runs" || show $T/err
hvctl run --until exit=IO $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--until is an option of hvctl step" $T/err
ok $? "run --until: status 2, a step option" || show $T/err

# The platform's devices at the prompt: a guest that initializes the master PIC as Linux does, then CPUID
printf '\xb0\x11\xe6\x20\xb0\x30\xe6\x21\xb0\x04\xe6\x21\xb0\x01\xe6\x21\x0f\xa2\xf4' >$T/pic.bin
hvctl step --commands 'until exit=CPUID; devices pic; devices; devices nope; c' $T/pic.bin >$T/out 2>$T/err
grep -q '^pic  *{"master":{"irr":0,"isr":0,"imr":0,"elcr":0,"vector_base":48,"auto_eoi":false,"lowest_priority":7,"initializing":false},' $T/out &&
	grep -q '^serial  *{"ier":0,"iir":1,' $T/out && grep -q '^rtc  *{"index":' $T/out &&
	grep -q "^no device 'nope': type devices for the list$" $T/out
ok $? "devices: the PIC after ICW1-4 (vector base 0x30), every device, an unknown name" || show $T/out

# The guest's breakpoints beside step: its #DB exits (hvlab sees every
# one), decoded with DR6's bits; the guest goes on as without step
hvctl step --until exit=EXCEPTION_NMI --commands 'c' $G/debugreg64.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q '^#[0-9]* exception or NMI (0) at rip 0x[0-9a-f]*: #DB (hardware exception), vector 1, DR6 bits B0$' $T/out &&
	grep -q 'GUEST_DR7 0x400 -> 0x401' $T/out && grep -q '^debugreg: ok$' $T/out
ok $? "step debugreg64: stops at the guest's instruction breakpoint (#DB, DR6 B0, its DR7 in the VMCS), then the guest runs to its end (status $st)" || show $T/out $T/err

echo "1..$n"
exit $fail
