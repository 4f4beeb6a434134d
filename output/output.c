/* SPDX-License-Identifier: GPL-3.0-or-later */
/* struct output: a sink chosen by name or format, and the calls that
 * forward to its operations. */
#include "output/output.h"

#include <stdlib.h>
#include <string.h>

/* The sinks, in enum out_format order; one line here per sink file. */
extern const struct output_ops output_text_ops, output_json_ops,
	output_openmetrics_ops, output_prometheus_ops;

static const struct output_ops *const sinks[] = {
	[FMT_TEXT] = &output_text_ops,
	[FMT_JSON] = &output_json_ops,
	[FMT_OPENMETRICS] = &output_openmetrics_ops,
	[FMT_PROMETHEUS] = &output_prometheus_ops,
};

#define NSINKS ((int)(sizeof(sinks) / sizeof(sinks[0])))

int output_format_by_name(const char *name)
{
	for (int i = 0; i < NSINKS; i++)
		if (sinks[i] && !strcmp(sinks[i]->name, name))
			return i;
	return -1;
}

struct output *output_new(enum out_format fmt, FILE *f)
{
	struct output *o;

	if ((int)fmt < 0 || (int)fmt >= NSINKS || !sinks[fmt])
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->ops = sinks[fmt];
	o->f = f ? f : stdout;
	o->series_limit = OUT_SERIES_LIMIT;
	return o;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	if (o->ops->close)
		o->ops->close(o);
	if (o->scratch)
		fclose(o->scratch);
	free(o->scratch_buf);
	free(o);
}

void output_set_stream(struct output *o, FILE *f)
{
	o->f = f ? f : stdout;
}

void output_attached(struct output *o, int nprobes)
{
	if (o->ops->attached)
		o->ops->attached(o, nprobes);
}

void output_printf(struct output *o, const char *text, size_t len)
{
	if (o->ops->printf_text)
		o->ops->printf_text(o, text, len);
}

void output_time(struct output *o, const char *text, size_t len)
{
	if (o->ops->time_text)
		o->ops->time_text(o, text, len);
}

void output_value(struct output *o, const char *text, const char *json)
{
	if (o->ops->value)
		o->ops->value(o, text, json);
}

void output_map(struct output *o, const struct out_map *m, int top, int div)
{
	if (o->ops->map)
		o->ops->map(o, m, top, div);
}

void output_exit_maps(struct output *o)
{
	if (o->ops->exit_maps)
		o->ops->exit_maps(o);
}

void output_lost(struct output *o, uint64_t events)
{
	if (o->ops->lost)
		o->ops->lost(o, events);
}

void output_counter(struct output *o, const struct out_counter *c)
{
	if (o->ops->counter)
		o->ops->counter(o, c);
}

void output_set_series_limit(struct output *o, int limit)
{
	o->series_limit = limit;
}

void output_end(struct output *o)
{
	if (o->ops->end)
		o->ops->end(o);
}

void output_flush(struct output *o)
{
	fflush(o->f);
}

/* One memstream for the whole session, rewound for each record: a
 * stream per record would cost more than printing the record. */
FILE *output_scratch(struct output *o)
{
	if (!o->scratch)
		o->scratch = open_memstream(&o->scratch_buf, &o->scratch_size);
	if (o->scratch)
		rewind(o->scratch);
	return o->scratch;
}

char *output_scratch_text(struct output *o, size_t *len)
{
	long end;

	/* A rewound memstream keeps the longer text of an earlier record
	 * after the position: end this one with a NUL of its own. */
	if (!o->scratch || fputc('\0', o->scratch) == EOF || fflush(o->scratch) ||
	    (end = ftell(o->scratch)) < 1) {
		static char empty[1];
		*len = 0;
		empty[0] = 0;
		return empty;
	}
	*len = (size_t)end - 1;
	return o->scratch_buf;
}
