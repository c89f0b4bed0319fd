// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - what a VM exit costs, in guest TSC ticks (guests/bench.S).
 * Under Bochs with one CPU a tick is one retired instruction, so these
 * numbers are deterministic; docs/labvm.md compares them with KVM's.
 */
#include "hvtest.h"

#define ROUNDS		1000	/* guests/bench.S */
#define CPUID_ROUNDS	0x1000	/* where it keeps each round's cost */
#define OUT_ROUNDS	0x2000

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

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of the guest's per-round costs at @gpa (guests/bench.S). */
static uint32_t median_rounds(const struct hv_vm *vm, uint64_t gpa)
{
	uint32_t rounds[ROUNDS];

	memcpy(rounds, vm->mem + gpa, sizeof(rounds));
	qsort(rounds, ROUNDS, sizeof(rounds[0]), compare_u32);
	return rounds[ROUNDS / 2];
}

/*
 * The mean includes the host timer interrupts that happen to land in
 * the loop, and moves by a hundred ticks or more between boots; the
 * median is the cost of an exit itself. The limits are issue 9's: the
 * isolation work (FPU switch, MSRs) may not cost more. The speculation
 * barriers and L1D flushes are the host's choice for this CPU, not
 * hvlab's code path: they are measured and shown on their own, and the
 * limits apply to the rest.
 */
TEST(exit_costs)
{
	struct guest_result r;
	struct hv_vm vm;
	uint32_t cpuid_median, out_median;
	uint64_t switches, switch_ticks, barriers, flushes, flush_ticks, to_user;
	uint64_t flush_each, out_flush, cpuid_flush;

	hvtest_io_hook = on_io;
	hvtest_exit_budget = 0;	/* no trace ring: it would be part of every cost */
	ASSERT_EQ(0, hvtest_create(&vm, "bench"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	ASSERT_NE(0, cpuid_total);
	ASSERT_NE(0, out_total);
	cpuid_median = median_rounds(&vm, CPUID_ROUNDS);
	out_median = median_rounds(&vm, OUT_ROUNDS);
	switches = hvtest_vcpu_stat(&vm, "fpu_switches");
	switch_ticks = hvtest_vcpu_stat(&vm, "fpu_switch_ticks");
	ASSERT_NE(0, switches);
	/* What the RSB fill, VERW and BHB clear of entry.S cost (spec.c) */
	barriers = hvtest_mitigation_value("barrier_ticks");
	flushes = hvtest_vcpu_stat(&vm, "l1d_flushes");
	flush_ticks = hvtest_vcpu_stat(&vm, "l1d_flush_ticks");
	to_user = hvtest_vcpu_stat(&vm, "exits_to_user");
	/* "cond" flushes once per return from userspace, "always" per entry */
	flush_each = flushes ? flush_ticks / flushes : 0;
	out_flush = flushes >= to_user ? flush_each : 0;
	cpuid_flush = flushes > 2 * to_user ? flush_each : 0;
	/* lines a script can pick up */
	printf("# bench: %u ticks per CPUID exit round trip, %u ticks per OUT exit to userspace (means)\n",
	       cpuid_total / ROUNDS, out_total / ROUNDS);
	printf("# bench: medians %u ticks per CPUID exit round trip, %u per OUT exit to userspace\n",
	       cpuid_median, out_median);
	printf("# bench: FPU switch %llu ticks per exit to userspace (guest state in and out)\n",
	       (unsigned long long)(switch_ticks / switches));
	printf("# bench: mitigations %llu ticks per round trip (RSB fill, VERW, BHB clear), L1D flush %llu ticks each, %llu flushes for %llu exits to userspace\n",
	       (unsigned long long)barriers, (unsigned long long)flush_each,
	       (unsigned long long)flushes, (unsigned long long)to_user);
	printf("# bench: without them %llu ticks per CPUID round trip, %llu per OUT to userspace (medians)\n",
	       (unsigned long long)(cpuid_median - barriers - cpuid_flush),
	       (unsigned long long)(out_median - barriers - out_flush));
	EXPECT_LE(cpuid_median - barriers - cpuid_flush, 400);
	EXPECT_LE(out_median - barriers - out_flush, 1700);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
