// SPDX-License-Identifier: GPL-2.0
/*
 * apic: reads the local APIC's version register and writes its EOI
 * register, at the APIC's usual address 0xfee00000. hvlab has no APIC
 * there: without intercepts both are EPT violations (48) that become
 * MMIO exits; with hvctl run --intercept apic the page is an APIC-access
 * page and both are APIC-access exits (44), again handed out as MMIO.
 * hvctl's bus answers all ones.
 */
#include "hvguest.h"

#define APIC_BASE	0xfee00000ul
#define APIC_VERSION	0x30
#define APIC_EOI	0xb0

int main(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)APIC_BASE;
	uint32_t version = apic[APIC_VERSION / 4];

	apic[APIC_EOI / 4] = 0;
	hv_printf("apic version 0x%x\n", version);
	return 0;
}
