/* Lexer, parser and semantic analysis: programs that must be accepted,
 * and the exact error messages (location, source line, caret, hint) of
 * programs that must be rejected. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lang/ast.h"
#include "lang/sema.h"
#include "builtins/builtins.h"

static struct program *catalog;

/* A stand-in for the target's notes: utxocache:add has bitcoind's shape,
 * and the catalog's declaration names its arguments. */
static int fake_lookup(void *arg, struct attach_point *ap, struct probe_sig *sig)
{
	(void)arg;
	sig->decl = catalog ? catalog->decls : NULL;
	if (strcmp(ap->provider, "utxocache") || strcmp(ap->event, "add"))
		return diag_error(&ap->loc, NULL, "probe %s:%s is not in the binary",
				  ap->provider, ap->event);
	sig->nargs = 5;
	sig->args[0] = type_int(8, false);
	sig->args[1] = type_int(4, false);
	sig->args[2] = type_int(4, false);
	sig->args[3] = type_int(8, true);
	sig->args[4] = type_int(1, false);
	return 0;
}

/* What the compile driver does before analysis: attach points split, and
 * the USDT ones given their arguments. */
static int resolve(struct program *prog)
{
	int rc = attach_split_all(prog);
	for (struct probe *p = prog->probes; p && !rc; p = p->next)
		for (struct attach_point *ap = p->points; ap && !rc; ap = ap->next) {
			if (ap->kind != ATTACH_USDT)
				continue;
			ap->sig = calloc(1, sizeof(*ap->sig));
			rc = fake_lookup(NULL, ap, ap->sig);
		}
	if (rc)
		program_free(prog);
	return rc;
}

/* Runs parse + sema; returns rc and the diagnostics text in *msgs. */
static int check_program(const char *text, char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	diag_set_stream(f);
	struct source src = { "t.btc", text };
	struct program *prog;
	struct symtab syms = { 0 };
	struct sema_env env = { builtins_table() };
	int rc = parse_program(&src, &prog);
	if (!rc)
		rc = resolve(prog);
	if (!rc) {
		rc = sema_check(prog, &env, &syms);
		symtab_free(&syms);
		program_free(prog);
	}
	diag_set_stream(NULL);
	fclose(f);
	return rc;
}

static void accepts(const char *text)
{
	char *msgs;
	int rc = check_program(text, &msgs);
	check_count++;
	if (rc) {
		check_failures++;
		fprintf(stderr, "rejected:\n%s\n%s\n", text, msgs);
	}
	free(msgs);
}

static void rejects(const char *text, const char *expected)
{
	char *msgs;
	int rc = check_program(text, &msgs);
	CHECK_INT(rc, -EINVAL);
	CHECK_STR(msgs, expected);
	free(msgs);
}

static void test_accepted(void)
{
	accepts("BEGIN { @x = 1; }");
	accepts("BEGIN { @x = 1 }");
	accepts("BEGIN { }");
	accepts("utxocache:add { @n = count(); @v = hist(arg3); }");
	accepts("utxocache:add /arg4 == 1/ { @cb[arg4] = count(); }");
	accepts("utxocache:add /(arg3 / 2) > 5/ { @s = sum(arg3) }");
	accepts("utxocache:add, utxocache:add { @h = lhist(arg1, 0, 100, 10); }");
	accepts("usdt:/bin/x:utxocache:add { @m[comm, pid] = max(arg3); }");
	accepts("BEGIN { $x = 5; if ($x > 3) { @a = 1; } else if ($x) { @a = 2 } else { @a = 3 } }");
	accepts("BEGIN { @t[1, \"x\"] = count(); @ = count(); exit(); }");
	accepts("BEGIN { @x = 1e6; @y = 0x10; @z = -5 + ~3 * (2 << 1) ^ 7 % 3; }");
	accepts("/* comment */ BEGIN { // line comment\n @s = \"a\\tb\\x41\"; }");
	accepts("BEGIN { @x = 1 ? 2 : 3; @y = comm == \"btcsim\"; @st = stats(5); @a = avg(1); }");
	accepts("END { @e = min(1); @f = max(-1); exit(3); }");
}

static void test_syntax_errors(void)
{
	rejects("BEGIN { @x = ; }",
		"t.btc:1:14: error: syntax error, unexpected ';'\n"
		"BEGIN { @x = ; }\n"
		"             ^\n"
		"hint: a probe is `context:event /predicate/ { statements; }`, statements are "
		"separated by ';'\n");
	rejects("BEGIN {\n  @x = \"abc;\n}",
		"t.btc:2:8: error: unterminated string\n"
		"  @x = \"abc;\n"
		"       ^~~~~\n"
		"hint: close the string with \" on the same line\n");
	rejects("BEGIN { @x = 1 # }",
		"t.btc:1:16: error: unexpected character\n"
		"BEGIN { @x = 1 # }\n"
		"               ^\n"
		"hint: remove it; strings go between double quotes\n");
	rejects("", "t.btc:1:1: error: syntax error, unexpected end of file, expecting probe name or tracepoint\n"
		"\n^\n"
		"hint: a probe is `context:event /predicate/ { statements; }`, statements are "
		"separated by ';'\n");
}

static void test_type_errors(void)
{
	rejects("utxocache:add { @v = hist(comm); }",
		"t.btc:1:27: error: hist() needs an integer, this is string[16]\n"
		"utxocache:add { @v = hist(comm); }\n"
		"                          ^~~~\n"
		"hint: pass an integer expression such as arg3 or args.value\n");
	rejects("utxocache:add { @n = cuont(); }",
		"t.btc:1:22: error: unknown function 'cuont'\n"
		"utxocache:add { @n = cuont(); }\n"
		"                     ^~~~~\n"
		"hint: did you mean 'count'?\n");
	rejects("utxocache:add { @n = arg7; }",
		"t.btc:1:22: error: arg7 does not exist here\n"
		"utxocache:add { @n = arg7; }\n"
		"                     ^~~~\n"
		"hint: this probe has 5 arguments (arg0..arg4)\n");
	rejects("utxocache:ad { @n = count(); }",
		"t.btc:1:1: error: probe utxocache:ad is not in the binary\n"
		"utxocache:ad { @n = count(); }\n"
		"^~~~~~~~~~~~\n");
	rejects("BEGIN { @n = count(); @n = sum(1); }",
		"t.btc:1:28: error: @n holds count(), not sum()\n"
		"BEGIN { @n = count(); @n = sum(1); }\n"
		"                           ^~~\n"
		"hint: @n was first assigned at line 1; use another map name\n");
	rejects("BEGIN { @m[1] = 1; @m[\"a\"] = 2; }",
		"t.btc:1:23: error: key 1 of @m has another type here\n"
		"BEGIN { @m[1] = 1; @m[\"a\"] = 2; }\n"
		"                      ^~~\n"
		"hint: first used at line 1 with 1 key\n");
	rejects("BEGIN { @x = $y; }",
		"t.btc:1:14: error: variable $y is used before it is assigned\n"
		"BEGIN { @x = $y; }\n"
		"             ^~\n"
		"hint: assign it first: $x = ...\n");
	rejects("BEGIN { @x = arg0; }",
		"t.btc:1:14: error: probe arguments are only available in USDT probes\n"
		"BEGIN { @x = arg0; }\n"
		"             ^~~~\n"
		"hint: BEGIN and END have no arguments\n");
	rejects("kprobe:do_sys_open { @x = 1; }",
		"t.btc:1:1: error: unsupported probe 'kprobe:do_sys_open'\n"
		"kprobe:do_sys_open { @x = 1; }\n"
		"^~~~~~~~~~~~~~~~~~\n"
		"hint: btctrace traces Bitcoin Core's USDT probes: write context:event (e.g. "
		"utxocache:add), usdt:PATH:context:event, BEGIN or END\n");
	rejects("BEGIN { @l = lhist(1, 10, 0, 1); }",
		"t.btc:1:27: error: lhist() max must exceed min\n"
		"BEGIN { @l = lhist(1, 10, 0, 1); }\n"
		"                          ^\n");
	rejects("BEGIN { count(); }",
		"t.btc:1:9: error: count() is an aggregation: assign it to a map\n"
		"BEGIN { count(); }\n"
		"        ^~~~~\n"
		"hint: @m = count()\n");
}

static void test_named_args(void)
{
	static struct source src = { "<cat>",
		"tracepoint utxocache:add since v23 \"a coin was added\" (\n"
		"  hash txid \"txid\", uint32 vout \"\", uint32 height \"\",\n"
		"  int64 value \"sat\", bool is_coinbase \"\");" };
	CHECK_INT(parse_program(&src, &catalog), 0);
	CHECK_STR(catalog->decls->provider, "utxocache");
	CHECK_INT(catalog->decls->nargs, 5);
	CHECK_INT(catalog->decls->args[0].type.kind, T_HASH);
	accepts("utxocache:add { @v = hist(args.value); @c[args.is_coinbase] = count(); }");
	accepts("utxocache:add /args->vout == 0/ { @[args.txid] = sum(args.value); }");
	accepts("utxocache:add { @t = args.txid; $h = args.txid; @same = $h == args.txid; }");
	rejects("utxocache:add { @v = hist(args.vaule); }",
		"t.btc:1:32: error: utxocache:add has no argument 'vaule'\n"
		"utxocache:add { @v = hist(args.vaule); }\n"
		"                               ^~~~~\n"
		"hint: did you mean args.value? utxocache:add has txid vout height value "
		"is_coinbase\n");
	rejects("utxocache:add /args.txid == 5/ { @n = count(); }",
		"t.btc:1:26: error: cannot apply this operator to hash and int64\n"
		"utxocache:add /args.txid == 5/ { @n = count(); }\n"
		"                         ^~\n"
		"hint: a hash or a byte buffer compares only with its own kind, using == or !=\n");
	rejects("utxocache:add { @h = hist(args.txid); }",
		"t.btc:1:32: error: hist() needs an integer, this is hash\n"
		"utxocache:add { @h = hist(args.txid); }\n"
		"                               ^~~~\n"
		"hint: pass an integer expression such as arg3 or args.value\n");
	rejects("tracepoint x:y since 23 \"\" ();",
		"t.btc:1:22: error: syntax error, unexpected integer, expecting identifier\n"
		"tracepoint x:y since 23 \"\" ();\n"
		"                     ^~\n"
		"hint: a declaration is `tracepoint context:event since vN \"doc\" (type name "
		"\"doc\", ...);`\n");
	rejects("tracepoint x:y since x23 \"\" ();",
		"t.btc:1:22: error: 'x23' is not a release\n"
		"tracepoint x:y since x23 \"\" ();\n"
		"                     ^~~\n"
		"hint: write the release as v23, v29 ...\n");
	rejects("tracepoint x:y since v1 \"\" (float f \"\");",
		"t.btc:1:29: error: 'float' is not an argument type here\n"
		"tracepoint x:y since v1 \"\" (float f \"\");\n"
		"                            ^~~~~\n"
		"hint: types are int8..int64, uint8..uint64, bool, string[MAX], hash and "
		"bytes[LENGTH_ARG]\n");
	program_free(catalog);
	catalog = NULL;
}

static void test_bpftrace_features(void)
{
	accepts("BEGIN { printf(\"%d %5s %-3x %lu %c %%\\n\", 1, \"a\", 2, 3, 65); }");
	accepts("utxocache:add { $p = arg0 + 31; unroll(32) { printf(\"%02x\", *(uint8 *)$p); "
		"$p -= 1; } @n++; @m += 2; @blocks = @blocks + 1; }");
	accepts("utxocache:add { $v = (uint32)arg3; @c[(int64)arg1] = count(); print(@c, 2, 1); "
		"clear(@c); zero(@c); delete(@c[1]); time(); @e = elapsed; }");
	accepts("interval:ms:100 { @ticks = count(); } interval:s:1 { exit(); }");
	accepts("utxocache:add /(@n++) % 2 == 0/ { $y = $x++; $z = --$y; @m[1]++; ++@m[2]; }");
	rejects("BEGIN { printf(\"%d\\n\", \"text\"); }",
		"t.btc:1:17: error: %d needs an integer, the argument is string[5]\n"
		"BEGIN { printf(\"%d\\n\", \"text\"); }\n"
		"                ^~\n"
		"hint: conversions are %d %i %u %x %X %o %c %s %p with flags -0+ #, a width, a "
		"precision and l, ll, h or hh; write %% for a percent sign\n"
		"t.btc:1:24: note: this is the argument\n"
		"BEGIN { printf(\"%d\\n\", \"text\"); }\n"
		"                       ^~~~~~\n");
	rejects("BEGIN { printf(\"%d %d\\n\", 1); }",
		"t.btc:1:20: error: this conversion has no argument\n"
		"BEGIN { printf(\"%d %d\\n\", 1); }\n"
		"                   ^~\n"
		"hint: conversions are %d %i %u %x %X %o %c %s %p with flags -0+ #, a width, a "
		"precision and l, ll, h or hh; write %% for a percent sign\n");
	rejects("utxocache:add { @x = *arg0; }",
		"t.btc:1:22: error: only a pointer can be dereferenced\n"
		"utxocache:add { @x = *arg0; }\n"
		"                     ^\n"
		"hint: cast it to a pointer first: *(uint8 *)expr\n");
	rejects("BEGIN { @x = $2; }",
		"t.btc:1:14: error: positional parameter $2 has no value (0 given)\n"
		"BEGIN { @x = $2; }\n"
		"             ^~\n"
		"hint: pass it after the script: btctrace script.btc VALUE...\n");
	rejects("BEGIN { unroll(500) { @x = 1; } }",
		"t.btc:1:9: error: unroll(500) is out of range\n"
		"BEGIN { unroll(500) { @x = 1; } }\n"
		"        ^~~~~~\n"
		"hint: use a count from 1 to 100\n");
	rejects("interval:ms:0 { @x = 1; }",
		"t.btc:1:1: error: bad interval probe 'interval:ms:0'\n"
		"interval:ms:0 { @x = 1; }\n"
		"^~~~~~~~~~~~~\n"
		"hint: write interval:s:N, interval:ms:N or interval:hz:N; periods start at 1 ms\n");
	rejects("BEGIN { @x = kstack; }",
		"t.btc:1:14: error: 'kstack' is a bpftrace feature btctrace does not support\n"
		"BEGIN { @x = kstack; }\n"
		"             ^~~~~~\n"
		"hint: see docs/compatibility.md for what btctrace supports\n");
}

int main(void)
{
	test_bpftrace_features();
	test_named_args();
	test_accepted();
	test_syntax_errors();
	test_type_errors();
	return CHECK_DONE();
}

/* ---- the REPL's entry points: one map reference, text typed so far ----
 * Appended (the rest of the file is edited elsewhere): these run from a
 * constructor, before main(), and main()'s CHECK_DONE() counts them. */

/* parse_map_ref() of text: its diagnostics in *msgs, the tree in *out. */
static int map_ref(const char *text, struct node **out, char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	diag_set_stream(f);
	struct source src = { "<3>", text };
	int rc = parse_map_ref(&src, out);
	diag_set_stream(NULL);
	fclose(f);
	return rc;
}

static void test_parse_map_ref(void)
{
	struct node *n;
	char *msgs;
	CHECK_INT(map_ref("  @adds", &n, &msgs), 0);
	CHECK(n && n->kind == N_MAP && !strcmp(n->name, "@adds") && !n->args);
	CHECK(n && n->loc.col == 3 && n->loc.len == 5);
	CHECK_STR(msgs, "");
	node_free(n);
	free(msgs);

	CHECK_INT(map_ref("@m[-1, \"a\\tb\", 0x2a, 1e6]; // why", &n, &msgs), 0);
	const struct node *k = n ? n->args : NULL;
	CHECK(k && k->kind == N_UNARY && k->op == OP_NEG && k->lhs->kind == N_INT &&
	      k->lhs->ival == 1);
	k = k ? k->next : NULL;
	CHECK(k && k->kind == N_STR && k->slen == 3 && !memcmp(k->str, "a\tb", 3));
	k = k ? k->next : NULL;
	CHECK(k && k->kind == N_INT && k->ival == 42);
	k = k ? k->next : NULL;
	CHECK(k && k->kind == N_INT && k->ival == 1000000 && !k->next);
	node_free(n);
	free(msgs);

	CHECK_INT(map_ref("delete (@m[3])", &n, &msgs), 0);
	CHECK(n && n->kind == N_CALL && !strcmp(n->name, "delete"));
	CHECK(n && n->args->kind == N_MAP && n->args->args->ival == 3 && !n->args->next);
	node_free(n);
	free(msgs);

	CHECK_INT(map_ref("print(@m, 10, 2)", &n, &msgs), 0);
	CHECK(n && n->kind == N_CALL && n->args->kind == N_MAP && !n->args->args);
	CHECK(n && n->args->next->ival == 10 && n->args->next->next->ival == 2);
	node_free(n);
	free(msgs);

	CHECK_INT(map_ref("@m[1] foo", &n, &msgs), -EINVAL);
	CHECK(n == NULL);
	CHECK_STR(msgs, "<3>:1:7: error: syntax error, unexpected identifier, expecting end of file\n"
		  "@m[1] foo\n"
		  "      ^~~\n"
		  "hint: write @m or @m[key, ...], alone or in print(@m, top, div), clear(@m), "
		  "zero(@m) or delete(@m[key])\n");
	free(msgs);
	CHECK_INT(map_ref("print(1)", &n, &msgs), -EINVAL);
	CHECK(strstr(msgs, "<3>:1:7: error: syntax error, unexpected integer, expecting map\n"));
	free(msgs);
	CHECK_INT(map_ref("@m[\"a\\q\"]", &n, &msgs), -EINVAL);
	CHECK(!strncmp(msgs, "<3>:1:4: error: unknown escape sequence in string\n", 50));
	free(msgs);
	CHECK_INT(map_ref("@m[\"ab]", &n, &msgs), -EINVAL);
	CHECK(!strncmp(msgs, "<3>:1:4: error: unterminated string\n", 36));
	free(msgs);
	CHECK_INT(map_ref("@m[99999999999999999999]", &n, &msgs), -EINVAL);
	CHECK(!strncmp(msgs, "<3>:1:4: error: integer literal does not fit in 64 bits\n", 56));
	free(msgs);
}

static void test_lex_progress(void)
{
	struct lex_progress p;
	lex_progress("utxocache:add", &p);
	CHECK(!p.opened && p.depth == 0 && p.header_at == -1);
	lex_progress("utxocache:add, mempool:added /pid/ {", &p);
	CHECK(p.opened && p.depth == 1 && p.header_at == 0 && p.header_len == 13);
	lex_progress("utxocache:add { @s[\"}\"] = count(); // }", &p);
	CHECK(p.opened && p.depth == 1 && !p.in_string && !p.in_comment);
	lex_progress("utxocache:add { /* } */ @n = count(); }", &p);
	CHECK(p.opened && p.depth == 0 && p.header_at == -1);
	lex_progress("a:b { if (1) { @x = 1; }\n}", &p);
	CHECK(p.opened && p.depth == 0);
	lex_progress("a:b { }\nc:d { if (1) {", &p);
	CHECK(p.depth == 2 && p.header_at == 8 && p.header_len == 3);
	lex_progress("a:b { @x[\"ab} ", &p);
	CHECK(p.depth == 1 && p.in_string && !p.in_comment);
	lex_progress("a:b { @x[\"ab\n", &p);
	CHECK(p.depth == 1 && !p.in_string);
	lex_progress("a:b { } /* {", &p);
	CHECK(p.opened && p.depth == 0 && p.in_comment);
	lex_progress("tracepoint x:y since v29 \"d\" (); c:d {", &p);
	CHECK(p.depth == 1 && p.header_at == 33 && p.header_len == 3);
}

static void test_lex_lead(void)
{
	char name[16] = "";
	CHECK_INT(lex_lead("", name, sizeof(name)), LEAD_NOTHING);
	CHECK_INT(lex_lead("  // @m", name, sizeof(name)), LEAD_NOTHING);
	CHECK_INT(lex_lead("/* c */ @m[1]", name, sizeof(name)), LEAD_MAP);
	CHECK_INT(lex_lead("/* not closed", name, sizeof(name)), LEAD_OTHER);
	CHECK_INT(lex_lead("delete (@m[3])", name, sizeof(name)), LEAD_CALL);
	CHECK_STR(name, "delete");
	CHECK_INT(lex_lead("printer:x { }", name, sizeof(name)), LEAD_OTHER);
	CHECK_INT(lex_lead("print", name, sizeof(name)), LEAD_OTHER);
	CHECK_INT(lex_lead("\"@m", name, sizeof(name)), LEAD_OTHER);
}

__attribute__((constructor)) static void test_repl_entry_points(void)
{
	test_parse_map_ref();
	test_lex_progress();
	test_lex_lead();
}
