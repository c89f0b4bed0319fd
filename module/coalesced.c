// SPDX-License-Identifier: GPL-2.0
/*
 * coalesced.c - coalesced port output: a fast path for one port (lab 9).
 *
 * A guest that prints through port 0xe9 exits to userspace for every
 * byte: about 5,900 ticks each in the lab VM, most of them the trip out
 * of HVLAB_RUN to hvctl and back in. The byte itself needs nothing from
 * userspace at once, only to reach it in order. So, for the port
 * userspace names (HVLAB_SET_COALESCED_PORT), the kernel keeps the byte
 * in a ring that userspace maps, and enters the guest again at once: an
 * exit handled in the kernel. Userspace drains the ring whenever
 * HVLAB_RUN returns, before the exit it reports, so the bytes still
 * come before whatever the guest did next. KVM does the same for MMIO
 * and ports (KVM_REGISTER_COALESCED_MMIO, KVM_COALESCED_PIO).
 *
 * The ring is shared with userspace, which may write anything into it:
 * the kernel keeps its own count of bytes appended (vcpu->coalesced_head)
 * and only reads userspace's tail, once, to see whether there is room.
 */
#include <linux/uaccess.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* HVLAB_SET_COALESCED_PORT: which port, or off. The ring starts empty. */
int hvlab_vcpu_set_coalesced_port(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_coalesced_port in;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	if (in.flags & ~HVLAB_COALESCE_ON || in.reserved)
		return -EINVAL;
	vcpu->coalesced_on = in.flags & HVLAB_COALESCE_ON;
	hvlab_vcpu_update_io_extras(vcpu);
	vcpu->coalesced_port = in.port;
	vcpu->coalesced_head = 0;
	WRITE_ONCE(vcpu->coalesced->head, 0);
	WRITE_ONCE(vcpu->coalesced->tail, 0);
	return 0;
}

/*
 * An I/O exit: if it is a one-byte OUT to the coalesced port and the ring
 * has room, put the byte in the ring, step over the OUT, and return true:
 * the guest goes on without userspace. Otherwise false, and handle_io()
 * sends the OUT to userspace as ever; a full ring is drained there.
 */
bool hvlab_coalesce_out(struct hvlab_vcpu *vcpu)
{
	u64 qual = vcpu->exit.qualification;
	bool taken = false;

	if (!vcpu->coalesced_on || (qual & (IO_QUAL_IN | IO_QUAL_STRING)) ||
	    (qual & IO_QUAL_SIZE_MASK) != 0 || (u16)(qual >> IO_QUAL_PORT_SHIFT) != vcpu->coalesced_port)
		return false;
	/* LAB 9 BEGIN coalesce_out: the byte into the ring if there is room, RIP past the OUT; userspace's tail read once, never trusted as an index */
	{
		struct hvlab_coalesced_ring *ring = vcpu->coalesced;
		u32 head = vcpu->coalesced_head;

		/*
		 * Unsigned: a tail userspace moved past head, or back by more
		 * than the ring, reads as full, and the byte simply exits.
		 */
		if (head - READ_ONCE(ring->tail) < HVLAB_COALESCED_SIZE) {
			ring->data[head % HVLAB_COALESCED_SIZE] = (u8)vcpu->gprs[GPR_RAX];
			vcpu->coalesced_head = head + 1;
			/* The byte before the count that says it is there */
			smp_store_release(&ring->head, head + 1);
			hvlab_vcpu_advance_rip(vcpu, vcpu->exit.instruction_length);
			vcpu->stats.coalesced_bytes++;
			taken = true;
		}
	}
	/* LAB 9 END */
	/* LAB 9 STUB: hvlab_todo(9, __func__); */
	return taken;
}
