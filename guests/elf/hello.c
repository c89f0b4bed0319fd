// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the C guest library's "hello world", built for 32-bit protected
 * mode (hello32.elf) and 64-bit long mode (hello64.elf). It checks that
 * hvctl started it in the mode its ELF class promised.
 */
#include "hvguest.h"

#define CR0_PE		(1ul << 0)
#define CR0_PG		(1ul << 31)
#define MSR_EFER	0xc0000080
#define EFER_LMA	(1ull << 10)

int main(void)
{
	unsigned long cr0 = read_cr0();
	uint64_t efer = rdmsr(MSR_EFER);

	hv_printf("Hello from %s!\n", HV_MODE_NAME);
	HV_CHECK(cr0 & CR0_PE);
#ifdef __x86_64__
	HV_CHECK((cr0 & CR0_PG) && (efer & EFER_LMA));
	HV_CHECK((uintptr_t)&main > 0x100000);
#else
	HV_CHECK(!(cr0 & CR0_PG) && !(efer & EFER_LMA));
#endif
	return 0;
}
