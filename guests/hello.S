/* SPDX-License-Identifier: GPL-2.0 */
/* hello: print a greeting on the debug console, then halt. */
#include "guest.h"

start:
	PUTS msg
	HALT

	GUEST_LIB
msg:	.asciz "Hello from an hvlab guest!\n"
