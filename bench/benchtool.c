/* SPDX-License-Identifier: GPL-3.0-or-later */
/* benchtool: the timing half of bench/run.sh.
 *
 * It starts a tracer (or btcsim) itself, so that it can see, to the
 * microsecond and without counting anyone else:
 *
 *   - when the tracer is really attached: the probes' semaphores are raised
 *     in a running btcsim (read from /proc/PID/mem; the kernel raises a
 *     semaphore in the same call that installs the uprobe), or a line on
 *     the tracer's stdout (btctrace prints "Attaching N probes..." only
 *     after attaching; bpftrace prints it before, so it is not used there);
 *   - how long it takes to exit after SIGINT (a pidfd says when it is gone);
 *   - its peak RSS (wait4's rusage of that process);
 *   - the CPU time btcsim spends on its own run (wait4's rusage), which is
 *     where a uprobe's cost is paid.
 *
 *   benchtool run [--watch PID:FILE:VADDR[,VADDR...]] [--banner TEXT]
 *                 [--int-after MS] [--kill-at-attach] [--out FILE]
 *                 [--settle MS] -- CMD ARGS...
 *       Runs CMD; prints attach_ms (from just before fork to attached),
 *       wall_ms (start to exit), exit_ms (SIGINT to exit), rss_kb, status,
 *       sigints (SIGINT is repeated every 5 s until CMD exits) and cpu_ms
 *       (CMD's user + system time).
 *       --settle MS sleeps before starting CMD.
 *       Without --watch/--banner, "attached" is the start.  --int-after
 *       sends SIGINT MS after attached; --kill-at-attach SIGKILLs then.
 *       CMD's stdout goes to FILE (default /dev/null), or to the banner
 *       watch; its stderr is left alone.
 *
 *   benchtool sim [--raise FILE:VADDR] [--tracer-out FILE] -- BTCSIM ARGS... \
 *                 [--- TRACER ARGS...]
 *       Starts BTCSIM (give it --wait-attached), then either raises the
 *       semaphore at VADDR itself (a run without a tracer that still gets
 *       past --wait-attached) or starts TRACER, where an argument "%PID%"
 *       becomes btcsim's pid.  When btcsim exits, SIGINTs the tracer and
 *       waits for it.  Prints sim_cpu_ms (user + system), sim_wall_ms and
 *       tracer_cpu_ms (the tracer's user + system: its reader's cost).
 *
 * Semaphore addresses: VADDR is the link-time address from the stapsdt
 * note; the runtime address is the load address of FILE's first mapping
 * in /proc/PID/maps (offset 0) plus VADDR, as for any PIE.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEMS 64
#define POLL_US 100
#define TIMEOUT_S 60
#define INT_REPEAT_MS 5000

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "benchtool: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

/* User + system time of a reaped process. */
static double cpu_ms(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
	       (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

static void sleep_us(long us)
{
	struct timespec t = { us / 1000000, (us % 1000000) * 1000 };
	nanosleep(&t, NULL);
}

/* ---- semaphores in another process ----------------------------------- */

struct sems {
	pid_t pid;
	int memfd;
	int n;
	uint64_t addr[MAX_SEMS];
};

/* Load address of FILE in PID: the start of its mapping at offset 0,
 * matched by inode so that any spelling of the path works. */
static uint64_t load_base(pid_t pid, const char *file)
{
	struct stat st;
	if (stat(file, &st) < 0)
		die("cannot stat %s", file);
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	uint64_t base = 0;
	while (!base && fgets(line, sizeof(line), f)) {
		unsigned long long lo, off, ino;
		char dev[32];
		if (sscanf(line, "%llx-%*x %*s %llx %31s %llu", &lo, &off, dev, &ino) == 4 &&
		    off == 0 && ino == (unsigned long long)st.st_ino)
			base = lo;
	}
	fclose(f);
	return base;
}

/* "FILE:VADDR[,VADDR...]" for PID; waits until FILE is mapped there. */
static void sems_open(struct sems *s, pid_t pid, char *spec)
{
	char *colon = strrchr(spec, ':');
	if (!colon)
		die("bad semaphore list '%s' (FILE:VADDR[,VADDR...])", spec);
	*colon = '\0';
	uint64_t base = 0;
	for (int i = 0; i < 2000 && !(base = load_base(pid, spec)); i++)
		sleep_us(500);
	if (!base)
		die("%s is not mapped in the process", spec);
	s->pid = pid;
	s->n = 0;
	for (char *tok = strtok(colon + 1, ","); tok && s->n < MAX_SEMS; tok = strtok(NULL, ","))
		s->addr[s->n++] = base + strtoull(tok, NULL, 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	s->memfd = open(path, O_RDWR | O_CLOEXEC);
	if (s->memfd < 0)
		die("cannot open %s", path);
}

static unsigned sem_read(const struct sems *s, int i)
{
	uint16_t v = 0;
	if (pread(s->memfd, &v, sizeof(v), (off_t)s->addr[i]) != sizeof(v))
		return 0;
	return v;
}

static bool sems_all_raised(const struct sems *s)
{
	for (int i = 0; i < s->n; i++)
		if (!sem_read(s, i))
			return false;
	return true;
}

static bool sems_any_raised(const struct sems *s)
{
	for (int i = 0; i < s->n; i++)
		if (sem_read(s, i))
			return true;
	return false;
}

/* ---- processes ------------------------------------------------------- */

static pid_t spawn(char **argv, int stdout_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork failed%s", "");
	if (pid == 0) {
		if (stdout_fd >= 0) {
			dup2(stdout_fd, 1);
			close(stdout_fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "benchtool: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static int pidfd_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		die("pidfd_open failed: %s", strerror(errno));
	return fd;
}

/* Waits up to ms for the pidfd to say the process is gone. */
static bool gone_within(int pidfd, int ms)
{
	struct pollfd p = { pidfd, POLLIN, 0 };
	return poll(&p, 1, ms) > 0;
}

/* ---- run ------------------------------------------------------------- */

/* The tracer's stdout, when a banner line says it is attached. */
struct outpipe {
	int fd;			/* -1 once at EOF */
	const char *text;
	bool seen;
	char buf[8192];
	size_t len;
};

/* Reads what is there; keeps a tail so that a banner split across two
 * reads is still found. */
static void outpipe_drain(struct outpipe *o)
{
	while (o->fd >= 0) {
		ssize_t n = read(o->fd, o->buf + o->len, sizeof(o->buf) - 1 - o->len);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(o->fd);
			o->fd = -1;
			return;
		}
		o->len += (size_t)n;
		o->buf[o->len] = '\0';
		if (!o->seen && strstr(o->buf, o->text))
			o->seen = true;
		if (o->len > sizeof(o->buf) / 2) {
			memmove(o->buf, o->buf + o->len - 256, 256);
			o->len = 256;
		}
	}
}

static int cmd_run(int argc, char **argv)
{
	char *watch = NULL;
	const char *banner = NULL;
	const char *out_path = "/dev/null";
	long int_after = -1, settle_ms = 0;
	bool kill_at_attach = false;
	int i = 0;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out_path = argv[++i];
		else if (!strcmp(argv[i], "--watch") && i + 1 < argc)
			watch = argv[++i];
		else if (!strcmp(argv[i], "--banner") && i + 1 < argc)
			banner = argv[++i];
		else if (!strcmp(argv[i], "--int-after") && i + 1 < argc)
			int_after = atol(argv[++i]);
		else if (!strcmp(argv[i], "--kill-at-attach"))
			kill_at_attach = true;
		else if (!strcmp(argv[i], "--settle") && i + 1 < argc)
			settle_ms = atol(argv[++i]);
		else
			die("run: unknown option %s", argv[i]);
	}
	if (i + 1 >= argc)
		die("run: no command after --%s", "");
	char **cmd = argv + i + 1;

	struct sems s = { .memfd = -1 };
	if (watch) {
		char *colon = strchr(watch, ':');
		if (!colon)
			die("--watch takes PID:FILE:VADDR,..., not %s", watch);
		*colon = '\0';
		sems_open(&s, (pid_t)atoi(watch), colon + 1);
		/* The previous tracer must be gone from the target. */
		double until = now_ms() + 5000;
		while (sems_any_raised(&s) && now_ms() < until)
			sleep_us(1000);
		if (sems_any_raised(&s))
			die("a semaphore is still raised in pid %s before the run", watch);
	}
	static struct outpipe out = { .fd = -1 };
	int pipefd[2] = { -1, -1 };
	if (banner) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			die("pipe failed%s", "");
		fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
		out.fd = pipefd[0];
		out.text = banner;
	}

	int out_fd = pipefd[1];
	if (!banner && (out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		die("cannot write %s", out_path);
	/* Let the previous run's detach finish settling in the kernel (it
	 * leaves RCU state behind that makes the next attach look cheaper). */
	if (settle_ms > 0)
		sleep_us(settle_ms * 1000);
	double t0 = now_ms();
	pid_t pid = spawn(cmd, out_fd);
	close(out_fd);
	int pidfd = pidfd_of(pid);

	double t_attach = watch || banner ? -1 : t0, t_int = -1, t_exit = -1, t_last_int = -1;
	int sigints = 0;
	for (;;) {
		if (now_ms() - t0 > TIMEOUT_S * 1000.0) {
			fprintf(stderr, "benchtool: %s timed out\n", cmd[0]);
			kill(pid, SIGKILL);
			break;
		}
		outpipe_drain(&out);
		if (t_attach < 0 && ((watch && sems_all_raised(&s)) || out.seen))
			t_attach = now_ms();
		if (t_attach >= 0 && t_int < 0) {
			if (kill_at_attach) {
				t_int = now_ms();
				kill(pid, SIGKILL);
			} else if (int_after >= 0 && now_ms() - t_attach >= (double)int_after) {
				t_int = t_last_int = now_ms();
				kill(pid, SIGINT);
				sigints++;
			}
		} else if (sigints && now_ms() - t_last_int >= INT_REPEAT_MS) {
			/* bpftrace 0.17 can miss a SIGINT that lands just before it
			 * blocks in epoll_wait; say it again (and report it). */
			t_last_int = now_ms();
			kill(pid, SIGINT);
			sigints++;
		}
		/* Sleep until the tracer's output, its exit, or what is due next:
		 * the semaphores of --watch are read every POLL_US, the SIGINT
		 * waits out --int-after.  Nothing else ticks: a poll 10,000
		 * times a second would take a CPU from the tracer measured (a
		 * 50-block btctrace compiles on two threads). */
		struct pollfd p[2] = { { pidfd, POLLIN, 0 }, { out.fd, POLLIN, 0 } };
		struct timespec wait = { 1, 0 };
		if (watch && t_attach < 0)
			wait = (struct timespec){ 0, POLL_US * 1000L };
		else if (t_attach >= 0 && t_int < 0 && int_after >= 0) {
			double left = (double)int_after - (now_ms() - t_attach);
			long us = left > 0 ? (long)(left * 1000.0) + 1 : 0;
			wait = (struct timespec){ us / 1000000, (us % 1000000) * 1000L };
		}
		ppoll(p, out.fd >= 0 ? 2 : 1, &wait, NULL);
		if (gone_within(pidfd, 0)) {
			t_exit = now_ms();
			break;
		}
	}
	int status = 0;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	if (t_exit < 0)
		t_exit = now_ms();
	double cpu = cpu_ms(&ru);
	printf("attach_ms=%.2f wall_ms=%.2f exit_ms=%.2f rss_kb=%ld status=%d sigints=%d "
	       "cpu_ms=%.2f\n",
	       t_attach >= 0 ? t_attach - t0 : -1.0, t_exit - t0,
	       t_int >= 0 ? t_exit - t_int : -1.0, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), sigints, cpu);
	if (s.memfd >= 0)
		close(s.memfd);
	close(pidfd);
	return 0;
}

/* ---- sim ------------------------------------------------------------- */

static int cmd_sim(int argc, char **argv)
{
	char *raise_spec = NULL;
	const char *tracer_out = "/dev/null";
	int i = 0;
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--raise") && i + 1 < argc)
			raise_spec = argv[++i];
		else if (!strcmp(argv[i], "--tracer-out") && i + 1 < argc)
			tracer_out = argv[++i];
		else
			die("sim: unknown option %s", argv[i]);
	}
	if (i + 1 >= argc)
		die("sim: no btcsim command after --%s", "");
	char **sim = argv + i + 1, **tracer = NULL;
	for (char **a = sim; *a; a++)
		if (!strcmp(*a, "---")) {
			*a = NULL;
			tracer = a + 1;
		}

	double t0 = now_ms();
	pid_t sp = spawn(sim, -1);
	pid_t tp = -1;
	if (raise_spec) {
		struct sems s;
		sems_open(&s, sp, raise_spec);
		uint16_t one = 1;
		for (int k = 0; k < s.n; k++)
			if (pwrite(s.memfd, &one, sizeof(one), (off_t)s.addr[k]) != sizeof(one))
				die("cannot write btcsim's semaphore%s", "");
		close(s.memfd);
	} else if (tracer) {
		char pidbuf[16];
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)sp);
		for (char **a = tracer; *a; a++)
			if (!strcmp(*a, "%PID%"))
				*a = pidbuf;
		int out = open(tracer_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		tp = spawn(tracer, out);
		close(out);
	}
	int status;
	struct rusage ru;
	if (wait4(sp, &status, 0, &ru) != sp)
		die("wait for btcsim failed%s", "");
	double t_sim = now_ms() - t0;
	if (tp > 0) {
		/* Repeated, as in run: bpftrace can miss the first one. */
		int pidfd = pidfd_of(tp);
		do
			kill(tp, SIGINT);
		while (!gone_within(pidfd, INT_REPEAT_MS));
		close(pidfd);
	}
	struct rusage tru = { 0 };
	if (tp > 0)
		wait4(tp, NULL, 0, &tru);
	printf("sim_cpu_ms=%.3f sim_wall_ms=%.2f sim_status=%d tracer_cpu_ms=%.3f\n", cpu_ms(&ru),
	       t_sim, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       cpu_ms(&tru));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "sim"))
		return cmd_sim(argc - 2, argv + 2);
	fprintf(stderr, "usage: benchtool run|sim ... (see the comment at the top of bench/benchtool.c)\n");
	return 2;
}
