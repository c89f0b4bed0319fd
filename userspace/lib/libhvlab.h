/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libhvlab - a thin userspace wrapper over the /dev/hvlab ioctls, shared
 * by hvctl and the tests (in the spirit of bhyve's libvmmapi).
 *
 * Guest memory follows the PC's layout so that guests meet what they
 * expect: RAM at 0-0x9ffff and from 1 MiB up; the 0xa0000-0xfffff hole
 * (VGA, option ROMs) has no memory, so accesses there are MMIO exits.
 */
#ifndef LIBHVLAB_H
#define LIBHVLAB_H

#include <stddef.h>
#include <stdint.h>
#include "../../include/uapi/hvlab.h"

#define HV_LOW_RAM_END		0xa0000ULL	/* end of conventional memory */
#define HV_HIGH_RAM_START	0x100000ULL	/* 1 MiB */
#define HV_BOOT_ADDRESS		0x7c00ULL	/* where a boot sector is loaded */
#define HV_DEFAULT_MEM		(4ULL << 20)
#define HV_BIOS_AREA_SLOT	2	/* hv_map_bios_area(): 0xa0000-0xfffff */

/*
 * What hvctl builds in low guest memory for an ELF guest: a GDT, a TSS,
 * and for long mode the page tables (an identity map of the low 4 GiB in
 * 2 MiB pages, so MMIO addresses up to 0xffffffff work too). ELF
 * segments may not overlap it; the stack grows down from HV_ELF_STACK_TOP.
 */
#define HV_GDT_ADDR		0x1000ULL
#define HV_TSS_ADDR		0x1100ULL
#define HV_PML4_ADDR		0x2000ULL
#define HV_PDPT_ADDR		0x3000ULL
#define HV_PD_ADDR		0x4000ULL	/* four page directories */
#define HV_BOOT_AREA_END	0x8000ULL
#define HV_ELF_STACK_TOP	0x90000ULL

/* GDT selectors an ELF guest starts with */
#define HV_SEL_CODE32		0x08
#define HV_SEL_DATA		0x10
#define HV_SEL_CODE64		0x18
#define HV_SEL_TSS		0x20

/* Guest file formats hvctl knows, and the CPU mode each starts in. */
enum hv_guest_format {
	HV_GUEST_RAW16,		/* boot sector: 16-bit real mode at 0000:7c00 */
	HV_GUEST_ELF32,		/* ELF32 i386: 32-bit protected mode, paging off */
	HV_GUEST_ELF64,		/* ELF64 x86-64: 64-bit long mode, identity-mapped */
	HV_GUEST_LINUX64,	/* bzImage: the boot protocol's 64-bit entry */
	HV_GUEST_LINUX32,	/* bzImage without one: the 32-bit entry, paging off */
	HV_GUEST_MULTIBOOT,	/* multiboot v1 kernel: 32-bit protected mode, paging off */
};

/* What an operating system's loader takes besides the kernel (QEMU's options) */
struct hv_boot_args {
	const char *initrd;	/* --initrd FILE: Linux's initial RAM disk */
	const char *cmdline;	/* --append CMDLINE */
	const char *const *modules;	/* --module FILE[,ARGS]: a multiboot kernel's */
	unsigned int nr_modules;
};

/*
 * How guest RAM is backed on the host, which decides the EPT page sizes
 * hvlab.ko can use: 2 MiB where a 2 MiB-aligned guest range sits in one
 * host huge page (include/uapi/hvlab.h, docs/nested-paging.md).
 */
enum hv_mem_backing {
	HV_MEM_THP = 0,		/* 2 MiB-aligned, madvise(MADV_HUGEPAGE) */
	HV_MEM_SMALL,		/* 4 KiB pages only (MADV_NOHUGEPAGE) */
	HV_MEM_HUGETLB,		/* hugetlbfs (MAP_HUGETLB): pages reserved by the admin */
};

struct hv_mem_config {
	uint64_t size;			/* bytes of guest-physical space */
	enum hv_mem_backing backing;
	int log_dirty;			/* HVLAB_MEM_LOG_DIRTY on the RAM slots */
};

/* Who runs the VM: hvlab.ko, or KVM for comparison (kvm_backend.h). */
enum hv_backend {
	HV_BACKEND_HVLAB = 0,	/* hv_open() */
	HV_BACKEND_KVM,		/* hv_kvm_open() */
};

struct hv_vm {
	int dev_fd;
	int vm_fd;
	int vcpu_fd;
	struct hvlab_run *run;
	size_t run_size;	/* the vCPU mapping: run page, console page */
	uint8_t *mem;		/* guest-physical 0 .. mem_size-1 (host view) */
	uint64_t mem_size;
	int mem_borrowed;	/* hv_create_in(): the caller's, not unmapped here */
	size_t mem_map_size;	/* the host mapping's length (hugetlbfs rounds up) */
	int log_dirty;		/* the RAM slots are dirty-logged */
	int small_pages;	/* ... and mapped with 4 KiB EPT pages only */
	int bios_area;		/* 0xa0000-0xfffff is RAM too (hv_map_bios_area()) */
	enum hv_backend backend;
	struct hv_kvm *kvm;	/* HV_BACKEND_KVM: kvm_backend.c's state */
};

/* Each returns 0 or -errno, and prints nothing: callers decide. */
int hv_open(struct hv_vm *vm);
int hv_create(struct hv_vm *vm, uint64_t mem_size);	/* transparent huge pages */
/*
 * hv_create() with the backing and dirty logging of @cfg. -ENOSPC: too
 * few huge pages reserved for HV_MEM_HUGETLB (hv_strerror() says more).
 */
int hv_create_mem(struct hv_vm *vm, const struct hv_mem_config *cfg);
/*
 * hv_create() over guest memory the caller mapped (hvlab backend only):
 * mem_size bytes at mem, which hv_close() leaves mapped. A program that
 * makes many short-lived VMs reuses one mapping, whose pages are already
 * there, instead of faulting in and zeroing new ones for each.
 */
int hv_create_in(struct hv_vm *vm, void *mem, uint64_t mem_size);
void hv_close(struct hv_vm *vm);

/* A human explanation of an error from hv_open()/hv_create(). */
const char *hv_strerror(int err);

/* Is guest-physical [gpa, gpa+len) guest RAM? */
int hv_gpa_is_ram(const struct hv_vm *vm, uint64_t gpa, uint64_t len);

/*
 * Make 0xa0000-0xfffff RAM too, zeroed, as the BIOS and option-ROM area a
 * real PC has there: an OS kernel scans it (for the ACPI RSDP, the MP
 * table, DMI, ROM signatures) with instructions that MMIO emulation need
 * not know, and finds nothing. The e820 map says it is reserved.
 */
int hv_map_bios_area(struct hv_vm *vm);

/*
 * A flat start, after the caller wrote the GDT at HV_GDT_ADDR (6 slots,
 * its TSS descriptor at HV_SEL_TSS for the TSS at HV_TSS_ADDR): CS and the
 * data segments flat 4 GiB from those selectors, paging off in 32-bit
 * mode, or long mode on hv_build_identity_map()'s tables; interrupts off.
 */
struct hv_flat_entry {
	int long_mode;
	uint16_t cs, ds;		/* GDT selectors */
	uint64_t entry, rsp, rsi;
	uint64_t rax, rbx;		/* a multiboot kernel's magic and information */
};
int hv_enter_flat_mode(struct hv_vm *vm, const struct hv_flat_entry *e);

/*
 * That GDT, flat: 32-bit code at HV_SEL_CODE32, data at HV_SEL_DATA,
 * 64-bit code at HV_SEL_CODE64, and the TSS at HV_SEL_TSS
 */
void hv_build_flat_gdt(struct hv_vm *vm);
/* The identity map of the low 4 GiB (2 MiB pages) at HV_PML4_ADDR, for long mode */
void hv_build_identity_map(struct hv_vm *vm);
/* A GDT descriptor (SDM 3.4.5) from base, 20-bit limit and VMX-format access rights */
uint64_t hv_gdt_descriptor(uint32_t base, uint32_t limit, uint32_t ar);

/* Copy a raw boot-sector style image to 0x7c00 and set real-mode state. */
int hv_load_raw(struct hv_vm *vm, const void *image, size_t size);

/*
 * Load an ELF32 or ELF64 executable: its PT_LOAD segments at their
 * physical addresses, with the CPU state for its mode (see above).
 * -ENOEXEC for an ELF file hvctl cannot run; *why says what is wrong.
 */
int hv_load_elf(struct hv_vm *vm, const void *image, size_t size,
		enum hv_guest_format *format, const char **why);

/*
 * Load any guest file: ELF by its magic number, else a raw boot sector.
 * *format says which; *why explains an -ENOEXEC or -EFBIG.
 */
int hv_load_file(struct hv_vm *vm, const char *path, enum hv_guest_format *format,
		 const char **why);
/* The same, with an OS loader's arguments (@args may be NULL) */
int hv_load_file_args(struct hv_vm *vm, const char *path, const struct hv_boot_args *args,
		      enum hv_guest_format *format, const char **why);
/* A whole regular file of at most @max bytes, malloc'ed: 0 or -errno (*why) */
int hv_read_file(const char *path, uint64_t max, void **buf, size_t *len, const char **why);
/*
 * The format of the file at @path, from its first bytes, before a VM is
 * made for it (hvctl sizes a Linux guest's RAM by it); -errno.
 */
int hv_guess_format(const char *path, enum hv_guest_format *format);
const char *hv_guest_format_name(enum hv_guest_format format);

/* Parse "4M", "512K", "1G", "65536" into bytes; -1 if invalid. */
int64_t hv_parse_size(const char *text);

int hv_run(struct hv_vm *vm);	/* HVLAB_RUN: 0 or -errno */
/*
 * An external interrupt, @vector (32-255), for the next entry: after
 * HVLAB_EXIT_IRQ_WINDOW, when the guest can take it. 0 or -errno.
 */
int hv_inject_interrupt(struct hv_vm *vm, unsigned int vector);
/*
 * The byte a signal handler sets to kick the vCPU out of hv_run() without
 * a race (run->immediate_exit, or KVM's); the run loop clears it.
 */
volatile uint8_t *hv_immediate_exit(struct hv_vm *vm);
/* What the VMM emulates for the vCPU (HVLAB_CPU_*), before it first runs */
int hv_set_cpu_features(struct hv_vm *vm, uint32_t flags);
/* The vCPU's IA32_APIC_BASE as the guest left it (0: no local APIC) */
uint64_t hv_apic_base(const struct hv_vm *vm);
/* The local APIC timer's clock: CPUID leaf 0x15's crystal, in Hz (0: unknown) */
uint32_t hv_apic_timer_hz(struct hv_vm *vm);
/*
 * HVLAB_SET_COALESCED_PORT: one-byte OUTs to @port go to the coalesced
 * ring instead of exiting (port -1: off). 0 or -errno; -ENOSPC if the
 * vCPU mapping has no ring page (an older hvlab.ko, or KVM).
 */
int hv_set_coalesced_port(struct hv_vm *vm, int port);
/*
 * Take up to @len bytes from the coalesced ring, oldest first, into @buf;
 * returns how many. Call it at every return from HVLAB_RUN, before
 * handling the exit, until it returns less than @len.
 */
size_t hv_coalesced_drain(struct hv_vm *vm, char *buf, size_t len);
/* HVLAB_EXIT_CONSOLE: the run->console.len bytes the guest printed */
const char *hv_console_bytes(const struct hv_vm *vm);

/*
 * HVLAB_GET_DIRTY_LOG on both RAM slots: the guest-physical addresses of
 * the pages written since the last call, ascending, in a malloc'ed array
 * (free it). 0 or -errno (-EOPNOTSUPP without EPT A/D, or under KVM).
 */
int hv_dirty_pages(struct hv_vm *vm, uint64_t **gpas, size_t *count);
/* HVLAB_SET_MEMORY_ATTRIBUTES: the guest's rights (HVLAB_MEM_ATTR_*) to RAM pages */
int hv_set_memory_rights(struct hv_vm *vm, uint64_t gpa, uint64_t size, uint32_t rights);
int hv_get_regs(struct hv_vm *vm, struct hvlab_regs *regs);
int hv_set_regs(struct hv_vm *vm, const struct hvlab_regs *regs);
int hv_get_sregs(struct hv_vm *vm, struct hvlab_sregs *sregs);
int hv_set_sregs(struct hv_vm *vm, const struct hvlab_sregs *sregs);
/*
 * The guest's x87/SSE/AVX state as an XSAVE image: HVLAB_GET_FPU, or
 * KVM_GET_XSAVE (the same layout). 0 or -errno. fpu_image.h decodes it.
 */
int hv_get_fpu(struct hv_vm *vm, struct hvlab_fpu *fpu);

/*
 * HVLAB_GET_VM_STATS or HVLAB_GET_VCPU_STATS (@request) on @fd: every
 * statistic's description and value, in arrays the caller frees.
 * 0 or -1 with errno set.
 */
int hv_get_stats(int fd, unsigned long request, struct hvlab_stat_desc **descs,
		 uint64_t **values, unsigned int *count);

#endif
