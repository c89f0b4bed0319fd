#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# explain.sh - hvctl explain as a user runs it: a fresh vCPU of each guest
# passes every VM-entry check, --json and --list, usage errors, and the
# explanation hvctl run prints after a failed entry. Prints TAP.
# (tests/vm/entry_checks.c breaks the state on purpose, check by check.)
. "$(dirname "$0")/tap.sh"
G=/guests
T=/tmp/explain-test
mkdir -p $T

for g in hello.bin hello32.elf hello64.elf; do
	hvctl explain $G/$g >$T/out 2>$T/err
	st=$?
	[ $st = 0 ] && grep -q '^all [0-9][0-9]* checks pass$' $T/out
	ok $? "explain $g: all checks pass, status 0 (got $st: $(head -c 200 $T/out))"
done

hvctl explain --json $G/hello64.elf >$T/out 2>$T/err
grep -q '^{"checks_run":[0-9]*,"failed":0,"failures":\[\]}$' $T/out
ok $? "explain --json: one object, no failures"

hvctl explain --list >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^guest.cr0.fixed0  *27.3.1.1  *33 ' $T/out &&
	grep -q '^ctl.pin.allowed0  *27.2.1.1  *7 ' $T/out &&
	grep -q '^host.cr4.fixed  *27.2.2  *8 ' $T/out
ok $? "explain --list: checks with id, SDM section and outcome"

hvctl explain >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "explain needs exactly one GUEST" $T/err
ok $? "explain without a guest: status 2 and what to type"

hvctl explain /nonexistent.bin >/dev/null 2>$T/err
[ $? = 4 ] && grep -q "cannot load '/nonexistent.bin'" $T/err
ok $? "explain of a missing file: status 4"

# A state file (hvctl step --save-state) checked without entering, then broken.
hvctl step --count 1 --save-state $T/good.json $G/hello.bin </dev/null >$T/out 2>$T/err
hvctl explain --state $T/good.json >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q '^all [0-9][0-9]* checks pass$' $T/out
ok $? "explain --state (saved by step): all checks pass (got $st: $(head -c 200 $T/out) $(head -c 200 $T/err))"
sed -e 's/"rflags": "[^"]*"/"rflags": "0x2"/' \
    -e 's/"GUEST_INTERRUPTIBILITY_INFO": "[^"]*"/"GUEST_INTERRUPTIBILITY_INFO": "0x1"/' \
    $T/good.json >$T/sti.json
hvctl explain --state $T/sti.json $G/hello.bin >$T/out 2>$T/err
st=$?
[ $st = 6 ] && grep -q '^  guest.intr.sti_if, the one VM entry reports (SDM 27.3.1.5)$' $T/out &&
	grep -q 'fields: GUEST_INTERRUPTIBILITY_INFO=0x1 (blocking by STI), GUEST_RFLAGS=0x2 (IF=0)' $T/out
ok $? "explain --state with STI blocking and IF=0: names guest.intr.sti_if, status 6 (got $st)"
hvctl run --state $T/sti.json $G/hello.bin >$T/out 2>$T/err
st=$?
[ $st = 6 ] && grep -q 'VM entry failed: exit reason 33 (VM-entry failure: invalid guest state)' $T/err &&
	grep -q 'guest.intr.sti_if, the one VM entry reports' $T/err
ok $? "run --state with that state: the real entry fails (33) and hvctl explains it (got $st)"
hvctl step --count 5 --state $T/sti.json $G/hello.bin </dev/null >$T/out 2>$T/err
st=$?
[ $st = 6 ] && grep -q 'VM entry failed: exit reason 33' $T/err &&
	grep -q 'guest.intr.sti_if, the one VM entry reports' $T/err
ok $? "step --state with that state: the failed entry is explained too (got $st)"
printf '{"format": "nonsense"}\n' >$T/bad.json
hvctl explain --state $T/bad.json >$T/out 2>$T/err
[ $? = 4 ] && grep -q -- '--state' $T/err
ok $? "explain --state with a bad file: status 4 and where"

P=/sys/module/hvlab/parameters/fault_msr_load
if [ -w $P ]; then
	echo 1 >$P
	hvctl run $G/hello.bin >$T/out 2>$T/err
	st=$?
	echo 0 >$P
	[ $st = 6 ] && grep -q "VM entry failed: exit reason 34" $T/err &&
		grep -q "explain: VM entry loaded the guest state, then failed on entry 2 of the VM-entry MSR-load list" $T/err
	ok $? "run with fault_msr_load: exit 34 explained (status $st: $(tail -n 1 $T/err))"
else
	n=$((n + 1))
	echo "ok $n # SKIP no fault_msr_load parameter (no RDTSCP, no MSR-load list)"
fi

echo "1..$n"
exit $fail
