/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How listings (the REPL's .maps) name what an aggregation map holds:
 * its call, with the parameters that shape its buckets. */
#include <stdio.h>

#include "lang/sema.h"
#include "builtins/internal.h"

/* "count()", "hist()": all maps of the builtin look the same. */
int describe_call(const struct map_info *m, char *buf, size_t len)
{
	return snprintf(buf, len, "%s()", m->agg->name);
}

/* Two lhist() maps differ by their buckets; the value is not shown. */
int describe_lhist(const struct map_info *m, char *buf, size_t len)
{
	return snprintf(buf, len, "%s(%lld, %lld, %lld)", m->agg->name, (long long)m->lhist_min,
			(long long)m->lhist_max, (long long)m->lhist_step);
}
