// SPDX-License-Identifier: GPL-2.0
/*
 * task_switch: a far JMP to a TSS selector, the 32-bit hardware task
 * switch. In VMX non-root operation every task switch exits (reason 9,
 * SDM 26.4.2), with the new TSS selector and the source (CALL, IRET, JMP
 * or a task gate) in the exit qualification. hvlab does not emulate task
 * switches: the exit goes to userspace, and the guest stops there.
 * Protected mode only: long mode has no task switching.
 */
#include "hvguest.h"

#define TSS_SELECTOR	0x30	/* the first GDT slot after hvctl's own */

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint32_t base;
};

static uint32_t new_tss[26];	/* a 104-byte 32-bit TSS */

int main(void)
{
	struct dtr gdtr;
	uint64_t *gdt;
	uint32_t base = (uint32_t)new_tss;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	gdt = (uint64_t *)gdtr.base;
	/* An available 32-bit TSS (type 9), present, limit 0x67 (SDM 8.2.2) */
	gdt[TSS_SELECTOR / 8] = 0x67 | (uint64_t)(base & 0xffffff) << 16 |
				(uint64_t)0x89 << 40 | (uint64_t)(base >> 24) << 56;
	gdtr.limit = TSS_SELECTOR + 7;
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	hv_puts("jumping to the task\n");
	__asm__ volatile("ljmp %0, $0" : : "i"(TSS_SELECTOR));
	hv_puts("task_switch: came back, but hvlab does not emulate task switches\n");
	return 1;
}
