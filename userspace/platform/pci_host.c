// SPDX-License-Identifier: GPL-2.0
/*
 * pci_host.c - PCI configuration mechanism #1 (0xcf8, 0xcfc), with no
 * device behind it, said explicitly: CONFIG_ADDRESS keeps what a 32-bit
 * write puts there (Linux's pci_check_type1() reads it back to find the
 * mechanism), and CONFIG_DATA reads all ones, which is "no function
 * here" to every probe (vendor ID 0xffff). As on Intel's PIIX, only
 * 32-bit accesses reach CONFIG_ADDRESS; narrower ones float, but for a
 * byte written to 0xcf9, the reset control register: bit 2 resets (one
 * of the ways Linux reboots, "reboot=pci").
 */
#include <inttypes.h>
#include <stdlib.h>

#include "platform/platform.h"

#define CONFIG_ADDRESS	0xcf8
#define CONFIG_DATA	0xcfc
#define ADDRESS_BITS	0x80fffffcu	/* enable, bus, device, function, register */
#define RESET_CONTROL	0xcf9		/* PIIX's reset control register, a byte */
#define RC_RESET_CPU	0x04

struct pci_host {
	struct hv_device dev;
	uint32_t address;
};

static uint64_t pci_host_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			      unsigned int size)
{
	const struct pci_host *h = (const struct pci_host *)dev;

	if (addr == CONFIG_ADDRESS && size == 4)
		return h->address;
	return UINT64_MAX;	/* no device answers */
}

static void pci_host_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			   unsigned int size, uint64_t value)
{
	struct pci_host *h = (struct pci_host *)dev;

	if (addr == CONFIG_ADDRESS && size == 4)
		h->address = (uint32_t)value & ADDRESS_BITS;
	else if (addr == RESET_CONTROL && size == 1 && (value & RC_RESET_CPU))
		hv_platform_request_reset(dev->platform, "port 0xcf9");
}

static void pci_host_reset(struct hv_device *dev)
{
	((struct pci_host *)dev)->address = 0;
}

static void pci_host_state_json(struct hv_device *dev, FILE *out)
{
	fprintf(out, "{\"config_address\":%" PRIu32 "}", ((const struct pci_host *)dev)->address);
}

static const struct hv_device_ops pci_host_ops = {
	.read = pci_host_read,
	.write = pci_host_write,
	.reset = pci_host_reset,
	.state_json = pci_host_state_json,
};

static struct hv_device *pci_host_create(struct hv_platform *p)
{
	struct pci_host *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->dev.ops = &pci_host_ops;
	if (hv_bus_claim(&p->bus, HV_SPACE_PIO, CONFIG_ADDRESS, 8, &h->dev)) {
		free(h);
		return NULL;
	}
	return &h->dev;
}

const struct hv_device_type hv_pci_host_device = { .name = "pci-host", .create = pci_host_create };
