// SPDX-License-Identifier: GPL-2.0
/*
 * pit.c - host-side tests of the 8254 (userspace/platform/pit.c) against
 * Intel's 8254 datasheet, on a clock the test moves: each mode's count
 * and OUT, the latch and read-back commands, BCD, channel 2's gate and
 * output through port 0x61 as Linux's TSC calibration uses them, and
 * channel 0's rising edges as IRQ 0 at the PIC.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "pc_io.h"

#define PIT_HZ		1193182ull
#define CLOCK_NS(n)	(((n) * 1000000000ull + PIT_HZ - 1) / PIT_HZ)	/* when clock n ticks */

struct fake_clock {
	uint64_t now;
};

static uint64_t fake_now(struct hv_platform *p)
{
	return ((struct fake_clock *)p->owner)->now;
}

static const struct hv_platform_hooks hooks = { .now_ns = fake_now };

/* The count of channel @ch through the counter latch command */
static uint16_t latched(struct hv_platform *p, int ch)
{
	uint16_t lsb;

	out(p, 0x43, ch << 6);
	lsb = in(p, 0x40 + ch);
	return lsb | in(p, 0x40 + ch) << 8;
}

FIXTURE(pit) {
	struct hv_platform p;
	struct fake_clock clock;
};

FIXTURE_SETUP(pit)
{
	self->clock.now = 1000000000ull;	/* any time: only differences count */
	ASSERT_EQ(0, hv_platform_init(&self->p, NULL, &hooks, &self->clock));
	init_pic_like_linux(&self->p, 0x01);	/* IRQ 0 at vector 0x30 */
}

FIXTURE_TEARDOWN(pit)
{
	hv_platform_free(&self->p);
}

/* Linux's periodic tick: mode 2, LATCH = 1193182 / 250 = 4773 */
TEST_F(pit, mode_2_rate_generator_ticks_irq_0)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;

	out(p, 0x43, 0x34);			/* channel 0, LSB then MSB, mode 2 */
	out(p, 0x40, 4773 & 0xff);
	out(p, 0x40, 4773 >> 8);
	hv_platform_advance(p);
	if (hv_platform_interrupt_pending(p)) {	/* OUT rose when mode 2 was set */
		hv_platform_acknowledge_interrupt(p);
		out(p, 0x20, 0x20);
	}
	EXPECT_EQ(t0 + CLOCK_NS(4773), hv_platform_next_event(p));
	self->clock.now = t0 + CLOCK_NS(1000);
	EXPECT_EQ(4773 - 1000, latched(p, 0));
	hv_platform_advance(p);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	self->clock.now = t0 + CLOCK_NS(4773);
	hv_platform_advance(p);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	EXPECT_EQ(0x30, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
	EXPECT_EQ(4773, latched(p, 0));		/* reloaded */
	/* Three periods missed: one interrupt (the PIC latches one edge) */
	self->clock.now = t0 + CLOCK_NS(4 * 4773 + 10);
	hv_platform_advance(p);
	EXPECT_EQ(0x30, hv_platform_acknowledge_interrupt(p));
	out(p, 0x20, 0x20);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	EXPECT_EQ(4773 - 10, latched(p, 0));
}

/* Mode 0: OUT low until the terminal count, then high, once */
TEST_F(pit, mode_0_interrupt_on_terminal_count)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;

	out(p, 0x43, 0x30);			/* channel 0, LSB/MSB, mode 0 */
	out(p, 0x40, 1000 & 0xff);
	out(p, 0x40, 1000 >> 8);
	out(p, 0x43, 0xe2);			/* read-back: count and status of channel 0 */
	EXPECT_EQ(0x30, in(p, 0x40));		/* status: OUT low, counting, LSB/MSB, mode 0 */
	EXPECT_EQ(1000 & 0xff, in(p, 0x40));
	EXPECT_EQ(1000 >> 8, in(p, 0x40));
	self->clock.now = t0 + CLOCK_NS(999);
	hv_platform_advance(p);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	self->clock.now = t0 + CLOCK_NS(1000);
	hv_platform_advance(p);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
	hv_platform_acknowledge_interrupt(p);
	out(p, 0x20, 0x20);
	out(p, 0x43, 0xe2);
	EXPECT_EQ(0xb0, in(p, 0x40));		/* OUT high now */
	self->clock.now = t0 + CLOCK_NS(70000);	/* counts on past 0, no second interrupt */
	hv_platform_advance(p);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	EXPECT_EQ(UINT64_MAX, hv_platform_next_event(p));
	EXPECT_EQ((1000 + 65536 - 70000 % 65536) % 65536, latched(p, 0));
}

/* Mode 4: OUT high, low for one clock at the terminal count: the edge after it */
TEST_F(pit, mode_4_software_strobe)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;

	out(p, 0x43, 0x38);
	out(p, 0x40, 100);
	out(p, 0x40, 0);
	hv_platform_advance(p);
	if (hv_platform_interrupt_pending(p)) {	/* OUT rose with the control word */
		hv_platform_acknowledge_interrupt(p);
		out(p, 0x20, 0x20);
	}
	EXPECT_EQ(t0 + CLOCK_NS(101), hv_platform_next_event(p));
	self->clock.now = t0 + CLOCK_NS(100);
	out(p, 0x43, 0xe2);
	EXPECT_EQ(0x38, in(p, 0x40) & 0xbf);	/* OUT low at TC */
	hv_platform_advance(p);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	self->clock.now = t0 + CLOCK_NS(101);
	hv_platform_advance(p);
	EXPECT_EQ(1, hv_platform_interrupt_pending(p));
}

/* Mode 3 on channel 2, seen through port 0x61; the gate stops and restarts it */
TEST_F(pit, mode_3_square_wave_and_the_gate_through_port_61)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;

	out(p, 0x61, 0x01);			/* gate 2 on, speaker off */
	out(p, 0x43, 0xb6);			/* channel 2, LSB/MSB, mode 3 */
	out(p, 0x42, 100);
	out(p, 0x42, 0);
	EXPECT_EQ(0x21, in(p, 0x61) & 0x2f);	/* OUT2 high, gate on */
	self->clock.now = t0 + CLOCK_NS(50);
	EXPECT_EQ(0x01, in(p, 0x61) & 0x2f);	/* second half: low */
	EXPECT_EQ(100, latched(p, 2));		/* counts by two: reloaded at the half */
	self->clock.now = t0 + CLOCK_NS(100);
	EXPECT_EQ(0x21, in(p, 0x61) & 0x2f);
	self->clock.now = t0 + CLOCK_NS(130);
	out(p, 0x61, 0x00);			/* gate off: OUT high, held */
	EXPECT_EQ(0x20, in(p, 0x61) & 0x2f);
	self->clock.now = t0 + CLOCK_NS(500);
	EXPECT_EQ(0x20, in(p, 0x61) & 0x2f);
	out(p, 0x61, 0x01);			/* gate on: a new period from now */
	self->clock.now = t0 + CLOCK_NS(500 + 49);
	EXPECT_EQ(0x21, in(p, 0x61) & 0x2f);
	self->clock.now = t0 + CLOCK_NS(500 + 50);
	EXPECT_EQ(0x01, in(p, 0x61) & 0x2f);
}

/*
 * Linux's pit_calibrate_tsc(): channel 2 in mode 0, gated by port 0x61,
 * polled on port 0x61 bit 5 until OUT2 rises. With the gate low it does
 * not count.
 */
TEST_F(pit, channel_2_mode_0_as_linux_calibrates_the_tsc)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;
	const uint16_t latch = 1193182 / 20;	/* 50 ms */

	out(p, 0x61, 0x00);			/* gate low */
	out(p, 0x43, 0xb0);			/* channel 2, LSB/MSB, mode 0 */
	out(p, 0x42, latch & 0xff);
	out(p, 0x42, latch >> 8);
	self->clock.now = t0 + CLOCK_NS(latch * 2ull);
	EXPECT_EQ(0, in(p, 0x61) & 0x20);	/* not counting: OUT2 still low */
	EXPECT_EQ(latch, latched(p, 2));
	out(p, 0x61, 0x01);			/* gate high: counting */
	t0 = self->clock.now;
	self->clock.now = t0 + CLOCK_NS(1000);
	EXPECT_EQ(latch - 1000, latched(p, 2));
	out(p, 0x61, 0x00);			/* gate low again: mode 0 pauses */
	self->clock.now = t0 + CLOCK_NS(5000);
	EXPECT_EQ(latch - 1000, latched(p, 2));
	out(p, 0x61, 0x01);			/* and goes on from there */
	t0 = self->clock.now;
	self->clock.now = t0 + CLOCK_NS(latch - 1001ull);
	EXPECT_EQ(0, in(p, 0x61) & 0x20);
	EXPECT_EQ(1, latched(p, 2));
	self->clock.now = t0 + CLOCK_NS(latch - 1000ull);
	EXPECT_EQ(0x20, in(p, 0x61) & 0x20);
}

TEST_F(pit, bcd_counting_and_latch_rules)
{
	struct hv_platform *p = &self->p;
	uint64_t t0 = self->clock.now;

	out(p, 0x43, 0x31);			/* channel 0, LSB/MSB, mode 0, BCD */
	out(p, 0x40, 0x00);
	out(p, 0x40, 0x10);			/* 1000, in BCD */
	self->clock.now = t0 + CLOCK_NS(1);
	EXPECT_EQ(0x0999, latched(p, 0));
	/* A second latch before the first is read is ignored */
	out(p, 0x43, 0x00);
	self->clock.now = t0 + CLOCK_NS(500);
	out(p, 0x43, 0x00);
	EXPECT_EQ(0x99, in(p, 0x40));
	EXPECT_EQ(0x09, in(p, 0x40));
	EXPECT_EQ(0x0500, latched(p, 0));
	/* LSB-only access, and the live count without a latch */
	out(p, 0x43, 0x50);			/* channel 1, LSB only, mode 0 */
	out(p, 0x41, 200);
	self->clock.now += CLOCK_NS(50);
	EXPECT_EQ(150, in(p, 0x41));
	EXPECT_EQ(0xff, in(p, 0x43));		/* the control word reads nothing */
}

TEST_HARNESS_MAIN
