// SPDX-License-Identifier: GPL-2.0
/*
 * msr.c - the MSRs a guest may use.
 *
 * The MSRs below are the guest's own, kept where VMX keeps them for a
 * guest: in a VMCS guest-state field (EFER, PAT, SYSENTER, FS/GS base,
 * SDM 25.4), in the real MSR while the vCPU is loaded (KERNEL_GS_BASE and
 * the SYSCALL MSRs, vmcs.c swaps them), or derived (the TSC). Every other MSR is #GP, as for
 * an MSR the CPU does not have: the guest never reads or changes the
 * host's.
 *
 * The MSR bitmap (SDM 25.6.9) lets the guest reach the MSRs that VM entry
 * and exit switch anyway (FS/GS base, SYSENTER) and KERNEL_GS_BASE without
 * a VM exit, as KVM does; every other access exits to the handlers here.
 * HVLAB_INTERCEPT_MSR turns the bitmap off, so that every access exits.
 */
#include <linux/gfp.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* One bitmap page shared by all vCPUs; it never changes after module load. */
static unsigned long *msr_bitmap;

/* The MSR bitmap's four 1-KiB quarters (SDM 25.6.9): read low/high, write low/high */
static void msr_bitmap_pass_through(u32 msr)
{
	/* LAB 5 BEGIN msr_bitmap_pass_through: let RDMSR and WRMSR of @msr run without an exit (SDM 25.6.9) */
	unsigned long base = msr >= 0xc0000000 ? 1024 * 8 : 0;
	unsigned long bit = msr & 0x1fff;

	clear_bit(base + bit, msr_bitmap);			/* RDMSR */
	clear_bit(base + 2048 * 8 + bit, msr_bitmap);		/* WRMSR */
	/* LAB 5 END */
	/* LAB 5 STUB: none */
}

int hvlab_msr_bitmap_init(void)
{
	msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!msr_bitmap)
		return -ENOMEM;
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	msr_bitmap_pass_through(MSR_FS_BASE);
	msr_bitmap_pass_through(MSR_GS_BASE);
	msr_bitmap_pass_through(MSR_KERNEL_GS_BASE);
	msr_bitmap_pass_through(MSR_IA32_SYSENTER_CS);
	msr_bitmap_pass_through(MSR_IA32_SYSENTER_ESP);
	msr_bitmap_pass_through(MSR_IA32_SYSENTER_EIP);
	return 0;
}

void hvlab_msr_bitmap_free(void)
{
	free_page((unsigned long)msr_bitmap);
	msr_bitmap = NULL;
}

u64 hvlab_msr_bitmap_pa(void)
{
	return __pa(msr_bitmap);
}

/* EFER bits a guest may set (SDM 2.2.1): SCE, LME, and NXE if the CPU has NX */
#define EFER_WRITABLE	(EFER_SCE | EFER_LME | (boot_cpu_has(X86_FEATURE_NX) ? EFER_NX : 0))

/* (__maybe_unused: lab 5's handout cuts out msr_write(), their only caller) */
static bool __maybe_unused is_canonical(u64 value)
{
	return (u64)((s64)(value << 16) >> 16) == value;
}

/* PAT entries must be valid memory types (SDM 13.12.2): 0, 1, 4, 5, 6, 7. */
static bool __maybe_unused is_valid_pat(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (8 * i);

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

/* STAR, LSTAR, CSTAR and SFMASK are consecutive (SDM Vol. 4, Table 2-2). */
static unsigned int syscall_msr_index(u32 msr)
{
	static_assert(MSR_SYSCALL_MASK - MSR_STAR == HVLAB_NR_SYSCALL_MSRS - 1);
	return msr - MSR_STAR;
}

static int msr_read(struct hvlab_vcpu *vcpu, u32 index, u64 *value)
{
	switch (index) {
	case MSR_EFER:
		*value = vmcs_read64(GUEST_IA32_EFER);
		return 0;
	case MSR_IA32_CR_PAT:
		*value = vmcs_read64(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*value = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*value = vmcs_readl(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*value = vmcs_readl(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_FS_BASE:
		*value = vmcs_readl(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*value = vmcs_readl(GUEST_GS_BASE);
		return 0;
	case MSR_KERNEL_GS_BASE:
		rdmsrl(MSR_KERNEL_GS_BASE, *value);	/* the guest's, while loaded */
		return 0;
	case MSR_IA32_TSC:
		*value = rdtsc() + vcpu->intercepts.tsc_offset;
		return 0;
	case MSR_STAR:		/* the guest's, in the real MSRs while loaded (vmcs.c) */
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
		*value = vcpu->guest_syscall_msrs[syscall_msr_index(index)];
		return 0;
	case MSR_TSC_AUX:	/* the guest's, in the VM-entry MSR-load list (vmcs.c) */
		if (!vcpu->msr_lists)
			return -EINVAL;
		*value = vcpu->msr_lists->entry_load[0].value;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = vcpu->misc_enable;
		return 0;
	case MSR_IA32_UCODE_REV:
		/* A revision in 63:32; never a real one, no microcode to load (as KVM) */
		*value = HVLAB_UCODE_REV;
		return 0;
	case MSR_IA32_APICBASE:	/* the VMM's local APIC (HVLAB_CPU_LAPIC) */
		if (!vcpu->apic_base)
			return -EINVAL;
		*value = vcpu->apic_base;
		return 0;
	case MSR_PLATFORM_INFO:
		/* 15:8 the maximum non-turbo ratio to the 100 MHz bus; no CPUID faulting */
		*value = (u64)(min_t(u32, DIV_ROUND_CLOSEST(tsc_khz, 100000), 0xff)) << 8;
		return 0;
	default:
		return -EINVAL;
	}
}

/* IA32_APIC_BASE changed: the VMM's APIC learns it from the run page. */
void hvlab_vcpu_set_apic_base(struct hvlab_vcpu *vcpu, u64 value)
{
	vcpu->apic_base = value;
	WRITE_ONCE(vcpu->run->apic_base, value);
}

/*
 * WRMSR of the MSRs an OS expects of any PC (cpuid.c says which features
 * imply them): -ENOENT for every other, which msr_write() then takes.
 * IA32_MISC_ENABLE: only fast strings may change; a write that would
 * limit CPUID, disable XD or touch anything else is #GP (-EINVAL).
 * IA32_BIOS_UPDT_TRIG and the revision: accepted, nothing loads.
 * IA32_APIC_BASE (with the VMM's local APIC): the guest may disable it
 * and enable it again (bit 11); the BSP flag is the CPU's; a new base or
 * x2APIC mode (bit 10, not in CPUID) is #GP: the VMM's APIC stays where
 * it is.
 */

static int msr_write_pc(struct hvlab_vcpu *vcpu, u32 index, u64 value)
{
	switch (index) {
	case MSR_IA32_MISC_ENABLE:
		if ((value ^ vcpu->misc_enable) & ~MSR_IA32_MISC_ENABLE_FAST_STRING)
			return -EINVAL;
		vcpu->misc_enable = value;
		return 0;
	case MSR_IA32_APICBASE:
		if (!vcpu->apic_base)
			return -ENOENT;
		if ((value ^ vcpu->apic_base) &
		    ~(MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_BSP))
			return -EINVAL;
		hvlab_vcpu_set_apic_base(vcpu, (vcpu->apic_base & ~MSR_IA32_APICBASE_ENABLE) |
					 (value & MSR_IA32_APICBASE_ENABLE));
		return 0;
	case MSR_IA32_UCODE_REV:	/* Linux writes 0 before it reads */
	case MSR_IA32_UCODE_WRITE:
		return 0;
	default:
		return -ENOENT;
	}
}

static int msr_write(struct hvlab_vcpu *vcpu, u32 index, u64 value)
{
	/* LAB 5 BEGIN msr_write: WRMSR: the guest's MSRs with the CPU's checks, anything else refused (SDM Vol. 4, 2.1) */
	switch (index) {
	case MSR_EFER: {
		u64 old = vmcs_read64(GUEST_IA32_EFER);

		/* LMA follows CR0.PG; LME may not change while paging is on. */
		if (value & ~(EFER_WRITABLE | EFER_LMA))
			return -EINVAL;
		if (((value ^ old) & EFER_LME) &&
		    (hvlab_vmcs_read_guest_cr0() & X86_CR0_PG))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_EFER, (value & ~EFER_LMA) | (old & EFER_LMA));
		/* SYSCALL works from now on: with the guest's MSRs (vmcs.c) */
		if ((value & EFER_SCE) && !vcpu->syscall_msrs_loaded)
			hvlab_vmcs_load_guest_syscall_msrs(vcpu);
		return 0;
	}
	case MSR_IA32_CR_PAT:
		if (!is_valid_pat(value))
			return -EINVAL;
		vmcs_write64(GUEST_IA32_PAT, value);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write32(GUEST_SYSENTER_CS, value);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
		if (!is_canonical(value))
			return -EINVAL;
		if (index == MSR_IA32_SYSENTER_ESP)
			vmcs_writel(GUEST_SYSENTER_ESP, value);
		else if (index == MSR_IA32_SYSENTER_EIP)
			vmcs_writel(GUEST_SYSENTER_EIP, value);
		else if (index == MSR_FS_BASE)
			vmcs_writel(GUEST_FS_BASE, value);
		else if (index == MSR_GS_BASE)
			vmcs_writel(GUEST_GS_BASE, value);
		else
			wrmsrl(MSR_KERNEL_GS_BASE, value);
		return 0;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_SYSCALL_MASK:
		/* SFMASK's bits 63:32 are reserved (SDM Vol. 4, Table 2-2) */
		if (index == MSR_SYSCALL_MASK ? value >> 32 : !is_canonical(value))
			return -EINVAL;
		fallthrough;
	case MSR_STAR:
		vcpu->guest_syscall_msrs[syscall_msr_index(index)] = value;
		if (vcpu->syscall_msrs_loaded)
			wrmsrl(index, value);
		return 0;
	case MSR_TSC_AUX:
		/* bits 63:32 are reserved (SDM Vol. 4, Table 2-2) */
		if (!vcpu->msr_lists || (value >> 32))
			return -EINVAL;
		vcpu->msr_lists->entry_load[0].value = value;
		set_bit(HVLAB_ENTRY_MSR_LISTS, &vcpu->entry_work);	/* VM entry loads it, or not */
		return 0;
	case MSR_IA32_TSC:
		/* Writing the TSC is setting the TSC offset (SDM 26.3). */
		vcpu->intercepts.tsc_offset = value - rdtsc();
		vmcs_write64(TSC_OFFSET, vcpu->intercepts.tsc_offset);
		vmcs_write32(CPU_BASED_VM_EXEC_CONTROL,
			     vmcs_read32(CPU_BASED_VM_EXEC_CONTROL) | PROC_USE_TSC_OFFSETTING);
		return 0;
	default:
		return -EINVAL;
	}
	/* LAB 5 END */
	/* LAB 5 STUB: hvlab_todo_exit(vcpu, 5, __func__); return -EINVAL; */
}

/* RDMSR: ECX selects the MSR, the value comes back in EDX:EAX. */
int hvlab_handle_rdmsr(struct hvlab_vcpu *vcpu)
{
	u64 value;

	/* The CPU gives no qualification: the MSR's index, for traces (abi.md) */
	vcpu->exit.qualification = (u32)vcpu->gprs[GPR_RCX];
	if (msr_read(vcpu, vcpu->gprs[GPR_RCX], &value)) {
		hvlab_stats_count_msr_gp(vcpu, vcpu->gprs[GPR_RCX], false);
		hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_GP, true, 0);
		return 1;
	}
	vcpu->gprs[GPR_RAX] = (u32)value;
	vcpu->gprs[GPR_RDX] = value >> 32;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/* WRMSR: ECX selects the MSR, EDX:EAX is the value. */
int hvlab_handle_wrmsr(struct hvlab_vcpu *vcpu)
{
	u64 value = (u32)vcpu->gprs[GPR_RAX] | (vcpu->gprs[GPR_RDX] << 32);
	u32 index = vcpu->gprs[GPR_RCX];
	int ret;

	vcpu->exit.qualification = index;	/* as for RDMSR */
	ret = msr_write_pc(vcpu, index, value);

	if (ret == -ENOENT)
		ret = msr_write(vcpu, index, value);
	if (ret) {
		hvlab_stats_count_msr_gp(vcpu, index, true);
		hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_GP, true, 0);
		return 1;
	}
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}
