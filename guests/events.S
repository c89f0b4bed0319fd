/* SPDX-License-Identifier: GPL-2.0 */
/*
 * events: interrupts, NMIs and exceptions injected by userspace
 * (HVLAB_INJECT), and the window exits that make them wait.
 * The test injects at the guest's port writes:
 *   0x80  an interrupt (vector 0x40) while IF = 0: it must wait for the
 *         guest's STI, past the STI shadow: interrupt window (exit 7)
 *   0x81  an NMI: taken at once
 *   0x82  (from inside the NMI handler) a second NMI: blocked until the
 *         handler's IRET: NMI window (exit 8)
 *   0x83  #UD (6): delivered as a fault at the next instruction
 * Prints "events ok" or a reason.
 */
#include "guest.h"

#define IRQ_VECTOR	0x40

start:
	cli
	movw $irq_handler, IRQ_VECTOR * 4	/* the real-mode IVT at 0 */
	movw $0, IRQ_VECTOR * 4 + 2
	movw $nmi_handler, 2 * 4
	movw $0, 2 * 4 + 2
	movw $ud_handler, 6 * 4
	movw $0, 6 * 4 + 2

	outb %al, $0x80		/* interrupt injected now, but IF = 0 */
	nop
	cmpw $0, irq_count	/* so it has not arrived */
	jne bad
	sti
	nop			/* the STI shadow: still blocked */
	cli			/* the window exit comes before this one */
	cmpw $1, irq_count
	jne bad

	outb %al, $0x81		/* NMI: its handler asks for a second one */
	cmpw $2, nmi_count
	jne bad
	cmpw $0, nmi_nested
	jne bad

	outb %al, $0x83		/* #UD */
	cmpw $1, ud_count
	jne bad
	GUEST_END "events ok", "events: an event came at the wrong time"

irq_handler:
	incw irq_count
	iret

nmi_handler:
	incw nmi_count
	cmpw $1, nmi_count
	jne 1f
	outb %al, $0x82		/* a second NMI, while NMIs are blocked */
	nop
	cmpw $1, nmi_count	/* not delivered inside this handler */
	je 1f
	incw nmi_nested
1:	iret

ud_handler:
	incw ud_count
	iret

irq_count:	.word 0
nmi_count:	.word 0
nmi_nested:	.word 0
ud_count:	.word 0
