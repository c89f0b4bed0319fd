// SPDX-License-Identifier: GPL-2.0
/*
 * walk_print.c - the two-dimensional walk as text, JSON or SVG. See
 * walk_print.h.
 */
#include <inttypes.h>
#include <string.h>

#include "walk_print.h"

static const char *const ept_names[] = { "PML4E", "PDPTE", "PDE", "PTE" };

static const char *fault_name(enum hv_walk_fault f)
{
	switch (f) {
	case HV_WALK_OK:
		return "none";
	case HV_WALK_GUEST_PF:
		return "guest #PF";
	case HV_WALK_EPT_VIOLATION:
		return "EPT violation";
	case HV_WALK_EPT_MISCONFIG:
		return "EPT misconfiguration";
	case HV_WALK_NOT_RAM:
		return "not RAM";
	}
	return "?";
}

/* The index of the EPT entry at @i (0 = PML4E) for @gpa */
static unsigned int ept_index(uint64_t gpa, int i)
{
	return (gpa >> (12 + 9 * (HVLAB_EPT_LEVELS - 1 - i))) & 511;
}

/* "P W U A D PS NX" for a guest paging-structure entry (SDM 4.3, 4.5) */
static const char *guest_bits(uint64_t e, int wide, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s", e & 1 ? "P" : "not present",
		 e & 1 && e & 2 ? " W" : "", e & 1 && e & 4 ? " U" : "",
		 e & 1 && e & 0x20 ? " A" : "", e & 1 && e & 0x40 ? " D" : "",
		 e & 1 && e & 0x80 ? " PS" : "",
		 e & 1 && wide && (e >> 63) ? " NX" : "");
	return buf;
}

static void print_ept(FILE *out, const struct hv_walk_ept *e)
{
	int i;

	fprintf(out, "EPT");
	for (i = 0; i < e->refs; i++)
		fprintf(out, " %s[%u] 0x%" PRIx64 "%s", ept_names[i], ept_index(e->gpa, i),
			e->entry[i], e->entry[i] & 7 ? "" : " (not present)");
	if (e->result == HV_EPT_MAPPED && e->hpa)
		fprintf(out, " -> host 0x%" PRIx64, e->hpa);
	else if (e->result == HV_EPT_MAPPED)
		fprintf(out, " -> host (hidden)");
	else if (e->result == HV_EPT_MISCONFIG)
		fprintf(out, " -> misconfigured (MMIO)");
	fprintf(out, "  [%d ref%s]\n", e->refs, e->refs == 1 ? "" : "s");
}

void hv_walk_print(FILE *out, const struct hv_walk2d *w)
{
	int wide = w->paging != HV_PAGING_32, i, guest_refs = 0;
	char bits[64];

	fprintf(out, "walk GVA 0x%" PRIx64 ": %s", w->gva, hv_paging_name(w->paging));
	if (w->paging != HV_PAGING_NONE)
		fprintf(out, ", guest CR3 0x%" PRIx64, w->cr3);
	fputc('\n', out);
	for (i = 0; i < w->nsteps; i++) {
		const struct hv_walk_step *s = &w->step[i];

		fprintf(out, "  guest %s[%u] at GPA 0x%" PRIx64 "\n    ", s->name, s->index, s->entry_gpa);
		if (s->ept.refs)
			print_ept(out, &s->ept);
		else
			fprintf(out, "(loaded into the PDPTE registers with CR3: no reference now)\n");
		if (s->read || !s->ept.refs) {
			fprintf(out, "    = 0x%" PRIx64 " %s%s\n", s->value,
				guest_bits(s->value, wide, bits, sizeof(bits)), s->read ? "  [1 ref]" : "");
			guest_refs += s->read;
		}
	}
	if (w->translated) {
		fprintf(out, "  GPA 0x%" PRIx64 " (a %" PRIu64 " KiB page)\n    ", w->gpa,
			w->page_size ? w->page_size >> 10 : 4);
		print_ept(out, &w->final);
	}
	fprintf(out, "%d memory references (%d guest entr%s, %d EPT entr%s)", w->references,
		guest_refs, guest_refs == 1 ? "y" : "ies", w->references - guest_refs,
		w->references - guest_refs == 1 ? "y" : "ies");
	if (w->fault == HV_WALK_OK)
		fprintf(out, ": GVA 0x%" PRIx64 " -> GPA 0x%" PRIx64 " -> host %s0x%" PRIx64 "\n",
			w->gva, w->gpa, w->final.hpa ? "" : "(hidden) ", w->final.hpa);
	else
		fprintf(out, "; stops: %s: %s\n", fault_name(w->fault), w->why);
}

static void json_ept(FILE *out, const struct hv_walk_ept *e)
{
	int i;

	fprintf(out, "{\"gpa\":\"0x%" PRIx64 "\",\"references\":%d,\"entries\":[", e->gpa, e->refs);
	for (i = 0; i < e->refs; i++)
		fprintf(out, "%s{\"level\":\"%s\",\"index\":%u,\"value\":\"0x%" PRIx64 "\",\"present\":%s}",
			i ? "," : "", ept_names[i], ept_index(e->gpa, i), e->entry[i],
			e->entry[i] & 7 ? "true" : "false");
	fprintf(out, "],\"result\":\"%s\"", e->result == HV_EPT_MAPPED ? "mapped" :
		e->result == HV_EPT_MISCONFIG ? "misconfigured" : "violation");
	if (e->result == HV_EPT_MAPPED && e->hpa)
		fprintf(out, ",\"hpa\":\"0x%" PRIx64 "\"}", e->hpa);
	else
		fprintf(out, ",\"hpa\":null}");
}

void hv_walk_print_json(FILE *out, const struct hv_walk2d *w)
{
	int i;

	fprintf(out, "{\"gva\":\"0x%" PRIx64 "\",\"paging\":\"%s\",\"cr3\":\"0x%" PRIx64 "\",\"steps\":[",
		w->gva, hv_paging_name(w->paging), w->cr3);
	for (i = 0; i < w->nsteps; i++) {
		const struct hv_walk_step *s = &w->step[i];

		fprintf(out, "%s{\"entry\":\"%s\",\"index\":%u,\"entry_gpa\":\"0x%" PRIx64 "\",\"ept\":",
			i ? "," : "", s->name, s->index, s->entry_gpa);
		if (s->ept.refs)
			json_ept(out, &s->ept);
		else
			fprintf(out, "null");
		fprintf(out, ",\"read\":%s,\"value\":\"0x%" PRIx64 "\",\"present\":%s}",
			s->read ? "true" : "false", s->value, s->present ? "true" : "false");
	}
	fprintf(out, "],\"final\":");
	if (w->translated) {
		json_ept(out, &w->final);
		fprintf(out, ",\"page_size\":%" PRIu64, w->page_size);
	} else {
		fprintf(out, "null");
	}
	fprintf(out, ",\"references\":%d,\"fault\":", w->references);
	if (w->fault == HV_WALK_OK)
		fprintf(out, "null");
	else
		fprintf(out, "{\"kind\":\"%s\",\"at\":\"%s\",\"why\":\"%s\"}", fault_name(w->fault),
			w->fault_step < w->nsteps ? w->step[w->fault_step].name : "final GPA", w->why);
	fprintf(out, "}\n");
}

/* --- SVG: one row per guest entry and one for the final GPA; one column per EPT level, then the entry read --- */

#define CELL_W		150
#define CELL_H		44
#define LEFT		150
#define TOP		70

/* One box of the grid: its reference number, what was read, and how it went. */
static void svg_cell(FILE *out, int row, int col, int number, const char *label,
		     uint64_t value, const char *fill)
{
	int x = LEFT + col * CELL_W, y = TOP + row * CELL_H;

	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" stroke=\"#555\"/>\n",
		x + 4, y + 4, CELL_W - 8, CELL_H - 8, fill);
	if (number)
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#333\">%d</text>\n",
			x + 9, y + 16, number);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
		x + CELL_W / 2, y + 19, label);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\" font-family=\"monospace\">0x%" PRIx64 "</text>\n",
		x + CELL_W / 2, y + 33, value);
}

#define FILL_OK		"#cdeccd"
#define FILL_FAULT	"#f4b6b6"
#define FILL_NONE	"#eeeeee"

/* The EPT cells of one row; returns the next reference number. */
static int svg_ept_row(FILE *out, int row, const struct hv_walk_ept *e, int number)
{
	int i;

	for (i = 0; i < e->refs; i++) {
		char label[24];
		int fault = !(e->entry[i] & 7) || (i == e->refs - 1 && e->result == HV_EPT_MISCONFIG);

		snprintf(label, sizeof(label), "EPT %s[%u]", ept_names[i], ept_index(e->gpa, i));
		svg_cell(out, row, i, number++, label, e->entry[i], fault ? FILL_FAULT : FILL_OK);
	}
	return number;
}

void hv_walk_print_svg(FILE *out, const struct hv_walk2d *w)
{
	int rows = w->nsteps + 1, width = LEFT + 5 * CELL_W + 20, number = 1, i;
	int height = TOP + rows * CELL_H + 50;

	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\">\n",
		width, height);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(out, "<text x=\"10\" y=\"24\" font-size=\"16\">GVA 0x%" PRIx64 ": %s, guest CR3 0x%" PRIx64 "</text>\n",
		w->gva, hv_paging_name(w->paging), w->cr3);
	for (i = 0; i < 4; i++)
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">EPT %s</text>\n",
			LEFT + i * CELL_W + CELL_W / 2, TOP - 10, ept_names[i]);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">guest entry</text>\n",
		LEFT + 4 * CELL_W + CELL_W / 2, TOP - 10);
	for (i = 0; i < w->nsteps; i++) {
		const struct hv_walk_step *s = &w->step[i];
		char label[24];

		fprintf(out, "<text x=\"10\" y=\"%d\" font-size=\"12\">%s at GPA</text>\n"
			"<text x=\"10\" y=\"%d\" font-size=\"10\" font-family=\"monospace\">0x%" PRIx64 "</text>\n",
			TOP + i * CELL_H + 20, s->name, TOP + i * CELL_H + 34, s->entry_gpa);
		number = svg_ept_row(out, i, &s->ept, number);
		snprintf(label, sizeof(label), "%s[%u]", s->name, s->index);
		if (s->read || !s->ept.refs)
			svg_cell(out, i, 4, s->read ? number++ : 0, label, s->value,
				 s->present ? FILL_OK : FILL_FAULT);
	}
	if (w->translated) {
		fprintf(out, "<text x=\"10\" y=\"%d\" font-size=\"12\">final GPA</text>\n"
			"<text x=\"10\" y=\"%d\" font-size=\"10\" font-family=\"monospace\">0x%" PRIx64 "</text>\n",
			TOP + w->nsteps * CELL_H + 20, TOP + w->nsteps * CELL_H + 34, w->gpa);
		svg_ept_row(out, w->nsteps, &w->final, number);
		if (w->final.result == HV_EPT_MAPPED)
			svg_cell(out, w->nsteps, 4, 0, "host", w->final.hpa, FILL_NONE);
	}
	fprintf(out, "<text x=\"10\" y=\"%d\" font-size=\"13\">%d memory references%s%s</text>\n",
		TOP + rows * CELL_H + 25, w->references, w->fault == HV_WALK_OK ? "" : "; stops: ",
		w->fault == HV_WALK_OK ? "" : fault_name(w->fault));
	fprintf(out, "</svg>\n");
}
