/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A few assertion macros for the unit tests: each failure names file and
 * line, the run goes on, and main returns the failure count. */
#ifndef BTCTRACE_CHECK_H
#define BTCTRACE_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); check_count++; \
	if (a_ != b_) { check_failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
	__FILE__, __LINE__, #a, a_, b_); } } while (0)

#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); check_count++; \
	if (!a_ || strcmp(a_, b_)) { check_failures++; fprintf(stderr, \
	"%s:%d: %s\n--- got ---\n%s\n--- expected ---\n%s\n", __FILE__, __LINE__, #a, \
	a_ ? a_ : "(null)", b_); } } while (0)

#define CHECK_DONE() (printf("%d checks, %d failed\n", check_count, check_failures), \
	check_failures ? 1 : 0)

#endif
