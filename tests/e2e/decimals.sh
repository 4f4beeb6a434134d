#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Exact decimals: dec(v, places) and btc(sats) print an integer scaled by
# a power of ten with no float anywhere.  Checked at the edges (0,
# negatives, INT64_MIN, the largest uint64, 0 and 19 places, printf
# widths, maps, JSON) and on btcsim's mempool:added fees: the feerate in
# sat/vB to two places, truncated and rounded half-up, and the fee in BTC,
# each against bc's exact arithmetic on btcsim's own log.
source "$BTC_SRC/tests/e2e/lib.sh"
need bc

SIM=$BUILD/btcsim
"$BTCTRACE" -e 'BEGIN {
  printf("%s|%s|%s|%s\n", dec(123456, 2), dec(-5, 2), dec(0, 3), dec(0, 0));
  printf("%s|%s\n", dec(-9223372036854775807 - 1, 2), dec(9223372036854775807, 18));
  printf("%s|%s\n", dec(18446744073709551615, 19), dec(-1, 19));
  printf("%s|%s|%s\n", btc(2100000000000000), btc(-1), btc(100000000));
  printf("[%12s][%-8s]\n", dec(1, 2), dec(-1, 2));
  print(dec(-150, 1));
  @fee = btc(12345);
  @rate[dec(1505, 2)] = 1;
}' >"$TMP/out"
expect_eq "edges" "$(sed -n 2,6p "$TMP/out")" "1234.56|-0.05|0.000|0
-92233720368547758.08|9.223372036854775807
1.8446744073709551615|-0.0000000000000000001
21000000.00000000|-0.00000001|1.00000000
[        0.01][-0.01   ]"
expect_eq "print()" "$(sed -n 7p "$TMP/out")" "-15.0"
expect_eq "maps" "$(map_dump "$TMP/out" | grep '^@')" "@fee: 0.00012345
@rate[15.05]: 1"
"$BTCTRACE" -f json -e 'BEGIN { @fee = btc(-12345); print(dec(7, 1)); }' >"$TMP/json"
expect_eq "json" "$(tail -n +2 "$TMP/json")" '{"type": "value", "data": "0.7"}
{"type": "map", "data": {"@fee": "-0.00012345"}}'

"$BTCTRACE" -e 'mempool:added {
  printf("%s %s %s\n", dec(args.fee * 100 / args.vsize, 2),
         dec((args.fee * 1000 / args.vsize + 5) / 10, 2), btc(args.fee));
}' -c "$SIM mempool --seed 4 --count 20 --log $TMP/log" | tail -n +2 | sed '/^$/d' >"$TMP/got"
# bc: scale=2 truncates; the half-up rounding adds half a cent first.
awk '$1 == "mempool:added" { split($3, v, "="); split($4, f, "=");
	printf "scale=2; %s / %s\nscale=3; r = %s / %s + 0.005; scale=2; r / 1\nscale=8; %s / 100000000\n",
		f[2], v[2], f[2], v[2], f[2] }' "$TMP/log" | bc |
	sed 's/^\./0./; s/^-\./-0./' | paste -d ' ' - - - >"$TMP/want"
expect_eq "events" "$(wc -l <"$TMP/got")" "$(count_lines '^mempool:added ' "$TMP/log")"
expect_file_eq "feerates and fees" "$TMP/got" "$TMP/want"

# The example of docs/language.md, as written there.
example=$(grep '^mempool:added { printf("%s sat/vB' "$SRC/docs/language.md")
[ -n "$example" ] || fail "docs/language.md lost its feerate example"
"$BTCTRACE" -e "$example" -c "$SIM mempool --seed 4 --count 20" | tail -n +2 | sed '/^$/d' >"$TMP/got"
awk '{ print $1 " sat/vB, fee " $3 " BTC" }' "$TMP/want" >"$TMP/want_doc"
expect_file_eq "the documented example" "$TMP/got" "$TMP/want_doc"

expect_error "places out of range" "-e:1:29: error: dec()'s decimal places must be a constant from 0 to 19
BEGIN { printf(\"%s\", dec(1, 20)); }
                            ^~
hint: a constant from 0 to 19, e.g. dec(args.fee * 100 / args.vsize, 2)
" -e 'BEGIN { printf("%s", dec(1, 20)); }'
expect_error "arithmetic on a decimal" "-e:1:14: error: this operator needs an integer, this is decimal(2 places)
BEGIN { @x = dec(1, 2) + 1; }
             ^~~
hint: only integers work here
" -e 'BEGIN { @x = dec(1, 2) + 1; }'
expect_error "two scales in one map" "-e:1:30: error: @x holds decimal(2 places) values
BEGIN { @x = dec(1, 2); @x = dec(1, 3); }
                             ^~~
hint: @x was first assigned at line 1; use another map name
" -e 'BEGIN { @x = dec(1, 2); @x = dec(1, 3); }'
finish
