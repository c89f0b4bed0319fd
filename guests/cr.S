/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cr: control registers behind guest/host masks and read shadows.
 * CR0.NE, CD and NW and CR4.VMXE are owned by hvlab (VMX forces NE and
 * VMXE on, and keeps caching on), so a MOV to CR0/CR4 that changes them
 * exits (reason 28) and hvlab emulates it: the guest then reads back what
 * it wrote, from the read shadow, without another exit. Setting CR4.VMXE
 * or CR0.NW without CD is refused with #GP, as a CPU without VMX would.
 * Prints "cr ok" or "cr bad".
 */
#include "guest.h"

#define GP_VECTOR	13
#define CR0_NE		0x20
#define CR0_NW		0x20000000
#define CR0_CD		0x40000000
#define CR4_VMXE	0x2000

start:
	xor %ax, %ax
	mov %ax, %ds
	movw $gp_handler, GP_VECTOR * 4
	movw $0, GP_VECTOR * 4 + 2

	mov %cr0, %eax
	test $CR0_NE, %eax	/* the shadow says NE = 0, as after reset */
	jnz bad
	or $CR0_NE, %eax
	mov %eax, %cr0		/* exit 1: NE is host-owned */
	mov %cr0, %eax		/* no exit: read from the shadow */
	test $CR0_NE, %eax
	jz bad
	or $CR0_CD, %eax
	mov %eax, %cr0		/* exit 2 */
	mov %cr0, %eax
	test $CR0_CD, %eax
	jz bad
	and $~CR0_CD, %eax
	mov %eax, %cr0		/* exit 3 */
	or $CR0_NW, %eax
	mov %eax, %cr0		/* exit 4: NW without CD -> #GP */
	mov %cr0, %eax
	test $CR0_NW, %eax
	jnz bad

	mov %cr4, %eax
	or $CR4_VMXE, %eax
	mov %eax, %cr4		/* exit 5: no VMX in the guest -> #GP */
	mov %cr4, %eax
	test $CR4_VMXE, %eax	/* the shadow still says 0 */
	jnz bad

	cmpw $2, gp_count
	jne bad
	GUEST_END "cr ok", "cr bad"

/* #GP: count it and skip the 3-byte MOV to CR that caused it. */
	SKIP_HANDLER gp_handler, 3, gp_count

gp_count: .word 0
