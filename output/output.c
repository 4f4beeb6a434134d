/* Printing of folded maps in bpftrace 0.17's text layout and JSON schema.
 *
 * Behaviour below that is not obvious was checked against a real
 * bpftrace 0.17 (see tests/unit/test_output.c for the captured output):
 * stats() ignores both top and div, avg() divides its average, hist()
 * divides the printed counts but draws bars from the raw ones, lhist()
 * ignores div, and a map without entries still prints its trailing
 * newline(s) in text but nothing in JSON. */
#include "output/output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BAR_WIDTH 52

static const char bar_chars[BAR_WIDTH + 1] =
	"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";

static bool is_hist(const struct out_map *m)
{
	return m->kind == AGG_HIST || m->kind == AGG_LHIST;
}

static bool is_stats(const struct out_map *m)
{
	return m->kind == AGG_AVG || m->kind == AGG_STATS;
}

/* ------------------------------------------------------------ numbers */

const char *out_i128(char *buf, __int128 v)
{
	/* Negating through the unsigned type keeps INT128_MIN defined. */
	unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
	char digits[40];
	int n = 0;
	char *p = buf;

	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = digits[--n];
	*p = '\0';
	return buf;
}

static void put_i128(FILE *f, __int128 v)
{
	char buf[41];

	fputs(out_i128(buf, v), f);
}

bool out_value_overflows(const struct out_map *m, __int128 v)
{
	/* count() is unsigned in bpftrace whatever the map says. */
	if (m->value_unsigned || m->kind == AGG_COUNT)
		return v < 0 || v > (__int128)UINT64_MAX;
	return v < INT64_MIN || v > INT64_MAX;
}

/* ------------------------------------------------------------- labels */

/* 2^power with 1024-step suffixes: 512, 1K, 2K, ..., 1M, ..., 8E, 16E. */
static void pow2_label(char *buf, size_t len, int power)
{
	static const char suffix[] = "\0KMGTPE";
	int unit = power / 10;

	if (unit > 6)
		unit = 6;
	if (unit)
		snprintf(buf, len, "%llu%c", 1ULL << (power - unit * 10),
			 suffix[unit]);
	else
		snprintf(buf, len, "%llu", 1ULL << power);
}

void out_hist_label(char *buf, size_t len, int slot)
{
	char lo[24], hi[24];

	if (slot == 0)
		snprintf(buf, len, "(..., 0)");
	else if (slot == 1)
		snprintf(buf, len, "[0]");
	else if (slot == 2)
		snprintf(buf, len, "[1]");
	else if (slot < HIST_SLOTS) {
		pow2_label(lo, sizeof(lo), slot - 2);
		pow2_label(hi, sizeof(hi), slot - 1);
		snprintf(buf, len, "[%s, %s)", lo, hi);
	} else
		snprintf(buf, len, "?");
}

/* 0.17 abbreviates any exact multiple of 1M or 1K, whatever the other
 * bounds are (so 1G prints as 1024M); zero stays "0". */
static void lhist_bound(char *buf, size_t len, __int128 n)
{
	char num[41];

	if (n != 0 && n % 1048576 == 0)
		snprintf(buf, len, "%sM", out_i128(num, n / 1048576));
	else if (n != 0 && n % 1024 == 0)
		snprintf(buf, len, "%sK", out_i128(num, n / 1024));
	else
		snprintf(buf, len, "%s", out_i128(num, n));
}

static int lhist_nslots(const struct out_map *m)
{
	if (m->lstep <= 0 || m->lmax < m->lmin)
		return 0;
	return lhist_slots(m->lmin, m->lmax, m->lstep);
}

void out_lhist_label(char *buf, size_t len, int slot, int64_t min, int64_t max,
		     int64_t step)
{
	char lo[48], hi[48];
	int last = step > 0 && max >= min ? lhist_slots(min, max, step) - 1 : 1;

	if (slot <= 0) {
		lhist_bound(lo, sizeof(lo), min);
		snprintf(buf, len, "(..., %s)", lo);
	} else if (slot >= last) {
		lhist_bound(lo, sizeof(lo), max);
		snprintf(buf, len, "[%s, ...)", lo);
	} else {
		lhist_bound(lo, sizeof(lo), min + (__int128)(slot - 1) * step);
		lhist_bound(hi, sizeof(hi), min + (__int128)slot * step);
		snprintf(buf, len, "[%s, %s)", lo, hi);
	}
}

/* ------------------------------------------------------------ sorting */

struct item {
	const struct out_entry *e;
	const struct out_map *m;
	__int128 rank;		/* what the map's entries are ordered by */
};

static int nslots(const struct out_map *m)
{
	return m->kind == AGG_HIST ? HIST_SLOTS : lhist_nslots(m);
}

static uint64_t bucket(const struct out_entry *e, int slot)
{
	return e->buckets ? e->buckets[slot] : 0;
}

static __int128 average(const struct out_entry *e)
{
	return e->count ? e->value / (__int128)e->count : 0;
}

static __int128 entry_rank(const struct out_map *m, const struct out_entry *e)
{
	__int128 total = 0;

	if (is_stats(m))
		return average(e);
	if (!is_hist(m))
		return e->value;
	for (int i = 0; i < nslots(m); i++)
		total += bucket(e, i);
	return total;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* by_bits: compare signed ints by their 64-bit pattern, as 0.17 orders
 * the keys of maps it sorts by key ([1] before [-1], verified). */
static int cmp_field(const struct out_field *a, const struct out_field *b,
		     bool by_bits)
{
	if (a->kind != b->kind)
		return CMP(a->kind, b->kind);
	if (a->kind == OUT_STR)
		return strcmp(a->s ? a->s : "", b->s ? b->s : "");
	if (a->kind == OUT_UINT || by_bits)
		return CMP((uint64_t)a->i, (uint64_t)b->i);
	return CMP(a->i, b->i);
}

static int cmp_key(const struct out_map *m, const struct out_entry *a,
		   const struct out_entry *b, bool by_bits)
{
	for (int i = 0; i < m->nkey && a->key && b->key; i++) {
		int c = cmp_field(&a->key[i], &b->key[i], by_bits);

		if (c)
			return c;
	}
	return 0;
}

/* bpftrace leaves the order of equal values unspecified: break ties by
 * key so that output is reproducible. */
static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = pa, *b = pb;

	if (a->m->kind == AGG_STR)
		return cmp_key(a->m, a->e, b->e, true);
	if (a->rank != b->rank)
		return CMP(a->rank, b->rank);
	return cmp_key(a->m, a->e, b->e, false);
}

/* Sorted entries, already cut to the shown ones; caller frees. */
static struct item *shown_entries(const struct out_map *m, int top, int *n)
{
	size_t total = m->nentries > 0 && m->entries ? (size_t)m->nentries : 0;
	struct item *items = calloc(total ? total : 1, sizeof(*items));
	size_t first = 0;

	*n = 0;
	if (!items)
		return NULL;
	for (size_t i = 0; i < total; i++)
		items[i] = (struct item){ &m->entries[i], m, entry_rank(m, &m->entries[i]) };
	qsort(items, total, sizeof(*items), cmp_item);
	/* stats() ignores top in 0.17 (verified); everything else keeps the
	 * largest N. */
	if (top > 0 && total > (size_t)top && m->kind != AGG_STATS)
		first = total - (size_t)top;
	memmove(items, items + first, (total - first) * sizeof(*items));
	*n = (int)(total - first);
	return items;
}

/* stats() and lhist() ignore div in 0.17 (verified). */
static uint64_t effective_div(const struct out_map *m, int div)
{
	if (div <= 1 || m->kind == AGG_STATS || m->kind == AGG_LHIST)
		return 1;
	return (uint64_t)div;
}

/* First and last non-zero slot; *lo > *hi when all are zero. */
static void nonzero_range(const struct out_map *m, const struct out_entry *e,
			  int *lo, int *hi, uint64_t *max)
{
	*lo = nslots(m);
	*hi = -1;
	*max = 0;
	for (int i = 0; i < nslots(m); i++) {
		uint64_t v = bucket(e, i);

		if (!v)
			continue;
		if (*lo > i)
			*lo = i;
		*hi = i;
		if (v > *max)
			*max = v;
	}
}

/* --------------------------------------------------------------- text */

static void text_key(FILE *f, const struct out_map *m, const struct out_entry *e)
{
	fputs(m->name, f);
	if (m->nkey <= 0 || !e->key)
		return;
	fputc('[', f);
	for (int i = 0; i < m->nkey; i++) {
		const struct out_field *k = &e->key[i];

		if (i)
			fputs(", ", f);
		if (k->kind == OUT_STR)
			fputs(k->s ? k->s : "", f);
		else if (k->kind == OUT_UINT)
			fprintf(f, "%" PRIu64, (uint64_t)k->i);
		else
			fprintf(f, "%" PRId64, k->i);
	}
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

	nonzero_range(m, e, &lo, &hi, &max);
	for (int i = lo; i <= hi; i++) {
		if (m->kind == AGG_HIST)
			out_hist_label(label, sizeof(label), i);
		else
			out_lhist_label(label, sizeof(label), i, m->lmin,
					m->lmax, m->lstep);
		text_bucket(f, label, bucket(e, i) / div, bucket(e, i), max);
	}
}

static void text_value(FILE *f, const struct out_map *m,
		       const struct out_entry *e, uint64_t div)
{
	switch (m->kind) {
	case AGG_STR:
		fputs(e->str ? e->str : "", f);
		break;
	case AGG_AVG:
		put_i128(f, average(e) / (__int128)div);
		break;
	case AGG_STATS:
		fprintf(f, "count %" PRIu64 ", average ", e->count);
		put_i128(f, average(e));
		fputs(", total ", f);
		put_i128(f, e->value);
		break;
	default:
		put_i128(f, e->value / (__int128)div);
	}
}

void out_print_map_text(FILE *f, const struct out_map *m, int top, int div)
{
	uint64_t d = effective_div(m, div);
	int n;
	struct item *items = shown_entries(m, top, &n);

	for (int i = 0; i < n; i++) {
		text_key(f, m, items[i].e);
		fputs(": ", f);
		if (is_hist(m)) {
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
	if (is_stats(m))
		fputc('\n', f);
	free(items);
}

/* --------------------------------------------------------------- JSON */

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	int n;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	/* overlong forms, UTF-16 surrogates and values above U+10FFFF */
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* bpftrace's escapes for ASCII; bytes that are not valid UTF-8 become
 * U+FFFD so that every line stays strict JSON (0.17 emits garbage). */
static void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		int n = *s >= 0x80 ? utf8_len(s) : 1;

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

/* Inclusive bounds of a slot; has_min/has_max are false for the open
 * ends, which 0.17 writes without that field. */
static void slot_bounds(const struct out_map *m, int slot, __int128 *min,
			__int128 *max, bool *has_min, bool *has_max)
{
	*has_min = slot > 0;
	*has_max = true;
	if (m->kind == AGG_HIST) {
		*min = slot <= 1 ? 0 : (__int128)1 << (slot - 2);
		*max = slot == 0 ? -1 : slot <= 2 ? *min
			: ((__int128)1 << (slot - 1)) - 1;
		return;
	}
	*min = m->lmin + (__int128)(slot - 1) * m->lstep;
	*max = *min + m->lstep - 1;
	if (slot == 0)
		*max = (__int128)m->lmin - 1;
	if (slot == nslots(m) - 1) {
		*min = m->lmax;
		*has_max = false;
	}
}

static void json_hist(FILE *f, const struct out_map *m,
		      const struct out_entry *e, uint64_t div)
{
	__int128 min, max;
	bool has_min, has_max;
	uint64_t top;
	int lo, hi;

	nonzero_range(m, e, &lo, &hi, &top);
	fputc('[', f);
	for (int i = lo; i <= hi; i++) {
		slot_bounds(m, i, &min, &max, &has_min, &has_max);
		fputs(i > lo ? ", {" : "{", f);
		if (has_min) {
			fputs("\"min\": ", f);
			put_i128(f, min);
			fputs(", ", f);
		}
		if (has_max) {
			fputs("\"max\": ", f);
			put_i128(f, max);
			fputs(", ", f);
		}
		fprintf(f, "\"count\": %" PRIu64 "}", bucket(e, i) / div);
	}
	fputc(']', f);
}

static void json_value(FILE *f, const struct out_map *m,
		       const struct out_entry *e, uint64_t div)
{
	switch (m->kind) {
	case AGG_STR:
		out_json_string(f, e->str);
		break;
	case AGG_HIST:
	case AGG_LHIST:
		json_hist(f, m, e, div);
		break;
	case AGG_STATS:
		fprintf(f, "{\"count\": %" PRIu64 ", \"average\": ", e->count);
		put_i128(f, average(e));
		fputs(", \"total\": ", f);
		put_i128(f, e->value);
		fputc('}', f);
		break;
	default:
		text_value(f, m, e, div);
	}
}

static const char *json_type(const struct out_map *m)
{
	return is_hist(m) ? "hist" : is_stats(m) ? "stats" : "map";
}

void out_print_map_json(FILE *f, const struct out_map *m, int top, int div)
{
	uint64_t d = effective_div(m, div);
	bool keyed = m->nkey > 0;
	int n;
	struct item *items;

	if (m->nentries <= 0)
		return;
	items = shown_entries(m, top, &n);
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
