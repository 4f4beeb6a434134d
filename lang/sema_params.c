/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Positional parameters: the words given after the script. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "sema.h"

/* $1..$N are the words after the script: numbers are integers, the rest
 * strings, as in bpftrace; $# is their count. */
int sema_param(struct sema *s, struct node *n)
{
	struct symtab *st = s->syms;
	if (n->ival < 0) {
		n->kind = N_INT;
		n->ival = st->nparams;
		n->type = type_int(8, true);
		return 0;
	}
	if (n->ival == 0)
		return diag_error(&n->loc, "pass it after the script: btctrace script.btc VALUE...",
				  "positional parameters start at $1");
	if (n->ival > st->nparams) {
		/* bpftrace reads a parameter not given as 0: scripts rely on it
		 * ("$2 == 0" for an optional end height). */
		uint64_t bit = n->ival <= 64 ? 1ULL << (n->ival - 1) : 0;
		if (!(st->params_warned & bit))
			diag_warn(&n->loc, "pass it after the script: btctrace script.btc VALUE...",
				  "positional parameter $%d was not given (%d given): it is 0, "
				  "\"\" in str()", (int)n->ival, st->nparams);
		st->params_warned |= bit;
		n->kind = N_INT;
		n->ival = 0;
		n->type = type_int(8, true);
		return 0;
	}
	const char *v = st->params[n->ival - 1];
	char *end;
	long long x = strtoll(v, &end, 0);
	/* 64 hex digits are a hash (RPC's form), even when all are digits. */
	bool hash_shaped = strlen(v) == 64 && strspn(v, "0123456789abcdefABCDEF") == 64;
	if (*v && !*end && !hash_shaped) {
		n->kind = N_INT;
		n->ival = x;
		n->type = type_int(8, true);
	} else {
		n->kind = N_STR;
		n->str = strdup(v);
		n->slen = (int)strlen(v);
		n->type = type_str(n->slen + 1);
	}
	return 0;
}

int sema_param_str(struct sema *s, struct node *n)
{
	if (n->ival > s->syms->nparams) {
		if (sema_param(s, n))
			return -EINVAL;
		n->kind = N_STR;
		n->str = strdup("");
		n->slen = 0;
		n->type = type_str(1);
		return n->str ? 0 : -ENOMEM;
	}
	return sema_expr(s, n);
}
