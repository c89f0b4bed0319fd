// SPDX-License-Identifier: GPL-2.0
/*
 * ept_print.c - a VM's EPT as text or JSON. See ept_print.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ept_print.h"

/* "4K", "2M", "640K", "1G": the largest unit that divides @bytes */
static const char *size_text(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = 0;

	bytes >>= 10;
	while (u < 3 && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}

/* "RWX", "R-X", "-W-" */
static const char *rights_text(uint64_t entry, char buf[4])
{
	buf[0] = entry & HV_EPT_READ ? 'R' : '-';
	buf[1] = entry & HV_EPT_WRITE ? 'W' : '-';
	buf[2] = entry & HV_EPT_EXECUTE ? 'X' : '-';
	buf[3] = 0;
	return buf;
}

/*
 * What a leaf's bits say beyond its rights: "WB ipat A D", "nx-huge" for a
 * large page kept from executing (iTLB multihit: its 4 KiB pages may), or
 * the MMIO marker
 */
static const char *kind_text(const struct hv_ept *ept, uint64_t bits, char *buf, size_t len)
{
	if (hv_ept_is_mmio(bits)) {
		snprintf(buf, len, "MMIO (write-only: misconfigured, every access exits 49)");
		return buf;
	}
	snprintf(buf, len, "%s%s%s%s%s", hv_ept_memtype_name(HV_EPT_MEMTYPE(bits)),
		 bits & HV_EPT_IGNORE_PAT ? " ipat" : "",
		 (ept->eptp & HV_EPTP_AD_ENABLED) && (bits & HV_EPT_ACCESSED) ? " A" : "",
		 (ept->eptp & HV_EPTP_AD_ENABLED) && (bits & HV_EPT_DIRTY) ? " D" : "",
		 bits & HV_EPT_NX_HUGE ? " nx-huge" : "");
	return buf;
}

/*
 * The paging-structure pages the leaves hang from: the root, and one page
 * for each distinct table the walks pass through. Tables whose entries
 * are all empty (hvlab keeps them after an unmap) do not show in a dump.
 */
static size_t table_pages(const struct hv_ept *ept)
{
	size_t pages = ept->count ? 1 : 0, i;
	uint32_t level;

	for (level = 1; level < HVLAB_EPT_LEVELS; level++) {
		int shift = 12 + 9 * level;	/* what one table of this level covers */
		uint64_t last = ~0ULL;

		for (i = 0; i < ept->count; i++) {
			if (ept->leaves[i].level > level)
				continue;
			if ((ept->leaves[i].gpa >> shift) != last)
				pages++;
			last = ept->leaves[i].gpa >> shift;
		}
	}
	return pages;
}

static void print_header(FILE *out, const struct hv_ept *ept)
{
	if (ept->hpa_hidden)
		fprintf(out, "EPT: EPTP hidden, %d-level walk, %s, A/D %s (host addresses need CAP_SYSLOG: run as root)\n",
			(int)((ept->eptp >> 3) & 7) + 1, hv_ept_memtype_name(ept->eptp & 7),
			ept->eptp & HV_EPTP_AD_ENABLED ? "on" : "off");
	else
		fprintf(out, "EPT: EPTP 0x%016" PRIx64 " (root table at 0x%" PRIx64 "), %d-level walk, %s, A/D %s\n",
			ept->eptp, ept->eptp & HV_EPT_ADDR_MASK, (int)((ept->eptp >> 3) & 7) + 1,
			hv_ept_memtype_name(ept->eptp & 7),
			ept->eptp & HV_EPTP_AD_ENABLED ? "on" : "off");
}

static void print_host(FILE *out, const struct hv_ept *ept, uint64_t bits, uint64_t hpa,
		       uint32_t runs)
{
	if (hv_ept_is_mmio(bits))
		return;
	if (ept->hpa_hidden)
		fprintf(out, "  host hidden");
	else if (runs > 1)
		fprintf(out, "  host 0x%" PRIx64 " (+%u more pieces)", hpa, runs - 1);
	else
		fprintf(out, "  host 0x%" PRIx64, hpa);
}

void hv_ept_print_ranges(FILE *out, const struct hv_ept *ept)
{
	struct hv_ept_range *r;
	char sz[24], pg[24], rw[4], kind[80];
	long n = hv_ept_ranges(ept, &r), i;

	print_header(out, ept);
	if (n < 0) {
		fprintf(out, "(out of memory)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		fprintf(out, "0x%016" PRIx64 "-0x%016" PRIx64 " %6s in %4s pages  %s  %s",
			r[i].gpa, r[i].gpa + r[i].size - 1, size_text(r[i].size, sz, sizeof(sz)),
			size_text(hv_ept_level_size(r[i].level), pg, sizeof(pg)),
			rights_text(r[i].bits, rw), kind_text(ept, r[i].bits, kind, sizeof(kind)));
		print_host(out, ept, r[i].bits, r[i].hpa, r[i].hpa_runs);
		fputc('\n', out);
	}
	fprintf(out, "%ld ranges, %zu leaves, %zu table pages\n", n, ept->count, table_pages(ept));
	free(r);
}

/* One table entry of a walk, at its depth. */
static void print_table_entry(FILE *out, const struct hv_ept *ept, uint32_t level,
			      uint64_t gpa, uint64_t entry)
{
	static const char *const next[] = { "", "", "PT", "PD", "PDPT" };
	uint64_t span = hv_ept_level_size(level);
	char rw[4];

	fprintf(out, "%*s%s[%" PRIu64 "] 0x%016" PRIx64 " %s  0x%" PRIx64 "-0x%" PRIx64 " -> %s",
		2 * (HVLAB_EPT_LEVELS - (int)level), "", hv_ept_level_name(level),
		(gpa >> (12 + 9 * (level - 1))) & 511, entry, rights_text(entry, rw),
		gpa & ~(span - 1), (gpa & ~(span - 1)) + span - 1, next[level]);
	if (!ept->hpa_hidden)
		fprintf(out, " at 0x%" PRIx64, entry & HV_EPT_ADDR_MASK);
	fputc('\n', out);
}

void hv_ept_print_tree(FILE *out, const struct hv_ept *ept)
{
	char rw[4], kind[80];
	size_t i = 0;

	print_header(out, ept);
	while (i < ept->count) {
		const struct hvlab_ept_leaf *first = &ept->leaves[i];
		uint64_t bits = hv_ept_leaf_entry(first) & ~HV_EPT_ADDR_MASK;
		uint64_t size = hv_ept_level_size(first->level);
		uint64_t table_span = size << 9;	/* what the leaf's table covers */
		uint64_t hpa = hv_ept_leaf_entry(first) & HV_EPT_ADDR_MASK;
		uint32_t level, runs = 1;
		size_t j = i + 1;

		/* The walk above it, where it differs from the previous leaf's */
		for (level = HVLAB_EPT_LEVELS; level > first->level; level--) {
			int shift = 12 + 9 * (level - 1);

			if (i && (ept->leaves[i - 1].gpa >> shift) == (first->gpa >> shift) &&
			    ept->leaves[i - 1].level < level)
				continue;
			print_table_entry(out, ept, level, first->gpa,
					  first->entry[HVLAB_EPT_LEVELS - level]);
		}
		/* Leaves of a kind, next to each other, in the same table */
		while (j < ept->count && ept->leaves[j].level == first->level &&
		       ept->leaves[j].gpa == ept->leaves[j - 1].gpa + size &&
		       ept->leaves[j].gpa / table_span == first->gpa / table_span &&
		       (hv_ept_leaf_entry(&ept->leaves[j]) & ~HV_EPT_ADDR_MASK) == bits) {
			if ((hv_ept_leaf_entry(&ept->leaves[j]) & HV_EPT_ADDR_MASK) !=
			    (hv_ept_leaf_entry(&ept->leaves[j - 1]) & HV_EPT_ADDR_MASK) + size)
				runs++;
			j++;
		}
		fprintf(out, "%*s%s[%" PRIu64, 2 * (HVLAB_EPT_LEVELS - (int)first->level), "",
			hv_ept_level_name(first->level), ((uint64_t)first->gpa / size) & 511);
		if (j - i > 1)
			fprintf(out, "-%" PRIu64, ((uint64_t)ept->leaves[j - 1].gpa / size) & 511);
		fprintf(out, "] %s %s  0x%" PRIx64 "-0x%" PRIx64, rights_text(bits, rw),
			kind_text(ept, bits, kind, sizeof(kind)), (uint64_t)first->gpa,
			(uint64_t)ept->leaves[j - 1].gpa + size - 1);
		print_host(out, ept, bits, hpa, runs);
		fputc('\n', out);
		i = j;
	}
	fprintf(out, "%zu leaves, %zu table pages\n", ept->count, table_pages(ept));
}

int hv_ept_print_gpa(FILE *out, const struct hv_ept *ept, uint64_t gpa)
{
	long i = hv_ept_find(ept, gpa);
	const struct hvlab_ept_leaf *leaf;
	char rw[4], kind[80];
	uint64_t entry;
	uint32_t level;

	if (i < 0) {
		fprintf(out, "GPA 0x%" PRIx64 ": no EPT entry maps it (an access is an EPT violation, exit 48)\n",
			gpa);
		return -1;
	}
	leaf = &ept->leaves[i];
	print_header(out, ept);
	for (level = HVLAB_EPT_LEVELS; level > leaf->level; level--)
		print_table_entry(out, ept, level, gpa, leaf->entry[HVLAB_EPT_LEVELS - level]);
	entry = hv_ept_leaf_entry(leaf);
	fprintf(out, "%*s%s[%" PRIu64 "] 0x%016" PRIx64 " %s %s", 2 * (HVLAB_EPT_LEVELS - (int)leaf->level),
		"", hv_ept_level_name(leaf->level), (gpa >> (12 + 9 * (leaf->level - 1))) & 511, entry,
		rights_text(entry, rw), kind_text(ept, entry, kind, sizeof(kind)));
	if (!hv_ept_is_mmio(entry) && !ept->hpa_hidden)
		fprintf(out, "  GPA 0x%" PRIx64 " -> host 0x%" PRIx64, gpa,
			(entry & HV_EPT_ADDR_MASK & ~(hv_ept_level_size(leaf->level) - 1)) +
			(gpa & (hv_ept_level_size(leaf->level) - 1)));
	fputc('\n', out);
	return 0;
}

static void print_json_bits(FILE *out, const struct hv_ept *ept, uint64_t bits)
{
	int ad = !!(ept->eptp & HV_EPTP_AD_ENABLED);

	fprintf(out, "\"read\":%s,\"write\":%s,\"execute\":%s,\"mmio\":%s,\"memtype\":\"%s\",\"ignore_pat\":%s,\"accessed\":%s,\"dirty\":%s,\"nx_huge\":%s",
		bits & HV_EPT_READ ? "true" : "false", bits & HV_EPT_WRITE ? "true" : "false",
		bits & HV_EPT_EXECUTE ? "true" : "false", hv_ept_is_mmio(bits) ? "true" : "false",
		hv_ept_is_mmio(bits) ? "none" : hv_ept_memtype_name(HV_EPT_MEMTYPE(bits)),
		bits & HV_EPT_IGNORE_PAT ? "true" : "false",
		!ad ? "null" : bits & HV_EPT_ACCESSED ? "true" : "false",
		!ad ? "null" : bits & HV_EPT_DIRTY ? "true" : "false",
		bits & HV_EPT_NX_HUGE ? "true" : "false");
}

void hv_ept_print_json(FILE *out, const struct hv_ept *ept, int with_leaves)
{
	struct hv_ept_range *r;
	long n = hv_ept_ranges(ept, &r), i;
	size_t k;
	int l;

	if (n < 0)
		n = 0;
	if (ept->hpa_hidden)
		fprintf(out, "{\"eptp\":null,");
	else
		fprintf(out, "{\"eptp\":\"0x%" PRIx64 "\",", ept->eptp);
	fprintf(out, "\"hpa_hidden\":%s,\"walk_length\":%d,\"ad_enabled\":%s,\"leaves\":%zu,\"table_pages\":%zu,\"ranges\":[",
		ept->hpa_hidden ? "true" : "false", (int)((ept->eptp >> 3) & 7) + 1,
		ept->eptp & HV_EPTP_AD_ENABLED ? "true" : "false", ept->count, table_pages(ept));
	for (i = 0; i < n; i++) {
		fprintf(out, "%s{\"gpa\":\"0x%" PRIx64 "\",\"end\":\"0x%" PRIx64 "\",\"size\":%" PRIu64 ",\"page_size\":%" PRIu64 ",\"level\":%u,",
			i ? "," : "", r[i].gpa, r[i].gpa + r[i].size - 1, r[i].size,
			hv_ept_level_size(r[i].level), r[i].level);
		print_json_bits(out, ept, r[i].bits);
		if (ept->hpa_hidden || hv_ept_is_mmio(r[i].bits))
			fprintf(out, ",\"hpa\":null,\"hpa_runs\":%u}", hv_ept_is_mmio(r[i].bits) ? 0 : r[i].hpa_runs);
		else
			fprintf(out, ",\"hpa\":\"0x%" PRIx64 "\",\"hpa_runs\":%u}", r[i].hpa, r[i].hpa_runs);
	}
	fputc(']', out);
	if (with_leaves) {
		fprintf(out, ",\"walks\":[");
		for (k = 0; k < ept->count; k++) {
			fprintf(out, "%s{\"gpa\":\"0x%" PRIx64 "\",\"level\":%u,\"entries\":[", k ? "," : "",
				(uint64_t)ept->leaves[k].gpa, ept->leaves[k].level);
			for (l = 0; l <= HVLAB_EPT_LEVELS - (int)ept->leaves[k].level; l++)
				fprintf(out, "%s\"0x%" PRIx64 "\"", l ? "," : "", (uint64_t)ept->leaves[k].entry[l]);
			fprintf(out, "]}");
		}
		fputc(']', out);
	}
	fprintf(out, "}\n");
	free(r);
}
