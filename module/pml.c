// SPDX-License-Identifier: GPL-2.0
/*
 * pml.c - page-modification logging: the dirty log kept by the CPU.
 *
 * Without PML, HVLAB_GET_DIRTY_LOG reads the dirty flag of every leaf of
 * the slot (ept.c): its cost grows with the slot, however little the
 * guest wrote. With PML (SDM 29.3.6), each time the CPU sets an EPT dirty
 * flag it also writes the page's guest-physical address into a 4 KiB
 * log of the vCPU, at GUEST_PML_INDEX, counting down from 511. When the
 * index has run out, the next write that would set a dirty flag exits
 * first (exit reason 62, "PML full"), before setting it: hvlab moves the
 * log's addresses into the bitmap of their slot, resets the index and
 * lets the write happen again. The cost then grows with what the guest
 * wrote.
 *
 * HVLAB_GET_DIRTY_LOG must also see what sits in a log that is not full,
 * including that of a vCPU running on another CPU at that moment. Only
 * the vCPU may touch the index (it is in its VMCS), but anyone may read
 * the log itself: an empty entry holds PML_EMPTY, which no logged
 * address can be (their low 12 bits are 0), and each entry taken is
 * swapped back to it. The CPU writes an entry only once until the vCPU
 * resets the index, which it does out of the guest, taking every entry
 * before it enters again: so an address is taken once, by either side,
 * and none is lost. Taking from a running vCPU's log relies on the order
 * the SDM gives: the CPU sets the dirty flag, then logs the address; so
 * the flag that the harvest clears for an address it took is set.
 * (KVM instead kicks each vCPU out of the guest to empty its own log.)
 */
#include <linux/mm.h>
#include <linux/module.h>

#include "hvlab.h"
#include "vmcs.h"
#include "vmcs_fields.h"

#define PML_ENTRIES	512
#define PML_EMPTY	(~0ULL)

/*
 * Read when a VM is created: "pml=0" keeps the flag scan even where the
 * CPU has PML, which is how a test measures the two against each other.
 */
static bool pml = true;
module_param(pml, bool, 0644);
MODULE_PARM_DESC(pml, "Log dirty pages with page-modification logging where the CPU has it (new VMs)");

/* Does a VM created now use PML? */
bool hvlab_pml_wanted(void)
{
	return vmx_config.pml && READ_ONCE(pml);
}

int hvlab_pml_alloc(struct hvlab_vcpu *vcpu)
{
	u64 *log;
	int i;

	if (!vcpu->vm->pml)
		return 0;
	log = (u64 *)__get_free_page(GFP_KERNEL_ACCOUNT);
	if (!log)
		return -ENOMEM;
	for (i = 0; i < PML_ENTRIES; i++)
		log[i] = PML_EMPTY;
	vcpu->pml_log = log;
	return 0;
}

void hvlab_pml_free(struct hvlab_vcpu *vcpu)
{
	free_page((unsigned long)vcpu->pml_log);
	vcpu->pml_log = NULL;
}

/* A new VMCS logs into the vCPU's log from its top. The VMCS is current. */
void hvlab_pml_setup_vmcs(struct hvlab_vcpu *vcpu)
{
	if (!vcpu->pml_log)
		return;
	vmcs_write64(PML_ADDRESS, __pa(vcpu->pml_log));
	vmcs_write16(GUEST_PML_INDEX, PML_ENTRIES - 1);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL,
		     vmcs_read32(SECONDARY_VM_EXEC_CONTROL) | PROC2_ENABLE_PML);
}

/*
 * Move the addresses in @log into the bitmaps of the slots they belong
 * to. Addresses outside a dirty-logged slot are dropped: the CPU logs
 * every dirty flag it sets, and hvlab clears (and so logs again) only
 * those of logged slots. vm->lock held: it keeps the slots.
 */
static void pml_take(struct hvlab_vm *vm, u64 *log)
{
	/* LAB 4 CHALLENGE pml_take: the addresses in a vCPU's log into their slots' bitmaps (SDM 29.3.6) */
	struct hvlab_mem_slot *slot = NULL;	/* the last one found: the next is likely there too */
	bool logged = false;
	int i, s;

	lockdep_assert_held(&vm->lock);
	for (s = 0; s < HVLAB_MAX_MEM_SLOTS; s++)
		logged |= vm->slots[s].used && vm->slots[s].dirty_bitmap;
	for (i = 0; i < PML_ENTRIES; i++) {
		u64 gpa;

		if (READ_ONCE(log[i]) == PML_EMPTY)
			continue;
		/* Against the CPU of a running vCPU, writing the next entries */
		gpa = xchg(&log[i], PML_EMPTY);
		if (gpa == PML_EMPTY)
			continue;
		vm->pml_entries++;
		if (!logged)
			continue;
		if (!slot || gpa - slot->gpa >= slot->size) {
			for (s = 0; s < HVLAB_MAX_MEM_SLOTS; s++) {
				slot = &vm->slots[s];
				if (slot->used && slot->dirty_bitmap && gpa - slot->gpa < slot->size)
					break;
			}
			if (s == HVLAB_MAX_MEM_SLOTS) {
				slot = NULL;
				continue;
			}
		}
		__set_bit((gpa - slot->gpa) >> PAGE_SHIFT, slot->dirty_bitmap);
	}
	/* LAB 4 END */
	/* LAB 4 STUB: none */
}

/* Every vCPU's log, before a dirty log goes out (vm->lock held). */
void hvlab_pml_take_all(struct hvlab_vm *vm)
{
	int i;

	for (i = 0; i < HVLAB_MAX_VCPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->pml_log)
			pml_take(vm, vm->vcpus[i]->pml_log);
}

/* What a vCPU logged and did not hand over yet, before it goes (vm->lock held). */
void hvlab_pml_take_vcpu(struct hvlab_vcpu *vcpu)
{
	if (vcpu->pml_log)
		pml_take(vcpu->vm, vcpu->pml_log);
}

/*
 * SDM 29.3.6, 28.2.1 (Table 28-7, exit reason 62): the log is full. The
 * write that needed an entry did not happen, nor did its dirty flag:
 * empty the log, start it again at the top and let the write retry. The
 * VMCS first, while it is surely current: taking the lock may sleep.
 */
int hvlab_handle_pml_full(struct hvlab_vcpu *vcpu)
{
	struct hvlab_vm *vm = vcpu->vm;

	/* Only hvlab turns PML on, with a log: an exit without one is a bug */
	if (!vcpu->pml_log) {
		hvlab_vcpu_kill(vcpu, "PML-full exit without a page-modification log");
		return 0;
	}
	vmcs_write16(GUEST_PML_INDEX, PML_ENTRIES - 1);
	/* An IRET that unblocked NMIs before the exit did not complete (SDM 28.2.3) */
	if (vcpu->exit.qualification & INTR_INFO_UNBLOCK_NMI)
		hvlab_vcpu_keep_nmis_blocked(vcpu, INTR_INFO_UNBLOCK_NMI);
	/* The slots are host data the guest could probe through the L1D */
	hvlab_spec_note_host_access(vcpu);
	mutex_lock(&vm->lock);
	pml_take(vm, vcpu->pml_log);
	mutex_unlock(&vm->lock);
	return 1;
}
