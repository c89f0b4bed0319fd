// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - what holds hvlab.ko in memory, and one vCPU fd used from
 * several threads at once (issue 9; tests/vm/lifecycle.sh does the
 * rmmod/insmod cycles and kill -9).
 *
 * rmmod must be refused while anything of hvlab is still open: /dev/hvlab,
 * a VM fd, a vCPU fd, or only a mapping of a vCPU's run page (its vma
 * keeps the vCPU file). A refused rmmod must change nothing: what is held
 * still works. Once it is let go, rmmod succeeds, and the module is loaded
 * again (these tests leave hvlab.ko loaded, as they found it).
 *
 * HVLAB_RUN and every other vCPU ioctl take the vCPU's mutex, so threads
 * that hammer one vCPU fd while another runs its guest must see each call
 * either succeed with a consistent snapshot (the registers of one VM exit,
 * never half of a run) or fail with the errno its arguments ask for, and
 * the guest must count down and checksum exactly as if it were alone.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "hvtest.h"

#define KO		"/hvlab/hvlab.ko"
#define PAGES		"/sys/kernel/debug/hvlab/pages"
#define GUEST_BASE	0x7c00

static int module_loaded(void)
{
	return access("/sys/module/hvlab", F_OK) == 0;
}

static int rmmod_hvlab(void)
{
	return hvtest_rmmod("hvlab");
}

static int insmod_hvlab(void)
{
	return hvtest_insmod(KO, "");
}

static int ensure_loaded(void)
{
	return module_loaded() ? 0 : insmod_hvlab();
}

static long long module_refcnt(void)
{
	return hvtest_read_number("/sys/module/hvlab/refcnt");
}

/* 1 if the module-wide page counters are all 0, 0 if not, -1 without debugfs */
static int pages_all_zero(void)
{
	char text[256];
	size_t n;
	FILE *f = fopen(PAGES, "r");

	if (!f)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = 0;
	return strstr(text, "pinned 0\n") && strstr(text, "ept_tables 0\n") &&
	       strstr(text, "vmcs 0\n");
}

/*
 * Expedited RCU grace periods (1) or normal ones (0); returns the old
 * setting, or -1. Unloading a module waits for grace periods, idle time
 * that costs Bochs real time: a 2-CPU lab VM took 2.7 s for each test
 * below with normal ones.
 */
static int rcu_expedited(int on)
{
	FILE *f = fopen("/sys/kernel/rcu_expedited", "r+");
	int old = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &old) != 1)
		old = -1;
	rewind(f);
	fprintf(f, "%d\n", on);
	fclose(f);
	return old;
}

enum holder { HOLD_DEV, HOLD_VM, HOLD_VCPU, HOLD_RUN_PAGE };

/*
 * Create a VM with hello.bin, let go of everything but @what, check that
 * rmmod is refused and that @what still works, let go of it too, and
 * check that rmmod succeeds; then insmod again.
 */
static void rmmod_while_held(struct __test_metadata *_metadata, enum holder what)
{
	struct hv_vm vm;
	struct hvlab_run *run = MAP_FAILED;
	int held = -1, ret, expedited = rcu_expedited(1);

	ASSERT_EQ(0, ensure_loaded());
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	switch (what) {
	case HOLD_DEV:
		held = dup(vm.dev_fd);
		break;
	case HOLD_VM:
		held = dup(vm.vm_fd);
		break;
	case HOLD_VCPU:
		held = dup(vm.vcpu_fd);
		break;
	case HOLD_RUN_PAGE:
		run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu_fd, 0);
		ASSERT_NE(MAP_FAILED, run);
		break;
	}
	ASSERT_TRUE(what == HOLD_RUN_PAGE || held >= 0);
	hv_close(&vm);		/* every other fd and mapping */

	EXPECT_GT(module_refcnt(), 0);
	ret = rmmod_hvlab();
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBUSY) {
		TH_LOG("rmmod while held: %d (%s)", ret, strerror(-ret));
	}
	ASSERT_TRUE(module_loaded());
	EXPECT_EQ(0, access("/dev/hvlab", F_OK));

	/* The refused rmmod changed nothing. */
	switch (what) {
	case HOLD_DEV:
		EXPECT_EQ(HVLAB_API_VERSION, ioctl(held, HVLAB_GET_API_VERSION, 0));
		break;
	case HOLD_VM:
		ret = ioctl(held, HVLAB_CREATE_VCPU, 1);
		EXPECT_LE(0, ret);
		if (ret >= 0)
			close(ret);
		break;
	case HOLD_VCPU: {
		struct hvlab_regs regs;

		EXPECT_EQ(0, ioctl(held, HVLAB_GET_REGS, &regs));
		EXPECT_EQ(GUEST_BASE, regs.rip);
		break;
	}
	case HOLD_RUN_PAGE:
		run->request_flags = 0;
		EXPECT_EQ(0, run->exit_count);
		break;
	}

	if (what == HOLD_RUN_PAGE)
		munmap(run, 4096);
	else
		close(held);
	EXPECT_EQ(0, module_refcnt());
	EXPECT_EQ(1, pages_all_zero());
	EXPECT_EQ(0, rmmod_hvlab());
	EXPECT_FALSE(module_loaded());
	EXPECT_NE(0, access("/dev/hvlab", F_OK));
	ASSERT_EQ(0, insmod_hvlab());
	EXPECT_EQ(0, access("/dev/hvlab", F_OK));
	if (expedited >= 0)
		rcu_expedited(expedited);
}

TEST(rmmod_refused_while_dev_hvlab_is_open)
{
	rmmod_while_held(_metadata, HOLD_DEV);
}

TEST(rmmod_refused_while_a_vm_fd_is_open)
{
	rmmod_while_held(_metadata, HOLD_VM);
}

TEST(rmmod_refused_while_a_vcpu_fd_is_open)
{
	rmmod_while_held(_metadata, HOLD_VCPU);
}

TEST(rmmod_refused_while_a_run_page_is_mapped)
{
	rmmod_while_held(_metadata, HOLD_RUN_PAGE);
}

/*
 * The racing threads' guest, real mode at 0x7c00: ECX counts down from
 * ROUNDS, and each round adds ECX to EDI, rotates ESI and writes ECX to
 * port 0x80, an exit to userspace. At the end EDI and ESI go to ports
 * 0x84 and 0x88, and it halts. At every exit the registers are a function
 * of ECX alone, which is how a racing HVLAB_GET_REGS is checked.
 */
#define ROUNDS		3000
#define ESI_START	0x12345678u
#define STR_(x)		#x
#define STR(x)		STR_(x)
extern const uint8_t race_guest[], race_guest_after_out[], race_guest_end[];
asm(".pushsection .rodata\n"
    "race_guest:\n"
    ".code16\n"
    "	mov $" STR(ROUNDS) ", %ecx\n"
    "	xor %edi, %edi\n"
    "	mov $" STR(ESI_START) ", %esi\n"
    "1:	add %ecx, %edi\n"
    "	rol $1, %esi\n"
    "	mov %ecx, %eax\n"
    "	out %eax, $0x80\n"
    "race_guest_after_out:\n"
    "	dec %ecx\n"
    "	jnz 1b\n"
    "	mov %edi, %eax\n"
    "	out %eax, $0x84\n"
    "	mov %esi, %eax\n"
    "	out %eax, $0x88\n"
    "	cli\n"
    "	hlt\n"
    ".code64\n"
    "race_guest_end:\n"
    ".popsection\n");

static uint32_t rol32(uint32_t v, unsigned int n)
{
	n %= 32;
	return n ? v << n | v >> (32 - n) : v;
}

/* sum of c..ROUNDS, and ESI, at the OUT of round c */
static uint32_t edi_at(uint32_t c)
{
	return (uint32_t)((uint64_t)ROUNDS * (ROUNDS + 1) / 2 - (uint64_t)(c - 1) * c / 2);
}

static uint32_t esi_at(uint32_t c)
{
	return rol32(ESI_START, ROUNDS - c + 1);
}

/* Do these registers belong to a moment between two runs? */
static int regs_consistent(const struct hvlab_regs *r)
{
	uint64_t after_out = GUEST_BASE + (race_guest_after_out - race_guest);
	uint32_t c = r->rcx;

	if (!(r->rflags & 2))
		return 0;
	if (r->rip == GUEST_BASE)		/* not run yet */
		return 1;
	if (r->rip == after_out)		/* at a round's OUT */
		return c >= 1 && c <= ROUNDS && (uint32_t)r->rax == c &&
		       (uint32_t)r->rdi == edi_at(c) && (uint32_t)r->rsi == esi_at(c);
	/* past the loop: at the OUTs of the results, or halted */
	return r->rip > after_out && r->rip <= GUEST_BASE + (race_guest_end - race_guest) &&
	       c == 0 && (uint32_t)r->rdi == edi_at(1) && (uint32_t)r->rsi == esi_at(1);
}

/*
 * The guest changes none of its segment and control registers, but
 * Bochs may store CS's access rights as 0x93 (a data segment) instead of
 * 0x9b at a VM exit in real mode: everything else must stay as it was.
 */
static int sregs_same(const struct hvlab_sregs *a, const struct hvlab_sregs *b)
{
	struct hvlab_sregs x = *a, y = *b;

	x.cs.access_rights = y.cs.access_rights = 0;
	return !memcmp(&x, &y, sizeof(x));
}

/*
 * The guest's x87 and SSE registers, which it never touches: FCW to
 * MXCSR, ST0-ST7 and XMM0-XMM15 of the legacy region. Not MXCSR_MASK (at
 * 28), which describes the CPU: FXSAVE writes 0xffff there, while the
 * image of a vCPU that never ran has the 0 of the kernel's init state.
 */
static int fpu_same(const struct hvlab_fpu *a, const struct hvlab_fpu *b)
{
	return !memcmp(a->region, b->region, 28) &&
	       !memcmp((const char *)a->region + 32, (const char *)b->region + 32, 416 - 32);
}

enum race_op {
	OP_GET_REGS, OP_SET_REGS_BAD_RFLAGS, OP_SET_REGS_BAD_POINTER, OP_GET_SREGS,
	OP_SET_SREGS_SAME, OP_GET_VMCS, OP_SET_VMCS_SAME, OP_SET_VMCS_BAD,
	OP_GET_STATS, OP_GET_FPU, OP_SET_FPU_SAME, OP_GET_INTERCEPTS,
	OP_SET_INTERCEPTS_SAME, OP_RUN_BAD_ARG, OP_MAP_RUN_PAGE, OPS
};

static const char *const op_names[OPS] = {
	"GET_REGS", "SET_REGS(bad RFLAGS)", "SET_REGS(bad pointer)", "GET_SREGS",
	"SET_SREGS(same)", "GET_VMCS", "SET_VMCS(same CR0)", "SET_VMCS(bad DR7)",
	"GET_VCPU_STATS", "GET_FPU", "SET_FPU(same)", "GET_INTERCEPTS",
	"SET_INTERCEPTS(same)", "RUN(bad arg)", "mmap run page",
};

/* What each racing call must return: 0 or this errno. */
static const int op_expect[OPS] = {
	[OP_SET_REGS_BAD_RFLAGS] = EINVAL, [OP_SET_REGS_BAD_POINTER] = EFAULT,
	[OP_SET_VMCS_BAD] = EINVAL, [OP_RUN_BAD_ARG] = EINVAL,
};

struct race {
	struct hv_vm vm;
	struct hvlab_sregs sregs;	/* the guest never changes these */
	struct hvlab_fpu fpu;		/* nor its FPU state */
	struct hvlab_intercepts intercepts;
	uint64_t cr0;
	atomic_int running;		/* the guest is between its first and last exit */
	atomic_int done;
	atomic_long calls[OPS], during_run;
	atomic_long unexpected, inconsistent;
	atomic_int first_bad_op, first_bad_errno, first_inconsistent_op;
	struct hvlab_regs bad_regs;	/* the first GET_REGS that was not */
	struct hvlab_sregs bad_sregs;
	uint32_t bad_fpu[128];
};

struct racer {
	struct race *race;
	unsigned int seed;
};

static void *racer_thread(void *arg)
{
	struct racer *me = arg;
	struct race *race = me->race;
	int fd = race->vm.vcpu_fd;
	struct hvlab_fpu *fpu = malloc(sizeof(*fpu));
	struct hvlab_stat_desc *descs;
	uint64_t *values;
	unsigned int count;

	while (!atomic_load(&race->done)) {
		enum race_op op = rand_r(&me->seed) % OPS;
		struct hvlab_vmcs_field f[3] = {
			{ .encoding = 0x681e },		/* GUEST_RIP */
			{ .encoding = 0x6800 },		/* GUEST_CR0 */
			{ .encoding = 0x4402 },		/* VM_EXIT_REASON */
		};
		struct hvlab_regs regs;
		struct hvlab_sregs sregs;
		struct hvlab_intercepts in;
		int ret = 0, good = 1;
		void *p;

		switch (op) {
		case OP_GET_REGS:
			ret = ioctl(fd, HVLAB_GET_REGS, &regs) ? -errno : 0;
			good = ret || regs_consistent(&regs);
			if (!good && atomic_load(&race->inconsistent) == 0)
				race->bad_regs = regs;
			break;
		case OP_SET_REGS_BAD_RFLAGS:
			memset(&regs, 0, sizeof(regs));		/* RFLAGS bit 1 clear */
			ret = ioctl(fd, HVLAB_SET_REGS, &regs) ? -errno : 0;
			break;
		case OP_SET_REGS_BAD_POINTER:
			ret = ioctl(fd, HVLAB_SET_REGS, (void *)8) ? -errno : 0;
			break;
		case OP_GET_SREGS:
			ret = ioctl(fd, HVLAB_GET_SREGS, &sregs) ? -errno : 0;
			good = ret || sregs_same(&sregs, &race->sregs);
			if (!good && atomic_load(&race->inconsistent) == 0)
				race->bad_sregs = sregs;
			break;
		case OP_SET_SREGS_SAME:
			ret = ioctl(fd, HVLAB_SET_SREGS, &race->sregs) ? -errno : 0;
			break;
		case OP_GET_VMCS:
			ret = hvtest_vmcs_access(&race->vm, HVLAB_GET_VMCS, f, 3);
			good = ret || (f[0].value >= GUEST_BASE &&
				       f[0].value <= GUEST_BASE + (race_guest_end - race_guest) &&
				       f[1].value == race->cr0);
			break;
		case OP_SET_VMCS_SAME:
			f[0].encoding = 0x6800;
			f[0].value = race->cr0;
			ret = hvtest_vmcs_access(&race->vm, HVLAB_SET_VMCS, f, 1);
			break;
		case OP_SET_VMCS_BAD:
			f[0].encoding = 0x681a;		/* GUEST_DR7: only 0x400 */
			f[0].value = 0;
			ret = hvtest_vmcs_access(&race->vm, HVLAB_SET_VMCS, f, 1);
			break;
		case OP_GET_STATS:
			ret = hv_get_stats(fd, HVLAB_GET_VCPU_STATS, &descs, &values, &count);
			if (!ret) {
				free(descs);
				free(values);
			}
			break;
		case OP_GET_FPU:
			ret = ioctl(fd, HVLAB_GET_FPU, fpu) ? -errno : 0;
			good = ret || fpu_same(fpu, &race->fpu);
			if (!good && atomic_load(&race->inconsistent) == 0)
				memcpy(race->bad_fpu, fpu->region, 512);
			break;
		case OP_SET_FPU_SAME:
			ret = ioctl(fd, HVLAB_SET_FPU, &race->fpu) ? -errno : 0;
			break;
		case OP_GET_INTERCEPTS:
			ret = ioctl(fd, HVLAB_GET_INTERCEPTS, &in) ? -errno : 0;
			good = ret || !memcmp(&in, &race->intercepts, sizeof(in));
			break;
		case OP_SET_INTERCEPTS_SAME:
			ret = ioctl(fd, HVLAB_SET_INTERCEPTS, &race->intercepts) ? -errno : 0;
			break;
		case OP_RUN_BAD_ARG:
			ret = ioctl(fd, HVLAB_RUN, 1) ? -errno : 0;
			break;
		case OP_MAP_RUN_PAGE:
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED) {
				ret = -errno;
			} else {
				good = ((struct hvlab_run *)p)->exit_count >= race->vm.run->exit_count;
				munmap(p, 4096);
			}
			break;
		case OPS:
			break;
		}
		atomic_fetch_add(&race->calls[op], 1);
		if (atomic_load(&race->running))
			atomic_fetch_add(&race->during_run, 1);
		if (!good && atomic_fetch_add(&race->inconsistent, 1) == 0)
			atomic_store(&race->first_inconsistent_op, op);
		if (ret != -op_expect[op]) {
			if (atomic_fetch_add(&race->unexpected, 1) == 0) {
				atomic_store(&race->first_bad_op, op);
				atomic_store(&race->first_bad_errno, -ret);
			}
		}
	}
	free(fpu);
	return NULL;
}

TEST(concurrent_ioctls_on_one_vcpu)
{
	struct race *race = calloc(1, sizeof(*race));
	struct racer racers[4];
	pthread_t t[4];
	struct hvlab_run *run;
	uint32_t expect = ROUNDS, edi = 0, esi = 0;
	long calls[OPS], during_run, unexpected, inconsistent;
	int i, ret, outs = 0, wrong = 0;
	char line[512];
	size_t len = 0;

	ASSERT_NE(NULL, race);
	ASSERT_EQ(0, ensure_loaded());
	ASSERT_EQ(0, hv_open(&race->vm));
	ASSERT_EQ(0, hv_create(&race->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&race->vm, race_guest, race_guest_end - race_guest));
	ASSERT_EQ(0, hv_get_sregs(&race->vm, &race->sregs));
	ASSERT_EQ(0, ioctl(race->vm.vcpu_fd, HVLAB_GET_FPU, &race->fpu));
	ASSERT_EQ(0, ioctl(race->vm.vcpu_fd, HVLAB_GET_INTERCEPTS, &race->intercepts));
	race->cr0 = hvtest_vmcs_read(&race->vm, 0x6800);
	for (i = 0; i < 4; i++) {
		racers[i] = (struct racer){ race, 1000 + i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, racer_thread, &racers[i]));
	}

	run = race->vm.run;
	run->request_flags = 0;
	for (;;) {
		ret = hv_run(&race->vm);
		if (ret == -EINTR)
			continue;
		if (ret)
			break;
		atomic_store(&race->running, 1);
		if (run->exit_reason != HVLAB_EXIT_IO || run->io.direction != HVLAB_IO_OUT)
			break;
		if (run->io.port == 0x80) {
			wrong += run->io.data != expect;
			expect--;
			outs++;
		} else if (run->io.port == 0x84) {
			edi = run->io.data;
		} else if (run->io.port == 0x88) {
			esi = run->io.data;
		} else {
			break;
		}
	}
	atomic_store(&race->running, 0);
	atomic_store(&race->done, 1);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);

	/* the guest's result, as if it had run alone */
	EXPECT_EQ(0, ret);
	EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason);
	EXPECT_EQ(ROUNDS, outs);
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(edi_at(1), edi);
	EXPECT_EQ(esi_at(1), esi);

	for (i = 0; i < OPS; i++) {
		calls[i] = atomic_load(&race->calls[i]);
		len += snprintf(line + len, sizeof(line) - len, " %s %ld", op_names[i], calls[i]);
	}
	during_run = atomic_load(&race->during_run);
	unexpected = atomic_load(&race->unexpected);
	inconsistent = atomic_load(&race->inconsistent);
	TH_LOG("calls:%s; %ld of them while the guest ran", line, during_run);
	/* each call got 0, or the errno its arguments ask for */
	EXPECT_EQ(0, unexpected) {
		TH_LOG("first unexpected: %s returned %d (%s)", op_names[race->first_bad_op],
		       -race->first_bad_errno, strerror(race->first_bad_errno));
	}
	/* and what a GET returned belongs to one moment between two runs */
	EXPECT_EQ(0, inconsistent) {
		struct hvlab_regs *r = &race->bad_regs;

		TH_LOG("first inconsistent: %s", op_names[race->first_inconsistent_op]);
		if (race->first_inconsistent_op == OP_GET_REGS)
			TH_LOG("rip %llx rcx %llx rax %llx rdi %llx rsi %llx rflags %llx",
			       (unsigned long long)r->rip, (unsigned long long)r->rcx,
			       (unsigned long long)r->rax, (unsigned long long)r->rdi,
			       (unsigned long long)r->rsi, (unsigned long long)r->rflags);
		if (race->first_inconsistent_op == OP_GET_FPU) {
			for (i = 0; i < 128; i++)
				if (race->fpu.region[i] != race->bad_fpu[i])
					TH_LOG("FPU dword %d: %x then %x", i, race->fpu.region[i],
					       race->bad_fpu[i]);
		}
		if (race->first_inconsistent_op == OP_GET_SREGS) {
			uint32_t *a = (uint32_t *)&race->sregs, *b = (uint32_t *)&race->bad_sregs;

			for (i = 0; i < (int)(sizeof(race->sregs) / 4); i++)
				if (a[i] != b[i])
					TH_LOG("sregs dword %d: %x then %x", i, a[i], b[i]);
		}
	}
	/* the threads did race with the run, not only before or after it */
	EXPECT_GT(during_run, 100);
	for (i = 0; i < OPS; i++)
		EXPECT_GT(calls[i], 0);
	hv_close(&race->vm);
	free(race);
	EXPECT_EQ(1, pages_all_zero());
}

TEST_HARNESS_MAIN
