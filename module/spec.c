// SPDX-License-Identifier: GPL-2.0
/*
 * spec.c - speculative-execution mitigations around VM entry and exit.
 *
 * A guest is code the host does not trust, running on the host's own
 * branch predictors and caches. VM entry and exit flush none of them, so
 * what one side leaves there the other can steer or sample. hvlab does
 * what the host kernel decided this CPU needs, no more: each mitigation
 * below is switched on by the kernel's own feature bit or mitigation
 * setting, and uses the kernel's own barrier, never a copy of it.
 *
 *   After every exit (entry.S), before the first unbalanced RET:
 *     - fill the return stack buffer, so that host RETs cannot consume
 *       return addresses the guest trained (X86_FEATURE_RSB_VMEXIT, or
 *       the one-entry _LITE form against post-barrier RSB prediction);
 *     - clear the branch history where the CPU has no BHI_DIS_S
 *       (X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT).
 *   Before every entry:
 *     - VERW clears the CPU's store, fill and load buffers, so that the
 *       guest cannot sample what the host left in them (MDS, TAA:
 *       X86_FEATURE_CLEAR_CPU_BUF_VM; entry.S);
 *     - flush the L1 data cache where the CPU has L1TF, so that a guest
 *       PTE with P=0 cannot make it read host data left there
 *       (l1d_flush=, below).
 *   When a CPU moves from one VM's vCPU to another's: IBPB, so that one
 *   guest cannot train the indirect branches another one takes
 *   (X86_FEATURE_USE_IBPB).
 *
 * Guest writes to IA32_SPEC_CTRL and PRED_CMD raise #GP (msr.c), so the
 * host's SPEC_CTRL stays in force while the guest runs. hvlab assigns no
 * devices to guests, so the MMIO stale-data case KVM clears buffers for
 * only with an assigned device does not arise. docs/security.md lists
 * each one and which of them the lab CPU (Bochs) exercises.
 */
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "hvlab.h"

enum l1d_flush_mode { L1D_FLUSH_AUTO, L1D_FLUSH_NEVER, L1D_FLUSH_COND, L1D_FLUSH_ALWAYS };

static const char * const l1d_flush_names[] = {
	[L1D_FLUSH_AUTO] = "auto", [L1D_FLUSH_NEVER] = "never",
	[L1D_FLUSH_COND] = "cond", [L1D_FLUSH_ALWAYS] = "always",
};

/* What the administrator asked for, and what that means on this CPU. */
static enum l1d_flush_mode l1d_flush_asked = L1D_FLUSH_AUTO;
static enum l1d_flush_mode l1d_flush_mode = L1D_FLUSH_NEVER;
DEFINE_STATIC_KEY_FALSE(hvlab_l1d_flush_on);
static DEFINE_MUTEX(l1d_flush_lock);
bool hvlab_l1d_flush_always;	/* "always": hvlab_spec_before_entry() */
static bool spec_ready;	/* hvlab_spec_init() ran: the parameter takes effect */

/*
 * Without the IA32_FLUSH_CMD MSR, the L1D is flushed by reading twice its
 * size (Intel's guidance for L1TF): every line of a 64 KiB buffer, which
 * evicts whatever was there. Allocated when first needed, freed at unload.
 */
#define L1D_FLUSH_ORDER		4
#define L1D_FLUSH_SIZE		(PAGE_SIZE << L1D_FLUSH_ORDER)
static struct page *l1d_flush_pages;

/* The VM whose vCPU ran last on each CPU, for IBPB (vm->id never repeats). */
static DEFINE_PER_CPU(unsigned int, last_vm_id);

/* The cost of the entry/exit barriers in entry.S, measured at load. */
static u64 barrier_ticks, l1d_flush_cost;

/*
 * "auto" follows the host's l1tf= choice: no flush where the CPU is not
 * affected or says VM entry needs none, conditional flushes by default,
 * every entry with l1tf=full. The kernel's l1tf.rst describes each.
 */
static enum l1d_flush_mode l1d_flush_resolve(enum l1d_flush_mode asked)
{
	u64 caps = 0;

	if (asked != L1D_FLUSH_AUTO)
		return asked;
	if (!boot_cpu_has_bug(X86_BUG_L1TF))
		return L1D_FLUSH_NEVER;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &caps);
	if (caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH)
		return L1D_FLUSH_NEVER;
	switch (l1tf_mitigation) {
	case L1TF_MITIGATION_OFF:
		return L1D_FLUSH_NEVER;
	case L1TF_MITIGATION_FULL:
	case L1TF_MITIGATION_FULL_FORCE:
		return L1D_FLUSH_ALWAYS;
	default:
		return L1D_FLUSH_COND;
	}
}

static int l1d_flush_apply(enum l1d_flush_mode asked)
{
	enum l1d_flush_mode mode = l1d_flush_resolve(asked);

	if (mode != L1D_FLUSH_NEVER && !boot_cpu_has(X86_FEATURE_FLUSH_L1D) &&
	    !l1d_flush_pages) {
		l1d_flush_pages = alloc_pages(GFP_KERNEL, L1D_FLUSH_ORDER);
		if (!l1d_flush_pages)
			return -ENOMEM;
	}
	l1d_flush_asked = asked;
	WRITE_ONCE(l1d_flush_mode, mode);
	WRITE_ONCE(hvlab_l1d_flush_always, mode == L1D_FLUSH_ALWAYS);
	if (mode == L1D_FLUSH_NEVER)
		static_branch_disable(&hvlab_l1d_flush_on);
	else
		static_branch_enable(&hvlab_l1d_flush_on);
	return 0;
}

static int l1d_flush_param_set(const char *val, const struct kernel_param *kp)
{
	int mode = sysfs_match_string(l1d_flush_names, val);
	int ret;

	if (mode < 0)
		return -EINVAL;
	mutex_lock(&l1d_flush_lock);
	if (spec_ready) {
		ret = l1d_flush_apply(mode);
	} else {
		/* insmod's own argument: hvlab_spec_init() applies it */
		l1d_flush_asked = mode;
		ret = 0;
	}
	mutex_unlock(&l1d_flush_lock);
	return ret;
}

/* Shows what is in force, and what was asked when that differs: "cond (auto)" */
static int l1d_flush_param_get(char *buf, const struct kernel_param *kp)
{
	enum l1d_flush_mode mode = READ_ONCE(l1d_flush_mode);

	if (l1d_flush_asked == mode)
		return sysfs_emit(buf, "%s\n", l1d_flush_names[mode]);
	return sysfs_emit(buf, "%s (%s)\n", l1d_flush_names[mode],
			  l1d_flush_names[l1d_flush_asked]);
}

static const struct kernel_param_ops l1d_flush_param_ops = {
	.set = l1d_flush_param_set,
	.get = l1d_flush_param_get,
};
module_param_cb(l1d_flush, &l1d_flush_param_ops, NULL, 0644);
MODULE_PARM_DESC(l1d_flush, "flush L1D before VM entry (L1TF): auto (the host's l1tf= choice), never, cond, always");

static void l1d_flush_by_reading(void)
{
	const u8 *buf = page_address(l1d_flush_pages);
	unsigned long i;

	/* The TLB first, so that each line's load below goes to memory. */
	for (i = 0; i < L1D_FLUSH_SIZE; i += PAGE_SIZE)
		READ_ONCE(buf[i]);
	for (i = 0; i < L1D_FLUSH_SIZE; i += L1_CACHE_BYTES)
		READ_ONCE(buf[i]);
	/* No entry while a load is still in flight. */
	rmb();
}

static void l1d_flush_now(void)
{
	if (boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else
		l1d_flush_by_reading();
}

/*
 * "cond" flushes only when host code that may have touched other data
 * ran since the last entry: a return from userspace or a reschedule
 * (hvlab_spec_vcpu_load), an interrupt or softirq (the kernel's per-CPU
 * flag), or a handler that read guest memory through the host's mapping
 * (hvlab_spec_note_host_access). An exit handled straight away, CPUID
 * say, touches only the vCPU's own state, and does not pay for a flush.
 * hvlab_spec_before_entry() (hvlab.h) tests that inline; this flushes.
 */
void __hvlab_spec_l1d_flush(struct hvlab_vcpu *vcpu)
{
	u64 start = rdtsc();

	vcpu->l1d_flush_needed = false;
#if IS_ENABLED(CONFIG_KVM_INTEL)
	kvm_clear_cpu_l1tf_flush_l1d();
#endif
	l1d_flush_now();
	vcpu->stats.l1d_flushes++;
	vcpu->stats.l1d_flush_ticks += rdtsc() - start;
}

/*
 * The vCPU is made current on this CPU (hvlab_vmcs_load): after a return
 * from userspace or a reschedule. Other code ran here: a flush is due,
 * and if another VM's vCPU ran here last, an IBPB.
 */
void hvlab_spec_vcpu_load(struct hvlab_vcpu *vcpu)
{
	vcpu->l1d_flush_needed = true;
	if (this_cpu_read(last_vm_id) != vcpu->vm->id) {
		this_cpu_write(last_vm_id, vcpu->vm->id);
		if (boot_cpu_has(X86_FEATURE_USE_IBPB)) {
			indirect_branch_prediction_barrier();
			vcpu->stats.ibpbs++;
		}
	}
}

static bool rsb_fill_after_exit(void)
{
	return boot_cpu_has(X86_FEATURE_RSB_VMEXIT) || boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE);
}

static const char *rsb_fill_kind(void)
{
	if (boot_cpu_has(X86_FEATURE_RSB_VMEXIT))
		return "on (32 entries)";
	if (boot_cpu_has(X86_FEATURE_RSB_VMEXIT_LITE))
		return "on (1 entry, PBRSB)";
	return "off (not needed)";
}

static const char *on_off(bool on)
{
	return on ? "on" : "off (not needed)";
}

static const char *l1d_flush_kind(void)
{
	if (READ_ONCE(l1d_flush_mode) == L1D_FLUSH_NEVER)
		return "";
	return boot_cpu_has(X86_FEATURE_FLUSH_L1D) ? " (IA32_FLUSH_CMD)" : " (software, 64 KiB)";
}

/*
 * /sys/kernel/debug/hvlab/mitigations: one "name: state" line each, then
 * what the barriers cost here. tests/vm/isolation.c compares it with
 * /sys/devices/system/cpu/vulnerabilities.
 */
static int mitigations_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "rsb_fill_after_exit: %s\n", rsb_fill_kind());
	seq_printf(m, "branch_history_clear_after_exit: %s\n",
		   on_off(boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT)));
	seq_printf(m, "cpu_buffer_clear_before_entry: %s\n",
		   on_off(boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM)));
	seq_printf(m, "l1d_flush_before_entry: %s%s\n",
		   l1d_flush_names[READ_ONCE(l1d_flush_mode)], l1d_flush_kind());
	seq_printf(m, "ibpb_between_vms: %s\n", on_off(boot_cpu_has(X86_FEATURE_USE_IBPB)));
	seq_printf(m, "barrier_ticks: %llu\n", barrier_ticks);
	seq_printf(m, "l1d_flush_ticks: %llu\n", l1d_flush_cost);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mitigations);

/*
 * The barriers' cost, alone: the same alternatives entry.S runs, called
 * with interrupts off. The cheapest of a few runs, so that an interrupt
 * or a cold cache does not count.
 */
static u64 measure(void (*fn)(void))
{
	u64 best = U64_MAX, start, ticks;
	unsigned long flags;
	int i;

	for (i = 0; i < 8; i++) {
		local_irq_save(flags);
		start = rdtsc_ordered();
		fn();
		ticks = rdtsc_ordered() - start;
		local_irq_restore(flags);
		best = min(best, ticks);
	}
	return best;
}

void hvlab_spec_add_debugfs(struct dentry *root)
{
	debugfs_create_file("mitigations", 0400, root, NULL, &mitigations_fops);
}

int hvlab_spec_init(void)
{
	int ret;

	mutex_lock(&l1d_flush_lock);
	ret = l1d_flush_apply(l1d_flush_asked);
	spec_ready = !ret;
	mutex_unlock(&l1d_flush_lock);
	if (ret)
		return ret;
	barrier_ticks = measure(hvlab_spec_barriers);
	if (l1d_flush_pages || boot_cpu_has(X86_FEATURE_FLUSH_L1D))
		l1d_flush_cost = measure(l1d_flush_now);
	pr_info(HVLAB_MSG_PREFIX "mitigations: RSB fill %s, BHB clear %s, VERW %s, L1D flush %s, IBPB %s\n",
		rsb_fill_after_exit() ? "on" : "off",
		boot_cpu_has(X86_FEATURE_CLEAR_BHB_LOOP_ON_VMEXIT) ? "on" : "off",
		boot_cpu_has(X86_FEATURE_CLEAR_CPU_BUF_VM) ? "on" : "off",
		l1d_flush_names[l1d_flush_mode],
		boot_cpu_has(X86_FEATURE_USE_IBPB) ? "on" : "off");
	return 0;
}

void hvlab_spec_exit(void)
{
	if (l1d_flush_pages)
		__free_pages(l1d_flush_pages, L1D_FLUSH_ORDER);
}
