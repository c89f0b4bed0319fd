// SPDX-License-Identifier: GPL-2.0
/*
 * i8042.c - the PC's keyboard controller (0x60 data, 0x64 status and
 * command), with nothing plugged in: enough for a kernel to find the
 * controller, test it, and reset the machine through it, as the PC/AT
 * and Linux's i8042 driver use it.
 *
 * Modelled: the status register (output buffer full, system flag,
 * command/data, keyboard not inhibited), the controller configuration
 * byte (0x20 read, 0x60 write), the self test (0xaa answers 0x55) and
 * the interface tests (0xab, 0xa9 answer 0: no fault), disabling and
 * enabling the two ports (0xad, 0xae, 0xa7, 0xa8), the output port
 * (0xd0 read, 0xd1 write: bit 0 low resets), writing to the output
 * buffer as if from a device (0xd2, 0xd3), and pulsing the output lines
 * (0xf0-0xff: line 0 is reset, so 0xfe resets). Not modelled: a keyboard
 * or a mouse (bytes for them go nowhere, and no answer comes), and the
 * interrupts they would raise.
 */
#include <stdlib.h>

#include "platform/platform.h"

#define I8042_DATA	0x60
#define I8042_COMMAND	0x64

#define STATUS_OBF	0x01
#define STATUS_SYS	0x04
#define STATUS_CMD	0x08	/* the last write was to 0x64 */
#define STATUS_UNINHIBITED 0x10
#define STATUS_AUX_DATA	0x20
#define CTR_KBD_DISABLE	0x10
#define CTR_AUX_DISABLE	0x20
#define OUTPUT_RESET_HIGH 0x01	/* output port bit 0: low resets the CPU */

struct i8042 {
	struct hv_device dev;
	uint8_t status, ctr, output_port;
	uint8_t out;		/* the output buffer */
	uint8_t pending;	/* a command waiting for its data byte */
};

static void i8042_answer(struct i8042 *k, uint8_t v, int aux)
{
	k->out = v;
	k->status = (k->status & ~STATUS_AUX_DATA) | STATUS_OBF | (aux ? STATUS_AUX_DATA : 0);
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:		/* read the configuration byte */
		i8042_answer(k, k->ctr, 0);
		break;
	case 0x60:		/* write it: the next data byte */
	case 0xd1:		/* write the output port */
	case 0xd2:		/* the next byte as if from the keyboard */
	case 0xd3:		/* ... from the mouse */
	case 0xd4:		/* the next byte to the mouse */
		k->pending = cmd;
		break;
	case 0xa7:
		k->ctr |= CTR_AUX_DISABLE;
		break;
	case 0xa8:
		k->ctr &= ~CTR_AUX_DISABLE;
		break;
	case 0xa9:		/* test the mouse port: no fault */
	case 0xab:		/* ... the keyboard port */
		i8042_answer(k, 0x00, 0);
		break;
	case 0xaa:		/* self test: passed, and the system flag set as POST does */
		k->status |= STATUS_SYS;
		i8042_answer(k, 0x55, 0);
		break;
	case 0xad:
		k->ctr |= CTR_KBD_DISABLE;
		break;
	case 0xae:
		k->ctr &= ~CTR_KBD_DISABLE;
		break;
	case 0xd0:		/* read the output port */
		i8042_answer(k, k->output_port, 0);
		break;
	default:
		/* 0xf0-0xff pulse output lines 3-0 low where the bit is 0: line 0 resets */
		if (cmd >= 0xf0 && !(cmd & 1))
			hv_platform_request_reset(k->dev.platform, "i8042 command 0xfe");
		break;
	}
}

static void i8042_data(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = v;
		k->status = (k->status & ~STATUS_SYS) | (v & STATUS_SYS);	/* CTR bit 2 is SYS */
		break;
	case 0xd1:
		k->output_port = v;
		if (!(v & OUTPUT_RESET_HIGH))
			hv_platform_request_reset(k->dev.platform, "i8042 output port");
		break;
	case 0xd2:
	case 0xd3:
		i8042_answer(k, v, cmd == 0xd3);
		break;
	default:		/* for the keyboard (or 0xd4: the mouse): none there */
		break;
	}
}

static uint64_t i8042_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			   unsigned int size)
{
	struct i8042 *k = (struct i8042 *)dev;

	if (addr == I8042_COMMAND)
		return k->status;
	k->status &= ~(STATUS_OBF | STATUS_AUX_DATA);
	return k->out;
}

static void i8042_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			unsigned int size, uint64_t value)
{
	struct i8042 *k = (struct i8042 *)dev;

	if (addr == I8042_COMMAND) {
		k->status |= STATUS_CMD;
		k->pending = 0;
		i8042_command(k, (uint8_t)value);
	} else {
		k->status &= ~STATUS_CMD;
		i8042_data(k, (uint8_t)value);
	}
}

static void i8042_reset(struct hv_device *dev)
{
	struct i8042 *k = (struct i8042 *)dev;

	/* As the BIOS leaves it: tested (SYS), translation and the keyboard interrupt on */
	k->status = STATUS_SYS | STATUS_UNINHIBITED;
	k->ctr = 0x45;
	k->output_port = OUTPUT_RESET_HIGH | 0x02;	/* not in reset, A20 on */
	k->out = 0;
	k->pending = 0;
}

static void i8042_state_json(struct hv_device *dev, FILE *out)
{
	const struct i8042 *k = (const struct i8042 *)dev;

	fprintf(out, "{\"status\":%u,\"ctr\":%u,\"output_port\":%u,\"pending_command\":%u}",
		k->status, k->ctr, k->output_port, k->pending);
}

static const struct hv_device_ops i8042_ops = {
	.read = i8042_read,
	.write = i8042_write,
	.reset = i8042_reset,
	.state_json = i8042_state_json,
};

static struct hv_device *i8042_create(struct hv_platform *p)
{
	struct i8042 *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->dev.ops = &i8042_ops;
	i8042_reset(&k->dev);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, I8042_DATA, 1, &k->dev) ||
	    hv_bus_claim(&p->bus, HV_SPACE_PIO, I8042_COMMAND, 1, &k->dev)) {
		free(k);
		return NULL;
	}
	return &k->dev;
}

const struct hv_device_type hv_i8042_device = { .name = "i8042", .create = i8042_create };
