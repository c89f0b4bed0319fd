// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gdb.c - libFuzzer harness for hvctl gdb's protocol side
 * (userspace/gdbstub.c, linked unchanged) with the real page walker
 * (userspace/lib/guest_mem.c) on a 2 MiB guest RAM image.
 *
 * Input: one configuration byte, then what gdb sends. The byte picks
 * the guest (bits 1:0: a boot sector, ELF32 with paging off, or ELF64
 * with hvctl's identity map of the low 4 GiB) and how the bytes arrive
 * (bits 7:4: in pieces of that many, 0 for all at once). A fake vCPU
 * answers register reads and writes, and runs: a step moves RIP on, a
 * continue stops at a breakpoint if there is one, else as RAX says.
 *
 * Every packet the stub sends must be well formed: "$", a payload with
 * no unescaped '$' or '#', "#" and the right checksum; or an ack.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gdbstub.h"
#include "commands/hvctl.h"

#define MEM_SIZE	(2u << 20)

/*
 * The stub writes messages ("gdb closed the connection") to stderr, at
 * the end of every input: they go to /dev/null, and what a failed check
 * says goes to the real stderr (assert() would write to /dev/null).
 */
static FILE *errors;
#define CHECK(x) do { \
	if (!(x)) { \
		fprintf(errors, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #x); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fake {
	const uint8_t *in;
	size_t in_len, in_pos, piece;
	struct hvlab_regs regs;
	struct hvlab_sregs sregs;
	int detached;
};

static ssize_t fake_recv(struct hv_gdb *g, char *buf, size_t len)
{
	struct fake *f = g->priv;
	size_t n = f->in_len - f->in_pos;

	if (f->piece && n > f->piece)
		n = f->piece;
	if (n > len)
		n = len;
	memcpy(buf, f->in + f->in_pos, n);
	f->in_pos += n;
	return n;
}

static int fake_send(struct hv_gdb *g, const char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int sum = 0;
	size_t i;

	CHECK(len >= 1);
	if (len == 1 && (buf[0] == '+' || buf[0] == '-'))
		return 0;
	CHECK(len >= 4 && buf[0] == '$' && buf[len - 3] == '#');
	for (i = 1; i < len - 3; i++) {
		CHECK(buf[i] != '$' && buf[i] != '#');
		sum += (unsigned char)buf[i];
	}
	CHECK(buf[len - 2] == hex[(sum >> 4) & 15] && buf[len - 1] == hex[sum & 15]);
	return 0;
}

static int fake_get_regs(struct hv_gdb *g, struct hvlab_regs *regs)
{
	*regs = ((struct fake *)g->priv)->regs;
	return 0;
}

static int fake_set_regs(struct hv_gdb *g, const struct hvlab_regs *regs)
{
	((struct fake *)g->priv)->regs = *regs;
	return 0;
}

static int fake_get_sregs(struct hv_gdb *g, struct hvlab_sregs *sregs)
{
	*sregs = ((struct fake *)g->priv)->sregs;
	return 0;
}

/* An XSAVE image that follows the guest's registers, or none when RSI is odd */
static int fake_get_fpu(struct hv_gdb *g, struct hvlab_fpu *fpu)
{
	struct fake *f = g->priv;
	size_t i;

	for (i = 0; i < 128; i++)	/* the legacy region */
		fpu->region[i] = (uint32_t)(f->regs.rdi * (i + 1) >> (i % 32));
	return f->regs.rsi & 1 ? -1 : 0;
}

static enum hv_gdb_stop fake_run(struct hv_gdb *g, int step)
{
	struct fake *f = g->priv;
	size_t i;

	if (f->regs.rdx & 1) {		/* the guest writes over its code */
		for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
			if (g->bp[i].used)
				g->vm->mem[g->bp[i].gpa] = 0x90;
	}
	if (step) {
		f->regs.rip++;
		return GDB_STOP_STEP;
	}
	for (i = 0; i < GDB_MAX_BREAKPOINTS; i++) {
		if (g->bp[i].used) {
			f->regs.rip = g->bp[i].addr;
			return GDB_STOP_BREAKPOINT;
		}
	}
	if (f->regs.rcx & 1)
		g->gdb_gone = 1;
	switch (f->regs.rax % 4) {
	case 0:
		g->ended = 1;
		g->status = f->regs.rbx & 0xff;
		return GDB_STOP_ENDED;
	case 1:
		return GDB_STOP_INTERRUPT;
	case 2:
		return GDB_STOP_ERROR;
	default:
		return GDB_STOP_STEP;
	}
}

static int fake_detach(struct hv_gdb *g)
{
	struct fake *f = g->priv;
	size_t i;

	for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
		CHECK(!g->bp[i].used);
	f->detached = 1;
	return 0;
}

static const struct hv_gdb_ops fake_ops = {
	.recv = fake_recv, .send = fake_send, .get_regs = fake_get_regs,
	.set_regs = fake_set_regs, .get_sregs = fake_get_sregs, .get_fpu = fake_get_fpu,
	.run = fake_run, .detach = fake_detach,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	errors = stderr;
	stderr = fopen("/dev/null", "w");
	return 0;
}

/* What hvctl's ELF loader builds for long mode: identity map of 4 GiB in 2 MiB pages */
static void identity_map(uint8_t *mem)
{
	uint64_t e;
	unsigned int i;

	e = HV_PDPT_ADDR | 3;
	memcpy(mem + HV_PML4_ADDR, &e, 8);
	for (i = 0; i < 4; i++) {
		e = (HV_PD_ADDR + i * 4096) | 3;
		memcpy(mem + HV_PDPT_ADDR + 8 * i, &e, 8);
	}
	for (i = 0; i < 4 * 512; i++) {
		e = (uint64_t)i << 21 | 0x83;
		memcpy(mem + HV_PD_ADDR + 8 * i, &e, 8);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_gdb g;
	static uint8_t *mem;
	enum hv_guest_format format;
	struct fake f = { 0 };
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	int status, i;

	if (!mem) {
		/* guard pages on both sides: an access outside RAM faults */
		mem = mmap(NULL, MEM_SIZE + 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
		CHECK(mem != MAP_FAILED);
		mem += 4096;
		CHECK(!mprotect(mem, MEM_SIZE, PROT_READ | PROT_WRITE));
	}
	if (!size)
		return 0;
	vm.mem = mem;
	vm.mem_size = MEM_SIZE;
	f.in = data + 1;
	f.in_len = size - 1;
	f.piece = data[0] >> 4;
	f.regs.rip = 0x100000;
	f.regs.rflags = 2;
	switch (data[0] & 3) {
	case 0:
		format = HV_GUEST_RAW16;
		f.sregs.cr0 = 0x10;
		f.regs.rip = 0x7c00;
		break;
	case 1:
		format = HV_GUEST_ELF32;
		f.sregs.cr0 = 0x11;
		break;
	default:
		format = HV_GUEST_ELF64;
		f.sregs.cr0 = 0x80000031;
		f.sregs.cr3 = HV_PML4_ADDR;
		f.sregs.cr4 = 0x20;
		f.sregs.efer = 0x500;
		identity_map(mem);
		break;
	}
	CHECK(!hv_gdb_init(&g, &vm, format, &fake_ops, &f));
	status = hv_gdb_serve(&g);
	CHECK(status >= 0 && status <= 255);
	if (f.detached) {
		for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
			CHECK(!g.bp[i].used);
	}
	hv_gdb_release(&g);
	/* fresh RAM for the next input: the kernel drops the pages written */
	madvise(mem, MEM_SIZE, MADV_DONTNEED);
	return 0;
}
