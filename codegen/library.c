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

#define MAX_LINKED 8

struct linked {
	size_t start, end;	/* the function in the library section */
	size_t at;		/* its copy in the program */
};

/* The function of the library section holding instruction t. */
static int library_span(Elf_Data *syms, size_t nsyms, size_t shndx, size_t t,
			size_t *start, size_t *end)
{
	for (size_t i = 0; i < nsyms; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		if (t >= sym.st_value / 8 && t < (sym.st_value + sym.st_size) / 8) {
			*start = sym.st_value / 8;
			*end = (sym.st_value + sym.st_size) / 8;
			return 0;
		}
	}
	return -ENOENT;
}

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
	struct linked done[MAX_LINKED];
	int ndone = 0;
	size_t own = *n;	/* the calls are in the program's own code */
	for (size_t i = 0; i < own; i++) {
		struct bpf_insn *call = &(*insns)[i];
		if (!cg_is_library_call(call))
			continue;
		size_t t = (size_t)call->imm, start, end;
		int k = 0;
		while (k < ndone && !(t >= done[k].start && t < done[k].end))
			k++;
		if (k == ndone) {
			if (k == MAX_LINKED || t >= lib->ninsns ||
			    library_span(lib->syms, lib->nsyms, lib->shndx, t, &start, &end) ||
			    end > lib->ninsns)
				return -ENOEXEC;
			done[ndone++] = (struct linked){ start, end, *n };
			int rc = append(insns, n, lib->insns + start, end - start);
			if (rc)
				return rc;
			call = &(*insns)[i];
		}
		call->imm = (int32_t)(done[k].at + (t - done[k].start) - i - 1);
		call->off = 0;
	}
	return 0;
}
