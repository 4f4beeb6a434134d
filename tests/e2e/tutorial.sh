#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/tutorial.md as a reader follows it: every `$ ` line of its console
# blocks runs (bash, from the source tree, the build first on PATH) and
# what it prints must be the transcript under it.  A `...` line of a
# transcript stands for any lines; btcsim's path prints as build/btcsim.
# Its other code blocks are only the two it says cannot run here.
source "$(dirname "$0")/lib.sh"
need python3

DOC=$SRC/docs/tutorial.md
export PATH=$BUILD:$PATH
cd "$SRC"

# Blocks: console ones into $TMP/block.N (commands "$ " and transcripts).
python3 - "$DOC" "$TMP" <<'PY'
import sys
doc, tmp = sys.argv[1], sys.argv[2]
n, block, kind, others = 0, None, None, []
for line in open(doc, encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("```") and block is None:
        kind, block = line[3:], []
    elif line.startswith("```"):
        if kind == "console":
            n += 1
            open(f"{tmp}/block.{n}", "w", encoding="utf-8").write("\n".join(block) + "\n")
        else:
            others.append(kind + ": " + (block[0] if block else ""))
        block = None
    elif block is not None:
        block.append(line)
open(f"{tmp}/others", "w", encoding="utf-8").write("\n".join(others) + "\n")
PY

# match EXPECTED GOT: the transcript, "..." lines matching any lines.
match() {
	python3 - "$1" "$2" <<'PY'
import re, sys
want = open(sys.argv[1], encoding="utf-8").read().splitlines()
got = open(sys.argv[2], encoding="utf-8").read().splitlines()
pattern = "".join("(?:.*\n)*?" if w == "..." else re.escape(w + "\n") for w in want)
sys.exit(0 if re.fullmatch(pattern, "".join(g + "\n" for g in got)) else 1)
PY
}

commands=0
for block in "$TMP"/block.*; do
	# Split the block into commands, each with its transcript.
	awk -v dir="$TMP" '/^\$ / { n++; f = dir "/cmd." n; print substr($0, 3) > f; close(f);
		w = dir "/want." n; printf "" > w; next } { print >> (dir "/want." n) }' "$block"
	for cmd in "$TMP"/cmd.*; do
		i=${cmd##*.}
		commands=$((commands + 1))
		bash -c "$(cat "$cmd")" 2>&1 | sed "s|$(realpath "$BUILD")/|build/|g" >"$TMP/got" || :
		CHECKS=$((CHECKS + 1))
		if ! match "$TMP/want.$i" "$TMP/got"; then
			fail "docs/tutorial.md: \`$(cat "$cmd")\` printed something else (--- the doc, +++ now):"
			diff -u "$TMP/want.$i" "$TMP/got" >&2 || :
		fi
	done
	rm -f "$TMP"/cmd.* "$TMP"/want.*
done
expect_eq "console commands in the tutorial" "$commands" 8
# What it shows but cannot run here: test_bitcoin (not built) and C++.
expect_eq "blocks not run" "$(cat "$TMP/others")" \
"text: btctrace -e 'utxocache:add { @added[args.is_coinbase] = count(); @btc = lhist(args.value / 100000000, 0, 50, 10); } utxocache:spent { @spent = count(); }' -c 'test_bitcoin --run_test=coins_tests_base/coins_cache_base_simulation_test'
text: TRACEPOINT_SEMAPHORE(test, six_args);"
finish
