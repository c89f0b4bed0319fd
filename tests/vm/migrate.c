// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c - a vCPU whose thread is moved between host CPUs while the
 * guest runs. The guest (guests/loop.S) keeps a checksum in registers
 * across 10000 in-kernel CPUID exits; another thread keeps changing the
 * vCPU thread's affinity. hvlab must VMCLEAR on the old CPU, VMPTRLD on the
 * new one and refresh the per-CPU host state (GDT, TSS, GS base) each time,
 * or the host crashes or the checksum breaks. Needs two CPUs.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "hvtest.h"

struct runner {
	struct hv_vm vm;
	struct guest_result r;
	int ret;
	volatile int done;
	pid_t tid;
};

static void *run_guest(void *arg)
{
	struct runner *run = arg;

	run->tid = gettid();
	run->ret = hvtest_run_vm(&run->vm, 0, &run->r);
	run->done = 1;
	return NULL;
}

static void pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(t, sizeof(set), &set);
}

TEST(vcpu_thread_moves_between_cpus)
{
	struct runner run = { 0 };
	unsigned long moves = 0;
	pthread_t t;
	int rounds;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs (labs/vm/run --cpus 2)");
	/*
	 * The mover lives on CPU 1 and the vCPU starts on CPU 0, so each
	 * change of affinity really moves a thread that is inside HVLAB_RUN.
	 */
	pin(pthread_self(), 1);
	/* Three passes of the loop guest, each a fresh VM, to give the mover time. */
	for (rounds = 0; rounds < 3; rounds++) {
		ASSERT_EQ(0, hvtest_create(&run.vm, "loop"));
		run.done = 0;
		{
			pthread_attr_t attr;
			cpu_set_t cpu0;

			CPU_ZERO(&cpu0);
			CPU_SET(0, &cpu0);
			pthread_attr_init(&attr);
			pthread_attr_setaffinity_np(&attr, sizeof(cpu0), &cpu0);
			ASSERT_EQ(0, pthread_create(&t, &attr, run_guest, &run));
			pthread_attr_destroy(&attr);
		}
		while (!run.done) {
			pin(t, ++moves % 2);
			sched_yield();
		}
		pthread_join(t, NULL);
		ASSERT_EQ(0, run.ret);
		run.r.output[run.r.output_len] = 0;
		EXPECT_STREQ("loop ok\n", run.r.output);
		TH_LOG("round %d: %u migrations, %llu exits", rounds,
		       run.vm.run->cpu_migrations, (unsigned long long)run.r.total_exits);
		if (run.vm.run->cpu_migrations > 0) {
			hv_close(&run.vm);
			return;
		}
		hv_close(&run.vm);
	}
	ASSERT_TRUE(0) TH_LOG("the vCPU never changed CPUs in %d rounds", rounds);
}

TEST_HARNESS_MAIN
