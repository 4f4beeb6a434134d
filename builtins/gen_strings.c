/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the string comparisons strncmp() and strcontains().
 * Strings are NUL-padded buffers of a size known here, so the compares
 * are unrolled: no loop for the verifier to bound. */
#include "codegen/cg.h"
#include "builtins/internal.h"

/* Byte i of a buffer of `size` bytes; past its end a string is NUL. */
static LLVMValueRef byte_at(struct cg *cg, LLVMValueRef buf, int size, int i)
{
	if (i >= size)
		return LLVMConstInt(cg->i8, 0, 0);
	return LLVMBuildLoad2(cg->b, cg->i8, cg_gep(cg, buf, i), "");
}

static LLVMBasicBlockRef new_block(struct cg *cg, const char *name)
{
	return LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name);
}

/* The result is a word on the stack: 0 until a block stores `value` and
 * joins `done`. */
static LLVMBasicBlockRef result_block(struct cg *cg, LLVMValueRef slot, int64_t value,
				      LLVMBasicBlockRef done)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef bb = new_block(cg, "strresult");
	LLVMPositionBuilderAtEnd(cg->b, bb);
	cg_store64(cg, cg_const(cg, value), slot);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, here);
	return bb;
}

/* strncmp(a, b, len): equal up to len characters, or up to a NUL both
 * have at the same place, gives 0; any other difference 1. */
LLVMValueRef gen_strncmp(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *x = n->args, *y = x->next;
	LLVMValueRef a = cg_expr(cg, x), b = cg_expr(cg, y);
	int sa = x->type.size, sb = y->type.size;
	int64_t limit = y->next->ival;
	if (limit > (sa > sb ? sa : sb))
		limit = sa > sb ? sa : sb;	/* beyond both, both are NUL */
	LLVMValueRef slot = cg_alloca(cg, 8, "strncmp");
	cg_store64(cg, cg_const(cg, 0), slot);
	LLVMBasicBlockRef done = new_block(cg, "strncmp_done");
	LLVMBasicBlockRef differ = result_block(cg, slot, 1, done);
	for (int i = 0; i < limit; i++) {
		LLVMValueRef ca = byte_at(cg, a, sa, i), cb = byte_at(cg, b, sb, i);
		LLVMBasicBlockRef same = new_block(cg, "strncmp_same");
		LLVMBasicBlockRef next = new_block(cg, "strncmp_next");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, ca, cb, ""), differ, same);
		LLVMPositionBuilderAtEnd(cg->b, same);
		LLVMValueRef end = LLVMBuildICmp(cg->b, LLVMIntEQ, ca, LLVMConstInt(cg->i8, 0, 0), "");
		LLVMBuildCondBr(cg->b, end, done, next);
		LLVMPositionBuilderAtEnd(cg->b, next);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, slot, cg->i64), "strncmp");
}

/* One start position of the needle in the haystack: its characters are
 * compared until its NUL (a match) or a difference (on to `next`). */
static void match_at(struct cg *cg, LLVMValueRef hay, int hsize, LLVMValueRef needle,
		     int nsize, int start, LLVMBasicBlockRef match, LLVMBasicBlockRef next)
{
	for (int j = 0; j < nsize; j++) {
		LLVMValueRef nc = byte_at(cg, needle, nsize, j);
		LLVMValueRef hc = byte_at(cg, hay, hsize, start + j);
		LLVMBasicBlockRef cmp = new_block(cg, "strcontains_cmp");
		LLVMBasicBlockRef more = j + 1 < nsize ? new_block(cg, "strcontains_more") : next;
		LLVMValueRef end = LLVMBuildICmp(cg->b, LLVMIntEQ, nc, LLVMConstInt(cg->i8, 0, 0), "");
		LLVMBuildCondBr(cg->b, end, match, cmp);
		LLVMPositionBuilderAtEnd(cg->b, cmp);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, hc, nc, ""), next, more);
		if (more != next)
			LLVMPositionBuilderAtEnd(cg->b, more);
	}
}

/* strcontains(haystack, needle): tries the needle at every position of
 * the haystack up to its NUL; an empty needle is found at the first. */
LLVMValueRef gen_strcontains(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *h = n->args, *nd = h->next;
	LLVMValueRef hay = cg_expr(cg, h), needle = cg_expr(cg, nd);
	LLVMValueRef slot = cg_alloca(cg, 8, "strcontains");
	cg_store64(cg, cg_const(cg, 0), slot);
	LLVMBasicBlockRef done = new_block(cg, "strcontains_done");
	LLVMBasicBlockRef match = result_block(cg, slot, 1, done);
	for (int i = 0; i < h->type.size; i++) {
		LLVMBasicBlockRef next = new_block(cg, "strcontains_next");
		match_at(cg, hay, h->type.size, needle, nd->type.size, i, match, next);
		LLVMPositionBuilderAtEnd(cg->b, next);
		/* The haystack ends at its NUL: what follows is not its text. */
		LLVMBasicBlockRef cont = new_block(cg, "strcontains_cont");
		LLVMValueRef end = LLVMBuildICmp(cg->b, LLVMIntEQ, byte_at(cg, hay, h->type.size, i),
						 LLVMConstInt(cg->i8, 0, 0), "");
		LLVMBuildCondBr(cg->b, end, done, cont);
		LLVMPositionBuilderAtEnd(cg->b, cont);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, slot, cg->i64), "strcontains");
}
