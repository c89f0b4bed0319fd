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
#include "lab.h"
#include "vmcs.h"

/* Guest interruptibility state (SDM 25.4.2, Table 25-3) */

#define X86_VECTOR_NMI		2

/* Exceptions that push an error code in protected mode (SDM 6.13) */
#define EXCEPTIONS_WITH_ERROR_CODE \
	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | BIT(21))

/* HVLAB_INJECT: check the event and queue it. */
long hvlab_vcpu_inject(struct hvlab_vcpu *vcpu, void __user *argp)
{
	/* LAB 6 BEGIN hvlab_vcpu_inject: HVLAB_INJECT: check the event, and queue it (SDM 6.3, 27.2.1.3) */
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
	/* LAB 6 END */
	/* LAB 6 STUB: return hvlab_todo(6, __func__); */
}

/*
 * How a hardware exception combines with one whose delivery it
 * interrupted (SDM 6.15, Table 6-4 classes, Table 6-5 pairs): two
 * contributory exceptions, or a page fault followed by either kind, make
 * a double fault; either kind while delivering a double fault shuts the
 * CPU down. Every other pair is handled one after the other.
 */
#define CONTRIBUTORY_EXCEPTIONS	(BIT(0) | BIT(10) | BIT(11) | BIT(12) | BIT(13))
#define X86_VECTOR_DF		8
#define X86_VECTOR_PF		14

enum exception_pair { SERIAL, DOUBLE_FAULT, TRIPLE_FAULT };

/* (__maybe_unused: lab 6's handout cuts out its caller) */
static enum exception_pair __maybe_unused classify_pair(u8 first, u8 second)
{
	bool second_bad = (CONTRIBUTORY_EXCEPTIONS & BIT(second)) || second == X86_VECTOR_PF;

	if (first == X86_VECTOR_DF && second_bad)
		return TRIPLE_FAULT;
	if ((CONTRIBUTORY_EXCEPTIONS & BIT(first)) && (CONTRIBUTORY_EXCEPTIONS & BIT(second)))
		return DOUBLE_FAULT;
	if (first == X86_VECTOR_PF && second_bad)
		return DOUBLE_FAULT;
	return SERIAL;
}

/*
 * The guest gets hardware exception @vector at the next VM entry. If this
 * exit cut short the delivery of another event (the IDT-vectoring
 * information, which vcpu.c re-injects), the two are combined as the CPU
 * would have combined them, had nothing exited (SDM 6.15, 28.2.4):
 *   - an exception: a double fault, a shutdown (triple fault), or the new
 *     one alone: a fault comes back when its instruction runs again;
 *   - an NMI or an external interrupt: the exception goes first, and the
 *     interrupted event waits for its window, so it is never lost;
 *   - INT n, INT3, INTO: RIP still points at the instruction, which raises
 *     the event again once the exception's handler returns.
 * Returns 0, or -1 after a triple fault, with the vCPU stopped.
 */
int hvlab_vcpu_raise_exception(struct hvlab_vcpu *vcpu, u8 vector, bool has_error_code,
			       u32 error_code)
{
	/* LAB 6 BEGIN hvlab_vcpu_raise_exception: an exception, combined with the event it interrupted (SDM 6.15, 28.2.4) */
	u32 first = vcpu->exit.interrupted_event;
	u8 first_vector = first & INTR_INFO_VECTOR_MASK;

	vcpu->exit.interrupted_event = 0;
	if (!(first & INTR_INFO_VALID))
		goto deliver;
	switch ((first & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT) {
	case INTR_TYPE_HARD_EXCEPTION:
		switch (classify_pair(first_vector, vector)) {
		case TRIPLE_FAULT:
			vcpu->dead = true;
			snprintf(vcpu->dead_reason, sizeof(vcpu->dead_reason),
				 "the guest triple-faulted: exception %u while delivering a double fault",
				 vector);
			vcpu->run->exit_reason = HVLAB_EXIT_SHUTDOWN;
			return -1;
		case DOUBLE_FAULT:
			vector = X86_VECTOR_DF;
			has_error_code = true;
			error_code = 0;
			break;
		case SERIAL:
			break;
		}
		break;
	case INTR_TYPE_NMI:
		vcpu->queued_nmi = true;
		break;
	case INTR_TYPE_EXT_INTR:
		vcpu->interrupted_irq = first_vector;
		break;
	}
deliver:
	hvlab_vcpu_inject_exception(vcpu, vector, has_error_code, error_code);
	return 0;
	/* LAB 6 END */
	/* LAB 6 STUB: hvlab_todo_exit(vcpu, 6, __func__); return -1; */
}

/*
 * With virtual NMIs, an IRET unblocks NMIs as it executes. If it then
 * faults, and the fault exits, the exit says so in bit 12 of its
 * information (SDM 28.2.2, 28.2.3): the IRET will run again once the
 * fault is dealt with, so NMIs must stay blocked until it completes, as
 * they would have without the exit. Set blocking by NMI again for the
 * next entry (SDM 27.3.1.5 allows it there). The bit means nothing when
 * the exit interrupted an event's delivery, or for a double fault.
 */
void hvlab_vcpu_keep_nmis_blocked(struct hvlab_vcpu *vcpu, u32 exit_info)
{
	if (!(exit_info & INTR_INFO_UNBLOCK_NMI) || !(vmx_config.pin_ctls & PIN_VIRTUAL_NMIS))
		return;
	if (vcpu->exit.interrupted_event & INTR_INFO_VALID)
		return;
	if ((exit_info & INTR_INFO_VALID) &&
	    (exit_info & INTR_INFO_VECTOR_MASK) == X86_VECTOR_DF)
		return;
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
		     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) | BLOCKING_BY_NMI);
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
int hvlab_vcpu_inject_queued_events(struct hvlab_vcpu *vcpu)
{
	/* LAB 6 BEGIN hvlab_vcpu_inject_queued_events: deliver what the guest can take now, a window exit for the rest (SDM 26.7.5, 27.6) */
	u32 blocking, info;
	bool busy;
	int irq;

	/* An event already goes in with this entry: re-injected, or from a handler. */
	busy = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID;
	blocking = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	/*
	 * An exception is raised at once. If the last exit interrupted an
	 * event's delivery, the two combine as on a real CPU; an event a
	 * handler injected goes first, and the exception waits its turn.
	 */
	if (vcpu->queued_exception >= 0 &&
	    (!busy || (vcpu->exit.interrupted_event & INTR_INFO_VALID))) {
		u8 vector = vcpu->queued_exception;

		vcpu->queued_exception = -1;
		if (hvlab_vcpu_raise_exception(vcpu, vector,
					       EXCEPTIONS_WITH_ERROR_CODE & BIT(vector),
					       vcpu->queued_error_code))
			return -1;
		busy = true;
	}
	if (!busy && vcpu->queued_nmi &&
	    !(blocking & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS | BLOCKING_BY_NMI))) {
		info = X86_VECTOR_NMI | INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID;
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
		vcpu->queued_nmi = false;
		busy = true;
	}
	/* One whose delivery an exit cut short was accepted first: it goes first. */
	irq = vcpu->interrupted_irq >= 0 ? vcpu->interrupted_irq : vcpu->queued_irq;
	if (!busy && irq >= 0 &&
	    (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	    !(blocking & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS))) {
		info = irq | INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT | INTR_INFO_VALID;
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, info);
		if (vcpu->interrupted_irq >= 0)
			vcpu->interrupted_irq = -1;
		else
			vcpu->queued_irq = -1;
	}
	/*
	 * What still waits gets a window exit. With an event being injected,
	 * the window exit comes after its delivery (SDM 27.7.5), so the guest
	 * always gets the first event before the next.
	 */
	set_proc_control(PROC_NMI_WINDOW_EXITING, vcpu->queued_nmi);
	set_proc_control(PROC_INTERRUPT_WINDOW_EXITING,
			 vcpu->queued_irq >= 0 || vcpu->interrupted_irq >= 0);
	return 0;
	/* LAB 6 END */
	/* LAB 6 STUB: hvlab_todo_exit(vcpu, 6, __func__); return -1; */
}

/*
 * HVLAB_RUN_IRQ_WINDOW: userspace's interrupt controller has an interrupt
 * for the guest, and will acknowledge it only when the guest can take it,
 * so that the guest's own masking and priorities keep working until then
 * (an 8259A is asked for the vector by the CPU's INTA cycles, which come
 * only once IF = 1). Before each entry: true if the guest can take an
 * interrupt now (return to userspace for it); otherwise interrupt-window
 * exiting brings it back here at the first instruction boundary where it
 * can (SDM 26.7.5). Events of hvlab's own (queued, re-injected, being
 * injected with this entry) go first.
 */
bool hvlab_vcpu_irq_window(struct hvlab_vcpu *vcpu, bool requested)
{
	bool own = vcpu->queued_irq >= 0 || vcpu->interrupted_irq >= 0;
	u32 blocking;

	if (!requested) {
		/* Userspace has nothing now: the window exit is only for our own */
		vcpu->irq_window_armed = false;
		if (!own)
			set_proc_control(PROC_INTERRUPT_WINDOW_EXITING, false);
		return false;
	}
	blocking = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);
	if (!own && !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) &&
	    (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	    !(blocking & (BLOCKING_BY_STI | BLOCKING_BY_MOV_SS)))
		return true;
	/* (again each time: the queued events' code turns it off when it is done) */
	set_proc_control(PROC_INTERRUPT_WINDOW_EXITING, true);
	vcpu->irq_window_armed = true;
	return false;
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
