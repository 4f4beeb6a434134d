#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/run.sh, as docs/performance.md shows it, runs to its end against
# the suite's build: --help, then one repetition of the --quick set, whose
# table must hold every measurement with a figure for both tools and a
# verdict on each target.  Whether a target is met is the bench's to say
# on an idle machine, not this test's: a timed test is a flaky one.
source "$BTC_SRC/tests/e2e/lib.sh"
need bpftrace gcc jq readelf

"$SRC/bench/run.sh" --help >"$TMP/help" || fail "bench/run.sh --help failed"
grep -q -- '--quick' "$TMP/help" || fail "bench/run.sh --help: $(cat "$TMP/help")"

stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)
"$SRC/bench/run.sh" --quick --reps 1 --build "$BUILD" >"$TMP/out" 2>"$TMP/err" ||
	fail "bench/run.sh --quick --reps 1 failed: $(tail -20 "$TMP/err")"
sed -n '/^measure /,/^floors: /p' "$TMP/out" >"$TMP/table"
# The 17 targets of issue 15, each with its verdict.
expect_eq "rows with a target" "$(grep -cE ' (yes|NO)$' "$TMP/table")" 17
for row in 'one-liner, -p: start -> attached' 'BEGIN { exit(); }: whole run' \
	'peak RSS, one-liner (-p)' '20 probes, -p: start -> attached' \
	'50 probe blocks: start -> attached' \
	'overhead per event, count()' 'overhead per event, hist(arg3)' \
	'overhead per event, printf of two values' 'printf flood: events not printed' \
	'reader: lines per CPU second' 'kernel: count() program, per run' \
	'kernel: hist(arg3) minus count()'; do
	# Both tools' figures: two numbers with units after the name.
	CHECKS=$((CHECKS + 1))
	grep -F "$row" "$TMP/table" | grep -qE '[0-9.]+ (ms|MB|ns|%) +-?[0-9.]+ (ms|MB|ns|%)|[0-9]+ +[0-9]+ +[0-9.]+' ||
		fail "row '$row' lacks a figure: $(grep -F "$row" "$TMP/table")"
done
# bpftrace 0.17 misses a SIGINT now and then, and a run where it did is
# left out of its median: with one repetition its figure may be "nan".
CHECKS=$((CHECKS + 1))
grep -F '20 probes attached: SIGINT -> exit' "$TMP/table" | grep -qE '(nan|[0-9.]+) ms +[0-9.]+ ms' ||
	fail "no SIGINT -> exit figure for btctrace: $(grep -F 'SIGINT -> exit' "$TMP/table")"
CHECKS=$((CHECKS + 1))
grep -qE '^floors: one uprobe by a small C program \(bench/floor.c\): attach [0-9.]+ ms' "$TMP/table" ||
	fail "no floors line: $(tail -3 "$TMP/table")"
# The kernel's accounting is switched back off (it was, before the bench).
expect_eq "kernel.bpf_stats_enabled after the bench" "$(cat /proc/sys/kernel/bpf_stats_enabled)" "$stats_before"
# The flood's events are all accounted for: printed, or reported lost.
CHECKS=$((CHECKS + 1))
grep -qE '^printf flood: btctrace printed all but [0-9.]+ % of [0-9]+ events and reported [0-9]+ lost' "$TMP/out" ||
	fail "no flood summary: $(grep -i flood "$TMP/out")"
finish
