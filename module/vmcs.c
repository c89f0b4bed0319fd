// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - the virtual-machine control structure of one vCPU.
 *
 * A VMCS has four areas (SDM 25.1): VM-execution/exit/entry controls,
 * guest state (loaded on entry, saved on exit), host state (loaded on
 * exit) and read-only exit information. This file fills the first three.
 *
 * A VMCS is active on at most one CPU at a time (SDM 25.11.1). hvlab makes
 * it current (VMPTRLD) when the vCPU's thread enters HVLAB_RUN or is
 * scheduled in, and leaves it active there, launched, when the thread
 * leaves HVLAB_RUN or is scheduled out: back on the same CPU, the next
 * entry is a VMRESUME. Only when the thread is loaded on another CPU is
 * the VMCS VMCLEARed, by IPI on the CPU that holds it, and VMLAUNCHed
 * again on the new one. Each CPU lists the VMCSs active on it and clears
 * them before VMXOFF. KVM's loaded_vmcs works the same way.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/mmu_context.h>	/* load_gs_index(), in 6.1 and 6.12 alike */
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* PAT value after reset (SDM 13.12.4): WB, WT, UC-, UC, repeated. */
#define PAT_RESET_VALUE		0x0007040600070406ULL

/* Access rights of real-mode segments after reset (SDM 10.1.1, Table 10-1) */
#define AR_CODE_RESET		0x9b	/* present, code, read/exec, accessed */
#define AR_DATA_RESET		0x93	/* present, data, read/write, accessed */
#define AR_LDTR_RESET		0x82	/* present, LDT */
#define AR_TR_RESET		0x8b	/* present, busy 32-bit TSS */

/*
 * Fault injection for students: make VM entry fail while loading MSRs
 * (exit reason 34) by adding an entry the CPU always refuses to the
 * MSR-load list. Read at each VM entry.
 */
static bool fault_msr_load;
module_param(fault_msr_load, bool, 0644);
MODULE_PARM_DESC(fault_msr_load, "add an x2APIC MSR to the VM-entry MSR-load list, which VM entry refuses (exit 34)");

/*
 * The VMCSs active on each CPU (SDM 25.11.1): ones that CPU may hold
 * cached. A VMCS stays active where it last ran until a VMCLEAR on that
 * same CPU, so VMXOFF must be preceded by a VMCLEAR of each of them
 * (hvlab_vmcs_clear_all_on_this_cpu). Only the CPU itself changes its
 * list, with interrupts off: an IPI (vmcs_clear_here) is the other way in.
 */
static DEFINE_PER_CPU(struct list_head, active_vmcss);

void hvlab_vmcs_init_active_lists(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(active_vmcss, cpu));
}

/*
 * VMCLEAR the vCPU's VMCS on the CPU where it is active, which is this
 * one: its data goes back to memory, its launch state becomes "clear",
 * and any CPU may VMPTRLD it next, to VMLAUNCH it again (SDM 25.11.3).
 * Interrupts are off: an IPI from vmcs_clear_on_its_cpu() or from
 * vmcs_clear_before_free(), or this CPU's own teardown.
 */
static void vmcs_clear_here(void *arg)
{
	struct hvlab_vcpu *vcpu = arg;

	/* This CPU's teardown may have cleared it while the IPI was on its way. */
	if (READ_ONCE(vcpu->vmcs_cpu) != smp_processor_id())
		return;
	vmx_vmclear(vcpu->vmcs_pa);
	list_del(&vcpu->active_vmcs_link);
	vcpu->launched = false;
	/* Off this list, and not launched, before another CPU may take it. */
	smp_wmb();
	WRITE_ONCE(vcpu->vmcs_cpu, -1);
}

/*
 * This CPU leaves VMX operation (vmx.c, before VMXOFF): clear every VMCS
 * active here, so that their threads find them in memory on whichever
 * CPU they run next. Interrupts off, so no IPI clears one half-way.
 */
void hvlab_vmcs_clear_all_on_this_cpu(void)
{
	struct hvlab_vcpu *vcpu, *next;
	unsigned long flags;

	local_irq_save(flags);
	list_for_each_entry_safe(vcpu, next, this_cpu_ptr(&active_vmcss), active_vmcs_link)
		vmcs_clear_here(vcpu);
	local_irq_restore(flags);
}

/*
 * The vCPU's VMCS is active on @cpu, another CPU than this one, which
 * wants to make it current. Only @cpu may VMCLEAR it: a VMCLEAR here
 * would leave @cpu's cached copy to be written over memory later, and a
 * VMPTRLD here would make the VMCS active on two CPUs at once, which the
 * SDM leaves undefined (25.11.1). So @cpu is asked to, by IPI, and this
 * CPU waits: interrupts must be on here. Returns 0 once the VMCS is
 * clear, and the next entry must then be a VMLAUNCH: VMRESUME of a
 * clear VMCS fails with VM-instruction error 5.
 */
static int vmcs_clear_on_its_cpu(struct hvlab_vcpu *vcpu, int cpu)
{
	/* LAB 8 BEGIN vmcs_clear_on_its_cpu: the VMCS is active on another CPU: VMCLEAR it there, by IPI, and wait (SDM 25.11.1, 25.11.3) */
	/*
	 * If @cpu went offline meanwhile (-ENXIO), its teardown cleared the
	 * VMCS before VMXOFF: vcpu->vmcs_cpu says which happened.
	 */
	smp_call_function_single(cpu, vmcs_clear_here, vcpu, 1);
	if (READ_ONCE(vcpu->vmcs_cpu) >= 0)
		return -EBUSY;
	vcpu->stats.vmcs_remote_clears++;
	return 0;
	/* LAB 8 END */
	/* LAB 8 STUB: hvlab_todo_exit(vcpu, 8, __func__); return -EOPNOTSUPP; */
}

/*
 * Make the vCPU's VMCS active on @cpu, this CPU, where it is not: clear
 * it first where it is active (@active_on, or -1), then put it on this
 * CPU's list. Its next entry is a VMLAUNCH.
 */
static noinline int vmcs_make_active_here(struct hvlab_vcpu *vcpu, int cpu, int active_on)
{
	int ret;

	if (active_on >= 0) {
		ret = vmcs_clear_on_its_cpu(vcpu, active_on);
		if (ret)
			return ret;
	}
	/* Pairs with the smp_wmb() in vmcs_clear_here() */
	smp_rmb();
	local_irq_disable();
	/* Clear already; for a new VMCS, its first VMCLEAR (SDM 25.11.3) */
	vmx_vmclear(vcpu->vmcs_pa);
	list_add(&vcpu->active_vmcs_link, this_cpu_ptr(&active_vmcss));
	vcpu->launched = false;
	WRITE_ONCE(vcpu->vmcs_cpu, cpu);
	local_irq_enable();
	return 0;
}

/*
 * Make the vCPU's VMCS active and current on @cpu, this CPU, with
 * preemption off and interrupts on. A VMCS already active here keeps
 * its launch state, and its next entry is a VMRESUME. Returns 0, or a
 * negative errno if the VMCS cannot be used here: VMX is off on this
 * CPU (it is going offline), or a lab's stub could not clear it on the
 * other CPU. Inline: it is on the way of every HVLAB_RUN.
 */
static __always_inline int vmcs_make_current(struct hvlab_vcpu *vcpu, int cpu)
{
	int active_on = READ_ONCE(vcpu->vmcs_cpu);
	int ret;

	/*
	 * @cpu is going offline and has left VMX already (vmx.c): the thread
	 * was still queued here, and the scheduler pushes it to another CPU
	 * before it runs again (balance_push()), where the next sched-in
	 * loads the VMCS. VMPTRLD would be #UD.
	 */
	if (unlikely(!hvlab_vmx_on_this_cpu()))
		return -ENODEV;
	if (unlikely(active_on != cpu)) {
		ret = vmcs_make_active_here(vcpu, cpu, active_on);
		if (ret)
			return ret;
	}
	/* Another vCPU's VMCS may have been current here since. */
	if (vmx_vmptrld(vcpu->vmcs_pa)) {
		/* Cannot happen with VMX on. */
		pr_err(HVLAB_MSG_PREFIX "VMPTRLD failed on CPU %d\n", cpu);
		return -EIO;
	}
	return 0;
}

/*
 * A load was refused (a lab's stub): the VMCS current here is another
 * vCPU's, and a stray VMWRITE of the run loop, preempted before it could
 * see the refusal, would change that guest. Clear it, as its thread's
 * move to another CPU would: then no VMCS is current here (SDM 31.3,
 * VMCLEAR), such a VMWRITE fails harmlessly, and that vCPU's next entry
 * is a VMLAUNCH. Preemption off.
 */
static noinline void vmcs_leave_none_current(void)
{
	struct hvlab_vcpu *other;
	u64 current_pa;

	if (!hvlab_vmx_on_this_cpu())
		return;		/* no VMCS at all */
	asm volatile("vmptrst %0" : "=m" (current_pa));
	if (current_pa == ~0ULL)
		return;
	local_irq_disable();
	list_for_each_entry(other, this_cpu_ptr(&active_vmcss), active_vmcs_link) {
		if (other->vmcs_pa == current_pa) {
			vmcs_clear_here(other);
			break;
		}
	}
	local_irq_enable();
}

/* For register access outside HVLAB_RUN (vcpu.c) */
int hvlab_vmcs_make_current(struct hvlab_vcpu *vcpu, int cpu)
{
	return vmcs_make_current(vcpu, cpu);
}

/*
 * Before the vCPU's VMCS page is freed: clear it wherever it is active,
 * or that CPU could write its cached copy over memory that is no longer
 * the VMCS's. Interrupts on. A CPU that went offline cleared its own
 * (vmx.c), and smp_call_function_single() then does nothing.
 */
static void vmcs_clear_before_free(struct hvlab_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->vmcs_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_here, vcpu, 1);
}

#define MSR_X2APIC_TPR		0x808	/* never loadable by VM entry (SDM 27.4) */

int hvlab_vmcs_alloc(struct hvlab_vcpu *vcpu)
{
	/*
	 * First, before anything can fail: the vCPU is zeroed, and a
	 * vmcs_cpu of 0 would send hvlab_vmcs_free() to clear it on CPU 0.
	 */
	vcpu->cpu = -1;
	vcpu->vmcs_cpu = -1;
	vcpu->last_cpu = -1;
	vcpu->host_state_cpu = -1;
	vcpu->vmcs = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->vmcs)
		return -ENOMEM;
	atomic_long_inc(&hvlab_pages.vmcs);
	if (boot_cpu_has(X86_FEATURE_RDTSCP)) {
		vcpu->msr_lists = kzalloc(sizeof(*vcpu->msr_lists), GFP_KERNEL_ACCOUNT);
		if (!vcpu->msr_lists) {
			hvlab_vmcs_free(vcpu);
			return -ENOMEM;
		}
		vcpu->msr_lists->entry_load[0].index = MSR_TSC_AUX;
		vcpu->msr_lists->entry_load[0].value = vcpu->id;
		vcpu->msr_lists->entry_load[1].index = MSR_X2APIC_TPR;
		vcpu->msr_lists->exit_load[0].index = MSR_TSC_AUX;
		set_bit(HVLAB_ENTRY_MSR_LISTS, &vcpu->entry_work);	/* the first entry sets the counts */
	}
	/* SDM 25.2: software writes the revision identifier, nothing else. */
	*(u32 *)vcpu->vmcs = vmx_config.caps.revision_id;
	vcpu->vmcs_pa = __pa(vcpu->vmcs);
	return 0;
}

void hvlab_vmcs_free(struct hvlab_vcpu *vcpu)
{
	if (vcpu->vmcs) {
		vmcs_clear_before_free(vcpu);
		atomic_long_dec(&hvlab_pages.vmcs);
	}
	free_page((unsigned long)vcpu->vmcs);
	vcpu->vmcs = NULL;
	kfree(vcpu->msr_lists);
	vcpu->msr_lists = NULL;
}

/*
 * The MSR-load lists (SDM 25.7.2, 25.8.2): VM entry loads the guest's
 * TSC_AUX, VM exit the host's, which Linux sets per CPU (vgetcpu), so it
 * is refreshed whenever the VMCS is loaded on a CPU. Loading an MSR costs
 * time on every entry and exit, so the lists are used only while the two
 * values differ. Called before a VM entry when one of them may have
 * changed (HVLAB_ENTRY_MSR_LISTS: a new vCPU, a new CPU, a WRMSR of
 * TSC_AUX), with the VMCS current and interrupts off: the sched-in that
 * sets the bit cannot come between the look and the VMWRITEs.
 */
void hvlab_vmcs_update_msr_lists(struct hvlab_vcpu *vcpu)
{
	struct hvlab_msr_lists *lists = vcpu->msr_lists;
	u32 count;

	if (!lists)
		return;
	/* Done, unless a test injects the fault: look again until it stops */
	if (!fault_msr_load)
		clear_bit(HVLAB_ENTRY_MSR_LISTS, &vcpu->entry_work);
	count = fault_msr_load ? 2 : lists->entry_load[0].value != lists->exit_load[0].value;
	if (count == vcpu->msr_load_count)
		return;
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, count);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, count ? 1 : 0);
	vcpu->msr_load_count = count;
}

/* After a VM entry that failed on the MSR-load list: the host's TSC_AUX back. */
void hvlab_vmcs_restore_host_msrs(struct hvlab_vcpu *vcpu)
{
	if (vcpu->msr_lists)
		wrmsrl(MSR_TSC_AUX, vcpu->msr_lists->exit_load[0].value);
}

/* The base of this CPU's TSS, read back from its 16-byte GDT descriptor. */
/* Host state that is the same on every CPU and for every task. SDM 25.5 */
static void vmcs_write_host_constant_state(struct hvlab_vcpu *vcpu)
{
	/* LAB 2 BEGIN vmcs_write_host_constant_state: the host state every CPU shares (SDM 25.5) */
	u64 msr;

	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_write16(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(HOST_SS_SELECTOR, __KERNEL_DS);
	/*
	 * 64-bit Linux runs with null DS/ES/FS/GS selectors in the kernel;
	 * FS and GS bases come from the base fields below (SDM 28.5.2).
	 */
	vmcs_write16(HOST_DS_SELECTOR, 0);
	vmcs_write16(HOST_ES_SELECTOR, 0);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(HOST_IA32_SYSENTER_CS, msr);
	rdmsrl(MSR_IA32_CR_PAT, msr);
	vmcs_write64(HOST_IA32_PAT, msr);
	rdmsrl(MSR_EFER, msr);
	vmcs_write64(HOST_IA32_EFER, msr);
	/* Where the CPU resumes the host after every VM exit: entry.S */
	vmcs_writel(HOST_RIP, (unsigned long)hvlab_vmx_exit_landing);
	/* LAB 2 END */
	/* LAB 2 STUB: hvlab_todo_exit(vcpu, 2, __func__); */
}

/*
 * Host state that depends on the CPU (GDT, IDT, TSS, per-CPU GS base,
 * SYSENTER stack): written when the vCPU's thread lands on a CPU other
 * than the one these fields were written for. A VMCLEARed VMCS keeps its
 * fields, so on the same CPU they are still right; KVM does the same.
 * CR3 and CR4 are checked before every entry (vcpu.c).
 */
static void vmcs_write_host_cpu_state(struct hvlab_vcpu *vcpu)
{
	/* LAB 2 BEGIN vmcs_write_host_cpu_state: the host state of this CPU (SDM 25.5) */
	const struct ldttss_desc *tss;
	struct desc_ptr gdt;
	u64 msr;
	u16 tr;

	native_store_gdt(&gdt);
	vmcs_writel(HOST_GDTR_BASE, gdt.address);
	vmcs_writel(HOST_IDTR_BASE, vcpu->host_idt.address);
	/* TR's base is in the TSS descriptor it selects, 16 bytes in 64-bit mode */
	asm volatile("str %0" : "=r" (tr));
	tss = (const struct ldttss_desc *)(gdt.address + (tr & ~7));
	vmcs_writel(HOST_TR_BASE, tss->base0 | ((unsigned long)tss->base1 << 16) |
		    ((unsigned long)tss->base2 << 24) | ((unsigned long)tss->base3 << 32));
	rdmsrl(MSR_GS_BASE, msr);
	vmcs_writel(HOST_GS_BASE, msr);
	rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, msr);
	vcpu->host_cr3 = __read_cr3();
	vmcs_writel(HOST_CR3, vcpu->host_cr3);
	vcpu->host_cr4 = __read_cr4();
	vmcs_writel(HOST_CR4, vcpu->host_cr4);
	/* LAB 2 END */
	/* LAB 2 STUB: hvlab_todo_exit(vcpu, 2, __func__); */
}

/* The VM-execution, exit and entry controls of a new VMCS (SDM 25.6-25.8) */
static void vmcs_write_controls(struct hvlab_vcpu *vcpu)
{
	/* LAB 2 BEGIN vmcs_write_controls: hvlab's controls, and what they point at (SDM 25.6-25.8) */
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, vmx_config.pin_ctls);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, vmx_config.proc_ctls);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, vmx_config.proc_ctls2);
	vmcs_write32(VM_EXIT_CONTROLS, vmx_config.exit_ctls);
	vmcs_write32(VM_ENTRY_CONTROLS, vmx_config.entry_ctls);
	/* The guest handles its own faults; hvlab watches #DB, #AC, #MC (hvlab.h). */
	vmcs_write32(EXCEPTION_BITMAP, HVLAB_HOST_EXCEPTION_BITMAP);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	if (vcpu->msr_lists) {
		vmcs_write64(VM_ENTRY_MSR_LOAD_ADDR, __pa(vcpu->msr_lists->entry_load));
		vmcs_write64(VM_EXIT_MSR_LOAD_ADDR, __pa(vcpu->msr_lists->exit_load));
		vcpu->msr_load_count = 0;	/* hvlab_vmcs_update_msr_lists() decides */
	}
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (vmx_config.preemption_timer_value)
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, vmx_config.preemption_timer_value);
	vmcs_write64(EPT_POINTER, vcpu->vm->ept.eptp);
	vmcs_writel(CR0_GUEST_HOST_MASK, vmx_config.cr0_guest_host_mask);
	vmcs_writel(CR4_GUEST_HOST_MASK, vmx_config.cr4_guest_host_mask);
	if (vmx_config.proc_ctls & PROC_USE_MSR_BITMAPS)
		vmcs_write64(MSR_BITMAP, hvlab_msr_bitmap_pa());
	/* LAB 2 END */
	/* LAB 2 STUB: hvlab_todo_exit(vcpu, 2, __func__); */
}

/*
 * The intercepts userspace asked for (HVLAB_SET_INTERCEPTS) on top of
 * hvlab's own: the exception bitmap (SDM 25.6.3), RDTSC, PAUSE and INVLPG
 * exiting, and the TSC offset (SDM 25.6.5, 26.3). The VMCS must be
 * current. -EOPNOTSUPP if this CPU cannot intercept what was asked.
 */
int hvlab_vmcs_set_intercepts(struct hvlab_vcpu *vcpu, const struct hvlab_intercepts *in)
{
	u32 may_be_one = vmx_config.caps.procbased_ctls >> 32;
	u32 may_be_one2 = vmx_config.caps.procbased_ctls2 >> 32;
	u32 proc = vmx_config.proc_ctls, proc2 = vmx_config.proc_ctls2;
	unsigned long cr0 = hvlab_vmcs_read_guest_cr0();

	if (in->flags & HVLAB_INTERCEPT_RDTSC)
		proc |= PROC_RDTSC_EXITING;
	if (in->flags & HVLAB_INTERCEPT_PAUSE)
		proc |= PROC_PAUSE_EXITING;
	if (in->flags & HVLAB_INTERCEPT_INVLPG)	/* and INVPCID (SDM 26.1.3) */
		proc |= PROC_INVLPG_EXITING;
	if (in->flags & HVLAB_INTERCEPT_CR3)
		proc |= PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING;
	if (in->flags & HVLAB_INTERCEPT_MTF)
		proc |= PROC_MONITOR_TRAP_FLAG;
	if (in->flags & HVLAB_INTERCEPT_MSR)
		proc &= ~PROC_USE_MSR_BITMAPS;
	if (in->flags & HVLAB_INTERCEPT_RDRAND)
		proc2 |= PROC2_RDRAND_EXITING | PROC2_RDSEED_EXITING;
	if (in->flags & HVLAB_INTERCEPT_DESC)
		proc2 |= PROC2_DESCRIPTOR_TABLE_EXITING;
	/* With the TPR shadow, CR8 reads and writes use the virtual APIC page. */
	if (in->flags & HVLAB_INTERCEPT_TPR)
		proc = (proc | PROC_USE_TPR_SHADOW) &
		       ~(PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING);
	if (in->flags & HVLAB_INTERCEPT_APIC)
		proc2 |= PROC2_VIRTUALIZE_APIC;
	/*
	 * PAUSE-loop exiting (SDM 26.1.3): PAUSEs less than PLE_GAP ticks
	 * apart form a loop; one that spins past PLE_WINDOW ticks exits. The
	 * values are KVM's defaults.
	 */
	if (in->flags & HVLAB_INTERCEPT_PAUSE_LOOP) {
		proc2 |= PROC2_PAUSE_LOOP_EXITING;
		vmcs_write32(PLE_GAP, 128);
		vmcs_write32(PLE_WINDOW, 4096);
	}
	if (in->tsc_offset)
		proc |= PROC_USE_TSC_OFFSETTING;
	/* Window exits belong to queued events (events.c), PML to the dirty log: keep them. */
	proc |= vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) &
		(PROC_INTERRUPT_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING);
	proc2 |= vmcs_read32(SECONDARY_VM_EXEC_CONTROL) & PROC2_ENABLE_PML;
	/* Every control must be one the CPU allows (SDM A.3): 1s and 0s alike. */
	if ((proc & ~may_be_one) || (proc2 & ~may_be_one2) ||
	    ((u32)vmx_config.caps.procbased_ctls & ~proc))
		return -EOPNOTSUPP;
	/* Mapped by the caller, which may sleep (vcpu.c): here preemption is off. */
	if (proc2 & PROC2_VIRTUALIZE_APIC) {
		if (!vcpu->vm->apic_access_page)
			return -EINVAL;
		vmcs_write64(APIC_ACCESS_ADDR, page_to_phys(vcpu->vm->apic_access_page));
	}
	/* The TPR moves between the vCPU and the virtual APIC page (SDM 29.1.1). */
	if ((proc ^ vmcs_read32(CPU_BASED_VM_EXEC_CONTROL)) & PROC_USE_TPR_SHADOW) {
		if (proc & PROC_USE_TPR_SHADOW)
			vcpu->virtual_apic_page[0x80] = vcpu->tpr << 4;
		else
			vcpu->tpr = vcpu->virtual_apic_page[0x80] >> 4;
	}
	vmcs_write64(VIRTUAL_APIC_PAGE_ADDR, __pa(vcpu->virtual_apic_page));
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write32(EXCEPTION_BITMAP, in->exception_bitmap | HVLAB_HOST_EXCEPTION_BITMAP);
	vmcs_write64(TSC_OFFSET, in->tsc_offset);
	/*
	 * HVLAB_INTERCEPT_CR0 makes every CR0 bit host-owned, so that each
	 * change, CLTS and LMSW exit (SDM 26.1.3). The guest's CR0 is carried
	 * over into the read shadow before the mask changes.
	 */
	vmcs_writel(CR0_GUEST_HOST_MASK, in->flags & HVLAB_INTERCEPT_CR0 ? ~0UL :
		    vmx_config.cr0_guest_host_mask);
	hvlab_vmcs_write_guest_cr0(cr0);
	return 0;
}

/*
 * The guest's CR0/CR4 as the CPU runs them: the guest's value with the
 * VMX-fixed bits forced (SDM A.7, A.8). The guest reads its own value
 * back from the read shadow.
 */
void hvlab_vmcs_write_guest_cr0(unsigned long cr0)
{
	const struct hvlab_vmx_caps *caps = &vmx_config.caps;
	unsigned long fixed0 = caps->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmcs_writel(CR0_READ_SHADOW, cr0);
	cr0 = (cr0 | fixed0) & caps->cr0_fixed1 & ~(X86_CR0_CD | X86_CR0_NW);
	vmcs_writel(GUEST_CR0, cr0);
}

/* CR0/CR4 as the guest sees them: host-owned bits come from the shadow. */
unsigned long hvlab_vmcs_read_guest_cr0(void)
{
	unsigned long mask = vmcs_readl(CR0_GUEST_HOST_MASK);

	return (vmcs_readl(GUEST_CR0) & ~mask) | (vmcs_readl(CR0_READ_SHADOW) & mask);
}

unsigned long hvlab_vmcs_read_guest_cr4(void)
{
	unsigned long mask = vmx_config.cr4_guest_host_mask;

	return (vmcs_readl(GUEST_CR4) & ~mask) | (vmcs_readl(CR4_READ_SHADOW) & mask);
}

/*
 * May userspace (SET_SREGS, SET_VMCS) give the guest this CR4? Not a bit
 * the CPU would take but hvlab keeps from guests (PKE, CET, ...: see
 * HVLAB_CR4_GUEST_BITS). A bit the CPU refuses is fine: VM entry fails,
 * which is a lesson, not a danger.
 */
bool hvlab_cr4_allowed(u64 cr4)
{
	const struct hvlab_vmx_caps *caps = &vmx_config.caps;

	return !(cr4 & caps->cr4_fixed1 & ~caps->cr4_fixed0 & ~vmx_config.cr4_guest_bits);
}

void hvlab_vmcs_write_guest_cr4(unsigned long cr4)
{
	const struct hvlab_vmx_caps *caps = &vmx_config.caps;

	vmcs_writel(CR4_READ_SHADOW, cr4);
	vmcs_writel(GUEST_CR4, (cr4 | caps->cr4_fixed0) & caps->cr4_fixed1);
}

/* Guest-state field encodings of one segment register (SDM B.1.2-B.4.3) */
struct vmcs_segment_fields {
	u16 selector, limit, access_rights, base;
};

#define SEG_FIELDS(seg) { GUEST_##seg##_SELECTOR, GUEST_##seg##_LIMIT, \
			  GUEST_##seg##_AR_BYTES, GUEST_##seg##_BASE }

enum { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SEG_TR, SEG_LDTR, SEG_COUNT };

static const struct vmcs_segment_fields segment_fields[SEG_COUNT] = {
	[SEG_CS] = SEG_FIELDS(CS), [SEG_DS] = SEG_FIELDS(DS),
	[SEG_ES] = SEG_FIELDS(ES), [SEG_FS] = SEG_FIELDS(FS),
	[SEG_GS] = SEG_FIELDS(GS), [SEG_SS] = SEG_FIELDS(SS),
	[SEG_TR] = SEG_FIELDS(TR), [SEG_LDTR] = SEG_FIELDS(LDTR),
};

static struct hvlab_segment *sregs_segment(struct hvlab_sregs *s, int seg)
{
	struct hvlab_segment *order[SEG_COUNT] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldtr
	};

	return order[seg];
}

void hvlab_vmcs_get_sregs(struct hvlab_sregs *sregs)
{
	int i;

	for (i = 0; i < SEG_COUNT; i++) {
		const struct vmcs_segment_fields *f = &segment_fields[i];
		struct hvlab_segment *seg = sregs_segment(sregs, i);

		seg->selector = __vmcs_read(f->selector);
		seg->limit = __vmcs_read(f->limit);
		seg->access_rights = __vmcs_read(f->access_rights);
		seg->base = __vmcs_read(f->base);
	}
	sregs->gdt.base = vmcs_readl(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr0 = hvlab_vmcs_read_guest_cr0();
	sregs->cr4 = hvlab_vmcs_read_guest_cr4();
	sregs->cr3 = vmcs_readl(GUEST_CR3);
	sregs->efer = vmcs_read64(GUEST_IA32_EFER);
}

void hvlab_vmcs_set_sregs(const struct hvlab_sregs *sregs)
{
	u32 entry_ctls = vmx_config.entry_ctls;
	int i;

	for (i = 0; i < SEG_COUNT; i++) {
		const struct vmcs_segment_fields *f = &segment_fields[i];
		const struct hvlab_segment *seg =
			sregs_segment((struct hvlab_sregs *)sregs, i);

		__vmcs_write(f->selector, seg->selector);
		__vmcs_write(f->limit, seg->limit);
		__vmcs_write(f->access_rights, seg->access_rights);
		__vmcs_write(f->base, seg->base);
	}
	vmcs_writel(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write32(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_writel(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write32(GUEST_IDTR_LIMIT, sregs->idt.limit);
	hvlab_vmcs_write_guest_cr0(sregs->cr0);
	hvlab_vmcs_write_guest_cr4(sregs->cr4);
	vmcs_writel(GUEST_CR3, sregs->cr3);
	vmcs_write64(GUEST_IA32_EFER, sregs->efer);
	/* SDM 27.3.1.1: "IA-32e mode guest" must equal EFER.LMA. */
	if (sregs->efer & EFER_LMA)
		entry_ctls |= ENTRY_CTL_IA32E_MODE_GUEST;
	vmcs_write32(VM_ENTRY_CONTROLS, entry_ctls);
}

/* The state of an x86 CPU after RESET (SDM 10.1.1), in real mode. */
static void vmcs_write_guest_reset_state(struct hvlab_vcpu *vcpu)
{
	/* LAB 2 BEGIN vmcs_write_guest_reset_state: a CPU just after RESET, in real mode (SDM 10.1.1, 27.3.1) */
	struct hvlab_sregs sregs = {};
	int i;

	for (i = 0; i < SEG_COUNT; i++) {
		struct hvlab_segment *seg = sregs_segment(&sregs, i);

		seg->limit = 0xffff;
		seg->access_rights = AR_DATA_RESET;
	}
	sregs.cs.selector = 0xf000;
	sregs.cs.base = 0xffff0000;
	sregs.cs.access_rights = AR_CODE_RESET;
	sregs.ldtr.access_rights = AR_LDTR_RESET;
	sregs.tr.access_rights = AR_TR_RESET;
	sregs.gdt.limit = 0xffff;
	sregs.idt.limit = 0xffff;
	/* Caches disabled until the BIOS turns them on: CD, NW, ET (SDM Table 10-1) */
	sregs.cr0 = X86_CR0_CD | X86_CR0_NW | X86_CR0_ET;
	hvlab_vmcs_set_sregs(&sregs);

	vmcs_writel(GUEST_RIP, 0xfff0);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_writel(GUEST_DR7, DR7_RESET);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write64(GUEST_IA32_PAT, PAT_RESET_VALUE);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	/* No shadow VMCS: the link pointer must be all ones (SDM 27.3.1.5). */
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
	/* LAB 2 END */
	/* LAB 2 STUB: hvlab_todo_exit(vcpu, 2, __func__); */
}

/* Fill a fresh VMCS. The VMCS must be current (hvlab_vmcs_load). */
int hvlab_vmcs_setup(struct hvlab_vcpu *vcpu)
{
	unsigned int errors = this_cpu_read(vmcs_access_errors);

	vmcs_write_controls(vcpu);
	hvlab_pml_setup_vmcs(vcpu);
	if (vmx_config.proc_ctls2 & PROC2_ENABLE_VPID)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	vmcs_write_host_constant_state(vcpu);
	vmcs_write_host_cpu_state(vcpu);
	vmcs_write_guest_reset_state(vcpu);
	if (this_cpu_read(vmcs_access_errors) != errors) {
		pr_err(HVLAB_MSG_PREFIX "VMWRITE failed while setting up a VMCS (VM-instruction error %u)\n",
		       vmcs_read32(VM_INSTRUCTION_ERROR));
		return -EIO;
	}
	return 0;
}

/*
 * What VM exit does to the host's segment state and does not undo
 * (SDM 28.5.2): DS, ES, FS and GS get the VMCS's null selectors, LDTR
 * becomes unusable, and the GDT and IDT limits become 0xffff, the TR
 * limit 0x67. A 64-bit process runs with null data selectors, but a
 * 32-bit one has __USER_DS in DS and ES and its TLS selector in GS, and
 * any process may have an LDT (modify_ldt). Saved when the vCPU is
 * loaded, given back when it is put: before the thread can return to
 * userspace or another task can run here.
 */
static void vmcs_save_host_segments(struct hvlab_vcpu *vcpu)
{
	struct hvlab_host_segments *h = &vcpu->host_segments;
	u64 fs_base;

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	store_ldt(h->ldt);
	store_idt(&vcpu->host_idt);
	/* The task's, whatever the selector: VM entry checks it is canonical. */
	rdmsrl(MSR_FS_BASE, fs_base);
	vmcs_writel(HOST_FS_BASE, fs_base);
}

static void vmcs_restore_host_segments(struct hvlab_vcpu *vcpu)
{
	const struct hvlab_host_segments *h = &vcpu->host_segments;

	/* The GDT's limit first: the selectors below are looked up in it. */
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
	load_idt(&vcpu->host_idt);
	if (unlikely(h->ds | h->es | h->fs | h->gs | h->ldt)) {
		/*
		 * The LDT first, for selectors that point into it. Its
		 * descriptor is in the GDT: LLDT looks it up again.
		 */
		if (h->ldt)
			asm volatile("lldt %0" : : "rm" (h->ldt));
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
		/* Reloading a selector reloads the base from its descriptor. */
		if (h->fs)
			loadsegment(fs, h->fs);
		if (h->gs)
			load_gs_index(h->gs);
	}
}

/*
 * A #DB delivered in the guest would set bits in the real DR6, and VM
 * exit does not undo them. Left there, the host's next #DB (a watchpoint,
 * ptrace) would read them as its own and send a spurious SIGTRAP. Every
 * #DB exits first now (hvlab.h), which leaves DR6 alone; this clears it
 * as the vCPU leaves the CPU all the same, should a student's lab tree
 * (its exception bitmap is lab 2's) let one through.
 */
static void vmcs_clear_guest_dr6(void)
{
	unsigned long dr6;

	get_debugreg(dr6, 6);
	if (dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
}

const u32 hvlab_syscall_msrs[HVLAB_NR_SYSCALL_MSRS] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK
};

/*
 * The guest's SYSCALL MSRs go into the CPU for as long as the vCPU's
 * thread runs here in the kernel, which never executes SYSCALL; the
 * host's come back before anything else can run on this CPU (put, or
 * sched-out). Otherwise a guest SYSCALL would enter at the host kernel's
 * entry point, in the guest's address space, and its #PF would tell the
 * guest where the host kernel lives (KASLR).
 *
 * Only a guest with EFER.SCE can execute SYSCALL (else #UD), and it
 * reads and writes these MSRs only through exits (msr.c): for any other
 * guest, the real MSRs may stay the host's, which saves eight MSR
 * accesses on every return to userspace.
 */
void hvlab_vmcs_load_guest_syscall_msrs(struct hvlab_vcpu *vcpu)
{
	int i;

	/* Not preempted half-way: sched-out must see the flag and the MSRs agree. */
	preempt_disable();
	if (!vcpu->syscall_msrs_loaded) {
		for (i = 0; i < HVLAB_NR_SYSCALL_MSRS; i++)
			wrmsrl(hvlab_syscall_msrs[i], vcpu->guest_syscall_msrs[i]);
		vcpu->syscall_msrs_loaded = true;
	}
	preempt_enable();
}

/* The host's values were read when VMX came on for this CPU (vmx.c). */
static void vmcs_put_guest_syscall_msrs(struct hvlab_vcpu *vcpu)
{
	int i;

	for (i = 0; i < HVLAB_NR_SYSCALL_MSRS; i++)
		wrmsrl(hvlab_syscall_msrs[i], this_cpu_read(hvlab_host_syscall_msrs[i]));
	vcpu->syscall_msrs_loaded = false;
}

/*
 * The host's TSC_AUX names its CPU (RDTSCP and RDPID read it), so the
 * VM-exit MSR-load list, which gives the host its own back after the
 * guest's, must hold this CPU's.
 */
static void vmcs_set_host_tsc_aux(struct hvlab_vcpu *vcpu)
{
	u64 host_tsc_aux;

	if (!vcpu->msr_lists)
		return;
	rdmsrl(MSR_TSC_AUX, host_tsc_aux);
	if (host_tsc_aux != vcpu->msr_lists->exit_load[0].value) {
		vcpu->msr_lists->exit_load[0].value = host_tsc_aux;
		set_bit(HVLAB_ENTRY_MSR_LISTS, &vcpu->entry_work);
	}
}

/*
 * The vCPU's thread runs on @cpu now, and the VMCS's host state was
 * written for another CPU. The VMCS itself moved already: it was
 * cleared on the old CPU (vmcs_clear_on_its_cpu(), or that CPU's
 * teardown) and VMPTRLDed here, so its next entry is a VMLAUNCH
 * (SDM 25.11.1, 25.11.3). What the VMCS cannot know is that "the host" is now another CPU, with
 * its own GDT, TSS, per-CPU GS base and SYSENTER stack: the next VM exit
 * would load the old CPU's, and the host would run on another CPU's
 * stack and per-CPU data. Reached only when a thread changes CPU, which
 * one CPU never does.
 */
static void vmcs_move_to_cpu(struct hvlab_vcpu *vcpu, int cpu)
{
	/* LAB 8 BEGIN vmcs_move_to_cpu: the VMCS follows its thread to another CPU: the host state of this CPU, its TSC_AUX, a migration counted (SDM 25.5.2, 25.11.1) */
	vmcs_write_host_cpu_state(vcpu);
	vmcs_set_host_tsc_aux(vcpu);
	vcpu->host_state_cpu = cpu;
	vcpu->cpu_migrations++;
	/* LAB 8 END */
	/* LAB 8 STUB: hvlab_todo_exit(vcpu, 8, __func__); */
}

/*
 * Make the vCPU's VMCS current on @cpu, the CPU we are running on, with
 * preemption disabled. Also swaps in the guest's IA32_KERNEL_GS_BASE
 * and SYSCALL MSRs, which VM entry and exit do not switch, and saves the
 * host's selectors, which VM exit loses; hvlab_vmcs_put() undoes all.
 */
void hvlab_vmcs_load(struct hvlab_vcpu *vcpu, int cpu)
{
	/* If it cannot be used here, vcpu->cpu stays -1: no entry with it. */
	if (unlikely(vmcs_make_current(vcpu, cpu))) {
		vmcs_leave_none_current();
		return;
	}
	/* Entries of its VPID here may be from before a move away, or another vCPU's */
	if (vcpu->last_cpu != cpu)
		hvlab_vcpu_flush_tlb(vcpu);
	WRITE_ONCE(vcpu->cpu, cpu);	/* vm_flush_ept() reads it */
	vcpu->last_cpu = cpu;
	/* Seen by vm_flush_ept() (vm.c), or our INVEPT below sees its changes */
	smp_mb();
	hvlab_spec_vcpu_load(vcpu);
	vmcs_save_host_segments(vcpu);
	if (vcpu->host_state_cpu < 0) {
		/* The first load: everything is this CPU's to begin with */
		vmcs_write_host_cpu_state(vcpu);
		vmcs_set_host_tsc_aux(vcpu);
		vcpu->host_state_cpu = cpu;
	} else if (vcpu->host_state_cpu != cpu) {
		vmcs_move_to_cpu(vcpu, cpu);
	}
	rdmsrl(MSR_KERNEL_GS_BASE, vcpu->host_kernel_gs_base);
	wrmsrl(MSR_KERNEL_GS_BASE, vcpu->guest_kernel_gs_base);
	if (vmcs_read64(GUEST_IA32_EFER) & EFER_SCE)
		hvlab_vmcs_load_guest_syscall_msrs(vcpu);
	/*
	 * A new VM may get an EPT root page that a destroyed VM used, so drop
	 * any translations this CPU cached for that EPTP (SDM 29.4.3.1).
	 */
	hvlab_invept(vcpu->vm->ept.eptp);
}

/*
 * Undo hvlab_vmcs_load: give the host back its state. The VMCS stays
 * active on this CPU, launched, for the thread's next load here; it is
 * cleared only when the thread is loaded on another CPU, or this CPU
 * leaves VMX operation, or the vCPU is freed.
 */
void hvlab_vmcs_put(struct hvlab_vcpu *vcpu)
{
	if (vcpu->cpu < 0)
		return;
	rdmsrl(MSR_KERNEL_GS_BASE, vcpu->guest_kernel_gs_base);
	if (vcpu->syscall_msrs_loaded)
		vmcs_put_guest_syscall_msrs(vcpu);
	WRITE_ONCE(vcpu->cpu, -1);
	vmcs_restore_host_segments(vcpu);
	/* After the GS selector, whose reload set the user GS base too */
	wrmsrl(MSR_KERNEL_GS_BASE, vcpu->host_kernel_gs_base);
	vmcs_clear_guest_dr6();
}
