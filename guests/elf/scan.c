// SPDX-License-Identifier: GPL-2.0
/*
 * scan: the isolation scan (issue 9). Reads guest-physical memory from 0
 * to 4 GiB and reports anything that is neither its own RAM nor the
 * all-ones bus. Protected mode without paging: a linear address is a
 * guest-physical one. tests/vm/isolation.c runs it; it answers
 *
 *   IN 0x80: the per-run seed of the pattern it filled RAM with;
 *   IN 0x81: the end of RAM (RAM is [0, 640 KiB) and [1 MiB, end));
 *   IN 0x82: the stride for the rest, in pages (1: every page).
 *
 * Every dword of every RAM page is compared with the pattern; a page that
 * differs anywhere (the guest's own image, stack and data, or a page
 * that is not the one the host filled) is reported at port 0x85. Outside
 * RAM, the first dword of every stride-th page must read all ones, or
 * its address goes to port 0x86. Each such read is an MMIO exit, which
 * the test answers with all ones, as the bus does. Port 0x84 gets the
 * number of pages read when the scan is done.
 *
 * Under a plain `hvctl run` (tests/vm/differential.sh runs every guest)
 * nobody answers those ports: the bus reads all ones, and the guest says
 * so instead of scanning.
 */
#include "hvguest.h"

#define LOW_RAM_END	0xa0000u
#define HIGH_RAM_START	0x100000u

/* The pattern at @addr: the test computes the same (isolation.c). */
static inline uint32_t pattern(uint32_t seed, uint32_t addr)
{
	uint32_t x = (addr ^ seed) * 0x9e3779b1u;

	return x ^ (x >> 15);
}

static int ram_page_differs(uint32_t seed, uint32_t page)
{
	const volatile uint32_t *p = (const volatile uint32_t *)page;
	unsigned int i;

	for (i = 0; i < 1024; i++)
		if (p[i] != pattern(seed, page + 4 * i))
			return 1;
	return 0;
}

int main(void)
{
	uint32_t seed = inl(0x80), ram_end = inl(0x81), stride = inl(0x82);
	uint32_t page = 0, pages = 0;

	/* a stride of 1 to 1024 pages, a power of two; RAM to a 4 MiB boundary */
	if (!stride || stride > 1024 || (stride & (stride - 1)) || ram_end % (4u << 20) ||
	    ram_end < HIGH_RAM_START) {
		hv_printf("scan: nothing answers ports 0x80-0x82; tests/vm/isolation.c runs this guest\n");
		return 0;
	}
	stride <<= 12;

	do {
		int ram = page < LOW_RAM_END || (page >= HIGH_RAM_START && page < ram_end);

		if (ram) {
			if (ram_page_differs(seed, page))
				outl(0x85, page);
			page += 4096;
		} else {
			if (*(const volatile uint32_t *)page != 0xffffffffu)
				outl(0x86, page);
			/* every page up to the end of RAM, then every stride-th */
			page += page < ram_end ? 4096 : stride;
		}
		pages++;
	} while (page != 0);	/* wrapped at 4 GiB */
	outl(0x84, pages);
	return 0;
}
