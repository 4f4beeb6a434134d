/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a front end of its own (the REPL) may read and set of a session:
 * functions, so that struct session stays the runtime's business. */
#include "runtime/session.h"

bool session_exiting(const struct session *s)
{
	return s->exiting;
}

bool session_has_events(const struct session *s)
{
	return s->rb != NULL;
}

FILE *session_out(const struct session *s)
{
	return s->opts.out;
}

FILE *session_set_out(struct session *s, FILE *f)
{
	FILE *was = s->opts.out;
	s->opts.out = f;
	output_set_stream(s->output, f);
	return was;
}

enum out_format session_format(const struct session *s)
{
	return s->opts.format;
}

const struct builtin_table *session_builtins(const struct session *s)
{
	return s->opts.builtins;
}

struct map_set *session_map_set(struct session *s)
{
	return &s->maps;
}

const struct map_info *session_map_list(const struct session *s)
{
	return s->syms.maps;
}

const struct attached_probe *session_probes(const struct session *s)
{
	return s->probes;
}

int session_count_probes(const struct session *s, const struct probe_kind *kind, int from_seq)
{
	int n = 0;
	for (const struct attached_probe *a = s->probes; a; a = a->next)
		n += a->kind == kind && a->seq >= from_seq;
	return n;
}

void session_set_first_id(struct session *s, int id)
{
	s->next_probe_id = id;
}

const struct catalog *session_catalog_view(struct session *s)
{
	return session_catalog(s) ? NULL : &s->cat;
}

struct target *session_target(struct session *s)
{
	return &s->target;
}

int session_target_pidfd(const struct session *s)
{
	return s->target_gone ? -1 : s->target.pidfd;
}

int session_target_exited(struct session *s)
{
	s->target_gone = true;
	if (!s->target.is_child)
		return -1;
	s->child_status = target_reap(&s->target, true);
	return s->child_status;
}

bool session_target_gone(const struct session *s)
{
	return s->target_gone;
}
