/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * probes.c - the 26 probe sites.
 *
 * Each probe lives in its own noinline/noclone function so that it appears
 * exactly once in the binary whatever the callers look like.  Every site
 * follows the same pattern:
 *
 *     rec_reached(P);                       site reached (gated or not)
 *     if (TRACEPOINT_ACTIVE(ctx, ev)) {
 *         TRACEPOINT(ctx, ev, args...);     the real USDT probe
 *         rec_fired(P, args);               ground truth: it did fire
 *     }
 *
 * The outer TRACEPOINT_ACTIVE is what makes the truth exact: an event counts
 * only if the semaphore was raised, i.e. if a tracer could have seen it.
 * (GCC merges the two loads of the semaphore into one.)
 *
 * Arguments are read through struct fields on purpose: at -O2 GCC then hands
 * many of them to the probe as memory operands ("8@8(%rdi)"), the other
 * spec form a USDT reader must handle besides registers.
 */
#include "btcsim.h"
#include "trace.h"

TRACEPOINT_SEMAPHORE(net, inbound_message);
TRACEPOINT_SEMAPHORE(net, outbound_message);
TRACEPOINT_SEMAPHORE(net, inbound_connection);
TRACEPOINT_SEMAPHORE(net, outbound_connection);
TRACEPOINT_SEMAPHORE(net, evicted_inbound_connection);
TRACEPOINT_SEMAPHORE(net, misbehaving_connection);
TRACEPOINT_SEMAPHORE(net, closed_connection);
TRACEPOINT_SEMAPHORE(validation, block_connected);
TRACEPOINT_SEMAPHORE(utxocache, flush);
TRACEPOINT_SEMAPHORE(utxocache, add);
TRACEPOINT_SEMAPHORE(utxocache, spent);
TRACEPOINT_SEMAPHORE(utxocache, uncache);
TRACEPOINT_SEMAPHORE(coin_selection, selected_coins);
TRACEPOINT_SEMAPHORE(coin_selection, normal_create_tx_internal);
TRACEPOINT_SEMAPHORE(coin_selection, attempting_aps_create_tx);
TRACEPOINT_SEMAPHORE(coin_selection, aps_create_tx_internal);
TRACEPOINT_SEMAPHORE(mempool, added);
TRACEPOINT_SEMAPHORE(mempool, removed);
TRACEPOINT_SEMAPHORE(mempool, replaced);
TRACEPOINT_SEMAPHORE(mempool, rejected);
TRACEPOINT_SEMAPHORE(test, zero_args);
TRACEPOINT_SEMAPHORE(test, one_arg);
TRACEPOINT_SEMAPHORE(test, six_args);
TRACEPOINT_SEMAPHORE(test, twelve_args);
TRACEPOINT_SEMAPHORE(test, check_if_attached);
TRACEPOINT_SEMAPHORE(test, expensive_section);

/* Same order as enum probe_id. */
static volatile unsigned short *const semaphores[P_COUNT] = {
    &net_inbound_message_semaphore,
    &net_outbound_message_semaphore,
    &net_inbound_connection_semaphore,
    &net_outbound_connection_semaphore,
    &net_evicted_inbound_connection_semaphore,
    &net_misbehaving_connection_semaphore,
    &net_closed_connection_semaphore,
    &validation_block_connected_semaphore,
    &utxocache_flush_semaphore,
    &utxocache_add_semaphore,
    &utxocache_spent_semaphore,
    &utxocache_uncache_semaphore,
    &coin_selection_selected_coins_semaphore,
    &coin_selection_normal_create_tx_internal_semaphore,
    &coin_selection_attempting_aps_create_tx_semaphore,
    &coin_selection_aps_create_tx_internal_semaphore,
    &mempool_added_semaphore,
    &mempool_removed_semaphore,
    &mempool_replaced_semaphore,
    &mempool_rejected_semaphore,
    &test_zero_args_semaphore,
    &test_one_arg_semaphore,
    &test_six_args_semaphore,
    &test_twelve_args_semaphore,
    &test_check_if_attached_semaphore,
    &test_expensive_section_semaphore,
};

uint32_t probes_raised_mask(void)
{
    uint32_t mask = 0;
    for (int p = 0; p < P_COUNT; p++)
        if (*semaphores[p] > 0)
            mask |= 1u << p;
    return mask;
}

/* ---- net ------------------------------------------------------------------ */

NOINLINE void emit_net_inbound_message(const struct sim_peer *p, const struct sim_msg *m)
{
    rec_reached(P_NET_INBOUND_MESSAGE);
    if (TRACEPOINT_ACTIVE(net, inbound_message)) {
        TRACEPOINT(net, inbound_message, p->id, p->addr, p->conn_type, m->type,
                   m->size, m->data);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_P(m->type), AV_U(m->size), AV_P(m->data)};
        rec_fired(P_NET_INBOUND_MESSAGE, v);
    }
}

NOINLINE void emit_net_outbound_message(const struct sim_peer *p, const struct sim_msg *m)
{
    rec_reached(P_NET_OUTBOUND_MESSAGE);
    if (TRACEPOINT_ACTIVE(net, outbound_message)) {
        TRACEPOINT(net, outbound_message, p->id, p->addr, p->conn_type, m->type,
                   m->size, m->data);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_P(m->type), AV_U(m->size), AV_P(m->data)};
        rec_fired(P_NET_OUTBOUND_MESSAGE, v);
    }
}

NOINLINE void emit_net_inbound_connection(const struct sim_peer *p, size_t existing)
{
    rec_reached(P_NET_INBOUND_CONNECTION);
    if (TRACEPOINT_ACTIVE(net, inbound_connection)) {
        TRACEPOINT(net, inbound_connection, p->id, p->addr, p->conn_type, p->net,
                   existing);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_U(p->net), AV_U(existing)};
        rec_fired(P_NET_INBOUND_CONNECTION, v);
    }
}

NOINLINE void emit_net_outbound_connection(const struct sim_peer *p, size_t existing)
{
    rec_reached(P_NET_OUTBOUND_CONNECTION);
    if (TRACEPOINT_ACTIVE(net, outbound_connection)) {
        TRACEPOINT(net, outbound_connection, p->id, p->addr, p->conn_type, p->net,
                   existing);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_U(p->net), AV_U(existing)};
        rec_fired(P_NET_OUTBOUND_CONNECTION, v);
    }
}

NOINLINE void emit_net_evicted_inbound_connection(const struct sim_peer *p)
{
    rec_reached(P_NET_EVICTED_INBOUND_CONNECTION);
    if (TRACEPOINT_ACTIVE(net, evicted_inbound_connection)) {
        TRACEPOINT(net, evicted_inbound_connection, p->id, p->addr, p->conn_type,
                   p->net, p->connected);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_U(p->net), AV_I(p->connected)};
        rec_fired(P_NET_EVICTED_INBOUND_CONNECTION, v);
    }
}

NOINLINE void emit_net_misbehaving_connection(const struct sim_peer *p, const char *reason)
{
    rec_reached(P_NET_MISBEHAVING_CONNECTION);
    if (TRACEPOINT_ACTIVE(net, misbehaving_connection)) {
        TRACEPOINT(net, misbehaving_connection, p->id, reason);
        struct argval v[] = {AV_I(p->id), AV_P(reason)};
        rec_fired(P_NET_MISBEHAVING_CONNECTION, v);
    }
}

NOINLINE void emit_net_closed_connection(const struct sim_peer *p)
{
    rec_reached(P_NET_CLOSED_CONNECTION);
    if (TRACEPOINT_ACTIVE(net, closed_connection)) {
        TRACEPOINT(net, closed_connection, p->id, p->addr, p->conn_type, p->net,
                   p->connected);
        struct argval v[] = {AV_I(p->id), AV_P(p->addr), AV_P(p->conn_type),
                             AV_U(p->net), AV_I(p->connected)};
        rec_fired(P_NET_CLOSED_CONNECTION, v);
    }
}

/* ---- validation / utxocache ----------------------------------------------- */

NOINLINE void emit_validation_block_connected(const struct sim_block *b)
{
    rec_reached(P_VALIDATION_BLOCK_CONNECTED);
    if (TRACEPOINT_ACTIVE(validation, block_connected)) {
        TRACEPOINT(validation, block_connected, b->hash, b->height, b->tx_count,
                   b->inputs, b->sigops, b->duration_ns);
        struct argval v[] = {AV_P(b->hash),     AV_I(b->height),
                             AV_U(b->tx_count), AV_I(b->inputs),
                             AV_I(b->sigops),   AV_I(b->duration_ns)};
        rec_fired(P_VALIDATION_BLOCK_CONNECTED, v);
    }
}

NOINLINE void emit_utxocache_flush(const struct sim_flush *f)
{
    rec_reached(P_UTXOCACHE_FLUSH);
    if (TRACEPOINT_ACTIVE(utxocache, flush)) {
        TRACEPOINT(utxocache, flush, f->duration_us, f->mode, f->coins, f->mem,
                   f->for_prune);
        struct argval v[] = {AV_I(f->duration_us), AV_U(f->mode), AV_U(f->coins),
                             AV_U(f->mem), AV_U(f->for_prune)};
        rec_fired(P_UTXOCACHE_FLUSH, v);
    }
}

/* The three coin probes pass the same five values as CCoinsViewCache:
 * txid pointer, vout, (uint32_t) height, value, IsCoinBase(). */
#define UTXO_ARGS(u) \
    (const unsigned char *)(u)->out.hash, (u)->out.n, (uint32_t)(u)->height, \
        (u)->value, (bool)(u)->coinbase
#define UTXO_VALS(u) \
    {AV_P((u)->out.hash), AV_U((u)->out.n), AV_U((u)->height), AV_I((u)->value), \
     AV_U((u)->coinbase)}

NOINLINE void emit_utxocache_add(const struct sim_utxo *u)
{
    rec_reached(P_UTXOCACHE_ADD);
    if (TRACEPOINT_ACTIVE(utxocache, add)) {
        TRACEPOINT(utxocache, add, UTXO_ARGS(u));
        struct argval v[] = UTXO_VALS(u);
        rec_fired(P_UTXOCACHE_ADD, v);
    }
}

STACK_FRAME void emit_utxocache_spent(const struct sim_utxo *u)
{
    rec_reached(P_UTXOCACHE_SPENT);
    if (TRACEPOINT_ACTIVE(utxocache, spent)) {
        TRACEPOINT(utxocache, spent, UTXO_ARGS(u));
        struct argval v[] = UTXO_VALS(u);
        rec_fired(P_UTXOCACHE_SPENT, v);
    }
}

NOINLINE void emit_utxocache_uncache(const struct sim_utxo *u)
{
    rec_reached(P_UTXOCACHE_UNCACHE);
    if (TRACEPOINT_ACTIVE(utxocache, uncache)) {
        TRACEPOINT(utxocache, uncache, UTXO_ARGS(u));
        struct argval v[] = UTXO_VALS(u);
        rec_fired(P_UTXOCACHE_UNCACHE, v);
    }
}

/* ---- coin_selection --------------------------------------------------------- */

NOINLINE void emit_cs_selected_coins(const char *wallet, const struct sim_selection *s)
{
    rec_reached(P_CS_SELECTED_COINS);
    if (TRACEPOINT_ACTIVE(coin_selection, selected_coins)) {
        TRACEPOINT(coin_selection, selected_coins, wallet, s->algo, s->target,
                   s->waste, s->selected);
        struct argval v[] = {AV_P(wallet), AV_P(s->algo), AV_I(s->target),
                             AV_I(s->waste), AV_I(s->selected)};
        rec_fired(P_CS_SELECTED_COINS, v);
    }
}

NOINLINE void emit_cs_normal_create_tx_internal(const char *wallet,
                                                const struct sim_create_result *r)
{
    rec_reached(P_CS_NORMAL_CREATE_TX_INTERNAL);
    if (TRACEPOINT_ACTIVE(coin_selection, normal_create_tx_internal)) {
        TRACEPOINT(coin_selection, normal_create_tx_internal, wallet, r->success,
                   r->fee, r->change_pos);
        struct argval v[] = {AV_P(wallet), AV_U(r->success), AV_I(r->fee),
                             AV_I(r->change_pos)};
        rec_fired(P_CS_NORMAL_CREATE_TX_INTERNAL, v);
    }
}

NOINLINE void emit_cs_attempting_aps_create_tx(const char *wallet)
{
    rec_reached(P_CS_ATTEMPTING_APS_CREATE_TX);
    if (TRACEPOINT_ACTIVE(coin_selection, attempting_aps_create_tx)) {
        TRACEPOINT(coin_selection, attempting_aps_create_tx, wallet);
        struct argval v[] = {AV_P(wallet)};
        rec_fired(P_CS_ATTEMPTING_APS_CREATE_TX, v);
    }
}

NOINLINE void emit_cs_aps_create_tx_internal(const char *wallet, bool use_aps,
                                             const struct sim_create_result *r)
{
    rec_reached(P_CS_APS_CREATE_TX_INTERNAL);
    if (TRACEPOINT_ACTIVE(coin_selection, aps_create_tx_internal)) {
        TRACEPOINT(coin_selection, aps_create_tx_internal, wallet, use_aps,
                   r->success, r->fee, r->change_pos);
        struct argval v[] = {AV_P(wallet), AV_U(use_aps), AV_U(r->success),
                             AV_I(r->fee), AV_I(r->change_pos)};
        rec_fired(P_CS_APS_CREATE_TX_INTERNAL, v);
    }
}

/* ---- mempool ---------------------------------------------------------------- */

NOINLINE void emit_mempool_added(const struct sim_mtx *t)
{
    rec_reached(P_MEMPOOL_ADDED);
    if (TRACEPOINT_ACTIVE(mempool, added)) {
        TRACEPOINT(mempool, added, t->txid, t->vsize, t->fee);
        struct argval v[] = {AV_P(t->txid), AV_I(t->vsize), AV_I(t->fee)};
        rec_fired(P_MEMPOOL_ADDED, v);
    }
}

NOINLINE void emit_mempool_removed(const struct sim_mtx *t, const char *reason)
{
    rec_reached(P_MEMPOOL_REMOVED);
    if (TRACEPOINT_ACTIVE(mempool, removed)) {
        TRACEPOINT(mempool, removed, t->txid, reason, t->vsize, t->fee,
                   t->entry_time);
        struct argval v[] = {AV_P(t->txid), AV_P(reason), AV_I(t->vsize),
                             AV_I(t->fee), AV_U(t->entry_time)};
        rec_fired(P_MEMPOOL_REMOVED, v);
    }
}

#ifdef BTCSIM_V28
/* v25..v28 shape: 7 arguments, arg 4 always the replacement txid. */
NOINLINE void emit_mempool_replaced(const struct sim_mtx *old, const struct sim_replacement *r)
{
    rec_reached(P_MEMPOOL_REPLACED);
    if (TRACEPOINT_ACTIVE(mempool, replaced)) {
        TRACEPOINT(mempool, replaced, old->txid, old->vsize, old->fee,
                   old->entry_time, r->hash, r->vsize, r->fee);
        struct argval v[] = {AV_P(old->txid), AV_I(old->vsize), AV_I(old->fee),
                             AV_U(old->entry_time), AV_P(r->hash), AV_I(r->vsize),
                             AV_I(r->fee)};
        rec_fired(P_MEMPOOL_REPLACED, v);
    }
}
#else
NOINLINE void emit_mempool_replaced(const struct sim_mtx *old, const struct sim_replacement *r)
{
    rec_reached(P_MEMPOOL_REPLACED);
    if (TRACEPOINT_ACTIVE(mempool, replaced)) {
        TRACEPOINT(mempool, replaced, old->txid, old->vsize, old->fee,
                   old->entry_time, r->hash, r->vsize, r->fee, r->is_txid);
        struct argval v[] = {AV_P(old->txid), AV_I(old->vsize), AV_I(old->fee),
                             AV_U(old->entry_time), AV_P(r->hash), AV_I(r->vsize),
                             AV_I(r->fee), AV_U(r->is_txid)};
        rec_fired(P_MEMPOOL_REPLACED, v);
    }
}
#endif

NOINLINE void emit_mempool_rejected(const unsigned char *txid, const char *reason)
{
    rec_reached(P_MEMPOOL_REJECTED);
    if (TRACEPOINT_ACTIVE(mempool, rejected)) {
        TRACEPOINT(mempool, rejected, txid, reason);
        struct argval v[] = {AV_P(txid), AV_P(reason)};
        rec_fired(P_MEMPOOL_REJECTED, v);
    }
}

/* ---- test (src/test/util_trace_tests.cpp) ------------------------------------ */

/* Constant arguments, as in test_bitcoin: the notes get "$imm" specs. */

NOINLINE void emit_test_zero_args(void)
{
    rec_reached(P_TEST_ZERO_ARGS);
    if (TRACEPOINT_ACTIVE(test, zero_args)) {
        TRACEPOINT(test, zero_args);
        rec_fired(P_TEST_ZERO_ARGS, NULL);
    }
}

NOINLINE void emit_test_one_arg(void)
{
    rec_reached(P_TEST_ONE_ARG);
    if (TRACEPOINT_ACTIVE(test, one_arg)) {
        TRACEPOINT(test, one_arg, 1);
        struct argval v[] = {AV_I(1)};
        rec_fired(P_TEST_ONE_ARG, v);
    }
}

NOINLINE void emit_test_six_args(void)
{
    rec_reached(P_TEST_SIX_ARGS);
    if (TRACEPOINT_ACTIVE(test, six_args)) {
        TRACEPOINT(test, six_args, 1, 2, 3, 4, 5, 6);
        struct argval v[] = {AV_I(1), AV_I(2), AV_I(3), AV_I(4), AV_I(5), AV_I(6)};
        rec_fired(P_TEST_SIX_ARGS, v);
    }
}

NOINLINE void emit_test_twelve_args(void)
{
    rec_reached(P_TEST_TWELVE_ARGS);
    if (TRACEPOINT_ACTIVE(test, twelve_args)) {
        TRACEPOINT(test, twelve_args, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        struct argval v[] = {AV_I(1), AV_I(2), AV_I(3),  AV_I(4),  AV_I(5),  AV_I(6),
                             AV_I(7), AV_I(8), AV_I(9), AV_I(10), AV_I(11), AV_I(12)};
        rec_fired(P_TEST_TWELVE_ARGS, v);
    }
}

/* Stand-in for test_bitcoin's fail_test_if_executed(): the recorder counts
 * its evaluations, which must equal the probe's fires (arguments are only
 * evaluated while a tracer holds the semaphore). */
static NOINLINE int check_if_attached_arg(void)
{
    rec_note_evaluation(P_TEST_CHECK_IF_ATTACHED);
    return 0;
}

NOINLINE void emit_test_check_if_attached(void)
{
    rec_reached(P_TEST_CHECK_IF_ATTACHED);
    if (TRACEPOINT_ACTIVE(test, check_if_attached)) {
        TRACEPOINT(test, check_if_attached, check_if_attached_arg());
        struct argval v[] = {AV_I(0)};
        rec_fired(P_TEST_CHECK_IF_ATTACHED, v);
    }
}

/* Work that only runs for a tracer, then a zero-argument probe. */
static NOINLINE void expensive_work(void)
{
    rec_note_evaluation(P_TEST_EXPENSIVE_SECTION);
}

NOINLINE void emit_test_expensive_section(void)
{
    rec_reached(P_TEST_EXPENSIVE_SECTION);
    if (TRACEPOINT_ACTIVE(test, expensive_section)) {
        expensive_work();
        TRACEPOINT(test, expensive_section);
        rec_fired(P_TEST_EXPENSIVE_SECTION, NULL);
    }
}
