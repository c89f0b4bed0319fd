// SPDX-License-Identifier: GPL-2.0
/*
 * mbinfo: a multiboot v1 kernel that checks what its loader promised
 * (the Multiboot Specification 0.6.96, 3.2 and 3.3) and that the PC
 * around it works, as a small OS would find them.
 *
 *   - EAX = 0x2badb002, protected mode without paging, interrupts off;
 *   - the information structure: its flags, mem_lower and mem_upper,
 *     the memory map against the RAM fw_cfg reports, the command line,
 *     the boot loader's name;
 *   - the modules: page-aligned (the header asks, flag 0), after the
 *     kernel, in RAM, not overlapping, each with its string, the bytes
 *     of the first one printed and the ELF magic of one that is an ELF
 *     file (tests/vm/hvctl.sh gives the kernel itself);
 *   - fw_cfg's CPU count; the PIT's IRQ 0 through the 8259A, the local
 *     APIC's timer and a self-IPI, each waited for with STI; HLT.
 *
 * It prints on port 0xe9 and ends through port 0xf4, which QEMU has too
 * (-debugcon stdio -device isa-debug-exit,iobase=0xf4): it is the same
 * kernel under `qemu-system-i386 -kernel`.
 */
#include "hvguest.h"

#define MB_BOOT_MAGIC		0x2badb002u

/* The information structure (spec 3.3) */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4];
	uint32_t mmap_length, mmap_addr, drives_length, drives_addr;
	uint32_t config_table, boot_loader_name;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_mmap_entry {
	uint32_t size;		/* of the rest of the entry */
	uint64_t base, length;
	uint32_t type;
} __attribute__((packed));

#define MBI_F_MEMORY		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MODS		(1u << 3)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER_NAME	(1u << 9)

#define FW_CFG_SELECTOR		0x510
#define FW_CFG_DATA		0x511
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05

#define PIC_VECTOR		0x20
#define TIMER_VECTOR		0x40
#define IPI_VECTOR		0x50
#define TICKS			10

extern char _load_start[], _end[];

static struct hv_gate idt[256];
static volatile unsigned int pit_ticks, apic_ticks, ipis;

void on_pit(void)
{
	pit_ticks++;
	hv_pic_eoi(0);
}
HV_IRQ_HANDLER(pit_entry, on_pit);

void on_apic_timer(void)
{
	apic_ticks++;
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(apic_timer_entry, on_apic_timer);

void on_ipi(void)
{
	ipis++;
	hv_apic_write(HV_APIC_EOI, 0);
}
HV_IRQ_HANDLER(ipi_entry, on_ipi);

static uint64_t fw_cfg_read(uint16_t key, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	outw(FW_CFG_SELECTOR, key);
	for (i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

/* The memory map: RAM at 0 and from 1 MiB as mem_lower and mem_upper say */
static void check_memory(const struct mb_info *info, uint64_t ram)
{
	uint32_t off = 0;
	uint64_t low = 0, high = 0;
	unsigned int entries = 0;

	hv_printf("mbinfo: mem_lower %u KiB, mem_upper %u KiB\n", info->mem_lower, info->mem_upper);
	HV_CHECK(info->mem_lower == 639);
	/* all of RAM above 1 MiB, less what firmware may keep at its top (QEMU: 128 KiB) */
	HV_CHECK(info->mem_upper <= (ram - 0x100000) >> 10);
	HV_CHECK(info->mem_upper + 1024 >= (ram - 0x100000) >> 10);
	while (off < info->mmap_length) {
		const struct mb_mmap_entry *e = (const void *)(uintptr_t)(info->mmap_addr + off);

		hv_printf("mbinfo: mmap %08llx-%08llx type %u\n", e->base, e->base + e->length - 1,
			  e->type);
		if (e->type == 1 && e->base == 0)
			low = e->length;
		if (e->type == 1 && e->base == 0x100000)
			high = e->length;
		HV_CHECK(e->size >= 20);
		off += e->size + 4;
		entries++;
	}
	HV_CHECK(off == info->mmap_length && entries >= 2);
	HV_CHECK(low >> 10 == info->mem_lower && high >> 10 == info->mem_upper);
}

static void check_modules(const struct mb_info *info, uint64_t ram)
{
	const struct mb_module *mods = (const void *)(uintptr_t)info->mods_addr;
	uint32_t after = (uintptr_t)_end;
	unsigned int i, n;

	hv_printf("mbinfo: %u modules\n", info->mods_count);
	for (i = 0; i < info->mods_count; i++) {
		const struct mb_module *m = &mods[i];
		const char *data = (const char *)(uintptr_t)m->mod_start;
		uint32_t size = m->mod_end - m->mod_start;

		hv_printf("mbinfo: module %u: %u bytes at 0x%x, string '%s'\n", i, size,
			  m->mod_start, (const char *)(uintptr_t)m->string);
		HV_CHECK(!(m->mod_start & 0xfff));	/* flag 0: page-aligned */
		HV_CHECK(m->mod_start >= after);	/* after the kernel and the one before */
		HV_CHECK(m->mod_end >= m->mod_start && m->mod_end <= ram);
		after = m->mod_end;
		if (size >= 4 && !memcmp(data, "\177ELF", 4)) {
			hv_printf("mbinfo: module %u is an ELF file\n", i);
			continue;
		}
		hv_puts("mbinfo: module text: '");
		for (n = 0; n < size && n < 64 && data[n] != '\n'; n++)
			hv_putc(data[n] >= ' ' && data[n] < 0x7f ? data[n] : '?');
		hv_puts("'\n");
	}
}

/* The APIC timer's count for 1 ms at divide-by-16: its clock is CPUID leaf 0x15's crystal */
static uint32_t apic_count_1ms(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0x15)
		return 20000;
	cpuid(0x15, 0, r);
	return r[2] ? r[2] / 16 / 1000 : 20000;
}

/* The PC: the PIT through the PIC, the APIC timer, a self-IPI */
static void check_interrupts(void)
{
	hv_set_gate(&idt[PIC_VECTOR], pit_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[TIMER_VECTOR], apic_timer_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[IPI_VECTOR], ipi_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 256);

	hv_pic_init(PIC_VECTOR);
	hv_pit_periodic(1000);
	hv_pic_unmask(0);
	while (pit_ticks < TICKS)
		hv_sti_hlt();
	hv_cli();
	hv_pic_init(PIC_VECTOR);	/* all masked again */
	hv_printf("mbinfo: %u PIT interrupts through the 8259A\n", pit_ticks);

	hv_apic_write(HV_APIC_SPIV, HV_APIC_SPIV_ENABLE | 0xff);
	hv_apic_write(HV_APIC_TIMER_DIVIDE, 0x3);	/* divide by 16 */
	hv_apic_write(HV_APIC_LVT_TIMER, HV_APIC_TIMER_PERIODIC | TIMER_VECTOR);
	hv_apic_write(HV_APIC_TIMER_INITIAL, apic_count_1ms());
	while (apic_ticks < TICKS)
		hv_sti_hlt();
	hv_cli();
	hv_apic_write(HV_APIC_LVT_TIMER, HV_APIC_LVT_MASKED | TIMER_VECTOR);
	hv_printf("mbinfo: %u local APIC timer interrupts\n", apic_ticks);

	hv_apic_write(HV_APIC_ICR_LOW, HV_APIC_ICR_SELF | IPI_VECTOR);
	__asm__ volatile("sti; nop; cli" : : : "memory");
	hv_printf("mbinfo: %u self-IPI\n", ipis);
	HV_CHECK(ipis == 1);
}

int mb_main(uint32_t magic, const struct mb_info *info, uint32_t eflags, uint32_t cr0)
{
	uint64_t ram, signature = fw_cfg_read(FW_CFG_SIGNATURE, 4);

	hv_printf("mbinfo: magic 0x%x, info at 0x%x, eflags 0x%x, cr0 0x%x\n", magic,
		  (uint32_t)(uintptr_t)info, eflags, cr0);
	HV_CHECK(magic == MB_BOOT_MAGIC);
	HV_CHECK((cr0 & 1) && !(cr0 & 0x80000000u));	/* PE, not PG */
	HV_CHECK(!(eflags & (1u << 9)) && !(eflags & (1u << 17)));	/* IF, VM clear */
	HV_CHECK((uintptr_t)_load_start == 0x100000);

	hv_printf("mbinfo: flags 0x%x\n", info->flags);
	HV_CHECK((info->flags & (MBI_F_MEMORY | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP |
				 MBI_F_LOADER_NAME)) ==
		 (MBI_F_MEMORY | MBI_F_CMDLINE | MBI_F_MODS | MBI_F_MMAP | MBI_F_LOADER_NAME));
	hv_printf("mbinfo: cmdline '%s'\n", (const char *)(uintptr_t)info->cmdline);
	hv_printf("mbinfo: boot loader '%s'\n", (const char *)(uintptr_t)info->boot_loader_name);

	HV_CHECK(!memcmp(&signature, "QEMU", 4));
	ram = fw_cfg_read(FW_CFG_RAM_SIZE, 8);
	hv_printf("mbinfo: fw_cfg: %llu MiB of RAM, %llu CPU\n", ram >> 20,
		  fw_cfg_read(FW_CFG_NB_CPUS, 2));
	HV_CHECK(fw_cfg_read(FW_CFG_NB_CPUS, 2) == 1);

	check_memory(info, ram);
	check_modules(info, ram);
	check_interrupts();
	hv_puts("mbinfo: ok\n");
	return 0;
}
