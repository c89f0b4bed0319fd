// SPDX-License-Identifier: GPL-2.0
/*
 * step_tty.c - hvctl step at a terminal: hvctl runs on a pseudo-terminal,
 * as under a student's shell, and the test types at its prompt. The
 * scripted modes (stdin, --commands) are in step.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define HVCTL		"/usr/bin/hvctl"
#define OUT_SIZE	65536
#define WAIT_MS		120000	/* Bochs is slow; the lab VM's clock slower still */

struct term {
	int master;
	pid_t pid;
	char out[OUT_SIZE];	/* everything hvctl wrote, NUL-terminated */
	size_t len;
	size_t seen;		/* where the last expect() matched */
};

/* Start hvctl with a pty as its controlling terminal, stdin, stdout and stderr. */
static int term_start(struct term *t, char *const argv[])
{
	char *slave;

	memset(t, 0, sizeof(*t));
	/* The lab VM's /init mounts no devpts: bring one where /dev/ptmx looks for it. */
	if (access("/dev/pts/ptmx", F_OK)) {
		mkdir("/dev/pts", 0755);
		if (mount("devpts", "/dev/pts", "devpts", 0, "ptmxmode=0666"))
			return -1;
	}
	t->master = posix_openpt(O_RDWR | O_NOCTTY);
	if (t->master < 0 || grantpt(t->master) || unlockpt(t->master) ||
	    !(slave = ptsname(t->master)))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		int fd;

		setsid();
		fd = open(slave, O_RDWR);	/* the first tty opened becomes the controlling one */
		if (fd < 0)
			_exit(126);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(t->master);
		execv(HVCTL, argv);
		_exit(127);
	}
	return 0;
}

/* Read what hvctl writes until want appears after the last match; 0 if it did. */
static int expect(struct term *t, const char *want)
{
	for (;;) {
		struct pollfd p = { .fd = t->master, .events = POLLIN };
		char *at = strstr(t->out + t->seen, want);
		ssize_t n;

		if (at) {
			t->seen = at - t->out + strlen(want);
			return 0;
		}
		if (t->len == OUT_SIZE - 1 || poll(&p, 1, WAIT_MS) <= 0)
			return -1;
		n = read(t->master, t->out + t->len, OUT_SIZE - 1 - t->len);
		if (n <= 0)	/* EIO: hvctl has exited and closed the terminal */
			return -1;
		t->len += n;
		t->out[t->len] = 0;
	}
}

static void type(struct term *t, const char *text)
{
	ssize_t n = write(t->master, text, strlen(text));

	(void)n;
}

/* Wait for hvctl to end; its exit status, or -1. */
static int term_end(struct term *t)
{
	int status;

	expect(t, "\1never\1");		/* drain the output up to EOF */
	close(t->master);
	if (waitpid(t->pid, &status, 0) != t->pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(prompt_and_commands)
{
	char *const argv[] = { "hvctl", "step", "/guests/hello.bin", NULL };
	struct term *t = malloc(sizeof(*t));

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, term_start(t, argv)) TH_LOG("no pseudo-terminal: %s", strerror(errno));
	ASSERT_EQ(0, expect(t, "#1 I/O instruction (30) at rip 0x7c10")) TH_LOG("%s", t->out);
	ASSERT_EQ(0, expect(t, "(Enter: next exit, c: continue, q: quit, help: all commands)"));
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);

	type(t, "\n");			/* Enter alone: the next exit */
	ASSERT_EQ(0, expect(t, "#2 I/O instruction (30) at rip 0x7c10")) TH_LOG("%s", t->out);
	ASSERT_EQ(0, expect(t, "out 0x65 'e'"));
	ASSERT_EQ(0, expect(t, "step> "));

	type(t, "regs\n");
	ASSERT_EQ(0, expect(t, "rsi 0x0000000000007c58")) TH_LOG("%s", t->out);
	ASSERT_EQ(0, expect(t, "step> "));

	type(t, "bogus\n");
	ASSERT_EQ(0, expect(t, "unknown command 'bogus': type help for the list"));
	ASSERT_EQ(0, expect(t, "step> "));

	type(t, "c\n");			/* continue: the rest without stopping */
	ASSERT_EQ(0, expect(t, "llo from an hvlab guest!")) TH_LOG("%s", t->out);
	EXPECT_EQ(0, term_end(t));
	EXPECT_EQ(NULL, strstr(t->out, "#3 ")) TH_LOG("%s", t->out);
	free(t);
}

TEST(until_at_the_prompt_and_quit)
{
	char *const argv[] = { "hvctl", "step", "/guests/cpuid.bin", NULL };
	struct term *t = malloc(sizeof(*t));

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, term_start(t, argv)) TH_LOG("no pseudo-terminal: %s", strerror(errno));
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);
	type(t, "u exit=io,port=0xe9\n");
	ASSERT_EQ(0, expect(t, "#4 I/O instruction (30) at rip 0x7c82")) TH_LOG("%s", t->out);
	ASSERT_EQ(0, expect(t, "out dx, al"));
	ASSERT_EQ(0, expect(t, "step> "));
	type(t, "q\n");
	EXPECT_EQ(0, term_end(t));
	EXPECT_EQ(NULL, strstr(t->out, "#5 ")) TH_LOG("%s", t->out);
	free(t);
}

/* Ctrl-C at the prompt gives a fresh prompt, as a shell does, and runs nothing. */
TEST(ctrl_c_at_the_prompt)
{
	char *const argv[] = { "hvctl", "step", "/guests/cpuid.bin", NULL };
	struct term *t = malloc(sizeof(*t));

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, term_start(t, argv)) TH_LOG("no pseudo-terminal: %s", strerror(errno));
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);
	usleep(200000);			/* into fgets() */
	kill(t->pid, SIGINT);
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);
	EXPECT_EQ(NULL, strstr(t->out, "#2 "));
	type(t, "quit\n");
	EXPECT_EQ(0, term_end(t));
	free(t);
}

/*
 * Ctrl-C after continue stops the guest where it is and gives the prompt
 * back. loop.bin's 10000 CPUID exits take long enough, and its dots come
 * to userspace, where hvctl notices a signal that missed HVLAB_RUN.
 */
TEST(ctrl_c_while_running)
{
	char *const argv[] = { "hvctl", "step", "/guests/loop.bin", NULL };
	struct term *t = malloc(sizeof(*t));

	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, term_start(t, argv));
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);
	type(t, "c\n");
	kill(t->pid, SIGINT);
	ASSERT_EQ(0, expect(t, "interrupted at rip 0x")) TH_LOG("%s", t->out);
	ASSERT_EQ(0, expect(t, "step> ")) TH_LOG("%s", t->out);
	EXPECT_EQ(NULL, strstr(t->out, "loop ok"));
	type(t, "regs\n");
	ASSERT_EQ(0, expect(t, "rip 0x00000000000"));
	ASSERT_EQ(0, expect(t, "step> "));
	type(t, "q\n");
	EXPECT_EQ(0, term_end(t));
	EXPECT_EQ(NULL, strstr(t->out, "loop ok")) TH_LOG("%s", t->out);
	free(t);
}

TEST_HARNESS_MAIN
