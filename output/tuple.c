/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A tuple's text as bpftrace 0.17 prints it, "(1, two, (3, x))", and its
 * JSON, [1,"two",[3,"x"]]: integers and strings here, any other element
 * by the caller's text (the runtime names stacks and symbols).  Nesting
 * is bounded by the parser's LIMIT_DEPTH, so the recursion is too. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

static void put_int(FILE *f, const struct type *t, const char *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	if (t->is_signed)
		fprintf(f, "%" PRId64, v);
	else
		fprintf(f, "%" PRIu64, (uint64_t)v);
}

/* A string element: up to its NUL, never past its room. */
static char *str_of(const struct type *t, const char *p)
{
	return strndup(p, t->size);
}

static char *other_text(const struct out_value_text *vt, const struct type *t, const char *p)
{
	char *s = vt && vt->text ? vt->text(vt->ctx, t, p) : NULL;
	return s ? s : strdup("");
}

void out_tuple_text(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt)
{
	const struct tuple_type *tt = t->tuple;
	fputc('(', f);
	for (int i = 0; i < tt->n; i++) {
		const struct type *e = &tt->elem[i];
		const char *at = p + tt->offset[i];
		if (i)
			fputs(", ", f);
		if (type_is_word(e)) {
			put_int(f, e, at);
		} else if (e->kind == T_TUPLE) {
			out_tuple_text(f, e, at, vt);
		} else {
			char *s = e->kind == T_STR ? str_of(e, at) : other_text(vt, e, at);
			fputs(s ? s : "", f);
			free(s);
		}
	}
	fputc(')', f);
}

void out_tuple_json(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt)
{
	const struct tuple_type *tt = t->tuple;
	fputc('[', f);
	for (int i = 0; i < tt->n; i++) {
		const struct type *e = &tt->elem[i];
		const char *at = p + tt->offset[i];
		if (i)
			fputc(',', f);
		if (type_is_word(e)) {
			put_int(f, e, at);
		} else if (e->kind == T_TUPLE) {
			out_tuple_json(f, e, at, vt);
		} else {
			char *s = e->kind == T_STR ? str_of(e, at) : other_text(vt, e, at);
			out_json_string(f, s ? s : "");
			free(s);
		}
	}
	fputc(']', f);
}

/* Both texts into malloc'd strings; -ENOMEM leaves them NULL. */
int out_tuple_strings(const struct type *t, const char *p, const struct out_value_text *vt,
		      char **text, char **json)
{
	size_t n;
	FILE *f;
	*text = *json = NULL;
	if (!(f = open_memstream(text, &n)))
		return -ENOMEM;
	out_tuple_text(f, t, p, vt);
	fclose(f);
	if (!(f = open_memstream(json, &n))) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	out_tuple_json(f, t, p, vt);
	fclose(f);
	return 0;
}
