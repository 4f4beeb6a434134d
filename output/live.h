/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --live: the maps as a screen redrawn in place, as top shows processes.
 * A frame is built from the maps read at one moment; drawing it compares
 * each counter and sum with the frame before, to show a rate per second.
 * This file only lays the text out: runtime/live.c reads the maps, owns
 * the terminal and decides when to draw. */
#ifndef BTCTRACE_LIVE_SCREEN_H
#define BTCTRACE_LIVE_SCREEN_H

#include <stdint.h>
#include <stdio.h>

#include "output/output.h"

struct live_screen;

/* What the first line says. */
struct live_header {
	const char *target;	/* "/usr/bin/bitcoind pid 1234" */
	uint64_t uptime_s;	/* since tracing began */
	unsigned every_ms;	/* between redraws */
	uint64_t lost_events;	/* the ring buffer had no room */
	uint64_t lost_updates;	/* full maps dropped them */
};

/* NULL when out of memory. */
struct live_screen *live_screen_new(void);
void live_screen_free(struct live_screen *ls);

/* A new frame, read at now_ns (CLOCK_MONOTONIC); the maps follow, each
 * copied (the caller may free m afterwards).  -ENOMEM or 0. */
void live_frame_begin(struct live_screen *ls, uint64_t now_ns);
int live_frame_map(struct live_screen *ls, const struct out_map *m);

/* Draws the frame on a rows x cols terminal: cursor home, every line
 * cleared to its end, the rest of the screen cleared.  The log (the last
 * lines printf() wrote, oldest first) takes the bottom quarter at most.
 * The frame becomes the one rates are measured against. */
void live_frame_draw(struct live_screen *ls, FILE *f, const struct live_header *h,
		     int rows, int cols, const char *const *log, int nlog);

#endif
