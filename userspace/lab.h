/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lab.h - what the course's userspace stubs call (labs/README.md), as
 * module/lab.h for the module: a stub says which function is missing and
 * fails, leaving everything as it was.
 */
#ifndef HVLAB_USERSPACE_LAB_H
#define HVLAB_USERSPACE_LAB_H

#include <errno.h>
#include <stdio.h>

/* A helper only a lab's code calls: its stub leaves it unused (labs/README.md) */
#ifndef __maybe_unused
#define __maybe_unused	__attribute__((unused))
#endif

/* Returns -ENOSYS, the "not implemented" of a system call. */
static inline int lab_todo(int lab, const char *fn)
{
	fprintf(stderr, "not implemented (lab %d): %s\n", lab, fn);
	return -ENOSYS;
}

/*
 * The same, said once per function: for a stub on a path the run loop
 * takes at every exit (a device's interrupt logic), whose message would
 * otherwise flood the terminal.
 */
static inline int lab_todo_once(int lab, const char *fn)
{
	static const char *said[16];
	unsigned int i;

	for (i = 0; i < sizeof(said) / sizeof(said[0]) && said[i]; i++)
		if (said[i] == fn)
			return -ENOSYS;
	if (i < sizeof(said) / sizeof(said[0]))
		said[i] = fn;
	return lab_todo(lab, fn);
}

#endif
