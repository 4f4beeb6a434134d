/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.c - allocation helpers and the PRNG helpers shared by the scenarios.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btcsim.h"

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("btcsim: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Each scenario draws from its own stream so that `all` produces the same
 * values per scenario as running the scenarios one by one. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    r->s = seed ^ (stream * 0xd1342543de82ef95ULL);
    rng_next(r);
}

static int bit_length(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* A value in [lo, hi] whose bit length is uniform: as many 2-digit as
 * 15-digit amounts, which spreads events over all log2 histogram slots.
 * Integer-only so that -O0 and -O2 builds draw identical values. */
uint64_t rng_logish(struct rng *r, uint64_t lo, uint64_t hi)
{
    if (lo >= hi)
        return lo;
    int blo = bit_length(lo), bhi = bit_length(hi);
    int b = (int)rng_range(r, (uint64_t)blo, (uint64_t)bhi);
    uint64_t base = b == 0 ? 0 : 1ULL << (b - 1);
    uint64_t top = b == 64 ? UINT64_MAX : (1ULL << b) - 1;
    if (base < lo)
        base = lo;
    if (top > hi)
        top = hi;
    return rng_range(r, base, top);
}

void rng_fill(struct rng *r, void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n >= 8) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, n);
    }
}

/* A fresh 32-byte hash on the heap, like a uint256 inside a heap object. */
unsigned char *rng_hash(struct rng *r)
{
    unsigned char *h = xmalloc(32);
    rng_fill(r, h, 32);
    return h;
}
