/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - where a C guest starts. hvctl has already set up what a tiny
 * OS loader would: flat 4 GiB segments, a stack, and in long mode paging
 * with an identity map (userspace/loaders/elf.c). All that is left is to
 * call main() and turn its return value into the end of the run.
 */
#define EXIT_PORT 0xf4

	.section .text.entry, "ax"
	.globl _start
_start:
#ifdef __x86_64__
	.code64
	call main
#else
	.code32
	call main
#endif
	test %eax, %eax
	jz 1f
	out %al, $EXIT_PORT	/* status (V << 1) | 1 */
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits	/* no executable stack */
