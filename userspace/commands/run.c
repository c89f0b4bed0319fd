// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - hvctl run, step and trace: one guest run to its end with
 * their options (the backend, memory, intercepts, the OS loader's
 * arguments, --reboot, the statistics, dumps and traces afterwards).
 * step's debugger is step.c, trace's statistics trace.c, the run loop
 * session.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "fpu_image.h"
#include "hvctl.h"
#include "state.h"
#include "trace.h"
#include "ept_print.h"



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
	if (out == hvctl_console_stream(s) && s->console_midline)
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

/* Long-only options of run, step and trace (OPT_RAW_CONSOLE: hvctl.h) */
enum {
	OPT_STATE = OPT_RAW_CONSOLE + 1, OPT_UNTIL, OPT_COMMANDS, OPT_SAVE_STATE,
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

int hvctl_cmd_run(int argc, char **argv, enum run_mode mode)
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
	struct sigaction sa = { .sa_handler = hvctl_on_sigint };
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
			hvctl_usage(stdout);
			return 0;
		default:
			hvctl_usage(stderr);
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

	ret = hvctl_run_loop(&s);
	while (reboot && ret == STATUS_RESET && !interrupted) {
		ret = reboot_guest(&s, &recipe);
		if (!ret)
			ret = hvctl_run_loop(&s);
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
			fputc('\n', hvctl_console_stream(&s));
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

