// SPDX-License-Identifier: GPL-2.0
/*
 * debugcon.c - port 0xe9, the debug console of Bochs and QEMU: a byte
 * written is a byte of console output, and a read returns 0xe9, which is
 * how a guest finds out that the port is there.
 */
#include <stdlib.h>

#include "platform/platform.h"

#define DEBUGCON_PORT	0xe9

static uint64_t debugcon_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			      unsigned int size)
{
	return DEBUGCON_PORT;
}

static void debugcon_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			   unsigned int size, uint64_t value)
{
	char c = (char)value;

	hv_platform_console_write(dev->platform, &c, 1);
}

static const struct hv_device_ops debugcon_ops = {
	.read = debugcon_read,
	.write = debugcon_write,
};

static struct hv_device *debugcon_create(struct hv_platform *p)
{
	struct hv_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->ops = &debugcon_ops;
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, DEBUGCON_PORT, 1, dev)) {
		free(dev);
		return NULL;
	}
	return dev;
}

const struct hv_device_type hv_debugcon_device = { .name = "debugcon", .create = debugcon_create };
