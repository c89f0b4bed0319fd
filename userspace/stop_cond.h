/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stop_cond - the conditions of hvctl step's "until" and --until:
 * "exit=IO,port=0x3f8", "gpa=0xb8000", "rip=0x7c10", ... Every key given
 * must match (AND); an exit is checked as it comes, including exits that
 * the kernel handles. Pure functions, unit-tested on the host.
 */
#ifndef HV_STOP_COND_H
#define HV_STOP_COND_H

#include <stddef.h>
#include <stdint.h>

#define HV_COND_EXIT	(1u << 0)	/* exit=NAME */
#define HV_COND_PORT	(1u << 1)	/* port=N: an I/O exit to or from that port */
#define HV_COND_GPA	(1u << 2)	/* gpa=ADDR: an EPT violation/misconfig or MMIO at ADDR */
#define HV_COND_RIP	(1u << 3)	/* rip=ADDR: the exiting instruction is at ADDR */

struct hv_stop_cond {
	unsigned int keys;		/* HV_COND_* */
	int vmx_reason;			/* exit=: a VMX basic exit reason, or -1 */
	int run_exit;			/* exit=: an enum hvlab_exit (MMIO, STEP, ...), or -1 */
	uint32_t port;
	uint64_t gpa;
	uint64_t rip;
	char text[96];			/* as written, for messages */
};

/* What an exit offers to be matched. */
struct hv_exit_view {
	uint32_t vmx_reason;		/* basic exit reason (bits 15:0) */
	uint32_t run_exit;		/* enum hvlab_exit */
	int has_port;
	uint32_t port;
	int has_gpa;
	uint64_t gpa;
	uint64_t rip;
};

/* 0, or -1 with err saying what to write instead. */
int hv_stop_cond_parse(const char *text, struct hv_stop_cond *cond, char *err, size_t errlen);
int hv_stop_cond_match(const struct hv_stop_cond *cond, const struct hv_exit_view *exit);

#endif
