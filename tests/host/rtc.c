// SPDX-License-Identifier: GPL-2.0
/*
 * rtc.c - host-side tests of the MC146818 RTC and CMOS
 * (userspace/platform/rtc.c) against Motorola's MC146818A datasheet, on
 * clocks the test moves: the date in BCD and binary, 24- and 12-hour;
 * SET, and the time written running on; UIP around each update; the
 * update, periodic and alarm flags and IRQ 8; the memory-size bytes; the
 * NMI-mask bit of the index port.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "pc_io.h"

#define NS		1000000000ull
#define T0		(1796503447ull * NS + NS / 2)	/* Sat 2026-12-05 20:44:07.5 UTC */

struct clocks {
	uint64_t mono, wall;
};

static uint64_t mono_ns(struct hv_platform *p)
{
	return ((struct clocks *)p->owner)->mono;
}

static uint64_t wall_ns(struct hv_platform *p)
{
	return ((struct clocks *)p->owner)->wall;
}

static const struct hv_platform_hooks hooks = { .now_ns = mono_ns, .wall_ns = wall_ns };

static uint8_t cmos(struct hv_platform *p, uint8_t index)
{
	uint64_t v;

	hv_bus_write(&p->bus, HV_SPACE_PIO, 0x70, 1, index);
	hv_bus_read(&p->bus, HV_SPACE_PIO, 0x71, 1, &v);
	return v;
}

static void set_cmos(struct hv_platform *p, uint8_t index, uint8_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_PIO, 0x70, 1, index);
	hv_bus_write(&p->bus, HV_SPACE_PIO, 0x71, 1, v);
}

static void pass(struct clocks *c, uint64_t ns)
{
	c->mono += ns;
	c->wall += ns;
}

FIXTURE(rtc) {
	struct hv_platform p;
	struct clocks c;
};

FIXTURE_SETUP(rtc)
{
	self->c.mono = 5 * NS;
	self->c.wall = T0;
	ASSERT_EQ(0, hv_platform_init(&self->p, NULL, &hooks, &self->c));
}

FIXTURE_TEARDOWN(rtc)
{
	hv_platform_free(&self->p);
}

TEST_F(rtc, the_host_time_in_bcd_24_hour)
{
	struct hv_platform *p = &self->p;

	EXPECT_EQ(0x07, cmos(p, 0x00));
	EXPECT_EQ(0x44, cmos(p, 0x02));
	EXPECT_EQ(0x20, cmos(p, 0x04));
	EXPECT_EQ(0x07, cmos(p, 0x06));		/* Saturday: Sunday is 1 */
	EXPECT_EQ(0x05, cmos(p, 0x07));
	EXPECT_EQ(0x12, cmos(p, 0x08));
	EXPECT_EQ(0x26, cmos(p, 0x09));
	EXPECT_EQ(0x20, cmos(p, 0x32));		/* century */
	EXPECT_EQ(0x26, cmos(p, 0x0a));		/* running, 1024 Hz, no update now */
	EXPECT_EQ(0x02, cmos(p, 0x0b));
	EXPECT_EQ(0x80, cmos(p, 0x0d));		/* valid RAM and time */
	pass(&self->c, 60 * NS);
	EXPECT_EQ(0x45, cmos(p, 0x02));
}

TEST_F(rtc, binary_and_12_hour)
{
	struct hv_platform *p = &self->p;

	set_cmos(p, 0x0b, 0x04);		/* binary, 12-hour */
	EXPECT_EQ(0x88, cmos(p, 0x04));		/* 8 PM */
	EXPECT_EQ(44, cmos(p, 0x02));
	EXPECT_EQ(26, cmos(p, 0x09));
	set_cmos(p, 0x0b, 0x06);		/* binary, 24-hour */
	EXPECT_EQ(20, cmos(p, 0x04));
}

TEST_F(rtc, set_stops_the_clock_and_the_time_written_runs_on)
{
	struct hv_platform *p = &self->p;

	set_cmos(p, 0x0b, 0x12);		/* UIE */
	set_cmos(p, 0x0b, 0x92);		/* SET: clears UIE */
	EXPECT_EQ(0x82, cmos(p, 0x0b));
	EXPECT_EQ(0x26, cmos(p, 0x0a));		/* no update while SET */
	pass(&self->c, 3 * NS);
	EXPECT_EQ(0x07, cmos(p, 0x00));		/* stopped */
	set_cmos(p, 0x00, 0x00);
	set_cmos(p, 0x02, 0x00);
	set_cmos(p, 0x04, 0x00);
	set_cmos(p, 0x07, 0x01);
	set_cmos(p, 0x08, 0x01);
	set_cmos(p, 0x09, 0x27);		/* 2027-01-01 00:00:00, a Friday */
	set_cmos(p, 0x0b, 0x02);
	pass(&self->c, 5 * NS);
	EXPECT_EQ(0x05, cmos(p, 0x00));
	EXPECT_EQ(0x00, cmos(p, 0x04));
	EXPECT_EQ(0x06, cmos(p, 0x06));
	EXPECT_EQ(0x27, cmos(p, 0x09));
	/* A write without SET: the time runs on from it */
	set_cmos(p, 0x02, 0x30);
	pass(&self->c, NS);
	EXPECT_EQ(0x30, cmos(p, 0x02));
	EXPECT_EQ(0x06, cmos(p, 0x00));
}

/* Times a guest can write but 64-bit nanoseconds cannot hold: 1970-2199 */
TEST_F(rtc, times_out_of_range_are_held_to_1970_2199)
{
	struct hv_platform *p = &self->p;

	set_cmos(p, 0x32, 0x23);		/* the 2300s */
	EXPECT_EQ(0x21, cmos(p, 0x32));
	EXPECT_EQ(0x99, cmos(p, 0x09));
	EXPECT_EQ(0x12, cmos(p, 0x08));
	set_cmos(p, 0x32, 0x19);
	set_cmos(p, 0x09, 0x50);		/* 1950 */
	EXPECT_EQ(0x19, cmos(p, 0x32));
	EXPECT_EQ(0x70, cmos(p, 0x09));
	EXPECT_EQ(0x01, cmos(p, 0x08));
}

/* UIP: high from 244 us before the update to the end of its 1984 us */
TEST_F(rtc, uip_around_each_update)
{
	struct hv_platform *p = &self->p;
	uint64_t second = T0 - NS / 2;

	self->c.wall = second + NS - 300000;
	EXPECT_EQ(0x00, cmos(p, 0x0a) & 0x80);
	self->c.wall = second + NS - 200000;
	EXPECT_EQ(0x80, cmos(p, 0x0a) & 0x80);
	self->c.wall = second + NS + 1900000;
	EXPECT_EQ(0x80, cmos(p, 0x0a) & 0x80);
	self->c.wall = second + NS + 2000000;
	EXPECT_EQ(0x00, cmos(p, 0x0a) & 0x80);
	set_cmos(p, 0x0a, 0x70 | 0x06);		/* divider held in reset: no updates */
	self->c.wall = second + 2 * NS - 100000;
	EXPECT_EQ(0x00, cmos(p, 0x0a) & 0x80);
}

TEST_F(rtc, update_and_periodic_interrupts_on_irq_8)
{
	struct hv_platform *p = &self->p;

	init_pic_like_linux(p, 0x01);
	set_cmos(p, 0x0b, 0x12);		/* UIE */
	EXPECT_EQ(self->c.mono + NS / 2, hv_platform_next_event(p));
	pass(&self->c, NS / 4);
	hv_platform_advance(p);
	EXPECT_EQ(0, hv_platform_interrupt_pending(p));
	pass(&self->c, NS / 2);			/* past the update at .0 */
	hv_platform_advance(p);
	EXPECT_EQ(0x38, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0xd0, cmos(p, 0x0c));		/* IRQF, UF; and PF: set at 1024 Hz, enabled or not */
	EXPECT_EQ(0x00, cmos(p, 0x0c));		/* read: cleared */
	out(p, 0xa0, 0x20);
	out(p, 0x20, 0x20);
	/* Periodic at 1024 Hz: a flag each 976.5625 us, and the line again */
	set_cmos(p, 0x0b, 0x42);		/* PIE */
	self->c.mono += 1000000;
	hv_platform_advance(p);
	EXPECT_EQ(0x38, hv_platform_acknowledge_interrupt(p));
	EXPECT_EQ(0xc0, cmos(p, 0x0c));		/* IRQF, PF */
	/* Flags are set whether enabled or not; IRQF only for the enabled */
	set_cmos(p, 0x0b, 0x02);
	pass(&self->c, NS);
	EXPECT_EQ(0x50, cmos(p, 0x0c));		/* PF, UF, no IRQF */
}

TEST_F(rtc, the_alarm)
{
	struct hv_platform *p = &self->p;

	set_cmos(p, 0x01, 0x09);
	set_cmos(p, 0x03, 0x44);
	set_cmos(p, 0x05, 0x20);		/* 20:44:09 */
	set_cmos(p, 0x0b, 0x22);		/* AIE */
	cmos(p, 0x0c);
	pass(&self->c, NS);			/* 20:44:08 */
	EXPECT_EQ(0x10, cmos(p, 0x0c) & 0xb0);	/* UF only */
	pass(&self->c, NS);			/* 20:44:09 */
	EXPECT_EQ(0xb0, cmos(p, 0x0c) & 0xb0);	/* IRQF, AF, UF */
	/* Don't-care hours and minutes: every minute at :30 */
	set_cmos(p, 0x01, 0x30);
	set_cmos(p, 0x03, 0xc0);
	set_cmos(p, 0x05, 0xff);
	pass(&self->c, 20 * NS);		/* 20:44:29 */
	EXPECT_EQ(0x00, cmos(p, 0x0c) & 0x20);
	pass(&self->c, 61 * NS);		/* 20:45:30 passed on the way */
	EXPECT_EQ(0x20, cmos(p, 0x0c) & 0x20);
}

TEST_F(rtc, index_port_nmi_bit_and_ram)
{
	struct hv_platform *p = &self->p;
	char text[4096];
	FILE *f;
	uint64_t v;

	set_cmos(p, 0x8e, 0x5a);		/* NMIs masked; RAM byte 0x0e */
	EXPECT_EQ(0x5a, cmos(p, 0x0e));
	hv_bus_read(&p->bus, HV_SPACE_PIO, 0x70, 1, &v);
	EXPECT_EQ(0xff, v);			/* write-only */
	set_cmos(p, 0x8e, 0x5a);
	f = fmemopen(text, sizeof(text), "w");
	ASSERT_NE(NULL, f);
	hv_platform_state_json(p, f);
	fclose(f);
	EXPECT_NE(NULL, strstr(text, "\"rtc\":{\"index\":14,\"nmi_disabled\":true"));
}

/* The sizes a BIOS leaves in CMOS (QEMU's layout), and the CPU count */
TEST(cmos_memory_sizes)
{
	const struct hv_platform_config big = { .ram_bytes = 256ull << 20, .cpus = 2 };
	struct hv_platform p;
	struct clocks c = { 0, T0 };

	ASSERT_EQ(0, hv_platform_init(&p, &big, &hooks, &c));
	EXPECT_EQ(0x80, cmos(&p, 0x15));	/* 640 KiB */
	EXPECT_EQ(0x02, cmos(&p, 0x16));
	EXPECT_EQ(0xff, cmos(&p, 0x17));	/* 255 MiB above 1 MiB: capped at 0xffff KiB */
	EXPECT_EQ(0xff, cmos(&p, 0x18));
	EXPECT_EQ(0xff, cmos(&p, 0x30));
	EXPECT_EQ(0xff, cmos(&p, 0x31));
	EXPECT_EQ(0x00, cmos(&p, 0x34));	/* 240 MiB above 16 MiB: 3840 x 64 KiB */
	EXPECT_EQ(0x0f, cmos(&p, 0x35));
	EXPECT_EQ(0x00, cmos(&p, 0x5b));
	EXPECT_EQ(1, cmos(&p, 0x5f));
	hv_platform_free(&p);
	ASSERT_EQ(0, hv_platform_init(&p, NULL, &hooks, &c));	/* 4 MiB */
	EXPECT_EQ(0x00, cmos(&p, 0x17));	/* 3072 KiB */
	EXPECT_EQ(0x0c, cmos(&p, 0x18));
	EXPECT_EQ(0x00, cmos(&p, 0x34));
	EXPECT_EQ(0x00, cmos(&p, 0x35));
	hv_platform_free(&p);
}

/*
 * The RESET line (hvctl --reboot): the interrupt enables and flags go,
 * the time the guest set and the CMOS memory stay (MC146818A: RESET
 * clears PIE, AIE, UIE, SQWE and register C, nothing else)
 */
TEST_F(rtc, reset_keeps_the_time_and_cmos_memory)
{
	struct hv_platform *p = &self->p;

	set_cmos(p, 0x50, 0x5a);
	set_cmos(p, 0x0b, 0x02 | 0x40 | 0x20 | 0x10 | 0x08);	/* 24h, PIE, AIE, UIE, SQWE */
	set_cmos(p, 0x04, 0x09);				/* 09:44 */
	pass(&self->c, 2 * NS);
	hv_platform_reset(p);
	EXPECT_EQ(0x5a, cmos(p, 0x50));
	EXPECT_EQ(0x02, cmos(p, 0x0b));
	EXPECT_EQ(0x00, cmos(p, 0x0c));
	EXPECT_EQ(0x09, cmos(p, 0x04));
	EXPECT_EQ(0x44, cmos(p, 0x02));
}

TEST_HARNESS_MAIN
