// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic.c - the I/O APIC (Intel 82093AA datasheet) at 0xfec00000: 24
 * interrupt input pins, each with a redirection entry that turns its
 * signal into a vector for a local APIC (lapic.c).
 *
 * Two registers are in the address space (datasheet 3.0): IOREGSEL at
 * 0x00 selects, IOWIN at 0x10 reads and writes the selected register,
 * both as 32-bit accesses:
 *   0x00      IOAPICID, the ID in bits 27:24
 *   0x01      IOAPICVER: version 0x11, 24 entries (bits 23:16 = 23)
 *   0x02      IOAPICARB, the arbitration ID: reads as the ID
 *   0x10-0x3f IOREDTBL0-23, each entry two registers (low, high)
 * A redirection entry (datasheet 3.2.4): vector (7:0), delivery mode
 * (10:8), destination mode (11), delivery status (12, read-only),
 * polarity (13), remote IRR (14, read-only), trigger mode (15), mask
 * (16), destination (63:56). At reset every entry is masked.
 *
 * Pins are wired as on a PC (and as an MP table's or MADT's interrupt
 * source override says): ISA IRQ 0, the PIT, on pin 2; the other ISA
 * IRQs on the pin of their number. An edge-triggered pin sends its vector
 * on a rising edge (after the polarity); a level-triggered one while its
 * line is asserted and remote IRR clear, which it then sets until the
 * local APIC's EOI of that vector comes back (the EOI broadcast). A
 * masked pin ignores its line: an edge is lost, a level is seen once
 * the pin is unmasked.
 *
 * Delivered: fixed and lowest-priority interrupts to the one CPU, by
 * physical destination (its APIC ID, or 0xff for all) or logical (the
 * local APIC's LDR and DFR). Not modelled: NMI, SMI, INIT and ExtINT
 * delivery (the PIC's output reaches the CPU through the local APIC's
 * LINT0), the delivery-status bit (an interrupt is delivered at once),
 * the EOI register of later versions (0x20).
 */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define IOAPIC_BASE_ADDR	0xfec00000ull
#define IOAPIC_SIZE		0x20
#define IOREGSEL		0x00
#define IOWIN			0x10

#define REG_ID			0x00
#define REG_VERSION		0x01
#define REG_ARB			0x02
#define REG_REDTBL		0x10

#define NR_PINS			24
#define VERSION			(0x11 | (NR_PINS - 1) << 16)
#define ID_MASK			0x0f000000u

#define RTE_VECTOR(e)		((uint32_t)(e) & 0xff)
#define RTE_DELIVERY_MODE(e)	(((e) >> 8) & 7)
#define RTE_DEST_LOGICAL	(1ull << 11)
#define RTE_ACTIVE_LOW		(1ull << 13)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASKED		(1ull << 16)
#define RTE_DEST(e)		((uint8_t)((e) >> 56))
#define RTE_WRITABLE		0xff0000000001afffull	/* all but 12, 14 and the reserved */
#define DM_FIXED		0
#define DM_LOWEST		1

struct ioapic {
	struct hv_device dev;
	uint32_t regsel, id;
	uint64_t redir[NR_PINS];
	uint32_t lines;		/* each pin's input, as its device set it */
	uint64_t delivered[NR_PINS];
};

/* The pin's input as the entry sees it: asserted, after the polarity */
static int asserted(const struct ioapic *io, unsigned int pin)
{
	int line = (io->lines >> pin) & 1;

	return (io->redir[pin] & RTE_ACTIVE_LOW) ? !line : line;
}

/* Send the pin's vector to the local APIC, if its entry lets it */
static void deliver(struct ioapic *io, unsigned int pin)
{
	uint64_t e = io->redir[pin];
	struct hv_device *lapic = io->dev.platform->lapic;

	if (e & RTE_MASKED || !lapic)
		return;
	if (RTE_DELIVERY_MODE(e) != DM_FIXED && RTE_DELIVERY_MODE(e) != DM_LOWEST)
		return;
	if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR))
		return;		/* the last one is not done yet */
	if (!hv_lapic_deliver(lapic, RTE_VECTOR(e), !!(e & RTE_LEVEL), RTE_DEST(e),
			      !!(e & RTE_DEST_LOGICAL)))
		return;		/* no such CPU */
	if (e & RTE_LEVEL)
		io->redir[pin] |= RTE_REMOTE_IRR;
	io->delivered[pin]++;
}

void hv_ioapic_set_irq(struct hv_device *dev, unsigned int pin, int level)
{
	struct ioapic *io = (struct ioapic *)dev;
	int was;

	if (pin >= NR_PINS)
		return;
	was = asserted(io, pin);
	io->lines = (io->lines & ~(1u << pin)) | (!!level << pin);
	if (io->redir[pin] & RTE_LEVEL ? asserted(io, pin) : !was && asserted(io, pin))
		deliver(io, pin);
}

/* The local APIC's EOI of a level-triggered @vector: remote IRR off, and again if still asserted */
void hv_ioapic_eoi(struct hv_device *dev, unsigned int vector)
{
	struct ioapic *io = (struct ioapic *)dev;
	unsigned int pin;

	for (pin = 0; pin < NR_PINS; pin++) {
		uint64_t e = io->redir[pin];

		if (!(e & RTE_REMOTE_IRR) || RTE_VECTOR(e) != vector)
			continue;
		io->redir[pin] = e & ~RTE_REMOTE_IRR;
		if ((e & RTE_LEVEL) && asserted(io, pin))
			deliver(io, pin);
	}
}

static uint32_t read_register(const struct ioapic *io)
{
	unsigned int reg = io->regsel, pin;

	switch (reg) {
	case REG_ID:
	case REG_ARB:
		return io->id;
	case REG_VERSION:
		return VERSION;
	}
	if (reg < REG_REDTBL || reg >= REG_REDTBL + 2 * NR_PINS)
		return 0;
	pin = (reg - REG_REDTBL) / 2;
	return (reg & 1) ? (uint32_t)(io->redir[pin] >> 32) : (uint32_t)io->redir[pin];
}

static void write_register(struct ioapic *io, uint32_t value)
{
	unsigned int reg = io->regsel, pin;
	uint64_t e;

	if (reg == REG_ID) {
		io->id = value & ID_MASK;
		return;
	}
	if (reg < REG_REDTBL || reg >= REG_REDTBL + 2 * NR_PINS)
		return;		/* the version and arbitration IDs are read-only */
	pin = (reg - REG_REDTBL) / 2;
	e = io->redir[pin];
	if (reg & 1)
		e = (e & 0xffffffffull) | (uint64_t)value << 32;
	else
		e = (e & ~0xffffffffull) | value;
	io->redir[pin] = (e & RTE_WRITABLE) | (io->redir[pin] & RTE_REMOTE_IRR);
	/* Edge-triggered: no remote IRR. A level asserted while masked is seen now. */
	if (!(io->redir[pin] & RTE_LEVEL))
		io->redir[pin] &= ~RTE_REMOTE_IRR;
	else if (asserted(io, pin))
		deliver(io, pin);
}

static uint64_t ioapic_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			    unsigned int size)
{
	struct ioapic *io = (struct ioapic *)dev;
	uint32_t offset = (uint32_t)(addr - IOAPIC_BASE_ADDR);

	(void)space;
	if (size != 4)
		return 0;	/* the datasheet allows dword accesses only */
	if (offset == IOREGSEL)
		return io->regsel;
	if (offset == IOWIN)
		return read_register(io);
	return 0;
}

static void ioapic_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size, uint64_t value)
{
	struct ioapic *io = (struct ioapic *)dev;
	uint32_t offset = (uint32_t)(addr - IOAPIC_BASE_ADDR);

	(void)space;
	if (size != 4)
		return;
	if (offset == IOREGSEL)
		io->regsel = (uint32_t)value & 0xff;
	else if (offset == IOWIN)
		write_register(io, (uint32_t)value);
}

static void ioapic_reset(struct hv_device *dev)
{
	struct ioapic *io = (struct ioapic *)dev;
	unsigned int pin;

	io->regsel = 0;
	io->id = 0;
	for (pin = 0; pin < NR_PINS; pin++)
		io->redir[pin] = RTE_MASKED;
	memset(io->delivered, 0, sizeof(io->delivered));
}

/* The pins someone set up: unmasked, or delivered before */
static void ioapic_state_json(struct hv_device *dev, FILE *out)
{
	struct ioapic *io = (struct ioapic *)dev;
	unsigned int pin;
	int first = 1;

	fprintf(out, "{\"id\":%u,\"pins\":[", io->id >> 24);
	for (pin = 0; pin < NR_PINS; pin++) {
		uint64_t e = io->redir[pin];

		if ((e & RTE_MASKED) && !io->delivered[pin])
			continue;
		fprintf(out, "%s{\"pin\":%u,\"vector\":%u,\"level\":%s,\"masked\":%s,\"remote_irr\":%s,"
			"\"line\":%u,\"dest\":%u,\"delivered\":%llu}", first ? "" : ",", pin,
			RTE_VECTOR(e), e & RTE_LEVEL ? "true" : "false",
			e & RTE_MASKED ? "true" : "false", e & RTE_REMOTE_IRR ? "true" : "false",
			(io->lines >> pin) & 1, RTE_DEST(e), (unsigned long long)io->delivered[pin]);
		first = 0;
	}
	fputs("]}", out);
}

static const struct hv_device_ops ioapic_ops = {
	.read = ioapic_read,
	.write = ioapic_write,
	.reset = ioapic_reset,
	.state_json = ioapic_state_json,
};

/* With a local APIC to deliver to */
static int ioapic_wanted(const struct hv_platform_config *cfg)
{
	return cfg->apic_timer_hz != 0;
}

static struct hv_device *ioapic_create(struct hv_platform *p)
{
	struct ioapic *io = calloc(1, sizeof(*io));

	if (!io)
		return NULL;
	io->dev.ops = &ioapic_ops;
	io->dev.platform = p;
	if (hv_bus_claim(&p->bus, HV_SPACE_MMIO, IOAPIC_BASE_ADDR, IOAPIC_SIZE, &io->dev)) {
		free(io);
		return NULL;
	}
	ioapic_reset(&io->dev);
	p->ioapic = &io->dev;
	return &io->dev;
}

const struct hv_device_type hv_ioapic_device = {
	.name = "ioapic", .create = ioapic_create, .wanted = ioapic_wanted
};
