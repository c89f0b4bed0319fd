/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Every VMCS field hvctl knows (SDM Vol. 3, Appendix B), as one X-macro
 * list: X(encoding, NAME). Names follow the SDM, upper-cased; userspace
 * uses the list to dump (hvctl vmcs), check (hvctl explain) and name the
 * fields of HVLAB_GET_VMCS / HVLAB_SET_VMCS. The encoding says the rest:
 * bits 14:13 width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural), bits 11:10
 * area (0 control, 1 exit information, 2 guest state, 3 host state).
 */
#ifndef _UAPI_HVLAB_VMCS_FIELDS_H
#define _UAPI_HVLAB_VMCS_FIELDS_H

#define HVLAB_VMCS_WIDTH(enc)	(((enc) >> 13) & 3)
#define HVLAB_VMCS_AREA(enc)	(((enc) >> 10) & 3)
#define HVLAB_VMCS_AREA_CONTROL	0
#define HVLAB_VMCS_AREA_EXIT	1
#define HVLAB_VMCS_AREA_GUEST	2
#define HVLAB_VMCS_AREA_HOST	3

#define HVLAB_VMCS_FIELDS(X)						\
	/* 16-bit control */						\
	X(0x0000, VIRTUAL_PROCESSOR_ID)					\
	X(0x0002, POSTED_INTR_NOTIFICATION_VECTOR)			\
	X(0x0004, EPTP_INDEX)						\
	/* 16-bit guest state */					\
	X(0x0800, GUEST_ES_SELECTOR)					\
	X(0x0802, GUEST_CS_SELECTOR)					\
	X(0x0804, GUEST_SS_SELECTOR)					\
	X(0x0806, GUEST_DS_SELECTOR)					\
	X(0x0808, GUEST_FS_SELECTOR)					\
	X(0x080a, GUEST_GS_SELECTOR)					\
	X(0x080c, GUEST_LDTR_SELECTOR)					\
	X(0x080e, GUEST_TR_SELECTOR)					\
	X(0x0810, GUEST_INTERRUPT_STATUS)				\
	X(0x0812, GUEST_PML_INDEX)					\
	/* 16-bit host state */						\
	X(0x0c00, HOST_ES_SELECTOR)					\
	X(0x0c02, HOST_CS_SELECTOR)					\
	X(0x0c04, HOST_SS_SELECTOR)					\
	X(0x0c06, HOST_DS_SELECTOR)					\
	X(0x0c08, HOST_FS_SELECTOR)					\
	X(0x0c0a, HOST_GS_SELECTOR)					\
	X(0x0c0c, HOST_TR_SELECTOR)					\
	/* 64-bit control */						\
	X(0x2000, IO_BITMAP_A)						\
	X(0x2002, IO_BITMAP_B)						\
	X(0x2004, MSR_BITMAP)						\
	X(0x2006, VM_EXIT_MSR_STORE_ADDR)				\
	X(0x2008, VM_EXIT_MSR_LOAD_ADDR)				\
	X(0x200a, VM_ENTRY_MSR_LOAD_ADDR)				\
	X(0x200c, EXECUTIVE_VMCS_POINTER)				\
	X(0x200e, PML_ADDRESS)						\
	X(0x2010, TSC_OFFSET)						\
	X(0x2012, VIRTUAL_APIC_PAGE_ADDR)				\
	X(0x2014, APIC_ACCESS_ADDR)					\
	X(0x2016, POSTED_INTR_DESC_ADDR)				\
	X(0x2018, VM_FUNCTION_CONTROL)					\
	X(0x201a, EPT_POINTER)						\
	X(0x201c, EOI_EXIT_BITMAP0)					\
	X(0x201e, EOI_EXIT_BITMAP1)					\
	X(0x2020, EOI_EXIT_BITMAP2)					\
	X(0x2022, EOI_EXIT_BITMAP3)					\
	X(0x2024, EPTP_LIST_ADDRESS)					\
	X(0x2026, VMREAD_BITMAP)					\
	X(0x2028, VMWRITE_BITMAP)					\
	X(0x202a, VE_INFORMATION_ADDRESS)				\
	X(0x202c, XSS_EXIT_BITMAP)					\
	X(0x202e, ENCLS_EXITING_BITMAP)					\
	X(0x2032, TSC_MULTIPLIER)					\
	/* 64-bit exit information */					\
	X(0x2400, GUEST_PHYSICAL_ADDRESS)				\
	/* 64-bit guest state */					\
	X(0x2800, VMCS_LINK_POINTER)					\
	X(0x2802, GUEST_IA32_DEBUGCTL)					\
	X(0x2804, GUEST_IA32_PAT)					\
	X(0x2806, GUEST_IA32_EFER)					\
	X(0x2808, GUEST_IA32_PERF_GLOBAL_CTRL)				\
	X(0x280a, GUEST_PDPTE0)						\
	X(0x280c, GUEST_PDPTE1)						\
	X(0x280e, GUEST_PDPTE2)						\
	X(0x2810, GUEST_PDPTE3)						\
	X(0x2812, GUEST_IA32_BNDCFGS)					\
	/* 64-bit host state */						\
	X(0x2c00, HOST_IA32_PAT)					\
	X(0x2c02, HOST_IA32_EFER)					\
	X(0x2c04, HOST_IA32_PERF_GLOBAL_CTRL)				\
	/* 32-bit control */						\
	X(0x4000, PIN_BASED_VM_EXEC_CONTROL)				\
	X(0x4002, CPU_BASED_VM_EXEC_CONTROL)				\
	X(0x4004, EXCEPTION_BITMAP)					\
	X(0x4006, PAGE_FAULT_ERROR_CODE_MASK)				\
	X(0x4008, PAGE_FAULT_ERROR_CODE_MATCH)				\
	X(0x400a, CR3_TARGET_COUNT)					\
	X(0x400c, VM_EXIT_CONTROLS)					\
	X(0x400e, VM_EXIT_MSR_STORE_COUNT)				\
	X(0x4010, VM_EXIT_MSR_LOAD_COUNT)				\
	X(0x4012, VM_ENTRY_CONTROLS)					\
	X(0x4014, VM_ENTRY_MSR_LOAD_COUNT)				\
	X(0x4016, VM_ENTRY_INTR_INFO_FIELD)				\
	X(0x4018, VM_ENTRY_EXCEPTION_ERROR_CODE)			\
	X(0x401a, VM_ENTRY_INSTRUCTION_LEN)				\
	X(0x401c, TPR_THRESHOLD)					\
	X(0x401e, SECONDARY_VM_EXEC_CONTROL)				\
	X(0x4020, PLE_GAP)						\
	X(0x4022, PLE_WINDOW)						\
	/* 32-bit exit information */					\
	X(0x4400, VM_INSTRUCTION_ERROR)					\
	X(0x4402, VM_EXIT_REASON)					\
	X(0x4404, VM_EXIT_INTR_INFO)					\
	X(0x4406, VM_EXIT_INTR_ERROR_CODE)				\
	X(0x4408, IDT_VECTORING_INFO_FIELD)				\
	X(0x440a, IDT_VECTORING_ERROR_CODE)				\
	X(0x440c, VM_EXIT_INSTRUCTION_LEN)				\
	X(0x440e, VMX_INSTRUCTION_INFO)					\
	/* 32-bit guest state */					\
	X(0x4800, GUEST_ES_LIMIT)					\
	X(0x4802, GUEST_CS_LIMIT)					\
	X(0x4804, GUEST_SS_LIMIT)					\
	X(0x4806, GUEST_DS_LIMIT)					\
	X(0x4808, GUEST_FS_LIMIT)					\
	X(0x480a, GUEST_GS_LIMIT)					\
	X(0x480c, GUEST_LDTR_LIMIT)					\
	X(0x480e, GUEST_TR_LIMIT)					\
	X(0x4810, GUEST_GDTR_LIMIT)					\
	X(0x4812, GUEST_IDTR_LIMIT)					\
	X(0x4814, GUEST_ES_AR_BYTES)					\
	X(0x4816, GUEST_CS_AR_BYTES)					\
	X(0x4818, GUEST_SS_AR_BYTES)					\
	X(0x481a, GUEST_DS_AR_BYTES)					\
	X(0x481c, GUEST_FS_AR_BYTES)					\
	X(0x481e, GUEST_GS_AR_BYTES)					\
	X(0x4820, GUEST_LDTR_AR_BYTES)					\
	X(0x4822, GUEST_TR_AR_BYTES)					\
	X(0x4824, GUEST_INTERRUPTIBILITY_INFO)				\
	X(0x4826, GUEST_ACTIVITY_STATE)					\
	X(0x4828, GUEST_SMBASE)						\
	X(0x482a, GUEST_SYSENTER_CS)					\
	X(0x482e, VMX_PREEMPTION_TIMER_VALUE)				\
	/* 32-bit host state */						\
	X(0x4c00, HOST_IA32_SYSENTER_CS)				\
	/* natural-width control */					\
	X(0x6000, CR0_GUEST_HOST_MASK)					\
	X(0x6002, CR4_GUEST_HOST_MASK)					\
	X(0x6004, CR0_READ_SHADOW)					\
	X(0x6006, CR4_READ_SHADOW)					\
	X(0x6008, CR3_TARGET_VALUE0)					\
	X(0x600a, CR3_TARGET_VALUE1)					\
	X(0x600c, CR3_TARGET_VALUE2)					\
	X(0x600e, CR3_TARGET_VALUE3)					\
	/* natural-width exit information */				\
	X(0x6400, EXIT_QUALIFICATION)					\
	X(0x6402, IO_RCX)						\
	X(0x6404, IO_RSI)						\
	X(0x6406, IO_RDI)						\
	X(0x6408, IO_RIP)						\
	X(0x640a, GUEST_LINEAR_ADDRESS)					\
	/* natural-width guest state */					\
	X(0x6800, GUEST_CR0)						\
	X(0x6802, GUEST_CR3)						\
	X(0x6804, GUEST_CR4)						\
	X(0x6806, GUEST_ES_BASE)					\
	X(0x6808, GUEST_CS_BASE)					\
	X(0x680a, GUEST_SS_BASE)					\
	X(0x680c, GUEST_DS_BASE)					\
	X(0x680e, GUEST_FS_BASE)					\
	X(0x6810, GUEST_GS_BASE)					\
	X(0x6812, GUEST_LDTR_BASE)					\
	X(0x6814, GUEST_TR_BASE)					\
	X(0x6816, GUEST_GDTR_BASE)					\
	X(0x6818, GUEST_IDTR_BASE)					\
	X(0x681a, GUEST_DR7)						\
	X(0x681c, GUEST_RSP)						\
	X(0x681e, GUEST_RIP)						\
	X(0x6820, GUEST_RFLAGS)						\
	X(0x6822, GUEST_PENDING_DBG_EXCEPTIONS)				\
	X(0x6824, GUEST_SYSENTER_ESP)					\
	X(0x6826, GUEST_SYSENTER_EIP)					\
	/* natural-width host state */					\
	X(0x6c00, HOST_CR0)						\
	X(0x6c02, HOST_CR3)						\
	X(0x6c04, HOST_CR4)						\
	X(0x6c06, HOST_FS_BASE)						\
	X(0x6c08, HOST_GS_BASE)						\
	X(0x6c0a, HOST_TR_BASE)						\
	X(0x6c0c, HOST_GDTR_BASE)					\
	X(0x6c0e, HOST_IDTR_BASE)					\
	X(0x6c10, HOST_IA32_SYSENTER_ESP)				\
	X(0x6c12, HOST_IA32_SYSENTER_EIP)				\
	X(0x6c14, HOST_RSP)						\
	X(0x6c16, HOST_RIP)

#endif /* _UAPI_HVLAB_VMCS_FIELDS_H */
