/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loop: 10000 CPUID exits, handled in the kernel, while a checksum in
 * EBP, EDI and ESI runs across them. If any register is lost across an
 * exit, or across a move of the vCPU to another host CPU, the checksum
 * comes out wrong. Prints a dot every 1024 iterations (a sign of life,
 * and a moment when tests/vm/migrate.c can act), then "loop ok" or
 * "loop bad".
 */
#include "guest.h"

#define ITERATIONS	10000

start:
	mov $ITERATIONS, %ebp
	xor %edi, %edi
	mov $0x12345678, %esi
1:	xor %eax, %eax
	cpuid
	add %ebp, %edi		/* sum of ITERATIONS..1 */
	rol $1, %esi		/* 32-bit rotate, back home after 32 */
	test $0x3ff, %bp
	jnz 2f
	mov $'.', %al
	outb %al, $DEBUG_PORT
2:	dec %ebp
	jnz 1b
	cmp $(ITERATIONS * (ITERATIONS + 1) / 2), %edi
	jne bad
	cmp $0x56781234, %esi	/* 10000 % 32 = 16 rotations */
	jne bad
	GUEST_END "loop ok", "loop bad"
