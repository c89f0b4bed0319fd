// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - HVLAB_GET_EPT: the VM's extended page tables as the CPU finds
 * them. Every RAM page is mapped by a write-back, ignore-PAT leaf with all
 * rights (issue 9, S2-5: the guest's PAT and CR0.CD cannot make the host's
 * own write-back mapping of the page disagree); an MMIO slot is write-only
 * leaves, the misconfiguration that exits 49; nothing else is mapped. A
 * 2 MiB leaf maps RAM wherever guest-physical and host memory line up on
 * 2 MiB, and only there. The dump pages through any batch size, refuses
 * bad input, and withholds host addresses from callers without CAP_SYSLOG.
 * The dirty log and the A/D flags show exactly what a guest wrote.
 */
#include <sys/mman.h>

#include "hvtest.h"
#include "ept_image.h"

#define MMIO_GPA	0xd0000000ULL
#define MMIO_SIZE	(3 * 4096ULL)

static int get_ept(struct hv_vm *vm, struct hvlab_ept_dump *d)
{
	return ioctl(vm->vm_fd, HVLAB_GET_EPT, d) ? -errno : 0;
}

/*
 * A VM as hvtest makes it (4 MiB: 640 KiB low, 3 MiB from 1 MiB) but
 * with 4 KiB host pages, so 4 KiB EPT pages only, plus an MMIO slot.
 */
static void create_vm_with_mmio(struct __test_metadata *_metadata, struct hv_vm *vm)
{
	const struct hv_mem_config small = { .size = HV_DEFAULT_MEM, .backing = HV_MEM_SMALL };
	struct hvlab_memory_region mmio = {
		.slot = 5, .flags = HVLAB_MEM_MMIO, .guest_phys_addr = MMIO_GPA,
		.memory_size = MMIO_SIZE,
	};

	ASSERT_EQ(0, hvtest_create_mem(vm, "hello", &small));
	ASSERT_EQ(0, ioctl(vm->vm_fd, HVLAB_SET_MEMORY_REGION, &mmio));
}

TEST(ram_leaves_are_write_back_ignore_pat)
{
	uint64_t ram_pages = 0, mmio_pages = 0;
	struct hv_vm vm;
	struct hv_ept ept;
	size_t i;

	create_vm_with_mmio(_metadata, &vm);
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	/* EPTP: write-back paging structures, a 4-level walk (SDM 25.6.11) */
	EXPECT_EQ(6, ept.eptp & 7);
	EXPECT_EQ(3, (ept.eptp >> 3) & 7);
	for (i = 0; i < ept.count; i++) {
		const struct hvlab_ept_leaf *leaf = &ept.leaves[i];
		uint64_t e = hv_ept_leaf_entry(leaf);
		int l;

		ASSERT_EQ(1, leaf->level);
		ASSERT_EQ(0, leaf->gpa & 0xfff);
		ASSERT_LT(i ? ept.leaves[i - 1].gpa : 0, leaf->gpa + (i ? 0 : 1));
		/* the tables above grant everything; the leaf decides */
		for (l = 0; l < 3; l++)
			ASSERT_EQ(7, leaf->entry[l] & 7);
		if (leaf->gpa >= MMIO_GPA && leaf->gpa < MMIO_GPA + MMIO_SIZE) {
			ASSERT_EQ(HV_EPT_WRITE, e & 0xfff) TH_LOG("MMIO leaf at 0x%llx: 0x%llx",
				(unsigned long long)leaf->gpa, (unsigned long long)e);
			mmio_pages++;
			continue;
		}
		ASSERT_TRUE(hv_gpa_is_ram(&vm, leaf->gpa, 4096)) TH_LOG("a leaf at 0x%llx, which is not RAM",
			(unsigned long long)leaf->gpa);
		/* RWX, memory type 6 (WB) in bits 5:3, ignore-PAT (bit 6) */
		ASSERT_EQ(HV_EPT_READ | HV_EPT_WRITE | HV_EPT_EXECUTE | (6 << 3) | HV_EPT_IGNORE_PAT,
			  e & 0x7f) TH_LOG("RAM leaf at 0x%llx: 0x%llx", (unsigned long long)leaf->gpa,
					   (unsigned long long)e);
		ASSERT_EQ(0, e & HV_EPT_LARGE);
		/* the host page is the one hvctl's memory is made of */
		ASSERT_NE(0, e & HV_EPT_ADDR_MASK);
		ram_pages++;
	}
	EXPECT_EQ((640 + 3 * 1024) / 4, ram_pages);
	EXPECT_EQ(MMIO_SIZE / 4096, mmio_pages);
	EXPECT_EQ(ram_pages + mmio_pages, ept.count);
	/* the VM's statistics count the same: the root, a PDPT, and a PD and
	 * two page tables for RAM, one each for the MMIO slot at 3.25 GiB */
	EXPECT_EQ(ept.count, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k"));
	EXPECT_EQ(1 + 1 + 1 + 2 + 2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages"));
	TH_LOG("%zu leaves: %llu RAM pages WB+ipat RWX, %llu MMIO pages write-only",
	       ept.count, (unsigned long long)ram_pages, (unsigned long long)mmio_pages);
	hv_ept_free(&ept);
	hv_close(&vm);
}

/* Batches of 7 leaves from a cursor give what one big call gives. */
TEST(dump_pages_through_small_batches)
{
	struct hvlab_ept_leaf small[7];
	struct hvlab_ept_dump d = { .gpa = 0 };
	struct hv_vm vm;
	struct hv_ept ept;
	size_t got = 0, calls = 0;

	create_vm_with_mmio(_metadata, &vm);
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	while (d.gpa != HVLAB_EPT_DUMP_END) {
		d.leaves = (uintptr_t)small;
		d.count = 7;
		ASSERT_EQ(0, get_ept(&vm, &d));
		ASSERT_GE(7, d.count);
		ASSERT_GE(ept.count, got + d.count);
		ASSERT_EQ(0, memcmp(small, &ept.leaves[got], d.count * sizeof(small[0])));
		got += d.count;
		calls++;
	}
	EXPECT_EQ(ept.count, got);
	EXPECT_EQ((ept.count + 6) / 7 + (ept.count % 7 == 0), calls);
	/* From the middle: the first leaf at or after the cursor */
	d = (struct hvlab_ept_dump){ .gpa = 0x200000, .leaves = (uintptr_t)small, .count = 1 };
	ASSERT_EQ(0, get_ept(&vm, &d));
	EXPECT_EQ(1, d.count);
	EXPECT_EQ(0x200000, small[0].gpa);
	EXPECT_EQ(0x201000, d.gpa);
	/* Past the last leaf: nothing, and the end */
	d = (struct hvlab_ept_dump){ .gpa = MMIO_GPA + MMIO_SIZE, .leaves = (uintptr_t)small, .count = 7 };
	ASSERT_EQ(0, get_ept(&vm, &d));
	EXPECT_EQ(0, d.count);
	EXPECT_EQ(HVLAB_EPT_DUMP_END, d.gpa);
	/* No room: nothing read, the cursor stays */
	d = (struct hvlab_ept_dump){ .gpa = 0x5000, .count = 0 };
	ASSERT_EQ(0, get_ept(&vm, &d));
	EXPECT_EQ(0x5000, d.gpa);
	hv_ept_free(&ept);
	hv_close(&vm);
}

TEST(dump_refusals)
{
	struct hvlab_ept_leaf leaf;
	struct hvlab_ept_dump d;
	struct hv_vm vm;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	/* Each from a good request, with one thing wrong */
#define REFUSED(err, change) do {						\
		d = (struct hvlab_ept_dump){ .leaves = (uintptr_t)&leaf, .count = 1 }; \
		change;								\
		EXPECT_EQ(-(err), get_ept(&vm, &d)) TH_LOG("%s", #change);	\
	} while (0)
	REFUSED(EINVAL, d.flags = 1);
	REFUSED(EINVAL, d.reserved[3] = 1);
	REFUSED(EINVAL, d.gpa = 0x123);
	REFUSED(EINVAL, d.gpa = 1ULL << 48);
	REFUSED(EINVAL, d.count = HVLAB_EPT_DUMP_MAX + 1);
	REFUSED(EFAULT, d.leaves = 8);
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_EPT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* The vCPU fd has no such ioctl */
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_GET_EPT, &d));
	EXPECT_EQ(ENOTTY, errno);
	/* None of it changed the guest */
	{
		struct guest_result r;

		ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
		r.output[r.output_len] = 0;
		EXPECT_STREQ("Hello from an hvlab guest!\n", r.output);
	}
	hv_close(&vm);
}

/* As HVLAB_GET_VMCS: the rights and type stay, the host addresses go. */
TEST(dump_hides_host_addresses_without_cap_syslog)
{
	struct hvlab_vmx_caps caps;
	struct hv_ept ept;
	struct hv_vm vm;
	size_t i;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	ASSERT_EQ(0, hvtest_drop_capability(CAP_SYSLOG));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	EXPECT_TRUE(ept.hpa_hidden);
	EXPECT_EQ(0, ept.eptp & HV_EPT_ADDR_MASK);
	EXPECT_EQ(0x1e, ept.eptp & ~HV_EPTP_AD_ENABLED);
	ASSERT_LT(0, ept.count);
	for (i = 0; i < ept.count; i++) {
		int l;

		for (l = 0; l < HVLAB_EPT_LEVELS; l++)
			ASSERT_EQ(0, ept.leaves[i].entry[l] & HV_EPT_ADDR_MASK);
		/* RWX, WB, ignore-PAT; and bit 7 for a large page (RW, bit 52 with iTLB multihit) */
		ASSERT_EQ(ept.leaves[i].level == 1 ? 0x77 :
			  caps.flags & HVLAB_CAP_EPT_LARGE_NX ? HV_EPT_NX_HUGE | 0xf3 : 0xf7,
			  hv_ept_leaf_entry(&ept.leaves[i]));
	}
	hv_ept_free(&ept);
	hv_close(&vm);
}

/*
 * EPT accessed and dirty flags (SDM 29.3.5), on wherever the CPU has them
 * (the lab CPU does): a guest that reads one page and writes another
 * leaves A on both leaves, D only on the written one, and neither on a
 * page it never touched. Host writes (hvctl loading the guest) set none.
 */
TEST(accessed_and_dirty_flags_show_what_the_guest_touched)
{
	/* mov 0x8000,%al; mov %al,0x9000; hlt (real mode, DS = 0) */
	static const uint8_t code[] = { 0xa0, 0x00, 0x80, 0xa2, 0x00, 0x90, 0xf4 };
	struct hvlab_vmx_caps caps;
	struct guest_result r;
	struct hv_ept ept;
	struct hv_vm vm;
	long i;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	if (!(caps.flags & HVLAB_CAP_EPT_AD)) {
		hv_close(&vm);
		SKIP(return, "this CPU has no EPT accessed and dirty flags");
	}
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	EXPECT_TRUE(ept.eptp & HV_EPTP_AD_ENABLED);
	for (i = 0; i < (long)ept.count; i++)
		ASSERT_EQ(0, hv_ept_leaf_entry(&ept.leaves[i]) & (HV_EPT_ACCESSED | HV_EPT_DIRTY))
			TH_LOG("GPA 0x%llx touched before the guest ran", (unsigned long long)ept.leaves[i].gpa);
	hv_ept_free(&ept);

	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
#define LEAF_BITS(gpa)	(hv_ept_leaf_entry(&ept.leaves[hv_ept_find(&ept, gpa)]) & \
			 (HV_EPT_ACCESSED | HV_EPT_DIRTY))
	ASSERT_LE(0, hv_ept_find(&ept, 0x7c00));
	EXPECT_EQ(HV_EPT_ACCESSED, LEAF_BITS(0x7c00));		/* fetched */
	EXPECT_EQ(HV_EPT_ACCESSED, LEAF_BITS(0x8000));		/* read */
	EXPECT_EQ(HV_EPT_ACCESSED | HV_EPT_DIRTY, LEAF_BITS(0x9000));	/* written */
	EXPECT_EQ(0, LEAF_BITS(0x50000));			/* never touched */
	/* the non-leaf entries on the way were used: accessed */
	EXPECT_TRUE(ept.leaves[hv_ept_find(&ept, 0x9000)].entry[0] & HV_EPT_ACCESSED);
	hv_ept_free(&ept);
	hv_close(&vm);
}

/*
 * HVLAB_GET_DIRTY_LOG: a guest that writes four pages (and nothing else:
 * no stack) gets exactly those four in the log; a second call, with
 * nothing run between, is empty; the same guest again gets the same four,
 * so the flags were cleared and the CPU sets them again (the INVEPT after
 * the clearing). The bitmap is per slot: bit n for the slot's page n.
 */
TEST(dirty_log_returns_exactly_the_pages_written)
{
	/* mov %al,0x2000; mov %al,0x3000; mov %al,0x5000; mov %al,0x9ffff; hlt */
	static const uint8_t code[] = { 0xa2, 0x00, 0x20, 0xa2, 0x00, 0x30, 0xa2, 0x00, 0x50,
					0xa2, 0xff, 0x9f, 0xf4 };
	static const uint64_t written[] = { 0x2000, 0x3000, 0x5000, 0x9000 };
	const struct hv_mem_config logged = { .size = HV_DEFAULT_MEM, .log_dirty = 1 };
	struct hvlab_dirty_log log = { .slot = 0 };
	struct hvlab_vmx_caps caps;
	uint64_t bitmap[3], *gpas;
	struct hvlab_regs regs;
	struct guest_result r;
	struct hv_vm vm;
	size_t n, i;
	int round;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	if (!(caps.flags & HVLAB_CAP_EPT_AD)) {
		hv_close(&vm);
		SKIP(return, "this CPU has no EPT dirty flags");
	}
	ASSERT_EQ(0, hv_create_mem(&vm, &logged));
	/* Logged slots have 4 KiB pages only, so each page's writes show */
	EXPECT_EQ(0, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	/* Loading the guest wrote its memory from the host: not the guest's writes */
	ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
	EXPECT_EQ(0, n);
	free(gpas);
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, hv_set_regs(&vm, &regs));
		ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
		ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
		memset(bitmap, 0, sizeof(bitmap));
		log.bitmap = (uintptr_t)bitmap;
		ASSERT_EQ(0, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
		/* slot 0 is 0-0x9ffff: pages 2, 3, 5 and 9 */
		EXPECT_EQ(1ULL << 2 | 1ULL << 3 | 1ULL << 5 | 1ULL << 9, bitmap[0]) TH_LOG("round %d", round);
		EXPECT_EQ(0, bitmap[1] | bitmap[2]);
		ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
		EXPECT_EQ(0, n) TH_LOG("round %d: the log was not cleared", round);
		free(gpas);
	}
	/* Through libhvlab: the GPAs, ascending */
	ASSERT_EQ(0, hv_set_regs(&vm, &regs));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(written[i], gpas[i]);
	free(gpas);
	EXPECT_EQ(12, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "dirty_pages_harvested"));
	/* Refusals */
	log = (struct hvlab_dirty_log){ .slot = 0, .bitmap = (uintptr_t)bitmap, .flags = 1 };
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
	EXPECT_EQ(EINVAL, errno);
	log = (struct hvlab_dirty_log){ .slot = HVLAB_MAX_MEM_SLOTS, .bitmap = (uintptr_t)bitmap };
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
	EXPECT_EQ(EINVAL, errno);
	log = (struct hvlab_dirty_log){ .slot = 4, .bitmap = (uintptr_t)bitmap };
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
	EXPECT_EQ(ENOENT, errno);
	log = (struct hvlab_dirty_log){ .slot = 0, .bitmap = 8 };
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
	EXPECT_EQ(EFAULT, errno);
	hv_close(&vm);
	/* A slot added without HVLAB_MEM_LOG_DIRTY is not logged */
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	log = (struct hvlab_dirty_log){ .slot = 1, .bitmap = (uintptr_t)bitmap };
	EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_GET_DIRTY_LOG, &log));
	EXPECT_EQ(ENOENT, errno);
	ASSERT_EQ(-ENOENT, hv_dirty_pages(&vm, &gpas, &n));
	hv_close(&vm);
	/* The flag is for RAM: not with HVLAB_MEM_MMIO, and no others */
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	{
		struct hvlab_memory_region bad = {
			.slot = 5, .flags = HVLAB_MEM_MMIO | HVLAB_MEM_LOG_DIRTY,
			.guest_phys_addr = MMIO_GPA, .memory_size = MMIO_SIZE,
		};

		EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &bad));
		EXPECT_EQ(EINVAL, errno);
		bad.flags = HVLAB_MEM_MMIO | HVLAB_MEM_SMALL_PAGES;
		EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &bad));
		EXPECT_EQ(EINVAL, errno);
		bad.flags = HVLAB_MEM_MMIO | 8;
		EXPECT_EQ(-1, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &bad));
		EXPECT_EQ(EINVAL, errno);
	}
	hv_close(&vm);
}

#define MIB		(1ULL << 20)
#define HUGE_PAGES_NEEDED	7	/* the 8 MiB VM's 4 (one is partly the hole), 2 and 1 */

static void *map_huge(size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
}

/*
 * Large pages (SDM 29.3.2), on hugetlbfs 2 MiB pages, so that the host
 * side is certain. An 8 MiB guest: each 2 MiB of guest-physical space that
 * is 2 MiB-aligned and lies in one host huge page is one PDE leaf (bit 7),
 * at 2, 4 and 6 MiB; the low 640 KiB and 1-2 MiB are 4 KiB leaves. Two
 * more slots fall back to 4 KiB pages: one whose host memory starts 4 KiB
 * into a huge page, one at a guest-physical address 4 KiB past a 2 MiB
 * boundary. A 32-bit guest reads and writes through the large leaves and
 * the fallbacks, and the host sees its writes in its own pages.
 */
TEST(large_pages_where_guest_and_host_memory_line_up)
{
	static const uint8_t code[] = {
		0xa1, 0x10, 0x00, 0x30, 0x00,		/* mov 0x300010,%eax */
		0x40,					/* inc %eax */
		0xa3, 0x20, 0x00, 0x50, 0x00,		/* mov %eax,0x500020 */
		0x8b, 0x1d, 0x10, 0x00, 0x00, 0x01,	/* mov 0x1000010,%ebx (slot 2) */
		0x89, 0x1d, 0x20, 0x10, 0x20, 0x01,	/* mov %ebx,0x1201020 (slot 3) */
		0xf4,					/* hlt */
	};
	const struct hv_mem_config huge = { .size = 8 * MIB, .backing = HV_MEM_HUGETLB };
	const char *nr = "/proc/sys/vm/nr_hugepages";
	struct hvlab_memory_region shifted_host = {
		.slot = 2, .guest_phys_addr = 16 * MIB, .memory_size = 2 * MIB,
	}, shifted_guest = {
		.slot = 3, .guest_phys_addr = 18 * MIB + 4096, .memory_size = 2 * MIB,
	};
	struct hvlab_vmx_caps caps;
	long long reserved = hvtest_read_number(nr);
	uint8_t *host4m, *host2m;
	struct guest_result r;
	struct hv_ept ept;
	struct hv_vm vm;
	size_t i, large = 0;

	ASSERT_LE(0, reserved);
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	if (!(caps.flags & HVLAB_CAP_EPT_2M)) {
		hv_close(&vm);
		SKIP(return, "this CPU has no 2 MiB EPT pages");
	}
	/* None reserved: a clear error, not a guest that dies at its first touch */
	ASSERT_EQ(0, hvtest_write_file(nr, "0"));
	ASSERT_EQ(0, hvtest_read_number(nr));
	EXPECT_EQ(-ENOSPC, hv_create_mem(&vm, &huge));
	hv_close(&vm);
	ASSERT_EQ(0, hvtest_write_file(nr, "%d", HUGE_PAGES_NEEDED));
	ASSERT_EQ(HUGE_PAGES_NEEDED, hvtest_read_number(nr)) TH_LOG("cannot reserve huge pages");

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create_mem(&vm, &huge));
	ASSERT_EQ(0, (uintptr_t)vm.mem % (2 * MIB));
	host4m = map_huge(4 * MIB);
	host2m = map_huge(2 * MIB);
	ASSERT_NE(MAP_FAILED, host4m);
	ASSERT_NE(MAP_FAILED, host2m);
	shifted_host.userspace_addr = (uintptr_t)host4m + 4096;
	shifted_guest.userspace_addr = (uintptr_t)host2m;
	ASSERT_EQ(0, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &shifted_host));
	ASSERT_EQ(0, ioctl(vm.vm_fd, HVLAB_SET_MEMORY_REGION, &shifted_guest));

	EXPECT_EQ(3, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	EXPECT_EQ(160 + 256 + 512 + 512, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_4k"));
	EXPECT_EQ(0, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_1g"));
	/* root, PDPT, one PD; page tables for 0-2 MiB, slot 2, and slot 3 (two) */
	EXPECT_EQ(1 + 1 + 1 + 1 + 1 + 2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_table_pages"));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	for (i = 0; i < ept.count; i++) {
		const struct hvlab_ept_leaf *leaf = &ept.leaves[i];
		uint64_t e = hv_ept_leaf_entry(leaf);

		if (leaf->level == 1) {
			ASSERT_EQ(0, e & HV_EPT_LARGE);
			continue;
		}
		ASSERT_EQ(2, leaf->level) TH_LOG("a level-%u leaf at 0x%llx", leaf->level,
						 (unsigned long long)leaf->gpa);
		ASSERT_EQ((2 + 2 * large) * MIB, leaf->gpa);
		/* RWX (RW where iTLB multihit forbids execute), WB, ignore-PAT, bit 7 */
		EXPECT_EQ(caps.flags & HVLAB_CAP_EPT_LARGE_NX ? 0xf3 : 0xf7, e & 0xff);
		EXPECT_EQ(!!(caps.flags & HVLAB_CAP_EPT_LARGE_NX), !!(e & HV_EPT_NX_HUGE));
		/* the host address 2 MiB-aligned */
		EXPECT_EQ(0, e & HV_EPT_ADDR_MASK & (2 * MIB - 1));
		large++;
	}
	EXPECT_EQ(3, large);
	hv_ept_free(&ept);

	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_enter_flat32(&vm));
	*(uint32_t *)(vm.mem + 0x300010) = 0x1234567;
	*(uint32_t *)(host4m + 4096 + 0x10) = 0xfeedf00d;
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(0x1234568, *(uint32_t *)(vm.mem + 0x500020));
	EXPECT_EQ(0xfeedf00d, *(uint32_t *)(host2m + 0x20));
	if (caps.flags & HVLAB_CAP_EPT_AD) {
		ASSERT_EQ(0, hv_ept_read(&vm, &ept));
#define FLAGS_AT(gpa)	(hv_ept_leaf_entry(&ept.leaves[hv_ept_find(&ept, gpa)]) & \
			 (HV_EPT_ACCESSED | HV_EPT_DIRTY))
		EXPECT_EQ(HV_EPT_ACCESSED, FLAGS_AT(0x300010));			/* read */
		EXPECT_EQ(HV_EPT_ACCESSED | HV_EPT_DIRTY, FLAGS_AT(0x500020));	/* written */
		EXPECT_EQ(0, FLAGS_AT(0x600000));				/* untouched */
		hv_ept_free(&ept);
	}
	hv_close(&vm);
	munmap(host4m, 4 * MIB);
	munmap(host2m, 2 * MIB);
	EXPECT_EQ(0, hvtest_write_file(nr, "%lld", reserved));
}

/* Does the host kernel say this CPU has the iTLB multihit erratum? */
static int host_has_itlb_multihit(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/devices/system/cpu/vulnerabilities/itlb_multihit", "r");

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return strncmp(line, "Not affected", 12) != 0;
}

/*
 * iTLB multihit (CVE-2018-12207): on an affected CPU, a guest that changes
 * its own page size under an executable 2 MiB EPT page can leave two iTLB
 * entries for one address, a machine check that takes the host down. As
 * KVM's nx_huge_pages: large leaves may not execute there; the first fetch
 * from one splits it into 4 KiB leaves that may. A guest that jumps into
 * a 2 MiB page still runs; the data pages around it stay large.
 */
TEST(large_pages_do_not_execute_where_the_cpu_has_itlb_multihit)
{
	static const uint8_t code[] = {
		0xe9, 0xfb, 0x83, 0x2f, 0x00,		/* 7c00: jmp 0x300000 */
	};
	const struct hv_mem_config huge = { .size = 8 * MIB, .backing = HV_MEM_HUGETLB };
	const char *nr = "/proc/sys/vm/nr_hugepages";
	long long reserved = hvtest_read_number(nr);
	int affected = host_has_itlb_multihit();
	struct guest_result r;
	struct hv_ept ept;
	struct hv_vm vm;
	long i;

	ASSERT_EQ(0, hvtest_write_file(nr, "4"));
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create_mem(&vm, &huge));
	ASSERT_EQ(3, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	for (i = 0; i < (long)ept.count; i++) {
		uint64_t e = hv_ept_leaf_entry(&ept.leaves[i]);

		if (ept.leaves[i].level == 1)
			continue;
		/* read and write; execute only where the erratum is not */
		EXPECT_EQ(affected ? 0x3 : 0x7, e & 7) TH_LOG("2 MiB leaf at 0x%llx: 0x%llx",
			(unsigned long long)ept.leaves[i].gpa, (unsigned long long)e);
	}
	hv_ept_free(&ept);

	/* 32-bit flat: a near jump to 0x300000, where a HLT waits */
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_enter_flat32(&vm));
	vm.mem[0x300000] = 0xf4;
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_EQ(0x300000, vm.run->guest_rip);	/* the HLT, run from the 2 MiB page */
	EXPECT_EQ(affected ? 2 : 3, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_leaves_2m"));
	EXPECT_EQ(affected, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "ept_exec_splits"));
	ASSERT_EQ(0, hv_ept_read(&vm, &ept));
	i = hv_ept_find(&ept, 0x300000);
	ASSERT_LE(0, i);
	EXPECT_EQ(affected ? 1 : 2, ept.leaves[i].level);
	EXPECT_EQ(7, hv_ept_leaf_entry(&ept.leaves[i]) & 7);
	hv_ept_free(&ept);
	hv_close(&vm);
	EXPECT_EQ(0, hvtest_write_file(nr, "%lld", reserved));
}

TEST_HARNESS_MAIN
