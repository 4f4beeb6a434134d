#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every script in examples/ runs against btcsim and exits 0; every line it
# prints with -f json is one JSON object (jq parses it); and the workshop's
# Task 3 gives the same numbers by name (args.value) as by position (arg3).
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

for ex in "$SRC"/examples/*.btc; do
	name=$(basename "$ex")
	"$BTCTRACE" "$ex" -c "$BUILD/btcsim all --seed 1 --count 30" >"$TMP/text" 2>"$TMP/err"
	expect_eq "$name: exit status" "$?" 0
	grep -q '^@' "$TMP/text" || fail "$name printed no map"
	"$BTCTRACE" -f json "$ex" -c "$BUILD/btcsim all --seed 1 --count 30" >"$TMP/json"
	expect_eq "$name: json exit status" "$?" 0
	lines=$(wc -l <"$TMP/json")
	objects=$(jq -c 'select(type == "object" and has("type") and has("data"))' "$TMP/json" | wc -l)
	expect_eq "$name: every json line is an object" "$objects" "$lines"
	expect_eq "$name: no empty json line" "$(awk '/^$/ { n++ } END { print n + 0 }' "$TMP/json")" 0
done

cmd="$BUILD/btcsim coins --seed 7 --count 4000"
"$BTCTRACE" "$SRC/examples/utxo_task3.btc" -c "$cmd" >"$TMP/positional"
"$BTCTRACE" "$SRC/examples/utxo_task3_named.btc" -c "$cmd" | grep -v '^@added_coinbase' >"$TMP/named"
expect_file_eq "Task 3 by name and by position" "$TMP/named" "$TMP/positional"

# The program on stdin (-), output to a file (-o), and a relative binary
# path in the probe, as contrib/tracing writes usdt:./build/bin/bitcoind.
(cd "$BUILD" && echo 'usdt:./btcsim:utxocache:add { @n = count(); }' |
	"$BTCTRACE" -o "$TMP/o.txt" - -c "./btcsim coins --seed 7 --truth $TMP/t7.json" >"$TMP/stdout")
expect_eq "stdin program status" "$?" 0
expect_eq "-o leaves stdout empty" "$(wc -c <"$TMP/stdout")" 0
expect_eq "relative usdt path, -o file" "$(sed -n 's/^@n: //p' "$TMP/o.txt")" "$(truth "$TMP/t7.json" utxocache:add .fires)"
finish
