// SPDX-License-Identifier: GPL-2.0
/*
 * tpr: the task-priority register, reachable as CR8 in 64-bit mode only.
 * hvlab has no APIC: CR8 accesses exit and the TPR lives in the vCPU
 * (module/exits.c). With hvctl run --intercept tpr the CPU keeps it in
 * the virtual-APIC page instead, and only lowering it below the
 * threshold exits (43): here twice with a threshold of 8 (15 -> 7 -> 0).
 */
#include "hvguest.h"

int main(void)
{
	HV_CHECK(read_cr8() == 0);	/* after reset */
	write_cr8(15);
	HV_CHECK(read_cr8() == 15);
	hv_puts("tpr raised\n");
	write_cr8(7);
	HV_CHECK(read_cr8() == 7);
	write_cr8(0);
	HV_CHECK(read_cr8() == 0);
	hv_puts("tpr ok\n");
	return 0;
}
