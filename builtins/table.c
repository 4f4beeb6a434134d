/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The builtin table: one entry per builtin, naming its type rule, its code
 * generator and, for an aggregation, the layout of its per-CPU value, its
 * folder and its description.  Nothing else lists the builtins: the front
 * end's hints and the REPL's completion read this table.  Within a class,
 * entries are in the order the hints name them. */
#include "abi/abi.h"
#include "builtins/builtins.h"
#include "builtins/internal.h"

static const struct builtin builtins[] = {
	/* ---- values, written without parentheses ---- */
	{ .name = "pid", .cls = B_VALUE, .usage = "pid",
	  .type_rule = rule_int_value, .codegen = gen_pid },
	{ .name = "tid", .cls = B_VALUE, .usage = "tid",
	  .type_rule = rule_int_value, .codegen = gen_tid },
	{ .name = "nsecs", .cls = B_VALUE, .usage = "nsecs",
	  .type_rule = rule_int_value, .codegen = gen_nsecs },
	{ .name = "elapsed", .cls = B_VALUE, .usage = "elapsed",
	  .type_rule = rule_int_value, .codegen = gen_elapsed },
	{ .name = "cpu", .cls = B_VALUE, .usage = "cpu",
	  .type_rule = rule_int_value, .codegen = gen_cpu },
	{ .name = "comm", .cls = B_VALUE, .usage = "comm",
	  .type_rule = rule_comm, .codegen = gen_comm },
	{ .name = "probe", .cls = B_VALUE, .usage = "probe",
	  .type_rule = rule_probe, .codegen = gen_probe },
	{ .name = "uid", .cls = B_VALUE, .usage = "uid",
	  .type_rule = rule_int_value, .codegen = gen_uid },
	{ .name = "gid", .cls = B_VALUE, .usage = "gid",
	  .type_rule = rule_int_value, .codegen = gen_gid },
	{ .name = "username", .cls = B_VALUE, .usage = "username",
	  .type_rule = rule_username, .codegen = gen_uid },
	{ .name = "numaid", .cls = B_VALUE, .usage = "numaid",
	  .type_rule = rule_int_value, .codegen = gen_numaid },
	{ .name = "rand", .cls = B_VALUE, .usage = "rand",
	  .type_rule = rule_int_value, .codegen = gen_rand },
	{ .name = "cgroup", .cls = B_VALUE, .usage = "cgroup",
	  .type_rule = rule_int_value, .codegen = gen_cgroup },
	{ .name = "ustack", .cls = B_VALUE, .callable = true,
	  .usage = "ustack, ustack(frames) or ustack(perf, frames)",
	  .type_rule = rule_ustack, .codegen = gen_ustack },

	/* ---- aggregations, the value of @map = ---- */
	{ .name = "count", .cls = B_AGG, .agg_kind = AGG_COUNT, .usage = "@m = count()",
	  .type_rule = rule_agg_no_arg, .codegen = gen_count,
	  .value_size = sizeof(struct agg_count), .fold = fold_count,
	  .describe = describe_call },
	{ .name = "sum", .cls = B_AGG, .agg_kind = AGG_SUM, .usage = "@m = sum(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_sum,
	  .value_size = sizeof(struct agg_sum), .fold = fold_sum,
	  .describe = describe_call },
	{ .name = "min", .cls = B_AGG, .agg_kind = AGG_MIN, .usage = "@m = min(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_min,
	  .value_size = sizeof(struct agg_minmax), .fold = fold_min,
	  .describe = describe_call },
	{ .name = "max", .cls = B_AGG, .agg_kind = AGG_MAX, .usage = "@m = max(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_max,
	  .value_size = sizeof(struct agg_minmax), .fold = fold_max,
	  .describe = describe_call },
	{ .name = "avg", .cls = B_AGG, .agg_kind = AGG_AVG, .usage = "@m = avg(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_avg,
	  .value_size = sizeof(struct agg_avg), .fold = fold_avg,
	  .describe = describe_call },
	{ .name = "stats", .cls = B_AGG, .agg_kind = AGG_STATS, .usage = "@m = stats(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_avg,
	  .value_size = sizeof(struct agg_avg), .fold = fold_avg,
	  .describe = describe_call },
	/* A histogram's bucket is in the kernel key and each value counts
	 * one bucket and totals its values (the exact _sum of --metrics);
	 * runtime/maps.c adds the buckets up, so no folder. */
	{ .name = "hist", .cls = B_AGG, .agg_kind = AGG_HIST, .usage = "@m = hist(value)",
	  .type_rule = rule_agg_int_arg, .codegen = gen_hist,
	  .value_size = sizeof(struct agg_avg), .fold = NULL,
	  .describe = describe_call },
	{ .name = "lhist", .cls = B_AGG, .agg_kind = AGG_LHIST,
	  .usage = "@m = lhist(value, min, max, step)",
	  .type_rule = rule_lhist, .codegen = gen_lhist,
	  .value_size = sizeof(struct agg_avg), .fold = NULL,
	  .describe = describe_lhist },

	/* ---- functions, called as statements (str() as a value) ---- */
	{ .name = "printf", .cls = B_FUNC, .usage = "printf(\"format\", args...)",
	  .type_rule = rule_printf, .codegen = gen_printf },
	{ .name = "print", .cls = B_FUNC, .usage = "print(@m[, top[, div]]) or print(value)",
	  .type_rule = rule_print, .codegen = gen_print },
	{ .name = "clear", .cls = B_FUNC, .usage = "clear(@m)",
	  .type_rule = rule_whole_map, .codegen = gen_clear },
	{ .name = "zero", .cls = B_FUNC, .usage = "zero(@m)",
	  .type_rule = rule_whole_map, .codegen = gen_zero },
	{ .name = "delete", .cls = B_FUNC, .usage = "delete(@m[key]) or delete(@m, key)",
	  .type_rule = rule_delete, .codegen = gen_delete },
	{ .name = "time", .cls = B_FUNC, .usage = "time() or time(\"%H:%M:%S\\n\")",
	  .type_rule = rule_time, .codegen = gen_time },
	{ .name = "str", .cls = B_FUNC, .usage = "str(pointer[, size])",
	  .type_rule = rule_str, .codegen = gen_str },
	{ .name = "hash", .cls = B_FUNC,
	  .usage = "hash(\"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\")",
	  .type_rule = rule_hash, .codegen = gen_hash },
	{ .name = "dec", .cls = B_FUNC, .usage = "dec(value, places)",
	  .type_rule = rule_dec, .codegen = gen_dec },
	{ .name = "btc", .cls = B_FUNC, .usage = "btc(sats)",
	  .type_rule = rule_btc, .codegen = gen_dec },
	{ .name = "buf", .cls = B_FUNC, .usage = "buf(pointer, length)",
	  .type_rule = rule_buf, .codegen = gen_buf },
	{ .name = "strftime", .cls = B_FUNC, .usage = "strftime(\"%H:%M:%S\", nsecs)",
	  .type_rule = rule_strftime, .codegen = gen_strftime },
	{ .name = "usym", .cls = B_FUNC, .usage = "usym(address)",
	  .type_rule = rule_usym, .codegen = gen_usym },
	{ .name = "has_key", .cls = B_FUNC, .usage = "has_key(@m, key)",
	  .type_rule = rule_has_key, .codegen = gen_has_key },
	{ .name = "len", .cls = B_FUNC, .usage = "len(@m)",
	  .type_rule = rule_len, .codegen = gen_len },
	{ .name = "strncmp", .cls = B_FUNC, .usage = "strncmp(string, string, length)",
	  .type_rule = rule_strncmp, .codegen = gen_strncmp },
	{ .name = "strcontains", .cls = B_FUNC, .usage = "strcontains(haystack, needle)",
	  .type_rule = rule_strcontains, .codegen = gen_strcontains },
	{ .name = "exit", .cls = B_FUNC, .usage = "exit() or exit(code)",
	  .type_rule = rule_exit, .codegen = gen_exit },
};

const struct builtin_table *builtins_table(void)
{
	static const struct builtin_table table = {
		.entries = builtins,
		.n = (int)(sizeof(builtins) / sizeof(builtins[0])),
	};
	return &table;
}
