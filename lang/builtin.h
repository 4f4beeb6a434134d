/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A builtin is one table entry holding its type rule, its code generator
 * and, for aggregations, its folder (per-CPU values -> printed entry) and
 * its description in map listings.
 * The table lives in builtins/; lang/ sees only this header, so no LLVM
 * type leaks here. */
#ifndef BTCTRACE_BUILTIN_H
#define BTCTRACE_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>

struct node;
struct sema;
struct cg;
struct map_info;
struct out_entry;
struct LLVMOpaqueValue;

enum builtin_class {
	B_VALUE,	/* pid, comm, nsecs ...: written without parentheses */
	B_AGG,		/* count(), hist() ...: only as the value of @map = */
	B_FUNC,		/* exit() ...: a statement */
};

/* Masks of classes for builtin_hint(). */
#define B_VALUES	(1u << B_VALUE)
#define B_AGGS		(1u << B_AGG)
#define B_FUNCS		(1u << B_FUNC)

struct builtin {
	const char *name;
	enum builtin_class cls;
	int agg_kind;		/* B_AGG: enum agg_kind of abi/abi.h */
	const char *usage;	/* shown in hints: "hist(value)" */
	bool callable;		/* B_VALUE also written as a call: ustack(6) */

	/* Checks arguments and sets n->type.  0 or -EINVAL after a diag. */
	int (*type_rule)(struct sema *s, struct node *n);

	/* B_VALUE/B_FUNC: emits the expression or statement and returns its
	 * value (NULL for statements).  B_AGG: emits the update of the map
	 * `target` (an N_MAP node) with the call n. */
	struct LLVMOpaqueValue *(*codegen)(struct cg *cg, struct node *n,
					   struct node *target);

	/* B_AGG: value bytes per CPU in the kernel map. */
	size_t value_size;
	/* B_AGG: folds one key's per-CPU values (ncpu of them, `stride`
	 * bytes apart) into e.  For hist/lhist the caller sums buckets
	 * itself and this is NULL. */
	void (*fold)(const struct map_info *m, const void *vals, int ncpu,
		     size_t stride, struct out_entry *e);
	/* B_AGG: what map m holds, as listings show it: "count()",
	 * "lhist(0, 100, 10)".  Returns snprintf's count. */
	int (*describe)(const struct map_info *m, char *buf, size_t len);
};

/* The builtins the front end knows: the front end holds no table of its
 * own; the CLI hands it the one builtins/ defines (builtins_table()). */
struct builtin_table {
	const struct builtin *entries;
	int n;
};

/* NULL when unknown. */
const struct builtin *builtin_find(const struct builtin_table *t, const char *name);

/* Closest builtin name to a misspelt one, or NULL. */
const char *builtin_suggest(const struct builtin_table *t, const char *name);

/* A hint naming the builtins of the classes in `classes` (B_VALUES ...)
 * in table order: "<what> are count sum ...<tail>", or "no <what> are
 * registered" when there is nothing to name.  Returns buf. */
const char *builtin_hint(const struct builtin_table *t, unsigned classes, const char *what,
			 const char *tail, char *buf, size_t len);

/* What map m holds, as the REPL's .maps lists it: its aggregation
 * ("hist()", "lhist(0, 100, 10)") or its value type ("int64"). */
void builtin_describe_map(const struct map_info *m, char *buf, size_t len);

#endif
