// SPDX-License-Identifier: GPL-2.0
/*
 * insn.c - host-side tests of the MMIO instruction decoder that hvlab.ko
 * uses (module/insn.c, compiled here unchanged).
 */
#include "kselftest_harness.h"
#include "insn.h"

struct insn_case {
	const char *what;
	int bits;
	unsigned char bytes[15];
	unsigned int n;
	/* expected */
	enum insn_kind kind;
	int length, mem_size, reg_size, reg, high_byte;
	unsigned long long imm;
};

static const struct insn_case cases[] = {
	{ "movw $0x748,%es:0 (16-bit)", 16, { 0x26, 0xc7, 0x06, 0, 0, 0x48, 0x07 }, 7,
	  INSN_STORE_IMM, 7, 2, 0, 0, 0, 0x748 },
	{ "mov %es:2,%bx (16-bit)", 16, { 0x26, 0x8b, 0x1e, 2, 0 }, 5,
	  INSN_LOAD, 5, 2, 2, 3, 0, 0 },
	{ "mov %al,(%bx)", 16, { 0x88, 0x07 }, 2, INSN_STORE_REG, 2, 1, 1, 0, 0, 0 },
	{ "mov %ah,(%bx+si+8)", 16, { 0x88, 0x60, 0x08 }, 3, INSN_STORE_REG, 3, 1, 1, 0, 1, 0 },
	{ "mov %eax,(%bx) with 0x66", 16, { 0x66, 0x89, 0x07 }, 3, INSN_STORE_REG, 3, 4, 4, 0, 0, 0 },
	{ "mov 0x1234,%al (moffs16)", 16, { 0xa0, 0x34, 0x12 }, 3, INSN_LOAD, 3, 1, 1, 0, 0, 0 },
	{ "mov %eax,0xfee00000 (32-bit moffs)", 32, { 0xa3, 0, 0, 0xe0, 0xfe }, 5,
	  INSN_STORE_REG, 5, 4, 4, 0, 0, 0 },
	{ "mov %ecx,0x10(%eax,%ebx,4)", 32, { 0x89, 0x4c, 0x98, 0x10 }, 4,
	  INSN_STORE_REG, 4, 4, 4, 1, 0, 0 },
	{ "mov 0xfec00000,%edx (disp32)", 32, { 0x8b, 0x15, 0, 0, 0xc0, 0xfe }, 6,
	  INSN_LOAD, 6, 4, 4, 2, 0, 0 },
	{ "mov (%esp),%edi (SIB, no base disp)", 32, { 0x8b, 0x3c, 0x24 }, 3, INSN_LOAD, 3, 4, 4, 7, 0, 0 },
	{ "mov 0x0(,%eax,1),%ebx (SIB base=5 mod=0)", 32, { 0x8b, 0x1c, 0x05, 0, 0, 0, 0 }, 7,
	  INSN_LOAD, 7, 4, 4, 3, 0, 0 },
	{ "movb $0x41,(%edi)", 32, { 0xc6, 0x07, 0x41 }, 3, INSN_STORE_IMM, 3, 1, 0, 0, 0, 0x41 },
	{ "movzbl (%esi),%eax", 32, { 0x0f, 0xb6, 0x06 }, 3, INSN_LOAD_ZERO_EXTEND, 3, 1, 4, 0, 0, 0 },
	{ "movzwl 4(%esi),%ecx", 32, { 0x0f, 0xb7, 0x4e, 0x04 }, 4, INSN_LOAD_ZERO_EXTEND, 4, 2, 4, 1, 0, 0 },
	{ "mov %r9,(%rdi) (REX.WR)", 64, { 0x4c, 0x89, 0x0f }, 3, INSN_STORE_REG, 3, 8, 8, 9, 0, 0 },
	{ "mov %sil,(%rdi) (REX: no AH)", 64, { 0x40, 0x88, 0x37 }, 3, INSN_STORE_REG, 3, 1, 1, 6, 0, 0 },
	{ "movq $-1,0x10(%rip)", 64, { 0x48, 0xc7, 0x05, 0x10, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, 11,
	  INSN_STORE_IMM, 11, 8, 0, 0, 0, ~0ULL },
	{ "mov 0x20(%rbx),%r12d", 64, { 0x44, 0x8b, 0x63, 0x20 }, 4, INSN_LOAD, 4, 4, 4, 12, 0, 0 },
	{ "mov %ax,(%rdx) (0x66 in 64-bit)", 64, { 0x66, 0x89, 0x02 }, 3, INSN_STORE_REG, 3, 2, 2, 0, 0, 0 },
	{ "movabs 0xfee000b0,%eax (moffs64)", 64, { 0xa1, 0xb0, 0, 0xe0, 0xfe, 0, 0, 0, 0 }, 9,
	  INSN_LOAD, 9, 4, 4, 0, 0, 0 },
};

TEST(decodes_the_mov_forms)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct insn_case *c = &cases[i];
		struct insn insn;

		ASSERT_EQ(0, insn_decode(c->bytes, c->n, c->bits, &insn)) TH_LOG("%s", c->what);
		EXPECT_EQ(c->kind, insn.kind) TH_LOG("%s", c->what);
		EXPECT_EQ(c->length, insn.length) TH_LOG("%s", c->what);
		EXPECT_EQ(c->mem_size, insn.mem_size) TH_LOG("%s", c->what);
		if (c->kind != INSN_STORE_IMM) {
			EXPECT_EQ(c->reg_size, insn.reg_size) TH_LOG("%s", c->what);
			EXPECT_EQ(c->reg, insn.reg) TH_LOG("%s", c->what);
			EXPECT_EQ(c->high_byte, insn.high_byte) TH_LOG("%s", c->what);
		} else {
			EXPECT_EQ(c->imm, insn.imm) TH_LOG("%s", c->what);
		}
	}
}

/* Beyond MOV: what mmio_ops.c emulates, with the fields it relies on */
struct op_case {
	const char *what;
	int bits;
	unsigned char bytes[15];
	unsigned int n;
	/* expected */
	enum insn_kind kind;
	int op, length, mem_size, reg, high_byte, src_is_imm, mem_is_dest, writes_mem;
	unsigned long long imm;
};

static const struct op_case op_cases[] = {
	{ "add %eax,(%edi)", 32, { 0x01, 0x07 }, 2,
	  INSN_ALU, INSN_OP_ADD, 2, 4, 0, 0, 0, 1, 1, 0 },
	{ "or (%ebx),%ch", 32, { 0x0a, 0x2b }, 2,
	  INSN_ALU, INSN_OP_OR, 2, 1, 1, 1, 0, 0, 0, 0 },
	{ "sbb 4(%esi),%dx", 32, { 0x66, 0x1b, 0x56, 0x04 }, 4,
	  INSN_ALU, INSN_OP_SBB, 4, 2, 2, 0, 0, 0, 0, 0 },
	{ "cmp %ecx,(%eax) writes nothing", 32, { 0x39, 0x08 }, 2,
	  INSN_ALU, INSN_OP_CMP, 2, 4, 1, 0, 0, 1, 0, 0 },
	{ "andl $-3,(%edx) (83: imm8 sign-extended)", 32, { 0x83, 0x22, 0xfd }, 3,
	  INSN_ALU, INSN_OP_AND, 3, 4, 0, 0, 1, 1, 1, ~2ULL },
	{ "xorw $0x8001,2(%ecx) (81, 16-bit)", 32, { 0x66, 0x81, 0x71, 0x02, 0x01, 0x80 }, 6,
	  INSN_ALU, INSN_OP_XOR, 6, 2, 0, 0, 1, 1, 1, 0xffffffffffff8001ULL },
	{ "subq $-0x7ff0,(%rax) (81, imm32 to 64)", 64, { 0x48, 0x81, 0x28, 0x10, 0x80, 0xff, 0xff }, 7,
	  INSN_ALU, INSN_OP_SUB, 7, 8, 0, 0, 1, 1, 1, 0xffffffffffff8010ULL },
	{ "cmpb $0x81,-1(%ebx) (80)", 32, { 0x80, 0x7b, 0xff, 0x81 }, 4,
	  INSN_ALU, INSN_OP_CMP, 4, 1, 0, 0, 1, 1, 0, 0xffffffffffffff81ULL },
	{ "adc (%rsi),%r11 (REX.WR)", 64, { 0x4c, 0x13, 0x1e }, 3,
	  INSN_ALU, INSN_OP_ADC, 3, 8, 11, 0, 0, 0, 0, 0 },
	{ "lock orl %eax,(%edx)", 32, { 0xf0, 0x09, 0x02 }, 3,
	  INSN_ALU, INSN_OP_OR, 3, 4, 0, 0, 0, 1, 1, 0 },
	{ "testb %bh,3(%eax)", 32, { 0x84, 0x78, 0x03 }, 3,
	  INSN_ALU, INSN_OP_TEST, 3, 1, 3, 1, 0, 1, 0, 0 },
	{ "testl $0x80000001,(%ebx) (F7 /0)", 32, { 0xf7, 0x03, 0x01, 0, 0, 0x80 }, 6,
	  INSN_ALU, INSN_OP_TEST, 6, 4, 0, 0, 1, 1, 0, 0xffffffff80000001ULL },
	{ "xchg %ah,1(%ecx)", 32, { 0x86, 0x61, 0x01 }, 3,
	  INSN_XCHG, 0, 3, 1, 0, 1, 0, 0, 0, 0 },
	{ "xchg %r9,(%rdi)", 64, { 0x4c, 0x87, 0x0f }, 3,
	  INSN_XCHG, 0, 3, 8, 9, 0, 0, 0, 0, 0 },
	{ "bt %edx,(%eax)", 32, { 0x0f, 0xa3, 0x10 }, 3,
	  INSN_BIT, INSN_OP_BT, 3, 4, 2, 0, 0, 1, 0, 0 },
	{ "btsw %cx,4(%eax)", 32, { 0x66, 0x0f, 0xab, 0x48, 0x04 }, 5,
	  INSN_BIT, INSN_OP_BTS, 5, 2, 1, 0, 0, 1, 1, 0 },
	{ "btr %eax,(%ebx)", 32, { 0x0f, 0xb3, 0x03 }, 3,
	  INSN_BIT, INSN_OP_BTR, 3, 4, 0, 0, 0, 1, 1, 0 },
	{ "btcq $63,(%rsi) (0F BA /7)", 64, { 0x48, 0x0f, 0xba, 0x3e, 0x3f }, 5,
	  INSN_BIT, INSN_OP_BTC, 5, 8, 0, 0, 1, 1, 1, 63 },
	{ "movsbl (%esi),%edi", 32, { 0x0f, 0xbe, 0x3e }, 3,
	  INSN_LOAD_SIGN_EXTEND, 0, 3, 1, 7, 0, 0, 0, 0, 0 },
	{ "movswq 2(%rax),%r8", 64, { 0x4c, 0x0f, 0xbf, 0x40, 0x02 }, 5,
	  INSN_LOAD_SIGN_EXTEND, 0, 5, 2, 8, 0, 0, 0, 0, 0 },
	{ "movslq 4(%rdx),%rcx (63, MOVSXD)", 64, { 0x48, 0x63, 0x4a, 0x04 }, 4,
	  INSN_LOAD_SIGN_EXTEND, 0, 4, 4, 1, 0, 0, 0, 0, 0 },
	{ "addl $0x12345678,0x10(%eax,%ebx,4) (SIB, disp8, imm32)", 32,
	  { 0x81, 0x44, 0x98, 0x10, 0x78, 0x56, 0x34, 0x12 }, 8,
	  INSN_ALU, INSN_OP_ADD, 8, 4, 0, 0, 1, 1, 1, 0x12345678 },
	{ "addq $1,0x10(%rip) (RIP-relative, imm8)", 64,
	  { 0x48, 0x83, 0x05, 0x10, 0, 0, 0, 0x01 }, 8,
	  INSN_ALU, INSN_OP_ADD, 8, 8, 0, 0, 1, 1, 1, 1 },
	{ "orw $0x8000,(%bx,%si) (16-bit)", 16, { 0x81, 0x08, 0x00, 0x80 }, 4,
	  INSN_ALU, INSN_OP_OR, 4, 2, 0, 0, 1, 1, 1, 0xffffffffffff8000ULL },
	{ "lock btsl $3,(%ecx)", 32, { 0xf0, 0x0f, 0xba, 0x29, 0x03 }, 5,
	  INSN_BIT, INSN_OP_BTS, 5, 4, 0, 0, 1, 1, 1, 3 },
	{ "addb %r9b,1(%rax)", 64, { 0x44, 0x00, 0x48, 0x01 }, 4,
	  INSN_ALU, INSN_OP_ADD, 4, 1, 9, 0, 0, 1, 1, 0 },
};

TEST(decodes_what_mmio_ops_emulates)
{
	unsigned int i;

	for (i = 0; i < sizeof(op_cases) / sizeof(op_cases[0]); i++) {
		const struct op_case *c = &op_cases[i];
		struct insn insn;

		ASSERT_EQ(0, insn_decode(c->bytes, c->n, c->bits, &insn)) TH_LOG("%s", c->what);
		EXPECT_EQ(c->kind, insn.kind) TH_LOG("%s", c->what);
		EXPECT_EQ(c->length, insn.length) TH_LOG("%s", c->what);
		EXPECT_EQ(c->mem_size, insn.mem_size) TH_LOG("%s", c->what);
		EXPECT_EQ(c->src_is_imm, insn.src_is_imm) TH_LOG("%s", c->what);
		EXPECT_EQ(c->writes_mem, insn.writes_mem) TH_LOG("%s", c->what);
		if (c->kind == INSN_ALU || c->kind == INSN_BIT) {
			EXPECT_EQ(c->op, insn.op) TH_LOG("%s", c->what);
			EXPECT_EQ(c->mem_is_dest, insn.mem_is_dest) TH_LOG("%s", c->what);
		}
		if (c->src_is_imm) {
			EXPECT_EQ(c->imm, insn.imm) TH_LOG("%s", c->what);
		} else {
			EXPECT_EQ(c->reg, insn.reg) TH_LOG("%s", c->what);
			EXPECT_EQ(c->high_byte, insn.high_byte) TH_LOG("%s", c->what);
		}
	}
}

TEST(decodes_movs_and_stos)
{
	static const unsigned char rep_movsb_fs[] = { 0x64, 0xf3, 0xa4 };
	static const unsigned char addr32_rep_stosq[] = { 0x67, 0xf3, 0x48, 0xab };
	static const unsigned char movsw16[] = { 0xa5 };
	static const unsigned char repne_movsl[] = { 0xf2, 0xa5 };
	struct insn insn;

	ASSERT_EQ(0, insn_decode(rep_movsb_fs, 3, 64, &insn));
	EXPECT_EQ(INSN_MOVS, insn.kind);
	EXPECT_EQ(1, insn.mem_size);
	EXPECT_EQ(8, insn.addr_size);
	EXPECT_EQ(INSN_SEG_FS, insn.segment);
	EXPECT_TRUE(insn.rep);
	EXPECT_EQ(3, insn.length);

	ASSERT_EQ(0, insn_decode(addr32_rep_stosq, 4, 64, &insn));
	EXPECT_EQ(INSN_STOS, insn.kind);
	EXPECT_EQ(8, insn.mem_size);
	EXPECT_EQ(4, insn.addr_size);
	EXPECT_EQ(0, insn.reg);
	EXPECT_TRUE(insn.rep);

	ASSERT_EQ(0, insn_decode(movsw16, 1, 16, &insn));
	EXPECT_EQ(INSN_MOVS, insn.kind);
	EXPECT_EQ(2, insn.mem_size);
	EXPECT_EQ(2, insn.addr_size);
	EXPECT_EQ(INSN_SEG_DS, insn.segment);
	EXPECT_FALSE(insn.rep);

	/* REPNE repeats MOVS as REP does */
	ASSERT_EQ(0, insn_decode(repne_movsl, 2, 32, &insn));
	EXPECT_TRUE(insn.rep);
	EXPECT_EQ(4, insn.mem_size);
}

TEST(refuses_what_it_cannot_emulate)
{
	static const unsigned char reg_to_reg[] = { 0x89, 0xc0 };	/* mov %eax,%eax */
	static const unsigned char add[] = { 0x01, 0x07 };		/* add %eax,(%edi) */
	static const unsigned char add_reg[] = { 0x01, 0xc7 };		/* add %eax,%edi */
	static const unsigned char not_mem[] = { 0xf7, 0x17 };		/* notl (%edi) */
	static const unsigned char bt_imm[] = { 0x0f, 0xba, 0x27, 1 };	/* btl $1,(%edi): 0F BA /4 */
	static const unsigned char bt_bad[] = { 0x0f, 0xba, 0x1f, 1 };	/* /3 */
	static const unsigned char arpl[] = { 0x63, 0x07 };		/* ARPL outside 64-bit mode */
	static const unsigned char add_al[] = { 0x04, 0x01 };		/* add $1,%al: no memory */
	/* LOCK only with a read-modify-write: the CPU's #UD comes first */
	static const unsigned char lock_mov[] = { 0xf0, 0x89, 0x07 };
	static const unsigned char lock_cmp[] = { 0xf0, 0x39, 0x07 };
	static const unsigned char lock_add_to_reg[] = { 0xf0, 0x03, 0x07 };
	static const unsigned char lock_bt[] = { 0xf0, 0x0f, 0xa3, 0x07 };
	static const unsigned char c7_bad_reg[] = { 0xc7, 0x0f, 0, 0, 0, 0 };	/* /1 */
	static const unsigned char truncated[] = { 0x8b, 0x15, 0, 0 };
	static const unsigned char prefixes[15] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
						    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
	struct insn insn;

	EXPECT_GT(0, insn_decode(reg_to_reg, sizeof(reg_to_reg), 32, &insn));
	EXPECT_GT(0, insn_decode(add_reg, sizeof(add_reg), 32, &insn));
	EXPECT_GT(0, insn_decode(not_mem, sizeof(not_mem), 32, &insn));
	EXPECT_EQ(0, insn_decode(bt_imm, sizeof(bt_imm), 32, &insn));
	EXPECT_GT(0, insn_decode(bt_bad, sizeof(bt_bad), 32, &insn));
	EXPECT_GT(0, insn_decode(arpl, sizeof(arpl), 32, &insn));
	EXPECT_GT(0, insn_decode(add_al, sizeof(add_al), 32, &insn));
	EXPECT_GT(0, insn_decode(lock_mov, sizeof(lock_mov), 32, &insn));
	EXPECT_GT(0, insn_decode(lock_cmp, sizeof(lock_cmp), 32, &insn));
	EXPECT_GT(0, insn_decode(lock_add_to_reg, sizeof(lock_add_to_reg), 32, &insn));
	EXPECT_GT(0, insn_decode(lock_bt, sizeof(lock_bt), 32, &insn));
	EXPECT_GT(0, insn_decode(c7_bad_reg, sizeof(c7_bad_reg), 32, &insn));
	EXPECT_GT(0, insn_decode(truncated, sizeof(truncated), 32, &insn));
	EXPECT_GT(0, insn_decode(prefixes, sizeof(prefixes), 32, &insn));
	EXPECT_GT(0, insn_decode(add, 0, 32, &insn));
	EXPECT_GT(0, insn_decode(add, sizeof(add), 8, &insn));
	/* in 32-bit mode 0x48 is DEC EAX, not REX */
	{
		static const unsigned char dec_then_mov[] = { 0x48, 0x89, 0x07 };

		EXPECT_GT(0, insn_decode(dec_then_mov, 3, 32, &insn));
		EXPECT_EQ(0, insn_decode(dec_then_mov, 3, 64, &insn));
		EXPECT_EQ(8, insn.mem_size);
	}
}

TEST_HARNESS_MAIN
