// SPDX-License-Identifier: GPL-2.0
/*
 * ept.c - hvctl ept: the VM's extended page tables after loading a guest
 * (and N of its exits): guest-physical ranges, every entry, or one walk
 * (ept_print.c, walk_print.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hvctl.h"
#include "ept_print.h"



/* hvctl ept: the EPT after loading GUEST (and N exits), as ranges, a tree or one walk. */
int hvctl_cmd_ept(int argc, char **argv)
{
	static const struct option options[] = {
		{ "exits", required_argument, NULL, 'n' },
		{ "tree", no_argument, NULL, 't' },
		{ "gpa", required_argument, NULL, 'g' },
		{ "json", no_argument, NULL, 'j' },
		{ "raw-console", no_argument, NULL, OPT_RAW_CONSOLE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s = { 0 };
	int opt, ret, err, json = 0, tree = 0, one = 0;
	uint64_t gpa = 0;
	struct hv_ept ept;
	char *end;

	while ((opt = getopt_long(argc, argv, "n:tg:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (hvctl_parse_exits(optarg, &s))
				return STATUS_USAGE;
			break;
		case 't':
			tree = 1;
			break;
		case 'g':
			gpa = strtoull(optarg, &end, 0);
			if (*end || end == optarg) {
				fprintf(stderr, "hvctl: --gpa '%s': give a guest-physical address, e.g. 0x7c00\n",
					optarg);
				return STATUS_USAGE;
			}
			one = 1;
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
		fprintf(stderr, "hvctl: ept needs exactly one GUEST file (try: hvctl ept guests/hello.bin)\n");
		return STATUS_USAGE;
	}
	if (one && (tree || json)) {
		fprintf(stderr, "hvctl: ept: --gpa shows one walk as text; leave out --tree and --json\n");
		return STATUS_USAGE;
	}
	ret = hvctl_load_and_run_exits(&s, argv[optind], json);
	if (ret < 0)
		return STATUS_SETUP;
	err = hv_ept_read(&s.vm, &ept);
	if (err) {
		fprintf(stderr, "hvctl: HVLAB_GET_EPT failed: %s (is hvlab.ko older than hvctl?)\n",
			strerror(-err));
		hv_close(&s.vm);
		return STATUS_SETUP;
	}
	if (one)
		hv_ept_print_gpa(stdout, &ept, gpa);
	else if (json)
		hv_ept_print_json(stdout, &ept, tree);
	else if (tree)
		hv_ept_print_tree(stdout, &ept);
	else
		hv_ept_print_ranges(stdout, &ept);
	hv_ept_free(&ept);
	hv_close(&s.vm);
	return ret;
}

