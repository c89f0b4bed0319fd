// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic.c - host-side tests of the I/O APIC (userspace/platform/ioapic.c)
 * against the 82093AA datasheet: its registers after reset, edge- and
 * level-triggered pins (remote IRR, the local APIC's EOI broadcast), the
 * mask, the polarity, destinations, and the ISA IRQs' wiring (IRQ 0 on
 * pin 2), delivered through the local APIC as the CPU would take them.
 */
#include "kselftest_harness.h"
#include "pc_io.h"

#define IOAPIC		0xfec00000ull
#define APIC		0xfee00000ull
#define RTE_LEVEL	(1u << 15)
#define RTE_MASKED	(1u << 16)
#define RTE_REMOTE_IRR	(1u << 14)
#define RTE_ACTIVE_LOW	(1u << 13)
#define RTE_LOGICAL	(1u << 11)

static uint64_t fake_now(struct hv_platform *p)
{
	return 1000000000ull;
}

static const struct hv_platform_hooks hooks = { .now_ns = fake_now };

static uint32_t io_rd(struct hv_platform *p, uint32_t reg)
{
	uint64_t v;

	hv_bus_write(&p->bus, HV_SPACE_MMIO, IOAPIC, 4, reg);
	hv_bus_read(&p->bus, HV_SPACE_MMIO, IOAPIC + 0x10, 4, &v);
	return (uint32_t)v;
}

static void io_wr(struct hv_platform *p, uint32_t reg, uint32_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_MMIO, IOAPIC, 4, reg);
	hv_bus_write(&p->bus, HV_SPACE_MMIO, IOAPIC + 0x10, 4, v);
}

static void route(struct hv_platform *p, unsigned int pin, uint32_t low, uint8_t dest)
{
	io_wr(p, 0x11 + 2 * pin, (uint32_t)dest << 24);
	io_wr(p, 0x10 + 2 * pin, low);
}

static void apic_wr(struct hv_platform *p, uint32_t reg, uint32_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_MMIO, APIC + reg, 4, v);
}

static uint32_t apic_rd(struct hv_platform *p, uint32_t reg)
{
	uint64_t v;

	hv_bus_read(&p->bus, HV_SPACE_MMIO, APIC + reg, 4, &v);
	return (uint32_t)v;
}

/* What the CPU would take now, or -1 */
static int take(struct hv_platform *p)
{
	return hv_platform_interrupt_pending(p) ? hv_platform_acknowledge_interrupt(p) : -1;
}

/* take(), and the handler's EOI at once (edge-triggered: nothing goes back) */
static int take_eoi(struct hv_platform *p)
{
	int v = take(p);

	if (v >= 0)
		apic_wr(p, 0xb0, 0);
	return v;
}

FIXTURE(ioapic) {
	struct hv_platform p;
};

FIXTURE_SETUP(ioapic)
{
	const struct hv_platform_config cfg = {
		.ram_bytes = 16 << 20, .cpus = 1, .apic_timer_hz = 100000000,
	};

	ASSERT_EQ(0, hv_platform_init(&self->p, &cfg, &hooks, NULL));
	ASSERT_NE(NULL, self->p.ioapic);
	apic_wr(&self->p, 0x350, 0x10700);	/* LINT0 masked: the PIC out of the way */
}

FIXTURE_TEARDOWN(ioapic)
{
	hv_platform_free(&self->p);
}

TEST_F(ioapic, registers_after_reset)
{
	struct hv_platform *p = &self->p;
	unsigned int pin;

	EXPECT_EQ(0, io_rd(p, 0x00));
	EXPECT_EQ(0x00170011, io_rd(p, 0x01));		/* version 0x11, 24 entries */
	for (pin = 0; pin < 24; pin++) {
		EXPECT_EQ(RTE_MASKED, io_rd(p, 0x10 + 2 * pin));
		EXPECT_EQ(0, io_rd(p, 0x11 + 2 * pin));
	}
	io_wr(p, 0x00, 0xffffffff);			/* the ID is bits 27:24 */
	EXPECT_EQ(0x0f000000, io_rd(p, 0x00));
	EXPECT_EQ(0x0f000000, io_rd(p, 0x02));		/* arbitration ID: the ID */
	io_wr(p, 0x01, 0);				/* read-only */
	EXPECT_EQ(0x00170011, io_rd(p, 0x01));
	/* delivery status (12) and remote IRR (14) are read-only, 17-31 reserved */
	io_wr(p, 0x10, 0xffffffff);
	EXPECT_EQ(0x1afff, io_rd(p, 0x10));
	io_wr(p, 0x11, 0xffffffff);
	EXPECT_EQ(0xff000000, io_rd(p, 0x11));
	EXPECT_EQ(0, io_rd(p, 0x40));			/* past the table */
}

/* Edge: a rising edge sends the vector once; ISA IRQ 0 is on pin 2 */
TEST_F(ioapic, edge_pins_and_the_isa_wiring)
{
	struct hv_platform *p = &self->p;

	route(p, 4, 0x44, 0);
	route(p, 2, 0x42, 0);
	hv_platform_set_irq(p, 4, 1);
	EXPECT_EQ(0x44, take_eoi(p));
	EXPECT_EQ(0, apic_rd(p, 0x180 + 0x40 / 32 * 0x10) & (1u << (0x44 % 32)));	/* TMR: edge */
	hv_platform_set_irq(p, 4, 1);			/* no new edge */
	EXPECT_EQ(-1, take_eoi(p));
	hv_platform_set_irq(p, 4, 0);
	hv_platform_set_irq(p, 4, 1);
	EXPECT_EQ(0x44, take_eoi(p));
	hv_platform_set_irq(p, 0, 1);			/* the PIT */
	EXPECT_EQ(0x42, take_eoi(p));
}

/* Masked: an edge is lost; a level is seen once unmasked */
TEST_F(ioapic, the_mask)
{
	struct hv_platform *p = &self->p;

	route(p, 3, RTE_MASKED | 0x53, 0);
	hv_platform_set_irq(p, 3, 1);
	hv_platform_set_irq(p, 3, 0);
	io_wr(p, 0x10 + 2 * 3, 0x53);
	EXPECT_EQ(-1, take(p));
	route(p, 5, RTE_MASKED | RTE_LEVEL | 0x55, 0);
	hv_platform_set_irq(p, 5, 1);
	EXPECT_EQ(-1, take(p));
	io_wr(p, 0x10 + 2 * 5, RTE_LEVEL | 0x55);
	EXPECT_EQ(0x55, take(p));
}

/* Level: remote IRR until the EOI; asserted still, it comes again */
TEST_F(ioapic, level_pins_remote_irr_and_the_eoi)
{
	struct hv_platform *p = &self->p;

	route(p, 9, RTE_LEVEL | 0x69, 0);
	hv_platform_set_irq(p, 9, 1);
	EXPECT_EQ(0x69, take(p));
	EXPECT_NE(0, io_rd(p, 0x10 + 2 * 9) & RTE_REMOTE_IRR);
	EXPECT_NE(0, apic_rd(p, 0x180 + 0x60 / 32 * 0x10) & (1u << (0x69 % 32)));	/* TMR */
	EXPECT_EQ(-1, take(p));				/* held by remote IRR */
	apic_wr(p, 0xb0, 0);				/* EOI, broadcast */
	EXPECT_EQ(0x69, take(p));			/* still asserted: again */
	hv_platform_set_irq(p, 9, 0);
	apic_wr(p, 0xb0, 0);
	EXPECT_EQ(0, io_rd(p, 0x10 + 2 * 9) & RTE_REMOTE_IRR);
	EXPECT_EQ(-1, take(p));
}

/* Active low: the line's low level is the assertion */
TEST_F(ioapic, polarity)
{
	struct hv_platform *p = &self->p;

	hv_platform_set_irq(p, 10, 1);			/* idle high */
	route(p, 10, RTE_ACTIVE_LOW | RTE_LEVEL | 0x6a, 0);
	EXPECT_EQ(-1, take(p));
	hv_platform_set_irq(p, 10, 0);
	EXPECT_EQ(0x6a, take(p));
}

/* Physical: this CPU's APIC ID or 0xff; logical: the LDR; another CPU: nothing */
TEST_F(ioapic, destinations)
{
	struct hv_platform *p = &self->p;

	route(p, 6, 0x46, 1);				/* APIC ID 1: no such CPU */
	hv_platform_set_irq(p, 6, 1);
	EXPECT_EQ(-1, take_eoi(p));
	hv_platform_set_irq(p, 6, 0);
	route(p, 6, 0x46, 0xff);
	hv_platform_set_irq(p, 6, 1);
	EXPECT_EQ(0x46, take_eoi(p));
	hv_platform_set_irq(p, 6, 0);
	apic_wr(p, 0xe0, 0xffffffff);			/* DFR flat */
	apic_wr(p, 0xd0, 0x01000000);			/* LDR: logical ID 1 */
	route(p, 6, RTE_LOGICAL | 0x47, 0x02);
	hv_platform_set_irq(p, 6, 1);
	EXPECT_EQ(-1, take_eoi(p));
	hv_platform_set_irq(p, 6, 0);
	route(p, 6, RTE_LOGICAL | 0x47, 0x03);
	hv_platform_set_irq(p, 6, 1);
	EXPECT_EQ(0x47, take_eoi(p));
}

TEST_HARNESS_MAIN
