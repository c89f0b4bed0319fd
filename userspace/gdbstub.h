/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gdbstub - hvctl gdb: a GDB remote-protocol server for one hvlab guest,
 * on 127.0.0.1, for one gdb at a time (docs/hvctl.md, "gdb").
 */
#ifndef GDBSTUB_H
#define GDBSTUB_H

/* hvctl gdb [--port N] [--mem SIZE] GUEST; argv[0] is "gdb". */
int hv_gdb_main(int argc, char **argv);

#endif
