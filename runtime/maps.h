/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Kernel maps of a session: created from the symbol table before
 * codegen, read back, folded over CPUs and printed at exit. */
#ifndef BTCTRACE_MAPS_H
#define BTCTRACE_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/sema.h"
#include "output/output.h"

struct map_set {
	const struct symtab *syms;
	int *fds;		/* by map id */
	int errors_fd;
	int events_fd;
	int scratch_fd;		/* programs' strings and buffers (abi.h) */
	int nerr_slots;
	uint32_t max_entries;
	int ncpu;
	/* Adds what metric sinks read about a map to what was read of it
	 * (label names, help, unit: runtime/metrics.c); NULL: nothing. */
	void (*describe)(const void *ctx, const struct map_info *m, struct out_map *om);
	const void *describe_ctx;
	struct stacks *stacks;	/* user stacks and their symbols (ustack, usym) */
};

int maps_create(struct map_set *ms, const struct symtab *syms, uint32_t max_entries,
		uint32_t ringbuf_size);
void maps_destroy(struct map_set *ms);

/* Creates the kernel maps of symbols added since the last call. */
int maps_sync(struct map_set *ms);

/* Closes the kernel maps of ids first_id and up (an entry undone). */
void maps_forget_from(struct map_set *ms, int first_id);

/* Prints one map in the exit layout (top/div as print(@m, top, div)). */
struct stacks;
/* A value of a type that is neither an integer nor a tuple as it prints
 * (a string, a hash in RPC's order, a user's name, a stack indented by
 * indent spaces, ...), malloc'd. */
char *value_text(struct stacks *st, const struct type *t, const void *value, int indent);

int maps_print_one(struct map_set *ms, const struct map_info *m, FILE *f,
		   enum out_format fmt, int top, int div);

/* The same to out; maps_print_one() makes an output for the call (for
 * cli/repl.c, which prints to streams of its own). */
int maps_print_map(struct map_set *ms, const struct map_info *m, struct output *out,
		   int top, int div);

/* One map read and folded into the model sinks print, without warnings
 * (the metrics server's thread calls it); maps_free_read() frees what it
 * read.  0 or -errno. */
int maps_read(struct map_set *ms, const struct map_info *m, struct out_map *om);
void maps_free_read(const struct map_info *m, struct out_map *om);

/* Prints every map in name order. */
int maps_print_all(struct map_set *ms, struct output *out);

/* clear(@m): deletes every entry, or with `key` (user-key bytes) only
 * that key's (a histogram's every bucket of it). */
void maps_clear(struct map_set *ms, const struct map_info *m, const char *key);

/* zero(@m): keeps the keys, sets every value to zero. */
void maps_zero(struct map_set *ms, const struct map_info *m);

/* Every key of a kernel map (kk bytes each), copied first: entries may
 * come and go while the caller works on them. */
char *maps_all_keys(int fd, int kk, size_t *n);

/* ---- keyless aggregations in per-CPU arrays; runtime/map_array.c ---- */

/* Bytes of one CPU's value as the kernel lays out a per-CPU map's
 * values: the value size rounded up to 8. */
size_t maps_cpu_stride(const struct map_info *m);

/* visit(index, every CPU's value) for each entry of array map m that was
 * written (visit may be NULL); returns how many, or -1 out of memory. */
int maps_array_each(struct map_set *ms, const struct map_info *m,
		    void (*visit)(void *ctx, uint32_t index, const void *vals), void *ctx);
/* clear(@m) and zero(@m) of an array map. */
void maps_array_clear(struct map_set *ms, const struct map_info *m);
void maps_array_zero(struct map_set *ms, const struct map_info *m);

/* Sum over CPUs of an error counter slot. */
uint64_t maps_error_count(struct map_set *ms, int slot);

/* Reports maps that overflowed and events lost: warnings (diag) and the
 * total of lost events to out.  Returns true when anything was lost. */
bool maps_report_losses(struct map_set *ms, struct output *out);

/* ---- one map of a live session, read key by key (the REPL);
 * runtime/map_query.c ---- */

/* 0 when m has its kernel map, with the key size abi gives it; else
 * -errno after a message. */
int maps_check(struct map_set *ms, const struct map_info *m);

/* Entries as maps_print_one() prints them (a histogram's key is one entry,
 * whatever its buckets) into *count; 0 for a map without a kernel map yet.
 * 0 or -errno after a message. */
int maps_count(struct map_set *ms, const struct map_info *m, size_t *count);

/* Whether the map holds the user key ukey (map_user_key_size() bytes; a
 * histogram: any bucket of it): 1, 0, or -errno after a message. */
int maps_has_key(struct map_set *ms, const struct map_info *m, const char *ukey);

/* Prints the entries of user key ukey as print(@m[key], top, div) would:
 * they are copied into a temporary kernel map of the same shape, printed
 * in the map's stead.  0, -ENOENT when there is no such key, or -errno
 * after a message. */
int maps_print_key(struct map_set *ms, const struct map_info *m, const char *ukey, FILE *f,
		   enum out_format fmt, int top, int div);


#endif
