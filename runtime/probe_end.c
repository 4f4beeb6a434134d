/* END blocks: run once in btctrace itself when tracing ends, before the
 * maps are printed. */
#include <unistd.h>

#include "runtime/probe_kind.h"
#include "runtime/session.h"

static int keep(struct session *s, struct attached_probe *a, const struct attach_point *ap,
		const struct probe_variant *v)
{
	(void)s;
	(void)a;
	(void)ap;
	(void)v;
	return 0;
}

static int nothing_yet(struct session *s, struct attached_probe *a)
{
	(void)s;
	(void)a;
	return 0;
}

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
	.load = keep,
	.start = nothing_yet,
	.fd = probe_no_fd,
	.stop = run_end,
	.close = close_prog,
};
