/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvtest.h - helpers for the in-VM tests: run a guest from guests/ through
 * /dev/hvlab, stopping at every VM exit, and record what happened so that
 * a test can assert the exact exit sequence and the decoded details.
 *
 * The device model here is deliberately tiny and separate from hvctl's:
 * these tests check the kernel ABI, not hvctl.
 */
#ifndef HVTEST_H
#define HVTEST_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/libhvlab.h"
#include "decode.h"
#include "../../include/uapi/hvlab_exit_reasons.h"

#define GUEST_DIR	"/guests/"
#define MAX_EXITS	8192	/* lab 7 prints 4 KiB by OUT, an exit per byte */
/*
 * Exits (the kernel's included) after which hvtest_run_vm() gives up: no
 * test guest comes near it. A handler that never advances RIP makes a
 * guest exit at one instruction forever, in the kernel, and in the lab VM
 * a test's timeout in seconds would then take most of an hour
 * (docs/labvm.md: the clock crawls while the CPU is busy).
 */
#define HVTEST_EXIT_BUDGET	200000
/*
 * Counting needs the trace ring, which costs every exit a record (and a
 * return every HVLAB_TRACE_ENTRIES): a test that measures exit costs sets
 * this to 0 first, and runs unbounded.
 */
static uint64_t hvtest_exit_budget = HVTEST_EXIT_BUDGET;

/* One VM exit as the test saw it (external interrupts filtered out). */
struct seen_exit {
	uint32_t run_exit;		/* enum hvlab_exit */
	uint32_t vmx_reason;		/* basic VMX exit reason */
	uint64_t qualification;
	uint64_t rip;
	uint64_t gpa;
	uint32_t intr_info;		/* exception exits: vector, type, valid */
	uint32_t idt_vectoring;		/* the event whose delivery the exit cut short */
	uint32_t io_data;		/* OUT value, or IN value supplied */
	uint8_t io_dir, io_size;
	uint16_t io_port;
	uint8_t io_string, io_rep;	/* INS/OUTS, with REP */
	uint32_t io_count;		/* elements left, this one included; console: bytes */
	uint8_t mmio_data[8];
	uint32_t mmio_len;
	uint8_t mmio_access;
};

struct guest_result {
	char output[16384];		/* what the guest wrote to port 0xe9, or by hypercall */
	size_t output_len;
	struct seen_exit exits[MAX_EXITS];
	int nexits;			/* recorded exits (external interrupts skipped) */
	uint64_t total_exits;		/* run->exit_count at the end */
	uint32_t last_exit;		/* enum hvlab_exit that ended the run */
	int exit_value;			/* what the guest wrote to port 0xf4, or -1 */
	char reason[96];		/* internal.reason, if any */
};

/*
 * Called at every I/O exit, if set: a test's hook into the run. For an IN,
 * run->io.data already holds hvtest_in_value(), which the hook may change.
 */
static void (*hvtest_io_hook)(struct hvlab_run *run);
/* The same at every MMIO exit; run->mmio.data of a read already holds all ones. */
static void (*hvtest_mmio_hook)(struct hvlab_run *run);

/* Values the test's "bus" answers for IN and MMIO reads. */
static inline uint32_t hvtest_in_value(uint16_t port, uint8_t size)
{
	if (port == 0xe9)
		return 0xe9;
	return 0xffffffffu >> (32 - 8 * size);
}

/*
 * Run @vm until the guest halts, dies or exceeds MAX_EXITS exits.
 * @flags: HVLAB_RUN_* request flags (STOP_EVERY_EXIT records in-kernel
 * exits too). Returns 0, or -errno from HVLAB_RUN.
 */
/* What an endless run of one exit reason most likely means */
static inline const char *hvtest_loop_hint(uint32_t reason)
{
	if (reason == 7 || reason == 8)
		return "is the window exit turned off once no interrupt or NMI waits?";
	return "is RIP advanced past the instruction?";
}

static inline int hvtest_run_vm(struct hv_vm *vm, uint32_t flags, struct guest_result *r)
{
	struct hvlab_run *run = vm->run;
	int ret, steps;

	memset(r, 0, sizeof(*r));
	r->exit_value = -1;
	/* The trace ring brings the run back every HVLAB_TRACE_ENTRIES exits, to count them */
	run->request_flags = flags | (hvtest_exit_budget ? HVLAB_RUN_TRACE : 0);
	for (steps = 0; steps < 100000; steps++) {
		struct seen_exit *e;

		ret = hv_run(vm);
		if (ret)
			return ret;
		r->last_exit = run->exit_reason;
		r->total_exits = run->exit_count;
		if (hvtest_exit_budget && run->exit_count > hvtest_exit_budget) {
			const struct hvlab_exit_record *last =
				&run->trace[(run->trace_head + HVLAB_TRACE_ENTRIES - 1) % HVLAB_TRACE_ENTRIES];

			/* stderr, as TH_LOG: a test's stdout is lost if it ends by assertion */
			fprintf(stderr, "# the guest exited %llu times without ending, the last at rip 0x%llx (exit reason %u): %s\n",
			       (unsigned long long)run->exit_count, (unsigned long long)last->rip,
			       HVLAB_VMX_EXIT_BASIC(last->reason),
			       hvtest_loop_hint(HVLAB_VMX_EXIT_BASIC(last->reason)));
			return -ELOOP;
		}
		if (run->exit_reason == HVLAB_EXIT_TRACE_FULL) {
			run->trace_tail = run->trace_head;
			continue;
		}
		/*
		 * Host interrupts (1) and the preemption timer (52) exit at
		 * moments the guest does not choose: not part of its story.
		 */
		if (run->exit_reason == HVLAB_EXIT_HANDLED &&
		    (HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason) == 1 ||
		     HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason) == 52))
			continue;
		if (r->nexits >= MAX_EXITS) {
			fprintf(stderr, "# more than %d exits reached the test, the last at rip 0x%llx (exit reason %u): %s\n",
				MAX_EXITS, (unsigned long long)run->guest_rip,
				HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason),
				hvtest_loop_hint(HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason)));
			return -E2BIG;
		}
		e = &r->exits[r->nexits++];
		e->run_exit = run->exit_reason;
		e->vmx_reason = HVLAB_VMX_EXIT_BASIC(run->vmx_exit_reason);
		e->qualification = run->exit_qualification;
		e->rip = run->guest_rip;
		e->gpa = run->guest_phys_addr;
		e->intr_info = run->intr_info;
		e->idt_vectoring = run->idt_vectoring_info;
		switch (run->exit_reason) {
		case HVLAB_EXIT_IO:
			if (run->io.direction == HVLAB_IO_IN)
				run->io.data = hvtest_in_value(run->io.port, run->io.size);
			if (hvtest_io_hook)
				hvtest_io_hook(run);
			e->io_dir = run->io.direction;
			e->io_size = run->io.size;
			e->io_port = run->io.port;
			e->io_string = run->io.string;
			e->io_rep = run->io.rep;
			e->io_count = run->io.count;
			if (run->io.direction == HVLAB_IO_OUT && run->io.port == 0xe9 &&
			    r->output_len < sizeof(r->output) - 1)
				r->output[r->output_len++] = run->io.data;
			/* isa-debug-exit; the guests halt after it anyway */
			if (run->io.direction == HVLAB_IO_OUT && run->io.port == 0xf4)
				r->exit_value = run->io.data;
			e->io_data = run->io.data;
			break;
		case HVLAB_EXIT_MMIO:
			e->mmio_len = run->mmio.len;
			e->mmio_access = run->mmio.access;
			if (run->mmio.access == HVLAB_ACCESS_READ)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			if (hvtest_mmio_hook)
				hvtest_mmio_hook(run);
			memcpy(e->mmio_data, run->mmio.data, sizeof(e->mmio_data));
			break;
		case HVLAB_EXIT_CONSOLE:	/* printed by hypercall */
			e->io_count = run->console.len;
			if (run->console.len <= sizeof(r->output) - 1 - r->output_len) {
				memcpy(r->output + r->output_len, hv_console_bytes(vm),
				       run->console.len);
				r->output_len += run->console.len;
			}
			break;
		case HVLAB_EXIT_HANDLED:
		case HVLAB_EXIT_STEP:
			break;
		case HVLAB_EXIT_INTERNAL_ERROR:
			memcpy(r->reason, run->internal.reason, sizeof(r->reason));
			return 0;
		default:	/* HLT, SHUTDOWN, FAIL_ENTRY, UNHANDLED: the end */
			return 0;
		}
	}
	return -ETIMEDOUT;
}

/*
 * Create a VM with the standard PC memory map (@cfg's size and backing)
 * and load guests/<name>.bin (real mode) or, if there is none,
 * guests/<name>.elf.
 */
static inline int hvtest_create_mem(struct hv_vm *vm, const char *name,
				    const struct hv_mem_config *cfg)
{
	enum hv_guest_format format;
	const char *why;
	char path[256];
	int ret;

	ret = hv_open(vm);
	if (!ret)
		ret = hv_create_mem(vm, cfg);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), GUEST_DIR "%s.bin", name);
	if (access(path, R_OK))
		snprintf(path, sizeof(path), GUEST_DIR "%s.elf", name);
	return hv_load_file(vm, path, &format, &why);
}

/* hvtest_create_mem() with 4 MiB of transparent huge pages, as hvctl's default */
static inline int hvtest_create(struct hv_vm *vm, const char *name)
{
	const struct hv_mem_config cfg = { .size = HV_DEFAULT_MEM };

	return hvtest_create_mem(vm, name, &cfg);
}

/*
 * 32-bit flat protected mode without paging, for code that hv_load_raw()
 * put at 0x7c00: a GDT at 0x1000, every segment base 0 and 4 GiB. 0 or
 * -errno.
 */
static inline int hvtest_enter_flat32(struct hv_vm *vm)
{
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffULL,		/* 0x08: code, base 0, 4 GiB, 32-bit */
		0x00cf93000000ffffULL,		/* 0x10: data, base 0, 4 GiB */
	};
	struct hvlab_segment flat = {
		.limit = 0xffffffff, .selector = 0x10, .access_rights = 0xc093,
	};
	struct hvlab_sregs sregs;
	int ret;

	memcpy(vm->mem + 0x1000, gdt, sizeof(gdt));
	ret = hv_get_sregs(vm, &sregs);
	if (ret)
		return ret;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat;
	sregs.cs = flat;
	sregs.cs.selector = 0x08;
	sregs.cs.access_rights = 0xc09b;
	sregs.gdt.base = 0x1000;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.cr0 |= 1;				/* PE */
	return hv_set_sregs(vm, &sregs);
}

/* Drop @cap from this process's effective capabilities: 0 or -errno. */
static inline int hvtest_drop_capability(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* HVLAB_GET_VMCS or HVLAB_SET_VMCS on @count fields: 0 or -errno. */
static inline int hvtest_vmcs_access(struct hv_vm *vm, unsigned long req,
				     struct hvlab_vmcs_field *f, unsigned int count)
{
	struct hvlab_vmcs_access a = { .count = count, .fields = (uintptr_t)f };

	return ioctl(vm->vcpu_fd, req, &a) ? -errno : 0;
}

/* One VMCS field's value (0 if it cannot be read). */
static inline uint64_t hvtest_vmcs_read(struct hv_vm *vm, uint32_t encoding)
{
	struct hvlab_vmcs_field f = { .encoding = encoding };

	hvtest_vmcs_access(vm, HVLAB_GET_VMCS, &f, 1);
	return f.value;
}

/* printf into a sysfs, procfs or cgroup file: 0, or -errno (the write's). */
static inline int hvtest_write_file(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int hvtest_write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	va_start(ap, fmt);
	ret = vfprintf(f, fmt, ap) < 0 ? -EIO : 0;
	va_end(ap);
	if (fclose(f))		/* the one write(2), and its error */
		ret = -errno;
	return ret;
}

/* The number a file starts with (/sys/module/hvlab/refcnt, memory.current), or -1. */
static inline long long hvtest_read_number(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

#define HVTEST_PML_PARAM	"/sys/module/hvlab/parameters/pml"

/*
 * Make the VMs created from now on log dirty pages with PML (@on) or by
 * scanning the EPT dirty flags: the module's parameter pml. Returns what
 * it was (0 or 1), for the caller to put back, or -errno.
 */
static inline int hvtest_use_pml(int on)
{
	FILE *f = fopen(HVTEST_PML_PARAM, "r");
	int was, ret;

	if (!f)
		return -errno;
	was = fgetc(f) == 'Y';
	fclose(f);
	ret = hvtest_write_file(HVTEST_PML_PARAM, "%d", on);
	return ret ? ret : was;
}

/*
 * The number after @key on the first line that starts with it:
 * ("/proc/self/status", "VmLck:") or (".../hvlab/pages", "pinned "). -1
 * if there is none.
 */
static inline long long hvtest_read_field(const char *path, const char *key)
{
	char line[160];
	long long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = strtoll(line + strlen(key), NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/*
 * A line "NAME: VALUE" of /sys/kernel/debug/hvlab/mitigations (module/
 * spec.c): VALUE into @value. Returns 0, or -1 if there is no such line.
 */
static inline int hvtest_mitigation(const char *name, char *value, size_t len)
{
	char line[160];
	size_t n = strlen(name);
	int ret = -1;
	FILE *f = fopen("/sys/kernel/debug/hvlab/mitigations", "r");

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || strncmp(line + n, ": ", 2))
			continue;
		n = strcspn(line + n + 2, "\n");
		n = n < len ? n : len - 1;
		memcpy(value, line + strlen(name) + 2, n);
		value[n] = 0;
		ret = 0;
	}
	fclose(f);
	return ret;
}

static inline unsigned long long hvtest_mitigation_value(const char *name)
{
	char value[64];

	return hvtest_mitigation(name, value, sizeof(value)) ? 0 : strtoull(value, NULL, 10);
}

/* A statistic by name (module/stats.c), or 0: @req is HVLAB_GET_{VM,VCPU}_STATS. */
static inline uint64_t hvtest_stat(int fd, unsigned long req, const char *name)
{
	struct hvlab_stat_desc *descs;
	uint64_t *values, value = 0;
	unsigned int i, count;

	if (hv_get_stats(fd, req, &descs, &values, &count))
		return 0;
	for (i = 0; i < count; i++)
		if (!strcmp(descs[i].name, name))
			value = values[i];
	free(descs);
	free(values);
	return value;
}

static inline uint64_t hvtest_vcpu_stat(const struct hv_vm *vm, const char *name)
{
	return hvtest_stat(vm->vcpu_fd, HVLAB_GET_VCPU_STATS, name);
}

/*
 * debugfs hvlab/vmx, "cpuN vmxe V vmxon O" per online CPU: how many CPUs
 * it lists, and in how many CR4.VMXE is set and hvlab has VMX on. -errno
 * if it cannot be read.
 */
static inline int hvtest_vmx_cpus(int *vmxe, int *vmxon)
{
	FILE *f = fopen("/sys/kernel/debug/hvlab/vmx", "r");
	int cpus = 0, e, o;
	unsigned int cpu;

	if (!f)
		return -errno;
	*vmxe = *vmxon = 0;
	while (fscanf(f, " cpu%u vmxe %d vmxon %d", &cpu, &e, &o) == 3) {
		cpus++;
		*vmxe += e;
		*vmxon += o;
	}
	fclose(f);
	return cpus;
}

/*
 * The seed of a randomized test: HVLAB_GRADE_SEED when make grade sets it,
 * else random. Printed as "# WHAT: seed S", so that HVLAB_GRADE_SEED=S
 * replays the run.
 */
static inline uint32_t hvtest_grade_seed(const char *what)
{
	const char *env = getenv("HVLAB_GRADE_SEED");
	uint32_t seed = 0;

	if (env)
		seed = strtoul(env, NULL, 0);
	else if (getrandom(&seed, sizeof(seed), GRND_INSECURE) != sizeof(seed))
		seed = time(NULL);
	fprintf(stderr, "# %s: seed %u (HVLAB_GRADE_SEED=%u replays it)\n", what, seed, seed);
	return seed;
}

/* insmod: load the module at @path with @params. 0 or -errno (-EEXIST: already there). */
static inline int hvtest_insmod(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* rmmod @name: 0 or -errno (-EAGAIN while it is in use) */
static inline int hvtest_rmmod(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Count recorded exits with this basic VMX reason. */
static inline int hvtest_count(const struct guest_result *r, uint32_t vmx_reason)
{
	int i, n = 0;

	for (i = 0; i < r->nexits; i++)
		n += r->exits[i].vmx_reason == vmx_reason;
	return n;
}

/*
 * Which tests a program runs: every one, or those its arguments name,
 * each a fixture ("guest") or one test ("guest.hello", and
 * "global.NAME" for a TEST()). -l lists them. The kselftest harness this
 * tree builds against ignores its arguments, so the tests not chosen are
 * taken off its lists before it starts; its TAP plan then counts only
 * the chosen ones. The grader runs only its rubric's tests this way, and
 * a student can run one test by name: /tests/guests guest.hello
 */
static inline int hvtest_select(int argc, char **argv)
{
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int i, bad = 0;
	char *used;

	if (argc == 2 && !strcmp(argv[1], "-l")) {
		for (f = __fixture_list; f; f = f->next)
			for (t = f->tests; t; t = t->next)
				printf("%s.%s\n", f->name, t->name);
		exit(0);
	}
	if (argc < 2)
		return 0;
	used = calloc(argc, 1);
	if (!used)
		return 1;
	for (f = __fixture_list; f; f = f->next) {
		struct __test_metadata *next, *head = NULL, *tail = NULL;

		for (t = f->tests; t; t = next) {
			int keep = 0;

			next = t->next;
			for (i = 1; i < argc; i++) {
				const char *dot = strchr(argv[i], '.');
				size_t len = dot ? (size_t)(dot - argv[i]) : strlen(argv[i]);

				if (strlen(f->name) == len && !strncmp(argv[i], f->name, len) &&
				    (!dot || !strcmp(dot + 1, t->name)))
					keep = used[i] = 1;
			}
			if (!keep)
				continue;
			/* the harness's list: next runs forward, head->prev is the tail */
			t->next = NULL;
			t->prev = tail;
			if (tail)
				tail->next = t;
			else
				head = t;
			tail = t;
		}
		if (head)
			head->prev = tail;
		f->tests = head;
	}
	for (i = 1; i < argc; i++) {
		if (used[i])
			continue;
		fprintf(stderr, "%s: no test or fixture named '%s' here; %s -l lists them\n",
			argv[0], argv[i], argv[0]);
		bad = 1;
	}
	free(used);
	return bad;
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		char *no_args[] = { argv[0], NULL }; \
		if (hvtest_select(argc, argv)) \
			return KSFT_FAIL; \
		return test_harness_run(1, no_args); \
	}

#endif
