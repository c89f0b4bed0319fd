// SPDX-License-Identifier: GPL-2.0
/*
 * hvctl - run and inspect hvlab guests.
 *
 *   hvctl info [--json]                 the CPU's VMX capabilities, decoded
 *   hvctl run [options] GUEST           run a guest to completion
 *   hvctl run --backend=kvm GUEST       the same through /dev/kvm, to compare
 *   hvctl step [--until COND] GUEST     a debugger at VM exits (step.c)
 *   hvctl gdb [--port N] GUEST          serve gdb's remote protocol (gdb_main.c)
 *
 * hvctl plays the PC around the guest: the devices of userspace/platform/
 * on its port and MMIO bus (docs/platform.md); other ports and addresses
 * read as all ones, like an empty bus. See docs/hvctl.md for exit
 * statuses and the trace format.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../include/uapi/hvlab_exit_reasons.h"
#include "caps.h"
#include "console.h"
#include "decode.h"
#include "explain.h"
#include "fpu_image.h"
#include "gdbstub.h"
#include "hvctl.h"
#include "lib/libhvlab.h"
#include "loaders/loaders.h"
#include "lib/kvm_backend.h"
#include "state.h"
#include "tracer.h"
#include "vmcs_image.h"
#include "ept_print.h"
#include "vmcs_print.h"


volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
	hv_events_wake();	/* a HLT's sleep must see it */
}

/* --timeout: the alarm takes HVLAB_RUN or KVM_RUN out with -EINTR */
static volatile sig_atomic_t timed_out;

static void on_sigalrm(int sig)
{
	(void)sig;
	timed_out = 1;
	hv_events_wake();
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int report_timeout(struct session *s)
{
	struct hvlab_run *run = s->vm.run;

	const char *name = hv_exit_name(HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason));

	if (!run->exit_count)
		fprintf(stderr, "hvctl: stopped after %g s (--timeout): the guest had not ended, and had not exited once\n",
			s->timeout);
	else
		fprintf(stderr, "hvctl: stopped after %g s (--timeout): the guest had not ended; the last exit #%llu at rip 0x%llx (%s)\n",
			s->timeout, (unsigned long long)run->exit_count,
			(unsigned long long)run->guest_rip, name ? name : "?");
	return STATUS_TIMEOUT;
}

static void usage(FILE *out)
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

void drain_trace(struct session *s)
{
	struct hvlab_run *run = s->vm.run;
	uint64_t head = __atomic_load_n(&run->trace_head, __ATOMIC_ACQUIRE);
	char line[512];

	while (run->trace_tail < head) {
		const struct hvlab_exit_record *rec =
			&run->trace[run->trace_tail % HVLAB_TRACE_ENTRIES];

		if (s->tracer) {
			hv_tracer_record(s->tracer, rec);
		} else if (s->trace) {
			hv_format_exit_json(rec, line, sizeof(line));
			fprintf(s->trace, "%s\n", line);
		}
		run->trace_tail++;
	}
}

/*
 * The guest's console. In step mode the exits are printed on stdout too,
 * so the guest's text is gathered into lines and shown between them.
 * Control bytes are shown escaped (console.h) unless --raw-console.
 */
void console_flush(struct session *s)
{
	if (!s->console_len)
		return;
	if (s->step_cfg.json) {
		printf("{\"console\":\"");
		for (size_t i = 0; i < s->console_len; i++) {
			unsigned char c = s->console[i];

			if (c == '"' || c == '\\')
				printf("\\%c", c);
			else if (c < 0x20 || c >= 0x7f)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
		printf("\"}\n");
	} else if (s->raw_console) {
		printf("    console: %.*s\n", (int)s->console_len, s->console);
	} else {
		char esc[4 * sizeof(s->console) + 1];

		hv_console_escape(esc, s->console, s->console_len);
		printf("    console: %s\n", esc);
	}
	s->console_len = 0;
}

/* run, trace, vmcs: where the guest's console goes as it prints */
static FILE *console_stream(const struct session *s)
{
	return s->json_stdout ? stderr : stdout;
}

static void console_putc(struct session *s, char c)
{
	if (!s->step) {
		FILE *out = console_stream(s);
		char esc[5];

		s->console_midline = c != '\n';
		if (s->raw_console) {
			fputc(c, out);
		} else {
			hv_console_escape(esc, &c, 1);
			fputs(esc, out);
		}
		fflush(out);
		return;
	}
	if (c == '\n' || s->console_len == sizeof(s->console)) {
		console_flush(s);
		if (c == '\n')
			return;
	}
	s->console[s->console_len++] = c;
}

/* The platform's hooks: what its devices send out */
static void platform_console_write(struct hv_platform *p, const char *buf, size_t len)
{
	struct session *s = p->owner;
	size_t i;

	for (i = 0; i < len; i++)
		console_putc(s, buf[i]);
}

static void platform_stop(struct hv_platform *p, int status)
{
	struct session *s = p->owner;

	s->done = 1;
	s->status = status;
}

/* COM1 looked for input: stdin is the guest's from now on (run, trace) */
static void platform_input_wanted(struct hv_platform *p)
{
	struct session *s = p->owner;

	hv_events_start_input(&s->events);
}

static void platform_reset_request(struct hv_platform *p, const char *how)
{
	struct session *s = p->owner;

	fprintf(stderr, "hvctl: the guest requested a reset (%s)\n", how);
	s->done = 1;
	s->status = STATUS_RESET;
}

static uint64_t platform_apic_base(struct hv_platform *p)
{
	struct session *s = p->owner;

	return hv_apic_base(&s->vm);
}

/* The session's PC, built at its first device access (or look: step's devices) */
struct hv_platform *hvctl_platform(struct session *s)
{
	static const struct hv_platform_hooks hooks = {
		.console_write = platform_console_write,
		.stop = platform_stop,
		.reset_request = platform_reset_request,
		.input_wanted = platform_input_wanted,
		.apic_base = platform_apic_base,
	};

	if (!s->platform_ready) {
		const struct hv_platform_config cfg = {
			.ram_bytes = s->vm.mem_size,
			.cpus = 1,
			.apic_timer_hz = hv_apic_base(&s->vm) ? hv_apic_timer_hz(&s->vm) : 0,
		};

		if (hv_platform_init(&s->platform, &cfg, &hooks, s)) {
			fprintf(stderr, "hvctl: out of memory for the platform's devices\n");
			exit(STATUS_SETUP);
		}
		s->platform_ready = 1;
		if (s->events.vm)
			s->events.platform = &s->platform;
	}
	return &s->platform;
}

/*
 * Nothing claims the port or address: said once for each, the rest only
 * counted (the summary at the end, hvctl_report_unclaimed()).
 */
static void unclaimed(struct session *s, enum hv_bus_result result, enum hv_space space,
		      uint64_t where, int is_write, unsigned int size)
{
	if (result == HV_BUS_CLAIMED || (result == HV_BUS_UNCLAIMED && !s->strict))
		return;
	fprintf(stderr, "hvctl: %s: unclaimed %s 0x%llx (%u byte%s) at rip 0x%llx: %s%s\n",
		s->strict ? "error" : "warning", hv_space_name(space), (unsigned long long)where,
		size, size > 1 ? "s" : "", (unsigned long long)s->vm.run->guest_rip,
		is_write ? "write dropped" : "read returns all ones",
		s->strict ? "" : "; more accesses there are counted, not shown");
	if (s->strict) {
		fprintf(stderr, "hvctl: stopping because of --strict\n");
		s->done = 1;
		s->status = STATUS_STRICT;
	}
}

void hvctl_report_unclaimed(struct session *s)
{
	if (s->platform_ready)
		hv_bus_print_unclaimed(&s->platform.bus, stderr, "hvctl: unclaimed: ");
}

/* An IN or OUT: to the device on the port bus */
static void handle_io(struct session *s)
{
	struct hv_bus *bus = &hvctl_platform(s)->bus;
	struct hvlab_run *run = s->vm.run;
	enum hv_bus_result result;
	uint64_t value;

	if (run->io.direction == HVLAB_IO_OUT) {
		result = hv_bus_write(bus, HV_SPACE_PIO, run->io.port, run->io.size, run->io.data);
	} else {
		result = hv_bus_read(bus, HV_SPACE_PIO, run->io.port, run->io.size, &value);
		run->io.data = (uint32_t)value;
	}
	unclaimed(s, result, HV_SPACE_PIO, run->io.port, run->io.direction == HVLAB_IO_OUT,
		  run->io.size);
}

/* A load or store where there is no RAM: to the device on the MMIO bus */
static void handle_mmio(struct session *s)
{
	struct hv_bus *bus = &hvctl_platform(s)->bus;
	struct hvlab_run *run = s->vm.run;
	int is_write = run->mmio.access == HVLAB_ACCESS_WRITE;
	unsigned int len = run->mmio.len > 8 ? 8 : run->mmio.len;
	enum hv_bus_result result;
	uint64_t value = 0;

	if (is_write) {
		memcpy(&value, run->mmio.data, len);
		result = hv_bus_write(bus, HV_SPACE_MMIO, run->mmio.phys_addr, len, value);
	} else {
		result = hv_bus_read(bus, HV_SPACE_MMIO, run->mmio.phys_addr, len, &value);
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &value, len);
	}
	unclaimed(s, result, HV_SPACE_MMIO, run->mmio.phys_addr, is_write, run->mmio.len);
}

static void report_fail_entry(struct session *s)
{
	struct hvlab_run *run = s->vm.run;
	uint32_t reason = run->fail_entry.exit_reason;

	if (run->fail_entry.vm_instruction_error)
		fprintf(stderr, "hvctl: VM entry failed: VM-instruction error %u (%s)\n",
			run->fail_entry.vm_instruction_error,
			hv_vm_instruction_error(run->fail_entry.vm_instruction_error));
	else
		fprintf(stderr, "hvctl: VM entry failed: exit reason %u (%s), qualification 0x%llx\n",
			reason & 0xffff, hv_exit_name(reason) ? hv_exit_name(reason) : "?",
			(unsigned long long)run->fail_entry.qualification);
	hv_explain_failed_entry(&s->vm);	/* which rule, in words */
	s->done = 1;
	s->status = STATUS_GUEST_CRASHED;
}

/* --timeout's time has come (the alarm, or the clock seen first) */
static int past_timeout(const struct session *s)
{
	return timed_out || (s->events.timeout_ns && monotonic_ns() >= s->events.timeout_ns);
}

/*
 * HLT with interrupts on: sleep until a device raises an interrupt (1),
 * or say that none ever will (0). A signal, the timeout or Ctrl-A x
 * end the sleep early, and the run loop stops.
 */
static int wait_for_interrupt(struct session *s)
{
	int ret;

	do {
		ret = hv_events_halt(&s->events);
	} while (ret == 1 && !interrupted && !past_timeout(s) && !s->events.quit);
	return ret >= 0;
}

/* Act on why HVLAB_RUN returned; sets s->done when the run is over. */
void handle_exit(struct session *s)
{
	struct hvlab_run *run = s->vm.run;
	struct hvlab_regs regs;

	switch (run->exit_reason) {
	case HVLAB_EXIT_IO:
		handle_io(s);
		break;
	case HVLAB_EXIT_MMIO:
		handle_mmio(s);
		break;
	case HVLAB_EXIT_CONSOLE: {	/* a hypercall printed (docs/hypercalls.md) */
		const char *bytes = hv_console_bytes(&s->vm);
		uint32_t i;

		for (i = 0; i < run->console.len && i < HVLAB_CONSOLE_MAX; i++)
			console_putc(s, bytes[i]);
		break;
	}
	case HVLAB_EXIT_HLT:
		if (!hv_get_regs(&s->vm, &regs) && (regs.rflags & 0x200)) {
			/* As a CPU: asleep until an interrupt comes (run, trace) */
			if (s->events.vm && wait_for_interrupt(s))
				break;
			fprintf(stderr, "hvctl: the guest halted with interrupts enabled, and nothing will wake it: no device timer is running and no input can come (--timer US gives it hvlab's timer)\n");
		}
		s->done = 1;
		s->status = STATUS_HALTED;
		break;
	case HVLAB_EXIT_SHUTDOWN:
		fprintf(stderr, "hvctl: the guest triple-faulted (shutdown) at rip 0x%llx\n",
			(unsigned long long)run->guest_rip);
		s->done = 1;
		s->status = STATUS_GUEST_CRASHED;
		break;
	case HVLAB_EXIT_FAIL_ENTRY:
		report_fail_entry(s);
		break;
	case HVLAB_EXIT_UNHANDLED: {
		struct hvlab_exit_record rec = {
			.seq = run->exit_count, .reason = run->vmx_exit_reason,
			.qualification = run->exit_qualification, .rip = run->guest_rip,
			.gpa = run->guest_phys_addr, .intr_info = run->intr_info,
			.instruction_info = run->instruction_info,
		};
		char line[512];

		hv_format_exit(&rec, line, sizeof(line));
		fprintf(stderr, "hvctl: hvlab does not handle this exit: %s\n", line);
		s->done = 1;
		s->status = STATUS_GUEST_CRASHED;
		break;
	}
	case HVLAB_EXIT_MEMORY_ACCESS:	/* only gdb's watchpoints take rights away */
		fprintf(stderr, "hvctl: the guest's %s at gpa 0x%llx was denied by memory attributes (rights %c%c%c)\n",
			run->memory_access.access == HVLAB_ACCESS_WRITE ? "write" :
			run->memory_access.access == HVLAB_ACCESS_FETCH ? "fetch" : "read",
			(unsigned long long)run->memory_access.gpa,
			run->memory_access.rights & HVLAB_MEM_ATTR_READ ? 'R' : '-',
			run->memory_access.rights & HVLAB_MEM_ATTR_WRITE ? 'W' : '-',
			run->memory_access.rights & HVLAB_MEM_ATTR_EXECUTE ? 'X' : '-');
		s->done = 1;
		s->status = STATUS_GUEST_CRASHED;
		break;
	case HVLAB_EXIT_MEMORY_FAULT:
		fprintf(stderr, "hvctl: delivering event 0x%x, the CPU touched gpa 0x%llx, where there is no memory (an IDT or stack outside RAM?)\n",
			run->idt_vectoring_info,
			(unsigned long long)run->memory_fault.phys_addr);
		s->done = 1;
		s->status = STATUS_GUEST_CRASHED;
		break;
	case HVLAB_EXIT_INTERNAL_ERROR: {
		int lab;

		fprintf(stderr, "hvctl: the VM was stopped: %s\n", run->internal.reason);
		/* A course handout's stub (module/lab.h): say where it was reached */
		if (sscanf(run->internal.reason, "not implemented (lab %d)", &lab) == 1 &&
		    !run->exit_count)
			fprintf(stderr, "hvctl: reached before the first VM entry: write that function (labs/lab%d/README.md)\n",
				lab);
		else if (sscanf(run->internal.reason, "not implemented (lab %d)", &lab) == 1)
			fprintf(stderr, "hvctl: reached at exit #%llu, %s (%u), guest rip 0x%llx: write that function (labs/lab%d/README.md)\n",
				(unsigned long long)run->exit_count,
				hv_exit_name(HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason)),
				HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason),
				(unsigned long long)run->guest_rip, lab);
		s->done = 1;
		s->status = STATUS_GUEST_CRASHED;
		break;
	}
	case HVLAB_EXIT_HANDLED:
	case HVLAB_EXIT_TRACE_FULL:
	case HVLAB_EXIT_DEADLINE:	/* a device's timer is due (vcpu_events.c) */
	case HVLAB_EXIT_IRQ_WINDOW:	/* injected by hv_events_after_exit() */
	case HVLAB_EXIT_STEP:		/* --intercept mtf: shown by step, else just go on */
		break;
	default:
		fprintf(stderr, "hvctl: unknown exit_reason %u from hvlab.ko\n", run->exit_reason);
		s->done = 1;
		s->status = STATUS_SETUP;
		break;
	}
}

/* The coalesced port's bytes (--coalesce), printed as port 0xe9's are */
static void drain_coalesced(struct session *s)
{
	char buf[256];
	size_t i, n;

	do {
		n = hv_coalesced_drain(&s->vm, buf, sizeof(buf));
		for (i = 0; i < n; i++)
			console_putc(s, buf[i]);
	} while (n == sizeof(buf));
}

/* Why the run must stop now (interrupted, quit, the timeout), as its status; or -1 */
static int run_stopped(struct session *s)
{
	if (interrupted) {
		fprintf(stderr, "hvctl: interrupted\n");
		return STATUS_INTERRUPTED;
	}
	if (s->events.quit) {
		fprintf(stderr, "hvctl: quit (Ctrl-A x)\n");
		return STATUS_INTERRUPTED;
	}
	if (past_timeout(s))
		return report_timeout(s);
	return -1;
}

static int run_guest(struct session *s)
{
	struct hvlab_run *run = s->vm.run;
	uint64_t returned = 0;
	int ret, result;
	/*
	 * The trace ring only when something reads it: else the exits the
	 * kernel handles stay there, instead of a round trip to hvctl every
	 * HVLAB_TRACE_ENTRIES of them. --max-exits needs those round trips:
	 * a guest that loops on exits the kernel handles never comes back
	 * otherwise, and in the lab VM the clock crawls while it runs
	 * (docs/labvm.md), so a timeout in seconds would take minutes.
	 */
	run->request_flags = (s->trace || s->tracer || s->max_exits ? HVLAB_RUN_TRACE : 0) |
			     (s->stop_after ? HVLAB_RUN_STOP_EVERY_EXIT : 0);
	/*
	 * --timeout: the kernel looks at the deadline whenever the guest
	 * comes back to it, the VMX-preemption timer making sure it does (a
	 * guest spinning with interrupts off leaves the lab VM's host timer
	 * waiting: docs/labvm.md); the alarm is for the KVM backend.
	 */
	if (s->timeout > 0) {
		/*
		 * SA_RESTART spares hvctl's own writes; HVLAB_RUN and KVM_RUN
		 * return -EINTR whatever it says. The alarm repeats (every
		 * 50 ms after the first), so that one landing while hvctl is
		 * out here, after its look at timed_out, is not the last.
		 */
		struct sigaction sa = { .sa_handler = on_sigalrm, .sa_flags = SA_RESTART };
		long usec = (long)((s->timeout - (time_t)s->timeout) * 1e6);
		struct itimerval it = {
			.it_value = { .tv_sec = (time_t)s->timeout,
				      .tv_usec = !(time_t)s->timeout && usec < 1 ? 1 : usec },
			.it_interval = { .tv_usec = 50000 },
		};

		/* (armed once: with --reboot it counts over every boot) */
		if (!s->timeout_at) {
			s->timeout_at = monotonic_ns() + (uint64_t)(s->timeout * 1e9);
			sigaction(SIGALRM, &sa, NULL);
			setitimer(ITIMER_REAL, &it, NULL);
		}
		s->events.timeout_ns = s->timeout_at;
	}
	while (!s->done) {
		ret = run_stopped(s);
		if (ret >= 0)
			return ret;
		/* hvctl trace: what userspace spent on the last exit is its cost too */
		if (s->tracer && returned && run->exit_reason != HVLAB_EXIT_TRACE_FULL)
			hv_tracer_user_time(s->tracer, returned, __builtin_ia32_rdtsc());
		hv_events_before_run(&s->events);
		result = hv_run(&s->vm);
		if (s->tracer)
			returned = __builtin_ia32_rdtsc();
		if (!result)
			hv_events_after_exit(&s->events);
		else
			*hv_immediate_exit(&s->vm) = 0;
		drain_trace(s);
		/* The bytes came before this exit, or before the error or signal */
		drain_coalesced(s);
		/*
		 * Not only after -EINTR: a signal that lands while hvctl is out
		 * here (draining the trace) has run its handler, and the next
		 * HVLAB_RUN would never see it.
		 */
		ret = run_stopped(s);
		if (ret >= 0)
			return ret;
		if (s->events.inject_error) {
			fprintf(stderr, "hvctl: cannot inject the PIC's vector 0x%x: %s%s\n",
				s->events.bad_vector, strerror(-s->events.inject_error),
				s->events.bad_vector < 32 ?
				" (the guest gave the 8259A a vector base below 32, as a BIOS does; an OS moves it to 32 or above: ICW2)" : "");
			return STATUS_GUEST_CRASHED;
		}
		if (result == -EINTR)
			continue;
		if (result) {
			fprintf(stderr, "hvctl: %s failed: %s\n",
				s->vm.backend == HV_BACKEND_KVM ? "KVM_RUN" : "HVLAB_RUN", strerror(-result));
			return STATUS_SETUP;
		}
		handle_exit(s);
		if (s->done)
			break;
		if (s->max_exits && run->exit_count >= (uint64_t)s->max_exits) {
			fprintf(stderr, "hvctl: stopped after %llu exits (--max-exits): the guest had not ended; the last at rip 0x%llx (%s)\n",
				(unsigned long long)run->exit_count, (unsigned long long)run->guest_rip,
				hv_exit_name(HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason)) ?: "?");
			return STATUS_MAX_EXITS;
		}
		if (s->stop_after && run->exit_count >= (uint64_t)s->stop_after)
			return STATUS_HALTED;
	}
	return s->status;
}

static int run_loop(struct session *s)
{
	int ret;

	if (s->step)
		return step_loop(s);
	ret = hv_events_init(&s->events, &s->vm);
	if (ret) {
		fprintf(stderr, "hvctl: cannot set up the run loop's events: %s\n", strerror(-ret));
		return STATUS_SETUP;
	}
	if (s->platform_ready)
		s->events.platform = &s->platform;
	ret = run_guest(s);
	hv_events_free(&s->events);
	return ret;
}

/* Parse "ud,bp,13" into an exception bitmap; -1 for an unknown name. */
static int64_t parse_exceptions(const char *list)
{
	static const char *const names[] = {
		"de", "db", "nmi", "bp", "of", "br", "ud", "nm", "df", NULL, "ts", "np",
		"ss", "gp", "pf", NULL, "mf", "ac", "mc", "xm",
	};
	char buf[256], *tok, *save, *end;
	int64_t bitmap = 0;
	unsigned int v;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		v = strtoul(tok, &end, 0);
		if (*end) {
			for (v = 0; v < sizeof(names) / sizeof(names[0]); v++)
				if (names[v] && !strcasecmp(names[v], tok))
					break;
			if (v == sizeof(names) / sizeof(names[0]))
				return -1;
		}
		if (v > 31)
			return -1;
		bitmap |= 1u << v;
	}
	return bitmap;
}

static const struct { const char *name; uint32_t flag; } intercept_names[] = {
	{ "rdtsc", HVLAB_INTERCEPT_RDTSC }, { "pause", HVLAB_INTERCEPT_PAUSE },
	{ "invlpg", HVLAB_INTERCEPT_INVLPG }, { "cr0", HVLAB_INTERCEPT_CR0 },
	{ "cr3", HVLAB_INTERCEPT_CR3 }, { "mtf", HVLAB_INTERCEPT_MTF },
	{ "rdrand", HVLAB_INTERCEPT_RDRAND }, { "desc", HVLAB_INTERCEPT_DESC },
	{ "msr", HVLAB_INTERCEPT_MSR }, { "tpr", HVLAB_INTERCEPT_TPR },
	{ "apic", HVLAB_INTERCEPT_APIC }, { "pause-loop", HVLAB_INTERCEPT_PAUSE_LOOP },
};

/* --timer PERIOD_US[,VECTOR] */
static int parse_timer(const char *arg, struct hvlab_timer *timer)
{
	unsigned long us, vector = 0x20;
	char *end;

	errno = 0;
	us = strtoul(arg, &end, 0);
	if (*end == ',')
		vector = strtoul(end + 1, &end, 0);
	if (errno || *end || !*arg || us * 1000 < HVLAB_TIMER_MIN_PERIOD_NS ||
	    us > HVLAB_TIMER_MAX_PERIOD_NS / 1000 ||
	    vector < 32 || vector > 255)
		return -1;
	timer->period_ns = us * 1000;
	timer->vector = vector;
	return 0;
}

static int parse_intercepts(const char *list, uint32_t *flags)
{
	char buf[256], *tok, *save;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(intercept_names) / sizeof(intercept_names[0]); i++)
			if (!strcasecmp(tok, intercept_names[i].name))
				break;
		if (i == sizeof(intercept_names) / sizeof(intercept_names[0]))
			return -1;
		*flags |= intercept_names[i].flag;
	}
	return 0;
}

/*
 * --regs-json: the final general registers, then MXCSR and XMM0-15 (from
 * the XSAVE image, where the backend gives one), as one JSON object on
 * one line, so that a script can compare runs (tests/vm/differential.sh).
 * Values are hex strings: 64-bit values do not all fit a JSON number
 * exactly, and an XMM register is 128 bits.
 */
static void write_regs_json(struct session *s, FILE *out)
{
	static const struct { const char *name; size_t offset; } fields[] = {
#define REG(r)	{ #r, offsetof(struct hvlab_regs, r) }
		REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi), REG(rsp), REG(rbp),
		REG(r8), REG(r9), REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15),
		REG(rip), REG(rflags),
#undef REG
	};
	struct hv_fpu_regs fpu;
	struct hvlab_regs regs;
	char hex[HV_FPU_HEX_LEN];
	size_t i;

	if (hv_get_regs(&s->vm, &regs)) {
		fprintf(stderr, "hvctl: --regs-json: cannot read the registers: %s\n", strerror(errno));
		return;
	}
	if (out == console_stream(s) && s->console_midline)
		fputc('\n', out);	/* keep the object on a line of its own */
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		fprintf(out, "%s\"%s\":\"0x%llx\"", i ? "," : "{", fields[i].name,
			*(const __u64 *)((const char *)&regs + fields[i].offset));
	if (!hv_fpu_read(&s->vm, &fpu)) {
		fprintf(out, ",\"mxcsr\":\"0x%x\"", fpu.mxcsr);
		for (i = 0; i < HV_FPU_NREGS; i++) {
			hv_fpu_hex(&fpu, i, 0, hex, sizeof(hex));
			fprintf(out, ",\"xmm%zu\":\"%s\"", i, hex);
		}
	}
	fprintf(out, "}\n");
	fflush(out);
}

/* An option KVM cannot honour: a usage error that says so. */
static int needs_hvlab(const char *option, const char *why)
{
	fprintf(stderr, "hvctl: %s needs the hvlab backend (%s): drop it, or use --backend=hvlab\n",
		option, why);
	return STATUS_USAGE;
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
			usage(opt == 'h' ? stdout : stderr);
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

int hvctl_check_kernel(const char *guest, const struct hv_boot_args *boot, int mem_given,
		       struct hv_mem_config *mem, const char *prog)
{
	enum hv_guest_format format;
	int linux_kernel, multiboot;

	if (hv_guess_format(guest, &format))
		return 0;	/* hv_load_file() will say why it cannot read it */
	linux_kernel = format == HV_GUEST_LINUX64 || format == HV_GUEST_LINUX32;
	multiboot = format == HV_GUEST_MULTIBOOT;
	if ((boot->initrd || boot->cmdline || boot->nr_modules) && !linux_kernel && !multiboot) {
		fprintf(stderr, "%s: --initrd, --append and --module are for a Linux kernel (a bzImage) or a multiboot kernel; %s is %s\n",
			prog, guest, hv_guest_format_name(format));
		return STATUS_USAGE;
	}
	if (boot->initrd && multiboot) {
		fprintf(stderr, "%s: %s is a multiboot kernel: give it files with --module FILE[,ARGS], not --initrd\n",
			prog, guest);
		return STATUS_USAGE;
	}
	if (boot->nr_modules && linux_kernel) {
		fprintf(stderr, "%s: %s is a Linux kernel: --module is for a multiboot kernel; give Linux its initramfs with --initrd FILE\n",
			prog, guest);
		return STATUS_USAGE;
	}
	if (!mem_given && linux_kernel)
		mem->size = HV_LINUX_DEFAULT_MEM;
	if (!mem_given && multiboot)
		mem->size = HV_MULTIBOOT_DEFAULT_MEM;
	return 0;
}

int hvctl_add_module(struct hv_boot_args *boot, const char *spec, const char *prog)
{
	static const char *modules[HV_MULTIBOOT_MAX_MODULES];

	if (boot->nr_modules == HV_MULTIBOOT_MAX_MODULES) {
		fprintf(stderr, "%s: at most %d --module files\n", prog, HV_MULTIBOOT_MAX_MODULES);
		return STATUS_USAGE;
	}
	if (!*spec || *spec == ',') {
		fprintf(stderr, "%s: --module FILE[,ARGS]: the file's name comes first (e.g. --module initrd.img,root=ram)\n",
			prog);
		return STATUS_USAGE;
	}
	modules[boot->nr_modules++] = spec;
	boot->modules = modules;
	return 0;
}

int hvctl_open_guest(struct hv_vm *vm, enum hv_backend backend, const struct hv_mem_config *mem,
		     const char *guest, enum hv_guest_format *format, const char *prog)
{
	return hvctl_open_os(vm, backend, mem, guest, NULL, format, prog);
}

int hvctl_open_os(struct hv_vm *vm, enum hv_backend backend, const struct hv_mem_config *mem,
		  const char *guest, const struct hv_boot_args *args,
		  enum hv_guest_format *format, const char *prog)
{
	static const struct hv_mem_config default_mem = { .size = HV_DEFAULT_MEM };
	enum hv_guest_format unused;
	const char *why = NULL;
	int ret;

	ret = backend == HV_BACKEND_KVM ? hv_kvm_open(vm) : hv_open(vm);
	if (!ret)
		ret = hv_create_mem(vm, mem ? mem : &default_mem);
	if (ret) {
		fprintf(stderr, "%s: cannot create the VM: %s\n", prog,
			backend == HV_BACKEND_KVM ? hv_kvm_strerror(ret) : hv_strerror(ret));
		hv_close(vm);
		return STATUS_SETUP;
	}
	ret = guest ? hv_load_file_args(vm, guest, args, format ? format : &unused, &why) : 0;
	if (ret) {
		fprintf(stderr, "%s: cannot load '%s': %s\n", prog, guest, why ? why : strerror(-ret));
		hv_close(vm);
		return STATUS_SETUP;
	}
	return 0;
}

/*
 * The local APIC (platform/lapic.c): @want 1 (--apic), 0 (--no-apic) or
 * -1: for guests that start in protected or long mode (an OS, an ELF
 * program). A boot sector starts as on an 8086, on a CPU that shows no
 * APIC, which lab 3's cpuid.bin checks. Before the vCPU first runs.
 */
int hvctl_set_lapic(struct hv_vm *vm, enum hv_guest_format format, int want, const char *prog)
{
	int ret;

	int asked = want > 0;

	if (want < 0)
		want = format != HV_GUEST_RAW16;
	if (!want)
		return 0;
	ret = hv_apic_timer_hz(vm) ? hv_set_cpu_features(vm, HVLAB_CPU_LAPIC) : -ENODEV;
	if (!ret)
		return 0;
	/* (by default, a guest without one: an older hvlab.ko, a KVM without KVM_GET_TSC_KHZ) */
	fprintf(stderr, "%s: %s a local APIC: %s\n", prog, asked ? "cannot give the guest" : "note: no",
		ret == -ENODEV ? "the TSC's rate, which its timer counts at, is unknown" :
		ret == -ENOTTY ? "this hvlab.ko predates HVLAB_SET_CPU_FEATURES (rebuild and reload it)" :
		strerror(-ret));
	return asked ? ret : 0;
}

int64_t hvctl_parse_mem(const char *text, const char *prog)
{
	int64_t mem = hv_parse_size(text);

	if (mem < (int64_t)HV_HIGH_RAM_START || mem > (int64_t)HVLAB_MAX_MEM_SIZE || mem % 4096) {
		fprintf(stderr, "%s: --mem '%s': give a multiple of 4K between 1M and 1G, e.g. --mem 4M\n",
			prog, text);
		return -1;
	}
	return mem;
}

enum run_mode { MODE_RUN, MODE_STEP, MODE_TRACE };

static const char *const mode_names[] = { "run", "step", "trace" };

/* hvctl run --stats: the vCPU's statistics that are not zero. */
static void print_vcpu_stats(struct session *s, FILE *out)
{
	struct hvlab_stat_desc *descs;
	uint64_t *values;
	unsigned int count;

	if (hv_get_stats(s->vm.vcpu_fd, HVLAB_GET_VCPU_STATS, &descs, &values, &count)) {
		fprintf(stderr, "hvctl: cannot read the vCPU statistics: %s\n", strerror(errno));
		return;
	}
	for (unsigned int i = 0; i < count; i++)
		if (values[i])
			fprintf(out, "%-36s %llu%s\n", descs[i].name, (unsigned long long)values[i],
				descs[i].unit == HVLAB_STAT_UNIT_TICKS ? " ticks" :
				descs[i].unit == HVLAB_STAT_UNIT_BYTES ? " bytes" : "");
	free(descs);
	free(values);
}

/* --ept-dump: the EPT as the guest left it; JSON for a .json file */
static void write_ept_dump(struct session *s, FILE *out, const char *path)
{
	size_t len = strlen(path);
	struct hv_ept ept;
	int err = hv_ept_read(&s->vm, &ept);

	if (err) {
		fprintf(stderr, "hvctl: --ept-dump: HVLAB_GET_EPT failed: %s (is hvlab.ko older than hvctl?)\n",
			strerror(-err));
		return;
	}
	if (len > 5 && !strcmp(path + len - 5, ".json")) {
		hv_ept_print_json(out, &ept, 1);
	} else {
		hv_ept_print_ranges(out, &ept);
		fputc('\n', out);
		hv_ept_print_tree(out, &ept);
	}
	hv_ept_free(&ept);
}

/* --dirty-log: the pages the guest wrote, one GPA per line, ascending */
static int write_dirty_log(struct session *s, const char *path)
{
	FILE *out = strcmp(path, "-") ? fopen(path, "w") : stdout;
	uint64_t *gpas;
	size_t n, i;
	int err;

	if (!out) {
		fprintf(stderr, "hvctl: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	err = hv_dirty_pages(&s->vm, &gpas, &n);
	if (err) {
		fprintf(stderr, "hvctl: --dirty-log: HVLAB_GET_DIRTY_LOG failed: %s%s\n", strerror(-err),
			err == -EOPNOTSUPP ? " (this CPU has no EPT dirty flags)" : "");
	} else {
		for (i = 0; i < n; i++)
			fprintf(out, "0x%llx\n", (unsigned long long)gpas[i]);
		free(gpas);
	}
	if (out != stdout)
		fclose(out);
	return err ? -1 : 0;
}

/* Long-only options of run and step (and --raw-console of vmcs) */
enum {
	OPT_STATE = 0x100, OPT_UNTIL, OPT_COMMANDS, OPT_SAVE_STATE, OPT_RAW_CONSOLE,
	OPT_MAX_EXITS, OPT_TIMER, OPT_COALESCE, OPT_EPT_DUMP, OPT_DIRTY_LOG,
	OPT_HUGEPAGES, OPT_SMALL_PAGES, OPT_TIMEOUT, OPT_KERNEL, OPT_INITRD, OPT_APPEND,
	OPT_MODULE,
	OPT_APIC, OPT_NO_APIC, OPT_REBOOT,
};

/* What makes the guest's VM, at power-on and again at each --reboot */
struct vm_recipe {
	enum hv_backend backend;
	struct hv_mem_config mem;
	const char *guest;
	struct hv_boot_args boot;
	int lapic;			/* --apic, --no-apic */
	struct hvlab_intercepts intercepts;
	struct hvlab_timer timer;
	long coalesce_port;
};

/* The run options that live in the vCPU: 0, or STATUS_SETUP after saying why */
static int configure_vm(struct session *s, const struct vm_recipe *r)
{
	if ((r->intercepts.flags || r->intercepts.exception_bitmap) &&
	    ioctl(s->vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &r->intercepts)) {
		fprintf(stderr, "hvctl: cannot set the intercepts: %s\n",
			errno == EOPNOTSUPP ? "this CPU cannot intercept that" : strerror(errno));
		return STATUS_SETUP;
	}
	if (r->timer.period_ns && ioctl(s->vm.vcpu_fd, HVLAB_SET_TIMER, &r->timer)) {
		fprintf(stderr, "hvctl: cannot set the timer: %s\n", hv_strerror(errno));
		return STATUS_SETUP;
	}
	if (r->coalesce_port >= 0 && hv_set_coalesced_port(&s->vm, r->coalesce_port)) {
		fprintf(stderr, "hvctl: cannot coalesce port 0x%lx: this backend or hvlab.ko has no coalesced ring\n",
			r->coalesce_port);
		return STATUS_SETUP;
	}
	return 0;
}

/*
 * --reboot: the guest asked for a reset (i8042, port 0xcf9), and the PC
 * starts again: a new VM (hvlab.ko's vCPU as after RESET), the guest
 * loaded again, and the devices' RESET line (the RTC keeps its time and
 * CMOS memory, on the battery). 0, or STATUS_SETUP after saying why.
 */
static int reboot_guest(struct session *s, const struct vm_recipe *r)
{
	enum hv_guest_format format;

	console_flush(s);
	fprintf(stderr, "hvctl: rebooting (--reboot)\n");
	hv_close(&s->vm);
	if (hvctl_open_os(&s->vm, r->backend, &r->mem, r->guest, &r->boot, &format, "hvctl"))
		return STATUS_SETUP;
	if (hvctl_set_lapic(&s->vm, format, r->lapic, "hvctl") || configure_vm(s, r))
		return STATUS_SETUP;
	if (s->platform_ready)
		hv_platform_reset(&s->platform);
	s->done = 0;
	s->status = 0;
	return 0;
}

static int cmd_run(int argc, char **argv, enum run_mode mode)
{
	static const struct option options[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "max-exits", required_argument, NULL, OPT_MAX_EXITS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "apic", no_argument, NULL, OPT_APIC },
		{ "no-apic", no_argument, NULL, OPT_NO_APIC },
		{ "reboot", no_argument, NULL, OPT_REBOOT },
		{ "timer", required_argument, NULL, OPT_TIMER },
		{ "coalesce", required_argument, NULL, OPT_COALESCE },
		{ "ept-dump", required_argument, NULL, OPT_EPT_DUMP },
		{ "dirty-log", required_argument, NULL, OPT_DIRTY_LOG },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "small-pages", no_argument, NULL, OPT_SMALL_PAGES },
		{ "commands", required_argument, NULL, OPT_COMMANDS },
		{ "save-state", required_argument, NULL, OPT_SAVE_STATE },
		{ "raw-console", no_argument, NULL, OPT_RAW_CONSOLE },
		{ "mem", required_argument, NULL, 'm' },
		{ "trace-json", required_argument, NULL, 't' },
		{ "strict", no_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "intercept", required_argument, NULL, 'i' },
		{ "exceptions", required_argument, NULL, 'e' },
		{ "tpr-threshold", required_argument, NULL, 'T' },
		{ "backend", required_argument, NULL, 'b' },
		{ "regs-json", required_argument, NULL, 'r' },
		{ "stats", no_argument, NULL, 'S' },
		{ "chrome", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hvlab_intercepts intercepts = { 0 };
	struct hvlab_timer timer = { 0 };
	long coalesce_port = -1;
	int step = mode == MODE_STEP;
	struct session s = { .step = step };
	struct hv_tracer tracer;
	const char *chrome_path = NULL, *ept_path = NULL, *dirty_path = NULL;
	FILE *chrome = NULL, *ept_out = NULL;
	int stats = 0, json = 0;
	enum hv_guest_format format;
	int64_t bitmap;
	const char *trace_path = NULL, *regs_path = NULL, *guest;
	enum hv_backend backend = HV_BACKEND_HVLAB;
	FILE *regs_out = NULL;
	struct hv_mem_config mem = { .size = HV_DEFAULT_MEM };
	struct hv_boot_args boot = { 0 };
	const char *kernel = NULL;
	int mem_given = 0;
	int lapic = -1;		/* --apic, --no-apic */
	int reboot = 0;
	struct vm_recipe recipe;
	int64_t size;
	struct sigaction sa = { .sa_handler = on_sigint };
	const char *state_path = NULL, *step_only = NULL;
	struct hv_state state;
	char *end, err[300];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "m:t:sc:i:e:b:r:h", options, NULL)) != -1) {
		switch (opt) {
		case 'm':
			size = hvctl_parse_mem(optarg, "hvctl");
			if (size < 0)
				return STATUS_USAGE;
			mem.size = size;
			mem_given = 1;
			break;
		case OPT_KERNEL:
			kernel = optarg;
			break;
		case OPT_INITRD:
			boot.initrd = optarg;
			break;
		case OPT_APPEND:
			boot.cmdline = optarg;
			break;
		case OPT_MODULE:
			if (hvctl_add_module(&boot, optarg, "hvctl"))
				return STATUS_USAGE;
			break;
		case OPT_APIC:
		case OPT_NO_APIC:
			lapic = opt == OPT_APIC;
			break;
		case OPT_REBOOT:
			reboot = 1;
			break;
		case OPT_HUGEPAGES:
			mem.backing = HV_MEM_HUGETLB;
			break;
		case OPT_SMALL_PAGES:
			mem.backing = HV_MEM_SMALL;
			break;
		case 't':
			trace_path = optarg;
			break;
		case 's':
			s.strict = 1;
			break;
		case 'c':
			s.step_cfg.count = strtol(optarg, &end, 0);
			if (*end || s.step_cfg.count <= 0) {
				fprintf(stderr, "hvctl: --count '%s': give a positive number of exits\n", optarg);
				return STATUS_USAGE;
			}
			step_only = "--count";
			break;
		case OPT_STATE:
			state_path = optarg;
			break;
		case OPT_UNTIL:
			if (step_add_until(&s.step_cfg, optarg))
				return STATUS_USAGE;
			step_only = "--until";
			break;
		case OPT_COMMANDS:
			if (step_check_commands(optarg))
				return STATUS_USAGE;
			s.step_cfg.commands = optarg;
			step_only = "--commands";
			break;
		case OPT_EPT_DUMP:
			ept_path = optarg;
			break;
		case OPT_DIRTY_LOG:
			dirty_path = optarg;
			mem.log_dirty = 1;
			break;
		case OPT_SAVE_STATE:
			s.step_cfg.save_state = optarg;
			step_only = "--save-state";
			break;
		case OPT_RAW_CONSOLE:
			s.raw_console = 1;
			break;
		case OPT_TIMEOUT:
			s.timeout = strtod(optarg, &end);
			if (*end || !(s.timeout > 0) || s.timeout > 1e6) {
				fprintf(stderr, "hvctl: --timeout '%s': give a number of seconds, e.g. --timeout 30\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case OPT_MAX_EXITS:
			s.max_exits = strtol(optarg, &end, 0);
			if (*end || s.max_exits <= 0) {
				fprintf(stderr, "hvctl: --max-exits '%s': give a positive number of exits\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case OPT_COALESCE:
			coalesce_port = strtol(optarg, &end, 0);
			if (*end || coalesce_port < 0 || coalesce_port > 0xffff || mode == MODE_STEP) {
				fprintf(stderr, "hvctl: --coalesce '%s': give a port, 0 to 0xffff, to hvctl run or trace\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case OPT_TIMER:
			if (parse_timer(optarg, &timer)) {
				fprintf(stderr, "hvctl: --timer '%s': give the period in microseconds (%llu to %llu), and optionally ',VECTOR' (32-255, default 0x20)\n",
					optarg, HVLAB_TIMER_MIN_PERIOD_NS / 1000, HVLAB_TIMER_MAX_PERIOD_NS / 1000);
				return STATUS_USAGE;
			}
			break;
		case 'i':
			if (parse_intercepts(optarg, &intercepts.flags)) {
				fprintf(stderr, "hvctl: --intercept '%s': give a list of rdtsc, pause, invlpg, cr0, cr3, mtf, rdrand, desc, msr, tpr, apic, pause-loop\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case 'e':
			bitmap = parse_exceptions(optarg);
			if (bitmap < 0) {
				fprintf(stderr, "hvctl: --exceptions '%s': give vectors 0-31 or names such as ud,bp,gp,pf\n",
					optarg);
				return STATUS_USAGE;
			}
			intercepts.exception_bitmap = bitmap;
			break;
		case 'T':
			intercepts.tpr_threshold = strtoul(optarg, &end, 0);
			if (*end || !*optarg || intercepts.tpr_threshold > 15) {
				fprintf(stderr, "hvctl: --tpr-threshold '%s': give a priority class 0-15\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case 'b':
			if (!strcmp(optarg, "hvlab")) {
				backend = HV_BACKEND_HVLAB;
			} else if (!strcmp(optarg, "kvm")) {
				backend = HV_BACKEND_KVM;
			} else {
				fprintf(stderr, "hvctl: --backend '%s': give hvlab or kvm\n", optarg);
				return STATUS_USAGE;
			}
			break;
		case 'r':
			regs_path = optarg;
			break;
		case 'S':
			stats = 1;
			break;
		case 'C':
			chrome_path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (optind != argc - !kernel) {
		fprintf(stderr, kernel ? "hvctl: %s --kernel FILE takes no GUEST file besides\n" :
			"hvctl: %s needs exactly one GUEST file (try: hvctl %s guests/hello.bin)\n",
			mode_names[mode], mode_names[mode]);
		return STATUS_USAGE;
	}
	if ((chrome_path && mode != MODE_TRACE) || (json && mode == MODE_RUN)) {
		fprintf(stderr, "hvctl: --chrome belongs to 'hvctl trace', --json to trace and step (try: hvctl trace --chrome t.json GUEST)\n");
		return STATUS_USAGE;
	}
	guest = kernel ? kernel : argv[optind];
	if (hvctl_check_kernel(guest, &boot, mem_given, &mem, "hvctl"))
		return STATUS_USAGE;
	if (s.timeout > 0 && step) {
		fprintf(stderr, "hvctl: --timeout is an option of run and trace\n");
		return STATUS_USAGE;
	}
	if (s.max_exits && step) {
		fprintf(stderr, "hvctl: --max-exits is an option of run and trace; step stops after N exits with --count N\n");
		return STATUS_USAGE;
	}
	if (reboot && step) {
		fprintf(stderr, "hvctl: --reboot is an option of hvctl run and trace, not step\n");
		return STATUS_USAGE;
	}
	if (step_only && !step) {
		fprintf(stderr, "hvctl: %s is an option of hvctl step, not %s (try: hvctl step %s ...)\n",
			step_only, mode_names[mode], step_only);
		return STATUS_USAGE;
	}
	s.step_cfg.json = step && json;
	/* JSON on stdout: nothing else goes there, the guest's console included */
	s.json_stdout = !step && ((trace_path && !strcmp(trace_path, "-")) ||
				  (regs_path && !strcmp(regs_path, "-")) || json);
	/* A bad state file is refused before anything runs. */
	if (state_path && hv_state_load(state_path, &state, err, sizeof(err))) {
		fprintf(stderr, "hvctl: --state %s\n", err);
		return STATUS_SETUP;
	}
	if (backend == HV_BACKEND_KVM) {
		if (step) {
			fprintf(stderr, "hvctl: step needs the hvlab backend: it stops at every VM exit, and KVM returns to userspace only for I/O, MMIO, HLT and errors; use 'hvctl run --backend=kvm', or step with --backend=hvlab\n");
			return STATUS_USAGE;
		}
		if (intercepts.flags)
			return needs_hvlab("--intercept", "KVM intercepts what it needs, not what you ask");
		if (intercepts.exception_bitmap)
			return needs_hvlab("--exceptions", "KVM does not show exceptions on their way to the guest");
		if (trace_path || mode == MODE_TRACE)
			return needs_hvlab(mode == MODE_TRACE ? "trace" : "--trace-json",
					   "the exit trace is hvlab's trace ring; KVM has none");
		if (stats)
			return needs_hvlab("--stats", "these are hvlab's statistics");
		if (ept_path)
			return needs_hvlab("--ept-dump", "KVM's EPT stays in the kernel");
		if (dirty_path)
			return needs_hvlab("--dirty-log", "it reads hvlab's EPT dirty flags");
		if (mem.backing != HV_MEM_THP)
			return needs_hvlab(mem.backing == HV_MEM_HUGETLB ? "--hugepages" : "--small-pages",
					   "KVM allocates its guest's memory itself");
		if (s.max_exits)
			return needs_hvlab("--max-exits", "it counts exits through hvlab's trace ring");
		if (timer.period_ns)
			return needs_hvlab("--timer", "KVM's timers are its emulated devices, which hvctl does not set up");
		if (state_path && state.nvmcs)
			return needs_hvlab("--state with a \"vmcs\" object",
					   "KVM has no raw VMCS access; delete \"vmcs\" from the file to replay the rest");
	}

	if (hvctl_open_os(&s.vm, backend, &mem, guest, &boot, &format, "hvctl"))
		return STATUS_SETUP;
	if (hvctl_set_lapic(&s.vm, format, lapic, "hvctl")) {
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (state_path) {
		ret = hv_state_apply(&s.vm, &state);
		if (ret) {
			fprintf(stderr, "hvctl: --state %s: the kernel refused the state: %s (a value the CPU cannot hold? see docs/hvctl.md)\n",
				state_path, strerror(-ret));
			hv_close(&s.vm);
			return STATUS_SETUP;
		}
	}
	if (step)
		fprintf(s.step_cfg.json ? stderr : stdout, "loaded %s: %s%s%s\n", guest,
			hv_guest_format_name(format), state_path ? ", then the state in " : "",
			state_path ? state_path : "");
	recipe = (struct vm_recipe){
		.backend = backend, .mem = mem, .guest = guest, .boot = boot, .lapic = lapic,
		.intercepts = intercepts, .timer = timer, .coalesce_port = coalesce_port,
	};
	if (configure_vm(&s, &recipe)) {
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (trace_path && !strcmp(trace_path, "-")) {
		s.trace = stdout;
	} else if (trace_path) {
		s.trace = fopen(trace_path, "w");
		if (!s.trace) {
			fprintf(stderr, "hvctl: cannot write '%s': %s\n", trace_path, strerror(errno));
			hv_close(&s.vm);
			return STATUS_SETUP;
		}
	}
	if (regs_path && !strcmp(regs_path, "-")) {
		regs_out = stdout;
	} else if (regs_path) {
		regs_out = fopen(regs_path, "w");
		if (!regs_out) {
			fprintf(stderr, "hvctl: cannot write '%s': %s\n", regs_path, strerror(errno));
			if (s.trace && s.trace != stdout)
				fclose(s.trace);
			hv_close(&s.vm);
			return STATUS_SETUP;
		}
	}
	if (chrome_path) {
		chrome = fopen(chrome_path, "w");
		if (!chrome) {
			fprintf(stderr, "hvctl: cannot write '%s': %s\n", chrome_path, strerror(errno));
			if (s.trace && s.trace != stdout)
				fclose(s.trace);
			hv_close(&s.vm);
			return STATUS_SETUP;
		}
	}
	if (ept_path) {
		ept_out = fopen(ept_path, "w");
		if (!ept_out) {
			fprintf(stderr, "hvctl: cannot write '%s': %s\n", ept_path, strerror(errno));
			if (s.trace && s.trace != stdout)
				fclose(s.trace);
			if (chrome)
				fclose(chrome);
			hv_close(&s.vm);
			return STATUS_SETUP;
		}
	}
	if (mode == MODE_TRACE) {
		hv_tracer_init(&tracer, s.trace, chrome);
		s.tracer = &tracer;
	}
	/* No SA_RESTART: Ctrl-C makes HVLAB_RUN return -EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = run_loop(&s);
	while (reboot && ret == STATUS_RESET && !interrupted) {
		ret = reboot_guest(&s, &recipe);
		if (!ret)
			ret = run_loop(&s);
	}
	if (s.timeout > 0) {
		const struct itimerval off = { 0 };

		setitimer(ITIMER_REAL, &off, NULL);	/* the --timeout alarm, done */
	}
	console_flush(&s);
	hvctl_report_unclaimed(&s);
	if (s.tracer) {
		hv_tracer_finish(&tracer);
		if (s.console_midline)
			fputc('\n', console_stream(&s));
		hv_tracer_summary(&tracer, s.json_stdout && !json ? stderr : stdout, json);
		if (chrome)
			fclose(chrome);
	}
	if (stats)
		print_vcpu_stats(&s, s.json_stdout ? stderr : stdout);
	if (s.trace && s.trace != stdout)
		fclose(s.trace);
	if (regs_out) {
		write_regs_json(&s, regs_out);
		if (regs_out != stdout)
			fclose(regs_out);
	}
	if (ept_out) {
		write_ept_dump(&s, ept_out, ept_path);
		fclose(ept_out);
	}
	if (dirty_path && write_dirty_log(&s, dirty_path) && !ret)
		ret = STATUS_SETUP;
	if (s.platform_ready)
		hv_platform_free(&s.platform);
	hv_close(&s.vm);
	return ret;
}

/* --exits N of vmcs and ept: 0, or -1 after saying what to give */
static int parse_exits(const char *arg, struct session *s)
{
	char *end;

	s->stop_after = strtol(arg, &end, 0);
	if (*end || s->stop_after <= 0) {
		fprintf(stderr, "hvctl: --exits '%s': give a positive number of exits\n", arg);
		return -1;
	}
	return 0;
}

/*
 * vmcs and ept: load GUEST, and run it for s->stop_after exits if asked
 * (with JSON on stdout, the console goes to stderr). Its status so far,
 * or -1 if it could not be loaded.
 */
static int load_and_run_exits(struct session *s, const char *guest, int json)
{
	int ret = STATUS_HALTED;

	if (hvctl_open_guest(&s->vm, HV_BACKEND_HVLAB, NULL, guest, NULL, "hvctl"))
		return -1;
	s->json_stdout = json;
	if (s->stop_after)
		ret = run_loop(s);
	if (s->console_midline)
		fputc('\n', console_stream(s));
	return ret;
}

/* hvctl vmcs: the vCPU's VMCS after loading GUEST (and N exits), decoded. */
static int cmd_vmcs(int argc, char **argv)
{
	static const struct option options[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "exits", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw-console", no_argument, NULL, OPT_RAW_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s = { 0 };
	struct hv_vmcs vmcs;
	unsigned int mask = 0xf;
	int opt, ret, json = 0;

	while ((opt = getopt_long(argc, argv, "g:n:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'g':
			mask = hv_vmcs_group_mask(optarg);
			if (!mask) {
				fprintf(stderr, "hvctl: --group '%s': give control, exit, guest, host or all\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case 'n':
			if (parse_exits(optarg, &s))
				return STATUS_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		case OPT_RAW_CONSOLE:
			s.raw_console = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hvctl: vmcs needs exactly one GUEST file (try: hvctl vmcs --group guest guests/hello.bin)\n");
		return STATUS_USAGE;
	}
	ret = load_and_run_exits(&s, argv[optind], json);
	if (ret < 0)
		return STATUS_SETUP;
	if (hv_vmcs_read(&s.vm, &vmcs)) {
		fprintf(stderr, "hvctl: HVLAB_GET_VMCS failed: %s (is hvlab.ko older than hvctl?)\n",
			strerror(errno));
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (json)
		hv_vmcs_print_json(stdout, &vmcs, mask);
	else
		hv_vmcs_print(stdout, &vmcs, mask);
	hv_close(&s.vm);
	return ret;
}

/* hvctl ept: the EPT after loading GUEST (and N exits), as ranges, a tree or one walk. */
static int cmd_ept(int argc, char **argv)
{
	static const struct option options[] = {
		{ "exits", required_argument, NULL, 'n' },
		{ "tree", no_argument, NULL, 't' },
		{ "gpa", required_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw-console", no_argument, NULL, OPT_RAW_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s = { 0 };
	int opt, ret, err, json = 0, tree = 0, one = 0;
	uint64_t gpa = 0;
	struct hv_ept ept;
	char *end;

	while ((opt = getopt_long(argc, argv, "n:tg:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (parse_exits(optarg, &s))
				return STATUS_USAGE;
			break;
		case 't':
			tree = 1;
			break;
		case 'g':
			gpa = strtoull(optarg, &end, 0);
			if (*end || end == optarg) {
				fprintf(stderr, "hvctl: --gpa '%s': give a guest-physical address, e.g. 0x7c00\n",
					optarg);
				return STATUS_USAGE;
			}
			one = 1;
			break;
		case 'j':
			json = 1;
			break;
		case OPT_RAW_CONSOLE:
			s.raw_console = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hvctl: ept needs exactly one GUEST file (try: hvctl ept guests/hello.bin)\n");
		return STATUS_USAGE;
	}
	if (one && (tree || json)) {
		fprintf(stderr, "hvctl: ept: --gpa shows one walk as text; leave out --tree and --json\n");
		return STATUS_USAGE;
	}
	ret = load_and_run_exits(&s, argv[optind], json);
	if (ret < 0)
		return STATUS_SETUP;
	err = hv_ept_read(&s.vm, &ept);
	if (err) {
		fprintf(stderr, "hvctl: HVLAB_GET_EPT failed: %s (is hvlab.ko older than hvctl?)\n",
			strerror(-err));
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (one)
		hv_ept_print_gpa(stdout, &ept, gpa);
	else if (json)
		hv_ept_print_json(stdout, &ept, tree);
	else if (tree)
		hv_ept_print_tree(stdout, &ept);
	else
		hv_ept_print_ranges(stdout, &ept);
	hv_ept_free(&ept);
	hv_close(&s.vm);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(cmd ? stdout : stderr);
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
		return cmd_run(argc - 1, argv + 1, MODE_RUN);
	if (!strcmp(cmd, "step"))
		return cmd_run(argc - 1, argv + 1, MODE_STEP);
	if (!strcmp(cmd, "trace"))
		return cmd_run(argc - 1, argv + 1, MODE_TRACE);
	if (!strcmp(cmd, "vmcs"))
		return cmd_vmcs(argc - 1, argv + 1);
	if (!strcmp(cmd, "ept"))
		return cmd_ept(argc - 1, argv + 1);
	if (!strcmp(cmd, "explain"))
		return hv_cmd_explain(argc - 1, argv + 1);
	if (!strcmp(cmd, "gdb"))
		return hv_gdb_main(argc - 1, argv + 1);
	fprintf(stderr, "hvctl: unknown command '%s' (commands: info, run, step, trace, vmcs, ept, explain, gdb; see hvctl --help)\n", cmd);
	return STATUS_USAGE;
}
