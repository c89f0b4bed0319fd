// SPDX-License-Identifier: GPL-2.0
/*
 * platform.c - host-side tests of hvctl's PC (userspace/platform/): the
 * bus routes each access to the device that claimed it, refuses
 * overlapping claims, and counts what nothing claims; the devices answer
 * as their datasheets say (the 16550A's registers from the PC16550D's,
 * PCI configuration mechanism #1 with no device).
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "platform/platform.h"

struct recorder {
	char console[64];
	size_t console_len;
	int stopped, status;
	const char *reset;	/* how the guest asked for a reset, or NULL */
	int input_wanted;	/* times the UART asked for the host's input */
};

static void record_console(struct hv_platform *p, const char *buf, size_t len)
{
	struct recorder *r = p->owner;

	while (len-- && r->console_len < sizeof(r->console) - 1)
		r->console[r->console_len++] = *buf++;
}

static void record_stop(struct hv_platform *p, int status)
{
	struct recorder *r = p->owner;

	r->stopped = 1;
	r->status = status;
}

static void record_reset(struct hv_platform *p, const char *how)
{
	((struct recorder *)p->owner)->reset = how;
}

static void record_input_wanted(struct hv_platform *p)
{
	((struct recorder *)p->owner)->input_wanted++;
}

static const struct hv_platform_hooks hooks = {
	.console_write = record_console,
	.stop = record_stop,
	.reset_request = record_reset,
	.input_wanted = record_input_wanted,
};

static uint64_t in(struct hv_platform *p, uint16_t port, unsigned int size)
{
	uint64_t v;

	hv_bus_read(&p->bus, HV_SPACE_PIO, port, size, &v);
	return v;
}

static void out(struct hv_platform *p, uint16_t port, unsigned int size, uint64_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_PIO, port, size, v);
}

FIXTURE(pc) {
	struct hv_platform p;
	struct recorder r;
};

FIXTURE_SETUP(pc)
{
	memset(&self->r, 0, sizeof(self->r));
	ASSERT_EQ(0, hv_platform_init(&self->p, NULL, &hooks, &self->r));
}

FIXTURE_TEARDOWN(pc)
{
	hv_platform_free(&self->p);
}

/* Claims: no overlap, no empty or wrapping range, ports stop at 64 KiB */
TEST(claims_are_checked)
{
	struct hv_device dev = { .name = "x" };
	struct hv_bus bus;

	memset(&bus, 0, sizeof(bus));
	EXPECT_EQ(0, hv_bus_claim(&bus, HV_SPACE_PIO, 0x60, 1, &dev));
	EXPECT_EQ(0, hv_bus_claim(&bus, HV_SPACE_PIO, 0x64, 1, &dev));
	EXPECT_EQ(-EEXIST, hv_bus_claim(&bus, HV_SPACE_PIO, 0x5f, 2, &dev));
	EXPECT_EQ(0, hv_bus_claim(&bus, HV_SPACE_MMIO, 0x60, 1, &dev));	/* another space */
	EXPECT_EQ(-EINVAL, hv_bus_claim(&bus, HV_SPACE_PIO, 0x100, 0, &dev));
	EXPECT_EQ(-EINVAL, hv_bus_claim(&bus, HV_SPACE_PIO, 0xfffe, 4, &dev));
	EXPECT_EQ(-EINVAL, hv_bus_claim(&bus, HV_SPACE_MMIO, ~0ULL, 2, &dev));
	EXPECT_EQ(-EINVAL, hv_bus_claim(&bus, HV_SPACE_PIO, 0x70, 1, NULL));
	EXPECT_EQ(2, bus.nranges[HV_SPACE_PIO]);
}

/* Unclaimed: all ones of the access's size, the first access said, every one counted */
TEST_F(pc, unclaimed_accesses_read_all_ones_and_are_counted_once_each)
{
	char text[512];
	uint64_t v;
	FILE *f;
	int i;

	EXPECT_EQ(HV_BUS_UNCLAIMED_FIRST, hv_bus_read(&self->p.bus, HV_SPACE_PIO, 0x99, 1, &v));
	EXPECT_EQ(0xff, v);
	EXPECT_EQ(HV_BUS_UNCLAIMED, hv_bus_read(&self->p.bus, HV_SPACE_PIO, 0x99, 2, &v));
	EXPECT_EQ(0xffff, v);
	for (i = 0; i < 1000; i++)
		EXPECT_EQ(HV_BUS_UNCLAIMED, hv_bus_write(&self->p.bus, HV_SPACE_PIO, 0x99, 1, i));
	EXPECT_EQ(HV_BUS_UNCLAIMED_FIRST,
		  hv_bus_read(&self->p.bus, HV_SPACE_MMIO, 0xb8000, 4, &v));
	EXPECT_EQ(0xffffffff, v);
	f = fmemopen(text, sizeof(text), "w");
	ASSERT_NE(NULL, f);
	hv_bus_print_unclaimed(&self->p.bus, f, "> ");
	fclose(f);
	EXPECT_STREQ("> I/O port 0x99: 2 reads, 1000 writes\n"
		     "> guest-physical address 0xb8000: 1 read\n", text);
}

TEST_F(pc, post_codes_and_the_pci_host_are_silent)
{
	uint64_t v;

	EXPECT_EQ(HV_BUS_CLAIMED, hv_bus_write(&self->p.bus, HV_SPACE_PIO, 0x80, 1, 0x55));
	EXPECT_EQ(HV_BUS_CLAIMED, hv_bus_read(&self->p.bus, HV_SPACE_PIO, 0x80, 1, &v));
	EXPECT_EQ(0xff, v);
	/* Mechanism #1: CONFIG_ADDRESS reads back (dwords only), no device answers */
	out(&self->p, 0xcf8, 4, 0x80000000);
	EXPECT_EQ(0x80000000, in(&self->p, 0xcf8, 4));
	out(&self->p, 0xcf8, 4, 0xffffffff);
	EXPECT_EQ(0x80fffffc, in(&self->p, 0xcf8, 4));
	EXPECT_EQ(0xff, in(&self->p, 0xcf8, 1));
	EXPECT_EQ(0xffffffff, in(&self->p, 0xcfc, 4));	/* vendor ID 0xffff: nothing */
	EXPECT_EQ(0xffff, in(&self->p, 0xcfe, 2));
	EXPECT_EQ(0, self->p.bus.nunclaimed);
}

TEST_F(pc, debug_console_and_exit)
{
	out(&self->p, 0xe9, 1, 'h');
	out(&self->p, 0xe9, 1, 'i');
	EXPECT_EQ(0xe9, in(&self->p, 0xe9, 1));
	EXPECT_EQ(0, self->r.stopped);
	out(&self->p, 0xf4, 2, 0x1234);
	EXPECT_EQ(1, self->r.stopped);
	EXPECT_EQ(0x2469, self->r.status);
	self->r.console[self->r.console_len] = 0;
	EXPECT_STREQ("hi", self->r.console);
}

/* The 16550A after reset, and its transmitter (PC16550D: registers, Table 4) */
TEST_F(pc, uart_registers_after_reset_and_transmit)
{
	EXPECT_EQ(0x00, in(&self->p, 0x3f9, 1));	/* IER */
	EXPECT_EQ(0x01, in(&self->p, 0x3fa, 1));	/* IIR: nothing pending, no FIFOs */
	EXPECT_EQ(0x60, in(&self->p, 0x3fd, 1));	/* LSR: THR and transmitter empty */
	EXPECT_EQ(0xb0, in(&self->p, 0x3fe, 1));	/* MSR: DCD, DSR, CTS */
	/* The divisor behind DLAB is not data */
	out(&self->p, 0x3fb, 1, 0x83);
	out(&self->p, 0x3f8, 1, 0x01);
	out(&self->p, 0x3f9, 1, 0x00);
	EXPECT_EQ(0x01, in(&self->p, 0x3f8, 1));
	out(&self->p, 0x3fb, 1, 0x03);
	out(&self->p, 0x3f8, 1, 'A');
	EXPECT_EQ(1, self->r.console_len);
	EXPECT_EQ('A', self->r.console[0]);
	/* Scratch register */
	out(&self->p, 0x3ff, 1, 0x5a);
	EXPECT_EQ(0x5a, in(&self->p, 0x3ff, 1));
	/* FIFOs on: IIR bits 7:6 */
	out(&self->p, 0x3fa, 1, 0x07);
	EXPECT_EQ(0xc1, in(&self->p, 0x3fa, 1));
}

/* Interrupt identification: THR empty on enabling it, cleared by reading IIR */
TEST_F(pc, uart_thr_empty_interrupt)
{
	out(&self->p, 0x3f9, 1, 0x02);			/* IER: THR empty */
	EXPECT_EQ(0x02, in(&self->p, 0x3fa, 1));
	EXPECT_EQ(0x01, in(&self->p, 0x3fa, 1));	/* read once: gone */
	out(&self->p, 0x3f8, 1, 'x');
	EXPECT_EQ(0x02, in(&self->p, 0x3fa, 1));	/* sent: THR empty again */
}

/*
 * The host's input and IRQ 4, as Linux's 8250 driver sets the port up:
 * FIFOs on, OUT2 (the PC's gate of the IRQ line), the receive interrupt.
 * The input goes in as far as the FIFO has room; the data-available
 * interrupt reaches the PIC as vector base + 4 and ends when the FIFO is
 * empty; without OUT2, or in loopback, no interrupt reaches the PIC.
 */
TEST_F(pc, uart_input_raises_irq4_through_out2)
{
	static const uint8_t text[20] = "0123456789abcdefghij";
	int i;

	out(&self->p, 0x20, 1, 0x11);			/* the 8259A pair, as Linux */
	out(&self->p, 0x21, 1, 0x30);
	out(&self->p, 0x21, 1, 0x04);
	out(&self->p, 0x21, 1, 0x01);
	out(&self->p, 0xa0, 1, 0x11);
	out(&self->p, 0xa1, 1, 0x38);
	out(&self->p, 0xa1, 1, 0x02);
	out(&self->p, 0xa1, 1, 0x01);
	out(&self->p, 0x21, 1, 0x00);
	out(&self->p, 0x3fa, 1, 0x07);			/* FCR: FIFOs on, cleared */
	out(&self->p, 0x3fc, 1, 0x03);			/* MCR: DTR, RTS, no OUT2 */
	EXPECT_EQ(0, self->r.input_wanted);
	out(&self->p, 0x3f9, 1, 0x01);			/* IER: data available */
	EXPECT_EQ(1, self->r.input_wanted);
	in(&self->p, 0x3fd, 1);				/* LSR: asked once only */
	EXPECT_EQ(1, self->r.input_wanted);
	EXPECT_EQ(16, hv_platform_console_input(&self->p, text, sizeof(text)));
	EXPECT_EQ(0xc4, in(&self->p, 0x3fa, 1));	/* IIR: data available, FIFOs */
	EXPECT_EQ(0, hv_platform_interrupt_pending(&self->p));	/* OUT2 off */
	out(&self->p, 0x3fc, 1, 0x0b);			/* OUT2 on: the line rises */
	EXPECT_EQ(1, hv_platform_interrupt_pending(&self->p));
	EXPECT_EQ(0x34, hv_platform_acknowledge_interrupt(&self->p));
	for (i = 0; i < 16; i++)
		EXPECT_EQ(text[i], in(&self->p, 0x3f8, 1));
	EXPECT_EQ(0xc1, in(&self->p, 0x3fa, 1));	/* empty: no interrupt */
	EXPECT_EQ(0, hv_platform_console_input(&self->p, text, 0));
	out(&self->p, 0x20, 1, 0x20);			/* EOI */
	EXPECT_EQ(0, hv_platform_interrupt_pending(&self->p));
	/* The rest: a new edge, a new interrupt */
	EXPECT_EQ(4, hv_platform_console_input(&self->p, text + 16, 4));
	EXPECT_EQ(1, hv_platform_interrupt_pending(&self->p));
	EXPECT_EQ(0x34, hv_platform_acknowledge_interrupt(&self->p));
	EXPECT_EQ('g', in(&self->p, 0x3f8, 1));
	out(&self->p, 0x20, 1, 0x20);
	/* Loopback: the host's input is refused, and OUT2 is internal */
	out(&self->p, 0x3fc, 1, 0x1b);
	EXPECT_EQ(0, hv_platform_console_input(&self->p, text, 4));
	out(&self->p, 0x3f8, 1, 'z');			/* comes back, data available */
	EXPECT_EQ(0, hv_platform_interrupt_pending(&self->p));
}

/* Loopback: transmitted bytes come back, the FIFO holds 16, overrun after */
TEST_F(pc, uart_loopback_fifo_and_overrun)
{
	int i;

	out(&self->p, 0x3fc, 1, 0x1f);			/* MCR: loopback, all outputs on */
	EXPECT_EQ(0xf0, in(&self->p, 0x3fe, 1) & 0xf0);	/* MSR follows MCR */
	out(&self->p, 0x3f9, 1, 0x01);			/* IER: data available */
	out(&self->p, 0x3f8, 1, 'q');
	EXPECT_EQ(0, self->r.console_len);		/* not sent out */
	EXPECT_EQ(0x61, in(&self->p, 0x3fd, 1));	/* LSR: data ready */
	EXPECT_EQ(0x04, in(&self->p, 0x3fa, 1));	/* IIR: data available */
	EXPECT_EQ('q', in(&self->p, 0x3f8, 1));
	EXPECT_EQ(0x60, in(&self->p, 0x3fd, 1));
	/* Without FIFOs one byte fits: the second overruns */
	out(&self->p, 0x3f8, 1, '1');
	out(&self->p, 0x3f8, 1, '2');
	EXPECT_EQ(0x63, in(&self->p, 0x3fd, 1));	/* DR, OE */
	EXPECT_EQ(0x61, in(&self->p, 0x3fd, 1));	/* OE cleared by the read */
	EXPECT_EQ('1', in(&self->p, 0x3f8, 1));
	out(&self->p, 0x3fa, 1, 0x01);			/* FIFOs on */
	for (i = 0; i < 17; i++)
		out(&self->p, 0x3f8, 1, 'a' + i);
	EXPECT_EQ(0x63, in(&self->p, 0x3fd, 1));
	for (i = 0; i < 16; i++)
		EXPECT_EQ('a' + i, in(&self->p, 0x3f8, 1));
	EXPECT_EQ(0x60, in(&self->p, 0x3fd, 1));
	/* Leaving loopback: the modem lines change, and MSR says so */
	out(&self->p, 0x3fc, 1, 0x00);
	EXPECT_EQ(0xb0 | 0x04, in(&self->p, 0x3fe, 1));	/* TERI: RI went 1 -> 0 */
}

/* The keyboard controller as Linux's i8042 driver probes it, and the resets */
TEST_F(pc, i8042_self_test_configuration_and_reset)
{
	EXPECT_EQ(0x14, in(&self->p, 0x64, 1));		/* SYS, not inhibited, nothing to read */
	out(&self->p, 0x64, 1, 0xaa);			/* self test */
	EXPECT_EQ(0x1d, in(&self->p, 0x64, 1));		/* OBF, and the last write a command */
	EXPECT_EQ(0x55, in(&self->p, 0x60, 1));
	EXPECT_EQ(0x1c, in(&self->p, 0x64, 1));
	out(&self->p, 0x64, 1, 0x20);			/* read the configuration byte */
	EXPECT_EQ(0x45, in(&self->p, 0x60, 1));
	out(&self->p, 0x64, 1, 0x60);			/* write it */
	out(&self->p, 0x60, 1, 0x47);
	out(&self->p, 0x64, 1, 0x20);
	EXPECT_EQ(0x47, in(&self->p, 0x60, 1));
	out(&self->p, 0x64, 1, 0xd3);			/* as if from the mouse */
	out(&self->p, 0x60, 1, 0xab);
	EXPECT_EQ(0x25, in(&self->p, 0x64, 1) & 0x25);	/* OBF, aux data */
	EXPECT_EQ(0xab, in(&self->p, 0x60, 1));
	out(&self->p, 0x60, 1, 0xff);			/* to the keyboard: none there */
	EXPECT_EQ(0, in(&self->p, 0x64, 1) & 1);
	EXPECT_EQ(NULL, self->r.reset);
	out(&self->p, 0x64, 1, 0xfe);			/* pulse the reset line */
	EXPECT_STREQ("i8042 command 0xfe", self->r.reset);
	self->r.reset = NULL;
	out(&self->p, 0x64, 1, 0xd1);			/* output port, bit 0 low */
	out(&self->p, 0x60, 1, 0xfe);
	EXPECT_STREQ("i8042 output port", self->r.reset);
	self->r.reset = NULL;
	out(&self->p, 0xcf9, 1, 0x02);			/* PIIX reset control: no reset bit */
	EXPECT_EQ(NULL, self->r.reset);
	out(&self->p, 0xcf9, 1, 0x06);
	EXPECT_STREQ("port 0xcf9", self->r.reset);
}

static void fw_cfg_item(struct hv_platform *p, uint16_t key, uint8_t *buf, size_t len)
{
	size_t i;

	out(p, 0x510, 2, key);
	for (i = 0; i < len; i++)
		buf[i] = in(p, 0x511, 1);
}

TEST(fw_cfg_items)
{
	const struct hv_platform_config cfg = { .ram_bytes = 256ull << 20, .cpus = 3 };
	struct hv_platform p;
	uint8_t b[10];

	ASSERT_EQ(0, hv_platform_init(&p, &cfg, NULL, NULL));
	fw_cfg_item(&p, 0x00, b, 5);
	EXPECT_EQ(0, memcmp(b, "QEMU\0", 5));		/* 0 past the end */
	fw_cfg_item(&p, 0x01, b, 4);
	EXPECT_EQ(0, memcmp(b, "\x01\0\0\0", 4));	/* traditional interface, no DMA */
	fw_cfg_item(&p, 0x03, b, 8);
	EXPECT_EQ(0, memcmp(b, "\0\0\0\x10\0\0\0\0", 8));	/* 256 MiB, little-endian */
	fw_cfg_item(&p, 0x05, b, 2);
	EXPECT_EQ(3, b[0] | b[1] << 8);
	fw_cfg_item(&p, 0x19, b, 4);
	EXPECT_EQ(0, b[0] | b[1] | b[2] | b[3]);	/* no files */
	fw_cfg_item(&p, 0x1234, b, 2);
	EXPECT_EQ(0, b[0] | b[1]);
	hv_platform_free(&p);
}

TEST_F(pc, state_as_json)
{
	char text[4096];
	FILE *f = fmemopen(text, sizeof(text), "w");

	ASSERT_NE(NULL, f);
	out(&self->p, 0x80, 1, 0x42);
	hv_platform_state_json(&self->p, f);
	fclose(f);
	EXPECT_NE(NULL, strstr(text, "\"post-code\":{\"last\":66,\"writes\":1}"));
	EXPECT_NE(NULL, strstr(text, "\"serial\":{\"ier\":0,\"iir\":1,"));
	EXPECT_EQ('{', text[0]);
}

TEST_HARNESS_MAIN
