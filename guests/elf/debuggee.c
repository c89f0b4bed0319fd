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
 *               own, until gdb interrupts it and sets it back to 0.
 */
#include "hvguest.h"

const unsigned char pattern[8] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67 };
volatile int spin;
volatile int first = 2, second = 3;

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
	if (spin) {
		hv_puts("debuggee: spinning\n");
		while (spin)
			;
	}
	hv_puts("debuggee: done\n");
	return 7;
}
