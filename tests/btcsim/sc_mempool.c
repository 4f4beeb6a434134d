/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_mempool.c - mempool:added / removed / replaced / rejected.
 *
 * One step = a batch: 1-4 new transactions, then by chance a replacement
 * (single tx, replaced_by_tx = true), a package replacement (package hash,
 * replaced_by_tx = false), rejections, expiry / sizelimit / conflict / reorg
 * removals, and every 10th step a block confirming ~30% of the pool.
 * Step 0 does all of these, so any --count >= 1 shows every removal reason,
 * both replacement variants and the 116-character reject reason.
 *
 * Event order follows MemPoolAccept::FinalizeSubpackage: one `replaced` per
 * evicted tx, then their `removed` (reason "replaced"), then `added` for the
 * replacement(s).
 */
#include <stdlib.h>
#include <string.h>

#include "btcsim.h"

#define POOL_MAX 4096
#define POOL_SOFT_LIMIT 3000 /* above this, evict with "sizelimit" */
#define MAX_CONFLICTS 3

/* Longest reject reason reachable in v30+ (see bitcoin-tracepoints.md 4). */
#define LONGEST_REJECT \
    "mempool-script-verify-flag-failed (Script evaluated without error but " \
    "finished with a false/empty top stack element)"
_Static_assert(sizeof(LONGEST_REJECT) - 1 == 116, "reject reason must be 116 chars");

static const char *const reject_reasons[] = {
    "min relay fee not met", "mempool min fee not met", "txn-mempool-conflict",
    "bad-txns-inputs-missingorspent", "txn-already-in-mempool", "txn-already-known",
    "non-final", "dust", "tx-size", "scriptpubkey", "bare-multisig",
    "too-long-mempool-chain", "bad-txns-in-belowout", "non-BIP68-final",
    "mempool full", "insufficient fee", "bad-txns-nonstandard-inputs",
    "block-script-verify-flag-failed (Signature must be zero for failed "
    "CHECK(MULTI)SIG operation)",
    LONGEST_REJECT,
};
#define N_REJECT (sizeof reject_reasons / sizeof reject_reasons[0])

struct mempool_state {
    struct rng r;
    struct sim_mtx *pool[POOL_MAX];
    size_t n;
    uint64_t now; /* simulated UNIX seconds */
};

static struct sim_mtx *new_tx(struct mempool_state *s)
{
    struct rng *r = &s->r;
    struct sim_mtx *t = xmalloc(sizeof *t);
    unsigned c = (unsigned)rng_below(r, 100);
    t->txid = rng_hash(r);
    t->vsize = c < 70   ? (int32_t)rng_range(r, 110, 400)
               : c < 95 ? (int32_t)rng_logish(r, 400, 20000)
                        : (int32_t)rng_range(r, 20000, 100000);
    /* base fee = vsize x feerate in sat/vB; prioritised txs may have 0 */
    t->fee = rng_pct(r, 1) ? 0 : (int64_t)t->vsize * (int64_t)rng_logish(r, 1, 500);
    t->entry_time = s->now + rng_below(r, 10);
    return t;
}

static void free_tx(struct sim_mtx *t)
{
    free(t->txid);
    free(t);
}

static void add_tx(struct mempool_state *s, struct sim_mtx *t)
{
    emit_mempool_added(t);
    if (s->n < POOL_MAX)
        s->pool[s->n++] = t;
    else
        free_tx(t);
}

/* Takes a random pool entry out of the pool (caller owns it). */
static struct sim_mtx *take_random(struct mempool_state *s)
{
    size_t i = (size_t)rng_below(&s->r, s->n);
    struct sim_mtx *t = s->pool[i];
    s->pool[i] = s->pool[--s->n];
    return t;
}

static void remove_some(struct mempool_state *s, const char *reason, size_t k)
{
    for (size_t j = 0; j < k && s->n > 0; j++) {
        struct sim_mtx *t = take_random(s);
        char *why = xstrdup(reason); /* heap, like a std::string's c_str() */
        emit_mempool_removed(t, why);
        free(why);
        free_tx(t);
    }
}

/* Emits the replaced/removed events for `k` conflicts of replacement `rep`. */
static void evict_conflicts(const struct sim_replacement *rep, struct sim_mtx **conf,
                            size_t k)
{
    for (size_t j = 0; j < k; j++)
        emit_mempool_replaced(conf[j], rep);
    for (size_t j = 0; j < k; j++) {
        char *why = xstrdup("replaced");
        emit_mempool_removed(conf[j], why);
        free(why);
        free_tx(conf[j]);
    }
}

static size_t take_conflicts(struct mempool_state *s, struct sim_mtx **conf,
                             int64_t *fees)
{
    size_t k = (size_t)rng_range(&s->r, 1, MAX_CONFLICTS);
    *fees = 0;
    for (size_t j = 0; j < k; j++) {
        if (s->n == 0)
            return j;
        conf[j] = take_random(s);
        *fees += conf[j]->fee;
    }
    return k;
}

static void replace_single(struct mempool_state *s)
{
    struct sim_mtx *conf[MAX_CONFLICTS];
    int64_t fees;
    size_t k = take_conflicts(s, conf, &fees);
    struct sim_mtx *t = new_tx(s);
    t->fee += fees + (int64_t)rng_range(&s->r, 100, 50000); /* pays for the evicted */
    struct sim_replacement rep = {t->txid, t->vsize, t->fee, true};
    evict_conflicts(&rep, conf, k);
    add_tx(s, t);
}

/* Package RBF: a parent+child package replaces the conflicts; the probe
 * gets the package hash and the package's total vsize and modified fees. */
static void replace_package(struct mempool_state *s)
{
    struct sim_mtx *conf[MAX_CONFLICTS];
    int64_t fees;
    size_t k = take_conflicts(s, conf, &fees);
    struct sim_mtx *parent = new_tx(s), *child = new_tx(s);
    child->fee += fees + (int64_t)rng_range(&s->r, 1000, 100000); /* CPFP */
    unsigned char *pkg = rng_hash(&s->r);
    struct sim_replacement rep = {pkg, parent->vsize + child->vsize,
                                  parent->fee + child->fee, false};
    evict_conflicts(&rep, conf, k);
    free(pkg);
    add_tx(s, parent);
    add_tx(s, child);
}

static void reject(struct mempool_state *s, const char *reason)
{
    unsigned char *txid = rng_hash(&s->r);
    char *why = xstrdup(reason);
    emit_mempool_rejected(txid, why);
    free(why);
    free(txid);
}

static void reject_random(struct mempool_state *s)
{
    const char *reason = rng_pct(&s->r, 3) ? LONGEST_REJECT
                                           : reject_reasons[rng_below(&s->r, N_REJECT)];
    reject(s, reason);
}

/* Step 0: every kind of event at least once, deterministic choices. */
static void coverage(struct mempool_state *s)
{
    for (int j = 0; j < 12; j++)
        add_tx(s, new_tx(s));
    replace_single(s);
    replace_package(s);
    remove_some(s, "expiry", 1);
    remove_some(s, "sizelimit", 2);
    remove_some(s, "reorg", 1);
    remove_some(s, "conflict", 1);
    remove_some(s, "block", 3);
    reject(s, LONGEST_REJECT);
    reject(s, "min relay fee not met");
}

static void random_step(struct mempool_state *s, uint64_t i)
{
    struct rng *r = &s->r;
    for (uint64_t j = rng_range(r, 1, 4); j > 0; j--)
        add_tx(s, new_tx(s));
    if (rng_pct(r, 25))
        replace_single(s);
    if (rng_pct(r, 8))
        replace_package(s);
    if (rng_pct(r, 20))
        reject_random(s);
    if (rng_pct(r, 10))
        remove_some(s, "expiry", 1);
    if (rng_pct(r, 3))
        remove_some(s, "conflict", 1);
    if (rng_pct(r, 2))
        remove_some(s, "reorg", (size_t)rng_range(r, 1, 3));
    if (rng_pct(r, 5) || s->n > POOL_SOFT_LIMIT)
        remove_some(s, "sizelimit", (size_t)rng_range(r, 1, 5));
    if (i % 10 == 9)
        remove_some(s, "block", s->n * 3 / 10);
}

static void *mempool_init(uint64_t seed)
{
    struct mempool_state *s = xmalloc(sizeof *s);
    rng_seed(&s->r, seed, 4);
    s->n = 0;
    s->now = (uint64_t)SIM_EPOCH;
    return s;
}

static void mempool_step(void *st, uint64_t i)
{
    struct mempool_state *s = st;
    s->now = (uint64_t)SIM_EPOCH + i * 30;
    if (i == 0)
        coverage(s);
    else
        random_step(s, i);
}

static void mempool_fini(void *st)
{
    struct mempool_state *s = st;
    for (size_t i = 0; i < s->n; i++)
        free_tx(s->pool[i]);
    free(s);
}

const struct scenario sc_mempool = {
    .name = "mempool",
    .default_count = 100,
    .count_unit = "one batch of mempool events (step 0 covers every kind)",
    .init = mempool_init,
    .step = mempool_step,
    .fini = mempool_fini,
};
