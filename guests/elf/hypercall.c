// SPDX-License-Identifier: GPL-2.0
/*
 * hypercall: hvlab's hypercalls through the library's VMCALL wrapper
 * (docs/hypercalls.md), in protected and in long mode. Each VMCALL is a VM
 * exit that the kernel handles without going to userspace.
 */
#include "hvguest.h"

int main(void)
{
	unsigned long version = hv_hypercall(HVLAB_HC_GET_API_VERSION, 0, 0, 0, 0);
	unsigned long echo = hv_hypercall(HVLAB_HC_ECHO, 41, 0, 0, 0);
	unsigned long unknown = hv_hypercall(0x1234, 0, 0, 0, 0);

	hv_printf("version %lu, echo %lu, unknown %ld\n", version, echo, (long)unknown);
	HV_CHECK(version == HVLAB_API_VERSION);
	HV_CHECK(echo == 42);
	HV_CHECK(unknown == (unsigned long)HVLAB_HC_ENOSYS);
	hv_puts("hypercall ok\n");
	return 0;
}
