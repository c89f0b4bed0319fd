/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dr: debug registers. Every MOV to or from DR0-DR7 exits (reason 29) and
 * hvlab keeps the values in software, so the guest reads back what it
 * wrote, and DR6/DR7 show their fixed bits. Prints "dr ok" or "dr bad".
 */
#include "guest.h"

start:
	mov $0x12345678, %eax
	mov %eax, %dr0		/* exit 1 */
	mov %dr0, %ebx		/* exit 2 */
	cmp %eax, %ebx
	jne bad
	mov %dr7, %eax		/* exit 3: 0x400 after reset */
	cmp $0x400, %eax
	jne bad
	mov $0x1, %eax		/* L0: would arm DR0 on real hardware */
	mov %eax, %dr7		/* exit 4 */
	mov %dr7, %ecx		/* exit 5: bit 10 reads as 1 */
	cmp $0x401, %ecx
	jne bad
	mov %dr6, %edx		/* exit 6 */
	cmp $0xffff0ff0, %edx
	jne bad
	GUEST_END "dr ok", "dr bad"
