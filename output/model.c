/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The map model's rules every sink follows: which entries print and in
 * what order, what top and div do, the slots of a histogram, its labels.
 *
 * Behaviour below that is not obvious was checked against a real
 * bpftrace 0.17 (see tests/unit/test_output.c for the captured output):
 * stats() ignores both top and div, avg() divides its average, hist()
 * divides the printed counts but draws bars from the raw ones, lhist()
 * ignores div. */
#include "output/model.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool out_is_hist(const struct out_map *m)
{
	return m->kind == AGG_HIST || m->kind == AGG_LHIST;
}

bool out_is_stats(const struct out_map *m)
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

void out_put_i128(FILE *f, __int128 v)
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

/* ------------------------------------------------------------- bounds */

void out_slot_bounds(const struct out_map *m, int slot, __int128 *min,
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
	if (slot == out_nslots(m) - 1) {
		*min = m->lmax;
		*has_max = false;
	}
}

/* ------------------------------------------------------------ sorting */

int out_nslots(const struct out_map *m)
{
	return m->kind == AGG_HIST ? HIST_SLOTS : lhist_nslots(m);
}

uint64_t out_bucket(const struct out_entry *e, int slot)
{
	return e->buckets ? e->buckets[slot] : 0;
}

__int128 out_average(const struct out_entry *e)
{
	return e->count ? e->value / (__int128)e->count : 0;
}

__int128 out_number(const struct out_map *m, const struct out_entry *e, uint64_t div)
{
	return (m->kind == AGG_AVG ? out_average(e) : e->value) / (__int128)div;
}

static __int128 entry_rank(const struct out_map *m, const struct out_entry *e)
{
	__int128 total = 0;

	if (out_is_stats(m))
		return out_average(e);
	if (!out_is_hist(m))
		return e->value;
	for (int i = 0; i < out_nslots(m); i++)
		total += out_bucket(e, i);
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
	const struct out_item *a = pa, *b = pb;

	if (a->m->kind == AGG_STR)
		return cmp_key(a->m, a->e, b->e, true);
	if (a->rank != b->rank)
		return CMP(a->rank, b->rank);
	return cmp_key(a->m, a->e, b->e, false);
}

struct out_item *out_shown_entries(const struct out_map *m, int top, int *n)
{
	size_t total = m->nentries > 0 && m->entries ? (size_t)m->nentries : 0;
	struct out_item *items = calloc(total ? total : 1, sizeof(*items));
	size_t first = 0;

	*n = 0;
	if (!items)
		return NULL;
	for (size_t i = 0; i < total; i++)
		items[i] = (struct out_item){ &m->entries[i], m, entry_rank(m, &m->entries[i]) };
	qsort(items, total, sizeof(*items), cmp_item);
	/* stats() ignores top in 0.17 (verified); everything else keeps the
	 * largest N. */
	if (top > 0 && total > (size_t)top && m->kind != AGG_STATS)
		first = total - (size_t)top;
	memmove(items, items + first, (total - first) * sizeof(*items));
	*n = (int)(total - first);
	return items;
}

uint64_t out_effective_div(const struct out_map *m, int div)
{
	if (div <= 1 || m->kind == AGG_STATS || m->kind == AGG_LHIST)
		return 1;
	return (uint64_t)div;
}

void out_nonzero_range(const struct out_map *m, const struct out_entry *e,
		       int *lo, int *hi, uint64_t *max)
{
	*lo = out_nslots(m);
	*hi = -1;
	*max = 0;
	for (int i = 0; i < out_nslots(m); i++) {
		uint64_t v = out_bucket(e, i);

		if (!v)
			continue;
		if (*lo > i)
			*lo = i;
		*hi = i;
		if (v > *max)
			*max = v;
	}
}

/* ------------------------------------------------------------- UTF-8 */

int out_utf8_len(const unsigned char *s)
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

void out_put_key_fields(FILE *f, const struct out_map *m, const struct out_entry *e)
{
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
}
