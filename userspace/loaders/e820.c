// SPDX-License-Identifier: GPL-2.0
/*
 * e820.c - the PC's memory map as its BIOS reports it (INT 15h, E820h),
 * which the Linux loader puts in the zero page and the multiboot loader
 * in its memory map: one list, so both kernels see the same PC.
 */
#include "loaders/loaders.h"

/* The extended BIOS data area: the last KiB of conventional memory */
#define EBDA_START	0x9fc00ULL
#define BIOS_START	0xf0000ULL

/*
 * As QEMU's SeaBIOS reports it: conventional memory less the EBDA, the
 * EBDA and the BIOS reserved, and RAM from 1 MiB. The VGA and option-ROM
 * hole between them is in no entry: a kernel treats it as reserved.
 */
unsigned int hv_e820_map(const struct hv_vm *vm, struct hv_e820_entry map[HV_E820_MAX])
{
	map[0] = (struct hv_e820_entry){ 0, EBDA_START, HV_E820_RAM };
	map[1] = (struct hv_e820_entry){ EBDA_START, HV_LOW_RAM_END - EBDA_START, HV_E820_RESERVED };
	map[2] = (struct hv_e820_entry){ BIOS_START, HV_HIGH_RAM_START - BIOS_START, HV_E820_RESERVED };
	map[3] = (struct hv_e820_entry){ HV_HIGH_RAM_START, vm->mem_size - HV_HIGH_RAM_START,
					 HV_E820_RAM };
	return 4;
}
