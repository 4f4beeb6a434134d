/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Type rules of the builtins: each checks a call's arguments, reports
 * what is wrong with them, and sets the call's type. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lang/format.h"
#include "lang/sema.h"
#include "builtins/internal.h"

static int nargs(const struct node *n)
{
	int k = 0;
	for (const struct node *a = n->args; a; a = a->next)
		k++;
	return k;
}

/* The builtin's usage is the hint: it shows the arguments it takes. */
static int want_args(struct node *n, int min, int max)
{
	int k = nargs(n);
	if (k >= min && k <= max)
		return 0;
	return diag_error(&n->loc, n->builtin->usage, "%s() takes %s%d argument%s, not %d",
			  n->name, min == max ? "" : "up to ", max, max == 1 ? "" : "s", k);
}

static int want_int_arg(struct sema *s, struct node *a, const char *fn)
{
	if (sema_expr(s, a))
		return -EINVAL;
	if (a->type.kind == T_INT)
		return 0;
	char t[32];
	return diag_error(&a->loc, "pass an integer expression such as arg3 or args.value",
			  "%s() needs an integer, this is %s", fn, type_name(&a->type, t, sizeof(t)));
}

/* pid, tid, nsecs, elapsed, cpu: 64-bit unsigned, as the helpers
 * return them. */
int rule_int_value(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_int(8, false);
	return 0;
}

/* The thread's user id, named when printed. */
int rule_username(struct sema *s, struct node *n)
{
	(void)s;
	n->type = (struct type){ .kind = T_USER, .size = 8 };
	return 0;
}

/* The kernel's task name: up to 16 bytes with its NUL. */
int rule_comm(struct sema *s, struct node *n)
{
	(void)s;
	n->type = type_str(16);
	return 0;
}

/* The probe's full name, made by each program of the block as a
 * constant: the buffer fits the longest of the block's names. */
int rule_probe(struct sema *s, struct node *n)
{
	size_t longest = 0;
	for (const struct attach_point *ap = s->probe->points; ap; ap = ap->next)
		if (ap->full_name && strlen(ap->full_name) > longest)
			longest = strlen(ap->full_name);
	n->type = type_str((int)longest + 1);
	return 0;
}

/* count(): an aggregation of nothing but the number of calls. */
int rule_agg_no_arg(struct sema *s, struct node *n)
{
	(void)s;
	n->type.kind = T_AGG;
	return want_args(n, 0, 0);
}

/* sum(), min(), max(), avg(), stats(), hist(): one integer value. */
int rule_agg_int_arg(struct sema *s, struct node *n)
{
	n->type.kind = T_AGG;
	if (want_args(n, 1, 1))
		return -EINVAL;
	return want_int_arg(s, n->args, n->name);
}

/* Constant integer expressions (literals, unary minus) for lhist(). */
static int const_int(const struct node *n, int64_t *v)
{
	if (n->kind == N_INT) {
		*v = n->ival;
		return 0;
	}
	if (n->kind == N_UNARY && n->op == OP_NEG && !const_int(n->lhs, v)) {
		*v = -*v;
		return 0;
	}
	return -EINVAL;
}

int rule_lhist(struct sema *s, struct node *n)
{
	n->type.kind = T_AGG;
	if (want_args(n, 4, 4) || want_int_arg(s, n->args, n->name))
		return -EINVAL;
	int64_t v[3];
	struct node *a = n->args->next;
	/* The bounds become plain literals: sema keeps them in the map. */
	for (int i = 0; i < 3; i++, a = a->next) {
		if (const_int(a, &v[i]))
			return diag_error(&a->loc, "lhist(value, min, max, step) takes constants",
					  "lhist() bounds must be integer constants");
		a->ival = v[i];
		a->kind = N_INT;
	}
	if (v[2] <= 0)
		return diag_error(&n->args->next->next->next->loc, NULL, "lhist() step must be positive");
	if (v[1] <= v[0])
		return diag_error(&n->args->next->next->loc, NULL, "lhist() max must exceed min");
	if ((v[1] - v[0]) / v[2] > 1000)
		return diag_error(&n->loc, "use a larger step", "lhist() would have more than "
				  "1000 buckets");
	return 0;
}

int rule_exit(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 0, 1))
		return -EINVAL;
	if (!n->args)
		return 0;
	if (want_int_arg(s, n->args, n->name))
		return -EINVAL;
	/* A process's status is 8 bits: 300 would exit with 44. */
	const struct node *a = n->args;
	bool neg = a->kind == N_UNARY && a->op == OP_NEG && a->lhs->kind == N_INT;
	int64_t v = neg ? -a->lhs->ival : a->ival;
	if ((a->kind == N_INT || neg) && (v < 0 || v > 255))
		return diag_error(&a->loc, "use a code from 0 to 255",
				  "exit code %lld is outside 0..255", (long long)v);
	return 0;
}

/* strftime() is printed, never kept: its format travels with the
 * conversion that prints it. */
static int take_time_formats(struct fmt_info *fi, struct node *args)
{
	int i = 0;
	for (struct node *a = args; a && i < fi->nargs; a = a->next, i++) {
		if (a->type.kind != T_TIME)
			continue;
		if (a->kind != N_CALL)
			return diag_error(&a->loc, "printf(\"%s\", strftime(\"%H:%M:%S\", nsecs))",
					  "strftime() is printed where it is called");
		fi->args[i].time_fmt = strdup(a->args->str);
	}
	return 0;
}

/* The format is checked against the arguments here, so a bad printf is
 * an error before anything is attached. */
int rule_printf(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (!n->args || n->args->kind != N_STR)
		return diag_error(&n->loc, "printf(\"format\", args...)",
				  "printf() needs a string literal as its format");
	for (struct node *a = n->args->next; a; a = a->next)
		if (sema_expr(s, a))
			return -EINVAL;
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	if (format_check(n->args->str, n->args->slen, &n->args->loc, n->args->next, fi) ||
	    take_time_formats(fi, n->args->next)) {
		format_free(fi);
		return -EINVAL;
	}
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

/* A keyless @m naming a whole map (print, clear, zero). */
static int want_whole_map(struct sema *s, struct node *a, const char *fn)
{
	if (!a || a->kind != N_MAP || a->args)
		return diag_error(a ? &a->loc : NULL, "name a whole map: @m",
				  "%s() takes a map", fn);
	return sema_map_whole(s, a);
}

static int want_const(struct node *a, const char *what)
{
	if (a->kind == N_INT && a->ival >= 0)
		return 0;
	return diag_error(&a->loc, "use a non-negative integer constant", "%s must be a constant",
			  what);
}

/* print(tuple): one argument, the tuple whole, which user space prints
 * as text or JSON (output/tuple.c); printf() has no conversion for it. */
static struct fmt_info *tuple_value_format(const struct node *a)
{
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	fi->nargs = 1;
	fi->args[0] = (struct fmt_arg){ .type = a->type, .offset = 16, .conv = 's', .spec = "%" };
	fi->nsegs = 2;
	fi->segs = calloc(2, sizeof(*fi->segs));
	fi->segs[0] = strdup("");
	fi->segs[1] = strdup("\n");
	fi->text = strdup("\n");
	fi->record_size = 16 + a->type.size;
	fi->is_value = true;
	return fi;
}

/* print(@m[, top[, div]]) prints a map; print(value) prints a value. */
int rule_print(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 1, 3))
		return -EINVAL;
	struct node *a = n->args;
	if (a->kind == N_MAP && !a->args) {
		if (want_whole_map(s, a, n->name))
			return -EINVAL;
		for (struct node *k = a->next; k; k = k->next)
			if (want_const(k, k == a->next ? "print()'s top" : "print()'s div"))
				return -EINVAL;
		return 0;
	}
	if (a->next)
		return diag_error(&a->next->loc, "top and div apply to maps", "print(value) takes "
				  "one argument");
	if (sema_expr(s, a))
		return -EINVAL;
	if (a->type.kind == T_TUPLE) {
		n->ival = symtab_add_format(s->syms, tuple_value_format(a));
		return 0;
	}
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	bool text = a->type.kind == T_STR || a->type.kind == T_HASH || a->type.kind == T_USER ||
		    a->type.kind == T_TIME || a->type.kind == T_USTACK || a->type.kind == T_USYM ||
		    a->type.kind == T_DEC || a->type.kind == T_BYTES;
	const char *fmt = text ? "%s\n" : (a->type.is_signed ? "%ld\n" : "%lu\n");
	if (a->type.kind == T_BUF)
		fmt = "%r\n";
	if (format_check(fmt, (int)strlen(fmt), &a->loc, a, fi) || take_time_formats(fi, a)) {
		format_free(fi);
		return -EINVAL;
	}
	fi->is_value = true;
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

int rule_whole_map(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 1, 1))
		return -EINVAL;
	return want_whole_map(s, n->args, n->name);
}

static int key_into_map(struct sema *s, struct node *n, const char *usage);

/* delete(@m[key]), or delete(@m, key) as bpftrace 0.21 writes it. */
int rule_delete(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (n->args && n->args->next)
		return key_into_map(s, n, "delete(@m, key)");
	if (want_args(n, 1, 1))
		return -EINVAL;
	struct node *a = n->args;
	if (a->kind != N_MAP)
		return diag_error(&a->loc, "delete(@m[key])", "delete() takes a map entry");
	return sema_map_ref(s, a);
}

/* The event carries only the format's id: user space formats the time
 * when the event arrives. */
int rule_time(struct sema *s, struct node *n)
{
	n->type.kind = T_VOID;
	if (want_args(n, 0, 1))
		return -EINVAL;
	if (n->args && n->args->kind != N_STR)
		return diag_error(&n->args->loc, "time(\"%H:%M:%S\\n\")",
				  "time() takes a strftime format literal");
	struct fmt_info *fi = calloc(1, sizeof(*fi));
	const char *fmt = n->args ? n->args->str : "%H:%M:%S\n";
	fi->segs = calloc(1, sizeof(char *));
	fi->segs[0] = strdup(fmt);
	fi->nsegs = 1;
	fi->is_time = true;
	n->ival = symtab_add_format(s->syms, fi);
	return 0;
}

/* str(ptr[, size]): a C string of user memory, bpftrace's 64 bytes by default. */
int rule_str(struct sema *s, struct node *n)
{
	if (want_args(n, 1, 2))
		return -EINVAL;
	if (n->args->kind == N_PARAM && n->args->ival > 0 ? sema_param_str(s, n->args)
							  : sema_expr(s, n->args))
		return -EINVAL;
	if (n->args->type.kind == T_STR && !n->args->next) {
		n->type = n->args->type;	/* str($1) of a string parameter */
		return 0;
	}
	if (want_int_arg(s, n->args, n->name))
		return -EINVAL;
	/* bpftrace: str(p) holds strlen - 1 characters, str(p, n) n of them. */
	int64_t chars = s->syms->str_len - 1;
	if (n->args->next) {
		if (const_int(n->args->next, &chars))
			return diag_error(&n->args->next->loc, "a constant from 1 to 4096",
					  "str()'s size must be a constant");
		if (chars < 1 || chars > 4096)
			return diag_error(&n->args->next->loc, "a size from 1 to 4096: str() "
					  "reads at most 4096 bytes",
					  "str()'s size is %lld, out of range", (long long)chars);
	}
	n->type = type_str(str_buffer_size((int)chars));
	return 0;
}

/* hash("<64 hex digits>"): a hash written as RPC shows it, a constant;
 * hash($1) reads a parameter the same way (one not given is an error). */
int rule_hash(struct sema *s, struct node *n)
{
	if (want_args(n, 1, 1))
		return -EINVAL;
	if (n->args->kind == N_PARAM && n->args->ival > 0 ? sema_param_str(s, n->args)
							  : sema_expr(s, n->args))
		return -EINVAL;
	if (!is_hash_literal_candidate(n->args))
		return diag_error(&n->args->loc, n->builtin->usage,
				  "hash() takes a string literal of 64 hex digits");
	if (sema_hash_literal(n->args))
		return -EINVAL;
	n->type = type_hash();
	return 0;
}

/* dec(v, places): v printed with `places` decimals (0..19, what 64 bits
 * hold); btc(sats): dec(sats, 8).  The value stays the integer: only
 * printing places the point, so nothing in BPF is a float. */
static int decimal_of(struct sema *s, struct node *n, int64_t places)
{
	if (want_int_arg(s, n->args, n->name))
		return -EINVAL;
	const struct type *a = &n->args->type;
	n->type = (struct type){ .kind = T_DEC, .size = 8, .scale = (int)places,
				 .is_signed = !(a->size == 8 && !a->is_signed) };
	return 0;
}

int rule_dec(struct sema *s, struct node *n)
{
	int64_t places;
	if (want_args(n, 2, 2))
		return -EINVAL;
	if (const_int(n->args->next, &places) || places < 0 || places > 19)
		return diag_error(&n->args->next->loc, "a constant from 0 to 19, e.g. "
				  "dec(args.fee * 100 / args.vsize, 2)",
				  "dec()'s decimal places must be a constant from 0 to 19");
	return decimal_of(s, n, places);
}

int rule_btc(struct sema *s, struct node *n)
{
	return want_args(n, 1, 1) ? -EINVAL : decimal_of(s, n, 8);
}

/* The map argument of has_key(), len(), delete(@m, key): a map named
 * whole, as @m. */
static int want_map_name(struct node *a, const char *fn, const char *usage)
{
	if (a->kind == N_MAP && !a->args)
		return 0;
	return diag_error(&a->loc, usage, "%s() takes a map as its first argument", fn);
}

/* has_key(@m, key) and delete(@m, key) look the key up as @m[key] does:
 * the key moves into the map node, so one check covers both spellings. */
static int key_into_map(struct sema *s, struct node *n, const char *usage)
{
	if (want_args(n, 2, 2) || want_map_name(n->args, n->name, usage))
		return -EINVAL;
	struct node *map = n->args;
	map->args = map->next;
	map->next = NULL;
	if (sema_map_ref(s, map))
		return -EINVAL;
	/* delete() removes a histogram's buckets in user space; a lookup
	 * would need the bucket. */
	if (strcmp(n->name, "delete") && map_is_hist(map->mapinfo))
		return diag_error(&n->loc, "a histogram's entries are its buckets",
				  "%s() does not work on %s, which holds %s()", n->name,
				  map->mapinfo->name, map->mapinfo->agg->name);
	return 0;
}

/* has_key(@m, key): 1 when @m has an entry for key, else 0. */
int rule_has_key(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	return key_into_map(s, n, "has_key(@m, key)");
}

/* len(@m): the number of entries of @m. */
int rule_len(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	if (want_args(n, 1, 1) || want_map_name(n->args, n->name, "len(@m)") ||
	    sema_map_whole(s, n->args))
		return -EINVAL;
	const struct map_info *m = n->args->mapinfo;
	if (map_is_hist(m))
		return diag_error(&n->loc, "a histogram's entries are its buckets",
				  "len() does not work on %s, which holds %s()", m->name, m->agg->name);
	return 0;
}

/* A string operand of strncmp() or strcontains(). */
static int want_str_arg(struct sema *s, struct node *a, const char *fn)
{
	if (sema_expr(s, a))
		return -EINVAL;
	if (a->type.kind == T_STR)
		return 0;
	char t[32];
	return diag_error(&a->loc, "pass a string: a literal, str(ptr) or a string argument",
			  "%s() compares strings, this is %s", fn, type_name(&a->type, t, sizeof(t)));
}

/* The code compares byte by byte, unrolled, about four instructions a
 * compare: past this many, a block would not fit the 32767 instructions
 * a jump reaches.  Two str() of the default size need 4624. */
#define STR_COMPARE_MAX 6144

/* strncmp(a, b, n): 0 when the first n characters are equal, else 1
 * (bpftrace's result: equality, not order); n is a constant. */
int rule_strncmp(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	if (want_args(n, 3, 3) || want_str_arg(s, n->args, n->name) ||
	    want_str_arg(s, n->args->next, n->name))
		return -EINVAL;
	struct node *len = n->args->next->next;
	int64_t v;
	if (const_int(len, &v) || v < 0 || v > STR_COMPARE_MAX)
		return diag_error(&len->loc, "a constant from 0 to 6144",
				  "strncmp()'s length must be a constant");
	len->kind = N_INT;
	len->ival = v;
	len->type = type_int(8, true);
	return 0;
}

/* strcontains(haystack, needle): 1 when needle occurs in haystack. */
int rule_strcontains(struct sema *s, struct node *n)
{
	n->type = type_int(8, false);
	if (want_args(n, 2, 2) || want_str_arg(s, n->args, n->name) ||
	    want_str_arg(s, n->args->next, n->name))
		return -EINVAL;
	long cost = (long)n->args->type.size * n->args->next->type.size;
	if (cost > STR_COMPARE_MAX)
		return diag_error(&n->loc, "shorten the strings: str(p, N) reads N characters",
				  "strcontains() of strings of %d and %d bytes needs more than %d "
				  "compares, the limit", n->args->type.size,
				  n->args->next->type.size, STR_COMPARE_MAX);
	return 0;
}

/* buf(p, n): n bytes of user memory (or of a string), at most
 * BPFTRACE_STRLEN of them, as bpftrace; a length known only at run time
 * reads up to that many. */
int rule_buf(struct sema *s, struct node *n)
{
	if (want_args(n, 2, 2) || sema_expr(s, n->args))
		return -EINVAL;
	struct node *src = n->args, *len = src->next;
	int64_t v = 0;
	bool fixed = !const_int(len, &v);
	if (src->type.kind != T_STR && want_int_arg(s, src, n->name))
		return -EINVAL;
	if (!fixed && (src->type.kind == T_STR || want_int_arg(s, len, n->name)))
		return src->type.kind == T_STR ?
		       diag_error(&len->loc, "buf(\"text\", 4)", "buf() of a string takes a constant "
				  "length") : -EINVAL;
	if (fixed && v < 1)
		return diag_error(&len->loc, "read at least one byte", "buf()'s length must be "
				  "positive");
	int cap = s->syms->str_len;
	if (fixed && v > cap)
		diag_warn(&len->loc, "BPFTRACE_STRLEN sets the limit", "buf() reads at most %d "
			  "bytes, not %lld", cap, (long long)v);
	if (fixed && v < cap)
		cap = (int)v;
	if (src->type.kind == T_STR && src->type.size < cap)
		cap = src->type.size;
	n->type = (struct type){ .kind = T_BUF, .size = 8 + cap };
	return 0;
}

/* strftime(fmt, nsecs): a date made when printed (printf's %s, print()). */
int rule_strftime(struct sema *s, struct node *n)
{
	n->type = (struct type){ .kind = T_TIME, .size = 8 };
	if (want_args(n, 2, 2))
		return -EINVAL;
	if (n->args->kind != N_STR)
		return diag_error(&n->args->loc, "strftime(\"%H:%M:%S\", nsecs)",
				  "strftime() takes a format literal");
	return want_int_arg(s, n->args->next, n->name);
}
