/* The interactive REPL: one session, entries typed one by one.  A probe
 * block is attached at once (session_add), a map expression is read from
 * the kernel maps, a .command looks at the session.  The loop polls stdin,
 * the ring buffer, the target's pidfd and a signalfd, so output of running
 * probes is printed above the prompt while a line is being typed
 * (readline's callback interface). */
#include "repl.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/driver.h"
#include "lang/builtin.h"
#include "runtime/attach.h"
#include "output/output.h"
#include "runtime/probe_kind.h"
#include "runtime/probes.h"
#include "runtime/usdt.h"

#define PROMPT "btctrace> "
#define PROMPT_MORE "      ... "

struct entry {
	struct source src;
	char name[24];
	struct entry *next;
};

struct repl {
	struct session *s;
	bool tty;		/* readline, banner, prompt */
	bool quiet;
	FILE *msg;		/* what the REPL says: stdout, stderr with -f json */
	int sfd;		/* SIGINT, SIGTERM (and SIGWINCH on a terminal) */
	sigset_t old_mask;
	int stats_fd;		/* BPF_ENABLE_STATS: run counts of programs */
	struct entry *entries;	/* every entry's text: locations point into them */
	int nentries;
	char *pending;		/* a program whose braces are still open */
	bool quit, eof;
	bool prompt_shown;	/* readline's line is on the screen */
	bool released;		/* the -c command runs */
	bool at_line_start;	/* the last byte written to stdout was '\n' */
	char *in;		/* pipe mode: bytes read, not yet a whole line */
	size_t inlen;
};

static struct repl *R;	/* readline's callbacks take no argument */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- signals and output ---- */

/* Reads pending signals.  Returns true when SIGINT came. */
static bool take_signals(struct repl *r)
{
	bool intr = false;
	struct signalfd_siginfo si;
	struct pollfd p = { r->sfd, POLLIN, 0 };
	while (poll(&p, 1, 0) == 1 && read(r->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGINT)
			intr = true;
		else if (si.ssi_signo == SIGTERM)
			r->quit = true;
		else if (si.ssi_signo == SIGWINCH && r->tty)
			rl_resize_terminal();
	}
	return intr;
}

/* Writes to stdout in pieces, so that Ctrl-C on a terminal cuts a long
 * output short; other files get it whole. */
static void emit(struct repl *r, FILE *f, const char *buf, size_t n)
{
	if (!n)
		return;
	if (f != stdout || !r->tty) {
		fwrite(buf, 1, n, f);
		fflush(f);
		return;
	}
	fflush(stdout);
	for (size_t off = 0; off < n;) {
		if (take_signals(r)) {
			/* The terminal has echoed ^C (unless readline holds it). */
			static const char cut[] = "\n(output cut short)\n";
			if (write(STDOUT_FILENO, cut, sizeof(cut) - 1) < 0)
				return;
			r->at_line_start = true;
			return;
		}
		size_t chunk = n - off < 2048 ? n - off : 2048;
		ssize_t w = write(STDOUT_FILENO, buf + off, chunk);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		off += (size_t)w;
		r->at_line_start = buf[off - 1] == '\n';
	}
}

/* Output printed into memory first, then emitted. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

static void capture_emit(struct repl *r, struct capture *c, FILE *to)
{
	fclose(c->f);
	emit(r, to, c->buf, c->len);
	free(c->buf);
}

/* Text that arrives while a line is being typed goes above it: the
 * prompt and the line are cleared, and drawn again below. */
static void above_prompt_begin(struct repl *r)
{
	fflush(stdout);
	if (r->tty && r->prompt_shown)
		rl_clear_visible_line();
}

static void above_prompt_end(struct repl *r)
{
	fflush(stdout);
	fflush(stderr);
	if (r->tty && r->prompt_shown) {
		rl_on_new_line();
		rl_redisplay();
	}
}

/* Ring-buffer records (exit(), printf() ...) print through the session
 * to its output, and so do interval probes run when their timer (fd) is
 * due; on the terminal that output is caught and put above the line
 * being typed. */
static void serve(struct repl *r, int fd)
{
	struct session *s = r->s;
	if (!s->rb)
		return;
	if (s->opts.out != stdout || !r->tty) {
		session_ready(s, fd);
		fflush(s->opts.out);
		return;
	}
	struct capture c;
	FILE *saved = s->opts.out;
	s->opts.out = capture_start(&c);
	session_ready(s, fd);
	s->opts.out = saved;
	fflush(c.f);
	if (!c.len) {
		fclose(c.f);
		free(c.buf);
		return;
	}
	above_prompt_begin(r);
	capture_emit(r, &c, stdout);
	if (!r->at_line_start)
		emit(r, stdout, "\n", 1);
	above_prompt_end(r);
}

static void drain_events(struct repl *r)
{
	serve(r, -1);
}

#define MAX_SESSION_FDS 24

static void check_target(struct repl *r);

/* Waits ms milliseconds while probes run (.sleep); Ctrl-C ends it. */
static void wait_running(struct repl *r, double ms)
{
	double until = now_ms() + ms;
	while (!r->quit && !r->s->exiting) {
		double left = until - now_ms();
		if (left <= 0)
			break;
		int fds[MAX_SESSION_FDS];
		int n = session_fds(r->s, fds, MAX_SESSION_FDS);
		struct pollfd p[1 + MAX_SESSION_FDS] = { { r->sfd, POLLIN, 0 } };
		for (int i = 0; i < n; i++)
			p[1 + i] = (struct pollfd){ fds[i], POLLIN, 0 };
		poll(p, 1 + n, left > 200 ? 200 : (int)left + 1);
		if (p[0].revents && take_signals(r)) {
			if (r->tty)	/* after the ^C the terminal echoed */
				emit(r, stdout, "\n", 1);
			break;
		}
		for (int i = 1; i <= n; i++)
			if (p[i].revents)
				serve(r, p[i].fd);
		check_target(r);
	}
}

/* ---- the target ---- */

static const char *shown_path(const struct session *s)
{
	/* -p reads the binary through /proc/PID/root: show the path itself. */
	const char *p = s->target.path;
	if (p && !strncmp(p, "/proc/", 6)) {
		const char *root = strstr(p, "/root/");
		if (root)
			return root + 5;
	}
	return p;
}

static void target_exited(struct repl *r)
{
	struct session *s = r->s;
	pid_t pid = s->target.pid;
	s->target_gone = true;
	char how[64] = "";
	if (s->target.is_child) {
		s->child_status = target_reap(&s->target, true);
		int st = s->child_status;
		if (st >= 0 && WIFEXITED(st))
			snprintf(how, sizeof(how), " with status %d", WEXITSTATUS(st));
		else if (st >= 0 && WIFSIGNALED(st))
			snprintf(how, sizeof(how), " (killed by signal %d)", WTERMSIG(st));
	}
	above_prompt_begin(r);
	fprintf(stderr, "btctrace: process %d exited%s; its probes no longer fire, the maps "
		"keep their values\n", pid, how);
	above_prompt_end(r);
}

/* Notices a target that exited, without waiting. */
static void check_target(struct repl *r)
{
	struct session *s = r->s;
	struct pollfd p = { s->target.pidfd, POLLIN, 0 };
	if (p.fd >= 0 && !s->target_gone && poll(&p, 1, 0) == 1)
		target_exited(r);
}

/* ---- entries ---- */

static struct source *new_entry(struct repl *r, const char *text)
{
	struct entry *e = calloc(1, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "<%d>", ++r->nentries);
	e->src.name = e->name;
	e->src.text = strdup(text);
	e->next = r->entries;
	r->entries = e;
	return &e->src;
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static bool word_is(const char *p, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(p, w, n) && !isalnum((unsigned char)p[n]) && p[n] != '_' && p[n] != ':';
}

enum repl_entry_kind repl_classify(const char *line)
{
	const char *p = skip_space(line);
	if (!*p || *p == '\n' || !strncmp(p, "//", 2))
		return REPL_EMPTY;
	if (*p == '.')
		return REPL_COMMAND;
	if (*p == '@')
		return REPL_MAP;
	static const char *const fns[] = { "print", "clear", "zero", "delete" };
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (word_is(p, fns[i]) && *skip_space(p + strlen(fns[i])) == '(')
			return REPL_MAP;
	return REPL_PROGRAM;
}

int repl_program_state(const char *text)
{
	int depth = 0;
	bool opened = false, in_str = false, in_comment = false;
	for (const char *p = text; *p; p++) {
		if (in_comment) {
			if (p[0] == '*' && p[1] == '/')
				in_comment = false, p++;
		} else if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"' || *p == '\n')
				in_str = false;
		} else if (p[0] == '/' && p[1] == '*') {
			in_comment = true, p++;
		} else if (p[0] == '/' && p[1] == '/') {
			while (p[1] && p[1] != '\n')
				p++;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '{') {
			depth++;
			opened = true;
		} else if (*p == '}') {
			depth--;
		}
	}
	if (!opened)
		return -1;
	return depth <= 0 && !in_comment ? 1 : 0;
}

/* ---- maps at the prompt ---- */

static const struct map_info *find_map(struct session *s, const char *name)
{
	for (const struct map_info *m = s->syms.maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* A map as the kernel holds it: sizes come from the map itself. */
struct kmap {
	int fd;
	struct bpf_map_info info;
	int ukey;		/* key bytes the program builds (cg_map_key) */
	size_t vbytes;		/* a lookup's value buffer */
	bool hist;		/* keys are (user key, bucket) */
};

static int kmap_open(struct session *s, const struct map_info *m, struct kmap *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = s->maps.fds ? s->maps.fds[m->id] : 0;
	if (k->fd <= 0)
		return diag_error(NULL, NULL, "map %s has no kernel map yet", m->name);
	uint32_t len = sizeof(k->info);
	if (bpf_obj_get_info_by_fd(k->fd, &k->info, &len))
		return diag_error(NULL, NULL, "cannot read map %s: %s", m->name, strerror(errno));
	k->hist = map_is_hist(m);
	k->ukey = map_user_key_size(m);
	if ((uint32_t)k->ukey + (k->hist ? 8 : 0) != k->info.key_size)
		return diag_error(NULL, "this is a btctrace bug", "internal error: map %s has "
				  "%u-byte keys, expected %d", m->name, k->info.key_size,
				  k->ukey + (k->hist ? 8 : 0));
	bool percpu = k->info.type == BPF_MAP_TYPE_PERCPU_HASH ||
		      k->info.type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      k->info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int ncpu = libbpf_num_possible_cpus();
	k->vbytes = percpu ? (size_t)ncpu * ((k->info.value_size + 7) / 8 * 8)
			   : k->info.value_size;
	return 0;
}

/* Every key of the map (a copy: entries may come and go meanwhile). */
static char *kmap_keys(const struct kmap *k, size_t *n)
{
	return maps_all_keys(k->fd, (int)k->info.key_size, n);
}

static int cmp_prefix(const void *a, const void *b, void *len)
{
	return memcmp(a, b, *(const int *)len);
}

/* Entries as printed: a histogram has one kernel entry per bucket. */
static size_t kmap_count(const struct kmap *k)
{
	size_t n, count = 0, ks = k->info.key_size;
	char *keys = kmap_keys(k, &n);
	if (k->hist)
		qsort_r(keys, n, ks, cmp_prefix, (void *)&k->ukey);
	for (size_t i = 0; i < n; i++)
		count += !k->hist || i == 0 || memcmp(keys + i * ks, keys + (i - 1) * ks, k->ukey);
	free(keys);
	return count;
}

/* Whether the map has an entry for the user key. */
static bool kmap_has(const struct kmap *k, const char *ukey)
{
	if (!k->hist) {
		void *val = malloc(k->vbytes);
		bool found = bpf_map_lookup_elem(k->fd, ukey, val) == 0;
		free(val);
		return found;
	}
	size_t n, ks = k->info.key_size;
	char *keys = kmap_keys(k, &n);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++)
		found = !memcmp(keys + i * ks, ukey, k->ukey);
	free(keys);
	return found;
}

/* Prints the entries of one key in the exit layout: they are copied into
 * a map of the same shape, which is printed in the session map's stead. */
static int print_key(struct repl *r, const struct map_info *m, const struct kmap *k,
		     const char *ukey, FILE *f, int top, int div)
{
	struct session *s = r->s;
	size_t n = 0, found = 0, ks = k->info.key_size;
	char *keys;
	if (k->hist) {
		keys = kmap_keys(k, &n);
	} else {
		keys = malloc(ks);
		memcpy(keys, ukey, ks);
		n = 1;
	}
	int tmp = bpf_map_create(k->info.type, "repl_key", k->info.key_size,
				 k->info.value_size, n ? (uint32_t)n : 1, NULL);
	if (tmp < 0) {
		free(keys);
		return diag_error(NULL, NULL, "cannot read %s: %s", m->name, strerror(errno));
	}
	void *val = malloc(k->vbytes);
	for (size_t i = 0; i < n; i++) {
		const char *key = keys + i * ks;
		if (memcmp(key, ukey, k->ukey) || bpf_map_lookup_elem(k->fd, key, val))
			continue;
		if (bpf_map_update_elem(tmp, key, val, BPF_ANY) == 0)
			found++;
	}
	free(val);
	free(keys);
	if (found) {
		struct map_set one = s->maps;
		one.fds = malloc(MAX_MAPS * sizeof(int));
		memcpy(one.fds, s->maps.fds, MAX_MAPS * sizeof(int));
		one.fds[m->id] = tmp;
		maps_print_one(&one, m, f, s->opts.format, top, div);
		free(one.fds);
	}
	close(tmp);
	return found ? 0 : -ENOENT;
}

/* A hand-written parser for the few forms a map takes at the prompt:
 *   @m   @m[k1, k2]   print(@m[...][, top[, div]])   clear(@m)   zero(@m)
 *   delete(@m[...])
 * Keys are integer or string literals. */
struct mx {
	const char *t;
	int i;
	struct source *src;
};

static struct loc mx_loc(struct mx *x, int at, int len)
{
	return (struct loc){ .src = x->src, .line = 1, .col = at + 1, .len = len > 0 ? len : 1 };
}

static int mx_fail(struct mx *x, int at, int len, const char *hint, const char *msg)
{
	struct loc l = mx_loc(x, at, len);
	return diag_error(&l, hint, "%s", msg);
}

static void mx_space(struct mx *x)
{
	while (x->t[x->i] == ' ' || x->t[x->i] == '\t' || x->t[x->i] == '\r')
		x->i++;
}

static bool mx_eat(struct mx *x, char c)
{
	mx_space(x);
	if (x->t[x->i] != c)
		return false;
	x->i++;
	return true;
}

static int mx_int(struct mx *x, int64_t *v)
{
	mx_space(x);
	int at = x->i;
	bool neg = x->t[x->i] == '-';
	if (neg)
		x->i++;
	const char *p = x->t + x->i;
	char *end;
	errno = 0;
	uint64_t u;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		u = strtoull(p, &end, 16);
	} else {
		u = strtoull(p, &end, 10);
		if (*end == 'e' && isdigit((unsigned char)end[1])) {
			long e = strtol(end + 1, &end, 10);
			while (e-- > 0 && u <= UINT64_MAX / 10)
				u *= 10;
			if (e >= 0)
				errno = ERANGE;
		}
	}
	if (isalnum((unsigned char)*end) || *end == '_')
		return mx_fail(x, at, (int)(end - x->t) - at + 1, "write a number such as 42, "
			       "0x2a or 1e6", "this is not a number");
	if (errno == ERANGE)
		return mx_fail(x, at, (int)(end - x->t) - at, NULL,
			       "integer literal does not fit in 64 bits");
	x->i = (int)(end - x->t);
	*v = neg ? -(int64_t)u : (int64_t)u;
	return 0;
}

/* A string literal with the language's escapes, into buf (len bytes). */
static int mx_string(struct mx *x, char *buf, int cap, int *len)
{
	int at = x->i, n = 0;
	const char *p = x->t + x->i + 1;
	while (*p && *p != '"' && *p != '\n') {
		char c = *p++;
		if (c == '\\') {
			switch (*p) {
			case 'n': c = '\n'; p++; break;
			case 't': c = '\t'; p++; break;
			case 'r': c = '\r'; p++; break;
			case '\\': c = '\\'; p++; break;
			case '"': c = '"'; p++; break;
			case 'x': {
				int v = 0, d = 0;
				for (p++; d < 2 && isxdigit((unsigned char)*p); d++, p++)
					v = v * 16 + (isdigit((unsigned char)*p) ? *p - '0' :
						      (tolower((unsigned char)*p) - 'a' + 10));
				if (!d)
					return mx_fail(x, (int)(p - x->t) - 2, 2, NULL,
						       "\\x needs hex digits");
				c = (char)v;
				break;
			}
			default:
				if (*p >= '0' && *p <= '7') {
					int v = 0, d = 0;
					for (; d < 3 && *p >= '0' && *p <= '7'; d++, p++)
						v = v * 8 + (*p - '0');
					c = (char)v;
					break;
				}
				return mx_fail(x, (int)(p - x->t) - 1, 2,
					       "use \\n \\t \\r \\\\ \\\" \\xHH or an octal \\NNN",
					       "unknown escape sequence in string");
			}
		}
		if (n < cap)
			buf[n] = c;
		n++;
	}
	if (*p != '"')
		return mx_fail(x, at, (int)(p - x->t) - at, "close the string with \"",
			       "unterminated string");
	x->i = (int)(p - x->t) + 1;
	*len = n;
	return 0;
}

struct mapref {
	const struct map_info *m;
	int at, len;		/* the whole @m[...] */
	bool keyed;		/* [...] was written */
	char *ukey;		/* key bytes as codegen builds them */
	bool impossible;	/* a string key longer than any stored one */
};

static int mx_mapref(struct mx *x, struct session *s, struct mapref *ref)
{
	mx_space(x);
	int at = x->i;
	if (x->t[x->i] != '@')
		return mx_fail(x, at, 1, "e.g. @n, @m[42] or @m[\"inv\"]", "expected a map");
	x->i++;
	while (isalnum((unsigned char)x->t[x->i]) || x->t[x->i] == '_')
		x->i++;
	char name[128];
	snprintf(name, sizeof(name), "%.*s", x->i - at, x->t + at);
	const struct map_info *m = find_map(s, name);
	if (!m) {
		char hint[512];
		int off = snprintf(hint, sizeof(hint), s->syms.maps ? "maps of this session:" :
				   "no maps yet: a probe block such as `utxocache:add { @n = "
				   "count(); }` makes one");
		for (const struct map_info *o = s->syms.maps; o && off < (int)sizeof(hint); o = o->next)
			off += snprintf(hint + off, sizeof(hint) - off, " %s", o->name);
		char msg[160];
		snprintf(msg, sizeof(msg), "unknown map %s", name);
		return mx_fail(x, at, x->i - at, hint, msg);
	}
	ref->m = m;
	ref->at = at;
	ref->ukey = calloc(1, map_user_key_size(m));
	if (mx_eat(x, '[')) {
		ref->keyed = true;
		int nk = 0;
		do {
			mx_space(x);
			int kat = x->i;
			if (nk >= (m->nkeys > 0 ? m->nkeys : 0)) {
				char msg[128];
				snprintf(msg, sizeof(msg), "%s has %d key%s", m->name,
					 m->nkeys > 0 ? m->nkeys : 0, m->nkeys == 1 ? "" : "s");
				return mx_fail(x, kat, 1, m->nkeys > 0 ? NULL : "write it without [...]",
					       msg);
			}
			const struct type *kt = &m->keys[nk];
			char *dst = ref->ukey + map_key_offset(m, nk);
			if (x->t[x->i] == '"') {
				if (kt->kind != T_STR)
					return mx_fail(x, kat, 1, "this key is an integer",
						       "key has another type than the map's");
				int cap = kt->size, len = 0;
				char buf[4096];
				if (mx_string(x, buf, sizeof(buf), &len))
					return -EINVAL;
				if (len >= cap || len >= (int)sizeof(buf))
					ref->impossible = true;
				else
					memcpy(dst, buf, len);
			} else {
				int64_t v;
				if (kt->kind != T_INT)
					return mx_fail(x, kat, 1, kt->kind == T_STR ?
						       "this key is a string: write it in double quotes" :
						       "keys of this type cannot be written at the prompt",
						       "key has another type than the map's");
				char c = x->t[x->i];
				if (!isdigit((unsigned char)c) && c != '-')
					return mx_fail(x, kat, 1, "keys at the prompt are integer or "
						       "string literals", "expected a key");
				if (mx_int(x, &v))
					return -EINVAL;
				memcpy(dst, &v, 8);
			}
			nk++;
		} while (mx_eat(x, ','));
		if (!mx_eat(x, ']'))
			return mx_fail(x, x->i, 1, "separate keys with ',' and close with ']'",
				       "expected ']'");
		if (nk != m->nkeys) {
			char msg[128];
			snprintf(msg, sizeof(msg), "%s has %d keys, not %d", m->name, m->nkeys, nk);
			return mx_fail(x, at, x->i - at, NULL, msg);
		}
	}
	ref->len = x->i - at;
	return 0;
}

enum mx_op { MX_PRINT, MX_CLEAR, MX_ZERO, MX_DELETE };

static void run_map(struct repl *r, struct source *src)
{
	struct session *s = r->s;
	struct mx x = { src->text, 0, src };
	struct mapref ref = { 0 };
	enum mx_op op = MX_PRINT;
	int64_t top = 0, div = 0;
	mx_space(&x);
	int at = x.i;
	if (x.t[x.i] != '@') {
		static const char *const names[] = { "print", "clear", "zero", "delete" };
		for (int i = 0; i < 4; i++)
			if (word_is(x.t + x.i, names[i])) {
				op = (enum mx_op)i;
				x.i += (int)strlen(names[i]);
			}
		mx_eat(&x, '(');
		if (mx_mapref(&x, s, &ref))
			goto out;
		if (op == MX_PRINT && mx_eat(&x, ',')) {
			if (mx_int(&x, &top) || (mx_eat(&x, ',') && mx_int(&x, &div)))
				goto out;
		}
		if (!mx_eat(&x, ')')) {
			mx_fail(&x, x.i, 1, op == MX_PRINT ? "print(@m), print(@m, top) or "
				"print(@m, top, div)" : "one map between the parentheses",
				"expected ')'");
			goto out;
		}
	} else if (mx_mapref(&x, s, &ref)) {
		goto out;
	}
	mx_eat(&x, ';');
	mx_space(&x);
	if (x.t[x.i] && strncmp(x.t + x.i, "//", 2)) {
		mx_fail(&x, x.i, (int)strlen(x.t + x.i), "one map expression per line; a probe "
			"block starts with its probe name", "unexpected text after the map");
		goto out;
	}
	const struct map_info *m = ref.m;
	if ((op == MX_CLEAR || op == MX_ZERO) && ref.keyed) {
		mx_fail(&x, ref.at, ref.len, "delete(@m[key]) removes one key",
			op == MX_CLEAR ? "clear() empties a whole map" : "zero() zeroes a whole map");
		goto out;
	}
	if (op == MX_DELETE && !ref.keyed && m->nkeys > 0) {
		mx_fail(&x, ref.at, ref.len, "clear(@m) empties the whole map",
			"delete() needs a key: delete(@m[key])");
		goto out;
	}
	if ((top < 0 || div < 0)) {
		mx_fail(&x, at, x.i - at, NULL, "top and div cannot be negative");
		goto out;
	}
	struct kmap k;
	if (kmap_open(s, m, &k))
		goto out;
	char keytext[256];
	snprintf(keytext, sizeof(keytext), "%.*s", ref.len, x.t + ref.at);
	switch (op) {
	case MX_PRINT: {
		struct capture c;
		FILE *f = s->opts.out == stdout ? capture_start(&c) : s->opts.out;
		int rc = 0;
		if (!ref.keyed)
			maps_print_one(&s->maps, m, f, s->opts.format, (int)top, (int)div);
		else if (ref.impossible || (rc = print_key(r, m, &k, ref.ukey, f, (int)top,
							     (int)div)) == -ENOENT)
			rc = -ENOENT;
		if (f != s->opts.out)
			capture_emit(r, &c, stdout);
		else
			fflush(f);
		if (rc == -ENOENT)
			fprintf(stderr, "btctrace: %s has no entry\n", keytext);
		break;
	}
	case MX_CLEAR:
		maps_clear(&s->maps, m, NULL);
		break;
	case MX_ZERO:
		maps_zero(&s->maps, m);
		break;
	case MX_DELETE:
		if (ref.impossible || !kmap_has(&k, ref.ukey))
			fprintf(stderr, "btctrace: %s has no entry\n", keytext);
		else
			maps_clear(&s->maps, m, ref.ukey);
		break;
	}
out:
	free(ref.ukey);
}

/* ---- probe blocks ---- */

static uint64_t probe_hits(struct repl *r, const struct attached_probe *a, bool *ok)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	*ok = r->stats_fd >= 0 && bpf_obj_get_info_by_fd(a->prog_fd, &info, &len) == 0;
	return *ok ? info.run_cnt : 0;
}

/* Probes of a kind created since seq. */
static int count_kind(struct session *s, const struct probe_kind *kind, int from_seq)
{
	int n = 0;
	for (const struct attached_probe *a = s->probes; a; a = a->next)
		n += a->kind == kind && a->seq >= from_seq;
	return n;
}

static void run_program(struct repl *r, struct source *src)
{
	struct session *s = r->s;
	double t0 = now_ms();
	int first;
	if (driver_add(s, src, NULL, &first))
		return;
	/* BEGIN runs now; END when the session ends. */
	int nbegin = count_kind(s, &probe_kind_begin, first);
	int nend = count_kind(s, &probe_kind_end, first);
	int nintervals = count_kind(s, &probe_kind_interval, first);
	/* Named before BEGIN runs: a BEGIN block is done once it ran. */
	char *names = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&names, &len);
	int n = 0;
	for (const struct attached_probe *a = s->probes; f && a; a = a->next)
		if (a->seq >= first && a->id)
			fprintf(f, "%s #%d %s", n++ ? "," : "attached", a->id, a->name);
	if (f)
		fclose(f);
	if (session_start_probes(s, first))
		fprintf(stderr, "btctrace: error: BEGIN of %s failed to run\n", src->name);
	drain_events(r);
	double ms = now_ms() - t0;
	if (s->target.is_child && !r->released) {
		r->released = true;
		if (target_release(&s->target))
			fprintf(stderr, "btctrace: error: cannot start the command\n");
	}
	if (r->quiet) {
		free(names);
		return;
	}
	fputs(names ? names : "", r->msg);
	free(names);
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

/* ---- session commands ---- */

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

static void cmd_probes(struct repl *r)
{
	struct session *s = r->s;
	int nend = count_kind(s, &probe_kind_end, 0);
	int nintervals = count_kind(s, &probe_kind_interval, 0);
	int nusdt = count_kind(s, &probe_kind_usdt, 0);
	if (!nusdt) {
		fprintf(r->msg, "no probes attached\n");
	} else {
		fprintf(r->msg, "%4s %12s  %s\n", "id", "hits", "probe");
		for (const struct attached_probe *a = s->probes; a; a = a->next) {
			if (!a->id)
				continue;
			bool ok;
			uint64_t hits = probe_hits(r, a, &ok);
			if (ok)
				fprintf(r->msg, "%4d %12llu  %s\n", a->id, (unsigned long long)hits, a->name);
			else
				fprintf(r->msg, "%4d %12s  %s\n", a->id, "-", a->name);
		}
	}
	if (nend)
		fprintf(r->msg, "%d END block%s will run when the session ends\n", nend,
		       nend == 1 ? "" : "s");
	if (nintervals)
		fprintf(r->msg, "%d interval block%s run%s in btctrace (they cannot be detached)\n",
			nintervals, nintervals == 1 ? "" : "s", nintervals == 1 ? "s" : "");
	if (r->stats_fd < 0 && nusdt)
		fprintf(r->msg, "(hit counts need BPF run-time statistics, which this kernel refused)\n");
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
		const struct attached_probe *a = NULL;
		for (a = s->probes; a && !*end; a = a->next)
			if (a->id == id && id > 0)
				break;
		if (*end || !a) {
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
	o.pid = s->target.pid > 0 && !s->target_gone ? s->target.pid : 0;
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
	if (!s->cat.stdlib && catalog_load(&s->cat))
		return;
	struct capture c;
	int n = list_probes(capture_start(&c), &s->cat, bin, &o);
	capture_emit(r, &c, r->msg);
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

static void cmd_maps(struct repl *r)
{
	struct session *s = r->s;
	if (!s->syms.maps) {
		fprintf(r->msg, "no maps yet\n");
		return;
	}
	for (const struct map_info *m = s->syms.maps; m; m = m->next) {
		char kind[64], keys[256] = "", t[64];
		map_kind(m, kind, sizeof(kind));
		int off = 0;
		for (int i = 0; i < m->nkeys && off < (int)sizeof(keys); i++)
			off += snprintf(keys + off, sizeof(keys) - off, "%s%s", i ? ", " : "[",
					type_name(&m->keys[i], t, sizeof(t)));
		if (off && off < (int)sizeof(keys))
			snprintf(keys + off, sizeof(keys) - off, "]");
		struct kmap k;
		size_t n = 0;
		bool have = s->maps.fds && s->maps.fds[m->id] > 0 && kmap_open(s, m, &k) == 0;
		if (have)
			n = kmap_count(&k);
		fprintf(r->msg, "%-16s %-22s %-24s %zu entr%s\n", m->name, kind, keys, n, n == 1 ? "y" : "ies");
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
		for (const struct attached_probe *a = s->probes; a; a = a->next)
			if (a->id == id && id > 0) {
				capture_start(&c);
				fprintf(c.f, "; #%d %s\n%s", a->id, a->name, a->ir ? a->ir : "");
				capture_emit(r, &c, r->msg);
				return;
			}
		fprintf(stderr, "btctrace: error: no attached probe #%d\nhint: .probes lists them\n",
			id);
		return;
	}
	/* The block keeps its columns in messages: ".ir " becomes blanks. */
	char *text = (char *)src->text;
	memset(text, ' ', arg - text);
	capture_start(&c);
	if (driver_add(s, src, c.f, NULL)) {
		fclose(c.f);
		free(c.buf);
		return;
	}
	capture_emit(r, &c, r->msg);
}

static void run_command(struct repl *r, struct source *src)
{
	const char *p = skip_space(src->text);
	char cmd[32];
	int n = 0;
	while (p[n] && !isspace((unsigned char)p[n]) && n < (int)sizeof(cmd) - 1)
		cmd[n] = p[n], n++;
	cmd[n] = 0;
	const char *rest = skip_space(p + n);
	char *args = strdup(rest);
	for (size_t len = strlen(args); len && isspace((unsigned char)args[len - 1]);)
		args[--len] = 0;
	if (!strcmp(cmd, ".help") || !strcmp(cmd, ".h") || !strcmp(cmd, ".?")) {
		struct capture c;
		fputs(help_text, capture_start(&c));
		capture_emit(r, &c, r->msg);
	} else if (!strcmp(cmd, ".quit") || !strcmp(cmd, ".q") || !strcmp(cmd, ".exit")) {
		r->quit = true;
	} else if (!strcmp(cmd, ".probes")) {
		cmd_probes(r);
	} else if (!strcmp(cmd, ".detach")) {
		cmd_detach(r, args);
	} else if (!strcmp(cmd, ".list")) {
		cmd_list(r, args);
	} else if (!strcmp(cmd, ".maps")) {
		cmd_maps(r);
	} else if (!strcmp(cmd, ".ir")) {
		cmd_ir(r, skip_space(p + n), src);
	} else if (!strcmp(cmd, ".sleep")) {
		char *end;
		double sec = strtod(args, &end);
		if (!*args || *end || sec < 0)
			fprintf(stderr, "btctrace: error: .sleep needs seconds, e.g. .sleep 0.5\n");
		else
			wait_running(r, sec * 1e3);
	} else {
		struct loc l = { .src = src, .line = 1, .col = (int)(p - src->text) + 1, .len = n };
		diag_error(&l, ".help lists the commands", "unknown command %s", cmd);
	}
	free(args);
	fflush(r->msg);
}

/* ---- one line of input ---- */

static void set_prompt(struct repl *r)
{
	if (r->tty)
		rl_set_prompt(r->pending ? PROMPT_MORE : PROMPT);
}

static void submit_pending(struct repl *r)
{
	struct source *src = new_entry(r, r->pending);
	free(r->pending);
	r->pending = NULL;
	run_program(r, src);
}

static void on_line(struct repl *r, const char *line)
{
	check_target(r);
	if (!line) {
		if (r->pending) {
			fprintf(stderr, "btctrace: the unfinished probe block was not attached\n");
			free(r->pending);
			r->pending = NULL;
		}
		r->quit = true;
		return;
	}
	if (!r->pending) {
		switch (repl_classify(line)) {
		case REPL_EMPTY:
			return;
		case REPL_COMMAND:
			run_command(r, new_entry(r, line));
			return;
		case REPL_MAP:
			run_map(r, new_entry(r, line));
			fflush(stdout);
			return;
		case REPL_PROGRAM:
			r->pending = strdup(line);
			break;
		}
	} else {
		size_t a = strlen(r->pending), b = strlen(line);
		r->pending = realloc(r->pending, a + b + 2);
		r->pending[a] = '\n';
		memcpy(r->pending + a + 1, line, b + 1);
	}
	int state = repl_program_state(r->pending);
	/* An empty line under a header that opened no block gives up on it. */
	if (state == 1 || (state < 0 && !*skip_space(line)))
		submit_pending(r);
}

static void readline_line(char *line)
{
	struct repl *r = R;
	r->prompt_shown = false;
	if (!line)
		emit(r, stdout, "\n", 1);
	else if (*skip_space(line)) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line))
			add_history(line);
	}
	r->at_line_start = true;
	on_line(r, line);
	free(line);
	fflush(stdout);
	if (r->quit || r->s->exiting) {
		rl_callback_handler_remove();
		return;
	}
	set_prompt(r);
	r->prompt_shown = true;
}

/* Pipe mode: whole lines from the bytes read so far. */
static void read_pipe(struct repl *r)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		r->in = realloc(r->in, r->inlen + n + 1);
		memcpy(r->in + r->inlen, buf, n);
		r->inlen += n;
	}
	size_t start = 0;
	for (size_t i = 0; i < r->inlen && !r->quit && !r->s->exiting; i++)
		if (r->in[i] == '\n') {
			r->in[i] = 0;
			on_line(r, r->in + start);
			start = i + 1;
		}
	memmove(r->in, r->in + start, r->inlen - start);
	r->inlen -= start;
	if (n <= 0) {
		if (r->inlen && !r->quit) {
			r->in[r->inlen] = 0;
			on_line(r, r->in);
			r->inlen = 0;
		}
		if (!r->quit)
			on_line(r, NULL);
		r->eof = true;
	}
}

/* ---- completion ---- */

static const char *const commands[] = { ".help", ".quit", ".probes", ".detach", ".list",
					".maps", ".ir", ".sleep", NULL };
static const char *const prompt_fns[] = { "print", "clear", "zero", "delete", NULL };

static char **cands;
static int ncands, capcands;

static void cand(const char *s)
{
	for (int i = 0; i < ncands; i++)
		if (!strcmp(cands[i], s))
			return;
	if (ncands + 1 >= capcands)
		cands = realloc(cands, (capcands = capcands ? capcands * 2 : 64) * sizeof(char *));
	cands[ncands++] = strdup(s);
}

static void cands_clear(void)
{
	for (int i = 0; i < ncands; i++)
		free(cands[i]);
	ncands = 0;
}

static char *cand_next(const char *text, int state)
{
	static int i;
	if (!state)
		i = 0;
	size_t len = strlen(text);
	while (i < ncands)
		if (!strncmp(cands[i++], text, len))
			return strdup(cands[i - 1]);
	return NULL;
}

static bool is_function(const struct builtin_table *t, const char *name)
{
	const struct builtin *b = builtin_find(t, name);
	if (b)
		return b->cls != B_VALUE;
	for (int i = 0; prompt_fns[i]; i++)
		if (!strcmp(name, prompt_fns[i]))
			return true;
	return false;
}

static void cand_probes(struct repl *r, bool with_begin_end)
{
	const struct usdt_binary *bin = session_target_binary(r->s);
	for (int i = 0; bin && i < bin->nprobes; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%s:%s", bin->probes[i].provider, bin->probes[i].name);
		cand(name);
	}
	if (with_begin_end) {
		cand("BEGIN");
		cand("END");
	}
}

static void cand_maps(struct repl *r)
{
	for (const struct map_info *m = r->s->syms.maps; m; m = m->next)
		cand(m->name);
}

/* The probe of the block being typed: the first attach point of the
 * header whose '{' is still open. */
static const struct usdt_probe *current_probe(struct repl *r, const char *text)
{
	int depth = 0;
	const char *header = text, *open = NULL;
	for (const char *p = text; *p; p++) {
		if (*p == '{' && depth++ == 0)
			open = p;
		else if (*p == '}' && depth > 0 && --depth == 0)
			header = p + 1;
	}
	if (!open || depth == 0)
		return NULL;
	const char *p = header;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = strcspn(p, " \t\n,/{");
	char spec[256];
	snprintf(spec, sizeof(spec), "%.*s", (int)n, p);
	char *event = strrchr(spec, ':');
	if (!event)
		return NULL;
	*event++ = 0;
	char *provider = strrchr(spec, ':');
	provider = provider ? provider + 1 : spec;
	const struct usdt_binary *bin = session_target_binary(r->s);
	return bin ? usdt_find_probe(bin, provider, event) : NULL;
}

/* args.NAME of the probe being typed, from the catalog's matching shape. */
static void cand_args(struct repl *r, const struct usdt_probe *p)
{
	struct session *s = r->s;
	if (!p || (!s->cat.stdlib && catalog_load(&s->cat)))
		return;
	char why[512];
	const struct tp_decl *d = shape_for(&s->cat, p, why, sizeof(why));
	for (int i = 0; d && i < d->nargs; i++) {
		char name[128];
		snprintf(name, sizeof(name), "args.%s", d->args[i].name);
		cand(name);
	}
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	struct repl *r = R;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = ' ';
	cands_clear();
	/* The entry so far: earlier lines of an open block, then this line. */
	size_t plen = r->pending ? strlen(r->pending) + 1 : 0;
	char *before = malloc(plen + start + 1);
	if (r->pending) {
		memcpy(before, r->pending, plen - 1);
		before[plen - 1] = '\n';
	}
	memcpy(before + plen, rl_line_buffer, start);
	before[plen + start] = 0;
	const char *line_start = skip_space(rl_line_buffer);
	bool first_word = !r->pending && !*skip_space(before);
	if (!r->pending && *line_start == '.') {
		if (first_word) {
			for (int i = 0; commands[i]; i++)
				cand(commands[i]);
		} else if (!strncmp(line_start, ".list", 5)) {
			cand_probes(r, false);
		} else if (!strncmp(line_start, ".detach", 7) || !strncmp(line_start, ".ir", 3)) {
			for (const struct attached_probe *a = r->s->probes; a; a = a->next) {
				if (!a->id)
					continue;
				char id[16];
				snprintf(id, sizeof(id), "%d", a->id);
				cand(id);
			}
		}
	} else if (text[0] == '@') {
		cand_maps(r);
	} else if (repl_program_state(before) == 0) {
		/* Inside a block: builtins, args, maps. */
		const struct usdt_probe *p = current_probe(r, before);
		const struct builtin_table *t = r->s->opts.builtins;
		for (int i = 0; t && i < t->n; i++)
			cand(t->entries[i].name);
		cand_args(r, p);
		for (int i = 0; p && p->nlocs && i < p->locs[0].nargs; i++) {
			char name[16];
			snprintf(name, sizeof(name), "arg%d", i);
			cand(name);
		}
		cand_maps(r);
	} else {
		cand_probes(r, true);
		if (first_word) {
			for (int i = 0; prompt_fns[i]; i++)
				cand(prompt_fns[i]);
			cand_maps(r);
		}
	}
	free(before);
	char **matches = rl_completion_matches(text, cand_next);
	if (matches && !matches[1] && is_function(R->s->opts.builtins, matches[0]))
		rl_completion_append_character = '(';
	return matches;
}

/* ---- the loop ---- */

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *path = NULL;
	if (home && *home && asprintf(&path, "%s/.btctrace_history", home) < 0)
		path = NULL;
	return path;
}

static void banner(struct repl *r)
{
	struct session *s = r->s;
	const struct usdt_binary *bin = session_target_binary(s);
	printf("btctrace: tracing %s", shown_path(s));
	if (s->target.is_child)
		printf(" (pid %d, started by -c and held until the first block is attached)",
		       s->target.pid);
	else if (s->target.pid > 0)
		printf(" (pid %d)", s->target.pid);
	else
		printf(" (every process running it)");
	if (bin)
		printf(", %d probe%s", bin->nprobes, bin->nprobes == 1 ? "" : "s");
	printf(".\nType a probe block to attach it, e.g. utxocache:add { @n = count(); }\n"
	       ".help for help, Tab to complete, Ctrl-D to end (maps are printed).\n");
	fflush(stdout);
}

static void loop(struct repl *r)
{
	struct session *s = r->s;
	while (!r->quit && !s->exiting) {
		struct pollfd p[3 + MAX_SESSION_FDS];
		int n = 0, sig = n++, pidfd = -1, in = -1;
		p[sig] = (struct pollfd){ r->sfd, POLLIN, 0 };
		if (s->target.pidfd >= 0 && !s->target_gone) {
			pidfd = n++;
			p[pidfd] = (struct pollfd){ s->target.pidfd, POLLIN, 0 };
		}
		if (!r->eof) {
			in = n++;
			p[in] = (struct pollfd){ STDIN_FILENO, POLLIN, 0 };
		}
		int fds[MAX_SESSION_FDS], first = n;
		int nfds = session_fds(s, fds, MAX_SESSION_FDS);
		for (int i = 0; i < nfds; i++)
			p[n++] = (struct pollfd){ fds[i], POLLIN, 0 };
		if (poll(p, n, 1000) < 0 && errno != EINTR)
			break;
		if (p[sig].revents && take_signals(r)) {
			if (!r->tty) {
				r->quit = true;	/* a script's Ctrl-C */
			} else {
				emit(r, stdout, "^C\n", 3);
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				free(r->pending);
				r->pending = NULL;
				set_prompt(r);
				rl_on_new_line();
				rl_redisplay();
			}
		}
		for (int i = first; i < n; i++)
			if (p[i].revents)
				serve(r, p[i].fd);
		if (pidfd >= 0 && p[pidfd].revents)
			target_exited(r);
		if (in >= 0 && p[in].revents && !r->quit) {
			if (r->tty)
				rl_callback_read_char();
			else
				read_pipe(r);
		}
	}
	drain_events(r);
}

int repl_main(const struct session_opts *opts, struct source *initial)
{
	struct session s;
	struct repl r = { .s = &s, .quiet = opts->quiet, .stats_fd = -1, .at_line_start = true };
	R = &r;
	r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	/* -f json keeps stdout for JSON lines only. */
	r.msg = opts->format == FMT_JSON ? stderr : stdout;
	session_open(&s, opts);
	s.next_probe_id = 1;	/* ids people type: #1 is the first probe */
	int status = 1;
	if (session_prepare(&s))
		goto out;
	/* Ctrl-C at the prompt must not reach a -c command. */
	if (s.target.is_child)
		setpgid(s.target.pid, s.target.pid);
	/* Hit counts: the kernel counts runs of every program while this fd
	 * is open. */
	r.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (r.tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &r.old_mask);
	r.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

	if (initial) {
		int first;
		if (driver_add(&s, initial, NULL, &first)) {
			status = 1;
			goto restore;
		}
		session_start_probes(&s, first);
		if (s.target.is_child && !target_release(&s.target))
			r.released = true;
	}
	char *hist = NULL;
	if (r.tty) {
		if (!r.quiet)
			banner(&r);
		rl_readline_name = "btctrace";
		rl_catch_signals = 0;
		rl_catch_sigwinch = 0;
		rl_attempted_completion_function = complete;
		rl_basic_word_break_characters = " \t\n\"\\'`><=;|&{}()[],+-*/%!~?^";
		using_history();
		stifle_history(2000);
		if ((hist = history_path()))
			read_history(hist);
		rl_callback_handler_install(PROMPT, readline_line);
		r.prompt_shown = true;
	}
	loop(&r);
	if (r.tty) {
		if (r.prompt_shown) {
			rl_callback_handler_remove();
			emit(&r, stdout, "\n", 1);
		}
		if (hist && write_history(hist))
			fprintf(stderr, "btctrace: warning: cannot write %s\n", hist);
		free(hist);
		cands_clear();
		free(cands);
	}
	fflush(stdout);
	status = session_end(&s, 0);
restore:
	if (r.sfd >= 0)
		close(r.sfd);
	sigprocmask(SIG_SETMASK, &r.old_mask, NULL);
out:
	if (r.stats_fd >= 0)
		close(r.stats_fd);
	session_close(&s);
	for (struct entry *e = r.entries, *next; e; e = next) {
		next = e->next;
		free((char *)e->src.text);
		free(e);
	}
	free(r.pending);
	free(r.in);
	R = NULL;
	return status;
}
