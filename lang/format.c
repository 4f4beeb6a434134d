/* SPDX-License-Identifier: GPL-3.0-or-later */
/* printf formats: parsing, type checking, and printing a record. */
#include "format.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char conversions_hint[] =
	"conversions are %d %i %u %x %X %o %c %s %p %r with flags -0+ #, a width, a "
	"precision and l, ll, h or hh; write %% for a percent sign";

static int fmt_error(const struct loc *loc, int at, int len, const char *msg)
{
	struct loc l = *loc;
	l.col += 1 + at;	/* past the opening quote */
	l.len = len > 0 ? len : 1;
	return diag_error(&l, conversions_hint, "%s", msg);
}

/* A width or precision: at most FMT_MAX_WIDTH, else snprintf() would fail
 * (or print megabytes) at every event.  Digits are copied to spec. */
#define FMT_MAX_WIDTH 1024
/* Digits copied per number: leading zeros do not raise the value, so
 * they are bounded apart ("%.000...01d" overran spec before). */
#define FMT_MAX_DIGITS 8
static bool spec_number(const char *s, int *i, char *spec, int *n)
{
	long v = 0;
	for (int digits = 0; s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		v = v * 10 + (s[*i] - '0');
		if (v > FMT_MAX_WIDTH || ++digits > FMT_MAX_DIGITS)
			return false;
		spec[(*n)++] = s[*i];
	}
	return true;
}

/* One conversion at s (just past '%'): fills a and returns its length;
 * -length for an unknown conversion, 0 for a width or precision past
 * FMT_MAX_WIDTH. */
static int parse_spec(const char *s, struct fmt_arg *a)
{
	int i = 0, n = 0;
	char spec[32];
	spec[n++] = '%';
	while (s[i] && strchr("-0+ #", s[i]) && n < 8)
		spec[n++] = s[i++];
	if (!spec_number(s, &i, spec, &n))
		return 0;
	if (s[i] == '.') {
		spec[n++] = s[i++];
		if (!spec_number(s, &i, spec, &n))
			return 0;
	}
	a->length = 0;
	if (s[i] == 'h') {
		i++;
		a->length = 'h';
		if (s[i] == 'h') {
			i++;
			a->length = 'H';
		}
	} else if (s[i] == 'l') {
		i++;
		a->length = 'l';
		if (s[i] == 'l')
			i++;
	}
	a->conv = s[i];
	if (!a->conv || !strchr("diuxXocspr", a->conv))
		return -(i + 1);
	spec[n] = 0;
	snprintf(a->spec, sizeof(a->spec), "%s", spec);
	return i + 1;
}

static int check_type(const struct fmt_arg *a, const struct node *arg, const struct loc *loc,
		      int at, int len)
{
	if ((a->conv == 'r') != (arg->type.kind == T_BUF)) {
		char t[32], msg[128];
		if (a->conv == 'r')
			snprintf(msg, sizeof(msg), "%%r needs a buffer, the argument is %s",
				 type_name(&arg->type, t, sizeof(t)));
		else
			snprintf(msg, sizeof(msg), "a buffer prints with %%r, not %%%c", a->conv);
		fmt_error(loc, at, len, msg);
		diag_note(&arg->loc, "this is the argument");
		return -EINVAL;
	}
	if (a->conv == 'r')
		return 0;
	bool want_str = a->conv == 's';
	bool is_str = arg->type.kind == T_STR || arg->type.kind == T_HASH ||
		      arg->type.kind == T_BYTES || arg->type.kind == T_USER ||
		      arg->type.kind == T_TIME || arg->type.kind == T_USTACK ||
		      arg->type.kind == T_USYM || arg->type.kind == T_DEC;
	bool is_int = arg->type.kind == T_INT || arg->type.kind == T_PTR;
	if (want_str == is_str && (is_int || is_str))
		return 0;
	char t[32], msg[128];
	snprintf(msg, sizeof(msg), "%%%c needs %s, the argument is %s", a->conv,
		 want_str ? "a string or a hash" : "an integer",
		 type_name(&arg->type, t, sizeof(t)));
	fmt_error(loc, at, len, msg);
	diag_note(&arg->loc, "this is the argument");
	return -EINVAL;
}

static int value_size(const struct type *t)
{
	return t->kind == T_INT || t->kind == T_PTR ? 8 : (t->size + 7) / 8 * 8;
}

static void add_segment(struct fmt_info *fi, const char *start, int len)
{
	fi->segs = realloc(fi->segs, (fi->nsegs + 1) * sizeof(char *));
	fi->segs[fi->nsegs++] = strndup(start, len);
}

int format_check(const char *fmt, int fmt_len, const struct loc *loc, struct node *args,
		 struct fmt_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	struct node *arg = args;
	int seg = 0, off = 16;
	char *text = malloc(fmt_len + 1);
	int tn = 0;
	for (int i = 0; i < fmt_len; i++) {
		if (fmt[i] != '%') {
			text[tn++] = fmt[i];
			continue;
		}
		if (fmt[i + 1] == '%') {
			text[tn++] = '%';
			i++;
			continue;
		}
		struct fmt_arg a = { 0 };
		int n = parse_spec(fmt + i + 1, &a);
		if (n == 0) {
			free(text);
			struct loc l = *loc;
			l.col += 1 + i;
			l.len = 1;
			return diag_error(&l, "use a width and precision of at most 1024",
					  "printf width or precision over 1024");
		}
		if (n < 0) {
			free(text);
			return fmt_error(loc, i, 1 - n, "unknown conversion in the format");
		}
		if (fi->nargs == FMT_MAX_ARGS || !arg) {
			free(text);
			return fmt_error(loc, i, n + 1, arg ? "too many conversions" :
					 "this conversion has no argument");
		}
		if (check_type(&a, arg, loc, i, n + 1)) {
			free(text);
			return -EINVAL;
		}
		add_segment(fi, text + seg, tn - seg);
		seg = tn;
		a.type = arg->type;
		a.offset = off;
		off += value_size(&arg->type);
		fi->args[fi->nargs++] = a;
		arg = arg->next;
		i += n;
	}
	add_segment(fi, text + seg, tn - seg);
	free(text);
	fi->record_size = off;
	if (arg)
		return diag_error(&arg->loc, "remove it or add a conversion to the format",
				  "this argument has no conversion in the format");
	return 0;
}

char *bytes_hex(const void *value)
{
	uint64_t len;
	memcpy(&len, value, 8);
	const unsigned char *b = (const unsigned char *)value + 8;
	int n = len < BYTES_MAX ? (int)len : BYTES_MAX;
	char *s = malloc(2 * BYTES_MAX + 4);
	for (int i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	strcpy(s + 2 * n, len > BYTES_MAX ? "..." : "");
	return s;
}

/* "%f" becomes the microseconds (bpftrace's extension); the rest is
 * strftime()'s. */
static void expand_micros(const char *fmt, unsigned long micros, char *out, size_t len)
{
	size_t o = 0;
	for (const char *c = fmt; *c && o + 8 < len; c++) {
		if (c[0] == '%' && c[1] == 'f') {
			o += snprintf(out + o, len - o, "%06lu", micros);
			c++;
		} else {
			if (c[0] == '%' && c[1])
				out[o++] = *c++;	/* "%%f" stays a percent sign and f */
			out[o++] = *c;
		}
	}
	out[o] = 0;
}

const char *format_timestamp(const char *fmt, uint64_t nsecs, char *buf, size_t len)
{
	struct timespec real, mono;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	int64_t boot_ns = ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000LL +
			  (real.tv_nsec - mono.tv_nsec);
	int64_t wall = boot_ns + (int64_t)nsecs;
	time_t secs = (time_t)(wall / 1000000000LL);
	struct tm tm;
	char expanded[512];
	localtime_r(&secs, &tm);
	expand_micros(fmt, (unsigned long)(wall % 1000000000LL / 1000), expanded, sizeof(expanded));
	if (!strftime(buf, len, expanded, &tm))
		buf[0] = 0;	/* strftime() leaves it undefined then */
	return buf;
}

char *buf_escaped(const void *value, int size)
{
	uint64_t len;
	memcpy(&len, value, 8);
	const unsigned char *b = (const unsigned char *)value + 8;
	int n = len < (uint64_t)(size - 8) ? (int)len : size - 8;
	char *s = malloc(4 * n + 1), *o = s;
	for (int i = 0; i < n; i++)
		o += b[i] >= 0x20 && b[i] <= 0x7e ? sprintf(o, "%c", b[i]) :
						   sprintf(o, "\\x%02x", b[i]);
	*o = 0;
	return s;
}

char *hash_hex(const void *hash)
{
	const unsigned char *h = hash;
	char *s = malloc(65);
	for (int i = 0; i < 32; i++)
		sprintf(s + 2 * i, "%02x", h[31 - i]);
	return s;
}

static void print_hash(FILE *f, const char *spec, const unsigned char *h)
{
	char *hex = hash_hex(h);
	fprintf(f, spec, hex);
	free(hex);
}

/* v as the C type its length modifier names: the value printf would see. */
static int64_t narrowed(const struct fmt_arg *a, int64_t v, bool is_unsigned)
{
	switch (a->length) {
	case 'l':
		return v;
	case 'h':
		return is_unsigned ? (int64_t)(unsigned short)v : (int64_t)(short)v;
	case 'H':
		return is_unsigned ? (int64_t)(unsigned char)v : (int64_t)(signed char)v;
	default:
		return is_unsigned ? (int64_t)(unsigned)v : (int64_t)(int)v;
	}
}

/* "%d", "%u", "%lld", ... with no flag, width or precision, digits by hand:
 * a printf flood formats millions of them, and vfprintf was most of the
 * reader's time.  Returns false for every other conversion. */
/* v as a plain %d/%i/%u conversion of a prints it, written backwards
 * from the end of digits[24]; returns where the text starts. */
static char *plain_int_digits(const struct fmt_arg *a, int64_t v, char digits[24])
{
	bool is_unsigned = a->conv == 'u';
	int64_t n = narrowed(a, v, is_unsigned);
	bool neg = !is_unsigned && n < 0;
	uint64_t u = neg ? -(uint64_t)n : (uint64_t)n;
	char *p = digits + 24;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (neg)
		*--p = '-';
	return p;
}

static bool print_plain_int(FILE *f, const struct fmt_arg *a, int64_t v)
{
	if (strcmp(a->spec, "%") || (a->conv != 'd' && a->conv != 'i' && a->conv != 'u'))
		return false;
	char digits[24], *p = plain_int_digits(a, v, digits);
	fwrite(p, 1, (size_t)(digits + sizeof(digits) - p), f);
	return true;
}

static void print_int(FILE *f, const struct fmt_arg *a, int64_t v)
{
	char spec[40];
	if (print_plain_int(f, a, v))
		return;
	bool is_unsigned = strchr("uxXoc", a->conv) != NULL;
	/* C's semantics, as bpftrace: no length modifier means int. */
	if (a->conv == 'p') {
		fprintf(f, "0x%llx", (unsigned long long)v);
		return;
	}
	if (a->conv == 'c') {
		snprintf(spec, sizeof(spec), "%sc", a->spec);
		fprintf(f, spec, (int)(unsigned char)v);
		return;
	}
	switch (a->length) {
	case 'l':
		snprintf(spec, sizeof(spec), "%sll%c", a->spec, a->conv);
		fprintf(f, spec, (long long)v);
		return;
	case 'h':
		snprintf(spec, sizeof(spec), "%s%c", a->spec, a->conv);
		fprintf(f, spec, is_unsigned ? (int)(unsigned short)v : (int)(short)v);
		return;
	case 'H':
		snprintf(spec, sizeof(spec), "%s%c", a->spec, a->conv);
		fprintf(f, spec, is_unsigned ? (int)(unsigned char)v : (int)(signed char)v);
		return;
	default:
		snprintf(spec, sizeof(spec), "%s%c", a->spec, a->conv);
		if (is_unsigned)
			fprintf(f, spec, (unsigned)v);
		else
			fprintf(f, spec, (int)v);
	}
}

const char *format_decimal(int64_t v, const struct type *t, char *buf, size_t len)
{
	/* The magnitude in unsigned arithmetic: -INT64_MIN does not fit. */
	bool negative = t->is_signed && v < 0;
	uint64_t mag = negative ? 0 - (uint64_t)v : (uint64_t)v, unit = 1;
	for (int i = 0; i < t->scale; i++)
		unit *= 10;
	if (!t->scale)
		snprintf(buf, len, "%s%llu", negative ? "-" : "", (unsigned long long)mag);
	else
		snprintf(buf, len, "%s%llu.%0*llu", negative ? "-" : "",
			 (unsigned long long)(mag / unit), t->scale,
			 (unsigned long long)(mag % unit));
	return buf;
}

void format_print(FILE *f, const struct fmt_info *fi, const void *data, int size)
{
	format_print_with(f, fi, data, size, NULL);
}

static void print_resolved(FILE *f, const struct fmt_arg *a, const void *p,
			   const struct fmt_resolver *r)
{
	char spec[40], *text = r ? r->text(r->ctx, &a->type, p) : NULL;
	snprintf(spec, sizeof(spec), "%ss", a->spec);
	fprintf(f, spec, text ? text : "");
	free(text);
}

void format_print_with(FILE *f, const struct fmt_info *fi, const void *data, int size,
		       const struct fmt_resolver *r)
{
	const char *rec = data;
	for (int i = 0; i < fi->nargs; i++) {
		const struct fmt_arg *a = &fi->args[i];
		fputs(fi->segs[i], f);
		if (a->conv != 's' && a->type.kind == T_BYTES)
			continue;
		if (a->offset + value_size(&a->type) > size + 16)
			break;	/* a short record: never read past it */
		const char *p = rec + a->offset - 16;
		if (a->type.kind == T_USTACK || a->type.kind == T_USYM) {
			print_resolved(f, a, p, r);
		} else if (a->type.kind == T_BYTES) {
			char spec[40], *hex = bytes_hex(p);
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, hex);
			free(hex);
		} else if (a->type.kind == T_BUF) {
			char spec[40], *text = buf_escaped(p, a->type.size);
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, text);
			free(text);
		} else if (a->type.kind == T_TIME) {
			char spec[40], text[512];
			uint64_t ns;
			memcpy(&ns, p, 8);
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, format_timestamp(a->time_fmt ? a->time_fmt : "", ns, text,
							  sizeof(text)));
		} else if (a->type.kind == T_DEC) {
			char spec[40], text[48];
			int64_t v;
			memcpy(&v, p, 8);
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, format_decimal(v, &a->type, text, sizeof(text)));
		} else if (a->type.kind == T_USER) {
			char spec[40], name[256];
			uint64_t uid;
			memcpy(&uid, p, 8);
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, user_name(uid, name, sizeof(name)));
		} else if (a->type.kind == T_HASH) {
			char spec[40];
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			print_hash(f, spec, (const unsigned char *)p);
		} else if (a->type.kind == T_STR) {
			char spec[40], buf[4200];
			int n = a->type.size < (int)sizeof(buf) - 1 ? a->type.size : (int)sizeof(buf) - 1;
			memcpy(buf, p, n);
			buf[n] = 0;
			snprintf(spec, sizeof(spec), "%ss", a->spec);
			fprintf(f, spec, buf);
		} else {
			int64_t v;
			memcpy(&v, p, 8);
			print_int(f, a, v);
		}
	}
	fputs(fi->segs[fi->nargs], f);
}

/* An integer argument print_plain_int() would print: the others need stdio. */
static bool is_plain_int(const struct fmt_arg *a)
{
	return (a->type.kind == T_INT || a->type.kind == T_PTR) && !strcmp(a->spec, "%") &&
	       (a->conv == 'd' || a->conv == 'i' || a->conv == 'u');
}

/* Appends n bytes of s to buf at *at, if they fit (and a NUL after). */
static bool put(char *buf, size_t cap, size_t *at, const char *s, size_t n)
{
	if (n >= cap - *at)
		return false;
	memcpy(buf + *at, s, n);
	*at += n;
	return true;
}

int format_plain_text(const struct fmt_info *fi, const void *data, int size, char *buf,
		      size_t cap)
{
	const char *rec = data;
	size_t at = 0;
	if (!cap)
		return -1;
	for (int i = 0; i < fi->nargs; i++) {
		const struct fmt_arg *a = &fi->args[i];
		if (!is_plain_int(a) || !put(buf, cap, &at, fi->segs[i], strlen(fi->segs[i])))
			return -1;
		if (a->offset + value_size(&a->type) > size + 16)
			break;	/* a short record, as format_print_with() */
		int64_t v;
		memcpy(&v, rec + a->offset - 16, 8);
		char digits[24], *p = plain_int_digits(a, v, digits);
		if (!put(buf, cap, &at, p, (size_t)(digits + sizeof(digits) - p)))
			return -1;
	}
	if (!put(buf, cap, &at, fi->segs[fi->nargs], strlen(fi->segs[fi->nargs])))
		return -1;
	buf[at] = 0;
	return (int)at;
}

void format_free(struct fmt_info *fi)
{
	while (fi) {
		struct fmt_info *next = fi->next;
		for (int i = 0; i < fi->nsegs; i++)
			free(fi->segs[i]);
		for (int i = 0; i < fi->nargs; i++)
			free(fi->args[i].time_fmt);
		free(fi->segs);
		free(fi->text);
		free(fi);
		fi = next;
	}
}
