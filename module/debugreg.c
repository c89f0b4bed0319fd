// SPDX-License-Identifier: GPL-2.0
/*
 * debugreg.c - the guest's own debug registers (SDM Vol. 3B chapter 19,
 * "Debug, Branch Profile, TSC, and Intel Resource Director Technology
 * Features"; Vol. 3C 26.1.3, 27.3.1.1, 28.3.1).
 *
 * VM entry loads DR7 from the VMCS ("load debug controls") and VM exit
 * sets it to 0x400, but nothing switches DR0-DR3 and DR6: they are the
 * host's, and a guest that wrote them would move the host's breakpoints.
 * So MOV DR always exits (handled here), and the vCPU keeps the guest's
 * values. While the guest's DR7 enables a breakpoint, hvlab puts its
 * DR0-DR3 into the CPU for the time the guest runs, around each entry
 * with interrupts off, and the host's come back after the exit
 * (hw_breakpoint_restore(), as KVM does). Every #DB exits (the exception
 * bitmap, hvlab.h) before the CPU writes DR6: the exit qualification has
 * the DR6 bits, which exits.c puts in the guest's DR6 before it delivers
 * the #DB, so the real DR6 stays the host's. Without an enabled
 * breakpoint nothing is switched: an entry costs what it did before.
 * DR7.GD (general detect) is emulated: the MOV DR exit comes before the
 * #DB it would raise (SDM 26.1.1). So are I/O breakpoints on IN and OUT,
 * which exit before the CPU looks at them (hvlab_debugreg_io_done()).
 */
#include "hvlab.h"
#include "vmcs.h"

#include <asm/debugreg.h>

#define DR6_BD			(1ULL << 13)	/* a MOV DR while DR7.GD was set */

/* Exit qualification for MOV DR (SDM 28.2.1, Table 28-4) */
#define DR_QUAL_NUMBER(q)	((q) & 7)
#define DR_QUAL_FROM_DR		(1ULL << 4)
#define DR_QUAL_GPR(q)		(((q) >> 8) & 0xf)

/* Does the guest's DR7 arm a breakpoint? Then its registers go into the CPU. */
static bool guest_breakpoints_armed(const struct hvlab_vcpu *vcpu)
{
	return vcpu->dr7 & DR7_ENABLE_BITS;
}

/*
 * Before VM entry, interrupts off, while HVLAB_ENTRY_DEBUGREG is set (a
 * MOV to DR7 sets it: entries without it pay nothing): the guest's
 * DR0-DR3, and its DR7 in the VMCS, written at every entry while armed
 * (a raw VMCS write from userspace may only put 0x400 there:
 * vmcs_access.c). The real DR7 goes to 0 first, so that none of the
 * host's breakpoints is armed on a guest address in the meantime. After
 * the exit, DR7 is 0x400 and vcpu.c gives the host its breakpoints back.
 * Disarmed (the bit still set by the MOV that disarmed), the VMCS gets
 * 0x400 again and the bit goes.
 */
void hvlab_debugreg_enter(struct hvlab_vcpu *vcpu)
{
	if (!guest_breakpoints_armed(vcpu)) {
		vmcs_writel(GUEST_DR7, DR7_RESET);
		clear_bit(HVLAB_ENTRY_DEBUGREG, &vcpu->entry_work);
		return;
	}
	/* GD stays emulated: the CPU never sees it (hvlab_handle_dr_access()) */
	vmcs_writel(GUEST_DR7, vcpu->dr7 & ~DR7_GD);
	set_debugreg(0, 7);
	set_debugreg(vcpu->dr[0], 0);
	set_debugreg(vcpu->dr[1], 1);
	set_debugreg(vcpu->dr[2], 2);
	set_debugreg(vcpu->dr[3], 3);
}

/*
 * SDM 26.1.3 ("MOV-DR exiting"): every MOV to or from a debug register.
 * DR4/DR5 are DR6/DR7 unless CR4.DE makes them #UD (SDM 19.2.2). With
 * DR7.GD set, the MOV raises #DB instead, DR6.BD set and GD cleared for
 * the handler (SDM 19.2.4), RIP at the MOV: the exit came first.
 */
int hvlab_handle_dr_access(struct hvlab_vcpu *vcpu)
{
	u64 qual = vcpu->exit.qualification;
	unsigned int dr = DR_QUAL_NUMBER(qual), gpr = DR_QUAL_GPR(qual);
	bool long_mode = hvlab_guest_code_bits() == 64;
	u64 *reg, value;

	if (dr == 4 || dr == 5) {
		if (hvlab_vmcs_read_guest_cr4() & X86_CR4_DE) {
			hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_UD, false, 0);
			return 1;
		}
		dr += 2;
	}
	if (vcpu->dr7 & DR7_GD) {
		vcpu->dr7 &= ~DR7_GD;
		vcpu->dr6 = (vcpu->dr6 & ~DR6_TRAP_BITS) | DR6_BD;
		hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_DB, false, 0);
		return 1;
	}
	reg = dr < 4 ? &vcpu->dr[dr] : dr == 6 ? &vcpu->dr6 : &vcpu->dr7;
	if (qual & DR_QUAL_FROM_DR) {
		hvlab_write_gpr(vcpu, gpr, long_mode ? *reg : (u32)*reg);
	} else {
		value = hvlab_read_gpr(vcpu, gpr);
		if (!long_mode)
			value = (u32)value;
		/* the upper halves of DR6 and DR7 are reserved, must be zero */
		if (dr >= 6 && (value >> 32)) {
			hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_GP, true, 0);
			return 1;
		}
		if (dr == 6)
			value |= DR6_RESET;	/* the bits that read as 1 */
		else if (dr == 7)	/* bits 12, 14, 15 read as 0, bit 10 as 1 */
			value = (value & DR7_WRITABLE) | DR7_RESET;
		*reg = value;
		/* armed or disarmed: the next entry puts DR0-DR3 and DR7 in place */
		if (dr == 7) {
			set_bit(HVLAB_ENTRY_DEBUGREG, &vcpu->entry_work);
			hvlab_vcpu_update_io_extras(vcpu);
		}
	}
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	return 1;
}

/*
 * An IN or OUT that hvlab completed: the exit came before the CPU could
 * raise an I/O breakpoint, so hvlab does. With CR4.DE, a breakpoint whose
 * R/W field is 10 covers the ports DRn to DRn + LEN - 1 (SDM 19.2.4,
 * 19.2.5); an enabled one that the access overlaps traps after the
 * instruction, its Bn in DR6 (19.2.3), in the same #DB as a single
 * step's if there is one.
 */
void hvlab_debugreg_io_done(struct hvlab_vcpu *vcpu, u16 port, unsigned int size)
{
	/* LEN 00, 01, 10, 11; 10 is undefined for I/O, taken as for data */
	static const u8 len_bytes[4] = { 1, 2, 8, 4 };
	u64 hits = 0, start, len;
	int i;

	if (!(hvlab_vmcs_read_guest_cr4() & X86_CR4_DE))
		return;
	for (i = 0; i < 4; i++) {
		if (!(vcpu->dr7 & (3ULL << (2 * i))) ||
		    ((vcpu->dr7 >> (16 + 4 * i)) & 3) != 2)
			continue;
		len = len_bytes[(vcpu->dr7 >> (18 + 4 * i)) & 3];
		/* (the port zero-extended against all of DRn, SDM 19.2.5) */
		start = vcpu->dr[i] & ~(len - 1);
		if (start < port + size && port < start + len)
			hits |= BIT_ULL(i);
	}
	if (!hits)
		return;
	/* The guest's single step after this instruction (vcpu.c): both in one #DB */
	if (vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) ==
	    (INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION << INTR_INFO_TYPE_SHIFT | X86_VECTOR_DB) &&
	    (vcpu->dr6 & DR6_BS)) {
		vcpu->dr6 |= hits;
		return;
	}
	vcpu->dr6 = (vcpu->dr6 & ~DR6_TRAP_BITS) | hits;
	vcpu->dr7 &= ~DR7_GD;	/* as the CPU clears it delivering a #DB */
	hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_DB, false, 0);
}
