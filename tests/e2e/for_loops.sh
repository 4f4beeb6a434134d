#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# for loops (docs/language.md, "Loops"): ranges and map entries, in real
# BPF programs against btcsim's truth; a million rounds load; nesting,
# break, continue, exit() and outer variables; the examples of the doc;
# every error at its place and the run-time warning.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq taskset

SIM=$BUILD/btcsim
cd "$TMP"
ln -s "$SIM" btcsim


# --- ranges ---------------------------------------------------------------
run "a million rounds" 'BEGIN { $s = 0; for ($i : 0..1000000) { $s += $i; } printf("%lld\n", $s); exit(); }'
expect_eq "sum of 0..999999" "$(sed -n 2p "$TMP/out")" 499999500000

run "bounds computed, negative, empty" 'BEGIN { $a = -3; $n = 0; $s = 0;
	for ($i : $a..$a + 5) { $n++; $s += $i; }
	for ($i : 5..5) { $n += 100; }
	for ($i : 7..2) { $n += 1000; }
	printf("%d %d\n", $n, $s); exit(); }'
expect_eq "-3..2: 5 rounds, sum -5" "$(sed -n 2p "$TMP/out")" "5 -5"

run "nested, outer variables" 'BEGIN { $pairs = 0; $last = 0;
	for ($a : 0..10) { for ($b : $a + 1..10) { $pairs++; $last = $a * 100 + $b; @p[$a] = count(); } }
	printf("%d %d\n", $pairs, $last); exit(); }'
expect_eq "pairs a<b of 0..9, the last" "$(sed -n 2p "$TMP/out")" "45 809"
expect_eq "a map written in a nested loop" "$(grep -c '^@p\[' "$TMP/out")" 9
grep -qx '@p\[0\]: 9' "$TMP/out" || fail "@p[0] is not 9: $(cat "$TMP/out")"

run "four deep" 'BEGIN { $n = 0; for ($a : 0..3) { for ($b : 0..3) { for ($c : 0..3) { for ($d : 0..3) { $n++; } } } } printf("%d\n", $n); exit(); }'
expect_eq "3^4 rounds" "$(sed -n 2p "$TMP/out")" 81

run "break and continue" 'BEGIN { $odd = 0; $inner = 0;
	for ($i : 0..1000) { if ($i == 10) { break; } if ($i % 2 == 0) { continue; } $odd += $i; }
	for ($i : 0..3) { for ($j : 0..100) { if ($j == 2) { break; } $inner++; } }
	printf("%d %d\n", $odd, $inner); exit(); }'
expect_eq "odd below 10; break leaves the inner loop only" "$(sed -n 2p "$TMP/out")" "25 6"

run "printf in a loop, strings" 'BEGIN { $s = "x"; for ($i : 0..50) { $s = "loop"; printf("%d %s %s\n", $i, $s, comm); } printf("after %s\n", $s); exit(); }'
expect_eq "50 lines" "$(count_lines '^[0-9]+ loop btctrace$' "$TMP/out")" 50
grep -qx '49 loop btctrace' "$TMP/out" || fail "no last line: $(tail -3 "$TMP/out")"
grep -qx 'after loop' "$TMP/out" || fail "a string written in the loop is lost: $(cat "$TMP/out")"

run "exit() in a loop" 'BEGIN { for ($i : 0..10) { for ($j : 0..10) { if ($i * 10 + $j == 23) { exit(); } @n = count(); } } printf("not reached\n"); }
END { printf("end ran\n"); }'
grep -q 'not reached' "$TMP/out" && fail "exit() in a nested loop did not leave the probe"
grep -qx 'end ran' "$TMP/out" || fail "END did not run: $(cat "$TMP/out")"
grep -qx '@n: 23' "$TMP/out" || fail "exit() did not stop at round 23: $(cat "$TMP/out")"

# Loops LLVM finds unreachable: their bodies are left out, the rest loads.
run "loops no path reaches" 'BEGIN { $n = 0; for ($i : 5..5) { $n++; } if (0) { for ($i : 0..3) { for ($j : 0..3) { $n++; } } }
	for ($k : 0..2) { $n += 10; } printf("%d\n", $n); exit(); for ($j : 0..2) { $n++; } }'
expect_eq "dead loops" "$(sed -n 2p "$TMP/out")" 20

# --- map loops, against btcsim's truth -------------------------------------
run "map loops in END" 'net:inbound_message { @msgs[args.msg_type] = count(); @bytes[args.peer_id] = sum(args.size);
	@pair[args.peer_id, args.msg_type] = count(); @big[args.peer_id] = max(args.size); @small[args.peer_id] = min(args.size);
	@last[args.peer_id] = args.size; }
END { $types = 0; $all = 0; $peers = 0; $sum = 0; $pings = 0; $max = 0; $min = -1; $n = 0;
	for ($kv : @msgs) { $types++; $all += $kv.1; }
	for ($kv : @bytes) { $peers++; $sum += $kv.1; }
	for ($kv : @pair) { if ($kv.0.1 == "ping") { $pings += $kv.1; } }
	for ($kv : @big) { if ($kv.1 > $max) { $max = $kv.1; } }
	for ($kv : @small) { if ($min < 0 || $kv.1 < $min) { $min = $kv.1; } }
	for ($kv : @last) { $n++; }
	printf("%lld %lld %lld %lld %lld %lld %lld %lld\n", $types, $all, $peers, $sum, $pings, $max, $min, $n); }' \
	-c "./btcsim p2p --seed 5 --count 20 --truth $TMP/truth.json"
read -r types all peers sum pings max min n < <(grep -E '^[0-9]+ [0-9]+ ' "$TMP/out")
P=net:inbound_message
expect_eq "distinct message types" "$types" "$(truth "$TMP/truth.json" $P '.args[3].values | length')"
expect_eq "messages" "$all" "$(truth "$TMP/truth.json" $P .fires)"
expect_eq "distinct peers (the map's entries)" "$peers" "$(grep -c '^@bytes\[' "$TMP/out")"
expect_eq "distinct peers (a map of values)" "$n" "$peers"
expect_eq "bytes, the sum of sum() maps" "$sum" "$(truth "$TMP/truth.json" $P .args[4].sum)"
expect_eq "pings, by the second key" "$pings" "$(truth "$TMP/truth.json" $P '.args[3].values.ping // "0"')"
expect_eq "the largest message" "$max" "$(truth "$TMP/truth.json" $P .args[4].max)"
expect_eq "the smallest message" "$min" "$(truth "$TMP/truth.json" $P .args[4].min)"

# A per-CPU map seen from one CPU holds every CPU's counts: the same
# events on CPU 0, then on CPU 1.
run "a count() map folded over CPUs" 'usdt:./btcsim:net:inbound_message { @cpus[cpu] = count(); @n[args.msg_type] = count(); }
END { $all = 0; for ($kv : @n) { $all += $kv.1; } printf("folded %d\n", $all); }' \
	-c "sh -c 'taskset -c 0 ./btcsim p2p --seed 2 --count 3 --truth $TMP/t0.json; taskset -c 1 ./btcsim p2p --seed 2 --count 3'"
fires=$(truth "$TMP/t0.json" $P .fires)
if [ "$(grep -c '^@cpus\[' "$TMP/out")" -ge 2 ]; then
	expect_eq "events of two CPUs, folded" "$(sed -n 's/^folded //p' "$TMP/out")" $((2 * fires))
else
	fail "the events did not run on two CPUs: $(cat "$TMP/out")"
fi

# In an interval probe, while the target runs; the map is changed by the
# loop itself (delete), and a scalar map is one entry keyed 0.
run "interval, delete in the loop" 'net:inbound_message { @seen[args.peer_id] = 1; @total = count(); }
interval:ms:50 { $k = 0; $t = 0; for ($kv : @total) { $k += $kv.0; $t = $kv.1; }
	for ($kv : @seen) { delete(@seen, $kv.0); } if ($t > 0 && $k == 0 && len(@seen) == 0) { printf("ok %d\n", $t); exit(); } }' \
	-c './btcsim p2p --count 1000 --delay-us 200'
grep -qE '^ok [1-9][0-9]*$' "$TMP/out" || fail "interval loop: $(cat "$TMP/out" "$TMP/err")"

# --- the examples of docs/language.md, as written there ------------------
ex1=$(grep '^BEGIN { $sum = 0; for ($i : 0..1000000)' "$SRC/docs/language.md")
run "the range example" "$ex1"
expect_eq "the range example prints" "$(sed -n 2p "$TMP/out")" 499999500000
ex2=$(sed -n '/^net:inbound_message { @msgs\[args.msg_type\] = count(); }$/,/^END /p' "$SRC/docs/language.md")
[ "$(echo "$ex2" | wc -l)" = 2 ] || fail "docs/language.md lost its map loop example"
run "the map example" "$ex2" -c "./btcsim p2p --seed 1 --count 5 --truth $TMP/t1.json"
expect_eq "the map example prints" "$(grep 'types, ' "$TMP/out")" \
	"$(truth "$TMP/t1.json" $P '.args[3].values | length') types, $(truth "$TMP/t1.json" $P .fires) messages"

# A loop above the block that fills its map, and a chain of two: each
# block waits until its map is known.
run "a loop above its map's block" 'END { for ($kv : @a) { @b[$kv.0] = $kv.1; } }
END { for ($kv : @b) { printf("b %d\n", $kv.1); } }
usdt:./btcsim:utxocache:add { @a[0] = count(); }' -c "./btcsim coins --seed 4 --count 300 --truth $TMP/t4.json"
expect_eq "a loop above its map's block prints" "$(grep '^b ' "$TMP/out")" \
	"b $(truth "$TMP/t4.json" utxocache:add .fires)"

# --- errors, each at its place ----------------------------------------------
expect_script_error "a loop over a number" 'BEGIN { for ($i : 5) { } }' 1:19 \
	"a for loop runs over a map or a range START..END"
expect_script_error "a loop over one entry" 'BEGIN { @m[1] = 1; for ($kv : @m[1]) { } }' 1:31 \
	"a for loop runs over a whole map, without keys"
expect_script_error "a loop over a hist() map" 'BEGIN { @h = hist(1); for ($kv : @h) { } }' 1:34 \
	"@h holds hist(): its entries cannot be looped over"
expect_script_error "a loop over an avg() map" 'BEGIN { @a[1] = avg(1); for ($kv : @a) { } }' 1:36 \
	"@a holds avg(): its entries cannot be looped over"
expect_script_error "a loop over a map not assigned" 'BEGIN { for ($kv : @nope) { } }' 1:20 \
	"@nope is looped over but never assigned"
expect_script_error "assigned after the loop, in its block" \
	'BEGIN { for ($kv : @m) { } @m[1] = 2; }' 1:20 "@m is looped over but never assigned"
expect_script_error "string bounds" 'BEGIN { for ($i : "a".."b") { } }' 1:19 "a range's bounds are integers"
expect_script_error "the loop variable after its loop" 'BEGIN { for ($i : 0..3) { } printf("%d\n", $i); }' 1:44 \
	'$i is the variable of a loop that has ended: it is found only inside its loop'
expect_script_error "a loop variable that exists" 'BEGIN { $i = 1; for ($i : 0..2) { } }' 1:17 \
	'$i is already a variable of this block; a loop'"'"'s variable is a new one'
expect_script_error "five deep" 'BEGIN { for ($a : 0..2) { for ($b : 0..2) { for ($c : 0..2) { for ($d : 0..2) { for ($e : 0..2) { } } } } } }' \
	1:81 "loops are nested more than 4 deep"
expect_script_error "too many rounds" 'BEGIN { for ($i : 0..8388609) { } }' 1:22 \
	"this range runs 8388609 times; a loop runs at most 8388608"
expect_script_error "break outside a loop" 'BEGIN { break; }' 1:9 "break outside a loop"
expect_script_error "continue outside a loop" 'BEGIN { if (1) { continue; } }' 1:18 "continue outside a loop"

# The longest constant range loads; a computed one past the limit is not
# run, and said.
run "2^23 rounds" 'BEGIN { for ($i : 0..8388608) { @n = count(); } exit(); }'
grep -qx '@n: 8388608' "$TMP/out" || fail "2^23 rounds: $(cat "$TMP/out")"
rc=0
"$BTCTRACE" -e 'BEGIN { $n = 8388609; for ($i : 0..$n) { @ran = count(); } printf("after\n"); exit(); }' \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "a computed range too long: status" "$rc" 3
grep -qx 'after' "$TMP/out" || fail "the probe did not go on after the loop: $(cat "$TMP/out")"
grep -q '^@ran: [1-9]' "$TMP/out" && fail "a range too long ran: $(cat "$TMP/out")"
expect_eq "the warning" "$(head -1 "$TMP/err")" \
	"btctrace: warning: 1 for loop did not run: a range runs at most 8388608 times"
finish
