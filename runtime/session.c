/* SPDX-License-Identifier: GPL-3.0-or-later */
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

#include "runtime/attach.h"
#include "runtime/features.h"
#include "runtime/probe_kind.h"
#include "runtime/stacks.h"
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

/* ---- what the driver builds a program with ---- */

bool session_has_binary(const struct session *s, const char *path)
{
	for (int i = 0; i < s->nbins; i++)
		if (!strcmp(s->bin_paths[i], path))
			return true;
	return false;
}

const struct usdt_binary *session_binary(struct session *s, const char *path)
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

/* -v: the target the user named, as resolved. */
static void verbose_target(struct session *s)
{
	const struct target *t = &s->target;
	if (t->is_child)
		diag_note(NULL, "target: %s, the -c command's binary", t->path);
	else if (t->pid > 0)
		diag_note(NULL, "target: process %d, %s", t->pid, target_shown_path(t));
	else
		diag_note(NULL, "target: every process running %s", t->path);
}

/* -v: what tracing waits for once the probes are attached. */
static void verbose_waiting(struct session *s)
{
	const struct target *t = &s->target;
	if (!s->opts.verbose || s->opts.quiet)
		return;
	if (t->is_child)
		diag_note(NULL, "waiting for events until the -c command (pid %d) exits; Ctrl-C "
			  "to stop", t->pid);
	else if (t->pid > 0)
		diag_note(NULL, "waiting for events until process %d exits; Ctrl-C to stop",
			  t->pid);
	else if (t->path && !target_count_running(t->path))
		diag_note(NULL, "waiting for %s to start (no process runs it now); Ctrl-C to stop",
			  t->path);
	else if (t->path)
		diag_note(NULL, "waiting for events from the %d process%s running %s; Ctrl-C to "
			  "stop", target_count_running(t->path),
			  target_count_running(t->path) == 1 ? "" : "es", t->path);
	else
		diag_note(NULL, "waiting for events; Ctrl-C to stop");
}

/* Says which process is traced when the user did not name it, and how
 * a binary replaced on disk is reached; -q keeps it quiet. */
static void note_target(struct session *s)
{
	const struct target *t = &s->target;
	if (s->opts.quiet)
		return;
	if (t->replaced)
		diag_note(NULL, "process %d runs %s, which was deleted or replaced on disk since "
			  "it started: tracing it through %s", t->pid, t->exe, t->path);
	if (s->opts.verbose && !t->discovered)
		verbose_target(s);
	if (t->discovered && t->pid > 0)
		diag_note(NULL, "tracing the running bitcoind: pid %d, %s", t->pid,
			  target_shown_path(t));
	else if (t->discovered)
		diag_note(NULL, "no bitcoind is running: probes fire when %s starts; Ctrl-C to "
			  "stop", t->path);
}

int session_open_target(struct session *s)
{
	if (s->target.path)
		return 0;
	int rc = target_open(&s->target, s->opts.pid, s->opts.cmd, s->opts.path);
	if (!rc)
		note_target(s);
	return rc;
}

/* usdt:PATH probes need no target, but -c and -p still name one. */
int session_start_target(struct session *s)
{
	if (!s->opts.cmd && s->opts.pid <= 0)
		return 0;
	int rc = session_open_target(s);
	pid_t before = s->target.pid;
	if (!rc && !(rc = target_spawn(&s->target)) && before <= 0 && s->target.pid > 0 &&
	    s->opts.verbose && !s->opts.quiet)
		diag_note(NULL, "started the -c command as pid %d, held until the probes are "
			  "attached", s->target.pid);
	return rc;
}

int session_catalog(struct session *s)
{
	if (!s->cat.stdlib && catalog_load(&s->cat))
		return -EINVAL;
	return 0;
}

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

/* Reading the kernel's BTF takes a while: once a session, and only when
 * a program calls the kernel function (len()).  One function is used. */
static int session_kfunc_id(void *owner, const char *name)
{
	struct session *s = owner;
	if (!s->kfunc_id)
		s->kfunc_id = runtime_kfunc_btf_id(name);
	return s->kfunc_id;
}

static int session_stack_map(void *owner, int frames)
{
	struct session *s = owner;
	return stacks_map_fd(s->maps.stacks, frames);
}

struct cg_maps session_cg_maps(struct session *s, const char *name)
{
	return (struct cg_maps){ s->maps.fds, s->maps.errors_fd, s->maps.events_fd,
				 s->maps.scratch_fd, read_slot(s, name), s->start_ns, session_kfunc_id, s,
				 session_stack_map, s, NULL, s->maps.ncpu };
}

struct attached_probe *session_add_probe(struct session *s, const struct probe_kind *kind,
					 const char *name, int prog_fd, const char *ir)
{
	struct attached_probe *a = calloc(1, sizeof(*a)), **pp = &s->probes;
	a->kind = kind;
	a->name = strdup(name);
	a->prog_fd = prog_fd;
	a->timer_fd = -1;
	a->seq = s->next_seq++;
	a->id = kind->detachable ? s->next_probe_id++ : 0;
	a->ir = ir ? strdup(ir) : NULL;	/* for the REPL's .ir ID */
	while (*pp)
		pp = &(*pp)->next;
	*pp = a;
	return a;
}

static void free_probe(struct attached_probe *a)
{
	a->kind->close(a);
	free(a->name);
	free(a->ir);
	free(a);
}

int session_detach(struct session *s, int id)
{
	for (struct attached_probe **pp = &s->probes; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id && id > 0) {
			struct attached_probe *a = *pp;
			*pp = a->next;
			free_probe(a);
			return 0;
		}
	return -ENOENT;
}

static void drop_from_one(struct session *s, struct attached_probe *gone)
{
	for (struct attached_probe **pp = &s->probes; *pp; pp = &(*pp)->next)
		if (*pp == gone) {
			*pp = gone->next;
			free_probe(gone);
			return;
		}
}

static void drop_from(struct session *s, int seq)
{
	for (struct attached_probe **pp = &s->probes; *pp;) {
		struct attached_probe *a = *pp;
		if (a->seq >= seq) {
			*pp = a->next;
			free_probe(a);
		} else {
			pp = &a->next;
		}
	}
}

void session_attach_begin(struct session *s)
{
	s->batch = attach_batch_begin();
}

int session_attach_end(struct session *s, int rc)
{
	if (rc)
		attach_batch_abort(s->batch);
	else
		rc = attach_batch_commit(s->batch);
	s->batch = NULL;
	return rc;
}

void session_keep_program(struct session *s, struct program *prog)
{
	prog->next = s->progs;
	s->progs = prog;
	s->cat.script = prog;
	for (struct map_info *m = s->syms.maps; m; m = m->next)
		m->created = true;	/* their layout is the kernel's now */
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
int session_start_kernel(struct session *s)
{
	int rc;
	if (s->comp)
		return 0;
	uint64_t t0 = timings_now();
	rc = compiler_new(&s->comp);
	timings_add(&s->timings, PH_CODEGEN, &t0);
	if (rc)
		return rc;
	if ((rc = maps_create(&s->maps, &s->syms, s->opts.map_size, ringbuf_size(s))))
		return rc;
	s->rb = ring_buffer__new(s->maps.events_fd, handle_event, s, NULL);
	if (!s->rb)
		return diag_error(NULL, NULL, "cannot open the event ring buffer: %s",
				  strerror(errno));
	return 0;
}

/* ---- running ---- */

void session_consume(struct session *s)
{
	ring_buffer__consume(s->rb);
}

int session_start_probes(struct session *s, int from_seq)
{
	for (struct attached_probe *a = s->probes, *next; a; a = next) {
		next = a->next;
		if (a->seq < from_seq)
			continue;
		int rc = a->kind->start ? a->kind->start(s, a) : 0;
		if (rc < 0)
			return rc;
		if (rc == 1)
			drop_from_one(s, a);
	}
	return 0;
}

/* END blocks, in script order. */
static int stop_probes(struct session *s)
{
	int rc = 0;
	for (struct attached_probe *a = s->probes; a && !rc; a = a->next)
		if (a->kind->stop)
			rc = a->kind->stop(s, a);
	return rc;
}

/* The fd a probe wants polled, or -1. */
static int probe_fd(const struct attached_probe *a)
{
	return a->kind->fd ? a->kind->fd(a) : -1;
}

/* The probe whose fd became readable, if any. */
static struct attached_probe *probe_of_fd(struct session *s, int fd)
{
	for (struct attached_probe *a = s->probes; a && fd >= 0; a = a->next)
		if (probe_fd(a) == fd)
			return a;
	return NULL;
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

static void watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (fd >= 0)
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
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

/* The pause between two reads of the ring buffer while events flow. */
#define READ_PAUSE_NS 1000000
/* While events flow, lost events are counted (a map read, a syscall)
 * every this many reads, and at each read once they stop: a syscall is
 * dear in this VM, and a flood's batches are ~1 ms apart. */
#define LOST_CHECK_READS 16

static void trace_loop(struct session *s, int sfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	watch(ep, ring_buffer__epoll_fd(s->rb));
	watch(ep, sfd);
	watch(ep, s->target.pidfd);
	for (struct attached_probe *a = s->probes; a; a = a->next)
		watch(ep, probe_fd(a));
	unsigned reads = 0;
	while (!s->exiting && !s->target_gone) {
		struct epoll_event got[8];
		int n = epoll_wait(ep, got, 8, 1000);
		for (int i = 0; i < n; i++) {
			int fd = got[i].data.fd;
			struct attached_probe *a = probe_of_fd(s, fd);
			if (a) {
				a->kind->ready(s, a);
			} else if (fd == sfd) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) > 0)
					s->exiting = true;
			} else if (fd == s->target.pidfd) {
				note_target_exit(s);
			}
		}
		int records = ring_buffer__consume(s->rb);
		if (s->opts.flush_batches)
			output_flush(s->output);
		if (records <= 0 || ++reads % LOST_CHECK_READS == 0)
			report_lost_so_far(s);
		/* While events flow, read them a millisecond apart instead of
		 * being woken for each: the kernel wakes a reader only when it
		 * has caught up, so a reader that waits a little is woken once
		 * per batch, and the traced thread pays for far fewer wakeups. */
		if (records > 0 && !s->exiting)
			nanosleep(&(struct timespec){ 0, READ_PAUSE_NS }, NULL);
	}
	/* What the last reads lost is said before the exit's total, as
	 * bpftrace says it, even when fewer than LOST_CHECK_READS came. */
	report_lost_so_far(s);
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
	uint64_t t0 = timings_now();
	/* After exit(), what is still queued is dropped before END runs;
	 * after a signal or the target's end it is printed. */
	ring_buffer__consume(s->rb);
	s->exiting = false;
	stop_probes(s);
	ring_buffer__consume(s->rb);
	if (s->before_exit_maps)
		s->before_exit_maps(s->before_exit_ctx);
	output_exit_maps(s->output);
	maps_print_all(&s->maps, s->output);
	timings_add(&s->timings, PH_PRINT, &t0);
}

/* After BEGIN nothing can fire (only END blocks are left) and no -c
 * command runs: nothing to wait for.  bpftrace ends such a program too
 * (since 0.21). */
static bool nothing_to_wait_for(const struct session *s)
{
	if (s->target.is_child)
		return false;
	for (const struct attached_probe *a = s->probes; a; a = a->next)
		if (a->kind->fd || a->kind->detachable)
			return false;
	return true;
}

static void prime_one(pid_t pid, void *stacks)
{
	stacks_prime(stacks, pid, false);
}

/* The processes whose stacks may print after they exit: a -c child once
 * it has exec'd, the -p process, or every process running the binary. */
static void prime_stacks(struct session *s)
{
	struct target *t = &s->target;
	if (!stacks_used(s->maps.stacks))
		return;
	if (t->pid > 0)
		stacks_prime(s->maps.stacks, t->pid, t->is_child);
	else if (t->path)
		target_each_running(t->path, prime_one, s->maps.stacks);
}

int session_run(struct session *s)
{
	sigset_t old;
	int sfd = signal_fd(&old);
	print_banner(s);
	output_flush(s->output);	/* who waits for the banner sees it now */
	uint64_t t0 = timings_now();
	int rc = session_start_probes(s, 0);
	timings_add(&s->timings, PH_ATTACH, &t0);
	if (!rc && !s->exiting && (rc = target_release(&s->target)) == -EPIPE) {
		/* The command died while held: its status says how. */
		note_target_exit(s);
		rc = 0;
	} else if (!rc) {
		prime_stacks(s);
	}
	bool wait = !rc && !s->exiting && !nothing_to_wait_for(s);
	if (wait)
		verbose_waiting(s);
	if (wait)
		trace_loop(s, sfd);
	int status = session_end(s, rc);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

void session_close(struct session *s)
{
	/* All links together: their RCU waits overlap (detach_uprobes_all). */
	uint64_t t0 = timings_now();
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
	drop_from(s, 0);
	ring_buffer__free(s->rb);
	maps_destroy(&s->maps);
	timings_add(&s->timings, PH_DETACH, &t0);
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
	catalog_free(&s->cat);
	target_close(&s->target);
	output_free(s->output);
	s->output = NULL;
}

/* ---- driving a session from another event loop (the REPL) ---- */

int session_end(struct session *s, int rc)
{
	finish(s);
	int status = s->exit_code;	/* END may have called exit(code) */
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
	int rc = session_start_target(s);
	if (!rc)
		rc = session_open_target(s);
	return rc ? rc : session_start_kernel(s);
}

const struct usdt_binary *session_target_binary(struct session *s)
{
	return s->target.path ? session_binary(s, s->target.path) : NULL;
}

void session_mark(struct session *s, struct session_mark *m)
{
	m->seq = s->next_seq;
	m->nmaps = s->syms.nmaps;
	m->nattach_points = s->nattach_points;
	m->next_probe_id = s->next_probe_id;
}

void session_undo(struct session *s, const struct session_mark *m)
{
	drop_from(s, m->seq);
	s->next_probe_id = m->next_probe_id;
	s->nattach_points = m->nattach_points;
	maps_forget_from(&s->maps, m->nmaps);
	symtab_rollback(&s->syms, m->nmaps);
	s->cat.script = s->progs;	/* the failed program is freed */
}

int session_fds(struct session *s, int *fds, int max)
{
	int n = 0;
	if (s->rb && n < max)
		fds[n++] = ring_buffer__epoll_fd(s->rb);
	for (struct attached_probe *a = s->probes; a && n < max; a = a->next)
		if (probe_fd(a) >= 0)
			fds[n++] = probe_fd(a);
	return n;
}

void session_ready(struct session *s, int fd)
{
	struct attached_probe *a = probe_of_fd(s, fd);
	if (a)
		a->kind->ready(s, a);
	else
		ring_buffer__consume(s->rb);
	report_lost_so_far(s);
}
