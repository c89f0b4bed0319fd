/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ept.h - the layout of EPT entries and the EPT pointer (SDM 29.3.2,
 * 25.6.11), shared by ept.c, which builds the tables, and ept_dump.c,
 * which reads them for HVLAB_GET_EPT.
 */
#ifndef HVLAB_EPT_H
#define HVLAB_EPT_H

/* EPT paging-structure entry bits (SDM 29.3.2, Tables 29-1 to 29-6) */
#define EPT_READ		(1ULL << 0)
#define EPT_WRITE		(1ULL << 1)
#define EPT_EXECUTE		(1ULL << 2)
#define EPT_RWX			(EPT_READ | EPT_WRITE | EPT_EXECUTE)
#define EPT_MEMTYPE_WB		(6ULL << 3)	/* leaf entries only */
#define EPT_IGNORE_PAT		(1ULL << 6)	/* leaf: the guest's PAT has no say */
#define EPT_LARGE_PAGE		(1ULL << 7)	/* a PDE or PDPTE that maps a page */
#define EPT_ACCESSED		(1ULL << 8)	/* with EPTP_AD_ENABLE: set by the CPU */
#define EPT_DIRTY		(1ULL << 9)	/* leaf: set by the CPU at a write */
/*
 * Bit 11 is ignored by the CPU (SDM Table 29-6): hvlab marks a RAM leaf
 * whose rights userspace took away entirely, which still maps its page.
 */
#define EPT_NO_RIGHTS		(1ULL << 11)
/*
 * Bit 52, also ignored: a large leaf that withholds execute only because
 * this CPU has the iTLB multihit erratum; its 4 KiB pages may execute
 * (ept.c splits it at the first fetch).
 */
#define EPT_NX_HUGE		(1ULL << 52)
#define EPT_RIGHTS_MASK		(EPT_RWX | EPT_NO_RIGHTS | EPT_NX_HUGE)
#define EPT_ADDR_MASK		0x000ffffffffff000ULL	/* bits 51:12 */

/* EPTP fields (SDM 25.6.11) */
#define EPTP_MEMTYPE_WB		6ULL
#define EPTP_WALK_LENGTH_4	(3ULL << 3)	/* walk length minus one */
#define EPTP_AD_ENABLE		(1ULL << 6)	/* accessed and dirty flags */

#define EPT_LEVELS		4
#define EPT_LEVEL_SHIFT(level)	(12 + 9 * ((level) - 1))
#define EPT_INDEX(gpa, level)	(((gpa) >> EPT_LEVEL_SHIFT(level)) & 511)
#define EPT_GPA_LIMIT		(1ULL << EPT_LEVEL_SHIFT(EPT_LEVELS + 1))	/* 48 bits */

/* Does @entry map or point to something (RAM without rights too)? */
static inline bool ept_entry_present(u64 entry)
{
	return entry & EPT_RIGHTS_MASK;
}

/*
 * Does @entry, present at @level, map a page rather than point to a
 * table? Bit 7 makes a PDE or PDPTE a page; in a PML4E it is reserved.
 */
static inline bool ept_entry_is_leaf(u64 entry, int level)
{
	return level == 1 || (level < EPT_LEVELS && (entry & EPT_LARGE_PAGE));
}

#endif /* HVLAB_EPT_H */
