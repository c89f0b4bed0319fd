// SPDX-License-Identifier: GPL-2.0
/*
 * entry_check.c - host-side tests of the VM-entry checker (SDM 27.2,
 * 27.3): known-good VMCS snapshots for a 16-bit unrestricted guest, a
 * 32-bit protected-mode guest and a 64-bit long-mode guest, built the way
 * hvlab.ko builds them, with the lab CPU's (Bochs') capability MSRs; each
 * case breaks one field and asserts the check the explainer names first.
 * tests/vm/entry_checks.c does the same against the lab CPU itself.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "entry_check.h"

/* The lab CPU's capability MSRs: hvctl info --json in the lab VM (Bochs 2.7) */
static void bochs_env(struct hv_entry_env *env)
{
	memset(env, 0, sizeof(*env));
	env->caps.basic = 0xd810000000002bULL;
	env->caps.pinbased_ctls = 0x7f00000016ULL;
	env->caps.procbased_ctls = 0xf7f9fffe04006172ULL;
	env->caps.procbased_ctls2 = 0x2177fff00000000ULL;
	env->caps.exit_ctls = 0x7fffff00036dfbULL;
	env->caps.entry_ctls = 0xffff000011fbULL;
	env->caps.misc = 0x600401e0ULL;
	env->caps.cr0_fixed0 = 0x80000021ULL;
	env->caps.cr0_fixed1 = 0xffffffffULL;
	env->caps.cr4_fixed0 = 0x2000ULL;
	env->caps.cr4_fixed1 = 0x3727ffULL;
	env->caps.ept_vpid_cap = 0xf0106334141ULL;
	env->caps.vmfunc = 1;
	env->caps.feature_control = 5;
	env->caps.flags = HVLAB_CAP_TRUE_CTLS | HVLAB_CAP_EPT | HVLAB_CAP_UNRESTRICTED_GUEST;
	env->phys_bits = 40;
	env->linear_bits = 48;
	env->host_in_ia32e = 1;
}

enum mode { REAL16, PROT32, LONG64 };

#define SET(v, name, val)	hv_vmcs_set(v, hvlab_enc_##name, val)

/* Encodings by name, from the field table */
enum {
#define X(enc, name) hvlab_enc_##name = enc,
	HVLAB_VMCS_FIELDS(X)
#undef X
};

static uint64_t get(const struct hv_vmcs *v, uint32_t enc)
{
	return hv_vmcs_get(v, enc);
}

static void seg(struct hv_vmcs *v, uint32_t sel_enc, uint16_t sel, uint64_t base,
		uint32_t limit, uint32_t ar)
{
	/* selector 0x08xx, limit 0x48xx, AR 0x48xx+0x14, base 0x68xx+6: by index */
	unsigned int i = (sel_enc - 0x800) / 2;

	hv_vmcs_set(v, sel_enc, sel);
	hv_vmcs_set(v, 0x4800 + 2 * i, limit);
	hv_vmcs_set(v, 0x4814 + 2 * i, ar);
	hv_vmcs_set(v, 0x6806 + 2 * i, base);
}

/* What hvlab.ko writes for a fresh vCPU, then what hvctl loads for @mode. */
static void good_state(struct hv_vmcs *v, enum mode mode)
{
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < HV_VMCS_NFIELDS; i++)
		v->supported[i] = 1;
	/* controls as module/vmx.c chooses them on this CPU */
	SET(v, PIN_BASED_VM_EXEC_CONTROL, 0x7f);
	SET(v, CPU_BASED_VM_EXEC_CONTROL, 0x04006172 | (1u << 7) | (1u << 10) | (1u << 11) |
	    (1u << 19) | (1u << 20) | (1u << 23) | (1u << 24) | (1u << 28) | (1u << 29) |
	    (1u << 31));
	SET(v, SECONDARY_VM_EXEC_CONTROL, 0x2 | 0x80 | 0x8 | 0x1000 | 0x40);
	SET(v, VM_EXIT_CONTROLS, 0x36dfb | (1u << 9) | (1u << 18) | (1u << 19) | (1u << 20) |
	    (1u << 21));
	SET(v, VM_ENTRY_CONTROLS, 0x11fb | (1u << 14) | (1u << 15) | (mode == LONG64 ? 1u << 9 : 0));
	SET(v, EPT_POINTER, 0x1234000 | 0x1e);
	SET(v, MSR_BITMAP, 0x5000);
	SET(v, VMX_PREEMPTION_TIMER_VALUE, 1 << 20);
	/* host state of a 64-bit Linux */
	SET(v, HOST_CR0, 0x80050033);
	SET(v, HOST_CR3, 0x1a2b000);
	SET(v, HOST_CR4, 0x26f0);
	SET(v, HOST_CS_SELECTOR, 0x10);
	SET(v, HOST_SS_SELECTOR, 0x18);
	SET(v, HOST_TR_SELECTOR, 0x40);
	SET(v, HOST_TR_BASE, 0xfffffe0000003000ULL);
	SET(v, HOST_GDTR_BASE, 0xfffffe0000001000ULL);
	SET(v, HOST_IDTR_BASE, 0xfffffe0000000000ULL);
	SET(v, HOST_GS_BASE, 0xffff88801fc00000ULL);
	SET(v, HOST_IA32_SYSENTER_ESP, 0xfffffe0000003000ULL);
	SET(v, HOST_IA32_SYSENTER_EIP, 0xffffffff81a01b40ULL);
	SET(v, HOST_IA32_PAT, 0x0407050600070106ULL);
	SET(v, HOST_IA32_EFER, 0xd01);
	SET(v, HOST_RIP, 0xffffffffc0001000ULL);
	SET(v, HOST_RSP, 0xffffc90000a00000ULL);
	/* guest: the reset state hvlab writes, then the loader's */
	SET(v, VMCS_LINK_POINTER, ~0ULL);
	SET(v, GUEST_DR7, 0x400);
	SET(v, GUEST_IA32_PAT, 0x0007040600070406ULL);
	SET(v, GUEST_RFLAGS, 0x2);
	SET(v, GUEST_CR4, 0x2000);
	switch (mode) {
	case REAL16:
		for (uint32_t e = 0x800; e <= 0x80a; e += 2)
			seg(v, e, 0, 0, 0xffff, 0x93);
		seg(v, hvlab_enc_GUEST_CS_SELECTOR, 0, 0, 0xffff, 0x9b);
		seg(v, hvlab_enc_GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
		seg(v, hvlab_enc_GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x8b);
		SET(v, GUEST_GDTR_LIMIT, 0xffff);
		SET(v, GUEST_IDTR_LIMIT, 0xffff);
		SET(v, GUEST_CR0, 0x30);		/* ET, NE: NE is fixed to 1 */
		SET(v, GUEST_RIP, 0x7c00);
		SET(v, GUEST_RSP, 0x7c00);
		break;
	case PROT32:
	case LONG64:
		for (uint32_t e = 0x800; e <= 0x80a; e += 2)
			seg(v, e, 0x10, 0, 0xffffffff, 0xc093);
		seg(v, hvlab_enc_GUEST_CS_SELECTOR, mode == LONG64 ? 0x18 : 0x08, 0, 0xffffffff,
		    mode == LONG64 ? 0xa09b : 0xc09b);
		seg(v, hvlab_enc_GUEST_LDTR_SELECTOR, 0, 0, 0, 0x10000);
		seg(v, hvlab_enc_GUEST_TR_SELECTOR, 0x20, 0x1100, 0x67, 0x8b);
		SET(v, GUEST_GDTR_BASE, 0x1000);
		SET(v, GUEST_GDTR_LIMIT, 0x2f);
		SET(v, GUEST_CR0, 0x31);
		SET(v, GUEST_RIP, 0x100000);
		SET(v, GUEST_RSP, 0x90000);
		if (mode == LONG64) {
			SET(v, GUEST_CR0, 0x80000031);
			SET(v, GUEST_CR3, 0x2000);
			SET(v, GUEST_CR4, 0x2020);
			SET(v, GUEST_IA32_EFER, 0x500);
		}
		break;
	}
}

static const char *first_id(const struct hv_vmcs *v, const struct hv_entry_env *env)
{
	static struct hv_entry_report report;

	if (!hv_entry_check(v, env, &report))
		return "none";
	return report.failures[0].check->id;
}

/* One field broken: ops on the known-good value */
enum op { OP_SET, OP_OR, OP_CLEAR };

struct breakage {
	enum mode mode;
	uint32_t field;
	enum op op;
	uint64_t value;
	const char *expect;
};

#define NONCANON	0x0000800000000000ULL
#define B(m, f, o, val, id)	{ m, hvlab_enc_##f, o, val, id }

static const struct breakage cases[] = {
	/* 27.2.1: controls */
	B(REAL16, PIN_BASED_VM_EXEC_CONTROL, OP_CLEAR, 0x10, "ctl.pin.allowed0"),
	B(REAL16, PIN_BASED_VM_EXEC_CONTROL, OP_OR, 0x80, "ctl.pin.allowed1"),
	B(REAL16, CPU_BASED_VM_EXEC_CONTROL, OP_CLEAR, 0x2, "ctl.proc.allowed0"),
	B(REAL16, CPU_BASED_VM_EXEC_CONTROL, OP_OR, 0x1, "ctl.proc.allowed1"),
	B(REAL16, SECONDARY_VM_EXEC_CONTROL, OP_OR, 1u << 27, "ctl.proc2.allowed1"),
	B(REAL16, CR3_TARGET_COUNT, OP_SET, 5, "ctl.cr3_target_count"),
	B(REAL16, MSR_BITMAP, OP_SET, 0x5008, "ctl.msr_bitmap.addr"),
	B(REAL16, PIN_BASED_VM_EXEC_CONTROL, OP_CLEAR, 0x8, "ctl.nmi.virtual_nmis"),
	B(REAL16, SECONDARY_VM_EXEC_CONTROL, OP_CLEAR, 0x2, "ctl.unrestricted.ept"),
	B(REAL16, SECONDARY_VM_EXEC_CONTROL, OP_OR, 0x20, "ctl.vpid.nonzero"),
	B(REAL16, EPT_POINTER, OP_SET, 0x1234000 | 0x1d, "ctl.ept.memtype"),
	B(REAL16, EPT_POINTER, OP_SET, 0x1234000 | 0x16, "ctl.ept.walk"),
	B(REAL16, EPT_POINTER, OP_SET, 0x1234000 | 0x1e | 0x100, "ctl.ept.reserved"),
	B(REAL16, EPT_POINTER, OP_SET, (1ULL << 45) | 0x1e, "ctl.ept.reserved"),
	B(REAL16, VM_EXIT_CONTROLS, OP_CLEAR, 0x4000, "ctl.exit.allowed0"),
	B(REAL16, VM_EXIT_CONTROLS, OP_OR, 1u << 31, "ctl.exit.allowed1"),
	B(REAL16, VM_ENTRY_CONTROLS, OP_CLEAR, 0x1000, "ctl.entry.allowed0"),
	B(REAL16, VM_ENTRY_CONTROLS, OP_OR, 1u << 31, "ctl.entry.allowed1"),
	B(REAL16, VM_ENTRY_CONTROLS, OP_OR, 1u << 10, "ctl.entry.smm"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80000100, "ctl.entry.intr.type"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80000203, "ctl.entry.intr.nmi_vector"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80000320, "ctl.entry.intr.hw_vector"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80000b0d, "ctl.entry.intr.error_code_bit"),
	B(PROT32, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x8000030d, "ctl.entry.intr.error_code_bit"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80010030, "ctl.entry.intr.reserved"),
	/* 27.2.2-27.2.4: host state */
	B(REAL16, HOST_CR0, OP_CLEAR, 0x20, "host.cr0.fixed"),
	B(REAL16, HOST_CR4, OP_CLEAR, 0x2000, "host.cr4.fixed"),
	B(REAL16, HOST_CR3, OP_OR, 1ULL << 50, "host.cr3.phys"),
	B(REAL16, HOST_IA32_SYSENTER_EIP, OP_SET, 0x0000800000000000ULL, "host.sysenter_eip.canonical"),
	B(REAL16, HOST_IA32_PAT, OP_SET, 0x0407050600070102ULL, "host.pat.valid"),
	B(REAL16, HOST_IA32_EFER, OP_OR, 0x2, "host.efer.reserved"),
	B(REAL16, HOST_IA32_EFER, OP_CLEAR, 0x400, "host.efer.lma_lme"),
	B(REAL16, HOST_CS_SELECTOR, OP_OR, 3, "host.cs.rpl_ti"),
	B(REAL16, HOST_TR_SELECTOR, OP_OR, 4, "host.tr.rpl_ti"),
	B(REAL16, HOST_CS_SELECTOR, OP_SET, 0, "host.cs.nonnull"),
	B(REAL16, HOST_TR_SELECTOR, OP_SET, 0, "host.tr.nonnull"),
	B(REAL16, HOST_GS_BASE, OP_SET, 0x8000000000000000ULL, "host.gs.base_canonical"),
	B(REAL16, HOST_GDTR_BASE, OP_SET, 0x0000800000000000ULL, "host.gdtr.base_canonical"),
	B(REAL16, HOST_TR_BASE, OP_SET, 0x1000000000000000ULL, "host.tr.base_canonical"),
	B(REAL16, VM_EXIT_CONTROLS, OP_CLEAR, 1u << 9, "host.efer.lma_lme"),
	B(REAL16, HOST_CR4, OP_CLEAR, 0x20, "host.cr4.pae"),
	B(REAL16, HOST_RIP, OP_SET, 0x0000ffffc0001000ULL, "host.rip.canonical"),
	/* 27.3.1.1 */
	B(REAL16, GUEST_CR0, OP_CLEAR, 0x20, "guest.cr0.fixed0"),
	B(REAL16, GUEST_CR0, OP_OR, 1ULL << 32, "guest.cr0.fixed1"),
	B(REAL16, GUEST_CR0, OP_OR, 1ULL << 31, "guest.cr0.pg_pe"),
	B(REAL16, GUEST_CR4, OP_CLEAR, 0x2000, "guest.cr4.fixed0"),
	B(REAL16, GUEST_CR4, OP_OR, 0x1000, "guest.cr4.fixed1"),
	B(PROT32, GUEST_CR4, OP_OR, 1u << 17, "guest.cr4.pcide"),
	B(LONG64, GUEST_CR0, OP_CLEAR, 1ULL << 31, "guest.ia32e.cr0_pg"),
	B(LONG64, GUEST_CR4, OP_CLEAR, 0x20, "guest.ia32e.cr4_pae"),
	B(PROT32, GUEST_CR3, OP_OR, 1ULL << 62, "guest.cr3.phys"),
	B(REAL16, GUEST_SYSENTER_ESP, OP_SET, 0x0000800000000000ULL, "guest.sysenter_esp.canonical"),
	B(REAL16, GUEST_SYSENTER_EIP, OP_SET, 0xfff0000000000000ULL, "guest.sysenter_eip.canonical"),
	B(REAL16, GUEST_IA32_PAT, OP_SET, 0x0007040600070402ULL, "guest.pat.valid"),
	B(PROT32, GUEST_IA32_EFER, OP_OR, 0x4, "guest.efer.reserved"),
	B(PROT32, GUEST_IA32_EFER, OP_OR, 0x400, "guest.efer.lma_ia32e"),
	B(LONG64, GUEST_IA32_EFER, OP_CLEAR, 0x400, "guest.efer.lma_ia32e"),
	B(LONG64, GUEST_IA32_EFER, OP_CLEAR, 0x100, "guest.efer.lme_lma"),
	/* 27.3.1.2 */
	B(PROT32, GUEST_TR_SELECTOR, OP_OR, 4, "guest.tr.ti"),
	B(REAL16, GUEST_LDTR_SELECTOR, OP_OR, 4, "guest.ldtr.ti"),
	B(LONG64, GUEST_TR_BASE, OP_SET, 0x0000800000000000ULL, "guest.tr.base_canonical"),
	B(LONG64, GUEST_FS_BASE, OP_SET, 0x0000800000000000ULL, "guest.fs.base_canonical"),
	B(LONG64, GUEST_GS_BASE, OP_SET, 0x0001000000000000ULL, "guest.gs.base_canonical"),
	B(REAL16, GUEST_LDTR_BASE, OP_SET, 0x0000800000000000ULL, "guest.ldtr.base_canonical"),
	B(REAL16, GUEST_CS_BASE, OP_SET, 1ULL << 32, "guest.cs.base_high"),
	B(PROT32, GUEST_SS_BASE, OP_SET, 1ULL << 32, "guest.ss.base_high"),
	B(PROT32, GUEST_DS_BASE, OP_SET, 1ULL << 40, "guest.ds.base_high"),
	B(REAL16, GUEST_ES_BASE, OP_SET, 1ULL << 33, "guest.es.base_high"),
	B(REAL16, GUEST_CS_AR_BYTES, OP_SET, 0x91, "guest.cs.type"),
	B(PROT32, GUEST_CS_AR_BYTES, OP_SET, 0xc0f3, "guest.cs.dpl_data"),
	B(REAL16, GUEST_SS_AR_BYTES, OP_SET, 0x91, "guest.ss.type"),
	B(REAL16, GUEST_DS_AR_BYTES, OP_SET, 0x92, "guest.ds.accessed"),
	B(PROT32, GUEST_ES_AR_BYTES, OP_SET, 0xc092, "guest.es.accessed"),
	B(REAL16, GUEST_FS_AR_BYTES, OP_SET, 0x99, "guest.fs.code_readable"),
	B(REAL16, GUEST_GS_AR_BYTES, OP_SET, 0x99, "guest.gs.code_readable"),
	B(REAL16, GUEST_CS_AR_BYTES, OP_SET, 0x8b, "guest.cs.s"),
	B(PROT32, GUEST_SS_AR_BYTES, OP_SET, 0xc083, "guest.ss.s"),
	B(REAL16, GUEST_DS_AR_BYTES, OP_SET, 0x83, "guest.ds.s"),
	B(PROT32, GUEST_CS_AR_BYTES, OP_SET, 0xc0fb, "guest.cs.dpl_nonconforming"),
	B(PROT32, GUEST_CS_AR_BYTES, OP_SET, 0xc0ff, "guest.cs.dpl_conforming"),
	B(REAL16, GUEST_SS_AR_BYTES, OP_SET, 0xf3, "guest.cs.dpl_nonconforming"),
	B(REAL16, GUEST_CS_AR_BYTES, OP_SET, 0x1b, "guest.cs.present"),
	B(PROT32, GUEST_DS_AR_BYTES, OP_SET, 0xc013, "guest.ds.present"),
	B(REAL16, GUEST_ES_AR_BYTES, OP_SET, 0x13, "guest.es.present"),
	B(REAL16, GUEST_FS_AR_BYTES, OP_SET, 0x13, "guest.fs.present"),
	B(PROT32, GUEST_GS_AR_BYTES, OP_SET, 0xc013, "guest.gs.present"),
	B(REAL16, GUEST_SS_AR_BYTES, OP_SET, 0x13, "guest.ss.present"),
	B(REAL16, GUEST_CS_AR_BYTES, OP_SET, 0x49b, "guest.cs.ar_reserved"),
	B(PROT32, GUEST_SS_AR_BYTES, OP_SET, 0x2c093, "guest.ss.ar_reserved"),
	B(REAL16, GUEST_DS_AR_BYTES, OP_SET, 0x193, "guest.ds.ar_reserved"),
	B(LONG64, GUEST_CS_AR_BYTES, OP_SET, 0xe09b, "guest.cs.l_db"),
	B(REAL16, GUEST_CS_LIMIT, OP_SET, 0x100000, "guest.cs.granularity"),
	B(PROT32, GUEST_SS_LIMIT, OP_SET, 0xfffff000, "guest.ss.granularity"),
	B(PROT32, GUEST_DS_AR_BYTES, OP_SET, 0x4093, "guest.ds.granularity"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x89, "guest.tr.type"),
	B(LONG64, GUEST_TR_AR_BYTES, OP_SET, 0x83, "guest.tr.type"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x9b, "guest.tr.s"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x0b, "guest.tr.present"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x20008b, "guest.tr.ar_reserved"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x808b, "guest.tr.granularity"),
	B(PROT32, GUEST_TR_AR_BYTES, OP_SET, 0x1008b, "guest.tr.unusable"),
	B(REAL16, GUEST_LDTR_AR_BYTES, OP_SET, 0x83, "guest.ldtr.type"),
	B(REAL16, GUEST_LDTR_AR_BYTES, OP_SET, 0x92, "guest.ldtr.s"),
	B(REAL16, GUEST_LDTR_AR_BYTES, OP_SET, 0x02, "guest.ldtr.present"),
	B(REAL16, GUEST_LDTR_AR_BYTES, OP_SET, 0x482, "guest.ldtr.ar_reserved"),
	B(REAL16, GUEST_LDTR_LIMIT, OP_SET, 0x1fffff, "guest.ldtr.granularity"),
	/* 27.3.1.3 */
	B(LONG64, GUEST_GDTR_BASE, OP_SET, 0x0000800000000000ULL, "guest.gdtr.base_canonical"),
	B(LONG64, GUEST_IDTR_BASE, OP_SET, 0xff00000000000000ULL, "guest.idtr.base_canonical"),
	B(REAL16, GUEST_GDTR_LIMIT, OP_SET, 0x10000, "guest.gdtr.limit"),
	B(REAL16, GUEST_IDTR_LIMIT, OP_SET, 0x1ffff, "guest.idtr.limit"),
	/* 27.3.1.4 */
	B(PROT32, GUEST_RIP, OP_OR, 1ULL << 32, "guest.rip.high"),
	B(LONG64, GUEST_RIP, OP_SET, 0x0000800000000000ULL, "guest.rip.canonical"),
	B(REAL16, GUEST_RFLAGS, OP_OR, 0x8, "guest.rflags.reserved"),
	B(REAL16, GUEST_RFLAGS, OP_OR, 1ULL << 22, "guest.rflags.reserved"),
	B(REAL16, GUEST_RFLAGS, OP_SET, 0, "guest.rflags.fixed1"),
	B(REAL16, GUEST_RFLAGS, OP_OR, 1u << 17, "guest.rflags.vm"),
	B(LONG64, GUEST_RFLAGS, OP_OR, 1u << 17, "guest.rflags.vm"),
	B(REAL16, VM_ENTRY_INTR_INFO_FIELD, OP_SET, 0x80000020, "guest.rflags.if_injection"),
	/* 27.3.1.5 */
	B(REAL16, GUEST_ACTIVITY_STATE, OP_SET, 4, "guest.activity.valid"),
	B(REAL16, GUEST_INTERRUPTIBILITY_INFO, OP_SET, 0x20, "guest.intr.reserved"),
	B(REAL16, GUEST_INTERRUPTIBILITY_INFO, OP_SET, 0x4, "guest.intr.smi"),
	B(REAL16, GUEST_INTERRUPTIBILITY_INFO, OP_SET, 0x1, "guest.intr.sti_if"),
	B(REAL16, GUEST_PENDING_DBG_EXCEPTIONS, OP_SET, 0x10, "guest.pending_dbg.reserved"),
	B(REAL16, GUEST_PENDING_DBG_EXCEPTIONS, OP_SET, 0x2000, "guest.pending_dbg.reserved"),
	B(REAL16, VMCS_LINK_POINTER, OP_SET, 0x12345, "guest.link.aligned"),
	B(REAL16, VMCS_LINK_POINTER, OP_SET, 1ULL << 52, "guest.link.phys"),
	/* the per-segment variants */
	B(PROT32, GUEST_FS_AR_BYTES, OP_SET, 0xc092, "guest.fs.accessed"),
	B(PROT32, GUEST_GS_AR_BYTES, OP_SET, 0xc092, "guest.gs.accessed"),
	B(REAL16, GUEST_DS_AR_BYTES, OP_SET, 0x99, "guest.ds.code_readable"),
	B(REAL16, GUEST_ES_AR_BYTES, OP_SET, 0x99, "guest.es.code_readable"),
	B(REAL16, GUEST_ES_AR_BYTES, OP_SET, 0x83, "guest.es.s"),
	B(REAL16, GUEST_FS_AR_BYTES, OP_SET, 0x83, "guest.fs.s"),
	B(REAL16, GUEST_GS_AR_BYTES, OP_SET, 0x83, "guest.gs.s"),
	B(REAL16, GUEST_ES_AR_BYTES, OP_SET, 0x893, "guest.es.ar_reserved"),
	B(REAL16, GUEST_FS_AR_BYTES, OP_SET, 0x40093, "guest.fs.ar_reserved"),
	B(REAL16, GUEST_GS_AR_BYTES, OP_SET, 0x293, "guest.gs.ar_reserved"),
	B(REAL16, GUEST_ES_LIMIT, OP_SET, 0x200000, "guest.es.granularity"),
	B(PROT32, GUEST_FS_LIMIT, OP_SET, 0xfff0, "guest.fs.granularity"),
	B(PROT32, GUEST_GS_AR_BYTES, OP_SET, 0x4093, "guest.gs.granularity"),
	B(REAL16, GUEST_ES_AR_BYTES, OP_SET, 0x10000, "none"),	/* unusable: no checks */
	/* controls the lab CPU has but hvlab does not use */
	B(REAL16, SECONDARY_VM_EXEC_CONTROL, OP_OR, 0x10, "ctl.tpr_shadow.needed"),
	B(REAL16, VM_EXIT_CONTROLS, OP_OR, 1u << 22, "none"),	/* the timer is on: allowed */
	B(REAL16, HOST_IA32_SYSENTER_ESP, OP_SET, 0x8000000000000001ULL, "host.sysenter_esp.canonical"),
	B(REAL16, HOST_ES_SELECTOR, OP_SET, 0x1b, "host.es.rpl_ti"),
	B(REAL16, HOST_SS_SELECTOR, OP_OR, 4, "host.ss.rpl_ti"),
	B(REAL16, HOST_DS_SELECTOR, OP_SET, 0x2b, "host.ds.rpl_ti"),
	B(REAL16, HOST_FS_SELECTOR, OP_SET, 0x1, "host.fs.rpl_ti"),
	B(REAL16, HOST_GS_SELECTOR, OP_SET, 0x2, "host.gs.rpl_ti"),
	B(REAL16, HOST_FS_BASE, OP_SET, NONCANON, "host.fs.base_canonical"),
	B(REAL16, HOST_IDTR_BASE, OP_SET, NONCANON, "host.idtr.base_canonical"),
	B(REAL16, GUEST_CR4, OP_OR, 1u << 23, "guest.cr4.fixed1"),	/* no CET here */
};

TEST(known_good_states_pass)
{
	struct hv_entry_env env;
	struct hv_entry_report report;
	struct hv_vmcs v;

	bochs_env(&env);
	for (int mode = REAL16; mode <= LONG64; mode++) {
		good_state(&v, mode);
		EXPECT_EQ(0, hv_entry_check(&v, &env, &report)) {
			hv_entry_report_print(stderr, &report);
		}
		EXPECT_LT(100, report.checks_run);
	}
}

TEST(one_broken_field_names_its_check)
{
	struct hv_entry_env env;
	struct hv_vmcs v;

	bochs_env(&env);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct breakage *b = &cases[i];
		uint64_t value;

		ASSERT_TRUE(!strcmp(b->expect, "none") || hv_entry_check_by_id(b->expect)) {
			TH_LOG("case %zu expects an id that is not in the catalogue: %s", i, b->expect);
		}
		good_state(&v, b->mode);
		value = get(&v, b->field);
		value = b->op == OP_SET ? b->value : b->op == OP_OR ? value | b->value :
			value & ~b->value;
		hv_vmcs_set(&v, b->field, value);
		EXPECT_STREQ(b->expect, first_id(&v, &env)) {
			TH_LOG("case %zu: field 0x%x = 0x%llx (mode %d)", i, b->field,
			       (unsigned long long)value, b->mode);
		}
	}
}

/* Checks that need two fields changed together */
TEST(combined_breakages)
{
	struct hv_entry_env env;
	struct hv_vmcs v;

	bochs_env(&env);
	/* STI and MOV SS blocking together, with IF=1 so sti_if holds */
	good_state(&v, REAL16);
	SET(&v, GUEST_RFLAGS, 0x202);
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 3);
	EXPECT_STREQ("guest.intr.sti_movss", first_id(&v, &env));
	/* HLT with SS.DPL=3: needs CS.DPL=3 too (non-conforming CS.DPL = SS.DPL) */
	good_state(&v, PROT32);
	SET(&v, GUEST_CS_SELECTOR, 0x0b);
	SET(&v, GUEST_CS_AR_BYTES, 0xc0fb);
	SET(&v, GUEST_SS_SELECTOR, 0x13);
	SET(&v, GUEST_SS_AR_BYTES, 0xc0f3);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_ACTIVITY_STATE, 1);
	EXPECT_STREQ("guest.activity.hlt_ss_dpl", first_id(&v, &env));
	/* STI blocking in HLT */
	good_state(&v, REAL16);
	SET(&v, GUEST_RFLAGS, 0x202);
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 1);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_ACTIVITY_STATE, 1);
	EXPECT_STREQ("guest.activity.blocking", first_id(&v, &env));
	/* BS must follow TF in an STI shadow */
	good_state(&v, REAL16);
	SET(&v, GUEST_RFLAGS, 0x302);
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 1);
	EXPECT_STREQ("guest.pending_dbg.bs_set", first_id(&v, &env));
	SET(&v, GUEST_PENDING_DBG_EXCEPTIONS, 0x4000);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_RFLAGS, 0x202);
	EXPECT_STREQ("guest.pending_dbg.bs_clear", first_id(&v, &env));
	/* virtual-8086 mode needs base = selector << 4, limit 0xffff, AR 0xf3 */
	good_state(&v, PROT32);
	SET(&v, GUEST_RFLAGS, 0x20002);
	EXPECT_STREQ("guest.cs.v86_base", first_id(&v, &env));
	/* Without unrestricted guest: PE/PG fixed, RPL rules */
	good_state(&v, PROT32);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x2 | 0x8 | 0x1000 | 0x40);
	EXPECT_STREQ("guest.cr0.fixed0", first_id(&v, &env));
	SET(&v, GUEST_CR0, 0x80000031);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_SS_SELECTOR, 0x13);
	EXPECT_STREQ("guest.ss.rpl_cs", first_id(&v, &env));
	SET(&v, GUEST_SS_SELECTOR, 0x10);
	SET(&v, GUEST_DS_SELECTOR, 0x13);
	EXPECT_STREQ("guest.ds.dpl_rpl", first_id(&v, &env));
	/* PAE paging with EPT: the PDPTE fields are checked */
	good_state(&v, PROT32);
	SET(&v, GUEST_CR0, 0x80000031);
	SET(&v, GUEST_CR4, 0x2020);
	SET(&v, GUEST_PDPTE0, 0x5001);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_PDPTE2, 0x5007);
	EXPECT_STREQ("guest.pdpte.reserved", first_id(&v, &env));
	SET(&v, GUEST_PDPTE2, 0x8000000000005001ULL);	/* no XD bit in a PAE PDPTE */
	EXPECT_STREQ("guest.pdpte.reserved", first_id(&v, &env));
	SET(&v, GUEST_PDPTE2, 0x8000000000005000ULL);	/* not present: not checked */
	EXPECT_STREQ("none", first_id(&v, &env));
	/* injection into wait-for-SIPI */
	good_state(&v, REAL16);
	SET(&v, GUEST_ACTIVITY_STATE, 3);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000306);
	EXPECT_STREQ("guest.activity.injection", first_id(&v, &env));
	/* SS.DPL must be 0 when CS is a data segment (or in real mode) */
	good_state(&v, REAL16);
	SET(&v, GUEST_CS_AR_BYTES, 0x93);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_SS_AR_BYTES, 0xf3);
	EXPECT_STREQ("guest.ss.dpl_zero", first_id(&v, &env));
	/* MSR lists: 16-byte aligned when the count is not 0 */
	good_state(&v, REAL16);
	SET(&v, VM_EXIT_MSR_LOAD_ADDR, 0x1008);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, VM_EXIT_MSR_LOAD_COUNT, 1);
	EXPECT_STREQ("ctl.exit.msr_load.addr", first_id(&v, &env));
	/* software interrupts: length 0 is allowed here (IA32_VMX_MISC[30]), 16 is not */
	good_state(&v, REAL16);
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000403);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, VM_ENTRY_INSTRUCTION_LEN, 16);
	EXPECT_STREQ("ctl.entry.intr.length", first_id(&v, &env));
	/* what only a CPU with more features, or another host, would show */
	{
		struct hv_entry_env more = env;

		more.caps.cr4_fixed1 |= 1u << 23;		/* CET */
		more.caps.entry_ctls |= (uint64_t)((1u << 2) | (1u << 16)) << 32;
		more.caps.pinbased_ctls |= 0x80ULL << 32;	/* posted interrupts */
		good_state(&v, REAL16);
		SET(&v, GUEST_CR4, 0x2000 | (1u << 23));
		EXPECT_STREQ("guest.cr4.cet_wp", first_id(&v, &more));
		good_state(&v, REAL16);
		SET(&v, VM_ENTRY_CONTROLS, get(&v, hvlab_enc_VM_ENTRY_CONTROLS) | 4);
		SET(&v, GUEST_IA32_DEBUGCTL, 0x4);
		EXPECT_STREQ("guest.debugctl.reserved", first_id(&v, &more));
		SET(&v, GUEST_IA32_DEBUGCTL, 0);
		SET(&v, GUEST_DR7, 1ULL << 32 | 0x400);
		EXPECT_STREQ("guest.dr7.high", first_id(&v, &more));
		good_state(&v, REAL16);
		SET(&v, VM_ENTRY_CONTROLS, get(&v, hvlab_enc_VM_ENTRY_CONTROLS) | (1u << 16));
		SET(&v, GUEST_IA32_BNDCFGS, 0x4);
		EXPECT_STREQ("guest.bndcfgs.valid", first_id(&v, &more));
		good_state(&v, REAL16);
		SET(&v, PIN_BASED_VM_EXEC_CONTROL, 0xff);
		EXPECT_STREQ("ctl.posted.vid", first_id(&v, &more));
		SET(&v, SECONDARY_VM_EXEC_CONTROL, get(&v, hvlab_enc_SECONDARY_VM_EXEC_CONTROL) | 0x200);
		EXPECT_STREQ("ctl.tpr_shadow.needed", first_id(&v, &more));
		SET(&v, CPU_BASED_VM_EXEC_CONTROL, get(&v, hvlab_enc_CPU_BASED_VM_EXEC_CONTROL) | (1u << 21));
		SET(&v, VIRTUAL_APIC_PAGE_ADDR, 0x6000);
		EXPECT_STREQ("ctl.posted.ack", first_id(&v, &more));
		SET(&v, VM_EXIT_CONTROLS, get(&v, hvlab_enc_VM_EXIT_CONTROLS) | (1u << 15));
		SET(&v, POSTED_INTR_NOTIFICATION_VECTOR, 0x100);
		EXPECT_STREQ("ctl.posted.vector", first_id(&v, &more));
		SET(&v, POSTED_INTR_NOTIFICATION_VECTOR, 0xf2);
		SET(&v, POSTED_INTR_DESC_ADDR, 0x7020);
		EXPECT_STREQ("ctl.posted.desc", first_id(&v, &more));
		SET(&v, POSTED_INTR_DESC_ADDR, 0x7040);
		EXPECT_STREQ("none", first_id(&v, &more));
		SET(&v, PIN_BASED_VM_EXEC_CONTROL, 0xfe);
		EXPECT_STREQ("ctl.vid.ext_int", first_id(&v, &more));
	}
	/* addresses of the structures the controls point to: aligned, within MAXPHYADDR */
	{
		static const struct { uint32_t ctl, bit; uint32_t addr; uint64_t value; const char *id; } addrs[] = {
			{ 0x4002, 1u << 25, 0x2000, 0xa001, "ctl.io_bitmap_a.addr" },
			{ 0x4002, 1u << 21, 0x2012, 1ULL << 41, "ctl.vapic.addr" },
			{ 0x401e, 1u << 0, 0x2014, 0xfee00800, "ctl.apic_access.addr" },
			{ 0x401e, 1u << 17, 0x200e, 0x8010, "ctl.pml.addr" },
			{ 0x401e, 1u << 18, 0x202a, 0x9100, "ctl.ept_ve.addr" },
			{ 0x401e, 1u << 14, 0x2026, 0x9004, "ctl.shadow.bitmaps" },
			{ 0x401e, 1u << 13, 0x2024, 0x9008, "ctl.vmfunc.eptp_switch" },
		};

		for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			good_state(&v, REAL16);
			hv_vmcs_set(&v, addrs[i].ctl, get(&v, addrs[i].ctl) | addrs[i].bit);
			if (addrs[i].addr == 0x2024)
				SET(&v, VM_FUNCTION_CONTROL, 1);
			EXPECT_STREQ("none", first_id(&v, &env));
			hv_vmcs_set(&v, addrs[i].addr, addrs[i].value);
			EXPECT_STREQ(addrs[i].id, first_id(&v, &env));
		}
	}
	good_state(&v, REAL16);
	SET(&v, PIN_BASED_VM_EXEC_CONTROL, 0x5f);	/* no virtual NMIs */
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, CPU_BASED_VM_EXEC_CONTROL, get(&v, hvlab_enc_CPU_BASED_VM_EXEC_CONTROL) | (1u << 22));
	EXPECT_STREQ("ctl.nmi.window", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, VM_ENTRY_MSR_LOAD_COUNT, 4);
	SET(&v, VM_ENTRY_MSR_LOAD_ADDR, 0xfffffffff8ULL);	/* the list runs past 40 bits */
	EXPECT_STREQ("ctl.entry.msr_load.addr", first_id(&v, &env));
	/* TPR threshold, x2APIC vs APIC accesses, PML and friends without EPT */
	good_state(&v, REAL16);
	SET(&v, CPU_BASED_VM_EXEC_CONTROL, get(&v, hvlab_enc_CPU_BASED_VM_EXEC_CONTROL) | (1u << 21));
	SET(&v, VIRTUAL_APIC_PAGE_ADDR, 0x6000);
	SET(&v, TPR_THRESHOLD, 0x10);
	EXPECT_STREQ("ctl.tpr_threshold.reserved", first_id(&v, &env));
	SET(&v, TPR_THRESHOLD, 0);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, get(&v, hvlab_enc_SECONDARY_VM_EXEC_CONTROL) | 0x11);
	SET(&v, APIC_ACCESS_ADDR, 0xfee00000);
	EXPECT_STREQ("ctl.x2apic.apic_access", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x40 | (1u << 17));
	SET(&v, PML_ADDRESS, 0x8000);
	EXPECT_STREQ("ctl.pml.ept", first_id(&v, &env));
	env.caps.procbased_ctls2 |= 0xc00000ULL << 32;	/* a CPU with MBEC and SPP */
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x40 | (1u << 22));
	EXPECT_STREQ("ctl.mbec.ept", first_id(&v, &env));
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x40 | (1u << 23));
	EXPECT_STREQ("ctl.spp.ept", first_id(&v, &env));
	bochs_env(&env);
	/* type 7 (pending MTF) needs a CPU with the monitor trap flag; Bochs has none */
	good_state(&v, REAL16);
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000700);
	EXPECT_STREQ("ctl.entry.intr.type", first_id(&v, &env));
	env.caps.procbased_ctls |= (uint64_t)(1u << 27) << 32;
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000701);
	EXPECT_STREQ("ctl.entry.intr.other_vector", first_id(&v, &env));
	bochs_env(&env);
	good_state(&v, REAL16);
	SET(&v, EPT_POINTER, 0x1234000 | 0x5e);		/* A/D flags: this CPU has them */
	EXPECT_STREQ("none", first_id(&v, &env));
	env.caps.ept_vpid_cap &= ~(1ULL << 21);
	EXPECT_STREQ("ctl.ept.ad", first_id(&v, &env));
	bochs_env(&env);
	good_state(&v, REAL16);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, get(&v, hvlab_enc_SECONDARY_VM_EXEC_CONTROL) | (1u << 13));
	SET(&v, EPTP_LIST_ADDRESS, 0x9000);
	SET(&v, VM_FUNCTION_CONTROL, 2);
	EXPECT_STREQ("ctl.vmfunc.allowed", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, PIN_BASED_VM_EXEC_CONTROL, 0x3f);
	SET(&v, VM_EXIT_CONTROLS, get(&v, hvlab_enc_VM_EXIT_CONTROLS) | (1u << 22));
	EXPECT_STREQ("ctl.exit.preemption_save", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, VM_EXIT_MSR_STORE_COUNT, 2);
	SET(&v, VM_EXIT_MSR_STORE_ADDR, 0x1004);
	EXPECT_STREQ("ctl.exit.msr_store.addr", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000b0e);	/* #PF with an error code */
	SET(&v, GUEST_CR0, 0x31);
	SET(&v, VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000);
	EXPECT_STREQ("ctl.entry.intr.error_code", first_id(&v, &env));
	SET(&v, VM_ENTRY_EXCEPTION_ERROR_CODE, 2);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, CPU_BASED_VM_EXEC_CONTROL, get(&v, hvlab_enc_CPU_BASED_VM_EXEC_CONTROL) | (1u << 25));
	SET(&v, IO_BITMAP_A, 0xa000);
	SET(&v, IO_BITMAP_B, 0xb001);
	EXPECT_STREQ("ctl.io_bitmap_b.addr", first_id(&v, &env));
	/* a 32-bit host: the host state rules of 27.2.4 */
	good_state(&v, REAL16);
	env.host_in_ia32e = 0;
	EXPECT_STREQ("host.addr_space.ia32e", first_id(&v, &env));
	SET(&v, VM_EXIT_CONTROLS, get(&v, hvlab_enc_VM_EXIT_CONTROLS) & ~(1u << 9));
	SET(&v, HOST_IA32_EFER, 0x801);
	SET(&v, HOST_RIP, 0xc0001000);
	SET(&v, HOST_SS_SELECTOR, 0);
	EXPECT_STREQ("host.ss.nonnull", first_id(&v, &env));
	SET(&v, HOST_SS_SELECTOR, 0x18);
	SET(&v, HOST_CR4, 0x26f0 | (1u << 17));
	EXPECT_STREQ("host.cr4.pcide", first_id(&v, &env));
	SET(&v, HOST_CR4, 0x26f0);
	SET(&v, HOST_RIP, 0x1c0001000ULL);
	EXPECT_STREQ("host.rip.high", first_id(&v, &env));
	env.host_in_ia32e = 1;
	good_state(&v, LONG64);
	SET(&v, VM_EXIT_CONTROLS, get(&v, hvlab_enc_VM_EXIT_CONTROLS) & ~(1u << 9));
	SET(&v, HOST_IA32_EFER, 0x801);
	env.host_in_ia32e = 0;
	EXPECT_STREQ("host.addr_space.ia32e", first_id(&v, &env));
	env.host_in_ia32e = 1;
	/* a 64-bit guest under a 32-bit host: both 27.2.4 rules break */
	{
		static struct hv_entry_report report;

		good_state(&v, LONG64);
		SET(&v, VM_EXIT_CONTROLS, get(&v, hvlab_enc_VM_EXIT_CONTROLS) & ~(1u << 9));
		SET(&v, HOST_IA32_EFER, 0x801);
		hv_entry_check(&v, &env, &report);
		ASSERT_EQ(3, report.nfailures);
		EXPECT_STREQ("host.addr_space.ia32e", report.failures[0].check->id);
		EXPECT_STREQ("host.addr_space.guest", report.failures[1].check->id);
		EXPECT_STREQ("host.rip.high", report.failures[2].check->id);
	}
	/* a CPU whose secondary controls have bits that must be 1 */
	good_state(&v, REAL16);
	env.caps.procbased_ctls2 |= 0x4;
	EXPECT_STREQ("ctl.proc2.allowed0", first_id(&v, &env));
	bochs_env(&env);
	/* the v86 segment rules, one by one from a good v86 state */
	good_state(&v, PROT32);
	SET(&v, GUEST_RFLAGS, 0x20002);
	for (uint32_t e = 0x800; e <= 0x80a; e += 2)
		seg(&v, e, 0x10, 0x100, 0xffff, 0xf3);
	EXPECT_STREQ("none", first_id(&v, &env));
	{
		static const struct { uint32_t field; uint64_t value; const char *id; } v86[] = {
			{ 0x6808, 0, "guest.cs.v86_base" }, { 0x4802, 0xfffe, "guest.cs.v86_limit" },
			{ 0x4816, 0xfb, "guest.cs.v86_ar" }, { 0x680a, 0, "guest.ss.v86_base" },
			{ 0x4804, 0xffffff, "guest.ss.v86_limit" }, { 0x4818, 0x10f3, "guest.ss.v86_ar" },
			{ 0x680c, 0x1000, "guest.ds.v86_base" }, { 0x4806, 0, "guest.ds.v86_limit" },
			{ 0x481a, 0xf2, "guest.ds.v86_ar" }, { 0x6806, 0x101, "guest.es.v86_base" },
			{ 0x4800, 0xfff, "guest.es.v86_limit" }, { 0x4814, 0x93, "guest.es.v86_ar" },
			{ 0x680e, 0, "guest.fs.v86_base" }, { 0x4808, 0xfffff, "guest.fs.v86_limit" },
			{ 0x481c, 0x100f3, "guest.fs.v86_ar" }, { 0x6810, 0x10, "guest.gs.v86_base" },
			{ 0x480a, 0x1ffff, "guest.gs.v86_limit" }, { 0x481e, 0xe3, "guest.gs.v86_ar" },
		};

		for (size_t i = 0; i < sizeof(v86) / sizeof(v86[0]); i++) {
			struct hv_vmcs w = v;

			hv_vmcs_set(&w, v86[i].field, v86[i].value);
			EXPECT_STREQ(v86[i].id, first_id(&w, &env));
		}
	}
	/* without unrestricted guest: the RPL rules of SS and ES, FS, GS */
	good_state(&v, PROT32);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x2 | 0x8 | 0x1000 | 0x40);
	SET(&v, GUEST_CR0, 0x80000031);
	SET(&v, GUEST_SS_SELECTOR, 0x13);
	SET(&v, GUEST_CS_SELECTOR, 0x0b);
	SET(&v, GUEST_CS_AR_BYTES, 0xc0fb);
	SET(&v, GUEST_SS_AR_BYTES, 0xc0f3);
	EXPECT_STREQ("none", first_id(&v, &env));
	SET(&v, GUEST_SS_AR_BYTES, 0xc093);
	SET(&v, GUEST_CS_AR_BYTES, 0xc09f);	/* conforming, DPL 0: fine with SS.DPL 0 */
	EXPECT_STREQ("guest.ss.dpl_rpl", first_id(&v, &env));
	good_state(&v, PROT32);
	SET(&v, SECONDARY_VM_EXEC_CONTROL, 0x2 | 0x8 | 0x1000 | 0x40);
	SET(&v, GUEST_CR0, 0x80000031);
	SET(&v, GUEST_ES_SELECTOR, 0x11);
	EXPECT_STREQ("guest.es.dpl_rpl", first_id(&v, &env));
	SET(&v, GUEST_ES_SELECTOR, 0x10);
	SET(&v, GUEST_FS_SELECTOR, 0x12);
	EXPECT_STREQ("guest.fs.dpl_rpl", first_id(&v, &env));
	SET(&v, GUEST_FS_SELECTOR, 0x10);
	SET(&v, GUEST_GS_SELECTOR, 0x13);
	EXPECT_STREQ("guest.gs.dpl_rpl", first_id(&v, &env));
	SET(&v, GUEST_GS_AR_BYTES, 0xc09f);	/* conforming code: no RPL rule */
	EXPECT_STREQ("none", first_id(&v, &env));
	/* event injection against the interruptibility and activity states */
	good_state(&v, REAL16);
	SET(&v, GUEST_RFLAGS, 0x202);
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 2);
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000020);
	EXPECT_STREQ("guest.intr.ext_int", first_id(&v, &env));
	SET(&v, VM_ENTRY_INTR_INFO_FIELD, 0x80000202);
	EXPECT_STREQ("guest.intr.nmi_movss", first_id(&v, &env));
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 1);
	EXPECT_STREQ("guest.intr.nmi_sti", first_id(&v, &env));
	EXPECT_EQ(3, hv_entry_check_by_id("guest.intr.nmi_sti")->qualification);
	SET(&v, GUEST_INTERRUPTIBILITY_INFO, 8);
	EXPECT_STREQ("guest.intr.nmi_virtual", first_id(&v, &env));
	good_state(&v, REAL16);
	SET(&v, VM_ENTRY_CONTROLS, get(&v, hvlab_enc_VM_ENTRY_CONTROLS) | (1u << 10));
	SET(&v, GUEST_ACTIVITY_STATE, 3);
	{
		static struct hv_entry_report report;

		hv_entry_check(&v, &env, &report);
		EXPECT_EQ(3, report.nfailures);		/* ctl.entry.smm, then the two below */
		EXPECT_STREQ("guest.activity.smm_sipi", report.failures[1].check->id);
		EXPECT_STREQ("guest.intr.smm_entry", report.failures[2].check->id);
	}
	/* a control failure comes before a guest-state one */
	good_state(&v, REAL16);
	SET(&v, GUEST_CR0, 0x10);
	SET(&v, HOST_TR_SELECTOR, 0);
	SET(&v, PIN_BASED_VM_EXEC_CONTROL, 0x6f);
	EXPECT_STREQ("ctl.pin.allowed0", first_id(&v, &env));
}

TEST(report_says_what_and_where)
{
	struct hv_entry_env env;
	struct hv_entry_report report;
	const struct hv_entry_check *chk;
	struct hv_vmcs v;
	char buf[8192];
	FILE *out;

	bochs_env(&env);
	good_state(&v, REAL16);
	SET(&v, GUEST_CR0, 0x10);
	ASSERT_EQ(1, hv_entry_check(&v, &env, &report));
	chk = report.failures[0].check;
	EXPECT_STREQ("guest.cr0.fixed0", chk->id);
	EXPECT_STREQ("27.3.1.1", chk->section);
	EXPECT_EQ(HV_ENTRY_FAIL_GUEST, chk->outcome);
	EXPECT_NE(NULL, strstr(report.failures[0].fields, "GUEST_CR0=0x10"));
	EXPECT_NE(NULL, strstr(report.failures[0].fields, "missing 0x20"));

	out = fmemopen(buf, sizeof(buf), "w");
	ASSERT_NE(NULL, out);
	hv_entry_report_json(out, &report);
	fclose(out);
	EXPECT_NE(NULL, strstr(buf, "\"id\":\"guest.cr0.fixed0\""));
	EXPECT_NE(NULL, strstr(buf, "\"exit_reason\":33"));
	EXPECT_NE(NULL, strstr(buf, "\"failed\":1"));

	good_state(&v, REAL16);
	SET(&v, VMCS_LINK_POINTER, 0x1000);
	hv_entry_check(&v, &env, &report);
	ASSERT_EQ(0, report.nfailures);	/* aligned: only the revision (memory) could fail */
	SET(&v, VMCS_LINK_POINTER, 0x1001);
	hv_entry_check(&v, &env, &report);
	ASSERT_EQ(1, report.nfailures);
	EXPECT_EQ(4, report.failures[0].check->qualification);
	good_state(&v, REAL16);
	SET(&v, HOST_CR0, 0);
	hv_entry_check(&v, &env, &report);
	EXPECT_EQ(HV_ENTRY_FAIL_HOST, report.failures[0].check->outcome);
}

TEST(catalogue_is_consistent)
{
	const struct hv_entry_check *list;
	unsigned int n;

	list = hv_entry_checks(&n);
	ASSERT_LT(150, n);
	for (unsigned int i = 0; i < n; i++) {
		EXPECT_EQ(0, strncmp(list[i].section, "27.", 3));
		EXPECT_NE(0, strlen(list[i].rule));
		EXPECT_NE(0, strlen(list[i].hint));
		EXPECT_EQ(0, strncmp(list[i].id, list[i].outcome == HV_ENTRY_FAIL_CONTROLS ? "ctl." :
				     list[i].outcome == HV_ENTRY_FAIL_HOST ? "host." : "guest.",
				     list[i].outcome == HV_ENTRY_FAIL_GUEST ? 6 :
				     list[i].outcome == HV_ENTRY_FAIL_HOST ? 5 : 4)) {
			TH_LOG("%s: outcome %d", list[i].id, list[i].outcome);
		}
		for (unsigned int j = 0; j < i; j++)
			EXPECT_STRNE(list[i].id, list[j].id);
	}
}

TEST_HARNESS_MAIN
