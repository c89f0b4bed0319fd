/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpu_image - the guest's vector registers, decoded from the XSAVE image
 * that HVLAB_GET_FPU (or KVM_GET_XSAVE) gives: MXCSR and XMM0-15 from the
 * legacy region, the upper halves of YMM0-15 from the AVX component.
 * hvctl step diffs them at each stop and shows them with 'regs xmm'.
 *
 * The image is in the standard (not compacted) format, SDM 13.4:
 *
 *	  0  FCW, FSW, FTW, FOP, FIP, FDP (24 bytes)
 *	 24  MXCSR, MXCSR_MASK
 *	 32  ST0-7 / MM0-7, 16 bytes each
 *	160  XMM0-15, 16 bytes each
 *	512  the XSAVE header: XSTATE_BV (8 bytes), XCOMP_BV, ...
 *	  ?  YMM_Hi128: bits 255:128 of YMM0-15, at CPUID.(EAX=0xD,ECX=2).EBX
 *	     (576 on every CPU so far)
 */
#ifndef HV_FPU_IMAGE_H
#define HV_FPU_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct hv_vm;
struct hvlab_fpu;

#define HV_FPU_NREGS		16
#define HV_FPU_LEGACY_SIZE	512
#define HV_FPU_MXCSR_OFFSET	24
#define HV_FPU_XMM_OFFSET	160
#define HV_FPU_XSTATE_BV_OFFSET	512
#define HV_FPU_XSTATE_BV_AVX	(1ULL << 2)
#define HV_FPU_YMM_HI_SIZE	256	/* 16 registers x 16 bytes */
/* "0x" and the hex digits of a YMM register, and a NUL */
#define HV_FPU_HEX_LEN		(2 + 64 + 1)

struct hv_fpu_regs {
	uint32_t mxcsr;
	uint64_t xstate_bv;			/* 0 where the image has no XSAVE header */
	int has_ymm;				/* ymm_hi holds AVX state (XSTATE_BV bit 2) */
	uint8_t xmm[HV_FPU_NREGS][16];		/* as in memory: byte 0 is bits 7:0 */
	uint8_t ymm_hi[HV_FPU_NREGS][16];	/* bits 255:128 of YMM0-15; zero without AVX */
};

/*
 * Where this CPU's XSAVE puts YMM_Hi128 in the standard format:
 * CPUID.(EAX=0xD,ECX=2).EBX, if the leaf describes a 256-byte component
 * that fits in struct hvlab_fpu; else 0 (no AVX: leave the YMM halves out).
 */
unsigned int hv_fpu_ymm_offset(void);

/*
 * Decode @len bytes of an XSAVE image. @ymm_offset is hv_fpu_ymm_offset()
 * (0: ignore AVX state). The YMM halves are read only where XSTATE_BV
 * says the AVX component is there; an image of the legacy region alone
 * (@len < 520) has none. 0, or -EINVAL if @len is shorter than the legacy
 * region.
 */
int hv_fpu_decode(const void *image, size_t len, unsigned int ymm_offset,
		  struct hv_fpu_regs *regs);

/* The vCPU's vector registers now: hv_get_fpu() and hv_fpu_decode(). 0 or -errno. */
int hv_fpu_read(struct hv_vm *vm, struct hv_fpu_regs *regs);

/*
 * Register @i as "0x" and hex digits, the most significant first (as gdb
 * shows a uint128): XMM@i in 32 digits, or with @ymm YMM@i in 64.
 */
void hv_fpu_hex(const struct hv_fpu_regs *regs, unsigned int i, int ymm, char *buf, size_t len);

/* Does register @i differ between @a and @b (with @ymm: the whole YMM register)? */
int hv_fpu_reg_differs(const struct hv_fpu_regs *a, const struct hv_fpu_regs *b,
		       unsigned int i, int ymm);

/*
 * MXCSR's flag and mask bits that are set, by their SDM names: "IM DM ZM
 * OM UM PM" (IE DE ZE OE UE PE, DAZ, IM DM ZM OM UM PM, FZ); its rounding
 * control: "round to nearest", "round down", "round up", "round toward zero".
 */
void hv_mxcsr_flags(uint32_t mxcsr, char *buf, size_t len);
const char *hv_mxcsr_rounding(uint32_t mxcsr);

#endif
