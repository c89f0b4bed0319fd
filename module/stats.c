// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - per-VM and per-vCPU statistics, by ioctl and in debugfs.
 *
 * Like bhyve's vmm_stat and KVM's binary stats, the numbers describe
 * themselves: each comes with a name, a unit and a kind, so hvctl and
 * scripts need no table of their own. Per exit reason there are three:
 * how many exits, the host ticks spent on them, and the longest one.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hvlab.h"

static const char *const exit_reason_names[HVLAB_NR_EXIT_REASONS] = {
#define X(nr, name, desc) \
	[nr] = #name,
	HVLAB_VMX_EXIT_REASONS(X)
#undef X
};

struct stat_def {
	const char *name;
	u32 unit;
	u32 kind;
	size_t offset;		/* in struct hvlab_vcpu_stats */
};

#define VCPU_STAT(field, unit, kind) \
	{ #field, HVLAB_STAT_UNIT_##unit, HVLAB_STAT_##kind, \
	  offsetof(struct hvlab_vcpu_stats, field) }

static const struct stat_def vcpu_stats[] = {
	VCPU_STAT(runs, COUNT, CUMULATIVE),
	VCPU_STAT(exits, COUNT, CUMULATIVE),
	VCPU_STAT(exits_to_user, COUNT, CUMULATIVE),
	VCPU_STAT(entry_failures, COUNT, CUMULATIVE),
	VCPU_STAT(signal_exits, COUNT, CUMULATIVE),
	VCPU_STAT(steps, COUNT, CUMULATIVE),
	VCPU_STAT(fpu_switches, COUNT, CUMULATIVE),
	VCPU_STAT(fpu_switch_ticks, TICKS, CUMULATIVE),
	VCPU_STAT(fpu_reloads, COUNT, CUMULATIVE),
	VCPU_STAT(l1d_flushes, COUNT, CUMULATIVE),
	VCPU_STAT(l1d_flush_ticks, TICKS, CUMULATIVE),
	VCPU_STAT(ibpbs, COUNT, CUMULATIVE),
	VCPU_STAT(timer_ticks, COUNT, CUMULATIVE),
	VCPU_STAT(timer_ticks_missed, COUNT, CUMULATIVE),
	VCPU_STAT(halts_in_kernel, COUNT, CUMULATIVE),
	VCPU_STAT(irq_window_exits, COUNT, CUMULATIVE),
	VCPU_STAT(hypercalls, COUNT, CUMULATIVE),
	VCPU_STAT(console_bytes, BYTES, CUMULATIVE),
	VCPU_STAT(coalesced_bytes, BYTES, CUMULATIVE),
	VCPU_STAT(vm_launches, COUNT, CUMULATIVE),
	VCPU_STAT(vmcs_remote_clears, COUNT, CUMULATIVE),
	VCPU_STAT(msr_gp_other, COUNT, CUMULATIVE),
};

/* The per-reason triples, one for each reason the SDM names. */
static const struct stat_def reason_stats[] = {
	{ "exits", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_CUMULATIVE,
	  offsetof(struct hvlab_vcpu_stats, reason_count) },
	{ "ticks", HVLAB_STAT_UNIT_TICKS, HVLAB_STAT_CUMULATIVE,
	  offsetof(struct hvlab_vcpu_stats, reason_ticks) },
	{ "max_ticks", HVLAB_STAT_UNIT_TICKS, HVLAB_STAT_PEAK,
	  offsetof(struct hvlab_vcpu_stats, reason_max_ticks) },
};

/* Unit and kind from @def; the name is the caller's. */
static void stat_describe(const struct stat_def *def, struct hvlab_stat_desc *desc)
{
	desc->unit = def->unit;
	desc->kind = def->kind;
}

static unsigned int named_reasons(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < HVLAB_NR_EXIT_REASONS; i++)
		n += !!exit_reason_names[i];
	return n;
}

/* The fixed statistics, then one for each MSR refused so far */
static unsigned int vcpu_stat_fixed(void)
{
	return ARRAY_SIZE(vcpu_stats) + ARRAY_SIZE(reason_stats) * named_reasons();
}

static unsigned int vcpu_stat_count(const struct hvlab_vcpu *vcpu)
{
	/* pairs with hvlab_stats_count_msr_gp(): a slot counted is filled in */
	return vcpu_stat_fixed() + smp_load_acquire(&vcpu->stats.msr_gp_slots);
}

/*
 * A RDMSR or WRMSR of @index refused with #GP: counted by MSR, so that
 * "hvctl run --stats" names the MSRs a guest wanted (rdmsr_gp.0x179).
 * Slots are taken in order and never freed; the count of slots in use
 * is published after the slot, for debugfs readers.
 */
void hvlab_stats_count_msr_gp(struct hvlab_vcpu *vcpu, u32 index, bool write)
{
	struct hvlab_vcpu_stats *s = &vcpu->stats;
	u64 key = index | (u64)write << 32;
	u32 i;

	for (i = 0; i < s->msr_gp_slots; i++) {
		if (s->msr_gp_key[i] == key) {
			s->msr_gp_count[i]++;
			return;
		}
	}
	if (i == HVLAB_MSR_GP_SLOTS) {
		s->msr_gp_other++;
		return;
	}
	s->msr_gp_key[i] = key;
	s->msr_gp_count[i] = 1;
	/* the slot before its count: debugfs readers (vcpu_stat_count()) */
	smp_store_release(&s->msr_gp_slots, i + 1);
}

/*
 * Statistic @i of a vCPU: its description (if @desc) and value. Values
 * are read while the vCPU may run; each u64 is read whole.
 */
static u64 vcpu_stat(const struct hvlab_vcpu *vcpu, unsigned int i, struct hvlab_stat_desc *desc)
{
	const struct stat_def *def;
	const u8 *base = (const u8 *)&vcpu->stats;
	unsigned int reason = 0;

	if (i >= vcpu_stat_fixed()) {
		u64 key = vcpu->stats.msr_gp_key[i - vcpu_stat_fixed()];

		if (desc) {
			snprintf(desc->name, sizeof(desc->name), "%s.0x%x",
				 key >> 32 ? "wrmsr_gp" : "rdmsr_gp", (u32)key);
			desc->unit = HVLAB_STAT_UNIT_COUNT;
			desc->kind = HVLAB_STAT_CUMULATIVE;
		}
		return READ_ONCE(vcpu->stats.msr_gp_count[i - vcpu_stat_fixed()]);
	}
	if (i < ARRAY_SIZE(vcpu_stats)) {
		def = &vcpu_stats[i];
		if (desc)
			strscpy(desc->name, def->name, sizeof(desc->name));
	} else {
		i -= ARRAY_SIZE(vcpu_stats);
		def = &reason_stats[i % ARRAY_SIZE(reason_stats)];
		for (i /= ARRAY_SIZE(reason_stats); ; reason++)
			if (exit_reason_names[reason] && i-- == 0)
				break;
		if (desc)
			snprintf(desc->name, sizeof(desc->name), "%s.%s", def->name,
				 exit_reason_names[reason]);
		base += reason * sizeof(u64);
	}
	if (desc)
		stat_describe(def, desc);
	return READ_ONCE(*(const u64 *)(base + def->offset));
}

enum { VM_STAT_VCPUS, VM_STAT_SLOTS, VM_STAT_BYTES, VM_STAT_EXITS, VM_STAT_EXITS_TO_USER,
	VM_STAT_SLOT_UNWINDS, VM_STAT_EPT_TABLE_PAGES, VM_STAT_EPT_LEAVES_4K,
	VM_STAT_EPT_LEAVES_2M, VM_STAT_EPT_LEAVES_1G, VM_STAT_EPT_EXEC_SPLITS,
	VM_STAT_EPT_FLUSHES, VM_STAT_EPT_FLUSH_CPUS,
	VM_STAT_DIRTY_PAGES, VM_STAT_PML_ENTRIES };

static const struct stat_def vm_stats[] = {
	[VM_STAT_VCPUS] = { "vcpus", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_INSTANT },
	[VM_STAT_SLOTS] = { "memory_slots", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_INSTANT },
	[VM_STAT_BYTES] = { "memory_bytes", HVLAB_STAT_UNIT_BYTES, HVLAB_STAT_INSTANT },
	[VM_STAT_EXITS] = { "exits", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_CUMULATIVE },
	[VM_STAT_EXITS_TO_USER] = { "exits_to_user", HVLAB_STAT_UNIT_COUNT,
				    HVLAB_STAT_CUMULATIVE },
	[VM_STAT_SLOT_UNWINDS] = { "slot_unwinds", HVLAB_STAT_UNIT_COUNT,
				   HVLAB_STAT_CUMULATIVE },
	/* ept.c: the second dimension's size (hvctl ept shows its entries) */
	[VM_STAT_EPT_TABLE_PAGES] = { "ept_table_pages", HVLAB_STAT_UNIT_COUNT,
				      HVLAB_STAT_INSTANT },
	[VM_STAT_EPT_LEAVES_4K] = { "ept_leaves_4k", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_INSTANT },
	[VM_STAT_EPT_LEAVES_2M] = { "ept_leaves_2m", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_INSTANT },
	[VM_STAT_EPT_LEAVES_1G] = { "ept_leaves_1g", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_INSTANT },
	[VM_STAT_EPT_EXEC_SPLITS] = { "ept_exec_splits", HVLAB_STAT_UNIT_COUNT,
				      HVLAB_STAT_CUMULATIVE },
	/* vm.c: INVEPT only where a vCPU of the VM is loaded */
	[VM_STAT_EPT_FLUSHES] = { "ept_flushes", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_CUMULATIVE },
	[VM_STAT_EPT_FLUSH_CPUS] = { "ept_flush_cpus", HVLAB_STAT_UNIT_COUNT,
				     HVLAB_STAT_CUMULATIVE },
	[VM_STAT_DIRTY_PAGES] = { "dirty_pages_harvested", HVLAB_STAT_UNIT_COUNT,
				  HVLAB_STAT_CUMULATIVE },
	/* pml.c: addresses the CPU logged, taken from the vCPUs' logs */
	[VM_STAT_PML_ENTRIES] = { "pml_entries", HVLAB_STAT_UNIT_COUNT, HVLAB_STAT_CUMULATIVE },
};

/* The value of VM statistic @i; vm->lock held (it guards slots and vcpus). */
static u64 vm_stat(struct hvlab_vm *vm, unsigned int i)
{
	u64 value = 0;
	unsigned int j;

	lockdep_assert_held(&vm->lock);
	if (i == VM_STAT_SLOT_UNWINDS)
		return vm->slot_unwinds;
	if (i == VM_STAT_EPT_TABLE_PAGES)
		return vm->ept.table_pages;
	if (i >= VM_STAT_EPT_LEAVES_4K && i <= VM_STAT_EPT_LEAVES_1G)
		return vm->ept.leaves[i - VM_STAT_EPT_LEAVES_4K];
	if (i == VM_STAT_EPT_EXEC_SPLITS)
		return vm->ept.exec_splits;
	if (i == VM_STAT_EPT_FLUSHES)
		return vm->ept_flushes;
	if (i == VM_STAT_EPT_FLUSH_CPUS)
		return vm->ept_flush_cpus;
	if (i == VM_STAT_DIRTY_PAGES)
		return vm->dirty_pages_harvested;
	if (i == VM_STAT_PML_ENTRIES)
		return vm->pml_entries;
	for (j = 0; j < HVLAB_MAX_VCPUS; j++) {
		const struct hvlab_vcpu *vcpu = vm->vcpus[j];

		if (i == VM_STAT_VCPUS)
			value += !!vcpu;
		else if (vcpu && i == VM_STAT_EXITS)
			value += READ_ONCE(vcpu->stats.exits);
		else if (vcpu && i == VM_STAT_EXITS_TO_USER)
			value += READ_ONCE(vcpu->stats.exits_to_user);
	}
	for (j = 0; j < HVLAB_MAX_MEM_SLOTS; j++) {
		if (i == VM_STAT_SLOTS)
			value += vm->slots[j].used;
		else if (i == VM_STAT_BYTES && vm->slots[j].used)
			value += vm->slots[j].size;
	}
	return value;
}

typedef u64 (*stat_fn)(const void *obj, unsigned int i, struct hvlab_stat_desc *desc);

/* The ioctl side, shared by VM and vCPU: see struct hvlab_stats. */
static long copy_stats_to_user(void __user *argp, const void *obj, unsigned int count,
			       stat_fn stat)
{
	struct hvlab_stats hdr;
	struct hvlab_stat_desc desc;
	unsigned int i;
	u64 value;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.flags)
		return -EINVAL;
	if (hdr.count < count) {
		hdr.count = count;
		return copy_to_user(argp, &hdr, sizeof(hdr)) ? -EFAULT : -E2BIG;
	}
	for (i = 0; i < count; i++) {
		memset(&desc, 0, sizeof(desc));
		value = stat(obj, i, &desc);
		if (hdr.descs && copy_to_user(u64_to_user_ptr(hdr.descs) + i * sizeof(desc),
					      &desc, sizeof(desc)))
			return -EFAULT;
		if (hdr.values && copy_to_user(u64_to_user_ptr(hdr.values) + i * sizeof(value),
					       &value, sizeof(value)))
			return -EFAULT;
	}
	hdr.count = count;
	return copy_to_user(argp, &hdr, sizeof(hdr)) ? -EFAULT : 0;
}

static u64 vcpu_stat_fn(const void *obj, unsigned int i, struct hvlab_stat_desc *desc)
{
	return vcpu_stat(obj, i, desc);
}

/* VM statistics are copied out from a snapshot: no vm->lock across user copies. */
struct vm_stats_snapshot {
	u64 values[ARRAY_SIZE(vm_stats)];
};

static u64 vm_snapshot_stat_fn(const void *obj, unsigned int i, struct hvlab_stat_desc *desc)
{
	const struct vm_stats_snapshot *snap = obj;

	if (desc) {
		strscpy(desc->name, vm_stats[i].name, sizeof(desc->name));
		stat_describe(&vm_stats[i], desc);
	}
	return snap->values[i];
}

long hvlab_vcpu_get_stats(struct hvlab_vcpu *vcpu, void __user *argp)
{
	return copy_stats_to_user(argp, vcpu, vcpu_stat_count(vcpu), vcpu_stat_fn);
}

long hvlab_vm_get_stats(struct hvlab_vm *vm, void __user *argp)
{
	struct vm_stats_snapshot snap;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < ARRAY_SIZE(vm_stats); i++)
		snap.values[i] = vm_stat(vm, i);
	mutex_unlock(&vm->lock);
	return copy_stats_to_user(argp, &snap, ARRAY_SIZE(vm_stats), vm_snapshot_stat_fn);
}

/* --- debugfs: one "name value" line per statistic -------------------- */

static struct dentry *hvlab_debugfs_root;
static atomic_t next_vm_id = ATOMIC_INIT(0);

static int vcpu_stats_show(struct seq_file *m, void *unused)
{
	const struct hvlab_vcpu *vcpu = m->private;
	struct hvlab_stat_desc desc;
	unsigned int i;
	u64 value;

	for (i = 0; i < vcpu_stat_count(vcpu); i++) {
		value = vcpu_stat(vcpu, i, &desc);
		seq_printf(m, "%s %llu\n", desc.name, value);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_stats);

static int vm_stats_show(struct seq_file *m, void *unused)
{
	struct hvlab_vm *vm = m->private;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < ARRAY_SIZE(vm_stats); i++)
		seq_printf(m, "%s %llu\n", vm_stats[i].name, vm_stat(vm, i));
	mutex_unlock(&vm->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_stats);

struct hvlab_page_counts hvlab_pages;

static int pages_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "pinned %ld\nept_tables %ld\nvmcs %ld\n",
		   atomic_long_read(&hvlab_pages.pinned),
		   atomic_long_read(&hvlab_pages.ept_tables),
		   atomic_long_read(&hvlab_pages.vmcs));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pages);

int hvlab_debugfs_init(void)
{
	/* debugfs is optional: without it the ioctls still work. */
	hvlab_debugfs_root = debugfs_create_dir("hvlab", NULL);
	debugfs_create_file("pages", 0400, hvlab_debugfs_root, NULL, &pages_fops);
	hvlab_spec_add_debugfs(hvlab_debugfs_root);
	hvlab_vmx_add_debugfs(hvlab_debugfs_root);
	return 0;
}

void hvlab_debugfs_exit(void)
{
	debugfs_remove_recursive(hvlab_debugfs_root);
}

void hvlab_debugfs_add_vm(struct hvlab_vm *vm)
{
	char name[16];

	vm->id = atomic_inc_return(&next_vm_id);
	snprintf(name, sizeof(name), "vm%u", vm->id);
	vm->debugfs = debugfs_create_dir(name, hvlab_debugfs_root);
	debugfs_create_file("stats", 0400, vm->debugfs, vm, &vm_stats_fops);
}

void hvlab_debugfs_add_vcpu(struct hvlab_vcpu *vcpu)
{
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", vcpu->id);
	vcpu->debugfs = debugfs_create_dir(name, vcpu->vm->debugfs);
	debugfs_create_file("stats", 0400, vcpu->debugfs, vcpu, &vcpu_stats_fops);
}
