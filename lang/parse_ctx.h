/* SPDX-License-Identifier: GPL-3.0-or-later */
/* State shared by the lexer and the parser of one program. */
#ifndef BTCTRACE_PARSE_CTX_H
#define BTCTRACE_PARSE_CTX_H

#include "ast.h"

struct parse_ctx {
	struct source *src;
	struct program *prog;
	int line, col;
	int offset;		/* bytes read so far */
	int tok_start;		/* offset of the token read last */
	int brace_depth, paren_depth;
	int comment_return;
	int in_decl;		/* inside `tracepoint ... ;` */
	int errors;
	int start;		/* START_PROGRAM or START_MAP_REF: what is read; the
				 * lexer returns it first, then 0 */
	bool map_ref;		/* parse_map_ref(): syntax errors say what one is */
	struct node *entry;	/* parse_map_ref()'s result */
	bool quiet;		/* lexing only (lang/scan.c): errors are not reported */
	bool open_comment;	/* the text ended inside a comment */
};

/* Token helpers used by lexer actions (lang/parse.c). */
union YYSTYPE;
struct YYLTYPE;
int lex_error(struct parse_ctx *ctx, struct YYLTYPE *lloc, const char *msg, const char *hint);
/* lex_error() for bpftrace syntax btctrace lacks: "WHAT is a bpftrace
 * feature btctrace does not support", the hint pointing to the list. */
int lex_unsupported(struct parse_ctx *ctx, struct YYLTYPE *lloc, const char *what);
int lex_int(struct parse_ctx *ctx, struct YYLTYPE *lloc, union YYSTYPE *lval,
	    const char *text, int base);
int lex_tuple_index(struct parse_ctx *ctx, struct YYLTYPE *lloc, union YYSTYPE *lval,
		    const char *text);
int lex_sci(struct parse_ctx *ctx, struct YYLTYPE *lloc, union YYSTYPE *lval, const char *text);
int lex_string(struct parse_ctx *ctx, struct YYLTYPE *lloc, union YYSTYPE *lval,
	       const char *text, int len);

/* Sets n->depth from its children's; past LIMIT_DEPTH a diag and -EINVAL. */
int node_deepen(struct parse_ctx *ctx, struct node *n);

struct loc loc_from(struct parse_ctx *ctx, const struct YYLTYPE *lloc);

/* Tracepoint declarations (lang/decl.c). */
struct decl_arg;
struct tp_decl;
int release_number(char *text, const struct YYLTYPE *l, struct parse_ctx *ctx);
int decl_arg_type(struct decl_arg *a, char *type, int64_t dim, char *len_arg,
		  const struct YYLTYPE *l, struct parse_ctx *ctx);
int decl_set_names(struct tp_decl *d, char *name, int since, int until, char *doc,
		   struct parse_ctx *ctx);

#endif
