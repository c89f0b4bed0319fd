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
#define HVLAB_HC_ENOSYS			(-38)	/* unknown function, as -ENOSYS */

#endif
