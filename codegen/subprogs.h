/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loop bodies in a program's instructions (codegen/subprogs.c). */
#ifndef BTCTRACE_SUBPROGS_H
#define BTCTRACE_SUBPROGS_H

#include <gelf.h>
#include <linux/bpf.h>
#include <stddef.h>

/* Cuts the functions of section shndx no live code takes the address of
 * out of insns (its BPF_PSEUDO_FUNC immediates set), moving the others'
 * addresses; *ninsns becomes the new count.  syms: the object's symbol
 * table of nsyms entries. */
int cg_prune_subprogs(Elf_Data *syms, size_t nsyms, size_t shndx, struct bpf_insn *insns,
		      size_t *ninsns);

#endif
