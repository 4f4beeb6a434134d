/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hashes written as Bitcoin Core's RPC shows them: 64 hex digits, the
 * byte-reversed display form of the 32 bytes a probe passes.  A string
 * literal (or a $N parameter) of that shape becomes a hash where one is
 * expected: beside a hash in == and !=, as a key of a hash-keyed map, in
 * hash("..."). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"

#define HASH_HEX_DIGITS 64

static int hex_value(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* The place of character i of a literal written without escapes (the
 * caret goes under the bad digit); else the whole literal's. */
static const struct loc *at_char(const struct node *n, int i, struct loc *buf)
{
	if (n->loc.len != n->slen + 2)
		return &n->loc;
	*buf = n->loc;
	buf->col += 1 + i;
	buf->len = 1;
	return buf;
}

int hash_literal_parse(const struct node *n, uint8_t out[32])
{
	static const char hint[] = "write the hash as RPC shows it: 64 hex digits, e.g. "
				   "\"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\"";
	if (n->kind != N_STR)
		return diag_error(&n->loc, hint, "a hash literal is a string of 64 hex digits");
	if (n->slen != HASH_HEX_DIGITS)
		return diag_error(&n->loc, hint, "a hash is 64 hex digits, this string has %d "
				  "character%s", n->slen, n->slen == 1 ? "" : "s");
	for (int i = 0; i < HASH_HEX_DIGITS; i++)
		if (!isxdigit((unsigned char)n->str[i]))
			return diag_error(at_char(n, i, &(struct loc){ 0 }), hint, "character %d of the hash, '%c', is not a "
					  "hex digit", i + 1, isprint((unsigned char)n->str[i]) ?
					  n->str[i] : '?');
	/* The display form is byte-reversed: its first pair is byte 31. */
	for (int i = 0; i < 32; i++)
		out[31 - i] = (uint8_t)(hex_value(n->str[2 * i]) << 4 | hex_value(n->str[2 * i + 1]));
	return 0;
}

int sema_hash_literal(struct node *n)
{
	uint8_t bytes[32];
	if (hash_literal_parse(n, bytes))
		return -EINVAL;
	char *raw = malloc(32);
	if (!raw)
		return -ENOMEM;
	memcpy(raw, bytes, 32);
	free(n->str);
	n->str = raw;	/* the bytes a probe passes, stored as a literal's */
	n->slen = 32;
	n->type = type_hash();
	return 0;
}

bool is_hash_literal_candidate(const struct node *n)
{
	return n->kind == N_STR && n->type.kind == T_STR;
}
