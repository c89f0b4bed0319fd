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

/*
 * @rmw: the guest's read-modify-write runs, each a read and then a write
 * of the same address: its cases whose result goes back to memory (ALU
 * m,r and m,imm but CMP and TEST, XCHG, BTS, BTR, BTC: 46 in both modes,
 * 7 more in 64-bit mode), four runs each. A write too many (CMP writing
 * back what it read) or too few (BTS of a bit already set, skipped) is
 * seen here, though memory would look the same.
 */
static void run_guest(struct __test_metadata *_metadata, FIXTURE_DATA(mmio) *self,
		      const char *guest, unsigned int rmw)
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
	EXPECT_EQ(rmw, seen.read_then_write);
}

TEST_F(mmio, insns32)
{
	run_guest(_metadata, self, "mmio_insns32", 4 * 46);
}

TEST_F(mmio, insns64)
{
	run_guest(_metadata, self, "mmio_insns64", 4 * 53);
}

/*
 * Not every EPT violation outside RAM is an operand: here the CPU's own
 * walk reads a page table at 0xb0000, in the hole, to translate a load
 * from 0x400000. The exit says so (a linear address, not translated);
 * the VM stops with that reason instead of handing the page-table read
 * to the device as the load's operand.
 */
TEST_F(mmio, page_table_in_the_hole_is_no_operand)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0x20, 0x00, 0x00,		/* mov $0x2000, %eax */
		0x0f, 0x22, 0xd8,			/* mov %eax, %cr3 */
		0x0f, 0x20, 0xc0,			/* mov %cr0, %eax */
		0x0d, 0x00, 0x00, 0x00, 0x80,		/* or $0x80000000, %eax */
		0x0f, 0x22, 0xc0,			/* mov %eax, %cr0 */
		0x8b, 0x1d, 0x00, 0x00, 0x40, 0x00,	/* mov 0x400000, %ebx */
		0xf4,					/* hlt */
	};
	uint32_t *page_dir, *table;
	int i;

	ASSERT_EQ(0, hv_open(&self->vm));
	ASSERT_EQ(0, hv_create(&self->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&self->vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_enter_flat32(&self->vm));
	page_dir = (uint32_t *)(self->vm.mem + 0x2000);
	table = (uint32_t *)(self->vm.mem + 0x3000);
	for (i = 0; i < 1024; i++)		/* 0-4 MiB: identity */
		table[i] = i << 12 | 3;
	page_dir[0] = 0x3000 | 3;
	page_dir[1] = 0xb0000 | 3;		/* 4-8 MiB: a page table in the hole */
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, self->r.last_exit);
	EXPECT_NE(NULL, strstr(self->r.reason, "a page walk, not an operand")) TH_LOG("%s", self->r.reason);
	EXPECT_EQ(0, seen.reads + seen.writes + seen.outside);
}

/*
 * An operand across a page boundary: into more MMIO, it is one access of
 * the device's (a 4-byte store at 0xbfffe); into RAM (at 0xffffe, RAM
 * from 0x100000), hvlab would hand the device bytes that are RAM's: the
 * VM stops with that reason.
 */
TEST_F(mmio, operands_across_pages)
{
	static const uint8_t code[] = {
		0xb8, 0xff, 0xbf,			/* mov $0xbfff, %ax */
		0x8e, 0xc0,				/* mov %ax, %es */
		0x26, 0x66, 0xc7, 0x06, 0x0e, 0x00,	/* movl $0x12345678, %es:0xe */
		0x78, 0x56, 0x34, 0x12,
		0xb8, 0xff, 0xff,			/* mov $0xffff, %ax */
		0x8e, 0xc0,				/* mov %ax, %es */
		0x26, 0x66, 0xc7, 0x06, 0x0e, 0x00,	/* movl $0x12345678, %es:0xe */
		0x78, 0x56, 0x34, 0x12,
		0xf4,					/* hlt */
	};
	const struct seen_exit *x;

	ASSERT_EQ(0, hv_open(&self->vm));
	ASSERT_EQ(0, hv_create(&self->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&self->vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	ASSERT_LE(2, self->r.nexits);
	x = &self->r.exits[0];
	EXPECT_EQ(HVLAB_EXIT_MMIO, x->run_exit);
	EXPECT_EQ(0xbfffe, x->gpa);
	EXPECT_EQ(4, x->mmio_len);
	EXPECT_EQ(HVLAB_ACCESS_WRITE, x->mmio_access);
	EXPECT_EQ(0, memcmp(x->mmio_data, "\x78\x56\x34\x12", 4));
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, self->r.last_exit);
	EXPECT_NE(NULL, strstr(self->r.reason, "runs on into RAM")) TH_LOG("%s", self->r.reason);
}

TEST_HARNESS_MAIN
