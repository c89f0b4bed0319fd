// SPDX-License-Identifier: GPL-2.0
/*
 * session.c - what hvctl's commands share: a guest's VM opened and
 * loaded (with an OS loader's options checked first), and the run loop
 * that plays the PC around it: each exit to userspace goes to the device
 * on the port or MMIO bus (userspace/platform/), HLT sleeps until an
 * interrupt (lib/vcpu_events.c), the console's bytes go to the terminal,
 * and --timeout, --max-exits, Ctrl-C and the guest's own end stop it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../include/uapi/hvlab_exit_reasons.h"
#include "console.h"
#include "decode.h"
#include "explain.h"
#include "hvctl.h"
#include "loaders/loaders.h"
#include "lib/kvm_backend.h"
#include "trace.h"



volatile sig_atomic_t interrupted;

void hvctl_on_sigint(int sig)
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

FILE *hvctl_console_stream(const struct session *s)
{
	return s->json_stdout ? stderr : stdout;
}

static void console_putc(struct session *s, char c)
{
	if (!s->step) {
		FILE *out = hvctl_console_stream(s);
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
		if (s->events.inject_error && s->events.bad_vector < 0) {
			fprintf(stderr, "hvctl: no interrupt delivered: %s\n", strerror(-s->events.inject_error));
			return STATUS_GUEST_CRASHED;
		}
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

int hvctl_run_loop(struct session *s)
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
	/* An OS (a BIOS area mapped: Linux, multiboot) learns of the APICs as from firmware */
	if (!ret && vm->bios_area)
		ret = hv_write_mptable(vm, 1);
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

int hvctl_parse_exits(const char *arg, struct session *s)
{
	char *end;

	s->stop_after = strtol(arg, &end, 0);
	if (*end || s->stop_after <= 0) {
		fprintf(stderr, "hvctl: --exits '%s': give a positive number of exits\n", arg);
		return -1;
	}
	return 0;
}

int hvctl_load_and_run_exits(struct session *s, const char *guest, int json)
{
	int ret = STATUS_HALTED;

	if (hvctl_open_guest(&s->vm, HV_BACKEND_HVLAB, NULL, guest, NULL, "hvctl"))
		return -1;
	s->json_stdout = json;
	if (s->stop_after)
		ret = hvctl_run_loop(s);
	if (s->console_midline)
		fputc('\n', hvctl_console_stream(s));
	return ret;
}

