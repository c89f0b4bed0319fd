/* SPDX-License-Identifier: GPL-2.0 */
/*
 * faults: instructions hvlab does not let the guest perform on the host.
 * RDMSR and WRMSR of an MSR that does not exist, and RDPMC, exit and
 * hvlab injects #GP, which this guest catches with its own real-mode
 * interrupt vector 13; INVD, WBINVD, MONITOR and MWAIT exit and are
 * skipped as no-ops. Prints "faults ok"
 * when exactly three #GPs arrived, each at the right instruction.
 */
#include "guest.h"

#define GP_VECTOR	13

start:
	/* IVT entry 13 (at 13 * 4) -> gp_handler */
	xor %ax, %ax
	mov %ax, %ds
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2

	mov $0xc0011234, %ecx	/* an MSR no CPU has */
gp1:	rdmsr
	xor %eax, %eax
	xor %edx, %edx
gp2:	wrmsr
	xor %ecx, %ecx
gp3:	rdpmc
	invd
	wbinvd
	xor %eax, %eax
	xor %ecx, %ecx
	xor %edx, %edx
	monitor
	mwait

	cmpw $3, gp_count
	jne bad
	/* each #GP at its instruction: the sum of their addresses (start = 0x7c00) */
	cmpw $((gp1 - start) + (gp2 - start) + (gp3 - start) + 3 * 0x7c00) & 0xffff, gp_sum
	jne bad
	GUEST_END "faults ok", "faults: wrong #GP count or address"

/* #GP in real mode: FLAGS, CS, IP of the faulting instruction are pushed. */
gp_handler:
	push %bp
	mov %sp, %bp
	push %ax
	mov 2(%bp), %ax		/* the faulting IP */
	add %ax, gp_sum
	addw $2, 2(%bp)		/* RDMSR, WRMSR, RDPMC are 2 bytes long */
	incw gp_count
	pop %ax
	pop %bp
	iret

gp_count: .word 0
gp_sum:	.word 0
