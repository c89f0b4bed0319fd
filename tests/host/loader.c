// SPDX-License-Identifier: GPL-2.0
/* loader.c - host-side tests of hvctl's argument parsing and memory map. */
#include <elf.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "lib/libhvlab.h"

TEST(parse_size)
{
	EXPECT_EQ(4096, hv_parse_size("4096"));
	EXPECT_EQ(4096, hv_parse_size("4K"));
	EXPECT_EQ(4 << 20, hv_parse_size("4M"));
	EXPECT_EQ(4 << 20, hv_parse_size("4MiB"));
	EXPECT_EQ(1LL << 30, hv_parse_size("1g"));
	EXPECT_EQ(0x100000, hv_parse_size("0x100000"));
	EXPECT_EQ(-1, hv_parse_size(""));
	EXPECT_EQ(-1, hv_parse_size("-4M"));
	EXPECT_EQ(-1, hv_parse_size("4X"));
	EXPECT_EQ(-1, hv_parse_size("4MM"));
	EXPECT_EQ(-1, hv_parse_size("M"));
	EXPECT_EQ(-1, hv_parse_size("99999999999999999999"));
	EXPECT_EQ(-1, hv_parse_size("17179869184G"));	/* overflows */
	EXPECT_EQ(-1, hv_parse_size(NULL));
}

TEST(pc_memory_map)
{
	struct hv_vm vm = { .mem_size = 4 << 20 };

	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0, 4096));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x7c00, 512));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x9f000, 0x1000));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 0x9f000, 0x1001));	/* runs into the hole */
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 0xb8000, 2));		/* VGA */
	EXPECT_TRUE(hv_gpa_is_ram(&vm, 0x100000, 4096));
	EXPECT_TRUE(hv_gpa_is_ram(&vm, (4 << 20) - 1, 1));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, 4 << 20, 1));
	EXPECT_FALSE(hv_gpa_is_ram(&vm, ~0ULL, 2));		/* wraps */
}

/* Loading needs a vCPU; without /dev/hvlab, check what fails before it. */
TEST(load_refuses_oversized_images)
{
	static unsigned char big[0xa0000];
	struct hv_vm vm = { .vcpu_fd = -1 };
	unsigned char mem[16];

	vm.mem = mem;
	EXPECT_EQ(-EFBIG, hv_load_raw(&vm, big, sizeof(big)));
	EXPECT_EQ(-EINVAL, hv_load_raw(&vm, big, 0));
}

TEST(load_file_errors)
{
	struct hv_vm vm = { .vcpu_fd = -1, .mem_size = 4 << 20 };
	enum hv_guest_format format;
	const char *why;

	EXPECT_EQ(-ENOENT, hv_load_file(&vm, "/nonexistent/guest.bin", &format, &why));
	EXPECT_EQ(-EINVAL, hv_load_file(&vm, "/", &format, &why));
	EXPECT_NE(NULL, why);
}

/* A minimal ELF64 executable: one PT_LOAD of @code at @paddr. */
struct tiny_elf64 {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned char code[16];
};

static void make_elf64(struct tiny_elf64 *e, uint64_t paddr, uint64_t entry)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = entry;
	e->eh.e_phoff = offsetof(struct tiny_elf64, ph);
	e->eh.e_ehsize = sizeof(e->eh);
	e->eh.e_phentsize = sizeof(e->ph);
	e->eh.e_phnum = 1;
	e->ph.p_type = PT_LOAD;
	e->ph.p_flags = PF_R | PF_X;
	e->ph.p_offset = offsetof(struct tiny_elf64, code);
	e->ph.p_paddr = e->ph.p_vaddr = paddr;
	e->ph.p_filesz = sizeof(e->code);
	e->ph.p_memsz = 4096;	/* the rest is .bss: zeroed */
	memset(e->code, 0x90, sizeof(e->code));
}

/*
 * Without a vCPU the loader gets as far as copying the segments and then
 * fails to set the registers (-EBADF): everything before that is checked.
 */
TEST(load_elf)
{
	static unsigned char mem[4 << 20];
	struct hv_vm vm = { .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	enum hv_guest_format format = HV_GUEST_RAW16;
	struct tiny_elf64 e;
	const char *why;

	make_elf64(&e, 0x100000, 0x100004);
	memset(mem + 0x100000, 0xaa, 8192);
	EXPECT_EQ(-EBADF, hv_load_elf(&vm, &e, sizeof(e), &format, &why));
	EXPECT_EQ(HV_GUEST_ELF64, format);
	EXPECT_EQ(0x90, mem[0x100000]);
	EXPECT_EQ(0, mem[0x100000 + sizeof(e.code)]);		/* .bss zeroed */
	EXPECT_EQ(0xaa, mem[0x100000 + 4096]);			/* and no further */
	/* the long-mode identity map: PML4[0] -> PDPT, 2 MiB pages */
	EXPECT_EQ(HV_PDPT_ADDR | 3, *(uint64_t *)(mem + HV_PML4_ADDR));
	EXPECT_EQ(0x200000 | 0x83, *(uint64_t *)(mem + HV_PD_ADDR + 8));

	make_elf64(&e, 0x100000, 0x200000);
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, &e, sizeof(e), &format, &why));
	EXPECT_STREQ("the entry point is not in an executable segment", why);

	make_elf64(&e, 0x2000, 0x2000);		/* over the page tables */
	EXPECT_EQ(-EFBIG, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	make_elf64(&e, 0xa0000, 0xa0000);	/* the VGA hole */
	EXPECT_EQ(-EFBIG, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	make_elf64(&e, 0x100000, 0x100000);
	e.eh.e_machine = EM_ARM;
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	make_elf64(&e, 0x100000, 0x100000);
	e.eh.e_type = ET_DYN;
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	make_elf64(&e, 0x100000, 0x100000);
	e.ph.p_filesz = 1 << 20;		/* beyond the end of the file */
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	make_elf64(&e, 0x100000, 0x100000);
	e.eh.e_phnum = 100;			/* headers beyond the file */
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, &e, sizeof(e), &format, &why));

	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, "\x7f" "ELF", 4, &format, &why));
}

/*
 * Program headers at an odd e_phoff are legal ELF, and the loader must
 * not read them through a misaligned pointer (audit S4-2: UB, which
 * tests/fuzz/fuzz_elf's UBSan caught). Built byte by byte into @file.
 */
static size_t make_misaligned_elf(unsigned char *file, int is64, size_t phoff)
{
	static const unsigned char code[16] = { 0x90, 0x90, 0x90, 0x90, 0xf4 };
	size_t code_off;

	if (is64) {
		Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64,
				  .e_version = EV_CURRENT, .e_entry = 0x100000, .e_phoff = phoff,
				  .e_ehsize = sizeof(eh), .e_phentsize = sizeof(Elf64_Phdr),
				  .e_phnum = 1 };
		Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				  .p_paddr = 0x100000, .p_filesz = sizeof(code),
				  .p_memsz = sizeof(code) };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		code_off = phoff + sizeof(ph);
		ph.p_offset = code_off;
		memcpy(file, &eh, sizeof(eh));
		memcpy(file + phoff, &ph, sizeof(ph));
	} else {
		Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386,
				  .e_version = EV_CURRENT, .e_entry = 0x100000, .e_phoff = phoff,
				  .e_ehsize = sizeof(eh), .e_phentsize = sizeof(Elf32_Phdr),
				  .e_phnum = 1 };
		Elf32_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				  .p_paddr = 0x100000, .p_filesz = sizeof(code),
				  .p_memsz = sizeof(code) };

		memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS32;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		code_off = phoff + sizeof(ph);
		ph.p_offset = code_off;
		memcpy(file, &eh, sizeof(eh));
		/* at 0x33 the header's last byte is overwritten: nothing reads it */
		memcpy(file + phoff, &ph, sizeof(ph));
	}
	memcpy(file + code_off, code, sizeof(code));
	return code_off + sizeof(code);
}

TEST(load_elf_misaligned_program_headers)
{
	static unsigned char mem[2 << 20];
	struct hv_vm vm = { .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	enum hv_guest_format format = HV_GUEST_RAW16;
	/* 8-byte aligned, so that e_phoff alone decides the alignment */
	uint64_t buf[32], buf2[33];
	unsigned char *file = (unsigned char *)buf, *odd = (unsigned char *)buf2;
	const char *why;
	size_t size;

	memset(buf, 0, sizeof(buf));
	size = make_misaligned_elf(file, 0, 0x33);
	memset(mem + 0x100000, 0, 16);
	EXPECT_EQ(-EBADF, hv_load_elf(&vm, file, size, &format, &why));
	EXPECT_EQ(HV_GUEST_ELF32, format);
	EXPECT_EQ(0xf4, mem[0x100004]);

	memset(buf, 0, sizeof(buf));
	size = make_misaligned_elf(file, 1, 0x43);
	memset(mem + 0x100000, 0, 16);
	EXPECT_EQ(-EBADF, hv_load_elf(&vm, file, size, &format, &why));
	EXPECT_EQ(HV_GUEST_ELF64, format);
	EXPECT_EQ(0xf4, mem[0x100004]);

	/* and the whole file at an odd address: the ELF header is copied out too */
	memcpy(odd + 1, file, size);
	memset(mem + 0x100000, 0, 16);
	EXPECT_EQ(-EBADF, hv_load_elf(&vm, odd + 1, size, &format, &why));
	EXPECT_EQ(0xf4, mem[0x100004]);

	/* the same headers one byte short of the file: refused, not read past the end */
	EXPECT_EQ(-ENOEXEC, hv_load_elf(&vm, file, 0x43 + sizeof(Elf64_Phdr) - 1, &format, &why));
	EXPECT_STREQ("program headers missing or truncated", why);
}

TEST_HARNESS_MAIN
