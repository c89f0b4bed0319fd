// SPDX-License-Identifier: GPL-2.0
/*
 * post_code.c - port 0x80, where firmware and kernels write progress
 * codes (Linux also writes it just to wait: "outb_p"). Writes are kept,
 * silently: a guest that writes it thousands of times must not flood
 * the terminal. Reads return all ones, as QEMU's port 0x80 does.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "platform/platform.h"

#define POST_CODE_PORT	0x80

struct post_code {
	struct hv_device dev;
	uint8_t last;		/* the last code written */
	uint64_t writes;
};

static void post_code_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			    unsigned int size, uint64_t value)
{
	struct post_code *pc = (struct post_code *)dev;

	pc->last = (uint8_t)value;
	pc->writes++;
}

static void post_code_reset(struct hv_device *dev)
{
	struct post_code *pc = (struct post_code *)dev;

	pc->last = 0;
	pc->writes = 0;
}

static void post_code_state_json(struct hv_device *dev, FILE *out)
{
	const struct post_code *pc = (const struct post_code *)dev;

	fprintf(out, "{\"last\":%u,\"writes\":%" PRIu64 "}", pc->last, pc->writes);
}

static const struct hv_device_ops post_code_ops = {
	.write = post_code_write,
	.reset = post_code_reset,
	.state_json = post_code_state_json,
};

static struct hv_device *post_code_create(struct hv_platform *p)
{
	struct post_code *pc = calloc(1, sizeof(*pc));

	if (!pc)
		return NULL;
	pc->dev.ops = &post_code_ops;
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, POST_CODE_PORT, 1, &pc->dev)) {
		free(pc);
		return NULL;
	}
	return &pc->dev;
}

const struct hv_device_type hv_post_code_device = { .name = "post-code", .create = post_code_create };
