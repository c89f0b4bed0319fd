/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spin: eight million instructions without a single exit of its own.
 * Only the VMX-preemption timer, which hvlab arms on every VM entry,
 * takes the CPU back now and then (exit 52), so that a signal or the
 * scheduler can get a word in. Prints "spin ok" at the end.
 */
#include "guest.h"

start:
	mov $4000000, %ecx
1:	dec %ecx		/* two instructions per turn */
	jnz 1b
	GUEST_END "spin ok", "spin: unreachable"
