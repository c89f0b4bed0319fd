// SPDX-License-Identifier: GPL-2.0
/*
 * crossings.c - lab 9, part B: the same timing program
 * (userspace/crossings.c) on the lab VM's host and in a container. It
 * times a system call, and, where it can run an hvlab guest
 * (guests/elf/crossings.c), a VM exit handled in the kernel (CPUID), a
 * hypercall and a VM exit to userspace (OUT). What must hold: the
 * container's system call costs what the host's does (one kernel, the
 * same path), the container cannot run a guest, and an exit to userspace
 * costs several exits handled in the kernel.
 */
#include "hvtest.h"
#include "json.h"

#define CROSSINGS	"/usr/bin/crossings"

struct figures {
	long long syscall, cpuid_exit, hypercall, out_exit;	/* -1: none */
	char no_guest[160];
	char line[512];
};

static long long figure(const struct hv_json *j, const char *key)
{
	uint64_t v;

	return hv_json_u64(hv_json_get(j, key), &v) ? -1 : (long long)v;
}

/* Run @cmd, which prints one JSON object, into @f; 0 or -1. */
static int run_crossings(const char *cmd, struct figures *f)
{
	const struct hv_json *s;
	struct hv_json *j;
	char err[128];
	FILE *p = popen(cmd, "r");

	f->line[0] = 0;
	if (!p)
		return -1;
	if (!fgets(f->line, sizeof(f->line), p))
		f->line[0] = 0;
	pclose(p);
	j = hv_json_parse(f->line, err, sizeof(err));
	if (!j)
		return -1;
	f->syscall = figure(j, "syscall");
	f->cpuid_exit = figure(j, "cpuid_exit");
	f->hypercall = figure(j, "hypercall");
	f->out_exit = figure(j, "out_exit");
	s = hv_json_get(j, "no_guest");
	snprintf(f->no_guest, sizeof(f->no_guest), "%s",
		 s && s->type == HV_JSON_STRING ? s->text : "?");
	hv_json_free(j);
	return 0;
}

TEST(crossings_on_the_host_and_in_a_container)
{
	struct figures host, box;

	if (access(CROSSINGS, X_OK) || access("/usr/bin/minicontainer", X_OK))
		SKIP(return, "no " CROSSINGS " or minicontainer (make payload)");
	ASSERT_EQ(0, run_crossings(CROSSINGS " --json", &host));
	ASSERT_EQ(0, run_crossings("/usr/bin/minicontainer -- " CROSSINGS " --json", &box));
	TH_LOG("ticks          host   container");
	TH_LOG("syscall      %6lld  %6lld", host.syscall, box.syscall);
	TH_LOG("CPUID exit   %6lld  %6lld", host.cpuid_exit, box.cpuid_exit);
	TH_LOG("hypercall    %6lld  %6lld", host.hypercall, box.hypercall);
	TH_LOG("OUT exit     %6lld  %6lld", host.out_exit, box.out_exit);
	TH_LOG("the container: %s", box.no_guest);
	/* the host runs the guest to the end */
	EXPECT_STREQ("", host.no_guest);
	ASSERT_LT(0, host.syscall);
	ASSERT_LT(0, host.cpuid_exit);
	ASSERT_LT(0, host.hypercall);
	ASSERT_LT(0, host.out_exit);
	/* both VMCALL and CPUID go no further than the kernel's exit handler */
	EXPECT_LT(host.hypercall, 2 * host.cpuid_exit);
	EXPECT_LT(host.cpuid_exit, 2 * host.hypercall);
	/* to userspace and back: hvctl's HVLAB_RUN, the return, the re-entry */
	EXPECT_LT(4 * host.cpuid_exit, host.out_exit);
	/* one kernel: the container's system call is the host's, within 10 % */
	EXPECT_LT(10 * labs(box.syscall - host.syscall), host.syscall);
	/* and no VM in a container: no /dev/hvlab in its /dev */
	EXPECT_EQ(-1, box.cpuid_exit);
	EXPECT_EQ(-1, box.out_exit);
	EXPECT_NE(NULL, strstr(box.no_guest, "/dev/hvlab"));
}

TEST_HARNESS_MAIN
