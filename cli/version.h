/* SPDX-License-Identifier: GPL-3.0-or-later */
/* btctrace --version. */
#ifndef BTCTRACE_CLI_VERSION_H
#define BTCTRACE_CLI_VERSION_H

#include <stdio.h>

/* Prints btctrace's version, the LLVM and libbpf it runs with and the
 * kernel features it found, one line each. */
void print_version(FILE *f);

#endif
