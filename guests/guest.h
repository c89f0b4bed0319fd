/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h - macros shared by the real-mode test guests.
 *
 * A guest is a flat binary loaded at 0x7c00 and entered in 16-bit real
 * mode at 0000:7c00, like a boot sector. It talks to the host through
 * I/O ports, as the hvctl manual describes:
 *   0xe9  debug console: each byte written is printed
 *   0xf4  exit: writing V ends the run with status (V << 1) | 1
 * and it ends cleanly with CLI; HLT (status 0). A self-checking guest
 * ends with GUEST_END, which fails through port 0xf4 (status 3), so that
 * hvctl's exit status tells a test which way it went.
 */
#ifndef HVLAB_GUEST_H
#define HVLAB_GUEST_H

#include "uapi/hvlab_hypercall.h"	/* HVLAB_HC_*: VMCALL functions */

#define DEBUG_PORT	0xe9
#define EXIT_PORT	0xf4
#define EXIT_FAILURE_VALUE	1	/* hvctl exit status (1 << 1) | 1 = 3 */

	.code16
	.text
	.globl start

/* Print the NUL-terminated string at \label on the debug console. */
.macro PUTS label
	mov $\label, %si
	call guest_puts
.endm

/*
 * Print a 32-bit value on the debug console: PUTHEX as 0x%08x, PUTDEC as
 * unsigned decimal. \value is any operand MOV accepts into EAX: $42,
 * %ebx, a memory word. Every register is kept.
 */
.macro PUTHEX value
	pushal
	mov \value, %eax
	call guest_puthex
	popal
.endm

.macro PUTDEC value
	pushal
	mov \value, %eax
	call guest_putdec
	popal
.endm

/* Stop: nothing can wake a CPU halted with interrupts off. */
.macro HALT
	cli
	hlt
.endm

/* SSE on (SDM Vol. 3, 14.1.3): CR0.EM=0, CR0.MP=1, CR4.OSFXSR/OSXMMEXCPT. */
.macro SSE_ON
	mov %cr0, %eax
	and $~4, %eax
	or $2, %eax
	mov %eax, %cr0
	mov %cr4, %eax
	or $0x600, %eax
	mov %eax, %cr4
.endm

/* End the run with hvctl exit status (\value << 1) | 1 (isa-debug-exit). */
.macro EXIT value
	mov $EXIT_PORT, %dx
	mov $\value, %al
	outb %al, %dx
	HALT			/* a host without the exit port stops here */
.endm

/* A failed check: print the string at \label, exit with status 3. */
.macro FAIL label
	PUTS \label
	EXIT EXIT_FAILURE_VALUE
.endm

/*
 * The usual ending of a self-checking guest: print \ok_text and halt
 * (status 0), or, for a check that jumped to "bad", print \bad_text and
 * exit with status 3. Includes GUEST_LIB.
 */
.macro GUEST_END ok_text, bad_text
	PUTS 901f
	HALT
bad:
	PUTS 902f
	EXIT EXIT_FAILURE_VALUE
	GUEST_LIB
901:	.asciz "\ok_text\n"
902:	.asciz "\bad_text\n"
.endm

/*
 * A real-mode exception handler named \name that steps over the faulting
 * instruction (\length bytes) and counts in the word \counter. The CPU
 * pushed FLAGS, CS and the IP of that instruction.
 */
.macro SKIP_HANDLER name, length, counter
\name:
	push %bp
	mov %sp, %bp
	addw $\length, 2(%bp)
	incw \counter
	pop %bp
	iret
.endm

/* The helpers; put GUEST_LIB once, after the guest's code. */
.macro GUEST_LIB
guest_puts:
	mov $DEBUG_PORT, %dx
1:	lodsb
	test %al, %al
	jz 2f
	outb %al, %dx
	jmp 1b
2:	ret

/* EAX as "0x" and eight hex digits, most significant first */
guest_puthex:
	mov %eax, %ebx
	mov $DEBUG_PORT, %dx
	mov $'0', %al
	outb %al, %dx
	mov $'x', %al
	outb %al, %dx
	mov $8, %cx
1:	rol $4, %ebx
	mov %bl, %al
	and $0xf, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $('a' - '9' - 1), %al
2:	outb %al, %dx
	loop 1b
	ret

/* EAX in decimal: the digits go on the stack, then out in reverse */
guest_putdec:
	mov $10, %ebx
	xor %cx, %cx
1:	xor %edx, %edx
	div %ebx
	push %dx
	inc %cx
	test %eax, %eax
	jnz 1b
	mov $DEBUG_PORT, %dx
2:	pop %ax
	add $'0', %al
	outb %al, %dx
	loop 2b
	ret
.endm

#endif
