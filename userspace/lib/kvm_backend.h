/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_backend - libhvlab's VMs run by KVM (/dev/kvm) instead of hvlab.ko,
 * so that hvctl can run the same guest under both and compare.
 *
 * hv_kvm_open() takes the place of hv_open(); after it, hv_create(),
 * hv_run(), hv_get/set_regs(), hv_get/set_sregs(), hv_get_fpu() and
 * hv_close() go to the functions below. The VM gets the same memory map
 * as with hvlab, a vCPU with the host's CPUID as KVM offers it (VMX
 * hidden, the hypervisor bit set, as hvlab does) and no in-kernel
 * irqchip, so HLT returns to userspace. vm->run is a struct hvlab_run in ordinary memory: each KVM
 * exit is translated into it, and an IN or MMIO read's value goes back
 * into KVM's run page before the next KVM_RUN. There is no trace ring and
 * no HVLAB_RUN_STOP_EVERY_EXIT: KVM returns only for what userspace must
 * do (I/O, MMIO, HLT, shutdown, errors).
 */
#ifndef KVM_BACKEND_H
#define KVM_BACKEND_H

#include "libhvlab.h"

#define HV_KVM_DEVICE	"/dev/kvm"

/* As hv_open()/hv_create()/hv_close(): 0 or -errno, printing nothing. */
int hv_kvm_open(struct hv_vm *vm);
int hv_kvm_create(struct hv_vm *vm, uint64_t mem_size);
void hv_kvm_close(struct hv_vm *vm);	/* the KVM-only part; hv_close() does the rest */

/* A human explanation of an error from hv_kvm_open()/hv_create(). */
const char *hv_kvm_strerror(int err);

/* As hv_run() (0 or -errno) and the register calls (0, or -1 and errno). */
int hv_kvm_run(struct hv_vm *vm);
int hv_kvm_get_regs(struct hv_vm *vm, struct hvlab_regs *regs);
int hv_kvm_set_regs(struct hv_vm *vm, const struct hvlab_regs *regs);
int hv_kvm_get_sregs(struct hv_vm *vm, struct hvlab_sregs *sregs);
int hv_kvm_set_sregs(struct hv_vm *vm, const struct hvlab_sregs *sregs);
/* KVM_SET_USER_MEMORY_REGION over vm->mem + gpa: 0 or -errno */
int hv_kvm_add_ram(struct hv_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size);
/* KVM_INTERRUPT (0 or -errno), and where a signal handler kicks KVM_RUN */
int hv_kvm_inject_interrupt(struct hv_vm *vm, unsigned int vector);
volatile uint8_t *hv_kvm_immediate_exit(struct hv_vm *vm);
int hv_kvm_set_cpu_features(struct hv_vm *vm, uint32_t flags);
uint64_t hv_kvm_apic_base(const struct hv_vm *vm);
uint32_t hv_kvm_apic_timer_hz(const struct hv_vm *vm);
/* KVM_GET_XSAVE, whose struct kvm_xsave is laid out as struct hvlab_fpu: 0 or -errno */
int hv_kvm_get_fpu(struct hv_vm *vm, struct hvlab_fpu *fpu);

#endif
