#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ustack and usym() in the traced process.  btcsim's utxocache:spent fires
# in emit_utxocache_spent, called by its spending step, whose symbol is the
# mangled name of Bitcoin Core's CCoinsViewCache::SpendCoin (both keep
# frame pointers), inlined into main: the stacks are known, the counts are
# btcsim's truth, and the names print demangled as the C++ source spells
# them, even though the -c child has exited before the maps print.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq nm awk

spend='CCoinsViewCache::SpendCoin(COutPoint const&, Coin*)'
"$BTCTRACE" -e 'utxocache:spent { @[ustack(3)] = count(); @two[ustack(2)] = count(); }' \
	-c "$BUILD/btcsim coins --seed 3 --count 400 --truth $TMP/truth.json" >"$TMP/out" 2>"$TMP/err"
expect_eq "btctrace exit status" "$?" 0
fires=$(truth "$TMP/truth.json" utxocache:spent .fires)
expect_eq "some coins spent" "$([ "$fires" -gt 0 ] && echo yes)" yes
# The exact layout of bpftrace 0.17: frames indented by 4 in a map key.
sed -E 's/\+[0-9]+$/+OFF/' "$TMP/out" | map_dump /dev/stdin >"$TMP/got"
printf '%s\n' "" "" "@[" "    emit_utxocache_spent+OFF" "    $spend+OFF" "    main+OFF" "]: $fires" \
	"@two[" "    emit_utxocache_spent+OFF" "    $spend+OFF" "]: $fires" >"$TMP/want"
expect_file_eq "ustack(3) and ustack(2) keys" "$TMP/got" "$TMP/want"

# JSON: the key is the same text; one entry with the truth's count.
"$BTCTRACE" -f json -e 'utxocache:spent { @[ustack(3)] = count(); }' \
	-c "$BUILD/btcsim coins --seed 3 --count 400" >"$TMP/json" 2>"$TMP/err"
expect_eq "json: exit status" "$?" 0
expect_eq "json: stack key" "$(jq -r 'select(.type == "map") | .data["@"] | keys[0]' "$TMP/json" |
	sed -E 's/\+[0-9]+$//')" "$(printf '\n    emit_utxocache_spent\n    %s\n    main' "$spend")"
expect_eq "json: count" "$(jq -r 'select(.type == "map") | .data["@"][]' "$TMP/json")" "$fires"

# printf("%s") and print(): indented by 8; perf mode: tab, address,
# symbol and the file it is in.
"$BTCTRACE" -e 'utxocache:spent { printf("[%s]", ustack(1)); print(ustack(perf, 2)); exit(); }' \
	-c "$BUILD/btcsim coins --seed 3 --count 400" >"$TMP/pf" 2>"$TMP/err"
expect_eq "printf: exit status" "$?" 0
sed -n 2,4p "$TMP/pf" | sed -E 's/\+[0-9]+$/+OFF/' >"$TMP/pf_got"
printf '%s\n' "[" "        emit_utxocache_spent+OFF" "]" >"$TMP/pf_want"
expect_file_eq "printf %s of ustack(1)" "$TMP/pf_got" "$TMP/pf_want"
grep -qP "^\t[0-9a-f]+ emit_utxocache_spent\+[0-9]+ \(\Q$BUILD\E/btcsim\)$" "$TMP/pf" ||
	fail "perf mode: no frame line: $(cat -A "$TMP/pf")"
grep -qP "^\t[0-9a-f]+ \QCCoinsViewCache::SpendCoin(COutPoint const&, Coin*)\E\+[0-9]+ " "$TMP/pf" ||
	fail "perf mode: no SpendCoin frame: $(cat -A "$TMP/pf")"

# usym(): the function an address is in, without an offset, in the traced
# process (-p); an address no function covers (a heap pointer) prints in hex.
"$BUILD/btcsim" coins --seed 3 --forever >/dev/null &
sim=$!
wait_exec "$sim" "$BUILD/btcsim"
base=$(awk -v exe="$(realpath "$BUILD/btcsim")" '$6 == exe && $3 == "00000000" { print $1; exit }' \
	"/proc/$sim/maps" | cut -d- -f1)
vaddr=$(nm "$BUILD/btcsim" | awk '$3 == "_ZN15CCoinsViewCache9SpendCoinERK9COutPointP4Coin" { print $1 }')
addr=$(( 0x$base + 0x$vaddr + 5 ))
timeout 30 "$BTCTRACE" -p "$sim" -e 'utxocache:spent { printf("%s|%s\n", usym($1), usym(arg0));
	@[usym($1)] = count(); exit(); }' "$addr" >"$TMP/usym" 2>"$TMP/err"
expect_eq "usym: exit status" "$?" 0
kill -INT "$sim"
wait "$sim"
grep -qxP "\Q$spend\E\|0x[0-9a-f]+" "$TMP/usym" || fail "usym: $(cat "$TMP/usym")"
grep -qxP "@\[\Q$spend\E\]: [0-9]+" "$TMP/usym" || fail "usym as a key: $(cat "$TMP/usym")"

# -p and -b: processes that exit before the maps print still have their
# stacks named (their mappings were read when tracing started), one key
# per process with -b (the key holds the pid the stack was taken in).
"$BUILD/btcsim" coins --seed 3 --count 400 --wait-attached --truth "$TMP/tp.json" &
sim=$!
wait_exec "$sim" "$BUILD/btcsim"
"$BTCTRACE" -p "$sim" -e 'utxocache:spent { @[ustack(2)] = count(); }' >"$TMP/p_out" 2>"$TMP/err"
expect_eq "-p: exit status" "$?" 0
wait "$sim"
sed -E 's/\+[0-9]+$/+OFF/' "$TMP/p_out" | map_dump /dev/stdin >"$TMP/got"
printf '%s\n' "" "" "@[" "    emit_utxocache_spent+OFF" "    $spend+OFF" \
	"]: $(truth "$TMP/tp.json" utxocache:spent .fires)" >"$TMP/want"
expect_file_eq "-p: stack of an exited process" "$TMP/got" "$TMP/want"

"$BUILD/btcsim" coins --seed 4 --count 300 --wait-attached --truth "$TMP/b1.json" &
b1=$!
"$BUILD/btcsim" coins --seed 5 --count 300 --wait-attached --truth "$TMP/b2.json" &
b2=$!
wait_exec "$b1" "$BUILD/btcsim"
wait_exec "$b2" "$BUILD/btcsim"
"$BTCTRACE" -b "$BUILD/btcsim" -e 'utxocache:spent { @[pid, ustack(2)] = count(); }
	interval:s:2 { exit(); }' >"$TMP/b_out" 2>"$TMP/err"
expect_eq "-b: exit status" "$?" 0
wait "$b1" "$b2"
for pair in "$b1 $TMP/b1.json" "$b2 $TMP/b2.json"; do
	set -- $pair
	expect_eq "-b: process $1" "$(grep -A3 "^@\[$1, $" "$TMP/b_out" | sed -E 's/\+[0-9]+$//' | tr '\n' '|')" \
		"@[$1, |    emit_utxocache_spent|    $spend|]: $(truth "$2" utxocache:spent .fires)|"
done

# A stack not taken is never silent: with one entry per map, the second
# distinct stack finds the stack map's one bucket taken; it is counted,
# reported at exit, and the status says something was lost.
# The metrics say so too.
rc=0
"$BTCTRACE" --map-size 1 --metrics-file "$TMP/lost.prom" \
	-e 'utxocache:add, utxocache:spent { @[ustack(2)] = count(); }' \
	-c "$BUILD/btcsim coins --seed 3 --count 300" >/dev/null 2>"$TMP/lost" || rc=$?
expect_eq "stacks lost: exit status" "$rc" 3
lost=$(sed -nE 's/^btctrace: warning: ([0-9]+) user stacks could not be taken.*/\1/p' "$TMP/lost")
[ -n "$lost" ] || fail "stacks lost: $(cat "$TMP/lost")"
expect_eq "stacks lost: metric" "$(sed -n 's/^btctrace_stacks_lost_total //p' "$TMP/lost.prom")" "$lost"

# A mode bpftrace 0.17 lacks is named.
rc=0
"$BTCTRACE" -e 'utxocache:spent { @[ustack(raw, 3)] = count(); }' -c "$BUILD/btcsim coins" \
	>/dev/null 2>"$TMP/mode" || rc=$?
expect_eq "ustack(raw): exit status" "$rc" 1
grep -q "error: ustack has no mode 'raw'" "$TMP/mode" || fail "ustack(raw): $(cat "$TMP/mode")"
finish
