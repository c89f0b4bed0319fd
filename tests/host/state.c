// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - host-side tests of the JSON reader (userspace/json.c) and of
 * state files (userspace/state.c): a state written, read back, edited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "json.h"
#include "state.h"
#include "vmcs_image.h"

TEST(json_values)
{
	char err[256];
	struct hv_json *root = hv_json_parse(
		"{\n  \"a\": \"0x7c00\",\n  \"b\": [1, -2.5e3, true, false, null],\n"
		"  \"c\": {\"d\": \"x\\\"\\\\\\n\\u00e9\"}\n}\n", err, sizeof(err));
	const struct hv_json *b, *e;
	uint64_t v;

	ASSERT_NE(NULL, root) TH_LOG("%s", err);
	EXPECT_EQ(HV_JSON_OBJECT, root->type);
	ASSERT_EQ(0, hv_json_u64(hv_json_get(root, "a"), &v));
	EXPECT_EQ(0x7c00, v);
	EXPECT_EQ(2, hv_json_get(root, "a")->line);
	b = hv_json_get(root, "b");
	ASSERT_NE(NULL, b);
	EXPECT_EQ(HV_JSON_ARRAY, b->type);
	EXPECT_EQ(3, b->line);
	e = b->child;
	ASSERT_EQ(0, hv_json_u64(e, &v));
	EXPECT_EQ(1, v);
	e = e->next;
	EXPECT_STREQ("-2.5e3", e->text);
	EXPECT_EQ(-1, hv_json_u64(e, &v));	/* not an unsigned integer */
	e = e->next;
	EXPECT_EQ(HV_JSON_BOOL, e->type);
	EXPECT_EQ(1, e->boolean);
	EXPECT_EQ(0, e->next->boolean);
	EXPECT_EQ(HV_JSON_NULL, e->next->next->type);
	EXPECT_STREQ("x\"\\\n\xc3\xa9", hv_json_get(hv_json_get(root, "c"), "d")->text);
	EXPECT_EQ(NULL, hv_json_get(root, "nope"));
	hv_json_free(root);
}

TEST(json_errors_name_the_line)
{
	static const struct { const char *text, *err; } cases[] = {
		{ "{\"a\": 1,\n}", "line 2: a ',' before '}': JSON allows no trailing comma" },
		{ "{\"a\" 1}", "line 1: expected ':' after the key \"a\", found '1'" },
		{ "{\n\n\"a\": 0x10}", "line 3: a hex number must be a string in JSON: write \"0x...\"" },
		{ "{\"a\": 1, \"a\": 2}", "line 1: key \"a\" appears twice in the same object" },
		{ "{\"a\": \"b}", "line 1: a string does not end (missing '\"')" },
		{ "{\"a\": 1} x", "line 1: 'x' after the end of the document" },
		{ "", "line 1: expected a value (a string, number, object, array, true, false or null), found the end of the file" },
		{ "{a: 1}", "line 1: expected a key in double quotes, found 'a'" },
		{ "[1 2]", "line 1: expected ',' or ']', found '2'" },
		{ "\"\\q\"", "line 1: unknown escape '\\q' in a string" },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(NULL, hv_json_parse(cases[i].text, err, sizeof(err)));
		EXPECT_STREQ(cases[i].err, err);
	}
}

static void sample_state(struct hv_state *st)
{
	memset(st, 0, sizeof(*st));
	st->regs.rax = 0x1122334455667788ULL;
	st->regs.r15 = 15;
	st->regs.rsp = 0x7c00;
	st->regs.rip = 0x7c02;
	st->regs.rflags = 0x202;
	st->sregs.cs = (struct hvlab_segment){ .selector = 0x8, .base = 0, .limit = 0xffffffff,
					       .access_rights = 0xc09b };
	st->sregs.ss = (struct hvlab_segment){ .selector = 0x10, .limit = 0xffffffff,
					       .access_rights = 0xc093 };
	st->sregs.ldtr.access_rights = HVLAB_AR_UNUSABLE;
	st->sregs.tr = (struct hvlab_segment){ .selector = 0x20, .base = 0x1100, .limit = 0x67,
					       .access_rights = 0x8b };
	st->sregs.gdt = (struct hvlab_dtable){ .base = 0x1000, .limit = 0x2f };
	st->sregs.idt = (struct hvlab_dtable){ .base = 0x9000, .limit = 0x7ff };
	st->sregs.cr0 = 0x80000011;
	st->sregs.cr2 = 0xdead000;
	st->sregs.cr3 = 0x2000;
	st->sregs.cr4 = 0x20;
	st->sregs.efer = 0x500;
	st->nvmcs = 2;
	st->vmcs[0].encoding = hv_vmcs_fields[HV_VMCS_IDX_GUEST_ACTIVITY_STATE].encoding;
	st->vmcs[0].value = 1;
	st->vmcs[1].encoding = hv_vmcs_fields[HV_VMCS_IDX_GUEST_DR7].encoding;
	st->vmcs[1].value = 0x400;
}

static char *state_text(const struct hv_state *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	hv_state_write(out, st);
	fclose(out);
	return text;
}

/* Replace the first occurrence of from with to (the edit a student makes). */
static char *edit(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	if (!at)
		return NULL;
	out = malloc(strlen(text) + strlen(to) + 1);
	sprintf(out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

TEST(state_round_trip)
{
	struct hv_state st, back;
	char err[256], *text, *edited;

	sample_state(&st);
	text = state_text(&st);
	ASSERT_EQ(0, hv_state_parse(text, "s.json", &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, memcmp(&st.regs, &back.regs, sizeof(st.regs)));
	EXPECT_EQ(0, memcmp(&st.sregs, &back.sregs, sizeof(st.sregs)));
	ASSERT_EQ(2, back.nvmcs);
	EXPECT_EQ(st.vmcs[0].encoding, back.vmcs[0].encoding);
	EXPECT_EQ(1, back.vmcs[0].value);
	EXPECT_EQ(0x400, back.vmcs[1].value);
	/* values are hex strings, segments carry their decoded flags */
	EXPECT_NE(NULL, strstr(text, "\"rip\": \"0x7c02\""));
	EXPECT_NE(NULL, strstr(text, "\"access_rights\": \"0xc09b\", \"flags\": \"code, execute/read, accessed, present, dpl 0, 32-bit, 4K granularity\""));
	EXPECT_NE(NULL, strstr(text, "\"GUEST_ACTIVITY_STATE\": \"0x1\""));

	/* edit and replay: a changed value is read, the flags comment is not */
	edited = edit(text, "\"rip\": \"0x7c02\"", "\"rip\": \"0x7c10\"");
	ASSERT_NE(NULL, edited);
	ASSERT_EQ(0, hv_state_parse(edited, "s.json", &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0x7c10, back.regs.rip);
	free(edited);
	edited = edit(text, "32-bit, 4K granularity", "whatever");
	ASSERT_EQ(0, hv_state_parse(edited, "s.json", &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0xc09b, back.sregs.cs.access_rights);
	free(edited);
	free(text);
}

TEST(state_without_optional_keys)
{
	struct hv_state st, back;
	char err[256], *text, *a, *b;

	sample_state(&st);
	st.nvmcs = 0;
	st.sregs.cr2 = 0;
	text = state_text(&st);
	a = edit(text, "  \"cr2\": \"0x0\",\n", "");
	b = edit(a, "  \"format\": \"hvlab-state-1\",\n", "");
	ASSERT_EQ(0, hv_state_parse(b, "s.json", &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, memcmp(&st.sregs, &back.sregs, sizeof(st.sregs)));
	EXPECT_EQ(0, back.nvmcs);
	free(a);
	free(b);
	free(text);
}

TEST(state_errors_name_the_key)
{
	static const struct { const char *from, *to, *err; } cases[] = {
		{ "\"rip\": \"0x7c02\"", "\"rip\": \"7c02h\"",
		  "s.json: line 19: rip: expected a number as a hex string such as \"0x7c00\", found a string \"7c02h\"" },
		{ "\"rip\": \"0x7c02\"", "\"rxp\": \"0x7c02\"",
		  "s.json: line 19: the state: unknown key \"rxp\" (the keys are in docs/hvctl.md, State files)" },
		{ "  \"rsp\": \"0x7c00\",\n", "", "s.json: line 1: the state: \"rsp\" is missing" },
		{ "\"selector\": \"0x8\"", "\"selector\": \"0x10000\"",
		  "s.json: line 21: cs.selector: 0x10000 is too large (at most 0xffff)" },
		{ "\"limit\": \"0x2f\"", "\"limit\": {}",
		  "s.json: line 29: gdt.limit: expected a number as a hex string such as \"0x7c00\", found an object" },
		{ "\"base\": \"0x0\", \"limit\": \"0xffffffff\", \"access_rights\": \"0xc09b\"",
		  "\"base\": \"0x0\", \"limit\": \"0xffffffff\"", "s.json: line 21: cs: \"access_rights\" is missing" },
		{ "\"GUEST_DR7\"", "\"GUEST_DR8\"", "s.json: line 38: vmcs: unknown field \"GUEST_DR8\"" },
		{ "\"GUEST_DR7\"", "\"GUEST_RIP\"",
		  "s.json: line 38: vmcs: GUEST_RIP is already given by \"rip\": remove it from \"vmcs\"" },
		{ "\"GUEST_DR7\"", "\"GUEST_CS_AR_BYTES\"",
		  "s.json: line 38: vmcs: GUEST_CS_AR_BYTES is already given by \"cs\"" },
		/* names are case-insensitive: this is the field of line 37 again (fuzz_state) */
		{ "\"GUEST_DR7\"", "\"guest_activity_state\"",
		  "s.json: line 38: vmcs: \"guest_activity_state\" is GUEST_ACTIVITY_STATE again: give each field once" },
		{ "\"GUEST_DR7\"", "\"HOST_RIP\"",
		  "s.json: line 38: vmcs: HOST_RIP is a host state field; a state file holds guest-state fields only" },
		{ "\"GUEST_ACTIVITY_STATE\": \"0x1\"", "\"GUEST_ACTIVITY_STATE\": \"0x100000000\"",
		  "s.json: line 37: GUEST_ACTIVITY_STATE: 0x100000000 is too large (at most 0xffffffff)" },
		{ "\"format\": \"hvlab-state-1\"", "\"format\": \"hvlab-state-2\"",
		  "s.json: line 2: \"format\": this hvctl reads \"hvlab-state-1\" files" },
		{ "\"efer\": \"0x500\",", "\"efer\": \"0x500\"",
		  "s.json: line 36: expected ',' or '}', found '\"'" },
	};
	struct hv_state st, back;
	char err[256], *text;

	sample_state(&st);
	text = state_text(&st);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *edited = edit(text, cases[i].from, cases[i].to);

		ASSERT_NE(NULL, edited) TH_LOG("case %zu: '%s' not in the state", i, cases[i].from);
		memset(&back, 0x5a, sizeof(back));
		EXPECT_EQ(-1, hv_state_parse(edited, "s.json", &back, err, sizeof(err)));
		EXPECT_EQ(0, strncmp(err, cases[i].err, strlen(cases[i].err)))
			TH_LOG("case %zu: got '%s'", i, err);
		/* nothing is written on error */
		EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, back.regs.rax);
		free(edited);
	}
	free(text);
}

TEST(state_files)
{
	struct hv_state st, back;
	char path[] = "/tmp/hvlab-state-XXXXXX", err[256];
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	close(fd);
	sample_state(&st);
	ASSERT_EQ(0, hv_state_save(path, &st));
	ASSERT_EQ(0, hv_state_load(path, &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(0, memcmp(&st.regs, &back.regs, sizeof(st.regs)));
	unlink(path);
	EXPECT_EQ(-1, hv_state_load(path, &back, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "No such file or directory"));
	EXPECT_EQ(-ENOENT, hv_state_save("/nonexistent/dir/s.json", &st));
}

TEST(segment_flags)
{
	char buf[128];

	hv_segment_flags(0x9b, buf, sizeof(buf));
	EXPECT_STREQ("code, execute/read, accessed, present, dpl 0, 16-bit", buf);
	hv_segment_flags(0xa09b, buf, sizeof(buf));
	EXPECT_STREQ("code, execute/read, accessed, present, dpl 0, 64-bit, 4K granularity", buf);
	hv_segment_flags(0xf3, buf, sizeof(buf));
	EXPECT_STREQ("data, read/write, accessed, present, dpl 3, 16-bit", buf);
	hv_segment_flags(0x8b, buf, sizeof(buf));
	EXPECT_STREQ("system, TSS (busy), present, dpl 0", buf);
	hv_segment_flags(0x10000, buf, sizeof(buf));
	EXPECT_STREQ("unusable", buf);
}

TEST(ar_change)
{
	char buf[256];
	const char *why;

	/* Bochs' CS at the first exit of a real-mode guest */
	hv_ar_change("cs", 0x9b, 0x93, buf, sizeof(buf));
	EXPECT_STREQ("cs type 0xb -> 0x3: code, execute/read, accessed -> data, read/write, accessed", buf);
	why = hv_ar_change_why("cs", 0x9b, 0x93, 1);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "after reset (SDM Table 10-1)"));
	EXPECT_NE(NULL, strstr(why, "unrestricted guest (SDM 27.3.1.2)"));
	/* in protected mode that would be no reset state */
	EXPECT_EQ(NULL, hv_ar_change_why("cs", 0x9b, 0x93, 0));
	EXPECT_EQ(NULL, hv_ar_change_why("ds", 0x9b, 0x93, 1));

	/* the accessed bit */
	hv_ar_change("ds", 0x92, 0x93, buf, sizeof(buf));
	EXPECT_STREQ("ds type 0x2 -> 0x3: data, read/write -> data, read/write, accessed", buf);
	why = hv_ar_change_why("ds", 0x92, 0x93, 0);
	ASSERT_NE(NULL, why);
	EXPECT_NE(NULL, strstr(why, "accessed bit"));
	EXPECT_EQ(NULL, hv_ar_change_why("ds", 0x93, 0x92, 0));

	/* LTR: a system type */
	hv_ar_change("tr", 0x89, 0x8b, buf, sizeof(buf));
	EXPECT_STREQ("tr type 0x9 -> 0xb: system, TSS (available) -> system, TSS (busy)", buf);
	EXPECT_EQ(NULL, hv_ar_change_why("tr", 0x89, 0x8b, 0));

	/* more than the type: the whole decoding */
	hv_ar_change("ss", 0x10000, 0x93, buf, sizeof(buf));
	EXPECT_STREQ("ss: unusable -> data, read/write, accessed, present, dpl 0, 16-bit", buf);
	hv_ar_change("cs", 0x9b, 0xa09b, buf, sizeof(buf));
	EXPECT_STREQ("cs: code, execute/read, accessed, present, dpl 0, 16-bit -> code, execute/read, accessed, present, dpl 0, 64-bit, 4K granularity", buf);
}

TEST_HARNESS_MAIN
