/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Creating, reading and printing the session's maps. */
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "abi/abi.h"
#include "lang/builtin.h"
#include "lang/format.h"
#include "output/output.h"
#include "runtime/stacks.h"

/* The kernel's name of a map: its name without the @, cut to 15. */
static void kernel_name(const struct map_info *m, char name[16])
{
	snprintf(name, 16, "%s", m->name[1] ? m->name + 1 : "anon");
}

static int create_failed(const struct map_info *m)
{
	return diag_errno(-errno, &m->loc, errno == EPERM ? "run btctrace as root" : NULL,
			  "cannot create map %s: %s", m->name, strerror(errno));
}

/* A keyless aggregation (abi/abi.h): its entries exist from the start. */
static int create_array(const struct map_info *m)
{
	char name[16];
	kernel_name(m, name);
	int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, name, map_kernel_key_size(m),
				map_value_size(m), (uint32_t)map_array_entries(m), NULL);
	return fd < 0 ? create_failed(m) : fd;
}

static int create_one(const struct map_info *m, uint32_t max_entries)
{
	if (map_is_array(m))
		return create_array(m);
	enum bpf_map_type type = m->agg ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	/* A histogram needs one entry per (key, bucket).  A map without keys
	 * gets just the entries it can have: the kernel sizes a hash map's
	 * bucket table by max_entries, and creating 32768 buckets for a
	 * plain @h = hist(x) was most of a block's cost at start. */
	if (map_kernel_key_size(m) > MAP_KEY_MAX)
		return diag_error(&m->loc, "key it by something shorter: a payload's first "
				  "bytes with buf(argN, 64), a smaller N in str(x, N), or a lower "
				  "BPFTRACE_STRLEN",
				  "the key of %s takes %d bytes; the kernel takes at most %d "
				  "in a map key", m->name, map_kernel_key_size(m), MAP_KEY_MAX);
	uint32_t n = map_is_hist(m) ? max_entries * 8 : max_entries;
	if (m->nkeys == 0)	/* a plain value, or an lhist() too big for an array */
		n = !map_is_hist(m) ? 1
			: (uint32_t)lhist_slots(m->lhist_min, m->lhist_max, m->lhist_step);
	char name[16];
	kernel_name(m, name);
	/* Not preallocated: a preallocated per-CPU hash of 8 x --map-size
	 * entries takes 25-50 ms to create; entries are inserted once each,
	 * then updated in place, so allocating on insert costs little. */
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(type, name, map_kernel_key_size(m), map_value_size(m), n, &opts);
	return fd < 0 ? create_failed(m) : fd;
}

int maps_create(struct map_set *ms, const struct symtab *syms, uint32_t max_entries,
		uint32_t ringbuf_size)
{
	memset(ms, 0, sizeof(*ms));
	ms->syms = syms;
	ms->max_entries = max_entries;
	ms->ncpu = libbpf_num_possible_cpus();
	ms->fds = calloc(MAX_MAPS, sizeof(int));
	if (!ms->fds || stacks_new(&ms->stacks, max_entries))
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	ms->nerr_slots = ERR_SLOTS;
	ms->errors_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "errors", 4, 8,
				       ms->nerr_slots, NULL);
	ms->events_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0,
				       ringbuf_size ? ringbuf_size : 16u << 20, NULL);
	ms->scratch_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "scratch", 4, SCRATCH_SIZE,
					1, NULL);
	if (ms->errors_fd < 0 || ms->events_fd < 0 || ms->scratch_fd < 0)
	{
		int err = errno;
		if (err == EPERM)
			return diag_errno(-EPERM, NULL, "run it as root, e.g. with sudo", "btctrace "
					  "needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs");
		return diag_errno(-err, NULL, NULL, "cannot create maps: %s", strerror(err));
	}
	return maps_sync(ms);
}

/* The map one past the limit, to name where the program has too many. */
static const struct map_info *first_over_limit(const struct symtab *syms)
{
	const struct map_info *first = NULL;
	for (const struct map_info *m = syms->maps; m; m = m->next)
		if (m->id >= MAX_MAPS && (!first || m->id < first->id))
			first = m;
	return first;
}

int maps_sync(struct map_set *ms)
{
	/* Checked before fds[] (MAX_MAPS long) is indexed by any id. */
	const struct map_info *over = first_over_limit(ms->syms);
	if (over)
		return diag_error(&over->loc, "keep related values in one map with a key, "
				  "e.g. @v[\"name\"]", "too many maps: %s is map %d, and a "
				  "session holds at most %d", over->name, over->id + 1, MAX_MAPS);
	for (const struct map_info *m = ms->syms->maps; m; m = m->next) {
		if (ms->fds[m->id] > 0)
			continue;
		int fd = create_one(m, ms->max_entries);
		if (fd < 0)
			return fd;
		ms->fds[m->id] = fd;
	}
	return 0;
}

void maps_destroy(struct map_set *ms)
{
	if (ms->fds && ms->syms)
		for (int i = 0; i < MAX_MAPS; i++)
			if (ms->fds[i] > 0)
				close(ms->fds[i]);
	if (ms->errors_fd >= 0)
		close(ms->errors_fd);
	if (ms->events_fd >= 0)
		close(ms->events_fd);
	if (ms->scratch_fd >= 0)
		close(ms->scratch_fd);
	free(ms->fds);
	ms->fds = NULL;
	stacks_free(ms->stacks);
	ms->stacks = NULL;
}

uint64_t maps_error_count(struct map_set *ms, int slot)
{
	uint64_t vals[ms->ncpu], total = 0;
	uint32_t key = slot;
	if (bpf_map_lookup_elem(ms->errors_fd, &key, vals))
		return 0;
	for (int i = 0; i < ms->ncpu; i++)
		total += vals[i];
	return total;
}

/* ---- reading one map into printable entries ---- */

struct entries {
	struct out_entry *v;
	int n, cap;
	char *keys;		/* user-key bytes of each entry, n * ksize */
	int ksize;
	int *slots;		/* hash index of keys: entry + 1, 0 = free */
	size_t nslots;		/* a power of two, at least twice n */
};

static size_t key_hash(const unsigned char *p, int len)
{
	size_t h = 1469598103934665603ull;	/* FNV-1a */
	for (int i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int *find_slot(struct entries *es, const void *ukey)
{
	size_t mask = es->nslots - 1;
	for (size_t i = key_hash(ukey, es->ksize) & mask;; i = (i + 1) & mask) {
		int e = es->slots[i];
		if (!e || !memcmp(es->keys + (size_t)(e - 1) * es->ksize, ukey, es->ksize))
			return &es->slots[i];
	}
}

/* Keeps the index at most half full, so lookups stay O(1): a histogram
 * with many keys has one kernel entry per (key, bucket) to group. */
static void grow_index(struct entries *es)
{
	free(es->slots);
	es->nslots = es->nslots ? es->nslots * 2 : 128;
	es->slots = calloc(es->nslots, sizeof(int));
	for (int i = 0; i < es->n; i++)
		*find_slot(es, es->keys + (size_t)i * es->ksize) = i + 1;
}

static struct out_entry *entry_for(struct entries *es, const void *ukey)
{
	if ((size_t)es->n * 2 >= es->nslots)
		grow_index(es);
	int *slot = find_slot(es, ukey);
	if (*slot)
		return &es->v[*slot - 1];
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 64;
		es->v = realloc(es->v, es->cap * sizeof(*es->v));
		es->keys = realloc(es->keys, (size_t)es->cap * es->ksize);
	}
	memcpy(es->keys + (size_t)es->n * es->ksize, ukey, es->ksize);
	memset(&es->v[es->n], 0, sizeof(es->v[0]));
	*slot = ++es->n;
	return &es->v[es->n - 1];
}

/* A stack is indented by 4 spaces in a map key, by 8 as a map's value, as
 * bpftrace prints them. */
char *value_text(struct stacks *st, const struct type *t, const void *value, int indent)
{
	const char *p = value;
	if (t->kind == T_USTACK || t->kind == T_USYM) {
		char *text = stacks_text(st, t, p, indent);
		return text ? text : strdup("");
	}
	if (t->kind == T_USER) {
		char name[256];
		uint64_t uid;
		memcpy(&uid, p, 8);
		return strdup(user_name(uid, name, sizeof(name)));
	}
	if (t->kind == T_DEC) {
		char text[48];
		int64_t v;
		memcpy(&v, p, 8);
		return strdup(format_decimal(v, t, text, sizeof(text)));
	}
	if (t->kind == T_BYTES)
		return bytes_hex(p);
	if (t->kind == T_BUF)
		return buf_escaped(p, t->size);
	return t->kind == T_HASH ? hash_hex(p) : strndup(p, t->size);
}

static char *element_text(void *ms, const struct type *t, const void *p)
{
	return value_text(((struct map_set *)ms)->stacks, t, p, 8);
}

static void decode_key(struct map_set *ms, const struct map_info *m, const char *raw,
		       struct out_entry *e)
{
	if (m->nkeys <= 0)
		return;
	e->key = calloc(m->nkeys, sizeof(*e->key));
	for (int i = 0; i < m->nkeys; i++) {
		const char *p = raw + map_key_offset(m, i);
		struct out_field *f = &e->key[i];
		if (m->keys[i].kind != T_INT) {
			f->kind = OUT_STR;
			f->s = value_text(ms->stacks, &m->keys[i], p, 4);
		} else {
			f->kind = m->keys[i].is_signed ? OUT_INT : OUT_UINT;
			memcpy(&f->i, p, 8);
		}
	}
}

static int nslots(const struct map_info *m)
{
	if (m->agg->agg_kind == AGG_HIST)
		return HIST_SLOTS;
	return lhist_slots(m->lhist_min, m->lhist_max, m->lhist_step);
}

/* One bucket of a key, every CPU's: its count, and its values' total
 * into the key's (value: the exact sum of everything in the histogram). */
static void add_hist(struct map_set *ms, const struct map_info *m, struct entries *es,
		     const char *key, const void *vals)
{
	struct out_entry *e = entry_for(es, key);
	if (!e->buckets)
		e->buckets = calloc(nslots(m), sizeof(uint64_t));
	uint64_t slot;
	memcpy(&slot, key + es->ksize, 8);
	if ((int)slot >= nslots(m))
		return;
	size_t stride = maps_cpu_stride(m);	/* an array's value has a flag */
	for (int c = 0; c < ms->ncpu; c++) {
		struct agg_avg v;
		memcpy(&v, (const char *)vals + (size_t)c * stride, sizeof(v));
		e->buckets[slot] += v.count;
		e->count += v.count;
		e->value += (__int128)(((unsigned __int128)v.hi << 64) | v.lo);
	}
}

static void add_value(struct map_set *ms, const struct map_info *m, struct entries *es,
		      const char *key, const void *vals)
{
	struct out_entry *e = entry_for(es, key);
	if (m->agg) {
		m->agg->fold(m, vals, ms->ncpu, maps_cpu_stride(m), e);
	} else if (m->value.kind == T_TUPLE) {
		const struct out_value_text vt = { element_text, ms };
		char *text, *json;
		out_tuple_strings(&m->value, vals, &vt, &text, &json);
		e->str = text;
		e->json = json;
	} else if (!type_is_word(&m->value)) {
		e->str = value_text(ms->stacks, &m->value, vals, 8);
	} else {
		int64_t v;
		memcpy(&v, vals, 8);
		e->value = type_word_signed(&m->value) ? (__int128)v : (__int128)(uint64_t)v;
	}
}

struct array_read { struct map_set *ms; const struct map_info *m; struct entries *es; };

/* An array entry as the hash entry it replaces: the zero user key, and
 * a histogram's slot after it. */
static void add_array_entry(void *ctx, uint32_t index, const void *vals)
{
	struct array_read *r = ctx;
	char key[16] = { 0 };
	uint64_t slot = index;
	memcpy(key + r->es->ksize, &slot, 8);
	if (map_is_hist(r->m))
		add_hist(r->ms, r->m, r->es, key, vals);
	else
		add_value(r->ms, r->m, r->es, key, vals);
}

static int read_entries(struct map_set *ms, const struct map_info *m, struct entries *es)
{
	if (map_is_array(m)) {
		struct array_read r = { ms, m, es };
		es->ksize = map_user_key_size(m);
		return maps_array_each(ms, m, add_array_entry, &r) < 0 ? -ENOMEM : 0;
	}
	int fd = ms->fds[m->id], kk = map_kernel_key_size(m);
	size_t vbytes = m->agg ? (size_t)ms->ncpu * maps_cpu_stride(m)
			       : (size_t)map_value_size(m);
	char key[kk], next[kk];
	char *vals = malloc(vbytes);
	es->ksize = map_user_key_size(m);
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, kk);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, vals))
			continue;	/* deleted meanwhile */
		if (map_is_hist(m))
			add_hist(ms, m, es, key, vals);
		else
			add_value(ms, m, es, key, vals);
	}
	free(vals);
	for (int i = 0; i < es->n; i++)
		decode_key(ms, m, es->keys + (size_t)i * es->ksize, &es->v[i]);
	return 0;
}

/* All kernel keys first, then the changes: deleting while walking with
 * get_next_key would restart the walk. */
char *maps_all_keys(int fd, int kk, size_t *n)
{
	size_t cap = 64;
	char *keys = malloc(cap * kk), *prev = NULL;
	*n = 0;
	while (bpf_map_get_next_key(fd, prev, keys + *n * kk) == 0) {
		prev = keys + *n * kk;
		if (++*n == cap) {
			keys = realloc(keys, (cap *= 2) * kk);
			prev = keys + (*n - 1) * kk;
		}
	}
	return keys;
}

void maps_clear(struct map_set *ms, const struct map_info *m, const char *key)
{
	if (map_is_array(m)) {
		maps_array_clear(ms, m);	/* keyless: any key is its only one */
		return;
	}
	int fd = ms->fds[m->id], kk = map_kernel_key_size(m), uk = map_user_key_size(m);
	size_t n;
	char *keys = maps_all_keys(fd, kk, &n);
	for (size_t i = 0; i < n; i++)
		if (!key || !memcmp(keys + i * kk, key, uk))
			bpf_map_delete_elem(fd, keys + i * kk);
	free(keys);
}

void maps_zero(struct map_set *ms, const struct map_info *m)
{
	if (map_is_array(m)) {
		maps_array_zero(ms, m);
		return;
	}
	int fd = ms->fds[m->id], kk = map_kernel_key_size(m);
	size_t vbytes = m->agg ? (size_t)ms->ncpu * maps_cpu_stride(m)
			       : (size_t)map_value_size(m);
	char *zero = calloc(1, vbytes);
	size_t n;
	char *keys = maps_all_keys(fd, kk, &n);
	for (size_t i = 0; i < n; i++)
		bpf_map_update_elem(fd, keys + i * kk, zero, BPF_EXIST);
	free(keys);
	free(zero);
}

static void free_entries(const struct map_info *m, struct out_entry *v, int n)
{
	for (int i = 0; i < n; i++) {
		struct out_entry *e = &v[i];
		for (int k = 0; e->key && k < m->nkeys; k++)
			if (e->key[k].kind == OUT_STR)
				free((char *)e->key[k].s);
		free(e->key);
		free(e->buckets);
		free((char *)e->str);
		free((char *)e->json);
	}
	free(v);
}

static void warn_overflow(const struct out_map *om)
{
	for (int i = 0; i < om->nentries; i++)
		if (out_value_overflows(om, om->entries[i].value)) {
			diag_warn(NULL, NULL, "%s: a total is beyond the 64-bit range (bpftrace "
				  "would wrap it); btctrace prints it exactly", om->name);
			return;
		}
}

int maps_read(struct map_set *ms, const struct map_info *m, struct out_map *om)
{
	struct entries es = { 0 };
	read_entries(ms, m, &es);
	free(es.keys);
	free(es.slots);
	/* A keyless count() nothing fired for reads as 0, as bpftrace 0.17
	 * prints it: "@misbehaving: 0" says no event came, an empty line
	 * does not.  Its other kinds stay empty there too. */
	if (!es.n && m->agg && m->agg->agg_kind == AGG_COUNT && m->nkeys <= 0 &&
	    (es.v = calloc(1, sizeof(*es.v))))
		es.n = 1;
	*om = (struct out_map){
		.name = m->name,
		.kind = m->agg ? m->agg->agg_kind : (type_is_word(&m->value) ? AGG_INT : AGG_STR),
		.value_unsigned = m->agg ? m->value_unsigned : !type_word_signed(&m->value),
		.nkey = m->nkeys > 0 ? m->nkeys : 0,
		.lmin = m->lhist_min, .lmax = m->lhist_max, .lstep = m->lhist_step,
		.nentries = es.n, .entries = es.v,
	};
	return 0;
}

void maps_free_read(const struct map_info *m, struct out_map *om)
{
	free_entries(m, om->entries, om->nentries);
	om->entries = NULL;
	om->nentries = 0;
}

int maps_print_map(struct map_set *ms, const struct map_info *m, struct output *out,
		   int top, int div)
{
	struct out_map om;
	maps_read(ms, m, &om);
	if (ms->describe)
		ms->describe(ms->describe_ctx, m, &om);
	if (om.kind == AGG_SUM || om.kind == AGG_AVG || om.kind == AGG_STATS)
		warn_overflow(&om);
	output_map(out, &om, top, div);
	maps_free_read(m, &om);
	return 0;
}

int maps_print_one(struct map_set *ms, const struct map_info *m, FILE *f,
		   enum out_format fmt, int top, int div)
{
	struct output *out = output_new(fmt, f);
	if (!out)
		return -ENOMEM;
	int rc = maps_print_map(ms, m, out, top, div);
	output_free(out);
	return rc;
}

int maps_print_all(struct map_set *ms, struct output *out)
{
	for (const struct map_info *m = ms->syms->maps; m; m = m->next)
		maps_print_map(ms, m, out, 0, 0);
	output_flush(out);
	return 0;
}

bool maps_report_losses(struct map_set *ms, struct output *out)
{
	bool lost = false;
	for (const struct map_info *m = ms->syms->maps; m; m = m->next) {
		uint64_t n = maps_error_count(ms, ERR_SLOT_MAP_FULL(m->id));
		if (!n)
			continue;
		lost = true;
		/* A histogram's kernel map holds (key, bucket) pairs, 8 per
		 * --map-size entry (create_one): more keys than --map-size may
		 * print, so the warning says what the limit really is. */
		if (map_is_hist(m))
			diag_warn(NULL, "raise the limit with --map-size N", "map %s is full (a "
				  "histogram: %u key-bucket pairs, 8 per --map-size entry): %llu "
				  "updates were dropped", m->name, ms->max_entries * 8,
				  (unsigned long long)n);
		else
			diag_warn(NULL, "raise the limit with --map-size N", "map %s is full (%u "
				  "entries): %llu updates were dropped", m->name,
				  ms->max_entries, (unsigned long long)n);
	}
	uint64_t st = maps_error_count(ms, ERR_SLOT_STACK_LOST);
	if (st) {
		lost = true;
		diag_warn(NULL, "raise the limit with --map-size N", "%llu user stack%s could not "
			  "be taken (a stack map full or two stacks in one of its buckets): they "
			  "print as no frames", (unsigned long long)st, st == 1 ? "" : "s");
	}
	uint64_t lp = maps_error_count(ms, ERR_SLOT_LOOP_TOO_LONG);
	if (lp) {
		lost = true;
		diag_warn(NULL, "split the range into shorter ones", "%llu for loop%s did not run: "
			  "a range runs at most %d times", (unsigned long long)lp,
			  lp == 1 ? "" : "s", LIMIT_LOOP_ITERATIONS);
	}
	uint64_t wl = maps_error_count(ms, ERR_SLOT_WHILE_STOPPED);
	if (wl) {
		lost = true;
		diag_warn(NULL, "end the loop sooner: bound its condition, e.g. while ($i < N)",
			  "%llu while loop%s stopped after %d rounds: a loop runs at most %d times",
			  (unsigned long long)wl, wl == 1 ? " was" : "s were",
			  LIMIT_LOOP_ITERATIONS, LIMIT_LOOP_ITERATIONS);
	}
	uint64_t ev = maps_error_count(ms, ERR_SLOT_LOST_EVENTS);
	if (ev) {
		lost = true;
		output_lost(out, ev);
		diag_warn(NULL, NULL, "%llu events were lost in total (the ring buffer was full)",
			  (unsigned long long)ev);
	}
	return lost;
}

void maps_forget_from(struct map_set *ms, int first_id)
{
	for (int id = first_id; ms->fds && id < MAX_MAPS; id++)
		if (ms->fds[id] > 0) {
			close(ms->fds[id]);
			ms->fds[id] = 0;
		}
}
