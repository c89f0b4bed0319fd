/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept_print - a VM's EPT in words (hvctl ept, the step prompt's `ept`
 * command, hvctl run --ept-dump): merged guest-physical ranges, the tree
 * of tables as the CPU walks it, or JSON for scripts.
 */
#ifndef HV_EPT_PRINT_H
#define HV_EPT_PRINT_H

#include <stdio.h>
#include "ept_image.h"

/* One line per range: GPA range, size, page size, rights, type, host. */
void hv_ept_print_ranges(FILE *out, const struct hv_ept *ept);
/* Every table entry on the way to the leaves, leaves of a kind as one line. */
void hv_ept_print_tree(FILE *out, const struct hv_ept *ept);
/* The walk to the leaf that maps @gpa, entry by entry; 0, or -1 if none does. */
int hv_ept_print_gpa(FILE *out, const struct hv_ept *ept, uint64_t gpa);
/* {"eptp":...,"ranges":[...]}, and "leaves":[...] with @with_leaves */
void hv_ept_print_json(FILE *out, const struct hv_ept *ept, int with_leaves);

#endif
