// SPDX-License-Identifier: GPL-2.0
/*
 * strio.c - string I/O: INS and OUTS, with and without REP.
 *
 * IN and OUT move a register (exits.c); INS and OUTS move memory. OUTS
 * sends the element at DS:rSI (or at another segment, by prefix) to the
 * port; INS stores the element read from the port at ES:rDI. Then rSI or
 * rDI moves by the element size, down if RFLAGS.DF is set. With REP, rCX
 * counts the elements and the instruction repeats until it reaches 0
 * (SDM Vol. 2, the INS, OUTS and REP pages).
 *
 * hvlab moves one element per VM exit. While a REP has elements to go,
 * RIP stays on the instruction: the guest executes it again, the CPU
 * does its own checks again (I/O permission, segment limits: they come
 * before the VM exit, SDM 26.1.1) and exits for the next element. So
 * userspace sees a REP OUTSB of n bytes as n one-byte OUT exits, which
 * device code written for OUT handles as it is; run->io.string, .rep
 * and .count say what is going on for those that care.
 */
#include <linux/bits.h>
#include <asm/processor-flags.h>

#include "hvlab.h"
#include "vmcs.h"

/* Exit qualification for I/O instructions (SDM 28.2.1, Table 28-5) */
#define IO_QUAL_REP		BIT_ULL(5)
#define IO_QUAL_PORT(q)		((u16)((q) >> 16))

/* VM-exit instruction information for INS and OUTS (SDM 28.2.5, Table 28-8) */
#define STRIO_INFO_ADDR_SIZE(info)	(((info) >> 7) & 7)	/* 0: 16, 1: 32, 2: 64 bits */
#define STRIO_INFO_SEGMENT(info)	(((info) >> 15) & 7)	/* undefined for INS */

/* IA32_VMX_BASIC[54]: the CPU fills that field for INS and OUTS (SDM A.1) */
#define VMX_BASIC_INS_OUTS_INFO		BIT_ULL(54)

/*
 * Write rSI, rDI or rCX the way the address size uses it (SDM Vol. 1,
 * 3.3.7, 3.4.1.1): the 16-bit forms SI, DI and CX leave the rest of the
 * register alone; the 32-bit forms clear bits 63:32, as every write to a
 * 32-bit register does.
 */
static void write_addr_sized(struct hvlab_vcpu *vcpu, int reg, u64 mask, u64 value)
{
	if (mask == 0xffff)
		value = (vcpu->gprs[reg] & ~mask) | (value & mask);
	else
		value &= mask;
	vcpu->gprs[reg] = value;
}

/* Move rSI or rDI past an element of @size bytes: down if RFLAGS.DF is set. */
void hvlab_string_step(struct hvlab_vcpu *vcpu, int reg, u64 mask, unsigned int size)
{
	u64 step = (vmcs_readl(GUEST_RFLAGS) & X86_EFLAGS_DF) ? -(u64)size : size;

	write_addr_sized(vcpu, reg, mask, vcpu->gprs[reg] + step);
}

/*
 * One element is done (rSI or rDI moved): with REP count it. The
 * instruction is over without REP or when rCX reaches 0; otherwise RIP
 * stays and the guest executes it again for the next element. MMIO's
 * MOVS and STOS (mmio_ops.c) go the same way.
 */
void hvlab_string_element_done(struct hvlab_vcpu *vcpu, u64 mask, bool rep,
			       unsigned int insn_length)
{
	if (rep) {
		write_addr_sized(vcpu, GPR_RCX, mask, vcpu->gprs[GPR_RCX] - 1);
		if (vcpu->gprs[GPR_RCX] & mask) {
			hvlab_vcpu_string_iteration_done(vcpu);
			return;
		}
	}
	hvlab_vcpu_advance_rip(vcpu, insn_length);
}

/*
 * The element's memory is out of reach: a #PF for the guest, as the CPU
 * would raise, or, where the guest-physical address has no RAM behind it,
 * the end of the VM: string I/O to or from MMIO is not emulated.
 */
static int strio_memory_failed(struct hvlab_vcpu *vcpu, int err, bool in,
			       const struct hvlab_mem_fault *fault)
{
	if (err == -EFAULT) {
		hvlab_inject_page_fault(vcpu, fault);
		return 1;
	}
	hvlab_vcpu_kill(vcpu, "%s at RIP 0x%llx: gpa 0x%llx is not RAM, and string I/O does no MMIO",
			in ? "INS" : "OUTS", vcpu->exit.rip, fault->gpa);
	return 0;
}

int hvlab_handle_string_io(struct hvlab_vcpu *vcpu, unsigned int size, bool in)
{
	bool rep = vcpu->exit.qualification & IO_QUAL_REP;
	int reg = in ? GPR_RDI : GPR_RSI;
	struct hvlab_run *run = vcpu->run;
	struct hvlab_mem_fault fault;
	u64 mask, count, linear;
	unsigned int seg;
	u32 info, data = 0;
	int ret;

	if (!(vmx_config.caps.basic & VMX_BASIC_INS_OUTS_INFO)) {
		hvlab_vcpu_kill(vcpu, "INS/OUTS at RIP 0x%llx: this CPU does not describe them (IA32_VMX_BASIC[54])",
				vcpu->exit.rip);
		return 0;
	}
	info = vmcs_read32(VMX_INSTRUCTION_INFO);
	switch (STRIO_INFO_ADDR_SIZE(info)) {
	case 0:
		mask = 0xffff;
		break;
	case 1:
		mask = 0xffffffff;
		break;
	default:
		mask = ~0ULL;
		break;
	}

	/*
	 * The VM exit comes before the instruction runs, so a REP with
	 * rCX = 0 exits too; the CPU would have moved nothing (SDM Vol. 2,
	 * REP): step over it.
	 */
	count = rep ? vcpu->gprs[GPR_RCX] & mask : 1;
	if (!count) {
		hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
		return 1;
	}

	/* INS always stores through ES; OUTS reads DS or a prefix's segment. */
	seg = in ? INFO_SEG_ES : STRIO_INFO_SEGMENT(info);
	if (seg >= INFO_SEG_COUNT) {
		hvlab_vcpu_kill(vcpu, "OUTS at RIP 0x%llx: instruction information 0x%x names no segment",
				vcpu->exit.rip, info);
		return 0;
	}
	linear = hvlab_segment_linear(seg, vcpu->gprs[reg] & mask);

	if (in) {
		/*
		 * Like the CPU, make sure the store cannot fault before
		 * reading the port, which may have side effects.
		 */
		ret = hvlab_write_guest(vcpu, linear, NULL, size, &fault);
		if (ret)
			return strio_memory_failed(vcpu, ret, in, &fault);
		vcpu->pending = PENDING_STRING_IN;
		vcpu->pending_reg_size = size;
		vcpu->pending_insn_length = vcpu->exit.instruction_length;
		vcpu->pending_linear = linear;
		vcpu->pending_addr_mask = mask;
		vcpu->pending_rep = rep;
	} else {
		ret = hvlab_read_guest(vcpu, linear, &data, size, &fault);
		if (ret)
			return strio_memory_failed(vcpu, ret, in, &fault);
		hvlab_string_step(vcpu, reg, mask, size);
		hvlab_string_element_done(vcpu, mask, rep, vcpu->exit.instruction_length);
	}

	run->exit_reason = HVLAB_EXIT_IO;
	run->io.direction = in ? HVLAB_IO_IN : HVLAB_IO_OUT;
	run->io.size = size;
	run->io.port = IO_QUAL_PORT(vcpu->exit.qualification);
	run->io.data = data;
	run->io.string = 1;
	run->io.rep = rep;
	run->io.reserved = 0;
	run->io.count = min_t(u64, count, U32_MAX);
	return 0;
}

/* Finish an INS with the element userspace left in run->io.data. */
void hvlab_complete_string_in(struct hvlab_vcpu *vcpu)
{
	struct hvlab_mem_fault fault;
	u32 data = vcpu->run->io.data;

	/*
	 * The store was checked at the exit; it can fail now only if
	 * userspace changed the guest's paging meanwhile. Then the element
	 * is dropped, the guest executes the INS again, and that exit meets
	 * the fault.
	 */
	if (hvlab_write_guest(vcpu, vcpu->pending_linear, &data, vcpu->pending_reg_size, &fault))
		return;
	hvlab_string_step(vcpu, GPR_RDI, vcpu->pending_addr_mask, vcpu->pending_reg_size);
	hvlab_string_element_done(vcpu, vcpu->pending_addr_mask, vcpu->pending_rep,
				  vcpu->pending_insn_length);
}
