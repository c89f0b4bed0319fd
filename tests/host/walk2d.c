// SPDX-License-Identifier: GPL-2.0
/*
 * walk2d.c - host-side tests of the two-dimensional walk
 * (userspace/walk2d.c): guest page tables built in a buffer laid out like
 * guest RAM, and an EPT of 4 KiB leaves that maps that RAM at host
 * address gpa + 0x100000000, as HVLAB_GET_EPT would return it. Each paging
 * mode gives its chain and its count of memory references (SDM 29.3.2):
 * 4 x 5 + 4 = 24 for 4-level paging, 2 x 5 + 4 = 14 for 32-bit paging,
 * and 14 for PAE, whose PDPTEs the CPU loaded with CR3.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "walk2d.h"

#define MEM		(4u << 20)
#define HOST		0x100000000ULL	/* where "the host" has guest RAM */
#define P		0x1ULL
#define RW		0x2ULL
#define PS		0x80ULL

static void put32(struct hv_vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm->mem + gpa, &v, 4);
}

static void put64(struct hv_vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm->mem + gpa, &v, 8);
}

FIXTURE(walk) {
	struct hv_vm vm;
	struct hvlab_sregs sregs;
	struct hv_ept ept;
	struct hv_walk2d w;
};

/* Guest RAM as hvctl lays it out, each page one EPT leaf; no EPT for the hole */
FIXTURE_SETUP(walk)
{
	uint64_t gpa;
	size_t n = 0;

	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.mem = calloc(1, MEM);
	self->vm.mem_size = MEM;
	ASSERT_NE(NULL, self->vm.mem);
	memset(&self->sregs, 0, sizeof(self->sregs));
	self->ept = (struct hv_ept){ .eptp = 0x5000 | 0x1e };
	self->ept.leaves = calloc(MEM / 4096, sizeof(*self->ept.leaves));
	ASSERT_NE(NULL, self->ept.leaves);
	for (gpa = 0; gpa < MEM; gpa += 4096) {
		struct hvlab_ept_leaf *leaf = &self->ept.leaves[n];

		if (gpa >= 0xa0000 && gpa < 0x100000)
			continue;
		leaf->gpa = gpa;
		leaf->level = 1;
		leaf->entry[0] = 0x7001007;
		leaf->entry[1] = 0x7002007;
		leaf->entry[2] = 0x7010007 + (gpa >> 21) * 0x1000;
		leaf->entry[3] = (HOST + gpa) | 0x77;
		n++;
	}
	self->ept.count = n;
}

FIXTURE_TEARDOWN(walk)
{
	free(self->vm.mem);
	free(self->ept.leaves);
}

/* GVA 0x201234 through PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000, to GPA 0x305234 */
TEST_F(walk, four_level_paging_is_24_references)
{
	struct hv_walk2d *w = &self->w;

	put64(&self->vm, 0x10000, 0x11000 | P | RW);
	put64(&self->vm, 0x11000, 0x12000 | P | RW);
	put64(&self->vm, 0x12000 + 1 * 8, 0x13000 | P | RW);
	put64(&self->vm, 0x13000 + 1 * 8, 0x305000 | P | RW);
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = 0x10000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x201234, w);
	EXPECT_EQ(HV_WALK_OK, w->fault) TH_LOG("%s", w->why);
	ASSERT_EQ(4, w->nsteps);
	EXPECT_STREQ("PML4E", w->step[0].name);
	EXPECT_STREQ("PTE", w->step[3].name);
	EXPECT_EQ(0x12008, w->step[2].entry_gpa);
	EXPECT_EQ(1, w->step[2].index);
	/* each guest entry's GPA went through 4 EPT levels, to its host page */
	EXPECT_EQ(4, w->step[2].ept.refs);
	EXPECT_EQ(HOST + 0x12008, w->step[2].ept.hpa);
	EXPECT_EQ(0x7010007, w->step[2].ept.entry[2]);
	EXPECT_EQ(0x305000 | P | RW, w->step[3].value);
	EXPECT_EQ(0x305234, w->gpa);
	EXPECT_EQ(HOST + 0x305234, w->final.hpa);
	EXPECT_EQ(24, w->references);
}

TEST_F(walk, two_mib_guest_page_is_19_references)
{
	struct hv_walk2d *w = &self->w;

	put64(&self->vm, 0x10000, 0x11000 | P | RW);
	put64(&self->vm, 0x11000, 0x12000 | P | RW);
	put64(&self->vm, 0x12000 + 1 * 8, 0x200000 | P | RW | PS);
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = 0x10000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x2abcde, w);
	EXPECT_EQ(HV_WALK_OK, w->fault);
	EXPECT_EQ(3, w->nsteps);
	EXPECT_EQ(0x2abcde, w->gpa);
	EXPECT_EQ(2 << 20, w->page_size);
	EXPECT_EQ(3 * 5 + 4, w->references);
}

TEST_F(walk, thirty_two_bit_paging_is_14_references)
{
	struct hv_walk2d *w = &self->w;

	put32(&self->vm, 0x20000 + 1 * 4, 0x21000 | P | RW);	/* PDE 1: 4-8 MiB */
	put32(&self->vm, 0x21000 + 2 * 4, 0x1ff000 | P | RW);
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr3 = 0x20000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x402010, w);
	EXPECT_EQ(HV_WALK_OK, w->fault) TH_LOG("%s", w->why);
	ASSERT_EQ(2, w->nsteps);
	EXPECT_STREQ("PDE", w->step[0].name);
	EXPECT_EQ(1, w->step[0].index);
	EXPECT_EQ(2, w->step[1].index);
	EXPECT_EQ(0x1ff010, w->gpa);
	EXPECT_EQ(14, w->references);
}

TEST_F(walk, pae_pdptes_come_from_registers)
{
	struct hv_walk2d *w = &self->w;

	put64(&self->vm, 0x30000 + 0 * 8, 0x31000 | P);		/* PDPTE 0 */
	put64(&self->vm, 0x31000 + 1 * 8, 0x32000 | P | RW);	/* PDE 1 */
	put64(&self->vm, 0x32000 + 3 * 8, 0x123000 | P | RW);	/* PTE 3 */
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.cr3 = 0x30000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x203456, w);
	EXPECT_EQ(HV_WALK_OK, w->fault) TH_LOG("%s", w->why);
	ASSERT_EQ(3, w->nsteps);
	EXPECT_STREQ("PDPTE", w->step[0].name);
	EXPECT_EQ(0, w->step[0].ept.refs);
	EXPECT_EQ(0, w->step[0].read);
	EXPECT_EQ(0x123456, w->gpa);
	EXPECT_EQ(14, w->references);
}

TEST_F(walk, guest_entry_not_present_is_a_guest_page_fault)
{
	struct hv_walk2d *w = &self->w;

	put64(&self->vm, 0x10000, 0x11000 | P | RW);
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = 0x10000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x201234, w);
	EXPECT_EQ(HV_WALK_GUEST_PF, w->fault);
	EXPECT_EQ(1, w->fault_step);
	EXPECT_EQ(2 * 5, w->references);
	EXPECT_FALSE(w->translated);
}

/* A guest table in the VGA hole: EPT has nothing there, exit 48 before the read */
TEST_F(walk, guest_table_outside_ept_is_a_violation)
{
	struct hv_walk2d *w = &self->w;

	put64(&self->vm, 0x10000, 0xb0000 | P | RW);
	self->sregs.cr0 = 0x80000011;
	self->sregs.cr4 = 0x20;
	self->sregs.efer = 0x500;
	self->sregs.cr3 = 0x10000;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x1000, w);
	EXPECT_EQ(HV_WALK_EPT_VIOLATION, w->fault);
	EXPECT_EQ(1, w->fault_step);
	/* PML4E: 4 + 1; then EPT for 0xb0000: PML4E, PDPTE, PDE present, the PTE not */
	EXPECT_EQ(5 + 4, w->references);
	EXPECT_EQ(0, w->step[1].ept.entry[3]);
	EXPECT_EQ(0x7010007, w->step[1].ept.entry[2]);
}

TEST_F(walk, no_paging_is_the_ept_walk_alone)
{
	struct hv_walk2d *w = &self->w;

	self->sregs.cr0 = 0x11;
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x7c00, w);
	EXPECT_EQ(HV_WALK_OK, w->fault);
	EXPECT_EQ(0, w->nsteps);
	EXPECT_EQ(4, w->references);
	EXPECT_EQ(HOST + 0x7c00, w->final.hpa);
	/* beyond RAM: the PDE of 2-4 MiB exists, the PDPTE of 1-2 GiB does not */
	hv_walk2d(&self->vm, &self->sregs, &self->ept, 0x40000000, w);
	EXPECT_EQ(HV_WALK_EPT_VIOLATION, w->fault);
	EXPECT_EQ(2, w->references);
}

TEST_HARNESS_MAIN
