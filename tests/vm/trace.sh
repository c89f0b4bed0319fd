#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# trace.sh - hvctl trace, hvctl vmcs and hvctl run --stats as a user runs
# them: summaries, timelines and dumps that agree with what the guest did.
# Prints TAP.
. "$(dirname "$0")/tap.sh"
G=/guests
T=/tmp/trace-test
mkdir -p $T

# cpuid.bin: three CPUIDs, nine OUTs ("cpuid ok\n"), one HLT. The host may
# add exits of its own: an interrupt that arrives while the guest runs
# (EXTERNAL_INTERRUPT) or the preemption timer. They are counted, not failed.
hvctl trace --trace-json $T/t.jsonl --chrome $T/t.json $G/cpuid.bin >$T/out 2>$T/err
st=$?
host=$(awk '/^(EXTERNAL_INTERRUPT|PREEMPTION_TIMER) / { n += $2 } END { print n + 0 }' $T/out)
total=$((13 + host))
share=$(awk -v t=$total 'BEGIN { printf "%.1f", 300 / t }')
[ $st = 0 ] && grep -q "^cpuid ok$" $T/out &&
	grep -qE "^CPUID +3 +$share% +[0-9]+ +[0-9]+\$" $T/out &&
	grep -qE '^IO_INSTRUCTION +9 ' $T/out && grep -qE '^HLT +1 ' $T/out &&
	grep -qE "^total +$total +100\.0%" $T/out
ok $? "trace cpuid: summary counts 3 CPUID, 9 I/O, 1 HLT, $host from the host (status $st)" ||
	sed 's/^/# /' $T/out $T/err

[ "$(wc -l <$T/t.jsonl)" = $total ] && grep -q '"name":"CPUID",.*"tsc":[1-9][0-9]*,"cost":[1-9]' $T/t.jsonl
ok $? "trace --trace-json: one line per exit, each with tsc and cost"

grep -q '^{"displayTimeUnit":"ns",.*"traceEvents":\[$' $T/t.json &&
	[ "$(grep -c '"ph":"X","pid":1,"tid":2' $T/t.json)" = $total ] &&
	[ "$(grep -c '"name":"IO_INSTRUCTION","ph":"X","pid":1,"tid":3' $T/t.json)" = 9 ] &&
	grep -q '"name":"guest","ph":"X"' $T/t.json && tail -1 $T/t.json | grep -q '^\]}$'
ok $? "trace --chrome: a kernel slice per exit, a userspace slice per I/O exit, guest slices"

hvctl trace --json $G/cpuid.bin >$T/out 2>$T/err
# exits_to_user counts those hvctl resumed the guest from: the 9 OUTs, not
# the final HLT. A host interrupt may add an exit (reason 1) of its own.
ints=$(grep -o '"name":"EXTERNAL_INTERRUPT","count":[0-9]*' $T/out | grep -o '[0-9]*$')
grep -q "^{\"exits\":$((13 + ${ints:-0})),\"ticks\":[0-9]*,\"exits_to_user\":9,.*{\"reason\":10,\"name\":\"CPUID\",\"count\":3," $T/out &&
	grep -q '"name":"IO_INSTRUCTION","count":9,' $T/out
ok $? "trace --json: 13 exits (and any host interrupts), 9 of them handled by hvctl (the OUTs)"
[ "$(wc -l <$T/out)" = 1 ] && [ "$(cat $T/err)" = "cpuid ok" ]
ok $? "trace --json: the summary alone on stdout, the guest's console on stderr" || sed 's/^/# /' $T/out $T/err

# The records on stdout: the console and the summary table go to stderr.
hvctl trace --trace-json - $G/cpuid.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && ! grep -qv '^{.*}$' $T/out && grep -q '^{"seq":1,"reason":10,"name":"CPUID","rip":"0x7c03",' $T/out &&
	grep -q "^cpuid ok$" $T/err && grep -qE '^CPUID +3 ' $T/err
ok $? "trace --trace-json -: stdout only the records, the console and the summary on stderr" || sed 's/^/# /' $T/out $T/err

# Exits by port, MSR and CPUID leaf (hvlab.ko puts the leaf and the MSR in
# the qualification of exits that have none): cpuid.bin's leaves 0, 1 and
# 0x40000000 and its nine OUTs to the debug port; msr.bin's EFER and PAT
# (two reads, a write each) and the MSR that does not exist (#GP)
hvctl trace $G/cpuid.bin >$T/out 2>$T/err
grep -qE '^I/O port +in +out$' $T/out && grep -qE '^0xe9 +0 +9$' $T/out &&
	grep -qE '^CPUID leaf +count$' $T/out && grep -qE '^0x0 +1$' $T/out &&
	grep -qE '^0x1 +1$' $T/out && grep -qE '^0x40000000 +1$' $T/out
ok $? "trace cpuid: the exits by port (0xe9: 9 OUTs) and by CPUID leaf (0, 1, 0x40000000)" ||
	sed 's/^/# /' $T/out $T/err
hvctl trace $G/msr.bin >$T/out 2>$T/err
grep -qE '^MSR +reads +writes$' $T/out && grep -qE '^0xc0000080 +2 +1$' $T/out &&
	grep -qE '^0x277 +2 +1$' $T/out && grep -qE '^0xc0011234 +1 +0$' $T/out
ok $? "trace msr: the exits by MSR: EFER and PAT read twice and written once, the #GP one read" ||
	sed 's/^/# /' $T/out $T/err
hvctl trace --json $G/cpuid.bin >$T/out 2>$T/err
grep -q '"ports":\[{"port":233,"in":0,"out":9}\],"cpuid_leaves":\[{"leaf":0,"count":1},{"leaf":1,"count":1},{"leaf":1073741824,"count":1}\]}$' $T/out
ok $? "trace --json: ports and cpuid_leaves arrays" || sed 's/^/# /' $T/out

hvctl trace --backend=kvm $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "trace needs the hvlab backend" $T/err
ok $? "trace --backend=kvm: status 2, needs the hvlab backend"

hvctl run --chrome $T/x.json $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--chrome belongs to 'hvctl trace'" $T/err
ok $? "run --chrome: status 2, says it belongs to trace"

hvctl run --stats $G/cpuid.bin >$T/out 2>$T/err
host=$(awk '/^exits\.(EXTERNAL_INTERRUPT|PREEMPTION_TIMER) / { n += $2 } END { print n + 0 }' $T/out)
grep -qE '^exits\.CPUID +3$' $T/out && grep -qE "^exits +$((13 + host))\$" $T/out &&
	grep -qE '^ticks\.CPUID +[1-9][0-9]* ticks$' $T/out && grep -qE '^exits_to_user +10$' $T/out
ok $? "run --stats: the vCPU's counters for cpuid"

# MSRs refused with #GP, by MSR: msr.bin's write of a PAT memory type that
# does not exist, and its read of an MSR that does not exist
hvctl run --stats $G/msr.bin >$T/out 2>$T/err
grep -q "^msr ok$" $T/out && grep -qE '^wrmsr_gp\.0x277 +1$' $T/out &&
	grep -qE '^rdmsr_gp\.0xc0011234 +1$' $T/out && [ "$(grep -c '^[rw][dr]msr_gp\.' $T/out)" = 2 ]
ok $? "run --stats: the MSRs refused with #GP, by name (wrmsr_gp.0x277, rdmsr_gp.0xc0011234)" ||
	sed 's/^/# /' $T/out $T/err

hvctl vmcs --group guest $G/hello.bin >$T/out 2>$T/err
grep -qE '^  GUEST_RIP +681e +0x0000000000007c00$' $T/out &&
	grep -qE '^  VMCS_LINK_POINTER +2800 +0xffffffffffffffff$' $T/out &&
	grep -qE '^  GUEST_CS_AR_BYTES +4816 +0x0000009b +type=11 code/data dpl=0 present$' $T/out &&
	! grep -q '^== control' $T/out
ok $? "vmcs --group guest hello: RIP 0x7c00, link pointer ~0, CS access rights decoded"

hvctl vmcs --group guest $G/hello64.elf >$T/out 2>$T/err
grep -qE '^  GUEST_IA32_EFER +2806 +0x0000000000000500 +LME LMA$' $T/out &&
	grep -qE '^  GUEST_CR0 +6800 +0x[0-9a-f]+ +PE .*PG$' $T/out &&
	grep -qE '^  GUEST_CS_AR_BYTES +4816 +0x0000a09b +.* L G$' $T/out
ok $? "vmcs hello64: EFER LME LMA, CR0 PE..PG, a 64-bit code segment"

hvctl vmcs --group control $G/hello.bin >$T/out 2>$T/err
grep -qE '^  CPU_BASED_VM_EXEC_CONTROL +4002 +0x[0-9a-f]+ +.*HLT exiting.*unconditional I/O exiting' $T/out &&
	grep -qE '^  SECONDARY_VM_EXEC_CONTROL +401e +.*enable EPT.*unrestricted guest' $T/out
ok $? "vmcs --group control: execution controls by name"

hvctl vmcs --exits 2 --group exit $G/cpuid.bin >$T/out 2>$T/err
grep -qE '^  VM_EXIT_REASON +4402 +0x0000000a +CPUID$' $T/out &&
	grep -qE '^  VM_INSTRUCTION_ERROR +4400 +0x00000000' $T/out
ok $? "vmcs --exits 2 cpuid: the second exit is a CPUID"

hvctl vmcs --json $G/hello.bin >$T/out 2>$T/err
grep -q '^{"VIRTUAL_PROCESSOR_ID":{"encoding":"0x0000",.*"GUEST_RIP":{"encoding":"0x681e","value":"0x7c00","area":"guest state","meaning":""}' $T/out
ok $? "vmcs --json: every field by name"

hvctl vmcs --group nonsense $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "give control, exit, guest, host or all" $T/err
ok $? "vmcs --group nonsense: status 2 and the choices"

echo "1..$n"
exit $fail
