// SPDX-License-Identifier: GPL-2.0
/*
 * insn.c - decode the instructions used for MMIO (see insn.h).
 *
 * Opcode and ModRM layouts follow the SDM Vol. 2, chapter 2 (instruction
 * format), its opcode map (Appendix A) and the pages of each instruction.
 */
#include "insn.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif

struct decoder {
	const u8 *bytes;
	unsigned int avail, pos;
	bool lock;		/* an F0 prefix */
};

static int next_byte(struct decoder *d)
{
	if (d->pos >= d->avail || d->pos >= INSN_MAX_LENGTH)
		return -1;
	return d->bytes[d->pos++];
}

static int skip(struct decoder *d, unsigned int n)
{
	if (d->pos + n > d->avail || d->pos + n > INSN_MAX_LENGTH)
		return -1;
	d->pos += n;
	return 0;
}

/* Little-endian immediate of @size bytes, sign-extended to 64 bits. */
static int read_imm(struct decoder *d, unsigned int size, u64 *value)
{
	u64 v = 0;
	unsigned int i;

	if (d->pos + size > d->avail || d->pos + size > INSN_MAX_LENGTH)
		return -1;
	for (i = 0; i < size; i++)
		v |= (u64)d->bytes[d->pos + i] << (8 * i);
	d->pos += size;
	if (size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ULL << (8 * size);
	*value = v;
	return 0;
}

/*
 * Consume ModRM and whatever addressing bytes follow it (SIB, displacement).
 * MMIO needs a memory operand, so mod = 3 (a register) is refused.
 */
static int decode_modrm(struct decoder *d, int addr_bits, u8 *reg_field)
{
	int modrm = next_byte(d), mod, rm;

	if (modrm < 0)
		return -1;
	mod = modrm >> 6;
	rm = modrm & 7;
	*reg_field = (modrm >> 3) & 7;
	if (mod == 3)
		return -1;

	if (addr_bits == 16) {		/* SDM Vol. 2, Table 2-1 */
		if (mod == 0 && rm == 6)
			return skip(d, 2);
		return skip(d, mod == 1 ? 1 : mod == 2 ? 2 : 0);
	}

	/* 32- and 64-bit addressing: SDM Vol. 2, Tables 2-2 and 2-3 */
	if (rm == 4) {
		int sib = next_byte(d);

		if (sib < 0)
			return -1;
		if (mod == 0 && (sib & 7) == 5)
			return skip(d, 4);
	}
	if (mod == 0 && rm == 5)
		return skip(d, 4);	/* disp32, RIP-relative in 64-bit mode */
	return skip(d, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

/*
 * The register operand from ModRM.reg and REX.R, and the length. LOCK
 * goes only with a read-modify-write of memory; the CPU raises #UD for
 * it anywhere else (SDM Vol. 2, LOCK), so it cannot have exited here.
 */
static int decode_done(struct decoder *d, struct insn *insn, u8 reg_field, u8 rex)
{
	if (d->lock && !insn->writes_mem && insn->kind != INSN_XCHG)
		return -EINVAL;
	insn->reg = reg_field | ((rex & 4) ? 8 : 0);
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (insn->reg_size == 1 && !rex && reg_field >= 4) {
		insn->high_byte = true;
		insn->reg = reg_field - 4;
	}
	insn->length = d->pos;
	return 0;
}

/* Two-byte opcodes (0F xx): MOVZX, MOVSX and the bit tests. */
static int decode_0f(struct decoder *d, struct insn *insn, int addr_bits, u8 rex)
{
	int op = next_byte(d);
	u8 reg_field;

	if (op < 0 || decode_modrm(d, addr_bits, &reg_field))
		return -EINVAL;
	switch (op) {
	case 0xb6: case 0xb7:		/* MOVZX r, r/m8 or r/m16 */
	case 0xbe: case 0xbf:		/* MOVSX r, r/m8 or r/m16 */
		insn->kind = op <= 0xb7 ? INSN_LOAD_ZERO_EXTEND : INSN_LOAD_SIGN_EXTEND;
		insn->mem_size = (op & 1) ? 2 : 1;
		break;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:	/* BT, BTS, BTR, BTC r/m, r */
		insn->kind = INSN_BIT;
		insn->op = INSN_OP_BT + ((op >> 3) & 3);
		break;
	case 0xba:			/* BT, BTS, BTR, BTC r/m, imm8: /4 to /7 */
		if (reg_field < 4 || read_imm(d, 1, &insn->imm))
			return -EINVAL;
		insn->kind = INSN_BIT;
		insn->op = INSN_OP_BT + reg_field - 4;
		insn->imm &= 0xff;	/* an offset, not sign-extended */
		insn->src_is_imm = true;
		reg_field = 0;
		break;
	default:
		return -EINVAL;
	}
	if (insn->kind == INSN_BIT) {
		insn->mem_is_dest = true;
		insn->writes_mem = insn->op != INSN_OP_BT;
	}
	return decode_done(d, insn, reg_field, rex);
}

int insn_decode(const u8 *bytes, unsigned int avail, int mode_bits,
		struct insn *insn)
{
	struct decoder d = { bytes, avail, 0, false };
	bool opsize_prefix = false, addrsize_prefix = false, rep = false;
	u8 rex = 0, reg_field = 0, segment = INSN_SEG_DS;
	int op, op_bits, addr_bits;

	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return -EINVAL;

	/* Legacy prefixes, in any order (SDM Vol. 2, 2.1.1). */
	for (;;) {
		op = next_byte(&d);
		if (op < 0)
			return -EINVAL;
		if (op == 0x66)
			opsize_prefix = true;
		else if (op == 0x67)
			addrsize_prefix = true;
		else if (op == 0x26 || op == 0x2e || op == 0x36 || op == 0x3e)
			segment = (op >> 3) & 3;	/* ES, CS, SS, DS */
		else if (op == 0x64 || op == 0x65)
			segment = op - 0x64 + INSN_SEG_FS;
		else if (op == 0xf2 || op == 0xf3)
			rep = true;	/* REPNE is REP for MOVS and STOS */
		else if (op == 0xf0)
			d.lock = true;
		else
			break;
	}
	/* REX must come last, right before the opcode (SDM Vol. 2, 2.2.1). */
	if (mode_bits == 64 && (op & 0xf0) == 0x40) {
		rex = op;
		op = next_byte(&d);
		if (op < 0)
			return -EINVAL;
	}

	if (mode_bits == 64) {
		op_bits = (rex & 8) ? 64 : opsize_prefix ? 16 : 32;
		addr_bits = addrsize_prefix ? 32 : 64;
	} else {
		op_bits = (mode_bits == 16) != opsize_prefix ? 16 : 32;
		addr_bits = (mode_bits == 16) != addrsize_prefix ? 16 : 32;
	}

	insn->imm = 0;
	insn->high_byte = false;
	insn->reg_size = op_bits / 8;
	insn->mem_size = op_bits / 8;
	insn->op = 0;
	insn->src_is_imm = false;
	insn->mem_is_dest = false;
	insn->writes_mem = false;
	insn->addr_size = addr_bits / 8;
	insn->segment = segment;
	insn->rep = rep;

	/* ADD, OR, ADC, SBB, AND, SUB, XOR, CMP: r/m,r and r,r/m (00-3B) */
	if (op < 0x40 && (op & 7) < 4) {
		if (decode_modrm(&d, addr_bits, &reg_field))
			return -EINVAL;
		insn->kind = INSN_ALU;
		insn->op = op >> 3;
		insn->mem_is_dest = !(op & 2);
		insn->writes_mem = insn->mem_is_dest && insn->op != INSN_OP_CMP;
		if (!(op & 1))
			insn->reg_size = insn->mem_size = 1;
		return decode_done(&d, insn, reg_field, rex);
	}

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		if (decode_modrm(&d, addr_bits, &reg_field))
			return -EINVAL;
		insn->kind = (op & 2) ? INSN_LOAD : INSN_STORE_REG;
		if (!(op & 1))
			insn->reg_size = insn->mem_size = 1;
		break;
	case 0xc6: case 0xc7:
		if (decode_modrm(&d, addr_bits, &reg_field) || reg_field != 0)
			return -EINVAL;
		insn->kind = INSN_STORE_IMM;
		if (op == 0xc6)
			insn->mem_size = 1;
		/* imm32 is sign-extended for a 64-bit store */
		if (read_imm(&d, insn->mem_size == 8 ? 4 : insn->mem_size, &insn->imm))
			return -EINVAL;
		if (insn->mem_size < 8)
			insn->imm &= ~0ULL >> (64 - 8 * insn->mem_size);
		insn->reg_size = 0;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		/* The moffs operand is as wide as the address size. */
		if (skip(&d, addr_bits / 8))
			return -EINVAL;
		insn->kind = (op & 2) ? INSN_STORE_REG : INSN_LOAD;
		if (!(op & 1))
			insn->reg_size = insn->mem_size = 1;
		reg_field = 0;		/* always AL/AX/EAX/RAX */
		rex &= ~4;
		break;
	case 0x80: case 0x81: case 0x83:	/* ALU r/m, imm: the op is ModRM.reg */
		if (decode_modrm(&d, addr_bits, &reg_field))
			return -EINVAL;
		insn->kind = INSN_ALU;
		insn->op = reg_field;
		insn->src_is_imm = true;
		insn->mem_is_dest = true;
		insn->writes_mem = reg_field != INSN_OP_CMP;
		if (op == 0x80)
			insn->reg_size = insn->mem_size = 1;
		/* Iz is at most 4 bytes; 83's Ib is sign-extended to the size */
		if (read_imm(&d, op == 0x81 ? (insn->mem_size == 8 ? 4 : insn->mem_size) : 1,
			     &insn->imm))
			return -EINVAL;
		reg_field = 0;
		break;
	case 0x84: case 0x85:		/* TEST r/m, r */
	case 0x86: case 0x87:		/* XCHG r/m, r */
		if (decode_modrm(&d, addr_bits, &reg_field))
			return -EINVAL;
		if (op <= 0x85) {
			insn->kind = INSN_ALU;
			insn->op = INSN_OP_TEST;
			insn->mem_is_dest = true;
		} else {
			insn->kind = INSN_XCHG;
		}
		if (!(op & 1))
			insn->reg_size = insn->mem_size = 1;
		break;
	/* TEST r/m, imm: /0, and /1, which the opcode map leaves blank but CPUs run as TEST */
	case 0xf6: case 0xf7:
		if (decode_modrm(&d, addr_bits, &reg_field) || reg_field > 1)
			return -EINVAL;
		insn->kind = INSN_ALU;
		insn->op = INSN_OP_TEST;
		insn->src_is_imm = true;
		insn->mem_is_dest = true;
		if (op == 0xf6)
			insn->reg_size = insn->mem_size = 1;
		if (read_imm(&d, insn->mem_size == 8 ? 4 : insn->mem_size, &insn->imm))
			return -EINVAL;
		reg_field = 0;
		break;
	case 0x63:			/* MOVSXD r, r/m32 (ARPL outside 64-bit mode) */
		if (mode_bits != 64 || decode_modrm(&d, addr_bits, &reg_field))
			return -EINVAL;
		insn->kind = INSN_LOAD_SIGN_EXTEND;
		insn->mem_size = op_bits == 16 ? 2 : 4;
		break;
	case 0xa4: case 0xa5:		/* MOVS: DS:rSI (or a prefix's) to ES:rDI */
	case 0xaa: case 0xab:		/* STOS: AL/AX/EAX/RAX to ES:rDI */
		insn->kind = op <= 0xa5 ? INSN_MOVS : INSN_STOS;
		if (!(op & 1))
			insn->reg_size = insn->mem_size = 1;
		reg_field = 0;
		rex &= ~4;
		break;
	case 0x0f:
		return decode_0f(&d, insn, addr_bits, rex);
	default:
		return -EINVAL;
	}
	return decode_done(&d, insn, reg_field, rex);
}
