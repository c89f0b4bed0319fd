// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs_print.c - a VMCS snapshot in words (vmcs_print.h).
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "caps.h"
#include "decode.h"
#include "vmcs_print.h"

static const struct hv_bit_name cr0_bits[] = {
	{ 0, "PE" }, { 1, "MP" }, { 2, "EM" }, { 3, "TS" }, { 4, "ET" }, { 5, "NE" },
	{ 16, "WP" }, { 18, "AM" }, { 29, "NW" }, { 30, "CD" }, { 31, "PG" }, { 0, NULL }
};

static const struct hv_bit_name cr4_bits[] = {
	{ 0, "VME" }, { 1, "PVI" }, { 2, "TSD" }, { 3, "DE" }, { 4, "PSE" }, { 5, "PAE" },
	{ 6, "MCE" }, { 7, "PGE" }, { 8, "PCE" }, { 9, "OSFXSR" }, { 10, "OSXMMEXCPT" },
	{ 11, "UMIP" }, { 12, "LA57" }, { 13, "VMXE" }, { 14, "SMXE" }, { 16, "FSGSBASE" },
	{ 17, "PCIDE" }, { 18, "OSXSAVE" }, { 19, "KL" }, { 20, "SMEP" }, { 21, "SMAP" },
	{ 22, "PKE" }, { 23, "CET" }, { 24, "PKS" }, { 0, NULL }
};

static const struct hv_bit_name efer_bits[] = {
	{ 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" }, { 0, NULL }
};

static const struct hv_bit_name rflags_bits[] = {
	{ 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
	{ 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" }, { 17, "VM" },
	{ 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" }, { 0, NULL }
};

static const struct hv_bit_name interruptibility_bits[] = {
	{ 0, "blocking-by-STI" }, { 1, "blocking-by-MOV-SS" }, { 2, "blocking-by-SMI" },
	{ 3, "blocking-by-NMI" }, { 4, "enclave-interruption" }, { 0, NULL }
};

static const struct hv_bit_name pending_dbg_bits[] = {
	{ 0, "B0" }, { 1, "B1" }, { 2, "B2" }, { 3, "B3" }, { 12, "enabled-breakpoint" },
	{ 14, "BS" }, { 16, "RTM" }, { 0, NULL }
};

/* Append to buf as snprintf would, never past len. */
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void describe_bits(const struct hv_bit_name *bits, uint64_t value, const char *sep,
			  char *buf, size_t len)
{
	for (; bits->name; bits++)
		if ((value >> bits->bit) & 1)
			append(buf, len, "%s%s", *buf ? sep : "", bits->name);
}

static void describe_access_rights(uint64_t ar, char *buf, size_t len)
{
	if (ar & (1u << 16)) {
		append(buf, len, "unusable");
		return;
	}
	append(buf, len, "type=%llu%s dpl=%llu%s%s%s%s%s",
	       (unsigned long long)(ar & 0xf), ar & 0x10 ? " code/data" : " system",
	       (unsigned long long)((ar >> 5) & 3), ar & 0x80 ? " present" : " not-present",
	       ar & (1u << 13) ? " L" : "", ar & (1u << 14) ? " D/B" : "",
	       ar & (1u << 15) ? " G" : "", ar & (1u << 12) ? " AVL" : "");
}

static void describe_event(uint64_t info, char *buf, size_t len)
{
	struct hv_intr_info ii;

	if (!(info & (1u << 31))) {
		append(buf, len, "none");
		return;
	}
	hv_decode_intr_info((uint32_t)info, &ii);
	append(buf, len, "%s vector %u", hv_intr_type_name(ii.type), ii.vector);
	if (ii.type == 3 && ii.vector < 32)
		append(buf, len, " (%s)", hv_exception_name(ii.vector));
	if (ii.error_code_valid)
		append(buf, len, ", error code");
}

const char *hv_vmcs_describe(uint32_t enc, uint64_t value, char *buf, size_t len)
{
	static const char *const activity[] = { "active", "HLT", "shutdown", "wait-for-SIPI" };
	const char *name;
	int i = hv_vmcs_index(enc);

	buf[0] = 0;
	if (i < 0)
		return buf;
	name = hv_vmcs_fields[i].name;
	switch (enc) {
	case 0x4000: describe_bits(hv_pin_bits, value, ", ", buf, len); break;
	case 0x4002: describe_bits(hv_proc_bits, value, ", ", buf, len); break;
	case 0x401e: describe_bits(hv_proc2_bits, value, ", ", buf, len); break;
	case 0x400c: describe_bits(hv_exit_bits, value, ", ", buf, len); break;
	case 0x4012: describe_bits(hv_entry_bits, value, ", ", buf, len); break;
	case 0x4004:		/* EXCEPTION_BITMAP */
		for (unsigned int v = 0; v < 32; v++)
			if ((value >> v) & 1)
				append(buf, len, "%s%s", *buf ? " " : "", hv_exception_name(v));
		break;
	case 0x2806: case 0x2c02:	/* EFER */
		describe_bits(efer_bits, value, " ", buf, len);
		break;
	case 0x6820:
		describe_bits(rflags_bits, value, " ", buf, len);
		if ((value >> 12) & 3)
			append(buf, len, " IOPL=%llu", (unsigned long long)((value >> 12) & 3));
		break;
	case 0x4824: describe_bits(interruptibility_bits, value, ", ", buf, len); break;
	case 0x6822: describe_bits(pending_dbg_bits, value, " ", buf, len); break;
	case 0x4826: append(buf, len, "%s", value < 4 ? activity[value] : "reserved"); break;
	case 0x4402:		/* VM_EXIT_REASON */
		append(buf, len, "%s%s", hv_exit_name(value & 0xffff) ?: "unknown",
		       value & (1u << 31) ? " (VM entry failed)" : "");
		break;
	case 0x4400: append(buf, len, "%s", value ? hv_vm_instruction_error(value) : ""); break;
	case 0x4404: case 0x4408: case 0x4016: describe_event(value, buf, len); break;
	case 0x201a:		/* EPT_POINTER */
		append(buf, len, "%s, %llu-level, %sPML4 at 0x%llx",
		       (value & 7) == 6 ? "write-back" : (value & 7) == 0 ? "uncacheable" : "bad type",
		       (unsigned long long)(((value >> 3) & 7) + 1),
		       value & 0x40 ? "A/D flags, " : "", (unsigned long long)(value & ~0xfffULL));
		break;
	default:
		if (strstr(name, "CR0"))
			describe_bits(cr0_bits, value, " ", buf, len);
		else if (strstr(name, "CR4"))
			describe_bits(cr4_bits, value, " ", buf, len);
		else if (strstr(name, "_AR_BYTES"))
			describe_access_rights(value, buf, len);
		break;
	}
	return buf;
}

unsigned int hv_vmcs_group_mask(const char *name)
{
	static const char *const groups[] = { "control", "exit", "guest", "host" };

	if (!name || !strcasecmp(name, "all"))
		return 0xf;
	for (unsigned int g = 0; g < 4; g++)
		if (!strncasecmp(name, groups[g], strlen(groups[g])))
			return 1u << g;
	return 0;
}

/* The value in its field's width: 4, 8 or 16 hex digits. */
static const char *format_value(uint32_t enc, uint64_t value, char *buf, size_t len)
{
	unsigned int bits = hv_vmcs_width_bits(enc);

	snprintf(buf, len, "0x%0*llx", bits ? (int)bits / 4 : 16, (unsigned long long)value);
	return buf;
}

void hv_vmcs_print(FILE *out, const struct hv_vmcs *vmcs, unsigned int mask)
{
	char meaning[512], value[24];

	for (unsigned int area = 0; area < 4; area++) {
		if (!(mask & (1u << area)))
			continue;
		fprintf(out, "== %s\n", hv_vmcs_area_name(area << 10));
		for (int i = 0; i < HV_VMCS_NFIELDS; i++) {
			uint32_t enc = hv_vmcs_fields[i].encoding;

			if (HVLAB_VMCS_AREA(enc) != area || !vmcs->supported[i])
				continue;
			hv_vmcs_describe(enc, vmcs->value[i], meaning, sizeof(meaning));
			format_value(enc, vmcs->value[i], value, sizeof(value));
			if (vmcs->hidden[i])
				fprintf(out, "  %-34s %04x  (hidden: a host address, for CAP_SYSLOG outside lockdown)\n",
					hv_vmcs_fields[i].name, enc);
			else if (*meaning)
				fprintf(out, "  %-34s %04x  %-18s  %s\n", hv_vmcs_fields[i].name, enc,
					value, meaning);
			else
				fprintf(out, "  %-34s %04x  %s\n", hv_vmcs_fields[i].name, enc, value);
		}
	}
}

void hv_vmcs_print_json(FILE *out, const struct hv_vmcs *vmcs, unsigned int mask)
{
	char meaning[512];
	int first = 1;

	fputc('{', out);
	for (int i = 0; i < HV_VMCS_NFIELDS; i++) {
		uint32_t enc = hv_vmcs_fields[i].encoding;

		if (!(mask & (1u << HVLAB_VMCS_AREA(enc))) || !vmcs->supported[i])
			continue;
		hv_vmcs_describe(enc, vmcs->value[i], meaning, sizeof(meaning));
		fprintf(out, "%s\"%s\":{\"encoding\":\"0x%04x\",\"value\":\"0x%llx\",\"area\":\"%s\",\"meaning\":\"%s\"%s}",
			first ? "" : ",", hv_vmcs_fields[i].name, enc,
			(unsigned long long)vmcs->value[i], hv_vmcs_area_name(enc), meaning,
			vmcs->hidden[i] ? ",\"hidden\":true" : "");
		first = 0;
	}
	fputs("}\n", out);
}
