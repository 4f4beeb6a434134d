/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Text typed line by line at the REPL's prompt, read by the language's
 * own lexer: whether a block is still open, how an entry starts.  Only
 * tokens are read (no parser), and errors are not reported: the entry is
 * parsed, with its messages, once it is whole. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "parse_ctx.h"
#include "parser.h"
#include "lexer.h"

struct scan {
	struct source src;
	struct parse_ctx ctx;
	yyscan_t scanner;
	YY_BUFFER_STATE buf;
	YYSTYPE val;
	YYLTYPE loc;
};

/* The next token; the value the lexer allocated for it is freed. */
static int scan_next(struct scan *sc)
{
	int t = yylex(&sc->val, &sc->loc, sc->scanner);
	if (t == ATTACH || t == MAP || t == VAR || t == IDENT)
		free(sc->val.s);
	else if (t == STRING)
		free(sc->val.str.s);
	return t;
}

/* start: START_PROGRAM reads a program, START_MAP_REF a block's inside. */
static void scan_open(struct scan *sc, const char *text, int start)
{
	memset(sc, 0, sizeof(*sc));
	sc->src = (struct source){ .name = "<scan>", .text = text };
	sc->ctx = (struct parse_ctx){ .src = &sc->src, .line = 1, .col = 1, .start = start,
				      .quiet = true };
	yylex_init_extra(&sc->ctx, &sc->scanner);
	sc->buf = yy_scan_string(text, sc->scanner);
	scan_next(sc);	/* the start token */
}

static void scan_close(struct scan *sc)
{
	yy_delete_buffer(sc->buf, sc->scanner);
	yylex_destroy(sc->scanner);
}

/* The end of input, or an unterminated comment (the lexer would report
 * it again at every call). */
static bool scan_done(const struct scan *sc, int t)
{
	return t == YYEOF || sc->ctx.open_comment;
}

/* What may come next outside a block: a probe name, what follows one,
 * the rest of a predicate, the block's '{'. */
enum header_want { WANT_NAME, WANT_AFTER_NAME, IN_PRED, WANT_BLOCK, IN_BLOCK, IN_DECL };

/* BEGIN, END, or a name with a ':' (context:event, interval:s:1,
 * usdt:PATH:...): a bare word is no probe, whatever follows it. */
static bool probe_name_shape(const char *text, int len)
{
	if ((len == 5 && !strncmp(text, "BEGIN", 5)) || (len == 3 && !strncmp(text, "END", 3)))
		return true;
	return memchr(text, ':', len) != NULL;
}

/* One token read at depth 0 (or the '{' opening a block): the state that
 * follows it, or -1 when no continuation can make a program of the text.
 * Inside blocks and predicates nothing is judged: the parser says more
 * once the entry is whole. */
static int header_step(enum header_want w, int t, const char *tok, int len, int depth)
{
	if (w == IN_BLOCK)
		return depth == 0 ? WANT_NAME : IN_BLOCK;
	if (w == IN_DECL)
		return t == ';' ? WANT_NAME : IN_DECL;
	if (t == '{')
		return w == WANT_NAME ? -1 : IN_BLOCK;
	switch (w) {
	case WANT_NAME:
		if (t == TRACEPOINT)
			return IN_DECL;
		return t == ATTACH && probe_name_shape(tok, len) ? WANT_AFTER_NAME : -1;
	case WANT_AFTER_NAME:
		if (t == ',')
			return WANT_NAME;
		return t == PRED_OPEN ? IN_PRED : -1;
	case IN_PRED:
		return t == PRED_CLOSE ? WANT_BLOCK : IN_PRED;
	default:
		return -1;
	}
}

void lex_progress(const char *text, struct lex_progress *out)
{
	struct scan sc;
	memset(out, 0, sizeof(*out));
	out->header_at = -1;
	out->bad_at = -1;
	int want = WANT_NAME;
	scan_open(&sc, text, START_PROGRAM);
	for (int t = scan_next(&sc); !scan_done(&sc, t); t = scan_next(&sc)) {
		int at = sc.ctx.tok_start, len = sc.ctx.offset - at;
		if (want >= 0 && (want = header_step(want, t, text + at, len,
						      sc.ctx.brace_depth)) < 0)
			out->bad_at = at, out->bad_len = len;
		if (t == '{')
			out->opened = true;
		else if (t == '}' && sc.ctx.brace_depth == 0)
			out->header_at = -1;	/* a block closed: the next one's name */
		else if (t == ATTACH && !sc.ctx.in_decl && out->header_at < 0)
			out->header_at = at, out->header_len = len;
		/* A string the line ends before its '"': the lexer's error. */
		out->in_string = t == YYerror && text[at] == '"' && !text[at + len];
	}
	out->in_comment = sc.ctx.open_comment;
	out->depth = sc.ctx.brace_depth;
	if (out->depth <= 0)
		out->header_at = -1, out->header_len = 0;
	scan_close(&sc);
}

enum lex_lead lex_lead(const char *text, char *name, size_t size)
{
	struct scan sc;
	enum lex_lead lead = LEAD_OTHER;
	scan_open(&sc, text, START_MAP_REF);
	int t = scan_next(&sc);
	if (t == YYEOF) {
		lead = LEAD_NOTHING;
	} else if (t == MAP) {
		lead = LEAD_MAP;
	} else if (t == IDENT) {
		int at = sc.ctx.tok_start, len = sc.ctx.offset - at;
		if (scan_next(&sc) == '(') {
			lead = LEAD_CALL;
			if (size)
				snprintf(name, size, "%.*s", len, text + at);
		}
	}
	scan_close(&sc);
	return lead;
}
