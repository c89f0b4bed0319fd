/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvlab.h - the ioctl ABI between hvlab.ko and userspace (hvctl, tests).
 *
 * The shape follows KVM and bhyve: /dev/hvlab hands out a VM fd, the VM fd
 * hands out vCPU fds, and a vCPU runs inside the HVLAB_RUN ioctl in the
 * caller's thread. When an exit needs userspace, HVLAB_RUN returns and the
 * mmap'ed struct hvlab_run says why. See docs/abi.md.
 *
 * Every struct here has a fixed layout (explicit padding, __u64 alignment)
 * so that the same header serves the module, hvctl and the tests.
 */
#ifndef _UAPI_HVLAB_H
#define _UAPI_HVLAB_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include "hvlab_hypercall.h"	/* HVLAB_API_VERSION and the hypercalls */

#define HVLAB_DEVICE		"/dev/hvlab"

/* ioctl type byte: unused in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define HVLAB_IO		0xB8

/*
 * Capabilities: the raw VMX capability MSRs plus what hvlab decoded from
 * them. The *_ctls fields are the TRUE controls where IA32_VMX_BASIC[55]
 * says they exist: low 32 bits = allowed-0 settings (bits that must be 1),
 * high 32 bits = allowed-1 settings (bits that may be 1). SDM Appendix A.
 */
struct hvlab_vmx_caps {
	__u64 basic;			/* IA32_VMX_BASIC (0x480) */
	__u64 pinbased_ctls;		/* (TRUE_)PINBASED_CTLS */
	__u64 procbased_ctls;		/* (TRUE_)PROCBASED_CTLS */
	__u64 procbased_ctls2;		/* PROCBASED_CTLS2, 0 if absent */
	__u64 exit_ctls;		/* (TRUE_)EXIT_CTLS */
	__u64 entry_ctls;		/* (TRUE_)ENTRY_CTLS */
	__u64 misc;			/* IA32_VMX_MISC */
	__u64 cr0_fixed0;
	__u64 cr0_fixed1;
	__u64 cr4_fixed0;
	__u64 cr4_fixed1;
	__u64 vmcs_enum;		/* highest VMCS field index */
	__u64 ept_vpid_cap;		/* 0 if EPT and VPID are both absent */
	__u64 vmfunc;			/* 0 if absent */
	__u64 feature_control;		/* IA32_FEATURE_CONTROL */
	__u32 revision_id;		/* basic[30:0] */
	__u32 vmcs_size;		/* basic[44:32] */
	__u32 flags;			/* HVLAB_CAP_* */
	__u32 preemption_timer_shift;	/* misc[4:0]: timer ticks = TSC >> shift */
	/*
	 * The controls hvlab chose within what the MSRs above allow (vmx.c,
	 * SDM A.3-A.5), as every VMCS gets them before per-vCPU changes.
	 */
	__u32 used_pin_ctls;
	__u32 used_proc_ctls;
	__u32 used_proc_ctls2;
	__u32 used_exit_ctls;
	__u32 used_entry_ctls;
	/*
	 * CPUID leaf 0x15's core crystal clock in Hz (ECX): the TSC, or the
	 * TSC divided by the smallest whole ratio that fits 32 bits. A VMM's
	 * local APIC timer counts at it, as Linux assumes when it takes the
	 * timer's period from CPUID.
	 */
	__u32 crystal_hz;
	__u64 reserved[5];
};

#define HVLAB_CAP_TRUE_CTLS		(1u << 0)
#define HVLAB_CAP_EPT			(1u << 1)
#define HVLAB_CAP_UNRESTRICTED_GUEST	(1u << 2)
#define HVLAB_CAP_VPID			(1u << 3)
#define HVLAB_CAP_PREEMPTION_TIMER	(1u << 4)
#define HVLAB_CAP_EPT_2M		(1u << 5)
#define HVLAB_CAP_EPT_AD		(1u << 6)
#define HVLAB_CAP_EPT_1G		(1u << 7)
#define HVLAB_CAP_EPT_EXECUTE_ONLY	(1u << 8)
/* iTLB multihit: large EPT pages do not execute; a fetch splits them */
#define HVLAB_CAP_EPT_LARGE_NX		(1u << 9)
/*
 * Page-modification logging (SDM 29.3.6): HVLAB_GET_DIRTY_LOG takes the
 * pages the CPU logged, not a scan of every dirty flag, in VMs created
 * while the module's parameter pml is on (the default).
 */
#define HVLAB_CAP_PML			(1u << 10)

/*
 * Guest memory: a page-aligned range of the caller's memory, pinned and
 * mapped by EPT at guest_phys_addr. Slots may not overlap and are never
 * replaced; they go away with the VM. Where 2 MiB (or 1 GiB, with
 * HVLAB_CAP_EPT_1G) of the range is aligned in guest-physical space and
 * pinned as one aligned run of host memory (a transparent or hugetlbfs
 * huge page), one EPT entry maps it all: the VM statistics ept_leaves_4k,
 * ept_leaves_2m and ept_leaves_1g count each size.
 *
 * HVLAB_MEM_LOG_DIRTY maps the slot with 4 KiB pages only, so that
 * HVLAB_GET_DIRTY_LOG can tell each page's writes apart (KVM's
 * KVM_MEM_LOG_DIRTY_PAGES). HVLAB_MEM_SMALL_PAGES maps it with 4 KiB
 * pages only, whatever the host memory: 4 KiB host pages can still come
 * as an aligned, contiguous run by chance (hvctl --small-pages).
 *
 * With HVLAB_MEM_MMIO the slot is a device range instead (userspace_addr
 * must be 0): no memory, and EPT entries that hvlab makes malformed on
 * purpose, so that an access exits as an EPT misconfiguration (49) rather
 * than an EPT violation (48). KVM marks MMIO the same way to recognise it
 * at once. Either exit becomes HVLAB_EXIT_MMIO.
 */
#define HVLAB_MAX_VMS_PER_PROCESS 16	/* HVLAB_CREATE_VM: -EMFILE beyond */
#define HVLAB_MAX_MEM_SLOTS	8
#define HVLAB_MAX_MEM_SIZE	(1ULL << 30)	/* per VM, all slots */
#define HVLAB_MAX_MMIO_SIZE	(16ULL << 20)	/* per MMIO slot */
#define HVLAB_MEM_MMIO		(1u << 0)
#define HVLAB_MEM_LOG_DIRTY	(1u << 1)
#define HVLAB_MEM_SMALL_PAGES	(1u << 2)

struct hvlab_memory_region {
	__u32 slot;
	__u32 flags;			/* 0, HVLAB_MEM_MMIO, or LOG_DIRTY and SMALL_PAGES */
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
};

#define HVLAB_MAX_VCPUS		4

/* General registers. RSP, RIP and RFLAGS live in the VMCS. */
struct hvlab_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
};

/*
 * A segment register as the VMCS holds it. access_rights is in the VMX
 * format (SDM 25.4.1, Table 25-2): type[3:0] S[4] DPL[6:5] P[7] AVL[12]
 * L[13] D/B[14] G[15] unusable[16].
 */
struct hvlab_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u16 padding;
	__u32 access_rights;
	__u32 padding2;
};

#define HVLAB_AR_UNUSABLE	(1u << 16)

struct hvlab_dtable {
	__u64 base;
	__u32 limit;
	__u32 padding;
};

/* Segment and control registers; cr0/cr4 are the values the guest sees. */
struct hvlab_sregs {
	struct hvlab_segment cs, ds, es, fs, gs, ss, tr, ldtr;
	struct hvlab_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 reserved[4];
};

/*
 * Extra intercepts a vCPU can ask for, to watch more kinds of VM exit.
 * hvlab always intercepts what protects the host (docs/exit-reasons.md);
 * these add exits a student may want to see. Exceptions in the bitmap
 * exit (reason 0) and are then delivered to the guest as if nothing had
 * happened; the other exits are emulated in the kernel.
 */
struct hvlab_intercepts {
	__u32 exception_bitmap;		/* bit n: exception vector n exits */
	__u32 flags;			/* HVLAB_INTERCEPT_* */
	__u64 tsc_offset;		/* added to the TSC the guest reads */
	__u32 tpr_threshold;		/* HVLAB_INTERCEPT_TPR: 0-15 */
	__u32 padding;			/* must be 0 */
	__u64 reserved[3];
};

#define HVLAB_INTERCEPT_RDTSC	(1u << 0)	/* RDTSC (16), RDTSCP (51) */
#define HVLAB_INTERCEPT_PAUSE	(1u << 1)	/* PAUSE (40) */
#define HVLAB_INTERCEPT_INVLPG	(1u << 2)	/* INVLPG (14), INVPCID (58) */
#define HVLAB_INTERCEPT_CR0	(1u << 3)	/* every CR0 change, CLTS, LMSW (28) */
#define HVLAB_INTERCEPT_CR3	(1u << 4)	/* MOV to/from CR3 (28) */
#define HVLAB_INTERCEPT_MTF	(1u << 5)	/* monitor trap flag: stop after each instruction (37) */
#define HVLAB_INTERCEPT_RDRAND	(1u << 6)	/* RDRAND (57), RDSEED (61) */
#define HVLAB_INTERCEPT_DESC	(1u << 7)	/* LGDT/SGDT/LIDT/SIDT (46), LLDT/SLDT/LTR/STR (47) */
#define HVLAB_INTERCEPT_MSR	(1u << 8)	/* every RDMSR/WRMSR, even those passed through */
/* TPR shadow: CR8 works without exits, lowering it below tpr_threshold exits (43) */
#define HVLAB_INTERCEPT_TPR	(1u << 9)
/* APIC-access page at HVLAB_APIC_BASE: its accesses exit (44) as MMIO */
#define HVLAB_INTERCEPT_APIC	(1u << 10)
#define HVLAB_APIC_BASE		0xfee00000ULL
/* PAUSE-loop exiting: a PAUSE spin longer than 4096 TSC ticks exits (40) */
#define HVLAB_INTERCEPT_PAUSE_LOOP (1u << 11)
/*
 * Exceptions in exception_bitmap stop at userspace as HVLAB_EXIT_EXCEPTION
 * instead of reaching the guest: a debugger's breakpoints (#BP) and steps
 * (#DB). Userspace delivers one with HVLAB_INJECT, or drops it by simply
 * running on.
 */
#define HVLAB_INTERCEPT_EXCEPTION_EXIT (1u << 12)
#define HVLAB_INTERCEPT_ALL	(HVLAB_INTERCEPT_RDTSC | HVLAB_INTERCEPT_PAUSE | \
				 HVLAB_INTERCEPT_INVLPG | HVLAB_INTERCEPT_CR0 | \
				 HVLAB_INTERCEPT_CR3 | HVLAB_INTERCEPT_MTF | \
				 HVLAB_INTERCEPT_RDRAND | HVLAB_INTERCEPT_DESC | \
				 HVLAB_INTERCEPT_MSR | HVLAB_INTERCEPT_TPR | \
				 HVLAB_INTERCEPT_APIC | HVLAB_INTERCEPT_PAUSE_LOOP | \
				 HVLAB_INTERCEPT_EXCEPTION_EXIT)

/*
 * An event for HVLAB_INJECT. hvlab queues it and delivers it through the
 * guest's IDT (or real-mode IVT) as soon as the guest can take it: an
 * exception at the next VM entry; an NMI once NMIs are not blocked; an
 * interrupt once RFLAGS.IF = 1 and no STI or MOV SS shadow is in effect.
 * Until then the interrupt-window or NMI-window exit (7, 8) is armed.
 * One event of each type can be queued; another gets -EBUSY.
 */
struct hvlab_event {
	__u8 type;			/* HVLAB_EVENT_* */
	__u8 vector;			/* interrupt: 32-255; exception: 0-31, not 2 */
	__u16 reserved0;		/* must be 0 */
	__u32 error_code;		/* protected mode, #DF #TS #NP #SS #GP #PF #AC #CP */
	__u64 reserved[2];		/* must be 0 */
};

#define HVLAB_EVENT_INTERRUPT	0	/* external interrupt, maskable by IF */
#define HVLAB_EVENT_NMI		1	/* vector ignored: always 2 */
#define HVLAB_EVENT_EXCEPTION	2	/* hardware exception, as if raised at RIP */

/*
 * HVLAB_SET_TIMER: a periodic interrupt the kernel delivers itself, every
 * period_ns of host time, as if HVLAB_INJECT asked for interrupt vector;
 * a HLT with interrupts on then waits for it in the kernel. period_ns = 0
 * turns it off. docs/abi.md.
 */
struct hvlab_timer {
	__u64 period_ns;		/* 0, or HVLAB_TIMER_MIN_PERIOD_NS..._MAX_ */
	__u32 vector;			/* 32-255 */
	__u32 flags;			/* must be 0 */
	__u64 reserved[2];		/* must be 0 */
};

/*
 * HVLAB_SET_COALESCED_PORT: one-byte OUTs to this port stop exiting to
 * userspace. The kernel appends each byte to the vCPU's coalesced ring,
 * the third page of its mapping (HVLAB_COALESCED_OFFSET), and the guest
 * goes on; userspace drains the ring at every return from HVLAB_RUN,
 * before it handles the exit reported, which keeps the guest's order. A
 * byte that finds the ring full exits as an ordinary OUT. As KVM's
 * coalesced PIO; docs/abi.md.
 */
struct hvlab_coalesced_port {
	__u16 port;
	__u16 flags;			/* HVLAB_COALESCE_ON, or 0: off */
	__u32 reserved;			/* must be 0 */
};

#define HVLAB_COALESCE_ON	(1u << 0)

#define HVLAB_COALESCED_SIZE	4088	/* bytes of data in the ring */

struct hvlab_coalesced_ring {
	__u32 head;			/* the kernel's: bytes appended since the port was set */
	__u32 tail;			/* userspace's: bytes taken; the kernel only reads it */
	__u8 data[HVLAB_COALESCED_SIZE];	/* byte n at data[n % HVLAB_COALESCED_SIZE] */
};

#define HVLAB_TIMER_MIN_PERIOD_NS	100000ULL	/* 100 us */
#define HVLAB_TIMER_MAX_PERIOD_NS	60000000000ULL	/* 60 s */

/* --- Exits ------------------------------------------------------------- */

/* Why HVLAB_RUN returned: hvlab_run.exit_reason */
enum hvlab_exit {
	HVLAB_EXIT_NONE		= 0,
	HVLAB_EXIT_IO		= 1,	/* IN/OUT: see run->io */
	HVLAB_EXIT_MMIO		= 2,	/* access outside guest memory: run->mmio */
	HVLAB_EXIT_HLT		= 3,	/* HLT that nothing in the kernel will end: RIP is past it */
	HVLAB_EXIT_SHUTDOWN	= 4,	/* triple fault */
	HVLAB_EXIT_FAIL_ENTRY	= 5,	/* VM entry failed: run->fail_entry */
	HVLAB_EXIT_UNHANDLED	= 6,	/* an exit hvlab does not handle (raw info) */
	HVLAB_EXIT_INTERNAL_ERROR = 7,	/* the VM is dead: run->internal.reason */
	HVLAB_EXIT_INTR		= 8,	/* a signal is pending; RUN returned -EINTR */
	HVLAB_EXIT_HANDLED	= 9,	/* handled in the kernel (STOP_EVERY_EXIT) */
	HVLAB_EXIT_TRACE_FULL	= 10,	/* trace ring needs draining; just RUN again */
	HVLAB_EXIT_MEMORY_FAULT	= 11,	/* event delivery hit a gpa with no memory */
	HVLAB_EXIT_STEP		= 12,	/* one instruction done (MTF, HVLAB_RUN_SINGLE_STEP) */
	HVLAB_EXIT_EXCEPTION	= 13,	/* HVLAB_INTERCEPT_EXCEPTION_EXIT: run->exception */
	HVLAB_EXIT_CONSOLE	= 14,	/* the guest printed by hypercall: run->console */
	HVLAB_EXIT_MEMORY_ACCESS = 15,	/* an access HVLAB_SET_MEMORY_ATTRIBUTES denies */
	HVLAB_EXIT_DEADLINE	= 16,	/* run->deadline_ns passed; move or clear it to go on */
	HVLAB_EXIT_IRQ_WINDOW	= 17,	/* HVLAB_RUN_IRQ_WINDOW: the guest can take an interrupt now */
};

/* hvlab_run.request_flags, set by userspace before HVLAB_RUN */
#define HVLAB_RUN_STOP_EVERY_EXIT	(1u << 0)	/* return after every VM exit */
#define HVLAB_RUN_TRACE			(1u << 1)	/* log every exit in run->trace */
/*
 * Execute one guest instruction and return HVLAB_EXIT_STEP (unless an exit
 * to userspace comes first). hvlab uses the monitor trap flag where the CPU
 * has it, else RFLAGS.TF with #DB intercepted, hidden from the guest.
 */
#define HVLAB_RUN_SINGLE_STEP		(1u << 2)
/*
 * Userspace holds an interrupt for the guest (its device models raised a
 * line of their interrupt controller): return HVLAB_EXIT_IRQ_WINDOW as
 * soon as the guest can take one, RFLAGS.IF = 1, no STI or MOV SS shadow,
 * no event of its own being delivered; at once, without entering, if it
 * can already. Userspace then acknowledges its controller and gives the
 * vector with HVLAB_INJECT, which goes in with the next entry. Clear the
 * flag when nothing is pending. As KVM's request_interrupt_window.
 */
#define HVLAB_RUN_IRQ_WINDOW		(1u << 3)
#define HVLAB_RUN_FLAGS_ALL		(HVLAB_RUN_STOP_EVERY_EXIT | HVLAB_RUN_TRACE | \
					 HVLAB_RUN_SINGLE_STEP | HVLAB_RUN_IRQ_WINDOW)

/* One VM exit as recorded in the trace ring. */
struct hvlab_exit_record {
	__u64 seq;			/* per-vCPU exit number, from 1 */
	__u32 reason;			/* VMX basic exit reason (+ bit 31 if entry failed) */
	__u32 instruction_length;
	__u64 qualification;
	__u64 rip;			/* guest RIP at the exit */
	__u64 gpa;			/* guest-physical address (EPT exits) */
	__u32 intr_info;		/* VM-exit interruption information (reason 0) */
	__u32 instruction_info;		/* VM-exit instruction information (SDM 28.2.5) */
	__u64 tsc;			/* host TSC right after the VM exit */
	/*
	 * Host TSC ticks the kernel spent on this exit: from the VM exit to
	 * the next VM entry, or, for an exit to userspace, until HVLAB_RUN
	 * returned (userspace adds its own share, see hvctl trace).
	 */
	__u64 cost;
};

#define HVLAB_TRACE_ENTRIES	48

#define HVLAB_IO_IN		0
#define HVLAB_IO_OUT		1

#define HVLAB_ACCESS_READ	0
#define HVLAB_ACCESS_WRITE	1
#define HVLAB_ACCESS_FETCH	2

/* run->memory_access.flags */
#define HVLAB_MEM_ACCESS_GLA_VALID	(1u << 0)	/* gla is the linear address */
/* the CPU was reading or setting A/D in a guest paging-structure entry */
#define HVLAB_MEM_ACCESS_PAGING_ENTRY	(1u << 1)
#define HVLAB_MEM_ACCESS_EVENT_DELIVERY	(1u << 2)	/* delivering idt_vectoring_info */

/*
 * What userspace mmaps from the vCPU fd (size: HVLAB_GET_VCPU_MMAP_SIZE):
 * struct hvlab_run in the first page; in the second, at
 * HVLAB_CONSOLE_OFFSET, the bytes of an HVLAB_EXIT_CONSOLE. As KVM's
 * KVM_PIO_PAGE_OFFSET: a hypercall's data is too big for the run page.
 */
#define HVLAB_CONSOLE_OFFSET	4096
/* The third page: struct hvlab_coalesced_ring (HVLAB_SET_COALESCED_PORT) */
#define HVLAB_COALESCED_OFFSET	8192

/*
 * The run page. The kernel writes the exit fields before HVLAB_RUN
 * returns; userspace writes request_flags and, for an IN or an MMIO read,
 * the data the guest should see before the next HVLAB_RUN.
 */
struct hvlab_run {
	/* in */
	__u32 request_flags;
	__u32 padding0;

	/* out: always valid */
	__u32 exit_reason;		/* enum hvlab_exit */
	__u32 vmx_exit_reason;		/* raw VMCS exit reason of the last exit */
	__u64 exit_qualification;
	__u64 guest_rip;		/* RIP of the instruction that exited */
	__u64 guest_phys_addr;		/* EPT exits only */
	__u64 guest_linear_addr;
	__u32 instruction_length;
	__u32 instruction_info;
	__u32 intr_info;		/* VM-exit interruption information */
	__u32 idt_vectoring_info;
	__u64 exit_count;		/* VM exits of this vCPU so far */
	__u32 host_cpu;			/* host CPU of the last VM entry */
	__u32 cpu_migrations;		/* times the vCPU moved to another CPU */

	union {
		/*
		 * HVLAB_EXIT_IO: for OUT, data holds the value; for IN, userspace
		 * stores the value there and the next RUN puts it in AL/AX/EAX.
		 * INS and OUTS (string = 1) exit once per element, data being
		 * that element; the kernel moves it to or from guest memory.
		 */
		struct {
			__u8 direction;	/* HVLAB_IO_IN / HVLAB_IO_OUT */
			__u8 size;	/* 1, 2 or 4 */
			__u16 port;
			__u32 data;
			__u8 string;	/* INS/OUTS */
			__u8 rep;	/* with a REP prefix */
			__u16 reserved;
			__u32 count;	/* elements left, this one included: 1 without REP */
		} io;
		/*
		 * HVLAB_EXIT_MMIO: the access was decoded by the kernel. For a
		 * read, userspace stores len bytes in data before the next RUN.
		 */
		struct {
			__u64 phys_addr;
			__u8 data[8];
			__u32 len;
			__u8 access;	/* HVLAB_ACCESS_* */
			__u8 padding[3];
		} mmio;
		/*
		 * HVLAB_EXIT_MEMORY_FAULT: while delivering an event (see
		 * idt_vectoring_info) the CPU touched phys_addr, where there is
		 * no memory: an IDT, GDT or stack outside guest RAM. Nothing can
		 * be emulated. The event stays queued: add a memory region there
		 * and HVLAB_RUN delivers it again, or give up on the guest.
		 */
		struct {
			__u64 phys_addr;
			__u8 access;	/* HVLAB_ACCESS_* */
			__u8 padding[7];
		} memory_fault;
		/*
		 * HVLAB_EXIT_EXCEPTION: guest_rip is the faulting instruction
		 * (for #BP the INT3 itself; for a #DB trap the next one).
		 * Running on without HVLAB_INJECT drops the exception.
		 */
		struct {
			__u8 vector;
			__u8 has_error_code;
			__u16 reserved;
			__u32 error_code;
			__u64 payload;	/* #PF: the faulting address; #DB: DR6 bits */
		} exception;
		/*
		 * HVLAB_EXIT_CONSOLE: the guest's hypercall console
		 * (docs/hypercalls.md) gave len bytes, which are at offset
		 * HVLAB_CONSOLE_OFFSET of the vCPU's mapping. The hypercall is
		 * complete: just HVLAB_RUN again.
		 */
		struct {
			__u32 len;
			__u32 reserved;
		} console;
		/*
		 * HVLAB_EXIT_MEMORY_ACCESS: the guest accessed a RAM page in a
		 * way that HVLAB_SET_MEMORY_ATTRIBUTES took away: an EPT
		 * violation (SDM 29.3.3.2), its qualification decoded (SDM
		 * Table 28-7). The access did not happen and guest_rip is its
		 * instruction: give the right back and HVLAB_RUN does it again;
		 * or give it, run with HVLAB_RUN_SINGLE_STEP, and take it away
		 * again; running on unchanged exits again.
		 */
		struct {
			__u64 gpa;
			__u64 gla;		/* with HVLAB_MEM_ACCESS_GLA_VALID */
			__u8 access;		/* HVLAB_ACCESS_*: what the guest tried */
			__u8 rights;		/* the page's HVLAB_MEM_ATTR_* */
			__u16 flags;		/* HVLAB_MEM_ACCESS_* */
			__u32 reserved;
			__u64 qualification;	/* as the CPU gave it */
		} memory_access;
		/* HVLAB_EXIT_FAIL_ENTRY */
		struct {
			__u32 vm_instruction_error;	/* VMfailValid, else 0 */
			__u32 exit_reason;		/* 33, 34, 41 with bit 31 */
			__u64 qualification;
		} fail_entry;
		/* HVLAB_EXIT_INTERNAL_ERROR: why hvlab ended this VM */
		struct {
			char reason[96];
		} internal;
		char padding[128];
	};

	/*
	 * HVLAB_RUN_TRACE: a ring of exit records, written by the kernel.
	 * trace_head counts records ever written; entry i lives in
	 * trace[i % HVLAB_TRACE_ENTRIES]. Userspace sets trace_tail to what
	 * it consumed; the kernel returns HVLAB_EXIT_TRACE_FULL rather than
	 * overwrite records that were not read.
	 */
	__u64 trace_head;
	__u64 trace_tail;
	struct hvlab_exit_record trace[HVLAB_TRACE_ENTRIES];

	/*
	 * HVLAB_RUN_STOP_EVERY_EXIT: the registers as the VM exit left them,
	 * before the kernel's handler ran. After HVLAB_EXIT_HANDLED, they
	 * end what the guest did; HVLAB_GET_REGS and HVLAB_GET_SREGS add
	 * what the handler did (CPUID's results, RIP past the instruction).
	 * exit_state_seq is the exit_count of that exit; 0: none yet.
	 */
	__u64 exit_state_seq;
	struct hvlab_regs exit_regs;
	struct hvlab_sregs exit_sregs;

	/*
	 * in: a CLOCK_MONOTONIC time, in ns (set before HVLAB_RUN: one set
	 * while it runs counts from the next); once it has passed, HVLAB_RUN
	 * returns HVLAB_EXIT_DEADLINE at the guest's next return to the
	 * kernel, which the VMX-preemption timer makes come at least every
	 * preemption_tsc TSC ticks (the module's parameter), even for a
	 * guest that spins with interrupts off. It is looked at before each
	 * entry: to go on, move it or set it to 0. 0: no deadline. While
	 * one is set, the preemption timer is set to expire by it, so a VMM
	 * can make it the time of its next device event (without a
	 * preemption timer, HVLAB_CAP_PREEMPTION_TIMER, or with the module's
	 * preemption_tsc=0, only the guest's own exits bring it back). A HLT
	 * that waits in the kernel for HVLAB_SET_TIMER's tick ends by it too.
	 */
	__u64 deadline_ns;

	/*
	 * in: when not 0, HVLAB_RUN finishes an IN or MMIO read still
	 * pending and returns -EINTR (HVLAB_EXIT_INTR) before any entry.
	 * It is how a VMM kicks its vCPU thread out of the guest without
	 * a race: another thread sends it a signal, whose handler sets this
	 * byte; a signal landing just before HVLAB_RUN would be lost, the
	 * byte is not. Userspace clears it. As KVM's immediate_exit.
	 */
	__u8 immediate_exit;
	__u8 padding1[7];

	/*
	 * out: the guest's IA32_APIC_BASE with HVLAB_CPU_LAPIC (0 without),
	 * kept up to date as the guest writes it: bit 11 says whether the
	 * VMM's local APIC is enabled at all.
	 */
	__u64 apic_base;
};

/*
 * HVLAB_SET_CPU_FEATURES (vCPU fd, before the vCPU first enters the
 * guest, else -EBUSY): what the VMM emulates for this CPU, so that CPUID
 * and the MSRs tell the guest the truth about it (docs/cpuid.md).
 */
struct hvlab_cpu_features {
	__u32 flags;			/* HVLAB_CPU_* */
	__u32 padding;			/* must be 0 */
	__u64 reserved[3];		/* must be 0 */
};

/*
 * The VMM emulates this CPU's local APIC in xAPIC mode at HVLAB_APIC_BASE
 * (its accesses come as MMIO exits): CPUID.1:EDX.APIC is set while it is
 * enabled, and IA32_APIC_BASE reads HVLAB_APIC_BASE | enabled (bit 11) |
 * BSP (bit 8, vCPU 0) after reset. The guest may disable and enable it again; moving
 * it, or x2APIC mode, is #GP. run->apic_base shows the value.
 */
#define HVLAB_CPU_LAPIC			(1u << 0)
#define HVLAB_CPU_FEATURES_ALL		HVLAB_CPU_LAPIC

/*
 * VMCS access (HVLAB_GET_VMCS, HVLAB_SET_VMCS): a batch of fields by
 * their encodings (SDM Appendix B). GET reads any field; one this CPU does
 * not have comes back with HVLAB_VMCS_FIELD_UNSUPPORTED and value 0. SET
 * writes guest-state fields only (encoding bits 11:10 = 2), so that a
 * student can break one and watch VM entry refuse it (exit reason 33);
 * controls and host state stay hvlab's. The VMCS link pointer may only be
 * ~0 (anything else would make the CPU read host memory), and the
 * VMX-preemption timer value is rewritten by hvlab at every entry. A batch
 * with a bad field is refused whole, with nothing written.
 */
#define HVLAB_VMCS_MAX_FIELDS		256
#define HVLAB_VMCS_FIELD_UNSUPPORTED	(1u << 0)
/*
 * A host address (HOST_RIP, HOST_CR3, EPT_POINTER, ...) withheld as 0,
 * as %pK hides kernel pointers: for callers without CAP_SYSLOG, or on a
 * kernel in lockdown.
 */
#define HVLAB_VMCS_FIELD_HIDDEN		(1u << 1)

struct hvlab_vmcs_field {
	__u32 encoding;
	__u32 flags;			/* out: HVLAB_VMCS_FIELD_*; in: must be 0 */
	__u64 value;
};

struct hvlab_vmcs_access {
	__u32 count;			/* 1..HVLAB_VMCS_MAX_FIELDS */
	__u32 flags;			/* must be 0 */
	__u64 fields;			/* user pointer to count struct hvlab_vmcs_field */
};

/*
 * Statistics, self-describing as in KVM's binary stats and bhyve's
 * vmm_stat: HVLAB_GET_VM_STATS / HVLAB_GET_VCPU_STATS fill up to count
 * names and values. With count too small (0 is fine) the call fails with
 * E2BIG and sets count to the number there is. The same numbers are in
 * debugfs: /sys/kernel/debug/hvlab/vm<N>/stats, .../vcpu<I>/stats.
 */
#define HVLAB_STAT_NAME_SIZE	48
#define HVLAB_STAT_UNIT_COUNT	0	/* events */
#define HVLAB_STAT_UNIT_TICKS	1	/* host TSC ticks */
#define HVLAB_STAT_UNIT_BYTES	2
#define HVLAB_STAT_CUMULATIVE	0	/* only grows */
#define HVLAB_STAT_PEAK		1	/* the largest value seen */
#define HVLAB_STAT_INSTANT	2	/* a current value */

struct hvlab_stat_desc {
	char name[HVLAB_STAT_NAME_SIZE];	/* e.g. "exits", "exits.CPUID", "max_ticks.HLT" */
	__u32 unit;			/* HVLAB_STAT_UNIT_* */
	__u32 kind;			/* HVLAB_STAT_CUMULATIVE, _PEAK, _INSTANT */
};

struct hvlab_stats {
	__u32 count;			/* in: room at descs/values; out: how many there are */
	__u32 flags;			/* must be 0 */
	__u64 descs;			/* user pointer to count struct hvlab_stat_desc, or 0 */
	__u64 values;			/* user pointer to count __u64, or 0 */
};

/*
 * HVLAB_GET_FPU/HVLAB_SET_FPU: the guest's x87, SSE and AVX state as an
 * XSAVE image in the standard format (SDM 13.4.1): the 512-byte legacy
 * region, the XSAVE header at 512, then each component at its CPUID leaf
 * 0xD offset. Where the host has no XSAVE, only the legacy region counts.
 * The same layout as KVM's struct kvm_xsave.
 */
struct hvlab_fpu {
	__u32 region[1024];
};

/*
 * HVLAB_GET_EPT (VM fd): the VM's extended page tables, read-only, as the
 * CPU walks them (SDM 29.3). One record per leaf (a 4 KiB PTE today; a
 * 2 MiB PDE or 1 GiB PDPTE is a leaf too, bit 7), in guest-physical order,
 * with the entries of every level on the way to it, so that a tool can
 * draw the tree as well as the ranges. An entry is present when any of its
 * bits 2:0 is set; a leaf with write but not read is the misconfiguration
 * that marks MMIO (exit 49). Without CAP_SYSLOG (or under lockdown) the
 * host-physical addresses in the entries and the EPTP are withheld as 0,
 * and HVLAB_EPT_HPA_HIDDEN says so: the bits that remain are the rights,
 * memory type, ignore-PAT, accessed and dirty.
 *
 * Call it with gpa = 0, then again from the gpa it returns, until that is
 * HVLAB_EPT_DUMP_END. Each call fills at most HVLAB_EPT_DUMP_MAX records.
 */
#define HVLAB_EPT_LEVELS	4
#define HVLAB_EPT_DUMP_MAX	4096
#define HVLAB_EPT_DUMP_END	(~0ULL)
#define HVLAB_EPT_HPA_HIDDEN	(1u << 0)

struct hvlab_ept_leaf {
	__u64 gpa;			/* the first guest-physical address it maps */
	__u64 entry[HVLAB_EPT_LEVELS];	/* [0] the PML4E ... [4 - level] the leaf; below it 0 */
	__u32 level;			/* the leaf's: 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB */
	__u32 reserved;
};

struct hvlab_ept_dump {
	__u64 gpa;			/* in: where to begin (4 KiB aligned); out: where to go on */
	__u64 leaves;			/* user pointer to count struct hvlab_ept_leaf */
	__u32 count;			/* in: room (at most HVLAB_EPT_DUMP_MAX); out: records written */
	__u32 flags;			/* in: 0; out: HVLAB_EPT_HPA_HIDDEN */
	__u64 eptp;			/* out: the EPT pointer (SDM 25.6.11) */
	__u64 reserved[4];		/* 0 */
};

/*
 * HVLAB_GET_DIRTY_LOG (VM fd): which pages of a RAM slot the guest wrote
 * since the last call (or since the slot was added), and start again: one
 * bit per 4 KiB page, bit n of the bitmap for the slot's page n, as
 * KVM_GET_DIRTY_LOG. The bitmap has room for (pages + 63) / 64 u64s. From
 * the EPT dirty flags (SDM 29.3.5): needs HVLAB_CAP_EPT_AD, else
 * -EOPNOTSUPP. A page written while the call runs is in this bitmap or the
 * next one, never lost; the call returns after every CPU has forgotten the
 * translations whose dirty flags it cleared. -ENOENT for a slot not added
 * with HVLAB_MEM_LOG_DIRTY.
 */
struct hvlab_dirty_log {
	__u32 slot;			/* a RAM slot of HVLAB_SET_MEMORY_REGION */
	__u32 flags;			/* 0 */
	__u64 bitmap;			/* user pointer */
	__u64 reserved[2];		/* 0 */
};

/*
 * HVLAB_SET_MEMORY_ATTRIBUTES (VM fd): what the guest may do with the RAM
 * pages [gpa, gpa + size): read, write, execute, in their EPT leaves. An
 * access the rights deny exits with HVLAB_EXIT_MEMORY_ACCESS. RWX gives
 * everything back. gpa and size 4 KiB-aligned, every page in a RAM slot
 * (-ENOENT otherwise). Write without read is refused (-EINVAL: the CPU
 * calls that entry a misconfiguration), execute-only needs
 * HVLAB_CAP_EPT_EXECUTE_ONLY (-EOPNOTSUPP). A large page of which only
 * part changes is split into smaller ones first (ept_leaves_* show it).
 * The call returns after every CPU has forgotten the old rights. Accesses
 * hvlab makes for the guest (string I/O, hypercall buffers) are the
 * host's and do not see the rights.
 */
#define HVLAB_MEM_ATTR_READ	(1u << 0)
#define HVLAB_MEM_ATTR_WRITE	(1u << 1)
#define HVLAB_MEM_ATTR_EXECUTE	(1u << 2)
#define HVLAB_MEM_ATTR_RWX	(HVLAB_MEM_ATTR_READ | HVLAB_MEM_ATTR_WRITE | HVLAB_MEM_ATTR_EXECUTE)

struct hvlab_memory_attributes {
	__u64 gpa;
	__u64 size;
	__u32 rights;			/* HVLAB_MEM_ATTR_* */
	__u32 flags;			/* 0 */
	__u64 reserved[2];		/* 0 */
};

/* --- ioctls ------------------------------------------------------------ */

/* /dev/hvlab: 0x00-0x0f */
#define HVLAB_GET_API_VERSION	_IO(HVLAB_IO, 0x00)
#define HVLAB_GET_VMX_CAPS	_IOR(HVLAB_IO, 0x01, struct hvlab_vmx_caps)
#define HVLAB_CREATE_VM		_IO(HVLAB_IO, 0x02)	/* returns a VM fd */
#define HVLAB_GET_VCPU_MMAP_SIZE _IO(HVLAB_IO, 0x03)

/* VM fd: 0x10-0x1f */
#define HVLAB_SET_MEMORY_REGION	_IOW(HVLAB_IO, 0x10, struct hvlab_memory_region)
#define HVLAB_CREATE_VCPU	_IO(HVLAB_IO, 0x11)	/* arg: vCPU id; returns a vCPU fd */
#define HVLAB_GET_VM_STATS	_IOWR(HVLAB_IO, 0x12, struct hvlab_stats)
#define HVLAB_GET_EPT		_IOWR(HVLAB_IO, 0x13, struct hvlab_ept_dump)
#define HVLAB_GET_DIRTY_LOG	_IOW(HVLAB_IO, 0x14, struct hvlab_dirty_log)
#define HVLAB_SET_MEMORY_ATTRIBUTES _IOW(HVLAB_IO, 0x15, struct hvlab_memory_attributes)

/* vCPU fd: 0x20-0x2f */
#define HVLAB_RUN		_IO(HVLAB_IO, 0x20)
#define HVLAB_GET_REGS		_IOR(HVLAB_IO, 0x21, struct hvlab_regs)
#define HVLAB_SET_REGS		_IOW(HVLAB_IO, 0x22, struct hvlab_regs)
#define HVLAB_GET_SREGS		_IOR(HVLAB_IO, 0x23, struct hvlab_sregs)
#define HVLAB_SET_SREGS		_IOW(HVLAB_IO, 0x24, struct hvlab_sregs)
#define HVLAB_GET_INTERCEPTS	_IOR(HVLAB_IO, 0x25, struct hvlab_intercepts)
#define HVLAB_SET_INTERCEPTS	_IOW(HVLAB_IO, 0x26, struct hvlab_intercepts)
#define HVLAB_INJECT		_IOW(HVLAB_IO, 0x27, struct hvlab_event)
#define HVLAB_GET_VMCS		_IOW(HVLAB_IO, 0x28, struct hvlab_vmcs_access)
#define HVLAB_SET_VMCS		_IOW(HVLAB_IO, 0x29, struct hvlab_vmcs_access)
#define HVLAB_GET_VCPU_STATS	_IOWR(HVLAB_IO, 0x2a, struct hvlab_stats)
#define HVLAB_GET_FPU		_IOR(HVLAB_IO, 0x2b, struct hvlab_fpu)
#define HVLAB_SET_FPU		_IOW(HVLAB_IO, 0x2c, struct hvlab_fpu)
#define HVLAB_SET_TIMER		_IOW(HVLAB_IO, 0x2d, struct hvlab_timer)
#define HVLAB_SET_COALESCED_PORT _IOW(HVLAB_IO, 0x2e, struct hvlab_coalesced_port)
#define HVLAB_SET_CPU_FEATURES	_IOW(HVLAB_IO, 0x2f, struct hvlab_cpu_features)

#endif /* _UAPI_HVLAB_H */
