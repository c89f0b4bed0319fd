// SPDX-License-Identifier: GPL-2.0
/*
 * elf.c - a static ELF32 or ELF64 executable: its PT_LOAD segments where
 * they ask to be, and the CPU at the entry point in flat 32-bit protected
 * mode or 64-bit long mode (docs/hvctl.md, guests/README.md).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loaders/loaders.h"

/*
 * The GDT, TSS and (for long mode) page tables in low memory, and the
 * registers a guest finds at its entry point: what a small OS loader such
 * as GRUB's multiboot path would leave behind.
 */
static int elf_set_cpu_state(struct hv_vm *vm, int long_mode, uint64_t entry)
{
	uint64_t *gdt = (uint64_t *)(vm->mem + HV_GDT_ADDR);
	const struct hv_flat_entry e = {
		.long_mode = long_mode, .cs = long_mode ? HV_SEL_CODE64 : HV_SEL_CODE32,
		.ds = HV_SEL_DATA, .entry = entry, .rsp = HV_ELF_STACK_TOP,
	};

	memset(vm->mem + HV_GDT_ADDR, 0, HV_BOOT_AREA_END - HV_GDT_ADDR);
	gdt[HV_SEL_CODE32 / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_CODE32);
	gdt[HV_SEL_DATA / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_DATA);
	gdt[HV_SEL_CODE64 / 8] = hv_gdt_descriptor(0, 0xfffff, HV_AR_CODE64);
	/* In long mode a TSS descriptor takes two slots; the second is 0 here. */
	gdt[HV_SEL_TSS / 8] = hv_gdt_descriptor(HV_TSS_ADDR, 0x67, HV_AR_TSS_BUSY);
	return hv_enter_flat_mode(vm, &e);
}

/* One PT_LOAD segment, in the width-independent form. */
struct elf_segment {
	uint64_t offset, paddr, filesz, memsz, flags;
};

static int elf_segments(const void *image, size_t size, int is64,
			struct elf_segment *segs, unsigned int max, unsigned int *count,
			const char **why)
{
	const unsigned char *p = image;
	uint64_t phoff, phentsize, phnum, i;

	if (is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, image, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		if (phentsize != sizeof(Elf64_Phdr))
			goto bad_phdrs;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, image, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		if (phentsize != sizeof(Elf32_Phdr))
			goto bad_phdrs;
	}
	if (phoff > size || phnum * phentsize > size - phoff)
		goto bad_phdrs;

	*count = 0;
	for (i = 0; i < phnum; i++) {
		struct elf_segment seg;
		uint32_t type;

		/* copied out: e_phoff may be odd (0x33); a misaligned read is UB */
		if (is64) {
			Elf64_Phdr ph;

			memcpy(&ph, p + phoff + i * phentsize, sizeof(ph));
			type = ph.p_type;
			seg = (struct elf_segment){ ph.p_offset, ph.p_paddr, ph.p_filesz,
						    ph.p_memsz, ph.p_flags };
		} else {
			Elf32_Phdr ph;

			memcpy(&ph, p + phoff + i * phentsize, sizeof(ph));
			type = ph.p_type;
			seg = (struct elf_segment){ ph.p_offset, ph.p_paddr, ph.p_filesz,
						    ph.p_memsz, ph.p_flags };
		}
		if (type != PT_LOAD || !seg.memsz)
			continue;
		if (*count == max) {
			*why = "too many PT_LOAD segments";
			return -ENOEXEC;
		}
		if (seg.offset > size || seg.filesz > size - seg.offset || seg.filesz > seg.memsz) {
			*why = "a PT_LOAD segment lies outside the file";
			return -ENOEXEC;
		}
		segs[(*count)++] = seg;
	}
	if (!*count) {
		*why = "no PT_LOAD segment";
		return -ENOEXEC;
	}
	return 0;
bad_phdrs:
	*why = "program headers missing or truncated";
	return -ENOEXEC;
}

int hv_load_elf(struct hv_vm *vm, const void *image, size_t size,
		enum hv_guest_format *format, const char **why)
{
	const unsigned char *ident = image;
	Elf32_Ehdr eh32;
	Elf64_Ehdr eh64;
	struct elf_segment segs[16];
	unsigned int count, i;
	int is64, entry_ok = 0, ret;
	uint64_t entry;

	*why = NULL;
	if (size < sizeof(Elf32_Ehdr) || memcmp(ident, ELFMAG, SELFMAG)) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	is64 = ident[EI_CLASS] == ELFCLASS64;
	if (ident[EI_DATA] != ELFDATA2LSB || (is64 && size < sizeof(Elf64_Ehdr)) ||
	    (!is64 && ident[EI_CLASS] != ELFCLASS32)) {
		*why = "not a little-endian ELF32 or ELF64 file";
		return -ENOEXEC;
	}
	/* headers are copied out: the image need not be aligned for them */
	if (is64)
		memcpy(&eh64, image, sizeof(eh64));
	else
		memcpy(&eh32, image, sizeof(eh32));
	if (is64 ? eh64.e_machine != EM_X86_64 : eh32.e_machine != EM_386) {
		*why = is64 ? "an ELF64 guest must be x86-64 (EM_X86_64)" :
			      "an ELF32 guest must be i386 (EM_386)";
		return -ENOEXEC;
	}
	if ((is64 ? eh64.e_type : eh32.e_type) != ET_EXEC) {
		*why = "not a static executable (ET_EXEC): link with -static -no-pie";
		return -ENOEXEC;
	}
	entry = is64 ? eh64.e_entry : eh32.e_entry;
	ret = elf_segments(image, size, is64, segs, 16, &count, why);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		const struct elf_segment *seg = &segs[i];

		if (!hv_gpa_is_ram(vm, seg->paddr, seg->memsz) ||
		    seg->paddr < HV_BOOT_AREA_END) {
			*why = "a segment's physical address is not guest RAM above 0x8000 (see --mem)";
			return -EFBIG;
		}
		if (entry >= seg->paddr && entry < seg->paddr + seg->memsz && (seg->flags & PF_X))
			entry_ok = 1;
	}
	if (!entry_ok) {
		*why = "the entry point is not in an executable segment";
		return -ENOEXEC;
	}
	for (i = 0; i < count; i++) {
		memcpy(vm->mem + segs[i].paddr, (const unsigned char *)image + segs[i].offset,
		       segs[i].filesz);
		memset(vm->mem + segs[i].paddr + segs[i].filesz, 0,
		       segs[i].memsz - segs[i].filesz);
	}
	*format = is64 ? HV_GUEST_ELF64 : HV_GUEST_ELF32;
	return elf_set_cpu_state(vm, is64, entry);
}
