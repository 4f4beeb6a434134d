/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Everything btctrace prints on its results stream goes through one
 * interface, struct output: folded maps, printf()/time()/print(value)
 * records, the "Attaching N probes..." banner and the events lost.  A sink
 * implements struct output_ops: output/text.c prints bpftrace 0.17's text
 * layout byte for byte, output/json.c its JSON schema (as strict NDJSON:
 * one object per line).  Diagnostics are not results: they go through
 * lang/diag.h. */
#ifndef BTCTRACE_OUTPUT_H
#define BTCTRACE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/abi.h"
#include "lang/types.h"

/* ------------------------------------------------------ the map model */

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
	const char *str;	/* STR: the value's text */
	const char *json;	/* STR: its JSON when it is not a JSON string
				 * (a tuple: [1,"a"]); NULL otherwise */
};

struct out_map {
	const char *name;	/* with the '@': "@c", "@" for the anonymous map */
	enum agg_kind kind;
	bool value_unsigned;	/* INT/SUM/MIN/MAX of unsigned values */
	int nkey;		/* fields per key, 0 for a scalar map */
	int64_t lmin, lmax, lstep;	/* LHIST parameters */
	int nentries;
	struct out_entry *entries;	/* any order: printing sorts */
	/* What only metric sinks read (openmetrics.c); NULL when unknown:
	 * a label name per key field (NULL: key, key1, ...), the catalog's
	 * documentation and unit of the one probe argument feeding it. */
	const char *const *key_names;
	const char *help;
	const char *unit;
};

/* A counter of btctrace's own (events lost, maps full, reads failed),
 * one series per label value (label NULL: one series, values[0]). */
struct out_counter {
	const char *name;	/* "events_lost": metric sinks prefix it */
	const char *help;
	const char *label;	/* "map", "probe", or NULL */
	int n;
	const char *const *label_values;
	const uint64_t *values;
};

/* ------------------------------------------------------ the interface */

/* The sinks btctrace has, by index in output.c's table (-f NAME). */
enum out_format { FMT_TEXT, FMT_JSON, FMT_OPENMETRICS, FMT_PROMETHEUS };

/* Series a metric sink exports per map at most unless told otherwise. */
#define OUT_SERIES_LIMIT 10000

struct output;

/* One sink.  Every operation may be NULL: the sink ignores that kind of
 * result.  The order a session calls them in: attached; then printf_text,
 * time_text, value and map as probes send records; at exit exit_maps,
 * map for each map in name order, lost (only if events were lost), end. */
struct output_ops {
	const char *name;	/* what -f calls it: "text", "json" */
	/* All probes are attached ("Attaching N probes..."). */
	void (*attached)(struct output *o, int nprobes);
	/* A printf() record, formatted; len bytes of text. */
	void (*printf_text)(struct output *o, const char *text, size_t len);
	/* A time() record, as strftime() wrote it. */
	void (*time_text)(struct output *o, const char *text, size_t len);
	/* A print(value) record: the value's text without the newline that
	 * text output ends it with; json: the value as JSON when it is not
	 * a JSON string (an integer, a tuple), NULL when it is. */
	void (*value)(struct output *o, const char *text, const char *json);
	/* One map: print(@m, top, div) while tracing, and every map at exit
	 * (top 0 = all entries, div 0 or 1 = values as they are). */
	void (*map)(struct output *o, const struct out_map *m, int top, int div);
	/* Tracing has ended: the maps printed at exit follow. */
	void (*exit_maps)(struct output *o);
	/* At exit, the events the ring buffer dropped in the whole session
	 * (called only when there were any). */
	void (*lost)(struct output *o, uint64_t events);
	/* A counter of btctrace's own (metric sinks only). */
	void (*counter)(struct output *o, const struct out_counter *c);
	/* Nothing more follows. */
	void (*end)(struct output *o);
	/* Frees what the sink keeps in o->state. */
	void (*close)(struct output *o);
};

struct output {
	const struct output_ops *ops;
	FILE *f;		/* the results stream */
	void *state;		/* the sink's own, NULL until it sets it */
	int series_limit;	/* metric sinks: series per map at most */
	/* Where producers format a record's text (output_scratch()). */
	FILE *scratch;
	char *scratch_buf;
	size_t scratch_size;
};

/* A sink writing to f (stdout when NULL); NULL when out of memory or no
 * sink has that format.  output_free() does not close f. */
struct output *output_new(enum out_format fmt, FILE *f);
void output_free(struct output *o);

/* A JSON string literal, quotes included, with the escapes of the JSON
 * sink (bytes that are not UTF-8 become U+FFFD): for other JSON btctrace
 * writes, such as -l -f json, so there is one escaping. */
void out_json_string(FILE *f, const char *s);

/* The sink called name ("text", "json"), as an enum out_format, or -1. */
int output_format_by_name(const char *name);

/* Later results go to f. */
void output_set_stream(struct output *o, FILE *f);

/* The operations of o's sink, skipped when it has none. */
void output_attached(struct output *o, int nprobes);
void output_printf(struct output *o, const char *text, size_t len);
void output_time(struct output *o, const char *text, size_t len);
void output_value(struct output *o, const char *text, const char *json);
void output_map(struct output *o, const struct out_map *m, int top, int div);
void output_exit_maps(struct output *o);
void output_lost(struct output *o, uint64_t events);
void output_counter(struct output *o, const struct out_counter *c);
void output_end(struct output *o);
/* A metric sink exports at most limit series per map (the rest are
 * counted in a metric of their own); other sinks ignore it. */
void output_set_series_limit(struct output *o, int limit);
void output_flush(struct output *o);

/* An empty stream to format one record's text into, reused from record
 * to record (no allocation per printf() event); NULL when out of memory.
 * output_scratch_text() ends it and returns the text, NUL-terminated,
 * the caller's to change until the next output_scratch(). */
FILE *output_scratch(struct output *o);
char *output_scratch_text(struct output *o, size_t *len);

/* ------------------------------------------- helpers shared by sinks */

/* Tuples (output/tuple.c): text "(1, two)" and JSON [1,"two"] of the
 * tuple of type t at p.  An element neither integer, string nor tuple
 * prints as text(ctx, its type, its bytes), malloc'd (NULL: ""). */
struct out_value_text {
	char *(*text)(void *ctx, const struct type *t, const void *value);
	void *ctx;
};
void out_tuple_text(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt);
void out_tuple_json(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt);
/* Both, malloc'd: 0 or -ENOMEM. */
int out_tuple_strings(const struct type *t, const char *p, const struct out_value_text *vt,
		      char **text, char **json);

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
