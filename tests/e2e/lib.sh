# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers of the end-to-end tests (sourced).  Every test traces a
# real btcsim process with real BPF programs; nothing is mocked.
set -euo pipefail

BUILD=${BTC_BUILD:?run through ctest (BTC_BUILD unset)}
SRC=${BTC_SRC:?run through ctest (BTC_SRC unset)}
BTCTRACE=$BUILD/btctrace
TMP=$(mktemp -d /tmp/btctrace-e2e.XXXXXX)
# Background simulators and tracers must not outlive a failing test: they
# would hold ctest's output open until its timeout.  The test's own status
# is kept: a job that already ended is no failure of the cleanup.
cleanup() {
	local status=$?
	for job in $(jobs -p); do
		kill "$job" 2>/dev/null || :
	done
	rm -rf "$TMP"
	exit "$status"
}
trap cleanup EXIT
FAILS=0
CHECKS=0

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

need() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
	done
	[ "$(id -u)" = 0 ] || { echo "FAIL: the end-to-end tests load BPF programs and need root" >&2; exit 1; }
}

# expect_eq WHAT GOT EXPECTED
expect_eq() {
	CHECKS=$((CHECKS + 1))
	if [ "$2" != "$3" ]; then
		fail "$1: got '$2', expected '$3'"
	fi
}

# expect_file_eq WHAT GOT_FILE EXPECTED_FILE
expect_file_eq() {
	CHECKS=$((CHECKS + 1))
	if ! diff -u "$3" "$2" >"$TMP/diff" 2>&1; then
		fail "$1 differs (--- expected, +++ got):"
		cat "$TMP/diff" >&2
	fi
}

# truth FILE PROBE FIELD  -> .fires or .args[i].sum etc. (strings)
truth() {
	jq -r --arg p "$2" ".probes[\$p]$3" "$1"
}

# A histogram from btcsim's truth, printed as bpftrace prints hist():
# truth_hist FILE PROBE ARGINDEX NAME
truth_hist() {
	jq -r --arg p "$2" --argjson i "$3" '.probes[$p].args[] | select(.index == $i) | .hist | map(tonumber) | @tsv' "$1" |
		awk -v name="$4" -f "$SRC/tests/e2e/hist.awk"
}

# The map dump: everything after the banner line (the "\n\n" and maps).
map_dump() {
	sed -n '/^Attaching [0-9]* probes\?\.\.\.$/,$p' "$1" | tail -n +2
}

# count_lines ERE [FILE]: matching lines, 0 included (grep -c fails on 0).
count_lines() {
	awk -v re="$1" '$0 ~ re { n++ } END { print n + 0 }' "${2:--}"
}

# run NAME SCRIPT [ARGS...]: SCRIPT (text) run from a file, stdout in
# $TMP/out, stderr in $TMP/err; the status must be 0.
run() {
	local name=$1 prog=$2 rc=0
	shift 2
	printf '%s\n' "$prog" >"$TMP/prog.btc"
	timeout 120 "$BTCTRACE" "$TMP/prog.btc" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	expect_eq "$name: exit status ($(head -c 1500 "$TMP/err"))" "$rc" 0
}

# expect_error NAME EXPECTED_STDERR ARGS...: btctrace ARGS fails with
# status 1 and prints exactly EXPECTED_STDERR.
expect_error() {
	local name=$1 expected=$2 st
	shift 2
	"$BTCTRACE" "$@" >"$TMP/out" 2>"$TMP/err" && st=0 || st=$?
	expect_eq "$name: exit status" "$st" 1
	printf '%s' "$expected" >"$TMP/want"
	expect_file_eq "$name: message" "$TMP/err" "$TMP/want"
}

# expect_script_error NAME PROGRAM LINE:COL MESSAGE: PROGRAM, as a file,
# fails with status 1, its first line "FILE:LINE:COL: error: MESSAGE",
# a caret under the place and a hint, never an internal or verifier error.
expect_script_error() {
	local rc=0
	printf '%s\n' "$2" >"$TMP/e.btc"
	"$BTCTRACE" "$TMP/e.btc" >/dev/null 2>"$TMP/err" || rc=$?
	expect_eq "$1: exit status" "$rc" 1
	expect_eq "$1: message" "$(head -1 "$TMP/err")" "$TMP/e.btc:$3: error: $4"
	CHECKS=$((CHECKS + 1))
	sed -n 3p "$TMP/err" | grep -q '\^' || fail "$1: no caret: $(cat "$TMP/err")"
	CHECKS=$((CHECKS + 1))
	grep -q '^hint: ' "$TMP/err" || fail "$1: no hint: $(cat "$TMP/err")"
	grep -qiE 'internal error|verifier' "$TMP/err" && fail "$1: $(cat "$TMP/err")"
	return 0
}


# wait_exec PID BINARY: a process started with & is a shell until it has
# exec'd; -p PID or discovery before that would find the shell.
wait_exec() {
	local target
	target=$(realpath "$2")
	for _ in $(seq 1 500); do
		[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$target" ] && return 0
		sleep 0.01
	done
	fail "process $1 never became $2"
	return 1
}

finish() {
	echo "$CHECKS checks, $FAILS failed"
	[ "$FAILS" = 0 ]
}

# A TCP port free on the loopback address now (the metrics tests).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for WHAT CMD...: up to 30 s until CMD succeeds, else a failure.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 1 300); do
		"$@" && return 0
		sleep 0.1
	done
	fail "timed out waiting for $what"
	return 1
}
