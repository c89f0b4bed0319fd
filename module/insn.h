/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insn.h - a deliberately small x86 decoder for MMIO emulation.
 *
 * When a guest touches a guest-physical address with no memory behind it,
 * the EPT violation says where and whether it was a read or a write, but
 * not which register or how many bytes: that is in the instruction. This
 * decoder understands what compilers emit against device memory: the MOV
 * forms (MOV to and from memory, MOV immediate, MOV with moffs, MOVZX,
 * MOVSX), the ALU instructions with a memory operand (ADD, OR, ADC, SBB,
 * AND, SUB, XOR, CMP, TEST), XCHG, BT/BTS/BTR/BTC, and MOVS and STOS,
 * with or without REP. Nothing else.
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
	/* The kinds after these are mmio_ops.c's (lab 4 does the four above) */
	INSN_LOAD_SIGN_EXTEND,	/* MOVSX r, m (0F BE, 0F BF), MOVSXD r, m (63, 64-bit) */
	INSN_ALU,		/* insn.op with m,r / r,m / m,imm (00-3B, 80-83, 84-85, F6-F7) */
	INSN_BIT,		/* BT, BTS, BTR, BTC m, r (0F A3/AB/B3/BB) or m, imm8 (0F BA) */
	INSN_XCHG,		/* XCHG m, r (86, 87) */
	INSN_MOVS,		/* MOVS (A4, A5), REP too */
	INSN_STOS,		/* STOS (AA, AB), REP too */
};

/* INSN_ALU and INSN_BIT: the operation; 0-7 are the ALU's own encoding */
enum insn_op {
	INSN_OP_ADD, INSN_OP_OR, INSN_OP_ADC, INSN_OP_SBB,
	INSN_OP_AND, INSN_OP_SUB, INSN_OP_XOR, INSN_OP_CMP,
	INSN_OP_TEST, INSN_OP_BT, INSN_OP_BTS, INSN_OP_BTR, INSN_OP_BTC,
};

/* Segment prefixes, numbered as the VMCS's instruction information does */
enum insn_segment {
	INSN_SEG_ES, INSN_SEG_CS, INSN_SEG_SS, INSN_SEG_DS, INSN_SEG_FS, INSN_SEG_GS,
};

struct insn {
	enum insn_kind kind;
	u8 length;		/* bytes, prefixes included */
	u8 mem_size;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	u8 reg_size;		/* size of the register operand */
	u8 reg;			/* register number 0-15 (RAX = 0) */
	bool high_byte;		/* AH, CH, DH or BH (reg is RAX..RBX) */
	u64 imm;		/* the immediate: STORE_IMM's cut to its size, else sign-extended */
	/* INSN_ALU and INSN_BIT: */
	u8 op;			/* enum insn_op */
	bool src_is_imm;	/* the operand besides memory is imm, not reg */
	bool mem_is_dest;	/* memory is the first operand (m,r / m,imm) */
	bool writes_mem;	/* the result goes back to memory: read, then write */
	/* INSN_MOVS and INSN_STOS: */
	u8 addr_size;		/* bytes of rSI, rDI and rCX used: 2, 4 or 8 */
	u8 segment;		/* MOVS: the source's segment (enum insn_segment) */
	bool rep;		/* an F2 or F3 prefix: rCX counts the elements */
};

/*
 * Decode one instruction from @bytes (@avail of them are valid) for a CPU
 * whose default operand and address size is @mode_bits (16, 32 or 64).
 * Returns 0 or a negative value for anything outside the supported set.
 */
int insn_decode(const u8 *bytes, unsigned int avail, int mode_bits,
		struct insn *insn);

#endif /* HVLAB_INSN_H */
