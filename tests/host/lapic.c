// SPDX-License-Identifier: GPL-2.0
/*
 * lapic.c - host-side tests of the local APIC (userspace/platform/lapic.c)
 * against the SDM (Vol. 3A chapter 11), on a clock the test moves and an
 * IA32_APIC_BASE it sets: the timer's count and expiries in one-shot and
 * periodic modes with each divisor, priorities (IRR, ISR, TPR, PPR, EOI),
 * IPIs by shorthand and logical destination, the ESR, software and
 * global disable, and the PIC's interrupts through LINT0.
 */
#include "kselftest_harness.h"
#include "pc_io.h"

#define APIC		0xfee00000ull
#define TIMER_HZ	100000000ull	/* 100 MHz: 10 ns a clock */
#define VEC		0x40

struct fake_cpu {
	uint64_t now;
	uint64_t apic_base;
};

static uint64_t fake_now(struct hv_platform *p)
{
	return ((struct fake_cpu *)p->owner)->now;
}

static uint64_t fake_apic_base(struct hv_platform *p)
{
	return ((struct fake_cpu *)p->owner)->apic_base;
}

static const struct hv_platform_hooks hooks = {
	.now_ns = fake_now,
	.apic_base = fake_apic_base,
};

static uint32_t rd(struct hv_platform *p, uint32_t reg)
{
	uint64_t v;

	hv_bus_read(&p->bus, HV_SPACE_MMIO, APIC + reg, 4, &v);
	return (uint32_t)v;
}

static void wr(struct hv_platform *p, uint32_t reg, uint32_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_MMIO, APIC + reg, 4, v);
}

/* The run loop's side: advance the devices, and take what the CPU would */
static int take(struct hv_platform *p)
{
	hv_platform_advance(p);
	return hv_platform_interrupt_pending(p) ? hv_platform_acknowledge_interrupt(p) : -1;
}

FIXTURE(lapic) {
	struct hv_platform p;
	struct fake_cpu cpu;
};

FIXTURE_SETUP(lapic)
{
	const struct hv_platform_config cfg = {
		.ram_bytes = 16 << 20, .cpus = 1, .apic_timer_hz = TIMER_HZ,
	};

	self->cpu.now = 5000000000ull;
	self->cpu.apic_base = 0xfee00900ull;
	ASSERT_EQ(0, hv_platform_init(&self->p, &cfg, &hooks, &self->cpu));
	ASSERT_NE(NULL, self->p.lapic);
}

FIXTURE_TEARDOWN(lapic)
{
	hv_platform_free(&self->p);
}

TEST(no_apic_without_a_timer_clock)
{
	struct hv_platform p;
	uint64_t v;

	ASSERT_EQ(0, hv_platform_init(&p, NULL, NULL, NULL));
	EXPECT_EQ(NULL, p.lapic);
	EXPECT_NE(HV_BUS_CLAIMED, hv_bus_read(&p.bus, HV_SPACE_MMIO, APIC + 0x30, 4, &v));
	hv_platform_free(&p);
}

/* What firmware leaves (SeaBIOS's virtual wire), and the read-only registers */
TEST_F(lapic, handoff_state_is_virtual_wire)
{
	struct hv_platform *p = &self->p;

	EXPECT_EQ(0u, rd(p, 0x20));
	EXPECT_EQ(0x00050014u, rd(p, 0x30));
	EXPECT_EQ(0x1ffu, rd(p, 0xf0));
	EXPECT_EQ(0x8700u, rd(p, 0x350));
	EXPECT_EQ(0x400u, rd(p, 0x360));
	EXPECT_EQ(0x10000u, rd(p, 0x320));
	EXPECT_EQ(0xffffffffu, rd(p, 0xe0));
	wr(p, 0x30, 0);
	wr(p, 0xa0, 0x55);
	EXPECT_EQ(0x00050014u, rd(p, 0x30));
	EXPECT_EQ(0u, rd(p, 0xa0));
	/* bytes of a register; the rest of its 16 reserved */
	uint64_t v;

	hv_bus_read(&p->bus, HV_SPACE_MMIO, APIC + 0x32, 1, &v);
	EXPECT_EQ(0x05u, v);
	hv_bus_read(&p->bus, HV_SPACE_MMIO, APIC + 0x34, 4, &v);
	EXPECT_EQ(0u, v);
}

/* One-shot: 1000 clocks divided by 4 is 40 us; the count goes down, then 0 */
TEST_F(lapic, one_shot_counts_down_and_fires_once)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->cpu.now;

	wr(p, 0x3e0, 0x1);		/* divide by 4 */
	wr(p, 0x320, VEC);
	wr(p, 0x380, 1000);
	EXPECT_EQ(1000u, rd(p, 0x390));
	EXPECT_EQ(t0 + 40000, hv_platform_next_event(p));
	self->cpu.now = t0 + 20000;
	EXPECT_EQ(500u, rd(p, 0x390));
	EXPECT_EQ(-1, take(p));
	self->cpu.now = t0 + 39999;
	EXPECT_EQ(-1, take(p));
	self->cpu.now = t0 + 40000;
	EXPECT_EQ(VEC, take(p));
	EXPECT_EQ(0u, rd(p, 0x390));
	EXPECT_EQ(UINT64_MAX, hv_platform_next_event(p));
	self->cpu.now = t0 + 1000000;
	EXPECT_EQ(-1, take(p));
	EXPECT_EQ(1000u, rd(p, 0x380));	/* the initial count stays */
}

/* Periodic: reloads; missed periods are one interrupt; each divisor */
TEST_F(lapic, periodic_reloads_and_each_divisor)
{
	static const struct { uint32_t tdcr, div; } divisors[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};
	struct hv_platform *p = &self->p;
	unsigned int i;

	for (i = 0; i < sizeof(divisors) / sizeof(divisors[0]); i++) {
		uint64_t t0 = self->cpu.now, period = 200000ull * divisors[i].div;

		wr(p, 0x3e0, divisors[i].tdcr);
		wr(p, 0x320, (1u << 17) | VEC);
		wr(p, 0x380, 20000);
		EXPECT_EQ(t0 + period, hv_platform_next_event(p));
		self->cpu.now = t0 + period;
		EXPECT_EQ(VEC, take(p));
		wr(p, 0xb0, 0);
		EXPECT_EQ(20000u, rd(p, 0x390));
		self->cpu.now = t0 + period + period / 4;
		EXPECT_EQ(15000u, rd(p, 0x390));
		EXPECT_EQ(-1, take(p));
		self->cpu.now = t0 + 5 * period + period / 2;	/* four more periods */
		EXPECT_EQ(VEC, take(p));
		wr(p, 0xb0, 0);
		EXPECT_EQ(-1, take(p));
		EXPECT_EQ(t0 + 6 * period, hv_platform_next_event(p));
		EXPECT_EQ(10000u, rd(p, 0x390));
		wr(p, 0x380, 0);	/* stopped */
		EXPECT_EQ(0u, rd(p, 0x390));
		EXPECT_EQ(UINT64_MAX, hv_platform_next_event(p));
	}
}

/* A periodic timer faster than 100 us runs at 100 us (KVM's minimum too) */
TEST_F(lapic, periodic_minimum_period)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->cpu.now;

	wr(p, 0x3e0, 0xb);
	wr(p, 0x320, (1u << 17) | VEC);
	wr(p, 0x380, 10);			/* 100 ns */
	EXPECT_EQ(t0 + 100000, hv_platform_next_event(p));
	wr(p, 0x320, VEC);			/* one-shot: as written */
	EXPECT_EQ(t0 + 100, hv_platform_next_event(p));
}

/* Masked: counts and expires, raises nothing */
TEST_F(lapic, masked_timer_counts_without_interrupts)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->cpu.now;

	wr(p, 0x3e0, 0xb);		/* divide by 1 */
	wr(p, 0x320, (1u << 16) | VEC);
	wr(p, 0x380, 100);
	EXPECT_EQ(UINT64_MAX, hv_platform_next_event(p));	/* nothing to wake for */
	self->cpu.now = t0 + 500;
	EXPECT_EQ(50u, rd(p, 0x390));
	self->cpu.now = t0 + 5000;
	EXPECT_EQ(-1, take(p));
	EXPECT_EQ(0u, rd(p, 0x390));
}

/* IRR, ISR and PPR: a higher class preempts, a lower waits for the EOI */
TEST_F(lapic, priorities_tpr_and_eoi)
{
	struct hv_platform *p = &self->p;

	wr(p, 0x300, (1u << 18) | 0x41);	/* self-IPI */
	EXPECT_EQ(1u << 1, rd(p, 0x220));	/* IRR bit 0x41 */
	EXPECT_EQ(0x41, take(p));
	EXPECT_EQ(1u << 1, rd(p, 0x120));	/* in service */
	EXPECT_EQ(0u, rd(p, 0x220));
	EXPECT_EQ(0x40u, rd(p, 0xa0));		/* PPR: the class in service */
	wr(p, 0x300, (1u << 18) | 0x45);	/* same class: waits */
	EXPECT_EQ(-1, take(p));
	wr(p, 0x300, (1u << 18) | 0x61);	/* higher: comes */
	EXPECT_EQ(0x61, take(p));
	wr(p, 0xb0, 0);				/* EOI ends 0x61 first */
	EXPECT_EQ(0u, rd(p, 0x130));
	EXPECT_EQ(1u << 1, rd(p, 0x120));
	EXPECT_EQ(-1, take(p));
	wr(p, 0xb0, 0);
	EXPECT_EQ(0x45, take(p));
	wr(p, 0xb0, 0);
	/* TPR 0x50 holds 0x45 and 0x50 back, not 0x61 */
	wr(p, 0x80, 0x50);
	EXPECT_EQ(0x50u, rd(p, 0xa0));
	wr(p, 0x300, (1u << 18) | 0x45);
	wr(p, 0x300, (1u << 18) | 0x50);
	EXPECT_EQ(-1, take(p));
	wr(p, 0x300, (1u << 18) | 0x61);
	EXPECT_EQ(0x61, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0x80, 0);
	EXPECT_EQ(0x50, take(p));
	wr(p, 0xb0, 0);
	EXPECT_EQ(0x45, take(p));
	wr(p, 0xb0, 0);
	EXPECT_EQ(0u, rd(p, 0xa0));
}

/* Destinations: physical ID, broadcast, flat and cluster logical, shorthands */
TEST_F(lapic, ipi_destinations)
{
	struct hv_platform *p = &self->p;

	wr(p, 0x20, 3u << 24);			/* APIC ID 3 */
	wr(p, 0x310, 3u << 24);
	wr(p, 0x300, 0x51);			/* physical, to 3: me */
	EXPECT_EQ(0x51, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0x310, 2u << 24);
	wr(p, 0x300, 0x51);			/* to 2: nobody */
	EXPECT_EQ(-1, take(p));
	wr(p, 0x310, 0xffu << 24);
	wr(p, 0x300, 0x52);			/* broadcast */
	EXPECT_EQ(0x52, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0xd0, 0x04u << 24);		/* flat logical ID bit 2 */
	wr(p, 0x310, 0x06u << 24);
	wr(p, 0x300, (1u << 11) | 0x53);
	EXPECT_EQ(0x53, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0x310, 0x08u << 24);
	wr(p, 0x300, (1u << 11) | 0x53);
	EXPECT_EQ(-1, take(p));
	wr(p, 0xe0, 0x0fffffff);		/* cluster model: cluster 1, CPU bit 1 */
	wr(p, 0xd0, 0x12u << 24);
	wr(p, 0x310, 0x13u << 24);
	wr(p, 0x300, (1u << 11) | 0x54);
	EXPECT_EQ(0x54, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0x310, 0x22u << 24);		/* another cluster */
	wr(p, 0x300, (1u << 11) | 0x54);
	EXPECT_EQ(-1, take(p));
	wr(p, 0x300, (3u << 18) | 0x55);	/* all but self */
	EXPECT_EQ(-1, take(p));
	wr(p, 0x300, (2u << 18) | 0x56);	/* all including self */
	EXPECT_EQ(0x56, take(p));
	wr(p, 0xb0, 0);
	wr(p, 0x310, 1u << 24);
	wr(p, 0x300, 0x4500);			/* INIT to CPU 1: not there */
	wr(p, 0x300, 0x4608);			/* SIPI */
	EXPECT_EQ(-1, take(p));
	EXPECT_EQ(0u, rd(p, 0x300) & (1u << 12));	/* delivery status: idle */
}

/* The ESR gathers errors until written; the error LVT raises its vector */
TEST_F(lapic, esr_and_error_lvt)
{
	struct hv_platform *p = &self->p;

	wr(p, 0x370, 0x5f);			/* error LVT, unmasked */
	wr(p, 0x300, (1u << 18) | 0x03);	/* illegal vector */
	EXPECT_EQ(0u, rd(p, 0x280));		/* not yet: latched by a write */
	EXPECT_EQ(0x5f, take(p));
	wr(p, 0xb0, 0);
	rd(p, 0x2f0);				/* no CMCI LVT: illegal register */
	wr(p, 0x280, 0);
	EXPECT_EQ((1u << 5) | (1u << 7), rd(p, 0x280));
	wr(p, 0x280, 0);
	EXPECT_EQ(0u, rd(p, 0x280));
	wr(p, 0x320, 0x05);			/* a timer with an illegal vector */
	wr(p, 0x3e0, 0xb);
	wr(p, 0x380, 1);
	self->cpu.now += 1000;
	EXPECT_EQ(0x5f, take(p));		/* the error, not vector 5 */
	wr(p, 0xb0, 0);
	wr(p, 0x280, 0);
	EXPECT_EQ(1u << 6, rd(p, 0x280));
}

/*
 * Software disabled: the LVT masked and kept masked; no new interrupts
 * taken, those pending delivered (SDM 11.4.7.2)
 */
TEST_F(lapic, software_disable_masks_the_lvt)
{
	struct hv_platform *p = &self->p;

	wr(p, 0x80, 0x40);			/* hold 0x41 back */
	wr(p, 0x300, (1u << 18) | 0x41);
	wr(p, 0xf0, 0xff);
	EXPECT_EQ(0x18700u, rd(p, 0x350));
	wr(p, 0x320, VEC);
	EXPECT_EQ(0x10000u | VEC, rd(p, 0x320));
	wr(p, 0x300, (1u << 18) | 0x62);	/* not taken */
	EXPECT_EQ(0u, rd(p, 0x230));
	wr(p, 0x80, 0);
	EXPECT_EQ(0x41, take(p));		/* pending: delivered all the same */
	wr(p, 0xb0, 0);
	wr(p, 0xf0, 0x1ff);
	EXPECT_EQ(0x10000u | VEC, rd(p, 0x320));	/* still masked */
	EXPECT_EQ(-1, take(p));
}

/* ICR: the delivery status and reserved bits do not stick */
TEST_F(lapic, icr_delivery_status_reads_idle)
{
	struct hv_platform *p = &self->p;

	wr(p, 0x310, 5u << 24);			/* to an absent CPU */
	wr(p, 0x300, 0x3000 | 0x45);
	EXPECT_EQ(0x45u, rd(p, 0x300));
	EXPECT_EQ(-1, take(p));
}

/* The PIC's INTR comes through LINT0 (ExtINT); masked, it does not */
TEST_F(lapic, pic_through_lint0)
{
	struct hv_platform *p = &self->p;

	init_pic_like_linux(p, 0x01);
	hv_platform_set_irq(p, 3, 1);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	wr(p, 0x350, 0x18700);			/* masked */
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	wr(p, 0x350, 0x700);
	EXPECT_EQ(MASTER_VECTOR + 3, take(p));
	/* the APIC's own vector and the PIC's at once: both come */
	hv_platform_set_irq(p, 3, 0);
	out(p, 0x20, 0x20);
	hv_platform_set_irq(p, 4, 1);
	wr(p, 0x300, (1u << 18) | 0x61);
	EXPECT_EQ(0x61, take(p));
	EXPECT_EQ(MASTER_VECTOR + 4, take(p));
}

/* IA32_APIC_BASE's enable off: absent, the PIC direct; on: powered up */
TEST_F(lapic, global_disable_and_enable)
{
	struct hv_platform *p = &self->p;

	init_pic_like_linux(p, 0x01);
	wr(p, 0x350, 0x18700);			/* LINT0 masked */
	wr(p, 0x80, 0x20);
	self->cpu.apic_base = 0xfee00100ull;	/* bit 11 clear */
	EXPECT_EQ(0xffffffffu, rd(p, 0x30));
	wr(p, 0x80, 0x30);			/* nothing there */
	hv_platform_set_irq(p, 5, 1);
	EXPECT_EQ(MASTER_VECTOR + 5, take(p));
	self->cpu.apic_base = 0xfee00900ull;
	EXPECT_EQ(0xffu, rd(p, 0xf0));		/* power-up: software disabled */
	EXPECT_EQ(0u, rd(p, 0x80));
	EXPECT_EQ(0x10000u, rd(p, 0x350));
}

TEST_HARNESS_MAIN
