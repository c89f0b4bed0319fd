// SPDX-License-Identifier: GPL-2.0
/*
 * gdbstub - the GDB remote serial protocol for an hvlab guest (gdbstub.h).
 *
 *   registers   g/G/p/P, laid out by a target description
 *               (qXfer:features:read) built from the tables below, so that
 *               the two cannot disagree;
 *   memory      m/M at linear addresses, through the guest's page tables;
 *   breakpoints Z0/z0 write INT3 (0xCC) into guest memory;
 *   watchpoints Z2-Z4/z2-z4 take rights from the watched bytes' page
 *               (ops->protect: EPT, HVLAB_SET_MEMORY_ATTRIBUTES); ops->run
 *               steps over each access that exits and reports the hits;
 *   running     c/s/C/S through ops->run, which steps or runs until a
 *               breakpoint, a Ctrl-C or the guest's end (W or X).
 *
 * Everything here comes from gdb, so it is parsed with care: the packets
 * are what tests/fuzz/fuzz_gdb.c feeds it. hvctl gdb's socket and vCPU
 * are in commands/gdb.c.
 * Protocol: https://sourceware.org/gdb/current/onlinedocs/gdb.html/Remote-Protocol.html
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub.h"
#include "lib/guest_mem.h"
#include "commands/hvctl.h"

#define GDB_SIGINT		2	/* gdb's signal numbers */
#define GDB_SIGTRAP		5
#define GDB_SIGABRT		6
#define GDB_SIGSEGV		11

#define INT3			0xcc

/* Where a register's value lives. */
enum reg_kind {
	REG_GPR,		/* a __u64 in struct hvlab_regs (rip, rflags too) */
	REG_SELECTOR,		/* a struct hvlab_segment in hvlab_sregs: selector */
	REG_SEG_BASE,		/* ... its base */
	REG_SREG,		/* a __u64 in struct hvlab_sregs (CRs, EFER) */
	REG_FPU,		/* bytes of the XSAVE image's legacy region (HVLAB_GET_FPU) */
	REG_FPU_TAG,		/* x87 tag word, from the image's abridged one */
};

struct gdb_reg {
	const char *name;
	unsigned int bits;
	const char *type;
	const char *feature;	/* the target-description feature it is in */
	enum reg_kind kind;
	size_t offset;
	unsigned int width;	/* REG_FPU: bytes in the image, zero-extended to bits */
};

/* What a register read needs: the vCPU's state at this stop. */
struct gdb_state {
	struct hvlab_regs regs;
	struct hvlab_sregs sregs;
	struct hvlab_fpu fpu;
	int has_fpu;		/* else the FPU registers are <unavailable> */
};

#define CORE	"org.gnu.gdb.i386.core"
#define SEGS	"org.gnu.gdb.i386.segments"
#define SYS	"org.hvlab.x86.sys"	/* hvlab's own: control registers, read-only */
#define GPR(n, r, t)	{ n, 64, t, CORE, REG_GPR, offsetof(struct hvlab_regs, r), 0 }
#define GPR32(n, r, t)	{ n, 32, t, CORE, REG_GPR, offsetof(struct hvlab_regs, r), 0 }
#define SEL(s)		{ #s, 32, "int32", CORE, REG_SELECTOR, offsetof(struct hvlab_sregs, s), 0 }
/*
 * x87 and SSE registers from the FXSAVE layout at the start of the XSAVE
 * image (SDM 10.5.1, Table 10-2; 64-bit format, as the kernel saves it):
 * FCW 0, FSW 2, abridged FTW 4, FOP 6, FIP 8 (64 bits), FDP 16, MXCSR
 * 24, ST0-7 from 32 in 16-byte slots, XMM0-15 from 160. gdb's fiseg and
 * foseg are the upper halves of FIP and FDP, as gdb's amd64 FXSAVE
 * reader takes them.
 */
#define FPU(n, b, t, off, w)	{ n, b, t, CORE, REG_FPU, off, w }
#define ST(i)		FPU("st" #i, 80, "i387_ext", 32 + 16 * (i), 10)
#define X87 \
	ST(0), ST(1), ST(2), ST(3), ST(4), ST(5), ST(6), ST(7), \
	FPU("fctrl", 32, "int", 0, 2), FPU("fstat", 32, "int", 2, 2), \
	{ "ftag", 32, "int", CORE, REG_FPU_TAG, 4, 1 }, \
	FPU("fiseg", 32, "int", 12, 4), FPU("fioff", 32, "int", 8, 4), \
	FPU("foseg", 32, "int", 20, 4), FPU("fooff", 32, "int", 16, 4), \
	FPU("fop", 32, "int", 6, 2)
#define SSE_FEATURE	"org.gnu.gdb.i386.sse"
#define XMM(i)		{ "xmm" #i, 128, "vec128", SSE_FEATURE, REG_FPU, 160 + 16 * (i), 16 }
#define MXCSR		{ "mxcsr", 32, "i386_mxcsr", SSE_FEATURE, REG_FPU, 24, 4 }
#define CRS(b) \
	{ "cr0", b, "int", SYS, REG_SREG, offsetof(struct hvlab_sregs, cr0), 0 }, \
	{ "cr2", b, "int", SYS, REG_SREG, offsetof(struct hvlab_sregs, cr2), 0 }, \
	{ "cr3", b, "int", SYS, REG_SREG, offsetof(struct hvlab_sregs, cr3), 0 }, \
	{ "cr4", b, "int", SYS, REG_SREG, offsetof(struct hvlab_sregs, cr4), 0 }, \
	{ "efer", 64, "int", SYS, REG_SREG, offsetof(struct hvlab_sregs, efer), 0 }

/* gdb's amd64 register order (gdb/features/i386/64bit-core.xml) */
static const struct gdb_reg regs64[] = {
	GPR("rax", rax, "int64"), GPR("rbx", rbx, "int64"), GPR("rcx", rcx, "int64"),
	GPR("rdx", rdx, "int64"), GPR("rsi", rsi, "int64"), GPR("rdi", rdi, "int64"),
	GPR("rbp", rbp, "data_ptr"), GPR("rsp", rsp, "data_ptr"),
	GPR("r8", r8, "int64"), GPR("r9", r9, "int64"), GPR("r10", r10, "int64"),
	GPR("r11", r11, "int64"), GPR("r12", r12, "int64"), GPR("r13", r13, "int64"),
	GPR("r14", r14, "int64"), GPR("r15", r15, "int64"),
	GPR("rip", rip, "code_ptr"), GPR32("eflags", rflags, "i386_eflags"),
	SEL(cs), SEL(ss), SEL(ds), SEL(es), SEL(fs), SEL(gs),
	X87,
	{ "fs_base", 64, "int", SEGS, REG_SEG_BASE, offsetof(struct hvlab_sregs, fs), 0 },
	{ "gs_base", 64, "int", SEGS, REG_SEG_BASE, offsetof(struct hvlab_sregs, gs), 0 },
	CRS(64),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	XMM(8), XMM(9), XMM(10), XMM(11), XMM(12), XMM(13), XMM(14), XMM(15),
	MXCSR,
};

/* gdb's i386 register order (gdb/features/i386/32bit-core.xml) */
static const struct gdb_reg regs32[] = {
	GPR32("eax", rax, "int32"), GPR32("ecx", rcx, "int32"), GPR32("edx", rdx, "int32"),
	GPR32("ebx", rbx, "int32"), GPR32("esp", rsp, "data_ptr"), GPR32("ebp", rbp, "data_ptr"),
	GPR32("esi", rsi, "int32"), GPR32("edi", rdi, "int32"),
	GPR32("eip", rip, "code_ptr"), GPR32("eflags", rflags, "i386_eflags"),
	SEL(cs), SEL(ss), SEL(ds), SEL(es), SEL(fs), SEL(gs),
	X87,
	CRS(32),
	XMM(0), XMM(1), XMM(2), XMM(3), XMM(4), XMM(5), XMM(6), XMM(7),
	MXCSR,
};

static const char eflags_type[] =
	"<flags id=\"i386_eflags\" size=\"4\">"
	"<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"PF\" start=\"2\" end=\"2\"/>"
	"<field name=\"AF\" start=\"4\" end=\"4\"/>"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
	"<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
	"<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
	"<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
	"<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
	"<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
	"<field name=\"ID\" start=\"21\" end=\"21\"/></flags>";

/* gdb's own types for the SSE feature (gdb/features/i386/64bit-sse.xml) */
static const char sse_types[] =
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
	"<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
	"<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
	"<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
	"<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
	"</union>"
	"<flags id=\"i386_mxcsr\" size=\"4\">"
	"<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
	"<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
	"<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
	"<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
	"<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
	"<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>"
	"</flags>";

/* --- Packets ----------------------------------------------------------- */

/* The next byte from gdb, or -1 when it has gone. */
static int get_byte(struct hv_gdb *g)
{
	ssize_t n;

	if (g->in_pos == g->in_len) {
		g->in_pos = g->in_len = 0;
		n = g->ops->recv(g, g->in, sizeof(g->in));
		if (n <= 0)
			return -1;
		g->in_len = n;
	}
	return (unsigned char)g->in[g->in_pos++];
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Send one packet and, unless acks are off, wait for gdb's '+'. */
static int send_packet(struct hv_gdb *g, const char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char *buf = malloc(len + 4);
	unsigned int sum = 0;
	size_t i;
	int c, ret = -1;

	if (!buf)
		return -1;
	buf[0] = '$';
	for (i = 0; i < len; i++)
		sum += (unsigned char)(buf[i + 1] = data[i]);
	buf[len + 1] = '#';
	buf[len + 2] = hex[(sum >> 4) & 15];
	buf[len + 3] = hex[sum & 15];
	for (;;) {
		if (g->ops->send(g, buf, len + 4))
			break;
		if (g->no_ack) {
			ret = 0;
			break;
		}
		do
			c = get_byte(g);
		while (c >= 0 && c != '+' && c != '-');
		if (c != '-') {
			ret = c == '+' ? 0 : -1;
			break;
		}
	}
	free(buf);
	return ret;
}

static int send_str(struct hv_gdb *g, const char *s)
{
	return send_packet(g, s, strlen(s));
}

static int send_fmt(struct hv_gdb *g, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return send_str(g, buf);
}

/*
 * Receive one packet into buf (NUL-terminated); its length, or -1 when
 * gdb has gone. Acks and a Ctrl-C while the guest is stopped are skipped.
 */
static int recv_packet(struct hv_gdb *g, char *buf, size_t size)
{
	unsigned int sum, want;
	size_t len;
	int c, hi, lo;

	for (;;) {
		do
			c = get_byte(g);
		while (c >= 0 && c != '$');
		if (c < 0)
			return -1;
		len = 0;
		sum = 0;
		while ((c = get_byte(g)) >= 0 && c != '#') {
			sum += c;
			if (len < size - 1)
				buf[len++] = c;
		}
		hi = get_byte(g);
		lo = get_byte(g);
		if (c < 0 || hi < 0 || lo < 0)
			return -1;
		buf[len] = 0;
		/* not hex: a bad checksum (0x100 matches no sum), not -1 << 4 (UB) */
		hi = hexval(hi);
		lo = hexval(lo);
		want = hi < 0 || lo < 0 ? 0x100 : (unsigned int)(hi << 4 | lo);
		if (g->no_ack)
			return len;
		if ((sum & 0xff) == want && len < size - 1) {
			if (g->ops->send(g, "+", 1))
				return -1;
			return len;
		}
		if (g->ops->send(g, "-", 1))
			return -1;
	}
}

/* Parse hex digits up to a non-hex character; *end points there. */
static uint64_t parse_hex(const char *s, const char **end)
{
	uint64_t v = 0;
	int d;

	while ((d = hexval(*s)) >= 0) {
		v = v << 4 | d;
		s++;
	}
	*end = s;
	return v;
}

/* "ADDR,LEN" then sep; 0, or -1 if malformed */
static int parse_addr_len(const char *s, char sep, uint64_t *addr, uint64_t *len,
			  const char **rest)
{
	const char *p;

	*addr = parse_hex(s, &p);
	if (p == s || *p != ',')
		return -1;
	s = p + 1;
	*len = parse_hex(s, &p);
	if (p == s || *p != sep)
		return -1;
	*rest = p + (sep ? 1 : 0);
	return 0;
}

static void put_hex_bytes(char *out, const uint8_t *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * n] = 0;
}

static int get_hex_bytes(const char *in, uint8_t *bytes, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hexval(in[2 * i]);
		lo = hi < 0 ? -1 : hexval(in[2 * i + 1]);
		if (lo < 0)
			return -1;
		bytes[i] = hi << 4 | lo;
	}
	return 0;
}

/* --- Target description -------------------------------------------------- */

/* gdb's register group for the FPU ones: "info float" and "info vector" */
static const char *reg_group(const struct gdb_reg *r)
{
	if (r->kind != REG_FPU && r->kind != REG_FPU_TAG)
		return "";
	return strcmp(r->feature, SSE_FEATURE) ? " group=\"float\"" : " group=\"vector\"";
}

static char *build_target_xml(const struct gdb_reg *regs, size_t n, const char *arch)
{
	size_t size = 16384, len = 0, i;
	char *xml = malloc(size);
	const char *feature = NULL;

	if (!xml)
		return NULL;
#define ADD(...) (len += snprintf(xml + len, len < size ? size - len : 0, __VA_ARGS__))
	/* osabi none: the guests are bare metal, whatever gdb's default */
	ADD("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	    "<target version=\"1.0\"><architecture>%s</architecture><osabi>none</osabi>", arch);
	for (i = 0; i < n; i++) {
		if (!feature || strcmp(feature, regs[i].feature)) {
			if (feature)
				ADD("</feature>");
			feature = regs[i].feature;
			ADD("<feature name=\"%s\">%s", feature,
			    !strcmp(feature, CORE) ? eflags_type :
			    !strcmp(feature, SSE_FEATURE) ? sse_types : "");
		}
		ADD("<reg name=\"%s\" bitsize=\"%u\" type=\"%s\"%s/>", regs[i].name, regs[i].bits,
		    regs[i].type, reg_group(&regs[i]));
	}
	ADD("</feature></target>");
#undef ADD
	if (len >= size) {
		free(xml);
		return NULL;
	}
	return xml;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static int send_xfer(struct hv_gdb *g, const char *args)
{
	const char *rest;
	uint64_t off, len, total = strlen(g->xml), i;
	char *out;
	size_t n = 0;
	int ret;

	if (strncmp(args, "target.xml:", 11))
		return send_str(g, "E00");
	if (parse_addr_len(args + 11, 0, &off, &len, &rest))
		return send_str(g, "E01");
	if (off > total)
		return send_str(g, "E01");
	if (len > GDB_PACKET_SIZE / 2)
		len = GDB_PACKET_SIZE / 2;
	out = malloc(2 * len + 2);
	if (!out)
		return send_str(g, "E0c");
	out[n++] = off + len >= total ? 'l' : 'm';
	for (i = off; i < total && i < off + len; i++) {
		char c = g->xml[i];

		if (c == '$' || c == '#' || c == '}' || c == '*') {	/* binary escape */
			out[n++] = '}';
			c ^= 0x20;
		}
		out[n++] = c;
	}
	ret = send_packet(g, out, n);
	free(out);
	return ret;
}

/* --- Registers ----------------------------------------------------------- */

static int read_state(struct hv_gdb *g, struct gdb_state *st)
{
	if (g->ops->get_regs(g, &st->regs) || g->ops->get_sregs(g, &st->sregs)) {
		fprintf(stderr, "hvctl gdb: cannot read the guest's registers: %s\n", strerror(errno));
		return -1;
	}
	/* Without them gdb shows <unavailable>, and everything else works. */
	st->has_fpu = g->ops->get_fpu && !g->ops->get_fpu(g, &st->fpu);
	return 0;
}

static void *reg_field(const struct gdb_reg *r, struct gdb_state *st)
{
	return (r->kind == REG_GPR ? (char *)&st->regs : (char *)&st->sregs) + r->offset;
}

/*
 * The full x87 tag word from FXSAVE's abridged one (SDM 10.5.1): 2 bits
 * per physical register, 11 (empty) where the abridged bit is 0, else
 * what the register holds: 01 zero, 10 special (NaN, infinity, denormal,
 * unsupported), 00 valid. ST(i) is physical register (TOP + i) mod 8.
 */
static uint32_t x87_tag_word(const uint8_t *fx)
{
	unsigned int top = (fx[2] | fx[3] << 8) >> 11 & 7, phys, tag;
	uint32_t word = 0;

	for (phys = 0; phys < 8; phys++) {
		const uint8_t *st = fx + 32 + 16 * ((phys - top) & 7);
		unsigned int exponent = (st[8] | st[9] << 8) & 0x7fff;
		uint64_t mantissa;

		memcpy(&mantissa, st, 8);
		if (!(fx[4] >> phys & 1))
			tag = 3;
		else if (exponent == 0x7fff)
			tag = 2;
		else if (exponent == 0)
			tag = mantissa ? 2 : 1;
		else
			tag = mantissa >> 63 ? 0 : 2;
		word |= tag << (2 * phys);
	}
	return word;
}

/* One register as target-order hex (x's if unavailable) at out. */
static size_t put_reg(const struct gdb_reg *r, struct gdb_state *st, char *out)
{
	const uint8_t *fx = (const uint8_t *)st->fpu.region;
	size_t bytes = r->bits / 8;
	uint8_t le[16] = { 0 };
	uint64_t v = 0;
	size_t i;

	switch (r->kind) {
	case REG_GPR:
	case REG_SREG:
		v = *(uint64_t *)reg_field(r, st);
		break;
	case REG_SELECTOR:
		v = ((struct hvlab_segment *)reg_field(r, st))->selector;
		break;
	case REG_SEG_BASE:
		v = ((struct hvlab_segment *)reg_field(r, st))->base;
		break;
	case REG_FPU:
	case REG_FPU_TAG:
		if (!st->has_fpu) {
			memset(out, 'x', 2 * bytes);
			return 2 * bytes;
		}
		if (r->kind == REG_FPU_TAG) {
			v = x87_tag_word(fx);
			break;
		}
		memcpy(le, fx + r->offset, r->width);
		put_hex_bytes(out, le, bytes);
		return 2 * bytes;
	}
	for (i = 0; i < bytes && i < 8; i++)
		le[i] = v >> (8 * i);
	put_hex_bytes(out, le, bytes);
	return 2 * bytes;
}

/*
 * Set a register from target-order hex. Only the general registers, RIP
 * and RFLAGS can be written: a selector alone would not match its
 * hidden base and limit, and hvlab owns the control registers; the x87
 * and SSE registers are read-only here too. A value equal to the current
 * one is accepted everywhere (gdb's G packet sends them all), and so is
 * anything for a register gdb was told is unavailable. -1 if refused.
 */
static int set_reg(const struct gdb_reg *r, const char *hex, struct gdb_state *st, int *changed)
{
	size_t bytes = r->bits / 8, i;
	char cur[2 * 16 + 1];
	uint64_t v = 0, mask;
	uint8_t le[8];

	put_reg(r, st, cur);
	if (!strncasecmp(cur, hex, 2 * bytes) || cur[0] == 'x')
		return 0;
	if (r->kind != REG_GPR || get_hex_bytes(hex, le, bytes))
		return -1;
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)le[i] << (8 * i);
	mask = bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
	/* a 32-bit register keeps the upper half it had */
	*(uint64_t *)reg_field(r, st) = (*(uint64_t *)reg_field(r, st) & ~mask) | (v & mask);
	*changed = 1;
	return 0;
}

static int cmd_read_regs(struct hv_gdb *g)
{
	struct gdb_state st;
	char out[GDB_PACKET_SIZE];
	size_t i, n = 0;

	if (read_state(g, &st))
		return send_str(g, "E05");
	for (i = 0; i < g->nregs; i++)
		n += put_reg(&g->regs[i], &st, out + n);
	return send_packet(g, out, n);
}

static int cmd_write_regs(struct hv_gdb *g, const char *hex)
{
	struct gdb_state st;
	size_t i, pos = 0;
	int changed = 0;

	if (read_state(g, &st))
		return send_str(g, "E05");
	for (i = 0; i < g->nregs; i++) {
		size_t len = g->regs[i].bits / 4;

		if (strlen(hex + pos) < len)
			break;		/* gdb may send fewer registers */
		if (set_reg(&g->regs[i], hex + pos, &st, &changed))
			return send_str(g, "E01");
		pos += len;
	}
	if (changed && g->ops->set_regs(g, &st.regs))
		return send_str(g, "E05");
	return send_str(g, "OK");
}

static int cmd_read_reg(struct hv_gdb *g, const char *args)
{
	struct gdb_state st;
	const char *end;
	uint64_t n = parse_hex(args, &end);
	char out[2 * 16 + 1];

	if (end == args || *end || n >= g->nregs)
		return send_str(g, "E01");
	if (read_state(g, &st))
		return send_str(g, "E05");
	out[put_reg(&g->regs[n], &st, out)] = 0;
	return send_str(g, out);
}

static int cmd_write_reg(struct hv_gdb *g, const char *args)
{
	struct gdb_state st;
	const char *end;
	uint64_t n = parse_hex(args, &end);
	int changed = 0;

	if (end == args || *end != '=' || n >= g->nregs ||
	    strlen(end + 1) != g->regs[n].bits / 4)
		return send_str(g, "E01");
	if (read_state(g, &st))
		return send_str(g, "E05");
	if (set_reg(&g->regs[n], end + 1, &st, &changed))
		return send_str(g, "E01");
	if (changed && g->ops->set_regs(g, &st.regs))
		return send_str(g, "E05");
	return send_str(g, "OK");
}

/* --- Memory -------------------------------------------------------------- */

static struct hv_gdb_breakpoint *breakpoint_at_gpa(struct hv_gdb *g, uint64_t gpa)
{
	size_t i;

	for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
		if (g->bp[i].used && g->bp[i].gpa == gpa)
			return &g->bp[i];
	return NULL;
}

struct hv_gdb_breakpoint *hv_gdb_breakpoint_at(struct hv_gdb *g, uint64_t addr)
{
	size_t i;

	for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
		if (g->bp[i].used && g->bp[i].addr == addr)
			return &g->bp[i];
	return NULL;
}

/* The guest RAM byte behind linear address la: 0, or -1 if none. */
static int ram_at(struct hv_gdb *g, const struct hvlab_sregs *sregs, uint64_t la, uint64_t *gpa)
{
	struct hv_translation tr;

	if (hv_gla_translate(g->vm, sregs, la, &tr, NULL, 0) || !hv_gpa_is_ram(g->vm, tr.gpa, 1))
		return -1;
	*gpa = tr.gpa;
	return 0;
}

/*
 * Copy guest memory at linear addr to or from buf, byte by byte (pages
 * need not be contiguous). Breakpoints stay invisible: a read shows the
 * guest's byte, a write there changes the byte kept for the guest.
 * Returns how many bytes could be read; a write is all or nothing.
 */
static size_t access_memory(struct hv_gdb *g, uint64_t addr, uint8_t *buf, size_t len, int write)
{
	struct hvlab_sregs sregs;
	struct hv_gdb_breakpoint *bp;
	uint64_t gpa;
	size_t i, n;

	if (g->ops->get_sregs(g, &sregs))
		return 0;
	for (n = 0; n < len && !ram_at(g, &sregs, addr + n, &gpa); n++)
		;
	if (write && n < len)
		return n;
	for (i = 0; i < n; i++) {
		ram_at(g, &sregs, addr + i, &gpa);
		bp = breakpoint_at_gpa(g, gpa);
		if (write && bp)
			bp->saved = buf[i];
		else if (write)
			g->vm->mem[gpa] = buf[i];
		else
			buf[i] = bp ? bp->saved : g->vm->mem[gpa];
	}
	return n;
}

static int cmd_read_mem(struct hv_gdb *g, const char *args)
{
	uint64_t addr, len;
	const char *rest;
	uint8_t buf[GDB_PACKET_SIZE / 2];
	char out[GDB_PACKET_SIZE + 1];
	size_t n;

	if (parse_addr_len(args, 0, &addr, &len, &rest) || *rest)
		return send_str(g, "E01");
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	n = access_memory(g, addr, buf, len, 0);
	if (!n && len)
		return send_str(g, "E0e");	/* EFAULT: nothing mapped there */
	put_hex_bytes(out, buf, n);
	return send_str(g, out);
}

static int cmd_write_mem(struct hv_gdb *g, const char *args)
{
	uint64_t addr, len;
	const char *hex;
	uint8_t buf[GDB_PACKET_SIZE / 2];

	if (parse_addr_len(args, ':', &addr, &len, &hex) || len > sizeof(buf) ||
	    strlen(hex) != 2 * len || get_hex_bytes(hex, buf, len))
		return send_str(g, "E01");
	if (access_memory(g, addr, buf, len, 1) != len)
		return send_str(g, "E0e");
	return send_str(g, "OK");
}

/* --- Breakpoints --------------------------------------------------------- */

static int insert_breakpoint(struct hv_gdb *g, uint64_t addr)
{
	struct hvlab_sregs sregs;
	struct hv_gdb_breakpoint *bp;
	uint64_t gpa;
	size_t i;

	if (hv_gdb_breakpoint_at(g, addr))
		return 0;
	if (g->ops->get_sregs(g, &sregs) || ram_at(g, &sregs, addr, &gpa) ||
	    breakpoint_at_gpa(g, gpa))
		return -1;
	for (i = 0; i < GDB_MAX_BREAKPOINTS && g->bp[i].used; i++)
		;
	if (i == GDB_MAX_BREAKPOINTS)
		return -1;
	bp = &g->bp[i];
	*bp = (struct hv_gdb_breakpoint){ .used = 1, .addr = addr, .gpa = gpa,
					  .saved = g->vm->mem[gpa] };
	g->vm->mem[gpa] = INT3;
	return 0;
}

static void remove_breakpoint(struct hv_gdb_breakpoint *bp, struct hv_vm *vm)
{
	if (vm->mem[bp->gpa] == INT3)	/* unless the guest has written there since */
		vm->mem[bp->gpa] = bp->saved;
	bp->used = 0;
}

static int cmd_breakpoint(struct hv_gdb *g, const char *args, int insert)
{
	uint64_t addr, kind;
	const char *rest;
	struct hv_gdb_breakpoint *bp;

	/* Z0,ADDR,KIND[;cond...]: only software breakpoints (type 0) */
	if (args[0] != '0' || args[1] != ',')
		return send_str(g, "");
	if (parse_addr_len(args + 2, 0, &addr, &kind, &rest) || (*rest && *rest != ';'))
		return send_str(g, "E01");
	if (insert)
		return send_str(g, insert_breakpoint(g, addr) ? "E0e" : "OK");
	bp = hv_gdb_breakpoint_at(g, addr);
	if (bp)
		remove_breakpoint(bp, g->vm);
	return send_str(g, "OK");
}

/* --- Watchpoints ---------------------------------------------------------- */

#define PAGE_MASK_4K	(~UINT64_C(0xfff))

uint32_t hv_gdb_page_rights(const struct hv_gdb *g, uint64_t page)
{
	uint32_t rights = HVLAB_MEM_ATTR_RWX;
	size_t i;

	for (i = 0; i < GDB_MAX_WATCHPOINTS; i++) {
		const struct hv_gdb_watchpoint *wp = &g->wp[i];

		if (!wp->used || (wp->gpa & PAGE_MASK_4K) != page)
			continue;
		if (wp->kind == GDB_WATCH_WRITE)
			rights &= ~HVLAB_MEM_ATTR_WRITE;
		else	/* no read; write without read is no EPT entry */
			rights &= g->execute_only ? HVLAB_MEM_ATTR_EXECUTE : 0;
	}
	return rights;
}

const struct hv_gdb_watchpoint *hv_gdb_watch_hit(const struct hv_gdb *g, uint64_t gpa,
						 int write)
{
	size_t i;

	for (i = 0; i < GDB_MAX_WATCHPOINTS; i++) {
		const struct hv_gdb_watchpoint *wp = &g->wp[i];

		if (!wp->used || (write && wp->kind == GDB_WATCH_READ) ||
		    (!write && wp->kind == GDB_WATCH_WRITE))
			continue;
		if (gpa < wp->gpa + wp->len && wp->gpa < gpa + 8)
			return wp;
	}
	return NULL;
}

/* Z2-Z4: the watched bytes must be RAM, all in one page */
static int insert_watchpoint(struct hv_gdb *g, enum hv_gdb_watch_kind kind, uint64_t addr,
			     uint64_t len)
{
	struct hvlab_sregs sregs;
	uint64_t gpa, last;
	size_t i;

	if (!len || len > 4096 || g->ops->get_sregs(g, &sregs) || ram_at(g, &sregs, addr, &gpa) ||
	    ram_at(g, &sregs, addr + len - 1, &last) || last != gpa + len - 1 ||
	    (gpa & PAGE_MASK_4K) != (last & PAGE_MASK_4K))
		return -1;
	for (i = 0; i < GDB_MAX_WATCHPOINTS && g->wp[i].used; i++)
		;
	if (i == GDB_MAX_WATCHPOINTS)
		return -1;
	g->wp[i] = (struct hv_gdb_watchpoint){ .used = 1, .kind = kind, .addr = addr,
					       .gpa = gpa, .len = len };
	if (g->ops->protect(g, gpa & PAGE_MASK_4K, hv_gdb_page_rights(g, gpa & PAGE_MASK_4K))) {
		g->wp[i].used = 0;
		return -1;
	}
	return 0;
}

static void remove_watchpoint(struct hv_gdb *g, struct hv_gdb_watchpoint *wp)
{
	wp->used = 0;
	g->ops->protect(g, wp->gpa & PAGE_MASK_4K, hv_gdb_page_rights(g, wp->gpa & PAGE_MASK_4K));
}

static int cmd_watchpoint(struct hv_gdb *g, enum hv_gdb_watch_kind kind, const char *args,
			  int insert)
{
	uint64_t addr, len;
	const char *rest;
	size_t i;

	if (!g->ops->protect)
		return send_str(g, "");
	if (parse_addr_len(args, 0, &addr, &len, &rest) || (*rest && *rest != ';'))
		return send_str(g, "E01");
	if (insert)
		return send_str(g, insert_watchpoint(g, kind, addr, len) ? "E0e" : "OK");
	for (i = 0; i < GDB_MAX_WATCHPOINTS; i++)
		if (g->wp[i].used && g->wp[i].kind == kind && g->wp[i].addr == addr &&
		    g->wp[i].len == len) {
			remove_watchpoint(g, &g->wp[i]);
			break;
		}
	return send_str(g, "OK");
}

/* Z and z: type 0 is a breakpoint, 2-4 watchpoints; others unsupported */
static int cmd_point(struct hv_gdb *g, const char *args, int insert)
{
	if (args[0] >= '2' && args[0] <= '4' && args[1] == ',')
		return cmd_watchpoint(g, (enum hv_gdb_watch_kind)(args[0] - '0'), args + 2, insert);
	return cmd_breakpoint(g, args, insert);
}

/* --- Running ------------------------------------------------------------- */

/* Step or continue, stepping off a breakpoint at RIP with the guest's byte in place. */
static enum hv_gdb_stop resume(struct hv_gdb *g, int step)
{
	struct hvlab_regs regs;
	struct hv_gdb_breakpoint *bp = NULL;
	enum hv_gdb_stop stop;

	if (!g->ops->get_regs(g, &regs))
		bp = hv_gdb_breakpoint_at(g, regs.rip);
	if (bp) {
		g->vm->mem[bp->gpa] = bp->saved;
		stop = g->ops->run(g, 1);
		g->vm->mem[bp->gpa] = INT3;
		if (step || stop != GDB_STOP_STEP)
			return stop;
	} else if (step) {
		return g->ops->run(g, 1);
	}

	g->gdb_gone = 0;
	if (g->in_pos == g->in_len)	/* room for what gdb sends while the guest runs */
		g->in_pos = g->in_len = 0;
	return g->ops->run(g, 0);
}

static int report_stop(struct hv_gdb *g, enum hv_gdb_stop stop)
{
	struct hvlab_regs regs;

	switch (stop) {
	case GDB_STOP_STEP:
		return send_fmt(g, "T%02xthread:1;", GDB_SIGTRAP);
	case GDB_STOP_BREAKPOINT:
		if (g->swbreak)
			return send_fmt(g, "T%02xthread:1;swbreak:;", GDB_SIGTRAP);
		/* an older gdb takes RIP back itself, as after a real INT3 */
		if (!g->ops->get_regs(g, &regs)) {
			regs.rip++;
			g->ops->set_regs(g, &regs);
		}
		return send_fmt(g, "T%02xthread:1;", GDB_SIGTRAP);
	case GDB_STOP_WATCHPOINT: {
		static const char *const names[] = {
			[GDB_WATCH_WRITE] = "watch", [GDB_WATCH_READ] = "rwatch",
			[GDB_WATCH_ACCESS] = "awatch",
		};

		if (!g->watch_hit)
			break;
		return send_fmt(g, "T%02xthread:1;%s:%llx;", GDB_SIGTRAP, names[g->watch_hit->kind],
				(unsigned long long)g->watch_hit->addr);
	}
	case GDB_STOP_INTERRUPT:
		return send_fmt(g, "T%02xthread:1;", GDB_SIGINT);
	case GDB_STOP_ENDED:
		/* HLT (0) or port 0xf4 (odd): the guest exited; anything else is a crash */
		if (g->status == 0 || (g->status & 1))
			return send_fmt(g, "W%02x", g->status & 0xff);
		return send_fmt(g, "X%02x", g->status == STATUS_GUEST_CRASHED ?
				GDB_SIGSEGV : GDB_SIGABRT);
	case GDB_STOP_ERROR:
		break;
	}
	return send_fmt(g, "X%02x", GDB_SIGABRT);
}

/* D: take the breakpoints out and let the guest run to its end, as hvctl run. */
static int detach(struct hv_gdb *g)
{
	size_t i;

	for (i = 0; i < GDB_MAX_BREAKPOINTS; i++)
		if (g->bp[i].used)
			remove_breakpoint(&g->bp[i], g->vm);
	for (i = 0; i < GDB_MAX_WATCHPOINTS; i++)
		if (g->wp[i].used)
			remove_watchpoint(g, &g->wp[i]);
	return g->ops->detach(g);
}

/* --- The session --------------------------------------------------------- */

#define MONITOR_MAX	8192	/* a command's output, at most */

/*
 * qRcmd,HEX: gdb's `monitor CMD`. The output goes back as O packets of
 * hex text, each within the packet size, then OK.
 */
static int cmd_monitor(struct hv_gdb *g, const char *hex)
{
	size_t n = strlen(hex) / 2, off, chunk = (GDB_PACKET_SIZE - 8) / 2;
	char cmd[256], *out, *pkt;
	int ret = 0;

	if (!g->ops->monitor)
		return send_str(g, "");
	if ((strlen(hex) & 1) || n >= sizeof(cmd) || get_hex_bytes(hex, (uint8_t *)cmd, n))
		return send_str(g, "E01");
	cmd[n] = 0;
	out = calloc(1, MONITOR_MAX);
	pkt = malloc(2 * chunk + 2);
	if (!out || !pkt) {
		free(out);
		free(pkt);
		return send_str(g, "E0c");
	}
	g->ops->monitor(g, cmd, out, MONITOR_MAX);
	for (off = 0; out[off] && !ret; off += chunk) {
		size_t len = strnlen(out + off, chunk);

		pkt[0] = 'O';
		put_hex_bytes(pkt + 1, (const uint8_t *)out + off, len);
		ret = send_packet(g, pkt, 1 + 2 * len);
		if (len < chunk)
			break;
	}
	free(out);
	free(pkt);
	return ret ? ret : send_str(g, "OK");
}

static int cmd_query(struct hv_gdb *g, const char *q)
{
	if (!strncmp(q, "Supported", 9)) {
		g->swbreak = strstr(q, "swbreak+") != NULL;
		return send_fmt(g, "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+",
				GDB_PACKET_SIZE);
	}
	if (!strncmp(q, "Xfer:features:read:", 19))
		return send_xfer(g, q + 19);
	if (!strcmp(q, "Attached"))
		return send_str(g, "0");	/* hvctl made the guest: quitting gdb kills it */
	if (!strcmp(q, "C"))
		return send_str(g, "QC1");
	if (!strcmp(q, "fThreadInfo"))
		return send_str(g, "m1");	/* one vCPU, thread 1 */
	if (!strcmp(q, "sThreadInfo"))
		return send_str(g, "l");
	if (!strncmp(q, "Symbol", 6))
		return send_str(g, "OK");	/* no symbols wanted */
	if (!strncmp(q, "Rcmd,", 5))
		return cmd_monitor(g, q + 5);
	return send_str(g, "");
}

/* c/s [ADDR], C/S SIG[;ADDR]: a signal is not passed on (the guest has none). */
static int cmd_resume(struct hv_gdb *g, const char *pkt, int *done)
{
	const char *args = pkt + 1, *end;
	struct hvlab_regs regs;
	enum hv_gdb_stop stop;

	if (pkt[0] == 'C' || pkt[0] == 'S') {
		parse_hex(args, &end);
		args = *end == ';' ? end + 1 : end;
	}
	if (*args) {
		uint64_t addr = parse_hex(args, &end);

		if (*end || g->ops->get_regs(g, &regs))
			return send_str(g, "E01");
		regs.rip = addr;
		if (g->ops->set_regs(g, &regs))
			return send_str(g, "E05");
	}
	stop = resume(g, pkt[0] == 's' || pkt[0] == 'S');
	if (g->gdb_gone) {
		fprintf(stderr, "hvctl gdb: gdb closed the connection while the guest ran\n");
		*done = STATUS_KILLED;
		return -1;
	}
	if (stop == GDB_STOP_ENDED)
		*done = g->status;
	else if (stop == GDB_STOP_ERROR)
		*done = STATUS_SETUP;
	return report_stop(g, stop);
}

/* Answer gdb until it kills or detaches, or the guest ends: hvctl's exit status. */
int hv_gdb_serve(struct hv_gdb *g)
{
	static char pkt[GDB_PACKET_SIZE + 64];
	int done = -1, ret;

	for (;;) {
		if (recv_packet(g, pkt, sizeof(pkt)) < 0) {
			fprintf(stderr, "hvctl gdb: gdb closed the connection; the guest is stopped for good\n");
			return STATUS_KILLED;
		}
		switch (pkt[0]) {
		case '?':
			ret = send_fmt(g, "T%02xthread:1;", GDB_SIGTRAP);
			break;
		case 'g':
			ret = cmd_read_regs(g);
			break;
		case 'G':
			ret = cmd_write_regs(g, pkt + 1);
			break;
		case 'p':
			ret = cmd_read_reg(g, pkt + 1);
			break;
		case 'P':
			ret = cmd_write_reg(g, pkt + 1);
			break;
		case 'm':
			ret = cmd_read_mem(g, pkt + 1);
			break;
		case 'M':
			ret = cmd_write_mem(g, pkt + 1);
			break;
		case 'Z':
		case 'z':
			ret = cmd_point(g, pkt + 1, pkt[0] == 'Z');
			break;
		case 'c':
		case 'C':
		case 's':
		case 'S':
			ret = cmd_resume(g, pkt, &done);
			break;
		case 'k':
			fprintf(stderr, "hvctl gdb: gdb killed the guest\n");
			return STATUS_KILLED;
		case 'D':
			send_str(g, "OK");
			return detach(g);
		case 'H':	/* set thread: there is one */
		case 'T':	/* is the thread alive: yes */
			ret = send_str(g, "OK");
			break;
		case 'q':
			ret = cmd_query(g, pkt + 1);
			break;
		case 'Q':
			if (!strcmp(pkt, "QStartNoAckMode")) {
				ret = send_str(g, "OK");
				g->no_ack = 1;
			} else {
				ret = send_str(g, "");
			}
			break;
		case 'v':
			if (!strncmp(pkt, "vKill", 5)) {
				send_str(g, "OK");
				fprintf(stderr, "hvctl gdb: gdb killed the guest\n");
				return STATUS_KILLED;
			}
			ret = send_str(g, "");	/* vCont? and the rest: not supported */
			break;
		default:
			ret = send_str(g, "");
			break;
		}
		if (done >= 0)
			return done;
		if (ret < 0) {
			fprintf(stderr, "hvctl gdb: lost the connection to gdb\n");
			return STATUS_KILLED;
		}
	}
}

int hv_gdb_init(struct hv_gdb *g, struct hv_vm *vm, enum hv_guest_format format,
		const struct hv_gdb_ops *ops, void *priv)
{
	memset(g, 0, sizeof(*g));
	g->vm = vm;
	g->ops = ops;
	g->priv = priv;
	int is64 = format == HV_GUEST_ELF64 || format == HV_GUEST_LINUX64;

	if (is64) {
		g->regs = regs64;
		g->nregs = sizeof(regs64) / sizeof(regs64[0]);
	} else {
		g->regs = regs32;
		g->nregs = sizeof(regs32) / sizeof(regs32[0]);
	}
	/* i8086: gdb disassembles a boot sector as 16-bit code */
	g->xml = build_target_xml(g->regs, g->nregs, is64 ? "i386:x86-64" :
				  format == HV_GUEST_RAW16 ? "i8086" : "i386");
	return g->xml ? 0 : -1;
}

void hv_gdb_release(struct hv_gdb *g)
{
	free(g->xml);
	g->xml = NULL;
}
