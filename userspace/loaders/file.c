// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - a guest file: read whole, its format known from its first
 * bytes (a multiboot header in the first 8 KiB, ELF magic, a bzImage's
 * setup header, else a boot sector), and handed to that format's loader.
 * The multiboot header comes first: a multiboot kernel is often ELF too,
 * and wants its information structure.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaders/loaders.h"

const char *hv_guest_format_name(enum hv_guest_format format)
{
	switch (format) {
	case HV_GUEST_RAW16:
		return "raw boot sector, 16-bit real mode";
	case HV_GUEST_ELF32:
		return "ELF32, 32-bit protected mode";
	case HV_GUEST_ELF64:
		return "ELF64, 64-bit long mode";
	case HV_GUEST_LINUX64:
		return "Linux bzImage, 64-bit boot protocol";
	case HV_GUEST_LINUX32:
		return "Linux bzImage, 32-bit boot protocol";
	case HV_GUEST_MULTIBOOT:
		return "multiboot kernel, 32-bit protected mode";
	}
	return "?";
}

int hv_read_file(const char *path, uint64_t max, void **buf, size_t *len, const char **why)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;
	int fd;

	*buf = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		*why = "not a regular, non-empty file";
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		*why = "larger than guest memory";
		return -EFBIG;
	}
	*buf = malloc(st.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		n = read(fd, (char *)*buf + done, st.st_size - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	if (done != (size_t)st.st_size) {
		free(*buf);
		*buf = NULL;
		return -EIO;
	}
	*len = done;
	return 0;
}

int hv_load_file_args(struct hv_vm *vm, const char *path, const struct hv_boot_args *args,
		      enum hv_guest_format *format, const char **why)
{
	static const struct hv_boot_args none;
	size_t n;
	void *buf;
	int ret;

	*why = NULL;
	*format = HV_GUEST_RAW16;
	if (!args)
		args = &none;
	ret = hv_read_file(path, vm->mem_size, &buf, &n, why);
	if (ret)
		return ret;
	if (hv_find_multiboot_header(buf, n) >= 0) {
		*format = HV_GUEST_MULTIBOOT;
		ret = hv_load_multiboot(vm, buf, n, path, args, why);
	} else if (args->nr_modules) {
		*why = "--module is for a multiboot kernel";
		ret = -EINVAL;
	} else if (hv_is_linux_image(buf, n)) {
		ret = hv_load_linux(vm, buf, n, args, format, why);
	} else if (args->initrd || args->cmdline) {
		*why = "--initrd and --append are for a Linux or multiboot kernel";
		ret = -EINVAL;
	} else if (n >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG)) {
		ret = hv_load_elf(vm, buf, n, format, why);
	} else if ((ret = hv_load_raw(vm, buf, n)) == -EFBIG) {
		*why = "larger than the 0x7c00-0x9ffff boot area";
	}
	free(buf);
	return ret;
}

int hv_load_file(struct hv_vm *vm, const char *path, enum hv_guest_format *format,
		 const char **why)
{
	return hv_load_file_args(vm, path, NULL, format, why);
}

int hv_guess_format(const char *path, enum hv_guest_format *format)
{
	unsigned char head[HV_MULTIBOOT_SEARCH];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0)
		return -errno;
	if (hv_find_multiboot_header(head, n) >= 0)
		*format = HV_GUEST_MULTIBOOT;
	else if (n >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG))
		*format = n > EI_CLASS && head[EI_CLASS] == ELFCLASS64 ? HV_GUEST_ELF64 : HV_GUEST_ELF32;
	else if (hv_is_linux_image(head, n))
		*format = HV_GUEST_LINUX64;
	else
		*format = HV_GUEST_RAW16;
	return 0;
}
