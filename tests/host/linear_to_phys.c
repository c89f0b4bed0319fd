// SPDX-License-Identifier: GPL-2.0
/*
 * linear_to_phys.c - host-side tests of hv_linear_to_phys(), the page walk
 * hvctl gdb reads guest memory through (SDM 4.3-4.5): page tables built
 * in a buffer that stands for guest RAM, in each paging mode.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "libhvlab.h"

#define MEM_SIZE	(4u << 20)
#define P		0x1ull		/* present */
#define RW		0x2ull
#define PS		0x80ull		/* a large page */
#define CR0_PG		(1ull << 31)
#define CR0_PE		1ull
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define EFER_LMA	(1ull << 10)

FIXTURE(walk)
{
	struct hv_vm vm;
	struct hvlab_sregs s;
};

FIXTURE_SETUP(walk)
{
	memset(&self->vm, 0, sizeof(self->vm));
	memset(&self->s, 0, sizeof(self->s));
	self->vm.mem = calloc(1, MEM_SIZE);
	self->vm.mem_size = MEM_SIZE;
	ASSERT_NE(NULL, self->vm.mem);
}

FIXTURE_TEARDOWN(walk)
{
	free(self->vm.mem);
}

static void put64(struct hv_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->mem + gpa, &v, 8);
}

static void put32(struct hv_vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->mem + gpa, &v, 4);
}

static uint64_t walk(struct hv_vm *vm, struct hvlab_sregs *s, uint64_t la)
{
	uint64_t gpa = 0xdeadbeef;

	if (hv_linear_to_phys(vm, s, la, &gpa))
		return ~0ull;
	return gpa;
}

TEST_F(walk, paging_off_is_identity)
{
	self->s.cr0 = CR0_PE;
	EXPECT_EQ(0x123456, walk(&self->vm, &self->s, 0x123456));
	self->s.cr0 = 0;	/* real mode */
	EXPECT_EQ(0x7c00, walk(&self->vm, &self->s, 0x7c00));
}

/* 4-level: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000 */
TEST_F(walk, four_level)
{
	struct hv_vm *vm = &self->vm;
	uint64_t base = (1ull << 39) | (2ull << 30);	/* PML4E 1, PDPTE 2 */

	self->s.cr0 = CR0_PE | CR0_PG;
	self->s.cr4 = CR4_PAE;
	self->s.efer = EFER_LMA;
	self->s.cr3 = 0x1000;
	put64(vm, 0x1000 + 1 * 8, 0x2000 | P | RW);		/* la bits 47:39 = 1 */
	put64(vm, 0x2000 + 2 * 8, 0x3000 | P | RW);		/* 38:30 = 2 */
	put64(vm, 0x3000 + 3 * 8, 0x4000 | P | RW);		/* 29:21 = 3 */
	put64(vm, 0x4000 + 4 * 8, 0x200000 | P | RW);		/* 20:12 = 4 */
	put64(vm, 0x3000 + 5 * 8, 0x600000 | P | RW | PS);	/* a 2 MiB page */
	put64(vm, 0x2000 + 6 * 8, 0x40000000 | P | RW | PS);	/* a 1 GiB page */

	EXPECT_EQ(0x200abc, walk(vm, &self->s, base | (3 << 21) | (4 << 12) | 0xabc));
	EXPECT_EQ(0x612345, walk(vm, &self->s, base | (5 << 21) | 0x12345));
	EXPECT_EQ(0x40123456, walk(vm, &self->s, (1ull << 39) | (6ull << 30) | 0x123456));
	/* not present at each level */
	EXPECT_EQ(~0ull, walk(vm, &self->s, 0));
	EXPECT_EQ(~0ull, walk(vm, &self->s, (1ull << 39)));
	EXPECT_EQ(~0ull, walk(vm, &self->s, base));
	EXPECT_EQ(~0ull, walk(vm, &self->s, base | (3 << 21)));
	/* a table outside guest RAM */
	put64(vm, 0x1000 + 2 * 8, 0x80000000ull | P);
	EXPECT_EQ(~0ull, walk(vm, &self->s, 2ull << 39));
	/* 5-level paging is not walked */
	self->s.cr4 |= CR4_LA57;
	EXPECT_EQ(~0ull, walk(vm, &self->s, base | (3 << 21) | (4 << 12)));
}

/* an identity map in 2 MiB pages at hvctl's addresses, as for ELF64 guests */
TEST_F(walk, hvctl_identity_map)
{
	uint64_t la;

	self->s.cr0 = CR0_PE | CR0_PG;
	self->s.cr4 = CR4_PAE;
	self->s.efer = EFER_LMA;
	self->s.cr3 = HV_PML4_ADDR;
	put64(&self->vm, HV_PML4_ADDR, HV_PDPT_ADDR | P | RW);
	put64(&self->vm, HV_PDPT_ADDR, HV_PD_ADDR | P | RW);
	put64(&self->vm, HV_PD_ADDR, 0 | P | RW | PS);
	put64(&self->vm, HV_PD_ADDR + 8, 0x200000 | P | RW | PS);
	for (la = 0x1000; la < 0x400000; la += 0x3ff01)
		EXPECT_EQ(la, walk(&self->vm, &self->s, la));
}

/* PAE: PDPT at 0x1020 (32-byte aligned), PD 0x2000, PT 0x3000 */
TEST_F(walk, pae)
{
	struct hv_vm *vm = &self->vm;

	self->s.cr0 = CR0_PE | CR0_PG;
	self->s.cr4 = CR4_PAE;
	self->s.cr3 = 0x1020;
	put64(vm, 0x1020 + 3 * 8, 0x2000 | P);		/* la bits 31:30 = 3 */
	put64(vm, 0x2000 + 7 * 8, 0x3000 | P | RW);	/* 29:21 = 7 */
	put64(vm, 0x3000 + 9 * 8, 0x105000 | P | RW);	/* 20:12 = 9 */
	put64(vm, 0x2000 + 8 * 8, 0x200000 | P | PS);	/* a 2 MiB page */

	EXPECT_EQ(0x105fff, walk(vm, &self->s, 0xc0000000u | (7 << 21) | (9 << 12) | 0xfff));
	EXPECT_EQ(0x2abcde, walk(vm, &self->s, 0xc0000000u | (8 << 21) | 0xabcde));
	EXPECT_EQ(~0ull, walk(vm, &self->s, 0x80000000u));	/* PDPTE 2 not present */
}

/* 32-bit paging: PD 0x1000, PT 0x2000; 4 MiB pages only with CR4.PSE */
TEST_F(walk, legacy_32bit)
{
	struct hv_vm *vm = &self->vm;

	self->s.cr0 = CR0_PE | CR0_PG;
	self->s.cr3 = 0x1000;
	put32(vm, 0x1000 + 0x300 * 4, 0x2000 | P | RW);	/* la bits 31:22 = 0x300 */
	put32(vm, 0x2000 + 0x12 * 4, 0x107000 | P);	/* 21:12 = 0x12 */
	put32(vm, 0x1000 + 0x301 * 4, 0x000000 | P | PS | (1u << 13));	/* PSE-36: bit 32 */

	EXPECT_EQ(0x107123, walk(vm, &self->s, 0xc0012123u));
	EXPECT_EQ(~0ull, walk(vm, &self->s, 0xc0013000u));	/* PTE not present */
	/* without CR4.PSE, PS is ignored: the entry names a page table (0x2000) */
	EXPECT_EQ(~0ull, walk(vm, &self->s, 0xc0400000u));
	self->s.cr4 = CR4_PSE;
	EXPECT_EQ(0x100123456ull, walk(vm, &self->s, 0xc0400000u | 0x123456));
}

TEST_HARNESS_MAIN
