// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c - host-side tests of hvctl's argument parsing, memory map and
 * loaders: ELF and multiboot, as far as they go without a vCPU.
 */
#include <elf.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "lib/libhvlab.h"
#include "loaders/loaders.h"

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

/*
 * A multiboot kernel with the a.out kludge (spec 3.1.3): a header at
 * offset 0x40 of a 0x200-byte file that loads at 1 MiB, @flags extra.
 */
struct mb_image {
	uint32_t pad[16];
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	uint8_t code[0x200 - 0x60];
};

static void make_mb_kludge(struct mb_image *k, uint32_t flags)
{
	memset(k, 0, sizeof(*k));
	k->magic = 0x1badb002;
	k->flags = flags | 0x10003;
	k->checksum = -(k->magic + k->flags);
	k->header_addr = 0x100040;
	k->load_addr = 0x100000;
	k->load_end_addr = 0;			/* the rest of the file */
	k->bss_end_addr = 0x102000;
	k->entry_addr = 0x100060;
	memset(k->code, 0x90, sizeof(k->code));
}

static uint32_t mem32(const unsigned char *mem, uint64_t at)
{
	uint32_t v;

	memcpy(&v, mem + at, 4);
	return v;
}

/* A temporary file with @text; its name in @path. 0 or -1. */
static int temp_file(char *path, const char *text)
{
	ssize_t n;
	int fd;

	strcpy(path, "/tmp/hvlab-module-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

TEST(multiboot_header_search)
{
	static uint32_t image[4096];

	memset(image, 0, sizeof(image));
	EXPECT_EQ(-1, hv_find_multiboot_header(image, sizeof(image)));
	image[100] = 0x1badb002;
	image[101] = 0;
	image[102] = -0x1badb002;
	EXPECT_EQ(400, hv_find_multiboot_header(image, sizeof(image)));
	EXPECT_EQ(-1, hv_find_multiboot_header(image, 408));	/* cut off */
	image[102]++;						/* bad checksum */
	EXPECT_EQ(-1, hv_find_multiboot_header(image, sizeof(image)));
	memset(image, 0, sizeof(image));
	image[2048] = 0x1badb002;				/* at 8 KiB: too late */
	image[2050] = -0x1badb002;
	EXPECT_EQ(-1, hv_find_multiboot_header(image, sizeof(image)));
	image[2047] = 0x1badb002;				/* 12 bytes from 8188: no */
	image[2049] = -0x1badb002;
	EXPECT_EQ(-1, hv_find_multiboot_header(image, sizeof(image)));
}

/*
 * The a.out kludge and everything in the information structure: the
 * loader gets as far as the BIOS area's memory slot, which needs a VM.
 */
TEST(multiboot_load_kludge)
{
	static unsigned char mem[4 << 20];
	struct hv_vm vm = { .vm_fd = -1, .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	char mod1[64], mod2[64], spec1[128];
	const char *modules[2] = { spec1, mod2 };
	struct hv_boot_args args = { .cmdline = "console=ttyS0 x=1", .modules = modules,
				     .nr_modules = 2 };
	struct mb_image k;
	uint64_t info = HV_MULTIBOOT_INFO, mods, mmap;
	const char *why;

	ASSERT_EQ(0, temp_file(mod1, "first module\n"));
	ASSERT_EQ(0, temp_file(mod2, "second"));
	snprintf(spec1, sizeof(spec1), "%s,a=1,b=2", mod1);
	make_mb_kludge(&k, 0);
	memset(mem + 0x100000, 0xaa, 0x3000);
	EXPECT_EQ(-EBADF, hv_load_multiboot(&vm, &k, sizeof(k), "kernel.img", &args, &why));
	EXPECT_STREQ("cannot map the BIOS area", why);
	/* the whole file at load_addr, the bss zeroed up to bss_end_addr */
	EXPECT_EQ(0, memcmp(mem + 0x100000, &k, sizeof(k)));
	EXPECT_EQ(0, mem[0x100000 + sizeof(k)]);
	EXPECT_EQ(0, mem[0x101fff]);
	/* the information structure */
	EXPECT_EQ(0x24d, mem32(mem, info));		/* mem, cmdline, mods, mmap, loader name */
	EXPECT_EQ(639, mem32(mem, info + 4));
	EXPECT_EQ(3072, mem32(mem, info + 8));		/* 4 MiB less the first */
	EXPECT_STREQ("kernel.img console=ttyS0 x=1", (char *)mem + mem32(mem, info + 16));
	EXPECT_STREQ("hvctl", (char *)mem + mem32(mem, info + 64));
	/* the memory map: 4 entries of 24 bytes, each with its size (20) before it */
	EXPECT_EQ(96, mem32(mem, info + 44));
	mmap = mem32(mem, info + 48);
	EXPECT_EQ(20, mem32(mem, mmap));
	EXPECT_EQ(0, mem32(mem, mmap + 4));
	EXPECT_EQ(0x9fc00, mem32(mem, mmap + 12));
	EXPECT_EQ(1, mem32(mem, mmap + 20));
	EXPECT_EQ(0x100000, mem32(mem, mmap + 3 * 24 + 4));
	EXPECT_EQ(3 << 20, mem32(mem, mmap + 3 * 24 + 12));
	EXPECT_EQ(1, mem32(mem, mmap + 3 * 24 + 20));
	/* the modules: page-aligned after the bss, their strings "FILE ARGS" */
	EXPECT_EQ(2, mem32(mem, info + 20));
	mods = mem32(mem, info + 24);
	EXPECT_EQ(0x102000, mem32(mem, mods));
	EXPECT_EQ(0x102000 + 13, mem32(mem, mods + 4));
	EXPECT_EQ(0, memcmp(mem + 0x102000, "first module\n", 13));
	snprintf(spec1, sizeof(spec1), "%s a=1,b=2", mod1);
	EXPECT_STREQ(spec1, (char *)mem + mem32(mem, mods + 8));
	EXPECT_EQ(0x103000, mem32(mem, mods + 16));
	EXPECT_EQ(0x103006, mem32(mem, mods + 20));
	EXPECT_STREQ(mod2, (char *)mem + mem32(mem, mods + 24));
	unlink(mod1);
	unlink(mod2);
}

TEST(multiboot_refusals)
{
	static unsigned char mem[4 << 20];
	struct hv_vm vm = { .vm_fd = -1, .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	const char *missing[1] = { "/nonexistent/module" };
	struct hv_boot_args args = { 0 };
	unsigned char plain[64] = { 0 };
	struct mb_image k;
	const char *why;

	make_mb_kludge(&k, 0x8);		/* a requirement nobody defined */
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	make_mb_kludge(&k, 0);
	k.load_addr = k.header_addr = 0x8000;	/* below 1 MiB */
	k.header_addr += 0x40;
	k.bss_end_addr = k.entry_addr = 0;
	EXPECT_EQ(-EFBIG, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	make_mb_kludge(&k, 0);
	k.bss_end_addr = 8 << 20;		/* beyond RAM */
	EXPECT_EQ(-EFBIG, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	make_mb_kludge(&k, 0);
	k.entry_addr = 0x100000 + sizeof(k);	/* in the bss: not loaded */
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	EXPECT_STREQ("the multiboot header's entry_addr is not in what it loads", why);
	make_mb_kludge(&k, 0);
	k.header_addr = 0x200000;		/* the load would start before the file */
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	make_mb_kludge(&k, 0);
	k.load_end_addr = 0x100000 + sizeof(k) + 1;	/* past the end of the file */
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	make_mb_kludge(&k, 0);
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, 0x48, "k", &args, &why));	/* fields cut off */
	/* without the kludge it must be ELF */
	make_mb_kludge(&k, 0);
	k.flags = 0x3;
	k.checksum = -(k.magic + k.flags);
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	EXPECT_STREQ("a multiboot kernel that is not ELF needs the header's address fields (flag 16)",
		     why);
	EXPECT_EQ(-ENOEXEC, hv_load_multiboot(&vm, plain, sizeof(plain), "k", &args, &why));
	/* Linux's options and bad modules */
	make_mb_kludge(&k, 0);
	args.initrd = "initrd.img";
	EXPECT_EQ(-EINVAL, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	args.initrd = NULL;
	args.modules = missing;
	args.nr_modules = 1;
	EXPECT_EQ(-ENOENT, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
	args.nr_modules = 33;
	EXPECT_EQ(-E2BIG, hv_load_multiboot(&vm, &k, sizeof(k), "k", &args, &why));
}

/* A multiboot ELF: its segments at their addresses, at or above 1 MiB */
TEST(multiboot_load_elf)
{
	static unsigned char mem[4 << 20];
	struct hv_vm vm = { .vm_fd = -1, .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	struct hv_boot_args args = { 0 };
	struct tiny_elf64 e;
	uint32_t header[3] = { 0x1badb002, 0x3, -(0x1badb002 + 0x3) };
	const char *why;

	make_elf64(&e, 0x100000, 0x100000);
	memcpy(e.code + 4, header, sizeof(header));
	memset(mem + 0x100000, 0, 64);
	EXPECT_EQ(-EBADF, hv_load_multiboot(&vm, &e, sizeof(e), "k", &args, &why));
	EXPECT_EQ(0, memcmp(mem + 0x100000, e.code, sizeof(e.code)));
	EXPECT_EQ(0x4d | 0x200, mem32(mem, HV_MULTIBOOT_INFO));
	EXPECT_EQ(0, mem32(mem, HV_MULTIBOOT_INFO + 20));	/* no modules */
	make_elf64(&e, 0x80000, 0x80000);			/* below 1 MiB */
	memcpy(e.code + 4, header, sizeof(header));
	EXPECT_EQ(-EFBIG, hv_load_multiboot(&vm, &e, sizeof(e), "k", &args, &why));
}

/* hv_load_file_args(): the multiboot header first, and options that do not fit */
TEST(load_file_multiboot)
{
	static unsigned char mem[4 << 20];
	struct hv_vm vm = { .vm_fd = -1, .vcpu_fd = -1, .mem = mem, .mem_size = sizeof(mem) };
	const char *modules[1] = { "/nonexistent" };
	struct hv_boot_args args = { .modules = modules, .nr_modules = 1 };
	enum hv_guest_format format = HV_GUEST_RAW16;
	struct tiny_elf64 e;
	struct mb_image k;
	char path[64];
	const char *why;
	FILE *f;

	make_mb_kludge(&k, 0);
	strcpy(path, "/tmp/hvlab-mb-XXXXXX");
	ASSERT_LE(0, mkstemp(path));
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fwrite(&k, sizeof(k), 1, f);
	fclose(f);
	EXPECT_EQ(0, hv_guess_format(path, &format));
	EXPECT_EQ(HV_GUEST_MULTIBOOT, format);
	format = HV_GUEST_RAW16;
	EXPECT_EQ(-EBADF, hv_load_file_args(&vm, path, NULL, &format, &why));
	EXPECT_EQ(HV_GUEST_MULTIBOOT, format);
	EXPECT_STREQ("multiboot kernel, 32-bit protected mode", hv_guest_format_name(format));

	/* a plain ELF takes no --module */
	make_elf64(&e, 0x100000, 0x100000);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fwrite(&e, sizeof(e), 1, f);
	fclose(f);
	EXPECT_EQ(-EINVAL, hv_load_file_args(&vm, path, &args, &format, &why));
	EXPECT_STREQ("--module is for a multiboot kernel", why);
	unlink(path);
}

/*
 * The MP table (MP spec 1.4): the floating pointer in the BIOS area, both
 * checksums, and the entries that describe hvctl's PC.
 */
TEST(mptable)
{
	static uint8_t mem[1 << 20];
	struct hv_vm vm = { .mem = mem, .mem_size = sizeof(mem) };
	const uint8_t *fp = NULL, *table, *e;
	unsigned int i, n, io_ints = 0, cpus = 0, pin_of_irq0 = 99;
	uint8_t sum = 0;
	uint32_t at;

	EXPECT_EQ(-EINVAL, hv_write_mptable(&vm, 1));		/* no BIOS area */
	vm.bios_area = 1;
	EXPECT_EQ(-EINVAL, hv_write_mptable(&vm, 0));
	ASSERT_EQ(0, hv_write_mptable(&vm, 2));
	/* as Linux looks: 16-byte steps through 0xf0000-0xfffff */
	for (i = 0xf0000; i < 0x100000; i += 16)
		if (!memcmp(mem + i, "_MP_", 4)) {
			fp = mem + i;
			break;
		}
	ASSERT_NE(NULL, fp);
	for (i = 0; i < 16; i++)
		sum += fp[i];
	EXPECT_EQ(0, sum);
	EXPECT_EQ(1, fp[8]);
	EXPECT_EQ(4, fp[9]);
	EXPECT_EQ(0, fp[11]);					/* a table, not a default configuration */
	memcpy(&at, fp + 4, 4);
	ASSERT_LT(at, sizeof(mem) - 44);
	table = mem + at;
	ASSERT_EQ(0, memcmp(table, "PCMP", 4));
	n = table[4] | table[5] << 8;
	for (i = 0, sum = 0; i < n; i++)
		sum += table[i];
	EXPECT_EQ(0, sum);
	EXPECT_EQ(0xfee00000, table[36] | table[37] << 8 | table[38] << 16 | (uint32_t)table[39] << 24);
	e = table + 44;
	for (i = 0; i < (unsigned int)(table[34] | table[35] << 8); i++) {
		switch (e[0]) {
		case 0:
			EXPECT_EQ(cpus, e[1]);			/* APIC IDs 0, 1 */
			EXPECT_EQ(cpus == 0 ? 3 : 1, e[3]);	/* the BSP first */
			cpus++;
			e += 20;
			continue;
		case 1:
			EXPECT_EQ(0, memcmp(e + 2, "ISA   ", 6));
			break;
		case 2:
			EXPECT_EQ(2, e[1]);			/* after the CPUs */
			EXPECT_EQ(0xfec00000, e[4] | e[5] << 8 | e[6] << 16 | (uint32_t)e[7] << 24);
			break;
		case 3:
			io_ints++;
			if (e[5] == 0)
				pin_of_irq0 = e[7];
			else
				EXPECT_EQ(e[5], e[7]);
			break;
		case 4:
			EXPECT_EQ(e[7] == 0 ? 3 : 1, e[1]);	/* LINT0 ExtINT, LINT1 NMI */
			break;
		default:
			ASSERT_TRUE(0) TH_LOG("entry type %u", e[0]);
		}
		e += 8;
	}
	EXPECT_EQ(table + n, e);
	EXPECT_EQ(2, cpus);
	EXPECT_EQ(15, io_ints);					/* ISA IRQs but the cascade */
	EXPECT_EQ(2, pin_of_irq0);
}

TEST_HARNESS_MAIN
