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

/* Bytes past which a buffer is copied and zeroed by a helper call. */
#define INLINE_COPY 64

static bool is_buffer_type(const struct type *t)
{
	return t->kind == T_STR || t->kind == T_HASH || t->kind == T_BYTES || t->kind == T_BUF ||
	       t->kind == T_TUPLE;
}

static int64_t buffer_cost(const struct node *n)
{
	int64_t c = 0;
	if (is_buffer_type(&n->type))
		c += (n->type.size < INLINE_COPY ? n->type.size : INLINE_COPY) / 2;
	if (n->kind == N_BINARY && n->lhs && is_buffer_type(&n->lhs->type) && n->rhs) {
		int a = n->lhs->type.size, b = n->rhs->type.size;
		c += (a < b ? a : b) / 2;	/* compared byte by byte */
	}
	return c;
}

/* Nodes of one statement or expression (after sema: with their types),
 * its unrolls expanded; saturates
 * just past the limit so no product overflows. */
static int64_t node_cost(const struct node *n)
{
	/* A short string value is copied and zeroed a word at a time, more
	 * than once: its bytes weigh (printf of three comm is ~180
	 * instructions); a longer one is copied by one helper call, but
	 * compared byte by byte.  A call builds a key, an event or a bucket
	 * (hist() is ~96). */
	int64_t c = (n->kind == N_CALL ? 10 : 1) + buffer_cost(n) + list_cost(n->lhs) +
		    list_cost(n->rhs) + list_cost(n->cond) + list_cost(n->els) +
		    list_cost(n->args) + list_cost(n->map);
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
