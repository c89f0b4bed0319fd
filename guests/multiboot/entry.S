/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - a multiboot v1 kernel's first instructions (the Multiboot
 * Specification 0.6.96). The header asks for page-aligned modules and the
 * memory information (flags 0 and 1); built with AOUT_KLUDGE it also
 * gives the addresses to load the file at (flag 16), for the flat binary
 * multiboot_aout.img, which has no ELF headers.
 *
 * The loader leaves ESP, the GDT and the IDT undefined (spec 3.2): the
 * kernel's first jobs are a stack and a GDT of its own, before it loads a
 * segment register. EFLAGS and CR0 as found are handed to mb_main() with
 * the magic (EAX) and the information structure (EBX).
 */
#define MB_HEADER_MAGIC	0x1badb002
#ifdef AOUT_KLUDGE
#define MB_FLAGS	0x00010003
#else
#define MB_FLAGS	0x00000003
#endif
#define EXIT_PORT	0xf4

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_HEADER_MAGIC
	.long MB_FLAGS
	.long -(MB_HEADER_MAGIC + MB_FLAGS)
#ifdef AOUT_KLUDGE
	.long mb_header		/* header_addr */
	.long _load_start	/* load_addr: the file's first byte */
	.long _edata		/* load_end_addr */
	.long _end		/* bss_end_addr */
	.long _start		/* entry_addr */
#endif

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	mov $stack_top, %esp	/* MOV leaves EFLAGS as the loader did */
	pushfl
	popl %ecx
	mov %cr0, %edx
	lgdt gdt_pointer
	ljmp $0x08, $1f
1:	mov $0x10, %si		/* EBX is the information structure: keep it */
	mov %si, %ds
	mov %si, %es
	mov %si, %fs
	mov %si, %gs
	mov %si, %ss
	push %edx		/* cr0 */
	push %ecx		/* eflags */
	push %ebx		/* info */
	push %eax		/* magic */
	call mb_main
	test %eax, %eax
	jz 2f
	out %al, $EXIT_PORT	/* status (V << 1) | 1 */
2:	cli
	hlt
	jmp 2b

	.section .rodata
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, 32-bit, flat */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
gdt_pointer:
	.word gdt_pointer - gdt - 1
	.long gdt

	.section .bss
	.align 16
	.skip 16384
stack_top:

	.section .note.GNU-stack, "", @progbits	/* no executable stack */
