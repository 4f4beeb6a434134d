/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keyless aggregations kept in per-CPU arrays (abi/abi.h says why):
 * updating an entry in place, and what a probe asks of an entry across
 * every CPU (len(), delete(), a for loop over the map). */
#include "cg.h"

/* bpf_map_lookup_percpu_elem(map, key, cpu), Linux 5.19. */
#define HELPER_LOOKUP_PERCPU 195

/* An array entry always exists: the null test is the verifier's due, no
 * insert path follows it.  The written flag tells readers the entry is no
 * longer "never written". */
void cg_array_update(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		     void (*apply)(struct cg *cg, LLVMValueRef val, void *arg), void *arg)
{
	LLVMBasicBlockRef done;
	LLVMValueRef p = cg_lookup_found(cg, m, key, &done);
	apply(cg, p, arg);
	cg_store_field64(cg, cg_const(cg, 1), cg_gep(cg, p, map_written_offset(m)));
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* Where page-table isolation runs without PCIDs (this project's CI VM:
 * pti=on, no pcid flag), each uprobe trap starts with the TLB flushed, so
 * each page a program touches costs a page walk, nested under a
 * hypervisor.  A histogram's entry depends on the value; when the value is
 * read from the traced process's memory, the read's walk and the entry's
 * walk ran one after the other.  A load of a fixed entry before the read
 * starts the map's walks beside it: hist(arg3) on utxocache:add (a memory
 * operand) 334 -> 245 ns per run, count() 225-238 ns (kernel.bpf_stats,
 * medians of 4).  For a value in a register it costs nothing measurable.
 * The entries of a per-CPU array are allocated one after the other, so a
 * histogram's share a page or two. */
void cg_array_warm(struct cg *cg, const struct map_info *m)
{
	LLVMValueRef key = cg_alloca_zero(cg, 4, "warm");
	LLVMBasicBlockRef done;
	LLVMValueRef p = cg_lookup_found(cg, m, key, &done);
	LLVMSetVolatile(cg_load_field64(cg, p), 1);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

/* A loop over the possible CPUs, which the verifier walks once per CPU:
 * visit(p) on each CPU's value of key in m. */
void cg_each_cpu(struct cg *cg, const struct map_info *m, LLVMValueRef key,
		 void (*visit)(struct cg *cg, LLVMValueRef val, void *arg), void *arg)
{
	LLVMValueRef slot = cg_ptr_to(cg, cg_new_slot(cg, 8, "cpu"), cg->i64);
	LLVMBuildStore(cg->b, cg_const(cg, 0), slot);
	LLVMBasicBlockRef head = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "cpu_head");
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "cpu_body");
	LLVMBasicBlockRef have = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "cpu_have");
	LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "cpu_next");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, "cpu_done");
	LLVMBuildBr(cg->b, head);
	LLVMPositionBuilderAtEnd(cg->b, head);
	LLVMValueRef cpu = LLVMBuildLoad2(cg->b, cg->i64, slot, "");
	int ncpus = cg->maps->ncpus > 0 ? cg->maps->ncpus : 1;
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, cpu, cg_const(cg, ncpus), ""),
			body, done);
	LLVMPositionBuilderAtEnd(cg->b, body);
	LLVMValueRef args[3] = { cg_map_ptr(cg, cg->maps->map_fds[m->id]), key,
				 LLVMBuildTrunc(cg->b, cpu, cg->i32, "") };
	LLVMValueRef p = cg_helper(cg, HELPER_LOOKUP_PERCPU, cg->i8p, args, 3);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), next, have);
	LLVMPositionBuilderAtEnd(cg->b, have);
	visit(cg, p, arg);
	LLVMBuildBr(cg->b, next);
	LLVMPositionBuilderAtEnd(cg->b, next);
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, cpu, cg_const(cg, 1), ""), slot);
	LLVMBuildBr(cg->b, head);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

struct written { const struct map_info *m; LLVMValueRef any; };

static void or_written(struct cg *cg, LLVMValueRef val, void *arg)
{
	struct written *w = arg;
	LLVMValueRef flag = LLVMBuildLoad2(cg->b, cg->i64, cg_ptr_to(cg,
				cg_gep(cg, val, map_written_offset(w->m)), cg->i64), "");
	LLVMValueRef any = LLVMBuildLoad2(cg->b, cg->i64, w->any, "");
	LLVMBuildStore(cg->b, LLVMBuildOr(cg->b, any, flag, ""), w->any);
}

void cg_or_written(struct cg *cg, const struct map_info *m, LLVMValueRef val, LLVMValueRef any)
{
	struct written w = { m, any };
	or_written(cg, val, &w);
}

/* 1 when some CPU wrote key's entry of m since it was last cleared: what
 * a hash map's entry being there meant. */
LLVMValueRef cg_array_written(struct cg *cg, const struct map_info *m, LLVMValueRef key)
{
	struct written w = { m, cg_ptr_to(cg, cg_new_slot(cg, 8, "written"), cg->i64) };
	LLVMBuildStore(cg->b, cg_const(cg, 0), w.any);
	cg_each_cpu(cg, m, key, or_written, &w);
	LLVMValueRef any = LLVMBuildLoad2(cg->b, cg->i64, w.any, "");
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, any, cg_const(cg, 0), ""),
			     cg->i64, "");
}

static void zero_value(struct cg *cg, LLVMValueRef val, void *arg)
{
	cg_zero(cg, val, map_value_size(arg), 8);
}

/* An array entry cannot be deleted: every CPU's value is zeroed, written
 * flag included, so that it reads as never written. */
void cg_array_clear(struct cg *cg, const struct map_info *m, LLVMValueRef key)
{
	cg_each_cpu(cg, m, key, zero_value, (void *)m);
}
