// SPDX-License-Identifier: GPL-2.0
/*
 * walk2d.c - the two-dimensional walk of a guest linear address, from
 * the guest's tables (guest_mem.c) and the VM's EPT (ept_image.c). See
 * walk2d.h.
 */
#include <stdio.h>
#include <string.h>

#include "walk2d.h"

/*
 * A GPA with no leaf: how far the CPU's EPT walk gets. An entry is
 * present exactly when some leaf lies in the range it covers (a table
 * hvlab emptied by an unmap reads as absent here: its leaves are gone).
 */
static void ept_walk_unmapped(const struct hv_ept *ept, uint64_t gpa, struct hv_walk_ept *out)
{
	uint32_t level;

	for (level = HVLAB_EPT_LEVELS; level >= 1; level--) {
		uint64_t span = hv_ept_level_size(level), base = gpa & ~(span - 1);
		size_t i = hv_ept_first_from(ept, base);
		const struct hvlab_ept_leaf *leaf = i < ept->count ? &ept->leaves[i] : NULL;

		out->refs++;
		if (!leaf || leaf->gpa - base >= span || leaf->level >= level)
			return;		/* this entry is not present: a violation */
		out->entry[HVLAB_EPT_LEVELS - level] = leaf->entry[HVLAB_EPT_LEVELS - level];
	}
}

void hv_walk_ept(const struct hv_ept *ept, uint64_t gpa, struct hv_walk_ept *out)
{
	long i = hv_ept_find(ept, gpa);
	const struct hvlab_ept_leaf *leaf;
	uint64_t entry, size;

	memset(out, 0, sizeof(*out));
	out->gpa = gpa;
	out->result = HV_EPT_VIOLATION;
	if (i < 0) {
		ept_walk_unmapped(ept, gpa, out);
		return;
	}
	leaf = &ept->leaves[i];
	out->refs = HVLAB_EPT_LEVELS + 1 - leaf->level;
	memcpy(out->entry, leaf->entry, out->refs * sizeof(out->entry[0]));
	out->leaf_level = leaf->level;
	entry = hv_ept_leaf_entry(leaf);
	if (hv_ept_is_mmio(entry)) {
		out->result = HV_EPT_MISCONFIG;
		return;
	}
	out->result = HV_EPT_MAPPED;
	size = hv_ept_level_size(leaf->level);
	if (!ept->hpa_hidden)
		out->hpa = (entry & HV_EPT_ADDR_MASK & ~(size - 1)) | (gpa & (size - 1));
}

/* The guest's names for its entries, from the top, in each paging mode */
static const char *guest_entry_name(enum hv_paging paging, int step)
{
	static const char *const names[] = { "PML5E", "PML4E", "PDPTE", "PDE", "PTE" };
	int levels = paging == HV_PAGING_32 ? 2 : paging == HV_PAGING_PAE ? 3 :
		     paging == HV_PAGING_5LEVEL ? 5 : 4;

	return names[5 - levels + step];
}

/* An EPT walk that did not end in a host page stops the 2-D walk. */
static int ept_fault(struct hv_walk2d *w, const struct hv_walk_ept *e, int step, const char *what)
{
	if (e->result == HV_EPT_MAPPED)
		return 0;
	w->fault = e->result == HV_EPT_MISCONFIG ? HV_WALK_EPT_MISCONFIG : HV_WALK_EPT_VIOLATION;
	w->fault_step = step;
	snprintf(w->why, sizeof(w->why), "%s at GPA 0x%llx: %s", what,
		 (unsigned long long)e->gpa,
		 e->result == HV_EPT_MISCONFIG ? "an EPT misconfiguration (exit 49)" :
		 "an EPT violation (exit 48): no EPT entry maps it");
	return 1;
}

void hv_walk2d(const struct hv_vm *vm, const struct hvlab_sregs *sregs,
	       const struct hv_ept *ept, uint64_t gva, struct hv_walk2d *w)
{
	struct hv_translation tr;
	char why[160];
	int i, ret, entries;

	memset(w, 0, sizeof(*w));
	w->gva = gva;
	w->paging = hv_paging_mode(sregs);
	w->cr3 = sregs->cr3;
	ret = hv_gla_translate(vm, sregs, gva, &tr, why, sizeof(why));
	entries = tr.levels + tr.unreadable;
	for (i = 0; i < entries && w->paging != HV_PAGING_NONE; i++) {
		struct hv_walk_step *s = &w->step[w->nsteps++];
		int entry_size = w->paging == HV_PAGING_32 ? 4 : 8;

		s->name = guest_entry_name(w->paging, i);
		s->entry_gpa = tr.entry_gpa[i];
		s->index = (s->entry_gpa & 0xfff) / entry_size;
		if (w->paging == HV_PAGING_PAE && i == 0) {
			/* With EPT, MOV to CR3 loaded the four PDPTEs (SDM 29.3.3): no reference now */
			s->index = (s->entry_gpa & 0x1f) / 8;
			s->ept.gpa = s->entry_gpa;
			s->ept.result = HV_EPT_MAPPED;
		} else {
			hv_walk_ept(ept, s->entry_gpa, &s->ept);
			w->references += s->ept.refs;
			if (ept_fault(w, &s->ept, i, s->name))
				return;
			if (i == tr.levels) {	/* unreadable: EPT maps it, but not to RAM */
				w->fault = HV_WALK_NOT_RAM;
				w->fault_step = i;
				snprintf(w->why, sizeof(w->why), "%s", why);
				return;
			}
			s->read = 1;
			w->references++;
		}
		s->value = tr.entry[i];
		s->present = s->value & 1;
		if (!s->present) {
			w->fault = HV_WALK_GUEST_PF;
			w->fault_step = i;
			snprintf(w->why, sizeof(w->why), "the guest's %s is not present: a #PF in the guest",
				 s->name);
			return;
		}
	}
	if (ret) {	/* not canonical, or another refusal before any entry */
		w->fault = HV_WALK_GUEST_PF;
		w->fault_step = w->nsteps;
		snprintf(w->why, sizeof(w->why), "%s", why);
		return;
	}
	w->translated = 1;
	w->gpa = tr.gpa;
	w->page_size = tr.page_size;
	hv_walk_ept(ept, tr.gpa, &w->final);
	w->references += w->final.refs;
	ept_fault(w, &w->final, w->nsteps, "the final GPA");
}
