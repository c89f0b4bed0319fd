/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracer - hvctl trace: every VM exit from the kernel's trace ring, with
 * the host time it cost, turned into JSON Lines, a Chrome/Perfetto
 * trace-event timeline and a summary table per exit reason.
 *
 * A record's cost is the kernel's share (struct hvlab_exit_record); for an
 * exit that came to userspace hvctl adds its own time, measured with the
 * same TSC, so that the cost is the whole round trip back into the guest.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include "../include/uapi/hvlab.h"

#define HV_TRACER_REASONS	70
#define HV_TRACER_KEYS		1024	/* ports, MSRs and CPUID leaves counted apart */

/*
 * What the exits of one reason were about: the I/O port (in, out), the
 * MSR (reads, writes) or the CPUID leaf (count[0]).
 */
enum hv_tracer_key_kind { HV_TRACER_PORT, HV_TRACER_MSR, HV_TRACER_CPUID };

struct hv_tracer_key {
	enum hv_tracer_key_kind kind;
	uint32_t key;
	uint64_t count[2];
};

struct hv_tracer {
	FILE *jsonl;			/* or NULL */
	FILE *chrome;			/* or NULL */
	int chrome_events;
	uint64_t exits, ticks, user_exits, user_ticks;
	uint64_t count[HV_TRACER_REASONS], reason_ticks[HV_TRACER_REASONS];
	uint64_t max_ticks[HV_TRACER_REASONS];
	uint64_t first_tsc;		/* the timeline starts here */
	uint64_t guest_since;		/* TSC the guest last resumed at, or 0 */
	struct hvlab_exit_record pending;	/* held back for userspace's share */
	uint64_t pending_user_ticks;
	int have_pending;
	struct hv_tracer_key keys[HV_TRACER_KEYS];
	unsigned int nkeys;
	uint64_t keys_dropped;		/* exits past HV_TRACER_KEYS distinct keys */
};

void hv_tracer_init(struct hv_tracer *t, FILE *jsonl, FILE *chrome);
/* One record from the ring, in order. */
void hv_tracer_record(struct hv_tracer *t, const struct hvlab_exit_record *rec);
/* Userspace handled the last record's exit from TSC @from to @to. */
void hv_tracer_user_time(struct hv_tracer *t, uint64_t from, uint64_t to);
/* Flush what is held back and close the timeline. */
void hv_tracer_finish(struct hv_tracer *t);
/*
 * count, share, mean and max cost per exit reason, then the exits by
 * I/O port, MSR and CPUID leaf; JSON with @json
 */
void hv_tracer_summary(const struct hv_tracer *t, FILE *out, int json);

#endif
