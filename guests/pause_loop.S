/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pause_loop: a spin-wait of 20000 PAUSEs, like a guest waiting for a
 * lock another vCPU holds. With hvctl run --intercept pause-loop the CPU
 * notices the loop and exits (40) once it has spun longer than the PLE
 * window, so a hypervisor could run something useful instead; hvlab just
 * resumes. Prints "pause loop ok".
 */
#include "guest.h"

start:
	mov $20000, %cx
1:	pause
	dec %cx
	jnz 1b
	GUEST_END "pause loop ok", "pause loop: unreachable"
