// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_insn.c - libFuzzer harness for the MMIO instruction decoder that
 * hvlab.ko runs on guest bytes (module/insn.c, compiled unchanged).
 *
 * Each input is decoded in 16-, 32- and 64-bit mode from an exact-size
 * heap copy, so ASan sees a read past the bytes the guest provided.
 * A decoded instruction must make sense (insn.h), and decode the same
 * from exactly its own bytes: nothing past insn.length was looked at.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct insn *insn, unsigned int avail, int mode)
{
	unsigned int m = insn->mem_size, r = insn->reg_size;

	assert(insn->length >= 1 && insn->length <= avail && insn->length <= INSN_MAX_LENGTH);
	assert(m == 1 || m == 2 || m == 4 || m == 8);
	assert(insn->reg <= 15);
	if (mode != 64)		/* no REX: 8 registers, no 64-bit operands */
		assert(insn->reg <= 7 && m != 8 && r != 8);
	if (insn->high_byte)	/* AH, CH, DH, BH */
		assert(r == 1 && insn->reg <= 3);
	switch (insn->kind) {
	case INSN_STORE_IMM:
		assert(r == 0 && !insn->high_byte);
		assert(m == 8 || insn->imm >> (8 * m) == 0);
		break;
	case INSN_STORE_REG:
	case INSN_LOAD:
		assert(r == m && insn->imm == 0);
		break;
	case INSN_LOAD_ZERO_EXTEND:
		assert((m == 1 || m == 2) && r >= 2 && m <= r && insn->imm == 0);
		break;
	case INSN_LOAD_SIGN_EXTEND:	/* MOVSX; MOVSXD, whose 16- and 32-bit forms copy */
		assert(m != 8 && r >= 2 && m <= r && insn->imm == 0);
		break;
	case INSN_ALU:
		assert(r == m && insn->op <= INSN_OP_TEST);
		assert(!insn->writes_mem || (insn->mem_is_dest && insn->op < INSN_OP_CMP));
		assert(insn->src_is_imm ? insn->mem_is_dest : insn->imm == 0);
		break;
	case INSN_BIT:
		assert(r == m && m >= 2 && insn->op >= INSN_OP_BT && insn->op <= INSN_OP_BTC);
		assert(insn->mem_is_dest && insn->writes_mem == (insn->op != INSN_OP_BT));
		assert(insn->src_is_imm ? insn->imm < 256 : insn->imm == 0);
		break;
	case INSN_XCHG:
		assert(r == m && !insn->src_is_imm && !insn->writes_mem);
		break;
	case INSN_MOVS:
	case INSN_STOS:
		assert(r == m && insn->reg == 0 && !insn->high_byte);
		assert(insn->addr_size == 2 || insn->addr_size == 4 || insn->addr_size == 8);
		assert(mode == 64 || insn->addr_size != 8);
		assert(insn->segment <= INSN_SEG_GS);
		break;
	default:
		assert(!"unknown insn kind");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int modes[] = { 16, 32, 64 };
	struct insn insn, again;
	uint8_t *bytes;

	bytes = malloc(size);	/* exactly size bytes: ASan catches a read past them */
	if (!bytes)
		return 0;
	memcpy(bytes, data, size);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		memset(&insn, 0xa5, sizeof(insn));
		if (insn_decode(bytes, size, modes[i], &insn))
			continue;
		check(&insn, size, modes[i]);
		memset(&again, 0x5a, sizeof(again));
		assert(insn_decode(bytes, insn.length, modes[i], &again) == 0);
		assert(again.kind == insn.kind && again.length == insn.length &&
		       again.mem_size == insn.mem_size && again.reg_size == insn.reg_size &&
		       again.reg == insn.reg && again.high_byte == insn.high_byte &&
		       again.imm == insn.imm && again.op == insn.op &&
		       again.src_is_imm == insn.src_is_imm && again.mem_is_dest == insn.mem_is_dest &&
		       again.writes_mem == insn.writes_mem && again.addr_size == insn.addr_size &&
		       again.segment == insn.segment && again.rep == insn.rep);
		/* one byte fewer is not enough */
		assert(insn_decode(bytes, insn.length - 1, modes[i], &again) != 0);
	}
	assert(insn_decode(bytes, size, 8, &insn) != 0);	/* no such mode */
	free(bytes);
	return 0;
}
