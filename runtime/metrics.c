/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's maps as metrics: what the script says about each map (its
 * keys' names, the catalog's documentation and unit of the argument that
 * feeds it), the maps read at the moment of asking, and btctrace's own
 * counters of what was lost.  Written through the metric sinks of
 * output/openmetrics.c. */
#include "runtime/metrics_internal.h"
#include "runtime/stacks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------- what the script says */

/* A key expression's label name: args.NAME's NAME, a builtin's name
 * (pid, comm, ...), else none. */
static const char *key_expr_name(const struct node *k)
{
	if (k->kind == N_ARG && k->typed && k->name)
		return k->name;
	if (k->kind == N_BUILTIN && k->name)
		return k->name;
	return NULL;
}

static void note_keys(struct map_meta *mm, const struct node *map)
{
	int i = 0;

	for (const struct node *k = map->args; k && i < MAX_MAP_KEYS; k = k->next, i++) {
		const char *name = key_expr_name(k);

		if (!mm->keys_seen)
			mm->key_names[i] = name;
		else if (!name || !mm->key_names[i] || strcmp(name, mm->key_names[i]))
			mm->key_names[i] = NULL;	/* uses disagree: key, key1 ... */
	}
	mm->keys_seen = true;
}

/* The catalog's declaration of argument `name` at attach point ap. */
static const struct decl_arg *decl_arg_of(const struct attach_point *ap, const char *name)
{
	const struct tp_decl *d = ap->sig ? ap->sig->decl : NULL;

	for (int i = 0; d && i < d->nargs; i++)
		if (d->args[i].name && !strcmp(d->args[i].name, name))
			return &d->args[i];
	return NULL;
}

/* What feeds the map: an args.NAME value or an aggregation's first
 * argument when it is one.  More than one argument, or anything else,
 * makes the documentation unknown. */
static void note_feed(struct map_meta *mm, const struct probe *p, const struct node *rhs)
{
	const struct node *v = rhs;

	if (v && v->kind == N_CALL && v->builtin)
		v = v->args;
	if (!v || v->kind != N_ARG || !v->typed || !v->name) {
		mm->mixed |= rhs && rhs->kind != N_CALL;
		return;
	}
	for (const struct attach_point *ap = p->points; ap; ap = ap->next) {
		const struct decl_arg *a = ap->kind == ATTACH_USDT ? decl_arg_of(ap, v->name) : NULL;

		if (!a || (mm->fed && (!mm->arg->doc || !a->doc || strcmp(mm->arg->doc, a->doc))))
			mm->mixed = true;
		else
			mm->arg = a;
		mm->fed = true;
	}
}

static void note_stmts(struct metrics *mx, const struct probe *p, const struct node *n)
{
	for (; n; n = n->next) {
		const struct node *map = n->kind == N_ASSIGN_MAP ? n->map
			: n->kind == N_INCDEC ? n->lhs
			: n->kind == N_EXPR_STMT && n->lhs && n->lhs->kind == N_INCDEC ? n->lhs->lhs
			: NULL;

		if (map && map->kind == N_MAP && map->mapinfo && map->mapinfo->id < MAX_MAPS) {
			struct map_meta *mm = &mx->meta[map->mapinfo->id];

			note_keys(mm, map);
			if (n->kind == N_ASSIGN_MAP)
				note_feed(mm, p, n->rhs);
		}
		if (n->kind == N_IF) {
			note_stmts(mx, p, n->then);
			note_stmts(mx, p, n->els);
		} else if (n->kind == N_UNROLL || n->kind == N_FOR || n->kind == N_WHILE) {
			note_stmts(mx, p, n->then);
		}
	}
}

/* "... [bytes]" at the end of a catalog doc: the unit, and the rest
 * the help. */
static void split_unit(struct map_meta *mm)
{
	const char *doc = mm->arg->doc, *open = doc ? strrchr(doc, '[') : NULL;
	size_t n = open ? strlen(open) : 0;

	mm->help = doc;
	if (n > 2 && open[n - 1] == ']' && !strchr(open, ' ')) {
		mm->unit = mm->unit_buf = strndup(open + 1, n - 2);
		while (open > doc && open[-1] == ' ')
			open--;
		mm->help = mm->help_buf = strndup(doc, (size_t)(open - doc));
	}
}

static void find_meta(struct metrics *mx)
{
	for (const struct program *prog = mx->s->progs; prog; prog = prog->next)
		for (const struct probe *p = prog->probes; p; p = p->next)
			note_stmts(mx, p, p->body);
	for (int i = 0; i < MAX_MAPS; i++)
		if (mx->meta[i].fed && !mx->meta[i].mixed && mx->meta[i].arg)
			split_unit(&mx->meta[i]);
}

/* ------------------------------------------------------- rendering */

/* Lost events, full maps, failed reads: counters with what they count
 * as a label. */
static void put_losses(struct metrics *mx, struct output *out)
{
	struct session *s = mx->s;
	struct map_set *ms = &s->maps;
	uint64_t lost = maps_error_count(ms, ERR_SLOT_LOST_EVENTS);
	uint64_t full[MAX_MAPS], reads[MAX_READ_SLOTS];
	const char *maps[MAX_MAPS];
	int n = 0;

	output_counter(out, &(struct out_counter){ "events_lost", "events the ring buffer "
		"had no room for", NULL, 1, NULL, &lost });
	for (const struct map_info *m = ms->syms->maps; m; m = m->next, n++) {
		maps[n] = m->name;
		full[n] = maps_error_count(ms, ERR_SLOT_MAP_FULL(m->id));
	}
	output_counter(out, &(struct out_counter){ "map_updates_dropped", "updates a full "
		"map dropped (raise --map-size)", "map", n, maps, full });
	for (int i = 0; i < s->nread_names; i++)
		reads[i] = maps_error_count(ms, ERR_SLOT_READ(i));
	output_counter(out, &(struct out_counter){ "reads_failed", "reads of the traced "
		"process's memory that failed", "probe", s->nread_names,
		(const char *const *)s->read_names, reads });
	if (stacks_used(ms->stacks)) {
		uint64_t stacks = maps_error_count(ms, ERR_SLOT_STACK_LOST);
		output_counter(out, &(struct out_counter){ "stacks_lost", "user stacks the "
			"kernel could not keep (raise --map-size)", NULL, 1, NULL, &stacks });
	}
}

static void describe_map(const void *ctx, const struct map_info *m, struct out_map *om)
{
	const struct metrics *mx = ctx;
	const struct map_meta *mm;

	if (m->id < 0 || m->id >= MAX_MAPS)
		return;
	mm = &mx->meta[m->id];
	om->key_names = mm->keys_seen ? mm->key_names : NULL;
	om->help = mm->help;
	om->unit = mm->unit;
}

int metrics_render(struct metrics *mx, enum out_format fmt, char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);
	struct output *out = f ? output_new(fmt, f) : NULL;

	if (!out) {
		if (f)
			fclose(f);
		free(f ? *text : NULL);
		return -ENOMEM;
	}
	output_set_series_limit(out, mx->series_limit);
	for (const struct map_info *m = mx->s->maps.syms->maps; m; m = m->next) {
		struct out_map om;

		if (maps_read(&mx->s->maps, m, &om))
			continue;
		describe_map(mx, m, &om);
		output_map(out, &om, 0, 0);
		maps_free_read(m, &om);
	}
	put_losses(mx, out);
	output_end(out);
	output_free(out);
	return fclose(f) ? -ENOMEM : 0;
}

/* ------------------------------------------------- start and stop */

int metrics_start(struct session *s, const struct metrics_opts *opts, struct metrics **out)
{
	struct metrics *mx;
	int rc = 0;

	*out = NULL;
	if (!opts->listen && !opts->file && s->opts.format != FMT_OPENMETRICS &&
	    s->opts.format != FMT_PROMETHEUS)
		return 0;
	mx = calloc(1, sizeof(*mx));
	if (!mx || !(mx->meta = calloc(MAX_MAPS, sizeof(*mx->meta)))) {
		free(mx);
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	}
	mx->s = s;
	mx->series_limit = opts->series_limit > 0 ? opts->series_limit : OUT_SERIES_LIMIT;
	find_meta(mx);
	/* -f openmetrics and print(@m) name labels and limit series as the
	 * server does. */
	s->maps.describe = describe_map;
	s->maps.describe_ctx = mx;
	if (s->output)
		output_set_series_limit(s->output, mx->series_limit);
	if (opts->listen)
		rc = metrics_http_start(mx, opts->listen, s->opts.quiet);
	if (!rc && opts->file)
		rc = metrics_file_start(mx, opts->file, opts->interval_ms ? opts->interval_ms : 1000);
	if (rc) {
		metrics_stop(mx);
		return rc;
	}
	*out = mx;
	return 0;
}

void metrics_stop(struct metrics *mx)
{
	if (!mx)
		return;
	metrics_http_stop(mx->http);
	metrics_file_stop(mx->file);
	mx->s->maps.describe = NULL;
	for (int i = 0; mx->meta && i < MAX_MAPS; i++) {
		free(mx->meta[i].unit_buf);
		free(mx->meta[i].help_buf);
	}
	free(mx->meta);
	free(mx);
}
