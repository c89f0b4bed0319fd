/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr4_bits: set each CR4 bit in turn, 0 to 31, and say what happened.
 * For each bit the guest writes one byte to port 0xf0: the bit number,
 * plus 0x40 if CR4 then reads back with the bit set, plus 0x80 if the
 * MOV to CR4 raised #GP (its handler skips the instruction). Then CR4
 * goes back to what it was. tests/vm/isolation.c compares the bytes with
 * the bits hvlab gives guests (docs/security.md).
 */
#include "guest.h"

#define PORT_RESULT	0xf0
#define IVT_GP		(13 * 4)

start:
	movw $gp_handler, IVT_GP
	movw $0, IVT_GP + 2
	xor %si, %si
1:	movw $0, gp_count
	mov %cr4, %ebx
	mov $1, %edx
	mov %si, %cx
	shl %cl, %edx
	mov %ebx, %eax
	or %edx, %eax
	mov %eax, %cr4		/* 3 bytes; may #GP */
	mov %cr4, %eax
	mov %ebx, %cr4
	mov %si, %cx
	test %edx, %eax
	jz 2f
	or $0x40, %cl
2:	cmpw $0, gp_count
	je 3f
	or $0x80, %cl
3:	mov %cl, %al
	outb %al, $PORT_RESULT
	inc %si
	cmp $32, %si
	jb 1b
	/* The same registers at the end under any hypervisor */
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	PUTS done
	HALT

	SKIP_HANDLER gp_handler, 3, gp_count
	GUEST_LIB
gp_count:	.word 0
done:		.asciz "cr4_bits done\n"
