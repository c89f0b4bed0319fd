/* SPDX-License-Identifier: GPL-2.0 */
/*
 * modes: real -> protected -> long mode, the way a boot loader does it
 * (SDM 10.9.1 protected mode, 10.8.5 IA-32e mode), printing one line in
 * each mode. The steps that involve the hypervisor:
 *   - MOV to CR0.PE and CR0.PG exit only when CR0 is intercepted
 *     (HVLAB_INTERCEPT_CR0); unrestricted guest lets the guest own them;
 *   - WRMSR to EFER.LME always exits (reason 32): EFER is in the VMCS;
 *   - setting CR0.PG with EFER.LME set is what turns long mode on: the
 *     CPU sets EFER.LMA, or hvlab does when it emulates the MOV to CR0,
 *     and then VM entry must have "IA-32e mode guest" set (SDM 26.2.4).
 * In 64-bit code it reads EFER back and checks LMA. Prints "real",
 * "protected" and "long", then "modes ok" or "modes bad".
 */
#include "guest.h"

#define CR0_PE		0x1
#define CR0_PG		0x80000000
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define EFER_LMA	0x400
#define PML4		0x1000		/* then the PDPT and a page directory */
#define CODE32		0x08
#define DATA		0x10
#define CODE64		0x18

start:
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	PUTS real_text
	cli
	lgdt gdt_pointer
	mov %cr0, %eax
	or $CR0_PE, %eax
	mov %eax, %cr0		/* exits if CR0 is intercepted */
	ljmp $CODE32, $protected

	.code32
protected:
	mov $DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %esp	/* all 32 bits: the stack is 32-bit now */
	mov $protected_text, %esi
	call puts32

	/* Identity-map the first 2 MiB with one large page (SDM 4.5). */
	mov $PML4, %edi
	xor %eax, %eax
	mov $3 * 1024, %ecx
	rep stosl
	movl $PML4 + 0x1000 + 3, PML4		/* present, writable */
	movl $PML4 + 0x2000 + 3, PML4 + 0x1000
	movl $0x83, PML4 + 0x2000		/* present, writable, 2 MiB */
	mov $PML4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr			/* exits: EFER lives in the VMCS */
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0		/* long mode, in compatibility mode */
	ljmp $CODE64, $long

	.code64
long:
	mov $long_text, %esi
	call puts64
	mov $MSR_EFER, %ecx
	rdmsr
	test $EFER_LMA, %eax
	jz long_bad
	mov $ok_text, %esi
	call puts64
	cli
	hlt
long_bad:
	mov $bad_text, %esi
	call puts64
	mov $EXIT_FAILURE_VALUE, %al
	out %al, $EXIT_PORT
	cli
	hlt

/* Print the NUL-terminated string at RSI on the debug console. */
puts64:
	lodsb
	test %al, %al
	jz 1f
	out %al, $DEBUG_PORT
	jmp puts64
1:	ret

	.code32
puts32:
	lodsb
	test %al, %al
	jz 1f
	out %al, $DEBUG_PORT
	jmp puts32
1:	ret

	.code16
	GUEST_LIB

	.p2align 3
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code, base 0, 4 GiB */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code (L = 1) */
gdt_end:
gdt_pointer:
	.word gdt_end - gdt - 1
	.long gdt

real_text:	.asciz "real\n"
protected_text:	.asciz "protected\n"
long_text:	.asciz "long\n"
ok_text:	.asciz "modes ok\n"
bad_text:	.asciz "modes bad\n"
