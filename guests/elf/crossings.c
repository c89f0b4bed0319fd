// SPDX-License-Identifier: GPL-2.0
/*
 * crossings: what one crossing from this guest into the host costs, timed
 * from inside with RDTSC (lab 9; userspace/crossings.c runs it). Under
 * Bochs with one CPU a tick is one retired instruction, the host's
 * included, so the numbers are the same at every run.
 *
 * Four loops of ROUNDS rounds each; the median of each goes out to
 * RESULT_PORT + 4 * kind:
 *   0, nothing: what the timing itself costs;
 *   1, CPUID: a VM exit the kernel handles (module/exits.c);
 *   2, VMCALL HVLAB_HC_ECHO: a hypercall, also handled in the kernel;
 *   3, OUT to CROSSING_PORT: a VM exit to userspace and back.
 */
#include "hvguest.h"

#define ROUNDS		1001
#define CROSSING_PORT	0x8a	/* OUT: nobody answers; the exit is the point */
#define RESULT_PORT	0x98	/* OUT: the median of kind K at RESULT_PORT + 4 * K */

enum { NOTHING, CPUID_EXIT, HYPERCALL, OUT_EXIT, KINDS };

static uint32_t ticks[ROUNDS];

/* Insertion sort: ROUNDS is small, and the guest has no library. */
static uint32_t median(void)
{
	int i, j;

	for (i = 1; i < ROUNDS; i++) {
		uint32_t v = ticks[i];

		for (j = i; j > 0 && ticks[j - 1] > v; j--)
			ticks[j] = ticks[j - 1];
		ticks[j] = v;
	}
	return ticks[ROUNDS / 2];
}

/* One loop per kind: no branch on the kind inside the timed part. */
#define TIME_ROUNDS(crossing)						\
	do {								\
		for (i = 0; i < ROUNDS; i++) {				\
			uint64_t t0 = rdtsc();				\
			crossing;					\
			ticks[i] = rdtsc() - t0;			\
		}							\
	} while (0)

int main(void)
{
	uint32_t r[4], result[KINDS];
	int i;

	TIME_ROUNDS(asm volatile("" ::: "memory"));
	result[NOTHING] = median();
	TIME_ROUNDS(cpuid(0, 0, r));
	result[CPUID_EXIT] = median();
	TIME_ROUNDS(HV_CHECK(hv_hypercall(HVLAB_HC_ECHO, i, 0, 0, 0) == (unsigned long)i + 1));
	result[HYPERCALL] = median();
	TIME_ROUNDS(outb(CROSSING_PORT, 0));
	result[OUT_EXIT] = median();
	for (i = 0; i < KINDS; i++)
		outl(RESULT_PORT + 4 * i, result[i]);
	return 0;
}
