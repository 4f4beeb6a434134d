/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A script's maps as metrics while it traces: served over HTTP at
 * /metrics (--metrics) and written to a file for node_exporter's textfile
 * collector (--metrics-file).  Both read the kernel maps when asked, in a
 * thread of their own, so that a scrape never holds up the event loop. */
#ifndef BTCTRACE_METRICS_H
#define BTCTRACE_METRICS_H

#include <stddef.h>

#include "output/output.h"

struct session;
struct metrics;

struct metrics_opts {
	const char *listen;	/* [ADDR:]PORT, or NULL: no server */
	const char *file;	/* a path, or NULL: no file */
	int series_limit;	/* per map (--metrics-limit); 0: OUT_SERIES_LIMIT */
	unsigned interval_ms;	/* between writes of the file; 0: 1000 */
};

/* Checks [ADDR:]PORT before anything is loaded.  0 or -EINVAL after a
 * message. */
int metrics_check_listen(const char *listen);

/* Starts serving the maps of s, whose programs are all added (the maps
 * must not change meanwhile: the REPL does not serve metrics), and names
 * the labels of maps s prints with a metric sink (-f openmetrics).  *out
 * is NULL when there is nothing to do.  0 or -errno after a message. */
int metrics_start(struct session *s, const struct metrics_opts *opts, struct metrics **out);

/* Stops the server and the writer; the file is written a last time.
 * NULL is allowed. */
void metrics_stop(struct metrics *mx);

/* The maps and btctrace's own counters as fmt (FMT_OPENMETRICS or
 * FMT_PROMETHEUS), read now; the caller frees *text.  0 or -ENOMEM. */
int metrics_render(struct metrics *mx, enum out_format fmt, char **text, size_t *len);

#endif
