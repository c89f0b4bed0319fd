// SPDX-License-Identifier: GPL-2.0
/*
 * guest_mem.c - read and write guest memory by linear address, the way the
 * guest's own instructions would; and by guest-physical address, the way
 * a hypercall names its buffers (at the end).
 *
 * An instruction hvlab emulates (INS and OUTS, strio.c) names its memory
 * operand by a linear address. The CPU would translate it through the
 * guest's page tables (SDM Vol. 3, chapter 4) to a guest-physical address,
 * and EPT would take that to a host page; here software does both walks:
 * the guest's tables below, then the memory slots of vm.c.
 *
 * Checked as the CPU checks them: the P bit at every level, and the R/W
 * and U/S bits with CR0.WP (SDM 4.6). Not checked: reserved bits (the CPU
 * would raise #PF with RSVD set), execute-disable (no instruction fetch
 * comes through here), SMEP, SMAP and protection keys. The accessed and
 * dirty bits are not set either. A guest sees these differences only in
 * the accesses hvlab emulates.
 */
#include <linux/bits.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "hvlab.h"
#include "lab.h"
#include "vmcs.h"

/* Paging-structure entry bits, the same in every paging mode (SDM 4.3-4.5) */
#define PTE_PRESENT	BIT_ULL(0)
#define PTE_WRITABLE	BIT_ULL(1)	/* R/W */
#define PTE_USER	BIT_ULL(2)	/* U/S */
#define PTE_LARGE	BIT_ULL(7)	/* PS: the entry maps a page, not a table */
#define PTE_ADDR_MASK	GENMASK_ULL(51, 12)

/* 32-bit paging, 4-MByte page: PDE bits 20:13 are address bits 39:32 (SDM Table 4-4) */
#define PDE32_4M_ADDR_LOW	GENMASK_ULL(31, 22)
#define PDE32_4M_ADDR_HIGH	GENMASK_ULL(20, 13)

/* Page-fault error code (SDM 4.7) */
#define PF_PRESENT	BIT(0)	/* 0: a non-present page, 1: a protection violation */
#define PF_WRITE	BIT(1)
#define PF_USER		BIT(2)

/*
 * The shape of a paging mode: how many tables the walk goes through, how
 * many bits of the linear address index each, and how big an entry is.
 */
struct paging_mode {
	int levels;
	int index_bits;
	int entry_size;
};

/*
 * The CPL is SS.DPL (SDM 25.4.1): the VMCS keeps no CPL of its own. An
 * access at CPL 3 is a user-mode access (SDM 4.6).
 */
static bool guest_user_mode(void)
{
	return ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 3;
}

/* Read the paging-structure entry at guest-physical @gpa. */
static int read_entry(struct hvlab_vm *vm, u64 gpa, int size, u64 *entry,
		      struct hvlab_mem_fault *fault)
{
	struct page *page = hvlab_gpa_to_page(vm, gpa);
	void *va;

	if (!page) {
		fault->gpa = gpa;
		return -ENXIO;
	}
	va = kmap_local_page(page) + offset_in_page(gpa);
	/* Another vCPU may be writing it: read the entry once, whole. */
	if (size == 8)
		*entry = READ_ONCE(*(u64 *)va);
	else
		*entry = READ_ONCE(*(u32 *)va);
	kunmap_local(va);
	return 0;
}

/*
 * Does the entry at @level map a page rather than point to a table?
 * Level 1 always does; a PDE (level 2) with PS does, in 32-bit paging only
 * with CR4.PSE (SDM 4.3); a PDPTE (level 3) with PS maps 1 GByte in 4- and
 * 5-level paging (SDM 4.5).
 */
static bool entry_maps_page(const struct paging_mode *mode, int level, u64 entry,
			    unsigned long cr4)
{
	if (level == 1)
		return true;
	if (!(entry & PTE_LARGE))
		return false;
	if (level == 2)
		return mode->entry_size == 8 || (cr4 & X86_CR4_PSE);
	return level == 3 && mode->levels >= 4;
}

int hvlab_translate(struct hvlab_vcpu *vcpu, u64 linear, bool write, u64 *gpa,
		    struct hvlab_mem_fault *fault)
{
	unsigned long cr0 = hvlab_vmcs_read_guest_cr0();
	unsigned long cr4 = hvlab_vmcs_read_guest_cr4();
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	bool user = guest_user_mode();
	u64 table, entry = 0, rights = PTE_WRITABLE | PTE_USER, page_mask;
	struct paging_mode mode;
	int level, shift = 0, ret;

	/* The walk reads guest memory through the host's mapping (spec.c). */
	hvlab_spec_note_host_access(vcpu);

	fault->linear = linear;
	fault->error_code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
	fault->gpa = 0;

	/* Paging off: the linear address is the physical one (SDM 4.1.1). */
	if (!(cr0 & X86_CR0_PG)) {
		*gpa = linear;
		return 0;
	}

	table = vmcs_readl(GUEST_CR3);
	if (efer & EFER_LMA) {
		/* 4-level paging, 5-level with CR4.LA57 (SDM 4.5) */
		mode = (struct paging_mode){ (cr4 & X86_CR4_LA57) ? 5 : 4, 9, 8 };
	} else if (cr4 & X86_CR4_PAE) {
		/*
		 * PAE paging (SDM 4.4): the CPU keeps the four PDPTEs in
		 * registers, loaded with CR3 (4.4.1); the guest may have
		 * changed the table in memory since. With EPT, VM exit saves
		 * those registers in the VMCS (SDM 28.3.4): GUEST_PDPTR0-3,
		 * whose encodings are 2 apart. A PDPTE has no R/W or U/S bit.
		 */
		table = vmcs_read64(GUEST_PDPTR0 + 2 * ((linear >> 30) & 3));
		if (!(table & PTE_PRESENT))
			return -EFAULT;
		mode = (struct paging_mode){ 2, 9, 8 };
	} else {
		/* 32-bit paging (SDM 4.3) */
		mode = (struct paging_mode){ 2, 10, 4 };
	}

	for (level = mode.levels; level >= 1; level--) {
		u64 index;

		shift = 12 + mode.index_bits * (level - 1);
		index = (linear >> shift) & (BIT_ULL(mode.index_bits) - 1);
		ret = read_entry(vcpu->vm, (table & PTE_ADDR_MASK) + index * mode.entry_size,
				 mode.entry_size, &entry, fault);
		if (ret)
			return ret;
		if (!(entry & PTE_PRESENT))
			return -EFAULT;
		/* Access rights are the AND of all levels (SDM 4.6.1). */
		rights &= entry;
		if (entry_maps_page(&mode, level, entry, cr4))
			break;
		table = entry;
	}

	/*
	 * SDM 4.6.1: user-mode accesses need U/S set at every level, and
	 * R/W for writes; supervisor-mode writes need R/W only with CR0.WP.
	 */
	if ((user && !(rights & PTE_USER)) ||
	    (write && !(rights & PTE_WRITABLE) && (user || (cr0 & X86_CR0_WP)))) {
		fault->error_code |= PF_PRESENT;
		return -EFAULT;
	}

	page_mask = BIT_ULL(shift) - 1;
	if (mode.entry_size == 4 && level == 2)		/* a 4-MByte page */
		entry = (entry & PDE32_4M_ADDR_LOW) | ((entry & PDE32_4M_ADDR_HIGH) << 19);
	*gpa = (entry & PTE_ADDR_MASK & ~page_mask) | (linear & page_mask);
	return 0;
}

/*
 * Copy @len bytes between @buf and guest memory at @linear, one page at a
 * time: each page of linear space may map anywhere. With @buf NULL, only
 * check that the whole access would succeed.
 */
static int guest_access(struct hvlab_vcpu *vcpu, u64 linear, void *buf, unsigned int len,
			bool write, struct hvlab_mem_fault *fault)
{
	/* Outside 64-bit mode, linear addresses are 32 bits and wrap (SDM 4.1.1). */
	bool wrap32 = hvlab_guest_code_bits() != 64;

	while (len) {
		unsigned int chunk;
		struct page *page;
		void *va;
		u64 gpa;
		int ret;

		if (wrap32)
			linear = (u32)linear;
		chunk = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(linear));
		ret = hvlab_translate(vcpu, linear, write, &gpa, fault);
		if (ret)
			return ret;
		page = hvlab_gpa_to_page(vcpu->vm, gpa);
		if (!page) {
			fault->gpa = gpa;
			return -ENXIO;
		}
		if (buf) {
			hvlab_spec_note_host_access(vcpu);
			va = kmap_local_page(page) + offset_in_page(gpa);
			if (write)
				memcpy(va, buf, chunk);
			else
				memcpy(buf, va, chunk);
			kunmap_local(va);
			buf += chunk;
		}
		linear += chunk;
		len -= chunk;
	}
	return 0;
}

int hvlab_read_guest(struct hvlab_vcpu *vcpu, u64 linear, void *buf, unsigned int len,
		     struct hvlab_mem_fault *fault)
{
	return guest_access(vcpu, linear, buf, len, false, fault);
}

int hvlab_write_guest(struct hvlab_vcpu *vcpu, u64 linear, const void *buf, unsigned int len,
		      struct hvlab_mem_fault *fault)
{
	return guest_access(vcpu, linear, (void *)buf, len, true, fault);
}

/*
 * Copy @len bytes between @buf and guest-physical @gpa, for a hypercall
 * (hypercall.c). Everything about the address is the guest's choice, so
 * nothing about it is believed: gpa + len may wrap past 2^64, the range
 * may run off the end of RAM, cross from one memory slot into a hole or
 * an MMIO slot, or cover pages of two slots that are far apart on the
 * host. Every page is looked up on its own, and all of them are checked
 * before the first byte moves: a failed write leaves the guest unchanged.
 * Memory slots are never removed while the VM lives (vm.c), so a page
 * checked here is still there when it is copied.
 */
static int guest_phys_access(struct hvlab_vcpu *vcpu, u64 gpa, void *buf, u32 len, bool write)
{
	/* LAB 7 HINT: check every page (hvlab_gpa_to_page) before copying any: a failed write changes nothing */
	/* LAB 7 BEGIN guest_phys_access: copy to or from guest RAM at a hostile guest-physical range */
	u64 last;
	u32 done, chunk;

	if (!len)
		return 0;
	/* The last byte, not the end: a range that ends at 2^64 is fine. */
	if (check_add_overflow(gpa, (u64)len - 1, &last))
		return -EFAULT;
	for (done = 0; done < len; done += chunk) {
		chunk = min_t(u64, len - done, PAGE_SIZE - offset_in_page(gpa + done));
		if (!hvlab_gpa_to_page(vcpu->vm, gpa + done))
			return -EFAULT;
	}
	if (!buf)
		return 0;
	/* The copy reads or writes guest memory through the host's mapping (spec.c). */
	hvlab_spec_note_host_access(vcpu);
	for (done = 0; done < len; done += chunk) {
		struct page *page = hvlab_gpa_to_page(vcpu->vm, gpa + done);
		void *va;

		chunk = min_t(u64, len - done, PAGE_SIZE - offset_in_page(gpa + done));
		va = kmap_local_page(page) + offset_in_page(gpa + done);
		if (write)
			memcpy(va, buf + done, chunk);
		else
			memcpy(buf + done, va, chunk);
		kunmap_local(va);
	}
	return 0;
	/* LAB 7 END */
	/* LAB 7 STUB: hvlab_todo_exit(vcpu, 7, __func__); return -EFAULT; */
}

int hvlab_read_guest_phys(struct hvlab_vcpu *vcpu, u64 gpa, void *buf, u32 len)
{
	return guest_phys_access(vcpu, gpa, buf, len, false);
}

int hvlab_write_guest_phys(struct hvlab_vcpu *vcpu, u64 gpa, const void *buf, u32 len)
{
	return guest_phys_access(vcpu, gpa, (void *)buf, len, true);
}

static const unsigned long segment_base_field[INFO_SEG_COUNT] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE,
	GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE,
};

/*
 * A memory operand's linear address: segment base plus offset. In 64-bit mode
 * only FS and GS have a base (SDM 3.4.4); elsewhere linear addresses have
 * 32 bits. The VMCS has this address too, in the guest-linear-address
 * field (SDM 28.2.1), but undefined where the segment is unusable, as a
 * null DS is in 64-bit mode: computing it is simpler than knowing when to
 * trust it.
 */
u64 hvlab_segment_linear(unsigned int seg, u64 offset)
{
	if (hvlab_guest_code_bits() == 64)
		return (seg == INFO_SEG_FS || seg == INFO_SEG_GS) ?
		       vmcs_readl(segment_base_field[seg]) + offset : offset;
	return (u32)(vmcs_readl(segment_base_field[seg]) + offset);
}

/*
 * Make the next VM entry deliver the #PF that the access got. VM entry
 * does not load CR2 (SDM 27.6.1 leaves that to software): vcpu.c loads
 * vcpu->cr2 before entering the guest. A real #PF also drops what the
 * TLB held for the address (SDM 4.10.4.1), which guests rely on after
 * giving a page more rights: with VPID, hvlab flushes at the next entry.
 */
void hvlab_inject_page_fault(struct hvlab_vcpu *vcpu, const struct hvlab_mem_fault *fault)
{
	hvlab_vcpu_flush_tlb(vcpu);
	vcpu->cr2 = fault->linear;
	hvlab_vcpu_inject_exception(vcpu, X86_VECTOR_PF, true, fault->error_code);
}
