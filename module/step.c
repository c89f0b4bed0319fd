// SPDX-License-Identifier: GPL-2.0
/*
 * step.c - HVLAB_RUN_SINGLE_STEP: run the guest for one instruction.
 *
 * The monitor trap flag is made for this (SDM 26.5.2): the CPU exits
 * after the next instruction. Bochs' VMX has no MTF, so there hvlab does
 * what debuggers did before VT-x: it sets RFLAGS.TF behind the guest's
 * back and intercepts the #DB trap that follows the instruction (SDM
 * 18.3.1.4), then clears TF again before userspace or the guest can see
 * it. Either way an instruction that hvlab emulates (CPUID, an IN that
 * userspace answered) is a step of its own: vcpu.c stops after it.
 */
#include "hvlab.h"
#include "vmcs.h"


static bool cpu_has_mtf(void)
{
	return (vmx_config.caps.procbased_ctls >> 32) & PROC_MONITOR_TRAP_FLAG;
}

/* Before each entry of a single-step run; arming twice is harmless. */
void hvlab_step_arm(struct hvlab_vcpu *vcpu)
{
	unsigned long rflags;
	u32 interruptibility;

	if (vcpu->step_armed)
		return;
	vcpu->step_armed = true;
	if (cpu_has_mtf()) {
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
			     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) | PROC_MONITOR_TRAP_FLAG);
		return;
	}
	rflags = vmcs_readl(GUEST_RFLAGS);
	vcpu->step_guest_tf = rflags & X86_EFLAGS_TF;
	vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
	vmcs_write32(EXCEPTION_BITMAP, hvlab_exception_bitmap(vcpu) | BIT(X86_VECTOR_DB));
	interruptibility = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	/*
	 * With TF = 1, VM entry insists on a pending BS in an STI or MOV SS
	 * shadow or in the HLT state (SDM 27.3.1.5). Under STI that trap
	 * could be delivered at once, before the step, so the shadow goes
	 * instead, as KVM does when it single-steps: it only holds back
	 * interrupts, and hvlab injects none during a step. Under MOV SS the
	 * CPU really holds the trap back until after the next instruction.
	 */
	if (interruptibility & BLOCKING_BY_STI) {
		interruptibility &= ~BLOCKING_BY_STI;
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, interruptibility);
	}
	if ((interruptibility & BLOCKING_BY_MOV_SS) ||
	    vmcs_read32(GUEST_ACTIVITY_STATE) == ACTIVITY_HLT)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

/* After the single-step run, whatever ended it: the guest's own TF back. */
void hvlab_step_disarm(struct hvlab_vcpu *vcpu)
{
	unsigned long rflags;

	if (!vcpu->step_armed)
		return;
	vcpu->step_armed = false;
	if (cpu_has_mtf()) {
		if (!(vcpu->intercepts.flags & HVLAB_INTERCEPT_MTF))
			vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
				     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) &
				     ~PROC_MONITOR_TRAP_FLAG);
		return;
	}
	rflags = vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_TF;
	vmcs_writel(GUEST_RFLAGS, rflags | (vcpu->step_guest_tf ? X86_EFLAGS_TF : 0));
	vmcs_write32(EXCEPTION_BITMAP, hvlab_exception_bitmap(vcpu));
	/*
	 * An exit in the middle of the step (CPUID, OUT) can leave our trap
	 * pending in the VMCS (SDM 28.3.4); it would fire at the next entry,
	 * before the guest did anything. The guest never asked for it.
	 */
	if (!vcpu->step_guest_tf)
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~PENDING_DBG_BS);
}

/*
 * Is this #DB exit the trap of hvlab's own TF? Its qualification has BS
 * (SDM 28.1, Table 28-1). A guest that set TF itself gets its trap too.
 */
bool hvlab_step_is_own_trap(struct hvlab_vcpu *vcpu)
{
	return vcpu->step_armed && !cpu_has_mtf() && !vcpu->step_guest_tf &&
	       (vcpu->exit.qualification & PENDING_DBG_BS);
}

/* RFLAGS as the guest has it, in the middle of a step: without our TF. */
unsigned long hvlab_step_guest_rflags(struct hvlab_vcpu *vcpu, unsigned long rflags)
{
	if (vcpu->step_armed && !cpu_has_mtf() && !vcpu->step_guest_tf)
		rflags &= ~X86_EFLAGS_TF;
	return rflags;
}
