// SPDX-License-Identifier: GPL-2.0
/*
 * vmx.c - is VMX usable, which controls does hvlab use, and VMXON/VMXOFF.
 *
 * VMX is on only while at least one VM exists: the first HVLAB_CREATE_VM
 * registers a CPU-hotplug state whose callbacks do VMXON on every online
 * CPU (and on CPUs that come online later), and the last VM's destruction
 * removes it, which runs VMXOFF everywhere. Between VMs, VMX is free for
 * another hypervisor such as KVM.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* MSR numbers (SDM Vol. 4, Table 2-2); spelled out here for readers. */
#define MSR_FEATURE_CONTROL		0x03a
#define FEATURE_CONTROL_LOCKED		(1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	(1ULL << 2)
#define MSR_VMX_BASIC			0x480
#define MSR_VMX_PINBASED_CTLS		0x481
#define MSR_VMX_PROCBASED_CTLS		0x482
#define MSR_VMX_EXIT_CTLS		0x483
#define MSR_VMX_ENTRY_CTLS		0x484
#define MSR_VMX_MISC			0x485
#define MSR_VMX_CR0_FIXED0		0x486
#define MSR_VMX_CR0_FIXED1		0x487
#define MSR_VMX_CR4_FIXED0		0x488
#define MSR_VMX_CR4_FIXED1		0x489
#define MSR_VMX_VMCS_ENUM		0x48a
#define MSR_VMX_PROCBASED_CTLS2		0x48b
#define MSR_VMX_EPT_VPID_CAP		0x48c
#define MSR_VMX_TRUE_PINBASED_CTLS	0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS	0x48e
#define MSR_VMX_TRUE_EXIT_CTLS		0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS		0x490
#define MSR_VMX_VMFUNC			0x491

#define VMX_BASIC_TRUE_CTLS		(1ULL << 55)
#define EPT_CAP_EXECUTE_ONLY		(1ULL << 0)
#define EPT_CAP_WALK_LENGTH_4		(1ULL << 6)
#define EPT_CAP_MEMTYPE_WB		(1ULL << 14)
#define EPT_CAP_2M_PAGES		(1ULL << 16)
#define EPT_CAP_1G_PAGES		(1ULL << 17)
#define EPT_CAP_INVEPT			(1ULL << 20)
#define EPT_CAP_AD_BITS			(1ULL << 21)
#define EPT_CAP_INVEPT_SINGLE		(1ULL << 25)
#define VPID_CAP_INVVPID		(1ULL << 32)
#define VPID_CAP_INVVPID_SINGLE		(1ULL << 41)

struct hvlab_vmx_config vmx_config;
DEFINE_PER_CPU(unsigned int, vmcs_access_errors);

/*
 * Every VM entry arms the VMX-preemption timer with this many TSC ticks
 * (SDM 26.5.1): a guest that spins without exits still comes back to the
 * run loop, which checks for signals and rescheduling. On real hardware
 * host interrupts do that too; Bochs makes them exit only while the guest
 * has IF = 1, so for a guest with IF = 0 the timer is the only thing that
 * does, and the host's timer tick waits for it.
 */
static unsigned long preemption_tsc = 1UL << 20;
module_param(preemption_tsc, ulong, 0444);
MODULE_PARM_DESC(preemption_tsc, "TSC ticks a guest may run between exits (0 = no limit)");

static DEFINE_PER_CPU(void *, vmxon_region);
/* The host's SYSCALL MSRs, read once per CPU: Linux never changes them. */
DEFINE_PER_CPU(u64, hvlab_host_syscall_msrs[HVLAB_NR_SYSCALL_MSRS]);
DEFINE_PER_CPU(bool, hvlab_vmx_is_on);
static DEFINE_MUTEX(vmx_users_lock);
static unsigned int vmx_users;
static int vmx_cpuhp_state;

/*
 * Combine what hvlab wants with what the CPU allows (SDM A.3-A.5): the low
 * half of a capability MSR holds bits that must be 1, the high half bits
 * that may be 1. Returns false if a required bit is not allowed.
 */
static bool vmx_adjust_controls(const char *name, u64 cap, u32 required,
				u32 optional, u32 *result)
{
	/* LAB 1 BEGIN vmx_adjust_controls: fit the wanted controls to the allowed 0/1 settings (SDM A.3) */
	u32 must_be_one = (u32)cap, may_be_one = (u32)(cap >> 32);
	u32 ctl = (required | optional | must_be_one) & may_be_one;

	if ((ctl & required) != required) {
		pr_err(HVLAB_MSG_PREFIX "this CPU cannot set %s controls 0x%x (allowed 0x%x)\n",
		       name, required & ~may_be_one, may_be_one);
		return false;
	}
	*result = ctl;
	return true;
	/* LAB 1 END */
	/* LAB 1 STUB: hvlab_todo(1, __func__); *result = required | optional; return true; */
}

static void vmx_read_caps(struct hvlab_vmx_caps *caps)
{
	bool true_ctls;

	rdmsrl(MSR_FEATURE_CONTROL, caps->feature_control);
	rdmsrl(MSR_VMX_BASIC, caps->basic);
	true_ctls = caps->basic & VMX_BASIC_TRUE_CTLS;
	rdmsrl(true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS : MSR_VMX_PINBASED_CTLS,
	       caps->pinbased_ctls);
	rdmsrl(true_ctls ? MSR_VMX_TRUE_PROCBASED_CTLS : MSR_VMX_PROCBASED_CTLS,
	       caps->procbased_ctls);
	rdmsrl(true_ctls ? MSR_VMX_TRUE_EXIT_CTLS : MSR_VMX_EXIT_CTLS,
	       caps->exit_ctls);
	rdmsrl(true_ctls ? MSR_VMX_TRUE_ENTRY_CTLS : MSR_VMX_ENTRY_CTLS,
	       caps->entry_ctls);
	rdmsrl(MSR_VMX_MISC, caps->misc);
	rdmsrl(MSR_VMX_CR0_FIXED0, caps->cr0_fixed0);
	rdmsrl(MSR_VMX_CR0_FIXED1, caps->cr0_fixed1);
	rdmsrl(MSR_VMX_CR4_FIXED0, caps->cr4_fixed0);
	rdmsrl(MSR_VMX_CR4_FIXED1, caps->cr4_fixed1);
	rdmsrl(MSR_VMX_VMCS_ENUM, caps->vmcs_enum);

	/* The secondary controls exist only if the primary ones allow them. */
	if (caps->procbased_ctls >> 32 & PROC_ACTIVATE_SECONDARY) {
		u32 may2;

		rdmsrl(MSR_VMX_PROCBASED_CTLS2, caps->procbased_ctls2);
		may2 = caps->procbased_ctls2 >> 32;
		if (may2 & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
			rdmsrl(MSR_VMX_EPT_VPID_CAP, caps->ept_vpid_cap);
		if (may2 & (1u << 13))	/* enable VM functions */
			rdmsrl(MSR_VMX_VMFUNC, caps->vmfunc);
		if (may2 & PROC2_ENABLE_EPT)
			caps->flags |= HVLAB_CAP_EPT;
		if (may2 & PROC2_UNRESTRICTED_GUEST)
			caps->flags |= HVLAB_CAP_UNRESTRICTED_GUEST;
		if (may2 & PROC2_ENABLE_VPID)
			caps->flags |= HVLAB_CAP_VPID;
	}

	caps->revision_id = caps->basic & 0x7fffffff;
	caps->vmcs_size = (caps->basic >> 32) & 0x1fff;
	caps->preemption_timer_shift = caps->misc & 0x1f;
	if (true_ctls)
		caps->flags |= HVLAB_CAP_TRUE_CTLS;
	if (caps->pinbased_ctls >> 32 & PIN_PREEMPTION_TIMER)
		caps->flags |= HVLAB_CAP_PREEMPTION_TIMER;
	if (caps->ept_vpid_cap & EPT_CAP_2M_PAGES)
		caps->flags |= HVLAB_CAP_EPT_2M;
	if (caps->ept_vpid_cap & EPT_CAP_AD_BITS)
		caps->flags |= HVLAB_CAP_EPT_AD;
	if (caps->ept_vpid_cap & EPT_CAP_1G_PAGES)
		caps->flags |= HVLAB_CAP_EPT_1G;
	if (caps->ept_vpid_cap & EPT_CAP_EXECUTE_ONLY)
		caps->flags |= HVLAB_CAP_EPT_EXECUTE_ONLY;
	if (boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
		caps->flags |= HVLAB_CAP_EPT_LARGE_NX;
	if ((caps->procbased_ctls2 >> 32 & PROC2_ENABLE_PML) &&
	    (caps->ept_vpid_cap & EPT_CAP_AD_BITS))
		caps->flags |= HVLAB_CAP_PML;
}

/*
 * Choose hvlab's VM-execution, exit and entry controls. Every exit that is
 * enabled here is there on purpose: hvlab intercepts what would let a guest
 * touch host state (MOV DR, CR8, MSRs, I/O, MONITOR/MWAIT, RDPMC) and what a
 * student should see (HLT, CPUID and VMCALL exit unconditionally).
 */
static int vmx_choose_controls(struct hvlab_vmx_config *cfg)
{
	const struct hvlab_vmx_caps *caps = &cfg->caps;
	u32 fixed0;

	if (!vmx_adjust_controls("pin-based", caps->pinbased_ctls,
				 PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING,
				 (preemption_tsc ? PIN_PREEMPTION_TIMER : 0) |
				 PIN_VIRTUAL_NMIS,
				 &cfg->pin_ctls))
		return -EOPNOTSUPP;
	if (cfg->pin_ctls & PIN_PREEMPTION_TIMER) {
		/* The timer counts down once every 2^shift TSC ticks. */
		u64 value = preemption_tsc >> caps->preemption_timer_shift;

		cfg->preemption_timer_value = clamp_val(value, 1, U32_MAX);
	}
	if (!vmx_adjust_controls("processor-based", caps->procbased_ctls,
				 PROC_HLT_EXITING | PROC_MWAIT_EXITING |
				 PROC_RDPMC_EXITING | PROC_CR8_LOAD_EXITING |
				 PROC_CR8_STORE_EXITING | PROC_MOV_DR_EXITING |
				 PROC_UNCONDITIONAL_IO_EXITING |
				 PROC_MONITOR_EXITING | PROC_ACTIVATE_SECONDARY,
				 PROC_USE_MSR_BITMAPS, &cfg->proc_ctls))
		return -EOPNOTSUPP;
	/*
	 * With "use MSR bitmaps" some MSRs need no exit (msr.c). The TRUE
	 * capability MSRs let CR3-load and CR3-store exiting, two "default1"
	 * controls (SDM A.2), stay off: EPT makes them unnecessary. INVLPG
	 * exiting is not default1, and stays off for the same reason.
	 */
	/*
	 * EPT and unrestricted guest let the guest start in real mode with
	 * paging off, exactly as a PC does (SDM 27.3.1.1).
	 */
	if (!vmx_adjust_controls("secondary", caps->procbased_ctls2,
				 PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST,
				 PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID |
				 PROC2_WBINVD_EXITING,
				 &cfg->proc_ctls2))
		return -EOPNOTSUPP;
	/*
	 * VPID (SDM 29.1): the guest's TLB entries are tagged with its vCPU's
	 * VPID, so VM entries and exits need not flush them, as they must
	 * without. hvlab then flushes them itself, with INVVPID, where the
	 * guest or hvlab changed what they cache (vcpu.c): a move to another
	 * CPU, an emulated MOV to CR0/CR3/CR4, INVLPG or INVPCID, state set
	 * from userspace.
	 */
	if ((caps->procbased_ctls2 >> 32 & PROC2_ENABLE_VPID) &&
	    (caps->ept_vpid_cap & VPID_CAP_INVVPID) &&
	    (caps->ept_vpid_cap & VPID_CAP_INVVPID_SINGLE))
		cfg->proc_ctls2 |= PROC2_ENABLE_VPID;
	if (!vmx_adjust_controls("VM-exit", caps->exit_ctls,
				 EXIT_CTL_HOST_ADDR_SPACE_SIZE | EXIT_CTL_SAVE_DEBUG_CONTROLS |
				 EXIT_CTL_SAVE_IA32_PAT | EXIT_CTL_LOAD_IA32_PAT |
				 EXIT_CTL_SAVE_IA32_EFER | EXIT_CTL_LOAD_IA32_EFER,
				 0, &cfg->exit_ctls))
		return -EOPNOTSUPP;
	/*
	 * DR7 and IA32_DEBUGCTL are switched by VM entry and exit ("load/save
	 * debug controls", SDM 25.7.1, 25.8.1): without them the guest would
	 * run with the host's breakpoints and branch tracing armed.
	 *
	 * "Acknowledge interrupt on exit" stays off: an external interrupt
	 * stays pending in the host APIC and is delivered through the host
	 * IDT as soon as the run loop enables interrupts again.
	 */
	if (!vmx_adjust_controls("VM-entry", caps->entry_ctls,
				 ENTRY_CTL_LOAD_DEBUG_CONTROLS |
				 ENTRY_CTL_LOAD_IA32_PAT | ENTRY_CTL_LOAD_IA32_EFER,
				 0, &cfg->entry_ctls))
		return -EOPNOTSUPP;
	/* "IA-32e mode guest" is set per vCPU from EFER.LMA (vmcs.c). */

	if (!(caps->ept_vpid_cap & EPT_CAP_WALK_LENGTH_4) ||
	    !(caps->ept_vpid_cap & EPT_CAP_MEMTYPE_WB) ||
	    !(caps->ept_vpid_cap & EPT_CAP_INVEPT)) {
		pr_err(HVLAB_MSG_PREFIX "EPT lacks 4-level walks, write-back tables or INVEPT (IA32_VMX_EPT_VPID_CAP=0x%llx)\n",
		       caps->ept_vpid_cap);
		return -EOPNOTSUPP;
	}
	cfg->has_invept_single = caps->ept_vpid_cap & EPT_CAP_INVEPT_SINGLE;
	/* As KVM: where the CPU has them, EPT A/D flags show what the guest touched */
	cfg->ept_ad = caps->ept_vpid_cap & EPT_CAP_AD_BITS;
	/* Large EPT pages wherever guest and host memory line up (ept.c) */
	cfg->ept_2m = caps->ept_vpid_cap & EPT_CAP_2M_PAGES;
	cfg->ept_1g = cfg->ept_2m && (caps->ept_vpid_cap & EPT_CAP_1G_PAGES);
	cfg->ept_execute_only = caps->ept_vpid_cap & EPT_CAP_EXECUTE_ONLY;
	/* PML logs the dirty flags the CPU sets: it needs them (pml.c) */
	cfg->pml = cfg->ept_ad && (caps->procbased_ctls2 >> 32 & PROC2_ENABLE_PML);
	/*
	 * iTLB multihit (CVE-2018-12207): on an affected CPU a guest that
	 * changes its own page size under an executable large EPT page can
	 * cause a machine check. As KVM's nx_huge_pages, large leaves do not
	 * execute there; ept.c splits one at its first fetch.
	 */
	cfg->ept_large_nx = boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT);

	/*
	 * CR0/CR4 bits fixed by VMX are owned by the host: the guest reads
	 * its own value from the read shadow, and an attempt to change one
	 * exits (SDM 25.6.6, 27.3.1.1). PE and PG are free under unrestricted
	 * guest; CD and NW stay clear so guest memory stays cached.
	 */
	fixed0 = (u32)caps->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	cfg->cr0_guest_host_mask = fixed0 | ~(u32)caps->cr0_fixed1 |
				   X86_CR0_CD | X86_CR0_NW;
	/*
	 * CR4: the guest owns only the bits hvlab virtualizes, and only where
	 * the CPU has them; a write to any other bit exits and is checked
	 * (exits.c). The high half is all the host's: on new CPUs it holds
	 * FRED, which the guest must not turn on under the host's feet.
	 */
	cfg->cr4_guest_bits = HVLAB_CR4_GUEST_BITS & caps->cr4_fixed1 & ~caps->cr4_fixed0;
	/*
	 * XCR0 is switched with XSETBV, which needs the host's CR4.OSXSAVE. A
	 * host without XSAVE (the 6.12 lab kernel turns it off in Bochs) keeps
	 * CR4.OSXSAVE for itself, and the guest gets no XSAVE either.
	 */
	if (boot_cpu_has(X86_FEATURE_OSXSAVE))
		cfg->host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
	else
		cfg->cr4_guest_bits &= ~X86_CR4_OSXSAVE;
	cfg->cr4_guest_host_mask = ~cfg->cr4_guest_bits;
	/*
	 * The guest may enable the x87, SSE, AVX and AVX-512 states the host
	 * has. Not PKRU: VM entry and exit do not switch it, and hvlab hides
	 * protection keys. Not AMX: its XFD state is not switched either.
	 */
	cfg->guest_xcr0 = cfg->host_xcr0 & (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM |
					    XFEATURE_MASK_AVX512);
	return 0;
}

/*
 * Does this CPU have IA32_DEBUGCTL? Every Intel CPU since the P6 does,
 * but Bochs answers a read of it with 0 and ignores writes (and logs a
 * line each time): ask whether a harmless bit (BTF, which matters only
 * with RFLAGS.TF) sticks.
 */
static bool vmx_has_debugctl(void)
{
	unsigned long flags;
	u64 orig, probe = 0;
	bool has = false;

	local_irq_save(flags);
	if (!rdmsrl_safe(MSR_IA32_DEBUGCTLMSR, &orig) &&
	    !wrmsrl_safe(MSR_IA32_DEBUGCTLMSR, orig | DEBUGCTLMSR_BTF) &&
	    !rdmsrl_safe(MSR_IA32_DEBUGCTLMSR, &probe)) {
		has = probe & DEBUGCTLMSR_BTF;
		wrmsrl_safe(MSR_IA32_DEBUGCTLMSR, orig);
	}
	local_irq_restore(flags);
	return has;
}

/* Called once at module load, on whatever CPU: can hvlab work here at all? */
int hvlab_vmx_probe(void)
{
	struct hvlab_vmx_caps *caps = &vmx_config.caps;
	int ret;

	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err(HVLAB_MSG_PREFIX "this CPU has no VMX (Intel VT-x). Run the lab VM under Bochs (labs/vm/run) or on an Intel host with nested VT-x\n");
		return -ENODEV;
	}
	vmx_read_caps(caps);
	if (!(caps->feature_control & FEATURE_CONTROL_LOCKED) ||
	    !(caps->feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err(HVLAB_MSG_PREFIX "VMX is disabled by the firmware (IA32_FEATURE_CONTROL=0x%llx). Enable VT-x in the BIOS setup\n",
		       caps->feature_control);
		return -EOPNOTSUPP;
	}
	if (caps->vmcs_size > PAGE_SIZE) {
		pr_err(HVLAB_MSG_PREFIX "VMCS size %u exceeds a page\n", caps->vmcs_size);
		return -EOPNOTSUPP;
	}
	ret = vmx_choose_controls(&vmx_config);
	if (ret) {
		pr_err(HVLAB_MSG_PREFIX "the VMX controls hvlab needs do not fit this CPU's capability MSRs (IA32_VMX_*_CTLS, SDM A.3); not loading\n");
		return ret;
	}
	vmx_config.host_has_debugctl = vmx_has_debugctl();
	pr_info(HVLAB_MSG_PREFIX "VMX revision 0x%x, controls pin 0x%x proc 0x%x proc2 0x%x exit 0x%x entry 0x%x\n",
		caps->revision_id, vmx_config.pin_ctls, vmx_config.proc_ctls,
		vmx_config.proc_ctls2, vmx_config.exit_ctls, vmx_config.entry_ctls);
	return 0;
}

/*
 * Enter VMX root operation on this CPU (SDM 24.7, 24.8), with @region as
 * its VMXON region. 0, or -errno with the reason in the kernel log.
 */
static int vmx_enter_root_operation(unsigned int cpu, void *region)
{
	/* LAB 1 BEGIN vmx_enter_root_operation: check that VMXON may run here, and run it (SDM 24.7) */
	const struct hvlab_vmx_caps *caps = &vmx_config.caps;
	unsigned long cr0 = read_cr0();
	u64 feature_control;

	if (__read_cr4() & X86_CR4_VMXE) {
		pr_err(HVLAB_MSG_PREFIX "VMX is already in use on CPU %u (CR4.VMXE=1): another hypervisor, most likely kvm_intel, holds VT-x. Run 'rmmod kvm_intel', or load kvm with enable_virt_at_load=0 and close its VMs, then try again\n",
		       cpu);
		return -EBUSY;
	}
	/*
	 * VMXON raises #GP unless this CPU's IA32_FEATURE_CONTROL allows it and
	 * CR0 has the VMX-fixed bits (SDM 24.7): check rather than fault.
	 */
	rdmsrl(MSR_FEATURE_CONTROL, feature_control);
	if ((feature_control & (FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX)) !=
	    (FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err(HVLAB_MSG_PREFIX "CPU %u: IA32_FEATURE_CONTROL=0x%llx does not allow VMXON\n",
		       cpu, feature_control);
		return -EOPNOTSUPP;
	}
	if ((cr0 & caps->cr0_fixed0) != caps->cr0_fixed0 ||
	    (cr0 & ~caps->cr0_fixed1)) {
		pr_err(HVLAB_MSG_PREFIX "CPU %u: CR0 0x%lx violates the VMX fixed bits\n", cpu, cr0);
		return -EOPNOTSUPP;
	}
	/* The VMXON region starts with the VMCS revision identifier. */
	*(u32 *)region = caps->revision_id;

	cr4_set_bits(X86_CR4_VMXE);
	if (vmx_vmxon(__pa(region))) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err(HVLAB_MSG_PREFIX "VMXON failed on CPU %u: is another hypervisor active?\n", cpu);
		return -EBUSY;
	}
	per_cpu(hvlab_vmx_is_on, cpu) = true;
	return 0;
	/* LAB 1 END */
	/* LAB 1 STUB: return hvlab_todo(1, __func__); */
}

/*
 * Leave VMX root operation on this CPU, if it is in it; every VMCS active
 * here was cleared first (vmx_cpu_off()). The flag goes first: a vCPU
 * thread scheduled in here must not VMPTRLD once VMXOFF may have run.
 */
static void vmx_leave_root_operation(unsigned int cpu)
{
	/* LAB 1 BEGIN vmx_leave_root_operation: VMXOFF, and CR4.VMXE back to 0 (SDM 24.7, 31.3) */
	if (per_cpu(hvlab_vmx_is_on, cpu)) {
		per_cpu(hvlab_vmx_is_on, cpu) = false;
		vmx_vmxoff();	/* a "memory" clobber: after the store */
		cr4_clear_bits(X86_CR4_VMXE);
	}
	/* LAB 1 END */
	/* LAB 1 STUB: hvlab_todo(1, __func__); */
}

/* cpuhp "online" callback: runs on @cpu itself. */
static int vmx_cpu_on(unsigned int cpu)
{
	void *region = per_cpu(vmxon_region, cpu);
	int ret, i;

	if (!region) {
		region = (void *)get_zeroed_page(GFP_KERNEL);
		if (!region)
			return -ENOMEM;
		per_cpu(vmxon_region, cpu) = region;
	}
	ret = vmx_enter_root_operation(cpu, region);
	if (ret)
		return ret;
	for (i = 0; i < HVLAB_NR_SYSCALL_MSRS; i++)
		rdmsrl(hvlab_syscall_msrs[i], per_cpu(hvlab_host_syscall_msrs[i], cpu));
	return 0;
}

/*
 * cpuhp "offline" callback. A dynamic state runs before the scheduler has
 * waited for every task to leave the CPU (CPUHP_AP_SCHED_WAIT_EMPTY, which
 * KVM's own state comes after): a vCPU thread still queued here can be
 * switched to once more, on its way to another CPU, and its sched-in
 * notifier must then find VMX off (hvlab_vmcs_make_current()).
 */
static int vmx_cpu_off(unsigned int cpu)
{
	/*
	 * Interrupts off from the clearing to VMXOFF: no vCPU thread can be
	 * scheduled in here between them and make a VMCS active again, which
	 * VMXOFF would leave cached, never written back (SDM 25.11.1).
	 */
	local_irq_disable();
	hvlab_vmcs_clear_all_on_this_cpu();
	vmx_leave_root_operation(cpu);
	local_irq_enable();
	return 0;	/* going offline must not fail */
}

/* Take a reference on VMX being on everywhere; the first one turns it on. */
int hvlab_vmx_get(void)
{
	int ret = 0;

	mutex_lock(&vmx_users_lock);
	if (vmx_users == 0) {
		/* Runs vmx_cpu_on() on each online CPU, undoing all on failure. */
		ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hvlab:vmx",
					vmx_cpu_on, vmx_cpu_off);
		if (ret < 0)
			goto out;
		vmx_cpuhp_state = ret;
		ret = 0;
	}
	vmx_users++;
out:
	mutex_unlock(&vmx_users_lock);
	return ret;
}

void hvlab_vmx_put(void)
{
	mutex_lock(&vmx_users_lock);
	if (--vmx_users == 0)
		cpuhp_remove_state(vmx_cpuhp_state);
	mutex_unlock(&vmx_users_lock);
}

/* HVLAB_GET_VMX_CAPS: the capability MSRs and the controls chosen from them */
int hvlab_vmx_get_caps(void __user *argp)
{
	struct hvlab_vmx_caps caps = vmx_config.caps;

	caps.used_pin_ctls = vmx_config.pin_ctls;
	caps.used_proc_ctls = vmx_config.proc_ctls;
	caps.used_proc_ctls2 = vmx_config.proc_ctls2;
	caps.used_exit_ctls = vmx_config.exit_ctls;
	caps.used_entry_ctls = vmx_config.entry_ctls;
	/* CPUID leaf 0x15 as guests see it now (tsc_khz may have been refined) */
	caps.crystal_hz = hvlab_cpuid_crystal_hz(NULL);
	return copy_to_user(argp, &caps, sizeof(caps)) ? -EFAULT : 0;
}

static void vmx_read_cr4(void *cr4)
{
	*(unsigned long *)cr4 = __read_cr4();
}

/*
 * debugfs hvlab/vmx: per online CPU, CR4.VMXE as the CPU has it and
 * whether hvlab counts the CPU as in VMX operation. Both are 1 on every
 * CPU while a VM exists, and 0 everywhere once the last VM is gone.
 */
static int vmx_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		unsigned long cr4 = 0;

		smp_call_function_single(cpu, vmx_read_cr4, &cr4, 1);
		seq_printf(m, "cpu%u vmxe %d vmxon %d\n", cpu, !!(cr4 & X86_CR4_VMXE),
			   per_cpu(hvlab_vmx_is_on, cpu));
	}
	cpus_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmx);

void hvlab_vmx_add_debugfs(struct dentry *root)
{
	debugfs_create_file("vmx", 0400, root, NULL, &vmx_fops);
}

static void vmx_invept_this_cpu(void *eptp)
{
	/* A CPU on its way offline may have left VMX already (vmx_cpu_off). */
	if (this_cpu_read(hvlab_vmx_is_on))
		hvlab_invept(*(u64 *)eptp);
}

/*
 * After EPT entries are removed, and before the pages they pointed to are
 * released: drop every CPU's cached translations for @eptp (SDM 29.4.3.1:
 * only INVEPT does). The IPI reaches a CPU that runs one of the VM's
 * vCPUs as an external-interrupt exit, or at the latest at the next
 * preemption-timer exit, and the INVEPT runs there outside the guest; so
 * when this returns, no guest can still reach those pages through a stale
 * translation.
 */
void hvlab_vmx_invept_everywhere(u64 eptp)
{
	on_each_cpu(vmx_invept_this_cpu, &eptp, 1);
}

/* The same on @cpus only (vm.c knows where the VM's vCPUs are loaded) */
void hvlab_vmx_invept_on(const struct cpumask *cpus, u64 eptp)
{
	on_each_cpu_mask(cpus, vmx_invept_this_cpu, &eptp, true);
}

void hvlab_vmx_free_regions(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		free_page((unsigned long)per_cpu(vmxon_region, cpu));
		per_cpu(vmxon_region, cpu) = NULL;
	}
}
