/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The syntax tree.  One struct for every node, chibicc style: each kind
 * uses the fields its comment names.  Every node carries its location. */
#ifndef BTCTRACE_AST_H
#define BTCTRACE_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "types.h"

enum node_kind {
	/* statements */
	N_ASSIGN_MAP,	/* map = rhs (map is an N_MAP node)           */
	N_ASSIGN_VAR,	/* $name = rhs                                */
	N_EXPR_STMT,	/* lhs;  (calls such as exit())                */
	N_IF,		/* if (cond) then else els                    */
	/* expressions */
	N_INT,		/* ival                                       */
	N_STR,		/* str (unescaped), slen                      */
	N_MAP,		/* @name[args...]; args NULL for a scalar map  */
	N_VAR,		/* $name                                      */
	N_BUILTIN,	/* name: pid tid nsecs cpu comm ...            */
	N_ARG,		/* argN (ival = N) or args.name (name); after sema
			 * ival is the index and `typed` says args.name */
	N_CALL,		/* name(args...)                              */
	N_BINARY,	/* lhs op rhs                                 */
	N_UNARY,	/* op lhs                                     */
	N_TERNARY,	/* cond ? then : els                          */
	N_CAST,		/* (type) lhs; type set by the parser         */
	N_DEREF,	/* *lhs: reads user memory                    */
	N_PARAM,	/* $N (ival = N), $# (ival = -1)               */
	N_UNROLL,	/* unroll (ival) then                          */
	N_INCDEC,	/* lhs++ lhs-- (ival 1) ++lhs --lhs (ival 0); op ADD/SUB */
	N_FOR,		/* for ($name : lhs..rhs) then: a range loop; or
			 * for ($name : map) then: a map loop; var_slot is
			 * $name's, ival the loops it is nested in (sema) */
	N_WHILE,	/* while (cond) then; ival the loops it is nested
			 * in (sema) */
	N_BREAK,	/* break: leaves the innermost loop */
	N_CONTINUE,	/* continue: its next iteration */
	N_TUPLE,	/* (args...): two or more elements              */
	N_TUPLE_INDEX,	/* lhs.ival: element ival of the tuple lhs      */
};

enum op {
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_LAND, OP_LOR,
	OP_NEG, OP_NOT, OP_BNOT,
};

struct builtin;
struct map_info;
struct probe_sig;

struct node {
	enum node_kind kind;
	struct loc loc;
	struct type type;	/* set by semantic analysis */
	struct node *next;	/* next statement / next argument */

	char *name;
	int64_t ival;
	char *str;
	int slen;
	enum op op;
	struct node *lhs, *rhs;
	struct node *cond, *then, *els;
	struct node *args;	/* call arguments, map keys */
	struct node *map;	/* N_ASSIGN_MAP target */

	/* resolved by semantic analysis */
	const struct builtin *builtin;	/* N_CALL, N_BUILTIN */
	struct map_info *mapinfo;	/* N_MAP */
	int var_slot;			/* N_VAR, N_ASSIGN_VAR */
	bool typed;			/* N_ARG: read with the catalog's type */
	int len_index;			/* N_ARG of bytes[]: its length argument */
	int depth;			/* levels of nesting below and with it (parser) */
};

/* Limits the front end checks (docs/language.md, "Limits"). */
#define LIMIT_DEPTH 100		/* nesting of expressions and blocks */
#define LIMIT_STRING 1024	/* bytes of a string literal */
#define LIMIT_UNROLLED 4000	/* nodes of a probe block, its unrolls repeated */
#define LIMIT_LOOP_NESTING 4	/* for loops inside one another: each is a BPF call
				 * frame, and the kernel allows 8 frames and 512
				 * bytes of stack for all of them together */
#define LIMIT_LOOP_ITERATIONS (1 << 23)	/* bpf_loop's own limit */

enum attach_kind { ATTACH_BEGIN, ATTACH_END, ATTACH_USDT, ATTACH_INTERVAL };

struct attach_point {
	enum attach_kind kind;
	struct loc loc;
	char *spec;		/* as written: "utxocache:add" */
	char *path;		/* usdt:PATH:... form, else NULL */
	char *provider, *event;
	char *full_name;	/* the `probe` builtin's value, as bpftrace names
				 * it: "usdt:PATH:context:event", "BEGIN",
				 * "interval:ms:100"; USDT's set when resolved */
	uint64_t period_ns;	/* interval:s:N, interval:ms:N, interval:us:N */
	struct probe_sig *sig;	/* its arguments (USDT), set when resolved;
				 * NULL for kinds without arguments */
	struct attach_point *next;
};

struct probe {
	struct attach_point *points;
	struct node *pred;	/* NULL when there is none */
	struct node *body;	/* statement list */
	struct loc loc;
	int nvars;		/* scratch variables, set by sema */
	int var_sizes[64];	/* bytes of each variable's slot */
	struct type var_types[64];	/* each variable's type at the block's end:
					 * a tuple's slot is laid out as this one */
	struct probe *next;
};

/* A tracepoint declaration of the catalog (stdlib/) or of a script. */
struct decl_arg {
	char *name;
	char *doc;
	char *len_arg;		/* bytes[LEN_ARG]: the length argument's name */
	int len_index;		/* its index, set when the declaration is read */
	int max_chars;		/* string[N] */
	struct type type;
	struct loc loc;
};

struct tp_decl {
	char *provider, *event;
	int since, until;	/* release numbers; until 0 = still current */
	char *doc;
	int nargs;
	struct decl_arg args[12];
	struct loc loc;
	struct tp_decl *next;
};

struct program {
	struct source *src;
	struct probe *probes;
	struct tp_decl *decls;
	struct program *next;	/* a session's programs */
};

struct node *node_new(enum node_kind kind, const struct loc *loc);
struct node *node_copy(const struct node *n);
void node_free(struct node *n);
void program_free(struct program *prog);
void decl_free(struct tp_decl *d);

/* Splits an attach point as written into its kind and parts
 * (lang/attach.c).  0 or -EINVAL after a diag. */
int attach_split(struct attach_point *ap);

/* attach_split() on every attach point of prog: all errors reported. */
int attach_split_all(struct program *prog);

/* Whether a USDT point's context or event is a glob pattern (`*`, `?`,
 * `[...]`): it stands for every probe of the binary it matches. */
bool attach_is_pattern(const struct attach_point *ap);

/* Makes the USDT point ap name provider:event (one match of its pattern),
 * its spec rewritten to match.  0 or -ENOMEM. */
int attach_set_probe(struct attach_point *ap, const char *provider, const char *event);

/* A copy of USDT point ap naming provider:event, linked after ap.  NULL
 * when out of memory. */
struct attach_point *attach_insert_match(struct attach_point *ap, const char *provider,
					 const char *event);

/* Sets a USDT point's full_name from the binary it traces (its own path
 * or the target's).  0 or -ENOMEM. */
int attach_name_usdt(struct attach_point *ap, const char *path);

/* Parses src into *out.  Errors are reported through diag and make the
 * result -EINVAL; nothing is returned half-built. */
int parse_program(struct source *src, struct program **out);

/* Parses one map typed at the REPL's prompt, with the language's lexer
 * and grammar: `@m`, `@m[k1, k2]`, or a call whose first argument is one,
 * `NAME(@m[...], expr, ...)`; a ';' may follow.  *out is the N_MAP node
 * or the N_CALL (args: the N_MAP, then the other arguments).  Errors as
 * parse_program's; *out is NULL then. */
int parse_map_ref(struct source *src, struct node **out);

/* ---- text typed line by line (the REPL), read by the lexer ---- */

/* Where a program typed so far stands (lex_progress). */
struct lex_progress {
	bool opened;		/* a block's '{' was read */
	int depth;		/* blocks open at the end: inside a block when > 0 */
	bool in_string;		/* the text ends inside a string not closed */
	bool in_comment;	/* the text ends inside a comment not closed */
	int header_at, header_len;	/* the first probe name of the block
					 * still open (bytes of text); -1, 0 */
	int bad_at, bad_len;	/* outside blocks, the first token no text typed
				 * after it can make a program of: a word that is
				 * no probe name (`help`), two names without ','
				 * (bytes of text); -1, 0 */
};
void lex_progress(const char *text, struct lex_progress *out);

/* How a text starts, read as a block's inside is read (lex_lead). */
enum lex_lead {
	LEAD_NOTHING,	/* blanks and comments only */
	LEAD_MAP,	/* a map: @name */
	LEAD_CALL,	/* a call: name( */
	LEAD_OTHER,	/* anything else, a comment not closed too */
};
/* A LEAD_CALL's function name is copied to name (size bytes). */
enum lex_lead lex_lead(const char *text, char *name, size_t size);

#endif
