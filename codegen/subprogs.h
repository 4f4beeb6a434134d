/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loop bodies and library functions in a program's instructions
 * (codegen/subprogs.c, codegen/library.c). */
#ifndef BTCTRACE_SUBPROGS_H
#define BTCTRACE_SUBPROGS_H

#include <gelf.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>

#define MAX_SUBPROGS 64

/* A function of a section: its instructions [start, end). */
struct span {
	size_t start, end;
	bool live;
};

/* The functions of section shndx (at most MAX_SUBPROGS), by start, from
 * the object's symbol table of nsyms entries. */
int cg_read_spans(Elf_Data *syms, size_t nsyms, size_t shndx, size_t ninsns,
		  struct span *sp);
/* The index of the span holding instruction at, or -1. */
int cg_span_of(const struct span *sp, int n, size_t at);

/* Cuts the functions of section shndx no live code takes the address of
 * out of insns (its BPF_PSEUDO_FUNC immediates set), moving the others'
 * addresses; *ninsns becomes the new count.  syms: the object's symbol
 * table of nsyms entries. */
int cg_prune_subprogs(Elf_Data *syms, size_t nsyms, size_t shndx, struct bpf_insn *insns,
		      size_t *ninsns);

/* The section of the library functions (codegen/library.c). */
#define LIBRARY_SECTION "btctrace_lib"

/* The library section of the emitted object, and its functions. */
struct library {
	const struct bpf_insn *insns;
	size_t ninsns, shndx;
	struct span fns[MAX_SUBPROGS];
	int nfns;
};

/* A call to a library function, not linked yet: imm is the callee's
 * instruction in the library section, and off is set as the mark.  The
 * kernel refuses a call whose off is set, so a mark left behind cannot
 * load as a wrong call. */
#define LIBRARY_CALL_MARK 1

static inline bool cg_is_library_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL &&
	       in->off == LIBRARY_CALL_MARK;
}

/* Appends to a program (realloc'd) a copy of each library function its
 * marked calls name, once, and points those calls at the copies. */
int cg_link_library(struct bpf_insn **insns, size_t *n, const struct library *lib);

#endif
