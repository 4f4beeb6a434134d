/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tracepoint declarations (`tracepoint ctx:event since vN "doc" (...);`):
 * the helpers the parser calls to type their arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.h"

static int decl_error(struct parse_ctx *ctx, const YYLTYPE *l, const char *hint,
		      const char *msg, const char *what)
{
	struct loc loc = loc_from(ctx, l);
	ctx->errors++;
	return diag_error(&loc, hint, msg, what);
}

int release_number(char *text, const YYLTYPE *l, struct parse_ctx *ctx)
{
	char *end;
	long v = text[0] == 'v' ? strtol(text + 1, &end, 10) : -1;
	int rc = v > 0 && text[1] && !*end ? (int)v : -1;
	if (rc < 0)
		decl_error(ctx, l, "write the release as v23, v29 ...", "'%s' is not a release", text);
	free(text);
	return rc;
}

static int int_type(const char *name, struct type *t)
{
	static const struct { const char *name; int size; bool is_signed; } ints[] = {
		{ "int8", 1, true }, { "int16", 2, true }, { "int32", 4, true }, { "int64", 8, true },
		{ "uint8", 1, false }, { "uint16", 2, false }, { "uint32", 4, false },
		{ "uint64", 8, false }, { "bool", 1, false },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(name, ints[i].name)) {
			*t = type_int(ints[i].size, ints[i].is_signed);
			return 0;
		}
	return -ENOENT;
}

int decl_arg_type(struct decl_arg *a, char *type, int64_t dim, char *len_arg,
		  const YYLTYPE *l, struct parse_ctx *ctx)
{
	static const char *const hint = "types are int8..int64, uint8..uint64, bool, "
		"string[MAX], hash and bytes[LENGTH_ARG]";
	int rc = 0;
	memset(a, 0, sizeof(*a));
	a->loc = loc_from(ctx, l);
	a->len_index = -1;
	bool dimmed = dim > 0 || len_arg;
	if (!strcmp(type, "string") && dim > 0 && dim <= 4096) {
		a->max_chars = (int)dim;
		a->type = type_str(str_buffer_size((int)dim));
	} else if (!strcmp(type, "hash") && !dimmed) {
		a->type = type_hash();
	} else if (!strcmp(type, "bytes") && len_arg) {
		a->type = (struct type){ .kind = T_BYTES, .size = BYTES_VALUE_SIZE };
		a->len_arg = len_arg;
		len_arg = NULL;
	} else if (dimmed || int_type(type, &a->type)) {
		rc = decl_error(ctx, l, hint, "'%s' is not an argument type here", type);
	}
	free(type);
	free(len_arg);
	return rc;
}

static int resolve_lengths(struct tp_decl *d, struct parse_ctx *ctx)
{
	for (int i = 0; i < d->nargs; i++) {
		struct decl_arg *a = &d->args[i];
		if (!a->len_arg)
			continue;
		for (int j = 0; j < d->nargs; j++)
			if (!strcmp(d->args[j].name, a->len_arg) && d->args[j].type.kind == T_INT)
				a->len_index = j;
		if (a->len_index < 0) {
			ctx->errors++;
			return diag_error(&a->loc, "bytes[N] names an integer argument of the "
					  "same tracepoint", "no integer argument '%s'", a->len_arg);
		}
	}
	return 0;
}

int decl_set_names(struct tp_decl *d, char *name, int since, int until, char *doc,
		   struct parse_ctx *ctx)
{
	char *colon = strchr(name, ':');
	d->provider = strndup(name, colon - name);
	d->event = strdup(colon + 1);
	d->doc = doc;
	d->until = until;
	free(name);
	d->since = since;
	return resolve_lengths(d, ctx);
}

void decl_free(struct tp_decl *d)
{
	while (d) {
		struct tp_decl *next = d->next;
		for (int i = 0; i < d->nargs; i++) {
			free(d->args[i].name);
			free(d->args[i].doc);
			free(d->args[i].len_arg);
		}
		free(d->provider);
		free(d->event);
		free(d->doc);
		free(d);
		d = next;
	}
}
