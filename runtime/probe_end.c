/* SPDX-License-Identifier: GPL-3.0-or-later */
/* END blocks: run once in btctrace itself when tracing ends, before the
 * maps are printed. */
#include <unistd.h>

#include "runtime/probe_kind.h"
#include "runtime/session.h"

/* An exit() in an earlier END block ends the rest, as in bpftrace. */
static int run_end(struct session *s, struct attached_probe *a)
{
	if (s->exiting)
		return 0;
	int rc = prog_run_once(a->prog_fd);
	session_consume(s);
	return rc;
}

static void close_prog(struct attached_probe *a)
{
	close(a->prog_fd);
}

const struct probe_kind probe_kind_end = {
	.name = "END",
	.prog = probe_prog_run_once,
	.resolve = probe_resolve_nothing,
	.variants = probe_variant_single,
	.stop = run_end,
	.close = close_prog,
};
