/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fake_linux: a bzImage that is not Linux, to test hvctl's Linux loader
 * (userspace/loaders/linux.c) against the boot protocol
 * (Documentation/arch/x86/boot.rst) without booting a kernel. It has a
 * setup header of protocol 2.15 with a 64-bit entry (XLF_KERNEL_64), and
 * the "kernel" checks what the protocol promises at startup_64:
 *
 *   - RSI is the zero page; CS is __BOOT_CS (0x10), DS, ES and SS
 *     __BOOT_DS (0x18); interrupts are off; long mode with paging;
 *   - the zero page: type_of_loader 0xff, the header copied, the e820 map
 *     (four entries, RAM at 0 and from 1 MiB), the command line, the
 *     initrd's address and size (page-aligned, at the top of RAM);
 *
 * then prints the command line and the initrd's first line on port 0xe9,
 * and exits through isa-debug-exit with 0 (status 1) if all held, else
 * with the number of the first check that failed (status 2n + 1).
 *
 *   hvctl run --kernel fake_linux.bin --initrd FILE --append "TEXT"
 */
	.code16
	.text
	.globl start
start:
	.org 0x1f1
	.byte 1				/* setup_sects: the setup is 2 sectors */
	.word 0				/* root_flags */
	.long 0				/* syssize */
	.word 0				/* ram_size */
	.word 0xffff			/* vid_mode */
	.word 0				/* root_dev */
	.word 0xaa55			/* boot_flag */
	.byte 0xeb, header_end - 0x202	/* jump: over the header */
	.ascii "HdrS"
	.word 0x020f			/* version 2.15 */
	.org 0x211
	.byte 0x01			/* loadflags: LOADED_HIGH */
	.org 0x214
	.long 0x100000			/* code32_start */
	.org 0x22c
	.long 0x7fffffff		/* initrd_addr_max */
	.long 0x200000			/* kernel_alignment */
	.byte 1				/* relocatable_kernel */
	.byte 21			/* min_alignment */
	.word 0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long 255			/* cmdline_size */
	.org 0x260
	.long 0x100000			/* init_size */
header_end:
	.org 0x400

/* The protected-mode kernel, loaded at 1 MiB */
pm_start:
	.code32
	/* The 32-bit entry: not used with XLF_KERNEL_64 */
	mov $99, %al
	outb %al, $0xf4
	hlt

	.org pm_start + 0x200
	.code64
startup_64:
	lea stack_top(%rip), %rsp	/* the protocol gives no stack: Linux sets its own */
	mov %rsi, %rbx			/* the zero page */
	mov $1, %r12d			/* check 1: RSI */
	cmp $0x10000, %rbx
	jne fail
	inc %r12d			/* 2: CS */
	mov %cs, %ax
	cmp $0x10, %ax
	jne fail
	inc %r12d			/* 3: DS, ES, SS */
	mov %ds, %ax
	cmp $0x18, %ax
	jne fail
	mov %es, %ax
	cmp $0x18, %ax
	jne fail
	mov %ss, %ax
	cmp $0x18, %ax
	jne fail
	inc %r12d			/* 4: IF = 0 */
	pushfq
	pop %rax
	test $0x200, %eax
	jnz fail
	inc %r12d			/* 5: type_of_loader */
	cmpb $0xff, 0x210(%rbx)
	jne fail
	inc %r12d			/* 6: the header is the image's */
	cmpl $0x53726448, 0x202(%rbx)	/* "HdrS" */
	jne fail
	cmpw $0x020f, 0x206(%rbx)
	jne fail
	cmpl $0x100000, 0x260(%rbx)
	jne fail
	inc %r12d			/* 7: four e820 entries, RAM 0-0x9fc00 and 1M-end */
	cmpb $4, 0x1e8(%rbx)
	jne fail
	cmpq $0, 0x2d0(%rbx)
	jne fail
	cmpq $0x9fc00, 0x2d8(%rbx)
	jne fail
	cmpl $1, 0x2e0(%rbx)
	jne fail
	lea 0x2d0 + 3 * 20(%rbx), %rdi	/* the last: 1 MiB up, type 1 */
	cmpq $0x100000, (%rdi)
	jne fail
	cmpl $1, 16(%rdi)
	jne fail
	mov 8(%rdi), %r13		/* RAM above 1 MiB */
	add $0x100000, %r13		/* the end of RAM */
	inc %r12d			/* 8: the initrd: page-aligned, in RAM, above the kernel */
	mov 0x218(%rbx), %eax		/* ramdisk_image */
	mov 0x21c(%rbx), %ecx		/* ramdisk_size */
	test %ecx, %ecx
	jz fail
	test $0xfff, %eax
	jnz fail
	cmp $0x200000, %eax
	jb fail
	lea (%rax, %rcx), %rdx
	cmp %r13, %rdx
	ja fail
	inc %r12d			/* 9: the command line, in low memory */
	mov 0x228(%rbx), %esi
	test %esi, %esi
	jz fail
	cmp $0x100000, %esi
	jae fail

	lea cmdline_text(%rip), %rsi
	call puts
	mov 0x228(%rbx), %esi
	call puts
	lea newline(%rip), %rsi
	call puts
	lea initrd_text(%rip), %rsi
	call puts
	mov 0x218(%rbx), %esi		/* the initrd's first line */
	mov 0x21c(%rbx), %ecx
1:	lodsb
	cmp $'\n', %al
	je 2f
	outb %al, $0xe9
	loop 1b
2:	lea newline(%rip), %rsi
	call puts
	xor %r12d, %r12d		/* all held */
fail:
	mov %r12d, %eax
	outb %al, $0xf4
	hlt

/* Print the NUL-terminated string at RSI on port 0xe9 */
puts:
	lodsb
	test %al, %al
	jz 1f
	outb %al, $0xe9
	jmp puts
1:	ret

cmdline_text:	.asciz "fake_linux: command line: "
initrd_text:	.asciz "fake_linux: initrd: "
newline:	.asciz "\n"
	.balign 16
	.fill 256
stack_top:
