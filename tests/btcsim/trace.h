/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * trace.h - USDT emission exactly as Bitcoin Core's src/util/trace.h (v29+).
 *
 * The point of btcsim is to produce binaries whose stapsdt notes look like a
 * real bitcoind's, so this header mirrors Core's macros one for one:
 *
 *  - SDT_USE_VARIADIC selects systemtap's STAP_PROBEV (0..12 arguments),
 *  - _SDT_HAS_SEMAPHORES makes every note carry the address of
 *    <context>_<event>_semaphore, a 2-byte counter in section ".probes" that a
 *    tracer (or the kernel, via the uprobe ref_ctr_offset) increments while
 *    attached,
 *  - TRACEPOINT() evaluates its arguments only while that counter is > 0.
 *
 * Core spells the zero-argument case with C++20 __VA_OPT__; in C we use GNU's
 * ", ##__VA_ARGS__", which sys/sdt.h itself relies on, and which expands to
 * the same STAP_PROBEV call.
 */
#ifndef BTCSIM_TRACE_H
#define BTCSIM_TRACE_H

#define SDT_USE_VARIADIC 1
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* Global (not static) like Core's, and "used" so that a semaphore whose only
 * reader is the asm note is never dropped. */
#define TRACEPOINT_SEMAPHORE(context, event) \
    unsigned short context##_##event##_semaphore \
        __attribute__((section(".probes"), used))

#define TRACEPOINT_ACTIVE(context, event) (context##_##event##_semaphore > 0)

#define TRACEPOINT(context, event, ...) \
    do { \
        if (TRACEPOINT_ACTIVE(context, event)) { \
            STAP_PROBEV(context, event, ##__VA_ARGS__); \
        } \
    } while (0)

#endif /* BTCSIM_TRACE_H */
