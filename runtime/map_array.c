/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keyless aggregations kept in per-CPU arrays (abi/abi.h says why), as
 * user space reads and changes them: an entry is there when some CPU's
 * written flag is set, so that an entry never written reads as the
 * missing hash entry it replaces. */
#include "maps.h"

#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"

static size_t stride(const struct map_info *m)
{
	return (size_t)(map_value_size(m) + 7) / 8 * 8;
}

static bool written(const struct map_set *ms, const struct map_info *m, const char *vals)
{
	for (int c = 0; c < ms->ncpu; c++) {
		uint64_t flag;
		memcpy(&flag, vals + c * stride(m) + map_written_offset(m), 8);
		if (flag)
			return true;
	}
	return false;
}

int maps_array_each(struct map_set *ms, const struct map_info *m,
		    void (*visit)(void *ctx, uint32_t index, const void *vals), void *ctx)
{
	char *vals = malloc((size_t)ms->ncpu * stride(m));
	int n = 0;
	if (!vals)
		return -1;
	for (uint32_t i = 0; i < (uint32_t)map_array_entries(m); i++) {
		if (bpf_map_lookup_elem(ms->fds[m->id], &i, vals) || !written(ms, m, vals))
			continue;
		n++;
		if (visit)
			visit(ctx, i, vals);
	}
	free(vals);
	return n;
}

/* Every CPU's value set to fill (stride(m) bytes), at each index that
 * was written, or at all when all. */
static void write_each(struct map_set *ms, const struct map_info *m, const char *fill, bool all)
{
	size_t bytes = (size_t)ms->ncpu * stride(m);
	char *vals = malloc(bytes), *set = malloc(bytes);
	if (!vals || !set)
		goto out;
	for (int c = 0; c < ms->ncpu; c++)
		memcpy(set + c * stride(m), fill, stride(m));
	for (uint32_t i = 0; i < (uint32_t)map_array_entries(m); i++) {
		if (!all && (bpf_map_lookup_elem(ms->fds[m->id], &i, vals) ||
			     !written(ms, m, vals)))
			continue;
		bpf_map_update_elem(ms->fds[m->id], &i, set, BPF_ANY);
	}
out:
	free(vals);
	free(set);
}

/* An array entry cannot be deleted: zeros, written flag included. */
void maps_array_clear(struct map_set *ms, const struct map_info *m)
{
	char *zero = calloc(1, stride(m));
	if (zero)
		write_each(ms, m, zero, true);
	free(zero);
}

/* zero(@m) keeps the entries a hash map would keep: those written. */
void maps_array_zero(struct map_set *ms, const struct map_info *m)
{
	char *zero = calloc(1, stride(m));
	if (!zero)
		return;
	uint64_t one = 1;
	memcpy(zero + map_written_offset(m), &one, 8);
	write_each(ms, m, zero, false);
	free(zero);
}
