/* SPDX-License-Identifier: GPL-2.0 */
/*
 * io: port I/O of every size in both directions. Each OUT and IN goes to
 * userspace. Reads port 0xe9 (which answers 0xe9, as in Bochs and QEMU)
 * and the unclaimed port 0x80 (all ones), then prints what it got.
 */
#include "guest.h"

start:
	mov $0x12, %al
	outb %al, $0x80		/* byte, immediate port */
	mov $0x80, %dx
	mov $0x3456, %ax
	outw %ax, %dx		/* word, port in DX */
	mov $0x789abcde, %eax
	outl %eax, %dx		/* dword */
	inb $DEBUG_PORT, %al	/* 0xe9 */
	cmp $0xe9, %al
	jne bad
	inw %dx, %ax		/* nothing answers: 0xffff */
	cmp $0xffff, %ax
	jne bad
	inl %dx, %eax		/* 0xffffffff */
	cmp $0xffffffff, %eax
	jne bad
	GUEST_END "io ok", "io: unexpected value"
