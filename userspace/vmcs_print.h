/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcs_print - a VMCS snapshot in words (hvctl vmcs, the step prompt's
 * `vmcs` command): every field by group, with the bits of controls,
 * control registers, RFLAGS, EFER, access rights and event fields named.
 */
#ifndef HV_VMCS_PRINT_H
#define HV_VMCS_PRINT_H

#include <stddef.h>
#include <stdio.h>
#include "vmcs_image.h"

/*
 * A group name ("control", "exit", "guest", "host", or "all") as a mask
 * of (1 << HVLAB_VMCS_AREA_*); 0 if the name is unknown.
 */
unsigned int hv_vmcs_group_mask(const char *name);

/* What a field's value means, e.g. "PE ET NE PG" for GUEST_CR0; "" if nothing. */
const char *hv_vmcs_describe(uint32_t encoding, uint64_t value, char *buf, size_t len);

/* One line per supported field of the groups in @mask. */
void hv_vmcs_print(FILE *out, const struct hv_vmcs *vmcs, unsigned int mask);
/* One JSON object: {"GUEST_CR0":{"value":"0x...","area":"guest state","meaning":"..."},...} */
void hv_vmcs_print_json(FILE *out, const struct hv_vmcs *vmcs, unsigned int mask);

#endif
