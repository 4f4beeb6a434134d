/* The builtins: each one table entry with its type rule, its code
 * generator and (aggregations) the folder that turns per-CPU values into
 * a printed entry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/cg.h"
#include "lang/builtin.h"
#include "lang/format.h"
#include "builtins/builtins.h"
#include "output/output.h"

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
	n->type = type_int(8, false);
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

static int type_printf(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (!n->args || n->args->kind != N_STR)
		return diag_error(&n->loc, "printf(\"format\", args...)",
				  "printf() needs a string literal as its format");
	for (struct node *a = n->args->next; a; a = a->next)
		if (sema_expr(s, a))
			return -EINVAL;
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	if (format_check(n->args->str, n->args->slen, &n->args->loc, n->args->next, fi)) {
		format_free(fi);
		return -EINVAL;
	}
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

/* A keyless @m naming a whole map (print, clear, zero). */
static int want_whole_map(struct sema *s, struct node *a, const char *fn)
{
	if (!a || a->kind != N_MAP || a->args)
		return diag_error(a ? &a->loc : NULL, "name a whole map: @m",
				  "%s() takes a map", fn);
	return sema_map_whole(s, a);
}

static int want_const(struct node *a, const char *what)
{
	if (a->kind == N_INT && a->ival >= 0)
		return 0;
	return diag_error(&a->loc, "use a non-negative integer constant", "%s must be a constant",
			  what);
}

/* print(@m[, top[, div]]) prints a map; print(value) prints a value. */
static int type_print(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 1, 3))
		return -EINVAL;
	struct node *a = n->args;
	if (a->kind == N_MAP && !a->args) {
		if (want_whole_map(s, a, "print"))
			return -EINVAL;
		for (struct node *k = a->next; k; k = k->next)
			if (want_const(k, k == a->next ? "print()'s top" : "print()'s div"))
				return -EINVAL;
		return 0;
	}
	if (a->next)
		return diag_error(&a->next->loc, "top and div apply to maps", "print(value) takes "
				  "one argument");
	if (sema_expr(s, a))
		return -EINVAL;
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	bool text = a->type.kind == T_STR || a->type.kind == T_HASH;
	const char *fmt = text ? "%s\n" : (a->type.is_signed ? "%ld\n" : "%lu\n");
	if (format_check(fmt, (int)strlen(fmt), &a->loc, a, fi)) {
		format_free(fi);
		return -EINVAL;
	}
	fi->is_value = true;
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

static int type_map_op(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 1, 1))
		return -EINVAL;
	return want_whole_map(s, n->args, n->name);
}

static int type_delete(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 1, 1))
		return -EINVAL;
	struct node *a = n->args;
	if (a->kind != N_MAP || (!a->args && 0))
		return diag_error(&a->loc, "delete(@m[key])", "delete() takes a map entry");
	return sema_map_ref(s, a);
}

static int type_time(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 0, 1))
		return -EINVAL;
	if (n->args && n->args->kind != N_STR)
		return diag_error(&n->args->loc, "time(\"%H:%M:%S\\n\")",
				  "time() takes a strftime format literal");
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	const char *fmt = n->args ? n->args->str : "%H:%M:%S\n";
	fi->segs = calloc(1, sizeof(char *));
	fi->segs[0] = strdup(fmt);
	fi->nsegs = 1;
	fi->is_time = true;
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

/* str(ptr[, size]): a C string of user memory, bpftrace's 64 bytes by default. */
static int type_str_fn(struct sema *s, struct node *n)
{
	if (want_args(n, 1, 2) || sema_expr(s, n->args))
		return -EINVAL;
	if (n->args->type.kind == T_STR && !n->args->next) {
		n->type = n->args->type;	/* str($1) of a string parameter */
		return 0;
	}
	if (want_int_arg(s, n->args, "str"))
		return -EINVAL;
	/* bpftrace: str(p) holds strlen - 1 characters, str(p, n) n of them. */
	int64_t chars = s->syms->str_len - 1;
	if (n->args->next) {
		if (const_int(n->args->next, &chars) || chars < 1 || chars > 4096)
			return diag_error(&n->args->next->loc, "a constant from 1 to 4096",
					  "str()'s size must be a constant");
	}
	n->type = type_str(str_buffer_size((int)chars));
	return 0;
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

static LLVMValueRef events_map(struct cg *cg)
{
	return cg_map_ptr(cg, cg->maps->events_fd);
}

/* A small fixed event from the stack. */
static void send_words(struct cg *cg, const LLVMValueRef *words, int n)
{
	LLVMValueRef ev = cg_alloca(cg, 8 * n, "event");
	for (int i = 0; i < n; i++)
		cg_store64(cg, words[i], cg_gep(cg, ev, 8 * i));
	LLVMValueRef args[4] = { events_map(cg), ev, cg_const(cg, 8 * n), cg_const(cg, 0) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_ringbuf_output, cg->i64, args, 4);
	cg_count_if_negative(cg, rc, ERR_SLOT_LOST_EVENTS);
}

/* printf and print(value): the arguments are computed first, then written
 * straight into a reserved ring-buffer record, so big strings need no
 * stack; a reservation that fails is counted as a lost event. */
static void send_record(struct cg *cg, const struct fmt_info *fi, struct node *args, int id)
{
	LLVMValueRef vals[FMT_MAX_ARGS];
	int i = 0;
	for (struct node *a = args; a; a = a->next, i++)
		vals[i] = cg_expr(cg, a);
	LLVMValueRef rargs[3] = { events_map(cg), cg_const(cg, fi->record_size), cg_const(cg, 0) };
	LLVMValueRef rec = cg_helper(cg, BPF_FUNC_ringbuf_reserve, cg->i8p, rargs, 3);
	LLVMBasicBlockRef fill = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "fill");
	LLVMBasicBlockRef lost = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "lost");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "sent");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, rec, ""), lost, fill);
	LLVMPositionBuilderAtEnd(cg->b, lost);
	cg_error_count(cg, ERR_SLOT_LOST_EVENTS);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, fill);
	cg_store64(cg, cg_const(cg, EVENT_PRINTF), rec);
	cg_store64(cg, cg_const(cg, id), cg_gep(cg, rec, 8));
	for (i = 0; i < fi->nargs; i++) {
		const struct fmt_arg *a = &fi->args[i];
		LLVMValueRef dst = cg_gep(cg, rec, a->offset);
		if (a->type.kind == T_STR || a->type.kind == T_HASH || a->type.kind == T_BYTES)
			LLVMBuildMemCpy(cg->b, dst, 1, vals[i], 1, LLVMConstInt(cg->i64, a->type.size, 0));
		else
			cg_store64(cg, vals[i], dst);
	}
	LLVMValueRef sargs[2] = { rec, cg_const(cg, 0) };
	cg_helper(cg, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(cg->ctx), sargs, 2);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static LLVMValueRef gen_printf(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	send_record(cg, symtab_format(cg->syms, (int)n->ival), n->args->next, (int)n->ival);
	return NULL;
}

static void send_map_op(struct cg *cg, enum map_op op, const struct node *map, int64_t top,
			int64_t div)
{
	LLVMValueRef w[5] = { cg_const(cg, EVENT_MAP_OP), cg_const(cg, op),
			      cg_const(cg, map->mapinfo->id), cg_const(cg, top), cg_const(cg, div) };
	send_words(cg, w, 5);
}

static LLVMValueRef gen_print(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *a = n->args;
	if (a->kind == N_MAP && !a->args) {
		int64_t top = a->next ? a->next->ival : 0;
		int64_t div = a->next && a->next->next ? a->next->next->ival : 0;
		send_map_op(cg, MAP_OP_PRINT, a, top, div);
	} else {
		send_record(cg, symtab_format(cg->syms, (int)n->ival), a, (int)n->ival);
	}
	return NULL;
}

static LLVMValueRef gen_map_op(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	send_map_op(cg, !strcmp(n->name, "clear") ? MAP_OP_CLEAR : MAP_OP_ZERO, n->args, 0, 0);
	return NULL;
}

/* Histograms keep one kernel entry per bucket, so user space deletes
 * them; other maps delete their key in place. */
static LLVMValueRef gen_delete(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	const struct map_info *m = n->args->mapinfo;
	LLVMValueRef key = cg_map_key(cg, n->args);
	bool hist = m->agg && (m->agg->agg_kind == AGG_HIST || m->agg->agg_kind == AGG_LHIST);
	if (!hist) {
		LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[m->id]), key };
		cg_helper(cg, BPF_FUNC_map_delete_elem, cg->i64, args, 2);
		return NULL;
	}
	int ks = map_user_key_size(m);
	LLVMValueRef ev = cg_alloca_zero(cg, 16 + ks, "delev");
	cg_store64(cg, cg_const(cg, EVENT_DELETE), ev);
	cg_store64(cg, cg_const(cg, m->id), cg_gep(cg, ev, 8));
	LLVMBuildMemCpy(cg->b, cg_gep(cg, ev, 16), 1, key, 1, LLVMConstInt(cg->i64, ks, 0));
	LLVMValueRef args[4] = { events_map(cg), ev, cg_const(cg, 16 + ks), cg_const(cg, 0) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_ringbuf_output, cg->i64, args, 4);
	cg_count_if_negative(cg, rc, ERR_SLOT_LOST_EVENTS);
	return NULL;
}

static LLVMValueRef gen_time(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	LLVMValueRef w[2] = { cg_const(cg, EVENT_TIME), cg_const(cg, n->ival) };
	send_words(cg, w, 2);
	return NULL;
}

static LLVMValueRef gen_str(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	if (n->args->type.kind == T_STR)
		return cg_expr(cg, n->args);
	return cg_read_str(cg, cg_expr(cg, n->args), n->type.size);
}

static LLVMValueRef gen_elapsed(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	LLVMValueRef now = cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
	return LLVMBuildSub(cg->b, now, cg_const(cg, (int64_t)cg->maps->start_ns), "");
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
	cg_count_if_negative(cg, rc, ERR_SLOT_LOST_EVENTS);
	/* exit() ends the probe, as in bpftrace: later statements do not run. */
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
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t), apply_count, NULL);
	return NULL;
}

static LLVMValueRef gen_sum(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed, 0 };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t), apply_sum, &a);
	return NULL;
}

static LLVMValueRef gen_avg(struct cg *cg, struct node *n, struct node *t)
{
	struct add128 a = { cg_expr(cg, n->args), n->args->type.is_signed, 8 };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t), apply_avg, &a);
	return NULL;
}

static LLVMValueRef gen_minmax(struct cg *cg, struct node *n, struct node *t)
{
	struct minmax mm = { cg_expr(cg, n->args), n->args->type.is_signed,
			     !strcmp(n->name, "max") };
	cg_agg_update(cg, target_map(t), cg_map_key(cg, t), apply_minmax, &mm);
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
	LLVMValueRef key = cg_map_key(cg, t);
	LLVMBuildStore(cg->b, slot, cg_ptr_to(cg, cg_gep(cg, key, map_user_key_size(m)), cg->i64));
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
	{ "elapsed", B_VALUE, 0, "elapsed", type_value_int, gen_elapsed, 0, NULL },
	{ "exit", B_FUNC, 0, "exit() or exit(code)", type_exit, gen_exit, 0, NULL },
	{ "printf", B_FUNC, 0, "printf(\"format\", args...)", type_printf, gen_printf, 0, NULL },
	{ "print", B_FUNC, 0, "print(@m[, top[, div]]) or print(value)", type_print, gen_print,
	  0, NULL },
	{ "clear", B_FUNC, 0, "clear(@m)", type_map_op, gen_map_op, 0, NULL },
	{ "zero", B_FUNC, 0, "zero(@m)", type_map_op, gen_map_op, 0, NULL },
	{ "delete", B_FUNC, 0, "delete(@m[key])", type_delete, gen_delete, 0, NULL },
	{ "time", B_FUNC, 0, "time() or time(\"%H:%M:%S\\n\")", type_time, gen_time, 0, NULL },
	{ "str", B_FUNC, 0, "str(pointer[, size])", type_str_fn, gen_str, 0, NULL },
};

const struct builtin_table *builtins_table(void)
{
	static const struct builtin_table table = {
		builtins, (int)(sizeof(builtins) / sizeof(builtins[0]))
	};
	return &table;
}
