/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The metric sinks of output/openmetrics.c: OpenMetrics 1.0 and
 * Prometheus 0.0.4 text of maps built by hand.  What Prometheus itself
 * makes of the text is tested by tests/e2e/metrics_prometheus.sh. */
#include "output/output.h"

#include <stdlib.h>

#include "check.h"

#define S(x) { .kind = OUT_STR, .s = (x) }
#define I(x) { .kind = OUT_INT, .i = (x) }
#define U(x) { .kind = OUT_UINT, .i = (int64_t)(x) }
#define KEY(...) ((struct out_field[]){ __VA_ARGS__ })
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The maps, then btctrace's counters, then the end, as a scrape has them. */
static char *render(const struct out_map *maps, int n, enum out_format fmt, int limit,
		    const struct out_counter *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = f ? output_new(fmt, f) : NULL;

	if (!o)
		return NULL;
	if (limit)
		output_set_series_limit(o, limit);
	for (int i = 0; i < n; i++)
		output_map(o, &maps[i], 0, 0);
	if (c)
		output_counter(o, c);
	output_end(o);
	output_free(o);
	fclose(f);
	return buf;
}

#define CHECK_METRICS(maps, fmt, limit, c, exp) do { \
	char *s_ = render(maps, NELEM(maps), fmt, limit, c); \
	CHECK_STR(s_, exp); free(s_); } while (0)

#define NO_DROPS_OM "# HELP btctrace_series_dropped series of a map left out: over the " \
	"series limit, or its name taken\n" \
	"# TYPE btctrace_series_dropped gauge\n"

static void test_counter_labels(void)
{
	static const char *const names[] = { "msg_type", NULL };
	struct out_entry e[] = {
		{ .key = KEY(S("tx"), U(7)), .value = 5 },
		{ .key = KEY(S("a\"b\\c\nd\xff"), U(1)), .value = 2 },
	};
	struct out_map m[] = { { .name = "@msgs", .kind = AGG_COUNT, .nkey = 2,
				 .nentries = 2, .entries = e, .key_names = names } };

	CHECK_METRICS(m, FMT_OPENMETRICS, 0, NULL,
		"# HELP btctrace_msgs count() of the script's map @msgs\n"
		"# TYPE btctrace_msgs counter\n"
		"btctrace_msgs_total{msg_type=\"a\\\"b\\\\c\\nd\xEF\xBF\xBD\",key1=\"1\"} 2\n"
		"btctrace_msgs_total{msg_type=\"tx\",key1=\"7\"} 5\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@msgs\"} 0\n"
		"# EOF\n");
	/* 0.0.4: the counter's family is named by its samples; no # EOF. */
	CHECK_METRICS(m, FMT_PROMETHEUS, 0, NULL,
		"# HELP btctrace_msgs_total count() of the script's map @msgs\n"
		"# TYPE btctrace_msgs_total counter\n"
		"btctrace_msgs_total{msg_type=\"a\\\"b\\\\c\\nd\xEF\xBF\xBD\",key1=\"1\"} 2\n"
		"btctrace_msgs_total{msg_type=\"tx\",key1=\"7\"} 5\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@msgs\"} 0\n");
}

/* The finite le bounds are the inclusive upper ends of the printed
 * buckets (..., 0) [0] [1] [2, 4) [4, 8): -1 0 1 3 7; cumulative. */
static void test_hist(void)
{
	uint64_t b[HIST_SLOTS] = { [0] = 1, [1] = 2, [3] = 4, [4] = 8 };
	/* The total past 64 bits, as the buckets' own totals add up. */
	struct out_entry e[] = { { .key = KEY(I(-3)), .buckets = b,
				   .value = (__int128)UINT64_MAX * 2 + 5, .count = 15 } };
	struct out_map m[] = { { .name = "@size", .kind = AGG_HIST, .nkey = 1,
				 .nentries = 1, .entries = e, .help = "payload \"size\"",
				 .unit = "bytes" } };

	CHECK_METRICS(m, FMT_OPENMETRICS, 0, NULL,
		"# HELP btctrace_size_bytes payload \\\"size\\\"\n"
		"# TYPE btctrace_size_bytes histogram\n"
		"# UNIT btctrace_size_bytes bytes\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"-1\"} 1\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"0\"} 3\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"1\"} 3\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"3\"} 7\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"7\"} 15\n"
		"btctrace_size_bytes_bucket{key=\"-3\",le=\"+Inf\"} 15\n"
		"btctrace_size_bytes_count{key=\"-3\"} 15\n"
		"btctrace_size_bytes_sum{key=\"-3\"} 36893488147419103235\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@size\"} 0\n"
		"# EOF\n");
}

/* lhist(v, 0, 100, 50): [0, 50) [50, 100) and the open [100, ...), which
 * only +Inf counts. */
static void test_lhist(void)
{
	uint64_t b[4] = { 0, 2, 0, 3 };
	struct out_entry e[] = { { .buckets = b, .value = -7, .count = 5 } };
	struct out_map m[] = { { .name = "@l", .kind = AGG_LHIST, .lmin = 0, .lmax = 100,
				 .lstep = 50, .nentries = 1, .entries = e } };

	CHECK_METRICS(m, FMT_PROMETHEUS, 0, NULL,
		"# HELP btctrace_l lhist() of the script's map @l\n"
		"# TYPE btctrace_l histogram\n"
		"btctrace_l_bucket{le=\"49\"} 2\n"
		"btctrace_l_bucket{le=\"99\"} 2\n"
		"btctrace_l_bucket{le=\"+Inf\"} 5\n"
		"btctrace_l_count 5\n"
		"btctrace_l_sum -7\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@l\"} 0\n");
}

/* stats(): a summary whose _sum is exact past 64 bits; a signed sum()
 * is a gauge (it may fall); a map of strings has no number to export. */
static void test_summary_gauge_string(void)
{
	__int128 big = (__int128)UINT64_MAX * 3;
	struct out_entry st[] = { { .value = big, .count = 3 } };
	struct out_entry sm[] = { { .value = -4 } };
	struct out_entry str[] = { { .str = "x" } };
	struct out_map m[] = {
		{ .name = "@fees", .kind = AGG_STATS, .nentries = 1, .entries = st },
		{ .name = "@net", .kind = AGG_SUM, .nentries = 1, .entries = sm },
		{ .name = "@who", .kind = AGG_STR, .nentries = 1, .entries = str },
	};

	CHECK_METRICS(m, FMT_PROMETHEUS, 0, NULL,
		"# HELP btctrace_fees stats() of the script's map @fees\n"
		"# TYPE btctrace_fees summary\n"
		"btctrace_fees_count 3\n"
		"btctrace_fees_sum 55340232221128654845\n"
		"# HELP btctrace_net sum() of the script's map @net\n"
		"# TYPE btctrace_net gauge\n"
		"btctrace_net -4\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@fees\"} 0\n"
		"btctrace_series_dropped{map=\"@net\"} 0\n");
}

/* The limit keeps the series that rank highest and counts the rest. */
static void test_series_limit(void)
{
	struct out_entry e[] = {
		{ .key = KEY(U(1)), .value = 10 },
		{ .key = KEY(U(2)), .value = 30 },
		{ .key = KEY(U(3)), .value = 20 },
	};
	static const char *const names[] = { "pid" };
	struct out_map m[] = { { .name = "@", .kind = AGG_MAX, .nkey = 1, .nentries = 3,
				 .entries = e, .key_names = names } };

	CHECK_METRICS(m, FMT_PROMETHEUS, 2, NULL,
		"# HELP btctrace_anon max() of the script's map @\n"
		"# TYPE btctrace_anon gauge\n"
		"btctrace_anon{pid=\"3\"} 20\n"
		"btctrace_anon{pid=\"2\"} 30\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@\"} 1\n");
}

/* Units of time are exported in seconds, exactly: a bucket's bound
 * [1K, 2K) ns is le 0.000002047; 1500 us sum to 0.0015. */
static void test_time_units(void)
{
	uint64_t b[HIST_SLOTS] = { [2] = 1, [12] = 2 };
	struct out_entry h[] = { { .buckets = b, .value = 3001, .count = 3 } };
	struct out_entry st[] = { { .value = 1500, .count = 2 } };
	struct out_map m[] = {
		{ .name = "@connect", .kind = AGG_HIST, .nentries = 1, .entries = h,
		  .help = "time to connect", .unit = "ns" },
		{ .name = "@flush_seconds", .kind = AGG_AVG, .nentries = 1, .entries = st,
		  .help = "flush time", .unit = "us" },
	};

	CHECK_METRICS(m, FMT_OPENMETRICS, 0, NULL,
		"# HELP btctrace_connect_seconds time to connect\n"
		"# TYPE btctrace_connect_seconds histogram\n"
		"# UNIT btctrace_connect_seconds seconds\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000001\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000003\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000007\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000015\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000031\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000063\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000127\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000255\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000000511\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000001023\"} 1\n"
		"btctrace_connect_seconds_bucket{le=\"0.000002047\"} 3\n"
		"btctrace_connect_seconds_bucket{le=\"+Inf\"} 3\n"
		"btctrace_connect_seconds_count 3\n"
		"btctrace_connect_seconds_sum 0.000003001\n"
		"# HELP btctrace_flush_seconds flush time\n"
		"# TYPE btctrace_flush_seconds summary\n"
		"# UNIT btctrace_flush_seconds seconds\n"
		"btctrace_flush_seconds_count 2\n"
		"btctrace_flush_seconds_sum 0.0015\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@connect\"} 0\n"
		"btctrace_series_dropped{map=\"@flush_seconds\"} 0\n"
		"# EOF\n");
}

/* Two maps named alike once sanitised, or one named as btctrace's own
 * metrics: the later is left out whole, and counted. */
static void test_taken_names(void)
{
	struct out_entry a[] = { { .value = 1 } };
	struct out_entry b[] = { { .value = 2 } };
	struct out_map m[] = {
		{ .name = "@size", .kind = AGG_MAX, .nentries = 1, .entries = a, .unit = "bytes" },
		{ .name = "@size_bytes", .kind = AGG_MAX, .nentries = 1, .entries = b },
		{ .name = "@events_lost", .kind = AGG_MAX, .nentries = 1, .entries = b },
	};

	CHECK_METRICS(m, FMT_PROMETHEUS, 0, NULL,
		"# HELP btctrace_size_bytes max() of the script's map @size\n"
		"# TYPE btctrace_size_bytes gauge\n"
		"btctrace_size_bytes 1\n"
		NO_DROPS_OM
		"btctrace_series_dropped{map=\"@size\"} 0\n"
		"btctrace_series_dropped{map=\"@size_bytes\"} 1\n"
		"btctrace_series_dropped{map=\"@events_lost\"} 1\n");
}

static void test_own_counters(void)
{
	static const char *const maps[] = { "@a", "@b" };
	static const uint64_t full[] = { 0, 7 };
	struct out_counter c = { "map_updates_dropped", "updates dropped", "map", 2, maps, full };
	struct out_map none[1];

	char *s = render(none, 0, FMT_OPENMETRICS, 0, &c);
	CHECK_STR(s,
		"# HELP btctrace_map_updates_dropped updates dropped\n"
		"# TYPE btctrace_map_updates_dropped counter\n"
		"btctrace_map_updates_dropped_total{map=\"@a\"} 0\n"
		"btctrace_map_updates_dropped_total{map=\"@b\"} 7\n"
		NO_DROPS_OM
		"# EOF\n");
	free(s);
	CHECK_INT(output_format_by_name("openmetrics"), FMT_OPENMETRICS);
	CHECK_INT(output_format_by_name("prometheus"), FMT_PROMETHEUS);
}

int main(void)
{
	test_counter_labels();
	test_hist();
	test_lhist();
	test_summary_gauge_string();
	test_series_limit();
	test_time_units();
	test_taken_names();
	test_own_counters();
	return CHECK_DONE();
}
