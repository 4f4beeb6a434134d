/* The session: resolve the target, compile and load each probe block,
 * attach it, trace, and print. */
#include "session.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/cg.h"
#include "runtime/attach.h"
#include "runtime/probes.h"
#include "runtime/usdt.h"

int session_open(struct session *s, const struct session_opts *opts)
{
	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	s->child_status = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	s->target.pid = -1;
	s->target.pidfd = -1;
	s->target.release_fd = -1;
	if (!s->opts.out)
		s->opts.out = stdout;
	if (!s->opts.map_size)
		s->opts.map_size = 4096;
	s->output = output_new(s->opts.format, s->opts.out);
	return s->output ? 0 : -ENOMEM;
}

/* ---- binaries and probe signatures ---- */

static struct usdt_binary *binary_for(struct session *s, const char *path)
{
	for (int i = 0; i < s->nbins; i++)
		if (!strcmp(s->bin_paths[i], path))
			return &s->bins[i];
	struct usdt_binary bin;
	if (usdt_read_binary(path, &bin))
		return NULL;
	s->bins = realloc(s->bins, (s->nbins + 1) * sizeof(*s->bins));
	s->bin_paths = realloc(s->bin_paths, (s->nbins + 1) * sizeof(char *));
	s->bins[s->nbins] = bin;
	s->bin_paths[s->nbins] = strdup(path);
	return &s->bins[s->nbins++];
}

static int ensure_target(struct session *s)
{
	if (s->target.path)
		return 0;
	return target_open(&s->target, s->opts.pid, s->opts.cmd, s->opts.path);
}

static const char *attach_path(struct session *s, struct attach_point *ap)
{
	if (ap->path)
		return ap->path;
	return s->target.path;
}

static void list_probes_hint(const struct usdt_binary *bin, char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "probes in this binary:");
	for (int i = 0; i < bin->nprobes && off < len; i++)
		off += snprintf(buf + off, len - off, " %s:%s", bin->probes[i].provider,
				bin->probes[i].name);
	if (!bin->nprobes)
		snprintf(buf, len, "this binary has no USDT probes: was it built with "
			 "-DWITH_USDT=ON?");
}

static int lookup_probe(void *arg, struct attach_point *ap, struct probe_sig *sig)
{
	struct session *s = arg;
	if (!s->cat.stdlib && catalog_load(&s->cat))
		return -EINVAL;
	if (!ap->path && ensure_target(s))
		return -ENOENT;
	const char *path = attach_path(s, ap);
	struct usdt_binary *bin = binary_for(s, path);
	if (!bin)
		return -ENOENT;
	const struct usdt_probe *p = usdt_find_probe(bin, ap->provider, ap->event);
	if (!p) {
		char hint[1024];
		list_probes_hint(bin, hint, sizeof(hint));
		return diag_error(&ap->loc, hint, "probe %s:%s is not in %s", ap->provider,
				  ap->event, path);
	}
	const struct usdt_location *loc = &p->locs[0];
	sig->nargs = loc->nargs;
	for (int i = 0; i < loc->nargs; i++)
		sig->args[i] = type_int(loc->args[i].size, loc->args[i].is_signed);
	char why[1024];
	sig->decl = shape_for(&s->cat, p, why, sizeof(why));
	if (!sig->decl && s->nwhys < (int)(sizeof(s->whys) / sizeof(s->whys[0]))) {
		s->whys[s->nwhys] = strdup(why);
		sig->no_decl_why = s->whys[s->nwhys++];
	}
	/* A shape the catalog does not know is worth a word even if the
	 * script uses only arg0..argN: the numbers may not mean what it thinks. */
	const struct tp_decl *known[1];
	if (why[0] && catalog_shapes(&s->cat, p->provider, p->name, known, 1))
		diag_warn(&ap->loc, NULL, "%s", why);
	return 0;
}

/* ---- compiling, loading and attaching ---- */

/* Failed reads are counted per probe name, so the report can name it. */
static int read_slot(struct session *s, const char *name)
{
	int i;
	for (i = 0; i < s->nread_names; i++)
		if (!strcmp(s->read_names[i], name))
			return ERR_SLOT_READ(i);
	if (i == MAX_READ_SLOTS)
		return ERR_SLOT_READ(MAX_READ_SLOTS - 1);	/* shared by the rest */
	s->read_names[s->nread_names++] = strdup(name);
	return ERR_SLOT_READ(i);
}

static int load_one(struct session *s, const struct probe *p, const struct usdt_location *loc,
		    const char *name, enum prog_kind kind)
{
	struct cg_maps cm = { s->maps.fds, s->maps.errors_fd, s->maps.events_fd,
			      read_slot(s, name), s->start_ns };
	struct bpf_insn *insns;
	size_t n;
	int rc = compile_probe(s->comp, &s->syms, &cm, p, loc, name, &insns, &n);
	if (rc)
		return rc;
	int fd = prog_load(kind, name, insns, n);
	free(insns);
	return fd;
}

static struct attached_probe *add_attached(struct session *s, const char *name, int fd)
{
	struct attached_probe *a = calloc(1, sizeof(*a)), **pp = &s->probes;
	a->name = strdup(name);
	a->prog_fd = fd;
	a->id = s->next_probe_id++;
	const char *ir = s->comp ? compiler_last_ir(s->comp) : NULL;
	a->ir = ir ? strdup(ir) : NULL;	/* for the REPL's .ir ID */
	while (*pp)
		pp = &(*pp)->next;
	*pp = a;
	return a;
}

static void free_attached(struct attached_probe *a)
{
	detach_uprobes(a->link);
	close(a->prog_fd);
	free(a->name);
	free(a->ir);
	free(a);
}

int session_detach(struct session *s, int id)
{
	for (struct attached_probe **pp = &s->probes; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct attached_probe *a = *pp;
			*pp = a->next;
			free_attached(a);
			return 0;
		}
	return -ENOENT;
}

void session_detach_from(struct session *s, int first_id)
{
	for (struct attached_probe **pp = &s->probes; *pp;) {
		struct attached_probe *a = *pp;
		if (a->id >= first_id) {
			*pp = a->next;
			free_attached(a);
		} else {
			pp = &a->next;
		}
	}
}

static bool same_layout(const struct usdt_location *a, const struct usdt_location *b)
{
	return !strcmp(a->arg_specs ? a->arg_specs : "", b->arg_specs ? b->arg_specs : "");
}

/* Locations whose arguments are read the same way share one program. */
static int attach_usdt(struct session *s, const struct probe *p, struct attach_point *ap)
{
	const char *path = attach_path(s, ap);
	const struct usdt_probe *up = usdt_find_probe(binary_for(s, path), ap->provider, ap->event);
	enum prog_kind kind = attach_have_uprobe_multi() ? PROG_UPROBE_MULTI : PROG_UPROBE;
	bool done[up->nlocs];
	memset(done, 0, sizeof(done));
	/* -p and -c trace one process, whichever way its probes were named. */
	pid_t pid = s->target.pid > 0 ? s->target.pid : -1;
	for (int i = 0; i < up->nlocs; i++) {
		if (done[i])
			continue;
		struct uprobe_loc locs[up->nlocs];
		int n = 0;
		for (int j = i; j < up->nlocs; j++)
			if (!done[j] && same_layout(&up->locs[i], &up->locs[j])) {
				done[j] = true;
				locs[n++] = (struct uprobe_loc){ up->locs[j].pc_offset,
								 up->locs[j].sem_offset };
			}
		int fd = load_one(s, p, &up->locs[i], ap->spec, kind);
		if (fd < 0)
			return fd;
		struct attached_probe *a = add_attached(s, ap->spec, fd);
		int rc = attach_uprobes_batched(s->batch, fd, path, pid, locs, n, &a->link);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_probe(struct session *s, const struct probe *p, bool usdt)
{
	for (struct attach_point *ap = p->points; ap; ap = ap->next) {
		if ((ap->kind == ATTACH_USDT) != usdt)
			continue;
		s->nattach_points++;
		if (ap->kind == ATTACH_USDT) {
			if (attach_usdt(s, p, ap))
				return -EINVAL;
			continue;
		}
		if (ap->kind == ATTACH_INTERVAL) {
			if (s->nintervals == 16)
				return diag_error(&ap->loc, NULL, "at most 16 interval probes");
			int fd = load_one(s, p, NULL, ap->spec, PROG_RUN_ONCE);
			if (fd < 0)
				return fd;
			s->intervals[s->nintervals].prog_fd = fd;
			s->intervals[s->nintervals].timer_fd = -1;
			s->intervals[s->nintervals++].period_ns = ap->period_ns;
			continue;
		}
		bool begin = ap->kind == ATTACH_BEGIN;
		int *n = begin ? &s->nbegin : &s->nend;
		if (*n == 16)
			return diag_error(&ap->loc, NULL, "at most 16 %s blocks", ap->spec);
		int fd = load_one(s, p, NULL, ap->spec, PROG_RUN_ONCE);
		if (fd < 0)
			return fd;
		(begin ? s->begin_fds : s->end_fds)[(*n)++] = fd;
	}
	return 0;
}

/* The kernel runs the programs of one uprobe newest first, so USDT blocks
 * are attached last block first: they then run in script order, as in
 * bpftrace.  BEGIN, END and interval blocks keep script order. */
static int load_program(struct session *s, const struct program *prog)
{
	int n = 0, rc;
	for (const struct probe *p = prog->probes; p; p = p->next) {
		if ((rc = load_probe(s, p, false)))
			return rc;
		n++;
	}
	const struct probe **v = calloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (const struct probe *p = prog->probes; p; p = p->next)
		v[n++] = p;
	rc = 0;
	while (n-- > 0 && !rc)
		rc = load_probe(s, v[n], true);
	free(v);
	return rc;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	return session_handle_event(ctx, data, size);
}

/* The ring buffer is mapped into btctrace twice over: a script that prints
 * gets 8 MiB so floods are absorbed, one that only aggregates 256 KiB
 * (exit() and map operations).  The REPL (-i) may print later: 8 MiB. */
static uint32_t ringbuf_size(const struct session *s)
{
	if (s->opts.ringbuf_size)
		return s->opts.ringbuf_size;
	bool prints = s->opts.interactive || s->syms.nfmts > 0;
	return prints ? 8u << 20 : 256u << 10;
}

/* Kernel objects shared by every program of the session. */
static int session_start(struct session *s)
{
	int rc;
	if (s->comp)
		return 0;
	if ((rc = compiler_new(&s->comp)))
		return rc;
	if ((rc = maps_create(&s->maps, &s->syms, s->opts.map_size, ringbuf_size(s))))
		return rc;
	s->rb = ring_buffer__new(s->maps.events_fd, handle_event, s, NULL);
	if (!s->rb)
		return diag_error(NULL, NULL, "cannot open the event ring buffer: %s",
				  strerror(errno));
	return 0;
}

int session_add(struct session *s, struct source *src, int *first_id)
{
	struct program *prog;
	int rc = parse_program(src, &prog);
	if (rc)
		return rc;
	int nmaps = s->syms.nmaps, id = s->next_probe_id;
	struct sema_env env = { lookup_probe, s, s->opts.builtins };
	s->cat.script = prog;
	s->syms.params = s->opts.params;
	s->syms.nparams = s->opts.nparams;
	s->syms.str_len = s->opts.str_len ? s->opts.str_len : 64;
	if (sema_check(prog, &env, &s->syms)) {
		symtab_rollback(&s->syms, nmaps);
		program_free(prog);
		return -EINVAL;
	}
	/* usdt:PATH probes need no target, but -c and -p still name one. */
	if ((s->opts.cmd || s->opts.pid > 0) && (rc = ensure_target(s)))
		goto fail;
	if ((rc = session_start(s)) || (rc = maps_sync(&s->maps)))
		goto fail;
	for (struct map_info *m = s->syms.maps; m; m = m->next)
		m->created = true;	/* their layout is the kernel's now */
	/* One uprobe_multi link for every block of the program: each link costs
	 * RCU grace periods to detach, so 20 probes then exit like one. */
	s->batch = attach_batch_begin();
	rc = load_program(s, prog);
	if (rc)
		attach_batch_abort(s->batch);
	else
		rc = attach_batch_commit(s->batch);
	s->batch = NULL;
	if (rc)
		goto fail;
	if (first_id)
		*first_id = id;
	prog->next = s->progs;
	s->progs = prog;
	return 0;
fail:
	session_detach_from(s, id);
	program_free(prog);
	return rc;
}

int session_load(struct session *s, struct source *src)
{
	return session_add(s, src, NULL);
}

/* ---- running ---- */

static int run_all(struct session *s, int *fds, int n)
{
	for (int i = 0; i < n && !s->exiting; i++) {
		int rc = prog_run_once(fds[i]);
		if (rc)
			return rc;
		ring_buffer__consume(s->rb);
	}
	return 0;
}

static int signal_fd(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void note_target_exit(struct session *s)
{
	s->target_gone = true;
	if (s->target.is_child)
		s->child_status = target_reap(&s->target, true);
	else if (!s->opts.quiet)
		diag_note(NULL, "process %d exited; tracing ends", s->target.pid);
}

/* interval probes run in btctrace itself, from a timer in the event loop
 * (BPF_PROG_TEST_RUN), so they cost no perf event and no detach. */
static void start_intervals(struct session *s, int ep)
{
	for (int i = 0; i < s->nintervals; i++) {
		int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		uint64_t ns = s->intervals[i].period_ns;
		struct itimerspec its = {
			.it_interval = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) },
			.it_value = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) },
		};
		timerfd_settime(tfd, 0, &its, NULL);
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = tfd };
		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
		s->intervals[i].timer_fd = tfd;
	}
}

static bool run_interval(struct session *s, int fd)
{
	for (int i = 0; i < s->nintervals; i++) {
		if (s->intervals[i].timer_fd != fd)
			continue;
		uint64_t ticks;
		if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks) && !s->exiting)
			prog_run_once(s->intervals[i].prog_fd);
		ring_buffer__consume(s->rb);
		return true;
	}
	return false;
}

/* While running, as bpftrace: "Lost N events" for each new batch. */
static void report_lost_so_far(struct session *s)
{
	uint64_t lost = maps_error_count(&s->maps, ERR_SLOT_LOST_EVENTS);
	if (lost <= s->lost_reported)
		return;
	diag_verbatim("Lost %llu events", (unsigned long long)(lost - s->lost_reported));
	s->lost_reported = lost;
}

static void trace_loop(struct session *s, int sfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int rbfd = ring_buffer__epoll_fd(s->rb);
	struct epoll_event ev = { .events = EPOLLIN };
	ev.data.fd = rbfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, rbfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	if (s->target.pidfd >= 0) {
		ev.data.fd = s->target.pidfd;
		epoll_ctl(ep, EPOLL_CTL_ADD, s->target.pidfd, &ev);
	}
	start_intervals(s, ep);
	while (!s->exiting && !s->target_gone) {
		struct epoll_event got[8];
		int n = epoll_wait(ep, got, 8, 1000);
		for (int i = 0; i < n; i++) {
			if (run_interval(s, got[i].data.fd))
				continue;
			if (got[i].data.fd == sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) > 0)
					s->exiting = true;
			} else if (got[i].data.fd == s->target.pidfd) {
				note_target_exit(s);
			}
		}
		ring_buffer__consume(s->rb);
		report_lost_so_far(s);
	}
	close(ep);
}

static int child_exit_status(struct session *s)
{
	int st = s->child_status;
	if (st < 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		diag_note(NULL, "the traced command exited with status %d", WEXITSTATUS(st));
		return WEXITSTATUS(st);
	}
	if (WIFSIGNALED(st)) {
		diag_note(NULL, "the traced command was killed by signal %d (%s)", WTERMSIG(st),
			  strsignal(WTERMSIG(st)));
		return 128 + WTERMSIG(st);
	}
	return 0;
}

static void print_banner(struct session *s)
{
	if (s->opts.quiet)
		return;
	output_set_stream(s->output, s->opts.out);
	output_attached(s->output, s->nattach_points);
	output_flush(s->output);
}

static bool report_read_failures(struct session *s)
{
	bool any = false;
	for (int i = 0; i < s->nread_names; i++) {
		uint64_t n = maps_error_count(&s->maps, ERR_SLOT_READ(i));
		if (!n)
			continue;
		any = true;
		diag_warn(NULL, NULL, "%llu read%s of user memory failed in %s (page not resident "
			  "or bad pointer): strings show as (unreadable), numbers as 0",
			  (unsigned long long)n, n == 1 ? "" : "s", s->read_names[i]);
	}
	return any;
}

static void finish(struct session *s)
{
	s->exiting = false;
	run_all(s, s->end_fds, s->nend);
	ring_buffer__consume(s->rb);
	output_exit_maps(s->output);
	maps_print_all(&s->maps, s->output);
}

int session_run(struct session *s)
{
	sigset_t old;
	int sfd = signal_fd(&old);
	print_banner(s);
	int rc = run_all(s, s->begin_fds, s->nbegin);
	if (!rc && !s->exiting)
		rc = target_release(&s->target);
	if (!rc)
		trace_loop(s, sfd);
	int status = session_end(s, rc);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

void session_close(struct session *s)
{
	/* All links together: their RCU waits overlap (detach_uprobes_all). */
	int nlinks = 0;
	for (struct attached_probe *a = s->probes; a; a = a->next)
		nlinks++;
	struct attachment **links = calloc(nlinks ? nlinks : 1, sizeof(*links));
	if (links) {
		int i = 0;
		for (struct attached_probe *a = s->probes; a; a = a->next) {
			links[i++] = a->link;
			a->link = NULL;
		}
		detach_uprobes_all(links, nlinks);
		free(links);
	}
	session_detach_from(s, 0);
	for (int i = 0; i < s->nbegin; i++)
		close(s->begin_fds[i]);
	for (int i = 0; i < s->nintervals; i++) {
		close(s->intervals[i].prog_fd);
		if (s->intervals[i].timer_fd >= 0)
			close(s->intervals[i].timer_fd);
	}
	for (int i = 0; i < s->nend; i++)
		close(s->end_fds[i]);
	ring_buffer__free(s->rb);
	maps_destroy(&s->maps);
	symtab_free(&s->syms);
	for (struct program *p = s->progs, *next; p; p = next) {
		next = p->next;
		program_free(p);
	}
	compiler_free(s->comp);
	for (int i = 0; i < s->nbins; i++) {
		usdt_free_binary(&s->bins[i]);
		free(s->bin_paths[i]);
	}
	free(s->bins);
	free(s->bin_paths);
	for (int i = 0; i < s->nread_names; i++)
		free(s->read_names[i]);
	for (int i = 0; i < s->nwhys; i++)
		free(s->whys[i]);
	catalog_free(&s->cat);
	target_close(&s->target);
	output_free(s->output);
	s->output = NULL;
}

/* ---- driving a session from another event loop (the REPL) ---- */

int session_end(struct session *s, int rc)
{
	int status = s->exit_code;
	output_set_stream(s->output, s->opts.out);
	finish(s);
	/* Results are out before the slow part: detaching waits for RCU. */
	bool lost = maps_report_losses(&s->maps, s->output);
	lost |= report_read_failures(s);
	output_end(s->output);
	output_flush(s->output);
	if (s->target.is_child && s->child_status < 0 && s->target.pid > 0 && !s->target_gone) {
		/* Tracing ended first (exit() or a signal): the child is ours to end. */
		kill(s->target.pid, SIGTERM);
		s->child_status = target_reap(&s->target, true);
		s->child_status = -1;
	}
	int child = child_exit_status(s);
	if (rc)
		return 1;
	if (child)
		return child;
	if (status)
		return status;
	return lost ? 3 : 0;
}

int session_prepare(struct session *s)
{
	int rc = ensure_target(s);
	return rc ? rc : session_start(s);
}

const struct usdt_binary *session_target_binary(struct session *s)
{
	return s->target.path ? binary_for(s, s->target.path) : NULL;
}

void session_mark(struct session *s, struct session_mark *m)
{
	m->next_probe_id = s->next_probe_id;
	m->nmaps = s->syms.nmaps;
	m->nbegin = s->nbegin;
	m->nend = s->nend;
	m->nintervals = s->nintervals;
}

void session_rollback(struct session *s, const struct session_mark *m)
{
	session_detach_from(s, m->next_probe_id);
	while (s->nbegin > m->nbegin)
		close(s->begin_fds[--s->nbegin]);
	while (s->nend > m->nend)
		close(s->end_fds[--s->nend]);
	while (s->nintervals > m->nintervals) {
		s->nintervals--;
		close(s->intervals[s->nintervals].prog_fd);
		if (s->intervals[s->nintervals].timer_fd >= 0)
			close(s->intervals[s->nintervals].timer_fd);
	}
	for (int id = m->nmaps; s->maps.fds && id < MAX_MAPS; id++)
		if (s->maps.fds[id] > 0) {
			close(s->maps.fds[id]);
			s->maps.fds[id] = 0;
		}
	symtab_rollback(&s->syms, m->nmaps);
	s->cat.script = s->progs;	/* the failed program is freed */
}

int session_ir(struct session *s, struct source *src, FILE *out)
{
	struct program *prog;
	int rc = parse_program(src, &prog);
	if (rc)
		return rc;
	struct session_mark mark;
	session_mark(s, &mark);
	struct sema_env env = { lookup_probe, s, s->opts.builtins };
	s->cat.script = prog;
	rc = sema_check(prog, &env, &s->syms);
	if (!rc)
		rc = session_start(s);
	struct cg_maps cm = { .map_fds = s->maps.fds, .errors_fd = s->maps.errors_fd,
			      .events_fd = s->maps.events_fd };
	for (struct probe *p = prog->probes; p && !rc; p = p->next)
		for (struct attach_point *ap = p->points; ap && !rc; ap = ap->next) {
			const struct usdt_location *loc = NULL;
			if (ap->kind == ATTACH_USDT)
				loc = &usdt_find_probe(binary_for(s, attach_path(s, ap)),
						       ap->provider, ap->event)->locs[0];
			struct bpf_insn *insns;
			size_t n;
			rc = compile_probe(s->comp, &s->syms, &cm, p, loc, ap->spec, &insns, &n);
			if (!rc) {
				free(insns);
				fprintf(out, "; %s: %zu BPF instructions\n%s", ap->spec, n,
					compiler_last_ir(s->comp));
			}
		}
	session_rollback(s, &mark);
	program_free(prog);
	return rc;
}

int session_fds(struct session *s, int *fds, int max)
{
	int n = 0;
	if (s->rb && n < max)
		fds[n++] = ring_buffer__epoll_fd(s->rb);
	for (int i = 0; i < s->nintervals && n < max; i++) {
		if (s->intervals[i].timer_fd < 0) {
			uint64_t ns = s->intervals[i].period_ns;
			struct timespec every = { (time_t)(ns / 1000000000ull),
						  (long)(ns % 1000000000ull) };
			struct itimerspec its = { .it_interval = every, .it_value = every };
			int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
			if (tfd < 0)
				continue;
			timerfd_settime(tfd, 0, &its, NULL);
			s->intervals[i].timer_fd = tfd;
		}
		fds[n++] = s->intervals[i].timer_fd;
	}
	return n;
}

void session_ready(struct session *s, int fd)
{
	if (fd < 0 || !run_interval(s, fd))
		ring_buffer__consume(s->rb);
	report_lost_so_far(s);
}
