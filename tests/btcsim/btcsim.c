/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * btcsim.c - btcsim command line, run loop, signals and --wait-attached.
 *
 * btcsim SCENARIO [--seed N] [--count N] [--forever] [--truth FILE]
 *                 [--log FILE] [--wait-attached] [--delay-us N]
 *
 * Exit status: 0 done (also after SIGINT/SIGTERM), 1 I/O error,
 * 2 usage error, 3 --wait-attached timed out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "btcsim.h"

#define WAIT_POLL_US 1000
#define WAIT_TIMEOUT_US 30000000UL
#define WAIT_SETTLE_US 100000UL /* raised set unchanged this long => attached */
#define FOREVER_PAUSE_US 1000

volatile sig_atomic_t btcsim_stop;

static const struct scenario *const scenarios[] = {
    &sc_coins, &sc_blocks, &sc_p2p, &sc_mempool, &sc_wallet, &sc_test,
};
#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])
#define ALL_DEFAULT_COUNT 100

struct opts {
    const char *scenario;
    uint64_t seed;
    uint64_t count;
    bool count_set;
    bool forever;
    bool wait_attached;
    const char *truth;
    const char *log;
    unsigned long delay_us;
};

static void usage(FILE *f)
{
    fputs("usage: btcsim SCENARIO [--seed N] [--count N] [--forever] [--truth FILE]\n"
          "              [--log FILE] [--wait-attached] [--delay-us N]\n"
          "scenarios (default --count, one step is):\n",
          f);
    for (size_t i = 0; i < N_SCENARIOS; i++)
        fprintf(f, "  %-8s %5llu  %s\n", scenarios[i]->name,
                (unsigned long long)scenarios[i]->default_count, scenarios[i]->count_unit);
    fprintf(f, "  %-8s %5d  one step of every scenario above\n", "all", ALL_DEFAULT_COUNT);
    fputs("--truth/--log FILE: '-' = stderr / stdout.  See tests/btcsim/README.md.\n", f);
}

static void on_signal(int sig)
{
    (void)sig;
    btcsim_stop = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: interrupt sleeps at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void pause_us(unsigned long us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000),
                          .tv_nsec = (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Returns the value of option `name` at argv[*i] (consuming it), or NULL. */
static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "btcsim: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_option(struct opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    uint64_t v;
    if (strcmp(a, "--forever") == 0)
        o->forever = true;
    else if (strcmp(a, "--wait-attached") == 0)
        o->wait_attached = true;
    else if (strcmp(a, "--truth") == 0)
        return (o->truth = opt_value(argc, argv, i)) ? 0 : -1;
    else if (strcmp(a, "--log") == 0)
        return (o->log = opt_value(argc, argv, i)) ? 0 : -1;
    else if (strcmp(a, "--seed") == 0 || strcmp(a, "--count") == 0 ||
             strcmp(a, "--delay-us") == 0) {
        if (!parse_u64(opt_value(argc, argv, i), &v)) {
            fprintf(stderr, "btcsim: %s needs a non-negative integer\n", a);
            return -1;
        }
        if (a[2] == 's')
            o->seed = v;
        else if (a[2] == 'c')
            o->count = v, o->count_set = true;
        else
            o->delay_us = (unsigned long)v;
    } else {
        fprintf(stderr, "btcsim: unknown option %s\n", a);
        return -1;
    }
    return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            if (parse_option(o, argc, argv, &i) < 0)
                return -1;
        } else if (!o->scenario) {
            o->scenario = argv[i];
        } else {
            fprintf(stderr, "btcsim: unexpected argument %s\n", argv[i]);
            return -1;
        }
    }
    if (!o->scenario) {
        fputs("btcsim: missing SCENARIO\n", stderr);
        return -1;
    }
    return 0;
}

/* Fills `run` with the scenarios to step and returns how many. */
static size_t select_scenarios(const char *name, const struct scenario **run)
{
    if (strcmp(name, "all") == 0) {
        for (size_t i = 0; i < N_SCENARIOS; i++)
            run[i] = scenarios[i];
        return N_SCENARIOS;
    }
    for (size_t i = 0; i < N_SCENARIOS; i++) {
        if (strcmp(name, scenarios[i]->name) == 0) {
            run[0] = scenarios[i];
            return 1;
        }
    }
    return 0;
}

static uint64_t monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Waits until a tracer raised at least one semaphore, then until the set of
 * raised semaphores stayed the same for WAIT_SETTLE_US: a tracer attaching
 * several probes raises them one after the other.  Deadlines use the
 * monotonic clock (1 ms sleeps overshoot).  Returns -1 on timeout. */
static int wait_attached(void)
{
    uint64_t start = monotonic_us(), changed = start, now = start;
    uint32_t last = 0;
    while (!btcsim_stop && now - start < WAIT_TIMEOUT_US) {
        uint32_t mask = probes_raised_mask();
        if (mask != last)
            changed = now;
        else if (mask && now - changed >= WAIT_SETTLE_US)
            return 0;
        last = mask;
        pause_us(WAIT_POLL_US);
        now = monotonic_us();
    }
    if (btcsim_stop || last)
        return 0;
    fputs("btcsim: --wait-attached: no tracer raised a semaphore within 30 s\n", stderr);
    return -1;
}

static uint64_t run(const struct opts *o, const struct scenario **sc, size_t n)
{
    void *state[N_SCENARIOS];
    uint64_t steps = 0;
    for (size_t k = 0; k < n; k++)
        state[k] = sc[k]->init(o->seed);
    while (!btcsim_stop && (o->forever || steps < o->count)) {
        for (size_t k = 0; k < n && !btcsim_stop; k++)
            sc[k]->step(state[k], steps);
        steps++;
        if (o->forever && !btcsim_stop)
            pause_us(FOREVER_PAUSE_US);
    }
    for (size_t k = 0; k < n; k++)
        sc[k]->fini(state[k]);
    return steps;
}

int main(int argc, char **argv)
{
    struct opts o = {.seed = 0};
    const struct scenario *sc[N_SCENARIOS];
    if (parse_args(&o, argc, argv) < 0) {
        usage(stderr);
        return 2;
    }
    size_t n = select_scenarios(o.scenario, sc);
    if (n == 0) {
        fprintf(stderr, "btcsim: unknown scenario '%s'\n", o.scenario);
        usage(stderr);
        return 2;
    }
    if (!o.count_set)
        o.count = n == 1 ? sc[0]->default_count : ALL_DEFAULT_COUNT;
    install_signals();
    rec_set_delay_us(o.delay_us);
    if (o.log && rec_open_log(o.log) < 0)
        return 1;
    if (o.wait_attached && wait_attached() < 0)
        return 3;
    uint64_t steps = run(&o, sc, n);
    int rc = rec_close_log();
    if (o.truth && rec_write_truth(o.truth, o.scenario, o.seed, steps) < 0)
        rc = -1;
    return rc < 0 ? 1 : 0;
}
