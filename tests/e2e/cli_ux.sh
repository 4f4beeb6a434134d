#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The command line tells the user what it does: which binary and process
# are traced (-v), why a probe on another binary than the -c command's is
# traced everywhere (and that it then counts), options that exclude each
# other, and a piped REPL session whose failing entries fail it.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq timeout

# A private copy: probes attached to every process running it see only
# this test's processes.
cp "$BUILD/btcsim" "$TMP/node"

# -c 'sh -c ...', as functional tests start nodes: the node is a child of
# the -c process, and a usdt:PATH probe on it still counts every event.
"$BTCTRACE" -c "sh -c '$TMP/node coins --seed 6 --count 50 --truth $TMP/t1.json; true'" \
	-e "usdt:$TMP/node:utxocache:add { @n = count(); }" >"$TMP/o1" 2>"$TMP/e1"
expect_eq "-c sh -c: status" "$?" 0
expect_eq "-c sh -c: @n" "$(sed -n 's/^@n: //p' "$TMP/o1")" "$(truth "$TMP/t1.json" utxocache:add .fires)"
CHECKS=$((CHECKS + 1))
[ "$(truth "$TMP/t1.json" utxocache:add .fires)" -gt 0 ] || fail "-c sh -c: the node fired nothing"
sh=$(realpath "$(command -v sh)")
expect_eq "-c sh -c: the note" "$(cat "$TMP/e1")" \
	"btctrace: note: usdt:$TMP/node:utxocache:add traces every process running $TMP/node, not only the -c command (which runs $sh)"

# Said once per binary, however many blocks probe it.
"$BTCTRACE" -c "sh -c '$TMP/node coins --count 20; true'" \
	-e "usdt:$TMP/node:utxocache:add { @n = count(); } usdt:$TMP/node:utxocache:spent { @s = count(); }" \
	>/dev/null 2>"$TMP/e1two"
expect_eq "two blocks: one note" "$(grep -c 'traces every process' "$TMP/e1two")" 1

# -q: the same without the note.
"$BTCTRACE" -q -c "sh -c '$TMP/node coins --count 20; true'" \
	-e "usdt:$TMP/node:utxocache:add { @n = count(); }" >/dev/null 2>"$TMP/e1q"
expect_eq "-q: no note" "$(cat "$TMP/e1q")" ""

# A usdt:PATH probe on the -c command's own binary stays on that process.
"$BTCTRACE" -v -c "$TMP/node coins --count 20" -e "usdt:$TMP/node:utxocache:add { @n = count(); }" \
	>/dev/null 2>"$TMP/e1s"
grep -q "(pid [0-9]* only)$" "$TMP/e1s" || fail "own binary: not one process: $(cat "$TMP/e1s")"
CHECKS=$((CHECKS + 1))

# Options that exclude each other are errors, not silently dropped.
err_case() {	# WHAT EXPECTED-FIRST-LINE ARGS...
	local what=$1 want=$2
	shift 2
	set +e
	"$BTCTRACE" "$@" -e 'BEGIN { exit(); }' >/dev/null 2>"$TMP/err"
	expect_eq "$what: status" "$?" 1
	set -e
	expect_eq "$what: message" "$(head -1 "$TMP/err")" "$want"
}
err_case "-b with -p" "btctrace: error: -b and -p exclude each other" -b "$TMP/node" -p 1
err_case "-b with -c" "btctrace: error: -b and -c exclude each other" -c true -b "$TMP/node"
err_case "-p twice" "btctrace: error: -p given twice (1 and 2)" -p 1 -p 2
err_case "-c twice" "btctrace: error: -c given twice" -c true -c false
err_case "-b twice" "btctrace: error: -b given twice" -b "$TMP/node" -b "$TMP/node"

# -v: the target, each probe's catalog shape and locations, what is
# attached where, and what tracing waits for.
"$BTCTRACE" -v -c "$TMP/node coins --count 20" \
	-e 'utxocache:add { @n = count(); } mempool:replaced { @r = count(); }' >/dev/null 2>"$TMP/e3"
expect_eq "-v: status" "$?" 0
for want in \
	"btctrace: note: target: $TMP/node, the -c command's binary" \
	"btctrace: note: utxocache:add: v23+ shape, 1 location in $TMP/node" \
	"btctrace: note: mempool:replaced: v29+ shape, 1 location in $TMP/node" \
	"btctrace: note: started the -c command as pid [0-9]*, held until the probes are attached" \
	"btctrace: note: attaching utxocache:add at 1 location of $TMP/node (pid [0-9]* only)" \
	"btctrace: note: waiting for events until the -c command (pid [0-9]*) exits; Ctrl-C to stop"; do
	CHECKS=$((CHECKS + 1))
	grep -qx "$want" "$TMP/e3" || fail "-v: no line '$want' in: $(cat "$TMP/e3")"
done
set +e
timeout --preserve-status -s INT 1 "$BTCTRACE" -v -b "$TMP/node" -e 'utxocache:add { @n = count(); }' \
	>/dev/null 2>"$TMP/e4"
expect_eq "-v -b: status after Ctrl-C" "$?" 0
set -e
expect_eq "-v -b: the wait" "$(tail -1 "$TMP/e4")" \
	"btctrace: note: waiting for $TMP/node to start (no process runs it now); Ctrl-C to stop"
"$BTCTRACE" -v -q -c "$TMP/node coins --count 5" -e 'utxocache:add { @n = count(); }' \
	>/dev/null 2>"$TMP/e5"
expect_eq "-v -q: quiet wins" "$(cat "$TMP/e5")" ""

# The REPL over a pipe: help and a typo swallow nothing; the typo fails the
# session; quit ends it.
printf 'help\nhlep\nBEGIN { printf("ran\\n"); }\nquit\nBEGIN { printf("not reached\\n"); }\n' |
	"$BTCTRACE" -i -b "$TMP/node" >"$TMP/o6" 2>"$TMP/e6" && st=0 || st=$?
expect_eq "pipe: status" "$st" 1
grep -q "^  .help  .quit$" "$TMP/o6" || fail "pipe: help not shown: $(cat "$TMP/o6")"
grep -qx "ran" "$TMP/o6" || fail "pipe: the entry after the typo did not run: $(cat "$TMP/o6")"
grep -q "not reached" "$TMP/o6" && fail "pipe: quit did not end the session"
grep -qx "<2>:1:1: error: 'hlep' is not a probe, a map or a command" "$TMP/e6" ||
	fail "pipe: typo: $(cat "$TMP/e6")"
CHECKS=$((CHECKS + 4))
printf 'BEGIN { printf("ok\\n"); }\nexit()\n' | "$BTCTRACE" -i -b "$TMP/node" >/dev/null 2>&1 &&
	st=0 || st=$?
expect_eq "pipe without mistakes: status" "$st" 0
finish
