/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * record.c - ground truth of what btcsim emitted.
 *
 * Every probe site calls rec_reached() and, only when its semaphore was
 * raised and the probe really fired, rec_fired() with the argument values.
 * From those we keep, per probe and argument, exactly what a tracer should
 * have been able to compute (count, sum, min, max, log2 histogram, string
 * value counts), and optionally log each event as one text line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btcsim.h"

#define MAX_ARGS 12
#define HIST_SLOTS 66
#define MAX_DISTINCT 256 /* string values tracked per argument */
#define LOG_BYTES_MAX 4096 /* payload bytes printed per log line: as btctrace reads */

struct argdesc {
    const char *name;
    enum arg_kind kind;
};

struct probedesc {
    const char *name;
    int nargs;
    struct argdesc a[MAX_ARGS];
};

#define I(n) {n, K_INT}
#define U(n) {n, K_UINT}
#define B(n) {n, K_BOOL}
#define S(n) {n, K_STR}
#define H(n) {n, K_HASH}
#define Y(n) {n, K_BYTES} /* length = the argument just before it */

/* Names and kinds follow /work/shared/bitcoin-tracepoints.json. */
static const struct probedesc catalog[P_COUNT] = {
    [P_NET_INBOUND_MESSAGE] = {"net:inbound_message", 6,
        {I("peer_id"), S("addr"), S("conn_type"), S("msg_type"), U("size"), Y("msg")}},
    [P_NET_OUTBOUND_MESSAGE] = {"net:outbound_message", 6,
        {I("peer_id"), S("addr"), S("conn_type"), S("msg_type"), U("size"), Y("msg")}},
    [P_NET_INBOUND_CONNECTION] = {"net:inbound_connection", 5,
        {I("peer_id"), S("addr"), S("conn_type"), U("network"), U("existing")}},
    [P_NET_OUTBOUND_CONNECTION] = {"net:outbound_connection", 5,
        {I("peer_id"), S("addr"), S("conn_type"), U("network"), U("existing")}},
    [P_NET_EVICTED_INBOUND_CONNECTION] = {"net:evicted_inbound_connection", 5,
        {I("peer_id"), S("addr"), S("conn_type"), U("network"), I("established")}},
    [P_NET_MISBEHAVING_CONNECTION] = {"net:misbehaving_connection", 2,
        {I("peer_id"), S("reason")}},
    [P_NET_CLOSED_CONNECTION] = {"net:closed_connection", 5,
        {I("peer_id"), S("addr"), S("conn_type"), U("network"), I("established")}},
    [P_VALIDATION_BLOCK_CONNECTED] = {"validation:block_connected", 6,
        {H("hash"), I("height"), U("tx_count"), I("inputs"), I("sigops"), I("duration")}},
    [P_UTXOCACHE_FLUSH] = {"utxocache:flush", 5,
        {I("duration"), U("mode"), U("coins_count"), U("coins_mem_usage"), B("for_prune")}},
    [P_UTXOCACHE_ADD] = {"utxocache:add", 5,
        {H("txid"), U("vout"), U("height"), I("value"), B("is_coinbase")}},
    [P_UTXOCACHE_SPENT] = {"utxocache:spent", 5,
        {H("txid"), U("vout"), U("height"), I("value"), B("is_coinbase")}},
    [P_UTXOCACHE_UNCACHE] = {"utxocache:uncache", 5,
        {H("txid"), U("vout"), U("height"), I("value"), B("is_coinbase")}},
    [P_CS_SELECTED_COINS] = {"coin_selection:selected_coins", 5,
        {S("wallet"), S("algo"), I("target"), I("waste"), I("selected_value")}},
    [P_CS_NORMAL_CREATE_TX_INTERNAL] = {"coin_selection:normal_create_tx_internal", 4,
        {S("wallet"), B("success"), I("fee"), I("change_pos")}},
    [P_CS_ATTEMPTING_APS_CREATE_TX] = {"coin_selection:attempting_aps_create_tx", 1,
        {S("wallet")}},
    [P_CS_APS_CREATE_TX_INTERNAL] = {"coin_selection:aps_create_tx_internal", 5,
        {S("wallet"), B("use_aps"), B("success"), I("fee"), I("change_pos")}},
    [P_MEMPOOL_ADDED] = {"mempool:added", 3, {H("txid"), I("vsize"), I("fee")}},
    [P_MEMPOOL_REMOVED] = {"mempool:removed", 5,
        {H("txid"), S("reason"), I("vsize"), I("fee"), U("entry_time")}},
#ifdef BTCSIM_V28
    [P_MEMPOOL_REPLACED] = {"mempool:replaced", 7,
        {H("replaced_txid"), I("replaced_vsize"), I("replaced_fee"),
         U("replaced_entry_time"), H("replacement_txid"), I("replacement_vsize"),
         I("replacement_fee")}},
#else
    [P_MEMPOOL_REPLACED] = {"mempool:replaced", 8,
        {H("replaced_txid"), I("replaced_vsize"), I("replaced_fee"),
         U("replaced_entry_time"), H("replacement_hash"), I("replacement_vsize"),
         I("replacement_fee"), B("replaced_by_tx")}},
#endif
    [P_MEMPOOL_REJECTED] = {"mempool:rejected", 2, {H("txid"), S("reason")}},
    [P_TEST_ZERO_ARGS] = {"test:zero_args", 0, {{0, 0}}},
    [P_TEST_ONE_ARG] = {"test:one_arg", 1, {I("arg0")}},
    [P_TEST_SIX_ARGS] = {"test:six_args", 6,
        {I("arg0"), I("arg1"), I("arg2"), I("arg3"), I("arg4"), I("arg5")}},
    [P_TEST_TWELVE_ARGS] = {"test:twelve_args", 12,
        {I("arg0"), I("arg1"), I("arg2"), I("arg3"), I("arg4"), I("arg5"), I("arg6"),
         I("arg7"), I("arg8"), I("arg9"), I("arg10"), I("arg11")}},
    [P_TEST_CHECK_IF_ATTACHED] = {"test:check_if_attached", 1, {I("arg0")}},
    [P_TEST_EXPENSIVE_SECTION] = {"test:expensive_section", 0, {{0, 0}}},
};

static const char *const kind_names[] = {"int", "uint", "bool", "str", "hash", "bytes"};

struct strcount {
    char *s;
    uint64_t n;
};

struct argstat {
    __int128 sum;      /* exact: < 2^63 events of < 2^64 each fits */
    uint64_t min, max; /* raw bits, compared per kind */
    uint64_t hist[HIST_SLOTS];
    struct strcount vals[MAX_DISTINCT];
    size_t nvals;
    bool truncated;
    uint64_t min_len, max_len;
};

struct probestat {
    uint64_t reached, fires, evaluated;
    struct argstat a[MAX_ARGS];
};

static struct probestat stats[P_COUNT];
static FILE *log_fp;
static unsigned long delay_us;
static bool any_event;

/* ---- per-event bookkeeping ---------------------------------------------- */

static void sleep_us(unsigned long us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000),
                          .tv_nsec = (long)(us % 1000000) * 1000};
    /* A signal cuts the sleep short; the run loop then sees btcsim_stop. */
    nanosleep(&ts, NULL);
}

void rec_set_delay_us(unsigned long us)
{
    delay_us = us;
}

void rec_reached(enum probe_id p)
{
    /* --delay-us spaces events out, whether or not they fire, so timing does
     * not depend on which probes a tracer attached to. */
    if (delay_us && any_event && !btcsim_stop)
        sleep_us(delay_us);
    any_event = true;
    stats[p].reached++;
}

void rec_note_evaluation(enum probe_id p)
{
    stats[p].evaluated++;
}

/* bpftrace's log2 slots extended to 64 bits: 0 = negative, 1 = zero,
 * k + 2 = [2^k, 2^(k+1)). */
static int hist_slot_u(uint64_t u)
{
    return u == 0 ? 1 : 2 + 63 - __builtin_clzll(u);
}

static int hist_slot_i(int64_t v)
{
    return v < 0 ? 0 : hist_slot_u((uint64_t)v);
}

static bool is_signed(enum arg_kind k)
{
    return k == K_INT;
}

static bool less(enum arg_kind k, uint64_t a, uint64_t b)
{
    return is_signed(k) ? (int64_t)a < (int64_t)b : a < b;
}

static void add_number(struct argstat *s, enum arg_kind k, uint64_t bits, bool first)
{
    if (is_signed(k)) {
        s->sum += (int64_t)bits;
        s->hist[hist_slot_i((int64_t)bits)]++;
    } else {
        s->sum += (__int128)bits;
        s->hist[hist_slot_u(bits)]++;
    }
    if (first || less(k, bits, s->min))
        s->min = bits;
    if (first || less(k, s->max, bits))
        s->max = bits;
}

static void add_string(struct argstat *s, const char *str, bool first)
{
    uint64_t len = strlen(str);
    if (first || len < s->min_len)
        s->min_len = len;
    if (first || len > s->max_len)
        s->max_len = len;
    for (size_t i = 0; i < s->nvals; i++) {
        if (strcmp(s->vals[i].s, str) == 0) {
            s->vals[i].n++;
            return;
        }
    }
    if (s->nvals == MAX_DISTINCT) {
        s->truncated = true;
        return;
    }
    s->vals[s->nvals].s = xstrdup(str);
    s->vals[s->nvals++].n = 1;
}

static void log_event(enum probe_id p, const struct argval *v);

void rec_fired(enum probe_id p, const struct argval *v)
{
    const struct probedesc *d = &catalog[p];
    struct probestat *ps = &stats[p];
    bool first = ps->fires == 0;

    ps->fires++;
    for (int i = 0; i < d->nargs; i++) {
        enum arg_kind k = d->a[i].kind;
        if (k == K_STR)
            add_string(&ps->a[i], v[i].ptr, first);
        else if (k == K_INT || k == K_UINT || k == K_BOOL)
            add_number(&ps->a[i], k, v[i].bits, first);
    }
    if (log_fp)
        log_event(p, v);
}

/* ---- --log ------------------------------------------------------------------ */

int rec_open_log(const char *path)
{
    log_fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!log_fp) {
        fprintf(stderr, "btcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int rec_close_log(void)
{
    if (!log_fp)
        return 0;
    int rc = log_fp == stdout ? fflush(log_fp) : fclose(log_fp);
    log_fp = NULL;
    return rc == 0 ? 0 : -1;
}

/* Hashes are printed like Bitcoin's RPC: byte 31 first. */
static void put_hash(FILE *f, const unsigned char *h)
{
    for (int i = 31; i >= 0; i--)
        fprintf(f, "%02x", h[i]);
}

/* Strings are quoted with C escapes: peer-controlled message types may
 * contain spaces, quotes and backslashes. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_bytes(FILE *f, const unsigned char *b, uint64_t len)
{
    uint64_t n = len < LOG_BYTES_MAX ? len : LOG_BYTES_MAX;
    for (uint64_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
    if (n < len)
        fputs("...", f);
}

static void log_event(enum probe_id p, const struct argval *v)
{
    const struct probedesc *d = &catalog[p];
    fputs(d->name, log_fp);
    for (int i = 0; i < d->nargs; i++) {
        fprintf(log_fp, " %s=", d->a[i].name);
        switch (d->a[i].kind) {
        case K_INT:
            fprintf(log_fp, "%lld", (long long)(int64_t)v[i].bits);
            break;
        case K_UINT:
        case K_BOOL:
            fprintf(log_fp, "%llu", (unsigned long long)v[i].bits);
            break;
        case K_STR:
            put_quoted(log_fp, v[i].ptr);
            break;
        case K_HASH:
            put_hash(log_fp, v[i].ptr);
            break;
        case K_BYTES:
            put_bytes(log_fp, v[i].ptr, v[i - 1].bits);
            break;
        }
    }
    fputc('\n', log_fp);
}

/* ---- --truth -------------------------------------------------------------- */

static void put_i128(FILE *f, __int128 v)
{
    char buf[48];
    int n = sizeof buf - 1;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    buf[n] = 0;
    do {
        buf[--n] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--n] = '-';
    fputs(buf + n, f);
}

static void put_num(FILE *f, enum arg_kind k, uint64_t bits)
{
    if (is_signed(k))
        fprintf(f, "\"%lld\"", (long long)(int64_t)bits);
    else
        fprintf(f, "\"%llu\"", (unsigned long long)bits);
}

static void put_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_number_stats(FILE *f, const struct argstat *s, enum arg_kind k)
{
    fputs(",\"sum\":\"", f);
    put_i128(f, s->sum);
    fputs("\",\"min\":", f);
    put_num(f, k, s->min);
    fputs(",\"max\":", f);
    put_num(f, k, s->max);
    fputs(",\"hist\":[", f);
    for (int i = 0; i < HIST_SLOTS; i++)
        fprintf(f, "%s\"%llu\"", i ? "," : "", (unsigned long long)s->hist[i]);
    fputc(']', f);
}

static void put_string_stats(FILE *f, const struct argstat *s)
{
    fprintf(f, ",\"min_len\":\"%llu\",\"max_len\":\"%llu\",\"values\":{",
            (unsigned long long)s->min_len, (unsigned long long)s->max_len);
    for (size_t i = 0; i < s->nvals; i++) {
        fputs(i ? "," : "", f);
        put_json_string(f, s->vals[i].s);
        fprintf(f, ":\"%llu\"", (unsigned long long)s->vals[i].n);
    }
    fprintf(f, "},\"values_truncated\":\"%d\"", s->truncated ? 1 : 0);
}

static void put_arg(FILE *f, const struct probestat *ps, const struct probedesc *d, int i)
{
    enum arg_kind k = d->a[i].kind;
    fprintf(f, "%s{\"index\":%d,\"name\":\"%s\",\"kind\":\"%s\"", i ? "," : "", i,
            d->a[i].name, kind_names[k]);
    if (ps->fires && (k == K_INT || k == K_UINT || k == K_BOOL))
        put_number_stats(f, &ps->a[i], k);
    else if (ps->fires && k == K_STR)
        put_string_stats(f, &ps->a[i]);
    fputc('}', f);
}

static void put_probe(FILE *f, enum probe_id p)
{
    const struct probedesc *d = &catalog[p];
    const struct probestat *ps = &stats[p];
    fprintf(f, "\"%s\":{\"reached\":\"%llu\",\"fires\":\"%llu\"", d->name,
            (unsigned long long)ps->reached, (unsigned long long)ps->fires);
    if (p == P_TEST_CHECK_IF_ATTACHED || p == P_TEST_EXPENSIVE_SECTION)
        fprintf(f, ",\"evaluated\":\"%llu\"", (unsigned long long)ps->evaluated);
    fputs(",\"args\":[", f);
    for (int i = 0; i < d->nargs; i++)
        put_arg(f, ps, d, i);
    fputs("]}", f);
}

static const char *variant(void)
{
#if defined(BTCSIM_V28)
    return "v28";
#elif defined(__OPTIMIZE__)
    return "O2";
#else
    return "O0";
#endif
}

int rec_write_truth(const char *path, const char *scenario, uint64_t seed, uint64_t steps)
{
    FILE *f = strcmp(path, "-") == 0 ? stderr : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "btcsim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "{\"scenario\":\"%s\",\"seed\":\"%llu\",\"variant\":\"%s\",\"steps\":\"%llu\","
               "\"probes\":{\n",
            scenario, (unsigned long long)seed, variant(), (unsigned long long)steps);
    for (int p = 0; p < P_COUNT; p++) {
        put_probe(f, (enum probe_id)p);
        fputs(p + 1 < P_COUNT ? ",\n" : "\n", f);
    }
    fputs("}}\n", f);
    return (f == stderr ? fflush(f) : fclose(f)) == 0 ? 0 : -1;
}
