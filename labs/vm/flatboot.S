/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flatboot.S - stand-in for the bzImage decompressor, so that Bochs boots
 * the lab kernel without decompressing it (XZ takes ~45 s in Bochs).
 *
 * labs/vm/run builds a bzImage whose protected-mode part is this stub
 * followed by the kernel's vmlinux, already laid out flat as its PT_LOAD
 * segments want it in physical memory (from IMAGE_DEST up). The kernel's
 * own real-mode setup code (kept as is) jumps here, at code32_start, in
 * flat 32-bit protected mode with %esi = boot_params, like the
 * decompressor's startup_32. We then do what the decompressor does for a
 * kernel that isn't relocated: put the image in place, enter long mode
 * with an identity map, and jump to vmlinux's startup_64 with %rsi =
 * boot_params (the "64-bit boot protocol" entry of head_64.S).
 *
 * Assembled by labs/vm/run with:
 *   IMAGE_DEST  physical address of the image (CONFIG_PHYSICAL_START)
 *   IMAGE_LEN   bytes of image after this stub (multiple of 4)
 *   ZERO_LEN    bytes to clear after it: bss, brk (multiple of 4)
 *   ENTRY       physical entry point (the ELF's e_entry)
 */
	.code32
	.text
	.globl	_start
_start:
	cli
	cld
	/*
	 * Where were we loaded (0x100000 normally)? call/pop needs a stack:
	 * borrow boot_params' scratch field, as the decompressor does.
	 */
	leal	(0x1e4 + 4)(%esi), %esp
	call	1f
1:	popl	%ebp
	subl	$(1b - _start), %ebp
	leal	stack_end(%ebp), %esp
	movl	%esi, %ebx		/* boot_params, for the kernel */

	/*
	 * Move the image up to IMAGE_DEST. The two ranges overlap when the
	 * image is bigger than the gap, with the destination higher: copy
	 * backwards.
	 */
	leal	image(%ebp), %esi
	movl	$IMAGE_DEST, %edi
	movl	$IMAGE_LEN, %ecx
	leal	-4(%esi,%ecx), %esi
	leal	-4(%edi,%ecx), %edi
	shrl	$2, %ecx
	std
	rep movsl
	cld
	movl	$(IMAGE_DEST + IMAGE_LEN), %edi
	movl	$(ZERO_LEN / 4), %ecx
	xorl	%eax, %eax
	rep stosl

	/* Identity-map the first 1 GiB with 2 MiB pages. */
	leal	pd(%ebp), %edi
	movl	$0x83, %eax		/* present, writable, 2 MiB page */
	movl	$512, %ecx
2:	movl	%eax, (%edi)
	movl	$0, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	2b
	leal	pd + 3(%ebp), %eax
	movl	%eax, pdpt(%ebp)
	leal	pdpt + 3(%ebp), %eax
	movl	%eax, pml4(%ebp)

	/* Our own GDT: the setup code's may be gone once the kernel runs. */
	leal	gdt(%ebp), %eax
	movl	%eax, gdt_base(%ebp)
	lgdt	gdt_desc(%ebp)

	/* Long mode: PAE, page tables, EFER.LME, then paging on. */
	movl	%cr4, %eax
	orl	$0x20, %eax
	movl	%eax, %cr4
	leal	pml4(%ebp), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80000001, %eax
	movl	%eax, %cr0

	/* Far return into the 64-bit code segment. */
	leal	3f(%ebp), %eax
	pushl	$0x08
	pushl	%eax
	lret

	.code64
3:	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%ebx, %esi		/* zero-extends: %rsi = boot_params */
	movabsq	$ENTRY, %rax
	jmp	*%rax

	.balign	8
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
gdt_base:
	.long	0

	.balign	16
stack:	.fill	256, 1, 0
stack_end:

	.balign	4096
pml4:	.fill	4096, 1, 0
pdpt:	.fill	4096, 1, 0
pd:	.fill	4096, 1, 0
image:
