// SPDX-License-Identifier: GPL-2.0
/*
 * multiboot.c - a multiboot v1 kernel (the Multiboot Specification
 * 0.6.96, GNU), as GRUB and QEMU's -kernel load one.
 *
 * The kernel says it is one by a header in its first 8 KiB: the magic
 * 0x1badb002, flags and a checksum that makes the three sum to 0. Flag
 * bits 0-15 are requirements a loader must meet or refuse the kernel;
 * bit 16 (the "a.out kludge") adds the addresses to load the file at,
 * which then win over any executable format. Without it the kernel must
 * be ELF. The loader hands over in 32-bit protected mode, paging off,
 * with EAX = 0x2badb002 and EBX the physical address of an information
 * structure: the memory (mem_lower/mem_upper and the BIOS's map), the
 * command line, the modules (files loaded beside the kernel, each with
 * its own string) and the loader's name. Everything the loader writes
 * is in low memory or after the kernel, which starts at 1 MiB or above
 * (GRUB refuses lower too): nothing of it can overlap the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/loaders.h"

#define MB_HEADER_MAGIC		0x1badb002u
#define MB_BOOT_MAGIC		0x2badb002u	/* in EAX at the entry */

/* Header flags (spec 3.1.2) */
#define MB_PAGE_ALIGN		(1u << 0)	/* modules page-aligned */
#define MB_MEMORY_INFO		(1u << 1)	/* mem_* (and the map) wanted */
#define MB_VIDEO_MODE		(1u << 2)	/* a video mode wanted */
#define MB_REQUIRED		0xffffu		/* bits 0-15: meet or refuse */
#define MB_AOUT_KLUDGE		(1u << 16)	/* the address fields are valid */

/* Header offsets */
#define MBH_FLAGS		4
#define MBH_CHECKSUM		8
#define MBH_HEADER_ADDR		12
#define MBH_LOAD_ADDR		16
#define MBH_LOAD_END_ADDR	20
#define MBH_BSS_END_ADDR	24
#define MBH_ENTRY_ADDR		28
#define MBH_KLUDGE_END		32

/* The information structure (spec 3.3): offsets and the flags saying what is valid */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_BOOT_LOADER_NAME	64
#define MBI_SIZE		88	/* up to the VBE fields, which stay 0 */
#define MBI_F_MEMORY		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MODS		(1u << 3)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER_NAME	(1u << 9)

/*
 * Low memory, below the kernel: the structure at HV_MULTIBOOT_INFO, then
 * the memory map (24-byte entries: size, base, length, type), the loader's
 * name and the module list (16 bytes each); the strings from 0x10000 up
 * to the EBDA. All of it is above hvctl's GDT and page tables (< 0x8000).
 */
#define MBI_MMAP_AT		(HV_MULTIBOOT_INFO + 0x100)
#define MBI_LOADER_NAME_AT	(HV_MULTIBOOT_INFO + 0x200)
#define MBI_MODS_AT		(HV_MULTIBOOT_INFO + 0x400)
#define MBI_STRINGS_AT		0x10000ULL
#define MBI_STRINGS_END		0x9fc00ULL
#define MMAP_ENTRY_SIZE		24
#define LOADER_NAME		"hvctl"
#define PAGE_SIZE		4096ULL

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint64_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

long hv_find_multiboot_header(const void *image, size_t size)
{
	const uint8_t *p = image;
	size_t off, end = size < HV_MULTIBOOT_SEARCH ? size : HV_MULTIBOOT_SEARCH;

	for (off = 0; off + 12 <= end; off += 4)
		if (get32(p, off) == MB_HEADER_MAGIC &&
		    (uint32_t)(MB_HEADER_MAGIC + get32(p, off + MBH_FLAGS) +
			       get32(p, off + MBH_CHECKSUM)) == 0)
			return off;
	return -1;
}

/*
 * The a.out kludge (spec 3.1.3): the file from header_addr - load_addr
 * before the header is loaded at load_addr, up to load_end_addr (0: the
 * rest of the file), then zeroed up to bss_end_addr (0: no bss).
 */
static int place_kludge(struct hv_vm *vm, const uint8_t *k, size_t size, size_t hdr,
			uint64_t *entry, uint64_t *end, const char **why)
{
	uint32_t header_addr = get32(k, hdr + MBH_HEADER_ADDR);
	uint32_t load_addr = get32(k, hdr + MBH_LOAD_ADDR);
	uint32_t load_end = get32(k, hdr + MBH_LOAD_END_ADDR);
	uint32_t bss_end = get32(k, hdr + MBH_BSS_END_ADDR);
	uint64_t file_off, load_len, mem_end;

	*entry = get32(k, hdr + MBH_ENTRY_ADDR);
	if (header_addr < load_addr || header_addr - load_addr > hdr) {
		*why = "the multiboot header's header_addr and load_addr put the load before the file's start";
		return -ENOEXEC;
	}
	file_off = hdr - (header_addr - load_addr);
	if (load_end && load_end <= load_addr) {
		*why = "the multiboot header's load_end_addr is not above its load_addr";
		return -ENOEXEC;
	}
	load_len = load_end ? load_end - load_addr : size - file_off;
	if (load_len > size - file_off) {
		*why = "the multiboot header's load_end_addr lies beyond the end of the file";
		return -ENOEXEC;
	}
	mem_end = bss_end ? bss_end : load_addr + load_len;
	if (mem_end < load_addr + load_len) {
		*why = "the multiboot header's bss_end_addr is below its load_end_addr";
		return -ENOEXEC;
	}
	if (load_addr < HV_HIGH_RAM_START || !hv_gpa_is_ram(vm, load_addr, mem_end - load_addr)) {
		*why = "the kernel's load_addr..bss_end_addr is not guest RAM above 1 MiB (see --mem)";
		return -EFBIG;
	}
	if (*entry < load_addr || *entry >= load_addr + load_len) {
		*why = "the multiboot header's entry_addr is not in what it loads";
		return -ENOEXEC;
	}
	memcpy(vm->mem + load_addr, k + file_off, load_len);
	memset(vm->mem + load_addr + load_len, 0, mem_end - load_addr - load_len);
	*end = mem_end;
	return 0;
}

/* A NUL-terminated string in the strings area: its address, or 0 if full */
static uint32_t put_string(struct hv_vm *vm, uint64_t *at, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0, len = la + (b ? 1 + lb : 0);
	uint64_t start = *at;

	if (len + 1 > MBI_STRINGS_END - start)
		return 0;
	memcpy(vm->mem + start, a, la);
	if (b) {
		vm->mem[start + la] = ' ';
		memcpy(vm->mem + start + la + 1, b, lb);
	}
	vm->mem[start + len] = 0;
	*at = start + len + 1;
	return start;
}

/*
 * The modules, each "FILE[,ARGS]": FILE at the next page after @*next,
 * its string "FILE ARGS" (GRUB's: the module's path, then its arguments).
 */
static int load_modules(struct hv_vm *vm, const struct hv_boot_args *args, uint64_t *next,
			uint64_t *strings, const char **why)
{
	unsigned int i;

	for (i = 0; i < args->nr_modules; i++) {
		const char *spec = args->modules[i], *comma = strchr(spec, ',');
		size_t path_len = comma ? (size_t)(comma - spec) : strlen(spec);
		uint8_t *entry = vm->mem + MBI_MODS_AT + 16 * i;
		char *path = strndup(spec, path_len);
		uint64_t at = (*next + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint32_t string;
		size_t size;
		void *buf;
		int ret;

		if (!path)
			return -ENOMEM;
		ret = at < vm->mem_size ? hv_read_file(path, vm->mem_size - at, &buf, &size, why) :
					  -EFBIG;
		if (ret) {
			static char what[256];	/* *why names the file */

			snprintf(what, sizeof(what), "--module %s: %s", path,
				 ret == -EFBIG ? "does not fit in guest RAM after the kernel: give more (--mem)" :
				 *why ? *why : strerror(-ret));
			*why = what;
			free(path);
			return ret;
		}
		memcpy(vm->mem + at, buf, size);
		free(buf);
		string = put_string(vm, strings, path, comma ? comma + 1 : NULL);
		free(path);
		if (!string) {
			*why = "the --module strings are too long for low memory";
			return -E2BIG;
		}
		put32(entry, 0, at);			/* mod_start */
		put32(entry, 4, at + size);		/* mod_end: one past its last byte */
		put32(entry, 8, string);
		put32(entry, 12, 0);
		*next = at + size;
	}
	return 0;
}

/* The memory map (e820.c), each entry's size field before it, not counting itself */
static uint32_t fill_mmap(struct hv_vm *vm, uint32_t *mem_lower, uint32_t *mem_upper)
{
	struct hv_e820_entry map[HV_E820_MAX];
	unsigned int i, n = hv_e820_map(vm, map);

	*mem_lower = *mem_upper = 0;
	for (i = 0; i < n; i++) {
		uint8_t *e = vm->mem + MBI_MMAP_AT + MMAP_ENTRY_SIZE * i;

		put32(e, 0, MMAP_ENTRY_SIZE - 4);
		memcpy(e + 4, &map[i].addr, 8);
		memcpy(e + 12, &map[i].size, 8);
		put32(e, 20, map[i].type);
		/* mem_lower: KiB of RAM from 0; mem_upper: from 1 MiB to the first hole */
		if (map[i].type == HV_E820_RAM && !map[i].addr)
			*mem_lower = map[i].size >> 10;
		if (map[i].type == HV_E820_RAM && map[i].addr == HV_HIGH_RAM_START)
			*mem_upper = map[i].size >> 10;
	}
	return n * MMAP_ENTRY_SIZE;
}

int hv_load_multiboot(struct hv_vm *vm, const void *image, size_t size, const char *name,
		      const struct hv_boot_args *args, const char **why)
{
	const uint8_t *k = image;
	long hdr = hv_find_multiboot_header(image, size);
	struct hv_flat_entry entry = {
		.cs = HV_SEL_CODE32, .ds = HV_SEL_DATA, .rax = MB_BOOT_MAGIC,
		.rbx = HV_MULTIBOOT_INFO,
	};
	uint64_t end, strings = MBI_STRINGS_AT;
	uint32_t flags, mem_lower, mem_upper, mmap_len, cmdline;
	uint8_t *info = vm->mem + HV_MULTIBOOT_INFO;
	int ret;

	*why = NULL;
	if (hdr < 0) {
		*why = "no multiboot header in the first 8 KiB";
		return -ENOEXEC;
	}
	flags = get32(k, hdr + MBH_FLAGS);
	/* 0, 1: met (modules are page-aligned, the memory is described); 2: no display to set */
	if (flags & MB_REQUIRED & ~(MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE)) {
		*why = "the multiboot header requires a feature (flags bits 3-15) this loader does not know";
		return -ENOEXEC;
	}
	if (args->initrd) {
		*why = "--initrd is for a Linux kernel: give a multiboot kernel its files with --module FILE[,ARGS]";
		return -EINVAL;
	}
	if (args->nr_modules > HV_MULTIBOOT_MAX_MODULES) {
		*why = "more than 32 --module files";
		return -E2BIG;
	}
	if (flags & MB_AOUT_KLUDGE) {
		if ((size_t)hdr + MBH_KLUDGE_END > size) {
			*why = "the multiboot header's address fields (flag 16) run past the end of the file";
			return -ENOEXEC;
		}
		ret = place_kludge(vm, k, size, hdr, &entry.entry, &end, why);
	} else {
		struct hv_elf_placed placed;

		ret = hv_elf_place(vm, image, size, HV_HIGH_RAM_START, &placed, why);
		if (ret == -ENOEXEC && !strcmp(*why, "not an ELF file"))
			*why = "a multiboot kernel that is not ELF needs the header's address fields (flag 16)";
		if (!ret && placed.entry > UINT32_MAX) {
			*why = "the multiboot kernel's entry point is above 4 GiB: it runs in 32-bit mode";
			ret = -ENOEXEC;
		}
		if (!ret) {
			entry.entry = placed.entry;
			end = placed.end;
		}
	}
	if (ret)
		return ret;

	memset(info, 0, MBI_MODS_AT + 16 * HV_MULTIBOOT_MAX_MODULES - HV_MULTIBOOT_INFO);
	ret = load_modules(vm, args, &end, &strings, why);
	if (ret)
		return ret;
	cmdline = put_string(vm, &strings, name, args->cmdline);
	if (!cmdline) {
		*why = "the command line (--append) is too long for low memory";
		return -E2BIG;
	}
	mmap_len = fill_mmap(vm, &mem_lower, &mem_upper);
	memcpy(vm->mem + MBI_LOADER_NAME_AT, LOADER_NAME, sizeof(LOADER_NAME));
	put32(info, MBI_FLAGS, MBI_F_MEMORY | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP |
			       MBI_F_LOADER_NAME);
	put32(info, MBI_MEM_LOWER, mem_lower);		/* 639 KiB, below the EBDA */
	put32(info, MBI_MEM_UPPER, mem_upper);
	put32(info, MBI_CMDLINE, cmdline);
	put32(info, MBI_MODS_COUNT, args->nr_modules);
	put32(info, MBI_MODS_ADDR, MBI_MODS_AT);
	put32(info, MBI_MMAP_LENGTH, mmap_len);
	put32(info, MBI_MMAP_ADDR, MBI_MMAP_AT);
	put32(info, MBI_BOOT_LOADER_NAME, MBI_LOADER_NAME_AT);

	/* zeroed RAM where a PC has its BIOS: a kernel scans it for the MP table */
	ret = hv_map_bios_area(vm);
	if (ret) {
		*why = "cannot map the BIOS area";
		return ret;
	}
	/* 32-bit flat segments, paging and interrupts off (spec 3.2); ESP is the kernel's to set */
	hv_build_flat_gdt(vm);
	return hv_enter_flat_mode(vm, &entry);
}
