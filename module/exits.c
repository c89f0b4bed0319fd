// SPDX-License-Identifier: GPL-2.0
/*
 * exits.c - what hvlab does for each VM exit.
 *
 * One handler per basic exit reason, in a table indexed by the reason.
 * A handler returns 1 to resume the guest, 0 to return to userspace (it
 * has set run->exit_reason), or a negative errno. A reason with no handler
 * goes to userspace as HVLAB_EXIT_UNHANDLED with the raw exit information:
 * never a crash, never a silent resume.
 */
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/random.h>
#include <linux/string.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

static int exit_to_user(struct hvlab_vcpu *vcpu, enum hvlab_exit reason)
{
	vcpu->run->exit_reason = reason;
	return 0;
}

static int handle_unhandled(struct hvlab_vcpu *vcpu)
{
	return exit_to_user(vcpu, HVLAB_EXIT_UNHANDLED);
}


/*
 * SDM 28.2.2: an NMI exits with interruption type 2, and a machine check
 * (#MC) always exits; vcpu.c already gave either to the host's handler
 * with interrupts still off. #DB and #AC always exit too (hvlab.h says
 * why); any other exception only when userspace put its vector in the
 * exception bitmap, to watch it (HVLAB_SET_INTERCEPTS): hvlab then
 * delivers it to the guest after all, as if there had been no exit. A
 * #PF or #DB that exits has not written CR2 or DR6 yet: the exit
 * qualification has the address, or DR6's bits (SDM 28.1).
 */
#define DR6_EXIT_QUAL_BITS	0x600fULL	/* B0-B3, BD, BS */

/*
 * HVLAB_INTERCEPT_EXCEPTION_EXIT: the exception goes to userspace instead
 * (a debugger's breakpoint or step). The exit is fault-like for INT3 too,
 * so RIP is still at the instruction (SDM 28.1); nothing reaches the guest
 * unless userspace injects it.
 */
static int exception_to_user(struct hvlab_vcpu *vcpu, u32 info)
{
	struct hvlab_run *run = vcpu->run;

	memset(&run->exception, 0, sizeof(run->exception));
	run->exception.vector = info & INTR_INFO_VECTOR_MASK;
	run->exception.has_error_code = !!(info & INTR_INFO_DELIVER_CODE);
	if (info & INTR_INFO_DELIVER_CODE)
		run->exception.error_code = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);
	if (run->exception.vector == X86_VECTOR_PF || run->exception.vector == X86_VECTOR_DB)
		run->exception.payload = vcpu->exit.qualification;
	return exit_to_user(vcpu, HVLAB_EXIT_EXCEPTION);
}

/*
 * A #DB that exits in the shadow of STI or MOV SS, with RFLAGS.TF set:
 * the CPU records no pending single step for an exit it took on a #DB,
 * but VM entry insists on one in that state (SDM 27.3.1.5: BS must be
 * TF while STI or MOV SS blocks), and would fail. TF cannot have just
 * been set (STI and MOV SS leave it alone), so the step is due: say so
 * (Xen's XSA-308; KVM does the same).
 */
static void debug_exit_keep_single_step(struct hvlab_vcpu *vcpu)
{
	if ((vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	    (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

/* B0-B3 of the breakpoints DR7 enables, locally or globally (L0/G0 ...) */
static u64 dr7_enabled_breakpoints(u64 dr7)
{
	u64 bits = 0;
	int i;

	for (i = 0; i < 4; i++)
		if (dr7 & (3ULL << (2 * i)))
			bits |= BIT_ULL(i);
	return bits;
}

static int handle_exception_nmi(struct hvlab_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u32 type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

	if (type == INTR_TYPE_NMI)
		return 1;
	/*
	 * A machine check is the host's, and vcpu.c gave it to its handler.
	 * What the handler left to do (unmapping a poisoned page, a SIGBUS)
	 * happens on the way to userspace: go there before the guest can
	 * touch the same memory again, or the machine checks pile up.
	 */
	if (type == INTR_TYPE_HARD_EXCEPTION && (info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_MC) {
		vcpu->run->exit_reason = HVLAB_EXIT_INTR;
		return -EINTR;
	}
	if ((info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_DB && hvlab_step_is_own_trap(vcpu)) {
		/*
		 * A data breakpoint of the guest's hit in the stepped
		 * instruction: the CPU reports both traps in one #DB (SDM
		 * 19.2.3). BS is hvlab's; the rest is the guest's, delivered
		 * below. The step is over all the same: RIP has moved. B0-B3
		 * may also name a match that DR7 does not enable (Table
		 * 28-1): that alone would raise no #DB.
		 */
		if (!(vcpu->exit.qualification & dr7_enabled_breakpoints(vcpu->dr7)))
			return exit_to_user(vcpu, HVLAB_EXIT_STEP);
		vcpu->exit.qualification &= ~PENDING_DBG_BS;
	}
	/*
	 * The CPU writes CR2 and DR6 as it raises a #PF or #DB, before it
	 * delivers it; one that exits has done neither. The qualification has
	 * CR2's address and the B0-B3, BD and BS bits (SDM 28.1, Table 28-1).
	 * This holds whether the guest gets the exception now or userspace
	 * passes it on with HVLAB_INJECT.
	 */
	if ((info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_PF)
		vcpu->cr2 = vcpu->exit.qualification;
	if ((info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_DB) {
		if (type == INTR_TYPE_HARD_EXCEPTION)
			/* B0-B3 say which breakpoint this time; BD and BS stay (SDM 19.2.3) */
			vcpu->dr6 = (vcpu->dr6 & ~DR6_TRAP_BITS) |
				    (vcpu->exit.qualification & DR6_EXIT_QUAL_BITS);
		/* The CPU clears GD as it delivers a #DB (SDM 19.2.4) */
		vcpu->dr7 &= ~DR7_GD;
		debug_exit_keep_single_step(vcpu);
	}
	hvlab_vcpu_keep_nmis_blocked(vcpu, info);
	if ((vcpu->intercepts.flags & HVLAB_INTERCEPT_EXCEPTION_EXIT) &&
	    (vcpu->intercepts.exception_bitmap & BIT(info & INTR_INFO_VECTOR_MASK)))
		return exception_to_user(vcpu, info);
	/* Merged with the event whose delivery it interrupted, if any */
	if (type == INTR_TYPE_HARD_EXCEPTION)
		return hvlab_vcpu_raise_exception(vcpu, info & INTR_INFO_VECTOR_MASK,
						  info & INTR_INFO_DELIVER_CODE,
						  vmcs_read32(VM_EXIT_INTR_ERROR_CODE)) ? 0 : 1;
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(VM_EXIT_INTR_ERROR_CODE));
	/* INT3 and INTO are delivered past the instruction: give its length. */
	if (type == INTR_TYPE_SOFT_EXCEPTION || type == INTR_TYPE_PRIV_SOFT_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vcpu->exit.instruction_length);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info & IDT_VECTORING_REINJECT_MASK);
	return 1;
}

/*
 * SDM 28.2 / 25.6.1 (pin-based controls): with "external-interrupt exiting"
 * and no acknowledgment on exit, the interrupt is still pending in the
 * host's APIC; the host took it when vcpu.c enabled interrupts.
 */
static int handle_external_interrupt(struct hvlab_vcpu *vcpu)
{
	return 1;
}

/*
 * SDM 28.2 (exit reason 2): the guest is beyond saving; stop it. Lab 2's
 * tests end their guests this way, so no lab marks it (labs/INSTRUCTORS.md).
 */
static int handle_triple_fault(struct hvlab_vcpu *vcpu)
{
	vcpu->dead = true;
	strscpy(vcpu->dead_reason, "the guest triple-faulted", sizeof(vcpu->dead_reason));
	return exit_to_user(vcpu, HVLAB_EXIT_SHUTDOWN);
}

/*
 * SDM 26.1.2: CPUID exits unconditionally. The guest sees the host's CPU,
 * less what hvlab does not give it, with the "hypervisor present" bit
 * set; leaves 0x40000000+ identify hvlab.
 */
#define CPUID1_ECX_VMX		(1u << 5)
#define CPUID1_ECX_XSAVE	(1u << 26)
#define CPUID1_ECX_OSXSAVE	(1u << 27)
#define CPUID1_ECX_HYPERVISOR	(1u << 31)
/*
 * Leaf 7 features whose CR4 bit hvlab keeps (HVLAB_CR4_GUEST_BITS): PKU
 * and OSPKE, CET shadow stacks, LA57 and Key Locker, PKS (ECX); UINTR and
 * CET IBT (EDX); FRED, LKGS and LAM (subleaf 1 EAX).
 */
#define CPUID7_ECX_HIDDEN	(BIT(3) | BIT(4) | BIT(7) | BIT(16) | BIT(23) | BIT(31))
#define CPUID7_EDX_HIDDEN	(BIT(5) | BIT(20))
#define CPUID7_1_EAX_HIDDEN	(BIT(17) | BIT(18) | BIT(26))
#define CPUID_D1_EAX_XSAVES	(1u << 3)

/*
 * Leaf 1 features hvlab hides (SDM Vol. 2, CPUID, Tables 3-10 and 3-11):
 * VMX and SMX (no nesting), the debug store, thermal and power management
 * (their MSRs are #GP in msr.c), MONITOR/MWAIT (no-ops here, so a guest
 * must not idle with them), the APIC and its TSC deadline and xTPR
 * (hvlab has no APIC), PDCM (no IA32_PERF_CAPABILITIES) and HTT.
 */
#define CPUID1_ECX_HIDDEN	(BIT(2) | BIT(3) | BIT(4) | CPUID1_ECX_VMX | BIT(6) | \
				 BIT(7) | BIT(8) | BIT(11) | BIT(14) | BIT(15) | BIT(24))
#define CPUID1_EDX_HIDDEN	(BIT(9) | BIT(21) | BIT(22) | BIT(28) | BIT(29) | BIT(31))
/* Without XSAVE there is no AVX state: FMA, AVX, F16C (leaf 1 ECX) ... */
#define CPUID1_ECX_NEED_XSAVE	(BIT(12) | CPUID1_ECX_XSAVE | BIT(28) | BIT(29))
/* ... AVX2 and AVX-512 (leaf 7 EBX), and the AVX-512/VEX extensions (ECX) */
#define CPUID7_EBX_NEED_XSAVE	(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | \
				 BIT(27) | BIT(28) | BIT(30) | BIT(31))
#define CPUID7_ECX_NEED_XSAVE	(BIT(1) | BIT(6) | BIT(9) | BIT(10) | BIT(11) | \
				 BIT(12) | BIT(14))

static int handle_cpuid(struct hvlab_vcpu *vcpu)
{
	/* LAB 3 BEGIN handle_cpuid: emulate CPUID, hiding what hvlab does not virtualize (SDM 26.1.2) */
	u32 leaf = vcpu->gprs[GPR_RAX], subleaf = vcpu->gprs[GPR_RCX];
	u32 eax = 0, ebx = 0, ecx = 0, edx = 0;

	if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
		if (leaf == 0x40000000) {
			eax = 0x40000000;	/* highest hypervisor leaf */
			memcpy(&ebx, "hvla", 4);
			memcpy(&ecx, "bhvl", 4);
			memcpy(&edx, "abhv", 4);
		}
	} else if (leaf == 0xd && !vmx_config.host_xcr0) {
		/* no XSAVE: the XSAVE leaf is empty */
	} else {
		cpuid_count(leaf, subleaf, &eax, &ebx, &ecx, &edx);
	}
	if (leaf == 1) {
		unsigned long cr4 = vmcs_readl(CR4_READ_SHADOW);

		ecx &= ~(CPUID1_ECX_HIDDEN | CPUID1_ECX_OSXSAVE);
		edx &= ~CPUID1_EDX_HIDDEN;
		ecx |= CPUID1_ECX_HYPERVISOR;
		/* OSXSAVE mirrors the guest's CR4, not the host's. */
		if (cr4 & X86_CR4_OSXSAVE)
			ecx |= CPUID1_ECX_OSXSAVE;
		/* No XSAVE for the guest where the host has none (vmx.c). */
		if (!vmx_config.host_xcr0)
			ecx &= ~CPUID1_ECX_NEED_XSAVE;
		/* EBX: initial APIC ID = vCPU id [31:24], one logical CPU [23:16] */
		ebx = (ebx & 0x0000ffff) | ((u32)vcpu->id << 24) | (1u << 16);
	} else if (leaf == 7 && subleaf == 0) {
		ecx &= ~CPUID7_ECX_HIDDEN;
		edx &= ~CPUID7_EDX_HIDDEN;
		if (!vmx_config.host_xcr0) {
			ebx &= ~CPUID7_EBX_NEED_XSAVE;
			ecx &= ~CPUID7_ECX_NEED_XSAVE;
		}
	} else if (leaf == 7 && subleaf == 1) {
		eax &= ~CPUID7_1_EAX_HIDDEN;
	} else if (leaf == 0x19) {
		eax = ebx = ecx = edx = 0;	/* Key Locker */
	} else if (leaf == 0xd && subleaf == 0) {
		/* The states a guest may enable (vmx.c), not all the host's */
		eax &= (u32)vmx_config.guest_xcr0;
		edx &= vmx_config.guest_xcr0 >> 32;
	} else if (leaf == 0xd && subleaf >= 2 && subleaf < 64 &&
		   !(vmx_config.guest_xcr0 & BIT_ULL(subleaf))) {
		eax = ebx = ecx = edx = 0;
	} else if (leaf == 0xd && subleaf == 1) {
		/* No XSAVES/XRSTORS ("enable XSAVES" stays off) and no IA32_XSS */
		eax &= ~CPUID_D1_EAX_XSAVES;
		ecx = 0;
		edx = 0;
	}
	vcpu->gprs[GPR_RAX] = eax;
	vcpu->gprs[GPR_RBX] = ebx;
	vcpu->gprs[GPR_RCX] = ecx;
	vcpu->gprs[GPR_RDX] = edx;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
	/* LAB 3 END */
	/* LAB 3 STUB: return hvlab_todo_exit(vcpu, 3, __func__); */
}

/*
 * SDM 26.1.2: CPUID, lab 3's answer corrected by hvlab's policy for an
 * unmodified OS (cpuid.c): what the OS sees, it may use.
 */
static int handle_cpuid_with_policy(struct hvlab_vcpu *vcpu)
{
	u32 leaf = vcpu->gprs[GPR_RAX], subleaf = vcpu->gprs[GPR_RCX];
	int ret;

	/* The CPU gives no qualification: the leaf asked, for traces (abi.md) */
	vcpu->exit.qualification = leaf | (u64)subleaf << 32;
	ret = handle_cpuid(vcpu);

	/*
	 * (inline: a leaf the policy leaves alone costs a test, CPUID is
	 * hot; leaf 0's highest leaf too, the one benchmarks use)
	 */
	if (leaf == 0) {
		if (likely(ret > 0) && (u32)vcpu->gprs[GPR_RAX] < HVLAB_CPUID_MAX_LEAF)
			vcpu->gprs[GPR_RAX] = HVLAB_CPUID_MAX_LEAF;
	} else if (hvlab_cpuid_policy_leaf(leaf) && likely(ret > 0)) {
		hvlab_cpuid_apply_policy(vcpu, leaf, subleaf);
	}
	return ret;
}

/*
 * SDM 26.1.3 ("HLT exiting"): hvlab has no virtual interrupt sources yet,
 * so a halted vCPU can never wake; userspace decides what that means.
 */
static int handle_hlt(struct hvlab_vcpu *vcpu)
{
	/* LAB 3 BEGIN handle_hlt: hand a HLT to userspace (SDM 26.1.3) */
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return exit_to_user(vcpu, HVLAB_EXIT_HLT);
	/* LAB 3 END */
	/* LAB 3 STUB: return hvlab_todo_exit(vcpu, 3, __func__); */
}

/*
 * HLT, as the exit table sees it: lab 3's handler sends it to userspace;
 * a HLT the kernel knows how to end (an interrupt waiting, the guest's
 * timer) waits in the kernel instead (timer.c).
 */
static int handle_hlt_or_wait(struct hvlab_vcpu *vcpu)
{
	int ret = handle_hlt(vcpu);
	bool irqs_on;
	u64 deadline;

	if (ret != 0 || vcpu->dead)
		return ret;
	irqs_on = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF;
	/* Userspace holds an interrupt for it (HVLAB_RUN_IRQ_WINDOW): taken now */
	if (irqs_on && (vcpu->run_flags & HVLAB_RUN_IRQ_WINDOW))
		return 1;
	/*
	 * With the timer on, the kernel sleeps until its tick; but not past
	 * the run's deadline (a device event of userspace's), which the run
	 * loop then reports.
	 */
	/* (the deadline in force for this run: vcpu_run() took it at its start) */
	deadline = vcpu->run_deadline_ns;
	if (irqs_on && vcpu->timer_period_ns && deadline &&
	    !(vcpu->run_flags & HVLAB_RUN_SINGLE_STEP) &&
	    deadline < ktime_to_ns(vcpu->timer_deadline) && vcpu->queued_irq < 0 &&
	    vcpu->interrupted_irq < 0 && !vcpu->queued_nmi) {
		ktime_t until = ns_to_ktime(deadline);

		vcpu->stats.halts_in_kernel++;
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout(&until, HRTIMER_MODE_ABS);
		return 1;
	}
	if (hvlab_vcpu_halt(vcpu))
		return 1;
	return ret;
}

/*
 * SDM 26.1.3: RDPMC exits because "RDPMC exiting" is on. The guest may not
 * read the host's performance counters, so it gets #GP(0), as for a
 * counter that does not exist. (MSR accesses: msr.c.)
 */
static int handle_gp_instead(struct hvlab_vcpu *vcpu)
{
	hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_GP, true, 0);
	return 1;
}

/*
 * SDM 26.1.2 (INVD), 26.1.3 (WBINVD exiting, MONITOR/MWAIT exiting): hvlab
 * keeps the guest's memory coherent itself and will not let it flush the
 * host's caches or sleep the host's CPU, so these are no-ops, as in KVM.
 * PAUSE and INVLPG exit only when userspace intercepts them; skipping
 * them is right too, with the guest's TLB flushed at the next entry
 * (handle_invlpg()).
 */
static int handle_skip_instruction(struct hvlab_vcpu *vcpu)
{
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/* SDM 26.1.3, INVLPG exiting: the flush the guest asked for, at the next entry */
static int handle_invlpg(struct hvlab_vcpu *vcpu)
{
	hvlab_vcpu_flush_tlb(vcpu);
	return handle_skip_instruction(vcpu);
}

/*
 * SDM 26.1.3 ("RDTSC exiting", with "enable RDTSCP" also RDTSCP): only
 * when userspace intercepts them. The guest reads the TSC plus its
 * offset, as it would without the exit (SDM 26.3); RDTSCP's IA32_TSC_AUX
 * is the guest's (the vCPU id until it writes another, vmcs.c).
 */
static int handle_rdtsc(struct hvlab_vcpu *vcpu)
{
	u64 tsc = rdtsc() + vcpu->intercepts.tsc_offset;

	vcpu->gprs[GPR_RAX] = (u32)tsc;
	vcpu->gprs[GPR_RDX] = tsc >> 32;
	if (HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_RDTSCP)
		vcpu->gprs[GPR_RCX] = vcpu->msr_lists ? vcpu->msr_lists->entry_load[0].value :
				      vcpu->id;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/* Exit qualification for control-register accesses (SDM 28.2.1, Table 28-3) */
#define CR_QUAL_NUMBER(q)	((q) & 0xf)
#define CR_QUAL_ACCESS(q)	(((q) >> 4) & 3)
#define CR_ACCESS_MOV_TO_CR	0
#define CR_ACCESS_MOV_FROM_CR	1
#define CR_ACCESS_CLTS		2
#define CR_ACCESS_LMSW		3
#define CR_QUAL_GPR(q)		(((q) >> 8) & 0xf)
#define CR_QUAL_LMSW_DATA(q)	(((q) >> 16) & 0xffff)


/*
 * MOV to CR0 that changes a host-owned bit (SDM 26.3, 25.6.6): do what the
 * CPU would do, with the checks of the MOV CR page of SDM Vol. 2, and keep
 * the VMX-fixed bits forced in the real CR0 (vmcs.c). Entering or leaving
 * paging with EFER.LME set switches long mode on or off (SDM 10.8.5).
 */
static int emulate_mov_to_cr0(struct hvlab_vcpu *vcpu, u64 value)
{
	/* LAB 5 BEGIN emulate_mov_to_cr0: MOV to CR0 that changes a host-owned bit, long mode included (SDM 26.3, 10.8.5) */
	unsigned long old = hvlab_vmcs_read_guest_cr0();
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	bool clears_pg = (old & X86_CR0_PG) && !(value & X86_CR0_PG);

	/*
	 * The #GP cases of MOV to CR0 (SDM Vol. 2, MOV to control registers):
	 * reserved bits; PG without PE; NW without CD; long-mode paging
	 * without PAE; clearing PG in 64-bit mode, or while CR4.PCIDE = 1.
	 * CR0.WP with CR4.CET does not arise: guests never get CET.
	 */
	if ((value >> 32) ||
	    ((value & X86_CR0_PG) && !(value & X86_CR0_PE)) ||
	    ((value & X86_CR0_NW) && !(value & X86_CR0_CD)) ||
	    ((value & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & EFER_LME) &&
	     !(hvlab_vmcs_read_guest_cr4() & X86_CR4_PAE)) ||
	    (clears_pg && (efer & EFER_LMA) && (vmcs_read32(GUEST_CS_AR_BYTES) & VMX_AR_L)) ||
	    (clears_pg && (hvlab_vmcs_read_guest_cr4() & X86_CR4_PCIDE)))
		return handle_gp_instead(vcpu);

	if ((efer & EFER_LME) && ((value ^ old) & X86_CR0_PG)) {
		u32 entry = vmcs_read32(VM_ENTRY_CONTROLS);

		if (value & X86_CR0_PG) {
			efer |= EFER_LMA;
			entry |= ENTRY_CTL_IA32E_MODE_GUEST;
		} else {
			efer &= ~EFER_LMA;
			entry &= ~ENTRY_CTL_IA32E_MODE_GUEST;
		}
		vmcs_write64(GUEST_IA32_EFER, efer);
		vmcs_write32(VM_ENTRY_CONTROLS, entry);
	}
	hvlab_vmcs_write_guest_cr0(value);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
	/* LAB 5 END */
	/* LAB 5 STUB: return hvlab_todo_exit(vcpu, 5, __func__); */
}

/* MOV to CR4 that changes a host-owned bit, such as VMXE. */
static int emulate_mov_to_cr4(struct hvlab_vcpu *vcpu, u64 value)
{
	/* LAB 5 BEGIN emulate_mov_to_cr4: MOV to CR4 that changes a host-owned bit: taken or #GP (SDM Vol. 2, MOV CR) */
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	unsigned long old = hvlab_vmcs_read_guest_cr4();

	/*
	 * Only the bits hvlab gives guests (HVLAB_CR4_GUEST_BITS, less what
	 * this CPU or the host's XSAVE lacks); and the MOV CR4 checks of
	 * SDM Vol. 2 for those the CPU would have made: PAE stays on in
	 * IA-32e mode, and PCIDE comes on only there, with CR3[11:0] = 0.
	 */
	if ((value & ~vmx_config.cr4_guest_bits) ||
	    ((efer & EFER_LMA) && !(value & X86_CR4_PAE)) ||
	    ((value & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	     (!(efer & EFER_LMA) || (vmcs_readl(GUEST_CR3) & 0xfff))))
		return handle_gp_instead(vcpu);
	hvlab_vmcs_write_guest_cr4(value);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
	/* LAB 5 END */
	/* LAB 5 STUB: return hvlab_todo_exit(vcpu, 5, __func__); */
}

/*
 * In PAE paging outside long mode the CPU keeps the four PDPTEs in
 * registers, loaded when CR3 is written; under EPT, VM entry loads them
 * from the VMCS (SDM 4.4.1, 27.3.2.4). So an emulated MOV to CR3 loads
 * them too. (Reserved-bit checks on the PDPTEs are left to the CPU.)
 */
static int load_pae_pdptes(struct hvlab_vcpu *vcpu, u64 cr3)
{
	static const u16 fields[] = { GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3 };
	u64 gpa = cr3 & 0xffffffe0ULL, pdptes[4];
	struct page *page = hvlab_gpa_to_page(vcpu->vm, gpa);
	void *va;
	int i;

	if (!page)
		return -EFAULT;
	va = kmap_local_page(page);
	memcpy(pdptes, va + offset_in_page(gpa), sizeof(pdptes));
	kunmap_local(va);
	for (i = 0; i < 4; i++)
		__vmcs_write(fields[i], pdptes[i]);
	return 0;
}

/*
 * MOV to CR3 with "CR3-load exiting" (HVLAB_INTERCEPT_CR3). Bits beyond
 * the physical-address width are reserved (#GP, MOV CR page of SDM Vol. 2);
 * bit 63 is the PCID no-flush hint, which VMX never stores.
 */
static int emulate_mov_to_cr3(struct hvlab_vcpu *vcpu, u64 value)
{
	bool pcide = hvlab_vmcs_read_guest_cr4() & X86_CR4_PCIDE;

	if (pcide)
		value &= ~BIT_ULL(63);
	if (value >> boot_cpu_data.x86_phys_bits)
		return handle_gp_instead(vcpu);
	if ((hvlab_vmcs_read_guest_cr0() & X86_CR0_PG) &&
	    (hvlab_vmcs_read_guest_cr4() & X86_CR4_PAE) &&
	    !(vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && load_pae_pdptes(vcpu, value)) {
		hvlab_vcpu_kill(vcpu, "MOV to CR3: the PAE page-directory pointers at 0x%llx are not guest RAM",
				value);
		return 0;
	}
	vmcs_writel(GUEST_CR3, value);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * MOV to CR8 (64-bit mode only) with "CR8-load exiting": hvlab has no APIC,
 * so the task priority lives in software; bits 63:4 are reserved (#GP).
 */
static int emulate_mov_to_cr8(struct hvlab_vcpu *vcpu, u64 value)
{
	if (value & ~0xfULL)
		return handle_gp_instead(vcpu);
	vcpu->tpr = value;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/* MOV from CR3 ("CR3-store exiting") or CR8 ("CR8-store exiting"). */
static int emulate_mov_from_cr(struct hvlab_vcpu *vcpu, unsigned int cr, unsigned int gpr)
{
	u64 value;

	switch (cr) {
	case 3:
		value = vmcs_readl(GUEST_CR3);
		break;
	case 8:
		value = vcpu->tpr;
		break;
	default:
		return handle_unhandled(vcpu);
	}
	if (hvlab_guest_code_bits() != 64)
		value = (u32)value;
	hvlab_write_gpr(vcpu, gpr, value);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * LMSW loads CR0 bits 3:0 (PE, MP, EM, TS) but can only set PE, never
 * clear it (the LMSW page of SDM Vol. 2). The qualification carries the
 * source operand, register or memory (Table 28-3).
 */
static int emulate_lmsw(struct hvlab_vcpu *vcpu, u16 data)
{
	/* LAB 5 BEGIN emulate_lmsw: LMSW: CR0 bits 3:0, PE can only be set (SDM Vol. 2, LMSW) */
	unsigned long cr0 = hvlab_vmcs_read_guest_cr0();

	cr0 = (cr0 & ~0xeUL) | (data & 0xe) | (data & X86_CR0_PE);
	return emulate_mov_to_cr0(vcpu, cr0);
	/* LAB 5 END */
	/* LAB 5 STUB: return hvlab_todo_exit(vcpu, 5, __func__); */
}

/*
 * SDM 26.1.3: MOV to CR0/CR4 exits when it would change a bit set in the
 * guest/host mask (all of CR0 with HVLAB_INTERCEPT_CR0); CLTS and LMSW
 * exit when they would change a masked bit; MOV to/from CR3 with the CR3
 * exiting controls (HVLAB_INTERCEPT_CR3; EPT makes them unnecessary);
 * MOV to/from CR8 always, since hvlab keeps the TPR in software.
 */
static int handle_cr_access(struct hvlab_vcpu *vcpu)
{
	u64 qual = vcpu->exit.qualification;
	unsigned int cr = CR_QUAL_NUMBER(qual);
	u64 value;

	/*
	 * With VPID no entry flushes the TLB: a write to CR0, CR3 or CR4
	 * (CLTS and LMSW write CR0) asks the next entry to. Not CR8, nor reads.
	 */
	if ((CR_QUAL_ACCESS(qual) == CR_ACCESS_MOV_TO_CR && cr != 8) ||
	    CR_QUAL_ACCESS(qual) == CR_ACCESS_CLTS || CR_QUAL_ACCESS(qual) == CR_ACCESS_LMSW)
		hvlab_vcpu_flush_tlb(vcpu);
	switch (CR_QUAL_ACCESS(qual)) {
	case CR_ACCESS_MOV_TO_CR:
		value = hvlab_read_gpr(vcpu, CR_QUAL_GPR(qual));
		/* Outside 64-bit code the operand is a 32-bit register. */
		if (hvlab_guest_code_bits() != 64)
			value = (u32)value;
		switch (cr) {
		case 0:
			return emulate_mov_to_cr0(vcpu, value);
		case 3:
			return emulate_mov_to_cr3(vcpu, value);
		case 4:
			return emulate_mov_to_cr4(vcpu, value);
		case 8:
			return emulate_mov_to_cr8(vcpu, value);
		}
		break;
	case CR_ACCESS_MOV_FROM_CR:
		return emulate_mov_from_cr(vcpu, cr, CR_QUAL_GPR(qual));
	case CR_ACCESS_CLTS:
		return emulate_mov_to_cr0(vcpu, hvlab_vmcs_read_guest_cr0() & ~X86_CR0_TS);
	case CR_ACCESS_LMSW:
		return emulate_lmsw(vcpu, CR_QUAL_LMSW_DATA(qual));
	}
	return handle_unhandled(vcpu);
}

/*
 * SDM 29.1.2: with the TPR shadow (HVLAB_INTERCEPT_TPR), a MOV to CR8
 * lowered the TPR below the threshold. A hypervisor with an interrupt
 * controller would now deliver an interrupt the TPR had held back; hvlab
 * has none, so the exit is there to be watched, and the guest resumes.
 */
static int handle_tpr_below_threshold(struct hvlab_vcpu *vcpu)
{
	return 1;
}

/* APIC-access exit qualification (SDM Table 28-6) */
#define APIC_QUAL_OFFSET(q)	((q) & 0xfff)
#define APIC_QUAL_TYPE(q)	(((q) >> 12) & 0xf)
#define APIC_ACCESS_LINEAR_READ		0
#define APIC_ACCESS_LINEAR_WRITE	1

/*
 * SDM 29.4: with "virtualize APIC accesses" (HVLAB_INTERCEPT_APIC) the
 * guest touched the APIC page at HVLAB_APIC_BASE. hvlab has no APIC, so a
 * data read or write becomes an MMIO exit to userspace at that address,
 * decoded like any other. Fetches and accesses during event delivery have
 * no instruction to emulate: the VM stops with a reason.
 */
static int handle_apic_access(struct hvlab_vcpu *vcpu)
{
	u64 qual = vcpu->exit.qualification;
	u64 gpa = HVLAB_APIC_BASE + APIC_QUAL_OFFSET(qual);

	vcpu->exit.gpa = gpa;
	switch (APIC_QUAL_TYPE(qual)) {
	case APIC_ACCESS_LINEAR_READ:
		return hvlab_handle_mmio(vcpu, gpa, false);
	case APIC_ACCESS_LINEAR_WRITE:
		return hvlab_handle_mmio(vcpu, gpa, true);
	}
	hvlab_vcpu_kill(vcpu, "APIC access of type %llu at offset 0x%llx: only data reads and writes are emulated",
			APIC_QUAL_TYPE(qual), APIC_QUAL_OFFSET(qual));
	return 0;
}

/*
 * SDM 26.5.2: with the monitor trap flag on (HVLAB_INTERCEPT_MTF), the
 * CPU exits after each guest instruction. The exit is trap-like: RIP
 * already points at the next instruction. Userspace wanted to see it.
 */
static int handle_monitor_trap_flag(struct hvlab_vcpu *vcpu)
{
	return exit_to_user(vcpu, HVLAB_EXIT_STEP);
}

/*
 * SDM 26.1.3 ("RDRAND exiting", "RDSEED exiting", HVLAB_INTERCEPT_RDRAND):
 * the guest gets random bits from the host kernel's generator, and
 * CF = 1 for success; OF, SF, ZF, AF and PF are cleared, as the CPU does.
 * The destination register and operand size come from the VM-exit
 * instruction-information field (SDM 28.2.5, Table 28-14).
 */
static int handle_rdrand(struct hvlab_vcpu *vcpu)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	unsigned int reg = (info >> 3) & 0xf, size = 2 << ((info >> 11) & 3);
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);
	u64 value;

	get_random_bytes(&value, sizeof(value));
	hvlab_write_gpr_sized(vcpu, reg, false, size, value);
	rflags &= ~(X86_EFLAGS_OF | X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF |
		    X86_EFLAGS_PF);
	vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_CF);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * SDM 26.1.3: INVPCID exits with "enable INVPCID" and "INVLPG exiting"
 * (HVLAB_INTERCEPT_INVLPG). Types above 3 are #GP(0) (the INVPCID page of
 * SDM Vol. 2); the rest flushes the guest's whole TLB at the next entry,
 * which is more than any type asks for.
 */
static int handle_invpcid(struct hvlab_vcpu *vcpu)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	u64 type = hvlab_read_gpr(vcpu, (info >> 28) & 0xf);

	if (hvlab_guest_code_bits() != 64)
		type = (u32)type;
	if (type > 3)
		return handle_gp_instead(vcpu);
	hvlab_vcpu_flush_tlb(vcpu);
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * SDM 26.1.2: every VMX instruction exits unconditionally in VMX non-root
 * operation. hvlab does not offer nested VMX (CPUID hides it), so the
 * guest gets what a CPU without VMX gives: #UD.
 */
static int handle_vmx_instruction(struct hvlab_vcpu *vcpu)
{
	hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_UD, false, 0);
	return 1;
}

/*
 * SDM 26.1.2: XSETBV exits unconditionally. Check the new XCR0 as the CPU
 * would (the XSETBV page of SDM Vol. 2, and 13.3): only XCR0 exists, x87
 * must stay on, AVX needs SSE, the AVX-512 states go together and need
 * AVX, and nothing beyond what hvlab gives guests (vmx.c). Else #GP(0).
 */
static int handle_xsetbv(struct hvlab_vcpu *vcpu)
{
	u64 value = (u32)vcpu->gprs[GPR_RAX] | (vcpu->gprs[GPR_RDX] << 32);
	u64 avx512 = XFEATURE_MASK_OPMASK | XFEATURE_MASK_ZMM_Hi256 | XFEATURE_MASK_Hi16_ZMM;

	/* Without host XSAVE the guest cannot set CR4.OSXSAVE: XSETBV is #UD. */
	if (!vmx_config.host_xcr0) {
		hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_UD, false, 0);
		return 1;
	}
	if ((u32)vcpu->gprs[GPR_RCX] != XCR_XFEATURE_ENABLED_MASK ||
	    !(value & XFEATURE_MASK_FP) || (value & ~vmx_config.guest_xcr0) ||
	    ((value & XFEATURE_MASK_YMM) && !(value & XFEATURE_MASK_SSE)) ||
	    ((value & avx512) && ((value & avx512) != avx512 || !(value & XFEATURE_MASK_YMM))))
		return handle_gp_instead(vcpu);
	vcpu->xcr0 = value;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * SDM 26.1.3 ("unconditional I/O exiting"): every IN and OUT exits and
 * goes to userspace, which plays the devices. An OUT completes now; an IN
 * completes on the next HVLAB_RUN with the value userspace stored.
 * INS and OUTS move memory, one element per exit: strio.c.
 */
static int handle_io(struct hvlab_vcpu *vcpu)
{
	/* LAB 3 BEGIN handle_io: decode IN/OUT into run->io (SDM 28.2.1, Table 28-5) */
	u64 qual = vcpu->exit.qualification;
	struct hvlab_run *run = vcpu->run;
	unsigned int size = (qual & IO_QUAL_SIZE_MASK) + 1;

	if (qual & IO_QUAL_STRING)
		return hvlab_handle_string_io(vcpu, size, qual & IO_QUAL_IN);

	run->io.size = size;
	run->io.port = qual >> IO_QUAL_PORT_SHIFT;
	run->io.string = 0;
	run->io.rep = 0;
	run->io.reserved = 0;
	run->io.count = 1;
	if (qual & IO_QUAL_IN) {
		run->io.direction = HVLAB_IO_IN;
		run->io.data = 0;
		vcpu->pending = PENDING_IO_IN;
		vcpu->pending_reg_size = size;
		vcpu->pending_insn_length = vcpu->exit.instruction_length;
	} else {
		run->io.direction = HVLAB_IO_OUT;
		run->io.data = vcpu->gprs[GPR_RAX] & (~0U >> (32 - 8 * size));
		hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	}
	return exit_to_user(vcpu, HVLAB_EXIT_IO);
	/* LAB 3 END */
	/* LAB 3 STUB: return hvlab_todo_exit(vcpu, 3, __func__); */
}

/*
 * An I/O instruction: a byte for the coalesced port stays in the kernel
 * (coalesced.c, lab 9's fast path); anything else is handle_io()'s.
 */
/*
 * The same with the guest's breakpoints armed: an OUT is done now, and
 * an I/O breakpoint on it traps after it (debugreg.c); an IN is done
 * when userspace has answered it (vcpu.c).
 */
static noinline int handle_io_with_breakpoints(struct hvlab_vcpu *vcpu)
{
	u64 qual = vcpu->exit.qualification;
	int ret = 1;

	if (!vcpu->coalesced_on || !hvlab_coalesce_out(vcpu))
		ret = handle_io(vcpu);
	if (!(qual & (IO_QUAL_IN | IO_QUAL_STRING)) && !vcpu->dead)
		hvlab_debugreg_io_done(vcpu, qual >> IO_QUAL_PORT_SHIFT,
				       (qual & IO_QUAL_SIZE_MASK) + 1);
	return ret;
}

/* What handle_io_exit() tests first, as one flag: after a change to either */
void hvlab_vcpu_update_io_extras(struct hvlab_vcpu *vcpu)
{
	vcpu->io_extras = vcpu->coalesced_on || (vcpu->dr7 & DR7_ENABLE_BITS);
}

static int handle_io_exit(struct hvlab_vcpu *vcpu)
{
	/* The test inline: every other OUT and IN pays only this much */
	if (unlikely(vcpu->io_extras)) {
		if (vcpu->dr7 & DR7_ENABLE_BITS)
			return handle_io_with_breakpoints(vcpu);
		if (vcpu->coalesced_on && hvlab_coalesce_out(vcpu))
			return 1;
	}
	return handle_io(vcpu);
}

/* Exit qualification for EPT violations (SDM 28.2.1, Table 28-7) */
#define EPT_QUAL_READ		(1ULL << 0)
#define EPT_QUAL_WRITE		(1ULL << 1)
#define EPT_QUAL_FETCH		(1ULL << 2)
#define EPT_QUAL_ACCESS		(EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_FETCH)
#define EPT_QUAL_RIGHTS_SHIFT	3		/* bits 5:3: the page's R, W, X */
#define EPT_QUAL_NMI_UNBLOCKED	(1ULL << 12)	/* as INTR_INFO_UNBLOCK_NMI */

/*
 * An EPT violation where the tables say there should be none: retry once,
 * as the CPU forgets the old entry at a violation (SDM 29.4.3.1). True if
 * the exit before this one was such a retry at @gpa, which would make
 * this one an hvlab bug; else note this one.
 */
static bool ept_retried_just_now(struct hvlab_vcpu *vcpu, u64 gpa)
{
	if (vcpu->ept_retry_gpa == gpa && vcpu->ept_retry_exit + 1 == vcpu->exit_count)
		return true;
	vcpu->ept_retry_gpa = gpa;
	vcpu->ept_retry_exit = vcpu->exit_count;
	return false;
}

/*
 * SDM 29.3.3.2: a violation on a RAM page whose rights userspace took
 * away (HVLAB_SET_MEMORY_ATTRIBUTES) goes to userspace as
 * HVLAB_EXIT_MEMORY_ACCESS, the qualification decoded. Returns -ENOENT
 * if the page is not RAM: lab 4's code below takes those.
 */
static int ept_violation_memory_access(struct hvlab_vcpu *vcpu)
{
	u64 gpa = vcpu->exit.gpa, qual = vcpu->exit.qualification;
	struct hvlab_run *run = vcpu->run;
	u32 access = qual & EPT_QUAL_ACCESS;
	bool nx_huge;
	int rights = hvlab_ept_rights(&vcpu->vm->ept, gpa, &nx_huge);

	if (rights < 0 || !hvlab_gpa_to_page(vcpu->vm, gpa))
		return -ENOENT;
	hvlab_spec_note_host_access(vcpu);
	/* A fetch from a large page kept from executing (iTLB multihit): split it */
	if ((qual & EPT_QUAL_FETCH) && nx_huge) {
		int ret;

		mutex_lock(&vcpu->vm->lock);
		ret = hvlab_ept_split_for_fetch(&vcpu->vm->ept, gpa);
		mutex_unlock(&vcpu->vm->lock);
		if (ret) {
			hvlab_vcpu_kill(vcpu, "no memory to split the large EPT page at gpa 0x%llx",
					gpa);
			return 0;
		}
		return 1;
	}
	/*
	 * The rights allow it now: given back between the access and this
	 * look. The violation made the CPU forget the old entry (SDM
	 * 29.4.3.1): enter again, once; twice would be an hvlab bug.
	 */
	if (!(access & ~rights)) {
		if (!ept_retried_just_now(vcpu, gpa))
			return 1;
		hvlab_vcpu_kill(vcpu, "EPT violation at gpa 0x%llx that its rights (%d) allow (qualification 0x%llx): an hvlab bug",
				gpa, rights, qual);
		return 0;
	}
	if (qual & EPT_QUAL_NMI_UNBLOCKED)
		hvlab_vcpu_keep_nmis_blocked(vcpu, INTR_INFO_UNBLOCK_NMI);
	memset(&run->memory_access, 0, sizeof(run->memory_access));
	run->memory_access.gpa = gpa;
	run->memory_access.qualification = qual;
	run->memory_access.access = qual & EPT_QUAL_WRITE ? HVLAB_ACCESS_WRITE :
				    qual & EPT_QUAL_FETCH ? HVLAB_ACCESS_FETCH : HVLAB_ACCESS_READ;
	run->memory_access.rights = (qual >> EPT_QUAL_RIGHTS_SHIFT) & HVLAB_MEM_ATTR_RWX;
	if (qual & EPT_QUAL_GLA_VALID) {
		run->memory_access.gla = vmcs_readl(GUEST_LINEAR_ADDRESS);
		run->memory_access.flags |= HVLAB_MEM_ACCESS_GLA_VALID;
		if (!(qual & EPT_QUAL_GLA_TRANSLATED))
			run->memory_access.flags |= HVLAB_MEM_ACCESS_PAGING_ENTRY;
	}
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID)
		run->memory_access.flags |= HVLAB_MEM_ACCESS_EVENT_DELIVERY;
	return exit_to_user(vcpu, HVLAB_EXIT_MEMORY_ACCESS);
}

/*
 * SDM 29.3.3.2: every page of guest memory is mapped read/write/execute
 * unless userspace took rights away (above), so a violation means the
 * address has no memory behind it: MMIO.
 */
static int handle_ept_violation(struct hvlab_vcpu *vcpu)
{
	int ret = ept_violation_memory_access(vcpu);

	if (ret != -ENOENT)
		return ret;
	/* LAB 4 BEGIN handle_ept_violation: no memory there: MMIO, or a guest gone wrong (SDM 29.3.3.2) */
	u64 gpa = vcpu->exit.gpa, qual = vcpu->exit.qualification;
	struct hvlab_run *run = vcpu->run;

	/* Slot lookups and emulation touch host data: flush before entry. */
	hvlab_spec_note_host_access(vcpu);
	/* SDM 28.2.1: bit 12 of the qualification, as for exceptions */
	if (qual & EPT_QUAL_NMI_UNBLOCKED)
		hvlab_vcpu_keep_nmis_blocked(vcpu, INTR_INFO_UNBLOCK_NMI);

	/*
	 * Memory there now: another thread added the slot after the access
	 * and before this handler looked. The CPU caches no not-present EPT
	 * entries (SDM 29.4.1), so entering again finds the new one. A second
	 * violation at the same address would be an hvlab bug.
	 */
	if (hvlab_gpa_to_page(vcpu->vm, gpa)) {
		if (!ept_retried_just_now(vcpu, gpa))
			return 1;
		hvlab_vcpu_kill(vcpu, "EPT violation at mapped gpa 0x%llx (qualification 0x%llx): an hvlab bug",
				gpa, qual);
		return 0;
	}
	/*
	 * During event delivery (SDM 28.2.4) the access was the CPU's own:
	 * the IDT, a descriptor or the stack. There is no instruction to
	 * emulate; the event is queued again (vcpu.c) for when userspace
	 * has put memory there.
	 */
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID) {
		run->memory_fault.phys_addr = gpa;
		run->memory_fault.access = qual & EPT_QUAL_WRITE ? HVLAB_ACCESS_WRITE :
					   qual & EPT_QUAL_FETCH ? HVLAB_ACCESS_FETCH :
					   HVLAB_ACCESS_READ;
		return exit_to_user(vcpu, HVLAB_EXIT_MEMORY_FAULT);
	}
	if (qual & EPT_QUAL_FETCH) {
		hvlab_vcpu_kill(vcpu, "the guest jumped to gpa 0x%llx, where there is no memory (RIP 0x%llx)",
				gpa, vcpu->exit.rip);
		return 0;
	}
	return hvlab_handle_mmio(vcpu, gpa, !!(qual & EPT_QUAL_WRITE));
	/* LAB 4 END */
	/* LAB 4 STUB: return hvlab_todo_exit(vcpu, 4, __func__); */
}

/*
 * SDM 29.3.3.1: a malformed EPT entry. hvlab makes them on purpose in
 * HVLAB_MEM_MMIO slots (ept.c): the access is MMIO. The exit says neither
 * read nor write, so the instruction decides. Anywhere else it would be
 * an hvlab bug: stop this VM only.
 */
static int handle_ept_misconfig(struct hvlab_vcpu *vcpu)
{
	/* LAB 4 BEGIN handle_ept_misconfig: an entry hvlab malformed on purpose: MMIO (SDM 29.3.3.1) */
	if (!hvlab_gpa_is_mmio_slot(vcpu->vm, vcpu->exit.gpa)) {
		hvlab_vcpu_kill(vcpu, "EPT misconfiguration at gpa 0x%llx: an hvlab bug",
				vcpu->exit.gpa);
		return 0;
	}
	if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID) {
		hvlab_vcpu_kill(vcpu, "event delivery touched the MMIO range at gpa 0x%llx",
				vcpu->exit.gpa);
		return 0;
	}
	return hvlab_handle_mmio(vcpu, vcpu->exit.gpa, HVLAB_MMIO_FROM_INSN);
	/* LAB 4 END */
	/* LAB 4 STUB: return hvlab_todo_exit(vcpu, 4, __func__); */
}

/*
 * SDM 26.5.1: the VMX-preemption timer ran out. hvlab arms it on every
 * entry only to get control back now and then (vmx.c); just resume.
 * Lab 2's tests count on it to exercise VMRESUME: no lab marks it. Or a
 * single step over an event's delivery set it to zero (step.c): the
 * delivery is done, the step too.
 */
static int handle_preemption_timer(struct hvlab_vcpu *vcpu)
{
	if (hvlab_step_is_own_timer(vcpu))
		return exit_to_user(vcpu, HVLAB_EXIT_STEP);
	return 1;
}

static int (*const exit_handlers[])(struct hvlab_vcpu *vcpu) = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_INTERRUPT_WINDOW]		= hvlab_handle_event_window,	/* events.c */
	[EXIT_REASON_NMI_WINDOW]		= hvlab_handle_event_window,
	[EXIT_REASON_CPUID]			= handle_cpuid_with_policy,
	[EXIT_REASON_HLT]			= handle_hlt_or_wait,
	[EXIT_REASON_VMCALL]			= hvlab_handle_vmcall,	/* hypercall.c */
	[EXIT_REASON_IO_INSTRUCTION]		= handle_io_exit,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
	[EXIT_REASON_CR_ACCESS]			= handle_cr_access,
	[EXIT_REASON_DR_ACCESS]			= hvlab_handle_dr_access,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
	[EXIT_REASON_RDMSR]			= hvlab_handle_rdmsr,	/* msr.c */
	[EXIT_REASON_WRMSR]			= hvlab_handle_wrmsr,
	[EXIT_REASON_RDPMC]			= handle_gp_instead,
	[EXIT_REASON_INVD]			= handle_skip_instruction,
	[EXIT_REASON_WBINVD]			= handle_skip_instruction,
	[EXIT_REASON_MONITOR]			= handle_skip_instruction,
	[EXIT_REASON_MWAIT]			= handle_skip_instruction,
	[EXIT_REASON_PAUSE]			= handle_skip_instruction,
	[EXIT_REASON_INVLPG]			= handle_invlpg,
	[EXIT_REASON_RDTSC]			= handle_rdtsc,
	[EXIT_REASON_RDTSCP]			= handle_rdtsc,
	[EXIT_REASON_VMCLEAR]			= handle_vmx_instruction,
	[EXIT_REASON_VMLAUNCH]			= handle_vmx_instruction,
	[EXIT_REASON_VMPTRLD]			= handle_vmx_instruction,
	[EXIT_REASON_VMPTRST]			= handle_vmx_instruction,
	[EXIT_REASON_VMREAD]			= handle_vmx_instruction,
	[EXIT_REASON_VMRESUME]			= handle_vmx_instruction,
	[EXIT_REASON_VMWRITE]			= handle_vmx_instruction,
	[EXIT_REASON_VMXOFF]			= handle_vmx_instruction,
	[EXIT_REASON_VMXON]			= handle_vmx_instruction,
	[EXIT_REASON_INVEPT]			= handle_vmx_instruction,
	[EXIT_REASON_INVVPID]			= handle_vmx_instruction,
	[EXIT_REASON_VMFUNC]			= handle_vmx_instruction,
	[EXIT_REASON_MONITOR_TRAP_FLAG]		= handle_monitor_trap_flag,
	[EXIT_REASON_TPR_BELOW_THRESHOLD]	= handle_tpr_below_threshold,
	[EXIT_REASON_APIC_ACCESS]		= handle_apic_access,
	[EXIT_REASON_RDRAND]			= handle_rdrand,
	[EXIT_REASON_RDSEED]			= handle_rdrand,
	[EXIT_REASON_INVPCID]			= handle_invpcid,
	[EXIT_REASON_GDTR_IDTR]			= hvlab_handle_descriptor_table,	/* desc.c */
	[EXIT_REASON_LDTR_TR]			= hvlab_handle_descriptor_table,
	[EXIT_REASON_PML_FULL]			= hvlab_handle_pml_full,	/* pml.c */
};

int hvlab_handle_exit(struct hvlab_vcpu *vcpu)
{
	u32 basic = HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason);

	/*
	 * The exits a guest makes most, CPUID and I/O (every device access),
	 * by a direct call: through the table they would pay the host's
	 * indirect-branch mitigation (a retpoline) each time, as KVM's hot
	 * exits would. The lab's bench counts them.
	 */
	if (basic == EXIT_REASON_IO_INSTRUCTION)
		return handle_io_exit(vcpu);
	if (basic == EXIT_REASON_CPUID)
		return handle_cpuid_with_policy(vcpu);
	/* As any index that comes from outside: no speculation past the end */
	if (basic < ARRAY_SIZE(exit_handlers)) {
		basic = array_index_nospec(basic, ARRAY_SIZE(exit_handlers));
		if (exit_handlers[basic])
			return exit_handlers[basic](vcpu);
	}
	return handle_unhandled(vcpu);
}
