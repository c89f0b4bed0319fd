/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json - a small JSON reader for hvctl's state files (state.h): a whole
 * document parsed into a tree, every value remembering its line so that
 * errors can point at it. No external library: hvctl is linked -static
 * for the lab VM.
 */
#ifndef HV_JSON_H
#define HV_JSON_H

#include <stddef.h>
#include <stdint.h>

enum hv_json_type {
	HV_JSON_NULL,
	HV_JSON_BOOL,
	HV_JSON_NUMBER,
	HV_JSON_STRING,
	HV_JSON_ARRAY,
	HV_JSON_OBJECT,
};

struct hv_json {
	enum hv_json_type type;
	int line;		/* where the value starts, from 1 */
	char *key;		/* a member of an object: its name, else NULL */
	char *text;		/* string: the value, unescaped; number: as written */
	int boolean;
	struct hv_json *child;	/* array, object: the first element or member */
	struct hv_json *next;	/* the next element or member of the parent */
};

/*
 * Parse a whole document. NULL on error, with err saying where ("line 3:
 * expected ':' after a key"). Objects with the same key twice are errors.
 */
struct hv_json *hv_json_parse(const char *text, char *err, size_t errlen);
void hv_json_free(struct hv_json *value);

/* The member key of an object, or NULL. */
const struct hv_json *hv_json_get(const struct hv_json *object, const char *key);
/* "null", "true or false", "a number", "a string", "an array", "an object" */
const char *hv_json_type_name(enum hv_json_type type);

/*
 * An unsigned integer: a JSON number, or a string holding one in C syntax
 * ("0x7c00", "31744"). -1 if it is neither or does not fit 64 bits.
 */
int hv_json_u64(const struct hv_json *value, uint64_t *out);

#endif
