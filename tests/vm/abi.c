// SPDX-License-Identifier: GPL-2.0
/*
 * abi.c - the ioctl ABI under bad input: wrong arguments, unknown ioctl
 * numbers, bad pointers, and file descriptors closed in odd orders. Every
 * refusal must leave the VM as it was: each test ends by running a guest.
 */
#define _GNU_SOURCE		/* mremap */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>

#include "hvtest.h"

#define MiB (1ULL << 20)

FIXTURE(vm) {
	struct hv_vm vm;
	struct guest_result r;
	uint8_t *mem;
};

FIXTURE_SETUP(vm)
{
	ASSERT_EQ(0, hv_open(&self->vm));
	self->vm.vm_fd = ioctl(self->vm.dev_fd, HVLAB_CREATE_VM, 0);
	ASSERT_LE(0, self->vm.vm_fd);
	self->mem = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
}

FIXTURE_TEARDOWN(vm)
{
	munmap(self->mem, 4 * MiB);
	hv_close(&self->vm);
}

static int set_region(struct hv_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		      const void *uaddr, uint32_t flags)
{
	struct hvlab_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)uaddr,
	};

	return ioctl(vm->vm_fd, HVLAB_SET_MEMORY_REGION, &r) ? -errno : 0;
}

/* Finish a VM set up by hand the way hv_create() would, and run hello. */
static void run_hello(struct __test_metadata *_metadata, struct hv_vm *vm,
		      uint8_t *mem, struct guest_result *r)
{
	ASSERT_EQ(0, set_region(vm, 0, 0, 0xa0000, mem, 0));
	vm->mem = NULL;
	vm->vcpu_fd = ioctl(vm->vm_fd, HVLAB_CREATE_VCPU, 0);
	ASSERT_LE(0, vm->vcpu_fd);
	/* the run page alone: a program that prints nothing by hypercall may */
	vm->run = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, vm->run);
	vm->run_size = 4096;
	/* hv_load_raw copies into vm->mem: point it at our memory. */
	vm->mem = mem;
	vm->mem_size = 0;
	{
		FILE *f = fopen(GUEST_DIR "hello.bin", "rb");
		uint8_t buf[512];
		size_t n;

		ASSERT_NE(NULL, f);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ASSERT_EQ(0, hv_load_raw(vm, buf, n));
	}
	vm->mem = NULL;		/* not ours to unmap in hv_close */
	ASSERT_EQ(0, hvtest_run_vm(vm, 0, r));
	r->output[r->output_len] = 0;
	ASSERT_STREQ("Hello from an hvlab guest!\n", r->output);
}

TEST(device_basics)
{
	struct hvlab_vmx_caps caps;
	struct hv_vm vm;

	ASSERT_EQ(0, hv_open(&vm));
	EXPECT_EQ(HVLAB_API_VERSION, ioctl(vm.dev_fd, HVLAB_GET_API_VERSION, 0));
	/* the run page, the console page, the coalesced ring's page */
	EXPECT_EQ(12288, ioctl(vm.dev_fd, HVLAB_GET_VCPU_MMAP_SIZE, 0));
	ASSERT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
	/* Bochs corei7_skylake_x and every VT-x CPU hvlab runs on */
	EXPECT_NE(0, caps.revision_id);
	EXPECT_LE(caps.vmcs_size, 4096);
	EXPECT_TRUE(caps.flags & HVLAB_CAP_EPT);
	EXPECT_TRUE(caps.flags & HVLAB_CAP_UNRESTRICTED_GUEST);
	EXPECT_EQ(caps.revision_id, caps.basic & 0x7fffffff);
	EXPECT_EQ(-1, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm.dev_fd, _IO(HVLAB_IO, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vm.dev_fd, HVLAB_CREATE_VM, 1));
	EXPECT_EQ(EINVAL, errno);
	/* a vCPU ioctl on the device fd means nothing there */
	EXPECT_EQ(-1, ioctl(vm.dev_fd, HVLAB_RUN, 0));
	EXPECT_EQ(ENOTTY, errno);
	hv_close(&vm);
}

TEST_F(vm, memory_region_refusals)
{
	uint8_t *m = self->mem;

	EXPECT_EQ(-EINVAL, set_region(&self->vm, HVLAB_MAX_MEM_SLOTS, 0, 4096, m, 0));
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 0, 4096, m, 1));		/* flags */
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 0, 0, m, 0));		/* empty */
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 0x800, 4096, m, 0));	/* gpa */
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 0, 100, m, 0));		/* size */
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 0, 4096, m + 8, 0));	/* uaddr */
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, 1ULL << 60, 4096, m, 0));
	EXPECT_EQ(-EINVAL, set_region(&self->vm, 0, ~0ULL << 12, 8192, m, 0));	/* wraps */
	EXPECT_EQ(-EFAULT, set_region(&self->vm, 0, 0, 4096, (void *)(1ULL << 47), 0));
	EXPECT_EQ(-ENOMEM, set_region(&self->vm, 0, 0, HVLAB_MAX_MEM_SIZE + 4096, m, 0));
	/* memory that is not mapped in this process */
	EXPECT_EQ(-EFAULT, set_region(&self->vm, 0, 0, 4096, (void *)0x10000, 0));
	EXPECT_EQ(-1, ioctl(self->vm.vm_fd, HVLAB_SET_MEMORY_REGION, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* after all that, the VM is untouched: slot 0 is free and it runs */
	run_hello(_metadata, &self->vm, m, &self->r);
}

TEST_F(vm, memory_region_overlap)
{
	uint8_t *m = self->mem;

	ASSERT_EQ(0, set_region(&self->vm, 1, 0x100000, 2 * MiB, m + MiB, 0));
	EXPECT_EQ(-EEXIST, set_region(&self->vm, 1, 0x400000, 4096, m, 0));	/* slot taken */
	EXPECT_EQ(-EEXIST, set_region(&self->vm, 2, 0x1ff000, 8192, m, 0));	/* overlaps end */
	EXPECT_EQ(-EEXIST, set_region(&self->vm, 2, 0xff000, 8192, m, 0));	/* overlaps start */
	EXPECT_EQ(-EEXIST, set_region(&self->vm, 2, 0, 4 * MiB, m, 0));	/* covers it */
	EXPECT_EQ(0, set_region(&self->vm, 2, 0x300000, 4096, m, 0));		/* adjacent is fine */
	run_hello(_metadata, &self->vm, m, &self->r);
}

TEST_F(vm, vcpu_refusals)
{
	int fd;

	EXPECT_EQ(-1, ioctl(self->vm.vm_fd, HVLAB_CREATE_VCPU, HVLAB_MAX_VCPUS));
	EXPECT_EQ(EINVAL, errno);
	fd = ioctl(self->vm.vm_fd, HVLAB_CREATE_VCPU, 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->vm.vm_fd, HVLAB_CREATE_VCPU, 1));
	EXPECT_EQ(EEXIST, errno);
	close(fd);
	/* the id is free again once its fd is closed */
	fd = ioctl(self->vm.vm_fd, HVLAB_CREATE_VCPU, 1);
	EXPECT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-1, ioctl(self->vm.vm_fd, _IO(HVLAB_IO, 0x1f), 0));
	EXPECT_EQ(ENOTTY, errno);
	run_hello(_metadata, &self->vm, self->mem, &self->r);
}

TEST(vcpu_refusals)
{
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;
	struct guest_result r;
	struct hv_vm vm;
	void *p;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_RUN, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, _IO(HVLAB_IO, 0x2f), 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_GET_REGS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_SREGS, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* RFLAGS bit 1 must be set and reserved bits clear */
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	regs.rflags = 0;
	EXPECT_EQ(-1, hv_set_regs(&vm, &regs));
	EXPECT_EQ(EINVAL, errno);
	regs.rflags = 0x2 | (1 << 3);
	EXPECT_EQ(-1, hv_set_regs(&vm, &regs));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs));
	sregs.reserved[0] = 1;
	EXPECT_EQ(-1, hv_set_sregs(&vm, &sregs));
	EXPECT_EQ(EINVAL, errno);

	vm.run->request_flags = 1u << 7;
	EXPECT_EQ(-EINVAL, hv_run(&vm));
	vm.run->request_flags = HVLAB_RUN_TRACE;
	vm.run->trace_tail = 5;		/* ahead of the head */
	EXPECT_EQ(-EINVAL, hv_run(&vm));
	vm.run->trace_tail = 0;

	/* the mapping is the run, console and ring pages, from offset 0 */
	p = mmap(NULL, 16384, PROT_READ, MAP_SHARED, vm.vcpu_fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm.vcpu_fd, 4096);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 12288, PROT_READ, MAP_SHARED, vm.vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, vm.run, 4096));	/* the same run page */
	/* the same ring page as libhvlab's mapping: an empty ring */
	EXPECT_EQ(0, memcmp(p + HVLAB_COALESCED_OFFSET, (char *)vm.run + HVLAB_COALESCED_OFFSET, 8));
	munmap(p, 12288);

	/* none of it changed the guest: it still says hello */
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	r.output[r.output_len] = 0;
	EXPECT_STREQ("Hello from an hvlab guest!\n", r.output);
	hv_close(&vm);
}

/*
 * The vCPU mapping is three pages of data: it cannot grow past them by
 * mremap (VM_DONTEXPAND), nor ever be executable, now or by mprotect.
 */
TEST(vcpu_mapping_neither_grows_nor_executes)
{
	struct hv_vm vm;
	void *p, *q;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, vm.vcpu_fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	p = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu_fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4096, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	q = mremap(p, 12288, 16384, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, q);
	EXPECT_EQ(EFAULT, errno);
	if (q != MAP_FAILED)
		p = q;
	munmap(p, q != MAP_FAILED ? 16384 : 12288);
	/*
	 * Shared only: a private mapping of these pages would be
	 * copy-on-write, which remap_pfn_range() records by putting the page
	 * frame number in vm_pgoff, and /proc/self/maps would show the run
	 * page's host-physical address as the mapping's offset.
	 */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, vm.vcpu_fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	if (p != MAP_FAILED) {
		char line[256], want[64];
		FILE *maps = fopen("/proc/self/maps", "r");

		snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
		while (maps && fgets(line, sizeof(line), maps))
			if (!strncmp(line, want, strlen(want)))
				TH_LOG("the private mapping in /proc/self/maps: %s", line);
		if (maps)
			fclose(maps);
		munmap(p, 4096);
	}
	hv_close(&vm);
}

/* The state round-trips through GET/SET, as the VMCS holds it. */
TEST(register_round_trip)
{
	struct hvlab_sregs sregs, sregs2;
	struct hvlab_regs regs, regs2;
	struct hv_vm vm;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	EXPECT_EQ(0x7c00, regs.rip);
	EXPECT_EQ(0x7c00, regs.rsp);
	EXPECT_EQ(0x2, regs.rflags);
	regs.r15 = 0x0123456789abcdefULL;
	regs.rbp = 42;
	ASSERT_EQ(0, hv_set_regs(&vm, &regs));
	ASSERT_EQ(0, hv_get_regs(&vm, &regs2));
	EXPECT_EQ(0, memcmp(&regs, &regs2, sizeof(regs)));

	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs));
	EXPECT_EQ(0, sregs.cs.selector);
	EXPECT_EQ(0x9b, sregs.cs.access_rights);
	EXPECT_EQ(0xffff, sregs.ds.limit);
	EXPECT_EQ(0, sregs.cr0 & 1);		/* real mode */
	EXPECT_EQ(0, sregs.cr4 & (1 << 13));	/* VMXE is hidden by the shadow */
	sregs.ds.base = 0x12340;
	sregs.ds.selector = 0x1234;
	ASSERT_EQ(0, hv_set_sregs(&vm, &sregs));
	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs2));
	EXPECT_EQ(0x12340, sregs2.ds.base);
	EXPECT_EQ(0x1234, sregs2.ds.selector);
	EXPECT_EQ(sregs.cr0, sregs2.cr0);
	hv_close(&vm);
}

/* A state the CPU rejects fails VM entry with exit reason 33 (SDM 27.8). */
TEST(invalid_guest_state)
{
	struct hvlab_sregs sregs;
	struct hv_vm vm;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs));
	sregs.ss.access_rights = 0x9b;	/* SS must be a writable data segment */
	ASSERT_EQ(0, hv_set_sregs(&vm, &sregs));
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_FAIL_ENTRY, vm.run->exit_reason);
	EXPECT_EQ(0, vm.run->fail_entry.vm_instruction_error);
	EXPECT_EQ(33 | HVLAB_VMX_EXIT_FAILED_ENTRY, vm.run->fail_entry.exit_reason);

	/* fix it and the same vCPU runs */
	sregs.ss.access_rights = 0x93;
	ASSERT_EQ(0, hv_set_sregs(&vm, &sregs));
	{
		struct guest_result r;

		ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
		EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	}
	hv_close(&vm);
}

/* Close things in every order the kernel might trip over. */
TEST(close_orders)
{
	struct guest_result r;
	struct hv_vm vm;

	/* VM fd and device fd first: the vCPU keeps the VM alive */
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	close(vm.vm_fd);
	vm.vm_fd = -1;
	close(vm.dev_fd);
	vm.dev_fd = -1;
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	r.output[r.output_len] = 0;
	EXPECT_STREQ("Hello from an hvlab guest!\n", r.output);
	hv_close(&vm);

	/* vCPU fd closed while its run page is still mapped */
	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	close(vm.vcpu_fd);
	vm.vcpu_fd = -1;
	EXPECT_EQ(0, vm.run->exit_reason);	/* the page stays readable */
	hv_close(&vm);

	/* a VM with memory but no vCPU, and a vCPU never run */
	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, 2 << 20));
	hv_close(&vm);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct spinner {
	struct hv_vm *vm;
	int ret;
	volatile int started;
};

static void *spin_guest(void *arg)
{
	struct spinner *s = arg;

	s->started = 1;
	s->ret = hv_run(s->vm);
	return NULL;
}

/* A signal ends HVLAB_RUN with -EINTR even while the guest spins. */
TEST(signal_interrupts_run)
{
	static const uint8_t spin[] = { 0xeb, 0xfe };	/* jmp . */
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct spinner s = { 0 };
	struct hv_vm vm;
	pthread_t t;
	int i;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, 2 << 20));
	ASSERT_EQ(0, hv_load_raw(&vm, spin, sizeof(spin)));
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));	/* no SA_RESTART */
	s.vm = &vm;
	ASSERT_EQ(0, pthread_create(&t, NULL, spin_guest, &s));
	while (!s.started)
		sched_yield();
	/*
	 * Let the guest spin for a while. It makes no exits of its own: only
	 * host interrupts and hvlab's preemption timer bring the vCPU back
	 * to the run loop, which must notice the signal.
	 */
	for (i = 0; i < 3; i++)
		usleep(1000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ(-EINTR, s.ret);
	EXPECT_EQ(HVLAB_EXIT_INTR, vm.run->exit_reason);
	hv_close(&vm);
}

/* Run raw real-mode code at 0x7c00 until it stops; returns the run page. */
static struct hvlab_run *run_code(struct __test_metadata *_metadata, struct hv_vm *vm,
				  const uint8_t *code, size_t len)
{
	struct guest_result r;

	if (hv_open(vm) || hv_create(vm, 2 << 20) || hv_load_raw(vm, code, len))
		return NULL;
	if (hvtest_run_vm(vm, 0, &r))
		return NULL;
	return vm->run;
}

/* A guest that breaks the rules ends its own VM, with a reason. */
TEST(guest_mmio_with_unsupported_instruction)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0xb8,		/* mov $0xb800, %ax */
		0x8e, 0xc0,			/* mov %ax, %es */
		0x26, 0xff, 0x06, 0x00, 0x00,	/* incw %es:0  (MMIO) */
		0xfa, 0xf4,			/* cli; hlt */
	};
	struct hvlab_run *run;
	struct hv_vm vm;

	run = run_code(_metadata, &vm, code, sizeof(code));
	ASSERT_NE(NULL, run);
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_NE(NULL, strstr(run->internal.reason, "cannot emulate MMIO write of gpa 0xb8000"))
		TH_LOG("reason: %s", run->internal.reason);
	/* and it stays dead */
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, run->exit_reason);
	hv_close(&vm);
}

TEST(guest_jumps_into_the_hole)
{
	static const uint8_t code[] = {
		0xea, 0x00, 0x00, 0x00, 0xb8,	/* ljmp $0xb800, $0 */
	};
	struct hvlab_run *run;
	struct hv_vm vm;

	run = run_code(_metadata, &vm, code, sizeof(code));
	ASSERT_NE(NULL, run);
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_NE(NULL, strstr(run->internal.reason, "jumped to gpa 0xb8000"))
		TH_LOG("reason: %s", run->internal.reason);
	EXPECT_EQ(48, run->vmx_exit_reason);
	hv_close(&vm);
}

/* String I/O with memory that has no RAM behind it ends the VM, with a reason. */
TEST(guest_string_io_from_mmio)
{
	static const uint8_t code[] = {
		0xb8, 0x00, 0xb8,		/* mov $0xb800, %ax */
		0x8e, 0xd8,			/* mov %ax, %ds */
		0x31, 0xf6,			/* xor %si, %si */
		0xba, 0x80, 0x00,		/* mov $0x80, %dx */
		0x6e,				/* outsb: from gpa 0xb8000 */
		0xfa, 0xf4,			/* cli; hlt */
	};
	struct hvlab_run *run;
	struct hv_vm vm;

	run = run_code(_metadata, &vm, code, sizeof(code));
	ASSERT_NE(NULL, run);
	EXPECT_EQ(HVLAB_EXIT_INTERNAL_ERROR, run->exit_reason);
	EXPECT_NE(NULL, strstr(run->internal.reason, "OUTS at RIP 0x7c0a: gpa 0xb8000 is not RAM"))
		TH_LOG("reason: %s", run->internal.reason);
	EXPECT_EQ(30, run->vmx_exit_reason);
	hv_close(&vm);
}

/*
 * An exit hvlab does not handle reaches userspace raw, RIP unchanged, and
 * the guest never goes past it: a task switch (exit 9), which a CPU in
 * VMX non-root operation leaves to its hypervisor (SDM 26.4.2) and hvlab
 * does not emulate. Here a far JMP to a TSS, in 32-bit protected mode.
 */
TEST(unhandled_exit_reaches_userspace)
{
	static const uint64_t tss = 0x0000890020000067ULL;	/* available 32-bit TSS at 0x2000 */
	static const uint8_t code[] = {
		0xea, 0x00, 0x00, 0x00, 0x00, 0x18, 0x00,	/* ljmp $0x18, $0 */
		0xfa, 0xf4,					/* cli; hlt */
	};
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;
	struct hvlab_run *run;
	struct hv_vm vm;
	int i;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, 2 << 20));
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	/* flat 32-bit code and data at 0x08 and 0x10, and the TSS at 0x18 */
	ASSERT_EQ(0, hvtest_enter_flat32(&vm));
	memcpy(vm.mem + 0x1000 + 0x18, &tss, sizeof(tss));
	ASSERT_EQ(0, hv_get_sregs(&vm, &sregs));
	sregs.gdt.limit = 0x18 + 7;
	ASSERT_EQ(0, hv_set_sregs(&vm, &sregs));

	run = vm.run;
	for (i = 0; i < 2; i++) {		/* and again: it stays there */
		ASSERT_EQ(0, hv_run(&vm));
		EXPECT_EQ(HVLAB_EXIT_UNHANDLED, run->exit_reason);
		EXPECT_EQ(9, run->vmx_exit_reason);		/* task switch */
		/* SDM Table 28-2: the TSS selector, source 2 = JMP */
		EXPECT_EQ((2ULL << 30) | 0x18, run->exit_qualification);
		EXPECT_EQ(0x7c00, run->guest_rip);
		ASSERT_EQ(0, hv_get_regs(&vm, &regs));
		EXPECT_EQ(0x7c00, regs.rip);
	}
	hv_close(&vm);
}

/*
 * VM entry fails while loading MSRs (exit reason 34) when the module's
 * fault_msr_load parameter puts an x2APIC MSR, which VM entry refuses,
 * second in the VM-entry MSR-load list. The qualification names the entry.
 * Afterwards the same vCPU runs normally.
 */
#define FAULT_MSR_LOAD "/sys/module/hvlab/parameters/fault_msr_load"

static int write_param(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok ? 0 : -EIO;
}

TEST(msr_load_failure)
{
	struct hv_vm vm;
	struct guest_result r;
	struct hvlab_run *run;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	run = vm.run;
	if (write_param(FAULT_MSR_LOAD, "1"))
		SKIP(hv_close(&vm); return, "no fault_msr_load parameter (no RDTSCP, no MSR-load list)");
	run->request_flags = 0;
	EXPECT_EQ(0, hv_run(&vm));
	ASSERT_EQ(0, write_param(FAULT_MSR_LOAD, "0"));
	ASSERT_EQ(HVLAB_EXIT_FAIL_ENTRY, run->exit_reason);
	EXPECT_EQ(0x80000000u | 34, run->fail_entry.exit_reason);
	EXPECT_EQ(2, run->fail_entry.qualification);	/* the second entry */
	EXPECT_EQ(0, run->fail_entry.vm_instruction_error);
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	EXPECT_EQ(0, memcmp("Hello", r.output, 5));
	hv_close(&vm);
}

/* HVLAB_INJECT refuses what no CPU could deliver, and changes nothing. */
TEST(inject_refusals)
{
	struct hv_vm vm;
	struct guest_result r;
	struct hvlab_event ev;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	ev = (struct hvlab_event){ .type = HVLAB_EVENT_INTERRUPT, .vector = 13 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev = (struct hvlab_event){ .type = HVLAB_EVENT_EXCEPTION, .vector = 2 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev = (struct hvlab_event){ .type = HVLAB_EVENT_EXCEPTION, .vector = 32 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev = (struct hvlab_event){ .type = 3 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev = (struct hvlab_event){ .type = HVLAB_EVENT_INTERRUPT, .vector = 40, .reserved = { 1 } };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, &ev));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_INJECT, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* nothing was queued: hello runs as always */
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	EXPECT_EQ(0, memcmp("Hello", r.output, 5));
	hv_close(&vm);
}

/*
 * HVLAB_RUN_IRQ_WINDOW: userspace holds an interrupt. The run comes back
 * only where the guest can take it: not while IF = 0, not in STI's
 * shadow; there the vector given goes in with the next entry. A guest
 * that can take it at once is not entered at all.
 */
TEST(irq_window_after_sti_shadow)
{
	static const uint8_t code[] = {
		0xfa,			/* 7c00: cli */
		0xe6, 0x80,		/* 7c01: out %al, $0x80 */
		0xb9, 0x05, 0x00,	/* 7c03: mov $5, %cx */
		0xe2, 0xfe,		/* 7c06: loop . */
		0xfb,			/* 7c08: sti */
		0x90,			/* 7c09: nop (STI's shadow) */
		0xe6, 0x81,		/* 7c0a: out %al, $0x81 */
		0xf4,			/* 7c0c: hlt */
		0xe6, 0x82,		/* 7c0d: vector 0x20: out %al, $0x82 */
		0xcf,			/* 7c0f: iret */
	};
	struct hvlab_regs regs;
	struct hv_vm vm;
	uint64_t exits;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, 2 << 20));
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	vm.mem[0x20 * 4] = 0x0d;	/* IVT: 0000:7c0d */
	vm.mem[0x20 * 4 + 1] = 0x7c;
	vm.run->request_flags = HVLAB_RUN_IRQ_WINDOW;
	/* IF = 0: the OUT exits first, then the window after STI and the NOP */
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_IO, vm.run->exit_reason);
	EXPECT_EQ(0x80, vm.run->io.port);
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_IRQ_WINDOW, vm.run->exit_reason);
	ASSERT_EQ(0, hv_get_regs(&vm, &regs));
	EXPECT_EQ(0x7c0a, regs.rip);
	EXPECT_EQ(7, vm.run->vmx_exit_reason);		/* interrupt window */
	/* Ready, and still asked: back at once, without an entry */
	exits = vm.run->exit_count;
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_IRQ_WINDOW, vm.run->exit_reason);
	EXPECT_EQ(exits, vm.run->exit_count);
	/* The vector goes in: its handler runs before the OUT at 7c0a */
	vm.run->request_flags = 0;
	ASSERT_EQ(0, hv_inject_interrupt(&vm, 0x20));
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_IO, vm.run->exit_reason);
	EXPECT_EQ(0x82, vm.run->io.port);
	ASSERT_EQ(0, hv_run(&vm));
	ASSERT_EQ(HVLAB_EXIT_IO, vm.run->exit_reason);
	EXPECT_EQ(0x81, vm.run->io.port);
	/* The flag off: HLT with IF = 1 and nothing queued goes to userspace */
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_HLT, vm.run->exit_reason);
	EXPECT_LT(0, hvtest_vcpu_stat(&vm, "irq_window_exits"));
	hv_close(&vm);
}

/*
 * run->immediate_exit: HVLAB_RUN returns -EINTR before any entry (a
 * VMM's kick that no signal race can lose), and runs again once cleared.
 */
TEST(immediate_exit_enters_nothing)
{
	static const uint8_t code[] = { 0xe6, 0x80, 0xf4 };	/* out %al, $0x80; hlt */
	struct hv_vm vm;

	ASSERT_EQ(0, hv_open(&vm));
	ASSERT_EQ(0, hv_create(&vm, 2 << 20));
	ASSERT_EQ(0, hv_load_raw(&vm, code, sizeof(code)));
	*hv_immediate_exit(&vm) = 1;
	EXPECT_EQ(-EINTR, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_INTR, vm.run->exit_reason);
	EXPECT_EQ(0, vm.run->exit_count);
	*hv_immediate_exit(&vm) = 0;
	ASSERT_EQ(0, hv_run(&vm));
	EXPECT_EQ(HVLAB_EXIT_IO, vm.run->exit_reason);
	EXPECT_EQ(1, vm.run->exit_count);
	hv_close(&vm);
}

/*
 * HVLAB_SET_CPU_FEATURES: bad flags, padding and pointers refused; the
 * local APIC in CPUID and IA32_APIC_BASE only with HVLAB_CPU_LAPIC (#GP
 * without); its enable bit writable and shown in run->apic_base, its base
 * fixed (#GP); refused once the vCPU ran.
 */
static const uint8_t apic_msr_code[] = {
	0x66, 0xb8, 0x01, 0x00, 0x00, 0x00,	/* 7c00: mov $1, %eax */
	0x66, 0x31, 0xc9,			/* 7c06: xor %ecx, %ecx */
	0x0f, 0xa2,				/* 7c09: cpuid */
	0xe6, 0x80,				/* 7c0b: out %al, $0x80 */
	0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00,	/* 7c0d: mov $0x1b, %ecx */
	0x0f, 0x32,				/* 7c13: rdmsr */
	0xe6, 0x81,				/* 7c15: out %al, $0x81 */
	0x66, 0x25, 0xff, 0xf7, 0xff, 0xff,	/* 7c17: and $~0x800, %eax */
	0x0f, 0x30,				/* 7c1d: wrmsr */
	0xe6, 0x82,				/* 7c1f: out %al, $0x82 */
	0x66, 0xb8, 0x00, 0x09, 0xd0, 0xfe,	/* 7c21: mov $0xfed00900, %eax */
	0x0f, 0x30,				/* 7c27: wrmsr: #GP */
	0xe6, 0x84,				/* 7c29: out %al, $0x84 */
	0xf4,					/* 7c2b: hlt */
	0xe6, 0x8d,				/* 7c2c: #GP (IVT 13): out %al, $0x8d */
	0xf4,					/* 7c2e: hlt */
};

static void apic_msr_vm(struct __test_metadata *_metadata, struct hv_vm *vm)
{
	ASSERT_EQ(0, hv_open(vm));
	ASSERT_EQ(0, hv_create(vm, 2 << 20));
	ASSERT_EQ(0, hv_load_raw(vm, apic_msr_code, sizeof(apic_msr_code)));
	vm->mem[13 * 4] = 0x2c;		/* IVT 13: 0000:7c2c */
	vm->mem[13 * 4 + 1] = 0x7c;
}

static uint16_t run_to_port(struct __test_metadata *_metadata, struct hv_vm *vm,
			    struct hvlab_regs *regs)
{
	EXPECT_EQ(0, hv_run(vm));
	EXPECT_EQ(HVLAB_EXIT_IO, vm->run->exit_reason);
	EXPECT_EQ(0, hv_get_regs(vm, regs));
	return vm->run->io.port;
}

TEST(cpu_features_lapic)
{
	struct hvlab_cpu_features f = { 0 };
	struct hvlab_regs regs;
	struct hv_vm vm;

	/* Without: no APIC in CPUID, IA32_APIC_BASE is #GP */
	apic_msr_vm(_metadata, &vm);
	EXPECT_EQ(0x80, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(0, regs.rdx >> 9 & 1);
	EXPECT_EQ(0x8d, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(0, vm.run->apic_base);
	f.flags = HVLAB_CPU_LAPIC;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, &f));
	EXPECT_EQ(EBUSY, errno);	/* the vCPU ran */
	hv_close(&vm);

	apic_msr_vm(_metadata, &vm);
	f.flags = 1u << 1;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, &f));
	EXPECT_EQ(EINVAL, errno);
	f.flags = HVLAB_CPU_LAPIC;
	f.padding = 1;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, &f));
	EXPECT_EQ(EINVAL, errno);
	f.padding = 0;
	f.reserved[2] = 1;
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, &f));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, vm.run->apic_base);	/* refused: nothing changed */
	f.reserved[2] = 0;
	ASSERT_EQ(0, ioctl(vm.vcpu_fd, HVLAB_SET_CPU_FEATURES, &f));
	EXPECT_EQ(0xfee00900ull, vm.run->apic_base);	/* enabled, the BSP */

	/* With: CPUID.1:EDX.APIC, the MSR's reset value, the enable bit */
	EXPECT_EQ(0x80, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(1, regs.rdx >> 9 & 1);
	EXPECT_EQ(0x81, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(0xfee00900ull, regs.rax & 0xffffffff);
	EXPECT_EQ(0, regs.rdx & 0xffffffff);
	EXPECT_EQ(0x82, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(0xfee00100ull, vm.run->apic_base);
	/* Moving it is #GP, and changes nothing */
	EXPECT_EQ(0x8d, run_to_port(_metadata, &vm, &regs));
	EXPECT_EQ(0xfee00100ull, vm.run->apic_base);
	hv_close(&vm);
}

/* HVLAB_SET_TIMER refuses a period too short or too long, a vector outside 32-255, flags and reserved bits. */
TEST(timer_refusals)
{
	struct hv_vm vm;
	struct guest_result r;
	struct hvlab_timer t;

	ASSERT_EQ(0, hvtest_create(&vm, "hello"));
	t = (struct hvlab_timer){ .period_ns = HVLAB_TIMER_MIN_PERIOD_NS - 1, .vector = 0x20 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = HVLAB_TIMER_MAX_PERIOD_NS + 1, .vector = 0x20 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = ~0ULL, .vector = 0x20 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = 1000000, .vector = 31 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = 1000000, .vector = 256 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = 1000000, .vector = 0x20, .flags = 1 };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	t = (struct hvlab_timer){ .period_ns = 1000000, .vector = 0x20, .reserved = { 0, 1 } };
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* turning it off is always fine; nothing was armed: hello runs as always */
	t = (struct hvlab_timer){ 0 };
	EXPECT_EQ(0, ioctl(vm.vcpu_fd, HVLAB_SET_TIMER, &t));
	ASSERT_EQ(0, hvtest_run_vm(&vm, 0, &r));
	EXPECT_EQ(HVLAB_EXIT_HLT, r.last_exit);
	EXPECT_EQ(0, memcmp("Hello", r.output, 5));
	hv_close(&vm);
}

TEST_HARNESS_MAIN
