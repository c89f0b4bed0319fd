// SPDX-License-Identifier: GPL-2.0
/*
 * syscall: SYSCALL goes where the guest's own IA32_LSTAR says, never
 * where the host's does (docs/security.md, S1-3).
 *
 * 1. A fresh vCPU's STAR, LSTAR, CSTAR and SFMASK read 0.
 * 2. With EFER.SCE set and its own handler in LSTAR, SYSCALL lands there
 *    with the return address in RCX and RFLAGS in R11, and RFLAGS masked
 *    by SFMASK (SDM Vol. 2, SYSCALL).
 * 3. With LSTAR back at 0, SYSCALL jumps to linear address 0, where the
 *    guest has put a jump to zero_landing(). On a hypervisor that leaves
 *    the host's LSTAR in place, the guest would instead fault at the
 *    host kernel's entry point, and learn where the host kernel lives.
 */
#include "hvguest.h"

#define MSR_EFER	0xc0000080
#define MSR_STAR	0xc0000081
#define MSR_LSTAR	0xc0000082
#define MSR_CSTAR	0xc0000083
#define MSR_SFMASK	0xc0000084
#define EFER_SCE	1
#define SEL_CODE64	0x18	/* hvctl's GDT (userspace/lib/libhvlab.h) */
#define SEL_DATA	0x10
#define RFLAGS_AC	(1ul << 18)
#define RFLAGS_DF	(1ul << 10)

void syscall_entry(void);
unsigned long entry_rcx, entry_r11, entry_rflags;

/*
 * The handler: SYSCALL loaded CS from STAR[47:32] and SS from that + 8,
 * which is not a data segment in hvctl's GDT, so SS goes back to the
 * flat data segment. Then back to RCX with the flags from R11.
 */
__asm__(".text\n"
	"syscall_entry:\n"
	"mov %rcx, entry_rcx(%rip)\n"
	"mov %r11, entry_r11(%rip)\n"
	"pushfq\n"
	"popq entry_rflags(%rip)\n"
	"mov $0x10, %eax\n"
	"mov %eax, %ss\n"
	"push %r11\n"
	"popfq\n"
	"jmp *%rcx\n");

static unsigned long do_syscall(void)
{
	unsigned long rcx;

	/* AC and DF set, so that SFMASK visibly clears them */
	__asm__ volatile("pushfq\n\t"
			 "orq $0x40400, (%%rsp)\n\t"
			 "popfq\n\t"
			 "syscall\n\t"
			 "cld\n\t"
			 "pushfq\n\t"
			 "andq $~0x40000, (%%rsp)\n\t"
			 "popfq"
			 : "=c"(rcx) : : "rax", "r11", "memory", "cc");
	return rcx;
}

/*
 * Where SYSCALL with LSTAR 0 must arrive: 0 holds a jump to here, which
 * passes SYSCALL's RCX, the return address, as the first argument.
 */
__attribute__((noreturn)) void zero_landing(unsigned long rcx);
__attribute__((noreturn)) void zero_landing(unsigned long rcx)
{
	int in_guest = rcx >= 0x100000 && rcx < 0x200000;

	__asm__ volatile("mov $0x10, %%eax\n\tmov %%eax, %%ss" : : : "rax");
	hv_printf("SYSCALL with LSTAR 0 went to 0, return address %s\n",
		  in_guest ? "in the guest" : "wrong");
	if (!in_guest)
		hv_exit(1);
	hv_halt();
}

int main(void)
{
	static volatile uintptr_t zero_address;	/* volatile: a real store to 0 */
	uint8_t *zero = (uint8_t *)zero_address;
	uint64_t target = (uintptr_t)zero_landing;
	unsigned long rcx;

	HV_CHECK(rdmsr(MSR_STAR) == 0 && rdmsr(MSR_LSTAR) == 0 &&
		 rdmsr(MSR_CSTAR) == 0 && rdmsr(MSR_SFMASK) == 0);
	hv_puts("syscall MSRs read 0 at reset\n");

	wrmsr(MSR_STAR, (uint64_t)SEL_CODE64 << 32);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_CSTAR, 0x1234000);
	wrmsr(MSR_SFMASK, RFLAGS_AC | RFLAGS_DF);
	HV_CHECK(rdmsr(MSR_LSTAR) == (uintptr_t)syscall_entry);
	HV_CHECK(rdmsr(MSR_STAR) == (uint64_t)SEL_CODE64 << 32);
	HV_CHECK(rdmsr(MSR_CSTAR) == 0x1234000);
	HV_CHECK(rdmsr(MSR_SFMASK) == (RFLAGS_AC | RFLAGS_DF));
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	rcx = do_syscall();
	HV_CHECK(entry_rcx == rcx);
	HV_CHECK(entry_r11 & RFLAGS_AC);
	HV_CHECK(entry_r11 & RFLAGS_DF);
	HV_CHECK(!(entry_rflags & (RFLAGS_AC | RFLAGS_DF)));
	hv_puts("SYSCALL went to the guest's LSTAR\n");

	/* mov %rcx, %rdi; movabs $zero_landing, %rax; jmp *%rax, at linear 0 */
	memcpy(zero, "\x48\x89\xcf\x48\xb8", 5);
	memcpy(zero + 5, &target, sizeof(target));
	memcpy(zero + 13, "\xff\xe0", 2);
	wrmsr(MSR_LSTAR, 0);
	do_syscall();
	hv_puts("SYSCALL came back: wrong\n");
	return 1;
}
