/* SPDX-License-Identifier: GPL-3.0-or-later */
/* BEGIN blocks: run once in btctrace itself (BPF_PROG_TEST_RUN) when
 * tracing starts, before a -c command is released. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime/probe_kind.h"
#include "runtime/session.h"

int probe_resolve_nothing(struct session *s, struct attach_point *ap)
{
	(void)s;
	(void)ap;
	return 0;
}

int probe_variant_single(struct session *s, const struct attach_point *ap,
			 struct probe_variant **out)
{
	(void)s;
	(void)ap;
	*out = calloc(1, sizeof(**out));
	return *out ? 1 : -ENOMEM;
}

enum prog_kind probe_prog_run_once(void)
{
	return PROG_RUN_ONCE;
}

/* Runs once; the instance is done afterwards. */
static int run_begin(struct session *s, struct attached_probe *a)
{
	if (s->exiting)
		return 1;
	int rc = prog_run_once(a->prog_fd);
	session_consume(s);
	return rc ? rc : 1;
}

static void close_prog(struct attached_probe *a)
{
	close(a->prog_fd);
}

const struct probe_kind probe_kind_begin = {
	.name = "BEGIN",
	.prog = probe_prog_run_once,
	.resolve = probe_resolve_nothing,
	.variants = probe_variant_single,
	.start = run_begin,
	.close = close_prog,
};
