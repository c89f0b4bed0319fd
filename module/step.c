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

/*
 * What the instruction at CS:RIP does with RFLAGS.TF. POPF and IRET load
 * it from the stack, so after them TF is the guest's, whatever it was
 * before (Linux's ptrace steps the same way: arch/x86/kernel/step.c);
 * PUSHF stores it, hvlab's included: its length and the bytes it pushes
 * go in step_insn_len and step_push_bytes. Legacy prefixes and REX are
 * skipped; an unreadable RIP is neither.
 */
static enum step_insn step_insn_at_rip(struct hvlab_vcpu *vcpu)
{
	int bits = hvlab_guest_code_bits();
	u64 la = hvlab_segment_linear(INFO_SEG_CS, vmcs_readl(GUEST_RIP));
	struct hvlab_mem_fault fault;
	bool operand_size = false;
	unsigned int i;
	u8 b;

	for (i = 0; i < 15; i++) {
		if (hvlab_read_guest(vcpu, la + i, &b, 1, &fault))
			return STEP_INSN_OTHER;
		switch (b) {
		case 0x66:
			operand_size = true;
			continue;
		case 0x67: case 0xf0: case 0xf2: case 0xf3:
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			continue;
		}
		if (bits == 64 && (b & 0xf0) == 0x40)
			continue;
		if (b == 0x9d || b == 0xcf)
			return STEP_INSN_LOADS_TF;
		if (b != 0x9c)
			return STEP_INSN_OTHER;
		vcpu->step_insn_len = i + 1;
		/* 64-bit mode pushes 8 bytes (2 with 66h), else the operand size */
		if (bits == 64)
			vcpu->step_push_bytes = operand_size ? 2 : 8;
		else
			vcpu->step_push_bytes = (bits == 32) != operand_size ? 4 : 2;
		return STEP_INSN_PUSHF;
	}
	return STEP_INSN_OTHER;
}

/* The guest's stack pointer as its stack uses it: SP alone on a 16-bit stack */
static u64 stack_pointer_mask(void)
{
	if (hvlab_guest_code_bits() == 64)
		return ~0ULL;
	return (vmcs_read32(GUEST_SS_AR_BYTES) & VMX_AR_DB) ? 0xffffffffULL : 0xffffULL;
}

/*
 * A PUSHF that was stepped pushed hvlab's TF: take it out of the image
 * at SS:RSP (TF is bit 8, in the low word whatever the operand size), or
 * the POPF that matches it would set TF for good. Only if the PUSHF is
 * what happened: RIP right after it and RSP one push lower (a PUSHF
 * that faulted left a handler running instead).
 */
static void step_clear_pushed_tf(struct hvlab_vcpu *vcpu)
{
	u64 mask = stack_pointer_mask(), rsp = vmcs_readl(GUEST_RSP);
	struct hvlab_mem_fault fault;
	u64 la;
	u16 image;

	if (vmcs_readl(GUEST_RIP) != vcpu->step_rip + vcpu->step_insn_len ||
	    ((rsp ^ (vcpu->step_rsp - vcpu->step_push_bytes)) & mask))
		return;
	la = hvlab_segment_linear(INFO_SEG_SS, rsp & mask);
	if (!hvlab_read_guest(vcpu, la, &image, sizeof(image), &fault) &&
	    (image & X86_EFLAGS_TF)) {
		image &= ~X86_EFLAGS_TF;
		hvlab_write_guest(vcpu, la, &image, sizeof(image), &fault);
	}
}

/*
 * An event goes into the guest with this entry (an exception hvlab
 * raised or passed on, a queued interrupt): its delivery is the step,
 * as the monitor trap flag would have it (SDM 26.5.2: the MTF exit comes
 * after the delivery, before the handler's first instruction). A TF of
 * hvlab's must not be set then, or the CPU would push it with RFLAGS in
 * the handler's frame, and the handler's IRET would bring it back into
 * the guest. The VMX-preemption timer at zero ends the entry right after
 * the delivery instead (SDM 26.7.4), as KVM's immediate exit does.
 */
static bool step_delivery_by_timer(struct hvlab_vcpu *vcpu)
{
	if (!(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) ||
	    !(vmx_config.pin_ctls & PIN_PREEMPTION_TIMER))
		return false;
	if (!vcpu->step_by_timer) {
		/*
		 * From TF to the timer (a fault exited mid-step): the guest's TF
		 * back, and without it no single step pending, which VM entry
		 * refuses with TF = 0 in a MOV SS shadow (SDM 27.3.1.5)
		 */
		vmcs_writel(GUEST_RFLAGS, (vmcs_readl(GUEST_RFLAGS) & ~X86_EFLAGS_TF) |
			    (vcpu->step_guest_tf ? X86_EFLAGS_TF : 0));
		if (!vcpu->step_guest_tf)
			vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
				    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~PENDING_DBG_BS);
		vcpu->step_by_timer = true;
	}
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, 0);
	/* (the next entry puts the timer's own value back: timer.c) */
	set_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work);
	return true;
}

/* Before each entry of a single-step run: a step can take several. */
void hvlab_step_arm(struct hvlab_vcpu *vcpu)
{
	unsigned long rflags;
	u32 interruptibility;

	if (cpu_has_mtf()) {
		if (!vcpu->step_armed)
			vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
				     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) | PROC_MONITOR_TRAP_FLAG);
		vcpu->step_armed = true;
		return;
	}
	if (!vcpu->step_armed) {
		vcpu->step_armed = true;
		vcpu->step_by_timer = false;
		vcpu->step_guest_tf = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF;
		vcpu->step_rip = vmcs_readl(GUEST_RIP);
		vcpu->step_rsp = vmcs_readl(GUEST_RSP);
		vcpu->step_insn = step_insn_at_rip(vcpu);
		/*
		 * Every exception exits while hvlab steps, so that one the
		 * stepped instruction raises is delivered by hvlab, with the
		 * timer above, and not by the CPU with hvlab's TF in its frame.
		 */
		vmcs_write32(EXCEPTION_BITMAP, ~0u);
	} else if (!vcpu->step_by_timer) {
		/* Again after an exit within the step: TF is still set */
		step_delivery_by_timer(vcpu);
		return;
	}
	if (step_delivery_by_timer(vcpu))
		return;
	if (vcpu->step_by_timer) {
		/* (the delivery exited half-way, and nothing goes in again: still the timer) */
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, 0);
		set_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work);
		return;
	}
	rflags = vmcs_readl(GUEST_RFLAGS);
	vmcs_writel(GUEST_RFLAGS, rflags | X86_EFLAGS_TF);
	interruptibility = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	/*
	 * With TF = 1, VM entry insists on a pending BS in an STI or MOV SS
	 * shadow or in the HLT state (SDM 27.3.1.5). Under STI that trap
	 * could be delivered at once, before the step, so the shadow goes
	 * instead, as KVM does when it single-steps. It only holds back
	 * interrupts: one already queued for the guest may then come an
	 * instruction early (in STI; HLT, before the HLT). Under MOV SS the
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

/*
 * The timer's exit that ends a step over an event's delivery; any other
 * preemption-timer exit is the deadline's or the host's (exits.c).
 */
bool hvlab_step_is_own_timer(struct hvlab_vcpu *vcpu)
{
	return vcpu->step_armed && vcpu->step_by_timer &&
	       (vcpu->run_flags & HVLAB_RUN_SINGLE_STEP);
}

/* After the single-step run, whatever ended it: the guest's own TF back. */
void __hvlab_step_disarm(struct hvlab_vcpu *vcpu)
{
	unsigned long rflags;
	bool done;

	vcpu->step_armed = false;
	if (cpu_has_mtf()) {
		if (!(vcpu->intercepts.flags & HVLAB_INTERCEPT_MTF))
			vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
				     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) &
				     ~PROC_MONITOR_TRAP_FLAG);
		return;
	}
	vmcs_write32(EXCEPTION_BITMAP, hvlab_exception_bitmap(vcpu));
	if (vcpu->step_by_timer) {
		/* TF was never hvlab's; the delivery set it as the CPU does */
		vcpu->step_by_timer = false;
		return;
	}
	/*
	 * TF still set is hvlab's, unless a POPF or IRET that completed
	 * loaded it: then it is the guest's, as is a TF that an event's
	 * delivery cleared.
	 */
	rflags = vmcs_readl(GUEST_RFLAGS);
	done = vmcs_readl(GUEST_RIP) != vcpu->step_rip;
	if ((rflags & X86_EFLAGS_TF) && !(vcpu->step_insn == STEP_INSN_LOADS_TF && done))
		vmcs_writel(GUEST_RFLAGS, (rflags & ~X86_EFLAGS_TF) |
			    (vcpu->step_guest_tf ? X86_EFLAGS_TF : 0));
	if (vcpu->step_insn == STEP_INSN_PUSHF && !vcpu->step_guest_tf)
		step_clear_pushed_tf(vcpu);
	/*
	 * An exit in the middle of the step (CPUID, OUT) can leave our trap
	 * pending in the VMCS (SDM 28.3.4); it would fire at the next entry,
	 * before the guest did anything. The guest never asked for it.
	 */
	if (!(vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_TF))
		vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
			    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) & ~PENDING_DBG_BS);
}

/*
 * Is this #DB exit the trap of hvlab's own TF? Its qualification has BS
 * (SDM 28.1, Table 28-1). A guest that set TF itself gets its trap too.
 */
bool hvlab_step_is_own_trap(struct hvlab_vcpu *vcpu)
{
	return vcpu->step_armed && !cpu_has_mtf() && !vcpu->step_by_timer &&
	       (vcpu->run_flags & HVLAB_RUN_SINGLE_STEP) &&
	       !vcpu->step_guest_tf && (vcpu->exit.qualification & PENDING_DBG_BS);
}

/* RFLAGS as the guest has it, in the middle of a step: without our TF. */
unsigned long hvlab_step_guest_rflags(struct hvlab_vcpu *vcpu, unsigned long rflags)
{
	if (vcpu->step_armed && !cpu_has_mtf() && !vcpu->step_by_timer && !vcpu->step_guest_tf)
		rflags &= ~X86_EFLAGS_TF;
	return rflags;
}
