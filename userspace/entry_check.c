// SPDX-License-Identifier: GPL-2.0
/*
 * entry_check.c - the VM-entry checks of SDM Vol. 3 chapter 27 over a
 * VMCS snapshot (entry_check.h). The catalogue below is the single source
 * of the check ids, rules and hints; the code after it runs the checks in
 * the SDM's order and names each failure by its catalogue id.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "entry_check.h"

#define CTL	HV_ENTRY_FAIL_CONTROLS
#define HOST	HV_ENTRY_FAIL_HOST
#define GUEST	HV_ENTRY_FAIL_GUEST

/* Exit qualifications of a failed entry (SDM 27.8) */
#define QUAL_NONE		-1
#define QUAL_PDPTE		2
#define QUAL_NMI_STI		3
#define QUAL_LINK_POINTER	4

/* Checks every code or data segment register gets when it is usable. */
#define DATA_SEG_CHECKS(s, S)						\
	{ "guest." s ".v86_base", "27.3.1.2", GUEST, QUAL_NONE,		\
	  "in virtual-8086 mode (RFLAGS.VM=1) the " S " base must be the selector times 16", \
	  "set GUEST_" S "_BASE to GUEST_" S "_SELECTOR << 4, or clear RFLAGS.VM" }, \
	{ "guest." s ".v86_limit", "27.3.1.2", GUEST, QUAL_NONE,	\
	  "in virtual-8086 mode the " S " limit must be 0xffff",	\
	  "set GUEST_" S "_LIMIT to 0xffff, or clear RFLAGS.VM" },	\
	{ "guest." s ".v86_ar", "27.3.1.2", GUEST, QUAL_NONE,		\
	  "in virtual-8086 mode the " S " access rights must be 0xf3 (present, DPL 3, read/write accessed data)", \
	  "set GUEST_" S "_AR_BYTES to 0xf3, or clear RFLAGS.VM" }

#define USABLE_SEG_CHECKS(s, S)						\
	{ "guest." s ".s", "27.3.1.2", GUEST, QUAL_NONE,		\
	  "a usable " S " must be a code or data segment: bit 4 (S) of its access rights must be 1", \
	  "set bit 4 (0x10) of GUEST_" S "_AR_BYTES, or mark " S " unusable (bit 16)" }, \
	{ "guest." s ".present", "27.3.1.2", GUEST, QUAL_NONE,		\
	  "a usable " S " must be present: bit 7 (P) of its access rights must be 1", \
	  "set bit 7 (0x80) of GUEST_" S "_AR_BYTES, or mark " S " unusable (bit 16)" }, \
	{ "guest." s ".ar_reserved", "27.3.1.2", GUEST, QUAL_NONE,	\
	  "the reserved bits 11:8 and 31:17 of a usable " S "'s access rights must be 0", \
	  "clear bits 11:8 and 31:17 of GUEST_" S "_AR_BYTES" },	\
	{ "guest." s ".granularity", "27.3.1.2", GUEST, QUAL_NONE,	\
	  "the " S " limit and G bit must agree: limit[11:0] not all ones needs G=0, limit[31:20] not all zeros needs G=1", \
	  "set G (bit 15 of GUEST_" S "_AR_BYTES) for a limit that ends in 0xfff and is over 1 MiB, else clear it" }

static const struct hv_entry_check catalogue[] = {
	/* --- 27.2.1.1 VM-execution control fields ----------------------- */
	{ "ctl.pin.allowed0", "27.2.1.1", CTL, QUAL_NONE,
	  "the pin-based VM-execution controls must set every bit the capability MSR requires (allowed-0 settings)",
	  "set the bits of IA32_VMX_(TRUE_)PINBASED_CTLS[31:0] in PIN_BASED_VM_EXEC_CONTROL" },
	{ "ctl.pin.allowed1", "27.2.1.1", CTL, QUAL_NONE,
	  "the pin-based VM-execution controls may set only bits the capability MSR allows (allowed-1 settings)",
	  "clear the bits of PIN_BASED_VM_EXEC_CONTROL that IA32_VMX_(TRUE_)PINBASED_CTLS[63:32] does not allow" },
	{ "ctl.proc.allowed0", "27.2.1.1", CTL, QUAL_NONE,
	  "the primary processor-based controls must set every bit the capability MSR requires",
	  "set the bits of IA32_VMX_(TRUE_)PROCBASED_CTLS[31:0] in CPU_BASED_VM_EXEC_CONTROL" },
	{ "ctl.proc.allowed1", "27.2.1.1", CTL, QUAL_NONE,
	  "the primary processor-based controls may set only bits the capability MSR allows",
	  "clear the bits of CPU_BASED_VM_EXEC_CONTROL that IA32_VMX_(TRUE_)PROCBASED_CTLS[63:32] does not allow" },
	{ "ctl.proc2.allowed0", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"activate secondary controls\", the secondary controls must set every bit IA32_VMX_PROCBASED_CTLS2 requires",
	  "set the bits of IA32_VMX_PROCBASED_CTLS2[31:0] in SECONDARY_VM_EXEC_CONTROL" },
	{ "ctl.proc2.allowed1", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"activate secondary controls\", the secondary controls may set only bits IA32_VMX_PROCBASED_CTLS2 allows",
	  "clear the bits of SECONDARY_VM_EXEC_CONTROL that IA32_VMX_PROCBASED_CTLS2[63:32] does not allow" },
	{ "ctl.cr3_target_count", "27.2.1.1", CTL, QUAL_NONE,
	  "the CR3-target count must not exceed the number of CR3-target values the CPU has (IA32_VMX_MISC[24:16])",
	  "lower CR3_TARGET_COUNT" },
	{ "ctl.io_bitmap_a.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"use I/O bitmaps\", I/O bitmap A must be 4-KByte aligned and within the physical-address width",
	  "point IO_BITMAP_A at a page of host RAM" },
	{ "ctl.io_bitmap_b.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"use I/O bitmaps\", I/O bitmap B must be 4-KByte aligned and within the physical-address width",
	  "point IO_BITMAP_B at a page of host RAM" },
	{ "ctl.msr_bitmap.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"use MSR bitmaps\", the MSR-bitmap address must be 4-KByte aligned and within the physical-address width",
	  "point MSR_BITMAP at a page of host RAM" },
	{ "ctl.vapic.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"use TPR shadow\", the virtual-APIC address must be 4-KByte aligned and within the physical-address width",
	  "point VIRTUAL_APIC_PAGE_ADDR at a page of host RAM" },
	{ "ctl.tpr_threshold.reserved", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"use TPR shadow\" and without virtual-interrupt delivery, bits 31:4 of the TPR threshold must be 0",
	  "give TPR_THRESHOLD a priority class 0-15" },
	{ "ctl.tpr_shadow.needed", "27.2.1.1", CTL, QUAL_NONE,
	  "without \"use TPR shadow\", virtualize x2APIC mode, APIC-register virtualization and virtual-interrupt delivery must be 0",
	  "set \"use TPR shadow\" or clear those secondary controls" },
	{ "ctl.nmi.virtual_nmis", "27.2.1.1", CTL, QUAL_NONE,
	  "\"virtual NMIs\" requires \"NMI exiting\"",
	  "set NMI exiting (pin bit 3) or clear virtual NMIs (pin bit 5)" },
	{ "ctl.nmi.window", "27.2.1.1", CTL, QUAL_NONE,
	  "\"NMI-window exiting\" requires \"virtual NMIs\"",
	  "set virtual NMIs (pin bit 5) or clear NMI-window exiting (proc bit 22)" },
	{ "ctl.apic_access.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"virtualize APIC accesses\", the APIC-access address must be 4-KByte aligned and within the physical-address width",
	  "point APIC_ACCESS_ADDR at a page of host RAM" },
	{ "ctl.x2apic.apic_access", "27.2.1.1", CTL, QUAL_NONE,
	  "\"virtualize x2APIC mode\" and \"virtualize APIC accesses\" cannot both be 1",
	  "clear one of secondary bits 4 and 0" },
	{ "ctl.vid.ext_int", "27.2.1.1", CTL, QUAL_NONE,
	  "\"virtual-interrupt delivery\" requires \"external-interrupt exiting\"",
	  "set external-interrupt exiting (pin bit 0) or clear virtual-interrupt delivery (secondary bit 9)" },
	{ "ctl.posted.vid", "27.2.1.1", CTL, QUAL_NONE,
	  "\"process posted interrupts\" requires \"virtual-interrupt delivery\"",
	  "set virtual-interrupt delivery or clear process posted interrupts (pin bit 7)" },
	{ "ctl.posted.ack", "27.2.1.1", CTL, QUAL_NONE,
	  "\"process posted interrupts\" requires the \"acknowledge interrupt on exit\" VM-exit control",
	  "set acknowledge interrupt on exit (exit bit 15)" },
	{ "ctl.posted.vector", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"process posted interrupts\", bits 15:8 of the posted-interrupt notification vector must be 0",
	  "give POSTED_INTR_NOTIFICATION_VECTOR a vector 0-255" },
	{ "ctl.posted.desc", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"process posted interrupts\", the posted-interrupt descriptor must be 64-byte aligned and within the physical-address width",
	  "align POSTED_INTR_DESC_ADDR to 64 bytes" },
	{ "ctl.vpid.nonzero", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"enable VPID\", the VPID must not be 0 (VPID 0 is the host's)",
	  "give VIRTUAL_PROCESSOR_ID a value 1-65535" },
	{ "ctl.ept.memtype", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"enable EPT\", the EPTP memory type (bits 2:0) must be one IA32_VMX_EPT_VPID_CAP allows: UC (0) or WB (6)",
	  "set EPT_POINTER bits 2:0 to 6 (write-back)" },
	{ "ctl.ept.walk", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"enable EPT\", EPTP bits 5:3 must be the page-walk length minus 1, a length the CPU supports (4, or 5)",
	  "set EPT_POINTER bits 5:3 to 3 for a 4-level walk" },
	{ "ctl.ept.ad", "27.2.1.1", CTL, QUAL_NONE,
	  "EPTP bit 6 (accessed and dirty flags) may be 1 only if IA32_VMX_EPT_VPID_CAP bit 21 says the CPU has them",
	  "clear EPT_POINTER bit 6" },
	{ "ctl.ept.reserved", "27.2.1.1", CTL, QUAL_NONE,
	  "EPTP bits 11:7 (bit 7 only without supervisor shadow-stack control) and bits beyond the physical-address width must be 0",
	  "point EPT_POINTER at a 4-KByte aligned PML4 table in host RAM" },
	{ "ctl.pml.ept", "27.2.1.1", CTL, QUAL_NONE,
	  "\"enable PML\" requires \"enable EPT\"",
	  "set enable EPT or clear enable PML (secondary bit 17)" },
	{ "ctl.pml.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"enable PML\", the PML address must be 4-KByte aligned and within the physical-address width",
	  "point PML_ADDRESS at a page of host RAM" },
	{ "ctl.unrestricted.ept", "27.2.1.1", CTL, QUAL_NONE,
	  "\"unrestricted guest\" requires \"enable EPT\"",
	  "set enable EPT (secondary bit 1) or clear unrestricted guest (secondary bit 7)" },
	{ "ctl.mbec.ept", "27.2.1.1", CTL, QUAL_NONE,
	  "\"mode-based execute control for EPT\" requires \"enable EPT\"",
	  "set enable EPT or clear secondary bit 22" },
	{ "ctl.spp.ept", "27.2.1.1", CTL, QUAL_NONE,
	  "\"sub-page write permissions for EPT\" requires \"enable EPT\"",
	  "set enable EPT or clear secondary bit 23" },
	{ "ctl.ept_ve.addr", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"EPT-violation #VE\", the virtualization-exception information address must be 4-KByte aligned and within the physical-address width",
	  "point VE_INFORMATION_ADDRESS at a page of host RAM" },
	{ "ctl.vmfunc.allowed", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"enable VM functions\", the VM-function controls may set only bits IA32_VMX_VMFUNC allows",
	  "clear the bits of VM_FUNCTION_CONTROL that IA32_VMX_VMFUNC does not allow" },
	{ "ctl.vmfunc.eptp_switch", "27.2.1.1", CTL, QUAL_NONE,
	  "EPTP switching (VM function 0) requires \"enable EPT\" and a 4-KByte aligned EPTP-list address within the physical-address width",
	  "set enable EPT and point EPTP_LIST_ADDRESS at a page of host RAM" },
	{ "ctl.shadow.bitmaps", "27.2.1.1", CTL, QUAL_NONE,
	  "with \"VMCS shadowing\", the VMREAD and VMWRITE bitmap addresses must be 4-KByte aligned and within the physical-address width",
	  "point VMREAD_BITMAP and VMWRITE_BITMAP at pages of host RAM" },
	/* --- 27.2.1.2 VM-exit control fields ---------------------------- */
	{ "ctl.exit.allowed0", "27.2.1.2", CTL, QUAL_NONE,
	  "the VM-exit controls must set every bit the capability MSR requires",
	  "set the bits of IA32_VMX_(TRUE_)EXIT_CTLS[31:0] in VM_EXIT_CONTROLS" },
	{ "ctl.exit.allowed1", "27.2.1.2", CTL, QUAL_NONE,
	  "the VM-exit controls may set only bits the capability MSR allows",
	  "clear the bits of VM_EXIT_CONTROLS that IA32_VMX_(TRUE_)EXIT_CTLS[63:32] does not allow" },
	{ "ctl.exit.preemption_save", "27.2.1.2", CTL, QUAL_NONE,
	  "\"save VMX-preemption timer value\" requires \"activate VMX-preemption timer\"",
	  "set the preemption timer (pin bit 6) or clear exit bit 22" },
	{ "ctl.exit.msr_store.addr", "27.2.1.2", CTL, QUAL_NONE,
	  "with a non-zero VM-exit MSR-store count, the list must be 16-byte aligned and lie within the physical-address width",
	  "align VM_EXIT_MSR_STORE_ADDR to 16 bytes, or set the count to 0" },
	{ "ctl.exit.msr_load.addr", "27.2.1.2", CTL, QUAL_NONE,
	  "with a non-zero VM-exit MSR-load count, the list must be 16-byte aligned and lie within the physical-address width",
	  "align VM_EXIT_MSR_LOAD_ADDR to 16 bytes, or set the count to 0" },
	/* --- 27.2.1.3 VM-entry control fields --------------------------- */
	{ "ctl.entry.allowed0", "27.2.1.3", CTL, QUAL_NONE,
	  "the VM-entry controls must set every bit the capability MSR requires",
	  "set the bits of IA32_VMX_(TRUE_)ENTRY_CTLS[31:0] in VM_ENTRY_CONTROLS" },
	{ "ctl.entry.allowed1", "27.2.1.3", CTL, QUAL_NONE,
	  "the VM-entry controls may set only bits the capability MSR allows",
	  "clear the bits of VM_ENTRY_CONTROLS that IA32_VMX_(TRUE_)ENTRY_CTLS[63:32] does not allow" },
	{ "ctl.entry.intr.type", "27.2.1.3", CTL, QUAL_NONE,
	  "an injected event's type (bits 10:8) must not be 1 (reserved), and 7 (other event) only where the CPU has the monitor trap flag",
	  "use type 0 (external interrupt), 2 (NMI), 3 (hardware exception), 4, 5 or 6 in VM_ENTRY_INTR_INFO_FIELD" },
	{ "ctl.entry.intr.nmi_vector", "27.2.1.3", CTL, QUAL_NONE,
	  "an injected NMI must have vector 2",
	  "set bits 7:0 of VM_ENTRY_INTR_INFO_FIELD to 2" },
	{ "ctl.entry.intr.hw_vector", "27.2.1.3", CTL, QUAL_NONE,
	  "an injected hardware exception must have a vector 0-31",
	  "give the exception a vector below 32, or inject it as an external interrupt (type 0)" },
	{ "ctl.entry.intr.other_vector", "27.2.1.3", CTL, QUAL_NONE,
	  "an injected \"other event\" (type 7, pending MTF) must have vector 0",
	  "set bits 7:0 of VM_ENTRY_INTR_INFO_FIELD to 0" },
	{ "ctl.entry.intr.error_code_bit", "27.2.1.3", CTL, QUAL_NONE,
	  "\"deliver error code\" (bit 11) must be 1 exactly for hardware exceptions that push one (8, 10-14, 17, 21) when the guest is in protected mode",
	  "set or clear bit 11 of VM_ENTRY_INTR_INFO_FIELD to match the vector" },
	{ "ctl.entry.intr.reserved", "27.2.1.3", CTL, QUAL_NONE,
	  "bits 30:12 of the VM-entry interruption-information field must be 0",
	  "clear bits 30:12 of VM_ENTRY_INTR_INFO_FIELD" },
	{ "ctl.entry.intr.error_code", "27.2.1.3", CTL, QUAL_NONE,
	  "with \"deliver error code\", bits 31:16 of the VM-entry exception error code must be 0",
	  "give VM_ENTRY_EXCEPTION_ERROR_CODE a 16-bit value" },
	{ "ctl.entry.intr.length", "27.2.1.3", CTL, QUAL_NONE,
	  "an injected software interrupt or exception needs an instruction length 1-15 (0 only where IA32_VMX_MISC bit 30 allows it)",
	  "set VM_ENTRY_INSTRUCTION_LEN to the length of the INT n / INT3 / INTO" },
	{ "ctl.entry.msr_load.addr", "27.2.1.3", CTL, QUAL_NONE,
	  "with a non-zero VM-entry MSR-load count, the list must be 16-byte aligned and lie within the physical-address width",
	  "align VM_ENTRY_MSR_LOAD_ADDR to 16 bytes, or set the count to 0" },
	{ "ctl.entry.smm", "27.2.1.3", CTL, QUAL_NONE,
	  "\"entry to SMM\" and \"deactivate dual-monitor treatment\" must be 0 outside SMM",
	  "clear VM-entry control bits 10 and 11" },
	/* --- 27.2.2 host control registers and MSRs --------------------- */
	{ "host.cr0.fixed", "27.2.2", HOST, QUAL_NONE,
	  "the host CR0 must have the bits IA32_VMX_CR0_FIXED0 requires and none IA32_VMX_CR0_FIXED1 forbids",
	  "write the host's real CR0 into HOST_CR0" },
	{ "host.cr4.fixed", "27.2.2", HOST, QUAL_NONE,
	  "the host CR4 must have the bits IA32_VMX_CR4_FIXED0 requires (VMXE) and none IA32_VMX_CR4_FIXED1 forbids",
	  "write the host's real CR4 into HOST_CR4" },
	{ "host.cr3.phys", "27.2.2", HOST, QUAL_NONE,
	  "the host CR3 must have no bit set beyond the physical-address width",
	  "write the host's real CR3 into HOST_CR3" },
	{ "host.sysenter_esp.canonical", "27.2.2", HOST, QUAL_NONE,
	  "the host IA32_SYSENTER_ESP must be a canonical address",
	  "write the host's MSR value into HOST_IA32_SYSENTER_ESP" },
	{ "host.sysenter_eip.canonical", "27.2.2", HOST, QUAL_NONE,
	  "the host IA32_SYSENTER_EIP must be a canonical address",
	  "write the host's MSR value into HOST_IA32_SYSENTER_EIP" },
	{ "host.pat.valid", "27.2.2", HOST, QUAL_NONE,
	  "with \"load IA32_PAT\" on exit, every byte of the host PAT must be a valid memory type (0, 1, 4, 5, 6 or 7)",
	  "write the host's IA32_PAT into HOST_IA32_PAT" },
	{ "host.efer.reserved", "27.2.2", HOST, QUAL_NONE,
	  "with \"load IA32_EFER\" on exit, the host EFER's reserved bits must be 0",
	  "write the host's IA32_EFER into HOST_IA32_EFER" },
	{ "host.efer.lma_lme", "27.2.2", HOST, QUAL_NONE,
	  "with \"load IA32_EFER\" on exit, host EFER.LMA and EFER.LME must both equal \"host address-space size\"",
	  "set LMA and LME (0x500) in HOST_IA32_EFER for a 64-bit host" },
	/* --- 27.2.3 host segment and descriptor-table registers --------- */
	{ "host.es.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host ES selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_ES_SELECTOR" },
	{ "host.cs.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host CS selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_CS_SELECTOR" },
	{ "host.ss.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host SS selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_SS_SELECTOR" },
	{ "host.ds.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host DS selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_DS_SELECTOR" },
	{ "host.fs.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host FS selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_FS_SELECTOR" },
	{ "host.gs.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host GS selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_GS_SELECTOR" },
	{ "host.tr.rpl_ti", "27.2.3", HOST, QUAL_NONE,
	  "the host TR selector must have RPL 0 and TI 0", "clear bits 2:0 of HOST_TR_SELECTOR" },
	{ "host.cs.nonnull", "27.2.3", HOST, QUAL_NONE,
	  "the host CS selector must not be 0", "write the kernel's code selector into HOST_CS_SELECTOR" },
	{ "host.tr.nonnull", "27.2.3", HOST, QUAL_NONE,
	  "the host TR selector must not be 0", "write the host's TSS selector (STR) into HOST_TR_SELECTOR" },
	{ "host.ss.nonnull", "27.2.3", HOST, QUAL_NONE,
	  "with \"host address-space size\" 0, the host SS selector must not be 0",
	  "write the kernel's stack selector into HOST_SS_SELECTOR" },
	{ "host.fs.base_canonical", "27.2.3", HOST, QUAL_NONE,
	  "the host FS base must be canonical", "write the host's FS base into HOST_FS_BASE" },
	{ "host.gs.base_canonical", "27.2.3", HOST, QUAL_NONE,
	  "the host GS base must be canonical", "write the host's GS base into HOST_GS_BASE" },
	{ "host.gdtr.base_canonical", "27.2.3", HOST, QUAL_NONE,
	  "the host GDTR base must be canonical", "write the host's GDT base (SGDT) into HOST_GDTR_BASE" },
	{ "host.idtr.base_canonical", "27.2.3", HOST, QUAL_NONE,
	  "the host IDTR base must be canonical", "write the host's IDT base (SIDT) into HOST_IDTR_BASE" },
	{ "host.tr.base_canonical", "27.2.3", HOST, QUAL_NONE,
	  "the host TR base must be canonical", "write the host's TSS base into HOST_TR_BASE" },
	/* --- 27.2.4 checks related to address-space size ----------------- */
	{ "host.addr_space.ia32e", "27.2.4", HOST, QUAL_NONE,
	  "a host in IA-32e mode must set \"host address-space size\"; one outside it must clear it and \"IA-32e mode guest\"",
	  "set VM-exit control bit 9 on a 64-bit host" },
	{ "host.addr_space.guest", "27.2.4", HOST, QUAL_NONE,
	  "with \"host address-space size\" 0, \"IA-32e mode guest\" must be 0",
	  "clear VM-entry control bit 9, or set VM-exit control bit 9" },
	{ "host.cr4.pae", "27.2.4", HOST, QUAL_NONE,
	  "with \"host address-space size\" 1, host CR4.PAE must be 1",
	  "set bit 5 of HOST_CR4" },
	{ "host.cr4.pcide", "27.2.4", HOST, QUAL_NONE,
	  "with \"host address-space size\" 0, host CR4.PCIDE must be 0",
	  "clear bit 17 of HOST_CR4" },
	{ "host.rip.canonical", "27.2.4", HOST, QUAL_NONE,
	  "with \"host address-space size\" 1, the host RIP must be canonical",
	  "point HOST_RIP at the VM-exit handler" },
	{ "host.rip.high", "27.2.4", HOST, QUAL_NONE,
	  "with \"host address-space size\" 0, bits 63:32 of the host RIP must be 0",
	  "point HOST_RIP at a 32-bit address" },
	/* --- 27.3.1.1 guest control registers, debug registers, MSRs ----- */
	{ "guest.cr0.fixed0", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest CR0 must have every bit IA32_VMX_CR0_FIXED0 requires (PE and PG excepted under \"unrestricted guest\")",
	  "set the missing bits in GUEST_CR0 (usually NE, bit 5)" },
	{ "guest.cr0.fixed1", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest CR0 must not set a bit IA32_VMX_CR0_FIXED1 forbids, nor any of bits 63:32",
	  "clear those bits in GUEST_CR0" },
	{ "guest.cr0.pg_pe", "27.3.1.1", GUEST, QUAL_NONE,
	  "guest CR0.PG=1 requires CR0.PE=1: paging needs protected mode",
	  "set PE (bit 0) or clear PG (bit 31) in GUEST_CR0" },
	{ "guest.cr4.fixed0", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest CR4 must have every bit IA32_VMX_CR4_FIXED0 requires (VMXE)",
	  "set the missing bits (usually VMXE, 0x2000) in GUEST_CR4; the guest sees CR4_READ_SHADOW" },
	{ "guest.cr4.fixed1", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest CR4 must not set a bit IA32_VMX_CR4_FIXED1 forbids (features this CPU lacks)",
	  "clear those bits in GUEST_CR4" },
	{ "guest.cr4.cet_wp", "27.3.1.1", GUEST, QUAL_NONE,
	  "guest CR4.CET=1 requires CR0.WP=1",
	  "set WP (bit 16) in GUEST_CR0 or clear CET (bit 23) in GUEST_CR4" },
	{ "guest.debugctl.reserved", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load debug controls\", the reserved bits of IA32_DEBUGCTL (5:2, 63:16) must be 0",
	  "clear those bits in GUEST_IA32_DEBUGCTL" },
	{ "guest.ia32e.cr0_pg", "27.3.1.1", GUEST, QUAL_NONE,
	  "an IA-32e mode guest needs CR0.PG=1: long mode runs with paging",
	  "set PG (bit 31) in GUEST_CR0, or enter without \"IA-32e mode guest\"" },
	{ "guest.ia32e.cr4_pae", "27.3.1.1", GUEST, QUAL_NONE,
	  "an IA-32e mode guest needs CR4.PAE=1",
	  "set PAE (bit 5) in GUEST_CR4, or enter without \"IA-32e mode guest\"" },
	{ "guest.cr4.pcide", "27.3.1.1", GUEST, QUAL_NONE,
	  "outside IA-32e mode, guest CR4.PCIDE must be 0",
	  "clear PCIDE (bit 17) in GUEST_CR4" },
	{ "guest.cr3.phys", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest CR3 must have no bit set beyond the physical-address width",
	  "clear the high bits of GUEST_CR3" },
	{ "guest.dr7.high", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load debug controls\", bits 63:32 of the guest DR7 must be 0",
	  "clear bits 63:32 of GUEST_DR7" },
	{ "guest.sysenter_esp.canonical", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest IA32_SYSENTER_ESP must be a canonical address",
	  "make bits 63:47 of GUEST_SYSENTER_ESP copies of bit 47 (or 0)" },
	{ "guest.sysenter_eip.canonical", "27.3.1.1", GUEST, QUAL_NONE,
	  "the guest IA32_SYSENTER_EIP must be a canonical address",
	  "make bits 63:47 of GUEST_SYSENTER_EIP copies of bit 47 (or 0)" },
	{ "guest.pat.valid", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load IA32_PAT\", every byte of the guest PAT must be a valid memory type (0, 1, 4, 5, 6 or 7)",
	  "use 0x0007040600070406 (the reset value) for GUEST_IA32_PAT" },
	{ "guest.efer.reserved", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load IA32_EFER\", the guest EFER's reserved bits must be 0 (only SCE, LME, LMA, NXE exist)",
	  "clear the other bits of GUEST_IA32_EFER" },
	{ "guest.efer.lma_ia32e", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load IA32_EFER\", guest EFER.LMA must equal the \"IA-32e mode guest\" VM-entry control",
	  "set LMA (bit 10) in GUEST_IA32_EFER exactly for a 64-bit guest (hvlab sets the control from EFER.LMA on SET_SREGS)" },
	{ "guest.efer.lme_lma", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load IA32_EFER\" and guest CR0.PG=1, EFER.LME must equal EFER.LMA",
	  "set both LME and LMA (0x500) for long mode, or neither" },
	{ "guest.bndcfgs.valid", "27.3.1.1", GUEST, QUAL_NONE,
	  "with \"load IA32_BNDCFGS\", its reserved bits 11:2 must be 0 and its base canonical",
	  "fix GUEST_IA32_BNDCFGS" },
	/* --- 27.3.1.2 guest segment registers --------------------------- */
	{ "guest.tr.ti", "27.3.1.2", GUEST, QUAL_NONE,
	  "the TR selector must point into the GDT: its TI flag (bit 2) must be 0",
	  "clear bit 2 of GUEST_TR_SELECTOR" },
	{ "guest.ldtr.ti", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable LDTR selector must point into the GDT: its TI flag (bit 2) must be 0",
	  "clear bit 2 of GUEST_LDTR_SELECTOR, or mark LDTR unusable (bit 16 of GUEST_LDTR_AR_BYTES)" },
	{ "guest.ss.rpl_cs", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\" and outside virtual-8086 mode, SS.RPL must equal CS.RPL (both are the CPL)",
	  "give GUEST_SS_SELECTOR and GUEST_CS_SELECTOR the same bits 1:0" },
	DATA_SEG_CHECKS("cs", "CS"),
	DATA_SEG_CHECKS("ss", "SS"),
	DATA_SEG_CHECKS("ds", "DS"),
	DATA_SEG_CHECKS("es", "ES"),
	DATA_SEG_CHECKS("fs", "FS"),
	DATA_SEG_CHECKS("gs", "GS"),
	{ "guest.tr.base_canonical", "27.3.1.2", GUEST, QUAL_NONE,
	  "the TR base must be canonical", "fix GUEST_TR_BASE" },
	{ "guest.fs.base_canonical", "27.3.1.2", GUEST, QUAL_NONE,
	  "the FS base must be canonical", "fix GUEST_FS_BASE: bits 63:47 copies of bit 47" },
	{ "guest.gs.base_canonical", "27.3.1.2", GUEST, QUAL_NONE,
	  "the GS base must be canonical", "fix GUEST_GS_BASE: bits 63:47 copies of bit 47" },
	{ "guest.ldtr.base_canonical", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable LDTR's base must be canonical", "fix GUEST_LDTR_BASE, or mark LDTR unusable" },
	{ "guest.cs.base_high", "27.3.1.2", GUEST, QUAL_NONE,
	  "bits 63:32 of the CS base must be 0", "clear bits 63:32 of GUEST_CS_BASE" },
	{ "guest.ss.base_high", "27.3.1.2", GUEST, QUAL_NONE,
	  "bits 63:32 of a usable SS's base must be 0", "clear bits 63:32 of GUEST_SS_BASE" },
	{ "guest.ds.base_high", "27.3.1.2", GUEST, QUAL_NONE,
	  "bits 63:32 of a usable DS's base must be 0", "clear bits 63:32 of GUEST_DS_BASE" },
	{ "guest.es.base_high", "27.3.1.2", GUEST, QUAL_NONE,
	  "bits 63:32 of a usable ES's base must be 0", "clear bits 63:32 of GUEST_ES_BASE" },
	{ "guest.cs.type", "27.3.1.2", GUEST, QUAL_NONE,
	  "CS must be an accessed code segment (type 9, 11, 13 or 15), or, under \"unrestricted guest\", read/write accessed data (type 3)",
	  "set the low 4 bits of GUEST_CS_AR_BYTES to 0xb (execute/read, accessed)" },
	{ "guest.ss.type", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable SS must be a read/write accessed data segment (type 3 or 7)",
	  "set the low 4 bits of GUEST_SS_AR_BYTES to 3" },
	{ "guest.ds.accessed", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable DS must have the accessed bit (type bit 0) set", "set bit 0 of GUEST_DS_AR_BYTES" },
	{ "guest.es.accessed", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable ES must have the accessed bit (type bit 0) set", "set bit 0 of GUEST_ES_AR_BYTES" },
	{ "guest.fs.accessed", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable FS must have the accessed bit (type bit 0) set", "set bit 0 of GUEST_FS_AR_BYTES" },
	{ "guest.gs.accessed", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable GS must have the accessed bit (type bit 0) set", "set bit 0 of GUEST_GS_AR_BYTES" },
	{ "guest.ds.code_readable", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable DS that is a code segment must be readable (type bit 1)", "set bit 1 of GUEST_DS_AR_BYTES" },
	{ "guest.es.code_readable", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable ES that is a code segment must be readable (type bit 1)", "set bit 1 of GUEST_ES_AR_BYTES" },
	{ "guest.fs.code_readable", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable FS that is a code segment must be readable (type bit 1)", "set bit 1 of GUEST_FS_AR_BYTES" },
	{ "guest.gs.code_readable", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable GS that is a code segment must be readable (type bit 1)", "set bit 1 of GUEST_GS_AR_BYTES" },
	{ "guest.cs.s", "27.3.1.2", GUEST, QUAL_NONE,
	  "CS must be a code or data segment: bit 4 (S) of its access rights must be 1",
	  "set bit 4 (0x10) of GUEST_CS_AR_BYTES" },
	USABLE_SEG_CHECKS("ss", "SS"),
	USABLE_SEG_CHECKS("ds", "DS"),
	USABLE_SEG_CHECKS("es", "ES"),
	USABLE_SEG_CHECKS("fs", "FS"),
	USABLE_SEG_CHECKS("gs", "GS"),
	{ "guest.cs.dpl_data", "27.3.1.2", GUEST, QUAL_NONE,
	  "a CS of type 3 (data, allowed under \"unrestricted guest\") must have DPL 0",
	  "clear bits 6:5 of GUEST_CS_AR_BYTES" },
	{ "guest.cs.dpl_nonconforming", "27.3.1.2", GUEST, QUAL_NONE,
	  "a non-conforming code CS (type 9 or 11) must have the same DPL as SS (the CPL)",
	  "give GUEST_CS_AR_BYTES and GUEST_SS_AR_BYTES the same bits 6:5" },
	{ "guest.cs.dpl_conforming", "27.3.1.2", GUEST, QUAL_NONE,
	  "a conforming code CS (type 13 or 15) must have a DPL no greater than SS's DPL",
	  "lower the DPL (bits 6:5) of GUEST_CS_AR_BYTES" },
	{ "guest.ss.dpl_rpl", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\", SS.DPL must equal SS.RPL",
	  "make bits 6:5 of GUEST_SS_AR_BYTES equal bits 1:0 of GUEST_SS_SELECTOR" },
	{ "guest.ss.dpl_zero", "27.3.1.2", GUEST, QUAL_NONE,
	  "SS.DPL must be 0 in real mode (CR0.PE=0) and when CS is a data segment (type 3): the CPL is 0 there",
	  "clear bits 6:5 of GUEST_SS_AR_BYTES" },
	{ "guest.ds.dpl_rpl", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\", a usable data or non-conforming code DS must have DPL >= RPL",
	  "raise the DPL of GUEST_DS_AR_BYTES or lower the RPL of GUEST_DS_SELECTOR" },
	{ "guest.es.dpl_rpl", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\", a usable data or non-conforming code ES must have DPL >= RPL",
	  "raise the DPL of GUEST_ES_AR_BYTES or lower the RPL of GUEST_ES_SELECTOR" },
	{ "guest.fs.dpl_rpl", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\", a usable data or non-conforming code FS must have DPL >= RPL",
	  "raise the DPL of GUEST_FS_AR_BYTES or lower the RPL of GUEST_FS_SELECTOR" },
	{ "guest.gs.dpl_rpl", "27.3.1.2", GUEST, QUAL_NONE,
	  "without \"unrestricted guest\", a usable data or non-conforming code GS must have DPL >= RPL",
	  "raise the DPL of GUEST_GS_AR_BYTES or lower the RPL of GUEST_GS_SELECTOR" },
	{ "guest.cs.present", "27.3.1.2", GUEST, QUAL_NONE,
	  "CS must be present: bit 7 (P) of its access rights must be 1", "set bit 7 (0x80) of GUEST_CS_AR_BYTES" },
	{ "guest.cs.ar_reserved", "27.3.1.2", GUEST, QUAL_NONE,
	  "the reserved bits 11:8 and 31:17 of CS's access rights must be 0",
	  "clear bits 11:8 and 31:17 of GUEST_CS_AR_BYTES" },
	{ "guest.cs.l_db", "27.3.1.2", GUEST, QUAL_NONE,
	  "in an IA-32e mode guest, a 64-bit CS (L=1) must have D/B=0",
	  "clear bit 14 of GUEST_CS_AR_BYTES (0xa09b is a 64-bit code segment)" },
	{ "guest.cs.granularity", "27.3.1.2", GUEST, QUAL_NONE,
	  "the CS limit and G bit must agree: limit[11:0] not all ones needs G=0, limit[31:20] not all zeros needs G=1",
	  "set G (bit 15 of GUEST_CS_AR_BYTES) for a limit that ends in 0xfff and is over 1 MiB, else clear it" },
	{ "guest.tr.type", "27.3.1.2", GUEST, QUAL_NONE,
	  "TR must be a busy TSS: type 11 (32/64-bit), or type 3 (16-bit) outside IA-32e mode",
	  "set the low 4 bits of GUEST_TR_AR_BYTES to 0xb" },
	{ "guest.tr.s", "27.3.1.2", GUEST, QUAL_NONE,
	  "TR must be a system segment: bit 4 (S) of its access rights must be 0",
	  "clear bit 4 of GUEST_TR_AR_BYTES" },
	{ "guest.tr.present", "27.3.1.2", GUEST, QUAL_NONE,
	  "TR must be present: bit 7 (P) of its access rights must be 1",
	  "set bit 7 (0x80) of GUEST_TR_AR_BYTES" },
	{ "guest.tr.ar_reserved", "27.3.1.2", GUEST, QUAL_NONE,
	  "the reserved bits 11:8 and 31:17 of TR's access rights must be 0",
	  "clear bits 11:8 and 31:17 of GUEST_TR_AR_BYTES" },
	{ "guest.tr.granularity", "27.3.1.2", GUEST, QUAL_NONE,
	  "the TR limit and G bit must agree: limit[11:0] not all ones needs G=0, limit[31:20] not all zeros needs G=1",
	  "clear G (bit 15) of GUEST_TR_AR_BYTES for a TSS limit such as 0x67" },
	{ "guest.tr.unusable", "27.3.1.2", GUEST, QUAL_NONE,
	  "TR must be usable: bit 16 of its access rights must be 0 (every guest needs a TSS)",
	  "clear bit 16 of GUEST_TR_AR_BYTES (0x8b is a busy 32-bit TSS)" },
	{ "guest.ldtr.type", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable LDTR must be an LDT: type 2", "set the low 4 bits of GUEST_LDTR_AR_BYTES to 2, or mark LDTR unusable (0x10000)" },
	{ "guest.ldtr.s", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable LDTR must be a system segment: bit 4 (S) of its access rights must be 0",
	  "clear bit 4 of GUEST_LDTR_AR_BYTES" },
	{ "guest.ldtr.present", "27.3.1.2", GUEST, QUAL_NONE,
	  "a usable LDTR must be present: bit 7 (P) of its access rights must be 1",
	  "set bit 7 (0x80) of GUEST_LDTR_AR_BYTES, or mark LDTR unusable" },
	{ "guest.ldtr.ar_reserved", "27.3.1.2", GUEST, QUAL_NONE,
	  "the reserved bits 11:8 and 31:17 of a usable LDTR's access rights must be 0",
	  "clear bits 11:8 and 31:17 of GUEST_LDTR_AR_BYTES" },
	{ "guest.ldtr.granularity", "27.3.1.2", GUEST, QUAL_NONE,
	  "the LDTR limit and G bit must agree: limit[11:0] not all ones needs G=0, limit[31:20] not all zeros needs G=1",
	  "fix G (bit 15) of GUEST_LDTR_AR_BYTES or GUEST_LDTR_LIMIT" },
	/* --- 27.3.1.3 guest descriptor-table registers ------------------ */
	{ "guest.gdtr.base_canonical", "27.3.1.3", GUEST, QUAL_NONE,
	  "the GDTR base must be canonical", "fix GUEST_GDTR_BASE" },
	{ "guest.idtr.base_canonical", "27.3.1.3", GUEST, QUAL_NONE,
	  "the IDTR base must be canonical", "fix GUEST_IDTR_BASE" },
	{ "guest.gdtr.limit", "27.3.1.3", GUEST, QUAL_NONE,
	  "bits 31:16 of the GDTR limit must be 0: a GDT is at most 64 KiB", "give GUEST_GDTR_LIMIT a value up to 0xffff" },
	{ "guest.idtr.limit", "27.3.1.3", GUEST, QUAL_NONE,
	  "bits 31:16 of the IDTR limit must be 0", "give GUEST_IDTR_LIMIT a value up to 0xffff" },
	/* --- 27.3.1.4 guest RIP and RFLAGS ------------------------------ */
	{ "guest.rip.high", "27.3.1.4", GUEST, QUAL_NONE,
	  "outside 64-bit mode (not IA-32e, or CS.L=0), bits 63:32 of RIP must be 0",
	  "clear bits 63:32 of GUEST_RIP" },
	{ "guest.rip.canonical", "27.3.1.4", GUEST, QUAL_NONE,
	  "in 64-bit mode (IA-32e and CS.L=1), RIP must be canonical for the CPU's linear-address width",
	  "make bits 63:47 of GUEST_RIP copies of bit 47" },
	{ "guest.rflags.reserved", "27.3.1.4", GUEST, QUAL_NONE,
	  "the reserved RFLAGS bits 63:22, 15, 5 and 3 must be 0",
	  "clear those bits in GUEST_RFLAGS" },
	{ "guest.rflags.fixed1", "27.3.1.4", GUEST, QUAL_NONE,
	  "RFLAGS bit 1 must be 1", "set bit 1 (0x2) of GUEST_RFLAGS" },
	{ "guest.rflags.vm", "27.3.1.4", GUEST, QUAL_NONE,
	  "RFLAGS.VM (virtual-8086 mode) must be 0 in an IA-32e mode guest and in real mode (CR0.PE=0)",
	  "clear bit 17 of GUEST_RFLAGS" },
	{ "guest.rflags.if_injection", "27.3.1.4", GUEST, QUAL_NONE,
	  "injecting an external interrupt needs RFLAGS.IF=1",
	  "set IF (bit 9) or inject later, with interrupt-window exiting" },
	/* --- 27.3.1.5 guest non-register state --------------------------- */
	{ "guest.activity.valid", "27.3.1.5", GUEST, QUAL_NONE,
	  "the activity state must be 0 (active) or a state IA32_VMX_MISC[8:6] says the CPU has: 1 HLT, 2 shutdown, 3 wait-for-SIPI",
	  "set GUEST_ACTIVITY_STATE to 0" },
	{ "guest.activity.hlt_ss_dpl", "27.3.1.5", GUEST, QUAL_NONE,
	  "the HLT activity state needs SS.DPL=0: only CPL 0 can halt",
	  "set GUEST_ACTIVITY_STATE to 0, or clear bits 6:5 of GUEST_SS_AR_BYTES" },
	{ "guest.activity.blocking", "27.3.1.5", GUEST, QUAL_NONE,
	  "with blocking by STI or MOV SS, the activity state must be active (0)",
	  "clear bits 1:0 of GUEST_INTERRUPTIBILITY_INFO or set GUEST_ACTIVITY_STATE to 0" },
	{ "guest.activity.injection", "27.3.1.5", GUEST, QUAL_NONE,
	  "an injected event must be one the activity state can take: none in wait-for-SIPI, only NMI or #MC in shutdown",
	  "set GUEST_ACTIVITY_STATE to 0 when injecting" },
	{ "guest.activity.smm_sipi", "27.3.1.5", GUEST, QUAL_NONE,
	  "with \"entry to SMM\", the activity state must not be wait-for-SIPI",
	  "set GUEST_ACTIVITY_STATE to 0" },
	{ "guest.intr.reserved", "27.3.1.5", GUEST, QUAL_NONE,
	  "the reserved bits 31:5 of the interruptibility state must be 0",
	  "keep only bits 4:0 (STI, MOV SS, SMI, NMI blocking, enclave) in GUEST_INTERRUPTIBILITY_INFO" },
	{ "guest.intr.sti_movss", "27.3.1.5", GUEST, QUAL_NONE,
	  "blocking by STI (bit 0) and by MOV SS (bit 1) cannot both be set",
	  "clear one of bits 0 and 1 of GUEST_INTERRUPTIBILITY_INFO" },
	{ "guest.intr.sti_if", "27.3.1.5", GUEST, QUAL_NONE,
	  "blocking by STI needs RFLAGS.IF=1: STI only blocks when it set IF",
	  "clear bit 0 of GUEST_INTERRUPTIBILITY_INFO or set IF in GUEST_RFLAGS" },
	{ "guest.intr.ext_int", "27.3.1.5", GUEST, QUAL_NONE,
	  "injecting an external interrupt needs no blocking by STI or MOV SS",
	  "clear bits 1:0 of GUEST_INTERRUPTIBILITY_INFO, or inject later" },
	{ "guest.intr.nmi_movss", "27.3.1.5", GUEST, QUAL_NONE,
	  "injecting an NMI needs no blocking by MOV SS",
	  "clear bit 1 of GUEST_INTERRUPTIBILITY_INFO, or inject later" },
	{ "guest.intr.smi", "27.3.1.5", GUEST, QUAL_NONE,
	  "blocking by SMI (bit 2) must be 0 outside SMM",
	  "clear bit 2 of GUEST_INTERRUPTIBILITY_INFO" },
	{ "guest.intr.smm_entry", "27.3.1.5", GUEST, QUAL_NONE,
	  "with \"entry to SMM\", blocking by SMI (bit 2) must be 1",
	  "set bit 2 of GUEST_INTERRUPTIBILITY_INFO" },
	{ "guest.intr.nmi_sti", "27.3.1.5", GUEST, QUAL_NMI_STI,
	  "injecting an NMI while blocking by STI may be refused (model-specific; exit qualification 3)",
	  "clear bit 0 of GUEST_INTERRUPTIBILITY_INFO, or inject the NMI after the STI shadow" },
	{ "guest.intr.nmi_virtual", "27.3.1.5", GUEST, QUAL_NONE,
	  "with \"virtual NMIs\", injecting an NMI needs virtual-NMI blocking (bit 3) clear",
	  "clear bit 3 of GUEST_INTERRUPTIBILITY_INFO, or inject after the guest's IRET" },
	{ "guest.pending_dbg.reserved", "27.3.1.5", GUEST, QUAL_NONE,
	  "the reserved bits of the pending debug exceptions (11:4, 13, 63:15) must be 0",
	  "keep only B3-B0 (3:0), enabled breakpoint (12) and BS (14) in GUEST_PENDING_DBG_EXCEPTIONS" },
	{ "guest.pending_dbg.bs_set", "27.3.1.5", GUEST, QUAL_NONE,
	  "with blocking by STI or MOV SS, or in HLT, a single step in progress (RFLAGS.TF=1, DEBUGCTL.BTF=0) must be pending: BS (bit 14) must be 1",
	  "set bit 14 of GUEST_PENDING_DBG_EXCEPTIONS, or clear TF" },
	{ "guest.pending_dbg.bs_clear", "27.3.1.5", GUEST, QUAL_NONE,
	  "with blocking by STI or MOV SS, or in HLT, BS (bit 14) must be 0 unless a single step is in progress (TF=1, BTF=0)",
	  "clear bit 14 of GUEST_PENDING_DBG_EXCEPTIONS" },
	{ "guest.link.aligned", "27.3.1.5", GUEST, QUAL_LINK_POINTER,
	  "a VMCS link pointer other than all ones must be 4-KByte aligned (exit qualification 4)",
	  "set VMCS_LINK_POINTER to 0xffffffffffffffff unless you shadow a VMCS" },
	{ "guest.link.phys", "27.3.1.5", GUEST, QUAL_LINK_POINTER,
	  "a VMCS link pointer other than all ones must be within the physical-address width (exit qualification 4)",
	  "set VMCS_LINK_POINTER to 0xffffffffffffffff unless you shadow a VMCS" },
	/* --- 27.3.1.6 PDPTEs --------------------------------------------- */
	{ "guest.pdpte.reserved", "27.3.1.6", GUEST, QUAL_PDPTE,
	  "for PAE paging (CR0.PG=1, CR4.PAE=1, not IA-32e) with EPT, each present PDPTE must have reserved bits 2:1, 8:5 and those beyond the physical-address width 0 (exit qualification 2)",
	  "fix GUEST_PDPTE0-3: a present entry is the page-directory address | 1" },
};

#define NCHECKS (sizeof(catalogue) / sizeof(catalogue[0]))

const struct hv_entry_check *hv_entry_checks(unsigned int *count)
{
	*count = NCHECKS;
	return catalogue;
}

const struct hv_entry_check *hv_entry_check_by_id(const char *id)
{
	for (unsigned int i = 0; i < NCHECKS; i++)
		if (!strcmp(catalogue[i].id, id))
			return &catalogue[i];
	return NULL;
}

const char *hv_entry_outcome_name(enum hv_entry_outcome outcome)
{
	switch (outcome) {
	case HV_ENTRY_FAIL_CONTROLS:
		return "VMfailValid, VM-instruction error 7 (invalid control field)";
	case HV_ENTRY_FAIL_HOST:
		return "VMfailValid, VM-instruction error 8 (invalid host-state field)";
	case HV_ENTRY_FAIL_GUEST:
		return "VM exit, reason 33 (VM-entry failure: invalid guest state)";
	}
	return "?";
}

/* --- the checks ----------------------------------------------------- */

/* Control bits (SDM 25.6, 25.7, 25.8) */
#define PIN_EXT_INT		(1u << 0)
#define PIN_NMI_EXITING		(1u << 3)
#define PIN_VIRTUAL_NMIS	(1u << 5)
#define PIN_PREEMPTION_TIMER	(1u << 6)
#define PIN_POSTED_INTR		(1u << 7)
#define PROC_NMI_WINDOW		(1u << 22)
#define PROC_TPR_SHADOW		(1u << 21)
#define PROC_IO_BITMAPS		(1u << 25)
#define PROC_MTF		(1u << 27)
#define PROC_MSR_BITMAPS	(1u << 28)
#define PROC_SECONDARY		(1u << 31)
#define PROC2_VIRT_APIC		(1u << 0)
#define PROC2_EPT		(1u << 1)
#define PROC2_X2APIC		(1u << 4)
#define PROC2_VPID		(1u << 5)
#define PROC2_UNRESTRICTED	(1u << 7)
#define PROC2_APIC_REG		(1u << 8)
#define PROC2_VID		(1u << 9)
#define PROC2_VMFUNC		(1u << 13)
#define PROC2_SHADOW_VMCS	(1u << 14)
#define PROC2_PML		(1u << 17)
#define PROC2_EPT_VE		(1u << 18)
#define PROC2_MBEC		(1u << 22)
#define PROC2_SPP		(1u << 23)
#define EXIT_HOST_AS		(1u << 9)
#define EXIT_ACK_INTR		(1u << 15)
#define EXIT_LOAD_PAT		(1u << 19)
#define EXIT_LOAD_EFER		(1u << 21)
#define EXIT_SAVE_PREEMPTION	(1u << 22)
#define ENTRY_LOAD_DEBUG	(1u << 2)
#define ENTRY_IA32E		(1u << 9)
#define ENTRY_SMM		(1u << 10)
#define ENTRY_DUAL_MONITOR	(1u << 11)
#define ENTRY_LOAD_PAT		(1u << 14)
#define ENTRY_LOAD_EFER		(1u << 15)
#define ENTRY_LOAD_BNDCFGS	(1u << 16)

#define CR0_PE		(1ull << 0)
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_PCIDE	(1ull << 17)
#define CR4_CET		(1ull << 23)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_KNOWN	0xd01ull	/* SCE, LME, LMA, NXE */
#define RFLAGS_TF	(1ull << 8)
#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_VM	(1ull << 17)
#define RFLAGS_RESERVED	0xffffffffffc08028ull	/* 63:22, 15, 5, 3 */
#define DEBUGCTL_BTF	(1ull << 1)

#define AR_TYPE(ar)	((ar) & 0xf)
#define AR_S		(1u << 4)
#define AR_DPL(ar)	(((ar) >> 5) & 3)
#define AR_P		(1u << 7)
#define AR_L		(1u << 13)
#define AR_DB		(1u << 14)
#define AR_G		(1u << 15)
#define AR_UNUSABLE	(1u << 16)
#define AR_RESERVED	0xfffe0f00u	/* 11:8, 31:17 */

#define INTR_STI	(1u << 0)
#define INTR_MOV_SS	(1u << 1)
#define INTR_SMI	(1u << 2)
#define INTR_NMI	(1u << 3)

#define ACTIVITY_ACTIVE	0
#define ACTIVITY_HLT	1
#define ACTIVITY_SHUTDOWN 2
#define ACTIVITY_SIPI	3

#define EVENT_EXT_INT	0
#define EVENT_NMI	2
#define EVENT_HW_EXC	3
#define EVENT_SW_INT	4
#define EVENT_PRIV_SW	5
#define EVENT_SW_EXC	6
#define EVENT_OTHER	7

struct ctx {
	const struct hv_vmcs *vmcs;
	const struct hv_entry_env *env;
	struct hv_entry_report *report;
	/* decoded once */
	uint32_t pin, proc, proc2, exit, entry;
	int ia32e_guest, unrestricted, v86;
};

#define V(name)	(c->vmcs->value[HV_VMCS_IDX_##name])

static const struct hv_entry_check unknown_check = {
	"internal.unknown_check", "-", GUEST, QUAL_NONE,
	"entry_check.c names a check that is not in its catalogue (a bug in hvctl)",
	"report this as a bug",
};

/* Count one check; on failure record it with its fields printf-style. */
static void __attribute__((format(printf, 4, 5)))
check(struct ctx *c, const char *id, int ok, const char *fmt, ...)
{
	struct hv_entry_report *r = c->report;
	const struct hv_entry_check *chk;
	struct hv_entry_failure *f;
	va_list ap;

	r->checks_run++;
	if (ok)
		return;
	chk = hv_entry_check_by_id(id);
	if (r->nfailures++ >= HV_ENTRY_MAX_FAILURES)
		return;
	f = &r->failures[r->nfailures - 1];
	f->check = chk ? chk : &unknown_check;
	va_start(ap, fmt);
	vsnprintf(f->fields, sizeof(f->fields), fmt, ap);
	va_end(ap);
}

static int canonical(const struct ctx *c, uint64_t addr)
{
	unsigned int bits = c->env->linear_bits ? c->env->linear_bits : 48;
	int64_t s = (int64_t)(addr << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == addr;
}

static int in_phys(const struct ctx *c, uint64_t addr)
{
	unsigned int bits = c->env->phys_bits ? c->env->phys_bits : 36;

	return bits >= 64 || !(addr >> bits);
}

/* A page-aligned physical address within the address width. */
static int page_addr_ok(const struct ctx *c, uint64_t addr)
{
	return !(addr & 0xfff) && in_phys(c, addr);
}

static int pat_ok(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		unsigned int type = (pat >> (8 * i)) & 0xff;

		if (type != 0 && type != 1 && type != 4 && type != 5 && type != 6 && type != 7)
			return 0;
	}
	return 1;
}

static unsigned long long ull(uint64_t v)
{
	return v;
}

/* allowed-0 and allowed-1 settings of a control against its capability MSR */
static void check_allowed(struct ctx *c, const char *id0, const char *id1,
			  const char *field, uint32_t value, uint64_t cap)
{
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	check(c, id0, (value & must) == must, "%s=0x%x, required bits 0x%x, missing 0x%x",
	      field, value, must, must & ~value);
	check(c, id1, !(value & ~may), "%s=0x%x, allowed bits 0x%x, not allowed 0x%x",
	      field, value, may, value & ~may);
}

static void check_msr_list(struct ctx *c, const char *id, const char *field,
			   uint64_t addr, uint32_t count)
{
	if (!count)
		return;
	check(c, id, !(addr & 0xf) && in_phys(c, addr + 16ull * count - 1),
	      "%s=0x%llx, count %u, physical-address width %u", field, ull(addr), count,
	      c->env->phys_bits);
}

static void check_controls(struct ctx *c)
{
	const struct hvlab_vmx_caps *caps = &c->env->caps;
	uint64_t eptp = V(EPT_POINTER);

	/* 27.2.1.1 */
	check_allowed(c, "ctl.pin.allowed0", "ctl.pin.allowed1", "PIN_BASED_VM_EXEC_CONTROL",
		      c->pin, caps->pinbased_ctls);
	check_allowed(c, "ctl.proc.allowed0", "ctl.proc.allowed1", "CPU_BASED_VM_EXEC_CONTROL",
		      c->proc, caps->procbased_ctls);
	if (c->proc & PROC_SECONDARY)
		check_allowed(c, "ctl.proc2.allowed0", "ctl.proc2.allowed1",
			      "SECONDARY_VM_EXEC_CONTROL", c->proc2, caps->procbased_ctls2);
	check(c, "ctl.cr3_target_count", V(CR3_TARGET_COUNT) <= ((caps->misc >> 16) & 0x1ff),
	      "CR3_TARGET_COUNT=%llu, the CPU has %llu", ull(V(CR3_TARGET_COUNT)),
	      ull((caps->misc >> 16) & 0x1ff));
	if (c->proc & PROC_IO_BITMAPS) {
		check(c, "ctl.io_bitmap_a.addr", page_addr_ok(c, V(IO_BITMAP_A)),
		      "IO_BITMAP_A=0x%llx", ull(V(IO_BITMAP_A)));
		check(c, "ctl.io_bitmap_b.addr", page_addr_ok(c, V(IO_BITMAP_B)),
		      "IO_BITMAP_B=0x%llx", ull(V(IO_BITMAP_B)));
	}
	if (c->proc & PROC_MSR_BITMAPS)
		check(c, "ctl.msr_bitmap.addr", page_addr_ok(c, V(MSR_BITMAP)),
		      "MSR_BITMAP=0x%llx", ull(V(MSR_BITMAP)));
	if (c->proc & PROC_TPR_SHADOW) {
		check(c, "ctl.vapic.addr", page_addr_ok(c, V(VIRTUAL_APIC_PAGE_ADDR)),
		      "VIRTUAL_APIC_PAGE_ADDR=0x%llx", ull(V(VIRTUAL_APIC_PAGE_ADDR)));
		if (!(c->proc2 & PROC2_VID))
			check(c, "ctl.tpr_threshold.reserved", !(V(TPR_THRESHOLD) & ~0xfull),
			      "TPR_THRESHOLD=0x%llx", ull(V(TPR_THRESHOLD)));
	} else {
		check(c, "ctl.tpr_shadow.needed",
		      !(c->proc2 & (PROC2_X2APIC | PROC2_APIC_REG | PROC2_VID)),
		      "CPU_BASED_VM_EXEC_CONTROL=0x%x (no TPR shadow), SECONDARY_VM_EXEC_CONTROL=0x%x",
		      c->proc, c->proc2);
	}
	check(c, "ctl.nmi.virtual_nmis", !(c->pin & PIN_VIRTUAL_NMIS) || (c->pin & PIN_NMI_EXITING),
	      "PIN_BASED_VM_EXEC_CONTROL=0x%x", c->pin);
	check(c, "ctl.nmi.window", (c->pin & PIN_VIRTUAL_NMIS) || !(c->proc & PROC_NMI_WINDOW),
	      "PIN_BASED_VM_EXEC_CONTROL=0x%x, CPU_BASED_VM_EXEC_CONTROL=0x%x", c->pin, c->proc);
	if (c->proc2 & PROC2_VIRT_APIC)
		check(c, "ctl.apic_access.addr", page_addr_ok(c, V(APIC_ACCESS_ADDR)),
		      "APIC_ACCESS_ADDR=0x%llx", ull(V(APIC_ACCESS_ADDR)));
	check(c, "ctl.x2apic.apic_access",
	      (c->proc2 & (PROC2_X2APIC | PROC2_VIRT_APIC)) != (PROC2_X2APIC | PROC2_VIRT_APIC),
	      "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
	check(c, "ctl.vid.ext_int", !(c->proc2 & PROC2_VID) || (c->pin & PIN_EXT_INT),
	      "SECONDARY_VM_EXEC_CONTROL=0x%x, PIN_BASED_VM_EXEC_CONTROL=0x%x", c->proc2, c->pin);
	if (c->pin & PIN_POSTED_INTR) {
		check(c, "ctl.posted.vid", c->proc2 & PROC2_VID,
		      "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
		check(c, "ctl.posted.ack", c->exit & EXIT_ACK_INTR,
		      "VM_EXIT_CONTROLS=0x%x", c->exit);
		check(c, "ctl.posted.vector", !(V(POSTED_INTR_NOTIFICATION_VECTOR) & 0xff00),
		      "POSTED_INTR_NOTIFICATION_VECTOR=0x%llx", ull(V(POSTED_INTR_NOTIFICATION_VECTOR)));
		check(c, "ctl.posted.desc",
		      !(V(POSTED_INTR_DESC_ADDR) & 0x3f) && in_phys(c, V(POSTED_INTR_DESC_ADDR)),
		      "POSTED_INTR_DESC_ADDR=0x%llx", ull(V(POSTED_INTR_DESC_ADDR)));
	}
	if (c->proc2 & PROC2_VPID)
		check(c, "ctl.vpid.nonzero", V(VIRTUAL_PROCESSOR_ID) != 0, "VIRTUAL_PROCESSOR_ID=0");
	if (c->proc2 & PROC2_EPT) {
		unsigned int type = eptp & 7, walk = ((eptp >> 3) & 7) + 1;
		int type_ok = (type == 0 && (caps->ept_vpid_cap & (1ull << 8))) ||
			      (type == 6 && (caps->ept_vpid_cap & (1ull << 14)));
		int walk_ok = (walk == 4 && (caps->ept_vpid_cap & (1ull << 6))) ||
			      (walk == 5 && (caps->ept_vpid_cap & (1ull << 7)));
		uint64_t reserved = (caps->ept_vpid_cap & (1ull << 23)) ? 0xf00 : 0xf80;

		check(c, "ctl.ept.memtype", type_ok, "EPT_POINTER=0x%llx, memory type %u", ull(eptp), type);
		check(c, "ctl.ept.walk", walk_ok, "EPT_POINTER=0x%llx, page-walk length %u", ull(eptp), walk);
		check(c, "ctl.ept.ad", !(eptp & 0x40) || (caps->ept_vpid_cap & (1ull << 21)),
		      "EPT_POINTER=0x%llx, IA32_VMX_EPT_VPID_CAP=0x%llx", ull(eptp),
		      ull(caps->ept_vpid_cap));
		check(c, "ctl.ept.reserved", !(eptp & reserved) && in_phys(c, eptp),
		      "EPT_POINTER=0x%llx, physical-address width %u", ull(eptp), c->env->phys_bits);
	}
	if (c->proc2 & PROC2_PML) {
		check(c, "ctl.pml.ept", c->proc2 & PROC2_EPT, "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
		check(c, "ctl.pml.addr", page_addr_ok(c, V(PML_ADDRESS)),
		      "PML_ADDRESS=0x%llx", ull(V(PML_ADDRESS)));
	}
	check(c, "ctl.unrestricted.ept", !c->unrestricted || (c->proc2 & PROC2_EPT),
	      "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
	check(c, "ctl.mbec.ept", !(c->proc2 & PROC2_MBEC) || (c->proc2 & PROC2_EPT),
	      "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
	check(c, "ctl.spp.ept", !(c->proc2 & PROC2_SPP) || (c->proc2 & PROC2_EPT),
	      "SECONDARY_VM_EXEC_CONTROL=0x%x", c->proc2);
	if (c->proc2 & PROC2_EPT_VE)
		check(c, "ctl.ept_ve.addr", page_addr_ok(c, V(VE_INFORMATION_ADDRESS)),
		      "VE_INFORMATION_ADDRESS=0x%llx", ull(V(VE_INFORMATION_ADDRESS)));
	if (c->proc2 & PROC2_VMFUNC) {
		uint64_t vmfunc = V(VM_FUNCTION_CONTROL);

		check(c, "ctl.vmfunc.allowed", !(vmfunc & ~caps->vmfunc),
		      "VM_FUNCTION_CONTROL=0x%llx, IA32_VMX_VMFUNC=0x%llx", ull(vmfunc),
		      ull(caps->vmfunc));
		if (vmfunc & 1)
			check(c, "ctl.vmfunc.eptp_switch",
			      (c->proc2 & PROC2_EPT) && page_addr_ok(c, V(EPTP_LIST_ADDRESS)),
			      "SECONDARY_VM_EXEC_CONTROL=0x%x, EPTP_LIST_ADDRESS=0x%llx", c->proc2,
			      ull(V(EPTP_LIST_ADDRESS)));
	}
	if (c->proc2 & PROC2_SHADOW_VMCS)
		check(c, "ctl.shadow.bitmaps",
		      page_addr_ok(c, V(VMREAD_BITMAP)) && page_addr_ok(c, V(VMWRITE_BITMAP)),
		      "VMREAD_BITMAP=0x%llx, VMWRITE_BITMAP=0x%llx", ull(V(VMREAD_BITMAP)),
		      ull(V(VMWRITE_BITMAP)));

	/* 27.2.1.2 */
	check_allowed(c, "ctl.exit.allowed0", "ctl.exit.allowed1", "VM_EXIT_CONTROLS",
		      c->exit, caps->exit_ctls);
	check(c, "ctl.exit.preemption_save",
	      !(c->exit & EXIT_SAVE_PREEMPTION) || (c->pin & PIN_PREEMPTION_TIMER),
	      "VM_EXIT_CONTROLS=0x%x, PIN_BASED_VM_EXEC_CONTROL=0x%x", c->exit, c->pin);
	check_msr_list(c, "ctl.exit.msr_store.addr", "VM_EXIT_MSR_STORE_ADDR",
		       V(VM_EXIT_MSR_STORE_ADDR), V(VM_EXIT_MSR_STORE_COUNT));
	check_msr_list(c, "ctl.exit.msr_load.addr", "VM_EXIT_MSR_LOAD_ADDR",
		       V(VM_EXIT_MSR_LOAD_ADDR), V(VM_EXIT_MSR_LOAD_COUNT));

	/* 27.2.1.3 */
	check_allowed(c, "ctl.entry.allowed0", "ctl.entry.allowed1", "VM_ENTRY_CONTROLS",
		      c->entry, caps->entry_ctls);
	if (V(VM_ENTRY_INTR_INFO_FIELD) & (1u << 31)) {
		uint32_t info = V(VM_ENTRY_INTR_INFO_FIELD);
		unsigned int type = (info >> 8) & 7, vector = info & 0xff;
		int has_mtf = (caps->procbased_ctls >> 32) & PROC_MTF;
		int protected_mode = !c->unrestricted || (V(GUEST_CR0) & CR0_PE);
		int wants_code = type == EVENT_HW_EXC && protected_mode && vector < 32 &&
				 ((1u << vector) & 0x227d00u);	/* 8, 10-14, 17, 21 */
		int deliver = (info >> 11) & 1;

		check(c, "ctl.entry.intr.type", type != 1 && (type != EVENT_OTHER || has_mtf),
		      "VM_ENTRY_INTR_INFO_FIELD=0x%x, type %u", info, type);
		if (type == EVENT_NMI)
			check(c, "ctl.entry.intr.nmi_vector", vector == 2,
			      "VM_ENTRY_INTR_INFO_FIELD=0x%x, vector %u", info, vector);
		if (type == EVENT_HW_EXC)
			check(c, "ctl.entry.intr.hw_vector", vector <= 31,
			      "VM_ENTRY_INTR_INFO_FIELD=0x%x, vector %u", info, vector);
		if (type == EVENT_OTHER)
			check(c, "ctl.entry.intr.other_vector", vector == 0,
			      "VM_ENTRY_INTR_INFO_FIELD=0x%x, vector %u", info, vector);
		/* IA32_VMX_BASIC[56]: the CPU lets any exception carry an error code */
		if (!(caps->basic & (1ull << 56)))
			check(c, "ctl.entry.intr.error_code_bit", deliver == wants_code,
			      "VM_ENTRY_INTR_INFO_FIELD=0x%x: vector %u, type %u, deliver error code %d, guest CR0.PE %d",
			      info, vector, type, deliver, (int)(V(GUEST_CR0) & CR0_PE));
		check(c, "ctl.entry.intr.reserved", !(info & 0x7ffff000u),
		      "VM_ENTRY_INTR_INFO_FIELD=0x%x", info);
		if (deliver)
			check(c, "ctl.entry.intr.error_code", !(V(VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000u),
			      "VM_ENTRY_EXCEPTION_ERROR_CODE=0x%llx", ull(V(VM_ENTRY_EXCEPTION_ERROR_CODE)));
		if (type == EVENT_SW_INT || type == EVENT_PRIV_SW || type == EVENT_SW_EXC) {
			uint64_t len = V(VM_ENTRY_INSTRUCTION_LEN);

			check(c, "ctl.entry.intr.length",
			      len <= 15 && (len > 0 || (caps->misc & (1ull << 30))),
			      "VM_ENTRY_INSTRUCTION_LEN=%llu", ull(len));
		}
	}
	check_msr_list(c, "ctl.entry.msr_load.addr", "VM_ENTRY_MSR_LOAD_ADDR",
		       V(VM_ENTRY_MSR_LOAD_ADDR), V(VM_ENTRY_MSR_LOAD_COUNT));
	check(c, "ctl.entry.smm", !(c->entry & (ENTRY_SMM | ENTRY_DUAL_MONITOR)),
	      "VM_ENTRY_CONTROLS=0x%x", c->entry);
}

static void check_host(struct ctx *c)
{
	const struct hvlab_vmx_caps *caps = &c->env->caps;
	uint64_t cr0 = V(HOST_CR0), cr4 = V(HOST_CR4);
	int host_as = !!(c->exit & EXIT_HOST_AS);
	static const struct { const char *id; int idx; const char *name; } sels[] = {
		{ "host.es.rpl_ti", HV_VMCS_IDX_HOST_ES_SELECTOR, "HOST_ES_SELECTOR" },
		{ "host.cs.rpl_ti", HV_VMCS_IDX_HOST_CS_SELECTOR, "HOST_CS_SELECTOR" },
		{ "host.ss.rpl_ti", HV_VMCS_IDX_HOST_SS_SELECTOR, "HOST_SS_SELECTOR" },
		{ "host.ds.rpl_ti", HV_VMCS_IDX_HOST_DS_SELECTOR, "HOST_DS_SELECTOR" },
		{ "host.fs.rpl_ti", HV_VMCS_IDX_HOST_FS_SELECTOR, "HOST_FS_SELECTOR" },
		{ "host.gs.rpl_ti", HV_VMCS_IDX_HOST_GS_SELECTOR, "HOST_GS_SELECTOR" },
		{ "host.tr.rpl_ti", HV_VMCS_IDX_HOST_TR_SELECTOR, "HOST_TR_SELECTOR" },
	};

	/* 27.2.2 */
	check(c, "host.cr0.fixed", (cr0 & caps->cr0_fixed0) == caps->cr0_fixed0 &&
	      !(cr0 & ~caps->cr0_fixed1),
	      "HOST_CR0=0x%llx, IA32_VMX_CR0_FIXED0=0x%llx, IA32_VMX_CR0_FIXED1=0x%llx",
	      ull(cr0), ull(caps->cr0_fixed0), ull(caps->cr0_fixed1));
	check(c, "host.cr4.fixed", (cr4 & caps->cr4_fixed0) == caps->cr4_fixed0 &&
	      !(cr4 & ~caps->cr4_fixed1),
	      "HOST_CR4=0x%llx, IA32_VMX_CR4_FIXED0=0x%llx, IA32_VMX_CR4_FIXED1=0x%llx",
	      ull(cr4), ull(caps->cr4_fixed0), ull(caps->cr4_fixed1));
	check(c, "host.cr3.phys", in_phys(c, V(HOST_CR3)),
	      "HOST_CR3=0x%llx, physical-address width %u", ull(V(HOST_CR3)), c->env->phys_bits);
	check(c, "host.sysenter_esp.canonical", canonical(c, V(HOST_IA32_SYSENTER_ESP)),
	      "HOST_IA32_SYSENTER_ESP=0x%llx", ull(V(HOST_IA32_SYSENTER_ESP)));
	check(c, "host.sysenter_eip.canonical", canonical(c, V(HOST_IA32_SYSENTER_EIP)),
	      "HOST_IA32_SYSENTER_EIP=0x%llx", ull(V(HOST_IA32_SYSENTER_EIP)));
	if (c->exit & EXIT_LOAD_PAT)
		check(c, "host.pat.valid", pat_ok(V(HOST_IA32_PAT)),
		      "HOST_IA32_PAT=0x%llx", ull(V(HOST_IA32_PAT)));
	if (c->exit & EXIT_LOAD_EFER) {
		uint64_t efer = V(HOST_IA32_EFER);

		check(c, "host.efer.reserved", !(efer & ~EFER_KNOWN), "HOST_IA32_EFER=0x%llx", ull(efer));
		check(c, "host.efer.lma_lme", !!(efer & EFER_LMA) == host_as &&
		      !!(efer & EFER_LME) == host_as,
		      "HOST_IA32_EFER=0x%llx, host address-space size %d", ull(efer), host_as);
	}

	/* 27.2.3 */
	for (unsigned int i = 0; i < sizeof(sels) / sizeof(sels[0]); i++)
		check(c, sels[i].id, !(c->vmcs->value[sels[i].idx] & 7), "%s=0x%llx",
		      sels[i].name, ull(c->vmcs->value[sels[i].idx]));
	check(c, "host.cs.nonnull", V(HOST_CS_SELECTOR) != 0, "HOST_CS_SELECTOR=0");
	check(c, "host.tr.nonnull", V(HOST_TR_SELECTOR) != 0, "HOST_TR_SELECTOR=0");
	if (!host_as)
		check(c, "host.ss.nonnull", V(HOST_SS_SELECTOR) != 0, "HOST_SS_SELECTOR=0");
	check(c, "host.fs.base_canonical", canonical(c, V(HOST_FS_BASE)),
	      "HOST_FS_BASE=0x%llx", ull(V(HOST_FS_BASE)));
	check(c, "host.gs.base_canonical", canonical(c, V(HOST_GS_BASE)),
	      "HOST_GS_BASE=0x%llx", ull(V(HOST_GS_BASE)));
	check(c, "host.gdtr.base_canonical", canonical(c, V(HOST_GDTR_BASE)),
	      "HOST_GDTR_BASE=0x%llx", ull(V(HOST_GDTR_BASE)));
	check(c, "host.idtr.base_canonical", canonical(c, V(HOST_IDTR_BASE)),
	      "HOST_IDTR_BASE=0x%llx", ull(V(HOST_IDTR_BASE)));
	check(c, "host.tr.base_canonical", canonical(c, V(HOST_TR_BASE)),
	      "HOST_TR_BASE=0x%llx", ull(V(HOST_TR_BASE)));

	/* 27.2.4 */
	check(c, "host.addr_space.ia32e", c->env->host_in_ia32e ? host_as : !host_as && !c->ia32e_guest,
	      "VM_EXIT_CONTROLS=0x%x (host address-space size %d), host in IA-32e mode %d",
	      c->exit, host_as, c->env->host_in_ia32e);
	if (host_as) {
		check(c, "host.cr4.pae", cr4 & CR4_PAE, "HOST_CR4=0x%llx", ull(cr4));
		check(c, "host.rip.canonical", canonical(c, V(HOST_RIP)), "HOST_RIP=0x%llx",
		      ull(V(HOST_RIP)));
	} else {
		check(c, "host.addr_space.guest", !c->ia32e_guest,
		      "VM_ENTRY_CONTROLS=0x%x (IA-32e mode guest), VM_EXIT_CONTROLS=0x%x",
		      c->entry, c->exit);
		check(c, "host.cr4.pcide", !(cr4 & CR4_PCIDE), "HOST_CR4=0x%llx", ull(cr4));
		check(c, "host.rip.high", !(V(HOST_RIP) >> 32), "HOST_RIP=0x%llx", ull(V(HOST_RIP)));
	}
}

/* The guest's segment registers, in the order of the SDM's lists. */
struct seg {
	const char *name, *upper;
	int sel, base, limit, ar;
};

#define SEG(n, N) { n, #N, HV_VMCS_IDX_GUEST_##N##_SELECTOR, HV_VMCS_IDX_GUEST_##N##_BASE, \
		    HV_VMCS_IDX_GUEST_##N##_LIMIT, HV_VMCS_IDX_GUEST_##N##_AR_BYTES }

enum { S_CS, S_SS, S_DS, S_ES, S_FS, S_GS, S_TR, S_LDTR, S_COUNT };

static const struct seg segs[S_COUNT] = {
	SEG("cs", CS), SEG("ss", SS), SEG("ds", DS), SEG("es", ES),
	SEG("fs", FS), SEG("gs", GS), SEG("tr", TR), SEG("ldtr", LDTR),
};

#define SEL(s)	((uint16_t)c->vmcs->value[segs[s].sel])
#define BASE(s)	(c->vmcs->value[segs[s].base])
#define LIMIT(s) ((uint32_t)c->vmcs->value[segs[s].limit])
#define AR(s)	((uint32_t)c->vmcs->value[segs[s].ar])
#define USABLE(s) (!(AR(s) & AR_UNUSABLE))

static void seg_check(struct ctx *c, int s, const char *what, int ok)
{
	char id[48];

	snprintf(id, sizeof(id), "guest.%s.%s", segs[s].name, what);
	check(c, id, ok, "GUEST_%s_SELECTOR=0x%x, GUEST_%s_BASE=0x%llx, GUEST_%s_LIMIT=0x%x, GUEST_%s_AR_BYTES=0x%x",
	      segs[s].upper, SEL(s), segs[s].upper, ull(BASE(s)), segs[s].upper, LIMIT(s),
	      segs[s].upper, AR(s));
}

static int granularity_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return 0;
	if ((limit & 0xfff00000) && !(ar & AR_G))
		return 0;
	return 1;
}

static void check_guest_segments(struct ctx *c)
{
	unsigned int cs_type = AR_TYPE(AR(S_CS));
	int s;

	/* Selector fields */
	seg_check(c, S_TR, "ti", !(SEL(S_TR) & 4));
	if (USABLE(S_LDTR))
		seg_check(c, S_LDTR, "ti", !(SEL(S_LDTR) & 4));
	if (!c->v86 && !c->unrestricted)
		check(c, "guest.ss.rpl_cs", (SEL(S_SS) & 3) == (SEL(S_CS) & 3),
		      "GUEST_SS_SELECTOR=0x%x, GUEST_CS_SELECTOR=0x%x", SEL(S_SS), SEL(S_CS));

	/* Base, limit and access rights in virtual-8086 mode */
	if (c->v86) {
		for (s = S_CS; s <= S_GS; s++)
			seg_check(c, s, "v86_base", BASE(s) == (uint64_t)SEL(s) << 4);
		for (s = S_CS; s <= S_GS; s++)
			seg_check(c, s, "v86_limit", LIMIT(s) == 0xffff);
		for (s = S_CS; s <= S_GS; s++)
			seg_check(c, s, "v86_ar", AR(s) == 0xf3);
	}
	/* Base address fields */
	seg_check(c, S_TR, "base_canonical", canonical(c, BASE(S_TR)));
	seg_check(c, S_FS, "base_canonical", canonical(c, BASE(S_FS)));
	seg_check(c, S_GS, "base_canonical", canonical(c, BASE(S_GS)));
	if (USABLE(S_LDTR))
		seg_check(c, S_LDTR, "base_canonical", canonical(c, BASE(S_LDTR)));
	seg_check(c, S_CS, "base_high", !(BASE(S_CS) >> 32));
	for (s = S_SS; s <= S_ES; s++)
		if (USABLE(s))
			seg_check(c, s, "base_high", !(BASE(s) >> 32));
	if (c->v86)
		goto system_segments;

	/* Access rights outside virtual-8086 mode, bit by bit as the SDM lists them */
	seg_check(c, S_CS, "type", cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 ||
		  (c->unrestricted && cs_type == 3));
	if (USABLE(S_SS))
		seg_check(c, S_SS, "type", AR_TYPE(AR(S_SS)) == 3 || AR_TYPE(AR(S_SS)) == 7);
	for (s = S_DS; s <= S_GS; s++)
		if (USABLE(s))
			seg_check(c, s, "accessed", AR(s) & 1);
	for (s = S_DS; s <= S_GS; s++)
		if (USABLE(s) && (AR(s) & 8))
			seg_check(c, s, "code_readable", AR(s) & 2);
	for (s = S_CS; s <= S_GS; s++)
		if (s == S_CS || USABLE(s))
			seg_check(c, s, "s", AR(s) & AR_S);
	/* DPL */
	if (cs_type == 3)
		seg_check(c, S_CS, "dpl_data", AR_DPL(AR(S_CS)) == 0);
	else if (cs_type == 9 || cs_type == 11)
		seg_check(c, S_CS, "dpl_nonconforming", AR_DPL(AR(S_CS)) == AR_DPL(AR(S_SS)));
	else if (cs_type == 13 || cs_type == 15)
		seg_check(c, S_CS, "dpl_conforming", AR_DPL(AR(S_CS)) <= AR_DPL(AR(S_SS)));
	if (!c->unrestricted)
		seg_check(c, S_SS, "dpl_rpl", AR_DPL(AR(S_SS)) == (SEL(S_SS) & 3u));
	if (cs_type == 3 || !(V(GUEST_CR0) & CR0_PE))
		seg_check(c, S_SS, "dpl_zero", AR_DPL(AR(S_SS)) == 0);
	if (!c->unrestricted)
		for (s = S_DS; s <= S_GS; s++)
			if (USABLE(s) && AR_TYPE(AR(s)) <= 11)
				seg_check(c, s, "dpl_rpl", AR_DPL(AR(s)) >= (SEL(s) & 3u));
	/* P, reserved bits, D/B, G */
	for (s = S_CS; s <= S_GS; s++)
		if (s == S_CS || USABLE(s))
			seg_check(c, s, "present", AR(s) & AR_P);
	for (s = S_CS; s <= S_GS; s++)
		if (s == S_CS || USABLE(s))
			seg_check(c, s, "ar_reserved", !(AR(s) & AR_RESERVED));
	if (c->ia32e_guest && (AR(S_CS) & AR_L))
		seg_check(c, S_CS, "l_db", !(AR(S_CS) & AR_DB));
	for (s = S_CS; s <= S_GS; s++)
		if (s == S_CS || USABLE(s))
			seg_check(c, s, "granularity", granularity_ok(LIMIT(s), AR(s)));

system_segments:
	/* TR */
	seg_check(c, S_TR, "type", AR_TYPE(AR(S_TR)) == 11 ||
		  (!c->ia32e_guest && AR_TYPE(AR(S_TR)) == 3));
	seg_check(c, S_TR, "s", !(AR(S_TR) & AR_S));
	seg_check(c, S_TR, "present", AR(S_TR) & AR_P);
	seg_check(c, S_TR, "ar_reserved", !(AR(S_TR) & AR_RESERVED));
	seg_check(c, S_TR, "granularity", granularity_ok(LIMIT(S_TR), AR(S_TR)));
	seg_check(c, S_TR, "unusable", USABLE(S_TR));
	/* LDTR */
	if (USABLE(S_LDTR)) {
		seg_check(c, S_LDTR, "type", AR_TYPE(AR(S_LDTR)) == 2);
		seg_check(c, S_LDTR, "s", !(AR(S_LDTR) & AR_S));
		seg_check(c, S_LDTR, "present", AR(S_LDTR) & AR_P);
		seg_check(c, S_LDTR, "ar_reserved", !(AR(S_LDTR) & AR_RESERVED));
		seg_check(c, S_LDTR, "granularity", granularity_ok(LIMIT(S_LDTR), AR(S_LDTR)));
	}
}

static void check_guest(struct ctx *c)
{
	const struct hvlab_vmx_caps *caps = &c->env->caps;
	uint64_t cr0 = V(GUEST_CR0), cr4 = V(GUEST_CR4), rflags = V(GUEST_RFLAGS);
	uint64_t fixed0 = caps->cr0_fixed0;
	uint32_t intr = V(GUEST_INTERRUPTIBILITY_INFO), activity = V(GUEST_ACTIVITY_STATE);
	uint32_t info = V(VM_ENTRY_INTR_INFO_FIELD);
	int injecting = !!(info & (1u << 31));
	unsigned int event = (info >> 8) & 7;

	/* 27.3.1.1 */
	if (c->unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	check(c, "guest.cr0.fixed0", (cr0 & fixed0) == fixed0,
	      "GUEST_CR0=0x%llx, IA32_VMX_CR0_FIXED0=0x%llx%s, missing 0x%llx", ull(cr0),
	      ull(fixed0), c->unrestricted ? " (less PE, PG: unrestricted guest)" : "",
	      ull(fixed0 & ~cr0));
	check(c, "guest.cr0.fixed1", !(cr0 & ~caps->cr0_fixed1),
	      "GUEST_CR0=0x%llx, IA32_VMX_CR0_FIXED1=0x%llx, not allowed 0x%llx", ull(cr0),
	      ull(caps->cr0_fixed1), ull(cr0 & ~caps->cr0_fixed1));
	check(c, "guest.cr0.pg_pe", !(cr0 & CR0_PG) || (cr0 & CR0_PE), "GUEST_CR0=0x%llx", ull(cr0));
	check(c, "guest.cr4.fixed0", (cr4 & caps->cr4_fixed0) == caps->cr4_fixed0,
	      "GUEST_CR4=0x%llx, IA32_VMX_CR4_FIXED0=0x%llx, missing 0x%llx", ull(cr4),
	      ull(caps->cr4_fixed0), ull(caps->cr4_fixed0 & ~cr4));
	check(c, "guest.cr4.fixed1", !(cr4 & ~caps->cr4_fixed1),
	      "GUEST_CR4=0x%llx, IA32_VMX_CR4_FIXED1=0x%llx, not allowed 0x%llx", ull(cr4),
	      ull(caps->cr4_fixed1), ull(cr4 & ~caps->cr4_fixed1));
	check(c, "guest.cr4.cet_wp", !(cr4 & CR4_CET) || (cr0 & CR0_WP),
	      "GUEST_CR4=0x%llx, GUEST_CR0=0x%llx", ull(cr4), ull(cr0));
	if (c->entry & ENTRY_LOAD_DEBUG)
		check(c, "guest.debugctl.reserved", !(V(GUEST_IA32_DEBUGCTL) & 0xffffffffffff003cull),
		      "GUEST_IA32_DEBUGCTL=0x%llx", ull(V(GUEST_IA32_DEBUGCTL)));
	if (c->ia32e_guest) {
		check(c, "guest.ia32e.cr0_pg", cr0 & CR0_PG,
		      "VM_ENTRY_CONTROLS=0x%x (IA-32e mode guest), GUEST_CR0=0x%llx", c->entry, ull(cr0));
		check(c, "guest.ia32e.cr4_pae", cr4 & CR4_PAE,
		      "VM_ENTRY_CONTROLS=0x%x (IA-32e mode guest), GUEST_CR4=0x%llx", c->entry, ull(cr4));
	} else {
		check(c, "guest.cr4.pcide", !(cr4 & CR4_PCIDE),
		      "VM_ENTRY_CONTROLS=0x%x (not IA-32e), GUEST_CR4=0x%llx", c->entry, ull(cr4));
	}
	check(c, "guest.cr3.phys", in_phys(c, V(GUEST_CR3)),
	      "GUEST_CR3=0x%llx, physical-address width %u", ull(V(GUEST_CR3)), c->env->phys_bits);
	if (c->entry & ENTRY_LOAD_DEBUG)
		check(c, "guest.dr7.high", !(V(GUEST_DR7) >> 32), "GUEST_DR7=0x%llx", ull(V(GUEST_DR7)));
	check(c, "guest.sysenter_esp.canonical", canonical(c, V(GUEST_SYSENTER_ESP)),
	      "GUEST_SYSENTER_ESP=0x%llx", ull(V(GUEST_SYSENTER_ESP)));
	check(c, "guest.sysenter_eip.canonical", canonical(c, V(GUEST_SYSENTER_EIP)),
	      "GUEST_SYSENTER_EIP=0x%llx", ull(V(GUEST_SYSENTER_EIP)));
	if (c->entry & ENTRY_LOAD_PAT)
		check(c, "guest.pat.valid", pat_ok(V(GUEST_IA32_PAT)),
		      "GUEST_IA32_PAT=0x%llx", ull(V(GUEST_IA32_PAT)));
	if (c->entry & ENTRY_LOAD_EFER) {
		uint64_t efer = V(GUEST_IA32_EFER);

		check(c, "guest.efer.reserved", !(efer & ~EFER_KNOWN),
		      "GUEST_IA32_EFER=0x%llx, reserved bits 0x%llx", ull(efer), ull(efer & ~EFER_KNOWN));
		check(c, "guest.efer.lma_ia32e", !!(efer & EFER_LMA) == c->ia32e_guest,
		      "GUEST_IA32_EFER=0x%llx (LMA %d), VM_ENTRY_CONTROLS=0x%x (IA-32e mode guest %d)",
		      ull(efer), !!(efer & EFER_LMA), c->entry, c->ia32e_guest);
		if (cr0 & CR0_PG)
			check(c, "guest.efer.lme_lma", !!(efer & EFER_LMA) == !!(efer & EFER_LME),
			      "GUEST_IA32_EFER=0x%llx, GUEST_CR0=0x%llx (PG=1)", ull(efer), ull(cr0));
	}
	if (c->entry & ENTRY_LOAD_BNDCFGS)
		check(c, "guest.bndcfgs.valid", !(V(GUEST_IA32_BNDCFGS) & 0xffc) &&
		      canonical(c, V(GUEST_IA32_BNDCFGS) & ~0xfffull),
		      "GUEST_IA32_BNDCFGS=0x%llx", ull(V(GUEST_IA32_BNDCFGS)));

	/* 27.3.1.2 */
	check_guest_segments(c);

	/* 27.3.1.3 */
	check(c, "guest.gdtr.base_canonical", canonical(c, V(GUEST_GDTR_BASE)),
	      "GUEST_GDTR_BASE=0x%llx", ull(V(GUEST_GDTR_BASE)));
	check(c, "guest.idtr.base_canonical", canonical(c, V(GUEST_IDTR_BASE)),
	      "GUEST_IDTR_BASE=0x%llx", ull(V(GUEST_IDTR_BASE)));
	check(c, "guest.gdtr.limit", !(V(GUEST_GDTR_LIMIT) >> 16),
	      "GUEST_GDTR_LIMIT=0x%llx", ull(V(GUEST_GDTR_LIMIT)));
	check(c, "guest.idtr.limit", !(V(GUEST_IDTR_LIMIT) >> 16),
	      "GUEST_IDTR_LIMIT=0x%llx", ull(V(GUEST_IDTR_LIMIT)));

	/* 27.3.1.4 */
	if (!c->ia32e_guest || !(AR(S_CS) & AR_L))
		check(c, "guest.rip.high", !(V(GUEST_RIP) >> 32),
		      "GUEST_RIP=0x%llx, not in 64-bit mode", ull(V(GUEST_RIP)));
	else
		check(c, "guest.rip.canonical", canonical(c, V(GUEST_RIP)),
		      "GUEST_RIP=0x%llx, %u-bit linear addresses", ull(V(GUEST_RIP)),
		      c->env->linear_bits ? c->env->linear_bits : 48);
	check(c, "guest.rflags.reserved", !(rflags & RFLAGS_RESERVED),
	      "GUEST_RFLAGS=0x%llx, reserved bits 0x%llx", ull(rflags), ull(rflags & RFLAGS_RESERVED));
	check(c, "guest.rflags.fixed1", rflags & 2, "GUEST_RFLAGS=0x%llx", ull(rflags));
	if (c->ia32e_guest || !(cr0 & CR0_PE))
		check(c, "guest.rflags.vm", !(rflags & RFLAGS_VM),
		      "GUEST_RFLAGS=0x%llx, GUEST_CR0=0x%llx, IA-32e mode guest %d", ull(rflags),
		      ull(cr0), c->ia32e_guest);
	if (injecting && event == EVENT_EXT_INT)
		check(c, "guest.rflags.if_injection", rflags & RFLAGS_IF,
		      "GUEST_RFLAGS=0x%llx, VM_ENTRY_INTR_INFO_FIELD=0x%x", ull(rflags), info);

	/* 27.3.1.5 */
	check(c, "guest.activity.valid", activity == ACTIVITY_ACTIVE ||
	      (activity <= 3 && (caps->misc & (1ull << (5 + activity)))),
	      "GUEST_ACTIVITY_STATE=%u, IA32_VMX_MISC=0x%llx", activity, ull(caps->misc));
	if (activity == ACTIVITY_HLT)
		check(c, "guest.activity.hlt_ss_dpl", AR_DPL(AR(S_SS)) == 0,
		      "GUEST_ACTIVITY_STATE=1 (HLT), GUEST_SS_AR_BYTES=0x%x (DPL %u)", AR(S_SS),
		      AR_DPL(AR(S_SS)));
	if (intr & (INTR_STI | INTR_MOV_SS))
		check(c, "guest.activity.blocking", activity == ACTIVITY_ACTIVE,
		      "GUEST_INTERRUPTIBILITY_INFO=0x%x, GUEST_ACTIVITY_STATE=%u", intr, activity);
	if (injecting)
		check(c, "guest.activity.injection", activity != ACTIVITY_SIPI &&
		      (activity != ACTIVITY_SHUTDOWN || event == EVENT_NMI ||
		       (event == EVENT_HW_EXC && (info & 0xff) == 18)),
		      "GUEST_ACTIVITY_STATE=%u, VM_ENTRY_INTR_INFO_FIELD=0x%x", activity, info);
	if (c->entry & ENTRY_SMM)
		check(c, "guest.activity.smm_sipi", activity != ACTIVITY_SIPI,
		      "GUEST_ACTIVITY_STATE=%u, VM_ENTRY_CONTROLS=0x%x (entry to SMM)", activity, c->entry);
	check(c, "guest.intr.reserved", !(intr & ~0x1fu),
	      "GUEST_INTERRUPTIBILITY_INFO=0x%x, reserved bits 0x%x", intr, intr & ~0x1fu);
	check(c, "guest.intr.sti_movss", (intr & 3) != 3, "GUEST_INTERRUPTIBILITY_INFO=0x%x", intr);
	check(c, "guest.intr.sti_if", !(intr & INTR_STI) || (rflags & RFLAGS_IF),
	      "GUEST_INTERRUPTIBILITY_INFO=0x%x (blocking by STI), GUEST_RFLAGS=0x%llx (IF=0)",
	      intr, ull(rflags));
	if (injecting && event == EVENT_EXT_INT)
		check(c, "guest.intr.ext_int", !(intr & 3),
		      "GUEST_INTERRUPTIBILITY_INFO=0x%x, VM_ENTRY_INTR_INFO_FIELD=0x%x", intr, info);
	if (injecting && event == EVENT_NMI)
		check(c, "guest.intr.nmi_movss", !(intr & INTR_MOV_SS),
		      "GUEST_INTERRUPTIBILITY_INFO=0x%x, VM_ENTRY_INTR_INFO_FIELD=0x%x", intr, info);
	check(c, "guest.intr.smi", !(intr & INTR_SMI),
	      "GUEST_INTERRUPTIBILITY_INFO=0x%x (blocking by SMI), not in SMM", intr);
	if (c->entry & ENTRY_SMM)
		check(c, "guest.intr.smm_entry", intr & INTR_SMI,
		      "GUEST_INTERRUPTIBILITY_INFO=0x%x, VM_ENTRY_CONTROLS=0x%x", intr, c->entry);
	if (injecting && event == EVENT_NMI) {
		check(c, "guest.intr.nmi_sti", !(intr & INTR_STI),
		      "GUEST_INTERRUPTIBILITY_INFO=0x%x, VM_ENTRY_INTR_INFO_FIELD=0x%x", intr, info);
		if (c->pin & PIN_VIRTUAL_NMIS)
			check(c, "guest.intr.nmi_virtual", !(intr & INTR_NMI),
			      "GUEST_INTERRUPTIBILITY_INFO=0x%x, VM_ENTRY_INTR_INFO_FIELD=0x%x", intr, info);
	}
	check(c, "guest.pending_dbg.reserved", !(V(GUEST_PENDING_DBG_EXCEPTIONS) & ~0x500full),
	      "GUEST_PENDING_DBG_EXCEPTIONS=0x%llx", ull(V(GUEST_PENDING_DBG_EXCEPTIONS)));
	if ((intr & (INTR_STI | INTR_MOV_SS)) || activity == ACTIVITY_HLT) {
		int stepping = (rflags & RFLAGS_TF) && !(V(GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
		int bs = !!(V(GUEST_PENDING_DBG_EXCEPTIONS) & (1u << 14));
		const char *fmt = "GUEST_PENDING_DBG_EXCEPTIONS=0x%llx, GUEST_RFLAGS=0x%llx, GUEST_IA32_DEBUGCTL=0x%llx, GUEST_INTERRUPTIBILITY_INFO=0x%x, GUEST_ACTIVITY_STATE=%u";

		if (stepping)
			check(c, "guest.pending_dbg.bs_set", bs, fmt, ull(V(GUEST_PENDING_DBG_EXCEPTIONS)),
			      ull(rflags), ull(V(GUEST_IA32_DEBUGCTL)), intr, activity);
		else
			check(c, "guest.pending_dbg.bs_clear", !bs, fmt, ull(V(GUEST_PENDING_DBG_EXCEPTIONS)),
			      ull(rflags), ull(V(GUEST_IA32_DEBUGCTL)), intr, activity);
	}
	if (V(VMCS_LINK_POINTER) != ~0ull) {
		check(c, "guest.link.aligned", !(V(VMCS_LINK_POINTER) & 0xfff),
		      "VMCS_LINK_POINTER=0x%llx", ull(V(VMCS_LINK_POINTER)));
		check(c, "guest.link.phys", in_phys(c, V(VMCS_LINK_POINTER)),
		      "VMCS_LINK_POINTER=0x%llx, physical-address width %u", ull(V(VMCS_LINK_POINTER)),
		      c->env->phys_bits);
	}

	/* 27.3.1.6: with EPT the PDPTEs come from the VMCS, else from guest memory */
	if ((cr0 & CR0_PG) && (cr4 & CR4_PAE) && !c->ia32e_guest && (c->proc2 & PROC2_EPT)) {
		static const int pdpte[4] = {
			HV_VMCS_IDX_GUEST_PDPTE0, HV_VMCS_IDX_GUEST_PDPTE1,
			HV_VMCS_IDX_GUEST_PDPTE2, HV_VMCS_IDX_GUEST_PDPTE3,
		};
		int bad = -1;

		for (int i = 0; i < 4; i++) {
			uint64_t e = c->vmcs->value[pdpte[i]];

			/* bit 63 too: PAE PDPTEs have no execute-disable bit */
			if ((e & 1) && ((e & 0x1e6) || !in_phys(c, e & ~0xfffull)) &&
			    bad < 0)
				bad = i;
		}
		check(c, "guest.pdpte.reserved", bad < 0,
		      "GUEST_PDPTE%d=0x%llx (reserved bits 2:1, 8:5 or beyond %u physical-address bits)",
		      bad < 0 ? 0 : bad, ull(bad < 0 ? 0 : c->vmcs->value[pdpte[bad]]),
		      c->env->phys_bits);
	}
}

unsigned int hv_entry_check(const struct hv_vmcs *vmcs, const struct hv_entry_env *env,
			    struct hv_entry_report *report)
{
	struct ctx ctx = { .vmcs = vmcs, .env = env, .report = report };
	struct ctx *c = &ctx;

	memset(report, 0, sizeof(*report));
	c->pin = V(PIN_BASED_VM_EXEC_CONTROL);
	c->proc = V(CPU_BASED_VM_EXEC_CONTROL);
	c->proc2 = (c->proc & PROC_SECONDARY) ? V(SECONDARY_VM_EXEC_CONTROL) : 0;
	c->exit = V(VM_EXIT_CONTROLS);
	c->entry = V(VM_ENTRY_CONTROLS);
	c->ia32e_guest = !!(c->entry & ENTRY_IA32E);
	c->unrestricted = !!(c->proc2 & PROC2_UNRESTRICTED);
	/* RFLAGS.VM in long or real mode is guest.rflags.vm's business, not v86 mode */
	c->v86 = (V(GUEST_RFLAGS) & RFLAGS_VM) && !c->ia32e_guest && (V(GUEST_CR0) & CR0_PE);

	check_controls(c);
	check_host(c);
	check_guest(c);
	return report->nfailures;
}

void hv_entry_env_init(struct hv_entry_env *env, const struct hvlab_vmx_caps *caps)
{
	unsigned int eax = 0, ebx, ecx, edx;

	memset(env, 0, sizeof(*env));
	env->caps = *caps;
	env->phys_bits = 36;
	env->linear_bits = 48;
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000000u));
	if (eax >= 0x80000008u) {
		__asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
				 : "a"(0x80000008u));
		env->phys_bits = eax & 0xff;
		env->linear_bits = (eax >> 8) & 0xff;
	}
#endif
	env->host_in_ia32e = sizeof(long) == 8;
	(void)ebx;
	(void)ecx;
	(void)edx;
}

/* --- printing ------------------------------------------------------- */

static void print_failure(FILE *out, const struct hv_entry_failure *f, int first)
{
	const struct hv_entry_check *chk = f->check;

	fprintf(out, "  %s%s (SDM %s)\n", chk->id, first ? ", the one VM entry reports" : "",
		chk->section);
	fprintf(out, "    rule:   %s\n", chk->rule);
	fprintf(out, "    fields: %s\n", f->fields);
	fprintf(out, "    fails:  %s", hv_entry_outcome_name(chk->outcome));
	if (chk->outcome == HV_ENTRY_FAIL_GUEST)
		fprintf(out, ", exit qualification %d", chk->qualification < 0 ? 0 : chk->qualification);
	fprintf(out, "\n    hint:   %s\n", chk->hint);
}

void hv_entry_report_print(FILE *out, const struct hv_entry_report *r)
{
	unsigned int shown = r->nfailures < HV_ENTRY_MAX_FAILURES ? r->nfailures : HV_ENTRY_MAX_FAILURES;

	if (!r->nfailures) {
		fprintf(out, "all %u checks pass\n", r->checks_run);
		return;
	}
	fprintf(out, "%u of %u checks fail; VM entry stops at the first:\n", r->nfailures, r->checks_run);
	for (unsigned int i = 0; i < shown; i++)
		print_failure(out, &r->failures[i], i == 0);
	if (shown < r->nfailures)
		fprintf(out, "  ... and %u more\n", r->nfailures - shown);
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void hv_entry_report_json(FILE *out, const struct hv_entry_report *r)
{
	unsigned int shown = r->nfailures < HV_ENTRY_MAX_FAILURES ? r->nfailures : HV_ENTRY_MAX_FAILURES;

	fprintf(out, "{\"checks_run\":%u,\"failed\":%u,\"failures\":[", r->checks_run, r->nfailures);
	for (unsigned int i = 0; i < shown; i++) {
		const struct hv_entry_failure *f = &r->failures[i];
		const struct hv_entry_check *chk = f->check;

		fprintf(out, "%s{\"id\":", i ? "," : "");
		json_string(out, chk->id);
		fprintf(out, ",\"section\":");
		json_string(out, chk->section);
		if (chk->outcome == HV_ENTRY_FAIL_GUEST)
			fprintf(out, ",\"vm_instruction_error\":null,\"exit_reason\":33,\"qualification\":%d",
				chk->qualification < 0 ? 0 : chk->qualification);
		else
			fprintf(out, ",\"vm_instruction_error\":%d,\"exit_reason\":null,\"qualification\":null",
				chk->outcome);
		fprintf(out, ",\"rule\":");
		json_string(out, chk->rule);
		fprintf(out, ",\"fields\":");
		json_string(out, f->fields);
		fprintf(out, ",\"hint\":");
		json_string(out, chk->hint);
		fputc('}', out);
	}
	fprintf(out, "]}\n");
}
