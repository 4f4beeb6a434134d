/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Semantic analysis: one pass over each probe, typing expressions and
 * collecting maps; a second step fixes key layouts and map ids. */
#include "sema.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "format.h"
#include "suggest.h"

/* bpftrace features a script may bring along that btctrace lacks: named,
 * so the error says what is missing rather than "unknown". */
static const char *const bpftrace_only[] = {
	"kstack", "ksym", "kaddr", "uaddr", "kptr", "uptr", "reg",
	"retval", "func", "curtask",
	"join", "ntop", "system", "cat", "signal", "override", "sizeof",
	"offsetof", "macaddr", "cgroupid", "path",
	"skboutput", "pton", "bswap", "percpu_kaddr", "jiffies",
	"args", "ctx", "sarg0", "sarg1", "sarg2", NULL,
};

static int unsupported(const struct node *n)
{
	for (int i = 0; bpftrace_only[i]; i++)
		if (!strcmp(n->name, bpftrace_only[i]))
			return diag_error(&n->loc, DIAG_HINT_UNSUPPORTED,
					  "'%s' is a bpftrace feature btctrace does not support", n->name);
	return 0;
}


/* ---- maps ---- */

static struct map_info *map_lookup(struct symtab *syms, const char *name)
{
	for (struct map_info *m = syms->maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static struct map_info *map_get(struct sema *s, struct node *n)
{
	struct map_info *m = map_lookup(s->syms, n->name);
	if (m)
		return m;
	m = calloc(1, sizeof(*m));
	m->name = strdup(n->name);
	m->loc = n->loc;
	m->nkeys = -1;
	m->id = s->syms->nmaps;	/* stable: kernel maps are indexed by it */
	m->next = s->syms->maps;
	s->syms->maps = m;
	s->syms->nmaps++;
	return m;
}

static bool is_value_type(const struct type *t)
{
	return t->kind == T_INT || t->kind == T_STR || t->kind == T_HASH || t->kind == T_PTR ||
	       t->kind == T_BYTES || t->kind == T_USER || t->kind == T_BUF ||
	       t->kind == T_USTACK || t->kind == T_USYM || t->kind == T_DEC ||
	       t->kind == T_TUPLE;
}

/* Why a value cannot be kept, when there is more to say than that. */
static const char *no_value_hint(const struct type *t)
{
	return t->kind == T_TIME ? "strftime() is printed where it is called: "
				   "printf(\"%s\", strftime(\"%H:%M:%S\", nsecs))" : NULL;
}

/* Pointers live in maps and variables as the integers they are. */
static struct type stored_type(const struct type *t)
{
	return t->kind == T_PTR ? type_int(8, false) : *t;
}

/* An integer and a pointer share a map: both are words. */
static int same_kind(const struct type *a, const struct type *b)
{
	if (a->kind == T_USTACK && b->kind == T_USTACK)	/* ids of different stack maps */
		return a->stack_frames == b->stack_frames && a->stack_mode == b->stack_mode;
	if (a->kind == T_DEC || b->kind == T_DEC)	/* 1.5 and 1.50 print apart */
		return a->kind == b->kind && a->scale == b->scale;
	return a->kind == b->kind || (type_is_word(a) && type_is_word(b));
}

static int check_keys(struct sema *s, struct map_info *m, struct node *n)
{
	int nkeys = 0;
	for (struct node *k = n->args; k; k = k->next, nkeys++) {
		if (sema_expr(s, k))
			return -EINVAL;
		if (k->type.kind == T_TUPLE)	/* as bpftrace 0.17 */
			return diag_error(&k->loc, "give its elements as keys: @m[a, b]",
					  "a tuple cannot be a map key");
		if (!is_value_type(&k->type))
			return diag_error(&k->loc, "keys are integers, strings or hashes",
					  "this cannot be a map key");
	}
	if (nkeys > MAX_MAP_KEYS)
		return diag_error(&n->loc, NULL, "at most %d keys per map", MAX_MAP_KEYS);
	if (m->nkeys < 0) {
		m->nkeys = nkeys;
		int i = 0;
		for (struct node *k = n->args; k; k = k->next, i++)
			m->keys[i] = stored_type(&k->type);
		return 0;
	}
	char where[64];
	snprintf(where, sizeof(where), "first used at line %d with %d key%s", m->loc.line,
		 m->nkeys, m->nkeys == 1 ? "" : "s");
	if (m->nkeys != nkeys)
		return diag_error(&n->loc, where, "map %s used with %d key%s", m->name,
				  nkeys, nkeys == 1 ? "" : "s");
	int i = 0;
	for (struct node *k = n->args; k; k = k->next, i++) {
		if (m->keys[i].kind == T_HASH && is_hash_literal_candidate(k) &&
		    sema_hash_literal(k))
			return -EINVAL;
		struct type kt = stored_type(&k->type);
		if (!same_kind(&m->keys[i], &kt))
			return diag_error(&k->loc, where, "key %d of %s has another type here",
					  i + 1, m->name);
		if (type_grows(&k->type) && k->type.size > m->keys[i].size) {
			if (m->created)	/* a live session (REPL): the kernel map stays */
				return diag_error(&k->loc, "use a new map for longer strings",
						  "%s's key %d holds strings of up to %d bytes", m->name,
						  i + 1, m->keys[i].size);
			m->keys[i].size = k->type.size;
		}
	}
	return 0;
}

/* @m naming the whole map (print, clear, zero): no keys to check. */
int sema_map_whole(struct sema *s, struct node *n)
{
	n->mapinfo = map_get(s, n);
	return 0;
}

int sema_map_ref(struct sema *s, struct node *n)
{
	struct map_info *m = map_get(s, n);
	n->mapinfo = m;
	return check_keys(s, m, n);
}

/* A tuple stored where tuples were: the map's type grows to hold both
 * (longer strings), in a map not yet created. */
static int assign_map_tuple(struct sema *s, struct map_info *m, struct node *rhs,
			    const char *where)
{
	struct type merged;
	if (tuple_merge(s->syms, &m->value, &rhs->type, &merged))
		return tuple_mismatch(rhs, m->name, &m->value, where);
	if (merged.tuple != m->value.tuple && m->created)
		return diag_error(&rhs->loc, "use a new map for longer strings",
				  "%s's tuples hold shorter strings", m->name);
	m->value = merged;
	return 0;
}

static int assign_map(struct sema *s, struct node *st)
{
	struct node *target = st->map, *rhs = st->rhs;
	if (sema_map_ref(s, target))
		return -EINVAL;
	struct map_info *m = target->mapinfo;
	const struct builtin *agg = NULL;
	if (rhs->kind == N_CALL) {
		const struct builtin *b = builtin_find(s->env->builtins, rhs->name);
		if (b && b->cls == B_AGG)
			agg = b;
	}
	if (agg) {
		rhs->builtin = agg;
		if (agg->type_rule(s, rhs))
			return -EINVAL;
	} else if (sema_expr(s, rhs)) {
		return -EINVAL;
	}
	if (!agg && !is_value_type(&rhs->type))
		return diag_error(&rhs->loc, no_value_hint(&rhs->type),
				  "this has no value to store in %s", m->name);

	bool first = !m->agg && (m->value.kind == T_NONE || m->value_guessed);
	if (first) {
		if (m->value_guessed && (agg || stored_type(&rhs->type).kind != T_INT))
			return diag_error(&rhs->loc, "read a map only after storing integers in it",
					  "%s is read as an integer before this assignment", m->name);
		m->value_guessed = false;
		m->agg = agg;
		/* A pointer keeps its pointee's size: @p + 1 moves by one of them. */
		m->value = rhs->type;
		if (agg && rhs->args)
			m->value_unsigned = rhs->args->type.kind == T_INT && !rhs->args->type.is_signed;
		if (agg && !strcmp(agg->name, "lhist")) {
			m->lhist_min = rhs->args->next->ival;
			m->lhist_max = rhs->args->next->next->ival;
			m->lhist_step = rhs->args->next->next->next->ival;
		}
		return 0;
	}
	char where[80];
	snprintf(where, sizeof(where), "%s was first assigned at line %d; use another map name",
		 m->name, m->loc.line);
	if (m->agg != agg)
		return diag_error(&rhs->loc, where, "%s holds %s%s, not %s%s", m->name,
				  m->agg ? m->agg->name : "a value", m->agg ? "()" : "",
				  agg ? agg->name : "a plain value", agg ? "()" : "");
	struct type rt = stored_type(&rhs->type);
	if (!agg && (m->value.kind == T_TUPLE || rt.kind == T_TUPLE))
		return assign_map_tuple(s, m, rhs, where);
	if (!agg && !same_kind(&m->value, &rt))
	{
		char t[32];
		return diag_error(&rhs->loc, where, "%s holds %s values", m->name,
				  type_name(&m->value, t, sizeof(t)));
	}
	if (!agg && type_grows(&rhs->type) && rhs->type.size > m->value.size) {
		if (m->created)
			return diag_error(&rhs->loc, "use a new map for longer strings",
					  "%s holds strings of up to %d bytes", m->name, m->value.size);
		m->value.size = rhs->type.size;
	}
	if (agg && !strcmp(agg->name, "lhist") &&
	    (m->lhist_min != rhs->args->next->ival || m->lhist_max != rhs->args->next->next->ival ||
	     m->lhist_step != rhs->args->next->next->next->ival))
		return diag_error(&rhs->loc, where, "lhist() parameters differ from the first use");
	return 0;
}

/* ---- expressions ---- */

/* Reading @m[k] in an expression: plain maps only, 0 when the key is
 * missing (bpftrace's semantics).  A map first read, then assigned, is an
 * integer map. */
static int sema_map_read(struct sema *s, struct node *n)
{
	if (sema_map_ref(s, n))
		return -EINVAL;
	struct map_info *m = n->mapinfo;
	if (m->agg)
		return diag_error(&n->loc, "aggregations are read when printed: print(@m)",
				  "%s holds %s(), which a probe cannot read", m->name, m->agg->name);
	if (m->value.kind == T_NONE) {
		m->value = type_int(8, true);
		m->value_guessed = true;
	}
	n->type = m->value;
	return 0;
}

static int var_find(struct sema *s, const char *name);

/* ++/-- work on integer variables (a new one starts at 0, as in bpftrace)
 * and on plain integer maps (a missing key counts from 0). */
static int sema_incdec(struct sema *s, struct node *n)
{
	struct node *t = n->lhs;
	n->type = type_int(8, true);
	if (t->kind == N_MAP) {
		if (sema_map_read(s, t))
			return -EINVAL;
		if (!type_is_word(&t->type))
			return diag_error(&t->loc, NULL, "++ and -- need an integer map");
		n->type = t->type.kind == T_PTR ? t->type : n->type;
		return 0;
	}
	int i = var_find(s, t->name);
	if (i < 0) {
		if (s->nvars == (int)(sizeof(s->vars) / sizeof(s->vars[0])))
			return diag_error(&t->loc, NULL, "too many variables in one probe");
		i = s->nvars++;
		s->vars[i].name = t->name;
		s->vars[i].ended = false;
		s->vars[i].type = type_int(8, true);
	}
	if (!type_is_word(&s->vars[i].type))
		return diag_error(&t->loc, NULL, "++ and -- need an integer variable");
	t->var_slot = i;
	t->type = s->vars[i].type;
	n->type = t->type.kind == T_PTR ? t->type : n->type;
	return 0;
}

static int var_find(struct sema *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (!s->vars[i].ended && !strcmp(s->vars[i].name, name))
			return i;
	return -1;
}

int sema_var_find(struct sema *s, const char *name)
{
	return var_find(s, name);
}

static int sema_builtin_value(struct sema *s, struct node *n)
{
	const char *name = n->name;
	if (!strncmp(name, "arg", 3) && name[3] >= '0' && name[3] <= '9') {
		char *end;
		long idx = strtol(name + 3, &end, 10);
		if (!*end) {
			n->kind = N_ARG;
			n->ival = idx;
			free(n->name);
			n->name = NULL;
			return sema_arg(s, n);
		}
	}
	const struct builtin *b = builtin_find(s->env->builtins, name);
	if (!b && unsupported(n))
		return -EINVAL;
	if (!b) {
		const char *near = builtin_suggest(s->env->builtins, name);
		char hint[256];
		if (near)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
		else
			builtin_hint(s->env->builtins, B_VALUES, "builtins",
				     "arg0..arg11 args.NAME", hint, sizeof(hint));
		return diag_error(&n->loc, hint,
				  "unknown identifier '%s'", name);
	}
	if (b->cls != B_VALUE)
		return diag_error(&n->loc, b->usage, "%s is a function: call it as %s",
				  name, b->usage);
	n->builtin = b;
	return b->type_rule(s, n);
}

static int sema_call(struct sema *s, struct node *n)
{
	const struct builtin *b = builtin_find(s->env->builtins, n->name);
	if (!b && unsupported(n))
		return -EINVAL;
	if (!b) {
		const char *near = builtin_suggest(s->env->builtins, n->name);
		char hint[256];
		if (near)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", near);
		else
			builtin_hint(s->env->builtins, B_AGGS | B_FUNCS, "functions", NULL,
				     hint, sizeof(hint));
		return diag_error(&n->loc, hint,
				  "unknown function '%s'", n->name);
	}
	if (b->cls == B_AGG)
		return diag_error(&n->loc, b->usage,
				  "%s() is an aggregation: assign it to a map", b->name);
	if (b->cls == B_VALUE && !b->callable)
		return diag_error(&n->loc, NULL, "%s is not a function: write it without ()",
				  b->name);
	n->builtin = b;
	return b->type_rule(s, n);
}

static int need_int(struct node *n, const char *what)
{
	if (n->type.kind == T_INT || n->type.kind == T_PTR)
		return 0;
	char t[32];
	return diag_error(&n->loc, "only integers work here",
			  "%s needs an integer, this is %s", what, type_name(&n->type, t, sizeof(t)));
}

static int sema_binary(struct sema *s, struct node *n)
{
	if (sema_expr(s, n->lhs) || sema_expr(s, n->rhs))
		return -EINVAL;
	struct type *a = &n->lhs->type, *b = &n->rhs->type;
	bool cmp = n->op == OP_EQ || n->op == OP_NE;
	/* args.txid == "<64 hex digits>": the string is a hash, as RPC shows it. */
	if (cmp && a->kind == T_HASH && is_hash_literal_candidate(n->rhs) &&
	    sema_hash_literal(n->rhs))
		return -EINVAL;
	if (cmp && b->kind == T_HASH && is_hash_literal_candidate(n->lhs) &&
	    sema_hash_literal(n->lhs))
		return -EINVAL;
	if (cmp && a->kind == b->kind && (a->kind == T_STR || a->kind == T_HASH || a->kind == T_BUF ||
					  a->kind == T_BYTES)) {
		n->type = type_int(8, true);
		return 0;
	}
	if (a->kind == T_HASH || b->kind == T_HASH || a->kind == T_BYTES || b->kind == T_BYTES) {
		char ta[32], tb[32];
		return diag_error(&n->loc, "a hash compares (== !=) with a hash or with one "
				  "written as RPC shows it, \"<64 hex digits>\"; a byte buffer "
				  "only with its own kind",
				  "cannot apply this operator to %s and %s",
				  type_name(a, ta, sizeof(ta)), type_name(b, tb, sizeof(tb)));
	}
	if (a->kind == T_STR || b->kind == T_STR)
		return diag_error(&n->loc, cmp ? "compare a string only with another string" :
				  "strings support only == and !=",
				  "cannot apply this operator to a string");
	if (need_int(n->lhs, "this operator") || need_int(n->rhs, "this operator"))
		return -EINVAL;
	bool is_unsigned = (!a->is_signed && a->size == 8) || (!b->is_signed && b->size == 8) ||
			   a->kind == T_PTR || b->kind == T_PTR;
	if ((n->op == OP_ADD || n->op == OP_SUB) && (a->kind == T_PTR) != (b->kind == T_PTR)) {
		n->type = a->kind == T_PTR ? *a : *b;	/* p + n moves by n pointees */
		return 0;
	}
	if ((n->op == OP_DIV || n->op == OP_MOD) && n->rhs->kind == N_INT && n->rhs->ival == 0)
		return diag_error(&n->rhs->loc, "x / 0 and x % 0 are 1 when the divisor is only "
				  "known at run time", "division by zero");
	if ((n->op == OP_SHL || n->op == OP_SHR) && n->rhs->kind == N_INT &&
	    (n->rhs->ival < 0 || n->rhs->ival > 63))
		return diag_error(&n->rhs->loc, "shift by 0 to 63 bits",
				  "a shift by %lld bits", (long long)n->rhs->ival);
	switch (n->op) {
	case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
	case OP_LAND: case OP_LOR:
		n->type = type_int(8, true);
		break;
	case OP_SHL: case OP_SHR:
		n->type = type_int(8, a->is_signed || a->size < 8);
		break;
	default:
		n->type = type_int(8, !is_unsigned);
	}
	return 0;
}

static int sema_ternary(struct sema *s, struct node *n)
{
	if (sema_expr(s, n->cond) || sema_expr(s, n->then) || sema_expr(s, n->els))
		return -EINVAL;
	if (need_int(n->cond, "the condition"))
		return -EINVAL;
	struct type both = n->then->type;
	if (n->then->type.kind != n->els->type.kind ||
	    (both.kind == T_TUPLE && tuple_merge(s->syms, &n->then->type, &n->els->type, &both)))
		return diag_error(&n->loc, "both branches need the same type",
				  "the branches of ?: differ in type");
	n->type = both;
	if (type_grows(&n->type) && n->els->type.size > n->type.size)
		n->type.size = n->els->type.size;
	if (n->type.kind == T_INT)
		n->type = type_int(8, n->then->type.is_signed && n->els->type.is_signed);
	return 0;
}

int sema_expr(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_INT:
		/* A literal is never negative (`-1` is a negation): one that
		 * reads as negative was written >= 2^63, a uint64 as in bpftrace. */
		n->type = type_int(8, n->ival >= 0);
		return 0;
	case N_STR:
		n->type = type_str(n->slen + 1);
		return 0;
	case N_MAP:
		return sema_map_read(s, n);
	case N_CAST:
		if (sema_expr(s, n->lhs) || need_int(n->lhs, "a cast"))
			return -EINVAL;
		return 0;
	case N_DEREF:
		if (sema_expr(s, n->lhs))
			return -EINVAL;
		if (n->lhs->type.kind != T_PTR)
			return diag_error(&n->loc, "cast it to a pointer first: *(uint8 *)expr",
					  "only a pointer can be dereferenced");
		n->type = type_int(n->lhs->type.size, n->lhs->type.is_signed);
		return 0;
	case N_PARAM:
		return sema_param(s, n);
	case N_INCDEC:
		return sema_incdec(s, n);
	case N_VAR: {
		int i = var_find(s, n->name);
		if (i < 0)
			return sema_var_unknown(s, n);
		n->var_slot = i;
		n->type = s->vars[i].type;
		return 0;
	}
	case N_BUILTIN:
		return sema_builtin_value(s, n);
	case N_ARG:
		return sema_arg(s, n);
	case N_CALL:
		return sema_call(s, n);
	case N_BINARY:
		return sema_binary(s, n);
	case N_UNARY:
		if (sema_expr(s, n->lhs) || need_int(n->lhs, "this operator"))
			return -EINVAL;
		n->type = n->op == OP_NOT ? type_int(8, true) : type_int(8, n->lhs->type.is_signed ||
									  n->op == OP_NEG);
		return 0;
	case N_TERNARY:
		return sema_ternary(s, n);
	case N_TUPLE:
		return sema_tuple(s, n);
	case N_TUPLE_INDEX:
		return sema_tuple_index(s, n);
	default:
		return diag_error(&n->loc, NULL, "internal error: statement used as expression");
	}
}

/* ---- statements ---- */


static int assign_var(struct sema *s, struct node *st)
{
	if (sema_expr(s, st->rhs))
		return -EINVAL;
	if (!is_value_type(&st->rhs->type))
		return diag_error(&st->rhs->loc, no_value_hint(&st->rhs->type),
				  "this has no value to store in %s", st->name);
	int i = var_find(s, st->name);
	if (i < 0) {
		if (s->nvars == (int)(sizeof(s->vars) / sizeof(s->vars[0])))
			return diag_error(&st->loc, NULL, "too many variables in one probe");
		i = s->nvars++;
		s->vars[i].name = st->name;
		s->vars[i].ended = false;
		s->vars[i].type = st->rhs->type;
		sema_start_at_floor(s, i);
	} else if (st->rhs->type.kind == T_TUPLE || s->vars[i].type.kind == T_TUPLE) {
		struct type before = s->vars[i].type;
		if (tuple_merge(s->syms, &s->vars[i].type, &st->rhs->type, &s->vars[i].type))
			return tuple_mismatch(st->rhs, st->name, &s->vars[i].type,
					      "use another variable");
		s->widened |= before.tuple != s->vars[i].type.tuple;
	} else if (s->vars[i].type.kind != st->rhs->type.kind) {
		char t[32];
		return diag_error(&st->rhs->loc, "use another variable",
				  "%s holds a %s, it cannot change type", st->name,
				  type_name(&s->vars[i].type, t, sizeof(t)));
	} else if (type_grows(&st->rhs->type) && st->rhs->type.size > s->vars[i].type.size) {
		s->vars[i].type.size = st->rhs->type.size;	/* the slot holds the longest */
		s->widened = true;
	}
	st->var_slot = i;
	st->type = s->vars[i].type;
	return 0;
}

static int sema_stmt(struct sema *s, struct node *st)
{
	switch (st->kind) {
	case N_ASSIGN_MAP:
		return assign_map(s, st);
	case N_ASSIGN_VAR:
		return assign_var(s, st);
	case N_UNROLL:
		if (st->ival < 1 || st->ival > 100)
			return diag_error(&st->loc, "use a count from 1 to 100",
					  "unroll(%lld) is out of range", (long long)st->ival);
		return sema_stmts(s, st->then);
	case N_FOR:
		return sema_for(s, st);
	case N_WHILE:
		return sema_while(s, st);
	case N_BREAK:
	case N_CONTINUE:
		return sema_loop_jump(s, st);
	case N_IF:
		if (sema_expr(s, st->cond) || need_int(st->cond, "if"))
			return -EINVAL;
		if (sema_stmts(s, st->then))
			return -EINVAL;
		return st->els ? sema_stmts(s, st->els) : 0;
	case N_EXPR_STMT:
		if (st->lhs->kind != N_CALL && st->lhs->kind != N_INCDEC) {
			if (sema_expr(s, st->lhs))
				return -EINVAL;
			return diag_error(&st->lhs->loc, "assign it: @m = ... or $x = ...",
					  "this value is computed and then thrown away");
		}
		return sema_expr(s, st->lhs);
	default:
		return sema_expr(s, st);
	}
}

int sema_stmts(struct sema *s, struct node *n)
{
	int rc = 0;
	for (; n; n = n->next)
		if (sema_stmt(s, n))
			rc = -EINVAL;	/* keep going: report every error once */
	return rc;
}

/* The block sees what every probe of it agrees on: an argument whose type
 * differs matters only if the block reads it (sema_arg reports it). */
static void merge_sig(struct sema *s, const struct probe_sig *sig)
{
	for (int i = 0; i < s->sig.nargs && i < sig->nargs; i++) {
		struct type *a = &s->sig.args[i];
		const struct type *b = &sig->args[i];
		if (a->kind != b->kind || a->size != b->size || a->is_signed != b->is_signed)
			a->kind = T_NONE;
	}
	if (sig->nargs < s->sig.nargs)
		s->sig.nargs = sig->nargs;
	/* Named arguments are checked probe by probe (sema_named_arg). */
}

/* The block's argument layout: every attach point that has arguments was
 * resolved (ap->sig) before analysis; their layouts are merged. */
static int sema_attach(struct sema *s, struct probe *p)
{
	bool with_args = false, without = false;
	for (struct attach_point *ap = p->points; ap; ap = ap->next) {
		if (!ap->sig) {
			without = true;
			continue;
		}
		if (!with_args)
			s->sig = *ap->sig;
		else
			merge_sig(s, ap->sig);
		with_args = true;
	}
	if (with_args && without)
		return diag_error(&p->loc, "write BEGIN/END in their own block",
				  "BEGIN/END cannot share a block with USDT probes");
	s->has_sig = with_args;
	return 0;
}

int sema_check_body(struct sema *s, struct probe *p)
{
	int rc = 0;
	s->nvars = 0;
	s->loop_depth = 0;
	s->widened = false;
	if (p->pred && (sema_expr(s, p->pred) || need_int(p->pred, "a predicate")))
		rc = -EINVAL;
	if (sema_stmts(s, p->body) || (!rc && limits_check_body(p)))
		rc = -EINVAL;
	return rc;
}

static int sema_probe(struct sema *s, struct probe *p)
{
	s->probe = p;
	s->has_sig = false;
	if (sema_attach(s, p))
		return -EINVAL;
	int rc = sema_check_body_widened(s, p);
	p->nvars = s->nvars;
	for (int i = 0; i < s->nvars; i++)
		p->var_types[i] = s->vars[i].type;
	for (int i = 0; i < s->nvars; i++)
		p->var_sizes[i] = s->vars[i].type.kind == T_INT || s->vars[i].type.kind == T_PTR ?
				  8 : s->vars[i].type.size;
	return rc;
}

static int map_name_cmp(const void *a, const void *b)
{
	const struct map_info *x = *(struct map_info *const *)a;
	const struct map_info *y = *(struct map_info *const *)b;
	return strcmp(x->name, y->name);
}

/* Maps print in name order, so they are kept in that order with ids. */
static int finish_maps(struct symtab *syms, bool check_assigned)
{
	int n = syms->nmaps, i = 0;
	struct map_info **v = calloc(n ? n : 1, sizeof(*v));
	for (struct map_info *m = syms->maps; m; m = m->next)
		v[i++] = m;
	qsort(v, n, sizeof(*v), map_name_cmp);
	for (i = 0; i < n; i++)
		v[i]->next = i + 1 < n ? v[i + 1] : NULL;
	syms->maps = n ? v[0] : NULL;
	free(v);
	int rc = 0;
	for (struct map_info *m = syms->maps; m; m = m->next)
		if (check_assigned && !m->agg && m->value.kind == T_NONE)
			rc = diag_error(&m->loc, "assign it somewhere: @m = ...",
					"map %s is never assigned", m->name);
	return rc;
}

/* Checks the blocks in script order, except that one looping over a map
 * only a later block assigns waits until a round in which the map is
 * known (interval { for ($kv : @m) ... } above the probe that fills @m);
 * a round that settles nothing checks the rest, to report them. */
static int check_probes(struct sema *s, struct program *prog)
{
	int n = 0, rc = 0;
	for (struct probe *p = prog->probes; p; p = p->next)
		n++;
	struct probe **wait = malloc((n ? n : 1) * sizeof(*wait));
	if (!wait)
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	n = 0;
	for (struct probe *p = prog->probes; p; p = p->next)
		wait[n++] = p;
	for (bool last = false; n;) {
		int kept = 0;
		for (int i = 0; i < n; i++) {
			if (!last && sema_loops_over_unassigned(s->syms, wait[i]->body))
				wait[kept++] = wait[i];
			else if (sema_probe(s, wait[i]))
				rc = -EINVAL;
		}
		last = kept == n;
		n = kept;
	}
	free(wait);
	return rc;
}

int sema_check(struct program *prog, const struct sema_env *env, struct symtab *syms)
{
	struct sema s = { .env = env, .syms = syms };
	int rc = check_probes(&s, prog);
	/* "never assigned" would only echo an error already reported. */
	if (finish_maps(syms, rc == 0))
		rc = -EINVAL;
	return rc;
}

void symtab_free(struct symtab *syms)
{
	for (struct map_info *m = syms->maps, *next; m; m = next) {
		next = m->next;
		free(m->name);
		free(m);
	}
	syms->maps = NULL;
	syms->nmaps = 0;
	symtab_free_tuples(syms);
	format_free(syms->fmts);
	syms->fmts = NULL;
	syms->nfmts = 0;
}

int symtab_add_format(struct symtab *syms, struct fmt_info *fi)
{
	struct fmt_info **pp = &syms->fmts;
	while (*pp)
		pp = &(*pp)->next;
	fi->id = syms->nfmts++;
	*pp = fi;
	return fi->id;
}

const struct fmt_info *symtab_format(const struct symtab *syms, int id)
{
	for (const struct fmt_info *f = syms->fmts; f; f = f->next)
		if (f->id == id)
			return f;
	return NULL;
}

void symtab_rollback(struct symtab *syms, int n)
{
	for (struct map_info **pp = &syms->maps; *pp;) {
		struct map_info *m = *pp;
		if (m->id >= n) {
			*pp = m->next;
			free(m->name);
			free(m);
			syms->nmaps--;
		} else {
			pp = &m->next;
		}
	}
}
