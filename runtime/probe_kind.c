/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The probe kinds by attach-point kind: the one place that maps a kind of
 * the language to what runs it. */
#include "runtime/probe_kind.h"

#include <stdlib.h>

const struct probe_kind *probe_kind_of(enum attach_kind kind)
{
	switch (kind) {
	case ATTACH_BEGIN:
		return &probe_kind_begin;
	case ATTACH_END:
		return &probe_kind_end;
	case ATTACH_INTERVAL:
		return &probe_kind_interval;
	case ATTACH_USDT:
		break;
	}
	return &probe_kind_usdt;
}

void probe_variants_free(struct probe_variant *v, int n)
{
	if (n < 0)
		return;
	for (int i = 0; i < n; i++)
		free(v[i].locs);
	free(v);
}
