/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry_check - the checks VM entry performs on a VMCS (SDM Vol. 3,
 * 27.2 controls and host state, 27.3 guest state), run in userspace over
 * a struct hv_vmcs snapshot: hvctl explain says which one a VMCS breaks,
 * in words, before or after a failed VM entry.
 *
 * A pure function of the snapshot and the capability MSRs: it reads no
 * memory, so the checks that need memory (the virtual-APIC page's TPR,
 * MSR-load list entries, the VMCS link pointer's revision, PDPTEs read
 * through CR3 without EPT) are not made; docs/entry-checks.md lists them.
 */
#ifndef HV_ENTRY_CHECK_H
#define HV_ENTRY_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "../include/uapi/hvlab.h"
#include "vmcs_image.h"

/* How VM entry reports a failed check (SDM 31.4, 27.8). */
enum hv_entry_outcome {
	HV_ENTRY_FAIL_CONTROLS = 7,	/* VMfailValid, VM-instruction error 7 */
	HV_ENTRY_FAIL_HOST = 8,		/* VMfailValid, VM-instruction error 8 */
	HV_ENTRY_FAIL_GUEST = 33,	/* VM exit, reason 33 | 0x80000000 */
};

/* One check of the catalogue. */
struct hv_entry_check {
	const char *id;		/* stable: "guest.cr0.fixed0", "ctl.pin.allowed1" */
	const char *section;	/* SDM Vol. 3 section, "27.3.1.1" */
	enum hv_entry_outcome outcome;
	int qualification;	/* exit qualification for 33 (SDM 27.8); -1: none defined (0) */
	const char *rule;	/* the rule in words */
	const char *hint;	/* one line: how to fix it */
};

/* What the checker needs besides the VMCS. */
struct hv_entry_env {
	struct hvlab_vmx_caps caps;
	unsigned int phys_bits;		/* MAXPHYADDR (CPUID 0x80000008 EAX[7:0]) */
	unsigned int linear_bits;	/* CPUID 0x80000008 EAX[15:8]: 48, or 57 where the CPU has LA57 */
	int host_in_ia32e;		/* the host runs in IA-32e mode (64-bit Linux: 1) */
};

#define HV_ENTRY_MAX_FAILURES	32

struct hv_entry_failure {
	const struct hv_entry_check *check;
	char fields[240];	/* "GUEST_CR0=0x30 (IA32_VMX_CR0_FIXED0=0x80000021)" */
};

struct hv_entry_report {
	unsigned int checks_run;	/* checks that applied to this VMCS */
	unsigned int nfailures;		/* all failures, even past HV_ENTRY_MAX_FAILURES */
	struct hv_entry_failure failures[HV_ENTRY_MAX_FAILURES];
};

/*
 * Run every check in the SDM's order: controls, host state, guest state.
 * Fills @report (first failure first) and returns the number of failures.
 * Every check runs, even after a failure: the CPU stops at its first,
 * which is failures[0] (a failed control check hides the host- and
 * guest-state ones from the CPU, not from the report).
 */
unsigned int hv_entry_check(const struct hv_vmcs *vmcs, const struct hv_entry_env *env,
			    struct hv_entry_report *report);

/* The catalogue: every check the explainer knows, in order. */
const struct hv_entry_check *hv_entry_checks(unsigned int *count);
const struct hv_entry_check *hv_entry_check_by_id(const char *id);

/* The env of this machine: caps from HVLAB_GET_VMX_CAPS, CPUID for the rest. */
void hv_entry_env_init(struct hv_entry_env *env, const struct hvlab_vmx_caps *caps);

/* "7 (VM-instruction error 7: invalid control field)" etc. */
const char *hv_entry_outcome_name(enum hv_entry_outcome outcome);

/* Human-readable and JSON reports. */
void hv_entry_report_print(FILE *out, const struct hv_entry_report *report);
void hv_entry_report_json(FILE *out, const struct hv_entry_report *report);

#endif
