/* SPDX-License-Identifier: GPL-3.0-or-later */
/* printf() formats: parsed and checked against the argument types at
 * compile time, applied in user space to the records probes send. */
#ifndef BTCTRACE_FORMAT_H
#define BTCTRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ast.h"
#include "types.h"

#define FMT_MAX_ARGS 32

struct fmt_arg {
	struct type type;	/* of the value in the record */
	int offset;		/* in the record, after the 16-byte header */
	char spec[32];		/* the C conversion, e.g. "%-5lld" */
	char conv;		/* d i u x X o c s p */
	char length;		/* 0, 'h' (hh = 'H'), 'l' */
	char *time_fmt;		/* T_TIME: strftime()'s format, malloc'd */
};

struct fmt_info {
	int id;
	char *text;		/* literal text with the conversions cut out: */
	int nsegs;		/* segment i of text, then arg i, ... */
	char **segs;
	int nargs;
	struct fmt_arg args[FMT_MAX_ARGS];
	int record_size;	/* header + arguments */
	bool is_value;		/* print(value): JSON type "value" */
	bool is_time;		/* time(): segs[0] is a strftime format */
	struct fmt_info *next;
};

/* Parses fmt (a printf literal at loc) for the typed args.  0 or -EINVAL
 * after a diag with a caret on the offending conversion. */
int format_check(const char *fmt, int fmt_len, const struct loc *loc, struct node *args,
		 struct fmt_info *out);

/* Writes a record's text: `data` points at the arguments. */
void format_print(FILE *f, const struct fmt_info *fi, const void *data, int size);

/* The text of a value only the runtime can name (a user stack, a symbol:
 * they are looked up in the traced process), malloc'd; NULL prints "". */
struct fmt_resolver {
	char *(*text)(void *ctx, const struct type *t, const void *value);
	void *ctx;
};

/* format_print() with the runtime's resolver (r may be NULL). */
void format_print_with(FILE *f, const struct fmt_info *fi, const void *data, int size,
		       const struct fmt_resolver *r);

/* The record's text into buf, NUL-terminated, when every conversion is
 * a plain %d, %i or %u of an integer (a printf flood's usual line): the
 * same text as format_print(), without stdio.  Its length, or -1 when a
 * conversion needs format_print() or the text does not fit in cap. */
int format_plain_text(const struct fmt_info *fi, const void *data, int size, char *buf,
		      size_t cap);

void format_free(struct fmt_info *fi);

/* A hash as Bitcoin's RPC and block explorers show it: its 32 bytes
 * reversed, in hex (malloc'd). */
char *hash_hex(const void *hash);

/* strftime(fmt, nsecs) as bpftrace formats it: nsecs of CLOCK_MONOTONIC
 * as local wall-clock time, "%f" the microseconds.  Returns buf. */
const char *format_timestamp(const char *fmt, uint64_t nsecs, char *buf, size_t len);

/* A buf() value as bpftrace prints it: printable ASCII as it is, every
 * other byte as \xNN (malloc'd).  `size` is the type's. */
char *buf_escaped(const void *value, int size);

/* A bytes[] value as hex: its first BYTES_MAX bytes, "..." if longer. */
char *bytes_hex(const void *value);

/* An integer scaled by 10^scale (dec(), btc()) as its exact decimal:
 * v 123456 with 2 places is "1234.56", -5 is "-0.05"; no rounding, no
 * float.  A value of an unsigned type prints as unsigned.  Returns buf. */
const char *format_decimal(int64_t v, const struct type *t, char *buf, size_t len);

#endif
