// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c - a vCPU whose thread is moved between host CPUs while the
 * guest runs. The guest (guests/loop.S) keeps a checksum in registers
 * across 10000 in-kernel CPUID exits and prints a dot every 1024 of them.
 * At each dot a mover thread wakes up and changes the vCPU thread's
 * affinity while the vCPU is back inside HVLAB_RUN. hvlab must VMCLEAR on
 * the old CPU (by IPI: the VMCS stays active there), VMPTRLD on the new
 * one and refresh the per-CPU host state (GDT, TSS, GS base) each time,
 * or the host crashes or the checksum breaks. Needs two CPUs.
 *
 * Why the dots: under Bochs the lab VM's clock crawls while a guest runs
 * (a second of it costs about a minute, docs/labvm.md), so a mover that
 * sleeps or waits for a timer tick would hardly ever run. Waking it from the vCPU thread needs no clock. And the mover is a
 * real-time thread, so that waking it preempts the vCPU thread at once
 * when both share a CPU; an ordinary thread would wait for a tick.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <x86intrin.h>

#include "hvtest.h"

/* The grader boots the lab VM with two CPUs for these tests (scripts/labs test_cpus) */
#define HVTEST_CPUS	2

static int wake_pipe[2];
static char cpu_trail[64];	/* host CPU at each dot, for the log */

static void on_guest_io(struct hvlab_run *run)
{
	size_t n = strlen(cpu_trail);
	char c = 1;

	if (run->io.direction == HVLAB_IO_OUT && run->io.data == '.') {
		if (n < sizeof(cpu_trail) - 3) {
			cpu_trail[n] = '0' + run->host_cpu;
			cpu_trail[n + 1] = '0' + sched_getcpu();
			cpu_trail[n + 2] = ' ';
		}
		write(wake_pipe[1], &c, 1);
	}
}

struct runner {
	struct hv_vm vm;
	struct guest_result r;
	int ret;
};

static void *run_guest(void *arg)
{
	struct runner *run = arg;

	run->ret = hvtest_run_vm(&run->vm, 0, &run->r);
	close(wake_pipe[1]);	/* the mover's read() returns 0: done */
	return NULL;
}

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

TEST(vcpu_thread_moves_between_cpus)
{
	struct runner run = { 0 };
	unsigned long moves = 0;
	pthread_t t;
	char c;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	{
		struct sched_param rt = { .sched_priority = 1 };

		ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &rt));
	}
	ASSERT_EQ(0, pipe(wake_pipe));
	hvtest_io_hook = on_guest_io;
	ASSERT_EQ(0, hvtest_create(&run.vm, "loop"));
	{
		/* the vCPU thread itself stays an ordinary thread */
		pthread_attr_t attr;
		struct sched_param normal = { 0 };

		pthread_attr_init(&attr);
		pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
		pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
		pthread_attr_setschedparam(&attr, &normal);
		ASSERT_EQ(0, pthread_create(&t, &attr, run_guest, &run));
		pthread_attr_destroy(&attr);
	}
	ASSERT_EQ(0, pin(t, 0));
	while (read(wake_pipe[0], &c, 1) == 1)
		ASSERT_EQ(0, pin(t, ++moves % 2));
	pthread_join(t, NULL);

	ASSERT_EQ(0, run.ret);
	run.r.output[run.r.output_len] = 0;
	EXPECT_STREQ(".........loop ok\n", run.r.output);
	TH_LOG("%lu affinity changes, %u migrations seen by hvlab, %llu exits, CPU at each dot: %s",
	       moves, run.vm.run->cpu_migrations, (unsigned long long)run.r.total_exits,
	       cpu_trail);
	EXPECT_EQ(9, moves);
	/* each change moved the thread between two runs of the guest */
	EXPECT_GE(run.vm.run->cpu_migrations, 5);
	hv_close(&run.vm);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

struct spinner {
	struct hv_vm vm;
	volatile int done;
	int interrupted;	/* HVLAB_RUN returned -EINTR */
	int ret;
};

static void *spin_guest(void *arg)
{
	struct spinner *sp = arg;
	int ret;

	for (;;) {
		ret = hv_run(&sp->vm);
		if (ret == -EINTR) {
			sp->interrupted++;
			continue;
		}
		if (ret || sp->vm.run->exit_reason != HVLAB_EXIT_IO)
			break;
	}
	sp->ret = ret;
	sp->done = 1;
	return NULL;
}

/*
 * External-interrupt exits (reason 1) for real: a signal to a thread
 * running on another CPU makes the kernel kick that CPU with an IPI
 * (kick_process), which arrives while the guest runs and exits. The
 * single-CPU lab VM sees none: its timer interrupts stand still while a
 * guest runs. So this test lives in the two-CPU boot.
 */
TEST(external_interrupt_from_another_cpu)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct hvlab_stat_desc *d;
	struct spinner sp = { 0 };
	unsigned int n, i;
	uint64_t *v, external = 0;
	pthread_t t;
	long kicks = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	/*
	 * sti; mov $4000000,%ecx; 1: dec %ecx; jnz 1b; cli; hlt. The guest
	 * runs with IF = 1: Bochs lets an external interrupt exit only then,
	 * although with "external-interrupt exiting" the SDM does not look
	 * at the guest's IF (SDM 26.3: see docs/exit-reasons.md).
	 */
	static const uint8_t spin_with_if[] = {
		0xfb, 0x66, 0xb9, 0x00, 0x09, 0x3d, 0x00, 0x66, 0x49, 0x75, 0xfc, 0xfa, 0xf4,
	};

	ASSERT_EQ(0, hv_open(&sp.vm));
	ASSERT_EQ(0, hv_create(&sp.vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&sp.vm, spin_with_if, sizeof(spin_with_if)));
	ASSERT_EQ(0, pin(pthread_self(), 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_guest, &sp));
	ASSERT_EQ(0, pin(t, 1));
	while (!sp.done) {
		pthread_kill(t, SIGUSR1);
		kicks++;
		for (volatile int spin = 0; spin < 20000 && !sp.done; spin++)
			;
	}
	pthread_join(t, NULL);
	ASSERT_EQ(0, sp.ret);
	EXPECT_EQ(HVLAB_EXIT_HLT, sp.vm.run->exit_reason);
	ASSERT_EQ(0, hv_get_stats(sp.vm.vcpu_fd, HVLAB_GET_VCPU_STATS, &d, &v, &n));
	for (i = 0; i < n; i++) {
		if (!strcmp(d[i].name, "exits.EXTERNAL_INTERRUPT"))
			external = v[i];
		if (v[i] && !strncmp(d[i].name, "exits", 5))
			TH_LOG("%s %llu", d[i].name, (unsigned long long)v[i]);
	}
	TH_LOG("%ld signals sent, %d runs interrupted, %llu external-interrupt exits",
	       kicks, sp.interrupted, (unsigned long long)external);
	EXPECT_GT(sp.interrupted, 0);
	EXPECT_GT(external, 0);
	free(d);
	free(v);
	hv_close(&sp.vm);
}

static void *spin_until_signalled(void *arg)
{
	struct spinner *sp = arg;

	sp->ret = hv_run(&sp->vm);
	sp->done = 1;
	return NULL;
}

/*
 * The invalidation policy (vm.c: vm_flush_ept): when EPT entries lose
 * rights, INVEPT runs only on CPUs where a vCPU of the VM is loaded now,
 * as the IPI's count says; a vCPU loaded later INVEPTs itself.
 */
TEST(ept_flush_only_where_a_vcpu_is_loaded)
{
	static const uint8_t spin_forever[] = { 0xfb, 0xeb, 0xfe };	/* sti; 1: jmp 1b */
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct spinner sp = { 0 };
	uint64_t t0, remote, local;
	pthread_t t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, hv_open(&sp.vm));
	ASSERT_EQ(0, hv_create(&sp.vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&sp.vm, spin_forever, sizeof(spin_forever)));
	ASSERT_EQ(0, pin(pthread_self(), 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_until_signalled, &sp));
	ASSERT_EQ(0, pin(t, 1));
	/* the guest runs on CPU 1 once the kernel has handled an exit of it */
	while (!hvtest_stat(sp.vm.vm_fd, HVLAB_GET_VM_STATS, "exits") && !sp.done)
		usleep(1000);
	t0 = __rdtsc();
	ASSERT_EQ(0, hv_set_memory_rights(&sp.vm, 0x5000, 4096, HVLAB_MEM_ATTR_READ));
	remote = __rdtsc() - t0;
	EXPECT_EQ(1, hvtest_stat(sp.vm.vm_fd, HVLAB_GET_VM_STATS, "ept_flushes"));
	EXPECT_EQ(1, hvtest_stat(sp.vm.vm_fd, HVLAB_GET_VM_STATS, "ept_flush_cpus"));
	while (!sp.done) {
		pthread_kill(t, SIGUSR1);
		usleep(1000);
	}
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, sp.ret);
	/* No vCPU loaded anywhere: no CPU needs an INVEPT */
	t0 = __rdtsc();
	ASSERT_EQ(0, hv_set_memory_rights(&sp.vm, 0x5000, 4096, HVLAB_MEM_ATTR_RWX));
	local = __rdtsc() - t0;
	EXPECT_EQ(2, hvtest_stat(sp.vm.vm_fd, HVLAB_GET_VM_STATS, "ept_flushes"));
	EXPECT_EQ(1, hvtest_stat(sp.vm.vm_fd, HVLAB_GET_VM_STATS, "ept_flush_cpus"));
	TH_LOG("HVLAB_SET_MEMORY_ATTRIBUTES: %llu ticks with an INVEPT IPI to the vCPU's CPU, %llu with none",
	       (unsigned long long)remote, (unsigned long long)local);
	hv_close(&sp.vm);
}

static int set_online(int cpu, int online)
{
	char path[64];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%d\n", online) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * CPU hotplug while a VM exists: VMX was turned on for CPU 1 when the VM
 * was created; taking CPU 1 offline runs VMXOFF there, and bringing it
 * back must run VMXON again (hvlab's cpuhp callbacks), or a guest started
 * on CPU 1 cannot enter.
 */
TEST(cpu_hotplug_with_a_live_vm)
{
	struct hv_vm holder, vm;
	struct guest_result r;
	cpu_set_t cpu1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "CPU 1 cannot be taken offline here");
	hvtest_io_hook = NULL;
	/* this VM keeps VMX on throughout */
	ASSERT_EQ(0, hvtest_create(&holder, "hello"));
	ASSERT_EQ(0, set_online(1, 0));
	EXPECT_EQ(1, sysconf(_SC_NPROCESSORS_ONLN));
	ASSERT_EQ(0, set_online(1, 1));

	CPU_ZERO(&cpu1);
	CPU_SET(1, &cpu1);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu1), &cpu1));
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	r.output[r.output_len] = 0;
	EXPECT_STREQ("Hello from an hvlab guest!\n", r.output);
	EXPECT_EQ(1, vm.run->host_cpu);
	hv_close(&vm);
	/* and the VM that lived through it still runs */
	ASSERT_EQ(0, hvtest_run_vm(&holder, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	hv_close(&holder);
}

/*
 * A real-mode guest that never ends: EBP counts CPUID exits (handled in
 * the kernel), EDI sums the counts and ESI rotates, and every 1024
 * rounds it writes EBP, EDI and ESI to ports 0x80, 0x84 and 0x88, which
 * the test checks against what they must be after that many rounds. A
 * register lost, or a round done twice, across a VMCLEAR on one CPU and a
 * VMPTRLD on another shows up at the next check.
 */
extern const uint8_t counting_guest[], counting_guest_end[];
asm(".pushsection .rodata\n"
    "counting_guest:\n"
    ".code16\n"
    "	xor %ebp, %ebp\n"
    "	xor %edi, %edi\n"
    "	mov $0x12345678, %esi\n"
    "1:	inc %ebp\n"
    "	xor %eax, %eax\n"
    "	cpuid\n"
    "	add %ebp, %edi\n"
    "	rol $1, %esi\n"
    "	test $0x3ff, %bp\n"
    "	jnz 1b\n"
    "	mov %ebp, %eax\n"
    "	out %eax, $0x80\n"
    "	mov %edi, %eax\n"
    "	out %eax, $0x84\n"
    "	mov %esi, %eax\n"
    "	out %eax, $0x88\n"
    "	jmp 1b\n"
    ".code64\n"
    "counting_guest_end:\n"
    ".popsection\n");

/* where the vCPU thread must be: anywhere, CPU 1, anywhere (moving), CPU 0 */
enum hotplug_phase { STARTING, ON_CPU1, MOVING, CPU1_OFFLINE };
#define HOTPLUG_CYCLES	1
#define MAX_CHECKS	4096

struct hotplug_run {
	struct hv_vm vm;
	pthread_t thread;
	volatile int phase;	/* enum hotplug_phase, set by the main thread */
	volatile int stop;
	int ret, bad_sums, ndots;
	struct { int host_cpu, phase; } dots[MAX_CHECKS];
};

/* The vCPU thread: run the counting guest, check it, report each check. */
static void *run_counting_guest(void *arg)
{
	struct hotplug_run *h = arg;
	struct hvlab_run *run = h->vm.run;
	uint32_t count = 0, sum = 0;
	char c = 1;

	run->request_flags = 0;
	for (;;) {
		h->ret = hv_run(&h->vm);
		if (h->ret == -EINTR)
			continue;
		if (h->ret || run->exit_reason != HVLAB_EXIT_IO) {
			if (!h->ret)
				h->ret = -EPROTO;
			break;
		}
		if (run->io.port == 0x80) {
			count = run->io.data;
		} else if (run->io.port == 0x84) {
			sum = run->io.data;
		} else {
			uint32_t rot = count % 32;

			h->bad_sums += count % 1024 || count / 1024 != (uint32_t)h->ndots + 1 ||
				       sum != (uint32_t)((uint64_t)count * (count + 1) / 2) ||
				       run->io.data != (rot ? 0x12345678u << rot |
							 0x12345678u >> (32 - rot) : 0x12345678u);
			h->dots[h->ndots].host_cpu = run->host_cpu;
			h->dots[h->ndots].phase = h->phase;
			if (++h->ndots == MAX_CHECKS || h->stop)
				break;
			write(wake_pipe[1], &c, 1);
		}
	}
	close(wake_pipe[1]);
	return NULL;
}

/* More threads on CPU 1 when it goes down: vCPUs looping on CPUID, and spinners */
#define LOOPING_VCPUS	2
#define SPINNERS	8

struct bystander {
	struct hv_vm vm;	/* unused by spinners */
	pthread_t thread;
	volatile int *stop;
	int ret;
};

static void *loop_on_cpuid(void *arg)
{
	struct bystander *b = arg;

	b->vm.run->request_flags = 0;
	while (!*b->stop) {
		/* 1: cpuid; jmp 1b: back here only for a signal */
		b->ret = hv_run(&b->vm);
		if (b->ret && b->ret != -EINTR)
			break;
		b->ret = 0;
	}
	return NULL;
}

static void *spin(void *arg)
{
	struct bystander *b = arg;

	while (!*b->stop)
		;
	return NULL;
}

/* 0 or -errno; the old value into @old if it is not NULL */
static int set_rcu_expedited(int value, int *old)
{
	FILE *f = fopen("/sys/kernel/rcu_expedited", "r+");
	int ret = 0;

	if (!f)
		return -errno;
	if (old && fscanf(f, "%d", old) != 1)
		ret = -EIO;
	rewind(f);
	if (fprintf(f, "%d\n", value) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/*
 * Issue 9: CPU 1 taken offline while a vCPU runs its guest there, and
 * brought back (HOTPLUG_CYCLES times: each costs about 10 s of Bochs, 2
 * CPUs). To run the hotplug thread, CPU 1 preempts the vCPU thread
 * (sched-out: VMCLEAR there); the scheduler then pushes the thread, its
 * affinity broken, to CPU 0, where its VMCS is loaded again; hvlab's
 * cpuhp callback runs VMXOFF on CPU 1, and VMXON when it comes back,
 * before any task can run there. The guest spends nearly all its time
 * in the kernel (CPUID exits), so that is where the offline finds it.
 * Every check the guest reports must hold, those made while CPU 1 was
 * offline must come from CPU 0, and those after it was back and the
 * thread pinned there again from CPU 1.
 *
 * The callback runs before the scheduler has waited for every task to
 * leave CPU 1 (CPUHP_AP_SCHED_WAIT_EMPTY), so other threads are pinned
 * there too, and RCU grace periods are expedited, which makes the
 * hotplug thread come back sooner from the one it waits for: then tasks
 * are still queued on CPU 1 after VMXOFF, and each is scheduled there
 * once more on its way out. This crashed the host (#UD at VMPTRLD in the
 * sched-in notifier) until hvlab_vmcs_load() learnt to leave the VMCS
 * alone on a CPU whose VMX is off.
 */
TEST(cpu_offline_under_a_running_vcpu)
{
	struct hotplug_run *h = calloc(1, sizeof(*h));
	struct bystander *by = calloc(LOOPING_VCPUS + SPINNERS, sizeof(*by));
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct sched_param rt = { .sched_priority = 1 };
	int cycles = 0, i, run_start = 0, offline_dots = 0, misplaced = 0, ret, returning = 0;
	int expedited = -1;
	volatile int stop = 0;
	pthread_attr_t attr;
	struct sched_param normal = { 0 };
	char c, trail[512];
	size_t len = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK))
		SKIP(return, "CPU 1 cannot be taken offline here");
	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, by);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, sched_setscheduler(0, SCHED_FIFO, &rt));
	ASSERT_EQ(0, pin(pthread_self(), 0));
	ASSERT_EQ(0, pipe(wake_pipe));
	ASSERT_EQ(0, hv_open(&h->vm));
	ASSERT_EQ(0, hv_create(&h->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&h->vm, counting_guest, counting_guest_end - counting_guest));

	/* the other threads stay ordinary ones */
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &normal);
	for (i = 0; i < LOOPING_VCPUS + SPINNERS; i++) {
		by[i].stop = &stop;
		if (i < LOOPING_VCPUS) {
			static const uint8_t cpuid_loop[] = { 0x0f, 0xa2, 0xeb, 0xfc };

			ASSERT_EQ(0, hv_open(&by[i].vm));
			ASSERT_EQ(0, hv_create(&by[i].vm, HV_DEFAULT_MEM));
			ASSERT_EQ(0, hv_load_raw(&by[i].vm, cpuid_loop, sizeof(cpuid_loop)));
		}
		ASSERT_EQ(0, pthread_create(&by[i].thread, &attr,
					    i < LOOPING_VCPUS ? loop_on_cpuid : spin, &by[i]));
		ASSERT_EQ(0, pin(by[i].thread, 1));
	}
	ASSERT_EQ(0, pthread_create(&h->thread, &attr, run_counting_guest, h));
	pthread_attr_destroy(&attr);
	ASSERT_EQ(0, pin(h->thread, 1));
	h->phase = ON_CPU1;
	EXPECT_EQ(0, set_rcu_expedited(1, &expedited));

	while (read(wake_pipe[0], &c, 1) == 1) {
		int last_phase = h->dots[h->ndots - 1].phase;
		int last_cpu = h->dots[h->ndots - 1].host_cpu;

		/*
		 * Back online and pinned there: "pinned to CPU 1" only from the
		 * first check made there, since a run that ended on CPU 0 just
		 * as the pin came may still report after it.
		 */
		if (returning && h->phase == MOVING && last_phase == MOVING && last_cpu == 1) {
			h->phase = ON_CPU1;
			returning = 0;
		} else if (h->phase == ON_CPU1 && last_phase == ON_CPU1 && last_cpu == 1) {
			if (cycles == HOTPLUG_CYCLES) {
				h->stop = 1;
				continue;
			}
			h->phase = MOVING;
			ret = set_online(1, 0);
			EXPECT_EQ(0, ret);
			if (ret)
				break;
			h->phase = CPU1_OFFLINE;
			cycles++;
		} else if (h->phase == CPU1_OFFLINE && last_phase == CPU1_OFFLINE) {
			h->phase = MOVING;
			ret = set_online(1, 1);
			EXPECT_EQ(0, ret);
			if (ret)
				break;
			for (i = 0; i < LOOPING_VCPUS + SPINNERS; i++)
				EXPECT_EQ(0, pin(by[i].thread, 1));
			EXPECT_EQ(0, pin(h->thread, 1));
			returning = 1;
		}
	}
	h->stop = 1;
	pthread_join(h->thread, NULL);
	stop = 1;
	for (i = 0; i < LOOPING_VCPUS + SPINNERS; i++) {
		if (i < LOOPING_VCPUS)
			pthread_kill(by[i].thread, SIGUSR1);
		pthread_join(by[i].thread, NULL);
		EXPECT_EQ(0, by[i].ret);
		if (i < LOOPING_VCPUS) {
			EXPECT_EQ(HVLAB_EXIT_INTR, by[i].vm.run->exit_reason);
			hv_close(&by[i].vm);
		}
	}
	/* whatever happened */
	set_online(1, 1);
	if (expedited >= 0)
		set_rcu_expedited(expedited, NULL);

	EXPECT_EQ(0, h->ret);
	EXPECT_EQ(0, h->bad_sums);
	EXPECT_EQ(HOTPLUG_CYCLES, cycles);
	for (i = 0; i < h->ndots; i++) {
		int want = h->dots[i].phase == CPU1_OFFLINE ? 0 :
			   h->dots[i].phase == ON_CPU1 ? 1 : h->dots[i].host_cpu;

		if (i + 1 == h->ndots || h->dots[i + 1].phase != h->dots[i].phase ||
		    h->dots[i + 1].host_cpu != h->dots[i].host_cpu) {
			len += snprintf(trail + len, len < sizeof(trail) ? sizeof(trail) - len : 0,
					" %c%d*%d", "SPMO"[h->dots[i].phase], h->dots[i].host_cpu,
					i + 1 - run_start);
			run_start = i + 1;
		}
		offline_dots += h->dots[i].phase == CPU1_OFFLINE;
		misplaced += h->dots[i].host_cpu != want;
	}
	/* e.g. P1*3: three checks in a row on CPU 1 while pinned there */
	TH_LOG("%d checks (S starting, P pinned to CPU 1, M moving, O CPU 1 offline; "
	       "the CPU; how many):%s", h->ndots, trail);
	TH_LOG("%u migrations seen by hvlab", h->vm.run->cpu_migrations);
	EXPECT_GE(offline_dots, HOTPLUG_CYCLES);
	EXPECT_EQ(0, misplaced);
	EXPECT_GE(h->vm.run->cpu_migrations, 2 * HOTPLUG_CYCLES);
	EXPECT_EQ(2, sysconf(_SC_NPROCESSORS_ONLN));
	hv_close(&h->vm);
	free(by);
	free(h);
}

/*
 * A real-mode guest that reads 0xb000:0 until it finds 0x5a there, then
 * halts: mov $0xb000,%ax; mov %ax,%ds; 1: mov 0,%al; cmp $0x5a,%al;
 * jne 1b; hlt. At first nothing is mapped there: each read is an MMIO
 * exit, answered with all ones.
 */
static const uint8_t poll_b0000[] = {
	0xb8, 0x00, 0xb0, 0x8e, 0xd8, 0xa0, 0x00, 0x00, 0x3c, 0x5a, 0x75, 0xf9, 0xf4
};

struct slot_adder {
	struct hv_vm *vm;
	uint8_t *page;
	unsigned int delay_us;
	int ret;
};

static void *add_slot_at_b0000(void *arg)
{
	struct slot_adder *a = arg;
	struct hvlab_memory_region r = {
		.slot = 3, .guest_phys_addr = 0xb0000, .memory_size = 4096,
		.userspace_addr = (uintptr_t)a->page,
	};

	usleep(a->delay_us);
	a->ret = ioctl(a->vm->vm_fd, HVLAB_SET_MEMORY_REGION, &r) ? -errno : 0;
	return NULL;
}

/*
 * S2-6. One thread's guest polls a guest-physical page while another
 * thread, on the other CPU, adds a slot there. An EPT violation the CPU
 * raised just before the slot appeared may find memory there by the time
 * hvlab looks: that is a retry, never "an hvlab bug" that kills the VM.
 * The window is short, so it is tried many times, with varied timing.
 */
TEST(slot_added_while_a_guest_polls_it)
{
	int attempt, killed = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs (labs/vm/run --cpus 2)");
	for (attempt = 0; attempt < 40; attempt++) {
		struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
		uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct slot_adder adder = { &vm, page, 50 * (attempt % 20), 0 };
		struct hvlab_run *run;
		pthread_t t;

		ASSERT_NE(MAP_FAILED, page);
		memset(page, 0x5a, 4096);
		ASSERT_EQ(0, hv_open(&vm));
		ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
		ASSERT_EQ(0, hv_load_raw(&vm, poll_b0000, sizeof(poll_b0000)));
		ASSERT_EQ(0, pin(pthread_self(), 1));
		ASSERT_EQ(0, pthread_create(&t, NULL, add_slot_at_b0000, &adder));
		ASSERT_EQ(0, pin(t, 0));
		run = vm.run;
		run->request_flags = 0;
		for (;;) {
			if (hv_run(&vm) == -EINTR)
				continue;
			if (run->exit_reason != HVLAB_EXIT_MMIO)
				break;
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		}
		pthread_join(t, NULL);
		EXPECT_EQ(0, adder.ret);
		if (run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR) {
			TH_LOG("attempt %d: %s", attempt, run->internal.reason);
			killed++;
		}
		EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason);
		hv_close(&vm);
		munmap(page, 4096);
	}
	EXPECT_EQ(0, killed);
}

/*
 * S1-5. A memory region whose addition fails half-way, after some of its
 * EPT entries were in place, while another thread's guest reads those
 * addresses (guests/elf/slot_poll.c). Every CPU must forget the entries
 * (INVEPT) before any page is unpinned: the guest may read the region's
 * memory while the addition is under way, never once it has failed.
 *
 * The failure comes from a small memory cgroup. The page array and the
 * EPT tables are charged to the process (GFP_KERNEL_ACCOUNT): a 512 MiB
 * region needs 256 pages of each, and the limit leaves room for the array
 * and about half of the tables. Charges come in per-CPU batches of up to
 * 64 pages, so the failure lands somewhere in the tables' first half,
 * never before them or after them. The region is cheap otherwise: one
 * 2 MiB memfd mapped 256 times, every alias the same pages.
 *
 * The failed addition must not wake the OOM killer either: hvlab
 * allocates for a region with __GFP_RETRY_MAYFAIL, and a region that
 * does not fit is ENOMEM for its VMM, never a process killed (before,
 * this test was OOM-killed).
 *
 * What Bochs cannot show: a missing INVEPT. hvlab does not enable VPID,
 * so every VM exit drops the guest's cached translations, every report
 * here is an exit, and each HVLAB_RUN does INVEPT when it loads the VMCS.
 */
#define CGROUP_ROOT	"/sys/fs/cgroup"
#define CGROUP_SMALL	CGROUP_ROOT "/hvlab-slot-unwind"
#define UNWIND_GPA	0x40000000ull	/* slot_poll.c's region */
#define UNWIND_SIZE	(512ull << 20)
#define ALIAS_SIZE	(2ull << 20)
#define UNWIND_TABLES	(UNWIND_SIZE / ALIAS_SIZE)	/* EPT page tables, one per 2 MiB */
#define ARRAY_PAGES	(UNWIND_SIZE / 4096 * 8 / 4096)	/* struct page *[] */

/* A memory cgroup to move into: 0, or -1 where the kernel has none. */
static int small_cgroup_ready(void)
{
	if (access(CGROUP_ROOT "/cgroup.procs", F_OK) &&
	    mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -1;
	hvtest_write_file(CGROUP_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CGROUP_SMALL, 0755) && errno != EEXIST)
		return -1;
	return access(CGROUP_SMALL "/memory.max", W_OK) ? -1 : 0;
}

/* Module-wide pinned pages, from debugfs (module/stats.c) */
static long long pinned_pages(void)
{
	return hvtest_read_field("/sys/kernel/debug/hvlab/pages", "pinned ");
}

/* UNWIND_SIZE of address space, every 2 MiB of it the same memfd pages */
static void *map_aliases(void)
{
	int fd = memfd_create("slot-unwind", 0);
	uint8_t *base;
	uint64_t off;

	if (fd < 0 || ftruncate(fd, ALIAS_SIZE))
		return MAP_FAILED;
	base = mmap(NULL, UNWIND_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (off = 0; base != MAP_FAILED && off < UNWIND_SIZE; off += ALIAS_SIZE)
		if (mmap(base + off, ALIAS_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd, 0) == MAP_FAILED)
			base = MAP_FAILED;
	if (base != MAP_FAILED)
		memset(base, 0x5a, ALIAS_SIZE);
	close(fd);
	return base;
}

/* Kernel-log lines from now on: a /dev/kmsg reader at its end, or -1. */
static int kmsg_from_now(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_count(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;
	int count = 0;

	while (fd >= 0 && ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE))) {
		if (n <= 0)
			continue;	/* overwritten records */
		rec[n] = 0;
		count += !!strstr(rec, needle);
	}
	return count;
}

struct region_adder {
	struct hv_vm *vm;
	void *mem;
	int go;			/* set once the small cgroup's limit is in place */
	int ret;
	int done;
};

/* On CPU 0, while the guest runs on CPU 1 */
static void *add_region_at_1g(void *arg)
{
	struct region_adder *a = arg;
	struct hvlab_memory_region r = {
		.slot = 3, .guest_phys_addr = UNWIND_GPA, .memory_size = UNWIND_SIZE,
		.userspace_addr = (uintptr_t)a->mem,
	};

	while (!__atomic_load_n(&a->go, __ATOMIC_ACQUIRE))
		sched_yield();
	a->ret = ioctl(a->vm->vm_fd, HVLAB_SET_MEMORY_REGION, &r) ? -errno : 0;
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Run slot_poll until the adder is done and the guest has made three more
 * passes. A report at port 0x85 means the guest read memory; if the exit
 * before it came after the addition had failed, the read came after too.
 */
static void poll_while_adding(struct __test_metadata *_metadata, struct hv_vm *vm,
			      struct region_adder *adder, int *reads, int *stale_reads)
{
	struct hvlab_run *run = vm->run;
	long exits = 0, done_at = -1;
	int passes_after = 0;

	run->request_flags = 0;
	for (;;) {
		if (hv_run(vm) == -EINTR)
			continue;
		exits++;
		if (done_at < 0 && __atomic_load_n(&adder->done, __ATOMIC_ACQUIRE))
			done_at = exits;
		if (run->exit_reason == HVLAB_EXIT_MMIO) {
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		} else if (run->exit_reason == HVLAB_EXIT_IO && run->io.port == 0x85) {
			(*reads)++;
			if (adder->ret && done_at >= 0 && exits - 1 >= done_at)
				(*stale_reads)++;
		} else if (run->exit_reason == HVLAB_EXIT_IO && run->io.port == 0x86) {
			run->io.data = done_at >= 0 && ++passes_after >= 3;
		} else if (run->exit_reason != HVLAB_EXIT_IO || run->io.port != 0xe9) {
			break;
		}
	}
	EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason) TH_LOG("%s", run->internal.reason);
}

TEST(failed_region_addition_while_a_guest_polls_it)
{
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct region_adder adder = { .vm = &vm };
	int reads = 0, stale = 0, kmsg;
	long long unwinds, base;
	long long pinned_before;
	pthread_t t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs (labs/vm/run --cpus 2)");
	if (small_cgroup_ready())
		SKIP(return, "no cgroup v2 memory controller here");
	adder.mem = map_aliases();
	ASSERT_NE(MAP_FAILED, adder.mem);
	ASSERT_EQ(0, hvtest_create(&vm, "slot_poll32"));
	pinned_before = pinned_pages();
	kmsg = kmsg_from_now();

	/* Everything the test needs is allocated: only the ioctl charges after. */
	ASSERT_EQ(0, pthread_create(&t, NULL, add_region_at_1g, &adder) ? -1 : 0);
	ASSERT_EQ(0, pin(t, 0));
	ASSERT_EQ(0, pin(pthread_self(), 1));
	ASSERT_EQ(0, hvtest_write_file(CGROUP_SMALL "/cgroup.procs", "%d", getpid()));
	base = hvtest_read_number(CGROUP_SMALL "/memory.current");
	ASSERT_EQ(0, hvtest_write_file(CGROUP_SMALL "/memory.max", "%lld",
			 base + (ARRAY_PAGES + UNWIND_TABLES / 2) * 4096));
	__atomic_store_n(&adder.go, 1, __ATOMIC_RELEASE);
	poll_while_adding(_metadata, &vm, &adder, &reads, &stale);
	pthread_join(t, NULL);
	ASSERT_EQ(0, hvtest_write_file(CGROUP_ROOT "/cgroup.procs", "%d", getpid()));
	hvtest_write_file(CGROUP_SMALL "/memory.max", "max");
	rmdir(CGROUP_SMALL);

	unwinds = hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "slot_unwinds");
	TH_LOG("addition: %s; %lld unwound half-way; the guest read the region's memory %d times, %d of them after the failure",
	       adder.ret ? strerror(-adder.ret) : "succeeded", unwinds, reads, stale);
	EXPECT_EQ(-ENOMEM, adder.ret);
	EXPECT_EQ(1, unwinds);
	EXPECT_EQ(0, stale);
	/* nothing stays pinned of a region that failed */
	EXPECT_EQ(pinned_before, pinned_pages());
	EXPECT_EQ(0, kmsg_count(kmsg, "oom-kill"));
	if (kmsg >= 0)
		close(kmsg);
	hv_close(&vm);
	munmap(adder.mem, UNWIND_SIZE);
}

/* One vCPU of a VM with two, running in its own thread (two_vcpus_share_a_counter) */
struct counter_vcpu {
	struct hv_vm vm;	/* the VM's fds and memory, this vCPU's fd and run page */
	int cpu;		/* where its thread runs now */
	int moves;
	int ret;
};

/*
 * Run one vCPU; at each OUT (every 1024 rounds) its thread moves itself
 * to the other CPU. It cannot wait for another thread to move it: the
 * lab VM's clock stands still while guests run, so no tick would ever
 * preempt a vCPU thread for it.
 */
static void *run_counter_vcpu(void *arg)
{
	struct counter_vcpu *c = arg;

	c->ret = pin(pthread_self(), c->cpu);
	while (!c->ret) {
		do
			c->ret = hv_run(&c->vm);
		while (c->ret == -EINTR);
		if (c->ret || c->vm.run->exit_reason != HVLAB_EXIT_IO)
			break;
		c->cpu ^= 1;
		if (!pin(pthread_self(), c->cpu))
			c->moves++;
	}
	return NULL;
}

#define COUNTER_GPA	0x7e00
#define COUNTER_ROUNDS	20000

/*
 * Several vCPUs: two vCPUs of one VM, each in its own thread, add 1 to
 * the same guest memory 20,000 times each with LOCK INC, and exit for a
 * CPUID each time. Every 1024 rounds each thread moves itself to the
 * other CPU, so they keep crossing. Both must end with HLT, the counter
 * must be exactly 40,000 (the EPT is one, the memory one), and hvlab
 * must have counted every move (run->cpu_migrations).
 */
TEST(two_vcpus_share_a_counter)
{
	/*
	 * xor %ax,%ax; mov %ax,%ds; mov $COUNTER_ROUNDS,%esi;
	 * 1: lock incl (COUNTER_GPA); cpuid; test $0x3ff,%si; jnz 2f;
	 *    out %al,$0x80; 2: dec %esi; jnz 1b; cli; hlt
	 */
	static const uint8_t guest[] = {
		0x31, 0xc0, 0x8e, 0xd8, 0x66, 0xbe,
		COUNTER_ROUNDS & 0xff, COUNTER_ROUNDS >> 8, 0, 0,
		0xf0, 0x66, 0xff, 0x06, COUNTER_GPA & 0xff, COUNTER_GPA >> 8,
		0x0f, 0xa2, 0xf7, 0xc6, 0xff, 0x03, 0x75, 0x02, 0xe6, 0x80,
		0x66, 0x4e, 0x75, 0xec, 0xfa, 0xf4,
	};
	struct counter_vcpu c[2] = { 0 };
	struct hvlab_regs regs;
	struct hvlab_sregs sregs;
	pthread_t t[2];
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	ASSERT_EQ(0, hv_open(&c[0].vm));
	ASSERT_EQ(0, hv_create(&c[0].vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&c[0].vm, guest, sizeof(guest)));
	ASSERT_EQ(0, hv_get_regs(&c[0].vm, &regs));
	ASSERT_EQ(0, hv_get_sregs(&c[0].vm, &sregs));
	/* the second vCPU: same VM, same starting state */
	c[1].vm = c[0].vm;
	c[1].vm.vcpu_fd = ioctl(c[0].vm.vm_fd, HVLAB_CREATE_VCPU, 1);
	ASSERT_LE(0, c[1].vm.vcpu_fd);
	c[1].vm.run = mmap(NULL, c[0].vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   c[1].vm.vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, c[1].vm.run);
	ASSERT_EQ(0, hv_set_regs(&c[1].vm, &regs));
	ASSERT_EQ(0, hv_set_sregs(&c[1].vm, &sregs));
	for (i = 0; i < 2; i++) {
		c[i].vm.run->request_flags = 0;
		c[i].cpu = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, run_counter_vcpu, &c[i]));
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	TH_LOG("counter %u; moves %d and %d, migrations seen by hvlab %u and %u; %s",
	       *(uint32_t *)(c[0].vm.mem + COUNTER_GPA), c[0].moves, c[1].moves,
	       c[0].vm.run->cpu_migrations, c[1].vm.run->cpu_migrations,
	       c[0].vm.run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR ? c[0].vm.run->internal.reason :
	       c[1].vm.run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR ? c[1].vm.run->internal.reason : "");
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, c[i].ret);
		EXPECT_EQ(HVLAB_EXIT_HLT, c[i].vm.run->exit_reason);
		EXPECT_EQ(COUNTER_ROUNDS / 1024, c[i].moves);
		/* each move between two runs; the first run may start on either CPU */
		EXPECT_GE(c[i].vm.run->cpu_migrations, c[i].moves);
	}
	EXPECT_EQ(2 * COUNTER_ROUNDS, *(uint32_t *)(c[0].vm.mem + COUNTER_GPA));
	munmap(c[1].vm.run, c[1].vm.run_size);
	close(c[1].vm.vcpu_fd);
	hv_close(&c[0].vm);
}

#define SHUTTLE_MOVES	2000

/*
 * The VMCS stays active, launched, on the CPU where it last ran (vmcs.c):
 * HVLAB_RUN after HVLAB_RUN on one CPU re-enters with VMRESUME. Only a
 * move to another CPU clears it, by IPI on the CPU it left, and the next
 * entry there is a VMLAUNCH: a VMRESUME of that clear VMCS would fail
 * with VM-instruction error 5, and one VMCS active on two CPUs would
 * lose state. The test thread runs the guest itself, exit after exit
 * (an OUT each), first 100 times on CPU 0, then moving itself to the
 * other CPU before each of SHUTTLE_MOVES more.
 */
TEST(vmcs_cleared_only_when_its_thread_moves)
{
	/* 1: out %al,$0x80; dec %ecx; jnz 1b; cli; hlt (ECX from the test) */
	static const uint8_t guest[] = { 0xe6, 0x80, 0x66, 0x49, 0x75, 0xfa, 0xfa, 0xf4 };
	struct hv_vm vm;
	struct hvlab_regs regs;
	long long launches, clears;
	int i, ret = 0, cpu = 0, moves = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	/* from the start: setting the registers makes the VMCS active too */
	ASSERT_EQ(0, pin(pthread_self(), 0));
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&vm, guest, sizeof(guest)));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	regs.rcx = 100 + SHUTTLE_MOVES;
	ASSERT_EQ(0, hv_set_regs(&vm, &regs));
	vm.run->request_flags = 0;
	for (i = 0; i < 100 && !ret && vm.run->exit_reason != HVLAB_EXIT_HLT; i++)
		ret = hv_run(&vm);
	ASSERT_EQ(0, ret);
	launches = hvtest_stat(vm.vcpu_fd, HVLAB_GET_VCPU_STATS, "vm_launches");
	clears = hvtest_stat(vm.vcpu_fd, HVLAB_GET_VCPU_STATS, "vmcs_remote_clears");
	TH_LOG("100 runs on CPU 0: %lld VMLAUNCHes, %lld VMCLEARs by IPI", launches, clears);
	EXPECT_EQ(HVLAB_EXIT_IO, vm.run->exit_reason);
	EXPECT_EQ(1, launches);
	EXPECT_EQ(0, clears);

	while (!ret && vm.run->exit_reason == HVLAB_EXIT_IO) {
		cpu ^= 1;
		ret = pin(pthread_self(), cpu);
		if (ret)
			break;
		moves++;
		do
			ret = hv_run(&vm);
		while (ret == -EINTR);
	}
	/*
	 * The guest halted on CPU cpu; reading its registers from the other
	 * CPU needs the VMCS there too: one more clear by IPI, no entry.
	 */
	ASSERT_EQ(0, pin(pthread_self(), cpu ^ 1));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	EXPECT_EQ(0, regs.rcx);
	EXPECT_EQ(sizeof(guest), regs.rip - 0x7c00);
	launches = hvtest_stat(vm.vcpu_fd, HVLAB_GET_VCPU_STATS, "vm_launches");
	clears = hvtest_stat(vm.vcpu_fd, HVLAB_GET_VCPU_STATS, "vmcs_remote_clears");
	TH_LOG("%d moves and a read: %u migrations, %lld VMLAUNCHes, %lld VMCLEARs by IPI; %s", moves,
	       vm.run->cpu_migrations, launches, clears,
	       vm.run->exit_reason == HVLAB_EXIT_FAIL_ENTRY ? "VM entry failed" :
	       vm.run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR ? vm.run->internal.reason : "");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(SHUTTLE_MOVES + 1, moves);
	/* each move cleared the VMCS on the CPU it left, and launched it anew */
	EXPECT_EQ(moves + 1, clears);
	EXPECT_EQ(1 + moves, launches);
	EXPECT_EQ(moves, vm.run->cpu_migrations);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
