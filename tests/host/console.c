// SPDX-License-Identifier: GPL-2.0
/*
 * console.c - host-side tests of what hvctl shows of the guest's console
 * (userspace/console.c): text as it is, terminal controls escaped
 * (audit S4-4: a guest must not drive the user's terminal).
 */
#include <string.h>

#include "kselftest_harness.h"
#include "console.h"

static const char *escape(const char *in, size_t len, char *out)
{
	size_t n = hv_console_escape(out, in, len);

	if (strlen(out) != n)
		return "(length mismatch)";
	return out;
}

TEST(text_is_unchanged)
{
	char out[4 * 64 + 1];
	const char *text = "Hello from the guest!\tx = 0x7c00 ~{|}\\\r\n";

	EXPECT_STREQ(text, escape(text, strlen(text), out));
	EXPECT_STREQ("", escape("", 0, out));
}

TEST(terminal_controls_are_escaped)
{
	char out[4 * 64 + 1];

	/* ESC [ 2 J clears the screen; ESC ] 0 ; ... BEL retitles the window */
	EXPECT_STREQ("\\x1b[2J", escape("\x1b[2J", 4, out));
	EXPECT_STREQ("\\x1b]0;pwned\\x07", escape("\x1b]0;pwned\x07", 10, out));
	EXPECT_STREQ("a\\x08b\\x7f", escape("a\bb\x7f", 4, out));
	EXPECT_STREQ("\\x00\\x0b\\x0c\\x1f", escape("\0\v\f\x1f", 4, out));
	/* C1 controls: 0x9b is CSI to an 8-bit terminal, U+009B (c2 9b) to xterm */
	EXPECT_STREQ("\\x9b2J\\xc2\\x9b", escape("\x9b" "2J\xc2\x9b", 5, out));
	EXPECT_STREQ("\\xff", escape("\xff", 1, out));
}

TEST(every_byte)
{
	char out[4 * 256 + 1], in[256];
	size_t n;
	int c;

	for (c = 0; c < 256; c++)
		in[c] = c;
	n = hv_console_escape(out, in, sizeof(in));
	/* 95 printable ASCII bytes and \t \n \r as they are, 158 others as \xNN */
	EXPECT_EQ(95 + 3 + 4 * 158, n);
	for (size_t i = 0; i < n; i++)
		EXPECT_TRUE((out[i] >= 0x20 && out[i] < 0x7f) || out[i] == '\t' ||
			    out[i] == '\n' || out[i] == '\r');
}

TEST_HARNESS_MAIN
