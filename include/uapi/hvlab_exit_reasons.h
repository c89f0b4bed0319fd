/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * VMX basic exit reasons (SDM Vol. 3, Appendix C), as one X-macro list so
 * that the module's enum and handler table and hvctl's names all come from
 * the same place. X(number, NAME, "short description")
 */
#ifndef _UAPI_HVLAB_EXIT_REASONS_H
#define _UAPI_HVLAB_EXIT_REASONS_H

#define HVLAB_VMX_EXIT_REASONS(X)					\
	X(0,  EXCEPTION_NMI,	"exception or NMI")			\
	X(1,  EXTERNAL_INTERRUPT, "external interrupt")			\
	X(2,  TRIPLE_FAULT,	"triple fault")				\
	X(3,  INIT_SIGNAL,	"INIT signal")				\
	X(4,  SIPI,		"start-up IPI")				\
	X(5,  IO_SMI,		"I/O SMI")				\
	X(6,  OTHER_SMI,	"other SMI")				\
	X(7,  INTERRUPT_WINDOW,	"interrupt window")			\
	X(8,  NMI_WINDOW,	"NMI window")				\
	X(9,  TASK_SWITCH,	"task switch")				\
	X(10, CPUID,		"CPUID")				\
	X(11, GETSEC,		"GETSEC")				\
	X(12, HLT,		"HLT")					\
	X(13, INVD,		"INVD")					\
	X(14, INVLPG,		"INVLPG")				\
	X(15, RDPMC,		"RDPMC")				\
	X(16, RDTSC,		"RDTSC")				\
	X(17, RSM,		"RSM")					\
	X(18, VMCALL,		"VMCALL")				\
	X(19, VMCLEAR,		"VMCLEAR")				\
	X(20, VMLAUNCH,		"VMLAUNCH")				\
	X(21, VMPTRLD,		"VMPTRLD")				\
	X(22, VMPTRST,		"VMPTRST")				\
	X(23, VMREAD,		"VMREAD")				\
	X(24, VMRESUME,		"VMRESUME")				\
	X(25, VMWRITE,		"VMWRITE")				\
	X(26, VMXOFF,		"VMXOFF")				\
	X(27, VMXON,		"VMXON")				\
	X(28, CR_ACCESS,	"control-register access")		\
	X(29, DR_ACCESS,	"MOV DR")				\
	X(30, IO_INSTRUCTION,	"I/O instruction")			\
	X(31, RDMSR,		"RDMSR")				\
	X(32, WRMSR,		"WRMSR")				\
	X(33, INVALID_GUEST_STATE, "VM-entry failure: invalid guest state") \
	X(34, MSR_LOAD_FAIL,	"VM-entry failure: MSR loading")	\
	X(36, MWAIT,		"MWAIT")				\
	X(37, MONITOR_TRAP_FLAG, "monitor trap flag")			\
	X(39, MONITOR,		"MONITOR")				\
	X(40, PAUSE,		"PAUSE")				\
	X(41, MACHINE_CHECK,	"VM-entry failure: machine check")	\
	X(43, TPR_BELOW_THRESHOLD, "TPR below threshold")		\
	X(44, APIC_ACCESS,	"APIC access")				\
	X(45, VIRTUALIZED_EOI,	"virtualized EOI")			\
	X(46, GDTR_IDTR,	"GDTR or IDTR access")			\
	X(47, LDTR_TR,		"LDTR or TR access")			\
	X(48, EPT_VIOLATION,	"EPT violation")			\
	X(49, EPT_MISCONFIG,	"EPT misconfiguration")			\
	X(50, INVEPT,		"INVEPT")				\
	X(51, RDTSCP,		"RDTSCP")				\
	X(52, PREEMPTION_TIMER,	"VMX-preemption timer expired")		\
	X(53, INVVPID,		"INVVPID")				\
	X(54, WBINVD,		"WBINVD")				\
	X(55, XSETBV,		"XSETBV")				\
	X(56, APIC_WRITE,	"APIC write")				\
	X(57, RDRAND,		"RDRAND")				\
	X(58, INVPCID,		"INVPCID")				\
	X(59, VMFUNC,		"VMFUNC")				\
	X(60, ENCLS,		"ENCLS")				\
	X(61, RDSEED,		"RDSEED")				\
	X(62, PML_FULL,		"page-modification log full")		\
	X(63, XSAVES,		"XSAVES")				\
	X(64, XRSTORS,		"XRSTORS")				\
	X(66, SPP,		"sub-page permission")			\
	X(67, UMWAIT,		"UMWAIT")				\
	X(68, TPAUSE,		"TPAUSE")				\
	X(69, LOADIWKEY,	"LOADIWKEY")

#define HVLAB_VMX_EXIT_REASON_MAX	69

/* Bits of the exit-reason field above the basic reason (SDM 25.9.1). */
#define HVLAB_VMX_EXIT_FAILED_ENTRY	(1u << 31)
#define HVLAB_VMX_EXIT_BASIC(r)		((r) & 0xffff)

#endif /* _UAPI_HVLAB_EXIT_REASONS_H */
