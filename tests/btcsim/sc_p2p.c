/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_p2p.c - the net:* probes: connections and messages of a busy node.
 *
 * Step 0 is a fixed coverage script (any --count >= 1 shows all of it):
 *   - inbound peers on every network 0..5 and outbound peers of every
 *     connection type (outbound-full-relay, block-relay-only, manual with a
 *     120-char hostname, feeler, addr-fetch, private-broadcast), each with a
 *     version handshake; onion addresses up to 68 characters;
 *   - all 35 protocol.h message types in both directions, the peer-controlled
 *     odd inbound types, a 4,000,000-byte inbound block;
 *   - net:misbehaving_connection with an empty reason and with a real one,
 *     an eviction, closed connections.
 * Later steps: maybe a new peer, 1-8 everyday messages, and by chance an odd
 * type, misbehaviour (+ disconnect), a disconnect, or an eviction when more
 * than 8 inbound peers are connected.
 */
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

#define MAX_PEERS 32
#define MAX_INBOUND 8
#define SECONDS_PER_STEP 5

static const char *const misbehaviour[] = {
    "headers message size = 2001",
    "mutated block",
    "invalid header received",
    "non-continuous headers sequence",
    "too-large inv message size = 50001",
    "getdata message size = 50001",
    "addr message size = 1001",
    "header with invalid proof of work",
    "peer sent an unrequested compact block that failed reconstruction (bad-txns)",
    "", /* the block-punishment path passes an empty message */
};
#define N_MISBEHAVIOUR (sizeof misbehaviour / sizeof misbehaviour[0])

struct p2p_state {
    struct rng r;
    struct sim_peer *peers[MAX_PEERS];
    size_t n;
    int64_t next_id;
    int64_t now;
    size_t n_in, n_out;
};

/* ---- messages ------------------------------------------------------------- */

static void msg(struct p2p_state *s, struct sim_peer *p, bool inbound, const char *type,
                size_t size)
{
    struct sim_msg m;
    p2p_msg_make(&s->r, &m, type, size);
    if (inbound)
        emit_net_inbound_message(p, &m);
    else
        emit_net_outbound_message(p, &m);
    p2p_msg_free(&m);
}

#define IN(type) msg(s, p, true, type, 0)
#define OUT(type) msg(s, p, false, type, 0)

/* The side that opened the connection speaks first. */
static void handshake(struct p2p_state *s, struct sim_peer *p)
{
    bool we_start = !p->inbound;
    msg(s, p, !we_start, "version", 0);
    msg(s, p, we_start, "version", 0);
    for (int side = 0; side < 2; side++) {
        bool in = side == 0 ? !we_start : we_start;
        msg(s, p, in, "wtxidrelay", 0);
        msg(s, p, in, "sendaddrv2", 0);
        msg(s, p, in, "verack", 0);
    }
    OUT("sendcmpct");
    IN("sendcmpct");
    OUT("ping");
    IN("pong");
    IN("feefilter");
}

/* A feeler only checks that the peer answers; it leaves after version. */
static void feeler_talk(struct p2p_state *s, struct sim_peer *p)
{
    OUT("version");
    IN("version");
    OUT("verack");
}

/* Private broadcast: just enough to hand over one transaction. */
static void private_broadcast_talk(struct p2p_state *s, struct sim_peer *p)
{
    OUT("version");
    IN("version");
    OUT("verack");
    IN("verack");
    OUT("tx");
    OUT("ping");
    IN("pong");
}

/* ---- connections ------------------------------------------------------------ */

static struct sim_peer *open_peer(struct p2p_state *s, const char *type,
                                  enum sim_network net, char *addr)
{
    struct sim_peer *p = xmalloc(sizeof *p);
    p->id = s->next_id++;
    p->addr = addr ? addr : p2p_addr(&s->r, net);
    p->conn_type = xstrdup(type);
    p->net = net;
    p->connected = s->now;
    p->inbound = strcmp(type, "inbound") == 0;
    s->peers[s->n++] = p;
    if (p->inbound)
        emit_net_inbound_connection(p, ++s->n_in);
    else
        emit_net_outbound_connection(p, ++s->n_out);
    return p;
}

static size_t index_of(struct p2p_state *s, struct sim_peer *p)
{
    size_t i = 0;
    while (s->peers[i] != p)
        i++;
    return i;
}

static void close_peer(struct p2p_state *s, struct sim_peer *p)
{
    emit_net_closed_connection(p);
    if (p->inbound)
        s->n_in--;
    else
        s->n_out--;
    s->peers[index_of(s, p)] = s->peers[--s->n];
    free(p->addr);
    free(p->conn_type);
    free(p);
}

static void evict_peer(struct p2p_state *s, struct sim_peer *p)
{
    emit_net_evicted_inbound_connection(p);
    close_peer(s, p);
}

static void misbehave(struct sim_peer *p, const char *reason)
{
    char *why = xstrdup(reason);
    emit_net_misbehaving_connection(p, why);
    free(why);
}

/* Opens a peer and runs the conversation its connection type allows;
 * feelers and private-broadcast connections are closed right after. */
static void connect_peer(struct p2p_state *s, const char *type, enum sim_network net,
                         char *addr)
{
    struct sim_peer *p = open_peer(s, type, net, addr);
    if (strcmp(type, "feeler") == 0) {
        feeler_talk(s, p);
        close_peer(s, p);
    } else if (strcmp(type, "private-broadcast") == 0) {
        private_broadcast_talk(s, p);
        close_peer(s, p);
    } else {
        handshake(s, p);
    }
}

/* ---- step 0: coverage ---------------------------------------------------------- */

static void cover_connections(struct p2p_state *s)
{
    for (int net = NET_UNROUTABLE; net <= NET_CJDNS; net++)
        connect_peer(s, "inbound", (enum sim_network)net, NULL);
    connect_peer(s, "outbound-full-relay", NET_IPV4, NULL);
    connect_peer(s, "outbound-full-relay", NET_IPV6, NULL);
    connect_peer(s, "block-relay-only", NET_ONION, p2p_onion(&s->r, 18333)); /* 68 chars */
    connect_peer(s, "manual", NET_IPV4, p2p_long_hostname(&s->r));
    connect_peer(s, "feeler", NET_CJDNS, NULL);
    connect_peer(s, "addr-fetch", NET_I2P, NULL);
    connect_peer(s, "private-broadcast", NET_ONION, NULL);
}

static struct sim_peer *find_type(struct p2p_state *s, const char *type)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->peers[i]->conn_type, type) == 0)
            return s->peers[i];
    return NULL;
}

static void cover_messages(struct p2p_state *s, struct sim_peer *p, struct sim_peer *in)
{
    for (size_t i = 0; i < p2p_n_types(); i++) {
        IN(p2p_type(i));
        OUT(p2p_type(i));
    }
    for (size_t i = 0; i < p2p_n_odd_types(); i++)
        msg(s, in, true, p2p_odd_type(i), 0);
    msg(s, p, true, "block", MAX_PROTOCOL_MESSAGE_LENGTH);
}

static void coverage(struct p2p_state *s)
{
    cover_connections(s);
    struct sim_peer *full = find_type(s, "outbound-full-relay");
    struct sim_peer *in = find_type(s, "inbound");
    cover_messages(s, full, in);
    misbehave(in, "");
    close_peer(s, in);
    in = find_type(s, "inbound");
    misbehave(in, "headers message size = 2001");
    close_peer(s, in);
    evict_peer(s, find_type(s, "inbound"));
    close_peer(s, find_type(s, "addr-fetch")); /* addr-fetch leaves after addr */
}

/* ---- later steps ------------------------------------------------------------------ */

static const char *random_outbound_type(struct rng *r)
{
    unsigned c = (unsigned)rng_below(r, 100);
    return c < 50 ? "outbound-full-relay"
         : c < 70 ? "block-relay-only"
         : c < 80 ? "feeler"
         : c < 88 ? "addr-fetch"
         : c < 95 ? "manual"
                  : "private-broadcast";
}

static void random_connect(struct p2p_state *s)
{
    struct rng *r = &s->r;
    enum sim_network net = (enum sim_network)rng_below(r, NET_CJDNS + 1);
    if (rng_pct(r, 50)) {
        connect_peer(s, "inbound", net, NULL);
        return;
    }
    const char *type = random_outbound_type(r);
    bool hostname = strcmp(type, "manual") == 0 && rng_pct(r, 30);
    if (strcmp(type, "private-broadcast") == 0) /* Tor or I2P only */
        net = rng_pct(r, 50) ? NET_ONION : NET_I2P;
    connect_peer(s, type, hostname ? NET_IPV4 : net,
                 hostname ? p2p_long_hostname(r) : NULL);
}

static void random_traffic(struct p2p_state *s)
{
    struct rng *r = &s->r;
    for (uint64_t k = rng_range(r, 1, 8); k > 0 && s->n > 0; k--) {
        struct sim_peer *p = s->peers[rng_below(r, s->n)];
        const char *type = rng_pct(r, 80) ? p2p_common_type(r)
                                          : p2p_type(rng_below(r, p2p_n_types()));
        msg(s, p, rng_pct(r, 50), type, 0);
    }
    if (s->n > 0 && rng_pct(r, 3))
        msg(s, s->peers[rng_below(r, s->n)], true,
            p2p_odd_type(rng_below(r, p2p_n_odd_types())), 0);
}

static struct sim_peer *random_inbound(struct p2p_state *s)
{
    size_t start = (size_t)rng_below(&s->r, s->n);
    for (size_t k = 0; k < s->n; k++) {
        struct sim_peer *p = s->peers[(start + k) % s->n];
        if (p->inbound)
            return p;
    }
    return NULL;
}

static void random_step(struct p2p_state *s)
{
    struct rng *r = &s->r;
    if (s->n < MAX_PEERS && (s->n < 4 || rng_pct(r, 20)))
        random_connect(s);
    random_traffic(s);
    if (s->n > 0 && rng_pct(r, 2)) {
        struct sim_peer *p = s->peers[rng_below(r, s->n)];
        misbehave(p, misbehaviour[rng_below(r, N_MISBEHAVIOUR)]);
        close_peer(s, p); /* discouraged peers get disconnected */
    }
    if (s->n > 0 && rng_pct(r, 5))
        close_peer(s, s->peers[rng_below(r, s->n)]);
    if (s->n_in > MAX_INBOUND)
        evict_peer(s, random_inbound(s));
}

static void *p2p_init(uint64_t seed)
{
    struct p2p_state *s = xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    rng_seed(&s->r, seed, 3);
    return s;
}

static void p2p_step(void *st, uint64_t i)
{
    struct p2p_state *s = st;
    s->now = SIM_EPOCH + (int64_t)i * SECONDS_PER_STEP;
    if (i == 0)
        coverage(s);
    else
        random_step(s);
}

/* Frees without emitting closed_connection: the run is over, not the
 * connections (as when bitcoind is killed). */
static void p2p_fini(void *st)
{
    struct p2p_state *s = st;
    for (size_t i = 0; i < s->n; i++) {
        free(s->peers[i]->addr);
        free(s->peers[i]->conn_type);
        free(s->peers[i]);
    }
    free(s);
}

const struct scenario sc_p2p = {
    .name = "p2p",
    .default_count = 100,
    .count_unit = "one round of connections and messages (step 0 covers all)",
    .init = p2p_init,
    .step = p2p_step,
    .fini = p2p_fini,
};
