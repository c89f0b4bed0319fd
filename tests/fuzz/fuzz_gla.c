// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_gla.c - libFuzzer harness for hvctl's guest page-table walker
 * (userspace/lib/guest_mem.c, compiled unchanged): hv_gla_translate() and
 * hv_gla_read() with fuzzed CR0, CR4, EFER, CR3 and page tables.
 *
 * Input: CR0, CR4, EFER, CR3 and a linear address (8 bytes each, little
 * endian), a length (2 bytes), then bytes that are put into guest RAM
 * at gpa 0 and again at 1 MiB, where the page tables are looked for.
 * Guest RAM ends at a page that cannot be touched, so a walk that reads
 * past the end of RAM faults rather than reading the heap.
 *
 * A translation must be consistent (page size, offset, entries present
 * and in RAM), and hv_gla_read() must return what reading byte by byte
 * through hv_gla_translate() gives, and fail only where that fails.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/guest_mem.h"
#include "lib/libhvlab.h"

#define MEM_SIZE	(HV_HIGH_RAM_START + 0x10000)	/* 640K, the hole, 64K */
#define HEADER		(5 * 8 + 2)
#define MAX_READ	0x1800	/* enough to cross two page boundaries */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void check_translation(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
			      uint64_t gla, const struct hv_translation *tr)
{
	enum hv_paging mode = hv_paging_mode(sregs);
	uint64_t ps = tr->page_size;

	if (mode == HV_PAGING_NONE) {
		assert(tr->gpa == ((sregs->efer & (1 << 10)) ? gla : (uint32_t)gla));
		assert(ps == 0 && tr->levels == 0);
		return;
	}
	assert(ps == 4096 || ps == 2 << 20 || ps == 4 << 20 || ps == 1 << 30);
	assert((tr->gpa & (ps - 1)) == (gla & (ps - 1)));
	assert(tr->gpa < (mode == HV_PAGING_32 ? 1ULL << 40 : 1ULL << 52));
	assert(tr->levels >= 1 && tr->levels <= 5);
	switch (mode) {
	case HV_PAGING_32:
		assert(tr->levels == (ps == 4096 ? 2 : 1));
		assert(ps == 4096 || ps == 4 << 20);
		break;
	case HV_PAGING_PAE:
		assert(tr->levels == (ps == 4096 ? 3 : 2));
		assert(ps == 4096 || ps == 2 << 20);
		break;
	case HV_PAGING_4LEVEL:
	case HV_PAGING_5LEVEL:
		assert(ps != 4 << 20);
		assert(tr->levels == (mode == HV_PAGING_5LEVEL ? 5 : 4) -
		       (ps == 4096 ? 0 : ps == 2 << 20 ? 1 : 2));
		break;
	default:
		assert(!"unknown paging mode");
	}
	for (int i = 0; i < tr->levels; i++) {
		unsigned int esize = mode == HV_PAGING_32 ? 4 : 8;

		assert(tr->entry[i] & 1);	/* present */
		assert(hv_gpa_is_ram(vm, tr->entry_gpa[i], esize));
		assert(!memcmp(&tr->entry[i], vm->mem + tr->entry_gpa[i], esize));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram, buf[MAX_READ], one;
	struct hv_vm vm = { .dev_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	struct hvlab_sregs sregs;
	struct hv_translation tr;
	uint64_t gla;
	size_t len, tail, i;
	char why[256];
	int ret, bad;

	if (!ram) {
		/* RAM, then a page that faults on any access */
		ram = mmap(NULL, MEM_SIZE + 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert(ram != MAP_FAILED);
		assert(!mprotect(ram + MEM_SIZE, 4096, PROT_NONE));
	}
	if (size < HEADER)
		return 0;
	memset(&sregs, 0, sizeof(sregs));
	sregs.cr0 = get64(data);
	sregs.cr4 = get64(data + 8);
	sregs.efer = get64(data + 16);
	sregs.cr3 = get64(data + 24);
	gla = get64(data + 32);
	len = (data[40] | data[41] << 8) % (MAX_READ + 1);
	tail = size - HEADER;
	if (tail > HV_LOW_RAM_END)
		tail = HV_LOW_RAM_END;
	if (tail > MEM_SIZE - HV_HIGH_RAM_START)
		tail = MEM_SIZE - HV_HIGH_RAM_START;
	memcpy(ram, data + HEADER, tail);
	memcpy(ram + HV_HIGH_RAM_START, data + HEADER, tail);
	vm.mem = ram;
	vm.mem_size = MEM_SIZE;

	assert(hv_paging_name(hv_paging_mode(&sregs)));
	why[0] = 0;
	ret = hv_gla_translate(&vm, &sregs, gla, &tr, why, sizeof(why));
	if (ret)
		assert(ret == -EFAULT && why[0] && strlen(why) < sizeof(why));
	else
		check_translation(&vm, &sregs, gla, &tr);

	/* hv_gla_read() against a byte-by-byte read */
	why[0] = 0;
	ret = hv_gla_read(&vm, &sregs, gla, buf, len, why, sizeof(why));
	bad = 0;
	for (i = 0; i < len && !bad; i++) {
		if (hv_gla_translate(&vm, &sregs, gla + i, &tr, NULL, 0) ||
		    hv_gpa_read(&vm, tr.gpa, &one, 1))
			bad = 1;
		else if (!ret)
			assert(buf[i] == one);
	}
	assert(ret == (bad ? -EFAULT : 0));
	if (ret)
		assert(why[0]);

	memset(ram, 0, tail);
	memset(ram + HV_HIGH_RAM_START, 0, tail);
	return 0;
}
