/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insn.h - a deliberately small x86 decoder for MMIO emulation.
 *
 * When a guest touches a guest-physical address with no memory behind it,
 * the EPT violation says where and whether it was a read or a write, but
 * not which register or how many bytes: that is in the instruction. This
 * decoder understands the MOV forms that device drivers use (MOV to and
 * from memory, MOV immediate, MOV with moffs, MOVZX) and nothing else.
 *
 * It is plain C with no kernel dependencies, so hvctl's host-side unit
 * tests compile and test the very same file.
 */
#ifndef HVLAB_INSN_H
#define HVLAB_INSN_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint64_t u64;
#endif

#define INSN_MAX_LENGTH	15

enum insn_kind {
	INSN_STORE_REG,		/* MOV m, r      (88, 89, A2, A3) */
	INSN_STORE_IMM,		/* MOV m, imm    (C6, C7) */
	INSN_LOAD,		/* MOV r, m      (8A, 8B, A0, A1) */
	INSN_LOAD_ZERO_EXTEND,	/* MOVZX r, m    (0F B6, 0F B7) */
};

struct insn {
	enum insn_kind kind;
	u8 length;		/* bytes, prefixes included */
	u8 mem_size;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	u8 reg_size;		/* size of the register operand */
	u8 reg;			/* register number 0-15 (RAX = 0) */
	bool high_byte;		/* AH, CH, DH or BH (reg is RAX..RBX) */
	u64 imm;		/* INSN_STORE_IMM: the value, already extended */
};

/*
 * Decode one instruction from @bytes (@avail of them are valid) for a CPU
 * whose default operand and address size is @mode_bits (16, 32 or 64).
 * Returns 0 or a negative value for anything outside the supported set.
 */
int insn_decode(const u8 *bytes, unsigned int avail, int mode_bits,
		struct insn *insn);

#endif /* HVLAB_INSN_H */
