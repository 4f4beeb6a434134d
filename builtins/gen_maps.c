/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Code generators of the questions a probe asks about a map: whether a
 * key has an entry, and how many entries there are. */
#include "codegen/cg.h"
#include "builtins/internal.h"

/* has_key(@m, key): the map node carries the key (type rule). */
LLVMValueRef gen_has_key(struct cg *cg, struct node *n, struct node *t)
{
	(void)t;
	struct node *map = n->args;
	LLVMValueRef key = cg_map_key(cg, map);
	LLVMValueRef args[2] = { cg_map_ptr(cg, cg->maps->map_fds[map->mapinfo->id]), key };
	LLVMValueRef p = cg_helper(cg, BPF_FUNC_map_lookup_elem, cg->i8p, args, 2);
	LLVMValueRef found = LLVMBuildIsNotNull(cg->b, p, "");
	return LLVMBuildZExt(cg->b, found, cg->i64, "has_key");
}
