// SPDX-License-Identifier: GPL-2.0
/*
 * ept_image.c - read a VM's EPT (HVLAB_GET_EPT) and merge its leaves into
 * ranges. See ept_image.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ept_image.h"

int hv_ept_read(struct hv_vm *vm, struct hv_ept *ept)
{
	struct hvlab_ept_dump d = { .gpa = 0 };
	size_t room = 0;

	memset(ept, 0, sizeof(*ept));
	if (vm->backend != HV_BACKEND_HVLAB)
		return -ENOTSUP;
	while (d.gpa != HVLAB_EPT_DUMP_END) {
		if (ept->count + HVLAB_EPT_DUMP_MAX > room) {
			size_t more = room ? room * 2 : HVLAB_EPT_DUMP_MAX;
			struct hvlab_ept_leaf *p = realloc(ept->leaves, more * sizeof(*p));

			if (!p) {
				hv_ept_free(ept);
				return -ENOMEM;
			}
			ept->leaves = p;
			room = more;
		}
		d.leaves = (uintptr_t)(ept->leaves + ept->count);
		d.count = HVLAB_EPT_DUMP_MAX;
		d.flags = 0;
		if (ioctl(vm->vm_fd, HVLAB_GET_EPT, &d)) {
			int err = errno;

			hv_ept_free(ept);
			return -err;
		}
		ept->count += d.count;
		ept->eptp = d.eptp;
		ept->hpa_hidden = !!(d.flags & HVLAB_EPT_HPA_HIDDEN);
	}
	return 0;
}

void hv_ept_free(struct hv_ept *ept)
{
	free(ept->leaves);
	memset(ept, 0, sizeof(*ept));
}

uint64_t hv_ept_leaf_entry(const struct hvlab_ept_leaf *leaf)
{
	uint32_t level = leaf->level >= 1 && leaf->level <= HVLAB_EPT_LEVELS ? leaf->level : 1;

	return leaf->entry[HVLAB_EPT_LEVELS - level];
}

uint64_t hv_ept_level_size(uint32_t level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

/* The host address of a leaf's first byte: its entry's, aligned to its size. */
static uint64_t leaf_hpa(const struct hvlab_ept_leaf *leaf)
{
	return hv_ept_leaf_entry(leaf) & HV_EPT_ADDR_MASK & ~(hv_ept_level_size(leaf->level) - 1);
}

long hv_ept_ranges(const struct hv_ept *ept, struct hv_ept_range **ranges)
{
	struct hv_ept_range *r = NULL;
	long n = 0;
	size_t i;

	*ranges = NULL;
	for (i = 0; i < ept->count; i++) {
		const struct hvlab_ept_leaf *leaf = &ept->leaves[i];
		uint64_t bits = hv_ept_leaf_entry(leaf) & ~HV_EPT_ADDR_MASK;
		uint64_t size = hv_ept_level_size(leaf->level);
		struct hv_ept_range *last = n ? &r[n - 1] : NULL;

		if (last && last->gpa + last->size == leaf->gpa && last->level == leaf->level &&
		    last->bits == bits) {
			/* where the previous leaf ended on the host, or a new run */
			const struct hvlab_ept_leaf *prev = &ept->leaves[i - 1];

			if (leaf_hpa(leaf) != leaf_hpa(prev) + size)
				last->hpa_runs++;
			last->size += size;
			last->leaves++;
			continue;
		}
		if (!(n & (n - 1))) {	/* 0, 1, 2, 4, ...: grow */
			struct hv_ept_range *p = realloc(r, (n ? 2 * n : 1) * sizeof(*p));

			if (!p) {
				free(r);
				errno = ENOMEM;
				return -1;
			}
			r = p;
		}
		r[n++] = (struct hv_ept_range){
			.gpa = leaf->gpa, .size = size, .hpa = leaf_hpa(leaf), .hpa_runs = 1,
			.level = leaf->level, .bits = bits, .first_leaf = i, .leaves = 1,
		};
	}
	*ranges = r;
	return n;
}

size_t hv_ept_first_from(const struct hv_ept *ept, uint64_t gpa)
{
	size_t lo = 0, hi = ept->count;

	/* The leaves are sorted and do not overlap: a binary search. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hvlab_ept_leaf *leaf = &ept->leaves[mid];

		if (gpa - leaf->gpa < hv_ept_level_size(leaf->level) || leaf->gpa >= gpa)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

long hv_ept_find(const struct hv_ept *ept, uint64_t gpa)
{
	size_t i = hv_ept_first_from(ept, gpa);

	if (i < ept->count && gpa >= ept->leaves[i].gpa &&
	    gpa - ept->leaves[i].gpa < hv_ept_level_size(ept->leaves[i].level))
		return i;
	return -1;
}

const char *hv_ept_memtype_name(unsigned int type)
{
	static const char *const names[8] = {
		[0] = "UC", [1] = "WC", [4] = "WT", [5] = "WP", [6] = "WB",
	};

	return type < 8 && names[type] ? names[type] : "reserved";
}

const char *hv_ept_level_name(uint32_t level)
{
	static const char *const names[] = { "?", "PTE", "PDE", "PDPTE", "PML4E" };

	return level <= 4 ? names[level] : "?";
}

int hv_ept_is_mmio(uint64_t entry)
{
	return (entry & (HV_EPT_READ | HV_EPT_WRITE)) == HV_EPT_WRITE;
}
