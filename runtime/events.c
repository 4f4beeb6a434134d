/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What probes send through the ring buffer: printf lines, time(), map
 * operations (print/clear/zero/delete on histograms) and exit(). */
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi/abi.h"
#include "lang/format.h"
#include "output/output.h"
#include "runtime/session.h"
#include "runtime/stacks.h"

static const struct map_info *map_by_id(struct session *s, uint64_t id)
{
	for (const struct map_info *m = s->syms.maps; m; m = m->next)
		if ((uint64_t)m->id == id)
			return m;
	return NULL;
}

static struct output *out(struct session *s)
{
	return s->output;
}

/* A stack in printf() and print() is indented by 8 spaces (bpftrace). */
static char *resolved_text(void *ctx, const struct type *t, const void *value)
{
	struct session *s = ctx;
	return stacks_text(s->maps.stacks, t, value, 8);
}

static char *element_text(void *ctx, const struct type *t, const void *value)
{
	struct session *s = ctx;
	return value_text(s->maps.stacks, t, value, 8);
}

/* print(tuple): its text, and its JSON an array. */
static void on_print_tuple(struct session *s, const struct type *t, const char *data,
			   size_t size)
{
	if (size < 16 + (size_t)t->size)
		return;	/* a short record: never read past it */
	const struct out_value_text vt = { element_text, s };
	char *text, *json;
	if (out_tuple_strings(t, data + 16, &vt, &text, &json) == 0)
		output_value(out(s), text, json);
	free(text);
	free(json);
}

static void on_printf(struct session *s, const char *data, size_t size)
{
	uint64_t id;
	memcpy(&id, data + 8, 8);
	const struct fmt_info *fi = symtab_format(&s->syms, (int)id);
	struct output *o = out(s);
	if (!fi)
		return;
	if (fi->is_value && fi->args[0].type.kind == T_TUPLE) {
		on_print_tuple(s, &fi->args[0].type, data, size);
		return;
	}
	char plain[512];	/* a line of numbers: formatted without stdio */
	int n = format_plain_text(fi, data + 16, (int)size - 16, plain, sizeof(plain));
	char *text = plain;
	size_t len = n > 0 ? (size_t)n : 0;
	if (n < 0) {
		FILE *m = output_scratch(o);
		if (!m)
			return;
		const struct fmt_resolver resolver = { resolved_text, s };
		format_print_with(m, fi, data + 16, (int)size - 16, &resolver);
		text = output_scratch_text(o, &len);
	}
	if (!fi->is_value) {
		output_printf(o, text, len);
		return;
	}
	/* print(value): the text of one value and a newline */
	if (len && text[len - 1] == '\n')
		text[--len] = 0;
	bool number = fi->args[0].type.kind == T_INT || fi->args[0].type.kind == T_PTR;
	output_value(o, text, number ? text : NULL);
}

static void on_time(struct session *s, const char *data)
{
	uint64_t id;
	memcpy(&id, data + 8, 8);
	const struct fmt_info *fi = symtab_format(&s->syms, (int)id);
	if (!fi || !fi->is_time)
		return;
	char buf[512];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	size_t n = strftime(buf, sizeof(buf), fi->segs[0], &tm);
	if (n == 0)
		buf[0] = 0;	/* strftime() leaves it undefined then */
	output_time(out(s), buf, n);
}

static void on_map_op(struct session *s, const struct event_map_op *ev)
{
	const struct map_info *m = map_by_id(s, ev->map_id);
	if (!m)
		return;
	switch (ev->op) {
	case MAP_OP_PRINT:
		maps_print_map(&s->maps, m, out(s), (int)ev->top, (int)ev->div);
		break;
	case MAP_OP_CLEAR:
		maps_clear(&s->maps, m, NULL);
		break;
	case MAP_OP_ZERO:
		maps_zero(&s->maps, m);
		break;
	}
}

int session_handle_event(struct session *s, const void *data, size_t size)
{
	uint64_t type;
	if (size < 8)
		return 0;
	memcpy(&type, data, 8);
	bool from_end = type & EVENT_FROM_END;
	type &= ~EVENT_FROM_END;
	if (s->exit_called && !from_end)
		return 0;	/* sent after exit(): dropped, as bpftrace does */
	switch (type) {
	case EVENT_EXIT:
		if (size >= sizeof(struct event_exit)) {
			const struct event_exit *ev = data;
			/* The first exit() sets the status; one in END overrides it,
			 * so that END can fail a check. */
			if (!s->exiting || from_end)
				s->exit_code = (int)ev->code;
			s->exiting = true;
			s->exit_called = true;
		}
		break;
	case EVENT_PRINTF:
		if (size >= 16)
			on_printf(s, data, size);
		break;
	case EVENT_TIME:
		if (size >= 16)
			on_time(s, data);
		break;
	case EVENT_MAP_OP:
		if (size >= sizeof(struct event_map_op))
			on_map_op(s, data);
		break;
	case EVENT_DELETE:
		if (size >= 16) {
			uint64_t id;
			memcpy(&id, (const char *)data + 8, 8);
			const struct map_info *m = map_by_id(s, id);
			if (m)
				maps_clear(&s->maps, m, (const char *)data + 16);
		}
		break;
	}
	return 0;
}
