/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the builtin statements: printf, print, time, exit
 * and the map operations.  Most send an event through the ring buffer
 * for user space to act on; a failed send is counted as a lost event. */
#include "codegen/cg.h"
#include "lang/format.h"
#include "builtins/internal.h"

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
	if (fi->record_size > EVENT_RECORD_MAX) {
		if (!cg->record_over) {
			cg->record_over = cg->stmt;
			cg->record_over_size = fi->record_size;
		}
		return;
	}
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
	cg_store64(cg, cg_event_type(cg, EVENT_PRINTF), rec);
	cg_store64(cg, cg_const(cg, id), cg_gep(cg, rec, 8));
	for (i = 0; i < fi->nargs; i++) {
		const struct fmt_arg *a = &fi->args[i];
		LLVMValueRef dst = cg_gep(cg, rec, a->offset);
		if (cg_is_buffer(&a->type))
			cg_copy(cg, dst, vals[i], a->type.size);
		else
			cg_store64(cg, vals[i], dst);
	}
	LLVMValueRef sargs[2] = { rec, cg_const(cg, 0) };
	cg_helper(cg, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(cg->ctx), sargs, 2);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

LLVMValueRef gen_printf(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	send_record(cg, symtab_format(cg->syms, (int)n->ival), n->args->next, (int)n->ival);
	return NULL;
}

static void send_map_op(struct cg *cg, enum map_op op, const struct node *map, int64_t top,
			int64_t div)
{
	LLVMValueRef w[5] = { cg_event_type(cg, EVENT_MAP_OP), cg_const(cg, op),
			      cg_const(cg, map->mapinfo->id), cg_const(cg, top), cg_const(cg, div) };
	send_words(cg, w, 5);
}

LLVMValueRef gen_print(struct cg *cg, struct node *n, struct node *t)
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

LLVMValueRef gen_clear(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	send_map_op(cg, MAP_OP_CLEAR, n->args, 0, 0);
	return NULL;
}

LLVMValueRef gen_zero(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	send_map_op(cg, MAP_OP_ZERO, n->args, 0, 0);
	return NULL;
}

/* Histograms keep one kernel entry per bucket, so user space deletes
 * them; other maps delete their key in place, or zero it in every CPU
 * when an array holds it (its entries cannot be deleted). */
LLVMValueRef gen_delete(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	const struct map_info *m = n->args->mapinfo;
	LLVMValueRef key = cg_map_key(cg, n->args);
	if (!map_is_hist(m) && map_is_array(m)) {
		cg_array_clear(cg, m, key);
		return NULL;
	}
	if (!map_is_hist(m)) {
		LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[m->id]), key };
		cg_helper(cg, BPF_FUNC_map_delete_elem, cg->i64, args, 2);
		return NULL;
	}
	int ks = map_user_key_size(m);
	LLVMValueRef ev = cg_alloca_zero(cg, 16 + ks, "delev");
	cg_store64(cg, cg_event_type(cg, EVENT_DELETE), ev);
	cg_store64(cg, cg_const(cg, m->id), cg_gep(cg, ev, 8));
	/* A keyless histogram's user key is zeros: the array's index is no
	 * part of it. */
	if (!map_is_array(m))
		cg_copy(cg, cg_gep(cg, ev, 16), key, ks);
	LLVMValueRef args[4] = { events_map(cg), ev, cg_const(cg, 16 + ks), cg_const(cg, 0) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_ringbuf_output, cg->i64, args, 4);
	cg_count_if_negative(cg, rc, ERR_SLOT_LOST_EVENTS);
	return NULL;
}

LLVMValueRef gen_time(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	LLVMValueRef w[2] = { cg_event_type(cg, EVENT_TIME), cg_const(cg, n->ival) };
	send_words(cg, w, 2);
	return NULL;
}

LLVMValueRef gen_exit(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	LLVMValueRef code = n->args ? cg_expr(cg, n->args) : cg_const(cg, 0);
	LLVMValueRef ev = cg_alloca(cg, sizeof(struct event_exit), "exitev");
	LLVMBuildStore(cg->b, cg_event_type(cg, EVENT_EXIT), cg_ptr_to(cg, ev, cg->i64));
	LLVMBuildStore(cg->b, code, cg_ptr_to(cg, cg_gep(cg, ev, 8), cg->i64));
	LLVMValueRef args[4] = { events_map(cg), ev,
				 cg_const(cg, sizeof(struct event_exit)), cg_const(cg, 0) };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_ringbuf_output, cg->i64, args, 4);
	cg_count_if_negative(cg, rc, ERR_SLOT_LOST_EVENTS);
	/* exit() ends the probe, as in bpftrace: later statements do not run. */
	cg_return(cg);
	LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "afterexit");
	LLVMPositionBuilderAtEnd(cg->b, after);
	return NULL;
}
