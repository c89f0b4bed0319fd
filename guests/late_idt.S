/* SPDX-License-Identifier: GPL-2.0 */
/*
 * late_idt: an interrupt whose delivery faults in the EPT. The guest moves
 * its interrupt vector table into the hole at 0xc0000, where hvctl has no
 * memory, tells the test where its handler is (port 0x80), and halts with
 * interrupts on. The test injects an interrupt: reading the IVT entry
 * exits with the event in the IDT-vectoring information, and hvlab stops
 * with HVLAB_EXIT_MEMORY_FAULT. The test then maps a page there with the
 * IVT entry filled in, and the same interrupt is delivered again.
 * Prints "late idt ok" from the handler.
 */
#include "guest.h"

#define IRQ_VECTOR	0x20

start:
	lidt ivt_pointer
	mov $irq_handler, %ax
	outw %ax, $0x80		/* where the test should point the vector */
	sti
1:	hlt			/* wait for the interrupt */
	jmp 1b

irq_handler:
	GUEST_END "late idt ok", "late idt: unreachable"

ivt_pointer:
	.word 0x3ff		/* limit: 256 4-byte vectors */
	.long 0xc0000		/* base, in the hole */
