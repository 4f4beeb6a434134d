/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Entries that act on the session: probe blocks (attached at once) and
 * the .commands: .help .quit .probes .detach .list .maps .ir .sleep. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "cli/repl_internal.h"
#include "lang/builtin.h"
#include "cli/driver.h"
#include "runtime/attach.h"
#include "runtime/probe_kind.h"
#include "runtime/probes.h"

/* ---- probe blocks ---- */

/* Starts the probes an entry added: BEGIN runs now (its output served
 * at once when `serve`), END when the session ends. */
void repl_start_probes(struct repl *r, int first_seq, const char *name, bool serve)
{
	struct session *s = r->s;
	if (session_start_probes(s, first_seq) && serve)
		diag_error(NULL, NULL, "BEGIN of %s failed to run", name);
	if (serve)
		repl_drain_events(r);
}

/* "attached #1 utxocache:add, BEGIN ran (12.3 ms)": the probes are named
 * before BEGIN runs, since a BEGIN block is gone once it ran. */
static char *describe_added(struct session *s, int first_seq)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	int n = 0;
	for (const struct attached_probe *a = session_probes(s); a; a = a->next)
		if (a->seq >= first_seq && a->id)
			fprintf(f, "%s #%d %s", n++ ? "," : "attached", a->id, a->name);
	int nbegin = session_count_probes(s, &probe_kind_begin, first_seq);
	int nend = session_count_probes(s, &probe_kind_end, first_seq);
	int nintervals = session_count_probes(s, &probe_kind_interval, first_seq);
	if (nbegin)
		fprintf(f, "%sBEGIN ran", n++ ? ", " : "");
	if (nend)
		fprintf(f, "%sEND will run when the session ends", n++ ? ", " : "");
	if (nintervals)
		fprintf(f, "%s%d interval block%s running", n++ ? ", " : "", nintervals,
			nintervals == 1 ? "" : "s");
	if (!n)
		fprintf(f, "nothing to attach");
	fclose(f);
	return text;
}

int repl_run_program(struct repl *r, struct source *src)
{
	struct session *s = r->s;
	double t0 = repl_now_ms();
	int first, rc = 0;
	if (driver_add(s, src, NULL, &first))
		return -1;
	char *added = r->quiet ? NULL : describe_added(s, first);
	if (session_start_probes(s, first)) {
		diag_error(NULL, NULL, "BEGIN of %s failed to run", src->name);
		rc = -1;
	}
	repl_drain_events(r);
	double ms = repl_now_ms() - t0;
	if (session_target(s)->is_child && !r->released) {
		r->released = true;
		if (target_release(session_target(s)))
			rc = diag_error(NULL, NULL, "cannot start the command");
	}
	if (added) {
		fputs(added, r->msg);
		if (r->tty)
			fprintf(r->msg, " (%.1f ms)", ms);
		fprintf(r->msg, "\n");
		fflush(r->msg);
	}
	free(added);
	return rc ? -1 : 0;
}

/* ---- .commands ---- */

static const char help_text[] =
	"A probe block is attached as soon as its braces close:\n"
	"  utxocache:add { @n = count(); @v = hist(arg3); }\n"
	"Maps live as long as the session; read and change them with\n"
	"  @n   @v[key]   print(@v)   print(@v, top, div)     print in the exit layout\n"
	"  clear(@v)   zero(@v)   delete(@v[key])             empty, zero, remove a key\n"
	"Commands:\n"
	"  .probes              attached probes with their ids and hit counts\n"
	"  .detach ID...        detach probes (their maps stay)\n"
	"  .list [-v] [PATTERN] the target's probes, e.g. .list net:*\n"
	"  .maps                maps with their types and number of entries\n"
	"  .ir ID | .ir BLOCK   LLVM IR of an attached probe, or of a block (not attached)\n"
	"  .sleep SECONDS       let probes run (for scripts)\n"
	"  .help  .quit\n"
	"Tab completes probe names, builtins, maps and commands.  Ctrl-C cancels the\n"
	"line or cuts output short; Ctrl-D or .quit ends the session: END blocks run,\n"
	"every map is printed and the probes are detached.\n";

static void cmd_help(struct repl *r)
{
	struct capture c;
	fputs(help_text, repl_capture_start(&c));
	repl_capture_emit(r, &c, r->msg);
}

static void cmd_probes(struct repl *r)
{
	struct session *s = r->s;
	int nusdt = session_count_probes(s, &probe_kind_usdt, 0);
	if (!nusdt) {
		fprintf(r->msg, "no probes attached\n");
	} else {
		fprintf(r->msg, "%4s %12s  %s\n", "id", "hits", "probe");
		for (const struct attached_probe *a = session_probes(s); a; a = a->next) {
			if (!a->id)
				continue;
			uint64_t hits;
			if (r->stats_fd >= 0 && prog_run_count(a->prog_fd, &hits))
				fprintf(r->msg, "%4d %12llu  %s\n", a->id, (unsigned long long)hits, a->name);
			else
				fprintf(r->msg, "%4d %12s  %s\n", a->id, "-", a->name);
		}
	}
	int nend = session_count_probes(s, &probe_kind_end, 0);
	int nintervals = session_count_probes(s, &probe_kind_interval, 0);
	if (nend)
		fprintf(r->msg, "%d END block%s will run when the session ends\n", nend,
			nend == 1 ? "" : "s");
	if (nintervals)
		fprintf(r->msg, "%d interval block%s run%s in btctrace (they cannot be detached)\n",
			nintervals, nintervals == 1 ? "" : "s", nintervals == 1 ? "s" : "");
	if (r->stats_fd < 0 && nusdt)
		fprintf(r->msg, "(hit counts need BPF run-time statistics, which this kernel refused)\n");
}

static const struct attached_probe *find_probe(struct session *s, int id)
{
	for (const struct attached_probe *a = session_probes(s); a; a = a->next)
		if (a->id == id && id > 0)
			return a;
	return NULL;
}

static int cmd_detach(struct repl *r, char *args)
{
	struct session *s = r->s;
	char *save = NULL;
	int n = 0, rc = 0;
	for (char *tok = strtok_r(args, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		n++;
		char *end;
		long id = strtol(tok + (*tok == '#'), &end, 10);
		const struct attached_probe *a = *end ? NULL : find_probe(s, (int)id);
		if (!a) {
			rc = diag_error(NULL, ".probes lists them", "no attached probe #%s",
					tok + (*tok == '#'));
			continue;
		}
		char *name = strdup(a->name);
		session_detach(s, (int)id);
		if (!r->quiet)
			fprintf(r->msg, "detached #%ld %s\n", id, name);
		free(name);
	}
	if (!n)
		rc = diag_error(NULL, ".probes lists them", ".detach needs probe ids");
	return rc;
}

static int cmd_list(struct repl *r, char *args)
{
	struct session *s = r->s;
	struct list_opts o = { 0 };
	struct target *t = session_target(s);
	o.pid = t->pid > 0 && !session_target_gone(s) ? t->pid : 0;
	char *save = NULL;
	for (char *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "-v"))
			o.verbose = true;
		else
			o.pattern = tok;
	}
	const struct usdt_binary *bin = session_target_binary(s);
	if (!bin)
		return diag_error(NULL, NULL, "this session has no target binary");
	const struct catalog *cat = session_catalog_view(s);
	if (!cat)
		return -EINVAL;
	struct capture c;
	int n = list_probes(repl_capture_start(&c), cat, bin, &o);
	repl_capture_emit(r, &c, r->msg);
	if (n == 0)
		diag_note(NULL, "no probe matches '%s'", o.pattern ? o.pattern : "*");
	return 0;
}

/* "[uint64, string[7]]", or "" for a map without keys. */
static void map_keys(const struct map_info *m, char *buf, size_t len)
{
	char t[64];
	int off = 0;
	buf[0] = 0;
	for (int i = 0; i < m->nkeys && off < (int)len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "[",
				type_name(&m->keys[i], t, sizeof(t)));
	if (off && off < (int)len)
		snprintf(buf + off, len - off, "]");
}

static void cmd_maps(struct repl *r)
{
	struct session *s = r->s;
	if (!session_map_list(s)) {
		fprintf(r->msg, "no maps yet\n");
		return;
	}
	for (const struct map_info *m = session_map_list(s); m; m = m->next) {
		char kind[64], keys[256];
		builtin_describe_map(m, kind, sizeof(kind));
		map_keys(m, keys, sizeof(keys));
		size_t n = 0;
		maps_count(session_map_set(s), m, &n);
		fprintf(r->msg, "%-16s %-22s %-24s %zu entr%s\n", m->name, kind, keys, n,
			n == 1 ? "y" : "ies");
	}
}

static bool all_digits(const char *p)
{
	p += *p == '#';
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static int cmd_ir(struct repl *r, const char *arg, struct source *src)
{
	struct session *s = r->s;
	struct capture c;
	if (!*arg)
		return diag_error(NULL, ".ir 1, or .ir utxocache:add { @n = count(); }",
				  ".ir needs a probe id or a probe block");
	if (all_digits(arg)) {
		int id = atoi(arg + (*arg == '#'));
		const struct attached_probe *a = find_probe(s, id);
		if (!a)
			return diag_error(NULL, ".probes lists them", "no attached probe #%d", id);
		repl_capture_start(&c);
		fprintf(c.f, "; #%d %s\n%s", a->id, a->name, a->ir ? a->ir : "");
		repl_capture_emit(r, &c, r->msg);
		return 0;
	}
	/* The block keeps its columns in messages: ".ir " becomes blanks. */
	char *text = (char *)src->text;
	memset(text, ' ', arg - text);
	repl_capture_start(&c);
	if (driver_add(s, src, c.f, NULL)) {
		repl_capture_drop(&c);
		return -EINVAL;
	}
	repl_capture_emit(r, &c, r->msg);
	return 0;
}

static int cmd_sleep(struct repl *r, const char *args)
{
	char *end;
	double sec = strtod(args, &end);
	if (!*args || *end || sec < 0)
		return diag_error(NULL, NULL, ".sleep needs seconds, e.g. .sleep 0.5");
	repl_wait(r, sec * 1e3);
	return 0;
}

/* Runs command cmd: 0, -errno after an error, or 1 when there is no
 * such command. */
static int dispatch(struct repl *r, const char *cmd, char *args, const char *rest,
		    struct source *src)
{
	if (!strcmp(cmd, ".help") || !strcmp(cmd, ".h") || !strcmp(cmd, ".?"))
		cmd_help(r);
	else if (!strcmp(cmd, ".quit") || !strcmp(cmd, ".q") || !strcmp(cmd, ".exit"))
		r->quit = true;
	else if (!strcmp(cmd, ".probes"))
		cmd_probes(r);
	else if (!strcmp(cmd, ".detach"))
		return cmd_detach(r, args);
	else if (!strcmp(cmd, ".list"))
		return cmd_list(r, args);
	else if (!strcmp(cmd, ".maps"))
		cmd_maps(r);
	else if (!strcmp(cmd, ".ir"))
		return cmd_ir(r, rest, src);
	else if (!strcmp(cmd, ".sleep"))
		return cmd_sleep(r, args);
	else
		return 1;
	return 0;
}

int repl_run_command(struct repl *r, struct source *src)
{
	const char *p = repl_skip_space(src->text);
	char cmd[32];
	int n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n < (int)sizeof(cmd) - 1)
		cmd[n] = p[n], n++;
	cmd[n] = 0;
	const char *rest = repl_skip_space(p + n);
	char *args = strdup(rest);
	for (size_t len = strlen(args); len && isspace((unsigned char)args[len - 1]);)
		args[--len] = 0;
	int rc = dispatch(r, cmd, args, rest, src);
	if (rc > 0) {
		struct loc l = { .src = src, .line = 1, .col = (int)(p - src->text) + 1, .len = n };
		rc = diag_error(&l, ".help lists the commands", "unknown command %s", cmd);
	}
	free(args);
	fflush(r->msg);
	return rc ? -1 : 0;
}
