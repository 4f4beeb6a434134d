/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The size limits of a probe block, checked before any code is made:
 * what unroll(N) expands to is counted, not built, so nested unrolls
 * that would take gigabytes and minutes to compile are refused at once.
 * Trees are at most LIMIT_DEPTH deep (the parser), so the recursion here
 * is bounded. */
#include <errno.h>
#include <stdint.h>

#include "ast.h"
#include "sema.h"

static int64_t list_cost(const struct node *n);

/* Nodes of one statement or expression (after sema: with their types),
 * its unrolls expanded; saturates
 * just past the limit so no product overflows. */
static int64_t node_cost(const struct node *n)
{
	/* A string value is copied and zeroed a word at a time, more than
	 * once: its bytes weigh (printf of three comm is ~180 instructions);
	 * a call builds a key, an event or a bucket (hist() is ~96). */
	int64_t c = (n->kind == N_CALL ? 10 : 1) + (n->type.kind == T_STR || n->type.kind == T_HASH ||
			 n->type.kind == T_BYTES ? n->type.size / 2 : 0) + list_cost(n->lhs) + list_cost(n->rhs) + list_cost(n->cond) +
		    list_cost(n->els) + list_cost(n->args) + list_cost(n->map);
	int64_t body = list_cost(n->then);
	if (n->kind == N_UNROLL)
		body *= n->ival > 0 && n->ival <= LIMIT_UNROLLED ? n->ival : LIMIT_UNROLLED;
	c += body;
	return c > LIMIT_UNROLLED ? LIMIT_UNROLLED + 1 : c;
}

static int64_t list_cost(const struct node *n)
{
	int64_t c = 0;
	for (; n && c <= LIMIT_UNROLLED; n = n->next)
		c += node_cost(n);
	return c > LIMIT_UNROLLED ? LIMIT_UNROLLED + 1 : c;
}

int limits_check_body(const struct probe *p)
{
	int64_t total = p->pred ? node_cost(p->pred) : 0;
	for (const struct node *st = p->body; st; st = st->next) {
		total += node_cost(st);
		if (total <= LIMIT_UNROLLED)
			continue;
		if (st->kind == N_UNROLL)
			return diag_error(&st->loc, "unroll fewer times, or split the work "
					  "between blocks", "this unroll makes the block more "
					  "than %d operations long once repeated", LIMIT_UNROLLED);
		return diag_error(&p->loc, "split the work between blocks",
				  "this block is more than %d operations long", LIMIT_UNROLLED);
	}
	return 0;
}
