// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs_image.c - the VMCS field table and snapshots (vmcs_image.h).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include "lib/libhvlab.h"
#include "vmcs_image.h"

const struct hv_vmcs_field_info hv_vmcs_fields[HV_VMCS_NFIELDS] = {
#define X(enc, name) [HV_VMCS_IDX_##name] = { enc, #name },
	HVLAB_VMCS_FIELDS(X)
#undef X
};

int hv_vmcs_index(uint32_t encoding)
{
	for (int i = 0; i < HV_VMCS_NFIELDS; i++)
		if (hv_vmcs_fields[i].encoding == encoding)
			return i;
	return -1;
}

int hv_vmcs_index_by_name(const char *name)
{
	for (int i = 0; i < HV_VMCS_NFIELDS; i++)
		if (!strcasecmp(hv_vmcs_fields[i].name, name))
			return i;
	return -1;
}

uint64_t hv_vmcs_get(const struct hv_vmcs *vmcs, uint32_t encoding)
{
	int i = hv_vmcs_index(encoding);

	return i < 0 || !vmcs->supported[i] ? 0 : vmcs->value[i];
}

int hv_vmcs_set(struct hv_vmcs *vmcs, uint32_t encoding, uint64_t value)
{
	int i = hv_vmcs_index(encoding);

	if (i < 0)
		return -1;
	vmcs->value[i] = value;
	vmcs->supported[i] = 1;
	return 0;
}

const char *hv_vmcs_area_name(uint32_t encoding)
{
	static const char *const names[] = {
		"control", "exit information", "guest state", "host state",
	};

	return names[HVLAB_VMCS_AREA(encoding)];
}

unsigned int hv_vmcs_width_bits(uint32_t encoding)
{
	static const unsigned int bits[] = { 16, 64, 32, 0 };

	return bits[HVLAB_VMCS_WIDTH(encoding)];
}

int hv_vmcs_read(struct hv_vm *vm, struct hv_vmcs *vmcs)
{
	struct hvlab_vmcs_field fields[HV_VMCS_NFIELDS];
	struct hvlab_vmcs_access access = {
		.count = HV_VMCS_NFIELDS,
		.fields = (uintptr_t)fields,
	};

	memset(fields, 0, sizeof(fields));
	for (int i = 0; i < HV_VMCS_NFIELDS; i++)
		fields[i].encoding = hv_vmcs_fields[i].encoding;
	if (ioctl(vm->vcpu_fd, HVLAB_GET_VMCS, &access) < 0)
		return -errno;
	for (int i = 0; i < HV_VMCS_NFIELDS; i++) {
		vmcs->supported[i] = !(fields[i].flags & HVLAB_VMCS_FIELD_UNSUPPORTED);
		vmcs->hidden[i] = !!(fields[i].flags & HVLAB_VMCS_FIELD_HIDDEN);
		vmcs->value[i] = fields[i].value;
	}
	return 0;
}

int hv_vmcs_write(struct hv_vm *vm, const uint32_t *encodings, const uint64_t *values,
		  unsigned int count)
{
	struct hvlab_vmcs_field fields[HVLAB_VMCS_MAX_FIELDS];
	struct hvlab_vmcs_access access = { .count = count, .fields = (uintptr_t)fields };

	if (count == 0 || count > HVLAB_VMCS_MAX_FIELDS)
		return -EINVAL;
	memset(fields, 0, sizeof(fields));
	for (unsigned int i = 0; i < count; i++) {
		fields[i].encoding = encodings[i];
		fields[i].value = values[i];
	}
	return ioctl(vm->vcpu_fd, HVLAB_SET_VMCS, &access) < 0 ? -errno : 0;
}
