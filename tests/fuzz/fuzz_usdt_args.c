/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the x86-64 argument-spec parser: arbitrary bytes
 * as one spec ("-8@-1064(%rbp)"), and as a register name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/usdt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_width(int n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

static bool accepted_is_sound(const struct usdt_arg *a)
{
	if (!is_width(a->size))
		return false;
	if (a->kind == USDT_ARG_CONST)
		return true;
	if (a->reg_off < 0)
		return false;
	return a->kind != USDT_ARG_MEM || a->index_off < 0 || is_width(a->scale);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	if (!spec)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	struct usdt_arg arg;
	/* An accepted spec must be one the code generator can read. */
	if (!usdt_parse_arg(spec, &arg) && !accepted_is_sound(&arg))
		abort();
	usdt_reg_offset(spec);
	free(spec);
	return 0;
}
