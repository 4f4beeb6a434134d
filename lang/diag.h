/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One reporting path for every stage and every message: errors, warnings
 * and notes print as "NAME:LINE:COL: KIND: MSG" with the source line and
 * a caret under the column, or as "btctrace: KIND: MSG" when they belong
 * to no source position; a hint says what to do. */
#ifndef BTCTRACE_DIAG_H
#define BTCTRACE_DIAG_H

#include <stddef.h>

#include <stdbool.h>
#include <stdio.h>

struct source {
	const char *name;	/* file name, "-e" or "stdin" */
	const char *text;	/* whole program text, NUL-terminated */
	size_t len;		/* bytes read, when known (0: strlen(text)); more
				 * than strlen(text) means a NUL byte inside */
};

/* The hint of an error about a bpftrace feature btctrace lacks. */
#define DIAG_HINT_UNSUPPORTED "see \"bpftrace features btctrace does not support\" in " \
	"docs/compatibility.md"

struct loc {
	const struct source *src;
	int line, col;		/* 1-based; line 0 means "no location" */
	int len;		/* columns to underline, at least 1 */
};

/* Prints "NAME:LINE:COL: error: MSG", the line, the caret and
 * "hint: HINT" (when hint is not NULL) to stderr.  loc may be NULL for
 * errors that belong to no source position.  Returns -EINVAL so that
 * callers can write `return diag_error(...)`. */
int diag_error(const struct loc *loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* diag_error() returning err (a negative errno) instead of -EINVAL:
 * `return diag_errno(-errno, NULL, NULL, "cannot open %s: %s", p, strerror(errno))`.
 * err is taken before the message is printed, so errno cannot change
 * under it. */
int diag_errno(int err, const struct loc *loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn(const struct loc *loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A second location that explains the error just reported, or without a
 * location ("btctrace: note: ...") something worth knowing that is not
 * wrong: the target exited, the traced command failed. */
void diag_note(const struct loc *loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "hint: MSG" on its own, after a message that did not carry one. */
void diag_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line exactly as given, no prefix: only for the lines bpftrace
 * prints that tools parse ("Lost N events"). */
void diag_verbatim(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where diagnostics go; stderr unless a test redirects them. */
void diag_set_stream(FILE *f);

/* false: diag_warn() prints nothing (--no-warnings, as bpftrace's).
 * Errors, notes and hints still print. */
void diag_set_warnings(bool on);

/* Holds the messages printed from now on instead of printing them, until
 * diag_release(): print them (true) or drop them (false).  For a step
 * whose failure has a fallback (-l without a target lists the catalog).
 * Not nested. */
void diag_hold(void);
void diag_release(bool print);

#endif
