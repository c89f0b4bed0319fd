// SPDX-License-Identifier: GPL-2.0
/*
 * dirty: writes one byte to each of 600 pages from 1.5 MiB, more than
 * the 512 addresses a vCPU's page-modification log holds: where hvlab
 * logs dirty pages with PML, the 513th new page exits first (PML full,
 * 62), handled in the kernel. hvctl run --dirty-log FILE lists those 600
 * pages, with the guest's stack and data; hvctl trace shows the exit.
 * Needs the default 4 MiB: the last page is at 0x3d7000.
 */
#include "hvguest.h"

#define FIRST_PAGE	0x180000ul
#define PAGES		600

int main(void)
{
	volatile uint8_t *p = (volatile uint8_t *)FIRST_PAGE;
	unsigned int i;

	for (i = 0; i < PAGES; i++)
		p[i * 4096ul] = (uint8_t)i;
	hv_printf("dirtied %u pages from 0x%lx\n", PAGES, FIRST_PAGE);
	return 0;
}
