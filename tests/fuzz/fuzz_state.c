// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_state.c - libFuzzer harness for hvctl's state files: the JSON
 * reader (userspace/json.c) and the state loader and writer
 * (userspace/state.c), compiled unchanged.
 *
 * The input is a document (up to its first NUL, as hv_state_load() reads
 * one). A tree that parses is walked node by node; a state that loads is
 * written, and what was written must load again and write the same.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct hv_json *v, int depth, int in_object)
{
	uint64_t x;

	assert(depth <= 33);	/* json.c's JSON_MAX_DEPTH, plus the scalars in the deepest */
	for (; v; v = v->next) {
		assert(v->type <= HV_JSON_OBJECT && v->line >= 1);
		assert(strcmp(hv_json_type_name(v->type), "?"));
		/* members of an object have keys, elements of an array do not */
		assert(!in_object == !v->key);
		if (v->type == HV_JSON_STRING || v->type == HV_JSON_NUMBER)
			assert(v->text);
		if (v->type == HV_JSON_NUMBER && !hv_json_u64(v, &x))
			assert(v->text[0] >= '0' && v->text[0] <= '9');
		else
			hv_json_u64(v, &x);
		if (v->type == HV_JSON_OBJECT) {
			/* keys are unique: each member is found by its own key */
			for (const struct hv_json *m = v->child; m; m = m->next)
				assert(hv_json_get(v, m->key) == m);
		} else {
			assert(!hv_json_get(v, ""));
		}
		if (v->type == HV_JSON_ARRAY || v->type == HV_JSON_OBJECT)
			walk(v->child, depth + 1, v->type == HV_JSON_OBJECT);
		else
			assert(!v->child);
	}
}

/* hv_state_write() into a malloc'ed string */
static char *write_state(const struct hv_state *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert(out);
	hv_state_write(out, st);
	assert(!ferror(out));
	fclose(out);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *written, *rewritten, err[512];
	struct hv_json *root;
	struct hv_state st, st2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	err[0] = 0;
	root = hv_json_parse(text, err, sizeof(err));
	if (root) {
		walk(root, 0, 0);
		hv_json_free(root);
	} else {
		assert(!strncmp(err, "line ", 5));
	}

	err[0] = 0;
	if (hv_state_parse(text, "fuzz", &st, err, sizeof(err))) {
		assert(!strncmp(err, "fuzz: ", 6));
	} else {
		/* what hvctl step --save-state writes, hvctl run --state reads back */
		written = write_state(&st);
		if (hv_state_parse(written, "written", &st2, err, sizeof(err))) {
			fprintf(stderr, "%s\n%s\n", written, err);
			assert(!"a state that was written does not load again");
		}
		rewritten = write_state(&st2);
		assert(!strcmp(written, rewritten));
		free(written);
		free(rewritten);
	}
	free(text);
	return 0;
}
