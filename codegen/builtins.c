/* The builtins: each one table entry with its type rule, its code
 * generator and (aggregations) the folder that turns per-CPU values into
 * a printed entry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"
#include "lang/builtin.h"
#include "lang/suggest.h"
#include "runtime/output.h"

/* ---- type rules ---- */

static int nargs(const struct node *n)
{
	int k = 0;
	for (const struct node *a = n->args; a; a = a->next)
		k++;
	return k;
}

static int want_args(struct node *n, int min, int max)
{
	int k = nargs(n);
	if (k >= min && k <= max)
		return 0;
	return diag_error(&n->loc, n->builtin->usage, "%s() takes %s%d argument%s, not %d",
			  n->name, min == max ? "" : "up to ", max, max == 1 ? "" : "s", k);
}

static int want_int_arg(struct sema *s, struct node *a, const char *fn)
{
	if (sema_expr(s, a))
		return -EINVAL;
	if (a->type.kind == T_INT)
		return 0;
	char t[32];
	return diag_error(&a->loc, "pass an integer expression such as arg3 or args.value",
			  "%s() needs an integer, this is %s", fn, type_name(&a->type, t, sizeof(t)));
}

static int type_value_int(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_int(8, strcmp(n->name, "pid") && strcmp(n->name, "tid") &&
			   strcmp(n->name, "nsecs") && strcmp(n->name, "cpu"));
	return 0;
}

static int type_comm(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_str(16);
	return 0;
}

static int type_count(struct sema *s, struct node *n)
{
	(void)s;
	n->type.kind = T_AGG;
	return want_args(n, 0, 0);
}

static int type_one_int(struct sema *s, struct node *n)
{
	n->type.kind = T_AGG;
	if (want_args(n, 1, 1))
		return -EINVAL;
	return want_int_arg(s, n->args, n->name);
}

/* Constant integer expressions (literals, unary minus) for lhist(). */
static int const_int(const struct node *n, int64_t *v)
{
	if (n->kind == N_INT) {
		*v = n->ival;
		return 0;
	}
	if (n->kind == N_UNARY && n->op == OP_NEG && !const_int(n->lhs, v)) {
		*v = -*v;
		return 0;
	}
	return -EINVAL;
}

static int type_lhist(struct sema *s, struct node *n)
{
	n->type.kind = T_AGG;
	if (want_args(n, 4, 4) || want_int_arg(s, n->args, "lhist"))
		return -EINVAL;
	int64_t v[3];
	struct node *a = n->args->next;
	for (int i = 0; i < 3; i++, a = a->next) {
		if (const_int(a, &v[i]))
			return diag_error(&a->loc, "lhist(value, min, max, step) takes constants",
					  "lhist() bounds must be integer constants");
		a->ival = v[i];
		a->kind = N_INT;
	}
	if (v[2] <= 0)
		return diag_error(&n->args->next->next->next->loc, NULL, "lhist() step must be positive");
	if (v[1] <= v[0])
		return diag_error(&n->args->next->next->loc, NULL, "lhist() max must exceed min");
	if ((v[1] - v[0]) / v[2] > 1000)
		return diag_error(&n->loc, "use a larger step", "lhist() would have more than "
				  "1000 buckets");
	return 0;
}

static int type_exit(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 0, 1))
		return -EINVAL;
	return n->args ? want_int_arg(s, n->args, "exit") : 0;
}

/* ---- code generators ---- */

static LLVMValueRef gen_pid_tgid(struct cg *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
}

static LLVMValueRef gen_pid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildLShr(cg->b, gen_pid_tgid(cg), cg_const(cg, 32), "pid");
}

static LLVMValueRef gen_tid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildAnd(cg->b, gen_pid_tgid(cg), cg_const(cg, 0xffffffff), "tid");
}

static LLVMValueRef gen_nsecs(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
}

static LLVMValueRef gen_cpu(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i64, NULL, 0);
}

static LLVMValueRef gen_comm(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	LLVMValueRef buf = cg_alloca_zero(cg, 16, "comm");
	LLVMValueRef args[2] = { buf, LLVMConstInt(cg->i32, 16, 0) };
	cg_helper(cg, BPF_FUNC_get_current_comm, cg->i64, args, 2);
	return buf;
}

static LLVMValueRef gen_exit(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	LLVMValueRef code = n->args ? cg_expr(cg, n->args) : cg_const(cg, 0);
	LLVMValueRef ev = cg_alloca(cg, sizeof(struct event_exit), "exitev");
	LLVMBuildStore(cg->b, cg_const(cg, EVENT_EXIT), cg_ptr_to(cg, ev, cg->i64));
	LLVMBuildStore(cg->b, code, cg_ptr_to(cg, cg_gep(cg, ev, 8), cg->i64));
	LLVMValueRef args[4] = { cg_map_ptr(cg, cg->maps->events_fd), ev,
				 cg_const(cg, sizeof(struct event_exit)), cg_const(cg, 0) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_ringbuf_output, cg->i64, args, 4);
	LLVMBasicBlockRef lost = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "exitlost");
	LLVMBasicBlockRef ret = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "exitret");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, rc, cg_const(cg, 0), ""), lost, ret);
	LLVMPositionBuilderAtEnd(cg->b, lost);
	cg_error_count(cg, ERR_SLOT_LOST_EVENTS);
	LLVMBuildBr(cg->b, ret);
	/* exit() ends the probe, as in bpftrace: later statements do not run. */
	LLVMPositionBuilderAtEnd(cg->b, ret);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "afterexit");
	LLVMPositionBuilderAtEnd(cg->b, after);
	return NULL;
}

static LLVMValueRef val_i64(struct cg *cg, LLVMValueRef val, int off)
{
	return cg_ptr_to(cg, cg_gep(cg, val, off), cg->i64);
}

static void add_at(struct cg *cg, LLVMValueRef val, int off, LLVMValueRef v)
{
	LLVMValueRef p = val_i64(cg, val, off);
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, LLVMBuildLoad2(cg->b, cg->i64, p, ""), v, ""), p);
}

static void apply_count(struct cg *cg, LLVMValueRef val, void *arg)
{
	(void)arg;
	add_at(cg, val, 0, cg_const(cg, 1));
}

/* A 128-bit running total (lo, hi) so that sums of satoshi values never
 * wrap: lo += v; hi += carry + sign-extension of v. */
struct add128 { LLVMValueRef v; bool is_signed; int off; };

static void apply_add128(struct cg *cg, LLVMValueRef val, struct add128 *a)
{
	LLVMValueRef plo = val_i64(cg, val, a->off), phi = val_i64(cg, val, a->off + 8);
	LLVMValueRef lo = LLVMBuildLoad2(cg->b, cg->i64, plo, "");
	LLVMValueRef nlo = LLVMBuildAdd(cg->b, lo, a->v, "");
	LLVMValueRef carry = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, nlo, lo, ""),
					   cg->i64, "");
	LLVMValueRef hi = LLVMBuildLoad2(cg->b, cg->i64, phi, "");
	hi = LLVMBuildAdd(cg->b, hi, carry, "");
	if (a->is_signed)
		hi = LLVMBuildAdd(cg->b, hi, LLVMBuildAShr(cg->b, a->v, cg_const(cg, 63), ""), "");
	LLVMBuildStore(cg->b, nlo, plo);
	LLVMBuildStore(cg->b, hi, phi);
}

static void apply_sum(struct cg *cg, LLVMValueRef val, void *arg)
{
	apply_add128(cg, val, arg);
}

static void apply_avg(struct cg *cg, LLVMValueRef val, void *arg)
{
	add_at(cg, val, 0, cg_const(cg, 1));
	apply_add128(cg, val, arg);
}

struct minmax { LLVMValueRef v; bool is_signed; bool is_max; };

static void apply_minmax(struct cg *cg, LLVMValueRef val, void *arg)
{
	struct minmax *mm = arg;
	LLVMValueRef pv = val_i64(cg, val, 0), pset = val_i64(cg, val, 8);
	LLVMValueRef cur = LLVMBuildLoad2(cg->b, cg->i64, pv, "");
	LLVMValueRef set = LLVMBuildLoad2(cg->b, cg->i64, pset, "");
	LLVMIntPredicate p = mm->is_max ? (mm->is_signed ? LLVMIntSGT : LLVMIntUGT)
					: (mm->is_signed ? LLVMIntSLT : LLVMIntULT);
	LLVMValueRef better = LLVMBuildICmp(cg->b, p, mm->v, cur, "");
	LLVMValueRef unset = LLVMBuildICmp(cg->b, LLVMIntEQ, set, cg_const(cg, 0), "");
	LLVMValueRef take = LLVMBuildOr(cg->b, better, unset, "");
	LLVMBuildStore(cg->b, LLVMBuildSelect(cg->b, take, mm->v, cur, ""), pv);
	LLVMBuildStore(cg->b, cg_const(cg, 1), pset);
}

static const struct map_info *target_map(struct node *t)
{
	return t->mapinfo;
}

static LLVMValueRef gen_count(struct cg *cg, struct node *n, struct node *t)
{
	(void)n;
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t, 0), apply_count, NULL);
	return NULL;
}

static LLVMValueRef gen_sum(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed, 0 };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t, 0), apply_sum, &a);
	return NULL;
}

static LLVMValueRef gen_avg(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed, 8 };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t, 0), apply_avg, &a);
	return NULL;
}

static LLVMValueRef gen_minmax(struct cg *cg, struct node *n, struct node *t)
{
	struct minmax mm = { cg_expr(cg, n->args), n->args->type.is_signed,
			     !strcmp(n->name, "max") };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t, 0), apply_minmax, &mm);
	return NULL;
}

/* floor(log2(v)) for v >= 1, branch-free by halving the search range. */
static LLVMValueRef log2_u64(struct cg *cg, LLVMValueRef v)
{
	LLVMValueRef r = cg_const(cg, 0);
	for (int sh = 32; sh; sh >>= 1) {
		LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGE, v,
						 LLVMConstInt(cg->i64, 1ULL << sh, 0), "");
		v = LLVMBuildSelect(cg->b, big, LLVMBuildLShr(cg->b, v, cg_const(cg, sh), ""), v, "");
		r = LLVMBuildAdd(cg->b, r, LLVMBuildSelect(cg->b, big, cg_const(cg, sh),
							   cg_const(cg, 0), ""), "");
	}
	return r;
}

static LLVMValueRef hist_slot(struct cg *cg, LLVMValueRef v, bool is_signed)
{
	LLVMValueRef slot = LLVMBuildAdd(cg->b, log2_u64(cg, v), cg_const(cg, 2), "");
	LLVMValueRef zero = LLVMBuildICmp(cg->b, LLVMIntEQ, v, cg_const(cg, 0), "");
	slot = LLVMBuildSelect(cg->b, zero, cg_const(cg, 1), slot, "");
	if (is_signed) {
		LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, v, cg_const(cg, 0), "");
		slot = LLVMBuildSelect(cg->b, neg, cg_const(cg, 0), slot, "");
	}
	return slot;
}

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

static void count_in_slot(struct cg *cg, struct node *t, LLVMValueRef slot)
{
	const struct map_info *m = target_map(t);
	LLVMValueRef key = cg_map_key(cg, t, 8);
	int ks = key_size(m);
	LLVMBuildStore(cg->b, slot, cg_ptr_to(cg, cg_gep(cg, key, ks ? ks : 8), cg->i64));
	cg_agg_update(cg, m, key, apply_count, NULL);
}

static LLVMValueRef gen_hist(struct cg *cg, struct node *n, struct node *t)
{
	count_in_slot(cg, t, hist_slot(cg, cg_expr(cg, n->args), n->args->type.is_signed));
	return NULL;
}

static LLVMValueRef gen_lhist(struct cg *cg, struct node *n, struct node *t)
{
	count_in_slot(cg, t, lhist_slot(cg, cg_expr(cg, n->args), target_map(t)));
	return NULL;
}

/* ---- folders: per-CPU values to one printed entry ---- */

static const uint64_t *cpu_val(const void *vals, size_t stride, int cpu)
{
	return (const uint64_t *)((const char *)vals + stride * cpu);
}

static __int128 i128(const uint64_t *p)
{
	return (__int128)(((unsigned __int128)p[1] << 64) | p[0]);
}

static void fold_count(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		       struct out_entry *e)
{
	(void)m;
	e->value = 0;
	for (int c = 0; c < ncpu; c++)
		e->value += cpu_val(vals, stride, c)[0];
}

static void fold_sum(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		     struct out_entry *e)
{
	(void)m;
	e->value = 0;
	for (int c = 0; c < ncpu; c++)
		e->value += i128(cpu_val(vals, stride, c));
}

static void fold_avg(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		     struct out_entry *e)
{
	(void)m;
	e->value = 0;
	e->count = 0;
	for (int c = 0; c < ncpu; c++) {
		e->count += cpu_val(vals, stride, c)[0];
		e->value += i128(cpu_val(vals, stride, c) + 1);
	}
}

static void fold_minmax(const struct map_info *m, const void *vals, int ncpu, size_t stride,
			struct out_entry *e, bool is_max)
{
	bool have = false;
	for (int c = 0; c < ncpu; c++) {
		const uint64_t *v = cpu_val(vals, stride, c);
		if (!v[1])
			continue;
		__int128 x = m->value_unsigned ? (__int128)v[0] : (__int128)(int64_t)v[0];
		if (!have || (is_max ? x > e->value : x < e->value))
			e->value = x;
		have = true;
	}
	if (!have)
		e->value = 0;
}

static void fold_min(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		     struct out_entry *e)
{
	fold_minmax(m, vals, ncpu, stride, e, false);
}

static void fold_max(const struct map_info *m, const void *vals, int ncpu, size_t stride,
		     struct out_entry *e)
{
	fold_minmax(m, vals, ncpu, stride, e, true);
}

static const struct builtin builtins[] = {
	{ "pid", B_VALUE, 0, "pid", type_value_int, gen_pid, 0, NULL },
	{ "tid", B_VALUE, 0, "tid", type_value_int, gen_tid, 0, NULL },
	{ "nsecs", B_VALUE, 0, "nsecs", type_value_int, gen_nsecs, 0, NULL },
	{ "cpu", B_VALUE, 0, "cpu", type_value_int, gen_cpu, 0, NULL },
	{ "comm", B_VALUE, 0, "comm", type_comm, gen_comm, 0, NULL },
	{ "count", B_AGG, AGG_COUNT, "@m = count()", type_count, gen_count, 8, fold_count },
	{ "sum", B_AGG, AGG_SUM, "@m = sum(value)", type_one_int, gen_sum, 16, fold_sum },
	{ "min", B_AGG, AGG_MIN, "@m = min(value)", type_one_int, gen_minmax, 16, fold_min },
	{ "max", B_AGG, AGG_MAX, "@m = max(value)", type_one_int, gen_minmax, 16, fold_max },
	{ "avg", B_AGG, AGG_AVG, "@m = avg(value)", type_one_int, gen_avg, 24, fold_avg },
	{ "stats", B_AGG, AGG_STATS, "@m = stats(value)", type_one_int, gen_avg, 24, fold_avg },
	{ "hist", B_AGG, AGG_HIST, "@m = hist(value)", type_one_int, gen_hist, 8, NULL },
	{ "lhist", B_AGG, AGG_LHIST, "@m = lhist(value, min, max, step)", type_lhist,
	  gen_lhist, 8, NULL },
	{ "exit", B_FUNC, 0, "exit() or exit(code)", type_exit, gen_exit, 0, NULL },
};

const struct builtin *builtin_find(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

const char *builtin_suggest(const char *name)
{
	const char *best = NULL;
	int bestd = 3;
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		int d = edit_distance(name, builtins[i].name);
		if (d < bestd) {
			bestd = d;
			best = builtins[i].name;
		}
	}
	return best;
}
