// SPDX-License-Identifier: GPL-2.0
/*
 * pit.c - the 8254 programmable interval timer (Intel 8254 datasheet) at
 * 0x40-0x43, counting at 1.193182 MHz on the platform's clock (the host's
 * CLOCK_MONOTONIC), and port 0x61, which gates channel 2 and shows its
 * output: Linux calibrates the TSC against them.
 *
 * Modelled: the control word (channel, access LSB/MSB/both, mode 0-5,
 * BCD), the counter latch and read-back commands (count and status),
 * the read and write flip-flops of two-byte access, every mode's counter
 * value and OUT (0 interrupt on terminal count, 1 hardware one-shot,
 * 2 rate generator, 3 square wave, 4 software strobe, 5 hardware
 * strobe), the gate (channel 2's from port 0x61: pauses modes 0 and 4,
 * stops and restarts 2 and 3, triggers 1 and 5), and channel 0's OUT on
 * IRQ 0, each rising edge an interrupt. Not modelled: channel 1 (DRAM
 * refresh, nothing to drive; it counts like the others); a count written
 * in modes 2 and 3 while counting takes effect at once, not at the end of
 * the period; in mode 3 an odd count's two half-periods are QEMU's
 * approximation. Port 0x61's refresh bit toggles every 15.085 us.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define PIT_HZ		1193182ull
#define NS_PER_S	1000000000ull
#define PIT_BASE	0x40
#define PIT_CONTROL	0x43
#define PORT_B		0x61
#define REFRESH_NS	15085	/* port 0x61 bit 4's half period */

#define CW_BCD		0x01
#define STATUS_NULL	0x40
#define STATUS_OUT	0x80
#define RW_LATCH	0
#define RW_LSB		1
#define RW_MSB		2
#define RW_BOTH		3
#define PORTB_GATE2	0x01
#define PORTB_SPEAKER	0x02
#define PORTB_REFRESH	0x10
#define PORTB_OUT2	0x20

struct pit_channel {
	uint8_t mode, rw, bcd;
	uint32_t count;		/* N, the initial count, in clocks (1-65536, BCD 1-10000) */
	int loaded;		/* a count was written since the control word */
	int triggered;		/* modes 1 and 5: the gate rose since the count was loaded */
	int null_count;		/* written, not yet counting (status bit 6) */
	int gate;
	int paused;		/* modes 0 and 4 with the gate low */
	uint64_t start_ns;	/* when counting (re)started */
	uint64_t base;		/* clocks counted before start_ns (a pause) */
	uint8_t write_msb_next, read_msb_next, lsb_written;
	int count_latched, status_latched, latch_msb_next;
	uint16_t latched_count;
	uint8_t latched_status;
};

struct pit {
	struct hv_device dev;
	struct pit_channel ch[3];
	uint8_t port_b;		/* bits 0-3 as written */
	uint64_t last_advance;	/* channel 0's output is up to date at this time */
	int out0;
};

static uint64_t clocks_at(const struct pit_channel *c, uint64_t now)
{
	if (c->paused || now < c->start_ns)
		return c->base;
	return c->base + (uint64_t)((unsigned __int128)(now - c->start_ns) * PIT_HZ / NS_PER_S);
}

/* When clock @k (counted from the load) ticks: the first time clocks_at() reaches it */
static uint64_t time_of_clock(const struct pit_channel *c, uint64_t k)
{
	return c->start_ns + (uint64_t)(((unsigned __int128)(k - c->base) * NS_PER_S + PIT_HZ - 1) /
					PIT_HZ);
}

/* Counting: loaded, and for modes 1 and 5 triggered; modes 2 and 3 stop with the gate */
static int is_counting(const struct pit_channel *c)
{
	if (!c->loaded)
		return 0;
	if (c->mode == 1 || c->mode == 5)
		return c->triggered;
	if (c->mode == 2 || c->mode == 3)
		return c->gate;
	return 1;
}

static uint32_t wrap(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The counting element's value now */
static uint32_t pit_value(const struct pit_channel *c, uint64_t now)
{
	uint64_t n;

	if (!is_counting(c))
		return c->count % wrap(c);
	n = clocks_at(c, now);
	switch (c->mode) {
	case 2:
		return c->count - n % c->count;
	case 3:
		return c->count - (2 * n) % c->count;
	default:	/* 0, 1, 4, 5: down from N, and on through 0 */
		return (uint32_t)((c->count + wrap(c) - n % wrap(c)) % wrap(c));
	}
}

/* OUT now (8254 datasheet, each mode's waveform) */
static int pit_out(const struct pit_channel *c, uint64_t now)
{
	uint64_t n;

	if (!c->loaded)
		return c->mode != 0;	/* after the control word: low in mode 0, else high */
	if (!is_counting(c))
		return 1;		/* 1, 5 untriggered; 2, 3 with the gate low */
	n = clocks_at(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return n >= c->count;			/* high at terminal count, and stays */
	case 2:
		return n % c->count != c->count - 1;	/* low for the clock before reload */
	case 3:
		return n % c->count < (c->count + 1) / 2;
	default:
		return n != c->count;			/* 4, 5: low for one clock at TC */
	}
}

/* The first rising edge of OUT after @after, or UINT64_MAX */
static uint64_t next_rising_edge(const struct pit_channel *c, uint64_t after)
{
	uint64_t n;

	if (!is_counting(c) || c->paused)
		return UINT64_MAX;
	n = clocks_at(c, after);
	switch (c->mode) {
	case 0:
	case 1:
		return n < c->count ? time_of_clock(c, c->count) : UINT64_MAX;
	case 2:
	case 3:
		return time_of_clock(c, (n / c->count + 1) * c->count);
	default:
		return n < c->count + 1 ? time_of_clock(c, c->count + 1) : UINT64_MAX;
	}
}

static uint8_t to_bcd(uint32_t v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static uint16_t encode(const struct pit_channel *c, uint32_t v)
{
	v %= wrap(c);
	return c->bcd ? (uint16_t)(to_bcd(v / 100) << 8 | to_bcd(v % 100)) : (uint16_t)v;
}

static uint32_t decode(const struct pit_channel *c, uint16_t raw)
{
	uint32_t v = raw;

	if (c->bcd)
		v = (raw >> 12 & 15) * 1000 + (raw >> 8 & 15) * 100 + (raw >> 4 & 15) * 10 + (raw & 15);
	return v ? v : wrap(c);
}

static void pit_load(struct pit_channel *c, uint16_t raw, uint64_t now)
{
	c->count = decode(c, raw);
	c->loaded = 1;
	c->triggered = 0;
	c->null_count = 0;
	c->paused = (c->mode == 0 || c->mode == 4) && !c->gate;
	c->start_ns = now;
	c->base = 0;
}

/* Channel 0's OUT on IRQ 0: a rising edge since the last look is an interrupt */
static void pit_advance(struct hv_device *dev, uint64_t now)
{
	struct pit *pit = (struct pit *)dev;
	struct pit_channel *c = &pit->ch[0];
	int out = pit_out(c, now);

	if (next_rising_edge(c, pit->last_advance) <= now) {
		hv_platform_set_irq(dev->platform, 0, 0);
		hv_platform_set_irq(dev->platform, 0, 1);
	}
	hv_platform_set_irq(dev->platform, 0, out);
	pit->out0 = out;
	pit->last_advance = now;
}

static uint64_t pit_next_event(struct hv_device *dev, uint64_t now)
{
	return next_rising_edge(&((struct pit *)dev)->ch[0], now);
}

static uint8_t pit_status(const struct pit_channel *c, uint64_t now)
{
	return (pit_out(c, now) ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL : 0) |
	       c->rw << 4 | c->mode << 1 | c->bcd;
}

static void pit_latch_count(struct pit_channel *c, uint64_t now)
{
	if (c->count_latched)
		return;		/* a second latch before the first is read is ignored */
	c->latched_count = encode(c, pit_value(c, now));
	c->count_latched = 1;
	c->latch_msb_next = c->rw == RW_MSB;
}

static void pit_control(struct pit *pit, uint8_t v, uint64_t now)
{
	unsigned int sc = v >> 6, i;

	if (sc == 3) {		/* read-back: bits 3-1 the channels; 5 count, 4 status, active low */
		for (i = 0; i < 3; i++) {
			struct pit_channel *c = &pit->ch[i];

			if (!(v & (2 << i)))
				continue;
			if (!(v & 0x20))
				pit_latch_count(c, now);
			if (!(v & 0x10) && !c->status_latched) {
				c->latched_status = pit_status(c, now);
				c->status_latched = 1;
			}
		}
		return;
	}
	if (((v >> 4) & 3) == RW_LATCH) {
		pit_latch_count(&pit->ch[sc], now);
		return;
	}
	{
		struct pit_channel *c = &pit->ch[sc];
		uint8_t mode = (v >> 1) & 7;

		c->rw = (v >> 4) & 3;
		c->mode = mode > 5 ? mode & 3 : mode;	/* 6 and 7 are 2 and 3 */
		c->bcd = v & CW_BCD;
		c->loaded = 0;
		c->null_count = 1;
		c->write_msb_next = c->read_msb_next = 0;
		c->count_latched = c->status_latched = 0;
	}
}

static void pit_write_count(struct pit_channel *c, uint8_t v, uint64_t now)
{
	switch (c->rw) {
	case RW_LSB:
		pit_load(c, v, now);
		break;
	case RW_MSB:
		pit_load(c, (uint16_t)(v << 8), now);
		break;
	default:
		if (!c->write_msb_next) {
			c->lsb_written = v;
			c->write_msb_next = 1;
			if (c->mode == 0)
				c->loaded = 0;	/* mode 0: the first byte stops the count */
		} else {
			c->write_msb_next = 0;
			pit_load(c, (uint16_t)(c->lsb_written | v << 8), now);
		}
		break;
	}
}

static uint8_t pit_read_count(struct pit_channel *c, uint64_t now)
{
	uint16_t v;
	int msb;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->latched_status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		msb = c->latch_msb_next;
		if (c->rw == RW_BOTH && !msb)
			c->latch_msb_next = 1;
		else
			c->count_latched = 0;
		return msb ? v >> 8 : v & 0xff;
	}
	v = encode(c, pit_value(c, now));
	if (c->rw == RW_LSB)
		return v & 0xff;
	if (c->rw == RW_MSB)
		return v >> 8;
	msb = c->read_msb_next;
	c->read_msb_next = !msb;
	return msb ? v >> 8 : v & 0xff;
}

static void pit_set_gate(struct pit_channel *c, int gate, uint64_t now)
{
	if (gate == c->gate)
		return;
	if (c->loaded && (c->mode == 0 || c->mode == 4)) {
		if (!gate) {
			c->base = clocks_at(c, now);	/* pause where it is */
			c->paused = 1;
		} else {
			c->start_ns = now;
			c->paused = 0;
		}
	} else if (gate && c->loaded) {
		/* a rising edge: 1 and 5 trigger, 2 and 3 start a new period */
		c->triggered = 1;
		c->start_ns = now;
		c->base = 0;
	}
	c->gate = gate;
}

static uint64_t pit_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size)
{
	struct pit *pit = (struct pit *)dev;
	uint64_t now = hv_platform_now(dev->platform);

	if (addr == PORT_B)
		return (pit->port_b & 0x0f) | ((now / REFRESH_NS) & 1 ? PORTB_REFRESH : 0) |
		       (pit_out(&pit->ch[2], now) ? PORTB_OUT2 : 0);
	if (addr == PIT_CONTROL)
		return 0xff;	/* the control word cannot be read */
	return pit_read_count(&pit->ch[addr - PIT_BASE], now);
}

static void pit_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
		      unsigned int size, uint64_t value)
{
	struct pit *pit = (struct pit *)dev;
	uint64_t now = hv_platform_now(dev->platform);
	uint8_t v = (uint8_t)value;

	if (addr == PORT_B) {
		pit->port_b = v & 0x0f;
		pit_set_gate(&pit->ch[2], v & PORTB_GATE2, now);
	} else if (addr == PIT_CONTROL) {
		pit_control(pit, v, now);
	} else {
		pit_write_count(&pit->ch[addr - PIT_BASE], v, now);
	}
	if (addr != PIT_BASE + 1 && addr != PIT_BASE + 2 && addr != PORT_B)
		pit_advance(dev, now);	/* channel 0 changed: its line too */
}

static void pit_reset(struct hv_device *dev)
{
	struct pit *pit = (struct pit *)dev;
	int i;

	memset(pit->ch, 0, sizeof(pit->ch));
	for (i = 0; i < 3; i++)
		pit->ch[i].gate = i != 2;	/* channels 0 and 1 are always gated on */
	pit->port_b = 0;
	pit->out0 = 0;
	pit->last_advance = 0;
}

static void pit_state_json(struct hv_device *dev, FILE *out)
{
	struct pit *pit = (struct pit *)dev;
	uint64_t now = hv_platform_now(dev->platform);
	int i;

	fputc('{', out);
	for (i = 0; i < 3; i++) {
		const struct pit_channel *c = &pit->ch[i];

		fprintf(out, "%s\"channel%d\":{\"mode\":%u,\"access\":%u,\"bcd\":%s,\"count\":%" PRIu32
			",\"value\":%" PRIu32 ",\"out\":%d,\"gate\":%d}", i ? "," : "", i, c->mode,
			c->rw, c->bcd ? "true" : "false", c->count, pit_value(c, now),
			pit_out(c, now), c->gate);
	}
	fprintf(out, ",\"port_61\":%u}", pit->port_b);
}

static const struct hv_device_ops pit_ops = {
	.read = pit_read,
	.write = pit_write,
	.reset = pit_reset,
	.state_json = pit_state_json,
	.advance = pit_advance,
	.next_event = pit_next_event,
};

static struct hv_device *pit_create(struct hv_platform *p)
{
	struct pit *pit = calloc(1, sizeof(*pit));

	if (!pit)
		return NULL;
	pit->dev.ops = &pit_ops;
	pit_reset(&pit->dev);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, PIT_BASE, 4, &pit->dev) ||
	    hv_bus_claim(&p->bus, HV_SPACE_PIO, PORT_B, 1, &pit->dev)) {
		free(pit);
		return NULL;
	}
	return &pit->dev;
}

const struct hv_device_type hv_pit_device = { .name = "pit", .create = pit_create };
