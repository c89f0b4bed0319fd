// SPDX-License-Identifier: GPL-2.0
/*
 * strio_paging.c - INS and OUTS with paging on: the kernel finds each
 * element through the guest's page tables (module/guest_mem.c), as the
 * CPU would, in 32-bit paging (with a 4 MiB page), PAE paging (2 MiB) and
 * 4-level paging (2 MiB and 1 GiB), and injects the #PF the CPU would.
 *
 * The test writes the page tables, GDT and IDT into guest memory and puts
 * the vCPU in protected or long mode with HVLAB_SET_SREGS. The guest runs
 * "mov %eax, %cr0; <one string instruction>; hlt" with the registers the
 * test sets; its #PF handler is a HLT. Linear memory, in every mode:
 *
 *   0 - 2 MiB     identity-mapped 4 KiB pages: GDT, IDT, stack, code, tables
 *   0x800000      4 KiB page -> gpa 0x300000
 *   0x801000      4 KiB page -> gpa 0x305000 (not the gpa after the last)
 *   0x802000      4 KiB page -> gpa 0x306000
 *   0x803000      4 KiB page -> gpa 0x307000, read-only (CR0.WP is set)
 *   0x804000      not present
 *   0xc00000      a large page: 4 MiB -> gpa 0 (32-bit paging, CR4.PSE),
 *                 2 MiB -> gpa 0x200000 (PAE and 4-level paging)
 *   0x40000000    4-level paging: a 1 GiB page -> gpa 0
 */
#include <cpuid.h>

#include "hvtest.h"

#define GDT		0x1000
#define IDT		0x2000
#define STACK_TOP	0x7000
#define CODE		0x7c00
#define PF_HANDLER	0x7e00
#define TABLES		0x10000		/* page tables from here on */

#define L_SPLIT		0x800000ULL
#define L_IN		0x802000ULL
#define L_RO		0x803000ULL
#define L_ABSENT	0x804000ULL
#define L_LARGE		0xc00000ULL
#define L_1G		0x40000000ULL

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL

#define CR0_PE		0x1ULL
#define CR0_ET		0x10ULL
#define CR0_WP		0x10000ULL
#define CR0_PG		0x80000000ULL
#define CR4_PSE		0x10ULL
#define CR4_PAE		0x20ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL
#define RFLAGS_DF	0x400ULL

#define EXIT_IO		30
#define PF_W		0x2		/* #PF error code: a write */
#define PF_P		0x1		/* #PF error code: a protection violation */

enum paging { PAGING_32, PAGING_PAE, PAGING_4LEVEL };

FIXTURE(paging) {
	struct hv_vm vm;
	struct guest_result r;
	enum paging mode;
	uint64_t next_table, cr3, cr0;
	uint64_t large_gpa;		/* where L_LARGE points */
	int has_1g;			/* L_1G is mapped */
};

FIXTURE_VARIANT(paging) {
	enum paging mode;
};

FIXTURE_VARIANT_ADD(paging, paging32) { .mode = PAGING_32 };
FIXTURE_VARIANT_ADD(paging, pae) { .mode = PAGING_PAE };
FIXTURE_VARIANT_ADD(paging, four_level) { .mode = PAGING_4LEVEL };

static uint64_t get_entry(FIXTURE_DATA(paging) *self, uint64_t table, unsigned int i)
{
	if (self->mode == PAGING_32)
		return ((uint32_t *)(self->vm.mem + table))[i];
	return ((uint64_t *)(self->vm.mem + table))[i];
}

static void set_entry(FIXTURE_DATA(paging) *self, uint64_t table, unsigned int i, uint64_t v)
{
	if (self->mode == PAGING_32)
		((uint32_t *)(self->vm.mem + table))[i] = v;
	else
		((uint64_t *)(self->vm.mem + table))[i] = v;
}

static uint64_t new_table(FIXTURE_DATA(paging) *self)
{
	uint64_t gpa = self->next_table;

	self->next_table += 0x1000;
	memset(self->vm.mem + gpa, 0, 0x1000);
	return gpa;
}

/* Map the page of @size (4 KiB or large) at @linear to @gpa. */
static void map(FIXTURE_DATA(paging) *self, uint64_t linear, uint64_t gpa, uint64_t size,
		uint64_t flags)
{
	int bits = self->mode == PAGING_32 ? 10 : 9;
	int level = self->mode == PAGING_4LEVEL ? 4 : 2;
	uint64_t table = self->cr3, e;

	if (self->mode == PAGING_PAE) {
		/* CR3 points at four PDPTEs, which have no R/W or U/S bit */
		e = get_entry(self, table, (linear >> 30) & 3);
		if (!(e & PTE_P)) {
			e = new_table(self) | PTE_P;
			set_entry(self, table, (linear >> 30) & 3, e);
		}
		table = e & ~0xfffULL;
	}
	for (;; level--) {
		int shift = 12 + bits * (level - 1);
		unsigned int i = (linear >> shift) & ((1u << bits) - 1);

		if (size == 1ULL << shift) {
			set_entry(self, table, i, gpa | flags | (level > 1 ? PTE_PS : 0));
			return;
		}
		e = get_entry(self, table, i);
		if (!(e & PTE_P)) {
			e = new_table(self) | PTE_P | PTE_RW;
			set_entry(self, table, i, e);
		}
		table = e & ~0xfffULL;
	}
}

FIXTURE_SETUP(paging)
{
	static const uint64_t gdt[] = {
		0,
		0x00cf9b000000ffffULL,		/* 0x08: 32-bit code, flat */
		0x00cf93000000ffffULL,		/* 0x10: data, flat */
		0x00af9b000000ffffULL,		/* 0x18: 64-bit code */
	};
	struct hvlab_segment data = {
		.limit = 0xffffffff, .selector = 0x10, .access_rights = 0xc093,
	};
	static const uint8_t hlt = 0xf4;
	unsigned int eax, ebx, ecx, edx;
	struct hvlab_sregs sregs;
	uint8_t *mem;
	uint64_t a, gate;

	self->mode = variant->mode;
	ASSERT_EQ(0, hv_open(&self->vm));
	ASSERT_EQ(0, hv_create(&self->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&self->vm, &hlt, 1));
	mem = self->vm.mem;
	memcpy(mem + GDT, gdt, sizeof(gdt));

	/* vector 14 -> PF_HANDLER, an interrupt gate (SDM 6.11, 6.14.1) */
	mem[PF_HANDLER] = 0xf4;
	gate = PF_HANDLER | 0x8e0000000000ULL;
	if (self->mode == PAGING_4LEVEL) {
		gate |= 0x18 << 16;
		memcpy(mem + IDT + 14 * 16, &gate, 8);
		memset(mem + IDT + 14 * 16 + 8, 0, 8);
	} else {
		gate |= 0x08 << 16;
		memcpy(mem + IDT + 14 * 8, &gate, 8);
	}

	self->next_table = TABLES;
	self->cr3 = new_table(self);
	for (a = 0; a < 0x200000; a += 0x1000)
		map(self, a, a, 0x1000, PTE_P | PTE_RW);
	map(self, L_SPLIT, 0x300000, 0x1000, PTE_P | PTE_RW);
	map(self, L_SPLIT + 0x1000, 0x305000, 0x1000, PTE_P | PTE_RW);
	map(self, L_IN, 0x306000, 0x1000, PTE_P | PTE_RW);
	map(self, L_RO, 0x307000, 0x1000, PTE_P);
	if (self->mode == PAGING_32) {
		self->large_gpa = 0;
		map(self, L_LARGE, 0, 0x400000, PTE_P | PTE_RW);
	} else {
		self->large_gpa = 0x200000;
		map(self, L_LARGE, 0x200000, 0x200000, PTE_P | PTE_RW);
	}
	/* 1 GiB pages, where the CPU has them (CPUID 0x80000001 EDX[26]) */
	if (self->mode == PAGING_4LEVEL && __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) &&
	    (edx & (1u << 26))) {
		map(self, L_1G, 0, 0x40000000, PTE_P | PTE_RW);
		self->has_1g = 1;
	}

	ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cs = data;
	sregs.cs.selector = 0x08;
	sregs.cs.access_rights = 0xc09b;
	sregs.gdt.base = GDT;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = IDT;
	sregs.idt.limit = self->mode == PAGING_4LEVEL ? 256 * 16 - 1 : 256 * 8 - 1;
	sregs.cr3 = self->cr3;
	self->cr0 = CR0_PE | CR0_ET | CR0_WP | CR0_PG;
	sregs.cr0 = self->cr0;
	switch (self->mode) {
	case PAGING_32:
		sregs.cr4 = CR4_PSE;
		break;
	case PAGING_PAE:
		/*
		 * The guest turns paging on itself ("mov %eax, %cr0"): that
		 * loads the PDPTEs from memory (SDM 4.4.1), which entering
		 * with paging already on would not.
		 */
		sregs.cr4 = CR4_PAE;
		sregs.cr0 &= ~CR0_PG;
		break;
	case PAGING_4LEVEL:
		sregs.cr4 = CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
		sregs.cs.selector = 0x18;
		sregs.cs.access_rights = 0xa09b;	/* L=1, D=0 */
		break;
	}
	ASSERT_EQ(0, hv_set_sregs(&self->vm, &sregs));
}

FIXTURE_TEARDOWN(paging)
{
	hv_close(&self->vm);
}

/*
 * Run "mov %eax, %cr0; @insn; hlt" with @regs (RSI, RDI, RCX, RDX, and
 * RFLAGS.DF) until the guest halts; @regs is then what the guest left.
 */
static void run_insn(struct __test_metadata *_metadata, FIXTURE_DATA(paging) *self,
		     const char *insn, size_t len, struct hvlab_regs *regs)
{
	uint8_t *code = self->vm.mem + CODE;

	memcpy(code, "\x0f\x22\xc0", 3);
	memcpy(code + 3, insn, len);
	code[3 + len] = 0xf4;
	regs->rax = self->cr0;
	regs->rip = CODE;
	regs->rsp = STACK_TOP;
	regs->rflags |= 0x2;
	ASSERT_EQ(0, hv_set_regs(&self->vm, regs));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_STOP_EVERY_EXIT, &self->r));
	ASSERT_EQ(HVLAB_EXIT_HLT, self->r.last_exit) TH_LOG("reason: %s", self->r.reason);
	ASSERT_EQ(0, hv_get_regs(&self->vm, regs));
}

/* The string instruction exited once per element, each to userspace. */
static void expect_elements(struct __test_metadata *_metadata, const struct guest_result *r,
			    int n, uint8_t dir, uint8_t size, int rep)
{
	int i;

	ASSERT_EQ(n + 1, r->nexits);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(HVLAB_EXIT_IO, r->exits[i].run_exit) TH_LOG("exit %d", i);
		EXPECT_EQ(dir, r->exits[i].io_dir);
		EXPECT_EQ(size, r->exits[i].io_size);
		EXPECT_EQ(1, r->exits[i].io_string);
		EXPECT_EQ(rep, r->exits[i].io_rep);
		EXPECT_EQ(rep ? n - i : 1, r->exits[i].io_count);
	}
}

/* OUTS from two linear pages that map to gpas far apart */
TEST_F(paging, outs_across_pages)
{
	struct hvlab_regs regs = { 0 };

	memcpy(self->vm.mem + 0x300ffd, "pag", 3);
	memcpy(self->vm.mem + 0x305000, "ed\n", 3);

	regs.rsi = L_SPLIT + 0xffd;
	regs.rcx = 6;
	regs.rdx = 0xe9;
	run_insn(_metadata, self, "\xf3\x6e", 2, &regs);		/* rep outsb */
	expect_elements(_metadata, &self->r, 6, HVLAB_IO_OUT, 1, 1);
	self->r.output[self->r.output_len] = 0;
	EXPECT_STREQ("paged\n", self->r.output);
	EXPECT_EQ(L_SPLIT + 0x1003, regs.rsi);
	EXPECT_EQ(0, regs.rcx);

	/* one dword, two bytes from each page */
	regs.rsi = L_SPLIT + 0xffe;
	regs.rdx = 0x80;
	run_insn(_metadata, self, "\x6f", 1, &regs);		/* outsd */
	expect_elements(_metadata, &self->r, 1, HVLAB_IO_OUT, 4, 0);
	EXPECT_EQ(0x64656761, self->r.exits[0].io_data);	/* "aged" */
	EXPECT_EQ(L_SPLIT + 0x1002, regs.rsi);
}

/* INS to two linear pages that map to gpas far apart, and backwards */
TEST_F(paging, ins_across_pages)
{
	struct hvlab_regs regs = { 0 };
	uint8_t *mem = self->vm.mem;

	memset(mem + 0x300ff0, 0x55, 0x10);
	memset(mem + 0x305000, 0x55, 0x10);
	regs.rdi = L_SPLIT + 0xffe;
	regs.rdx = 0xe9;
	run_insn(_metadata, self, "\x6d", 1, &regs);		/* insd: 0x000000e9 */
	expect_elements(_metadata, &self->r, 1, HVLAB_IO_IN, 4, 0);
	EXPECT_EQ(0x55, mem[0x300ffd]);
	EXPECT_EQ(0xe9, mem[0x300ffe]);
	EXPECT_EQ(0, mem[0x300fff]);
	EXPECT_EQ(0, mem[0x305000]);
	EXPECT_EQ(0, mem[0x305001]);
	EXPECT_EQ(0x55, mem[0x305002]);
	EXPECT_EQ(L_SPLIT + 0x1002, regs.rdi);

	memset(mem + 0x306000, 0x55, 4);
	regs.rdi = L_IN + 2;
	regs.rcx = 3;
	regs.rflags = RFLAGS_DF;
	run_insn(_metadata, self, "\xf3\x6c", 2, &regs);	/* std; rep insb */
	expect_elements(_metadata, &self->r, 3, HVLAB_IO_IN, 1, 1);
	EXPECT_EQ(0, memcmp(mem + 0x306000, "\xe9\xe9\xe9\x55", 4));
	EXPECT_EQ(L_IN - 1, regs.rdi);
	EXPECT_EQ(0, regs.rcx);
}

/* 4 MiB (32-bit paging with PSE), 2 MiB and 1 GiB pages */
TEST_F(paging, large_pages)
{
	struct hvlab_regs regs = { 0 };
	uint8_t *mem = self->vm.mem;

	memcpy(mem + self->large_gpa + 0x1234, "big\n", 4);
	regs.rsi = L_LARGE + 0x1234;
	regs.rcx = 4;
	regs.rdx = 0xe9;
	run_insn(_metadata, self, "\xf3\x6e", 2, &regs);	/* rep outsb */
	expect_elements(_metadata, &self->r, 4, HVLAB_IO_OUT, 1, 1);
	self->r.output[self->r.output_len] = 0;
	EXPECT_STREQ("big\n", self->r.output);

	mem[self->large_gpa + 0x2000] = 0;
	regs.rdi = L_LARGE + 0x2000;
	run_insn(_metadata, self, "\x6c", 1, &regs);		/* insb */
	EXPECT_EQ(0xe9, mem[self->large_gpa + 0x2000]);

	if (!self->has_1g)
		return;
	memcpy(mem + 0x9000, "huge\n", 5);
	regs.rsi = L_1G + 0x9000;
	regs.rcx = 5;
	run_insn(_metadata, self, "\xf3\x6e", 2, &regs);
	self->r.output[self->r.output_len] = 0;
	EXPECT_STREQ("huge\n", self->r.output);
}

/*
 * An element the page tables do not allow: the guest gets the #PF a CPU
 * would give it, error code and CR2 included, at the instruction, with
 * nothing moved; userspace sees no I/O exit.
 */
static void expect_page_fault(struct __test_metadata *_metadata, FIXTURE_DATA(paging) *self,
			      const char *insn, uint64_t rsi, uint64_t rdi, uint64_t cr2,
			      uint32_t error_code)
{
	struct hvlab_regs regs = { .rsi = rsi, .rdi = rdi, .rcx = 1, .rdx = 0x80 };
	int wide = self->mode == PAGING_4LEVEL;
	struct hvlab_sregs sregs;
	uint64_t frame[2] = { 0 };

	run_insn(_metadata, self, insn, strlen(insn), &regs);
	ASSERT_EQ(2, self->r.nexits);
	EXPECT_EQ(HVLAB_EXIT_HANDLED, self->r.exits[0].run_exit);
	EXPECT_EQ(EXIT_IO, self->r.exits[0].vmx_reason);
	EXPECT_EQ(PF_HANDLER + 1, regs.rip);			/* the handler's HLT */
	/* error code, then the faulting RIP (SDM 6.13, 6.14.2) */
	if (wide) {
		memcpy(frame, self->vm.mem + regs.rsp, 16);
	} else {
		uint32_t f32[2];

		memcpy(f32, self->vm.mem + regs.rsp, 8);
		frame[0] = f32[0];
		frame[1] = f32[1];
	}
	EXPECT_EQ(error_code, frame[0]);
	EXPECT_EQ(CODE + 3, frame[1]);
	ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
	EXPECT_EQ(cr2, sregs.cr2);
	EXPECT_EQ(rsi, regs.rsi);
	EXPECT_EQ(rdi, regs.rdi);
	EXPECT_EQ(1, regs.rcx);
}

TEST_F(paging, page_faults)
{
	uint8_t *mem = self->vm.mem;

	/* insb: a write to a page that is not present */
	expect_page_fault(_metadata, self, "\xf3\x6c", 0, L_ABSENT + 0x10, L_ABSENT + 0x10, PF_W);
	/* outsb: a read of it */
	expect_page_fault(_metadata, self, "\xf3\x6e", L_ABSENT + 0x20, 0, L_ABSENT + 0x20, 0);
	/* insb to a read-only page, with CR0.WP */
	expect_page_fault(_metadata, self, "\x6c", 0, L_RO + 0x30, L_RO + 0x30, PF_W | PF_P);
	/* insd half in a writable page, half in a read-only one: nothing written */
	memset(mem + 0x306ffe, 0x55, 2);
	expect_page_fault(_metadata, self, "\x6d", 0, L_RO - 2, L_RO, PF_W | PF_P);
	EXPECT_EQ(0x55, mem[0x306ffe]);
	EXPECT_EQ(0x55, mem[0x306fff]);

	/* reading the read-only page is fine */
	{
		struct hvlab_regs regs = { .rsi = L_RO, .rdx = 0x80 };

		mem[0x307000] = 0x42;
		run_insn(_metadata, self, "\x6e", 1, &regs);	/* outsb */
		expect_elements(_metadata, &self->r, 1, HVLAB_IO_OUT, 1, 0);
		EXPECT_EQ(0x42, self->r.exits[0].io_data);
	}
}

/*
 * 64-bit mode: DS has no base there, FS does (SDM 3.4.4); an addr32
 * prefix makes it ESI and ECX, and writing them clears bits 63:32.
 */
TEST_F(paging, long_mode_addressing)
{
	struct hvlab_regs regs = { 0 };
	struct hvlab_sregs sregs;

	if (self->mode != PAGING_4LEVEL)
		SKIP(return, "64-bit mode only");
	ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
	sregs.ds.base = 0x1000;		/* ignored in 64-bit mode */
	sregs.fs.base = 0x1000;
	ASSERT_EQ(0, hv_set_sregs(&self->vm, &sregs));
	memcpy(self->vm.mem + 0x9000, "AZ", 2);
	memcpy(self->vm.mem + 0xa000, "B", 1);

	regs.rsi = 0x9000;
	regs.rdx = 0xe9;
	run_insn(_metadata, self, "\x6e", 1, &regs);		/* outsb */
	EXPECT_EQ('A', self->r.exits[0].io_data);
	regs.rsi = 0x9000;
	run_insn(_metadata, self, "\x64\x6e", 2, &regs);	/* outsb %fs:(%rsi) */
	EXPECT_EQ('B', self->r.exits[0].io_data);

	regs.rsi = 0xffffffff00009000ULL;
	regs.rcx = 0xffffffff00000002ULL;
	run_insn(_metadata, self, "\x67\xf3\x6e", 3, &regs);	/* addr32 rep outsb */
	expect_elements(_metadata, &self->r, 2, HVLAB_IO_OUT, 1, 1);
	self->r.output[self->r.output_len] = 0;
	EXPECT_STREQ("AZ", self->r.output);
	EXPECT_EQ(0x9002, regs.rsi);
	EXPECT_EQ(0, regs.rcx);
}

TEST_HARNESS_MAIN
