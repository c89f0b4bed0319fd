/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sse: SSE registers for hvctl step to show (tests/vm/step.sh). Between
 * three OUTs to the debug console it
 *
 * 1. turns SSE on, and writes '1';
 * 2. loads XMM0 with the bytes 0x00, 0x01, ... 0x0f (in memory order, so
 *    that XMM0 is 0x0f0e0d0c0b0a09080706050403020100 as a 128-bit number),
 *    XMM7 with 0xf0, 0xf1, ... 0xff, sets MXCSR's rounding control to
 *    toward zero (0x1f80 -> 0x7f80), and writes '2';
 * 3. clears XMM0 again, and writes a newline;
 *
 * then halts. It checks nothing itself: the test reads what step shows.
 */
#include "guest.h"

start:
	SSE_ON
	mov $DEBUG_PORT, %dx
	mov $'1', %al
	outb %al, %dx

	movdqu ramp, %xmm0
	movdqu ramp + 16, %xmm7
	ldmxcsr toward_zero
	mov $'2', %al
	outb %al, %dx

	pxor %xmm0, %xmm0
	mov $'\n', %al
	outb %al, %dx
	HALT

	.balign 16
ramp:
	.irp n, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
	.byte \n
	.endr
	.irp n, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff
	.byte \n
	.endr
toward_zero:
	.long 0x7f80		/* MXCSR: all exceptions masked, RC = 11b */
