/* Printing of folded maps, byte for byte in bpftrace 0.17's layout (text)
 * and in its JSON schema (as strict NDJSON: one object per line). */
#ifndef BTCTRACE_OUTPUT_H
#define BTCTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/abi.h"

enum out_field_kind { OUT_INT, OUT_UINT, OUT_STR };

struct out_field {
	enum out_field_kind kind;
	int64_t i;		/* OUT_INT; OUT_UINT reads it as uint64_t */
	const char *s;		/* OUT_STR: printed as is, no quotes */
};

struct out_entry {
	struct out_field *key;	/* nkey fields; NULL for a scalar map */
	__int128 value;		/* INT COUNT SUM MIN MAX; AVG/STATS: total */
	uint64_t count;		/* AVG STATS: number of samples */
	uint64_t *buckets;	/* HIST: HIST_SLOTS; LHIST: lhist_slots() */
	const char *str;	/* STR */
};

struct out_map {
	const char *name;	/* with the '@': "@c", "@" for the anonymous map */
	enum agg_kind kind;
	bool value_unsigned;	/* INT/SUM/MIN/MAX of unsigned values */
	int nkey;		/* fields per key, 0 for a scalar map */
	int64_t lmin, lmax, lstep;	/* LHIST parameters */
	int nentries;
	struct out_entry *entries;	/* any order: printing sorts */
};

/* Text, as bpftrace 0.17 prints one map at exit or on print(@m, top, div)
 * (top 0 = all entries, div 0 or 1 = values as they are). */
void out_print_map_text(FILE *f, const struct out_map *m, int top, int div);

/* One JSON line ("map", "hist" or "stats" type) for the map, ending in
 * '\n'; nothing for a map with no entries. */
void out_print_map_json(FILE *f, const struct out_map *m, int top, int div);

/* A JSON string literal, quotes included, escaped as bpftrace does. */
void out_json_string(FILE *f, const char *s);

/* Labels as bpftrace writes them: "[4, 8)", "[1K, 2K)", "(..., 0)", ... */
void out_hist_label(char *buf, size_t len, int slot);
void out_lhist_label(char *buf, size_t len, int slot, int64_t min, int64_t max,
		     int64_t step);

/* Decimal text of a 128-bit value (sums that overflow 64 bits print
 * exactly instead of wrapping). buf needs 41 bytes. */
const char *out_i128(char *buf, __int128 v);

/* true when the value does not fit the map's 64-bit printed type. */
bool out_value_overflows(const struct out_map *m, __int128 v);

#endif
