/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The user stacks of a session: a kernel stack-trace map per frame count
 * (ustack(N)), and the text of a stack or a usym() value, symbolised in
 * the process it was taken in. */
#ifndef BTCTRACE_STACKS_H
#define BTCTRACE_STACKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lang/types.h"

struct stacks;

int stacks_new(struct stacks **out, uint32_t max_entries);
void stacks_free(struct stacks *st);

/* The fd of the map keeping `frames` frames per stack, created on first
 * use; -errno after a message. */
int stacks_map_fd(struct stacks *st, int frames);

/* Whether a program takes user stacks (its losses are then worth a
 * metric of their own). */
bool stacks_used(const struct stacks *st);

/* When a program takes user stacks, reads pid's mappings now (first
 * waiting for the exec of a -c child just released): the stacks of a
 * process that exits before they are printed are still named. */
void stacks_prime(struct stacks *st, pid_t pid, bool after_exec);

/* The text of a T_USTACK or T_USYM value as bpftrace 0.17 prints it:
 * a stack starts with a newline and has one frame a line, indented by
 * `indent` spaces (8 in printf() and print(), 4 in a map key); malloc'd. */
char *stacks_text(struct stacks *st, const struct type *t, const void *value, int indent);

#endif
