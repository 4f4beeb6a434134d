/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The interactive REPL (docs/repl.md): probe blocks typed at a prompt are
 * compiled and attached to a live session one by one, maps are read,
 * cleared and printed between them, and session commands (.probes,
 * .detach, .list, .maps, .ir, ...) look at what runs. */
#ifndef BTCTRACE_REPL_H
#define BTCTRACE_REPL_H

#include "lang/diag.h"
#include "runtime/session.h"

/* Runs a session driven from stdin: readline with a banner and a prompt
 * when stdin and stdout are a terminal, plain lines otherwise (a pipe).
 * initial (may be NULL) is added first, as a script would be.  Ends on
 * .quit, end of input, exit() in a probe or SIGTERM, the way a script
 * ends (END blocks, the map dump).  Returns btctrace's exit status. */
int repl_main(const struct session_opts *opts, struct source *initial);

/* What an entry's first line starts (exported for the tests). */
enum repl_entry_kind {
	REPL_EMPTY,	/* blank or a comment: nothing to do */
	REPL_COMMAND,	/* .probes, .detach 3, ... */
	REPL_MAP,	/* @m, @m[k], print(@m), clear(@m), zero(@m), delete(@m[k]) */
	REPL_PROGRAM,	/* probe blocks */
};
enum repl_entry_kind repl_classify(const char *line);

/* Whether the text typed so far is a whole program: 1 when a block was
 * opened and every brace is closed, 0 while a brace is open, -1 when no
 * block was opened yet, -2 when nothing typed after it can make it a
 * program (`help`, `foo bar`).  Strings and comments are skipped. */
int repl_program_state(const char *text);

#endif
