/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading one map of a live session key by key (the REPL): how many
 * entries, whether a key is there, one key's entries printed.  Also the
 * run counts of programs (the REPL's .probes). */
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/abi.h"

/* A map as the kernel holds it: sizes come from the map itself. */
struct kmap {
	int fd;
	struct bpf_map_info info;
	int ukey;		/* user-key bytes (abi: map_user_key_size) */
	size_t vbytes;		/* a lookup's value buffer */
	bool hist;		/* kernel keys are (user key, bucket) */
};

static bool have_kernel_map(const struct map_set *ms, const struct map_info *m)
{
	return ms->fds && m->id >= 0 && m->id < MAX_MAPS && ms->fds[m->id] > 0;
}

static int kmap_open(const struct map_set *ms, const struct map_info *m, struct kmap *k)
{
	memset(k, 0, sizeof(*k));
	if (!have_kernel_map(ms, m))
		return diag_error(NULL, NULL, "map %s has no kernel map yet", m->name);
	k->fd = ms->fds[m->id];
	uint32_t len = sizeof(k->info);
	if (bpf_obj_get_info_by_fd(k->fd, &k->info, &len))
		return diag_error(NULL, NULL, "cannot read map %s: %s", m->name, strerror(errno));
	k->hist = map_is_hist(m);
	k->ukey = map_user_key_size(m);
	if ((uint32_t)map_kernel_key_size(m) != k->info.key_size)
		return diag_error(NULL, "this is a btctrace bug", "internal error: map %s has "
				  "%u-byte keys, expected %d", m->name, k->info.key_size,
				  map_kernel_key_size(m));
	bool percpu = k->info.type == BPF_MAP_TYPE_PERCPU_HASH ||
		      k->info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      k->info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int ncpu = libbpf_num_possible_cpus();
	k->vbytes = percpu ? (size_t)ncpu * ((k->info.value_size + 7) / 8 * 8)
			   : k->info.value_size;
	return 0;
}

/* Every kernel key (a copy: entries may come and go meanwhile). */
static char *kmap_keys(const struct kmap *k, size_t *n)
{
	return maps_all_keys(k->fd, (int)k->info.key_size, n);
}

static int cmp_prefix(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(const int *)len);
}

int maps_check(struct map_set *ms, const struct map_info *m)
{
	struct kmap k;
	return kmap_open(ms, m, &k);
}

int maps_count(struct map_set *ms, const struct map_info *m, size_t *count)
{
	struct kmap k;
	*count = 0;
	if (!have_kernel_map(ms, m))
		return 0;
	int rc = kmap_open(ms, m, &k);
	if (rc)
		return rc;
	if (map_is_array(m)) {	/* keyless: its one key, if written */
		int n = maps_array_each(ms, m, NULL, NULL);
		*count = n > 0;
		return n < 0 ? -ENOMEM : 0;
	}
	size_t n, ks = k.info.key_size;
	char *keys = kmap_keys(&k, &n);
	/* A histogram has one kernel entry per bucket: count its user keys. */
	if (k.hist)
		qsort_r(keys, n, ks, cmp_prefix, &k.ukey);
	for (size_t i = 0; i < n; i++)
		*count += !k.hist || i == 0 || memcmp(keys + i * ks, keys + (i - 1) * ks, k.ukey);
	free(keys);
	return 0;
}

int maps_has_key(struct map_set *ms, const struct map_info *m, const char *ukey)
{
	struct kmap k;
	int rc = kmap_open(ms, m, &k);
	if (rc)
		return rc;
	if (map_is_array(m)) {	/* keyless: ukey is its one key */
		int n = maps_array_each(ms, m, NULL, NULL);
		return n < 0 ? -ENOMEM : n > 0;
	}
	if (!k.hist) {
		void *val = malloc(k.vbytes);
		bool found = bpf_map_lookup_elem(k.fd, ukey, val) == 0;
		free(val);
		return found;
	}
	size_t n, ks = k.info.key_size;
	char *keys = kmap_keys(&k, &n);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = !memcmp(keys + i * ks, ukey, k.ukey);
	free(keys);
	return found;
}

/* Copies the entries of user key ukey into map tmp; returns how many. */
static size_t copy_key(const struct kmap *k, const char *ukey, int tmp, const char *keys,
		       size_t n)
{
	size_t found = 0, ks = k->info.key_size;
	void *val = malloc(k->vbytes);
	for (size_t i = 0; i < n; i++) {
		const char *key = keys + i * ks;
		if (memcmp(key, ukey, k->ukey) || bpf_map_lookup_elem(k->fd, key, val))
			continue;
		if (bpf_map_update_elem(tmp, key, val, BPF_ANY) == 0)
			found++;
	}
	free(val);
	return found;
}

int maps_print_key(struct map_set *ms, const struct map_info *m, const char *ukey, FILE *f,
		   enum out_format fmt, int top, int div)
{
	struct kmap k;
	int rc = kmap_open(ms, m, &k);
	if (rc)
		return rc;
	/* A keyless map's one key is the whole map. */
	if (map_is_array(m)) {
		if (maps_has_key(ms, m, ukey) <= 0)
			return -ENOENT;
		return maps_print_one(ms, m, f, fmt, top, div);
	}
	size_t n = 0, ks = k.info.key_size;
	char *keys;
	if (k.hist) {
		keys = kmap_keys(&k, &n);	/* the key's buckets are among them */
	} else {
		keys = calloc(1, ks);
		memcpy(keys, ukey, k.ukey);
		n = 1;
	}
	int tmp = bpf_map_create(k.info.type, "repl_key", k.info.key_size, k.info.value_size,
				 n ? (uint32_t)n : 1, NULL);
	if (tmp < 0) {
		free(keys);
		return diag_error(NULL, NULL, "cannot read %s: %s", m->name, strerror(errno));
	}
	size_t found = copy_key(&k, ukey, tmp, keys, n);
	free(keys);
	if (found) {
		/* The session's maps, with this one's fd replaced by tmp's. */
		struct map_set one = *ms;
		one.fds = malloc(MAX_MAPS * sizeof(int));
		memcpy(one.fds, ms->fds, MAX_MAPS * sizeof(int));
		one.fds[m->id] = tmp;
		maps_print_one(&one, m, f, fmt, top, div);
		free(one.fds);
	}
	close(tmp);
	return found ? 0 : -ENOENT;
}
