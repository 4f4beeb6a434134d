/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A program's loop bodies (codegen/loops.c) in its instructions: each a
 * function of the program's section, whose address a 64-bit immediate
 * marked BPF_PSEUDO_FUNC gives to bpf_loop().  A body whose loop LLVM
 * found unreachable (after exit(), in `if (0)`, a constant empty range)
 * is still emitted, but nothing takes its address: the verifier refuses
 * such code, so it is cut out here and the other addresses moved. */
#include "subprogs.h"

#include <stdbool.h>
#include <stdint.h>

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

static bool is_func_ref(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW) && insn->src_reg == BPF_PSEUDO_FUNC;
}

int cg_span_of(const struct span *sp, int n, size_t at)
{
	for (int i = 0; i < n; i++)
		if (at >= sp[i].start && at < sp[i].end)
			return i;
	return -1;
}

int cg_read_spans(Elf_Data *syms, size_t nsyms, size_t shndx, size_t ninsns,
		  struct span *sp)
{
	int n = 0;
	for (size_t i = 0; i < nsyms && n < MAX_SUBPROGS; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(syms, (int)i, &sym) || sym.st_shndx != shndx ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value / 8 >= ninsns)
			continue;
		int j = n++;
		while (j > 0 && sp[j - 1].start > sym.st_value / 8) {
			sp[j] = sp[j - 1];
			j--;
		}
		sp[j] = (struct span){ .start = sym.st_value / 8,
				       .end = (sym.st_value + sym.st_size) / 8 };
	}
	return n;
}

/* Live: the program (at 0), and what a live function takes the address of. */
static void mark_live(const struct bpf_insn *insns, struct span *sp, int n)
{
	int k = cg_span_of(sp, n, 0);
	if (k < 0)
		return;
	sp[k].live = true;
	for (bool grew = true; grew;) {
		grew = false;
		for (int f = 0; f < n; f++)
			for (size_t i = sp[f].start; sp[f].live && i + 1 < sp[f].end; i++) {
				if (!is_func_ref(&insns[i]))
					continue;
				int t = cg_span_of(sp, n, i + 1 + insns[i].imm);
				if (t >= 0 && !sp[t].live)
					sp[t].live = grew = true;
			}
	}
}

/* Instructions of dead functions before instruction at. */
static size_t cut_before(const struct span *sp, int n, size_t at)
{
	size_t cut = 0;
	for (int i = 0; i < n; i++)
		if (!sp[i].live && sp[i].end <= at)
			cut += sp[i].end - sp[i].start;
	return cut;
}

static void compact(struct bpf_insn *insns, size_t *ninsns, const struct span *sp, int n)
{
	size_t out = 0;
	for (size_t i = 0; i < *ninsns; i++) {
		int f = cg_span_of(sp, n, i);
		if (f >= 0 && !sp[f].live)
			continue;
		struct bpf_insn in = insns[i];
		if (is_func_ref(&in)) {
			size_t to = i + 1 + in.imm;
			in.imm = (int32_t)((to - cut_before(sp, n, to)) - (i - cut_before(sp, n, i)) - 1);
		}
		insns[out++] = in;
	}
	*ninsns = out;
}

int cg_prune_subprogs(Elf_Data *syms, size_t nsyms, size_t shndx, struct bpf_insn *insns,
		      size_t *ninsns)
{
	struct span sp[MAX_SUBPROGS];
	int n = cg_read_spans(syms, nsyms, shndx, *ninsns, sp);
	mark_live(insns, sp, n);
	for (int i = 0; i < n; i++)
		if (!sp[i].live) {
			compact(insns, ninsns, sp, n);
			break;
		}
	return 0;
}
