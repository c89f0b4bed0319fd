// SPDX-License-Identifier: GPL-2.0
/*
 * ept_image.c - host-side tests of the EPT leaf merging and lookup
 * (userspace/ept_image.c), on leaves made up as HVLAB_GET_EPT returns
 * them: ranges break where the guest-physical addresses leave a gap, the
 * page size changes or the bits differ, never because the host pages do
 * (those are counted as pieces), and a GPA finds the leaf that maps it.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "ept_image.h"

#define RAM_BITS	0x77ULL		/* RWX, WB, ignore-PAT */

static void set_leaf(struct hvlab_ept_leaf *leaf, uint64_t gpa, uint32_t level, uint64_t entry)
{
	memset(leaf, 0, sizeof(*leaf));
	leaf->gpa = gpa;
	leaf->level = level;
	leaf->entry[0] = 0x1000007;
	if (level < 3)
		leaf->entry[1] = 0x2000007;
	if (level < 2)
		leaf->entry[2] = 0x3000007;
	leaf->entry[HVLAB_EPT_LEVELS - level] = entry;
}

static struct hvlab_ept_leaf leaves[7];

static void sample(struct hv_ept *ept)
{
	set_leaf(&leaves[0], 0x0000, 1, 0x10000 | RAM_BITS);
	set_leaf(&leaves[1], 0x1000, 1, 0x11000 | RAM_BITS);	/* host-contiguous */
	set_leaf(&leaves[2], 0x2000, 1, 0x40000 | RAM_BITS);	/* a second piece */
	set_leaf(&leaves[3], 0x3000, 1, 0x41000 | 0x75);	/* read-only: R-X */
	set_leaf(&leaves[4], 0x10000, 1, 0x2);			/* MMIO, after a gap */
	set_leaf(&leaves[5], 0x11000, 1, 0x2);
	set_leaf(&leaves[6], 0x200000, 2, 0x800000 | RAM_BITS | HV_EPT_LARGE);
	*ept = (struct hv_ept){ .leaves = leaves, .count = 7, .eptp = 0x5000 | 0x1e };
}

TEST(ranges_break_at_gaps_sizes_and_bits)
{
	struct hv_ept_range *r;
	struct hv_ept ept;
	long n;

	sample(&ept);
	n = hv_ept_ranges(&ept, &r);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, r[0].gpa);
	EXPECT_EQ(0x3000, r[0].size);
	EXPECT_EQ(0x10000, r[0].hpa);
	EXPECT_EQ(2, r[0].hpa_runs);
	EXPECT_EQ(3, r[0].leaves);
	EXPECT_EQ(RAM_BITS, r[0].bits);
	EXPECT_EQ(0x3000, r[1].gpa);
	EXPECT_EQ(0x75, r[1].bits);
	EXPECT_EQ(0x10000, r[2].gpa);
	EXPECT_EQ(0x2000, r[2].size);
	EXPECT_TRUE(hv_ept_is_mmio(r[2].bits));
	EXPECT_EQ(0x200000, r[3].gpa);
	EXPECT_EQ(2, r[3].level);
	EXPECT_EQ(0x200000, r[3].size);
	EXPECT_EQ(0x800000, r[3].hpa);
	free(r);
}

TEST(find_the_leaf_of_a_gpa)
{
	struct hv_ept ept;

	sample(&ept);
	EXPECT_EQ(0, hv_ept_find(&ept, 0));
	EXPECT_EQ(2, hv_ept_find(&ept, 0x2fff));
	EXPECT_EQ(-1, hv_ept_find(&ept, 0x4000));	/* the gap */
	EXPECT_EQ(5, hv_ept_find(&ept, 0x11800));
	EXPECT_EQ(6, hv_ept_find(&ept, 0x3fffff));	/* the end of the 2 MiB page */
	EXPECT_EQ(-1, hv_ept_find(&ept, 0x400000));
	EXPECT_EQ(0x200000, hv_ept_level_size(2));
	EXPECT_EQ(RAM_BITS | HV_EPT_LARGE | 0x800000, hv_ept_leaf_entry(&leaves[6]));
}

TEST(names)
{
	EXPECT_STREQ("WB", hv_ept_memtype_name(6));
	EXPECT_STREQ("UC", hv_ept_memtype_name(0));
	EXPECT_STREQ("reserved", hv_ept_memtype_name(2));
	EXPECT_STREQ("PDPTE", hv_ept_level_name(3));
	EXPECT_FALSE(hv_ept_is_mmio(RAM_BITS));
	EXPECT_FALSE(hv_ept_is_mmio(0));
}

TEST(no_leaves_no_ranges)
{
	struct hv_ept ept = { 0 };
	struct hv_ept_range *r;

	EXPECT_EQ(0, hv_ept_ranges(&ept, &r));
	EXPECT_EQ(-1, hv_ept_find(&ept, 0));
	free(r);
}

TEST_HARNESS_MAIN
