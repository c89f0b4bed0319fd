// SPDX-License-Identifier: GPL-2.0
/*
 * mmio_insns: every instruction hvlab emulates against device memory,
 * run once against RAM and once against MMIO, with the results and the
 * flags compared (module/mmio_ops.c, module/mmio.c).
 *
 * The MMIO window is at 0xd0000, in the PC's hole below 1 MiB where no
 * RAM is: every access there is an MMIO exit. The VMM must answer it as
 * memory would (tests/vm/mmio_insns.c keeps a page for it), so that the
 * CPU's run against RAM is the oracle: same registers, same arithmetic
 * flags, same bytes in memory. Each case runs with two sets of values and
 * two sets of flags in (all arithmetic flags clear, all set; for the
 * strings DF clear and set). A difference is printed; the run ends with
 * the number of cases and differences.
 */
#include "hvguest.h"

#define MMIO_BASE	0xd0000ul
#define WINDOW		24		/* bytes compared: the operand at 8 */
#define OTHER		32		/* a RAM buffer for MOVS's other side */
#define ARITH_FLAGS	0x8d5ul		/* CF PF AF ZF SF OF */
#define DF		0x400ul

struct state {
	unsigned long reg, flags;
};

/* @mem: the operand, 8 bytes into the window; bytes -8..+15 may be used */
typedef void (*op_fn)(struct state *s, char *mem);

#ifdef __x86_64__
#define CASE_CLOBBERS	"memory", "cc", "r9", "r10"	/* two cases use them */
#else
#define CASE_CLOBBERS	"memory", "cc"
#endif

/*
 * The instruction with the case's flags loaded by POPF (IF off, the
 * arithmetic flags and DF as the case says) and taken back by PUSHF.
 * %[r] is one of EAX-EDX, so %h[r] names AH-DH.
 */
#define DEFINE_OP(name, text)						\
static void name(struct state *s, char *mem)				\
{									\
	__asm__ volatile("push %[fl]\n\tpopf\n\t" text "\n\t"		\
			 "pushf\n\tpop %[fl]\n\tcld"			\
			 : [r] "+Q"(s->reg), [fl] "+r"(s->flags)	\
			 : [m] "r"(mem) : CASE_CLOBBERS);		\
}

/*
 * X(name, asm text) for every case with a memory operand: the ALU ops in
 * each form (m,r m,imm r,m; 8, 16, 32 bits; AH too), TEST, XCHG, the bit
 * tests (register offsets that move the address up and down), MOVSX,
 * MOVZX and MOV.
 */
#define ALU_FORMS(X, op)						\
	X(op##_mb_r, #op "b %b[r], (%[m])")				\
	X(op##_ml_r, #op "l %k[r], 4(%[m])")				\
	X(op##_rw_m, #op "w (%[m]), %w[r]")				\
	X(op##_rl_m, #op "l (%[m]), %k[r]")				\
	X(op##_rh_m, #op "b 1(%[m]), %h[r]")				\
	X(op##_ml_i8, #op "l $-3, (%[m])")				\
	X(op##_mw_i, #op "w $0x8001, 2(%[m])")				\
	X(op##_mb_i, #op "b $0x81, -1(%[m])")

#define COMMON_CASES(X)							\
	ALU_FORMS(X, add) ALU_FORMS(X, or) ALU_FORMS(X, adc)		\
	ALU_FORMS(X, sbb) ALU_FORMS(X, and) ALU_FORMS(X, sub)		\
	ALU_FORMS(X, xor) ALU_FORMS(X, cmp)				\
	X(test_mb_r, "testb %b[r], (%[m])")				\
	X(test_ml_r, "testl %k[r], (%[m])")				\
	X(test_mh_r, "testb %h[r], 3(%[m])")				\
	X(test_mb_i, "testb $0x81, (%[m])")				\
	X(test_mw_i, "testw $0x8000, 2(%[m])")				\
	X(test_ml_i, "testl $0x80000001, (%[m])")			\
	X(xchg_mb_r, "xchgb %b[r], (%[m])")				\
	X(xchg_mh_r, "xchgb %h[r], 1(%[m])")				\
	X(xchg_mw_r, "xchgw %w[r], 2(%[m])")				\
	X(xchg_ml_r, "xchgl %k[r], (%[m])")				\
	X(bt_77, "movl $77, %k[r]\n\tbtl %k[r], (%[m])")		\
	X(bts_minus5, "movl $-5, %k[r]\n\tbtsl %k[r], (%[m])")		\
	X(btr_minus17, "movw $-17, %w[r]\n\tbtrw %w[r], 4(%[m])")	\
	X(btc_33, "movl $33, %k[r]\n\tbtcl %k[r], (%[m])")		\
	X(bt_i, "btl $9, (%[m])")					\
	X(bts_i, "btsw $17, 2(%[m])")					\
	X(btr_i, "btrl $31, (%[m])")					\
	X(btc_i, "btcl $0, (%[m])")					\
	X(movsbl, "movsbl (%[m]), %k[r]")				\
	X(movswl, "movswl 2(%[m]), %k[r]")				\
	X(movsbw, "movsbw 1(%[m]), %w[r]")				\
	X(movzbl, "movzbl (%[m]), %k[r]")				\
	X(movzwl, "movzwl 2(%[m]), %k[r]")				\
	X(mov_mh, "movb %h[r], (%[m])")					\
	X(mov_rl, "movl 4(%[m]), %k[r]")				\
	X(lock_or, "lock orl %k[r], (%[m])")

#ifdef __x86_64__
#define MODE_CASES(X)							\
	X(addq_m_r, "addq %q[r], (%[m])")				\
	X(adcq_r_m, "adcq (%[m]), %q[r]")				\
	X(subq_m_i, "subq $-0x7ff0, (%[m])")				\
	X(cmpq_m_i8, "cmpq $-1, (%[m])")				\
	X(xorq_r9, "mov %q[r], %%r9\n\txorq %%r9, (%[m])\n\tmov %%r9, %q[r]") \
	X(addb_r9b, "mov %q[r], %%r9\n\taddb %%r9b, 1(%[m])\n\tmov %%r9, %q[r]") \
	X(andl_r10d, "mov %q[r], %%r10\n\tandl (%[m]), %%r10d\n\tmov %%r10, %q[r]") \
	X(testq_m_i, "testq $-2, (%[m])")				\
	X(xchgq, "xchgq %q[r], (%[m])")					\
	X(btsq_minus3, "movq $-3, %q[r]\n\tbtsq %q[r], 8(%[m])")	\
	X(btq_100, "movq $100, %q[r]\n\tbtq %q[r], (%[m])")		\
	X(btcq_i, "btcq $63, (%[m])")					\
	X(movsbq, "movsbq (%[m]), %q[r]")				\
	X(movswq, "movswq 2(%[m]), %q[r]")				\
	X(movslq, "movslq 4(%[m]), %q[r]")
#else
#define MODE_CASES(X)
#endif

#define CASES(X) COMMON_CASES(X) MODE_CASES(X)

CASES(DEFINE_OP)

#define CASE_ENTRY(name, text) { text, name },
static const struct {
	const char *text;
	op_fn run;
} cases[] = { CASES(CASE_ENTRY) };

/* MOVS and STOS: fixed registers, the window on one side or both */
struct string_state {
	char *si, *di;
	unsigned long count, ax, flags;
};

#define DEFINE_STRING_OP(name, text)					\
static void name(struct string_state *s)				\
{									\
	__asm__ volatile("push %[fl]\n\tpopf\n\t" text "\n\t"		\
			 "pushf\n\tpop %[fl]\n\tcld"			\
			 : "+S"(s->si), "+D"(s->di), "+c"(s->count),	\
			   "+a"(s->ax), [fl] "+r"(s->flags)		\
			 : : "memory", "cc");				\
}
DEFINE_STRING_OP(rep_movsb, "rep movsb")
DEFINE_STRING_OP(rep_movsw, "rep movsw")
DEFINE_STRING_OP(rep_movsl, "rep movsl")
DEFINE_STRING_OP(movsl, "movsl")
DEFINE_STRING_OP(rep_stosb, "rep stosb")
DEFINE_STRING_OP(rep_stosl, "rep stosl")
DEFINE_STRING_OP(stosw, "stosw")
#ifdef __x86_64__
DEFINE_STRING_OP(rep_movsq, "rep movsq")
DEFINE_STRING_OP(rep_stosq, "rep stosq")
#endif

enum side { IN_WINDOW, IN_OTHER };	/* the window: RAM or MMIO; other: RAM */
static const struct string_case {
	const char *text;
	void (*run)(struct string_state *s);
	enum side src, dst;
	/*
	 * From the operand; in other, from its start. Chosen so that the
	 * elements stay inside the window and other both ways (DF clear, set).
	 */
	int src_off, dst_off;
	unsigned long count;
} string_cases[] = {
	{ "rep movsb: window to RAM", rep_movsb, IN_WINDOW, IN_OTHER, -2, 8, 5 },
	{ "rep movsw: RAM to window", rep_movsw, IN_OTHER, IN_WINDOW, 4, 0, 3 },
	{ "rep movsl: window to window", rep_movsl, IN_WINDOW, IN_WINDOW, -4, 8, 2 },
	{ "movsl: window to RAM", movsl, IN_WINDOW, IN_OTHER, 0, 12, 7 },
	{ "rep stosb", rep_stosb, IN_OTHER, IN_WINDOW, 0, -3, 6 },
	{ "rep stosl", rep_stosl, IN_OTHER, IN_WINDOW, 0, 0, 2 },
	{ "stosw", stosw, IN_OTHER, IN_WINDOW, 0, 2, 9 },
#ifdef __x86_64__
	{ "rep movsq: window to RAM", rep_movsq, IN_WINDOW, IN_OTHER, 0, 8, 2 },
	{ "rep stosq", rep_stosq, IN_OTHER, IN_WINDOW, 0, 0, 2 },
#endif
};

static const unsigned long values[][2] = {	/* memory, register */
	{ (unsigned long)0x0123456789abcdefull, (unsigned long)0xfedcba9876543210ull },
	{ (unsigned long)0x8000000080008080ull, (unsigned long)0x80000000ff7f80ffull },
};

static char ram_window[4096] __attribute__((aligned(4096)));
static char other[OTHER];

struct result {
	unsigned long reg, flags, count;
	long si, di;			/* string cases: moved by */
	unsigned char window[WINDOW], other[OTHER];
};

/* The window through plain MOVs, in long-sized pieces (MMIO exits). */
static void window_fill(char *window, unsigned long value)
{
	volatile unsigned long *w = (volatile unsigned long *)window;
	unsigned int i;

	for (i = 0; i < WINDOW / sizeof(long); i++)
		w[i] = value ^ (i == 8 / sizeof(long) ? 0 : 0x5a5a5a5aul * (i + 1));
	for (i = 0; i < OTHER; i++)
		other[i] = (char)(0xa0 + i);
}

static void window_read(char *window, struct result *r)
{
	volatile unsigned long *w = (volatile unsigned long *)window;
	unsigned int i;

	for (i = 0; i < WINDOW / sizeof(long); i++) {
		unsigned long v = w[i];

		__builtin_memcpy(r->window + i * sizeof(long), &v, sizeof(long));
	}
	__builtin_memcpy(r->other, other, OTHER);
}

static void run_case(int i, char *window, unsigned long value, unsigned long reg,
		     unsigned long flags, struct result *r)
{
	struct state s = { reg, flags };

	window_fill(window, value);
	cases[i].run(&s, window + 8);
	__builtin_memset(r, 0, sizeof(*r));
	r->reg = s.reg;
	r->flags = s.flags & (ARITH_FLAGS | DF);
	window_read(window, r);
}

static char *side_base(enum side side, char *window)
{
	return side == IN_WINDOW ? window + 8 : other;
}

static void run_string_case(int i, char *window, unsigned long value, unsigned long ax,
			    unsigned long flags, struct result *r)
{
	const struct string_case *c = &string_cases[i];
	char *si0 = side_base(c->src, window) + c->src_off;
	char *di0 = side_base(c->dst, window) + c->dst_off;
	struct string_state s = { si0, di0, c->count, ax, flags };

	window_fill(window, value);
	c->run(&s);
	__builtin_memset(r, 0, sizeof(*r));
	r->reg = s.ax;
	r->count = s.count;
	r->si = s.si - si0;
	r->di = s.di - di0;
	r->flags = s.flags & (ARITH_FLAGS | DF);
	window_read(window, r);
}

#define MAX_PRINTED	8	/* differences; each byte printed is an exit */
static int printed;

static int compare(const char *text, int v, unsigned long flags,
		   const struct result *ram, const struct result *mmio)
{
	unsigned int i;
	int bad = 0;

	if (printed >= MAX_PRINTED)
		return __builtin_memcmp(ram, mmio, sizeof(*ram)) != 0;
	printed++;

	if (ram->reg != mmio->reg || ram->count != mmio->count ||
	    ram->si != mmio->si || ram->di != mmio->di) {
		hv_printf("%s (values %d, flags 0x%lx): registers RAM 0x%lx rcx %lu si %ld di %ld, MMIO 0x%lx rcx %lu si %ld di %ld\n",
			  text, v, flags, ram->reg, ram->count, ram->si, ram->di,
			  mmio->reg, mmio->count, mmio->si, mmio->di);
		bad = 1;
	}
	if (ram->flags != mmio->flags) {
		hv_printf("%s (values %d, flags 0x%lx): flags RAM 0x%lx, MMIO 0x%lx\n",
			  text, v, flags, ram->flags, mmio->flags);
		bad = 1;
	}
	for (i = 0; i < WINDOW; i++)
		if (ram->window[i] != mmio->window[i]) {
			hv_printf("%s (values %d, flags 0x%lx): window byte %d RAM 0x%x, MMIO 0x%x\n",
				  text, v, flags, (int)i - 8, ram->window[i], mmio->window[i]);
			bad = 1;
			break;
		}
	for (i = 0; i < OTHER; i++)
		if (ram->other[i] != mmio->other[i]) {
			hv_printf("%s (values %d, flags 0x%lx): RAM buffer byte %u: 0x%x, with MMIO 0x%x\n",
				  text, v, flags, i, ram->other[i], mmio->other[i]);
			bad = 1;
			break;
		}
	printed -= !bad;
	return bad;
}

int main(void)
{
	static const unsigned long flag_sets[] = { 0, ARITH_FLAGS };
	static const unsigned long string_flag_sets[] = { 0, DF };
	char *mmio = (char *)MMIO_BASE;
	struct result ram, dev;
	int i, v, f, runs = 0, bad = 0;

	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++)
		for (v = 0; v < 2; v++)
			for (f = 0; f < 2; f++) {
				run_case(i, ram_window, values[v][0], values[v][1], flag_sets[f], &ram);
				run_case(i, mmio, values[v][0], values[v][1], flag_sets[f], &dev);
				bad += compare(cases[i].text, v, flag_sets[f], &ram, &dev);
				runs++;
			}
	for (i = 0; i < (int)(sizeof(string_cases) / sizeof(string_cases[0])); i++)
		for (v = 0; v < 2; v++)
			for (f = 0; f < 2; f++) {
				run_string_case(i, ram_window, values[v][0], values[v][1],
						string_flag_sets[f], &ram);
				run_string_case(i, mmio, values[v][0], values[v][1],
						string_flag_sets[f], &dev);
				bad += compare(string_cases[i].text, v, string_flag_sets[f], &ram, &dev);
				runs++;
			}
	hv_printf("mmio insns: %d instructions, %d runs, %d differ from RAM\n",
		  (int)(sizeof(cases) / sizeof(cases[0]) + sizeof(string_cases) / sizeof(string_cases[0])),
		  runs, bad);
	return bad ? 2 : 0;
}
