// SPDX-License-Identifier: GPL-2.0
/*
 * hypercall.c - the calls a guest makes into hvlab with VMCALL
 * (docs/hypercalls.md), and the paravirtual console they give it.
 *
 * Why a guest would call at all: to print through a port, it pays one VM
 * exit and one trip to userspace per byte, because the hypervisor has to
 * pretend to be a device that takes one byte at a time. A guest that knows
 * it runs under hvlab (paravirtualization, as Xen's guests know) can say
 * what it means instead: "print these 4096 bytes" is one exit. Better
 * still, it can fill a ring in its own memory without exiting at all, and
 * ring a doorbell once per ring-full, as virtio drivers do.
 *
 * The price is trust. Every argument comes from the guest, which may be
 * broken or hostile: an address may lie outside RAM, in an MMIO hole, or
 * make gpa + len wrap; the ring's counter may claim anything. All guest
 * memory is reached through hvlab_read_guest_phys() and
 * hvlab_write_guest_phys() (guest_mem.c), which check the whole range
 * first, and the ring's state that matters is kept here, not in the guest.
 * A bad argument is the guest's error to handle, not the end of its VM:
 * the call returns HVLAB_HC_EFAULT or HVLAB_HC_EINVAL, as a system call
 * would.
 */
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/nospec.h>

#include "hvlab.h"
#include "lab.h"

/*
 * Outside 64-bit mode the guest sees only the low 32 bits of each
 * register, and the high ones may hold anything an earlier mode left.
 */
static u64 hypercall_arg(struct hvlab_vcpu *vcpu, int gpr)
{
	u64 v = vcpu->gprs[gpr];

	return hvlab_guest_code_bits() == 64 ? v : (u32)v;
}

/* Hand @len bytes of vcpu->console to userspace when this hypercall ends. */
static void __maybe_unused console_to_user(struct hvlab_vcpu *vcpu, u32 len)
{
	vcpu->console_len = len;
}

static long hc_get_api_version(struct hvlab_vcpu *vcpu, u64 a0, u64 a1)
{
	return HVLAB_API_VERSION;
}

static long hc_echo(struct hvlab_vcpu *vcpu, u64 a0, u64 a1)
{
	return a0 + 1;
}

/*
 * HVLAB_HC_CONSOLE_WRITE(gpa, len): print len bytes of guest memory.
 * They go to userspace in the console page, at this one exit.
 */
static long hc_console_write(struct hvlab_vcpu *vcpu, u64 gpa, u64 len)
{
	/* LAB 7 HINT: a length of 0 prints nothing and exits nowhere; over HVLAB_CONSOLE_MAX is EINVAL */
	/* LAB 7 BEGIN hc_console_write: print len bytes at guest-physical gpa, in one exit to userspace */
	if (!len)
		return 0;
	if (len > HVLAB_CONSOLE_MAX)
		return HVLAB_HC_EINVAL;
	if (hvlab_read_guest_phys(vcpu, gpa, vcpu->console, len))
		return HVLAB_HC_EFAULT;
	console_to_user(vcpu, len);
	return len;
	/* LAB 7 END */
	/* LAB 7 STUB: return hvlab_todo_exit(vcpu, 7, __func__); */
}

/* HVLAB_HC_GET_TIME(gpa): the nanoseconds since the VM was made, as a u64 at gpa. */
static long hc_get_time(struct hvlab_vcpu *vcpu, u64 gpa, u64 a1)
{
	u64 ns = ktime_get_ns() - vcpu->vm->created_ns;

	return hvlab_write_guest_phys(vcpu, gpa, &ns, sizeof(ns)) ? HVLAB_HC_EFAULT : 0;
}

/*
 * HVLAB_HC_CONSOLE_RING(gpa, size): the guest's console ring is at gpa,
 * with size bytes of data (the layout: include/uapi/hvlab_hypercall.h).
 * It starts empty, whatever the guest had counted: consumed is set to
 * produced. A size of 0 turns the ring off.
 */
static long hc_console_ring(struct hvlab_vcpu *vcpu, u64 gpa, u64 size)
{
	u32 produced;

	if (!size) {
		vcpu->ring_size = 0;
		return 0;
	}
	if (!is_power_of_2(size) || size < HVLAB_RING_MIN_SIZE || size > HVLAB_CONSOLE_MAX ||
	    !IS_ALIGNED(gpa, HVLAB_RING_DATA))
		return HVLAB_HC_EINVAL;
	if (hvlab_read_guest_phys(vcpu, gpa, NULL, HVLAB_RING_DATA + size) ||
	    hvlab_read_guest_phys(vcpu, gpa + HVLAB_RING_PRODUCED, &produced, sizeof(produced)) ||
	    hvlab_write_guest_phys(vcpu, gpa + HVLAB_RING_CONSUMED, &produced, sizeof(produced)))
		return HVLAB_HC_EFAULT;
	vcpu->ring_gpa = gpa;
	vcpu->ring_size = size;
	vcpu->ring_consumed = produced;
	return 0;
}

/*
 * HVLAB_HC_CONSOLE_KICK: the doorbell. Take every byte the guest has put
 * in the ring since the last kick, hand them to userspace at this exit,
 * and tell the guest how far hvlab has read.
 */
static long hc_console_kick(struct hvlab_vcpu *vcpu, u64 a0, u64 a1)
{
	/* LAB 7 HINT: only produced comes from the guest; consumed is vcpu->ring_consumed, never read back */
	/* LAB 7 BEGIN hc_console_kick: drain the guest's console ring, trusting none of its numbers */
	u64 data = vcpu->ring_gpa + HVLAB_RING_DATA;
	u32 size = vcpu->ring_size, produced, pending, start, first;

	if (!size)
		return HVLAB_HC_EINVAL;
	if (hvlab_read_guest_phys(vcpu, vcpu->ring_gpa + HVLAB_RING_PRODUCED, &produced,
				  sizeof(produced)))
		return HVLAB_HC_EFAULT;
	/*
	 * The guest wrote the bytes before the counter: read the counter
	 * before the bytes (x86 keeps loads in order; this keeps the
	 * compiler from moving them).
	 */
	smp_rmb();
	pending = produced - vcpu->ring_consumed;	/* u32: wraps as the counters do */
	if (pending > size)
		return HVLAB_HC_EINVAL;		/* more than the ring holds: a lie */
	if (!pending)
		return 0;
	/* The bytes may wrap around the end of the data area: two pieces. */
	start = vcpu->ring_consumed & (size - 1);
	first = min(pending, size - start);
	if (hvlab_read_guest_phys(vcpu, data + start, vcpu->console, first) ||
	    hvlab_read_guest_phys(vcpu, data, vcpu->console + first, pending - first))
		return HVLAB_HC_EFAULT;
	vcpu->ring_consumed = produced;
	if (hvlab_write_guest_phys(vcpu, vcpu->ring_gpa + HVLAB_RING_CONSUMED, &produced,
				   sizeof(produced)))
		return HVLAB_HC_EFAULT;
	console_to_user(vcpu, pending);
	return pending;
	/* LAB 7 END */
	/* LAB 7 STUB: return hvlab_todo_exit(vcpu, 7, __func__); */
}

typedef long (*hypercall_fn)(struct hvlab_vcpu *vcpu, u64 a0, u64 a1);

/* Indexed by the function number in RAX (include/uapi/hvlab_hypercall.h) */
static const hypercall_fn hypercalls[] = {
	[HVLAB_HC_GET_API_VERSION]	= hc_get_api_version,
	[HVLAB_HC_ECHO]			= hc_echo,
	[HVLAB_HC_CONSOLE_WRITE]	= hc_console_write,
	[HVLAB_HC_GET_TIME]		= hc_get_time,
	[HVLAB_HC_CONSOLE_RING]		= hc_console_ring,
	[HVLAB_HC_CONSOLE_KICK]		= hc_console_kick,
};

/*
 * SDM 26.1.2: VMCALL exits unconditionally (in VMX non-root operation it
 * is the guest's way out, SDM Vol. 2, VMCALL). The result goes to RAX and
 * the guest goes on after the VMCALL, in the kernel unless the call
 * printed something (HVLAB_EXIT_CONSOLE).
 */
int hvlab_handle_vmcall(struct hvlab_vcpu *vcpu)
{
	u64 nr = hypercall_arg(vcpu, GPR_RAX);
	long ret = HVLAB_HC_ENOSYS;

	vcpu->stats.hypercalls++;
	vcpu->console_len = 0;
	/* The guest picks the index: no speculative call through a wild one */
	if (nr < ARRAY_SIZE(hypercalls)) {
		nr = array_index_nospec(nr, ARRAY_SIZE(hypercalls));
		if (hypercalls[nr])
			ret = hypercalls[nr](vcpu, hypercall_arg(vcpu, GPR_RBX),
					     hypercall_arg(vcpu, GPR_RCX));
	}
	if (vcpu->dead)			/* a lab's stub was reached */
		return 0;
	vcpu->gprs[GPR_RAX] = ret;
	hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
	if (!vcpu->console_len)
		return 1;
	vcpu->run->console.len = vcpu->console_len;
	vcpu->run->console.reserved = 0;
	vcpu->run->exit_reason = HVLAB_EXIT_CONSOLE;
	vcpu->stats.console_bytes += vcpu->console_len;
	return 0;
}
