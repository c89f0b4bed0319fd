// SPDX-License-Identifier: GPL-2.0
/*
 * guests.c - every guest in guests/, run through /dev/hvlab, with the exact
 * exit sequence and the decoded details asserted.
 *
 * Each run stops at every VM exit (HVLAB_RUN_STOP_EVERY_EXIT), so exits
 * handled in the kernel (CPUID, VMCALL) are seen too. External-interrupt
 * exits come at random times and are left out of the sequences.
 */
#include <cpuid.h>

#include "hvtest.h"

#define EXIT_CPUID	10
#define EXIT_HLT	12
#define EXIT_VMCALL	18
#define EXIT_IO		30
#define EXIT_EPT_VIOLATION 48
#define EXIT_TRIPLE_FAULT 2

FIXTURE(guest) {
	struct hv_vm vm;
	struct guest_result r;
};

FIXTURE_SETUP(guest)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.dev_fd = self->vm.vm_fd = self->vm.vcpu_fd = -1;
}

FIXTURE_TEARDOWN(guest)
{
	hv_close(&self->vm);
}

/* Assert exits[from..] are OUTs of @text to port 0xe9, one byte each. */
static int expect_output_exits(struct __test_metadata *_metadata,
			       const struct guest_result *r, int from, const char *text)
{
	size_t i;

	for (i = 0; text[i]; i++) {
		const struct seen_exit *e = &r->exits[from + i];

		EXPECT_EQ(HVLAB_EXIT_IO, e->run_exit);
		EXPECT_EQ(EXIT_IO, e->vmx_reason);
		EXPECT_EQ(HVLAB_IO_OUT, e->io_dir);
		EXPECT_EQ(1, e->io_size);
		EXPECT_EQ(0xe9, e->io_port);
		EXPECT_EQ((uint8_t)text[i], e->io_data);
	}
	return from + i;
}

static void expect_halt_last(struct __test_metadata *_metadata,
			     const struct guest_result *r, int index)
{
	ASSERT_EQ(index + 1, r->nexits);
	EXPECT_EQ(HVLAB_EXIT_HLT, r->exits[index].run_exit);
	EXPECT_EQ(EXIT_HLT, r->exits[index].vmx_reason);
}

TEST_F(guest, hello)
{
	const char *text = "Hello from an hvlab guest!\n";
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	ASSERT_EQ(strlen(text) + 1, self->r.nexits);
	ASSERT_EQ(strlen(text), self->r.output_len);
	EXPECT_EQ(0, memcmp(text, self->r.output, strlen(text)));
	i = expect_output_exits(_metadata, &self->r, 0, text);
	expect_halt_last(_metadata, &self->r, i);
	/* The first OUT is at 0x7c00 + a few bytes: the guest really ran there. */
	EXPECT_GT(self->r.exits[0].rip, 0x7c00);
	EXPECT_LT(self->r.exits[0].rip, 0x7c40);
}

TEST_F(guest, cpuid)
{
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	/* Three CPUIDs, each handled in the kernel, then "cpuid ok\n". */
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit);
		EXPECT_EQ(EXIT_CPUID, self->r.exits[i].vmx_reason);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("cpuid ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 3, "cpuid ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

TEST_F(guest, io)
{
	/* port, size, direction, value: the guest's six port accesses in order */
	static const struct { uint16_t port; uint8_t size, dir, imm; uint32_t data; } want[] = {
		{ 0x80, 1, HVLAB_IO_OUT, 1, 0x12 },
		{ 0x80, 2, HVLAB_IO_OUT, 0, 0x3456 },
		{ 0x80, 4, HVLAB_IO_OUT, 0, 0x789abcde },
		{ 0xe9, 1, HVLAB_IO_IN, 1, 0xe9 },
		{ 0x80, 2, HVLAB_IO_IN, 0, 0xffff },
		{ 0x80, 4, HVLAB_IO_IN, 0, 0xffffffff },
	};
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "io"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < 6; i++) {
		const struct seen_exit *e = &self->r.exits[i];
		struct hv_io_qual q;

		EXPECT_EQ(HVLAB_EXIT_IO, e->run_exit);
		EXPECT_EQ(want[i].port, e->io_port);
		EXPECT_EQ(want[i].size, e->io_size);
		EXPECT_EQ(want[i].dir, e->io_dir);
		EXPECT_EQ(want[i].data, e->io_data);
		/* and the raw qualification says the same (SDM Table 28-5) */
		hv_decode_io(e->qualification, &q);
		EXPECT_EQ(want[i].port, q.port);
		EXPECT_EQ(want[i].size, q.size);
		EXPECT_EQ(want[i].dir == HVLAB_IO_IN, q.in);
		EXPECT_EQ(want[i].imm, q.immediate);
		EXPECT_EQ(0, q.string);
		/* and the run page says it: not string I/O, one element */
		EXPECT_EQ(0, e->io_string);
		EXPECT_EQ(0, e->io_rep);
		EXPECT_EQ(1, e->io_count);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("io ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 6, "io ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

/*
 * INS and OUTS: one I/O exit per element, with string = 1, rep as the
 * prefix says and count = the elements left, this one included. A REP
 * keeps RIP on the instruction until its last element; a REP with a
 * count of 0 exits too, and is finished in the kernel.
 */
TEST_F(guest, strio)
{
	static const char banner[] = "rep outsb says hi\n";
	static const struct {
		uint16_t port;
		uint8_t size, dir, rep;
		uint32_t data, count;
	} want[] = {
		{ 0x80, 2, HVLAB_IO_OUT, 0, 0x1234, 1 },	/* outsw */
		{ 0x80, 4, HVLAB_IO_OUT, 0, 0x89abcdef, 1 },	/* outsl */
		{ 0x80, 2, HVLAB_IO_OUT, 1, 0x2222, 2 },	/* std; rep outsw */
		{ 0x80, 2, HVLAB_IO_OUT, 1, 0x1111, 1 },
		{ 0x80, 1, HVLAB_IO_OUT, 1, 0x44, 1 },		/* rep outsb, CX of ECX */
		{ 0x80, 4, HVLAB_IO_OUT, 1, 0x88776655, 2 },	/* std; addr32 rep outsl */
		{ 0x80, 4, HVLAB_IO_OUT, 1, 0x11223344, 1 },
		{ 0x80, 1, HVLAB_IO_OUT, 0, 0x5a, 1 },		/* outsb %fs:(%si) */
		{ 0xe9, 1, HVLAB_IO_IN, 0, 0xe9, 1 },		/* insb */
		{ 0x80, 2, HVLAB_IO_IN, 1, 0xffff, 3 },		/* rep insw */
		{ 0x80, 2, HVLAB_IO_IN, 1, 0xffff, 2 },
		{ 0x80, 2, HVLAB_IO_IN, 1, 0xffff, 1 },
		{ 0xe9, 4, HVLAB_IO_IN, 1, 0xe9, 2 },		/* std; rep insl */
		{ 0xe9, 4, HVLAB_IO_IN, 1, 0xe9, 1 },
		{ 0xe9, 2, HVLAB_IO_IN, 0, 0xe9, 1 },		/* addr32 insw */
		{ 0x80, 4, HVLAB_IO_OUT, 0, 0x11223344, 1 },	/* outsl across a page */
		{ 0xe9, 4, HVLAB_IO_IN, 0, 0xe9, 1 },		/* insl across a page */
	};
	const int nbanner = strlen(banner), nwant = sizeof(want) / sizeof(want[0]);
	const struct seen_exit *e;
	struct hv_io_qual q;
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "strio"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("rep outsb says hi\nstrio ok\n", self->r.output);

	/* rep outsb to the console: a byte per exit, RIP on the instruction */
	for (i = 0; i < nbanner; i++) {
		e = &self->r.exits[i];
		EXPECT_EQ(HVLAB_EXIT_IO, e->run_exit) TH_LOG("exit %d", i);
		EXPECT_EQ(HVLAB_IO_OUT, e->io_dir);
		EXPECT_EQ(0xe9, e->io_port);
		EXPECT_EQ(1, e->io_size);
		EXPECT_EQ((uint8_t)banner[i], e->io_data) TH_LOG("exit %d", i);
		EXPECT_EQ(1, e->io_string);
		EXPECT_EQ(1, e->io_rep);
		EXPECT_EQ(nbanner - i, e->io_count) TH_LOG("exit %d", i);
		EXPECT_EQ(self->r.exits[0].rip, e->rip) TH_LOG("exit %d", i);
		hv_decode_io(e->qualification, &q);
		EXPECT_TRUE(q.string && q.rep && !q.in);
	}
	EXPECT_GT(self->r.exits[nbanner].rip, self->r.exits[0].rip);

	for (i = 0; i < nwant; i++) {
		e = &self->r.exits[nbanner + i];
		EXPECT_EQ(HVLAB_EXIT_IO, e->run_exit) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].port, e->io_port) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].size, e->io_size) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].dir, e->io_dir) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].data, e->io_data) TH_LOG("element %d", i);
		EXPECT_EQ(1, e->io_string) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].rep, e->io_rep) TH_LOG("element %d", i);
		EXPECT_EQ(want[i].count, e->io_count) TH_LOG("element %d", i);
		hv_decode_io(e->qualification, &q);
		EXPECT_EQ(1, q.string);
		EXPECT_EQ(want[i].rep, q.rep);
		EXPECT_EQ(want[i].dir == HVLAB_IO_IN, q.in);
		/* the elements of one REP share its RIP */
		if (want[i].rep && want[i].count > 1)
			EXPECT_EQ(e->rip, e[1].rip) TH_LOG("element %d", i);
	}

	/* rep outsb and rep insb with CX = 0: in the kernel, nothing moved */
	for (i = nbanner + nwant; i < nbanner + nwant + 2; i++) {
		e = &self->r.exits[i];
		EXPECT_EQ(HVLAB_EXIT_HANDLED, e->run_exit) TH_LOG("exit %d", i);
		EXPECT_EQ(EXIT_IO, e->vmx_reason) TH_LOG("exit %d", i);
		hv_decode_io(e->qualification, &q);
		EXPECT_TRUE(q.string && q.rep) TH_LOG("exit %d", i);
		EXPECT_EQ(i == nbanner + nwant + 1, q.in);
	}

	/* "strio ok" by plain OUT: not string I/O */
	i = nbanner + nwant + 2;
	EXPECT_EQ(0, self->r.exits[i].io_string);
	EXPECT_EQ(1, self->r.exits[i].io_count);
	i = expect_output_exits(_metadata, &self->r, i, "strio ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

TEST_F(guest, vmcall)
{
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "vmcall"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit);
		EXPECT_EQ(EXIT_VMCALL, self->r.exits[i].vmx_reason);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("vmcall ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 3, "vmcall ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

TEST_F(guest, mmio)
{
	const struct seen_exit *w, *rd;
	struct hv_ept_qual q;
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "mmio"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	w = &self->r.exits[0];
	rd = &self->r.exits[1];
	/* movw $0x0748, %es:0 with ES = 0xb800 */
	EXPECT_EQ(HVLAB_EXIT_MMIO, w->run_exit);
	EXPECT_EQ(EXIT_EPT_VIOLATION, w->vmx_reason);
	EXPECT_EQ(0xb8000, w->gpa);
	EXPECT_EQ(2, w->mmio_len);
	EXPECT_EQ(HVLAB_ACCESS_WRITE, w->mmio_access);
	EXPECT_EQ(0x48, w->mmio_data[0]);
	EXPECT_EQ(0x07, w->mmio_data[1]);
	hv_decode_ept(w->qualification, &q);
	EXPECT_EQ(1, q.write);
	EXPECT_EQ(0, q.fetch);
	EXPECT_EQ(0, q.readable | q.writable | q.executable);	/* nothing mapped */
	/* mov %es:2, %bx reads all ones */
	EXPECT_EQ(HVLAB_EXIT_MMIO, rd->run_exit);
	EXPECT_EQ(0xb8002, rd->gpa);
	EXPECT_EQ(2, rd->mmio_len);
	EXPECT_EQ(HVLAB_ACCESS_READ, rd->mmio_access);
	hv_decode_ept(rd->qualification, &q);
	EXPECT_EQ(1, q.read);
	EXPECT_EQ(0, q.write);
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("mmio ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 2, "mmio ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

TEST_F(guest, triple_fault)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, "triple_fault"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	ASSERT_EQ(1, self->r.nexits);
	EXPECT_EQ(HVLAB_EXIT_SHUTDOWN, self->r.exits[0].run_exit);
	EXPECT_EQ(EXIT_TRIPLE_FAULT, self->r.exits[0].vmx_reason);
	EXPECT_EQ(0, self->r.output_len);
	/* The VM is dead now: running again says why, and never enters. */
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, self->vm.run->exit_reason);
	EXPECT_NE(NULL, strstr(self->vm.run->internal.reason, "triple"));
}

/*
 * RDMSR, WRMSR and RDPMC exit and come back as a #GP the guest handles;
 * INVD, WBINVD, MONITOR and MWAIT exit and are skipped. Each is one
 * in-kernel exit, in program order, at the instruction's own address.
 */
TEST_F(guest, faults)
{
	static const struct { uint32_t reason; uint64_t rip; } want[] = {
		{ 31, 0x7c16 },		/* RDMSR -> #GP */
		{ 32, 0x7c1e },		/* WRMSR -> #GP */
		{ 15, 0x7c23 },		/* RDPMC -> #GP */
		{ 13, 0x7c25 },		/* INVD */
		{ 54, 0x7c27 },		/* WBINVD */
		{ 39, 0x7c32 },		/* MONITOR */
		{ 36, 0x7c35 },		/* MWAIT */
	};
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "faults"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit);
		EXPECT_EQ(want[i].reason, self->r.exits[i].vmx_reason) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i].rip, self->r.exits[i].rip) TH_LOG("exit %u", i);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("faults ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 7, "faults ok\n");
	expect_halt_last(_metadata, &self->r, i);
}

/*
 * MOV to CR0/CR4 that touches a host-owned bit exits and is emulated in
 * the kernel; the qualification names the CR and the source register.
 */
TEST_F(guest, cr)
{
	static const struct { unsigned int cr; uint64_t rip; } want[] = {
		{ 0, 0x7c1f },		/* set NE */
		{ 0, 0x7c33 },		/* set CD */
		{ 0, 0x7c47 },		/* clear CD */
		{ 0, 0x7c50 },		/* set NW without CD: #GP */
		{ 4, 0x7c67 },		/* set VMXE: #GP */
	};
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cr"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct seen_exit *e = &self->r.exits[i];
		struct hv_cr_qual q;

		EXPECT_EQ(HVLAB_EXIT_HANDLED, e->run_exit) TH_LOG("exit %u", i);
		EXPECT_EQ(28, e->vmx_reason) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i].rip, e->rip) TH_LOG("exit %u", i);
		hv_decode_cr(e->qualification, &q);
		EXPECT_EQ(want[i].cr, q.cr) TH_LOG("exit %u", i);
		EXPECT_EQ(0, q.access);		/* MOV to CR */
		EXPECT_EQ(0, q.gpr);		/* from EAX */
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("cr ok\n", self->r.output);
	i = expect_output_exits(_metadata, &self->r, 5, "cr ok\n");
	expect_halt_last(_metadata, &self->r, i);
	/* the guest's view survives in the shadow: NE set, CD and NW clear */
	{
		struct hvlab_sregs sregs;

		ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
		EXPECT_EQ(0x20, sregs.cr0 & 0x60000020);
		EXPECT_EQ(0, sregs.cr4 & 0x2000);
	}
}

/* Table 28-4: DR number 2:0, direction 4 (1 = MOV from DR), GPR 11:8 */
TEST_F(guest, dr)
{
	static const struct { unsigned int dr, from, gpr; } want[] = {
		{ 0, 0, 0 }, { 0, 1, 3 }, { 7, 1, 0 }, { 7, 0, 0 }, { 7, 1, 1 }, { 6, 1, 2 },
	};
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "dr"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < 6; i++) {
		const struct seen_exit *e = &self->r.exits[i];

		EXPECT_EQ(HVLAB_EXIT_HANDLED, e->run_exit) TH_LOG("exit %u", i);
		EXPECT_EQ(29, e->vmx_reason) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i].dr, e->qualification & 7) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i].from, (e->qualification >> 4) & 1) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i].gpr, (e->qualification >> 8) & 0xf) TH_LOG("exit %u", i);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("dr ok\n", self->r.output);
}

/* Every VMX instruction exits and comes back to the guest as #UD. */
TEST_F(guest, vmx_instructions)
{
	static const uint32_t want[] = { 27, 26, 19, 21, 22, 23, 25, 20, 24, 50, 53 };
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "vmx_insns"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit) TH_LOG("exit %u", i);
		EXPECT_EQ(want[i], self->r.exits[i].vmx_reason) TH_LOG("exit %u", i);
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("vmx_insns ok\n", self->r.output);
	EXPECT_EQ(HVLAB_EXIT_HLT, self->r.last_exit);
}

/*
 * XSETBV exits; the guest's XCR0 is its own and checked like a CPU's.
 * Where this (lab) kernel runs without XSAVE, the guest gets none either:
 * its attempt to set CR4.OSXSAVE exits and fails with #GP.
 */
TEST_F(guest, xsetbv)
{
	unsigned int eax, ebx, ecx, edx;
	int i;

	ASSERT_TRUE(__get_cpuid(1, &eax, &ebx, &ecx, &edx));
	ASSERT_EQ(0, hvtest_create(&self->vm, "xsetbv"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	EXPECT_EQ(10, self->r.exits[0].vmx_reason);	/* CPUID: is there XSAVE? */
	if (ecx & (1u << 27)) {				/* the host uses XSAVE */
		for (i = 1; i <= 3; i++) {
			EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit) TH_LOG("exit %d", i);
			EXPECT_EQ(55, self->r.exits[i].vmx_reason) TH_LOG("exit %d", i);
		}
	} else {
		TH_LOG("this kernel runs without XSAVE: the guest must get none");
		EXPECT_EQ(28, self->r.exits[1].vmx_reason);	/* MOV to CR4.OSXSAVE */
		EXPECT_EQ(0, hvtest_count(&self->r, 55));
	}
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("xsetbv ok\n", self->r.output);
}

/* Every RDMSR and WRMSR exits (31, 32) and is emulated or refused. */
TEST_F(guest, msr)
{
	int i, rd = 0, wr = 0;

	ASSERT_EQ(0, hvtest_create(&self->vm, "msr"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	for (i = 0; i < self->r.nexits; i++) {
		rd += self->r.exits[i].vmx_reason == 31;
		wr += self->r.exits[i].vmx_reason == 32;
		if (self->r.exits[i].vmx_reason == 31 || self->r.exits[i].vmx_reason == 32)
			EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[i].run_exit);
	}
	EXPECT_EQ(8, rd);	/* EFER x2, PAT x2, SYSENTER_CS, TSC x2, unknown */
	EXPECT_EQ(3, wr);	/* EFER, PAT (refused), SYSENTER_CS */
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("msr ok\n", self->r.output);
	{
		struct hvlab_sregs sregs;

		ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
		EXPECT_EQ(0x101, sregs.efer);	/* the guest's WRMSR reached the VMCS */
	}
}

static uint32_t tsc_high;

static void record_tsc_high(struct hvlab_run *run)
{
	if (run->io.direction == HVLAB_IO_OUT && run->io.port == 0x84)
		tsc_high = run->io.data;
}

/*
 * Intercepts userspace asks for: RDTSC, RDTSCP, PAUSE, INVLPG, and #UD and
 * #BP in the exception bitmap. Each exits once; the exceptions still reach
 * the guest's own handlers, and the TSC offset shows in what it reads.
 */
TEST_F(guest, intercepts)
{
	struct hvlab_intercepts in = {
		.exception_bitmap = (1u << 6) | (1u << 3),
		.flags = HVLAB_INTERCEPT_RDTSC | HVLAB_INTERCEPT_PAUSE | HVLAB_INTERCEPT_INVLPG,
		.tsc_offset = 1ULL << 40,
	};
	static const uint32_t want[] = { 51, 40, 14, 0, 0 };	/* after RDTSC and the OUT */
	struct hvlab_intercepts back;
	unsigned int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "intercepts"));
	ASSERT_EQ(0, ioctl(self->vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	ASSERT_EQ(0, ioctl(self->vm.vcpu_fd, HVLAB_GET_INTERCEPTS, &back));
	EXPECT_EQ(0, memcmp(&in, &back, sizeof(in)));
	hvtest_io_hook = record_tsc_high;
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	hvtest_io_hook = NULL;

	EXPECT_EQ(16, self->r.exits[0].vmx_reason);		/* RDTSC */
	EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[0].run_exit);
	EXPECT_EQ(HVLAB_EXIT_IO, self->r.exits[1].run_exit);	/* out %eax, $0x84 */
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(want[i], self->r.exits[2 + i].vmx_reason) TH_LOG("exit %u", 2 + i);
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[2 + i].run_exit);
	}
	EXPECT_GE(tsc_high, 0x100);		/* 2^40 added to the TSC */
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("intercepts ok\n", self->r.output);

	/* bad requests change nothing */
	in.flags = 1u << 30;
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	EXPECT_EQ(EINVAL, errno);
	in.flags = 0;
	in.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->vm.vcpu_fd, HVLAB_GET_INTERCEPTS, &back));
	EXPECT_EQ(HVLAB_INTERCEPT_RDTSC | HVLAB_INTERCEPT_PAUSE | HVLAB_INTERCEPT_INVLPG,
		  back.flags);
}

/* The same guest without intercepts: no such exits, same result. */
TEST_F(guest, intercepts_off)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, "intercepts"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	EXPECT_EQ(0, hvtest_count(&self->r, 16) + hvtest_count(&self->r, 51) +
		     hvtest_count(&self->r, 40) + hvtest_count(&self->r, 14) +
		     hvtest_count(&self->r, 0));
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("intercepts ok\n", self->r.output);
}

/* Without STOP_EVERY_EXIT, in-kernel exits never reach userspace. */
TEST_F(guest, loop_in_kernel)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, "loop"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ(".........loop ok\n", self->r.output);
	EXPECT_EQ(0, hvtest_count(&self->r, EXIT_CPUID));
	EXPECT_GE(self->r.total_exits, 10000 + 17 + 1);
}

/* The trace ring sees every exit, including those handled in the kernel. */
TEST_F(guest, trace_ring)
{
	struct hvlab_run *run;
	uint64_t seq = 0, cpuids = 0, outs = 0;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_TRACE;
	for (;;) {
		ASSERT_EQ(0, hv_run(&self->vm));
		while (run->trace_tail < run->trace_head) {
			const struct hvlab_exit_record *rec =
				&run->trace[run->trace_tail++ % HVLAB_TRACE_ENTRIES];

			EXPECT_EQ(++seq, rec->seq);
			cpuids += HVLAB_VMX_EXIT_BASIC(rec->reason) == EXIT_CPUID;
			outs += HVLAB_VMX_EXIT_BASIC(rec->reason) == EXIT_IO;
		}
		if (run->exit_reason == HVLAB_EXIT_HLT)
			break;
		ASSERT_TRUE(run->exit_reason == HVLAB_EXIT_IO ||
			    run->exit_reason == HVLAB_EXIT_TRACE_FULL);
	}
	EXPECT_EQ(3, cpuids);
	EXPECT_EQ(strlen("cpuid ok\n"), outs);
	EXPECT_EQ(run->exit_count, seq);
}

TEST_HARNESS_MAIN
