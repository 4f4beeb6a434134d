/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The interactive REPL: one session, entries typed one by one.  A probe
 * block is attached at once (repl_cmds.c), a map expression is read from
 * the kernel maps (repl_maps.c), a .command looks at the session.  The
 * loop here polls stdin, the ring buffer, the target's pidfd and a
 * signalfd, so output of running probes is printed above the prompt while
 * a line is being typed (readline's callback interface). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <readline/history.h>
#include <readline/readline.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "btctrace_version.h"
#include "cli/driver.h"
#include "cli/repl_internal.h"
#include "runtime/attach.h"
#include "runtime/usdt.h"

#define MAX_SESSION_FDS 24

static struct repl *R;	/* readline's callbacks take no argument */

double repl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *repl_skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
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
void repl_emit(struct repl *r, FILE *f, const char *buf, size_t n)
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

FILE *repl_capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

void repl_capture_emit(struct repl *r, struct capture *c, FILE *to)
{
	fclose(c->f);
	repl_emit(r, to, c->buf, c->len);
	free(c->buf);
}

void repl_capture_drop(struct capture *c)
{
	fclose(c->f);
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
	if (!session_has_events(s))
		return;
	if (session_out(s) != stdout || !r->tty) {
		session_ready(s, fd);
		fflush(session_out(s));
		return;
	}
	struct capture c;
	FILE *saved = session_set_out(s, repl_capture_start(&c));
	session_ready(s, fd);
	session_set_out(s, saved);
	fflush(c.f);
	if (!c.len) {
		repl_capture_drop(&c);
		return;
	}
	above_prompt_begin(r);
	repl_capture_emit(r, &c, stdout);
	if (!r->at_line_start)
		repl_emit(r, stdout, "\n", 1);
	above_prompt_end(r);
}

void repl_drain_events(struct repl *r)
{
	serve(r, -1);
}

/* ---- the target ---- */

static const char *shown_path(struct session *s)
{
	/* -p reads the binary through /proc/PID/...: show the path itself. */
	return target_shown_path(session_target(s));
}

static void target_exited(struct repl *r)
{
	struct session *s = r->s;
	pid_t pid = session_target(s)->pid;
	int st = session_target_exited(s);
	char how[64] = "";
	if (st >= 0 && WIFEXITED(st))
		snprintf(how, sizeof(how), " with status %d", WEXITSTATUS(st));
	else if (st >= 0 && WIFSIGNALED(st))
		snprintf(how, sizeof(how), " (killed by signal %d)", WTERMSIG(st));
	above_prompt_begin(r);
	diag_note(NULL, "process %d exited%s; its probes no longer fire, the maps keep their "
		  "values", pid, how);
	above_prompt_end(r);
}

/* Notices a target that exited, without waiting. */
static void check_target(struct repl *r)
{
	struct pollfd p = { session_target_pidfd(r->s), POLLIN, 0 };
	if (p.fd >= 0 && poll(&p, 1, 0) == 1)
		target_exited(r);
}

/* Waits ms milliseconds while probes run (.sleep); Ctrl-C ends it. */
void repl_wait(struct repl *r, double ms)
{
	double until = repl_now_ms() + ms;
	while (!r->quit && !session_exiting(r->s)) {
		double left = until - repl_now_ms();
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
				repl_emit(r, stdout, "\n", 1);
			break;
		}
		for (int i = 1; i <= n; i++)
			if (p[i].revents)
				serve(r, p[i].fd);
		check_target(r);
	}
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

static void free_entries(struct repl *r)
{
	for (struct entry *e = r->entries, *next; e; e = next) {
		next = e->next;
		free((char *)e->src.text);
		free(e);
	}
	r->entries = NULL;
}

enum repl_entry_kind repl_classify(const char *line)
{
	if (*repl_skip_space(line) == '.')
		return REPL_COMMAND;
	char name[16];
	switch (lex_lead(line, name, sizeof(name))) {
	case LEAD_NOTHING:
		return REPL_EMPTY;
	case LEAD_MAP:
		return REPL_MAP;
	case LEAD_CALL:
		for (int i = 0; repl_map_functions[i]; i++)
			if (!strcmp(name, repl_map_functions[i]))
				return REPL_MAP;
		return REPL_PROGRAM;
	case LEAD_OTHER:
		break;
	}
	return REPL_PROGRAM;
}

int repl_program_state(const char *text)
{
	struct lex_progress p;
	lex_progress(text, &p);
	if (p.opened && p.depth <= 0 && !p.in_comment)
		return 1;
	if (p.bad_at >= 0)
		return -2;
	return p.opened ? 0 : -1;
}

/* ---- one line of input ---- */

static void set_prompt(struct repl *r)
{
	if (r->tty)
		rl_set_prompt(r->pending ? PROMPT_MORE : PROMPT);
}

/* An entry failed: in pipe mode the session's exit status becomes 1. */
static void failed(struct repl *r, int rc)
{
	if (rc)
		r->failed = true;
}

static void submit_pending(struct repl *r)
{
	struct source *src = new_entry(r, r->pending);
	free(r->pending);
	r->pending = NULL;
	failed(r, repl_run_program(r, src));
}

/* Words typed at many prompts, taken as the commands they mean: help,
 * quit, exit, exit() (a ';' may follow).  0 for none. */
static char bare_word(const char *line)
{
	static const struct { const char *word; char what; } words[] = {
		{ "help", 'h' }, { "help()", 'h' }, { "quit", 'q' }, { "quit()", 'q' },
		{ "exit", 'q' }, { "exit()", 'q' },
	};
	const char *p = repl_skip_space(line);
	size_t n = strlen(p);
	while (n && strchr(" \t\r;", p[n - 1]))
		n--;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == n && !strncmp(p, words[i].word, n))
			return words[i].what;
	return 0;
}

/* Whether line starts an entry of its own (a command, a map, a bare
 * word): it cannot continue a probe name typed before it. */
static bool starts_entry(const char *line)
{
	enum repl_entry_kind k = repl_classify(line);
	return bare_word(line) || k == REPL_COMMAND || k == REPL_MAP;
}

/* The first line of an entry; true when it starts a probe block. */
static bool first_line(struct repl *r, const char *line)
{
	switch (bare_word(line)) {
	case 'h':
		failed(r, repl_run_command(r, new_entry(r, ".help")));
		return false;
	case 'q':
		r->quit = true;
		return false;
	}
	switch (repl_classify(line)) {
	case REPL_EMPTY:
		return false;
	case REPL_COMMAND:
		failed(r, repl_run_command(r, new_entry(r, line)));
		return false;
	case REPL_MAP:
		failed(r, repl_run_map(r, new_entry(r, line)));
		fflush(stdout);
		return false;
	case REPL_PROGRAM:
		break;
	}
	r->pending = strdup(line);
	return true;
}

/* Where byte `at` of text is, as a location of src. */
static struct loc loc_at(const struct source *src, int at, int len)
{
	struct loc l = { .src = src, .line = 1, .col = 1, .len = len > 0 ? len : 1 };
	for (int i = 0; i < at && src->text[i]; i++) {
		if (src->text[i] == '\n')
			l.line++, l.col = 1;
		else
			l.col++;
	}
	return l;
}

/* The pending text can never become a probe block: said now, not after
 * more lines that would be swallowed. */
static void reject_pending(struct repl *r)
{
	struct lex_progress p;
	lex_progress(r->pending, &p);
	struct source *src = new_entry(r, r->pending);
	free(r->pending);
	r->pending = NULL;
	r->failed = true;
	struct loc l = loc_at(src, p.bad_at, p.bad_len);
	const char *tok = src->text + p.bad_at;
	if (p.bad_at == (int)(repl_skip_space(src->text) - src->text) &&
	    !memchr(tok, ':', p.bad_len) && *tok != '{' && *tok != '}')
		diag_error(&l, "a probe block is context:event { ... }, e.g. utxocache:add "
			   "{ @n = count(); }; .help lists what can be typed, .quit ends the "
			   "session", "'%.*s' is not a probe, a map or a command", p.bad_len, tok);
	else
		diag_error(&l, "a probe block is `context:event /predicate/ { statements; }`; "
			   "several probes are separated by ','", "unexpected '%.*s'",
			   p.bad_len, tok);
}

/* A probe name waits for its block, but the line typed next is an entry
 * of its own: the name is dropped with an error, the line runs. */
static void drop_header(struct repl *r)
{
	struct source *src = new_entry(r, r->pending);
	free(r->pending);
	r->pending = NULL;
	r->failed = true;
	const char *p = repl_skip_space(src->text);
	struct loc l = loc_at(src, (int)(p - src->text), (int)strcspn(p, " \t\r\n"));
	diag_error(&l, "a probe block is `context:event /predicate/ { statements; }`",
		   "no block followed this probe name; it was dropped");
}

static void on_line(struct repl *r, const char *line)
{
	check_target(r);
	if (!line) {
		if (r->pending && r->piped) {
			diag_error(NULL, NULL, "the input ended inside a probe block; it was not "
				   "attached");
			r->failed = true;
		} else if (r->pending) {
			diag_note(NULL, "the unfinished probe block was not attached");
		}
		free(r->pending);
		r->pending = NULL;
		r->quit = true;
		return;
	}
	if (r->pending && repl_program_state(r->pending) == -1 && starts_entry(line))
		drop_header(r);
	if (!r->pending) {
		if (!first_line(r, line))
			return;
	} else {
		size_t a = strlen(r->pending), b = strlen(line);
		r->pending = realloc(r->pending, a + b + 2);
		r->pending[a] = '\n';
		memcpy(r->pending + a + 1, line, b + 1);
	}
	int state = repl_program_state(r->pending);
	/* An empty line under a header that opened no block gives up on it. */
	if (state == 1 || (state == -1 && !*repl_skip_space(line)))
		submit_pending(r);
	else if (state == -2)
		reject_pending(r);
}

static void readline_line(char *line)
{
	struct repl *r = R;
	r->prompt_shown = false;
	if (!line)
		repl_emit(r, stdout, "\n", 1);
	else if (*repl_skip_space(line)) {
		HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
		if (!last || strcmp(last->line, line))
			add_history(line);
	}
	r->at_line_start = true;
	on_line(r, line);
	free(line);
	fflush(stdout);
	if (r->quit || session_exiting(r->s)) {
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
	for (size_t i = 0; i < r->inlen && !r->quit && !session_exiting(r->s); i++)
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

/* ---- the loop ---- */

static char *history_path(void)
{
	const char *home = getenv("HOME");
	char *path = NULL;
	if (home && *home && asprintf(&path, "%s/.btctrace_history", home) < 0)
		path = NULL;
	return path;
}

/* ~/.btctrace_history, opened without following a symlink: btctrace
 * runs as root, and readline's own read_history/write_history follow one
 * (and would rewrite whatever it points to).  -1 after a warning, or
 * quietly when there is no history file to read yet. */
static int history_open(const char *path, int flags)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct stat st;
	if (fd < 0 && errno == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		diag_warn(NULL, "remove the link to keep a history", "%s is a symbolic link: the "
			  "REPL neither reads nor writes history through it", path);
	else if (fd < 0 && errno != ENOENT)
		diag_warn(NULL, NULL, "cannot open %s: %s", path, strerror(errno));
	else if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		diag_warn(NULL, NULL, "%s is not a regular file: no history is kept", path);
		close(fd);
		fd = -1;
	}
	return fd;
}

static void history_load(const char *path)
{
	int fd = history_open(path, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (f && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		add_history(line);
	}
	free(line);
	if (f)
		fclose(f);
	else if (fd >= 0)
		close(fd);
}

static void history_save(const char *path)
{
	int fd = history_open(path, O_WRONLY | O_CREAT | O_TRUNC);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (fd < 0)
		return;
	for (int i = 0; f && i < history_length; i++) {
		HIST_ENTRY *e = history_get(history_base + i);
		if (e)
			fprintf(f, "%s\n", e->line);
	}
	if (!f || ferror(f) | fclose(f))
		diag_warn(NULL, NULL, "cannot write %s", path);
	if (!f)
		close(fd);
}

static void banner(struct repl *r)
{
	struct session *s = r->s;
	const struct target *t = session_target(s);
	const struct usdt_binary *bin = session_target_binary(s);
	printf("btctrace %s: tracing %s", BTCTRACE_VERSION, shown_path(s));
	if (t->is_child)
		printf(" (pid %d, started by -c and held until the first block is attached)",
		       t->pid);
	else if (t->pid > 0)
		printf(" (pid %d)", t->pid);
	else
		printf(" (every process running it)");
	if (bin)
		printf(", %d probe%s", bin->nprobes, bin->nprobes == 1 ? "" : "s");
	printf(".\nType a probe block to attach it, e.g. utxocache:add { @n = count(); }\n"
	       ".help for help, Tab to complete, Ctrl-D to end (maps are printed).\n");
	fflush(stdout);
}

/* Ctrl-C at the prompt: the line and an unfinished block are dropped. */
static void cancel_line(struct repl *r)
{
	if (!r->tty) {
		r->quit = true;	/* a script's Ctrl-C */
		return;
	}
	repl_emit(r, stdout, "^C\n", 3);
	rl_callback_sigcleanup();
	rl_replace_line("", 0);
	free(r->pending);
	r->pending = NULL;
	set_prompt(r);
	rl_on_new_line();
	rl_redisplay();
}

static void loop(struct repl *r)
{
	struct session *s = r->s;
	while (!r->quit && !session_exiting(s)) {
		struct pollfd p[3 + MAX_SESSION_FDS];
		int n = 0, sig = n++, pidfd = -1, in = -1;
		p[sig] = (struct pollfd){ r->sfd, POLLIN, 0 };
		if (session_target_pidfd(s) >= 0) {
			pidfd = n++;
			p[pidfd] = (struct pollfd){ session_target_pidfd(s), POLLIN, 0 };
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
		if (p[sig].revents && take_signals(r))
			cancel_line(r);
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
	repl_drain_events(r);
}

/* ---- starting and ending ---- */

static void block_signals(struct repl *r)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (r->tty)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, &r->old_mask);
	r->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* -i -e PROGRAM: added first, as a script would be.  0 or -errno. */
static int add_initial(struct repl *r, struct source *initial)
{
	struct session *s = r->s;
	int first;
	if (driver_add(s, initial, NULL, &first))
		return -EINVAL;
	repl_start_probes(r, first, initial->name, false);
	if (session_target(s)->is_child && !target_release(session_target(s)))
		r->released = true;
	return 0;
}

/* The terminal: banner, readline, history.  Returns the history's path. */
static char *terminal_start(struct repl *r)
{
	char *hist = NULL;
	if (!r->quiet)
		banner(r);
	rl_readline_name = "btctrace";
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	repl_complete_init(r);
	using_history();
	stifle_history(2000);
	if ((hist = history_path()))
		history_load(hist);
	rl_callback_handler_install(PROMPT, readline_line);
	r->prompt_shown = true;
	return hist;
}

static void terminal_end(struct repl *r, char *hist)
{
	if (r->prompt_shown) {
		rl_callback_handler_remove();
		repl_emit(r, stdout, "\n", 1);
	}
	if (hist)
		history_save(hist);
	free(hist);
	repl_complete_end();
}

/* The session from its start to its end (END blocks, the map dump). */
static int run(struct repl *r, struct source *initial)
{
	struct session *s = r->s;
	/* Ctrl-C at the prompt must not reach a -c command. */
	if (session_target(s)->is_child)
		setpgid(session_target(s)->pid, session_target(s)->pid);
	/* Hit counts: the kernel counts runs of every program while this fd
	 * is open. */
	r->stats_fd = prog_stats_enable();
	block_signals(r);
	int status = 1;
	if (!initial || !add_initial(r, initial)) {
		char *hist = r->tty ? terminal_start(r) : NULL;
		loop(r);
		if (r->tty)
			terminal_end(r, hist);
		fflush(stdout);
		status = session_end(s, 0);
	}
	if (r->sfd >= 0)
		close(r->sfd);
	sigprocmask(SIG_SETMASK, &r->old_mask, NULL);
	return status;
}

int repl_main(const struct session_opts *opts, struct source *initial)
{
	struct session s;
	struct repl r = { .s = &s, .quiet = opts->quiet, .stats_fd = -1, .at_line_start = true };
	R = &r;
	r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	r.piped = !isatty(STDIN_FILENO);
	/* -f json keeps stdout for JSON lines only. */
	r.msg = opts->format == FMT_JSON ? stderr : stdout;
	session_open(&s, opts);
	session_set_first_id(&s, 1);	/* ids people type: #1 is the first probe */
	int status = 1;
	if (!session_prepare(&s))
		status = run(&r, initial);
	/* A script fed to the REPL fails as a script would: any entry. */
	if (r.piped && r.failed && status == 0)
		status = 1;
	if (r.stats_fd >= 0)
		close(r.stats_fd);
	session_close(&s);
	free_entries(&r);
	free(r.pending);
	free(r.in);
	R = NULL;
	return status;
}
