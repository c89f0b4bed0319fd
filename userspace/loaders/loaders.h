/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loaders.h - the guest formats, one file each: a boot sector (raw.c), a
 * static ELF (elf.c), the Linux x86 boot protocol (linux.c), a multiboot
 * v1 kernel (multiboot.c); the flat protected or long mode the last three
 * hand over in (flat.c); the PC's memory map as its BIOS reports it
 * (e820.c); and hv_load_file(), which picks the format from the file
 * (file.c). Their
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

/* What hv_elf_place() put where */
struct hv_elf_placed {
	int is64;		/* ELFCLASS64 */
	uint64_t entry;		/* e_entry */
	uint64_t end;		/* the end of the highest segment in memory */
};

/*
 * Check a static ELF32 (i386) or ELF64 (x86-64) executable and copy its
 * PT_LOAD segments to their physical addresses, each in guest RAM at or
 * above @min_paddr. 0, or -ENOEXEC/-EFBIG with *why.
 */
int hv_elf_place(struct hv_vm *vm, const void *image, size_t size, uint64_t min_paddr,
		 struct hv_elf_placed *placed, const char **why);

/* The PC's memory map, as a BIOS's INT 15h E820h gives it */
#define HV_E820_RAM		1
#define HV_E820_RESERVED	2
#define HV_E820_MAX		4	/* entries hv_e820_map() writes at most */
struct hv_e820_entry {
	uint64_t addr, size;
	uint32_t type;
};
/* The map of @vm's memory: conventional, the EBDA, the BIOS, RAM from 1 MiB */
unsigned int hv_e820_map(const struct hv_vm *vm, struct hv_e820_entry map[HV_E820_MAX]);

/*
 * The MP table (MultiProcessor Specification 1.4) of hvctl's PC with
 * @cpus CPUs, its local APICs and I/O APIC, in the BIOS area (which must
 * be mapped: hv_map_bios_area()), where an OS looks for it. 0 or -EINVAL.
 */
int hv_write_mptable(struct hv_vm *vm, unsigned int cpus);

/* Multiboot v1 (the Multiboot Specification 0.6.96) */
#define HV_MULTIBOOT_SEARCH	8192		/* the header is in the first 8 KiB */
#define HV_MULTIBOOT_INFO	0x9000ULL	/* the information structure */
#define HV_MULTIBOOT_MAX_MODULES 32
#define HV_MULTIBOOT_DEFAULT_MEM (128ULL << 20)	/* QEMU's default RAM */

/* The offset of a valid multiboot header in @image, or -1 */
long hv_find_multiboot_header(const void *image, size_t size);

/*
 * Load a multiboot kernel (ELF, or any format with the header's address
 * fields: the "a.out kludge") at or above 1 MiB, its modules after it,
 * each page-aligned, and the information structure in low memory; the
 * CPU in 32-bit protected mode at the entry, EAX = 0x2badb002, EBX the
 * structure. @name is the kernel's file name, the first word of its
 * command line. 0 or -errno with *why.
 */
int hv_load_multiboot(struct hv_vm *vm, const void *image, size_t size, const char *name,
		      const struct hv_boot_args *args, const char **why);

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
