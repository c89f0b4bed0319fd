// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mem.c - guest-physical and linear reads (guest_mem.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "guest_mem.h"
#include "libhvlab.h"

#define CR0_PG		(1ULL << 31)
#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_LA57	(1ULL << 12)
#define EFER_LMA	(1ULL << 10)

#define PTE_PRESENT	(1ULL << 0)
#define PTE_PS		(1ULL << 7)
#define ADDR_MASK	0x000ffffffffff000ULL	/* bits 51:12 */

enum hv_paging hv_paging_mode(const struct hvlab_sregs *sregs)
{
	if (!(sregs->cr0 & CR0_PG))
		return HV_PAGING_NONE;
	if (sregs->efer & EFER_LMA)
		return sregs->cr4 & CR4_LA57 ? HV_PAGING_5LEVEL : HV_PAGING_4LEVEL;
	return sregs->cr4 & CR4_PAE ? HV_PAGING_PAE : HV_PAGING_32;
}

const char *hv_paging_name(enum hv_paging mode)
{
	static const char *const names[] = {
		[HV_PAGING_NONE] = "no paging", [HV_PAGING_32] = "32-bit paging",
		[HV_PAGING_PAE] = "PAE paging", [HV_PAGING_4LEVEL] = "4-level paging",
		[HV_PAGING_5LEVEL] = "5-level paging",
	};

	return mode <= HV_PAGING_5LEVEL ? names[mode] : "?";
}

int hv_gpa_read(const struct hv_vm *vm, uint64_t gpa, void *buf, size_t len)
{
	if (!hv_gpa_is_ram(vm, gpa, len))
		return -EFAULT;
	memcpy(buf, vm->mem + gpa, len);
	return 0;
}

/* The names of the levels, from the leaf up: PTE is level 1. */
static const char *const level_names[] = { "", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };
static const char *const table_names[] = { "", "page table", "page directory", "PDPT",
					   "PML4", "PML5" };

static int walk_error(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int walk_error(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EFAULT;
}

/* Read entry number index (of size bytes) of the table at table_gpa. */
static int read_entry(const struct hv_vm *vm, struct hv_translation *tr, int level,
		      uint64_t table_gpa, unsigned int index, unsigned int size,
		      uint64_t *entry, char *why, size_t whylen)
{
	uint64_t gpa = table_gpa + (uint64_t)index * size;
	uint32_t e32;

	*entry = 0;
	if (size == 4) {
		if (hv_gpa_read(vm, gpa, &e32, 4))
			goto not_ram;
		*entry = e32;
	} else if (hv_gpa_read(vm, gpa, entry, 8)) {
		goto not_ram;
	}
	tr->entry[tr->levels] = *entry;
	tr->entry_gpa[tr->levels] = gpa;
	tr->levels++;
	if (!(*entry & PTE_PRESENT))
		return walk_error(why, whylen, "%s not present (0x%llx at gpa 0x%llx)",
				  level_names[level], (unsigned long long)*entry,
				  (unsigned long long)gpa);
	return 0;
not_ram:
	tr->entry_gpa[tr->levels] = gpa;
	tr->unreadable = 1;
	return walk_error(why, whylen, "the %s at gpa 0x%llx is not guest RAM",
			  table_names[level], (unsigned long long)table_gpa);
}

static int walk_32(const struct hv_vm *vm, const struct hvlab_sregs *sregs, uint32_t la,
		   struct hv_translation *tr, char *why, size_t whylen)
{
	uint64_t pde, pte;

	if (read_entry(vm, tr, 2, sregs->cr3 & 0xfffff000u, la >> 22, 4, &pde, why, whylen))
		return -EFAULT;
	if ((pde & PTE_PS) && (sregs->cr4 & CR4_PSE)) {
		/* a 4 MiB page; PSE-36 puts physical bits 39:32 in PDE bits 20:13 */
		tr->gpa = (pde & 0xffc00000u) | ((pde >> 13) & 0xff) << 32 | (la & 0x3fffff);
		tr->page_size = 4ULL << 20;
		return 0;
	}
	if (read_entry(vm, tr, 1, pde & 0xfffff000u, (la >> 12) & 0x3ff, 4, &pte, why, whylen))
		return -EFAULT;
	tr->gpa = (pte & 0xfffff000u) | (la & 0xfff);
	tr->page_size = 4096;
	return 0;
}

/* PAE, 4-level and 5-level: 8-byte entries, 9 bits of address per level. */
static int walk_long(const struct hv_vm *vm, const struct hvlab_sregs *sregs, uint64_t la,
		     int top, struct hv_translation *tr, char *why, size_t whylen)
{
	uint64_t table, entry;
	unsigned int index;

	if (top == 3) {
		/* PAE: CR3 bits 31:5 point at four PDPTEs, indexed by la bits 31:30 */
		table = sregs->cr3 & 0xffffffe0u;
		if (read_entry(vm, tr, 3, table, (la >> 30) & 3, 8, &entry, why, whylen))
			return -EFAULT;
		table = entry & ADDR_MASK;
		top = 2;
	} else {
		table = sregs->cr3 & ADDR_MASK;
	}
	for (int level = top; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);

		index = (la >> shift) & 0x1ff;
		if (read_entry(vm, tr, level, table, index, 8, &entry, why, whylen))
			return -EFAULT;
		/* a large page: 1 GiB at the PDPTE (not in PAE), 2 MiB at the PDE */
		if (level == 1 || ((entry & PTE_PS) && (level == 2 || (level == 3 && top >= 4)))) {
			uint64_t size = 1ULL << shift;

			tr->gpa = (entry & ADDR_MASK & ~(size - 1)) | (la & (size - 1));
			tr->page_size = size;
			return 0;
		}
		table = entry & ADDR_MASK;
	}
	return -EFAULT;	/* not reached: level 1 always ends the walk */
}

int hv_gla_translate(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
		     uint64_t gla, struct hv_translation *tr, char *why, size_t whylen)
{
	enum hv_paging mode = hv_paging_mode(sregs);
	int bits;

	memset(tr, 0, sizeof(*tr));
	switch (mode) {
	case HV_PAGING_NONE:
		/* outside long mode a linear address has 32 bits */
		tr->gpa = sregs->efer & EFER_LMA ? gla : (uint32_t)gla;
		return 0;
	case HV_PAGING_32:
		return walk_32(vm, sregs, (uint32_t)gla, tr, why, whylen);
	case HV_PAGING_PAE:
		return walk_long(vm, sregs, (uint32_t)gla, 3, tr, why, whylen);
	case HV_PAGING_4LEVEL:
	case HV_PAGING_5LEVEL:
		bits = mode == HV_PAGING_5LEVEL ? 57 : 48;
		if ((int64_t)(gla << (64 - bits)) >> (64 - bits) != (int64_t)gla)
			return walk_error(why, whylen, "0x%llx is not canonical (%d-bit addresses)",
					  (unsigned long long)gla, bits);
		return walk_long(vm, sregs, gla, mode == HV_PAGING_5LEVEL ? 5 : 4, tr, why, whylen);
	}
	return -EINVAL;
}

int hv_gla_read(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
		uint64_t gla, void *buf, size_t len, char *why, size_t whylen)
{
	uint8_t *out = buf;

	while (len) {
		struct hv_translation tr;
		/* no piece crosses a 4 KiB boundary: the next page maps elsewhere */
		size_t chunk = 4096 - (gla & 0xfff);
		char inner[160];

		if (chunk > len)
			chunk = len;
		if (hv_gla_translate(vm, sregs, gla, &tr, inner, sizeof(inner)))
			return walk_error(why, whylen, "linear 0x%llx: %s",
					  (unsigned long long)gla, inner);
		if (hv_gpa_read(vm, tr.gpa, out, chunk))
			return walk_error(why, whylen, "linear 0x%llx is gpa 0x%llx, which is not guest RAM",
					  (unsigned long long)gla, (unsigned long long)tr.gpa);
		gla += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}
