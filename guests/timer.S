/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer: a guest that sleeps between the ticks of its timer, as an idle
 * kernel does. Run it with the timer on (hvctl run --timer 2000 for a tick
 * every 2 ms at vector 0x20): interrupts on, HLT, and each tick's handler
 * counts it and writes the TSC it saw to TICK_TSC + 8 * n, so that a test
 * can measure the rate. Every HLT waits in the kernel until the next tick
 * (module/timer.c); none reaches userspace until the last, with
 * interrupts off. After TICKS ticks, prints "timer ok".
 */
#include "guest.h"

#define TICKS		10
#define TIMER_VECTOR	0x20
#define TICK_TSC	0x600		/* TICKS 8-byte TSC values */

start:
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7c00, %sp
	movw $tick, TIMER_VECTOR * 4
	movw $0, TIMER_VECTOR * 4 + 2
	sti
1:	hlt			/* until the next tick */
	cmpw $TICKS, count
	jb 1b
	cli
	PUTS ok_text
	HALT

/* The tick: record the TSC, count */
tick:
	pushal
	rdtsc
	mov count, %bx
	shl $3, %bx
	mov %eax, TICK_TSC(%bx)
	mov %edx, TICK_TSC + 4(%bx)
	incw count
	popal
	iret

	GUEST_LIB
count:	.word 0
ok_text: .asciz "timer ok\n"
