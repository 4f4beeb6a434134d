#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The whole test suite: sets up and builds (scripts/setup.sh), then runs
# every unit, end-to-end and differential test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# bpftrace reads tracefs for its uprobe bookkeeping; mount it if absent.
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "test: tracefs not mounted; bpftrace will print harmless detach errors"
fi
cd build
ctest --output-on-failure --timeout 300 "$@"
