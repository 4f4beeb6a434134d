#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the libFuzzer harnesses in build-fuzz/ (clang, ASan, UBSan) and
# runs each for SECONDS (default 20: CI's smoke run) from its seed corpus
# in tests/fuzz/.  New inputs go to build-fuzz/corpus/, never to the
# tree.  Fails on any crash, leak, sanitizer report, timeout or memory
# blow-up; the last lines of each run are libFuzzer's final figures
# (docs/testing.md).  Needs build/btcsim (scripts/setup.sh).
#   scripts/fuzz.sh [SECONDS [HARNESS...]]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(frontend usdt_notes usdt_args)
[ -x build/btcsim ] || { echo "fuzz: build/btcsim missing: run scripts/setup.sh" >&2; exit 1; }

CC=clang-14 cmake -S . -B build-fuzz -DBTCTRACE_FUZZ=ON -DBTCTRACE_BUILD_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ_BTCSIM="$PWD/build/btcsim" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"

status=0
for h in "${harnesses[@]}"; do
	corpus=build-fuzz/corpus/$h
	mkdir -p "$corpus" build-fuzz/artifacts
	echo "fuzz: $h for ${seconds}s"
	# -timeout: one input over 30 s is a hang (ASan under a loaded machine
	# can stall one for seconds); -rss_limit_mb: a blow-up.
	# The seeds are read, never written (the first corpus directory is).
	build-fuzz/tests/fuzz/fuzz_"$h" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$h"- \
		"$corpus" tests/fuzz/"$h" >build-fuzz/"$h".log 2>&1 || {
		status=1
		echo "fuzz: $h FAILED; reproducer in build-fuzz/artifacts/, log:" >&2
		tail -n 60 build-fuzz/"$h".log >&2
	}
	grep -E '^(stat::|Done )' build-fuzz/"$h".log || true
done
exit "$status"
