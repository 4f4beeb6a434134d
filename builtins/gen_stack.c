/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ustack, ustack(N), ustack(perf[, N]) and usym(address): their type rules
 * and code generators.  A stack is kept as bpftrace keeps it: the id of
 * the frames in a kernel stack-trace map (one map per depth, so that two
 * stacks equal in their first N frames share an id) with the pid above
 * it, 8 bytes that make a cheap and exact map key.  Both are symbolised
 * in user space (runtime/stacks.c). */
#include <errno.h>
#include <string.h>

#include "codegen/cg.h"
#include "builtins/internal.h"
#include "lang/diag.h"

/* ustack's first argument, when it is a bare word: its mode.  1 when
 * it is not one (the frame count), 0 or -EINVAL after a diag. */
static int stack_mode_of(const struct node *a, struct type *t)
{
	if (a->kind != N_BUILTIN)
		return 1;
	if (a->name && !strcmp(a->name, "bpftrace"))
		t->stack_mode = STACK_BPFTRACE;
	else if (a->name && !strcmp(a->name, "perf"))
		t->stack_mode = STACK_PERF;
	else
		return diag_error(&a->loc, "the modes are bpftrace and perf",
				  "ustack has no mode '%s'", a->name ? a->name : "?");
	return 0;
}

static int stack_frames_of(const struct node *a, struct type *t)
{
	if (a->kind != N_INT || a->ival < 1 || a->ival > STACK_FRAMES_MAX)
		return diag_error(&a->loc, "a constant from 1 to 127 (the kernel's "
				  "perf_event_max_stack)", "ustack's frame count must be a constant");
	t->stack_frames = (short)a->ival;
	return 0;
}

int rule_ustack(struct sema *s, struct node *n)
{
	(void)s;
	struct type t = { .kind = T_USTACK, .size = 8, .stack_frames = STACK_FRAMES_MAX };
	struct node *a = n->kind == N_CALL ? n->args : NULL;
	int k = 0;
	for (struct node *x = a; x; x = x->next)
		k++;
	if (k > 2)
		return diag_error(&n->loc, n->builtin->usage, "ustack() takes up to 2 arguments, "
				  "not %d", k);
	if (a) {
		int rc = stack_mode_of(a, &t);
		if (rc < 0)
			return rc;
		if (rc == 0)
			a = a->next;
		else if (a->next)
			return diag_error(&a->loc, n->builtin->usage, "ustack's mode comes first");
	}
	if (a && stack_frames_of(a, &t))
		return -EINVAL;
	n->type = t;
	return 0;
}

int rule_usym(struct sema *s, struct node *n)
{
	if (!n->args || n->args->next)
		return diag_error(&n->loc, n->builtin->usage, "usym() takes 1 argument");
	if (sema_expr(s, n->args))
		return -EINVAL;
	if (n->args->type.kind != T_INT && n->args->type.kind != T_PTR) {
		char t[32];
		return diag_error(&n->args->loc, "pass an address, such as a function pointer argument",
				  "usym() needs an integer, this is %s",
				  type_name(&n->args->type, t, sizeof(t)));
	}
	n->type = (struct type){ .kind = T_USYM, .size = 16 };
	return 0;
}

static LLVMValueRef pid_above(struct cg *cg)
{
	LLVMValueRef pid_tgid = cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
	LLVMValueRef tgid = LLVMBuildLShr(cg->b, pid_tgid, cg_const(cg, 32), "");
	return LLVMBuildShl(cg->b, tgid, cg_const(cg, 32), "");
}

/* A failed walk (no user stack, the map full, another stack in the id's
 * bucket) keeps its negative id: it prints as no frames, as in bpftrace,
 * and is counted, so that the loss is reported at exit. */
LLVMValueRef gen_ustack(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	const struct cg_maps *maps = cg->maps;
	int fd = maps->stack_map ? maps->stack_map(maps->stack_owner, n->type.stack_frames)
				 : -ENOTSUP;
	if (fd < 0) {
		diag_error(&n->loc, NULL, "cannot create the kernel's stack map for ustack: %s",
			   strerror(-fd));
		cg->failed = true;
		return cg_const(cg, 0);
	}
	LLVMValueRef args[3] = { cg->ctxp, cg_map_ptr(cg, fd), cg_const(cg, BPF_F_USER_STACK) };
	LLVMValueRef id = cg_helper(cg, BPF_FUNC_get_stackid, cg->i64, args, 3);
	cg_count_if_negative(cg, id, ERR_SLOT_STACK_LOST);
	id = LLVMBuildAnd(cg->b, id, cg_const(cg, 0xffffffff), "stackid");
	return LLVMBuildOr(cg->b, id, pid_above(cg), "ustack");
}

/* The address, then the pid whose memory it is in. */
LLVMValueRef gen_usym(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	LLVMValueRef buf = cg_alloca(cg, 16, "usym");
	cg_store64(cg, cg_expr(cg, n->args), buf);
	LLVMValueRef pid = LLVMBuildLShr(cg->b, pid_above(cg), cg_const(cg, 32), "");
	cg_store64(cg, pid, cg_gep(cg, buf, 8));
	return buf;
}
