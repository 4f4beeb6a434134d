/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A tracing session: one target, maps that live as long as the session,
 * and probe blocks that can be attached and detached while it runs (the
 * REPL adds blocks one by one; a script adds all of its blocks at once). */
#ifndef BTCTRACE_SESSION_H
#define BTCTRACE_SESSION_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lang/ast.h"
#include "lang/catalog.h"
#include "lang/sema.h"
#include "abi/abi.h"
#include "codegen/compile.h"
#include "runtime/maps.h"
#include "runtime/target.h"
#include "runtime/timings.h"

struct session_opts {
	pid_t pid;
	const char *cmd;
	const char *path;
	uint32_t map_size;
	enum out_format format;
	FILE *out;
	bool quiet;
	bool verbose;			/* -v: notes on what is traced and awaited */
	bool timings;			/* --timings: where the time went, at exit */
	bool flush_batches;		/* flush results after each batch of events */
	int str_len;			/* str() default: BPFTRACE_STRLEN or 64 */
	bool interactive;		/* the REPL: programs come later */
	uint32_t ringbuf_size;		/* bytes, a power of two */
	const char *const *params;	/* $1..$N */
	const struct builtin_table *builtins;	/* registered by the CLI */
	int nparams;
};

/* One loaded program: a block compiled for one attach point (and, for
 * USDT, one argument layout).  Its kind says what it does (probe_kind.h). */
struct attached_probe {
	int seq;		/* creation order; an undone entry drops the newest */
	int id;			/* the id users see (detachable kinds), else 0 */
	const struct probe_kind *kind;
	char *name;		/* "utxocache:add", "BEGIN", "interval:s:1" */
	int prog_fd;
	struct attachment *link;	/* a kernel attachment (USDT), or NULL */
	int timer_fd;			/* interval: its timer, -1 before start */
	uint64_t period_ns;		/* interval: its period */
	char *ir;		/* its LLVM IR (the REPL's .ir ID), or NULL */
	struct attached_probe *next;
};

struct session {
	struct session_opts opts;
	struct output *output;		/* results: made from opts.format and opts.out */
	struct target target;
	struct usdt_binary *bins;	/* binaries whose notes were read */
	char **bin_paths;
	int nbins;
	struct compiler *comp;
	struct program *progs;		/* every program added, newest first */
	int next_probe_id, next_seq;
	struct symtab syms;
	struct map_set maps;
	struct attached_probe *probes;	/* in creation order */
	int nattach_points;
	struct attach_batch *batch;	/* open while a program is being attached */
	struct ring_buffer *rb;
	bool exiting;
	/* exit() was called: as in bpftrace, what probes send after it is
	 * not printed, except what END blocks send (EVENT_FROM_END). */
	bool exit_called;
	int exit_code;
	int child_status;	/* -1 until a -c child has been reaped */
	bool target_gone;
	struct catalog cat;
	uint64_t start_ns;		/* CLOCK_MONOTONIC when the session opened */
	struct timings timings;		/* per phase, for --timings */
	uint64_t lost_reported;		/* lost events already reported */
	char *read_names[MAX_READ_SLOTS];	/* probe names by failed-read counter slot */
	int nread_names;
	int kfunc_id;			/* bpf_map_sum_elem_count's BTF id; 0: not looked up */
	/* Called once tracing has ended, before the exit maps print (--live
	 * leaves its screen there); NULL: nothing to do. */
	void (*before_exit_maps)(void *ctx);
	void *before_exit_ctx;
};

int session_open(struct session *s, const struct session_opts *opts);
void session_close(struct session *s);

/* ---- what the compile driver (cli/driver.c) builds a program with ---- */

/* The catalog, parsed once.  0 or -errno after a diag. */
int session_catalog(struct session *s);

/* Resolves the target (-p, -c, -b or discovery) without starting a -c
 * command.  0 or -errno after a diag. */
int session_open_target(struct session *s);

/* With -c or -p: the target resolved and a -c command started (held
 * until tracing starts).  Called once the script type-checks. */
int session_start_target(struct session *s);

/* The notes of a binary, read once per path; NULL after a diag. */
const struct usdt_binary *session_binary(struct session *s, const char *path);
/* Whether the notes of PATH have been read already (a probe on it came before). */
bool session_has_binary(const struct session *s, const char *path);

/* The compiler, the maps and the ring buffer, made once: the ring
 * buffer's size depends on whether the first program prints. */
int session_start_kernel(struct session *s);

/* The kernel objects a program of probe `name` refers to. */
struct cg_maps session_cg_maps(struct session *s, const char *name);

/* Records a loaded program (ir: its LLVM IR for the REPL's .ir, or
 * NULL); the kind's load hook comes next. */
struct attached_probe *session_add_probe(struct session *s, const struct probe_kind *kind,
					 const char *name, int prog_fd, const char *ir);

/* What the session holds before a program is added; session_undo()
 * forgets what was added since: probes, maps, attach points counted. */
struct session_mark {
	int seq, nmaps, nattach_points, next_probe_id;
};
void session_mark(struct session *s, struct session_mark *m);
void session_undo(struct session *s, const struct session_mark *m);

/* Programs loaded between these two are attached together (one link);
 * rc != 0 abandons them.  Returns rc, or the commit's failure. */
void session_attach_begin(struct session *s);
int session_attach_end(struct session *s, int rc);

/* Keeps prog: its declarations and trees live as long as the session. */
void session_keep_program(struct session *s, struct program *prog);

/* ---- tracing ---- */

/* Starts the probes created since mark (all: seq 0): BEGIN runs, timers
 * start.  0 or -errno. */
int session_start_probes(struct session *s, int from_seq);

/* Detaches one probe by its user id (-ENOENT if there is none). */
int session_detach(struct session *s, int id);

/* Runs BEGIN, releases a -c child and traces until exit()/a signal/the
 * target exits; then END, the map dump and detach.  Returns the exit
 * status btctrace should end with. */
int session_run(struct session *s);

/* Reads what the ring buffer holds now. */
void session_consume(struct session *s);

/* One ring-buffer record (runtime/events.c). */
int session_handle_event(struct session *s, const void *data, size_t size);

/* ---- driving a session from another event loop (the REPL) ---- */

/* The end of session_run: END blocks, the map dump, losses reported, a -c
 * child ended.  rc != 0: tracing failed to start.  Returns the exit status
 * btctrace should end with. */
int session_end(struct session *s, int rc);

/* Resolves and starts the target and makes the kernel objects before any
 * program is added.  0 or -errno after a message. */
int session_prepare(struct session *s);

/* The target binary's notes (NULL without a target). */
const struct usdt_binary *session_target_binary(struct session *s);

/* The fds a loop of its own polls for reading: the ring buffer's, then
 * the probes' (interval timers).  Returns how many were stored. */
int session_fds(struct session *s, int *fds, int max);

/* After fd (one of session_fds(), or -1) was readable: runs a due interval
 * probe, consumes the ring buffer, reports events lost so far. */
void session_ready(struct session *s, int fd);

/* ---- what a front end of its own reads and sets (session_view.c) ---- */

bool session_exiting(const struct session *s);
/* The ring buffer exists: events can be read. */
bool session_has_events(const struct session *s);
FILE *session_out(const struct session *s);
/* Points the session's results at f (the REPL catches what probes print
 * while a line is being typed); returns the stream it replaces. */
FILE *session_set_out(struct session *s, FILE *f);
enum out_format session_format(const struct session *s);
const struct builtin_table *session_builtins(const struct session *s);
struct map_set *session_map_set(struct session *s);
/* The session's maps, sorted by name. */
const struct map_info *session_map_list(const struct session *s);
/* Every loaded program in creation order; those with id 0 are not the
 * user's to list or detach. */
const struct attached_probe *session_probes(const struct session *s);
/* Programs of a kind created since from_seq. */
int session_count_probes(const struct session *s, const struct probe_kind *kind, int from_seq);
/* The id the next detachable probe gets (the REPL counts from 1). */
void session_set_first_id(struct session *s, int id);
/* The probe catalog, loaded when first needed; NULL after a message. */
const struct catalog *session_catalog_view(struct session *s);
struct target *session_target(struct session *s);
/* The target's pidfd while it runs, else -1. */
int session_target_pidfd(const struct session *s);
/* The target exited: a -c child is reaped; its wait status, or -1. */
int session_target_exited(struct session *s);
bool session_target_gone(const struct session *s);

#endif
