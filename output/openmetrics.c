/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The metric sinks: a script's maps as OpenMetrics 1.0 text
 * ("openmetrics") and as Prometheus's text format 0.0.4 ("prometheus"),
 * for --metrics, --metrics-file and -f.  Only maps and btctrace's own
 * counters are metrics: printf() and the other records are not.
 *
 * count() and sum() of unsigned values are counters; plain integers,
 * min(), max() and sums of signed values (which may fall) are gauges;
 * avg() and stats() are summaries (_count, _sum); hist() and lhist() are
 * histograms whose finite `le` bounds are the inclusive upper ends of the
 * buckets the text output prints (out_slot_bounds), cumulative, with +Inf,
 * _count and the exact _sum (each bucket also totals its values).  Maps of strings have no number to export and are left out.
 * Both formats name a counter's samples NAME_total, so the same PromQL
 * reads either. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/model.h"

/* Each map's family and how many of its series were left out, written
 * at the end. */
struct om_dropped {
	char *map, *family;
	uint64_t n;
};

struct om_state {
	struct om_dropped *dropped;
	int n, cap;
};

extern const struct output_ops output_openmetrics_ops;

/* OpenMetrics rather than Prometheus 0.0.4: # UNIT lines, # EOF. */
static bool is_openmetrics(const struct output *o)
{
	return o->ops == &output_openmetrics_ops;
}

/* [a-zA-Z0-9_] stays, anything else becomes '_'; a leading digit gets
 * a '_' before it. */
static void put_sanitised(FILE *f, const char *s)
{
	if (*s >= '0' && *s <= '9')
		fputc('_', f);
	for (; *s; s++) {
		bool ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_';
		fputc(ok ? *s : '_', f);
	}
}

/* s is suffix, or ends with _suffix. */
static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return !strcmp(s, suffix) || (n > k && s[n - k - 1] == '_' && !strcmp(s + n - k, suffix));
}

/* Units of time become Prometheus's base unit, seconds, the values
 * written exactly in decimal (n nanoseconds as n / 10^9): a linter of
 * Prometheus's refuses ns and us in a name.  Other units stay as the
 * catalog spells them. */
static const struct {
	const char *catalog, *metric;
	int decimals;
} unit_rules[] = {
	{ "ns", "seconds", 9 }, { "us", "seconds", 6 }, { "ms", "seconds", 3 },
	{ "s", "seconds", 0 }, { "unix_s", "seconds", 0 },
};

/* The unit a family is named and typed with, NULL for none; *decimals:
 * where the decimal point goes in its values. */
static const char *metric_unit(const struct out_map *m, int *decimals)
{
	*decimals = 0;
	if (!m->unit || !*m->unit)
		return NULL;
	for (size_t i = 0; i < sizeof(unit_rules) / sizeof(unit_rules[0]); i++)
		if (!strcmp(m->unit, unit_rules[i].catalog)) {
			*decimals = unit_rules[i].decimals;
			return unit_rules[i].metric;
		}
	return m->unit;
}

/* v / 10^decimals, exactly, without trailing zeros: 1500 with 3 is
 * "1.5", -1 with 9 "-0.000000001".  decimals <= 9; buf needs 48 bytes. */
static const char *scaled_text(char *buf, __int128 v, int decimals)
{
	char digits[48], frac[48];
	const char *d = out_i128(digits, v);
	bool neg = *d == '-';
	int n, lead, len;

	d += neg;
	n = (int)strlen(d);
	lead = n > decimals ? n - decimals : 0;
	/* the zeros after the point, then the digits after the integer part */
	len = snprintf(frac, sizeof(frac), "%.*s%s", decimals - (n - lead), "0000000000",
		       d + lead);
	while (len && frac[len - 1] == '0')
		frac[--len] = 0;
	sprintf(buf, "%s%.*s%s%s", neg ? "-" : "", lead ? lead : 1, lead ? d : "0",
		len ? "." : "", frac);
	return buf;
}

/* btctrace_<map>, with _<unit> after it when the catalog gives a unit
 * (OpenMetrics wants the unit as the name's suffix).  Caller frees. */
static char *family_name(const struct out_map *m)
{
	const char *map = m->name[0] == '@' ? m->name + 1 : m->name;
	int decimals;
	const char *unit = metric_unit(m, &decimals);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("btctrace_", f);
	put_sanitised(f, *map ? map : "anon");
	if (unit && !ends_with(map, unit)) {
		fputc('_', f);
		put_sanitised(f, unit);
	}
	fclose(f);
	return buf;
}

/* HELP text: backslash and newline escaped, and '"' in OpenMetrics. */
static void put_help(struct output *o, const char *family, const char *suffix,
		     const char *help)
{
	fprintf(o->f, "# HELP %s%s ", family, suffix);
	for (const char *s = help; *s; s++) {
		if (*s == '\\' || (*s == '"' && is_openmetrics(o)))
			fprintf(o->f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", o->f);
		else
			fputc(*s, o->f);
	}
	fputc('\n', o->f);
}

/* # HELP, # TYPE and # UNIT of a family.  0.0.4 names a counter's family
 * by its samples' name (NAME_total) and has no UNIT line. */
static void put_metadata(struct output *o, const char *family, const char *type,
			 const char *help, const char *unit)
{
	bool om = is_openmetrics(o);
	const char *total = !om && !strcmp(type, "counter") ? "_total" : "";

	put_help(o, family, total, help);
	fprintf(o->f, "# TYPE %s%s %s\n", family, total, type);
	if (om && unit && *unit) {
		fprintf(o->f, "# UNIT %s ", family);
		put_sanitised(o->f, unit);
		fputc('\n', o->f);
	}
}

static const char *agg_name(enum agg_kind kind)
{
	static const char *const names[] = {
		[AGG_INT] = "an integer", [AGG_STR] = "a string", [AGG_COUNT] = "count()",
		[AGG_SUM] = "sum()", [AGG_MIN] = "min()", [AGG_MAX] = "max()",
		[AGG_AVG] = "avg()", [AGG_STATS] = "stats()", [AGG_HIST] = "hist()",
		[AGG_LHIST] = "lhist()",
	};

	return (int)kind >= 0 && (size_t)kind < sizeof(names) / sizeof(names[0]) &&
	       names[kind] ? names[kind] : "a value";
}

/* The catalog's documentation of what feeds the map, else what the map
 * is: every family has a HELP line. */
static void put_map_metadata(struct output *o, const char *family, const char *type,
			     const struct out_map *m)
{
	char *own = NULL;
	int decimals;

	if ((!m->help || !*m->help) &&
	    asprintf(&own, "%s of the script's map %s", agg_name(m->kind), m->name) < 0)
		own = NULL;
	put_metadata(o, family, type, own ? own : m->help ? m->help : "",
		     metric_unit(m, &decimals));
	free(own);
}

/* A label value: backslash, '"' and newline escaped; bytes that are not
 * UTF-8 become U+FFFD (both formats are UTF-8). */
static void put_label_value(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		int n = *s >= 0x80 ? out_utf8_len(s) : 1;

		if (n == 0) {
			fputs("\xEF\xBF\xBD", f);
			n = 1;
		} else if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fwrite(s, 1, (size_t)n, f);
		s += n;
	}
}

/* Key field i's label name: the one the map was given, else key, key1,
 * key2 ... (also when the given one repeats an earlier field's). */
static void put_label_name(FILE *f, const struct out_map *m, int i)
{
	const char *name = m->key_names ? m->key_names[i] : NULL;

	for (int j = 0; name && j < i; j++)
		if (m->key_names[j] && !strcmp(m->key_names[j], name))
			name = NULL;
	if (name && *name && strcmp(name, "le") && strncmp(name, "__", 2))
		put_sanitised(f, name);
	else if (i == 0)
		fputs("key", f);
	else
		fprintf(f, "key%d", i);
}

/* {k="v",...} of an entry, with le="..." last for a bucket (NULL: none);
 * nothing for a scalar map's sample without le. */
static void put_labels(FILE *f, const struct out_map *m, const struct out_entry *e,
		       const char *le)
{
	if (!(m->nkey > 0 && e->key) && !le)
		return;
	fputc('{', f);
	for (int i = 0; m->nkey > 0 && e->key && i < m->nkey; i++) {
		const struct out_field *k = &e->key[i];

		if (i)
			fputc(',', f);
		put_label_name(f, m, i);
		fputs("=\"", f);
		if (k->kind == OUT_STR)
			put_label_value(f, k->s);
		else if (k->kind == OUT_UINT)
			fprintf(f, "%" PRIu64, (uint64_t)k->i);
		else
			fprintf(f, "%" PRId64, k->i);
		fputc('"', f);
	}
	if (le)
		fprintf(f, "%sle=\"%s\"", m->nkey > 0 && e->key ? "," : "", le);
	fputc('}', f);
}

/* NAME{labels} VALUE, the value v / 10^decimals */
static void put_sample(FILE *f, const char *family, const char *suffix,
		       const struct out_map *m, const struct out_entry *e, const char *le,
		       __int128 v, int decimals)
{
	char text[48];

	fprintf(f, "%s%s", family, suffix);
	put_labels(f, m, e, le);
	fprintf(f, " %s\n", scaled_text(text, v, decimals));
}

/* The printed buckets, cumulative, their bounds in the family's unit;
 * lhist's open last bucket is +Inf's. */
static void put_histogram(FILE *f, const char *family, const struct out_map *m,
			  const struct out_entry *e, int decimals)
{
	uint64_t total = 0, top;
	int lo, hi;

	out_nonzero_range(m, e, &lo, &hi, &top);
	for (int i = lo; i <= hi; i++) {
		__int128 min, max;
		bool has_min, has_max;
		char le[48];

		total += out_bucket(e, i);
		out_slot_bounds(m, i, &min, &max, &has_min, &has_max);
		if (!has_max)
			continue;
		put_sample(f, family, "_bucket", m, e, scaled_text(le, max, decimals), total, 0);
	}
	put_sample(f, family, "_bucket", m, e, "+Inf", total, 0);
	put_sample(f, family, "_count", m, e, NULL, total, 0);
	put_sample(f, family, "_sum", m, e, NULL, e->value, decimals);
}

static const char *metric_type(const struct out_map *m)
{
	if (out_is_hist(m))
		return "histogram";
	if (out_is_stats(m))
		return "summary";
	if (m->kind == AGG_COUNT || (m->kind == AGG_SUM && m->value_unsigned))
		return "counter";
	return "gauge";
}

static void put_entry(FILE *f, const char *family, const struct out_map *m,
		      const struct out_entry *e, const char *type)
{
	int decimals;

	metric_unit(m, &decimals);
	if (out_is_hist(m)) {
		put_histogram(f, family, m, e, decimals);
	} else if (out_is_stats(m)) {
		put_sample(f, family, "_count", m, e, NULL, e->count, 0);
		put_sample(f, family, "_sum", m, e, NULL, e->value, decimals);
	} else {
		put_sample(f, family, type[0] == 'c' ? "_total" : "", m, e, NULL, e->value,
			   decimals);
	}
}

/* The families btctrace's own counters use. */
static const char *const own_families[] = {
	"btctrace_events_lost", "btctrace_map_updates_dropped", "btctrace_reads_failed",
	"btctrace_series_dropped",
};

/* A family already written (two maps named alike once sanitised, or a
 * map named as one of btctrace's own) cannot be written twice. */
static bool family_taken(const struct output *o, const char *family)
{
	const struct om_state *st = o->state;

	for (size_t i = 0; i < sizeof(own_families) / sizeof(own_families[0]); i++)
		if (!strcmp(own_families[i], family))
			return true;
	for (int i = 0; st && i < st->n; i++)
		if (!strcmp(st->dropped[i].family, family))
			return true;
	return false;
}

static void remember_dropped(struct output *o, const char *map, const char *family,
			     uint64_t n)
{
	struct om_state *st = o->state;

	if (!st && !(st = o->state = calloc(1, sizeof(*st))))
		return;
	if (st->n == st->cap) {
		int cap = st->cap ? st->cap * 2 : 16;
		struct om_dropped *d = realloc(st->dropped, (size_t)cap * sizeof(*d));

		if (!d)
			return;
		st->dropped = d;
		st->cap = cap;
	}
	st->dropped[st->n].map = strdup(map);
	st->dropped[st->n].family = strdup(family);
	st->dropped[st->n++].n = n;
}

/* One map as one metric family.  top and div are the text output's and
 * do not apply: the series limit keeps the entries that rank highest.  A
 * map whose family is taken is left out whole, and counted. */
static void om_map(struct output *o, const struct out_map *m, int top, int div)
{
	const char *type = metric_type(m);
	char *family;
	struct out_item *items;
	int n, first = 0;

	(void)top, (void)div;
	if (m->kind == AGG_STR || !(family = family_name(m)))
		return;
	items = out_shown_entries(m, 0, &n);
	if (family_taken(o, family)) {
		remember_dropped(o, m->name, "", (uint64_t)n);
		first = n;
	} else {
		if (items && o->series_limit > 0 && n > o->series_limit)
			first = n - o->series_limit;
		remember_dropped(o, m->name, family, (uint64_t)first);
		put_map_metadata(o, family, type, m);
	}
	for (int i = first; items && i < n; i++)
		put_entry(o->f, family, m, items[i].e, type);
	free(items);
	free(family);
}

static void om_counter(struct output *o, const struct out_counter *c)
{
	char family[128];

	snprintf(family, sizeof(family), "btctrace_%s", c->name);	/* names of our own */
	put_metadata(o, family, "counter", c->help, NULL);
	for (int i = 0; i < c->n; i++) {
		fprintf(o->f, "%s_total", family);
		if (c->label) {
			fprintf(o->f, "{%s=\"", c->label);
			put_label_value(o->f, c->label_values[i]);
			fputs("\"}", o->f);
		}
		fprintf(o->f, " %" PRIu64 "\n", c->values[i]);
	}
}

/* The series left out, per map: a gauge, as it is of this scrape only. */
static void om_end(struct output *o)
{
	struct om_state *st = o->state;

	put_metadata(o, "btctrace_series_dropped", "gauge",
		     "series of a map left out: over the series limit, or its name taken", NULL);
	for (int i = 0; st && i < st->n; i++) {
		fputs("btctrace_series_dropped{map=\"", o->f);
		put_label_value(o->f, st->dropped[i].map);
		fprintf(o->f, "\"} %" PRIu64 "\n", st->dropped[i].n);
	}
	if (is_openmetrics(o))
		fputs("# EOF\n", o->f);
}

static void om_close(struct output *o)
{
	struct om_state *st = o->state;

	for (int i = 0; st && i < st->n; i++) {
		free(st->dropped[i].map);
		free(st->dropped[i].family);
	}
	if (st)
		free(st->dropped);
	free(st);
	o->state = NULL;
}

const struct output_ops output_openmetrics_ops = {
	.name = "openmetrics",
	.map = om_map,
	.counter = om_counter,
	.end = om_end,
	.close = om_close,
};

const struct output_ops output_prometheus_ops = {
	.name = "prometheus",
	.map = om_map,
	.counter = om_counter,
	.end = om_end,
	.close = om_close,
};
