/* SPDX-License-Identifier: GPL-2.0 */
/*
 * platform.h - the PC that hvctl gives a guest: its bus and devices. Each
 * device is one file (debugcon.c, serial.c, ...) exporting a struct
 * hv_device_type; platform.c's table lists them, so a new device is one
 * file and one line. Devices print nothing themselves: what they send
 * out (console bytes, a request to end the run) goes through the hooks
 * of whoever runs the guest (hvctl's run, step and gdb).
 */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include <stddef.h>

#include "platform/bus.h"

#define HV_PLATFORM_MAX_DEVICES	16

struct hv_platform_hooks {
	/* bytes the guest sent to a console device (port 0xe9, COM1) */
	void (*console_write)(struct hv_platform *p, const char *buf, size_t len);
	/* the guest asked to end the run (isa-debug-exit), with this exit status */
	void (*stop)(struct hv_platform *p, int status);
	/* the guest asked for a reset (i8042 command 0xfe, port 0xcf9): @how says which */
	void (*reset_request)(struct hv_platform *p, const char *how);
	/* the time base, in ns (NULL: CLOCK_MONOTONIC); tests give their own */
	uint64_t (*now_ns)(struct hv_platform *p);
	/* the date and time, in ns since 1970 UTC (NULL: CLOCK_REALTIME), for the RTC */
	uint64_t (*wall_ns)(struct hv_platform *p);
	/* the guest looked for console input (COM1): the host's may start */
	void (*input_wanted)(struct hv_platform *p);
	/* the vCPU's IA32_APIC_BASE (NULL: 0xfee00900, enabled), for the local APIC */
	uint64_t (*apic_base)(struct hv_platform *p);
};

/* What the devices report about the machine (CMOS memory sizes, fw_cfg) */
struct hv_platform_config {
	uint64_t ram_bytes;
	unsigned int cpus;
	/* the local APIC's timer clock (the TSC's rate); 0: no local APIC */
	uint64_t apic_timer_hz;
};

/*
 * The interrupt controller the ISA IRQ lines go to (pic.c): devices set
 * their line's level, the run loop asks whether the controller's output
 * is raised and, when the guest can take it, acknowledges it for the
 * vector, as the CPU's INTA cycles do.
 */
struct hv_irqchip_ops {
	void (*set_irq)(struct hv_device *chip, unsigned int irq, int level);
	int (*output)(struct hv_device *chip);		/* INT raised? */
	int (*acknowledge)(struct hv_device *chip);	/* the vector */
};

#define HV_NR_ISA_IRQS	16

struct hv_platform {
	struct hv_bus bus;
	struct hv_device *devices[HV_PLATFORM_MAX_DEVICES];
	unsigned int ndevices;
	struct hv_platform_hooks hooks;
	struct hv_platform_config config;
	void *owner;		/* the hooks' caller (hvctl's session) */
	struct hv_device *irqchip;
	const struct hv_irqchip_ops *irqchip_ops;
	struct hv_device *lapic;	/* the CPU's local APIC (lapic.c), or NULL */
	struct hv_device *ioapic;	/* the I/O APIC (ioapic.c), or NULL */
};

/*
 * A kind of device: create() allocates one and claims its ranges on
 * p->bus. wanted() (may be NULL: always) says whether this PC has one.
 */
struct hv_device_type {
	const char *name;
	struct hv_device *(*create)(struct hv_platform *p);
	int (*wanted)(const struct hv_platform_config *cfg);
};

/*
 * Build the PC's devices for @cfg (NULL: 4 MiB, one CPU): 0, or -errno
 * (hv_platform_free() then tidies up).
 */
int hv_platform_init(struct hv_platform *p, const struct hv_platform_config *cfg,
		     const struct hv_platform_hooks *hooks, void *owner);
void hv_platform_free(struct hv_platform *p);
void hv_platform_reset(struct hv_platform *p);
/* {"name": {...state...}, ...} of the devices that have state to show */
void hv_platform_state_json(struct hv_platform *p, FILE *out);

/* For devices: send console bytes, end the run, set an ISA IRQ line's level. */
void hv_platform_console_write(struct hv_platform *p, const char *buf, size_t len);
void hv_platform_stop(struct hv_platform *p, int status);
void hv_platform_request_reset(struct hv_platform *p, const char *how);
void hv_platform_set_irq(struct hv_platform *p, unsigned int irq, int level);
void hv_platform_input_wanted(struct hv_platform *p);

/* Console input for the guest (COM1's receiver): how many of @len bytes it took */
size_t hv_platform_console_input(struct hv_platform *p, const uint8_t *buf, size_t len);

/* The platform's time, and the devices brought up to it; the next device event (ns) */
uint64_t hv_platform_now(struct hv_platform *p);
uint64_t hv_platform_wall_time(struct hv_platform *p);
void hv_platform_advance(struct hv_platform *p);
uint64_t hv_platform_next_event(struct hv_platform *p);

/* The vCPU's IA32_APIC_BASE, through the hooks */
uint64_t hv_platform_apic_base(struct hv_platform *p);

/* The local APIC, between the PIC and the CPU (lapic.c) */
int hv_lapic_accepts_pic(struct hv_device *lapic);
int hv_lapic_interrupt_pending(struct hv_device *lapic);
int hv_lapic_acknowledge(struct hv_device *lapic);
/*
 * An interrupt from the I/O APIC (fixed or lowest priority) for the CPU
 * @dest names (@logical: by the LDR); @level: level-triggered, its EOI
 * comes back to hv_ioapic_eoi(). 1 if this CPU took it.
 */
int hv_lapic_deliver(struct hv_device *lapic, unsigned int vector, int level,
		     unsigned int dest, int logical);

/* The I/O APIC (ioapic.c): a pin's input, and the EOI of a level-triggered vector */
void hv_ioapic_set_irq(struct hv_device *ioapic, unsigned int pin, int level);
void hv_ioapic_eoi(struct hv_device *ioapic, unsigned int vector);

/*
 * For the run loop: is an interrupt waiting for the CPU (the local APIC's
 * own, or the PIC's through LINT0), and (INTA) which vector; -1 without
 * a controller.
 */
int hv_platform_interrupt_pending(struct hv_platform *p);
int hv_platform_acknowledge_interrupt(struct hv_platform *p);

#endif
