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
 *   codegen       codegen: one program per attach point and layout, all
 *                 of them one LLVM module compiled at once
 *   load, attach  runtime: the kind's load hook
 *
 * Whatever fails, the session is left as it was before the call. */
#include "cli/driver.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

/* Files btctrace keeps open besides one per program and map. */
#define FILES_RESERVED 64

#include "codegen/compile.h"
#include "lang/diag.h"
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
	cm.probe_name = ap->full_name;
	sema_bind_args(p, ap);
	return compile_probe(s->comp, &s->syms, &cm, p, v->loc, ap->spec, insns, n);
}

/* One attach point's programs (one per variant), in attach order. */
struct point_job {
	const struct probe *p;
	const struct attach_point *ap;
	struct probe_variant *v;
	int nv;
	int first;	/* its first program's index in its batch */
};

struct plan {
	struct point_job *jobs;
	int n, cap;
};

static int plan_point(struct session *s, struct plan *pl, const struct probe *p,
		      const struct attach_point *ap)
{
	if (pl->n == pl->cap) {
		int cap = pl->cap ? 2 * pl->cap : 16;
		struct point_job *j = realloc(pl->jobs, cap * sizeof(*j));
		if (!j)
			return -ENOMEM;
		pl->jobs = j;
		pl->cap = cap;
	}
	struct point_job *j = &pl->jobs[pl->n];
	*j = (struct point_job){ .p = p, .ap = ap };
	j->nv = probe_kind_of(ap->kind)->variants(s, ap, &j->v);
	if (j->nv < 0)
		return j->nv;
	pl->n++;
	return 0;
}

static int plan_probe(struct session *s, struct plan *pl, const struct probe *p, bool reversed)
{
	int rc = 0;
	for (const struct attach_point *ap = p->points; ap && !rc; ap = ap->next)
		if (probe_kind_of(ap->kind)->attach_reversed == reversed)
			rc = plan_point(s, pl, p, ap);
	return rc;
}

/* Kinds whose programs the kernel runs newest first are attached last
 * block first, so that they run in script order (as in bpftrace). */
static int plan_program(struct session *s, struct plan *pl, const struct program *prog)
{
	int n = 0, rc = 0;
	for (const struct probe *p = prog->probes; p && !rc; p = p->next, n++)
		rc = plan_probe(s, pl, p, false);
	const struct probe **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (const struct probe *p = prog->probes; p; p = p->next)
		v[n++] = p;
	while (n-- > 0 && !rc)
		rc = plan_probe(s, pl, v[n], true);
	free(v);
	return rc;
}

static void plan_free(struct plan *pl)
{
	for (int i = 0; i < pl->n; i++)
		probe_variants_free(pl->jobs[i].v, pl->jobs[i].nv);
	free(pl->jobs);
}

/* A batch that LLVM failed on: each program alone says where and why. */
static int compile_alone(struct session *s, const struct plan *pl)
{
	for (int i = 0; i < pl->n; i++)
		for (int k = 0; k < pl->jobs[i].nv; k++) {
			const struct point_job *j = &pl->jobs[i];
			struct bpf_insn *insns;
			size_t n;
			int rc = compile(s, j->p, j->ap, &j->v[k], &insns, &n);
			if (rc)
				return rc;
			free(insns);
		}
	return diag_error(NULL, "this is a btctrace bug; please report the script",
			  "internal error: LLVM failed on the script, on no block alone");
}

/* Jobs [from, to) of the plan into batch b. */
static int add_jobs(struct session *s, struct plan *pl, int from, int to,
		    struct compile_batch *b)
{
	for (int i = from; i < to; i++) {
		struct point_job *j = &pl->jobs[i];
		struct cg_maps cm = session_cg_maps(s, j->ap->spec);
		cm.probe_name = j->ap->full_name;
		sema_bind_args(j->p, j->ap);
		for (int k = 0; k < j->nv; k++) {
			int idx = compile_batch_add(b, &s->syms, &cm, j->p, j->v[k].loc, j->ap->spec);
			if (idx < 0)
				return idx;
			if (k == 0)
				j->first = idx;
		}
	}
	return 0;
}

/* Loads and attaches the programs of jobs [from, to), in plan order. */
static int load_jobs(struct session *s, const struct plan *pl, int from, int to,
		     const struct compile_batch *b)
{
	int rc = 0;
	uint64_t t0 = timings_now();
	for (int i = from; i < to && !rc; i++) {
		const struct point_job *j = &pl->jobs[i];
		const struct probe_kind *kind = probe_kind_of(j->ap->kind);
		for (int k = 0; k < j->nv && !rc; k++) {
			size_t n;
			const struct bpf_insn *insns = compile_batch_program(b, j->first + k, &n);
			timings_add(&s->timings, PH_ATTACH, &t0);
			int fd = prog_load(kind->prog(), j->ap->spec, insns, n);
			timings_add(&s->timings, PH_VERIFY, &t0);
			if (fd < 0)
				return fd;
			struct attached_probe *a = session_add_probe(s, kind, j->ap->spec, fd,
								     compile_batch_ir(b, j->first + k));
			rc = kind->load ? kind->load(s, a, j->ap, &j->v[k]) : 0;
		}
		s->nattach_points++;
	}
	timings_add(&s->timings, PH_ATTACH, &t0);
	return rc;
}

/* From this many programs on, a script's LLVM work is split in two: the
 * later jobs are emitted by a second thread, with a compiler (LLVM target
 * machine) of its own, while this one emits the earlier jobs and loads
 * them, so LLVM's work runs on two CPUs and the kernel's verifier overlaps
 * it.  Fewer programs (a one-liner, a REPL entry) are not worth the
 * second compiler's setup (~1 ms). */
#define SPLIT_MIN_PROGRAMS 8

/* A script's programs as one or two batches: jobs [0, split) in b[0], the
 * rest in b[1] (NULL when not split). */
struct build {
	struct compile_batch *b[2];
	struct compiler *aux;	/* b[1]'s */
	int split;
	pthread_t thread;
	bool threaded;		/* b[1] emitting in .thread */
};

/* The first job of the second batch: this thread also loads the first
 * batch's programs, so it takes a little less than half of them. */
static int split_point(const struct plan *pl)
{
	int total = 0, sum = 0, i = 0;
	for (int k = 0; k < pl->n; k++)
		total += pl->jobs[k].nv;
	if (total < SPLIT_MIN_PROGRAMS)
		return pl->n;
	while (i < pl->n && 20 * sum < 9 * total)
		sum += pl->jobs[i++].nv;
	return i;
}

static void *emit_in_thread(void *batch)
{
	compile_batch_emit_object(batch);
	return NULL;
}

/* Builds every program's IR and starts the second batch's emission. */
static int build_start(struct session *s, struct plan *pl, struct build *bd)
{
	bool keep_ir = s->opts.interactive;
	bd->split = split_point(pl);
	int rc = compile_batch_new(s->comp, true, keep_ir, &bd->b[0]);
	if (!rc)
		rc = add_jobs(s, pl, 0, bd->split, bd->b[0]);
	if (rc || bd->split == pl->n)
		return rc;
	rc = compiler_new(&bd->aux);
	if (!rc)
		rc = compile_batch_new(bd->aux, true, keep_ir, &bd->b[1]);
	if (!rc)
		rc = add_jobs(s, pl, bd->split, pl->n, bd->b[1]);
	if (!rc)	/* without a thread, b[1] is emitted in build_join() */
		bd->threaded = !pthread_create(&bd->thread, NULL, emit_in_thread, bd->b[1]);
	return rc;
}

/* Waits for the second batch, if any: 0, -EAGAIN or -errno after a diag. */
static int build_join(struct build *bd)
{
	if (!bd->b[1])
		return 0;
	if (bd->threaded)
		pthread_join(bd->thread, NULL);
	else
		compile_batch_emit_object(bd->b[1]);
	bd->threaded = false;
	return compile_batch_finish(bd->b[1]);
}

static void build_free(struct build *bd)
{
	if (bd->threaded)
		pthread_join(bd->thread, NULL);
	compile_batch_free(bd->b[0]);
	compile_batch_free(bd->b[1]);
	compiler_free(bd->aux);
}

/* Compiles, loads and attaches every program.  A batch LLVM failed on
 * (-EAGAIN) has each block compiled alone to say where. */
static int compile_and_load(struct session *s, struct plan *pl)
{
	struct build bd = { 0 };
	uint64_t t0 = timings_now();
	int rc = build_start(s, pl, &bd);
	if (!rc) {
		compile_batch_emit_object(bd.b[0]);
		rc = compile_batch_finish(bd.b[0]);
	}
	timings_add(&s->timings, PH_CODEGEN, &t0);
	if (!rc)
		rc = load_jobs(s, pl, 0, bd.split, bd.b[0]);
	t0 = timings_now();
	if (!rc || rc == -EAGAIN) {
		int rc1 = build_join(&bd);
		rc = rc ? rc : rc1;
	}
	if (rc == -EAGAIN)
		rc = compile_alone(s, pl);
	timings_add(&s->timings, PH_CODEGEN, &t0);
	if (!rc)
		rc = load_jobs(s, pl, bd.split, pl->n, bd.b[1]);
	build_free(&bd);
	return rc;
}

static int load_program(struct session *s, const struct program *prog)
{
	struct plan pl = { 0 };
	uint64_t t0 = timings_now();
	int rc = plan_program(s, &pl, prog);
	timings_add(&s->timings, PH_CODEGEN, &t0);
	if (!rc)
		rc = compile_and_load(s, &pl);
	plan_free(&pl);
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
	uint64_t t0 = timings_now();
	rc = session_attach_end(s, rc);
	timings_add(&s->timings, PH_ATTACH, &t0);
	return rc;
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
	struct timings *t = &s->timings;
	uint64_t t0 = timings_now();
	int rc = parse_program(src, &prog);
	timings_add(t, PH_PARSE, &t0);
	if (rc)
		return rc;
	s->cat.script = prog;	/* its declarations come before the catalog's */
	rc = resolve(s, prog);
	timings_add(t, PH_RESOLVE, &t0);
	if (!rc)
		rc = check(s, prog);
	timings_add(t, PH_CHECK, &t0);
	if (!rc && !emit_ir)
		rc = check_open_files(s, prog);
	if (!rc && !emit_ir)
		rc = session_start_target(s);
	timings_add(t, PH_TARGET, &t0);
	if (!rc)
		rc = session_start_kernel(s);
	if (!rc && !emit_ir)
		rc = maps_sync(&s->maps);
	timings_add(t, PH_MAPS, &t0);
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
