// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic: the I/O APIC hvctl gives a guest (userspace/platform/ioapic.c,
 * the 82093AA) at 0xfec00000, used as an OS uses it with the PIC masked:
 * its version register; the PIT's IRQ 0 on pin 2, edge-triggered, to a
 * vector of the local APIC (10 ticks in STI; HLT); the RTC's IRQ 8,
 * level-triggered (its periodic interrupt, asserted until register C is
 * read), whose entry shows remote IRR in the handler until the EOI; and a
 * masked pin that keeps the PIT out.
 */
#include "hvguest.h"

#define IOAPIC_ADDR	0xfec00000u
#define PIT_VECTOR	0x60
#define RTC_VECTOR	0x68
#define RTE_LEVEL	(1u << 15)
#define RTE_MASKED	(1u << 16)
#define RTE_REMOTE_IRR	(1u << 14)
#define TICKS		10

static struct hv_gate idt[256];
static volatile unsigned int pit_ticks, rtc_ticks;
static volatile uint32_t rtc_entry_seen;

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_ADDR = reg;
	return *(volatile uint32_t *)(uintptr_t)(IOAPIC_ADDR + 0x10);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_ADDR = reg;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_ADDR + 0x10) = v;
}

/* Pin @pin to @low's vector and mode, for the CPU whose APIC ID is 0 */
static void ioapic_route(unsigned int pin, uint32_t low)
{
	ioapic_write(0x11 + 2 * pin, 0);
	ioapic_write(0x10 + 2 * pin, low);
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

void on_pit(void)
{
	pit_ticks++;
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(pit_entry, on_pit);

/* Level-triggered: remote IRR stays set until the EOI; reading C lowers the line */
void on_rtc(void)
{
	rtc_ticks++;
	rtc_entry_seen = ioapic_read(0x10 + 2 * 8);
	(void)cmos_read(0x0c);
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(rtc_entry, on_rtc);

int main(void)
{
	uint32_t version = ioapic_read(0x01);
	unsigned int before;

	hv_printf("ioapic: version 0x%x, %u pins\n", version & 0xff, (version >> 16 & 0xff) + 1);
	HV_CHECK(version == 0x00170011);
	HV_CHECK(ioapic_read(0x10 + 2 * 2) & RTE_MASKED);	/* masked from reset */

	hv_set_gate(&idt[PIT_VECTOR], pit_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[RTC_VECTOR], rtc_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 256);
	hv_apic_write(HV_APIC_SPIV, HV_APIC_SPIV_ENABLE | 0xff);
	hv_apic_write(HV_APIC_LVT_LINT0, HV_APIC_LVT_MASKED | 0x700);	/* no PIC */
	hv_pic_init(0x20);				/* and every PIC input masked */

	/* The PIT on pin 2, edge-triggered */
	ioapic_route(2, PIT_VECTOR);
	hv_pit_periodic(1000);
	while (pit_ticks < TICKS)
		hv_sti_hlt();
	hv_cli();
	hv_printf("ioapic: %u PIT ticks through pin 2, edge-triggered\n", pit_ticks);

	/* Masked: no more ticks while the RTC's come, though the PIT goes on */
	ioapic_write(0x10 + 2 * 2, RTE_MASKED | PIT_VECTOR);
	before = pit_ticks;
	/* The RTC's periodic interrupt on pin 8, level-triggered: 1024 Hz */
	ioapic_route(8, RTE_LEVEL | RTC_VECTOR);
	cmos_write(0x0a, 0x26);				/* 32.768 kHz base, rate 6 */
	cmos_write(0x0b, cmos_read(0x0b) | 0x40);	/* PIE */
	(void)cmos_read(0x0c);
	while (rtc_ticks < 5)
		hv_sti_hlt();
	hv_cli();
	cmos_write(0x0b, cmos_read(0x0b) & ~0x40);
	(void)cmos_read(0x0c);
	hv_printf("ioapic: %u RTC interrupts through pin 8, level-triggered, remote IRR in the handler: %s\n",
		  rtc_ticks, rtc_entry_seen & RTE_REMOTE_IRR ? "yes" : "no");
	HV_CHECK(rtc_entry_seen & RTE_REMOTE_IRR);
	HV_CHECK(!(ioapic_read(0x10 + 2 * 8) & RTE_REMOTE_IRR));	/* EOI'd */
	hv_printf("ioapic: pin 2 masked: %u PIT ticks meanwhile\n", pit_ticks - before);
	HV_CHECK(pit_ticks == before);
	hv_puts("ioapic: ok\n");
	return 0;
}
