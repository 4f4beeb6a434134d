/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compile driver.  One program goes through these steps, each a call
 * into the layer that owns it:
 *
 *   parse         lang: text -> syntax tree
 *   resolve       lang splits attach points; each probe kind reads what
 *                 the target says about its own (arguments, locations).
 *                 The target's binary is opened; no process is started.
 *   check         lang: types, maps, formats
 *   start target  runtime: a -c command starts only now, held
 *   map layout    runtime: kernel maps for new map symbols
 *   codegen       codegen: one program per attach point and layout
 *   load, attach  runtime: the kind's load hook
 *
 * Whatever fails, the session is left as it was before the call. */
#include "cli/driver.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

/* Files btctrace keeps open besides one per program and map. */
#define FILES_RESERVED 64

#include "codegen/compile.h"
#include "lang/sema.h"
#include "runtime/attach.h"
#include "runtime/probe_kind.h"

static int resolve(struct session *s, struct program *prog)
{
	int rc = attach_split_all(prog);
	for (struct probe *p = prog->probes; p && !rc; p = p->next)
		for (struct attach_point *ap = p->points; ap && !rc; ap = ap->next)
			rc = probe_kind_of(ap->kind)->resolve(s, ap);
	return rc;
}

static int check(struct session *s, struct program *prog)
{
	struct sema_env env = { s->opts.builtins };
	s->syms.params = s->opts.params;
	s->syms.nparams = s->opts.nparams;
	s->syms.str_len = s->opts.str_len ? s->opts.str_len : 64;
	return sema_check(prog, &env, &s->syms);
}

static int compile(struct session *s, const struct probe *p, const struct attach_point *ap,
		   const struct probe_variant *v, struct bpf_insn **insns, size_t *n)
{
	struct cg_maps cm = session_cg_maps(s, ap->spec);
	return compile_probe(s->comp, &s->syms, &cm, p, v->loc, ap->spec, insns, n);
}

/* Compiles, loads and attaches every variant of one attach point. */
static int load_point(struct session *s, const struct probe *p, const struct attach_point *ap)
{
	const struct probe_kind *kind = probe_kind_of(ap->kind);
	struct probe_variant *v;
	int n = kind->variants(s, ap, &v), rc = n < 0 ? n : 0;
	for (int i = 0; i < n && !rc; i++) {
		struct bpf_insn *insns;
		size_t ninsns;
		if ((rc = compile(s, p, ap, &v[i], &insns, &ninsns)))
			break;
		int fd = prog_load(kind->prog(), ap->spec, insns, ninsns);
		free(insns);
		if (fd < 0) {
			rc = fd;
			break;
		}
		struct attached_probe *a = session_add_probe(s, kind, ap->spec, fd);
		rc = kind->load ? kind->load(s, a, ap, &v[i]) : 0;
	}
	probe_variants_free(v, n);
	s->nattach_points++;
	return rc;
}

static int load_probe(struct session *s, const struct probe *p, bool reversed)
{
	int rc = 0;
	for (const struct attach_point *ap = p->points; ap && !rc; ap = ap->next)
		if (probe_kind_of(ap->kind)->attach_reversed == reversed)
			rc = load_point(s, p, ap);
	return rc;
}

/* Kinds whose programs the kernel runs newest first are attached last
 * block first, so that they run in script order (as in bpftrace). */
static int load_program(struct session *s, const struct program *prog)
{
	int n = 0, rc = 0;
	for (const struct probe *p = prog->probes; p && !rc; p = p->next, n++)
		rc = load_probe(s, p, false);
	const struct probe **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (const struct probe *p = prog->probes; p; p = p->next)
		v[n++] = p;
	while (n-- > 0 && !rc)
		rc = load_probe(s, v[n], true);
	free(v);
	return rc;
}

/* Every program and map is an open file: a script with tens of thousands
 * of blocks would otherwise verify programs for minutes before the kernel
 * refuses one with EMFILE.  Says so before loading anything. */
static int check_open_files(struct session *s, const struct program *prog)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	/* stdio, the ring buffer, epoll, links, timers and libbpf's own */
	unsigned long long used = FILES_RESERVED + (unsigned long long)s->syms.nmaps;
	for (const struct attached_probe *a = s->probes; a; a = a->next)
		used++;
	for (const struct probe *p = prog->probes; p; p = p->next)
		for (const struct attach_point *ap = p->points; ap; ap = ap->next) {
			struct probe_variant *v;
			int n = probe_kind_of(ap->kind)->variants(s, ap, &v);
			probe_variants_free(v, n);
			used += n > 0 ? (unsigned long long)n : 0;
			if (used > rl.rlim_cur)
				return diag_errno(-EMFILE, &p->loc, "merge blocks that attach to "
						  "the same probe, or raise the limit with `ulimit -n`",
						  "too many blocks: from this one on, the programs and "
						  "maps would need more than the %llu open files `ulimit "
						  "-n` allows", (unsigned long long)rl.rlim_cur);
		}
	return 0;
}

/* One uprobe_multi link for every block of the program: each link costs
 * RCU grace periods to detach, so 20 probes then exit like one. */
static int load_and_attach(struct session *s, const struct program *prog)
{
	session_attach_begin(s);
	int rc = load_program(s, prog);
	return session_attach_end(s, rc);
}

/* The IR of each block, for the first location of each attach point. */
static int write_ir(struct session *s, const struct program *prog, FILE *out)
{
	int rc = 0;
	for (const struct probe *p = prog->probes; p && !rc; p = p->next)
		for (const struct attach_point *ap = p->points; ap && !rc; ap = ap->next) {
			struct probe_variant *v;
			int n = probe_kind_of(ap->kind)->variants(s, ap, &v);
			struct bpf_insn *insns;
			size_t ninsns;
			rc = n <= 0 ? n : compile(s, p, ap, &v[0], &insns, &ninsns);
			if (!rc && n > 0) {
				free(insns);
				fprintf(out, "; %s: %zu BPF instructions\n%s", ap->spec, ninsns,
					compiler_last_ir(s->comp));
			}
			probe_variants_free(v, n);
		}
	return rc;
}

int driver_add(struct session *s, struct source *src, FILE *emit_ir, int *first_seq)
{
	struct session_mark mark;
	session_mark(s, &mark);
	struct program *prog;
	int rc = parse_program(src, &prog);
	if (rc)
		return rc;
	s->cat.script = prog;	/* its declarations come before the catalog's */
	rc = resolve(s, prog);
	if (!rc)
		rc = check(s, prog);
	if (!rc && !emit_ir)
		rc = check_open_files(s, prog);
	if (!rc && !emit_ir)
		rc = session_start_target(s);
	if (!rc)
		rc = session_start_kernel(s);
	if (!rc && !emit_ir)
		rc = maps_sync(&s->maps);
	if (!rc)
		rc = emit_ir ? write_ir(s, prog, emit_ir) : load_and_attach(s, prog);
	if (rc || emit_ir) {
		session_undo(s, &mark);
		program_free(prog);
		return rc;
	}
	session_keep_program(s, prog);
	if (first_seq)
		*first_seq = mark.seq;
	return 0;
}
