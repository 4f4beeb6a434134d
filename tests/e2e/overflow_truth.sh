#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Satoshi totals beyond 64 bits: sum() and stats() keep 128-bit totals in
# the kernel and print them exactly (with a warning), min() of values all
# above 2^32 is right, hist() puts them in buckets past [2G, 4G) - where
# bpftrace 0.17 wraps, prints nothing, and lumps everything in one bucket.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq bc

"$BTCTRACE" -e 'utxocache:add { @s = sum(args.value); @st = stats(args.value);
	@mn = min(args.value + 5000000000); @mx = max(args.value); @h = hist(args.value); }' \
	-c "$BUILD/btcsim coins --seed 1 --count 250000 --truth $TMP/t.json" >"$TMP/out" 2>"$TMP/err"
expect_eq "exit status" "$?" 0
arg='.probes["utxocache:add"].args[3]'
sum=$(jq -r "$arg.sum" "$TMP/t.json")
fires=$(jq -r '.probes["utxocache:add"].fires' "$TMP/t.json")
[ "$(echo "$sum > 2^64" | bc)" = 1 ] || fail "the workload's total ($sum) should exceed 2^64"
expect_eq "@s" "$(sed -n 's/^@s: //p' "$TMP/out")" "$sum"
expect_eq "@st" "$(sed -n 's/^@st: //p' "$TMP/out")" "count $fires, average $(echo "$sum / $fires" | bc), total $sum"
expect_eq "@mn" "$(sed -n 's/^@mn: //p' "$TMP/out")" "$(echo "$(jq -r "$arg.min" "$TMP/t.json") + 5000000000" | bc)"
expect_eq "@mx" "$(sed -n 's/^@mx: //p' "$TMP/out")" "$(jq -r "$arg.max" "$TMP/t.json")"
grep -q "warning: @s: a total is beyond the 64-bit range" "$TMP/err" || fail "no overflow warning for @s: $(cat "$TMP/err")"
grep -q "warning: @st: a total is beyond the 64-bit range" "$TMP/err" || fail "no overflow warning for @st"
truth_hist "$TMP/t.json" utxocache:add 3 @h >"$TMP/want"
sed -n '/^@h: $/,/^$/p' "$TMP/out" >"$TMP/got"
expect_file_eq "@h" "$TMP/got" "$TMP/want"
finish
