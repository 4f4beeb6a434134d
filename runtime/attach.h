/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading BPF programs and attaching them to uprobes on USDT locations,
 * with the semaphore raised by the kernel (ref_ctr_offset). */
#ifndef BTCTRACE_ATTACH_H
#define BTCTRACE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_insn;

enum prog_kind {
	PROG_UPROBE,		/* BPF_PROG_TYPE_KPROBE, one perf event per location */
	PROG_UPROBE_MULTI,	/* KPROBE loaded with expected_attach_type
				 * BPF_TRACE_UPROBE_MULTI (48): one link for all */
	PROG_RUN_ONCE,		/* BEGIN/END: BPF_PROG_TYPE_RAW_TRACEPOINT, run
				 * with BPF_PROG_TEST_RUN in btctrace itself */
};

/* Loads a GPL program.  Returns its fd, or -errno after printing (through
 * diag_error) the verifier's log with the program's name and a hint. */
int prog_load(enum prog_kind kind, const char *name,
	      const struct bpf_insn *insns, size_t ninsns);

/* Runs a PROG_RUN_ONCE program once on the calling CPU.  0 or -errno. */
int prog_run_once(int prog_fd);

/* prog_load() without a message on failure (capability probes):
 * the fd or -errno. */
int prog_load_quiet(enum prog_kind kind, const char *name, const struct bpf_insn *insns,
		    size_t ninsns);

/* BPF_TRACE_UPROBE_MULTI: older uapi headers stop before it. */
#define ATTACH_UPROBE_MULTI 48

struct uprobe_loc {
	uint64_t offset;	/* file offset of the probe instruction */
	uint64_t ref_ctr_offset;	/* file offset of the semaphore, 0 = none */
};

struct attachment;

/* Attaches prog_fd to every location of one binary.  pid -1 = every
 * process running the binary, else only that process (all its threads).
 * The program must have been loaded as PROG_UPROBE_MULTI when
 * attach_have_uprobe_multi() is true and PROG_UPROBE otherwise.  On error
 * nothing stays attached; a message naming path and offset was printed.
 * Returns 0 or -errno. */
int attach_uprobes(int prog_fd, const char *path, pid_t pid,
		   const struct uprobe_loc *locs, int nlocs,
		   struct attachment **out);

/* Detaches and frees (NULL is fine).  A program that shares a link
 * (attach_batch_commit) stops running at once; the link and its
 * semaphores go with the last program on it. */
void detach_uprobes(struct attachment *a);

/* Batches: attach_uprobes_batched() (uprobe_multi route) only records
 * the request in the batch and hands out its attachment;
 * attach_batch_commit() attaches every request of one binary and pid
 * through ONE uprobe_multi link, whose dispatcher program tail-calls the
 * request's program (the location's cookie is its slot in a program
 * array).  Links cost grace periods each to detach, so a 20-probe script
 * detaches in about the time of one probe.  Commit and abort free the
 * batch.  On error nothing of the batch is attached (a message was
 * printed) and its attachments stay valid for detach_uprobes(); returns 0
 * or -errno.  Without uprobe_multi, a batched attach attaches at once. */
struct attach_batch;
struct attach_batch *attach_batch_begin(void);
int attach_uprobes_batched(struct attach_batch *batch, int prog_fd, const char *path,
			   pid_t pid, const struct uprobe_loc *locs, int nlocs,
			   struct attachment **out);
int attach_batch_commit(struct attach_batch *batch);
void attach_batch_abort(struct attach_batch *batch);

/* Detaches and frees n attachments together (NULL entries are fine) and
 * sets every v[i] to NULL.  Each link's release waits for RCU grace
 * periods; one after another that is 30-60 ms per link, so the links are
 * closed from concurrent threads whose waits overlap (20 links: ~80 ms
 * instead of ~1.1 s).  Returns when every link is gone (the uprobes are
 * removed and the semaphores lowered), as detach_uprobes() does. */
void detach_uprobes_all(struct attachment **v, int n);

/* Whether this kernel has uprobe_multi links (6.6+); probed once. */
bool attach_have_uprobe_multi(void);

/* Forces the per-location fallback (tests, and BTCTRACE_NO_UPROBE_MULTI=1). */
void attach_disable_uprobe_multi(void);

/* Run counts of BPF programs (the REPL's .probes hit counts).  The kernel
 * counts every run of every program while the fd prog_stats_enable()
 * returns is open (BPF_ENABLE_STATS); -errno when it refuses. */
int prog_stats_enable(void);

/* Runs of one program so far; false when the kernel cannot tell. */
bool prog_run_count(int prog_fd, uint64_t *runs);

#endif
