/* SPDX-License-Identifier: GPL-3.0-or-later */
/* for and while loops.  A loop's body is a static function of the same
 * section as its program, run by the kernel's bpf_loop() helper: the
 * verifier checks the body once, whatever the number of iterations, where
 * an unrolled or bounded loop would be checked iteration by iteration.
 *
 * The body reaches the program's state through the context its caller
 * passes, an array of words:
 *
 *   LOOP_PROBE_CTX  the program's own context (arguments are read from it)
 *   LOOP_SCRATCH    the scratch entry, claimed by the program
 *   LOOP_EXIT       set by the body when it leaves the program (exit())
 *   LOOP_START      the range's first value; a while loop's LOOP_ENDED
 *   LOOP_VARS...    the address of each variable the body uses
 *
 * Variables live where they always do, in the program's function (its
 * stack or scratch), so what the body writes is seen after the loop.
 * A nested loop's context is made by its enclosing body from its own. */
#include "cg.h"

#include <stdio.h>
#include <string.h>

enum { LOOP_PROBE_CTX, LOOP_SCRATCH, LOOP_EXIT, LOOP_START, LOOP_VARS };

/* Set when a loop ends by itself (its condition false, or break) rather
 * than by exit() or bpf_loop's limit.  A range's first word: a range's
 * body reads its start at the top of each round, so a break writing
 * here, whatever the loop, changes nothing (no round follows it). */
#define LOOP_ENDED LOOP_START

/* bpf_loop(nr_loops, callback, ctx, flags), Linux 5.17. */
#define HELPER_LOOP 181

#define MAX_VARS 64

/* The variables a subtree reads or writes, as bits of their slots. */
static uint64_t vars_used(const struct node *n)
{
	uint64_t used = 0;
	for (; n; n = n->next) {
		if ((n->kind == N_VAR || n->kind == N_ASSIGN_VAR || n->kind == N_FOR) &&
		    n->var_slot >= 0 && n->var_slot < MAX_VARS)
			used |= 1ull << n->var_slot;
		used |= vars_used(n->lhs) | vars_used(n->rhs) | vars_used(n->cond) |
			vars_used(n->then) | vars_used(n->els) | vars_used(n->args) |
			vars_used(n->map);
	}
	return used;
}

static LLVMValueRef word_ptr(struct cg *cg, LLVMValueRef ctx, int word)
{
	return cg_ptr_to(cg, cg_gep(cg, ctx, 8 * word), cg->i64);
}

static void store_word(struct cg *cg, LLVMValueRef ctx, int word, LLVMValueRef v)
{
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		v = LLVMBuildPtrToInt(cg->b, v, cg->i64, "");
	/* Aligned: a pointer spilled to the stack is read back by the
	 * verifier only whole (LLVM splits a load it thinks unaligned). */
	LLVMSetAlignment(LLVMBuildStore(cg->b, v, word_ptr(cg, ctx, word)), 8);
}

static LLVMValueRef load_word(struct cg *cg, LLVMValueRef ctx, int word)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, word_ptr(cg, ctx, word), "");
	LLVMSetAlignment(v, 8);
	return v;
}

static LLVMValueRef load_ptr(struct cg *cg, LLVMValueRef ctx, int word)
{
	return LLVMBuildIntToPtr(cg->b, load_word(cg, ctx, word), cg->i8p, "");
}

/* The caller's half: the context, filled. */
static LLVMValueRef loop_context(struct cg *cg, uint64_t used, LLVMValueRef start)
{
	int nwords = LOOP_VARS + __builtin_popcountll(used);
	/* One slot serves the function's loops one after the other. */
	if (cg->loop_slot_words < nwords) {
		cg->loop_slot = cg_new_slot(cg, 8 * nwords, "loopctx");
		cg->loop_slot_words = nwords;
	}
	LLVMValueRef ctx = cg->loop_slot;
	store_word(cg, ctx, LOOP_PROBE_CTX, cg->ctxp);
	store_word(cg, ctx, LOOP_SCRATCH, cg->scratch);
	store_word(cg, ctx, LOOP_EXIT, cg_const(cg, 0));
	store_word(cg, ctx, LOOP_START, start);
	int w = LOOP_VARS;
	for (int i = 0; i < MAX_VARS; i++)
		if (used & (1ull << i))
			store_word(cg, ctx, w++, cg_var_slot(cg, i, 8));
	return ctx;
}

/* What the body's function changes in the generator's state, kept to be
 * given back when the body is done. */
struct saved_fn {
	LLVMValueRef fn, ctxp, scratch, loop_ctx, loop_slot;
	int loop_slot_words;
	LLVMBasicBlockRef entry, scratch_bb, at;
	LLVMValueRef vars[MAX_VARS];
	struct cg_temp temps[64];
	int ntemps, stack_used, stack_base, stack_deepest;
	const struct node *stmt;
};

static void enter_fn(struct cg *cg, struct saved_fn *sv, LLVMValueRef fn)
{
	*sv = (struct saved_fn){ .fn = cg->fn, .ctxp = cg->ctxp, .scratch = cg->scratch,
				 .loop_ctx = cg->loop_ctx, .entry = cg->entry,
				 .loop_slot = cg->loop_slot, .loop_slot_words = cg->loop_slot_words,
				 .scratch_bb = cg->scratch_bb, .at = LLVMGetInsertBlock(cg->b),
				 .ntemps = cg->ntemps, .stmt = cg->stmt,
				 .stack_used = cg->stack_used, .stack_base = cg->stack_base,
				 .stack_deepest = cg->stack_deepest };
	cg->stack_base += cg_frame_bytes(cg->stack_used);
	cg->stack_used = cg->stack_deepest = 0;
	cg->loop_slot = NULL;
	cg->loop_slot_words = 0;
	memcpy(sv->vars, cg->vars, sizeof(sv->vars));
	memset(cg->vars, 0, sizeof(sv->vars));
	memcpy(sv->temps, cg->temps, sizeof(sv->temps));
	/* The caller's temporaries are its stack slots: the body makes its own. */
	cg->ntemps = 0;
	cg->fn = fn;
	cg->entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry");
	LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(cg->ctx, fn, "start");
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMBuildBr(cg->b, start);
	LLVMPositionBuilderAtEnd(cg->b, start);
	cg->scratch_bb = NULL;
}

static void leave_fn(struct cg *cg, const struct saved_fn *sv)
{
	cg->fn = sv->fn;
	cg->ctxp = sv->ctxp;
	cg->scratch = sv->scratch;
	cg->loop_ctx = sv->loop_ctx;
	cg->loop_slot = sv->loop_slot;
	cg->loop_slot_words = sv->loop_slot_words;
	cg->entry = sv->entry;
	cg->scratch_bb = sv->scratch_bb;
	cg->ntemps = sv->ntemps;
	cg->stmt = sv->stmt;
	int chain = cg_frame_bytes(cg->stack_used) + cg->stack_deepest;
	cg->stack_used = sv->stack_used;
	cg->stack_base = sv->stack_base;
	cg->stack_deepest = sv->stack_deepest > chain ? sv->stack_deepest : chain;
	cg_stack_check(cg);
	memcpy(cg->vars, sv->vars, sizeof(sv->vars));
	memcpy(cg->temps, sv->temps, sizeof(sv->temps));
	LLVMPositionBuilderAtEnd(cg->b, sv->at);
}

/* The body's half: the program's state taken back from the context. */
static void unpack_context(struct cg *cg, LLVMValueRef ctx, uint64_t used)
{
	cg->loop_ctx = ctx;
	cg->ctxp = load_ptr(cg, ctx, LOOP_PROBE_CTX);
	cg->scratch = load_ptr(cg, ctx, LOOP_SCRATCH);
	int w = LOOP_VARS;
	for (int i = 0; i < MAX_VARS; i++)
		if (used & (1ull << i))
			cg->vars[i] = load_ptr(cg, ctx, w++);
}

/* A loop's body: a function returning long, internal (the verifier takes
 * only a static function's address), in its program's section. */
static LLVMValueRef body_fn(struct cg *cg, LLVMTypeRef *params, unsigned n)
{
	char name[96];
	size_t len;
	snprintf(name, sizeof(name), "%s_loop%d", LLVMGetValueName2(cg->fn, &len), ++cg->nloops);
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->i64, params, n, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMSetSection(fn, LLVMGetSection(cg->fn));
	return fn;
}

/* The start of a body bpf_loop calls, long body(u64 index, void *ctx):
 * made, entered, and the program's state unpacked from ctx. */
static LLVMValueRef bpf_loop_body(struct cg *cg, struct saved_fn *sv, uint64_t used)
{
	LLVMTypeRef params[2] = { cg->i64, cg->i8p };
	LLVMValueRef fn = body_fn(cg, params, 2);
	enter_fn(cg, sv, fn);
	unpack_context(cg, LLVMGetParam(fn, 1), used);
	return fn;
}

/* long body(u64 index, void *ctx): sets the loop's variable to START +
 * index, runs the statements; 0 goes on, 1 stops (break, exit). */
static LLVMValueRef range_body(struct cg *cg, struct node *st, uint64_t used)
{
	struct saved_fn sv;
	LLVMValueRef fn = bpf_loop_body(cg, &sv, used);
	LLVMValueRef ctx = LLVMGetParam(fn, 1);
	LLVMValueRef start = load_word(cg, ctx, LOOP_START);
	LLVMValueRef i = LLVMBuildAdd(cg->b, start, LLVMGetParam(fn, 0), "");
	cg_store64(cg, i, cg->vars[st->var_slot]);
	cg_stmts(cg, st->then);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	leave_fn(cg, &sv);
	return fn;
}

/* bpf_for_each_map_elem(map, callback, ctx, flags), Linux 5.13. */
#define HELPER_FOR_EACH 164

/* An aggregation's value as it prints: its CPUs' values folded.  The
 * kernel hands a loop over a per-CPU map only the value of the CPU it
 * runs on; the others are looked up one by one (cg_each_cpu).  An array
 * map's entry also gathers its CPUs' written flags. */
struct fold {
	const struct map_info *m;
	enum agg_kind kind;
	bool is_signed;
	LLVMValueRef acc, seen, written;
};

static void fold_one(struct cg *cg, LLVMValueRef p, void *arg)
{
	const struct fold *f = arg;
	if (f->written)
		cg_or_written(cg, f->m, p, f->written);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, p, cg->i64), "");
	LLVMValueRef acc = LLVMBuildLoad2(cg->b, cg->i64, f->acc, "");
	if (f->kind == AGG_COUNT || f->kind == AGG_SUM) {
		LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, acc, v, ""), f->acc);
		return;
	}
	/* min, max: the value, then whether this CPU has one. */
	LLVMValueRef set = LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg, cg_gep(cg, p, 8), cg->i64), "");
	LLVMValueRef seen = LLVMBuildLoad2(cg->b, cg->i64, f->seen, "");
	LLVMIntPredicate pred = f->kind == AGG_MAX ? (f->is_signed ? LLVMIntSGT : LLVMIntUGT)
						   : (f->is_signed ? LLVMIntSLT : LLVMIntULT);
	LLVMValueRef better = LLVMBuildOr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, seen, cg_const(cg, 0), ""),
					  LLVMBuildICmp(cg->b, pred, v, acc, ""), "");
	LLVMValueRef take = LLVMBuildAnd(cg->b, better, LLVMBuildICmp(cg->b, LLVMIntNE, set,
								      cg_const(cg, 0), ""), "");
	LLVMBuildStore(cg->b, LLVMBuildSelect(cg->b, take, v, acc, ""), f->acc);
	LLVMBuildStore(cg->b, LLVMBuildSelect(cg->b, take, cg_const(cg, 1), seen, ""), f->seen);
}

static LLVMValueRef new_word(struct cg *cg, const char *name)
{
	LLVMValueRef p = cg_ptr_to(cg, cg_new_slot(cg, 8, name), cg->i64);
	LLVMBuildStore(cg->b, cg_const(cg, 0), p);
	return p;
}

/* The folded value; *written (array maps only, else NULL): whether any
 * CPU wrote the entry. */
static LLVMValueRef fold_cpus(struct cg *cg, const struct map_info *m, LLVMValueRef key,
			      LLVMValueRef *written)
{
	struct fold f = { .m = m, .kind = map_agg_kind(m), .is_signed = !m->value_unsigned,
			  .acc = new_word(cg, "acc"), .seen = new_word(cg, "seen"),
			  .written = map_is_array(m) ? new_word(cg, "written") : NULL };
	cg_each_cpu(cg, m, key, fold_one, &f);
	*written = f.written ? LLVMBuildLoad2(cg->b, cg->i64, f.written, "") : NULL;
	return LLVMBuildLoad2(cg->b, cg->i64, f.acc, "");
}

/* $kv = (key, value): the key's bytes as the kernel keeps them (a key's
 * fields are laid out as a tuple's elements), then the value.  A keyless
 * map's key is 0, whatever index its array has.  Returns, for an array
 * map, whether the entry was written (else NULL). */
static LLVMValueRef fill_pair(struct cg *cg, const struct map_info *m, const struct type *kv,
			      LLVMValueRef home, LLVMValueRef key, LLVMValueRef value)
{
	const struct tuple_type *tt = kv->tuple;
	int ksize = map_kernel_key_size(m), kroom = type_stored_size(&tt->elem[0]);
	LLVMValueRef kdst = cg_gep(cg, home, tt->offset[0]);
	if (map_is_array(m))
		cg_zero(cg, kdst, kroom, 1);
	else
		cg_copy(cg, kdst, key, ksize < kroom ? ksize : kroom);
	LLVMValueRef dst = cg_gep(cg, home, tt->offset[1]), written = NULL;
	if (m->agg) {
		cg_store64(cg, fold_cpus(cg, m, key, &written), dst);
		return written;
	}
	int vsize = map_value_size(m), vroom = type_stored_size(&tt->elem[1]);
	cg_copy(cg, dst, value, vsize < vroom ? vsize : vroom);
	return NULL;
}

/* An array entry nobody wrote is one a hash map would not hold: the
 * loop goes on to the next without running its body. */
static void skip_unwritten(struct cg *cg, LLVMValueRef written)
{
	LLVMBasicBlockRef skip = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "kv_unwritten");
	LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "kv_written");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, written, cg_const(cg, 0), ""),
			skip, run);
	LLVMPositionBuilderAtEnd(cg->b, skip);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, run);
}

/* long body(map, const void *key, void *value, void *ctx): sets the loop's
 * variable to (key, value), runs the statements; 0 goes on, 1 stops. */
static LLVMValueRef map_body(struct cg *cg, struct node *st, uint64_t used)
{
	LLVMTypeRef params[4] = { cg->i8p, cg->i8p, cg->i8p, cg->i8p };
	LLVMValueRef fn = body_fn(cg, params, 4);
	struct saved_fn sv;
	enter_fn(cg, &sv, fn);
	unpack_context(cg, LLVMGetParam(fn, 3), used);
	LLVMValueRef written = fill_pair(cg, st->map->mapinfo,
					 &cg->probe->var_types[st->var_slot],
					 cg->vars[st->var_slot], LLVMGetParam(fn, 1),
					 LLVMGetParam(fn, 2));
	if (written)
		skip_unwritten(cg, written);
	cg_stmts(cg, st->then);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	leave_fn(cg, &sv);
	return fn;
}

/* After the loop: the body left the program, so does its caller. */
static void after_loop(struct cg *cg, LLVMValueRef ctx)
{
	LLVMValueRef left = load_word(cg, ctx, LOOP_EXIT);
	LLVMBasicBlockRef out = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "loop_exit");
	LLVMBasicBlockRef on = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "loop_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, left, cg_const(cg, 0), ""),
			out, on);
	LLVMPositionBuilderAtEnd(cg->b, out);
	cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, on);
}

/* A range longer than bpf_loop runs is not run at all, and counted: a
 * loop cut short would give wrong results without a word. */
static void run_range(struct cg *cg, LLVMValueRef from, LLVMValueRef to, LLVMValueRef fn,
		      LLVMValueRef ctx)
{
	LLVMBasicBlockRef check = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "range_check");
	LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "range_run");
	LLVMBasicBlockRef toolong = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "range_long");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "range_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, from, to, ""), check, done);
	LLVMPositionBuilderAtEnd(cg->b, check);
	LLVMValueRef count = LLVMBuildSub(cg->b, to, from, "");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntUGT, count,
					     cg_const(cg, LIMIT_LOOP_ITERATIONS), ""),
			toolong, run);
	LLVMPositionBuilderAtEnd(cg->b, toolong);
	cg_error_count(cg, ERR_SLOT_LOOP_TOO_LONG);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, run);
	LLVMValueRef args[4] = { LLVMBuildTrunc(cg->b, count, cg->i32, ""),
				 LLVMBuildBitCast(cg->b, fn, cg->i8p, ""), ctx,
				 cg_const(cg, 0) };
	cg_helper(cg, HELPER_LOOP, cg->i64, args, 4);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* The variables a loop's body uses, made in the caller before the body
 * needs their addresses. */
static void make_vars(struct cg *cg, uint64_t used)
{
	cg_scratch_base(cg);
	for (int i = 0; i < MAX_VARS; i++)
		if (used & (1ull << i))
			cg_var_slot(cg, i, 8);
}

void cg_for(struct cg *cg, struct node *st)
{
	uint64_t used = vars_used(st->then) | (1ull << st->var_slot);
	make_vars(cg, used);
	if (st->map) {
		LLVMValueRef ctx = loop_context(cg, used, cg_const(cg, 0));
		LLVMValueRef fn = map_body(cg, st, used);
		LLVMValueRef args[4] = { cg_map_ptr(cg, cg->maps->map_fds[st->map->mapinfo->id]),
					 LLVMBuildBitCast(cg->b, fn, cg->i8p, ""), ctx,
					 cg_const(cg, 0) };
		cg_helper(cg, HELPER_FOR_EACH, cg->i64, args, 4);
		after_loop(cg, ctx);
		return;
	}
	LLVMValueRef from = cg_expr(cg, st->lhs), to = cg_expr(cg, st->rhs);
	LLVMValueRef ctx = loop_context(cg, used, from);
	LLVMValueRef fn = range_body(cg, st, used);
	run_range(cg, from, to, fn, ctx);
	after_loop(cg, ctx);
}

/* long body(u64 index, void *ctx): tests the condition, then runs the
 * statements; a false condition ends the loop (1) and says so. */
static LLVMValueRef while_body(struct cg *cg, struct node *st, uint64_t used)
{
	struct saved_fn sv;
	LLVMValueRef fn = bpf_loop_body(cg, &sv, used);
	LLVMValueRef ctx = LLVMGetParam(fn, 1);
	LLVMValueRef c = LLVMBuildICmp(cg->b, LLVMIntNE, cg_expr(cg, st->cond), cg_const(cg, 0), "");
	LLVMBasicBlockRef round = LLVMAppendBasicBlockInContext(cg->ctx, fn, "while_round");
	LLVMBasicBlockRef ended = LLVMAppendBasicBlockInContext(cg->ctx, fn, "while_ended");
	LLVMBuildCondBr(cg->b, c, round, ended);
	LLVMPositionBuilderAtEnd(cg->b, ended);
	store_word(cg, ctx, LOOP_ENDED, cg_const(cg, 1));
	LLVMBuildRet(cg->b, cg_const(cg, 1));
	LLVMPositionBuilderAtEnd(cg->b, round);
	cg_stmts(cg, st->then);
	LLVMBuildRet(cg->b, cg_const(cg, 0));
	leave_fn(cg, &sv);
	return fn;
}

/* while (cond) { ... }: as many rounds as bpf_loop runs.  A loop that
 * neither ended nor left the program ran them all and was stopped there:
 * counted, as it may have stopped short of what it was to do. */
void cg_while(struct cg *cg, struct node *st)
{
	uint64_t used = vars_used(st->cond) | vars_used(st->then);
	make_vars(cg, used);
	LLVMValueRef ctx = loop_context(cg, used, cg_const(cg, 0));
	LLVMValueRef fn = while_body(cg, st, used);
	LLVMValueRef args[4] = { LLVMConstInt(cg->i32, LIMIT_LOOP_ITERATIONS, 0),
				 LLVMBuildBitCast(cg->b, fn, cg->i8p, ""), ctx, cg_const(cg, 0) };
	cg_helper(cg, HELPER_LOOP, cg->i64, args, 4);
	after_loop(cg, ctx);
	LLVMBasicBlockRef capped = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "while_capped");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "while_done");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, load_word(cg, ctx, LOOP_ENDED),
					     cg_const(cg, 0), ""), capped, done);
	LLVMPositionBuilderAtEnd(cg->b, capped);
	cg_error_count(cg, ERR_SLOT_WHILE_STOPPED);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

void cg_loop_leave(struct cg *cg)
{
	store_word(cg, cg->loop_ctx, LOOP_EXIT, cg_const(cg, 1));
	LLVMBuildRet(cg->b, cg_const(cg, 1));
}

/* break stops bpf_loop (the body returns 1), continue goes on to the
 * next iteration (0).  A loop that breaks has ended by itself: a while
 * loop is not counted as stopped at the limit. */
void cg_loop_jump(struct cg *cg, struct node *st)
{
	if (st->kind == N_BREAK)
		store_word(cg, cg->loop_ctx, LOOP_ENDED, cg_const(cg, 1));
	LLVMBuildRet(cg->b, cg_const(cg, st->kind == N_BREAK ? 1 : 0));
	cg_dead_block(cg, st->kind == N_BREAK ? "afterbreak" : "aftercontinue");
}
