/* Matching notes with the catalog's declarations, and the -l listing. */
#include "probes.h"

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

const struct tp_decl *shape_for(const struct catalog *cat, const struct usdt_probe *p,
				char *why, size_t len)
{
	const struct tp_decl *shapes[8];
	int n = catalog_shapes(cat, p->provider, p->name, shapes, 8);
	const struct usdt_location *loc = &p->locs[0];
	char rel[32], sig[512];
	why[0] = 0;
	for (int i = 0; i < n; i++) {
		if (!shape_fits(shapes[i], loc))
			continue;
		if (i > 0) {
			char cur[32], cursig[512];
			snprintf(why, len, "%s:%s in the binary has the %s shape %s, not the %s "
				 "shape %s: args.NAME follow the binary's shape", p->provider,
				 p->name, releases(shapes[i], rel, sizeof(rel)),
				 decl_signature(shapes[i], sig, sizeof(sig)),
				 releases(shapes[0], cur, sizeof(cur)),
				 decl_signature(shapes[0], cursig, sizeof(cursig)));
		}
		return shapes[i];
	}
	if (n == 0) {
		snprintf(why, len, "the catalog does not know %s:%s", p->provider, p->name);
		return NULL;
	}
	snprintf(why, len, "%s:%s in the binary has %d argument%s (%s), the catalog's %s "
		 "shape is %s: named arguments are unavailable, arg0..arg%d still work",
		 p->provider, p->name, loc->nargs, loc->nargs == 1 ? "" : "s",
		 loc->arg_specs ? loc->arg_specs : "", releases(shapes[0], rel, sizeof(rel)),
		 decl_signature(shapes[0], sig, sizeof(sig)), loc->nargs - 1);
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
	for (int i = 0; !d && i < loc->nargs; i++) {
		struct type ty = type_int(loc->args[i].size, loc->args[i].is_signed);
		fprintf(f, "    %-12s %-20s arg%d\n", type_name(&ty, t, sizeof(t)), "", i);
	}
}

static void list_one(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
		     const struct usdt_probe *p, const struct list_opts *o)
{
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

static void list_missing(FILE *f, const struct catalog *cat, const struct usdt_binary *bin,
			 const struct list_opts *o)
{
	bool bitcoind_like = false;
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
		fprintf(f, "%s:%s [missing from this binary; since v%d]\n", d->provider,
			d->event, d->since);
	}
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
	list_missing(f, cat, bin, o);
	if (!bin->nprobes)
		return diag_error(NULL, "was it built with -DWITH_USDT=ON (or --enable-usdt)?",
				  "%s has no USDT probes", bin->path);
	return shown;
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

int list_command(const char *pattern, bool verbose, pid_t pid, const char *cmd,
		 const char *path)
{
	const char *rest;
	char *bin_path = split_usdt_pattern(pattern, &rest);
	struct target t = { .pid = -1, .pidfd = -1, .release_fd = -1 };
	int rc = 0;
	if (!bin_path && cmd && !(bin_path = command_binary(cmd)))
		rc = diag_error(NULL, "check the command's path", "command not found: %s", cmd);
	if (!rc && !bin_path && (rc = target_open(&t, pid, NULL, path)) == 0)
		bin_path = strdup(t.path);
	struct catalog cat = { 0 };
	struct usdt_binary bin = { 0 };
	if (!rc && !(rc = catalog_load(&cat)) && !(rc = usdt_read_binary(bin_path, &bin))) {
		struct list_opts o = { rest && strcmp(rest, "*") ? rest : NULL, verbose, pid };
		rc = list_probes(stdout, &cat, &bin, &o);
	}
	usdt_free_binary(&bin);
	catalog_free(&cat);
	target_close(&t);
	free(bin_path);
	return rc;
}
