/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msr: the MSRs a guest may use (module/msr.c). Every RDMSR and WRMSR
 * exits (reasons 31, 32); EFER, PAT, SYSENTER_CS and the TSC behave as on
 * a CPU, with the CPU's checks, and an invalid PAT or an unknown MSR gets
 * #GP. Prints "msr ok" or "msr bad".
 */
#include "guest.h"

#define GP_VECTOR	13
#define MSR_TSC		0x10
#define MSR_SYSENTER_CS	0x174
#define MSR_PAT		0x277
#define MSR_EFER	0xc0000080

start:
	xor %ax, %ax
	mov %ax, %ds
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2

	mov $MSR_EFER, %ecx
	rdmsr			/* 0 after reset */
	or %edx, %eax
	jnz bad
	mov $0x101, %eax	/* LME + SCE: allowed with paging off */
	wrmsr
	xor %eax, %eax
	rdmsr
	cmp $0x101, %eax
	jne bad

	mov $MSR_PAT, %ecx
	rdmsr			/* the reset PAT */
	cmp $0x00070406, %eax
	jne bad
	cmp $0x00070406, %edx
	jne bad
	mov $0x02, %eax		/* memory type 2 does not exist: #GP */
	wrmsr
	rdmsr
	cmp $0x00070406, %eax	/* unchanged */
	jne bad

	mov $MSR_SYSENTER_CS, %ecx
	mov $0x10, %eax
	xor %edx, %edx
	wrmsr
	xor %eax, %eax
	rdmsr
	cmp $0x10, %eax
	jne bad

	mov $MSR_TSC, %ecx
	rdmsr
	mov %edx, %edi
	mov %eax, %esi
	rdmsr			/* forward in time */
	cmp %edi, %edx
	jb bad
	ja 1f
	cmp %esi, %eax
	jbe bad
1:	mov $0xc0011234, %ecx	/* no such MSR: #GP */
	rdmsr
	cmpw $2, gp_count
	jne bad
	GUEST_END "msr ok", "msr bad"

/* #GP: count it and skip the 2-byte RDMSR or WRMSR. */
	SKIP_HANDLER gp_handler, 2, gp_count

gp_count: .word 0
