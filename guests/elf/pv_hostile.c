// SPDX-License-Identifier: GPL-2.0
/*
 * pv_hostile: the paravirtual console's hypercalls (docs/hypercalls.md)
 * given every bad argument a broken or hostile guest could pass. Each
 * must fail with its error, print nothing and write nothing; the good
 * calls between them must still work. What is printed by hypercall:
 * "slots:ok" (with the extra slots), "pages:ok", 32 bytes through a ring
 * whose counters wrap, then "ok".
 *
 * IN from PV_LAYOUT_PORT says whether tests/vm/guests.c added two slots
 * to the standard map: RAM at 0xa0000-0xaffff right after low RAM, and
 * MMIO at 0xd0000. Plain hvctl answers all ones, which is not 1.
 */
#include "hvguest.h"

#define PV_LAYOUT_PORT	0x87
#define EXTRA_RAM_END	0xb0000		/* low RAM, then the extra RAM slot */
#define LOW_RAM_END	0xa0000
#define MMIO_GPA	0xd0000
#define HOLE_GPA	0xc0000		/* nothing there in either layout */
#define PAGE_EDGE	0x200ffcUL	/* 4 bytes before a page boundary in high RAM */

static uint8_t ring_memory[2 * HVLAB_RING_DATA + 64] __attribute__((aligned(HVLAB_RING_DATA)));
static volatile uint64_t now[2];

static void expect(const char *what, long got, long want)
{
	if (got == want)
		return;
	hv_printf("%s: got %ld, want %ld\n", what, got, want);
	hv_exit(1);
}

static long call(unsigned long nr, unsigned long a0, unsigned long a1)
{
	return hv_hypercall(nr, a0, a1, 0, 0);
}

/* Put @s at guest-physical @gpa and print it from there. */
static long print_at(uintptr_t gpa, const char *s)
{
	memcpy((void *)gpa, s, strlen(s));
	return call(HVLAB_HC_CONSOLE_WRITE, gpa, strlen(s));
}

static void console_write_refusals(uintptr_t ram_end, int extra)
{
	expect("len 0", call(HVLAB_HC_CONSOLE_WRITE, (uintptr_t)ring_memory, 0), 0);
	expect("len over HVLAB_CONSOLE_MAX",
	       call(HVLAB_HC_CONSOLE_WRITE, PAGE_EDGE, HVLAB_CONSOLE_MAX + 1), HVLAB_HC_EINVAL);
	expect("a hole", call(HVLAB_HC_CONSOLE_WRITE, HOLE_GPA, 8), HVLAB_HC_EFAULT);
	expect("from RAM into a hole", call(HVLAB_HC_CONSOLE_WRITE, ram_end - 8, 16),
	       HVLAB_HC_EFAULT);
	expect("the last byte past RAM", call(HVLAB_HC_CONSOLE_WRITE, ram_end - 8, 9),
	       HVLAB_HC_EFAULT);
	expect("above RAM", call(HVLAB_HC_CONSOLE_WRITE, 0xfffffff8UL, 8), HVLAB_HC_EFAULT);
#ifdef __x86_64__
	expect("gpa + len wraps", call(HVLAB_HC_CONSOLE_WRITE, ~0UL - 7, 16), HVLAB_HC_EFAULT);
	expect("a gpa beyond the CPU's", call(HVLAB_HC_CONSOLE_WRITE, 1UL << 52, 8),
	       HVLAB_HC_EFAULT);
	/* RAX's high half is part of the number: this is no CONSOLE_WRITE */
	expect("function 2 + 2^32", call((1UL << 32) | HVLAB_HC_CONSOLE_WRITE, PAGE_EDGE, 8),
	       HVLAB_HC_ENOSYS);
#endif
	expect("function 0x1234", call(0x1234, 0, 0), HVLAB_HC_ENOSYS);
	if (extra) {
		expect("MMIO", call(HVLAB_HC_CONSOLE_WRITE, MMIO_GPA, 8), HVLAB_HC_EFAULT);
		expect("across two RAM slots", print_at(LOW_RAM_END - 4, "slots:ok\n"), 9);
	}
	expect("across two pages", print_at(PAGE_EDGE, "pages:ok\n"), 9);
}

static void get_time_refusals(uintptr_t ram_end)
{
	volatile uint32_t *guard = (volatile uint32_t *)(ram_end - 4);

	expect("time", call(HVLAB_HC_GET_TIME, (uintptr_t)&now[0], 0), 0);
	expect("time again", call(HVLAB_HC_GET_TIME, (uintptr_t)&now[1], 0), 0);
	expect("time goes forward", now[1] >= now[0] && now[0] > 0, 1);
	*guard = 0xaaaaaaaa;
	expect("time half in a hole", call(HVLAB_HC_GET_TIME, ram_end - 4, 0), HVLAB_HC_EFAULT);
	expect("the half in RAM is unchanged", *guard, 0xaaaaaaaa);
	expect("time into a hole", call(HVLAB_HC_GET_TIME, HOLE_GPA, 0), HVLAB_HC_EFAULT);
}

static void ring_refusals(uintptr_t ram_end)
{
	struct hv_console_ring *ring = (struct hv_console_ring *)ring_memory;
	const char *text = "0123456789abcdefghijklmnopqrstu\n";
	uint32_t start = 0xffffffe8, i;	/* byte "start" lives at data[40] */

	expect("kick without a ring", call(HVLAB_HC_CONSOLE_KICK, 0, 0), HVLAB_HC_EINVAL);
	expect("ring size 100", call(HVLAB_HC_CONSOLE_RING, (uintptr_t)ring, 100), HVLAB_HC_EINVAL);
	expect("ring size 32", call(HVLAB_HC_CONSOLE_RING, (uintptr_t)ring, 32), HVLAB_HC_EINVAL);
	expect("ring size 8192", call(HVLAB_HC_CONSOLE_RING, (uintptr_t)ring, 8192),
	       HVLAB_HC_EINVAL);
	expect("ring misaligned", call(HVLAB_HC_CONSOLE_RING, (uintptr_t)ring + 8, 64),
	       HVLAB_HC_EINVAL);
	expect("ring data in a hole", call(HVLAB_HC_CONSOLE_RING, ram_end - HVLAB_RING_DATA, 64),
	       HVLAB_HC_EFAULT);
	expect("still no ring", call(HVLAB_HC_CONSOLE_KICK, 0, 0), HVLAB_HC_EINVAL);

	/* A ring whose counters are about to wrap: it starts empty */
	ring->produced = start;
	ring->consumed = 7;
	expect("ring", call(HVLAB_HC_CONSOLE_RING, (uintptr_t)ring, 64), 0);
	expect("consumed = produced", ring->consumed, start);
	expect("kick an empty ring", call(HVLAB_HC_CONSOLE_KICK, 0, 0), 0);

	/* 32 bytes across the end of the data and across 2^32 */
	for (i = 0; i < 32; i++)
		ring->data[(start + i) & 63] = text[i];
	/* More than the ring holds is a lie, and changes nothing */
	ring->produced = start + 65;
	expect("kick 65 bytes of 64", call(HVLAB_HC_CONSOLE_KICK, 0, 0), HVLAB_HC_EINVAL);
	ring->produced = start - 1;
	expect("kick 2^32 - 1 bytes", call(HVLAB_HC_CONSOLE_KICK, 0, 0), HVLAB_HC_EINVAL);
	expect("consumed unchanged", ring->consumed, start);
	ring->produced = start + 32;
	expect("kick 32 bytes", call(HVLAB_HC_CONSOLE_KICK, 0, 0), 32);
	expect("consumed wrapped", ring->consumed, start + 32);

	/* A guest that rewrites consumed does not make hvlab print twice */
	ring->data[(start + 32) & 63] = 'o';
	ring->data[(start + 33) & 63] = 'k';
	ring->data[(start + 34) & 63] = '\n';
	ring->consumed = 0x12345;
	ring->produced = start + 35;
	expect("kick 3 bytes", call(HVLAB_HC_CONSOLE_KICK, 0, 0), 3);
	expect("consumed rewritten", ring->consumed, start + 35);
	expect("kick nothing", call(HVLAB_HC_CONSOLE_KICK, 0, 0), 0);
	expect("ring off", call(HVLAB_HC_CONSOLE_RING, 0, 0), 0);
	expect("no ring again", call(HVLAB_HC_CONSOLE_KICK, 0, 0), HVLAB_HC_EINVAL);
}

int main(void)
{
	int extra = inl(PV_LAYOUT_PORT) == 1;
	uintptr_t ram_end = extra ? EXTRA_RAM_END : LOW_RAM_END;

	console_write_refusals(ram_end, extra);
	get_time_refusals(ram_end);
	ring_refusals(ram_end);
	hv_puts("pv_hostile ok\n");
	return 0;
}
