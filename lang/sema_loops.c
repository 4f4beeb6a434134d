/* SPDX-License-Identifier: GPL-3.0-or-later */
/* for and while loops, break and continue.  A loop's body becomes a
 * function of its own in the BPF program (codegen/loops.c), run by the
 * kernel's bpf_loop(): what is checked here is what that allows. */
#include "sema.h"

#include "builtin.h"

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

/* The loop's variable: a new one of type t, found only inside the loop. */
static int loop_var(struct sema *s, struct node *st, struct type t)
{
	if (sema_var_find(s, st->name) >= 0)
		return diag_error(&st->loc, "name the loop's variable differently",
				  "%s is already a variable of this block; a loop's "
				  "variable is a new one", st->name);
	if (s->nvars == (int)(sizeof(s->vars) / sizeof(s->vars[0])))
		return diag_error(&st->loc, NULL, "too many variables in one probe");
	int i = s->nvars++;
	s->vars[i].name = st->name;
	s->vars[i].type = t;
	s->vars[i].ended = false;
	st->var_slot = i;
	return 0;
}

/* Aggregations whose value is more than one number: bpftrace does not
 * loop over them either. */
static const char *const not_iterable[] = { "avg", "stats", "hist", "lhist", NULL };

/* What $kv.0 is: the key, a tuple of the keys when there are several, 0
 * for a map without keys (its one entry's key). */
static struct type key_type(struct sema *s, const struct map_info *m)
{
	if (m->nkeys == 0)
		return type_int(8, false);
	if (m->nkeys == 1)
		return m->keys[0];
	struct tuple_type shape = { .n = m->nkeys };
	for (int i = 0; i < m->nkeys && i < TUPLE_ELEMS_MAX; i++)
		shape.elem[i] = m->keys[i];
	return symtab_tuple(s->syms, &shape);
}

/* $kv.1: a plain map's value; an aggregation's, as it prints (its CPUs'
 * values folded, codegen/loops.c). */
static struct type value_type(const struct map_info *m)
{
	if (!m->agg)
		return m->value;
	return type_int(8, !m->value_unsigned && strcmp(m->agg->name, "count"));
}

static bool assigned(const struct symtab *syms, const char *name)
{
	for (const struct map_info *m = syms->maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m->nkeys >= 0;
	return false;
}

bool sema_loops_over_unassigned(const struct symtab *syms, const struct node *n)
{
	/* Statements and arguments by their next links, children by
	 * recursion: expressions nest at most LIMIT_DEPTH deep. */
	for (; n; n = n->next) {
		if (n->kind == N_FOR && n->map && !assigned(syms, n->map->name))
			return true;
		const struct node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->args };
		for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++)
			if (sema_loops_over_unassigned(syms, kids[i]))
				return true;
	}
	return false;
}

static int map_loop_type(struct sema *s, struct node *st, struct type *out)
{
	struct node *map = st->map;
	if (sema_map_whole(s, map))
		return -EINVAL;
	const struct map_info *m = map->mapinfo;
	if (m->nkeys < 0)
		return diag_error(&map->loc, "assign the map somewhere in the script: in a "
				  "block of its own, or in this one before the loop",
				  "%s is looped over but never assigned", m->name);
	for (int i = 0; m->agg && not_iterable[i]; i++)
		if (!strcmp(m->agg->name, not_iterable[i]))
			return diag_error(&map->loc, "loop over a count(), sum(), min() or max() "
					  "map, or a map of values", "%s holds %s(): its "
					  "entries cannot be looped over", m->name, m->agg->name);
	struct tuple_type shape = { .n = 2 };
	shape.elem[0] = key_type(s, m);
	shape.elem[1] = value_type(m);
	*out = symtab_tuple(s->syms, &shape);
	return 0;
}

/* for and while loops count together: each is a frame of the BPF
 * program's call chain (codegen/loops.c). */
static int too_deep(struct sema *s, const struct node *st)
{
	if (s->loop_depth < LIMIT_LOOP_NESTING)
		return 0;
	return diag_error(&st->loc, "move the inner loops' work to another block, or "
			  "unroll(N) { ... } a short inner loop",
			  "loops are nested more than %d deep", LIMIT_LOOP_NESTING);
}

int sema_for(struct sema *s, struct node *st)
{
	if (too_deep(s, st))
		return -EINVAL;
	struct type t = type_int(8, true);
	if (st->map ? map_loop_type(s, st, &t)
		    : sema_expr(s, st->lhs) || sema_expr(s, st->rhs) || check_bounds(s, st))
		return -EINVAL;
	if (loop_var(s, st, t))
		return -EINVAL;
	st->ival = s->loop_depth;
	s->loop_depth++;
	int rc = sema_stmts(s, st->then);
	s->loop_depth--;
	s->vars[st->var_slot].ended = true;
	return rc;
}

/* while (cond) { ... }: the condition is a number, tested before each
 * round; the loop counts against the same nesting limit as for. */
int sema_while(struct sema *s, struct node *st)
{
	if (too_deep(s, st) || sema_expr(s, st->cond))
		return -EINVAL;
	if (st->cond->type.kind != T_INT && st->cond->type.kind != T_PTR) {
		char t[32];
		return diag_error(&st->cond->loc, "compare it: while ($i < N), while ($s != \"\")",
				  "a while loop's condition is a number, this is %s",
				  type_name(&st->cond->type, t, sizeof(t)));
	}
	st->ival = s->loop_depth;
	s->loop_depth++;
	int rc = sema_stmts(s, st->then);
	s->loop_depth--;
	return rc;
}

int sema_loop_jump(struct sema *s, struct node *st)
{
	if (s->loop_depth)
		return 0;
	return diag_error(&st->loc, "use it inside for (...) { ... } or while (...) { ... }",
			  "%s outside a loop",
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
