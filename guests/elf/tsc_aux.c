// SPDX-License-Identifier: GPL-2.0
/*
 * tsc_aux: IA32_TSC_AUX, which RDTSCP reads without a VM exit. The guest
 * writes its own value (WRMSR exits; hvlab puts it in the VM-entry
 * MSR-load list) and RDTSCP must return it, not the host's CPU number
 * (the VM-exit MSR-load list gives the host its value back).
 */
#include "hvguest.h"

#define MSR_TSC_AUX	0xc0000103

/*
 * Only ECX matters here. The TSC in EDX:EAX differs from run to run (its
 * high half too, once the lab VM has run 2^32 instructions), so it is
 * cleared: tests/vm/differential.sh compares the final registers.
 */
static uint32_t rdtscp_aux(void)
{
	uint32_t aux;

	__asm__ volatile("rdtscp\n\txor %%eax, %%eax\n\txor %%edx, %%edx"
			 : "=c"(aux) : : "rax", "rdx");
	return aux;
}

int main(void)
{
	hv_printf("tsc_aux at start: %u\n", rdtscp_aux());
	wrmsr(MSR_TSC_AUX, 0x1234);
	HV_CHECK(rdmsr(MSR_TSC_AUX) == 0x1234);
	HV_CHECK(rdtscp_aux() == 0x1234);
	hv_puts("tsc_aux ok\n");
	return 0;
}
