// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid.c - the CPU that tells the truth: what CPUID says beyond lab 3's
 * handle_cpuid() (exits.c), so that an unmodified kernel believes it.
 *
 * A real kernel reads CPUID once and then trusts it: every feature bit
 * it sees, it uses, and every MSR the feature implies, it touches, often
 * before it has an IDT to survive a #GP. So a bit that hvlab does not
 * virtualize must not be seen. Lab 3's handle_cpuid() hides the features
 * whose control registers hvlab keeps (VMX, XSAVE without host support,
 * PKU, CET, ...); this is the rest of the policy, applied after it. The
 * table in docs/cpuid.md lists every leaf and bit, and why.
 *
 *   - machine checks (MCE, MCA): their MSRs are not virtualized;
 *   - MTRRs: no MSRs; hvlab maps RAM write-back whatever they say;
 *   - the local APIC only where the VMM emulates one (HVLAB_CPU_LAPIC:
 *     hvctl does, in userspace); never x2APIC or the TSC deadline timer;
 *   - TSC_ADJUST, and every speculation-control bit (IA32_SPEC_CTRL,
 *     PRED_CMD, ARCH_CAPABILITIES, FLUSH_CMD, CORE_CAPABILITIES): no such
 *     MSRs; a guest then takes the mitigations a CPU without them needs;
 *   - performance monitoring (leaf 0xA) and power management (leaf 6):
 *     zero, no counters, no thermal or energy MSRs;
 *   - the topology (leaves 4, 0xB, 0x1F): one thread of one core;
 *   - the TSC's frequency in leaves 0x15 and 0x16, exactly the host's
 *     tsc_khz (the guest's TSC is the host's plus an offset), so that the
 *     guest need not calibrate it against the PIT.
 */
#include <linux/math64.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "hvlab.h"

#define CPUID_TSC_LEAF		0x15	/* TSC / crystal clock ratio */
#define CPUID_FREQ_LEAF		0x16	/* processor frequency */

/* Leaf 1 EDX: MCE (7), MTRR (12), MCA (14); ECX: DCA (18), x2APIC (21) */
#define CPUID1_EDX_POLICY	(BIT(7) | BIT(12) | BIT(14))
#define CPUID1_ECX_POLICY	(BIT(18) | BIT(21))
#define CPUID1_EDX_APIC		BIT(9)
/* Leaf 7 EBX: TSC_ADJUST (1), SGX (2), RDT monitoring and allocation (12, 15), PT (25) */
#define CPUID7_EBX_POLICY	(BIT(1) | BIT(2) | BIT(12) | BIT(15) | BIT(25))
/*
 * Leaf 7 ECX: WAITPKG (5: UMWAIT and TPAUSE #UD without "enable user wait
 * and pause"), TME (13: IA32_TME_ACTIVATE), bus-lock detection (24:
 * IA32_DEBUGCTL), SGX launch control (30)
 */
#define CPUID7_ECX_POLICY	(BIT(5) | BIT(13) | BIT(24) | BIT(30))
/*
 * Leaf 7 EDX: RTM_ALWAYS_ABORT (11), TSX_FORCE_ABORT (13: MSR 0x10f),
 * hybrid (15), PCONFIG (18), arch LBR (19), IBRS/IBPB (26),
 * STIBP (27), L1D_FLUSH (28), ARCH_CAPABILITIES (29), CORE_CAPABILITIES
 * (30), SSBD (31)
 */
#define CPUID7_EDX_POLICY	(BIT(11) | BIT(13) | BIT(15) | BIT(18) | BIT(19) | BIT(26) | \
				 BIT(27) | BIT(28) | BIT(29) | BIT(30) | BIT(31))

/* The host's highest basic leaf: above it the CPU repeats its last (SDM CPUID) */
u32 hvlab_cpuid_host_max_leaf;
/* Which basic leaves below 32 hvlab_cpuid_apply_policy() changes */
u32 hvlab_cpuid_policy_mask;

void hvlab_cpuid_init(void)
{
	u32 leaf;

	hvlab_cpuid_host_max_leaf = cpuid_eax(0);
	hvlab_cpuid_policy_mask = BIT(1) | BIT(4) | BIT(6) | BIT(7) | BIT(0xa) | BIT(0xb) |
				  BIT(0xf) | BIT(0x10) | BIT(0x12) | BIT(0x14) |
				  BIT(CPUID_TSC_LEAF) | BIT(CPUID_FREQ_LEAF) | BIT(0x1f);
	/* (leaf 0, at least HVLAB_CPUID_MAX_LEAF, is exits.c's: inline) */
	for (leaf = hvlab_cpuid_host_max_leaf + 1; leaf < 32; leaf++)
		hvlab_cpuid_policy_mask |= BIT(leaf);
}

/*
 * Leaf 0x15's crystal: the TSC itself (ratio 1) where its Hz fit in ECX,
 * else the TSC divided by the smallest whole @ratio that fits. Linux 6.12
 * computes the TSC's rate in 32 bits (native_calibrate_tsc(): ECX / 1000
 * * EBX / EAX), and its local APIC timer's period from the crystal, which
 * is why the VMM's APIC timer counts at it (HVLAB_GET_VMX_CAPS).
 */
u32 hvlab_cpuid_crystal_hz(u32 *ratio)
{
	u64 tsc_hz = (u64)tsc_khz * 1000;
	u32 r = max_t(u64, 1, DIV_ROUND_UP_ULL(tsc_hz, U32_MAX));

	if (ratio)
		*ratio = r;
	return div_u64(tsc_hz, r);
}

/*
 * After lab 3's handle_cpuid() put @leaf/@subleaf's answer (leaf 0's
 * highest basic leaf is raised to HVLAB_CPUID_MAX_LEAF inline, exits.c) in the guest's
 * RAX..RDX: correct it by the policy above.
 */
void hvlab_cpuid_apply_policy(struct hvlab_vcpu *vcpu, u32 leaf, u32 subleaf)
{
	u64 *g = vcpu->gprs;

	/* (a leaf the host lacks is zero, whatever the switch would mask) */
	if (leaf > hvlab_cpuid_host_max_leaf && leaf < 0x40000000 &&
	    leaf != CPUID_TSC_LEAF && leaf != CPUID_FREQ_LEAF) {
		g[GPR_RAX] = g[GPR_RBX] = g[GPR_RCX] = g[GPR_RDX] = 0;
		return;
	}
	switch (leaf) {
	case 1:
		g[GPR_RDX] &= ~CPUID1_EDX_POLICY;
		g[GPR_RCX] &= ~CPUID1_ECX_POLICY;
		/*
		 * (lab 3 hides the APIC: there is one if the VMM says so, and
		 * the flag follows IA32_APIC_BASE's enable, SDM 11.4.3)
		 */
		if (vcpu->apic_base & MSR_IA32_APICBASE_ENABLE)
			g[GPR_RDX] |= CPUID1_EDX_APIC;
		return;
	case 4:
		/* EAX 31:26 cores per package - 1, 25:14 threads sharing - 1: one */
		g[GPR_RAX] &= 0x3fff;
		return;
	case 7:
		if (subleaf == 0) {
			g[GPR_RBX] &= ~CPUID7_EBX_POLICY;
			g[GPR_RCX] &= ~CPUID7_ECX_POLICY;
			g[GPR_RDX] &= ~CPUID7_EDX_POLICY;
		} else if (subleaf == 2) {
			g[GPR_RDX] = 0;		/* more speculation controls */
		}
		return;
	case 6:		/* thermal and power management */
	case 0xa:	/* performance monitoring */
	case 0xb:	/* x2APIC topology */
	case 0xf:	/* RDT monitoring */
	case 0x10:	/* RDT allocation */
	case 0x12:	/* SGX */
	case 0x14:	/* processor trace */
	case 0x1f:	/* V2 topology */
		g[GPR_RAX] = g[GPR_RBX] = g[GPR_RCX] = g[GPR_RDX] = 0;
		return;
	case CPUID_TSC_LEAF: {
		/* TSC Hz = ECX * EBX / EAX */
		u32 ratio;

		g[GPR_RCX] = hvlab_cpuid_crystal_hz(&ratio);
		g[GPR_RBX] = ratio;
		g[GPR_RAX] = 1;
		g[GPR_RDX] = 0;
		return;
	}
	case CPUID_FREQ_LEAF:
		g[GPR_RAX] = tsc_khz / 1000;	/* base MHz */
		g[GPR_RBX] = tsc_khz / 1000;	/* maximum MHz */
		g[GPR_RCX] = 100;		/* bus MHz */
		g[GPR_RDX] = 0;
		return;
	}
	/*
	 * Basic leaves the host does not have: nothing, not its last leaf
	 * again; and hypervisor leaves past hvlab's (0x40000100 up), where
	 * the lab VM's own hypervisor may have KVM's or Xen's, which a guest
	 * would take for its own.
	 */
	if ((leaf > hvlab_cpuid_host_max_leaf && leaf < 0x40000000) ||
	    (leaf >= 0x40000100 && leaf < 0x50000000))
		g[GPR_RAX] = g[GPR_RBX] = g[GPR_RCX] = g[GPR_RDX] = 0;
}

/*
 * HVLAB_SET_CPU_FEATURES: what the VMM emulates for this CPU. Only before
 * the guest first ran: a CPU's features do not change under an OS that
 * read them.
 */
long hvlab_vcpu_set_cpu_features(struct hvlab_vcpu *vcpu, void __user *argp)
{
	struct hvlab_cpu_features in;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	if ((in.flags & ~HVLAB_CPU_FEATURES_ALL) || in.padding ||
	    memchr_inv(in.reserved, 0, sizeof(in.reserved)))
		return -EINVAL;
	if (vcpu->exit_count)
		return -EBUSY;
	hvlab_vcpu_set_apic_base(vcpu, !(in.flags & HVLAB_CPU_LAPIC) ? 0 :
				 HVLAB_APIC_BASE | MSR_IA32_APICBASE_ENABLE |
				 (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0));
	return 0;
}
