// SPDX-License-Identifier: GPL-2.0
/* kvm_backend.c - see kvm_backend.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "kvm_backend.h"

#define KVM_EXPECTED_API	12
/* Three pages KVM needs for real mode without unrestricted guest; QEMU's address. */
#define KVM_TSS_ADDR		0xfffbd000ULL

/* The VMX exit reason an exit corresponds to, for run->vmx_exit_reason */
#define VMX_EXIT_TRIPLE_FAULT	2
#define VMX_EXIT_INTERRUPT_WINDOW 7
#define VMX_EXIT_HLT		12
#define VMX_EXIT_CR_ACCESS	28
#define VMX_EXIT_IO		30
#define VMX_EXIT_EPT_VIOLATION	48

#define CPUID1_ECX_VMX		(1u << 5)
#define CPUID1_ECX_HYPERVISOR	(1u << 31)
#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1u << 24)
#define CPUID1_EDX_APIC		(1u << 9)

/* What the last exit handed to userspace still owes KVM. */
enum kvm_pending {
	PENDING_NONE,
	PENDING_IO,	/* element io_index of kvm_run->io */
	PENDING_MMIO,
};

struct hv_kvm {
	struct kvm_run *kvm_run;	/* KVM's page, mmap'ed from the vCPU fd */
	long kvm_run_size;
	enum kvm_pending pending;
	uint32_t io_index;		/* INS/OUTS: which of io.count is in vm->run */
	int dead;			/* the guest shut down: run no more */
	uint32_t tsc_khz;		/* the guest's TSC rate (KVM_GET_TSC_KHZ) */
	uint32_t features;		/* HVLAB_CPU_* given */
};

int hv_kvm_open(struct hv_vm *vm)
{
	int version;

	memset(vm, 0, sizeof(*vm));
	vm->dev_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->backend = HV_BACKEND_KVM;
	vm->dev_fd = open(HV_KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0)
		return -errno;
	version = ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_EXPECTED_API) {
		close(vm->dev_fd);
		vm->dev_fd = -1;
		return -EPROTO;
	}
	return 0;
}

const char *hv_kvm_strerror(int err)
{
	switch (-err) {
	case ENOENT:
		return "/dev/kvm does not exist: load kvm_intel: modprobe kvm_intel, or in the lab VM: load-kvm";
	case EACCES:
	case EPERM:
		return "no permission to open /dev/kvm: run as root (or join the kvm group)";
	case EPROTO:
		return "/dev/kvm speaks another KVM API version than 12";
	case EBUSY:
	case EIO:
		return "KVM could not turn VT-x on: another hypervisor holds it ('rmmod hvlab' and try again; see dmesg)";
	case ENOMEM:
		return "out of memory";
	default:
		return strerror(-err);
	}
}

int hv_kvm_add_ram(struct hv_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)(vm->mem + gpa),
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) ? -errno : 0;
}

/*
 * Leaf 0x15's crystal as hvlab's (module/cpuid.c): the TSC, or the TSC
 * divided by the smallest whole ratio that fits in 32 bits.
 */
static uint32_t crystal_hz(uint32_t tsc_khz, uint32_t *ratio)
{
	uint64_t hz = (uint64_t)tsc_khz * 1000;
	uint32_t r = (uint32_t)((hz + UINT32_MAX - 1) / UINT32_MAX);

	if (!r)
		r = 1;
	if (ratio)
		*ratio = r;
	return (uint32_t)(hz / r);
}

/* @cpuid's entry for @function (subleaf 0), appended if there is @room; or NULL */
static struct kvm_cpuid_entry2 *kvm_cpuid_entry(struct kvm_cpuid2 *cpuid, uint32_t room,
						uint32_t function)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == function)
			return &cpuid->entries[i];
	if (cpuid->nent >= room)
		return NULL;
	e = &cpuid->entries[cpuid->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	return e;
}

/* Leaves 0x15 and 0x16 as hvlab's (module/cpuid.c): the TSC's rate, the crystal */
static void kvm_cpuid_tsc_leaves(struct hv_vm *vm, struct kvm_cpuid2 *cpuid, uint32_t room)
{
	uint32_t khz = vm->kvm->tsc_khz;
	struct kvm_cpuid_entry2 *e = kvm_cpuid_entry(cpuid, room, 0);

	if (!khz || !e)
		return;
	if (e->eax < 0x16)
		e->eax = 0x16;
	e = kvm_cpuid_entry(cpuid, room, 0x15);
	if (e) {
		e->eax = 1;
		e->ecx = crystal_hz(khz, &e->ebx);
		e->edx = 0;
	}
	e = kvm_cpuid_entry(cpuid, room, 0x16);
	if (e) {
		e->eax = e->ebx = khz / 1000;	/* base and maximum MHz */
		e->ecx = 100;			/* bus MHz */
		e->edx = 0;
	}
}

/*
 * The guest sees the host's CPU as KVM can offer it, like QEMU's -cpu host,
 * and what hvlab changes in CPUID (module/exits.c): no VMX, since neither
 * offers it here (a VMX bit would also let CR4.VMXE be set), and the
 * hypervisor bit. Leaves 0x40000000+ stay KVM's own. No x2APIC or TSC
 * deadline timer: KVM emulates them only with its in-kernel irqchip,
 * which hvctl does not create (its devices are in userspace). The local
 * APIC only with HVLAB_CPU_LAPIC (hvctl's lapic.c), and then leaf 0x15
 * says that its timer counts at the TSC's rate, as hvlab's does.
 */
static int kvm_set_cpuid(struct hv_vm *vm, uint32_t features)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 64, ret;
	uint32_t i;

	for (;;) {
		/* (room for two more: leaves 0x15 and 0x16) */
		cpuid = calloc(1, sizeof(*cpuid) + (nent + 2) * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = nent;
		if (!ioctl(vm->dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			break;
		ret = -errno;
		free(cpuid);
		if (ret != -E2BIG || nent >= 4096)
			return ret;
		nent *= 2;
	}
	for (i = 0; i < cpuid->nent; i++) {
		if (cpuid->entries[i].function == 1) {
			cpuid->entries[i].ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_X2APIC |
						   CPUID1_ECX_TSC_DEADLINE);
			cpuid->entries[i].ecx |= CPUID1_ECX_HYPERVISOR;
			cpuid->entries[i].edx &= ~CPUID1_EDX_APIC;
			if (features & HVLAB_CPU_LAPIC)
				cpuid->entries[i].edx |= CPUID1_EDX_APIC;
		}
	}
	if (features & HVLAB_CPU_LAPIC)
		kvm_cpuid_tsc_leaves(vm, cpuid, nent + 2);
	ret = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
	free(cpuid);
	return ret;
}

int hv_kvm_create(struct hv_vm *vm, uint64_t mem_size)
{
	struct hv_kvm *k;
	int ret;

	k = calloc(1, sizeof(*k));
	vm->run = calloc(1, sizeof(*vm->run));
	vm->kvm = k;
	if (!k || !vm->run)
		return -ENOMEM;
	vm->vm_fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -errno;
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR))
		return -errno;
	/* The same PC layout as hv_create(): RAM below 640K and from 1 MiB. */
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -errno;
	}
	vm->mem_size = mem_size;
	vm->mem_map_size = mem_size;	/* what hv_close() unmaps */
	ret = hv_kvm_add_ram(vm, 0, 0, HV_LOW_RAM_END);
	if (!ret && mem_size > HV_HIGH_RAM_START)
		ret = hv_kvm_add_ram(vm, 1, HV_HIGH_RAM_START, mem_size - HV_HIGH_RAM_START);
	if (ret)
		return ret;
	/* No KVM_CREATE_IRQCHIP: without a local APIC in the kernel, HLT exits to us. */
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -errno;
	ret = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	k->tsc_khz = ret > 0 ? ret : 0;
	ret = kvm_set_cpuid(vm, 0);
	if (ret)
		return ret;
	k->kvm_run_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->kvm_run_size < (long)sizeof(struct kvm_run))
		return -EPROTO;
	k->kvm_run = mmap(NULL, k->kvm_run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  vm->vcpu_fd, 0);
	if (k->kvm_run == MAP_FAILED) {
		k->kvm_run = NULL;
		return -errno;
	}
	return 0;
}

void hv_kvm_close(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;

	if (k && k->kvm_run)
		munmap(k->kvm_run, k->kvm_run_size);
	free(k);
	vm->kvm = NULL;
	free(vm->run);		/* not mmap'ed: keep hv_close() from unmapping it */
	vm->run = NULL;
}

/*
 * KVM finishes an exit to userspace (skips the OUT, stores the IN value,
 * ...) only at the next KVM_RUN. hvlab has already moved past an OUT or
 * an MMIO write when it returns, so before the registers are read or
 * written, finish those the way QEMU does: KVM_RUN with immediate_exit,
 * which completes the instruction and returns -EINTR without entering
 * the guest. An IN or MMIO read stays pending, as on hvlab.
 */
static int kvm_finish_write(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;
	struct kvm_run *kr = k->kvm_run;
	int ret;

	if (!(k->pending == PENDING_IO && kr->io.direction == KVM_EXIT_IO_OUT &&
	      k->io_index + 1 >= kr->io.count) &&
	    !(k->pending == PENDING_MMIO && kr->mmio.is_write))
		return 0;
	kr->immediate_exit = 1;
	ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);
	kr->immediate_exit = 0;
	k->pending = PENDING_NONE;
	return ret && errno != EINTR ? -1 : 0;
}

/* One element of an IN/OUT (INS/OUTS: io.count of them) into vm->run. */
static void kvm_io_element(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;
	struct kvm_run *kr = k->kvm_run;
	struct hvlab_run *run = vm->run;
	uint8_t *data = (uint8_t *)kr + kr->io.data_offset + k->io_index * kr->io.size;

	run->exit_reason = HVLAB_EXIT_IO;
	run->io.direction = kr->io.direction == KVM_EXIT_IO_OUT ? HVLAB_IO_OUT : HVLAB_IO_IN;
	run->io.size = kr->io.size;
	run->io.port = kr->io.port;
	run->io.data = 0;
	if (kr->io.direction == KVM_EXIT_IO_OUT)
		memcpy(&run->io.data, data, kr->io.size);
	k->pending = PENDING_IO;
}

/* Give userspace's answer to the last exit back to KVM. Returns 1 if more I/O is due. */
static int kvm_hand_back(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;
	struct kvm_run *kr = k->kvm_run;
	struct hvlab_run *run = vm->run;

	if (k->pending == PENDING_IO) {
		if (kr->io.direction == KVM_EXIT_IO_IN)
			memcpy((uint8_t *)kr + kr->io.data_offset + k->io_index * kr->io.size,
			       &run->io.data, kr->io.size);
		if (++k->io_index < kr->io.count) {
			kvm_io_element(vm);
			return 1;
		}
	} else if (k->pending == PENDING_MMIO && !kr->mmio.is_write) {
		memcpy(kr->mmio.data, run->mmio.data, kr->mmio.len);
	}
	k->pending = PENDING_NONE;
	return 0;
}

static const char *kvm_exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG", [KVM_EXIT_HLT] = "HLT", [KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason] ? names[reason] : "?";
}

static const char *kvm_suberror_name(uint32_t suberror)
{
	switch (suberror) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "KVM could not emulate an instruction";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "VM exit while delivering an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "an exit KVM does not handle";
	default:
		return "KVM internal error";
	}
}

/* Fill vm->run from the KVM exit that KVM_RUN just returned with. */
static void kvm_translate_exit(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;
	struct kvm_run *kr = k->kvm_run;
	struct hvlab_run *run = vm->run;
	struct kvm_regs regs;
	uint32_t hw;

	run->exit_count++;
	run->vmx_exit_reason = 0;
	run->exit_qualification = 0;
	run->guest_phys_addr = 0;
	memset(run->padding, 0, sizeof(run->padding));
	/* After an OUT or MMIO read KVM's RIP is still at the instruction. */
	run->guest_rip = ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) ? 0 : regs.rip;

	switch (kr->exit_reason) {
	case KVM_EXIT_IO:
		run->vmx_exit_reason = VMX_EXIT_IO;
		k->io_index = 0;
		kvm_io_element(vm);
		break;
	case KVM_EXIT_MMIO:
		run->exit_reason = HVLAB_EXIT_MMIO;
		run->vmx_exit_reason = VMX_EXIT_EPT_VIOLATION;
		run->guest_phys_addr = kr->mmio.phys_addr;
		run->mmio.phys_addr = kr->mmio.phys_addr;
		run->mmio.len = kr->mmio.len;
		run->mmio.access = kr->mmio.is_write ? HVLAB_ACCESS_WRITE : HVLAB_ACCESS_READ;
		if (kr->mmio.is_write)
			memcpy(run->mmio.data, kr->mmio.data, sizeof(run->mmio.data));
		k->pending = PENDING_MMIO;
		break;
	case KVM_EXIT_SET_TPR:
		/* MOV to CR8 without an in-kernel APIC: KVM keeps the value itself. */
		run->exit_reason = HVLAB_EXIT_HANDLED;
		run->vmx_exit_reason = VMX_EXIT_CR_ACCESS;
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		run->exit_reason = HVLAB_EXIT_IRQ_WINDOW;
		run->vmx_exit_reason = VMX_EXIT_INTERRUPT_WINDOW;
		break;
	case KVM_EXIT_HLT:
		run->exit_reason = HVLAB_EXIT_HLT;
		run->vmx_exit_reason = VMX_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		run->exit_reason = HVLAB_EXIT_SHUTDOWN;
		run->vmx_exit_reason = VMX_EXIT_TRIPLE_FAULT;
		k->dead = 1;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		/* KVM gives the exit reason (bit 31 set) or a VM-instruction error. */
		hw = kr->fail_entry.hardware_entry_failure_reason;
		run->exit_reason = HVLAB_EXIT_FAIL_ENTRY;
		run->vmx_exit_reason = hw & (1u << 31) ? hw : 0;
		run->fail_entry.exit_reason = hw & (1u << 31) ? hw : 0;
		run->fail_entry.vm_instruction_error = hw & (1u << 31) ? 0 : hw;
		k->dead = 1;
		break;
	case KVM_EXIT_UNKNOWN:
		run->exit_reason = HVLAB_EXIT_UNHANDLED;
		run->vmx_exit_reason = kr->hw.hardware_exit_reason;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		run->exit_reason = HVLAB_EXIT_INTERNAL_ERROR;
		snprintf(run->internal.reason, sizeof(run->internal.reason),
			 "KVM internal error %u: %s%s%llx", kr->internal.suberror,
			 kvm_suberror_name(kr->internal.suberror),
			 kr->internal.ndata ? ", data 0x" : "",
			 kr->internal.ndata ? (unsigned long long)kr->internal.data[0] : 0ULL);
		k->dead = 1;
		break;
	default:
		run->exit_reason = HVLAB_EXIT_INTERNAL_ERROR;
		snprintf(run->internal.reason, sizeof(run->internal.reason),
			 "KVM exit %u (KVM_EXIT_%s), which hvctl does not expect",
			 kr->exit_reason, kvm_exit_name(kr->exit_reason));
		k->dead = 1;
		break;
	}
}

int hv_kvm_run(struct hv_vm *vm)
{
	struct hv_kvm *k = vm->kvm;
	struct hvlab_run *run = vm->run;

	if (k->dead) {
		/* As hvlab: a dead VM stays dead. */
		run->exit_reason = HVLAB_EXIT_INTERNAL_ERROR;
		snprintf(run->internal.reason, sizeof(run->internal.reason),
			 "the VM is dead (%s)", kvm_exit_name(k->kvm_run->exit_reason));
		return 0;
	}
	if (kvm_hand_back(vm))
		return 0;	/* the next element of an INS/OUTS */
	k->kvm_run->request_interrupt_window = !!(run->request_flags & HVLAB_RUN_IRQ_WINDOW);
	if (ioctl(vm->vcpu_fd, KVM_RUN, 0)) {
		int err = errno;

		if (err == EINTR)
			run->exit_reason = HVLAB_EXIT_INTR;
		return -err;
	}
	kvm_translate_exit(vm);
	return 0;
}

/* hvlab access rights (VMX format, SDM Table 25-2) <-> struct kvm_segment */
static void seg_from_kvm(struct hvlab_segment *h, const struct kvm_segment *s)
{
	memset(h, 0, sizeof(*h));
	h->base = s->base;
	h->limit = s->limit;
	h->selector = s->selector;
	h->access_rights = (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
			   (s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
			   (s->db & 1) << 14 | (s->g & 1) << 15 |
			   (s->unusable ? HVLAB_AR_UNUSABLE : 0);
}

static void seg_to_kvm(struct kvm_segment *s, const struct hvlab_segment *h)
{
	uint32_t ar = h->access_rights;

	memset(s, 0, sizeof(*s));
	s->base = h->base;
	s->limit = h->limit;
	s->selector = h->selector;
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = !!(ar & HVLAB_AR_UNUSABLE);
}

int hv_kvm_get_regs(struct hv_vm *vm, struct hvlab_regs *h)
{
	struct kvm_regs r;

	if (kvm_finish_write(vm) || ioctl(vm->vcpu_fd, KVM_GET_REGS, &r))
		return -1;
	h->rax = r.rax; h->rbx = r.rbx; h->rcx = r.rcx; h->rdx = r.rdx;
	h->rsi = r.rsi; h->rdi = r.rdi; h->rsp = r.rsp; h->rbp = r.rbp;
	h->r8 = r.r8; h->r9 = r.r9; h->r10 = r.r10; h->r11 = r.r11;
	h->r12 = r.r12; h->r13 = r.r13; h->r14 = r.r14; h->r15 = r.r15;
	h->rip = r.rip;
	h->rflags = r.rflags;
	return 0;
}

int hv_kvm_set_regs(struct hv_vm *vm, const struct hvlab_regs *h)
{
	struct kvm_regs r = {
		.rax = h->rax, .rbx = h->rbx, .rcx = h->rcx, .rdx = h->rdx,
		.rsi = h->rsi, .rdi = h->rdi, .rsp = h->rsp, .rbp = h->rbp,
		.r8 = h->r8, .r9 = h->r9, .r10 = h->r10, .r11 = h->r11,
		.r12 = h->r12, .r13 = h->r13, .r14 = h->r14, .r15 = h->r15,
		.rip = h->rip, .rflags = h->rflags,
	};

	if (kvm_finish_write(vm))
		return -1;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &r);
}

int hv_kvm_get_sregs(struct hv_vm *vm, struct hvlab_sregs *h)
{
	struct kvm_sregs s;

	if (kvm_finish_write(vm) || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s))
		return -1;
	memset(h, 0, sizeof(*h));
	seg_from_kvm(&h->cs, &s.cs);
	seg_from_kvm(&h->ds, &s.ds);
	seg_from_kvm(&h->es, &s.es);
	seg_from_kvm(&h->fs, &s.fs);
	seg_from_kvm(&h->gs, &s.gs);
	seg_from_kvm(&h->ss, &s.ss);
	seg_from_kvm(&h->tr, &s.tr);
	seg_from_kvm(&h->ldtr, &s.ldt);
	h->gdt.base = s.gdt.base;
	h->gdt.limit = s.gdt.limit;
	h->idt.base = s.idt.base;
	h->idt.limit = s.idt.limit;
	h->cr0 = s.cr0;
	h->cr2 = s.cr2;
	h->cr3 = s.cr3;
	h->cr4 = s.cr4;
	h->efer = s.efer;
	return 0;
}

int hv_kvm_set_sregs(struct hv_vm *vm, const struct hvlab_sregs *h)
{
	struct kvm_sregs s;

	/* Start from KVM's own: CR8, the APIC base and pending interrupts stay. */
	if (kvm_finish_write(vm) || ioctl(vm->vcpu_fd, KVM_GET_SREGS, &s))
		return -1;
	seg_to_kvm(&s.cs, &h->cs);
	seg_to_kvm(&s.ds, &h->ds);
	seg_to_kvm(&s.es, &h->es);
	seg_to_kvm(&s.fs, &h->fs);
	seg_to_kvm(&s.gs, &h->gs);
	seg_to_kvm(&s.ss, &h->ss);
	seg_to_kvm(&s.tr, &h->tr);
	seg_to_kvm(&s.ldt, &h->ldtr);
	s.gdt.base = h->gdt.base;
	s.gdt.limit = h->gdt.limit;
	s.idt.base = h->idt.base;
	s.idt.limit = h->idt.limit;
	s.cr0 = h->cr0;
	s.cr2 = h->cr2;
	s.cr3 = h->cr3;
	s.cr4 = h->cr4;
	s.efer = h->efer;
	return ioctl(vm->vcpu_fd, KVM_SET_SREGS, &s);
}

_Static_assert(sizeof(struct kvm_xsave) == sizeof(struct hvlab_fpu),
	       "KVM_GET_XSAVE's image is struct hvlab_fpu's");

int hv_kvm_get_fpu(struct hv_vm *vm, struct hvlab_fpu *fpu)
{
	if (kvm_finish_write(vm) || ioctl(vm->vcpu_fd, KVM_GET_XSAVE, fpu))
		return -errno;
	return 0;
}

/* KVM_INTERRUPT: without KVM's in-kernel irqchip, the vector for the next entry */
int hv_kvm_inject_interrupt(struct hv_vm *vm, unsigned int vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return ioctl(vm->vcpu_fd, KVM_INTERRUPT, &irq) ? -errno : 0;
}

/* HVLAB_CPU_*: KVM_SET_CPUID2 again, which KVM takes before the first KVM_RUN */
int hv_kvm_set_cpu_features(struct hv_vm *vm, uint32_t flags)
{
	int ret = kvm_set_cpuid(vm, flags);

	if (!ret)
		vm->kvm->features = flags;
	return ret;
}

/*
 * KVM keeps IA32_APIC_BASE even without an APIC (0xfee00900 after reset):
 * 0 unless the guest has hvctl's. (KVM would let the guest move it; the
 * APIC stays at 0xfee00000.)
 */
uint64_t hv_kvm_apic_base(const struct hv_vm *vm)
{
	if (!(vm->kvm->features & HVLAB_CPU_LAPIC))
		return 0;
	return vm->kvm->kvm_run->apic_base ? vm->kvm->kvm_run->apic_base : 0xfee00900;
}

uint32_t hv_kvm_apic_timer_hz(const struct hv_vm *vm)
{
	return crystal_hz(vm->kvm->tsc_khz, NULL);
}

volatile uint8_t *hv_kvm_immediate_exit(struct hv_vm *vm)
{
	return &vm->kvm->kvm_run->immediate_exit;
}
