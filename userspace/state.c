// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - vCPU state files (state.h): capture, apply, JSON in and out.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "lib/libhvlab.h"
#include "state.h"
#include "vmcs_image.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* VMCS_GUEST_DR7 = 0x681a, ...: encodings as constants */
enum {
#define X(enc, name) VMCS_##name = enc,
	HVLAB_VMCS_FIELDS(X)
#undef X
};

const uint32_t hv_state_vmcs_encodings[] = {
	VMCS_GUEST_ACTIVITY_STATE,
	VMCS_GUEST_INTERRUPTIBILITY_INFO,
	VMCS_GUEST_PENDING_DBG_EXCEPTIONS,
	VMCS_GUEST_DR7,
	VMCS_GUEST_IA32_DEBUGCTL,
	VMCS_GUEST_SYSENTER_CS,
	VMCS_GUEST_SYSENTER_ESP,
	VMCS_GUEST_SYSENTER_EIP,
};
const unsigned int hv_state_vmcs_count = ARRAY_SIZE(hv_state_vmcs_encodings);

static const struct { const char *name; size_t offset; } reg_fields[] = {
#define REG(r)	{ #r, offsetof(struct hvlab_regs, r) }
	REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi), REG(rsp), REG(rbp),
	REG(r8), REG(r9), REG(r10), REG(r11), REG(r12), REG(r13), REG(r14), REG(r15),
	REG(rip), REG(rflags),
#undef REG
};

static const struct { const char *name; size_t offset; } seg_fields[] = {
#define SEG(s)	{ #s, offsetof(struct hvlab_sregs, s) }
	SEG(cs), SEG(ds), SEG(es), SEG(fs), SEG(gs), SEG(ss), SEG(tr), SEG(ldtr),
#undef SEG
};

static const struct { const char *name; size_t offset; } dtable_fields[] = {
	{ "gdt", offsetof(struct hvlab_sregs, gdt) },
	{ "idt", offsetof(struct hvlab_sregs, idt) },
};

/* cr2 may be left out: it only says where the last page fault was. */
static const struct { const char *name; size_t offset; int optional; } cr_fields[] = {
	{ "cr0", offsetof(struct hvlab_sregs, cr0), 0 },
	{ "cr2", offsetof(struct hvlab_sregs, cr2), 1 },
	{ "cr3", offsetof(struct hvlab_sregs, cr3), 0 },
	{ "cr4", offsetof(struct hvlab_sregs, cr4), 0 },
	{ "efer", offsetof(struct hvlab_sregs, efer), 0 },
};

#define FIELD(base, off, type)	((type *)((char *)(base) + (off)))

/* The type (and S) of a segment's AR bytes: "code, execute/read, accessed" */
static void segment_type(uint32_t ar, char *buf, size_t len)
{
	static const char *const system_types[16] = {
		[1] = "16-bit TSS (available)", [2] = "LDT", [3] = "16-bit TSS (busy)",
		[4] = "16-bit call gate", [5] = "task gate", [6] = "16-bit interrupt gate",
		[7] = "16-bit trap gate", [9] = "TSS (available)", [11] = "TSS (busy)",
		[12] = "call gate", [14] = "interrupt gate", [15] = "trap gate",
	};
	unsigned int type = ar & 0xf;

	if (!(ar & (1u << 4)))
		snprintf(buf, len, "system, %s", system_types[type] ? system_types[type] : "reserved type");
	else if (type & 8)
		snprintf(buf, len, "code, %s%s%s", type & 2 ? "execute/read" : "execute-only",
			 type & 4 ? ", conforming" : "", type & 1 ? ", accessed" : "");
	else
		snprintf(buf, len, "data, %s%s%s", type & 2 ? "read/write" : "read-only",
			 type & 4 ? ", expand-down" : "", type & 1 ? ", accessed" : "");
}

void hv_segment_flags(uint32_t ar, char *buf, size_t len)
{
	char type[64];
	size_t n = 0;

#define ADD(...) do { \
		int r_ = snprintf(buf + n, len > n ? len - n : 0, __VA_ARGS__); \
		if (r_ > 0) \
			n += r_; \
	} while (0)
	if (len)
		buf[0] = 0;
	if (ar & HVLAB_AR_UNUSABLE) {
		ADD("unusable");
		return;
	}
	segment_type(ar, type, sizeof(type));
	ADD("%s", type);
	ADD(", %s, dpl %u", ar & (1u << 7) ? "present" : "not present", (ar >> 5) & 3);
	if (ar & (1u << 4))
		ADD(", %s", ar & (1u << 13) ? "64-bit" : ar & (1u << 14) ? "32-bit" : "16-bit");
	if (ar & (1u << 15))
		ADD(", 4K granularity");
#undef ADD
}

void hv_ar_change(const char *seg, uint32_t old, uint32_t new, char *buf, size_t len)
{
	char a[128], b[128];

	/* only the type: name the two types; else the whole decoding, before and after */
	if (!((old ^ new) & ~0xfu) && !(old & HVLAB_AR_UNUSABLE)) {
		segment_type(old, a, sizeof(a));
		segment_type(new, b, sizeof(b));
		snprintf(buf, len, "%s type 0x%x -> 0x%x: %s -> %s", seg, old & 0xf, new & 0xf, a, b);
		return;
	}
	hv_segment_flags(old, a, sizeof(a));
	hv_segment_flags(new, b, sizeof(b));
	snprintf(buf, len, "%s: %s -> %s", seg, a, b);
}

const char *hv_ar_change_why(const char *seg, uint32_t old, uint32_t new, int real_mode)
{
	uint32_t code_data = 1u << 4;

	if (!(old & code_data) || ((old ^ new) & ~0xfu))
		return NULL;
	/* Bochs, at every VM entry into real mode (its handleCpuModeChange()) */
	if (real_mode && !strcmp(seg, "cs") && (old & 8) && (new & 0xf) == 3)
		return "real mode checks no segment types; 3 is CS's type after reset (SDM Table 10-1),\n"
		       "which VM entry allows with unrestricted guest (SDM 27.3.1.2). Bochs gives CS\n"
		       "this type at every VM entry into real mode.";
	if ((old | 1) == new && !(old & 1))
		return "the CPU sets the accessed bit when it loads the descriptor (SDM 3.4.5.1)";
	return NULL;
}

/* --- writing ------------------------------------------------------------ */

void hv_state_write(FILE *out, const struct hv_state *st)
{
	char flags[128];
	size_t i;

	fprintf(out, "{\n  \"format\": \"%s\",\n", HV_STATE_FORMAT);
	for (i = 0; i < ARRAY_SIZE(reg_fields); i++)
		fprintf(out, "  \"%s\": \"0x%llx\",\n", reg_fields[i].name,
			*FIELD(&st->regs, reg_fields[i].offset, const __u64));
	for (i = 0; i < ARRAY_SIZE(seg_fields); i++) {
		const struct hvlab_segment *seg =
			FIELD(&st->sregs, seg_fields[i].offset, const struct hvlab_segment);

		hv_segment_flags(seg->access_rights, flags, sizeof(flags));
		fprintf(out, "  \"%s\": {\"selector\": \"0x%x\", \"base\": \"0x%llx\", \"limit\": \"0x%x\", \"access_rights\": \"0x%x\", \"flags\": \"%s\"},\n",
			seg_fields[i].name, seg->selector, (unsigned long long)seg->base,
			seg->limit, seg->access_rights, flags);
	}
	for (i = 0; i < ARRAY_SIZE(dtable_fields); i++) {
		const struct hvlab_dtable *dt =
			FIELD(&st->sregs, dtable_fields[i].offset, const struct hvlab_dtable);

		fprintf(out, "  \"%s\": {\"base\": \"0x%llx\", \"limit\": \"0x%x\"},\n",
			dtable_fields[i].name, (unsigned long long)dt->base, dt->limit);
	}
	for (i = 0; i < ARRAY_SIZE(cr_fields); i++)
		fprintf(out, "  \"%s\": \"0x%llx\",\n", cr_fields[i].name,
			*FIELD(&st->sregs, cr_fields[i].offset, const __u64));
	fprintf(out, "  \"vmcs\": {");
	for (i = 0; i < st->nvmcs; i++) {
		int idx = hv_vmcs_index(st->vmcs[i].encoding);

		fprintf(out, "%s\n    \"%s\": \"0x%llx\"", i ? "," : "",
			idx >= 0 ? hv_vmcs_fields[idx].name : "?",
			(unsigned long long)st->vmcs[i].value);
	}
	fprintf(out, "%s}\n}\n", st->nvmcs ? "\n  " : "");
}

int hv_state_save(const char *path, const struct hv_state *st)
{
	FILE *out = fopen(path, "w");
	int err;

	if (!out)
		return -errno;
	hv_state_write(out, st);
	err = ferror(out) ? -EIO : 0;
	if (fclose(out) && !err)
		err = -errno;
	return err;
}

/* --- reading ------------------------------------------------------------ */

struct loader {
	const char *name;
	char *err;
	size_t errlen;
};

static int load_error(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ld->err, ld->errlen, "%s: line %d: ", ld->name, line);

	if (n >= 0 && (size_t)n < ld->errlen) {
		va_start(ap, fmt);
		vsnprintf(ld->err + n, ld->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A value of at most max: "0x7c00" (or decimal, or a JSON number). */
static int load_number(struct loader *ld, const struct hv_json *v, const char *what,
		       uint64_t max, uint64_t *out)
{
	if (hv_json_u64(v, out))
		return load_error(ld, v->line, "%s: expected a number as a hex string such as \"0x7c00\", found %s%s%s%s",
				  what, hv_json_type_name(v->type),
				  v->text ? " \"" : "", v->text ? v->text : "", v->text ? "\"" : "");
	if (*out > max)
		return load_error(ld, v->line, "%s: 0x%llx is too large (at most 0x%llx)", what,
				  (unsigned long long)*out, (unsigned long long)max);
	return 0;
}

static int want_object(struct loader *ld, const struct hv_json *v, const char *what)
{
	if (v->type != HV_JSON_OBJECT)
		return load_error(ld, v->line, "%s: expected an object {...}, found %s",
				  what, hv_json_type_name(v->type));
	return 0;
}

/* Members of object named keys[]; each must appear once, unknown ones are errors. */
static int check_keys(struct loader *ld, const struct hv_json *obj, const char *what,
		      const char *const *keys, const int *optional, size_t nkeys)
{
	for (const struct hv_json *m = obj->child; m; m = m->next) {
		size_t i;

		for (i = 0; i < nkeys; i++)
			if (!strcmp(m->key, keys[i]))
				break;
		if (i == nkeys) {
			char list[120] = "";
			size_t n = 0;

			for (i = 0; i < nkeys && n < sizeof(list); i++)
				n += snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "", keys[i]);
			if (n >= sizeof(list))
				return load_error(ld, m->line, "%s: unknown key \"%s\" (the keys are in docs/hvctl.md, State files)",
						  what, m->key);
			return load_error(ld, m->line, "%s: unknown key \"%s\" (%s has %s)",
					  what, m->key, what, list);
		}
	}
	for (size_t i = 0; i < nkeys; i++)
		if ((!optional || !optional[i]) && !hv_json_get(obj, keys[i]))
			return load_error(ld, obj->line, "%s: \"%s\" is missing", what, keys[i]);
	return 0;
}

static int load_segment(struct loader *ld, const struct hv_json *v, const char *name,
			struct hvlab_segment *seg)
{
	static const char *const keys[] = { "selector", "base", "limit", "access_rights", "flags" };
	static const int optional[] = { 0, 0, 0, 0, 1 };
	char what[48];
	uint64_t x;

	if (want_object(ld, v, name) || check_keys(ld, v, name, keys, optional, ARRAY_SIZE(keys)))
		return -1;
	snprintf(what, sizeof(what), "%s.selector", name);
	if (load_number(ld, hv_json_get(v, "selector"), what, 0xffff, &x))
		return -1;
	seg->selector = x;
	snprintf(what, sizeof(what), "%s.base", name);
	if (load_number(ld, hv_json_get(v, "base"), what, UINT64_MAX, &x))
		return -1;
	seg->base = x;
	snprintf(what, sizeof(what), "%s.limit", name);
	if (load_number(ld, hv_json_get(v, "limit"), what, 0xffffffff, &x))
		return -1;
	seg->limit = x;
	snprintf(what, sizeof(what), "%s.access_rights", name);
	/* bits 16:0 are the VMX access-rights format; 31:17 are reserved */
	if (load_number(ld, hv_json_get(v, "access_rights"), what, 0x1ffff, &x))
		return -1;
	seg->access_rights = x;
	return 0;
}

static int load_dtable(struct loader *ld, const struct hv_json *v, const char *name,
		       struct hvlab_dtable *dt)
{
	static const char *const keys[] = { "base", "limit" };
	char what[48];
	uint64_t x;

	if (want_object(ld, v, name) || check_keys(ld, v, name, keys, NULL, ARRAY_SIZE(keys)))
		return -1;
	snprintf(what, sizeof(what), "%s.base", name);
	if (load_number(ld, hv_json_get(v, "base"), what, UINT64_MAX, &x))
		return -1;
	dt->base = x;
	snprintf(what, sizeof(what), "%s.limit", name);
	if (load_number(ld, hv_json_get(v, "limit"), what, 0xffff, &x))
		return -1;
	dt->limit = x;
	return 0;
}

/* The state key that already holds a VMCS field, or NULL. */
static const char *covered_by(uint32_t enc)
{
	static const struct { uint32_t enc; const char *key; } covered[] = {
		{ VMCS_GUEST_RIP, "rip" }, { VMCS_GUEST_RSP, "rsp" },
		{ VMCS_GUEST_RFLAGS, "rflags" }, { VMCS_GUEST_CR0, "cr0" },
		{ VMCS_GUEST_CR3, "cr3" }, { VMCS_GUEST_CR4, "cr4" },
		{ VMCS_GUEST_IA32_EFER, "efer" },
		{ VMCS_GUEST_GDTR_BASE, "gdt" }, { VMCS_GUEST_GDTR_LIMIT, "gdt" },
		{ VMCS_GUEST_IDTR_BASE, "idt" }, { VMCS_GUEST_IDTR_LIMIT, "idt" },
	};
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };

	for (size_t i = 0; i < ARRAY_SIZE(covered); i++)
		if (covered[i].enc == enc)
			return covered[i].key;
	/* selectors 0x0800.., limits 0x4800.., AR bytes 0x4814.., bases 0x6806.. */
	if (enc >= 0x0800 && enc <= 0x080e)
		return segs[(enc - 0x0800) / 2];
	if (enc >= 0x4800 && enc <= 0x480e)
		return segs[(enc - 0x4800) / 2];
	if (enc >= 0x4814 && enc <= 0x4822)
		return segs[(enc - 0x4814) / 2];
	if (enc >= 0x6806 && enc <= 0x6814)
		return segs[(enc - 0x6806) / 2];
	return NULL;
}

static int load_vmcs(struct loader *ld, const struct hv_json *v, struct hv_state *st)
{
	if (want_object(ld, v, "vmcs"))
		return -1;
	st->nvmcs = 0;
	for (const struct hv_json *m = v->child; m; m = m->next) {
		int idx = hv_vmcs_index_by_name(m->key);
		unsigned int bits;
		uint32_t enc;
		uint64_t x;
		const char *key;

		if (idx < 0)
			return load_error(ld, m->line, "vmcs: unknown field \"%s\": give a name from the SDM, e.g. GUEST_ACTIVITY_STATE (see hvctl vmcs)",
					  m->key);
		enc = hv_vmcs_fields[idx].encoding;
		if (HVLAB_VMCS_AREA(enc) != HVLAB_VMCS_AREA_GUEST)
			return load_error(ld, m->line, "vmcs: %s is a %s field; a state file holds guest-state fields only",
					  m->key, hv_vmcs_area_name(enc));
		key = covered_by(enc);
		if (key)
			return load_error(ld, m->line, "vmcs: %s is already given by \"%s\": remove it from \"vmcs\"",
					  m->key, key);
		/* JSON keys differ by case, field names do not: "guest_dr7" is GUEST_DR7 */
		for (unsigned int i = 0; i < st->nvmcs; i++)
			if (st->vmcs[i].encoding == enc)
				return load_error(ld, m->line, "vmcs: \"%s\" is %s again: give each field once",
						  m->key, hv_vmcs_fields[idx].name);
		if (st->nvmcs == HV_STATE_MAX_VMCS)
			return load_error(ld, m->line, "vmcs: more than %d fields", HV_STATE_MAX_VMCS);
		bits = hv_vmcs_width_bits(enc);
		if (load_number(ld, m, m->key, bits ? (bits == 64 ? UINT64_MAX : (1ULL << bits) - 1) :
				UINT64_MAX, &x))
			return -1;
		st->vmcs[st->nvmcs].encoding = enc;
		st->vmcs[st->nvmcs].value = x;
		st->nvmcs++;
	}
	return 0;
}

int hv_state_parse(const char *text, const char *name, struct hv_state *out,
		   char *err, size_t errlen)
{
	struct loader ld = { .name = name, .err = err, .errlen = errlen };
	const char *keys[ARRAY_SIZE(reg_fields) + ARRAY_SIZE(seg_fields) +
			 ARRAY_SIZE(dtable_fields) + ARRAY_SIZE(cr_fields) + 2];
	int optional[ARRAY_SIZE(keys)];
	struct hv_state st;
	struct hv_json *root;
	const struct hv_json *v;
	char jerr[200];
	uint64_t x;
	size_t i, nkeys = 0;
	int ret = -1;

	root = hv_json_parse(text, jerr, sizeof(jerr));
	if (!root) {
		snprintf(err, errlen, "%s: %s", name, jerr);
		return -1;
	}
	memset(&st, 0, sizeof(st));
	memset(optional, 0, sizeof(optional));
	keys[nkeys] = "format";
	optional[nkeys++] = 1;
	for (i = 0; i < ARRAY_SIZE(reg_fields); i++)
		keys[nkeys++] = reg_fields[i].name;
	for (i = 0; i < ARRAY_SIZE(seg_fields); i++)
		keys[nkeys++] = seg_fields[i].name;
	for (i = 0; i < ARRAY_SIZE(dtable_fields); i++)
		keys[nkeys++] = dtable_fields[i].name;
	for (i = 0; i < ARRAY_SIZE(cr_fields); i++) {
		optional[nkeys] = cr_fields[i].optional;
		keys[nkeys++] = cr_fields[i].name;
	}
	keys[nkeys] = "vmcs";
	optional[nkeys++] = 1;

	if (want_object(&ld, root, "the state") ||
	    check_keys(&ld, root, "the state", keys, optional, nkeys))
		goto out;
	v = hv_json_get(root, "format");
	if (v && (v->type != HV_JSON_STRING || strcmp(v->text, HV_STATE_FORMAT))) {
		load_error(&ld, v->line, "\"format\": this hvctl reads \"%s\" files", HV_STATE_FORMAT);
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(reg_fields); i++) {
		if (load_number(&ld, hv_json_get(root, reg_fields[i].name), reg_fields[i].name,
				UINT64_MAX, &x))
			goto out;
		*FIELD(&st.regs, reg_fields[i].offset, __u64) = x;
	}
	for (i = 0; i < ARRAY_SIZE(seg_fields); i++)
		if (load_segment(&ld, hv_json_get(root, seg_fields[i].name), seg_fields[i].name,
				 FIELD(&st.sregs, seg_fields[i].offset, struct hvlab_segment)))
			goto out;
	for (i = 0; i < ARRAY_SIZE(dtable_fields); i++)
		if (load_dtable(&ld, hv_json_get(root, dtable_fields[i].name),
				dtable_fields[i].name,
				FIELD(&st.sregs, dtable_fields[i].offset, struct hvlab_dtable)))
			goto out;
	for (i = 0; i < ARRAY_SIZE(cr_fields); i++) {
		v = hv_json_get(root, cr_fields[i].name);
		if (!v)
			continue;
		if (load_number(&ld, v, cr_fields[i].name, UINT64_MAX, &x))
			goto out;
		*FIELD(&st.sregs, cr_fields[i].offset, __u64) = x;
	}
	v = hv_json_get(root, "vmcs");
	if (v && load_vmcs(&ld, v, &st))
		goto out;
	*out = st;
	ret = 0;
out:
	hv_json_free(root);
	return ret;
}

int hv_state_load(const char *path, struct hv_state *st, char *err, size_t errlen)
{
	FILE *in = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	int ret;

	if (!in) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			char *bigger;

			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || !(bigger = realloc(text, cap))) {
				snprintf(err, errlen, "%s: too large for a state file", path);
				free(text);
				fclose(in);
				return -1;
			}
			text = bigger;
		}
		n = fread(text + len, 1, cap - len - 1, in);
		len += n;
	} while (n > 0);
	if (ferror(in)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(text);
		fclose(in);
		return -1;
	}
	fclose(in);
	text[len] = 0;
	if (strlen(text) != len) {
		snprintf(err, errlen, "%s: a NUL byte: this is not a JSON text file", path);
		free(text);
		return -1;
	}
	ret = hv_state_parse(text, path, st, err, errlen);
	free(text);
	return ret;
}

/* --- the vCPU ----------------------------------------------------------- */

int hv_state_capture(struct hv_vm *vm, struct hv_state *st)
{
	struct hv_vmcs *vmcs;

	memset(st, 0, sizeof(*st));
	if (hv_get_regs(vm, &st->regs) || hv_get_sregs(vm, &st->sregs))
		return -errno;
	vmcs = malloc(sizeof(*vmcs));
	if (!vmcs)
		return -ENOMEM;
	/* An hvlab.ko without HVLAB_GET_VMCS: the state has no raw fields. */
	if (vm->backend == HV_BACKEND_HVLAB && !hv_vmcs_read(vm, vmcs)) {
		for (unsigned int i = 0; i < hv_state_vmcs_count; i++) {
			int idx = hv_vmcs_index(hv_state_vmcs_encodings[i]);

			if (idx < 0 || !vmcs->supported[idx])
				continue;
			st->vmcs[st->nvmcs].encoding = hv_state_vmcs_encodings[i];
			st->vmcs[st->nvmcs].value = vmcs->value[idx];
			st->nvmcs++;
		}
	}
	free(vmcs);
	return 0;
}

int hv_state_apply(struct hv_vm *vm, const struct hv_state *st)
{
	uint32_t enc[HV_STATE_MAX_VMCS];
	uint64_t val[HV_STATE_MAX_VMCS];

	if (hv_set_sregs(vm, &st->sregs) || hv_set_regs(vm, &st->regs))
		return -errno;
	if (!st->nvmcs)
		return 0;
	for (unsigned int i = 0; i < st->nvmcs; i++) {
		enc[i] = st->vmcs[i].encoding;
		val[i] = st->vmcs[i].value;
	}
	return hv_vmcs_write(vm, enc, val, st->nvmcs);
}
