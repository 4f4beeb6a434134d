#!/usr/bin/env bash
# Differential test: every script of tests/diff/ runs through bpftrace 0.17
# and through btctrace on the same deterministic btcsim run; their
# standard outputs (banner and map dump) must be identical byte for byte.
# The scripts keep to what 0.17 gets right (hist() below 2^31, min()
# below 2^32, no ties in count-sorted maps) - see docs/compatibility.md.
source "$BTC_SRC/tests/e2e/lib.sh"
need bpftrace

for bt in "$SRC"/tests/diff/*.bt; do
	name=$(basename "$bt" .bt)
	sed "s|@SIM@|$BUILD/btcsim|g" "$bt" >"$TMP/$name.bt"
	cmd="$BUILD/btcsim all --seed 21 --count 60"
	bpftrace "$TMP/$name.bt" -c "$cmd" >"$TMP/$name.bpftrace" 2>"$TMP/$name.bpftrace.err"
	rc=$?
	expect_eq "$name: bpftrace exit status" "$rc" 0
	grep -q '^Attaching' "$TMP/$name.bpftrace" || { fail "$name: bpftrace did not run:"; cat "$TMP/$name.bpftrace.err" >&2; }
	"$BTCTRACE" "$TMP/$name.bt" -c "$cmd" >"$TMP/$name.btctrace"
	expect_eq "$name: btctrace exit status" "$?" 0
	expect_file_eq "$name" "$TMP/$name.btctrace" "$TMP/$name.bpftrace"
done
finish
