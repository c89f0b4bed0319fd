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

int hv_elf_place(struct hv_vm *vm, const void *image, size_t size, uint64_t min_paddr,
		 struct hv_elf_placed *placed, const char **why)
{
	const unsigned char *ident = image;
	Elf32_Ehdr eh32;
	Elf64_Ehdr eh64;
	struct elf_segment segs[16];
	unsigned int count, i;
	int is64, entry_ok = 0, ret;
	uint64_t entry, end = 0;

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

		if (!hv_gpa_is_ram(vm, seg->paddr, seg->memsz) || seg->paddr < min_paddr) {
			*why = min_paddr >= HV_HIGH_RAM_START ?
			       "a segment's physical address is not guest RAM above 1 MiB (see --mem)" :
			       "a segment's physical address is not guest RAM above 0x8000 (see --mem)";
			return -EFBIG;
		}
		if (entry >= seg->paddr && entry < seg->paddr + seg->memsz && (seg->flags & PF_X))
			entry_ok = 1;
		if (seg->paddr + seg->memsz > end)
			end = seg->paddr + seg->memsz;
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
	placed->is64 = is64;
	placed->entry = entry;
	placed->end = end;
	return 0;
}

int hv_load_elf(struct hv_vm *vm, const void *image, size_t size,
		enum hv_guest_format *format, const char **why)
{
	struct hv_flat_entry entry = { .ds = HV_SEL_DATA, .rsp = HV_ELF_STACK_TOP };
	struct hv_elf_placed placed;
	int ret;

	ret = hv_elf_place(vm, image, size, HV_BOOT_AREA_END, &placed, why);
	if (ret)
		return ret;
	*format = placed.is64 ? HV_GUEST_ELF64 : HV_GUEST_ELF32;
	/* the GDT, TSS and (in long mode) page tables a tiny OS loader leaves */
	hv_build_flat_gdt(vm);
	entry.long_mode = placed.is64;
	entry.cs = placed.is64 ? HV_SEL_CODE64 : HV_SEL_CODE32;
	entry.entry = placed.entry;
	return hv_enter_flat_mode(vm, &entry);
}
