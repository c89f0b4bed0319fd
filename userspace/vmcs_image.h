/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcs_image - a userspace snapshot of a VMCS: one value per field of
 * include/uapi/hvlab_vmcs_fields.h, read with HVLAB_GET_VMCS. hvctl vmcs
 * prints it, hvctl explain checks it, hvctl step diffs it.
 */
#ifndef HV_VMCS_IMAGE_H
#define HV_VMCS_IMAGE_H

#include <stdint.h>
#include "../include/uapi/hvlab_vmcs_fields.h"

struct hv_vm;

enum {
#define X(enc, name) HV_VMCS_IDX_##name,
	HVLAB_VMCS_FIELDS(X)
#undef X
	HV_VMCS_NFIELDS
};

struct hv_vmcs_field_info {
	uint32_t encoding;
	const char *name;	/* "GUEST_CR0", as in the SDM, upper case */
};

extern const struct hv_vmcs_field_info hv_vmcs_fields[HV_VMCS_NFIELDS];

struct hv_vmcs {
	uint64_t value[HV_VMCS_NFIELDS];
	uint8_t supported[HV_VMCS_NFIELDS];	/* 0: this CPU has no such field */
	uint8_t hidden[HV_VMCS_NFIELDS];	/* a host address the kernel withheld (value 0) */
};

/* Index into hv_vmcs_fields[] of an encoding or a name; -1 if unknown. */
int hv_vmcs_index(uint32_t encoding);
int hv_vmcs_index_by_name(const char *name);	/* case-insensitive */

/* The value of a field by encoding (0 if unknown or unsupported). */
uint64_t hv_vmcs_get(const struct hv_vmcs *vmcs, uint32_t encoding);
/* Change a field in the snapshot; -1 if hvctl does not know it. */
int hv_vmcs_set(struct hv_vmcs *vmcs, uint32_t encoding, uint64_t value);

/* "control", "exit information", "guest state", "host state" */
const char *hv_vmcs_area_name(uint32_t encoding);
/* 16, 32, 64, or 0 for natural width */
unsigned int hv_vmcs_width_bits(uint32_t encoding);

/*
 * Read every field of the vCPU's VMCS (HVLAB_GET_VMCS) / write guest-state
 * fields (HVLAB_SET_VMCS). 0 or -errno.
 */
int hv_vmcs_read(struct hv_vm *vm, struct hv_vmcs *vmcs);
int hv_vmcs_write(struct hv_vm *vm, const uint32_t *encodings, const uint64_t *values,
		  unsigned int count);

#endif
