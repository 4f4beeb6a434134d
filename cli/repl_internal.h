/* SPDX-License-Identifier: GPL-3.0-or-later */
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
	bool piped;		/* stdin is no terminal: entries come from a script */
	bool failed;		/* an entry failed: a piped session ends with 1 */
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

/* A .command; src is the whole line.  0, or -1 after an error. */
int repl_run_command(struct repl *r, struct source *src);

/* A probe block: compiled, attached, its BEGIN run; "attached #N ...".
 * 0, or -1 after an error. */
int repl_run_program(struct repl *r, struct source *src);

/* BEGIN programs added since the entry began (index from on) run once,
 * then are closed; with serve, their output is printed after each. */
void repl_start_probes(struct repl *r, int first_seq, const char *name, bool serve);

/* ---- cli/repl_maps.c ---- */

/* The functions a map entry may call at the prompt, NULL-terminated. */
extern const char *const repl_map_functions[];

/* A map entry: @m, @m[k], print(@m[k], top, div), clear(@m), zero(@m),
 * delete(@m[k]).  0, or -1 after an error. */
int repl_run_map(struct repl *r, struct source *src);

/* ---- cli/repl_complete.c ---- */

/* Sets readline up to complete for r (Tab), and forgets it again. */
void repl_complete_init(struct repl *r);
void repl_complete_end(void);

#endif
