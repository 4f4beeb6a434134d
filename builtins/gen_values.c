/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the builtins that yield a value: the process and
 * CPU a probe fires on, clocks, and strings read from user memory. */
#include "codegen/cg.h"
#include "builtins/internal.h"

static LLVMValueRef gen_pid_tgid(struct cg *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_pid_tgid, cg->i64, NULL, 0);
}

/* The helper packs tgid (user space's pid) above the thread id. */
LLVMValueRef gen_pid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildLShr(cg->b, gen_pid_tgid(cg), cg_const(cg, 32), "pid");
}

LLVMValueRef gen_tid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildAnd(cg->b, gen_pid_tgid(cg), cg_const(cg, 0xffffffff), "tid");
}

LLVMValueRef gen_nsecs(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
}

/* Nanoseconds since the session opened: its monotonic clock then is a
 * constant baked into the program. */
LLVMValueRef gen_elapsed(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	LLVMValueRef now = cg_helper(cg, BPF_FUNC_ktime_get_ns, cg->i64, NULL, 0);
	return LLVMBuildSub(cg->b, now, cg_const(cg, (int64_t)cg->maps->start_ns), "");
}

LLVMValueRef gen_cpu(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_get_smp_processor_id, cg->i64, NULL, 0);
}

/* The id of the task's cgroup (v2): the inode of its directory. */
LLVMValueRef gen_cgroup(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_get_current_cgroup_id, cg->i64, NULL, 0);
}

/* The task's name in a zeroed 16-byte buffer: string[16], as typed. */
LLVMValueRef gen_comm(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	LLVMValueRef buf = cg_alloca_zero(cg, 16, "comm");
	LLVMValueRef args[2] = { buf, LLVMConstInt(cg->i32, 16, 0) };
	cg_helper(cg, BPF_FUNC_get_current_comm, cg->i64, args, 2);
	return buf;
}

/* Byte stores of the name, as a string literal's: no .rodata. */
LLVMValueRef gen_probe(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	const char *name = cg->maps->probe_name ? cg->maps->probe_name : "";
	LLVMValueRef buf = cg_alloca_zero(cg, n->type.size, "probe");
	for (int i = 0; name[i] && i + 1 < n->type.size; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, (unsigned char)name[i], 0),
			       cg_gep(cg, buf, i));
	return buf;
}

/* The literal's 32 bytes, made as a string literal's are. */
LLVMValueRef gen_hash(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	return cg_expr(cg, n->args);
}

/* The integer itself: the places are its type's, used when printed. */
LLVMValueRef gen_dec(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	return cg_expr(cg, n->args);
}

/* str($1) of a string parameter is the string itself; otherwise the
 * argument is a pointer to read n->type.size bytes from. */
LLVMValueRef gen_str(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	if (n->args->type.kind == T_STR)
		return cg_expr(cg, n->args);
	return cg_read_str(cg, cg_expr(cg, n->args), n->type.size);
}

/* The helper packs the group id above the user id. */
static LLVMValueRef gen_uid_gid(struct cg *cg)
{
	return cg_helper(cg, BPF_FUNC_get_current_uid_gid, cg->i64, NULL, 0);
}

LLVMValueRef gen_uid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildAnd(cg->b, gen_uid_gid(cg), cg_const(cg, 0xffffffff), "uid");
}

LLVMValueRef gen_gid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return LLVMBuildLShr(cg->b, gen_uid_gid(cg), cg_const(cg, 32), "gid");
}

LLVMValueRef gen_numaid(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	return cg_helper(cg, BPF_FUNC_get_numa_node_id, cg->i64, NULL, 0);
}

/* 32 random bits, as bpftrace's rand. */
LLVMValueRef gen_rand(struct cg *cg, struct node *n, struct node *t)
{
	(void)n, (void)t;
	LLVMValueRef r = cg_helper(cg, BPF_FUNC_get_prandom_u32, cg->i64, NULL, 0);
	return LLVMBuildAnd(cg->b, r, cg_const(cg, 0xffffffff), "rand");
}

/* buf(p, n): the length read, then the bytes; the length is held to the
 * buffer so the verifier sees the read fit.  A failed read is counted and
 * leaves zeros. */
LLVMValueRef gen_buf(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *src = n->args;
	int cap = n->type.size - 8;
	LLVMValueRef from = cg_expr(cg, src);
	LLVMValueRef len = cg_expr(cg, src->next);
	LLVMValueRef out = cg_alloca_zero(cg, n->type.size, "buf");
	if (src->type.kind == T_STR) {
		cg_store64(cg, cg_const(cg, cap), out);
		cg_copy(cg, cg_gep(cg, out, 8), from, cap);
		return out;
	}
	LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, len, cg_const(cg, cap), "");
	len = LLVMBuildSelect(cg->b, big, cg_const(cg, cap), len, "buflen");
	cg_store64(cg, len, out);
	LLVMValueRef args[3] = { cg_gep(cg, out, 8), LLVMBuildTrunc(cg->b, len, cg->i32, ""),
				 LLVMBuildIntToPtr(cg->b, from, cg->i8p, "") };
	LLVMValueRef rc = cg_helper(cg, BPF_FUNC_probe_read_user, cg->i64, args, 3);
	cg_count_if_negative(cg, rc, cg->maps->read_err_slot);
	return out;
}

/* strftime(fmt, nsecs): the nanoseconds; user space makes the date. */
LLVMValueRef gen_strftime(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	return cg_expr(cg, n->args->next);
}
