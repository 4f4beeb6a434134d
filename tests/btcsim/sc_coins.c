/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_coins.c - the workshop's coins-cache simulation.
 *
 * One step = one utxocache event: add (~50%), spent (~35%) or uncache
 * (~15%).  Adds come in transactions (consecutive vouts of one txid, a few
 * coinbases); spent/uncache pick a coin that was added earlier and pass its
 * own creation height/value/coinbase flag, as CCoinsViewCache does.  Spent
 * coins leave the pool; uncached ones stay (they are still unspent on disk).
 */
#include <stdlib.h>
#include <string.h>

#include "btcsim.h"

#define MAX_MONEY 2100000000000000LL /* 21e6 BTC in satoshis */
#define MEMPOOL_HEIGHT 0x7FFFFFFFu  /* coins of mempool-check caches */
#define TIP_HEIGHT 900000u
#define POOL_MAX 8192

struct coins_state {
    struct rng r;
    struct sim_utxo **pool;
    size_t n;
    /* transaction whose outputs are being added */
    unsigned char txid[32];
    uint32_t next_vout, nout, height;
    bool coinbase;
};

static int64_t subsidy(uint32_t height)
{
    int halvings = (int)(height / 210000);
    return halvings >= 64 ? 0 : (5000000000LL >> halvings);
}

/* Uniform-ish over [0, MAX_MONEY] but with many small amounts. */
static int64_t draw_value(struct rng *r)
{
    unsigned c = (unsigned)rng_below(r, 100);
    if (c < 1)
        return 0;
    if (c < 10)
        return (int64_t)rng_range(r, 1, 999);
    if (c < 50)
        return (int64_t)rng_logish(r, 1000, 100000000);
    if (c < 85)
        return (int64_t)rng_logish(r, 100000000, MAX_MONEY);
    return (int64_t)rng_range(r, 0, MAX_MONEY);
}

/* Mostly recent blocks, some old ones, a few mempool-check coins. */
static uint32_t draw_height(struct rng *r)
{
    unsigned c = (unsigned)rng_below(r, 100);
    if (c < 60)
        return (uint32_t)rng_range(r, 800000, TIP_HEIGHT);
    if (c < 98)
        return (uint32_t)rng_range(r, 0, TIP_HEIGHT);
    return MEMPOOL_HEIGHT;
}

static uint32_t draw_nout(struct rng *r)
{
    unsigned c = (unsigned)rng_below(r, 1000);
    if (c < 700)
        return (uint32_t)rng_range(r, 1, 2);
    if (c < 950)
        return (uint32_t)rng_range(r, 3, 5);
    if (c < 995)
        return (uint32_t)rng_range(r, 6, 50);
    return (uint32_t)rng_range(r, 51, 300); /* batched payouts */
}

static void start_tx(struct coins_state *s)
{
    rng_fill(&s->r, s->txid, sizeof s->txid);
    s->height = draw_height(&s->r);
    s->coinbase = s->height != MEMPOOL_HEIGHT && rng_pct(&s->r, 10);
    s->nout = s->coinbase ? (uint32_t)rng_range(&s->r, 1, 2) : draw_nout(&s->r);
    s->next_vout = 0;
}

static int64_t coinbase_value(struct coins_state *s)
{
    /* First output takes subsidy + fees; later ones are small payouts. */
    if (s->next_vout == 0)
        return subsidy(s->height) + (int64_t)rng_range(&s->r, 0, 200000000);
    return (int64_t)rng_logish(&s->r, 1, 100000000);
}

static void add_coin(struct coins_state *s)
{
    if (s->next_vout >= s->nout)
        start_tx(s);
    struct sim_utxo *u = xmalloc(sizeof *u);
    memset(u, 0, sizeof *u);
    memcpy(u->out.hash, s->txid, 32);
    u->out.n = s->next_vout;
    u->height = s->height;
    u->coinbase = s->coinbase;
    u->value = s->coinbase ? coinbase_value(s) : draw_value(&s->r);
    s->next_vout++;
    emit_utxocache_add(u);
    s->pool[s->n++] = u;
}

/* The spending step has the name Bitcoin Core's code spends coins in, as
 * the C++ compiler mangles it, and keeps its frame pointer, so that a user
 * stack taken at utxocache:spent reads emit_utxocache_spent <-
 * CCoinsViewCache::SpendCoin(COutPoint const&, Coin*) <- coins_step
 * (tests/e2e/ustack.sh). */
#define SPEND_COIN_SYMBOL "_ZN15CCoinsViewCache9SpendCoinERK9COutPointP4Coin"
static void spend_coin(struct coins_state *s) __asm__(SPEND_COIN_SYMBOL) STACK_FRAME;

static void spend_coin(struct coins_state *s)
{
    size_t i = (size_t)rng_below(&s->r, s->n);
    struct sim_utxo *u = s->pool[i];
    emit_utxocache_spent(u);
    s->pool[i] = s->pool[--s->n];
    free(u);
}

static void uncache_coin(struct coins_state *s)
{
    emit_utxocache_uncache(s->pool[rng_below(&s->r, s->n)]);
}

static void *coins_init(uint64_t seed)
{
    struct coins_state *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    rng_seed(&s->r, seed, 1);
    s->pool = xmalloc(POOL_MAX * sizeof *s->pool);
    return s;
}

static void coins_step(void *st, uint64_t i)
{
    struct coins_state *s = st;
    unsigned c = (unsigned)rng_below(&s->r, 100);
    (void)i;
    if (s->n == 0 || (c < 50 && s->n < POOL_MAX))
        add_coin(s);
    else if (c < 85 || s->n >= POOL_MAX)
        spend_coin(s);
    else
        uncache_coin(s);
}

static void coins_fini(void *st)
{
    struct coins_state *s = st;
    for (size_t i = 0; i < s->n; i++)
        free(s->pool[i]);
    free(s->pool);
    free(s);
}

const struct scenario sc_coins = {
    .name = "coins",
    .default_count = 1000,
    .count_unit = "one utxocache add/spent/uncache event",
    .init = coins_init,
    .step = coins_step,
    .fini = coins_fini,
};
