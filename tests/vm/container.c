// SPDX-License-Identifier: GPL-2.0
/*
 * container.c - lab 9's container (userspace/minicontainer.c), run in the
 * lab VM: what a process in it can see of the host, and that its cgroup
 * limits hold. Each test runs /usr/bin/minicontainer with a busybox shell
 * command and checks the output and the exit status; the host side of
 * the comparison, an hvlab guest, is in the other tests.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "hvtest.h"

#define MINICONTAINER	"/usr/bin/minicontainer"

struct outcome {
	char out[4096];		/* stdout and stderr */
	int status;		/* the exit status, or -1 */
};

/* Run "minicontainer OPTIONS -- sh -c SCRIPT" and collect what it says. */
static void contain(struct outcome *o, const char *options, const char *script)
{
	char cmd[2048], *p = o->out;
	size_t left = sizeof(o->out) - 1, n;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "%s %s -- sh -c '%s' 2>&1", MINICONTAINER, options, script);
	o->status = -1;
	o->out[0] = 0;
	f = popen(cmd, "r");
	if (!f)
		return;
	while (left && (n = fread(p, 1, left, f)) > 0) {
		p += n;
		left -= n;
	}
	*p = 0;
	st = pclose(f);
	if (st != -1 && WIFEXITED(st))
		o->status = WEXITSTATUS(st);
}

/* The lines of @text, counted where they start with @prefix */
static int lines_starting(const char *text, const char *prefix)
{
	int count = 0;
	const char *p = text;

	while (*p) {
		if (!strncmp(p, prefix, strlen(prefix)))
			count++;
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	return count;
}

#define NEEDS_MINICONTAINER() do { \
	if (access(MINICONTAINER, X_OK)) \
		SKIP(return, "no " MINICONTAINER " (make payload)"); \
	if (access("/proc/self/ns/user", F_OK)) \
		SKIP(return, "the kernel has no user namespaces (CONFIG_USER_NS)"); \
} while (0)

/*
 * PID namespace and UTS namespace: the command is PID 1, the host name
 * is the container's, and /proc lists the container's processes only.
 */
TEST(command_is_pid_1_and_sees_no_host_process)
{
	struct outcome o;
	char want[128], host_name[65];
	int host_pids = 0;
	DIR *d;
	struct dirent *e;

	NEEDS_MINICONTAINER();
	d = opendir("/proc");
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)))
		host_pids += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	closedir(d);
	gethostname(host_name, sizeof(host_name));
	contain(&o, "-n box", "echo pid $$; hostname; ls /proc | grep \"^[0-9]\"");
	TH_LOG("the host has %d processes; the container said:\n%s", host_pids, o.out);
	ASSERT_EQ(0, o.status);
	snprintf(want, sizeof(want), "pid 1\nbox\n");
	EXPECT_EQ(0, strncmp(want, o.out, strlen(want)));
	/* sh, ls and grep, numbered from 1 */
	EXPECT_EQ(1, lines_starting(o.out, "1\n"));
	EXPECT_GE(4, lines_starting(o.out, "") - 2);
	EXPECT_LT(4, host_pids);
	/* the host's own name is unchanged */
	{
		char now[65];

		gethostname(now, sizeof(now));
		EXPECT_STREQ(host_name, now);
	}
}

/*
 * User namespace and mount namespace: root inside is host ID 100000,
 * which owns nothing; the host's programs are read-only; /dev holds three
 * nodes, and no /dev/hvlab; /sys is not there.
 */
TEST(root_inside_is_nobody_outside)
{
	struct outcome o;

	NEEDS_MINICONTAINER();
	contain(&o, "", "id -u; cat /proc/self/uid_map; touch /bin/x; ls /dev; ls /sys; ls /");
	TH_LOG("the container said:\n%s", o.out);
	EXPECT_EQ(0, strncmp("0\n", o.out, 2));
	EXPECT_NE(NULL, strstr(o.out, "         0     100000      65536\n"));
	EXPECT_NE(NULL, strstr(o.out, "Read-only file system"));
	EXPECT_NE(NULL, strstr(o.out, "\nnull\nurandom\nzero\n"));
	EXPECT_EQ(NULL, strstr(o.out, "hvlab"));
	EXPECT_NE(NULL, strstr(o.out, "/sys: No such file or directory"));
	EXPECT_EQ(NULL, strstr(o.out, "oldroot"));
}

/* Network namespace: a loopback device only, and no route out */
TEST(network_is_loopback_only)
{
	struct outcome o;

	NEEDS_MINICONTAINER();
	contain(&o, "", "cat /proc/net/dev");
	TH_LOG("the container said:\n%s", o.out);
	ASSERT_EQ(0, o.status);
	EXPECT_EQ(1, lines_starting(o.out, "    lo:"));
	/* two header lines and lo */
	EXPECT_EQ(3, lines_starting(o.out, ""));
}

/* The one thing a container cannot have of its own: the kernel */
TEST(kernel_is_the_hosts)
{
	struct outcome o;
	struct utsname u;
	char want[sizeof(u.release) + 2];

	NEEDS_MINICONTAINER();
	ASSERT_EQ(0, uname(&u));
	contain(&o, "", "uname -r");
	snprintf(want, sizeof(want), "%s\n", u.release);
	EXPECT_STREQ(want, o.out);
}

/*
 * cgroup v2 memory.max: a process that touches more than its container
 * may have is killed by the OOM killer (exit status 128 + SIGKILL); one
 * that stays below runs to the end. busybox dd touches its whole buffer.
 */
TEST(memory_max_is_enforced)
{
	struct outcome o;

	NEEDS_MINICONTAINER();
	contain(&o, "-m 24M", "dd if=/dev/zero of=/dev/null bs=8M count=2 2>/dev/null && echo small ok");
	TH_LOG("8 MiB under a 24 MiB limit: status %d: %s", o.status, o.out);
	EXPECT_EQ(0, o.status);
	EXPECT_STREQ("small ok\n", o.out);
	contain(&o, "-m 24M", "dd if=/dev/zero of=/dev/null bs=48M count=1 2>/dev/null; echo $?");
	TH_LOG("48 MiB under a 24 MiB limit: status %d: %s", o.status, o.out);
	EXPECT_EQ(0, o.status);
	EXPECT_STREQ("137\n", o.out);
	/* the cgroup went with the container */
	EXPECT_NE(0, system("ls -d /sys/fs/cgroup/minicontainer.* >/dev/null 2>&1"));
}

/* cgroup v2 pids.max: the fifth process of a container of four is refused */
TEST(pids_max_is_enforced)
{
	struct outcome o;

	NEEDS_MINICONTAINER();
	contain(&o, "-p 4", "for i in 1 2 3 4 5 6; do sleep 60 & echo forked $i; done; echo all started");
	TH_LOG("status %d: %s", o.status, o.out);
	/* sh and three sleeps; the shell gives up at the first fork refused */
	EXPECT_EQ(3, lines_starting(o.out, "forked"));
	EXPECT_NE(NULL, strstr(o.out, "can't fork"));
	EXPECT_EQ(NULL, strstr(o.out, "all started"));
}

/* Bad options change nothing and say what to do */
TEST(bad_options_are_refused)
{
	struct outcome o;

	NEEDS_MINICONTAINER();
	contain(&o, "--memory 12Q", "true");
	EXPECT_EQ(2, o.status);
	EXPECT_NE(NULL, strstr(o.out, "give a size such as 16M"));
	contain(&o, "--pids 0", "true");
	EXPECT_EQ(2, o.status);
	EXPECT_NE(NULL, strstr(o.out, "give a number above 0"));
}

TEST_HARNESS_MAIN
