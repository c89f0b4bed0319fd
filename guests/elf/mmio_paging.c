// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_paging: MMIO from code that 32-bit paging maps through a page
 * directory entry with bit 7 (PS) set while CR4.PSE = 0. Without PSE the
 * CPU ignores that bit: the entry points at a page table (SDM 4.3). To
 * emulate the access hvlab fetches the instruction, and must walk the
 * tables the same way (S3-4).
 *
 * The code runs at 4 MiB, through that entry, as an alias of the page it
 * was linked at, so that reading the entry as a 4 MiB page would fetch
 * other bytes. It stores 0x0748 to the VGA text buffer at 0xb8000, which
 * hvctl leaves unbacked (MMIO), and reads 0xb8002 back (all ones).
 */
#include "hvguest.h"

#define ALIAS		0x400000	/* page directory entry 1 */
#define VGA_TEXT	0xb8000
#define PTE_PW		0x3		/* present, writable */
#define PDE_PS		0x80		/* ignored here: CR4.PSE is 0 */
#define CR0_PG		(1ul << 31)
#define CR4_PSE		(1ul << 4)

/* A page of its own, position-independent: EDX = the MMIO address. */
__asm__(".text\n"
	".balign 4096\n"
	"mmio_code:\n"
	"movw $0x0748, (%edx)\n"
	"movw 2(%edx), %ax\n"
	"ret\n"
	".balign 4096\n");
extern char mmio_code[];

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t low_table[1024] __attribute__((aligned(4096)));
static uint32_t alias_table[1024] __attribute__((aligned(4096)));

int main(void)
{
	uint16_t value;
	int i;

	for (i = 0; i < 1024; i++)	/* 0-4 MiB: identity, 4 KiB pages */
		low_table[i] = i << 12 | PTE_PW;
	alias_table[0] = (uintptr_t)mmio_code | PTE_PW;
	page_dir[0] = (uintptr_t)low_table | PTE_PW;
	page_dir[1] = (uintptr_t)alias_table | PTE_PW | PDE_PS;
	write_cr4(read_cr4() & ~CR4_PSE);
	write_cr3((uintptr_t)page_dir);
	write_cr0(read_cr0() | CR0_PG);

	__asm__ volatile("call *%2" : "=a"(value) : "d"(VGA_TEXT), "r"(ALIAS) : "memory");

	write_cr0(read_cr0() & ~CR0_PG);
	hv_printf("read 0x%x\n", value);
	HV_CHECK(value == 0xffff);
	hv_puts("mmio paging ok\n");
	return 0;
}
