#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Finding the target without -p/-c/-b: the single running bitcoind, else
# bitcoind on PATH; two running ones are listed with their PIDs; none at
# all is an error naming every option.  The simulator plays bitcoind under
# that name.
source "$BTC_SRC/tests/e2e/lib.sh"
need

if pgrep -x bitcoind >/dev/null; then
	fail "a real bitcoind runs on this machine; this test needs none"
	finish
fi
mkdir -p "$TMP/bin"
cp "$BUILD/btcsim" "$TMP/bin/bitcoind"

set +e
PATH=/usr/bin:/bin "$BTCTRACE" -e 'utxocache:add { @n = count(); }' >/dev/null 2>"$TMP/e0"
expect_eq "nothing found: status" "$?" 1
set -e
grep -q "no target: no bitcoind is running and none is on PATH" "$TMP/e0" || fail "nothing found: $(cat "$TMP/e0")"
grep -q "hint: name the target with -p PID, -c 'CMD ...', -b BINARY or usdt:PATH" "$TMP/e0" || fail "hint: $(cat "$TMP/e0")"

PATH=$TMP/bin:$PATH "$BTCTRACE" -l 'utxocache:add' >"$TMP/l1"
grep -q "^usdt:$TMP/bin/bitcoind:utxocache:add " "$TMP/l1" || fail "bitcoind on PATH: $(cat "$TMP/l1")"

# On PATH but not running: said before waiting (Ctrl-C ends the wait); -q
# keeps it quiet.
set +e
PATH=$TMP/bin:$PATH timeout --preserve-status -s INT 1.5 "$BTCTRACE" -e 'utxocache:add { @n = count(); }' \
	>"$TMP/o0" 2>"$TMP/e0"
expect_eq "not running: status after Ctrl-C" "$?" 0
PATH=$TMP/bin:$PATH timeout --preserve-status -s INT 1.5 "$BTCTRACE" -q -e 'utxocache:add { @n = count(); }' \
	>/dev/null 2>"$TMP/e0q"
set -e
expect_eq "not running: the note" "$(cat "$TMP/e0")" \
	"btctrace: note: no bitcoind is running: probes fire when $TMP/bin/bitcoind starts; Ctrl-C to stop"
expect_eq "not running, -q: no note" "$(cat "$TMP/e0q")" ""

"$TMP/bin/bitcoind" coins --seed 2 --count 1500 --wait-attached --truth "$TMP/t.json" &
one=$!
wait_exec "$one" "$TMP/bin/bitcoind"
"$BTCTRACE" -e 'utxocache:add { @n = count(); }' >"$TMP/o1" 2>"$TMP/e1"
expect_eq "one running: status" "$?" 0
wait "$one"
expect_eq "one running: the note" "$(head -1 "$TMP/e1")" \
	"btctrace: note: tracing the running bitcoind: pid $one, $TMP/bin/bitcoind"
expect_eq "one running: counted" "$(sed -n 's/^@n: //p' "$TMP/o1")" "$(truth "$TMP/t.json" utxocache:add .fires)"

"$TMP/bin/bitcoind" coins --forever >/dev/null &
a=$!
"$TMP/bin/bitcoind" coins --forever >/dev/null &
b=$!
wait_exec "$a" "$TMP/bin/bitcoind"
wait_exec "$b" "$TMP/bin/bitcoind"
set +e
"$BTCTRACE" -e 'utxocache:add { @n = count(); }' >/dev/null 2>"$TMP/e2"
expect_eq "two running: status" "$?" 1
set -e
kill -INT "$a" "$b"
wait "$a" "$b"
grep -q "error: 2 bitcoind processes are running:" "$TMP/e2" || fail "two running: $(cat "$TMP/e2")"
grep -q " $a" "$TMP/e2" && grep -q " $b" "$TMP/e2" || fail "two running lists the PIDs: $(cat "$TMP/e2")"
grep -q "hint: choose one with -p PID" "$TMP/e2" || fail "two running hint"
finish
