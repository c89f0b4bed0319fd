/* SPDX-License-Identifier: GPL-2.0 */
/*
 * console - what hvctl shows of the guest's console (port 0xe9, COM1).
 *
 * The guest is not trusted with the user's terminal: an ESC sequence can
 * clear the screen, move the cursor over earlier output, retitle the
 * window or, on some terminals, make the terminal type an answer. So
 * hvctl shows control bytes as "\x1b" unless --raw-console.
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>

/*
 * Copy len bytes of console output to out, NUL-terminated: printable
 * ASCII, tab, newline and carriage return as they are, every other byte
 * (C0 controls, DEL, and 0x80-0xff, which hold the C1 controls) as
 * \xNN. out has room for 4 * len + 1 bytes. Returns the length written.
 */
size_t hv_console_escape(char *out, const void *in, size_t len);

#endif
