/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The builtin table: every builtin's type rule, code generator and, for
 * aggregations, folder and description; handed to the front end by the
 * CLI. */
#ifndef BTCTRACE_BUILTINS_H
#define BTCTRACE_BUILTINS_H

#include "lang/builtin.h"

const struct builtin_table *builtins_table(void);

#endif
