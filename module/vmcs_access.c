// SPDX-License-Identifier: GPL-2.0
/*
 * vmcs_access.c - HVLAB_GET_VMCS and HVLAB_SET_VMCS: the VMCS as data.
 *
 * hvctl vmcs dumps every field, hvctl step diffs the guest state between
 * exits, and hvctl explain checks a VMCS the way VM entry will. Writes are
 * limited to the guest-state area: a broken guest state only makes VM
 * entry fail (exit reason 33, SDM 27.8), while a broken control or host
 * field could hurt the host, so those stay hvlab's.
 */
#include <linux/capability.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hvlab.h"
#include "vmcs.h"

#define VMCS_ENC_ACCESS_HIGH	(1u << 0)
#define VMCS_ENC_RESERVED	(~0x6ffeu & ~VMCS_ENC_ACCESS_HIGH)
#define VMCS_AREA(enc)		(((enc) >> 10) & 3)
#define VMCS_AREA_GUEST		2
#define VMCS_AREA_HOST		3

/*
 * A well-formed encoding (SDM 25.11.2, Table 25-21): bits 31:15 and 12
 * are 0, and only 64-bit fields have a "high" half.
 */
static bool vmcs_encoding_valid(u32 enc)
{
	if (enc & VMCS_ENC_RESERVED)
		return false;
	return !(enc & VMCS_ENC_ACCESS_HIGH) || VMCS_FIELD_WIDTH(enc) == VMCS_WIDTH_64;
}

/* VMREAD that reports an unsupported field instead of counting an error. */
static int vmcs_read_field(u32 enc, u64 *value)
{
	unsigned long v;

	asm goto("vmread %[field], %[value]\n\t"
		 "jbe %l[fail]\n\t"
		 : [value] "=r" (v) : [field] "r" ((unsigned long)enc) : "cc" : fail);
	*value = v;
	return 0;
fail:
	*value = 0;
	return -EINVAL;
}

static int vmcs_write_field(u32 enc, u64 value)
{
	asm goto("vmwrite %[value], %[field]\n\t"
		 "jbe %l[fail]\n\t"
		 : : [field] "r" ((unsigned long)enc), [value] "r" ((unsigned long)value)
		 : "cc" : fail);
	return 0;
fail:
	return -EINVAL;
}

/* The widest value a field holds, by the width in its encoding. */
static u64 vmcs_field_max(u32 enc)
{
	if (enc & VMCS_ENC_ACCESS_HIGH)
		return U32_MAX;
	switch (VMCS_FIELD_WIDTH(enc)) {
	case VMCS_WIDTH_16:
		return U16_MAX;
	case VMCS_WIDTH_32:
		return U32_MAX;
	default:
		return U64_MAX;
	}
}

/* The batch from userspace: *access, and a kernel copy of its fields. */
static struct hvlab_vmcs_field *vmcs_copy_fields_in(void __user *argp,
						    struct hvlab_vmcs_access *access)
{
	size_t size;

	if (copy_from_user(access, argp, sizeof(*access)))
		return ERR_PTR(-EFAULT);
	if (access->flags || access->count == 0 || access->count > HVLAB_VMCS_MAX_FIELDS)
		return ERR_PTR(-EINVAL);
	size = array_size(access->count, sizeof(struct hvlab_vmcs_field));
	return memdup_user(u64_to_user_ptr(access->fields), size);
}

/*
 * Does @enc hold a host address: a kernel pointer of the host state, or
 * the physical address of a page hvlab gave the CPU? CR0 and CR4 are no
 * addresses, nor are the 16-, 32- and 64-bit host fields (selectors, PAT,
 * EFER, SYSENTER_CS).
 */
static bool vmcs_field_is_host_address(u32 enc)
{
	switch (enc & ~VMCS_ENC_ACCESS_HIGH) {
	case HOST_CR0:
	case HOST_CR4:
		return false;
	case IO_BITMAP_A: case IO_BITMAP_B: case MSR_BITMAP:
	case VM_EXIT_MSR_STORE_ADDR: case VM_EXIT_MSR_LOAD_ADDR: case VM_ENTRY_MSR_LOAD_ADDR:
	case VIRTUAL_APIC_PAGE_ADDR: case APIC_ACCESS_ADDR: case EPT_POINTER:
	case EXECUTIVE_VMCS_POINTER: case PML_ADDRESS: case POSTED_INTR_DESC_ADDR:
	case EPTP_LIST_ADDRESS: case VMREAD_BITMAP: case VMWRITE_BITMAP:
	case VE_INFORMATION_ADDRESS:
		return true;
	}
	return VMCS_AREA(enc) == VMCS_AREA_HOST && VMCS_FIELD_WIDTH(enc) == VMCS_WIDTH_NATURAL;
}

/* Host addresses only for who may see kernel pointers (cf. kptr_restrict 1). */
bool hvlab_may_see_host_addresses(void)
{
	return capable(CAP_SYSLOG) && !security_locked_down(LOCKDOWN_KCORE);
}

long hvlab_vcpu_get_vmcs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_vmcs_access access;
	struct hvlab_vmcs_field *fields;
	unsigned int i;
	long ret = 0;

	fields = vmcs_copy_fields_in(argp, &access);
	if (IS_ERR(fields))
		return PTR_ERR(fields);
	for (i = 0; i < access.count; i++)
		if (fields[i].flags || !vmcs_encoding_valid(fields[i].encoding))
			ret = -EINVAL;
	if (!ret) {
		bool show_addresses = hvlab_may_see_host_addresses();

		ret = hvlab_vcpu_vmcs_enter(vcpu);
		if (ret)
			goto out;
		/*
		 * Reading a field the CPU lacks sets the VM-instruction error
		 * itself (12): report the error of the last failed VM entry.
		 */
		for (i = 0; i < access.count; i++) {
			if (fields[i].encoding == VM_INSTRUCTION_ERROR)
				fields[i].value = vcpu->entry_insn_error;
			else if (vmcs_read_field(fields[i].encoding, &fields[i].value))
				fields[i].flags = HVLAB_VMCS_FIELD_UNSUPPORTED;
			else if (!show_addresses && vmcs_field_is_host_address(fields[i].encoding))
				fields[i].flags = HVLAB_VMCS_FIELD_HIDDEN;
			if (fields[i].flags & HVLAB_VMCS_FIELD_HIDDEN)
				fields[i].value = 0;
		}
		hvlab_vcpu_vmcs_exit(vcpu);
		if (copy_to_user(u64_to_user_ptr(access.fields), fields,
				 array_size(access.count, sizeof(*fields))))
			ret = -EFAULT;
	}
out:
	kfree(fields);
	return ret;
}

/* May userspace put @value into guest-state field @enc? */
static bool vmcs_guest_write_allowed(u32 enc, u64 value)
{
	if (!vmcs_encoding_valid(enc) || VMCS_AREA(enc) != VMCS_AREA_GUEST)
		return false;
	if (value > vmcs_field_max(enc))
		return false;
	/*
	 * Any other link pointer makes VM entry read the page it names
	 * (SDM 27.3.1.5): userspace must not point the CPU at host memory.
	 */
	if ((enc & ~VMCS_ENC_ACCESS_HIGH) == VMCS_LINK_POINTER)
		return !(enc & VMCS_ENC_ACCESS_HIGH) && value == U64_MAX;
	/*
	 * Shutdown and wait-for-SIPI (2, 3) are states the CPU enters and
	 * stays in: external interrupts no longer exit, and hvlab has no INIT
	 * or SIPI to send, so the host CPU would be lost (SDM 26.4.2). HLT is
	 * fine: the preemption timer and interrupts still exit.
	 */
	if (enc == GUEST_ACTIVITY_STATE)
		return value != ACTIVITY_SHUTDOWN && value != ACTIVITY_WAIT_SIPI;
	/*
	 * hvlab keeps the guest's debug registers itself and writes its DR7
	 * here only with its DR0-DR3 loaded (debugreg.c): another DR7 would
	 * arm the host's breakpoints in the guest, and DEBUGCTL would start
	 * LBR or BTS. Those values only.
	 */
	if (enc == GUEST_DR7)
		return value == DR7_RESET;
	if (enc == GUEST_IA32_DEBUGCTL)
		return value == 0;
	if (enc == (GUEST_IA32_DEBUGCTL | VMCS_ENC_ACCESS_HIGH))
		return value == 0;
	if (enc == GUEST_CR4 || enc == CR4_READ_SHADOW)
		return hvlab_cr4_allowed(value);
	/*
	 * The PML index says which entries of the log the CPU may still fill
	 * (pml.c): another would let it write over addresses not taken yet.
	 */
	if (enc == GUEST_PML_INDEX)
		return false;
	/* hvlab arms the timer itself before every entry. */
	return enc != VMX_PREEMPTION_TIMER_VALUE;
}

long hvlab_vcpu_set_vmcs(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_vmcs_access access;
	struct hvlab_vmcs_field *fields;
	unsigned int i;
	long ret = 0;
	u64 old;

	fields = vmcs_copy_fields_in(argp, &access);
	if (IS_ERR(fields))
		return PTR_ERR(fields);
	for (i = 0; i < access.count; i++)
		if (fields[i].flags ||
		    !vmcs_guest_write_allowed(fields[i].encoding, fields[i].value))
			ret = -EINVAL;
	if (ret)
		goto out;
	ret = hvlab_vcpu_vmcs_enter(vcpu);
	if (ret)
		goto out;
	/* Refuse the whole batch if this CPU lacks one of the fields. */
	for (i = 0; i < access.count && !ret; i++)
		ret = vmcs_read_field(fields[i].encoding, &old);
	for (i = 0; i < access.count && !ret; i++)
		ret = vmcs_write_field(fields[i].encoding, fields[i].value);
	hvlab_vcpu_vmcs_exit(vcpu);
	/* A new state replaces whatever the last exit left unfinished. */
	if (!ret)
		vcpu->pending = PENDING_NONE;
out:
	kfree(fields);
	return ret;
}
