/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bitcoin-shaped values of the language, linked with lang alone: exact
 * decimals (format_decimal), hashes written as RPC shows them
 * (hash_literal_parse) and the attach-point patterns a wildcard is read
 * from. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lang/ast.h"
#include "lang/format.h"
#include "lang/sema.h"

static const char *dec(int64_t v, int places, bool is_signed, char *buf)
{
	struct type t = { .kind = T_DEC, .size = 8, .is_signed = is_signed, .scale = places };
	return format_decimal(v, &t, buf, 48);
}

static void test_decimals(void)
{
	char b[48];
	CHECK_STR(dec(123456, 2, true, b), "1234.56");
	CHECK_STR(dec(-123456, 2, true, b), "-1234.56");
	CHECK_STR(dec(5, 2, true, b), "0.05");
	CHECK_STR(dec(-5, 2, true, b), "-0.05");
	CHECK_STR(dec(0, 2, true, b), "0.00");
	CHECK_STR(dec(0, 0, true, b), "0");
	CHECK_STR(dec(-7, 0, true, b), "-7");
	CHECK_STR(dec(INT64_MIN, 2, true, b), "-92233720368547758.08");
	CHECK_STR(dec(INT64_MIN, 19, true, b), "-0.9223372036854775808");
	CHECK_STR(dec(INT64_MAX, 19, true, b), "0.9223372036854775807");
	CHECK_STR(dec(-1, 19, false, b), "1.8446744073709551615");	/* UINT64_MAX */
	CHECK_STR(dec(-1, 0, false, b), "18446744073709551615");
	CHECK_STR(dec(2100000000000000, 8, true, b), "21000000.00000000");
}

static int parse_hash(const char *text, uint8_t out[32], char **msgs)
{
	size_t len;
	FILE *f = open_memstream(msgs, &len);
	diag_set_stream(f);
	struct node n = { .kind = N_STR, .str = (char *)text, .slen = (int)strlen(text) };
	int rc = hash_literal_parse(&n, out);
	diag_set_stream(NULL);
	fclose(f);
	return rc;
}

static void test_hashes(void)
{
	uint8_t h[32];
	char *msgs = NULL;
	/* The genesis block as RPC shows it: byte 31 first. */
	CHECK_INT(parse_hash("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
			     h, &msgs), 0);
	CHECK_INT(h[0], 0x6f);
	CHECK_INT(h[1], 0xe2);
	CHECK_INT(h[31], 0x00);
	CHECK_INT(h[26], 0x19);
	free(msgs);
	CHECK_INT(parse_hash("000000000019D6689C085AE165831E934FF763AE46A2A6C172B3F1B60A8CE26F",
			     h, &msgs), 0);
	CHECK_INT(h[0], 0x6f);
	free(msgs);
	CHECK_INT(parse_hash("abc", h, &msgs), -EINVAL);
	CHECK(strstr(msgs, "a hash is 64 hex digits, this string has 3 characters") != NULL);
	free(msgs);
	CHECK_INT(parse_hash("g00000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f",
			     h, &msgs), -EINVAL);
	CHECK(strstr(msgs, "character 1 of the hash, 'g', is not a hex digit") != NULL);
	free(msgs);
}

static void test_patterns(void)
{
	struct attach_point ap = { .kind = ATTACH_USDT, .provider = strdup("utxocache"),
				   .event = strdup("*") };
	CHECK(attach_is_pattern(&ap));
	CHECK_INT(attach_set_probe(&ap, "utxocache", "add"), 0);
	CHECK(!attach_is_pattern(&ap));
	CHECK_STR(ap.spec, "utxocache:add");
	struct attach_point *m = attach_insert_match(&ap, "utxocache", "spent");
	CHECK(m && ap.next == m);
	CHECK_STR(m ? m->spec : NULL, "utxocache:spent");
	CHECK_INT(attach_name_usdt(&ap, "/usr/bin/bitcoind"), 0);
	CHECK_STR(ap.full_name, "usdt:/usr/bin/bitcoind:utxocache:add");
	struct attach_point p = { .kind = ATTACH_USDT, .path = strdup("./bitcoind"),
				  .provider = strdup("net"), .event = strdup("*_message") };
	CHECK(attach_is_pattern(&p));
	CHECK_INT(attach_set_probe(&p, "net", "inbound_message"), 0);
	CHECK_STR(p.spec, "usdt:./bitcoind:net:inbound_message");
	free(p.path), free(p.provider), free(p.event), free(p.spec);
	if (m)
		free(m->provider), free(m->event), free(m->spec), free(m);
	free(ap.provider), free(ap.event), free(ap.spec), free(ap.full_name);
}

int main(void)
{
	test_decimals();
	test_hashes();
	test_patterns();
	return CHECK_DONE();
}
