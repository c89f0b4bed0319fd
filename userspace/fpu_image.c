// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_image.c - the guest's vector registers from its XSAVE image (fpu_image.h).
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fpu_image.h"
#include "lib/libhvlab.h"

unsigned int hv_fpu_ymm_offset(void)
{
	unsigned int eax, ebx, ecx, edx;

	/* leaf 0xD, sub-leaf 2: EAX the AVX component's size, EBX its offset */
	if (__get_cpuid_max(0, NULL) < 0xd)
		return 0;
	__cpuid_count(0xd, 2, eax, ebx, ecx, edx);
	if (eax != HV_FPU_YMM_HI_SIZE || ebx < HV_FPU_LEGACY_SIZE + 64 ||
	    ebx > sizeof(struct hvlab_fpu) - HV_FPU_YMM_HI_SIZE)
		return 0;
	return ebx;
}

int hv_fpu_decode(const void *image, size_t len, unsigned int ymm_offset,
		  struct hv_fpu_regs *regs)
{
	const uint8_t *p = image;

	if (len < HV_FPU_LEGACY_SIZE)
		return -EINVAL;
	memset(regs, 0, sizeof(*regs));
	/*
	 * The legacy region always holds MXCSR and XMM0-15: the kernel (and
	 * KVM) fill in the initial values of a component the guest has not
	 * used, whatever XSTATE_BV says.
	 */
	memcpy(&regs->mxcsr, p + HV_FPU_MXCSR_OFFSET, sizeof(regs->mxcsr));
	memcpy(regs->xmm, p + HV_FPU_XMM_OFFSET, sizeof(regs->xmm));
	if (len < HV_FPU_XSTATE_BV_OFFSET + sizeof(regs->xstate_bv))
		return 0;
	memcpy(&regs->xstate_bv, p + HV_FPU_XSTATE_BV_OFFSET, sizeof(regs->xstate_bv));
	/* A component not in XSTATE_BV is in its initial state: zeroes. */
	if (ymm_offset && (regs->xstate_bv & HV_FPU_XSTATE_BV_AVX) &&
	    ymm_offset >= HV_FPU_XSTATE_BV_OFFSET + 64 && ymm_offset <= len &&
	    len - ymm_offset >= HV_FPU_YMM_HI_SIZE) {
		memcpy(regs->ymm_hi, p + ymm_offset, sizeof(regs->ymm_hi));
		regs->has_ymm = 1;
	}
	return 0;
}

int hv_fpu_read(struct hv_vm *vm, struct hv_fpu_regs *regs)
{
	static unsigned int ymm_offset = -1u;
	struct hvlab_fpu fpu;
	int ret = hv_get_fpu(vm, &fpu);

	if (ret)
		return ret;
	if (ymm_offset == -1u)
		ymm_offset = hv_fpu_ymm_offset();
	return hv_fpu_decode(&fpu, sizeof(fpu), ymm_offset, regs);
}

void hv_fpu_hex(const struct hv_fpu_regs *regs, unsigned int i, int ymm, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "0x");
	int b;

	if (ymm)
		for (b = 15; b >= 0 && used < len; b--)
			used += snprintf(buf + used, len - used, "%02x", regs->ymm_hi[i][b]);
	for (b = 15; b >= 0 && used < len; b--)
		used += snprintf(buf + used, len - used, "%02x", regs->xmm[i][b]);
}

int hv_fpu_reg_differs(const struct hv_fpu_regs *a, const struct hv_fpu_regs *b,
		       unsigned int i, int ymm)
{
	return memcmp(a->xmm[i], b->xmm[i], sizeof(a->xmm[i])) ||
	       (ymm && memcmp(a->ymm_hi[i], b->ymm_hi[i], sizeof(a->ymm_hi[i])));
}

void hv_mxcsr_flags(uint32_t mxcsr, char *buf, size_t len)
{
	static const char *const bits[16] = {
		"IE", "DE", "ZE", "OE", "UE", "PE", "DAZ", "IM", "DM", "ZM", "OM", "UM", "PM",
		NULL, NULL, "FZ",
	};
	size_t used = 0;

	buf[0] = 0;
	for (int b = 0; b < 16; b++)
		if (bits[b] && (mxcsr & (1u << b)) && used < len)
			used += snprintf(buf + used, len - used, "%s%s", used ? " " : "", bits[b]);
}

const char *hv_mxcsr_rounding(uint32_t mxcsr)
{
	static const char *const rounding[] = {
		"round to nearest", "round down", "round up", "round toward zero",
	};

	return rounding[(mxcsr >> 13) & 3];
}
