/* SPDX-License-Identifier: GPL-2.0 */
/*
 * step - hvctl step, a debugger at the granularity of VM exits: it stops
 * at exits, shows each one decoded with the instruction and what changed,
 * and takes commands (next, continue, until COND, stepi, regs, vmcs, x,
 * dis, save, quit) from a terminal, stdin or --commands. docs/hvctl.md.
 */
#ifndef HVCTL_STEP_H
#define HVCTL_STEP_H

#include "stop_cond.h"

struct session;

#define STEP_MAX_UNTIL	16

/* What the command line asked of hvctl step. */
struct step_config {
	long count;			/* --count: end after this many stops (0: no limit) */
	int json;			/* --json: one JSON object per stop */
	const char *save_state;		/* --save-state: the state at the last stop */
	const char *commands;		/* --commands 'cmd; cmd': instead of stdin */
	unsigned int nuntil;		/* --until: stop only at exits that match one */
	struct hv_stop_cond until[STEP_MAX_UNTIL];
};

/* Option parsing: 0, or -1 after printing what is wrong to stderr. */
int step_add_until(struct step_config *cfg, const char *text);
int step_check_commands(const char *commands);

/* Run the session's VM under the debugger; returns hvctl's exit status. */
int step_loop(struct session *s);

#endif
