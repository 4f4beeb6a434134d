/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "runtime/timings.h"

#include <stdio.h>

static const char *const phase_names[PH_COUNT] = {
	[PH_SETUP] = "setup",
	[PH_PARSE] = "parse",
	[PH_RESOLVE] = "catalog+notes",
	[PH_CHECK] = "sema",
	[PH_TARGET] = "target start",
	[PH_MAPS] = "maps",
	[PH_CODEGEN] = "codegen",
	[PH_VERIFY] = "verifier",
	[PH_ATTACH] = "attach",
	[PH_PRINT] = "exit: print",
	[PH_DETACH] = "exit: detach",
};

void timings_print(const struct timings *t)
{
	/* One line, so that it greps and diffs well between runs. */
	fprintf(stderr, "timings (ms):");
	for (int i = 0; i < PH_COUNT; i++)
		fprintf(stderr, " %s %.2f%s", phase_names[i], t->ns[i] / 1e6,
			i + 1 < PH_COUNT ? "," : "");
	fprintf(stderr, "; total %.2f since main()\n", (timings_now() - t->start_ns) / 1e6);
}
