/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvguest.h - the tiny library for C guests (32-bit protected mode and
 * 64-bit long mode). hvctl loads the guest's ELF file and starts it at
 * _start (entry.S) with flat segments, a stack and, in long mode, an
 * identity map of the low 4 GiB; main() runs and its return value ends
 * the run:
 *   return 0   -> HLT with interrupts off: hvctl exit status 0
 *   return V   -> V written to port 0xf4: hvctl exit status (V << 1) | 1
 *
 * The host side is described in docs/hvctl.md (ports) and docs/hypercalls.md.
 */
#ifndef HVGUEST_H
#define HVGUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define HV_DEBUG_PORT	0xe9	/* each byte written is printed by hvctl */
#define HV_EXIT_PORT	0xf4	/* writing V ends the run: status (V << 1) | 1 */

#ifdef __x86_64__
#define HV_MODE_NAME	"64-bit long mode"
#else
#define HV_MODE_NAME	"32-bit protected mode"
#endif

/* Hypercalls (docs/hypercalls.md): HVLAB_HC_*, called by hv_hypercall() */
#include "uapi/hvlab_hypercall.h"

/* Port I/O */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define DEFINE_READ_CR(n)						\
static inline unsigned long read_cr##n(void)				\
{									\
	unsigned long v;						\
	__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));		\
	return v;							\
}
#define DEFINE_WRITE_CR(n)						\
static inline void write_cr##n(unsigned long v)				\
{									\
	__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");	\
}
DEFINE_READ_CR(0)
DEFINE_READ_CR(2)
DEFINE_READ_CR(3)
DEFINE_READ_CR(4)
DEFINE_WRITE_CR(0)
DEFINE_WRITE_CR(3)
DEFINE_WRITE_CR(4)
#ifdef __x86_64__
DEFINE_READ_CR(8)
DEFINE_WRITE_CR(8)
#endif

/*
 * An IDT gate (SDM 6.11, 6.14.1): 8 bytes in 32-bit mode, 16 in 64-bit
 * mode, where the handler's offset has 64 bits.
 */
struct hv_gate {
	uint16_t offset_low, selector;
	uint8_t ist, type;
	uint16_t offset_mid;
#ifdef __x86_64__
	uint32_t offset_high, reserved;
#endif
} __attribute__((packed));

#define HV_GATE_INTERRUPT	0x8e	/* P = 1, DPL 0, interrupt gate: IF cleared */
#define HV_GATE_NOT_PRESENT	0x0e	/* the same with P = 0: delivery raises #NP */

/* Send a vector to handler, in the code segment the guest runs in now. */
static inline void hv_set_gate(struct hv_gate *gate, void *handler, uint8_t type)
{
	uintptr_t addr = (uintptr_t)handler;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	*gate = (struct hv_gate){
		.offset_low = addr, .selector = cs, .type = type,
		.offset_mid = addr >> 16,
#ifdef __x86_64__
		.offset_high = addr >> 32,
#endif
	};
}

/*
 * An exception handler in C: HV_EXCEPTION_STUB(name, fn, push) makes the
 * entry point @name, for hv_set_gate(), that calls fn(struct hv_frame *)
 * with the registers it saved and the CPU's frame, which the handler may
 * change (RIP, RFLAGS, ECX...), then IRETs. @push: HV_NO_ERROR_CODE for
 * the exceptions without an error code, "" for the others.
 */
#ifdef __x86_64__
struct hv_frame {
	unsigned long r11, r10, r9, r8, di, si, dx, cx, ax;
	unsigned long error_code;	/* 0 where the CPU pushes none */
	unsigned long ip, cs, flags;
};
#define HV_EXCEPTION_STUB(name, fn, push_error)				\
	__asm__(".text\n" #name ":\n" push_error			\
		"push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n" \
		"push %r8; push %r9; push %r10; push %r11\n"		\
		"mov %rsp, %rdi; cld; call " #fn "\n"			\
		"pop %r11; pop %r10; pop %r9; pop %r8\n"		\
		"pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"	\
		"add $8, %rsp; iretq\n");				\
	extern char name[]
#else
struct hv_frame {
	unsigned long di, si, bp, sp, bx, dx, cx, ax;	/* PUSHA */
	unsigned long error_code;
	unsigned long ip, cs, flags;
};
#define HV_EXCEPTION_STUB(name, fn, push_error)				\
	__asm__(".text\n" #name ":\n" push_error			\
		"pushal; push %esp; cld; call " #fn "; add $4, %esp\n"	\
		"popal; add $4, %esp; iret\n");				\
	extern char name[]
#endif
#define HV_NO_ERROR_CODE	"push $0\n"

/* In inline asm, RFLAGS.TF on by POPF: the #DB comes after the instruction that follows */
#ifdef __x86_64__
#define HV_TF_ON	"pushfq; orq $0x100, (%%rsp); popfq\n"
#else
#define HV_TF_ON	"pushfl; orl $0x100, (%%esp); popfl\n"
#endif

/* LIDT: the IDT at (linear) base, for vectors 0 to vectors - 1. */
static inline void hv_load_idt(uintptr_t base, unsigned int vectors)
{
	struct __attribute__((packed)) { uint16_t limit; uintptr_t base; } idtr = {
		vectors * sizeof(struct hv_gate) - 1, base,
	};

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/*
 * An interrupt handler that calls the C function @fn (void fn(void)) with
 * the caller-saved registers kept, and returns with IRET: the interrupted
 * code never knows. For hardware interrupts, which push no error code.
 */
#ifdef __x86_64__
#define HV_IRQ_HANDLER(name, fn)					\
	__asm__(".text\n" #name ":\n"					\
		"push %rax; push %rcx; push %rdx; push %rsi; push %rdi\n"	\
		"push %r8; push %r9; push %r10; push %r11\n"		\
		"cld; call " #fn "\n"					\
		"pop %r11; pop %r10; pop %r9; pop %r8\n"		\
		"pop %rdi; pop %rsi; pop %rdx; pop %rcx; pop %rax\n"	\
		"iretq\n");						\
	extern char name[]
#else
#define HV_IRQ_HANDLER(name, fn)					\
	__asm__(".text\n" #name ":\n"					\
		"pushal; cld; call " #fn "; popal; iret\n");		\
	extern char name[]
#endif

/*
 * The PC's interrupt controllers and timer, programmed as Linux does
 * (arch/x86/kernel/i8259.c, i8253.c): the 8259A pair with IRQ 0-7 at
 * vectors @base..@base+7 and IRQ 8-15 after them, all masked; the 8254's
 * channel 0 as a rate generator (mode 2) at @hz.
 */
#define HV_PIC1		0x20
#define HV_PIC2		0xa0
#define HV_PIC_EOI	0x20

static inline void hv_pic_init(uint8_t base)
{
	outb(HV_PIC1 + 1, 0xff);
	outb(HV_PIC2 + 1, 0xff);
	outb(HV_PIC1, 0x11);		/* ICW1: edge, cascade, ICW4 */
	outb(HV_PIC1 + 1, base);	/* ICW2: vectors */
	outb(HV_PIC1 + 1, 1 << 2);	/* ICW3: the slave on IRQ 2 */
	outb(HV_PIC1 + 1, 0x01);	/* ICW4: 8086 mode, normal EOI */
	outb(HV_PIC2, 0x11);
	outb(HV_PIC2 + 1, base + 8);
	outb(HV_PIC2 + 1, 2);		/* ICW3: its cascade identity */
	outb(HV_PIC2 + 1, 0x01);
	outb(HV_PIC1 + 1, 0xfb);	/* all masked but the cascade */
	outb(HV_PIC2 + 1, 0xff);
}

/* Unmask an ISA IRQ line */
static inline void hv_pic_unmask(unsigned int irq)
{
	uint16_t port = irq < 8 ? HV_PIC1 + 1 : HV_PIC2 + 1;

	outb(port, inb(port) & ~(1u << (irq & 7)));
}

/* Non-specific EOI, to the slave too for its lines */
static inline void hv_pic_eoi(unsigned int irq)
{
	if (irq >= 8)
		outb(HV_PIC2, HV_PIC_EOI);
	outb(HV_PIC1, HV_PIC_EOI);
}

#define HV_PIT_HZ	1193182u

static inline void hv_pit_periodic(unsigned int hz)
{
	uint16_t divisor = (HV_PIT_HZ + hz / 2) / hz;

	outb(0x43, 0x34);		/* channel 0, lobyte/hibyte, mode 2 */
	outb(0x40, divisor & 0xff);
	outb(0x40, divisor >> 8);
}

/*
 * The local APIC (xAPIC, SDM Vol. 3A chapter 11) at its default address:
 * 32-bit registers at 16-byte steps. The ELF guests reach it by its
 * physical address (paging off, or the identity map of the low 4 GiB).
 */
#define HV_APIC_ADDR		0xfee00000u
#define HV_APIC_ID		0x020
#define HV_APIC_VERSION		0x030
#define HV_APIC_TPR		0x080
#define HV_APIC_PPR		0x0a0
#define HV_APIC_EOI		0x0b0
#define HV_APIC_SPIV		0x0f0
#define HV_APIC_ISR		0x100
#define HV_APIC_IRR		0x200
#define HV_APIC_ESR		0x280
#define HV_APIC_ICR_LOW		0x300
#define HV_APIC_ICR_HIGH	0x310
#define HV_APIC_LVT_TIMER	0x320
#define HV_APIC_LVT_LINT0	0x350
#define HV_APIC_LVT_ERROR	0x370
#define HV_APIC_TIMER_INITIAL	0x380
#define HV_APIC_TIMER_CURRENT	0x390
#define HV_APIC_TIMER_DIVIDE	0x3e0
#define HV_APIC_LVT_MASKED	(1u << 16)
#define HV_APIC_TIMER_PERIODIC	(1u << 17)
#define HV_APIC_SPIV_ENABLE	(1u << 8)
#define HV_APIC_ICR_SELF	(1u << 18)	/* destination shorthand: self */
#define HV_MSR_APIC_BASE	0x1b

static inline uint32_t hv_apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(uintptr_t)(HV_APIC_ADDR + reg);
}

static inline void hv_apic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(HV_APIC_ADDR + reg) = v;
}

/* Is @vector set in the ISR or IRR (@reg: HV_APIC_ISR, HV_APIC_IRR)? */
static inline int hv_apic_vector_set(uint32_t reg, unsigned int vector)
{
	return (hv_apic_read(reg + vector / 32 * 16) >> (vector % 32)) & 1;
}

static inline void hv_sti_hlt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

static inline void hv_cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* lib.c */
void hv_putc(char c);
void hv_puts(const char *s);
/* printf for the debug port: %s %c %d %u %x %p, with l/ll and a width (%08x) */
void hv_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_vprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void hv_exit(uint8_t value);
__attribute__((noreturn)) void hv_halt(void);
unsigned long hv_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
			   unsigned long a2, unsigned long a3);
/* A course handout's stub (labs/README.md): says so, and ends the run. */
__attribute__((noreturn)) void hv_todo(int lab, const char *fn);

/*
 * pv_console.c: the paravirtual console (docs/hypercalls.md). Each
 * returns the bytes printed, or a negative HVLAB_HC_* error.
 */
long hv_console_write(const void *buf, size_t len);	/* by hypercall */

/* The ring's layout in memory, as include/uapi/hvlab_hypercall.h gives it */
struct hv_console_ring {
	volatile uint32_t produced;	/* the guest's count of bytes written */
	volatile uint32_t consumed;	/* hvlab's count of bytes printed */
	uint8_t reserved[HVLAB_RING_DATA - 8];
	volatile uint8_t data[];
};

struct hv_ring {
	struct hv_console_ring *shared;	/* aligned to HVLAB_RING_DATA */
	uint32_t size;			/* bytes of data: a power of two */
};

long hv_ring_setup(struct hv_ring *ring, void *shared, uint32_t size);
long hv_ring_write(struct hv_ring *ring, const void *buf, size_t len);
long hv_ring_flush(struct hv_ring *ring);

/* What the compiler may call on its own in freestanding code. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* A check that prints where it failed and ends the run with status 3. */
#define HV_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			hv_printf("%s:%d: check failed: %s\n", __FILE__,	\
				  __LINE__, #cond);			\
			hv_exit(1);					\
		}							\
	} while (0)

int main(void);

#endif
