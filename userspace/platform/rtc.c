// SPDX-License-Identifier: GPL-2.0
/*
 * rtc.c - the MC146818 real-time clock and CMOS memory (Motorola
 * MC146818A datasheet) at 0x70 (index; bit 7 masks NMIs, as on every PC)
 * and 0x71 (data), on IRQ 8.
 *
 * The date and time are the host's (CLOCK_REALTIME, UTC) plus whatever
 * the guest set, in BCD or binary and 24- or 12-hour form as register B
 * selects. Modelled: register A (the divider and the periodic rate; UIP,
 * high from 244 us before each second's update to the end of its
 * 1984 us), register B (SET stops updates so that the guest can write
 * the time, which counts on from there when SET is cleared; PIE, AIE,
 * UIE, DM, 24/12), register C (PF, AF, UF and IRQF, cleared by reading
 * it), register D (VRT: the battery is good), the alarm with its
 * don't-care values, the century byte (0x32), and the bytes where a PC
 * keeps its memory sizes (0x15-0x18, 0x30-0x31, 0x34-0x35, 0x5b-0x5d,
 * as QEMU fills them) and, at 0x5f, the CPU count less one (QEMU's).
 * Not modelled: daylight-saving (DSE), the square-wave pin.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"

#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define RTC_IRQ		8
#define NS		1000000000ull

enum { SECONDS, SECONDS_ALARM, MINUTES, MINUTES_ALARM, HOURS, HOURS_ALARM, DAY_OF_WEEK,
       DAY_OF_MONTH, MONTH, YEAR, REG_A, REG_B, REG_C, REG_D, CENTURY = 0x32, CPUS_LESS_ONE = 0x5f };

#define A_UIP		0x80
#define A_DV_NORMAL	0x20	/* divider bits 6:4 = 010: a 32.768 kHz time base, running */
#define B_SET		0x80
#define B_PIE		0x40
#define B_AIE		0x20
#define B_UIE		0x10
#define B_SQWE		0x08
#define B_DM_BINARY	0x04
#define B_24H		0x02
#define C_IRQF		0x80
#define C_PF		0x40
#define C_AF		0x20
#define C_UF		0x10
#define D_VRT		0x80
#define HOUR_PM		0x80
#define UIP_BEFORE_NS	244000u		/* UIP rises this long before an update ... */
#define UPDATE_NS	1984000u	/* ... which takes this long */

struct rtc {
	struct hv_device dev;
	uint8_t cmos[128];
	uint8_t index;
	uint8_t nmi_disabled;
	int64_t offset_ns;	/* the guest's time less the host's */
	uint8_t flags;		/* register C's PF, AF, UF */
	uint64_t checked_wall;	/* the guest time up to which UF and AF are counted */
	uint64_t checked_mono;	/* the clock time up to which PF is */
};

static uint64_t guest_ns(struct rtc *r)
{
	return hv_platform_wall_time(r->dev.platform) + r->offset_ns;
}

static int binary(const struct rtc *r)
{
	return r->cmos[REG_B] & B_DM_BINARY;
}

static uint8_t to_reg(const struct rtc *r, unsigned int v)
{
	return binary(r) ? v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned int from_reg(const struct rtc *r, uint8_t v)
{
	return binary(r) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t hour_to_reg(const struct rtc *r, unsigned int h)
{
	if (r->cmos[REG_B] & B_24H)
		return to_reg(r, h);
	return to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0);
}

static unsigned int hour_from_reg(const struct rtc *r, uint8_t v)
{
	unsigned int h;

	if (r->cmos[REG_B] & B_24H)
		return from_reg(r, v);
	h = from_reg(r, v & ~HOUR_PM) % 12;
	return v & HOUR_PM ? h + 12 : h;
}

/* The time registers (0, 2, 4, 6-9) and the century from @secs since 1970 */
static void rtc_store_time(struct rtc *r, time_t secs)
{
	struct tm tm;

	gmtime_r(&secs, &tm);
	r->cmos[SECONDS] = to_reg(r, tm.tm_sec);
	r->cmos[MINUTES] = to_reg(r, tm.tm_min);
	r->cmos[HOURS] = hour_to_reg(r, tm.tm_hour);
	r->cmos[DAY_OF_WEEK] = to_reg(r, tm.tm_wday + 1);
	r->cmos[DAY_OF_MONTH] = to_reg(r, tm.tm_mday);
	r->cmos[MONTH] = to_reg(r, tm.tm_mon + 1);
	r->cmos[YEAR] = to_reg(r, tm.tm_year % 100);
	r->cmos[CENTURY] = to_reg(r, 19 + tm.tm_year / 100);
}

/* ... and back: the time the registers say */
static time_t rtc_load_time(const struct rtc *r)
{
	struct tm tm = {
		.tm_sec = from_reg(r, r->cmos[SECONDS]),
		.tm_min = from_reg(r, r->cmos[MINUTES]),
		.tm_hour = hour_from_reg(r, r->cmos[HOURS]),
		.tm_mday = from_reg(r, r->cmos[DAY_OF_MONTH]),
		.tm_mon = from_reg(r, r->cmos[MONTH]) - 1,
		.tm_year = (from_reg(r, r->cmos[CENTURY]) - 19) * 100 + from_reg(r, r->cmos[YEAR]),
	};

	return timegm(&tm);
}

/* Does the alarm match second @secs? A value with bits 7:6 set matches any */
static int rtc_alarm_matches(struct rtc *r, time_t secs)
{
	struct tm tm;
	uint8_t s = r->cmos[SECONDS_ALARM], m = r->cmos[MINUTES_ALARM], h = r->cmos[HOURS_ALARM];

	gmtime_r(&secs, &tm);
	return ((s & 0xc0) == 0xc0 || from_reg(r, s) == (unsigned int)tm.tm_sec) &&
	       ((m & 0xc0) == 0xc0 || from_reg(r, m) == (unsigned int)tm.tm_min) &&
	       ((h & 0xc0) == 0xc0 || hour_from_reg(r, h) == (unsigned int)tm.tm_hour);
}

/*
 * The guest's clock set to @secs now, plus @ns_into_it: the times a
 * guest can write (1900-2099 and more, in garbage BCD) are held to
 * 1970-2199, so that the offset fits in signed 64-bit nanoseconds. The
 * updates skipped by the jump are not counted (no flags, no alarm walk).
 */
static void rtc_set_guest_time(struct rtc *r, int64_t secs, uint64_t ns_into_it)
{
	const int64_t last = 7258118399;	/* 2199-12-31 23:59:59 UTC */

	if (secs < 0)
		secs = 0;
	if (secs > last)
		secs = last;
	r->offset_ns = secs * (int64_t)NS + (int64_t)ns_into_it -
		       (int64_t)hv_platform_wall_time(r->dev.platform);
	r->checked_wall = guest_ns(r);
}

static int running(const struct rtc *r)
{
	return (r->cmos[REG_A] & 0x70) == A_DV_NORMAL;
}

/* The periodic interrupt's period, from RS3-0 (datasheet Table 5); 0: off */
static uint64_t rtc_period_ns(const struct rtc *r)
{
	unsigned int rs = r->cmos[REG_A] & 15;

	if (!rs || !running(r))
		return 0;
	if (rs < 3)
		rs += 7;
	return ((uint64_t)1 << (rs - 1)) * NS / 32768;
}

/* Register C's flags for the updates and periods since the last look */
static void rtc_update_flags(struct rtc *r)
{
	uint64_t now_wall = guest_ns(r), now_mono = hv_platform_now(r->dev.platform);
	uint64_t period = rtc_period_ns(r);

	if (running(r) && !(r->cmos[REG_B] & B_SET) && now_wall / NS > r->checked_wall / NS) {
		uint64_t s = now_wall / NS, first = r->checked_wall / NS + 1;

		r->flags |= C_UF;
		/* The updates in between: a day of them at most, which covers every alarm */
		if (s - first > 86400)
			first = s - 86400;
		for (; s >= first && !(r->flags & C_AF); s--)
			if (rtc_alarm_matches(r, (time_t)s))
				r->flags |= C_AF;
	}
	if (period && now_mono / period > r->checked_mono / period)
		r->flags |= C_PF;
	r->checked_wall = now_wall;
	r->checked_mono = now_mono;
}

static uint8_t rtc_reg_c(const struct rtc *r)
{
	/* PF, AF and UF are the bits of PIE, AIE and UIE in register B */
	return r->flags | (r->flags & r->cmos[REG_B] & (C_PF | C_AF | C_UF) ? C_IRQF : 0);
}

static void rtc_advance(struct hv_device *dev, uint64_t now)
{
	struct rtc *r = (struct rtc *)dev;

	rtc_update_flags(r);
	hv_platform_set_irq(dev->platform, RTC_IRQ, !!(rtc_reg_c(r) & C_IRQF));
}

/* The next time a flag whose interrupt is enabled is set; none while IRQF is up */
static uint64_t rtc_next_event(struct hv_device *dev, uint64_t now)
{
	struct rtc *r = (struct rtc *)dev;
	uint64_t next = UINT64_MAX, period = rtc_period_ns(r);

	if (rtc_reg_c(r) & C_IRQF)
		return UINT64_MAX;
	if ((r->cmos[REG_B] & (B_UIE | B_AIE)) && running(r) && !(r->cmos[REG_B] & B_SET))
		next = now + (NS - guest_ns(r) % NS);
	if ((r->cmos[REG_B] & B_PIE) && period && (now / period + 1) * period < next)
		next = (now / period + 1) * period;
	return next;
}

static uint64_t rtc_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size)
{
	struct rtc *r = (struct rtc *)dev;
	uint64_t frac;
	uint8_t v;

	if (addr == RTC_INDEX)
		return 0xff;		/* the index register is write-only */
	switch (r->index) {
	case SECONDS: case MINUTES: case HOURS: case DAY_OF_WEEK: case DAY_OF_MONTH:
	case MONTH: case YEAR: case CENTURY:
		if (!(r->cmos[REG_B] & B_SET))
			rtc_store_time(r, (time_t)(guest_ns(r) / NS));
		return r->cmos[r->index];
	case REG_A:
		frac = guest_ns(r) % NS;
		v = r->cmos[REG_A] & ~A_UIP;
		if (running(r) && !(r->cmos[REG_B] & B_SET) &&
		    (frac >= NS - UIP_BEFORE_NS || frac < UPDATE_NS))
			v |= A_UIP;
		return v;
	case REG_C:
		rtc_update_flags(r);
		v = rtc_reg_c(r);
		r->flags = 0;		/* reading C clears it, and the interrupt */
		hv_platform_set_irq(dev->platform, RTC_IRQ, 0);
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->cmos[r->index];
	}
}

static void rtc_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
		      unsigned int size, uint64_t value)
{
	struct rtc *r = (struct rtc *)dev;
	uint8_t v = (uint8_t)value;

	if (addr == RTC_INDEX) {
		r->index = v & 0x7f;
		r->nmi_disabled = v >> 7;
		return;
	}
	switch (r->index) {
	case SECONDS: case MINUTES: case HOURS: case DAY_OF_WEEK: case DAY_OF_MONTH:
	case MONTH: case YEAR: case CENTURY:
		/* The registers as they stand, this one changed; the time runs from there */
		if (!(r->cmos[REG_B] & B_SET))
			rtc_store_time(r, (time_t)(guest_ns(r) / NS));
		r->cmos[r->index] = v;
		if (!(r->cmos[REG_B] & B_SET))	/* the second goes on where it was */
			rtc_set_guest_time(r, (int64_t)rtc_load_time(r), guest_ns(r) % NS);
		break;
	case REG_A:
		r->cmos[REG_A] = v & ~A_UIP;
		break;
	case REG_B:
		if ((v & B_SET) && !(r->cmos[REG_B] & B_SET)) {
			rtc_update_flags(r);
			rtc_store_time(r, (time_t)(guest_ns(r) / NS));	/* frozen to be set */
			v &= ~B_UIE;	/* SET clears UIE (datasheet, register B) */
		}
		if (!(v & B_SET) && (r->cmos[REG_B] & B_SET)) {
			r->cmos[REG_B] = v;
			/* The time written counts on from the start of its second */
			rtc_set_guest_time(r, (int64_t)rtc_load_time(r), 0);
		}
		r->cmos[REG_B] = v;
		hv_platform_set_irq(dev->platform, RTC_IRQ, !!(rtc_reg_c(r) & C_IRQF));
		break;
	case REG_C:
	case REG_D:
		break;			/* read-only */
	default:
		r->cmos[r->index] = v;
		break;
	}
}

/* The memory sizes a PC BIOS leaves in CMOS, as QEMU writes them */
static void rtc_store_memory_sizes(struct rtc *r)
{
	uint64_t ram = r->dev.platform->config.ram_bytes, below_4g = ram < (4ull << 30) ? ram : 4ull << 30;
	uint64_t kib = ram > (1 << 20) ? (ram - (1 << 20)) / 1024 : 0;
	uint64_t above_16m = below_4g > (16 << 20) ? (below_4g - (16 << 20)) >> 16 : 0;
	uint64_t above_4g = ram > (4ull << 30) ? (ram - (4ull << 30)) >> 16 : 0;

	r->cmos[0x15] = 640 & 0xff;		/* base memory, KiB */
	r->cmos[0x16] = 640 >> 8;
	if (kib > 0xffff)
		kib = 0xffff;
	r->cmos[0x17] = r->cmos[0x30] = kib & 0xff;	/* extended memory above 1 MiB, KiB */
	r->cmos[0x18] = r->cmos[0x31] = kib >> 8;
	if (above_16m > 0xffff)
		above_16m = 0xffff;
	r->cmos[0x34] = above_16m & 0xff;	/* above 16 MiB, 64 KiB units */
	r->cmos[0x35] = above_16m >> 8;
	r->cmos[0x5b] = above_4g & 0xff;	/* above 4 GiB, 64 KiB units */
	r->cmos[0x5c] = above_4g >> 8 & 0xff;
	r->cmos[0x5d] = above_4g >> 16 & 0xff;
	r->cmos[CPUS_LESS_ONE] = r->dev.platform->config.cpus - 1;
}

/*
 * The RESET line (a reboot): the datasheet's RESET clears PIE, AIE, UIE
 * and SQWE in register B and the flags in C; the time and the CMOS
 * memory, on the battery, stay.
 */
static void rtc_reset(struct hv_device *dev)
{
	struct rtc *r = (struct rtc *)dev;

	rtc_update_flags(r);
	r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE | B_SQWE);
	r->flags = 0;
	r->index = 0;
}

/* Power on: the battery's first day, the host's date and time */
static void rtc_power_on(struct rtc *r)
{
	memset(r->cmos, 0, sizeof(r->cmos));
	r->cmos[REG_A] = A_DV_NORMAL | 0x06;	/* running, 1024 Hz periodic rate */
	r->cmos[REG_B] = B_24H;			/* BCD, 24-hour, no interrupts */
	r->index = 0;
	r->nmi_disabled = 0;
	r->offset_ns = 0;
	r->flags = 0;
	r->checked_wall = guest_ns(r);
	r->checked_mono = hv_platform_now(r->dev.platform);
	rtc_store_time(r, (time_t)(guest_ns(r) / NS));
	rtc_store_memory_sizes(r);
}

static void rtc_state_json(struct hv_device *dev, FILE *out)
{
	struct rtc *r = (struct rtc *)dev;

	fprintf(out, "{\"index\":%u,\"nmi_disabled\":%s,\"a\":%u,\"b\":%u,\"c\":%u,\"offset_s\":%" PRId64 "}",
		r->index, r->nmi_disabled ? "true" : "false", r->cmos[REG_A], r->cmos[REG_B],
		rtc_reg_c(r), r->offset_ns / (int64_t)NS);
}

static const struct hv_device_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
	.reset = rtc_reset,
	.state_json = rtc_state_json,
	.advance = rtc_advance,
	.next_event = rtc_next_event,
};

static struct hv_device *rtc_create(struct hv_platform *p)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->dev.ops = &rtc_ops;
	r->dev.platform = p;
	rtc_power_on(r);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, RTC_INDEX, 2, &r->dev)) {
		free(r);
		return NULL;
	}
	return &r->dev;
}

const struct hv_device_type hv_rtc_device = { .name = "rtc", .create = rtc_create };
