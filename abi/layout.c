/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Map key and value layouts: the one place they are computed. */
#include "abi/abi.h"

#include "lang/builtin.h"
#include "lang/sema.h"

static int field_size(const struct type *t)
{
	return t->kind == T_INT ? 8 : (t->size + 7) / 8 * 8;
}

int map_key_offset(const struct map_info *m, int field)
{
	int off = 0;
	for (int i = 0; i < field; i++)
		off += field_size(&m->keys[i]);
	return off;
}

int map_user_key_size(const struct map_info *m)
{
	int size = map_key_offset(m, m->nkeys > 0 ? m->nkeys : 0);
	return size ? size : 8;
}

bool map_is_hist(const struct map_info *m)
{
	enum agg_kind k = map_agg_kind(m);
	return k == AGG_HIST || k == AGG_LHIST;
}

int map_kernel_key_size(const struct map_info *m)
{
	if (map_is_array(m))
		return 4;
	return map_user_key_size(m) + (map_is_hist(m) ? 8 : 0);
}

int map_value_size(const struct map_info *m)
{
	if (m->agg)
		return (int)m->agg->value_size + (map_is_array(m) ? 8 : 0);
	return type_is_word(&m->value) ? 8 : m->value.size;
}

enum agg_kind map_agg_kind(const struct map_info *m)
{
	if (m->agg)
		return (enum agg_kind)m->agg->agg_kind;
	return type_is_word(&m->value) ? AGG_INT : AGG_STR;
}

static int hist_entries(const struct map_info *m)
{
	if (map_agg_kind(m) == AGG_HIST)
		return HIST_SLOTS;
	return lhist_slots(m->lhist_min, m->lhist_max, m->lhist_step);
}

bool map_is_array(const struct map_info *m)
{
	if (!m->agg || m->nkeys != 0)
		return false;
	return map_agg_kind(m) != AGG_LHIST || hist_entries(m) <= ARRAY_LHIST_MAX_SLOTS;
}

int map_array_entries(const struct map_info *m)
{
	return map_is_hist(m) ? hist_entries(m) : 1;
}

int map_written_offset(const struct map_info *m)
{
	return (int)m->agg->value_size;
}
