/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Semantic analysis: resolves names, types every expression, and collects
 * the maps a program uses. */
#ifndef BTCTRACE_SEMA_H
#define BTCTRACE_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "builtin.h"
#include "types.h"

#define MAX_PROBE_ARGS 12
#define MAX_MAP_KEYS 8

/* What the target says about one attach point. */
struct probe_sig {
	int nargs;
	struct type args[MAX_PROBE_ARGS];	/* argN: as the note records them */
	const struct tp_decl *decl;		/* args.NAME: NULL if unknown */
	char no_decl_why[1024];			/* why not, for the error message */
};

/* What analysis needs from outside the language: the builtins (the
 * table the CLI registers).  Attach points come resolved (ap->sig). */
struct sema_env {
	const struct builtin_table *builtins;
};

struct map_info {
	char *name;			/* "@c", "@" */
	struct loc loc;			/* first use */
	const struct builtin *agg;	/* NULL: plain value (int or string) */
	struct type value;		/* plain maps: the value's type */
	bool value_unsigned;		/* sum/min/max of unsigned values */
	bool value_guessed;		/* read before assigned: int assumed */
	bool created;			/* its kernel map exists: layout fixed */
	int nkeys;
	struct type keys[MAX_MAP_KEYS];
	int64_t lhist_min, lhist_max, lhist_step;
	int id;				/* creation order; never reused */
	struct map_info *next;
};

struct fmt_info;

struct symtab {
	struct map_info *maps;	/* sorted by name after sema_check */
	int nmaps;
	struct fmt_info *fmts;	/* printf/print/time formats, by id */
	int nfmts;
	int str_len;			/* str()'s buffer, BPFTRACE_STRLEN's meaning */
	const char *const *params;	/* $1..$N (script arguments) */
	int nparams;
	uint64_t params_warned;		/* $1..$64 not given, already warned about */
	struct tuple_type *tuples;	/* every tuple type, each once (symtab_tuple) */
};

/* Registers a format; returns its id. */
int symtab_add_format(struct symtab *syms, struct fmt_info *fi);
const struct fmt_info *symtab_format(const struct symtab *syms, int id);

struct sema {
	const struct sema_env *env;
	struct symtab *syms;
	struct probe *probe;		/* being checked */
	struct probe_sig sig;		/* of its first USDT attach point */
	bool has_sig;
	/* A loop's variable is `ended` after its loop: its slot stays, its
	 * name is no longer found. */
	struct { char *name; struct type type; bool ended; } vars[64];
	int nvars;
	/* A variable's type widens with a longer string assigned later in
	 * the text; set when one did (sema_probe() then checks again). */
	bool widened;
	/* The types the variables ended with in the block's first check:
	 * the second one starts each variable at its final width. */
	struct sema_floor { char *name; struct type type; } floors[64];
	int nfloors;
	int loop_depth;			/* for and while loops around the statement */
	int errors;
};

/* The block's size, unrolls expanded, within LIMIT_UNROLLED (lang/limits.c). */
int limits_check_body(const struct probe *p);

int sema_check(struct program *prog, const struct sema_env *env, struct symtab *syms);
void symtab_free(struct symtab *syms);

/* Forgets maps created after the first n (a rejected REPL entry). */
void symtab_rollback(struct symtab *syms, int n);

/* The block's predicate and statements checked once (lang/sema.c). */
int sema_check_body(struct sema *s, struct probe *p);
/* The same, checked again when a variable widened (lang/sema_widen.c). */
int sema_check_body_widened(struct sema *s, struct probe *p);
/* Variable i, just created, at the width of the block's first check. */
void sema_start_at_floor(struct sema *s, int i);
/* The variable named name, or -1 (lang/sema.c). */
int sema_var_find(struct sema *s, const char *name);
int sema_stmts(struct sema *s, struct node *n);
/* for, while, break and continue (lang/sema_loops.c). */
/* Whether statements n (and their children) loop over a map that no
 * block checked so far assigns: sema_check() checks such a block after
 * the others, as bpftrace does not care where in a script a map is
 * assigned. */
bool sema_loops_over_unassigned(const struct symtab *syms, const struct node *n);
int sema_for(struct sema *s, struct node *st);
int sema_while(struct sema *s, struct node *st);
int sema_loop_jump(struct sema *s, struct node *st);
/* Why $name cannot be read here: its loop has ended, or it was never
 * assigned. */
int sema_var_unknown(struct sema *s, const struct node *n);
/* Tuples (lang/sema_tuple.c).  symtab_tuple() gives the type of a tuple
 * of shape's elements (its layout computed), the same pointer for equal
 * shapes; the symtab keeps it until symtab_free(). */
struct type symtab_tuple(struct symtab *syms, const struct tuple_type *shape);
void symtab_free_tuples(struct symtab *syms);
int sema_tuple(struct sema *s, struct node *n);
int sema_tuple_index(struct sema *s, struct node *n);
/* The tuple type holding values of tuple types a and b (same elements,
 * strings as long as the longer): 0, or -EINVAL with no message. */
int tuple_merge(struct symtab *syms, const struct type *a, const struct type *b,
		struct type *out);
/* "HOLDER holds (int64, string[2]), this is (...)" at n. */
int tuple_mismatch(const struct node *n, const char *holder, const struct type *held,
		   const char *hint);

/* Used by builtin type rules. */
int sema_expr(struct sema *s, struct node *n);
int sema_map_ref(struct sema *s, struct node *n);
int sema_map_whole(struct sema *s, struct node *n);
/* Hash literals (lang/hash_literal.c): a string of 64 hex digits, RPC's
 * byte-reversed form, read into the 32 bytes of Bitcoin's internal order;
 * an error at n's place when it is not one. */
int hash_literal_parse(const struct node *n, uint8_t out[32]);
/* Turns the string literal n into a hash value (T_HASH, str its bytes). */
int sema_hash_literal(struct node *n);
/* A string literal that could be read as a hash where one is expected. */
bool is_hash_literal_candidate(const struct node *n);

/* argN and args.NAME of the block's probes (lang/sema_args.c). */
int sema_arg(struct sema *s, struct node *n);
/* Points every args.NAME of block p at its position in attach point ap
 * (the probes of a block may order their arguments differently): called
 * before compiling the block for ap. */
void sema_bind_args(const struct probe *p, const struct attach_point *ap);
/* $N and $# (lang/sema_params.c). */
int sema_param(struct sema *s, struct node *n);
/* A positional parameter read as a string: one not given is "" (str($N)). */
int sema_param_str(struct sema *s, struct node *n);

#endif
