// SPDX-License-Identifier: GPL-2.0
/*
 * vmx.c - VMX itself, before any exit is handled: turning it on and off
 * on every CPU (lab 1), and the VMCS and the entry code getting a guest
 * to run and come back (lab 2).
 *
 * These tests grade labs 1 and 2, so they use nothing a later lab's
 * handout leaves out: no guest does I/O, CPUID or HLT (lab 3's exit
 * handlers). A guest here ends in a triple fault, which ends the run with
 * HVLAB_EXIT_SHUTDOWN, and spins through preemption-timer exits, which
 * the kernel handles by entering again with VMRESUME.
 */
#include "hvtest.h"
#include "entry_check.h"
#include "vmcs_image.h"

#define KO		"/hvlab/hvlab.ko"
#define CODE		0x7c00
#define COUNTER		0x7e00	/* the spin loop's counter */
#define NULL_IDTR	0x7e10	/* six zero bytes: an IDT of limit 0 */
#define ENC_GUEST_ACTIVITY_STATE	0x4826

/*
 * Real-mode code: count COUNTER down to 0, then load an IDT of limit 0
 * and raise #BP. Vector 3 is beyond the limit, so is #GP's and #DF's:
 * a triple fault (SDM 6.15, 22.2: real-mode interrupts check the limit).
 */
static const uint8_t spin_then_triple_fault[] = {
	0x66, 0xff, 0x0e, COUNTER & 0xff, COUNTER >> 8,		/* decl COUNTER */
	0x75, 0xf9,						/* jnz . - 5 */
	0x0f, 0x01, 0x1e, NULL_IDTR & 0xff, NULL_IDTR >> 8,	/* lidt NULL_IDTR */
	0xcc,							/* int3 */
};

/* A VM with spin_then_triple_fault loaded at 0000:7c00, counting @spins. */
static int load_spinner(struct hv_vm *vm, uint32_t spins)
{
	int ret = hv_open(vm);

	if (!ret)
		ret = hv_create(vm, HV_DEFAULT_MEM);
	if (!ret)
		ret = hv_load_raw(vm, spin_then_triple_fault, sizeof(spin_then_triple_fault));
	if (!ret)
		memcpy(vm->mem + COUNTER, &spins, sizeof(spins));
	return ret;
}

static const char *run_exit_name(uint32_t reason)
{
	switch (reason) {
	case HVLAB_EXIT_SHUTDOWN: return "SHUTDOWN";
	case HVLAB_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
	case HVLAB_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
	case HVLAB_EXIT_HANDLED: return "HANDLED";
	default: return "another exit";
	}
}

/* Say why a run did not end as it should: the stub's or the entry's words. */
static void explain_run(struct __test_metadata *_metadata, const struct hvlab_run *run)
{
	if (run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR)
		TH_LOG("the VM ended: %.*s", (int)sizeof(run->internal.reason), run->internal.reason);
	else if (run->exit_reason == HVLAB_EXIT_FAIL_ENTRY)
		TH_LOG("VM entry failed: VM-instruction error %u (%s), exit reason 0x%x (hvctl explain names a failed check)",
		       run->fail_entry.vm_instruction_error,
		       hv_vm_instruction_error(run->fail_entry.vm_instruction_error),
		       run->fail_entry.exit_reason);
	else
		TH_LOG("got exit %u (%s), VMX exit reason %u", run->exit_reason,
		       run_exit_name(run->exit_reason), run->vmx_exit_reason);
}

/* ---- lab 1: VMX on every CPU ---- */

/* CPUs that debugfs hvlab/vmx shows with CR4.VMXE set, or in VMX operation */
static int cpus_with_vmxe(void)
{
	int vmxe = 0, vmxon = 0;

	return hvtest_vmx_cpus(&vmxe, &vmxon) < 0 ? -1 : vmxe;
}

static int cpus_with_vmxon(void)
{
	int vmxe = 0, vmxon = 0;

	return hvtest_vmx_cpus(&vmxe, &vmxon) < 0 ? -1 : vmxon;
}

FIXTURE(vmx) {
	int cpus;
};

FIXTURE_SETUP(vmx)
{
	self->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus_with_vmxe() < 0)
		SKIP(return, "no /sys/kernel/debug/hvlab/vmx: is hvlab.ko loaded and debugfs mounted?");
	if (cpus_with_vmxe())
		SKIP(return, "CR4.VMXE is already set on %d CPUs: another hypervisor (kvm_intel?) or a VM holds VMX",
		     cpus_with_vmxe());
}

FIXTURE_TEARDOWN(vmx)
{
}

/*
 * The first VM turns VMX on on every online CPU, and it stays on while
 * any VM exists; closing the last one turns it off everywhere.
 */
TEST_F(vmx, on_while_a_vm_exists)
{
	struct hv_vm a, b;

	ASSERT_EQ(0, cpus_with_vmxon());
	ASSERT_EQ(0, hv_open(&a));
	a.vm_fd = ioctl(a.dev_fd, HVLAB_CREATE_VM, 0);
	ASSERT_LE(0, a.vm_fd) TH_LOG("HVLAB_CREATE_VM: %s (the kernel log says why)", strerror(errno));
	EXPECT_EQ(self->cpus, cpus_with_vmxe())
		TH_LOG("CR4.VMXE is set on %d of %d CPUs", cpus_with_vmxe(), self->cpus);
	EXPECT_EQ(self->cpus, cpus_with_vmxon())
		TH_LOG("VMX is on on %d of %d CPUs", cpus_with_vmxon(), self->cpus);

	ASSERT_EQ(0, hv_open(&b));
	b.vm_fd = ioctl(b.dev_fd, HVLAB_CREATE_VM, 0);
	ASSERT_LE(0, b.vm_fd) TH_LOG("a second HVLAB_CREATE_VM: %s", strerror(errno));
	hv_close(&a);
	EXPECT_EQ(self->cpus, cpus_with_vmxon())
		TH_LOG("one of two VMs closed: VMX is on on %d of %d CPUs", cpus_with_vmxon(), self->cpus);
	hv_close(&b);
	EXPECT_EQ(0, cpus_with_vmxon())
		TH_LOG("every VM closed, and VMX is still on on %d CPUs", cpus_with_vmxon());
	EXPECT_EQ(0, cpus_with_vmxe())
		TH_LOG("every VM closed, and CR4.VMXE is still set on %d CPUs", cpus_with_vmxe());
}

/* One control field against its capability MSR and hvlab's wishes. */
static void check_controls(struct __test_metadata *_metadata, const char *name, uint64_t msr,
			   uint32_t used, uint32_t required, uint32_t optional)
{
	uint32_t must = (uint32_t)msr, may = msr >> 32;

	EXPECT_EQ(must, used & must)
		TH_LOG("%s controls 0x%08x lack bits the CPU requires (its allowed-0 settings): 0x%08x",
		       name, used, must & ~used);
	EXPECT_EQ(0, used & ~may)
		TH_LOG("%s controls 0x%08x have bits the CPU does not allow (its allowed-1 settings): 0x%08x",
		       name, used, used & ~may);
	EXPECT_EQ(required, used & required)
		TH_LOG("%s controls 0x%08x lack bits hvlab requires: 0x%08x", name, used,
		       required & ~used);
	EXPECT_EQ(optional & may, used & optional)
		TH_LOG("%s controls 0x%08x lack optional bits the CPU allows: 0x%08x", name, used,
		       optional & may & ~used);
}

/*
 * The controls hvlab chose (HVLAB_GET_VMX_CAPS) fit the capability MSRs:
 * every allowed-0 bit (must be 1) set, no bit outside allowed-1, hvlab's
 * required controls all there, and its optional ones wherever the CPU
 * allows them (SDM A.3-A.5). The bits are vmx.c's choice, by number.
 */
TEST_F(vmx, controls_fit_the_capability_msrs)
{
	struct hvlab_vmx_caps caps;
	struct hv_vm vm;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	hv_close(&vm);
	/* external-interrupt and NMI exiting; virtual NMIs, preemption timer */
	check_controls(_metadata, "pin-based", caps.pinbased_ctls, caps.used_pin_ctls, 0x9, 0x60);
	/* HLT, MWAIT, RDPMC, CR8 load/store, MOV DR, I/O, MONITOR, secondary; MSR bitmaps */
	check_controls(_metadata, "processor-based", caps.procbased_ctls, caps.used_proc_ctls,
		       0xa1980c80, 0x10000000);
	/* EPT, unrestricted guest; RDTSCP, WBINVD exiting, INVPCID */
	check_controls(_metadata, "secondary", caps.procbased_ctls2, caps.used_proc_ctls2,
		       0x82, 0x1048);
	/* host address-space size, save debug controls, save/load PAT and EFER */
	check_controls(_metadata, "VM-exit", caps.exit_ctls, caps.used_exit_ctls, 0x3c0204, 0);
	/* load debug controls, load PAT and EFER */
	check_controls(_metadata, "VM-entry", caps.entry_ctls, caps.used_entry_ctls, 0xc004, 0);
}

/*
 * hvlab.ko unloaded and loaded again, with a VM in between each time:
 * VMX comes on with every VM and goes off with it, and nothing is left
 * on for the next load (or for KVM) to trip over.
 */
TEST_F(vmx, on_and_off_across_module_reloads)
{
	int i, ret;

	if (access(KO, R_OK))
		SKIP(return, "no " KO);
	for (i = 0; i < 10; i++) {
		struct hv_vm vm;

		ret = hvtest_rmmod("hvlab");
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: rmmod hvlab: %s", i, strerror(-ret));
		ret = hvtest_insmod(KO, "");
		ASSERT_EQ(0, ret) TH_LOG("cycle %d: insmod: %s", i, strerror(-ret));
		ASSERT_EQ(0, hv_open(&vm));
		vm.vm_fd = ioctl(vm.dev_fd, HVLAB_CREATE_VM, 0);
		ASSERT_LE(0, vm.vm_fd) TH_LOG("cycle %d: HVLAB_CREATE_VM: %s", i, strerror(errno));
		EXPECT_EQ(self->cpus, cpus_with_vmxon())
			TH_LOG("cycle %d: VMX on on %d of %d CPUs", i, cpus_with_vmxon(), self->cpus);
		hv_close(&vm);
		ASSERT_EQ(0, cpus_with_vmxe())
			TH_LOG("cycle %d: VM closed, CR4.VMXE still set on %d CPUs", i, cpus_with_vmxe());
	}
}

/* ---- lab 2: the VMCS, the first VM entry and the entry code ---- */

FIXTURE(entry) {
	struct hv_vm vm;
};

FIXTURE_SETUP(entry)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.dev_fd = self->vm.vm_fd = self->vm.vcpu_fd = -1;
}

FIXTURE_TEARDOWN(entry)
{
	hv_close(&self->vm);
}

/* VMLAUNCH enters the guest at its reset state, and its triple fault exits. */
TEST_F(entry, first_entry_runs_the_guest)
{
	ASSERT_EQ(0, load_spinner(&self->vm, 1));
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_SHUTDOWN, self->vm.run->exit_reason)
		explain_run(_metadata, self->vm.run);
	EXPECT_EQ(2, HVLAB_VMX_EXIT_BASIC(self->vm.run->vmx_exit_reason));
	/* the guest ran: its counter went from 1 to 0 */
	EXPECT_EQ(0, *(uint32_t *)(self->vm.mem + COUNTER));
	EXPECT_LE(1, hvtest_vcpu_stat(&self->vm, "exits"));
}

/*
 * All 15 general registers (RSP is in the VMCS) reach the guest and come
 * back unchanged through every kind of exit and entry: exits to userspace,
 * each followed by VMLAUNCH, and exits the kernel handles, each followed
 * by VMRESUME.
 */
TEST_F(entry, general_registers_survive_exits)
{
	/* The values come from a seed, so that no fixed answer can pass */
	uint64_t timer_exits, s = hvtest_grade_seed("general registers");
	struct hvlab_regs regs, want;
	uint64_t *g = (uint64_t *)&want, *got = (uint64_t *)&regs;
	unsigned int i, stops = 0;

	ASSERT_EQ(0, load_spinner(&self->vm, 4000000));
	ASSERT_EQ(0, hv_get_regs(&self->vm, &want));
	for (i = 0; i < 16; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;	/* an LCG (Knuth's MMIX) */
		if (&g[i] != (uint64_t *)&want.rsp)
			g[i] = s ^ (s >> 29) ^ (uint64_t)(i + 1) << 60;
	}
	ASSERT_EQ(0, hv_set_regs(&self->vm, &want));

	/* The first exits stop in userspace: every entry after them is a VMLAUNCH */
	self->vm.run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT;
	while (stops < 3) {
		ASSERT_EQ(0, hv_run(&self->vm));
		if (self->vm.run->exit_reason != HVLAB_EXIT_HANDLED)
			break;
		stops++;
		ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
		for (i = 0; i < 16; i++)
			if (&got[i] != (uint64_t *)&regs.rsp)
				ASSERT_EQ(g[i], got[i]) TH_LOG("after exit %u to userspace, register %u is 0x%llx, not 0x%llx",
							      stops, i, (unsigned long long)got[i],
							      (unsigned long long)g[i]);
	}
	EXPECT_EQ(3, stops) explain_run(_metadata, self->vm.run);
	/* The rest in the kernel: VMRESUME after each */
	self->vm.run->request_flags = 0;
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_SHUTDOWN, self->vm.run->exit_reason)
		explain_run(_metadata, self->vm.run);
	EXPECT_EQ(0, *(uint32_t *)(self->vm.mem + COUNTER));
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	for (i = 0; i < 16; i++)
		if (&got[i] != (uint64_t *)&regs.rsp)
			EXPECT_EQ(g[i], got[i]) TH_LOG("at the end, register %u is 0x%llx, not 0x%llx", i,
						      (unsigned long long)got[i], (unsigned long long)g[i]);
	timer_exits = hvtest_vcpu_stat(&self->vm, "exits.PREEMPTION_TIMER");
	EXPECT_LE(6, timer_exits) TH_LOG("only %llu preemption-timer exits: the spin should take ~8",
					 (unsigned long long)timer_exits);
	EXPECT_EQ(0, hvtest_vcpu_stat(&self->vm, "entry_failures"));
}

/*
 * The VMCS of a new vCPU, as hvctl loads each kind of guest, passes every
 * VM-entry check hvctl explain knows (SDM 27.2, 27.3): controls, host
 * state and guest state.
 */
TEST_F(entry, vmcs_passes_the_entry_checks)
{
	static const char *const guests[] = { "hello.bin", "hello32.elf", "hello64.elf" };
	struct hvlab_vmx_caps caps;
	struct hv_entry_report report;
	struct hv_entry_env env;
	struct hv_vmcs vmcs;
	unsigned int i, f;

	ASSERT_EQ(0, hv_open(&self->vm));
	ASSERT_EQ(0, ioctl(self->vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	hv_close(&self->vm);
	hv_entry_env_init(&env, &caps);
	for (i = 0; i < 3; i++) {
		enum hv_guest_format format;
		const char *why = NULL;
		char path[64];

		snprintf(path, sizeof(path), GUEST_DIR "%s", guests[i]);
		ASSERT_EQ(0, hv_open(&self->vm));
		ASSERT_EQ(0, hv_create(&self->vm, HV_DEFAULT_MEM));
		ASSERT_EQ(0, hv_load_file(&self->vm, path, &format, &why)) TH_LOG("%s: %s", path, why ? why : "");
		ASSERT_EQ(0, hv_vmcs_read(&self->vm, &vmcs));
		hv_entry_check(&vmcs, &env, &report);
		EXPECT_EQ(0, report.nfailures) TH_LOG("%s: %u VM-entry checks fail (hvctl explain %s shows them)",
						      guests[i], report.nfailures, path);
		for (f = 0; f < report.nfailures && f < HV_ENTRY_MAX_FAILURES && f < 5; f++)
			TH_LOG("  %s (SDM %s): %s", report.failures[f].check->id,
			       report.failures[f].check->section, report.failures[f].fields);
		hv_close(&self->vm);
	}
}

/*
 * A guest state that VM entry refuses (an activity state that does not
 * exist) ends the run with HVLAB_EXIT_FAIL_ENTRY and the SDM's exit
 * reason, 33 with bit 31 set (SDM 27.8); the next vCPU runs normally.
 */
TEST_F(entry, broken_guest_state_fails_entry)
{
	struct hvlab_vmcs_field f = { .encoding = ENC_GUEST_ACTIVITY_STATE, .value = 5 };
	struct hv_vm again;

	ASSERT_EQ(0, load_spinner(&self->vm, 1));
	ASSERT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f, 1));
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_FAIL_ENTRY, self->vm.run->exit_reason) explain_run(_metadata, self->vm.run);
	EXPECT_EQ(0x80000000u | 33, self->vm.run->fail_entry.exit_reason);

	ASSERT_EQ(0, load_spinner(&again, 1));
	ASSERT_EQ(0, hv_run(&again));
	EXPECT_EQ(HVLAB_EXIT_SHUTDOWN, again.run->exit_reason) explain_run(_metadata, again.run);
	hv_close(&again);
}

TEST_HARNESS_MAIN
