/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The text sink: bpftrace 0.17's layout, byte for byte (samples in
 * /work/shared/bpftrace-conventions.md, checks in tests/unit/test_output.c).
 * A map without entries still prints its trailing newline(s). */
#include <inttypes.h>
#include <stdlib.h>

#include "output/model.h"

#define BAR_WIDTH 52

static const char bar_chars[BAR_WIDTH + 1] =
	"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";

static void text_key(FILE *f, const struct out_map *m, const struct out_entry *e)
{
	fputs(m->name, f);
	if (m->nkey <= 0 || !e->key)
		return;
	fputc('[', f);
	out_put_key_fields(f, m, e);
	fputc(']', f);
}

static void text_bucket(FILE *f, const char *label, uint64_t shown,
			uint64_t raw, uint64_t max)
{
	/* 0.17 computes this in float; the exact quotient agrees with it
	 * for every max below 200000 (checked exhaustively). */
	int bar = max ? (int)((unsigned __int128)raw * BAR_WIDTH / max) : 0;

	fprintf(f, "%-16s%8" PRIu64 " |%.*s%*s|\n", label, shown, bar,
		bar_chars, BAR_WIDTH - bar, "");
}

static void text_hist(FILE *f, const struct out_map *m,
		      const struct out_entry *e, uint64_t div)
{
	char label[96];
	uint64_t max;
	int lo, hi;

	out_nonzero_range(m, e, &lo, &hi, &max);
	for (int i = lo; i <= hi; i++) {
		if (m->kind == AGG_HIST)
			out_hist_label(label, sizeof(label), i);
		else
			out_lhist_label(label, sizeof(label), i, m->lmin,
					m->lmax, m->lstep);
		text_bucket(f, label, out_bucket(e, i) / div, out_bucket(e, i), max);
	}
}

static void text_value(FILE *f, const struct out_map *m,
		       const struct out_entry *e, uint64_t div)
{
	switch (m->kind) {
	case AGG_STR:
		fputs(e->str ? e->str : "", f);
		break;
	case AGG_STATS:
		fprintf(f, "count %" PRIu64 ", average ", e->count);
		out_put_i128(f, out_average(e));
		fputs(", total ", f);
		out_put_i128(f, e->value);
		break;
	default:
		out_put_i128(f, out_number(m, e, div));
	}
}

static void text_map(struct output *o, const struct out_map *m, int top, int div)
{
	FILE *f = o->f;
	uint64_t d = out_effective_div(m, div);
	int n;
	struct out_item *items = out_shown_entries(m, top, &n);

	for (int i = 0; i < n; i++) {
		text_key(f, m, items[i].e);
		fputs(": ", f);
		if (out_is_hist(m)) {
			fputc('\n', f);
			text_hist(f, m, items[i].e, d);
		} else
			text_value(f, m, items[i].e, d);
		/* after a histogram's own lines this makes the blank line
		 * that 0.17 prints after every key */
		fputc('\n', f);
	}
	/* 0.17 joins the entries and then ends the line, so an empty map
	 * still prints one newline; avg/stats add a blank line after. */
	if (n == 0)
		fputc('\n', f);
	if (out_is_stats(m))
		fputc('\n', f);
	free(items);
}

static void text_attached(struct output *o, int nprobes)
{
	fprintf(o->f, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
}

/* printf() and time() text goes out as it is. */
static void text_raw(struct output *o, const char *text, size_t len)
{
	fwrite(text, 1, len, o->f);
}

static void text_print_value(struct output *o, const char *text, const char *json)
{
	(void)json;
	fputs(text, o->f);
	fputc('\n', o->f);
}

/* 0.17 writes "\n\n" before the exit dump, also when there are no maps. */
static void text_exit_maps(struct output *o)
{
	fputs("\n\n", o->f);
}

/* Events lost are reported on stderr (diag), not in the results. */
const struct output_ops output_text_ops = {
	.name = "text",
	.attached = text_attached,
	.printf_text = text_raw,
	.time_text = text_raw,
	.value = text_print_value,
	.map = text_map,
	.exit_maps = text_exit_maps,
};
