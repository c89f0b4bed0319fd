/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_mem - read guest memory the way the guest sees it: guest-physical
 * addresses straight from hvctl's mapping of guest RAM (struct hv_vm.mem),
 * linear addresses through the guest's own page tables when CR0.PG is set
 * (32-bit, PAE, 4-level and 5-level paging; SDM Vol. 3, chapter 4).
 * Nothing is written: accessed and dirty bits stay as they are.
 */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include "../../include/uapi/hvlab.h"

struct hv_vm;

/* The paging mode that CR0, CR4 and EFER select. */
enum hv_paging {
	HV_PAGING_NONE,		/* CR0.PG = 0: linear = physical */
	HV_PAGING_32,		/* 2 levels, 4 KiB and (CR4.PSE) 4 MiB pages */
	HV_PAGING_PAE,		/* PDPT of 4 entries, 4 KiB and 2 MiB pages */
	HV_PAGING_4LEVEL,	/* EFER.LMA: 4 KiB, 2 MiB and 1 GiB pages */
	HV_PAGING_5LEVEL,	/* EFER.LMA and CR4.LA57 */
};

enum hv_paging hv_paging_mode(const struct hvlab_sregs *sregs);
const char *hv_paging_name(enum hv_paging mode);	/* "4-level paging", ... */

/* Copy guest-physical [gpa, gpa+len) out; -EFAULT if any of it is not RAM. */
int hv_gpa_read(const struct hv_vm *vm, uint64_t gpa, void *buf, size_t len);

/* How a linear address translated. */
struct hv_translation {
	uint64_t gpa;
	uint64_t page_size;	/* 4 KiB, 2 MiB, 4 MiB or 1 GiB; 0 without paging */
	int levels;		/* entries read */
	uint64_t entry[5];	/* the entries, from the top level down */
	uint64_t entry_gpa[5];	/* where each one is */
	int unreadable;		/* 1: entry_gpa[levels] is where the next entry
				 * should have been, and it is not guest RAM */
};

/*
 * Translate a linear address with the paging structures in guest memory.
 * 0, or -EFAULT with *why saying where the walk stopped ("PDE not present
 * (0x0 at gpa 0x5008)", "the PML4 at gpa 0x9000000 is not guest RAM").
 */
int hv_gla_translate(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
		     uint64_t gla, struct hv_translation *tr, char *why, size_t whylen);

/*
 * Copy linear [gla, gla+len) out, page by page. 0, or -EFAULT with *why
 * as above, naming the linear address that failed.
 */
int hv_gla_read(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
		uint64_t gla, void *buf, size_t len, char *why, size_t whylen);

#endif
