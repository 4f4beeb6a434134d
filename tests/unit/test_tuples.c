/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tuples: their types as sema makes them (one per shape, laid out word by
 * word, strings widened when a longer one is stored, signs kept apart),
 * and their text and JSON as bpftrace 0.17 prints them (output/tuple.c). */
#include "sema_fixture.h"
#include "output/output.h"

static const struct builtin_table no_builtins = { NULL, 0 };

/* Parses and checks text; the program and its symtab are the caller's. */
static int analyse(const char *text, struct program **prog, struct symtab *syms)
{
	static struct source src;
	src = (struct source){ .name = "t.btc", .text = text };
	struct sema_env env = { fixture_builtins };
	char *msgs;
	size_t len;
	FILE *f = open_memstream(&msgs, &len);
	diag_set_stream(f);
	int rc = parse_program(&src, prog);
	if (!rc)
		rc = resolve(*prog);
	if (!rc)
		rc = sema_check(*prog, &env, syms);
	diag_set_stream(NULL);
	fclose(f);
	if (rc)
		fprintf(stderr, "%s", msgs);
	free(msgs);
	return rc;
}

static const char *var_type(const struct probe *p, int slot, char *buf, int len)
{
	return type_name(&p->var_types[slot], buf, len);
}

static void test_types(void)
{
	struct program *prog;
	struct symtab syms = { 0 };
	char t[128];
	CHECK_INT(analyse("BEGIN { $a = (1, \"two\", (int8)-3); $b = (1, \"two\", (int8)-3); "
			  "$c = ($a, (uint32)5); $d = (1, \"a\"); $d = (2, \"a longer one\"); "
			  "$e = $c.0.1; }", &prog, &syms), 0);
	const struct probe *p = prog->probes;
	CHECK_STR(var_type(p, 0, t, sizeof(t)), "(int64, string[4], int8)");
	/* One shape, one type: the same pointer. */
	CHECK(p->var_types[0].tuple == p->var_types[1].tuple);
	const struct tuple_type *a = p->var_types[0].tuple;
	CHECK_INT(a->offset[0], 0);
	CHECK_INT(a->offset[1], 8);
	CHECK_INT(a->offset[2], 16);
	CHECK_INT(a->size, 24);
	CHECK_STR(var_type(p, 2, t, sizeof(t)), "((int64, string[4], int8), uint32)");
	CHECK_INT(p->var_types[2].size, 32);
	/* The slot holds the longest string assigned. */
	CHECK_STR(var_type(p, 3, t, sizeof(t)), "(int64, string[13])");
	CHECK_INT(p->var_types[3].size, 24);
	CHECK_STR(var_type(p, 4, t, sizeof(t)), "string[4]");
	symtab_free(&syms);
	program_free(prog);
}

static void test_map_values(void)
{
	struct program *prog;
	struct symtab syms = { 0 };
	char t[128];
	CHECK_INT(analyse("BEGIN { @m[1] = (1, \"a\"); @m[2] = (3, \"bcdefghijk\"); "
			  "@x = @m[1].1; @y = (1, 2).1; @z = 1 ? (1, \"a\") : (2, \"bbbbbbbbbb\"); }",
			  &prog, &syms), 0);
	const struct map_info *m = syms.maps;
	CHECK_STR(m->name, "@m");
	CHECK_STR(type_name(&m->value, t, sizeof(t)), "(int64, string[11])");
	CHECK_STR(type_name(&m->next->next->next->value, t, sizeof(t)), "(int64, string[11])");
	symtab_free(&syms);
	program_free(prog);
}

static void test_accepted(void)
{
	accepts("utxocache:add { $t = (args.txid, args.value, arg1); @m[arg1] = $t; "
		"@n = ($t.0, ($t.1, \"x\")); @v = @n.1.0 + $t.2; }");
	accepts("BEGIN { $t = (1, (2, (3, \"deep\"))); @x = $t.1.1.1; @y = $t.1.1.0; }");
	accepts("BEGIN { $t = (1, 2); $t = ((int8)1, (int16)2); @t = $t; }");
	accepts("BEGIN { @a = (1,2).0 + (3,4).1; }");
}

static void test_rejected(void)
{
	rejects("BEGIN { $t = (1, 2); $t = ((uint64)1, 2); }",
		"t.btc:1:27: error: $t holds (int64, int64), this is (uint64, int64)\n"
		"BEGIN { $t = (1, 2); $t = ((uint64)1, 2); }\n"
		"                          ^\n"
		"hint: use another variable\n");
	rejects("BEGIN { $t = (1, (2, \"a\")); $t = (1, (2, 3)); }",
		"t.btc:1:34: error: $t holds (int64, (int64, string[2])), this is (int64, (int64, int64))\n"
		"BEGIN { $t = (1, (2, \"a\")); $t = (1, (2, 3)); }\n"
		"                                 ^\n"
		"hint: use another variable\n");
	rejects("BEGIN { @x = (1, 2).2; }",
		"t.btc:1:20: error: element .2 is out of range: the tuple has 2 elements\n"
		"BEGIN { @x = (1, 2).2; }\n"
		"                   ^~\n"
		"hint: elements are numbered from .0\n");
	rejects("BEGIN { @x = 1.5; }",
		"t.btc:1:14: error: floating-point numbers are not supported (nor by bpftrace): "
		"values are 64-bit integers\n"
		"BEGIN { @x = 1.5; }\n"
		"             ^~~\n"
		"hint: scale instead: 1.5 ms is 1500 us\n");
}

/* ---- output/tuple.c ---- */

static char *element(void *ctx, const struct type *t, const void *value)
{
	(void)value;
	CHECK_INT(t->kind, T_HASH);
	return strdup(ctx);
}

static char *strings(void (*put)(FILE *, const struct type *, const char *,
				 const struct out_value_text *),
		     const struct type *t, const char *p, const struct out_value_text *vt)
{
	char *s;
	size_t n;
	FILE *f = open_memstream(&s, &n);
	put(f, t, p, vt);
	fclose(f);
	return s;
}

static void test_output(void)
{
	struct tuple_type inner = { .n = 2 }, outer = { .n = 4 };
	inner.elem[0] = type_int(8, false);
	inner.elem[1] = type_str(6);
	tuple_layout(&inner);
	struct type it = { .kind = T_TUPLE, .size = inner.size, .tuple = &inner };
	outer.elem[0] = type_int(8, true);
	outer.elem[1] = type_str(12);
	outer.elem[2] = it;
	outer.elem[3] = type_hash();
	tuple_layout(&outer);
	struct type ot = { .kind = T_TUPLE, .size = outer.size, .tuple = &outer };
	CHECK_INT(outer.offset[2], 24);
	CHECK_INT(outer.offset[3], 40);
	char buf[72] = { 0 };
	int64_t minus = -7;
	uint64_t big = 18446744073709551615ULL;
	memcpy(buf, &minus, 8);
	memcpy(buf + 8, "say \"hi\"", 8);
	memcpy(buf + 24, &big, 8);
	memcpy(buf + 32, "abcdef", 6);	/* fills its room: no NUL */
	const struct out_value_text vt = { element, "h\\ash" };
	char *text = strings(out_tuple_text, &ot, buf, &vt);
	CHECK_STR(text, "(-7, say \"hi\", (18446744073709551615, abcdef), h\\ash)");
	free(text);
	char *json = strings(out_tuple_json, &ot, buf, &vt);
	CHECK_STR(json, "[-7,\"say \\\"hi\\\"\",[18446744073709551615,\"abcdef\"],\"h\\\\ash\"]");
	free(json);
	char *t2, *j2;
	CHECK_INT(out_tuple_strings(&it, buf + 24, NULL, &t2, &j2), 0);
	CHECK_STR(t2, "(18446744073709551615, abcdef)");
	CHECK_STR(j2, "[18446744073709551615,\"abcdef\"]");
	free(t2);
	free(j2);
}

int main(void)
{
	fixture_builtins = &no_builtins;
	catalog_load();
	test_accepted();
	test_types();
	test_map_values();
	test_rejected();
	test_output();
	catalog_free();
	return CHECK_DONE();
}
