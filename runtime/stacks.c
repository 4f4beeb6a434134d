/* SPDX-License-Identifier: GPL-3.0-or-later */
/* User stacks: the kernel keeps each distinct stack once in a
 * stack-trace map and a probe keeps its id; the frames are read back and
 * named only when printed. */
#include "runtime/stacks.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/symbols.h"

struct stacks {
	int fds[STACK_FRAMES_MAX + 1];	/* by frame count; 0: not created */
	uint32_t max_entries;
	struct symbolizer *syms;
	bool used;
};

int stacks_new(struct stacks **out, uint32_t max_entries)
{
	struct stacks *st = calloc(1, sizeof(*st));
	if (!st || symbolizer_new(&st->syms)) {
		free(st);
		return -ENOMEM;
	}
	st->max_entries = max_entries;
	*out = st;
	return 0;
}

void stacks_free(struct stacks *st)
{
	if (!st)
		return;
	for (int i = 0; i <= STACK_FRAMES_MAX; i++)
		if (st->fds[i] > 0)
			close(st->fds[i]);
	symbolizer_free(st->syms);
	free(st);
}

int stacks_map_fd(struct stacks *st, int frames)
{
	if (frames < 1 || frames > STACK_FRAMES_MAX)
		return -EINVAL;
	st->used = true;
	if (st->fds[frames] > 0)
		return st->fds[frames];
	char name[16];
	snprintf(name, sizeof(name), "ustack_%d", frames);
	int fd = bpf_map_create(BPF_MAP_TYPE_STACK_TRACE, name, 4, frames * 8,
				st->max_entries, NULL);
	if (fd < 0)
		return -errno;
	st->fds[frames] = fd;
	return fd;
}

bool stacks_used(const struct stacks *st)
{
	return st && st->used;
}

/* Until its exec, a -c child runs btctrace's own image: its mappings are
 * read once /proc/PID/exe names another file (an exec takes well under
 * the 100 ms waited at most). */
static void wait_for_exec(pid_t pid)
{
	char path[64], self[PATH_MAX], exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 200; i++) {
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0)
			return;	/* gone already */
		exe[n] = 0;
		if (strcmp(exe, self))
			return;
		usleep(500);
	}
}

void stacks_prime(struct stacks *st, pid_t pid, bool after_exec)
{
	if (!st || !st->used || pid <= 0)
		return;
	if (after_exec)
		wait_for_exec(pid);
	symbolizer_prime(st->syms, pid);
}

static void put_frame(FILE *f, struct stacks *st, const struct type *t, pid_t pid,
		      uint64_t addr, int indent)
{
	char name[1024], module[PATH_MAX];
	symbolizer_name(st->syms, pid, addr, true, name, sizeof(name), module, sizeof(module));
	if (t->stack_mode == STACK_PERF)
		fprintf(f, "\t%llx %s (%s)\n", (unsigned long long)addr, name,
			*module ? module : "[unknown]");
	else
		fprintf(f, "%*s%s\n", indent, "", name);
}

/* A stack whose walk failed (no user stack) or is gone prints as no
 * frames at all, as in bpftrace. */
static void put_stack(FILE *f, struct stacks *st, const struct type *t, uint64_t idpid,
		      int indent)
{
	uint32_t id = (uint32_t)idpid;
	pid_t pid = (pid_t)(idpid >> 32);
	int fd = st->fds[t->stack_frames];
	uint64_t frames[STACK_FRAMES_MAX];
	if (fd <= 0 || bpf_map_lookup_elem(fd, &id, frames))
		return;
	fputc('\n', f);
	for (int i = 0; i < t->stack_frames && frames[i]; i++)
		put_frame(f, st, t, pid, frames[i], indent);
}

char *stacks_text(struct stacks *st, const struct type *t, const void *value, int indent)
{
	uint64_t w[2];
	memcpy(w, value, t->kind == T_USYM ? 16 : 8);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (t->kind == T_USYM) {
		char name[1024];
		symbolizer_name(st->syms, (pid_t)w[1], w[0], false, name, sizeof(name), NULL, 0);
		fputs(name, f);
	} else {
		put_stack(f, st, t, w[0], indent);
	}
	fclose(f);
	return text;
}
