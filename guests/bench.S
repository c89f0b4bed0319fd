/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench: the cost of a VM exit, measured by the guest with RDTSC (under
 * Bochs with one CPU the TSC counts retired instructions, so the numbers
 * are exact and repeatable). Two loops of 1000:
 *   CPUID - an exit handled in the kernel and straight back;
 *   OUT to port 0x80 - an exit all the way to userspace and back.
 * Each total goes out as a 32-bit OUT to port 0x84 (CPUID) and 0x88 (OUT),
 * where tests/vm/bench.c picks it up, then the guest halts.
 */
#include "guest.h"

#define ROUNDS		1000

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
	HALT
