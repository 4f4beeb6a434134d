/* SPDX-License-Identifier: GPL-3.0-or-later */
/* USDT blocks: uprobes on every location of a tracepoint in the target
 * binary (or the usdt:PATH one), with the semaphore raised by the kernel
 * (ref_ctr_offset).  The arguments' layout comes from the note, their
 * names and types from the catalog. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/probe_kind.h"
#include "runtime/probes.h"
#include "runtime/session.h"
#include "runtime/usdt.h"

/* A -c command such as `taskset -c 1 bitcoind` or `env X=1 bitcoind` runs
 * a wrapper: the first later word that names an executable with USDT
 * probes, or NULL (malloc'd). */
static char *wrapped_binary(struct session *s)
{
	if (!s->target.is_child || !s->target.argv)
		return NULL;
	for (char **w = s->target.argv + 1; *w; w++) {
		if (**w == '-' || strchr(*w, '='))
			continue;
		/* Read here, not through session_binary(): its cache may move
		 * the binary the caller holds.  A word that is no ELF file (a
		 * script, an argument) is passed over without a word. */
		char *path = target_which(*w);
		struct usdt_binary bin = { 0 };
		diag_hold();
		bool has = path && !usdt_read_binary(path, &bin) && bin.nprobes;
		diag_release(false);
		usdt_free_binary(&bin);
		if (has)
			return path;
		free(path);
	}
	return NULL;
}

/* The probes closest to the one asked for; the full list is -l's. */
static void list_probes_hint(struct session *s, const struct usdt_binary *bin,
			     const struct attach_point *ap, char *buf, size_t len)
{
	bool command_binary = s->target.path && !strcmp(bin->path, s->target.path);
	char *inner = bin->nprobes || !command_binary ? NULL : wrapped_binary(s);
	if (inner) {
		/* Attaching by pid would miss a wrapper that forks (sudo,
		 * time); the user says which of the two ways is meant. */
		snprintf(buf, len, "the -c command runs %s, and its arguments name %s, "
			 "which has USDT probes: make that the command (-c '%s ...') to trace "
			 "the process it starts, or name it in the probe (usdt:%s:%s:%s) to "
			 "trace every process running it", bin->path, inner, inner, inner,
			 ap->provider, ap->event);
		free(inner);
		return;
	}
	if (!bin->nprobes) {
		snprintf(buf, len, "this binary has no USDT probes: was it built with "
			 "-DWITH_USDT=ON?");
		return;
	}
	char want[256], near[512];
	const char **names = calloc(bin->nprobes, sizeof(*names));
	char *all = calloc(bin->nprobes, 256);
	for (int i = 0; names && all && i < bin->nprobes; i++) {
		snprintf(all + i * 256, 256, "%s:%s", bin->probes[i].provider,
			 bin->probes[i].name);
		names[i] = all + i * 256;
	}
	snprintf(want, sizeof(want), "%s:%s", ap->provider, ap->event);
	probe_suggest(want, names && all ? names : NULL, names && all ? bin->nprobes : 0,
		      near, sizeof(near));
	snprintf(buf, len, "%s`btctrace -l -b %s` lists its probes", near, bin->path);
	free(names);
	free(all);
}

static const char *path_of(struct session *s, const struct attach_point *ap)
{
	return ap->path ? ap->path : s->target.path;
}

static const struct usdt_probe *find(struct session *s, const struct attach_point *ap)
{
	const struct usdt_binary *bin = session_binary(s, path_of(s, ap));
	return bin ? usdt_find_probe(bin, ap->provider, ap->event) : NULL;
}

/* The note's argument widths, and the catalog's names where a declared
 * shape matches them. */
static void fill_sig(struct session *s, struct attach_point *ap, const struct usdt_probe *p,
		     struct probe_sig *sig)
{
	const struct usdt_location *loc = &p->locs[0];
	sig->nargs = loc->nargs;
	for (int i = 0; i < loc->nargs; i++)
		sig->args[i] = type_int(loc->args[i].size, loc->args[i].is_signed);
	char *why = sig->no_decl_why;
	sig->decl = shape_for(&s->cat, p, why, sizeof(sig->no_decl_why));
	/* A shape the catalog does not know is worth a word even if the
	 * script uses only arg0..argN: the numbers may not mean what it thinks. */
	const struct tp_decl *known[1];
	if (why[0] && catalog_shapes(&s->cat, p->provider, p->name, known, 1))
		diag_warn(&ap->loc, NULL, "%s", why);
}

/* -p and -c trace one process; a usdt:PATH probe on another binary (a
 * node that a -c shell starts, say) would never fire in it, so it traces
 * every process running that binary. */
static bool other_binary(struct session *s, const char *path)
{
	return s->target.path && !target_same_file(path, s->target.path);
}

static void note_other_binary(struct session *s, const struct attach_point *ap)
{
	if (s->opts.quiet)
		return;
	char who[64];
	if (s->opts.pid > 0)
		snprintf(who, sizeof(who), "process %d", s->opts.pid);
	else
		snprintf(who, sizeof(who), "the -c command");
	diag_note(NULL, "%s traces every process running %s, not only %s (which runs %s)",
		  ap->spec, ap->path, who, target_shown_path(&s->target));
}

/* -v: which catalog shape names the probe's arguments. */
static void verbose_shape(const struct attach_point *ap, const struct usdt_probe *p,
			  const struct probe_sig *sig, const char *path)
{
	const struct tp_decl *d = sig->decl;
	char rel[32] = "";
	if (d && d->until)
		snprintf(rel, sizeof(rel), "v%d-v%d", d->since, d->until);
	else if (d)
		snprintf(rel, sizeof(rel), "v%d+", d->since);
	int n = p->nlocs;
	if (d)
		diag_note(NULL, "%s:%s: %s shape, %d location%s in %s", ap->provider, ap->event,
			  rel, n, n == 1 ? "" : "s", path);
	else
		diag_note(NULL, "%s:%s: no catalog shape matches (%s), %d location%s in %s",
			  ap->provider, ap->event, sig->no_decl_why, n, n == 1 ? "" : "s", path);
}

static bool matches(const struct attach_point *ap, const struct usdt_probe *p)
{
	return !fnmatch(ap->provider, p->provider, 0) && !fnmatch(ap->event, p->name, 0);
}

/* A pattern that matches nothing: the contexts the binary has, as
 * patterns ("utxocach:*" is near "utxocache:*"). */
static int no_match(struct session *s, const struct usdt_binary *bin,
		    const struct attach_point *ap, const char *path)
{
	char hint[1024] = "", want[256], near[512];
	const char *names[64];
	char all[64][64];
	int n = 0;
	snprintf(want, sizeof(want), "%s:%s", ap->provider, ap->event);
	if (!bin->nprobes) {
		list_probes_hint(s, bin, ap, hint, sizeof(hint));
		return diag_error(&ap->loc, hint, "no probe of %s matches '%s'", path, want);
	}
	for (int i = 0; i < bin->nprobes && n < 64; i++) {
		snprintf(all[n], sizeof(all[n]), "%s:*", bin->probes[i].provider);
		bool seen = false;
		for (int j = 0; j < n && !seen; j++)
			seen = !strcmp(all[j], all[n]);
		if (!seen)
			names[n] = all[n], n++;
	}
	probe_suggest(want, names, n, near, sizeof(near));
	size_t off = snprintf(hint, sizeof(hint), "%s", near);
	for (int i = 0; i < n && off < sizeof(hint); i++)
		off += snprintf(hint + off, sizeof(hint) - off, "%s%s", i ? ", " : "it has ",
				names[i]);
	if (off < sizeof(hint))
		snprintf(hint + off, sizeof(hint) - off, "; `btctrace -l -b %s` lists its probes",
			 bin->path);
	return diag_error(&ap->loc, hint, "no probe of %s matches '%s'", path, want);
}

/* A pattern stands for every probe it matches, in the binary's order:
 * ap becomes the first, copies of it after it the others (resolved
 * next, as any attach point of the block). */
static int expand(struct session *s, const struct usdt_binary *bin, struct attach_point *ap,
		  const char *path)
{
	const struct usdt_probe *first = NULL;
	struct attach_point *last = ap;
	for (int i = 0; i < bin->nprobes; i++) {
		const struct usdt_probe *p = &bin->probes[i];
		if (!matches(ap, p))
			continue;
		if (first && !(last = attach_insert_match(last, p->provider, p->name)))
			return -ENOMEM;
		if (!first)
			first = p;
	}
	if (!first)
		return no_match(s, bin, ap, path);
	return attach_set_probe(ap, first->provider, first->name);
}

static int resolve(struct session *s, struct attach_point *ap)
{
	int rc;
	if ((rc = session_catalog(s)))
		return rc;
	bool one_process = s->opts.cmd || s->opts.pid > 0;
	if ((!ap->path || one_process) && (rc = session_open_target(s)))
		return rc;
	/* Once per binary: a script of 50 blocks on it said it 50 times. */
	if (ap->path && one_process && other_binary(s, ap->path) &&
	    !session_has_binary(s, ap->path))
		note_other_binary(s, ap);
	const char *path = path_of(s, ap);
	const struct usdt_binary *bin = session_binary(s, path);
	if (!bin)
		return -ENOENT;
	if (attach_is_pattern(ap) && (rc = expand(s, bin, ap, path)))
		return rc;
	if ((rc = attach_name_usdt(ap, path)))
		return rc;
	const struct usdt_probe *p = usdt_find_probe(bin, ap->provider, ap->event);
	if (!p) {
		char hint[1024];
		list_probes_hint(s, bin, ap, hint, sizeof(hint));
		return diag_error(&ap->loc, hint, "probe %s:%s is not in %s", ap->provider,
				  ap->event, path);
	}
	if (!(ap->sig = calloc(1, sizeof(*ap->sig))))
		return -ENOMEM;
	fill_sig(s, ap, p, ap->sig);
	if (s->opts.verbose && !s->opts.quiet)
		verbose_shape(ap, p, ap->sig, path);
	return 0;
}

static bool same_layout(const struct usdt_location *a, const struct usdt_location *b)
{
	return !strcmp(a->arg_specs ? a->arg_specs : "", b->arg_specs ? b->arg_specs : "");
}

/* Locations whose arguments are read the same way share one program. */
static int variants(struct session *s, const struct attach_point *ap, struct probe_variant **out)
{
	const struct usdt_probe *up = find(s, ap);
	struct probe_variant *v = calloc(up->nlocs, sizeof(*v));
	bool *done = calloc(up->nlocs, sizeof(*done));
	int n = 0;
	for (int i = 0; v && done && i < up->nlocs; i++) {
		if (done[i])
			continue;
		v[n] = (struct probe_variant){ &up->locs[i], path_of(s, ap),
					       calloc(up->nlocs, sizeof(struct uprobe_loc)), 0 };
		for (int j = i; v[n].locs && j < up->nlocs; j++)
			if (!done[j] && same_layout(&up->locs[i], &up->locs[j])) {
				done[j] = true;
				v[n].locs[v[n].nlocs++] = (struct uprobe_loc){
					up->locs[j].pc_offset, up->locs[j].sem_offset };
			}
		n++;
	}
	free(done);
	*out = v;
	return v ? n : -ENOMEM;
}

/* -p and -c trace one process, whichever way its probes were named, if
 * the probe is in its binary. */
static int attach(struct session *s, struct attached_probe *a, const struct attach_point *ap,
		  const struct probe_variant *v)
{
	(void)ap;
	pid_t pid = s->target.pid > 0 && !other_binary(s, v->path) ? s->target.pid : -1;
	int rc = attach_uprobes_batched(s->batch, a->prog_fd, v->path, pid, v->locs, v->nlocs,
					&a->link);
	if (!rc && s->opts.verbose && !s->opts.quiet) {
		char who[64] = "every process running it";
		if (pid > 0)
			snprintf(who, sizeof(who), "pid %d only", pid);
		diag_note(NULL, "attaching %s at %d location%s of %s (%s)", a->name, v->nlocs,
			  v->nlocs == 1 ? "" : "s", v->path, who);
	}
	return rc;
}

static void detach(struct attached_probe *a)
{
	detach_uprobes(a->link);
	close(a->prog_fd);
}

/* One uprobe_multi link for all locations where the kernel has it. */
static enum prog_kind prog_kind(void)
{
	return attach_have_uprobe_multi() ? PROG_UPROBE_MULTI : PROG_UPROBE;
}

const struct probe_kind probe_kind_usdt = {
	.name = "usdt",
	.prog = prog_kind,
	.attach_reversed = true,
	.detachable = true,
	.resolve = resolve,
	.variants = variants,
	.load = attach,
	.close = detach,
};
