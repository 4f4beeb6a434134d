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
#include "runtime/maps.h"
#include "runtime/target.h"

struct session_opts {
	pid_t pid;
	const char *cmd;
	const char *path;
	uint32_t map_size;
	enum out_format format;
	FILE *out;
	bool quiet;
	int str_len;			/* str() default: BPFTRACE_STRLEN or 64 */
	bool interactive;		/* the REPL: programs come later */
	uint32_t ringbuf_size;		/* bytes, a power of two */
	const char *const *params;	/* $1..$N */
	const struct builtin_table *builtins;	/* registered by the CLI */
	int nparams;
};

struct attached_probe {
	int id;
	char *name;		/* "utxocache:add" or "BEGIN" */
	int prog_fd;
	struct attachment *link;
	char *ir;		/* its LLVM IR (the REPL's .ir ID), or NULL */
	struct attached_probe *next;
};

struct session {
	struct session_opts opts;
	struct output *output;		/* results: made from opts.format and opts.out */
	struct target target;
	struct usdt_binary *bins;	/* target's notes first, then usdt:PATH ones */
	char **bin_paths;
	int nbins;
	struct compiler *comp;
	struct program *progs;		/* every program added, newest first */
	int next_probe_id;
	struct symtab syms;
	struct map_set maps;
	struct attached_probe *probes;
	int nattach_points;
	struct attach_batch *batch;	/* open while a program is being attached */
	int begin_fds[16], nbegin;
	int end_fds[16], nend;
	struct { int prog_fd, timer_fd; uint64_t period_ns; } intervals[16];
	int nintervals;
	struct ring_buffer *rb;
	bool exiting;
	int exit_code;
	int child_status;	/* -1 until a -c child has been reaped */
	bool target_gone;
	struct catalog cat;
	uint64_t start_ns;
	uint64_t lost_reported;		/* lost events already reported */		/* CLOCK_MONOTONIC when the session opened */
	char *whys[64];		/* why args.NAME is unavailable, per probe */
	int nwhys;
	char *read_names[512];	/* probe names by failed-read counter slot */
	int nread_names;
};

int session_open(struct session *s, const struct session_opts *opts);

/* Parses, checks, compiles, loads and attaches a whole program. */
int session_load(struct session *s, struct source *src);

/* The same for one more program in a live session (the REPL): maps it
 * names that exist keep their values; new ones are created.  On error
 * nothing of it stays attached.  *first_id is the id of its first
 * attached probe; ids count up. */
int session_add(struct session *s, struct source *src, int *first_id);

/* Detaches one attached probe by id (-ENOENT if there is none), or every
 * probe whose id is at least first_id. */
int session_detach(struct session *s, int id);
void session_detach_from(struct session *s, int first_id);

/* Runs BEGIN, releases a -c child and traces until exit()/a signal/the
 * target exits; then END, the map dump and detach.  Returns the exit
 * status btctrace should end with. */
int session_run(struct session *s);

void session_close(struct session *s);

/* One ring-buffer record (runtime/events.c). */
int session_handle_event(struct session *s, const void *data, size_t size);

/* ---- driving a session from another event loop (the REPL) ---- */

/* The end of session_run: END blocks, the map dump, losses reported, a -c
 * child ended.  rc != 0: tracing failed to start.  Returns the exit status
 * btctrace should end with.  Needs a started session (session_prepare). */
int session_end(struct session *s, int rc);

/* Resolves the target and creates the compiler, the maps and the ring
 * buffer before any program is added.  0 or -errno after a message. */
int session_prepare(struct session *s);

/* The target binary's notes (NULL without a target); valid until the next
 * program is added. */
const struct usdt_binary *session_target_binary(struct session *s);

/* What the session holds before an entry; session_rollback() forgets what
 * a failed session_add() left behind: BEGIN/END/interval blocks, maps it
 * created. */
struct session_mark {
	int next_probe_id, nmaps, nbegin, nend, nintervals;
};
void session_mark(struct session *s, struct session_mark *m);
void session_rollback(struct session *s, const struct session_mark *m);

/* Writes the LLVM IR of each probe of src (for the first location of each
 * attach point) to out.  Nothing is loaded or attached; maps it would
 * create are forgotten.  0 or -errno after a message. */
int session_ir(struct session *s, struct source *src, FILE *out);

/* The fds a loop of its own polls for reading: the ring buffer's, then one
 * timer per interval probe (timers of new ones are started here).
 * Returns how many were stored. */
int session_fds(struct session *s, int *fds, int max);

/* After fd (one of session_fds(), or -1) was readable: runs a due interval
 * probe, consumes the ring buffer, reports events lost so far. */
void session_ready(struct session *s, int fd);

#endif
