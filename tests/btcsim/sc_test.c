/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sc_test.c - the six `test:` probes of test_bitcoin (util_trace_tests.cpp).
 *
 * One step = each of zero_args, one_arg, six_args, twelve_args (constant
 * arguments 1..12), check_if_attached and expensive_section, in that order.
 */
#include <stdlib.h>

#include "btcsim.h"

static void *test_init(uint64_t seed)
{
    (void)seed;
    return NULL;
}

static void test_step(void *st, uint64_t i)
{
    (void)st;
    (void)i;
    emit_test_zero_args();
    emit_test_one_arg();
    emit_test_six_args();
    emit_test_twelve_args();
    emit_test_check_if_attached();
    emit_test_expensive_section();
}

static void test_fini(void *st)
{
    (void)st;
}

const struct scenario sc_test = {
    .name = "test",
    .default_count = 10,
    .count_unit = "one round of the six test: probes",
    .init = test_init,
    .step = test_step,
    .fini = test_fini,
};
