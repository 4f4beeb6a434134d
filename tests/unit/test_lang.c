/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lexer, parser and semantic analysis: programs that must be accepted,
 * and the exact error messages (location, source line, caret, hint) of
 * programs that must be rejected.  Linked with lang alone and run with no
 * builtins, so the front end is shown to stand on its own; the cases that
 * use builtins are in test_builtins. */
#include "sema_fixture.h"

static const struct builtin_table no_builtins = { NULL, 0 };

static void test_accepted(void)
{
	accepts("BEGIN { @x = 1; }");
	accepts("BEGIN { @x = 1 }");
	accepts("BEGIN { }");
	accepts("utxocache:add /arg4 == 1/ { @cb[arg4] = 1; }");
	accepts("utxocache:add /(arg3 / 2) > 5/ { @s = arg3 }");
	accepts("utxocache:add, utxocache:add { @h = arg1; }");
	accepts("usdt:/bin/x:utxocache:add { @m[arg1, arg2] = arg3; }");
	accepts("BEGIN { $x = 5; if ($x > 3) { @a = 1; } else if ($x) { @a = 2 } else { @a = 3 } }");
	accepts("BEGIN { @t[1, \"x\"] = 1; @ = 2; }");
	accepts("BEGIN { @x = 1e6; @y = 0x10; @z = -5 + ~3 * (2 << 1) ^ 7 % 3; }");
	accepts("/* comment */ BEGIN { // line comment\n @s = \"a\\tb\\x41\"; }");
	accepts("BEGIN { @x = 1 ? 2 : 3; @y = \"comm\" == \"btcsim\"; }");
	accepts("END { @e = 1; @f = -1; }");
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
	rejects("utxocache:add { @n = arg7; }",
		"t.btc:1:22: error: arg7 does not exist here\n"
		"utxocache:add { @n = arg7; }\n"
		"                     ^~~~\n"
		"hint: this probe has 5 arguments (arg0..arg4)\n");
	rejects("utxocache:ad { @n = 1; }",
		"t.btc:1:1: error: probe utxocache:ad is not in the binary\n"
		"utxocache:ad { @n = 1; }\n"
		"^~~~~~~~~~~~\n");
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
		"t.btc:1:1: error: kprobe probes are a bpftrace feature btctrace does not support\n"
		"kprobe:do_sys_open { @x = 1; }\n"
		"^~~~~~~~~~~~~~~~~~\n"
		"hint: see \"bpftrace features btctrace does not support\" in docs/compatibility.md\n");
	rejects("foo:bar:baz { @x = 1; }",
		"t.btc:1:1: error: unsupported probe 'foo:bar:baz'\n"
		"foo:bar:baz { @x = 1; }\n"
		"^~~~~~~~~~~\n"
		"hint: btctrace traces Bitcoin Core's USDT probes: write context:event (e.g. "
		"utxocache:add), usdt:PATH:context:event, BEGIN, END or interval:s:N\n");
}

static void test_named_args(void)
{
	catalog_load();
	CHECK_STR(catalog->decls->provider, "utxocache");
	CHECK_INT(catalog->decls->nargs, 5);
	CHECK_INT(catalog->decls->args[0].type.kind, T_HASH);
	accepts("utxocache:add { @v = args.value; @c[args.is_coinbase] = 1; }");
	accepts("utxocache:add /args->vout == 0/ { @[args.txid] = args.value; }");
	accepts("utxocache:add { @t = args.txid; $h = args.txid; @same = $h == args.txid; }");
	/* Hashes written as RPC shows them: compared, and as a hash key. */
	accepts("utxocache:add /args.txid == \"000000000019d6689c085ae165831e934ff763ae46a2a6c172"
		"b3f1b60a8ce26f\"/ { @m[args.txid] = 1; @n = @m[\"000000000019d6689c085ae165831e934ff"
		"763ae46a2a6c172b3f1b60a8ce26f\"]; }");
	rejects("utxocache:add /\"00ff\" != args.txid/ { @n = 1; }",
		"t.btc:1:16: error: a hash is 64 hex digits, this string has 4 characters\n"
		"utxocache:add /\"00ff\" != args.txid/ { @n = 1; }\n"
		"               ^~~~~~\n"
		"hint: write the hash as RPC shows it: 64 hex digits, e.g. "
		"\"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\"\n");
	rejects("utxocache:add { @v = args.vaule; }",
		"t.btc:1:27: error: utxocache:add has no argument 'vaule'\n"
		"utxocache:add { @v = args.vaule; }\n"
		"                          ^~~~~\n"
		"hint: did you mean args.value? utxocache:add has txid vout height value "
		"is_coinbase\n");
	rejects("utxocache:add /args.txid == 5/ { @n = 1; }",
		"t.btc:1:26: error: cannot apply this operator to hash and int64\n"
		"utxocache:add /args.txid == 5/ { @n = 1; }\n"
		"                         ^~\n"
		"hint: a hash compares (== !=) with a hash or with one written as RPC shows it, "
		"\"<64 hex digits>\"; a byte buffer only with its own kind\n");
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
	catalog_free();
}

static void test_bpftrace_features(void)
{
	accepts("utxocache:add { $p = arg0 + 31; unroll(32) { @b = *(uint8 *)$p; "
		"$p -= 1; } @n++; @m += 2; @blocks = @blocks + 1; }");
	accepts("utxocache:add { $v = (uint32)arg3; @c[(int64)arg1] = $v; }");
	accepts("interval:ms:100 { @ticks = 1; } interval:s:1 { @t = 2; }");
	accepts("i:ms:100 { @ticks = 1; } i:hz:2 { @t = 2; }");	/* bpftrace's aliases */
	accepts("utxocache:add /(@n++) % 2 == 0/ { $y = $x++; $z = --$y; @m[1]++; ++@m[2]; }");
	rejects("utxocache:add { @x = *arg0; }",
		"t.btc:1:22: error: only a pointer can be dereferenced\n"
		"utxocache:add { @x = *arg0; }\n"
		"                     ^\n"
		"hint: cast it to a pointer first: *(uint8 *)expr\n");
	/* A parameter not given is 0 ("" in str()), with a warning. */
	accepts("BEGIN { @x = $2; @z = $2 + $70; }");
	rejects("BEGIN { @x = $0; }",
		"t.btc:1:14: error: positional parameters start at $1\n"
		"BEGIN { @x = $0; }\n"
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
		"hint: see \"bpftrace features btctrace does not support\" in docs/compatibility.md\n");
}

/* With no builtins registered, a call or a builtin's name is an unknown
 * name like any other: an error that says so, not a crash or a hint
 * naming builtins that are not there. */
static void test_no_builtins(void)
{
	rejects("BEGIN { count(); }",
		"t.btc:1:9: error: unknown function 'count'\n"
		"BEGIN { count(); }\n"
		"        ^~~~~\n"
		"hint: no functions are registered\n");
	rejects("utxocache:add { @n = hist(arg3); }",
		"t.btc:1:22: error: unknown function 'hist'\n"
		"utxocache:add { @n = hist(arg3); }\n"
		"                     ^~~~\n"
		"hint: no functions are registered\n");
	rejects("BEGIN { @p = pid; }",
		"t.btc:1:14: error: unknown identifier 'pid'\n"
		"BEGIN { @p = pid; }\n"
		"             ^~~\n"
		"hint: builtins are arg0..arg11 args.NAME\n");
	/* No table at all is the same as an empty one. */
	fixture_builtins = NULL;
	rejects("BEGIN { exit(); }",
		"t.btc:1:9: error: unknown function 'exit'\n"
		"BEGIN { exit(); }\n"
		"        ^~~~\n"
		"hint: no functions are registered\n");
	fixture_builtins = &no_builtins;
}

static void test_repl_entry_points(void);

/* Literals: bounded work whatever their digits. */
/* text repeated n times after head, then tail: a program as long as wanted. */
static char *repeat(const char *head, const char *unit, int n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;
	memcpy(p, head, hl);
	p += hl;
	for (int i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

/* Nesting is bounded where the tree is built: 50,000 terms are refused
 * at the 101st level, with no recursion as deep as the text. */
static void test_depth_limits(void)
{
	char *t = repeat("BEGIN { @x = 1", "\n+ 1", 100, "; }");
	accepts(t);
	free(t);
	t = repeat("BEGIN { @x = 1", "\n+ 1", 50000, "; }");
	rejects(t, "t.btc:102:1: error: nested more than 100 levels deep\n"
		"+ 1\n^\nhint: split it: compute parts into $variables first\n");
	free(t);
	t = repeat("BEGIN { @x = 1", "\n* (1", 30000, "; }");
	rejects(t, "t.btc:3332:3: error: too much nesting or too many statements "
		"(the parser holds at most 10000 pending items)\n* (1\n  ^\n"
		"hint: split it into smaller blocks or expressions\n");
	free(t);
	t = repeat("BEGIN {", "\nunroll(1) {", 101, "");
	char *u = repeat(t, "}", 101, " }");
	rejects(u, "t.btc:2:1: error: nested more than 100 levels deep\n"
		"unroll(1) {\n^~~~~~\nhint: split it: compute parts into $variables first\n");
	free(t);
	free(u);
}

/* What unroll(N) expands to is counted, not built: 100^3 copies are
 * refused at the outer unroll at once, before any code is made. */
static void test_unroll_limits(void)
{
	accepts("BEGIN { unroll(100) { unroll(7) { @x = @x + 1; } } }");
	rejects("BEGIN {\n unroll(100) { unroll(100) { unroll(100) { @x = @x + 1; } } } }",
		"t.btc:2:2: error: this unroll makes the block more than 4000 operations long "
		"once repeated\n"
		" unroll(100) { unroll(100) { unroll(100) { @x = @x + 1; } } } }\n"
		" ^~~~~~\n"
		"hint: unroll fewer times, or split the work between blocks\n");
	rejects("BEGIN { @x = 1; unroll(100) { unroll(15) { @x = @x + 1; } } }",
		"t.btc:1:17: error: this unroll makes the block more than 4000 operations long "
		"once repeated\n"
		"BEGIN { @x = 1; unroll(100) { unroll(15) { @x = @x + 1; } } }\n"
		"                ^~~~~~\n"
		"hint: unroll fewer times, or split the work between blocks\n");
}

static void test_literals(void)
{
	/* $4294967297 was read with atoi() and taken as $1. */
	rejects("BEGIN { @x = $4294967297; }",
		"t.btc:1:14: error: positional parameter number out of range\n"
		"BEGIN { @x = $4294967297; }\n"
		"             ^~~~~~~~~~~\n"
		"hint: use $1 to $999999\n");
	/* 18446744074 s overflowed to a period of 0.29 s. */
	rejects("interval:s:18446744074 { @x = 1; }",
		"t.btc:1:1: error: interval period of 'interval:s:18446744074' overflows\n"
		"interval:s:18446744074 { @x = 1; }\n"
		"^~~~~~~~~~~~~~~~~~~~~~\n"
		"hint: use a period below 2^64 nanoseconds (about 584 years)\n");
	rejects("interval:ms:99999999999999999999999 { @x = 1; }",
		"t.btc:1:1: error: interval period of 'interval:ms:99999999999999999999999' "
		"overflows\n"
		"interval:ms:99999999999999999999999 { @x = 1; }\n"
		"^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
		"hint: use a period below 2^64 nanoseconds (about 584 years)\n");
	accepts("interval:s:18446744073 { @x = 1; }");
	/* A megabyte-long literal is refused where it starts, at once. */
	char *lit = repeat("BEGIN { @s = \"", "a", 1025, "\"; }");
	char *tilde = repeat("^", "~", 1026, "\n");
	char *want = malloc(strlen(lit) + strlen(tilde) + 200);
	sprintf(want, "t.btc:1:14: error: string literal longer than 1024 bytes\n%s\n"
		"             %shint: print long text in several parts\n", lit, tilde);
	rejects(lit, want);
	free(want);
	free(tilde);
	free(lit);
	lit = repeat("BEGIN { @s = \"", "a", 1024, "\"; }");
	accepts(lit);
	free(lit);
	accepts("BEGIN { @x = 0e99999999999999999999; }");
	rejects("BEGIN { @x = 3e99999999999999999999; }",
		"t.btc:1:14: error: integer literal does not fit in 64 bits\n"
		"BEGIN { @x = 3e99999999999999999999; }\n"
		"             ^~~~~~~~~~~~~~~~~~~~~~\n"
		"hint: use a smaller exponent\n");
	rejects("BEGIN { @x = 99999999999999999999e0; }",
		"t.btc:1:14: error: integer literal does not fit in 64 bits\n"
		"BEGIN { @x = 99999999999999999999e0; }\n"
		"             ^~~~~~~~~~~~~~~~~~~~~~\n"
		"hint: use a value below 2^64\n");
}

static void test_loops(void)
{
	accepts("BEGIN { $s = 0; for ($i : 0..10) { $s += $i; if ($i > 5) { break; } continue; } }");
	accepts("BEGIN { $n = 3; for ($i : -$n..$n * 2) { for ($j : $i..10) { @m[$i, $j] = $j; } } }");
	accepts("BEGIN { @m[1, \"a\"] = 5; $t = 0; for ($kv : @m) { if ($kv.0.1 == \"a\") "
		"{ $t += $kv.1 + $kv.0.0; } } }");
	accepts("BEGIN { @s = \"v\"; for ($kv : @s) { @k[$kv.0] = $kv.1; } }");
	/* The loop's variable ends with its loop: the name is free again. */
	accepts("BEGIN { for ($i : 0..2) { } for ($i : 0..3) { } $i = 5; }");
	rejects("BEGIN { continue; }",
		"t.btc:1:9: error: continue outside a loop\n"
		"BEGIN { continue; }\n"
		"        ^~~~~~~~\n"
		"hint: use it inside for (...) { ... } or while (...) { ... }\n");
	rejects("BEGIN { for ($i : 0..3) { } @x = $i; }",
		"t.btc:1:34: error: $i is the variable of a loop that has ended: it is found "
		"only inside its loop\n"
		"BEGIN { for ($i : 0..3) { } @x = $i; }\n"
		"                                 ^~\n"
		"hint: copy it to another variable inside the loop\n");
	rejects("BEGIN { @x = 1; for ($i : @x + 1) { } }",
		"t.btc:1:27: error: a for loop runs over a map or a range START..END\n"
		"BEGIN { @x = 1; for ($i : @x + 1) { } }\n"
		"                          ^~~~~~\n"
		"hint: write for ($kv : @m) { ... } or for ($i : START..END) { ... }\n");
	rejects("BEGIN { for ($i : 0..9000000) { } }",
		"t.btc:1:22: error: this range runs 9000000 times; a loop runs at most 8388608\n"
		"BEGIN { for ($i : 0..9000000) { } }\n"
		"                     ^~~~~~~\n"
		"hint: split the range, or count in bigger steps\n");
}

static void test_while_loops(void)
{
	accepts("BEGIN { $i = 0; while ($i < 32) { $i++; if ($i == 3) { continue; } "
		"if ($i > 20) { break; } } }");
	accepts("BEGIN { $s = \"a\"; $n = 0; while ($s == \"a\" && $n < 3) { $n++; } }");
	/* Nested with for and unroll, a while inside if and in a map loop. */
	accepts("BEGIN { @m[1] = 2; for ($kv : @m) { $k = $kv.1; while ($k > 0) { "
		"unroll(2) { $k--; } if ($k == 1) { while (1) { break; } } } } }");
	/* A pointer is a condition, as in an if. */
	accepts("utxocache:add { $p = (uint8 *)arg0; while ($p) { @b = *$p; break; } }");
	rejects("BEGIN { $s = \"x\"; while ($s) { } }",
		"t.btc:1:26: error: a while loop's condition is a number, this is string[2]\n"
		"BEGIN { $s = \"x\"; while ($s) { } }\n"
		"                         ^~\n"
		"hint: compare it: while ($i < N), while ($s != \"\")\n");
	rejects("BEGIN { while ($x < 3) { $x = 1; } }",
		"t.btc:1:16: error: variable $x is used before it is assigned\n"
		"BEGIN { while ($x < 3) { $x = 1; } }\n"
		"               ^~\n"
		"hint: assign it first: $x = ...\n");
	rejects("BEGIN { while (1) { for ($a : 0..2) { while (1) { for ($b : 0..2) { "
		"while (1) { } } } } } }",
		"t.btc:1:69: error: loops are nested more than 4 deep\n"
		"BEGIN { while (1) { for ($a : 0..2) { while (1) { for ($b : 0..2) { "
		"while (1) { } } } } } }\n"
		"                                                                    ^~~~~\n"
		"hint: move the inner loops' work to another block, or unroll(N) { ... } "
		"a short inner loop\n");
}

int main(void)
{
	test_loops();
	test_while_loops();
	fixture_builtins = &no_builtins;
	test_bpftrace_features();
	test_named_args();
	test_accepted();
	test_syntax_errors();
	test_type_errors();
	test_no_builtins();
	test_repl_entry_points();
	test_literals();
	test_depth_limits();
	test_unroll_limits();
	return CHECK_DONE();
}

/* ---- the REPL's entry points: one map reference, text typed so far ---- */

/* parse_map_ref() of text: its diagnostics in *msgs, the tree in *out. */
static int map_ref(const char *text, struct node **out, char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	diag_set_stream(f);
	struct source src = { .name = "<3>", .text = text };
	int rc = parse_map_ref(&src, out);
	diag_set_stream(NULL);
	fclose(f);
	return rc;
}

/* Text after a NUL byte was ignored: the loader passes the length it read
 * and the NUL is an error where it stands. */
static void test_nul_byte(void)
{
	static const char text[] = "BEGIN {\n  @x = 1;\0 @y = 2; }";
	struct source src = { "t.btc", text, sizeof(text) - 1 };
	struct program *prog = NULL;
	char *msgs;
	size_t len;
	FILE *f = open_memstream(&msgs, &len);
	diag_set_stream(f);
	int rc = parse_program(&src, &prog);
	diag_set_stream(NULL);
	fclose(f);
	CHECK_INT(rc, -EINVAL);
	CHECK(prog == NULL);
	CHECK_STR(msgs, "t.btc:2:10: error: NUL byte in the script\n  @x = 1;\n         ^\n"
		  "hint: a script is text: remove the NUL byte and what follows it if it "
		  "is not part of the script\n");
	free(msgs);
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

static void test_repl_entry_points(void)
{
	test_parse_map_ref();
	test_nul_byte();
	test_lex_progress();
	test_lex_lead();
}
