// SPDX-License-Identifier: GPL-2.0
/*
 * pic_timer: an idle loop woken by the PC's timer, as a kernel's. The
 * 8259A pair is programmed as Linux does, the 8254's channel 0 runs at
 * 1 kHz (mode 2), and the guest waits with STI; HLT for 100 of its
 * interrupts (IRQ 0, vector 0x20), each ended with an EOI. hvctl's PIT
 * raises IRQ 0 every period, its PIC asks for an interrupt window, and
 * hvctl sleeps through each HLT until the next tick.
 *
 * Then the priority: with IRQ 0 in service (no EOI yet), the next ticks
 * must wait; after the EOI one comes. Last, ticks reach a guest that
 * spins without exits.
 */
#include "hvguest.h"

#define VECTOR_BASE	0x20
#define TICKS		100

static struct hv_gate idt[VECTOR_BASE + 8];
static volatile unsigned int ticks;
static volatile int hold_eoi;

void on_tick(void)
{
	ticks++;
	if (!hold_eoi)
		hv_pic_eoi(0);
}
HV_IRQ_HANDLER(tick_entry, on_tick);

/* Channel 0's count, latched (8254: counter latch command) */
static unsigned int pit_count(void)
{
	unsigned int lo;

	outb(0x43, 0x00);
	lo = inb(0x40);
	return lo | inb(0x40) << 8;
}

int main(void)
{
	unsigned int halts = 0, before;

	hv_set_gate(&idt[VECTOR_BASE], tick_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, VECTOR_BASE + 8);
	hv_pic_init(VECTOR_BASE);
	hv_pit_periodic(1000);
	hv_pic_unmask(0);
	while (ticks < TICKS) {
		hv_sti_hlt();
		halts++;
	}
	hv_cli();
	hv_printf("pic_timer: %u PIT interrupts, each after a HLT: %s\n", ticks,
		  halts >= TICKS ? "yes" : "no");
	HV_CHECK(ticks == TICKS && halts >= TICKS);

	/*
	 * IRQ 0 in service (its handler held back the EOI): with interrupts
	 * on, three more periods of the PIT, seen in its count, bring no
	 * interrupt: the 8259A keeps the requests in IRR (ISR priority).
	 */
	hold_eoi = 1;
	before = ticks;
	while (ticks == before)
		hv_sti_hlt();
	before = ticks;
	__asm__ volatile("sti" : : : "memory");
	for (unsigned int wraps = 0, last = pit_count(), now; wraps < 3; last = now) {
		now = pit_count();
		if (now > last)		/* it counts down, and reloaded */
			wraps++;
	}
	hv_cli();
	hv_printf("pic_timer: %u interrupts in three periods with IRQ 0 in service\n",
		  ticks - before);
	HV_CHECK(ticks == before);
	hold_eoi = 0;
	hv_pic_eoi(0);
	while (ticks == before)
		hv_sti_hlt();
	hv_cli();
	hv_puts("pic_timer: a tick waits while IRQ 0 is in service, and comes after its EOI\n");
	/*
	 * A guest that spins with interrupts on never exits by itself: the
	 * ticks come all the same (the PIT's next edge is the run's
	 * deadline, which the VMX-preemption timer keeps).
	 */
	before = ticks;
	__asm__ volatile("sti" : : : "memory");
	while (ticks < before + 5)
		;
	hv_cli();
	hv_puts("pic_timer: 5 ticks while spinning with interrupts on\n");
	return 0;
}
