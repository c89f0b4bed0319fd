/* SPDX-License-Identifier: GPL-2.0 */
/*
 * intercepts: instructions that exit only when userspace asks for them
 * (HVLAB_SET_INTERCEPTS, or hvctl run --intercept/--exceptions): RDTSC,
 * RDTSCP, PAUSE and INVLPG, then #UD (UD2) and #BP (INT3). Run either way,
 * the guest must not notice: its own #UD and #BP handlers run once each,
 * and the TSC it reads goes forward. It reports the high half of its
 * first TSC reading on port 0x84, so a test can see a TSC offset, and
 * prints "intercepts ok" or "intercepts bad".
 */
#include "guest.h"

#define BP_VECTOR	3
#define UD_VECTOR	6

start:
	xor %ax, %ax
	mov %ax, %ds
	movw $bp_handler, BP_VECTOR * 4
	movw $0, BP_VECTOR * 4 + 2
	movw $ud_handler, UD_VECTOR * 4
	movw $0, UD_VECTOR * 4 + 2

	rdtsc
	mov %eax, %esi
	mov %edx, %edi
	mov %edx, %eax
	outl %eax, $0x84
	rdtscp			/* must not be behind the first reading */
	cmp %edi, %edx
	jb bad
	ja 1f
	cmp %esi, %eax
	jb bad
1:	pause
	invlpg (%bx)
	ud2			/* #UD: the handler skips it */
	int3			/* #BP: returns right after it */
	cmpw $0x0101, seen	/* one #UD and one #BP */
	jne bad
	GUEST_END "intercepts ok", "intercepts bad"

ud_handler:
	push %bp
	mov %sp, %bp
	addw $2, 2(%bp)		/* UD2 is 2 bytes */
	incb seen
	pop %bp
	iret
bp_handler:
	incb seen + 1
	iret

seen:	.word 0
