// SPDX-License-Identifier: GPL-2.0
/*
 * mem_attr.c - HVLAB_SET_MEMORY_ATTRIBUTES: userspace takes read, write or
 * execute away from RAM pages (their EPT leaves), and an access the
 * rights deny exits as HVLAB_EXIT_MEMORY_ACCESS with the EPT-violation
 * qualification decoded (SDM 29.3.3.2, Table 28-7). Then what is built
 * on it: copy-on-write, execute tracing, and large pages split when part
 * of one changes.
 */
#include <sys/mman.h>

#include "hvtest.h"
#include "ept_image.h"

#define R	HVLAB_MEM_ATTR_READ
#define W	HVLAB_MEM_ATTR_WRITE
#define X	HVLAB_MEM_ATTR_EXECUTE
#define MIB	(1ULL << 20)

static int set_rights(struct hv_vm *vm, uint64_t gpa, uint64_t size, uint32_t rights)
{
	return hv_set_memory_rights(vm, gpa, size, rights);
}

/* A real-mode VM with @code at 0x7c00 and AL = 0x77 */
static void create_real_mode(struct __test_metadata *_metadata, struct hv_vm *vm,
			     const uint8_t *code, size_t len)
{
	struct hvlab_regs regs;

	ASSERT_EQ(0, hv_open(vm));
	ASSERT_EQ(0, hv_create(vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(vm, code, len));
	ASSERT_EQ(0, hv_get_regs(vm, &regs));
	regs.rax = 0x77;
	ASSERT_EQ(0, hv_set_regs(vm, &regs));
}

/*
 * Each kind of access on a page without that right: the exit names the
 * access, the page's rights, the GPA and the linear address, at the
 * instruction, which has not happened; with the right given back it does.
 */
TEST(each_denied_access_exits_decoded)
{
	static const uint8_t code[] = {
		0xa2, 0x00, 0x50,	/* 7c00: mov %al,0x5000 */
		0xa0, 0x00, 0x60,	/* 7c03: mov 0x6000,%al */
		0xe9, 0xf7, 0x03,	/* 7c06: jmp 0x8000 */
	};
	static const struct {
		uint64_t gpa;
		uint32_t rights, access;
		uint64_t rip;
		const char *what;
	} cases[] = {
		{ 0x5000, R | X, HVLAB_ACCESS_WRITE, 0x7c00, "write-protected" },
		{ 0x6000, 0, HVLAB_ACCESS_READ, 0x7c03, "no rights" },
		{ 0x8000, R | W, HVLAB_ACCESS_FETCH, 0x8000, "execute-protected" },
	};
	struct hv_vm vm;
	size_t i;

	create_real_mode(_metadata, &vm, code, sizeof(code));
	vm.mem[0x6000] = 0x42;
	vm.mem[0x8000] = 0xf4;				/* hlt */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, set_rights(&vm, cases[i].gpa, 4096, cases[i].rights));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, hv_run(&vm));
		ASSERT_EQ(HVLAB_EXIT_MEMORY_ACCESS, vm.run->exit_reason) TH_LOG("%s: exit %u",
			cases[i].what, vm.run->exit_reason);
		EXPECT_EQ(48, HVLAB_VMX_EXIT_BASIC(vm.run->vmx_exit_reason));
		EXPECT_EQ(cases[i].gpa, vm.run->memory_access.gpa);
		EXPECT_EQ(cases[i].access, vm.run->memory_access.access) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(cases[i].rights, vm.run->memory_access.rights) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(HVLAB_MEM_ACCESS_GLA_VALID, vm.run->memory_access.flags);
		EXPECT_EQ(cases[i].gpa, vm.run->memory_access.gla);
		EXPECT_EQ(cases[i].rip, vm.run->guest_rip);
		/* Unchanged, it exits again at the same instruction */
		ASSERT_EQ(0, hv_run(&vm));
		ASSERT_EQ(HVLAB_EXIT_MEMORY_ACCESS, vm.run->exit_reason);
		EXPECT_EQ(cases[i].rip, vm.run->guest_rip);
		if (i == 0)
			EXPECT_EQ(0, vm.mem[0x5000]);	/* the write did not happen */
		ASSERT_EQ(0, set_rights(&vm, cases[i].gpa, 4096, R | W | X));
	}
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(0x77, vm.mem[0x5000]);
	{
		struct hvlab_regs regs;

		ASSERT_EQ(0, hv_get_regs(&vm, &regs));
		EXPECT_EQ(0x42, regs.rax & 0xff);
	}
	hv_close(&vm);
}

/*
 * The CPU's own reads of a guest page table (the walk of 32-bit paging,
 * 4 MiB page) on a page without rights: the exit says it was a
 * paging-structure entry, not the linear address's page.
 */
TEST(a_guest_page_table_without_rights_is_a_paging_entry_access)
{
	static const uint8_t code[] = { 0xf4 };	/* hlt */
	struct hvlab_sregs sregs;
	struct hv_vm vm;

	create_real_mode(_metadata, &vm, code, sizeof(code));
	ASSERT_EQ(0, hvtest_enter_flat32(&vm));
	*(uint32_t *)(vm.mem + 0x10000) = 0x83;	/* PDE 0: 4 MiB at 0, present, writable */
	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs));
	sregs.cr3 = 0x10000;
	sregs.cr4 |= 1 << 4;			/* PSE */
	sregs.cr0 |= 1U << 31;			/* PG */
	ASSERT_EQ(0, hv_set_sregs(&vm, &sregs));
	ASSERT_EQ(0, set_rights(&vm, 0x10000, 4096, 0));
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_MEMORY_ACCESS, vm.run->exit_reason);
	EXPECT_EQ(0x10000, vm.run->memory_access.gpa);	/* PDE 0 */
	EXPECT_EQ(HVLAB_MEM_ACCESS_GLA_VALID | HVLAB_MEM_ACCESS_PAGING_ENTRY,
		  vm.run->memory_access.flags);
	EXPECT_EQ(0x7c00, vm.run->memory_access.gla);
	EXPECT_EQ(0, vm.run->memory_access.rights);
	ASSERT_EQ(0, set_rights(&vm, 0x10000, 4096, R | W | X));
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	hv_close(&vm);
}

/*
 * Copy-on-write: two pages write-protected; the first write to each traps,
 * userspace keeps a copy of the page as it was and gives the write back;
 * the second write to a page does not trap.
 */
TEST(copy_on_write_traps_the_first_write_to_each_page)
{
	static const uint8_t code[] = {
		0xa2, 0x00, 0x50,	/* mov %al,0x5000 */
		0xa2, 0x01, 0x50,	/* mov %al,0x5001 */
		0xa2, 0x00, 0x60,	/* mov %al,0x6000 */
		0xf4,			/* hlt */
	};
	static uint8_t copies[2][4096];
	struct hv_vm vm;
	int traps = 0;

	create_real_mode(_metadata, &vm, code, sizeof(code));
	memset(vm.mem + 0x5000, 0x11, 4096);
	memset(vm.mem + 0x6000, 0x22, 4096);
	ASSERT_EQ(0, set_rights(&vm, 0x5000, 2 * 4096, R | X));
	for (;;) {
		uint64_t page;

		ASSERT_EQ(0, hv_run(&vm));
		if (vm.run->exit_reason != HVLAB_EXIT_MEMORY_ACCESS)
			break;
		ASSERT_EQ(HVLAB_ACCESS_WRITE, vm.run->memory_access.access);
		page = vm.run->memory_access.gpa & ~0xfffULL;
		ASSERT_TRUE(page == 0x5000 || page == 0x6000);
		memcpy(copies[page == 0x6000], vm.mem + page, 4096);
		ASSERT_EQ(0, set_rights(&vm, page, 4096, R | W | X));
		ASSERT_GT(3, ++traps);
	}
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(2, traps);
	EXPECT_EQ(0x11, copies[0][0]);
	EXPECT_EQ(0x11, copies[0][1]);
	EXPECT_EQ(0x22, copies[1][0]);
	EXPECT_EQ(0x77, vm.mem[0x5000]);
	EXPECT_EQ(0x77, vm.mem[0x5001]);
	EXPECT_EQ(0x77, vm.mem[0x6000]);
	hv_close(&vm);
}

/*
 * Execute tracing: only the page that runs may execute. Each fetch from
 * another page exits; userspace records the page, lets it execute and
 * takes execute from the one before. The trace is the code's path
 * between pages: calls to 0x8000 and 0x9000 and the returns.
 */
TEST(execute_tracing_follows_the_code_between_pages)
{
	static const uint8_t code[] = {
		0xe8, 0xfd, 0x03,	/* 7c00: call 0x8000 */
		0xe8, 0xfa, 0x13,	/* 7c03: call 0x9000 */
		0xe8, 0xf7, 0x03,	/* 7c06: call 0x8000 */
		0xf4,			/* 7c09: hlt */
	};
	static const uint64_t path[] = { 0x7000, 0x8000, 0x7000, 0x9000, 0x7000, 0x8000, 0x7000 };
	uint64_t trace[16], running = 0;
	struct hv_vm vm;
	size_t n = 0, i;

	create_real_mode(_metadata, &vm, code, sizeof(code));
	vm.mem[0x8000] = 0xc3;				/* ret */
	vm.mem[0x9000] = 0xc3;
	ASSERT_EQ(0, set_rights(&vm, 0x7000, 3 * 4096, R | W));
	for (;;) {
		uint64_t page;

		ASSERT_EQ(0, hv_run(&vm));
		if (vm.run->exit_reason != HVLAB_EXIT_MEMORY_ACCESS)
			break;
		ASSERT_EQ(HVLAB_ACCESS_FETCH, vm.run->memory_access.access);
		page = vm.run->memory_access.gpa & ~0xfffULL;
		ASSERT_GT(16, n);
		trace[n++] = page;
		ASSERT_EQ(0, set_rights(&vm, page, 4096, R | W | X));
		if (running)
			ASSERT_EQ(0, set_rights(&vm, running, 4096, R | W));
		running = page;
	}
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	ASSERT_EQ(sizeof(path) / sizeof(path[0]), n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(path[i], trace[i]) TH_LOG("step %zu", i);
	hv_close(&vm);
}

/*
 * A 2 MiB EPT page (hugetlbfs-backed guest) of which one 4 KiB page loses
 * write is split into 512 4 KiB leaves, all but that one still RWX and
 * mapping the same host memory; a whole 2 MiB page changes in place.
 */
TEST(a_large_page_splits_when_part_of_it_changes)
{
	static const uint8_t code[] = {
		0xa3, 0x00, 0x20, 0x40, 0x00,		/* mov %eax,0x402000 */
		0xa3, 0x00, 0x10, 0x40, 0x00,		/* mov %eax,0x401000 */
		0xf4,					/* hlt */
	};
	const struct hv_mem_config huge = { .size = 8 * MIB, .backing = HV_MEM_HUGETLB };
	const char *nr = "/proc/sys/vm/nr_hugepages";
	long long reserved = hvtest_read_number(nr);
	struct hvlab_regs regs;
	struct hv_ept ept;
	struct hv_vm vm;
	long i;

	ASSERT_EQ(0, hvtest_write_file(nr, "4"));
	ASSERT_EQ(4, hvtest_read_number(nr));
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create_mem(&vm, &huge));
	ASSERT_EQ(3, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	ASSERT_EQ(0, set_rights(&vm, 0x401000, 4096, R | X));
	EXPECT_EQ(2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	EXPECT_EQ(416 + 512, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k"));
	EXPECT_EQ(4 + 1, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages"));
	/* A whole 2 MiB page: its leaf changes, no split */
	ASSERT_EQ(0, set_rights(&vm, 0x600000, 2 * MIB, R));
	EXPECT_EQ(2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	i = hv_ept_find(&ept, 0x600000);
	ASSERT_LE(0, i);
	EXPECT_EQ(2, ept.leaves[i].level);
	EXPECT_EQ(R, hv_ept_leaf_entry(&ept.leaves[i]) & 7);
	for (i = hv_ept_find(&ept, 0x400000); i < hv_ept_find(&ept, 0x5ff000) + 1; i++) {
		uint64_t e = hv_ept_leaf_entry(&ept.leaves[i]);

		ASSERT_EQ(1, ept.leaves[i].level);
		EXPECT_EQ(ept.leaves[i].gpa == 0x401000 ? (R | X) : (R | W | X), e & 7);
		EXPECT_EQ(0x70, e & 0xf8);		/* WB, ignore-PAT, no bit 7 */
		/* the same host memory: a 2 MiB-aligned run, page by page */
		EXPECT_EQ((hv_ept_leaf_entry(&ept.leaves[hv_ept_find(&ept, 0x400000)]) &
			   HV_EPT_ADDR_MASK) + (ept.leaves[i].gpa - 0x400000), e & HV_EPT_ADDR_MASK);
	}
	hv_ept_free(&ept);
	ASSERT_EQ(0, set_rights(&vm, 0x600000, 2 * MIB, R | W | X));

	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_enter_flat32(&vm));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	regs.rax = 0xc0ffee;
	ASSERT_EQ(0, hv_set_regs(&vm, &regs));
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_MEMORY_ACCESS, vm.run->exit_reason);
	EXPECT_EQ(0x401000, vm.run->memory_access.gpa);
	EXPECT_EQ(HVLAB_ACCESS_WRITE, vm.run->memory_access.access);
	EXPECT_EQ(R | X, vm.run->memory_access.rights);
	EXPECT_EQ(0xc0ffee, *(uint32_t *)(vm.mem + 0x402000));	/* through a split leaf */
	ASSERT_EQ(0, set_rights(&vm, 0x401000, 4096, R | W | X));
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(0xc0ffee, *(uint32_t *)(vm.mem + 0x401000));
	hv_close(&vm);
	EXPECT_EQ(0, hvtest_write_file(nr, "%lld", reserved));
}

TEST(refusals_change_nothing)
{
	struct hvlab_memory_region mmio = {
		.slot = 5, .flags = HVLAB_MEM_MMIO, .guest_phys_addr = 0xd0000000,
		.memory_size = 4096,
	};
	struct hvlab_memory_attributes a;
	struct hvlab_vmx_caps caps;
	struct guest_result r;
	struct hv_vm vm;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &mmio));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
#define REFUSED(err, change) do {						\
		a = (struct hvlab_memory_attributes){ .gpa = 0x7000, .size = 4096, .rights = 0 }; \
		change;								\
		EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_ATTRIBUTES, &a)) TH_LOG("%s", #change); \
		EXPECT_EQ(err, errno) TH_LOG("%s", #change);			\
	} while (0)
	REFUSED(EINVAL, a.flags = 1);
	REFUSED(EINVAL, a.reserved[1] = 1);
	REFUSED(EINVAL, a.rights = 8);
	REFUSED(EINVAL, a.rights = W);		/* write-only: a misconfiguration */
	REFUSED(EINVAL, a.rights = W | X);
	REFUSED(EINVAL, a.gpa = 0x7001);
	REFUSED(EINVAL, a.size = 0);
	REFUSED(EINVAL, a.size = 100);
	REFUSED(EINVAL, a.gpa = ~0xfffULL);
	REFUSED(EINVAL, a.size = ~0xfffULL);
	REFUSED(ENOENT, a.gpa = 0x9f000; a.size = 0x2000);	/* into the hole */
	REFUSED(ENOENT, a.gpa = 0xd0000000);			/* MMIO */
	REFUSED(ENOENT, a.gpa = HV_DEFAULT_MEM);			/* past RAM */
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_ATTRIBUTES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_MEMORY_ATTRIBUTES, &a));
	EXPECT_EQ(ENOTTY, errno);
	/* Execute-only, where the CPU has it */
	a = (struct hvlab_memory_attributes){ .gpa = 0x50000, .size = 4096, .rights = X };
	if (caps.flags & HVLAB_CAP_EPT_EXECUTE_ONLY) {
		EXPECT_EQ(0, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_ATTRIBUTES, &a));
	} else {
		EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_ATTRIBUTES, &a));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
	/* hello still runs as ever: nothing refused changed its memory's rights */
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	r.output[r.output_len] = 0;
	EXPECT_STREQ("Hello from an hvlab guest!\n", r.output);
	hv_close(&vm);
}

TEST_HARNESS_MAIN
