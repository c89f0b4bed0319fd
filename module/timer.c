// SPDX-License-Identifier: GPL-2.0
/*
 * timer.c - a periodic interrupt for the guest, and a HLT that waits for it.
 *
 * A guest kernel needs a clock that interrupts it: for its scheduler tick
 * and its timeouts. A PC has the PIT, the RTC and the local APIC timer;
 * hvlab keeps device models in userspace, but it offers one interrupt
 * source of its own, because a timer in userspace costs a trip there for
 * every tick: HVLAB_SET_TIMER queues interrupt VECTOR every period, as if
 * HVLAB_INJECT had asked for it (events.c delivers it).
 *
 * The deadline is host time (ktime). Before each VM entry the
 * VMX-preemption timer (SDM 26.5.1) is set to expire by the deadline, so a
 * guest that spins without exits still exits on time, and the tick is
 * queued at the next entry. A tick that finds the last one still waiting
 * (the guest had interrupts off) is counted as missed, not queued twice:
 * a PIC would have merged them too.
 *
 * A guest with nothing to do executes HLT with interrupts on. A CPU would
 * sleep until its next interrupt; hvlab does the same in the kernel when
 * it knows what that interrupt is, the timer's or one already waiting, and
 * the guest resumes without a trip to userspace (KVM's kvm_vcpu_halt()
 * does this for every interrupt source it models).
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* HVLAB_SET_TIMER: check the period and vector; the first tick is one period away. */
long hvlab_vcpu_set_timer(struct hvlab_vcpu *vcpu, void __user *argp)
{
	/* LAB 6 BEGIN hvlab_vcpu_set_timer: HVLAB_SET_TIMER: check it, arm it a period from now */
	struct hvlab_timer t;

	if (copy_from_user(&t, argp, sizeof(t)))
		return -EFAULT;
	if (t.flags || t.reserved[0] || t.reserved[1])
		return -EINVAL;
	/* (the upper bound keeps deadline arithmetic far from overflow) */
	if (t.period_ns && (t.period_ns < HVLAB_TIMER_MIN_PERIOD_NS ||
			    t.period_ns > HVLAB_TIMER_MAX_PERIOD_NS || t.vector < 32 || t.vector > 255))
		return -EINVAL;
	/* Without the preemption timer, a guest that never exits never gets its tick. */
	if (t.period_ns && !(vmx_config.pin_ctls & PIN_PREEMPTION_TIMER))
		return -EOPNOTSUPP;
	vcpu->timer_period_ns = t.period_ns;
	vcpu->timer_vector = t.vector;
	vcpu->timer_deadline = ktime_add_ns(ktime_get(), t.period_ns);
	return 0;
	/* LAB 6 END */
	/* LAB 6 STUB: return hvlab_todo(6, __func__); */
}

/*
 * Before a VM entry with the timer on: queue the tick whose time has come,
 * and arm the VMX-preemption timer to exit by the next deadline.
 */
static void timer_tick(struct hvlab_vcpu *vcpu)
{
	/* LAB 6 BEGIN timer_tick: queue a tick that is due, then exit by the next (SDM 26.5.1) */
	ktime_t now = ktime_get();
	u64 left_ns, ticks;

	if (ktime_compare(now, vcpu->timer_deadline) >= 0) {
		if (vcpu->queued_irq < 0) {
			vcpu->queued_irq = vcpu->timer_vector;
			vcpu->stats.timer_ticks++;
		} else {
			vcpu->stats.timer_ticks_missed++;
		}
		vcpu->timer_deadline = ktime_add_ns(vcpu->timer_deadline, vcpu->timer_period_ns);
		/* Far behind (the vCPU was stopped): no burst of ticks, the next one a period away */
		if (ktime_compare(now, vcpu->timer_deadline) >= 0)
			vcpu->timer_deadline = ktime_add_ns(now, vcpu->timer_period_ns);
	}
	/* The timer counts down once every 2^shift TSC ticks (SDM 26.5.1) */
	left_ns = ktime_to_ns(ktime_sub(vcpu->timer_deadline, now));
	ticks = mul_u64_u32_div(left_ns, tsc_khz, NSEC_PER_MSEC) >>
		vmx_config.caps.preemption_timer_shift;
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE,
		     clamp_t(u64, ticks, 1, vmx_config.preemption_timer_value));
	/* LAB 6 END */
	/* LAB 6 STUB: hvlab_todo_exit(vcpu, 6, __func__); */
}

/* Before each VM entry while HVLAB_ENTRY_TIMER is set (vcpu.c) */
void hvlab_vcpu_timer_prepare_entry(struct hvlab_vcpu *vcpu)
{
	if (vcpu->timer_period_ns) {
		timer_tick(vcpu);
	} else {
		/* turned off: the preemption timer goes back to the host's slice, if used */
		if (vmx_config.preemption_timer_value)
			vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vmx_config.preemption_timer_value);
		clear_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work);
	}
}

/*
 * Before a VM entry with run->deadline_ns set: the VMX-preemption timer
 * expires by the deadline (or sooner, for HVLAB_SET_TIMER's tick or the
 * host's slice), so that the run loop sees the deadline on time even if
 * the guest spins without exits. A VMM makes its next device event the
 * deadline: its timers then fire within a few microseconds.
 */
void hvlab_vcpu_arm_deadline(struct hvlab_vcpu *vcpu, u64 deadline_ns)
{
	u64 now = ktime_get_ns(), left, ticks;
	u32 value;

	if (!(vmx_config.pin_ctls & PIN_PREEMPTION_TIMER))
		return;
	/* (bounded: a deadline of "never" must not overflow the product) */
	left = deadline_ns > now ? min_t(u64, deadline_ns - now, HVLAB_TIMER_MAX_PERIOD_NS) : 0;
	ticks = mul_u64_u32_div(left, tsc_khz, NSEC_PER_MSEC) >>
		vmx_config.caps.preemption_timer_shift;
	value = test_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work) ?
		vmcs_read32(VMX_PREEMPTION_TIMER_VALUE) : vmx_config.preemption_timer_value;
	if (ticks < value) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, max_t(u64, ticks, 1));
		/* The next entry without a deadline puts the host's slice back (timer.c) */
		set_bit(HVLAB_ENTRY_TIMER, &vcpu->entry_work);
	}
}

/*
 * The guest executed HLT, and exits.c sent it on to userspace. If the
 * kernel knows what wakes it, wait here instead and return true: the
 * guest resumes after the HLT and takes the interrupt. An NMI, or an
 * interrupt already waiting with IF = 1 (STI; HLT leaves one in STI's
 * shadow), wakes it at once; the timer's next tick after a sleep until its
 * deadline (a signal ends the sleep early, and the run loop sees it).
 * With IF = 0 and no NMI, nothing but userspace can wake the guest.
 */
bool hvlab_vcpu_halt(struct hvlab_vcpu *vcpu)
{
	/* LAB 6 BEGIN hvlab_vcpu_halt: HLT waits in the kernel for what will wake it */
	bool irqs_on = vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_IF;
	bool waiting = vcpu->queued_nmi ||
		       (irqs_on && (vcpu->queued_irq >= 0 || vcpu->interrupted_irq >= 0));
	ktime_t deadline = vcpu->timer_deadline;

	if (!waiting && !(irqs_on && vcpu->timer_period_ns))
		return false;
	vcpu->stats.halts_in_kernel++;
	if (!waiting) {
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout(&deadline, HRTIMER_MODE_ABS);
	}
	return true;
	/* LAB 6 END */
	/* LAB 6 STUB: return (vcpu->timer_period_ns || vcpu->queued_irq >= 0) && hvlab_todo_exit(vcpu, 6, __func__); */
}
