// SPDX-License-Identifier: GPL-2.0
/* lib.c - console, exit and hypercall helpers for C guests (hvguest.h). */
#include "hvguest.h"

void hv_putc(char c)
{
	outb(HV_DEBUG_PORT, c);
}

void hv_puts(const char *s)
{
	while (*s)
		hv_putc(*s++);
}

/*
 * v / base, leaving the remainder: 64-bit division without libgcc, which
 * 32-bit code would otherwise need (bit by bit, as on paper).
 */
static unsigned int divide(unsigned long long *v, unsigned int base)
{
	uint32_t hi = *v >> 32, lo = (uint32_t)*v, quotient_lo = 0;
	uint64_t rest = hi % base;
	int bit;

	for (bit = 31; bit >= 0; bit--) {
		rest = rest << 1 | ((lo >> bit) & 1);
		quotient_lo <<= 1;
		if (rest >= base) {
			rest -= base;
			quotient_lo |= 1;
		}
	}
	*v = (uint64_t)(hi / base) << 32 | quotient_lo;
	return rest;
}

static void put_number(unsigned long long v, unsigned int base, int width, char pad,
		       int negative)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[divide(&v, base)];
	} while (v);
	if (negative)
		buf[n++] = '-';
	while (width-- > n)
		hv_putc(pad);
	while (n)
		hv_putc(buf[--n]);
}

void hv_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int longs = 0, width = 0;
		char pad = ' ';
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			hv_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
			s = longs > 1 ? va_arg(ap, long long) :
			    longs ? va_arg(ap, long) : va_arg(ap, int);
			put_number(s < 0 ? -(unsigned long long)s : (unsigned long long)s,
				   10, width, pad, s < 0);
			break;
		case 'u':
		case 'x':
			u = longs > 1 ? va_arg(ap, unsigned long long) :
			    longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			put_number(u, *fmt == 'u' ? 10 : 16, width, pad, 0);
			break;
		case 'p':
			hv_puts("0x");
			put_number((uintptr_t)va_arg(ap, void *), 16, width, pad, 0);
			break;
		case 's':
			hv_puts(va_arg(ap, const char *));
			break;
		case 'c':
			hv_putc(va_arg(ap, int));
			break;
		case '%':
			hv_putc('%');
			break;
		default:	/* unknown: print it as written */
			hv_putc('%');
			hv_putc(*fmt);
			if (!*fmt)
				return;
			break;
		}
	}
}

void hv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hv_vprintf(fmt, ap);
	va_end(ap);
}

void hv_exit(uint8_t value)
{
	outb(HV_EXIT_PORT, value);
	hv_halt();	/* only if nobody listens on the exit port */
}

void hv_todo(int lab, const char *fn)
{
	hv_printf("not implemented (lab %d): %s\n", lab, fn);
	hv_exit(0x7f);
}

void hv_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * VMCALL: function in RAX, arguments in RBX, RCX, RDX, RSI (the same
 * registers as KVM's hypercalls), result in RAX. In 32-bit mode the E
 * registers. docs/hypercalls.md lists the functions.
 */
unsigned long hv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
			   unsigned long a2, unsigned long a3)
{
	unsigned long ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			 : "memory");
	return ret;
}

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (; n; n--, pa++, pb++)
		if (*pa != *pb)
			return *pa - *pb;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
