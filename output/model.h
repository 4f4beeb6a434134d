/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every sink shares about printing a map: which entries show and in
 * what order, what div does, the slots of a histogram.  Internal to
 * output/: sinks include it, producers use output.h. */
#ifndef BTCTRACE_OUTPUT_MODEL_H
#define BTCTRACE_OUTPUT_MODEL_H

#include "output/output.h"

struct out_item {
	const struct out_entry *e;
	const struct out_map *m;
	__int128 rank;		/* what the map's entries are ordered by */
};

bool out_is_hist(const struct out_map *m);	/* hist or lhist */
bool out_is_stats(const struct out_map *m);	/* avg or stats */

/* Sorted entries, already cut to the top shown ones; caller frees. */
struct out_item *out_shown_entries(const struct out_map *m, int top, int *n);

/* What values are divided by: 1 where 0.17 ignores div (stats, lhist). */
uint64_t out_effective_div(const struct out_map *m, int div);

/* The printed number of an entry that is one number (not hist, stats or
 * str): avg's average, the value of the others, divided by div. */
__int128 out_number(const struct out_map *m, const struct out_entry *e, uint64_t div);
__int128 out_average(const struct out_entry *e);

/* Histogram slots: how many, one's count, the first and last non-zero
 * one (*lo > *hi when all are zero) and the largest count. */
int out_nslots(const struct out_map *m);
uint64_t out_bucket(const struct out_entry *e, int slot);
void out_nonzero_range(const struct out_map *m, const struct out_entry *e,
		       int *lo, int *hi, uint64_t *max);

void out_put_i128(FILE *f, __int128 v);
/* A key's fields as the text output writes them between [ and ]: "a, 7". */
void out_put_key_fields(FILE *f, const struct out_map *m, const struct out_entry *e);

/* Inclusive bounds of a histogram slot; has_min/has_max are false for the
 * open ends ((..., 0) has no minimum, lhist's [max, ...) no maximum). */
void out_slot_bounds(const struct out_map *m, int slot, __int128 *min,
		     __int128 *max, bool *has_min, bool *has_max);

/* Length of the valid UTF-8 sequence at s (2..4), or 0. */
int out_utf8_len(const unsigned char *s);

#endif
