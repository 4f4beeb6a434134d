/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The probe catalog: the files of stdlib/, compiled into btctrace, plus the
 * declarations of the script being run. */
#ifndef BTCTRACE_CATALOG_H
#define BTCTRACE_CATALOG_H

#include "ast.h"

struct catalog {
	struct source src;
	struct program *stdlib;
	const struct program *script;	/* its declarations come first */
};

/* Parses the embedded catalog.  0 or -EINVAL (a btctrace bug). */
int catalog_load(struct catalog *c);
void catalog_free(struct catalog *c);

/* Every declared shape of provider:event, the script's first, then the
 * newest release first.  Returns how many were stored in out. */
int catalog_shapes(const struct catalog *c, const char *provider, const char *event,
		   const struct tp_decl **out, int max);

/* An argument's declared type as written: "string[68]", "hash", "bool" ... */
const char *decl_arg_type_text(const struct decl_arg *a, char *buf, size_t len);

/* The shape as "(hash txid, uint32 vout, ...)" into buf. */
const char *decl_signature(const struct tp_decl *d, char *buf, size_t len);

/* The catalog text (generated from stdlib/ at build time). */
extern const char btc_stdlib_text[];

#endif
