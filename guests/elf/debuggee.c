// SPDX-License-Identifier: GPL-2.0
/*
 * debuggee: something for gdb to look at through hvctl gdb
 * (tests/vm/gdb.sh). On its own it prints "debuggee: sum 5", an empty
 * line (step_here's OUT), "debuggee: done" and returns 7 (hvctl exit
 * status 15). Under gdb:
 *
 *   pattern     eight known bytes, for x/8xb pattern;
 *   add_numbers a breakpoint target: the sum printed shows what gdb did
 *               to its argument registers (set $rdi = 40: "sum 43");
 *   step_here   instructions of known length, an OUT among them, for stepi;
 *   spin        set it to 1 and the guest loops, without exits of its
 *               own, until gdb interrupts it and sets it back to 0;
 *   touch_watched
 *               a store to, a load from and an add to `watched`, for
 *               watch, rwatch and awatch (hvctl gdb's watchpoints).
 */
#include "hvguest.h"

const unsigned char pattern[8] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67 };
volatile int spin;
volatile int first = 2, second = 3;
/* 64 bytes of nothing on either side: no other variable's access comes near it */
extern volatile int watched;
__asm__(".data\n.balign 64\n.fill 64\n.globl watched\nwatched: .long 0\n.fill 60\n.text\n");

/*
 * Instructions of known length at known offsets: a store (ends at +10),
 * a load (+16) and a read-modify-write (+23) of `watched`; 32-bit: +10,
 * +15 and +22.
 */
void touch_watched(void);
#ifdef __x86_64__
__asm__(".globl touch_watched\n"
	"touch_watched:\n"
	"	movl $5, watched(%rip)\n"
	"	movl watched(%rip), %eax\n"
	"	addl $1, watched(%rip)\n"
	"	ret\n");
#else
__asm__(".globl touch_watched\n"
	"touch_watched:\n"
	"	movl $5, watched\n"
	"	movl watched, %eax\n"
	"	addl $1, watched\n"
	"	ret\n");
#endif

/* noipa: gcc must neither inline it nor fold the call's result. */
__attribute__((noipa)) int add_numbers(int a, int b)
{
	return a + b;
}

/*
 * Instructions of known length for stepi: a 1-byte NOP, a 5-byte MOV, a
 * 2-byte MOV and a 2-byte OUT, which prints an empty line.
 */
void step_here(void);
__asm__(".globl step_here\n"
	"step_here:\n"
	"	nop\n"
	"	mov $0x12345678, %eax\n"
	"	mov $0x0a, %al\n"
	"	out %al, $0xe9\n"
	"	ret\n");

int main(void)
{
	int sum = add_numbers(first, second);

	hv_printf("debuggee: sum %d\n", sum);
	step_here();
	touch_watched();
	if (spin) {
		hv_puts("debuggee: spinning\n");
		while (spin)
			;
	}
	hv_puts("debuggee: done\n");
	return 7;
}
