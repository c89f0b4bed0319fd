/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gdbstub - hvctl gdb: a GDB remote-protocol server for one hvlab guest,
 * on 127.0.0.1, for one gdb at a time (docs/hvctl.md, "gdb").
 */
#ifndef GDBSTUB_H
#define GDBSTUB_H

#include "libhvlab.h"

/*
 * What hvctl run does with an exit that is the guest's own business (its
 * console, exit port, HLT, a crash): hvctl.c passes its handler in, so
 * that a guest under gdb meets the same devices. Returns 1 once the guest
 * has ended, with the exit status hvctl run would give in *status.
 */
typedef int (*hv_guest_exit_fn)(struct hv_vm *vm, int *status);

/* hvctl gdb [--port N] [--mem SIZE] GUEST; argv[0] is "gdb". */
int hv_gdb_main(int argc, char **argv, hv_guest_exit_fn guest_exit);

#endif
