// SPDX-License-Identifier: GPL-2.0
/*
 * ept_bench.c - what the second dimension costs to build and to read back
 * (issue 11), in host TSC ticks; under Bochs with one CPU a tick is one
 * retired instruction, so the figures are deterministic.
 *
 * - The EPT of a 1 GiB guest, built by HVLAB_SET_MEMORY_REGION over the
 *   same pinned transparent huge pages twice: once with 4 KiB pages only
 *   (HVLAB_MEM_LOG_DIRTY asks for them), once with 2 MiB pages where the
 *   memory lines up. Needs a lab VM with 2 GiB (labs/vm/run --mem 2048).
 *   Then one hugetlbfs 1 GiB page at guest-physical 1 GiB: one PDPTE leaf.
 * - A dirty-log harvest (HVLAB_GET_DIRTY_LOG) of a 64 MiB guest after it
 *   wrote every page, 16 pages, or none: with page-modification logging,
 *   and by scanning the EPT dirty flags (the module's parameter pml=0).
 * - One EPT-violation round trip to userspace (HVLAB_EXIT_MEMORY_ACCESS)
 *   against one OUT to userspace, both timed around HVLAB_RUN.
 */
#include <sys/mman.h>
#include <x86intrin.h>

#include "hvtest.h"

#define MIB		(1ULL << 20)
#define GIB		(1ULL << 30)
#define PAGES(bytes)	((bytes) / 4096)
#define HUGE_1G_NR	"/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif

/* A VM with one RAM slot over @mem; the ticks the ioctl took, or 0 */
static uint64_t add_slot_ticks(struct hv_vm *vm, void *mem, uint64_t gpa, uint64_t size,
			       uint32_t flags)
{
	struct hvlab_memory_region r = {
		.slot = 0, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};
	uint64_t t0;

	if (hv_open(vm))
		return 0;
	vm->vm_fd = ioctl(vm->dev_fd, HVLAB_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return 0;
	t0 = __rdtsc();
	if (ioctl(vm->vm_fd, HVLAB_SET_MEMORY_REGION, &r))
		return 0;
	return __rdtsc() - t0;
}

/* 2 MiB-aligned anonymous memory with the huge-page advice, faulted in */
static void *map_thp(uint64_t size)
{
	char *map = mmap(NULL, size + 2 * MIB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *mem;

	if (map == MAP_FAILED)
		return NULL;
	mem = (char *)(((uintptr_t)map + 2 * MIB - 1) & ~(2 * MIB - 1));
	madvise(mem, size, MADV_HUGEPAGE);
	memset(mem, 0, size);
	return mem;
}

/*
 * One hugetlbfs 1 GiB page at guest-physical 1 GiB: one PDPTE leaf under
 * the root and one PDPT. First, while the host still has a free and
 * aligned 1 GiB to give.
 */
TEST(ept_1gib_page)
{
	struct hvlab_vmx_caps caps;
	uint64_t ticks;
	struct hv_vm vm;
	void *mem;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	hv_close(&vm);
	if (!(caps.flags & HVLAB_CAP_EPT_1G))
		SKIP(return, "this CPU has no 1 GiB EPT pages");
	if (hvtest_write_file(HUGE_1G_NR, "1") || hvtest_read_number(HUGE_1G_NR) != 1) {
		hvtest_write_file(HUGE_1G_NR, "0");
		SKIP(return, "the host has no free, aligned 1 GiB page (even a 2 GiB lab VM has none: the BIOS keeps the top of RAM for its tables)");
	}
	mem = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (30 << MAP_HUGE_SHIFT), -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ticks = add_slot_ticks(&vm, mem, GIB, GIB, 0);
	ASSERT_NE(0, ticks) TH_LOG("HVLAB_SET_MEMORY_REGION: %s", strerror(errno));
	EXPECT_EQ(1, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_1g"));
	EXPECT_EQ(0, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	EXPECT_EQ(0, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k"));
	/* the root and one PDPT, whose entry 1 is the leaf */
	EXPECT_EQ(2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages"));
	printf("# bench: EPT build for a 1 GiB guest in one 1 GiB page: 2 table pages, %llu ticks\n",
	       (unsigned long long)ticks);
	hv_close(&vm);
	munmap(mem, GIB);
	EXPECT_EQ(0, hvtest_write_file(HUGE_1G_NR, "0"));
}

TEST(ept_build_for_a_1gib_guest)
{
	long long mem_kib = hvtest_read_field("/proc/meminfo", "MemTotal:");
	uint64_t ticks_4k, ticks_2m, tables_4k, tables_2m, leaves_2m, leaves_4k;
	struct hvlab_vmx_caps caps;
	struct hv_vm vm;
	void *mem;

	if (mem_kib < 1600 * 1024)
		SKIP(return, "a 1 GiB guest needs a lab VM with 2 GiB: labs/vm/run --mem 2048");
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	hv_close(&vm);
	if (!(caps.flags & HVLAB_CAP_EPT_2M))
		SKIP(return, "this CPU has no 2 MiB EPT pages");
	mem = map_thp(GIB);
	ASSERT_NE(NULL, mem);

	/* The pages are faulted in: the ioctl pins them and builds EPT */
	ticks_4k = add_slot_ticks(&vm, mem, 0, GIB, HVLAB_MEM_LOG_DIRTY);
	ASSERT_NE(0, ticks_4k) TH_LOG("HVLAB_SET_MEMORY_REGION: %s", strerror(errno));
	tables_4k = hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages");
	EXPECT_EQ(PAGES(GIB), hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k"));
	/* root, PDPT, PD, and a page table per 2 MiB */
	EXPECT_EQ(1 + 1 + 1 + 512, tables_4k);
	hv_close(&vm);

	ticks_2m = add_slot_ticks(&vm, mem, 0, GIB, 0);
	ASSERT_NE(0, ticks_2m) TH_LOG("HVLAB_SET_MEMORY_REGION: %s", strerror(errno));
	tables_2m = hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages");
	leaves_2m = hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m");
	leaves_4k = hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k");
	/* Every page mapped once; THP gave huge pages for (nearly) all of it */
	EXPECT_EQ(PAGES(GIB), leaves_2m * 512 + leaves_4k);
	EXPECT_LE(448, leaves_2m);
	EXPECT_EQ(3 + leaves_4k / 512, tables_2m);
	EXPECT_GT(ticks_4k, 4 * ticks_2m);
	hv_close(&vm);
	munmap(mem, GIB);
	printf("# bench: EPT build for a 1 GiB guest: 4 KiB pages %llu table pages, %llu ticks; 2 MiB pages (%llu of 512) %llu table pages, %llu ticks\n",
	       (unsigned long long)tables_4k, (unsigned long long)ticks_4k,
	       (unsigned long long)leaves_2m, (unsigned long long)tables_2m,
	       (unsigned long long)ticks_2m);

}

/*
 * The dirty log of a 64 MiB guest that wrote every page of its 63 MiB
 * from 1 MiB (16,128 pages), 16 of them, or none: with PML the log names
 * the pages and each one's dirty flag is cleared; by the scan every leaf
 * of the slot is read. Then one INVEPT where a vCPU is loaded.
 */
static uint64_t harvest_ticks(struct __test_metadata *_metadata, struct hv_vm *vm,
			      const struct hvlab_regs *regs, uint32_t end, uint64_t *bitmap,
			      uint64_t *set)
{
	struct hvlab_dirty_log log = { .slot = 1, .bitmap = (uintptr_t)bitmap };
	uint64_t t0, ticks, best = ~0ULL;
	struct guest_result r;
	size_t i;
	int k;

	/* The least of three: an interrupt on the way adds its own instructions */
	for (k = 0; k < 3; k++) {
		/* cmp $end,%edi */
		memcpy(vm->mem + 0x7c00 + 15, &end, sizeof(end));
		if (end) {
			EXPECT_EQ(0, hv_set_regs(vm, regs));
			EXPECT_EQ(0, hvtest_run_vm(vm, 0, &r));
			EXPECT_EQ(HVLAB_EXIT_HLT, vm->run->exit_reason);
		}
		t0 = __rdtsc();
		EXPECT_EQ(0, ioctl(vm->vm_fd, HVLAB_GET_DIRTY_LOG, &log));
		ticks = __rdtsc() - t0;
		if (ticks < best)
			best = ticks;
	}
	*set = 0;
	for (i = 0; i < PAGES(64 * MIB) / 64; i++)
		*set += __builtin_popcountll(bitmap[i]);
	return best;
}

TEST(dirty_log_harvest_of_a_64mib_guest)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x00, 0x10, 0x00,		/* mov $0x100000,%edi */
		0x89, 0x07,				/* 1: mov %eax,(%edi) */
		0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,	/* add $0x1000,%edi */
		0x81, 0xff, 0x00, 0x00, 0x00, 0x04,	/* cmp $0x4000000,%edi */
		0x72, 0xf0,				/* jb 1b */
		0xf4,					/* hlt */
	};
	const struct hv_mem_config cfg = { .size = 64 * MIB, .log_dirty = 1 };
	static uint64_t bitmap[PAGES(64 * MIB) / 64];
	uint64_t all, few, none, n_all, n_few, n_none;
	struct hvlab_vmx_caps caps;
	struct hvlab_regs regs;
	struct hv_vm vm;
	int pml, was;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	hv_close(&vm);
	if (!(caps.flags & HVLAB_CAP_EPT_AD))
		SKIP(return, "this CPU has no EPT dirty flags");
	for (pml = !!(caps.flags & HVLAB_CAP_PML); pml >= 0; pml--) {
		was = hvtest_use_pml(pml);
		ASSERT_LE(0, was);
		ASSERT_EQ(0, hv_open(&vm));
		ASSERT_EQ(0, hv_create_mem(&vm, &cfg));
		ASSERT_EQ(0, hvtest_use_pml(was) < 0);
		ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
		ASSERT_EQ(0, hvtest_enter_flat32(&vm));
		ASSERT_EQ(0, hv_get_regs(&vm, &regs));

		all = harvest_ticks(_metadata, &vm, &regs, 0x4000000, bitmap, &n_all);
		EXPECT_EQ(PAGES(63 * MIB), n_all);
		EXPECT_EQ(~0ULL, bitmap[0]);
		none = harvest_ticks(_metadata, &vm, &regs, 0, bitmap, &n_none);
		EXPECT_EQ(0, n_none);
		few = harvest_ticks(_metadata, &vm, &regs, 0x110000, bitmap, &n_few);
		EXPECT_EQ(16, n_few);
		EXPECT_EQ(0xffff, bitmap[0]);
		printf("# bench: dirty-log harvest of a 64 MiB guest %s: %llu ticks with all %llu pages written, %llu with %llu, %llu with none\n",
		       pml ? "with PML" : "by scanning the dirty flags",
		       (unsigned long long)all, (unsigned long long)n_all,
		       (unsigned long long)few, (unsigned long long)n_few,
		       (unsigned long long)none);
		hv_close(&vm);
	}
}

#define TRIPS	1001

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median ticks of TRIPS HVLAB_RUNs of @code, each ending in @exit */
static uint64_t median_run_ticks(struct __test_metadata *_metadata, const uint8_t *code,
				 size_t len, uint32_t write_protect, uint32_t exit)
{
	static uint64_t ticks[TRIPS];
	struct hv_vm vm;
	int i;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&vm, code, len));
	if (write_protect)
		ASSERT_EQ(0, hv_set_memory_rights(&vm, write_protect, 4096,
						  HVLAB_MEM_ATTR_READ | HVLAB_MEM_ATTR_EXECUTE));
	for (i = 0; i < TRIPS; i++) {
		uint64_t t0 = __rdtsc();

		ASSERT_EQ(0, hv_run(&vm));
		ticks[i] = __rdtsc() - t0;
		ASSERT_EQ(exit, vm.run->exit_reason);
	}
	hv_close(&vm);
	qsort(ticks, TRIPS, sizeof(ticks[0]), compare_u64);
	return ticks[TRIPS / 2];
}

/*
 * A write to a write-protected page, run again unchanged: each HVLAB_RUN
 * enters, the write violates, the exit decodes it and returns. The same
 * for an OUT that loops: what a plain exit to userspace costs.
 */
TEST(ept_violation_round_trip_to_userspace)
{
	static const uint8_t write_loop[] = { 0xa2, 0x00, 0x50, 0xeb, 0xfb };	/* 1: mov %al,0x5000; jmp 1b */
	static const uint8_t out_loop[] = { 0xe6, 0x80, 0xeb, 0xfc };		/* 1: out %al,$0x80; jmp 1b */
	uint64_t violation, out;

	violation = median_run_ticks(_metadata, write_loop, sizeof(write_loop), 0x5000,
				     HVLAB_EXIT_MEMORY_ACCESS);
	out = median_run_ticks(_metadata, out_loop, sizeof(out_loop), 0, HVLAB_EXIT_IO);
	printf("# bench: HVLAB_RUN to an EPT violation and back to userspace: %llu ticks (median); to an OUT: %llu\n",
	       (unsigned long long)violation, (unsigned long long)out);
	/* the violation's extra work is an EPT lookup and the decoding */
	EXPECT_LT(violation, out + 1000);
}

TEST_HARNESS_MAIN
