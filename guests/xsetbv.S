/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xsetbv: the guest's own XCR0. XSETBV always exits (reason 55); hvlab
 * checks the value as a CPU would and keeps the guest's XCR0 apart from
 * the host's. The guest sees XCR0 = 1 after reset, can enable SSE state,
 * and gets #GP for AVX without SSE and for a register other than XCR0.
 * Where the host itself runs without XSAVE (the 6.12 lab kernel in Bochs
 * turns it off), CPUID shows no XSAVE and setting CR4.OSXSAVE is refused
 * with #GP, as on a CPU without XSAVE. Prints "xsetbv ok" or "xsetbv bad".
 */
#include "guest.h"

#define GP_VECTOR	13
#define CR4_OSXSAVE	0x40000

start:
	xor %ax, %ax
	mov %ax, %ds
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2
	mov $1, %eax
	cpuid
	bt $26, %ecx		/* XSAVE? */
	jnc no_xsave
	mov %cr4, %eax
	or $CR4_OSXSAVE, %eax	/* not host-owned: no exit */
	mov %eax, %cr4

	xor %ecx, %ecx
	xgetbv			/* no exit: reads the guest's XCR0 */
	cmp $1, %eax
	jne bad
	mov $3, %eax		/* x87 + SSE */
	xor %edx, %edx
	xsetbv			/* exit 1 */
	xgetbv
	cmp $3, %eax
	jne bad
	mov $5, %eax		/* x87 + AVX without SSE */
	xsetbv			/* exit 2: #GP */
	mov $1, %ecx		/* XCR1 is not writable here */
	mov $3, %eax
	xsetbv			/* exit 3: #GP */
	xor %ecx, %ecx
	xgetbv
	cmp $3, %eax		/* unchanged by the refused writes */
	jne bad
	cmpw $2, gp_count
	jne bad
	jmp good

no_xsave:
	mov %cr4, %eax
	or $CR4_OSXSAVE, %eax
	mov %eax, %cr4		/* exit: host-owned here, #GP */
	mov %cr4, %eax
	test $CR4_OSXSAVE, %eax
	jnz bad
	cmpw $1, gp_count
	jne bad_count
good:
	GUEST_END "xsetbv ok", "xsetbv bad"

/* #GP: count it and skip the 3-byte XSETBV or MOV to CR4. */
	SKIP_HANDLER gp_handler, 3, gp_count

bad_count:
	mov gp_count, %ax
	add $'0', %al
	out %al, $0xe9
	jmp bad

gp_count: .word 0
