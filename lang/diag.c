/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static FILE *diag_stream;
static bool warnings_off;
static FILE *held;		/* diag_hold()'s buffer, or NULL */
static char *held_text;
static size_t held_len;

void diag_set_stream(FILE *f)
{
	diag_stream = f;
}

void diag_set_warnings(bool on)
{
	warnings_off = !on;
}

static FILE *out(void)
{
	if (held)
		return held;
	return diag_stream ? diag_stream : stderr;
}

void diag_hold(void)
{
	if (!held)
		held = open_memstream(&held_text, &held_len);
}

void diag_release(bool print)
{
	if (!held)
		return;
	fclose(held);
	held = NULL;
	if (print && held_len) {
		fwrite(held_text, 1, held_len, out());
		fflush(out());
	}
	free(held_text);
	held_text = NULL;
	held_len = 0;
}

static void print_source_line(FILE *f, const struct loc *loc)
{
	const char *p = loc->src->text;
	for (int line = 1; line < loc->line && p; line++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	int n = (int)strcspn(p, "\n");
	fprintf(f, "%.*s\n", n, p);
	/* Tabs in the prefix are kept so the caret lines up in a terminal.
	 * Built whole, then written once: stderr is unbuffered, and a
	 * megabyte-long line must not cost a write per column. */
	int pre = loc->col - 1 < n ? loc->col - 1 : n, len = loc->len > 1 ? loc->len : 1;
	char *caret = malloc((size_t)pre + len + 2);
	if (!caret)
		return;
	for (int i = 0; i < pre; i++)
		caret[i] = p[i] == '\t' ? '\t' : ' ';
	caret[pre] = '^';
	memset(caret + pre + 1, '~', len - 1);
	caret[pre + len] = '\n';
	caret[pre + len + 1] = 0;
	fputs(caret, f);
	free(caret);
}

static void vreport(const char *kind, const struct loc *loc, const char *hint,
		    const char *fmt, va_list ap)
{
	FILE *f = out();
	if (loc && loc->src && loc->line > 0)
		fprintf(f, "%s:%d:%d: %s: ", loc->src->name, loc->line, loc->col, kind);
	else
		fprintf(f, "btctrace: %s: ", kind);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	if (loc && loc->src && loc->src->text && loc->line > 0)
		print_source_line(f, loc);
	if (hint)
		fprintf(f, "hint: %s\n", hint);
	fflush(f);
}

int diag_error(const struct loc *loc, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", loc, hint, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int diag_errno(int err, const struct loc *loc, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", loc, hint, fmt, ap);
	va_end(ap);
	return err;
}

void diag_note(const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("note", loc, NULL, fmt, ap);
	va_end(ap);
}

void diag_warn(const struct loc *loc, const char *hint, const char *fmt, ...)
{
	if (warnings_off)
		return;
	va_list ap;
	va_start(ap, fmt);
	vreport("warning", loc, hint, fmt, ap);
	va_end(ap);
}

static void vline(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = out();
	fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
}

void diag_hint(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline("hint: ", fmt, ap);
	va_end(ap);
}

void diag_verbatim(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline("", fmt, ap);
	va_end(ap);
}
