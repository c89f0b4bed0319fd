/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: the cost of a VM exit, measured by the guest with RDTSC (under
 * Bochs with one CPU the TSC counts retired instructions, so the numbers
 * are exact and repeatable). Two loops of 1000:
 *   CPUID - an exit handled in the kernel and straight back;
 *   OUT to port 0x80 - an exit all the way to userspace and back.
 * Each total goes out as a 32-bit OUT to port 0x84 (CPUID) and 0x88 (OUT),
 * where tests/vm/bench.c picks it up. Then both loops run once more with
 * each round's cost kept in memory, for medians, and the guest halts.
 */
#include "guest.h"

#define ROUNDS		1000
#define CPUID_ROUNDS	0x1000	/* per-round costs, ROUNDS dwords each */
#define OUT_ROUNDS	0x2000

start:
	mov $ROUNDS, %ebp
	rdtsc
	mov %eax, %esi
1:	xor %eax, %eax
	cpuid
	dec %ebp
	jnz 1b
	rdtsc
	sub %esi, %eax
	outl %eax, $0x84

	mov $ROUNDS, %ebp
	rdtsc
	mov %eax, %esi
2:	outb %al, $0x80
	dec %ebp
	jnz 2b
	rdtsc
	sub %esi, %eax
	outl %eax, $0x88

	/*
	 * The same two loops again, with each round's cost kept in memory
	 * (CPUID at CPUID_ROUNDS, OUT at OUT_ROUNDS, 1000 dwords each): the
	 * test takes their medians, which a host timer interrupt landing in
	 * a few rounds does not move.
	 */
	mov $CPUID_ROUNDS, %di
	mov $ROUNDS, %ebp
3:	rdtsc
	mov %eax, %esi
	xor %eax, %eax
	cpuid
	rdtsc
	sub %esi, %eax
	mov %eax, (%di)
	add $4, %di
	dec %ebp
	jnz 3b

	mov $OUT_ROUNDS, %di
	mov $ROUNDS, %ebp
4:	rdtsc
	mov %eax, %esi
	outb %al, $0x80
	rdtsc
	sub %esi, %eax
	mov %eax, (%di)
	add $4, %di
	dec %ebp
	jnz 4b
	HALT
