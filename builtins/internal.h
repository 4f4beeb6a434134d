/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inside builtins/: the parts one table entry (table.c) is made of.  Each
 * builtin names its type rule (type_rules.c), its code generator
 * (gen_values.c, gen_calls.c, gen_aggs.c, gen_maps.c, gen_strings.c)
 * and, for an aggregation, its folder (fold.c) and description
 * (describe.c). */
#ifndef BTCTRACE_BUILTINS_INTERNAL_H
#define BTCTRACE_BUILTINS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "abi/abi.h"
#include "lang/builtin.h"

/* ---- type rules: check the arguments, set n->type ---- */

int rule_int_value(struct sema *s, struct node *n);	/* pid, nsecs ... */
int rule_comm(struct sema *s, struct node *n);
int rule_probe(struct sema *s, struct node *n);
int rule_username(struct sema *s, struct node *n);
int rule_agg_no_arg(struct sema *s, struct node *n);	/* count() */
int rule_agg_int_arg(struct sema *s, struct node *n);	/* sum(v) ... hist(v) */
int rule_lhist(struct sema *s, struct node *n);
int rule_exit(struct sema *s, struct node *n);
int rule_printf(struct sema *s, struct node *n);
int rule_print(struct sema *s, struct node *n);
int rule_whole_map(struct sema *s, struct node *n);	/* clear(@m), zero(@m) */
int rule_delete(struct sema *s, struct node *n);
int rule_time(struct sema *s, struct node *n);
int rule_str(struct sema *s, struct node *n);
int rule_hash(struct sema *s, struct node *n);
int rule_dec(struct sema *s, struct node *n);	/* dec(v, places), btc(sats) */
int rule_btc(struct sema *s, struct node *n);
int rule_has_key(struct sema *s, struct node *n);
int rule_len(struct sema *s, struct node *n);
int rule_strncmp(struct sema *s, struct node *n);
int rule_strcontains(struct sema *s, struct node *n);
int rule_buf(struct sema *s, struct node *n);
int rule_strftime(struct sema *s, struct node *n);
int rule_ustack(struct sema *s, struct node *n);	/* gen_stack.c */
int rule_usym(struct sema *s, struct node *n);

/* ---- code generators (struct builtin's codegen) ----
 * Declared with LLVM's struct rather than LLVMValueRef so that the table
 * needs no LLVM header; the two are the same type. */

#define BUILTIN_GEN(name) \
	struct LLVMOpaqueValue *name(struct cg *cg, struct node *n, struct node *target)

/* gen_values.c: values read in the probe */
BUILTIN_GEN(gen_pid);
BUILTIN_GEN(gen_tid);
BUILTIN_GEN(gen_nsecs);
BUILTIN_GEN(gen_elapsed);
BUILTIN_GEN(gen_cpu);
BUILTIN_GEN(gen_cgroup);
BUILTIN_GEN(gen_comm);
BUILTIN_GEN(gen_probe);
BUILTIN_GEN(gen_str);
BUILTIN_GEN(gen_hash);
BUILTIN_GEN(gen_dec);
BUILTIN_GEN(gen_uid);
BUILTIN_GEN(gen_gid);
BUILTIN_GEN(gen_numaid);
BUILTIN_GEN(gen_rand);
BUILTIN_GEN(gen_buf);
BUILTIN_GEN(gen_strftime);

/* gen_stack.c: the user stack and the symbol of an address */
BUILTIN_GEN(gen_ustack);
BUILTIN_GEN(gen_usym);

/* gen_strings.c: comparisons of two strings */
BUILTIN_GEN(gen_strncmp);
BUILTIN_GEN(gen_strcontains);

/* gen_maps.c: questions about a map asked in the probe */
BUILTIN_GEN(gen_has_key);
BUILTIN_GEN(gen_len);

/* gen_calls.c: statements, most of them events to user space */
BUILTIN_GEN(gen_printf);
BUILTIN_GEN(gen_print);
BUILTIN_GEN(gen_clear);
BUILTIN_GEN(gen_zero);
BUILTIN_GEN(gen_delete);
BUILTIN_GEN(gen_time);
BUILTIN_GEN(gen_exit);

/* gen_aggs.c: updates of a per-CPU aggregation map */
BUILTIN_GEN(gen_count);
BUILTIN_GEN(gen_sum);
BUILTIN_GEN(gen_min);
BUILTIN_GEN(gen_max);
BUILTIN_GEN(gen_avg);
BUILTIN_GEN(gen_hist);
BUILTIN_GEN(gen_lhist);

/* ---- folders: one key's per-CPU values to one printed entry ---- */

#define BUILTIN_FOLD(name) \
	void name(const struct map_info *m, const void *vals, int ncpu, size_t stride, \
		  struct out_entry *e)

BUILTIN_FOLD(fold_count);
BUILTIN_FOLD(fold_sum);
BUILTIN_FOLD(fold_min);
BUILTIN_FOLD(fold_max);
BUILTIN_FOLD(fold_avg);

/* ---- descriptions of an aggregation map in listings ---- */

int describe_call(const struct map_info *m, char *buf, size_t len);	/* "count()" */
int describe_lhist(const struct map_info *m, char *buf, size_t len);

#endif
