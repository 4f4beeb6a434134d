/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The probe catalog, parsed from the embedded stdlib text. */
#include "catalog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int catalog_load(struct catalog *c)
{
	c->src.name = "<catalog>";
	c->src.text = btc_stdlib_text;
	if (parse_program(&c->src, &c->stdlib))
		return diag_error(NULL, "this is a btctrace bug: stdlib/ does not parse",
				  "the embedded probe catalog is broken");
	return 0;
}

void catalog_free(struct catalog *c)
{
	program_free(c->stdlib);
	c->stdlib = NULL;
}

static int collect(const struct tp_decl *d, const char *provider, const char *event,
		   const struct tp_decl **out, int n, int max)
{
	for (; d && n < max; d = d->next)
		if (!strcmp(d->provider, provider) && !strcmp(d->event, event))
			out[n++] = d;
	return n;
}

int catalog_shapes(const struct catalog *c, const char *provider, const char *event,
		   const struct tp_decl **out, int max)
{
	int n = c->script ? collect(c->script->decls, provider, event, out, 0, max) : 0;
	int first_std = n;
	n = collect(c->stdlib ? c->stdlib->decls : NULL, provider, event, out, n, max);
	/* Newest first among the catalog's shapes. */
	for (int i = first_std; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (out[j]->since > out[i]->since) {
				const struct tp_decl *t = out[i];
				out[i] = out[j];
				out[j] = t;
			}
	return n;
}

const char *decl_arg_type_text(const struct decl_arg *a, char *buf, size_t len)
{
	if (a->type.kind == T_STR)
		snprintf(buf, len, "string[%d]", a->max_chars);
	else if (a->type.kind == T_HASH)
		snprintf(buf, len, "hash");
	else if (a->type.kind == T_BYTES)
		snprintf(buf, len, "bytes[%s]", a->len_arg);
	else if (a->type.size == 1 && !a->type.is_signed)
		snprintf(buf, len, "bool");
	else
		type_name(&a->type, buf, (int)len);
	return buf;
}

const char *decl_signature(const struct tp_decl *d, char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "(");
	for (int i = 0; i < d->nargs && off < len; i++) {
		char t[48];
		off += snprintf(buf + off, len - off, "%s%s %s", i ? ", " : "",
				decl_arg_type_text(&d->args[i], t, sizeof(t)), d->args[i].name);
	}
	if (off < len)
		snprintf(buf + off, len - off, ")");
	return buf;
}
