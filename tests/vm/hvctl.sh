#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hvctl.sh - hvctl as a user runs it: output, exit statuses, the JSON
# trace and stepping. Prints TAP.
. "$(dirname "$0")/tap.sh"
G=/guests
T=/tmp/hvctl-test
mkdir -p $T

hvctl run $G/hello.bin >$T/out 2>$T/err
ok $? "run hello: status 0 (halted)"
[ "$(cat $T/out)" = "Hello from an hvlab guest!" ]
ok $? "run hello: greeting on stdout"

for g in cpuid io strio vmcall loop faults cr dr vmx_insns xsetbv msr; do
	hvctl run $G/$g.bin >$T/out 2>$T/err
	st=$?
	[ $st = 0 ] && grep -q "$g ok\$" $T/out
	ok $? "run $g: prints '$g ok' and halts (status $st)"
done

# io.bin reads and writes port 0x80, the POST-code port: claimed, and silent
hvctl run $G/io.bin >$T/out 2>$T/err
[ $? = 0 ] && ! grep -q "unclaimed" $T/err
ok $? "run io: port 0x80 (POST codes) is silent"

# mov $1000,%cx; 1: out %al,$0x99; loop 1b; in $0x99,%al; hlt
printf '\xb9\xe8\x03\xe6\x99\xe2\xfc\xe4\x99\xf4' > $T/poll99.bin
hvctl run $T/poll99.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && [ "$(grep -c warning $T/err)" = 1 ] &&
	grep -q "^hvctl: warning: unclaimed I/O port 0x99 (1 byte) at rip 0x7c03: write dropped; more accesses there are counted, not shown$" $T/err &&
	grep -q "^hvctl: unclaimed: I/O port 0x99: 1 read, 1000 writes$" $T/err
ok $? "run: 1,000 writes to an unclaimed port: one warning, and the count at the end (status $st)" || sed 's/^/# /' $T/err

# mov $0xfe,%al; out %al,$0x64; hlt: the keyboard controller's reset line
printf '\xb0\xfe\xe6\x64\xf4' > $T/reset.bin
hvctl run $T/reset.bin >$T/out 2>$T/err
st=$?
[ $st = 12 ] && grep -q "^hvctl: the guest requested a reset (i8042 command 0xfe)$" $T/err
ok $? "run: i8042 command 0xfe ends the run as a reset, status 12 (got $st)"

# --reboot: the PC starts again, CMOS memory kept (guests/elf/reboot.c);
# a guest that resets at every boot ends by --timeout, over all its boots
hvctl run $G/reboot64.elf >$T/out 2>$T/err
st=$?
[ $st = 12 ] && [ "$(cat $T/out)" = "reboot: first boot, resetting the PC" ]
ok $? "run reboot64: the reset ends the run, status 12 (got $st)" || sed 's/^/# /' $T/out $T/err
hvctl run --reboot $G/reboot32.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && [ "$(cat $T/out)" = "$(printf 'reboot: first boot, resetting the PC\nreboot: second boot, CMOS memory kept')" ] &&
	grep -q "^hvctl: rebooting (--reboot)$" $T/err
ok $? "run --reboot reboot32: a second boot finds its CMOS byte, status 0 (got $st)" || sed 's/^/# /' $T/out $T/err
hvctl run --reboot --timeout 0.1 $T/reset.bin >$T/out 2>$T/err
st=$?
reboots=$(grep -c "^hvctl: rebooting" $T/err)
[ $st = 14 ] && [ "$reboots" -ge 2 ] && grep -q "stopped after 0.1 s (--timeout)" $T/err
ok $? "run --reboot --timeout 0.1 on a guest that always resets: $reboots reboots, then the timeout's status 14 (got $st)" ||
	tail -5 $T/err | sed 's/^/# /'
hvctl step --reboot $T/reset.bin >$T/out 2>$T/err
[ $? = 2 ] && grep -q "reboot is an option of hvctl run and trace" $T/err
ok $? "step --reboot: status 2, run and trace only"

# cli; 1: jmp 1b: a guest that never exits, interrupts off; and one that loops on CPUID (kernel-handled exits)
printf '\xfa\xeb\xfe' > $T/spin_cli.bin
printf '\x0f\xa2\xeb\xfc' > $T/cpuid_loop.bin
for g in spin_cli cpuid_loop; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	hvctl run --timeout 0.1 $T/$g.bin >$T/out 2>$T/err
	st=$?
	took=$(awk -v t0="$t0" '{ printf "%d", $1 - t0 }' /proc/uptime)
	[ $st = 14 ] && grep -q "^hvctl: stopped after 0.1 s (--timeout): the guest had not ended; the last exit #[0-9]* at rip 0x7c0" $T/err
	ok $? "run --timeout 0.1 $g: status 14 and where it was (got $st after ${took} s of lab time)" || sed 's/^/# /' $T/err
done
hvctl run --timeout 0 $T/spin_cli.bin >$T/out 2>$T/err
[ $? = 2 ] && grep -q "give a number of seconds" $T/err
ok $? "run --timeout 0: status 2 and advice"

# Interrupts: the PIT's IRQ 0 through the 8259A, in STI; HLT (hvctl sleeps
# until the next tick and never spins: about one HLT exit a tick), with
# IRQ 0 in service (the next waits for the EOI) and while spinning
for m in 32 64; do
	hvctl trace --timeout 60 $G/pic_timer$m.elf >$T/out 2>$T/err
	st=$?
	hlts=$(awk '$1 == "HLT" { print $2 }' $T/out)
	[ $st = 0 ] && [ "${hlts:-0}" -ge 102 ] && [ "$hlts" -le 110 ] && grep -q "^pic_timer: 100 PIT interrupts, each after a HLT: yes$" $T/out &&
		grep -q "^pic_timer: 0 interrupts in three periods with IRQ 0 in service$" $T/out &&
		grep -q "^pic_timer: a tick waits while IRQ 0 is in service, and comes after its EOI$" $T/out &&
		grep -q "^pic_timer: 5 ticks while spinning with interrupts on$" $T/out
	ok $? "trace pic_timer$m: 100 PIT interrupts in sti;hlt ($hlts HLT exits), ISR priority, ticks while spinning (status $st)" ||
		sed 's/^/# /' $T/out $T/err
done

# The local APIC (platform/lapic.c): CPUID and IA32_APIC_BASE, firmware's
# virtual wire, the timer periodic (100 interrupts in sti;hlt) and one-shot,
# self-IPIs, TPR, ESR, software and global disable, the PIC through LINT0
for m in 32 64; do
	hvctl trace --timeout 60 $G/lapic$m.elf >$T/out 2>$T/err
	st=$?
	hlts=$(awk '$1 == "HLT" { print $2 }' $T/out)
	[ $st = 0 ] && grep -q "^lapic: 100 periodic timer interrupts at 1 kHz, each after a HLT: yes" $T/out &&
		grep -q "^lapic: one-shot: one interrupt, the current count down to 0$" $T/out &&
		grep -q "^lapic: self-IPIs by shorthand and destination" $T/out &&
		grep -q "^lapic: TPR: an IPI of its class waits in the IRR" $T/out &&
		grep -q "^lapic: the PIC through LINT0 (ExtINT); LINT0 masked keeps it out$" $T/out &&
		grep -q "^lapic: IA32_APIC_BASE: disabled, the PIC goes direct; enabled again, powered up$" $T/out
	ok $? "trace lapic$m: the APIC timer, IPIs, priorities, LINT0 and the global enable ($hlts HLT exits, status $st)" ||
		sed 's/^/# /' $T/out $T/err
	grep "^lapic: \(TSC ticks\|100 periodic\)" $T/out | sed 's/^/# /'
done

# The I/O APIC (platform/ioapic.c): the PIT on pin 2 (edge), the RTC's
# periodic interrupt on pin 8 (level: remote IRR until the EOI), a mask
for m in 32 64; do
	hvctl run --timeout 60 $G/ioapic$m.elf >$T/out 2>$T/err
	st=$?
	[ $st = 0 ] && grep -qx "ioapic: version 0x11, 24 pins" $T/out &&
		grep -qx "ioapic: 10 PIT ticks through pin 2, edge-triggered" $T/out &&
		grep -qx "ioapic: 5 RTC interrupts through pin 8, level-triggered, remote IRR in the handler: yes" $T/out &&
		grep -qx "ioapic: pin 2 masked: 0 PIT ticks meanwhile" $T/out
	ok $? "run ioapic$m: the PIT and the RTC through the I/O APIC, edge and level (status $st)" ||
		sed 's/^/# /' $T/out $T/err
done

# COM1's receiver: stdin, a byte at a time as the FIFO has room, IRQ 4
printf 'hello\nworld\nbye\n' | hvctl run --timeout 60 $G/uart_echo64.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && [ "$(tr -d '\r' <$T/out | head -4)" = "$(printf 'uart_echo: ready\necho: hello\necho: world\nuart_echo: bye')" ]
ok $? "run uart_echo64: stdin reaches the guest's interrupt-driven UART, lines echoed (status $st)" ||
	sed 's/^/# /' $T/out $T/err
(printf 'one\r\n'; sleep 1; printf 'two\r\nbye\r\n') | hvctl run --timeout 60 $G/uart_echo32.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && [ "$(tr -d '\r' <$T/out | grep -c '^echo: ')" = 2 ]
ok $? "run uart_echo32: input that comes later wakes the halted guest (status $st)" || sed 's/^/# /' $T/out $T/err
hvctl run --timeout 60 $G/uart_echo32.elf </dev/null >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "^hvctl: the guest halted with interrupts enabled, and nothing will wake it: no device timer is running and no input can come" $T/err
ok $? "run uart_echo32 </dev/null: halted with nothing to wake it, status 0 (got $st)" || sed 's/^/# /' $T/err

# The CPU tells the truth (docs/cpuid.md): every feature CPUID shows works,
# the local APIC too (hvctl's); what hvlab does not virtualize (machine
# checks, MTRRs, x2APIC, the speculation MSRs) is not shown, so not tried
hvctl run $G/cpu_truth64.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "^cpu_truth: [0-9]* advertised features tried, 0 failed$" $T/out &&
	grep -q "^cpu_truth: leaves 0x15/0x16: the TSC's frequency: works$" $T/out &&
	grep -q "^cpu_truth: IA32_MISC_ENABLE: hvlab refuses the CPUID limit: works$" $T/out &&
	grep -q "^cpu_truth: APIC: IA32_APIC_BASE: works$" $T/out &&
	grep -q "^cpu_truth: APIC: its version register: works$" $T/out &&
	! grep -qE "MCE|MCA|MTRR|x2APIC|TSC deadline|SPEC_CTRL|ARCH_CAPABILITIES|TSC_ADJUST" $T/out
ok $? "run cpu_truth64: every advertised feature works, the unvirtualized are hidden (status $st)" ||
	sed 's/^/# /' $T/out

# The Linux loader (userspace/loaders/linux.c): fake_linux.bin checks what
# the boot protocol promises at the 64-bit entry, then prints what it got
printf 'the initrd, first line\nsecond line\n' >$T/initrd
hvctl run --kernel $G/fake_linux.bin --initrd $T/initrd --append "console=ttyS0 -- echo hi" >$T/out 2>$T/err
st=$?
[ $st = 1 ] && [ "$(cat $T/out)" = "$(printf 'fake_linux: command line: console=ttyS0 -- echo hi\nfake_linux: initrd: the initrd, first line')" ]
ok $? "run --kernel fake_linux.bin --initrd --append: zero page, e820, command line and initrd as the boot protocol says (status $st)" ||
	sed 's/^/# /' $T/out $T/err
hvctl run $G/fake_linux.bin >$T/out 2>$T/err
st=$?
ok $([ $st = 17 ]; echo $?) "run fake_linux.bin: a bzImage is known by its header; without an initrd its check 8 fails (status 17, got $st)"
hvctl run --kernel $G/fake_linux.bin --append "$(printf '%0300d' 0)" >$T/out 2>$T/err
st=$?
[ $st = 4 ] && grep -q "longer than the kernel takes (cmdline_size)" $T/err
ok $? "run --kernel --append: a command line over cmdline_size is refused (status $st)" || sed 's/^/# /' $T/err
hvctl run --append quiet $G/hello.bin >$T/out 2>$T/err
st=$?
[ $st = 2 ] && grep -q "are for a Linux kernel" $T/err
ok $? "run --append with a boot sector: refused, status 2 (got $st)"

# The guest's own debug registers (module/debugreg.c): breakpoints, TF,
# general detect, RF in the frames of faults, #DB with the DR6 of the SDM
for g in debugreg32 debugreg64; do
	hvctl run $G/$g.elf >$T/out 2>$T/err
	st=$?
	[ $st = 0 ] && grep -qx "debugreg: instruction breakpoint: 1 #DB, at the instruction: yes, DR6 0x1" $T/out &&
		grep -qx "debugreg: write breakpoint: 1 #DB after the write (value 7), DR6 0x2" $T/out &&
		grep -qx "debugreg: single step: 1 #DB, DR6 0x4000" $T/out &&
		grep -qx "debugreg: read/write breakpoint: 1 #DB after the read, DR6 0x4" $T/out &&
		grep -qx "debugreg: DR3 instruction breakpoint: 1 #DB, at the instruction: yes, DR6 0x8" $T/out &&
		grep -qx "debugreg: general detect: 1 #DB, at the MOV: yes, DR6 0x2000, DR7 in the handler 0x400" $T/out &&
		grep -qx "debugreg: single step over CPUID: 1 #DB, right after it: yes, DR6 0x4000" $T/out &&
		grep -q "^debugreg: single step over STI: the VM lives" $T/out &&
		grep -qx "debugreg: #GP injected by hvlab: RF in its frame: yes" $T/out &&
		grep -qx "debugreg: I/O breakpoint: 1 #DB after the OUT, right after it: yes, 1 after the IN, DR6 0x8" $T/out &&
		grep -qx "debugreg: I/O breakpoint and TF: 1 #DB, DR6 0x4008" $T/out &&
		grep -qx "debugreg: ok" $T/out
	ok $? "run $g: DR0-DR7 are the guest's: execute, write, read/write and I/O breakpoints, TF, GD, RF in fault frames (status $st)" ||
		sed 's/^/# /' $T/out $T/err
done

# TF over REP string instructions whose elements hvlab moves (strio.c,
# mmio_ops.c): a #DB after each element, as after each of the CPU's own
for g in rep_step32 rep_step64; do
	hvctl run $G/$g.elf >$T/out 2>$T/err
	st=$?
	[ $st = 0 ] &&
		grep -qx "rep_step: REP MOVSB in RAM: aan; REP OUTSB: aan; REP STOSB to MMIO: aan" $T/out
	ok $? "run $g: single-stepping REP OUTSB and REP STOSB to MMIO traps after each element, as REP MOVSB in RAM (status $st)" ||
		sed 's/^/# /' $T/out $T/err
done

# Multiboot v1 (userspace/loaders/multiboot.c): guests/multiboot/mbinfo.c
# checks what the loader promised (magic, CPU state, information structure,
# memory map against fw_cfg's RAM size, modules) and the PC's interrupts
printf 'the first module\nand its second line\n' >$T/mod.txt
mb_size=$(wc -c <$G/multiboot.elf | tr -d ' ')
hvctl run --kernel $G/multiboot.elf --append "hello=world x" --module "$T/mod.txt,a=1,b" \
	--module $G/multiboot.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -qx "mbinfo: cmdline '$G/multiboot.elf hello=world x'" $T/out &&
	grep -qx "mbinfo: magic 0x2badb002, info at 0x9000, .*" $T/out &&
	grep -qx "mbinfo: boot loader 'hvctl'" $T/out &&
	grep -qx "mbinfo: fw_cfg: 128 MiB of RAM, 1 CPU" $T/out &&
	grep -qx "mbinfo: mem_lower 639 KiB, mem_upper 130048 KiB" $T/out &&
	grep -qx "mbinfo: module 0: 37 bytes at 0x[0-9a-f]*000, string '$T/mod.txt a=1,b'" $T/out &&
	grep -qx "mbinfo: module text: 'the first module'" $T/out &&
	grep -qx "mbinfo: module 1: $mb_size bytes at 0x[0-9a-f]*000, string '$G/multiboot.elf'" $T/out &&
	grep -qx "mbinfo: module 1 is an ELF file" $T/out &&
	grep -qx "mbinfo: 10 PIT interrupts through the 8259A" $T/out &&
	grep -qx "mbinfo: 10 local APIC timer interrupts" $T/out &&
	grep -qx "mbinfo: ok" $T/out
ok $? "run --kernel multiboot.elf --append --module x2: magic, info structure, memory, command line, modules, PIT, APIC timer, self-IPI (status $st)" ||
	sed 's/^/# /' $T/out $T/err
hvctl run --mem 8M $G/multiboot_aout.img >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -qx "mbinfo: cmdline '$G/multiboot_aout.img'" $T/out &&
	grep -qx "mbinfo: mem_lower 639 KiB, mem_upper 7168 KiB" $T/out &&
	grep -qx "mbinfo: 0 modules" $T/out && grep -qx "mbinfo: ok" $T/out
ok $? "run multiboot_aout.img --mem 8M: a flat binary loaded by the header's address fields (the a.out kludge) (status $st)" ||
	sed 's/^/# /' $T/out $T/err
hvctl run --initrd $T/mod.txt $G/multiboot.elf >$T/out 2>$T/err
st=$?
[ $st = 2 ] && grep -q "give it files with --module FILE\[,ARGS\], not --initrd" $T/err
ok $? "run --initrd with a multiboot kernel: refused, status 2 (got $st)"
hvctl run --module $T/mod.txt $G/fake_linux.bin >$T/out 2>$T/err
st=$?
[ $st = 2 ] && grep -q "is a Linux kernel: --module is for a multiboot kernel" $T/err
ok $? "run --module with a bzImage: refused, status 2 (got $st)"
hvctl run --module /nonexistent/mod $G/multiboot.elf >$T/out 2>$T/err
st=$?
[ $st = 4 ] && grep -q "cannot load '$G/multiboot.elf': --module /nonexistent/mod: No such file or directory" $T/err
ok $? "run --module with a missing file: status 4, said (got $st)" || sed 's/^/# /' $T/err

hvctl run --strict $T/poll99.bin >$T/out 2>$T/err
ok $([ $? = 8 ]; echo $?) "run --strict: stops at the first unclaimed access with status 8"

hvctl run $G/mmio.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "^mmio ok" $T/out &&
	grep -q "unclaimed guest-physical address 0xb8000 (2 bytes)" $T/err
ok $? "run mmio: write dropped with a warning, read all ones (status $st)"

hvctl run $G/triple_fault.bin >$T/out 2>$T/err
st=$?
[ $st = 6 ] && grep -q "triple-faulted" $T/err
ok $? "run triple_fault: status 6 and a message (got $st)"

printf '\xb0\x05\xe6\xf4' > $T/exit5.bin	# mov $5,%al; out %al,$0xf4
hvctl run $T/exit5.bin >$T/out 2>$T/err
ok $([ $? = 11 ]; echo $?) "run: port 0xf4 value 5 exits with status 11"

# mov $0x1b,%al; out %al,$0xe9; mov $'[',%al; out; mov $'\n',%al; out; hlt
printf '\xb0\x1b\xe6\xe9\xb0\x5b\xe6\xe9\xb0\x0a\xe6\xe9\xf4' > $T/esc.bin
hvctl run $T/esc.bin >$T/out 2>$T/err
[ $? = 0 ] && [ "$(cat $T/out)" = '\x1b[' ]
ok $? "run: the guest's ESC is shown as \\x1b, not sent to the terminal"
hvctl run --raw-console $T/esc.bin >$T/out 2>$T/err
[ $? = 0 ] && [ "$(cat $T/out)" = "$(printf '\033[')" ]
ok $? "run --raw-console: the guest's bytes as they are"

hvctl run --regs-json - $T/exit5.bin >$T/out 2>$T/err
[ $? = 11 ] && grep -q '^{"rax":"0x5","rbx":"0x0",.*,"r15":"0x0","rip":"0x7c04","rflags":"0x[0-9a-f]*","mxcsr":"0x1f80","xmm0":"0x0\{32\}",.*,"xmm15":"0x0\{32\}"}$' $T/out
ok $? "run --regs-json -: the final registers as one JSON object, RIP past the OUT, MXCSR and XMM0-15 as reset left them"

hvctl run --backend=kvm --intercept rdtsc $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--intercept needs the hvlab backend" $T/err
ok $? "run --backend=kvm --intercept: status 2, needs the hvlab backend"
hvctl run --backend=kvm --trace-json - $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--trace-json needs the hvlab backend" $T/err
ok $? "run --backend=kvm --trace-json: status 2, needs the hvlab backend"
hvctl step --backend=kvm $G/hello.bin </dev/null >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "step needs the hvlab backend" $T/err
ok $? "step --backend=kvm: status 2, needs the hvlab backend"
hvctl run --backend=xen $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "give hvlab or kvm" $T/err
ok $? "run --backend with an unknown name: status 2 and advice"
if [ ! -e /dev/kvm ]; then
	hvctl run --backend=kvm $G/hello.bin >/dev/null 2>$T/err
	[ $? = 4 ] && grep -q "/dev/kvm does not exist: .*load-kvm" $T/err
	ok $? "run --backend=kvm without KVM: status 4, says how to load it"
fi

hvctl run --trace-json $T/trace.json $G/cpuid.bin >$T/out 2>$T/err
ok $? "run --trace-json: status 0"
grep -c '"name":"CPUID"' $T/trace.json | grep -qx 3
ok $? "trace: three CPUID exits, handled in the kernel, are in the trace"
grep -q '^{"seq":1,"reason":10,"name":"CPUID","rip":"0x7c03",' $T/trace.json &&
	! grep -q '"rip":[^"]' $T/trace.json
ok $? "trace: first record is seq 1, CPUID at rip 0x7c03; every RIP a hex string"
grep '"reason":30' $T/trace.json | head -1 | grep -q '"port":233,"size":1,"direction":"out"'
ok $? "trace: I/O records carry port, size and direction"
tail -1 $T/trace.json | grep -q '"reason":12,"name":"HLT"'
ok $? "trace: the last record is the HLT"

hvctl run --trace-json $T/mmio.json $G/mmio.bin >/dev/null 2>&1
grep -q '"gpa":"0xb8000","access":"write"' $T/mmio.json && grep -q '"gpa":"0xb8002","access":"read"' $T/mmio.json
ok $? "trace: EPT violations carry gpa (a hex string) and access"

# JSON on stdout: the guest's console ("cpuid ok") goes to stderr instead of
# between the records; every line a JSON object whose RIP parses as hex
hvctl run --trace-json - --regs-json - $G/cpuid.bin >$T/out 2>$T/err
st=$?
rips=$(sed -n 's/.*"rip":"\(0x[0-9a-f]*\)".*/\1/p' $T/out)
bad=
for r in $rips; do
	[ "$(printf '%d' "$r" 2>/dev/null)" -ge $((0x7c00)) ] 2>/dev/null || bad="$bad $r"
done
[ $st = 0 ] && ! grep -qv '^{.*}$' $T/out && [ "$(grep -c '"reason":' $T/out)" -ge 13 ] &&
	tail -1 $T/out | grep -q '^{"rax":' && [ "$(cat $T/err)" = "cpuid ok" ] &&
	[ -n "$rips" ] && [ -z "$bad" ]
ok $? "run --trace-json - --regs-json -: stdout only JSON lines, RIPs in hex (0x7c03 ...), the console on stderr" ||
	sed 's/^/# /' $T/out $T/err

hvctl step --count 4 $G/cpuid.bin >$T/out 2>$T/err
ok $? "step --count 4: status 0"
grep -q "^#1 CPUID (10) at rip 0x7c03" $T/out && grep -q "handled in the kernel" $T/out &&
	grep -q "stopped after 4 exits" $T/out
ok $? "step: shows each exit decoded, in-kernel ones too"

hvctl step $G/hello.bin </dev/null >$T/out 2>$T/err
grep -q "out port 0xe9, 1 byte" $T/out && grep -q "out 0x48 'H'" $T/out && grep -q "HLT (12)" $T/out &&
	grep -q "^    console: Hello from an hvlab guest!$" $T/out
ok $? "step without a terminal runs to the end, decoding every exit"

hvctl step $G/strio.bin </dev/null >$T/out 2>$T/err
grep -q "^#1 I/O instruction (30) at rip 0x7c10: rep outsb port 0xe9, 1 byte, port in DX" $T/out &&
	grep -q "^    to userspace: rep outsb 0x72 'r' (this element and 17 more)$" $T/out &&
	grep -q "^    to userspace: rep outsb 0xa (the last element)$" $T/out &&
	grep -q "^    to userspace: rep insw, hvctl supplies the value (this element and 2 more)$" $T/out &&
	grep -q "^    to userspace: outsd 0x89abcdef$" $T/out &&
	grep -q "^    console: strio ok$" $T/out
ok $? "step strio: string I/O shown as rep outsb/insw, one element per exit, with the count"

hvctl run --intercept rdtsc,pause,invlpg --exceptions ud,bp --trace-json $T/ic.json \
	$G/intercepts.bin >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q "intercepts ok" $T/out && grep -q '"name":"RDTSCP"' $T/ic.json &&
	[ "$(grep -c '"name":"EXCEPTION_NMI"' $T/ic.json)" = 2 ]
ok $? "run --intercept/--exceptions: the exits show in the trace, the guest is none the wiser"

hvctl run --exceptions ud,xyz $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "give vectors 0-31 or names" $T/err
ok $? "run --exceptions with an unknown name: status 2 and advice"

hvctl run --mem 3 $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "give a multiple of 4K" $T/err
ok $? "run --mem with a bad size: status 2 and advice"

hvctl run /nonexistent.bin >/dev/null 2>$T/err
[ $? = 4 ] && grep -q "cannot load" $T/err
ok $? "run with a missing guest: status 4"

hvctl frobnicate >/dev/null 2>$T/err
[ $? = 2 ] && grep -q "unknown command" $T/err
ok $? "unknown command: status 2"

hvctl info >$T/out 2>$T/err && grep -q "VMCS revision identifier 0x" $T/out &&
	grep -q "unrestricted guest .*yes" $T/out
ok $? "info: decoded capabilities"
hvctl info --json >$T/out && grep -q '"revision_id":' $T/out
ok $? "info --json"

# hvctl ept: the EPT of hello.bin's 4 MiB VM (640 KiB low, 3 MiB from 1 MiB),
# on transparent huge pages (the lab VM turns them on for madvise): 2-4 MiB
# is one 2 MiB leaf
hvctl ept $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^EPT: EPTP 0x[0-9a-f]* (root table at 0x[0-9a-f]*), 4-level walk, WB, A/D \(on\|off\)$' $T/out &&
	grep -q '^0x0000000000000000-0x000000000009ffff   640K in   4K pages  RWX  WB ipat  host 0x' $T/out &&
	grep -q '^0x0000000000100000-0x00000000001fffff     1M in   4K pages  RWX  WB ipat  host 0x' $T/out &&
	grep -q '^0x0000000000200000-0x00000000003fffff     2M in   2M pages  RW\(X  WB ipat\|-  WB ipat nx-huge\)  host 0x[0-9a-f]*00000$' $T/out &&
	grep -q '^3 ranges, 417 leaves, 4 table pages$' $T/out
ok $? "ept: write-back ignore-PAT RAM ranges, 2-4 MiB in one 2 MiB page: 417 leaves in 4 table pages"
hvctl run --small-pages --ept-dump $T/ept.txt $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^0x0000000000100000-0x00000000003fffff     3M in   4K pages  RWX  WB ipat  host 0x' $T/ept.txt &&
	grep -q '^[0-9]* ranges, 928 leaves, 5 table pages$' $T/ept.txt
ok $? "run --small-pages: 4 KiB pages only, 928 leaves in 5 table pages"
hvctl run --hugepages $G/hello.bin >$T/out 2>$T/err
st=$?
[ $st = 4 ] && grep -q 'too few free huge pages for --hugepages: reserve them first (echo N > /proc/sys/vm/nr_hugepages' $T/err
ok $? "run --hugepages, none reserved: status 4 and what to do (status $st)"
echo 2 >/proc/sys/vm/nr_hugepages
hvctl run --hugepages --ept-dump $T/ept.txt $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^Hello from an hvlab guest!$' $T/out &&
	grep -q '^0x0000000000200000-0x00000000003fffff     2M in   2M pages  RW\(X  WB ipat\|-  WB ipat nx-huge\)' $T/ept.txt
ok $? "run --hugepages: hugetlbfs pages, 2-4 MiB in one 2 MiB EPT page"
echo 0 >/proc/sys/vm/nr_hugepages
hvctl ept --gpa 0x7c05 $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^PML4E\[0\] 0x[0-9a-f]* RWX  0x0-0x7fffffffff -> PDPT at 0x' $T/out &&
	grep -q '^      PTE\[7\] 0x[0-9a-f]*077 RWX WB ipat  GPA 0x7c05 -> host 0x[0-9a-f]*c05$' $T/out
ok $? "ept --gpa: the four-level walk to a GPA, and the host address with its offset"
hvctl ept --gpa 0xa0000 $G/hello.bin >$T/out 2>$T/err
grep -q 'GPA 0xa0000: no EPT entry maps it (an access is an EPT violation, exit 48)' $T/out
ok $? "ept --gpa in the VGA hole: no entry, an EPT violation"
hvctl ept --tree $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^      PTE\[256-511\] RWX WB ipat  0x100000-0x1fffff  host' $T/out &&
	grep -q '^    PDE\[1\] RW\(X WB ipat\|- WB ipat nx-huge\)  0x200000-0x3fffff  host 0x[0-9a-f]*00000$' $T/out
ok $? "ept --tree: table entries, runs of leaves, and a 2 MiB leaf"
hvctl ept --gpa 0x300005 $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^    PDE\[1\] 0x[0-9a-f]*000f[37] RW\(X WB ipat\|- WB ipat nx-huge\)  GPA 0x300005 -> host 0x[0-9a-f]*00005$' $T/out &&
	! grep -q '^ *PTE' $T/out
ok $? "ept --gpa in a 2 MiB page: the walk ends at the PDE, bit 7 set"
hvctl ept --json $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '^{"eptp":"0x[0-9a-f]*","hpa_hidden":false,"walk_length":4,"ad_enabled":\(true\|false\),"leaves":417,"table_pages":4,"ranges":\[{"gpa":"0x0","end":"0x9ffff","size":655360,"page_size":4096,"level":1,"read":true,"write":true,"execute":true,"mmio":false,"memtype":"WB","ignore_pat":true,.*}\]}$' $T/out
ok $? "ept --json: one object with the ranges"
hvctl ept --tree --gpa 0 $G/hello.bin >/dev/null 2>$T/err
[ $? = 2 ] && grep -q -- "--gpa shows one walk" $T/err
ok $? "ept --tree --gpa: status 2 and why"
hvctl run --ept-dump $T/ept.json $G/hello.bin >$T/out 2>$T/err
[ $? = 0 ] && grep -q '"walks":\[{"gpa":"0x0","level":1,"entries":\["0x[0-9a-f]*","0x[0-9a-f]*","0x[0-9a-f]*","0x[0-9a-f]*77"\]}' $T/ept.json
ok $? "run --ept-dump FILE.json: every leaf's walk when the guest stopped"
hvctl step --commands 'ept 0x7c00; ept; c' $G/hello.bin >$T/out 2>$T/err
grep -q 'PTE\[7\] 0x[0-9a-f]* RWX WB ipat A D  GPA 0x7c00' $T/out && grep -q '^[0-9]* ranges, 417 leaves' $T/out
ok $? "step: 'ept GPA' walks to it, 'ept' lists the ranges"

# walk: the two-dimensional walk of one variable in each paging mode of
# paging_modes32.elf (guests/elf/paging_modes.c), stopped at its OUTs to 0x80
hvctl step --commands "walk rbx; u exit=IO,port=0x80; walk rbx json; u exit=IO,port=0x80; walk rbx; walk rbx svg $T/walk.svg; c" \
	$G/paging_modes32.elf >$T/out 2>$T/err
st=$?
[ $st = 0 ] && grep -q '^walk GVA 0x[0-9a-f]*: 32-bit paging, guest CR3 0x' $T/out &&
	grep -q '^  guest PDE\[0\] at GPA 0x' $T/out &&
	grep -q '^14 memory references (2 guest entries, 12 EPT entries): GVA 0x\([0-9a-f]*\) -> GPA 0x\1 -> host 0x[0-9a-f]*$' $T/out
ok $? "step walk, 32-bit paging: PDE and PTE, each after 4 EPT entries, then the GPA's 4: 14 references (status $st)"
grep -q '^{"gva":"0x[0-9a-f]*","paging":"PAE paging",.*"steps":\[{"entry":"PDPTE","index":0,"entry_gpa":"0x[0-9a-f]*","ept":null,"read":false,.*{"entry":"PTE",.*"references":14,"fault":null}$' $T/out
ok $? "step walk json, PAE: the PDPTE from its register (no reference), 14 references"
grep -q '^  guest PML4E\[0\] at GPA 0x' $T/out &&
	grep -q '^24 memory references (4 guest entries, 20 EPT entries): GVA' $T/out
ok $? "step walk, 4-level paging: 24 memory references"
grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' $T/walk.svg && [ "$(grep -c '<rect x=' $T/walk.svg)" = 25 ] &&
	grep -q '>24 memory references</text>' $T/walk.svg
ok $? "step walk svg: a grid of 24 references and the host page"
hvctl step --commands "walk 0x123456789000; c" $G/hello64.elf >$T/out 2>$T/err
grep -q "5 memory references (1 guest entry, 4 EPT entries); stops: guest #PF: the guest's PML4E is not present" $T/out
ok $? "step walk of an unmapped GVA: the guest's #PF, after 5 references"

# mov %al,0x2000; mov %al,0x5000; out %al,$0x80; mov %al,0x5001; hlt: two pages written
printf '\xa2\x00\x20\xa2\x00\x50\xe6\x80\xa2\x01\x50\xf4' > $T/dirty.bin
hvctl run --dirty-log $T/dirty.txt $T/dirty.bin >$T/out 2>$T/err
[ $? = 0 ] && [ "$(cat $T/dirty.txt)" = "$(printf '0x2000\n0x5000')" ]
ok $? "run --dirty-log: the pages the guest wrote, one GPA per line, ascending"
hvctl step --dirty-log $T/dirty.txt --commands "dirty; c" $T/dirty.bin >$T/out 2>$T/err
grep -q '^2 pages written since the last look: 0x2000 0x5000$' $T/out && [ "$(cat $T/dirty.txt)" = 0x5000 ]
ok $? "step --dirty-log: 'dirty' shows the pages written before the OUT; the file, those after"
hvctl step --commands "dirty; c" $T/dirty.bin >$T/out 2>$T/err
grep -q '^guest RAM is not dirty-logged: start step with --dirty-log FILE' $T/out
ok $? "step dirty without --dirty-log: what to do"
# dirty32.elf writes 600 pages from 0x180000: more than one PML log (512)
hvctl run --dirty-log $T/dirty.txt $G/dirty32.elf >$T/out 2>$T/err
st=$?
inside=0 last=-1 ascending=1
while read -r a; do
	[ $((a)) -gt $last ] || ascending=0
	last=$((a))
	[ $((a)) -ge $((0x180000)) ] && [ $((a)) -lt $((0x3d8000)) ] && inside=$((inside + 1))
done <$T/dirty.txt
[ $st = 0 ] && grep -q '^dirtied 600 pages from 0x180000$' $T/out && [ $inside = 600 ] && [ $ascending = 1 ]
ok $? "run --dirty-log dirty32.elf: all 600 pages written, ascending, the stack's and data's besides ($inside of $(wc -l <$T/dirty.txt))"
# 4 KiB pages: a large one would log one address for its 512
hvctl trace --small-pages $G/dirty32.elf >$T/out 2>$T/err
if grep -q ' pml' /proc/cpuinfo && [ "$(cat /sys/module/hvlab/parameters/pml)" = Y ]; then
	grep -qE '^PML_FULL +1 ' $T/out
	ok $? "trace dirty32.elf: the 513th new page fills the PML log: one PML-full exit (62)" || sed 's/^/# /' $T/out
else
	ok 0 "trace dirty32.elf: # SKIP this CPU has no PML"
fi

echo "1..$n"
exit $fail
