// SPDX-License-Identifier: GPL-2.0
/*
 * rdrand: RDRAND and RDSEED in every operand size this mode has. With
 * hvctl run --intercept rdrand each one exits (57, 61) and hvlab supplies
 * the bits; without, the CPU does. Either way CF = 1 and the values vary.
 * Exits with status 5 (V = 2) where the CPU has neither instruction.
 */
#include "hvguest.h"

#define CPUID1_ECX_RDRAND	(1u << 30)
#define CPUID7_EBX_RDSEED	(1u << 18)

#define RANDOM(insn, type)						\
static int insn##_##type(type *v)					\
{									\
	unsigned char ok;						\
									\
	__asm__ volatile(#insn " %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc"); \
	return ok;							\
}
RANDOM(rdrand, uint16_t)
RANDOM(rdrand, uint32_t)
RANDOM(rdseed, uint16_t)
RANDOM(rdseed, uint32_t)
#ifdef __x86_64__
RANDOM(rdrand, uint64_t)
RANDOM(rdseed, uint64_t)
#endif

int main(void)
{
	uint32_t r[4], a = 0, b = 0;
	uint16_t h = 0;

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_RDRAND))
		return 2;
	cpuid(7, 0, r);
	if (!(r[1] & CPUID7_EBX_RDSEED))
		return 2;

	HV_CHECK(rdrand_uint16_t(&h));
	HV_CHECK(rdrand_uint32_t(&a) && rdrand_uint32_t(&b));
	HV_CHECK(rdseed_uint16_t(&h));
	HV_CHECK(rdseed_uint32_t(&a) || rdseed_uint32_t(&a));	/* RDSEED may run dry once */
#ifdef __x86_64__
	{
		uint64_t c = 0, d = 0;

		HV_CHECK(rdrand_uint64_t(&c) && rdrand_uint64_t(&d));
		HV_CHECK(c != d);
		HV_CHECK(rdseed_uint64_t(&c) || rdseed_uint64_t(&c));
	}
#endif
	HV_CHECK(a != b || a != h);
	hv_puts("rdrand ok\n");
	return 0;
}
