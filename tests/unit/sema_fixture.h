/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parse and semantic analysis of a program text against a stand-in
 * target, for the front end's unit tests: test_lang runs them with no
 * builtins at all, test_builtins with the builtins' table. */
#ifndef BTCTRACE_SEMA_FIXTURE_H
#define BTCTRACE_SEMA_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/ast.h"
#include "lang/sema.h"

static struct program *catalog;

/* The builtins sema is given: each test's main sets it. */
static const struct builtin_table *fixture_builtins;

/* A stand-in for the target's notes: utxocache:add has bitcoind's shape,
 * and the catalog's declaration names its arguments. */
static int fake_lookup(void *arg, struct attach_point *ap, struct probe_sig *sig)
{
	(void)arg;
	sig->decl = catalog ? catalog->decls : NULL;
	if (strcmp(ap->provider, "utxocache") || strcmp(ap->event, "add"))
		return diag_error(&ap->loc, NULL, "probe %s:%s is not in the binary",
				  ap->provider, ap->event);
	sig->nargs = 5;
	sig->args[0] = type_int(8, false);
	sig->args[1] = type_int(4, false);
	sig->args[2] = type_int(4, false);
	sig->args[3] = type_int(8, true);
	sig->args[4] = type_int(1, false);
	return 0;
}

/* What the compile driver does before analysis: attach points split, and
 * the USDT ones given their arguments. */
static int resolve(struct program *prog)
{
	int rc = attach_split_all(prog);
	for (struct probe *p = prog->probes; p && !rc; p = p->next)
		for (struct attach_point *ap = p->points; ap && !rc; ap = ap->next) {
			if (ap->kind != ATTACH_USDT)
				continue;
			ap->sig = calloc(1, sizeof(*ap->sig));
			rc = fake_lookup(NULL, ap, ap->sig);
		}
	if (rc)
		program_free(prog);
	return rc;
}

/* The catalog's declaration of utxocache:add, for args.NAME. */
static void catalog_load(void)
{
	static struct source src = { .name = "<cat>", .text =
		"tracepoint utxocache:add since v23 \"a coin was added\" (\n"
		"  hash txid \"txid\", uint32 vout \"\", uint32 height \"\",\n"
		"  int64 value \"sat\", bool is_coinbase \"\");" };
	CHECK_INT(parse_program(&src, &catalog), 0);
}

static void catalog_free(void)
{
	program_free(catalog);
	catalog = NULL;
}

/* Runs parse + sema; returns rc and the diagnostics text in *msgs. */
static int check_program(const char *text, char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	diag_set_stream(f);
	struct source src = { .name = "t.btc", .text = text };
	struct program *prog;
	struct symtab syms = { 0 };
	struct sema_env env = { fixture_builtins };
	int rc = parse_program(&src, &prog);
	if (!rc)
		rc = resolve(prog);
	if (!rc) {
		rc = sema_check(prog, &env, &syms);
		symtab_free(&syms);
		program_free(prog);
	}
	diag_set_stream(NULL);
	fclose(f);
	return rc;
}

static void accepts(const char *text)
{
	char *msgs;
	int rc = check_program(text, &msgs);
	check_count++;
	if (rc) {
		check_failures++;
		fprintf(stderr, "rejected:\n%s\n%s\n", text, msgs);
	}
	free(msgs);
}

static void rejects(const char *text, const char *expected)
{
	char *msgs;
	int rc = check_program(text, &msgs);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(msgs, expected);
	free(msgs);
}

#endif
