// SPDX-License-Identifier: GPL-2.0
/*
 * crs: control-register accesses that exit only when intercepted
 * (hvctl run --intercept cr0,cr3): MOV to/from CR3, MOV to CR0, CLTS,
 * LMSW and SMSW. The guest checks that each one did what the SDM says,
 * so it gives the same result with and without the exits. In 64-bit
 * mode, clearing CR0.PG raises #GP (SDM Vol. 2, MOV to CR0).
 */
#include "hvguest.h"

#define CR0_PE	(1ul << 0)
#define CR0_TS	(1ul << 3)
#define CR0_PG	(1ul << 31)

#ifdef __x86_64__
uint32_t gps;			/* counted by gp_handler */

/* #GP: count it and resume at the recovery point in RBX. */
__asm__(".text\n"
	"gp_handler:\n"
	"incl gps\n"
	"mov %rbx, 8(%rsp)\n"
	"add $8, %rsp\n"
	"iretq\n");
extern char gp_handler[];

static struct hv_gate idt[14] __attribute__((aligned(16)));

static void catch_gp(void)
{
	hv_set_gate(&idt[13], gp_handler, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 14);
}
#endif

static void lmsw(unsigned short msw)
{
	__asm__ volatile("lmsw %0" : : "r"(msw));
}

static unsigned short smsw(void)
{
	unsigned short msw;

	__asm__ volatile("smsw %0" : "=r"(msw));
	return msw;
}

int main(void)
{
	unsigned long cr0 = read_cr0(), cr3 = read_cr3();

#ifdef __x86_64__
	write_cr3(cr3);		/* the page tables must stay */
#else
	write_cr3(0x12345000);	/* paging is off: CR3 is just a register */
	HV_CHECK(read_cr3() == 0x12345000);
	write_cr3(cr3);
#endif
	HV_CHECK(read_cr3() == cr3);

	write_cr0(cr0 | CR0_TS);
	HV_CHECK(read_cr0() & CR0_TS);
	__asm__ volatile("clts");
	HV_CHECK(!(read_cr0() & CR0_TS));

	lmsw(cr0 | CR0_TS);
	HV_CHECK(read_cr0() & CR0_TS);
	lmsw(cr0 & ~(CR0_PE | CR0_TS));		/* LMSW cannot clear PE */
	HV_CHECK((read_cr0() & CR0_PE) && !(read_cr0() & CR0_TS));
	HV_CHECK((smsw() & 0xf) == (read_cr0() & 0xf));
#ifdef __x86_64__
	catch_gp();
	__asm__ volatile("lea 1f, %%rbx\n mov %0, %%cr0\n 1:"
			 : : "r"(cr0 & ~CR0_PG) : "rbx", "memory");
	HV_CHECK(gps == 1);
#endif
	HV_CHECK(read_cr0() == cr0);
	hv_puts("crs ok\n");
	return 0;
}
