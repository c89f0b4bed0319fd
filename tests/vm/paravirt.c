// SPDX-License-Identifier: GPL-2.0
/*
 * paravirt.c - the paravirtual console (lab 7; docs/hypercalls.md): the
 * same 4 KiB printed through port 0xe9, by one hypercall and through a
 * ring in guest memory (guests/elf/paravirt.c), with the exits and TSC
 * ticks each costs; and the hypercalls given every bad argument a guest
 * could pass (guests/elf/pv_hostile.c).
 *
 * The exits are counted by the kernel's own statistics (exits.VMCALL),
 * and the text, the ways and the ring's size come from the grading seed.
 */
#include <sys/ioctl.h>

#include "hvtest.h"

#define PV_CONFIG_PORT	0x85	/* guests/elf/paravirt.c */
#define PV_SEED_PORT	0x86
#define PV_LAYOUT_PORT	0x87	/* guests/elf/pv_hostile.c */
#define PV_TICKS_PORT	0x90
#define TEXT_SIZE	4096

enum { WAY_PORT = 1, WAY_HYPERCALL = 2, WAY_RING = 3 };

static uint32_t pv_config, pv_seed, pv_layout;
static uint32_t pv_ticks[4];	/* by way */

static void pv_io(struct hvlab_run *run)
{
	uint16_t port = run->io.port;

	if (run->io.direction == HVLAB_IO_IN) {
		if (port == PV_CONFIG_PORT)
			run->io.data = pv_config;
		else if (port == PV_SEED_PORT)
			run->io.data = pv_seed;
		else if (port == PV_LAYOUT_PORT)
			run->io.data = pv_layout;
		return;
	}
	if (port > PV_TICKS_PORT && port <= PV_TICKS_PORT + 4 * WAY_RING && run->io.size == 4)
		pv_ticks[(port - PV_TICKS_PORT) / 4] = run->io.data;
}

/* What guests/elf/paravirt.c prints, from the same seed */
static void make_text(uint32_t seed, char *text)
{
	int i;

	for (i = 0; i < TEXT_SIZE; i++) {
		seed = seed * 1103515245 + 12345;
		text[i] = i % 64 == 63 ? '\n' : 'a' + (seed >> 16) % 26;
	}
}

FIXTURE(pv) {
	struct hv_vm vm;
	struct guest_result r;
	char text[TEXT_SIZE];
};

FIXTURE_SETUP(pv)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.dev_fd = self->vm.vm_fd = self->vm.vcpu_fd = -1;
	hvtest_io_hook = pv_io;
	pv_layout = 0;
	memset(pv_ticks, 0, sizeof(pv_ticks));
}

FIXTURE_TEARDOWN(pv)
{
	hv_close(&self->vm);
}

/* A guest that did not halt as it should: what it said, and why it stopped */
static void log_unexpected_end(struct __test_metadata *_metadata, const struct guest_result *r)
{
	if (r->last_exit != HVLAB_EXIT_HLT || r->exit_value >= 0)
		TH_LOG("the guest said: %.300s%s", r->output, r->reason);
}

/* Run guests/elf/paravirt64.elf with the ways in @ways (bits 1 << (way - 1)). */
static void run_paravirt(struct __test_metadata *_metadata, FIXTURE_DATA(pv) *self,
			 uint32_t ways, uint32_t ring_shift, const char *seed_name)
{
	pv_seed = hvtest_grade_seed(seed_name);
	pv_config = ways | ring_shift << 8;
	make_text(pv_seed, self->text);
	ASSERT_EQ(0, hvtest_create(&self->vm, "paravirt64"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	self->r.output[self->r.output_len] = 0;
	log_unexpected_end(_metadata, &self->r);
	ASSERT_EQ(HVLAB_EXIT_HLT, self->r.last_exit);
	ASSERT_EQ(-1, self->r.exit_value);
}

static int count_console_exits(const struct guest_result *r)
{
	int i, n = 0;

	for (i = 0; i < r->nexits; i++)
		n += r->exits[i].run_exit == HVLAB_EXIT_CONSOLE;
	return n;
}

static int count_outs(const struct guest_result *r, uint16_t port)
{
	int i, n = 0;

	for (i = 0; i < r->nexits; i++)
		n += r->exits[i].run_exit == HVLAB_EXIT_IO && r->exits[i].io_port == port &&
		     r->exits[i].io_dir == HVLAB_IO_OUT;
	return n;
}

/* 4 KiB by HVLAB_HC_CONSOLE_WRITE: whole, in order, in at most 4 exits. */
TEST_F(pv, hypercall)
{
	uint64_t vmcalls;

	run_paravirt(_metadata, self, 1 << (WAY_HYPERCALL - 1), 0, "pv.hypercall");
	vmcalls = hvtest_vcpu_stat(&self->vm, "exits.VMCALL");
	printf("# pv: 4096 bytes by hypercall: %llu VMCALL exits, %d to userspace with bytes, %u ticks\n",
	       (unsigned long long)vmcalls, count_console_exits(&self->r), pv_ticks[WAY_HYPERCALL]);
	ASSERT_EQ(TEXT_SIZE, self->r.output_len);
	EXPECT_EQ(0, memcmp(self->text, self->r.output, TEXT_SIZE));
	EXPECT_EQ(0, count_outs(&self->r, 0xe9));
	EXPECT_LE(vmcalls, 4);
	EXPECT_LE(count_console_exits(&self->r), 4);
	EXPECT_EQ(TEXT_SIZE, hvtest_vcpu_stat(&self->vm, "console_bytes"));
}

/*
 * 4 KiB through a ring of a size from the seed (64 B - 4 KiB): whole, in
 * order, and a doorbell only per ring-full: at most 4096 / size + 1
 * VMCALLs, the ring's setup included.
 */
TEST_F(pv, ring)
{
	uint32_t seed = hvtest_grade_seed("pv.ring"), shift = 6 + seed % 7, size = 1u << shift;
	uint64_t vmcalls;

	run_paravirt(_metadata, self, 1 << (WAY_RING - 1), shift, "pv.ring text");
	vmcalls = hvtest_vcpu_stat(&self->vm, "exits.VMCALL");
	printf("# pv: 4096 bytes through a %u-byte ring: %llu VMCALL exits (at most %u), %u ticks\n",
	       size, (unsigned long long)vmcalls, TEXT_SIZE / size + 1, pv_ticks[WAY_RING]);
	ASSERT_EQ(TEXT_SIZE, self->r.output_len);
	EXPECT_EQ(0, memcmp(self->text, self->r.output, TEXT_SIZE));
	EXPECT_EQ(0, count_outs(&self->r, 0xe9));
	EXPECT_LE(vmcalls, TEXT_SIZE / size + 1);
	EXPECT_EQ(TEXT_SIZE, hvtest_vcpu_stat(&self->vm, "console_bytes"));
}

/*
 * The three ways side by side, in one guest: a byte per OUT is 4096 exits
 * to userspace; the hypercall and the ring cost under a twentieth of its
 * ticks. Under Bochs with one CPU the ticks are instructions: the same
 * numbers at every run (docs/labvm.md).
 */
TEST_F(pv, compare)
{
	uint64_t vmcalls;
	int i;

	run_paravirt(_metadata, self, 7, 10, "pv.compare");
	vmcalls = hvtest_vcpu_stat(&self->vm, "exits.VMCALL");
	printf("# pv: 4 KiB by OUT: %d exits to userspace, %u ticks\n",
	       count_outs(&self->r, 0xe9), pv_ticks[WAY_PORT]);
	printf("# pv: 4 KiB by hypercall and through a 1 KiB ring: %llu VMCALL exits in all; %u and %u ticks\n",
	       (unsigned long long)vmcalls, pv_ticks[WAY_HYPERCALL], pv_ticks[WAY_RING]);
	ASSERT_EQ(3 * TEXT_SIZE, self->r.output_len);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, memcmp(self->text, self->r.output + i * TEXT_SIZE, TEXT_SIZE));
	EXPECT_EQ(TEXT_SIZE, count_outs(&self->r, 0xe9));
	EXPECT_LE(vmcalls, 4 + TEXT_SIZE / 1024 + 1);
	ASSERT_NE(0, pv_ticks[WAY_PORT]);
	EXPECT_LT(20ULL * pv_ticks[WAY_HYPERCALL], pv_ticks[WAY_PORT]);
	EXPECT_LT(20ULL * pv_ticks[WAY_RING], pv_ticks[WAY_PORT]);
}

/*
 * guests/elf/pv_hostile.c, with two more slots: RAM at 0xa0000-0xaffff,
 * right after low RAM (one guest range, two unrelated host ranges), and
 * MMIO at 0xd0000. Every bad call fails as documented, prints nothing
 * and writes nothing; exactly its four good prints reach userspace.
 */
static void run_hostile(struct __test_metadata *_metadata, FIXTURE_DATA(pv) *self,
			const char *guest)
{
	struct hvlab_memory_region ram = {
		.slot = 2, .guest_phys_addr = 0xa0000, .memory_size = 0x10000,
	};
	struct hvlab_memory_region mmio = {
		.slot = 3, .flags = HVLAB_MEM_MMIO, .guest_phys_addr = 0xd0000,
		.memory_size = 0x1000,
	};

	ASSERT_EQ(0, hvtest_create(&self->vm, guest));
	ram.userspace_addr = (uintptr_t)self->vm.mem + 0xa0000;
	ASSERT_EQ(0, ioctl(self->vm.vm_fd, HVLAB_SET_MEMORY_REGION, &ram));
	ASSERT_EQ(0, ioctl(self->vm.vm_fd, HVLAB_SET_MEMORY_REGION, &mmio));
	pv_layout = 1;
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	self->r.output[self->r.output_len] = 0;
	log_unexpected_end(_metadata, &self->r);
	EXPECT_STREQ("slots:ok\npages:ok\n0123456789abcdefghijklmnopqrstu\nok\npv_hostile ok\n",
		     self->r.output);
	EXPECT_EQ(4, count_console_exits(&self->r));
	EXPECT_EQ(HVLAB_EXIT_HLT, self->r.last_exit);
	EXPECT_EQ(-1, self->r.exit_value);
}

TEST_F(pv, hostile64)
{
	run_hostile(_metadata, self, "pv_hostile64");
}

TEST_F(pv, hostile32)
{
	run_hostile(_metadata, self, "pv_hostile32");
}

TEST_HARNESS_MAIN
