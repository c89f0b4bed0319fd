// SPDX-License-Identifier: GPL-2.0
/* libhvlab.c - see libhvlab.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libhvlab.h"
#include "kvm_backend.h"
#include "loaders/loaders.h"

int hv_open(struct hv_vm *vm)
{
	int version;

	memset(vm, 0, sizeof(*vm));
	vm->dev_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->dev_fd = open(HVLAB_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0)
		return -errno;
	version = ioctl(vm->dev_fd, HVLAB_GET_API_VERSION, 0);
	if (version != HVLAB_API_VERSION) {
		close(vm->dev_fd);
		vm->dev_fd = -1;
		return -EPROTO;
	}
	return 0;
}

const char *hv_strerror(int err)
{
	switch (-err) {
	case ENOENT:
		return "/dev/hvlab does not exist: load the module first (insmod hvlab.ko)";
	case EACCES:
	case EPERM:
		return "no permission to open /dev/hvlab (mode 0600): run as root";
	case EPROTO:
		return "hvlab.ko speaks another API version than this hvctl: rebuild both with 'make'";
	case EBUSY:
		return "VT-x is held by another hypervisor (kvm_intel?), or a CPU was left with CR4.VMXE set: see dmesg; for kvm_intel, 'rmmod kvm_intel' and try again";
	case ENOMEM:
		return "cannot pin the guest's memory: it counts against the locked-memory limit (raise 'ulimit -l', or run as root), and is at most 1 GiB per VM";
	case EOPNOTSUPP:
		return "hvlab.ko cannot do that here: a function a course lab has not written yet (dmesg: \"not implemented (lab N)\"), or a VMX feature this CPU lacks (dmesg says which)";
	case ENOSPC:
		return "too few free huge pages for --hugepages: reserve them first (echo N > /proc/sys/vm/nr_hugepages, N = guest MiB / 2), or use the default transparent huge pages";
	case EMFILE:
		return "this process has as many VMs as it may have (HVLAB_MAX_VMS_PER_PROCESS): close one";
	default:
		return strerror(-err);
	}
}

static int hv_add_ram(struct hv_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size)
{
	struct hvlab_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)(vm->mem + gpa),
		.flags = (vm->log_dirty ? HVLAB_MEM_LOG_DIRTY : 0) |
			 (vm->small_pages ? HVLAB_MEM_SMALL_PAGES : 0),
	};

	return ioctl(vm->vm_fd, HVLAB_SET_MEMORY_REGION, &region) ? -errno : 0;
}

/* The VM and its vCPU over mem_size bytes of guest memory at mem (hvlab backend). */
static int hv_create_over(struct hv_vm *vm, void *mem, uint64_t mem_size)
{
	long mmap_size;
	int ret;

	vm->mem = mem;
	vm->mem_size = mem_size;
	vm->vm_fd = ioctl(vm->dev_fd, HVLAB_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -errno;
	ret = hv_add_ram(vm, 0, 0, HV_LOW_RAM_END);
	if (!ret && mem_size > HV_HIGH_RAM_START)
		ret = hv_add_ram(vm, 1, HV_HIGH_RAM_START, mem_size - HV_HIGH_RAM_START);
	if (ret)
		return ret;
	vm->vcpu_fd = ioctl(vm->vm_fd, HVLAB_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -errno;
	mmap_size = ioctl(vm->dev_fd, HVLAB_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (long)sizeof(struct hvlab_run))
		return -EPROTO;
	vm->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return -errno;
	}
	vm->run_size = mmap_size;
	return 0;
}

#define HV_HUGE_PAGE_SIZE	(2ULL << 20)

/*
 * One mapping for all of guest-physical space (the hole stays unused), at
 * a 2 MiB-aligned address so that guest-physical 2 MiB boundaries fall on
 * host huge-page boundaries: only then can one EPT entry map 2 MiB.
 */
static void *hv_map_guest_ram(struct hv_vm *vm, uint64_t size, enum hv_mem_backing backing)
{
	size_t slack = HV_HUGE_PAGE_SIZE, head;
	char *map;

	if (backing == HV_MEM_HUGETLB) {
		/* Reserved at mmap(): too few free huge pages fail here, not later */
		vm->mem_map_size = (size + HV_HUGE_PAGE_SIZE - 1) & ~(HV_HUGE_PAGE_SIZE - 1);
		map = mmap(NULL, vm->mem_map_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (map == MAP_FAILED && errno == ENOMEM)
			errno = ENOSPC;		/* not RLIMIT_MEMLOCK's ENOMEM */
		return map;
	}
	if (backing == HV_MEM_SMALL)
		slack = 0;
	map = mmap(NULL, size + slack, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return MAP_FAILED;
	head = -(uintptr_t)map & (slack ? slack - 1 : 0);
	if (head)
		munmap(map, head);
	if (slack - head)
		munmap(map + head + size, slack - head);
	map += head;
	vm->mem_map_size = size;
	/* Advice only: a kernel without THP (or with it "never") gives 4 KiB pages */
	madvise(map, size, backing == HV_MEM_SMALL ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
	return map;
}

int hv_create_mem(struct hv_vm *vm, const struct hv_mem_config *cfg)
{
	void *mem;

	if (cfg->size < HV_HIGH_RAM_START || cfg->size % 4096 || cfg->backing > HV_MEM_HUGETLB)
		return -EINVAL;
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_create(vm, cfg->size);
	mem = hv_map_guest_ram(vm, cfg->size, cfg->backing);
	if (mem == MAP_FAILED)
		return -errno;
	vm->log_dirty = cfg->log_dirty;
	vm->small_pages = cfg->backing == HV_MEM_SMALL;
	return hv_create_over(vm, mem, cfg->size);
}

int hv_create(struct hv_vm *vm, uint64_t mem_size)
{
	const struct hv_mem_config cfg = { .size = mem_size };

	return hv_create_mem(vm, &cfg);
}

int hv_create_in(struct hv_vm *vm, void *mem, uint64_t mem_size)
{
	if (mem_size < HV_HIGH_RAM_START || mem_size % 4096 || (uintptr_t)mem % 4096)
		return -EINVAL;
	if (vm->backend == HV_BACKEND_KVM)
		return -EOPNOTSUPP;
	vm->mem_borrowed = 1;
	return hv_create_over(vm, mem, mem_size);
}

int hv_set_coalesced_port(struct hv_vm *vm, int port)
{
	struct hvlab_coalesced_port c = {
		.port = port < 0 ? 0 : port,
		.flags = port < 0 ? 0 : HVLAB_COALESCE_ON,
	};

	if (vm->backend != HV_BACKEND_HVLAB ||
	    vm->run_size < HVLAB_COALESCED_OFFSET + sizeof(struct hvlab_coalesced_ring))
		return -ENOSPC;
	return ioctl(vm->vcpu_fd, HVLAB_SET_COALESCED_PORT, &c) ? -errno : 0;
}

size_t hv_coalesced_drain(struct hv_vm *vm, char *buf, size_t len)
{
	struct hvlab_coalesced_ring *ring;
	uint32_t head, tail;
	size_t n = 0;

	if (vm->backend != HV_BACKEND_HVLAB ||
	    vm->run_size < HVLAB_COALESCED_OFFSET + sizeof(*ring))
		return 0;
	ring = (struct hvlab_coalesced_ring *)((char *)vm->run + HVLAB_COALESCED_OFFSET);
	/* The bytes are there once head says so (the kernel's release) */
	head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	tail = ring->tail;
	while (n < len && tail != head) {
		buf[n++] = ring->data[tail % HVLAB_COALESCED_SIZE];
		tail++;
	}
	__atomic_store_n(&ring->tail, tail, __ATOMIC_RELEASE);
	return n;
}

int hv_dirty_pages(struct hv_vm *vm, uint64_t **gpas, size_t *count)
{
	static const struct { uint32_t slot; uint64_t start; } slots[] = {
		{ 0, 0 }, { 1, HV_HIGH_RAM_START },	/* as hv_create_over() adds them */
	};
	size_t n = 0, i, max = vm->mem_size / 4096;
	uint64_t *bitmap, *out;
	int ret = 0;

	*gpas = NULL;
	*count = 0;
	if (vm->backend != HV_BACKEND_HVLAB)
		return -EOPNOTSUPP;
	bitmap = calloc((max + 63) / 64, sizeof(*bitmap));
	out = calloc(max ? max : 1, sizeof(*out));
	if (!bitmap || !out) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		struct hvlab_dirty_log log = { .slot = slots[i].slot, .bitmap = (uintptr_t)bitmap };
		uint64_t end = i ? vm->mem_size : HV_LOW_RAM_END, page;

		memset(bitmap, 0, (max + 63) / 64 * sizeof(*bitmap));
		if (ioctl(vm->vm_fd, HVLAB_GET_DIRTY_LOG, &log)) {
			ret = -errno;
			goto fail;
		}
		for (page = 0; slots[i].start + page * 4096 < end; page++)
			if (bitmap[page / 64] >> (page % 64) & 1)
				out[n++] = slots[i].start + page * 4096;
	}
	free(bitmap);
	*gpas = out;
	*count = n;
	return 0;
fail:
	free(bitmap);
	free(out);
	return ret;
}

int hv_set_memory_rights(struct hv_vm *vm, uint64_t gpa, uint64_t size, uint32_t rights)
{
	struct hvlab_memory_attributes a = { .gpa = gpa, .size = size, .rights = rights };

	if (vm->backend != HV_BACKEND_HVLAB)
		return -EOPNOTSUPP;
	return ioctl(vm->vm_fd, HVLAB_SET_MEMORY_ATTRIBUTES, &a) ? -errno : 0;
}

const char *hv_console_bytes(const struct hv_vm *vm)
{
	return (const char *)vm->run + HVLAB_CONSOLE_OFFSET;
}

void hv_close(struct hv_vm *vm)
{
	if (vm->backend == HV_BACKEND_KVM)
		hv_kvm_close(vm);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->mem && !vm->mem_borrowed)
		munmap(vm->mem, vm->mem_map_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	memset(vm, 0, sizeof(*vm));
	vm->dev_fd = vm->vm_fd = vm->vcpu_fd = -1;
}

int hv_gpa_is_ram(const struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;

	if (end < gpa)
		return 0;
	if (vm->bios_area)
		return end <= vm->mem_size;
	return end <= HV_LOW_RAM_END ||
	       (gpa >= HV_HIGH_RAM_START && end <= vm->mem_size);
}

int hv_map_bios_area(struct hv_vm *vm)
{
	uint64_t size = HV_HIGH_RAM_START - HV_LOW_RAM_END;
	int ret;

	if (vm->bios_area)
		return 0;
	memset(vm->mem + HV_LOW_RAM_END, 0, size);
	if (vm->backend == HV_BACKEND_KVM)
		ret = hv_kvm_add_ram(vm, HV_BIOS_AREA_SLOT, HV_LOW_RAM_END, size);
	else
		ret = hv_add_ram(vm, HV_BIOS_AREA_SLOT, HV_LOW_RAM_END, size);
	if (!ret)
		vm->bios_area = 1;
	return ret;
}

int64_t hv_parse_size(const char *text)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (!text || !*text || *text == '-')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'i' && shift)	/* accept KiB/MiB/GiB spellings */
		end++;
	if ((*end == 'B' || *end == 'b') && shift)
		end++;
	if (*end || v > (unsigned long long)(INT64_MAX >> shift))
		return -1;
	return (int64_t)(v << shift);
}

int hv_run(struct hv_vm *vm)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_run(vm);
	return ioctl(vm->vcpu_fd, HVLAB_RUN, 0) ? -errno : 0;
}

int hv_inject_interrupt(struct hv_vm *vm, unsigned int vector)
{
	struct hvlab_event ev = { .type = HVLAB_EVENT_INTERRUPT, .vector = vector };

	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_inject_interrupt(vm, vector);
	return ioctl(vm->vcpu_fd, HVLAB_INJECT, &ev) ? -errno : 0;
}

volatile uint8_t *hv_immediate_exit(struct hv_vm *vm)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_immediate_exit(vm);
	return &vm->run->immediate_exit;
}

int hv_set_cpu_features(struct hv_vm *vm, uint32_t flags)
{
	struct hvlab_cpu_features f = { .flags = flags };

	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_set_cpu_features(vm, flags);
	return ioctl(vm->vcpu_fd, HVLAB_SET_CPU_FEATURES, &f) ? -errno : 0;
}

uint64_t hv_apic_base(const struct hv_vm *vm)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_apic_base(vm);
	return vm->run->apic_base;
}

uint32_t hv_apic_timer_hz(struct hv_vm *vm)
{
	struct hvlab_vmx_caps caps;

	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_apic_timer_hz(vm);
	return ioctl(vm->dev_fd, HVLAB_GET_VMX_CAPS, &caps) ? 0 : caps.crystal_hz;
}

int hv_get_regs(struct hv_vm *vm, struct hvlab_regs *regs)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_get_regs(vm, regs);
	return ioctl(vm->vcpu_fd, HVLAB_GET_REGS, regs);
}

int hv_set_regs(struct hv_vm *vm, const struct hvlab_regs *regs)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_set_regs(vm, regs);
	return ioctl(vm->vcpu_fd, HVLAB_SET_REGS, regs);
}

int hv_get_sregs(struct hv_vm *vm, struct hvlab_sregs *sregs)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_get_sregs(vm, sregs);
	return ioctl(vm->vcpu_fd, HVLAB_GET_SREGS, sregs);
}

int hv_set_sregs(struct hv_vm *vm, const struct hvlab_sregs *sregs)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_set_sregs(vm, sregs);
	return ioctl(vm->vcpu_fd, HVLAB_SET_SREGS, sregs);
}

int hv_get_fpu(struct hv_vm *vm, struct hvlab_fpu *fpu)
{
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_get_fpu(vm, fpu);
	return ioctl(vm->vcpu_fd, HVLAB_GET_FPU, fpu) ? -errno : 0;
}

int hv_get_stats(int fd, unsigned long request, struct hvlab_stat_desc **descs,
		 uint64_t **values, unsigned int *count)
{
	struct hvlab_stats hdr = { 0 };

	/* The first call only learns how many there are (E2BIG). */
	if (ioctl(fd, request, &hdr) == 0 || errno != E2BIG)
		return -1;
	*descs = calloc(hdr.count, sizeof(**descs));
	*values = calloc(hdr.count, sizeof(**values));
	if (!*descs || !*values) {
		free(*descs);
		free(*values);
		errno = ENOMEM;
		return -1;
	}
	hdr.descs = (uintptr_t)*descs;
	hdr.values = (uintptr_t)*values;
	if (ioctl(fd, request, &hdr)) {
		free(*descs);
		free(*values);
		return -1;
	}
	*count = hdr.count;
	return 0;
}
