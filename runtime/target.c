/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding and starting the traced process. */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "lang/diag.h"

static const char *const find_hint =
	"name the target with -p PID, -c 'CMD ...', -b BINARY "
	"or usdt:PATH:context:event probes";

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

char *target_which(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? realpath(name, NULL) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char *dirs = strdup(path), *save = NULL, *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char buf[PATH_MAX];
		snprintf(buf, sizeof(buf), "%s/%s", *d ? d : ".", name);
		if (access(buf, X_OK) == 0)
			found = realpath(buf, NULL);
	}
	free(dirs);
	return found;
}

bool target_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

const char *target_shown_path(const struct target *t)
{
	return t->exe ? t->exe : t->path;
}

/* The name of process pid when it is a kernel thread (PF_KTHREAD in
 * /proc/PID/stat's flags), else NULL.  /proc/PID/exe of a kernel thread
 * is ENOENT, as for a process that does not exist. */
static const char *kernel_thread(pid_t pid)
{
	static char comm[32];
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	unsigned long flags = 0;
	if (!open || !close || close < open ||
	    sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1 ||
	    !(flags & 0x00200000))	/* PF_KTHREAD */
		return NULL;
	snprintf(comm, sizeof(comm), "%.*s", (int)(close - open - 1), open + 1);
	return comm;
}

/* Through /proc/PID/root so that a node in a container resolves to the
 * file its own mount namespace sees.  A binary deleted or replaced on disk
 * since the process started (a package upgrade) is no longer there: then
 * /proc/PID/exe, which the kernel resolves to the running inode, is read
 * and probed instead. */
static int open_pid(struct target *t, pid_t pid)
{
	char link[64], exe[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0) {
		int err = errno;
		if (err == ENOENT && kernel_thread(pid))
			return diag_errno(-ESRCH, NULL, "check the PID with `pgrep bitcoind`",
					  "process %d is a kernel thread (%s): it has no executable "
					  "and no USDT probes", pid, kernel_thread(pid));
		if (err == ENOENT)
			return diag_errno(-ESRCH, NULL, "check the PID with `pgrep bitcoind`",
					  "no process with PID %d", pid);
		return diag_errno(-err, NULL, "run btctrace as root", "cannot read %s: %s", link,
				  strerror(err));
	}
	exe[n] = 0;
	if (asprintf(&t->path, "/proc/%d/root%s", pid, exe) < 0)
		return -ENOMEM;
	if (!target_same_file(t->path, link)) {
		free(t->path);
		t->path = strdup(link);
		t->replaced = true;
		size_t len = strlen(exe), tag = strlen(" (deleted)");
		if (len > tag && !strcmp(exe + len - tag, " (deleted)"))
			exe[len - tag] = 0;
	}
	t->exe = strdup(exe);
	t->pid = pid;
	t->pidfd = pidfd_of(pid);
	return 0;
}

/* The child says why its exec failed with write(2) alone: it must not
 * touch the heap, which it does not have (target_spawn). */
static void say_cannot_run(const char *path, int err)
{
	char msg[PATH_MAX + 160];
	const char *parts[] = { "btctrace: error: cannot run ", path, ": ", strerror(err), "\n" };
	size_t n = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t len = strnlen(parts[i], sizeof(msg) - n - 1);
		memcpy(msg + n, parts[i], len);
		n += len;
	}
	if (write(STDERR_FILENO, msg, n) < 0)
		return;
}

static void child_wait_and_exec(int rfd, char **argv, pid_t parent)
{
	char c;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* The command ends with btctrace, even a SIGKILLed one: it must not
	 * run on untraced.  A parent already gone before prctl() took effect
	 * shows as another parent. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	/* EOF without a byte means btctrace gave up: do not run the command. */
	if (read(rfd, &c, 1) != 1)
		_exit(127);
	close(rfd);
	execv(argv[0], argv);
	say_cannot_run(argv[0], errno);
	_exit(127);
}

/* -c: the command's executable is found now, so its probes can be read
 * and the script checked; the process is started later (target_spawn). */
static int resolve_cmd(struct target *t, const char *cmd)
{
	wordexp_t we;
	if (wordexp(cmd, &we, WRDE_NOCMD) || we.we_wordc == 0)
		return diag_error(NULL, "give -c a command line such as -c './btcsim coins'",
				  "cannot parse the command '%s'", cmd);
	char *exe = target_which(we.we_wordv[0]);
	if (!exe) {
		int rc = diag_error(NULL, "check the command's path, or that it is executable",
				    "command not found: %s", we.we_wordv[0]);
		wordfree(&we);
		return rc;
	}
	t->argv = calloc(we.we_wordc + 1, sizeof(char *));
	t->argv[0] = strdup(exe);
	for (size_t i = 1; i < we.we_wordc; i++)
		t->argv[i] = strdup(we.we_wordv[i]);
	wordfree(&we);
	t->path = exe;
	t->is_child = true;
	return 0;
}

/* The command line, copied where the held child can read it. */
#define HELD_CMD_MAX 65536
struct held_cmd {
	_Alignas(char *) char buf[HELD_CMD_MAX];
};

static char **copy_cmd(char **argv, struct held_cmd *h)
{
	size_t argc = 0, need = sizeof(char *), used;
	for (; argv[argc]; argc++)
		need += sizeof(char *) + strlen(argv[argc]) + 1;
	if (need > sizeof(h->buf))
		return NULL;
	char **copy = (char **)h->buf;
	used = (argc + 1) * sizeof(char *);
	for (size_t i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		copy[i] = memcpy(h->buf + used, argv[i], len);
		used += len;
	}
	copy[argc] = NULL;
	return copy;
}

/* The heap's range, from /proc/self/maps. */
static bool heap_range(uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		found = strstr(line, " [heap]") && sscanf(line, "%lx-%lx", &a, &b) == 2;
		if (found) {
			*lo = a;
			*hi = b;
		}
	}
	if (f)
		fclose(f);
	return found;
}

/* The held child runs without the heap: left out of the fork
 * (MADV_DONTFORK), the heap's pages are not made copy-on-write, and each
 * page btctrace writes after the fork, until it exits, is not a fault
 * (~200 of them for a one-liner, ~300 for 50 blocks, 15-25 us each on a
 * virtual machine).  The child reads only its stack: the command line is
 * copied there, and it reports a failed exec with write(2).  Only while
 * btctrace has no thread: after one, glibc's fork resets the locks of
 * every open FILE in the child, and those are on the heap. */
int target_spawn(struct target *t)
{
	if (!t->argv || t->pid > 0)
		return 0;
	struct held_cmd held;
	char **argv = copy_cmd(t->argv, &held);
	uintptr_t lo = 0, hi = 0;
	bool no_heap = argv && __libc_single_threaded && heap_range(&lo, &hi) &&
		       !madvise((void *)lo, hi - lo, MADV_DONTFORK);
	if (!no_heap)
		argv = t->argv;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		close(fds[1]);
		child_wait_and_exec(fds[0], argv, parent);
	}
	if (no_heap)
		madvise((void *)lo, hi - lo, MADV_DOFORK);
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return diag_error(NULL, NULL, "fork failed: %s", strerror(errno));
	}
	t->pid = pid;
	t->release_fd = fds[1];
	t->pidfd = pidfd_of(pid);
	return 0;
}

int target_each_running(const char *path, void (*fn)(pid_t pid, void *ctx), void *ctx)
{
	struct stat want, st;
	if (stat(path, &want) < 0)
		return 0;
	DIR *d = opendir("/proc");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		char exe[300];
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(exe, sizeof(exe), "/proc/%s/exe", e->d_name);
		if (stat(exe, &st) || st.st_dev != want.st_dev || st.st_ino != want.st_ino)
			continue;
		n++;
		if (fn)
			fn((pid_t)atoi(e->d_name), ctx);
	}
	if (d)
		closedir(d);
	return n;
}

int target_count_running(const char *path)
{
	return target_each_running(path, NULL, NULL);
}

static bool is_bitcoind(const char *pid)
{
	char p[300], comm[32] = "";
	snprintf(p, sizeof(p), "/proc/%s/comm", pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return false;
	bool yes = fgets(comm, sizeof(comm), f) && !strcmp(comm, "bitcoind\n");
	fclose(f);
	return yes;
}

static int discover(struct target *t)
{
	DIR *d = opendir("/proc");
	pid_t found[16];
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && is_bitcoind(e->d_name) && n < 16)
			found[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	t->discovered = true;
	if (n == 1)
		return open_pid(t, found[0]);
	if (n > 1) {
		char pids[16 * 12] = "";
		for (int i = 0, used = 0; i < n; i++)
			used += snprintf(pids + used, sizeof(pids) - used, " %d", found[i]);
		return diag_errno(-EEXIST, NULL, "choose one with -p PID",
				  "%d bitcoind processes are running:%s", n, pids);
	}
	char *exe = target_which("bitcoind");
	if (exe) {
		t->path = exe;
		return 0;
	}
	return diag_error(NULL, find_hint, "no target: no bitcoind is running and none is on PATH");
}

int target_open(struct target *t, pid_t pid, const char *cmd, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->pid = -1;
	t->release_fd = -1;
	t->pidfd = -1;
	if (pid > 0 && cmd)
		return diag_error(NULL, "use either -p or -c", "-p and -c exclude each other");
	if (pid > 0)
		return open_pid(t, pid);
	if (cmd)
		return resolve_cmd(t, cmd);
	if (path) {
		struct stat st;
		if (stat(path, &st) < 0)
			return diag_errno(-ENOENT, NULL, find_hint, "cannot open %s: %s", path,
					  strerror(errno));
		t->path = realpath(path, NULL);
		return 0;
	}
	return discover(t);
}

int target_release(struct target *t)
{
	if (t->release_fd < 0)
		return 0;
	/* A command killed while held has closed its end: the write fails
	 * with EPIPE, and the SIGPIPE that comes with it must not kill
	 * btctrace (exit 141, no message) but be taken back here. */
	sigset_t pipe_sig, old;
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_sig, &old);
	ssize_t n = write(t->release_fd, "g", 1);
	if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
		struct timespec now = { 0, 0 };
		sigtimedwait(&pipe_sig, NULL, &now);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(t->release_fd);
	t->release_fd = -1;
	return n == 1 ? 0 : -EPIPE;
}

int target_reap(struct target *t, bool wait)
{
	if (!t->is_child || t->pid <= 0)
		return -1;
	int status;
	pid_t r = waitpid(t->pid, &status, wait ? 0 : WNOHANG);
	if (r != t->pid)
		return -1;
	t->pid = 0;
	return status;
}

void target_close(struct target *t)
{
	if (t->release_fd >= 0) {
		/* Closing the pipe unread makes the held child exit 127. */
		close(t->release_fd);
		t->release_fd = -1;
	}
	if (t->is_child && t->pid > 0) {
		kill(t->pid, SIGTERM);
		target_reap(t, true);
	}
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
	free(t->path);
	t->path = NULL;
	free(t->exe);
	t->exe = NULL;
	for (int i = 0; t->argv && t->argv[i]; i++)
		free(t->argv[i]);
	free(t->argv);
	t->argv = NULL;
}
