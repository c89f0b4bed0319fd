/* SPDX-License-Identifier: GPL-2.0 */
/*
 * triple_fault: with an empty IDT, INT3 cannot be delivered (#GP), the #GP
 * cannot be delivered (#DF), and the #DF cannot either: a triple fault,
 * which hvlab reports as a shutdown.
 */
#include "guest.h"

start:
	lidt empty_idt
	int3
	PUTS survived		/* not reached */
	HALT

	GUEST_LIB
empty_idt:
	.word 0			/* limit 0: no vector fits */
	.long 0
survived: .asciz "triple_fault: still alive?\n"
