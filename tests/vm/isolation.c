// SPDX-License-Identifier: GPL-2.0
/*
 * isolation.c - a guest sees nothing of the host, and the host nothing of
 * the guest (issue 9, docs/security.md). Each test here failed on the
 * hvlab that the 2026-12 audit read, and names the finding it covers.
 */
#define _GNU_SOURCE		/* sched_setaffinity, sched_getcpu */
#include <sched.h>
#include <signal.h>
#include <asm/ldt.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hvtest.h"

#define SNAPSHOT	0x500	/* guests/fpu.S: XMM0-7, MXCSR, FCW as found */

/* VMCS field encodings (SDM Appendix B) and control bits (SDM 25.7, 25.8) */
#define ENC_EXCEPTION_BITMAP	0x4004
#define ENC_VM_EXIT_CONTROLS	0x400c
#define ENC_VM_ENTRY_CONTROLS	0x4012
#define EXIT_SAVE_DEBUG_CONTROLS	(1u << 2)
#define ENTRY_LOAD_DEBUG_CONTROLS	(1u << 2)
#define VECTOR_MC		18

/*
 * Fill XMM0-15 with @byte, as a host task that uses SSE would. One asm
 * statement, so that the compiler puts nothing of its own in between.
 */
static void fill_vector_registers(uint8_t byte)
{
	uint8_t v[16];

	memset(v, byte, sizeof(v));
	__asm__ volatile("movdqu %0, %%xmm0\n\t"
			 "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm2\n\t"
			 "movdqa %%xmm0, %%xmm3\n\tmovdqa %%xmm0, %%xmm4\n\t"
			 "movdqa %%xmm0, %%xmm5\n\tmovdqa %%xmm0, %%xmm6\n\t"
			 "movdqa %%xmm0, %%xmm7\n\tmovdqa %%xmm0, %%xmm8\n\t"
			 "movdqa %%xmm0, %%xmm9\n\tmovdqa %%xmm0, %%xmm10\n\t"
			 "movdqa %%xmm0, %%xmm11\n\tmovdqa %%xmm0, %%xmm12\n\t"
			 "movdqa %%xmm0, %%xmm13\n\tmovdqa %%xmm0, %%xmm14\n\t"
			 "movdqa %%xmm0, %%xmm15"
			 : : "m"(v) : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			   "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
			   "xmm13", "xmm14", "xmm15");
}

/*
 * Run guests/fpu.bin to its end. With @clobber, the test fills its own
 * vector registers with 0x25 ('%') before every HVLAB_RUN: what hvctl's
 * string functions were seen to leave there. Returns the exit status
 * the guest chose (0: HLT) and its console output.
 */
static int run_fpu_guest(struct __test_metadata *_metadata, struct hv_vm *vm,
			 int clobber, char *out, size_t size, unsigned int *exits_to_user)
{
	struct hvlab_run *run = vm->run;
	size_t len = 0;

	*exits_to_user = 0;
	run->request_flags = 0;
	for (;;) {
		if (clobber)
			fill_vector_registers(0x25);
		if (hv_run(vm) == -EINTR)
			continue;
		switch (run->exit_reason) {
		case HVLAB_EXIT_IO:
			++*exits_to_user;
			if (run->io.direction == HVLAB_IO_IN) {
				run->io.data = 0xe9;
				continue;
			}
			if (run->io.port == 0xf4) {
				out[len] = 0;
				return ((run->io.data & 0xff) << 1) | 1;
			}
			if (run->io.port == 0xe9 && len < size - 1)
				out[len++] = run->io.data;
			continue;
		case HVLAB_EXIT_HLT:
			out[len] = 0;
			return 0;
		default:
			out[len] = 0;
			TH_LOG("the guest stopped with exit %u (%s)", run->exit_reason,
			       run->internal.reason);
			return -1;
		}
	}
}

/*
 * S1-1. A fresh vCPU starts from the FINIT state with zeroed XMM
 * registers, not with what the host left in the CPU; and its own values
 * survive 10000 exits to userspace while the test uses SSE in between.
 */
TEST(fpu_state_is_the_guests_own)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	unsigned int exits;
	uint8_t zero[128] = { 0 };
	uint32_t mxcsr;
	uint16_t fcw;
	char out[512];

	ASSERT_EQ(0, hvtest_create(&vm, "fpu"));
	EXPECT_EQ(0, run_fpu_guest(_metadata, &vm, 1, out, sizeof(out), &exits));
	EXPECT_STREQ("fresh state ok\n"
		     "xmm across exits to userspace ok\n"
		     "xmm across exits in the kernel ok\n", out);
	EXPECT_LE(10000 + 100, exits);
	/* What the guest found, byte by byte, in case its own check erred */
	EXPECT_EQ(0, memcmp(zero, vm.mem + SNAPSHOT, sizeof(zero)));
	memcpy(&mxcsr, vm.mem + SNAPSHOT + 128, sizeof(mxcsr));
	memcpy(&fcw, vm.mem + SNAPSHOT + 132, sizeof(fcw));
	EXPECT_EQ(0x1f80, mxcsr);
	EXPECT_EQ(0x037f, fcw);
	if (memcmp(zero, vm.mem + SNAPSHOT, sizeof(zero)))
		TH_LOG("XMM0 as found: %02x %02x %02x %02x ...", vm.mem[SNAPSHOT],
		       vm.mem[SNAPSHOT + 1], vm.mem[SNAPSHOT + 2], vm.mem[SNAPSHOT + 3]);
	hv_close(&vm);
}

/* What the other task saw, in memory both share. */
struct sse_neighbour {
	volatile int stop;
	volatile unsigned long rounds;
	volatile unsigned long changed;		/* rounds that found another value */
	uint8_t seen[16];			/* the first register found changed */
};

/*
 * A host task that keeps 0xc3 in its vector registers and sleeps between
 * filling and checking them: whatever runs in between, a guest included,
 * must leave them alone. It is a real-time task, so that each wake-up
 * preempts the vCPU thread inside HVLAB_RUN, between two VM entries: the
 * moment when a hypervisor that does not switch the FPU gets it wrong.
 * The sleep is a raw system call inside the asm, so that nothing of the
 * C library runs in between.
 */
static void sse_neighbour_loop(struct sse_neighbour *n)
{
	struct sched_param rt = { .sched_priority = 1 };
	struct timespec nap = { 0, 20000 };
	uint8_t want[16], got[4][16];
	int i;

	if (sched_setscheduler(0, SCHED_FIFO, &rt))
		n->changed = -1UL;
	memset(want, 0xc3, sizeof(want));
	while (!n->stop) {
		long nr = 35;	/* __NR_nanosleep */

		__asm__ volatile("movdqu %1, %%xmm0\n\t"
				 "movdqa %%xmm0, %%xmm1\n\tmovdqa %%xmm0, %%xmm7\n\t"
				 "movdqa %%xmm0, %%xmm15\n\t"
				 "syscall\n\t"
				 "movdqu %%xmm0, (%2)\n\tmovdqu %%xmm1, 16(%2)\n\t"
				 "movdqu %%xmm7, 32(%2)\n\tmovdqu %%xmm15, 48(%2)"
				 : "+a"(nr) : "m"(want), "r"(got), "D"(&nap), "S"(0)
				 : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm7", "xmm15");
		for (i = 0; i < 4; i++)
			if (memcmp(got[i], want, sizeof(want)))
				break;
		if (i < 4 && !n->changed++)
			memcpy(n->seen, got[i], sizeof(n->seen));
		n->rounds++;
	}
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * S1-1. A host process and a guest share one CPU. The vCPU thread stays
 * in the kernel across CPUID exits, where the scheduler switches to the
 * neighbour and back: neither may ever see the other's vector registers.
 */
TEST(fpu_not_shared_with_a_host_process)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct sse_neighbour *n;
	unsigned long before;
	unsigned int exits;
	char out[512];
	pid_t pid;
	int status, cpu = sched_getcpu();

	ASSERT_LE(0, cpu);
	ASSERT_EQ(0, pin_to_cpu(cpu));
	n = mmap(NULL, sizeof(*n), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, n);
	ASSERT_EQ(0, hvtest_create(&vm, "fpu"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sse_neighbour_loop(n);
		_exit(0);
	}
	while (n->rounds < 10)
		usleep(1000);
	ASSERT_NE(-1UL, n->changed) TH_LOG("cannot make the neighbour a real-time task");
	before = n->rounds;
	EXPECT_EQ(0, run_fpu_guest(_metadata, &vm, 0, out, sizeof(out), &exits));
	EXPECT_STREQ("fresh state ok\n"
		     "xmm across exits to userspace ok\n"
		     "xmm across exits in the kernel ok\n", out);
	n->stop = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The neighbour really ran while the guest did, or this proves nothing. */
	TH_LOG("the neighbour ran %lu rounds during the guest's run", n->rounds - before);
	EXPECT_LT(before + 20, n->rounds);
	EXPECT_EQ(0, n->changed);
	if (n->changed)
		TH_LOG("the neighbour found %02x %02x %02x %02x ... in a vector register", n->seen[0],
		       n->seen[1], n->seen[2], n->seen[3]);
	munmap(n, sizeof(*n));
	hv_close(&vm);
}

/*
 * S1-3. SYSCALL goes to the guest's own LSTAR, and with LSTAR 0 to 0,
 * never to the host's entry point (guests/elf/syscall.c checks the rest).
 */
TEST(syscall_uses_the_guests_own_msrs)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct guest_result r;

	ASSERT_EQ(0, hvtest_create(&vm, "syscall64"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	r.output[r.output_len] = 0;
	EXPECT_STREQ("syscall MSRs read 0 at reset\n"
		     "SYSCALL went to the guest's LSTAR\n"
		     "SYSCALL with LSTAR 0 went to 0, return address in the guest\n", r.output);
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	if (r.last_exit == HVLAB_EXIT_INTERNAL_ERROR || r.last_exit == HVLAB_EXIT_SHUTDOWN)
		TH_LOG("the guest died: %s", r.reason);
	hv_close(&vm);
}

/*
 * S1-4. A machine check belongs to the host: #MC (vector 18) always
 * exits, whatever exception bitmap userspace asks for.
 */
TEST(machine_checks_always_exit)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct hvlab_intercepts in = { 0 };

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	EXPECT_TRUE(hvtest_vmcs_read(&vm, ENC_EXCEPTION_BITMAP) & (1u << VECTOR_MC));
	ASSERT_EQ(0, ioctl(vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	EXPECT_TRUE(hvtest_vmcs_read(&vm, ENC_EXCEPTION_BITMAP) & (1u << VECTOR_MC));
	in.exception_bitmap = ~(1u << VECTOR_MC);
	ASSERT_EQ(0, ioctl(vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	EXPECT_TRUE(hvtest_vmcs_read(&vm, ENC_EXCEPTION_BITMAP) & (1u << VECTOR_MC));
	hv_close(&vm);
}

/*
 * S2-2. VM entry loads the guest's DR7 and DEBUGCTL and VM exit saves
 * them, so the guest never runs with the host's breakpoints or branch
 * tracing.
 */
TEST(debug_controls_are_switched)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	EXPECT_TRUE(hvtest_vmcs_read(&vm, ENC_VM_ENTRY_CONTROLS) & ENTRY_LOAD_DEBUG_CONTROLS);
	EXPECT_TRUE(hvtest_vmcs_read(&vm, ENC_VM_EXIT_CONTROLS) & EXIT_SAVE_DEBUG_CONTROLS);
	hv_close(&vm);
}

static volatile uint32_t watched;	/* a host watchpoint's target */

static uint64_t perf_count(int fd)
{
	uint64_t n = 0;

	return read(fd, &n, sizeof(n)) == sizeof(n) ? n : ~0ULL;
}

/*
 * S2-2. VM exit sets DR7 to 0x400 (SDM 28.5.1), which disarms every
 * hardware breakpoint of the host. A watchpoint that perf (or ptrace, or
 * a debugger) set on the vCPU thread's own memory must still fire after
 * HVLAB_RUN, and a guest's #DB must not leave bits in the host's DR6:
 * hvlab puts the host's debug registers back.
 */
TEST(host_watchpoint_survives_a_run)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT, .size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W, .bp_addr = (uintptr_t)&watched,
		.bp_len = HW_BREAKPOINT_LEN_4, .exclude_kernel = 1, .exclude_hv = 1,
	};
	struct guest_result r;
	uint64_t before;
	int fd;

	/*
	 * First a guest that single-steps itself (#DB, DR6.BS): the bits it
	 * leaves in the real DR6 must not reach the host's next #DB, where
	 * they would turn the watchpoint's hit into a SIGTRAP.
	 */
	ASSERT_EQ(0, hvtest_create(&vm, "exceptions64"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	hv_close(&vm);
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		SKIP(return, "no hardware breakpoints through perf here: %s", strerror(errno));
	watched = 1;
	before = perf_count(fd);
	EXPECT_EQ(1, before);
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	watched = 2;
	watched = 3;
	EXPECT_EQ(before + 2, perf_count(fd));
	close(fd);
	hv_close(&vm);
}

#define USER_DS		0x2b	/* Linux's __USER_DS: what a 32-bit process has in DS */
#define LDT_SELECTOR	0x07	/* LDT entry 0, TI=1, RPL 3 */

static uint16_t read_ds(void)
{
	uint16_t v;

	__asm__ volatile("mov %%ds, %0" : "=r"(v));
	return v;
}

static uint16_t read_es(void)
{
	uint16_t v;

	__asm__ volatile("mov %%es, %0" : "=r"(v));
	return v;
}

static uint16_t read_gs(void)
{
	uint16_t v;

	__asm__ volatile("mov %%gs, %0" : "=r"(v));
	return v;
}

/*
 * S2-1. VM exit loads null selectors into DS, ES, FS and GS and makes
 * LDTR unusable (SDM 28.5.2). The thread's own selectors, and its LDT,
 * must be there again when HVLAB_RUN returns: a 32-bit process would
 * fault on its next data access, and any process on its LDT selectors.
 * (64-bit glibc uses neither DS, ES nor GS: this test may set them.)
 */
TEST(host_selectors_and_ldt_survive_a_run)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct user_desc flat = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1,
		.contents = 0, .limit_in_pages = 1, .useable = 1,
	};
	struct guest_result r;
	uint16_t ds, es, gs, sel = LDT_SELECTOR, user_ds = USER_DS;

	ASSERT_EQ(0, syscall(SYS_modify_ldt, 1, &flat, sizeof(flat)));
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	__asm__ volatile("mov %0, %%ds\n\tmov %1, %%es\n\tmov %1, %%gs"
			 : : "r"(user_ds), "r"(sel));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ds = read_ds();
	es = read_es();
	gs = read_gs();
	/* Loading an LDT selector faults unless LDTR is the process's LDT again. */
	__asm__ volatile("mov %0, %%es" : : "r"(sel));
	__asm__ volatile("mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%gs" : : "r"(0));
	EXPECT_EQ(USER_DS, ds);
	EXPECT_EQ(LDT_SELECTOR, es);
	EXPECT_EQ(LDT_SELECTOR, gs);
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	hv_close(&vm);
}

/* VmLck of this process, in KiB (what RLIMIT_MEMLOCK counts), or -1. */
static long long locked_kib(void)
{
	return hvtest_read_field("/proc/self/status", "VmLck:");
}

static int add_region(int vm_fd, uint32_t slot, uint64_t gpa, void *mem, uint64_t size)
{
	struct hvlab_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vm_fd, HVLAB_SET_MEMORY_REGION, &r) ? -errno : 0;
}

/*
 * The checks of pinned_memory_is_charged_to_memlock, in a child without
 * CAP_IPC_LOCK (which would lift the limit), with a 256 KiB limit.
 * Returns the number of the first check that failed, or 0.
 */
static int memlock_child(void)
{
	struct rlimit lim = { 256 << 10, 256 << 10 };
	uint8_t *mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int dev, vm;

	if (mem == MAP_FAILED || hvtest_drop_capability(CAP_IPC_LOCK) ||
	    setrlimit(RLIMIT_MEMLOCK, &lim))
		return 1;
	dev = open("/dev/hvlab", O_RDWR);
	vm = ioctl(dev, HVLAB_CREATE_VM, 0);
	if (vm < 0 || locked_kib() != 0)
		return 2;
	/* Beyond the limit: refused, nothing pinned or counted */
	if (add_region(vm, 0, 0, mem, 1 << 20) != -ENOMEM || locked_kib() != 0)
		return 3;
	if (add_region(vm, 0, 0, mem, 192 << 10) || locked_kib() != 192)
		return 4;
	/* 192 + 128 KiB passes the limit too: the pins count together */
	if (add_region(vm, 1, 1 << 20, mem + (256 << 10), 128 << 10) != -ENOMEM ||
	    locked_kib() != 192)
		return 5;
	if (add_region(vm, 1, 1 << 20, mem + (256 << 10), 64 << 10) || locked_kib() != 256)
		return 6;
	/* The VM gone, its pages are unpinned and uncounted */
	close(vm);
	if (locked_kib() != 0)
		return 7;
	close(dev);
	return 0;
}

/*
 * S1-6. Guest memory is pinned: it can be neither swapped nor moved. The
 * pins count against RLIMIT_MEMLOCK, as VFIO's and io_uring's do, so
 * "ulimit -l" bounds what a user of /dev/hvlab can take from the host.
 */
TEST(pinned_memory_is_charged_to_memlock)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(memlock_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("check %d of memlock_child() failed",
						   WEXITSTATUS(status));
}

/* S1-6. A process may have HVLAB_MAX_VMS_PER_PROCESS VMs and no more. */
TEST(vms_per_process_are_limited)
{
	int dev = open("/dev/hvlab", O_RDWR), vms[HVLAB_MAX_VMS_PER_PROCESS + 1], i;

	ASSERT_LE(0, dev);
	for (i = 0; i < HVLAB_MAX_VMS_PER_PROCESS; i++) {
		vms[i] = ioctl(dev, HVLAB_CREATE_VM, 0);
		ASSERT_LE(0, vms[i]) TH_LOG("VM %d: %s", i, strerror(errno));
	}
	EXPECT_EQ(-1, ioctl(dev, HVLAB_CREATE_VM, 0));
	EXPECT_EQ(EMFILE, errno);
	/* One closed, one more may come */
	close(vms[0]);
	vms[0] = ioctl(dev, HVLAB_CREATE_VM, 0);
	EXPECT_LE(0, vms[0]);
	for (i = 0; i < HVLAB_MAX_VMS_PER_PROCESS; i++)
		close(vms[i]);
	close(dev);
}

/*
 * The CR4 bits hvlab gives guests (module/hvlab.h, HVLAB_CR4_GUEST_BITS):
 * VME to UMIP (0-11), FSGSBASE, PCIDE, OSXSAVE (16-18), SMEP, SMAP (20, 21).
 */
#define CR4_GUEST_BITS		0x00370fffULL
#define CR4_PCIDE		(1u << 17)
#define CR4_OSXSAVE		(1u << 18)
#define ENC_CR4_GUEST_HOST_MASK	0x6002

/* Does the host kernel use XSAVE (hvlab gives CR4.OSXSAVE only then)? */
static int host_uses_xsave(void)
{
	char line[4096];
	int found = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "flags", 5) && strstr(line, " xsave");
	if (f)
		fclose(f);
	return found;
}

/*
 * S2-3. A guest sets every CR4 bit in turn (guests/cr4_bits.S, real
 * mode). Each is either taken, exactly when hvlab gives guests that bit
 * and the CPU has it, or raises #GP in the guest; PCIDE is #GP outside
 * IA-32e mode anyway. Meanwhile the test's own FPU controls (MXCSR, the
 * x87 control word) stay as they were. (The lab CPU has none of the bits
 * hvlab keeps for itself but VMXE: PKE, CET, LA57 and the rest are tested
 * by the mask below.)
 */
TEST(cr4_bits_are_taken_or_refused)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct hvlab_vmx_caps caps;
	struct guest_result r;
	uint32_t mxcsr[2];
	uint16_t fcw[2];
	uint8_t seen[32];
	int i, n = 0, xsave = host_uses_xsave();

	ASSERT_EQ(0, hvtest_create(&vm, "cr4_bits"));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	/* The test's own FPU controls: no C code here changes them */
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr[0]), "=m"(fcw[0]));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(mxcsr[1]), "=m"(fcw[1]));
	EXPECT_EQ(mxcsr[0], mxcsr[1]);
	EXPECT_EQ(fcw[0], fcw[1]);
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	for (i = 0; i < r.nexits && n < 32; i++)
		if (r.exits[i].run_exit == HVLAB_EXIT_IO && r.exits[i].io_port == 0xf0)
			seen[n++] = r.exits[i].io_data;
	ASSERT_EQ(32, n);
	for (i = 0; i < 32; i++) {
		uint64_t bit = 1ULL << i;
		int taken = (CR4_GUEST_BITS & caps.cr4_fixed1 & ~caps.cr4_fixed0 & bit) &&
			    bit != CR4_PCIDE && (bit != CR4_OSXSAVE || xsave);

		EXPECT_EQ(i, seen[i] & 0x3f);
		EXPECT_EQ(taken ? 0x40 : 0x80, seen[i] & 0xc0)
			TH_LOG("CR4 bit %d: %s, expected %s", i,
			       seen[i] & 0x40 ? "taken" : seen[i] & 0x80 ? "#GP" : "neither",
			       taken ? "taken" : "#GP");
	}
	hv_close(&vm);
}

/*
 * S2-3. Every CR4 bit but those hvlab virtualizes is the host's in the
 * guest/host mask, the high half included (FRED is bit 32): a change
 * exits, and is checked. On the lab CPU this is what shows it; the CPU
 * refuses the other bits by itself.
 */
TEST(cr4_mask_gives_the_guest_only_its_bits)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	uint64_t mask;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	mask = hvtest_vmcs_read(&vm, ENC_CR4_GUEST_HOST_MASK);
	EXPECT_EQ(0, ~mask & ~CR4_GUEST_BITS) TH_LOG("CR4 guest/host mask 0x%llx",
						     (unsigned long long)mask);
	hv_close(&vm);
}

/*
 * S1-2. Speculation mitigations. Each is the host kernel's choice for
 * this CPU (/sys/devices/system/cpu/vulnerabilities), and hvlab must
 * apply it around VM entry and exit (module/spec.c, which says what it
 * does in /sys/kernel/debug/hvlab/mitigations). The lab CPU (Bochs)
 * shows a retpoline host that fills the RSB, and an L1TF-affected CPU
 * without IA32_FLUSH_CMD; it has no IBPB and no VERW microcode.
 */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return ok ? 0 : -1;
}

#define VULN	"/sys/devices/system/cpu/vulnerabilities/"
#define L1D_FLUSH_PARAM	"/sys/module/hvlab/parameters/l1d_flush"

TEST(speculation_mitigations_follow_the_host)
{
	char v2[256], l1tf[256], mds[256], rsb[64], bhb[64], verw[64], l1d[64], ibpb[64];

	ASSERT_EQ(0, hvtest_mitigation("rsb_fill_after_exit", rsb, sizeof(rsb)));
	ASSERT_EQ(0, hvtest_mitigation("branch_history_clear_after_exit", bhb, sizeof(bhb)));
	ASSERT_EQ(0, hvtest_mitigation("cpu_buffer_clear_before_entry", verw, sizeof(verw)));
	ASSERT_EQ(0, hvtest_mitigation("l1d_flush_before_entry", l1d, sizeof(l1d)));
	ASSERT_EQ(0, hvtest_mitigation("ibpb_between_vms", ibpb, sizeof(ibpb)));
	ASSERT_EQ(0, read_text(VULN "spectre_v2", v2, sizeof(v2)));
	ASSERT_EQ(0, read_text(VULN "l1tf", l1tf, sizeof(l1tf)));
	ASSERT_EQ(0, read_text(VULN "mds", mds, sizeof(mds)));
	printf("# spectre_v2: %s\n# l1tf: %s\n# mds: %s\n", v2, l1tf, mds);
	printf("# hvlab: RSB fill %s, BHB clear %s, VERW %s, L1D flush %s, IBPB %s\n",
	       rsb, bhb, verw, l1d, ibpb);
	/* Retpolines or IBRS: the kernel fills the RSB at VM exit too. */
	if (strstr(v2, "Retpolines") || strstr(v2, "; IBRS") || strstr(v2, "PBRSB-eIBRS: SW sequence"))
		EXPECT_EQ(0, strncmp(rsb, "on", 2));
	if (strstr(v2, "BHI: SW loop"))
		EXPECT_EQ(0, strncmp(bhb, "on", 2));
	if (strstr(v2, "IBPB: conditional") || strstr(v2, "IBPB: always-on"))
		EXPECT_EQ(0, strncmp(ibpb, "on", 2));
	if (!strncmp(mds, "Mitigation: Clear CPU buffers", 29))
		EXPECT_EQ(0, strncmp(verw, "on", 2));
	/* Affected by L1TF, and not told l1tf=off: a flush before entry */
	if (!strncmp(l1tf, "Mitigation", 10))
		EXPECT_NE(0, strncmp(l1d, "never", 5));
	if (!strcmp(l1tf, "Not affected"))
		EXPECT_EQ(0, strncmp(l1d, "never", 5));
}

/*
 * The barriers are patched in where the host needs them: what they cost,
 * measured at load, says which. A 32-entry RSB fill is 32 CALLs.
 */
TEST(speculation_barriers_are_patched_in)
{
	unsigned long long ticks = hvtest_mitigation_value("barrier_ticks");
	char rsb[64], bhb[64], verw[64];

	ASSERT_EQ(0, hvtest_mitigation("rsb_fill_after_exit", rsb, sizeof(rsb)));
	ASSERT_EQ(0, hvtest_mitigation("branch_history_clear_after_exit", bhb, sizeof(bhb)));
	ASSERT_EQ(0, hvtest_mitigation("cpu_buffer_clear_before_entry", verw, sizeof(verw)));
	printf("# barriers: %llu ticks (RSB fill %s)\n", ticks, rsb);
	if (!strcmp(rsb, "on (32 entries)")) {
		EXPECT_GE(ticks, 32 + 16);
	} else if (!strncmp(rsb, "off", 3) && !strncmp(bhb, "off", 3) &&
		   !strncmp(verw, "off", 3)) {
		EXPECT_LT(ticks, 16);
	}
}

/* Run the bench guest (2,000 exits in the kernel, 2,000 to userspace). */
static void run_bench(struct __test_metadata *_metadata, uint64_t *flushes,
		      uint64_t *exits, uint64_t *to_user)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct guest_result r;

	ASSERT_EQ(0, hvtest_create(&vm, "bench"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	*flushes = hvtest_vcpu_stat(&vm, "l1d_flushes");
	*exits = hvtest_vcpu_stat(&vm, "exits");
	*to_user = hvtest_vcpu_stat(&vm, "exits_to_user");
	hv_close(&vm);
}

/*
 * l1d_flush=cond flushes after host code ran (each return from
 * userspace), not after an exit handled in the kernel; always, before
 * every entry; never, not at all. A bad value changes nothing.
 */
TEST(l1d_flush_policy_is_applied)
{
	uint64_t flushes, exits, to_user;
	char saved[64], now[64];

	ASSERT_EQ(0, read_text(L1D_FLUSH_PARAM, saved, sizeof(saved)));
	EXPECT_EQ(-EINVAL, hvtest_write_file(L1D_FLUSH_PARAM, "%s", "sometimes"));
	ASSERT_EQ(0, read_text(L1D_FLUSH_PARAM, now, sizeof(now)));
	EXPECT_STREQ(saved, now);

	ASSERT_EQ(0, hvtest_write_file(L1D_FLUSH_PARAM, "%s", "cond"));
	run_bench(_metadata, &flushes, &exits, &to_user);
	printf("# cond: %llu flushes, %llu exits, %llu to userspace\n",
	       (unsigned long long)flushes, (unsigned long long)exits,
	       (unsigned long long)to_user);
	EXPECT_GE(flushes, to_user);
	/* more for host interrupts, but not one for each of the 2,000 CPUIDs */
	EXPECT_LT(flushes, to_user + 1000);
	EXPECT_GE(exits, to_user + 2000);

	ASSERT_EQ(0, hvtest_write_file(L1D_FLUSH_PARAM, "%s", "always"));
	run_bench(_metadata, &flushes, &exits, &to_user);
	printf("# always: %llu flushes, %llu exits\n", (unsigned long long)flushes,
	       (unsigned long long)exits);
	EXPECT_GE(flushes, exits);

	ASSERT_EQ(0, hvtest_write_file(L1D_FLUSH_PARAM, "%s", "never"));
	run_bench(_metadata, &flushes, &exits, &to_user);
	EXPECT_EQ(0, flushes);

	/* back to what it was: "cond (auto)" was asked as "auto" */
	ASSERT_EQ(0, hvtest_write_file(L1D_FLUSH_PARAM, "%s", strchr(saved, '(') ? "auto" : saved));
	ASSERT_EQ(0, read_text(L1D_FLUSH_PARAM, now, sizeof(now)));
	EXPECT_STREQ(saved, now);
}

/*
 * Two VMs take turns on one CPU: each switch is an IBPB where the host
 * uses IBPB, so that one guest cannot train the other's indirect
 * branches. Bochs has no IBPB: there it checks that none is counted.
 */
TEST(ibpb_between_vms)
{
	struct hv_vm a = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct hv_vm b = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	char ibpb[64];
	int i;

	ASSERT_EQ(0, hvtest_mitigation("ibpb_between_vms", ibpb, sizeof(ibpb)));
	ASSERT_EQ(0, pin_to_cpu(0));
	ASSERT_EQ(0, hvtest_create(&a, "hello"));
	ASSERT_EQ(0, hvtest_create(&b, "hello"));
	/* Each HVLAB_RUN stops at the guest's next OUT to port 0xe9. */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ioctl(a.vcpu_fd, HVLAB_RUN, 0));
		ASSERT_EQ(0, ioctl(b.vcpu_fd, HVLAB_RUN, 0));
	}
	printf("# IBPB %s: %llu and %llu\n", ibpb,
	       (unsigned long long)hvtest_vcpu_stat(&a, "ibpbs"),
	       (unsigned long long)hvtest_vcpu_stat(&b, "ibpbs"));
	if (!strncmp(ibpb, "on", 2)) {
		EXPECT_GE(hvtest_vcpu_stat(&a, "ibpbs"), 3);
		EXPECT_GE(hvtest_vcpu_stat(&b, "ibpbs"), 3);
	} else {
		EXPECT_EQ(0, hvtest_vcpu_stat(&a, "ibpbs"));
		EXPECT_EQ(0, hvtest_vcpu_stat(&b, "ibpbs"));
	}
	hv_close(&a);
	hv_close(&b);
}

/* guests/elf/scan.c's pattern: a per-run seed, a word per address */
static uint32_t scan_pattern(uint32_t seed, uint32_t addr)
{
	uint32_t x = (addr ^ seed) * 0x9e3779b1u;

	return x ^ (x >> 15);
}

static int scan_is_ram(uint64_t gpa, uint64_t mem_size)
{
	return gpa < HV_LOW_RAM_END || (gpa >= HV_HIGH_RAM_START && gpa < mem_size);
}

/* Does the host's view of RAM page @page still hold the pattern? */
static int scan_page_is_pattern(const struct hv_vm *vm, uint32_t seed, uint32_t page)
{
	const uint32_t *w = (const uint32_t *)(vm->mem + page);
	int i;

	for (i = 0; i < 1024; i++)
		if (w[i] != scan_pattern(seed, page + 4 * i))
			return 0;
	return 1;
}

/*
 * Issue 9, the isolation scan. The guest reads guest-physical memory from
 * 0 to 4 GiB (guests/elf/scan.c): its RAM, which the test filled with a
 * per-run pattern, must be exactly what the host sees there (a page the
 * guest finds different must be one the host also finds different: the
 * guest's image, GDT and stack), and everything else must be the bus,
 * where each read is an MMIO exit, answered here with all ones. Every
 * page up to the end of RAM is read; above it every HVLAB_SCAN_STRIDE-th
 * page (default 16; `make fuzz` reads every page, a million MMIO exits).
 */
TEST(isolation_scan_to_4g)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	const char *env = getenv("HVLAB_SCAN_STRIDE");
	uint32_t stride = env ? strtoul(env, NULL, 0) : 16;
	uint32_t seed;
	uint64_t gpa, bus_reads = 0, want_bus_reads, bad_bus = 0, foreign = 0, own = 0;
	uint32_t pages_scanned = 0;
	enum hv_guest_format format;
	struct hvlab_run *run;
	const char *why;

	ASSERT_TRUE(stride && !(stride & (stride - 1)) && stride <= 1024);
	/*
	 * Per run: the lab VM's clock starts at the same time every boot.
	 * GRND_INSECURE does not wait for the CRNG, which on 6.1 in Bochs
	 * takes about a second of lab time (a minute of Bochs) to be ready.
	 */
	ASSERT_EQ(sizeof(seed), getrandom(&seed, sizeof(seed), GRND_INSECURE));
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	for (gpa = 0; gpa < vm.mem_size; gpa += 4)
		if (scan_is_ram(gpa, vm.mem_size))
			*(uint32_t *)(vm.mem + gpa) = scan_pattern(seed, gpa);
	ASSERT_EQ(0, hv_load_file(&vm, GUEST_DIR "scan32.elf", &format, &why));
	TH_LOG("seed %#x, every page to %llu MiB, then every %u pages", seed,
	       (unsigned long long)vm.mem_size >> 20, stride);

	run = vm.run;
	run->request_flags = 0;
	for (;;) {
		int err = hv_run(&vm);

		if (err == -EINTR)
			continue;
		ASSERT_EQ(0, err);
		if (run->exit_reason == HVLAB_EXIT_MMIO) {
			/* the bus: only outside RAM, only the scan's dword reads */
			gpa = run->mmio.phys_addr;
			if (scan_is_ram(gpa, vm.mem_size) || run->mmio.access != HVLAB_ACCESS_READ ||
			    run->mmio.len != 4 || gpa % 4096)
				bad_bus++;
			bus_reads++;
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			continue;
		}
		if (run->exit_reason != HVLAB_EXIT_IO)
			break;
		if (run->io.direction == HVLAB_IO_IN) {
			run->io.data = run->io.port == 0x80 ? seed :
				       run->io.port == 0x81 ? vm.mem_size :
				       run->io.port == 0x82 ? stride : ~0u;
		} else if (run->io.port == 0x85) {
			/* a RAM page the guest saw differ from the pattern */
			if (scan_page_is_pattern(&vm, seed, run->io.data)) {
				TH_LOG("RAM page %#x: the guest saw other bytes than the host's", run->io.data);
				foreign++;
			} else {
				own++;
			}
		} else if (run->io.port == 0x86) {
			TH_LOG("bus page %#x did not read all ones", run->io.data);
			bad_bus++;
		} else if (run->io.port == 0x84) {
			pages_scanned = run->io.data;
		}
	}
	EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason) TH_LOG("%s", run->internal.reason);
	want_bus_reads = (HV_HIGH_RAM_START - HV_LOW_RAM_END) / 4096 +
			 ((1ull << 32) - vm.mem_size) / 4096 / stride;
	TH_LOG("%u pages read: %llu MMIO reads of the bus, %llu RAM pages the guest changed or was loaded into",
	       pages_scanned, (unsigned long long)bus_reads, (unsigned long long)own);
	EXPECT_EQ(want_bus_reads, bus_reads);
	EXPECT_EQ(vm.mem_size / 4096 - (HV_HIGH_RAM_START - HV_LOW_RAM_END) / 4096 + want_bus_reads,
		  pages_scanned);
	EXPECT_EQ(0, bad_bus);
	EXPECT_EQ(0, foreign);
	/* the loader's pages and the guest's stack, a handful */
	EXPECT_GT(own, 0);
	EXPECT_LT(own, 32);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
