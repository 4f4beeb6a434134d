/* SPDX-License-Identifier: GPL-3.0-or-later */
/* for loops, break and continue.  A loop's body becomes a function of
 * its own in the BPF program (codegen/loops.c), run by the kernel's
 * bpf_loop(): what is checked here is what that allows. */
#include "sema.h"

#include <errno.h>
#include <string.h>

/* A constant bound, as written: 10, -3.  Other bounds are checked when
 * the loop runs. */
static bool const_bound(const struct node *n, int64_t *v)
{
	if (n->kind == N_INT) {
		*v = n->ival;
		return true;
	}
	if (n->kind == N_UNARY && n->op == OP_NEG && n->lhs->kind == N_INT) {
		*v = -n->lhs->ival;
		return true;
	}
	return false;
}

static int check_bounds(struct sema *s, struct node *st)
{
	(void)s;
	for (struct node *b = st->lhs; b; b = b == st->lhs ? st->rhs : NULL)
		if (!type_is_word(&b->type) || b->type.kind == T_PTR)
			return diag_error(&b->loc, "write for ($i : START..END) with integers",
					  "a range's bounds are integers");
	int64_t from, to;
	if (const_bound(st->lhs, &from) && const_bound(st->rhs, &to) && to > from &&
	    (uint64_t)to - (uint64_t)from > LIMIT_LOOP_ITERATIONS)
		return diag_error(&st->rhs->loc, "split the range, or count in bigger steps",
				  "this range runs %llu times; a loop runs at most %d",
				  (unsigned long long)((uint64_t)to - (uint64_t)from),
				  LIMIT_LOOP_ITERATIONS);
	return 0;
}

/* The loop's variable: a new integer, found only inside the loop. */
static int loop_var(struct sema *s, struct node *st)
{
	if (sema_var_find(s, st->name) >= 0)
		return diag_error(&st->loc, "name the loop's variable differently",
				  "%s is already a variable of this block; a loop's "
				  "variable is a new one", st->name);
	if (s->nvars == (int)(sizeof(s->vars) / sizeof(s->vars[0])))
		return diag_error(&st->loc, NULL, "too many variables in one probe");
	int i = s->nvars++;
	s->vars[i].name = st->name;
	s->vars[i].type = type_int(8, true);
	s->vars[i].ended = false;
	st->var_slot = i;
	return 0;
}

int sema_for(struct sema *s, struct node *st)
{
	if (s->loop_depth == LIMIT_LOOP_NESTING)
		return diag_error(&st->loc, "move the inner loops' work to another block, or "
				  "unroll(N) { ... } a short inner loop",
				  "for loops are nested more than %d deep", LIMIT_LOOP_NESTING);
	if (sema_expr(s, st->lhs) || sema_expr(s, st->rhs) || check_bounds(s, st))
		return -EINVAL;
	if (loop_var(s, st))
		return -EINVAL;
	st->ival = s->loop_depth;
	s->loop_depth++;
	int rc = sema_stmts(s, st->then);
	s->loop_depth--;
	s->vars[st->var_slot].ended = true;
	return rc;
}

int sema_loop_jump(struct sema *s, struct node *st)
{
	if (s->loop_depth)
		return 0;
	return diag_error(&st->loc, "use it inside for (...) { ... }", "%s outside a loop",
			  st->kind == N_BREAK ? "break" : "continue");
}

int sema_var_unknown(struct sema *s, const struct node *n)
{
	for (int i = 0; i < s->nvars; i++)
		if (s->vars[i].ended && !strcmp(s->vars[i].name, n->name))
			return diag_error(&n->loc, "copy it to another variable inside the loop",
					  "%s is the variable of a loop that has ended: it is "
					  "found only inside its loop", n->name);
	return diag_error(&n->loc, "assign it first: $x = ...",
			  "variable %s is used before it is assigned", n->name);
}
