/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The REPL driven as a person drives it: btctrace runs on a real
 * pseudo-terminal (forkpty) against a running `btcsim coins --forever`;
 * probes are added and detached, maps read and changed, names completed
 * with TAB, errors made and recovered from, and the session quit.  Then
 * the same session is replayed from a pipe, and a -c target that exits.
 * Nothing is mocked and nothing is skipped: a missing piece fails. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "btctrace_version.h"
#include "check.h"
#include "cli/repl.h"

#define PROMPT "btctrace> "
#define PROMPT_MORE "      ... "

static const char *build;
static char home[64];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- the terminal ---- */

struct term {
	int fd;
	pid_t pid;
	char *raw;
	size_t rawlen;
	char *text;		/* raw without escape sequences and \r */
	size_t len;
	size_t seen;		/* expect() looks after this */
};

static void clean(struct term *t)
{
	t->text = realloc(t->text, t->rawlen + 1);
	size_t n = 0;
	for (size_t i = 0; i < t->rawlen; i++) {
		char c = t->raw[i];
		if (c == 0x1b && i + 1 < t->rawlen) {
			char k = t->raw[++i];
			if (k == '[') {	/* CSI: parameters, then a final byte */
				while (i + 1 < t->rawlen && !(t->raw[i + 1] >= 0x40 && t->raw[i + 1] <= 0x7e))
					i++;
				i++;
			} else if (k == ']') {	/* OSC, up to BEL or ST */
				while (i + 1 < t->rawlen && t->raw[i + 1] != 7 && t->raw[i + 1] != 0x1b)
					i++;
				i++;
			}
			continue;
		}
		if (c == '\r' || c == 7)
			continue;
		t->text[n++] = c;
	}
	t->text[n] = 0;
	t->len = n;
}

/* Reads what the terminal has for up to ms; false when the program ended. */
static bool term_read(struct term *t, int ms)
{
	struct pollfd p = { t->fd, POLLIN, 0 };
	if (poll(&p, 1, ms) <= 0)
		return true;
	char buf[8192];
	ssize_t n = read(t->fd, buf, sizeof(buf));
	if (n <= 0)
		return false;
	t->raw = realloc(t->raw, t->rawlen + n + 1);
	memcpy(t->raw + t->rawlen, buf, n);
	t->rawlen += n;
	clean(t);
	return true;
}

static void term_send(struct term *t, const char *s)
{
	size_t n = strlen(s);
	if (write(t->fd, s, n) != (ssize_t)n)
		fprintf(stderr, "write to the terminal failed: %s\n", strerror(errno));
}

static void show_tail(const char *text, size_t from)
{
	fprintf(stderr, "--- screen since the last match ---\n%s\n--- end ---\n", text + from);
}

/* Waits for needle after what was matched before; returns its offset in
 * t->text or -1 (a failure, with the screen shown). */
static long term_expect(struct term *t, const char *needle, int timeout_ms, int line)
{
	double end = now_ms() + timeout_ms;
	for (;;) {
		char *hit = t->text ? strstr(t->text + t->seen, needle) : NULL;
		if (hit) {
			long at = hit - t->text;
			t->seen = at + strlen(needle);
			return at;
		}
		double left = end - now_ms();
		if (left <= 0 || !term_read(t, left > 100 ? 100 : (int)left + 1)) {
			if ((hit = t->text ? strstr(t->text + t->seen, needle) : NULL))
				continue;
			check_failures++;
			fprintf(stderr, "test_repl_pty.c:%d: no \"%s\" on the terminal\n", line, needle);
			show_tail(t->text ? t->text : "", t->seen);
			return -1;
		}
	}
}
#define EXPECT(t, needle, ms) (check_count++, term_expect((t), (needle), (ms), __LINE__))

/* Types one line and returns what it printed before the next prompt
 * (malloc'd, without the echoed line). */
static char *term_cmd(struct term *t, const char *line, int timeout_ms, int src_line)
{
	size_t start = t->seen;
	term_send(t, line);
	term_send(t, "\r");
	check_count++;
	long at = term_expect(t, "\n" PROMPT, timeout_ms, src_line);
	if (at < 0)
		return strdup("");
	const char *out = strchr(t->text + start, '\n');
	out = out && out - t->text <= at ? out + 1 : t->text + at;
	return strndup(out, t->text + at + 1 - out);
}
#define CMD(t, line) term_cmd((t), (line), 10000, __LINE__)

/* ---- helpers ---- */

static pid_t start_sim(const char *const *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDIN_FILENO);
		char path[4096];
		snprintf(path, sizeof(path), "%s/btcsim", build);
		char *argv[16] = { path };
		for (int i = 0; args[i] && i < 14; i++)
			argv[i + 1] = (char *)args[i];
		execv(path, argv);
		_exit(127);
	}
	return pid;
}

/* The number after "NAME: " in text, or -1. */
static long long value_of(const char *text, const char *name)
{
	char key[128];
	snprintf(key, sizeof(key), "%s: ", name);
	const char *p = text;
	const char *hit = NULL;
	while ((p = strstr(p, key))) {	/* the last one: the freshest */
		if (p == text || p[-1] == '\n')
			hit = p;
		p++;
	}
	return hit ? strtoll(hit + strlen(key), NULL, 10) : -1;
}

/* The hit count .probes shows for probe id, or -1. */
static long long hits_of(const char *probes, int id)
{
	for (const char *l = probes; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		int got;
		long long hits;
		if (sscanf(l, "%d %lld", &got, &hits) == 2 && got == id)
			return hits;
	}
	return -1;
}

static bool matches(const char *text, const char *re)
{
	regex_t r;
	if (regcomp(&r, re, REG_EXTENDED | REG_NEWLINE))
		return false;
	bool ok = regexec(&r, text, 0, NULL, 0) == 0;
	regfree(&r);
	return ok;
}

#define CHECK_RE(text, re) do { check_count++; if (!matches((text), (re))) { check_failures++; \
	fprintf(stderr, "%s:%d: no match for /%s/ in:\n%s\n", __FILE__, __LINE__, (re), (text)); } \
	} while (0)

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double attach_ms(const char *out)
{
	const char *p = strstr(out, " ms)");
	while (p && p > out && p[-1] != '(')
		p--;
	return p ? strtod(p, NULL) : -1;
}

/* ---- pure functions ---- */

static void test_classify(void)
{
	CHECK_INT(repl_classify("   "), REPL_EMPTY);
	CHECK_INT(repl_classify("// a comment"), REPL_EMPTY);
	CHECK_INT(repl_classify(".probes"), REPL_COMMAND);
	CHECK_INT(repl_classify("  @adds"), REPL_MAP);
	CHECK_INT(repl_classify("@m[1, \"x\"]"), REPL_MAP);
	CHECK_INT(repl_classify("print(@m, 10)"), REPL_MAP);
	CHECK_INT(repl_classify("delete (@m[3])"), REPL_MAP);
	CHECK_INT(repl_classify("utxocache:add { @n = count(); }"), REPL_PROGRAM);
	CHECK_INT(repl_classify("printer:x { }"), REPL_PROGRAM);
	CHECK_INT(repl_program_state("utxocache:add"), -1);
	CHECK_INT(repl_program_state("utxocache:add {"), 0);
	CHECK_INT(repl_program_state("utxocache:add { @s[\"}\"] = count(); // }"), 0);
	CHECK_INT(repl_program_state("utxocache:add { /* } */ @n = count(); }"), 1);
	CHECK_INT(repl_program_state("a:b { if (1) { @x = 1; }\n}"), 1);
	/* Waiting for more only while more can make a program of it. */
	CHECK_INT(repl_program_state("utxocache:add,"), -1);
	CHECK_INT(repl_program_state("utxocache:add /args.value > 1/"), -1);
	CHECK_INT(repl_program_state("BEGIN"), -1);
	CHECK_INT(repl_program_state("hlep"), -2);
	CHECK_INT(repl_program_state("utxocache:add utxocache:spent"), -2);
	CHECK_INT(repl_program_state("utxocache:add\n@n"), -2);
	CHECK_INT(repl_program_state("{ @n = count();"), -2);
	CHECK_INT(repl_program_state("a:b { } hlep"), 1);	/* the parser says why */
}

/* ---- the terminal session ---- */

static const char *const ten_probes[] = {
	"utxocache:add", "utxocache:spent", "utxocache:uncache", "utxocache:flush",
	"validation:block_connected", "mempool:added", "mempool:removed", "mempool:replaced",
	"mempool:rejected", "net:inbound_message",
};

/* btctrace -p sim on a new terminal: no program, so the REPL without -i. */
static void term_start(struct term *t, pid_t sim)
{
	struct winsize ws = { .ws_row = 50, .ws_col = 250 };
	t->pid = forkpty(&t->fd, NULL, NULL, &ws);
	if (t->pid == 0) {
		char path[4096], pid[16];
		snprintf(path, sizeof(path), "%s/btctrace", build);
		snprintf(pid, sizeof(pid), "%d", sim);
		setenv("HOME", home, 1);
		setenv("INPUTRC", "/dev/null", 1);
		setenv("TERM", "xterm", 1);
		execl(path, path, "-p", pid, (char *)NULL);
		_exit(127);
	}
	CHECK(t->pid > 0);
}

/* The exit status of a session that ends by itself within 10 s. */
static int term_wait(struct term *t)
{
	double end = now_ms() + 10000;
	while (term_read(t, 500) && now_ms() < end)
		;
	int status = -1;
	if (now_ms() >= end)
		kill(t->pid, SIGKILL);
	waitpid(t->pid, &status, 0);
	close(t->fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_terminal(pid_t sim)
{
	struct term t = { 0 };
	term_start(&t, sim);
	char want[64];
	snprintf(want, sizeof(want), "(pid %d)", sim);
	EXPECT(&t, "btctrace " BTCTRACE_VERSION ": tracing ", 10000);
	EXPECT(&t, "/btcsim", 1000);
	EXPECT(&t, want, 1000);
	EXPECT(&t, ".help", 1000);
	EXPECT(&t, PROMPT, 5000);

	/* Ten probes, then the measured eleventh: ids count from 1. */
	for (int i = 0; i < 10; i++) {
		char block[128], id[64];
		snprintf(block, sizeof(block), "%s { @p%d = count(); }", ten_probes[i], i);
		snprintf(id, sizeof(id), "attached #%d %s (", i + 1, ten_probes[i]);
		char *out = CMD(&t, block);
		CHECK(strstr(out, id) != NULL);
		free(out);
	}
	/* The time an add takes, as the REPL shows it: the median of five
	 * (the first is the eleventh probe), each block with two new maps. */
	char *out = CMD(&t, "utxocache:add { @adds = count(); @val = sum(arg3); }");
	CHECK(strstr(out, "attached #11 utxocache:add (") != NULL);
	double ms[5] = { attach_ms(out) };
	free(out);
	for (int i = 1; i < 5; i++) {
		char block[128];
		snprintf(block, sizeof(block), "%s { @t%d = count(); @tv%d = max(arg3); }",
			 i % 2 ? "utxocache:spent" : "utxocache:add", i, i);
		out = CMD(&t, block);
		ms[i] = attach_ms(out);
		free(out);
	}
	free(CMD(&t, ".detach 12 13 14 15"));
	qsort(ms, 5, sizeof(ms[0]), cmp_double);
	printf("adding a block with 10+ probes attached: %.1f to %.1f ms, median %.1f\n",
	       ms[0], ms[4], ms[2]);
	check_count++;
	/* ASan (docs/testing.md) slows btctrace's own code about twofold. */
#ifdef __SANITIZE_ADDRESS__
	const double limit = 100;
#else
	const double limit = 50;
#endif
	if (!(ms[0] > 0 && ms[2] < limit)) {
		check_failures++;
		fprintf(stderr, "test_repl_pty.c:%d: adding a block took %.1f ms (limit %.0f)\n",
			__LINE__, ms[2], limit);
	}

	/* A block over two lines. */
	term_send(&t, "utxocache:spent {\r");
	EXPECT(&t, "\n" PROMPT_MORE, 5000);
	out = CMD(&t, "@spent = count(); }");
	CHECK_RE(out, "^attached #16 utxocache:spent \\([0-9.]+ ms\\)$");
	free(out);

	sleep_ms(500);
	out = CMD(&t, "@adds");
	long long adds1 = value_of(out, "@adds");
	CHECK(adds1 > 0);
	free(out);
	out = CMD(&t, ".probes");
	CHECK(hits_of(out, 11) > 0);
	CHECK(hits_of(out, 16) > 0);
	CHECK(hits_of(out, 1) > 0);	/* utxocache:add: fires */
	CHECK_RE(out, "^ +16 +[0-9]+  utxocache:spent$");
	free(out);

	/* Detach #16: its map stops growing, #11's grows on. */
	out = CMD(&t, ".detach 16");
	CHECK_STR(out, "detached #16 utxocache:spent\n");
	free(out);
	out = CMD(&t, "@spent");
	long long spent1 = value_of(out, "@spent");
	free(out);
	sleep_ms(500);
	out = CMD(&t, "@spent");
	long long spent2 = value_of(out, "@spent");
	free(out);
	out = CMD(&t, "print(@adds)");
	long long adds2 = value_of(out, "@adds");
	free(out);
	CHECK(spent1 > 0);
	CHECK_INT(spent2, spent1);
	CHECK(adds2 > adds1);
	out = CMD(&t, ".probes");
	CHECK(hits_of(out, 16) < 0);
	CHECK(hits_of(out, 11) > 0);
	free(out);

	/* TAB: a probe name, a builtin function, an args. name, a builtin value. */
	term_send(&t, "utxocache:unc\t");
	EXPECT(&t, "utxocache:uncache ", 3000);
	term_send(&t, "{ @u = cou\t");
	EXPECT(&t, "@u = count(", 3000);
	term_send(&t, "); @uv = sum(args.val\t");
	EXPECT(&t, "sum(args.value ", 3000);
	term_send(&t, "); $t = ns\t");
	EXPECT(&t, "$t = nsecs ", 3000);
	out = CMD(&t, "; }");
	CHECK_RE(out, "^attached #17 utxocache:uncache \\([0-9.]+ ms\\)$");
	free(out);
	term_send(&t, ".pro\t");
	EXPECT(&t, ".probes ", 3000);
	out = CMD(&t, "");
	CHECK(hits_of(out, 17) >= 0);
	free(out);

	/* Errors: the session goes on, nothing of the entry is attached. */
	out = CMD(&t, "utxocache:add { @adds = sum(1); @fresh = count(); }");
	CHECK_RE(out, "^<[0-9]+>:1:25: error: @adds holds count\\(\\), not sum\\(\\)$");
	CHECK_RE(out, "^ {24}\\^~~$");
	free(out);
	out = CMD(&t, "utxocache:add { @z = ; }");
	CHECK_RE(out, "^<[0-9]+>:1:22: error: syntax error");
	free(out);
	out = CMD(&t, "utxocache:nope { @x = 1; }");
	CHECK_RE(out, "error: probe utxocache:nope is not in ");
	free(out);
	out = CMD(&t, "@nothere[1]");
	CHECK_RE(out, "^<[0-9]+>:1:1: error: unknown map @nothere$");
	free(out);
	out = CMD(&t, ".maps");
	CHECK(strstr(out, "@fresh") == NULL && strstr(out, "@z ") == NULL && strstr(out, "@x ") == NULL);
	CHECK_RE(out, "^@adds +count\\(\\) +1 entry$");
	CHECK_RE(out, "^@val +sum\\(\\) +1 entry$");
	free(out);
	out = CMD(&t, ".probes");
	CHECK(hits_of(out, 18) < 0);	/* the failed entries attached nothing */
	CHECK(hits_of(out, 11) > 0);
	free(out);

	/* Maps at the prompt. */
	free(CMD(&t, "zero(@spent)"));
	out = CMD(&t, "@spent");
	CHECK_STR(out, "@spent: 0\n");
	free(out);
	out = CMD(&t, "utxocache:add { @cb[nsecs % 2] = count(); }");
	CHECK_RE(out, "^attached #18 utxocache:add");
	free(out);
	sleep_ms(400);
	free(CMD(&t, ".detach 18"));
	out = CMD(&t, "@cb[0]");
	CHECK(value_of(out, "@cb[0]") > 0);
	free(out);
	out = CMD(&t, "delete(@cb[0])");
	CHECK_STR(out, "");
	free(out);
	out = CMD(&t, "@cb");
	CHECK(strstr(out, "@cb[0]") == NULL);
	CHECK(value_of(out, "@cb[1]") > 0);
	free(out);
	free(CMD(&t, "clear(@cb)"));
	out = CMD(&t, ".maps");
	CHECK_RE(out, "^@cb +count\\(\\) +\\[uint64\\] +0 entries$");
	free(out);
	out = CMD(&t, "@cb[\"x\"]");
	CHECK_RE(out, "error: key has another type than the map's");
	free(out);

	/* IR and the probe list. */
	out = CMD(&t, ".ir 11");
	CHECK_RE(out, "^; #11 utxocache:add$");
	CHECK(strstr(out, "define i64 @prog") != NULL);
	free(out);
	out = CMD(&t, ".ir utxocache:flush { @f = count(); }");
	CHECK(strstr(out, "define i64 @prog") != NULL);
	free(out);
	out = CMD(&t, ".maps");
	CHECK(strstr(out, "@f ") == NULL);	/* .ir attaches nothing */
	free(out);
	out = CMD(&t, ".list utxocache:*");
	CHECK(strstr(out, "utxocache:uncache") != NULL);
	CHECK(strstr(out, "mempool:") == NULL);
	free(out);

	/* Ctrl-C: drops an unfinished block, ends a .sleep, never the session. */
	term_send(&t, "utxocache:add {\r");
	EXPECT(&t, "\n" PROMPT_MORE, 5000);
	term_send(&t, "\x03");
	EXPECT(&t, "^C\n" PROMPT, 3000);
	term_send(&t, ".sleep 30\r");
	sleep_ms(300);
	double t0 = now_ms();
	term_send(&t, "\x03");
	EXPECT(&t, "\n" PROMPT, 3000);
	CHECK(now_ms() - t0 < 2000);
	out = CMD(&t, "@adds");
	CHECK(value_of(out, "@adds") > adds2);
	free(out);

	/* .quit ends it as a script ends: every map printed. */
	term_send(&t, ".quit\r");
	EXPECT(&t, "\n@adds: ", 10000);
	EXPECT(&t, "\n@spent: 0\n", 2000);
	while (term_read(&t, 5000))
		;
	int status = -1;
	waitpid(t.pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(t.fd);

	char hist[128];
	snprintf(hist, sizeof(hist), "%s/.btctrace_history", home);
	FILE *f = fopen(hist, "r");
	CHECK(f != NULL);
	if (f) {
		char line[512];
		bool found = false;
		while (fgets(line, sizeof(line), f))
			found |= !strcmp(line, "utxocache:add { @adds = count(); @val = sum(arg3); }\n");
		CHECK(found);
		fclose(f);
	}
	free(t.raw);
	free(t.text);
}

/* ~/.btctrace_history a symlink: root's REPL neither reads through it
 * nor rewrites its target, and says so. */
static char *slurp(const char *path);

static void test_history_symlink(pid_t sim)
{
	char hist[128], target[128];
	snprintf(hist, sizeof(hist), "%s/.btctrace_history", home);
	snprintf(target, sizeof(target), "%s/precious", home);
	FILE *f = fopen(target, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("precious\n", f);
		fclose(f);
	}
	unlink(hist);
	CHECK(symlink(target, hist) == 0);
	struct term t = { 0 };
	term_start(&t, sim);
	EXPECT(&t, ".btctrace_history is a symbolic link: the REPL neither reads nor writes "
	       "history through it", 10000);
	EXPECT(&t, PROMPT, 10000);
	term_send(&t, "@h = 1\r");
	term_send(&t, ".quit\r");
	CHECK_INT(term_wait(&t), 0);
	char *text = slurp(target);
	CHECK(text && !strcmp(text, "precious\n"));
	free(text);
	struct stat st;
	CHECK(lstat(hist, &st) == 0 && S_ISLNK(st.st_mode));
	free(t.raw);
	free(t.text);
}

/* What people type at other prompts is answered at once, never with a
 * continuation prompt: help, a word that is no entry, exit(). */
static void test_words(pid_t sim)
{
	struct term t = { 0 };
	term_start(&t, sim);
	EXPECT(&t, PROMPT, 10000);
	char *out = CMD(&t, "help");
	CHECK(strstr(out, ".help  .quit") != NULL);
	free(out);
	out = CMD(&t, "hlep");
	CHECK_RE(out, "^<[0-9]+>:1:1: error: 'hlep' is not a probe, a map or a command$");
	CHECK_RE(out, "^hint: .*\\.help lists what can be typed, \\.quit ends the session$");
	CHECK(strstr(out, PROMPT_MORE) == NULL);
	free(out);
	out = CMD(&t, "utxocache:add utxocache:spent {");
	CHECK_RE(out, "^<[0-9]+>:1:15: error: unexpected 'utxocache:spent'$");
	free(out);
	/* A probe name waits for its block; a command next drops it and runs. */
	term_send(&t, "utxocache:add\r");
	EXPECT(&t, "\n" PROMPT_MORE, 5000);
	out = CMD(&t, ".probes");
	CHECK_RE(out, "error: no block followed this probe name; it was dropped$");
	CHECK_RE(out, "^no probes attached$");
	free(out);
	out = CMD(&t, "utxocache:add { @w = count(); }");
	CHECK_RE(out, "^attached #1 utxocache:add");
	free(out);
	/* exit() at the prompt ends the session as .quit does (after @w had
	 * time to count: a map never written is not printed). */
	sleep_ms(300);
	term_send(&t, "exit()\r");
	EXPECT(&t, "\n@w: ", 10000);
	CHECK_INT(term_wait(&t), 0);
	free(t.raw);
	free(t.text);
}

/* ---- the same from a pipe ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Runs btctrace -i ARGS with script on stdin; returns its exit status and
 * its stdout/stderr (malloc'd). */
static int run_pipe(const char *script, const char *const *args, char **out, char **err)
{
	char opath[128], epath[128];
	snprintf(opath, sizeof(opath), "%s/out", home);
	snprintf(epath, sizeof(epath), "%s/err", home);
	int in[2];
	if (pipe(in))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		close(in[1]);
		int o = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, STDOUT_FILENO);
		dup2(e, STDERR_FILENO);
		setsid();	/* no terminal at all */
		char path[4096];
		snprintf(path, sizeof(path), "%s/btctrace", build);
		char *argv[16] = { path, "-i" };
		for (int i = 0; args[i] && i < 13; i++)
			argv[i + 2] = (char *)args[i];
		execv(path, argv);
		_exit(127);
	}
	close(in[0]);
	size_t n = strlen(script);
	if (write(in[1], script, n) != (ssize_t)n)
		fprintf(stderr, "cannot write the script: %s\n", strerror(errno));
	close(in[1]);
	int status = -1;
	waitpid(pid, &status, 0);
	*out = slurp(opath);
	*err = slurp(epath);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_pipe(pid_t sim)
{
	static const char script[] =
		"utxocache:add { @adds = count(); @val = sum(arg3); }\n"	/* <1> */
		"utxocache:spent {\n"						/* <2> */
		"\t@spent = count();\n"
		"}\n"
		".sleep 0.5\n"							/* <3> */
		"@adds\n"							/* <4> */
		".probes\n"							/* <5> */
		".detach 2\n"							/* <6> */
		"@spent\n"							/* <7> */
		".sleep 0.5\n"							/* <8> */
		"@spent\n"							/* <9> */
		"print(@adds)\n"						/* <10> */
		"utxocache:add { @adds = sum(1); @fresh = count(); }\n"		/* <11> */
		"utxocache:add { @z = ; }\n"					/* <12> */
		"zero(@spent)\n"						/* <13> */
		".detach 1\n"							/* <14> */
		"clear(@val)\n"							/* <15> */
		".maps\n";							/* <16> */
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", sim);
	const char *const args[] = { "-p", pid, NULL };
	char *out, *err;
	int status = run_pipe(script, args, &out, &err);
	CHECK_INT(status, 1);	/* <11> and <12> failed */
	CHECK(strstr(out, ": tracing") == NULL);
	CHECK(strstr(out, PROMPT) == NULL && strstr(err, PROMPT) == NULL);
	CHECK_RE(out, "^attached #1 utxocache:add$");
	CHECK_RE(out, "^attached #2 utxocache:spent$");
	CHECK_RE(out, "^detached #2 utxocache:spent$");
	CHECK_RE(out, "^ +1 +[1-9][0-9]*  utxocache:add$");
	/* @adds at <4>, at <10>, then in the exit dump: growing. */
	const char *a = strstr(out, "\n@adds: ");
	long long adds[3] = { -1, -1, -1 };
	for (int i = 0; i < 3 && a; i++, a = strstr(a + 1, "\n@adds: "))
		adds[i] = strtoll(a + 8, NULL, 10);
	CHECK(adds[0] > 0 && adds[1] > adds[0] && adds[2] >= adds[1]);
	const char *s = strstr(out, "\n@spent: ");
	long long spent[2] = { -1, -2 };
	for (int i = 0; i < 2 && s; i++, s = strstr(s + 1, "\n@spent: "))
		spent[i] = strtoll(s + 9, NULL, 10);
	CHECK(spent[0] > 0);
	CHECK_INT(spent[1], spent[0]);
	CHECK_RE(err, "^<11>:1:25: error: @adds holds count\\(\\), not sum\\(\\)$");
	CHECK_RE(err, "^<12>:1:22: error: syntax error");
	CHECK_RE(out, "^@val +sum\\(\\) +0 entries$");
	CHECK(strstr(out, "@fresh") == NULL);
	/* End of input ends the session: the exit dump, with @spent zeroed. */
	CHECK_RE(out, "\n\n\n@adds: [1-9][0-9]*\n@spent: 0\n\n$");
	free(out);
	free(err);
}

/* Over a pipe a word or a typo swallows no later entry, and fails the
 * session; quit ends it (the last @w is not read). */
static void test_pipe_words(pid_t sim)
{
	static const char script[] =
		"help\n"
		"hlep\n"
		"utxocache:add { @w = count(); }\n"
		"utxocache:spent\n"
		".sleep 0.3\n"
		"@w\n"
		"quit\n"
		"@w\n";
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", sim);
	const char *const args[] = { "-p", pid, NULL };
	char *out, *err;
	int status = run_pipe(script, args, &out, &err);
	CHECK_INT(status, 1);
	CHECK(strstr(out, ".help  .quit") != NULL);
	CHECK_RE(err, "^<2>:1:1: error: 'hlep' is not a probe, a map or a command$");
	CHECK_RE(err, "^<4>:1:1: error: no block followed this probe name; it was dropped$");
	CHECK_RE(out, "^attached #1 utxocache:add$");
	/* @w read once at the prompt, once in the exit dump. */
	const char *w = strstr(out, "\n@w: ");
	CHECK(w && strtoll(w + 5, NULL, 10) > 0);
	CHECK(w && (w = strstr(w + 1, "\n@w: ")) && !strstr(w + 1, "\n@w: "));
	free(out);
	free(err);
	/* The same entries without mistakes: status 0. */
	status = run_pipe("utxocache:add { @w = count(); }\n.sleep 0.1\nexit()\n", args,
			  &out, &err);
	CHECK_INT(status, 0);
	CHECK_STR(err, "");
	free(out);
	free(err);
}

/* A -c target started held, released by the first block, that exits:
 * reported, and the maps stay readable. */
static void test_pipe_child(void)
{
	static const char script[] =
		"utxocache:add { @adds = count(); }\n"
		".sleep 2\n"
		"@adds\n"
		".quit\n";
	char cmd[4096], truth[128];
	snprintf(truth, sizeof(truth), "%s/truth.json", home);
	snprintf(cmd, sizeof(cmd), "%s/btcsim coins --seed 5 --count 400 --truth %s", build, truth);
	const char *const args[] = { "-c", cmd, NULL };
	char *out, *err;
	int status = run_pipe(script, args, &out, &err);
	CHECK_INT(status, 0);
	CHECK_RE(err, "^btctrace: note: process [0-9]+ exited with status 0; its probes no longer fire");
	char *json = slurp(truth);
	const char *p = strstr(json, "\"utxocache:add\":{\"reached\":\"");
	long long fires = -1;
	if (p && (p = strstr(p, "\"fires\":\"")))
		fires = strtoll(p + 9, NULL, 10);
	CHECK(fires > 0);
	/* Every add happened while attached: the map equals the truth, read
	 * after the process was gone and again in the exit dump. */
	char want[64];
	snprintf(want, sizeof(want), "@adds: %lld\n", fires);
	const char *first = strstr(out, want);
	CHECK(first != NULL);
	CHECK(first && strstr(first + 1, want) != NULL);
	free(json);
	free(out);
	free(err);
}

int main(void)
{
	build = getenv("BTC_BUILD");
	if (!build) {
		fprintf(stderr, "FAIL: BTC_BUILD is not set: run through ctest\n");
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "FAIL: the REPL tests load BPF programs and need root\n");
		return 1;
	}
	snprintf(home, sizeof(home), "/tmp/btctrace-repl.XXXXXX");
	if (!mkdtemp(home)) {
		fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_classify();
	const char *const sim_args[] = { "coins", "--forever", "--seed", "11", NULL };
	pid_t sim = start_sim(sim_args);
	sleep_ms(200);
	test_terminal(sim);
	test_words(sim);
	test_pipe(sim);
	test_pipe_words(sim);
	test_history_symlink(sim);
	kill(sim, SIGINT);
	int st;
	waitpid(sim, &st, 0);
	test_pipe_child();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", home);
	return CHECK_DONE();
}
