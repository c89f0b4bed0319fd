// SPDX-License-Identifier: GPL-2.0
/*
 * pic.c - host-side tests of the 8259A pair (userspace/platform/pic.c)
 * against the Intel 8259A datasheet, programmed as Linux's
 * init_8259A() does: priorities and nesting, EOIs, the cascade, the
 * spurious IRQ 7 and 15, automatic EOI, rotation, poll, special mask
 * mode and the ELCR's level-triggered lines.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "pc_io.h"

static void pulse(struct hv_platform *p, unsigned int irq)
{
	hv_platform_set_irq(p, irq, 1);
	hv_platform_set_irq(p, irq, 0);
}

static uint8_t isr(struct hv_platform *p, uint16_t base)
{
	uint8_t v;

	out(p, base, 0x0b);		/* OCW3: read ISR */
	v = in(p, base);
	out(p, base, 0x0a);		/* back to IRR */
	return v;
}

FIXTURE(pic) {
	struct hv_platform p;
};

FIXTURE_SETUP(pic)
{
	ASSERT_EQ(0, hv_platform_init(&self->p, NULL, NULL, NULL));
	init_pic_like_linux(&self->p, 0x01);
}

FIXTURE_TEARDOWN(pic)
{
	hv_platform_free(&self->p);
}

TEST_F(pic, an_edge_is_latched_acknowledged_and_ended_by_eoi)
{
	struct hv_platform *p = &self->p;

	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	pulse(p, 0);				/* gone before INTA: latched anyway */
	EXPECT_EQ(0x01, in(p, 0x20));		/* IRR */
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(MASTER_VECTOR, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x00, in(p, 0x20));
	EXPECT_EQ(0x01, isr(p, 0x20));
	/* The same IR again: waits for the EOI */
	pulse(p, 0);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	out(p, 0x20, 0x20);			/* OCW2: non-specific EOI */
	EXPECT_EQ(0x00, isr(p, 0x20));
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	/* A level that stays up is no new edge */
	EXPECT_EQ(MASTER_VECTOR, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
	hv_platform_set_irq(p, 0, 1);
	EXPECT_EQ(MASTER_VECTOR, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
}

TEST_F(pic, priority_and_nesting)
{
	struct hv_platform *p = &self->p;

	pulse(p, 3);
	pulse(p, 5);
	EXPECT_EQ(MASTER_VECTOR + 3, hv_platform_acknowledge_interrupt(p));
	/* IR5 is lower than IR3 in service; IR1 is higher and nests */
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	pulse(p, 1);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(MASTER_VECTOR + 1, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x0a, isr(p, 0x20));
	out(p, 0x20, 0x20);			/* ends IR1, the highest in service */
	EXPECT_EQ(0x08, isr(p, 0x20));
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	out(p, 0x20, 0x63);			/* specific EOI, IR3 */
	EXPECT_EQ(MASTER_VECTOR + 5, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
}

TEST_F(pic, the_mask_holds_a_request_back)
{
	struct hv_platform *p = &self->p;

	out(p, 0x21, 0x10);			/* mask IR4 */
	EXPECT_EQ(0x10, in(p, 0x21));
	pulse(p, 4);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	EXPECT_EQ(0x10, in(p, 0x20));		/* requested all the same */
	out(p, 0x21, 0x00);
	EXPECT_EQ(MASTER_VECTOR + 4, hv_platform_acknowledge_interrupt(p));
}

TEST_F(pic, the_slave_through_ir2)
{
	struct hv_platform *p = &self->p;

	pulse(p, 10);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(SLAVE_VECTOR + 2, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x04, isr(p, 0x20));
	EXPECT_EQ(0x04, isr(p, 0xa0));
	/* Another slave IR, higher, while IR2 is in service on the master: waits */
	pulse(p, 9);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	out(p, 0xa0, 0x20);			/* EOI to the slave, then the master */
	out(p, 0x20, 0x20);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(SLAVE_VECTOR + 1, hv_platform_acknowledge_interrupt(p));
	out(p, 0xa0, 0x20);
	out(p, 0x20, 0x20);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
}

/*
 * A request gone before INTA: IR7, with nothing in service (8259A
 * "Interrupt Sequence"); from the slave, IR7 of the slave, and only the
 * master's IR2 in service: Linux EOIs the master alone.
 */
TEST_F(pic, spurious_irq_7_and_15)
{
	struct hv_platform *p = &self->p;

	pulse(p, 5);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	out(p, 0x21, 0x20);			/* masked between INT and INTA */
	EXPECT_EQ(MASTER_VECTOR + 7, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x00, isr(p, 0x20));
	out(p, 0x21, 0x00);
	EXPECT_EQ(MASTER_VECTOR + 5, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);

	pulse(p, 12);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	out(p, 0xa1, 0x10);			/* IRQ 12 masked on the slave */
	EXPECT_EQ(SLAVE_VECTOR + 7, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x00, isr(p, 0xa0));
	EXPECT_EQ(0x04, isr(p, 0x20));
	out(p, 0x20, 0x20);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
}

TEST(automatic_eoi_leaves_nothing_in_service)
{
	struct hv_platform p;

	ASSERT_EQ(0, hv_platform_init(&p, NULL, NULL, NULL));
	init_pic_like_linux(&p, 0x03);		/* ICW4: AEOI */
	pulse(&p, 6);
	EXPECT_EQ(MASTER_VECTOR + 6, hv_platform_acknowledge_interrupt(&p));
	EXPECT_EQ(0x00, isr(&p, 0x20));
	pulse(&p, 6);
	EXPECT_EQ(MASTER_VECTOR + 6, hv_platform_acknowledge_interrupt(&p));
	hv_platform_free(&p);
}

/* OCW2's rotations: set priority, rotate on non-specific EOI */
TEST_F(pic, rotation)
{
	struct hv_platform *p = &self->p;

	out(p, 0x20, 0xc3);			/* IR3 the lowest: IR4 the highest */
	pulse(p, 1);
	pulse(p, 4);
	EXPECT_EQ(MASTER_VECTOR + 4, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0xa0);			/* rotate on EOI: IR4 now the lowest */
	pulse(p, 4);
	EXPECT_EQ(MASTER_VECTOR + 1, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
	EXPECT_EQ(MASTER_VECTOR + 4, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
}

TEST_F(pic, poll_reads_the_highest_request_as_a_status_byte)
{
	struct hv_platform *p = &self->p;

	pulse(p, 6);
	out(p, 0x20, 0x0c);			/* OCW3: poll */
	EXPECT_EQ(0x86, in(p, 0x20));
	EXPECT_EQ(0x40, isr(p, 0x20));		/* in service, as an INTA would */
	out(p, 0x20, 0x0c);
	EXPECT_EQ(0x00, in(p, 0x20));		/* nothing: bit 7 clear */
	out(p, 0x20, 0x20);
}

/* OCW3's special mask mode: an IR in service and masked blocks nothing */
TEST_F(pic, special_mask_mode)
{
	struct hv_platform *p = &self->p;

	pulse(p, 3);
	EXPECT_EQ(MASTER_VECTOR + 3, hv_platform_acknowledge_interrupt(p));
	pulse(p, 5);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	out(p, 0x21, 0x08);			/* mask IR3 */
	out(p, 0x20, 0x68);			/* OCW3: set special mask */
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(MASTER_VECTOR + 5, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x48);			/* reset special mask */
}

/* ELCR: a level-triggered line interrupts for as long as it is high */
TEST_F(pic, elcr_level_triggered_lines)
{
	struct hv_platform *p = &self->p;

	out(p, 0x4d0, 0xff);
	EXPECT_EQ(0xf8, in(p, 0x4d0));		/* IRQ 0, 1, 2 are edge only */
	out(p, 0x4d1, 0xff);
	EXPECT_EQ(0xde, in(p, 0x4d1));		/* and IRQ 8, 13 */
	hv_platform_set_irq(p, 9, 1);
	EXPECT_EQ(SLAVE_VECTOR + 1, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0x02, in(p, 0xa0));		/* IRR follows the line: still up */
	out(p, 0xa0, 0x20);
	out(p, 0x20, 0x20);
	EXPECT_EQ(SLAVE_VECTOR + 1, hv_platform_acknowledge_interrupt(p));	/* again */
	hv_platform_set_irq(p, 9, 0);		/* the device is served: the line falls */
	EXPECT_EQ(0x00, in(p, 0xa0));
	out(p, 0xa0, 0x20);
	out(p, 0x20, 0x20);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
}

/* ICW1 starts over: mask and service cleared, edges forgotten */
TEST_F(pic, icw1_resets)
{
	struct hv_platform *p = &self->p;

	out(p, 0x21, 0xfe);
	pulse(p, 0);
	hv_platform_acknowledge_interrupt(p);
	out(p, 0x20, 0x11);
	EXPECT_EQ(0x00, in(p, 0x21));		/* IMR cleared; ICW2 is expected next */
	out(p, 0x21, 0x50);
	out(p, 0x21, 0x04);
	out(p, 0x21, 0x01);
	EXPECT_EQ(0x00, isr(p, 0x20));
	EXPECT_EQ(0x00, in(p, 0x21));
	pulse(p, 1);
	EXPECT_EQ(0x51, hv_platform_acknowledge_interrupt(p));
}

TEST_HARNESS_MAIN
