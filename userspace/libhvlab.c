// SPDX-License-Identifier: GPL-2.0
/* libhvlab.c - see libhvlab.h */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libhvlab.h"
#include "kvm_backend.h"

#define HV_CR0_ET	0x10	/* CR0 as a BIOS hands over to a boot sector */

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
		return "VT-x is held by another hypervisor (kvm_intel?): 'rmmod kvm_intel' and try again; see dmesg";
	case ENOMEM:
		return "out of memory (guest memory is limited to 1 GiB)";
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
	};

	return ioctl(vm->vm_fd, HVLAB_SET_MEMORY_REGION, &region) ? -errno : 0;
}

int hv_create(struct hv_vm *vm, uint64_t mem_size)
{
	long mmap_size;
	int ret;

	if (mem_size < HV_HIGH_RAM_START || mem_size % 4096)
		return -EINVAL;
	if (vm->backend == HV_BACKEND_KVM)
		return hv_kvm_create(vm, mem_size);
	vm->vm_fd = ioctl(vm->dev_fd, HVLAB_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return -errno;
	/* One mapping for all of guest-physical space; the hole stays unused. */
	vm->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -errno;
	}
	vm->mem_size = mem_size;
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
	return 0;
}

void hv_close(struct hv_vm *vm)
{
	if (vm->backend == HV_BACKEND_KVM)
		hv_kvm_close(vm);
	if (vm->run)
		munmap(vm->run, 4096);
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
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
	return end <= HV_LOW_RAM_END ||
	       (gpa >= HV_HIGH_RAM_START && end <= vm->mem_size);
}

int hv_load_raw(struct hv_vm *vm, const void *image, size_t size)
{
	struct hvlab_sregs sregs;
	struct hvlab_regs regs;

	/* A boot sector may extend up to the end of conventional memory. */
	if (size == 0)
		return -EINVAL;
	if (size > HV_LOW_RAM_END - HV_BOOT_ADDRESS)
		return -EFBIG;
	memcpy(vm->mem + HV_BOOT_ADDRESS, image, size);

	/* What a BIOS leaves behind: CS=DS=ES=SS=0, IP=0x7c00, SP below it. */
	if (hv_get_sregs(vm, &sregs))
		return -errno;
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	sregs.cr0 = HV_CR0_ET;	/* caches on (CD, NW clear), not the reset 0x60000010 */
	if (hv_set_sregs(vm, &sregs))
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = HV_BOOT_ADDRESS;
	regs.rsp = HV_BOOT_ADDRESS;
	regs.rflags = 0x2;
	regs.rdx = 0x80;	/* the boot drive, as a BIOS passes it */
	return hv_set_regs(vm, &regs) ? -errno : 0;
}

int hv_load_raw_file(struct hv_vm *vm, const char *path)
{
	struct stat st;
	void *buf;
	int fd, ret;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > HV_LOW_RAM_END - HV_BOOT_ADDRESS) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, st.st_size);
	close(fd);
	ret = n == st.st_size ? hv_load_raw(vm, buf, n) : -EIO;
	free(buf);
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
