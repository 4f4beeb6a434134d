/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The traced program: found by PID, started held by -c, given as a path,
 * or discovered (the single running bitcoind, else bitcoind on PATH). */
#ifndef BTCTRACE_TARGET_H
#define BTCTRACE_TARGET_H

#include <stdbool.h>
#include <sys/types.h>

struct target {
	char *path;		/* binary whose notes are read and probed */
	pid_t pid;		/* -1: every process running path */
	bool is_child;		/* -c: started by target_spawn, held until released */
	char **argv;		/* -c: the command, NULL-terminated */
	int release_fd;		/* write end of the pipe holding the child */
	int pidfd;		/* readable when the traced process exits, or -1 */
	char *exe;		/* -p, discovery: the executable as the process sees
				 * it (readlink of /proc/PID/exe), or NULL */
	bool discovered;	/* found by discovery, not named by -p/-c/-b */
	bool replaced;		/* -p: the executable was deleted or replaced on
				 * disk since the process started; path is
				 * /proc/PID/exe, which still reaches it */
};

/* Resolves the target from -p, -c or a path (each may be NULL/0); with
 * none, discovers bitcoind.  A -c command is found but not started.
 * 0 or -errno after a message. */
int target_open(struct target *t, pid_t pid, const char *cmd, const char *path);

/* Starts a -c command, held before its exec until target_release(); does
 * nothing for other targets or a second time. */
int target_spawn(struct target *t);

/* Lets a -c child run its command. */
int target_release(struct target *t);

/* After the pidfd became readable or at exit: reaps a child and returns
 * its wait status, -1 if it is not our child or still running. */
int target_reap(struct target *t, bool wait);

/* Kills a child that was never released (tracing failed to start). */
void target_close(struct target *t);

/* The binary as a person would name it: the executable's path for a
 * process, without the /proc/PID/... that reaches it. */
const char *target_shown_path(const struct target *t);

/* Whether paths a and b are the same file (inode), not just the same name. */
bool target_same_file(const char *a, const char *b);

/* How many processes run the file at path now (by inode). */
int target_count_running(const char *path);

/* The same, calling fn (may be NULL) with each one's pid. */
int target_each_running(const char *path, void (*fn)(pid_t pid, void *ctx), void *ctx);

/* Resolves a command name through PATH like execvp would. */
char *target_which(const char *name);

#endif
