// SPDX-License-Identifier: GPL-2.0
/*
 * flat.c - the flat protected or long mode the ELF and Linux loaders hand
 * over in: GDT descriptors, the identity map of the low 4 GiB, and the
 * segment and control registers of the entry (hv_enter_flat_mode()).
 */
#include <errno.h>
#include <string.h>

#include "loaders/loaders.h"

/* A GDT descriptor (SDM 3.4.5) from base, 20-bit limit and access rights. */
uint64_t hv_gdt_descriptor(uint32_t base, uint32_t limit, uint32_t ar)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)(ar & 0xff) << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)((ar >> 12) & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

void hv_build_flat_gdt(struct hv_vm *vm)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + HV_GDT_ADDR);

	memset(vm->mem + HV_GDT_ADDR, 0, HV_BOOT_AREA_END - HV_GDT_ADDR);
	gdt[HV_SEL_CODE32 / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_CODE32);
	gdt[HV_SEL_DATA / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_DATA);
	gdt[HV_SEL_CODE64 / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_CODE64);
	/* In long mode a TSS descriptor takes two slots; the second is 0 here. */
	gdt[HV_SEL_TSS / 8] = hv_gdt_descriptor(HV_TSS_ADDR, 0x67, HV_AR_TSS_BUSY);
}

void hv_build_identity_map(struct hv_vm *vm)
{
	uint64_t *pml4 = (uint64_t *)(vm->mem + HV_PML4_ADDR);
	uint64_t *pdpt = (uint64_t *)(vm->mem + HV_PDPT_ADDR);
	uint64_t *pd = (uint64_t *)(vm->mem + HV_PD_ADDR);
	unsigned int i;

	/* Identity map 0-4 GiB: present, writable, 2 MiB pages (SDM 4.5). */
	memset(pml4, 0, 4096);
	pml4[0] = HV_PDPT_ADDR | 0x3;
	memset(pdpt, 0, 4096);
	for (i = 0; i < 4; i++)
		pdpt[i] = (HV_PD_ADDR + i * 4096) | 0x3;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;
}

static struct hvlab_segment flat_segment(uint16_t selector, uint32_t ar)
{
	return (struct hvlab_segment){
		.selector = selector, .limit = 0xffffffff, .access_rights = ar,
	};
}

int hv_enter_flat_mode(struct hv_vm *vm, const struct hv_flat_entry *e)
{
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;

	if (e->long_mode)
		hv_build_identity_map(vm);
	if (hv_get_sregs(vm, &sregs))
		return -errno;
	sregs.cs = flat_segment(e->cs, e->long_mode ? HV_AR_CODE64 : HV_AR_CODE32);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(e->ds, HV_AR_DATA);
	sregs.tr = (struct hvlab_segment){
		.selector = HV_SEL_TSS, .base = HV_TSS_ADDR, .limit = 0x67,
		.access_rights = HV_AR_TSS_BUSY,
	};
	sregs.ldtr = (struct hvlab_segment){ .access_rights = HVLAB_AR_UNUSABLE };
	sregs.gdt = (struct hvlab_dtable){ .base = HV_GDT_ADDR, .limit = 6 * 8 - 1 };
	sregs.idt = (struct hvlab_dtable){ .base = 0, .limit = 0 };	/* the guest's job */
	sregs.cr0 = 0x11;		/* PE, ET */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	if (e->long_mode) {
		sregs.cr0 = 0x80000031;	/* PG, NE, ET, PE */
		sregs.cr3 = HV_PML4_ADDR;
		sregs.cr4 = 0x20;	/* PAE */
		sregs.efer = 0x500;	/* LME, LMA */
	}
	if (hv_set_sregs(vm, &sregs))
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rip = e->entry;
	regs.rsp = e->rsp;
	regs.rsi = e->rsi;
	regs.rax = e->rax;
	regs.rbx = e->rbx;
	regs.rflags = 0x2;
	return hv_set_regs(vm, &regs) ? -errno : 0;
}
