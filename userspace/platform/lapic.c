// SPDX-License-Identifier: GPL-2.0
/*
 * lapic.c - the CPU's local APIC in xAPIC mode (Intel SDM Vol. 3A,
 * chapter 11 "Advanced Programmable Interrupt Controller"), at
 * 0xfee00000 on the MMIO bus, for a guest whose vCPU has it
 * (HVLAB_CPU_LAPIC: CPUID shows it, IA32_APIC_BASE works).
 *
 * Why in hvctl and not in hvlab.ko: an APIC access then costs an exit to
 * userspace (about 1,700 lab-VM ticks, docs/platform.md measures it)
 * instead of one handled in the kernel (about 400), and an idle Linux
 * touches its APIC a few hundred times a second: well under 1% of a CPU.
 * KVM moved its APIC into the kernel for guests that take hundreds of
 * thousands of interrupts a second; a teaching hypervisor gains more
 * from a device a student can read, print and step beside the others.
 *
 * Modelled: ID, version (0x14, six LVT entries), TPR and PPR, EOI, LDR
 * and DFR (flat and cluster logical destinations), the spurious-vector
 * register with software enable (disabled: every LVT masked), ISR, IRR
 * and TMR, ESR (latched by a write; send and receive illegal vector,
 * illegal register address), the LVT (timer, thermal, performance,
 * LINT0, LINT1, error), ICR (fixed and lowest-priority IPIs to itself
 * by shorthand or destination; INIT and SIPI go to CPUs that do not
 * exist), the timer (one-shot and periodic, divide configuration,
 * current count) counting at the TSC's rate, as CPUID leaf 0x15 says,
 * and IA32_APIC_BASE's global enable (off: the APIC is absent, the PIC
 * reaches the CPU directly; on again: the power-up state). Software
 * disabled, it takes no new interrupts and delivers those pending.
 *
 * The PIC's interrupts come in through LINT0 in ExtINT mode, the
 * virtual-wire mode of the MultiProcessor Specification, which is how
 * the platform hands the APIC to a guest (as SeaBIOS leaves it: software
 * enabled, LINT0 ExtINT, LINT1 NMI). The I/O APIC's (ioapic.c) come as
 * fixed interrupts (hv_lapic_deliver()); a level-triggered one sets its
 * TMR bit, and its EOI goes back to the I/O APIC.
 *
 * Not modelled: x2APIC and the TSC-deadline timer (hidden in CPUID), NMI,
 * SMI and level-triggered IPIs, LINT1 (nothing is wired to it), the
 * thermal and performance-counter sources (nothing raises them), focus
 * processor checking, the arbitration priority (reads 0), and CR8 (the
 * guest's MOV to CR8 is kept apart, in hvlab.ko; so is the TPR with
 * hvctl's --intercept tpr,apic, whose pages the CPU answers itself).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

#define APIC_BASE_ADDR		0xfee00000ull
#define APIC_SIZE		0x1000
#define APIC_BASE_ENABLE	(1ull << 11)

/* Register offsets (SDM Table 11-1) */
#define REG_ID		0x020
#define REG_VERSION	0x030
#define REG_TPR		0x080
#define REG_APR		0x090
#define REG_PPR		0x0a0
#define REG_EOI		0x0b0
#define REG_RRD		0x0c0
#define REG_LDR		0x0d0
#define REG_DFR		0x0e0
#define REG_SPIV	0x0f0
#define REG_ISR		0x100
#define REG_TMR		0x180
#define REG_IRR		0x200
#define REG_ESR		0x280
#define REG_ICR_LOW	0x300
#define REG_ICR_HIGH	0x310
#define REG_LVT_TIMER	0x320
#define REG_LVT_ERROR	0x370
#define REG_TIMER_INITIAL 0x380
#define REG_TIMER_CURRENT 0x390
#define REG_TIMER_DIVIDE 0x3e0

#define VERSION		0x00050014	/* xAPIC version 0x14, max LVT entry 5 */
#define SPIV_ENABLE	(1u << 8)
#define LVT_MASKED	(1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_DELIVERY_MODE(v) (((v) >> 8) & 7)
#define DM_FIXED	0
#define DM_LOWEST	1
#define DM_EXTINT	7

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NR_LVT };

/* What software may write in each LVT entry (SDM Figure 11-8) */
static const uint32_t lvt_writable[NR_LVT] = {
	[LVT_TIMER] = 0x000300ff,	/* vector, mask, periodic (no TSC deadline) */
	[LVT_THERMAL] = 0x000107ff,	/* vector, delivery mode, mask */
	[LVT_PERF] = 0x000107ff,
	[LVT_LINT0] = 0x0001a7ff,	/* + polarity, trigger mode */
	[LVT_LINT1] = 0x0001a7ff,
	[LVT_ERROR] = 0x000100ff,
};

/* ESR bits (SDM Figure 11-9) */
#define ESR_SEND_ILLEGAL_VECTOR		(1u << 5)
#define ESR_RECEIVE_ILLEGAL_VECTOR	(1u << 6)
#define ESR_ILLEGAL_REGISTER		(1u << 7)

/* ICR (SDM Figure 11-12) */
#define ICR_DEST_LOGICAL	(1u << 11)
#define ICR_SHORTHAND(v)	(((v) >> 18) & 3)
#define SHORTHAND_NONE		0
#define SHORTHAND_SELF		1
#define SHORTHAND_ALL		2

/* A periodic timer faster than this runs at this (as KVM's min_timer_period_us) */
#define MIN_PERIOD_NS		100000ull
#define NS_PER_S		1000000000ull

struct lapic {
	struct hv_device dev;
	uint32_t id, tpr, ldr, dfr, spiv;
	uint32_t esr, esr_pending;	/* as read; gathered since the last ESR write */
	uint32_t icr_low, icr_high;
	uint32_t lvt[NR_LVT];
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t divide_config, initial_count;
	int timer_running;
	uint64_t period_start_ns;	/* the counter held count_at_start then */
	uint32_t count_at_start;
	uint64_t timer_hz;
	int enabled;			/* IA32_APIC_BASE's global enable, as last seen */
	uint64_t timer_fired, ipis, eois;
};

static int vector_set(const uint32_t *bits, unsigned int v)
{
	return (bits[v / 32] >> (v % 32)) & 1;
}

static void vector_assign(uint32_t *bits, unsigned int v, int on)
{
	if (on)
		bits[v / 32] |= 1u << (v % 32);
	else
		bits[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set, or -1 */
static int highest_vector(const uint32_t *bits)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

/* The processor priority (SDM 11.8.3.1): the TPR, or the class in service if higher */
static uint32_t ppr(const struct lapic *a)
{
	int isrv = highest_vector(a->isr);
	uint32_t in_service = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= in_service ? a->tpr & 0xff : in_service;
}

static int software_enabled(const struct lapic *a)
{
	return a->spiv & SPIV_ENABLE;
}

static void set_error(struct lapic *a, uint32_t bits);

/*
 * An interrupt for this CPU (SDM 11.5.1, 11.6.1): into the IRR. Software
 * disabled, the APIC takes no new fixed interrupts, while those already
 * pending stay and are delivered (SDM 11.4.7.2, as KVM).
 */
static void accept_vector(struct lapic *a, unsigned int vector)
{
	if (!software_enabled(a))
		return;
	if (vector < 16) {
		set_error(a, ESR_RECEIVE_ILLEGAL_VECTOR);
		return;
	}
	vector_assign(a->irr, vector, 1);
	vector_assign(a->tmr, vector, 0);	/* edge-triggered */
}

/* An LVT entry's source fired: its vector, unless masked (SDM 11.5.1) */
static void raise_lvt(struct lapic *a, int lvt)
{
	uint32_t entry = a->lvt[lvt];

	if (entry & LVT_MASKED)		/* (software disabled: all masked) */
		return;
	if (LVT_DELIVERY_MODE(entry) == DM_FIXED || lvt == LVT_TIMER || lvt == LVT_ERROR)
		accept_vector(a, entry & 0xff);
}

/* Errors gather in the ESR and raise the error LVT (SDM 11.5.3) */
static void set_error(struct lapic *a, uint32_t bits)
{
	int first = !(a->esr_pending & bits);

	a->esr_pending |= bits;
	if (first && (a->lvt[LVT_ERROR] & 0xff) >= 16)
		raise_lvt(a, LVT_ERROR);
}

/* The timer's divide configuration register as a divisor (SDM Figure 11-10) */
static unsigned int timer_divisor(const struct lapic *a)
{
	unsigned int v = ((a->divide_config & 8) >> 1) | (a->divide_config & 3);

	return v == 7 ? 1 : 2u << v;
}

static uint64_t ticks_between(const struct lapic *a, uint64_t from, uint64_t to)
{
	if (to <= from)
		return 0;
	return (uint64_t)((unsigned __int128)(to - from) * a->timer_hz /
			  ((uint64_t)timer_divisor(a) * NS_PER_S));
}

/* When the counter, holding count_at_start at period_start_ns, reaches 0 */
static uint64_t timer_expiry(const struct lapic *a)
{
	uint64_t ns = (uint64_t)(((unsigned __int128)a->count_at_start * timer_divisor(a) *
				  NS_PER_S + a->timer_hz - 1) / a->timer_hz);

	if ((a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC) && ns < MIN_PERIOD_NS)
		ns = MIN_PERIOD_NS;
	return a->period_start_ns + ns;
}

static uint64_t platform_now(const struct lapic *a)
{
	return hv_platform_now(a->dev.platform);
}

/* Count down to @now: each expiry raises the timer's vector; periods missed are one */
static void timer_advance(struct lapic *a, uint64_t now)
{
	uint64_t expiry, period;

	if (!a->timer_running)
		return;
	expiry = timer_expiry(a);
	if (now < expiry)
		return;
	a->timer_fired++;
	raise_lvt(a, LVT_TIMER);
	if (!(a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC)) {
		a->timer_running = 0;
		a->count_at_start = 0;
		return;
	}
	/* periodic: reload from the initial count at each expiry */
	a->count_at_start = a->initial_count;
	a->period_start_ns = expiry;
	period = timer_expiry(a) - expiry;
	if (now >= expiry + period)
		a->period_start_ns += (now - expiry) / period * period;
}

static uint32_t timer_current(struct lapic *a, uint64_t now)
{
	uint64_t ticks;

	timer_advance(a, now);
	if (!a->timer_running)
		return 0;
	ticks = ticks_between(a, a->period_start_ns, now);
	return ticks >= a->count_at_start ? 0 : a->count_at_start - (uint32_t)ticks;
}

/* Power-up (SDM 11.4.7.1), then what firmware leaves: virtual-wire mode */
static void lapic_power_up(struct lapic *a, int firmware)
{
	int i;

	a->tpr = a->ldr = a->esr = a->esr_pending = a->icr_low = a->icr_high = 0;
	a->dfr = 0xffffffff;
	a->spiv = 0xff;
	for (i = 0; i < NR_LVT; i++)
		a->lvt[i] = LVT_MASKED;
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	a->divide_config = a->initial_count = a->count_at_start = 0;
	a->timer_running = 0;
	if (firmware) {
		a->spiv |= SPIV_ENABLE;
		a->lvt[LVT_LINT0] = 0x8700;	/* ExtINT, level */
		a->lvt[LVT_LINT1] = 0x0400;	/* NMI (always edge) */
	}
}

/*
 * IA32_APIC_BASE's global enable (hvlab.ko keeps the MSR): enabled again
 * after hvctl saw it off, the APIC is powered up (the SDM lets its state
 * be lost; off and on between two exits to hvctl keeps it).
 */
static int lapic_enabled(struct lapic *a)
{
	uint64_t base = hv_platform_apic_base(a->dev.platform);
	int enabled = (base & APIC_BASE_ENABLE) != 0;

	if (enabled && !a->enabled)
		lapic_power_up(a, 0);
	a->enabled = enabled;
	return enabled;
}

static int logical_match(const struct lapic *a, uint32_t dest)
{
	uint32_t ldr = a->ldr >> 24;

	if ((a->dfr >> 28) == 0xf)		/* flat: a bit per CPU */
		return (ldr & dest) != 0;
	/* cluster: the high nibbles name the cluster, the low ones the CPUs in it */
	return (dest >> 4 == 0xf || dest >> 4 == ldr >> 4) && (dest & ldr & 0xf);
}

/* A write of ICR's low half sends the IPI (SDM 11.6.1); it completes at once */
static void send_ipi(struct lapic *a)
{
	uint32_t icr = a->icr_low, dest = a->icr_high >> 24;
	unsigned int mode = LVT_DELIVERY_MODE(icr), vector = icr & 0xff;
	int to_self;

	switch (ICR_SHORTHAND(icr)) {
	case SHORTHAND_SELF:
	case SHORTHAND_ALL:
		to_self = 1;
		break;
	case SHORTHAND_NONE:
		to_self = icr & ICR_DEST_LOGICAL ? logical_match(a, dest) :
			  dest == 0xff || dest == a->id >> 24;
		break;
	default:		/* all but self: there is no other CPU */
		to_self = 0;
		break;
	}
	if (mode != DM_FIXED && mode != DM_LOWEST)
		return;		/* INIT, SIPI to absent CPUs; NMI, SMI: not wired */
	if (vector < 16) {
		set_error(a, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (to_self) {
		a->ipis++;
		accept_vector(a, vector);
	}
}

/*
 * EOI (SDM 11.8.5): the highest vector in service is done. A
 * level-triggered one (TMR) is broadcast to the I/O APIC, whose pin may
 * then send it again.
 */
static void end_of_interrupt(struct lapic *a)
{
	int v = highest_vector(a->isr);

	if (v < 0)
		return;
	vector_assign(a->isr, v, 0);
	a->eois++;
	if (vector_set(a->tmr, v) && a->dev.platform->ioapic)
		hv_ioapic_eoi(a->dev.platform->ioapic, v);
}

static uint32_t read_register(struct lapic *a, uint32_t reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 0x80)
		return a->isr[(reg - REG_ISR) / 16];
	if (reg >= REG_TMR && reg < REG_TMR + 0x80)
		return a->tmr[(reg - REG_TMR) / 16];
	if (reg >= REG_IRR && reg < REG_IRR + 0x80)
		return a->irr[(reg - REG_IRR) / 16];
	if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR)
		return a->lvt[(reg - REG_LVT_TIMER) / 16];
	switch (reg) {
	case REG_ID:
		return a->id;
	case REG_VERSION:
		return VERSION;
	case REG_TPR:
		return a->tpr;
	case REG_APR:
	case REG_RRD:
	case REG_EOI:
		return 0;
	case REG_PPR:
		return ppr(a);
	case REG_LDR:
		return a->ldr;
	case REG_DFR:
		return a->dfr;
	case REG_SPIV:
		return a->spiv;
	case REG_ESR:
		return a->esr;
	case REG_ICR_LOW:
		return a->icr_low;	/* delivery status 0: sent */
	case REG_ICR_HIGH:
		return a->icr_high;
	case REG_TIMER_INITIAL:
		return a->initial_count;
	case REG_TIMER_CURRENT:
		return timer_current(a, platform_now(a));
	case REG_TIMER_DIVIDE:
		return a->divide_config;
	default:
		set_error(a, ESR_ILLEGAL_REGISTER);
		return 0;
	}
}

static void write_lvt(struct lapic *a, int lvt, uint32_t value)
{
	uint64_t now = platform_now(a);

	if (lvt == LVT_TIMER)
		timer_advance(a, now);	/* the old mode up to now */
	value &= lvt_writable[lvt];
	if (!software_enabled(a))
		value |= LVT_MASKED;
	a->lvt[lvt] = value;
}

static void write_register(struct lapic *a, uint32_t reg, uint32_t value)
{
	uint64_t now;
	int i;

	if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
		write_lvt(a, (reg - REG_LVT_TIMER) / 16, value);
		return;
	}
	switch (reg) {
	case REG_ID:
		a->id = value & 0xff000000;
		break;
	case REG_TPR:
		a->tpr = value & 0xff;
		break;
	case REG_EOI:
		end_of_interrupt(a);
		break;
	case REG_LDR:
		a->ldr = value & 0xff000000;
		break;
	case REG_DFR:
		a->dfr = value | 0x0fffffff;
		break;
	case REG_SPIV:
		a->spiv = value & 0x3ff;
		if (!software_enabled(a))	/* SDM 11.4.7.2: every LVT masked */
			for (i = 0; i < NR_LVT; i++)
				a->lvt[i] |= LVT_MASKED;
		break;
	case REG_ESR:
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case REG_ICR_LOW:
		a->icr_low = value & 0x000ccfff;	/* no delivery status (12) or reserved 13 */
		send_ipi(a);
		break;
	case REG_ICR_HIGH:
		a->icr_high = value & 0xff000000;
		break;
	case REG_TIMER_INITIAL:
		/* a new count starts a new countdown; 0 stops it (SDM 11.5.4) */
		a->initial_count = a->count_at_start = value;
		a->period_start_ns = platform_now(a);
		a->timer_running = value != 0;
		break;
	case REG_TIMER_DIVIDE:
		now = platform_now(a);
		a->count_at_start = timer_current(a, now);	/* counting on at the new rate */
		a->period_start_ns = now;
		a->divide_config = value & 0xb;
		break;
	case REG_VERSION:
	case REG_APR:
	case REG_PPR:
	case REG_RRD:
	case REG_TIMER_CURRENT:
		break;		/* read-only */
	default:
		if (!(reg >= REG_ISR && reg < REG_IRR + 0x80))
			set_error(a, ESR_ILLEGAL_REGISTER);
		break;
	}
}

/*
 * Registers are 32 bits wide at 16-byte steps; a narrower read takes its
 * bytes, a write other than 32 bits at a register's start does nothing
 * (the SDM leaves such accesses undefined).
 */
static uint64_t lapic_read(struct hv_device *dev, enum hv_space space, uint64_t addr,
			   unsigned int size)
{
	struct lapic *a = (struct lapic *)dev;
	uint32_t offset = (uint32_t)(addr - APIC_BASE_ADDR), value;

	(void)space;
	if (!lapic_enabled(a))
		return ~0ull;		/* globally disabled: nothing answers */
	if ((offset & 0xf) >= 4)
		return 0;
	value = read_register(a, offset & ~0xfu) >> (8 * (offset & 3));
	return size >= 4 ? value : value & ((1u << (8 * size)) - 1);
}

static void lapic_write(struct hv_device *dev, enum hv_space space, uint64_t addr,
			unsigned int size, uint64_t value)
{
	struct lapic *a = (struct lapic *)dev;
	uint32_t offset = (uint32_t)(addr - APIC_BASE_ADDR);

	(void)space;
	if (!lapic_enabled(a) || (offset & 0xf) || size < 4)
		return;
	write_register(a, offset, (uint32_t)value);
}

static void lapic_reset(struct hv_device *dev)
{
	struct lapic *a = (struct lapic *)dev;

	lapic_power_up(a, 1);
	a->id = 0;		/* vCPU 0's, as CPUID.1:EBX[31:24] */
	a->enabled = 1;
}

static void lapic_advance(struct hv_device *dev, uint64_t now_ns)
{
	timer_advance((struct lapic *)dev, now_ns);
}

/* Masked, an expiry changes nothing by itself: the count is worked out when read */
static uint64_t lapic_next_event(struct hv_device *dev, uint64_t now_ns)
{
	struct lapic *a = (struct lapic *)dev;

	(void)now_ns;
	if (!a->timer_running || (a->lvt[LVT_TIMER] & LVT_MASKED))
		return UINT64_MAX;
	return timer_expiry(a);
}

static void print_vectors(FILE *out, const char *name, const uint32_t *bits)
{
	int v, first = 1;

	fprintf(out, ",\"%s\":[", name);
	for (v = 0; v < 256; v++)
		if (vector_set(bits, v)) {
			fprintf(out, "%s%d", first ? "" : ",", v);
			first = 0;
		}
	fputc(']', out);
}

static void lapic_state_json(struct hv_device *dev, FILE *out)
{
	struct lapic *a = (struct lapic *)dev;
	static const char *const lvt_names[NR_LVT] = {
		"timer", "thermal", "perf", "lint0", "lint1", "error"
	};
	int i;

	fprintf(out, "{\"enabled\":%s,\"id\":%u,\"spiv\":%u,\"tpr\":%u,\"ppr\":%u,\"esr\":%u",
		a->enabled ? "true" : "false", a->id >> 24, a->spiv, a->tpr, ppr(a), a->esr);
	print_vectors(out, "irr", a->irr);
	print_vectors(out, "isr", a->isr);
	fputs(",\"lvt\":{", out);
	for (i = 0; i < NR_LVT; i++)
		fprintf(out, "%s\"%s\":%u", i ? "," : "", lvt_names[i], a->lvt[i]);
	fprintf(out, "},\"timer\":{\"mode\":\"%s\",\"divide\":%u,\"initial\":%u,\"current\":%u,"
		"\"hz\":%" PRIu64 ",\"fired\":%" PRIu64 "},\"ipis\":%" PRIu64 ",\"eois\":%" PRIu64 "}",
		a->lvt[LVT_TIMER] & LVT_TIMER_PERIODIC ? "periodic" : "one-shot",
		timer_divisor(a), a->initial_count, timer_current(a, platform_now(a)),
		a->timer_hz, a->timer_fired, a->ipis, a->eois);
}

static const struct hv_device_ops lapic_ops = {
	.read = lapic_read,
	.write = lapic_write,
	.reset = lapic_reset,
	.state_json = lapic_state_json,
	.advance = lapic_advance,
	.next_event = lapic_next_event,
};

/* Does the PIC's INTR reach the CPU: through LINT0 in ExtINT mode, or with the APIC off */
int hv_lapic_accepts_pic(struct hv_device *dev)
{
	struct lapic *a = (struct lapic *)dev;
	uint32_t lint0;

	if (!lapic_enabled(a))
		return 1;
	lint0 = a->lvt[LVT_LINT0];
	return !(lint0 & LVT_MASKED) && LVT_DELIVERY_MODE(lint0) == DM_EXTINT;
}

int hv_lapic_deliver(struct hv_device *dev, unsigned int vector, int level,
		     unsigned int dest, int logical)
{
	struct lapic *a = (struct lapic *)dev;

	if (!lapic_enabled(a))
		return 0;
	if (logical ? !logical_match(a, dest) : dest != 0xff && dest != a->id >> 24)
		return 0;
	accept_vector(a, vector);
	if (vector >= 16 && software_enabled(a))
		vector_assign(a->tmr, vector, level);	/* SDM 11.5.1: TMR says level */
	return 1;
}

/* The vector the APIC would give the CPU now (SDM 11.8.3), or -1 */
static int deliverable_vector(struct lapic *a)
{
	int v;

	if (!lapic_enabled(a))
		return -1;
	v = highest_vector(a->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return v;
}

int hv_lapic_interrupt_pending(struct hv_device *dev)
{
	return deliverable_vector((struct lapic *)dev) >= 0;
}

/* The CPU takes the interrupt: IRR to ISR (SDM 11.8.4) */
int hv_lapic_acknowledge(struct hv_device *dev)
{
	struct lapic *a = (struct lapic *)dev;
	int v = deliverable_vector(a);

	if (v >= 0) {
		vector_assign(a->irr, v, 0);
		vector_assign(a->isr, v, 1);
	}
	return v;
}

static int lapic_wanted(const struct hv_platform_config *cfg)
{
	return cfg->apic_timer_hz != 0;
}

static struct hv_device *lapic_create(struct hv_platform *p)
{
	struct lapic *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->dev.ops = &lapic_ops;
	a->dev.platform = p;
	a->timer_hz = p->config.apic_timer_hz;
	if (hv_bus_claim(&p->bus, HV_SPACE_MMIO, APIC_BASE_ADDR, APIC_SIZE, &a->dev)) {
		free(a);
		return NULL;
	}
	lapic_reset(&a->dev);
	p->lapic = &a->dev;
	return &a->dev;
}

const struct hv_device_type hv_lapic_device = {
	.name = "lapic", .create = lapic_create, .wanted = lapic_wanted
};
