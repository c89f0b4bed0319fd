// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs.c - hvctl vmcs: the vCPU's VMCS after loading a guest (and N of
 * its exits), decoded by field group (vmcs_print.c), or as JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "hvctl.h"
#include "vmcs_print.h"



/* hvctl vmcs: the vCPU's VMCS after loading GUEST (and N exits), decoded. */
int hvctl_cmd_vmcs(int argc, char **argv)
{
	static const struct option options[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "exits", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw-console", no_argument, NULL, OPT_RAW_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s = { 0 };
	struct hv_vmcs vmcs;
	unsigned int mask = 0xf;
	int opt, ret, json = 0;

	while ((opt = getopt_long(argc, argv, "g:n:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'g':
			mask = hv_vmcs_group_mask(optarg);
			if (!mask) {
				fprintf(stderr, "hvctl: --group '%s': give control, exit, guest, host or all\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case 'n':
			if (hvctl_parse_exits(optarg, &s))
				return STATUS_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		case OPT_RAW_CONSOLE:
			s.raw_console = 1;
			break;
		case 'h':
			hvctl_usage(stdout);
			return 0;
		default:
			hvctl_usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "hvctl: vmcs needs exactly one GUEST file (try: hvctl vmcs --group guest guests/hello.bin)\n");
		return STATUS_USAGE;
	}
	ret = hvctl_load_and_run_exits(&s, argv[optind], json);
	if (ret < 0)
		return STATUS_SETUP;
	if (hv_vmcs_read(&s.vm, &vmcs)) {
		fprintf(stderr, "hvctl: HVLAB_GET_VMCS failed: %s (is hvlab.ko older than hvctl?)\n",
			strerror(errno));
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (json)
		hv_vmcs_print_json(stdout, &vmcs, mask);
	else
		hv_vmcs_print(stdout, &vmcs, mask);
	hv_close(&s.vm);
	return ret;
}

