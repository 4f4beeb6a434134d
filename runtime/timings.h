/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a run's time goes (--timings): milliseconds per phase, from
 * main() to the last detach, so a slow start can be traced to its step. */
#ifndef BTCTRACE_TIMINGS_H
#define BTCTRACE_TIMINGS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum timing_phase {
	PH_SETUP,	/* options, output, session: main() until the driver */
	PH_PARSE,
	PH_RESOLVE,	/* catalog, the target's binary and its USDT notes */
	PH_CHECK,	/* types, maps, formats */
	PH_TARGET,	/* a -c command started, held */
	PH_MAPS,	/* kernel maps: the script's, the ring buffer, counters */
	PH_CODEGEN,	/* LLVM: its BPF target, IR, emission */
	PH_VERIFY,	/* program loads: the kernel's verifier and JIT */
	PH_ATTACH,	/* uprobes, semaphores, BEGIN */
	PH_PRINT,	/* at exit: END, the map dump */
	PH_DETACH,	/* at exit: links, maps, programs released */
	PH_COUNT
};

struct timings {
	uint64_t start_ns;	/* main() */
	uint64_t ns[PH_COUNT];
};

static inline uint64_t timings_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Adds the time since *since to a phase and moves *since to now. */
static inline void timings_add(struct timings *t, enum timing_phase ph, uint64_t *since)
{
	uint64_t now = timings_now();
	t->ns[ph] += now - *since;
	*since = now;
}

/* One line on stderr: each phase that took time, and the total. */
void timings_print(const struct timings *t);

#endif
