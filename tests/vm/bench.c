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

/* A vCPU statistic by name (stats.c), or 0. */
static uint64_t vcpu_stat(const struct hv_vm *vm, const char *name)
{
	struct hvlab_stat_desc *descs;
	uint64_t *values, value = 0;
	unsigned int i, count;

	if (hv_get_stats(vm->vcpu_fd, HVLAB_GET_VCPU_STATS, &descs, &values, &count))
		return 0;
	for (i = 0; i < count; i++)
		if (!strcmp(descs[i].name, name))
			value = values[i];
	free(descs);
	free(values);
	return value;
}

/*
 * The mean includes the host timer interrupts that happen to land in
 * the loop, and moves by a hundred ticks or more between boots; the
 * median is the cost of an exit itself. The limits are issue 9's: the
 * isolation work (FPU switch, MSRs, mitigations) may not cost more.
 */
TEST(exit_costs)
{
	struct guest_result r;
	struct hv_vm vm;
	uint32_t cpuid_median, out_median;
	uint64_t switches, switch_ticks;

	hvtest_io_hook = on_io;
	ASSERT_EQ(0, hvtest_create(&vm, "bench"));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	ASSERT_NE(0, cpuid_total);
	ASSERT_NE(0, out_total);
	cpuid_median = median_rounds(&vm, CPUID_ROUNDS);
	out_median = median_rounds(&vm, OUT_ROUNDS);
	switches = vcpu_stat(&vm, "fpu_switches");
	switch_ticks = vcpu_stat(&vm, "fpu_switch_ticks");
	ASSERT_NE(0, switches);
	/* lines a script can pick up */
	printf("# bench: %u ticks per CPUID exit round trip, %u ticks per OUT exit to userspace (means)\n",
	       cpuid_total / ROUNDS, out_total / ROUNDS);
	printf("# bench: medians %u ticks per CPUID exit round trip, %u per OUT exit to userspace\n",
	       cpuid_median, out_median);
	printf("# bench: FPU switch %llu ticks per exit to userspace (guest state in and out)\n",
	       (unsigned long long)(switch_ticks / switches));
	EXPECT_LE(cpuid_median, 400);
	EXPECT_LE(out_median, 1700);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
