/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hlt_wake: STI; HLT with an interrupt already waiting. The guest asks for
 * an interrupt with interrupts off (an OUT to port 0x86, where the test
 * injects vector 0x30), so it must wait; then STI; HLT. STI's shadow
 * covers the HLT, so the HLT exits before the interrupt can arrive, and a
 * CPU would wake at once for it: hvlab must resume the guest, not stop in
 * userspace (module/timer.c, hvlab_vcpu_halt()). The handler prints
 * "woke", the guest "hlt_wake ok".
 */
#include "guest.h"

#define VECTOR		0x30

start:
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7c00, %sp
	movw $handler, VECTOR * 4
	movw $0, VECTOR * 4 + 2
	cli
	out %al, $0x86		/* the test injects vector 0x30 here */
	sti
	hlt			/* in STI's shadow: exits with the interrupt waiting */
	cmpw $1, woken
	jne bad
	cli
	GUEST_END "hlt_wake ok", "hlt_wake bad"

handler:
	PUTS woke_text
	incw woken
	iret

woken:	.word 0
woke_text: .asciz "woke\n"
