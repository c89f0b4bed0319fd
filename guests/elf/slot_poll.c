// SPDX-License-Identifier: GPL-2.0
/*
 * slot_poll: read the first word of every 32 MiB from 1 GiB to 1.5 GiB,
 * over and over, while tests/vm/migrate.c adds a memory region there from
 * another thread, an addition that fails half-way (S1-5). Where no memory
 * is, each read is an MMIO exit that reads all ones; memory shows as a
 * value that is not, and the guest reports its address at port 0x85.
 * After each pass it asks port 0x86 whether to stop. Protected mode
 * without paging: linear addresses are guest-physical ones.
 */
#include "hvguest.h"

#define REGION		0x40000000u	/* 1 GiB */
#define REGION_SIZE	(512u << 20)
#define STEP		(32u << 20)

int main(void)
{
	uint32_t a, passes = 0;

	do {
		for (a = REGION; a < REGION + REGION_SIZE; a += STEP)
			if (*(volatile uint32_t *)a != 0xffffffffu)
				outl(0x85, a);
		passes++;
	} while (!inb(0x86));
	hv_printf("%u passes\n", passes);
	return 0;
}
