#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole test suite: sets up and builds (scripts/setup.sh), then runs
# every unit, end-to-end and differential test through ctest; then builds
# build-asan/ with ASan + UBSan + LeakSanitizer and runs the suite again
# on it (docs/testing.md); then runs each fuzz harness for 20 seconds
# (scripts/fuzz.sh).  All must pass.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# bpftrace reads tracefs for its uprobe bookkeeping; mount it if absent.
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "test: tracefs not mounted; bpftrace will print harmless detach errors"
fi
(cd build && ctest --output-on-failure --timeout 300 "$@")

# The sanitized run.  Not in it: llvm19_build and package, which build
# btctrace again their own way (unsanitized); diff_bpftrace, which takes
# over 3 minutes under ASan (bpftrace runs each script too); and
# every_probe_truth and named_args_truth, which trace the same event path
# as stress and task3_truth, probe by probe, for a minute and more; and
# bench, which runs bench/run.sh once: timings under ASan mean nothing.  They
# would push CI past 20 minutes; every other test runs the sanitized
# btctrace.
cmake -S . -B build-asan -DBTCTRACE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build-asan -j"$(nproc)"
# Every report goes to a file of $reports as well as failing its process
# (exit status 99): a test that expects a failing status or ignores one
# still cannot hide a report.
reports=$(mktemp -d /tmp/btctrace-sanitizers.XXXXXX)
status=0
(cd build-asan &&
	ASAN_OPTIONS=detect_leaks=1:exitcode=99:log_path=$reports/asan \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$reports/ubsan \
	ctest --output-on-failure --timeout 300 -E '^e2e_(llvm19_build|package|diff_bpftrace|every_probe_truth|named_args_truth|bench|hot_text)$' "$@") ||
	status=$?
if [ -n "$(ls -A "$reports")" ]; then
	echo "test: sanitizer reports:" >&2
	cat "$reports"/* >&2
	status=1
fi
rm -rf "$reports"

# The fuzzing smoke run: each harness from its seed corpus, 20 s.
scripts/fuzz.sh 20 || status=1
exit "$status"
