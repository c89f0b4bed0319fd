// SPDX-License-Identifier: GPL-2.0
/*
 * rep_step: single-stepping a REP string instruction (RFLAGS.TF). The
 * CPU traps after each element: while elements remain, the #DB's frame is
 * at the instruction, with RF clear; after the last, at the next one.
 *
 * The CPU's own REP MOVSB in RAM is the reference. Against it: REP OUTSB
 * to port 0x80, whose elements hvlab moves one per I/O exit
 * (module/strio.c), and REP STOSB to 0xd0000, in the PC's hole, whose
 * elements hvlab moves one per MMIO exit (module/mmio_ops.c). Each #DB is
 * written down as 'a' (at the instruction) or 'n' (the next one), and 'r'
 * where its frame has RF.
 *
 * KVM differs here (tests/vm/differential.sh): its emulator steps a REP
 * OUTSB of 3 elements 4 times, RF set.
 */
#include "hvguest.h"

#define RFLAGS_TF	(1u << 8)
#define RFLAGS_RF	(1u << 16)
#define MMIO_HOLE	0xd0000ul
#define ELEMENTS	3

static struct hv_gate idt[32];
static volatile unsigned long step_ips[8], step_rf[8], step_stop;
static volatile unsigned int step_n;

/* #DB: where, and RF; TF stays on until the instruction after the REP */
void on_db(struct hv_frame *f)
{
	if (step_n < 8) {
		step_ips[step_n] = f->ip;
		step_rf[step_n++] = f->flags & RFLAGS_RF;
	}
	if (f->ip == step_stop)
		f->flags &= ~RFLAGS_TF;
}
HV_EXCEPTION_STUB(db_entry, on_db, HV_NO_ERROR_CODE);

static char src[8] = "abcdefg", dst[8];

/*
 * Each REP between two labels: NAME at the instruction, NAME_end after
 * it. TF goes on by the POPF before it, so the first #DB is the REP's.
 */
__attribute__((noinline)) static void rep_movsb_ram(void)
{
	void *si = src, *di = dst;
	unsigned long n = ELEMENTS;

	__asm__ volatile(HV_TF_ON
			 ".globl movsb_ram\nmovsb_ram: rep movsb\n"
			 ".globl movsb_ram_end\nmovsb_ram_end: nop"
			 : "+S"(si), "+D"(di), "+c"(n) : : "memory", "cc");
}

__attribute__((noinline)) static void rep_outsb_port(void)
{
	void *si = src;
	unsigned long n = ELEMENTS;

	__asm__ volatile(HV_TF_ON
			 ".globl outsb_port\noutsb_port: rep outsb\n"
			 ".globl outsb_port_end\noutsb_port_end: nop"
			 : "+S"(si), "+c"(n) : "d"(0x80) : "memory", "cc");
}

__attribute__((noinline)) static void rep_stosb_mmio(void)
{
	void *di = (void *)MMIO_HOLE;
	unsigned long n = ELEMENTS;

	__asm__ volatile(HV_TF_ON
			 ".globl stosb_mmio\nstosb_mmio: rep stosb\n"
			 ".globl stosb_mmio_end\nstosb_mmio_end: nop"
			 : "+D"(di), "+c"(n) : "a"(0x55) : "memory", "cc");
}
extern char movsb_ram[], movsb_ram_end[], outsb_port[], outsb_port_end[];
extern char stosb_mmio[], stosb_mmio_end[];

/* Step @run's REP (at @insn, @end after it); its #DBs in @out */
static void step_rep(void (*run)(void), char *insn, char *end, char *out)
{
	unsigned int i;

	step_n = 0;
	step_stop = (uintptr_t)end;
	run();
	for (i = 0; i < step_n && i < 8; i++) {
		*out++ = step_ips[i] == (uintptr_t)insn ? 'a' :
			 step_ips[i] == (uintptr_t)end ? 'n' : '?';
		if (step_rf[i])
			*out++ = 'r';
	}
	*out = 0;
}

int main(void)
{
	char cpu[20] = "", io[20] = "", mmio[20] = "";

	hv_set_gate(&idt[1], db_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 32);

	step_rep(rep_movsb_ram, movsb_ram, movsb_ram_end, cpu);
	step_rep(rep_outsb_port, outsb_port, outsb_port_end, io);
	step_rep(rep_stosb_mmio, stosb_mmio, stosb_mmio_end, mmio);
	hv_printf("rep_step: REP MOVSB in RAM: %s; REP OUTSB: %s; REP STOSB to MMIO: %s\n",
		  cpu, io, mmio);
	HV_CHECK(!__builtin_memcmp(io, cpu, sizeof(cpu)));
	HV_CHECK(!__builtin_memcmp(mmio, cpu, sizeof(cpu)));
	hv_puts("rep_step: ok\n");
	return 0;
}
