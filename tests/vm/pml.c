// SPDX-License-Identifier: GPL-2.0
/*
 * pml.c - the dirty log kept by the CPU: page-modification logging (SDM
 * 29.3.6, module/pml.c). Each vCPU has a 512-entry log of the pages whose
 * EPT dirty flag the CPU set; the 513th exits with reason 62, PML full.
 * HVLAB_GET_DIRTY_LOG gives the same pages with PML as by scanning the
 * dirty flags (the module's parameter pml=0), takes what a running or a
 * closed vCPU logged, and the host's own stores are never in it.
 */
#include <pthread.h>
#include <signal.h>

#include "hvtest.h"

#define MIB		(1ULL << 20)
#define PAGES_WRITTEN	1200	/* two logs and a half: two PML-full exits */

/* Skip unless this CPU logs with PML: then 1 */
static int have_pml(void)
{
	struct hvlab_vmx_caps caps;
	struct hv_vm vm;
	int ok;

	if (hv_open(&vm))
		return 0;
	ok = !ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps) && (caps.flags & HVLAB_CAP_PML);
	hv_close(&vm);
	return ok;
}

/* An 8 MiB dirty-logged VM made with PML on or off; the parameter put back */
static void create_logged(struct __test_metadata *_metadata, struct hv_vm *vm, int pml)
{
	const struct hv_mem_config cfg = { .size = 8 * MIB, .log_dirty = 1 };
	int was = hvtest_use_pml(pml);

	ASSERT_LE(0, was);
	ASSERT_EQ(0, hv_open(vm));
	ASSERT_EQ(0, hv_create_mem(vm, &cfg));
	ASSERT_EQ(0, hvtest_use_pml(was) < 0);
}

/*
 * A 32-bit guest writes PAGES_WRITTEN pages from 1 MiB, one store each.
 * With PML the log fills after 512 of them and again after 1024: exactly
 * two PML-full exits, each handled in the kernel. Either way the dirty
 * log is exactly those pages, and a second look finds nothing.
 */
TEST(pml_full_exits_and_the_log_is_the_same_as_the_flag_scan)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x00, 0x10, 0x00,		/* mov $0x100000,%edi */
		0x89, 0x07,				/* 1: mov %eax,(%edi) */
		0x81, 0xc7, 0x00, 0x10, 0x00, 0x00,	/* add $0x1000,%edi */
		0x81, 0xff, 0x00, 0x00, 0x5b, 0x00,	/* cmp $0x5b0000,%edi */
		0x72, 0xf0,				/* jb 1b */
		0xf4,					/* hlt */
	};
	int pml;

	if (!have_pml())
		SKIP(return, "this CPU has no page-modification logging");
	for (pml = 1; pml >= 0; pml--) {
		struct hvlab_regs regs;
		struct guest_result r;
		struct hv_vm vm;
		uint64_t *gpas;
		size_t n, i;

		create_logged(_metadata, &vm, pml);
		ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
		ASSERT_EQ(0, hv_get_regs(&vm, &regs));
		ASSERT_EQ(0, hvtest_enter_flat32(&vm));
		ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
		ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
		EXPECT_EQ(pml ? 2 : 0, hvtest_vcpu_stat(&vm, "exits.PML_FULL")) TH_LOG("pml=%d", pml);
		ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
		ASSERT_EQ(PAGES_WRITTEN, n) TH_LOG("pml=%d", pml);
		for (i = 0; i < n; i++)
			ASSERT_EQ(MIB + i * 4096, gpas[i]) TH_LOG("pml=%d, page %zu", pml, i);
		free(gpas);
		/* Every address the CPU logged was taken, and only with PML */
		EXPECT_EQ(pml ? PAGES_WRITTEN : 0,
			  hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "pml_entries"));
		ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
		EXPECT_EQ(0, n);
		free(gpas);
		/* The flags were cleared: the same stores are logged again */
		ASSERT_EQ(0, hv_set_regs(&vm, &regs));
		ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
		ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
		EXPECT_EQ(PAGES_WRITTEN, n) TH_LOG("pml=%d: second run", pml);
		free(gpas);
		/* The index is hvlab's: userspace may read it, not write it */
		if (pml) {
			struct hvlab_vmcs_field f = { .encoding = 0x0812, .value = 511 };

			EXPECT_GT(512, hvtest_vmcs_read(&vm, 0x0812));
			EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&vm, HVLAB_SET_VMCS, &f, 1));
		}
		hv_close(&vm);
	}
}

struct spinner {
	struct hv_vm vm;
	int ret;
};

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void *run_until_signalled(void *arg)
{
	struct spinner *sp = arg;

	sp->ret = hv_run(&sp->vm);
	return NULL;
}

/*
 * The log of a vCPU still in the guest: it writes one page, then spins
 * with no exit to userspace and a log far from full. Once the store shows
 * in memory, HVLAB_GET_DIRTY_LOG from another thread has the page: it
 * reads the running vCPU's log itself.
 */
TEST(dirty_log_takes_what_a_running_vcpu_logged)
{
	/* mov $0x5a,%al; mov %al,0x3000; 1: jmp 1b */
	static const uint8_t code[] = { 0xb0, 0x5a, 0xa2, 0x00, 0x30, 0xeb, 0xfe };
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	volatile uint8_t *seen;
	struct spinner sp;
	uint64_t *gpas;
	pthread_t t;
	size_t n;
	int i;

	if (!have_pml())
		SKIP(return, "this CPU has no page-modification logging");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	create_logged(_metadata, &sp.vm, 1);
	ASSERT_EQ(0, hv_load_raw(&sp.vm, code, sizeof(code)));
	seen = sp.vm.mem + 0x3000;
	ASSERT_EQ(0, pthread_create(&t, NULL, run_until_signalled, &sp));
	for (i = 0; i < 10000 && *seen != 0x5a; i++)
		usleep(1000);
	ASSERT_EQ(0x5a, *seen);
	ASSERT_EQ(0, hv_dirty_pages(&sp.vm, &gpas, &n));
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, sp.ret);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0x3000, gpas[0]);
	free(gpas);
	/* Not by a full log, nor an exit to userspace */
	EXPECT_EQ(0, hvtest_vcpu_stat(&sp.vm, "exits.PML_FULL"));
	EXPECT_EQ(0, hvtest_vcpu_stat(&sp.vm, "exits_to_user"));
	hv_close(&sp.vm);
}

/*
 * A vCPU closed with pages in its log: they are in the next dirty log,
 * not lost with it. The host's own stores into guest memory (loading the
 * code) are not the guest's writes, and are never logged.
 */
TEST(a_closed_vcpus_log_is_not_lost)
{
	/* mov %al,0x2000; mov %al,0x4000; hlt */
	static const uint8_t code[] = { 0xa2, 0x00, 0x20, 0xa2, 0x00, 0x40, 0xf4 };
	struct guest_result r;
	struct hv_vm vm;
	uint64_t *gpas;
	size_t n;

	if (!have_pml())
		SKIP(return, "this CPU has no page-modification logging");
	create_logged(_metadata, &vm, 1);
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	ASSERT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	/* The vCPU goes: its mapping holds the file too */
	ASSERT_EQ(0, munmap(vm.run, vm.run_size));
	vm.run = NULL;
	ASSERT_EQ(0, close(vm.vcpu_fd));
	vm.vcpu_fd = -1;
	ASSERT_EQ(0, hv_dirty_pages(&vm, &gpas, &n));
	ASSERT_EQ(2, n);
	EXPECT_EQ(0x2000, gpas[0]);
	EXPECT_EQ(0x4000, gpas[1]);
	free(gpas);
	EXPECT_EQ(2, hvtest_stat(vm.vm_fd, HVLAB_GET_VM_STATS, "pml_entries"));
	hv_close(&vm);
}

TEST_HARNESS_MAIN
