/* SPDX-License-Identifier: GPL-2.0 */
/*
 * numbers: the guest.h helpers that print numbers and fail a guest. Reads
 * port 0xe9, which answers 0xe9 as on Bochs and QEMU, and prints what it
 * read in hex and decimal. A host that answers anything else gets the
 * failure path: a message with the value, then exit status 3 through
 * port 0xf4 (tests/vm/guests.c tries both).
 */
#include "guest.h"

start:
	mov $DEBUG_PORT, %dx
	xor %eax, %eax
	inb %dx, %al
	mov %eax, %ebx
	cmp $DEBUG_PORT, %eax
	jne wrong_value
	PUTS read
	PUTHEX %ebx
	PUTS eq
	PUTDEC %ebx
	PUTS limits
	PUTHEX $0
	PUTS space
	PUTDEC $0
	PUTS space
	PUTDEC $0xffffffff
	PUTS newline
	GUEST_END "numbers ok", "numbers: unexpected result"

wrong_value:
	PUTS msg_wrong
	PUTHEX %ebx
	PUTS newline
	jmp bad

read:		.asciz "port 0xe9 reads "
eq:		.asciz " = "
limits:		.asciz "; limits "
space:		.asciz " "
newline:	.asciz "\n"
msg_wrong:	.asciz "numbers: port 0xe9 read "
