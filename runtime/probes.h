/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Matching a binary's probes with the catalog, and listing them (-l). */
#ifndef BTCTRACE_PROBES_H
#define BTCTRACE_PROBES_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lang/catalog.h"
#include "runtime/usdt.h"

/* The catalog shape whose argument count and widths match the probe's
 * note, or NULL.  *why explains a NULL (or names an older release's shape
 * that matched) in one sentence; empty when the newest shape matched. */
const struct tp_decl *shape_for(const struct catalog *cat, const struct usdt_probe *p,
				char *why, size_t len);

struct list_opts {
	const char *pattern;	/* fnmatch() on "context:event"; NULL = all */
	bool verbose;		/* -lv: each argument's doc line */
	pid_t pid;		/* > 0: show each semaphore's count in it */
	bool json;		/* -f json: one object per probe per line */
};

/* Prints the probes of bin (and catalog probes missing from it).
 * Returns how many were shown. */
int list_probes(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		const struct list_opts *o);

/* Prints the catalog's declarations (every shape of a probe), with their
 * documentation: what -l shows without a binary.  Returns how many. */
int list_catalog(FILE *f, const struct catalog *cat, const struct list_opts *o);

/* Up to 3 of names[] close to want, as "did you mean A or B? " (with a
 * trailing space, to go before the rest of a hint); "" when none is. */
const char *probe_suggest(const char *want, const char *const *names, int n, char *buf,
			  size_t len);

struct list_request {
	const char *pattern;	/* as given after -l; "usdt:PATH:..." names the binary */
	bool verbose, json;	/* -lv, -f json */
	bool catalog;		/* --catalog: the catalog's declarations, no binary */
	pid_t pid;		/* -p */
	const char *cmd, *path;	/* -c (not started), -b */
	FILE *out;		/* -o's stream; standard output when NULL */
};

/* btctrace -l [PATTERN]: finds the binary as tracing would (without
 * starting a -c command) and lists it; the catalog with --catalog or when
 * there is no target at all.  Returns probes shown, or -errno after a
 * message (a pattern that matches nothing is an error). */
int list_command(const struct list_request *r);

#endif
