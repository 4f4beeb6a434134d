/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The --live screen's layout (output/live.h): one row per map entry (per
 * non-empty bucket for histograms), counters and values sorted largest
 * first as top sorts processes, histograms in bucket order; each map gets
 * its share of the window and says how many rows it could not show. */
#include "output/live.h"
#include "output/model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct live_row {
	int map;		/* index in the frame's maps */
	char *key;		/* the entry's key, "" for a scalar map */
	char *label;		/* a histogram bucket's label, else NULL */
	int order;		/* the bucket's slot */
	char *value;		/* as printed */
	__int128 raw;		/* what a rate is taken of */
	double sortv;
};

struct live_map {
	char *name;
	enum agg_kind kind;
	int nentries;
};

struct live_prev {
	char *id;		/* "@map\x1fkey" */
	__int128 v;
};

struct live_screen {
	struct live_row *rows;
	int nrows, rows_cap;
	struct live_map *maps;
	int nmaps, maps_cap;
	struct live_prev *prev;	/* the last frame drawn, sorted by id */
	int nprev;
	uint64_t now_ns, prev_ns;
};

static const char *const kind_names[] = {
	[AGG_INT] = "value", [AGG_STR] = "string", [AGG_COUNT] = "count",
	[AGG_SUM] = "sum", [AGG_MIN] = "min", [AGG_MAX] = "max", [AGG_AVG] = "avg",
	[AGG_STATS] = "stats", [AGG_HIST] = "hist", [AGG_LHIST] = "lhist",
};

/* Only these grow by the second: a rate of them means something. */
static bool has_rate(enum agg_kind k)
{
	return k == AGG_COUNT || k == AGG_SUM;
}

struct live_screen *live_screen_new(void)
{
	return calloc(1, sizeof(struct live_screen));
}

static void clear_frame(struct live_screen *ls)
{
	for (int i = 0; i < ls->nrows; i++) {
		free(ls->rows[i].key);
		free(ls->rows[i].label);
		free(ls->rows[i].value);
	}
	for (int i = 0; i < ls->nmaps; i++)
		free(ls->maps[i].name);
	ls->nrows = ls->nmaps = 0;
}

static void clear_prev(struct live_screen *ls)
{
	for (int i = 0; i < ls->nprev; i++)
		free(ls->prev[i].id);
	free(ls->prev);
	ls->prev = NULL;
	ls->nprev = 0;
}

void live_screen_free(struct live_screen *ls)
{
	if (!ls)
		return;
	clear_frame(ls);
	clear_prev(ls);
	free(ls->rows);
	free(ls->maps);
	free(ls);
}

void live_frame_begin(struct live_screen *ls, uint64_t now_ns)
{
	clear_frame(ls);
	ls->now_ns = now_ns;
}

static char *key_text(const struct out_map *m, const struct out_entry *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	out_put_key_fields(f, m, e);
	return fclose(f) ? NULL : buf;
}

static struct live_row *new_row(struct live_screen *ls)
{
	if (ls->nrows == ls->rows_cap) {
		int cap = ls->rows_cap ? 2 * ls->rows_cap : 64;
		struct live_row *r = realloc(ls->rows, (size_t)cap * sizeof(*r));

		if (!r)
			return NULL;
		ls->rows = r;
		ls->rows_cap = cap;
	}
	struct live_row *r = &ls->rows[ls->nrows++];
	memset(r, 0, sizeof(*r));
	r->map = ls->nmaps - 1;
	return r;
}

/* One row per bucket that holds samples. */
static int add_buckets(struct live_screen *ls, const struct out_map *m,
		       const struct out_entry *e, const char *key)
{
	int n = m->kind == AGG_HIST ? HIST_SLOTS : lhist_slots(m->lmin, m->lmax, m->lstep);
	char label[64];

	for (int i = 0; i < n; i++) {
		if (!e->buckets[i])
			continue;
		struct live_row *r = new_row(ls);
		if (!r)
			return -ENOMEM;
		if (m->kind == AGG_HIST)
			out_hist_label(label, sizeof(label), i);
		else
			out_lhist_label(label, sizeof(label), i, m->lmin, m->lmax, m->lstep);
		r->key = strdup(key);
		r->label = strdup(label);
		r->order = i;
		r->raw = e->buckets[i];
		if (asprintf(&r->value, "%llu", (unsigned long long)e->buckets[i]) < 0)
			r->value = NULL;
		if (!r->key || !r->label || !r->value)
			return -ENOMEM;
	}
	return 0;
}

/* The entry's value as printed, and what it sorts by. */
static char *value_text(const struct out_map *m, const struct out_entry *e, double *sortv)
{
	char num[48], total[48], *s = NULL;
	__int128 avg = e->count ? e->value / (__int128)e->count : 0;

	switch (m->kind) {
	case AGG_STR:
		*sortv = 0;
		return strdup(e->str ? e->str : "");
	case AGG_AVG:
		*sortv = (double)avg;
		return strdup(out_i128(num, avg));
	case AGG_STATS:
		*sortv = (double)avg;
		if (asprintf(&s, "count %llu, average %s, total %s",
			     (unsigned long long)e->count, out_i128(num, avg),
			     out_i128(total, e->value)) < 0)
			return NULL;
		return s;
	default:
		*sortv = (double)e->value;
		if (m->value_unsigned && e->value >= 0)
			*sortv = (double)(unsigned __int128)e->value;
		return strdup(out_i128(num, e->value));
	}
}

int live_frame_map(struct live_screen *ls, const struct out_map *m)
{
	if (ls->nmaps == ls->maps_cap) {
		int cap = ls->maps_cap ? 2 * ls->maps_cap : 16;
		struct live_map *v = realloc(ls->maps, (size_t)cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ls->maps = v;
		ls->maps_cap = cap;
	}
	struct live_map *lm = &ls->maps[ls->nmaps++];
	lm->kind = m->kind;
	lm->nentries = m->nentries;
	if (!(lm->name = strdup(m->name)))
		return -ENOMEM;
	for (int i = 0; i < m->nentries; i++) {
		const struct out_entry *e = &m->entries[i];
		char *key = key_text(m, e);
		int rc = 0;

		if (!key)
			return -ENOMEM;
		if (m->kind == AGG_HIST || m->kind == AGG_LHIST) {
			rc = add_buckets(ls, m, e, key);
		} else {
			struct live_row *r = new_row(ls);
			if (!r || !(r->value = value_text(m, e, &r->sortv)))
				rc = -ENOMEM;
			else
				r->key = strdup(key), r->raw = e->value;
		}
		free(key);
		if (rc)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ drawing */

static int by_place(const void *a, const void *b, void *ctx)
{
	const struct live_row *x = a, *y = b;
	const struct live_screen *ls = ctx;

	if (x->map != y->map)
		return x->map - y->map;
	enum agg_kind k = ls->maps[x->map].kind;
	if (k != AGG_HIST && k != AGG_LHIST && k != AGG_STR && x->sortv != y->sortv)
		return x->sortv < y->sortv ? 1 : -1;
	int c = strcmp(x->key ? x->key : "", y->key ? y->key : "");
	return c ? c : x->order - y->order;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct live_prev *)a)->id, ((const struct live_prev *)b)->id);
}

static char *row_id(const struct live_screen *ls, const struct live_row *r)
{
	char *id;

	if (asprintf(&id, "%s\x1f%s\x1f%s", ls->maps[r->map].name, r->key ? r->key : "",
		     r->label ? r->label : "") < 0)
		return NULL;
	return id;
}

/* Per second since the frame before; false on the first frame. */
static bool row_rate(const struct live_screen *ls, const struct live_row *r, double *rate)
{
	if (!ls->prev_ns || ls->now_ns <= ls->prev_ns)
		return false;
	struct live_prev key = { row_id(ls, r), 0 };
	if (!key.id)
		return false;
	struct live_prev *p = bsearch(&key, ls->prev, (size_t)ls->nprev, sizeof(key), by_id);
	free(key.id);
	double dv = (double)(r->raw - (p ? p->v : 0));
	*rate = dv * 1e9 / (double)(ls->now_ns - ls->prev_ns);
	return true;
}

/* This frame becomes the one the next rates are measured against. */
static void keep_as_prev(struct live_screen *ls)
{
	clear_prev(ls);
	ls->prev = calloc((size_t)ls->nrows + 1, sizeof(*ls->prev));
	if (!ls->prev)
		return;
	for (int i = 0; i < ls->nrows; i++) {
		if (!has_rate(ls->maps[ls->rows[i].map].kind))
			continue;
		struct live_prev *p = &ls->prev[ls->nprev];
		if (!(p->id = row_id(ls, &ls->rows[i])))
			continue;
		p->v = ls->rows[i].raw;
		ls->nprev++;
	}
	qsort(ls->prev, (size_t)ls->nprev, sizeof(*ls->prev), by_id);
	ls->prev_ns = ls->now_ns;
}

/* One screen line, cut to the window's width, cleared to its end. */
static void put_line(FILE *f, int cols, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (cols > 0 && cols < (int)sizeof(buf))
		buf[cols] = 0;
	fprintf(f, "%s\033[K\n", buf);
}

static void put_header(FILE *f, int cols, const struct live_header *h)
{
	uint64_t s = h->uptime_s;

	put_line(f, cols, "up %llu:%02llu:%02llu  every %gs  lost %llu events, %llu map "
		 "updates  %s", (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
		 (unsigned long long)(s % 60), h->every_ms / 1000.0,
		 (unsigned long long)h->lost_events, (unsigned long long)h->lost_updates,
		 h->target);
}

static void put_row(FILE *f, int cols, const struct live_screen *ls, const struct live_row *r,
		    int keyw, int valw)
{
	char key[512], rate_text[48] = "";
	double rate = 0;

	snprintf(key, sizeof(key), "%s%s%s", r->key, r->key[0] && r->label ? " " : "",
		 r->label ? r->label : "");
	if (has_rate(ls->maps[r->map].kind)) {
		bool known = row_rate(ls, r, &rate);

		if (known)
			snprintf(rate_text, sizeof(rate_text), " %12.1f/s", rate);
		else
			snprintf(rate_text, sizeof(rate_text), " %14s", "-");
	}
	put_line(f, cols, "  %-*.*s %*s%s", keyw, keyw, key, valw, r->value, rate_text);
}

/* Rows from *first belonging to map i, drawn in at most budget lines
 * (its title included); returns the lines drawn. */
static int put_map(FILE *f, int cols, const struct live_screen *ls, int i, int *first, int budget)
{
	int end = *first, keyw = 3, valw = 5;

	while (end < ls->nrows && ls->rows[end].map == i)
		end++;
	for (int r = *first; r < end; r++) {
		int kl = (int)strlen(ls->rows[r].key) + (ls->rows[r].label ? 1 + (int)strlen(
			ls->rows[r].label) : 0);
		int vl = (int)strlen(ls->rows[r].value);
		keyw = kl > keyw ? kl : keyw;
		valw = vl > valw ? vl : valw;
	}
	if (keyw > cols / 2)
		keyw = cols / 2;
	int n = end - *first, shown = n < budget - 1 ? n : budget - 1;
	shown = shown < 0 ? 0 : shown;
	put_line(f, cols, "%s  %s, %d entr%s%s%.0d", ls->maps[i].name, kind_names[ls->maps[i].kind],
		 ls->maps[i].nentries, ls->maps[i].nentries == 1 ? "y" : "ies",
		 shown < n ? ", rows not shown: " : "", shown < n ? n - shown : 0);
	for (int r = *first; r < *first + shown; r++)
		put_row(f, cols, ls, &ls->rows[r], keyw, valw);
	*first = end;
	return 1 + shown;
}

void live_frame_draw(struct live_screen *ls, FILE *f, const struct live_header *h,
		     int rows, int cols, const char *const *log, int nlog)
{
	int logn = nlog < rows / 4 ? nlog : rows / 4;
	/* The last line stays empty: writing it would scroll the screen. */
	int left = rows - 1 - 2 - (logn ? logn + 1 : 0), first = 0;

	qsort_r(ls->rows, (size_t)ls->nrows, sizeof(*ls->rows), by_place, ls);
	fputs("\033[H", f);
	put_header(f, cols, h);
	put_line(f, cols, "");
	for (int i = 0; i < ls->nmaps && left > 0; i++) {
		int budget = left / (ls->nmaps - i);
		left -= put_map(f, cols, ls, i, &first, budget < 1 ? 1 : budget);
	}
	if (logn) {
		put_line(f, cols, "-- printf, last %d line%s --", logn, logn == 1 ? "" : "s");
		for (int i = nlog - logn; i < nlog; i++)
			put_line(f, cols, "%s", log[i]);
	}
	fputs("\033[J", f);
	fflush(f);
	keep_as_prev(ls);
}
