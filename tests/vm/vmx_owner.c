// SPDX-License-Identifier: GPL-2.0
/*
 * vmx_owner.c - hvlab and another hypervisor (kvm_intel) take turns.
 *
 * Only one hypervisor can hold VMX on a CPU. hvlab holds it only while a
 * VM exists, and must refuse with -EBUSY, never crash, when KVM holds it:
 * KVM 6.1 takes VMX when its first VM is created, 6.12 already when
 * kvm_intel loads. This test loads kvm_intel from /lib/modules/kvm, so it
 * runs last in a lab-VM boot and unloads KVM again at the end. With KVM
 * loaded, it also checks what libhvlab reads through /dev/kvm.
 */
#include <linux/kvm.h>
#include <sys/syscall.h>

#include "hvtest.h"
#include "fpu_image.h"
#include "lib/kvm_backend.h"

#define KVM_DIR "/lib/modules/kvm/"

static int load_module(const char *name, const char *params)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), KVM_DIR "%s.ko", name);
	ret = hvtest_insmod(path, params);
	return ret == -EEXIST ? 0 : ret;
}

static int unload_module(const char *name)
{
	return hvtest_rmmod(name);
}

static int load_kvm(const char *kvm_params)
{
	int ret = load_module("irqbypass", "");

	if (!ret)
		ret = load_module("kvm", kvm_params);
	if (!ret)
		ret = load_module("kvm-intel", "");
	return ret;
}

static void unload_kvm(void)
{
	unload_module("kvm_intel");
	unload_module("kvm");
	unload_module("irqbypass");
}

/* 0 if hvlab can create a VM now, else -errno from HVLAB_CREATE_VM. */
static int hvlab_try_vm(void)
{
	struct hv_vm vm;
	int ret = hv_open(&vm);

	if (!ret) {
		vm.vm_fd = ioctl(vm.dev_fd, HVLAB_CREATE_VM, 0);
		ret = vm.vm_fd < 0 ? -errno : 0;
	}
	hv_close(&vm);
	return ret;
}

static int hvlab_says_hello(void)
{
	struct guest_result r;
	struct hv_vm vm;
	int ret = hvtest_create(&vm, "hello");

	if (!ret)
		ret = hvtest_run_vm(&vm, 0, &r);
	hv_close(&vm);
	return ret ? ret : r.last_exit == HVLAB_EXIT_HLT && r.output_len == 27 ? 0 : -EIO;
}

/* Does the kernel log mention hvlab's advice since @mark lines? */
static int dmesg_has(const char *needle)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -q '%s'", needle);
	return system(cmd) == 0;
}

/*
 * Load KVM and create a KVM VM, so that KVM holds VMX on every CPU (6.1
 * takes it only then). The fds into *@kvm and *@kvm_vm; 0, or -1 with
 * errno set.
 */
static int kvm_hold_vmx(int *kvm, int *kvm_vm)
{
	int ret = load_kvm("");

	if (ret) {
		errno = -ret;
		return -1;
	}
	*kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (*kvm < 0)
		return -1;
	*kvm_vm = ioctl(*kvm, KVM_CREATE_VM, 0);
	return *kvm_vm < 0 ? -1 : 0;
}

TEST(kvm_vm_holds_vmx)
{
	int kvm, kvm_vm;

	if (access(KVM_DIR "kvm-intel.ko", R_OK))
		SKIP(return, "no kvm-intel.ko in " KVM_DIR);
	ASSERT_EQ(0, hvlab_try_vm());
	ASSERT_EQ(0, kvm_hold_vmx(&kvm, &kvm_vm)) TH_LOG("KVM could not take VMX: %s", strerror(errno));

	/* KVM now holds VMX on every CPU: hvlab must say so and go away */
	EXPECT_EQ(-EBUSY, hvlab_try_vm());
	EXPECT_TRUE(dmesg_has("another hypervisor"));
	/* and hvlab's device still works for everything else */
	{
		struct hvlab_vmx_caps caps;
		struct hv_vm vm;

		ASSERT_EQ(0, hv_open(&vm));
		EXPECT_EQ(0, ioctl(vm.dev_fd, HVLAB_GET_VMX_CAPS, &caps));
		hv_close(&vm);
	}
	close(kvm_vm);
	close(kvm);
	unload_kvm();
	/* with KVM gone, hvlab turns VMX on again and runs a guest */
	EXPECT_EQ(0, hvlab_says_hello());
}

/*
 * Lab 1's view of the same, with no guest run (its handout has no VMCS
 * code yet): while KVM holds VMX, HVLAB_CREATE_VM fails with -EBUSY, the
 * log names the fix, and hvlab has VMX on nowhere; once KVM is gone,
 * hvlab's VMs come back.
 */
TEST(hvlab_refuses_while_kvm_holds_vmx)
{
	int kvm, kvm_vm, vmxe = 0, vmxon = 0;

	if (access(KVM_DIR "kvm-intel.ko", R_OK))
		SKIP(return, "no kvm-intel.ko in " KVM_DIR);
	ASSERT_EQ(0, kvm_hold_vmx(&kvm, &kvm_vm)) TH_LOG("KVM could not take VMX: %s", strerror(errno));

	EXPECT_EQ(-EBUSY, hvlab_try_vm());
	EXPECT_TRUE(dmesg_has("another hypervisor")) TH_LOG("the kernel log does not say that another hypervisor holds VMX");
	EXPECT_TRUE(dmesg_has("rmmod kvm_intel")) TH_LOG("the kernel log does not say how to free VMX (rmmod kvm_intel)");
	if (hvtest_vmx_cpus(&vmxe, &vmxon) > 0)
		EXPECT_EQ(0, vmxon) TH_LOG("hvlab counts %d CPUs as in VMX operation after refusing", vmxon);
	close(kvm_vm);
	close(kvm);
	unload_kvm();
	EXPECT_EQ(0, hvlab_try_vm());
}

/* 6.12's kvm turns VMX on at load unless enable_virt_at_load=0. */
TEST(kvm_loaded_with_virt_at_load)
{
	if (access(KVM_DIR "kvm-intel.ko", R_OK))
		SKIP(return, "no kvm-intel.ko in " KVM_DIR);
	if (access("/sys/module/kvm/parameters", F_OK) == 0)
		unload_kvm();
	ASSERT_EQ(0, load_kvm(""));
	if (access("/sys/module/kvm/parameters/enable_virt_at_load", F_OK)) {
		unload_kvm();
		SKIP(return, "this kernel's KVM has no enable_virt_at_load (6.1 takes VMX per VM)");
	}
	EXPECT_EQ(-EBUSY, hvlab_try_vm());
	unload_kvm();
	EXPECT_EQ(0, hvlab_says_hello());

	/* with enable_virt_at_load=0 and no KVM VM, both can be loaded */
	ASSERT_EQ(0, load_kvm("enable_virt_at_load=0"));
	EXPECT_EQ(0, hvlab_says_hello());
	unload_kvm();
}

/*
 * Run guests/sse.bin on @backend to its second OUT, where it has set
 * XMM0, XMM7 and MXCSR, and read its vector registers there (hv_fpu_read:
 * HVLAB_GET_FPU, or KVM_GET_XSAVE). 0 or -errno.
 */
static int sse_guest_vector_registers(enum hv_backend backend, struct hv_fpu_regs *fpu)
{
	enum hv_guest_format format;
	const char *why;
	struct hv_vm vm;
	int outs = 0, ret;

	ret = backend == HV_BACKEND_KVM ? hv_kvm_open(&vm) : hv_open(&vm);
	if (!ret)
		ret = hv_create(&vm, HV_DEFAULT_MEM);
	if (!ret)
		ret = hv_load_file(&vm, GUEST_DIR "sse.bin", &format, &why);
	while (!ret) {
		vm.run->request_flags = 0;
		ret = hv_run(&vm);
		if (ret == -EINTR) {
			ret = 0;
			continue;
		}
		if (ret)
			break;
		if (vm.run->exit_reason != HVLAB_EXIT_IO || vm.run->io.direction != HVLAB_IO_OUT)
			ret = -EIO;	/* the guest has only OUTs before its HLT */
		else if (++outs == 2)
			break;
	}
	if (!ret)
		ret = hv_fpu_read(&vm, fpu);
	hv_close(&vm);
	return ret;
}

/* libhvlab reads the guest's MXCSR and XMM registers from either hypervisor. */
TEST(both_backends_read_the_vector_registers)
{
	static const enum hv_backend backends[] = { HV_BACKEND_HVLAB, HV_BACKEND_KVM };
	struct hv_fpu_regs fpu;
	char xmm0[HV_FPU_HEX_LEN], xmm7[HV_FPU_HEX_LEN], xmm1[HV_FPU_HEX_LEN];
	int ret;

	if (access(KVM_DIR "kvm-intel.ko", R_OK))
		SKIP(return, "no kvm-intel.ko in " KVM_DIR);
	if (access("/sys/module/kvm/parameters", F_OK) == 0)
		unload_kvm();
	for (int i = 0; i < 2; i++) {
		const char *name = backends[i] == HV_BACKEND_KVM ? "kvm" : "hvlab";

		if (backends[i] == HV_BACKEND_KVM && (ret = load_kvm(""))) {
			unload_kvm();
			ASSERT_EQ(0, ret) TH_LOG("loading KVM: %s", strerror(-ret));
		}
		memset(&fpu, 0xaa, sizeof(fpu));
		ret = sse_guest_vector_registers(backends[i], &fpu);
		EXPECT_EQ(0, ret) TH_LOG("%s: %s", name, strerror(-ret));
		if (ret)
			continue;
		hv_fpu_hex(&fpu, 0, 0, xmm0, sizeof(xmm0));
		hv_fpu_hex(&fpu, 1, 0, xmm1, sizeof(xmm1));
		hv_fpu_hex(&fpu, 7, 0, xmm7, sizeof(xmm7));
		EXPECT_EQ(0x7f80, fpu.mxcsr) TH_LOG("%s", name);
		EXPECT_STREQ("0x0f0e0d0c0b0a09080706050403020100", xmm0) TH_LOG("%s", name);
		EXPECT_STREQ("0x00000000000000000000000000000000", xmm1) TH_LOG("%s", name);
		EXPECT_STREQ("0xfffefdfcfbfaf9f8f7f6f5f4f3f2f1f0", xmm7) TH_LOG("%s", name);
		EXPECT_EQ(0, fpu.has_ymm) TH_LOG("%s", name);	/* the guest has no AVX state */
	}
	unload_kvm();
}

TEST_HARNESS_MAIN
