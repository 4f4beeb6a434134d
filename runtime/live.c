/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --live (runtime/live.h).  On a terminal the screen is drawn on the
 * alternate screen, as top does, so that leaving it gives the terminal
 * back as it was; printf() output goes meanwhile to a memory stream that
 * the drawing thread empties into the last LOG_KEEP lines, shown under
 * the maps and printed when the screen is left. */
#include "runtime/live.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lang/diag.h"
#include "output/live.h"
#include "runtime/session.h"
#include "runtime/timings.h"

#define LOG_KEEP 200		/* printf() lines kept for the screen */
#define POLL_MS 250		/* how often the log is emptied and the size looked at */

struct live {
	struct session *s;
	struct live_opts opts;
	struct live_screen *screen;
	FILE *term;		/* where the screen is drawn */
	FILE *mem;		/* printf() output while the screen is up */
	char *mem_buf;
	size_t mem_len;
	char *pending;		/* a line not ended yet */
	char *log[LOG_KEEP];	/* oldest first */
	int nlog;
	uint64_t dropped;	/* lines that left the log */
	char target[512];
	uint64_t start_ns, drawn_ns;
	int rows, cols;
	int stop_fd;
	pthread_t thread;
	bool running;		/* the thread */
	bool on_screen;		/* the alternate screen is up */
	int keys_fd;		/* the terminal's keys (q quits), or -1 */
	struct termios saved;	/* its settings before, put back on leaving */
};

static void keep_line(struct live *lv, const char *text, size_t len)
{
	char *line = strndup(text, len);

	if (!line)
		return;
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < ' ')
			*c = ' ';	/* no escape sequence reaches the screen */
	if (lv->nlog == LOG_KEEP) {
		free(lv->log[0]);
		memmove(lv->log, lv->log + 1, (LOG_KEEP - 1) * sizeof(*lv->log));
		lv->nlog--;
		lv->dropped++;
	}
	lv->log[lv->nlog++] = line;
}

/* What printf() wrote since the last time, into the log. */
static void drain_log(struct live *lv)
{
	char *text = NULL;

	flockfile(lv->mem);
	fflush(lv->mem);
	if (lv->mem_len && asprintf(&text, "%s%.*s", lv->pending ? lv->pending : "",
				    (int)lv->mem_len, lv->mem_buf) < 0)
		text = NULL;
	fseeko(lv->mem, 0, SEEK_SET);
	fflush(lv->mem);
	funlockfile(lv->mem);
	if (!text)
		return;
	free(lv->pending);
	lv->pending = NULL;
	char *line = text, *nl;
	while ((nl = strchr(line, '\n'))) {
		keep_line(lv, line, (size_t)(nl - line));
		line = nl + 1;
	}
	if (*line)
		lv->pending = strdup(line);
	free(text);
}

/* The window's size; 24x80 when it cannot be known. */
static bool window_changed(struct live *lv)
{
	struct winsize ws;
	int rows = 24, cols = 80;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	bool changed = rows != lv->rows || cols != lv->cols;
	lv->rows = rows;
	lv->cols = cols;
	return changed;
}

static void read_header(struct live *lv, struct live_header *h, uint64_t now)
{
	struct map_set *ms = &lv->s->maps;

	h->target = lv->target;
	h->uptime_s = (now - lv->start_ns) / 1000000000ull;
	h->every_ms = lv->opts.interval_ms;
	h->lost_events = maps_error_count(ms, ERR_SLOT_LOST_EVENTS);
	h->lost_updates = 0;
	for (const struct map_info *m = ms->syms->maps; m; m = m->next)
		h->lost_updates += maps_error_count(ms, ERR_SLOT_MAP_FULL(m->id));
}

static void draw(struct live *lv)
{
	struct map_set *ms = &lv->s->maps;
	struct live_header h;
	uint64_t now = timings_now();

	live_frame_begin(lv->screen, now);
	for (const struct map_info *m = ms->syms->maps; m; m = m->next) {
		struct out_map om;

		if (maps_read(ms, m, &om))
			continue;
		live_frame_map(lv->screen, &om);
		maps_free_read(m, &om);
	}
	read_header(lv, &h, now);
	live_frame_draw(lv->screen, lv->term, &h, lv->rows, lv->cols,
			(const char *const *)lv->log, lv->nlog);
	lv->drawn_ns = now;
}

/* Not on a terminal: the time, then every map as print() prints it. */
static void print_maps(struct live *lv)
{
	FILE *f = lv->s->output->f;
	struct output *out;
	char stamp[32];
	time_t t = time(NULL);
	size_t n = strftime(stamp, sizeof(stamp), "%H:%M:%S\n", localtime(&t));

	flockfile(f);
	if ((out = output_new(session_format(lv->s), f))) {
		output_time(out, stamp, n);
		maps_print_all(&lv->s->maps, out);
		output_flush(out);
		output_free(out);
	}
	funlockfile(f);
}

/* Keys come one at a time, without echo, when the screen is up and
 * standard input is the terminal; Ctrl-C still sends SIGINT (ISIG stays). */
static void watch_keys(struct live *lv)
{
	struct termios raw;

	lv->keys_fd = -1;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &lv->saved))
		return;
	raw = lv->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		lv->keys_fd = STDIN_FILENO;
}

static void unwatch_keys(struct live *lv)
{
	if (lv->keys_fd >= 0)
		tcsetattr(lv->keys_fd, TCSANOW, &lv->saved);
	lv->keys_fd = -1;
}

/* q ends tracing as Ctrl-C does: the event loop reads the signal, so the
 * exit maps print and the status is the usual one. */
static void read_key(struct live *lv)
{
	char c;
	ssize_t n = read(lv->keys_fd, &c, 1);

	if (n <= 0 && !(n < 0 && errno == EINTR)) {
		unwatch_keys(lv);	/* the terminal went away */
		return;
	}
	if (n == 1 && (c == 'q' || c == 'Q'))
		kill(getpid(), SIGINT);
}

static void *drawer(void *arg)
{
	struct live *lv = arg;
	struct pollfd p[2] = { { .fd = lv->stop_fd, .events = POLLIN },
			       { .fd = lv->keys_fd, .events = POLLIN } };
	int wait = lv->opts.screen ? POLL_MS : (int)lv->opts.interval_ms;

	for (;;) {
		p[1].fd = lv->keys_fd;
		int n = poll(p, 2, wait);

		if (n < 0 && errno != EINTR)
			return NULL;
		if (n < 0)
			continue;
		if (p[0].revents)
			return NULL;
		if (p[1].revents) {
			read_key(lv);
			continue;
		}
		if (!lv->opts.screen) {
			print_maps(lv);
			continue;
		}
		if (lv->mem)
			drain_log(lv);
		bool resized = window_changed(lv);
		if (resized || timings_now() - lv->drawn_ns >= lv->opts.interval_ms * 1000000ull)
			draw(lv);
	}
}

static void describe_target(struct live *lv)
{
	const struct target *t = &lv->s->target;

	if (t->pid > 0)
		snprintf(lv->target, sizeof(lv->target), "%s pid %d", t->path ? t->path : "?",
			 (int)t->pid);
	else
		snprintf(lv->target, sizeof(lv->target), "%s", t->path ? t->path : "(no target)");
}

/* The session's end, before the exit maps print: the screen is left, the
 * results stream is the terminal again and the log is printed on it. */
static void stop(void *arg)
{
	struct live *lv = arg;
	uint64_t one = 1;

	if (lv->running && write(lv->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(lv->thread, NULL);
	lv->running = false;
	if (lv->s->before_exit_ctx == lv)
		lv->s->before_exit_maps = NULL;
	if (!lv->on_screen)
		return;
	lv->on_screen = false;
	unwatch_keys(lv);
	fputs("\033[?25h\033[?1049l", lv->term);
	fflush(lv->term);
	if (!lv->mem)
		return;
	drain_log(lv);
	output_set_stream(lv->s->output, lv->term);
	if (lv->dropped)
		diag_note(NULL, "%llu earlier lines of output were shown only on the live "
			  "screen (-o FILE keeps them all)", (unsigned long long)lv->dropped);
	for (int i = 0; i < lv->nlog; i++)
		fprintf(lv->term, "%s\n", lv->log[i]);
	if (lv->pending)
		fputs(lv->pending, lv->term);
}

static int start_screen(struct live *lv)
{
	if (!(lv->screen = live_screen_new()))
		return -ENOMEM;
	lv->term = lv->opts.results_elsewhere ? stdout : lv->s->output->f;
	if (!lv->opts.results_elsewhere) {
		if (!(lv->mem = open_memstream(&lv->mem_buf, &lv->mem_len)))
			return -ENOMEM;
		output_set_stream(lv->s->output, lv->mem);
	}
	fputs("\033[?1049h\033[?25l\033[2J", lv->term);
	lv->on_screen = true;
	watch_keys(lv);
	window_changed(lv);
	draw(lv);
	return 0;
}

int live_start(struct session *s, const struct live_opts *opts, struct live **out)
{
	struct live *lv = calloc(1, sizeof(*lv));
	int rc;

	*out = NULL;
	if (!lv)
		return diag_errno(-ENOMEM, NULL, NULL, "out of memory");
	lv->s = s;
	lv->opts = *opts;
	lv->start_ns = timings_now();
	lv->stop_fd = -1;
	lv->keys_fd = -1;
	describe_target(lv);
	if (opts->screen && (rc = start_screen(lv))) {
		diag_errno(rc, NULL, NULL, "out of memory");
	} else if ((lv->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		rc = diag_errno(-errno, NULL, NULL, "eventfd: %s", strerror(errno));
	} else if ((rc = -pthread_create(&lv->thread, NULL, drawer, lv))) {
		diag_errno(rc, NULL, NULL, "cannot start the live screen: %s", strerror(-rc));
	}
	lv->running = rc == 0;
	if (rc) {
		live_free(lv);
		return rc;
	}
	s->before_exit_maps = stop;
	s->before_exit_ctx = lv;
	*out = lv;
	return 0;
}

void live_free(struct live *lv)
{
	if (!lv)
		return;
	stop(lv);
	if (lv->mem) {
		fclose(lv->mem);
		free(lv->mem_buf);
	}
	if (lv->stop_fd >= 0)
		close(lv->stop_fd);
	for (int i = 0; i < lv->nlog; i++)
		free(lv->log[i]);
	free(lv->pending);
	live_screen_free(lv->screen);
	free(lv);
}
