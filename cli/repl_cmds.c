/* Entries that act on the session: probe blocks (attached at once) and
 * the .commands: .help .quit .probes .detach .list .maps .ir .sleep. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "abi/abi.h"
#include "cli/repl_internal.h"
#include "lang/builtin.h"
#include "runtime/attach.h"
#include "runtime/probes.h"

/* ---- probe blocks ---- */

void repl_run_begins(struct repl *r, int from, const char *name, bool serve)
{
	struct session *s = r->s;
	for (int i = from; i < sess_nbegin(s) && !sess_exiting(s); i++) {
		if (prog_run_once(sess_begin_fd(s, i)) && serve)
			fprintf(stderr, "btctrace: error: BEGIN of %s failed to run\n", name);
		if (serve)
			repl_drain_events(r);
	}
	sess_close_begins(s, from);
}

/* "attached #1 utxocache:add, BEGIN ran (12.3 ms)" */
static void report_added(struct repl *r, int first, const struct session_mark *mark,
			 int nbegin, double ms)
{
	struct session *s = r->s;
	int nend = sess_nend(s) - mark->nend, nintervals = sess_nintervals(s) - mark->nintervals;
	int n = 0;
	for (const struct attached_probe *a = sess_probes(s); a; a = a->next)
		if (a->id >= first)
			fprintf(r->msg, "%s #%d %s", n++ ? "," : "attached", a->id, a->name);
	if (nbegin)
		fprintf(r->msg, "%sBEGIN ran", n++ ? ", " : "");
	if (nend)
		fprintf(r->msg, "%sEND will run when the session ends", n++ ? ", " : "");
	if (nintervals)
		fprintf(r->msg, "%s%d interval block%s running", n++ ? ", " : "", nintervals,
			nintervals == 1 ? "" : "s");
	if (!n)
		fprintf(r->msg, "nothing to attach");
	if (r->tty)
		fprintf(r->msg, " (%.1f ms)", ms);
	fprintf(r->msg, "\n");
	fflush(r->msg);
}

void repl_run_program(struct repl *r, struct source *src)
{
	struct session *s = r->s;
	struct session_mark mark;
	session_mark(s, &mark);
	double t0 = repl_now_ms();
	int first;
	if (session_add(s, src, &first)) {
		session_rollback(s, &mark);
		return;
	}
	/* BEGIN runs now; END when the session ends. */
	int nbegin = sess_nbegin(s) - mark.nbegin;
	repl_run_begins(r, mark.nbegin, src->name, true);
	double ms = repl_now_ms() - t0;
	if (sess_target(s)->is_child && !r->released) {
		r->released = true;
		if (target_release(sess_target(s)))
			fprintf(stderr, "btctrace: error: cannot start the command\n");
	}
	if (!r->quiet)
		report_added(r, first, &mark, nbegin, ms);
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
	if (!sess_probes(s)) {
		fprintf(r->msg, "no probes attached\n");
	} else {
		fprintf(r->msg, "%4s %12s  %s\n", "id", "hits", "probe");
		for (const struct attached_probe *a = sess_probes(s); a; a = a->next) {
			uint64_t hits;
			if (r->stats_fd >= 0 && prog_run_count(a->prog_fd, &hits))
				fprintf(r->msg, "%4d %12llu  %s\n", a->id, (unsigned long long)hits, a->name);
			else
				fprintf(r->msg, "%4d %12s  %s\n", a->id, "-", a->name);
		}
	}
	int nend = sess_nend(s), nintervals = sess_nintervals(s);
	if (nend)
		fprintf(r->msg, "%d END block%s will run when the session ends\n", nend,
			nend == 1 ? "" : "s");
	if (nintervals)
		fprintf(r->msg, "%d interval block%s run%s in btctrace (they cannot be detached)\n",
			nintervals, nintervals == 1 ? "" : "s", nintervals == 1 ? "s" : "");
	if (r->stats_fd < 0 && sess_probes(s))
		fprintf(r->msg, "(hit counts need BPF run-time statistics, which this kernel refused)\n");
}

static const struct attached_probe *find_probe(struct session *s, int id)
{
	for (const struct attached_probe *a = sess_probes(s); a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

static void cmd_detach(struct repl *r, char *args)
{
	struct session *s = r->s;
	char *save = NULL;
	int n = 0;
	for (char *tok = strtok_r(args, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		n++;
		char *end;
		long id = strtol(tok + (*tok == '#'), &end, 10);
		const struct attached_probe *a = *end ? NULL : find_probe(s, (int)id);
		if (!a) {
			fprintf(stderr, "btctrace: error: no attached probe #%s\nhint: .probes lists "
				"them\n", tok + (*tok == '#'));
			continue;
		}
		char *name = strdup(a->name);
		session_detach(s, (int)id);
		if (!r->quiet)
			fprintf(r->msg, "detached #%ld %s\n", id, name);
		free(name);
	}
	if (!n)
		fprintf(stderr, "btctrace: error: .detach needs probe ids\nhint: .probes lists "
			"them\n");
}

static void cmd_list(struct repl *r, char *args)
{
	struct session *s = r->s;
	struct list_opts o = { 0 };
	struct target *t = sess_target(s);
	o.pid = t->pid > 0 && !sess_target_gone(s) ? t->pid : 0;
	char *save = NULL;
	for (char *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(tok, "-v"))
			o.verbose = true;
		else
			o.pattern = tok;
	}
	const struct usdt_binary *bin = session_target_binary(s);
	if (!bin) {
		fprintf(stderr, "btctrace: error: this session has no target binary\n");
		return;
	}
	const struct catalog *cat = sess_catalog(s);
	if (!cat)
		return;
	struct capture c;
	int n = list_probes(repl_capture_start(&c), cat, bin, &o);
	repl_capture_emit(r, &c, r->msg);
	if (n == 0)
		fprintf(stderr, "btctrace: no probe matches '%s'\n", o.pattern ? o.pattern : "*");
}

static void map_kind(const struct map_info *m, char *buf, size_t len)
{
	char t[64];
	if (!m->agg)
		snprintf(buf, len, "%s", type_name(&m->value, t, sizeof(t)));
	else if (m->agg->agg_kind == AGG_LHIST)
		snprintf(buf, len, "lhist(%lld, %lld, %lld)", (long long)m->lhist_min,
			 (long long)m->lhist_max, (long long)m->lhist_step);
	else
		snprintf(buf, len, "%s()", m->agg->name);
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
	if (!sess_maps(s)) {
		fprintf(r->msg, "no maps yet\n");
		return;
	}
	for (const struct map_info *m = sess_maps(s); m; m = m->next) {
		char kind[64], keys[256];
		map_kind(m, kind, sizeof(kind));
		map_keys(m, keys, sizeof(keys));
		size_t n = 0;
		maps_count(sess_map_set(s), m, &n);
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

static void cmd_ir(struct repl *r, const char *arg, struct source *src)
{
	struct session *s = r->s;
	struct capture c;
	if (!*arg) {
		fprintf(stderr, "btctrace: error: .ir needs a probe id or a probe block\n"
			"hint: .ir 1, or .ir utxocache:add { @n = count(); }\n");
		return;
	}
	if (all_digits(arg)) {
		int id = atoi(arg + (*arg == '#'));
		const struct attached_probe *a = find_probe(s, id);
		if (!a) {
			fprintf(stderr, "btctrace: error: no attached probe #%d\nhint: .probes "
				"lists them\n", id);
			return;
		}
		repl_capture_start(&c);
		fprintf(c.f, "; #%d %s\n%s", a->id, a->name, a->ir ? a->ir : "");
		repl_capture_emit(r, &c, r->msg);
		return;
	}
	/* The block keeps its columns in messages: ".ir " becomes blanks. */
	char *text = (char *)src->text;
	memset(text, ' ', arg - text);
	repl_capture_start(&c);
	if (session_ir(s, src, c.f))
		repl_capture_drop(&c);
	else
		repl_capture_emit(r, &c, r->msg);
}

static void cmd_sleep(struct repl *r, const char *args)
{
	char *end;
	double sec = strtod(args, &end);
	if (!*args || *end || sec < 0)
		fprintf(stderr, "btctrace: error: .sleep needs seconds, e.g. .sleep 0.5\n");
	else
		repl_wait(r, sec * 1e3);
}

/* Runs command cmd; false when there is no such command. */
static bool dispatch(struct repl *r, const char *cmd, char *args, const char *rest,
		     struct source *src)
{
	if (!strcmp(cmd, ".help") || !strcmp(cmd, ".h") || !strcmp(cmd, ".?"))
		cmd_help(r);
	else if (!strcmp(cmd, ".quit") || !strcmp(cmd, ".q") || !strcmp(cmd, ".exit"))
		r->quit = true;
	else if (!strcmp(cmd, ".probes"))
		cmd_probes(r);
	else if (!strcmp(cmd, ".detach"))
		cmd_detach(r, args);
	else if (!strcmp(cmd, ".list"))
		cmd_list(r, args);
	else if (!strcmp(cmd, ".maps"))
		cmd_maps(r);
	else if (!strcmp(cmd, ".ir"))
		cmd_ir(r, rest, src);
	else if (!strcmp(cmd, ".sleep"))
		cmd_sleep(r, args);
	else
		return false;
	return true;
}

void repl_run_command(struct repl *r, struct source *src)
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
	if (!dispatch(r, cmd, args, rest, src)) {
		struct loc l = { .src = src, .line = 1, .col = (int)(p - src->text) + 1, .len = n };
		diag_error(&l, ".help lists the commands", "unknown command %s", cmd);
	}
	free(args);
	fflush(r->msg);
}
