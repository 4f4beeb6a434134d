/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Grammar of the btctrace language: bpftrace's shape, specialised for
 * Bitcoin Core's probes.  Pure, reentrant, with locations. */
%define api.pure full
%define parse.error verbose
%locations
%expect 0
%param {void *scanner}
%parse-param {struct parse_ctx *ctx}

%code requires {
#include "ast.h"
#include "parse_ctx.h"
}

%code {
#include <stdlib.h>
#include <string.h>

int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
static void yyerror(YYLTYPE *lloc, void *scanner, struct parse_ctx *ctx, const char *msg);

#define LOC(l) loc_from(ctx, &(l))

/* Every node that nests others gets its depth here: no tree deeper than
 * LIMIT_DEPTH is built, so no pass over one recurses deeper. */
#define DEEP(n) do { if (node_deepen(ctx, (n))) { node_free(n); YYABORT; } } while (0)

static struct node *mk(enum node_kind kind, struct parse_ctx *ctx, YYLTYPE l)
{
	struct loc loc = LOC(l);
	return node_new(kind, &loc);
}

static struct node *binary(struct parse_ctx *ctx, YYLTYPE l, enum op op,
			   struct node *a, struct node *b)
{
	struct node *n = mk(N_BINARY, ctx, l);
	n->op = op;
	n->lhs = a;
	n->rhs = b;
	return n;
}

/* for ($kv : @m): the whole map, no keys; anything else is neither form
 * of a loop.  NULL after the error. */
static struct node *map_loop(struct parse_ctx *ctx, YYLTYPE l, char *var, struct node *over,
			     YYLTYPE over_at, struct node *body)
{
	if (over->kind != N_MAP || over->args) {
		struct loc at = loc_from(ctx, &over_at);
		ctx->errors++;
		diag_error(&at, "write for ($kv : @m) { ... } or for ($i : START..END) { ... }",
			   over->kind == N_MAP ? "a for loop runs over a whole map, without keys"
			   : "a for loop runs over a map or a range START..END");
		free(var);
		node_free(over);
		node_free(body);
		return NULL;
	}
	struct node *n = mk(N_FOR, ctx, l);
	n->name = var;
	n->map = over;
	n->then = body;
	return n;
}

static void add_probe(struct program *prog, struct probe *p)
{
	struct probe **pp = &prog->probes;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
}

static void add_decl(struct program *prog, struct tp_decl *d)
{
	struct tp_decl **pp = &prog->decls;
	while (*pp)
		pp = &(*pp)->next;
	*pp = d;
}

/* `x op= e` and `x++` are `x = x op e`; the target is copied, keys and all. */
static struct node *compound_assign(struct parse_ctx *ctx, YYLTYPE l, struct node *target,
				    enum op op, struct node *e)
{
	struct node *st = mk(target->kind == N_MAP ? N_ASSIGN_MAP : N_ASSIGN_VAR, ctx, l);
	struct node *read = node_copy(target);
	st->rhs = binary(ctx, l, op, read, e);
	if (target->kind == N_MAP) {
		st->map = target;
	} else {
		st->name = strdup(target->name);
		st->loc = target->loc;
		node_free(target);
	}
	return st;
}

static struct node *var(struct parse_ctx *ctx, YYLTYPE l, char *name)
{
	struct node *n = mk(N_VAR, ctx, l);
	n->name = name;
	return n;
}

/* x++ and ++x: the old or the new value, with x updated. */
static struct node *incdec(struct parse_ctx *ctx, YYLTYPE l, struct node *target, enum op op,
			   bool post)
{
	struct node *n = mk(N_INCDEC, ctx, l);
	n->lhs = target;
	n->op = op;
	n->ival = post;
	return n;
}

/* Attach points as the parser makes them: the spec alone is set. */
static void ap_free(struct attach_point *a)
{
	while (a) {
		struct attach_point *next = a->next;
		free(a->spec);
		free(a);
		a = next;
	}
}

/* bpftrace syntax btctrace does not parse, recognised so that the error
 * names it at its place; the rule then frees its parts and aborts. */
static void unsupported_syntax(struct parse_ctx *ctx, YYLTYPE l, const char *what)
{
	struct loc loc = LOC(l);
	ctx->errors++;
	diag_error(&loc, DIAG_HINT_UNSUPPORTED, "%s: a bpftrace feature btctrace does not support",
		   what);
}

/* $t.0 = x: a tuple is made whole, as in bpftrace. */
static void tuple_immutable(struct parse_ctx *ctx, YYLTYPE l)
{
	struct loc loc = LOC(l);
	ctx->errors++;
	diag_error(&loc, "assign a new tuple: $t = (x, $t.1)",
		   "an element of a tuple cannot be assigned");
}

#define FIELDS "fields of variables and arguments ($x.f, $x->f, args.a.b)"

static struct node *append(struct node *list, struct node *n)
{
	if (!list)
		return n;
	struct node *p = list;
	while (p->next)
		p = p->next;
	p->next = n;
	return list;
}
}

%union {
	char *s;
	int64_t i;
	struct node *node;
	struct probe *probe;
	struct attach_point *ap;
	struct tp_decl *decl;
	struct decl_arg darg;
	struct { char *s; int len; } str;
}

%token <s> ATTACH "probe name" MAP "map" VAR "variable" IDENT "identifier"
%token <i> INT "integer"
%token <str> STRING "string"
%token PRED_OPEN "predicate '/'" PRED_CLOSE "end of predicate '/'"
%token IF "if" ELSE "else" ARROW "->"
%token TRACEPOINT "tracepoint" SINCE "since" UNTIL "until"
%token UNROLL "unroll" FOR "for" WHILE "while" BREAK "break" CONTINUE "continue" DOTDOT ".."
%token INC "++" DEC "--" PARAM_COUNT "$#"
%token <i> TUPLE_INDEX "tuple element (.N)"
%token <i> TYPE "type" PARAM "positional parameter" OP_ASSIGN "compound assignment"
%token EQ "==" NE "!=" LE "<=" GE ">=" LAND "&&" LOR "||" SHL "<<" SHR ">>"
/* The lexer's first token: which of the two is read (parse_program,
 * parse_map_ref). */
%token START_PROGRAM "start of a program" START_MAP_REF "start of a map reference"

%type <probe> probe
%type <decl> decl decl_args
%type <darg> decl_arg
%type <i> opt_until
%type <ap> attach_list attach_point
%type <node> pred block stmts stmt compound if_stmt expr primary map call_args opt_args
%type <node> assignable map_ref arg_ref for_stmt while_stmt

%destructor { free($$); } <s>
%destructor { node_free($$); } <node>
%destructor { free($$.s); } <str>
/* What a syntax error leaves on the stack is freed here; a rule whose
 * action YYABORTs frees its own right-hand side (Bison does not). */
%destructor { decl_free($$); } <decl>
%destructor { free($$.name); free($$.doc); free($$.len_arg); } <darg>
%destructor { ap_free($$); } <ap>
%destructor { ap_free($$->points); node_free($$->pred); node_free($$->body); free($$); } <probe>

%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY

%%

start: START_PROGRAM program
	| START_MAP_REF map_ref opt_semicolon	{ ctx->entry = $2; }
	;

/* A map typed at the REPL's prompt: alone, or the first argument of a
 * call such as print(@m, 10). */
map_ref: map			{ $$ = $1; }
	| IDENT '(' map ')'	{ $$ = mk(N_CALL, ctx, @1); $$->name = $1; $$->args = $3; }
	| IDENT '(' map ',' call_args ')'	{ $$ = mk(N_CALL, ctx, @1); $$->name = $1;
				  $3->next = $5; $$->args = $3; }
	;

opt_semicolon: %empty
	| ';'
	;

program: item
	| program item
	;

item: probe			{ add_probe(ctx->prog, $1); }
	| decl			{ add_decl(ctx->prog, $1); }
	;

decl: TRACEPOINT ATTACH SINCE IDENT opt_until STRING '(' decl_args ')' ';'
				{ $$ = $8; $$->loc = LOC(@2);
				  int since = release_number($4, &@4, ctx);
				  if (since < 0) { free($2); free($6.s); }
				  if (since < 0 || decl_set_names($$, $2, since, $5, $6.s, ctx)) {
					decl_free($$); YYABORT; } }
	;

opt_until: %empty		{ $$ = 0; }
	| UNTIL IDENT		{ $$ = release_number($2, &@2, ctx); if ($$ < 0) YYABORT; }
	;

decl_args: %empty		{ $$ = calloc(1, sizeof(*$$)); }
	| decl_arg		{ $$ = calloc(1, sizeof(*$$)); $$->args[$$->nargs++] = $1; }
	| decl_args ',' decl_arg	{ $$ = $1;
				  if ($$->nargs == 12) { struct loc l = LOC(@3);
				    diag_error(&l, NULL, "at most 12 arguments"); ctx->errors++;
				    decl_free($$); free($3.name); free($3.doc); free($3.len_arg); YYABORT; }
				  $$->args[$$->nargs++] = $3; }
	;

decl_arg: IDENT IDENT STRING	{ if (decl_arg_type(&$$, $1, 0, NULL, &@1, ctx)) {
					free($2); free($3.s); YYABORT; }
				  $$.name = $2; $$.doc = $3.s; }
	| IDENT '[' INT ']' IDENT STRING	{ if (decl_arg_type(&$$, $1, $3, NULL, &@1, ctx)) {
					free($5); free($6.s); YYABORT; }
				  $$.name = $5; $$.doc = $6.s; }
	| IDENT '[' IDENT ']' IDENT STRING	{ if (decl_arg_type(&$$, $1, 0, $3, &@1, ctx)) {
					free($5); free($6.s); YYABORT; }
				  $$.name = $5; $$.doc = $6.s; }
	;

probe: attach_list pred block	{ $$ = calloc(1, sizeof(*$$)); $$->points = $1;
				  $$->pred = $2; $$->body = $3; $$->loc = LOC(@1); }
	;

attach_list: attach_point	{ $$ = $1; }
	| attach_list ',' attach_point	{ struct attach_point *a = $1;
				  while (a->next) a = a->next; a->next = $3; $$ = $1; }
	;

attach_point: ATTACH		{ $$ = calloc(1, sizeof(*$$)); $$->spec = $1; $$->loc = LOC(@1); }
	;

pred: %empty			{ $$ = NULL; }
	| PRED_OPEN expr PRED_CLOSE	{ $$ = $2; }
	;

block: '{' stmts '}'		{ $$ = $2; }
	;

stmts: %empty			{ $$ = NULL; }
	| stmt			{ $$ = $1; }
	| stmt ';' stmts	{ $1->next = $3; $$ = $1; }
	| compound stmts	{ $1->next = $2; $$ = $1; }
	;

compound: if_stmt		{ $$ = $1; }
	| for_stmt		{ $$ = $1; }
	| while_stmt		{ $$ = $1; }
	| UNROLL '(' INT ')' block	{ $$ = mk(N_UNROLL, ctx, @1); $$->ival = $3; $$->then = $5;
				  DEEP($$); }
	;

if_stmt: IF '(' expr ')' block	{ $$ = mk(N_IF, ctx, @1); $$->cond = $3; $$->then = $5;
				  DEEP($$); }
	| IF '(' expr ')' block ELSE block	{ $$ = mk(N_IF, ctx, @1); $$->cond = $3;
				  $$->then = $5; $$->els = $7; DEEP($$); }
	| IF '(' expr ')' block ELSE if_stmt	{ $$ = mk(N_IF, ctx, @1); $$->cond = $3;
				  $$->then = $5; $$->els = $7; DEEP($$); }
	;

/* The range is half-open, as bpftrace's: START..END runs END - START
 * times.  A map loop's variable is a (key, value) tuple. */
for_stmt: FOR '(' VAR ':' expr DOTDOT expr ')' block	{ $$ = mk(N_FOR, ctx, @1);
				  $$->name = $3; $$->lhs = $5; $$->rhs = $7; $$->then = $9;
				  DEEP($$); }
	| FOR '(' VAR ':' expr ')' block	{ $$ = map_loop(ctx, @1, $3, $5, @5, $7);
				  if (!$$) YYABORT; DEEP($$); }
	;

/* As bpftrace's: the condition is tested before each round. */
while_stmt: WHILE '(' expr ')' block	{ $$ = mk(N_WHILE, ctx, @1); $$->cond = $3;
				  $$->then = $5; DEEP($$); }
	;

stmt: BREAK			{ $$ = mk(N_BREAK, ctx, @1); }
	| CONTINUE		{ $$ = mk(N_CONTINUE, ctx, @1); }
	| map '=' expr		{ $$ = mk(N_ASSIGN_MAP, ctx, @2); $$->map = $1; $$->rhs = $3; }
	| VAR '=' expr		{ $$ = mk(N_ASSIGN_VAR, ctx, @1); $$->name = $1; $$->rhs = $3; }
	| assignable OP_ASSIGN expr	{ $$ = compound_assign(ctx, @2, $1, (enum op)$2, $3); }
	| expr			{ $$ = mk(N_EXPR_STMT, ctx, @1); $$->lhs = $1; }
	| primary TUPLE_INDEX '=' expr	{ node_free($1); node_free($4); tuple_immutable(ctx, @2);
				  $$ = NULL; YYABORT; }
	;

assignable: map			{ $$ = $1; }
	| VAR			{ $$ = mk(N_VAR, ctx, @1); $$->name = $1; }
	;

map: MAP			{ $$ = mk(N_MAP, ctx, @1); $$->name = $1; }
	| MAP '[' call_args ']'	{ $$ = mk(N_MAP, ctx, @1); $$->name = $1; $$->args = $3;
				  DEEP($$); }
	;

call_args: expr			{ $$ = $1; }
	| call_args ',' expr	{ $$ = append($1, $3); }
	;

opt_args: %empty		{ $$ = NULL; }
	| call_args		{ $$ = $1; }
	;

expr: primary			{ $$ = $1; }
	| expr '?' expr ':' expr	{ $$ = mk(N_TERNARY, ctx, @2); $$->cond = $1;
				  $$->then = $3; $$->els = $5; DEEP($$); }
	| expr LOR expr		{ $$ = binary(ctx, @2, OP_LOR, $1, $3); DEEP($$); }
	| expr LAND expr	{ $$ = binary(ctx, @2, OP_LAND, $1, $3); DEEP($$); }
	| expr '|' expr		{ $$ = binary(ctx, @2, OP_OR, $1, $3); DEEP($$); }
	| expr '^' expr		{ $$ = binary(ctx, @2, OP_XOR, $1, $3); DEEP($$); }
	| expr '&' expr		{ $$ = binary(ctx, @2, OP_AND, $1, $3); DEEP($$); }
	| expr EQ expr		{ $$ = binary(ctx, @2, OP_EQ, $1, $3); DEEP($$); }
	| expr NE expr		{ $$ = binary(ctx, @2, OP_NE, $1, $3); DEEP($$); }
	| expr '<' expr		{ $$ = binary(ctx, @2, OP_LT, $1, $3); DEEP($$); }
	| expr '>' expr		{ $$ = binary(ctx, @2, OP_GT, $1, $3); DEEP($$); }
	| expr LE expr		{ $$ = binary(ctx, @2, OP_LE, $1, $3); DEEP($$); }
	| expr GE expr		{ $$ = binary(ctx, @2, OP_GE, $1, $3); DEEP($$); }
	| expr SHL expr		{ $$ = binary(ctx, @2, OP_SHL, $1, $3); DEEP($$); }
	| expr SHR expr		{ $$ = binary(ctx, @2, OP_SHR, $1, $3); DEEP($$); }
	| expr '+' expr		{ $$ = binary(ctx, @2, OP_ADD, $1, $3); DEEP($$); }
	| expr '-' expr		{ $$ = binary(ctx, @2, OP_SUB, $1, $3); DEEP($$); }
	| expr '*' expr		{ $$ = binary(ctx, @2, OP_MUL, $1, $3); DEEP($$); }
	| expr '/' expr		{ $$ = binary(ctx, @2, OP_DIV, $1, $3); DEEP($$); }
	| expr '%' expr		{ $$ = binary(ctx, @2, OP_MOD, $1, $3); DEEP($$); }
	| '-' expr %prec UNARY	{ $$ = mk(N_UNARY, ctx, @1); $$->op = OP_NEG; $$->lhs = $2; DEEP($$); }
	| '!' expr %prec UNARY	{ $$ = mk(N_UNARY, ctx, @1); $$->op = OP_NOT; $$->lhs = $2; DEEP($$); }
	| '~' expr %prec UNARY	{ $$ = mk(N_UNARY, ctx, @1); $$->op = OP_BNOT; $$->lhs = $2; DEEP($$); }
	| '*' expr %prec UNARY	{ $$ = mk(N_DEREF, ctx, @1); $$->lhs = $2; DEEP($$); }
	| '&' expr %prec UNARY	{ node_free($2); unsupported_syntax(ctx, @1, "address-of (&x)");
				  $$ = NULL; YYABORT; }
	| '(' TYPE ')' expr %prec UNARY	{ $$ = mk(N_CAST, ctx, @2); $$->lhs = $4;
				  $$->type = type_int($2 & 0xff, $2 >> 8); DEEP($$); }
	| '(' TYPE '*' ')' expr %prec UNARY	{ $$ = mk(N_CAST, ctx, @2); $$->lhs = $5;
				  $$->type = type_ptr($2 & 0xff, $2 >> 8); DEEP($$); }
	;

primary: INT			{ $$ = mk(N_INT, ctx, @1); $$->ival = $1; }
	| PARAM			{ $$ = mk(N_PARAM, ctx, @1); $$->ival = $1; }
	| map INC		{ $$ = incdec(ctx, @2, $1, OP_ADD, true); }
	| map DEC		{ $$ = incdec(ctx, @2, $1, OP_SUB, true); }
	| INC map		{ $$ = incdec(ctx, @1, $2, OP_ADD, false); }
	| DEC map		{ $$ = incdec(ctx, @1, $2, OP_SUB, false); }
	| VAR INC		{ $$ = incdec(ctx, @2, var(ctx, @1, $1), OP_ADD, true); }
	| VAR DEC		{ $$ = incdec(ctx, @2, var(ctx, @1, $1), OP_SUB, true); }
	| INC VAR		{ $$ = incdec(ctx, @1, var(ctx, @2, $2), OP_ADD, false); }
	| DEC VAR		{ $$ = incdec(ctx, @1, var(ctx, @2, $2), OP_SUB, false); }
	| PARAM_COUNT		{ $$ = mk(N_PARAM, ctx, @1); $$->ival = -1; }
	| STRING		{ $$ = mk(N_STR, ctx, @1); $$->str = $1.s; $$->slen = $1.len; }
	| map			{ $$ = $1; }
	| VAR			{ $$ = mk(N_VAR, ctx, @1); $$->name = $1; }
	| IDENT			{ $$ = mk(N_BUILTIN, ctx, @1); $$->name = $1; }
	| IDENT '(' opt_args ')'	{ $$ = mk(N_CALL, ctx, @1); $$->name = $1; $$->args = $3;
				  DEEP($$); }
	| arg_ref		{ $$ = $1; }
	| '(' expr ')'		{ $$ = $2; }
	| '(' expr ',' call_args ')'	{ $$ = mk(N_TUPLE, ctx, @1); $2->next = $4; $$->args = $2;
				  DEEP($$); }
	| primary TUPLE_INDEX	{ $$ = mk(N_TUPLE_INDEX, ctx, @2); $$->lhs = $1; $$->ival = $2;
				  DEEP($$); }
	| VAR '[' expr ']'	{ free($1); node_free($3);
				  unsupported_syntax(ctx, @1, "indexing ($x[i])"); $$ = NULL; YYABORT; }
	| VAR '.' IDENT		{ free($1); free($3); unsupported_syntax(ctx, @2, FIELDS);
				  $$ = NULL; YYABORT; }
	| VAR ARROW IDENT	{ free($1); free($3); unsupported_syntax(ctx, @2, FIELDS);
				  $$ = NULL; YYABORT; }
	| arg_ref '.' IDENT	{ node_free($1); free($3); unsupported_syntax(ctx, @2, FIELDS);
				  $$ = NULL; YYABORT; }
	| arg_ref ARROW IDENT	{ node_free($1); free($3); unsupported_syntax(ctx, @2, FIELDS);
				  $$ = NULL; YYABORT; }
	;

arg_ref: IDENT '.' IDENT	{ $$ = mk(N_ARG, ctx, @3); $$->ival = -1; $$->name = $3;
				  $$->str = $1; }
	| IDENT ARROW IDENT	{ $$ = mk(N_ARG, ctx, @3); $$->ival = -1; $$->name = $3;
				  $$->str = $1; }
	;

%%

static void yyerror(YYLTYPE *lloc, void *scanner, struct parse_ctx *ctx, const char *msg)
{
	(void)scanner;
	struct loc loc = loc_from(ctx, lloc);
	ctx->errors++;
	/* Bison's stack is full: deep parentheses, a long right-nested chain,
	 * or a block of very many statements.  Bounded, but said plainly. */
	if (!strcmp(msg, "memory exhausted")) {
		diag_error(&loc, "split it into smaller blocks or expressions",
			   "too much nesting or too many statements (the parser holds "
			   "at most %d pending items)", (int)YYMAXDEPTH);
		return;
	}
	if (ctx->map_ref) {
		diag_error(&loc, "write @m or @m[key, ...], alone or in print(@m, top, div), "
			   "clear(@m), zero(@m) or delete(@m[key])", "%s", msg);
		return;
	}
	diag_error(&loc, ctx->in_decl ? "a declaration is `tracepoint context:event since vN "
		   "\"doc\" (type name \"doc\", ...);`" : "a probe is `context:event /predicate/ "
		   "{ statements; }`, statements are separated by ';'", "%s", msg);
}
