/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmx_insns: every VMX instruction, executed by a guest. In real mode the
 * CPU itself raises #UD for them, so this guest first enters 32-bit
 * protected mode (flat GDT, an IDT with a #UD handler). There each one
 * causes a VM exit (reasons 19-27, 50, 53) and hvlab answers with #UD:
 * no nested VMX. The #UD handler skips the instruction and counts.
 * Prints "vmx_insns ok" when all eleven faulted, or "vmx_insns bad".
 */
#define DEBUG_PORT	0xe9
#define UD_VECTOR	6
#define CODE_SEL	0x08
#define DATA_SEL	0x10

	.code16
	.text
	.globl start
start:
	cli
	lgdt gdt_desc
	mov %cr0, %eax
	or $1, %eax		/* PE is the guest's own: no exit */
	mov %eax, %cr0
	ljmp $CODE_SEL, $pm32

	.code32
pm32:
	mov $DATA_SEL, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %esp
	/* IDT entry 6: a 32-bit interrupt gate to ud_handler */
	mov $ud_handler, %eax
	mov %ax, idt + UD_VECTOR * 8
	movw $CODE_SEL, idt + UD_VECTOR * 8 + 2
	movw $0x8e00, idt + UD_VECTOR * 8 + 4
	shr $16, %eax
	mov %ax, idt + UD_VECTOR * 8 + 6
	lidt idt_desc

/* TRY insn: run it, telling the #UD handler how long it is */
.macro TRY insn:vararg
	movl $(9f - 8f), skip
8:	\insn
9:
.endm
	TRY vmxon region
	TRY vmxoff
	TRY vmclear region
	TRY vmptrld region
	TRY vmptrst region
	TRY vmread %eax, %ebx
	TRY vmwrite %ebx, %eax
	TRY vmlaunch
	TRY vmresume
	TRY invept region, %eax
	TRY invvpid region, %eax

	mov $ok, %esi
	cmpl $11, ud_count
	je 1f
	mov $bad, %esi
1:	mov $DEBUG_PORT, %dx
2:	lodsb
	test %al, %al
	jz 3f
	outb %al, %dx
	jmp 2b
3:	cli
	hlt

/* #UD: skip the instruction that faulted and count it. */
ud_handler:
	push %eax
	mov skip, %eax
	add %eax, 4(%esp)	/* the saved EIP */
	incl ud_count
	pop %eax
	iret

	.p2align 3
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, base 0, 4 GiB */
	.quad 0x00cf92000000ffff	/* 0x10: data, base 0, 4 GiB */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
idt_desc:
	.word 8 * (UD_VECTOR + 1) - 1
	.long idt
skip:	.long 0
ud_count: .long 0
	.p2align 4
region:	.quad 0, 0		/* an operand for the instructions that take one */
ok:	.asciz "vmx_insns ok\n"
bad:	.asciz "vmx_insns bad\n"
	.p2align 3
idt:	.fill 8 * (UD_VECTOR + 1), 1, 0
