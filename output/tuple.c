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

/* What tells the two texts apart: brackets, separator, string quoting. */
struct tuple_shape {
	char open, close;
	const char *sep;
	void (*put_str)(FILE *f, const char *s);
};

static void put_plain(FILE *f, const char *s)
{
	fputs(s, f);
}

static const struct tuple_shape TUPLE_TEXT = { '(', ')', ", ", put_plain };
static const struct tuple_shape TUPLE_JSON = { '[', ']', ",", out_json_string };

static void put_tuple(FILE *f, const struct tuple_shape *sh, const struct type *t,
		      const char *p, const struct out_value_text *vt)
{
	const struct tuple_type *tt = t->tuple;
	fputc(sh->open, f);
	for (int i = 0; i < tt->n; i++) {
		const struct type *e = &tt->elem[i];
		const char *at = p + tt->offset[i];
		if (i)
			fputs(sh->sep, f);
		if (type_is_word(e)) {
			put_int(f, e, at);
		} else if (e->kind == T_TUPLE) {
			put_tuple(f, sh, e, at, vt);
		} else {
			char *s = e->kind == T_STR ? str_of(e, at) : other_text(vt, e, at);
			sh->put_str(f, s ? s : "");
			free(s);
		}
	}
	fputc(sh->close, f);
}

void out_tuple_text(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt)
{
	put_tuple(f, &TUPLE_TEXT, t, p, vt);
}

void out_tuple_json(FILE *f, const struct type *t, const char *p,
		    const struct out_value_text *vt)
{
	put_tuple(f, &TUPLE_JSON, t, p, vt);
}

/* One text into a malloc'd string, or NULL when memory ran out. */
static char *tuple_string(const struct tuple_shape *sh, const struct type *t, const char *p,
			  const struct out_value_text *vt)
{
	char *out = NULL;
	size_t n;
	FILE *f = open_memstream(&out, &n);
	if (!f)
		return NULL;
	put_tuple(f, sh, t, p, vt);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/* Both texts into malloc'd strings; -ENOMEM leaves them NULL. */
int out_tuple_strings(const struct type *t, const char *p, const struct out_value_text *vt,
		      char **text, char **json)
{
	*text = tuple_string(&TUPLE_TEXT, t, p, vt);
	*json = *text ? tuple_string(&TUPLE_JSON, t, p, vt) : NULL;
	if (*json)
		return 0;
	free(*text);
	*text = NULL;
	return -ENOMEM;
}
