/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuid: ask the CPU who it is. hvlab handles CPUID in the kernel: the
 * guest must see the hypervisor bit (leaf 1 ECX[31]), and no VMX (ECX[5]),
 * MONITOR (ECX[3]) or APIC (EDX[9]), which hvlab does not give it,
 * and leaf 0x40000000 must name hvlab. Prints "cpuid ok" and halts, or
 * prints a reason and exits with status 3.
 */
#include "guest.h"

start:
	xor %eax, %eax
	cpuid			/* leaf 0: vendor in EBX, EDX, ECX */
	mov $1, %eax
	cpuid
	bt $31, %ecx
	jnc no_hypervisor
	bt $5, %ecx
	jc vmx_visible
	bt $3, %ecx		/* MONITOR/MWAIT: no-ops under hvlab, so hidden */
	jc hidden_visible
	bt $9, %edx		/* APIC: hvlab has none */
	jc hidden_visible
	mov $0x40000000, %eax
	cpuid
	cmp $0x616c7668, %ebx	/* "hvla" */
	jne wrong_signature
	PUTS ok
	HALT
no_hypervisor:
	FAIL msg_no_hv
vmx_visible:
	FAIL msg_vmx
wrong_signature:
	FAIL msg_sig
hidden_visible:
	FAIL msg_hidden

	GUEST_LIB
ok:		.asciz "cpuid ok\n"
msg_no_hv:	.asciz "cpuid: hypervisor bit missing\n"
msg_vmx:	.asciz "cpuid: VMX visible to the guest\n"
msg_sig:	.asciz "cpuid: wrong hypervisor signature\n"
msg_hidden:	.asciz "cpuid: MONITOR or APIC visible to the guest\n"
