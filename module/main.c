// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - hvlab.ko: module load/unload and the /dev/hvlab device.
 *
 * Loading checks that VMX exists and is enabled, and works out the VMX
 * controls; it does not turn VMX on. That happens when the first VM is
 * created (vmx.c), so that merely loading hvlab never takes VT-x away from
 * another hypervisor.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/uaccess.h>

#include "hvlab.h"

static long hvlab_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case HVLAB_GET_API_VERSION:
		return HVLAB_API_VERSION;
	case HVLAB_GET_VMX_CAPS:
		return hvlab_vmx_get_caps(argp);
	case HVLAB_CREATE_VM:
		return arg ? -EINVAL : hvlab_create_vm();
	case HVLAB_GET_VCPU_MMAP_SIZE:
		/* the run page, the console's, the coalesced ring's */
		return 3 * PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static const struct file_operations hvlab_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = hvlab_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hvlab_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hvlab",
	.fops = &hvlab_dev_fops,
	.mode = 0600,
};

static int __init hvlab_init(void)
{
	int ret;

	ret = hvlab_vmx_probe();
	if (ret)
		return ret;
	hvlab_vmcs_init_active_lists();
	hvlab_cpuid_init();
	ret = hvlab_msr_bitmap_init();
	if (ret)
		return ret;
	ret = hvlab_spec_init();
	if (ret) {
		hvlab_msr_bitmap_free();
		return ret;
	}
	/* Before the device exists: its first VM gets a debugfs directory. */
	hvlab_debugfs_init();
	ret = misc_register(&hvlab_dev);
	if (ret) {
		hvlab_debugfs_exit();
		hvlab_spec_exit();
		hvlab_msr_bitmap_free();
		return ret;
	}
	/* vCPUs use preempt notifiers to follow their thread across CPUs. */
	preempt_notifier_inc();
	pr_info(HVLAB_MSG_PREFIX "ready: /dev/hvlab (API %d)\n", HVLAB_API_VERSION);
	return 0;
}

static void __exit hvlab_exit(void)
{
	misc_deregister(&hvlab_dev);
	hvlab_debugfs_exit();
	preempt_notifier_dec();
	hvlab_vmx_free_regions();
	hvlab_spec_exit();
	hvlab_msr_bitmap_free();
}

module_init(hvlab_init);
module_exit(hvlab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvlab: a teaching hypervisor for Intel VT-x");
MODULE_AUTHOR("The hvlab developers");
