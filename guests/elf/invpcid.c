// SPDX-License-Identifier: GPL-2.0
/*
 * invpcid: INVPCID, which exits (58) when INVLPG is intercepted
 * (hvctl run --intercept invlpg), in each of its four types.
 * Exits with status 5 (V = 2) where the CPU has no INVPCID.
 */
#include "hvguest.h"

#define CPUID7_EBX_INVPCID	(1u << 10)

int main(void)
{
	struct { uint64_t pcid, address; } desc = { 0, 0x100000 };
	uint32_t r[4];
	unsigned long type;

	cpuid(7, 0, r);
	if (!(r[1] & CPUID7_EBX_INVPCID))
		return 2;
	/* 0: one address, 1: one PCID, 2: all with globals, 3: all but globals */
	for (type = 0; type < 4; type++)
		__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(type) : "memory");
	hv_puts("invpcid ok\n");
	return 0;
}
