/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The builtins as the front end sees them: programs using them that must
 * be accepted, the exact error messages of calls that must be rejected,
 * and the table's own promises (every entry complete, folders, map
 * descriptions).  The cases that need no builtin are in test_lang. */
#include "sema_fixture.h"

#include "builtins/builtins.h"
#include "output/output.h"

static void test_accepted(void)
{
	accepts("utxocache:add { @n = count(); @v = hist(arg3); }");
	accepts("utxocache:add /arg4 == 1/ { @cb[arg4] = count(); }");
	accepts("utxocache:add /(arg3 / 2) > 5/ { @s = sum(arg3) }");
	accepts("utxocache:add, utxocache:add { @h = lhist(arg1, 0, 100, 10); }");
	accepts("usdt:/bin/x:utxocache:add { @m[comm, pid] = max(arg3); }");
	accepts("BEGIN { @t[1, \"x\"] = count(); @ = count(); exit(); }");
	accepts("BEGIN { @x = 1 ? 2 : 3; @y = comm == \"btcsim\"; @st = stats(5); @a = avg(1); }");
	accepts("END { @e = min(1); @f = max(-1); exit(3); }");
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
	rejects("utxocache:ad { @n = count(); }",
		"t.btc:1:1: error: probe utxocache:ad is not in the binary\n"
		"utxocache:ad { @n = count(); }\n"
		"^~~~~~~~~~~~\n");
	rejects("BEGIN { @n = count(); @n = sum(1); }",
		"t.btc:1:28: error: @n holds count(), not sum()\n"
		"BEGIN { @n = count(); @n = sum(1); }\n"
		"                           ^~~\n"
		"hint: @n was first assigned at line 1; use another map name\n");
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
	catalog_load();
	accepts("utxocache:add { @v = hist(args.value); @c[args.is_coinbase] = count(); }");
	accepts("utxocache:add /args->vout == 0/ { @[args.txid] = sum(args.value); }");
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
		"hint: a hash compares (== !=) with a hash or with one written as RPC shows it, "
		"\"<64 hex digits>\"; a byte buffer only with its own kind\n");
	rejects("utxocache:add { @h = hist(args.txid); }",
		"t.btc:1:32: error: hist() needs an integer, this is hash\n"
		"utxocache:add { @h = hist(args.txid); }\n"
		"                               ^~~~\n"
		"hint: pass an integer expression such as arg3 or args.value\n");
	catalog_free();
}

static void test_bpftrace_features(void)
{
	accepts("BEGIN { printf(\"%d %5s %-3x %lu %c %%\\n\", 1, \"a\", 2, 3, 65); }");
	accepts("utxocache:add { $p = arg0 + 31; unroll(32) { printf(\"%02x\", *(uint8 *)$p); "
		"$p -= 1; } @n++; @m += 2; @blocks = @blocks + 1; }");
	accepts("utxocache:add { $v = (uint32)arg3; @c[(int64)arg1] = count(); print(@c, 2, 1); "
		"clear(@c); zero(@c); delete(@c[1]); time(); @e = elapsed; }");
	accepts("interval:ms:100 { @ticks = count(); } interval:s:1 { exit(); }");
	rejects("BEGIN { printf(\"%d\\n\", \"text\"); }",
		"t.btc:1:17: error: %d needs an integer, the argument is string[5]\n"
		"BEGIN { printf(\"%d\\n\", \"text\"); }\n"
		"                ^~\n"
		"hint: conversions are %d %i %u %x %X %o %c %s %p %r with flags -0+ #, a width, a "
		"precision and l, ll, h or hh; write %% for a percent sign\n"
		"t.btc:1:24: note: this is the argument\n"
		"BEGIN { printf(\"%d\\n\", \"text\"); }\n"
		"                       ^~~~~~\n");
	rejects("BEGIN { printf(\"%d %d\\n\", 1); }",
		"t.btc:1:20: error: this conversion has no argument\n"
		"BEGIN { printf(\"%d %d\\n\", 1); }\n"
		"                   ^~\n"
		"hint: conversions are %d %i %u %x %X %o %c %s %p %r with flags -0+ #, a width, a "
		"precision and l, ll, h or hh; write %% for a percent sign\n");
}

/* Builtins of bpftrace 0.17 and later that scripts reach for: type rules
 * and their errors (the values are checked end to end). */
static void test_compat_builtins(void)
{
	accepts("utxocache:add { if (!has_key(@seen, arg1)) { @seen[arg1] = 1; } "
		"delete(@seen, arg1); @c[comm] = count(); @h = has_key(@c, comm); @n = len(@c); }");
	accepts("BEGIN { @a = strncmp(\"ab\", comm, 2); @b = strcontains(comm, \"sim\"); "
		"@u[uid, gid, username] = numaid + rand; print(username); $p = (int32 *) 8; $p++; @p = $p; @p += 1; @p++; }");
	rejects("BEGIN { @x = strncmp(\"a\", \"b\"); }",
		"t.btc:1:14: error: strncmp() takes 3 arguments, not 2\n"
		"BEGIN { @x = strncmp(\"a\", \"b\"); }\n"
		"             ^~~~~~~\n"
		"hint: strncmp(string, string, length)\n");
	rejects("BEGIN { @x = strcontains(pid, \"1\"); }",
		"t.btc:1:26: error: strcontains() compares strings, this is uint64\n"
		"BEGIN { @x = strcontains(pid, \"1\"); }\n"
		"                         ^~~\n"
		"hint: pass a string: a literal, str(ptr) or a string argument\n");
	rejects("BEGIN { $t = strftime(\"%Y\", nsecs); }",
		"t.btc:1:14: error: this has no value to store in $t\n"
		"BEGIN { $t = strftime(\"%Y\", nsecs); }\n"
		"             ^~~~~~~~\n"
		"hint: strftime() is printed where it is called: "
		"printf(\"%s\", strftime(\"%H:%M:%S\", nsecs))\n");
	rejects("BEGIN { @m[1, 2] = 1; delete(@m, 1); }",
		"t.btc:1:30: error: map @m used with 1 key\n"
		"BEGIN { @m[1, 2] = 1; delete(@m, 1); }\n"
		"                             ^~\n"
		"hint: first used at line 1 with 2 keys\n");
}

/* The hints that name the builtins come from the table, word for word
 * what they were when sema kept its own lists. */
/* Values the kernel or libc would silently change: a status is 8 bits,
 * snprintf() fails on a width past INT_MAX and prints nothing. */
static void test_silent_limits(void)
{
	rejects("BEGIN { exit(300); }",
		"t.btc:1:14: error: exit code 300 is outside 0..255\n"
		"BEGIN { exit(300); }\n"
		"             ^~~\n"
		"hint: use a code from 0 to 255\n");
	rejects("BEGIN { exit(-1); }",
		"t.btc:1:14: error: exit code -1 is outside 0..255\n"
		"BEGIN { exit(-1); }\n"
		"             ^\n"
		"hint: use a code from 0 to 255\n");
	accepts("BEGIN { exit(255); }");
	rejects("BEGIN { printf(\"x %999999999999999d\", 1); }",
		"t.btc:1:19: error: printf width or precision over 1024\n"
		"BEGIN { printf(\"x %999999999999999d\", 1); }\n"
		"                  ^\n"
		"hint: use a width and precision of at most 1024\n");
	rejects("BEGIN { printf(\"%5.1025s\", \"a\"); }",
		"t.btc:1:17: error: printf width or precision over 1024\n"
		"BEGIN { printf(\"%5.1025s\", \"a\"); }\n"
		"                ^\n"
		"hint: use a width and precision of at most 1024\n");
	accepts("BEGIN { printf(\"%-1024.1024d\", 1); }");
}

static void test_hints(void)
{
	rejects("BEGIN { qqqqq(); }",
		"t.btc:1:9: error: unknown function 'qqqqq'\n"
		"BEGIN { qqqqq(); }\n"
		"        ^~~~~\n"
		"hint: functions are count sum min max avg stats hist lhist printf print clear "
		"zero delete time str hash dec btc buf strftime usym has_key len strncmp strcontains exit\n");
	rejects("BEGIN { @x = qqqqq; }",
		"t.btc:1:14: error: unknown identifier 'qqqqq'\n"
		"BEGIN { @x = qqqqq; }\n"
		"             ^~~~~\n"
		"hint: builtins are pid tid nsecs elapsed cpu comm probe uid gid username numaid rand "
		"cgroup ustack arg0..arg11 "
		"args.NAME\n");
	rejects("BEGIN { @x = pdi; }",
		"t.btc:1:14: error: unknown identifier 'pdi'\n"
		"BEGIN { @x = pdi; }\n"
		"             ^~~\n"
		"hint: did you mean 'pid'?\n");
}

/* Every entry carries what its class needs, so the front end, codegen and
 * the map reader can call through it without checking. */
static void test_table_complete(void)
{
	const struct builtin_table *t = builtins_table();
	CHECK(t->n > 0);
	for (int i = 0; i < t->n; i++) {
		const struct builtin *b = &t->entries[i];
		check_count++;
		bool ok = b->name && b->usage && b->type_rule && b->codegen &&
			  builtin_find(t, b->name) == b;
		if (b->cls == B_AGG) {
			bool hist = b->agg_kind == AGG_HIST || b->agg_kind == AGG_LHIST;
			ok = ok && b->value_size > 0 && b->describe && !b->fold == hist;
		} else {
			ok = ok && !b->value_size && !b->fold && !b->describe;
		}
		if (!ok) {
			check_failures++;
			fprintf(stderr, "table entry '%s' is incomplete\n", b->name);
		}
	}
}

/* Per-CPU values as the kernel map returns them, padded to 8 bytes. */
#define NCPU 3

static struct out_entry fold(const char *name, const struct map_info *m, const uint64_t *vals,
			     size_t words)
{
	const struct builtin *b = builtin_find(builtins_table(), name);
	struct out_entry e = { .value = 12345, .count = 678 };
	CHECK(b && b->value_size == words * 8);
	if (b)
		b->fold(m, vals, NCPU, words * 8, &e);
	return e;
}

static void test_folds(void)
{
	struct map_info m = { .value_unsigned = false };
	uint64_t count[NCPU] = { 1, 2, 3 };
	CHECK(fold("count", &m, count, 1).value == 6);

	/* 128-bit (lo, hi) totals: the fold carries across 2^64. */
	uint64_t sum[NCPU][2] = { { UINT64_MAX, 0 }, { 1, 0 }, { 5, 1 } };
	__int128 two64 = (__int128)1 << 64;
	CHECK(fold("sum", &m, sum[0], 2).value == 2 * two64 + 5);

	/* avg/stats: the sample count, then the total. */
	uint64_t avg[NCPU][3] = { { 2, 10, 0 }, { 0, 0, 0 }, { 1, (uint64_t)-4, UINT64_MAX } };
	struct out_entry e = fold("avg", &m, avg[0], 3);
	CHECK(e.count == 3 && e.value == 6);
	e = fold("stats", &m, avg[0], 3);
	CHECK(e.count == 3 && e.value == 6);

	/* min/max: CPUs with `set` 0 never saw the key. */
	uint64_t mm[NCPU][2] = { { (uint64_t)-7, 1 }, { (uint64_t)-100, 0 }, { 4, 1 } };
	CHECK(fold("min", &m, mm[0], 2).value == -7);
	CHECK(fold("max", &m, mm[0], 2).value == 4);
	m.value_unsigned = true;
	CHECK(fold("max", &m, mm[0], 2).value == (__int128)(uint64_t)-7);
	uint64_t none[NCPU][2] = { { 9, 0 }, { 9, 0 }, { 9, 0 } };
	CHECK(fold("min", &m, none[0], 2).value == 0);
}

/* What the REPL's .maps shows for each map of a program. */
static char *describe_maps(const char *text)
{
	char *out;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	struct source src = { .name = "t.btc", .text = text };
	struct program *prog;
	struct symtab syms = { 0 };
	struct sema_env env = { builtins_table() };
	CHECK_INT(parse_program(&src, &prog), 0);
	CHECK_INT(resolve(prog), 0);
	CHECK_INT(sema_check(prog, &env, &syms), 0);
	for (const struct map_info *m = syms.maps; m; m = m->next) {
		char kind[64];
		builtin_describe_map(m, kind, sizeof(kind));
		fprintf(f, "%s %s\n", m->name, kind);
	}
	symtab_free(&syms);
	program_free(prog);
	fclose(f);
	return out;
}

static void test_describe(void)
{
	char *s = describe_maps("BEGIN { @c = count(); @s = sum(1); @mi = min(1); @ma = max(1); "
				"@a = avg(1); @st = stats(1); @h = hist(1); "
				"@l = lhist(1, -10, 100, 5); @v = 1; @t = \"text\"; }");
	CHECK_STR(s, "@a avg()\n@c count()\n@h hist()\n@l lhist(-10, 100, 5)\n@ma max()\n"
		  "@mi min()\n@s sum()\n@st stats()\n@t string[5]\n@v int64\n");
	free(s);
}

/* ustack, ustack(N), ustack(perf, N), usym(): what they take. */
static void test_stack_rules(void)
{
	accepts("utxocache:add { @[ustack] = count(); @s[ustack(6), pid] = count(); "
		"@p[ustack(perf, 3)] = count(); @b[ustack(bpftrace)] = count(); print(ustack(2)); "
		"printf(\"%s %s\\n\", ustack, usym(arg0)); @u[usym(arg0)] = count(); }");
	rejects("BEGIN { @[ustack(raw, 3)] = count(); }",
		"t.btc:1:18: error: ustack has no mode 'raw'\n"
		"BEGIN { @[ustack(raw, 3)] = count(); }\n"
		"                 ^~~\n"
		"hint: the modes are bpftrace and perf\n");
	rejects("BEGIN { @[ustack(128)] = count(); }",
		"t.btc:1:18: error: ustack's frame count must be a constant\n"
		"BEGIN { @[ustack(128)] = count(); }\n"
		"                 ^~~\n"
		"hint: a constant from 1 to 127 (the kernel's perf_event_max_stack)\n");
	rejects("BEGIN { @[ustack(3), 1] = count(); @[ustack(4), 2] = count(); }",
		"t.btc:1:38: error: key 1 of @ has another type here\n"
		"BEGIN { @[ustack(3), 1] = count(); @[ustack(4), 2] = count(); }\n"
		"                                     ^~~~~~\n"
		"hint: first used at line 1 with 2 keys\n");
	rejects("BEGIN { printf(\"%s\\n\", usym(comm)); }",
		"t.btc:1:29: error: usym() needs an integer, this is string[16]\n"
		"BEGIN { printf(\"%s\\n\", usym(comm)); }\n"
		"                            ^~~~\n"
		"hint: pass an address, such as a function pointer argument\n");
	rejects("BEGIN { printf(\"%d\\n\", ustack); }",
		"t.btc:1:17: error: %d needs an integer, the argument is ustack(127)\n"
		"BEGIN { printf(\"%d\\n\", ustack); }\n"
		"                ^~\n"
		"hint: conversions are %d %i %u %x %X %o %c %s %p %r with flags -0+ #, a width, a "
		"precision and l, ll, h or hh; write %% for a percent sign\n"
		"t.btc:1:24: note: this is the argument\n"
		"BEGIN { printf(\"%d\\n\", ustack); }\n"
		"                       ^~~~~~\n");
}

int main(void)
{
	fixture_builtins = builtins_table();
	test_bpftrace_features();
	test_compat_builtins();
	test_named_args();
	test_accepted();
	test_type_errors();
	test_hints();
	test_stack_rules();
	test_silent_limits();
	test_table_complete();
	test_folds();
	test_describe();
	return CHECK_DONE();
}
