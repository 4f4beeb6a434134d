/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tuples: a buffer of their type's size (on the stack, or in scratch
 * space past SCRATCH_FROM bytes), each element at its offset
 * (lang/types.h).  Where a tuple is kept (a variable, a map value, a
 * ternary's result) may have a wider type than the one stored, its
 * strings longer: cg_store_as() moves it element by element then. */
#include "cg.h"

bool cg_is_buffer(const struct type *t)
{
	return t->kind == T_STR || t->kind == T_HASH || t->kind == T_BYTES || t->kind == T_BUF ||
	       t->kind == T_USYM || t->kind == T_TUPLE;
}

static LLVMValueRef load64(struct cg *cg, LLVMValueRef p)
{
	return LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, p, cg->i64), "");
}

/* A value of type st at dst, kept as type dt, whose buffer dst is zeroed
 * (a shorter string leaves the rest of its room zero). */
void cg_store_as(struct cg *cg, LLVMValueRef dst, const struct type *dt, LLVMValueRef v,
		 const struct type *st)
{
	if (!cg_is_buffer(dt)) {
		cg_store64(cg, v, dst);
		return;
	}
	if (dt->kind != T_TUPLE || st->kind != T_TUPLE || dt->tuple == st->tuple) {
		cg_copy(cg, dst, v, st->size < dt->size ? st->size : dt->size);
		return;
	}
	const struct tuple_type *d = dt->tuple, *s = st->tuple;
	for (int i = 0; i < d->n && i < s->n; i++) {
		LLVMValueRef from = cg_gep(cg, v, s->offset[i]);
		if (!cg_is_buffer(&s->elem[i]))
			from = load64(cg, from);
		cg_store_as(cg, cg_gep(cg, dst, d->offset[i]), &d->elem[i], from, &s->elem[i]);
	}
}

/* A zeroed buffer of type dt holding v (type st): v itself when the types
 * are one. */
LLVMValueRef cg_convert(struct cg *cg, LLVMValueRef v, const struct type *st,
			const struct type *dt)
{
	if (dt->kind != T_TUPLE || st->kind != T_TUPLE || dt->tuple == st->tuple)
		return v;
	LLVMValueRef out = cg_alloca_zero(cg, dt->size, "tconv");
	cg_store_as(cg, out, dt, v, st);
	return out;
}

/* (a, b, ...): each element evaluated in order into its place. */
LLVMValueRef cg_tuple(struct cg *cg, struct node *n)
{
	const struct tuple_type *tt = n->type.tuple;
	LLVMValueRef buf = cg_alloca_zero(cg, n->type.size, "tuple");
	int i = 0;
	for (struct node *e = n->args; e && i < tt->n; e = e->next, i++)
		cg_store_as(cg, cg_gep(cg, buf, tt->offset[i]), &tt->elem[i], cg_expr(cg, e),
			    &e->type);
	return buf;
}

/* t.N: a pointer into the tuple for a buffer, the word itself otherwise. */
LLVMValueRef cg_tuple_index(struct cg *cg, struct node *n)
{
	const struct tuple_type *tt = n->lhs->type.tuple;
	LLVMValueRef p = cg_gep(cg, cg_expr(cg, n->lhs), tt->offset[n->ival]);
	return cg_is_buffer(&n->type) ? p : load64(cg, p);
}
