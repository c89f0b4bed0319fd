// SPDX-License-Identifier: GPL-2.0
/*
 * trace.c - hvctl trace (trace.h).
 *
 * The timeline has three tracks: "guest" while the guest runs, "hvlab.ko"
 * while the kernel handles an exit, "hvctl" while userspace does. Chrome's
 * trace-event format counts in microseconds; hvctl writes TSC ticks there,
 * so one "µs" on the timeline is one tick (in the Bochs lab VM, about one
 * guest instruction).
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "trace.h"

enum { TRACK_GUEST = 1, TRACK_KERNEL = 2, TRACK_USER = 3 };

static void chrome_event(struct hv_tracer *t, const char *name, int track,
			 uint64_t start, uint64_t dur, const struct hvlab_exit_record *rec)
{
	if (!t->chrome || start < t->first_tsc)
		return;
	fprintf(t->chrome, "%s\n{\"name\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%llu,\"dur\":%llu",
		t->chrome_events++ ? "," : "", name, track,
		(unsigned long long)(start - t->first_tsc), (unsigned long long)dur);
	if (rec)
		fprintf(t->chrome, ",\"args\":{\"seq\":%llu,\"rip\":\"0x%llx\",\"qualification\":\"0x%llx\"}",
			(unsigned long long)rec->seq, (unsigned long long)rec->rip,
			(unsigned long long)rec->qualification);
	fputc('}', t->chrome);
}

static void chrome_track_name(struct hv_tracer *t, int track, const char *name)
{
	fprintf(t->chrome, "%s\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"args\":{\"name\":\"%s\"}}",
		t->chrome_events++ ? "," : "", track, name);
}

void hv_tracer_init(struct hv_tracer *t, FILE *jsonl, FILE *chrome)
{
	memset(t, 0, sizeof(*t));
	t->jsonl = jsonl;
	t->chrome = chrome;
	if (chrome) {
		fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":\"host TSC ticks, shown as microseconds\"},\"traceEvents\":[",
		      chrome);
		chrome_track_name(t, TRACK_GUEST, "guest");
		chrome_track_name(t, TRACK_KERNEL, "hvlab.ko");
		chrome_track_name(t, TRACK_USER, "hvctl");
	}
}

#define EXIT_CPUID	10
#define EXIT_IO		30
#define EXIT_RDMSR	31
#define EXIT_WRMSR	32

static void count_key(struct hv_tracer *t, enum hv_tracer_key_kind kind, uint32_t key, int which)
{
	unsigned int i;

	for (i = 0; i < t->nkeys; i++)
		if (t->keys[i].kind == kind && t->keys[i].key == key)
			break;
	if (i == t->nkeys) {
		if (t->nkeys == HV_TRACER_KEYS) {
			t->keys_dropped++;
			return;
		}
		t->keys[t->nkeys++] = (struct hv_tracer_key){ .kind = kind, .key = key };
	}
	t->keys[i].count[which]++;
}

/*
 * The port from the I/O qualification (SDM Table 28-5: bit 3 is IN);
 * the MSR and the CPUID leaf from what hvlab.ko puts in the qualification
 * of exits that have none (docs/abi.md).
 */
static void count_keys(struct hv_tracer *t, const struct hvlab_exit_record *rec, uint32_t basic)
{
	switch (basic) {
	case EXIT_IO:
		count_key(t, HV_TRACER_PORT, (uint32_t)(rec->qualification >> 16) & 0xffff,
			  (rec->qualification >> 3) & 1 ? 0 : 1);
		break;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		count_key(t, HV_TRACER_MSR, (uint32_t)rec->qualification, basic == EXIT_WRMSR);
		break;
	case EXIT_CPUID:
		count_key(t, HV_TRACER_CPUID, (uint32_t)rec->qualification, 0);
		break;
	}
}

/* Account and write out the held-back record, userspace's share included. */
static void flush_pending(struct hv_tracer *t)
{
	struct hvlab_exit_record rec = t->pending;
	uint32_t basic = rec.reason & 0xffff;
	const char *name = hv_exit_id(basic);
	uint64_t kernel = rec.cost;
	char line[768];

	if (!t->have_pending)
		return;
	t->have_pending = 0;
	rec.cost += t->pending_user_ticks;
	t->exits++;
	t->ticks += rec.cost;
	if (basic < HV_TRACER_REASONS) {
		t->count[basic]++;
		t->reason_ticks[basic] += rec.cost;
		if (rec.cost > t->max_ticks[basic])
			t->max_ticks[basic] = rec.cost;
	}
	if (!(rec.reason & (1u << 31)))	/* (a failed entry: no exit) */
		count_keys(t, &rec, basic);
	if (t->pending_user_ticks) {
		t->user_exits++;
		t->user_ticks += t->pending_user_ticks;
	}
	if (t->jsonl) {
		hv_format_exit_json(&rec, line, sizeof(line));
		fprintf(t->jsonl, "%s\n", line);
	}
	if (t->guest_since && rec.tsc > t->guest_since)
		chrome_event(t, "guest", TRACK_GUEST, t->guest_since, rec.tsc - t->guest_since, NULL);
	chrome_event(t, name ? name : "UNKNOWN", TRACK_KERNEL, rec.tsc, kernel, &rec);
	if (t->pending_user_ticks)
		chrome_event(t, name ? name : "UNKNOWN", TRACK_USER, rec.tsc + kernel,
			     t->pending_user_ticks, &rec);
	t->guest_since = rec.tsc + rec.cost;
	t->pending_user_ticks = 0;
}

void hv_tracer_record(struct hv_tracer *t, const struct hvlab_exit_record *rec)
{
	flush_pending(t);
	if (!t->first_tsc)
		t->first_tsc = rec->tsc;
	t->pending = *rec;
	t->have_pending = 1;
}

void hv_tracer_user_time(struct hv_tracer *t, uint64_t from, uint64_t to)
{
	if (t->have_pending && to > from)
		t->pending_user_ticks += to - from;
}

void hv_tracer_finish(struct hv_tracer *t)
{
	flush_pending(t);
	if (t->chrome)
		fputs("\n]}\n", t->chrome);
}

static int key_order(const void *a, const void *b)
{
	const struct hv_tracer_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Hypervisor leaves past hvlab's own (0x40000000-0x400000ff) */
static int is_hypervisor_scan(const struct hv_tracer_key *k)
{
	return k->kind == HV_TRACER_CPUID && k->key >= 0x40000100 && k->key <= 0x4fffffff;
}

/* The exits by port, MSR and leaf: a table each, or JSON arrays */
static void summary_keys(const struct hv_tracer *t, FILE *out, int json)
{
	static const char *const titles[] = { "I/O port", "MSR", "CPUID leaf" };
	static const char *const columns[][2] = { { "in", "out" }, { "reads", "writes" }, { "count", NULL } };
	static const char *const json_names[] = { "ports", "msrs", "cpuid_leaves" };
	static const char *const json_keys[] = { "port", "msr", "leaf" };
	static struct hv_tracer_key sorted[HV_TRACER_KEYS];	/* (hvctl makes one summary) */
	int kind = -1;
	unsigned int i, j;

	memcpy(sorted, t->keys, t->nkeys * sizeof(sorted[0]));
	qsort(sorted, t->nkeys, sizeof(sorted[0]), key_order);
	for (i = 0; i < t->nkeys; i++) {
		struct hv_tracer_key *k = &sorted[i];
		const char *const *col = columns[k->kind];
		char name[32];

		if ((int)k->kind != kind) {
			if (json)
				fprintf(out, "%s\"%s\":[", kind < 0 ? "" : "],", json_names[k->kind]);
			else if (col[1])
				fprintf(out, "\n%-22s %8s %8s\n", titles[k->kind], col[0], col[1]);
			else
				fprintf(out, "\n%-22s %8s\n", titles[k->kind], col[0]);
			kind = k->kind;
		} else if (json) {
			fputc(',', out);
		}
		if (json) {
			fprintf(out, "{\"%s\":%u,\"%s\":%llu", json_keys[k->kind], k->key, col[0],
				(unsigned long long)k->count[0]);
			if (col[1])
				fprintf(out, ",\"%s\":%llu", col[1], (unsigned long long)k->count[1]);
			fputc('}', out);
			continue;
		}
		snprintf(name, sizeof(name), "0x%x", k->key);
		/* A guest's search for hypervisors, leaf after leaf: one line */
		for (j = i; j + 1 < t->nkeys && is_hypervisor_scan(k) &&
		     sorted[j + 1].kind == k->kind && is_hypervisor_scan(&sorted[j + 1]); j++)
			k->count[0] += sorted[j + 1].count[0];
		if (j > i) {
			snprintf(name, sizeof(name), "0x%x-0x%x", k->key, sorted[j].key);
			i = j;
		}
		if (col[1])
			fprintf(out, "%-22s %8llu %8llu\n", name, (unsigned long long)k->count[0],
				(unsigned long long)k->count[1]);
		else
			fprintf(out, "%-22s %8llu\n", name, (unsigned long long)k->count[0]);
	}
	if (json && kind >= 0)
		fputc(']', out);
	if (t->keys_dropped && !json)
		fprintf(out, "(%llu more exits, past %d ports, MSRs and leaves)\n",
			(unsigned long long)t->keys_dropped, HV_TRACER_KEYS);
}

void hv_tracer_summary(const struct hv_tracer *t, FILE *out, int json)
{
	int first = 1;

	if (json) {
		fprintf(out, "{\"exits\":%llu,\"ticks\":%llu,\"exits_to_user\":%llu,\"user_ticks\":%llu,\"reasons\":[",
			(unsigned long long)t->exits, (unsigned long long)t->ticks,
			(unsigned long long)t->user_exits, (unsigned long long)t->user_ticks);
	} else {
		fprintf(out, "%-22s %8s %7s %12s %12s\n", "exit reason", "count", "share",
			"mean ticks", "max ticks");
	}
	for (unsigned int r = 0; r < HV_TRACER_REASONS; r++) {
		double share = t->exits ? 100.0 * t->count[r] / t->exits : 0;
		unsigned long long mean = t->count[r] ? t->reason_ticks[r] / t->count[r] : 0;

		if (!t->count[r])
			continue;
		if (json)
			fprintf(out, "%s{\"reason\":%u,\"name\":\"%s\",\"count\":%llu,\"share\":%.2f,\"mean_ticks\":%llu,\"max_ticks\":%llu}",
				first ? "" : ",", r, hv_exit_id(r) ?: "UNKNOWN",
				(unsigned long long)t->count[r], share, mean,
				(unsigned long long)t->max_ticks[r]);
		else
			fprintf(out, "%-22s %8llu %6.1f%% %12llu %12llu\n", hv_exit_id(r) ?: "UNKNOWN",
				(unsigned long long)t->count[r], share, mean,
				(unsigned long long)t->max_ticks[r]);
		first = 0;
	}
	if (json) {
		fputc(']', out);
		if (t->nkeys)
			fputc(',', out);
		summary_keys(t, out, 1);
		fputs("}\n", out);
	} else {
		fprintf(out, "%-22s %8llu %6.1f%% %12llu\n", "total",
			(unsigned long long)t->exits, t->exits ? 100.0 : 0.0,
			t->exits ? (unsigned long long)(t->ticks / t->exits) : 0ULL);
		summary_keys(t, out, 0);
	}
}
