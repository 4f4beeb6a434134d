/* SPDX-License-Identifier: GPL-3.0-or-later */
/* interval:UNIT:N blocks: run in btctrace itself from a timer the event
 * loop polls (BPF_PROG_TEST_RUN), so they cost no perf event and no
 * detach. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "runtime/probe_kind.h"
#include "runtime/session.h"

static int keep_period(struct session *s, struct attached_probe *a,
		       const struct attach_point *ap, const struct probe_variant *v)
{
	(void)s;
	(void)v;
	a->period_ns = ap->period_ns;
	a->timer_fd = -1;
	return 0;
}

static int start_timer(struct session *s, struct attached_probe *a)
{
	(void)s;
	if (a->timer_fd >= 0)
		return 0;
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (tfd < 0)
		return diag_error(NULL, NULL, "cannot create a timer for %s: %s", a->name,
				  strerror(errno));
	struct timespec every = { (time_t)(a->period_ns / 1000000000ull),
				  (long)(a->period_ns % 1000000000ull) };
	struct itimerspec its = { .it_interval = every, .it_value = every };
	timerfd_settime(tfd, 0, &its, NULL);
	a->timer_fd = tfd;
	return 0;
}

static int timer_fd(const struct attached_probe *a)
{
	return a->timer_fd;
}

static void tick(struct session *s, struct attached_probe *a)
{
	uint64_t ticks;
	if (read(a->timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks) && !s->exiting)
		prog_run_once(a->prog_fd);
	session_consume(s);
}

static void close_timer(struct attached_probe *a)
{
	close(a->prog_fd);
	if (a->timer_fd >= 0)
		close(a->timer_fd);
}

const struct probe_kind probe_kind_interval = {
	.name = "interval",
	.prog = probe_prog_run_once,
	.resolve = probe_resolve_nothing,
	.variants = probe_variant_single,
	.load = keep_period,
	.start = start_timer,
	.fd = timer_fd,
	.ready = tick,
	.close = close_timer,
};
