/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Matching notes with the catalog's declarations, and the -l listing. */
#include "probes.h"

#include "lang/suggest.h"
#include "output/output.h"
#include "runtime/target.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool arg_fits(const struct decl_arg *a, const struct usdt_arg *n)
{
	if (a->type.kind == T_INT)
		return a->type.size == n->size;
	return n->size == 8;	/* pointers */
}

static bool shape_fits(const struct tp_decl *d, const struct usdt_location *loc)
{
	if (d->nargs != loc->nargs)
		return false;
	for (int i = 0; i < d->nargs; i++)
		if (!arg_fits(&d->args[i], &loc->args[i]))
			return false;
	return true;
}

static const char *releases(const struct tp_decl *d, char *buf, size_t len)
{
	if (d->until)
		snprintf(buf, len, "v%d-v%d", d->since, d->until);
	else
		snprintf(buf, len, "v%d+", d->since);
	return buf;
}

static bool has_arg(const struct tp_decl *d, const char *name)
{
	for (int i = 0; i < d->nargs; i++)
		if (!strcmp(d->args[i].name, name))
			return true;
	return false;
}

/* ", without v29+'s replaced_by_tx": the newest shape's arguments that
 * an older shape lacks (nothing when only their types differ). */
static void lacking(const struct tp_decl *old, const struct tp_decl *cur, char *buf, size_t len)
{
	char rel[32];
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < cur->nargs && off < len; i++) {
		if (has_arg(old, cur->args[i].name))
			continue;
		int n = off ? snprintf(buf + off, len - off, ", %s", cur->args[i].name) :
			snprintf(buf, len, ", without %s's %s", releases(cur, rel, sizeof(rel)),
				 cur->args[i].name);
		off = n < 0 || (size_t)n >= len - off ? len : off + n;
	}
}

const struct tp_decl *shape_for(const struct catalog *cat, const struct usdt_probe *p,
				char *why, size_t len)
{
	const struct tp_decl *shapes[8];
	int n = catalog_shapes(cat, p->provider, p->name, shapes, 8);
	const struct usdt_location *loc = &p->locs[0];
	char rel[32], extra[256];
	why[0] = 0;
	for (int i = 0; i < n; i++) {
		if (!shape_fits(shapes[i], loc))
			continue;
		if (i > 0) {
			lacking(shapes[i], shapes[0], extra, sizeof(extra));
			snprintf(why, len, "%s:%s has the %s shape in this binary (%d argument%s%s): "
				 "args.NAME follow it", p->provider, p->name,
				 releases(shapes[i], rel, sizeof(rel)), loc->nargs,
				 loc->nargs == 1 ? "" : "s", extra);
		}
		return shapes[i];
	}
	if (n == 0) {
		snprintf(why, len, "the catalog does not know %s:%s", p->provider, p->name);
		return NULL;
	}
	snprintf(why, len, "%s:%s has %d argument%s in this binary, which no shape of the "
		 "catalog has (%s: %d): args.NAME are unavailable, arg0..argN still work",
		 p->provider, p->name, loc->nargs, loc->nargs == 1 ? "" : "s",
		 releases(shapes[0], rel, sizeof(rel)), shapes[0]->nargs);
	return NULL;
}

/* ---- -l ---- */

/* The semaphore's value in a live process: where the binary is mapped
 * plus the semaphore's file offset, read from /proc/PID/mem. */
static int semaphore_count(pid_t pid, const char *path, uint64_t sem_offset)
{
	char maps[64], line[4096];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	FILE *f = fopen(maps, "r");
	if (!f)
		return -errno;
	const char *base = strrchr(path, '/');
	unsigned long start = 0, end, off;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char file[4096] = "";
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &start, &end, &off, file) < 3)
			continue;
		const char *fb = strrchr(file, '/');
		if (fb && base && !strcmp(fb, base) && sem_offset >= off && sem_offset < off + (end - start))
			found = true;
	}
	fclose(f);
	if (!found)
		return -ENOENT;
	char mem[64];
	snprintf(mem, sizeof(mem), "/proc/%d/mem", pid);
	int fd = open(mem, O_RDONLY | O_CLOEXEC);
	unsigned short v = 0;
	int rc = fd < 0 ? -errno : 0;
	if (fd >= 0 && pread(fd, &v, 2, (off_t)(start + sem_offset - off)) != 2)
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	return rc ? rc : v;
}

/* ---- JSON (-l -f json): one object per probe per line ---- */

static void json_head(FILE *f, const char *provider, const char *name, const char *path,
		      const struct tp_decl *d)
{
	char rel[32];
	fputs("{\"provider\": ", f);
	out_json_string(f, provider);
	fputs(", \"name\": ", f);
	out_json_string(f, name);
	fprintf(f, ", \"source\": \"%s\"", path ? "binary" : "catalog");
	if (path) {
		fputs(", \"binary\": ", f);
		out_json_string(f, path);
	}
	if (d) {
		fputs(", \"releases\": ", f);
		out_json_string(f, releases(d, rel, sizeof(rel)));
		fputs(", \"doc\": ", f);
		out_json_string(f, d->doc);
	}
}

static void json_args(FILE *f, const struct tp_decl *d, const struct usdt_location *loc)
{
	char t[48];
	fputs(", \"arguments\": [", f);
	for (int i = 0; d && i < d->nargs; i++) {
		fprintf(f, "%s{\"index\": %d, \"name\": ", i ? ", " : "", i);
		out_json_string(f, d->args[i].name);
		fputs(", \"type\": ", f);
		out_json_string(f, decl_arg_type_text(&d->args[i], t, sizeof(t)));
		fputs(", \"doc\": ", f);
		out_json_string(f, d->args[i].doc);
		fputc('}', f);
	}
	for (int i = 0; !d && loc && i < loc->nargs; i++) {
		struct type ty = type_int(loc->args[i].size, loc->args[i].is_signed);
		fprintf(f, "%s{\"index\": %d, \"type\": ", i ? ", " : "", i);
		out_json_string(f, type_name(&ty, t, sizeof(t)));
		fputc('}', f);
	}
	fputc(']', f);
}

static void json_locations(FILE *f, const struct usdt_probe *p, const char *path, pid_t pid)
{
	const struct usdt_location *loc = &p->locs[0];
	fputs(", \"semaphore\": ", f);
	if (!loc->sem_offset) {
		fputs("null", f);
	} else {
		fprintf(f, "{\"offset\": %llu", (unsigned long long)loc->sem_offset);
		int v = pid > 0 ? semaphore_count(pid, path, loc->sem_offset) : 0;
		if (pid > 0 && v < 0) {
			fputs(", \"error\": ", f);
			out_json_string(f, strerror(-v));
		} else if (pid > 0) {
			fprintf(f, ", \"count\": %d", v);
		}
		fputc('}', f);
	}
	fputs(", \"locations\": [", f);
	for (int i = 0; i < p->nlocs; i++)
		fprintf(f, "%s{\"pc_offset\": %llu}", i ? ", " : "",
			(unsigned long long)p->locs[i].pc_offset);
	fputc(']', f);
}

static void json_one(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		     const struct usdt_probe *p, const struct list_opts *o)
{
	char why[1024];
	const struct tp_decl *d = shape_for(cat, p, why, sizeof(why));
	json_head(f, p->provider, p->name, bin->path, d);
	json_args(f, d, &p->locs[0]);
	json_locations(f, p, bin->path, o->pid);
	if (why[0]) {
		fputs(", \"note\": ", f);
		out_json_string(f, why);
	}
	fputs("}\n", f);
}

/* ---- text ---- */

static void print_args(FILE *f, const struct tp_decl *d, const struct usdt_location *loc,
		       bool verbose)
{
	char t[48];
	for (int i = 0; d && i < d->nargs; i++) {
		const struct decl_arg *a = &d->args[i];
		fprintf(f, "    %-12s %-20s arg%d", decl_arg_type_text(a, t, sizeof(t)), a->name, i);
		if (verbose)
			fprintf(f, "  %s", a->doc);
		fputc('\n', f);
	}
	for (int i = 0; !d && loc && i < loc->nargs; i++) {
		struct type ty = type_int(loc->args[i].size, loc->args[i].is_signed);
		fprintf(f, "    %-12s %-20s arg%d\n", type_name(&ty, t, sizeof(t)), "", i);
	}
}

static void list_one(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		     const struct usdt_probe *p, const struct list_opts *o)
{
	if (o->json)
		return json_one(f, cat, bin, p, o);
	char why[1024];
	const struct tp_decl *d = shape_for(cat, p, why, sizeof(why));
	const struct usdt_location *loc = &p->locs[0];
	fprintf(f, "usdt:%s:%s:%s", bin->path, p->provider, p->name);
	if (p->nlocs > 1)
		fprintf(f, " (%d locations)", p->nlocs);
	if (!loc->sem_offset)
		fprintf(f, " [no semaphore]");
	else if (o->pid > 0) {
		int v = semaphore_count(o->pid, bin->path, loc->sem_offset);
		if (v < 0)
			fprintf(f, " [semaphore unreadable: %s]", strerror(-v));
		else
			fprintf(f, " [semaphore %d: %s]", v, v ? "enabled, a tracer is attached" :
				"disabled");
	} else {
		fprintf(f, " [semaphore at 0x%llx]", (unsigned long long)loc->sem_offset);
	}
	fputc('\n', f);
	if (o->verbose && d)
		fprintf(f, "    since v%d: %s\n", d->since, d->doc);
	if (why[0])
		fprintf(f, "    note: %s\n", why);
	print_args(f, d, loc, o->verbose);
}

static bool matches(const struct list_opts *o, const char *provider, const char *event)
{
	if (!o->pattern)
		return true;
	char name[256];
	snprintf(name, sizeof(name), "%s:%s", provider, event);
	return fnmatch(o->pattern, name, 0) == 0;
}

static int list_missing(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
			const struct list_opts *o)
{
	bool bitcoind_like = false;
	int shown = 0;
	for (int i = 0; i < bin->nprobes; i++)
		if (strcmp(bin->probes[i].provider, "test"))
			bitcoind_like = true;
	for (const struct tp_decl *d = cat->stdlib ? cat->stdlib->decls : NULL; d; d = d->next) {
		if (d->until || usdt_find_probe(bin, d->provider, d->event) ||
		    !matches(o, d->provider, d->event))
			continue;
		/* test:* exist only in test_bitcoin: not "missing" from bitcoind. */
		if (!strcmp(d->provider, "test") && bitcoind_like &&
		    !usdt_find_probe(bin, "test", "zero_args"))
			continue;
		shown++;
		if (!o->json) {
			fprintf(f, "%s:%s [missing from this binary; since v%d]\n", d->provider,
				d->event, d->since);
			continue;
		}
		json_head(f, d->provider, d->event, bin->path, d);
		json_args(f, d, NULL);
		fputs(", \"missing\": true}\n", f);
	}
	return shown;
}

int list_probes(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		const struct list_opts *o)
{
	int shown = 0;
	for (int i = 0; i < bin->nprobes; i++) {
		const struct usdt_probe *p = &bin->probes[i];
		if (!matches(o, p->provider, p->name))
			continue;
		list_one(f, cat, bin, p, o);
		shown++;
	}
	shown += list_missing(f, cat, bin, o);
	if (!bin->nprobes)
		return diag_error(NULL, "was it built with -DWITH_USDT=ON (or --enable-usdt)?",
				  "%s has no USDT probes", bin->path);
	return shown;
}

/* ---- the catalog without a binary (-l --catalog) ---- */

int list_catalog(FILE *f, const struct catalog *cat, const struct list_opts *o)
{
	char rel[32];
	int shown = 0;
	for (const struct tp_decl *d = cat->stdlib ? cat->stdlib->decls : NULL; d; d = d->next) {
		if (!matches(o, d->provider, d->event))
			continue;
		shown++;
		if (o->json) {
			json_head(f, d->provider, d->event, NULL, d);
			json_args(f, d, NULL);
			fputs("}\n", f);
			continue;
		}
		fprintf(f, "%s:%s [catalog: %s]\n", d->provider, d->event,
			releases(d, rel, sizeof(rel)));
		fprintf(f, "    since v%d: %s\n", d->since, d->doc);
		print_args(f, d, NULL, true);
	}
	return shown;
}

/* ---- suggestions ---- */

/* Up to 3 of names[] closest to want as "did you mean A, B or C? ";
 * "" when none is close (an edit distance of at most a fifth of want's
 * length, and at least 2: most names share their context's prefix). */
const char *probe_suggest(const char *want, const char *const *names, int n, char *buf,
			  size_t len)
{
	int best[3] = { -1, -1, -1 }, dist[3] = { 0 }, limit = (int)strlen(want) / 5;
	limit = limit < 2 ? 2 : limit;
	for (int i = 0; i < n; i++) {
		int d = edit_distance(want, names[i]), j = 3;
		if (d > limit)
			continue;
		while (j > 0 && (best[j - 1] < 0 || d < dist[j - 1]))
			j--;
		if (j == 3)
			continue;
		memmove(best + j + 1, best + j, (2 - j) * sizeof(int));
		memmove(dist + j + 1, dist + j, (2 - j) * sizeof(int));
		best[j] = i;
		dist[j] = d;
	}
	int k = best[2] >= 0 ? 3 : best[1] >= 0 ? 2 : best[0] >= 0;
	buf[0] = 0;
	if (k == 1)
		snprintf(buf, len, "did you mean %s? ", names[best[0]]);
	else if (k == 2)
		snprintf(buf, len, "did you mean %s or %s? ", names[best[0]], names[best[1]]);
	else if (k == 3)
		snprintf(buf, len, "did you mean %s, %s or %s? ", names[best[0]],
			 names[best[1]], names[best[2]]);
	return buf;
}

/* "usdt:PATH:PATTERN" names the binary; the rest is the pattern. */
static char *split_usdt_pattern(const char *pattern, const char **rest)
{
	*rest = pattern;
	if (!pattern || strncmp(pattern, "usdt:", 5))
		return NULL;
	const char *colon = strchr(pattern + 5, ':');
	*rest = colon ? colon + 1 : "*";
	return colon ? strndup(pattern + 5, colon - pattern - 5) : strdup(pattern + 5);
}

static char *command_binary(const char *cmd)
{
	char first[4096];
	if (sscanf(cmd, "%4095s", first) != 1)
		return NULL;
	return target_which(first);
}

/* The names a pattern is compared with: every "context:event" and every
 * "context:*", once each. */
struct names {
	char **v;
	int n, cap;
};

static void names_add(struct names *ns, const char *provider, const char *event)
{
	char name[256];
	snprintf(name, sizeof(name), "%s:%s", provider, event);
	for (int i = 0; i < ns->n; i++)
		if (!strcmp(ns->v[i], name))
			return;
	if (ns->n == ns->cap) {
		char **v = realloc(ns->v, (ns->cap = ns->cap * 2 + 16) * sizeof(*v));
		if (!v)
			return;
		ns->v = v;
	}
	if ((ns->v[ns->n] = strdup(name)))
		ns->n++;
}

static void names_free(struct names *ns)
{
	for (int i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

/* "no probe matches 'PATTERN'", with the closest names. */
static int no_match(const struct catalog *cat, const struct usdt_binary *bin,
		    const char *pattern)
{
	struct names ns = { 0 };
	for (int i = 0; bin && i < bin->nprobes; i++)
		names_add(&ns, bin->probes[i].provider, bin->probes[i].name);
	for (const struct tp_decl *d = cat->stdlib->decls; !bin && d; d = d->next)
		names_add(&ns, d->provider, d->event);
	/* "utxocach:*" is near "utxocache:*", not near one of its probes. */
	for (int i = 0, n = pattern[strcspn(pattern, "*?[")] ? ns.n : 0; i < n; i++) {
		char provider[256];
		snprintf(provider, sizeof(provider), "%.*s", (int)strcspn(ns.v[i], ":"), ns.v[i]);
		names_add(&ns, provider, "*");
	}
	char near[512], hint[1024];
	probe_suggest(pattern, (const char *const *)ns.v, ns.n, near, sizeof(near));
	if (bin)
		snprintf(hint, sizeof(hint), "%s`btctrace -l -b %s` lists all its probes", near,
			 bin->path);
	else
		snprintf(hint, sizeof(hint), "%s`btctrace -l --catalog` lists every probe of "
			 "the catalog", near);
	names_free(&ns);
	return diag_error(NULL, hint, "no probe matches '%s'", pattern);
}

/* The binary -l lists: usdt:PATH:..., -c's command, -p's or -b's binary,
 * or bitcoind discovered.  NULL with *rc 0: nothing to discover, list
 * the catalog. */
static char *list_binary(const struct list_request *r, const char *bin_path, int *rc)
{
	struct target t = { .pid = -1, .pidfd = -1, .release_fd = -1 };
	char *path = NULL;
	*rc = 0;
	if (bin_path || r->catalog)
		return bin_path ? strdup(bin_path) : NULL;
	if (r->cmd && !(path = command_binary(r->cmd)))
		*rc = diag_error(NULL, "check the command's path", "command not found: %s", r->cmd);
	if (r->cmd)
		return path;
	bool discover = r->pid <= 0 && !r->path;
	/* Discovery fails with -EINVAL only when there is no bitcoind at all
	 * (several running: -EEXIST); that is not an error for -l. */
	if (discover)
		diag_hold();
	*rc = target_open(&t, r->pid, NULL, r->path);
	if (discover)
		diag_release(*rc != -EINVAL);
	if (discover && *rc == -EINVAL) {
		*rc = 0;
		diag_note(NULL, "no target (no -p, -c or -b; no bitcoind running or on PATH): "
			  "listing btctrace's probe catalog, not a binary's probes");
	}
	if (!*rc && t.path)
		path = strdup(t.path);
	target_close(&t);
	return path;
}

int list_command(const struct list_request *r)
{
	const char *rest;
	char *given = split_usdt_pattern(r->pattern, &rest);
	int rc;
	char *bin_path = list_binary(r, given, &rc);
	struct catalog cat = { 0 };
	struct usdt_binary bin = { 0 };
	struct list_opts o = { rest && strcmp(rest, "*") ? rest : NULL, r->verbose, r->pid,
			       r->json };
	FILE *out = r->out ? r->out : stdout;
	if (!rc && !(rc = catalog_load(&cat)) && bin_path &&
	    !(rc = usdt_read_binary(bin_path, &bin)))
		rc = list_probes(out, &cat, &bin, &o);
	else if (!rc && !bin_path) {
		if (r->catalog)
			diag_note(NULL, "these are the catalog's declarations, not a binary's "
				  "probes: a binary may lack some or have an older shape");
		rc = list_catalog(out, &cat, &o);
	}
	if (rc == 0)
		rc = no_match(&cat, bin_path ? &bin : NULL, o.pattern ? o.pattern : "*");
	usdt_free_binary(&bin);
	catalog_free(&cat);
	free(bin_path);
	free(given);
	return rc;
}
