/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Symbols of a traced process's addresses: its mappings read from
 * /proc/PID/maps once and kept per process (elfutils' libdwfl), names
 * demangled as the C++ source spells them (libstdc++'s demangler). */
#ifndef BTCTRACE_SYMBOLS_H
#define BTCTRACE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct symbolizer;

int symbolizer_new(struct symbolizer **out);
void symbolizer_free(struct symbolizer *sy);

/* Reads pid's mappings now if they are not kept yet: a process that
 * exits before its stacks are printed is still named from them. */
void symbolizer_prime(struct symbolizer *sy, pid_t pid);

/* The function addr is in, "name+offset" with offset, or 0xADDR when
 * no function symbol covers it; module (may be NULL) gets the file it is
 * in, "" when none.  Writes at most len and module_len bytes. */
void symbolizer_name(struct symbolizer *sy, pid_t pid, uint64_t addr, bool offset,
		     char *buf, size_t len, char *module, size_t module_len);

#endif
