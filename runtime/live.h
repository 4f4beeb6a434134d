/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --live[=SECONDS]: the script's maps redrawn in place on the terminal
 * every SECONDS (output/live.c lays the screen out), or, when the results
 * do not go to a terminal, printed every SECONDS as print() prints them.
 * A thread of its own reads the maps, as the metrics writer does: the
 * event loop never waits for the screen. */
#ifndef BTCTRACE_LIVE_H
#define BTCTRACE_LIVE_H

#include <stdbool.h>

struct session;
struct live;

struct live_opts {
	unsigned interval_ms;	/* between redraws */
	bool screen;		/* draw on the terminal (stdout), else print */
	bool results_elsewhere;	/* -o FILE: printf() output is not on the screen */
};

/* Starts drawing the maps of s, whose programs are all added.  On the
 * screen, printf() output is shown under the maps until the session's
 * exit, when the screen is left and the exit maps print as usual.
 * 0 or -errno after a message. */
int live_start(struct session *s, const struct live_opts *opts, struct live **out);

/* Stops drawing (if the session's end has not already) and frees lv;
 * NULL is allowed. */
void live_free(struct live *lv);

#endif
