/* SPDX-License-Identifier: GPL-2.0 */
/*
 * walk2d - the two-dimensional walk: how the CPU translates a guest linear
 * address under EPT (SDM 29.3.2). Each guest paging-structure entry sits
 * at a guest-physical address, which the CPU first translates through
 * every level of EPT; then the final guest-physical address goes through
 * EPT once more. With 4-level guest paging under 4-level EPT that is
 * 4 x (4 + 1) + 4 = 24 memory references. The step prompt's `walk`
 * command prints it (walk_print.h).
 */
#ifndef HV_WALK2D_H
#define HV_WALK2D_H

#include <stdint.h>
#include "ept_image.h"
#include "lib/guest_mem.h"

enum hv_ept_result {
	HV_EPT_MAPPED,			/* a leaf with a host page */
	HV_EPT_VIOLATION,		/* an entry on the way is not present (exit 48) */
	HV_EPT_MISCONFIG,		/* the leaf is write-only: MMIO (exit 49) */
};

/* One guest-physical address through EPT. */
struct hv_walk_ept {
	uint64_t gpa;
	int refs;			/* EPT entries read, 0 if none was needed */
	uint64_t entry[HVLAB_EPT_LEVELS];	/* from the PML4E down, refs of them */
	uint32_t leaf_level;		/* of the leaf, when mapped */
	uint64_t hpa;			/* when mapped, and addresses are not hidden */
	enum hv_ept_result result;
};

/* One guest paging-structure entry. */
struct hv_walk_step {
	const char *name;		/* "PML4E", "PDPTE", "PDE", "PTE" */
	unsigned int index;
	uint64_t entry_gpa;		/* where the entry is */
	struct hv_walk_ept ept;		/* entry_gpa through EPT (refs 0: a PAE PDPTE register) */
	int read;			/* the entry was read: 1 reference */
	uint64_t value;
	int present;
};

enum hv_walk_fault {
	HV_WALK_OK,
	HV_WALK_GUEST_PF,		/* a guest entry not present: #PF in the guest */
	HV_WALK_EPT_VIOLATION,		/* EPT says no: exit 48 */
	HV_WALK_EPT_MISCONFIG,		/* exit 49 */
	HV_WALK_NOT_RAM,		/* a guest table outside RAM (the APIC page, ...) */
};

struct hv_walk2d {
	uint64_t gva;
	enum hv_paging paging;
	uint64_t cr3;
	int nsteps;
	struct hv_walk_step step[5];
	int translated;			/* the guest walk reached a page: gpa is valid */
	uint64_t gpa, page_size;
	struct hv_walk_ept final;	/* gpa through EPT, when translated */
	int references;			/* memory references, EPT and guest */
	enum hv_walk_fault fault;
	int fault_step;			/* the step it stopped at; nsteps: the final GPA */
	char why[200];
};

/* Walk @gva as the CPU would, with the guest tables in @vm's memory. */
void hv_walk2d(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
	       const struct hv_ept *ept, uint64_t gva, struct hv_walk2d *w);

/* One GPA through EPT, as in the walk. */
void hv_walk_ept(const struct hv_ept *ept, uint64_t gpa, struct hv_walk_ept *out);

#endif
