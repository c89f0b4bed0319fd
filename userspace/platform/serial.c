// SPDX-License-Identifier: GPL-2.0
/*
 * serial.c - a 16550A UART at COM1 (0x3f8-0x3ff), to its datasheet
 * (National Semiconductor PC16550D): the divisor latch behind LCR's DLAB
 * bit, IER, IIR and FCR, LCR, MCR, LSR, MSR and the scratch register, a
 * 16-byte receive FIFO (one byte with the FIFOs off), loopback, and the
 * interrupt priorities IIR reports. The transmitter sends at once: a
 * byte written to THR is console output, and THR is empty again before
 * the guest can look.
 *
 * The interrupt output goes to IRQ 4 through MCR's OUT2, as on every PC
 * (drivers set OUT2 to enable it; the datasheet leaves OUT2 to the
 * board, whose IBM wiring gates the IRQ line with it). hvctl's stdin
 * fills the receiver (the input op), as fast as the FIFO has room: the
 * host is never faster than the guest takes it, so no overrun.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define COM1_BASE	0x3f8
#define COM1_IRQ	4
#define RX_FIFO		16

/* Register offsets (PC16550D Table 2) */
enum { RBR_THR_DLL, IER_DLM, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RX_DATA	0x01
#define IER_THRE	0x02
#define IER_LINE	0x04
#define IER_MODEM	0x08
#define IIR_NONE	0x01
#define IIR_MODEM	0x00
#define IIR_THRE	0x02
#define IIR_RX_DATA	0x04
#define IIR_LINE	0x06
#define IIR_FIFOS_ON	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_DCTS	0x01
#define MSR_DDSR	0x02
#define MSR_TERI	0x04
#define MSR_DDCD	0x08
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

struct serial {
	struct hv_device dev;
	uint8_t ier, lcr, mcr, lsr_errors, scr, fcr;
	uint16_t divisor;
	uint8_t rx[RX_FIFO];
	unsigned int rx_head, rx_count;
	int thre_pending;	/* the THR-empty interrupt, until IIR shows it or THR is written */
	uint8_t msr_lines;	/* MSR 7:4 at the last MSR read, for the delta bits */
	uint8_t msr_deltas;
	int input_wanted;	/* the guest has looked for input: say so once */
};

/* The modem inputs: in loopback the outputs, else a modem that is there (as QEMU) */
static uint8_t serial_msr_lines(const struct serial *u)
{
	if (u->mcr & MCR_LOOP)
		return (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
		       (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

/* Fold a change of the modem lines into the delta bits (PC16550D, MSR) */
static void serial_update_msr(struct serial *u)
{
	uint8_t now = serial_msr_lines(u), was = u->msr_lines;

	if ((now ^ was) & MSR_CTS)
		u->msr_deltas |= MSR_DCTS;
	if ((now ^ was) & MSR_DSR)
		u->msr_deltas |= MSR_DDSR;
	if ((was & MSR_RI) && !(now & MSR_RI))
		u->msr_deltas |= MSR_TERI;
	if ((now ^ was) & MSR_DCD)
		u->msr_deltas |= MSR_DDCD;
	u->msr_lines = now;
}

static uint8_t serial_lsr(const struct serial *u)
{
	return (u->rx_count ? LSR_DR : 0) | u->lsr_errors | LSR_THRE | LSR_TEMT;
}

/* IIR: the pending interrupt of highest priority (PC16550D Table 4) */
static uint8_t serial_iir(const struct serial *u)
{
	uint8_t fifos = u->fcr & FCR_ENABLE ? IIR_FIFOS_ON : 0;

	if ((u->ier & IER_LINE) && u->lsr_errors)
		return fifos | IIR_LINE;
	if ((u->ier & IER_RX_DATA) && u->rx_count)
		return fifos | IIR_RX_DATA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return fifos | IIR_THRE;
	if ((u->ier & IER_MODEM) && u->msr_deltas)
		return fifos | IIR_MODEM;
	return fifos | IIR_NONE;
}

/*
 * The INTR output, after every register access: any interrupt IIR shows,
 * to IRQ 4 if OUT2 is set; never in loopback, where OUT2 is internal.
 */
static void serial_update_irq(struct serial *u)
{
	int level = !(serial_iir(u) & IIR_NONE) && (u->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;

	hv_platform_set_irq(u->dev.platform, COM1_IRQ, level);
}

/* The guest enabled the receive interrupt or read RBR: the host's input may come */
static void serial_wants_input(struct serial *u)
{
	if (!u->input_wanted) {
		u->input_wanted = 1;
		hv_platform_input_wanted(u->dev.platform);
	}
}

static void serial_receive(struct serial *u, uint8_t byte)
{
	unsigned int room = u->fcr & FCR_ENABLE ? RX_FIFO : 1;

	if (u->rx_count == room) {
		u->lsr_errors |= LSR_OE;	/* the byte is lost */
		return;
	}
	u->rx[(u->rx_head + u->rx_count++) % RX_FIFO] = byte;
}

static uint64_t serial_read_register(struct serial *u, uint64_t addr)
{
	uint8_t v;

	switch (addr - COM1_BASE) {
	case RBR_THR_DLL:
		if (u->lcr & LCR_DLAB)
			return u->divisor & 0xff;
		serial_wants_input(u);
		v = u->rx_count ? u->rx[u->rx_head] : 0;
		if (u->rx_count) {
			u->rx_head = (u->rx_head + 1) % RX_FIFO;
			u->rx_count--;
		}
		return v;
	case IER_DLM:
		return u->lcr & LCR_DLAB ? u->divisor >> 8 : u->ier;
	case IIR_FCR:
		v = serial_iir(u);
		/* Reading IIR when it shows THR empty clears that interrupt */
		if ((v & 0x0f) == IIR_THRE)
			u->thre_pending = 0;
		return v;
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		v = serial_lsr(u);
		u->lsr_errors = 0;	/* reading LSR clears the error bits */
		return v;
	case MSR:
		serial_update_msr(u);
		v = u->msr_lines | u->msr_deltas;
		u->msr_deltas = 0;
		return v;
	default:
		return u->scr;
	}
}

static uint64_t serial_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			    unsigned int size)
{
	struct serial *u = (struct serial *)dev;
	uint64_t v = serial_read_register(u, addr);

	serial_update_irq(u);
	return v;
}

static void serial_write_register(struct serial *u, uint64_t addr, uint8_t v)
{
	switch (addr - COM1_BASE) {
	case RBR_THR_DLL:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (u->divisor & 0xff00) | v;
		} else {
			if (u->mcr & MCR_LOOP)
				serial_receive(u, v);
			else
				hv_platform_console_write(u->dev.platform, (const char *)&v, 1);
			/*
			 * Writing THR clears its interrupt; sent at once, THR is
			 * empty again and raises it anew: a new edge for the PIC
			 */
			u->thre_pending = 0;
			serial_update_irq(u);
			u->thre_pending = 1;
		}
		break;
	case IER_DLM:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (u->divisor & 0x00ff) | v << 8;
		} else {
			/* Enabling the THR-empty interrupt with THR empty raises it */
			if (!(u->ier & IER_THRE) && (v & IER_THRE))
				u->thre_pending = 1;
			u->ier = v & 0x0f;
			if (v & IER_RX_DATA)
				serial_wants_input(u);
		}
		break;
	case IIR_FCR:
		/* Turning the FIFOs on or off empties them, as does the clear bit */
		if ((v & FCR_CLEAR_RX) || ((v ^ u->fcr) & FCR_ENABLE))
			u->rx_count = 0;
		u->fcr = v & 0xc9;	/* enable, DMA mode, trigger level; the clears self-clear */
		break;
	case LCR:
		u->lcr = v;
		break;
	case MCR:
		u->mcr = v & 0x1f;
		serial_update_msr(u);
		break;
	case LSR:
	case MSR:
		break;			/* read-only here (factory test on a real part) */
	default:
		u->scr = v;
		break;
	}
}

static void serial_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size, uint64_t value)
{
	struct serial *u = (struct serial *)dev;

	serial_write_register(u, addr, (uint8_t)value);
	serial_update_irq(u);
}

/* Bytes from the host (hvctl's stdin): what the FIFO has room for; none in loopback */
static size_t serial_input(struct hv_device *dev, const uint8_t *buf, size_t len)
{
	struct serial *u = (struct serial *)dev;
	unsigned int room = u->fcr & FCR_ENABLE ? RX_FIFO : 1;
	size_t n = 0;

	if (u->mcr & MCR_LOOP)
		return 0;
	while (n < len && u->rx_count < room)
		serial_receive(u, buf[n++]);
	if (n)
		serial_update_irq(u);
	return n;
}

static void serial_reset(struct hv_device *dev)
{
	struct serial *u = (struct serial *)dev;

	int wanted = u->input_wanted;

	memset((char *)u + sizeof(u->dev), 0, sizeof(*u) - sizeof(u->dev));
	u->input_wanted = wanted;
	u->msr_lines = serial_msr_lines(u);
	if (u->dev.platform)
		serial_update_irq(u);
}

static void serial_state_json(struct hv_device *dev, FILE *out)
{
	const struct serial *u = (const struct serial *)dev;

	fprintf(out, "{\"ier\":%u,\"iir\":%u,\"fcr\":%u,\"lcr\":%u,\"mcr\":%u,\"lsr\":%u,\"scr\":%u,"
		"\"divisor\":%u,\"rx_count\":%u}", u->ier, serial_iir(u), u->fcr, u->lcr, u->mcr,
		serial_lsr(u), u->scr, u->divisor, u->rx_count);
}

static const struct hv_device_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
	.reset = serial_reset,
	.state_json = serial_state_json,
	.input = serial_input,
};

static struct hv_device *serial_create(struct hv_platform *p)
{
	struct serial *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->dev.ops = &serial_ops;
	serial_reset(&u->dev);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, COM1_BASE, 8, &u->dev)) {
		free(u);
		return NULL;
	}
	return &u->dev;
}

const struct hv_device_type hv_serial_device = { .name = "serial", .create = serial_create };
