// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - what a VM exit costs, in guest TSC ticks (guests/bench.S).
 * Under Bochs with one CPU a tick is one retired instruction, so these
 * numbers are deterministic; docs/labvm.md compares them with KVM's.
 */
#include "hvtest.h"

static uint32_t cpuid_total, out_total;

static void on_io(struct hvlab_run *run)
{
	if (run->io.direction != HVLAB_IO_OUT)
		return;
	if (run->io.port == 0x84)
		cpuid_total = run->io.data;
	if (run->io.port == 0x88)
		out_total = run->io.data;
}

TEST(exit_costs)
{
	struct guest_result r;
	struct hv_vm vm;

	hvtest_io_hook = on_io;
	ASSERT_EQ(0, hvtest_create(&vm, "bench"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	ASSERT_NE(0, cpuid_total);
	ASSERT_NE(0, out_total);
	/* one line a script can pick up */
	printf("# bench: %u ticks per CPUID exit round trip, %u ticks per OUT exit to userspace\n",
	       cpuid_total / 1000, out_total / 1000);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
