/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.h - macros shared by the real-mode test guests.
 *
 * A guest is a flat binary loaded at 0x7c00 and entered in 16-bit real
 * mode at 0000:7c00, like a boot sector. It talks to the host through
 * I/O ports, as the hvctl manual describes:
 *   0xe9  debug console: each byte written is printed
 *   0xf4  exit: writing V ends the run with status (V << 1) | 1
 * and it ends cleanly with CLI; HLT (status 0).
 */
#ifndef HVLAB_GUEST_H
#define HVLAB_GUEST_H

#define DEBUG_PORT	0xe9
#define EXIT_PORT	0xf4

	.code16
	.text
	.globl start

/* Print the NUL-terminated string at \label on the debug console. */
.macro PUTS label
	mov $\label, %si
	call guest_puts
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

/*
 * The usual ending of a self-checking guest: print \ok_text and halt, or,
 * for a check that jumped to "bad", print \bad_text and halt. Includes
 * GUEST_LIB.
 */
.macro GUEST_END ok_text, bad_text
	PUTS 901f
	HALT
bad:
	PUTS 902f
	HALT
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
.endm

#endif
