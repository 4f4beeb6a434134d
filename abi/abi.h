/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The contract between the BPF programs btctrace generates and btctrace
 * itself: ring-buffer records, the error-counter slots, limits, and how a
 * map's keys and values are laid out in the kernel.  Code generation
 * writes these layouts and the runtime reads them; both take them from
 * here and nowhere else. */
#ifndef BTCTRACE_ABI_H
#define BTCTRACE_ABI_H

#include <stdbool.h>
#include <stdint.h>

struct map_info;

/* ---- limits ---- */

/* Counter slots of the errors map (a per-CPU array of u64): events lost,
 * then one "map full" counter per map id, then failed reads of user
 * memory per probe name, the while loops stopped at bpf_loop's limit, the
 * for loops not run as their range was too long, and last the user
 * stacks not taken (ustack).  Sized once, so maps can be added to a live
 * session (REPL) without recreating it. */
#define ERR_SLOT_LOST_EVENTS 0
#define ERR_SLOT_MAP_FULL(id) (1 + (id))
#define ERR_SLOTS 1024
#define MAX_MAPS 511
#define ERR_SLOT_READ(i) (1 + MAX_MAPS + (i))
#define MAX_READ_SLOTS (ERR_SLOTS - 4 - MAX_MAPS)
#define ERR_SLOT_WHILE_STOPPED (ERR_SLOTS - 3)	/* while loops at the limit (codegen/loops.c) */
#define ERR_SLOT_LOOP_TOO_LONG (ERR_SLOTS - 2)	/* for ranges not run (codegen/loops.c) */
#define ERR_SLOT_STACK_LOST (ERR_SLOTS - 1)

/* Scratch space: one per-CPU array entry that holds a program's strings,
 * buffers, big keys and values, which the kernel's 512-byte BPF stack
 * cannot.  32 KiB is the largest value a per-CPU array takes
 * (PCPU_MIN_UNIT_SIZE); every program shares it, so it costs 32 KiB per
 * CPU once.  Its first word is a busy flag (codegen/scratch.c says why). */
#define SCRATCH_SIZE (32 << 10)
#define SCRATCH_BUSY_BYTES 8

/* The largest ring-buffer record a program sends (a printf of long
 * strings and payloads): well inside the smallest ring buffer a script
 * that prints gets (--ringbuf-size 1). */
#define EVENT_RECORD_MAX (64 << 10)

/* The kernel's limit on a hash map's key (MAX_BPF_STACK in hashtab.c). */
#define MAP_KEY_MAX 512

/* ---- ring-buffer records (the first u64 of each is its type) ---- */

enum event_type {
	EVENT_EXIT = 1,		/* struct event_exit */
	EVENT_PRINTF,		/* u64 type, u64 format id, the arguments */
	EVENT_TIME,		/* u64 type, u64 format id */
	EVENT_MAP_OP,		/* struct event_map_op */
	EVENT_DELETE,		/* u64 type, u64 map id, the key (histograms) */
};

/* Or'd into the type of a record an END block sends: after exit() only
 * those are printed, while other probes may still be firing. */
#define EVENT_FROM_END (1ULL << 32)

enum map_op { MAP_OP_PRINT, MAP_OP_CLEAR, MAP_OP_ZERO };

struct event_map_op {
	uint64_t type;
	uint64_t op;
	uint64_t map_id;
	int64_t top, div;
};

struct event_exit {
	uint64_t type;
	int64_t code;
};

/* ---- aggregations ---- */

enum agg_kind {
	AGG_INT,	/* @m = expr (integer)  */
	AGG_STR,	/* @m = expr (string)   */
	AGG_COUNT,
	AGG_SUM,
	AGG_MIN,
	AGG_MAX,
	AGG_AVG,
	AGG_STATS,
	AGG_HIST,
	AGG_LHIST,
};

/* hist() slots: [0] negative values, [1] 0, [2] 1, then slot k+2 holds
 * [2^k, 2^(k+1)) for k = 1..63, so the whole 64-bit range has a slot. */
#define HIST_SLOTS 66

/* lhist(v, min, max, step): slot 0 is v < min, slot 1 + (v - min) / step
 * for min <= v < max, and the last slot v >= max. */
static inline int lhist_slots(int64_t min, int64_t max, int64_t step)
{
	return (int)((max - min) / step) + 2;
}

/* ---- per-CPU values of the aggregations, as the kernel map holds them ----
 * Generated code updates them in place; the folds of builtins/fold.c
 * read one per CPU. */

/* count(), and each bucket of hist()/lhist(). */
struct agg_count {
	uint64_t n;
};

/* sum(): a 128-bit running total, so sums of satoshi values never wrap. */
struct agg_sum {
	uint64_t lo, hi;
};

/* min()/max(): `set` tells a stored 0 from no value yet. */
struct agg_minmax {
	uint64_t v, set;
};

/* avg()/stats(): the number of samples, then their 128-bit total. */
struct agg_avg {
	uint64_t count, lo, hi;
};

/* ---- map layout ----
 * A key is its fields one after the other, each padded to 8 bytes
 * (integers are stored in 64 bits).  A map without keys has one 8-byte
 * zero key.  A histogram's kernel key is the user key followed by a u64
 * bucket slot, so each (key, bucket) is an entry of its own. */

/* Offset of key field `field` in the user key. */
int map_key_offset(const struct map_info *m, int field);

/* Bytes of the user key: the fields, or 8 for a map without keys. */
int map_user_key_size(const struct map_info *m);

/* Bytes of the kernel key: the user key, plus the bucket slot of a
 * histogram; a u32 index for an array map. */
int map_kernel_key_size(const struct map_info *m);

/* Bytes of one value (per CPU for aggregations), with the written flag
 * of an array map. */
int map_value_size(const struct map_info *m);

/* hist() or lhist(): the kernel key ends in a bucket slot. */
bool map_is_hist(const struct map_info *m);

/* ---- keyless aggregations: per-CPU arrays ----
 * A map without keys that holds an aggregation has a fixed set of
 * entries, so it is a per-CPU array indexed by a u32: entry 0 for
 * count/sum/avg/stats/min/max, one entry per bucket slot for hist() and
 * lhist().  The verifier inlines an array lookup and an array entry
 * always exists, so an update is lookup, null test (the verifier wants
 * it) and update in place: no insert, no "map full".
 *
 * An array entry exists before anything was written to it, while a hash
 * entry did not: each value is followed by a u64 written flag, set by
 * every update, so that readers tell "never written" (printed as no
 * entry, as before) from a value that is 0.  An entry is there when any
 * CPU's flag is set. */

/* An lhist() of more slots stays a hash: an array is created (and
 * zeroed, per CPU) whole, while a hash holds only the buckets hit.  1024
 * slots of 32 bytes are 32 KiB per CPU, about what a hash of a few
 * hundred buckets takes anyway.  lhist() has at most 1000 buckets today
 * (builtins/type_rules.c), 1002 slots, so every keyless one fits; the
 * bound is there for the day that limit grows. */
#define ARRAY_LHIST_MAX_SLOTS 1024

/* A keyless aggregation kept in a per-CPU array. */
bool map_is_array(const struct map_info *m);

/* Entries of an array map: 1, HIST_SLOTS or the lhist()'s slots. */
int map_array_entries(const struct map_info *m);

/* Offset of an array value's written flag (after the aggregation's). */
int map_written_offset(const struct map_info *m);

/* The aggregation a map holds (AGG_INT/AGG_STR for plain values). */
enum agg_kind map_agg_kind(const struct map_info *m);

#endif
