// SPDX-License-Identifier: GPL-2.0
/*
 * raw.c - a boot sector: the file at 0x7c00, the CPU in 16-bit real mode
 * at 0000:7c00, as a BIOS hands over (docs/hvctl.md).
 */
#include <errno.h>
#include <string.h>

#include "loaders/loaders.h"

#define HV_CR0_ET	0x10	/* CR0 as a BIOS hands over to a boot sector */

int hv_load_raw(struct hv_vm *vm, const void *image, size_t size)
{
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;

	/* A boot sector may extend up to the end of conventional memory. */
	if (size == 0)
		return -EINVAL;
	if (size > HV_LOW_RAM_END - HV_BOOT_ADDRESS)
		return -EFBIG;
	memcpy(vm->mem + HV_BOOT_ADDRESS, image, size);

	/* What a BIOS leaves behind: CS=DS=ES=SS=0, IP=0x7c00, SP below it. */
	if (hv_get_sregs(vm, &sregs))
		return -errno;
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.cr0 = HV_CR0_ET;	/* caches on (CD, NW clear), not the reset 0x60000010 */
	if (hv_set_sregs(vm, &sregs))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = HV_BOOT_ADDRESS;
	regs.rsp = HV_BOOT_ADDRESS;
	regs.rflags = 0x2;
	regs.rdx = 0x80;	/* the boot drive, as a BIOS passes it */
	return hv_set_regs(vm, &regs) ? -errno : 0;
}
