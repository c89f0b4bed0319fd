// SPDX-License-Identifier: GPL-2.0
/*
 * tlb.c - the guest's TLB under VPID (SDM 29.1). With VPID the CPU tags
 * the guest's translations with its vCPU's VPID and VM entries and exits
 * keep them, so whatever hvlab emulates that would flush a real TLB must
 * flush it (INVVPID): an intercepted INVLPG, an intercepted MOV to CR3.
 * A guest changes the page-table entry of a page it has just read,
 * flushes it the way it knows, and reads it again: it must see the new
 * page, not the one its TLB remembered.
 *
 * Bochs, the CI's lab CPU, reloads CR3 at every VM entry and so flushes
 * its TLB whatever the VPID: there the two flush tests pass even without
 * hvlab's INVVPID (tried). On a real CPU (the lab VM under QEMU+KVM) VPID
 * keeps the entries, and they are the check that hvlab flushes.
 */
#include "hvtest.h"

#define ENC_VIRTUAL_PROCESSOR_ID	0x0000
#define ENC_SECONDARY_CONTROLS		0x401e
#define PROC2_ENABLE_VPID		(1u << 5)

#define PD		0x10000
#define PT		0x11000
#define LINEAR		0x5000		/* first mapped to OLD, then to NEW */
#define OLD		0x6000
#define NEW		0x7000

/* 32-bit paging: PDE 0 -> PT, identity but for LINEAR -> OLD; @flush at 0x7c0b */
static void create_paging_guest(struct __test_metadata *_metadata, struct hv_vm *vm,
				const uint8_t flush[7], uint32_t intercept)
{
	uint8_t code[] = {
		0xa1, 0x00, 0x50, 0x00, 0x00,			/* mov 0x5000,%eax */
		0xc7, 0x05, 0x14, 0x10, 0x01, 0x00,		/* movl $0x7003,0x11014 */
		0x03, 0x70, 0x00, 0x00,
		0, 0, 0, 0, 0, 0, 0,				/* flush */
		0x8b, 0x1d, 0x00, 0x50, 0x00, 0x00,		/* mov 0x5000,%ebx */
		0xf4,						/* hlt */
	};
	struct hvlab_intercepts in = { .flags = intercept };
	struct hvlab_sregs sregs;
	uint32_t i, *pt;

	memcpy(code + 15, flush, 7);
	ASSERT_EQ(0, hv_open(vm));
	ASSERT_EQ(0, hv_create(vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_enter_flat32(vm));
	*(uint32_t *)(vm->mem + PD) = PT | 3;
	pt = (uint32_t *)(vm->mem + PT);
	for (i = 0; i < 1024; i++)
		pt[i] = i << 12 | 3;
	pt[LINEAR >> 12] = OLD | 3;
	*(uint32_t *)(vm->mem + OLD) = 0x01d01d;
	*(uint32_t *)(vm->mem + NEW) = 0x2e2e2e;
	ASSERT_EQ(0, hv_get_sregs(vm, &sregs));
	sregs.cr3 = PD;
	sregs.cr0 |= 1U << 31;			/* PG */
	ASSERT_EQ(0, hv_set_sregs(vm, &sregs));
	ASSERT_EQ(0, ioctl(vm->vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
}

static void expect_new_page(struct __test_metadata *_metadata, struct hv_vm *vm,
			    uint32_t flush_exit, int flush_exits, const char *flush_name)
{
	struct guest_result r;
	struct hvlab_regs regs;

	ASSERT_EQ(0, hvtest_run_vm(vm, HVLAB_RUN_STOP_EVERY_EXIT, &r));
	ASSERT_EQ(HVLAB_EXIT_HLT, vm->run->exit_reason);
	ASSERT_EQ(0, hv_get_regs(vm, &regs));
	EXPECT_EQ(0x01d01d, regs.rax & 0xffffffff);
	EXPECT_EQ(0x2e2e2e, regs.rbx & 0xffffffff) TH_LOG("after an intercepted %s the guest still read the old page",
							  flush_name);
	EXPECT_EQ(flush_exits, hvtest_count(&r, flush_exit));
}

TEST(vpid_is_on_with_a_tag_per_vcpu)
{
	struct hvlab_vmx_caps caps;
	struct hv_vm a, b;

	ASSERT_EQ(0, hvtest_create(&a, "hello"));
	ASSERT_EQ(0, hvtest_create(&b, "hello"));
	ASSERT_EQ(0, ioctl(a.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	if (!(caps.flags & HVLAB_CAP_VPID)) {
		hv_close(&a);
		hv_close(&b);
		SKIP(return, "this CPU has no VPID");
	}
	EXPECT_TRUE(hvtest_vmcs_read(&a, ENC_SECONDARY_CONTROLS) & PROC2_ENABLE_VPID);
	EXPECT_NE(0, hvtest_vmcs_read(&a, ENC_VIRTUAL_PROCESSOR_ID));
	EXPECT_NE(0, hvtest_vmcs_read(&b, ENC_VIRTUAL_PROCESSOR_ID));
	EXPECT_NE(hvtest_vmcs_read(&a, ENC_VIRTUAL_PROCESSOR_ID),
		  hvtest_vmcs_read(&b, ENC_VIRTUAL_PROCESSOR_ID));
	hv_close(&a);
	hv_close(&b);
}

/* Each way a guest flushes, intercepted so that hvlab emulates it */
TEST(an_intercepted_flush_flushes_the_guests_tlb)
{
	static const struct {
		const char *name;
		uint8_t code[7];
		uint32_t intercept, exit_reason;
		int exits;
	} flushes[] = {
		{ "INVLPG", { 0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00 },	/* invlpg 0x5000 */
		  HVLAB_INTERCEPT_INVLPG, 14, 1 },
		/* mov %cr3,%ecx; mov %ecx,%cr3; nop: two control-register exits */
		{ "MOV to CR3", { 0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9, 0x90 },
		  HVLAB_INTERCEPT_CR3, 28, 2 },
	};
	size_t i;

	for (i = 0; i < sizeof(flushes) / sizeof(flushes[0]); i++) {
		struct hv_vm vm;

		create_paging_guest(_metadata, &vm, flushes[i].code, flushes[i].intercept);
		expect_new_page(_metadata, &vm, flushes[i].exit_reason, flushes[i].exits,
				flushes[i].name);
		hv_close(&vm);
	}
}

TEST_HARNESS_MAIN
