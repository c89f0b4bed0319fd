// SPDX-License-Identifier: GPL-2.0
/*
 * mmio.c - turn an EPT violation outside guest memory into an MMIO exit.
 *
 * The CPU tells us the guest-physical address and whether the access was
 * a read or a write (SDM 28.2.1, Table 28-7), but not the size, the data
 * or the register: for that we fetch the instruction at CS:RIP through the
 * guest's own page tables, decode it (insn.c), and either hand userspace
 * the value being stored or remember which register the loaded value
 * goes into when userspace supplies it.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <asm/msr-index.h>

#include "hvlab.h"
#include "insn.h"
#include "lab.h"
#include "vmcs.h"

/* Copy guest-physical memory; fails where no memory slot backs it. */
static int guest_read_phys(struct hvlab_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	while (len) {
		unsigned int offset = gpa & ~PAGE_MASK;
		unsigned int chunk = min_t(unsigned int, len, PAGE_SIZE - offset);
		struct page *page = hvlab_gpa_to_page(vm, gpa);
		void *va;

		if (!page)
			return -EFAULT;
		va = kmap_local_page(page);
		memcpy(buf, va + offset, chunk);
		kunmap_local(va);
		buf += chunk;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Hand the decoded access to userspace (HVLAB_EXIT_MMIO): the address, the
 * size and, for a store, the bytes it writes, after which the guest goes
 * on past the instruction. A load waits for userspace's answer: remember
 * where the value goes, for hvlab_complete_mmio_read() on the next
 * HVLAB_RUN. Returns 0, as a handler that exits to userspace does.
 */
static int mmio_exit_to_user(struct hvlab_vcpu *vcpu, u64 gpa, bool is_write,
			     const struct insn *insn)
{
	/* LAB 4 BEGIN mmio_exit_to_user: describe a store or a load in run->mmio (SDM 28.2.1) */
	struct hvlab_run *run = vcpu->run;
	u64 value;

	run->exit_reason = HVLAB_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn->mem_size;
	run->mmio.access = is_write ? HVLAB_ACCESS_WRITE : HVLAB_ACCESS_READ;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));

	if (is_write) {
		if (insn->kind == INSN_STORE_IMM)
			value = insn->imm;
		else if (insn->high_byte)
			value = hvlab_read_gpr(vcpu, insn->reg) >> 8;
		else
			value = hvlab_read_gpr(vcpu, insn->reg);
		memcpy(run->mmio.data, &value, insn->mem_size);
		hvlab_vcpu_advance_rip(vcpu, insn->length);
		return 0;
	}
	vcpu->pending = PENDING_MMIO_READ;
	vcpu->pending_insn_length = insn->length;
	vcpu->pending_reg = insn->reg;
	vcpu->pending_high_byte = insn->high_byte;
	vcpu->pending_reg_size = insn->reg_size;
	vcpu->pending_mem_size = insn->mem_size;
	return 0;
	/* LAB 4 END */
	/* LAB 4 STUB: return hvlab_todo_exit(vcpu, 4, __func__); */
}

/*
 * Why the exit's guest-physical address cannot be taken as the operand's,
 * or NULL. Not when the CPU's own page walk met a page table where there
 * is no memory (the linear address valid but not translated, SDM 28.2.1,
 * Table 28-7): there is no operand. Not when the operand runs on into
 * RAM on the next page: hvlab makes one MMIO exit of an access (into
 * more MMIO, it is one access of the device's). (One that begins in RAM
 * on the page before looks like an access at the MMIO page's start:
 * seeing it would take the effective address, which KVM computes and
 * hvlab does not.) MOVS and STOS check each element from their registers
 * (mmio_ops.c).
 */
static const char *mmio_operand_mismatch(struct hvlab_vcpu *vcpu, u64 gpa,
					 const struct insn *insn)
{
	u64 qual = vcpu->exit.qualification;

	if (HVLAB_VMX_EXIT_BASIC(vcpu->exit.reason) == EXIT_REASON_EPT_VIOLATION &&
	    (qual & EPT_QUAL_GLA_VALID) && !(qual & EPT_QUAL_GLA_TRANSLATED))
		return "a page walk, not an operand";
	if (insn->kind != INSN_MOVS && insn->kind != INSN_STOS &&
	    offset_in_page(gpa) + insn->mem_size > PAGE_SIZE &&
	    hvlab_gpa_to_page(vcpu->vm, PAGE_ALIGN(gpa)))
		return "an operand that runs on into RAM";
	return NULL;
}

/* Whether the instruction can make the access the exit says it made. */
static bool insn_may_write(const struct insn *insn)
{
	return insn->kind == INSN_STORE_REG || insn->kind == INSN_STORE_IMM ||
	       insn->kind == INSN_XCHG || insn->kind == INSN_MOVS ||
	       insn->kind == INSN_STOS || insn->writes_mem;
}

static bool insn_may_read(const struct insn *insn)
{
	return insn->kind != INSN_STORE_REG && insn->kind != INSN_STORE_IMM &&
	       insn->kind != INSN_STOS;
}

int hvlab_handle_mmio(struct hvlab_vcpu *vcpu, u64 gpa, int is_write)
{
	const char *mismatch;
	int bits = hvlab_guest_code_bits();
	u8 bytes[INSN_MAX_LENGTH];
	struct hvlab_mem_fault fault;
	unsigned int avail = 0;
	struct insn insn;
	u64 la, pa;
	int bad;

	/*
	 * Fetch up to 15 bytes, stopping where the guest's mapping ends. The
	 * walk is the one guest_mem.c does for every emulated access, and the
	 * CPU's: PDE.PS only with CR4.PSE, the PAE PDPTEs as the CPU loaded
	 * them (the VMCS), not as the guest may have rewritten them since.
	 */
	la = vmcs_readl(GUEST_CS_BASE) + vcpu->exit.rip;
	if (bits != 64)
		la &= 0xffffffff;
	while (avail < sizeof(bytes)) {
		if (hvlab_translate(vcpu, la + avail, false, &pa, &fault) ||
		    guest_read_phys(vcpu->vm, pa, &bytes[avail], 1))
			break;
		avail++;
	}
	bad = insn_decode(bytes, avail, bits, &insn);
	if (bad) {
		hvlab_vcpu_kill(vcpu, "cannot emulate MMIO %s of gpa 0x%llx by the instruction at RIP 0x%llx (%*ph)",
				is_write == 1 ? "write" : is_write ? "access" : "read", gpa, vcpu->exit.rip,
				min(avail, 8u), bytes);
		return 0;
	}
	mismatch = mmio_operand_mismatch(vcpu, gpa, &insn);
	if (mismatch) {
		hvlab_vcpu_kill(vcpu, "MMIO at gpa 0x%llx by RIP 0x%llx: %s",
				gpa, vcpu->exit.rip, mismatch);
		return 0;
	}
	/*
	 * The instruction was fetched again after the exit: another vCPU
	 * may have changed it meanwhile. It must be able to make the access
	 * the exit reports.
	 */
	if ((is_write == 1 && !insn_may_write(&insn)) || (is_write == 0 && !insn_may_read(&insn))) {
		hvlab_vcpu_kill(vcpu, "RIP 0x%llx (%*ph) cannot %s gpa 0x%llx",
				vcpu->exit.rip, min(avail, 8u), bytes,
				is_write ? "write" : "read", gpa);
		return 0;
	}
	/* Beyond MOV and MOVZX: the instruction itself says what it does */
	if (insn.kind > INSN_LOAD_ZERO_EXTEND)
		return hvlab_mmio_emulate(vcpu, gpa, &insn);
	if (is_write == HVLAB_MMIO_FROM_INSN)
		is_write = insn_may_write(&insn);
	return mmio_exit_to_user(vcpu, gpa, is_write, &insn);
}

/* Finish an MMIO read with the data userspace left in run->mmio.data. */
void hvlab_complete_mmio_read(struct hvlab_vcpu *vcpu)
{
	/* LAB 4 BEGIN hvlab_complete_mmio_read: the loaded value into its register, then past the load */
	u64 value = 0;

	memcpy(&value, vcpu->run->mmio.data, vcpu->pending_mem_size);
	hvlab_write_gpr_sized(vcpu, vcpu->pending_reg, vcpu->pending_high_byte,
			      vcpu->pending_reg_size, value);
	hvlab_vcpu_advance_rip(vcpu, vcpu->pending_insn_length);
	/* LAB 4 END */
	/* LAB 4 STUB: hvlab_todo_exit(vcpu, 4, __func__); */
}
