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

TEST(refuses_what_it_cannot_emulate)
{
	static const unsigned char reg_to_reg[] = { 0x89, 0xc0 };	/* mov %eax,%eax */
	static const unsigned char add[] = { 0x01, 0x07 };		/* add %eax,(%edi) */
	static const unsigned char c7_bad_reg[] = { 0xc7, 0x0f, 0, 0, 0, 0 };	/* /1 */
	static const unsigned char truncated[] = { 0x8b, 0x15, 0, 0 };
	static const unsigned char prefixes[15] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
						    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
	struct insn insn;

	EXPECT_GT(0, insn_decode(reg_to_reg, sizeof(reg_to_reg), 32, &insn));
	EXPECT_GT(0, insn_decode(add, sizeof(add), 32, &insn));
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
