/* SPDX-License-Identifier: GPL-2.0 */
/*
 * explain - hvctl explain (check a vCPU's VMCS the way VM entry will) and
 * the explanation hvctl run/step print when a VM entry fails.
 */
#ifndef HV_EXPLAIN_H
#define HV_EXPLAIN_H

#include "lib/libhvlab.h"

/* hvctl explain [OPTIONS] GUEST: argv[0] is "explain". Returns an exit status. */
int hv_cmd_explain(int argc, char **argv);

/*
 * After HVLAB_EXIT_FAIL_ENTRY: read the VMCS, run the checker and print
 * which rule broke, on stderr. Prints nothing for the KVM backend.
 */
void hv_explain_failed_entry(struct hv_vm *vm);

#endif
