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

/* Returns -ENOSYS, the "not implemented" of a system call. */
static inline int lab_todo(int lab, const char *fn)
{
	fprintf(stderr, "not implemented (lab %d): %s\n", lab, fn);
	return -ENOSYS;
}

#endif
