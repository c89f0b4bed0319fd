// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - extended page tables: guest-physical to host-physical.
 *
 * hvlab builds a 4-level EPT (SDM 29.3). A page of guest memory is one
 * PTE, unless 512 of them (or 512 x 512) lie at an aligned guest-physical
 * address *and* in one aligned run of host memory: then one PDE maps
 * 2 MiB, or one PDPTE 1 GiB (bit 7, SDM 29.3.2), and the CPU needs one
 * TLB entry and one reference fewer for them. A guest access to an
 * address with no entry causes an EPT violation (exit 48); exits.c turns
 * that into an MMIO exit to userspace.
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/io.h>
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

/*
 * Set the entry at @level (1: a PTE, 2: a PDE, 3: a PDPTE) that maps @gpa
 * to @leaf, allocating tables on the way. -EEXIST where a large page is
 * to go over a table, or a table under a large page: the caller maps
 * smaller pages instead.
 */
static int ept_set_entry(struct hvlab_ept *ept, u64 gpa, int level, u64 leaf)
{
	u64 *table = ept->pml4;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *entry = &table[EPT_INDEX(gpa, l)];

		if (ept_entry_present(*entry) && ept_entry_is_leaf(*entry, l))
			return -EEXIST;
		if (!ept_entry_present(*entry)) {
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
	if (ept_entry_present(table[EPT_INDEX(gpa, level)])) {
		if (!ept_entry_is_leaf(table[EPT_INDEX(gpa, level)], level))
			return -EEXIST;
	} else {
		ept->leaves[level - 1]++;
	}
	WRITE_ONCE(table[EPT_INDEX(gpa, level)], leaf);
	return 0;
}

/* Set the leaf entry of one 4 KiB guest page. */
static int ept_set_leaf(struct hvlab_ept *ept, u64 gpa, u64 leaf)
{
	return ept_set_entry(ept, gpa, 1, leaf);
}

/*
 * The present leaf entry that maps @gpa, its level and the value it had
 * when read, or NULL. The entries are read once each: a guest may be
 * setting A/D flags, and a split may turn a leaf into a table meanwhile.
 */
static u64 *ept_find_leaf_value(struct hvlab_ept *ept, u64 gpa, int *level, u64 *value)
{
	u64 *table = ept->pml4;
	int l;

	for (l = EPT_LEVELS; ; l--) {
		u64 *entry = &table[EPT_INDEX(gpa, l)];
		u64 v = READ_ONCE(*entry);

		if (!ept_entry_present(v))
			return NULL;
		if (ept_entry_is_leaf(v, l)) {
			*level = l;
			*value = v;
			return entry;
		}
		table = __va(v & EPT_ADDR_MASK);
	}
}

static u64 *ept_find_leaf(struct hvlab_ept *ept, u64 gpa, int *level)
{
	u64 value;

	return ept_find_leaf_value(ept, gpa, level, &value);
}

/*
 * The rights bits of a leaf at @level that grants @rights (EPT bits 2:0):
 * bit 11 if none; and where large leaves may not execute (iTLB multihit),
 * bit 52 in place of execute, which 4 KiB leaves split from it get back.
 */
static u64 ept_leaf_rights(u64 rights, int level)
{
	if (level > 1 && vmx_config.ept_large_nx && (rights & EPT_EXECUTE))
		return (rights & ~EPT_EXECUTE) | EPT_NX_HUGE;
	return rights ? rights : EPT_NO_RIGHTS;
}

/*
 * Guest RAM is write-back whatever the guest's PAT or CR0.CD say
 * (SDM 29.3.7): the host maps the same pages write-back, and two mappings
 * with different memory types are "undefined" (SDM 13.12.4), a machine
 * check on CPUs without self-snoop. hvlab has no device that DMAs into
 * guest memory, the one reason KVM lets the guest choose. KVM does the
 * same for RAM.
 */
static u64 ept_ram_leaf(u64 hpa, int level)
{
	return (hpa & EPT_ADDR_MASK) | ept_leaf_rights(EPT_RWX, level) | EPT_MEMTYPE_WB |
	       EPT_IGNORE_PAT | (level > 1 ? EPT_LARGE_PAGE : 0);
}

int hvlab_ept_map_page(struct hvlab_ept *ept, u64 gpa, u64 hpa)
{
	return ept_set_leaf(ept, gpa, ept_ram_leaf(hpa, 1));
}

/*
 * The largest page, as an EPT level, that can map @gpa onto @pages (of
 * which @npages are left): the CPU must offer the size, @gpa must be
 * aligned to it, and the host pages must be one aligned run. Pinned
 * transparent or hugetlbfs huge pages are such runs.
 */
static int ept_largest_level(u64 gpa, struct page **pages, unsigned long npages)
{
	/* LAB 4 CHALLENGE ept_largest_level: the largest EPT page that fits here (SDM 29.3.2, Tables 29-2, 29-4) */
	int level;

	for (level = vmx_config.ept_1g ? 3 : vmx_config.ept_2m ? 2 : 1; level > 1; level--) {
		unsigned long n = 1UL << (EPT_LEVEL_SHIFT(level) - PAGE_SHIFT), k;
		unsigned long pfn = page_to_pfn(pages[0]);

		if (npages < n || !IS_ALIGNED(gpa, n << PAGE_SHIFT) || !IS_ALIGNED(pfn, n))
			continue;
		for (k = 1; k < n && page_to_pfn(pages[k]) == pfn + k; k++)
			;
		if (k == n)
			return level;
	}
	return 1;
	/* LAB 4 END */
	/* LAB 4 STUB: return 1; */
}

/*
 * Map @npages pinned pages from @gpa, each page size as large as
 * ept_largest_level() allows, or 4 KiB only with @small_only (dirty
 * logging wants a flag per 4 KiB page). On failure nothing stays mapped.
 */
int hvlab_ept_map_pages(struct hvlab_ept *ept, u64 gpa, struct page **pages,
			unsigned long npages, bool small_only)
{
	unsigned long i = 0;
	int ret = 0;

	while (i < npages) {
		u64 at = gpa + ((u64)i << PAGE_SHIFT);
		int level = small_only ? 1 : ept_largest_level(at, pages + i, npages - i);

		for (;; level--) {
			ret = ept_set_entry(ept, at, level, ept_ram_leaf(page_to_phys(pages[i]), level));
			if (ret != -EEXIST || level == 1)
				break;
		}
		if (ret) {
			hvlab_ept_unmap_range(ept, gpa, i);
			return ret;
		}
		i += 1UL << (EPT_LEVEL_SHIFT(level) - PAGE_SHIFT);
	}
	return 0;
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

/* The pages from @gpa to the end of the page that a leaf at @level maps. */
static unsigned long ept_pages_to_leaf_end(u64 gpa, int level)
{
	u64 size = 1ULL << EPT_LEVEL_SHIFT(level);

	return (size - (gpa & (size - 1))) >> PAGE_SHIFT;
}

/*
 * Clear the leaf entries of @npages pages from @gpa (tables stay). A large
 * page goes whole: callers unmap whole slots, and a large page never
 * crosses a slot's end.
 */
void hvlab_ept_unmap_range(struct hvlab_ept *ept, u64 gpa, unsigned long npages)
{
	while (npages) {
		unsigned long n = 1;
		int level;
		u64 *leaf = ept_find_leaf(ept, gpa, &level);

		if (leaf) {
			WRITE_ONCE(*leaf, 0);
			ept->leaves[level - 1]--;
			n = min(npages, ept_pages_to_leaf_end(gpa, level));
		}
		npages -= n;
		gpa += (u64)n << PAGE_SHIFT;
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
	/* LAB 4 CHALLENGE hvlab_ept_harvest_dirty: the dirty log from a scan of the leaves' dirty flags (SDM 29.3.5) */
	unsigned long i = 0, found = 0;

	while (i < npages) {
		u64 at = gpa + ((u64)i << PAGE_SHIFT);
		unsigned long n = 1, k;
		int level;
		u64 *leaf = ept_find_leaf(ept, at, &level);

		if (leaf && level == 1) {
			/* The rest of this page table, without walking down again */
			n = min_t(unsigned long, npages - i, 512 - EPT_INDEX(at, 1));
			for (k = 0; k < n; k++) {
				if ((READ_ONCE(leaf[k]) & EPT_DIRTY) &&
				    test_and_clear_bit(ilog2(EPT_DIRTY), (unsigned long *)&leaf[k])) {
					__set_bit(i + k, bitmap);
					found++;
				}
			}
		} else if (leaf) {
			/* A dirty large page is all dirty: slots logged have none. */
			n = min(npages - i, ept_pages_to_leaf_end(at, level));
			if ((READ_ONCE(*leaf) & EPT_DIRTY) &&
			    test_and_clear_bit(ilog2(EPT_DIRTY), (unsigned long *)leaf)) {
				bitmap_set(bitmap, i, n);
				found += n;
			}
		}
		i += n;
	}
	return found;
	/* LAB 4 END */
	/* LAB 4 STUB: return 0; */
}

/*
 * With PML (pml.c) the log says which pages were written: clear the
 * dirty flag of each page of @npages from @gpa whose bit is set in
 * @bitmap, so that its next write is logged again. A word of the bitmap
 * at a time, and one walk down per page table, so that the cost is the
 * pages written; the caller invalidates the EPT's translations.
 */
void hvlab_ept_clear_dirty(struct hvlab_ept *ept, u64 gpa, unsigned long npages,
			   const unsigned long *bitmap)
{
	/* LAB 4 CHALLENGE hvlab_ept_clear_dirty: with PML, clear the flags of the pages the log named */
	const u64 pt_span = 1ULL << EPT_LEVEL_SHIFT(2);	/* what one page table maps */
	u64 *pt = NULL, pt_gpa = 0;
	unsigned long w;

	for (w = 0; w < BITS_TO_LONGS(npages); w++) {
		unsigned long bits = bitmap[w];

		while (bits) {
			unsigned long i = w * BITS_PER_LONG + __ffs(bits);
			u64 at = gpa + ((u64)i << PAGE_SHIFT);
			u64 *leaf;
			int level;

			bits &= bits - 1;
			if (i >= npages)
				return;
			if (!pt || (at & ~(pt_span - 1)) != pt_gpa) {
				leaf = ept_find_leaf(ept, at, &level);
				pt = NULL;
				if (!leaf)
					continue;
				if (level > 1) {
					clear_bit(ilog2(EPT_DIRTY), (unsigned long *)leaf);
					continue;
				}
				pt = leaf - EPT_INDEX(at, 1);
				pt_gpa = at & ~(pt_span - 1);
			}
			clear_bit(ilog2(EPT_DIRTY), (unsigned long *)&pt[EPT_INDEX(at, 1)]);
		}
	}
	/* LAB 4 END */
	/* LAB 4 STUB: none */
}

/*
 * Make the large leaf *@leaf at @level a table of 512 leaves one level
 * down that map the same memory with the same bits. The CPU may set A/D
 * in the old leaf meanwhile: the swap is a compare-and-exchange, redone
 * until it saw the latest value. The caller invalidates (SDM 29.4.3).
 */
static int ept_split(struct hvlab_ept *ept, u64 *leaf, int level)
{
	u64 *table = (u64 *)get_zeroed_page(HVLAB_GFP_GUEST_MEM);
	u64 old = READ_ONCE(*leaf), size = 1ULL << EPT_LEVEL_SHIFT(level - 1);
	int i;

	if (!table)
		return -ENOMEM;
	do {
		u64 hpa = old & EPT_ADDR_MASK & ~((1ULL << EPT_LEVEL_SHIFT(level)) - 1);
		u64 bits = (old & ~EPT_ADDR_MASK & ~EPT_LARGE_PAGE) |
			   (level - 1 > 1 ? EPT_LARGE_PAGE : 0);

		/* 4 KiB leaves of a large one that withheld execute get it */
		if (level - 1 == 1 && (bits & EPT_NX_HUGE))
			bits = (bits & ~EPT_NX_HUGE) | EPT_EXECUTE;

		for (i = 0; i < 512; i++)
			table[i] = (hpa + i * size) | bits;
	} while (!try_cmpxchg64(leaf, &old, __pa(table) | EPT_RWX));
	atomic_long_inc(&hvlab_pages.ept_tables);
	ept->table_pages++;
	ept->leaves[level - 1]--;
	ept->leaves[level - 2] += 512;
	return 0;
}

/*
 * Give the @npages pages from @gpa exactly the EPT rights @rights (bits
 * 2:0), splitting a large page of which only part changes. Every page
 * must be mapped: RAM (the caller checks). Returns 0, or -ENOMEM with
 * the pages before the failure changed; the caller invalidates either way.
 */
int hvlab_ept_set_rights(struct hvlab_ept *ept, u64 gpa, unsigned long npages, u64 rights)
{
	while (npages) {
		int level, ret;
		u64 *leaf = ept_find_leaf(ept, gpa, &level);
		unsigned long n;
		u64 old, new, want;

		if (!leaf)
			return -ENOENT;
		old = READ_ONCE(*leaf);
		want = ept_leaf_rights(rights, level);
		n = ept_pages_to_leaf_end(gpa, level);
		if ((old & EPT_RIGHTS_MASK) != want && level > 1 &&
		    (!IS_ALIGNED(gpa, 1ULL << EPT_LEVEL_SHIFT(level)) || n > npages)) {
			ret = ept_split(ept, leaf, level);
			if (ret)
				return ret;
			continue;
		}
		do {
			new = (old & ~EPT_RIGHTS_MASK) | want;
		} while (!try_cmpxchg64(leaf, &old, new));
		n = min(n, npages);
		npages -= n;
		gpa += (u64)n << PAGE_SHIFT;
	}
	return 0;
}

/*
 * The EPT rights (bits 2:0) of the RAM page at @gpa, or -ENOENT if
 * unmapped; *@nx_huge: its large leaf withholds execute for iTLB multihit.
 */
int hvlab_ept_rights(struct hvlab_ept *ept, u64 gpa, bool *nx_huge)
{
	int level;
	u64 value;

	if (!ept_find_leaf_value(ept, gpa, &level, &value))
		return -ENOENT;
	*nx_huge = value & EPT_NX_HUGE;
	return value & EPT_RWX;
}

/*
 * A fetch from a large leaf that withholds execute for iTLB multihit:
 * split it (a 1 GiB one twice, as the fetch comes again) until the page
 * fetched from is a 4 KiB leaf, which may execute. No INVEPT: the leaf
 * never executed, and the violation made the CPU forget what it cached
 * for this address (SDM 29.4.3.1). Called with the VM's lock held.
 */
int hvlab_ept_split_for_fetch(struct hvlab_ept *ept, u64 gpa)
{
	int level, ret;
	u64 *leaf = ept_find_leaf(ept, gpa, &level);

	if (!leaf || level == 1 || !(READ_ONCE(*leaf) & EPT_NX_HUGE))
		return 0;	/* split already, by another vCPU */
	ret = ept_split(ept, leaf, level);
	if (!ret)
		ept->exec_splits++;
	return ret;
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < 512; i++)
			if (ept_entry_present(table[i]) && !ept_entry_is_leaf(table[i], level))
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
