// SPDX-License-Identifier: GPL-2.0
/*
 * long_mode: a 32-bit guest that switches itself to 64-bit long mode, as
 * a boot loader does (SDM 10.8.5): PAE in CR4, a PML4 in CR3, EFER.LME
 * by WRMSR, then CR0.PG. hvlab sees the EFER write (an exit) but not the
 * CR0 one: PG is the guest's, so the CPU itself makes EFER.LMA 1, and at
 * the next VM exit stores LMA in the "IA-32e mode guest" entry control
 * (SDM 28.2, "save IA32_EFER"). Every entry after that must go back into
 * 64-bit mode (S3-7). The 64-bit code does CPUID, an exit the kernel
 * handles, then prints "long mode ok" with OUTs, exits to userspace, and
 * halts. tests/vm/guests.c also reads the VMCS afterwards.
 */
#include "hvguest.h"

#define CR0_PG		(1ul << 31)
#define CR4_PAE		(1ul << 5)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1ull << 8)
#define PTE_P_RW	3
#define PDE_2M		0x83	/* P, RW, PS */

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));

/* Null, a 64-bit code segment (L = 1) at 0x08, a data segment at 0x10 */
static uint64_t gdt[3] __attribute__((aligned(8))) = {
	0, 0x00af9b000000ffffull, 0x00cf93000000ffffull,
};

__asm__(".text\n"
	".code64\n"
	"in_long_mode:\n"
	"mov $0x10, %eax\n"
	"mov %eax, %ds\n"
	"mov %eax, %es\n"
	"mov %eax, %ss\n"
	"xor %eax, %eax\n"
	"cpuid\n"
	"lea long_mode_text(%rip), %rsi\n"
	"1: lodsb\n"
	"test %al, %al\n"
	"jz 2f\n"
	"out %al, $0xe9\n"
	"jmp 1b\n"
	"2: cli\n"
	"hlt\n"
	".code32\n"
	".section .rodata\n"
	"long_mode_text: .asciz \"long mode ok\\n\"\n"
	".previous\n");

int main(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } gdtr = {
		sizeof(gdt) - 1, (uintptr_t)gdt,
	};

	/* The first 4 MiB, identity-mapped: the guest runs from 1 MiB. */
	pd[0] = 0 | PDE_2M;
	pd[1] = 0x200000 | PDE_2M;
	pdpt[0] = (uintptr_t)pd | PTE_P_RW;
	pml4[0] = (uintptr_t)pdpt | PTE_P_RW;

	write_cr4(read_cr4() | CR4_PAE);
	write_cr3((uintptr_t)pml4);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_LME);
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	/* IA-32e mode from here, still in a 32-bit code segment */
	write_cr0(read_cr0() | CR0_PG);
	__asm__ volatile("ljmp $0x08, $in_long_mode");
	return 1;	/* not reached */
}
