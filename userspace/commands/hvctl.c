// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl - run and inspect hvlab guests: main() and the commands' table.
 * Each command is a file of userspace/commands/:
 *
 *   hvctl info [--json]                 the CPU's VMX capabilities (here)
 *   hvctl run|step|trace [options] GUEST  run.c; step's debugger step.c,
 *                                       trace's statistics trace.c
 *   hvctl vmcs, ept, explain GUEST      vmcs.c, ept.c, explain.c
 *   hvctl gdb [--port N] GUEST          gdb.c (the protocol: ../gdbstub.c)
 *
 * They share session.c: a guest's VM, and the run loop that plays the PC
 * around it with the devices of userspace/platform/ on its port and MMIO
 * bus (docs/platform.md); other ports and addresses read as all ones,
 * like an empty bus. The VM itself is userspace/lib/, the guest formats
 * userspace/loaders/. See docs/hvctl.md for exit statuses and the trace
 * format.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/ioctl.h>

#include "caps.h"
#include "explain.h"
#include "gdbstub.h"
#include "hvctl.h"


void hvctl_usage(FILE *out)
{
	fprintf(out,
		"usage: hvctl COMMAND [OPTIONS]\n"
		"\n"
		"commands:\n"
		"  info [--json]            show the VMX capabilities of this CPU\n"
		"  run [OPTIONS] GUEST      run GUEST (an ELF32/ELF64 executable or a\n"
		"                           boot-sector style binary)\n"
		"  step [OPTIONS] GUEST     a debugger at VM exits: stop at each one, show it\n"
		"                           decoded with the instruction and what changed,\n"
		"                           take commands (type help at its prompt)\n"
		"  trace [OPTIONS] GUEST    run GUEST and show the cost of every exit:\n"
		"                           a summary per exit reason (--json), each exit\n"
		"                           (--trace-json FILE), a timeline (--chrome FILE)\n"
		"  vmcs [--group G] [--exits N] [--json] GUEST\n"
		"                           dump the VMCS after loading GUEST (and N exits),\n"
		"                           decoded; G = control, exit, guest, host, all\n"
		"  ept [--exits N] [--tree | --gpa GPA] [--json] GUEST\n"
		"                           the VM's extended page tables after loading\n"
		"                           GUEST (and N exits): guest-physical ranges with\n"
		"                           their rights, memory type and host pages, or\n"
		"                           every table entry (--tree), or one walk (--gpa)\n"
		"  explain [--json] [--state FILE] GUEST\n"
		"                           check GUEST's fresh VMCS (with FILE's state) the\n"
		"                           way VM entry will (SDM 27.2, 27.3), without\n"
		"                           entering, and name each broken rule\n"
		"  gdb [--port N] GUEST     let gdb debug GUEST: target remote 127.0.0.1:N\n"
		"                           (default 1234; hvctl gdb --help)\n"
		"\n"
		"run and step options:\n"
		"  -m, --mem SIZE           guest memory, e.g. 4M (default 4M, for a Linux\n"
		"                           kernel 256M, multiboot 128M; max 1G)\n"
		"      --kernel FILE        the guest, as QEMU names it (a Linux bzImage,\n"
		"                           or any GUEST file)\n"
		"      --initrd FILE        a Linux kernel's initial RAM disk\n"
		"      --append CMDLINE     a Linux or multiboot kernel's command line\n"
		"      --module FILE[,ARGS] a multiboot kernel's module, with its string\n"
		"                           (repeatable; default RAM for one: 128M)\n"
		"      --apic, --no-apic    a local APIC or none (default: one, but for\n"
		"                           a boot sector)\n"
		"      --reboot             when the guest resets the PC, start it again\n"
		"                           (run, trace; default: end with status 12)\n"
		"  -t, --trace-json FILE    write one JSON object per VM exit to FILE\n"
		"                           (- for stdout; the console then goes to stderr)\n"
		"  -s, --strict             stop on an access to a port or address\n"
		"                           that nothing claims (default: warn)\n"
		"  -i, --intercept LIST     also intercept rdtsc, pause, invlpg (and INVPCID),\n"
		"                           cr0 (every change, CLTS, LMSW), cr3, mtf (stop\n"
		"                           after every instruction), rdrand (and RDSEED),\n"
		"                           desc (descriptor tables), msr (every MSR),\n"
		"                           tpr (TPR shadow: CR8 exits only below the\n"
		"                           --tpr-threshold), apic (APIC-access page),\n"
		"                           pause-loop (PAUSE-loop exiting)\n"
		"      --tpr-threshold N    with --intercept tpr: 0-15 (default 0)\n"
		"      --timer US[,VECTOR]  interrupt VECTOR (default 0x20) every US\n"
		"                           microseconds (100 us to 60 s); a HLT with\n"
		"                           interrupts on then waits in the kernel\n"
		"      --coalesce PORT      one-byte OUTs to PORT stay in the kernel, in a\n"
		"                           ring hvctl drains at each exit (not step)\n"
		"  -e, --exceptions LIST    exceptions that exit on their way to the guest:\n"
		"                           vector numbers or de,db,bp,of,br,ud,nm,df,ts,\n"
		"                           np,ss,gp,pf,mf,ac,mc,xm (e.g. ud,bp,gp)\n"
		"      --max-exits N        run, trace: give up after N VM exits, handled in\n"
		"                           the kernel or not (exit status 10)\n"
		"      --timeout SECONDS    run, trace: give up after that long, even if the\n"
		"                           guest spins with interrupts off (exit status 14)\n"
		"  -b, --backend B          run with hvlab (default) or kvm (/dev/kvm, for\n"
		"                           comparison; not with step, --trace-json,\n"
		"                           --intercept, --exceptions)\n"
		"  -r, --regs-json FILE     at the end, write the final registers (rax..r15,\n"
		"                           rip, rflags, mxcsr, xmm0-15) as one JSON object to\n"
		"                           FILE (- for stdout; the console then goes to stderr)\n"
		"      --stats              at the end, print the vCPU's statistics\n"
		"      --dirty-log FILE     at the end, write the guest-physical address of\n"
		"                           each page the guest wrote to FILE, one per line,\n"
		"                           ascending (HVLAB_GET_DIRTY_LOG; - for stdout);\n"
		"                           RAM is then mapped with 4 KiB pages only\n"
		"      --hugepages          back guest RAM with hugetlbfs 2 MiB pages (reserve\n"
		"                           them in /proc/sys/vm/nr_hugepages first)\n"
		"      --small-pages        back guest RAM with 4 KiB pages only (default:\n"
		"                           transparent huge pages where the kernel has them,\n"
		"                           which EPT maps with 2 MiB entries)\n"
		"      --ept-dump FILE      at the end, write the VM's EPT to FILE: ranges and\n"
		"                           the tree (as hvctl ept), or JSON if FILE ends .json\n"
		"      --state FILE         after loading GUEST, set the registers, segments,\n"
		"                           control registers, ... from FILE (JSON, as\n"
		"                           step --save-state writes it)\n"
		"      --raw-console        pass the guest's console bytes to the terminal\n"
		"                           as they are (default: control bytes such as ESC\n"
		"                           are shown as \\x1b; also for vmcs and gdb)\n"
		"\n"
		"step options:\n"
		"  -c, --count N            end after N stops, without waiting for commands\n"
		"      --until COND         stop only at exits that match COND (repeatable):\n"
		"                           exit=NAME[,port=N][,gpa=ADDR][,rip=ADDR]\n"
		"      --commands 'C; C'    the commands to run at the stops, instead of stdin\n"
		"      --save-state FILE    at the end, write the state at the last stop to FILE\n"
		"      --json               one JSON object per stop\n"
		"\n"
		"A raw guest is loaded at 0x7c00 and starts in real mode at 0000:7c00;\n"
		"an ELF32 guest starts in 32-bit protected mode, an ELF64 guest in long\n"
		"mode with the low 4 GiB identity-mapped; a Linux bzImage by the boot\n"
		"protocol at its 64-bit entry (docs/hvctl.md, docs/linux-guest.md).\n"
		"Exit status: 0 the guest halted, (V << 1) | 1 it wrote V to port 0xf4,\n"
		"2 usage, 4 setup error, 6 the guest crashed, 8 --strict stop, 130 Ctrl-C.\n"
		"See docs/hvctl.md.\n");
}

static int cmd_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hvlab_vmx_caps caps;
	struct hv_vm vm;
	int json = 0, opt, ret;

	while ((opt = getopt_long(argc, argv, "jh", options, NULL)) != -1) {
		if (opt == 'j') {
			json = 1;
		} else {
			hvctl_usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : STATUS_USAGE;
		}
	}
	ret = hv_open(&vm);
	if (ret) {
		fprintf(stderr, "hvctl: %s\n", hv_strerror(ret));
		return STATUS_SETUP;
	}
	if (ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps)) {
		fprintf(stderr, "hvctl: HVLAB_GET_VMX_CAPS: %s\n", strerror(errno));
		hv_close(&vm);
		return STATUS_SETUP;
	}
	if (json)
		hv_print_caps_json(stdout, &caps);
	else
		hv_print_caps(stdout, &caps);
	hv_close(&vm);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		hvctl_usage(cmd ? stdout : stderr);
		return cmd ? 0 : STATUS_USAGE;
	}
	if (!strcmp(cmd, "--version")) {
		printf("hvctl (hvlab API %d)\n", HVLAB_API_VERSION);
		return 0;
	}
	/* getopt_long sees "CMD OPTIONS...", with CMD as argv[0]. */
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return hvctl_cmd_run(argc - 1, argv + 1, MODE_RUN);
	if (!strcmp(cmd, "step"))
		return hvctl_cmd_run(argc - 1, argv + 1, MODE_STEP);
	if (!strcmp(cmd, "trace"))
		return hvctl_cmd_run(argc - 1, argv + 1, MODE_TRACE);
	if (!strcmp(cmd, "vmcs"))
		return hvctl_cmd_vmcs(argc - 1, argv + 1);
	if (!strcmp(cmd, "ept"))
		return hvctl_cmd_ept(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return hv_cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "gdb"))
		return hv_gdb_main(argc - 1, argv + 1);
	fprintf(stderr, "hvctl: unknown command '%s' (commands: info, run, step, trace, vmcs, ept, explain, gdb; see hvctl --help)\n", cmd);
	return STATUS_USAGE;
}
