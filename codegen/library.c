/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Library functions: code that many blocks run the same way (hist()'s
 * slot) is one function of the module, in a section of its own, compiled
 * once per script instead of once per block, and called.  LLVM's work
 * per block is what start-up pays for a long script (docs/performance.md).
 *
 * A program is loaded alone, so after the emission each program gets its
 * own copy of the library functions it calls, appended to its
 * instructions, and its calls are pointed at the copy: a BPF-to-BPF call,
 * as libbpf links a program's static functions.  Library functions are
 * leaves (they call nothing and use no map): their code moves as it is. */
#include "cg.h"
#include "subprogs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The function named `name` taking nargs i64 arguments and returning an
 * i64, made by build() the first time a block calls it; the call is
 * built where cg's builder is. */
LLVMValueRef cg_library_call(struct cg *cg, const char *name, LLVMValueRef *args, int nargs,
			     LLVMValueRef (*build)(struct cg *lib, LLVMValueRef *params))
{
	LLVMTypeRef params[4] = { cg->i64, cg->i64, cg->i64, cg->i64 };
	LLVMTypeRef fty = LLVMFunctionType(cg->i64, params, nargs, 0);
	LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, name);
	if (!fn) {
		fn = LLVMAddFunction(cg->mod, name, fty);
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		LLVMSetSection(fn, LIBRARY_SECTION);
		struct cg lib = { .ctx = cg->ctx, .mod = cg->mod, .fn = fn,
				  .i8 = cg->i8, .i16 = cg->i16, .i32 = cg->i32, .i64 = cg->i64,
				  .i8p = cg->i8p, .i64p = cg->i64p };
		lib.b = LLVMCreateBuilderInContext(cg->ctx);
		lib.entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry");
		LLVMPositionBuilderAtEnd(lib.b, lib.entry);
		LLVMValueRef p[4];
		for (int i = 0; i < nargs; i++)
			p[i] = LLVMGetParam(fn, i);
		LLVMBuildRet(lib.b, build(&lib, p));
		LLVMDisposeBuilder(lib.b);
	}
	return LLVMBuildCall2(cg->b, fty, fn, args, nargs, "");
}

/* ---- after the emission: linking a program's calls ---- */

static int append(struct bpf_insn **insns, size_t *n, const struct bpf_insn *code, size_t len)
{
	struct bpf_insn *more = realloc(*insns, (*n + len) * sizeof(**insns));
	if (!more)
		return -ENOMEM;
	memcpy(more + *n, code, len * sizeof(*code));
	*insns = more;
	*n += len;
	return 0;
}

int cg_link_library(struct bpf_insn **insns, size_t *n, const struct library *lib)
{
	size_t at[MAX_SUBPROGS] = { 0 };	/* each function's copy; 0: none yet */
	size_t own = *n;	/* the calls are in the program's own code */
	for (size_t i = 0; i < own; i++) {
		if (!cg_is_library_call(&(*insns)[i]))
			continue;
		size_t t = (size_t)(*insns)[i].imm;
		int f = cg_span_of(lib->fns, lib->nfns, t);
		if (f < 0 || lib->fns[f].end > lib->ninsns)
			return -ENOEXEC;
		const struct span *fn = &lib->fns[f];
		if (!at[f]) {
			at[f] = *n;
			int rc = append(insns, n, lib->insns + fn->start, fn->end - fn->start);
			if (rc)
				return rc;
		}
		(*insns)[i].imm = (int32_t)(at[f] + (t - fn->start) - i - 1);
		(*insns)[i].off = 0;
	}
	return 0;
}
