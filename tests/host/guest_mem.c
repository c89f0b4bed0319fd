// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mem.c - host-side tests of hvctl's guest page-table walker
 * (userspace/lib/guest_mem.c): page tables built in a buffer laid out like
 * guest RAM, then linear addresses translated and read through them.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "lib/guest_mem.h"
#include "lib/libhvlab.h"

#define MEM	(4u << 20)
#define P	0x1ULL		/* present */
#define RW	0x2ULL
#define PS	0x80ULL		/* large page */

static void put32(struct hv_vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->mem + gpa, &v, 4);
}

static void put64(struct hv_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->mem + gpa, &v, 8);
}

FIXTURE(mem) {
	struct hv_vm vm;
	struct hvlab_sregs sregs;
	struct hv_translation tr;
	char why[200];
};

FIXTURE_SETUP(mem)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.mem = calloc(1, MEM);
	self->vm.mem_size = MEM;
	ASSERT_NE(NULL, self->vm.mem);
	memset(&self->sregs, 0, sizeof(self->sregs));
	self->why[0] = 0;
}

FIXTURE_TEARDOWN(mem)
{
	free(self->vm.mem);
}

TEST_F(mem, physical_reads_stop_at_the_hole)
{
	uint8_t buf[4];

	self->vm.mem[0x7c00] = 0xee;
	ASSERT_EQ(0, hv_gpa_read(&self->vm, 0x7c00, buf, 1));
	EXPECT_EQ(0xee, buf[0]);
	/* 0xa0000-0xfffff has no RAM, nor does anything past --mem */
	EXPECT_EQ(-EFAULT, hv_gpa_read(&self->vm, 0x9fffe, buf, 4));
	EXPECT_EQ(-EFAULT, hv_gpa_read(&self->vm, 0xb8000, buf, 1));
	EXPECT_EQ(-EFAULT, hv_gpa_read(&self->vm, MEM - 2, buf, 4));
	EXPECT_EQ(0, hv_gpa_read(&self->vm, 0x100000, buf, 4));
}

TEST_F(mem, no_paging_is_identity)
{
	self->sregs.cr0 = 0x10;		/* real mode */
	EXPECT_EQ(HV_PAGING_NONE, hv_paging_mode(&self->sregs));
	ASSERT_EQ(0, hv_gla_translate(&self->vm, &self->sregs, 0x7c00, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x7c00, self->tr.gpa);
	EXPECT_EQ(0, self->tr.levels);
}

/* 32-bit paging: CR3 -> PD at 0x10000; PDE 1 -> PT at 0x11000; PTE 5 -> 0x200000 */
TEST_F(mem, paging_32bit)
{
	struct hv_vm *vm = &self->vm;

	self->sregs.cr0 = 0x80000011;
	self->sregs.cr3 = 0x10000;
	put32(vm, 0x10000 + 1 * 4, 0x11000 | P | RW);
	put32(vm, 0x11000 + 5 * 4, 0x200000 | P);
	put32(vm, 0x10000 + 2 * 4, 0x00400000 | PS | P);	/* 4 MiB page at phys 4M */
	EXPECT_EQ(HV_PAGING_32, hv_paging_mode(&self->sregs));

	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x405123, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x200123, self->tr.gpa);
	EXPECT_EQ(4096, self->tr.page_size);
	EXPECT_EQ(2, self->tr.levels);
	EXPECT_EQ(0x10004, self->tr.entry_gpa[0]);

	/* with CR4.PSE, the PS bit of PDE 2 makes it a 4 MiB page */
	self->sregs.cr4 = 0x10;
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x801234, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x401234, self->tr.gpa);
	EXPECT_EQ(4u << 20, self->tr.page_size);

	EXPECT_EQ(-EFAULT, hv_gla_translate(vm, &self->sregs, 0xc00000, &self->tr,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("PDE not present (0x0 at gpa 0x1000c)", self->why);
	EXPECT_EQ(-EFAULT, hv_gla_translate(vm, &self->sregs, 0x406000, &self->tr,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("PTE not present (0x0 at gpa 0x11018)", self->why);
}

/* PAE: CR3 -> 4 PDPTEs at 0x20000; PDPTE 0 -> PD 0x21000; a 2 MiB page and a PT */
TEST_F(mem, paging_pae)
{
	struct hv_vm *vm = &self->vm;

	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.cr3 = 0x20000;
	put64(vm, 0x20000, 0x21000 | P);
	put64(vm, 0x21000 + 0 * 8, 0x200000 | PS | P);
	put64(vm, 0x21000 + 1 * 8, 0x22000 | P);
	put64(vm, 0x22000 + 3 * 8, 0x300000 | P);
	EXPECT_EQ(HV_PAGING_PAE, hv_paging_mode(&self->sregs));

	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x1234, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x201234, self->tr.gpa);
	EXPECT_EQ(2u << 20, self->tr.page_size);
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x203456, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x300456, self->tr.gpa);
	EXPECT_EQ(3, self->tr.levels);
	EXPECT_EQ(-EFAULT, hv_gla_translate(vm, &self->sregs, 0x40000000, &self->tr,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("PDPTE not present (0x0 at gpa 0x20008)", self->why);
}

/* 4-level: a 1 GiB page, a 2 MiB page, and 4 KiB pages in the upper half */
TEST_F(mem, paging_4level)
{
	struct hv_vm *vm = &self->vm;
	uint64_t high = 0xffff800000000000ULL;

	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = 0x30000;
	put64(vm, 0x30000 + 0 * 8, 0x31000 | P);		/* PML4[0] */
	put64(vm, 0x31000 + 0 * 8, 0x0 | PS | P);		/* 1 GiB at 0 */
	put64(vm, 0x31000 + 1 * 8, 0x32000 | P);		/* PDPT[1] -> PD */
	put64(vm, 0x32000 + 2 * 8, 0x200000 | PS | P);		/* 2 MiB */
	put64(vm, 0x30000 + 256 * 8, 0x33000 | P);		/* PML4[256]: upper half */
	put64(vm, 0x33000, 0x34000 | P);
	put64(vm, 0x34000, 0x35000 | P);
	put64(vm, 0x35000 + 1 * 8, 0x150000 | P);		/* page 1 */
	put64(vm, 0x35000 + 2 * 8, 0x170000 | P);		/* page 2, not next to page 1 */
	EXPECT_EQ(HV_PAGING_4LEVEL, hv_paging_mode(&self->sregs));

	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x12345678, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x12345678, self->tr.gpa);
	EXPECT_EQ(1ULL << 30, self->tr.page_size);
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x40400000 + 0x1234, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x201234, self->tr.gpa);
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, high + 0x1abc, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x150abc, self->tr.gpa);
	EXPECT_EQ(4, self->tr.levels);

	/* a read across the page boundary takes each page from its own frame */
	memcpy(vm->mem + 0x150ffc, "abcd", 4);
	memcpy(vm->mem + 0x170000, "efgh", 4);
	{
		char buf[9] = { 0 };

		ASSERT_EQ(0, hv_gla_read(vm, &self->sregs, high + 0x1ffc, buf, 8,
					 self->why, sizeof(self->why)));
		EXPECT_STREQ("abcdefgh", buf);
		EXPECT_EQ(-EFAULT, hv_gla_read(vm, &self->sregs, high + 0x2ffc, buf, 8,
					       self->why, sizeof(self->why)));
		EXPECT_STREQ("linear 0xffff800000003000: PTE not present (0x0 at gpa 0x35018)",
			     self->why);
	}

	EXPECT_EQ(-EFAULT, hv_gla_translate(vm, &self->sregs, 0x0000800000000000ULL, &self->tr,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("0x800000000000 is not canonical (48-bit addresses)", self->why);

	/* 5-level paging adds a level on top */
	self->sregs.cr4 |= 1u << 12;
	self->sregs.cr3 = 0x36000;
	put64(vm, 0x36000, 0x30000 | P);
	EXPECT_EQ(HV_PAGING_5LEVEL, hv_paging_mode(&self->sregs));
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x12345678, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x12345678, self->tr.gpa);
	EXPECT_EQ(3, self->tr.levels);
}

TEST_F(mem, tables_outside_ram)
{
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr3 = 0xb8000;	/* in the hole */
	EXPECT_EQ(-EFAULT, hv_gla_translate(&self->vm, &self->sregs, 0x1000, &self->tr,
					    self->why, sizeof(self->why)));
	EXPECT_STREQ("the page directory at gpa 0xb8000 is not guest RAM", self->why);
}

/* What hvctl's own ELF64 loader builds: the low 4 GiB identity-mapped in 2 MiB pages */
TEST_F(mem, hvctl_elf64_tables)
{
	struct hv_vm *vm = &self->vm;
	uint64_t i;

	put64(vm, HV_PML4_ADDR, HV_PDPT_ADDR | P | RW);
	for (i = 0; i < 4; i++)
		put64(vm, HV_PDPT_ADDR + i * 8, (HV_PD_ADDR + i * 0x1000) | P | RW);
	for (i = 0; i < 4 * 512; i++)
		put64(vm, HV_PD_ADDR + i * 8, (i << 21) | PS | P | RW);
	self->sregs.cr0 = 0x80000031;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = HV_PML4_ADDR;
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0x100123, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0x100123, self->tr.gpa);
	ASSERT_EQ(0, hv_gla_translate(vm, &self->sregs, 0xfee00000, &self->tr,
				      self->why, sizeof(self->why)));
	EXPECT_EQ(0xfee00000, self->tr.gpa);
}

TEST_HARNESS_MAIN
