/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loaders.h - the guest formats that carry an operating system, one file
 * each: the Linux x86 boot protocol (linux.c). hv_load_file() picks the
 * format from the file; the raw and ELF guests stay in libhvlab.c.
 */
#ifndef HV_LOADERS_H
#define HV_LOADERS_H

#include <stddef.h>

#include "libhvlab.h"

/* Documentation/arch/x86/boot.rst: the zero page and the setup header in it */
#define HV_LINUX_ZERO_PAGE	0x10000ULL	/* struct boot_params */
#define HV_LINUX_CMDLINE	0x20000ULL	/* the command line, NUL-terminated */
#define HV_LINUX_KERNEL		0x100000ULL	/* the protected-mode kernel */
#define HV_LINUX_DEFAULT_MEM	(256ULL << 20)

/* A bzImage: the boot sector's 0xaa55 and the setup header's "HdrS" */
int hv_is_linux_image(const void *image, size_t size);

/*
 * Load a bzImage (boot protocol 2.06 or later) with @args' initrd and
 * command line: the protected-mode kernel at 1 MiB, the zero page with
 * the setup header, an e820 map and the command line, the initrd at the
 * top of RAM, and the CPU at the 64-bit entry point (or the 32-bit one
 * for a kernel without it). 0 or -errno, *why saying what is wrong.
 */
int hv_load_linux(struct hv_vm *vm, const void *image, size_t size,
		  const struct hv_boot_args *args, enum hv_guest_format *format,
		  const char **why);

#endif
