#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# -l / -lv list the target's probes with named typed arguments and their
# semaphores; with -p, whether each is enabled; catalog probes missing from
# a binary are shown as missing; an older probe shape (btcsim-v28's
# 7-argument mempool:replaced) is named with both shapes, args.NAME follow
# the binary's shape and a name that only the newer shape has is an error.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

"$BTCTRACE" -l -b "$BUILD/btcsim" >"$TMP/l"
expect_eq "-l exit status" "$?" 0
expect_eq "probes listed" "$(grep -c '^usdt:' "$TMP/l")" 26
expect_eq "none missing" "$(awk '/missing/ { n++ } END { print n + 0 }' "$TMP/l")" 0
grep -q "^usdt:$BUILD/btcsim:utxocache:add \[semaphore at 0x[0-9a-f]*\]$" "$TMP/l" || fail "utxocache:add line"
grep -A5 ":utxocache:add " "$TMP/l" >"$TMP/add"
printf '%s\n' "usdt:$BUILD/btcsim:utxocache:add" \
	"    hash         txid                 arg0" \
	"    uint32       vout                 arg1" \
	"    uint32       height               arg2" \
	"    int64        value                arg3" \
	"    bool         is_coinbase          arg4" >"$TMP/want"
sed 's/ \[semaphore.*//' "$TMP/add" >"$TMP/got"
expect_file_eq "utxocache:add listing" "$TMP/got" "$TMP/want"

"$BTCTRACE" -lv 'utxocache:*' -b "$BUILD/btcsim" >"$TMP/lv"
expect_eq "-lv pattern" "$(grep -c '^usdt:' "$TMP/lv")" 4
grep -q "^    int64        value                arg3  coin value \[sat\]$" "$TMP/lv" || fail "-lv doc line: $(grep value "$TMP/lv")"
grep -q "^    since v23: fires in CCoinsViewCache::AddCoin" "$TMP/lv" || fail "-lv probe doc"

# bpftrace's pattern form names the binary.
"$BTCTRACE" -l "usdt:$BUILD/btcsim:mempool:*" >"$TMP/lu"
expect_eq "usdt:PATH:pattern" "$(grep -c '^usdt:' "$TMP/lu")" 4

# With -p: whether another tracer holds each semaphore.
"$BUILD/btcsim" coins --forever >/dev/null &
sim=$!
wait_exec "$sim" "$BUILD/btcsim"
"$BTCTRACE" -q -e 'utxocache:spent { @n = count(); }' -p "$sim" >/dev/null &
tracer=$!
sleep 1
"$BTCTRACE" -l 'utxocache:*' -p "$sim" >"$TMP/lp"
kill -INT "$tracer"
set +e
wait "$tracer"
expect_eq "background tracer status" "$?" 0
set -e
kill -INT "$sim"; wait "$sim"
grep -q ":utxocache:spent \[semaphore 1: enabled, a tracer is attached\]$" "$TMP/lp" || fail "spent enabled: $(cat "$TMP/lp")"
grep -q ":utxocache:add \[semaphore 0: disabled\]$" "$TMP/lp" || fail "add disabled: $(cat "$TMP/lp")"

# A binary with only some of the probes: the rest are listed as missing.
"$BTCTRACE" -l -b "$BUILD/tests/test_usdt" >"$TMP/lm" 2>&1
grep -q "^utxocache:add \[missing from this binary; since v23\]$" "$TMP/lm" || fail "missing probes: $(head "$TMP/lm")"

# The pre-v29 shape of mempool:replaced.
"$BTCTRACE" -l 'mempool:replaced' -b "$BUILD/btcsim-v28" >"$TMP/l28"
v28_why="mempool:replaced has the v25-v28 shape in this binary (7 arguments, without v29+'s replaced_by_tx): args.NAME follow it"
expect_eq "v28 shape note" "$(sed -n 's/^    note: //p' "$TMP/l28")" "$v28_why"
"$BTCTRACE" -e 'mempool:replaced { @fee = sum(args.replacement_fee); @n = count(); }' \
	-c "$BUILD/btcsim-v28 mempool --seed 4 --count 20 --truth $TMP/t28.json" >"$TMP/o28" 2>"$TMP/e28"
expect_eq "v28 trace status" "$?" 0
# One short warning (the source line and caret follow it), once.
expect_eq "v28 warning" "$(grep warning "$TMP/e28")" "-e:1:1: warning: $v28_why"
expect_eq "v28 warning is short" "$(wc -l <"$TMP/e28")" 3
# --no-warnings silences it, as bpftrace's does; the numbers stay.
"$BTCTRACE" --no-warnings -e 'mempool:replaced { @fee = sum(args.replacement_fee); @n = count(); }' \
	-c "$BUILD/btcsim-v28 mempool --seed 4 --count 20" >"$TMP/o28q" 2>"$TMP/e28q"
expect_eq "--no-warnings status" "$?" 0
expect_eq "--no-warnings: nothing on stderr" "$(cat "$TMP/e28q")" ""
expect_file_eq "--no-warnings: same results" "$TMP/o28q" "$TMP/o28"
expect_eq "v28 replacement_fee" "$(sed -n 's/^@fee: //p' "$TMP/o28")" \
	"$(jq -r '.probes["mempool:replaced"].args[6].sum' "$TMP/t28.json")"
set +e
"$BTCTRACE" -e 'mempool:replaced { @n[args.replaced_by_tx] = count(); }' -b "$BUILD/btcsim-v28" >/dev/null 2>"$TMP/e28b"
expect_eq "v28 newer name status" "$?" 1
set -e
grep -q "error: mempool:replaced has no argument 'replaced_by_tx'" "$TMP/e28b" || fail "v28 newer name: $(cat "$TMP/e28b")"
finish
