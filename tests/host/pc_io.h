/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pc_io.h - what the host tests of the platform's devices share: byte
 * IN and OUT on the platform's port bus, and the 8259A pair set up as
 * Linux's init_8259A() does (IRQ 0-7 at 0x30, 8-15 at 0x38).
 */
#ifndef PC_IO_H
#define PC_IO_H

#include "platform/platform.h"

#define MASTER_VECTOR	0x30	/* Linux's ISA_IRQ_VECTOR(0) */
#define SLAVE_VECTOR	0x38

static inline uint8_t in(struct hv_platform *p, uint16_t port)
{
	uint64_t v;

	hv_bus_read(&p->bus, HV_SPACE_PIO, port, 1, &v);
	return v;
}

static inline void out(struct hv_platform *p, uint16_t port, uint8_t v)
{
	hv_bus_write(&p->bus, HV_SPACE_PIO, port, 1, v);
}

/* init_8259A(): ICW1-4 on both, the slave on IR2, everything unmasked */
static inline void init_pic_like_linux(struct hv_platform *p, uint8_t icw4)
{
	out(p, 0x20, 0x11);		/* ICW1: edge, cascade, ICW4 follows */
	out(p, 0x21, MASTER_VECTOR);	/* ICW2 */
	out(p, 0x21, 0x04);		/* ICW3: slave on IR2 */
	out(p, 0x21, icw4);		/* ICW4: 8086 mode (auto-EOI with 0x03) */
	out(p, 0xa0, 0x11);
	out(p, 0xa1, SLAVE_VECTOR);
	out(p, 0xa1, 0x02);		/* ICW3: my cascade identity */
	out(p, 0xa1, 0x01);
	out(p, 0x21, 0x00);		/* OCW1: unmask all */
	out(p, 0xa1, 0x00);
}

#endif
