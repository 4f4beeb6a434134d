/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * btcsim.h - shared declarations of the Bitcoin Core tracepoint simulator.
 *
 * Layout of the program:
 *   trace.h      Bitcoin Core's TRACEPOINT macros (sys/sdt.h + semaphores)
 *   probes.c     the 26 probe sites (20 bitcoind + 6 test_bitcoin), one
 *                noinline function each, plus their semaphores
 *   record.c     ground truth: per-probe counters/statistics, --truth JSON,
 *                --log lines
 *   sc_*.c       scenarios that generate realistic argument values
 *                (p2p_data.c: addresses, message types, payloads)
 *   util.c       allocation and PRNG helpers
 *   btcsim.c     command line, run loop, signals, --wait-attached
 */
#ifndef BTCSIM_H
#define BTCSIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* noclone as well as noinline: an IPA-CP clone of an emitting function would
 * duplicate its probe site, and every probe must have exactly one location. */
#if defined(__clang__) /* clang has no noclone (and does not clone these) */
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* A function the kernel can unwind a user stack through: it keeps %rbp as
 * its frame pointer whatever the build's -O level (ustack tests).  clang
 * has no per-function optimize attribute: a clang build of btcsim needs
 * -fno-omit-frame-pointer for those tests. */
#if defined(__clang__)
#define STACK_FRAME NOINLINE
#else
#define STACK_FRAME NOINLINE __attribute__((optimize("no-omit-frame-pointer")))
#endif

/* ---- probe catalogue ------------------------------------------------ */

enum probe_id {
    P_NET_INBOUND_MESSAGE,
    P_NET_OUTBOUND_MESSAGE,
    P_NET_INBOUND_CONNECTION,
    P_NET_OUTBOUND_CONNECTION,
    P_NET_EVICTED_INBOUND_CONNECTION,
    P_NET_MISBEHAVING_CONNECTION,
    P_NET_CLOSED_CONNECTION,
    P_VALIDATION_BLOCK_CONNECTED,
    P_UTXOCACHE_FLUSH,
    P_UTXOCACHE_ADD,
    P_UTXOCACHE_SPENT,
    P_UTXOCACHE_UNCACHE,
    P_CS_SELECTED_COINS,
    P_CS_NORMAL_CREATE_TX_INTERNAL,
    P_CS_ATTEMPTING_APS_CREATE_TX,
    P_CS_APS_CREATE_TX_INTERNAL,
    P_MEMPOOL_ADDED,
    P_MEMPOOL_REMOVED,
    P_MEMPOOL_REPLACED,
    P_MEMPOOL_REJECTED,
    P_TEST_ZERO_ARGS,
    P_TEST_ONE_ARG,
    P_TEST_SIX_ARGS,
    P_TEST_TWELVE_ARGS,
    P_TEST_CHECK_IF_ATTACHED,
    P_TEST_EXPENSIVE_SECTION,
    P_COUNT
};

enum arg_kind { K_INT, K_UINT, K_BOOL, K_STR, K_HASH, K_BYTES };

/* One probe argument as the recorder sees it.  Integers are widened to 64
 * bits (sign-extended for signed C types, so the kind decides how to read
 * them back); str/hash/bytes carry the pointer handed to the probe. */
struct argval {
    uint64_t bits;
    const void *ptr;
};
#define AV_I(x) ((struct argval){.bits = (uint64_t)(int64_t)(x)})
#define AV_U(x) ((struct argval){.bits = (uint64_t)(x)})
#define AV_P(x) ((struct argval){.ptr = (const void *)(x)})

/* ---- recorder (record.c) -------------------------------------------- */

void rec_reached(enum probe_id p);
void rec_fired(enum probe_id p, const struct argval *v);
void rec_set_delay_us(unsigned long us);
int rec_open_log(const char *path);
int rec_close_log(void);
int rec_write_truth(const char *path, const char *scenario, uint64_t seed,
                    uint64_t steps);
void rec_note_evaluation(enum probe_id p);

/* ---- probe sites (probes.c) ------------------------------------------ */

/* Mirrors a CCoinsMap node: COutPoint key (txid + vout), then the Coin
 * (CTxOut value, script, packed height/coinbase bit-fields), so GCC reads
 * vout and value straight from memory as bitcoind does ("4@32(%reg)"). */
struct sim_outpoint {
    unsigned char hash[32];
    uint32_t n;
};
struct sim_utxo {
    struct sim_outpoint out;
    int64_t value;
    unsigned char script[24];
    uint32_t coinbase : 1;
    uint32_t height : 31;
};

/* Network enum of netaddress.h; unscoped enum => "4@" like bitcoind. */
enum sim_network {
    NET_UNROUTABLE = 0,
    NET_IPV4,
    NET_IPV6,
    NET_ONION,
    NET_I2P,
    NET_CJDNS,
    NET_INTERNAL
};

struct sim_peer {
    int64_t id;
    char *addr;      /* heap, like CNode::m_addr_name.c_str() */
    char *conn_type; /* heap */
    enum sim_network net;
    int64_t connected; /* UNIX seconds */
    bool inbound;
};

struct sim_msg {
    char *type; /* heap */
    size_t size;
    unsigned char *data; /* heap, size bytes */
};

struct sim_block {
    unsigned char *hash; /* heap, 32 bytes */
    int height;
    size_t tx_count;
    int inputs;
    int64_t sigops;
    int64_t duration_ns;
};

struct sim_flush {
    int64_t duration_us;
    uint32_t mode;
    uint64_t coins;
    uint64_t mem;
    bool for_prune;
};

struct sim_mtx {
    unsigned char *txid; /* heap, 32 bytes */
    int32_t vsize;
    int64_t fee;
    uint64_t entry_time;
};

struct sim_replacement {
    unsigned char *hash; /* txid or package hash, heap */
    int32_t vsize;
    int64_t fee;
    bool is_txid;
};

struct sim_selection {
    char *algo; /* heap */
    int64_t target;
    int64_t waste;
    int64_t selected;
};

struct sim_create_result {
    bool success;
    int64_t fee;
    int32_t change_pos;
};

void emit_net_inbound_message(const struct sim_peer *p, const struct sim_msg *m);
void emit_net_outbound_message(const struct sim_peer *p, const struct sim_msg *m);
void emit_net_inbound_connection(const struct sim_peer *p, size_t existing);
void emit_net_outbound_connection(const struct sim_peer *p, size_t existing);
void emit_net_evicted_inbound_connection(const struct sim_peer *p);
void emit_net_misbehaving_connection(const struct sim_peer *p, const char *reason);
void emit_net_closed_connection(const struct sim_peer *p);
void emit_validation_block_connected(const struct sim_block *b);
void emit_utxocache_flush(const struct sim_flush *f);
void emit_utxocache_add(const struct sim_utxo *u);
void emit_utxocache_spent(const struct sim_utxo *u);
void emit_utxocache_uncache(const struct sim_utxo *u);
void emit_cs_selected_coins(const char *wallet, const struct sim_selection *s);
void emit_cs_normal_create_tx_internal(const char *wallet,
                                       const struct sim_create_result *r);
void emit_cs_attempting_aps_create_tx(const char *wallet);
void emit_cs_aps_create_tx_internal(const char *wallet, bool use_aps,
                                    const struct sim_create_result *r);
void emit_mempool_added(const struct sim_mtx *t);
void emit_mempool_removed(const struct sim_mtx *t, const char *reason);
void emit_mempool_replaced(const struct sim_mtx *old, const struct sim_replacement *r);
void emit_mempool_rejected(const unsigned char *txid, const char *reason);
void emit_test_zero_args(void);
void emit_test_one_arg(void);
void emit_test_six_args(void);
void emit_test_twelve_args(void);
void emit_test_check_if_attached(void);
void emit_test_expensive_section(void);

/* Bit p set <=> the semaphore of probe p is currently raised. */
uint32_t probes_raised_mask(void);

/* ---- deterministic PRNG (splitmix64) --------------------------------- */

struct rng {
    uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); multiply-shift instead of modulo keeps it bias-free
 * enough and needs no loop. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Uniform in [lo, hi], inclusive. */
static inline uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    if (hi - lo == UINT64_MAX)
        return rng_next(r);
    return lo + rng_below(r, hi - lo + 1);
}

static inline bool rng_pct(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_logish(struct rng *r, uint64_t lo, uint64_t hi);
void rng_fill(struct rng *r, void *buf, size_t n);
unsigned char *rng_hash(struct rng *r);

/* ---- helpers (util.c) ----------------------------------------- */

void *xmalloc(size_t n);
char *xstrdup(const char *s);
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern volatile sig_atomic_t btcsim_stop;

/* Fixed epoch for all simulated UNIX times: values must not depend on the
 * wall clock so that one seed always gives the same events. */
#define SIM_EPOCH 1750000000LL

/* ---- scenarios ---------------------------------------------------------- */

struct scenario {
    const char *name;
    uint64_t default_count;
    const char *count_unit; /* what one --count step is, for --help */
    void *(*init)(uint64_t seed);
    void (*step)(void *state, uint64_t i);
    void (*fini)(void *state);
};

extern const struct scenario sc_coins, sc_blocks, sc_p2p, sc_mempool, sc_wallet,
    sc_test;

#endif /* BTCSIM_H */
