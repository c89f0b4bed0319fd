// SPDX-License-Identifier: GPL-2.0
/*
 * step.c - hvctl step (step.h): stop at VM exits, show them, take commands.
 *
 * Every exit comes back to userspace (HVLAB_RUN_STOP_EVERY_EXIT), so that
 * exits the kernel handles (CPUID, VMCALL, ...) can be stops too and the
 * "until" conditions see them. Only "continue" drops the flag and lets
 * the guest run at full speed.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "decode.h"
#include "disasm.h"
#include "ept_print.h"
#include "fpu_image.h"
#include "lib/guest_mem.h"
#include "hvctl.h"
#include "state.h"
#include "vmcs_image.h"
#include "vmcs_print.h"
#include "walk_print.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_INSN	15
#define X_MAX_LEN	4096

enum cmd_kind {
	CMD_NEXT, CMD_CONTINUE, CMD_UNTIL, CMD_STEPI, CMD_REGS, CMD_VMCS, CMD_EPT,
	CMD_WALK, CMD_DIRTY, CMD_DEVICES, CMD_X, CMD_DIS, CMD_SAVE, CMD_QUIT, CMD_HELP,
};

struct step_cmd {
	enum cmd_kind kind;
	long n;				/* next N, stepi N, dis's instruction count */
	char addr[32];			/* x, dis: a number or a register name; "" = default */
	long len;			/* x */
	int physical;			/* x/p */
	struct hv_stop_cond cond;	/* until */
	char arg[256];			/* save FILE, vmcs GROUP, regs GROUP, ept tree|GPA, walk's svg FILE */
};

static const struct {
	const char *name, *short_name, *args, *help;
	enum cmd_kind kind;
} commands[] = {
	{ "next", "n", "[N]", "run to the next stop (N stops; Enter alone is next)", CMD_NEXT },
	{ "continue", "c", "", "run to the end without stopping", CMD_CONTINUE },
	{ "until", "u", "COND", "run until an exit matches COND: exit=NAME[,port=N][,gpa=ADDR][,rip=ADDR]", CMD_UNTIL },
	{ "stepi", "si", "[N]", "execute one guest instruction (N instructions)", CMD_STEPI },
	{ "regs", "r", "[xmm|all]", "show the registers, segments, control registers; xmm: MXCSR and XMM0-15 instead; all: both", CMD_REGS },
	{ "vmcs", "v", "[GROUP]", "show the VMCS: guest (default), control, exit, host or all", CMD_VMCS },
	{ "ept", "e", "[tree|GPA]", "the EPT as guest-physical ranges; tree: every table entry; GPA: the walk to it", CMD_EPT },
	{ "walk", "w", "GVA [json|svg FILE]", "the two-dimensional walk of linear GVA: each guest entry through EPT, then the GPA", CMD_WALK },
	{ "dirty", NULL, "", "the pages the guest wrote since the last look (the EPT dirty log)", CMD_DIRTY },
	{ "devices", NULL, "[NAME]", "the platform's devices and their registers, as JSON (docs/platform.md)", CMD_DEVICES },
	{ "x", NULL, "ADDR [LEN]", "guest memory in hex at linear ADDR (x/p: physical), LEN bytes (64)", CMD_X },
	{ "dis", "d", "[ADDR] [N]", "disassemble N instructions (8) at linear ADDR (the current RIP)", CMD_DIS },
	{ "save", NULL, "FILE", "write the state (registers, segments, ...) as JSON, for run --state", CMD_SAVE },
	{ "quit", "q", "", "end the run now", CMD_QUIT },
	{ "help", "h", "", "this list (also ?)", CMD_HELP },
};

static const struct { const char *name; size_t offset; } reg_names[] = {
#define REG(r)	{ #r, offsetof(struct hvlab_regs, r) }
	REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi), REG(rsp), REG(rbp),
	REG(r8), REG(r9), REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15),
	REG(rip), REG(rflags),
#undef REG
};

static const struct { const char *name; size_t offset; } seg_names[] = {
#define SEG(s)	{ #s, offsetof(struct hvlab_sregs, s) }
	SEG(cs), SEG(ds), SEG(es), SEG(fs), SEG(gs), SEG(ss), SEG(tr), SEG(ldtr),
#undef SEG
};

#define REGVAL(regs, i)	(*(const __u64 *)((const char *)(regs) + reg_names[i].offset))

/* --- commands ----------------------------------------------------------- */

static int parse_long(const char *text, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 0);
	return !*text || *end || errno || *out < min || *out > max ? -1 : 0;
}

/* An address: a number, or a general register's name (x rsp 32). */
static int valid_addr(const char *text)
{
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++)
		if (!strcasecmp(text, reg_names[i].name))
			return 1;
	if (!isdigit((unsigned char)*text))
		return 0;
	errno = 0;
	strtoull(text, &end, 0);
	return !*end && !errno;
}

static int parse_command(const char *line, struct step_cmd *cmd, char *err, size_t errlen)
{
	char buf[512], *words[4], *save, *w;
	int nwords = 0;
	size_t i;

	memset(cmd, 0, sizeof(*cmd));
	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (nwords == (int)ARRAY_SIZE(words)) {
			snprintf(err, errlen, "'%s': too many words (see help)", line);
			return -1;
		}
		words[nwords++] = w;
	}
	if (!nwords) {
		cmd->kind = CMD_NEXT;
		cmd->n = 1;
		return 0;
	}
	if (!strcmp(words[0], "?"))
		words[0] = "help";
	if (!strcasecmp(words[0], "x/p")) {
		cmd->physical = 1;
		words[0] = "x";
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcasecmp(words[0], commands[i].name) ||
		    (commands[i].short_name && !strcasecmp(words[0], commands[i].short_name)))
			break;
	if (i == ARRAY_SIZE(commands)) {
		snprintf(err, errlen, "unknown command '%s': type help for the list", words[0]);
		return -1;
	}
	cmd->kind = commands[i].kind;
	cmd->n = 1;
	switch (cmd->kind) {
	case CMD_NEXT:
	case CMD_STEPI:
		if (nwords > 2 || (nwords == 2 && parse_long(words[1], 1, 1000000, &cmd->n)))
			goto usage;
		return 0;
	case CMD_UNTIL:
		if (nwords != 2)
			goto usage;
		return hv_stop_cond_parse(words[1], &cmd->cond, err, errlen);
	case CMD_VMCS:
		if (nwords > 2)
			goto usage;
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", nwords == 2 ? words[1] : "guest");
		if (!hv_vmcs_group_mask(cmd->arg)) {
			snprintf(err, errlen, "vmcs %.40s: give a group: guest, control, exit, host or all",
				 cmd->arg);
			return -1;
		}
		return 0;
	case CMD_EPT:
		if (nwords > 2)
			goto usage;
		if (nwords == 2 && strcasecmp(words[1], "tree")) {
			char *end;

			errno = 0;
			strtoull(words[1], &end, 0);
			if (!isdigit((unsigned char)*words[1]) || *end || errno)
				goto usage;
		}
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", nwords == 2 ? words[1] : "");
		return 0;
	case CMD_WALK:
		/* n: 0 text, 1 JSON, 2 SVG to arg */
		cmd->n = 0;
		if (nwords < 2 || !valid_addr(words[1]))
			goto usage;
		if (nwords == 3 && !strcasecmp(words[2], "json"))
			cmd->n = 1;
		else if (nwords == 4 && !strcasecmp(words[2], "svg"))
			cmd->n = 2;
		else if (nwords != 2)
			goto usage;
		snprintf(cmd->addr, sizeof(cmd->addr), "%s", words[1]);
		if (cmd->n == 2)
			snprintf(cmd->arg, sizeof(cmd->arg), "%s", words[3]);
		return 0;
	case CMD_X:
		cmd->len = 64;
		if (nwords < 2 || nwords > 3 || !valid_addr(words[1]) ||
		    (nwords == 3 && parse_long(words[2], 1, X_MAX_LEN, &cmd->len)))
			goto usage;
		snprintf(cmd->addr, sizeof(cmd->addr), "%s", words[1]);
		return 0;
	case CMD_DIS:
		cmd->n = 8;
		if (nwords > 3 || (nwords >= 2 && !valid_addr(words[1])) ||
		    (nwords == 3 && parse_long(words[2], 1, 1000, &cmd->n)))
			goto usage;
		if (nwords >= 2)
			snprintf(cmd->addr, sizeof(cmd->addr), "%s", words[1]);
		return 0;
	case CMD_REGS:
		if (nwords > 2)
			goto usage;
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", nwords == 2 ? words[1] : "");
		if (cmd->arg[0] && strcasecmp(cmd->arg, "xmm") && strcasecmp(cmd->arg, "all")) {
			snprintf(err, errlen, "regs %.40s: give xmm (MXCSR and the vector registers), all (those too), or no group (the registers, segments, control registers)",
				 cmd->arg);
			return -1;
		}
		return 0;
	case CMD_SAVE:
		if (nwords != 2)
			goto usage;
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", words[1]);
		return 0;
	case CMD_DEVICES:
		if (nwords > 2)
			goto usage;
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", nwords == 2 ? words[1] : "");
		return 0;
	default:
		if (nwords != 1)
			goto usage;
		return 0;
	}
usage:
	snprintf(err, errlen, "usage: %s%s %s (%s)", commands[i].name,
		 cmd->kind == CMD_X ? "[/p]" : "", commands[i].args, commands[i].help);
	return -1;
}

static void print_help(void)
{
	char left[40];

	printf("commands (short forms in brackets):\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		snprintf(left, sizeof(left), "%s%s%s%s%s%s%s", commands[i].name,
			 commands[i].kind == CMD_X ? "[/p]" : "", commands[i].args[0] ? " " : "",
			 commands[i].args, commands[i].short_name ? " (" : "",
			 commands[i].short_name ? commands[i].short_name : "",
			 commands[i].short_name ? ")" : "");
		printf("  %-22s %s\n", left, commands[i].help);
	}
	printf("ADDR is a number or a register name (x rsp 32). COND keys: exit (a name such as\n"
	       "IO, CPUID, HLT, EPT_VIOLATION, MMIO, STEP, or a number), port, gpa, rip.\n");
}

int step_check_commands(const char *list)
{
	char buf[4096], *tok, *save, err[256];
	struct step_cmd cmd;

	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, "hvctl: --commands: longer than %zu characters\n", sizeof(buf) - 1);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ";\n", &save); tok; tok = strtok_r(NULL, ";\n", &save)) {
		if (parse_command(tok, &cmd, err, sizeof(err))) {
			fprintf(stderr, "hvctl: --commands: %s\n", err);
			return -1;
		}
	}
	return 0;
}

int step_add_until(struct step_config *cfg, const char *text)
{
	char err[256];

	if (cfg->nuntil == STEP_MAX_UNTIL) {
		fprintf(stderr, "hvctl: --until: at most %d conditions\n", STEP_MAX_UNTIL);
		return -1;
	}
	if (hv_stop_cond_parse(text, &cfg->until[cfg->nuntil], err, sizeof(err))) {
		fprintf(stderr, "hvctl: --until '%s': %s\n", text, err);
		return -1;
	}
	cfg->nuntil++;
	return 0;
}

/* --- the debugger's state ----------------------------------------------- */

struct stepper {
	struct session *s;
	struct step_config *cfg;
	long stops;
	long auto_stops;		/* next N: stops to show without asking */
	long stepping;			/* stepi N: instructions left; each is a stop */
	int has_once;			/* until COND from the prompt */
	struct hv_stop_cond once;
	int running_free;		/* continue: no stops at all */
	int script_done;		/* EOF or the end of --commands: show every stop */
	const char *script;		/* what is left of --commands */
	int interactive;
	int hinted;
	/* the state at the last stop (at first: at the start), for diffs and --save-state */
	struct hv_state prev;
	struct hv_vmcs prev_vmcs, cur_vmcs;
	int vmcs_ok;			/* HVLAB_GET_VMCS works */
	struct hv_fpu_regs prev_fpu, cur_fpu;
	int prev_fpu_ok, fpu_ok;	/* HVLAB_GET_FPU worked then and now */
};

/* The stop's address as the CPU forms it: CS.base + RIP (32 bits outside 64-bit mode). */
static uint64_t code_linear(const struct hvlab_sregs *sregs, uint64_t rflags, uint64_t rip)
{
	uint64_t la = sregs->cs.base + rip;

	return hv_code_bits(sregs, rflags) == 64 ? la : (uint32_t)la;
}

/* Up to MAX_INSN bytes at linear la; fewer where the next page is not mapped. */
static size_t read_code(struct stepper *st, const struct hvlab_sregs *sregs, uint64_t la,
			uint8_t *code, char *why, size_t whylen)
{
	size_t len = MAX_INSN;

	if (!hv_gla_read(&st->s->vm, sregs, la, code, len, why, whylen))
		return len;
	len = 4096 - (la & 0xfff);
	if (len < MAX_INSN && !hv_gla_read(&st->s->vm, sregs, la, code, len, why, whylen))
		return len;
	return 0;
}

static void hex_bytes(const uint8_t *p, size_t n, char *buf, size_t len, const char *sep)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%02x", i ? sep : "", p[i]);
}

/* JSON string contents: quotes, backslashes and control characters escaped */
static void json_escape(FILE *out, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
}

static int vmcs_shown_field(int i)
{
	uint32_t enc = hv_vmcs_fields[i].encoding;

	/*
	 * RIP, RSP and RFLAGS are shown with the general registers; the
	 * preemption timer is hvlab's, rewritten at every entry.
	 */
	return HVLAB_VMCS_AREA(enc) == HVLAB_VMCS_AREA_GUEST &&
	       strcmp(hv_vmcs_fields[i].name, "GUEST_RIP") &&
	       strcmp(hv_vmcs_fields[i].name, "GUEST_RSP") &&
	       strcmp(hv_vmcs_fields[i].name, "GUEST_RFLAGS") &&
	       strcmp(hv_vmcs_fields[i].name, "VMX_PREEMPTION_TIMER_VALUE");
}

/* A group of "name old -> new" items: one line in text, an object in JSON. */
struct items {
	int json;
	int n;
	const char *label;	/* text: "    changed: " starts the line */
};

static void item(struct items *it, const char *name, uint64_t a, uint64_t b)
{
	if (it->json)
		printf("%s\"%s\":[\"0x%llx\",\"0x%llx\"]", it->n ? "," : "", name,
		       (unsigned long long)a, (unsigned long long)b);
	else if (it->n)
		printf(", %s 0x%llx -> 0x%llx", name, (unsigned long long)a, (unsigned long long)b);
	else
		printf("    %s: %s 0x%llx -> 0x%llx", it->label, name,
		       (unsigned long long)a, (unsigned long long)b);
	it->n++;
}

static void end_items(struct items *it)
{
	if (it->json)
		printf("}");
	else if (it->n)
		printf("\n");
}

/*
 * The vector registers that changed, after the other items of the group:
 * in text each on a line of its own (they are long), under the others;
 * YMM registers whole once either state has AVX state.
 */
static void vector_items(struct items *it, const struct hv_fpu_regs *a,
			 const struct hv_fpu_regs *b)
{
	int ymm = a->has_ymm || b->has_ymm;
	char old[HV_FPU_HEX_LEN], new[HV_FPU_HEX_LEN];

	for (unsigned int i = 0; i < HV_FPU_NREGS; i++) {
		if (!hv_fpu_reg_differs(a, b, i, ymm))
			continue;
		hv_fpu_hex(a, i, ymm, old, sizeof(old));
		hv_fpu_hex(b, i, ymm, new, sizeof(new));
		if (it->json)
			printf("%s\"%cmm%u\":[\"%s\",\"%s\"]", it->n ? "," : "",
			       ymm ? 'y' : 'x', i, old, new);
		else if (it->n)
			printf("\n%*s%cmm%u %s -> %s", (int)strlen(it->label) + 6, "",
			       ymm ? 'y' : 'x', i, old, new);
		else
			printf("    %s: %cmm%u %s -> %s", it->label, ymm ? 'y' : 'x', i, old, new);
		it->n++;
	}
}

/* The general registers, then the control registers as the guest reads them */
static void reg_items(struct items *it, const struct hv_state *a, const struct hv_state *b)
{
	for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++)
		if (REGVAL(&a->regs, i) != REGVAL(&b->regs, i))
			item(it, reg_names[i].name, REGVAL(&a->regs, i), REGVAL(&b->regs, i));
#define CRITEM(f) do { \
		if (a->sregs.f != b->sregs.f) \
			item(it, #f, a->sregs.f, b->sregs.f); \
	} while (0)
	CRITEM(cr0);
	CRITEM(cr2);
	CRITEM(cr3);
	CRITEM(cr4);
	CRITEM(efer);
#undef CRITEM
}

/*
 * At an exit the kernel handled: the state before its handler ran (kept
 * by hvlab.ko under HVLAB_RUN_STOP_EVERY_EXIT), the rest as cur has it.
 * 0 for other exits, and with an hvlab.ko that does not keep it.
 */
static int state_at_exit(const struct hvlab_run *run, const struct hv_state *cur,
			 struct hv_state *out)
{
	if (run->exit_reason != HVLAB_EXIT_HANDLED || !run->exit_state_seq ||
	    run->exit_state_seq != run->exit_count)
		return 0;
	*out = *cur;
	out->regs = run->exit_regs;
	out->sregs = run->exit_sregs;
	return 1;
}

/* The ith of seg_names[] in @s */
static const struct hvlab_segment *segment(const struct hvlab_sregs *s, size_t i)
{
	return (const void *)((const char *)s + seg_names[i].offset);
}

/* Text: under the vmcs line, what a segment's access-rights change means. */
static void print_ar_note(const char *seg, uint32_t a, uint32_t b, int real_mode)
{
	const char *why = hv_ar_change_why(seg, a, b, real_mode);
	char what[320];

	hv_ar_change(seg, a, b, what, sizeof(what));
	printf("          %s\n", what);
	while (why && *why) {
		size_t n = strcspn(why, "\n");

		printf("          %.*s\n", (int)n, why);
		why += n + !!why[n];
	}
}

static void print_ar_notes(struct stepper *st, const struct hv_state *cur)
{
	int real_mode = !(cur->sregs.cr0 & 1);
	char seg[8];

	if (!st->vmcs_ok) {
		for (size_t i = 0; i < ARRAY_SIZE(seg_names); i++) {
			uint32_t a = segment(&st->prev.sregs, i)->access_rights;
			uint32_t b = segment(&cur->sregs, i)->access_rights;

			if (a != b)
				print_ar_note(seg_names[i].name, a, b, real_mode);
		}
		return;
	}
	for (int i = 0; i < HV_VMCS_NFIELDS; i++) {
		const char *name = hv_vmcs_fields[i].name;
		size_t len = strlen(name);

		/* GUEST_CS_AR_BYTES: "cs" */
		if (!vmcs_shown_field(i) || !st->cur_vmcs.supported[i] ||
		    st->prev_vmcs.value[i] == st->cur_vmcs.value[i] ||
		    len < 16 || len - 15 >= sizeof(seg) || strcmp(name + len - 9, "_AR_BYTES"))
			continue;
		for (size_t j = 0; j < len - 15; j++)
			seg[j] = tolower((unsigned char)name[6 + j]);
		seg[len - 15] = 0;
		print_ar_note(seg, st->prev_vmcs.value[i], st->cur_vmcs.value[i], real_mode);
	}
}

/*
 * What changed since the last stop, as "name old -> new" items; JSON:
 * "name":["old","new"]. "changed": the registers, the control registers
 * as the guest sees them, MXCSR and the vector registers, as the guest's
 * own instructions left them. "handler": at an exit the kernel handled,
 * what its handler changed on top. Then the guest-state VMCS fields (or,
 * with an hvlab.ko without HVLAB_GET_VMCS, the segments from
 * HVLAB_GET_SREGS), whoever changed them.
 */
static void print_changes(struct stepper *st, const struct hv_state *cur, int json)
{
	const struct hv_state *old = &st->prev;
	struct hv_state at_exit;
	int handled = state_at_exit(st->s->vm.run, cur, &at_exit);
	struct items it = { .json = json, .label = "changed" };

	if (json)
		printf(",\"changed\":{");
	reg_items(&it, old, handled ? &at_exit : cur);
	if (st->fpu_ok && st->prev_fpu_ok) {
		if (st->prev_fpu.mxcsr != st->cur_fpu.mxcsr)
			item(&it, "mxcsr", st->prev_fpu.mxcsr, st->cur_fpu.mxcsr);
		vector_items(&it, &st->prev_fpu, &st->cur_fpu);
	}
	end_items(&it);
	if (handled) {
		it = (struct items){ .json = json, .label = "handler" };
		if (json)
			printf(",\"handler\":{");
		reg_items(&it, &at_exit, cur);
		if (!json && !it.n)
			printf("    handler: no change\n");
		end_items(&it);
	}

	it = (struct items){ .json = json, .label = st->vmcs_ok ? "vmcs" : "sregs" };
	if (json)
		printf(",\"vmcs_changed\":{");
	if (st->vmcs_ok) {
		for (int i = 0; i < HV_VMCS_NFIELDS; i++)
			if (vmcs_shown_field(i) && st->cur_vmcs.supported[i] &&
			    st->prev_vmcs.value[i] != st->cur_vmcs.value[i]) {
				item(&it, hv_vmcs_fields[i].name, st->prev_vmcs.value[i],
				     st->cur_vmcs.value[i]);
			}
	} else {
		/* no HVLAB_GET_VMCS in this hvlab.ko: compare what GET_SREGS says */
		const struct hvlab_sregs *a = &old->sregs, *b = &cur->sregs;
		char name[32];

		for (size_t i = 0; i < ARRAY_SIZE(seg_names); i++) {
			const struct hvlab_segment *x = (const void *)((const char *)a + seg_names[i].offset);
			const struct hvlab_segment *y = (const void *)((const char *)b + seg_names[i].offset);

#define SEGITEM(f) do { \
			if (x->f != y->f) { \
				snprintf(name, sizeof(name), "%s.%s", seg_names[i].name, #f); \
				item(&it, name, x->f, y->f); \
			} \
		} while (0)
			SEGITEM(selector);
			SEGITEM(base);
			SEGITEM(limit);
			SEGITEM(access_rights);
#undef SEGITEM
		}
#define SITEM(text, f) do { \
			if (a->f != b->f) \
				item(&it, text, a->f, b->f); \
		} while (0)
		SITEM("gdt.base", gdt.base);
		SITEM("gdt.limit", gdt.limit);
		SITEM("idt.base", idt.base);
		SITEM("idt.limit", idt.limit);
#undef SITEM
	}
	end_items(&it);
	if (!json)
		print_ar_notes(st, cur);
}

/* The exit's record, as the trace ring would have it. */
static struct hvlab_exit_record exit_record(const struct hvlab_run *run)
{
	return (struct hvlab_exit_record){
		.seq = run->exit_count,
		.reason = run->vmx_exit_reason,
		.instruction_length = run->instruction_length,
		.qualification = run->exit_qualification,
		.rip = run->guest_rip,
		.gpa = run->guest_phys_addr,
		.intr_info = run->intr_info,
		.instruction_info = run->instruction_info,
	};
}

/* What happened to the exit after the kernel saw it: one line. */
static void print_disposition(const struct hvlab_run *run)
{
	switch (run->exit_reason) {
	case HVLAB_EXIT_HANDLED:
		printf("    handled in the kernel\n");
		break;
	case HVLAB_EXIT_IO: {
		struct hv_io_qual io = {
			.size = run->io.size, .in = run->io.direction == HVLAB_IO_IN,
			.string = run->io.string, .rep = run->io.rep,
		};
		char insn[16], left[48] = "";

		/* A REP moves one element per exit: say how many are to come. */
		if (run->io.rep)
			snprintf(left, sizeof(left), run->io.count > 1 ?
				 " (this element and %u more)" : " (the last element)",
				 run->io.count - 1);
		hv_io_mnemonic(&io, insn, sizeof(insn));
		if (run->io.direction == HVLAB_IO_OUT)
			printf("    to userspace: %s 0x%x%s%s\n", insn, run->io.data,
			       run->io.size == 1 && run->io.data >= 0x20 && run->io.data < 0x7f ?
			       (char[]){ ' ', '\'', (char)run->io.data, '\'', 0 } : "", left);
		else
			printf("    to userspace: %s, hvctl supplies the value%s\n", insn, left);
		break;
	}
	case HVLAB_EXIT_CONSOLE:
		printf("    to userspace: %u bytes the guest printed by hypercall (below)\n",
		       run->console.len);
		break;
	case HVLAB_EXIT_MMIO:
		printf("    to userspace: MMIO %s of %u bytes at 0x%llx\n",
		       run->mmio.access == HVLAB_ACCESS_WRITE ? "write" : "read",
		       run->mmio.len, (unsigned long long)run->mmio.phys_addr);
		break;
	case HVLAB_EXIT_STEP:
		printf("    one instruction done (stepi)\n");
		break;
	default:
		printf("    to userspace: %s\n", hv_run_exit_name(run->exit_reason));
		break;
	}
}

/* Show the stop: the exit decoded, the instruction, what changed. */
static void show_stop(struct stepper *st, const struct hv_state *cur)
{
	struct hvlab_run *run = st->s->vm.run;
	struct hvlab_exit_record rec = exit_record(run);
	const struct hvlab_sregs *sregs = &cur->sregs;
	int bits = hv_code_bits(sregs, cur->regs.rflags), json = st->cfg->json;
	/* a completed single step stops before the next instruction, not at one that exited */
	uint64_t rip = run->exit_reason == HVLAB_EXIT_STEP ? cur->regs.rip : run->guest_rip;
	uint64_t la = code_linear(sregs, cur->regs.rflags, rip);
	uint8_t code[MAX_INSN];
	char line[512], text[160] = "", bytes[64] = "", why[200] = "";
	size_t got = read_code(st, sregs, la, code, why, sizeof(why));
	unsigned int len = got ? hv_disasm(code, got, la, bits, text, sizeof(text)) : 0;

	if (got && !len)
		snprintf(why, sizeof(why), "no valid %d-bit instruction there", bits);
	if (len)
		hex_bytes(code, len, bytes, sizeof(bytes), json ? "" : " ");
	if (json) {
		hv_format_exit_json(&rec, line, sizeof(line));
		printf("{\"stop\":%ld,\"seq\":%llu,\"run_exit\":\"%s\",\"exit\":%s,\"rip\":\"0x%llx\",\"mode\":\"%s\",\"bits\":%d,",
		       st->stops, (unsigned long long)run->exit_count,
		       hv_run_exit_name(run->exit_reason), line, (unsigned long long)rip,
		       hv_cpu_mode_name(sregs, cur->regs.rflags), bits);
		if (len) {
			printf("\"insn\":\"");
			json_escape(stdout, text);
			printf("\",\"bytes\":\"%s\"", bytes);
		} else {
			printf("\"insn\":null,\"insn_error\":\"");
			json_escape(stdout, why);
			printf("\"");
		}
		print_changes(st, cur, 1);
		printf("}\n");
	} else {
		if (run->exit_reason == HVLAB_EXIT_STEP)
			printf("#%llu step to rip 0x%llx\n", (unsigned long long)run->exit_count,
			       (unsigned long long)rip);
		else {
			hv_format_exit(&rec, line, sizeof(line));
			printf("%s\n", line);
			print_disposition(run);
		}
		if (len)
			printf("    %s 0x%llx (%s, %d-bit): %s  [%s]\n",
			       run->exit_reason == HVLAB_EXIT_STEP ? "next" : "insn",
			       (unsigned long long)rip, hv_cpu_mode_name(sregs, cur->regs.rflags),
			       bits, text, bytes);
		else
			printf("    insn 0x%llx: cannot show it: %s\n", (unsigned long long)rip, why);
		print_changes(st, cur, 0);
	}
	fflush(stdout);
}

/* --- commands that show things -------------------------------------------- */

/* An address parse_command() accepted: a register's value or a number. */
static uint64_t resolve_addr(const char *text, const struct hvlab_regs *regs)
{
	for (size_t i = 0; i < ARRAY_SIZE(reg_names); i++)
		if (!strcasecmp(text, reg_names[i].name))
			return REGVAL(regs, i);
	return strtoull(text, NULL, 0);
}

static void print_rflags(uint64_t rflags)
{
	static const struct { unsigned int bit; const char *name; } flags[] = {
		{ 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
		{ 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" }, { 17, "VM" },
		{ 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" },
	};

	printf("rflags 0x%llx [", (unsigned long long)rflags);
	for (size_t i = 0, n = 0; i < ARRAY_SIZE(flags); i++)
		if (rflags & (1ULL << flags[i].bit))
			printf("%s%s", n++ ? " " : "", flags[i].name);
	printf("] iopl %llu\n", (unsigned long long)(rflags >> 12) & 3);
}

/* regs xmm: MXCSR decoded, then XMM0-15 (YMM0-15 once the guest has AVX state) */
static void cmd_regs_vector(struct stepper *st)
{
	struct hv_fpu_regs fpu;
	char flags[64], hex[HV_FPU_HEX_LEN], name[8];
	int ret = hv_fpu_read(&st->s->vm, &fpu);

	if (ret) {
		printf("cannot read the vector registers (HVLAB_GET_FPU: %s): an hvlab.ko older than hvctl lacks it; rebuild both with 'make' and load the new hvlab.ko\n",
		       strerror(-ret));
		return;
	}
	hv_mxcsr_flags(fpu.mxcsr, flags, sizeof(flags));
	printf("mxcsr 0x%04x [%s] %s\n", fpu.mxcsr, flags, hv_mxcsr_rounding(fpu.mxcsr));
	for (unsigned int i = 0; i < HV_FPU_NREGS; i++) {
		snprintf(name, sizeof(name), "%cmm%u", fpu.has_ymm ? 'y' : 'x', i);
		hv_fpu_hex(&fpu, i, fpu.has_ymm, hex, sizeof(hex));
		/* two XMM registers a line, one YMM register */
		printf("%-5s %s%s", name, hex, fpu.has_ymm || i % 2 ? "\n" : "  ");
	}
}

static void cmd_regs(struct stepper *st, const char *group)
{
	struct hv_state cur;
	char flags[128];

	if (!strcasecmp(group, "xmm")) {
		cmd_regs_vector(st);
		return;
	}

	if (hv_state_capture(&st->s->vm, &cur)) {
		printf("cannot read the registers: %s\n", strerror(errno));
		return;
	}
	for (size_t i = 0; i < 16; i++)
		printf("%-3s 0x%016llx%s", reg_names[i].name, REGVAL(&cur.regs, i),
		       i % 4 == 3 ? "\n" : "  ");
	printf("rip 0x%016llx  ", (unsigned long long)cur.regs.rip);
	print_rflags(cur.regs.rflags);
	for (size_t i = 0; i < ARRAY_SIZE(seg_names); i++) {
		const struct hvlab_segment *seg =
			(const void *)((const char *)&cur.sregs + seg_names[i].offset);

		hv_segment_flags(seg->access_rights, flags, sizeof(flags));
		printf("%-4s 0x%04x base 0x%llx limit 0x%x ar 0x%x (%s)\n", seg_names[i].name,
		       seg->selector, (unsigned long long)seg->base, seg->limit,
		       seg->access_rights, flags);
	}
	printf("gdt base 0x%llx limit 0x%x  idt base 0x%llx limit 0x%x\n",
	       (unsigned long long)cur.sregs.gdt.base, cur.sregs.gdt.limit,
	       (unsigned long long)cur.sregs.idt.base, cur.sregs.idt.limit);
	printf("cr0 0x%llx cr2 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
	       (unsigned long long)cur.sregs.cr0, (unsigned long long)cur.sregs.cr2,
	       (unsigned long long)cur.sregs.cr3, (unsigned long long)cur.sregs.cr4,
	       (unsigned long long)cur.sregs.efer);
	printf("%s, %d-bit code, %s\n", hv_cpu_mode_name(&cur.sregs, cur.regs.rflags),
	       hv_code_bits(&cur.sregs, cur.regs.rflags),
	       hv_paging_name(hv_paging_mode(&cur.sregs)));
	if (!strcasecmp(group, "all"))
		cmd_regs_vector(st);
}

static void cmd_vmcs(struct stepper *st, const char *group)
{
	int ret = hv_vmcs_read(&st->s->vm, &st->cur_vmcs);

	if (ret) {
		printf("cannot read the VMCS (HVLAB_GET_VMCS: %s): this hvlab.ko may be older than hvctl; 'regs' shows what HVLAB_GET_SREGS has\n",
		       strerror(-ret));
		return;
	}
	hv_vmcs_print(stdout, &st->cur_vmcs, hv_vmcs_group_mask(group));
}

/* The EPT now: ranges, the tree, or the walk to one guest-physical address. */
static void cmd_ept(struct stepper *st, const char *arg)
{
	struct hv_ept ept;
	int ret = hv_ept_read(&st->s->vm, &ept);

	if (ret) {
		printf("cannot read the EPT (HVLAB_GET_EPT: %s): this hvlab.ko may be older than hvctl\n",
		       strerror(-ret));
		return;
	}
	if (!*arg)
		hv_ept_print_ranges(stdout, &ept);
	else if (!strcasecmp(arg, "tree"))
		hv_ept_print_tree(stdout, &ept);
	else
		hv_ept_print_gpa(stdout, &ept, strtoull(arg, NULL, 0));
	hv_ept_free(&ept);
}

/* How the CPU would translate a linear address now: guest tables and EPT. */
static void cmd_walk(struct stepper *st, const struct step_cmd *cmd)
{
	struct hv_walk2d walk;
	struct hv_state cur;
	struct hv_ept ept;
	FILE *svg;
	int ret;

	if (hv_state_capture(&st->s->vm, &cur)) {
		printf("cannot read the registers: %s\n", strerror(errno));
		return;
	}
	ret = hv_ept_read(&st->s->vm, &ept);
	if (ret) {
		printf("cannot read the EPT (HVLAB_GET_EPT: %s): this hvlab.ko may be older than hvctl\n",
		       strerror(-ret));
		return;
	}
	hv_walk2d(&st->s->vm, &cur.sregs, &ept, resolve_addr(cmd->addr, &cur.regs), &walk);
	if (cmd->n == 1) {
		hv_walk_print_json(stdout, &walk);
	} else if (cmd->n == 2) {
		svg = fopen(cmd->arg, "w");
		if (!svg) {
			printf("cannot write '%s': %s\n", cmd->arg, strerror(errno));
		} else {
			hv_walk_print_svg(svg, &walk);
			fclose(svg);
			printf("wrote %s: %d memory references; open it in a browser\n", cmd->arg,
			       walk.references);
		}
	} else {
		hv_walk_print(stdout, &walk);
	}
	hv_ept_free(&ept);
}

/* The dirty log since the last look, as ranges of pages */
static void cmd_dirty(struct stepper *st)
{
	uint64_t *gpas;
	size_t n, i, j;
	int err = hv_dirty_pages(&st->s->vm, &gpas, &n);

	if (err == -ENOENT) {
		printf("guest RAM is not dirty-logged: start step with --dirty-log FILE (RAM is then mapped with 4 KiB pages, so each page's writes show)\n");
		return;
	}
	if (err) {
		printf("cannot read the dirty log (HVLAB_GET_DIRTY_LOG: %s)\n", strerror(-err));
		return;
	}
	printf("%zu page%s written since the last look%s", n, n == 1 ? "" : "s", n ? ":" : "");
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && gpas[j] == gpas[j - 1] + 4096; j++)
			;
		if (j - i == 1)
			printf(" 0x%llx", (unsigned long long)gpas[i]);
		else
			printf(" 0x%llx-0x%llx", (unsigned long long)gpas[i],
			       (unsigned long long)gpas[j - 1] + 4095);
	}
	putchar('\n');
	free(gpas);
}

/* Each device of the platform (or the one named) and its registers */
static void cmd_devices(struct stepper *st, const char *name)
{
	struct hv_platform *p = hvctl_platform(st->s);
	unsigned int i, shown = 0;

	for (i = 0; i < p->ndevices; i++) {
		struct hv_device *dev = p->devices[i];

		if (*name && strcmp(name, dev->name))
			continue;
		printf("%-11s", dev->name);
		if (dev->ops->state_json)
			dev->ops->state_json(dev, stdout);
		else
			printf("(no state)");
		putchar('\n');
		shown++;
	}
	if (!shown)
		printf("no device '%s': type devices for the list\n", name);
}

static void cmd_x(struct stepper *st, const struct step_cmd *cmd)
{
	struct hv_state cur;
	uint8_t buf[X_MAX_LEN];
	uint64_t addr;
	char why[200];

	if (hv_state_capture(&st->s->vm, &cur)) {
		printf("cannot read the registers: %s\n", strerror(errno));
		return;
	}
	addr = resolve_addr(cmd->addr, &cur.regs);
	if (cmd->physical ? hv_gpa_read(&st->s->vm, addr, buf, cmd->len) :
	    hv_gla_read(&st->s->vm, &cur.sregs, addr, buf, cmd->len, why, sizeof(why))) {
		if (cmd->physical)
			printf("gpa 0x%llx..0x%llx is not all guest RAM (RAM: 0-0x9ffff and 1M-0x%llx)\n",
			       (unsigned long long)addr, (unsigned long long)(addr + cmd->len - 1),
			       (unsigned long long)st->s->vm.mem_size - 1);
		else
			printf("cannot read: %s\n", why);
		return;
	}
	for (long off = 0; off < cmd->len; off += 16) {
		long n = cmd->len - off < 16 ? cmd->len - off : 16;

		printf("%s0x%08llx:", cmd->physical ? "p " : "", (unsigned long long)(addr + off));
		for (long i = 0; i < 16; i++) {
			if (i < n)
				printf(" %02x", buf[off + i]);
			else
				printf("   ");
		}
		printf("  |");
		for (long i = 0; i < n; i++)
			putchar(buf[off + i] >= 0x20 && buf[off + i] < 0x7f ? buf[off + i] : '.');
		printf("|\n");
	}
}

static void cmd_dis(struct stepper *st, const struct step_cmd *cmd)
{
	struct hv_state cur;
	uint64_t la, here;
	int bits;

	if (hv_state_capture(&st->s->vm, &cur)) {
		printf("cannot read the registers: %s\n", strerror(errno));
		return;
	}
	bits = hv_code_bits(&cur.sregs, cur.regs.rflags);
	here = code_linear(&cur.sregs, cur.regs.rflags, cur.regs.rip);
	la = here;
	if (cmd->addr[0])
		la = resolve_addr(cmd->addr, &cur.regs);
	printf("%d-bit code (%s), linear addresses:\n", bits,
	       hv_cpu_mode_name(&cur.sregs, cur.regs.rflags));
	for (long i = 0; i < cmd->n; i++) {
		uint8_t code[MAX_INSN];
		char text[160], bytes[64], why[200];
		size_t got = read_code(st, &cur.sregs, la, code, why, sizeof(why));
		unsigned int len;

		if (!got) {
			printf("   0x%llx: cannot read: %s\n", (unsigned long long)la, why);
			return;
		}
		len = hv_disasm(code, got, la, bits, text, sizeof(text));
		if (!len) {
			snprintf(text, sizeof(text), "(bad) .byte 0x%02x", code[0]);
			len = 1;
		}
		hex_bytes(code, len, bytes, sizeof(bytes), " ");
		printf("%s 0x%llx: %-30s %s\n", la == here ? "=>" : "  ",
		       (unsigned long long)la, bytes, text);
		la += len;
	}
}

static void cmd_save(struct stepper *st, const char *path)
{
	struct hv_state cur;
	int ret = hv_state_capture(&st->s->vm, &cur);

	if (!ret)
		ret = hv_state_save(path, &cur);
	if (ret)
		printf("cannot save the state to '%s': %s\n", path, strerror(-ret));
	else
		printf("state saved to %s (hvctl run --state %s GUEST replays it)\n", path, path);
}

/* --- the loop --------------------------------------------------------------- */

/* The next command line; 0 at the end of the script (EOF, end of --commands). */
static int next_line(struct stepper *st, char *buf, size_t len)
{
	if (st->cfg->commands) {
		size_t n;

		while (*st->script == ';' || *st->script == '\n')
			st->script++;
		if (!*st->script)
			return 0;
		n = strcspn(st->script, ";\n");
		snprintf(buf, len, "%.*s", (int)n, st->script);
		st->script += n;
		return 1;
	}
	if (st->cfg->count)
		return 0;	/* --count alone: show the stops, ask nothing */
	if (st->interactive && !st->hinted) {
		fprintf(stderr, "(Enter: next exit, c: continue, q: quit, help: all commands)\n");
		st->hinted = 1;
	}
	for (;;) {
		if (st->interactive)
			fprintf(stderr, "step> ");
		fflush(stdout);
		if (fgets(buf, len, stdin))
			break;
		/* Ctrl-C at the prompt: a fresh prompt, as in a shell */
		if (st->interactive && interrupted && ferror(stdin)) {
			interrupted = 0;
			clearerr(stdin);
			fputc('\n', stderr);
			continue;
		}
		if (st->interactive)
			fputc('\n', stderr);
		return 0;
	}
	if (!st->interactive && !st->cfg->json)
		printf("step> %s%s", buf, strchr(buf, '\n') ? "" : "\n");	/* the transcript */
	return 1;
}

enum { RESUME, QUIT };

/* Commands at a stop until one runs the guest again. */
static int prompt(struct stepper *st)
{
	char line[512], err[256];
	struct step_cmd cmd;

	if (st->stepping > 0)
		return RESUME;
	if (st->auto_stops > 0) {
		st->auto_stops--;
		return RESUME;
	}
	if (st->script_done)
		return RESUME;
	for (;;) {
		if (!next_line(st, line, sizeof(line))) {
			st->script_done = 1;
			return RESUME;
		}
		if (parse_command(line, &cmd, err, sizeof(err))) {
			fprintf(stderr, "hvctl: %s\n", err);
			continue;
		}
		switch (cmd.kind) {
		case CMD_NEXT:
			st->auto_stops = cmd.n - 1;
			return RESUME;
		case CMD_CONTINUE:
			st->running_free = 1;
			return RESUME;
		case CMD_UNTIL:
			st->once = cmd.cond;
			st->has_once = 1;
			return RESUME;
		case CMD_STEPI:
			st->stepping = cmd.n;
			return RESUME;
		case CMD_QUIT:
			return QUIT;
		case CMD_REGS:
			cmd_regs(st, cmd.arg);
			break;
		case CMD_VMCS:
			cmd_vmcs(st, cmd.arg);
			break;
		case CMD_EPT:
			cmd_ept(st, cmd.arg);
			break;
		case CMD_WALK:
			cmd_walk(st, &cmd);
			break;
		case CMD_DIRTY:
			cmd_dirty(st);
			break;
		case CMD_DEVICES:
			cmd_devices(st, cmd.arg);
			break;
		case CMD_X:
			cmd_x(st, &cmd);
			break;
		case CMD_DIS:
			cmd_dis(st, &cmd);
			break;
		case CMD_SAVE:
			cmd_save(st, cmd.arg);
			break;
		case CMD_HELP:
			print_help();
			break;
		}
		fflush(stdout);
	}
}

static struct hv_exit_view exit_view(const struct hvlab_run *run)
{
	struct hv_exit_view v = {
		.vmx_reason = run->vmx_exit_reason & 0xffff,
		.run_exit = run->exit_reason,
		.rip = run->guest_rip,
	};
	struct hv_io_qual io;

	if (run->exit_reason == HVLAB_EXIT_IO) {
		v.has_port = 1;
		v.port = run->io.port;
	} else if (v.vmx_reason == 30) {
		hv_decode_io(run->exit_qualification, &io);
		v.has_port = 1;
		v.port = io.port;
	}
	if (run->exit_reason == HVLAB_EXIT_MMIO) {
		v.has_gpa = 1;
		v.gpa = run->mmio.phys_addr;
	} else if (v.vmx_reason == 48 || v.vmx_reason == 49) {
		v.has_gpa = 1;
		v.gpa = run->guest_phys_addr;
	}
	return v;
}

/* Is this exit a stop? */
static int is_stop(struct stepper *st)
{
	struct hv_exit_view v = exit_view(st->s->vm.run);

	if (st->running_free)
		return 0;
	if (st->stepping)
		return 1;
	if (st->has_once)
		return hv_stop_cond_match(&st->once, &v);
	if (!st->cfg->nuntil)
		return 1;
	for (unsigned int i = 0; i < st->cfg->nuntil; i++)
		if (hv_stop_cond_match(&st->cfg->until[i], &v))
			return 1;
	return 0;
}

static void set_run_flags(struct stepper *st)
{
	struct hvlab_run *run = st->s->vm.run;

	run->request_flags = HVLAB_RUN_TRACE;
	if (!st->running_free)
		run->request_flags |= HVLAB_RUN_STOP_EVERY_EXIT;
	if (st->stepping)
		run->request_flags |= HVLAB_RUN_SINGLE_STEP;
	/* the console goes straight out while nothing else is printed */
	st->s->step = !st->running_free;
}

static void snapshot(struct stepper *st, struct hv_state *cur)
{
	int ret = hv_state_capture(&st->s->vm, cur);

	if (ret)
		fprintf(stderr, "hvctl: cannot read the guest's registers: %s\n", strerror(-ret));
	/* Until the module has HVLAB_GET_VMCS, diffs fall back to HVLAB_GET_SREGS. */
	st->vmcs_ok = !hv_vmcs_read(&st->s->vm, &st->cur_vmcs);
	/* One HVLAB_GET_FPU a stop; without it (an older hvlab.ko) no vector registers */
	st->fpu_ok = !hv_fpu_read(&st->s->vm, &st->cur_fpu);
}

/* The stop's state becomes the one the next stop's changes are against. */
static void remember(struct stepper *st, const struct hv_state *cur)
{
	st->prev = *cur;
	st->prev_vmcs = st->cur_vmcs;
	st->prev_fpu = st->cur_fpu;
	st->prev_fpu_ok = st->fpu_ok;
}

static int end_session(struct stepper *st, int status)
{
	console_flush(st->s);
	if (st->cfg->save_state) {
		int ret = hv_state_save(st->cfg->save_state, &st->prev);

		if (ret) {
			fprintf(stderr, "hvctl: --save-state: cannot write '%s': %s\n",
				st->cfg->save_state, strerror(-ret));
			if (!status)
				status = STATUS_SETUP;
		} else {
			fprintf(st->cfg->json ? stderr : stdout, "state at %s saved to %s\n",
				st->stops ? "the last stop" : "the start (no stop)",
				st->cfg->save_state);
		}
	}
	return status;
}

/*
 * Ctrl-C (or SIGTERM) while the guest runs. At a terminal: a stop wherever
 * the guest is, and the prompt; -1 to go on. Otherwise the end (a status).
 */
static int on_interrupt(struct stepper *st)
{
	struct hv_state cur;

	if (!st->interactive) {
		fprintf(stderr, "hvctl: interrupted\n");
		return end_session(st, STATUS_INTERRUPTED);
	}
	interrupted = 0;
	console_flush(st->s);
	snapshot(st, &cur);
	printf("interrupted at rip 0x%llx\n", (unsigned long long)cur.regs.rip);
	remember(st, &cur);
	st->running_free = st->has_once = 0;
	st->stepping = st->auto_stops = 0;
	st->script_done = 0;
	if (prompt(st) == QUIT)
		return end_session(st, STATUS_HALTED);
	return -1;
}

int step_loop(struct session *s)
{
	struct stepper *st = calloc(1, sizeof(*st));
	struct hvlab_run *run = s->vm.run;
	struct hv_state cur;
	int ret, status;

	if (!st) {
		fprintf(stderr, "hvctl: out of memory\n");
		return STATUS_SETUP;
	}
	st->s = s;
	st->cfg = &s->step_cfg;
	st->script = st->cfg->commands;
	st->interactive = !st->cfg->commands && !st->cfg->count && isatty(STDIN_FILENO);
	snapshot(st, &cur);
	remember(st, &cur);

	for (;;) {
		int stop;

		set_run_flags(st);
		ret = hv_run(&s->vm);
		drain_trace(s);
		if (ret == -EINTR) {
			if (interrupted && (status = on_interrupt(st)) >= 0)
				break;
			continue;
		}
		if (ret) {
			fprintf(stderr, "hvctl: HVLAB_RUN failed: %s\n", strerror(-ret));
			status = end_session(st, STATUS_SETUP);
			break;
		}
		if (run->exit_reason == HVLAB_EXIT_TRACE_FULL)
			continue;
		stop = is_stop(st);
		if (stop) {
			st->stops++;
			snapshot(st, &cur);
			show_stop(st, &cur);
			remember(st, &cur);
			/* an exit during stepi ends that instruction too (it was emulated or is pending) */
			if (st->stepping > 0)
				st->stepping--;
			st->has_once = 0;
		}
		handle_exit(s);
		if (s->done) {
			if (!stop && !st->running_free && (st->has_once || st->cfg->nuntil))
				fprintf(stderr, "hvctl: the run ended at exit #%llu (%s) before an exit matched %s\n",
					(unsigned long long)run->exit_count,
					hv_run_exit_name(run->exit_reason),
					st->has_once ? st->once.text : "--until");
			status = end_session(st, s->status);
			break;
		}
		if (!stop) {
			/* the signal came while hvctl had the exit in hand, not in HVLAB_RUN */
			if (interrupted && (status = on_interrupt(st)) >= 0)
				break;
			continue;
		}
		interrupted = 0;	/* at the prompt anyway */
		if (prompt(st) == QUIT) {
			status = end_session(st, STATUS_HALTED);
			break;
		}
		/* --count: the last stop's commands ran; the guest does not run again */
		if (st->cfg->count && st->stops >= st->cfg->count) {
			console_flush(s);
			if (st->cfg->json)
				printf("{\"end\":\"count\",\"stops\":%ld}\n", st->stops);
			else
				printf("stopped after %ld exits (--count)\n", st->stops);
			status = end_session(st, STATUS_HALTED);
			break;
		}
		if (st->running_free)
			console_flush(s);
	}
	free(st);
	return status;
}
