// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM fd: guest memory and vCPU creation.
 *
 * Guest memory is ordinary memory of the calling process. hvlab pins it
 * (so the pages cannot move or be swapped out while EPT points at them)
 * and maps every page into the VM's EPT.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/io.h>
#include <asm/processor.h>

#include "ept.h"
#include "hvlab.h"

/* Every VM, to count a process's (HVLAB_MAX_VMS_PER_PROCESS). */
static LIST_HEAD(vm_list);
static DEFINE_MUTEX(vm_list_lock);

/* The memory slot holding @gpa's page, or NULL. Slots are never removed. */
static struct hvlab_mem_slot *vm_find_slot(struct hvlab_vm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < HVLAB_MAX_MEM_SLOTS; i++) {
		struct hvlab_mem_slot *slot = &vm->slots[i];

		/* Pairs with the release in vm_set_memory_region(). */
		if (smp_load_acquire(&slot->used) &&
		    gpa >= slot->gpa && gpa - slot->gpa < slot->size)
			return slot;
	}
	return NULL;
}

struct page *hvlab_gpa_to_page(struct hvlab_vm *vm, u64 gpa)
{
	struct hvlab_mem_slot *slot = vm_find_slot(vm, gpa);

	return slot && !slot->mmio ? slot->pages[(gpa - slot->gpa) >> PAGE_SHIFT] : NULL;
}

bool hvlab_gpa_is_mmio_slot(struct hvlab_vm *vm, u64 gpa)
{
	struct hvlab_mem_slot *slot = vm_find_slot(vm, gpa);

	return slot && slot->mmio;
}

static void vm_free_slot(struct hvlab_vm *vm, struct hvlab_mem_slot *slot)
{
	if (slot->mmio)
		return;
	kvfree(slot->dirty_bitmap);
	slot->dirty_bitmap = NULL;
	unpin_user_pages_dirty_lock(slot->pages, slot->npages, true);
	atomic_long_sub(slot->npages, &hvlab_pages.pinned);
	account_locked_vm(vm->mm, slot->npages, false);
	kvfree(slot->pages);
	slot->pages = NULL;
}

/*
 * After EPT entries are removed or lose rights, and before the caller
 * relies on it (pages unpinned, a dirty log handed out): no CPU may keep
 * a translation from before. Only CPUs where one of the VM's vCPUs is
 * loaded now need an INVEPT (SDM 29.4.3.1): a vCPU loaded later does one
 * itself (hvlab_vmcs_load()), and no guest of this EPT runs elsewhere.
 * The barrier pairs with the one after a load sets vcpu->cpu: either we
 * see that CPU, or its INVEPT comes after our changes. vm->lock held.
 */
static void vm_flush_ept(struct hvlab_vm *vm)
{
	cpumask_var_t cpus;
	int i;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL)) {
		hvlab_vmx_invept_everywhere(vm->ept.eptp);
		vm->ept_flush_cpus += num_online_cpus();
		return;
	}
	/* Our EPT changes before the look at vcpu->cpu (pairs with hvlab_vmcs_load) */
	smp_mb();
	for (i = 0; i < HVLAB_MAX_VCPUS; i++) {
		int cpu = vm->vcpus[i] ? READ_ONCE(vm->vcpus[i]->cpu) : -1;

		if (cpu >= 0)
			cpumask_set_cpu(cpu, cpus);
	}
	hvlab_vmx_invept_on(cpus, vm->ept.eptp);
	vm->ept_flushes++;
	vm->ept_flush_cpus += cpumask_weight(cpus);
	free_cpumask_var(cpus);
}

/* Validate a region without touching the VM (vm->lock held). */
static int vm_check_region(struct hvlab_vm *vm, const struct hvlab_memory_region *r)
{
	/* The 4-level EPT maps 48 bits, whatever MAXPHYADDR says */
	u64 max_gpa = min(1ULL << boot_cpu_data.x86_phys_bits, EPT_GPA_LIMIT);
	int i;

	if (r->slot >= HVLAB_MAX_MEM_SLOTS ||
	    (r->flags & ~(HVLAB_MEM_MMIO | HVLAB_MEM_LOG_DIRTY | HVLAB_MEM_SMALL_PAGES)) ||
	    (r->flags & HVLAB_MEM_MMIO && r->flags & (HVLAB_MEM_LOG_DIRTY | HVLAB_MEM_SMALL_PAGES)))
		return -EINVAL;
	if ((r->flags & HVLAB_MEM_MMIO) &&
	    (r->userspace_addr || r->memory_size > HVLAB_MAX_MMIO_SIZE))
		return -EINVAL;
	if (!r->memory_size || !PAGE_ALIGNED(r->memory_size) ||
	    !PAGE_ALIGNED(r->guest_phys_addr) || !PAGE_ALIGNED(r->userspace_addr))
		return -EINVAL;
	if (r->guest_phys_addr >= max_gpa || r->memory_size > max_gpa - r->guest_phys_addr)
		return -EINVAL;
	if (!(r->flags & HVLAB_MEM_MMIO) &&
	    (r->userspace_addr + r->memory_size < r->userspace_addr ||
	     !access_ok((void __user *)(unsigned long)r->userspace_addr, r->memory_size)))
		return -EFAULT;
	if (vm->slots[r->slot].used)
		return -EEXIST;
	for (i = 0; i < HVLAB_MAX_MEM_SLOTS; i++) {
		const struct hvlab_mem_slot *s = &vm->slots[i];

		if (s->used && r->guest_phys_addr < s->gpa + s->size &&
		    s->gpa < r->guest_phys_addr + r->memory_size)
			return -EEXIST;
	}
	if (!(r->flags & HVLAB_MEM_MMIO) && r->memory_size > HVLAB_MAX_MEM_SIZE - vm->mem_total)
		return -ENOMEM;
	if (vm->apic_access_page && r->guest_phys_addr <= HVLAB_APIC_BASE &&
	    r->guest_phys_addr + r->memory_size > HVLAB_APIC_BASE)
		return -EEXIST;
	return 0;
}

/*
 * "Virtualize APIC accesses" (SDM 29.4) turns accesses to one host page
 * into APIC-access exits, wherever EPT maps it. hvlab maps a page of its
 * own at the APIC's usual address the first time a vCPU asks; the page
 * itself is never read or written by the guest.
 */
int hvlab_vm_map_apic_access_page(struct hvlab_vm *vm)
{
	struct page *page;
	int ret = 0;

	mutex_lock(&vm->lock);
	if (vm->apic_access_page)
		goto out;
	ret = -EEXIST;
	if (vm_find_slot(vm, HVLAB_APIC_BASE))
		goto out;
	ret = -ENOMEM;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		goto out;
	ret = hvlab_ept_map_page(&vm->ept, HVLAB_APIC_BASE, page_to_phys(page));
	if (ret) {
		__free_page(page);
		goto out;
	}
	vm->apic_access_page = page;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* An HVLAB_MEM_MMIO slot: misconfigured EPT entries, nothing pinned. */
static int vm_add_mmio_slot(struct hvlab_vm *vm, const struct hvlab_memory_region *r)
{
	struct hvlab_mem_slot *slot = &vm->slots[r->slot];
	u64 gpa;
	int ret;

	for (gpa = r->guest_phys_addr; gpa < r->guest_phys_addr + r->memory_size;
	     gpa += PAGE_SIZE) {
		ret = hvlab_ept_map_mmio_page(&vm->ept, gpa);
		if (ret) {
			hvlab_ept_unmap_range(&vm->ept, r->guest_phys_addr,
					      (gpa - r->guest_phys_addr) >> PAGE_SHIFT);
			vm_flush_ept(vm);
			return ret;
		}
	}
	slot->gpa = r->guest_phys_addr;
	slot->size = r->memory_size;
	slot->mmio = true;
	/* Publish the slot only when filled: vm_find_slot() runs unlocked. */
	smp_store_release(&slot->used, true);
	return 0;
}

static long vm_set_memory_region(struct hvlab_vm *vm, void __user *argp)
{
	struct hvlab_memory_region r;
	struct hvlab_mem_slot *slot;
	unsigned long npages;
	struct page **pages;
	unsigned long *dirty_bitmap = NULL;
	long pinned;
	int ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;

	mutex_lock(&vm->lock);
	ret = vm_check_region(vm, &r);
	if (ret)
		goto out;
	npages = r.memory_size >> PAGE_SHIFT;
	if (r.flags & HVLAB_MEM_MMIO) {
		ret = vm_add_mmio_slot(vm, &r);
		goto out;
	}
	/*
	 * Pinned pages can be neither swapped nor moved: like VFIO and
	 * io_uring, charge them to the process's RLIMIT_MEMLOCK ("ulimit
	 * -l", VmLck in /proc/PID/status), or -ENOMEM beyond it, unless the
	 * process has CAP_IPC_LOCK.
	 */
	ret = account_locked_vm(vm->mm, npages, true);
	if (ret) {
		pr_info_ratelimited(HVLAB_MSG_PREFIX "%s[%d]: %lu KiB of guest memory would pass RLIMIT_MEMLOCK; raise it (ulimit -l)\n",
				    current->comm, task_pid_nr(current), npages << (PAGE_SHIFT - 10));
		goto out;
	}
	pages = kvcalloc(npages, sizeof(*pages), HVLAB_GFP_GUEST_MEM);
	ret = -ENOMEM;
	if (!pages)
		goto out_unaccount;
	/* With PML, the vCPUs' logs gather into it between two dirty logs (pml.c) */
	if (vm->pml && (r.flags & HVLAB_MEM_LOG_DIRTY)) {
		dirty_bitmap = kvcalloc(BITS_TO_LONGS(npages), sizeof(long), HVLAB_GFP_GUEST_MEM);
		if (!dirty_bitmap) {
			kvfree(pages);
			goto out_unaccount;
		}
	}
	pinned = pin_user_pages_fast(r.userspace_addr, npages,
				     FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned != npages) {
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		kvfree(pages);
		kvfree(dirty_bitmap);
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out_unaccount;
	}
	/*
	 * A failure half-way leaves EPT entries pointing at pages we are about
	 * to unpin, which another thread's vCPU may already have used: the
	 * EPT code backs them out, and every CPU forgets them, before unpinning.
	 */
	ret = hvlab_ept_map_pages(&vm->ept, r.guest_phys_addr, pages, npages,
				  r.flags & (HVLAB_MEM_LOG_DIRTY | HVLAB_MEM_SMALL_PAGES));
	if (ret) {
		vm_flush_ept(vm);
		vm->slot_unwinds++;
		unpin_user_pages(pages, npages);
		kvfree(pages);
		kvfree(dirty_bitmap);
		goto out_unaccount;
	}

	atomic_long_add(npages, &hvlab_pages.pinned);
	slot = &vm->slots[r.slot];
	slot->gpa = r.guest_phys_addr;
	slot->size = r.memory_size;
	slot->uaddr = r.userspace_addr;
	slot->pages = pages;
	slot->npages = npages;
	slot->log_dirty = r.flags & HVLAB_MEM_LOG_DIRTY;
	slot->dirty_bitmap = dirty_bitmap;
	/* Publish the slot only when filled: vm_find_slot() runs unlocked. */
	smp_store_release(&slot->used, true);
	vm->mem_total += r.memory_size;
	ret = 0;
	goto out;
out_unaccount:
	account_locked_vm(vm->mm, npages, false);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static_assert(HVLAB_MEM_ATTR_READ == EPT_READ && HVLAB_MEM_ATTR_WRITE == EPT_WRITE &&
	      HVLAB_MEM_ATTR_EXECUTE == EPT_EXECUTE);

/* Is every page of [gpa, gpa + size) in a RAM slot? (vm->lock held) */
static bool vm_range_is_ram(struct hvlab_vm *vm, u64 gpa, u64 size)
{
	while (size) {
		struct hvlab_mem_slot *slot = vm_find_slot(vm, gpa);
		u64 n;

		if (!slot || slot->mmio)
			return false;
		n = min(size, slot->gpa + slot->size - gpa);
		gpa += n;
		size -= n;
	}
	return true;
}

/*
 * HVLAB_SET_MEMORY_ATTRIBUTES: the EPT rights of RAM pages (ept.c). The
 * HVLAB_MEM_ATTR_* bits are EPT's read, write and execute bits. Whatever
 * changed, every CPU forgets the old translations before the call
 * returns: a cached one would let an access through (SDM 29.4.3).
 */
static long vm_set_memory_attributes(struct hvlab_vm *vm, void __user *argp)
{
	struct hvlab_memory_attributes a;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved[0] || a.reserved[1] || a.rights & ~HVLAB_MEM_ATTR_RWX ||
	    !a.size || !PAGE_ALIGNED(a.gpa) || !PAGE_ALIGNED(a.size) ||
	    a.gpa >= EPT_GPA_LIMIT || a.size > EPT_GPA_LIMIT - a.gpa)
		return -EINVAL;
	/* Write without read is a misconfiguration (SDM 29.3.3.1) */
	if ((a.rights & HVLAB_MEM_ATTR_WRITE) && !(a.rights & HVLAB_MEM_ATTR_READ))
		return -EINVAL;
	if (a.rights == HVLAB_MEM_ATTR_EXECUTE && !vmx_config.ept_execute_only)
		return -EOPNOTSUPP;
	mutex_lock(&vm->lock);
	if (!vm_range_is_ram(vm, a.gpa, a.size)) {
		ret = -ENOENT;
		goto out;
	}
	ret = hvlab_ept_set_rights(&vm->ept, a.gpa, a.size >> PAGE_SHIFT, a.rights);
	vm_flush_ept(vm);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/*
 * With PML (pml.c): the pages the vCPUs logged since the last call, and
 * their dirty flags cleared so that the next write logs them again.
 */
static unsigned long vm_take_pml_dirty(struct hvlab_vm *vm, struct hvlab_mem_slot *slot,
				       unsigned long *bitmap)
{
	unsigned long found;

	hvlab_pml_take_all(vm);
	found = bitmap_weight(slot->dirty_bitmap, slot->npages);
	if (!found)
		return 0;
	bitmap_copy(bitmap, slot->dirty_bitmap, slot->npages);
	bitmap_zero(slot->dirty_bitmap, slot->npages);
	hvlab_ept_clear_dirty(&vm->ept, slot->gpa, slot->npages, bitmap);
	return found;
}

/*
 * HVLAB_GET_DIRTY_LOG: the slot's pages written since the last call, by
 * the vCPUs' page-modification logs or else by a scan of the EPT dirty
 * flags, and those flags cleared. The INVEPT on every CPU (an IPI that
 * also takes a running vCPU out of the guest) comes before the bitmap
 * goes to userspace: a write through a translation cached with the flag
 * set happens before the call returns, so userspace's copy of the page,
 * made after it, has it.
 */
static long vm_get_dirty_log(struct hvlab_vm *vm, void __user *argp)
{
	struct hvlab_dirty_log log;
	struct hvlab_mem_slot *slot;
	unsigned long *bitmap, found;
	size_t bytes;
	long ret = 0;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	if (log.flags || log.reserved[0] || log.reserved[1] || log.slot >= HVLAB_MAX_MEM_SLOTS)
		return -EINVAL;
	if (!(vm->ept.eptp & EPTP_AD_ENABLE))
		return -EOPNOTSUPP;
	mutex_lock(&vm->lock);
	slot = &vm->slots[log.slot];
	if (!slot->used || !slot->log_dirty) {
		ret = -ENOENT;
		goto out;
	}
	/* Whole u64s, as userspace sizes the bitmap */
	bytes = DIV_ROUND_UP(slot->npages, 64) * sizeof(u64);
	bitmap = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!bitmap) {
		ret = -ENOMEM;
		goto out;
	}
	if (slot->dirty_bitmap)
		found = vm_take_pml_dirty(vm, slot, bitmap);
	else
		found = hvlab_ept_harvest_dirty(&vm->ept, slot->gpa, slot->npages, bitmap);
	if (found)
		vm_flush_ept(vm);
	vm->dirty_pages_harvested += found;
	mutex_unlock(&vm->lock);
	if (copy_to_user(u64_to_user_ptr(log.bitmap), bitmap, bytes))
		ret = -EFAULT;
	kvfree(bitmap);
	return ret;
out:
	mutex_unlock(&vm->lock);
	return ret;
}

static long vm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hvlab_vm *vm = file->private_data;
	long ret;

	/* Guest memory is the creator's: another process's addresses mean nothing. */
	if (vm->mm != current->mm)
		return -EIO;
	switch (cmd) {
	case HVLAB_SET_MEMORY_REGION:
		return vm_set_memory_region(vm, (void __user *)arg);
	case HVLAB_CREATE_VCPU:
		mutex_lock(&vm->lock);
		ret = hvlab_create_vcpu(vm, arg);
		mutex_unlock(&vm->lock);
		return ret;
	case HVLAB_GET_VM_STATS:
		return hvlab_vm_get_stats(vm, (void __user *)arg);
	case HVLAB_GET_EPT:
		return hvlab_vm_get_ept(vm, (void __user *)arg);
	case HVLAB_GET_DIRTY_LOG:
		return vm_get_dirty_log(vm, (void __user *)arg);
	case HVLAB_SET_MEMORY_ATTRIBUTES:
		return vm_set_memory_attributes(vm, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static void vm_destroy(struct kref *kref)
{
	struct hvlab_vm *vm = container_of(kref, struct hvlab_vm, kref);
	int i;

	debugfs_remove_recursive(vm->debugfs);
	for (i = 0; i < HVLAB_MAX_MEM_SLOTS; i++)
		if (vm->slots[i].used)
			vm_free_slot(vm, &vm->slots[i]);
	hvlab_ept_destroy(&vm->ept);
	if (vm->apic_access_page)
		__free_page(vm->apic_access_page);
	mutex_lock(&vm_list_lock);
	list_del(&vm->list);
	mutex_unlock(&vm_list_lock);
	mmdrop(vm->mm);
	kfree(vm);
	/* The last VM turns VMX off everywhere. */
	hvlab_vmx_put();
}

void hvlab_vm_put(struct hvlab_vm *vm)
{
	kref_put(&vm->kref, vm_destroy);
}

static int vm_release(struct inode *inode, struct file *file)
{
	hvlab_vm_put(file->private_data);
	return 0;
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = vm_release,
	.llseek = noop_llseek,
};

/*
 * Add @vm to the list of VMs, unless its process has as many as it may
 * (HVLAB_MAX_VMS_PER_PROCESS): each holds EPT tables and VMCS pages that
 * no rlimit counts.
 */
static int vm_list_add(struct hvlab_vm *vm)
{
	struct hvlab_vm *other;
	unsigned int n = 0;
	int ret = 0;

	mutex_lock(&vm_list_lock);
	list_for_each_entry(other, &vm_list, list)
		n += other->mm == vm->mm;
	if (n >= HVLAB_MAX_VMS_PER_PROCESS) {
		pr_info_ratelimited(HVLAB_MSG_PREFIX "%s[%d] has %u VMs, the most one process may have (HVLAB_MAX_VMS_PER_PROCESS)\n",
				    current->comm, task_pid_nr(current), n);
		ret = -EMFILE;
	} else {
		list_add(&vm->list, &vm_list);
	}
	mutex_unlock(&vm_list_lock);
	return ret;
}

/* HVLAB_CREATE_VM on /dev/hvlab. */
long hvlab_create_vm(void)
{
	struct hvlab_vm *vm;
	int ret, fd;

	/* The first VM turns VMX on: -EBUSY if another hypervisor holds it. */
	ret = hvlab_vmx_get();
	if (ret)
		return ret;
	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto fail_vmx;
	kref_init(&vm->kref);
	mutex_init(&vm->lock);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->created_ns = ktime_get_ns();
	vm->pml = hvlab_pml_wanted();
	ret = vm_list_add(vm);
	if (ret)
		goto fail_mm;
	ret = hvlab_ept_init(&vm->ept);
	if (ret)
		goto fail_list;
	hvlab_debugfs_add_vm(vm);
	fd = anon_inode_getfd("hvlab-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto fail_ept;
	}
	return fd;
fail_ept:
	debugfs_remove_recursive(vm->debugfs);
	hvlab_ept_destroy(&vm->ept);
fail_list:
	mutex_lock(&vm_list_lock);
	list_del(&vm->list);
	mutex_unlock(&vm_list_lock);
fail_mm:
	mmdrop(vm->mm);
	kfree(vm);
fail_vmx:
	hvlab_vmx_put();
	return ret;
}
