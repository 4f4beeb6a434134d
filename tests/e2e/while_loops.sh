#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# while loops (docs/language.md, "Loops"): in real BPF programs against
# btcsim's truth; the condition tested before each round, break, continue,
# exit(), outer variables, nesting with for, unroll and if; a loop that
# never ends stopped at bpf_loop's limit and reported; the doc's example;
# every error at its place.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

SIM=$BUILD/btcsim
cd "$TMP"
ln -s "$SIM" btcsim


# --- in BEGIN: the semantics ----------------------------------------------
run "counting, the condition first" 'BEGIN { $i = 0; $s = 0; while ($i < 1000000) { $s += $i; $i++; }
	$none = 0; while ($i < 0) { $none++; } printf("%lld %d %d\n", $s, $i, $none); exit(); }'
expect_eq "a million rounds; a false condition runs none" "$(sed -n 2p "$TMP/out")" "499999500000 1000000 0"

run "break and continue" 'BEGIN { $i = 0; $odd = 0; while (1) { $i++; if ($i > 10) { break; } if ($i % 2 == 0) { continue; } $odd += $i; }
	printf("%d %d\n", $i, $odd); exit(); }'
expect_eq "odd numbers to 9, left at 11" "$(sed -n 2p "$TMP/out")" "11 25"

run "nested with for, unroll and if" 'BEGIN { $n = 0; $i = 0;
	while ($i < 3) { for ($j : 0..4) { if ($j % 2 == 0) { $k = 0; while ($k < $j) { unroll(2) { $n++; } $k++; } } } $i++; }
	$deep = 0; $a = 0; while ($a < 2) { for ($b : 0..2) { $c = 0; while ($c < 2) { for ($d : 0..2) { $deep++; } $c++; } } $a++; }
	printf("%d %d\n", $n, $deep); exit(); }'
expect_eq "3 * (0 + 2 + ...) * 2; 2^4 rounds four deep" "$(sed -n 2p "$TMP/out")" "12 16"

run "break leaves the innermost loop only" 'BEGIN { $outer = 0; $inner = 0; while ($outer < 3) { $outer++;
	for ($j : 0..100) { if ($j == 2) { break; } $inner++; } $k = 0; while (1) { $k++; if ($k == 5) { break; } } $inner += $k; }
	printf("%d %d\n", $outer, $inner); exit(); }'
expect_eq "three outer rounds, 2 + 5 inner each" "$(sed -n 2p "$TMP/out")" "3 21"

run "exit() in a nested loop" 'BEGIN { $i = 0; while ($i < 10) { $j = 0; while ($j < 10) { if ($i * 10 + $j == 23) { exit(); } @n = count(); $j++; } $i++; }
	printf("not reached\n"); }
END { printf("end ran\n"); }'
grep -q 'not reached' "$TMP/out" && fail "exit() in a nested while did not leave the probe"
grep -qx 'end ran' "$TMP/out" || fail "END did not run: $(cat "$TMP/out")"
grep -qx '@n: 23' "$TMP/out" || fail "exit() did not stop at round 23: $(cat "$TMP/out")"

run "strings in the condition and the block" 'BEGIN { $s = "go"; $n = 0; while ($s == "go") { $n++; printf("%d %s\n", $n, comm); if ($n == 3) { $s = "stop"; } }
	printf("after %s %d\n", $s, $n); exit(); }'
expect_eq "three rounds printed" "$(count_lines '^[0-9] btctrace$' "$TMP/out")" 3
grep -qx 'after stop 3' "$TMP/out" || fail "a string written in the loop is lost: $(cat "$TMP/out")"

rc=0
"$BTCTRACE" -e 'BEGIN { $i = 0; while (1) { $i++; if ($i == 5) { exit(7); } } }' >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "exit(7) in a while loop: the status" "$rc" 7

# A loop that ends by itself in the last round bpf_loop runs is not one
# stopped at the limit.
run "break in round 2^23" 'BEGIN { $i = 0; while (1) { $i++; if ($i == 8388608) { break; } } printf("%d\n", $i); exit(); }'
expect_eq "2^23 rounds, no warning" "$(sed -n 2p "$TMP/out")" 8388608
[ -s "$TMP/err" ] && fail "a loop that broke out was reported: $(cat "$TMP/err")"

# --- in probes of the target, against btcsim's truth ------------------------
P=net:inbound_message
run "a payload's length counted byte by byte" 'net:inbound_message { $i = 0; while ($i < args.size) { $i++; } @bytes = sum($i);
	$r = 0; $k = 0; while ($k < args.size) { $k += 1000; $r++; } @rounds = sum($r); @n = count(); }' \
	-c "./btcsim p2p --seed 5 --count 20 --truth $TMP/truth.json"
expect_eq "the bytes of every message" "$(sed -n 's/^@bytes: //p' "$TMP/out")" \
	"$(truth "$TMP/truth.json" $P .args[4].sum)"
expect_eq "every message" "$(sed -n 's/^@n: //p' "$TMP/out")" "$(truth "$TMP/truth.json" $P .fires)"
[ "$(sed -n 's/^@rounds: //p' "$TMP/out")" -gt 0 ] || fail "no rounds of 1000 bytes: $(cat "$TMP/out")"

run "the largest message, in a loop over a map" 'net:inbound_message { @size[args.peer_id, args.msg_type] = max(args.size); }
END { $max = 0; for ($kv : @size) { $v = $kv.1; $bits = 0; while ($v > 0) { $v = $v >> 1; $bits++; } if ($kv.1 > $max) { $max = $kv.1; } @bits = max($bits); }
	printf("max %lld\n", $max); }' -c "./btcsim p2p --seed 6 --count 20 --truth $TMP/t6.json"
max=$(truth "$TMP/t6.json" $P .args[4].max)
expect_eq "the largest message" "$(sed -n 's/^max //p' "$TMP/out")" "$max"
bits=0
for ((v = max; v > 0; v >>= 1)); do bits=$((bits + 1)); done
expect_eq "its bits" "$(sed -n 's/^@bits: //p' "$TMP/out")" "$bits"

# --- a loop that does not end ----------------------------------------------
rc=0
timeout 120 "$BTCTRACE" -e 'BEGIN { $n = 0; while (1) { } while (1) { $n++; } printf("after %d\n", $n); exit(); }' \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "while (1): status" "$rc" 3
grep -qx 'after 8388608' "$TMP/out" || fail "the probe did not go on after 2^23 rounds: $(cat "$TMP/out")"
expect_eq "the warning" "$(head -1 "$TMP/err")" \
	"btctrace: warning: 2 while loops were stopped after 8388608 rounds: a loop runs at most 8388608 times"
grep -q '^hint: ' "$TMP/err" || fail "no hint: $(cat "$TMP/err")"

# With a range too long, each is said.
rc=0
"$BTCTRACE" -e 'BEGIN { $m = 9000000; for ($i : 0..$m) { } $k = 1; while ($k) { } exit(); }' \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "a range and a while loop at the limit: status" "$rc" 3
grep -qx 'btctrace: warning: 1 while loop was stopped after 8388608 rounds: a loop runs at most 8388608 times' \
	"$TMP/err" || fail "no while warning: $(cat "$TMP/err")"
grep -qx 'btctrace: warning: 1 for loop did not run: a range runs at most 8388608 times' \
	"$TMP/err" || fail "no range warning: $(cat "$TMP/err")"

# --- the example of docs/language.md, as written there ------------------------
ex=$(grep '^net:inbound_message /args.msg_type == "version"/ { $i = 0; while' "$SRC/docs/language.md")
[ -n "$ex" ] || fail "docs/language.md lost its while example"
run "the while example" "$ex" -c "./btcsim p2p --seed 1 --count 5"
expect_eq "the while example prints" "$(sed -n 2p "$TMP/out")" "3 bytes before a zero"

# --- maps written in a loop, as metrics; a loop typed into the REPL ------------
"$BTCTRACE" -q -f openmetrics -e 'utxocache:add { $i = 0; while ($i < 3) { @w[$i] = count(); $i++; } }' \
	-c "./btcsim coins --seed 2 --count 200 --truth $TMP/tw.json" >"$TMP/w.om"
fires=$(truth "$TMP/tw.json" utxocache:add .fires)
for k in 0 1 2; do
	expect_eq "openmetrics: @w[$k] counted in the loop" \
		"$(sed -n "s/^btctrace_w_total{key=\"$k\"} //p" "$TMP/w.om")" "$fires"
done
printf 'BEGIN { $i = 0; while ($i < 5) { $i++; } printf("i=%%d\\n", $i); }\nquit\n' |
	"$BTCTRACE" -i -b ./btcsim >"$TMP/repl" 2>&1 && st=0 || st=$?
expect_eq "a while loop in the REPL: status ($(cat "$TMP/repl"))" "$st" 0
expect_eq "a while loop in the REPL: its result" "$(grep '^i=' "$TMP/repl")" "i=5"

# --- errors, each at its place ----------------------------------------------
expect_script_error "a string condition" 'BEGIN { $s = "a"; while ($s) { } }' 1:26 \
	"a while loop's condition is a number, this is string[2]"
expect_script_error "comm as the condition" 'BEGIN { while (comm) { } }' 1:16 \
	"a while loop's condition is a number, this is string[16]"
expect_script_error "a tuple condition" 'BEGIN { while ((1, 2)) { } }' 1:16 \
	"a while loop's condition is a number, this is (int64, int64)"
expect_script_error "a variable assigned only in the loop" 'BEGIN { while ($x < 3) { $x = 1; } }' 1:16 \
	'variable $x is used before it is assigned'
expect_script_error "five deep" 'BEGIN { while (1) { while (1) { while (1) { for ($i : 0..2) { while (1) { } } } } } }' 1:63 \
	"loops are nested more than 4 deep"
expect_script_error "for inside four while loops" 'BEGIN { while (1) { while (1) { while (1) { while (1) { for ($i : 0..2) { } } } } } }' 1:57 \
	"loops are nested more than 4 deep"
expect_script_error "a block without braces" 'BEGIN { $i = 0; while ($i < 3) $i++; }' 1:32 \
	"syntax error, unexpected variable, expecting '{'"
expect_script_error "no condition" 'BEGIN { while { } }' 1:15 "syntax error, unexpected '{', expecting '('"
expect_script_error "break outside a loop" 'BEGIN { $i = 0; while ($i < 1) { $i++; } break; }' 1:42 "break outside a loop"
finish
