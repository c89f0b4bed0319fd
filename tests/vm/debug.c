// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - the ABI that hvctl's debugging commands stand on: VMCS access
 * (HVLAB_GET_VMCS / HVLAB_SET_VMCS), single-stepping, exceptions sent to
 * userspace, statistics (ioctl and debugfs), trace-record costs and the
 * hvlab tracepoints.
 */
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hvtest.h"
#include "vmcs_image.h"

#define ENC_GUEST_RIP		0x681e
#define ENC_GUEST_RFLAGS	0x6820
#define ENC_GUEST_CS_SELECTOR	0x0802
#define ENC_GUEST_ACTIVITY	0x4826
#define ENC_VMCS_LINK_POINTER	0x2800
#define ENC_HOST_RIP		0x6c16
#define ENC_PIN_CONTROLS	0x4000
#define ENC_PREEMPTION_TIMER	0x482e
#define ENC_POSTED_INTR_DESC	0x2016	/* Bochs has no posted interrupts */
#define X86_TF			0x100

FIXTURE(dbg) {
	struct hv_vm vm;
	struct guest_result r;
};

FIXTURE_SETUP(dbg)
{
	memset(&self->vm, 0, sizeof(self->vm));
	self->vm.dev_fd = self->vm.vm_fd = self->vm.vcpu_fd = -1;
}

FIXTURE_TEARDOWN(dbg)
{
	hv_close(&self->vm);
}


TEST_F(dbg, get_vmcs_reads_the_guest_state)
{
	struct hvlab_vmcs_field f[3] = {
		{ .encoding = ENC_GUEST_RIP }, { .encoding = ENC_GUEST_CS_SELECTOR },
		{ .encoding = ENC_POSTED_INTR_DESC },
	};
	struct hv_vmcs vmcs;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, f, 3));
	EXPECT_EQ(0x7c00, f[0].value);
	EXPECT_EQ(0, f[0].flags);
	EXPECT_EQ(0, f[1].value);
	/* A field this CPU lacks is flagged, not an error. */
	EXPECT_EQ(HVLAB_VMCS_FIELD_UNSUPPORTED, f[2].flags);
	/* The whole table at once, as hvctl vmcs reads it */
	ASSERT_EQ(0, hv_vmcs_read(&self->vm, &vmcs));
	EXPECT_EQ(0x7c00, hv_vmcs_get(&vmcs, ENC_GUEST_RIP));
	EXPECT_EQ(~0ULL, hv_vmcs_get(&vmcs, ENC_VMCS_LINK_POINTER));
	EXPECT_NE(0, hv_vmcs_get(&vmcs, ENC_HOST_RIP));
}

/*
 * Host addresses only for CAP_SYSLOG: a child that drops it from its
 * effective set sees HOST_RIP and EPT_POINTER withheld, the guest as is.
 */
TEST_F(dbg, get_vmcs_hides_host_addresses)
{
	struct hvlab_vmcs_field f[3] = {
		{ .encoding = ENC_HOST_RIP }, { .encoding = 0x201a },	/* EPT_POINTER */
		{ .encoding = ENC_GUEST_RIP },
	};
	int status;
	pid_t pid;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, f, 3));
	EXPECT_EQ(0, f[0].flags);	/* root in the lab VM: CAP_SYSLOG, no lockdown */
	EXPECT_NE(0, f[0].value);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (hvtest_drop_capability(CAP_SYSLOG))
			_exit(11);
		memset(f, 0, sizeof(f));
		f[0].encoding = ENC_HOST_RIP;
		f[1].encoding = 0x201a;
		f[2].encoding = ENC_GUEST_RIP;
		if (hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, f, 3))
			_exit(12);
		if (f[0].flags != HVLAB_VMCS_FIELD_HIDDEN || f[0].value ||
		    f[1].flags != HVLAB_VMCS_FIELD_HIDDEN || f[1].value)
			_exit(13);
		_exit(f[2].flags == 0 && f[2].value == 0x7c00 ? 0 : 14);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(dbg, get_vmcs_refusals)
{
	struct hvlab_vmcs_field f = { .encoding = ENC_GUEST_RIP };
	struct hvlab_vmcs_access a = { .count = 1, .fields = (uintptr_t)&f };

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	f.encoding = 0x1000 | ENC_GUEST_RIP;	/* bit 12 is reserved */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, &f, 1));
	f.encoding = ENC_GUEST_RIP | 1;		/* "high" half of a natural-width field */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, &f, 1));
	f.encoding = ENC_GUEST_RIP;
	f.flags = 1;				/* in: must be 0 */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, &f, 1));
	f.flags = 0;
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, &f, 0));
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_GET_VMCS, &f, HVLAB_VMCS_MAX_FIELDS + 1));
	a.fields = 8;
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_GET_VMCS, &a));
	EXPECT_EQ(EFAULT, errno);
	a.fields = (uintptr_t)&f;
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_GET_VMCS, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dbg, set_vmcs_writes_guest_state_only)
{
	struct hvlab_vmcs_field f[2] = {
		{ .encoding = ENC_GUEST_RIP, .value = 0x7c01 },
		{ .encoding = ENC_HOST_RIP, .value = 0 },
	};
	uint64_t host_rip, pin;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	host_rip = hvtest_vmcs_read(&self->vm, ENC_HOST_RIP);
	pin = hvtest_vmcs_read(&self->vm, ENC_PIN_CONTROLS);
	/* One forbidden field refuses the whole batch: RIP stays. */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, f, 2));
	EXPECT_EQ(0x7c00, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));
	EXPECT_EQ(host_rip, hvtest_vmcs_read(&self->vm, ENC_HOST_RIP));
	f[1] = (struct hvlab_vmcs_field){ .encoding = ENC_PIN_CONTROLS };
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	EXPECT_EQ(pin, hvtest_vmcs_read(&self->vm, ENC_PIN_CONTROLS));
	/* The link pointer only as ~0; the preemption timer is hvlab's. */
	f[1] = (struct hvlab_vmcs_field){ .encoding = ENC_VMCS_LINK_POINTER, .value = 0x1000 };
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	f[1].value = ~0ULL;
	EXPECT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	f[1] = (struct hvlab_vmcs_field){ .encoding = ENC_PREEMPTION_TIMER, .value = 5 };
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	/* Shutdown and wait-for-SIPI would park the host CPU for good */
	f[1] = (struct hvlab_vmcs_field){ .encoding = ENC_GUEST_ACTIVITY, .value = 2 };
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	f[1].value = 3;
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	EXPECT_EQ(0, hvtest_vmcs_read(&self->vm, ENC_GUEST_ACTIVITY));
	/* DR7 and DEBUGCTL only as hvlab runs them: the host's DR0-DR3 stay armed-off */
	f[1] = (struct hvlab_vmcs_field){ .encoding = 0x681a, .value = 0x401 };	/* GUEST_DR7, L0 */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	f[1].value = 0x400;
	EXPECT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	f[1] = (struct hvlab_vmcs_field){ .encoding = 0x2802, .value = 1 };	/* DEBUGCTL.LBR */
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	/* Too wide for a 16-bit field */
	f[1] = (struct hvlab_vmcs_field){ .encoding = ENC_GUEST_CS_SELECTOR, .value = 0x10000 };
	EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	/* A field this CPU lacks */
	f[1] = (struct hvlab_vmcs_field){ .encoding = 0x2812 };	/* GUEST_IA32_BNDCFGS */
	if (!(hvtest_vmcs_read(&self->vm, 0x2812)))
		EXPECT_EQ(-EINVAL, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f[1], 1));
	/* A good write lands */
	EXPECT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, f, 1));
	EXPECT_EQ(0x7c01, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));
}

/* A reserved activity state: the CPU refuses the entry (SDM 27.3.1.5). */
/*
 * The HLT activity state is allowed: the guest waits for an event that
 * never comes, and the preemption timer still brings the CPU back.
 */
TEST_F(dbg, set_vmcs_activity_hlt)
{
	struct hvlab_vmcs_field f = { .encoding = ENC_GUEST_ACTIVITY, .value = 1 };
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f, 1));
	self->vm.run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT;
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, hv_run(&self->vm));
		EXPECT_EQ(HVLAB_EXIT_HANDLED, self->vm.run->exit_reason);
		EXPECT_EQ(52, self->vm.run->vmx_exit_reason);	/* preemption timer */
		EXPECT_EQ(0x7c00, self->vm.run->guest_rip);
	}
	EXPECT_EQ(1, hvtest_vmcs_read(&self->vm, ENC_GUEST_ACTIVITY));
}

TEST_F(dbg, set_vmcs_broken_state_fails_entry)
{
	struct hvlab_vmcs_field f = { .encoding = ENC_GUEST_ACTIVITY, .value = 5 };

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_vmcs_access(&self->vm, HVLAB_SET_VMCS, &f, 1));
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_FAIL_ENTRY, self->vm.run->exit_reason);
	EXPECT_EQ(0x80000000u | 33, self->vm.run->fail_entry.exit_reason);
}

/*
 * The whole hello guest, one instruction per HVLAB_RUN: the same output,
 * many more stops than exits, and the TF hvlab may use never shows.
 */
TEST_F(dbg, single_step_whole_guest)
{
	struct hvlab_regs regs;
	int steps = 0, i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "hello"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, HVLAB_RUN_SINGLE_STEP, &self->r));
	self->r.output[self->r.output_len] = 0;
	ASSERT_STREQ("Hello from an hvlab guest!\n", self->r.output);
	EXPECT_EQ(HVLAB_EXIT_HLT, self->r.last_exit);
	for (i = 0; i < self->r.nexits; i++)
		steps += self->r.exits[i].run_exit == HVLAB_EXIT_STEP;
	/* PUTS loops over 27 characters: several instructions each */
	EXPECT_GT(steps, 3 * 27);
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	EXPECT_EQ(0, regs.rflags & X86_TF);
}

/* Each step moves RIP by one instruction, and no further. */
TEST_F(dbg, single_step_moves_one_instruction)
{
	struct hvlab_run *run;
	struct hvlab_regs regs;
	uint64_t exits;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_SINGLE_STEP;
	/* xor %eax,%eax (66 31 c0: 3 bytes in 16-bit code) */
	ASSERT_EQ(0, hv_run(&self->vm));
	ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	EXPECT_EQ(0x7c03, regs.rip);
	EXPECT_EQ(0, regs.rflags & X86_TF);
	/* cpuid (2 bytes): emulated in the kernel, a step of its own */
	exits = run->exit_count;
	ASSERT_EQ(0, hv_run(&self->vm));
	ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	EXPECT_EQ(0x7c05, regs.rip);
	EXPECT_LE(exits + 1, run->exit_count);
	EXPECT_NE(0, regs.rbx);		/* the vendor string arrived */
	/* mov $1,%eax (66 b8 01 00 00 00: 6 bytes) */
	ASSERT_EQ(0, hv_run(&self->vm));
	ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	EXPECT_EQ(1, regs.rax);
	EXPECT_EQ(0x7c0b, regs.rip);
}

/*
 * STOP_EVERY_EXIT keeps the state an exit left, before the kernel's
 * handler: at cpuid's first CPUID, EAX = 0 from its XOR and RIP on the
 * CPUID; after it, the vendor string and RIP past it.
 */
TEST_F(dbg, stop_every_exit_keeps_the_state_before_the_handler)
{
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;
	struct hvlab_run *run;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	run = self->vm.run;
	EXPECT_EQ(0, run->exit_state_seq);
	run->request_flags = HVLAB_RUN_STOP_EVERY_EXIT;
	ASSERT_EQ(0, hv_run(&self->vm));
	ASSERT_EQ(HVLAB_EXIT_HANDLED, run->exit_reason);
	ASSERT_EQ(10, run->vmx_exit_reason);
	EXPECT_EQ(run->exit_count, run->exit_state_seq);
	EXPECT_EQ(0x7c03, run->exit_regs.rip);
	EXPECT_EQ(0, run->exit_regs.rax);
	EXPECT_EQ(0, run->exit_regs.rbx);
	ASSERT_EQ(0, hv_get_regs(&self->vm, &regs));
	EXPECT_EQ(0x7c05, regs.rip);
	EXPECT_NE(0, regs.rbx);
	EXPECT_EQ(run->exit_regs.rsp, regs.rsp);
	EXPECT_EQ(run->exit_regs.rflags, regs.rflags);
	ASSERT_EQ(0, hv_get_sregs(&self->vm, &sregs));
	EXPECT_EQ(0, memcmp(&sregs, &run->exit_sregs, sizeof(sregs)));
}

/* The same in a single step: the TF that steps on Bochs is hvlab's, not shown. */
TEST_F(dbg, stop_every_exit_in_a_step_hides_the_step)
{
	struct hvlab_run *run;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_SINGLE_STEP | HVLAB_RUN_STOP_EVERY_EXIT;
	ASSERT_EQ(0, hv_run(&self->vm));	/* xor %eax,%eax */
	ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	ASSERT_EQ(0, hv_run(&self->vm));	/* cpuid */
	ASSERT_EQ(HVLAB_EXIT_HANDLED, run->exit_reason);
	EXPECT_EQ(run->exit_count, run->exit_state_seq);
	EXPECT_EQ(0x7c03, run->exit_regs.rip);
	EXPECT_EQ(0, run->exit_regs.rflags & X86_TF);
}

/*
 * Stepping through an STI shadow: sti; nop; nop; cli; hlt, one byte each.
 * Every step moves on by one instruction, the one after STI included.
 */
TEST_F(dbg, single_step_after_sti)
{
	static const uint8_t code[] = { 0xfb, 0x90, 0x90, 0xfa, 0xf4 };
	struct hvlab_run *run;
	int i;

	ASSERT_EQ(0, hv_open(&self->vm));
	ASSERT_EQ(0, hv_create(&self->vm, HV_DEFAULT_MEM));
	ASSERT_EQ(0, hv_load_raw(&self->vm, code, sizeof(code)));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_SINGLE_STEP;
	for (i = 1; i <= 4; i++) {
		ASSERT_EQ(0, hv_run(&self->vm));
		ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason) TH_LOG("step %d", i);
		EXPECT_EQ(0x7c00 + i, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP)) TH_LOG("step %d", i);
	}
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason);
}

/*
 * The guest's own debugging under hvctl step's (guests/elf/debugreg.c),
 * one instruction per HVLAB_RUN: each breakpoint fires with its DR6 as
 * in a run without steps, the guest's own TF steps included, and no
 * frame of the guest's #DB or faults shows a TF of hvlab's. Where the
 * CPU has no monitor trap flag (Bochs) the step is a TF of hvlab's:
 *   - an I/O breakpoint on an IN or OUT that hvlab completes comes in
 *     the #DB of the guest's TF step, or alone under hvlab's;
 *   - a data breakpoint's trap comes in the same #DB as the step's (B1
 *     with BS): the guest's part must reach it;
 *   - a POPF that sets TF leaves it set: it is the guest's now;
 *   - an exception's delivery is a step of its own, with the TF of hvlab's
 *     out of the frame (the VMX-preemption timer at zero ends it).
 */
static void step_through(struct __test_metadata *_metadata, struct hv_vm *vm,
			 struct guest_result *r, const char *guest)
{
	struct hvlab_run *run;
	long steps;

	ASSERT_EQ(0, hvtest_create(vm, guest));
	run = vm->run;
	for (steps = 0; steps < 1000000; steps++) {
		run->request_flags = HVLAB_RUN_SINGLE_STEP;
		ASSERT_EQ(0, hv_run(vm));
		/* hv_puts(): OUT to the debug port, a byte at a time; an IN reads all ones */
		if (run->exit_reason == HVLAB_EXIT_IO) {
			if (run->io.direction == HVLAB_IO_IN)
				run->io.data = 0xffffffff;
			else if (run->io.port == 0xe9 && r->output_len < sizeof(r->output) - 1)
				r->output[r->output_len++] = run->io.data;
			continue;
		}
		if (run->exit_reason != HVLAB_EXIT_STEP)
			break;
	}
	r->output[r->output_len] = 0;
	TH_LOG("%s: %ld steps, then exit %u; the guest said:\n%s", guest, steps, run->exit_reason, r->output);
	EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason);
	EXPECT_NE(NULL, strstr(r->output, "debugreg: write breakpoint: 1 #DB after the write (value 7), DR6 0x2\n"));
	EXPECT_NE(NULL, strstr(r->output, "debugreg: single step: 1 #DB, DR6 0x4000\n"));
	EXPECT_NE(NULL, strstr(r->output, "debugreg: I/O breakpoint: 1 #DB after the OUT, right after it: yes, 1 after the IN, DR6 0x8\n"));
	EXPECT_NE(NULL, strstr(r->output, "debugreg: I/O breakpoint and TF: 1 #DB, DR6 0x4008\n"));
	EXPECT_NE(NULL, strstr(r->output, "\ndebugreg: ok\n"));
}

TEST_F_TIMEOUT(dbg, single_step_through_the_guests_debugging32, 300)
{
	step_through(_metadata, &self->vm, &self->r, "debugreg32");
}

TEST_F_TIMEOUT(dbg, single_step_through_the_guests_debugging64, 300)
{
	step_through(_metadata, &self->vm, &self->r, "debugreg64");
}

/*
 * Stepping I/O (guests/io.S): an OUT is done when it exits to userspace,
 * so the next step runs the next instruction; an IN is finished by the
 * next HVLAB_RUN, and that is the step: no new VM entry.
 */
TEST_F(dbg, single_step_through_io)
{
	struct hvlab_run *run;
	uint64_t exits, rip;
	int i, outs = 0;

	ASSERT_EQ(0, hvtest_create(&self->vm, "io"));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_SINGLE_STEP;
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, hv_run(&self->vm));
		if (run->exit_reason == HVLAB_EXIT_IO && run->io.direction == HVLAB_IO_IN)
			break;
		if (run->exit_reason == HVLAB_EXIT_IO) {
			/* outb %al,$0x80 is 2 bytes; out %ax/%eax,%dx 2 and 1 */
			rip = run->guest_rip;
			EXPECT_LT(rip, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));
			EXPECT_GE(rip + 2, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));
			outs++;
			continue;
		}
		ASSERT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	}
	EXPECT_EQ(3, outs);
	ASSERT_EQ(HVLAB_EXIT_IO, run->exit_reason);
	ASSERT_EQ(HVLAB_IO_IN, run->io.direction);
	EXPECT_EQ(0xe9, run->io.port);
	rip = run->guest_rip;
	/* the IN has not happened yet */
	EXPECT_EQ(rip, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));
	run->io.data = 0xe9;
	exits = run->exit_count;
	ASSERT_EQ(0, hv_run(&self->vm));
	EXPECT_EQ(HVLAB_EXIT_STEP, run->exit_reason);
	EXPECT_EQ(exits, run->exit_count);
	EXPECT_EQ(rip + 2, hvtest_vmcs_read(&self->vm, ENC_GUEST_RIP));	/* inb $0xe9,%al */
}

/*
 * HVLAB_INTERCEPT_EXCEPTION_EXIT: the guest's INT3 stops at userspace
 * with RIP at the INT3. Injected back, the guest sees its #BP; skipped,
 * it never does.
 */
static void check_breakpoint(struct __test_metadata *_metadata, struct hv_vm *vm,
			     int deliver)
{
	struct hvlab_intercepts in = {
		.exception_bitmap = 1u << 3, .flags = HVLAB_INTERCEPT_EXCEPTION_EXIT,
	};
	struct hvlab_run *run = vm->run;
	struct hvlab_regs regs;
	char out[256];
	size_t len = 0;
	int hits = 0, i;

	ASSERT_EQ(0, ioctl(vm->vcpu_fd, HVLAB_SET_INTERCEPTS, &in));
	run->request_flags = 0;
	for (i = 0; i < 10000; i++) {
		ASSERT_EQ(0, hv_run(vm));
		if (run->exit_reason == HVLAB_EXIT_IO && run->io.port == 0xe9 &&
		    run->io.direction == HVLAB_IO_OUT) {
			if (len < sizeof(out) - 1)
				out[len++] = run->io.data;
			continue;
		}
		if (run->exit_reason != HVLAB_EXIT_EXCEPTION)
			break;
		hits++;
		EXPECT_EQ(3, run->exception.vector);
		EXPECT_EQ(0, run->exception.has_error_code);
		EXPECT_EQ(0xcc, vm->mem[run->guest_rip]);	/* identity-mapped ELF guest */
		EXPECT_EQ(1, run->instruction_length);
		/* Past the INT3, as the CPU leaves it; dropped, the guest never knows */
		ASSERT_EQ(0, hv_get_regs(vm, &regs));
		regs.rip += run->instruction_length;
		ASSERT_EQ(0, hv_set_regs(vm, &regs));
		if (deliver) {
			struct hvlab_event ev = { .type = HVLAB_EVENT_EXCEPTION, .vector = 3 };

			ASSERT_EQ(0, ioctl(vm->vcpu_fd, HVLAB_INJECT, &ev));
		}
	}
	out[len] = 0;
	/* Without its #BP the guest's check fails: it ends through port 0xf4. */
	if (deliver) {
		EXPECT_EQ(HVLAB_EXIT_HLT, run->exit_reason);
	} else {
		EXPECT_EQ(0xf4, run->io.port);
	}
	EXPECT_EQ(1, hits);
	EXPECT_NE(NULL, strstr(out, deliver ? "#BP 1," : "#BP 0,")) TH_LOG("%s", out);
}

TEST_F(dbg, exception_exit_delivered)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, "exceptions64"));
	check_breakpoint(_metadata, &self->vm, 1);
}

TEST_F(dbg, exception_exit_dropped)
{
	ASSERT_EQ(0, hvtest_create(&self->vm, "exceptions64"));
	check_breakpoint(_metadata, &self->vm, 0);
}

static int find_stat(const struct hvlab_stat_desc *d, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return i;
	return -1;
}

/* cpuid.bin runs CPUID three times; the statistics count them. */
TEST_F(dbg, vcpu_and_vm_stats)
{
	struct hvlab_stat_desc *d;
	struct hvlab_stats hdr = { 0 };
	uint64_t *v;
	unsigned int n;
	int i;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	ASSERT_EQ(0, hv_get_stats(self->vm.vcpu_fd, HVLAB_GET_VCPU_STATS, &d, &v, &n));
	i = find_stat(d, n, "exits.CPUID");
	ASSERT_LE(0, i);
	EXPECT_EQ(3, v[i]);
	EXPECT_EQ(HVLAB_STAT_UNIT_COUNT, d[i].unit);
	i = find_stat(d, n, "ticks.CPUID");
	ASSERT_LE(0, i);
	EXPECT_EQ(HVLAB_STAT_UNIT_TICKS, d[i].unit);
	EXPECT_GT(v[i], 0);
	i = find_stat(d, n, "max_ticks.CPUID");
	ASSERT_LE(0, i);
	EXPECT_EQ(HVLAB_STAT_PEAK, d[i].kind);
	i = find_stat(d, n, "exits");
	ASSERT_LE(0, i);
	EXPECT_EQ(self->vm.run->exit_count, v[i]);
	i = find_stat(d, n, "exits.HLT");
	ASSERT_LE(0, i);
	EXPECT_EQ(1, v[i]);
	free(d);
	free(v);
	/* count too small: E2BIG and the count; bad flags: EINVAL */
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_GET_VCPU_STATS, &hdr));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(n, hdr.count);
	hdr.flags = 1;
	EXPECT_EQ(-1, ioctl(self->vm.vcpu_fd, HVLAB_GET_VCPU_STATS, &hdr));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, hv_get_stats(self->vm.vm_fd, HVLAB_GET_VM_STATS, &d, &v, &n));
	EXPECT_EQ(1, v[find_stat(d, n, "vcpus")]);
	EXPECT_EQ(2, v[find_stat(d, n, "memory_slots")]);
	EXPECT_EQ(HV_DEFAULT_MEM - (HV_HIGH_RAM_START - HV_LOW_RAM_END),
		  v[find_stat(d, n, "memory_bytes")]);
	EXPECT_EQ(self->vm.run->exit_count, v[find_stat(d, n, "exits")]);
	EXPECT_EQ(0, v[find_stat(d, n, "slot_unwinds")]);
	free(d);
	free(v);
}

static int read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

/* The same numbers in debugfs, for the VM that is still open. */
TEST_F(dbg, debugfs_stats)
{
	char path[128], buf[16384];
	struct stat st;
	int id;

	if (stat("/sys/kernel/debug/hvlab", &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ASSERT_EQ(0, stat("/sys/kernel/debug/hvlab", &st));
	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	/* The newest VM directory is ours. */
	for (id = 1; id < 100000; id++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/hvlab/vm%d/vcpu0/stats", id);
		if (!access(path, R_OK))
			break;
	}
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "\nexits.CPUID 3\n")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "\nexits.HLT 1\n"));
	snprintf(path, sizeof(path), "/sys/kernel/debug/hvlab/vm%d/stats", id);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "vcpus 1\n")) TH_LOG("%s", buf);
	hv_close(&self->vm);
	/* gone with the VM */
	EXPECT_NE(0, access(path, F_OK));
}

/* Trace records carry a TSC that grows, and a cost. */
TEST_F(dbg, trace_records_have_time_and_cost)
{
	struct hvlab_run *run;
	uint64_t last_tsc = 0, n = 0;

	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	run = self->vm.run;
	run->request_flags = HVLAB_RUN_TRACE;
	do {
		ASSERT_EQ(0, hv_run(&self->vm));
		for (; run->trace_tail < run->trace_head; run->trace_tail++) {
			const struct hvlab_exit_record *rec =
				&run->trace[run->trace_tail % HVLAB_TRACE_ENTRIES];

			EXPECT_GT(rec->tsc, last_tsc);
			EXPECT_GT(rec->cost, 0);
			last_tsc = rec->tsc;
			n++;
		}
		if (run->exit_reason == HVLAB_EXIT_IO && run->io.direction == HVLAB_IO_IN)
			run->io.data = 0;
	} while (run->exit_reason != HVLAB_EXIT_HLT && n < 10000);
	EXPECT_EQ(run->exit_count, n);
}

/* ftrace sees hvlab's exits by name, as it sees KVM's. */
TEST_F(dbg, tracepoints)
{
	const char *t = "/sys/kernel/tracing";
	char path[128], buf[65536];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/hvlab/hvlab_exit/enable", t);
	if (stat(path, &st))
		mount("tracefs", t, "tracefs", 0, NULL);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("1", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/trace", t);
	f = fopen(path, "w");	/* opening for write clears the buffer */
	ASSERT_NE(NULL, f);
	fclose(f);
	ASSERT_EQ(0, hvtest_create(&self->vm, "cpuid"));
	ASSERT_EQ(0, hvtest_run_vm(&self->vm, 0, &self->r));
	snprintf(path, sizeof(path), "%s/events/hvlab/hvlab_exit/enable", t);
	f = fopen(path, "w");
	fputs("0", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/trace", t);
	ASSERT_LT(0, read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "hvlab_exit: vcpu 0 reason CPUID rip 0x7c03")) TH_LOG("%.2000s", buf);
	EXPECT_NE(NULL, strstr(buf, "reason HLT"));
}

TEST_HARNESS_MAIN
