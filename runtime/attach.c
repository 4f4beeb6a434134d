/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading BPF programs and attaching them to USDT locations.
 *
 * Two attach routes: one uprobe_multi link for all locations of a binary
 * (kernel 6.6+), or one perf event per location.  They work the same, but
 * closing a perf-event uprobe waits for an RCU grace period each (40-130 ms
 * measured, one after another), while a uprobe_multi link pays it once.
 * Every link still pays its own waits (synchronize_rcu_tasks_trace, then
 * synchronize_srcu, in uprobe_unregister_sync), so detaching many links at
 * once closes them from concurrent threads: waits that overlap share a
 * grace period (20 links: ~1.1 s one after another, ~70 ms together). */
#include "runtime/attach.h"
#include "lang/diag.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* uprobe PMU: the semaphore offset goes in config bits 32-63
 * (/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset). */
#define UPROBE_REF_CTR_SHIFT 32

#define ROOT_HINT "run it with sudo"
#define BUG_HINT "this is a btctrace bug if the script type-checked; " \
	"please report it with the script"

/* union bpf_attr's link_create as of 6.6 (uprobe_multi with pid), spelled
 * out because the installed uapi header may predate it. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t uprobe_flags;
	uint32_t pid;
	uint32_t pad;	/* the kernel wants every byte past pid zero */
};
_Static_assert(sizeof(struct link_create_uprobe_multi) == 64,
	       "link_create.uprobe_multi layout");

/* A uprobe_multi link shared by the programs of a batch on one binary and
 * pid: each location's cookie is its program's slot in a prog array, and a
 * dispatcher tail-calls the program in that slot. */
struct shared_link {
	int refs;		/* attachments still using it */
	int link_fd, disp_fd, array_fd;
};

struct attachment {
	struct shared_link *shared;	/* NULL: fds[] are its own */
	uint32_t slot;			/* its program's slot in shared */
	/* A request recorded in a batch, linked by attach_batch_commit(). */
	struct attachment *next_pending;
	struct attach_batch *batch;	/* while pending */
	bool pending;
	int prog_fd;
	pid_t pid;
	char *path;
	struct uprobe_loc *locs;
	int nlocs;
	int nfds;
	int fds[];	/* one uprobe_multi link, or one perf event per location */
};

/* ---- uprobe_multi capability probe ------------------------------------ */

static int uprobe_multi_link_cookies(int prog_fd, const char *path,
				     const uint64_t *offsets, const uint64_t *ref_ctrs,
				     const uint64_t *cookies, uint32_t cnt, uint32_t pid)
{
	struct link_create_uprobe_multi attr = {
		.prog_fd = (uint32_t)prog_fd,
		.attach_type = ATTACH_UPROBE_MULTI,
		.path = (uintptr_t)path,
		.offsets = (uintptr_t)offsets,
		.ref_ctr_offsets = (uintptr_t)ref_ctrs,
		.cookies = (uintptr_t)cookies,
		.cnt = cnt,
		.pid = pid,
	};
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

static int uprobe_multi_link(int prog_fd, const char *path,
			     const uint64_t *offsets, const uint64_t *ref_ctrs,
			     uint32_t cnt, uint32_t pid)
{
	return uprobe_multi_link_cookies(prog_fd, path, offsets, ref_ctrs, NULL,
					 cnt, pid);
}

/* The kernel answers a uprobe_multi link on "/" with EBADF (not a regular
 * file) only when it knows the attach type.  A second try with pid -1 must
 * fail with EINVAL: kernels that pass it on to the path lookup still
 * filter by thread rather than by process, which is not what -p means.
 * This is libbpf's own probe; it costs one tiny load and two syscalls. */
static bool probe_uprobe_multi(void)
{
	static const struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog = prog_load_quiet(PROG_UPROBE_MULTI, "uprobe_multi_probe", ret0, 2);
	if (prog < 0)
		return false;
	const uint64_t offset = 0;
	int link = uprobe_multi_link(prog, "/", &offset, NULL, 1, 0);
	bool ok = link == -EBADF;
	if (link >= 0)
		close(link);
	if (ok) {
		link = uprobe_multi_link(prog, "/", &offset, NULL, 1, (uint32_t)-1);
		ok = link == -EINVAL;
		if (link >= 0)
			close(link);
	}
	close(prog);
	return ok;
}

/* 0 = not probed yet, 1 = available, -1 = absent or disabled.  Cached so
 * that the load (which picks the program kind) and the attach agree. */
static int have_uprobe_multi;

bool attach_have_uprobe_multi(void)
{
	if (!have_uprobe_multi) {
		const char *env = getenv("BTCTRACE_NO_UPROBE_MULTI");
		bool off = env && *env && strcmp(env, "0") != 0;
		have_uprobe_multi = !off && probe_uprobe_multi() ? 1 : -1;
	}
	return have_uprobe_multi > 0;
}

void attach_disable_uprobe_multi(void)
{
	have_uprobe_multi = -1;
}

/* ---- attaching -------------------------------------------------------- */

static const char *attach_hint(int err, bool multi)
{
	switch (-err) {
	case ENOENT:
		return "the binary is gone: was it rebuilt, moved or deleted "
		       "after btctrace read its probes?";
	case EPERM:
	case EACCES:
		return ROOT_HINT " (btctrace needs root, or CAP_BPF and CAP_PERFMON)";
	case EINVAL:
		/* A multi link also says EINVAL for a program loaded as
		 * PROG_UPROBE: a btctrace bug the variable works around. */
		return multi ? "an offset may not be an instruction of this binary "
			       "(was it rebuilt?); BTCTRACE_NO_UPROBE_MULTI=1 tries "
			       "the older attach method"
			     : "the offset may not be an instruction of this binary "
			       "(was it rebuilt?)";
	case ESRCH:
		return "the process has exited";
	default:
		return NULL;
	}
}

static void pid_suffix(char *buf, size_t size, pid_t pid)
{
	if (pid < 0)
		buf[0] = '\0';
	else
		snprintf(buf, size, " for pid %d", (int)pid);
}

/* A zombie or reaped process has no /proc/PID/exe, which is how -p
 * reached its binary: the kernel then says ENOENT, not ESRCH. */
static bool process_exited(pid_t pid)
{
	char link[64], buf[8];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	return pid > 0 && pid != getpid() && readlink(link, buf, sizeof(buf)) < 0 &&
	       (errno == ENOENT || errno == ESRCH);
}

/* The target exiting while the probes attach is no fault of the binary.
 * -p reaches the binary through /proc/PID/root, which goes with it, and
 * may attach for every process (pid -1): the path then names the target. */
static bool exited_during_attach(const char *path, pid_t pid, int err)
{
	int in_proc;
	if (pid <= 0 && sscanf(path, "/proc/%d/", &in_proc) == 1)
		pid = in_proc;
	if ((err != -ENOENT && err != -ESRCH) || !process_exited(pid))
		return false;
	diag_error(NULL, "nothing was traced; start btctrace again once the process "
		   "runs, or use -c to start it under btctrace",
		   "process %d exited while btctrace was attaching its probes", (int)pid);
	return true;
}

static int attach_error(const char *path, uint64_t offset, pid_t pid,
			int err, bool multi)
{
	char who[32];
	if (exited_during_attach(path, pid, err))
		return -ESRCH;
	pid_suffix(who, sizeof(who), pid);
	diag_error(NULL, attach_hint(err, multi),
		   "cannot attach a uprobe to %s at offset 0x%" PRIx64 "%s: %s",
		   path, offset, who, strerror(-err));
	return err;
}

/* The kernel does not say which location of a multi link it disliked, so
 * the message lists the first few. */
static int attach_multi_error(const char *path, const struct uprobe_loc *locs,
			      int nlocs, pid_t pid, int err)
{
	if (nlocs == 1)
		return attach_error(path, locs[0].offset, pid, err, true);
	if (exited_during_attach(path, pid, err))
		return -ESRCH;
	char offsets[128] = "", who[32];
	size_t used = 0;
	for (int i = 0; i < nlocs && i < 4 && used < sizeof(offsets); i++)
		used += (size_t)snprintf(offsets + used, sizeof(offsets) - used,
					 "%s0x%" PRIx64, i ? ", " : "", locs[i].offset);
	pid_suffix(who, sizeof(who), pid);
	diag_error(NULL, attach_hint(err, true),
		   "cannot attach uprobes to %s at %d offsets (%s%s)%s: %s",
		   path, nlocs, offsets, nlocs > 4 ? ", ..." : "", who,
		   strerror(-err));
	return err;
}

static int attach_multi(struct attachment *a, int prog_fd, const char *path,
			pid_t pid, const struct uprobe_loc *locs, int nlocs)
{
	uint64_t *offsets = calloc(2 * (size_t)nlocs, sizeof(*offsets));
	if (!offsets)
		return -ENOMEM;
	uint64_t *ref_ctrs = offsets + nlocs;
	bool any_ref_ctr = false;
	for (int i = 0; i < nlocs; i++) {
		offsets[i] = locs[i].offset;
		ref_ctrs[i] = locs[i].ref_ctr_offset;
		any_ref_ctr |= ref_ctrs[i] != 0;
	}
	/* pid 0 means "every process" to uprobe_multi. */
	int fd = uprobe_multi_link(prog_fd, path, offsets,
				   any_ref_ctr ? ref_ctrs : NULL,
				   (uint32_t)nlocs, pid < 0 ? 0 : (uint32_t)pid);
	free(offsets);
	if (fd < 0)
		return attach_multi_error(path, locs, nlocs, pid, fd);
	a->fds[a->nfds++] = fd;
	return 0;
}

static int uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	if (!f)
		return -errno;
	int type;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

/* One uprobe perf event with the program on it; returns its fd. */
static int attach_one(int pmu, int prog_fd, const char *path, pid_t pid,
		      const struct uprobe_loc *loc)
{
	if (loc->ref_ctr_offset >> (64 - UPROBE_REF_CTR_SHIFT))
		return -ERANGE;
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = (uint32_t)pmu,
		.config = loc->ref_ctr_offset << UPROBE_REF_CTR_SHIFT,
		.config1 = (uintptr_t)path,
		.config2 = loc->offset,
		.disabled = 1,
	};
	/* A uprobe event for every process must still name a CPU; it fires
	 * on all of them anyway. */
	int cpu = pid < 0 ? 0 : -1;
	int fd = (int)syscall(__NR_perf_event_open, &attr, pid < 0 ? -1 : pid,
			      cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int attach_each(struct attachment *a, int prog_fd, const char *path,
		       pid_t pid, const struct uprobe_loc *locs, int nlocs)
{
	int pmu = uprobe_pmu_type();
	if (pmu < 0) {
		diag_error(NULL, "the kernel needs CONFIG_UPROBE_EVENTS",
			   "this kernel has no uprobe event source: %s", strerror(-pmu));
		return pmu;
	}
	for (int i = 0; i < nlocs; i++) {
		int fd = attach_one(pmu, prog_fd, path, pid, &locs[i]);
		if (fd < 0)
			return attach_error(path, locs[i].offset, pid, fd, false);
		a->fds[a->nfds++] = fd;
	}
	return 0;
}

/* ---- batches: one link for many programs ------------------------------ */

/* The requests attach_uprobes_batched() recorded, linked by
 * attach_batch_commit(). */
struct attach_batch {
	struct attachment *head, **tail;
};

static int record_request(struct attach_batch *batch, struct attachment *a, int prog_fd,
			  const char *path, pid_t pid, const struct uprobe_loc *locs, int nlocs)
{
	a->path = strdup(path);
	a->locs = malloc((size_t)nlocs * sizeof(*locs));
	if (!a->path || !a->locs)
		return -ENOMEM;
	memcpy(a->locs, locs, (size_t)nlocs * sizeof(*locs));
	a->nlocs = nlocs;
	a->prog_fd = prog_fd;
	a->pid = pid;
	a->pending = true;
	a->batch = batch;
	*batch->tail = a;
	batch->tail = &a->next_pending;
	return 0;
}

static void forget_request(struct attachment *a)
{
	if (a->pending) {
		struct attach_batch *b = a->batch;
		for (struct attachment **pp = &b->head; *pp; pp = &(*pp)->next_pending)
			if (*pp == a) {
				*pp = a->next_pending;
				if (b->tail == &a->next_pending)
					b->tail = pp;
				break;
			}
		a->pending = false;
		a->batch = NULL;
	}
	free(a->path);
	free(a->locs);
	a->path = NULL;
	a->locs = NULL;
}

static int attach_or_record(struct attach_batch *batch, int prog_fd, const char *path,
			    pid_t pid, const struct uprobe_loc *locs, int nlocs,
			    struct attachment **out)
{
	*out = NULL;
	if (nlocs <= 0)
		return diag_error(NULL, BUG_HINT, "no probe locations to attach in %s",
				  path);
	if (pid == 0)	/* perf_event_open's "calling process", for both routes */
		pid = getpid();
	bool multi = attach_have_uprobe_multi();
	struct attachment *a = calloc(1, sizeof(*a) +
				      (size_t)(multi ? 1 : nlocs) * sizeof(int));
	if (!a)
		return -ENOMEM;
	int err = multi && batch ? record_request(batch, a, prog_fd, path, pid, locs, nlocs)
		: multi ? attach_multi(a, prog_fd, path, pid, locs, nlocs)
			: attach_each(a, prog_fd, path, pid, locs, nlocs);
	if (err) {
		detach_uprobes(a);	/* undoes the locations already attached */
		return err;
	}
	*out = a;
	return 0;
}

int attach_uprobes(int prog_fd, const char *path, pid_t pid,
		   const struct uprobe_loc *locs, int nlocs,
		   struct attachment **out)
{
	return attach_or_record(NULL, prog_fd, path, pid, locs, nlocs, out);
}

int attach_uprobes_batched(struct attach_batch *batch, int prog_fd, const char *path,
			   pid_t pid, const struct uprobe_loc *locs, int nlocs,
			   struct attachment **out)
{
	return attach_or_record(batch, prog_fd, path, pid, locs, nlocs, out);
}

struct attach_batch *attach_batch_begin(void)
{
	struct attach_batch *b = calloc(1, sizeof(*b));
	if (b)
		b->tail = &b->head;
	return b;
}

/* r6 = ctx; r3 = bpf_get_attach_cookie(ctx); bpf_tail_call(ctx, progs, r3);
 * return 0 (an empty slot: that program was detached). */
static int load_dispatcher(int array_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_1 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_attach_cookie },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_6 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = array_fd },
		{ 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_tail_call },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	return prog_load(PROG_UPROBE_MULTI, "btctrace_dispatch", insns,
			 sizeof(insns) / sizeof(insns[0]));
}

static void shared_put(struct shared_link *sh)
{
	if (sh && --sh->refs == 0) {
		/* The link first: closing the array empties it, and events
		 * still arriving would find no program. */
		close(sh->link_fd);
		close(sh->disp_fd);
		close(sh->array_fd);
		free(sh);
	}
}

/* One link for the k requests in v (same binary, same pid). */
static int link_shared(struct attachment **v, int k)
{
	const char *path = v[0]->path;
	pid_t pid = v[0]->pid;
	int total = 0;
	for (int i = 0; i < k; i++)
		total += v[i]->nlocs;
	struct shared_link *sh = calloc(1, sizeof(*sh));
	uint64_t *arr = calloc(3 * (size_t)total, sizeof(*arr));
	struct uprobe_loc *all = calloc((size_t)total, sizeof(*all));
	int err = -ENOMEM;
	if (!sh || !arr || !all)
		goto out;
	sh->link_fd = sh->disp_fd = -1;
	sh->array_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "btctrace_progs",
				      sizeof(uint32_t), sizeof(uint32_t), (uint32_t)k, NULL);
	if (sh->array_fd < 0) {
		err = diag_error(NULL, NULL, "cannot create the probes' program array: %s",
				 strerror(errno));
		goto out;
	}
	uint64_t *offsets = arr, *ref_ctrs = arr + total, *cookies = arr + 2 * total;
	bool any_ref_ctr = false;
	for (int i = 0, n = 0; i < k; i++) {
		uint32_t slot = (uint32_t)i;
		if (bpf_map_update_elem(sh->array_fd, &slot, &v[i]->prog_fd, BPF_ANY)) {
			err = diag_error(NULL, BUG_HINT, "cannot put a probe's program in "
					 "the program array: %s", strerror(errno));
			goto out;
		}
		for (int j = 0; j < v[i]->nlocs; j++, n++) {
			all[n] = v[i]->locs[j];
			offsets[n] = v[i]->locs[j].offset;
			ref_ctrs[n] = v[i]->locs[j].ref_ctr_offset;
			cookies[n] = slot;
			any_ref_ctr |= ref_ctrs[n] != 0;
		}
	}
	if ((sh->disp_fd = load_dispatcher(sh->array_fd)) < 0) {
		err = sh->disp_fd;
		goto out;
	}
	sh->link_fd = uprobe_multi_link_cookies(sh->disp_fd, path, offsets,
						any_ref_ctr ? ref_ctrs : NULL, cookies,
						(uint32_t)total, pid < 0 ? 0 : (uint32_t)pid);
	if (sh->link_fd < 0) {
		err = attach_multi_error(path, all, total, pid, sh->link_fd);
		goto out;
	}
	sh->refs = k;
	for (int i = 0; i < k; i++) {
		v[i]->shared = sh;
		v[i]->slot = (uint32_t)i;
	}
	sh = NULL;
	err = 0;
out:
	if (sh) {
		if (sh->disp_fd >= 0)
			close(sh->disp_fd);
		if (sh->array_fd >= 0)
			close(sh->array_fd);
		free(sh);
	}
	free(arr);
	free(all);
	return err;
}

/* Undoes what a commit did for a; it stays a valid, unattached handle. */
static void unlink_attachment(struct attachment *a)
{
	shared_put(a->shared);
	a->shared = NULL;
	for (int i = 0; i < a->nfds; i++)
		close(a->fds[i]);
	a->nfds = 0;
}

int attach_batch_commit(struct attach_batch *batch)
{
	if (!batch)
		return 0;
	struct attachment *todo = batch->head, *done = NULL;
	for (struct attachment *a = todo; a; a = a->next_pending)
		a->batch = NULL;	/* leaving the batch, which goes now */
	free(batch);
	int err = 0, n = 0;
	for (struct attachment *a = todo; a; a = a->next_pending)
		n++;
	struct attachment **group = calloc(n > 0 ? (size_t)n : 1, sizeof(*group));
	if (!group)
		err = -ENOMEM;
	while (todo && !err) {
		/* The first request and every other one on its binary and pid. */
		int k = 0;
		const char *path = todo->path;
		pid_t pid = todo->pid;
		for (struct attachment **pp = &todo; *pp;) {
			struct attachment *a = *pp;
			if (a->pid == pid && !strcmp(a->path, path)) {
				*pp = a->next_pending;
				group[k++] = a;
			} else {
				pp = &a->next_pending;
			}
		}
		/* One request alone gets its own link, as without a batch. */
		err = k == 1 ? attach_multi(group[0], group[0]->prog_fd, path, pid,
					    group[0]->locs, group[0]->nlocs)
			     : link_shared(group, k);
		for (int i = 0; i < k; i++) {
			group[i]->pending = false;
			group[i]->next_pending = done;
			done = group[i];
		}
	}
	for (struct attachment *a = todo; a; a = a->next_pending)
		a->pending = false;
	for (struct attachment *a = done, *next; a; a = next) {
		next = a->next_pending;
		a->next_pending = NULL;
		if (err)
			unlink_attachment(a);
		forget_request(a);
	}
	for (struct attachment *a = todo, *next; a; a = next) {
		next = a->next_pending;
		a->next_pending = NULL;
		forget_request(a);
	}
	free(group);
	return err;
}

void attach_batch_abort(struct attach_batch *batch)
{
	if (!batch)
		return;
	while (batch->head)
		forget_request(batch->head);
	free(batch);
}

void detach_uprobes(struct attachment *a)
{
	if (!a)
		return;
	forget_request(a);
	/* A program on a shared link stops running at once; the link (and
	 * the semaphores) go with the last program on it. */
	if (a->shared && a->shared->refs > 1)
		bpf_map_delete_elem(a->shared->array_fd, &a->slot);
	/* Each close unregisters its uprobes and lowers their semaphores
	 * before returning; that wait is the slow part of exiting. */
	unlink_attachment(a);
	free(a);
}

/* ---- detaching many links at once ------------------------------------ */

/* Closer threads only wait in the kernel: a small stack is plenty. */
#define CLOSER_STACK_SIZE (64u << 10)
/* Threads beyond this take several fds each; the waits are shared anyway. */
#define MAX_CLOSERS 256

/* Holds the closers until all of them exist, so that their releases (and
 * RCU waits) start together. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
};

struct closer {
	struct gate *gate;
	const int *fds;
	int nfds;
	pthread_t tid;
	bool running;
};

static void close_all(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* A link is released in the thread that drops its last reference, as
 * task work on the way back from close(): when close() returns, its
 * uprobes are gone and its semaphores lowered. */
static void *closer_main(void *arg)
{
	struct closer *c = arg;
	pthread_mutex_lock(&c->gate->mu);
	while (!c->gate->open)
		pthread_cond_wait(&c->gate->cv, &c->gate->mu);
	pthread_mutex_unlock(&c->gate->mu);
	close_all(c->fds, c->nfds);
	return NULL;
}

/* Closes fds[0..n) from concurrent threads and returns when all are
 * closed.  What no thread could be started for is closed here. */
static void close_concurrently(const int *fds, int n)
{
	int nslices = n < MAX_CLOSERS ? n : MAX_CLOSERS;
	struct closer *cs = n > 1 ? calloc((size_t)nslices, sizeof(*cs)) : NULL;
	if (!cs) {
		close_all(fds, n);
		return;
	}
	struct gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };
	pthread_attr_t attr;
	bool have_attr = pthread_attr_init(&attr) == 0;
	if (have_attr)
		pthread_attr_setstacksize(&attr, CLOSER_STACK_SIZE);
	for (int t = 0, at = 0; t < nslices; t++) {
		int k = n / nslices + (t < n % nslices);
		cs[t] = (struct closer){ .gate = &gate, .fds = fds + at, .nfds = k };
		at += k;
		cs[t].running = pthread_create(&cs[t].tid, have_attr ? &attr : NULL,
					       closer_main, &cs[t]) == 0;
	}
	pthread_mutex_lock(&gate.mu);
	gate.open = true;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
	for (int t = 0; t < nslices; t++)
		if (!cs[t].running)
			close_all(cs[t].fds, cs[t].nfds);
	for (int t = 0; t < nslices; t++)
		if (cs[t].running)
			pthread_join(cs[t].tid, NULL);
	if (have_attr)
		pthread_attr_destroy(&attr);
	free(cs);
}

void detach_uprobes_all(struct attachment **v, int n)
{
	int nfds = 0;
	for (int i = 0; i < n; i++)
		nfds += v[i] ? v[i]->nfds + 1 : 0;
	int *fds = malloc((size_t)(nfds ? nfds : 1) * sizeof(*fds));
	struct shared_link **last = calloc(n > 0 ? (size_t)n : 1, sizeof(*last));
	if (!fds || !last) {
		for (int i = 0; i < n; i++) {
			detach_uprobes(v[i]);
			v[i] = NULL;
		}
		free(fds);
		free(last);
		return;
	}
	/* The links, slow to close, go together; a shared link's dispatcher
	 * and program array only after it. */
	int nlast = 0;
	nfds = 0;
	for (int i = 0; i < n; i++) {
		struct attachment *a = v[i];
		if (!a)
			continue;
		forget_request(a);
		if (a->shared && --a->shared->refs == 0) {
			fds[nfds++] = a->shared->link_fd;
			last[nlast++] = a->shared;
		} else if (a->shared) {
			bpf_map_delete_elem(a->shared->array_fd, &a->slot);
		}
		for (int j = 0; j < a->nfds; j++)
			fds[nfds++] = a->fds[j];
		free(a);
		v[i] = NULL;
	}
	close_concurrently(fds, nfds);
	for (int i = 0; i < nlast; i++) {
		close(last[i]->disp_fd);
		close(last[i]->array_fd);
		free(last[i]);
	}
	free(fds);
	free(last);
}
