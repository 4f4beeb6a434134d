/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Maps typed at the prompt: @m, @m[k1, k2], print(@m, top, div),
 * clear(@m), zero(@m), delete(@m[k]).  The entry is parsed by the
 * language's grammar (parse_map_ref); its keys, integer or string
 * literals (hashes as strings of 64 hex digits), are laid out as the probe programs lay them out (abi), and
 * the maps are read through the runtime. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "cli/repl_internal.h"
#include "lang/sema.h"

enum entry_op { ENTRY_PRINT, ENTRY_CLEAR, ENTRY_ZERO, ENTRY_DELETE };

/* In enum entry_op's order. */
const char *const repl_map_functions[] = { "print", "clear", "zero", "delete", NULL };

/* One map entry, checked. */
struct map_entry {
	struct session *s;
	const struct node *ref;		/* the N_MAP */
	struct loc span;		/* all of @m[...] */
	enum entry_op op;
	const struct map_info *m;
	char *ukey;			/* the key's bytes as codegen builds them */
	bool impossible;		/* a string key longer than any stored one */
	int64_t top, div;
};

/* ---- reading the entry ---- */

/* The column after n and whatever it holds. */
static int end_col(const struct node *n)
{
	int end = n->loc.col + n->loc.len;
	for (const struct node *c = n->lhs; c; c = c->lhs)
		if (c->loc.col + c->loc.len > end)
			end = c->loc.col + c->loc.len;
	return end;
}

/* @m[...] from '@' to ']' (an entry is one line). */
static struct loc ref_span(const struct node *ref)
{
	struct loc l = ref->loc;
	const struct node *last = ref->args;
	while (last && last->next)
		last = last->next;
	if (!last)
		return l;
	const char *text = l.src->text;
	int end = end_col(last) - 1;	/* 0-based, after the last key */
	while (text[end] && text[end] != ']' && text[end] != '\n')
		end++;
	l.len = end - (l.col - 1) + (text[end] == ']');
	return l;
}

static const struct map_info *find_map(const struct session *s, const char *name)
{
	for (const struct map_info *m = session_map_list(s); m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static int unknown_map(const struct session *s, const struct node *ref)
{
	char hint[512];
	int off = snprintf(hint, sizeof(hint), session_map_list(s) ? "maps of this session:" :
			   "no maps yet: a probe block such as `utxocache:add { @n = "
			   "count(); }` makes one");
	for (const struct map_info *o = session_map_list(s); o && off < (int)sizeof(hint); o = o->next)
		off += snprintf(hint + off, sizeof(hint) - off, " %s", o->name);
	return diag_error(&ref->loc, hint, "unknown map %s", ref->name);
}

/* An integer literal (42, -1, 0x2a, 1e6) into *v: T_INT; a string
 * literal: T_STR; anything else: -1. */
static int literal(const struct node *k, int64_t *v)
{
	if (k->kind == N_STR)
		return T_STR;
	if (k->kind == N_INT) {
		*v = k->ival;
		return T_INT;
	}
	if (k->kind == N_UNARY && k->op == OP_NEG && literal(k->lhs, v) == T_INT) {
		*v = -*v;
		return T_INT;
	}
	return -1;
}

/* Key field i from node k into e->ukey. */
static int put_key(struct map_entry *e, int i, const struct node *k)
{
	const struct type *kt = &e->m->keys[i];
	char *dst = e->ukey + map_key_offset(e->m, i);
	int64_t v = 0;
	int kind = literal(k, &v);
	/* A hash key is written as RPC shows it: "<64 hex digits>". */
	if (kt->kind == T_HASH && kind == T_STR)
		return hash_literal_parse(k, (uint8_t *)dst) ? -EINVAL : 0;
	if (kind < 0)
		return diag_error(&k->loc, "e.g. @m[42], @m[-1, \"inv\"]",
				  "keys at the prompt are integer or string literals");
	if ((int)kt->kind != kind)
		return diag_error(&k->loc, kt->kind == T_STR ? "this key is a string: write it "
				  "in double quotes" : kt->kind == T_INT ? "this key is an integer" :
				  kt->kind == T_HASH ? "this key is a hash: write it as RPC shows it, "
				  "in double quotes" :
				  "keys of this type cannot be written at the prompt",
				  "key has another type than the map's");
	if (kind == T_INT)
		memcpy(dst, &v, 8);
	else if (k->slen >= kt->size)
		e->impossible = true;	/* no stored key is that long */
	else
		memcpy(dst, k->str, k->slen);
	return 0;
}

static int read_keys(struct map_entry *e)
{
	const struct map_info *m = e->m;
	int nkeys = m->nkeys > 0 ? m->nkeys : 0, n = 0;
	for (const struct node *k = e->ref->args; k; k = k->next)
		n++;
	e->ukey = calloc(1, map_user_key_size(m));
	if (!e->ref->args)
		return 0;
	if (!nkeys)
		return diag_error(&e->span, "write it without [...]", "%s has no keys", m->name);
	if (n != nkeys)
		return diag_error(&e->span, NULL, "%s has %d key%s, not %d", m->name, nkeys,
				  nkeys == 1 ? "" : "s", n);
	int i = 0;
	for (const struct node *k = e->ref->args; k; k = k->next, i++)
		if (put_key(e, i, k))
			return -EINVAL;
	return 0;
}

/* print()'s top and div: integer literals, not negative. */
static int count_arg(const struct node *a, int64_t *v)
{
	if (literal(a, v) != T_INT)
		return diag_error(&a->loc, "e.g. print(@m, 10) or print(@m, 10, 1000)",
				  "top and div at the prompt are integer literals");
	if (*v < 0)
		return diag_error(&a->loc, NULL, "top and div cannot be negative");
	return 0;
}

/* The function called (n is an N_CALL) and its arguments after the map. */
static int read_call(struct map_entry *e, const struct node *n)
{
	int op = 0;
	while (repl_map_functions[op] && strcmp(repl_map_functions[op], n->name))
		op++;
	if (!repl_map_functions[op])
		return diag_error(&n->loc, "print(@m), clear(@m), zero(@m) or delete(@m[key])",
				  "%s() cannot be called at the prompt", n->name);
	e->op = (enum entry_op)op;
	const struct node *a = n->args->next;
	if (a && e->op != ENTRY_PRINT)
		return diag_error(&a->loc, "one map between the parentheses",
				  "%s() takes only the map", n->name);
	if (a && count_arg(a, &e->top))
		return -EINVAL;
	if (a && (a = a->next) && count_arg(a, &e->div))
		return -EINVAL;
	if (a && a->next)
		return diag_error(&a->next->loc, "print(@m), print(@m, top) or print(@m, top, div)",
				  "print() takes a map, top and div");
	return 0;
}

/* Whether the operation fits the map as written (a key or none). */
static int check_op(const struct map_entry *e)
{
	bool keyed = e->ref->args != NULL;
	if ((e->op == ENTRY_CLEAR || e->op == ENTRY_ZERO) && keyed)
		return diag_error(&e->span, "delete(@m[key]) removes one key",
				  e->op == ENTRY_CLEAR ? "clear() empties a whole map" :
				  "zero() zeroes a whole map");
	if (e->op == ENTRY_DELETE && !keyed && e->m->nkeys > 0)
		return diag_error(&e->span, "clear(@m) empties the whole map",
				  "delete() needs a key: delete(@m[key])");
	return 0;
}

/* Parses and checks src into e.  0 or -EINVAL after a message. */
static int read_entry(struct map_entry *e, struct source *src, struct node **tree)
{
	if (parse_map_ref(src, tree))
		return -EINVAL;
	const struct node *n = *tree;
	e->op = ENTRY_PRINT;
	if (n->kind == N_CALL && read_call(e, n))
		return -EINVAL;
	e->ref = n->kind == N_CALL ? n->args : n;
	e->span = ref_span(e->ref);
	e->m = find_map(e->s, e->ref->name);
	if (!e->m)
		return unknown_map(e->s, e->ref);
	if (read_keys(e) || check_op(e))
		return -EINVAL;
	return 0;
}

/* ---- running it ---- */

static void no_entry(const struct map_entry *e)
{
	diag_note(NULL, "%.*s has no entry", e->span.len, e->span.src->text + e->span.col - 1);
}

/* The map, or one key, in the exit layout; on the terminal it is caught
 * first, so that Ctrl-C cuts a long one short. */
static void print_entry(struct repl *r, struct map_entry *e)
{
	struct session *s = r->s;
	struct capture c;
	FILE *out = session_out(s);
	FILE *f = out == stdout ? repl_capture_start(&c) : out;
	int rc = 0;
	if (!e->ref->args)
		maps_print_one(session_map_set(s), e->m, f, session_format(s), (int)e->top, (int)e->div);
	else if (e->impossible)
		rc = -ENOENT;
	else
		rc = maps_print_key(session_map_set(s), e->m, e->ukey, f, session_format(s),
				    (int)e->top, (int)e->div);
	if (f != out)
		repl_capture_emit(r, &c, stdout);
	else
		fflush(f);
	if (rc == -ENOENT)
		no_entry(e);
}

int repl_run_map(struct repl *r, struct source *src)
{
	struct session *s = r->s;
	struct map_entry e = { .s = s };
	struct node *tree = NULL;
	int rc = -1;
	if (read_entry(&e, src, &tree) || maps_check(session_map_set(s), e.m))
		goto out;
	rc = 0;
	switch (e.op) {
	case ENTRY_PRINT:
		print_entry(r, &e);
		break;
	case ENTRY_CLEAR:
		maps_clear(session_map_set(s), e.m, NULL);
		break;
	case ENTRY_ZERO:
		maps_zero(session_map_set(s), e.m);
		break;
	case ENTRY_DELETE: {
		int has = e.impossible ? 0 : maps_has_key(session_map_set(s), e.m, e.ukey);
		if (has == 0)
			no_entry(&e);
		else if (has > 0)
			maps_clear(session_map_set(s), e.m, e.ukey);
		break;
	}
	}
out:
	free(e.ukey);
	node_free(tree);
	return rc;
}
