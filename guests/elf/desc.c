// SPDX-License-Identifier: GPL-2.0
/*
 * desc: the descriptor-table instructions. SGDT/SIDT/LGDT/LIDT exit as
 * reason 46 and SLDT/STR/LLDT/LTR as 47 when hvctl run --intercept desc
 * asks for it; hvlab then does what the CPU would, so the guest must see
 * exactly the same results either way:
 *   - SGDT/SIDT show what hvctl set up;
 *   - LGDT loads a copy of the GDT with an LDT and a second TSS added,
 *     LIDT an IDT of its own, and SGDT/SIDT read them back;
 *   - LLDT and SLDT, LTR and STR agree, and LTR marks the TSS busy.
 */
#include "hvguest.h"

#define LDT_SELECTOR	0x30
#ifdef __x86_64__
#define TSS2_SELECTOR	0x40	/* system descriptors take 16 bytes here */
#define GDT_ENTRIES	10
#else
#define TSS2_SELECTOR	0x38
#define GDT_ENTRIES	8
#endif

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uintptr_t base;
};

static uint64_t gdt[GDT_ENTRIES];
static uint64_t idt[16];
static uint64_t ldt[4];
static uint32_t tss2[26];

/* A system-segment descriptor (SDM 3.5): LDT (type 2) or TSS (type 9) */
static void set_system_descriptor(int selector, uintptr_t base, uint32_t limit, int type)
{
	gdt[selector / 8] = (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
			    (uint64_t)(0x80 | type) << 40 | (uint64_t)(base >> 24 & 0xff) << 56;
#ifdef __x86_64__
	gdt[selector / 8 + 1] = base >> 32;
#endif
}

static uint16_t sldt(void)
{
	uint16_t sel;

	__asm__ volatile("sldt %0" : "=r"(sel));
	return sel;
}

static uint16_t str(void)
{
	uint16_t sel;

	__asm__ volatile("str %0" : "=m"(sel));	/* the memory form */
	return sel;
}

int main(void)
{
	struct dtr gdtr, idtr, check;
	uint16_t tr_selector;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	hv_printf("gdt 0x%lx/0x%x, idt 0x%lx/0x%x, tr 0x%x, ldtr 0x%x\n",
		  (unsigned long)gdtr.base, gdtr.limit, (unsigned long)idtr.base, idtr.limit,
		  str(), sldt());
	HV_CHECK(gdtr.base == 0x1000 && idtr.limit == 0);

	memcpy(gdt, (void *)gdtr.base, gdtr.limit + 1);
	set_system_descriptor(LDT_SELECTOR, (uintptr_t)ldt, sizeof(ldt) - 1, 2);
	set_system_descriptor(TSS2_SELECTOR, (uintptr_t)tss2, sizeof(tss2) - 1, 9);
	gdtr = (struct dtr){ sizeof(gdt) - 1, (uintptr_t)gdt };
	idtr = (struct dtr){ sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	__asm__ volatile("lidt %0" : : "m"(idtr));
	__asm__ volatile("sgdt %0" : "=m"(check));
	HV_CHECK(check.base == gdtr.base && check.limit == gdtr.limit);
	__asm__ volatile("sidt %0" : "=m"(check));
	HV_CHECK(check.base == idtr.base && check.limit == idtr.limit);

	__asm__ volatile("lldt %0" : : "r"((uint16_t)LDT_SELECTOR));
	HV_CHECK(sldt() == LDT_SELECTOR);
	tr_selector = TSS2_SELECTOR;
	/* the memory form; the CPU writes the busy bit into gdt[] */
	__asm__ volatile("ltr %0" : : "m"(tr_selector) : "memory");
	HV_CHECK(str() == TSS2_SELECTOR);
	HV_CHECK((gdt[TSS2_SELECTOR / 8] >> 40 & 0xf) == 0xb);	/* now busy */
	hv_puts("desc ok\n");
	return 0;
}
