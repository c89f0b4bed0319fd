// SPDX-License-Identifier: GPL-2.0
/*
 * events.c - interrupts, NMIs and exceptions that userspace injects.
 *
 * hvlab has no virtual interrupt controller: userspace plays the devices
 * and asks for an event with HVLAB_INJECT. The event waits in the vCPU
 * until the guest can take it, exactly as a real CPU holds a pending
 * interrupt while RFLAGS.IF is 0. VMX does the waiting for us: with
 * "interrupt-window exiting" the CPU exits (reason 7) at the first
 * instruction boundary where an interrupt could be delivered, and with
 * "NMI-window exiting" (reason 8) where an NMI could (SDM 26.7.5, 26.7.6).
 * The event then goes in through the VM-entry interruption-information
 * field (SDM 27.6).
 */
#include <linux/uaccess.h>

#include "hvlab.h"
#include "vmcs.h"

/* Guest interruptibility state (SDM 25.4.2, Table 25-3) */

#define X86_VECTOR_NMI		2

/* Exceptions that push an error code in protected mode (SDM 6.13) */
#define EXCEPTIONS_WITH_ERROR_CODE \
	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | BIT(21))

/* HVLAB_INJECT: check the event and queue it. */
long hvlab_vcpu_inject(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_event ev;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (ev.reserved0 || ev.reserved[0] || ev.reserved[1])
		return -EINVAL;
	switch (ev.type) {
	case HVLAB_EVENT_INTERRUPT:
		if (ev.vector < 32)	/* 0-31 are the CPU's exceptions */
			return -EINVAL;
		if (vcpu->queued_irq >= 0)
			return -EBUSY;
		vcpu->queued_irq = ev.vector;
		return 0;
	case HVLAB_EVENT_NMI:
		/* Without virtual NMIs the CPU cannot tell us when NMIs unblock. */
		if (!(vmx_config.pin_ctls & PIN_VIRTUAL_NMIS))
			return -EOPNOTSUPP;
		if (vcpu->queued_nmi)
			return -EBUSY;
		vcpu->queued_nmi = true;
		return 0;
	case HVLAB_EVENT_EXCEPTION:
		if (ev.vector >= 32 || ev.vector == X86_VECTOR_NMI)
			return -EINVAL;
		if (vcpu->queued_exception >= 0)
			return -EBUSY;
		vcpu->queued_exception = ev.vector;
		vcpu->queued_error_code = ev.error_code;
		return 0;
	}
	return -EINVAL;
}

static void set_proc_control(u32 bit, bool on)
{
	u32 proc = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);

	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, on ? proc | bit : proc & ~bit);
}

/*
 * Before each VM entry: deliver the most urgent queued event the guest can
 * take now, and arm a window exit for any that must wait. Exceptions come
 * first, then NMIs, then interrupts (SDM 7.9, priority among events).
 */
void hvlab_vcpu_inject_queued_events(struct hvlab_vcpu *vcpu)
{
	u32 blocking, info;
	bool busy;

	if (vcpu->queued_exception < 0 && !vcpu->queued_nmi && vcpu->queued_irq < 0)
		return;
	/* An event already goes in with this entry: re-injected, or from a handler. */
	busy = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID;
	blocking = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if (!busy && vcpu->queued_exception >= 0) {
		u8 vector = vcpu->queued_exception;

		hvlab_vcpu_inject_exception(vcpu, vector,
					    EXCEPTIONS_WITH_ERROR_CODE & BIT(vector),
					    vcpu->queued_error_code);
		vcpu->queued_exception = -1;
		busy = true;
	}
	if (!busy && vcpu->queued_nmi &&
	    !(blocking & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS | BLOCKING_BY_NMI))) {
		info = X86_VECTOR_NMI | INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID;
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
		vcpu->queued_nmi = false;
		busy = true;
	}
	if (!busy && vcpu->queued_irq >= 0 &&
	    (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	    !(blocking & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS))) {
		info = vcpu->queued_irq | INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT |
		       INTR_INFO_VALID;
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
		vcpu->queued_irq = -1;
	}
	/*
	 * What still waits gets a window exit. With an event being injected,
	 * the window exit comes after its delivery (SDM 27.7.5), so the guest
	 * always gets the first event before the next.
	 */
	set_proc_control(PROC_NMI_WINDOW_EXITING, vcpu->queued_nmi);
	set_proc_control(PROC_INTERRUPT_WINDOW_EXITING, vcpu->queued_irq >= 0);
}

/*
 * SDM 26.7.5 and 26.7.6: the guest can now take an interrupt (reason 7)
 * or an NMI (reason 8). Nothing to do here: the run loop injects it before
 * the next entry, and turns the window exit off once nothing waits.
 */
int hvlab_handle_event_window(struct hvlab_vcpu *vcpu)
{
	return 1;
}
