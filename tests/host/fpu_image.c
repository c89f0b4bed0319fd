// SPDX-License-Identifier: GPL-2.0
/*
 * fpu_image.c - host-side tests of the XSAVE image decoder
 * (userspace/fpu_image.c): MXCSR and XMM0-15 from the legacy region, YMM
 * upper halves only where XSTATE_BV has AVX, the registers in hex with
 * the most significant byte first, and MXCSR decoded.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "fpu_image.h"
#include "lib/libhvlab.h"

#define YMM_OFFSET	576	/* CPUID.(EAX=0xD,ECX=2).EBX on every CPU so far */

/* An image as HVLAB_GET_FPU gives it: XMM@i holds bytes 16*i+0 .. 16*i+15. */
static void sample_image(struct hvlab_fpu *fpu, uint64_t xstate_bv)
{
	uint8_t *p = (uint8_t *)fpu;
	uint32_t mxcsr = 0x7f80;
	uint16_t fcw = 0x037f;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(p, &fcw, sizeof(fcw));
	memcpy(p + 24, &mxcsr, sizeof(mxcsr));
	memset(p + 32, 0xee, 128);		/* ST0-7: must not leak into XMM0 */
	for (int i = 0; i < 256; i++)
		p[160 + i] = i;
	memset(p + 416, 0xdd, 96);		/* the reserved end of the legacy region */
	memcpy(p + 512, &xstate_bv, sizeof(xstate_bv));
	for (int i = 0; i < 256; i++)
		p[YMM_OFFSET + i] = 0xff - i;
}

TEST(legacy_region)
{
	struct hvlab_fpu fpu;
	struct hv_fpu_regs r;

	sample_image(&fpu, 0x3);
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), YMM_OFFSET, &r));
	EXPECT_EQ(0x7f80, r.mxcsr);
	EXPECT_EQ(0x3, r.xstate_bv);
	EXPECT_EQ(0, r.has_ymm);
	EXPECT_EQ(0x00, r.xmm[0][0]);
	EXPECT_EQ(0x0f, r.xmm[0][15]);
	EXPECT_EQ(0x70, r.xmm[7][0]);
	EXPECT_EQ(0xff, r.xmm[15][15]);
	/* no AVX state: the upper halves are zero, whatever is at the offset */
	for (int i = 0; i < HV_FPU_NREGS; i++)
		for (int b = 0; b < 16; b++)
			EXPECT_EQ(0, r.ymm_hi[i][b]);
}

TEST(ymm_only_with_avx_in_xstate_bv)
{
	struct hvlab_fpu fpu;
	struct hv_fpu_regs r;

	sample_image(&fpu, 0x7);
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), YMM_OFFSET, &r));
	EXPECT_EQ(1, r.has_ymm);
	EXPECT_EQ(0xff, r.ymm_hi[0][0]);
	EXPECT_EQ(0xf0, r.ymm_hi[0][15]);
	EXPECT_EQ(0x00, r.ymm_hi[15][15]);
	EXPECT_EQ(0x0f, r.xmm[0][15]);	/* the low halves stay XMM's */

	/* no offset from CPUID: no AVX, even with the bit set */
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), 0, &r));
	EXPECT_EQ(0, r.has_ymm);
	/* an offset inside the header or past the image is not trusted */
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), 520, &r));
	EXPECT_EQ(0, r.has_ymm);
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), sizeof(fpu) - 128, &r));
	EXPECT_EQ(0, r.has_ymm);
	/* a legacy region alone: XMM, no header, no AVX */
	ASSERT_EQ(0, hv_fpu_decode(&fpu, 512, YMM_OFFSET, &r));
	EXPECT_EQ(0, r.has_ymm);
	EXPECT_EQ(0, r.xstate_bv);
	EXPECT_EQ(0x0f, r.xmm[0][15]);
	EXPECT_EQ(-EINVAL, hv_fpu_decode(&fpu, 511, YMM_OFFSET, &r));
}

TEST(hex_most_significant_byte_first)
{
	struct hvlab_fpu fpu;
	struct hv_fpu_regs r;
	char buf[HV_FPU_HEX_LEN];

	sample_image(&fpu, 0x7);
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), YMM_OFFSET, &r));
	hv_fpu_hex(&r, 0, 0, buf, sizeof(buf));
	EXPECT_STREQ("0x0f0e0d0c0b0a09080706050403020100", buf);
	hv_fpu_hex(&r, 15, 0, buf, sizeof(buf));
	EXPECT_STREQ("0xfffefdfcfbfaf9f8f7f6f5f4f3f2f1f0", buf);
	hv_fpu_hex(&r, 0, 1, buf, sizeof(buf));
	EXPECT_STREQ("0xf0f1f2f3f4f5f6f7f8f9fafbfcfdfeff0f0e0d0c0b0a09080706050403020100", buf);
	/* cut short, still a string */
	hv_fpu_hex(&r, 0, 0, buf, 8);
	EXPECT_STREQ("0x0f0e0", buf);
}

TEST(differs)
{
	struct hvlab_fpu fpu;
	struct hv_fpu_regs a, b;

	sample_image(&fpu, 0x7);
	ASSERT_EQ(0, hv_fpu_decode(&fpu, sizeof(fpu), YMM_OFFSET, &a));
	b = a;
	for (unsigned int i = 0; i < HV_FPU_NREGS; i++)
		EXPECT_EQ(0, hv_fpu_reg_differs(&a, &b, i, 1));
	b.xmm[3][15] ^= 0x80;
	b.ymm_hi[5][0] ^= 1;
	EXPECT_EQ(1, hv_fpu_reg_differs(&a, &b, 3, 0));
	EXPECT_EQ(0, hv_fpu_reg_differs(&a, &b, 5, 0));	/* XMM5 alone is the same */
	EXPECT_EQ(1, hv_fpu_reg_differs(&a, &b, 5, 1));
	EXPECT_EQ(0, hv_fpu_reg_differs(&a, &b, 4, 1));
}

TEST(mxcsr_decoded)
{
	char buf[128];

	hv_mxcsr_flags(0x1f80, buf, sizeof(buf));
	EXPECT_STREQ("IM DM ZM OM UM PM", buf);
	EXPECT_STREQ("round to nearest", hv_mxcsr_rounding(0x1f80));
	hv_mxcsr_flags(0xffe1, buf, sizeof(buf));
	EXPECT_STREQ("IE PE DAZ IM DM ZM OM UM PM FZ", buf);
	EXPECT_STREQ("round toward zero", hv_mxcsr_rounding(0x7f80));
	EXPECT_STREQ("round down", hv_mxcsr_rounding(0x3f80));
	EXPECT_STREQ("round up", hv_mxcsr_rounding(0x5f80));
	hv_mxcsr_flags(0, buf, sizeof(buf));
	EXPECT_STREQ("", buf);
}

TEST_HARNESS_MAIN
