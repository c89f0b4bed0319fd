// SPDX-License-Identifier: GPL-2.0
/*
 * nmi_iret: an NMI handler's IRET faults, after it has unblocked NMIs.
 * For the CPU, an IRET that faults has not unblocked them: the next NMI
 * waits for the next IRET that completes (SDM 6.7.1, and 28.2.3 for a
 * fault that exits: "NMI unblocking due to IRET"). tests/vm/guests.c runs
 * it with #GP in the exception bitmap and sends two NMIs:
 *
 *   - the first at port 0x81; its handler asks for the second at port
 *     0x82 (it must wait: NMIs are blocked), then returns to a
 *     non-canonical address, so its IRETQ raises #GP;
 *   - the #GP exits, and hvlab gives it to the guest with NMIs still
 *     blocked. The #GP handler puts the right address in the NMI's frame
 *     and returns, with an IRETQ that unblocks NMIs;
 *   - so the second NMI arrives there, at the NMI handler's IRETQ, and
 *     never at the start of the #GP handler. Its handler returns to that
 *     IRETQ, which now completes.
 *
 * Under a plain `hvctl run` nobody sends NMIs, and the guest says so.
 */
#include "hvguest.h"

uint32_t nmis, gps;
uint64_t resume_rip, second_nmi_rip;

__asm__(".text\n"
	/* NMI. Stack: rax, rip, cs, rflags, rsp, ss */
	"vector_2:\n"
	"push %rax\n"
	"incl nmis\n"
	"mov 8(%rsp), %rax\n"
	"cmpl $1, nmis\n"
	"jne 1f\n"
	"mov %rax, resume_rip\n"
	"outb %al, $0x82\n"			/* the second NMI, please */
	"movabs $0x8000000000000000, %rax\n"	/* not canonical: IRETQ faults */
	"mov %rax, 8(%rsp)\n"
	"jmp 2f\n"
	"1: mov %rax, second_nmi_rip\n"
	"2: pop %rax\n"
	"nmi_iretq: iretq\n"
	/* #GP. Stack: rcx, rax, error code, rip, cs, rflags, rsp, ss */
	"vector_13:\n"
	"push %rax\n"
	"push %rcx\n"
	"incl gps\n"
	"mov 48(%rsp), %rax\n"			/* the NMI handler's RSP: its frame */
	"mov resume_rip, %rcx\n"
	"mov %rcx, (%rax)\n"
	"pop %rcx\n"
	"pop %rax\n"
	"add $8, %rsp\n"
	"iretq\n");

extern char vector_2[], vector_13[], nmi_iretq[];

static struct hv_gate idt[14];

int main(void)
{
	hv_set_gate(&idt[2], vector_2, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[13], vector_13, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 14);
	outb(0x81, 0);		/* the first NMI arrives right after this */
	__asm__ volatile("nop; nop; nop" : : : "memory");

	if (!nmis) {
		hv_puts("nobody sent an NMI (tests/vm/guests.c does)\n");
		return 0;
	}
	hv_printf("NMIs %u, #GP %u, second NMI at %s\n", nmis, gps,
		  second_nmi_rip == (uintptr_t)nmi_iretq ? "the NMI handler's IRETQ" :
		  second_nmi_rip == (uintptr_t)vector_13 ? "the #GP handler" : "another address");
	HV_CHECK(nmis == 2 && gps == 1);
	HV_CHECK(second_nmi_rip == (uintptr_t)nmi_iretq);
	hv_puts("nmi iret ok\n");
	return 0;
}
