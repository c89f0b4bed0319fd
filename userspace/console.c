// SPDX-License-Identifier: GPL-2.0
/* console.c - the guest's console made safe for a terminal (console.h). */
#include "console.h"

size_t hv_console_escape(char *out, const void *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r') {
			out[n++] = c;
		} else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = 0;
	return n;
}
