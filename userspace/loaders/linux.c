// SPDX-License-Identifier: GPL-2.0
/*
 * linux.c - the Linux x86 boot protocol (Documentation/arch/x86/boot.rst,
 * zero-page.rst), as a boot loader that skips the kernel's real-mode
 * setup code: it does the setup's work itself, filling in the zero page
 * (struct boot_params) and entering the protected-mode kernel directly,
 * at its 64-bit entry point where the kernel has one (XLF_KERNEL_64,
 * protocol 2.12) and at code32_start otherwise. QEMU's -kernel,
 * kvmtool and Firecracker boot Linux this way.
 *
 * A bzImage is the setup (its first setup_sects + 1 sectors: the boot
 * sector, whose setup header sits at 0x1f1, and the real-mode code) and
 * the compressed protected-mode kernel after it. The setup header says
 * what the kernel needs (its protocol version, how much memory it
 * decompresses into, where an initrd may go) and takes what the loader
 * tells it (where the command line and initrd are, who loaded it). The
 * rest of the zero page is what the BIOS calls would have found: here
 * only the memory map (e820) matters; the screen is a serial port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "loaders/loaders.h"

/* Offsets in the zero page (zero-page.rst) and the setup header (boot.rst) */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_E820_TABLE		0x2d0
#define HDR_START		0x1f1	/* setup_sects: where the header begins */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define HDR_JUMP		0x200	/* a short jump over the header: its end */
#define HDR_MAGIC		0x202	/* "HdrS" */
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_XLOADFLAGS		0x236
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260

#define LOADED_HIGH		0x01	/* loadflags: the kernel goes at 1 MiB */
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01	/* xloadflags: a 64-bit entry at +0x200 */
#define LOADER_UNDEFINED	0xff	/* type_of_loader: not one of the registered */
#define MIN_PROTOCOL		0x0206	/* cmdline_size, initrd_addr_max, ... */
#define PROTOCOL_2_10		0x020a	/* pref_address, init_size */
#define DEFAULT_PREF_ADDRESS	0x1000000ULL	/* LOAD_PHYSICAL_ADDR before 2.10 */

/* The GDT the protocol asks for: __BOOT_CS 0x10 and __BOOT_DS 0x18, flat */
#define BOOT_CS			0x10
#define BOOT_DS			0x18

static uint16_t get16(const uint8_t *p, size_t off)
{
	return p[off] | p[off + 1] << 8;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	return get16(p, off) | (uint32_t)get16(p, off + 2) << 16;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

/*
 * Where the kernel decompresses itself and runs (boot.rst, init_size):
 * a relocatable kernel at its load address raised to pref_address and
 * aligned to kernel_alignment, any other at pref_address. From there it
 * needs init_size bytes, which the initrd must stay out of.
 */
static uint64_t runtime_start(const uint8_t *k, unsigned int version)
{
	uint64_t pref = version >= PROTOCOL_2_10 ? get64(k, HDR_PREF_ADDRESS) : DEFAULT_PREF_ADDRESS;
	uint64_t align = get32(k, HDR_KERNEL_ALIGNMENT), start = HV_LINUX_KERNEL;

	if (!k[HDR_RELOCATABLE])
		return pref;
	if (start < pref)
		start = pref;
	if (align && !(align & (align - 1)))
		start = (start + align - 1) & ~(align - 1);
	return start;
}

static __maybe_unused void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

int hv_is_linux_image(const void *image, size_t size)
{
	const uint8_t *p = image;

	return size >= 0x250 && get16(p, HDR_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(p + HDR_MAGIC, "HdrS", 4);
}

/*
 * The e820 map (e820.c) in the zero page: e820_entries, then that many
 * packed 20-byte entries (u64 address, u64 size, u32 type) at e820_table.
 * The kernel believes it: RAM outside it is never used, and a hole it
 * calls RAM is where the kernel puts its page tables.
 */
static __maybe_unused int fill_e820(struct hv_vm *vm, uint8_t *zp)
{
	/* LAB 10 BEGIN fill_e820: the PC's memory map into the zero page (zero-page.rst: e820_entries, e820_table) */
	struct hv_e820_entry map[HV_E820_MAX];
	unsigned int i, n = hv_e820_map(vm, map);

	zp[BP_E820_ENTRIES] = n;
	for (i = 0; i < n; i++) {
		uint8_t *e = zp + BP_E820_TABLE + 20 * i;

		memcpy(e, &map[i].addr, 8);
		memcpy(e + 8, &map[i].size, 8);
		memcpy(e + 16, &map[i].type, 4);
	}
	return 0;
	/* LAB 10 END */
	/* LAB 10 STUB: return lab_todo(10, __func__); */
}

/*
 * The zero page (struct boot_params) as a boot loader leaves it: zero,
 * but for the setup header copied from the image (bytes 0x1f1 up to
 * @hdr_end) with the loader's fields filled in, and the memory map.
 */
static int write_zero_page(struct hv_vm *vm, const uint8_t *k, unsigned int hdr_end,
			   uint64_t initrd_at, uint64_t initrd_size)
{
	/* LAB 10 BEGIN write_zero_page: the setup header with the loader's fields: type_of_loader, heap, cmd_line_ptr, the ramdisk (boot.rst) */
	uint8_t *zp = vm->mem + HV_LINUX_ZERO_PAGE;

	memset(zp, 0, 4096);
	memcpy(zp + HDR_START, k + HDR_START, hdr_end - HDR_START);
	zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
	zp[HDR_HEAP_END_PTR] = 0x00;		/* the real-mode heap: unused, but sane */
	zp[HDR_HEAP_END_PTR + 1] = 0xfe;
	put32(zp, HDR_CMD_LINE_PTR, HV_LINUX_CMDLINE);
	put32(zp, BP_EXT_CMD_LINE_PTR, 0);
	put32(zp, HDR_RAMDISK_IMAGE, initrd_at);
	put32(zp, HDR_RAMDISK_SIZE, initrd_size);
	put32(zp, BP_EXT_RAMDISK_IMAGE, 0);
	put32(zp, BP_EXT_RAMDISK_SIZE, 0);
	return fill_e820(vm, zp);
	/* LAB 10 END */
	/* LAB 10 STUB: return lab_todo(10, __func__); */
}

/*
 * The CPU as the protocol wants it at either entry: flat __BOOT_CS and
 * __BOOT_DS, interrupts off, ESI/RSI the zero page; for the 64-bit entry,
 * long mode with the loaded kernel, zero page and command line
 * identity-mapped (hvctl maps the low 4 GiB).
 */
static int linux_set_cpu_state(struct hv_vm *vm, int long_mode, uint64_t entry)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + HV_GDT_ADDR);
	const struct hv_flat_entry e = {
		.long_mode = long_mode, .cs = BOOT_CS, .ds = BOOT_DS,
		.entry = entry, .rsi = HV_LINUX_ZERO_PAGE,
	};

	memset(gdt, 0, 8 * 8);
	gdt[BOOT_CS / 8] = hv_gdt_descriptor(0, 0xfffff, long_mode ? HV_AR_CODE64 : HV_AR_CODE32);
	gdt[BOOT_DS / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_DATA);
	/* VM entry wants a usable TR (SDM 27.3.1.2): a TSS nobody uses */
	gdt[HV_SEL_TSS / 8] = hv_gdt_descriptor(HV_TSS_ADDR, 0x67, HV_AR_TSS_BUSY);
	memset(vm->mem + HV_TSS_ADDR, 0, 0x68);
	return hv_enter_flat_mode(vm, &e);
}

int hv_load_linux(struct hv_vm *vm, const void *image, size_t size,
		  const struct hv_boot_args *args, enum hv_guest_format *format,
		  const char **why)
{
	const uint8_t *k = image;
	unsigned int setup_sects, hdr_end, version;
	uint64_t setup_size, kernel_size, kernel_end, initrd_max, initrd_at = 0;
	uint32_t cmdline_max, init_size;
	size_t cmdline_len = args->cmdline ? strlen(args->cmdline) : 0;
	void *initrd = NULL;
	size_t initrd_size = 0;
	int long_mode, ret;

	if (!hv_is_linux_image(image, size)) {
		*why = "not a bzImage: no setup header";
		return -ENOEXEC;
	}
	version = get16(k, HDR_VERSION);
	if (version < MIN_PROTOCOL) {
		*why = "boot protocol older than 2.06: too old a kernel";
		return -ENOEXEC;
	}
	if (!(k[HDR_LOADFLAGS] & LOADED_HIGH)) {
		*why = "a zImage, loaded low: only bzImages are supported";
		return -ENOEXEC;
	}
	setup_sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
	setup_size = (setup_sects + 1) * 512ULL;
	hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
	if (setup_size >= size || hdr_end > setup_size || hdr_end > 0x1000) {
		*why = "a setup header that does not fit the file";
		return -ENOEXEC;
	}
	kernel_size = size - setup_size;
	/* (bounded: a hostile pref_address must not wrap the sum) */
	init_size = version >= PROTOCOL_2_10 ? get32(k, HDR_INIT_SIZE) : 0;
	kernel_end = runtime_start(k, version);
	kernel_end = kernel_end < vm->mem_size ? kernel_end + init_size : UINT64_MAX;
	if (kernel_end < HV_LINUX_KERNEL + kernel_size)
		kernel_end = HV_LINUX_KERNEL + kernel_size;
	if (kernel_end > vm->mem_size) {
		*why = "the kernel does not fit in guest RAM: give more (--mem 256M)";
		return -EFBIG;
	}
	cmdline_max = get32(k, HDR_CMDLINE_SIZE);
	if (cmdline_len > cmdline_max || cmdline_len >= 0x9fc00 - HV_LINUX_CMDLINE) {
		*why = "the command line (--append) is longer than the kernel takes (cmdline_size)";
		return -E2BIG;
	}
	if (args->initrd) {
		ret = hv_read_file(args->initrd, vm->mem_size, &initrd, &initrd_size, why);
		if (ret) {
			if (!*why)
				*why = "cannot read the initrd";
			return ret;
		}
		/* At the top of RAM, below what the kernel takes, page-aligned */
		initrd_max = (uint64_t)get32(k, HDR_INITRD_ADDR_MAX) + 1;
		if (initrd_max > vm->mem_size)
			initrd_max = vm->mem_size;
		if (initrd_size < initrd_max)
			initrd_at = (initrd_max - initrd_size) & ~0xfffULL;
		if (initrd_at < kernel_end) {
			free(initrd);
			*why = "the initrd does not fit in guest RAM above the kernel: give more (--mem)";
			return -EFBIG;
		}
	}
	ret = hv_map_bios_area(vm);
	if (ret) {
		free(initrd);
		*why = "cannot map the BIOS area";
		return ret;
	}

	memcpy(vm->mem + HV_LINUX_KERNEL, k + setup_size, kernel_size);
	if (initrd) {
		memcpy(vm->mem + initrd_at, initrd, initrd_size);
		free(initrd);
	}
	memset(vm->mem + HV_LINUX_CMDLINE, 0, cmdline_len + 1);
	memcpy(vm->mem + HV_LINUX_CMDLINE, args->cmdline ? args->cmdline : "", cmdline_len);

	ret = write_zero_page(vm, k, hdr_end, initrd_at, initrd_size);
	if (ret) {
		*why = "cannot write the zero page";
		return ret;
	}

	/* 64-bit entry: startup_64, 0x200 past the 32-bit one (boot.rst) */
	long_mode = version >= 0x020c && (get16(k, HDR_XLOADFLAGS) & XLF_KERNEL_64);
	*format = long_mode ? HV_GUEST_LINUX64 : HV_GUEST_LINUX32;
	return linux_set_cpu_state(vm, long_mode,
				   long_mode ? HV_LINUX_KERNEL + 0x200 : HV_LINUX_KERNEL);
}
