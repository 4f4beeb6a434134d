#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/interface/*.btc: the checks of Bitcoin Core's interface_usdt_*
# functional tests, each script run against the btcsim scenario its
# "// run:" line names, with the event counts its "// args:" line names
# (from btcsim's truth of the same seeded run) as $1..$N.  Each must end
# with exit(0) and say how many checks passed; and with one count wrong,
# it must fail with the number of a failed check as its exit status.
source "$(dirname "$0")/lib.sh"
need jq

total=0
for script in "$SRC"/tests/interface/*.btc; do
	name=$(basename "$script" .btc)
	run=$(sed -n 's|^// run: ||p' "$script")
	probes=$(sed -n 's|^// args: ||p' "$script")
	[ -n "$run" ] && [ -n "$probes" ] || { fail "$name: no '// run:' or '// args:' line"; continue; }
	# shellcheck disable=SC2086 # the scenario's words
	"$BUILD/btcsim" $run --truth "$TMP/$name.truth" >/dev/null
	args=()
	for p in $probes; do
		args+=("$(truth "$TMP/$name.truth" "$p" .reached)")
	done
	status=0
	"$BTCTRACE" -q "$script" -c "$BUILD/btcsim $run" "${args[@]}" >"$TMP/$name.out" \
		2>"$TMP/$name.err" || status=$?
	expect_eq "$name: exit status (stderr: $(head -c 300 "$TMP/$name.err"))" "$status" 0
	passed=$(sed -n "s/^$name: \([0-9]*\) checks passed$/\1/p" "$TMP/$name.out")
	CHECKS=$((CHECKS + 1))
	[ -n "$passed" ] || { fail "$name: no 'checks passed' line"; cat "$TMP/$name.out" >&2; continue; }
	total=$((total + passed))
	# One expected count off by one: a check fails, and says which.
	wrong=("${args[@]}")
	wrong[0]=$((wrong[0] + 1))
	status=0
	"$BTCTRACE" -q "$script" -c "$BUILD/btcsim $run" "${wrong[@]}" >"$TMP/$name.bad" 2>&1 ||
		status=$?
	CHECKS=$((CHECKS + 1))
	if [ "$status" = 0 ] || ! grep -q "^@fail\[$status\]: " "$TMP/$name.bad"; then
		fail "$name: a wrong count gave status $status"
		cat "$TMP/$name.bad" >&2
	fi
done
echo "$total upstream checks made"
expect_eq "checks made by tests/interface" "$total" 85
finish
