// SPDX-License-Identifier: GPL-2.0
/*
 * compat.c - a 32-bit process runs a guest through hvlab's compat_ioctl
 * (issue 9, S2-1). Built -m32 and freestanding, with raw int $0x80 system
 * calls: the lab VM has no 32-bit C library. Installed as /tests/compat32.
 *
 * A 32-bit process runs with __USER32_DS in DS and ES. VM exit loads null
 * selectors there (SDM 28.5.2): unless hvlab puts them back, this
 * program's first data access after HVLAB_RUN faults and it dies with
 * SIGSEGV before it can print anything. The ioctl structures have the
 * same layout for 32- and 64-bit callers (explicit padding), so the ioctl
 * numbers match too.
 */
#include "../../include/uapi/hvlab.h"

#define NR_EXIT		1
#define NR_WRITE	4
#define NR_OPEN		5
#define NR_CLOSE	6
#define NR_IOCTL	54
#define NR_MMAP2	192
#define O_RDWR		2
#define PROT_RW		3
#define MAP_SHARED	1
#define MAP_PRIVATE_ANON 0x22
#define GUEST_MEM	0x100000

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;

	__asm__ volatile("push %%ebp\n\tmov %7, %%ebp\n\tint $0x80\n\tpop %%ebp"
			 : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "m"(f)
			 : "memory");
	return ret;
}

static unsigned long len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys(NR_WRITE, 1, (long)s, len(s), 0, 0, 0);
}

static int n, failed;

static void ok(int good, const char *what)
{
	char num[4] = { '0' + (n + 1) / 10 % 10, '0' + (n + 1) % 10, ' ', 0 };

	n++;
	failed |= !good;
	say(good ? "ok " : "not ok ");
	say(num[0] == '0' ? num + 1 : num);
	say(what);
	say("\n");
}

static unsigned short read_ds(void)
{
	unsigned short v;

	__asm__ volatile("mov %%ds, %0" : "=r"(v));
	return v;
}

/* mov $'K',%al; out %al,$0xe9; cli; hlt */
static const unsigned char guest[] = { 0xb0, 0x4b, 0xe6, 0xe9, 0xfa, 0xf4 };

void _start(void)
{
	struct hvlab_memory_region region = { 0 };
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;
	struct hvlab_run *run;
	unsigned char *mem;
	unsigned short ds = read_ds();
	long dev, vm, vcpu, ret;
	unsigned int i;

	say("TAP version 13\n1..6\n");
	dev = sys(NR_OPEN, (long)"/dev/hvlab", O_RDWR, 0, 0, 0, 0);
	vm = sys(NR_IOCTL, dev, HVLAB_CREATE_VM, 0, 0, 0, 0);
	mem = (unsigned char *)sys(NR_MMAP2, 0, GUEST_MEM, PROT_RW, MAP_PRIVATE_ANON, -1, 0);
	ok(dev >= 0 && vm >= 0 && (unsigned long)mem < 0xfffff000UL,
	   "a 32-bit process opens /dev/hvlab and creates a VM");
	for (i = 0; i < sizeof(guest); i++)
		mem[0x7c00 + i] = guest[i];
	region.memory_size = GUEST_MEM;
	region.userspace_addr = (unsigned long)mem;
	ret = sys(NR_IOCTL, vm, HVLAB_SET_MEMORY_REGION, (long)&region, 0, 0, 0);
	vcpu = sys(NR_IOCTL, vm, HVLAB_CREATE_VCPU, 0, 0, 0, 0);
	run = (struct hvlab_run *)sys(NR_MMAP2, 0, 4096, PROT_RW, MAP_SHARED, vcpu, 0);
	ok(ret == 0 && vcpu >= 0 && (unsigned long)run < 0xfffff000UL,
	   "its memory region, vCPU and run page, through compat_ioctl");
	/* Real mode at 0000:7c00, as hv_load_raw() sets it up */
	ret = sys(NR_IOCTL, vcpu, HVLAB_GET_SREGS, (long)&sregs, 0, 0, 0);
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.cr0 = 0x10;
	ret |= sys(NR_IOCTL, vcpu, HVLAB_SET_SREGS, (long)&sregs, 0, 0, 0);
	ret |= sys(NR_IOCTL, vcpu, HVLAB_GET_REGS, (long)&regs, 0, 0, 0);
	regs.rip = 0x7c00;
	regs.rsp = 0x7c00;
	regs.rflags = 2;
	ret |= sys(NR_IOCTL, vcpu, HVLAB_SET_REGS, (long)&regs, 0, 0, 0);
	ok(ret == 0, "registers set");
	/* From here on, a null DS would be fatal: this is the test. */
	ret = sys(NR_IOCTL, vcpu, HVLAB_RUN, 0, 0, 0, 0);
	ok(ret == 0 && run->exit_reason == HVLAB_EXIT_IO && run->io.port == 0xe9 &&
	   (run->io.data & 0xff) == 'K', "HVLAB_RUN: the guest's OUT of 'K' to port 0xe9");
	ret = sys(NR_IOCTL, vcpu, HVLAB_RUN, 0, 0, 0, 0);
	ok(ret == 0 && run->exit_reason == HVLAB_EXIT_HLT, "HVLAB_RUN: then HLT");
	ok(read_ds() == ds, "DS is the process's own again after HVLAB_RUN");
	sys(NR_CLOSE, vcpu, 0, 0, 0, 0, 0);
	sys(NR_CLOSE, vm, 0, 0, 0, 0, 0);
	sys(NR_CLOSE, dev, 0, 0, 0, 0, 0);
	sys(NR_EXIT, failed, 0, 0, 0, 0, 0);
	for (;;)
		;
}
