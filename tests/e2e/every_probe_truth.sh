#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every one of the 26 probes of btcsim (bitcoind's 20 and test_bitcoin's
# 6) fires and every integer argument reads back exactly: count, min, max
# and the exact (128-bit) total of each, against btcsim's truth, for the
# -O2 and -O0 builds (register, memory and constant argument forms).
source "$BTC_SRC/tests/e2e/lib.sh"
need jq bc

# Writes a script with one block per probe of the truth file.
gen_script() {
	jq -r '.probes | to_entries[] | .key as $p | ($p | gsub(":"; "_")) as $n |
		"\($p) {\n  @n_\($n) = count();\n" +
		([.value.args[]? | select(.kind == "int" or .kind == "uint" or .kind == "bool") |
		  "  @s_\($n)_\(.index) = stats(arg\(.index));\n  @lo_\($n)_\(.index) = min(arg\(.index));\n  @hi_\($n)_\(.index) = max(arg\(.index));\n"] | join("")) + "}"' "$1"
}

for sim in btcsim btcsim-O0; do
	truth=$TMP/$sim.json out=$TMP/$sim.out
	"$BUILD/$sim" all --count 1 --truth "$TMP/shape.json" >/dev/null
	gen_script "$TMP/shape.json" >"$TMP/all.btc"
	"$BTCTRACE" "$TMP/all.btc" -c "$BUILD/$sim all --seed 5 --count 40 --truth $truth" >"$out" 2>"$TMP/err"
	expect_eq "$sim exit status" "$?" 0
	probes=$(jq -r '.probes | keys[]' "$truth")
	expect_eq "$sim probe count" "$(echo "$probes" | wc -l)" 26
	for p in $probes; do
		n=${p//:/_}
		fires=$(truth "$truth" "$p" .fires)
		[ "$fires" -gt 0 ] || fail "$sim: $p never fired in btcsim all"
		expect_eq "$sim $p fires" "$(sed -n "s/^@n_$n: //p" "$out")" "$fires"
		for i in $(jq -r --arg p "$p" '.probes[$p].args[] | select(.kind == "int" or .kind == "uint" or .kind == "bool") | .index' "$truth"); do
			sum=$(jq -r --arg p "$p" --argjson i "$i" '.probes[$p].args[] | select(.index == $i) | .sum' "$truth")
			avg=$(echo "scale=0; $sum / $fires" | bc)
			expect_eq "$sim $p arg$i stats" "$(sed -n "s/^@s_${n}_$i: //p" "$out")" \
				"count $fires, average $avg, total $sum"
			expect_eq "$sim $p arg$i min" "$(sed -n "s/^@lo_${n}_$i: //p" "$out")" \
				"$(jq -r --arg p "$p" --argjson i "$i" '.probes[$p].args[] | select(.index == $i) | .min' "$truth")"
			expect_eq "$sim $p arg$i max" "$(sed -n "s/^@hi_${n}_$i: //p" "$out")" \
				"$(jq -r --arg p "$p" --argjson i "$i" '.probes[$p].args[] | select(.index == $i) | .max' "$truth")"
		done
	done
done
finish
