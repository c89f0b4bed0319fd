// SPDX-License-Identifier: GPL-2.0
/*
 * gdbstub.c - host-side tests of hvctl gdb's protocol side
 * (userspace/gdbstub.c, linked unchanged): scripted gdb sessions in a
 * buffer, a fake vCPU, and guest RAM in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "gdbstub.h"
#include "commands/hvctl.h"

#define MEM	(2u << 20)

struct fake {
	struct hv_gdb g;
	struct hv_vm vm;
	char in[4096];		/* what gdb sends */
	size_t in_len, in_pos;
	char out[65536];	/* what the stub sent */
	size_t out_len;
	struct hvlab_regs regs;
	struct hvlab_sregs sregs;
	struct hvlab_fpu fpu;	/* an XSAVE image, for the x87 and SSE registers */
	int has_fpu;
	enum hv_gdb_stop next_stop;
	int runs, steps, detached;
	uint64_t seen_gpa;
	uint8_t seen[8];	/* the byte at seen_gpa while the guest "ran", by run */
};

/* In small pieces, so that packets straddle reads. */
static ssize_t fake_recv(struct hv_gdb *g, char *buf, size_t len)
{
	struct fake *f = g->priv;
	size_t n = f->in_len - f->in_pos;

	if (n > 5)
		n = 5;
	if (n > len)
		n = len;
	memcpy(buf, f->in + f->in_pos, n);
	f->in_pos += n;
	return n;
}

static int fake_send(struct hv_gdb *g, const char *buf, size_t len)
{
	struct fake *f = g->priv;

	if (len > sizeof(f->out) - f->out_len - 1)
		return -1;
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = 0;
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

static int fake_get_fpu(struct hv_gdb *g, struct hvlab_fpu *fpu)
{
	struct fake *f = g->priv;

	*fpu = f->fpu;
	return f->has_fpu ? 0 : -1;
}

/* A step moves RIP on by one; any run ends as next_stop says. */
static enum hv_gdb_stop fake_run(struct hv_gdb *g, int step)
{
	struct fake *f = g->priv;

	if (f->runs < (int)sizeof(f->seen))
		f->seen[f->runs] = f->vm.mem[f->seen_gpa];
	f->runs++;
	f->steps += step;
	if (step) {
		f->regs.rip++;
		return GDB_STOP_STEP;
	}
	if (f->next_stop == GDB_STOP_ENDED) {
		f->g.ended = 1;
		f->g.status = 3;	/* as if the guest wrote 1 to port 0xf4 */
	}
	return f->next_stop;
}

static int fake_detach(struct hv_gdb *g)
{
	((struct fake *)g->priv)->detached = 1;
	return 0;
}

static const struct hv_gdb_ops fake_ops = {
	.recv = fake_recv, .send = fake_send, .get_regs = fake_get_regs,
	.set_regs = fake_set_regs, .get_sregs = fake_get_sregs, .get_fpu = fake_get_fpu,
	.run = fake_run, .detach = fake_detach,
};

/* Queue a packet from gdb with its checksum, and gdb's ack of the reply. */
static void add(struct fake *f, const char *data)
{
	unsigned int sum = 0;
	size_t i;

	for (i = 0; data[i]; i++)
		sum += (unsigned char)data[i];
	f->in_len += snprintf(f->in + f->in_len, sizeof(f->in) - f->in_len, "$%s#%02x+",
			      data, sum & 0xff);
}

/* The payload of the stub's n-th packet (from 0), or "(none)". */
static const char *reply(struct fake *f, int n, char *buf, size_t len)
{
	const char *p = f->out, *end;

	for (;;) {
		p = strchr(p, '$');
		if (!p)
			return "(none)";
		end = strchr(p, '#');
		if (!end)
			return "(none)";
		if (!n--)
			break;
		p = end;
	}
	snprintf(buf, len, "%.*s", (int)(end - p - 1), p + 1);
	return buf;
}

FIXTURE(gdb) {
	struct fake *f;
	char buf[GDB_PACKET_SIZE + 1];
};

FIXTURE_SETUP(gdb)
{
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	self->f->vm.mem = calloc(1, MEM);
	self->f->vm.mem_size = MEM;
	ASSERT_NE(NULL, self->f->vm.mem);
	self->f->sregs.cr0 = 0x11;	/* protected mode, paging off */
	ASSERT_EQ(0, hv_gdb_init(&self->f->g, &self->f->vm, HV_GUEST_ELF64, &fake_ops, self->f));
}

FIXTURE_TEARDOWN(gdb)
{
	hv_gdb_release(&self->f->g);
	free(self->f->vm.mem);
	free(self->f);
}

TEST_F(gdb, supported_then_gdb_goes_away)
{
	struct fake *f = self->f;

	add(f, "qSupported:multiprocess+;swbreak+");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_EQ('+', f->out[0]);
	EXPECT_STREQ("PacketSize=4000;qXfer:features:read+;QStartNoAckMode+;swbreak+",
		     reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_EQ(1, f->g.swbreak);
}

/* Audit S4-3: checksum digits that are not hex are a bad checksum (NAK), no shift of -1. */
TEST_F(gdb, non_hex_checksum_is_nakked)
{
	struct fake *f = self->f;

	f->in_len = snprintf(f->in, sizeof(f->in), "$g#zz$g#0z$?#g0");
	add(f, "?");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_EQ(0, strncmp(f->out, "---+$", 5)) TH_LOG("sent %s", f->out);
	EXPECT_STREQ("T05thread:1;", reply(f, 0, self->buf, sizeof(self->buf)));
}

TEST_F(gdb, wrong_checksum_is_nakked_and_no_ack_mode_skips_it)
{
	struct fake *f = self->f;

	f->in_len = snprintf(f->in, sizeof(f->in), "$?#00");
	add(f, "QStartNoAckMode");
	f->in_len += snprintf(f->in + f->in_len, sizeof(f->in) - f->in_len, "$?#zz");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_EQ(0, strncmp(f->out, "-+$OK#", 6)) TH_LOG("sent %s", f->out);
	EXPECT_STREQ("T05thread:1;", reply(f, 1, self->buf, sizeof(self->buf)));
}

TEST_F(gdb, registers)
{
	struct fake *f = self->f;

	f->regs.rax = 0x1122334455667788ULL;
	f->regs.rip = 0x100000;
	add(f, "p0");
	add(f, "P0=0100000000000000");
	add(f, "p10");				/* rip */
	add(f, "P12=08000000");			/* cs: not writable */
	add(f, "p1000");
	add(f, "g");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_STREQ("8877665544332211", reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("OK", reply(f, 1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(1, f->regs.rax);
	EXPECT_STREQ("0000100000000000", reply(f, 2, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E01", reply(f, 3, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E01", reply(f, 4, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, strncmp("0100000000000000", reply(f, 5, self->buf, sizeof(self->buf)), 16));
}

TEST_F(gdb, memory_and_breakpoints)
{
	struct fake *f = self->f;

	add(f, "M100000,4:deadbeef");
	add(f, "Z0,100001,1");
	add(f, "m100000,4");		/* the breakpoint is invisible */
	add(f, "ma0000,1");		/* the VGA hole: no RAM */
	add(f, "M9ffff,2:0102");	/* runs into the hole: all or nothing */
	add(f, "M100000,2:01");		/* short */
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_STREQ("OK", reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("OK", reply(f, 1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0xcc, f->vm.mem[0x100001]);
	EXPECT_STREQ("deadbeef", reply(f, 2, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E0e", reply(f, 3, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E0e", reply(f, 4, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, f->vm.mem[0x9ffff]);
	EXPECT_STREQ("E01", reply(f, 5, self->buf, sizeof(self->buf)));
}

TEST_F(gdb, step_and_continue_off_a_breakpoint)
{
	struct fake *f = self->f;

	f->vm.mem[0x100000] = 0x90;
	f->regs.rip = 0x100000;
	f->seen_gpa = 0x100000;
	f->next_stop = GDB_STOP_BREAKPOINT;
	add(f, "Z0,100000,1");
	add(f, "s");
	add(f, "c100000");	/* from the breakpoint again */
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	/* s: one step, with the guest's byte under the breakpoint */
	EXPECT_STREQ("T05thread:1;", reply(f, 1, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0x90, f->seen[0]);
	/* c: the same step off the breakpoint, then a run with the INT3 back */
	EXPECT_EQ(3, f->runs);
	EXPECT_EQ(2, f->steps);
	EXPECT_EQ(0x90, f->seen[1]);
	EXPECT_EQ(0xcc, f->seen[2]);
	EXPECT_STREQ("T05thread:1;", reply(f, 2, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0xcc, f->vm.mem[0x100000]);
	/* no swbreak: RIP is put after the INT3, as after a real one */
	EXPECT_EQ(0x100002, f->regs.rip);
}

TEST_F(gdb, the_guest_ends)
{
	struct fake *f = self->f;

	f->next_stop = GDB_STOP_ENDED;
	add(f, "c");
	EXPECT_EQ(3, hv_gdb_serve(&f->g));
	EXPECT_STREQ("W03", reply(f, 0, self->buf, sizeof(self->buf)));
}

TEST_F(gdb, detach_takes_the_breakpoints_out)
{
	struct fake *f = self->f;

	f->vm.mem[0x100010] = 0x55;
	add(f, "Z0,100010,1");
	add(f, "D");
	EXPECT_EQ(0, hv_gdb_serve(&f->g));
	EXPECT_EQ(1, f->detached);
	EXPECT_EQ(0x55, f->vm.mem[0x100010]);
}

TEST_F(gdb, target_description)
{
	struct fake *f = self->f;

	add(f, "qXfer:features:read:target.xml:0,15");
	add(f, "qXfer:features:read:target.xml:ffffffff,15");
	add(f, "qXfer:features:read:other.xml:0,15");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_STREQ("m<?xml version=\"1.0\"?>", reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E01", reply(f, 1, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E00", reply(f, 2, self->buf, sizeof(self->buf)));
}

/*
 * x87 and SSE registers from the XSAVE image, in gdb's amd64 numbering:
 * st0 24, fctrl 32, ftag 34, fiseg 35, fioff 36, xmm0 47, mxcsr 63.
 */
TEST_F(gdb, x87_and_sse_registers)
{
	struct fake *f = self->f;
	uint8_t *fx = (uint8_t *)f->fpu.region;
	int i;

	f->has_fpu = 1;
	fx[0] = 0x7f, fx[1] = 0x03;		/* FCW 0x037f */
	fx[3] = 0x38;				/* FSW: TOP = 7, after one FLD */
	fx[4] = 0x80;				/* abridged FTW: physical 7 in use */
	memcpy(fx + 8, "\x55\x44\x33\x22\x11\0\0\0", 8);	/* FIP */
	fx[24] = 0x80, fx[25] = 0x1f;		/* MXCSR 0x1f80 */
	fx[32 + 7] = 0x80, fx[32 + 8] = 0xff, fx[32 + 9] = 0x3f;	/* ST0 = 1.0 */
	for (i = 0; i < 16; i++)
		fx[160 + i] = i;		/* XMM0 */
	add(f, "p18");
	add(f, "p20");
	add(f, "p22");
	add(f, "p23");
	add(f, "p24");
	add(f, "p2f");
	add(f, "p3f");
	add(f, "P2f=000102030405060708090a0b0c0d0e0f");	/* the same value */
	add(f, "P2f=ff0102030405060708090a0b0c0d0e0f");	/* read-only */
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_STREQ("0000000000000080ff3f", reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("7f030000", reply(f, 1, self->buf, sizeof(self->buf)));
	/* physical 7 valid (00), the rest empty (11) */
	EXPECT_STREQ("ff3f0000", reply(f, 2, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("11000000", reply(f, 3, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("55443322", reply(f, 4, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("000102030405060708090a0b0c0d0e0f", reply(f, 5, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("801f0000", reply(f, 6, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("OK", reply(f, 7, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("E01", reply(f, 8, self->buf, sizeof(self->buf)));
}

/* Where HVLAB_GET_FPU fails, gdb is told they are unavailable, and the rest works. */
TEST_F(gdb, x87_and_sse_unavailable_without_the_image)
{
	struct fake *f = self->f;

	f->regs.rax = 7;
	add(f, "p18");
	add(f, "p3f");
	add(f, "p0");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	EXPECT_STREQ("xxxxxxxxxxxxxxxxxxxx", reply(f, 0, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("xxxxxxxx", reply(f, 1, self->buf, sizeof(self->buf)));
	EXPECT_STREQ("0700000000000000", reply(f, 2, self->buf, sizeof(self->buf)));
}

TEST_F(gdb, target_description_has_the_sse_feature)
{
	struct fake *f = self->f;
	const char *xml;

	add(f, "qXfer:features:read:target.xml:0,1fff");
	EXPECT_EQ(STATUS_KILLED, hv_gdb_serve(&f->g));
	xml = reply(f, 0, self->buf, sizeof(self->buf));
	EXPECT_EQ('l', xml[0]) TH_LOG("%.200s", xml);
	EXPECT_NE(NULL, strstr(xml, "<feature name=\"org.gnu.gdb.i386.sse\"><vector id=\"v4f\""));
	EXPECT_NE(NULL, strstr(xml, "<reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\" group=\"vector\"/>"));
	EXPECT_NE(NULL, strstr(xml, "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>"));
	EXPECT_NE(NULL, strstr(xml, "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\" group=\"float\"/>"));
}

TEST_HARNESS_MAIN
