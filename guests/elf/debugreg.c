// SPDX-License-Identifier: GPL-2.0
/*
 * debugreg: the guest's own debug registers (module/debugreg.c), tried
 * as a debugger in the guest would (SDM Vol. 3B chapter 19). Each #DB
 * is delivered through the guest's IDT with the DR6 the CPU writes:
 *
 *   - an instruction breakpoint (DR0, execute): a fault, RIP at the
 *     instruction, DR6.B0; the handler sets RF in its frame to go on;
 *   - a data breakpoint (DR1, write, 4 bytes): a trap after the write,
 *     DR6.B1; a read of the same word does not trigger it;
 *   - DR2 and DR3 armed together: a read of DR2's 2-byte read/write
 *     breakpoint traps with B2 alone, DR3's instruction breakpoint with B3;
 *   - single-stepping with RFLAGS.TF: a trap after one instruction, DR6.BS,
 *     also after CPUID, which exits and which hvlab completes;
 *   - TF over STI: a #DB in STI's shadow, with BS;
 *   - general detect (DR7.GD): a MOV DR raises #DB instead, DR6.BD, RIP at
 *     the MOV, GD cleared for the handler;
 *   - RF in the frame of faults: a #UD (the CPU's own) and a #GP that
 *     hvlab injects for an MSR it refuses; with an instruction breakpoint
 *     on the RDMSR, the #GP handler returns to it (with another MSR in
 *     ECX) and RF keeps the breakpoint from firing a second time.
 */
#include "hvguest.h"

#define DR6_B0		(1u << 0)
#define DR6_B1		(1u << 1)
#define DR6_B2		(1u << 2)
#define DR6_B3		(1u << 3)
#define DR6_BD		(1u << 13)
#define DR6_BS		(1u << 14)
#define DR7_L0		(1u << 0)
#define DR7_L1		(1u << 2)
#define DR7_GD		(1u << 13)
#define DR7_RW1_WRITE	(1u << 20)	/* R/W1 = 01 */
#define DR7_LEN1_4	(3u << 22)	/* LEN1 = 11 */
#define DR7_L2		(1u << 4)
#define DR7_L3		(1u << 6)
#define DR7_RW2_RW	(3u << 24)	/* R/W2 = 11: reads and writes */
#define DR7_LEN2_2	(1u << 26)	/* LEN2 = 01 */
#define DR7_RW3_IO	(2u << 28)	/* R/W3 = 10: I/O, with CR4.DE */
#define DR7_LEN3_2	(1u << 30)	/* LEN3 = 01 */
#define CR4_DE		(1u << 3)
#define POST_PORT	0x80		/* hvctl's POST-code port: silent */
#define DR6_STATUS	0xe00fu		/* B0-B3, BD, BS, BT: the rest reads as 1s */
#define RFLAGS_TF	(1u << 8)
#define RFLAGS_RF	(1u << 16)
#define MSR_REFUSED	0x12345		/* no such MSR: #GP under hvlab and KVM alike */
#define MSR_TSC		0x10



static struct hv_gate idt[32];
static volatile unsigned int db_count, ud_count, gp_count;
static volatile unsigned long db_ip, db_dr6, db_dr7, db_flags, fault_flags;
static volatile uint32_t watched, other;
static volatile uint16_t read_watched __attribute__((aligned(2)));
static volatile int retry_gp;

static unsigned long read_dr(int n)
{
	unsigned long v = 0;

	switch (n) {
	case 6:
		__asm__ volatile("mov %%dr6, %0" : "=r"(v));
		break;
	case 7:
		__asm__ volatile("mov %%dr7, %0" : "=r"(v));
		break;
	}
	return v;
}

static void write_dr(int n, unsigned long v)
{
	switch (n) {
	case 0:
		__asm__ volatile("mov %0, %%dr0" : : "r"(v));
		break;
	case 1:
		__asm__ volatile("mov %0, %%dr1" : : "r"(v));
		break;
	case 2:
		__asm__ volatile("mov %0, %%dr2" : : "r"(v));
		break;
	case 3:
		__asm__ volatile("mov %0, %%dr3" : : "r"(v));
		break;
	case 6:
		__asm__ volatile("mov %0, %%dr6" : : "r"(v));
		break;
	case 7:
		__asm__ volatile("mov %0, %%dr7" : : "r"(v));
		break;
	}
}

/* #DB: what DR6 and DR7 say; go on past an instruction breakpoint (RF), stop stepping */
void on_db(struct hv_frame *f)
{
	db_count++;
	db_ip = f->ip;
	db_flags = f->flags;
	db_dr6 = read_dr(6);
	db_dr7 = read_dr(7);
	write_dr(6, 0xffff0ff0);	/* the handler clears DR6, as an OS does */
	f->flags = (f->flags | RFLAGS_RF) & ~RFLAGS_TF;
}
HV_EXCEPTION_STUB(db_entry, on_db, HV_NO_ERROR_CODE);

/* #UD (UD2): the frame's RFLAGS, then past the two bytes */
void on_ud(struct hv_frame *f)
{
	ud_count++;
	fault_flags = f->flags;
	f->ip += 2;
}
HV_EXCEPTION_STUB(ud_entry, on_ud, HV_NO_ERROR_CODE);

/* #GP from RDMSR: the frame's RFLAGS; retry with the TSC, or skip the RDMSR */
void on_gp(struct hv_frame *f)
{
	gp_count++;
	fault_flags = f->flags;
	if (retry_gp)
		f->cx = MSR_TSC;
	else
		f->ip += 2;
}
HV_EXCEPTION_STUB(gp_entry, on_gp, "");

/* Where the instruction breakpoint goes: a function of its own */
__attribute__((noinline)) static int breakpoint_target(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* RDMSR of @msr at a known address (rdmsr_at), for a breakpoint on it */
__attribute__((noinline)) static uint64_t rdmsr_here(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile(".globl rdmsr_at\nrdmsr_at: rdmsr" : "=a"(lo), "=d"(hi), "+c"(msr));
	return lo | (uint64_t)hi << 32;
}
extern char rdmsr_at[];

int main(void)
{
	unsigned long step_at;

	hv_set_gate(&idt[1], db_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[6], ud_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[13], gp_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 32);

	/* An instruction breakpoint: a fault at the instruction, B0 */
	write_dr(0, (uintptr_t)breakpoint_target);
	write_dr(7, DR7_L0);
	HV_CHECK(breakpoint_target(41) == 42);
	hv_printf("debugreg: instruction breakpoint: %u #DB, at the instruction: %s, DR6 0x%lx\n",
		  db_count, db_ip == (uintptr_t)breakpoint_target ? "yes" : "no",
		  db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 1 && db_ip == (uintptr_t)breakpoint_target);
	HV_CHECK((db_dr6 & 0xf) == DR6_B0 && !(db_dr6 & DR6_BS));
	/* (a TF in the frames of this guest's #DB and faults would be a debugger's: hvctl step's) */
	HV_CHECK(!(db_flags & RFLAGS_TF));
	HV_CHECK(breakpoint_target(1) == 2 && db_count == 2);	/* armed still */

	/* A data breakpoint on a write: a trap after it, B1; reads pass */
	write_dr(7, 0);
	db_count = 0;
	write_dr(1, (uintptr_t)&watched);
	write_dr(7, DR7_L1 | DR7_RW1_WRITE | DR7_LEN1_4);
	other = watched;
	HV_CHECK(db_count == 0);
	watched = 7;
	hv_printf("debugreg: write breakpoint: %u #DB after the write (value %u), DR6 0x%lx\n",
		  db_count, watched, db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 1 && watched == 7 && (db_dr6 & 0xf) == DR6_B1);
	HV_CHECK(!(db_flags & RFLAGS_TF));
	write_dr(7, 0);

	/*
	 * DR2 (2 bytes, reads and writes) and DR3 (execute) armed together.
	 * DR0 goes: the CPU may report a match of a disabled breakpoint too.
	 */
	db_count = 0;
	write_dr(0, 0);
	write_dr(2, (uintptr_t)&read_watched);
	write_dr(3, (uintptr_t)breakpoint_target);
	write_dr(7, DR7_L2 | DR7_RW2_RW | DR7_LEN2_2 | DR7_L3);
	other = read_watched;
	hv_printf("debugreg: read/write breakpoint: %u #DB after the read, DR6 0x%lx\n",
		  db_count, db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 1 && (db_dr6 & 0xf) == DR6_B2);
	HV_CHECK(breakpoint_target(9) == 10);
	hv_printf("debugreg: DR3 instruction breakpoint: %u #DB, at the instruction: %s, DR6 0x%lx\n",
		  db_count - 1, db_ip == (uintptr_t)breakpoint_target ? "yes" : "no",
		  db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 2 && db_ip == (uintptr_t)breakpoint_target);
	HV_CHECK((db_dr6 & 0xf) == DR6_B3);
	write_dr(7, 0);

	/* TF: one instruction, then a #DB with BS, RIP after it */
	db_count = 0;
	/* POPF sets TF: the #DB comes after the instruction that follows it */
	__asm__ volatile(HV_TF_ON
			 "nop\n"
			 ".globl step_over\nstep_over: nop" : : : "memory", "cc");
	{
		extern char step_over[];

		step_at = (uintptr_t)step_over;
	}
	hv_printf("debugreg: single step: %u #DB, DR6 0x%lx\n", db_count, db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 1 && (db_dr6 & DR6_BS) && db_ip == step_at);

	/*
	 * TF over an instruction that exits (CPUID): hvlab completes it in
	 * the guest's stead, and the #DB must follow it as the CPU's would
	 */
	db_count = 0;
	{
		uint32_t a = 0, b, c = 0, d;
		extern char after_cpuid[];

		__asm__ volatile(HV_TF_ON
				 "cpuid\n"
				 ".globl after_cpuid\nafter_cpuid: nop"
				 : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory", "cc");
		step_at = (uintptr_t)after_cpuid;
	}
	hv_printf("debugreg: single step over CPUID: %u #DB, right after it: %s, DR6 0x%lx\n",
		  db_count, db_ip == step_at ? "yes" : "no", db_dr6 & DR6_STATUS);
	HV_CHECK(db_count == 1 && (db_dr6 & DR6_BS) && db_ip == step_at);

	/*
	 * TF over STI: the #DB comes in STI's shadow. A CPU's VM entry then
	 * wants the single step recorded as pending, or it fails (Xen's
	 * XSA-308; exits.c records it). Bochs does not make that check, so
	 * here this shows only that the step comes, with BS.
	 */
	db_count = 0;
	__asm__ volatile(HV_TF_ON
			 "sti\n"
			 "nop\n"
			 "cli" : : : "memory", "cc");
	hv_printf("debugreg: single step over STI: the VM lives, %s #DB, DR6 0x%lx\n",
		  db_count ? "a" : "no", db_dr6 & DR6_STATUS);
	HV_CHECK(db_count >= 1 && (db_dr6 & DR6_BS));

	/* General detect: the MOV DR raises #DB, BD, GD cleared for the handler */
	db_count = 0;
	write_dr(7, DR7_GD);
	{
		unsigned long v;
		extern char gd_mov[];

		__asm__ volatile(".globl gd_mov\ngd_mov: mov %%dr7, %0" : "=r"(v));
		step_at = (uintptr_t)gd_mov;
	}
	hv_printf("debugreg: general detect: %u #DB, at the MOV: %s, DR6 0x%lx, DR7 in the handler 0x%lx\n",
		  db_count, db_ip == step_at ? "yes" : "no", db_dr6 & DR6_STATUS, db_dr7);
	HV_CHECK(db_count == 1 && db_ip == step_at && (db_dr6 & DR6_BD) && !(db_dr7 & DR7_GD));
	HV_CHECK(!(read_dr(7) & DR7_GD));

	/* RF in the frames of faults: the CPU's #UD, and the #GP hvlab injects */
	__asm__ volatile("ud2");
	hv_printf("debugreg: #UD from the CPU: RF in its frame: %s\n",
		  fault_flags & RFLAGS_RF ? "yes" : "no");
	HV_CHECK(ud_count == 1 && (fault_flags & RFLAGS_RF) && !(fault_flags & RFLAGS_TF));
	fault_flags = 0;
	(void)rdmsr_here(MSR_REFUSED);
	hv_printf("debugreg: #GP injected by hvlab: RF in its frame: %s\n",
		  fault_flags & RFLAGS_RF ? "yes" : "no");
	HV_CHECK(gp_count == 1 && (fault_flags & RFLAGS_RF) && !(fault_flags & RFLAGS_TF));

	/*
	 * An instruction breakpoint on a RDMSR that faults: #DB first, then
	 * the #GP, whose handler returns to the RDMSR (now of the TSC). RF
	 * in the #GP's frame keeps the breakpoint from firing again.
	 */
	db_count = gp_count = 0;
	retry_gp = 1;
	write_dr(0, (uintptr_t)rdmsr_at);
	write_dr(7, DR7_L0);
	(void)rdmsr_here(MSR_REFUSED);
	write_dr(7, 0);
	hv_printf("debugreg: breakpoint on a faulting RDMSR, retried by the #GP handler: %u #DB, %u #GP\n",
		  db_count, gp_count);
	HV_CHECK(db_count == 1 && gp_count == 1);
	/*
	 * An I/O breakpoint (CR4.DE, R/W3 = 10) on ports 0x80-0x81: a trap
	 * after each IN or OUT that touches them, B3, RIP after it; the OUTs
	 * to the debug port that print the line pass. hvlab completes port
	 * I/O itself, so it raises the #DB the CPU would have.
	 */
	{
		extern char after_out[];
		unsigned long out_ip;
		unsigned int outs;

		write_cr4(read_cr4() | CR4_DE);
		db_count = 0;
		write_dr(3, POST_PORT);
		write_dr(7, DR7_L3 | DR7_RW3_IO | DR7_LEN3_2);
		__asm__ volatile("outb %%al, %%dx\n"
				 ".globl after_out\nafter_out:" : : "a"(0x42), "d"(POST_PORT));
		outs = db_count;
		out_ip = db_ip;
		(void)inb(POST_PORT);
		hv_printf("debugreg: I/O breakpoint: %u #DB after the OUT, right after it: %s, %u after the IN, DR6 0x%lx\n",
			  outs, out_ip == (uintptr_t)after_out ? "yes" : "no", db_count - outs,
			  db_dr6 & DR6_STATUS);
		HV_CHECK(outs == 1 && out_ip == (uintptr_t)after_out && db_count == 2 &&
			 (db_dr6 & 0xf) == DR6_B3);
		/* with TF too: one #DB after the OUT, B3 and BS (SDM 19.2.3) */
		db_count = 0;
		__asm__ volatile(HV_TF_ON
				 "outb %%al, %%dx" : : "a"(0x43), "d"(POST_PORT) : "memory", "cc");
		hv_printf("debugreg: I/O breakpoint and TF: %u #DB, DR6 0x%lx\n",
			  db_count, db_dr6 & DR6_STATUS);
		HV_CHECK(db_count == 1 && (db_dr6 & DR6_STATUS) == (DR6_B3 | DR6_BS));
		write_dr(7, 0);
		write_cr4(read_cr4() & ~CR4_DE);
	}

	/*
	 * PUSHF; POPF leaves TF as it was: under a debugger that steps with
	 * a TF of its own (hvctl step, without MTF), that TF must not come
	 * back from the stack
	 */
	{
		unsigned long flags;

		__asm__ volatile("pushf; popf; pushf; pop %0" : "=r"(flags) : : "memory", "cc");
		HV_CHECK(!(flags & RFLAGS_TF));
	}
	hv_puts("debugreg: ok\n");
	return 0;
}
