/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmio: touch the PC's VGA hole at 0xb8000, where hvctl maps no memory
 * (guest RAM is 0-0x9ffff and 0x100000 up, as on a PC). The store is an
 * EPT violation that hvlab decodes into a 2-byte MMIO write of 0x0748;
 * the load reads all ones back, like an empty bus.
 */
#include "guest.h"

start:
	mov $0xb800, %ax
	mov %ax, %es
	movw $0x0748, %es:0	/* 'H' in white on black, as on a real screen */
	mov %es:2, %bx		/* MMIO read: nothing there */
	cmp $0xffff, %bx
	jne bad
	GUEST_END "mmio ok", "mmio: the read did not return all ones"
