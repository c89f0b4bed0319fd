/* SPDX-License-Identifier: GPL-2.0 */
/* caps - print the VMX capability MSRs decoded (hvctl info). */
#ifndef HVCTL_CAPS_H
#define HVCTL_CAPS_H

#include <stdio.h>
#include "../include/uapi/hvlab.h"

struct hv_bit_name {
	unsigned int bit;
	const char *name;
};

/* The VM-execution, VM-exit and VM-entry control bits (SDM 25.6-25.8), NULL-ended */
extern const struct hv_bit_name hv_pin_bits[], hv_proc_bits[], hv_proc2_bits[],
	hv_exit_bits[], hv_entry_bits[];

void hv_print_caps(FILE *out, const struct hvlab_vmx_caps *caps);
void hv_print_caps_json(FILE *out, const struct hvlab_vmx_caps *caps);

#endif
