/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loaders.h - the guest formats, one file each: a boot sector (raw.c), a
 * static ELF (elf.c), the Linux x86 boot protocol (linux.c); the flat
 * protected or long mode the last two hand over in (flat.c); and
 * hv_load_file(), which picks the format from the file (file.c). Their
 * functions are declared in libhvlab.h, which the tests use; this header
 * has what the loaders share.
 */
#ifndef HV_LOADERS_H
#define HV_LOADERS_H

#include <stddef.h>

#include "lib/libhvlab.h"

/* VMX access rights (SDM 25.4.1) of the flat segments a loader hands over */
#define HV_AR_CODE32	0xc09bu		/* G, D, P, S, execute/read, accessed */
#define HV_AR_CODE64	0xa09bu		/* G, L, P, S, execute/read, accessed */
#define HV_AR_DATA	0xc093u		/* G, B, P, S, read/write, accessed */
#define HV_AR_TSS_BUSY	0x008bu		/* P, busy 32/64-bit TSS */

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
