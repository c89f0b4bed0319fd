// SPDX-License-Identifier: GPL-2.0
/*
 * minicontainer - OS-level virtualization in one file, for lab 9's
 * comparison with a VM (labs/lab9/README.md).
 *
 * A container is not a machine: it is a process of the host kernel that
 * sees less of it. The kernel gives it its own view of each global name
 * space (namespaces: user IDs, process IDs, mounts, host name, network)
 * and a budget of its resources (cgroup v2: memory, processes, CPU time).
 * Every system call still runs in the one host kernel; an hvlab guest, in
 * contrast, has its own kernel, and reaches the host only by VM exits.
 *
 *   parent (host)                         child (PID 1 of the container)
 *   cgroup_create(): limits       
 *   clone(CLONE_NEW*) ------------------> waits on the pipe
 *   write_id_maps(): uid_map, gid_map
 *   the child into the cgroup
 *   releases the pipe ------------------> hostname, root (pivot_root), exec
 *   waits, reports the exit status        the command
 *
 * Usage: minicontainer [options] [--] COMMAND [ARG...]; --help.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define ID_MAP_COUNT	65536		/* IDs 0-65535 of the container */
#define STACK_SIZE	(256 * 1024)

struct container {
	const char *hostname;
	long long memory_max;		/* bytes, or 0: no limit */
	long pids_max;			/* or 0 */
	int cpu_percent;		/* of one CPU, or 0 */
	unsigned long id_base;		/* host UID/GID of the container's 0 */
	bool verbose;
	char **argv;			/* the command */

	char cgroup[PATH_MAX];		/* its cgroup's directory, or "" */
	char root[64];			/* where its root is built */
	int release[2];			/* the parent writes when the child may go on */
};

static void say(const struct container *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	va_start(ap, fmt);
	fputs("minicontainer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Write @text into the file @dir/@name; 0 or -errno. */
static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/*
 * The container's cgroup, a child of the root cgroup, with its limits
 * (Documentation/admin-guide/cgroup-v2.rst). The controllers must be
 * enabled in the parent's cgroup.subtree_control first.
 */
static int cgroup_limits(struct container *c)
{
	int err = 0;

	/* LAB 9 BEGIN cgroup_limits: memory.max, memory.swap.max, pids.max and cpu.max of the container's cgroup (cgroup-v2.rst) */
	char value[64];

	if (c->memory_max) {
		snprintf(value, sizeof(value), "%lld", c->memory_max);
		err = write_file(c->cgroup, "memory.max", value);
		/* Past the limit, reclaim and then the OOM killer, not swap */
		if (!err && access(CGROUP_ROOT "/memory.swap.max", F_OK) == 0)
			err = write_file(c->cgroup, "memory.swap.max", "0");
	}
	if (!err && c->pids_max) {
		snprintf(value, sizeof(value), "%ld", c->pids_max);
		err = write_file(c->cgroup, "pids.max", value);
	}
	if (!err && c->cpu_percent) {
		/* quota and period in microseconds: percent of one CPU */
		snprintf(value, sizeof(value), "%d 100000", c->cpu_percent * 1000);
		err = write_file(c->cgroup, "cpu.max", value);
	}
	/* LAB 9 END */
	/* LAB 9 STUB: if (c->memory_max || c->pids_max || c->cpu_percent) err = lab_todo(9, __func__); */
	return err;
}

static int cgroup_create(struct container *c)
{
	int err;

	if (!c->memory_max && !c->pids_max && !c->cpu_percent)
		return 0;
	/* The lab VM does not mount cgroup2 at boot. */
	if (access(CGROUP_ROOT "/cgroup.procs", F_OK) &&
	    mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	err = write_file(CGROUP_ROOT, "cgroup.subtree_control", "+memory +pids +cpu");
	if (err)
		return err;
	snprintf(c->cgroup, sizeof(c->cgroup), CGROUP_ROOT "/minicontainer.%d", getpid());
	if (mkdir(c->cgroup, 0755))
		return -errno;
	say(c, "cgroup %s", c->cgroup);
	return cgroup_limits(c);
}

static void cgroup_remove(struct container *c)
{
	if (c->cgroup[0] && rmdir(c->cgroup))
		fprintf(stderr, "minicontainer: cannot remove %s: %s\n", c->cgroup, strerror(errno));
}

/*
 * The child's user namespace starts with no IDs mapped: its processes
 * are "nobody" until the parent, from outside, maps them (user_namespaces(7)).
 * The container's 0 becomes the host's id_base, an ID with no rights on
 * the host; inside, it has every capability, over what its namespaces own.
 */
static int write_id_maps(const struct container *c, pid_t child)
{
	char dir[64], map[64];
	int err = 0;

	snprintf(dir, sizeof(dir), "/proc/%d", child);
	snprintf(map, sizeof(map), "0 %lu %d\n", c->id_base, ID_MAP_COUNT);
	/* LAB 9 BEGIN write_id_maps: uid_map, and gid_map after setgroups "deny" (user_namespaces(7)) */
	err = write_file(dir, "uid_map", map);
	/* Without "deny", an unprivileged writer could not map GIDs; we say it anyway */
	if (!err)
		err = write_file(dir, "setgroups", "deny");
	if (!err)
		err = write_file(dir, "gid_map", map);
	/* LAB 9 END */
	/* LAB 9 STUB: err = lab_todo(9, __func__); */
	return err;
}

/* Bind @from (a host path) at @root/@to, read-only. */
static int bind_read_only(const char *root, const char *from, const char *to)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, to);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	if (mount(from, path, NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	/* A bind mount takes MS_RDONLY only in a remount (mount(2)) */
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return -errno;
	return 0;
}

/* An empty file at @root/@to with the host's device @from on it */
static int bind_device(const char *root, const char *from, const char *to)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, to);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		return -errno;
	close(fd);
	/* mknod is refused in a user namespace: the host's node, bound */
	return mount(from, path, NULL, MS_BIND, NULL) ? -errno : 0;
}

/*
 * pivot_root(2) refuses a root mount with no mount under it (EINVAL), and
 * that is what the lab VM runs on: the initramfs, "rootfs". So we move
 * into a bind mount of the whole tree, set on a tmpfs of our own over
 * /tmp: a root with a mount under it. This namespace's /tmp is then that
 * tmpfs, where the container's root is built; the host's /tmp is not
 * touched. On a host booted from a disk, it costs two mounts.
 */
static int leave_the_initramfs(void)
{
	if (mount("minicontainer", "/tmp", "tmpfs", 0, "size=1m,mode=0755"))
		return -errno;
	if (mkdir("/tmp/host", 0755))
		return -errno;
	if (mount("/", "/tmp/host", NULL, MS_BIND | MS_REC, NULL))
		return -errno;
	if (chdir("/tmp/host") || chroot("."))
		return -errno;
	return 0;
}

/*
 * The container's file system: a fresh tmpfs holding the host's programs
 * and libraries read-only (those of the list that exist), /dev/null,
 * /dev/zero and /dev/urandom, a /tmp and a /proc. Nothing else of the
 * host: no /dev/hvlab, no /sys, no host /proc, no /etc.
 */
static int build_root(struct container *c)
{
	static const char *const dirs[] = { "dev", "proc", "tmp", "usr", "oldroot" };
	static const char *const programs[] = { "bin", "sbin", "lib", "lib64", "usr/bin", "usr/lib" };
	char path[PATH_MAX];
	unsigned int i;
	int err = 0;

	snprintf(c->root, sizeof(c->root), "/tmp/root");
	if (mkdir(c->root, 0755))
		return -errno;
	if (mount("minicontainer", c->root, "tmpfs", 0, "size=16m,mode=0755"))
		return -errno;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->root, dirs[i]);
		if (mkdir(path, 0755))
			return -errno;
	}
	for (i = 0; i < sizeof(programs) / sizeof(programs[0]) && !err; i++) {
		snprintf(path, sizeof(path), "/%s", programs[i]);
		if (access(path, F_OK) == 0)
			err = bind_read_only(c->root, path, programs[i]);
	}
	if (!err)
		err = bind_device(c->root, "/dev/null", "dev/null");
	if (!err)
		err = bind_device(c->root, "/dev/zero", "dev/zero");
	if (!err)
		err = bind_device(c->root, "/dev/urandom", "dev/urandom");
	return err;
}

/*
 * Make c->root the root of this mount namespace, and drop every other
 * mount of the host from it. chroot(2) alone would not do: the old root
 * would stay in the namespace, one chroot() escape away (pivot_root(2)).
 */
static int pivot_into_root(const struct container *c)
{
	int err = 0;

	/* LAB 9 BEGIN pivot_into_root: pivot_root into c->root, the old root detached and gone (pivot_root(2)) */
	if (chdir(c->root))
		return -errno;
	if (syscall(SYS_pivot_root, ".", "oldroot"))
		return -errno;
	if (chdir("/"))
		return -errno;
	/* MNT_DETACH: the old root may still be busy (our own binaries) */
	if (umount2("/oldroot", MNT_DETACH))
		return -errno;
	if (rmdir("/oldroot"))
		err = -errno;
	/* LAB 9 END */
	/* LAB 9 STUB: err = lab_todo(9, __func__); */
	return err;
}

static int child_fail(const char *what, int err)
{
	fprintf(stderr, "minicontainer: %s: %s\n", what, strerror(-err));
	return 125;
}

/* PID 1 of the new PID namespace */
static int container_main(void *arg)
{
	struct container *c = arg;
	char go;
	int err;

	close(c->release[1]);
	/* Until the parent has mapped our IDs, we are nobody. */
	if (read(c->release[0], &go, 1) != 1)
		return 125;
	close(c->release[0]);
	/*
	 * We still carry the host's IDs, which the maps do not hold: files we
	 * made would belong to no one (EOVERFLOW). Become the container's root.
	 */
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return child_fail("becoming root of the user namespace", -errno);
	if (sethostname(c->hostname, strlen(c->hostname)))
		return child_fail("sethostname", -errno);
	/* Our mounts stay ours: none propagates back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return child_fail("making / private", -errno);
	err = leave_the_initramfs();
	if (err)
		return child_fail("leaving the initramfs", err);
	err = build_root(c);
	if (err)
		return child_fail("building the root", err);
	err = pivot_into_root(c);
	if (err)
		return child_fail("pivot_root", err);
	/* This PID namespace's own /proc: only the container's processes */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return child_fail("mounting /proc", -errno);
	if (mount("tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=4m"))
		return child_fail("mounting /tmp", -errno);
	say(c, "exec %s as PID %d", c->argv[0], getpid());
	execvp(c->argv[0], c->argv);
	fprintf(stderr, "minicontainer: %s: %s\n", c->argv[0], strerror(errno));
	return 127;
}

static int run(struct container *c)
{
	const int flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS |
			  CLONE_NEWNET | CLONE_NEWIPC;
	char *stack, pid_text[32];
	int err, status;
	pid_t child;

	err = cgroup_create(c);
	if (err) {
		fprintf(stderr, "minicontainer: the cgroup: %s (is cgroup v2 in the kernel?)\n",
			strerror(-err));
		cgroup_remove(c);
		return 125;
	}
	if (pipe2(c->release, O_CLOEXEC))
		return 125;
	stack = malloc(STACK_SIZE);
	if (!stack)
		return 125;
	child = clone(container_main, stack + STACK_SIZE, flags | SIGCHLD, c);
	if (child < 0) {
		fprintf(stderr, "minicontainer: clone: %s (user namespaces off? /proc/sys/user/max_user_namespaces)\n",
			strerror(errno));
		cgroup_remove(c);
		return 125;
	}
	close(c->release[0]);
	say(c, "child %d on the host", child);
	err = write_id_maps(c, child);
	if (!err && c->cgroup[0]) {
		snprintf(pid_text, sizeof(pid_text), "%d", child);
		err = write_file(c->cgroup, "cgroup.procs", pid_text);
	}
	if (err) {
		fprintf(stderr, "minicontainer: setting up the child: %s\n", strerror(-err));
		kill(child, SIGKILL);
	} else if (write(c->release[1], "g", 1) != 1) {
		kill(child, SIGKILL);
	}
	close(c->release[1]);
	if (waitpid(child, &status, 0) < 0)
		status = 125 << 8;
	free(stack);
	cgroup_remove(c);
	if (err)
		return 125;
	if (WIFSIGNALED(status)) {
		say(c, "the command was killed by signal %d", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* "16M", "512k", "1G" or bytes */
static long long parse_size(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 0);

	if (end == s || v <= 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	return *end ? -1 : v;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: minicontainer [options] [--] COMMAND [ARG...]\n"
		"Run COMMAND as PID 1 of a container: new user, PID, mount, UTS, IPC and\n"
		"network namespaces, a root of its own, and cgroup v2 limits.\n"
		"  -n, --hostname NAME   its host name (minicontainer)\n"
		"  -m, --memory SIZE     memory.max, e.g. 16M; past it the OOM killer\n"
		"  -p, --pids N          pids.max: at most N processes\n"
		"  -c, --cpu PERCENT     cpu.max: PERCENT of one CPU\n"
		"  -u, --id-base ID      the host UID and GID of its root (100000)\n"
		"  -v, --verbose         say each step on stderr\n"
		"Exit status: the command's; 128+N if signal N killed it; 125 if the\n"
		"container could not be made (run as root).\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "hostname", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, 'm' },
		{ "pids", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "id-base", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct container c = { .hostname = "minicontainer", .id_base = 100000 };
	char *end;
	int opt;

	while ((opt = getopt_long(argc, argv, "+n:m:p:c:u:vh", options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			c.hostname = optarg;
			break;
		case 'm':
			c.memory_max = parse_size(optarg);
			if (c.memory_max < 0) {
				fprintf(stderr, "minicontainer: --memory %s: give a size such as 16M\n", optarg);
				return 2;
			}
			break;
		case 'p':
			c.pids_max = strtol(optarg, &end, 10);
			if (*end || c.pids_max <= 0) {
				fprintf(stderr, "minicontainer: --pids %s: give a number above 0\n", optarg);
				return 2;
			}
			break;
		case 'c':
			c.cpu_percent = strtol(optarg, &end, 10);
			if (*end || c.cpu_percent <= 0 || c.cpu_percent > 100 * 1024) {
				fprintf(stderr, "minicontainer: --cpu %s: give a percentage of one CPU, 1 or more\n", optarg);
				return 2;
			}
			break;
		case 'u':
			c.id_base = strtoul(optarg, &end, 10);
			if (*end || c.id_base == 0 || c.id_base > UINT_MAX - ID_MAP_COUNT) {
				fprintf(stderr, "minicontainer: --id-base %s: give a host ID above 0\n", optarg);
				return 2;
			}
			break;
		case 'v':
			c.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	c.argv = argv + optind;
	return run(&c);
}
