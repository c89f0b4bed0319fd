// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_ops.c - the MMIO instructions beyond MOV and MOVZX.
 *
 * Compilers do more to device memory than load and store: they OR a bit
 * into a control register (or %eax,(%rdx)), test a status bit (testb,
 * bt), swap a value in (xchg), sign-extend a field (movsx) and copy or
 * fill a buffer (rep movs, rep stos). Each is emulated here with the
 * accesses the CPU makes, as MMIO exits that a device model handles like
 * any load or store:
 *
 * - An instruction that reads memory (the ALU ops, TEST, CMP, BT*, XCHG,
 *   MOVSX) exits with the read. The next HVLAB_RUN brings the value and
 *   the instruction is finished with it.
 * - One that writes its result back (ADD m,r; OR m,imm; BTS; XCHG) then
 *   returns from that HVLAB_RUN at once with the write, before the guest
 *   goes on: userspace sees a read and then a write, as a bus would.
 * - MOVS and STOS move one element per exit, as INS and OUTS do
 *   (strio.c): RIP stays on the instruction while REP has elements to go.
 *
 * Results and flags come from the CPU itself: the same instruction runs
 * here on registers holding the values, with the guest's arithmetic flags
 * loaded first (KVM calls this "fastop"). Flags that an instruction
 * leaves undefined (AF after AND, SF after BT) are then what this CPU
 * leaves, as the guest would have seen against RAM.
 */
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/irqflags.h>
#include <asm/processor-flags.h>

#include "hvlab.h"
#include "insn.h"
#include "vmcs.h"

#define ARITH_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
			 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/* dst = dst op src, on registers; the flags go in by POPF and out by PUSHF */
#define HOST_OP(insn, w, dst, src, fl)					\
	asm("push %[flags]\n\tpopf\n\t"					\
	    insn " %" w "[s], %" w "[d]\n\t"				\
	    "pushf\n\tpop %[flags]"					\
	    : [d] "+r" (dst), [flags] "+r" (fl) : [s] "r" (src) : "cc")

/* The bit tests have no byte form */
#define HOST_OP_WORDS(mnemonic, size, dst, src, fl)			\
	do {								\
		if ((size) == 2)					\
			HOST_OP(mnemonic "w", "w", dst, src, fl);	\
		else if ((size) == 4)					\
			HOST_OP(mnemonic "l", "k", dst, src, fl);	\
		else							\
			HOST_OP(mnemonic "q", "q", dst, src, fl);	\
	} while (0)

#define HOST_OP_SIZED(mnemonic, size, dst, src, fl)			\
	do {								\
		if ((size) == 1)					\
			HOST_OP(mnemonic "b", "b", dst, src, fl);	\
		else							\
			HOST_OP_WORDS(mnemonic, size, dst, src, fl);	\
	} while (0)

/*
 * Run @op of @size bytes on @dst and @src with the guest's @rflags; its
 * arithmetic flags come back in @rflags, the result is returned. POPF
 * here loads only what the guest's flags may change: IF, TF, AC and the
 * rest stay the host's own.
 */
static u64 host_op(u8 op, unsigned int size, u64 dst, u64 src, unsigned long *rflags)
{
	unsigned long fl = (native_save_fl() & ~ARITH_FLAGS) | (*rflags & ARITH_FLAGS);

	switch (op) {
	case INSN_OP_ADD:
		HOST_OP_SIZED("add", size, dst, src, fl);
		break;
	case INSN_OP_OR:
		HOST_OP_SIZED("or", size, dst, src, fl);
		break;
	case INSN_OP_ADC:
		HOST_OP_SIZED("adc", size, dst, src, fl);
		break;
	case INSN_OP_SBB:
		HOST_OP_SIZED("sbb", size, dst, src, fl);
		break;
	case INSN_OP_AND:
		HOST_OP_SIZED("and", size, dst, src, fl);
		break;
	case INSN_OP_SUB:
		HOST_OP_SIZED("sub", size, dst, src, fl);
		break;
	case INSN_OP_XOR:
		HOST_OP_SIZED("xor", size, dst, src, fl);
		break;
	case INSN_OP_CMP:
		HOST_OP_SIZED("cmp", size, dst, src, fl);
		break;
	case INSN_OP_TEST:
		HOST_OP_SIZED("test", size, dst, src, fl);
		break;
	/*
	 * With a register operand the bit offset is taken modulo the size;
	 * against memory the CPU first moved the address by the rest of it
	 * (SDM Vol. 2, BT), and the exit's address is the moved one.
	 */
	case INSN_OP_BT:
		HOST_OP_WORDS("bt", size, dst, src, fl);
		break;
	case INSN_OP_BTS:
		HOST_OP_WORDS("bts", size, dst, src, fl);
		break;
	case INSN_OP_BTR:
		HOST_OP_WORDS("btr", size, dst, src, fl);
		break;
	case INSN_OP_BTC:
		HOST_OP_WORDS("btc", size, dst, src, fl);
		break;
	}
	*rflags = (*rflags & ~ARITH_FLAGS) | (fl & ARITH_FLAGS);
	return dst;
}

static void mmio_exit(struct hvlab_vcpu *vcpu, u64 gpa, unsigned int len, u8 access, u64 value)
{
	struct hvlab_run *run = vcpu->run;

	run->exit_reason = HVLAB_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.access = access;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &value, len);
}

/* The register operand as a MOV from it would read it (AH to BH too). */
static u64 read_reg_operand(struct hvlab_vcpu *vcpu, const struct insn *insn)
{
	u64 value = hvlab_read_gpr(vcpu, insn->reg);

	return insn->high_byte ? value >> 8 : value;
}

static u64 addr_mask(const struct insn *insn)
{
	return insn->addr_size == 8 ? ~0ULL : (1ULL << (8 * insn->addr_size)) - 1;
}

/*
 * An element of MOVS or STOS whose memory is not RAM and not MMIO, or
 * that spans two pages (hvlab moves it as one MMIO access, in one page),
 * ends the VM; a #PF goes to the guest.
 */
static int string_fault(struct hvlab_vcpu *vcpu, int err, const struct hvlab_mem_fault *fault)
{
	if (err == -EFAULT) {
		hvlab_inject_page_fault(vcpu, fault);
		return 1;
	}
	hvlab_vcpu_kill(vcpu, "MOVS or STOS at RIP 0x%llx: no memory and no MMIO at gpa 0x%llx",
			vcpu->exit.rip, fault->gpa);
	return 0;
}

static bool string_element_splits(struct hvlab_vcpu *vcpu, u64 linear, unsigned int size)
{
	if (offset_in_page(linear) + size <= PAGE_SIZE)
		return false;
	hvlab_vcpu_kill(vcpu, "MOVS or STOS at RIP 0x%llx: an element at 0x%llx spans two pages, one of them MMIO",
			vcpu->exit.rip, linear);
	return true;
}

/*
 * Store the element at @dst: into RAM, or as an MMIO write for userspace;
 * then it is done (rSI and rDI step, REP counts it). 1: go on in the
 * kernel; 0: an exit for userspace, or the VM ended.
 */
static int string_store(struct hvlab_vcpu *vcpu, const struct insn *insn, u64 dst, u64 value)
{
	u64 mask = addr_mask(insn);
	struct hvlab_mem_fault fault;
	int ret = hvlab_write_guest(vcpu, dst, &value, insn->mem_size, &fault);

	if (ret && ret != -ENXIO)
		return string_fault(vcpu, ret, &fault);
	if (ret)
		mmio_exit(vcpu, fault.gpa, insn->mem_size, HVLAB_ACCESS_WRITE, value);
	if (insn->kind == INSN_MOVS)
		hvlab_string_step(vcpu, GPR_RSI, mask, insn->mem_size);
	hvlab_string_step(vcpu, GPR_RDI, mask, insn->mem_size);
	hvlab_string_element_done(vcpu, mask, insn->rep, insn->length);
	/* RAM after all (another vCPU mapped memory there meanwhile): go on */
	return !ret;
}

/*
 * STOS: the element at ES:rDI is the MMIO access, found from the
 * registers as the CPU found it. The CPU does not touch memory for a REP
 * with rCX = 0, so there is always an element.
 */
static int mmio_stos(struct hvlab_vcpu *vcpu, const struct insn *insn)
{
	u64 dst = hvlab_segment_linear(INSN_SEG_ES, vcpu->gprs[GPR_RDI] & addr_mask(insn));

	if (string_element_splits(vcpu, dst, insn->mem_size))
		return 0;
	return string_store(vcpu, insn, dst, hvlab_read_gpr(vcpu, GPR_RAX));
}

/*
 * MOVS: one side or both is MMIO. Check both for page faults first, in
 * the CPU's order, so that nothing reaches a device for an element that
 * faults; then read the source from RAM, or exit to read it.
 */
static int mmio_movs(struct hvlab_vcpu *vcpu, const struct insn *insn)
{
	u64 mask = addr_mask(insn), value = 0;
	u64 src = hvlab_segment_linear(insn->segment, vcpu->gprs[GPR_RSI] & mask);
	u64 dst = hvlab_segment_linear(INSN_SEG_ES, vcpu->gprs[GPR_RDI] & mask);
	struct hvlab_mem_fault fault;
	int ret;

	ret = hvlab_read_guest(vcpu, src, NULL, insn->mem_size, &fault);
	if (ret == -EFAULT)
		return string_fault(vcpu, ret, &fault);
	ret = hvlab_write_guest(vcpu, dst, NULL, insn->mem_size, &fault);
	if (ret == -EFAULT)
		return string_fault(vcpu, ret, &fault);
	if (string_element_splits(vcpu, src, insn->mem_size) ||
	    string_element_splits(vcpu, dst, insn->mem_size))
		return 0;

	ret = hvlab_read_guest(vcpu, src, &value, insn->mem_size, &fault);
	if (ret == -ENXIO) {
		mmio_exit(vcpu, fault.gpa, insn->mem_size, HVLAB_ACCESS_READ, 0);
		vcpu->pending = PENDING_MMIO_OPERAND;
		vcpu->pending_mmio = *insn;
		vcpu->pending_linear = dst;
		return 0;
	}
	if (ret)
		return string_fault(vcpu, ret, &fault);
	return string_store(vcpu, insn, dst, value);
}

/*
 * The EPT violation or misconfiguration at @gpa came from an instruction
 * that insn.c decoded as one of the kinds after INSN_LOAD_ZERO_EXTEND.
 * Returns 0 with an MMIO exit for userspace, as the handlers do, or 1.
 */
int hvlab_mmio_emulate(struct hvlab_vcpu *vcpu, u64 gpa, const struct insn *insn)
{
	switch (insn->kind) {
	case INSN_STOS:
		return mmio_stos(vcpu, insn);
	case INSN_MOVS:
		return mmio_movs(vcpu, insn);
	default:
		/* ALU, BIT, XCHG, MOVSX: every one reads its memory first */
		mmio_exit(vcpu, gpa, insn->mem_size, HVLAB_ACCESS_READ, 0);
		vcpu->pending = PENDING_MMIO_OPERAND;
		vcpu->pending_mmio = *insn;
		vcpu->pending_gpa = gpa;
		return 0;
	}
}

/*
 * MOVS's element came from MMIO: store it at ES:rDI, RAM or MMIO. True
 * when that is an MMIO write for userspace. (A #PF there now means that
 * userspace changed the guest's paging since the exit's check: the guest
 * takes it, at the MOVS.)
 */
static bool complete_movs(struct hvlab_vcpu *vcpu, const struct insn *insn, u64 value)
{
	return !string_store(vcpu, insn, vcpu->pending_linear, value) && !vcpu->dead;
}

/*
 * Finish the instruction with the value userspace read for it (in
 * run->mmio.data). Returns true when that leaves a write for userspace:
 * run->mmio holds it and HVLAB_RUN returns before entering the guest.
 */
bool hvlab_complete_mmio_operand(struct hvlab_vcpu *vcpu)
{
	const struct insn *insn = &vcpu->pending_mmio;
	unsigned int size = insn->mem_size;
	u64 mem = 0, other, result;
	unsigned long rflags;

	memcpy(&mem, vcpu->run->mmio.data, size);
	switch (insn->kind) {
	case INSN_MOVS:
		return complete_movs(vcpu, insn, mem);
	case INSN_LOAD_SIGN_EXTEND:
		hvlab_write_gpr_sized(vcpu, insn->reg, false, insn->reg_size,
				      sign_extend64(mem, 8 * size - 1));
		hvlab_vcpu_advance_rip(vcpu, insn->length);
		return false;
	case INSN_XCHG:
		other = read_reg_operand(vcpu, insn);
		hvlab_write_gpr_sized(vcpu, insn->reg, insn->high_byte, size, mem);
		mmio_exit(vcpu, vcpu->pending_gpa, size, HVLAB_ACCESS_WRITE, other);
		hvlab_vcpu_advance_rip(vcpu, insn->length);
		return true;
	default:	/* INSN_ALU, INSN_BIT */
		break;
	}

	other = insn->src_is_imm ? insn->imm : read_reg_operand(vcpu, insn);
	rflags = vmcs_readl(GUEST_RFLAGS);
	if (insn->mem_is_dest)
		result = host_op(insn->op, size, mem, other, &rflags);
	else
		result = host_op(insn->op, size, other, mem, &rflags);
	vmcs_writel(GUEST_RFLAGS, rflags);

	if (insn->writes_mem)
		mmio_exit(vcpu, vcpu->pending_gpa, size, HVLAB_ACCESS_WRITE, result);
	else if (!insn->mem_is_dest && insn->op != INSN_OP_CMP)	/* ADD r,m ... XOR r,m */
		hvlab_write_gpr_sized(vcpu, insn->reg, insn->high_byte, size, result);
	hvlab_vcpu_advance_rip(vcpu, insn->length);
	return insn->writes_mem;
}
