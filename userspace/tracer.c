// SPDX-License-Identifier: GPL-2.0
/*
 * tracer.c - hvctl trace (tracer.h).
 *
 * The timeline has three tracks: "guest" while the guest runs, "hvlab.ko"
 * while the kernel handles an exit, "hvctl" while userspace does. Chrome's
 * trace-event format counts in microseconds; hvctl writes TSC ticks there,
 * so one "µs" on the timeline is one tick (in the Bochs lab VM, about one
 * guest instruction).
 */
#include <string.h>

#include "decode.h"
#include "tracer.h"

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
	if (json)
		fputs("]}\n", out);
	else
		fprintf(out, "%-22s %8llu %6.1f%% %12llu\n", "total",
			(unsigned long long)t->exits, t->exits ? 100.0 : 0.0,
			t->exits ? (unsigned long long)(t->ticks / t->exits) : 0ULL);
}
