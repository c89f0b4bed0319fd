// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - decode IA32_VMX_* capability MSRs (SDM Vol. 3, Appendix A).
 *
 * Each control MSR has two halves: bits 31:0 are the allowed-0 settings
 * (a 1 there means the control must be 1) and bits 63:32 the allowed-1
 * settings (a 1 there means the control may be 1).
 */
#include <stdint.h>

#include "caps.h"

const struct hv_bit_name hv_pin_bits[] = {
	{ 0, "external-interrupt exiting" }, { 3, "NMI exiting" },
	{ 5, "virtual NMIs" }, { 6, "VMX-preemption timer" },
	{ 7, "process posted interrupts" }, { 0, NULL }
};

const struct hv_bit_name hv_proc_bits[] = {
	{ 2, "interrupt-window exiting" }, { 3, "use TSC offsetting" },
	{ 7, "HLT exiting" }, { 9, "INVLPG exiting" }, { 10, "MWAIT exiting" },
	{ 11, "RDPMC exiting" }, { 12, "RDTSC exiting" },
	{ 15, "CR3-load exiting" }, { 16, "CR3-store exiting" },
	{ 17, "activate tertiary controls" },
	{ 19, "CR8-load exiting" }, { 20, "CR8-store exiting" },
	{ 21, "use TPR shadow" }, { 22, "NMI-window exiting" },
	{ 23, "MOV-DR exiting" }, { 24, "unconditional I/O exiting" },
	{ 25, "use I/O bitmaps" }, { 27, "monitor trap flag" },
	{ 28, "use MSR bitmaps" }, { 29, "MONITOR exiting" },
	{ 30, "PAUSE exiting" }, { 31, "activate secondary controls" },
	{ 0, NULL }
};

const struct hv_bit_name hv_proc2_bits[] = {
	{ 0, "virtualize APIC accesses" }, { 1, "enable EPT" },
	{ 2, "descriptor-table exiting" }, { 3, "enable RDTSCP" },
	{ 4, "virtualize x2APIC mode" }, { 5, "enable VPID" },
	{ 6, "WBINVD exiting" }, { 7, "unrestricted guest" },
	{ 8, "APIC-register virtualization" }, { 9, "virtual-interrupt delivery" },
	{ 10, "PAUSE-loop exiting" }, { 11, "RDRAND exiting" },
	{ 12, "enable INVPCID" }, { 13, "enable VM functions" },
	{ 14, "VMCS shadowing" }, { 15, "enable ENCLS exiting" },
	{ 16, "RDSEED exiting" }, { 17, "enable PML" },
	{ 18, "EPT-violation #VE" }, { 19, "conceal VMX from PT" },
	{ 20, "enable XSAVES/XRSTORS" }, { 22, "mode-based execute control for EPT" },
	{ 23, "sub-page write permissions for EPT" }, { 24, "PT uses guest physical addresses" },
	{ 25, "use TSC scaling" }, { 26, "enable user wait and pause" },
	{ 28, "enable ENCLV exiting" }, { 0, NULL }
};

const struct hv_bit_name hv_exit_bits[] = {
	{ 2, "save debug controls" }, { 9, "host address-space size" },
	{ 12, "load IA32_PERF_GLOBAL_CTRL" }, { 15, "acknowledge interrupt on exit" },
	{ 18, "save IA32_PAT" }, { 19, "load IA32_PAT" },
	{ 20, "save IA32_EFER" }, { 21, "load IA32_EFER" },
	{ 22, "save VMX-preemption timer value" }, { 23, "clear IA32_BNDCFGS" },
	{ 24, "conceal VMX from PT" }, { 25, "clear IA32_RTIT_CTL" },
	{ 28, "load CET state" }, { 29, "load PKRS" }, { 0, NULL }
};

const struct hv_bit_name hv_entry_bits[] = {
	{ 2, "load debug controls" }, { 9, "IA-32e mode guest" },
	{ 10, "entry to SMM" }, { 11, "deactivate dual-monitor treatment" },
	{ 13, "load IA32_PERF_GLOBAL_CTRL" }, { 14, "load IA32_PAT" },
	{ 15, "load IA32_EFER" }, { 16, "load IA32_BNDCFGS" },
	{ 17, "conceal VMX from PT" }, { 18, "load IA32_RTIT_CTL" },
	{ 20, "load CET state" }, { 22, "load PKRS" }, { 0, NULL }
};

static const struct hv_bit_name ept_bits[] = {
	{ 0, "execute-only EPT entries" }, { 6, "page-walk length 4" },
	{ 7, "page-walk length 5" }, { 8, "uncacheable EPT memory type" },
	{ 14, "write-back EPT memory type" }, { 16, "2-MByte EPT pages" },
	{ 17, "1-GByte EPT pages" }, { 20, "INVEPT" },
	{ 21, "EPT accessed and dirty flags" },
	{ 22, "advanced EPT-violation information" },
	{ 23, "supervisor shadow-stack control" },
	{ 25, "INVEPT single-context" }, { 26, "INVEPT all-context" },
	{ 32, "INVVPID" }, { 40, "INVVPID individual-address" },
	{ 41, "INVVPID single-context" }, { 42, "INVVPID all-context" },
	{ 43, "INVVPID single-context-retaining-globals" }, { 0, NULL }
};

struct control_msr {
	const char *name;
	const struct hv_bit_name *bits;
	uint64_t value;
	uint32_t used;		/* what hvlab chose (HVLAB_GET_VMX_CAPS) */
};

static void print_controls(FILE *out, const struct control_msr *c)
{
	uint32_t must = (uint32_t)c->value, may = (uint32_t)(c->value >> 32);
	const struct hv_bit_name *b;

	fprintf(out, "%s controls (0x%016llx), hvlab uses 0x%08x:\n", c->name,
		(unsigned long long)c->value, c->used);
	for (b = c->bits; b->name; b++) {
		const char *state = !(may & (1u << b->bit)) ? "no" :
				    (must & (1u << b->bit)) ? "required" : "yes";

		fprintf(out, "  %-40s %-8s%s\n", b->name, state,
			c->used & (1u << b->bit) ? " used" : "");
	}
}

static const char *memtype_name(unsigned int type)
{
	return type == 0 ? "uncacheable" : type == 6 ? "write-back" : "reserved";
}

void hv_print_caps(FILE *out, const struct hvlab_vmx_caps *caps)
{
	const struct control_msr controls[] = {
		{ "Pin-based VM-execution", hv_pin_bits, caps->pinbased_ctls, caps->used_pin_ctls },
		{ "Primary processor-based VM-execution", hv_proc_bits, caps->procbased_ctls,
		  caps->used_proc_ctls },
		{ "Secondary processor-based VM-execution", hv_proc2_bits, caps->procbased_ctls2,
		  caps->used_proc_ctls2 },
		{ "VM-exit", hv_exit_bits, caps->exit_ctls, caps->used_exit_ctls },
		{ "VM-entry", hv_entry_bits, caps->entry_ctls, caps->used_entry_ctls },
	};
	const struct hv_bit_name *b;
	unsigned int i;

	fprintf(out, "IA32_VMX_BASIC            0x%016llx\n", (unsigned long long)caps->basic);
	fprintf(out, "  VMCS revision identifier 0x%x\n", caps->revision_id);
	fprintf(out, "  VMCS region size         %u bytes\n", caps->vmcs_size);
	fprintf(out, "  VMCS memory type         %s\n",
		memtype_name((caps->basic >> 50) & 0xf));
	fprintf(out, "  INS/OUTS exit info       %s\n", (caps->basic >> 54) & 1 ? "yes" : "no");
	fprintf(out, "  TRUE control MSRs        %s%s\n",
		caps->flags & HVLAB_CAP_TRUE_CTLS ? "yes" : "no",
		caps->flags & HVLAB_CAP_TRUE_CTLS ? " (shown below)" : "");
	fprintf(out, "IA32_FEATURE_CONTROL      0x%llx (%slocked, VMX outside SMX %s)\n",
		(unsigned long long)caps->feature_control,
		caps->feature_control & 1 ? "" : "not ",
		caps->feature_control & 4 ? "enabled" : "disabled");
	for (i = 0; i < sizeof(controls) / sizeof(controls[0]); i++)
		print_controls(out, &controls[i]);
	fprintf(out, "IA32_VMX_MISC             0x%016llx\n", (unsigned long long)caps->misc);
	fprintf(out, "  preemption timer         TSC >> %u\n", caps->preemption_timer_shift);
	fprintf(out, "  activity states          %s%s%s\n",
		(caps->misc >> 6) & 1 ? "HLT " : "", (caps->misc >> 7) & 1 ? "shutdown " : "",
		(caps->misc >> 8) & 1 ? "wait-for-SIPI" : "");
	fprintf(out, "  CR3-target values        %llu\n", (unsigned long long)(caps->misc >> 16) & 0x1ff);
	fprintf(out, "  MSR-list maximum         %llu\n",
		512 * (((unsigned long long)(caps->misc >> 25) & 7) + 1));
	fprintf(out, "CR0 fixed 0/1             0x%llx / 0x%llx\n",
		(unsigned long long)caps->cr0_fixed0, (unsigned long long)caps->cr0_fixed1);
	fprintf(out, "CR4 fixed 0/1             0x%llx / 0x%llx\n",
		(unsigned long long)caps->cr4_fixed0, (unsigned long long)caps->cr4_fixed1);
	fprintf(out, "IA32_VMX_VMCS_ENUM        highest index %llu\n",
		(unsigned long long)(caps->vmcs_enum >> 1) & 0x1ff);
	fprintf(out, "IA32_VMX_EPT_VPID_CAP     0x%016llx\n", (unsigned long long)caps->ept_vpid_cap);
	for (b = ept_bits; b->name; b++)
		fprintf(out, "  %-40s %s\n", b->name,
			(caps->ept_vpid_cap >> b->bit) & 1 ? "yes" : "no");
	fprintf(out, "IA32_VMX_VMFUNC           0x%llx\n", (unsigned long long)caps->vmfunc);
}

static void print_bits_json(FILE *out, const char *key, const struct hv_bit_name *bits,
			    uint64_t value, int control)
{
	const struct hv_bit_name *b;
	int first = 1;

	fprintf(out, ",\"%s\":{", key);
	for (b = bits; b->name; b++) {
		const char *state;

		if (control) {
			uint32_t must = (uint32_t)value, may = (uint32_t)(value >> 32);

			state = !(may & (1u << b->bit)) ? "\"no\"" :
				(must & (1u << b->bit)) ? "\"required\"" : "\"yes\"";
		} else {
			state = (value >> b->bit) & 1 ? "true" : "false";
		}
		fprintf(out, "%s\"%s\":%s", first ? "" : ",", b->name, state);
		first = 0;
	}
	fprintf(out, "}");
}

void hv_print_caps_json(FILE *out, const struct hvlab_vmx_caps *caps)
{
	fprintf(out, "{\"basic\":%llu,\"revision_id\":%u,\"vmcs_size\":%u,\"true_controls\":%s",
		(unsigned long long)caps->basic, caps->revision_id, caps->vmcs_size,
		caps->flags & HVLAB_CAP_TRUE_CTLS ? "true" : "false");
	fprintf(out, ",\"pinbased_ctls\":%llu,\"procbased_ctls\":%llu,\"procbased_ctls2\":%llu,\"exit_ctls\":%llu,\"entry_ctls\":%llu",
		(unsigned long long)caps->pinbased_ctls, (unsigned long long)caps->procbased_ctls,
		(unsigned long long)caps->procbased_ctls2, (unsigned long long)caps->exit_ctls,
		(unsigned long long)caps->entry_ctls);
	fprintf(out, ",\"misc\":%llu,\"cr0_fixed0\":%llu,\"cr0_fixed1\":%llu,\"cr4_fixed0\":%llu,\"cr4_fixed1\":%llu,\"ept_vpid_cap\":%llu,\"vmfunc\":%llu,\"feature_control\":%llu,\"preemption_timer_shift\":%u",
		(unsigned long long)caps->misc, (unsigned long long)caps->cr0_fixed0,
		(unsigned long long)caps->cr0_fixed1, (unsigned long long)caps->cr4_fixed0,
		(unsigned long long)caps->cr4_fixed1, (unsigned long long)caps->ept_vpid_cap,
		(unsigned long long)caps->vmfunc, (unsigned long long)caps->feature_control,
		caps->preemption_timer_shift);
	fprintf(out, ",\"used_pin_ctls\":%u,\"used_proc_ctls\":%u,\"used_proc_ctls2\":%u,\"used_exit_ctls\":%u,\"used_entry_ctls\":%u",
		caps->used_pin_ctls, caps->used_proc_ctls, caps->used_proc_ctls2,
		caps->used_exit_ctls, caps->used_entry_ctls);
	print_bits_json(out, "pin", hv_pin_bits, caps->pinbased_ctls, 1);
	print_bits_json(out, "proc", hv_proc_bits, caps->procbased_ctls, 1);
	print_bits_json(out, "proc2", hv_proc2_bits, caps->procbased_ctls2, 1);
	print_bits_json(out, "exit", hv_exit_bits, caps->exit_ctls, 1);
	print_bits_json(out, "entry", hv_entry_bits, caps->entry_ctls, 1);
	print_bits_json(out, "ept_vpid", ept_bits, caps->ept_vpid_cap, 0);
	fprintf(out, "}\n");
}
