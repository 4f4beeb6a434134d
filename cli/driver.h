/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The compile driver: a program's text to attached probes, in the order
 * of cli/driver.c. */
#ifndef BTCTRACE_DRIVER_H
#define BTCTRACE_DRIVER_H

#include <stdio.h>

#include "lang/diag.h"
#include "runtime/session.h"

/* Parses, resolves, checks, compiles, loads and attaches src in s.  With
 * emit_ir, stops after code generation and writes each block's LLVM IR
 * there instead.  On failure (or with emit_ir) the session is as it was
 * before the call.  *first_seq (may be NULL) is the sequence number of
 * the first probe it created: session_start_probes(s, *first_seq) starts
 * them.  0 or -errno after a diag. */
int driver_add(struct session *s, struct source *src, FILE *emit_ir, int *first_seq);

#endif
