// SPDX-License-Identifier: GPL-2.0
/*
 * fpu.c - the guest's x87, SSE and AVX registers are its own.
 *
 * VM entry and exit switch none of the FPU/XSAVE state (SDM 27.3, 28.5):
 * the guest runs on whatever the registers hold. Linux, for its part,
 * restores a task's FPU registers lazily, on the way back to user mode
 * (TIF_NEED_FPU_LOAD), and leaves them in the CPU at a context switch.
 * A vCPU thread that never leaves the kernel between two VM entries would
 * therefore hand the guest the registers of the last task that ran on
 * the CPU, or of kernel SIMD code, and give that task the guest's back.
 *
 * So each vCPU has an fpstate of its own, allocated by the kernel for
 * exactly this use (KVM's guest fpstate, sized from CPUID leaf 0xD for
 * every feature the host enables). For the length of HVLAB_RUN it
 * replaces the thread's own state: the kernel itself then saves it at a
 * context switch and around kernel_fpu_begin(), as it would a user
 * task's, and the run loop puts it back in the registers before each VM
 * entry. The thread's own state returns when HVLAB_RUN does. Exits
 * handled in the kernel cost nothing extra: the state stays loaded.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/thread_info.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>

#include "hvlab.h"

int hvlab_fpu_alloc(struct hvlab_vcpu *vcpu)
{
	/* Filled from the kernel's init_fpstate: FINIT, MXCSR 0x1f80, zeroes */
	return fpu_alloc_guest_fpstate(&vcpu->guest_fpu) ? 0 : -ENOMEM;
}

void hvlab_fpu_free(struct hvlab_vcpu *vcpu)
{
	if (vcpu->guest_fpu.fpstate)
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
}

/* HVLAB_RUN begins: the thread's registers go to its fpstate, the guest's in. */
void hvlab_fpu_load_guest(struct hvlab_vcpu *vcpu)
{
	u64 start = rdtsc();

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	vcpu->stats.fpu_switches++;
	vcpu->stats.fpu_switch_ticks += rdtsc() - start;
}

/* HVLAB_RUN ends: the guest's registers are saved, the thread's come back. */
void hvlab_fpu_put_guest(struct hvlab_vcpu *vcpu)
{
	u64 start = rdtsc();

	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	vcpu->stats.fpu_switch_ticks += rdtsc() - start;
}

/*
 * Just before VM entry, interrupts off: if the thread was scheduled out,
 * or kernel code used SIMD since the last entry, the registers are no
 * longer the guest's. Put them back from the guest's fpstate.
 */
void hvlab_fpu_reload_if_needed(struct hvlab_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	if (test_thread_flag(TIF_NEED_FPU_LOAD)) {
		switch_fpu_return();
		vcpu->stats.fpu_reloads++;
	}
}

/* What a guest's XSAVE image may hold: x87 and SSE always, and its XCR0's. */
static u64 hvlab_fpu_guest_features(void)
{
	return XFEATURE_MASK_FPSSE | vmx_config.guest_xcr0;
}

/*
 * HVLAB_GET_FPU: the guest's state as an XSAVE image, in the standard
 * format (SDM 13.4): the legacy FXSAVE region, then the XSAVE header and
 * the components a guest may enable, as KVM_GET_XSAVE gives it. Where
 * the host has no XSAVE, just the legacy region, valid as such.
 */
long hvlab_vcpu_get_fpu(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_fpu *fpu;
	long ret = 0;

	fpu = kzalloc(sizeof(*fpu), GFP_KERNEL_ACCOUNT);
	if (!fpu)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, fpu->region, sizeof(fpu->region),
				       hvlab_fpu_guest_features(), 0);
	if (copy_to_user(argp, fpu, sizeof(*fpu)))
		ret = -EFAULT;
	kfree(fpu);
	return ret;
}

/*
 * HVLAB_SET_FPU: the reverse. The kernel checks the image: components a
 * guest may not enable, reserved MXCSR bits or a bad XSAVE header are
 * -EINVAL, and then nothing changes.
 */
long hvlab_vcpu_set_fpu(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_fpu *fpu;
	u32 pkru = 0;
	long ret;

	fpu = memdup_user(argp, sizeof(*fpu));
	if (IS_ERR(fpu))
		return PTR_ERR(fpu);
	ret = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, fpu->region,
					     hvlab_fpu_guest_features(), &pkru);
	kfree(fpu);
	return ret;
}
