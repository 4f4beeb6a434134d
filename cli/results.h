/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The results stream: -o FILE or standard output, opened so that a
 * symlink is never followed and the -c command does not inherit it, and
 * closed so that a write error (a full disk) is reported, not lost. */
#ifndef BTCTRACE_RESULTS_H
#define BTCTRACE_RESULTS_H

#include <stdio.h>

/* path NULL: standard output.  NULL after a message. */
FILE *results_open(const char *path);

/* Flushes and closes f.  0, or -1 after "cannot write results to ...:
 * REASON" when any write or the close failed. */
int results_close(FILE *f);

#endif
