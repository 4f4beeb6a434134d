/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_blocks.c - chain growth: validation:block_connected and utxocache:flush.
 *
 * One step = one connected block (heights consecutive from a seed-chosen
 * mainnet-like height).  After every second block (odd steps) the coins
 * cache is flushed, the FlushStateMode cycling 0 NONE, 1 IF_NEEDED,
 * 2 PERIODIC, 3 FORCE_FLUSH, 4 FORCE_SYNC, so 10 steps show every mode.
 */
#include <stdlib.h>
#include <string.h>

#include "btcsim.h"

#define FLUSH_MODES 5
#define MODE_NONE 0
#define MODE_FORCE_SYNC 4
#define CACHE_BASE_BYTES 262144ULL /* empty CCoinsMap, as seen on regtest */
#define BYTES_PER_COIN 96ULL

struct blocks_state {
    struct rng r;
    int height;
    uint64_t cache_coins;
};

/* Mainnet block hashes start with many zero hex digits in RPC order, i.e.
 * the last bytes of the internal (little-endian) order are zero. */
static unsigned char *block_hash(struct rng *r)
{
    unsigned char *h = rng_hash(r);
    memset(h + 23, 0, 9);
    h[22] &= 0x0f;
    return h;
}

static void fill_block(struct rng *r, struct sim_block *b)
{
    if (rng_pct(r, 3)) { /* empty block: only the coinbase */
        b->tx_count = 1;
        b->inputs = 1;
        b->sigops = 4;
    } else {
        b->tx_count = (size_t)rng_range(r, 200, 5000);
        b->inputs = (int)(b->tx_count + rng_range(r, b->tx_count, 4 * b->tx_count));
        b->sigops = (int64_t)rng_range(r, 4000, 80000);
    }
    b->duration_ns = rng_pct(r, 2) ? (int64_t)rng_range(r, 100000, 999999)
                                   : (int64_t)rng_logish(r, 20000000, 3000000000ULL);
}

static void connect_block(struct blocks_state *s)
{
    struct sim_block b;
    b.hash = block_hash(&s->r);
    b.height = ++s->height;
    fill_block(&s->r, &b);
    s->cache_coins += 2 * b.tx_count + rng_below(&s->r, b.tx_count + 1);
    emit_validation_block_connected(&b);
    free(b.hash);
}

static void flush(struct blocks_state *s, uint32_t mode)
{
    struct sim_flush f;
    f.duration_us = rng_pct(&s->r, 10) ? 0 /* setmocktime */
                                       : (int64_t)rng_logish(&s->r, 1000, 60000000);
    f.mode = mode;
    f.coins = s->cache_coins;
    f.mem = CACHE_BASE_BYTES + s->cache_coins * BYTES_PER_COIN;
    f.for_prune = mode == MODE_NONE && rng_pct(&s->r, 50);
    emit_utxocache_flush(&f);
    /* FORCE_SYNC writes without emptying the cache; the others wipe it. */
    if (mode != MODE_FORCE_SYNC)
        s->cache_coins = 0;
}

static void *blocks_init(uint64_t seed)
{
    struct blocks_state *s = xmalloc(sizeof *s);
    rng_seed(&s->r, seed, 2);
    s->height = (int)rng_range(&s->r, 800000, 890000);
    s->cache_coins = 0;
    return s;
}

static void blocks_step(void *st, uint64_t i)
{
    struct blocks_state *s = st;
    connect_block(s);
    if (i % 2 == 1)
        flush(s, (uint32_t)((i / 2) % FLUSH_MODES));
}

static void blocks_fini(void *st)
{
    free(st);
}

const struct scenario sc_blocks = {
    .name = "blocks",
    .default_count = 100,
    .count_unit = "one block_connected (+ a flush after every 2nd block)",
    .init = blocks_init,
    .step = blocks_step,
    .fini = blocks_fini,
};
