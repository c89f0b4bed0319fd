// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - HVLAB_GET_EPT: the VM's extended page tables as the CPU finds
 * them. Every RAM page is one write-back, ignore-PAT leaf with all rights
 * (issue 9, S2-5: the guest's PAT and CR0.CD cannot make the host's own
 * write-back mapping of the page disagree); an MMIO slot is write-only
 * leaves, the misconfiguration that exits 49; nothing else is mapped. The
 * dump pages through any batch size, refuses bad input, and withholds host
 * addresses from callers without CAP_SYSLOG.
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

/* A VM as hvtest makes it (4 MiB: 640 KiB low, 3 MiB from 1 MiB), plus an MMIO slot. */
static void create_vm_with_mmio(struct __test_metadata *_metadata, struct hv_vm *vm)
{
	struct hvlab_memory_region mmio = {
		.slot = 5, .flags = HVLAB_MEM_MMIO, .guest_phys_addr = MMIO_GPA,
		.memory_size = MMIO_SIZE,
	};

	ASSERT_EQ(0, hvtest_create(vm, "hello"));
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
	struct hv_ept ept;
	struct hv_vm vm;
	size_t i;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
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
		ASSERT_EQ(0x77, hv_ept_leaf_entry(&ept.leaves[i]));
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
	ASSERT_EQ(0, hv_create(&vm, HV_DEFAULT_MEM));
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
}

TEST_HARNESS_MAIN
