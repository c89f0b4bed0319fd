/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpu: the guest's SSE and x87 state is its own (docs/security.md, S1-1).
 *
 * 1. It turns SSE on and looks at what it finds: a fresh vCPU has the
 *    state of FINIT and a cleared XMM file (MXCSR 0x1f80, FCW 0x037f, XMM0-7
 *    zero), never the registers of whatever ran on the host CPU before.
 * 2. It puts its own values in XMM0-7 and keeps them across 10000 exits
 *    to userspace (IN from the debug port), while the host process on the
 *    other side uses SSE as it likes.
 * 3. The same across 20000 CPUID exits handled in the kernel, while other
 *    host tasks run on the same CPU (tests/vm/isolation.c runs one): each
 *    round writes the values anew, so that a task that wrongly gets the
 *    guest's registers finds them changed.
 *
 * It prints one line per part, "... ok" or "... bad", and ends with HLT,
 * or with status 1 on port 0xf4 if any part went bad. What it found in
 * part 1 stays at SNAPSHOT for the test to read: XMM0-7, MXCSR, FCW.
 */
#include "guest.h"

#define SNAPSHOT	0x500	/* 128 bytes of XMM0-7, then MXCSR, then FCW */
#define CHECK		0x600	/* XMM0-7 stored for a comparison */
#define FAILED		0x6f0	/* nonzero once a part went bad */
#define KERNEL_BAD	0x6f1	/* part 3 went bad in some round */
#define EXITS_TO_USER	10000
#define ROUNDS		100	/* part 3: ROUNDS x KERNEL_EXITS CPUIDs */
#define KERNEL_EXITS	200

/* Store XMM0-7 at \addr, 16 bytes each. */
.macro STORE_XMM addr
	movdqu %xmm0, \addr
	movdqu %xmm1, \addr + 16
	movdqu %xmm2, \addr + 32
	movdqu %xmm3, \addr + 48
	movdqu %xmm4, \addr + 64
	movdqu %xmm5, \addr + 80
	movdqu %xmm6, \addr + 96
	movdqu %xmm7, \addr + 112
.endm

.macro LOAD_PATTERN
	movdqu pattern, %xmm0
	movdqu pattern + 16, %xmm1
	movdqu pattern + 32, %xmm2
	movdqu pattern + 48, %xmm3
	movdqu pattern + 64, %xmm4
	movdqu pattern + 80, %xmm5
	movdqu pattern + 96, %xmm6
	movdqu pattern + 112, %xmm7
.endm

/* ZF=1 if XMM0-7 still hold the pattern. Uses CX, SI, DI. */
.macro XMM_IS_PATTERN
	STORE_XMM CHECK
	mov $pattern, %si
	mov $CHECK, %di
	mov $128, %cx
	cld
	repe cmpsb
.endm

start:
	movb $0, FAILED
	SSE_ON

	/* 1. What a fresh vCPU holds */
	STORE_XMM SNAPSHOT
	stmxcsr SNAPSHOT + 128
	fnstcw SNAPSHOT + 132
	mov $SNAPSHOT, %si
	mov $128, %cx
1:	lodsb
	test %al, %al
	jnz 2f
	loop 1b
	cmpl $0x1f80, SNAPSHOT + 128
	jne 2f
	cmpw $0x037f, SNAPSHOT + 132
	jne 2f
	PUTS fresh_ok
	jmp 3f
2:	PUTS fresh_bad
	movb $1, FAILED
3:
	/* 2. Own values across exits to userspace */
	LOAD_PATTERN
	mov $EXITS_TO_USER, %bp
1:	mov $DEBUG_PORT, %dx
	inb %dx, %al		/* an exit that userspace answers */
	XMM_IS_PATTERN
	jne 2f
	dec %bp
	jnz 1b
	PUTS user_ok
	jmp 3f
2:	PUTS user_bad
	movb $1, FAILED
3:
	/*
	 * 3. Own values across exits handled in the kernel, written anew each
	 * round. Every round runs, even after a bad one: the host task
	 * checks its own registers meanwhile.
	 */
	movb $0, KERNEL_BAD
	mov $ROUNDS, %bp
1:	LOAD_PATTERN
	mov $KERNEL_EXITS, %di
4:	xor %eax, %eax
	cpuid
	dec %di
	jnz 4b
	XMM_IS_PATTERN
	je 2f
	movb $1, KERNEL_BAD
2:	mov $DEBUG_PORT, %dx
	inb %dx, %al
	dec %bp
	jnz 1b
	cmpb $0, KERNEL_BAD
	jne 2f
	PUTS kernel_ok
	jmp 3f
2:	PUTS kernel_bad
	movb $1, FAILED
3:
	/* The same registers at the end under any hypervisor: CPUID's differ. */
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	cmpb $0, FAILED
	je 1f
	mov $1, %al
	outb %al, $EXIT_PORT
1:	HALT

	GUEST_LIB
fresh_ok:	.asciz "fresh state ok\n"
fresh_bad:	.asciz "fresh state bad: not FINIT with zeroed XMM\n"
user_ok:	.asciz "xmm across exits to userspace ok\n"
user_bad:	.asciz "xmm across exits to userspace bad\n"
kernel_ok:	.asciz "xmm across exits in the kernel ok\n"
kernel_bad:	.asciz "xmm across exits in the kernel bad\n"
	.balign 16
pattern:
	.irp n, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
	.fill 16, 1, \n ^ 0x5a
	.endr
