// SPDX-License-Identifier: GPL-2.0
/*
 * debug_exit.c - port 0xf4, QEMU's isa-debug-exit: a write of 1, 2 or 4
 * bytes of value v ends the run with exit status (v << 1) | 1, always
 * odd, so that a test guest's own result can never be taken for one of
 * hvctl's statuses (docs/hvctl.md). Reads float (all ones).
 */
#include <stdlib.h>

#include "platform/platform.h"

#define DEBUG_EXIT_PORT	0xf4

static void debug_exit_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			     unsigned int size, uint64_t value)
{
	hv_platform_stop(dev->platform, (int)(((uint32_t)value << 1) | 1));
}

static const struct hv_device_ops debug_exit_ops = {
	.write = debug_exit_write,
};

static struct hv_device *debug_exit_create(struct hv_platform *p)
{
	struct hv_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->ops = &debug_exit_ops;
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, DEBUG_EXIT_PORT, 1, dev)) {
		free(dev);
		return NULL;
	}
	return dev;
}

const struct hv_device_type hv_debug_exit_device = { .name = "debug-exit", .create = debug_exit_create };
