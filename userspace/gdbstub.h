/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gdbstub - the GDB remote serial protocol for one hvlab guest
 * (gdbstub.c), and hvctl gdb, which serves it on 127.0.0.1 for one gdb
 * at a time (commands/gdb.c; docs/hvctl.md, "gdb").
 *
 * The protocol reaches gdb and the vCPU only through struct hv_gdb_ops:
 * hvctl gdb's are a TCP socket and the HVLAB_* ioctls, the host tests'
 * and the fuzzer's (tests/fuzz/fuzz_gdb.c) are a buffer and a fake vCPU.
 * Guest memory is read and written directly, through vm->mem.
 */
#ifndef GDBSTUB_H
#define GDBSTUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/libhvlab.h"

#define GDB_PACKET_SIZE		0x4000	/* what qSupported offers */
#define GDB_MAX_BREAKPOINTS	64
#define GDB_MAX_WATCHPOINTS	4	/* as x86's debug registers */

/* hvctl's exit status (hvctl.h) when gdb killed the guest or went away */
#define STATUS_KILLED		STATUS_INTERRUPTED

/* Why the guest stopped running. */
enum hv_gdb_stop {
	GDB_STOP_STEP,		/* SIGTRAP: one instruction done */
	GDB_STOP_BREAKPOINT,	/* SIGTRAP at one of ours */
	GDB_STOP_WATCHPOINT,	/* SIGTRAP after an access to hv_gdb.watch_hit */
	GDB_STOP_INTERRUPT,	/* SIGINT: Ctrl-C */
	GDB_STOP_ENDED,		/* the guest is over: hv_gdb.status */
	GDB_STOP_ERROR,		/* HVLAB_RUN failed */
};

struct hv_gdb;

struct hv_gdb_ops {
	/* Up to len bytes from gdb: how many, or <= 0 when it has gone. */
	ssize_t (*recv)(struct hv_gdb *g, char *buf, size_t len);
	/* All of buf to gdb: 0, or -1 when it has gone. */
	int (*send)(struct hv_gdb *g, const char *buf, size_t len);
	/* The vCPU's registers: 0, or -1 with errno set. */
	int (*get_regs)(struct hv_gdb *g, struct hvlab_regs *regs);
	int (*set_regs)(struct hv_gdb *g, const struct hvlab_regs *regs);
	int (*get_sregs)(struct hv_gdb *g, struct hvlab_sregs *sregs);
	/* The XSAVE image (HVLAB_GET_FPU): 0, or -1. NULL: x87/SSE unavailable. */
	int (*get_fpu)(struct hv_gdb *g, struct hvlab_fpu *fpu);
	/*
	 * Run the guest: one instruction with step, else until one of our
	 * breakpoints, a Ctrl-C from gdb or its end (then set ended and
	 * status). What else gdb sends meanwhile goes on in[]; if gdb went
	 * away, set gdb_gone.
	 */
	enum hv_gdb_stop (*run)(struct hv_gdb *g, int step);
	/* D, with the breakpoints removed: run the guest to its end; its exit status. */
	int (*detach)(struct hv_gdb *g);
	/*
	 * gdb's `monitor CMD` (qRcmd): what to print, in out (NUL-ended).
	 * NULL: hvctl has no monitor commands for this target.
	 */
	void (*monitor)(struct hv_gdb *g, const char *cmd, char *out, size_t len);
	/*
	 * Give the guest exactly @rights (HVLAB_MEM_ATTR_*) to the RAM page
	 * at @gpa: 0, or -1. NULL: no watchpoints (Z2-Z4 unsupported).
	 */
	int (*protect)(struct hv_gdb *g, uint64_t gpa, uint32_t rights);
};

/* Z2, Z3, Z4: what a watchpoint stops at */
enum hv_gdb_watch_kind {
	GDB_WATCH_WRITE = 2,
	GDB_WATCH_READ = 3,
	GDB_WATCH_ACCESS = 4,
};

struct hv_gdb_watchpoint {
	int used;
	enum hv_gdb_watch_kind kind;
	uint64_t addr;		/* linear, as gdb gave it */
	uint64_t gpa;		/* the first byte's; all of them in that page */
	uint64_t len;
};

struct hv_gdb_breakpoint {
	int used;
	uint64_t addr;		/* linear, as gdb gave it */
	uint64_t gpa;		/* where the INT3 is */
	uint8_t saved;		/* the guest's byte there */
};

struct gdb_reg;

struct hv_gdb {
	struct hv_vm *vm;	/* guest RAM, for m, M and Z0 */
	const struct hv_gdb_ops *ops;
	void *priv;		/* the ops' own */
	const struct gdb_reg *regs;	/* gdb's register layout for the guest's mode */
	size_t nregs;
	char *xml;		/* the target description */
	int no_ack;		/* after QStartNoAckMode */
	int swbreak;		/* gdb takes "swbreak": RIP stays at the INT3 */
	struct hv_gdb_breakpoint bp[GDB_MAX_BREAKPOINTS];
	struct hv_gdb_watchpoint wp[GDB_MAX_WATCHPOINTS];
	const struct hv_gdb_watchpoint *watch_hit;	/* GDB_STOP_WATCHPOINT's */
	int execute_only;	/* a page may be execute-only (HVLAB_CAP_EPT_EXECUTE_ONLY) */

	/* bytes from gdb not yet parsed; ops->run may add to them */
	char in[2 * GDB_PACKET_SIZE];
	size_t in_pos, in_len;

	int gdb_gone;		/* set by ops->run */
	int ended;		/* set by ops->run: the guest has ended, with hvctl's status */
	int status;
};

/* Make g a fresh session for a guest of this format: 0, or -1 if out of memory. */
int hv_gdb_init(struct hv_gdb *g, struct hv_vm *vm, enum hv_guest_format format,
		const struct hv_gdb_ops *ops, void *priv);
void hv_gdb_release(struct hv_gdb *g);

/* Answer gdb until it kills or detaches, or the guest ends: hvctl's exit status. */
int hv_gdb_serve(struct hv_gdb *g);

/* Our breakpoint at linear address addr, or NULL. */
struct hv_gdb_breakpoint *hv_gdb_breakpoint_at(struct hv_gdb *g, uint64_t addr);

/*
 * The rights the watchpoints leave the guest on the page at @page: no
 * write under a write watchpoint, nothing but execute (where pages may be
 * execute-only) under a read or access one.
 */
uint32_t hv_gdb_page_rights(const struct hv_gdb *g, uint64_t page);
/*
 * The watchpoint an access at @gpa (a write, or a read) hits, or NULL.
 * The exit gives where an access starts, not its size: any watched byte
 * within 8 bytes of it counts, and gdb checks a write watchpoint's value.
 */
const struct hv_gdb_watchpoint *hv_gdb_watch_hit(const struct hv_gdb *g, uint64_t gpa,
						 int write);

/* hvctl gdb [--port N] [--mem SIZE] GUEST; argv[0] is "gdb" (commands/gdb.c). */
int hv_gdb_main(int argc, char **argv);

#endif
