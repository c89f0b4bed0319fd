// SPDX-License-Identifier: GPL-2.0
/*
 * explain.c - hvctl explain: load a guest into a fresh vCPU, read its
 * VMCS back (HVLAB_GET_VMCS) and run the VM-entry checks over it
 * (entry_check.c) without entering; and the same explanation after a
 * failed entry in hvctl run and step.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "decode.h"
#include "entry_check.h"
#include "explain.h"
#include "hvctl.h"
#include "state.h"
#include "vmcs_image.h"

/* explain's own statuses, beside hvctl.h's usage (2) and setup (4) */
#define STATUS_PASS	0
#define STATUS_FAIL	6	/* a check fails: VM entry would fail */

static int read_env(struct hv_vm *vm, struct hv_entry_env *env)
{
	struct hvlab_vmx_caps caps;

	if (ioctl(vm->dev_fd, HVLAB_GET_VMX_CAPS, &caps))
		return -errno;
	hv_entry_env_init(env, &caps);
	return 0;
}

void hv_explain_failed_entry(struct hv_vm *vm)
{
	struct hvlab_run *run = vm->run;
	struct hv_entry_report report;
	struct hv_entry_env env;
	struct hv_vmcs vmcs;
	uint32_t reason = run->fail_entry.exit_reason & 0xffff;
	int actual;

	if (vm->backend != HV_BACKEND_HVLAB)
		return;
	if (!run->fail_entry.vm_instruction_error && reason == 34) {
		fprintf(stderr, "hvctl: explain: VM entry loaded the guest state, then failed on entry %llu of the VM-entry MSR-load list (SDM 27.4): an MSR the CPU refuses to load there (x2APIC MSRs, FS/GS base, IA32_SMM_MONITOR_CTL) or a bad value; hvlab.ko's fault_msr_load parameter does this on purpose\n",
			(unsigned long long)run->fail_entry.qualification);
		return;
	}
	if (read_env(vm, &env) || hv_vmcs_read(vm, &vmcs)) {
		fprintf(stderr, "hvctl: explain: cannot read the capabilities or the VMCS (%s), so no explanation\n",
			strerror(errno));
		return;
	}
	actual = run->fail_entry.vm_instruction_error ? (int)run->fail_entry.vm_instruction_error :
		 (int)reason;
	if (!hv_entry_check(&vmcs, &env, &report)) {
		fprintf(stderr, "hvctl: explain: all %u checks pass, so the rule this CPU applied is one hvctl does not check (those that need memory or are model-specific: docs/entry-checks.md)\n",
			report.checks_run);
		return;
	}
	fprintf(stderr, "hvctl: explain: ");
	hv_entry_report_print(stderr, &report);
	if ((int)report.failures[0].check->outcome != actual)
		fprintf(stderr, "hvctl: explain: note: the CPU reported %s %d, while the first broken rule gives %s\n",
			run->fail_entry.vm_instruction_error ? "VM-instruction error" : "exit reason",
			actual, hv_entry_outcome_name(report.failures[0].check->outcome));
}

static void print_catalogue(FILE *out, int json)
{
	const struct hv_entry_check *list;
	unsigned int n;

	list = hv_entry_checks(&n);
	if (json)
		fprintf(out, "[");
	for (unsigned int i = 0; i < n; i++) {
		const struct hv_entry_check *c = &list[i];

		if (json)
			fprintf(out, "%s{\"id\":\"%s\",\"section\":\"%s\",\"outcome\":%d,\"qualification\":%d}",
				i ? "," : "", c->id, c->section, c->outcome,
				c->qualification < 0 ? 0 : c->qualification);
		else
			fprintf(out, "%-34s %-9s %2d  %s\n", c->id, c->section, c->outcome, c->rule);
	}
	if (json)
		fprintf(out, "]\n");
	else
		fprintf(out, "%u checks (outcome: 7/8 VM-instruction error, 33 exit reason)\n", n);
}

static void explain_usage(FILE *out)
{
	fprintf(out,
		"usage: hvctl explain [--json] GUEST\n"
		"       hvctl explain [--json] --state FILE [GUEST]\n"
		"       hvctl explain --list [--json]\n"
		"Load GUEST into a fresh vCPU and check its VMCS the way VM entry will\n"
		"(SDM 27.2, 27.3), without entering: prints \"all N checks pass\" or each\n"
		"broken rule with its fields, SDM section and a hint. --state applies a\n"
		"state file (hvctl step --save-state writes one) to the fresh vCPU first.\n"
		"--list prints every check hvctl knows. Exit status: 0 all pass, 6 a\n"
		"check fails, 2 usage, 4 setup error. See docs/entry-checks.md.\n");
}

int hv_cmd_explain(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "list", no_argument, NULL, 'l' },
		{ "state", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hv_entry_report report;
	struct hv_entry_env env;
	struct hv_vmcs vmcs;
	enum hv_guest_format format;
	struct hv_state state;
	struct hv_vm vm;
	const char *state_path = NULL;
	char err[256];
	int opt, ret, json = 0, list = 0;

	while ((opt = getopt_long(argc, argv, "jls:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 's':
			state_path = optarg;
			break;
		case 'h':
			explain_usage(stdout);
			return 0;
		default:
			explain_usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (list) {
		if (optind != argc) {
			fprintf(stderr, "hvctl: explain --list takes no GUEST\n");
			return STATUS_USAGE;
		}
		print_catalogue(stdout, json);
		return 0;
	}
	if (optind != argc - 1 && !(state_path && optind == argc)) {
		fprintf(stderr, "hvctl: explain needs exactly one GUEST file, or --state FILE (try: hvctl explain guests/hello.bin)\n");
		return STATUS_USAGE;
	}
	if (state_path && hv_state_load(state_path, &state, err, sizeof(err))) {
		fprintf(stderr, "hvctl: --state %s\n", err);
		return STATUS_SETUP;
	}
	if (hvctl_open_guest(&vm, HV_BACKEND_HVLAB, NULL,
			     optind < argc ? argv[optind] : NULL, &format, "hvctl"))
		return STATUS_SETUP;
	/* The state goes through the ioctls as hvctl run --state sends it; the VMCS is read back. */
	if (state_path) {
		ret = hv_state_apply(&vm, &state);
		if (ret) {
			fprintf(stderr, "hvctl: --state %s: the kernel refused the state: %s (a value a VMCS field cannot hold?)\n",
				state_path, strerror(-ret));
			hv_close(&vm);
			return STATUS_SETUP;
		}
	}
	ret = read_env(&vm, &env);
	if (!ret)
		ret = hv_vmcs_read(&vm, &vmcs);
	if (ret) {
		fprintf(stderr, "hvctl: cannot read the capabilities or the VMCS: %s (is hvlab.ko older than hvctl?)\n",
			strerror(-ret));
		hv_close(&vm);
		return STATUS_SETUP;
	}
	hv_close(&vm);
	hv_entry_check(&vmcs, &env, &report);
	if (json)
		hv_entry_report_json(stdout, &report);
	else
		hv_entry_report_print(stdout, &report);
	return report.nfailures ? STATUS_FAIL : STATUS_PASS;
}
