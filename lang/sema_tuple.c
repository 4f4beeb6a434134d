/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tuples: (a, b, ...) and t.N.  A tuple's type is interned in the symtab,
 * so two tuple types are one when their pointers are, and a type lives
 * as long as the maps that may hold it (the session's, in the REPL). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "sema.h"

static bool tuple_shape_equal(const struct tuple_type *a, const struct tuple_type *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!type_equal(&a->elem[i], &b->elem[i]))
			return false;
	return true;
}

struct type symtab_tuple(struct symtab *syms, const struct tuple_type *shape)
{
	struct tuple_type *tt;
	for (tt = syms->tuples; tt; tt = tt->next)
		if (tuple_shape_equal(tt, shape))
			break;
	if (!tt) {
		tt = malloc(sizeof(*tt));
		if (!tt)
			abort();	/* as strdup's callers: no half-typed tree */
		*tt = *shape;
		tuple_layout(tt);
		tt->next = syms->tuples;
		syms->tuples = tt;
	}
	return (struct type){ .kind = T_TUPLE, .size = tt->size, .tuple = tt };
}

void symtab_free_tuples(struct symtab *syms)
{
	for (struct tuple_type *tt = syms->tuples, *next; tt; tt = next) {
		next = tt->next;
		free(tt);
	}
	syms->tuples = NULL;
}

/* An element is kept as a map value keeps it: a pointer as its address. */
static struct type element_type(const struct type *t)
{
	return t->kind == T_PTR ? type_int(8, false) : *t;
}

static bool is_element_type(const struct type *t)
{
	switch (t->kind) {
	case T_INT: case T_PTR: case T_STR: case T_HASH: case T_BYTES: case T_USER:
	case T_BUF: case T_USTACK: case T_USYM: case T_DEC: case T_TUPLE:
		return true;
	default:
		return false;
	}
}

int sema_tuple(struct sema *s, struct node *n)
{
	struct tuple_type shape = { 0 };
	for (struct node *e = n->args; e; e = e->next) {
		if (sema_expr(s, e))
			return -EINVAL;
		if (shape.n == TUPLE_ELEMS_MAX)
			return diag_error(&e->loc, "keep the rest in another tuple or variable",
					  "a tuple holds at most %d elements", TUPLE_ELEMS_MAX);
		if (!is_element_type(&e->type)) {
			char t[64];
			return diag_error(&e->loc, e->type.kind == T_TIME ?
					  "strftime() is printed where it is called" : NULL,
					  "a tuple cannot hold a value of type %s",
					  type_name(&e->type, t, sizeof(t)));
		}
		shape.elem[shape.n++] = element_type(&e->type);
	}
	n->type = symtab_tuple(s->syms, &shape);
	if (n->type.size > TUPLE_SIZE_MAX)
		return diag_error(&n->loc, "keep large payloads out of tuples: print or store "
				  "them on their own", "this tuple takes %d bytes; a tuple takes "
				  "at most %d, half of the 32 KiB per-CPU scratch space it is "
				  "built in", n->type.size, TUPLE_SIZE_MAX);
	return 0;
}

int sema_tuple_index(struct sema *s, struct node *n)
{
	if (sema_expr(s, n->lhs))
		return -EINVAL;
	const struct type *t = &n->lhs->type;
	if (t->kind != T_TUPLE) {
		char name[64];
		return diag_error(&n->loc, "only tuples have numbered elements: $t = (a, b); $t.0",
				  "%s has no element .%llu", type_name(t, name, sizeof(name)),
				  (unsigned long long)n->ival);
	}
	/* The index is a literal up to 2^64 - 1: unsigned, never negative. */
	if ((uint64_t)n->ival >= (uint64_t)t->tuple->n)
		return diag_error(&n->loc, "elements are numbered from .0",
				  "element .%llu is out of range: the tuple has %d elements",
				  (unsigned long long)n->ival, t->tuple->n);
	n->type = t->tuple->elem[n->ival];
	return 0;
}

static int element_merge(struct symtab *syms, const struct type *a, const struct type *b,
			 struct type *out)
{
	if (a->kind == T_TUPLE && b->kind == T_TUPLE)
		return tuple_merge(syms, a, b, out);
	*out = *a;
	/* Every integer is a 64-bit word here, whatever its width; its sign
	 * says how it prints, so two signs are two types (as in 0.17). */
	if (type_is_word(a) && type_is_word(b))
		return type_word_signed(a) == type_word_signed(b) ? 0 : -EINVAL;
	if (a->kind != b->kind)
		return -EINVAL;
	if (type_grows(a)) {
		out->size = a->size > b->size ? a->size : b->size;
		return 0;
	}
	return type_equal(a, b) ? 0 : -EINVAL;
}

int tuple_merge(struct symtab *syms, const struct type *a, const struct type *b,
		struct type *out)
{
	if (a->kind != T_TUPLE || b->kind != T_TUPLE || a->tuple->n != b->tuple->n)
		return -EINVAL;
	struct tuple_type shape = { .n = a->tuple->n };
	for (int i = 0; i < shape.n; i++)
		if (element_merge(syms, &a->tuple->elem[i], &b->tuple->elem[i], &shape.elem[i]))
			return -EINVAL;
	*out = symtab_tuple(syms, &shape);
	return 0;
}

int tuple_mismatch(const struct node *n, const char *holder, const struct type *held,
		   const char *hint)
{
	char had[256], given[256];
	return diag_error(&n->loc, hint, "%s holds %s, this is %s", holder,
			  type_name(held, had, sizeof(had)),
			  type_name(&n->type, given, sizeof(given)));
}
