/* What the files of the REPL share (docs/repl.md): cli/repl.c runs the
 * loop, reads lines and prints; repl_cmds.c runs .commands and probe
 * blocks; repl_maps.c reads and changes maps typed at the prompt;
 * repl_complete.c completes names on Tab. */
#ifndef BTCTRACE_REPL_INTERNAL_H
#define BTCTRACE_REPL_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/repl.h"
#include "lang/catalog.h"
#include "runtime/session.h"

#define PROMPT "btctrace> "
#define PROMPT_MORE "      ... "

/* One entry's text: its locations point into it for the whole session. */
struct entry {
	struct source src;
	char name[24];
	struct entry *next;
};

struct repl {
	struct session *s;
	bool tty;		/* readline, banner, prompt */
	bool quiet;
	FILE *msg;		/* what the REPL says: stdout, stderr with -f json */
	int sfd;		/* SIGINT, SIGTERM (and SIGWINCH on a terminal) */
	sigset_t old_mask;
	int stats_fd;		/* BPF run-time statistics: run counts of programs */
	struct entry *entries;	/* every entry's text: locations point into them */
	int nentries;
	char *pending;		/* a program whose braces are still open */
	bool quit, eof;
	bool prompt_shown;	/* readline's line is on the screen */
	bool released;		/* the -c command runs */
	bool at_line_start;	/* the last byte written to stdout was '\n' */
	char *in;		/* pipe mode: bytes read, not yet a whole line */
	size_t inlen;
};

/* ---- cli/repl.c: output, waiting ---- */

/* Writes to f; to stdout on a terminal in pieces, so that Ctrl-C cuts a
 * long output short. */
void repl_emit(struct repl *r, FILE *f, const char *buf, size_t n);

/* Output printed into memory first, then emitted (or dropped). */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};
FILE *repl_capture_start(struct capture *c);
void repl_capture_emit(struct repl *r, struct capture *c, FILE *to);
void repl_capture_drop(struct capture *c);

/* Lets probes run for ms milliseconds, their output printed; Ctrl-C ends
 * it early. */
void repl_wait(struct repl *r, double ms);

/* Ring-buffer records the session has, printed now. */
void repl_drain_events(struct repl *r);

double repl_now_ms(void);
const char *repl_skip_space(const char *p);

/* ---- cli/repl_cmds.c ---- */

/* A .command; src is the whole line. */
void repl_run_command(struct repl *r, struct source *src);

/* A probe block: compiled, attached, its BEGIN run; "attached #N ...". */
void repl_run_program(struct repl *r, struct source *src);

/* BEGIN programs added since the entry began (index from on) run once,
 * then are closed; with serve, their output is printed after each. */
void repl_run_begins(struct repl *r, int from, const char *name, bool serve);

/* ---- cli/repl_maps.c ---- */

/* The functions a map entry may call at the prompt, NULL-terminated. */
extern const char *const repl_map_functions[];

/* A map entry: @m, @m[k], print(@m[k], top, div), clear(@m), zero(@m),
 * delete(@m[k]). */
void repl_run_map(struct repl *r, struct source *src);

/* ---- cli/repl_complete.c ---- */

/* Sets readline up to complete for r (Tab), and forgets it again. */
void repl_complete_init(struct repl *r);
void repl_complete_end(void);

/* ---- the session's fields ----
 * Every field of struct session the REPL reads or sets is reached
 * through these, so that accessors of the session can replace them in
 * one go.  (The output capture, which swaps s->opts.out around
 * session_ready(), stays in repl.c as it is.) */

static inline bool sess_exiting(const struct session *s)
{
	return s->exiting;
}

static inline bool sess_has_events(const struct session *s)
{
	return s->rb != NULL;
}

static inline FILE *sess_out(const struct session *s)
{
	return s->opts.out;
}

static inline enum out_format sess_format(const struct session *s)
{
	return s->opts.format;
}

static inline const struct builtin_table *sess_builtins(const struct session *s)
{
	return s->opts.builtins;
}

static inline struct map_set *sess_map_set(struct session *s)
{
	return &s->maps;
}

/* Maps of the session, sorted by name. */
static inline const struct map_info *sess_maps(const struct session *s)
{
	return s->syms.maps;
}

static inline const struct attached_probe *sess_probes(const struct session *s)
{
	return s->probes;
}

static inline void sess_set_next_probe_id(struct session *s, int id)
{
	s->next_probe_id = id;
}

/* BEGIN, END and interval blocks added so far. */
static inline int sess_nbegin(const struct session *s)
{
	return s->nbegin;
}

static inline int sess_begin_fd(const struct session *s, int i)
{
	return s->begin_fds[i];
}

/* Closes BEGIN programs from index `from` on: they ran once. */
static inline void sess_close_begins(struct session *s, int from)
{
	while (s->nbegin > from)
		close(s->begin_fds[--s->nbegin]);
}

static inline int sess_nend(const struct session *s)
{
	return s->nend;
}

static inline int sess_nintervals(const struct session *s)
{
	return s->nintervals;
}

/* The probe catalog, loaded when first needed; NULL after a message. */
static inline const struct catalog *sess_catalog(struct session *s)
{
	if (!s->cat.stdlib && catalog_load(&s->cat))
		return NULL;
	return &s->cat;
}

static inline struct target *sess_target(struct session *s)
{
	return &s->target;
}

/* The target's pidfd while it runs, else -1. */
static inline int sess_target_pidfd(const struct session *s)
{
	return s->target_gone ? -1 : s->target.pidfd;
}

/* The target exited: a -c child is reaped; its wait status, or -1. */
static inline int sess_target_exited(struct session *s)
{
	s->target_gone = true;
	if (!s->target.is_child)
		return -1;
	s->child_status = target_reap(&s->target, true);
	return s->child_status;
}

static inline bool sess_target_gone(const struct session *s)
{
	return s->target_gone;
}

#endif
