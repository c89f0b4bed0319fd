/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvlab.h - the module's internal types.
 *
 * Objects nest like KVM's: a VM (struct hvlab_vm) owns guest memory and
 * the EPT tables; each vCPU (struct hvlab_vcpu) owns one VMCS and the page
 * that userspace maps to learn why HVLAB_RUN returned.
 */
#ifndef HVLAB_H
#define HVLAB_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/jump_label.h>
#include <linux/ktime.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>
#include <asm/desc_defs.h>
#include <asm/hardirq.h>
#include <asm/fpu/types.h>
#include "../include/uapi/hvlab.h"
#include "../include/uapi/hvlab_exit_reasons.h"
#include "insn.h"

#define HVLAB_MSG_PREFIX "hvlab: "

struct dentry;

/* Exception vectors hvlab injects or watches (SDM Vol. 3, Table 6-1) */
#define X86_VECTOR_DB	1	/* debug */
#define X86_VECTOR_UD	6	/* invalid opcode */
#define X86_VECTOR_GP	13	/* general protection */
#define X86_VECTOR_PF	14	/* page fault */
#define X86_VECTOR_AC	17	/* alignment check */
#define X86_VECTOR_MC	18	/* machine check */

/*
 * Exceptions hvlab always intercepts, whatever userspace asks:
 * - #AC, which a guest can otherwise make the CPU deliver to itself
 *   forever, inside microcode, with the host locked out (CVE-2015-5307).
 *   Each exits and is delivered to the guest after all.
 * - #MC: a machine check is the host's business, an error in its memory
 *   or caches. Delivered to the guest, it would never reach the host's
 *   handler, and a second one with MCIP still set would reset the machine.
 * - #DB: delivered in the guest it would write the real DR6, which is the
 *   host's (debugreg.c). Exiting first, it leaves DR6 alone, and exits.c
 *   gives the guest the DR6 bits from the exit qualification, as KVM does.
 */
#define HVLAB_HOST_EXCEPTION_BITMAP	(BIT(X86_VECTOR_DB) | BIT(X86_VECTOR_AC) | \
					 BIT(X86_VECTOR_MC))

/* EXIT_REASON_CPUID = 10, ...: the basic exit reasons, from the uapi list */
enum hvlab_vmx_exit_reason {
#define X(nr, name, desc) EXIT_REASON_##name = nr,
	HVLAB_VMX_EXIT_REASONS(X)
#undef X
};

/*
 * What this CPU's VMX can do and the control values hvlab uses, computed
 * once at module load from the capability MSRs (vmx.c).
 */
struct hvlab_vmx_config {
	struct hvlab_vmx_caps caps;
	u32 pin_ctls;
	u32 proc_ctls;
	u32 proc_ctls2;
	u32 exit_ctls;
	u32 entry_ctls;
	/* CR0/CR4 bits the guest may not change without an exit */
	unsigned long cr0_guest_host_mask;
	unsigned long cr4_guest_host_mask;
	unsigned long cr4_guest_bits;	/* ~cr4_guest_host_mask: what the guest owns */
	bool has_invept_single;
	bool ept_ad;			/* EPT accessed and dirty flags (SDM 29.3.5) */
	bool ept_2m, ept_1g;		/* EPT leaves of 2 MiB, 1 GiB (SDM A.10) */
	bool ept_execute_only;		/* a leaf may grant execute without read */
	bool ept_large_nx;		/* iTLB multihit: large leaves never execute */
	bool pml;			/* page-modification logging (SDM 29.3.6) */
	bool host_has_debugctl;		/* Bochs has no IA32_DEBUGCTL */
	u64 host_xcr0;			/* 0 if the host does not use XSAVE */
	u64 guest_xcr0;			/* XCR0 bits a guest may set (vmx.c) */
	u32 preemption_timer_value;	/* 0: the timer is not used */
};

extern struct hvlab_vmx_config vmx_config;

/*
 * The CR4 bits a guest may set (where the CPU has them): those whose
 * state VMX switches or that only change how the guest's own code runs.
 * Not VMXE or SMXE (no nesting), PKE (PKRU is not switched), CET (the
 * user shadow-stack MSRs are the host thread's), LA57, KL, PKS, UINTR,
 * LAM or FRED: CPUID hides them and a MOV to CR4 that sets one is #GP.
 * docs/security.md has the table.
 */
#define HVLAB_CR4_GUEST_BITS	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
				 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
				 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
				 X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_PCIDE | \
				 X86_CR4_OSXSAVE | X86_CR4_SMEP | X86_CR4_SMAP)

/* vmx.c: turning VMX on and off */
int hvlab_vmx_probe(void);
int hvlab_vmx_get(void);
void hvlab_vmx_put(void);
void hvlab_vmx_free_regions(void);
int hvlab_vmx_get_caps(void __user *argp);
void hvlab_vmx_add_debugfs(struct dentry *root);
void hvlab_vmx_invept_everywhere(u64 eptp);
void hvlab_vmx_invept_on(const struct cpumask *cpus, u64 eptp);
DECLARE_PER_CPU(bool, hvlab_vmx_is_on);

/* With preemption off: may this CPU run VMX instructions? (every vCPU load) */
static inline bool hvlab_vmx_on_this_cpu(void)
{
	return this_cpu_read(hvlab_vmx_is_on);
}

/*
 * Allocations that grow with guest memory (a region's page array, EPT
 * tables) are charged to the VMM's memory cgroup. One that does not fit
 * fails the ioctl with -ENOMEM instead of waking the OOM killer, which
 * would kill the VMM, or a neighbour in its cgroup (S1-5).
 */
#define HVLAB_GFP_GUEST_MEM	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

/* ept.c: the guest-physical address space */
struct hvlab_ept {
	u64 *pml4;		/* kernel virtual address of the root table */
	u64 eptp;		/* what goes into the VMCS EPT_POINTER field */
	/* For HVLAB_GET_VM_STATS; changed under vm->lock */
	unsigned long table_pages;	/* paging-structure pages, the root too */
	/* present leaves by level - 1: 4 KiB (MMIO ones too), 2 MiB, 1 GiB */
	unsigned long leaves[3];
	unsigned long exec_splits;	/* large leaves split at a fetch (iTLB multihit) */
};

int hvlab_ept_init(struct hvlab_ept *ept);
void hvlab_ept_destroy(struct hvlab_ept *ept);
int hvlab_ept_map_page(struct hvlab_ept *ept, u64 gpa, u64 hpa);
int hvlab_ept_map_mmio_page(struct hvlab_ept *ept, u64 gpa);
int hvlab_ept_map_pages(struct hvlab_ept *ept, u64 gpa, struct page **pages,
			unsigned long npages, bool small_only);
int hvlab_ept_set_rights(struct hvlab_ept *ept, u64 gpa, unsigned long npages, u64 rights);
int hvlab_ept_rights(struct hvlab_ept *ept, u64 gpa, bool *nx_huge);
int hvlab_ept_split_for_fetch(struct hvlab_ept *ept, u64 gpa);
void hvlab_ept_unmap_range(struct hvlab_ept *ept, u64 gpa, unsigned long npages);
unsigned long hvlab_ept_harvest_dirty(struct hvlab_ept *ept, u64 gpa, unsigned long npages,
				      unsigned long *bitmap);
void hvlab_ept_clear_dirty(struct hvlab_ept *ept, u64 gpa, unsigned long npages,
			   const unsigned long *bitmap);

struct hvlab_mem_slot {
	bool used;
	bool mmio;		/* HVLAB_MEM_MMIO: no pages, misconfigured EPT */
	bool log_dirty;		/* HVLAB_MEM_LOG_DIRTY: 4 KiB EPT pages only */
	unsigned long *dirty_bitmap;	/* pml.c: pages logged since the last harvest */
	u64 gpa;
	u64 size;
	u64 uaddr;
	struct page **pages;
	unsigned long npages;
};

struct hvlab_vcpu;

struct hvlab_vm {
	struct kref kref;	/* the VM fd and each vCPU fd hold one */
	struct mutex lock;	/* protects slots, vcpus, mem_total */
	struct hvlab_ept ept;
	struct hvlab_mem_slot slots[HVLAB_MAX_MEM_SLOTS];
	u64 mem_total;
	u64 slot_unwinds;	/* additions that failed half-way and were undone */
	u64 dirty_pages_harvested;	/* HVLAB_GET_DIRTY_LOG: pages reported dirty */
	bool pml;		/* dirty log by page-modification logging (pml.c) */
	u64 pml_entries;	/* addresses taken from the vCPUs' logs */
	u64 ept_flushes;	/* vm.c: invalidations after EPT entries shrank */
	u64 ept_flush_cpus;	/* ... and the CPUs that had to INVEPT for them */
	struct hvlab_vcpu *vcpus[HVLAB_MAX_VCPUS];
	/* Backs HVLAB_APIC_BASE once a vCPU virtualizes APIC accesses. */
	struct page *apic_access_page;
	unsigned int id;		/* for debugfs: vm<id> */
	struct dentry *debugfs;
	u64 created_ns;			/* host CLOCK_MONOTONIC: HVLAB_HC_GET_TIME counts from it */
	/* The process that made the VM: its memory, its RLIMIT_MEMLOCK (vm.c) */
	struct mm_struct *mm;
	struct list_head list;		/* in vm.c's list of every VM */
};

/*
 * What every VM holds, module-wide (stats.c shows it in debugfs, "pages"):
 * each goes back to 0 when every fd is closed, which the in-VM fuzzer
 * checks.
 */
struct hvlab_page_counts {
	atomic_long_t pinned;		/* guest pages pinned for EPT */
	atomic_long_t ept_tables;	/* EPT paging-structure pages */
	atomic_long_t vmcs;		/* VMCS regions */
};

extern struct hvlab_page_counts hvlab_pages;

void hvlab_vm_put(struct hvlab_vm *vm);
long hvlab_create_vm(void);
struct page *hvlab_gpa_to_page(struct hvlab_vm *vm, u64 gpa);
bool hvlab_gpa_is_mmio_slot(struct hvlab_vm *vm, u64 gpa);
int hvlab_vm_map_apic_access_page(struct hvlab_vm *vm);

/* Guest general registers, indexed by the x86 register number (ModRM). */
enum hvlab_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* What the next HVLAB_RUN must finish before entering the guest. */
enum hvlab_pending {
	PENDING_NONE,
	PENDING_IO_IN,		/* copy run->io.data into AL/AX/EAX, skip IN */
	PENDING_MMIO_READ,	/* copy run->mmio.data into a register, skip */
	PENDING_STRING_IN,	/* store run->io.data at ES:rDI, step (strio.c) */
	PENDING_MMIO_OPERAND,	/* finish ALU, BT, XCHG, MOVSX, MOVS with it (mmio_ops.c) */
};

/* The exit being handled, read from the VMCS once per exit. */
struct hvlab_exit_info {
	u32 reason;		/* full exit-reason field */
	u32 instruction_length;
	u32 interrupted_event;	/* IDT-vectoring info, while it is to be re-injected */
	u64 qualification;
	u64 rip;
	u64 gpa;
};

/*
 * Per-vCPU statistics (stats.c): what HVLAB_GET_VCPU_STATS and debugfs
 * show. Only the vCPU's own thread writes them.
 */
#define HVLAB_NR_EXIT_REASONS	70	/* basic reasons 0-69 (SDM Appendix C) */
#define HVLAB_MSR_GP_SLOTS	16

struct hvlab_vcpu_stats {
	u64 runs;			/* HVLAB_RUN calls */
	u64 exits;
	u64 exits_to_user;
	u64 entry_failures;
	u64 signal_exits;
	u64 steps;			/* HVLAB_RUN_SINGLE_STEP steps */
	u64 fpu_switches;		/* guest FPU state loaded (fpu.c) */
	u64 fpu_switch_ticks;		/* host ticks spent loading and saving it */
	u64 fpu_reloads;		/* reloaded before entry: scheduled out, kernel SIMD */
	u64 l1d_flushes;		/* L1D flushed before entry (spec.c) */
	u64 l1d_flush_ticks;		/* host ticks those flushes took */
	u64 ibpbs;			/* IBPBs: this CPU ran another VM's vCPU before */
	u64 timer_ticks;		/* HVLAB_SET_TIMER ticks queued (timer.c) */
	u64 timer_ticks_missed;		/* ticks that found the last one still waiting */
	u64 halts_in_kernel;		/* HLTs that waited in the kernel, not in userspace */
	u64 irq_window_exits;		/* HVLAB_EXIT_IRQ_WINDOW returns (events.c) */
	u64 hypercalls;			/* VMCALLs (hypercall.c) */
	u64 console_bytes;		/* bytes the guest printed by hypercall */
	u64 coalesced_bytes;		/* OUTs kept in the coalesced ring (coalesced.c) */
	u64 vm_launches;		/* VMLAUNCHes that entered: the VMCS had been clear */
	u64 vmcs_remote_clears;		/* VMCLEARs by IPI on the CPU the VMCS left */
	u64 reason_count[HVLAB_NR_EXIT_REASONS];
	u64 reason_ticks[HVLAB_NR_EXIT_REASONS];
	u64 reason_max_ticks[HVLAB_NR_EXIT_REASONS];
	/*
	 * RDMSRs and WRMSRs refused with #GP, by MSR and direction (msr.c):
	 * what the guest wanted that hvlab does not give, the first
	 * HVLAB_MSR_GP_SLOTS of them by name, the rest in msr_gp_other.
	 */
	u64 msr_gp_key[HVLAB_MSR_GP_SLOTS];	/* index | write << 32 */
	u64 msr_gp_count[HVLAB_MSR_GP_SLOTS];
	u32 msr_gp_slots;			/* in use */
	u64 msr_gp_other;
};

/* The host's selectors while a vCPU is loaded (vmcs.c) */
struct hvlab_host_segments {
	u16 ds, es, fs, gs, ldt;
};

/*
 * The MSRs SYSCALL reads (SDM Vol. 2, SYSCALL): VM entry and exit switch
 * none of them, so hvlab does, when a vCPU is loaded and put (vmcs.c).
 */
#define HVLAB_NR_SYSCALL_MSRS	4
extern const u32 hvlab_syscall_msrs[HVLAB_NR_SYSCALL_MSRS];
DECLARE_PER_CPU(u64, hvlab_host_syscall_msrs[HVLAB_NR_SYSCALL_MSRS]);

/* What a stepped instruction does with RFLAGS.TF (step.c) */
enum step_insn {
	STEP_INSN_OTHER,
	STEP_INSN_LOADS_TF,	/* POPF, IRET */
	STEP_INSN_PUSHF,
};

struct hvlab_vcpu {
	struct hvlab_vm *vm;
	int id;
	struct mutex mutex;		/* one ioctl at a time */

	/* Read and written by the entry/exit assembly: keep it first. */
	u64 gprs[GPR_COUNT];		/* gprs[GPR_RSP] unused: it is in the VMCS */
	u64 cr2;

	void *vmcs;			/* one 4 KiB VMCS region */
	u64 vmcs_pa;
	int cpu;			/* CPU the vCPU is loaded on (load..put), or -1 */
	int vmcs_cpu;			/* CPU the VMCS is active on, or -1: clear */
	struct list_head active_vmcs_link;	/* on that CPU's list (vmcs.c) */
	int last_cpu;			/* CPU of the previous load, or -1 */
	u16 vpid;			/* its TLB tag (SDM 29.1), or 0 without VPID */
	u32 cpu_migrations;
	bool launched;			/* VMRESUME rather than VMLAUNCH: active, not cleared */
	struct preempt_notifier preempt_notifier;

	/* Host state that changes by CPU or by task, refreshed on load. */
	unsigned long host_cr3;
	unsigned long host_cr4;
	u64 host_kernel_gs_base;
	u64 guest_kernel_gs_base;
	struct hvlab_host_segments host_segments;	/* VM exit nulls them (vmcs.c) */
	struct desc_ptr host_idt;	/* VM exit sets the IDT limit to 0xffff */
	int host_state_cpu;		/* the CPU the VMCS host-state fields are for */
	/* STAR, LSTAR, CSTAR, SFMASK: in the real MSRs while the vCPU is loaded */
	u64 guest_syscall_msrs[HVLAB_NR_SYSCALL_MSRS];
	bool syscall_msrs_loaded;	/* the guest's are in the real MSRs */
	u64 misc_enable;		/* IA32_MISC_ENABLE (msr.c) */
	/* IA32_APIC_BASE with HVLAB_CPU_LAPIC (cpuid.c, msr.c); 0: no APIC */
	u64 apic_base;
	bool l1d_flush_needed;		/* host code ran since the last entry (spec.c) */

	struct hvlab_intercepts intercepts;	/* what userspace asked to see */
	/*
	 * The guest's debug registers: MOV DR always exits; DR0-DR3 in the
	 * CPU while the guest runs with a breakpoint armed (debugreg.c).
	 */
	u64 dr[4];
	u64 dr6;
	u64 dr7;
	u64 xcr0;			/* the guest's XCR0, loaded around VM entry */
	struct fpu_guest guest_fpu;	/* the guest's x87/SSE/AVX state (fpu.c) */
	u8 tpr;				/* CR8: the guest's task priority, in software */
	struct hvlab_msr_lists *msr_lists;	/* NULL where the CPU has no RDTSCP */
	u32 msr_load_count;			/* entries VM entry loads now */
	u8 *virtual_apic_page;		/* the TPR shadow at offset 0x80 (SDM 29.1) */
	struct hvlab_run *run;		/* shared with userspace by mmap */
	u32 run_flags;			/* request_flags of the HVLAB_RUN under way */
	u64 run_deadline_ns;		/* its run->deadline_ns, taken at its start */
	struct hvlab_exit_info exit;
	u64 exit_count;

	/* An IN or MMIO read waits for userspace's data (next HVLAB_RUN). */
	enum hvlab_pending pending;
	u8 pending_insn_length;
	u8 pending_reg;
	bool pending_high_byte;
	u8 pending_reg_size;
	u8 pending_mem_size;
	u64 pending_linear;		/* INS, MOVS: where the element goes */
	u64 pending_addr_mask;		/* INS, MOVS: the address size, as a mask */
	bool pending_rep;		/* INS: with REP, rCX counts down */
	struct insn pending_mmio;	/* PENDING_MMIO_OPERAND: the instruction */
	u64 pending_gpa;		/* PENDING_MMIO_OPERAND: the address it read */

	/* Events from HVLAB_INJECT waiting for the guest (events.c); -1: none */
	int queued_irq;
	int interrupted_irq;		/* an exit cut its delivery short: it goes first */
	int queued_exception;
	u32 queued_error_code;
	bool queued_nmi;
	/* Interrupt-window exiting is on for HVLAB_RUN_IRQ_WINDOW (events.c) */
	bool irq_window_armed;

	/* HVLAB_SET_TIMER (timer.c): 0 = off */
	u64 timer_period_ns;
	u8 timer_vector;
	ktime_t timer_deadline;		/* host time of the next tick */

	/*
	 * HVLAB_ENTRY_*: what the next VM entries must do first (vcpu.c).
	 * Bit operations: the sched-in notifier sets a bit between any two
	 * instructions of the run loop, which must not lose it.
	 */
	unsigned long entry_work;

	/* The paravirtual console (hypercall.c) */
	u8 *console;			/* HVLAB_EXIT_CONSOLE's bytes, mmap'ed after run */
	/* HVLAB_SET_COALESCED_PORT (coalesced.c): the third page of the mapping */
	struct hvlab_coalesced_ring *coalesced;
	u32 coalesced_head;		/* the kernel's own count: never read back */
	u16 coalesced_port;
	bool coalesced_on;
	bool io_extras;			/* coalesced_on, or DR7 arms a breakpoint (exits.c) */
	u32 console_len;		/* bytes the hypercall under way put there */
	u64 ring_gpa;			/* HVLAB_HC_CONSOLE_RING; ring_size 0: none */
	u32 ring_size;
	u32 ring_consumed;		/* hvlab's own count: the guest's copy is not trusted */

	/* HVLAB_RUN_SINGLE_STEP (step.c) */
	bool step_armed;
	bool step_guest_tf;		/* the guest's own RFLAGS.TF */
	bool step_by_timer;		/* the step is an event's delivery: step.c */
	u8 step_insn;			/* enum step_insn: what the instruction does with TF */
	u8 step_insn_len;		/* PUSHF: its length, prefixes included */
	u8 step_push_bytes;		/* PUSHF: what it pushes, 2, 4 or 8 */
	unsigned long step_rip;		/* where the step started */
	unsigned long step_rsp;		/* RSP there */

	struct hvlab_vcpu_stats stats;	/* stats.c */
	struct dentry *debugfs;		/* /sys/kernel/debug/hvlab/vm<N>/vcpu<I> */
	u64 exit_tsc;			/* host TSC at the last VM exit */
	u32 entry_insn_error;		/* VM-instruction error of the last VMfailValid */

	u64 ept_retry_gpa;		/* exits.c: a violation retried there, or ~0 */
	u64 ept_retry_exit;		/* ... at this exit_count */
	u64 *pml_log;			/* pml.c: the CPU's page-modification log */
	bool dead;			/* a broken guest ends its own VM */
	char dead_reason[96];
};

/* An entry of a VM-entry or VM-exit MSR-load list (SDM 25.7.2, Table 25-15) */
struct vmx_msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};

/*
 * The MSRs VM entry and exit switch for hvlab from lists: IA32_TSC_AUX,
 * which RDTSCP reads without an exit, so the guest must have its own.
 */
struct hvlab_msr_lists {
	struct vmx_msr_entry entry_load[2];	/* the guest's values (+ a fault) */
	struct vmx_msr_entry exit_load[1];	/* the host's values */
};

/* vmcs.c: one VMCS per vCPU */
int hvlab_vmcs_alloc(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_free(struct hvlab_vcpu *vcpu);
int hvlab_vmcs_setup(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_init_active_lists(void);
int hvlab_vmcs_make_current(struct hvlab_vcpu *vcpu, int cpu);
void hvlab_vmcs_clear_all_on_this_cpu(void);
void hvlab_vmcs_load(struct hvlab_vcpu *vcpu, int cpu);
void hvlab_vmcs_put(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_update_msr_lists(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_restore_host_msrs(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_load_guest_syscall_msrs(struct hvlab_vcpu *vcpu);
void hvlab_vmcs_get_sregs(struct hvlab_sregs *sregs);
void hvlab_vmcs_set_sregs(const struct hvlab_sregs *sregs);
int hvlab_vmcs_set_intercepts(struct hvlab_vcpu *vcpu, const struct hvlab_intercepts *in);
unsigned long hvlab_vmcs_read_guest_cr0(void);
unsigned long hvlab_vmcs_read_guest_cr4(void);
void hvlab_vmcs_write_guest_cr0(unsigned long cr0);
void hvlab_vmcs_write_guest_cr4(unsigned long cr4);
bool hvlab_cr4_allowed(u64 cr4);

/* vcpu.c: the vCPU fd and the run loop */
long hvlab_create_vcpu(struct hvlab_vm *vm, unsigned long id);
void hvlab_vcpu_kill(struct hvlab_vcpu *vcpu, const char *fmt, ...) __printf(2, 3);
void hvlab_vcpu_advance_rip(struct hvlab_vcpu *vcpu, unsigned int length);
void hvlab_vcpu_inject_exception(struct hvlab_vcpu *vcpu, u8 vector, bool has_error_code,
				 u32 error_code);

int __must_check hvlab_vcpu_vmcs_enter(struct hvlab_vcpu *vcpu);
void hvlab_vcpu_vmcs_exit(struct hvlab_vcpu *vcpu);

/* vmcs_access.c: HVLAB_GET_VMCS, HVLAB_SET_VMCS */
long hvlab_vcpu_get_vmcs(struct hvlab_vcpu *vcpu, void __user *argp);
long hvlab_vcpu_set_vmcs(struct hvlab_vcpu *vcpu, void __user *argp);
bool hvlab_may_see_host_addresses(void);

/* The exception bitmap a vCPU runs with: hvlab's and userspace's. */
static inline u32 hvlab_exception_bitmap(const struct hvlab_vcpu *vcpu)
{
	return vcpu->intercepts.exception_bitmap | HVLAB_HOST_EXCEPTION_BITMAP;
}

/* fpu.c: the guest's FPU state */
/* spec.c: speculative-execution mitigations around entry and exit */
int hvlab_spec_init(void);
void hvlab_spec_add_debugfs(struct dentry *root);
void hvlab_spec_exit(void);
void hvlab_spec_vcpu_load(struct hvlab_vcpu *vcpu);
void __hvlab_spec_l1d_flush(struct hvlab_vcpu *vcpu);
void hvlab_spec_barriers(void);		/* entry.S: the entry and exit barriers alone */
DECLARE_STATIC_KEY_FALSE(hvlab_l1d_flush_on);
extern bool hvlab_l1d_flush_always;

/* Interrupt entry sets this per-CPU flag for hypervisors (asm/hardirq.h). */
static __always_inline bool hvlab_irq_ran_since_flush(void)
{
#if IS_ENABLED(CONFIG_KVM_INTEL)
	return kvm_get_cpu_l1tf_flush_l1d();
#else
	return false;	/* the kernel keeps the flag only where KVM may run */
#endif
}

/*
 * Last thing before VM entry, interrupts off. Inline, and the common
 * case (no host code ran since the last entry) is a few loads: the
 * CPUID round trip that the lab's bench counts pays nothing more.
 */
static __always_inline void hvlab_spec_before_entry(struct hvlab_vcpu *vcpu)
{
	if (!static_branch_unlikely(&hvlab_l1d_flush_on))
		return;
	if (vcpu->l1d_flush_needed || READ_ONCE(hvlab_l1d_flush_always) ||
	    hvlab_irq_ran_since_flush())
		__hvlab_spec_l1d_flush(vcpu);
}

/* The kernel read or wrote guest memory through its own mapping. */
static inline void hvlab_spec_note_host_access(struct hvlab_vcpu *vcpu)
{
	vcpu->l1d_flush_needed = true;
}

int hvlab_fpu_alloc(struct hvlab_vcpu *vcpu);
void hvlab_fpu_free(struct hvlab_vcpu *vcpu);
void hvlab_fpu_load_guest(struct hvlab_vcpu *vcpu);
void hvlab_fpu_put_guest(struct hvlab_vcpu *vcpu);
void hvlab_fpu_reload_if_needed(struct hvlab_vcpu *vcpu);
long hvlab_vcpu_get_fpu(struct hvlab_vcpu *vcpu, void __user *argp);
long hvlab_vcpu_set_fpu(struct hvlab_vcpu *vcpu, void __user *argp);

/* step.c: HVLAB_RUN_SINGLE_STEP */
void hvlab_step_arm(struct hvlab_vcpu *vcpu);
void __hvlab_step_disarm(struct hvlab_vcpu *vcpu);
/* After every run: the test inline, a run without a step pays only this */
static inline void hvlab_step_disarm(struct hvlab_vcpu *vcpu)
{
	if (unlikely(vcpu->step_armed))
		__hvlab_step_disarm(vcpu);
}
bool hvlab_step_is_own_trap(struct hvlab_vcpu *vcpu);
bool hvlab_step_is_own_timer(struct hvlab_vcpu *vcpu);
unsigned long hvlab_step_guest_rflags(struct hvlab_vcpu *vcpu, unsigned long rflags);

/* stats.c: statistics by ioctl and in debugfs */
/* Once per VM exit, by the vCPU's own thread: inline, it is on every exit. */
void hvlab_stats_count_msr_gp(struct hvlab_vcpu *vcpu, u32 index, bool write);
static inline void hvlab_stats_account_exit(struct hvlab_vcpu *vcpu, u64 ticks)
{
	struct hvlab_vcpu_stats *st = &vcpu->stats;
	u32 basic = HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason);

	st->exits++;
	if (basic >= HVLAB_NR_EXIT_REASONS)
		return;
	st->reason_count[basic]++;
	st->reason_ticks[basic] += ticks;
	if (ticks > st->reason_max_ticks[basic])
		st->reason_max_ticks[basic] = ticks;
}

long hvlab_vcpu_get_stats(struct hvlab_vcpu *vcpu, void __user *argp);
long hvlab_vm_get_stats(struct hvlab_vm *vm, void __user *argp);

/* ept_dump.c: HVLAB_GET_EPT, the tables as data */
long hvlab_vm_get_ept(struct hvlab_vm *vm, void __user *argp);

int hvlab_debugfs_init(void);
void hvlab_debugfs_exit(void);
void hvlab_debugfs_add_vm(struct hvlab_vm *vm);
void hvlab_debugfs_add_vcpu(struct hvlab_vcpu *vcpu);

/* events.c: interrupts, NMIs and exceptions from userspace */
long hvlab_vcpu_inject(struct hvlab_vcpu *vcpu, void __user *argp);
int hvlab_vcpu_inject_queued_events(struct hvlab_vcpu *vcpu);
void hvlab_vcpu_keep_nmis_blocked(struct hvlab_vcpu *vcpu, u32 exit_info);
int hvlab_vcpu_raise_exception(struct hvlab_vcpu *vcpu, u8 vector, bool has_error_code,
			       u32 error_code);
int hvlab_handle_event_window(struct hvlab_vcpu *vcpu);
bool hvlab_vcpu_irq_window(struct hvlab_vcpu *vcpu, bool requested);

/* Bit numbers in vcpu->entry_work */
#define HVLAB_ENTRY_TIMER	0	/* the timer is on, or the preemption timer still set for it */
#define HVLAB_ENTRY_MSR_LISTS	1	/* a value in the MSR-load lists changed (vmcs.c) */
#define HVLAB_ENTRY_LOAD_AGAIN	2	/* a sched-in could not load the VMCS (vcpu.c) */
#define HVLAB_ENTRY_FLUSH_VPID	3	/* the guest's TLB entries may be stale: INVVPID */
#define HVLAB_ENTRY_DEBUGREG	4	/* the guest's DR7 arms a breakpoint, or did (debugreg.c) */

/* The guest's TLB may hold what it should not: flush it before the next entry */
static inline void hvlab_vcpu_flush_tlb(struct hvlab_vcpu *vcpu)
{
	set_bit(HVLAB_ENTRY_FLUSH_VPID, &vcpu->entry_work);
}

/* timer.c: the guest's periodic interrupt, and HLT that waits for it */
long hvlab_vcpu_set_timer(struct hvlab_vcpu *vcpu, void __user *argp);
void hvlab_vcpu_timer_prepare_entry(struct hvlab_vcpu *vcpu);
bool hvlab_vcpu_halt(struct hvlab_vcpu *vcpu);

/* IA32_MISC_ENABLE after reset: fast strings; no BTS, no PEBS (msr.c) */
#define HVLAB_MISC_ENABLE_RESET	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define HVLAB_UCODE_REV		0x100000000ULL

/* cpuid.c */
#define HVLAB_CPUID_MAX_LEAF	0x16	/* leaves 0x15 and 0x16 give the TSC's frequency */
extern u32 hvlab_cpuid_policy_mask;	/* the basic leaves 0-31 the policy corrects */
extern u32 hvlab_cpuid_host_max_leaf;

static inline bool hvlab_cpuid_policy_leaf(u32 leaf)
{
	if (leaf < 32)
		return hvlab_cpuid_policy_mask & BIT(leaf);
	return (leaf > hvlab_cpuid_host_max_leaf && leaf < 0x40000000) ||
	       (leaf >= 0x40000100 && leaf < 0x50000000);
}

void hvlab_cpuid_init(void);
void hvlab_cpuid_apply_policy(struct hvlab_vcpu *vcpu, u32 leaf, u32 subleaf);
u32 hvlab_cpuid_crystal_hz(u32 *ratio);
long hvlab_vcpu_set_cpu_features(struct hvlab_vcpu *vcpu, void __user *argp);
void hvlab_vcpu_set_apic_base(struct hvlab_vcpu *vcpu, u64 value);
void hvlab_vcpu_arm_deadline(struct hvlab_vcpu *vcpu, u64 deadline_ns);

/* coalesced.c: one port's bytes kept in a ring instead of exiting (lab 9) */
int hvlab_vcpu_set_coalesced_port(struct hvlab_vcpu *vcpu, void __user *argp);
bool hvlab_coalesce_out(struct hvlab_vcpu *vcpu);

/* exits.c: one handler per basic exit reason. 1 = resume, 0 = to user. */
int hvlab_handle_exit(struct hvlab_vcpu *vcpu);

/* msr.c: the MSRs a guest may use */
int hvlab_msr_bitmap_init(void);
void hvlab_msr_bitmap_free(void);
u64 hvlab_msr_bitmap_pa(void);
int hvlab_handle_rdmsr(struct hvlab_vcpu *vcpu);
int hvlab_handle_wrmsr(struct hvlab_vcpu *vcpu);

/* mmio.c: decode and stage an access to guest-physical MMIO */
#define HVLAB_MMIO_FROM_INSN	(-1)	/* direction unknown: the instruction says */
int hvlab_handle_mmio(struct hvlab_vcpu *vcpu, u64 gpa, int is_write);
void hvlab_complete_mmio_read(struct hvlab_vcpu *vcpu);
/* mmio_ops.c: the MMIO instructions beyond MOV and MOVZX */
int hvlab_mmio_emulate(struct hvlab_vcpu *vcpu, u64 gpa, const struct insn *insn);
bool hvlab_complete_mmio_operand(struct hvlab_vcpu *vcpu);
int hvlab_guest_code_bits(void);
u64 hvlab_read_gpr(struct hvlab_vcpu *vcpu, u8 reg);
void hvlab_write_gpr(struct hvlab_vcpu *vcpu, u8 reg, u64 value);
void hvlab_write_gpr_sized(struct hvlab_vcpu *vcpu, u8 reg, bool high_byte,
			   unsigned int size, u64 value);

/*
 * guest_mem.c: guest memory by linear address, through the guest's page
 * tables. 0, -EFAULT (a #PF for the guest: linear and error_code say
 * which) or -ENXIO (gpa has no RAM behind it).
 */
struct hvlab_mem_fault {
	u64 linear;		/* -EFAULT: the address, for CR2 */
	u32 error_code;		/* -EFAULT: the #PF error code (SDM 4.7) */
	u64 gpa;		/* -ENXIO: the guest-physical address */
};

int hvlab_translate(struct hvlab_vcpu *vcpu, u64 linear, bool write, u64 *gpa,
		    struct hvlab_mem_fault *fault);
/* A NULL @buf only checks that the access would succeed. */
int hvlab_read_guest(struct hvlab_vcpu *vcpu, u64 linear, void *buf, unsigned int len,
		     struct hvlab_mem_fault *fault);
int hvlab_write_guest(struct hvlab_vcpu *vcpu, u64 linear, const void *buf, unsigned int len,
		      struct hvlab_mem_fault *fault);
void hvlab_inject_page_fault(struct hvlab_vcpu *vcpu, const struct hvlab_mem_fault *fault);
/*
 * Guest memory by guest-physical address, as hypercalls name it: 0, or
 * -EFAULT when any byte of [gpa, gpa + len) is not guest RAM (a hole, an
 * MMIO slot, past the end, or a range that wraps). Nothing is copied
 * then. A NULL @buf only checks.
 */
int hvlab_read_guest_phys(struct hvlab_vcpu *vcpu, u64 gpa, void *buf, u32 len);
int hvlab_write_guest_phys(struct hvlab_vcpu *vcpu, u64 gpa, const void *buf, u32 len);

/* hypercall.c: VMCALL (exit 18) and the paravirtual console */
int hvlab_handle_vmcall(struct hvlab_vcpu *vcpu);

/* pml.c: the dirty log kept by the CPU */
bool hvlab_pml_wanted(void);
int hvlab_pml_alloc(struct hvlab_vcpu *vcpu);
void hvlab_pml_free(struct hvlab_vcpu *vcpu);
void hvlab_pml_setup_vmcs(struct hvlab_vcpu *vcpu);
void hvlab_pml_take_all(struct hvlab_vm *vm);
void hvlab_pml_take_vcpu(struct hvlab_vcpu *vcpu);
int hvlab_handle_pml_full(struct hvlab_vcpu *vcpu);

/* Segment registers, numbered as in the VM-exit instruction-information field */
enum {
	INFO_SEG_ES, INFO_SEG_CS, INFO_SEG_SS, INFO_SEG_DS, INFO_SEG_FS, INFO_SEG_GS,
	INFO_SEG_COUNT
};
u64 hvlab_segment_linear(unsigned int seg, u64 offset);

/* desc.c: LGDT, SGDT, LIDT, SIDT, LLDT, SLDT, LTR, STR (exits 46, 47) */
int hvlab_handle_descriptor_table(struct hvlab_vcpu *vcpu);

/* debugreg.c: the guest's DR0-DR7 (MOV DR exits; in the CPU while armed) */
void hvlab_debugreg_io_done(struct hvlab_vcpu *vcpu, u16 port, unsigned int size);
void hvlab_vcpu_update_io_extras(struct hvlab_vcpu *vcpu);
int hvlab_handle_dr_access(struct hvlab_vcpu *vcpu);
void hvlab_debugreg_enter(struct hvlab_vcpu *vcpu);

/* strio.c: INS and OUTS, one element per VM exit */
int hvlab_handle_string_io(struct hvlab_vcpu *vcpu, unsigned int size, bool in);
void hvlab_complete_string_in(struct hvlab_vcpu *vcpu);
void hvlab_string_step(struct hvlab_vcpu *vcpu, int reg, u64 mask, unsigned int size);
void hvlab_vcpu_string_iteration_done(struct hvlab_vcpu *vcpu);
void hvlab_string_element_done(struct hvlab_vcpu *vcpu, u64 mask, bool rep,
			       unsigned int insn_length);

/* entry.S: 0 = VM exit, 1 = VMfailValid, 2 = VMfailInvalid */
int hvlab_vmx_enter(u64 *gprs, bool launched);
extern const char hvlab_vmx_exit_landing[];

#endif /* HVLAB_H */
