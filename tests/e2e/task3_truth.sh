#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The workshop's Task 3 (examples/utxo_task3.btc) run with -c against the
# -O2 and -O0 simulators: counts and value histograms equal btcsim's own
# record of what it emitted, over the full 64-bit range.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq awk

for sim in btcsim btcsim-O0; do
	for seed in 7 11; do
		out=$TMP/$sim.$seed.out truth=$TMP/$sim.$seed.json
		"$BTCTRACE" "$SRC/examples/utxo_task3.btc" \
			-c "$BUILD/$sim coins --seed $seed --count 3000 --truth $truth" >"$out"
		expect_eq "$sim seed $seed exit status" "$?" 0
		expect_eq "$sim @added" "$(sed -n 's/^@added: //p' "$out")" \
			"$(truth "$truth" utxocache:add .fires)"
		expect_eq "$sim @spent" "$(sed -n 's/^@spent: //p' "$out")" \
			"$(truth "$truth" utxocache:spent .fires)"
		for m in added:add spent:spent; do
			name=@${m%%:*}_value
			truth_hist "$truth" "utxocache:${m#*:}" 3 "$name" >"$TMP/want"
			sed -n "/^$name: \$/,/^\$/p" "$out" >"$TMP/got"
			expect_file_eq "$sim seed $seed $name" "$TMP/got" "$TMP/want"
		done
		# The values reach beyond 2^50: the top bucket must be above [2G, 4G).
		grep -q '^\[1P, 2P)' "$out" || fail "$sim: no [1P, 2P) bucket (0.17's hist bug?)"
	done
done

# Kernels before 6.6 have no uprobe_multi: one perf-event uprobe per
# location, with the same results.
BTCTRACE_NO_UPROBE_MULTI=1 "$BTCTRACE" "$SRC/examples/utxo_task3.btc" \
	-c "$BUILD/btcsim coins --seed 7 --count 3000 --truth $TMP/fallback.json" >"$TMP/fallback.out"
expect_eq "perf-event fallback: exit status" "$?" 0
"$BTCTRACE" "$SRC/examples/utxo_task3.btc" -c "$BUILD/btcsim coins --seed 7 --count 3000" >"$TMP/multi.out"
expect_file_eq "perf-event fallback output" "$TMP/fallback.out" "$TMP/multi.out"
expect_eq "fallback @added" "$(sed -n 's/^@added: //p' "$TMP/fallback.out")" \
	"$(truth "$TMP/fallback.json" utxocache:add .fires)"
finish
