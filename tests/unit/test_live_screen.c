/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The --live screen's layout (output/live.c), drawn into memory: rows
 * sorted largest first, histograms in bucket order, maps cut to their
 * share of the window with what was left out said, lines cut to its
 * width, rates per second from one frame to the next, the printf lines
 * at the bottom. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "output/live.h"

#define S(x) { .kind = OUT_STR, .s = (x) }
#define I(x) { .kind = OUT_INT, .i = (x) }

/* The screen as text: escape sequences out, one line per row. */
static char *draw(struct live_screen *ls, int rows, int cols, const char *const *log, int nlog)
{
	char *buf = NULL, *out, *o;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct live_header h = { "build/btcsim pid 42", 3725, 2000, 1, 2 };

	live_frame_draw(ls, f, &h, rows, cols, log, nlog);
	fclose(f);
	o = out = calloc(1, len + 1);
	for (const char *p = buf; *p; p++) {
		if (*p == '\033') {
			p++;	/* '[' then parameters up to a letter */
			while (p[1] && !((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z')))
				p++;
			p++;
			continue;
		}
		*o++ = *p;
	}
	free(buf);
	return out;
}

static void test_sorted_rates_log(void)
{
	struct out_field k[3][1] = { { S("inv") }, { S("tx") }, { S("ping") } };
	struct out_entry e[] = { { .key = k[0], .value = 5 }, { .key = k[1], .value = 40 },
				 { .key = k[2], .value = 7 } };
	struct out_map m = { .name = "@msgs", .kind = AGG_COUNT, .nkey = 1, .nentries = 3,
			     .entries = e };
	struct out_entry one = { .value = 9 };
	struct out_map scalar = { .name = "@x", .kind = AGG_INT, .nentries = 1, .entries = &one };
	struct live_screen *ls = live_screen_new();
	const char *log[] = { "first", "second" };

	live_frame_begin(ls, 1000000000ull);
	CHECK_INT(live_frame_map(ls, &m), 0);
	CHECK_INT(live_frame_map(ls, &scalar), 0);
	char *s = draw(ls, 20, 100, log, 2);
	CHECK_STR(s, "up 1:02:05  every 2s  lost 1 events, 2 map updates  build/btcsim pid 42\n"
		  "\n"
		  "@msgs  count, 3 entries\n"
		  "  tx      40              -\n"
		  "  ping     7              -\n"
		  "  inv      5              -\n"
		  "@x  value, 1 entry\n"
		  "          9\n"
		  "-- printf, last 2 lines --\n"
		  "first\n"
		  "second\n");
	free(s);
	/* Two seconds later: tx +10, ping +0, inv +2. */
	e[0].value = 7;
	e[1].value = 50;
	live_frame_begin(ls, 3000000000ull);
	live_frame_map(ls, &m);
	s = draw(ls, 20, 100, NULL, 0);
	CHECK_STR(s, "up 1:02:05  every 2s  lost 1 events, 2 map updates  build/btcsim pid 42\n"
		  "\n"
		  "@msgs  count, 3 entries\n"
		  "  tx      50          5.0/s\n"
		  "  inv      7          1.0/s\n"
		  "  ping     7          0.0/s\n");
	free(s);
	live_screen_free(ls);
}

static void test_cut_to_window(void)
{
	static uint64_t b[HIST_SLOTS];
	struct out_field k[6][1] = { { I(1) }, { I(2) }, { I(3) }, { I(4) }, { I(5) }, { I(6) } };
	struct out_entry e[6];
	struct out_entry he[] = { { .buckets = b } };
	struct out_map m = { .name = "@bytes", .kind = AGG_SUM, .nkey = 1, .nentries = 6,
			     .entries = e };
	struct out_map h = { .name = "@size", .kind = AGG_HIST, .nentries = 1, .entries = he };
	struct live_screen *ls = live_screen_new();

	for (int i = 0; i < 6; i++)
		e[i] = (struct out_entry){ .key = k[i], .value = 100 * (i + 1) };
	b[4] = 3;	/* [4, 8) */
	b[2] = 1;	/* [1] */
	live_frame_begin(ls, 1);
	live_frame_map(ls, &m);
	live_frame_map(ls, &h);
	/* 10 rows: a header, a blank line, 7 for the maps, the last kept empty. */
	char *s = draw(ls, 10, 24, NULL, 0);
	CHECK_STR(s, "up 1:02:05  every 2s  lo\n"
		  "\n"
		  "@bytes  sum, 6 entries, \n"
		  "  6     600             \n"
		  "  5     500             \n"
		  "@size  hist, 1 entry\n"
		  "  [1]         1\n"
		  "  [4, 8)      3\n");
	free(s);
	live_screen_free(ls);
}

int main(void)
{
	test_sorted_rates_log();
	test_cut_to_window();
	return CHECK_DONE();
}
