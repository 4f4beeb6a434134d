#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Stress: over a million printf events in a few seconds, and a map far
# smaller than its number of keys.  Nothing may vanish without being
# counted: every event btcsim fired (its --truth "fires") is either a line
# of output or one of the events btctrace reports lost, and every update of
# a full map is either in the printed map or reported dropped.
#
#   1. text, -B full, to a file: printf lines + lost == fires, where lost
#      is the total of the "Lost N events" lines printed while running,
#      which must equal the total of the warning at exit; status 3 iff
#      anything was lost.
#   2. the same in JSON, with standard output a pipe nobody reads until
#      btcsim has written its truth at exit (so the ring buffer surely
#      overflows, however fast the machine): every line is a JSON
#      object, printf objects + the final lost_events object's count ==
#      fires.
#   3. --map-size 100 and a count() keyed by a sequence number, so every
#      event is one insert of a new key: printed entries + updates reported
#      dropped == events; a map with fewer keys than the limit is complete
#      and not reported.  In text and in JSON.
#
# STRESS_STEPS=N changes the number of simulated steps of 1 and 2.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq awk

STEPS=${STRESS_STEPS:-1100000}
SEED=5

# The number of events btcsim fired for the utxocache probes.
fires() {
	jq -r '[.probes["utxocache:add", "utxocache:spent", "utxocache:uncache"].fires | tonumber] | add' "$1"
}

# Total of "Lost N events" lines (printed while running) in a stderr file.
lost_running() {
	awk '/^Lost [0-9]+ events$/ { n += $2 } END { print n + 0 }' "$1"
}

# N from "btctrace: warning: N events were lost in total ...", 0 if absent.
lost_total() {
	awk '/^btctrace: warning: [0-9]+ events were lost in total/ { n = $3 } END { print n + 0 }' "$1"
}

cat >"$TMP/printf.btc" <<'EOF'
utxocache:add { printf("add %u %ld %d\n", args.vout, args.value, args.is_coinbase); }
utxocache:spent { printf("spent %u %ld\n", args.vout, args.value); }
utxocache:uncache { printf("uncache %u %u\n", args.vout, args.height); }
EOF

# ---- 1. text ----------------------------------------------------------------
start=$(date +%s.%N)
rc=0
"$BTCTRACE" -B full "$TMP/printf.btc" \
	-c "$BUILD/btcsim coins --seed $SEED --count $STEPS --truth $TMP/text.truth" \
	>"$TMP/text.out" 2>"$TMP/text.err" || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
fired=$(fires "$TMP/text.truth")
lines=$(count_lines '^(add [0-9]+ -?[0-9]+ [01]|spent [0-9]+ -?[0-9]+|uncache [0-9]+ [0-9]+)$' "$TMP/text.out")
running=$(lost_running "$TMP/text.err")
total=$(lost_total "$TMP/text.err")
echo "text: $fired events fired in ${secs}s: $lines lines, $total lost (exit status $rc)"
[ "$fired" -ge 1000000 ] || fail "text: only $fired events fired, want at least a million"
expect_eq "text: lines + lost" "$((lines + total))" "$fired"
expect_eq "text: Lost lines while running add up to the total at exit" "$running" "$total"
# Nothing else on standard output: the banner, the printf lines, "\n\n".
expect_eq "text: other lines" "$(($(wc -l <"$TMP/text.out") - lines))" 3
expect_eq "text: exit status" "$rc" "$([ "$total" -gt 0 ] && echo 3 || echo 0)"
if grep -vqE '^(Lost [0-9]+ events|btctrace: warning: [0-9]+ events were lost in total .*)$' "$TMP/text.err"; then
	fail "text: unexpected messages on stderr:"
	grep -vE '^(Lost [0-9]+ events|btctrace: warning: [0-9]+ events were lost in total .*)$' "$TMP/text.err" | head -5 >&2
fi

# ---- 2. JSON through a stalled pipe -----------------------------------------
set +e
"$BTCTRACE" -f json -B full "$TMP/printf.btc" \
	-c "$BUILD/btcsim coins --seed $SEED --count $STEPS --truth $TMP/json.truth" \
	2>"$TMP/json.err" | {
	until [ -s "$TMP/json.truth" ]; do sleep 0.1; done
	cat >"$TMP/json.out"
}
rc=${PIPESTATUS[0]}
set -e
fired=$(fires "$TMP/json.truth")
nlines=$(wc -l <"$TMP/json.out")
# Each line one object: as many objects as lines, and the counts by type.
jq -r '.type' "$TMP/json.out" >"$TMP/json.types" 2>"$TMP/jq.err" || fail "json: not every line parses: $(head -2 "$TMP/jq.err")"
expect_eq "json: objects" "$(wc -l <"$TMP/json.types")" "$nlines"
printfs=$(awk '/^printf$/ { n++ } END { print n + 0 }' "$TMP/json.types")
expect_eq "json: printf objects whose data is one line of the script" \
	"$(jq -r 'select(.type == "printf") | .data' "$TMP/json.out" |
		count_lines '^(add [0-9]+ -?[0-9]+ [01]|spent [0-9]+ -?[0-9]+|uncache [0-9]+ [0-9]+)$')" "$printfs"
expect_eq "json: first object" "$(head -1 "$TMP/json.out")" \
	"{\"type\": \"attached_probes\", \"data\": {\"probes\": 3}, \"btctrace_version\": \"$("$BTCTRACE" --version | awk 'NR == 1 { print $2 }')\"}"
expect_eq "json: the last object is lost_events" "$(tail -1 "$TMP/json.types")" lost_events
expect_eq "json: lost_events objects" "$(awk '/^lost_events$/ { n++ } END { print n + 0 }' "$TMP/json.types")" 1
expect_eq "json: object types" "$(sort -u "$TMP/json.types" | tr '\n' ' ')" "attached_probes lost_events printf "
jlost=$(jq -r 'select(.type == "lost_events") | .data.events' "$TMP/json.out")
echo "json: $fired events fired: $printfs printf objects, $jlost lost (exit status $rc)"
expect_eq "json: printf objects + lost_events" "$((printfs + ${jlost:-0}))" "$fired"
expect_eq "json: lost_events equals the warning on stderr" "${jlost:-0}" "$(lost_total "$TMP/json.err")"
expect_eq "json: Lost lines while running add up to the total" "$(lost_running "$TMP/json.err")" "${jlost:-0}"
expect_eq "json: exit status" "$rc" 3

# ---- 3. a full map ----------------------------------------------------------
cat >"$TMP/full.btc" <<'EOF'
utxocache:add {
	@seq = @seq + 1;
	@new[@seq] = count();		// every add inserts a new key
	@by_vout[args.vout % 50] = count();	// 50 keys: fits
}
EOF
for fmt in text json; do
	rc=0
	"$BTCTRACE" -f "$fmt" --map-size 100 "$TMP/full.btc" \
		-c "$BUILD/btcsim coins --seed 9 --count 200000 --truth $TMP/full.$fmt.truth" \
		>"$TMP/full.$fmt.out" 2>"$TMP/full.$fmt.err" || rc=$?
	adds=$(truth "$TMP/full.$fmt.truth" utxocache:add .fires)
	dropped=$(sed -n 's/^btctrace: warning: map @new is full (100 entries): \([0-9]*\) updates were dropped$/\1/p' "$TMP/full.$fmt.err")
	if [ "$fmt" = text ]; then
		entries=$(awk '/^@new\[[0-9]*\]: 1$/ { n++ } END { print n + 0 }' "$TMP/full.$fmt.out")
		by_vout=$(awk '/^@by_vout\[[0-9]+\]: [0-9]+$/ { n += $2 } END { print n + 0 }' "$TMP/full.$fmt.out")
		seq=$(sed -n 's/^@seq: //p' "$TMP/full.$fmt.out")
	else
		expect_eq "full map (json): objects" "$(jq -c . "$TMP/full.$fmt.out" | wc -l)" "$(wc -l <"$TMP/full.$fmt.out")"
		entries=$(jq -r 'select(.data["@new"]) | .data["@new"] | to_entries | map(select(.value == 1)) | length' "$TMP/full.$fmt.out")
		by_vout=$(jq -r 'select(.data["@by_vout"]) | .data["@by_vout"] | add' "$TMP/full.$fmt.out")
		seq=$(jq -r 'select(.data["@seq"]) | .data["@seq"]' "$TMP/full.$fmt.out")
	fi
	echo "full map ($fmt): $adds adds: $entries entries printed, ${dropped:-0} updates reported dropped (exit status $rc)"
	expect_eq "full map ($fmt): entries" "$entries" 100
	expect_eq "full map ($fmt): entries + dropped" "$((entries + ${dropped:-0}))" "$adds"
	expect_eq "full map ($fmt): @seq" "$seq" "$adds"
	expect_eq "full map ($fmt): @by_vout total" "$by_vout" "$adds"
	expect_eq "full map ($fmt): maps reported full" "$(awk '/is full/ { n++ } END { print n + 0 }' "$TMP/full.$fmt.err")" 1
	expect_eq "full map ($fmt): exit status" "$rc" 3
done
finish
