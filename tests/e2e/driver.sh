#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The compile driver's order: a script that does not type-check starts no
# -c command (no process is created at all), and --emit-llvm stops after
# code generation (IR printed, nothing started, nothing attached).
source "$BTC_SRC/tests/e2e/lib.sh"
need strace

# forks ARGS...: runs btctrace under strace and prints how many processes it created.
forks() {
	# A sanitized build (docs/testing.md): LeakSanitizer's check at exit
	# clones a tracer thread and cannot run under ptrace; leaks are
	# checked by every other test.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -qq -e trace=fork,vfork,clone,clone3 -e signal=none -o "$TMP/strace" \
		"$BTCTRACE" "$@" >"$TMP/out" 2>"$TMP/err" || true
	grep -cE '(fork|clone3?)\(' "$TMP/strace" || true
}

n=$(forks -e 'utxocache:add { @v = hist(comm); }' -c "$BUILD/btcsim coins --count 10")
expect_eq "a type error under -c: processes started" "$n" 0
grep -q "hist() needs an integer" "$TMP/err" || fail "type error message: $(cat "$TMP/err")"

# The same with a good script does start the command: the check above can fail.
n=$(forks -q -e 'utxocache:add { @n = count(); }' -c "$BUILD/btcsim coins --count 10")
[ "$n" -ge 1 ] || fail "a good script under -c started no process"

# --emit-llvm: IR for each attach point, nothing started.
n=$(forks --emit-llvm -e 'utxocache:add { @n = count(); } END { print(@n); }' \
	-c "$BUILD/btcsim coins --count 10")
expect_eq "--emit-llvm: processes started" "$n" 0
expect_eq "--emit-llvm: blocks" "$(grep -cE '^; (utxocache:add|END): [0-9]+ BPF instructions$' "$TMP/out")" 2
grep -q '^define .*@' "$TMP/out" || fail "--emit-llvm printed no function: $(head -3 "$TMP/out")"
grep -q 'Attaching' "$TMP/out" && fail "--emit-llvm attached probes"
finish
