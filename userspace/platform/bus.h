/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bus.h - where a guest's device accesses go: the PC's 64 KiB of I/O
 * ports, and guest-physical addresses with no RAM (MMIO). A device
 * claims ranges of either; an access goes to the device whose range
 * holds its first byte. Nothing there: a read gives all ones, which is
 * what an idle ISA or PCI bus returns and how Linux's probes recognise
 * that no device answers, and a write goes nowhere. Such accesses are
 * counted per port or address, so that a guest polling a port it
 * believes in shows once, with a count, not once per access.
 *
 * kvmtool's ioport and MMIO registration, Firecracker's device manager
 * and QEMU's MemoryRegionOps are built the same way.
 */
#ifndef HV_PLATFORM_BUS_H
#define HV_PLATFORM_BUS_H

#include <stdint.h>
#include <stdio.h>

enum hv_space { HV_SPACE_PIO, HV_SPACE_MMIO, HV_NR_SPACES };

struct hv_device;
struct hv_platform;

/*
 * What a device does. @addr is the port or guest-physical address itself
 * (PC devices live at fixed ports), @size 1, 2, 4 or 8 bytes.
 */
struct hv_device_ops {
	uint64_t (*read)(struct hv_device *dev, enum hv_space space, uint64_t addr,
			 unsigned int size);
	void (*write)(struct hv_device *dev, enum hv_space space, uint64_t addr,
		      unsigned int size, uint64_t value);
	/* back to the state after power-on (may be NULL: nothing to reset) */
	void (*reset)(struct hv_device *dev);
	/* the registers as one JSON object, for step's devices command (may be NULL) */
	void (*state_json)(struct hv_device *dev, FILE *out);
	/*
	 * Devices that keep time (may be NULL): bring the outputs up to
	 * @now_ns (the platform's clock), raising IRQ lines on the way; and
	 * when, at the earliest, an output will change by itself next
	 * (UINT64_MAX: not unless the guest does something).
	 */
	void (*advance)(struct hv_device *dev, uint64_t now_ns);
	uint64_t (*next_event)(struct hv_device *dev, uint64_t now_ns);
	/*
	 * A console device's receiver (may be NULL): take up to @len bytes
	 * typed at the host; returns how many it had room for.
	 */
	size_t (*input)(struct hv_device *dev, const uint8_t *buf, size_t len);
};

/* Each device's own struct begins with this. */
struct hv_device {
	const char *name;
	const struct hv_device_ops *ops;
	struct hv_platform *platform;
};

#define HV_BUS_MAX_RANGES	32	/* per space */
#define HV_BUS_MAX_UNCLAIMED	64	/* distinct unclaimed ports and addresses counted */

struct hv_bus_range {
	uint64_t base, len;
	struct hv_device *dev;
};

struct hv_unclaimed {
	enum hv_space space;
	uint64_t addr;
	uint64_t reads, writes;
};

struct hv_bus {
	struct hv_bus_range ranges[HV_NR_SPACES][HV_BUS_MAX_RANGES];
	unsigned int nranges[HV_NR_SPACES];
	struct hv_unclaimed unclaimed[HV_BUS_MAX_UNCLAIMED];
	unsigned int nunclaimed;
	uint64_t unclaimed_more;	/* accesses to addresses past those counted */
};

/* 0, or -EINVAL (empty, wraps, beyond 64 KiB of ports), -EEXIST (overlap), -ENOSPC. */
int hv_bus_claim(struct hv_bus *bus, enum hv_space space, uint64_t base, uint64_t len,
		 struct hv_device *dev);

enum hv_bus_result {
	HV_BUS_CLAIMED,
	HV_BUS_UNCLAIMED_FIRST,	/* the first access to this port or address */
	HV_BUS_UNCLAIMED,
};

/* *@value: the device's answer, or all ones of @size bytes when unclaimed. */
enum hv_bus_result hv_bus_read(struct hv_bus *bus, enum hv_space space, uint64_t addr,
			       unsigned int size, uint64_t *value);
enum hv_bus_result hv_bus_write(struct hv_bus *bus, enum hv_space space, uint64_t addr,
				unsigned int size, uint64_t value);

/* "I/O port" or "guest-physical address", for messages */
const char *hv_space_name(enum hv_space space);

/*
 * The unclaimed accesses so far, one line each ("I/O port 0x99: 1000
 * writes"), each prefixed by @prefix; nothing if there were none.
 */
void hv_bus_print_unclaimed(const struct hv_bus *bus, FILE *out, const char *prefix);

#endif
