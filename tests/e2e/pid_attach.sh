#!/usr/bin/env bash
# -p PID: btctrace attaches to a running simulator that waits for a tracer;
# the simulator then runs its scenario and exits, which ends tracing.  Every
# event happened while attached, so the counts equal the truth exactly.
# Also: a probe attached by path counts every process running the binary.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

"$BUILD/btcsim" coins --seed 3 --count 2000 --wait-attached --truth "$TMP/truth.json" &
sim=$!
wait_exec "$sim" "$BUILD/btcsim"
"$BTCTRACE" -e 'utxocache:add { @n = count(); @v = sum(arg3); } utxocache:spent { @s = count(); }' \
	-p "$sim" >"$TMP/out" 2>"$TMP/err"
expect_eq "btctrace exit status" "$?" 0
wait "$sim"
expect_eq "btcsim exit status" "$?" 0
grep -q "process $sim exited; tracing ends" "$TMP/err" || fail "target exit not reported"
expect_eq "@n" "$(sed -n 's/^@n: //p' "$TMP/out")" "$(truth "$TMP/truth.json" utxocache:add .fires)"
expect_eq "@s" "$(sed -n 's/^@s: //p' "$TMP/out")" "$(truth "$TMP/truth.json" utxocache:spent .fires)"
expect_eq "@v" "$(sed -n 's/^@v: //p' "$TMP/out")" \
	"$(jq -r '.probes["utxocache:add"].args[3].sum' "$TMP/truth.json")"

# By path (-b): two simulators at once, both counted; stopped by SIGINT.
"$BUILD/btcsim" coins --forever --truth "$TMP/a.json" >/dev/null &
a=$!
"$BUILD/btcsim" coins --forever --seed 9 --truth "$TMP/b.json" >/dev/null &
b=$!
wait_exec "$a" "$BUILD/btcsim"
wait_exec "$b" "$BUILD/btcsim"
"$BTCTRACE" -e 'utxocache:add { @procs[pid] = count(); }' -b "$BUILD/btcsim" >"$TMP/out2" &
tracer=$!
sleep 1.5
kill -INT "$tracer"
wait "$tracer"
expect_eq "tracer exit status after SIGINT" "$?" 0
kill -INT "$a" "$b"
wait "$a" "$b"
grep -q "^@procs\[$a\]: [1-9]" "$TMP/out2" || fail "process $a not counted: $(cat "$TMP/out2")"
grep -q "^@procs\[$b\]: [1-9]" "$TMP/out2" || fail "process $b not counted: $(cat "$TMP/out2")"
finish
