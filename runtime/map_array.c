/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keyless aggregations kept in per-CPU arrays (abi/abi.h says why), as
 * user space reads and changes them: an entry is there when some CPU's
 * written flag is set, so that an entry never written reads as the
 * missing hash entry it replaces. */
#include "maps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"

size_t maps_cpu_stride(const struct map_info *m)
{
	return (size_t)(map_value_size(m) + 7) / 8 * 8;
}

static bool written(const struct map_set *ms, const struct map_info *m, const char *vals)
{
	for (int c = 0; c < ms->ncpu; c++) {
		uint64_t flag;
		memcpy(&flag, vals + c * maps_cpu_stride(m) + map_written_offset(m), 8);
		if (flag)
			return true;
	}
	return false;
}

/* Every entry's values (entries x ncpu x stride) in one system call: a
 * hist is 66 entries and an lhist up to 1,002, and reading them one by
 * one made printing 50 hists at exit take 6 ms.  Kernels before 5.6
 * have no batch reads of arrays: index by index there.  The number of
 * entries read, or -errno. */
static int read_all(struct map_set *ms, const struct map_info *m, char *vals)
{
	uint32_t n = (uint32_t)map_array_entries(m), count = n, next;
	uint32_t *keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	int rc = bpf_map_lookup_batch(ms->fds[m->id], NULL, &next, keys, vals, &count, NULL);
	free(keys);
	if (!rc || errno == ENOENT)
		return (int)count;
	for (uint32_t i = 0; i < n; i++) {
		char *v = vals + (size_t)i * ms->ncpu * maps_cpu_stride(m);
		if (bpf_map_lookup_elem(ms->fds[m->id], &i, v))
			return -errno;
	}
	return (int)n;
}

int maps_array_each(struct map_set *ms, const struct map_info *m,
		    void (*visit)(void *ctx, uint32_t index, const void *vals), void *ctx)
{
	size_t per_entry = (size_t)ms->ncpu * maps_cpu_stride(m);
	char *vals = malloc((size_t)map_array_entries(m) * per_entry);
	if (!vals)
		return -1;
	int got = read_all(ms, m, vals), n = 0;
	/* An array's batch read returns its entries in index order. */
	for (int i = 0; i < got; i++) {
		const char *v = vals + (size_t)i * per_entry;
		if (!written(ms, m, v))
			continue;
		n++;
		if (visit)
			visit(ctx, (uint32_t)i, v);
	}
	free(vals);
	return got < 0 ? -1 : n;
}

struct fill { struct map_set *ms; const struct map_info *m; const char *set; };

static void fill_entry(void *ctx, uint32_t index, const void *vals)
{
	(void)vals;
	struct fill *f = ctx;
	bpf_map_update_elem(f->ms->fds[f->m->id], &index, f->set, BPF_ANY);
}

/* Every CPU's value set to fill (one stride), at each index that
 * was written (found as maps_array_each() finds them), or at all when
 * all. */
static void write_each(struct map_set *ms, const struct map_info *m, const char *fill, bool all)
{
	char *set = malloc((size_t)ms->ncpu * maps_cpu_stride(m));
	if (!set)
		return;
	for (int c = 0; c < ms->ncpu; c++)
		memcpy(set + c * maps_cpu_stride(m), fill, maps_cpu_stride(m));
	struct fill f = { ms, m, set };
	if (!all)
		maps_array_each(ms, m, fill_entry, &f);
	for (uint32_t i = 0; all && i < (uint32_t)map_array_entries(m); i++)
		fill_entry(&f, i, NULL);
	free(set);
}

/* An array entry cannot be deleted: zeros, written flag included. */
void maps_array_clear(struct map_set *ms, const struct map_info *m)
{
	char *zero = calloc(1, maps_cpu_stride(m));
	if (zero)
		write_each(ms, m, zero, true);
	free(zero);
}

/* zero(@m) keeps the entries a hash map would keep: those written. */
void maps_array_zero(struct map_set *ms, const struct map_info *m)
{
	char *zero = calloc(1, maps_cpu_stride(m));
	if (!zero)
		return;
	uint64_t one = 1;
	memcpy(zero + map_written_offset(m), &one, 8);
	write_each(ms, m, zero, false);
	free(zero);
}
