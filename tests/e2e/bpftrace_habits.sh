#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What users bring from bpftrace runs unchanged: a `#!` first line,
# parameters left out (0, "" in str(), a warning), literals of 2^63 and
# above, `i:` and `U:`, `-d`, BPFTRACE_MAP_KEYS_MAX and
# BPFTRACE_PERF_RB_PAGES.
source "$BTC_SRC/tests/e2e/lib.sh"
need

# A script written to run as a command, given one of its three parameters.
printf '%s\n' '#!/usr/bin/env bpftrace' '/* started as ./script.bt 5 */' \
	'BEGIN { printf("%d %d [%s]\n", $1, $2, str($3)); @a[18446744073709551615] = 1; exit(); }' \
	>"$TMP/script.bt"
"$BTCTRACE" -q "$TMP/script.bt" 5 >"$TMP/out" 2>"$TMP/err" || fail "#! script: status $?"
expect_eq "#! script: output" "$(grep -v '^$' "$TMP/out")" $'5 0 []\n@a[18446744073709551615]: 1'
expect_eq "missing parameters: one warning each" "$(grep -c 'warning: positional parameter' "$TMP/err")" 2
expect_eq "missing parameter: where" "$(head -1 "$TMP/err")" \
	"$TMP/script.bt:3:36: warning: positional parameter \$2 was not given (1 given): it is 0, \"\" in str()"

# A '#!' anywhere else is an error at its line.
printf 'BEGIN { exit(); }\n#!/usr/bin/env bpftrace\n' >"$TMP/late.bt"
set +e
"$BTCTRACE" "$TMP/late.bt" >/dev/null 2>"$TMP/err"
expect_eq "late #!: status" "$?" 1
set -e
expect_eq "late #!: message" "$(head -1 "$TMP/err")" "$TMP/late.bt:2:1: error: '#!' is only allowed on the first line"

# bpftrace's short probe types.
"$BTCTRACE" -q -e 'i:ms:20 { @ticks = count(); exit(); }' >"$TMP/out" || fail "i: status $?"
expect_eq "i:ms:20" "$(grep -v '^$' "$TMP/out")" "@ticks: 1"
"$BTCTRACE" -q -e "U:$BUILD/btcsim:utxocache:add { @adds = count(); }" \
	-c "$BUILD/btcsim coins --seed 1 --count 30" >"$TMP/out" || fail "U: status $?"
grep -qE '^@adds: [0-9]+$' "$TMP/out" || fail "U: probe: $(cat "$TMP/out")"

# -d: the IR, with a note, nothing attached.
"$BTCTRACE" -d -e 'BEGIN { @x = 1; }' >"$TMP/out" 2>"$TMP/err" || fail "-d: status $?"
grep -q "^; ModuleID = 'BEGIN'" "$TMP/out" || fail "-d prints no IR: $(head -3 "$TMP/out")"
grep -q -- "note: -d is bpftrace's debug output" "$TMP/err" || fail "-d: no note: $(cat "$TMP/err")"

# BPFTRACE_MAP_KEYS_MAX is --map-size; --map-size wins.
prog='BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; exit(); }'
set +e
BPFTRACE_MAP_KEYS_MAX=2 "$BTCTRACE" -q -e "$prog" >"$TMP/out" 2>"$TMP/err"
expect_eq "BPFTRACE_MAP_KEYS_MAX=2: status (an update lost)" "$?" 3
set -e
expect_eq "BPFTRACE_MAP_KEYS_MAX=2: entries" "$(grep -c '^@m' "$TMP/out")" 2
BPFTRACE_MAP_KEYS_MAX=2 "$BTCTRACE" -q --map-size 3 -e "$prog" >"$TMP/out" || fail "--map-size 3: status $?"
expect_eq "--map-size wins" "$(grep -c '^@m' "$TMP/out")" 3
set +e
BPFTRACE_MAP_KEYS_MAX=lots "$BTCTRACE" -q -e "$prog" >/dev/null 2>"$TMP/err"
expect_eq "BPFTRACE_MAP_KEYS_MAX=lots: status" "$?" 1
set -e
expect_eq "BPFTRACE_MAP_KEYS_MAX=lots: message" "$(head -1 "$TMP/err")" \
	"btctrace: error: BPFTRACE_MAP_KEYS_MAX must be a number of entries from 1 to 16777216, not 'lots'"
BPFTRACE_PERF_RB_PAGES=64 "$BTCTRACE" -q -e "$prog" >/dev/null 2>"$TMP/err" || fail "PERF_RB_PAGES: status $?"
expect_eq "BPFTRACE_PERF_RB_PAGES: warning" "$(head -1 "$TMP/err")" \
	"btctrace: warning: BPFTRACE_PERF_RB_PAGES is not used: btctrace has one ring buffer for all CPUs, not perf buffers"

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
