// SPDX-License-Identifier: GPL-2.0
/*
 * mptable.c - the MultiProcessor Specification's table (Intel MP spec
 * 1.4, chapter 4), which firmware leaves in the BIOS area to say where
 * the APICs are and how the ISA interrupts reach them. hvctl has no
 * firmware; for an OS it writes the table itself, describing its PC
 * (platform/): the CPUs' local APICs at 0xfee00000, the ISA bus, the
 * I/O APIC at 0xfec00000, and one interrupt entry per ISA IRQ (IRQ 0,
 * the PIT, on pin 2, the others on the pin of their number), plus the
 * PIC's ExtINT on LINT0 and NMI on LINT1, as SeaBIOS writes them for
 * QEMU's PC.
 *
 * Linux finds the floating pointer by its "_MP_" signature in the BIOS
 * area, then sets up the I/O APIC from the table, masks the PIC, and
 * ticks with the local APIC's timer.
 */
#include <errno.h>
#include <string.h>

#include "lib/libhvlab.h"
#include "loaders/loaders.h"

#define MP_FLOATING_AT	0xf0000		/* 16-byte aligned, in 0xf0000-0xfffff (spec 4.1) */
#define MP_CONFIG_AT	(MP_FLOATING_AT + 16)
#define MP_SPEC_REV	4		/* 1.4 */

#define ENTRY_PROCESSOR	0
#define ENTRY_BUS	1
#define ENTRY_IOAPIC	2
#define ENTRY_IO_INT	3
#define ENTRY_LOCAL_INT	4
#define INT_TYPE_INT	0
#define INT_TYPE_NMI	1
#define INT_TYPE_EXTINT	3
#define CPU_ENABLED	0x01
#define CPU_BSP		0x02
#define APIC_VERSION	0x14		/* platform/lapic.c */
#define IOAPIC_VERSION	0x11		/* platform/ioapic.c */
#define IOAPIC_ADDR	0xfec00000u
#define LAPIC_ADDR	0xfee00000u

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

/* Bytes that sum to 0 with their checksum byte (spec 4.1, 4.2) */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

static uint8_t *interrupt_entry(uint8_t *e, uint8_t type, uint8_t kind, uint8_t src_bus_irq,
				uint8_t dst_id, uint8_t dst_pin)
{
	e[0] = type;
	e[1] = kind;
	put16(e + 2, 0);	/* polarity and trigger: as the bus has them (ISA: edge, high) */
	e[4] = 0;		/* source bus: the ISA bus */
	e[5] = src_bus_irq;
	e[6] = dst_id;
	e[7] = dst_pin;
	return e + 8;
}

int hv_write_mptable(struct hv_vm *vm, unsigned int cpus)
{
	uint8_t *fp, *table, *e;
	unsigned int cpu, irq, entries = 0;
	uint8_t ioapic_id = cpus;	/* after the CPUs' APIC IDs, as SeaBIOS */

	if (!vm->bios_area || cpus == 0 || cpus > 16)
		return -EINVAL;
	fp = vm->mem + MP_FLOATING_AT;
	table = vm->mem + MP_CONFIG_AT;
	memset(fp, 0, 16 + 44 + 20 * cpus + 8 + 8 + 8 * 16 + 8 * 2);

	/* The configuration table's entries, after its 44-byte header (spec 4.2, 4.3) */
	e = table + 44;
	for (cpu = 0; cpu < cpus; cpu++, entries++) {
		e[0] = ENTRY_PROCESSOR;
		e[1] = cpu;				/* local APIC ID */
		e[2] = APIC_VERSION;
		e[3] = CPU_ENABLED | (cpu == 0 ? CPU_BSP : 0);
		put32(e + 4, 0x600);			/* family 6 */
		put32(e + 8, 0x201);			/* CPUID.1:EDX: FPU, APIC */
		e += 20;
	}
	memcpy(e, (uint8_t[]){ ENTRY_BUS, 0, 'I', 'S', 'A', ' ', ' ', ' ' }, 8);
	e += 8;
	entries++;
	e[0] = ENTRY_IOAPIC;
	e[1] = ioapic_id;
	e[2] = IOAPIC_VERSION;
	e[3] = 1;					/* enabled */
	put32(e + 4, IOAPIC_ADDR);
	e += 8;
	entries++;
	for (irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;			/* the PIC's cascade: no device */
		e = interrupt_entry(e, ENTRY_IO_INT, INT_TYPE_INT, irq, ioapic_id, irq == 0 ? 2 : irq);
		entries++;
	}
	e = interrupt_entry(e, ENTRY_LOCAL_INT, INT_TYPE_EXTINT, 0, 0xff, 0);	/* LINT0 */
	e = interrupt_entry(e, ENTRY_LOCAL_INT, INT_TYPE_NMI, 0, 0xff, 1);	/* LINT1 */
	entries += 2;

	memcpy(table, "PCMP", 4);
	put16(table + 4, e - table);			/* base table length */
	table[6] = MP_SPEC_REV;
	memcpy(table + 8, "HVLAB   ", 8);		/* OEM ID */
	memcpy(table + 16, "HVCTL PC    ", 12);		/* product ID */
	put16(table + 34, entries);
	put32(table + 36, LAPIC_ADDR);
	table[7] = checksum(table, e - table);

	/* The floating pointer (spec 4.1): feature byte 1 = 0, the table is there */
	memcpy(fp, "_MP_", 4);
	put32(fp + 4, MP_CONFIG_AT);
	fp[8] = 1;					/* length, in 16-byte units */
	fp[9] = MP_SPEC_REV;
	fp[10] = checksum(fp, 16);
	return 0;
}
