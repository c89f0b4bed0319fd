// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_elf.c - libFuzzer harness for hvctl's guest loaders
 * (userspace/loaders/elf.c, multiboot.c and raw.c, compiled unchanged):
 * hv_load_multiboot() for input with a multiboot header in its first
 * 8 KiB, hv_load_elf() for input that starts with the ELF magic,
 * hv_load_raw() for anything else, as hv_load_file() picks. Guest RAM is
 * a 2 MiB buffer.
 *
 * There is no vCPU (vcpu_fd is -1), so a guest that passes every check
 * gets as far as setting the registers, which fails with -EBADF: that
 * return means "loaded".
 */
#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/libhvlab.h"
#include "loaders/loaders.h"

#define MEM_SIZE	(2u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *mem;
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	enum hv_guest_format format = HV_GUEST_RAW16;
	const char *why = NULL;
	uint8_t *image;
	int ret;

	if (!mem)
		mem = malloc(MEM_SIZE);
	vm.mem = mem;
	vm.mem_size = MEM_SIZE;
	/* an exact-size copy: ASan sees a read past the end of the file */
	image = malloc(size ? size : 1);
	memcpy(image, data, size);

	if (hv_find_multiboot_header(image, size) >= 0) {
		static const struct hv_boot_args args = { .cmdline = "fuzz" };

		/* no vm_fd: a kernel that passes every check fails at the BIOS area's slot */
		ret = hv_load_multiboot(&vm, image, size, "k", &args, &why);
		assert(why && *why);
		assert(ret == -EBADF || ret == -ENOEXEC || ret == -EFBIG);
		if (ret == -EBADF)
			assert(!strcmp((char *)mem + *(uint32_t *)(mem + HV_MULTIBOOT_INFO + 16), "k fuzz"));
	} else if (size >= SELFMAG && !memcmp(image, ELFMAG, SELFMAG)) {
		ret = hv_load_elf(&vm, image, size, &format, &why);
		if (ret == -EBADF)
			assert(format == HV_GUEST_ELF32 || format == HV_GUEST_ELF64);
		else
			assert((ret == -ENOEXEC || ret == -EFBIG) && why && *why);
	} else {
		ret = hv_load_raw(&vm, image, size);
		assert(ret == -EBADF || ret == -EFBIG || ret == -EINVAL);
		if (ret == -EBADF)
			assert(!memcmp(mem + HV_BOOT_ADDRESS, image, size));
	}
	free(image);
	return 0;
}
