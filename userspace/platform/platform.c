// SPDX-License-Identifier: GPL-2.0
/*
 * platform.c - the PC's devices, built from one table. docs/platform.md
 * has what each models, port by port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"

extern const struct hv_device_type hv_debugcon_device;
extern const struct hv_device_type hv_debug_exit_device;
extern const struct hv_device_type hv_post_code_device;
extern const struct hv_device_type hv_serial_device;
extern const struct hv_device_type hv_pci_host_device;
extern const struct hv_device_type hv_pic_device;
extern const struct hv_device_type hv_pit_device;
extern const struct hv_device_type hv_rtc_device;
extern const struct hv_device_type hv_i8042_device;
extern const struct hv_device_type hv_fw_cfg_device;
extern const struct hv_device_type hv_lapic_device;
extern const struct hv_device_type hv_ioapic_device;

static const struct hv_device_type *const pc_devices[] = {
	&hv_debugcon_device,		/* 0xe9: Bochs's and QEMU's debug console */
	&hv_debug_exit_device,		/* 0xf4: QEMU's isa-debug-exit */
	&hv_post_code_device,		/* 0x80: POST codes */
	&hv_serial_device,		/* 0x3f8: COM1 */
	&hv_pci_host_device,		/* 0xcf8, 0xcfc: PCI configuration, no devices */
	&hv_pic_device,			/* 0x20, 0xa0, 0x4d0: the 8259A pair and ELCR */
	&hv_pit_device,			/* 0x40-0x43, 0x61: the 8254 and its gate, IRQ 0 */
	&hv_rtc_device,			/* 0x70, 0x71: the MC146818 RTC and CMOS, IRQ 8 */
	&hv_i8042_device,		/* 0x60, 0x64: the keyboard controller, and reset */
	&hv_fw_cfg_device,		/* 0x510, 0x511: QEMU's firmware configuration */
	&hv_lapic_device,		/* 0xfee00000: the CPU's local APIC */
	&hv_ioapic_device,		/* 0xfec00000: the I/O APIC, the ISA IRQs on its pins */
};

int hv_platform_init(struct hv_platform *p, const struct hv_platform_config *cfg,
		     const struct hv_platform_hooks *hooks, void *owner)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->config = cfg ? *cfg : (struct hv_platform_config){ .ram_bytes = 4 << 20, .cpus = 1 };
	if (hooks)
		p->hooks = *hooks;
	p->owner = owner;
	for (i = 0; i < sizeof(pc_devices) / sizeof(pc_devices[0]); i++) {
		struct hv_device *dev;

		if (pc_devices[i]->wanted && !pc_devices[i]->wanted(&p->config))
			continue;
		if (p->ndevices == HV_PLATFORM_MAX_DEVICES)
			return -ENOSPC;
		dev = pc_devices[i]->create(p);
		if (!dev)
			return -ENOMEM;
		dev->name = pc_devices[i]->name;
		dev->platform = p;
		p->devices[p->ndevices++] = dev;
	}
	return 0;
}

void hv_platform_free(struct hv_platform *p)
{
	unsigned int i;

	for (i = 0; i < p->ndevices; i++)
		free(p->devices[i]);
	memset(p, 0, sizeof(*p));
}

void hv_platform_reset(struct hv_platform *p)
{
	unsigned int i;

	for (i = 0; i < p->ndevices; i++)
		if (p->devices[i]->ops->reset)
			p->devices[i]->ops->reset(p->devices[i]);
}

void hv_platform_state_json(struct hv_platform *p, FILE *out)
{
	unsigned int i;
	int first = 1;

	fputc('{', out);
	for (i = 0; i < p->ndevices; i++) {
		struct hv_device *dev = p->devices[i];

		if (!dev->ops->state_json)
			continue;
		fprintf(out, "%s\"%s\":", first ? "" : ",", dev->name);
		dev->ops->state_json(dev, out);
		first = 0;
	}
	fputc('}', out);
}

void hv_platform_console_write(struct hv_platform *p, const char *buf, size_t len)
{
	if (p->hooks.console_write)
		p->hooks.console_write(p, buf, len);
}

void hv_platform_stop(struct hv_platform *p, int status)
{
	if (p->hooks.stop)
		p->hooks.stop(p, status);
}

void hv_platform_request_reset(struct hv_platform *p, const char *how)
{
	if (p->hooks.reset_request)
		p->hooks.reset_request(p, how);
}

void hv_platform_input_wanted(struct hv_platform *p)
{
	if (p->hooks.input_wanted)
		p->hooks.input_wanted(p);
}

size_t hv_platform_console_input(struct hv_platform *p, const uint8_t *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < p->ndevices; i++)
		if (p->devices[i]->ops->input)
			return p->devices[i]->ops->input(p->devices[i], buf, len);
	return 0;
}

uint64_t hv_platform_now(struct hv_platform *p)
{
	struct timespec ts;

	if (p->hooks.now_ns)
		return p->hooks.now_ns(p);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

uint64_t hv_platform_wall_time(struct hv_platform *p)
{
	struct timespec ts;

	if (p->hooks.wall_ns)
		return p->hooks.wall_ns(p);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

void hv_platform_advance(struct hv_platform *p)
{
	uint64_t now = hv_platform_now(p);
	unsigned int i;

	for (i = 0; i < p->ndevices; i++)
		if (p->devices[i]->ops->advance)
			p->devices[i]->ops->advance(p->devices[i], now);
}

uint64_t hv_platform_next_event(struct hv_platform *p)
{
	uint64_t now = hv_platform_now(p), next = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < p->ndevices; i++) {
		struct hv_device *dev = p->devices[i];
		uint64_t t;

		if (dev->ops->next_event) {
			t = dev->ops->next_event(dev, now);
			if (t < next)
				next = t;
		}
	}
	return next;
}

/* An ISA IRQ line goes to the PIC and, as on a PC, to an I/O APIC pin: IRQ 0 to pin 2 */
void hv_platform_set_irq(struct hv_platform *p, unsigned int irq, int level)
{
	if (irq >= HV_NR_ISA_IRQS)
		return;
	if (p->irqchip)
		p->irqchip_ops->set_irq(p->irqchip, irq, level);
	if (p->ioapic)
		hv_ioapic_set_irq(p->ioapic, irq == 0 ? 2 : irq, level);
}

uint64_t hv_platform_apic_base(struct hv_platform *p)
{
	return p->hooks.apic_base ? p->hooks.apic_base(p) : 0xfee00900;
}

static int pic_output(struct hv_platform *p)
{
	return p->irqchip ? p->irqchip_ops->output(p->irqchip) : 0;
}

int hv_platform_interrupt_pending(struct hv_platform *p)
{
	if (p->lapic && hv_lapic_interrupt_pending(p->lapic))
		return 1;
	if (p->lapic && !hv_lapic_accepts_pic(p->lapic))
		return 0;
	return pic_output(p);
}

int hv_platform_acknowledge_interrupt(struct hv_platform *p)
{
	if (p->lapic) {
		int vector = hv_lapic_acknowledge(p->lapic);

		if (vector >= 0)
			return vector;
		if (!hv_lapic_accepts_pic(p->lapic))
			return -1;
	}
	/* ExtINT: the PIC gives the vector itself (INTA) */
	return p->irqchip ? p->irqchip_ops->acknowledge(p->irqchip) : -1;
}
