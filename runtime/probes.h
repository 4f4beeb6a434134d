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
};

/* Prints the probes of bin (and catalog probes missing from it). */
int list_probes(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		const struct list_opts *o);

/* btctrace -l [PATTERN]: finds the binary as tracing would (without
 * starting a -c command) and lists it.  Returns probes shown or -errno. */
int list_command(const char *pattern, bool verbose, pid_t pid, const char *cmd,
		 const char *path);

#endif
