// SPDX-License-Identifier: GPL-2.0
/*
 * gdb.c - hvctl gdb: the GDB remote protocol (gdbstub.c) for an hvlab
 * guest, served on 127.0.0.1:PORT to one gdb.
 *
 * hvctl loads the guest as hvctl run does, stops it before its first
 * instruction and waits for gdb. This file is the stub's outside: the
 * socket, and the vCPU (struct hv_gdb_ops):
 *
 *   registers   HVLAB_GET/SET_REGS and _SREGS;
 *   breakpoints #BP is in the exception bitmap with
 *               HVLAB_INTERCEPT_EXCEPTION_EXIT, so a hit on gdbstub.c's
 *               INT3 comes back as HVLAB_EXIT_EXCEPTION at the INT3;
 *   stepping    s runs with HVLAB_RUN_SINGLE_STEP (MTF, or TF on Bochs);
 *   watchpoints the watched page loses rights in EPT; an access exits as
 *               HVLAB_EXIT_MEMORY_ACCESS, is done with the rights given
 *               back for one step, and is reported if it hit;
 *   interrupt   while the guest runs, a second thread watches the socket;
 *               on Ctrl-C (0x03) it signals the vCPU thread, whose
 *               HVLAB_RUN then returns -EINTR.
 *
 * The guest's own exits (console, exit port, HLT, crashes) go to hvctl
 * run's handle_exit(), and its end is reported as W or X.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub.h"
#include "hvctl.h"
#include "loaders/loaders.h"
#include "walk_print.h"

#define GDB_DEFAULT_PORT	1234
#define BP_VECTOR		3

/* hvctl gdb's side of the session */
struct gdb_session {
	struct hv_gdb g;	/* the protocol's state; g.priv is this */
	struct session s;	/* the VM, and hvctl run's devices for it */
	int fd;			/* the connection to gdb */

	/* while the guest runs */
	pthread_t vcpu_thread;
	int wake[2];		/* vCPU thread -> watcher: stop watching */
	int stop_requested;	/* atomic: Ctrl-C or gdb gone */
};

/* hvctl run's handling of an exit that is the guest's business: 1 at its end. */
static int guest_exit(struct gdb_session *gs)
{
	handle_exit(&gs->s);
	gs->g.status = gs->s.status;
	return gs->s.done;
}

static void on_stop_signal(int sig)
{
	(void)sig;	/* only there to make HVLAB_RUN return -EINTR */
}

/* --- The connection ------------------------------------------------------ */

static ssize_t gdb_recv(struct hv_gdb *g, char *buf, size_t len)
{
	struct gdb_session *gs = g->priv;
	ssize_t n;

	do
		n = read(gs->fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static int gdb_send(struct hv_gdb *g, const char *buf, size_t len)
{
	struct gdb_session *gs = g->priv;
	ssize_t n;

	while (len) {
		n = send(gs->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* --- The vCPU ------------------------------------------------------------ */

static int gdb_get_regs(struct hv_gdb *g, struct hvlab_regs *regs)
{
	return hv_get_regs(g->vm, regs);
}

static int gdb_set_regs(struct hv_gdb *g, const struct hvlab_regs *regs)
{
	return hv_set_regs(g->vm, regs);
}

static int gdb_get_sregs(struct hv_gdb *g, struct hvlab_sregs *sregs)
{
	return hv_get_sregs(g->vm, sregs);
}

static int gdb_get_fpu(struct hv_gdb *g, struct hvlab_fpu *fpu)
{
	return hv_get_fpu(g->vm, fpu) ? -1 : 0;
}

/*
 * While the guest runs, only a Ctrl-C (0x03) should come from gdb. The
 * watcher keeps anything else for later, and on Ctrl-C or a closed
 * connection signals the vCPU thread until it has stopped: a signal
 * that lands just before HVLAB_RUN is entered would be missed.
 */
static void *watch_gdb(void *arg)
{
	struct gdb_session *gs = arg;
	struct hv_gdb *g = &gs->g;
	struct pollfd fds[2] = { { .fd = gs->wake[0], .events = POLLIN },
				 { .fd = gs->fd, .events = POLLIN } };
	ssize_t n, i;
	char buf[256];

	for (;;) {
		int asked = __atomic_load_n(&gs->stop_requested, __ATOMIC_ACQUIRE);

		if (poll(fds, asked ? 1 : 2, asked ? 20 : -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;		/* the vCPU thread has stopped */
		if (asked) {
			pthread_kill(gs->vcpu_thread, SIGUSR1);
			continue;
		}
		if (!fds[1].revents)
			continue;
		n = read(gs->fd, buf, sizeof(buf));
		if (n <= 0)
			g->gdb_gone = 1;
		for (i = 0; i < n; i++) {
			if (buf[i] == 0x03)
				asked = 1;
			else if (g->in_len < sizeof(g->in))
				g->in[g->in_len++] = buf[i];
		}
		if (asked || g->gdb_gone) {
			__atomic_store_n(&gs->stop_requested, 1, __ATOMIC_RELEASE);
			pthread_kill(gs->vcpu_thread, SIGUSR1);
		}
	}
	return NULL;
}

/* The guest's own INT3: deliver #BP to it as the CPU would, just after the INT3. */
static int deliver_guest_breakpoint(struct gdb_session *gs)
{
	struct hvlab_event ev = { .type = HVLAB_EVENT_EXCEPTION, .vector = BP_VECTOR };
	struct hv_vm *vm = gs->g.vm;
	struct hvlab_regs regs;

	if (hv_get_regs(vm, &regs))
		return -1;
	regs.rip = vm->run->guest_rip + vm->run->instruction_length;
	if (hv_set_regs(vm, &regs) || ioctl(vm->vcpu_fd, HVLAB_INJECT, &ev))
		return -1;
	return 0;
}

/*
 * HVLAB_EXIT_MEMORY_ACCESS on a watched page: do the access, one step
 * with all rights on that page, then take them away again. The step's
 * own exit is left in run for the caller: STEP, or what the instruction
 * caused (an OUT, say).
 */
static int step_over_access(struct gdb_session *gs, uint64_t page)
{
	struct hv_gdb *g = &gs->g;
	struct hvlab_run *run = g->vm->run;
	uint32_t flags = run->request_flags;
	int ret;

	if (hv_set_memory_rights(g->vm, page, 4096, HVLAB_MEM_ATTR_RWX))
		return -1;
	run->request_flags = HVLAB_RUN_SINGLE_STEP;
	do
		ret = hv_run(g->vm);
	while (ret == -EINTR);
	run->request_flags = flags;
	if (hv_set_memory_rights(g->vm, page, 4096, hv_gdb_page_rights(g, page)) || ret)
		return -1;
	return 0;
}

/*
 * Run the guest until something for gdb: one instruction with step,
 * else a breakpoint, a Ctrl-C or its end. Its own exits are played as
 * hvctl run plays them.
 */
static enum hv_gdb_stop run_guest(struct gdb_session *gs, int step)
{
	struct hv_gdb *g = &gs->g;
	struct hvlab_run *run = g->vm->run;
	const struct hv_gdb_watchpoint *hit = NULL;
	int needs_completion = 0, have_exit = 0, ret;
	struct hvlab_regs regs;
	uint64_t start_rip = 0;

	if (step && !hv_get_regs(g->vm, &regs))
		start_rip = regs.rip;
	run->request_flags = step ? HVLAB_RUN_SINGLE_STEP : 0;
	for (;;) {
		/* An IN or MMIO read is finished by the next RUN: stop after that. */
		if (!have_exit && !step && !needs_completion &&
		    __atomic_load_n(&gs->stop_requested, __ATOMIC_ACQUIRE))
			return GDB_STOP_INTERRUPT;
		ret = have_exit ? 0 : hv_run(g->vm);
		have_exit = 0;
		if (ret == -EINTR)
			continue;
		if (ret) {
			fprintf(stderr, "hvctl gdb: HVLAB_RUN failed: %s\n", strerror(-ret));
			return GDB_STOP_ERROR;
		}
		needs_completion = 0;
		switch (run->exit_reason) {
		case HVLAB_EXIT_MEMORY_ACCESS:
			/* a watched page: which kind of access, and which bytes? */
			if (run->memory_access.access != HVLAB_ACCESS_FETCH)
				hit = hv_gdb_watch_hit(g, run->memory_access.gpa,
						       run->memory_access.access == HVLAB_ACCESS_WRITE);
			if (step_over_access(gs, run->memory_access.gpa & ~0xfffULL)) {
				fprintf(stderr, "hvctl gdb: cannot step over the access at gpa 0x%llx: %s\n",
					(unsigned long long)run->memory_access.gpa, strerror(errno));
				return GDB_STOP_ERROR;
			}
			if (run->exit_reason == HVLAB_EXIT_STEP && hit) {
				g->watch_hit = hit;
				return GDB_STOP_WATCHPOINT;
			}
			have_exit = run->exit_reason != HVLAB_EXIT_STEP || step;
			continue;
		case HVLAB_EXIT_STEP:
			if (step)
				return GDB_STOP_STEP;
			continue;
		case HVLAB_EXIT_EXCEPTION:
			if (run->exception.vector == BP_VECTOR &&
			    hv_gdb_breakpoint_at(g, run->guest_rip))
				return GDB_STOP_BREAKPOINT;
			/* not ours: the guest's own, or one left in the bitmap */
			if (run->exception.vector != BP_VECTOR || deliver_guest_breakpoint(gs)) {
				fprintf(stderr, "hvctl gdb: cannot hand exception %u at rip 0x%llx to the guest\n",
					run->exception.vector, (unsigned long long)run->guest_rip);
				g->ended = 1;
				g->status = STATUS_GUEST_CRASHED;
				return GDB_STOP_ENDED;
			}
			continue;
		case HVLAB_EXIT_IO:
			needs_completion = run->io.direction == HVLAB_IO_IN;
			break;
		case HVLAB_EXIT_MMIO:
			needs_completion = run->mmio.access != HVLAB_ACCESS_WRITE;
			break;
		}
		if (guest_exit(gs)) {
			g->ended = 1;
			return GDB_STOP_ENDED;
		}
		/* An OUT or MMIO write is done when it exits: that was the step. */
		if (step && !hv_get_regs(g->vm, &regs) && regs.rip != start_rip)
			return GDB_STOP_STEP;
	}
}

/* A step runs in this thread; a continue with a watcher for Ctrl-C beside it. */
static enum hv_gdb_stop gdb_run(struct hv_gdb *g, int step)
{
	struct gdb_session *gs = g->priv;
	enum hv_gdb_stop stop;
	pthread_t watcher;

	if (step)
		return run_guest(gs, 1);
	gs->stop_requested = 0;
	if (pipe(gs->wake)) {
		fprintf(stderr, "hvctl gdb: pipe: %s\n", strerror(errno));
		return GDB_STOP_ERROR;
	}
	gs->vcpu_thread = pthread_self();
	if (pthread_create(&watcher, NULL, watch_gdb, gs)) {
		fprintf(stderr, "hvctl gdb: cannot start the thread that waits for Ctrl-C\n");
		close(gs->wake[0]);
		close(gs->wake[1]);
		return GDB_STOP_ERROR;
	}
	stop = run_guest(gs, 0);
	if (write(gs->wake[1], "", 1) < 0)
		perror("hvctl gdb: wake");
	pthread_join(watcher, NULL);
	close(gs->wake[0]);
	close(gs->wake[1]);
	return stop;
}

/* D: the breakpoints are out; let the guest run to its end, as hvctl run. */
static int gdb_detach(struct hv_gdb *g)
{
	struct gdb_session *gs = g->priv;
	struct hvlab_intercepts icpt = { 0 };

	if (ioctl(g->vm->vcpu_fd, HVLAB_SET_INTERCEPTS, &icpt))
		fprintf(stderr, "hvctl gdb: cannot clear the #BP intercept: %s\n", strerror(errno));
	fprintf(stderr, "hvctl gdb: gdb detached; the guest runs on\n");
	g->vm->run->request_flags = 0;
	while (!g->ended) {
		int ret = hv_run(g->vm);

		if (ret == -EINTR)
			continue;
		if (ret) {
			fprintf(stderr, "hvctl gdb: HVLAB_RUN failed: %s\n", strerror(-ret));
			return STATUS_SETUP;
		}
		g->ended = guest_exit(gs);
	}
	return g->status;
}

/* monitor walk GVA: the two-dimensional walk (docs/nested-paging.md) */
static void gdb_monitor(struct hv_gdb *g, const char *cmd, char *out, size_t len)
{
	struct hvlab_sregs sregs;
	struct hv_walk2d walk;
	struct hv_ept ept;
	unsigned long long gva;
	char *end;
	FILE *f;
	int err;

	if (strncmp(cmd, "walk ", 5)) {
		snprintf(out, len, "hvctl's monitor commands:\n  walk GVA   the two-dimensional walk of linear address GVA (guest tables and EPT)\n");
		return;
	}
	gva = strtoull(cmd + 5, &end, 0);
	if (end == cmd + 5 || *end) {
		snprintf(out, len, "walk: give a linear address, e.g. monitor walk 0x100000\n");
		return;
	}
	if (hv_get_sregs(g->vm, &sregs)) {
		snprintf(out, len, "walk: cannot read the registers: %s\n", strerror(errno));
		return;
	}
	err = hv_ept_read(g->vm, &ept);
	if (err) {
		snprintf(out, len, "walk: cannot read the EPT: %s\n", strerror(-err));
		return;
	}
	hv_walk2d(g->vm, &sregs, &ept, gva, &walk);
	hv_ept_free(&ept);
	f = fmemopen(out, len, "w");
	if (!f) {
		snprintf(out, len, "walk: %s\n", strerror(errno));
		return;
	}
	hv_walk_print(f, &walk);
	fclose(f);
}

/* Watchpoints: the rights to one page (HVLAB_SET_MEMORY_ATTRIBUTES) */
static int gdb_protect(struct hv_gdb *g, uint64_t gpa, uint32_t rights)
{
	int ret = hv_set_memory_rights(g->vm, gpa, 4096, rights);

	if (ret)
		errno = -ret;
	return ret ? -1 : 0;
}

static const struct hv_gdb_ops gdb_ops = {
	.recv = gdb_recv,
	.send = gdb_send,
	.get_regs = gdb_get_regs,
	.set_regs = gdb_set_regs,
	.get_sregs = gdb_get_sregs,
	.get_fpu = gdb_get_fpu,
	.run = gdb_run,
	.detach = gdb_detach,
	.monitor = gdb_monitor,
	.protect = gdb_protect,
};

/* --- The command --------------------------------------------------------- */

/* One gdb on 127.0.0.1:port: the connection, or -1 (said why). */
static int accept_gdb(int port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		fprintf(stderr, "hvctl gdb: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) || listen(lfd, 1)) {
		fprintf(stderr, "hvctl gdb: cannot listen on 127.0.0.1:%d: %s%s\n", port,
			strerror(errno), errno == EADDRINUSE ? " (pick another with --port N)" :
			errno == EADDRNOTAVAIL ? " (is loopback up? ip link set lo up)" : "");
		close(lfd);
		return -1;
	}
	fprintf(stderr, "hvctl gdb: waiting for gdb on 127.0.0.1:%d (in gdb: target remote 127.0.0.1:%d)\n",
		port, port);
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fprintf(stderr, "hvctl gdb: accept: %s\n", strerror(errno));
	close(lfd);		/* one gdb per run */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void gdb_usage(FILE *out)
{
	fprintf(out,
		"usage: hvctl gdb [--port N] [--mem SIZE] [--raw-console]\n"
		"                 [--initrd FILE] [--append CMDLINE] [--module FILE[,ARGS]]...\n"
		"                 {GUEST | --kernel FILE}\n"
		"Load GUEST stopped at its first instruction and serve the GDB remote\n"
		"protocol on 127.0.0.1:N (default %d) for one gdb:\n"
		"  gdb GUEST.elf -ex 'target remote 127.0.0.1:%d'\n"
		"The guest's console goes to stdout, control bytes shown as \\x1b unless\n"
		"--raw-console.\n"
		"Exit status: the guest's, as with hvctl run; 130 if gdb killed it or went away.\n",
		GDB_DEFAULT_PORT, GDB_DEFAULT_PORT);
}

int hv_gdb_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "mem", required_argument, NULL, 'm' },
		{ "raw-console", no_argument, NULL, 'R' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'I' },
		{ "append", required_argument, NULL, 'A' },
		{ "module", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct hvlab_intercepts intercepts = {
		.exception_bitmap = 1u << BP_VECTOR,
		.flags = HVLAB_INTERCEPT_EXCEPTION_EXIT,
	};
	struct sigaction sa = { .sa_handler = on_stop_signal };	/* no SA_RESTART */
	static struct gdb_session gs;
	struct hv_vm *vm = &gs.s.vm;
	enum hv_guest_format format;
	struct hv_mem_config mem = { .size = HV_DEFAULT_MEM };
	struct hvlab_vmx_caps caps;
	int64_t size;
	const char *guest, *kernel = NULL;
	struct hv_boot_args boot = { 0 };
	int mem_given = 0;
	long port = GDB_DEFAULT_PORT;
	char *end;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "p:m:h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			port = strtol(optarg, &end, 10);
			if (*end || !*optarg || port < 1 || port > 65535) {
				fprintf(stderr, "hvctl gdb: --port '%s': give a TCP port 1-65535, e.g. --port 1234\n",
					optarg);
				return STATUS_USAGE;
			}
			break;
		case 'm':
			size = hvctl_parse_mem(optarg, "hvctl gdb");
			mem.size = size;
			if (size < 0)
				return STATUS_USAGE;
			mem_given = 1;
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'I':
			boot.initrd = optarg;
			break;
		case 'A':
			boot.cmdline = optarg;
			break;
		case 'M':
			if (hvctl_add_module(&boot, optarg, "hvctl gdb"))
				return STATUS_USAGE;
			break;
		case 'R':
			gs.s.raw_console = 1;
			break;
		case 'h':
			gdb_usage(stdout);
			return 0;
		default:
			gdb_usage(stderr);
			return STATUS_USAGE;
		}
	}
	if (optind != argc - !kernel) {
		fprintf(stderr, kernel ? "hvctl gdb: --kernel FILE takes no GUEST file besides\n" :
			"hvctl gdb: give exactly one GUEST file (try: hvctl gdb --port 1234 guests/hello64.elf)\n");
		return STATUS_USAGE;
	}
	guest = kernel ? kernel : argv[optind];
	if (hvctl_check_kernel(guest, &boot, mem_given, &mem, "hvctl gdb"))
		return STATUS_USAGE;

	if (hvctl_open_os(vm, HV_BACKEND_HVLAB, &mem, guest, &boot, &format, "hvctl gdb"))
		return STATUS_SETUP;
	if (hvctl_set_lapic(vm, format, -1, "hvctl gdb")) {
		hv_close(vm);
		return STATUS_SETUP;
	}
	if (ioctl(vm->vcpu_fd, HVLAB_SET_INTERCEPTS, &intercepts)) {
		fprintf(stderr, "hvctl gdb: cannot intercept #BP for breakpoints: %s%s\n", strerror(errno),
			errno == EINVAL ? " (this hvlab.ko predates HVLAB_INTERCEPT_EXCEPTION_EXIT: rebuild and reload it)" : "");
		hv_close(vm);
		return STATUS_SETUP;
	}
	ret = hv_gdb_init(&gs.g, vm, format, &gdb_ops, &gs);
	if (!ioctl(vm->dev_fd, HVLAB_GET_VMX_CAPS, &caps))
		gs.g.execute_only = !!(caps.flags & HVLAB_CAP_EPT_EXECUTE_ONLY);
	sigaction(SIGUSR1, &sa, NULL);
	fprintf(stderr, "hvctl gdb: loaded %s: %s\n", guest, hv_guest_format_name(format));
	gs.fd = ret ? -1 : accept_gdb(port);
	if (gs.fd < 0) {
		hv_gdb_release(&gs.g);
		hv_close(vm);
		return STATUS_SETUP;
	}
	fprintf(stderr, "hvctl gdb: gdb connected\n");
	ret = hv_gdb_serve(&gs.g);
	close(gs.fd);
	hv_gdb_release(&gs.g);
	hv_close(vm);
	return ret;
}
