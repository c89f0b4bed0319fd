/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcall: hypercalls, handled in the kernel (docs/hypercalls.md). Asks for the
 * API version, makes an echo round trip and calls an unknown function,
 * which must return -ENOSYS. Prints "vmcall ok" or a reason.
 */
#include "guest.h"

start:
	mov $HVLAB_HC_GET_API_VERSION, %eax
	vmcall
	cmp $HVLAB_API_VERSION, %eax
	jne bad
	mov $HVLAB_HC_ECHO, %eax
	mov $41, %ebx
	vmcall
	cmp $42, %eax
	jne bad
	mov $0x1234, %eax	/* no such function */
	vmcall
	cmp $HVLAB_HC_ENOSYS, %eax
	jne bad
	GUEST_END "vmcall ok", "vmcall: unexpected result"
