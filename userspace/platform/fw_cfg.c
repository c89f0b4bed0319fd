// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg.c - QEMU's firmware configuration interface, the traditional
 * port form (QEMU's docs/specs/fw_cfg.rst): a 16-bit write of a key to
 * the selector (0x510) chooses an item, and each byte read from the data
 * port (0x511) is its next byte, 0 past its end. Items: the signature
 * "QEMU" (key 0x00), the interface ID (0x01: traditional only, no DMA),
 * the RAM size (0x03, 64-bit little-endian), the CPU count (0x05,
 * 16-bit) and an empty file directory (0x19). Writes to the data port
 * do nothing, as in current QEMU.
 */
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define FW_CFG_SELECTOR	0x510
#define FW_CFG_DATA	0x511

enum { KEY_SIGNATURE = 0x00, KEY_ID = 0x01, KEY_RAM_SIZE = 0x03, KEY_NB_CPUS = 0x05,
       KEY_FILE_DIR = 0x19 };

struct fw_cfg {
	struct hv_device dev;
	uint16_t key;
	uint32_t offset;
	uint8_t item[8];	/* the selected item's bytes */
	uint32_t item_len;
};

static void put_le(uint8_t *b, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	const struct hv_platform_config *cfg = &f->dev.platform->config;

	f->key = key;
	f->offset = 0;
	memset(f->item, 0, sizeof(f->item));
	switch (key) {
	case KEY_SIGNATURE:
		memcpy(f->item, "QEMU", 4);
		f->item_len = 4;
		break;
	case KEY_ID:
		put_le(f->item, 1, 4);		/* the traditional interface */
		f->item_len = 4;
		break;
	case KEY_RAM_SIZE:
		put_le(f->item, cfg->ram_bytes, 8);
		f->item_len = 8;
		break;
	case KEY_NB_CPUS:
		put_le(f->item, cfg->cpus, 2);
		f->item_len = 2;
		break;
	case KEY_FILE_DIR:
		f->item_len = 4;		/* a count of 0 files (big-endian) */
		break;
	default:
		f->item_len = 0;		/* no such item: reads give 0 */
		break;
	}
}

static uint64_t fw_cfg_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			    unsigned int size)
{
	struct fw_cfg *f = (struct fw_cfg *)dev;
	uint8_t v;

	if (addr != FW_CFG_DATA)
		return UINT64_MAX;
	v = f->offset < f->item_len ? f->item[f->offset] : 0;
	if (f->offset < f->item_len)
		f->offset++;
	return v;
}

static void fw_cfg_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size, uint64_t value)
{
	if (addr == FW_CFG_SELECTOR)
		fw_cfg_select((struct fw_cfg *)dev, (uint16_t)value);
}

static void fw_cfg_reset(struct hv_device *dev)
{
	fw_cfg_select((struct fw_cfg *)dev, KEY_SIGNATURE);
}

static void fw_cfg_state_json(struct hv_device *dev, FILE *out)
{
	const struct fw_cfg *f = (const struct fw_cfg *)dev;

	fprintf(out, "{\"key\":%u,\"offset\":%u}", f->key, f->offset);
}

static const struct hv_device_ops fw_cfg_ops = {
	.read = fw_cfg_read,
	.write = fw_cfg_write,
	.reset = fw_cfg_reset,
	.state_json = fw_cfg_state_json,
};

static struct hv_device *fw_cfg_create(struct hv_platform *p)
{
	struct fw_cfg *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->dev.ops = &fw_cfg_ops;
	f->dev.platform = p;
	fw_cfg_reset(&f->dev);
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, FW_CFG_SELECTOR, 2, &f->dev)) {
		free(f);
		return NULL;
	}
	return &f->dev;
}

const struct hv_device_type hv_fw_cfg_device = { .name = "fw_cfg", .create = fw_cfg_create };
