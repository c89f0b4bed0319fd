// SPDX-License-Identifier: GPL-2.0
/*
 * exceptions: the guest raises #DB (single step), #BP (INT3), #UD (UD2),
 * #GP (a selector beyond the GDT) and, in long mode, #PF (an address
 * above hvctl's 4 GiB identity map), and handles each through its own
 * IDT. With hvctl run --exceptions db,bp,ud,gp,pf each one exits (reason
 * 0) on its way to the guest, and hvlab delivers it after all: the guest
 * sees the same either way.
 *
 * Each handler counts the vector, keeps the error code and resumes at the
 * address the faulting code left in EBX/RBX (a recovery point).
 */
#include "hvguest.h"

#define BAD_SELECTOR	0x38		/* beyond the GDT's limit */
#define UNMAPPED	0x100000000ull	/* 4 GiB: past the identity map */

uint32_t seen[32];
unsigned long error_code[32];
static unsigned long fault_cr2;

/* The handler stubs: push a dummy error code where the CPU pushes none. */
#define STUB(vec, push_error) \
	"vector_" #vec ":\n" push_error "push $" #vec "\njmp common_handler\n"
#define NO_ERROR "push $0\n"

#ifdef __x86_64__
__asm__(".text\n"
	STUB(1, NO_ERROR) STUB(3, NO_ERROR) STUB(6, NO_ERROR) STUB(13, "") STUB(14, "")
	/* stack: rax, vector, error code, rip, cs, rflags, rsp, ss */
	"common_handler:\n"
	"push %rax\n"
	"mov 8(%rsp), %rax\n"
	"incl seen(,%rax,4)\n"
	"push %rcx\n"
	"mov 24(%rsp), %rcx\n"
	"mov %rcx, error_code(,%rax,8)\n"
	"pop %rcx\n"
	"mov %rbx, 24(%rsp)\n"		/* resume at the recovery point */
	"andq $~0x100, 40(%rsp)\n"	/* and stop single-stepping */
	"pop %rax\n"
	"add $16, %rsp\n"
	"iretq\n");
#else
__asm__(".text\n"
	STUB(1, NO_ERROR) STUB(3, NO_ERROR) STUB(6, NO_ERROR) STUB(13, "") STUB(14, "")
	/* stack: eax, vector, error code, eip, cs, eflags */
	"common_handler:\n"
	"push %eax\n"
	"mov 4(%esp), %eax\n"
	"incl seen(,%eax,4)\n"
	"push %ecx\n"
	"mov 12(%esp), %ecx\n"
	"mov %ecx, error_code(,%eax,4)\n"
	"pop %ecx\n"
	"mov %ebx, 12(%esp)\n"
	"andl $~0x100, 20(%esp)\n"
	"pop %eax\n"
	"add $8, %esp\n"
	"iret\n");
#endif

extern char vector_1[], vector_3[], vector_6[], vector_13[], vector_14[];

static struct hv_gate idt[32];

/* Run one faulting instruction with its recovery point in EBX/RBX. */
#define FAULT(insn, ...) \
	__asm__ volatile("lea 1f, %%" BX "\n" insn "\n1:\n" : : __VA_ARGS__ : BX, "memory", "cc")
#ifdef __x86_64__
#define BX "rbx"
#define SP "rsp"
#else
#define BX "ebx"
#define SP "esp"
#endif

int main(void)
{
	hv_set_gate(&idt[1], vector_1, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[3], vector_3, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[6], vector_6, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[13], vector_13, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[14], vector_14, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 32);

	FAULT("pushf\n orl $0x100, (%%" SP ")\n popf\n nop", "i"(0));	/* #DB after the NOP */
	FAULT("int3", "i"(0));
	FAULT("ud2", "i"(0));
	FAULT("mov %0, %%ds", "r"((uint16_t)BAD_SELECTOR));
#ifdef __x86_64__
	FAULT("cmpb $0, (%0)", "r"(UNMAPPED));
	__asm__ volatile("mov %%cr2, %0" : "=r"(fault_cr2));
#endif
	hv_printf("#DB %u, #BP %u, #UD %u, #GP %u (error 0x%lx), #PF %u (cr2 0x%lx)\n",
		  seen[1], seen[3], seen[6], seen[13], error_code[13], seen[14], fault_cr2);
	HV_CHECK(seen[1] == 1 && seen[3] == 1 && seen[6] == 1 && seen[13] == 1);
	HV_CHECK(error_code[13] == BAD_SELECTOR);
#ifdef __x86_64__
	HV_CHECK(seen[14] == 1 && fault_cr2 == UNMAPPED && error_code[14] == 0);
#endif
	hv_puts("exceptions ok\n");
	return 0;
}
