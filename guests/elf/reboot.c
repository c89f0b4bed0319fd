// SPDX-License-Identifier: GPL-2.0
/*
 * reboot: resets the PC through the keyboard controller (i8042 command
 * 0xfe, as Linux's reboot=kbd), and knows a second boot by a byte it left
 * in CMOS memory, which a reset keeps (the RTC is on its battery). Under
 * "hvctl run" the reset ends the run (status 12); with --reboot the guest
 * starts again, finds its byte, clears it and ends with status 0.
 */
#include "hvguest.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define CMOS_MARK	0x50	/* a byte of CMOS memory no BIOS value uses */
#define MARK		0x5a

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(CMOS_INDEX, reg);
	outb(CMOS_DATA, v);
}

int main(void)
{
	if (cmos_read(CMOS_MARK) != MARK) {
		hv_puts("reboot: first boot, resetting the PC\n");
		cmos_write(CMOS_MARK, MARK);
		outb(0x64, 0xfe);	/* pulse the reset line */
		hv_puts("reboot: still running after the reset\n");
		return 1;
	}
	hv_puts("reboot: second boot, CMOS memory kept\n");
	cmos_write(CMOS_MARK, 0);
	return 0;
}
