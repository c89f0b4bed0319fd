// SPDX-License-Identifier: GPL-2.0
/*
 * idt_fault: exceptions raised while the CPU delivers another event, and
 * how the two combine (SDM 6.15, Tables 6-4 and 6-5). Run with #NP and
 * #PF in the exception bitmap (tests/vm/guests.c), each of these exits
 * half-way through a delivery, and hvlab must finish it as the CPU would:
 *
 *   - #DE, whose gate is not present: delivering it raises #NP. Two
 *     contributory exceptions make a double fault: the guest gets #DF.
 *   - interrupt 0x20, whose gate sits on a page that is not mapped:
 *     delivering it raises #PF. An interrupt and a fault are handled one
 *     after the other: the #PF handler maps the page, and then the
 *     interrupt arrives. It is never lost.
 *
 * The IDT lives at 4 GiB, past hvctl's identity map, in pages this guest
 * maps itself: gates 0-15 on one page, 16-32 on the next, which starts
 * out not present. Writing port 0x80 asks the test for interrupt 0x20;
 * under a plain `hvctl run` nobody sends it, and the guest says so.
 */
#include "hvguest.h"

#define IDT_VIRT	0x100000000ull		/* 4 GiB: PDPT entry 4 */
#define IDT_BASE	(IDT_VIRT + 4096 - 16 * 16)	/* gate 16 starts page 2 */
#define IRQ_VECTOR	0x20
#define PTE_PW		0x3			/* present, writable */

uint32_t seen[64];
static unsigned long fault_cr2;

/* The IDT's two pages, and the tables that map them at IDT_VIRT. */
static uint8_t idt_pages[2][4096] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));

/*
 * #DF and #NP resume at the recovery point in RBX; #PF and the interrupt
 * return where they came from, after on_event(). Both stacks:
 * vector, error code (0 where the CPU pushes none), rip, cs, rflags, ...
 */
__asm__(".text\n"
	"vector_8:\n push $8\n jmp recover\n"
	"vector_11:\n push $11\n jmp recover\n"
	"vector_14:\n push $14\n jmp resume\n"
	"vector_32:\n push $0\n push $32\n jmp resume\n"
	"recover:\n"
	"push %rax\n"
	"mov 8(%rsp), %rax\n"
	"incl seen(,%rax,4)\n"
	"mov %rbx, 24(%rsp)\n"
	"pop %rax\n"
	"add $16, %rsp\n"
	"iretq\n"
	"resume:\n"
	"push %rax\n push %rcx\n push %rdx\n push %rsi\n push %rdi\n"
	"push %r8\n push %r9\n push %r10\n push %r11\n"
	"mov 72(%rsp), %rdi\n"
	"call on_event\n"
	"pop %r11\n pop %r10\n pop %r9\n pop %r8\n"
	"pop %rdi\n pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"add $16, %rsp\n"
	"iretq\n");

extern char vector_8[], vector_11[], vector_14[], vector_32[];

/* The #PF handler maps the IDT's second page; the interrupt just counts. */
void on_event(unsigned long vector)
{
	seen[vector]++;
	if (vector != 14)
		return;
	fault_cr2 = read_cr2();
	if (fault_cr2 >> 12 == (IDT_VIRT >> 12) + 1) {
		pt[1] = (uintptr_t)idt_pages[1] | PTE_PW;
		__asm__ volatile("invlpg (%0)" : : "r"(fault_cr2) : "memory");
	}
}

/* Written through the identity map: the IDT's own pages may not be mapped. */
static void set_gate(int vector, void *handler, uint8_t type)
{
	uint64_t offset = IDT_BASE - IDT_VIRT + vector * sizeof(struct hv_gate);

	hv_set_gate((struct hv_gate *)&idt_pages[offset / 4096][offset % 4096], handler, type);
}

int main(void)
{
	uint64_t *pdpt = (uint64_t *)(read_cr3() & ~0xfffull);
	unsigned long i;

	/* PDPT entry 4 -> pd -> pt: page 1 mapped, page 2 not yet. */
	pdpt = (uint64_t *)(pdpt[0] & ~0xfffull);
	pdpt[4] = (uintptr_t)pd | PTE_PW;
	pd[0] = (uintptr_t)pt | PTE_PW;
	pt[0] = (uintptr_t)idt_pages[0] | PTE_PW;

	set_gate(0, vector_8, HV_GATE_NOT_PRESENT);	/* #DE */
	set_gate(8, vector_8, HV_GATE_INTERRUPT);
	set_gate(11, vector_11, HV_GATE_INTERRUPT);
	set_gate(14, vector_14, HV_GATE_INTERRUPT);
	set_gate(IRQ_VECTOR, vector_32, HV_GATE_INTERRUPT);
	hv_load_idt(IDT_BASE, IRQ_VECTOR + 1);

	/* #DE -> #NP while delivering it -> #DF */
	__asm__ volatile("lea 1f, %%rbx\n xor %%edx, %%edx\n div %%rcx\n 1:\n"
			 : : "a"(1), "c"(0) : "rbx", "rdx", "memory", "cc");

	/* Interrupt 0x20 -> #PF while delivering it -> #PF, then the interrupt */
	outb(0x80, 0);
	__asm__ volatile("sti");
	for (i = 0; i < 100000 && !*(volatile uint32_t *)&seen[IRQ_VECTOR]; i++)
		__asm__ volatile("pause");
	__asm__ volatile("cli");

	hv_printf("#DF %u, #NP %u, #PF %u (cr2 0x%lx), interrupt 0x20 %u\n",
		  seen[8], seen[11], seen[14], fault_cr2, seen[IRQ_VECTOR]);
	HV_CHECK(seen[8] == 1 && seen[11] == 0);
	if (!seen[14] && !seen[IRQ_VECTOR]) {
		hv_puts("nobody sent interrupt 0x20 (tests/vm/guests.c does)\n");
		return 0;
	}
	HV_CHECK(seen[14] == 1 && fault_cr2 == IDT_VIRT + 4096 + 16 * 16);
	HV_CHECK(seen[IRQ_VECTOR] == 1);
	hv_puts("idt faults ok\n");
	return 0;
}
