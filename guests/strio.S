/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strio: string I/O. OUTSB/OUTSW/OUTSD and INSB/INSW/INSD, with and
 * without REP, forwards and backwards (DF), with 16- and 32-bit address
 * sizes, a segment override, elements that straddle a page boundary, and
 * REP with a count of 0. hvlab moves one element per exit; this guest
 * checks what the instructions left in memory and in rSI, rDI and rCX.
 * Port 0xe9 reads as 0xe9, port 0x80 as all ones (see tests/vm/hvtest.h).
 * Prints "strio ok", or "strio: " and what went wrong.
 */
#include "guest.h"

#define NOISE_PORT	0x80
#define PAGE_EDGE	0x8ffe		/* a dword here straddles 0x9000 */

/* After a CMP: unless it found equality, print "strio: \what" and stop. */
.macro CHECK what
	je 8f
	mov $9f, %si
	jmp fail
9:	.asciz "strio: \what\n"
8:
.endm

start:
	cld
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es

	/* REP OUTSB to the console: one exit per byte, all at this RIP */
	mov $DEBUG_PORT, %dx
	mov $banner, %si
	mov $banner_end - banner, %cx
	rep outsb
	cmp $banner_end, %si
	CHECK "rep outsb: SI"
	test %cx, %cx
	CHECK "rep outsb: CX"

	/* OUTSW, OUTSD without REP: SI moves up by the element size */
	mov $NOISE_PORT, %dx
	mov $words, %si
	outsw				/* 0x1234 */
	outsl				/* 0x89abcdef */
	cmp $words + 6, %si
	CHECK "outsw/outsl: SI"

	/* REP OUTSW with DF=1: from the last element down */
	std
	mov $pair + 2, %si
	mov $2, %cx
	rep outsw			/* 0x2222, then 0x1111 */
	cld
	cmp $pair - 2, %si
	CHECK "std; rep outsw: SI"
	test %cx, %cx
	CHECK "std; rep outsw: CX"

	/* 16-bit address size: SI and CX count, the upper halves stay */
	mov $0xabcd0000 + dwords, %esi
	mov $0x00050001, %ecx
	rep outsb			/* one byte: 0x44 */
	cmp $0xabcd0000 + dwords + 1, %esi
	CHECK "rep outsb: ESI[31:16] changed"
	cmp $0x00050000, %ecx
	CHECK "rep outsb: ECX[31:16] changed"

	/* 32-bit address size (addr32): ESI and ECX, no 16-bit wrap */
	mov $dwords, %ax		/* 16-byte aligned: DS:0 = dwords */
	shr $4, %ax
	mov %ax, %ds
	mov $4, %esi
	mov $2, %ecx
	std
	rep outsl (%esi), (%dx)		/* 0x88776655, then 0x11223344 */
	cld
	xor %ax, %ax
	mov %ax, %ds
	cmp $0xfffffffc, %esi		/* 4 - 2 * 4, as 32 bits */
	CHECK "addr32 rep outsl: ESI"
	test %ecx, %ecx
	CHECK "addr32 rep outsl: ECX"

	/* A segment override: FS:SI, not DS:SI */
	mov $fs_byte, %ax		/* 16-byte aligned: FS:0 = fs_byte */
	shr $4, %ax
	mov %ax, %fs
	xor %si, %si
	outsb %fs:(%si), (%dx)		/* 0x5a */
	cmp $1, %si
	CHECK "fs outsb: SI"

	/* INSB from the console port: 0xe9 at ES:DI */
	mov $DEBUG_PORT, %dx
	mov $inbuf, %di
	insb
	cmp $inbuf + 1, %di
	CHECK "insb: DI"
	cmpb $0xe9, inbuf
	CHECK "insb: the byte"

	/* REP INSW from an unclaimed port: three words of all ones */
	mov $NOISE_PORT, %dx
	mov $3, %cx
	rep insw
	cmp $inbuf + 7, %di
	CHECK "rep insw: DI"
	test %cx, %cx
	CHECK "rep insw: CX"
	cmpl $0xffffffff, inbuf + 1
	CHECK "rep insw: the data"
	cmpw $0xffff, inbuf + 5
	CHECK "rep insw: the data"
	cmpb $0, inbuf + 7
	CHECK "rep insw: wrote past the end"

	/* REP INSD with DF=1: 0xe9 as a dword, from the top down */
	mov $DEBUG_PORT, %dx
	mov $dbuf + 4, %di
	mov $2, %cx
	std
	rep insl
	cld
	cmp $dbuf - 4, %di
	CHECK "std; rep insd: DI"
	cmpl $0xe9, dbuf
	CHECK "std; rep insd: dbuf[0]"
	cmpl $0xe9, dbuf + 4
	CHECK "std; rep insd: dbuf[1]"

	/* addr32 INSW: EDI */
	mov $inbuf2, %edi
	insw (%dx), %es:(%edi)
	cmp $inbuf2 + 2, %edi
	CHECK "addr32 insw: EDI"
	cmpw $0xe9, inbuf2
	CHECK "addr32 insw: the word"

	/* Dwords across a page boundary, both ways */
	movl $0x11223344, PAGE_EDGE
	mov $NOISE_PORT, %dx
	mov $PAGE_EDGE, %si
	outsl				/* 0x11223344 */
	mov $DEBUG_PORT, %dx
	mov $PAGE_EDGE, %di
	insl				/* 0x000000e9 */
	cmpl $0xe9, PAGE_EDGE
	CHECK "insd across a page: the dword"

	/* REP with a count of 0 exits, and moves nothing */
	xor %cx, %cx
	mov $banner, %si
	rep outsb
	cmp $banner, %si
	CHECK "rep outsb, CX=0: SI moved"
	mov $inbuf, %di
	rep insb
	cmp $inbuf, %di
	CHECK "rep insb, CX=0: DI moved"
	cmpb $0xe9, inbuf
	CHECK "rep insb, CX=0: wrote"

	PUTS ok
	HALT
fail:
	call guest_puts
	EXIT EXIT_FAILURE_VALUE
	GUEST_LIB

ok:	.asciz "strio ok\n"
banner:	.ascii "rep outsb says hi\n"
banner_end:
words:	.word 0x1234
	.long 0x89abcdef
pair:	.word 0x1111, 0x2222
	.balign 16
dwords:	.long 0x11223344, 0x88776655
	.balign 16
fs_byte: .byte 0x5a
inbuf:	.fill 8, 1, 0
dbuf:	.fill 8, 1, 0
inbuf2:	.fill 2, 1, 0
