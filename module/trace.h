/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - hvlab's tracepoints: ftrace and perf see every VM entry and
 * exit, as they see KVM's kvm_entry and kvm_exit
 * (/sys/kernel/tracing/events/hvlab/).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hvlab

#if !defined(HVLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define HVLAB_TRACE_H

#include <linux/tracepoint.h>
#include "../include/uapi/hvlab_exit_reasons.h"

#define HVLAB_TRACE_REASON(nr, name, desc) { nr, #name },

TRACE_EVENT(hvlab_entry,
	TP_PROTO(unsigned int vcpu_id, unsigned long rip),
	TP_ARGS(vcpu_id, rip),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(unsigned long, rip)
	),
	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
	),
	TP_printk("vcpu %u rip 0x%lx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(hvlab_exit,
	TP_PROTO(unsigned int vcpu_id, u32 reason, u64 qualification, unsigned long rip),
	TP_ARGS(vcpu_id, reason, qualification, rip),
	TP_STRUCT__entry(
		__field(unsigned int, vcpu_id)
		__field(u32, reason)
		__field(u64, qualification)
		__field(unsigned long, rip)
	),
	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->qualification = qualification;
		__entry->rip = rip;
	),
	TP_printk("vcpu %u reason %s%s rip 0x%lx qualification 0x%llx",
		  __entry->vcpu_id,
		  __print_symbolic(__entry->reason & 0xffff,
				   HVLAB_VMX_EXIT_REASONS(HVLAB_TRACE_REASON)
				   { 0xffff, "UNKNOWN" }),
		  __entry->reason & 0x80000000u ? " (entry failed)" : "",
		  __entry->rip, __entry->qualification)
);

#endif /* HVLAB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
