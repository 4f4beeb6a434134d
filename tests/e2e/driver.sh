#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The compile driver's order: a script that does not type-check starts no
# -c command (no process is created at all), and --emit-llvm stops after
# code generation (IR printed, nothing started, nothing attached).
source "$BTC_SRC/tests/e2e/lib.sh"
need strace jq

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

# A script is compiled as one LLVM module (codegen/compile.c): every block
# of it still gets its own program, in script order for one probe, and
# --timings accounts for each phase on one line of stderr.
"$BTCTRACE" --timings -c "$BUILD/btcsim coins --count 50 --truth $TMP/truth" -e '
utxocache:add { @order = @order * 10 + 1; @adds = count(); }
utxocache:add { @order = @order * 10 + 2; }
utxocache:spent { @spent = count(); }
END { printf("order %d\n", @order % 100); }' >"$TMP/out" 2>"$TMP/err" ||
	fail "a three-block script failed: $(cat "$TMP/err")"
grep -qx 'order 12' "$TMP/out" || fail "blocks of one probe out of script order: $(cat "$TMP/out")"
adds=$(jq -r '.probes["utxocache:add"].fires' "$TMP/truth")
[ "$adds" -gt 0 ] || fail "btcsim emitted no utxocache:add"
grep -qx "@adds: $adds" "$TMP/out" || fail "@adds is not btcsim's $adds: $(cat "$TMP/out")"
line=$(grep '^timings (ms):' "$TMP/err") || fail "--timings printed no line: $(cat "$TMP/err")"
for phase in setup parse catalog+notes sema 'target start' maps codegen verifier attach \
	'exit: print' 'exit: detach'; do
	echo "$line" | grep -qF " $phase " || fail "--timings lacks '$phase': $line"
done
[ "$(echo "$line" | grep -oE ' [0-9]+\.[0-9]{2}[,;]' | wc -l)" = 11 ] ||
	fail "--timings: not 11 figures: $line"
echo "$line" | grep -qE '; total [0-9]+\.[0-9]{2} since main\(\)$' || fail "--timings total: $line"
finish
