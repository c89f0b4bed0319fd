// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_insns.c - MMIO beyond MOV (module/mmio_ops.c): the ALU ops, TEST,
 * XCHG, the bit tests, MOVSX and MOVS/STOS with REP.
 *
 * guests/elf/mmio_insns.c runs each instruction against RAM and against
 * the MMIO window at 0xd0000 and compares registers, flags and memory.
 * This test is the window's device: a page that answers reads with what
 * writes left, so that the CPU's run against RAM is the oracle. It also
 * checks what the device saw: every access inside the page, 1, 2, 4 or 8
 * bytes, and read-modify-write instructions as a read, then a write of
 * the same address and size with no guest instruction between them.
 */
#include "hvtest.h"

#define WINDOW_GPA	0xd0000

static uint8_t window_page[4096];
static struct {
	unsigned int reads, writes, read_then_write, outside;
	uint64_t last_read_gpa;
	uint32_t last_read_len;
	uint64_t last_read_exit;
} seen;

static void window_device(struct hvlab_run *run)
{
	uint64_t off = run->mmio.phys_addr - WINDOW_GPA;
	uint32_t len = run->mmio.len;

	if (run->mmio.phys_addr < WINDOW_GPA || off + len > sizeof(window_page) ||
	    (len != 1 && len != 2 && len != 4 && len != 8)) {
		seen.outside++;
		return;
	}
	if (run->mmio.access == HVLAB_ACCESS_READ) {
		memcpy(run->mmio.data, window_page + off, len);
		seen.reads++;
		seen.last_read_gpa = run->mmio.phys_addr;
		seen.last_read_len = len;
		seen.last_read_exit = run->exit_count;
		return;
	}
	memcpy(window_page + off, run->mmio.data, len);
	seen.writes++;
	/* The write of a read-modify-write comes with no VM exit between */
	if (seen.last_read_exit == run->exit_count && seen.last_read_gpa == run->mmio.phys_addr &&
	    seen.last_read_len == len)
		seen.read_then_write++;
}

FIXTURE(mmio)
{
	struct hv_vm vm;
	struct guest_result r;
};

FIXTURE_SETUP(mmio)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.dev_fd = self->vm.vm_fd = self->vm.vcpu_fd = -1;
	memset(&seen, 0, sizeof(seen));
	memset(window_page, 0, sizeof(window_page));
	hvtest_mmio_hook = window_device;
}

FIXTURE_TEARDOWN(mmio)
{
	hvtest_mmio_hook = NULL;
	hv_close(&self->vm);
}

static void run_guest(struct __test_metadata *_metadata, FIXTURE_DATA(mmio) *self,
		      const char *guest)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, guest));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	TH_LOG("%s: %u reads, %u writes, %u of them read-modify-write", guest,
	       seen.reads, seen.writes, seen.read_then_write);
	EXPECT_STREQ("", self->r.reason);
	EXPECT_EQ(HVLAB_EXIT_HLT, self->r.last_exit) TH_LOG("%s", self->r.output);
	EXPECT_EQ(-1, self->r.exit_value) TH_LOG("%s", self->r.output);
	EXPECT_NE(NULL, strstr(self->r.output, ", 0 differ from RAM\n")) TH_LOG("%s", self->r.output);
	EXPECT_EQ(0, seen.outside);
	/* Each case's RMW forms, in four runs: ADD m,r ... XCHG, BTS */
	EXPECT_LE(4 * 40, seen.read_then_write);
}

TEST_F(mmio, insns32)
{
	run_guest(_metadata, self, "mmio_insns32");
}

TEST_F(mmio, insns64)
{
	run_guest(_metadata, self, "mmio_insns64");
}

TEST_HARNESS_MAIN
