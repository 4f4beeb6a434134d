/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the questions a probe asks about a map: whether a
 * key has an entry, and how many entries there are. */
#include <errno.h>

#include "codegen/cg.h"
#include "builtins/internal.h"

/* A map found to be a histogram only after the call was checked (it is
 * assigned further down the script): its entries are buckets. */
static bool refuse_hist(struct cg *cg, struct node *n, const struct map_info *m)
{
	if (!map_is_hist(m))
		return false;
	diag_error(&n->loc, "a histogram's entries are its buckets",
		   "%s() does not work on %s, which holds %s()", n->name, m->name, m->agg->name);
	cg->failed = true;
	return true;
}

/* v, hidden from LLVM's optimiser behind an empty inline asm: it cannot
 * merge two lookups' null tests into one test of their pointers OR-ed
 * together, which the verifier refuses ("pointer |= pointer"). */
static LLVMValueRef opaque(struct cg *cg, LLVMValueRef v)
{
	LLVMTypeRef ty = LLVMFunctionType(cg->i64, &cg->i64, 1, 0);
	LLVMValueRef barrier = LLVMGetInlineAsm(ty, "", 0, "=r,0", 4, 0, 0,
						LLVMInlineAsmDialectATT, 0);
	return LLVMBuildCall2(cg->b, ty, barrier, &v, 1, "");
}

/* has_key(@m, key): the map node carries the key (type rule). */
LLVMValueRef gen_has_key(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *map = n->args;
	if (refuse_hist(cg, n, map->mapinfo))
		return cg_const(cg, 0);
	LLVMValueRef key = cg_map_key(cg, map);
	LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[map->mapinfo->id]), key };
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
	LLVMValueRef found = LLVMBuildIsNotNull(cg->b, p, "");
	return opaque(cg, LLVMBuildZExt(cg->b, found, cg->i64, "has_key"));
}

/* len(@m): the kernel counts a hash map's entries as they come and go;
 * the kernel function bpf_map_sum_elem_count (Linux 6.6) reads the count,
 * so no walk over the entries. */
LLVMValueRef gen_len(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	const struct cg_maps *maps = cg->maps;
	const struct map_info *m = n->args->mapinfo;
	if (refuse_hist(cg, n, m))
		return cg_const(cg, 0);
	/* The kernel counts no array's entries: a keyless map's one entry is
	 * there when a CPU wrote it. */
	if (map_is_array(m))
		return cg_array_written(cg, m, cg_alloca_zero(cg, 4, "index"));
	int id = maps->kfunc_id ? maps->kfunc_id(maps->kfunc_owner, "bpf_map_sum_elem_count")
				: -ENOTSUP;
	if (id <= 0) {
		diag_error(&n->loc, "it came with Linux 6.6",
			   "len() needs the kernel function bpf_map_sum_elem_count, which this "
			   "kernel lacks");
		cg->failed = true;
		return cg_const(cg, 0);
	}
	/* A helper call to an id past every helper's: emit() marks it as a
	 * call of the kernel function with that BTF id. */
	LLVMValueRef map = cg_map_ptr(cg, maps->map_fds[n->args->mapinfo->id]);
	return cg_helper(cg, id, cg->i64, &map, 1);
}
