/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disasm - guest instructions in words, with capstone (Intel syntax), in
 * the CPU mode the guest is in. hvctl only: the tests do not link capstone.
 */
#ifndef HV_DISASM_H
#define HV_DISASM_H

#include <stddef.h>
#include <stdint.h>
#include "../include/uapi/hvlab.h"

/*
 * 16, 32 or 64: the code size of the guest now, from CR0.PE, RFLAGS.VM,
 * EFER.LMA and CS.L/D (SDM Vol. 3, 5.2.1).
 */
int hv_code_bits(const struct hvlab_sregs *sregs, uint64_t rflags);
/* "real mode", "virtual-8086 mode", "protected mode", "compatibility mode", "64-bit mode" */
const char *hv_cpu_mode_name(const struct hvlab_sregs *sregs, uint64_t rflags);

/*
 * Disassemble the instruction at code[0..len) (addr is its address, for
 * branch targets): its text ("out dx, al") goes to buf. Returns its
 * length in bytes, or 0 if the bytes are no valid instruction.
 */
unsigned int hv_disasm(const uint8_t *code, size_t len, uint64_t addr, int bits,
		       char *buf, size_t buflen);

#endif
