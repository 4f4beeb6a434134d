/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON sink: bpftrace 0.17's schema, one object per line, every line
 * strict JSON.  The only place btctrace writes JSON. */
#include <inttypes.h>
#include <stdlib.h>

#include "btctrace_version.h"
#include "output/model.h"

/* bpftrace's escapes for ASCII; bytes that are not valid UTF-8 become
 * U+FFFD so that every line stays strict JSON (0.17 emits garbage). */
static void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		int n = *s >= 0x80 ? out_utf8_len(s) : 1;

		if (n == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\r')
			fputs("\\r", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fwrite(s, 1, (size_t)n, f);
		s += n;
	}
}

void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	json_escape(f, s);
	fputc('"', f);
}

/* Tuple keys become one string, fields joined by "," without space. */
static void json_key(FILE *f, const struct out_map *m, const struct out_entry *e)
{
	fputc('"', f);
	for (int i = 0; i < m->nkey; i++) {
		const struct out_field *k = &e->key[i];

		if (i)
			fputc(',', f);
		if (k->kind == OUT_STR)
			json_escape(f, k->s);
		else if (k->kind == OUT_UINT)
			fprintf(f, "%" PRIu64, (uint64_t)k->i);
		else
			fprintf(f, "%" PRId64, k->i);
	}
	fputs("\": ", f);
}

static void json_hist(FILE *f, const struct out_map *m,
		      const struct out_entry *e, uint64_t div)
{
	__int128 min, max;
	bool has_min, has_max;
	uint64_t top;
	int lo, hi;

	out_nonzero_range(m, e, &lo, &hi, &top);
	fputc('[', f);
	for (int i = lo; i <= hi; i++) {
		out_slot_bounds(m, i, &min, &max, &has_min, &has_max);
		fputs(i > lo ? ", {" : "{", f);
		if (has_min) {
			fputs("\"min\": ", f);
			out_put_i128(f, min);
			fputs(", ", f);
		}
		if (has_max) {
			fputs("\"max\": ", f);
			out_put_i128(f, max);
			fputs(", ", f);
		}
		fprintf(f, "\"count\": %" PRIu64 "}", out_bucket(e, i) / div);
	}
	fputc(']', f);
}

static void json_value(FILE *f, const struct out_map *m,
		       const struct out_entry *e, uint64_t div)
{
	switch (m->kind) {
	case AGG_STR:
		if (e->json)
			fputs(e->json, f);
		else
			out_json_string(f, e->str);
		break;
	case AGG_HIST:
	case AGG_LHIST:
		json_hist(f, m, e, div);
		break;
	case AGG_STATS:
		fprintf(f, "{\"count\": %" PRIu64 ", \"average\": ", e->count);
		out_put_i128(f, out_average(e));
		fputs(", \"total\": ", f);
		out_put_i128(f, e->value);
		fputc('}', f);
		break;
	default:
		out_put_i128(f, out_number(m, e, div));
	}
}

static const char *json_type(const struct out_map *m)
{
	return out_is_hist(m) ? "hist" : out_is_stats(m) ? "stats" : "map";
}

/* One line ("map", "hist" or "stats" type); nothing for a map with no
 * entries. */
static void json_map(struct output *o, const struct out_map *m, int top, int div)
{
	FILE *f = o->f;
	uint64_t d = out_effective_div(m, div);
	bool keyed = m->nkey > 0;
	int n;
	struct out_item *items;

	if (m->nentries <= 0)
		return;
	items = out_shown_entries(m, top, &n);
	fprintf(f, "{\"type\": \"%s\", \"data\": {", json_type(m));
	out_json_string(f, m->name);
	fputs(keyed ? ": {" : ": ", f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		if (keyed && items[i].e->key)
			json_key(f, m, items[i].e);
		json_value(f, m, items[i].e, d);
	}
	fputs(keyed ? "}}}\n" : "}}\n", f);
	free(items);
}

/* bpftrace's object, plus a key of btctrace's own after "data" (readers
 * of bpftrace's schema ignore it): which program and version wrote the
 * stream. */
static void json_attached(struct output *o, int nprobes)
{
	fprintf(o->f, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}, "
		"\"btctrace_version\": \"%s\"}\n", nprobes, BTCTRACE_VERSION);
}

/* {"type": TYPE, "data": "TEXT"} */
static void json_text(FILE *f, const char *type, const char *text)
{
	fprintf(f, "{\"type\": \"%s\", \"data\": ", type);
	out_json_string(f, text);
	fputs("}\n", f);
}

static void json_printf(struct output *o, const char *text, size_t len)
{
	(void)len;
	json_text(o->f, "printf", text);
}

static void json_time(struct output *o, const char *text, size_t len)
{
	(void)len;
	json_text(o->f, "time", text);
}

/* print(value): a number stays a number, a tuple an array. */
static void json_print_value(struct output *o, const char *text, const char *json)
{
	fputs("{\"type\": \"value\", \"data\": ", o->f);
	if (json)
		fputs(json, o->f);
	else
		out_json_string(o->f, text);
	fputs("}\n", o->f);
}

static void json_lost(struct output *o, uint64_t events)
{
	fprintf(o->f, "{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64 "}}\n",
		events);
}

const struct output_ops output_json_ops = {
	.name = "json",
	.attached = json_attached,
	.printf_text = json_printf,
	.time_text = json_time,
	.value = json_print_value,
	.map = json_map,
	.lost = json_lost,
};
