// SPDX-License-Identifier: GPL-2.0
/*
 * entry_checks.c - the VM-entry checker (userspace/entry_check.c) against
 * the lab CPU itself. Each case loads a guest the way hvctl does, reads
 * the VMCS back (HVLAB_GET_VMCS) and asserts that the checker passes it;
 * then breaks guest-state fields (in the snapshot and with HVLAB_SET_VMCS),
 * asserts that the checker names the expected check first, and enters:
 * the real VM entry must fail with exit reason 33 (SDM 27.8) and the
 * qualification the SDM defines. Where the lab CPU (Bochs) enters anyway,
 * the case says so with a SKIP naming the documented disagreement
 * (docs/entry-checks.md); if Bochs stops disagreeing, the case fails so
 * that the doc gets updated.
 *
 * HVLAB_SET_VMCS writes guest state only, so control and host-state
 * checks are covered by tests/host/entry_check.c alone.
 *
 *   entry_checks [-v] [CASE...]     -v prints the checker's report per case
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "lib/libhvlab.h"
#include "decode.h"
#include "entry_check.h"
#include "vmcs_image.h"

#define GUEST_DIR	"/guests/"
#define MAX_RUNS	20000	/* HVLAB_RUN calls for a guest that enters anyway */
#define MAX_CHANGES	28

enum {
#define X(enc, name) E_##name = enc,
	HVLAB_VMCS_FIELDS(X)
#undef X
};

enum op { SET, OR, CLEAR };

struct change {
	uint32_t field;
	enum op op;
	uint64_t value;
};

struct entry_case {
	const char *guest;
	const char *expect;		/* the check the explainer must name first */
	struct change changes[MAX_CHANGES];
	/*
	 * NULL: the lab CPU refuses the entry (exit reason 33). Otherwise
	 * the documented disagreement: Bochs enters anyway, and why.
	 */
	const char *bochs_enters;
	/* expect "none": the SDM allows the state, and Bochs refuses it anyway (why) */
	const char *bochs_refuses;
};

#define R16	"hello.bin"
#define P32	"hello32.elf"
#define L64	"hello64.elf"
#define C(f, o, v)	{ E_##f, o, v }
#define NONCANON	0x0000800000000000ULL
/* virtual-8086 mode with every segment as the SDM wants it (selector 0x10: base 0x100), and one change */
#define V86_SEG(S, sel)	C(GUEST_##S##_SELECTOR, SET, sel), C(GUEST_##S##_BASE, SET, (sel) << 4), \
			C(GUEST_##S##_LIMIT, SET, 0xffff), C(GUEST_##S##_AR_BYTES, SET, 0xf3)
#define V86(id, change)	{ .guest = P32, .expect = "guest." #id, .changes = { C(GUEST_RFLAGS, OR, 1u << 17), \
			  V86_SEG(CS, 0x10), V86_SEG(SS, 0x10), V86_SEG(DS, 0x10), V86_SEG(ES, 0x10), \
			  V86_SEG(FS, 0x10), V86_SEG(GS, 0x10), \
			  change } }

static const struct entry_case cases[] = {
	/* 27.3.1.1 control registers, MSRs */
	{ .guest = R16, .expect = "guest.cr0.fixed0", .changes = { C(GUEST_CR0, CLEAR, 0x20) } },
	{ .guest = R16, .expect = "guest.cr0.fixed1", .changes = { C(GUEST_CR0, OR, 1ULL << 32) } },
	{ .guest = R16, .expect = "guest.cr0.pg_pe", .changes = { C(GUEST_CR0, OR, 1ULL << 31) } },
	{ .guest = R16, .expect = "guest.cr4.fixed0", .changes = { C(GUEST_CR4, CLEAR, 0x2000) } },
	{ .guest = R16, .expect = "guest.cr4.fixed1", .changes = { C(GUEST_CR4, OR, 0x1000) } },
	{ .guest = P32, .expect = "guest.cr4.pcide", .changes = { C(GUEST_CR4, OR, 1u << 17) } },
	{ .guest = L64, .expect = "guest.ia32e.cr4_pae", .changes = { C(GUEST_CR4, CLEAR, 0x20) } },
	{ .guest = P32, .expect = "guest.cr3.phys", .changes = { C(GUEST_CR3, OR, 1ULL << 62) } },
	{ .guest = R16, .expect = "guest.sysenter_esp.canonical", .changes = { C(GUEST_SYSENTER_ESP, SET, NONCANON) } },
	{ .guest = R16, .expect = "guest.sysenter_eip.canonical", .changes = { C(GUEST_SYSENTER_EIP, SET, 0xfff0000000000000ULL) } },
	{ .guest = R16, .expect = "guest.pat.valid", .changes = { C(GUEST_IA32_PAT, SET, 0x0007040600070402ULL) } },
	{ .guest = P32, .expect = "guest.efer.reserved", .changes = { C(GUEST_IA32_EFER, OR, 0x4) } },
	{ .guest = P32, .expect = "guest.efer.lma_ia32e", .changes = { C(GUEST_IA32_EFER, OR, 0x400) } },
	{ .guest = L64, .expect = "guest.efer.lme_lma", .changes = { C(GUEST_IA32_EFER, CLEAR, 0x100) } },
	/* 27.3.1.2 segment registers: selectors and bases */
	{ .guest = P32, .expect = "guest.tr.ti", .changes = { C(GUEST_TR_SELECTOR, OR, 4) } },
	{ .guest = R16, .expect = "guest.ldtr.ti", .changes = { C(GUEST_LDTR_SELECTOR, OR, 4) } },
	{ .guest = P32, .expect = "guest.cs.v86_base", .changes = { C(GUEST_RFLAGS, OR, 1u << 17) } },
	V86(cs.v86_limit, C(GUEST_CS_LIMIT, SET, 0xfffe)),
	V86(ss.v86_base, C(GUEST_SS_BASE, SET, 0)),
	V86(ds.v86_ar, C(GUEST_DS_AR_BYTES, SET, 0xf2)),
	V86(gs.v86_limit, C(GUEST_GS_LIMIT, SET, 0x1ffff)),
	{ .guest = L64, .expect = "guest.tr.base_canonical", .changes = { C(GUEST_TR_BASE, SET, NONCANON) } },
	{ .guest = L64, .expect = "guest.fs.base_canonical", .changes = { C(GUEST_FS_BASE, SET, NONCANON) } },
	{ .guest = L64, .expect = "guest.gs.base_canonical", .changes = { C(GUEST_GS_BASE, SET, 0x0001000000000000ULL) } },
	{ .guest = R16, .expect = "guest.ldtr.base_canonical", .changes = { C(GUEST_LDTR_BASE, SET, NONCANON) } },
	{ .guest = R16, .expect = "guest.cs.base_high", .changes = { C(GUEST_CS_BASE, SET, 1ULL << 32) } },
	{ .guest = P32, .expect = "guest.ss.base_high", .changes = { C(GUEST_SS_BASE, SET, 1ULL << 32) } },
	{ .guest = P32, .expect = "guest.ds.base_high", .changes = { C(GUEST_DS_BASE, SET, 1ULL << 40) } },
	{ .guest = R16, .expect = "guest.es.base_high", .changes = { C(GUEST_ES_BASE, SET, 1ULL << 33) } },
	/* access rights of CS, SS, DS, ES, FS, GS */
	{ .guest = R16, .expect = "guest.cs.type", .changes = { C(GUEST_CS_AR_BYTES, SET, 0x91) } },
	{ .guest = R16, .expect = "guest.ss.type", .changes = { C(GUEST_SS_AR_BYTES, SET, 0x91) } },
	{ .guest = R16, .expect = "guest.ds.accessed", .changes = { C(GUEST_DS_AR_BYTES, SET, 0x92) } },
	{ .guest = P32, .expect = "guest.es.accessed", .changes = { C(GUEST_ES_AR_BYTES, SET, 0xc092) } },
	{ .guest = R16, .expect = "guest.fs.code_readable", .changes = { C(GUEST_FS_AR_BYTES, SET, 0x99) } },
	{ .guest = R16, .expect = "guest.gs.code_readable", .changes = { C(GUEST_GS_AR_BYTES, SET, 0x99) } },
	{ .guest = R16, .expect = "guest.cs.s", .changes = { C(GUEST_CS_AR_BYTES, SET, 0x8b) } },
	{ .guest = P32, .expect = "guest.ss.s", .changes = { C(GUEST_SS_AR_BYTES, SET, 0xc083) } },
	{ .guest = R16, .expect = "guest.ds.s", .changes = { C(GUEST_DS_AR_BYTES, SET, 0x83) } },
	{ .guest = P32, .expect = "guest.cs.dpl_data", .changes = { C(GUEST_CS_AR_BYTES, SET, 0xc0f3) } },
	{ .guest = P32, .expect = "guest.cs.dpl_nonconforming", .changes = { C(GUEST_CS_AR_BYTES, SET, 0xc0fb) } },
	{ .guest = P32, .expect = "guest.cs.dpl_conforming", .changes = { C(GUEST_CS_AR_BYTES, SET, 0xc0ff) } },
	{ .guest = R16, .expect = "guest.ss.dpl_zero", .changes = { C(GUEST_CS_AR_BYTES, SET, 0x93), C(GUEST_SS_AR_BYTES, SET, 0xf3) } },
	{ .guest = R16, .expect = "guest.cs.present", .changes = { C(GUEST_CS_AR_BYTES, SET, 0x1b) } },
	{ .guest = R16, .expect = "guest.ss.present", .changes = { C(GUEST_SS_AR_BYTES, SET, 0x13) } },
	{ .guest = P32, .expect = "guest.ds.present", .changes = { C(GUEST_DS_AR_BYTES, SET, 0xc013) } },
	{ .guest = R16, .expect = "guest.es.present", .changes = { C(GUEST_ES_AR_BYTES, SET, 0x13) } },
	{ .guest = R16, .expect = "guest.fs.present", .changes = { C(GUEST_FS_AR_BYTES, SET, 0x13) } },
	{ .guest = P32, .expect = "guest.gs.present", .changes = { C(GUEST_GS_AR_BYTES, SET, 0xc013) } },
	{ .guest = R16, .expect = "guest.cs.ar_reserved", .changes = { C(GUEST_CS_AR_BYTES, SET, 0x49b) } },
	{ .guest = P32, .expect = "guest.ss.ar_reserved", .changes = { C(GUEST_SS_AR_BYTES, SET, 0x2c093) } },
	{ .guest = R16, .expect = "guest.ds.ar_reserved", .changes = { C(GUEST_DS_AR_BYTES, SET, 0x193) } },
	{ .guest = P32, .expect = "guest.fs.accessed", .changes = { C(GUEST_FS_AR_BYTES, SET, 0xc092) } },
	{ .guest = P32, .expect = "guest.gs.accessed", .changes = { C(GUEST_GS_AR_BYTES, SET, 0xc092) } },
	{ .guest = R16, .expect = "guest.ds.code_readable", .changes = { C(GUEST_DS_AR_BYTES, SET, 0x99) } },
	{ .guest = R16, .expect = "guest.es.code_readable", .changes = { C(GUEST_ES_AR_BYTES, SET, 0x99) } },
	{ .guest = R16, .expect = "guest.es.s", .changes = { C(GUEST_ES_AR_BYTES, SET, 0x83) } },
	{ .guest = R16, .expect = "guest.fs.s", .changes = { C(GUEST_FS_AR_BYTES, SET, 0x83) } },
	{ .guest = P32, .expect = "guest.gs.s", .changes = { C(GUEST_GS_AR_BYTES, SET, 0xc083) } },
	{ .guest = R16, .expect = "guest.es.ar_reserved", .changes = { C(GUEST_ES_AR_BYTES, SET, 0x893) } },
	{ .guest = R16, .expect = "guest.fs.ar_reserved", .changes = { C(GUEST_FS_AR_BYTES, SET, 0x40093) } },
	{ .guest = P32, .expect = "guest.gs.ar_reserved", .changes = { C(GUEST_GS_AR_BYTES, SET, 0xc293) } },
	{ .guest = R16, .expect = "guest.es.granularity", .changes = { C(GUEST_ES_LIMIT, SET, 0x200000) } },
	{ .guest = P32, .expect = "guest.fs.granularity", .changes = { C(GUEST_FS_LIMIT, SET, 0xfff0) } },
	{ .guest = P32, .expect = "guest.gs.granularity", .changes = { C(GUEST_GS_AR_BYTES, SET, 0x4093) } },
	{ .guest = L64, .expect = "guest.cs.l_db", .changes = { C(GUEST_CS_AR_BYTES, SET, 0xe09b) } },
	{ .guest = R16, .expect = "guest.cs.granularity", .changes = { C(GUEST_CS_LIMIT, SET, 0x100000) } },
	{ .guest = P32, .expect = "guest.ss.granularity", .changes = { C(GUEST_SS_LIMIT, SET, 0xfffff000) } },
	{ .guest = P32, .expect = "guest.ds.granularity", .changes = { C(GUEST_DS_AR_BYTES, SET, 0x4093) } },
	/* TR and LDTR */
	{ .guest = P32, .expect = "guest.tr.type", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x89) } },
	{ .guest = L64, .expect = "guest.tr.type", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x83) } },
	{ .guest = P32, .expect = "guest.tr.s", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x9b) } },
	{ .guest = P32, .expect = "guest.tr.present", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x0b) } },
	{ .guest = P32, .expect = "guest.tr.ar_reserved", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x20008b) } },
	{ .guest = P32, .expect = "guest.tr.granularity", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x808b) } },
	{ .guest = P32, .expect = "guest.tr.unusable", .changes = { C(GUEST_TR_AR_BYTES, SET, 0x1008b) } },
	{ .guest = R16, .expect = "guest.ldtr.type", .changes = { C(GUEST_LDTR_AR_BYTES, SET, 0x83) } },
	{ .guest = R16, .expect = "guest.ldtr.s", .changes = { C(GUEST_LDTR_AR_BYTES, SET, 0x92) } },
	{ .guest = R16, .expect = "guest.ldtr.present", .changes = { C(GUEST_LDTR_AR_BYTES, SET, 0x02) } },
	{ .guest = R16, .expect = "guest.ldtr.ar_reserved", .changes = { C(GUEST_LDTR_AR_BYTES, SET, 0x482) } },
	{ .guest = R16, .expect = "guest.ldtr.granularity", .changes = { C(GUEST_LDTR_LIMIT, SET, 0x1fffff) } },
	/* 27.3.1.3 descriptor-table registers */
	{ .guest = L64, .expect = "guest.gdtr.base_canonical", .changes = { C(GUEST_GDTR_BASE, SET, NONCANON) } },
	{ .guest = L64, .expect = "guest.idtr.base_canonical", .changes = { C(GUEST_IDTR_BASE, SET, 0xff00000000000000ULL) } },
	{ .guest = R16, .expect = "guest.gdtr.limit", .changes = { C(GUEST_GDTR_LIMIT, SET, 0x10000) } },
	{ .guest = R16, .expect = "guest.idtr.limit", .changes = { C(GUEST_IDTR_LIMIT, SET, 0x1ffff) } },
	/* 27.3.1.4 RIP and RFLAGS */
	{ .guest = P32, .expect = "guest.rip.high", .changes = { C(GUEST_RIP, OR, 1ULL << 32) } },
	{ .guest = L64, .expect = "guest.rip.canonical", .changes = { C(GUEST_RIP, SET, NONCANON) },
	  .bochs_enters = "Bochs has no RIP canonical check at VM entry; the first fetch faults (#GP)" },
	{ .guest = R16, .expect = "guest.rflags.reserved", .changes = { C(GUEST_RFLAGS, OR, 0x8) } },
	{ .guest = R16, .expect = "guest.rflags.fixed1", .changes = { C(GUEST_RFLAGS, SET, 0) } },
	{ .guest = L64, .expect = "guest.rflags.vm", .changes = { C(GUEST_RFLAGS, OR, 1u << 17) } },
	{ .guest = R16, .expect = "guest.rflags.vm", .changes = { C(GUEST_RFLAGS, OR, 1u << 17) } },
	/* 27.3.1.5 activity and interruptibility state, pending debug exceptions */
	{ .guest = R16, .expect = "guest.activity.valid", .changes = { C(GUEST_ACTIVITY_STATE, SET, 4) } },
	{ .guest = P32, .expect = "guest.activity.hlt_ss_dpl", .changes = { C(GUEST_CS_SELECTOR, SET, 0x0b),
	  C(GUEST_CS_AR_BYTES, SET, 0xc0fb), C(GUEST_SS_SELECTOR, SET, 0x13),
	  C(GUEST_SS_AR_BYTES, SET, 0xc0f3), C(GUEST_ACTIVITY_STATE, SET, 1) } },
	{ .guest = R16, .expect = "guest.activity.blocking", .changes = { C(GUEST_RFLAGS, SET, 0x202),
	  C(GUEST_INTERRUPTIBILITY_INFO, SET, 1), C(GUEST_ACTIVITY_STATE, SET, 1) } },
	{ .guest = R16, .expect = "guest.intr.reserved", .changes = { C(GUEST_INTERRUPTIBILITY_INFO, SET, 0x20) } },
	{ .guest = R16, .expect = "guest.intr.sti_movss", .changes = { C(GUEST_RFLAGS, SET, 0x202),
	  C(GUEST_INTERRUPTIBILITY_INFO, SET, 3) } },
	{ .guest = R16, .expect = "guest.intr.sti_if", .changes = { C(GUEST_INTERRUPTIBILITY_INFO, SET, 1) } },
	{ .guest = R16, .expect = "guest.intr.smi", .changes = { C(GUEST_INTERRUPTIBILITY_INFO, SET, 4) } },
	{ .guest = R16, .expect = "guest.pending_dbg.reserved", .changes = { C(GUEST_PENDING_DBG_EXCEPTIONS, SET, 0x10) } },
	{ .guest = R16, .expect = "guest.pending_dbg.bs_set", .changes = { C(GUEST_RFLAGS, SET, 0x302),
	  C(GUEST_INTERRUPTIBILITY_INFO, SET, 1) },
	  .bochs_enters = "Bochs checks only the reserved bits of the pending debug exceptions, not BS against TF" },
	{ .guest = R16, .expect = "guest.pending_dbg.bs_clear", .changes = { C(GUEST_RFLAGS, SET, 0x202),
	  C(GUEST_INTERRUPTIBILITY_INFO, SET, 1), C(GUEST_PENDING_DBG_EXCEPTIONS, SET, 0x4000) },
	  .bochs_enters = "Bochs checks only the reserved bits of the pending debug exceptions, not BS against TF" },
	/* 27.3.1.6 PDPTEs: PAE paging with EPT reads them from the VMCS */
	{ .guest = P32, .expect = "guest.pdpte.reserved", .changes = { C(GUEST_CR0, OR, 1ULL << 31), C(GUEST_CR4, OR, 0x20),
	  C(GUEST_PDPTE0, SET, 0x7) } },
	/* last: Bochs may enter this one in an odd state (LMA=1 without paging) */
	{ .guest = L64, .expect = "guest.ia32e.cr0_pg", .changes = { C(GUEST_CR0, CLEAR, 1ULL << 31) },
	  .bochs_enters = "Bochs checks CR4.PAE and EFER.LMA for an IA-32e mode guest, not CR0.PG: the guest runs in long mode without paging" },
	/* The SDM allows this state; Bochs refuses it. */
	{ .guest = P32, .expect = "none", .changes = { C(GUEST_CS_SELECTOR, SET, 0x0b) },
	  .bochs_refuses = "Bochs wants CS.RPL = CS.DPL for a non-conforming CS; the SDM asks CS.DPL = SS.DPL and, under unrestricted guest, nothing of the RPL" },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

static int verbose;

struct outcome {
	int entered;			/* the CPU entered the guest */
	uint32_t run_exit;		/* the hvlab_exit that ended the run */
	uint32_t vm_instruction_error;
	uint32_t exit_reason;		/* fail_entry.exit_reason, bit 31 included */
	uint64_t qualification;
};

/*
 * Enter and run until the entry fails or the guest stops (HLT, an
 * exception: every vector exits to userspace, so a guest that the CPU let
 * in with a broken state cannot run away).
 */
static int enter(struct hv_vm *vm, struct outcome *o)
{
	struct hvlab_run *run = vm->run;

	memset(o, 0, sizeof(*o));
	run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT;
	for (int i = 0; i < MAX_RUNS; i++) {
		int ret = hv_run(vm);

		if (ret == -EINTR)
			continue;
		if (ret)
			return ret;
		o->run_exit = run->exit_reason;
		switch (run->exit_reason) {
		case HVLAB_EXIT_FAIL_ENTRY:
			o->vm_instruction_error = run->fail_entry.vm_instruction_error;
			o->exit_reason = run->fail_entry.exit_reason;
			o->qualification = run->fail_entry.qualification;
			return 0;
		case HVLAB_EXIT_IO:
			o->entered = 1;
			if (run->io.direction == HVLAB_IO_IN)
				run->io.data = 0xffffffffu;
			continue;
		case HVLAB_EXIT_MMIO:
			o->entered = 1;
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			continue;
		case HVLAB_EXIT_HANDLED:
		case HVLAB_EXIT_TRACE_FULL:
		case HVLAB_EXIT_STEP:
			o->entered = 1;
			continue;
		default:	/* HLT, shutdown, exception, unhandled, internal error */
			o->entered = o->run_exit != HVLAB_EXIT_INTERNAL_ERROR;
			return 0;
		}
	}
	o->entered = 1;
	return 0;
}

static int load_guest(struct hv_vm *vm, const char *guest, char *why_buf, size_t len)
{
	struct hvlab_intercepts intercepts = {
		/* every exception stops at userspace: a run-away guest ends at its first fault */
		.exception_bitmap = ~(1u << 2),
		.flags = HVLAB_INTERCEPT_EXCEPTION_EXIT,
	};
	enum hv_guest_format format;
	char path[128];
	const char *why;
	int ret;

	ret = hv_open(vm);
	if (!ret)
		ret = hv_create(vm, HV_DEFAULT_MEM);
	if (ret) {
		snprintf(why_buf, len, "cannot create a VM: %s", hv_strerror(ret));
		return ret;
	}
	snprintf(path, sizeof(path), GUEST_DIR "%s", guest);
	ret = hv_load_file(vm, path, &format, &why);
	if (ret) {
		snprintf(why_buf, len, "cannot load %s: %s", path, why ? why : strerror(-ret));
		return ret;
	}
	/* before the VMCS is read: SET_INTERCEPTS rewrites GUEST_CR0 from its shadow */
	if (ioctl(vm->vcpu_fd, HVLAB_SET_INTERCEPTS, &intercepts)) {
		snprintf(why_buf, len, "HVLAB_SET_INTERCEPTS: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static const char *first_id(const struct hv_entry_report *r)
{
	return r->nfailures ? r->failures[0].check->id : "none";
}

/* "GUEST_CS_SELECTOR=0xb" for the first change, as a name for a probe */
static const char *describe(const struct entry_case *c, char *buf, size_t len)
{
	int i = hv_vmcs_index(c->changes[0].field);

	snprintf(buf, len, "%s=0x%llx", i < 0 ? "?" : hv_vmcs_fields[i].name,
		 (unsigned long long)c->changes[0].value);
	return buf;
}

/* One case; prints its TAP line. Returns 1 if it passed (or skipped as documented). */
static int run_case(unsigned int n, const struct entry_case *c, const struct hv_entry_env *env)
{
	const struct hv_entry_check *chk = hv_entry_check_by_id(c->expect);
	uint32_t encs[MAX_CHANGES];
	uint64_t vals[MAX_CHANGES];
	struct hv_entry_report report;
	struct outcome o;
	struct hv_vmcs vmcs;
	struct hv_vm vm;
	char why[512] = "", desc[128];
	unsigned int count = 0, want_qual;
	int ret, ok = 0;

	if (!chk && strcmp(c->expect, "none")) {
		printf("not ok %u - %s (%s): no such check in the catalogue\n", n, c->expect, c->guest);
		return 0;
	}
	want_qual = !chk || chk->qualification < 0 ? 0 : chk->qualification;
	if (load_guest(&vm, c->guest, why, sizeof(why)))
		goto done;
	ret = hv_vmcs_read(&vm, &vmcs);
	if (ret) {
		snprintf(why, sizeof(why), "HVLAB_GET_VMCS: %s", strerror(-ret));
		goto done;
	}
	if (hv_entry_check(&vmcs, env, &report)) {
		snprintf(why, sizeof(why), "the fresh %s vCPU already fails %s (%s)", c->guest,
			 first_id(&report), report.failures[0].fields);
		goto done;
	}
	for (; count < MAX_CHANGES && c->changes[count].field; count++) {
		const struct change *ch = &c->changes[count];
		uint64_t v = hv_vmcs_get(&vmcs, ch->field);

		v = ch->op == SET ? ch->value : ch->op == OR ? v | ch->value : v & ~ch->value;
		hv_vmcs_set(&vmcs, ch->field, v);
		encs[count] = ch->field;
		vals[count] = v;
	}
	ret = hv_vmcs_write(&vm, encs, vals, count);
	if (ret) {
		snprintf(why, sizeof(why), "HVLAB_SET_VMCS: %s", strerror(-ret));
		goto done;
	}
	hv_entry_check(&vmcs, env, &report);
	if (verbose)
		hv_entry_report_print(stdout, &report);
	if (strcmp(first_id(&report), c->expect)) {
		snprintf(why, sizeof(why), "the checker names %s first, not %s", first_id(&report),
			 c->expect);
		goto done;
	}
	ret = enter(&vm, &o);
	if (ret) {
		snprintf(why, sizeof(why), "HVLAB_RUN: %s", strerror(-ret));
		goto done;
	}
	if (o.run_exit == HVLAB_EXIT_FAIL_ENTRY && !o.vm_instruction_error &&
	    o.exit_reason == (0x80000000u | 33) && o.qualification == want_qual) {
		if (c->bochs_refuses) {
			printf("ok %u - SDM allows %s (%s): the checker passes it # SKIP Bochs refuses it anyway (exit 33): %s\n",
			       n, describe(c, desc, sizeof(desc)), c->guest, c->bochs_refuses);
			ok = 1;
			goto done;
		}
		if (c->bochs_enters) {
			snprintf(why, sizeof(why), "the lab CPU now refuses this entry (exit 33): docs/entry-checks.md says it enters (%s); update the doc and the case",
				 c->bochs_enters);
			goto done;
		}
		printf("ok %u - %s (%s): checker and CPU agree, exit 33 qualification %u\n", n,
		       c->expect, c->guest, want_qual);
		ok = 1;
	} else if (o.entered && c->bochs_enters) {
		printf("ok %u - %s (%s): the checker names it # SKIP Bochs enters anyway (run ended with exit %u, %s): %s\n",
		       n, c->expect, c->guest, o.run_exit, hv_run_exit_name(o.run_exit), c->bochs_enters);
		ok = 1;
	} else if (o.entered && !strcmp(c->expect, "none") && !c->bochs_refuses) {
		printf("ok %u - SDM allows %s (%s): checker and CPU agree, the guest ran\n", n,
		       describe(c, desc, sizeof(desc)), c->guest);
		ok = 1;
	} else if (o.entered && c->bochs_refuses) {
		snprintf(why, sizeof(why), "the lab CPU now enters: docs/entry-checks.md says it refuses (%s); update the doc and the case",
			 c->bochs_refuses);
	} else if (o.run_exit == HVLAB_EXIT_FAIL_ENTRY) {
		snprintf(why, sizeof(why), "entry failed with VM-instruction error %u, exit reason 0x%x, qualification %llu; expected exit 33 qualification %u",
			 o.vm_instruction_error, o.exit_reason, (unsigned long long)o.qualification,
			 want_qual);
	} else {
		snprintf(why, sizeof(why), "the lab CPU entered the guest (run ended with exit %u, %s), but the SDM says entry fails",
			 o.run_exit, hv_run_exit_name(o.run_exit));
	}
done:
	hv_close(&vm);
	if (!ok)
		printf("not ok %u - %s (%s): %s\n", n, c->expect, c->guest, why);
	fflush(stdout);
	return ok;
}

int main(int argc, char **argv)
{
	struct hvlab_vmx_caps caps;
	struct hv_entry_env env;
	unsigned int i, n = 0, passed = 0, planned = 0;
	struct hv_vm vm;
	int ret;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = 1;
		argc--;
		argv++;
	}
	printf("TAP version 13\n");
	for (i = 0; i < NCASES; i++) {
		int wanted = argc == 1;

		for (int a = 1; a < argc; a++)
			wanted |= !strcmp(argv[a], cases[i].expect);
		planned += wanted;
	}
	printf("1..%u\n", planned);
	ret = hv_open(&vm);
	if (!ret && ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps))
		ret = -errno;
	hv_close(&vm);
	if (ret) {
		printf("Bail out! cannot read the VMX capabilities: %s\n", hv_strerror(ret));
		return 1;
	}
	hv_entry_env_init(&env, &caps);
	printf("# physical-address width %u, linear %u\n", env.phys_bits, env.linear_bits);
	for (i = 0; i < NCASES; i++) {
		int wanted = argc == 1;

		for (int a = 1; a < argc; a++)
			wanted |= !strcmp(argv[a], cases[i].expect);
		if (wanted)
			passed += run_case(++n, &cases[i], &env);
	}
	printf("# %u of %u cases passed\n", passed, n);
	return passed == n ? 0 : 1;
}
