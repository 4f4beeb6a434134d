#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every catalog probe fires in btcsim and every named argument reads back
# exactly what btcsim passed: integers (count, min, max, exact total),
# strings (every distinct value and how often, cut visibly with "..." past
# the catalog's limit), hashes (as RPC prints them) and message payloads
# (against btcsim's own log), for the -O2 and -O0 builds.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq bc

# "probe<TAB>index<TAB>max_chars" for every string[N] argument, from -l.
string_limits() {
	"$BTCTRACE" -l -b "$1" | awk '
		/^usdt:/ { n = split($1, p, ":"); probe = p[n-1] ":" p[n] }
		/^    string\[/ { m = $1; gsub(/[^0-9]/, "", m); i = $3; sub(/arg/, "", i); print probe "\t" i "\t" m }'
}

# {"probe": {"index": "name"}} from the catalog names -l shows.
catalog_names() {
	"$BTCTRACE" -l -b "$1" | awk '
		/^usdt:/ { n = split($1, p, ":"); probe = p[n-1] ":" p[n] }
		/^    [a-z]/ && NF >= 3 { i = $3; sub(/arg/, "", i); print probe "\t" i "\t" $2 }' |
		jq -R -s 'split("\n") | map(select(length > 0) | split("\t")) |
			reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])'
}

gen_script() {
	jq -r --slurpfile names "$2" '.probes | to_entries[] | .key as $p | ($p | gsub(":"; "_")) as $n |
		"\($p) {\n  @n_\($n) = count();\n" +
		([.value.args[]? | .name = $names[0][$p][.index | tostring] |
		  if .kind == "int" or .kind == "uint" or .kind == "bool" then
		    "  @i_\($n)_\(.index) = stats(args.\(.name)); @lo_\($n)_\(.index) = min(args.\(.name)); @hi_\($n)_\(.index) = max(args.\(.name));\n"
		  elif .kind == "str" then "  @s_\($n)_\(.index)[args.\(.name)] = count();\n"
		  elif .kind == "hash" then "  @h_\($n)_\(.index)[args.\(.name)] = count();\n"
		  elif .kind == "bytes" then "  printf(\"@b_\($n)_\(.index) %s\\n\", args.\(.name));\n"
		  else "" end] | join("")) + "}"' "$1"
}

for sim in btcsim btcsim-O0; do
	"$BUILD/$sim" all --count 1 --truth "$TMP/shape.json" >/dev/null
	catalog_names "$BUILD/$sim" >"$TMP/names.json"
	gen_script "$TMP/shape.json" "$TMP/names.json" >"$TMP/named.btc"
	string_limits "$BUILD/$sim" >"$TMP/limits"
	expect_eq "$sim: string arguments in -l" "$(wc -l <"$TMP/limits")" 22
	cmd="$BUILD/$sim all --seed 13 --count 30"
	"$BTCTRACE" "$TMP/named.btc" -c "$cmd --truth $TMP/truth.json --log $TMP/log" >"$TMP/text"
	expect_eq "$sim exit status (text)" "$?" 0
	"$BTCTRACE" -f json "$TMP/named.btc" -c "$cmd" >"$TMP/json"
	expect_eq "$sim exit status (json)" "$?" 0
	truth=$TMP/truth.json
	for p in $(jq -r '.probes | keys[]' "$truth"); do
		n=${p//:/_}
		fires=$(truth "$truth" "$p" .fires)
		expect_eq "$sim $p fires" "$(sed -n "s/^@n_$n: //p" "$TMP/text")" "$fires"
		# One line per argument: index, kind, btcsim's name, sum, min, max.
		jq -r --arg p "$p" '.probes[$p].args[] | [.index, .kind, .name, .sum // "-", .min // "-", .max // "-"] | @tsv' \
			"$truth" >"$TMP/args"
		while IFS=$'\t' read -r i kind logname sum min max; do
			name=$(jq -r --arg p "$p" --arg i "$i" '.[$p][$i]' "$TMP/names.json")
			case $kind in
			int | uint | bool)
				expect_eq "$sim $p args.$name" "$(sed -n "s/^@i_${n}_$i: //p" "$TMP/text")" \
					"count $fires, average $(echo "$sum / $fires" | bc), total $sum"
				expect_eq "$sim $p args.$name min" "$(sed -n "s/^@lo_${n}_$i: //p" "$TMP/text")" "$min"
				expect_eq "$sim $p args.$name max" "$(sed -n "s/^@hi_${n}_$i: //p" "$TMP/text")" "$max"
				;;
			str)
				max=$(awk -F'\t' -v p="$p" -v i="$i" '$1 == p && $2 == i { print $3 }' "$TMP/limits")
				[ -n "$max" ] || { fail "$sim $p arg$i: no string limit in -l"; continue; }
				jq -S --arg p "$p" --argjson i "$i" --argjson max "$max" '.probes[$p].args[] | select(.index == $i) | .values | with_entries(.key |= (if length > $max then .[0:$max] + "..." else . end)) | map_values(tonumber)' "$truth" >"$TMP/want"
				jq -S --arg m "@s_${n}_$i" 'select(.type == "map" and .data[$m]) | .data[$m]' "$TMP/json" >"$TMP/got"
				[ -s "$TMP/got" ] || echo '{}' >"$TMP/got"
				expect_file_eq "$sim $p args.$name values" "$TMP/got" "$TMP/want"
				;;
			hash | bytes)
				# btcsim logs both as btctrace prints them: hashes reversed,
				# payloads as their first 4096 bytes in hex, "..." when
				# longer.  A payload is printed, as it is too long a key.
				grep "^$p " "$TMP/log" | grep -o " $logname=[0-9a-f.]*" | cut -d= -f2 | sort | uniq -c |
					awk '{ print $2 "\t" $1 }' >"$TMP/want"
				if [ "$kind" = bytes ]; then
					sed -n "s/^@b_${n}_$i //p" "$TMP/text" | sort | uniq -c | awk '{ print $2 "\t" $1 }' >"$TMP/got"
				else
					jq -r --arg m "@h_${n}_$i" 'select(.type == "map" and .data[$m]) | .data[$m] | to_entries[] | "\(.key)\t\(.value)"' "$TMP/json" | sort >"$TMP/got"
				fi
				expect_file_eq "$sim $p args.$name payloads" "$TMP/got" "$TMP/want"
				;;
			esac
		done <"$TMP/args"
	done
done
finish
