/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the aggregations: each updates this CPU's value
 * (internal.h's struct agg_*) of the target map's entry in place. */
#include <stddef.h>

#include "codegen/cg.h"
#include "builtins/internal.h"

static LLVMValueRef val_i64(struct cg *cg, LLVMValueRef val, int off)
{
	return cg_ptr_to(cg, cg_gep(cg, val, off), cg->i64);
}

static void add_at(struct cg *cg, LLVMValueRef val, int off, LLVMValueRef v)
{
	LLVMValueRef p = val_i64(cg, val, off);
	cg_store_field64(cg, LLVMBuildAdd(cg->b, cg_load_field64(cg, p), v, ""), p);
}

static void apply_count(struct cg *cg, LLVMValueRef val, void *arg)
{
	(void)arg;
	add_at(cg, val, offsetof(struct agg_count, n), cg_const(cg, 1));
}

/* A 128-bit running total (lo, hi at `off`) so that sums of satoshi values
 * never wrap: lo += v; hi += carry + sign-extension of v. */
struct add128 { LLVMValueRef v; bool is_signed; int off; };

_Static_assert(offsetof(struct agg_sum, hi) == offsetof(struct agg_sum, lo) + 8, "lo, hi");
_Static_assert(offsetof(struct agg_avg, hi) == offsetof(struct agg_avg, lo) + 8, "lo, hi");

static void apply_add128(struct cg *cg, LLVMValueRef val, struct add128 *a)
{
	LLVMValueRef plo = val_i64(cg, val, a->off), phi = val_i64(cg, val, a->off + 8);
	LLVMValueRef lo = cg_load_field64(cg, plo);
	LLVMValueRef nlo = LLVMBuildAdd(cg->b, lo, a->v, "");
	LLVMValueRef carry = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, nlo, lo, ""),
					   cg->i64, "");
	LLVMValueRef hi = LLVMBuildAdd(cg->b, cg_load_field64(cg, phi), carry, "");
	if (a->is_signed)
		hi = LLVMBuildAdd(cg->b, hi, LLVMBuildAShr(cg->b, a->v, cg_const(cg, 63), ""), "");
	cg_store_field64(cg, nlo, plo);
	cg_store_field64(cg, hi, phi);
}

static void apply_sum(struct cg *cg, LLVMValueRef val, void *arg)
{
	apply_add128(cg, val, arg);
}

static void apply_avg(struct cg *cg, LLVMValueRef val, void *arg)
{
	add_at(cg, val, offsetof(struct agg_avg, count), cg_const(cg, 1));
	apply_add128(cg, val, arg);
}

struct minmax { LLVMValueRef v; bool is_signed; bool is_max; };

/* The first value of an entry is taken whatever it is: `set` is 0 until
 * then, and a stored 0 may be a real minimum. */
static void apply_minmax(struct cg *cg, LLVMValueRef val, void *arg)
{
	struct minmax *mm = arg;
	LLVMValueRef pv = val_i64(cg, val, offsetof(struct agg_minmax, v));
	LLVMValueRef pset = val_i64(cg, val, offsetof(struct agg_minmax, set));
	LLVMValueRef cur = cg_load_field64(cg, pv);
	LLVMValueRef set = cg_load_field64(cg, pset);
	LLVMIntPredicate p = mm->is_max ? (mm->is_signed ? LLVMIntSGT : LLVMIntUGT)
					: (mm->is_signed ? LLVMIntSLT : LLVMIntULT);
	LLVMValueRef better = LLVMBuildICmp(cg->b, p, mm->v, cur, "");
	LLVMValueRef unset = LLVMBuildICmp(cg->b, LLVMIntEQ, set, cg_const(cg, 0), "");
	LLVMValueRef take = LLVMBuildOr(cg->b, better, unset, "");
	cg_store_field64(cg, LLVMBuildSelect(cg->b, take, mm->v, cur, ""), pv);
	cg_store_field64(cg, cg_const(cg, 1), pset);
}

LLVMValueRef gen_count(struct cg *cg, struct node *n, struct node *t)
{
	(void)n;
	cg_agg_update(cg, t->mapinfo, cg_map_key(cg, t), apply_count, NULL);
	return NULL;
}

LLVMValueRef gen_sum(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed,
			    offsetof(struct agg_sum, lo) };
	cg_agg_update(cg, t->mapinfo, cg_map_key(cg, t), apply_sum, &a);
	return NULL;
}

/* avg() and stats(): the same value, printed differently. */
LLVMValueRef gen_avg(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed,
			    offsetof(struct agg_avg, lo) };
	cg_agg_update(cg, t->mapinfo, cg_map_key(cg, t), apply_avg, &a);
	return NULL;
}

static void gen_minmax(struct cg *cg, struct node *n, struct node *t, bool is_max)
{
	struct minmax mm = { cg_expr(cg, n->args), n->args->type.is_signed, is_max };
	cg_agg_update(cg, t->mapinfo, cg_map_key(cg, t), apply_minmax, &mm);
}

LLVMValueRef gen_min(struct cg *cg, struct node *n, struct node *t)
{
	gen_minmax(cg, n, t, false);
	return NULL;
}

LLVMValueRef gen_max(struct cg *cg, struct node *n, struct node *t)
{
	gen_minmax(cg, n, t, true);
	return NULL;
}

/* 1 when v != 0, else 0, in arithmetic: BPF has no select, and a
 * comparison becomes a branch. */
static LLVMValueRef nonzero_bit(struct cg *cg, LLVMValueRef v)
{
	LLVMValueRef either = LLVMBuildOr(cg->b, v, LLVMBuildNeg(cg->b, v, ""), "");
	return LLVMBuildLShr(cg->b, either, cg_const(cg, 63), "");
}

/* floor(log2(v)) for v >= 1 by halving the search range, without a
 * branch: with branches, each of the 2^6 paths through them has its own
 * constant slot, which the verifier follows one by one when it must know
 * the slot precisely (an array's index), and the CPU mispredicts. */
static LLVMValueRef log2_u64(struct cg *cg, LLVMValueRef v)
{
	LLVMValueRef r = cg_const(cg, 0);
	for (int sh = 32, lg = 5; sh; sh >>= 1, lg--) {
		LLVMValueRef big = nonzero_bit(cg, LLVMBuildLShr(cg->b, v, cg_const(cg, sh), ""));
		LLVMValueRef by = LLVMBuildShl(cg->b, big, cg_const(cg, lg), "");
		v = LLVMBuildLShr(cg->b, v, by, "");
		r = LLVMBuildAdd(cg->b, r, by, "");
	}
	return r;
}

/* The slots of abi/abi.h's HIST_SLOTS comment: log2 + 2, 1 for 0 (whose
 * log2 comes out 0), and 0 for a negative value (a mask of the sign). */
static LLVMValueRef hist_slot(struct cg *cg, LLVMValueRef v, bool is_signed)
{
	LLVMValueRef slot = LLVMBuildAdd(cg->b, log2_u64(cg, v), cg_const(cg, 1), "");
	slot = LLVMBuildAdd(cg->b, slot, nonzero_bit(cg, v), "");
	if (is_signed) {
		LLVMValueRef neg = LLVMBuildLShr(cg->b, v, cg_const(cg, 63), "");
		slot = LLVMBuildAnd(cg->b, slot, LLVMBuildSub(cg->b, neg, cg_const(cg, 1), ""), "");
	}
	return slot;
}

static LLVMValueRef build_hist_slot(struct cg *lib, LLVMValueRef *v)
{
	return hist_slot(lib, v[0], false);
}

static LLVMValueRef build_hist_slot_signed(struct cg *lib, LLVMValueRef *v)
{
	return hist_slot(lib, v[0], true);
}

/* The slot is ~45 instructions, the same in every block: a library
 * function, compiled once per script rather than once per hist(). */
static LLVMValueRef call_hist_slot(struct cg *cg, LLVMValueRef v, bool is_signed)
{
	return is_signed ? cg_library_call(cg, "hist_slot_signed", &v, 1, build_hist_slot_signed)
			 : cg_library_call(cg, "hist_slot", &v, 1, build_hist_slot);
}

/* The slots of abi/abi.h's lhist_slots() comment. */
static LLVMValueRef lhist_slot(struct cg *cg, LLVMValueRef v, const struct map_info *m)
{
	LLVMValueRef min = cg_const(cg, m->lhist_min), max = cg_const(cg, m->lhist_max);
	int nsteps = lhist_slots(m->lhist_min, m->lhist_max, m->lhist_step) - 2;
	LLVMValueRef in = LLVMBuildAdd(cg->b, LLVMBuildUDiv(cg->b, LLVMBuildSub(cg->b, v, min, ""),
				cg_const(cg, m->lhist_step), ""), cg_const(cg, 1), "");
	LLVMValueRef hi = LLVMBuildICmp(cg->b, LLVMIntSGE, v, max, "");
	LLVMValueRef lo = LLVMBuildICmp(cg->b, LLVMIntSLT, v, min, "");
	LLVMValueRef slot = LLVMBuildSelect(cg->b, hi, cg_const(cg, nsteps + 1), in, "");
	return LLVMBuildSelect(cg->b, lo, cg_const(cg, 0), slot, "");
}

/* A histogram's bucket is part of the kernel key (after the user key), so
 * each bucket is an entry of its own: the number of values that fell in
 * it and their 128-bit total (struct agg_avg), whose sum over the buckets
 * is the histogram's exact _sum.  A keyless one's array is indexed by the
 * slot alone. */
static void count_in_slot(struct cg *cg, struct node *t, LLVMValueRef slot, LLVMValueRef v,
			  bool is_signed)
{
	const struct map_info *m = t->mapinfo;
	LLVMValueRef key = cg_map_key(cg, t);
	if (map_is_array(m))
		LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, slot, cg->i32, ""),
			       cg_ptr_to(cg, key, cg->i32));
	else
		LLVMBuildStore(cg->b, slot, cg_ptr_to(cg, cg_gep(cg, key, map_user_key_size(m)),
						       cg->i64));
	struct add128 a = { v, is_signed, offsetof(struct agg_avg, lo) };
	cg_agg_update(cg, m, key, apply_avg, &a);
}

/* A keyless histogram's page walk starts before its value is read
 * (codegen/arrays.c, cg_array_warm). */
static void warm_array(struct cg *cg, struct node *t)
{
	if (map_is_array(t->mapinfo))
		cg_array_warm(cg, t->mapinfo);
}

LLVMValueRef gen_hist(struct cg *cg, struct node *n, struct node *t)
{
	warm_array(cg, t);
	LLVMValueRef v = cg_expr(cg, n->args);
	bool is_signed = n->args->type.is_signed;
	count_in_slot(cg, t, call_hist_slot(cg, v, is_signed), v, is_signed);
	return NULL;
}

LLVMValueRef gen_lhist(struct cg *cg, struct node *n, struct node *t)
{
	warm_array(cg, t);
	LLVMValueRef v = cg_expr(cg, n->args);
	count_in_slot(cg, t, lhist_slot(cg, v, t->mapinfo), v, n->args->type.is_signed);
	return NULL;
}
