// SPDX-License-Identifier: GPL-2.0
/*
 * desc.c - the descriptor-table instructions, under "descriptor-table
 * exiting" (HVLAB_INTERCEPT_DESC).
 *
 * With that control on, LGDT, LIDT, SGDT and SIDT exit with reason 46 and
 * LLDT, LTR, SLDT and STR with reason 47 (SDM 26.1.3). The CPU has done
 * nothing yet, so hvlab does what each instruction does, from its page in
 * SDM Vol. 2: the instruction-information field names the operand
 * (Tables 28-10 and 28-11), the exit qualification holds its displacement,
 * and the memory operand is read or written through the guest's page
 * tables (guest_mem.c). A guest sees the same results as without the exit.
 *
 * Left out: the limit checks on the memory operand's segment, and #UD for
 * LLDT/LTR/SLDT/STR in real mode, which the CPU raises before any exit.
 */
#include <linux/bits.h>

#include "hvlab.h"
#include "vmcs.h"

/* Instruction-information field, exits 46 and 47 (SDM 28.2.5) */
#define DT_INFO_SCALE(i)	((i) & 3)
#define DT_INFO_REG1(i)		(((i) >> 3) & 0xf)	/* 47: the register operand */
#define DT_INFO_ADDR_SIZE(i)	(((i) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */
#define DT_INFO_REGISTER	BIT(10)			/* 47: register, not memory */
#define DT_INFO_OPSIZE_32	BIT(11)			/* 46: 32-bit operand size */
#define DT_INFO_SEGMENT(i)	(((i) >> 15) & 7)
#define DT_INFO_INDEX(i)	(((i) >> 18) & 0xf)
#define DT_INFO_NO_INDEX	BIT(22)
#define DT_INFO_BASE(i)		(((i) >> 23) & 0xf)
#define DT_INFO_NO_BASE		BIT(27)
#define DT_INFO_IDENTITY(i)	(((i) >> 28) & 3)

enum { DT_SGDT, DT_SIDT, DT_LGDT, DT_LIDT };	/* reason 46 */
enum { DT_SLDT, DT_STR, DT_LLDT, DT_LTR };	/* reason 47 */

#define X86_VECTOR_NP		11	/* segment not present */

/* Descriptor fields (SDM 3.4.5) */
#define DESC_TYPE(d)		(((d) >> 40) & 0xf)
#define DESC_S			BIT_ULL(44)
#define DESC_P			BIT_ULL(47)
#define DESC_G			BIT_ULL(55)
#define DESC_TSS_BUSY		BIT_ULL(41)
#define SYS_TYPE_LDT		2
#define SYS_TYPE_TSS16		1
#define SYS_TYPE_TSS		9	/* 32-bit, or 64-bit in long mode */

static int guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;	/* SS.DPL, SDM 25.4.1 */
}

/* The memory operand's linear address: base + index * scale + displacement. */
static u64 operand_address(struct hvlab_vcpu *vcpu, u32 info)
{
	u64 ea = vcpu->exit.qualification;	/* the displacement, sign-extended */

	if (!(info & DT_INFO_NO_BASE))
		ea += hvlab_read_gpr(vcpu, DT_INFO_BASE(info));
	if (!(info & DT_INFO_NO_INDEX))
		ea += hvlab_read_gpr(vcpu, DT_INFO_INDEX(info)) << DT_INFO_SCALE(info);
	if (DT_INFO_ADDR_SIZE(info) == 0)
		ea &= 0xffff;
	else if (DT_INFO_ADDR_SIZE(info) == 1)
		ea &= 0xffffffff;
	return hvlab_segment_linear(DT_INFO_SEGMENT(info), ea);
}

/* A failed memory access: #PF for the guest, or the end of a broken VM. */
static int memory_failed(struct hvlab_vcpu *vcpu, int err, const struct hvlab_mem_fault *fault)
{
	if (err == -EFAULT) {
		hvlab_inject_page_fault(vcpu, fault);
		return 1;
	}
	hvlab_vcpu_kill(vcpu, "descriptor-table instruction at RIP 0x%llx: gpa 0x%llx is not RAM",
			vcpu->exit.rip, fault->gpa);
	return 0;
}

static int fault_with_code(struct hvlab_vcpu *vcpu, u8 vector, u32 error_code)
{
	hvlab_vcpu_inject_exception(vcpu, vector, true, error_code);
	return 1;
}

static int done(struct hvlab_vcpu *vcpu)
{
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * SGDT/SIDT store a 2-byte limit and the base: 4 bytes outside 64-bit mode
 * (the SGDT page of SDM Vol. 2), 8 in it. LGDT/LIDT load the same; with a
 * 16-bit operand only 24 bits of base count, and in 64-bit mode the base
 * must be canonical. Loading is for CPL 0 only.
 */
static int emulate_gdtr_idtr(struct hvlab_vcpu *vcpu, u32 info)
{
	unsigned int id = DT_INFO_IDENTITY(info);
	bool idt = id == DT_SIDT || id == DT_LIDT, long_mode = hvlab_guest_code_bits() == 64;
	unsigned int len = long_mode ? 10 : 6;
	u64 linear = operand_address(vcpu, info);
	struct hvlab_mem_fault fault;
	u8 buf[10] = {};
	u64 base = 0;
	u16 limit;
	int err;

	if (id == DT_SGDT || id == DT_SIDT) {
		base = vmcs_readl(idt ? GUEST_IDTR_BASE : GUEST_GDTR_BASE);
		limit = vmcs_read32(idt ? GUEST_IDTR_LIMIT : GUEST_GDTR_LIMIT);
		memcpy(buf, &limit, 2);
		memcpy(buf + 2, &base, len - 2);
		err = hvlab_write_guest(vcpu, linear, buf, len, &fault);
		return err ? memory_failed(vcpu, err, &fault) : done(vcpu);
	}

	if (guest_cpl() && (vmcs_readl(GUEST_CR0) & X86_CR0_PE))
		return fault_with_code(vcpu, X86_VECTOR_GP, 0);
	err = hvlab_read_guest(vcpu, linear, buf, len, &fault);
	if (err)
		return memory_failed(vcpu, err, &fault);
	memcpy(&limit, buf, 2);
	memcpy(&base, buf + 2, len - 2);
	if (!long_mode && !(info & DT_INFO_OPSIZE_32))
		base &= 0xffffff;
	if (long_mode && (u64)((s64)(base << 16) >> 16) != base)
		return fault_with_code(vcpu, X86_VECTOR_GP, 0);
	vmcs_writel(idt ? GUEST_IDTR_BASE : GUEST_GDTR_BASE, base);
	vmcs_write32(idt ? GUEST_IDTR_LIMIT : GUEST_GDTR_LIMIT, limit);
	return done(vcpu);
}

/*
 * SLDT/STR to a register: 16 bits with a 16-bit operand, else the
 * selector zero-extended (SLDT page of SDM Vol. 2). The exit does not say
 * which, so look for the operand-size prefix in the instruction's bytes.
 */
static unsigned int store_operand_size(struct hvlab_vcpu *vcpu)
{
	u64 rip = hvlab_segment_linear(INFO_SEG_CS, vcpu->exit.rip);
	struct hvlab_mem_fault fault;
	bool prefix_66 = false;
	u8 bytes[15];
	unsigned int i, len = min_t(u32, vcpu->exit.instruction_length, sizeof(bytes));

	if (!hvlab_read_guest(vcpu, rip, bytes, len, &fault))
		for (i = 0; i < len && bytes[i] != 0x0f; i++)
			prefix_66 |= bytes[i] == 0x66;
	if (hvlab_guest_code_bits() == 16)
		return prefix_66 ? 4 : 2;
	return prefix_66 ? 2 : 4;
}

/* Read the system descriptor @selector names in the GDT (LLDT, LTR). */
static int read_system_descriptor(struct hvlab_vcpu *vcpu, u16 selector, u64 desc[2],
				  u64 *where, struct hvlab_mem_fault *fault)
{
	unsigned int len = hvlab_guest_code_bits() == 64 ? 16 : 8;

	*where = vmcs_readl(GUEST_GDTR_BASE) + (selector & ~7);
	desc[1] = 0;
	return hvlab_read_guest(vcpu, *where, desc, len, fault);
}

/*
 * LLDT and LTR (SDM Vol. 2, and 3.5 for the descriptors): a null selector
 * leaves LDTR unusable (LTR gets #GP(0)); the selector must point into the
 * GDT at an LDT or an available TSS, else #GP(selector); a descriptor not
 * present is #NP(selector). LTR marks the TSS busy, in memory too.
 */
static int emulate_load_ldtr_tr(struct hvlab_vcpu *vcpu, bool tr, u16 selector)
{
	bool long_mode = hvlab_guest_code_bits() == 64;
	struct hvlab_mem_fault fault;
	u64 desc[2], where, base;
	u32 limit, type;
	int err;

	if (guest_cpl())
		return fault_with_code(vcpu, X86_VECTOR_GP, 0);
	if (!(selector & ~3)) {
		if (tr)
			return fault_with_code(vcpu, X86_VECTOR_GP, 0);
		vmcs_write16(GUEST_LDTR_SELECTOR, selector);
		vmcs_write32(GUEST_LDTR_AR_BYTES, HVLAB_AR_UNUSABLE);
		return done(vcpu);
	}
	if ((selector & 4) ||
	    (selector | 7) + (long_mode ? 8 : 0) > vmcs_read32(GUEST_GDTR_LIMIT))
		return fault_with_code(vcpu, X86_VECTOR_GP, selector & ~3);
	err = read_system_descriptor(vcpu, selector, desc, &where, &fault);
	if (err)
		return memory_failed(vcpu, err, &fault);
	type = DESC_TYPE(desc[0]);
	if ((desc[0] & DESC_S) ||
	    (tr ? type != SYS_TYPE_TSS && (long_mode || type != SYS_TYPE_TSS16) :
		  type != SYS_TYPE_LDT))
		return fault_with_code(vcpu, X86_VECTOR_GP, selector & ~3);
	if (!(desc[0] & DESC_P))
		return fault_with_code(vcpu, X86_VECTOR_NP, selector & ~3);

	base = ((desc[0] >> 16) & 0xffffff) | ((desc[0] >> 32) & 0xff000000);
	if (long_mode)
		base |= desc[1] << 32;
	limit = (desc[0] & 0xffff) | ((desc[0] >> 32) & 0xf0000);
	if (desc[0] & DESC_G)
		limit = (limit << 12) | 0xfff;
	if (tr) {
		desc[0] |= DESC_TSS_BUSY;
		err = hvlab_write_guest(vcpu, where, desc, 8, &fault);
		if (err)
			return memory_failed(vcpu, err, &fault);
	}
	/* The VMX access-rights format is descriptor bits 40-55, less 48-51. */
	__vmcs_write(tr ? GUEST_TR_SELECTOR : GUEST_LDTR_SELECTOR, selector);
	__vmcs_write(tr ? GUEST_TR_BASE : GUEST_LDTR_BASE, base);
	__vmcs_write(tr ? GUEST_TR_LIMIT : GUEST_LDTR_LIMIT, limit);
	__vmcs_write(tr ? GUEST_TR_AR_BYTES : GUEST_LDTR_AR_BYTES, (desc[0] >> 40) & 0xf0ff);
	return done(vcpu);
}

static int emulate_ldtr_tr(struct hvlab_vcpu *vcpu, u32 info)
{
	unsigned int id = DT_INFO_IDENTITY(info);
	bool reg = info & DT_INFO_REGISTER;
	struct hvlab_mem_fault fault;
	u64 linear = 0;
	u16 selector;
	int err;

	if (!reg)
		linear = operand_address(vcpu, info);
	if (id == DT_SLDT || id == DT_STR) {
		selector = vmcs_read16(id == DT_STR ? GUEST_TR_SELECTOR : GUEST_LDTR_SELECTOR);
		if (reg) {
			hvlab_write_gpr_sized(vcpu, DT_INFO_REG1(info), false,
					      store_operand_size(vcpu), selector);
			return done(vcpu);
		}
		err = hvlab_write_guest(vcpu, linear, &selector, 2, &fault);
		return err ? memory_failed(vcpu, err, &fault) : done(vcpu);
	}
	if (reg) {
		selector = hvlab_read_gpr(vcpu, DT_INFO_REG1(info));
	} else {
		err = hvlab_read_guest(vcpu, linear, &selector, 2, &fault);
		if (err)
			return memory_failed(vcpu, err, &fault);
	}
	return emulate_load_ldtr_tr(vcpu, id == DT_LTR, selector);
}

/* SDM 26.1.3 ("descriptor-table exiting"), 28.2.5: exits 46 and 47. */
int hvlab_handle_descriptor_table(struct hvlab_vcpu *vcpu)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	bool gdtr_idtr = HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_GDTR_IDTR;

	/* Segments 6 and 7 are reserved (SDM 28.2.5, Table 28-10): no such base */
	if ((gdtr_idtr || !(info & DT_INFO_REGISTER)) &&
	    DT_INFO_SEGMENT(info) >= INFO_SEG_COUNT) {
		hvlab_vcpu_kill(vcpu, "descriptor-table instruction at RIP 0x%llx: instruction information 0x%x names no segment",
				vcpu->exit.rip, info);
		return 0;
	}
	if (gdtr_idtr)
		return emulate_gdtr_idtr(vcpu, info);
	return emulate_ldtr_tr(vcpu, info);
}
