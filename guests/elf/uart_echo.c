// SPDX-License-Identifier: GPL-2.0
/*
 * uart_echo: a line-oriented echo over COM1, interrupt-driven as a
 * kernel's serial driver is. The 16550A is set up as Linux's 8250 driver
 * does (115200 8N1, FIFOs, DTR, RTS and OUT2, the receive interrupt), the
 * 8259A unmasks IRQ 4, and the guest sleeps in STI; HLT. Each byte that
 * hvctl's stdin gives the receiver raises IRQ 4; the handler empties the
 * FIFO into a ring. Each line comes back as "echo: LINE" through
 * the transmitter; the line "bye" ends the run.
 *
 *   printf 'hello\nbye\n' | hvctl run uart_echo64.elf
 */
#include "hvguest.h"

#define COM1		0x3f8
#define COM1_IRQ	4
#define VECTOR_BASE	0x20

static struct hv_gate idt[VECTOR_BASE + 8];
static volatile char ring[1024];
static volatile unsigned int ring_head, ring_tail, irqs;	/* head: written, tail: read */

void on_com1(void)
{
	irqs++;
	/* Empty the FIFO (LSR bit 0: data ready) into the ring; full: dropped */
	while (inb(COM1 + 5) & 0x01) {
		char c = inb(COM1);

		if (ring_head - ring_tail < sizeof(ring))
			ring[ring_head++ % sizeof(ring)] = c;
	}
	(void)inb(COM1 + 2);
	hv_pic_eoi(COM1_IRQ);
}
HV_IRQ_HANDLER(com1_entry, on_com1);

/* The next line from the ring into text (NUL-terminated, its length); -1: none yet */
static int take_line(char *text, unsigned int size)
{
	unsigned int i, n = 0;

	for (i = ring_tail; i != ring_head; i++)
		if (ring[i % sizeof(ring)] == '\n' || ring[i % sizeof(ring)] == '\r')
			break;
	if (i == ring_head)
		return -1;
	for (; ring_tail != i; ring_tail++)
		if (n < size - 1)
			text[n++] = ring[ring_tail % sizeof(ring)];
	ring_tail++;
	text[n] = 0;
	return n;
}

static void com1_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))		/* THR empty */
		;
	outb(COM1, c);
}

static void com1_puts(const char *s)
{
	while (*s)
		com1_putc(*s++);
}

int main(void)
{
	char text[128];
	int n;

	hv_set_gate(&idt[VECTOR_BASE + COM1_IRQ], com1_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, VECTOR_BASE + 8);
	hv_pic_init(VECTOR_BASE);
	outb(COM1 + 1, 0x00);		/* IER: nothing yet */
	outb(COM1 + 3, 0x80);		/* DLAB */
	outb(COM1 + 0, 1);		/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x03);		/* 8N1 */
	outb(COM1 + 2, 0x07);		/* FIFOs on and cleared */
	outb(COM1 + 4, 0x0b);		/* DTR, RTS, OUT2: the IRQ line to the PIC */
	outb(COM1 + 1, 0x01);		/* IER: received data */
	hv_pic_unmask(COM1_IRQ);
	com1_puts("uart_echo: ready\r\n");
	for (;;) {
		hv_cli();
		while ((n = take_line(text, sizeof(text))) < 0) {
			hv_sti_hlt();	/* (STI's shadow: no interrupt before the HLT) */
			hv_cli();
		}
		if (n == 0)
			continue;	/* the \n of a \r\n */
		if (n == 3 && text[0] == 'b' && text[1] == 'y' && text[2] == 'e')
			break;
		com1_puts("echo: ");
		com1_puts(text);
		com1_puts("\r\n");
	}
	com1_puts("uart_echo: bye\r\n");
	hv_printf("uart_echo: %u interrupts\n", irqs);
	HV_CHECK(irqs > 0);
	return 0;
}
