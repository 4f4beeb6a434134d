/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Map printing against bpftrace 0.17's own output, through the text and
 * JSON sinks of output.h; and the other results the sinks print.
 *
 * Expected strings marked "captured" were produced by running
 * bpftrace 0.17.0 on the BEGIN program quoted above them (stdout, minus
 * "Attaching N probes..." and the "\n\n" before the exit dump, checked
 * by test_session_results). The first ones are the samples
 * of /work/shared/bpftrace-conventions.md. The rest (labels past [2G, 4G),
 * exact 128-bit values, tie order, UTF-8) are beyond what 0.17 can
 * show and follow output.h. */
#include "output/output.h"

#include <stdlib.h>

#include "btctrace_version.h"
#include "check.h"

#define S(x) { .kind = OUT_STR, .s = (x) }
#define I(x) { .kind = OUT_INT, .i = (x) }
#define U(x) { .kind = OUT_UINT, .i = (int64_t)(x) }
#define KEY(...) ((struct out_field[]){ __VA_ARGS__ })
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define CHECK_TEXT(m, top, div, exp) do { char *s_ = render(m, top, div, false); \
	CHECK_STR(s_, exp); free(s_); } while (0)
#define CHECK_JSON(m, top, div, exp) do { char *s_ = render(m, top, div, true); \
	CHECK_STR(s_, exp); free(s_); } while (0)
#define CHECK_ALL(maps, json, exp) do { char *s_ = render_all(maps, NELEM(maps), json); \
	CHECK_STR(s_, exp); free(s_); } while (0)

static char *render(const struct out_map *m, int top, int div, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = f ? output_new(json ? FMT_JSON : FMT_TEXT, f) : NULL;

	if (!o)
		return NULL;
	output_map(o, m, top, div);
	output_free(o);
	fclose(f);
	return buf;
}

/* As at exit: every map in name order, top 0, div 0. */
static char *render_all(const struct out_map *maps, int n, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = f ? output_new(json ? FMT_JSON : FMT_TEXT, f) : NULL;

	if (!o)
		return NULL;
	for (int i = 0; i < n; i++)
		output_map(o, &maps[i], 0, 0);
	output_free(o);
	fclose(f);
	return buf;
}

static struct out_map mk(const char *name, enum agg_kind kind, int nkey,
			 struct out_entry *e, int n)
{
	return (struct out_map){ .name = name, .kind = kind, .nkey = nkey,
				 .nentries = n, .entries = e };
}

static struct out_map mk_lhist(const char *name, int nkey, int64_t min,
			       int64_t max, int64_t step, struct out_entry *e,
			       int n)
{
	struct out_map m = mk(name, AGG_LHIST, nkey, e, n);

	m.lmin = min;
	m.lmax = max;
	m.lstep = step;
	return m;
}

/* The slot numbering of output.h, so tests read like the bpftrace
 * programs they reproduce. */
static void hist_add(uint64_t *b, int64_t v)
{
	if (v < 0)
		b[0]++;
	else if (v == 0)
		b[1]++;
	else
		b[2 + 63 - __builtin_clzll((uint64_t)v)]++;
}

static void lhist_add(uint64_t *b, int64_t v, int64_t min, int64_t max, int64_t step)
{
	if (v < min)
		b[0]++;
	else if (v >= max)
		b[lhist_slots(min, max, step) - 1]++;
	else
		b[1 + (v - min) / step]++;
}

#define BAR17 "@@@@@@@@@@@@@@@@@                                   |\n"
#define BAR26 "@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
#define BAR52 "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
#define BAR0  "                                                    |\n"

/* ------------------------------------------------- conventions s3.bt */

static uint64_t s3_h[HIST_SLOTS], s3_l[12];

static void s3_maps(struct out_map *maps)
{
	static const int64_t hv[] = { 0, 1, 3, 5, 6, 7, 100, 1500 };
	static const int64_t lv[] = { 5, 15, 17, 42, 250 };
	static struct out_field ping[] = { S("ping") }, inv[] = { S("inv") }, tx[] = { S("tx") };
	static struct out_entry c[3], h[1], l[1], s[1];

	c[0] = (struct out_entry){ .key = ping, .value = 3 };
	c[1] = (struct out_entry){ .key = inv, .value = 1 };
	c[2] = (struct out_entry){ .key = tx, .value = 2 };
	memset(s3_h, 0, sizeof(s3_h));
	memset(s3_l, 0, sizeof(s3_l));
	for (int i = 0; i < NELEM(hv); i++)
		hist_add(s3_h, hv[i]);
	for (int i = 0; i < NELEM(lv); i++)
		lhist_add(s3_l, lv[i], 0, 100, 10);
	h[0] = (struct out_entry){ .buckets = s3_h };
	l[0] = (struct out_entry){ .buckets = s3_l };
	s[0] = (struct out_entry){ .value = 63, .count = 3 };
	maps[0] = mk("@c", AGG_COUNT, 1, c, 3);
	maps[1] = mk("@h", AGG_HIST, 0, h, 1);
	maps[2] = mk_lhist("@l", 0, 0, 100, 10, l, 1);
	maps[3] = mk("@s", AGG_STATS, 0, s, 1);
}

static void test_s3(void)
{
	struct out_map maps[4];

	s3_maps(maps);
	CHECK_ALL(maps, false,
		"@c[inv]: 1\n"
		"@c[tx]: 2\n"
		"@c[ping]: 3\n"
		"@h: \n"
		"[0]                    1 |" BAR17
		"[1]                    1 |" BAR17
		"[2, 4)                 1 |" BAR17
		"[4, 8)                 3 |" BAR52
		"[8, 16)                0 |" BAR0
		"[16, 32)               0 |" BAR0
		"[32, 64)               0 |" BAR0
		"[64, 128)              1 |" BAR17
		"[128, 256)             0 |" BAR0
		"[256, 512)             0 |" BAR0
		"[512, 1K)              0 |" BAR0
		"[1K, 2K)               1 |" BAR17
		"\n"
		"@l: \n"
		"[0, 10)                1 |" BAR26
		"[10, 20)               2 |" BAR52
		"[20, 30)               0 |" BAR0
		"[30, 40)               0 |" BAR0
		"[40, 50)               1 |" BAR26
		"[50, 60)               0 |" BAR0
		"[60, 70)               0 |" BAR0
		"[70, 80)               0 |" BAR0
		"[80, 90)               0 |" BAR0
		"[90, 100)              0 |" BAR0
		"[100, ...)             1 |" BAR26
		"\n"
		"@s: count 3, average 21, total 63\n"
		"\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"map\", \"data\": {\"@c\": {\"inv\": 1, \"tx\": 2, \"ping\": 3}}}\n"
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, \"max\": 1, \"count\": 1}, {\"min\": 2, \"max\": 3, \"count\": 1}, {\"min\": 4, \"max\": 7, \"count\": 3}, {\"min\": 8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, {\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, \"count\": 1}, {\"min\": 128, \"max\": 255, \"count\": 0}, {\"min\": 256, \"max\": 511, \"count\": 0}, {\"min\": 512, \"max\": 1023, \"count\": 0}, {\"min\": 1024, \"max\": 2047, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 0, \"max\": 9, \"count\": 1}, {\"min\": 10, \"max\": 19, \"count\": 2}, {\"min\": 20, \"max\": 29, \"count\": 0}, {\"min\": 30, \"max\": 39, \"count\": 0}, {\"min\": 40, \"max\": 49, \"count\": 1}, {\"min\": 50, \"max\": 59, \"count\": 0}, {\"min\": 60, \"max\": 69, \"count\": 0}, {\"min\": 70, \"max\": 79, \"count\": 0}, {\"min\": 80, \"max\": 89, \"count\": 0}, {\"min\": 90, \"max\": 99, \"count\": 0}, {\"min\": 100, \"count\": 1}]}}\n"
		"{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 3, \"average\": 21, \"total\": 63}}}\n");
}

/* ------------------------------------------ conventions further cases */

/* captured: BEGIN { @h = hist(-3); @l = lhist(5, 10, 100, 10);
 * @l2 = lhist(2048, 1024, 4096, 1024); @hk["k1"] = hist(5);
 * @hk["k2"] = hist(1500); @avg = avg(4); @avg = avg(8); @sum = sum(5);
 * @sum = sum(7); @min = min(3); @min = min(8); @max = max(9);
 * @max = max(2); @x = 42; @str = "hello"; @t[1, "x"] = count(); exit(); } */
static void test_misc(void)
{
	static uint64_t h[HIST_SLOTS], k1[HIST_SLOTS], k2[HIST_SLOTS], l[11], l2[5];
	struct out_entry avg[] = { { .value = 12, .count = 2 } };
	struct out_entry he[] = { { .buckets = h } };
	struct out_entry hk[] = { { .key = KEY(S("k2")), .buckets = k2 },
				  { .key = KEY(S("k1")), .buckets = k1 } };
	struct out_entry le[] = { { .buckets = l } }, l2e[] = { { .buckets = l2 } };
	struct out_entry max[] = { { .value = 9 } }, min[] = { { .value = 3 } };
	struct out_entry str[] = { { .str = "hello" } }, sum[] = { { .value = 12 } };
	struct out_entry t[] = { { .key = KEY(I(1), S("x")), .value = 1 } };
	struct out_entry x[] = { { .value = 42 } };
	struct out_map maps[] = {
		mk("@avg", AGG_AVG, 0, avg, 1), mk("@h", AGG_HIST, 0, he, 1),
		mk("@hk", AGG_HIST, 1, hk, 2),
		mk_lhist("@l", 0, 10, 100, 10, le, 1),
		mk_lhist("@l2", 0, 1024, 4096, 1024, l2e, 1),
		mk("@max", AGG_MAX, 0, max, 1), mk("@min", AGG_MIN, 0, min, 1),
		mk("@str", AGG_STR, 0, str, 1), mk("@sum", AGG_SUM, 0, sum, 1),
		mk("@t", AGG_COUNT, 2, t, 1), mk("@x", AGG_INT, 0, x, 1),
	};

	hist_add(h, -3);
	hist_add(k1, 5);
	hist_add(k2, 1500);
	lhist_add(l, 5, 10, 100, 10);
	lhist_add(l2, 2048, 1024, 4096, 1024);
	CHECK_ALL(maps, false,
		"@avg: 6\n"
		"\n"
		"@h: \n"
		"(..., 0)               1 |" BAR52
		"\n"
		"@hk[k1]: \n"
		"[4, 8)                 1 |" BAR52
		"\n"
		"@hk[k2]: \n"
		"[1K, 2K)               1 |" BAR52
		"\n"
		"@l: \n"
		"(..., 10)              1 |" BAR52
		"\n"
		"@l2: \n"
		"[2K, 3K)               1 |" BAR52
		"\n"
		"@max: 9\n"
		"@min: 3\n"
		"@str: hello\n"
		"@sum: 12\n"
		"@t[1, x]: 1\n"
		"@x: 42\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"stats\", \"data\": {\"@avg\": 6}}\n"
		"{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@hk\": {\"k1\": [{\"min\": 4, \"max\": 7, \"count\": 1}], \"k2\": [{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}}\n"
		"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": 9, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@l2\": [{\"min\": 2048, \"max\": 3071, \"count\": 1}]}}\n"
		"{\"type\": \"map\", \"data\": {\"@max\": 9}}\n"
		"{\"type\": \"map\", \"data\": {\"@min\": 3}}\n"
		"{\"type\": \"map\", \"data\": {\"@str\": \"hello\"}}\n"
		"{\"type\": \"map\", \"data\": {\"@sum\": 12}}\n"
		"{\"type\": \"map\", \"data\": {\"@t\": {\"1,x\": 1}}}\n"
		"{\"type\": \"map\", \"data\": {\"@x\": 42}}\n");
}

/* captured: BEGIN { @c["x"] = count(); @c["y"] = count() x2;
 * @c["z"] = count() x3; print(@c, 2); print(@c, 0, 2); clear(@c); exit(); } */
static void test_top_div(void)
{
	struct out_entry c[] = { { .key = KEY(S("z")), .value = 3 },
				 { .key = KEY(S("x")), .value = 1 },
				 { .key = KEY(S("y")), .value = 2 } };
	struct out_map m = mk("@c", AGG_COUNT, 1, c, 3);

	CHECK_TEXT(&m, 2, 0, "@c[y]: 2\n@c[z]: 3\n");
	CHECK_TEXT(&m, 0, 2, "@c[x]: 0\n@c[y]: 1\n@c[z]: 1\n");
	CHECK_JSON(&m, 2, 0, "{\"type\": \"map\", \"data\": {\"@c\": {\"y\": 2, \"z\": 3}}}\n");
	CHECK_JSON(&m, 0, 2, "{\"type\": \"map\", \"data\": {\"@c\": {\"x\": 0, \"y\": 1, \"z\": 1}}}\n");
	CHECK_TEXT(&m, 5, 1, "@c[x]: 1\n@c[y]: 2\n@c[z]: 3\n");
	m.nentries = 0;		/* after clear(@c): a bare newline */
	CHECK_TEXT(&m, 0, 0, "\n");
	CHECK_JSON(&m, 0, 0, "");
}

/* ------------------------------------------------ captured: avg/stats */

/* captured: BEGIN { @s[1]=stats(10); @s[2]=stats(20); @s[3]=stats(30);
 * @a[1]=avg(10); @a[2]=avg(21); @a[3]=avg(-31); print(@s, 1, 2);
 * print(@a, 2, 2); print(@a); clear(@s); clear(@a); exit(); }
 * stats ignores top and div; avg divides its average; keyed avg has one
 * blank line after the whole map; a cleared avg/stats map prints "\n\n". */
static void test_avg_stats(void)
{
	struct out_entry s[] = { { .key = KEY(I(3)), .value = 30, .count = 1 },
				 { .key = KEY(I(1)), .value = 10, .count = 1 },
				 { .key = KEY(I(2)), .value = 20, .count = 1 } };
	struct out_entry a[] = { { .key = KEY(I(1)), .value = 10, .count = 1 },
				 { .key = KEY(I(3)), .value = -31, .count = 1 },
				 { .key = KEY(I(2)), .value = 21, .count = 1 } };
	struct out_map ms = mk("@s", AGG_STATS, 1, s, 3);
	struct out_map ma = mk("@a", AGG_AVG, 1, a, 3);

	CHECK_TEXT(&ms, 1, 2,
		"@s[1]: count 1, average 10, total 10\n"
		"@s[2]: count 1, average 20, total 20\n"
		"@s[3]: count 1, average 30, total 30\n"
		"\n");
	CHECK_TEXT(&ma, 2, 2, "@a[1]: 5\n@a[2]: 10\n\n");
	CHECK_TEXT(&ma, 0, 0, "@a[3]: -31\n@a[1]: 10\n@a[2]: 21\n\n");
	CHECK_JSON(&ms, 1, 2, "{\"type\": \"stats\", \"data\": {\"@s\": {\"1\": {\"count\": 1, \"average\": 10, \"total\": 10}, \"2\": {\"count\": 1, \"average\": 20, \"total\": 20}, \"3\": {\"count\": 1, \"average\": 30, \"total\": 30}}}}\n");
	CHECK_JSON(&ma, 2, 2, "{\"type\": \"stats\", \"data\": {\"@a\": {\"1\": 5, \"2\": 10}}}\n");
	CHECK_JSON(&ma, 0, 0, "{\"type\": \"stats\", \"data\": {\"@a\": {\"3\": -31, \"1\": 10, \"2\": 21}}}\n");
	ms.nentries = ma.nentries = 0;
	CHECK_TEXT(&ma, 0, 0, "\n\n");
	CHECK_TEXT(&ms, 0, 0, "\n\n");
	CHECK_JSON(&ma, 0, 0, "");
}

/* captured: BEGIN { @h=hist(-1) x3; @h=hist(2); @h=hist(9);
 * print(@h, 0, 2); clear(@h); @a = avg(-7); @a=avg(2); @s=stats(-7);
 * @s=stats(2); exit(); }  Averages truncate toward zero; hist's div
 * divides the counts but not the bars. */
static void test_negative(void)
{
	static uint64_t hb[HIST_SLOTS];
	struct out_entry h[] = { { .buckets = hb } };
	struct out_entry a[] = { { .value = -5, .count = 2 } };
	struct out_map mh = mk("@h", AGG_HIST, 0, h, 1);
	struct out_map maps[] = { mk("@a", AGG_AVG, 0, a, 1),
				  mk("@h", AGG_HIST, 0, h, 0),
				  mk("@s", AGG_STATS, 0, a, 1) };

	hb[0] = 3;
	hist_add(hb, 2);
	hist_add(hb, 9);
	CHECK_TEXT(&mh, 0, 2,
		"@h: \n"
		"(..., 0)               1 |" BAR52
		"[0]                    0 |" BAR0
		"[1]                    0 |" BAR0
		"[2, 4)                 0 |" BAR17
		"[4, 8)                 0 |" BAR0
		"[8, 16)                0 |" BAR17
		"\n");
	CHECK_JSON(&mh, 0, 2, "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, {\"min\": 0, \"max\": 0, \"count\": 0}, {\"min\": 1, \"max\": 1, \"count\": 0}, {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}]}}\n");
	CHECK_ALL(maps, false,
		"@a: -2\n"
		"\n"
		"\n"
		"@s: count 2, average -2, total -5\n"
		"\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"stats\", \"data\": {\"@a\": -2}}\n"
		"{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 2, \"average\": -2, \"total\": -5}}}\n");
}

/* ------------------------------------------------ captured: histograms */

/* captured: BEGIN { @h = hist(1) x3; @h=hist(9); print(@h, 0, 2);
 * @l=lhist(3,0,10,1) x3; @l=lhist(5,0,10,1); print(@l,0,2);
 * @k[1]=hist(1); @k[2]=hist(2) x2; @k[3]=hist(100) x3; print(@k, 2); ...}
 * lhist ignores div; top keeps the keys with the largest totals. */
static void test_hist_top_div(void)
{
	static uint64_t h[HIST_SLOTS], l[12], k1[HIST_SLOTS], k2[HIST_SLOTS], k3[HIST_SLOTS];
	struct out_entry he[] = { { .buckets = h } }, le[] = { { .buckets = l } };
	struct out_entry ke[] = { { .key = KEY(I(3)), .buckets = k3 },
				  { .key = KEY(I(1)), .buckets = k1 },
				  { .key = KEY(I(2)), .buckets = k2 } };
	struct out_map mh = mk("@h", AGG_HIST, 0, he, 1);
	struct out_map ml = mk_lhist("@l", 0, 0, 10, 1, le, 1);
	struct out_map mk3 = mk("@k", AGG_HIST, 1, ke, 3);

	h[2] = 3;
	hist_add(h, 9);
	l[4] = 3;
	lhist_add(l, 5, 0, 10, 1);
	hist_add(k1, 1);
	k2[3] = 2;
	k3[8] = 3;
	CHECK_TEXT(&mh, 0, 2,
		"@h: \n"
		"[1]                    1 |" BAR52
		"[2, 4)                 0 |" BAR0
		"[4, 8)                 0 |" BAR0
		"[8, 16)                0 |" BAR17
		"\n");
	CHECK_TEXT(&ml, 0, 2,
		"@l: \n"
		"[3, 4)                 3 |" BAR52
		"[4, 5)                 0 |" BAR0
		"[5, 6)                 1 |" BAR17
		"\n");
	CHECK_TEXT(&mk3, 2, 0,
		"@k[2]: \n"
		"[2, 4)                 2 |" BAR52
		"\n"
		"@k[3]: \n"
		"[64, 128)              3 |" BAR52
		"\n");
	CHECK_JSON(&mh, 0, 2, "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 1, \"max\": 1, \"count\": 1}, {\"min\": 2, \"max\": 3, \"count\": 0}, {\"min\": 4, \"max\": 7, \"count\": 0}, {\"min\": 8, \"max\": 15, \"count\": 0}]}}\n");
	CHECK_JSON(&ml, 0, 2, "{\"type\": \"hist\", \"data\": {\"@l\": [{\"min\": 3, \"max\": 3, \"count\": 3}, {\"min\": 4, \"max\": 4, \"count\": 0}, {\"min\": 5, \"max\": 5, \"count\": 1}]}}\n");
	CHECK_JSON(&mk3, 2, 0, "{\"type\": \"hist\", \"data\": {\"@k\": {\"2\": [{\"min\": 2, \"max\": 3, \"count\": 2}], \"3\": [{\"min\": 64, \"max\": 127, \"count\": 3}]}}}\n");
	mh.nentries = 0;	/* cleared */
	CHECK_TEXT(&mh, 0, 0, "\n");
	CHECK_JSON(&mh, 0, 0, "");
}

/* captured: BEGIN { @m = lhist(3000000,1048576,4194304,1048576);
 * @m = lhist(0,...); @m = lhist(90000000,...);
 * @n = lhist(3, 0, 1073741824, 1073741824);
 * @o = lhist(2000000000, 0, 1073741824, 1073741824); exit(); }
 * 0.17 writes 1G as 1024M: it only knows K and M for lhist bounds. */
static void test_lhist_mega(void)
{
	static uint64_t m[5], n[3], o[3];
	struct out_entry me[] = { { .buckets = m } }, ne[] = { { .buckets = n } };
	struct out_entry oe[] = { { .buckets = o } };
	struct out_map maps[] = {
		mk_lhist("@m", 0, 1048576, 4194304, 1048576, me, 1),
		mk_lhist("@n", 0, 0, 1073741824, 1073741824, ne, 1),
		mk_lhist("@o", 0, 0, 1073741824, 1073741824, oe, 1),
	};

	lhist_add(m, 3000000, 1048576, 4194304, 1048576);
	lhist_add(m, 0, 1048576, 4194304, 1048576);
	lhist_add(m, 90000000, 1048576, 4194304, 1048576);
	lhist_add(n, 3, 0, 1073741824, 1073741824);
	lhist_add(o, 2000000000, 0, 1073741824, 1073741824);
	CHECK_ALL(maps, false,
		"@m: \n"
		"(..., 1M)              1 |" BAR52
		"[1M, 2M)               0 |" BAR0
		"[2M, 3M)               1 |" BAR52
		"[3M, 4M)               0 |" BAR0
		"[4M, ...)              1 |" BAR52
		"\n"
		"@n: \n"
		"[0, 1024M)             1 |" BAR52
		"\n"
		"@o: \n"
		"[1024M, ...)           1 |" BAR52
		"\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"hist\", \"data\": {\"@m\": [{\"max\": 1048575, \"count\": 1}, {\"min\": 1048576, \"max\": 2097151, \"count\": 0}, {\"min\": 2097152, \"max\": 3145727, \"count\": 1}, {\"min\": 3145728, \"max\": 4194303, \"count\": 0}, {\"min\": 4194304, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@n\": [{\"min\": 0, \"max\": 1073741823, \"count\": 1}]}}\n"
		"{\"type\": \"hist\", \"data\": {\"@o\": [{\"min\": 1073741824, \"count\": 1}]}}\n");
}

/* ----------------------------------------- captured: keys and escaping */

/* captured: BEGIN { @a[1,"x"]=avg(10); @a[2,"y"]=avg(-7); @s["k"]=stats(5);
 * @s["j"]=stats(-9); @s["j"]=stats(2); @v["a\"b\\c\td\n"]="q\"u\x01\x7f";
 * @t[-1, "x"] = 5; @t[3, "y"]=-2; @z=-5; @hk["a"]=hist(3);
 * @hk["b"]=hist(-1); @lk[1]=lhist(3,0,10,2); @lk[2]=lhist(30,0,10,2);
 * zero(@hk); exit(); }  Zeroed histograms keep their header (text) and
 * print [] (JSON); text prints strings raw, JSON escapes them. */
static void test_keys_escapes(void)
{
	static uint64_t hka[HIST_SLOTS], hkb[HIST_SLOTS], lk1[7], lk2[7];
	struct out_entry a[] = { { .key = KEY(I(1), S("x")), .value = 10, .count = 1 },
				 { .key = KEY(I(2), S("y")), .value = -7, .count = 1 } };
	struct out_entry hk[] = { { .key = KEY(S("b")), .buckets = hkb },
				  { .key = KEY(S("a")), .buckets = hka } };
	struct out_entry lk[] = { { .key = KEY(I(2)), .buckets = lk2 },
				  { .key = KEY(I(1)), .buckets = lk1 } };
	struct out_entry s[] = { { .key = KEY(S("k")), .value = 5, .count = 1 },
				 { .key = KEY(S("j")), .value = -7, .count = 2 } };
	struct out_entry t[] = { { .key = KEY(I(-1), S("x")), .value = 5 },
				 { .key = KEY(I(3), S("y")), .value = -2 } };
	struct out_entry v[] = { { .key = KEY(S("a\"b\\c\td\n")), .str = "q\"u\x01\x7f" } };
	struct out_entry z[] = { { .value = -5 } };
	struct out_map maps[] = {
		mk("@a", AGG_AVG, 2, a, 2), mk("@hk", AGG_HIST, 1, hk, 2),
		mk_lhist("@lk", 1, 0, 10, 2, lk, 2), mk("@s", AGG_STATS, 1, s, 2),
		mk("@t", AGG_INT, 2, t, 2), mk("@v", AGG_STR, 1, v, 1),
		mk("@z", AGG_INT, 0, z, 1),
	};

	lhist_add(lk1, 3, 0, 10, 2);
	lhist_add(lk2, 30, 0, 10, 2);
	CHECK_ALL(maps, false,
		"@a[2, y]: -7\n"
		"@a[1, x]: 10\n"
		"\n"
		"@hk[a]: \n"
		"\n"
		"@hk[b]: \n"
		"\n"
		"@lk[1]: \n"
		"[2, 4)                 1 |" BAR52
		"\n"
		"@lk[2]: \n"
		"[10, ...)              1 |" BAR52
		"\n"
		"@s[j]: count 2, average -3, total -7\n"
		"@s[k]: count 1, average 5, total 5\n"
		"\n"
		"@t[3, y]: -2\n"
		"@t[-1, x]: 5\n"
		"@v[a\"b\\c\td\n"
		"]: q\"u\x01\x7f\n"
		"@z: -5\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"stats\", \"data\": {\"@a\": {\"2,y\": -7, \"1,x\": 10}}}\n"
		"{\"type\": \"hist\", \"data\": {\"@hk\": {\"a\": [], \"b\": []}}}\n"
		"{\"type\": \"hist\", \"data\": {\"@lk\": {\"1\": [{\"min\": 2, \"max\": 3, \"count\": 1}], \"2\": [{\"min\": 10, \"count\": 1}]}}}\n"
		"{\"type\": \"stats\", \"data\": {\"@s\": {\"j\": {\"count\": 2, \"average\": -3, \"total\": -7}, \"k\": {\"count\": 1, \"average\": 5, \"total\": 5}}}}\n"
		"{\"type\": \"map\", \"data\": {\"@t\": {\"3,y\": -2, \"-1,x\": 5}}}\n"
		"{\"type\": \"map\", \"data\": {\"@v\": {\"a\\\"b\\\\c\\td\\n\": \"q\\\"u\\u0001\x7f\"}}}\n"
		"{\"type\": \"map\", \"data\": {\"@z\": -5}}\n");
}

/* captured: BEGIN { @m[-1]="a"; @m[1]="b"; @m[-5]="c"; @m[300]="d";
 * @n["b",2]="x"; @n["a",3]="y"; @n["b",1]="z"; @n["ab",0]="w"; exit(); }
 * Maps sorted by key order signed ints by their unsigned bit pattern. */
static void test_str_key_order(void)
{
	struct out_entry m[] = { { .key = KEY(I(-1)), .str = "a" },
				 { .key = KEY(I(1)), .str = "b" },
				 { .key = KEY(I(-5)), .str = "c" },
				 { .key = KEY(I(300)), .str = "d" } };
	struct out_entry n[] = { { .key = KEY(S("b"), I(2)), .str = "x" },
				 { .key = KEY(S("a"), I(3)), .str = "y" },
				 { .key = KEY(S("b"), I(1)), .str = "z" },
				 { .key = KEY(S("ab"), I(0)), .str = "w" } };
	struct out_map maps[] = { mk("@m", AGG_STR, 1, m, 4), mk("@n", AGG_STR, 2, n, 4) };

	CHECK_ALL(maps, false,
		"@m[1]: b\n"
		"@m[300]: d\n"
		"@m[-5]: c\n"
		"@m[-1]: a\n"
		"@n[a, 3]: y\n"
		"@n[ab, 0]: w\n"
		"@n[b, 1]: z\n"
		"@n[b, 2]: x\n");
	CHECK_ALL(maps, true,
		"{\"type\": \"map\", \"data\": {\"@m\": {\"1\": \"b\", \"300\": \"d\", \"-5\": \"c\", \"-1\": \"a\"}}}\n"
		"{\"type\": \"map\", \"data\": {\"@n\": {\"a,3\": \"y\", \"ab,0\": \"w\", \"b,1\": \"z\", \"b,2\": \"x\"}}}\n");
}

/* captured: BEGIN { exit(); } interval:s:100 { @x[1] = count();
 * @h = hist(1); @a = avg(1); @s[1] = stats(2); }  Maps that were never
 * written: text prints "\n" (or "\n\n" for avg/stats), JSON nothing. */
static void test_empty_maps(void)
{
	struct out_map maps[] = {
		mk("@a", AGG_AVG, 0, NULL, 0), mk("@h", AGG_HIST, 0, NULL, 0),
		mk("@s", AGG_STATS, 1, NULL, 0), mk("@x", AGG_COUNT, 1, NULL, 0),
	};

	CHECK_ALL(maps, false, "\n\n\n\n\n\n");
	CHECK_ALL(maps, true, "");
}

/* ------------------------------------------- beyond what 0.17 can show */

static void test_hist_labels(void)
{
	char buf[64];

	out_hist_label(buf, sizeof(buf), 0);
	CHECK_STR(buf, "(..., 0)");
	out_hist_label(buf, sizeof(buf), 1);
	CHECK_STR(buf, "[0]");
	out_hist_label(buf, sizeof(buf), 2);
	CHECK_STR(buf, "[1]");
	out_hist_label(buf, sizeof(buf), 3);
	CHECK_STR(buf, "[2, 4)");
	out_hist_label(buf, sizeof(buf), 11);
	CHECK_STR(buf, "[512, 1K)");
	out_hist_label(buf, sizeof(buf), 21);
	CHECK_STR(buf, "[512K, 1M)");
	out_hist_label(buf, sizeof(buf), 33);
	CHECK_STR(buf, "[2G, 4G)");
	out_hist_label(buf, sizeof(buf), 34);
	CHECK_STR(buf, "[4G, 8G)");
	out_hist_label(buf, sizeof(buf), 42);
	CHECK_STR(buf, "[1T, 2T)");
	out_hist_label(buf, sizeof(buf), 52);
	CHECK_STR(buf, "[1P, 2P)");
	out_hist_label(buf, sizeof(buf), 61);
	CHECK_STR(buf, "[512P, 1E)");
	out_hist_label(buf, sizeof(buf), 65);
	CHECK_STR(buf, "[8E, 16E)");
}

static void test_lhist_labels(void)
{
	char buf[64];

	out_lhist_label(buf, sizeof(buf), 0, 0, 100, 10);
	CHECK_STR(buf, "(..., 0)");
	out_lhist_label(buf, sizeof(buf), 1, 0, 100, 10);
	CHECK_STR(buf, "[0, 10)");
	out_lhist_label(buf, sizeof(buf), 11, 0, 100, 10);
	CHECK_STR(buf, "[100, ...)");
	out_lhist_label(buf, sizeof(buf), 2, 1024, 4096, 1024);
	CHECK_STR(buf, "[2K, 3K)");
	/* 0.17 rejects a negative min; the same rule carries over. */
	out_lhist_label(buf, sizeof(buf), 0, -2048, 2048, 1024);
	CHECK_STR(buf, "(..., -2K)");
	out_lhist_label(buf, sizeof(buf), 2, -2048, 2048, 1024);
	CHECK_STR(buf, "[-1K, 0)");
	out_lhist_label(buf, sizeof(buf), 1, 4294967296LL, 8589934592LL, 1073741824);
	CHECK_STR(buf, "[4096M, 5120M)");
}

/* Past 0.17's [2G, 4G) cap, in the same style (bpftrace 0.20+). */
static void test_high_buckets(void)
{
	static uint64_t b[HIST_SLOTS];
	struct out_entry e[] = { { .buckets = b } };
	struct out_map m = mk("@h", AGG_HIST, 0, e, 1);

	hist_add(b, 1LL << 40);
	hist_add(b, 1LL << 40);
	hist_add(b, 5LL << 40);
	CHECK_TEXT(&m, 0, 0,
		"@h: \n"
		"[1T, 2T)               2 |" BAR52
		"[2T, 4T)               0 |" BAR0
		"[4T, 8T)               1 |" BAR26
		"\n");
	memset(b, 0, sizeof(b));
	b[HIST_SLOTS - 1] = 1;
	CHECK_TEXT(&m, 0, 0, "@h: \n[8E, 16E)              1 |" BAR52 "\n");
	CHECK_JSON(&m, 0, 0, "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 9223372036854775808, \"max\": 18446744073709551615, \"count\": 1}]}}\n");
}

static void test_wide_values(void)
{
	const __int128 big = ((__int128)1 << 64) + 5;
	struct out_entry s[] = { { .value = big } };
	struct out_entry st[] = { { .value = big, .count = 2 } };
	struct out_map m = mk("@sum", AGG_SUM, 0, s, 1);
	struct out_map ms = mk("@s", AGG_STATS, 0, st, 1);
	char buf[41];

	CHECK_TEXT(&m, 0, 0, "@sum: 18446744073709551621\n");
	CHECK_JSON(&m, 0, 0, "{\"type\": \"map\", \"data\": {\"@sum\": 18446744073709551621}}\n");
	CHECK_TEXT(&ms, 0, 0, "@s: count 2, average 9223372036854775810, total 18446744073709551621\n\n");
	CHECK(out_value_overflows(&m, big));
	CHECK(out_value_overflows(&m, (__int128)INT64_MAX + 1));
	CHECK(out_value_overflows(&m, (__int128)INT64_MIN - 1));
	CHECK(!out_value_overflows(&m, INT64_MIN));
	m.value_unsigned = true;
	CHECK(!out_value_overflows(&m, UINT64_MAX));
	CHECK(out_value_overflows(&m, (__int128)UINT64_MAX + 1));
	CHECK(out_value_overflows(&m, -1));
	CHECK_STR(out_i128(buf, 0), "0");
	CHECK_STR(out_i128(buf, -42), "-42");
	CHECK_STR(out_i128(buf, (__int128)(((unsigned __int128)1 << 127) - 1)),
		  "170141183460469231731687303715884105727");
	CHECK_STR(out_i128(buf, -(__int128)(((unsigned __int128)1 << 127) - 1) - 1),
		  "-170141183460469231731687303715884105728");
}

/* bpftrace leaves ties unordered; we break them by key, ints by value. */
static void test_ties(void)
{
	struct out_entry c[] = { { .key = KEY(I(2), S("b")), .value = 1 },
				 { .key = KEY(I(-1), S("z")), .value = 1 },
				 { .key = KEY(I(2), S("a")), .value = 1 },
				 { .key = KEY(I(0), S("q")), .value = -1 } };
	struct out_map m = mk("@c", AGG_SUM, 2, c, 4);

	CHECK_TEXT(&m, 0, 0, "@c[0, q]: -1\n@c[-1, z]: 1\n@c[2, a]: 1\n@c[2, b]: 1\n");
	CHECK_TEXT(&m, 2, 0, "@c[2, a]: 1\n@c[2, b]: 1\n");
	CHECK_TEXT(&m, 0, 2, "@c[0, q]: 0\n@c[-1, z]: 0\n@c[2, a]: 0\n@c[2, b]: 0\n");
}

static void test_unsigned_and_utf8(void)
{
	struct out_entry u[] = { { .key = KEY(U(UINT64_MAX)), .value = 1 } };
	struct out_entry s[] = { { .key = KEY(S("caf\xc3\xa9")), .str = "bad\xff\xc3" } };
	struct out_map mu = mk("@u", AGG_COUNT, 1, u, 1);
	struct out_map ms = mk("@s", AGG_STR, 1, s, 1);

	CHECK_TEXT(&mu, 0, 0, "@u[18446744073709551615]: 1\n");
	CHECK_JSON(&mu, 0, 0, "{\"type\": \"map\", \"data\": {\"@u\": {\"18446744073709551615\": 1}}}\n");
	/* valid UTF-8 passes, stray bytes become U+FFFD: strict JSON */
	CHECK_JSON(&ms, 0, 0, "{\"type\": \"map\", \"data\": {\"@s\": {\"caf\xc3\xa9\": \"bad\\ufffd\\ufffd\"}}}\n");
}

/* 52 * count / max truncates: 1 of 3 is 17 columns, 2 of 3 is 34. */
static void test_bar_widths(void)
{
	static uint64_t b[HIST_SLOTS];
	struct out_entry e[] = { { .buckets = b } };
	struct out_map m = mk("@h", AGG_HIST, 0, e, 1);

	b[3] = 1;
	b[4] = 2;
	b[5] = 3;
	CHECK_TEXT(&m, 0, 0,
		"@h: \n"
		"[2, 4)                 1 |" BAR17
		"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n"
		"[8, 16)                3 |" BAR52
		"\n");
}

/* A session's results other than maps, in the order it prints them. */
static char *render_session(enum out_format fmt)
{
	static const char printf_text[] = "hello 42 str ff ab   | 00007\n";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = f ? output_new(fmt, f) : NULL;

	if (!o)
		return NULL;
	output_attached(o, fmt == FMT_TEXT ? 2 : 1);
	output_printf(o, printf_text, sizeof(printf_text) - 1);
	output_value(o, "42", "42");
	output_value(o, "say \"hi\"", NULL);
	output_time(o, "01:29\n", 6);
	output_exit_maps(o);
	output_lost(o, 17);
	output_end(o);
	output_free(o);
	fclose(f);
	return buf;
}

/* JSON comes from the JSON sink alone: samples of the conventions. */
static void test_session_results(void)
{
	char *s;

	s = render_session(FMT_JSON);
	CHECK_STR(s,
		"{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}, "
		"\"btctrace_version\": \"" BTCTRACE_VERSION "\"}\n"
		"{\"type\": \"printf\", \"data\": \"hello 42 str ff ab   | 00007\\n\"}\n"
		"{\"type\": \"value\", \"data\": 42}\n"
		"{\"type\": \"value\", \"data\": \"say \\\"hi\\\"\"}\n"
		"{\"type\": \"time\", \"data\": \"01:29\\n\"}\n"
		"{\"type\": \"lost_events\", \"data\": {\"events\": 17}}\n");
	free(s);
	/* text: lost events are a warning on stderr, not a result */
	s = render_session(FMT_TEXT);
	CHECK_STR(s,
		"Attaching 2 probes...\n"
		"hello 42 str ff ab   | 00007\n"
		"42\n"
		"say \"hi\"\n"
		"01:29\n"
		"\n\n");
	free(s);
}

/* Sinks by name; the scratch stream is reused, and a shorter record
 * after a longer one is not followed by the rest of the longer one. */
static void test_sinks_and_scratch(void)
{
	struct output *o = output_new(FMT_JSON, stdout);
	size_t len;

	CHECK_INT(output_format_by_name("text"), FMT_TEXT);
	CHECK_INT(output_format_by_name("json"), FMT_JSON);
	CHECK_INT(output_format_by_name("yaml"), -1);
	CHECK(output_new((enum out_format)99, stdout) == NULL);
	fputs("a longer record\n", output_scratch(o));
	CHECK_STR(output_scratch_text(o, &len), "a longer record\n");
	CHECK_INT(len, 16);
	fputs("hi", output_scratch(o));
	CHECK_STR(output_scratch_text(o, &len), "hi");
	CHECK_INT(len, 2);
	output_scratch(o);
	CHECK_STR(output_scratch_text(o, &len), "");
	CHECK_INT(len, 0);
	output_free(o);
}

int main(void)
{
	test_s3();
	test_misc();
	test_top_div();
	test_avg_stats();
	test_negative();
	test_hist_top_div();
	test_lhist_mega();
	test_keys_escapes();
	test_str_key_order();
	test_empty_maps();
	test_hist_labels();
	test_lhist_labels();
	test_high_buckets();
	test_wide_values();
	test_ties();
	test_unsigned_and_utf8();
	test_bar_widths();
	test_session_results();
	test_sinks_and_scratch();
	return CHECK_DONE();
}
