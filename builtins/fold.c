/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Folders of the aggregations: one key's per-CPU values, as the kernel
 * map returns them, to the one entry output/ prints.  Sums are folded in
 * 128 bits, as they are kept. */
#include "lang/sema.h"
#include "output/output.h"
#include "builtins/internal.h"

/* CPU c's value: the kernel pads each to 8 bytes, `stride` apart. */
static const void *cpu_val(const void *vals, size_t stride, int cpu)
{
	return (const char *)vals + stride * cpu;
}

static __int128 i128(uint64_t lo, uint64_t hi)
{
	return (__int128)(((unsigned __int128)hi << 64) | lo);
}

void fold_count(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		struct out_entry *e)
{
	(void)m;
	e->value = 0;
	for (int c = 0; c < ncpu; c++) {
		const struct agg_count *v = cpu_val(vals, stride, c);
		e->value += v->n;
	}
}

void fold_sum(const struct map_info *m, const void *vals, int ncpu, size_t stride,
	      struct out_entry *e)
{
	(void)m;
	e->value = 0;
	for (int c = 0; c < ncpu; c++) {
		const struct agg_sum *v = cpu_val(vals, stride, c);
		e->value += i128(v->lo, v->hi);
	}
}

/* avg() and stats(): printing divides. */
void fold_avg(const struct map_info *m, const void *vals, int ncpu, size_t stride,
	      struct out_entry *e)
{
	(void)m;
	e->value = 0;
	e->count = 0;
	for (int c = 0; c < ncpu; c++) {
		const struct agg_avg *v = cpu_val(vals, stride, c);
		e->count += v->count;
		e->value += i128(v->lo, v->hi);
	}
}

/* CPUs that never saw the key hold no value (set == 0) and are skipped;
 * the value is signed unless the aggregated expression was unsigned. */
static void fold_minmax(const struct map_info *m, const void *vals, int ncpu, size_t stride,
			struct out_entry *e, bool is_max)
{
	bool have = false;
	for (int c = 0; c < ncpu; c++) {
		const struct agg_minmax *v = cpu_val(vals, stride, c);
		if (!v->set)
			continue;
		__int128 x = m->value_unsigned ? (__int128)v->v : (__int128)(int64_t)v->v;
		if (!have || (is_max ? x > e->value : x < e->value))
			e->value = x;
		have = true;
	}
	if (!have)
		e->value = 0;
}

void fold_min(const struct map_info *m, const void *vals, int ncpu, size_t stride,
	      struct out_entry *e)
{
	fold_minmax(m, vals, ncpu, stride, e, false);
}

void fold_max(const struct map_info *m, const void *vals, int ncpu, size_t stride,
	      struct out_entry *e)
{
	fold_minmax(m, vals, ncpu, stride, e, true);
}
