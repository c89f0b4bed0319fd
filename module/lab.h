/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab.h - what the course's stubs call (labs/README.md).
 *
 * In a lab's handout, each function the student writes is a stub that
 * says so when it is reached, and leaves the host as it was: no hang, no
 * leak, no WARN. A stub on an exit path ends the guest's VM with a reason
 * string, as any guest hvlab cannot run is ended (HVLAB_EXIT_INTERNAL_ERROR,
 * which hvctl prints); a stub on an ioctl path fails the ioctl. Either way
 * the message is "not implemented (lab N): function", which the grader
 * and a student's eye can find. No new exit code in the ABI: a stub is
 * one more reason a VM cannot go on.
 *
 * The reference tree compiles these too, unused, so that a stub always
 * builds.
 */
#ifndef HVLAB_LAB_H
#define HVLAB_LAB_H

#include "hvlab.h"

/* A stub on an ioctl or setup path: fail it with -EOPNOTSUPP, and say why. */
static inline int hvlab_todo(int lab, const char *fn)
{
	pr_warn_ratelimited(HVLAB_MSG_PREFIX "%s: not implemented (lab %d)\n", fn, lab);
	return -EOPNOTSUPP;
}

/*
 * A stub on the exit path: end this vCPU's guest with the reason
 * "not implemented (lab N): fn". Returns 0, an exit handler's "go to
 * userspace", so a handler's stub is one line:
 *	return hvlab_todo_exit(vcpu, 3, __func__);
 * A void function's stub calls it and ignores the result; the run loop
 * stops at its next iteration, before any other entry. Logged too, as
 * hvlab_todo() does, so that the grader can list every stub reached.
 */
static inline int hvlab_todo_exit(struct hvlab_vcpu *vcpu, int lab, const char *fn)
{
	/* The first stub reached is the one to write first: keep its name. */
	if (!vcpu->dead) {
		hvlab_vcpu_kill(vcpu, "not implemented (lab %d): %s", lab, fn);
		pr_info_ratelimited(HVLAB_MSG_PREFIX "%s: not implemented (lab %d)\n", fn, lab);
	}
	return 0;
}

#endif
