// SPDX-License-Identifier: GPL-2.0
/*
 * bus.c - the port and MMIO buses (bus.h). A PC has a few dozen device
 * ranges, so a linear search is as fast as anything, and easy to read.
 */
#include <errno.h>
#include <inttypes.h>

#include "platform/bus.h"

#define PIO_SPACE_SIZE	0x10000

int hv_bus_claim(struct hv_bus *bus, enum hv_space space, uint64_t base, uint64_t len,
		 struct hv_device *dev)
{
	unsigned int i;

	if (space >= HV_NR_SPACES || !len || base + len < base || !dev ||
	    (space == HV_SPACE_PIO && base + len > PIO_SPACE_SIZE))
		return -EINVAL;
	for (i = 0; i < bus->nranges[space]; i++) {
		const struct hv_bus_range *r = &bus->ranges[space][i];

		if (base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	if (bus->nranges[space] == HV_BUS_MAX_RANGES)
		return -ENOSPC;
	bus->ranges[space][bus->nranges[space]++] = (struct hv_bus_range){ base, len, dev };
	return 0;
}

static struct hv_device *bus_find(struct hv_bus *bus, enum hv_space space, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < bus->nranges[space]; i++) {
		const struct hv_bus_range *r = &bus->ranges[space][i];

		if (addr - r->base < r->len)
			return r->dev;
	}
	return NULL;
}

/* Count an access nothing claims; is it the first at @addr? */
static enum hv_bus_result bus_unclaimed(struct hv_bus *bus, enum hv_space space, uint64_t addr,
					int is_write)
{
	struct hv_unclaimed *u = NULL;
	unsigned int i;

	for (i = 0; i < bus->nunclaimed && !u; i++)
		if (bus->unclaimed[i].space == space && bus->unclaimed[i].addr == addr)
			u = &bus->unclaimed[i];
	if (!u) {
		if (bus->nunclaimed == HV_BUS_MAX_UNCLAIMED) {
			bus->unclaimed_more++;
			return HV_BUS_UNCLAIMED;
		}
		u = &bus->unclaimed[bus->nunclaimed++];
		*u = (struct hv_unclaimed){ .space = space, .addr = addr };
	}
	if (is_write)
		u->writes++;
	else
		u->reads++;
	return u->reads + u->writes == 1 ? HV_BUS_UNCLAIMED_FIRST : HV_BUS_UNCLAIMED;
}

enum hv_bus_result hv_bus_read(struct hv_bus *bus, enum hv_space space, uint64_t addr,
			       unsigned int size, uint64_t *value)
{
	struct hv_device *dev = space < HV_NR_SPACES ? bus_find(bus, space, addr) : NULL;
	uint64_t ones = size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;

	if (dev && dev->ops->read) {
		*value = dev->ops->read(dev, space, addr, size) & ones;
		return HV_BUS_CLAIMED;
	}
	*value = ones;
	/* A device that claims a range but does not read: its reads float, silently */
	return dev ? HV_BUS_CLAIMED : bus_unclaimed(bus, space, addr, 0);
}

enum hv_bus_result hv_bus_write(struct hv_bus *bus, enum hv_space space, uint64_t addr,
				unsigned int size, uint64_t value)
{
	struct hv_device *dev = space < HV_NR_SPACES ? bus_find(bus, space, addr) : NULL;

	if (dev) {
		if (dev->ops->write)
			dev->ops->write(dev, space, addr, size, value);
		return HV_BUS_CLAIMED;
	}
	return bus_unclaimed(bus, space, addr, 1);
}

const char *hv_space_name(enum hv_space space)
{
	return space == HV_SPACE_PIO ? "I/O port" : "guest-physical address";
}

static void print_count(FILE *out, uint64_t n, const char *what, int *first)
{
	if (!n)
		return;
	fprintf(out, "%s%" PRIu64 " %s%s", *first ? "" : ", ", n, what, n == 1 ? "" : "s");
	*first = 0;
}

void hv_bus_print_unclaimed(const struct hv_bus *bus, FILE *out, const char *prefix)
{
	unsigned int i;

	for (i = 0; i < bus->nunclaimed; i++) {
		const struct hv_unclaimed *u = &bus->unclaimed[i];
		int first = 1;

		fprintf(out, "%s%s 0x%" PRIx64 ": ", prefix, hv_space_name(u->space), u->addr);
		print_count(out, u->reads, "read", &first);
		print_count(out, u->writes, "write", &first);
		fputc('\n', out);
	}
	if (bus->unclaimed_more)
		fprintf(out, "%s%" PRIu64 " more at other ports and addresses\n", prefix,
			bus->unclaimed_more);
}
