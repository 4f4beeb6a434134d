/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_wallet.c - the four coin_selection probes.
 *
 * One step = one wallet send, replaying the event sequences that
 * interface_usdt_coinselection.py expects (1 = selected_coins,
 * 2 = normal_create_tx_internal, 3 = attempting_aps_create_tx,
 * 4 = aps_create_tx_internal), cycling with the step number:
 *   step%5 == 0  sendtoaddress                  1,2,3,1,4  change_pos >= 0
 *   step%5 == 1  insufficient funds             2          success false
 *   step%5 == 2  avoid_reuse (APS already on)   1,2        change_pos >= 0
 *   step%5 == 3  sweep, avoid_reuse=false       1,2,3,1,4  change_pos -1
 *   step%5 == 4  sweep                          1,2        change_pos -1
 * The wallet name cycles with step%3: "" (default wallet), "alice", and a
 * name longer than the 16-byte buffers the functional test uses.
 */
#include <stdlib.h>

#include "btcsim.h"

static const char *const wallet_names[] = {"", "alice",
                                           "cold-storage-wallet-2024"};
static const char *const algos[] = {"bnb", "knapsack", "srd", "cg", "manual"};

struct wallet_state {
    struct rng r;
    uint64_t selections; /* picks the algorithm: all five appear in turn */
};

static int64_t draw_fee(struct rng *r)
{
    return (int64_t)rng_range(r, 141, 2000) * (int64_t)rng_logish(r, 1, 100);
}

static void select_coins(struct wallet_state *s, const char *wallet, bool change)
{
    struct rng *r = &s->r;
    struct sim_selection sel;
    sel.algo = xstrdup(algos[s->selections++ % 5]);
    sel.target = (int64_t)rng_logish(r, 10000, 1000000000000ULL);
    /* waste is negative when the feerate is below the long-term feerate */
    sel.waste = (int64_t)rng_range(r, 0, 70000) - 20000;
    sel.selected = sel.target + (change ? (int64_t)rng_logish(r, 50000, 5000000000ULL)
                                        : (int64_t)rng_range(r, 0, 2000));
    emit_cs_selected_coins(wallet, &sel);
    free(sel.algo);
}

static void send_tx(struct wallet_state *s, const char *wallet, bool change, bool aps)
{
    struct rng *r = &s->r;
    int32_t pos = change ? (int32_t)rng_range(r, 0, 1) : -1;
    struct sim_create_result normal = {true, draw_fee(r), pos};
    select_coins(s, wallet, change);
    emit_cs_normal_create_tx_internal(wallet, &normal);
    if (!aps)
        return;
    emit_cs_attempting_aps_create_tx(wallet);
    select_coins(s, wallet, change);
    int64_t aps_fee = normal.fee + (int64_t)rng_range(r, 0, 2000) - 500;
    struct sim_create_result res = {true, aps_fee > 0 ? aps_fee : 1,
                                    change ? (int32_t)rng_range(r, 0, 1) : -1};
    /* with the default -maxapsfee 0 the APS tx is used if it is not dearer */
    emit_cs_aps_create_tx_internal(wallet, res.fee <= normal.fee, &res);
}

static void insufficient_funds(const char *wallet)
{
    struct sim_create_result res = {false, 0, -1};
    emit_cs_normal_create_tx_internal(wallet, &res);
}

static void *wallet_init(uint64_t seed)
{
    struct wallet_state *s = xmalloc(sizeof *s);
    rng_seed(&s->r, seed, 5);
    s->selections = 0;
    return s;
}

static void wallet_step(void *st, uint64_t i)
{
    struct wallet_state *s = st;
    char *wallet = xstrdup(wallet_names[i % 3]); /* heap, like std::string */
    switch (i % 5) {
    case 0: send_tx(s, wallet, true, true); break;
    case 1: insufficient_funds(wallet); break;
    case 2: send_tx(s, wallet, true, false); break;
    case 3: send_tx(s, wallet, false, true); break;
    default: send_tx(s, wallet, false, false); break;
    }
    free(wallet);
}

static void wallet_fini(void *st)
{
    free(st);
}

const struct scenario sc_wallet = {
    .name = "wallet",
    .default_count = 20,
    .count_unit = "one send (sequence = step % 5, wallet name = step % 3)",
    .init = wallet_init,
    .step = wallet_step,
    .fini = wallet_fini,
};
