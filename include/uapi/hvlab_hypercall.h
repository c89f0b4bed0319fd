/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvlab_hypercall.h - hvlab's hypercalls (docs/hypercalls.md): VMCALL with
 * the function number in RAX, arguments in RBX, RCX, RDX and RSI, and the
 * result in RAX.
 *
 * Plain numbers, no includes and no C: the module (through hvlab.h), the
 * C guests (guests/lib/hvguest.h) and the assembly guests (guests/guest.h)
 * all take them from here, so a new hypercall is defined once.
 */
#ifndef _UAPI_HVLAB_HYPERCALL_H
#define _UAPI_HVLAB_HYPERCALL_H

#define HVLAB_API_VERSION		1

#define HVLAB_HC_GET_API_VERSION	0	/* returns HVLAB_API_VERSION */
#define HVLAB_HC_ECHO			1	/* returns RBX + 1: a round trip */
/*
 * The paravirtual console. Addresses are guest-physical; a failure
 * returns an error below and writes nothing, to the console or the guest.
 */
#define HVLAB_HC_CONSOLE_WRITE		2	/* RBX gpa, RCX len: returns len */
#define HVLAB_HC_GET_TIME		3	/* RBX gpa of a u64: ns since the VM was made */
#define HVLAB_HC_CONSOLE_RING		4	/* RBX gpa of a ring, RCX its data size */
#define HVLAB_HC_CONSOLE_KICK		5	/* drain the ring: returns the bytes taken */

/* Results: >= 0 success; these negative numbers as Linux's errno values */
#define HVLAB_HC_EFAULT			(-14)	/* some byte is not guest RAM, or gpa + len wraps */
#define HVLAB_HC_EINVAL			(-22)	/* a length, size or alignment out of range */
#define HVLAB_HC_ENOSYS			(-38)	/* unknown function, as -ENOSYS */

/* At most this many bytes per HVLAB_HC_CONSOLE_WRITE, and per ring */
#define HVLAB_CONSOLE_MAX		4096

/*
 * The console ring in guest memory (HVLAB_HC_CONSOLE_RING): a header of
 * HVLAB_RING_DATA bytes, then SIZE bytes of data, SIZE a power of two
 * from HVLAB_RING_MIN_SIZE to HVLAB_CONSOLE_MAX; the ring is aligned to
 * HVLAB_RING_DATA. Both counters are u32 and count bytes ever written:
 * byte N lives at data[N % SIZE].
 *   produced: written by the guest after the bytes it counts;
 *   consumed: written by hvlab after each kick. hvlab keeps its own copy
 *             and never reads this one back.
 */
#define HVLAB_RING_PRODUCED		0
#define HVLAB_RING_CONSUMED		4
#define HVLAB_RING_DATA			64
#define HVLAB_RING_MIN_SIZE		64

#endif
