#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
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

# An upgraded node: its binary replaced on disk (a rename, as package
# managers do) while it runs.  -p still reads its notes and attaches,
# through /proc/PID/exe, and says so.
cp "$BUILD/btcsim" "$TMP/node"
"$TMP/node" coins --seed 4 --count 1500 --wait-attached --truth "$TMP/t5.json" &
up=$!
wait_exec "$up" "$TMP/node"
cp "$BUILD/btcsim" "$TMP/node.new"
mv "$TMP/node.new" "$TMP/node"
timeout 60 "$BTCTRACE" -p "$up" -e 'utxocache:add { @n = count(); }' >"$TMP/out5" 2>"$TMP/err5"
expect_eq "replaced binary: status" "$?" 0
wait "$up"
expect_eq "replaced binary: @n" "$(sed -n 's/^@n: //p' "$TMP/out5")" \
	"$(truth "$TMP/t5.json" utxocache:add .fires)"
grep -qx "btctrace: note: process $up runs $TMP/node, which was deleted or replaced on disk since it started: tracing it through /proc/$up/exe" \
	"$TMP/err5" || fail "replaced binary: no note: $(cat "$TMP/err5")"

# Deleted outright (no file at the path at all): counted as well.
cp "$BUILD/btcsim" "$TMP/gone"
"$TMP/gone" coins --forever >/dev/null &
gone=$!
wait_exec "$gone" "$TMP/gone"
rm "$TMP/gone"
timeout 30 "$BTCTRACE" -p "$gone" -e 'utxocache:add { @n = count(); } interval:s:1 { exit(); }' \
	>"$TMP/out6" 2>"$TMP/err6"
expect_eq "deleted binary: status" "$?" 0
kill -INT "$gone"
wait "$gone" || :
n=$(sed -n 's/^@n: //p' "$TMP/out6")
[ "${n:-0}" -gt 0 ] || fail "deleted binary: nothing counted: $(cat "$TMP/out6" "$TMP/err6")"
CHECKS=$((CHECKS + 1))

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
