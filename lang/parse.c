/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driving the lexer and parser, and the token helpers the lexer calls. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.h"
#include "lexer.h"

struct loc loc_from(struct parse_ctx *ctx, const YYLTYPE *lloc)
{
	struct loc loc = { .src = ctx->src, .line = lloc->first_line,
			   .col = lloc->first_column, .len = 1 };
	if (lloc->last_line == lloc->first_line && lloc->last_column > lloc->first_column)
		loc.len = lloc->last_column - lloc->first_column;
	return loc;
}

int lex_error(struct parse_ctx *ctx, YYLTYPE *lloc, const char *msg, const char *hint)
{
	struct loc loc = loc_from(ctx, lloc);
	ctx->errors++;
	if (!ctx->quiet)
		diag_error(&loc, hint, "%s", msg);
	return YYerror;
}

int lex_unsupported(struct parse_ctx *ctx, YYLTYPE *lloc, const char *what)
{
	struct loc loc = loc_from(ctx, lloc);
	ctx->errors++;
	if (!ctx->quiet)
		diag_error(&loc, DIAG_HINT_UNSUPPORTED, "%s: a bpftrace feature btctrace does not "
			   "support", what);
	return YYerror;
}

int lex_int(struct parse_ctx *ctx, YYLTYPE *lloc, YYSTYPE *lval, const char *text, int base)
{
	errno = 0;
	unsigned long long v = strtoull(text, NULL, base);
	if (errno == ERANGE)
		return lex_error(ctx, lloc, "integer literal does not fit in 64 bits",
				 "use a value below 2^64");
	lval->i = (int64_t)v;
	return INT;
}

/* `.N` after a tuple: the element's number, without the dot. */
int lex_tuple_index(struct parse_ctx *ctx, YYLTYPE *lloc, YYSTYPE *lval, const char *text)
{
	int tok = lex_int(ctx, lloc, lval, text + 1, 10);
	return tok == INT ? TUPLE_INDEX : tok;
}

/* bpftrace accepts 1e6 as an integer: mantissa times a power of ten. */
int lex_sci(struct parse_ctx *ctx, YYLTYPE *lloc, YYSTYPE *lval, const char *text)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(text, &e, 10);
	if (errno == ERANGE)
		return lex_error(ctx, lloc, "integer literal does not fit in 64 bits",
				 "use a value below 2^64");
	long exp = strtol(e + 1, NULL, 10);
	/* Zero stays zero whatever the exponent: no loop of 10^19 steps. */
	while (v && exp-- > 0) {
		if (v > ULLONG_MAX / 10)
			return lex_error(ctx, lloc, "integer literal does not fit in 64 bits",
					 "use a smaller exponent");
		v *= 10;
	}
	lval->i = (int64_t)v;
	return INT;
}

static int unescape_one(const char **pp, char *out)
{
	const char *p = *pp;
	switch (*p) {
	case 'n': *out = '\n'; break;
	case 't': *out = '\t'; break;
	case 'r': *out = '\r'; break;
	case '\\': *out = '\\'; break;
	case '"': *out = '"'; break;
	case 'x': {
		char hex[3] = { 0 };
		int n = 0;
		while (n < 2 && strchr("0123456789abcdefABCDEF", p[1 + n]) && p[1 + n])
			hex[n] = p[1 + n], n++;
		if (!n)
			return -EINVAL;
		*out = (char)strtol(hex, NULL, 16);
		p += n;
		break;
	}
	default:
		if (*p >= '0' && *p <= '7') {
			int v = 0, n = 0;
			while (n < 3 && p[n] >= '0' && p[n] <= '7')
				v = v * 8 + (p[n++] - '0');
			*out = (char)v;
			p += n - 1;
			break;
		}
		return -EINVAL;
	}
	*pp = p + 1;
	return 0;
}

int lex_string(struct parse_ctx *ctx, YYLTYPE *lloc, YYSTYPE *lval, const char *text, int len)
{
	char *s = malloc(len);
	int n = 0;
	const char *p = text + 1, *end = text + len - 1;
	while (p < end) {
		if (*p != '\\') {
			s[n++] = *p++;
			continue;
		}
		p++;
		if (unescape_one(&p, &s[n++]) < 0) {
			free(s);
			return lex_error(ctx, lloc, "unknown escape sequence in string",
					 "use \\n \\t \\r \\\\ \\\" \\xHH or an octal \\NNN");
		}
	}
	s[n] = 0;
	if (n > LIMIT_STRING) {
		free(s);
		return lex_error(ctx, lloc, "string literal longer than 1024 bytes",
				 "print long text in several parts");
	}
	lval->str.s = s;
	lval->str.len = n;
	return STRING;
}

struct node *node_new(enum node_kind kind, const struct loc *loc)
{
	struct node *n = calloc(1, sizeof(*n));
	n->kind = kind;
	n->loc = *loc;
	n->var_slot = -1;
	return n;
}

/* Copies one node and its children; the `next` list is walked, not
 * recursed, so a long argument list costs no stack. */
static struct node *node_copy_one(const struct node *n)
{
	struct node *c = node_new(n->kind, &n->loc);
	*c = *n;
	c->name = n->name ? strdup(n->name) : NULL;
	c->str = n->str ? strdup(n->str) : NULL;
	c->lhs = node_copy(n->lhs);
	c->rhs = node_copy(n->rhs);
	c->cond = node_copy(n->cond);
	c->then = node_copy(n->then);
	c->els = node_copy(n->els);
	c->args = node_copy(n->args);
	c->map = node_copy(n->map);
	c->next = NULL;
	return c;
}

struct node *node_copy(const struct node *n)
{
	struct node *head = NULL, **tail = &head;
	for (; n; n = n->next) {
		*tail = node_copy_one(n);
		tail = &(*tail)->next;
	}
	return head;
}

/* Iterative: the nodes still to free are kept in a list linked through
 * `next`, each child list spliced in front, so however a tree was built
 * (a syntax error may stop the parser anywhere) freeing it costs no stack. */
void node_free(struct node *n)
{
	struct node *todo = n;
	while (todo) {
		struct node *h = todo;
		todo = h->next;
		struct node *kids[] = { h->lhs, h->rhs, h->cond, h->then, h->els, h->args,
					h->map };
		for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
			struct node *c = kids[i], *t = c;
			if (!c)
				continue;
			while (t->next)
				t = t->next;
			t->next = todo;
			todo = c;
		}
		free(h->name);
		free(h->str);
		free(h);
	}
}

static int list_depth(const struct node *n)
{
	int d = 0;
	for (; n; n = n->next)
		if (n->depth > d)
			d = n->depth;
	return d;
}

int node_deepen(struct parse_ctx *ctx, struct node *n)
{
	const struct node *kids[] = { n->lhs, n->rhs, n->cond, n->then, n->els, n->args,
				      n->map };
	int d = 0;
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		int k = list_depth(kids[i]);
		if (k > d)
			d = k;
	}
	n->depth = d + 1;
	if (n->depth <= LIMIT_DEPTH)
		return 0;
	ctx->errors++;
	diag_error(&n->loc, "split it: compute parts into $variables first",
		   "nested more than %d levels deep", LIMIT_DEPTH);
	return -EINVAL;
}

static void attach_free(struct attach_point *a)
{
	while (a) {
		struct attach_point *next = a->next;
		free(a->spec);
		free(a->path);
		free(a->provider);
		free(a->event);
		free(a->full_name);
		free(a->sig);
		free(a);
		a = next;
	}
}

void program_free(struct program *prog)
{
	if (!prog)
		return;
	for (struct probe *p = prog->probes, *next; p; p = next) {
		next = p->next;
		attach_free(p->points);
		node_free(p->pred);
		node_free(p->body);
		free(p);
	}
	decl_free(prog->decls);
	free(prog);
}

/* A NUL byte ends the text the lexer sees: what follows it would be
 * ignored, so it is an error where it stands. */
static int check_nul(const struct source *src)
{
	size_t n = strlen(src->text);
	if (src->len <= n)
		return 0;
	struct loc loc = { .src = src, .line = 1, .col = 1, .len = 1 };
	for (size_t i = 0; i < n; i++) {
		if (src->text[i] == '\n')
			loc.line++, loc.col = 1;
		else
			loc.col++;
	}
	return diag_error(&loc, "a script is text: remove the NUL byte and what follows it "
			  "if it is not part of the script", "NUL byte in the script");
}

/* Lexes and parses src->text, starting with the token ctx->start. */
static int parse(struct source *src, struct parse_ctx *ctx)
{
	if (check_nul(src))
		return -EINVAL;
	yyscan_t scanner;
	yylex_init_extra(ctx, &scanner);
	YY_BUFFER_STATE buf = yy_scan_string(src->text, scanner);
	int rc = yyparse(scanner, ctx);
	yy_delete_buffer(buf, scanner);
	yylex_destroy(scanner);
	return rc || ctx->errors ? -EINVAL : 0;
}

int parse_program(struct source *src, struct program **out)
{
	struct program *prog = calloc(1, sizeof(*prog));
	struct parse_ctx ctx = { .src = src, .prog = prog, .line = 1, .col = 1,
				 .start = START_PROGRAM };
	prog->src = src;
	if (parse(src, &ctx)) {
		program_free(prog);
		*out = NULL;
		return -EINVAL;
	}
	*out = prog;
	return 0;
}

int parse_map_ref(struct source *src, struct node **out)
{
	struct parse_ctx ctx = { .src = src, .line = 1, .col = 1, .start = START_MAP_REF,
				 .map_ref = true };
	*out = NULL;
	if (parse(src, &ctx)) {
		node_free(ctx.entry);
		return -EINVAL;
	}
	*out = ctx.entry;
	return 0;
}
