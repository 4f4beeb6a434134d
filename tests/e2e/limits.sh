#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# No script can make btctrace use unbounded time or memory, crash it, or
# load wrong code: each limit of docs/language.md ("Limits") is refused at
# its location, fast, with bounded memory.  `timeout` makes a regression
# fail instead of hanging; ulimit -v bounds what a regression may take.
source "$BTC_SRC/tests/e2e/lib.sh"
need

# The memory bound, in KiB.  AddressSanitizer reserves terabytes of
# address space for its shadow memory, so the sanitized run (which sets
# ASAN_OPTIONS, scripts/test.sh) cannot cap it; the normal run does.
VMEM=1048576
[ -z "${ASAN_OPTIONS:-}" ] || VMEM=unlimited

# rejected NAME EXPECTED_FIRST_LINE SCRIPT...: refused within 5 s and 1 GB.
rejected() {
	local name=$1 want=$2 rc=0
	shift 2
	(ulimit -v $VMEM; timeout 5 "$BTCTRACE" "$@") >"$TMP/out" 2>"$TMP/err" || rc=$?
	expect_eq "$name: status" "$rc" 1
	expect_eq "$name: message" "$(head -1 "$TMP/err")" "$want"
}

# Row: 100^3 unrolled copies took 11 GB and minutes; sema counts them.
rejected "nested unrolls" \
	'-e:1:9: error: this unroll makes the block more than 4000 operations long once repeated' \
	-e 'BEGIN { unroll(100) { unroll(100) { unroll(100) { @x = @x + 1; } } } exit(); }'

# Row: unroll(100){unroll(15){...}} made LLVM 14 wrap jumps past 32,767
# instructions and the verifier's refusal read as a btctrace bug.  Sema's
# count (calls and string bytes weighed) keeps every block it accepts
# under that reach; the check of every jump after emission (codegen/
# compile.c) is the safety net no script is known to reach.
rejected "jumps past 32,767 instructions" \
	'-e:1:9: error: this unroll makes the block more than 4000 operations long once repeated' \
	-e 'BEGIN { unroll(100) { unroll(15) { @x = @x + 1; } } exit(); }'
# A large block of hist() that sema accepts loads and runs.
rc=0
timeout 60 "$BTCTRACE" -q -e 'BEGIN { unroll(100) { unroll(2) { @h = hist(5); } } exit(); }' \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "200 hist() updates: status" "$rc" 0
grep -q '^\[4, 8) *200 ' "$TMP/out" || fail "200 hist() updates: $(cat "$TMP/out" "$TMP/err")"

# Strings weigh their bytes in sema's count: 400 printfs of three comm
# (~180 instructions each) are refused before any code is made.
rejected "unrolled string printfs" \
	'-e:1:9: error: this unroll makes the block more than 4000 operations long once repeated' \
	-e 'BEGIN { unroll(100) { unroll(4) { printf("%s %s %s\n", comm, comm, comm); } } exit(); }'

# 50,000 terms: a diagnostic at the 101st level, not a stack overflow.
{ printf 'BEGIN { @x = 1'; for _ in $(seq 50000); do printf ' + 1'; done; printf '; exit(); }\n'; } \
	>"$TMP/deep.btc"
rejected "50,000 terms" "$TMP/deep.btc:1:416: error: nested more than 100 levels deep" "$TMP/deep.btc"

# Strings live in scratch space, not on the 512-byte BPF stack: what
# LLVM refused with no location (a 600-byte literal, two 300-byte
# strings in one printf) runs.  Past the scratch space, the statement is
# named, with what to do.
rc=0
(ulimit -v $VMEM; timeout 5 "$BTCTRACE" -q -e "BEGIN { @s = \"$(printf 'a%.0s' $(seq 600))\"; exit(); }") \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "600-byte string: status" "$rc" 0
expect_eq "600-byte string: value" "$(grep -c '^@s: a\{600\}$' "$TMP/out")" 1
rc=0
(ulimit -v $VMEM; BPFTRACE_STRLEN=300 timeout 5 "$BTCTRACE" -q \
	-e 'BEGIN { printf("%s %s\n", str(0), str(0)); exit(); }') >"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "BPFTRACE_STRLEN=300: output" "$(head -1 "$TMP/out")" "(unreadable) (unreadable)"
rc=0
(ulimit -v $VMEM; BPFTRACE_STRLEN=5000 timeout 5 "$BTCTRACE" \
	-e 'BEGIN { printf("%s %s %s %s %s %s %s\n", str(0), str(0), str(0), str(0), str(0), str(0), str(0)); exit(); }') \
	>"$TMP/out" 2>"$TMP/err" || rc=$?
expect_eq "strings past the scratch space: status" "$rc" 1
expect_eq "strings past the scratch space: message" "$(head -1 "$TMP/err")" \
	"-e:1:9: error: this statement takes the block's scratch space for strings and buffers to 35064 bytes; a block has 32768"

# What still takes the stack (integers): past 512 bytes, the block is
# named, not LLVM's internal error.
vars=$(for i in $(seq 0 60); do printf '$v%d = %d; ' "$i" "$i"; done)
sum=$(for i in $(seq 1 60); do printf ' + $v%d' "$i"; done)
rejected "61 integer variables" \
	"-e:1:1: error: this block needs more than the 512 bytes of stack the kernel gives a BPF program" \
	-e "BEGIN { $vars printf(\"%d\\n\", \$v0$sum); exit(); }"

# A 1 MiB literal took 90 s and 1.7 GB; now refused at once.
{ printf 'BEGIN { printf("'; head -c 1048576 /dev/zero | tr '\0' a; printf '"); exit(); }\n'; } \
	>"$TMP/big.btc"
start=$(date +%s%N)
rejected "1 MiB literal" "$TMP/big.btc:1:16: error: string literal longer than 1024 bytes" "$TMP/big.btc"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 1000 ] || fail "1 MiB literal took $ms ms"

# Row: text after a NUL byte in a script file was ignored.
printf 'BEGIN { @x = 1; exit(); }\0 BEGIN { @y = 2; }\n' >"$TMP/nul.btc"
rejected "NUL byte in a file" "$TMP/nul.btc:1:26: error: NUL byte in the script" "$TMP/nul.btc"

# Found by fuzz_frontend: leading zeros in a precision overran the buffer
# the conversion is copied to (ASan: stack-buffer-overflow); its input is
# in tests/fuzz/frontend/crash-leading-zeros-precision.
rejected "precision of many zeros" "-e:1:17: error: printf width or precision over 1024" \
	-e 'BEGIN { printf("%.0000000000000000000000000000000000001d|\n", 5); exit(); }'

# str()'s size: a size out of range says so, and what the range is
# (it said "must be a constant" of the constant 8000).
expect_script_error "str() of 8000 bytes" 'BEGIN { printf("%s\n", str(0, 8000)); }' 1:31 \
	"str()'s size is 8000, out of range"
expect_script_error "str() of a variable size" 'BEGIN { $n = 8; printf("%s\n", str(0, $n)); }' 1:39 \
	"str()'s size must be a constant"

finish
