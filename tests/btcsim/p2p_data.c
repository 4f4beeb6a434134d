/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * p2p_data.c - realistic P2P values: peer addresses per network, the
 * message types of protocol.h and payloads whose size and layout resemble
 * the real serialisation (count-prefixed lists, version, ping nonces...).
 * Payload bytes are PRNG output, so a seed gives the same bytes every run.
 */
#include <stdlib.h>
#include <string.h>

#include "p2p.h"

enum payload_kind {
    PK_EMPTY,    /* no payload */
    PK_FIXED,    /* `unit` random bytes */
    PK_RANDOM,   /* random bytes, size in [lo, hi] (log-spread) */
    PK_LIST,     /* CompactSize count in [lo, hi], then count x `unit` bytes */
    PK_LOCATOR,  /* getheaders/getblocks: version, locator, stop hash */
    PK_VERSION,  /* the 102-byte version message */
    PK_NONCE,    /* ping/pong: 8-byte nonce */
    PK_FEEFILTER,
    PK_SENDCMPCT
};

struct msgspec {
    const char *name;
    enum payload_kind kind;
    uint32_t unit, lo, hi;
};

static const struct msgspec specs[] = {
    {"version", PK_VERSION, 0, 0, 0},      {"verack", PK_EMPTY, 0, 0, 0},
    {"addr", PK_LIST, 30, 1, 1000},        {"addrv2", PK_RANDOM, 0, 10, 35000},
    {"sendaddrv2", PK_EMPTY, 0, 0, 0},     {"inv", PK_LIST, 36, 1, 1000},
    {"getdata", PK_LIST, 36, 1, 1000},     {"merkleblock", PK_RANDOM, 0, 119, 5000},
    {"getblocks", PK_LOCATOR, 0, 1, 101},  {"getheaders", PK_LOCATOR, 0, 1, 101},
    {"tx", PK_RANDOM, 0, 60, 100000},      {"headers", PK_LIST, 81, 0, 2000},
    {"block", PK_RANDOM, 0, 250, 2500000}, {"getaddr", PK_EMPTY, 0, 0, 0},
    {"mempool", PK_EMPTY, 0, 0, 0},        {"ping", PK_NONCE, 0, 0, 0},
    {"pong", PK_NONCE, 0, 0, 0},           {"notfound", PK_LIST, 36, 1, 100},
    {"filterload", PK_RANDOM, 0, 10, 36009}, {"filteradd", PK_RANDOM, 0, 1, 521},
    {"filterclear", PK_EMPTY, 0, 0, 0},    {"sendheaders", PK_EMPTY, 0, 0, 0},
    {"feefilter", PK_FEEFILTER, 0, 0, 0},  {"sendcmpct", PK_SENDCMPCT, 0, 0, 0},
    {"cmpctblock", PK_RANDOM, 0, 89, 60000}, {"getblocktxn", PK_RANDOM, 0, 33, 2000},
    {"blocktxn", PK_RANDOM, 0, 33, 1000000}, {"getcfilters", PK_FIXED, 37, 0, 0},
    {"cfilter", PK_RANDOM, 0, 38, 30000},  {"getcfheaders", PK_FIXED, 37, 0, 0},
    {"cfheaders", PK_RANDOM, 0, 66, 64100}, {"getcfcheckpt", PK_FIXED, 33, 0, 0},
    {"cfcheckpt", PK_RANDOM, 0, 34, 30000}, {"wtxidrelay", PK_EMPTY, 0, 0, 0},
    {"sendtxrcncl", PK_FIXED, 12, 0, 0},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

static const char *const common[] = {
    "inv", "inv", "inv", "inv", "tx", "tx", "tx", "getdata", "getdata", "ping",
    "pong", "headers", "cmpctblock", "getblocktxn", "blocktxn", "addrv2",
    "feefilter", "block", "notfound", "getheaders",
};

static const char *const odd_types[] = {
    "",             /* empty: valid for IsMessageTypeValid() */
    "reject",       /* removed from Core, old peers still send it */
    "alert",        "xversion",     "sendrecon", "checkorder",
    "ABCDEFGHIJKL", /* 12 chars, the maximum */
    "~!@#$%^&*()_", /* 12 printable symbols */
    "a b\"c\\d e",  /* space, quote, backslash */
    "x",            "getblocktemp",
};

size_t p2p_n_types(void)
{
    return N_SPECS;
}

const char *p2p_type(size_t i)
{
    return specs[i].name;
}

const char *p2p_common_type(struct rng *r)
{
    return common[rng_below(r, sizeof common / sizeof common[0])];
}

size_t p2p_n_odd_types(void)
{
    return sizeof odd_types / sizeof odd_types[0];
}

const char *p2p_odd_type(size_t i)
{
    return odd_types[i];
}

/* ---- addresses -------------------------------------------------------------- */

static void base32(struct rng *r, char *out, size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[rng_below(r, 32)];
    out[n] = 0;
}

static char *addr_unroutable(struct rng *r)
{
    if (rng_pct(r, 50)) /* what the functional tests see */
        return xprintf("127.0.0.1:%u", (unsigned)rng_range(r, 30000, 60999));
    return xprintf("192.168.%u.%u:8333", (unsigned)rng_below(r, 256),
                   (unsigned)rng_range(r, 1, 254));
}

static char *addr_ipv6(struct rng *r, unsigned first)
{
    unsigned g[7];
    for (int i = 0; i < 7; i++)
        g[i] = (unsigned)rng_below(r, 0x10000);
    return xprintf("[%x:%x:%x:%x:%x:%x:%x:%x]:8333", first, g[0], g[1], g[2], g[3],
                   g[4], g[5], g[6]);
}

/* Onion v3: 56 base32 chars + ".onion" = 62; with a 5-digit port the
 * address is 68 characters, the documented "normal" maximum. */
char *p2p_onion(struct rng *r, unsigned port)
{
    char host[57];
    base32(r, host, 56);
    return xprintf("%s.onion:%u", host, port);
}

static char *addr_onion(struct rng *r)
{
    return p2p_onion(r, rng_pct(r, 50) ? 8333 : (unsigned)rng_range(r, 10000, 65535));
}

static char *addr_i2p(struct rng *r)
{
    char host[53];
    base32(r, host, 52);
    return xprintf("%s.b32.i2p:0", host);
}

char *p2p_addr(struct rng *r, enum sim_network net)
{
    switch (net) {
    case NET_IPV4:
        return xprintf("%u.%u.%u.%u:8333", (unsigned)rng_range(r, 1, 223),
                       (unsigned)rng_below(r, 256), (unsigned)rng_below(r, 256),
                       (unsigned)rng_range(r, 1, 254));
    case NET_IPV6:
        return addr_ipv6(r, 0x2001);
    case NET_ONION:
        return addr_onion(r);
    case NET_I2P:
        return addr_i2p(r);
    case NET_CJDNS:
        return addr_ipv6(r, 0xfc00 | (unsigned)rng_below(r, 256));
    default:
        return addr_unroutable(r);
    }
}

/* 4 labels of 25 chars + ".example.com" = 115, + ":8333" = 120 chars. */
char *p2p_long_hostname(struct rng *r)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char host[4 * 26 + 1];
    for (int l = 0; l < 4; l++) {
        for (int i = 0; i < 25; i++)
            host[l * 26 + i] = alnum[rng_below(r, 36)];
        host[l * 26 + 25] = '.';
    }
    host[4 * 26] = 0;
    return xprintf("%sexample.com:8333", host);
}

/* ---- payloads ------------------------------------------------------------------ */

static const struct msgspec *find_spec(const char *type)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (strcmp(specs[i].name, type) == 0)
            return &specs[i];
    return NULL;
}

static size_t compact_size_len(uint64_t n)
{
    return n < 253 ? 1 : n <= 0xffff ? 3 : 5;
}

static unsigned char *put_compact_size(unsigned char *p, uint64_t n)
{
    size_t len = compact_size_len(n);
    if (len == 1) {
        *p = (unsigned char)n;
        return p + 1;
    }
    *p = len == 3 ? 0xfd : 0xfe;
    memcpy(p + 1, &n, len - 1); /* little-endian host */
    return p + len;
}

static unsigned char *put_le(unsigned char *p, uint64_t v, size_t n)
{
    memcpy(p, &v, n);
    return p + n;
}

/* Count-prefixed list; inv-like entries get a real type (MSG_WTX etc.). */
static void make_list(struct rng *r, struct sim_msg *m, const struct msgspec *s)
{
    uint64_t count = rng_logish(r, s->lo, s->hi);
    m->size = compact_size_len(count) + count * s->unit;
    m->data = xmalloc(m->size);
    unsigned char *p = put_compact_size(m->data, count);
    rng_fill(r, p, count * s->unit);
    for (uint64_t i = 0; s->unit == 36 && i < count; i++)
        put_le(p + i * 36, rng_pct(r, 90) ? 5 : 2, 4);
    for (uint64_t i = 0; s->unit == 81 && i < count; i++)
        p[i * 81 + 80] = 0; /* headers carry a zero tx count */
}

static void make_locator(struct rng *r, struct sim_msg *m, const struct msgspec *s)
{
    uint64_t n = rng_range(r, s->lo, s->hi);
    m->size = 4 + compact_size_len(n) + 32 * n + 32;
    m->data = xmalloc(m->size);
    unsigned char *p = put_le(m->data, 70016, 4);
    p = put_compact_size(p, n);
    rng_fill(r, p, 32 * n + 32);
}

/* version: version, services, time, addr_recv, addr_from, nonce,
 * user agent, start height, relay = 102 bytes with "/Satoshi:31.0.0/". */
static void make_version(struct rng *r, struct sim_msg *m)
{
    static const char ua[] = "/Satoshi:31.0.0/";
    m->size = 4 + 8 + 8 + 26 + 26 + 8 + 1 + (sizeof ua - 1) + 4 + 1;
    m->data = xmalloc(m->size);
    memset(m->data, 0, m->size);
    unsigned char *p = put_le(m->data, 70016, 4);
    p = put_le(p, 0xc09, 8); /* NETWORK | WITNESS | NETWORK_LIMITED | P2P_V2 */
    p = put_le(p, (uint64_t)SIM_EPOCH + rng_below(r, 86400), 8);
    rng_fill(r, p + 8, 18); /* addr_recv ip + port; addr_from stays zero */
    p += 52;
    p = put_le(p, rng_next(r), 8);
    p = put_compact_size(p, sizeof ua - 1);
    memcpy(p, ua, sizeof ua - 1);
    p = put_le(p + sizeof ua - 1, rng_range(r, 800000, 900000), 4);
    *p = 1;
}

static void make_sized(struct rng *r, struct sim_msg *m, size_t size)
{
    m->size = size;
    m->data = xmalloc(size);
    rng_fill(r, m->data, size);
}

static void make_payload(struct rng *r, struct sim_msg *m, const struct msgspec *s)
{
    switch (s ? s->kind : PK_RANDOM) {
    case PK_EMPTY: make_sized(r, m, 0); break;
    case PK_FIXED: make_sized(r, m, s->unit); break;
    case PK_LIST: make_list(r, m, s); break;
    case PK_LOCATOR: make_locator(r, m, s); break;
    case PK_VERSION: make_version(r, m); break;
    case PK_NONCE: make_sized(r, m, 8); break;
    case PK_FEEFILTER:
        make_sized(r, m, 8);
        put_le(m->data, rng_logish(r, 1000, 100000), 8); /* sat/kvB */
        break;
    case PK_SENDCMPCT:
        make_sized(r, m, 9);
        put_le(put_le(m->data, rng_below(r, 2), 1), 2, 8); /* announce, v2 */
        break;
    default: /* PK_RANDOM, and unknown (odd) types get a small payload */
        make_sized(r, m, s ? rng_logish(r, s->lo, s->hi) : rng_range(r, 0, 64));
        break;
    }
}

void p2p_msg_make(struct rng *r, struct sim_msg *m, const char *type, size_t size_hint)
{
    m->type = xstrdup(type); /* heap, like CSerializedNetMsg::m_type */
    if (size_hint)
        make_sized(r, m, size_hint);
    else
        make_payload(r, m, find_spec(type));
}

void p2p_msg_free(struct sim_msg *m)
{
    free(m->type);
    free(m->data);
}
