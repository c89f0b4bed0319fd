// SPDX-License-Identifier: GPL-2.0
/*
 * crossings - what each way of asking the host for something costs, in
 * TSC ticks, from where this runs (lab 9). A process asks its kernel by
 * system call; an hvlab guest asks by VM exit, handled in the kernel
 * (CPUID, or a VMCALL hypercall) or by hvctl in userspace (OUT). Run it
 * on the host and in a container (minicontainer -- crossings): the
 * container's system call is the host's, and a container has no
 * /dev/hvlab to run a guest with.
 *
 * Each figure is the median of 1001 rounds, less what the timing itself
 * costs. Under Bochs with one CPU a tick is one retired instruction.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <x86intrin.h>

#include "lib/libhvlab.h"

#define ROUNDS		1001
#define RESULT_PORT	0x98	/* guests/elf/crossings.c */
#define EXIT_PORT	0xf4	/* a failed guest's end (guests/lib/entry.S) */

enum { NOTHING, CPUID_EXIT, HYPERCALL, OUT_EXIT, KINDS };

struct figures {
	long syscall;		/* getpid(), less the timing */
	long guest[KINDS];	/* from the guest, raw; -1 where none */
	char no_guest[160];	/* why there are no guest figures, or "" */
};

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static long median(long *t)
{
	qsort(t, ROUNDS, sizeof(*t), compare_long);
	return t[ROUNDS / 2];
}

/* A system call that does almost nothing, as CPUID is an exit that does little */
static long time_syscall(void)
{
	static long empty[ROUNDS], call[ROUNDS];
	uint64_t t0;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		t0 = __rdtsc();
		asm volatile("" ::: "memory");
		empty[i] = __rdtsc() - t0;
	}
	for (i = 0; i < ROUNDS; i++) {
		t0 = __rdtsc();
		syscall(SYS_getpid);	/* not glibc's getpid(): no cache, ever */
		call[i] = __rdtsc() - t0;
	}
	return median(call) - median(empty);
}

/* Run the guest; fill f->guest, or say in f->no_guest why not. */
static void time_guest(const char *path, struct figures *f)
{
	enum hv_guest_format format;
	const char *why = "";
	struct hv_vm vm;
	int ret, kind;

	ret = hv_open(&vm);
	if (!ret)
		ret = hv_create(&vm, HV_DEFAULT_MEM);
	if (ret) {
		snprintf(f->no_guest, sizeof(f->no_guest), "no VM here: %s", hv_strerror(ret));
		return;
	}
	ret = hv_load_file(&vm, path, &format, &why);
	if (ret) {
		snprintf(f->no_guest, sizeof(f->no_guest), "%s: %s%s%s", path, strerror(-ret),
			 *why ? ": " : "", why);
		hv_close(&vm);
		return;
	}
	vm.run->request_flags = 0;
	for (;;) {
		ret = hv_run(&vm);
		if (ret == -EINTR)
			continue;
		/* main() returned 0: HLT (guests/lib/entry.S) */
		if (!ret && vm.run->exit_reason == HVLAB_EXIT_HLT)
			break;
		if (ret || vm.run->exit_reason != HVLAB_EXIT_IO) {
			snprintf(f->no_guest, sizeof(f->no_guest), "the guest stopped early: %s",
				 ret ? strerror(-ret) :
				 vm.run->exit_reason == HVLAB_EXIT_INTERNAL_ERROR ?
				 vm.run->internal.reason : "an exit it should not make");
			break;
		}
		if (vm.run->io.direction != HVLAB_IO_OUT)
			continue;
		if (vm.run->io.port == EXIT_PORT) {
			snprintf(f->no_guest, sizeof(f->no_guest),
				 "the guest failed a check, status %u", (unsigned int)vm.run->io.data);
			break;
		}
		kind = (vm.run->io.port - RESULT_PORT) / 4;
		if (vm.run->io.port >= RESULT_PORT && kind < KINDS && vm.run->io.port % 4 == 0)
			f->guest[kind] = vm.run->io.data;
	}
	hv_close(&vm);
}

/* A figure less the timing's own cost, or -1 */
static long less_timing(const struct figures *f, int kind)
{
	if (f->guest[kind] < 0 || f->guest[NOTHING] < 0)
		return -1;
	return f->guest[kind] - f->guest[NOTHING];
}

static void print_json(struct figures *f)
{
	static const char *const names[KINDS] = { NULL, "cpuid_exit", "hypercall", "out_exit" };
	int kind;

	printf("{\"rounds\": %d, \"syscall\": %ld", ROUNDS, f->syscall);
	for (kind = CPUID_EXIT; kind < KINDS; kind++) {
		if (less_timing(f, kind) < 0)
			printf(", \"%s\": null", names[kind]);
		else
			printf(", \"%s\": %ld", names[kind], less_timing(f, kind));
	}
	/* The reason is ours or the kernel's; keep it a valid JSON string */
	for (kind = 0; f->no_guest[kind]; kind++)
		if (f->no_guest[kind] == '"' || f->no_guest[kind] == '\\' ||
		    (unsigned char)f->no_guest[kind] < 0x20)
			f->no_guest[kind] = '\'';
	printf(", \"no_guest\": \"%s\"}\n", f->no_guest);
}

static void print_text(const struct figures *f)
{
	static const char *const what[KINDS] = {
		NULL,
		"VM exit handled in the kernel (CPUID)",
		"hypercall handled in the kernel (VMCALL)",
		"VM exit to userspace and back (OUT)",
	};
	int kind;

	printf("%-44s %s\n", "crossing", "ticks (median of 1001, less the timing)");
	printf("%-44s %ld\n", "system call (getpid)", f->syscall);
	for (kind = CPUID_EXIT; kind < KINDS; kind++) {
		if (less_timing(f, kind) < 0)
			printf("%-44s -\n", what[kind]);
		else
			printf("%-44s %ld\n", what[kind], less_timing(f, kind));
	}
	if (f->no_guest[0])
		printf("(%s)\n", f->no_guest);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: crossings [--json] [--guest FILE]\n"
		"Time a system call, and an hvlab guest's VM exits and hypercall.\n"
		"  --guest FILE  the timing guest (/guests/crossings64.elf)\n"
		"  --json        one JSON object; null where there is no VM\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "guest", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *guest = "/guests/crossings64.elf";
	struct figures f = { .guest = { -1, -1, -1, -1 } };
	int opt, json = 0;

	while ((opt = getopt_long(argc, argv, "jg:h", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'g':
			guest = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	f.syscall = time_syscall();
	time_guest(guest, &f);
	if (json)
		print_json(&f);
	else
		print_text(&f);
	return 0;
}
