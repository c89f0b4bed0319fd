// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - extended page tables: guest-physical to host-physical.
 *
 * hvlab builds a 4-level EPT (SDM 29.3) with 4 KiB pages only: a page of
 * guest memory is one PTE, which keeps the walk easy to follow. A guest
 * access to an address with no entry causes an EPT violation (exit 48);
 * exits.c turns that into an MMIO exit to userspace.
 */
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>

#include "ept.h"
#include "hvlab.h"
#include "lab.h"

int hvlab_ept_init(struct hvlab_ept *ept)
{
	ept->pml4 = (u64 *)get_zeroed_page(HVLAB_GFP_GUEST_MEM);
	if (!ept->pml4)
		return -ENOMEM;
	atomic_long_inc(&hvlab_pages.ept_tables);
	ept->table_pages = 1;
	ept->eptp = __pa(ept->pml4) | EPTP_WALK_LENGTH_4 | EPTP_MEMTYPE_WB;
	/*
	 * The CPU sets an entry's accessed flag when a walk uses it, and a
	 * leaf's dirty flag at a write (SDM 29.3.5): hvctl ept and walk show
	 * them. Guest paging-structure reads count as writes for them.
	 */
	if (vmx_config.ept_ad)
		ept->eptp |= EPTP_AD_ENABLE;
	return 0;
}

/* Set the leaf entry of one 4 KiB guest page, allocating tables on the way. */
static int ept_set_leaf(struct hvlab_ept *ept, u64 gpa, u64 leaf)
{
	u64 *table = ept->pml4;
	int level;

	for (level = EPT_LEVELS; level > 1; level--) {
		u64 *entry = &table[EPT_INDEX(gpa, level)];

		if (!(*entry & EPT_RWX)) {
			u64 *next = (u64 *)get_zeroed_page(HVLAB_GFP_GUEST_MEM);

			if (!next)
				return -ENOMEM;
			atomic_long_inc(&hvlab_pages.ept_tables);
			ept->table_pages++;
			/* Non-leaf entries grant everything; the leaf decides. */
			WRITE_ONCE(*entry, __pa(next) | EPT_RWX);
		}
		table = __va(*entry & EPT_ADDR_MASK);
	}
	if (!(table[EPT_INDEX(gpa, 1)] & EPT_RWX))
		ept->leaves_4k++;
	WRITE_ONCE(table[EPT_INDEX(gpa, 1)], leaf);
	return 0;
}

/*
 * Guest RAM is write-back whatever the guest's PAT or CR0.CD say
 * (SDM 29.3.7): the host maps the same pages write-back, and two mappings
 * with different memory types are "undefined" (SDM 13.12.4), a machine
 * check on CPUs without self-snoop. hvlab has no device that DMAs into
 * guest memory, the one reason KVM lets the guest choose. KVM does the
 * same for RAM.
 */
int hvlab_ept_map_page(struct hvlab_ept *ept, u64 gpa, u64 hpa)
{
	return ept_set_leaf(ept, gpa, (hpa & EPT_ADDR_MASK) | EPT_RWX | EPT_MEMTYPE_WB |
			    EPT_IGNORE_PAT);
}

/*
 * Mark a page as MMIO with an entry that is writable but not readable,
 * which the CPU calls a misconfiguration (SDM 29.3.3.1): every access
 * exits with reason 49. There is no host page behind it.
 */
int hvlab_ept_map_mmio_page(struct hvlab_ept *ept, u64 gpa)
{
	/* LAB 4 BEGIN hvlab_ept_map_mmio_page: a leaf the CPU finds malformed (SDM 29.3.3.1) */
	return ept_set_leaf(ept, gpa, EPT_WRITE);
	/* LAB 4 END */
	/* LAB 4 STUB: return hvlab_todo(4, __func__); */
}

/* Clear the leaf entries of @npages pages from @gpa (tables stay). */
void hvlab_ept_unmap_range(struct hvlab_ept *ept, u64 gpa, unsigned long npages)
{
	for (; npages; npages--, gpa += PAGE_SIZE) {
		u64 *table = ept->pml4;
		int level;

		for (level = EPT_LEVELS; level > 1 && table; level--) {
			u64 entry = table[EPT_INDEX(gpa, level)];

			table = (entry & EPT_RWX) ? __va(entry & EPT_ADDR_MASK) : NULL;
		}
		if (table && (table[EPT_INDEX(gpa, 1)] & EPT_RWX)) {
			WRITE_ONCE(table[EPT_INDEX(gpa, 1)], 0);
			ept->leaves_4k--;
		}
	}
}

/*
 * The dirty log: for each of @npages pages from @gpa whose leaf has the
 * dirty flag, clear the flag and set the page's bit in @bitmap. Atomic
 * against the CPU, which sets the flag with a locked operation while a
 * guest runs. The caller then invalidates the EPT's translations
 * everywhere, or a cached translation would let the next write go by
 * without setting the flag again (SDM 29.4.3). Returns the pages found.
 */
unsigned long hvlab_ept_harvest_dirty(struct hvlab_ept *ept, u64 gpa, unsigned long npages,
				      unsigned long *bitmap)
{
	unsigned long i, found = 0;

	for (i = 0; i < npages; i++, gpa += PAGE_SIZE) {
		u64 *table = ept->pml4;
		int level;

		for (level = EPT_LEVELS; level > 1 && table; level--) {
			u64 entry = READ_ONCE(table[EPT_INDEX(gpa, level)]);

			table = (entry & EPT_RWX) ? __va(entry & EPT_ADDR_MASK) : NULL;
		}
		if (table && (READ_ONCE(table[EPT_INDEX(gpa, 1)]) & EPT_DIRTY) &&
		    test_and_clear_bit(ilog2(EPT_DIRTY),
				       (unsigned long *)&table[EPT_INDEX(gpa, 1)])) {
			__set_bit(i, bitmap);
			found++;
		}
	}
	return found;
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < 512; i++)
			if (table[i] & EPT_RWX)
				ept_free_table(__va(table[i] & EPT_ADDR_MASK), level - 1);
	}
	free_page((unsigned long)table);
	atomic_long_dec(&hvlab_pages.ept_tables);
}

void hvlab_ept_destroy(struct hvlab_ept *ept)
{
	if (ept->pml4)
		ept_free_table(ept->pml4, EPT_LEVELS);
	ept->pml4 = NULL;
}
