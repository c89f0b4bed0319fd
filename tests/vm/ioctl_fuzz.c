// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_fuzz - random sequences of every hvlab ioctl, with random and
 * boundary arguments, from several threads at once (issue 9).
 *
 *   ioctl_fuzz [CALLS [THREADS [SEED]]]     defaults: 20000 4 <time>
 *
 * The threads share one pool of fds: /dev/hvlab, VM and vCPU fds, closed
 * and reopened in any order while others use them. Guest memory comes
 * from a pool of buffers that are also unmapped and mapped again behind
 * the module's back, run pages are mapped at odd sizes and offsets, and
 * each vCPU runs whatever its memory holds, one exit at a time, so every
 * run is bounded. Bad pointers, unknown ioctl numbers and sizes are part
 * of the mix.
 *
 * Pass means no crash here, nothing in the kernel log (labs/vm/run checks
 * for WARNING, BUG, Oops and lockdep), and, once every fd is closed,
 * /sys/kernel/debug/hvlab/pages back at 0 pinned pages, EPT tables and
 * VMCSs, and rmmod hvlab succeeding afterwards. The seed is printed: the same seed and thread count replay the
 * same choices (not the same interleaving). Prints TAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../include/uapi/hvlab.h"

#define POOL_FDS	16
#define POOL_BUFS	8
#define BUF_SIZE	(64 << 10)

enum fd_kind { DEV, VM, VCPU, KINDS };
static atomic_int fds[KINDS][POOL_FDS];	/* -1: empty */
static atomic_long runs_done;		/* HVLAB_RUN calls that entered a guest */
static _Atomic(uint8_t *) bufs[POOL_BUFS];
#define HUGE_BUF_SIZE	(4 << 20)
static uint8_t *huge_buf;	/* 2 MiB-aligned transparent huge pages: large EPT leaves */
static atomic_long calls_left;
static atomic_long count_by_errno[256];

/* xorshift64*: small, and the same sequence for the same seed */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static uint64_t pick(uint64_t *s, uint64_t n)
{
	return n ? next_rand(s) % n : 0;
}

/* Sizes and values at and around the edges the module checks */
static uint64_t boundary(uint64_t *s)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
		0x1001, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, 0x9f000, 0xa0000,
		0xfee00000, 1ULL << 30, (1ULL << 30) + 4096, 1ULL << 46, 1ULL << 52,
	};

	if (pick(s, 3) == 0)
		return next_rand(s);
	return edges[pick(s, sizeof(edges) / sizeof(edges[0]))] + pick(s, 3) - 1;
}

/* A pointer for an argument: usually good memory, sometimes not. */
static void *arg_pointer(uint64_t *s, void *good)
{
	switch (pick(s, 16)) {
	case 0: return NULL;
	case 1: return (void *)0xffffffff81000000UL;	/* kernel */
	case 2: return (void *)0x10;			/* unmapped */
	case 3: return (char *)good + 4093;		/* runs off a page? */
	default: return good;
	}
}

/* An fd of @kind, mostly; now and then one of another kind, or any number. */
static int some_fd(uint64_t *s, enum fd_kind kind)
{
	int fd;

	if (pick(s, 10) == 0)
		kind = pick(s, KINDS);
	fd = atomic_load(&fds[kind][pick(s, POOL_FDS)]);
	return fd >= 0 && pick(s, 50) ? fd : (int)pick(s, 64);	/* even stdin */
}

/* Keep @fd in the pool, closing the one it replaces. */
static void put_fd(uint64_t *s, enum fd_kind kind, int fd)
{
	int old;

	if (fd < 0)
		return;
	old = atomic_exchange(&fds[kind][pick(s, POOL_FDS)], fd);
	if (old >= 0)
		close(old);
}

static void fill_random(uint64_t *s, void *p, size_t n)
{
	uint8_t *b = p;

	while (n--)
		*b++ = next_rand(s);
}

/* Not HVLAB_RUN: runs go through run_one_exit(), which bounds them. */
static const unsigned long vcpu_ioctls[] = {
	HVLAB_GET_REGS, HVLAB_SET_REGS, HVLAB_GET_SREGS, HVLAB_SET_SREGS,
	HVLAB_GET_INTERCEPTS, HVLAB_SET_INTERCEPTS, HVLAB_INJECT, HVLAB_GET_VMCS,
	HVLAB_SET_VMCS, HVLAB_GET_VCPU_STATS, HVLAB_GET_FPU, HVLAB_SET_FPU, HVLAB_SET_TIMER,
	HVLAB_SET_COALESCED_PORT,
};

/* case 5 below: remaps of the pool, one at a time */
static pthread_mutex_t remap_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * HVLAB_RUN on @fd, one exit at a time, through a mapping of its run page:
 * a guest of random bytes may spin or loop on exits the kernel handles,
 * and without HVLAB_RUN_STOP_EVERY_EXIT nothing would bring it back here
 * (under Bochs the lab VM's clock crawls while a guest runs: a timeout
 * would take minutes, docs/labvm.md).
 */
static long run_one_exit(uint64_t *s, int fd)
{
	struct hvlab_run *run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	long ret;

	if (run == MAP_FAILED)
		return -errno;
	run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT |
			     (pick(s, 4) ? 0 : (uint32_t)boundary(s));
	run->trace_tail = pick(s, 8) ? run->trace_head : boundary(s);
	ret = ioctl(fd, HVLAB_RUN, 0);
	if (ret < 0)
		ret = -errno;
	else if (run->exit_count)
		atomic_fetch_add(&runs_done, 1);
	munmap(run, 4096);
	return ret;
}

/* One random call. Returns -errno or the ioctl's result. */
static long one_call(uint64_t *s, uint8_t *scratch)
{
	struct hvlab_memory_region region;
	struct hvlab_vmcs_field fields[8];
	struct hvlab_vmcs_access access;
	struct hvlab_stats stats;
	long ret = 0;
	int fd;
	void *p;

	switch (pick(s, 14)) {
	case 0:		/* a new /dev/hvlab */
		put_fd(s, DEV, open("/dev/hvlab", O_RDWR));
		break;
	case 1:		/* a VM */
		ret = ioctl(some_fd(s, DEV), HVLAB_CREATE_VM, pick(s, 8) ? 0 : boundary(s));
		put_fd(s, VM, ret);
		break;
	case 2:		/* a vCPU, ids around the limit */
		ret = ioctl(some_fd(s, VM), HVLAB_CREATE_VCPU, pick(s, HVLAB_MAX_VCPUS + 2));
		put_fd(s, VCPU, ret);
		break;
	case 3: {	/* memory, from the pool or not */
		uint8_t *buf = atomic_load(&bufs[pick(s, POOL_BUFS)]);

		memset(&region, 0, sizeof(region));
		region.slot = pick(s, 4) ? pick(s, HVLAB_MAX_MEM_SLOTS) : boundary(s);
		region.flags = pick(s, 6) ? (pick(s, 4) ? 0 : HVLAB_MEM_LOG_DIRTY) :
			       pick(s, 2) ? HVLAB_MEM_MMIO : boundary(s);
		region.guest_phys_addr = pick(s, 3) ? pick(s, 64) << 12 : boundary(s);
		region.memory_size = pick(s, 3) ? (1 + pick(s, BUF_SIZE >> 12)) << 12 : boundary(s);
		region.userspace_addr = region.flags & HVLAB_MEM_MMIO ? 0 :
					pick(s, 4) ? (uintptr_t)buf : boundary(s);
		if (!pick(s, 8)) {	/* both sides 2 MiB-aligned: 2 MiB EPT leaves */
			region.guest_phys_addr = (uint64_t)pick(s, 8) << 21;
			region.memory_size = (1 + pick(s, 2)) << 21;
			region.userspace_addr = (uintptr_t)huge_buf;
		}
		ret = ioctl(some_fd(s, VM), HVLAB_SET_MEMORY_REGION, arg_pointer(s, &region));
		break;
	}
	case 4:		/* close something, in any order */
		fd = atomic_exchange(&fds[pick(s, KINDS)][pick(s, POOL_FDS)], -1);
		if (fd >= 0)
			close(fd);
		break;
	case 5: {	/* guest memory unmapped or remapped behind the module's back */
		int i = pick(s, POOL_BUFS);
		uint8_t *old = atomic_load(&bufs[i]);

		/*
		 * (one thread at a time: another's munmap between this mmap and
		 * the fill would be this program's own SIGSEGV; the module still
		 * sees the memory go from under its slots at any moment)
		 */
		pthread_mutex_lock(&remap_lock);
		if (pick(s, 2))
			munmap(old, BUF_SIZE);
		p = mmap(old, BUF_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != MAP_FAILED) {
			fill_random(s, p, 256);
			/* some real-mode code at 0x7c00's offset: HLT, OUT, CPUID ... */
			memcpy((uint8_t *)p + (0x7c00 % BUF_SIZE), "\x0f\xa2\xe6\x80\xf4", 5);
		}
		pthread_mutex_unlock(&remap_lock);
		break;
	}
	case 6: {	/* the run page at odd sizes and offsets */
		size_t len = pick(s, 3) ? 4096 : boundary(s) & 0xffffff;
		off_t off = pick(s, 4) ? 0 : (off_t)(pick(s, 4) << 12);

		/* Only mapped: touching a page past the first is SIGBUS. */
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, some_fd(s, VCPU), off);
		if (p != MAP_FAILED)
			munmap(p, len);
		else
			ret = -errno;
		break;
	}
	case 7:		/* GET/SET_VMCS: fields from the real encodings and beyond */
		for (size_t i = 0; i < 8; i++) {
			fields[i].encoding = pick(s, 2) ? pick(s, 0x7000) : boundary(s);
			fields[i].flags = pick(s, 8) ? 0 : boundary(s);
			fields[i].value = boundary(s);
		}
		access.count = pick(s, 4) ? 1 + pick(s, 8) : boundary(s);
		access.flags = pick(s, 8) ? 0 : boundary(s);
		access.fields = (uintptr_t)arg_pointer(s, fields);
		ret = ioctl(some_fd(s, VCPU), pick(s, 2) ? HVLAB_GET_VMCS : HVLAB_SET_VMCS, &access);
		break;
	case 8:		/* statistics, with counts around the real one; or the EPT */
		if (!pick(s, 3)) {	/* cursors and counts around the limits */
			struct hvlab_ept_dump d = { 0 };

			d.gpa = pick(s, 2) ? (uint64_t)pick(s, 1 << 20) << 12 : boundary(s);
			d.count = pick(s, 2) ? pick(s, 1300) : boundary(s);
			d.leaves = pick(s, 3) ? (uintptr_t)scratch : boundary(s);
			d.flags = pick(s, 8) ? 0 : boundary(s);
			if (d.count > 1300 && d.leaves == (uintptr_t)scratch)
				d.count = 1300;	/* scratch holds 1,300 leaves */
			ret = ioctl(some_fd(s, pick(s, 8) ? VM : VCPU), HVLAB_GET_EPT, &d);
			break;
		}
		if (!pick(s, 2)) {	/* rights taken from (or given back to) any range */
			struct hvlab_memory_attributes a = { 0 };

			a.gpa = pick(s, 3) ? (uint64_t)pick(s, 2048) << 12 : boundary(s);
			a.size = pick(s, 3) ? (uint64_t)(1 + pick(s, 1024)) << 12 : boundary(s);
			a.rights = pick(s, 4) ? pick(s, 8) : boundary(s);
			a.flags = pick(s, 8) ? 0 : boundary(s);
			ret = ioctl(some_fd(s, VM), HVLAB_SET_MEMORY_ATTRIBUTES, arg_pointer(s, &a));
			break;
		}
		if (!pick(s, 2)) {	/* the dirty log of any slot, into scratch or anywhere */
			struct hvlab_dirty_log log = { 0 };

			log.slot = pick(s, 2) ? pick(s, HVLAB_MAX_MEM_SLOTS + 1) : boundary(s);
			log.bitmap = pick(s, 3) ? (uintptr_t)scratch : boundary(s);
			log.flags = pick(s, 8) ? 0 : boundary(s);
			ret = ioctl(some_fd(s, VM), HVLAB_GET_DIRTY_LOG, &log);
			break;
		}
		stats.count = pick(s, 2) ? pick(s, 600) : boundary(s);
		stats.flags = pick(s, 8) ? 0 : boundary(s);
		stats.descs = pick(s, 3) ? (uintptr_t)scratch : boundary(s);
		stats.values = pick(s, 3) ? (uintptr_t)scratch + 32768 : boundary(s);
		if (stats.count > 600 && stats.descs == (uintptr_t)scratch)
			stats.count = 600;	/* scratch holds 600 descriptors */
		ret = pick(s, 2) ? ioctl(some_fd(s, VCPU), HVLAB_GET_VCPU_STATS, &stats) :
				   ioctl(some_fd(s, VM), HVLAB_GET_VM_STATS, &stats);
		break;
	case 9: {	/* any vCPU ioctl with random contents */
		unsigned long cmd = vcpu_ioctls[pick(s, sizeof(vcpu_ioctls) / sizeof(vcpu_ioctls[0]))];

		fill_random(s, scratch, 4096 + 64);
		if (cmd == HVLAB_SET_REGS && pick(s, 2))
			((struct hvlab_regs *)scratch)->rflags = 2;	/* past the first check */
		ret = ioctl(some_fd(s, VCPU), cmd, arg_pointer(s, scratch));
		break;
	}
	case 10:	/* an ioctl number nobody knows, or a known one with another size */
		ret = ioctl(some_fd(s, pick(s, KINDS)), _IOC(pick(s, 4), pick(s, 2) ? HVLAB_IO : pick(s, 256),
				     pick(s, 0x40), pick(s, 2) ? pick(s, 64) : boundary(s) & 0x3fff),
			    arg_pointer(s, scratch));
		break;
	case 11:	/* /dev/hvlab's own */
		ret = ioctl(some_fd(s, DEV), pick(s, 2) ? HVLAB_GET_API_VERSION : HVLAB_GET_VMX_CAPS,
			    arg_pointer(s, scratch));
		break;
	case 12: {	/* a run with events queued and intercepts on */
		struct hvlab_event ev;
		struct hvlab_intercepts in;

		fill_random(s, &ev, sizeof(ev));
		fill_random(s, &in, sizeof(in));
		if (pick(s, 2)) {	/* past the first checks */
			memset(in.reserved, 0, sizeof(in.reserved));
			in.padding = 0;
			in.flags &= HVLAB_INTERCEPT_ALL;
			in.tpr_threshold &= 15;
		}
		fd = some_fd(s, VCPU);
		ioctl(fd, HVLAB_SET_INTERCEPTS, &in);
		ret = ioctl(fd, HVLAB_INJECT, &ev);
		if (ret == 0)
			ret = run_one_exit(s, fd);
		break;
	}
	default:	/* a run of whatever vCPU this is */
		return run_one_exit(s, some_fd(s, VCPU));
	}
	if (ret < 0)
		ret = -errno;
	return ret;
}

static void *fuzz_thread(void *arg)
{
	uint64_t s = (uintptr_t)arg;
	uint8_t *scratch = malloc(64 << 10);

	while (atomic_fetch_sub(&calls_left, 1) > 0) {
		long ret = one_call(&s, scratch);

		if (ret < 0 && -ret < 256)
			atomic_fetch_add(&count_by_errno[-ret], 1);
	}
	free(scratch);
	return NULL;
}

/* The module-wide counters in debugfs: 0 if all are 0, 1 if not, -1 if absent. */
static int pages_all_zero(char *text, size_t size)
{
	FILE *f = fopen("/sys/kernel/debug/hvlab/pages", "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(text, 1, size - 1, f);
	fclose(f);
	text[n] = 0;
	return strstr(text, "pinned 0\n") && strstr(text, "ept_tables 0\n") &&
	       strstr(text, "vmcs 0\n") ? 0 : 1;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 20000;
	int threads = argc > 2 ? atoi(argv[2]) : 4, i, bad;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)time(NULL);
	pthread_t t[64];
	char pages[256];

	if (threads < 1 || threads > 64)
		threads = 4;
	printf("TAP version 13\n1..3\n# seed %llu, %ld calls on %d threads (ioctl_fuzz %ld %d %llu)\n",
	       (unsigned long long)seed, calls, threads, calls, threads, (unsigned long long)seed);
	fflush(stdout);
	for (i = 0; i < KINDS * POOL_FDS; i++)
		atomic_store(&fds[i / POOL_FDS][i % POOL_FDS], -1);
	huge_buf = mmap(NULL, HUGE_BUF_SIZE + (2 << 20), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (huge_buf == MAP_FAILED)
		return 1;
	huge_buf = (uint8_t *)(((uintptr_t)huge_buf + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
	madvise(huge_buf, HUGE_BUF_SIZE, MADV_HUGEPAGE);
	memset(huge_buf, 0xf4, HUGE_BUF_SIZE);
	for (i = 0; i < POOL_BUFS; i++) {
		uint8_t *b = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (b == MAP_FAILED)
			return 1;
		atomic_store(&bufs[i], b);
	}
	atomic_store(&calls_left, calls);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, fuzz_thread, (void *)(uintptr_t)(seed * 64 + i + 1));
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("ok 1 - %ld calls on %d threads, no crash\n", calls, threads);
	printf("# errors:");
	for (i = 1; i < 256; i++)
		if (count_by_errno[i])
			printf(" %s %ld", strerrorname_np(i) ? strerrorname_np(i) : "?",
			       (long)count_by_errno[i]);
	printf("\n");
	printf("# %ld runs entered a guest\n", (long)runs_done);
	for (i = 0; i < KINDS * POOL_FDS; i++)
		if (atomic_load(&fds[i / POOL_FDS][i % POOL_FDS]) >= 0)
			close(atomic_load(&fds[i / POOL_FDS][i % POOL_FDS]));
	bad = pages_all_zero(pages, sizeof(pages));
	if (bad < 0)
		printf("ok 2 - every page back # SKIP no /sys/kernel/debug/hvlab/pages (debugfs)\n");
	else
		printf("%sok 2 - with every fd closed, no page is left pinned or allocated\n",
		       bad ? "not " : "");
	printf("# pages after: %s", pages);
	/* Nothing of hvlab stays in use: the module can go, and come back. */
	i = system("rmmod hvlab && insmod /hvlab/hvlab.ko");
	printf("%sok 3 - rmmod hvlab, then insmod again\n", i ? "not " : "");
	return bad > 0 || i;
}
