// SPDX-License-Identifier: GPL-2.0
/* decode.c - see decode.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "../include/uapi/hvlab_exit_reasons.h"

struct exit_name {
	const char *id;
	const char *desc;
};

static const struct exit_name exit_names[HVLAB_VMX_EXIT_REASON_MAX + 1] = {
#define X(nr, name, text) [nr] = { #name, text },
	HVLAB_VMX_EXIT_REASONS(X)
#undef X
};

const char *hv_exit_name(uint32_t reason)
{
	reason = HVLAB_VMX_EXIT_BASIC(reason);
	return reason <= HVLAB_VMX_EXIT_REASON_MAX ? exit_names[reason].desc : NULL;
}

const char *hv_exit_id(uint32_t reason)
{
	reason = HVLAB_VMX_EXIT_BASIC(reason);
	return reason <= HVLAB_VMX_EXIT_REASON_MAX ? exit_names[reason].id : NULL;
}

int hv_exit_parse(const char *text)
{
	char *end;
	long v;
	int i;

	v = strtol(text, &end, 0);
	if (*text && !*end)
		return v >= 0 && v <= HVLAB_VMX_EXIT_REASON_MAX && exit_names[v].id ? (int)v : -1;
	for (i = 0; i <= HVLAB_VMX_EXIT_REASON_MAX; i++)
		if (exit_names[i].id && !strcasecmp(exit_names[i].id, text))
			return i;
	if (!strcasecmp(text, "IO"))
		return 30;
	return -1;
}

const char *hv_run_exit_name(uint32_t exit_reason)
{
	static const char *const names[] = {
		[HVLAB_EXIT_NONE] = "NONE",
		[HVLAB_EXIT_IO] = "IO",
		[HVLAB_EXIT_MMIO] = "MMIO",
		[HVLAB_EXIT_HLT] = "HLT",
		[HVLAB_EXIT_SHUTDOWN] = "SHUTDOWN",
		[HVLAB_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[HVLAB_EXIT_UNHANDLED] = "UNHANDLED",
		[HVLAB_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[HVLAB_EXIT_INTR] = "INTR",
		[HVLAB_EXIT_HANDLED] = "HANDLED",
		[HVLAB_EXIT_TRACE_FULL] = "TRACE_FULL",
		[HVLAB_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
		[HVLAB_EXIT_STEP] = "STEP",
		[HVLAB_EXIT_EXCEPTION] = "EXCEPTION",
		[HVLAB_EXIT_CONSOLE] = "CONSOLE",
		[HVLAB_EXIT_MEMORY_ACCESS] = "MEMORY_ACCESS",
		[HVLAB_EXIT_DEADLINE] = "DEADLINE",
		[HVLAB_EXIT_IRQ_WINDOW] = "IRQ_WINDOW",
	};

	return exit_reason < sizeof(names) / sizeof(names[0]) && names[exit_reason] ?
	       names[exit_reason] : "?";
}

void hv_decode_io(uint64_t qual, struct hv_io_qual *io)
{
	io->size = (qual & 7) + 1;
	io->in = (qual >> 3) & 1;
	io->string = (qual >> 4) & 1;
	io->rep = (qual >> 5) & 1;
	io->immediate = (qual >> 6) & 1;
	io->port = (qual >> 16) & 0xffff;
}

const char *hv_io_mnemonic(const struct hv_io_qual *io, char *buf, size_t len)
{
	static const char suffix[] = { [1] = 'b', [2] = 'w', [4] = 'd' };

	if (!io->string)
		snprintf(buf, len, "%s", io->in ? "in" : "out");
	else
		snprintf(buf, len, "%s%s%c", io->rep ? "rep " : "", io->in ? "ins" : "outs",
			 io->size <= 4 && suffix[io->size] ? suffix[io->size] : '?');
	return buf;
}

void hv_decode_ept(uint64_t qual, struct hv_ept_qual *ept)
{
	ept->read = qual & 1;
	ept->write = (qual >> 1) & 1;
	ept->fetch = (qual >> 2) & 1;
	ept->readable = (qual >> 3) & 1;
	ept->writable = (qual >> 4) & 1;
	ept->executable = (qual >> 5) & 1;
	ept->linear_valid = (qual >> 7) & 1;
	ept->translated = (qual >> 8) & 1;
	ept->nmi_unblocking = (qual >> 12) & 1;
}

const char *hv_ept_access(const struct hv_ept_qual *ept)
{
	return ept->fetch ? "fetch" : ept->write ? "write" : "read";
}

void hv_decode_cr(uint64_t qual, struct hv_cr_qual *cr)
{
	cr->cr = qual & 0xf;
	cr->access = (qual >> 4) & 3;
	cr->lmsw_memory = (qual >> 6) & 1;
	cr->gpr = (qual >> 8) & 0xf;
	cr->lmsw_data = (qual >> 16) & 0xffff;
}

const char *hv_cr_access(unsigned int access)
{
	static const char *const names[] = { "mov_to_cr", "mov_from_cr", "clts", "lmsw" };

	return names[access & 3];
}

const char *hv_gpr_name(unsigned int gpr)
{
	static const char *const names[] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};

	return names[gpr & 15];
}

void hv_decode_task_switch(uint64_t qual, struct hv_task_switch_qual *ts)
{
	ts->selector = qual & 0xffff;
	ts->source = (qual >> 30) & 3;
}

const char *hv_task_switch_source(unsigned int source)
{
	static const char *const names[] = { "call", "iret", "jmp", "task_gate" };

	return names[source & 3];
}

void hv_decode_dr(uint64_t qual, struct hv_dr_qual *dr)
{
	dr->dr = qual & 7;
	dr->from_dr = (qual >> 4) & 1;
	dr->gpr = (qual >> 8) & 0xf;
}

void hv_decode_intr_info(uint32_t info, struct hv_intr_info *ii)
{
	ii->vector = info & 0xff;
	ii->type = (info >> 8) & 7;
	ii->error_code_valid = (info >> 11) & 1;
	ii->valid = info >> 31;
}

const char *hv_intr_type_name(unsigned int type)
{
	static const char *const names[] = {
		"external interrupt", "reserved", "NMI", "hardware exception",
		"software interrupt", "privileged software exception",
		"software exception", "other event",
	};

	return names[type & 7];
}

const char *hv_exception_name(unsigned int vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL,
		"#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
		"#VE", "#CP",
	};

	return vector < 32 ? names[vector] : NULL;
}

void hv_decode_apic_access(uint64_t qual, struct hv_apic_access_qual *aa)
{
	aa->offset = qual & 0xfff;
	aa->type = (qual >> 12) & 0xf;
}

const char *hv_apic_access_type(unsigned int type)
{
	switch (type) {
	case 0: return "read";
	case 1: return "write";
	case 2: return "fetch";
	case 3: return "event_delivery";
	case 10: return "physical_event_delivery";
	case 15: return "physical_fetch";
	default: return "reserved";
	}
}

int hv_format_operand(uint32_t info, uint64_t displacement, int register_form,
		      unsigned int reg, char *buf, size_t len)
{
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs", "?", "?" };
	int n, base = !((info >> 27) & 1), index = !((info >> 22) & 1);

	if (register_form)
		return snprintf(buf, len, "register %s", hv_gpr_name(reg));
	n = snprintf(buf, len, "%s:[", segs[(info >> 15) & 7]);
	if (base)
		n += snprintf(buf + n, len - n, "%s", hv_gpr_name((info >> 23) & 0xf));
	if (index)
		n += snprintf(buf + n, len - n, "%s%s*%u", base ? "+" : "",
			      hv_gpr_name((info >> 18) & 0xf), 1u << (info & 3));
	if (displacement || (!base && !index))
		n += snprintf(buf + n, len - n, "%s0x%llx", base || index ? "+" : "",
			      (unsigned long long)displacement);
	n += snprintf(buf + n, len - n, "]");
	return n;
}

const char *hv_descriptor_table_insn(unsigned int reason, uint32_t info)
{
	static const char *const gdtr_idtr[] = { "sgdt", "sidt", "lgdt", "lidt" };
	static const char *const ldtr_tr[] = { "sldt", "str", "lldt", "ltr" };

	return (reason == 46 ? gdtr_idtr : ldtr_tr)[(info >> 28) & 3];
}

/* The CPUID leaves whose answer depends on ECX (SDM Vol. 2A, CPUID) */
static int cpuid_has_subleaves(uint32_t leaf)
{
	switch (leaf) {
	case 0x4: case 0x7: case 0xb: case 0xd: case 0xf: case 0x10: case 0x12: case 0x14:
	case 0x17: case 0x18: case 0x1b: case 0x1d: case 0x1e: case 0x1f: case 0x20:
	case 0x23: case 0x24: case 0x8000001d:
		return 1;
	default:
		return 0;
	}
}

/*
 * Exit-specific detail that needs the instruction or interruption
 * information, or what hvlab.ko puts in the qualification of exits that
 * have none.
 */
static int format_info(const struct hvlab_exit_record *rec, char *buf, size_t len)
{
	uint32_t basic = HVLAB_VMX_EXIT_BASIC(rec->reason), info = rec->instruction_info;
	char operand[96];

	if (basic == 0) {
		struct hv_intr_info ii;
		const char *name;

		hv_decode_intr_info(rec->intr_info, &ii);
		name = ii.type == 2 ? "NMI" : hv_exception_name(ii.vector);
		if (!ii.valid)
			return 0;
		if (ii.vector == 14 && ii.type == 3)
			return snprintf(buf, len, ": #PF (hardware exception, error code), address 0x%llx",
					(unsigned long long)rec->qualification);
		/* #DB: the qualification has DR6's B0-B3, BD and BS (SDM 28.2.1, Table 28-1) */
		if (ii.vector == 1 && ii.type == 3)
			return snprintf(buf, len, ": #DB (hardware exception), vector 1, DR6 bits%s%s%s%s%s%s%s",
					rec->qualification & 1 ? " B0" : "",
					rec->qualification & 2 ? " B1" : "",
					rec->qualification & 4 ? " B2" : "",
					rec->qualification & 8 ? " B3" : "",
					rec->qualification & 0x2000 ? " BD" : "",
					rec->qualification & 0x4000 ? " BS" : "",
					rec->qualification & 0x600f ? "" : " none");
		return snprintf(buf, len, ": %s (%s%s), vector %u", name ? name : "exception",
				hv_intr_type_name(ii.type), ii.error_code_valid ? ", error code" : "",
				ii.vector);
	}
	if (basic == 44) {
		struct hv_apic_access_qual aa;

		hv_decode_apic_access(rec->qualification, &aa);
		return snprintf(buf, len, ": %s at APIC offset 0x%x", hv_apic_access_type(aa.type),
				aa.offset);
	}
	if (basic == 46 || basic == 47) {
		hv_format_operand(info, rec->qualification, basic == 47 && (info >> 10) & 1,
				  (info >> 3) & 0xf, operand, sizeof(operand));
		return snprintf(buf, len, ": %s %s", hv_descriptor_table_insn(basic, info), operand);
	}
	if (basic == 10) {	/* hvlab.ko: EAX and ECX as the guest gave them (abi.md) */
		uint32_t leaf = (uint32_t)rec->qualification, subleaf = rec->qualification >> 32;

		if (cpuid_has_subleaves(leaf))
			return snprintf(buf, len, ": leaf 0x%x, subleaf %u", leaf, subleaf);
		return snprintf(buf, len, ": leaf 0x%x", leaf);
	}
	if (basic == 31 || basic == 32)	/* hvlab.ko: ECX */
		return snprintf(buf, len, ": msr 0x%x", (uint32_t)rec->qualification);
	if (basic == 57 || basic == 61)
		return snprintf(buf, len, ": %s into %s, %u-bit", basic == 57 ? "rdrand" : "rdseed",
				hv_gpr_name((info >> 3) & 0xf), 16u << ((info >> 11) & 3));
	if (basic == 58) {
		hv_format_operand(info, rec->qualification, 0, 0, operand, sizeof(operand));
		return snprintf(buf, len, ": type in %s, descriptor at %s",
				hv_gpr_name((info >> 28) & 0xf), operand);
	}
	return -1;
}

static int is_io(const struct hvlab_exit_record *rec)
{
	return HVLAB_VMX_EXIT_BASIC(rec->reason) == 30;
}

static int is_ept(const struct hvlab_exit_record *rec)
{
	uint32_t basic = HVLAB_VMX_EXIT_BASIC(rec->reason);

	return basic == 48 || basic == 49;
}

int hv_format_exit(const struct hvlab_exit_record *rec, char *buf, size_t len)
{
	const char *name = hv_exit_name(rec->reason);
	uint32_t basic = HVLAB_VMX_EXIT_BASIC(rec->reason);
	int n, m;

	n = snprintf(buf, len, "#%llu %s (%u)%s at rip 0x%llx",
		     (unsigned long long)rec->seq, name ? name : "unknown exit",
		     basic, rec->reason & HVLAB_VMX_EXIT_FAILED_ENTRY ? " [VM entry failed]" : "",
		     (unsigned long long)rec->rip);
	if (n < 0 || (size_t)n >= len)
		return n;
	if (is_io(rec)) {
		struct hv_io_qual io;
		char insn[16];

		hv_decode_io(rec->qualification, &io);
		n += snprintf(buf + n, len - n, ": %s port 0x%x, %u byte%s, port in %s",
			      hv_io_mnemonic(&io, insn, sizeof(insn)),
			      io.port, io.size, io.size > 1 ? "s" : "",
			      io.immediate ? "immediate" : "DX");
	} else if (basic == 48) {
		struct hv_ept_qual ept;

		hv_decode_ept(rec->qualification, &ept);
		n += snprintf(buf + n, len - n, ": %s of gpa 0x%llx; entry allows %s%s%s%s",
			      hv_ept_access(&ept), (unsigned long long)rec->gpa,
			      ept.readable ? "r" : "-", ept.writable ? "w" : "-",
			      ept.executable ? "x" : "-",
			      ept.readable | ept.writable | ept.executable ? "" : " (not present)");
	} else if (basic == 49) {
		n += snprintf(buf + n, len - n, ": gpa 0x%llx", (unsigned long long)rec->gpa);
	} else if (basic == 28) {
		struct hv_cr_qual cr;

		hv_decode_cr(rec->qualification, &cr);
		if (cr.access == 0)
			n += snprintf(buf + n, len - n, ": mov to cr%u from %s", cr.cr, hv_gpr_name(cr.gpr));
		else if (cr.access == 1)
			n += snprintf(buf + n, len - n, ": mov from cr%u to %s", cr.cr, hv_gpr_name(cr.gpr));
		else if (cr.access == 2)
			n += snprintf(buf + n, len - n, ": clts");
		else
			n += snprintf(buf + n, len - n, ": lmsw 0x%x (%s operand)", cr.lmsw_data,
				      cr.lmsw_memory ? "memory" : "register");
	} else if (basic == 9) {
		struct hv_task_switch_qual ts;

		hv_decode_task_switch(rec->qualification, &ts);
		n += snprintf(buf + n, len - n, ": %s to TSS selector 0x%x",
			      hv_task_switch_source(ts.source), ts.selector);
	} else if (basic == 29) {
		struct hv_dr_qual dr;

		hv_decode_dr(rec->qualification, &dr);
		n += snprintf(buf + n, len - n, dr.from_dr ? ": mov from dr%u to %s" :
			      ": mov to dr%u from %s", dr.dr, hv_gpr_name(dr.gpr));
	} else if (basic == 14) {
		n += snprintf(buf + n, len - n, ": linear address 0x%llx",
			      (unsigned long long)rec->qualification);
	} else if ((m = format_info(rec, buf + n, len - n)) >= 0) {
		n += m;
	} else if (rec->qualification) {
		n += snprintf(buf + n, len - n, ": qualification 0x%llx",
			      (unsigned long long)rec->qualification);
	}
	return n;
}

int hv_format_exit_json(const struct hvlab_exit_record *rec, char *buf, size_t len)
{
	const char *name = hv_exit_id(rec->reason);
	int n;

	n = snprintf(buf, len,
		     "{\"seq\":%llu,\"reason\":%u,\"name\":\"%s\",\"rip\":\"0x%llx\",\"qualification\":%llu,\"instruction_length\":%u,\"tsc\":%llu,\"cost\":%llu",
		     (unsigned long long)rec->seq, HVLAB_VMX_EXIT_BASIC(rec->reason),
		     name ? name : "UNKNOWN", (unsigned long long)rec->rip,
		     (unsigned long long)rec->qualification, rec->instruction_length,
		     (unsigned long long)rec->tsc, (unsigned long long)rec->cost);
	if (n < 0 || (size_t)n >= len)
		return n;
	if (rec->reason & HVLAB_VMX_EXIT_FAILED_ENTRY)
		n += snprintf(buf + n, len - n, ",\"failed_entry\":true");
	if (is_io(rec)) {
		struct hv_io_qual io;

		hv_decode_io(rec->qualification, &io);
		n += snprintf(buf + n, len - n,
			      ",\"port\":%u,\"size\":%u,\"direction\":\"%s\",\"string\":%s,\"rep\":%s",
			      io.port, io.size, io.in ? "in" : "out",
			      io.string ? "true" : "false", io.rep ? "true" : "false");
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 28) {
		struct hv_cr_qual cr;

		hv_decode_cr(rec->qualification, &cr);
		n += snprintf(buf + n, len - n, ",\"cr\":%u,\"access\":\"%s\"", cr.cr,
			      hv_cr_access(cr.access));
		if (cr.access < 2)
			n += snprintf(buf + n, len - n, ",\"gpr\":\"%s\"", hv_gpr_name(cr.gpr));
		if (cr.access == 3)
			n += snprintf(buf + n, len - n, ",\"lmsw_data\":%u", cr.lmsw_data);
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 9) {
		struct hv_task_switch_qual ts;

		hv_decode_task_switch(rec->qualification, &ts);
		n += snprintf(buf + n, len - n, ",\"selector\":%u,\"source\":\"%s\"",
			      ts.selector, hv_task_switch_source(ts.source));
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 29) {
		struct hv_dr_qual dr;

		hv_decode_dr(rec->qualification, &dr);
		n += snprintf(buf + n, len - n, ",\"dr\":%u,\"access\":\"%s\",\"gpr\":\"%s\"",
			      dr.dr, dr.from_dr ? "mov_from_dr" : "mov_to_dr",
			      hv_gpr_name(dr.gpr));
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 0 && (rec->intr_info >> 31)) {
		struct hv_intr_info ii;

		hv_decode_intr_info(rec->intr_info, &ii);
		n += snprintf(buf + n, len - n,
			      ",\"vector\":%u,\"type\":\"%s\",\"error_code_valid\":%s",
			      ii.vector, hv_intr_type_name(ii.type),
			      ii.error_code_valid ? "true" : "false");
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 44) {
		struct hv_apic_access_qual aa;

		hv_decode_apic_access(rec->qualification, &aa);
		n += snprintf(buf + n, len - n, ",\"apic_offset\":%u,\"access\":\"%s\"",
			      aa.offset, hv_apic_access_type(aa.type));
	} else if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 46 ||
		   HVLAB_VMX_EXIT_BASIC(rec->reason) == 47) {
		n += snprintf(buf + n, len - n, ",\"instruction\":\"%s\"",
			      hv_descriptor_table_insn(HVLAB_VMX_EXIT_BASIC(rec->reason),
						       rec->instruction_info));
	} else if (is_ept(rec)) {
		struct hv_ept_qual ept;

		hv_decode_ept(rec->qualification, &ept);
		n += snprintf(buf + n, len - n, ",\"gpa\":\"0x%llx\"", (unsigned long long)rec->gpa);
		if (HVLAB_VMX_EXIT_BASIC(rec->reason) == 48)
			n += snprintf(buf + n, len - n, ",\"access\":\"%s\"", hv_ept_access(&ept));
	}
	if ((size_t)n < len)
		n += snprintf(buf + n, len - n, "}");
	return n;
}

const char *hv_vm_instruction_error(uint32_t err)
{
	static const char *const errors[] = {
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "invalid operand to INVEPT/INVVPID",
	};

	return err < sizeof(errors) / sizeof(errors[0]) && errors[err] ?
	       errors[err] : "unknown VM-instruction error";
}
