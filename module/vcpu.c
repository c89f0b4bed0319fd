// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - the vCPU fd: registers, the shared run page, and the run loop.
 *
 * HVLAB_RUN enters the guest in the calling thread and loops over VM
 * exits handled in the kernel (CPUID, VMCALL, interrupts) until one needs
 * userspace (I/O, MMIO, HLT, ...), a signal arrives, or the caller asked to
 * stop at every exit. Preempt notifiers follow the thread across CPUs: the
 * VMCS is made current again wherever the thread is scheduled in, cleared
 * first on the CPU it left if that is another one, with fresh host state
 * for a new CPU (vmcs.c).
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/uaccess.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#ifdef CONFIG_X86_FRED
#include <asm/fred.h>
#endif
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/special_insns.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"
#include "trace.h"

static_assert(sizeof(struct hvlab_run) <= PAGE_SIZE);

void hvlab_vcpu_kill(struct hvlab_vcpu *vcpu, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(vcpu->dead_reason, sizeof(vcpu->dead_reason), fmt, args);
	va_end(args);
	vcpu->dead = true;
	vcpu->run->exit_reason = HVLAB_EXIT_INTERNAL_ERROR;
	strscpy(vcpu->run->internal.reason, vcpu->dead_reason,
		sizeof(vcpu->run->internal.reason));
}

/* A general register of the guest; RSP lives in the VMCS. */
u64 hvlab_read_gpr(struct hvlab_vcpu *vcpu, u8 reg)
{
	return reg == GPR_RSP ? vmcs_readl(GUEST_RSP) : vcpu->gprs[reg];
}

void hvlab_write_gpr(struct hvlab_vcpu *vcpu, u8 reg, u64 value)
{
	if (reg == GPR_RSP)
		vmcs_writel(GUEST_RSP, value);
	else
		vcpu->gprs[reg] = value;
}

/*
 * Put @value into a register the way a MOV of @size bytes does: 8- and
 * 16-bit writes keep the rest of the register, a 32-bit write clears the
 * upper half (SDM Vol. 1, 3.4.1.1).
 */
void hvlab_write_gpr_sized(struct hvlab_vcpu *vcpu, u8 reg, bool high_byte,
			   unsigned int size, u64 value)
{
	u64 old = hvlab_read_gpr(vcpu, reg);

	switch (size) {
	case 1:
		if (high_byte)
			value = (old & ~0xff00ULL) | ((value & 0xff) << 8);
		else
			value = (old & ~0xffULL) | (value & 0xff);
		break;
	case 2:
		value = (old & ~0xffffULL) | (value & 0xffff);
		break;
	case 4:
		value = (u32)value;
		break;
	}
	hvlab_write_gpr(vcpu, reg, value);
}

/* The default operand size of the code the guest is running (SDM 3.4.5). */
int hvlab_guest_code_bits(void)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (cs_ar & VMX_AR_L))
		return 64;
	if (!(vmcs_readl(GUEST_CR0) & X86_CR0_PE))
		return 16;
	return (cs_ar & VMX_AR_DB) ? 32 : 16;
}

/* The single-step #DB after an instruction hvlab completed (DR6.BS) */
static void vcpu_single_step_trap(struct hvlab_vcpu *vcpu)
{
	vcpu->dr6 = (vcpu->dr6 & ~DR6_TRAP_BITS) | DR6_BS;
	vcpu->dr7 &= ~DR7_GD;	/* as the CPU clears it delivering a #DB */
	hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_DB, false, 0);
}

/*
 * An instruction hvlab completed for the guest ends as the CPU's own:
 * - RF cleared: an exit may save it as 1 (an EPT violation, SDM 27.3.3),
 *   and left set it would let the next instruction pass a breakpoint;
 * - with RFLAGS.TF set, a #DB after it, DR6.BS (SDM 19.2.3, 19.3.1.4).
 *   The exit came instead of the instruction, so the CPU raises nothing:
 *   without this a guest single-stepping over CPUID or an OUT would lose
 *   a step. hvctl step's own TF (where there is no MTF) is not the guest's.
 */
static noinline void vcpu_complete_flags(struct hvlab_vcpu *vcpu, unsigned long rflags)
{
	if (rflags & X86_EFLAGS_RF)
		vmcs_writel(GUEST_RFLAGS, rflags & ~X86_EFLAGS_RF);
	if (hvlab_step_guest_rflags(vcpu, rflags) & X86_EFLAGS_TF)
		vcpu_single_step_trap(vcpu);
}

/*
 * Step over the instruction that exited. Skipping an instruction also ends
 * the one-instruction interrupt shadow of STI or MOV SS (SDM 25.4.2).
 */
void hvlab_vcpu_advance_rip(struct hvlab_vcpu *vcpu, unsigned int length)
{
	unsigned long rflags;

	/* LAB 3 BEGIN hvlab_vcpu_advance_rip: step over the instruction that exited (SDM 28.2.5) */
	u32 shadow = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + length);
	if (shadow & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS))
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     shadow & ~(BLOCKING_BY_STI | BLOCKING_BY_MOV_SS));
	/* LAB 3 END */
	/* LAB 3 STUB: hvlab_todo_exit(vcpu, 3, __func__); */
	/* (the test inline: this is on every exit's path, the bench's too) */
	rflags = vmcs_readl(GUEST_RFLAGS);
	if (unlikely(rflags & (X86_EFLAGS_TF | X86_EFLAGS_RF)))
		vcpu_complete_flags(vcpu, rflags);
}

/*
 * An element of a REP string instruction that hvlab moves (INS, OUTS,
 * MMIO's MOVS and STOS) is done and more remain: RIP stays, and the
 * guest executes the instruction again for the next. As between the
 * CPU's own iterations: with RFLAGS.TF, a single-step #DB after the
 * element, its frame at the instruction with RF clear (what the CPU's
 * own REP MOVSB shows, guests/elf/rep_step.c); without, RF set for the
 * entry, so that an instruction breakpoint on the REP does not fire
 * again for each element.
 */
void hvlab_vcpu_string_iteration_done(struct hvlab_vcpu *vcpu)
{
	unsigned long rflags = vmcs_readl(GUEST_RFLAGS);

	if (hvlab_step_guest_rflags(vcpu, rflags) & X86_EFLAGS_TF) {
		if (rflags & X86_EFLAGS_RF)
			vmcs_writel(GUEST_RFLAGS, rflags & ~X86_EFLAGS_RF);
		vcpu_single_step_trap(vcpu);
	} else if (!(rflags & X86_EFLAGS_RF)) {
		vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_RF);
	}
}

/*
 * The fault-class exceptions (SDM 6.5, Table 6-1): #DE, #BR, #UD, #NM,
 * #TS, #NP, #SS, #GP, #PF, #MF, #AC, #XM, #VE, #CP. #DB counts as a trap
 * here: its instruction breakpoints come from the CPU, not from hvlab.
 */
#define FAULT_EXCEPTIONS	(BIT(0) | BIT(5) | BIT(6) | BIT(7) | BIT(10) | BIT(11) | \
				 BIT(12) | BIT(13) | BIT(14) | BIT(16) | BIT(17) | BIT(19) | \
				 BIT(20) | BIT(21))

/*
 * Make the next VM entry deliver a hardware exception (SDM 27.6): the
 * guest sees it as if the instruction at RIP had faulted. Real mode has no
 * error codes, and VM entry refuses one there (SDM 27.2.1.3). For a fault,
 * RF goes into the RFLAGS the guest's handler finds on its stack, as the
 * CPU puts it there for its own faults (SDM 19.3.1.1): the IRET back to
 * the instruction then does not hit an instruction breakpoint on it
 * again. Event injection pushes RFLAGS as the VMCS has it, so hvlab sets
 * RF there first, as KVM does for the faults it injects.
 */
void hvlab_vcpu_inject_exception(struct hvlab_vcpu *vcpu, u8 vector, bool has_error_code,
				 u32 error_code)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID;
	bool protected_mode = vmcs_readl(GUEST_CR0) & X86_CR0_PE;

	if (has_error_code && protected_mode) {
		info |= INTR_INFO_DELIVER_CODE;
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	/* (real mode pushes 16-bit FLAGS: no RF there) */
	if (protected_mode && vector < 32 && (FAULT_EXCEPTIONS & BIT(vector)))
		vmcs_writel(GUEST_RFLAGS, vmcs_readl(GUEST_RFLAGS) | X86_EFLAGS_RF);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
}

/*
 * A VM exit can interrupt the delivery of an event to the guest (an
 * interrupt, an exception, INT n): a host interrupt arrives, or the IDT
 * entry sits on an unmapped page. The IDT-vectoring information field
 * then holds that event, and unless it is injected again the guest never
 * sees it (SDM 28.2.4, 27.6.1).
 */
static void vcpu_reinject_interrupted_event(struct hvlab_vcpu *vcpu)
{
	/* LAB 6 BEGIN vcpu_reinject_interrupted_event: an event whose delivery the exit cut short goes in again (SDM 28.2.4, 27.6.1) */
	u32 info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	u32 type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

	vcpu->exit.interrupted_event = info & IDT_VECTORING_REINJECT_MASK;
	if (!(info & INTR_INFO_VALID))
		return;
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE,
			     vmcs_read32(IDT_VECTORING_ERROR_CODE));
	/* Software events are re-executed: the CPU needs their length. */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SOFT_EXCEPTION ||
	    type == INTR_TYPE_SOFT_EXCEPTION)
		vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vcpu->exit.instruction_length);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info & IDT_VECTORING_REINJECT_MASK);
	/* LAB 6 END */
	/* LAB 6 STUB: if (vmcs_read32(IDT_VECTORING_INFO_FIELD) & INTR_INFO_VALID) hvlab_todo_exit(vcpu, 6, __func__); */
}

static struct hvlab_vcpu *preempt_notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct hvlab_vcpu, preempt_notifier);
}

/*
 * The thread runs again, maybe on another CPU: make the VMCS current
 * here. If it cannot be (VMX off on a CPU going offline, or a lab's
 * stub), the run loop must not touch whatever VMCS is current here: it
 * loads the vCPU's again, or stops, before its next VMREAD.
 */
static void vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct hvlab_vcpu *vcpu = preempt_notifier_to_vcpu(pn);

	hvlab_vmcs_load(vcpu, cpu);
	if (unlikely(vcpu->cpu < 0))
		set_bit(HVLAB_ENTRY_LOAD_AGAIN, &vcpu->entry_work);
}

/* The thread leaves this CPU: the host's MSRs back; the VMCS stays active here. */
static void vcpu_sched_out(struct preempt_notifier *pn, struct task_struct *next)
{
	hvlab_vmcs_put(preempt_notifier_to_vcpu(pn));
}

static struct preempt_ops vcpu_preempt_ops = {
	.sched_in = vcpu_sched_in,
	.sched_out = vcpu_sched_out,
};

/* Claim the VMCS for this thread until vcpu_put(). */
static void vcpu_load(struct hvlab_vcpu *vcpu)
{
	preempt_disable();
	hvlab_vmcs_load(vcpu, smp_processor_id());
	preempt_notifier_register(&vcpu->preempt_notifier);
	preempt_enable();
}

static void vcpu_put(struct hvlab_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	hvlab_vmcs_put(vcpu);
	preempt_enable();
}

/*
 * In the run loop, after a sched-in that could not load the VMCS
 * (HVLAB_ENTRY_LOAD_AGAIN): try again on the CPU the thread is on now.
 * False if it still cannot be, or the refusal ended the VM (a lab stub).
 */
static bool vcpu_load_again(struct hvlab_vcpu *vcpu)
{
	if (vcpu->dead)
		return false;
	preempt_disable();
	if (vcpu->cpu < 0)
		hvlab_vmcs_load(vcpu, smp_processor_id());
	if (vcpu->cpu >= 0)
		clear_bit(HVLAB_ENTRY_LOAD_AGAIN, &vcpu->entry_work);
	preempt_enable();
	return vcpu->cpu >= 0;
}

/*
 * Finish the IN, INS or MMIO read that the last exit left to userspace.
 * True when that leaves another exit for it (an MMIO read-modify-write's
 * write, mmio_ops.c), which HVLAB_RUN returns at once.
 */
static bool vcpu_complete_pending(struct hvlab_vcpu *vcpu)
{
	enum hvlab_pending pending = vcpu->pending;

	vcpu->pending = PENDING_NONE;
	switch (pending) {
	case PENDING_IO_IN:
		hvlab_write_gpr_sized(vcpu, GPR_RAX, false, vcpu->pending_reg_size,
				      vcpu->run->io.data);
		hvlab_vcpu_advance_rip(vcpu, vcpu->pending_insn_length);
		/* (the IN's exit is still the last one: its port) */
		if (unlikely(vcpu->dr7 & DR7_ENABLE_BITS))
			hvlab_debugreg_io_done(vcpu, vcpu->exit.qualification >> IO_QUAL_PORT_SHIFT,
					       vcpu->pending_reg_size);
		break;
	case PENDING_MMIO_READ:
		hvlab_complete_mmio_read(vcpu);
		break;
	case PENDING_STRING_IN:
		hvlab_complete_string_in(vcpu);
		break;
	case PENDING_MMIO_OPERAND:
		return hvlab_complete_mmio_operand(vcpu);
	case PENDING_NONE:
		break;
	}
	return false;
}

/* Publish an exit's record in the trace ring (HVLAB_RUN_TRACE). */
static void vcpu_trace_exit(struct hvlab_vcpu *vcpu, u64 ticks)
{
	struct hvlab_run *run = vcpu->run;
	struct hvlab_exit_record *rec = &run->trace[run->trace_head % HVLAB_TRACE_ENTRIES];

	rec->seq = vcpu->exit_count;
	rec->reason = vcpu->exit.reason;
	rec->instruction_length = vcpu->exit.instruction_length;
	rec->qualification = vcpu->exit.qualification;
	rec->rip = vcpu->exit.rip;
	rec->gpa = vcpu->exit.gpa;
	rec->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
	rec->instruction_info = vmcs_read32(VMX_INSTRUCTION_INFO);
	rec->tsc = vcpu->exit_tsc;
	rec->cost = ticks;
	/* Userspace may read the record as soon as it sees the new head. */
	smp_store_release(&run->trace_head, run->trace_head + 1);
}

/*
 * The exit is dealt with, as far as the kernel goes: account its cost
 * and, when userspace traces, publish its record. Inline: every call and
 * return costs extra instructions under the host's return-stack
 * mitigations, and the exit path is what the lab's bench counts.
 */
static __always_inline void vcpu_finish_exit(struct hvlab_vcpu *vcpu)
{
	u64 ticks = rdtsc() - vcpu->exit_tsc;

	hvlab_stats_account_exit(vcpu, ticks);
	if (unlikely(vcpu->run_flags & HVLAB_RUN_TRACE))
		vcpu_trace_exit(vcpu, ticks);
}

/*
 * A machine check that VM exit caught (SDM 28.1, 27.8) never reached the
 * host's #MC handler: call it, as the CPU would have, with interrupts
 * still off. The register frame is made up: it says user mode with
 * interrupts on, so that the handler treats the error as one in a
 * process's context (the guest's memory), which it may recover from.
 */
static void vcpu_host_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs guest_frame = { .cs = 3, .flags = X86_EFLAGS_IF };

	do_machine_check(&guest_frame);
#endif
}

/*
 * An NMI that arrived while the guest ran made the VM exit (pin-based
 * "NMI exiting") and never reached the host's handler: call it, as the
 * CPU would have. With FRED, INT $2 is an ordinary software interrupt,
 * not an NMI, so the kernel's FRED entry is called with an NMI event as
 * KVM does; without it, INT $2 goes through the IDT's NMI gate. The lab
 * kernels have no FRED (docs/security.md, S2-4).
 */
static void vcpu_host_nmi(void)
{
#ifdef CONFIG_X86_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		fred_entry_from_kvm(EVENT_TYPE_NMI, NMI_VECTOR);
		return;
	}
#endif
	asm volatile("int $2");
}

/*
 * One VM entry and exit, with interrupts off in between so that nothing
 * can run on this CPU while the VMCS holds this CPU's host state.
 * Returns 0 after a VM exit (vcpu->exit filled in), 1 if the VM entry
 * failed (run->exit_reason already says why), or -EAGAIN if the VMCS is
 * not loaded on this CPU (vcpu_run() loads it again).
 */
static int vcpu_enter_guest(struct hvlab_vcpu *vcpu)
{
	struct hvlab_run *run = vcpu->run;
	unsigned long cr3, cr4, host_debugctl;
	bool swap_xcr0;
	int ret;

	local_irq_disable();
	/*
	 * With interrupts off the thread can no longer move: the last look.
	 * A lab's stub on the way here (a sched-in on another CPU, lab 8) may
	 * have ended the VM and left the VMCS's host state another CPU's:
	 * entering with it would wreck the host at the next exit. A sched-in
	 * that found VMX off (a CPU going offline, vmcs.c) left no VMCS
	 * loaded: the run loop loads it again.
	 */
	if (unlikely(vcpu->dead || vcpu->cpu != smp_processor_id())) {
		local_irq_enable();
		if (vcpu->dead)
			return 1;
		if (vcpu->cpu < 0)
			return -EAGAIN;
		/* Loaded, on another CPU: the entry would use another VMCS. */
		hvlab_vcpu_kill(vcpu, "VMCS not current on CPU %d (loaded on %d): an hvlab bug",
				raw_smp_processor_id(), vcpu->cpu);
		return 1;
	}
	/*
	 * Before CR2 and XCR0 become the guest's: a probe may fault or use the
	 * FPU. The guard keeps the VMREAD off the path while nobody traces.
	 */
	if (trace_hvlab_entry_enabled())
		trace_hvlab_entry(vcpu->id, vmcs_readl(GUEST_RIP));
	/*
	 * The MSR-load lists, here because a sched-in on another CPU changes
	 * the host's TSC_AUX in them (vmcs.c) at any time until interrupts
	 * are off.
	 */
	if (unlikely(READ_ONCE(vcpu->entry_work) &
		     (BIT(HVLAB_ENTRY_MSR_LISTS) | BIT(HVLAB_ENTRY_FLUSH_VPID) |
		      BIT(HVLAB_ENTRY_DEBUGREG)))) {
		if (test_bit(HVLAB_ENTRY_MSR_LISTS, &vcpu->entry_work))
			hvlab_vmcs_update_msr_lists(vcpu);
		/* The guest's breakpoints, while it arms any (debugreg.c) */
		if (test_bit(HVLAB_ENTRY_DEBUGREG, &vcpu->entry_work))
			hvlab_debugreg_enter(vcpu);
		/* On this CPU, with interrupts off: the entry follows here */
		if (test_and_clear_bit(HVLAB_ENTRY_FLUSH_VPID, &vcpu->entry_work) && vcpu->vpid)
			hvlab_invvpid(vcpu->vpid);
	}
	hvlab_fpu_reload_if_needed(vcpu);
	/* The host's CR3 (PCID) and CR4 can change under a loaded VMCS. */
	cr3 = __read_cr3();
	if (cr3 != vcpu->host_cr3) {
		vmcs_writel(HOST_CR3, cr3);
		vcpu->host_cr3 = cr3;
	}
	cr4 = __read_cr4();
	if (cr4 != vcpu->host_cr4) {
		vmcs_writel(HOST_CR4, cr4);
		vcpu->host_cr4 = cr4;
	}
	/* CR2 is not switched by VM entry/exit (SDM 28.3). */
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
	/*
	 * VM exit clears IA32_DEBUGCTL (SDM 28.5.1). The host's can change
	 * under a loaded vCPU (perf, from an interrupt), so it is read here,
	 * with interrupts off, as KVM does. Bochs has no such MSR (vmx.c).
	 */
	host_debugctl = vmx_config.host_has_debugctl ? get_debugctlmsr() : 0;
	/*
	 * XCR0 is not switched by VM entry/exit either. The guest may set
	 * CR4.OSXSAVE without an exit, so its XCR0 is loaded whenever it
	 * differs from the host's (SDM 13.3).
	 */
	swap_xcr0 = vmx_config.host_xcr0 && vcpu->xcr0 != vmx_config.host_xcr0;
	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vcpu->xcr0);

	/* Last: nothing after it may bring host data into the L1D. */
	hvlab_spec_before_entry(vcpu);
	ret = hvlab_vmx_enter(vcpu->gprs, vcpu->launched);
	vcpu->exit_tsc = rdtsc();

	if (swap_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx_config.host_xcr0);
	vcpu->cr2 = native_read_cr2();
	/*
	 * VM exit clears IA32_DEBUGCTL and sets DR7 to 0x400 (SDM 28.5.1):
	 * the host's come back, its perf and ptrace breakpoints armed again.
	 */
	if (host_debugctl)
		update_debugctlmsr(host_debugctl);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();

	if (ret == 0) {
		struct hvlab_exit_info *exit = &vcpu->exit;

		exit->reason = vmcs_read32(VM_EXIT_REASON);
		exit->qualification = vmcs_readl(EXIT_QUALIFICATION);
		exit->rip = vmcs_readl(GUEST_RIP);
		exit->instruction_length = vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
		exit->gpa = 0;
		vcpu->exit_count++;
		if (!(exit->reason & HVLAB_VMX_EXIT_FAILED_ENTRY)) {
			if (unlikely(!vcpu->launched)) {
				vcpu->launched = true;
				vcpu->stats.vm_launches++;
			}
			vcpu_reinject_interrupted_event(vcpu);
		}
		/* An NMI or #MC that exited belongs to the host: handle it now. */
		if (HVLAB_VMX_EXIT_BASIC(exit->reason) == EXIT_REASON_EXCEPTION_NMI) {
			u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
			u32 type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

			if ((info & INTR_INFO_VALID) && type == INTR_TYPE_NMI)
				vcpu_host_nmi();
			else if ((info & INTR_INFO_VALID) && type == INTR_TYPE_HARD_EXCEPTION &&
				 (info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_MC)
				vcpu_host_machine_check();
		}
		/* SDM 27.8: a machine check during VM entry is the host's too */
		if (exit->reason == (HVLAB_VMX_EXIT_FAILED_ENTRY | EXIT_REASON_MACHINE_CHECK))
			vcpu_host_machine_check();
	}
	local_irq_enable();	/* a pending host interrupt is taken here */
	/* After the host has its NMI and interrupts back */
	if (ret == 0)
		trace_hvlab_exit(vcpu->id, vcpu->exit.reason, vcpu->exit.qualification,
				 vcpu->exit.rip);

	switch (ret) {
	case 0:
		break;
	case 1:		/* VMfailValid (SDM 31.4): the VMCS said no */
		vcpu->stats.entry_failures++;
		run->exit_reason = HVLAB_EXIT_FAIL_ENTRY;
		vcpu->entry_insn_error = vmcs_read32(VM_INSTRUCTION_ERROR);
		run->fail_entry.vm_instruction_error = vcpu->entry_insn_error;
		run->fail_entry.exit_reason = 0;
		run->fail_entry.qualification = 0;
		return 1;
	case 2:		/* VMfailInvalid: no current VMCS, which is our bug */
		hvlab_vcpu_kill(vcpu, "VM entry found no current VMCS on CPU %d: an hvlab bug",
				vcpu->cpu);
		return 1;
	default:	/* entry.S is lab 2's stub (labs/README.md) */
		hvlab_todo_exit(vcpu, 2, "hvlab_vmx_enter");
		return 1;
	}

	if (HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_EPT_VIOLATION ||
	    HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_EPT_MISCONFIG)
		vcpu->exit.gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);

	/* SDM 27.8: a failed entry that got as far as loading guest state */
	if (vcpu->exit.reason & HVLAB_VMX_EXIT_FAILED_ENTRY) {
		vcpu->stats.entry_failures++;
		vcpu_finish_exit(vcpu);
		/* MSRs before the failing entry were loaded (SDM 27.4): undo them. */
		if (HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_MSR_LOAD_FAIL)
			hvlab_vmcs_restore_host_msrs(vcpu);
		run->exit_reason = HVLAB_EXIT_FAIL_ENTRY;
		run->fail_entry.vm_instruction_error = 0;
		run->fail_entry.exit_reason = vcpu->exit.reason;
		run->fail_entry.qualification = vcpu->exit.qualification;
		return 1;
	}
	return 0;
}

/* Fill the exit fields every HVLAB_RUN return carries. */
static void vcpu_report_exit(struct hvlab_vcpu *vcpu)
{
	struct hvlab_run *run = vcpu->run;

	run->vmx_exit_reason = vcpu->exit.reason;
	run->exit_qualification = vcpu->exit.qualification;
	run->guest_rip = vcpu->exit.rip;
	run->guest_phys_addr = vcpu->exit.gpa;
	run->instruction_length = vcpu->exit.instruction_length;
	run->exit_count = vcpu->exit_count;
	run->host_cpu = vcpu->last_cpu;
	run->cpu_migrations = vcpu->cpu_migrations;
	if (vcpu->cpu >= 0 && vcpu->exit_count) {
		run->guest_linear_addr = vmcs_readl(GUEST_LINEAR_ADDRESS);
		run->instruction_info = vmcs_read32(VMX_INSTRUCTION_INFO);
		run->intr_info = vmcs_read32(VM_EXIT_INTR_INFO);
		run->idt_vectoring_info = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	}
}

/*
 * With the TPR shadow, lowering the TPR below the threshold exits (43).
 * VM entry insists that the threshold not exceed the current TPR
 * (SDM 27.2.1.1), so hvlab uses the lower of the two: the guest exits
 * whenever it drops its TPR below what userspace asked for.
 */
static void vcpu_update_tpr_threshold(struct hvlab_vcpu *vcpu)
{
	u32 vtpr_class = vcpu->virtual_apic_page[0x80] >> 4;

	vmcs_write32(TPR_THRESHOLD, min(vcpu->intercepts.tpr_threshold, vtpr_class));
}

/*
 * What some VM entries need first: the timer, queued events and the TPR
 * threshold (the MSR-load lists come later, with interrupts off). Each
 * costs instructions on every round trip, which the lab's TSC counts, so
 * test cheaply whether there is anything to do.
 */
static int vcpu_prepare_entry(struct hvlab_vcpu *vcpu)
{
	if (unlikely(READ_ONCE(vcpu->entry_work))) {
		/* First: everything after it uses the VMCS */
		if (test_bit(HVLAB_ENTRY_LOAD_AGAIN, &vcpu->entry_work) &&
		    !vcpu_load_again(vcpu))
			return -1;
		if (test_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work)) {
			hvlab_vcpu_timer_prepare_entry(vcpu);
			/* A lab stub may have ended the VM (lab.h) */
			if (unlikely(vcpu->dead))
				return -1;
		}
	}
	if (vcpu->queued_exception >= 0 || vcpu->queued_nmi ||
	    vcpu->queued_irq >= 0 || vcpu->interrupted_irq >= 0) {
		/* A queued exception may meet an interrupted #DF: a triple fault */
		if (hvlab_vcpu_inject_queued_events(vcpu))
			return -1;
	}
	if (vcpu->intercepts.flags & HVLAB_INTERCEPT_TPR)
		vcpu_update_tpr_threshold(vcpu);
	return 0;
}

/* The registers, with the vCPU's VMCS current. */
static void vcpu_read_regs(struct hvlab_vcpu *vcpu, struct hvlab_regs *regs)
{
	const u64 *g = vcpu->gprs;

	*regs = (struct hvlab_regs){
		.rax = g[GPR_RAX], .rbx = g[GPR_RBX], .rcx = g[GPR_RCX],
		.rdx = g[GPR_RDX], .rsi = g[GPR_RSI], .rdi = g[GPR_RDI],
		.rbp = g[GPR_RBP], .r8 = g[GPR_R8], .r9 = g[GPR_R9],
		.r10 = g[GPR_R10], .r11 = g[GPR_R11], .r12 = g[GPR_R12],
		.r13 = g[GPR_R13], .r14 = g[GPR_R14], .r15 = g[GPR_R15],
		.rsp = vmcs_readl(GUEST_RSP), .rip = vmcs_readl(GUEST_RIP),
		.rflags = vmcs_readl(GUEST_RFLAGS),
	};
}

static void vcpu_read_sregs(struct hvlab_vcpu *vcpu, struct hvlab_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	hvlab_vmcs_get_sregs(sregs);
	sregs->cr2 = vcpu->cr2;
}

/*
 * HVLAB_RUN_STOP_EVERY_EXIT: keep the state the exit left for a debugger,
 * which sees the handler's work only as a difference from it.
 */
static void vcpu_save_exit_state(struct hvlab_vcpu *vcpu)
{
	struct hvlab_run *run = vcpu->run;

	vcpu_read_regs(vcpu, &run->exit_regs);
	run->exit_regs.rflags = hvlab_step_guest_rflags(vcpu, run->exit_regs.rflags);
	vcpu_read_sregs(vcpu, &run->exit_sregs);
	run->exit_state_seq = vcpu->exit_count;
}

static bool vcpu_trace_full(struct hvlab_run *run)
{
	return run->trace_head - READ_ONCE(run->trace_tail) >= HVLAB_TRACE_ENTRIES;
}

/*
 * Before an entry, with a deadline or an interrupt window asked for:
 * HVLAB_EXIT_DEADLINE once the caller's deadline (hvctl's --timeout, its
 * next device event) has passed, else the preemption timer set to bring
 * the guest back by it (timer.c); HVLAB_EXIT_IRQ_WINDOW once the guest
 * can take the interrupt userspace holds (events.c); else 0: enter.
 */
static noinline u32 vcpu_run_extras(struct hvlab_vcpu *vcpu, u32 flags)
{
	u64 deadline = vcpu->run_deadline_ns;
	/* (not while stepping: a step must not take an interrupt) */
	bool want_window = (flags & HVLAB_RUN_IRQ_WINDOW) && !(flags & HVLAB_RUN_SINGLE_STEP);

	if (deadline) {
		if (ktime_get_ns() >= deadline)
			return HVLAB_EXIT_DEADLINE;
		hvlab_vcpu_arm_deadline(vcpu, deadline);
	}
	if ((want_window || vcpu->irq_window_armed) && hvlab_vcpu_irq_window(vcpu, want_window)) {
		vcpu->stats.irq_window_exits++;
		return HVLAB_EXIT_IRQ_WINDOW;
	}
	return 0;
}

static long vcpu_run(struct hvlab_vcpu *vcpu)
{
	struct hvlab_run *run = vcpu->run;
	u32 flags = READ_ONCE(run->request_flags);
	bool step = flags & HVLAB_RUN_SINGLE_STEP;
	unsigned long rip = 0;
	bool extras;
	long ret = 0;

	if (flags & ~HVLAB_RUN_FLAGS_ALL)
		return -EINVAL;
	if ((flags & HVLAB_RUN_TRACE) &&
	    READ_ONCE(run->trace_tail) > run->trace_head)
		return -EINVAL;
	if (vcpu->dead) {
		run->exit_reason = HVLAB_EXIT_INTERNAL_ERROR;
		strscpy(run->internal.reason, vcpu->dead_reason, sizeof(run->internal.reason));
		return 0;
	}

	vcpu->run_flags = flags;
	vcpu->stats.runs++;
	vcpu_load(vcpu);
	if (vcpu->cpu < 0) {
		vcpu_put(vcpu);
		/* A lab's stub may have refused the VMCS here (lab.h): it says why. */
		return vcpu->dead ? 0 : -EIO;
	}
	/*
	 * An IN or MMIO read that went to userspace completes now; when
	 * single-stepping, finishing that instruction is the step. One that
	 * writes memory back (mmio_ops.c) returns its MMIO write instead,
	 * RIP past it, as a store's exit does: that is the step.
	 */
	if (vcpu->pending != PENDING_NONE) {
		if (vcpu_complete_pending(vcpu)) {
			vcpu->stats.exits_to_user++;
			goto out;
		}
		/* A lab stub may have ended the VM (lab.h): it says why. */
		if (unlikely(vcpu->dead))
			goto out;
		if (step) {
			run->exit_reason = HVLAB_EXIT_STEP;
			goto out;
		}
	}
	hvlab_fpu_load_guest(vcpu);
	/* A kick that came before this HVLAB_RUN (uapi: immediate_exit) */
	if (unlikely(READ_ONCE(run->immediate_exit))) {
		run->exit_reason = HVLAB_EXIT_INTR;
		ret = -EINTR;
		goto put_fpu;
	}
	/*
	 * The deadline and the interrupt window, looked at before each entry
	 * (vcpu_run_extras()); one test when there are none: the round
	 * trips that benchmarks count have none. (Only the window code arms
	 * the window: without work for it now, there is none this run.)
	 */
	vcpu->run_deadline_ns = READ_ONCE(run->deadline_ns);
	extras = vcpu->run_deadline_ns || (flags & HVLAB_RUN_IRQ_WINDOW) ||
		 vcpu->irq_window_armed;

	for (;;) {
		/*
		 * A signal, or work the kernel queued for this thread's return
		 * to userspace (the recovery of a machine check in guest
		 * memory; on 6.12 the scheduler's mm_cid scan, every 100 ms):
		 * go there, and come back if it likes.
		 */
		if (signal_pending(current) || task_work_pending(current)) {
			run->exit_reason = HVLAB_EXIT_INTR;
			vcpu->stats.signal_exits++;
			ret = -EINTR;
			break;
		}
		/* A good place to give up the CPU: the notifiers move the VMCS. */
		cond_resched();
		if ((flags & HVLAB_RUN_TRACE) && vcpu_trace_full(run)) {
			run->exit_reason = HVLAB_EXIT_TRACE_FULL;
			break;
		}
		if (unlikely(vcpu_prepare_entry(vcpu))) {
			/* A sched-in could not load the VMCS, and it still cannot be */
			if (vcpu->cpu < 0 && !vcpu->dead)
				ret = -EIO;
			break;
		}
		if (unlikely(extras)) {
			run->exit_reason = vcpu_run_extras(vcpu, flags);
			if (run->exit_reason)
				break;
		}
		if (step) {
			hvlab_step_arm(vcpu);
			rip = vmcs_readl(GUEST_RIP);
		}
		ret = vcpu_enter_guest(vcpu);
		if (unlikely(ret)) {
			if (ret == -EAGAIN)
				continue;
			ret = 0;
			break;
		}
		if (flags & HVLAB_RUN_STOP_EVERY_EXIT)
			vcpu_save_exit_state(vcpu);
		ret = hvlab_handle_exit(vcpu);
		vcpu_finish_exit(vcpu);
		if (ret <= 0) {
			if (ret == 0)
				vcpu->stats.exits_to_user++;
			break;
		}
		ret = 0;
		/* Handled, but by a handler that ended the VM (a lab stub, lab.h) */
		if (unlikely(vcpu->dead))
			break;
		if (flags & HVLAB_RUN_STOP_EVERY_EXIT) {
			run->exit_reason = HVLAB_EXIT_HANDLED;
			break;
		}
		/* The kernel emulated the instruction (CPUID, ...): one step. */
		if (step && vmcs_readl(GUEST_RIP) != rip) {
			run->exit_reason = HVLAB_EXIT_STEP;
			break;
		}
	}
	if (vcpu->cpu >= 0)
		hvlab_step_disarm(vcpu);
put_fpu:
	hvlab_fpu_put_guest(vcpu);
out:
	if (run->exit_reason == HVLAB_EXIT_STEP)
		vcpu->stats.steps++;
	vcpu_report_exit(vcpu);
	vcpu_put(vcpu);
	return ret;
}

/*
 * Register access outside HVLAB_RUN: make the VMCS current just for the
 * duration, with preemption off so that it cannot move under us.
 */
int hvlab_vcpu_vmcs_enter(struct hvlab_vcpu *vcpu)
{
	int ret;

	preempt_disable();
	ret = hvlab_vmcs_make_current(vcpu, smp_processor_id());
	if (ret)
		preempt_enable();
	return ret;
}

/* The VMCS stays active on this CPU, as after HVLAB_RUN. */
void hvlab_vcpu_vmcs_exit(struct hvlab_vcpu *vcpu)
{
	preempt_enable();
}

static long vcpu_get_regs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_regs regs;
	int ret = hvlab_vcpu_vmcs_enter(vcpu);

	if (ret)
		return ret;
	vcpu_read_regs(vcpu, &regs);
	hvlab_vcpu_vmcs_exit(vcpu);
	return copy_to_user(argp, &regs, sizeof(regs)) ? -EFAULT : 0;
}

static long vcpu_set_regs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_regs regs;
	u64 *g = vcpu->gprs;
	int ret;

	if (copy_from_user(&regs, argp, sizeof(regs)))
		return -EFAULT;
	/* RFLAGS bit 1 is always 1 and reserved bits are 0 (SDM 27.3.1.4). */
	if (!(regs.rflags & X86_EFLAGS_FIXED) || (regs.rflags & ~0x3f7fd7ULL))
		return -EINVAL;
	ret = hvlab_vcpu_vmcs_enter(vcpu);
	if (ret)
		return ret;
	g[GPR_RAX] = regs.rax; g[GPR_RBX] = regs.rbx; g[GPR_RCX] = regs.rcx;
	g[GPR_RDX] = regs.rdx; g[GPR_RSI] = regs.rsi; g[GPR_RDI] = regs.rdi;
	g[GPR_RBP] = regs.rbp; g[GPR_R8] = regs.r8; g[GPR_R9] = regs.r9;
	g[GPR_R10] = regs.r10; g[GPR_R11] = regs.r11; g[GPR_R12] = regs.r12;
	g[GPR_R13] = regs.r13; g[GPR_R14] = regs.r14; g[GPR_R15] = regs.r15;
	vmcs_writel(GUEST_RSP, regs.rsp);
	vmcs_writel(GUEST_RIP, regs.rip);
	vmcs_writel(GUEST_RFLAGS, regs.rflags);
	hvlab_vcpu_vmcs_exit(vcpu);
	/* New registers replace whatever the last exit left unfinished. */
	vcpu->pending = PENDING_NONE;
	return 0;
}

static long vcpu_get_sregs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_sregs sregs;
	int ret = hvlab_vcpu_vmcs_enter(vcpu);

	if (ret)
		return ret;
	vcpu_read_sregs(vcpu, &sregs);
	hvlab_vcpu_vmcs_exit(vcpu);
	return copy_to_user(argp, &sregs, sizeof(sregs)) ? -EFAULT : 0;
}

static long vcpu_set_sregs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_sregs sregs;
	unsigned int i;
	int ret;

	if (copy_from_user(&sregs, argp, sizeof(sregs)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(sregs.reserved); i++)
		if (sregs.reserved[i])
			return -EINVAL;
	if (!hvlab_cr4_allowed(sregs.cr4))
		return -EINVAL;
	/*
	 * Other values are the student's to choose: a state the CPU rejects
	 * fails VM entry with exit reason 33, reported by HVLAB_RUN.
	 */
	ret = hvlab_vcpu_vmcs_enter(vcpu);
	if (ret)
		return ret;
	hvlab_vmcs_set_sregs(&sregs);
	hvlab_vcpu_vmcs_exit(vcpu);
	vcpu->cr2 = sregs.cr2;
	return 0;
}

static long vcpu_get_intercepts(struct hvlab_vcpu *vcpu, void __user *argp)
{
	return copy_to_user(argp, &vcpu->intercepts, sizeof(vcpu->intercepts)) ? -EFAULT : 0;
}

static long vcpu_set_intercepts(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_intercepts in;
	unsigned int i;
	int ret;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	if ((in.flags & ~HVLAB_INTERCEPT_ALL) || in.tpr_threshold > 15 || in.padding)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(in.reserved); i++)
		if (in.reserved[i])
			return -EINVAL;
	/*
	 * The APIC-access page takes the VM's lock and may sleep to allocate:
	 * before the VMCS is made current with preemption off. Only where
	 * the CPU can virtualize APIC accesses, or a refused call would still
	 * have reserved the APIC's address in the VM.
	 */
	if (in.flags & HVLAB_INTERCEPT_APIC) {
		if (!((vmx_config.caps.procbased_ctls2 >> 32) & PROC2_VIRTUALIZE_APIC))
			return -EOPNOTSUPP;
		ret = hvlab_vm_map_apic_access_page(vcpu->vm);
		if (ret)
			return ret;
	}
	ret = hvlab_vcpu_vmcs_enter(vcpu);
	if (ret)
		return ret;
	ret = hvlab_vmcs_set_intercepts(vcpu, &in);
	hvlab_vcpu_vmcs_exit(vcpu);
	if (!ret)
		vcpu->intercepts = in;
	return ret;
}

static long vcpu_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hvlab_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	switch (cmd) {
	case HVLAB_RUN:
		ret = arg ? -EINVAL : vcpu_run(vcpu);
		break;
	case HVLAB_GET_REGS:
		ret = vcpu_get_regs(vcpu, argp);
		break;
	case HVLAB_SET_REGS:
		ret = vcpu_set_regs(vcpu, argp);
		break;
	case HVLAB_GET_SREGS:
		ret = vcpu_get_sregs(vcpu, argp);
		break;
	case HVLAB_SET_SREGS:
		ret = vcpu_set_sregs(vcpu, argp);
		/* new control registers: the guest's TLB entries are not its own */
		hvlab_vcpu_flush_tlb(vcpu);
		break;
	case HVLAB_GET_INTERCEPTS:
		ret = vcpu_get_intercepts(vcpu, argp);
		break;
	case HVLAB_SET_INTERCEPTS:
		ret = vcpu_set_intercepts(vcpu, argp);
		break;
	case HVLAB_INJECT:
		ret = hvlab_vcpu_inject(vcpu, argp);
		break;
	case HVLAB_SET_TIMER:
		ret = hvlab_vcpu_set_timer(vcpu, argp);
		/* on, or off: the next entry sets the preemption timer (timer.c) */
		if (!ret)
			set_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work);
		break;
	case HVLAB_SET_COALESCED_PORT:
		ret = hvlab_vcpu_set_coalesced_port(vcpu, argp);
		break;
	case HVLAB_GET_VMCS:
		ret = hvlab_vcpu_get_vmcs(vcpu, argp);
		break;
	case HVLAB_SET_VMCS:
		ret = hvlab_vcpu_set_vmcs(vcpu, argp);
		hvlab_vcpu_flush_tlb(vcpu);
		break;
	case HVLAB_GET_VCPU_STATS:
		ret = hvlab_vcpu_get_stats(vcpu, argp);
		break;
	case HVLAB_GET_FPU:
		ret = hvlab_vcpu_get_fpu(vcpu, argp);
		break;
	case HVLAB_SET_FPU:
		ret = hvlab_vcpu_set_fpu(vcpu, argp);
		break;
	case HVLAB_SET_CPU_FEATURES:
		ret = hvlab_vcpu_set_cpu_features(vcpu, argp);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return ret;
}

/* Never code, not even by a later mprotect() */
static int vcpu_mprotect(struct vm_area_struct *vma, unsigned long start,
			 unsigned long end, unsigned long newflags)
{
	return newflags & VM_EXEC ? -EACCES : 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.mprotect = vcpu_mprotect,
};

/*
 * The run, console and ring pages, at their offsets (uapi hvlab.h): data,
 * never code. remap_pfn_range() maps them all now, and marks the mapping
 * VM_DONTEXPAND (mremap() cannot grow it past them: EFAULT) and
 * VM_DONTDUMP (they are the kernel's pages, not the process's).
 */
static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct hvlab_vcpu *vcpu = file->private_data;
	void *pages[] = {
		[0] = vcpu->run,
		[HVLAB_CONSOLE_OFFSET / PAGE_SIZE] = vcpu->console,
		[HVLAB_COALESCED_OFFSET / PAGE_SIZE] = vcpu->coalesced,
	};
	unsigned long i;
	int ret;

	if (vma->vm_pgoff != 0 || vma_pages(vma) > ARRAY_SIZE(pages))
		return -EINVAL;
	/*
	 * Shared only: for a private, copy-on-write mapping remap_pfn_range()
	 * keeps the page frame number in vm_pgoff, which /proc/PID/maps
	 * shows: a host-physical address (and copy-on-write of these pages
	 * would make no sense anyway).
	 */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	vma->vm_ops = &vcpu_vm_ops;
	for (i = 0; i < vma_pages(vma); i++) {
		ret = remap_pfn_range(vma, vma->vm_start + i * PAGE_SIZE,
				      page_to_pfn(virt_to_page(pages[i])), PAGE_SIZE,
				      vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* VPIDs 1-65535 (0 is the host's); none without VPID */
static DEFINE_IDA(vcpu_vpids);

static int vcpu_alloc_vpid(struct hvlab_vcpu *vcpu)
{
	int vpid;

	if (!(vmx_config.proc_ctls2 & PROC2_ENABLE_VPID))
		return 0;
	vpid = ida_alloc_range(&vcpu_vpids, 1, 0xffff, GFP_KERNEL);
	if (vpid < 0)
		return vpid;
	vcpu->vpid = vpid;
	return 0;
}

static void vcpu_free(struct hvlab_vcpu *vcpu)
{
	if (vcpu->vpid)
		ida_free(&vcpu_vpids, vcpu->vpid);
	debugfs_remove_recursive(vcpu->debugfs);
	hvlab_vmcs_free(vcpu);
	hvlab_fpu_free(vcpu);
	hvlab_pml_free(vcpu);
	free_page((unsigned long)vcpu->virtual_apic_page);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->console);
	free_page((unsigned long)vcpu->coalesced);
	kfree(vcpu);
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	struct hvlab_vcpu *vcpu = file->private_data;
	struct hvlab_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	/* Under the lock, so that a new vCPU of this id can have the name. */
	debugfs_remove_recursive(vcpu->debugfs);
	vcpu->debugfs = NULL;
	/* Its pages written since the last dirty log stay in the slots' bitmaps */
	hvlab_pml_take_vcpu(vcpu);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->lock);
	vcpu_free(vcpu);
	hvlab_vm_put(vm);
	return 0;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vcpu_mmap,
	.release = vcpu_release,
	.llseek = noop_llseek,
};

/* HVLAB_CREATE_VCPU on a VM fd; called with vm->lock held. */
long hvlab_create_vcpu(struct hvlab_vm *vm, unsigned long id)
{
	struct hvlab_vcpu *vcpu;
	int ret, fd;

	if (id >= HVLAB_MAX_VCPUS)
		return -EINVAL;
	if (vm->vcpus[id])
		return -EEXIST;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->dr6 = DR6_RESET;
	vcpu->dr7 = DR7_RESET;
	vcpu->xcr0 = XFEATURE_MASK_FP;	/* XCR0 after reset: x87 only */
	vcpu->queued_irq = -1;
	vcpu->interrupted_irq = -1;
	vcpu->ept_retry_gpa = ~0ULL;
	vcpu->queued_exception = -1;
	vcpu->misc_enable = HVLAB_MISC_ENABLE_RESET;
	/* After RESET, EDX holds the CPU's signature, as CPUID leaf 1 EAX (SDM 10.1.2) */
	vcpu->gprs[GPR_RDX] = cpuid_eax(1);
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt_notifier, &vcpu_preempt_ops);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->console = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->coalesced = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->virtual_apic_page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!vcpu->run || !vcpu->console || !vcpu->coalesced || !vcpu->virtual_apic_page ||
	    hvlab_vmcs_alloc(vcpu) ||
	    hvlab_fpu_alloc(vcpu) || hvlab_pml_alloc(vcpu))
		goto fail;
	ret = vcpu_alloc_vpid(vcpu);	/* -ENOSPC: all 65,535 VPIDs in use */
	if (ret)
		goto fail;

	ret = hvlab_vcpu_vmcs_enter(vcpu);
	if (ret)
		goto fail;
	ret = hvlab_vmcs_setup(vcpu);
	hvlab_vcpu_vmcs_exit(vcpu);
	if (ret)
		goto fail;

	fd = anon_inode_getfd("hvlab-vcpu", &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	/*
	 * Even if userspace closes the new fd at once, vcpu_release() waits
	 * for vm->lock, which we hold: the reference is taken in time.
	 */
	kref_get(&vm->kref);
	vm->vcpus[id] = vcpu;
	hvlab_debugfs_add_vcpu(vcpu);
	return fd;
fail:
	if (vcpu->vpid)
		ida_free(&vcpu_vpids, vcpu->vpid);
	if (vcpu->vmcs)
		hvlab_vmcs_free(vcpu);
	hvlab_fpu_free(vcpu);
	hvlab_pml_free(vcpu);
	free_page((unsigned long)vcpu->run);
	free_page((unsigned long)vcpu->console);
	free_page((unsigned long)vcpu->coalesced);
	free_page((unsigned long)vcpu->virtual_apic_page);
	kfree(vcpu);
	return ret;
}
