// SPDX-License-Identifier: GPL-2.0
/*
 * paging_modes: the same page through each of the guest's paging modes,
 * for the two-dimensional walk (hvctl step's `walk`, issue 11). 32-bit
 * paging, then PAE, then 4-level paging (IA-32e mode, its compatibility
 * submode: the code stays 32-bit), each an identity map of low memory in
 * 4 KiB pages (SDM 4.3, 4.4, 4.5). In each mode the guest writes the mode's
 * number to port 0x80 with EBX pointing at a variable (a stop for
 * `until exit=IO,port=0x80`, then `walk rbx`), and checks
 * that a value it stored before paging reads back through the tables.
 * Prints "paging modes ok".
 */
#include "hvguest.h"

#define P		0x1u
#define RW		0x2u
#define CR0_PG		(1ul << 31)
#define CR4_PSE		(1ul << 4)
#define CR4_PAE		(1ul << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define STOP_PORT	0x80

static uint32_t pd32[1024] __attribute__((aligned(4096)));
static uint32_t pt32[1024] __attribute__((aligned(4096)));
static uint64_t pdpt_pae[4] __attribute__((aligned(32)));
static uint64_t pd_pae[512] __attribute__((aligned(4096)));
static uint64_t pt_pae[512] __attribute__((aligned(4096)));
static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt64[512] __attribute__((aligned(4096)));
static uint64_t pd64[512] __attribute__((aligned(4096)));
static uint64_t pt64[512] __attribute__((aligned(4096)));

/* What `walk` is asked about: it lives in a 4 KiB page of its own */
volatile uint32_t marker __attribute__((aligned(4096))) = 0x6d61726b;

/* The stop: the mode's number to port 0x80, with EBX = &marker for `walk rbx` */
static void stop(unsigned int mode)
{
	__asm__ volatile("outb %%al, %1" : : "a"(mode), "i"(STOP_PORT), "b"(&marker) : "memory");
}

static void paging_on(unsigned long cr3, unsigned int mode)
{
	write_cr3(cr3);
	write_cr0(read_cr0() | CR0_PG);
	stop(mode);
	HV_CHECK(marker == 0x6d61726b);
	write_cr0(read_cr0() & ~CR0_PG);
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < 1024; i++)	/* 0-4 MiB */
		pt32[i] = i << 12 | P | RW;
	pd32[0] = (uintptr_t)pt32 | P | RW;
	for (i = 0; i < 512; i++) {	/* 0-2 MiB */
		pt_pae[i] = (uint64_t)i << 12 | P | RW;
		pt64[i] = (uint64_t)i << 12 | P | RW;
	}
	pd_pae[0] = (uintptr_t)pt_pae | P | RW;
	pdpt_pae[0] = (uintptr_t)pd_pae | P;	/* a PAE PDPTE has no RW bit */
	pd64[0] = (uintptr_t)pt64 | P | RW;
	pdpt64[0] = (uintptr_t)pd64 | P | RW;
	pml4[0] = (uintptr_t)pdpt64 | P | RW;
	HV_CHECK((uintptr_t)&marker < (2u << 20));

	write_cr4(read_cr4() & ~(CR4_PSE | CR4_PAE));
	paging_on((uintptr_t)pd32, 1);
	hv_puts("32-bit paging\n");

	write_cr4(read_cr4() | CR4_PAE);
	paging_on((uintptr_t)pdpt_pae, 2);
	hv_puts("PAE paging\n");

	/* With EFER.LME, CR0.PG turns on IA-32e mode: LMA, and 4-level paging */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_LME);
	write_cr3((uintptr_t)pml4);
	write_cr0(read_cr0() | CR0_PG);
	HV_CHECK(rdmsr(MSR_EFER) & EFER_LMA);
	stop(3);
	HV_CHECK(marker == 0x6d61726b);
	write_cr0(read_cr0() & ~CR0_PG);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_LME);
	hv_puts("4-level paging\n");

	write_cr4(read_cr4() & ~CR4_PAE);
	hv_puts("paging modes ok\n");
	return 0;
}
