#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# differential.sh - every guest in /guests under hvlab and under KVM
# (hvctl run --backend=kvm): the same console output, exit status and
# final registers (hvctl run --regs-json), or a side-by-side difference.
# KVM is the reference: where hvlab differs, hvlab is usually wrong.
# Prints TAP, one line per guest, plus one for each switch between
# hypervisors.
#
# Only one hypervisor can hold VT-x, and 6.12's kvm takes it when it
# loads, so: all guests under hvlab, rmmod hvlab, load-kvm, all guests
# under KVM, rmmod kvm_intel kvm irqbypass, insmod /hvlab/hvlab.ko again
# (later tests need it).
. "$(dirname "$0")/tap.sh"
G=/guests
T=/tmp/differential
rm -rf $T
mkdir -p $T/hvlab $T/kvm

# Guests whose results legitimately differ between the backends. For each:
# what is still compared, and why the rest differs. Everything else is
# compared in full: console, exit status and all registers.
#   compare=status      only the exit status (the guest takes another path)
#   compare=hvlab_only  the guest checks what only hvlab gives (its hypercalls,
#                       its CPUID signature): status 0 under hvlab, and the
#                       guest's failure status 3 under KVM
#   compare=none        nothing: the behaviour differs by design (TAP SKIP)
#   ignore="REG ..."    registers left out (values that differ run to run)
spec() {
	compare=all ignore="" why=""
	case $1 in
	cr4_bits.bin)
		compare=status
		why="which CR4 bits a guest may set is the hypervisor's choice (KVM emulates UMIP, for one); the bits go to port 0xf0, which hvctl reports as unclaimed, and tests/vm/isolation.c checks hvlab's" ;;
	cpuid.bin)
		compare=hvlab_only
		why="CPUID leaf 0x40000000 names the hypervisor: the guest wants 'hvlabhvlabhv', KVM says 'KVMKVMKVM', so the check fails there by design" ;;
	hypercall32.elf|hypercall64.elf|paravirt32.elf|paravirt64.elf|pv_hostile32.elf|pv_hostile64.elf|crossings32.elf|crossings64.elf)
		compare=hvlab_only
		why="the guest checks hvlab's hypercalls (docs/hypercalls.md); KVM answers -KVM_ENOSYS, so the check fails there by design" ;;
	invpcid64.elf)
		ignore="rcx rdx"
		why="CPUID leaf 7 stays in rcx and rdx: KVM adds features it emulates in software (UMIP, IA32_ARCH_CAPABILITIES), hvlab passes the CPU's through" ;;
	cpu_truth64.elf)
		compare=status
		why="it tries the features each hypervisor advertises, and KVM virtualizes more (x2APIC, the TSC deadline, the speculation controls): the lines differ; under both, every advertised feature must work (status 0)" ;;
	lapic32.elf|lapic64.elf)
		compare=status
		why="it prints TSC ticks it measured (the timer's 100 periods, the cost of an APIC write), which differ from run to run and between hypervisors; under both, every check of hvctl's local APIC must pass (status 0)" ;;
	rdrand32.elf|rdrand64.elf)
		compare=none
		why="the lab kernel hides RDRAND and RDSEED from itself (clearcpuid), and KVM's CPUID follows the kernel, so the guest stops early; hvlab reports what the CPU executes" ;;
	task_switch32.elf)
		compare=none
		why="KVM emulates hardware task switches; hvlab sends them to userspace and the guest stops (docs/exit-reasons.md, reason 9)" ;;
	debugreg32.elf|debugreg64.elf)
		compare=hvlab_only
		why="an I/O breakpoint (CR4.DE, R/W = 10) on an OUT and an IN to port 0x80: the CPU raises it after the instruction, and so does hvlab, whose exit came first (module/debugreg.c); KVM's port I/O path does not look at the guest's DR7, so no #DB comes and the guest's check fails there" ;;
	rep_step32.elf|rep_step64.elf)
		compare=hvlab_only
		why="single-stepping a REP OUTSB of 3 elements: the CPU's own REP MOVSB traps 3 times, RF clear in the frames, and so does hvlab; KVM's emulator traps 4 times with RF set, so the guest's check fails there" ;;
	vmcall.bin)
		compare=hvlab_only
		why="VMCALL is a hypercall into the hypervisor: hvlab's functions 0 and 1 (docs/hypercalls.md) are not KVM's (KVM answers -KVM_ENOSYS), so the check fails there by design" ;;
	bench.bin)
		ignore="rax rdx rsi rflags"
		why="RDTSC readings (rax, rdx, rsi) and the flags of the last subtraction of two differ from run to run" ;;
	intercepts.bin)
		ignore="rax rdx rsi rdi"
		why="RDTSC/RDTSCP readings (rax, rdx, rsi, rdi) differ from run to run" ;;
	msr.bin)
		ignore="rax rdx rsi rdi"
		why="the TSC read with RDMSR stays in parts of rax, rdx, rsi, rdi, and differs from run to run" ;;
	xsetbv.bin)
		ignore="rcx rdx"
		why="where the host has no XSAVE (both lab kernels in Bochs), CPUID leaf 1's feature bits stay in rcx and rdx: hvlab passes the host's through (less VMX, XSAVE), KVM only what it virtualizes" ;;
	esac
}

# run_all BACKEND: every case, into $T/BACKEND/NAME.{out,err,status,regs}
run_all() {
	while read -r name path opts; do
		hvctl run --backend=$1 --regs-json $T/$1/$name.regs $opts $path \
			</dev/null >$T/$1/$name.out 2>$T/$1/$name.err
		echo $? >$T/$1/$name.status
	done <$T/cases
}

# regs BACKEND GUEST: "NAME VALUE" lines from the --regs-json object
regs() {
	[ -s $T/$1/$2.regs ] || { echo "(none)"; return; }
	tr -d '{}"\n' <$T/$1/$2.regs | tr ',' '\n' | tr ':' ' '
	echo
}

# side_by_side FILE1 FILE2 [MAX]: two columns, hvlab | kvm, '*' where
# they differ; at most MAX lines (default: all)
side_by_side() {
	l1=$(wc -l <"$1") l2=$(wc -l <"$2")
	[ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ] && l1=$((l1 + 1))
	[ -s "$2" ] && [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" != '\n' ] && l2=$((l2 + 1))
	max=$l1
	[ $l2 -gt $max ] && max=$l2
	show=$max
	[ -n "$3" ] && [ $show -gt $3 ] && show=$3
	printf '#   %-36s   %s\n' "hvlab" "kvm"
	i=1
	while [ $i -le $show ]; do
		x=$(sed -n "${i}p" "$1") y=$(sed -n "${i}p" "$2")
		m=' '
		[ "$x" != "$y" ] && m="*"
		printf "# %s %-36s | %s\n" "$m" "$x" "$y"
		i=$((i + 1))
	done
	[ $show -lt $max ] && echo "#   ... $((max - show)) more lines in $1 and $2"
	return 0
}

guests=$(ls $G/*.bin $G/*.elf 2>/dev/null)
if [ -z "$guests" ]; then
	echo "1..0 # SKIP no guests in $G"
	exit 0
fi
# The cases, "NAME PATH [OPTIONS]": every guest, then hvctl's own rules
# (docs/hvctl.md) on small guests: the exit port, and --strict stopping
# after an OUT, an MMIO write and at an IN (final RIP past the first two,
# at the IN for the third, as hvlab leaves it).
printf '\xb0\x05\xe6\xf4' >$T/exit5.bin			# mov $5,%al; out %al,$0xf4
printf '\xb8\x34\x12\xe4\x80\xfa\xf4' >$T/in80.bin	# mov $0x1234,%ax; in $0x80,%al; cli; hlt
{
	for g in $guests; do echo "$(basename $g) $g"; done
	echo "exit5 $T/exit5.bin"
	echo "io.bin--strict $G/io.bin --strict"
	echo "mmio.bin--strict $G/mmio.bin --strict"
	echo "in80--strict $T/in80.bin --strict"
} >$T/cases

# --- hvlab ---
had_hvlab=0
grep -q '^hvlab ' /proc/modules && had_hvlab=1
if grep -q '^kvm_intel ' /proc/modules; then
	rmmod kvm_intel kvm irqbypass 2>/dev/null
fi
[ $had_hvlab = 1 ] || insmod /hvlab/hvlab.ko
run_all hvlab

# --- KVM ---
rmmod hvlab && load-kvm >$T/load-kvm.log 2>&1
st=$?
[ $st = 0 ] || sed 's/^/# /' $T/load-kvm.log
ok $st "rmmod hvlab, load-kvm"
if [ $st = 0 ]; then
	run_all kvm
else
	while read -r b path opts; do
		echo "load-kvm failed" >$T/kvm/$b.err
		: >$T/kvm/$b.out
		echo none >$T/kvm/$b.status
	done <$T/cases
fi
rmmod kvm_intel kvm irqbypass
st=$?
insmod /hvlab/hvlab.ko
st=$((st + $?))
[ $had_hvlab = 1 ] || rmmod hvlab
ok $st "rmmod kvm_intel kvm irqbypass, insmod hvlab.ko again"

# --- compare ---
while read -r b path opts; do
	spec $b
	d="$(basename $path)${opts:+ $opts}"
	h=$T/hvlab/$b k=$T/kvm/$b
	bad=
	if [ $compare = none ]; then
		n=$((n + 1))
		echo "ok $n $d # SKIP not compared: $why"
		continue
	fi
	if [ $compare = hvlab_only ]; then
		[ "$(cat $h.status)" = 0 ] && [ "$(cat $k.status)" = 3 ] || bad="$bad status"
	else
		[ "$(cat $h.status)" = "$(cat $k.status)" ] || bad="$bad status"
	fi
	if [ $compare = all ]; then
		cmp -s $h.out $k.out || bad="$bad console"
		regs hvlab $b >$h.regs.txt
		regs kvm $b >$k.regs.txt
		for r in $ignore; do
			sed -i "s/^$r .*/$r (not compared)/" $h.regs.txt $k.regs.txt
		done
		cmp -s $h.regs.txt $k.regs.txt || bad="$bad registers"
	fi
	what="console, status $(cat $h.status), registers"
	[ $compare = status ] && what="status $(cat $h.status) only"
	if [ $compare = hvlab_only ]; then
		ok $([ -z "$bad" ]; echo $?) "$d: passes its checks under hvlab (status 0) and fails them under KVM (status 3), as it should: $why"
		[ -z "$bad" ] || echo "#   exit status: hvlab $(cat $h.status), kvm $(cat $k.status)"
		continue
	fi
	[ -n "$ignore" ] && what="$what except $ignore"
	if [ -z "$bad" ]; then
		if [ -n "$why" ]; then
			ok 0 "$d: same $what under hvlab and KVM (legitimately different otherwise: $why)"
		else
			ok 0 "$d: same $what under hvlab and KVM"
		fi
		continue
	fi
	ok 1 "$d: hvlab and KVM differ in:$bad"
	echo "#   exit status: hvlab $(cat $h.status), kvm $(cat $k.status)"
	case "$bad" in *console*)
		echo "#   console (stdout):"
		side_by_side $h.out $k.out ;;
	esac
	case "$bad" in *registers*)
		echo "#   registers (differing ones):"
		printf '#   %-36s   %s\n' "hvlab" "kvm"
		paste -d '|' $h.regs.txt $k.regs.txt | while IFS='|' read -r a c; do
			[ "$a" != "$c" ] && printf '# * %-36s | %s\n' "$a" "$c"
		done ;;
	esac
	echo "#   stderr (not compared):"
	side_by_side $h.err $k.err 10
	[ -n "$why" ] || echo "#   $b has no entry in spec() in tests/vm/differential.sh. KVM is the reference, so hvlab is probably wrong; if the guest differs by design (a hypercall, a TSC reading), add an entry there that says what to compare and why (docs/extending.md)."
done <$T/cases

echo "1..$n"
exit $fail
