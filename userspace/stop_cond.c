// SPDX-License-Identifier: GPL-2.0
/*
 * stop_cond.c - parsing and matching "until" conditions (stop_cond.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"
#include "stop_cond.h"

static int parse_number(const char *text, uint64_t max, uint64_t *out)
{
	char *end;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

/* An hvlab exit (enum hvlab_exit) by its name: "MMIO", "STEP", ... */
static int run_exit_parse(const char *name)
{
	for (uint32_t i = 0; i < 64; i++) {
		const char *n = hv_run_exit_name(i);

		if (strcmp(n, "?") && !strcasecmp(n, name))
			return i;
	}
	return -1;
}

int hv_stop_cond_parse(const char *text, struct hv_stop_cond *out, char *err, size_t errlen)
{
	struct hv_stop_cond c = { .vmx_reason = -1, .run_exit = -1 };
	char buf[sizeof(c.text)], *tok, *save, *value;
	uint64_t v;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "condition '%.20s...' is too long", text);
		return -1;
	}
	snprintf(c.text, sizeof(c.text), "%s", text);
	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int key;

		value = strchr(tok, '=');
		if (!value || value == tok || !value[1]) {
			snprintf(err, errlen, "'%s': write KEY=VALUE, e.g. exit=IO,port=0x3f8 or rip=0x7c10",
				 tok);
			return -1;
		}
		*value++ = 0;
		if (!strcasecmp(tok, "exit"))
			key = HV_COND_EXIT;
		else if (!strcasecmp(tok, "port"))
			key = HV_COND_PORT;
		else if (!strcasecmp(tok, "gpa"))
			key = HV_COND_GPA;
		else if (!strcasecmp(tok, "rip"))
			key = HV_COND_RIP;
		else {
			snprintf(err, errlen, "unknown key '%s': the keys are exit, port, gpa and rip", tok);
			return -1;
		}
		if (c.keys & key) {
			snprintf(err, errlen, "'%s' is given twice", tok);
			return -1;
		}
		c.keys |= key;
		switch (key) {
		case HV_COND_EXIT:
			c.vmx_reason = hv_exit_parse(value);
			if (c.vmx_reason < 0)
				c.run_exit = run_exit_parse(value);
			if (c.vmx_reason < 0 && c.run_exit < 0) {
				snprintf(err, errlen, "exit=%s: give an exit reason by number or name, e.g. IO, CPUID, HLT, EPT_VIOLATION, or an hvlab exit such as MMIO or STEP",
					 value);
				return -1;
			}
			break;
		case HV_COND_PORT:
			if (parse_number(value, 0xffff, &v)) {
				snprintf(err, errlen, "port=%s: give a port number 0-0xffff", value);
				return -1;
			}
			c.port = v;
			break;
		case HV_COND_GPA:
		case HV_COND_RIP:
			if (parse_number(value, UINT64_MAX, &v)) {
				snprintf(err, errlen, "%s=%s: give an address, e.g. %s=0x7c10", tok, value, tok);
				return -1;
			}
			if (key == HV_COND_GPA)
				c.gpa = v;
			else
				c.rip = v;
			break;
		}
	}
	if (!c.keys) {
		snprintf(err, errlen, "an empty condition: write e.g. exit=IO,port=0x3f8, gpa=0xb8000 or rip=0x7c10");
		return -1;
	}
	*out = c;
	return 0;
}

int hv_stop_cond_match(const struct hv_stop_cond *c, const struct hv_exit_view *e)
{
	if (c->keys & HV_COND_EXIT) {
		if (c->vmx_reason >= 0 && e->vmx_reason != (uint32_t)c->vmx_reason)
			return 0;
		if (c->run_exit >= 0 && e->run_exit != (uint32_t)c->run_exit)
			return 0;
	}
	if ((c->keys & HV_COND_PORT) && (!e->has_port || e->port != c->port))
		return 0;
	if ((c->keys & HV_COND_GPA) && (!e->has_gpa || e->gpa != c->gpa))
		return 0;
	if ((c->keys & HV_COND_RIP) && e->rip != c->rip)
		return 0;
	return 1;
}
