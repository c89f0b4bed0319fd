// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a recursive-descent JSON reader (RFC 8259), see json.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH	32

struct parser {
	const char *p;
	int line;
	int depth;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
	if (n < 0 || (size_t)n >= ps->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	va_end(ap);
}

static void skip_space(struct parser *ps)
{
	for (;;) {
		char c = *ps->p;

		if (c == '\n')
			ps->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		ps->p++;
	}
}

/* What the parser is looking at, for error messages. */
static const char *seen(struct parser *ps, char *buf, size_t len)
{
	unsigned char c = *ps->p;

	if (!c)
		return "the end of the file";
	if (c < 0x20 || c >= 0x7f)
		snprintf(buf, len, "byte 0x%02x", c);
	else
		snprintf(buf, len, "'%c'", c);
	return buf;
}

static struct hv_json *new_value(struct parser *ps, enum hv_json_type type)
{
	struct hv_json *v = calloc(1, sizeof(*v));

	if (!v) {
		fail(ps, "out of memory");
		return NULL;
	}
	v->type = type;
	v->line = ps->line;
	return v;
}

static void put_utf8(char *out, size_t *n, unsigned int cp)
{
	if (cp < 0x80) {
		out[(*n)++] = cp;
	} else if (cp < 0x800) {
		out[(*n)++] = 0xc0 | cp >> 6;
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else if (cp < 0x10000) {
		out[(*n)++] = 0xe0 | cp >> 12;
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	} else {
		out[(*n)++] = 0xf0 | cp >> 18;
		out[(*n)++] = 0x80 | ((cp >> 12) & 0x3f);
		out[(*n)++] = 0x80 | ((cp >> 6) & 0x3f);
		out[(*n)++] = 0x80 | (cp & 0x3f);
	}
}

static int hex4(const char *p, unsigned int *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string at ps->p (the opening quote); returns it unescaped, malloc'ed. */
static char *parse_string(struct parser *ps)
{
	const char *start = ++ps->p;
	size_t n = 0;
	char *out;

	/* Unescaping never makes a string longer than it is written. */
	while (*ps->p && *ps->p != '"') {
		if (*ps->p == '\\' && ps->p[1])
			ps->p++;
		ps->p++;
	}
	if (!*ps->p) {
		fail(ps, "a string does not end (missing '\"')");
		return NULL;
	}
	out = malloc(ps->p - start + 1);
	if (!out) {
		fail(ps, "out of memory");
		return NULL;
	}
	for (const char *q = start; q < ps->p; q++) {
		unsigned char c = *q;
		unsigned int cp, lo;

		if (c < 0x20) {
			fail(ps, "a control character (0x%02x) inside a string: write it as \\u%04x",
			     c, c);
			free(out);
			return NULL;
		}
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		switch (*++q) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			if (q + 4 >= ps->p || hex4(q + 1, &cp)) {
				fail(ps, "\\u must be followed by four hex digits");
				free(out);
				return NULL;
			}
			q += 4;
			/* A surrogate pair is one character. */
			if (cp >= 0xd800 && cp < 0xdc00 && q + 6 < ps->p &&
			    q[1] == '\\' && q[2] == 'u' && !hex4(q + 3, &lo) &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			put_utf8(out, &n, cp);
			break;
		default:
			fail(ps, "unknown escape '\\%c' in a string", *q);
			free(out);
			return NULL;
		}
	}
	out[n] = 0;
	ps->p++;	/* the closing quote */
	return out;
}

static struct hv_json *parse_value(struct parser *ps);

static struct hv_json *parse_number(struct parser *ps)
{
	const char *start = ps->p;
	struct hv_json *v;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p == '0') {
		ps->p++;
	} else if (*ps->p >= '1' && *ps->p <= '9') {
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	} else {
		fail(ps, "a number needs a digit");
		return NULL;
	}
	if (*ps->p == 'x' || *ps->p == 'X') {
		fail(ps, "a hex number must be a string in JSON: write \"%.*s...\"",
		     (int)(ps->p - start + 1), start);
		return NULL;
	}
	if (*ps->p == '.') {
		ps->p++;
		if (*ps->p < '0' || *ps->p > '9') {
			fail(ps, "a digit must follow the decimal point");
			return NULL;
		}
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (*ps->p < '0' || *ps->p > '9') {
			fail(ps, "a digit must follow the exponent");
			return NULL;
		}
		while (*ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	v = new_value(ps, HV_JSON_NUMBER);
	if (v) {
		v->text = strndup(start, ps->p - start);
		if (!v->text) {
			free(v);
			fail(ps, "out of memory");
			return NULL;
		}
	}
	return v;
}

/* Elements of an array or members of an object, up to the closing bracket. */
static struct hv_json *parse_container(struct parser *ps, int is_object)
{
	char close = is_object ? '}' : ']', buf[16];
	struct hv_json *v = new_value(ps, is_object ? HV_JSON_OBJECT : HV_JSON_ARRAY);
	struct hv_json **tail;

	if (!v)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		fail(ps, "nested more than %d deep", JSON_MAX_DEPTH);
		return v;
	}
	tail = &v->child;
	ps->p++;
	skip_space(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		struct hv_json *item;
		char *key = NULL;
		int key_line = 0;

		skip_space(ps);
		if (is_object) {
			if (*ps->p != '"') {
				fail(ps, "expected a key in double quotes, found %s",
				     seen(ps, buf, sizeof(buf)));
				return v;
			}
			key_line = ps->line;
			key = parse_string(ps);
			if (!key)
				return v;
			if (hv_json_get(v, key)) {
				fail(ps, "key \"%s\" appears twice in the same object", key);
				free(key);
				return v;
			}
			skip_space(ps);
			if (*ps->p != ':') {
				fail(ps, "expected ':' after the key \"%s\", found %s", key,
				     seen(ps, buf, sizeof(buf)));
				free(key);
				return v;
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item) {
			free(key);
			return v;
		}
		item->key = key;
		if (key)
			item->line = key_line;
		*tail = item;
		tail = &item->next;
		if (ps->failed)
			return v;
		skip_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_space(ps);
			if (*ps->p == close) {
				fail(ps, "a ',' before '%c': JSON allows no trailing comma", close);
				return v;
			}
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		fail(ps, "expected ',' or '%c', found %s", close, seen(ps, buf, sizeof(buf)));
		return v;
	}
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(ps->p, word, n))
		return 0;
	ps->p += n;
	return 1;
}

static struct hv_json *parse_value(struct parser *ps)
{
	struct hv_json *v;
	char buf[16];

	skip_space(ps);
	switch (*ps->p) {
	case '{':
		return parse_container(ps, 1);
	case '[':
		return parse_container(ps, 0);
	case '"':
		v = new_value(ps, HV_JSON_STRING);
		if (v && !(v->text = parse_string(ps))) {
			free(v);
			return NULL;
		}
		return v;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(ps);
	}
	if (literal(ps, "true")) {
		v = new_value(ps, HV_JSON_BOOL);
		if (v)
			v->boolean = 1;
		return v;
	}
	if (literal(ps, "false"))
		return new_value(ps, HV_JSON_BOOL);
	if (literal(ps, "null"))
		return new_value(ps, HV_JSON_NULL);
	fail(ps, "expected a value (a string, number, object, array, true, false or null), found %s",
	     seen(ps, buf, sizeof(buf)));
	return NULL;
}

struct hv_json *hv_json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { .p = text, .line = 1, .err = err, .errlen = errlen };
	struct hv_json *root;
	char buf[16];

	if (errlen)
		err[0] = 0;
	root = parse_value(&ps);
	if (!ps.failed) {
		skip_space(&ps);
		if (*ps.p)
			fail(&ps, "%s after the end of the document", seen(&ps, buf, sizeof(buf)));
	}
	if (ps.failed) {
		hv_json_free(root);
		return NULL;
	}
	return root;
}

void hv_json_free(struct hv_json *value)
{
	while (value) {
		struct hv_json *next = value->next;

		hv_json_free(value->child);
		free(value->key);
		free(value->text);
		free(value);
		value = next;
	}
}

const struct hv_json *hv_json_get(const struct hv_json *object, const char *key)
{
	if (!object || object->type != HV_JSON_OBJECT)
		return NULL;
	for (const struct hv_json *m = object->child; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

const char *hv_json_type_name(enum hv_json_type type)
{
	static const char *const names[] = {
		[HV_JSON_NULL] = "null", [HV_JSON_BOOL] = "true or false",
		[HV_JSON_NUMBER] = "a number", [HV_JSON_STRING] = "a string",
		[HV_JSON_ARRAY] = "an array", [HV_JSON_OBJECT] = "an object",
	};

	return type <= HV_JSON_OBJECT ? names[type] : "?";
}

int hv_json_u64(const struct hv_json *value, uint64_t *out)
{
	const char *text;
	char *end;
	unsigned long long v;

	if (!value || (value->type != HV_JSON_NUMBER && value->type != HV_JSON_STRING))
		return -1;
	text = value->text;
	/* strtoull would take "-1" and " 5": neither is an unsigned value here */
	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}
