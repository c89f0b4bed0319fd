// SPDX-License-Identifier: GPL-2.0
/*
 * ept_dump.c - HVLAB_GET_EPT: the VM's extended page tables as data.
 *
 * hvctl ept prints them as ranges or as a tree, and tests check what the
 * CPU will find there: the rights, the memory type and ignore-PAT of every
 * leaf (SDM 29.3.7). The walk is the CPU's (SDM 29.3.2): from the PML4
 * down, four levels, or fewer where bit 7 makes an entry a large page.
 * Read-only: nothing here changes a table.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "ept.h"
#include "hvlab.h"

/*
 * Up to @max leaves from @gpa on, each with the entries above it, in
 * guest-physical order. A range whose entry is not present is skipped
 * whole, at its own level: an empty PML4E is 512 GiB in one step.
 * Returns the number written; *next is where the next call goes on.
 * vm->lock is held: no table changes or goes meanwhile.
 */
static unsigned int ept_dump_leaves(const struct hvlab_ept *ept, u64 gpa,
				    struct hvlab_ept_leaf *out, unsigned int max, u64 *next)
{
	unsigned int n = 0;

	while (gpa < EPT_GPA_LIMIT && n < max) {
		struct hvlab_ept_leaf *leaf = &out[n];
		const u64 *table = ept->pml4;
		int level;

		memset(leaf, 0, sizeof(*leaf));
		for (level = EPT_LEVELS; ; level--) {
			u64 entry = READ_ONCE(table[EPT_INDEX(gpa, level)]);
			u64 size = 1ULL << EPT_LEVEL_SHIFT(level);
			u64 base = ALIGN_DOWN(gpa, size);	/* what the entry covers */

			leaf->entry[EPT_LEVELS - level] = entry;
			if (!ept_entry_present(entry)) {
				gpa = base + size;	/* nothing mapped here */
				break;
			}
			if (ept_entry_is_leaf(entry, level)) {
				leaf->gpa = base;
				leaf->level = level;
				n++;
				gpa = base + size;
				break;
			}
			table = __va(entry & EPT_ADDR_MASK);
		}
	}
	*next = gpa < EPT_GPA_LIMIT ? gpa : HVLAB_EPT_DUMP_END;
	return n;
}

/* Without CAP_SYSLOG: the rights and type stay, the host addresses go. */
static void ept_hide_host_addresses(struct hvlab_ept_leaf *leaves, unsigned int n)
{
	unsigned int i, level;

	for (i = 0; i < n; i++)
		for (level = 0; level < HVLAB_EPT_LEVELS; level++)
			leaves[i].entry[level] &= ~EPT_ADDR_MASK;
}

long hvlab_vm_get_ept(struct hvlab_vm *vm, void __user *argp)
{
	bool hide = !hvlab_may_see_host_addresses();
	struct hvlab_ept_leaf *leaves = NULL;
	struct hvlab_ept_dump d;
	unsigned int n = 0;
	u64 next = HVLAB_EPT_DUMP_END;
	long ret = 0;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags || memchr_inv(d.reserved, 0, sizeof(d.reserved)) ||
	    d.count > HVLAB_EPT_DUMP_MAX ||
	    (d.gpa != HVLAB_EPT_DUMP_END && (d.gpa >= EPT_GPA_LIMIT || offset_in_page(d.gpa))))
		return -EINVAL;
	if (d.count) {
		leaves = kvcalloc(d.count, sizeof(*leaves), GFP_KERNEL_ACCOUNT);
		if (!leaves)
			return -ENOMEM;
	}

	mutex_lock(&vm->lock);
	if (d.gpa != HVLAB_EPT_DUMP_END)
		n = ept_dump_leaves(&vm->ept, d.gpa, leaves, d.count, &next);
	d.eptp = vm->ept.eptp;
	mutex_unlock(&vm->lock);
	/* With no room, the cursor stays: nothing was read */
	if (!d.count)
		next = d.gpa;

	if (hide) {
		ept_hide_host_addresses(leaves, n);
		d.eptp &= ~EPT_ADDR_MASK;
		d.flags = HVLAB_EPT_HPA_HIDDEN;
	}
	d.count = n;
	d.gpa = next;
	if (n && copy_to_user(u64_to_user_ptr(d.leaves), leaves, n * sizeof(*leaves)))
		ret = -EFAULT;
	else if (copy_to_user(argp, &d, sizeof(d)))
		ret = -EFAULT;
	kvfree(leaves);
	return ret;
}
