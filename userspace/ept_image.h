/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept_image - a VM's EPT as HVLAB_GET_EPT reads it (hvctl ept, the step
 * prompt's `ept` command, hvctl run --ept-dump), and the same leaves
 * merged into guest-physical ranges of one kind.
 */
#ifndef HV_EPT_IMAGE_H
#define HV_EPT_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include "lib/libhvlab.h"

/* EPT entry bits (SDM 29.3.2) */
#define HV_EPT_READ		(UINT64_C(1) << 0)
#define HV_EPT_WRITE		(UINT64_C(1) << 1)
#define HV_EPT_EXECUTE		(UINT64_C(1) << 2)
#define HV_EPT_MEMTYPE(e)	(((e) >> 3) & 7)	/* leaf */
#define HV_EPT_IGNORE_PAT	(UINT64_C(1) << 6)		/* leaf */
#define HV_EPT_LARGE		(UINT64_C(1) << 7)
#define HV_EPT_ACCESSED		(UINT64_C(1) << 8)
#define HV_EPT_DIRTY		(UINT64_C(1) << 9)		/* leaf */
/* hvlab's, ignored by the CPU: a large leaf kept from executing (iTLB multihit) */
#define HV_EPT_NX_HUGE		(UINT64_C(1) << 52)
#define HV_EPT_ADDR_MASK	UINT64_C(0x000ffffffffff000)
#define HV_EPTP_AD_ENABLED	(UINT64_C(1) << 6)		/* SDM 25.6.11 */

struct hv_ept {
	struct hvlab_ept_leaf *leaves;	/* in guest-physical order */
	size_t count;
	uint64_t eptp;
	int hpa_hidden;			/* HVLAB_EPT_HPA_HIDDEN: addresses are 0 */
};

/* Leaves next to each other with the same level and bits, as one. */
struct hv_ept_range {
	uint64_t gpa;			/* first guest-physical address */
	uint64_t size;			/* bytes */
	uint64_t hpa;			/* host-physical of the first byte (0 when hidden) */
	uint32_t hpa_runs;		/* host-contiguous pieces it is made of */
	uint32_t level;			/* of its leaves: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	uint64_t bits;			/* the leaves' entry without the address */
	size_t first_leaf, leaves;	/* which of ept->leaves */
};

/* HVLAB_GET_EPT, every leaf: 0 or -errno (-ENOTSUP under KVM). */
int hv_ept_read(struct hv_vm *vm, struct hv_ept *ept);
void hv_ept_free(struct hv_ept *ept);

/* The leaf's own entry, and the bytes it maps. */
uint64_t hv_ept_leaf_entry(const struct hvlab_ept_leaf *leaf);
uint64_t hv_ept_level_size(uint32_t level);

/* The merged ranges, malloc'ed: their number, or -1 (ENOMEM). */
long hv_ept_ranges(const struct hv_ept *ept, struct hv_ept_range **ranges);

/* The index of the leaf mapping @gpa, or -1. */
long hv_ept_find(const struct hv_ept *ept, uint64_t gpa);
/* The first leaf that maps @gpa or lies above it (ept->count if none). */
size_t hv_ept_first_from(const struct hv_ept *ept, uint64_t gpa);

/* "WB", "UC", ... for a leaf's memory type (SDM 29.3.7) */
const char *hv_ept_memtype_name(unsigned int type);
/* "PML4E", "PDPTE", "PDE", "PTE" for a level 4..1 */
const char *hv_ept_level_name(uint32_t level);
/* A leaf with write but not read: the misconfiguration hvlab uses for MMIO */
int hv_ept_is_mmio(uint64_t entry);

#endif
