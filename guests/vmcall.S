/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcall: hypercalls, handled in the kernel (docs/abi.md). Asks for the
 * API version, makes an echo round trip and calls an unknown function,
 * which must return -ENOSYS. Prints "vmcall ok" or a reason.
 */
#include "guest.h"

#define HC_GET_API_VERSION	0
#define HC_ECHO			1

start:
	mov $HC_GET_API_VERSION, %eax
	vmcall
	cmp $1, %eax
	jne bad
	mov $HC_ECHO, %eax
	mov $41, %ebx
	vmcall
	cmp $42, %eax
	jne bad
	mov $0x1234, %eax	/* no such function */
	vmcall
	cmp $-38, %eax
	jne bad
	GUEST_END "vmcall ok", "vmcall: unexpected result"
