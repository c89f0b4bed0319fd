// SPDX-License-Identifier: GPL-2.0
/*
 * lapic: the local APIC hvctl gives a guest (userspace/platform/lapic.c),
 * tried as an OS uses it (SDM Vol. 3A chapter 11). CPUID and
 * IA32_APIC_BASE show it; the state firmware leaves (virtual wire: the
 * PIC through LINT0); the timer, periodic at 1 kHz from CPUID leaf
 * 0x15's crystal (100 interrupts in STI; HLT, each EOI'd) and one-shot
 * (one interrupt, the current count down to 0), masked (counts, no
 * interrupt); self-IPIs by shorthand and by destination, with ISR, IRR
 * and PPR seen from the handler; the TPR holding an IPI back; an illegal
 * vector in the ESR; software disable masking the LVT; INIT and SIPI to
 * a CPU that is not there; LINT0 masked keeps the PIC's ticks out; and
 * IA32_APIC_BASE's global enable. Last, what an APIC register write
 * costs, next to CPUID, in TSC ticks (docs/platform.md).
 */
#include "hvguest.h"

#define TIMER_VECTOR	0x40
#define IPI_VECTOR	0x50
#define PIC_VECTOR	0x20
#define TICKS		100
#define DIVIDE_16	0x3

static struct hv_gate idt[256];
static volatile unsigned int timer_irqs, ipis, pic_ticks;
static volatile uint32_t isr_seen, ppr_seen, irr_seen;

void on_timer(void)
{
	timer_irqs++;
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(timer_entry, on_timer);

void on_ipi(void)
{
	ipis++;
	isr_seen = hv_apic_vector_set(HV_APIC_ISR, IPI_VECTOR);
	irr_seen = hv_apic_vector_set(HV_APIC_IRR, IPI_VECTOR);
	ppr_seen = hv_apic_read(HV_APIC_PPR);
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(ipi_entry, on_ipi);

void on_pic_tick(void)
{
	pic_ticks++;
	hv_pic_eoi(0);
}
HV_IRQ_HANDLER(pic_entry, on_pic_tick);

/* Spin with interrupts on for about @tsc ticks */
static void spin_sti(uint64_t tsc)
{
	uint64_t start = rdtsc();

	__asm__ volatile("sti" : : : "memory");
	while (rdtsc() - start < tsc)
		;
	hv_cli();
}

static void send_self_ipi(uint32_t icr_low, uint32_t dest)
{
	hv_apic_write(HV_APIC_ICR_HIGH, dest << 24);
	hv_apic_write(HV_APIC_ICR_LOW, icr_low);
}

int main(void)
{
	uint32_t r[4], crystal_hz, count, current, before, period_tsc;
	uint64_t base, start, elapsed, expected;
	unsigned int halts = 0, i;

	hv_set_gate(&idt[TIMER_VECTOR], timer_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[IPI_VECTOR], ipi_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[PIC_VECTOR], pic_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 256);

	/* CPUID and the MSR say there is one, enabled, this CPU the BSP, at its default address */
	cpuid(1, 0, r);
	HV_CHECK(r[3] >> 9 & 1);
	base = rdmsr(HV_MSR_APIC_BASE);
	hv_printf("lapic: CPUID.1:EDX.APIC = 1, IA32_APIC_BASE = %llx\n", (unsigned long long)base);
	HV_CHECK(base == 0xfee00900ull);
	/* Its ID is the initial APIC ID of CPUID; version 0x14, six LVT entries */
	HV_CHECK(hv_apic_read(HV_APIC_ID) >> 24 == r[1] >> 24);
	HV_CHECK((hv_apic_read(HV_APIC_VERSION) & 0xff) == 0x14);
	HV_CHECK((hv_apic_read(HV_APIC_VERSION) >> 16 & 0xff) == 5);
	/* Firmware's virtual wire: software enabled, LINT0 ExtINT unmasked */
	HV_CHECK(hv_apic_read(HV_APIC_SPIV) & HV_APIC_SPIV_ENABLE);
	HV_CHECK((hv_apic_read(HV_APIC_LVT_LINT0) & (HV_APIC_LVT_MASKED | 0x700)) == 0x700);
	HV_CHECK(hv_apic_read(HV_APIC_LVT_TIMER) & HV_APIC_LVT_MASKED);
	hv_puts("lapic: firmware's state: virtual wire, ID and version as CPUID says\n");

	/* The timer's clock is the crystal of CPUID leaf 0x15 (here: the TSC, ratio EBX/EAX) */
	cpuid(0x15, 0, r);
	HV_CHECK(r[0] && r[1] && r[2]);
	crystal_hz = r[2];
	count = crystal_hz / 16 / 1000;		/* 1 kHz with the clock divided by 16 */
	period_tsc = count * 16 * r[1] / r[0];	/* TSC = crystal * EBX / EAX */
	hv_apic_write(HV_APIC_TIMER_DIVIDE, DIVIDE_16);
	hv_apic_write(HV_APIC_LVT_TIMER, HV_APIC_TIMER_PERIODIC | TIMER_VECTOR);
	hv_apic_write(HV_APIC_TIMER_INITIAL, count);
	while (timer_irqs == 0)
		hv_sti_hlt();
	start = rdtsc();
	before = timer_irqs;
	while (timer_irqs < before + TICKS) {
		hv_sti_hlt();
		halts++;
	}
	elapsed = rdtsc() - start;
	hv_cli();
	hv_apic_write(HV_APIC_TIMER_INITIAL, 0);	/* stopped */
	expected = (uint64_t)TICKS * period_tsc;
	hv_printf("lapic: %u periodic timer interrupts at 1 kHz, each after a HLT: %s (%llu TSC ticks, %llu expected)\n",
		  TICKS, halts >= TICKS ? "yes" : "no", (unsigned long long)elapsed,
		  (unsigned long long)expected);
	HV_CHECK(halts >= TICKS);
	HV_CHECK(elapsed * 10 >= expected * 9 && elapsed <= expected * 3);

	/* One-shot: the count goes down to 0, and one interrupt comes */
	before = timer_irqs;
	hv_apic_write(HV_APIC_LVT_TIMER, TIMER_VECTOR);
	hv_apic_write(HV_APIC_TIMER_INITIAL, count * 5);
	current = hv_apic_read(HV_APIC_TIMER_CURRENT);
	HV_CHECK(current > 0 && current <= count * 5);
	while (timer_irqs == before)
		hv_sti_hlt();
	spin_sti((uint64_t)period_tsc * 10);	/* ten more periods */
	HV_CHECK(timer_irqs == before + 1);
	HV_CHECK(hv_apic_read(HV_APIC_TIMER_CURRENT) == 0);
	hv_puts("lapic: one-shot: one interrupt, the current count down to 0\n");

	/* Masked: it counts, nothing comes */
	before = timer_irqs;
	hv_apic_write(HV_APIC_LVT_TIMER, HV_APIC_LVT_MASKED | TIMER_VECTOR);
	hv_apic_write(HV_APIC_TIMER_INITIAL, count * 2);
	current = hv_apic_read(HV_APIC_TIMER_CURRENT);
	spin_sti(period_tsc);
	HV_CHECK(hv_apic_read(HV_APIC_TIMER_CURRENT) < current);
	spin_sti((uint64_t)period_tsc * 3);
	HV_CHECK(timer_irqs == before);
	hv_puts("lapic: masked: the count goes down, no interrupt\n");

	/* Self-IPIs: by shorthand, and by physical destination (its own ID) */
	__asm__ volatile("sti" : : : "memory");
	send_self_ipi(HV_APIC_ICR_SELF | IPI_VECTOR, 0);
	__asm__ volatile("nop" : : : "memory");
	hv_cli();
	HV_CHECK(ipis == 1);
	HV_CHECK(isr_seen && !irr_seen && (ppr_seen & 0xf0) == (IPI_VECTOR & 0xf0));
	HV_CHECK(!hv_apic_vector_set(HV_APIC_ISR, IPI_VECTOR) && (hv_apic_read(HV_APIC_PPR) & 0xf0) == 0);
	HV_CHECK(!(hv_apic_read(HV_APIC_ICR_LOW) & (1u << 12)));	/* delivery status: idle */
	__asm__ volatile("sti" : : : "memory");
	send_self_ipi(IPI_VECTOR, hv_apic_read(HV_APIC_ID) >> 24);
	__asm__ volatile("nop" : : : "memory");
	hv_cli();
	HV_CHECK(ipis == 2);
	hv_puts("lapic: self-IPIs by shorthand and destination: ISR and PPR in the handler, clear after EOI\n");

	/* The TPR holds a vector of its class and below back, in the IRR */
	hv_apic_write(HV_APIC_TPR, IPI_VECTOR & 0xf0);
	send_self_ipi(HV_APIC_ICR_SELF | IPI_VECTOR, 0);
	spin_sti(10000);
	HV_CHECK(ipis == 2 && hv_apic_vector_set(HV_APIC_IRR, IPI_VECTOR));
	__asm__ volatile("sti" : : : "memory");
	hv_apic_write(HV_APIC_TPR, 0);
	__asm__ volatile("nop" : : : "memory");
	hv_cli();
	HV_CHECK(ipis == 3 && !hv_apic_vector_set(HV_APIC_IRR, IPI_VECTOR));
	hv_puts("lapic: TPR: an IPI of its class waits in the IRR, comes when it drops\n");

	/* An illegal vector: not sent, the ESR says so once written */
	hv_apic_write(HV_APIC_ESR, 0);
	send_self_ipi(HV_APIC_ICR_SELF | 3, 0);
	hv_apic_write(HV_APIC_ESR, 0);
	HV_CHECK(hv_apic_read(HV_APIC_ESR) & (1u << 5));
	hv_apic_write(HV_APIC_ESR, 0);
	HV_CHECK(hv_apic_read(HV_APIC_ESR) == 0);
	/* INIT and SIPI to CPU 1, which is not there: nothing happens */
	send_self_ipi(0x4500, 1);
	send_self_ipi(0x4608, 1);
	HV_CHECK(!(hv_apic_read(HV_APIC_ICR_LOW) & (1u << 12)) && ipis == 3);
	hv_puts("lapic: ESR: send illegal vector; INIT and SIPI to an absent CPU ignored\n");

	/* Software disabled: every LVT masked, and it stays masked */
	hv_apic_write(HV_APIC_SPIV, 0xff);
	HV_CHECK(hv_apic_read(HV_APIC_LVT_LINT0) & HV_APIC_LVT_MASKED);
	hv_apic_write(HV_APIC_LVT_TIMER, TIMER_VECTOR);
	HV_CHECK(hv_apic_read(HV_APIC_LVT_TIMER) & HV_APIC_LVT_MASKED);
	hv_apic_write(HV_APIC_SPIV, HV_APIC_SPIV_ENABLE | 0xff);
	hv_puts("lapic: software disabled: the LVT masked\n");

	/* The PIC's ticks come through LINT0 in ExtINT mode; masked, they do not */
	hv_pic_init(PIC_VECTOR);
	hv_pit_periodic(1000);
	hv_pic_unmask(0);
	hv_apic_write(HV_APIC_LVT_LINT0, 0x700);
	while (pic_ticks < 3)
		hv_sti_hlt();
	hv_apic_write(HV_APIC_LVT_LINT0, HV_APIC_LVT_MASKED | 0x700);
	before = pic_ticks;
	spin_sti((uint64_t)period_tsc * 5);	/* five PIT periods */
	HV_CHECK(pic_ticks == before);
	hv_puts("lapic: the PIC through LINT0 (ExtINT); LINT0 masked keeps it out\n");

	/* Globally disabled: the APIC is gone, the PIC reaches the CPU directly */
	wrmsr(HV_MSR_APIC_BASE, base & ~(1ull << 11));
	HV_CHECK(hv_apic_read(HV_APIC_VERSION) == 0xffffffffu);
	cpuid(1, 0, r);
	HV_CHECK(!(r[3] >> 9 & 1));		/* CPUID follows the enable (SDM 11.4.3) */
	before = pic_ticks;
	while (pic_ticks < before + 3)
		hv_sti_hlt();
	/* Enabled again: as after power-up, software disabled */
	wrmsr(HV_MSR_APIC_BASE, base);
	HV_CHECK(rdmsr(HV_MSR_APIC_BASE) == base);
	cpuid(1, 0, r);
	HV_CHECK(r[3] >> 9 & 1);
	HV_CHECK(hv_apic_read(HV_APIC_SPIV) == 0xff);
	HV_CHECK(hv_apic_read(HV_APIC_LVT_LINT0) & HV_APIC_LVT_MASKED);
	outb(HV_PIC1 + 1, 0xff);
	hv_puts("lapic: IA32_APIC_BASE: disabled, the PIC goes direct; enabled again, powered up\n");
	hv_puts("lapic: CPUID's APIC flag follows the enable\n");

	/* What an access costs: an EOI write (an exit to hvctl) next to a CPUID */
	start = rdtsc();
	for (i = 0; i < 1024; i++)
		hv_apic_write(HV_APIC_EOI, 0);
	elapsed = rdtsc() - start;
	start = rdtsc();
	for (i = 0; i < 1024; i++)
		cpuid(0, 0, r);
	hv_printf("lapic: TSC ticks per APIC register write: %u, per CPUID: %u\n",
		  (unsigned int)(elapsed >> 10), (unsigned int)((rdtsc() - start) >> 10));
	return 0;
}
