// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_truth: for every feature CPUID shows the guest, the feature works
 * (docs/cpuid.md). An OS believes CPUID and touches what it implies; here
 * each advertised feature is used once, with #GP and #UD caught: the MSRs
 * it implies are read (and some written back), its instruction executed,
 * its CR4 bit set and cleared. A feature that is hidden is not tried.
 * Leaves 0x15/0x16 must give the TSC's frequency. Prints one line per
 * feature tried; status 0 if all worked, 3 (HV_CHECK) if one did not.
 */
#include "hvguest.h"

static struct hv_gate idt[14];
volatile uintptr_t resume_at;
volatile unsigned int fault_vector;

/* #UD and #GP: note the vector, go on at resume_at */
__asm__(".text\n"
	"ud_entry:\n"
	"movl $6, fault_vector(%rip)\n"
	"push %rax\n"
	"mov resume_at(%rip), %rax\n"
	"mov %rax, 8(%rsp)\n"
	"pop %rax\n"
	"iretq\n"
	"gp_entry:\n"
	"movl $13, fault_vector(%rip)\n"
	"push %rax\n"
	"mov resume_at(%rip), %rax\n"
	"mov %rax, 16(%rsp)\n"	/* past the error code */
	"pop %rax\n"
	"add $8, %rsp\n"
	"iretq\n");
extern char ud_entry[], gp_entry[];

static unsigned int tried, failed;

static void report(const char *what, int ok)
{
	tried++;
	if (!ok)
		failed++;
	hv_printf("cpu_truth: %s: %s\n", what, ok ? "works" : "FAILS");
}

/* RDMSR, #GP caught: 0 or the vector */
static unsigned int try_rdmsr(uint32_t msr, uint64_t *value)
{
	uint32_t lo = 0, hi = 0;

	fault_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%r11\n"
			 "mov %%r11, resume_at(%%rip)\n"
			 "rdmsr\n"
			 "1:" : "=a"(lo), "=d"(hi) : "c"(msr) : "r11", "memory");
	*value = (uint64_t)hi << 32 | lo;
	return fault_vector;
}

static unsigned int try_wrmsr(uint32_t msr, uint64_t value)
{
	fault_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%r11\n"
			 "mov %%r11, resume_at(%%rip)\n"
			 "wrmsr\n"
			 "1:" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "r11", "memory");
	return fault_vector;
}

/* MOV to CR4 of @bit set, then back: 0 or the vector */
static unsigned int try_cr4_bit(unsigned long bit)
{
	unsigned long cr4 = read_cr4();

	fault_vector = 0;
	__asm__ volatile("lea 1f(%%rip), %%r11\n"
			 "mov %%r11, resume_at(%%rip)\n"
			 "mov %0, %%cr4\n"
			 "1:" : : "r"(cr4 | bit) : "r11", "memory");
	write_cr4(cr4);
	return fault_vector;
}

#define TRY_INSN(insn, ...)						\
	({ fault_vector = 0;						\
	   __asm__ volatile("lea 1f(%%rip), %%r11\n"			\
			    "mov %%r11, resume_at(%%rip)\n"		\
			    insn "\n1:" __VA_ARGS__);			\
	   fault_vector; })

struct msr_feature {
	const char *name;
	uint32_t leaf, subleaf;
	int reg;		/* 0 EAX .. 3 EDX */
	int bit;
	uint32_t msr;
};

/* Features and an MSR each implies (SDM Vol. 4, Table 2-2) */
static const struct msr_feature msr_features[] = {
	{ "TSC: IA32_TIME_STAMP_COUNTER", 1, 0, 3, 4, 0x10 },
	{ "SEP: IA32_SYSENTER_CS", 1, 0, 3, 11, 0x174 },
	{ "MCE: IA32_MCG_CAP", 1, 0, 3, 7, 0x179 },
	{ "MCA: IA32_MCG_STATUS", 1, 0, 3, 14, 0x17a },
	{ "MTRR: IA32_MTRRCAP", 1, 0, 3, 12, 0xfe },
	{ "APIC: IA32_APIC_BASE", 1, 0, 3, 9, 0x1b },
	{ "PAT: IA32_PAT", 1, 0, 3, 16, 0x277 },
	{ "PDCM: IA32_PERF_CAPABILITIES", 1, 0, 2, 15, 0x345 },
	{ "x2APIC: IA32_APIC_BASE", 1, 0, 2, 21, 0x1b },
	{ "TSC deadline: IA32_TSC_DEADLINE", 1, 0, 2, 24, 0x6e0 },
	{ "TSC_ADJUST: IA32_TSC_ADJUST", 7, 0, 1, 1, 0x3b },
	{ "IBRS/IBPB: IA32_SPEC_CTRL", 7, 0, 3, 26, 0x48 },
	{ "ARCH_CAPABILITIES: IA32_ARCH_CAPABILITIES", 7, 0, 3, 29, 0x10a },
	{ "CORE_CAPABILITIES: IA32_CORE_CAPABILITIES", 7, 0, 3, 30, 0xcf },
	{ "EPB: IA32_ENERGY_PERF_BIAS", 6, 0, 2, 3, 0x1b0 },
	{ "SYSCALL: IA32_LSTAR", 0x80000001, 0, 3, 11, 0xc0000082 },
	{ "RDTSCP: IA32_TSC_AUX", 0x80000001, 0, 3, 27, 0xc0000103 },
};

/* The basic or extended leaf, if the CPU has it */
static int has_leaf(uint32_t leaf)
{
	uint32_t r[4];

	cpuid(leaf & 0x80000000, 0, r);
	return leaf <= r[0];
}

static int advertised(uint32_t leaf, uint32_t subleaf, int reg, int bit)
{
	uint32_t r[4];

	if (!has_leaf(leaf))
		return 0;
	cpuid(leaf, subleaf, r);
	return r[reg] >> bit & 1;
}

int main(void)
{
	uint32_t r[4], eax7[4];
	uint64_t v;
	unsigned int i;

	hv_set_gate(&idt[6], ud_entry, HV_GATE_INTERRUPT);
	hv_set_gate(&idt[13], gp_entry, HV_GATE_INTERRUPT);
	hv_load_idt((uintptr_t)idt, 14);

	/* What every Intel CPU has, and Linux reads before it has an IDT */
	report("IA32_MISC_ENABLE (always)", !try_rdmsr(0x1a0, &v));
	report("IA32_MISC_ENABLE: fast strings off and on",
	       !try_wrmsr(0x1a0, v & ~1ull) && !try_wrmsr(0x1a0, v));
	/* hvlab's policy (docs/msr.md): limiting CPUID (bit 22) is refused */
	cpuid(0x40000000, 0, r);
	if (!memcmp(&r[1], "hvla", 4))
		report("IA32_MISC_ENABLE: hvlab refuses the CPUID limit",
		       try_wrmsr(0x1a0, v | 1ull << 22) == 13);
	report("IA32_BIOS_SIGN_ID (always)", !try_wrmsr(0x8b, 0) && !try_rdmsr(0x8b, &v));
	for (i = 0; i < sizeof(msr_features) / sizeof(msr_features[0]); i++) {
		const struct msr_feature *f = &msr_features[i];

		if (advertised(f->leaf, f->subleaf, f->reg, f->bit))
			report(f->name, !try_rdmsr(f->msr, &v));
	}
	/* The local APIC: its registers answer where IA32_APIC_BASE says */
	if (advertised(1, 0, 3, 9) && !try_rdmsr(0x1b, &v)) {
		uint32_t version = *(volatile uint32_t *)(uintptr_t)((v & ~0xfffull) + 0x30);

		report("APIC: its version register", (version & 0xff) >= 0x10 && (version & 0xff) <= 0x15);
	}
	/* Performance counters: leaf 0xA's version, then the first counter */
	if (has_leaf(0xa)) {
		cpuid(0xa, 0, r);
		if (r[0] & 0xff)
			report("PMU: IA32_PMC0", !try_rdmsr(0xc1, &v));
	}
	if (advertised(0x80000001, 0, 3, 27))
		report("RDTSCP", !TRY_INSN("rdtscp", : : : "rax", "rcx", "rdx", "r11", "memory"));
	if (advertised(1, 0, 2, 30))
		report("RDRAND", !TRY_INSN("rdrand %%rax", : : : "rax", "r11", "memory", "cc"));
	if (advertised(7, 0, 1, 18))
		report("RDSEED", !TRY_INSN("rdseed %%rax", : : : "rax", "r11", "memory", "cc"));
	if (advertised(0x80000001, 0, 3, 20)) {
		unsigned int fault = try_rdmsr(0xc0000080, &v);

		report("NX: EFER.NXE", !fault && !try_wrmsr(0xc0000080, v | (1u << 11)));
	}
	cpuid(7, 0, eax7);
	if (has_leaf(7) && (eax7[1] & 1))
		report("FSGSBASE: CR4.FSGSBASE", !try_cr4_bit(1ul << 16));
	if (has_leaf(7) && (eax7[1] >> 7 & 1))
		report("SMEP: CR4.SMEP", !try_cr4_bit(1ul << 20));
	if (has_leaf(7) && (eax7[1] >> 20 & 1))
		report("SMAP: CR4.SMAP", !try_cr4_bit(1ul << 21));
	if (has_leaf(7) && (eax7[2] >> 2 & 1))
		report("UMIP: CR4.UMIP", !try_cr4_bit(1ul << 11));
	if (advertised(1, 0, 2, 17))
		report("PCID: CR4.PCIDE", !try_cr4_bit(1ul << 17));
	/*
	 * The TSC's frequency, so that no calibration is needed: computed as
	 * Linux 6.12's native_calibrate_tsc() does, in 32 bits (leaf 0x15
	 * with EAX or EBX 0 enumerates nothing, as under KVM)
	 */
	if (has_leaf(0x16)) {
		uint32_t f[4], khz;

		cpuid(0x15, 0, r);
		cpuid(0x16, 0, f);
		if (r[0] && r[1]) {
			khz = r[2] / 1000 * r[1] / r[0];
			hv_printf("cpu_truth: TSC %u MHz by leaf 0x15, %u MHz by leaf 0x16\n",
				  khz / 1000, f[0]);
			report("leaves 0x15/0x16: the TSC's frequency",
			       khz && khz / 1000 + 1 >= f[0] && khz / 1000 <= f[0] + 1);
		}
	}
	hv_printf("cpu_truth: %u advertised features tried, %u failed\n", tried, failed);
	HV_CHECK(!failed);
	return 0;
}
