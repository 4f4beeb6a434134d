/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the metrics files of runtime/ share: metrics.c reads the maps and
 * what the script says about them, metrics_http.c serves them,
 * metrics_file.c writes them. */
#ifndef BTCTRACE_METRICS_INTERNAL_H
#define BTCTRACE_METRICS_INTERNAL_H

#include "runtime/metrics.h"
#include "runtime/session.h"

/* What the script says about one map, found once before serving. */
struct map_meta {
	const char *key_names[MAX_MAP_KEYS];	/* NULL: key, key1, ... */
	const char *help, *unit;	/* of the one probe argument feeding it */
	char *unit_buf, *help_buf;
	bool keys_seen, fed, mixed;	/* mixed: more than one argument feeds it */
	const struct decl_arg *arg;
};

struct metrics_http;
struct metrics_file;

struct metrics {
	struct session *s;		/* read only while serving */
	int series_limit;
	struct map_meta *meta;		/* by map id, MAX_MAPS of them */
	struct metrics_http *http;
	struct metrics_file *file;
};

/* The server (metrics_http.c): 0 or -errno after a message. */
int metrics_http_start(struct metrics *mx, const char *listen, bool quiet);
void metrics_http_stop(struct metrics_http *h);

/* The file writer (metrics_file.c): 0 or -errno after a message. */
int metrics_file_start(struct metrics *mx, const char *path, unsigned interval_ms);
void metrics_file_stop(struct metrics_file *w);

/* [ADDR:]PORT split: addr (NULL: loopback) into buf, *port.  0 or -EINVAL,
 * no message. */
int metrics_split_listen(const char *listen, char *buf, size_t len, const char **addr,
			 unsigned *port);

#endif
