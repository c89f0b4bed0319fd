// SPDX-License-Identifier: GPL-2.0
/*
 * pic.c - the PC's two 8259A interrupt controllers (Intel 8259A
 * datasheet), the slave cascaded on the master's IR2, and the ELCR
 * (0x4d0, 0x4d1) that makes a line level-triggered, as on Intel's PIIX.
 *
 * Modelled: the initialization sequence ICW1-ICW4 (vector base, single
 * or cascade, ICW4's automatic EOI and special fully nested mode); OCW1
 * (IMR), OCW2 (non-specific and specific EOI, the rotations, set
 * priority), OCW3 (reading IRR or ISR, poll, special mask mode); IRR,
 * ISR and the rotating priority; edge lines latched in IRR on a rising
 * edge, level lines followed; the acknowledge (INTA) sequence, with the
 * spurious IRQ 7 when nothing is left to acknowledge, and IRQ 15 from
 * the slave (the master's IR2 is then in service, as on real parts).
 * One choice: an edge stays latched in IRR even if the line falls before
 * INTA, as in QEMU's and KVM's 8259s, because emulated devices pulse
 * their lines; on a real 8259A the request must stay up until INTA, or
 * INTA gives IR7.
 * Not modelled: the 8080/8085 call format (ICW4's uPM bit 0: x86 only),
 * buffered mode, which is wiring.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "platform/platform.h"

#define MASTER_BASE	0x20
#define SLAVE_BASE	0xa0
#define ELCR_BASE	0x4d0
#define CASCADE_IRQ	2
#define SPURIOUS_IRQ	7

/* The lines PIIX lets be level-triggered: not 0, 1, 2 (timer, keyboard, cascade), 8, 13 */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

#define ICW1_IC4	0x01	/* ICW4 follows */
#define ICW1_SNGL	0x02	/* no slave */
#define ICW1_LTIM	0x08	/* every line level-triggered */
#define ICW1_INIT	0x10
#define ICW4_AEOI	0x02
#define ICW4_SFNM	0x10
#define OCW3_SELECT	0x08
#define OCW3_RIS	0x01
#define OCW3_RR		0x02
#define OCW3_POLL	0x04
#define OCW3_SMM	0x20
#define OCW3_ESMM	0x40

struct i8259 {
	uint8_t irr, isr, imr;
	uint8_t lines;		/* each IR input's level */
	uint8_t elcr;		/* level-triggered lines */
	uint8_t vector_base;	/* ICW2 */
	uint8_t icw3;
	uint8_t init_step;	/* 0: running; 2, 3, 4: the ICW expected next */
	uint8_t icw1, icw4;
	uint8_t lowest;		/* the IR with the lowest priority (IR7 after init) */
	uint8_t read_isr, poll, special_mask, rotate_on_aeoi;
};

struct pic {
	struct hv_device dev;
	struct i8259 chip[2];	/* master, slave */
};

static int is_level(const struct i8259 *c, unsigned int ir)
{
	return (c->icw1 & ICW1_LTIM) || (c->elcr & (1u << ir));
}

/* The pending IR in @mask of highest priority, or -1 (priority rotates, 8259A "Rotation") */
static __maybe_unused int highest(const struct i8259 *c, uint8_t mask)
{
	unsigned int n;

	for (n = 1; n <= 8; n++) {
		unsigned int ir = (c->lowest + n) & 7;

		if (mask & (1u << ir))
			return ir;
	}
	return -1;
}

/* The priority rank of @ir: 0 the highest */
static __maybe_unused unsigned int rank(const struct i8259 *c, int ir)
{
	return (ir - c->lowest - 1) & 7;
}

/*
 * The IR this chip would interrupt for now, or -1: a request not masked
 * whose priority beats every IR in service (in special mask mode, only
 * the unmasked ones in service count; in special fully nested mode, the
 * master lets the slave interrupt through the IR in service for it).
 */
static int chip_request(const struct i8259 *c, int is_master)
{
	/* LAB 10 BEGIN chip_request: the unmasked request that beats every IR in service, by rotating priority (8259A "Priority Resolver") */
	int req = highest(c, c->irr & ~c->imr), cur;
	uint8_t in_service = c->isr;

	if (req < 0)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr;
	if (is_master && (c->icw4 & ICW4_SFNM))
		in_service &= ~(1u << CASCADE_IRQ);
	cur = highest(c, in_service);
	return cur >= 0 && rank(c, cur) <= rank(c, req) ? -1 : req;
	/* LAB 10 END */
	/* LAB 10 STUB: if (c->irr & ~c->imr) { lab_todo_once(10, __func__); } return -1; */
}

static void chip_set_line(struct i8259 *c, unsigned int ir, int level)
{
	uint8_t bit = 1u << ir;

	if (is_level(c, ir)) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;		/* a rising edge, latched */
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/*
 * The slave's INT output is the master's IR2 (unless the master is
 * single), an edge-triggered input: while the slave requests, each change
 * is a new edge, latched as any edge is (QEMU and KVM pulse it the same
 * way). So a slave request that comes while IR2 is in service is not
 * lost, and one masked between INT and INTA is the spurious IRQ 15.
 */
static void pic_update_cascade(struct pic *pic)
{
	int request = chip_request(&pic->chip[1], 0) >= 0;

	if (pic->chip[0].icw1 & ICW1_SNGL)
		return;
	if (is_level(&pic->chip[0], CASCADE_IRQ)) {	/* ICW1's LTIM: IR2 follows the slave */
		chip_set_line(&pic->chip[0], CASCADE_IRQ, request);
	} else if (request) {
		chip_set_line(&pic->chip[0], CASCADE_IRQ, 1);
		chip_set_line(&pic->chip[0], CASCADE_IRQ, 0);
	}
}

/* One chip's part of INTA: the IR it gives, in service now unless auto-EOI */
static int chip_acknowledge(struct i8259 *c, int is_master)
{
	/* LAB 10 BEGIN chip_acknowledge: INTA: the request moves from IRR to ISR (or not, in automatic EOI mode), or the spurious IR7 */
	int ir = chip_request(c, is_master);

	if (ir < 0)
		return SPURIOUS_IRQ;	/* nothing left: IR7, and nothing in service */
	if (!is_level(c, ir))
		c->irr &= ~(1u << ir);
	if (c->icw4 & ICW4_AEOI) {
		if (c->rotate_on_aeoi)
			c->lowest = ir;
	} else {
		c->isr |= 1u << ir;
	}
	return ir;
	/* LAB 10 END */
	/* LAB 10 STUB: lab_todo_once(10, __func__); return SPURIOUS_IRQ; */
}

static void pic_set_irq(struct hv_device *dev, unsigned int irq, int level)
{
	struct pic *pic = (struct pic *)dev;

	chip_set_line(&pic->chip[irq >> 3], irq & 7, level);
	pic_update_cascade(pic);
}

static int pic_output(struct hv_device *dev)
{
	return chip_request(&((struct pic *)dev)->chip[0], 1) >= 0;
}

static int pic_acknowledge(struct hv_device *dev)
{
	struct pic *pic = (struct pic *)dev;
	struct i8259 *m = &pic->chip[0], *s = &pic->chip[1];
	int ir = chip_acknowledge(m, 1), vector;

	if (ir == CASCADE_IRQ && !(m->icw1 & ICW1_SNGL)) {
		/* The slave answers the second INTA: its IR, or its own spurious 7 */
		vector = s->vector_base + chip_acknowledge(s, 0);
		pic_update_cascade(pic);
	} else {
		vector = m->vector_base + ir;
	}
	return vector;
}

/* OCW2 (8259A Table 2): EOIs, rotations, priority */
static void chip_ocw2(struct i8259 *c, int is_master, uint8_t v)
{
	/* LAB 10 BEGIN chip_ocw2: OCW2: the non-specific and specific EOI, the rotations, set priority (8259A Table 2) */
	int ir = v & 7;

	switch (v >> 5) {
	case 0:		/* rotate in automatic EOI mode: clear */
	case 4:		/* ... set */
		c->rotate_on_aeoi = v >> 7;
		break;
	case 1:		/* non-specific EOI */
	case 5:		/* rotate on non-specific EOI */
		ir = highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= ~(1u << ir);
		if (v >> 5 == 5)
			c->lowest = ir;
		break;
	case 3:		/* specific EOI */
	case 7:		/* rotate on specific EOI */
		c->isr &= ~(1u << ir);
		if (v >> 5 == 7)
			c->lowest = ir;
		break;
	case 6:		/* set priority: IR the lowest */
		c->lowest = ir;
		break;
	default:	/* 2: no operation */
		break;
	}
	/* LAB 10 END */
	/* LAB 10 STUB: lab_todo_once(10, __func__); */
}

static void chip_reset(struct i8259 *c)
{
	uint8_t elcr = c->elcr, lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->lines = lines;
	c->lowest = 7;
}

static void chip_write(struct i8259 *c, int is_master, unsigned int a0, uint8_t v)
{
	if (!a0 && (v & ICW1_INIT)) {
		/* ICW1: IMR and ISR cleared, IR7 lowest, status reads IRR, edges forgotten */
		uint8_t level_irr = c->irr & c->lines & c->elcr;

		chip_reset(c);
		c->icw1 = v;
		c->irr = level_irr;
		c->lines &= c->elcr;
		c->init_step = 2;
	} else if (!a0 && (v & OCW3_SELECT)) {
		if (v & OCW3_RR)
			c->read_isr = v & OCW3_RIS;
		c->poll = !!(v & OCW3_POLL);
		if (v & OCW3_ESMM)
			c->special_mask = !!(v & OCW3_SMM);
	} else if (!a0) {
		chip_ocw2(c, is_master, v);
	} else if (c->init_step == 2) {
		c->vector_base = v & 0xf8;	/* ICW2 */
		c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
	} else if (c->init_step == 3) {
		c->icw3 = v;
		c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
	} else if (c->init_step == 4) {
		c->icw4 = v;
		c->init_step = 0;
	} else {
		c->imr = v;			/* OCW1 */
	}
}

/* A read of A0 = 0 after OCW3's poll: the acknowledge, as a status byte */
static uint8_t chip_poll(struct pic *pic, int chip)
{
	struct i8259 *c = &pic->chip[chip];
	int ir = chip_request(c, !chip);

	c->poll = 0;
	if (ir < 0)
		return 0;
	chip_acknowledge(c, !chip);
	if (chip)
		pic_update_cascade(pic);
	return 0x80 | ir;
}

static uint64_t pic_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size)
{
	struct pic *pic = (struct pic *)dev;

	if (addr >= ELCR_BASE)
		return pic->chip[addr - ELCR_BASE].elcr;
	{
		int chip = addr >= SLAVE_BASE;
		struct i8259 *c = &pic->chip[chip];

		if (addr & 1)
			return c->imr;
		if (c->poll)
			return chip_poll(pic, chip);
		return c->read_isr ? c->isr : c->irr;
	}
}

static void pic_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
		      unsigned int size, uint64_t value)
{
	struct pic *pic = (struct pic *)dev;
	uint8_t v = (uint8_t)value;

	if (addr >= ELCR_BASE) {
		unsigned int chip = addr - ELCR_BASE;

		pic->chip[chip].elcr = v & elcr_writable[chip];
	} else {
		int chip = addr >= SLAVE_BASE;

		chip_write(&pic->chip[chip], !chip, addr & 1, v);
	}
	pic_update_cascade(pic);
}

static void pic_reset(struct hv_device *dev)
{
	struct pic *pic = (struct pic *)dev;
	int i;

	for (i = 0; i < 2; i++) {
		pic->chip[i].elcr = 0;
		pic->chip[i].lines = 0;
		chip_reset(&pic->chip[i]);
	}
}

static void pic_state_json(struct hv_device *dev, FILE *out)
{
	const struct pic *pic = (const struct pic *)dev;
	int i;

	fputc('{', out);
	for (i = 0; i < 2; i++) {
		const struct i8259 *c = &pic->chip[i];

		fprintf(out, "%s\"%s\":{\"irr\":%u,\"isr\":%u,\"imr\":%u,\"elcr\":%u,\"vector_base\":%u,"
			"\"auto_eoi\":%s,\"lowest_priority\":%u,\"initializing\":%s}",
			i ? "," : "", i ? "slave" : "master", c->irr, c->isr, c->imr, c->elcr,
			c->vector_base, c->icw4 & ICW4_AEOI ? "true" : "false", c->lowest,
			c->init_step ? "true" : "false");
	}
	fputc('}', out);
}

static const struct hv_device_ops pic_ops = {
	.read = pic_read,
	.write = pic_write,
	.reset = pic_reset,
	.state_json = pic_state_json,
};

static const struct hv_irqchip_ops pic_irqchip_ops = {
	.set_irq = pic_set_irq,
	.output = pic_output,
	.acknowledge = pic_acknowledge,
};

static struct hv_device *pic_create(struct hv_platform *p)
{
	struct pic *pic = calloc(1, sizeof(*pic));

	if (!pic)
		return NULL;
	pic->dev.ops = &pic_ops;
	pic_reset(&pic->dev);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, MASTER_BASE, 2, &pic->dev) ||
	    hv_bus_claim(&p->bus, HV_SPACE_PIO, SLAVE_BASE, 2, &pic->dev) ||
	    hv_bus_claim(&p->bus, HV_SPACE_PIO, ELCR_BASE, 2, &pic->dev)) {
		free(pic);
		return NULL;
	}
	p->irqchip = &pic->dev;
	p->irqchip_ops = &pic_irqchip_ops;
	return &pic->dev;
}

const struct hv_device_type hv_pic_device = { .name = "pic", .create = pic_create };
