/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcs.h - VMX instructions and VMCS accessors.
 *
 * VMREAD/VMWRITE report failure in RFLAGS (CF = VMfailInvalid, ZF =
 * VMfailValid with the reason in VM_INSTRUCTION_ERROR). A failing access
 * here is a bug in hvlab, not in the guest, so the accessors only count
 * failures; vmcs_setup() checks the count once, like Jailhouse's
 * "ok &= vmcs_write()" idiom.
 */
#ifndef HVLAB_VMCS_H
#define HVLAB_VMCS_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include "vmcs_fields.h"

/* Pin-based VM-execution controls (SDM 25.6.1) */
#define PIN_EXTERNAL_INTERRUPT_EXITING	(1u << 0)
#define PIN_NMI_EXITING			(1u << 3)
#define PIN_VIRTUAL_NMIS		(1u << 5)
#define PIN_PREEMPTION_TIMER		(1u << 6)

/* Primary processor-based VM-execution controls (SDM 25.6.2, Table 25-6) */
#define PROC_INTERRUPT_WINDOW_EXITING	(1u << 2)
#define PROC_USE_TSC_OFFSETTING		(1u << 3)
#define PROC_HLT_EXITING		(1u << 7)
#define PROC_INVLPG_EXITING		(1u << 9)
#define PROC_MWAIT_EXITING		(1u << 10)
#define PROC_RDPMC_EXITING		(1u << 11)
#define PROC_RDTSC_EXITING		(1u << 12)
#define PROC_CR3_LOAD_EXITING		(1u << 15)
#define PROC_CR3_STORE_EXITING		(1u << 16)
#define PROC_CR8_LOAD_EXITING		(1u << 19)
#define PROC_CR8_STORE_EXITING		(1u << 20)
#define PROC_USE_TPR_SHADOW		(1u << 21)
#define PROC_NMI_WINDOW_EXITING		(1u << 22)
#define PROC_MOV_DR_EXITING		(1u << 23)
#define PROC_UNCONDITIONAL_IO_EXITING	(1u << 24)
#define PROC_USE_IO_BITMAPS		(1u << 25)
#define PROC_MONITOR_TRAP_FLAG		(1u << 27)
#define PROC_USE_MSR_BITMAPS		(1u << 28)
#define PROC_MONITOR_EXITING		(1u << 29)
#define PROC_PAUSE_EXITING		(1u << 30)
#define PROC_ACTIVATE_SECONDARY		(1u << 31)

/* Secondary processor-based VM-execution controls (SDM 25.6.2, Table 25-7) */
#define PROC2_VIRTUALIZE_APIC		(1u << 0)
#define PROC2_ENABLE_EPT		(1u << 1)
#define PROC2_DESCRIPTOR_TABLE_EXITING	(1u << 2)
#define PROC2_ENABLE_RDTSCP		(1u << 3)
#define PROC2_ENABLE_VPID		(1u << 5)
#define PROC2_WBINVD_EXITING		(1u << 6)
#define PROC2_UNRESTRICTED_GUEST	(1u << 7)
#define PROC2_PAUSE_LOOP_EXITING	(1u << 10)
#define PROC2_RDRAND_EXITING		(1u << 11)
#define PROC2_ENABLE_INVPCID		(1u << 12)
#define PROC2_RDSEED_EXITING		(1u << 16)
#define PROC2_ENABLE_PML		(1u << 17)
#define PROC2_ENABLE_XSAVES		(1u << 20)

/* VM-exit controls (SDM 25.7.1) */
#define EXIT_CTL_SAVE_DEBUG_CONTROLS	(1u << 2)
#define EXIT_CTL_HOST_ADDR_SPACE_SIZE	(1u << 9)
#define EXIT_CTL_ACK_INTERRUPT_ON_EXIT	(1u << 15)
#define EXIT_CTL_SAVE_IA32_PAT		(1u << 18)
#define EXIT_CTL_LOAD_IA32_PAT		(1u << 19)
#define EXIT_CTL_SAVE_IA32_EFER		(1u << 20)
#define EXIT_CTL_LOAD_IA32_EFER		(1u << 21)

/* VM-entry controls (SDM 25.8.1) */
#define ENTRY_CTL_LOAD_DEBUG_CONTROLS	(1u << 2)
#define ENTRY_CTL_IA32E_MODE_GUEST	(1u << 9)
#define ENTRY_CTL_LOAD_IA32_PAT		(1u << 14)
#define ENTRY_CTL_LOAD_IA32_EFER	(1u << 15)

/* Guest non-register state (SDM 25.4.2): interruptibility (Table 25-3) */
#define BLOCKING_BY_STI		(1u << 0)
#define BLOCKING_BY_MOV_SS	(1u << 1)
#define BLOCKING_BY_NMI		(1u << 3)
/* activity state */
#define ACTIVITY_ACTIVE		0
#define ACTIVITY_HLT		1
#define ACTIVITY_SHUTDOWN	2
#define ACTIVITY_WAIT_SIPI	3
/* pending debug exceptions (Table 25-4): a single-step trap waits */
#define PENDING_DBG_BS		(1ULL << 14)

/* DR7 with no breakpoint enabled: bit 10 reads as 1 (SDM 19.2.4) */
#define DR7_RESET		0x400UL
#define DR7_GD			(1ULL << 13)	/* general detect (SDM 19.2.4) */
#define DR7_ENABLE_BITS		0xffULL		/* L0-L3, G0-G3 */
#define DR7_WRITABLE		0xffff2bffULL	/* all but the reserved bits 10, 12, 14, 15 */
#define DR6_RESET		0xffff0ff0ULL	/* SDM 19.2.3: these bits read as 1 */
#define DR6_TRAP_BITS		0xfULL		/* B0-B3: which breakpoint hit */
#define DR6_BS			(1ULL << 14)	/* a single step */

/* EPT-violation qualification (SDM 28.2.1, Table 28-7): the linear address */
#define EPT_QUAL_GLA_VALID	(1ULL << 7)
#define EPT_QUAL_GLA_TRANSLATED	(1ULL << 8)	/* with bit 7; 0: a paging-structure entry */

/* Access-rights bits of a segment (SDM 25.4.1, Table 25-2) */
#define VMX_AR_L		(1u << 13)	/* CS: 64-bit code */
#define VMX_AR_DB		(1u << 14)	/* CS: 32-bit default operand size */

/* Exit qualification for I/O instructions (SDM 28.2.1, Table 28-5) */
#define IO_QUAL_SIZE_MASK		0x7ULL		/* size - 1 */
#define IO_QUAL_IN			(1ULL << 3)
#define IO_QUAL_STRING			(1ULL << 4)
#define IO_QUAL_PORT_SHIFT		16

/* Exit-information field formats (SDM 25.9.2, 28.2.2) */
#define INTR_INFO_VECTOR_MASK		0xffu
#define INTR_INFO_TYPE_SHIFT		8
#define INTR_INFO_TYPE_MASK		(7u << INTR_INFO_TYPE_SHIFT)
#define INTR_TYPE_EXT_INTR		0
#define INTR_TYPE_NMI			2
#define INTR_TYPE_HARD_EXCEPTION	3
#define INTR_TYPE_SOFT_INTR		4	/* INT n */
#define INTR_TYPE_PRIV_SOFT_EXCEPTION	5	/* INT1 */
#define INTR_TYPE_SOFT_EXCEPTION	6	/* INT3, INTO */
#define INTR_INFO_DELIVER_CODE		(1u << 11)
#define INTR_INFO_UNBLOCK_NMI		(1u << 12)	/* exit info: IRET unblocked NMIs */
#define INTR_INFO_VALID			(1u << 31)
/* Bits of IDT-vectoring information that VM entry accepts back (SDM 27.2.1.3) */
#define IDT_VECTORING_REINJECT_MASK	(INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | \
					 INTR_INFO_TYPE_MASK | INTR_INFO_VECTOR_MASK)

/* The VMX instructions, in the order a hypervisor uses them. */
static inline int vmx_vmxon(u64 phys)
{
	asm goto("vmxon %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline void vmx_vmxoff(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
}

static inline int vmx_vmclear(u64 phys)
{
	asm goto("vmclear %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

static inline int vmx_vmptrld(u64 phys)
{
	asm goto("vmptrld %[pa]\n\t"
		 "jbe %l[fail]\n\t"
		 : : [pa] "m" (phys) : "cc", "memory" : fail);
	return 0;
fail:
	return -EIO;
}

#define INVEPT_SINGLE_CONTEXT	1UL
#define INVEPT_ALL_CONTEXTS	2UL

/* Drop cached EPT-derived translations (SDM 29.4.3.1, 31.3 INVEPT). */
static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };

	asm volatile("invept %0, %1" : : "m" (desc), "r" (type) : "cc", "memory");
}

#define INVVPID_SINGLE_CONTEXT	1

/* This CPU's cached linear translations of one VPID (SDM Vol. 2, INVVPID) */
static inline void hvlab_invvpid(u16 vpid)
{
	struct { u64 vpid, linear_address; } desc = { vpid, 0 };

	asm volatile("invvpid %0, %1" : : "m" (desc), "r" ((unsigned long)INVVPID_SINGLE_CONTEXT)
		     : "cc", "memory");
}

/* This CPU's translations for one EPT root: single-context where it can. */
static inline void hvlab_invept(u64 eptp)
{
	vmx_invept(vmx_config.has_invept_single ? INVEPT_SINGLE_CONTEXT :
		   INVEPT_ALL_CONTEXTS, eptp);
}

DECLARE_PER_CPU(unsigned int, vmcs_access_errors);

static __always_inline u64 __vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("vmread %[field], %[value]\n\t"
		 "jbe %l[fail]\n\t"
		 : [value] "=r" (value) : [field] "r" (field) : "cc" : fail);
	return value;
fail:
	this_cpu_inc(vmcs_access_errors);
	return 0;
}

static __always_inline void __vmcs_write(unsigned long field, unsigned long value)
{
	asm goto("vmwrite %[value], %[field]\n\t"
		 "jbe %l[fail]\n\t"
		 : : [field] "r" (field), [value] "rm" (value) : "cc" : fail);
	return;
fail:
	this_cpu_inc(vmcs_access_errors);
}

/* Width-checked accessors: a 16-bit read of a 64-bit field does not build. */
#define VMCS_CHECK_WIDTH(field, width)					\
	BUILD_BUG_ON_MSG(__builtin_constant_p(field) &&			\
			 VMCS_FIELD_WIDTH(field) != (width),		\
			 "VMCS accessor width does not match the field")

#define vmcs_read16(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16); (u16)__vmcs_read(f); })
#define vmcs_read32(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32); (u32)__vmcs_read(f); })
#define vmcs_read64(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64); (u64)__vmcs_read(f); })
#define vmcs_readl(f) ({ VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL); __vmcs_read(f); })

#define vmcs_write16(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_16); __vmcs_write(f, (u16)(v)); } while (0)
#define vmcs_write32(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_32); __vmcs_write(f, (u32)(v)); } while (0)
#define vmcs_write64(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_64); __vmcs_write(f, (u64)(v)); } while (0)
#define vmcs_writel(f, v) do { VMCS_CHECK_WIDTH(f, VMCS_WIDTH_NATURAL); __vmcs_write(f, (unsigned long)(v)); } while (0)

#endif /* HVLAB_VMCS_H */
