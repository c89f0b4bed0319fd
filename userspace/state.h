/* SPDX-License-Identifier: GPL-2.0 */
/*
 * state - a vCPU's architectural state as a JSON file that a student can
 * read, edit and replay: general registers, segments, control registers,
 * EFER, descriptor tables and a few raw guest-state VMCS fields (activity
 * state, interruptibility, ...). hvctl step --save-state writes one,
 * hvctl run --state applies one. The format is in docs/hvctl.md.
 */
#ifndef HV_STATE_H
#define HV_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "../include/uapi/hvlab.h"

struct hv_vm;

#define HV_STATE_FORMAT		"hvlab-state-1"
#define HV_STATE_MAX_VMCS	32

/* A raw guest-state VMCS field; its name comes from hv_vmcs_fields[]. */
struct hv_state_field {
	uint32_t encoding;
	uint64_t value;
};

struct hv_state {
	struct hvlab_regs regs;
	struct hvlab_sregs sregs;
	unsigned int nvmcs;
	struct hv_state_field vmcs[HV_STATE_MAX_VMCS];
};

/*
 * The raw fields hv_state_capture() records: guest state that neither
 * struct hvlab_regs nor struct hvlab_sregs holds.
 */
extern const uint32_t hv_state_vmcs_encodings[];
extern const unsigned int hv_state_vmcs_count;

/*
 * Read a state file. 0, or -1 with err saying what is wrong and where
 * ("state.json: line 4: \"rip\": expected a hex string such as \"0x7c00\"").
 * *st is written only on success.
 */
int hv_state_load(const char *path, struct hv_state *st, char *err, size_t errlen);
/* The same from a string (name is used in messages). */
int hv_state_parse(const char *text, const char *name, struct hv_state *st,
		   char *err, size_t errlen);

/* Write the state as JSON; 0 or -errno. */
int hv_state_save(const char *path, const struct hv_state *st);
void hv_state_write(FILE *out, const struct hv_state *st);

/*
 * The vCPU's state now. The VMCS fields need HVLAB_GET_VMCS; where the
 * module lacks it (an older hvlab.ko), st->nvmcs is 0. 0 or -errno.
 */
int hv_state_capture(struct hv_vm *vm, struct hv_state *st);

/*
 * Make the vCPU's state st: HVLAB_SET_SREGS, HVLAB_SET_REGS, then the
 * VMCS fields with HVLAB_SET_VMCS. 0 or -errno (of the first that failed).
 */
int hv_state_apply(struct hv_vm *vm, const struct hv_state *st);

/* "code, read/execute, accessed, present, dpl 0, 16-bit", for a segment's AR bytes */
void hv_segment_flags(uint32_t access_rights, char *buf, size_t len);

/*
 * A segment's access rights changed from @old to @new: what changed, as
 * "cs type 0xb -> 0x3: code, execute/read, accessed -> data, read/write,
 * accessed" (only the type changed) or "ds: FLAGS -> FLAGS".
 */
void hv_ar_change(const char *seg, uint32_t old, uint32_t new, char *buf, size_t len);
/*
 * Why, where hvctl knows (lines split by '\n'), else NULL. @real_mode:
 * the guest's CR0.PE is 0.
 */
const char *hv_ar_change_why(const char *seg, uint32_t old, uint32_t new, int real_mode);

#endif
