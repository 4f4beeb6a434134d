/* One error-reporting path for every stage: file:line:col, the source
 * line, a caret under the column, and a hint saying what to do. */
#ifndef BTCTRACE_DIAG_H
#define BTCTRACE_DIAG_H

#include <stdio.h>

struct source {
	const char *name;	/* file name, "-e" or "stdin" */
	const char *text;	/* whole program text, NUL-terminated */
};

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
void diag_warn(const struct loc *loc, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A second location that explains the error just reported. */
void diag_note(const struct loc *loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where diagnostics go; stderr unless a test redirects them. */
void diag_set_stream(FILE *f);

#endif
