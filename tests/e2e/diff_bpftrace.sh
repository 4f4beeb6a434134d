#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Differential test: every script of tests/diff/ runs through bpftrace 0.17
# and through btctrace on the same deterministic btcsim run, in text and in
# JSON mode (-f json); their standard outputs (banner, printf lines, print()
# output and the map dump) must be identical byte for byte.
#
# The scripts keep to what 0.17 gets right (hist() below 2^31, min() below
# 2^32, no ties in value-sorted maps, strings shorter than str()'s buffer) -
# see docs/compatibility.md, "The differential test".  Only these documented
# differences are normalised, in bpftrace's output only:
#   - JSON: 0.17's empty lines (btctrace writes strict NDJSON);
#   - `// normalise: percent` scripts: 0.17 prints a `%%` that follows the
#     last conversion of a format (or a format without conversions)
#     literally, btctrace prints `%`.
# A run in which bpftrace reports lost events fails: the outputs could not
# be compared.
#
# Header lines of a script (anywhere, usually at the top):
#   // sim: SCENARIO [OPTIONS]  btcsim's command line (default: all --seed 21 --count 60)
#   // params: A B ...          positional parameters ($1 $2 ...) for both tools
#   // normalise: percent       see above
# @SIM@ in a script is replaced by the path of btcsim.
#
# Both tools run pinned to one CPU (taskset), with btcsim inheriting it: 0.17
# reads one perf buffer per CPU, so events of a process that migrates could
# be printed out of order; and bpftrace's `@n = @n + 1` on a plain map (one
# hash map for every CPU) cannot race.
#
# DIFF_ONLY=name[,name...] runs only those scripts; DIFF_KEEP=DIR keeps
# the outputs of both tools there.
#
# ctest sets BTC_SRC and BTC_BUILD; run by hand (docs/compatibility.md,
# "The differential test") they default to this source tree and its build/.
BTC_SRC=${BTC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BTC_BUILD=${BTC_BUILD:-$BTC_SRC/build}
export BTC_SRC BTC_BUILD
source "$BTC_SRC/tests/e2e/lib.sh"
need bpftrace jq awk taskset

# The ties guard: value-sorted maps (count/sum/min/max/plain values by
# value, avg/stats by average, hist/lhist keys by total count) whose
# entries have equal sort values print in an unspecified order in bpftrace
# (hash order), so a script producing them cannot be compared.  Prints
# the first tie found, nothing if there is none.
find_tie() {
	awk '
	function flush_hist() {
		if (hkey != "") {
			if (hname == lastname && htotal == lastval) { print "hist " hname ": equal totals " htotal; done = 1; exit }
			lastname = hname; lastval = htotal
		}
		hkey = ""
	}
	/^@[A-Za-z0-9_]*\[.*\]: $/ {
		flush_hist()
		name = $0; sub(/\[.*/, "", name)
		if (name != hname) { lastname = ""; lastval = "" }
		hname = name; hkey = $0; htotal = 0; next
	}
	hkey != "" && /^[[(].* \|/ {
		n = $0; sub(/^[^ ]*( [^ ]*)? +/, "", n); sub(/ .*/, "", n); htotal += n; next
	}
	hkey != "" && /^$/ { next }
	{ flush_hist() }
	/^@[A-Za-z0-9_]*\[.*\]: -?[0-9]+$/ {
		name = $0; sub(/\[.*/, "", name)
		val = $0; sub(/.*\]: /, "", val)
		if (name == lastname && val == lastval) { print name ": equal values " val; done = 1; exit }
		lastname = name; lastval = val; next
	}
	/^@[A-Za-z0-9_]*\[.*\]: count -?[0-9]+, average -?[0-9]+, total -?[0-9]+$/ {
		name = $0; sub(/\[.*/, "", name)
		val = $0; sub(/.*average /, "", val); sub(/,.*/, "", val)
		if (name == lastname && val == lastval) { print name ": equal averages " val; done = 1; exit }
		lastname = name; lastval = val; next
	}
	{ lastname = ""; lastval = "" }
	END { if (!done) flush_hist() }
	' "$1"
}

scripts=0
for bt in "$SRC"/tests/diff/*.bt; do
	name=$(basename "$bt" .bt)
	if [ -n "${DIFF_ONLY:-}" ] && [[ ",$DIFF_ONLY," != *",$name,"* ]]; then
		continue
	fi
	scripts=$((scripts + 1))
	sed "s|@SIM@|$BUILD/btcsim|g" "$bt" >"$TMP/$name.bt"
	sim=$(sed -n 's|^// sim: ||p' "$bt" | head -1)
	read -r -a params <<<"$(sed -n 's|^// params: ||p' "$bt" | head -1)"
	normalise=$(sed -n 's|^// normalise: ||p' "$bt" | head -1)
	cmd="$BUILD/btcsim ${sim:-all --seed 21 --count 60}"
	for fmt in text json; do
		out=$TMP/$name.$fmt
		rc=0
		taskset -c 0 bpftrace -f "$fmt" "$TMP/$name.bt" "${params[@]}" -c "$cmd" \
			>"$out.bpftrace" 2>"$out.bpftrace.err" || rc=$?
		expect_eq "$name ($fmt): bpftrace exit status" "$rc" 0
		if ! grep -q '^Attaching\|"attached_probes"' "$out.bpftrace"; then
			fail "$name ($fmt): bpftrace did not run:"
			cat "$out.bpftrace.err" >&2
			continue
		fi
		if grep -q '^Lost [0-9]* events$\|"lost_events"' "$out.bpftrace"; then
			fail "$name ($fmt): bpftrace lost events; make the run smaller"
		fi
		rc=0
		taskset -c 0 "$BTCTRACE" -f "$fmt" "$TMP/$name.bt" "${params[@]}" -c "$cmd" \
			>"$out.btctrace" 2>"$out.btctrace.err" || rc=$?
		expect_eq "$name ($fmt): btctrace exit status" "$rc" 0
		[ "$rc" = 0 ] || cat "$out.btctrace.err" >&2
		if [ "$fmt" = json ]; then
			sed -i '/^$/d' "$out.bpftrace"
			# Strict NDJSON: as many JSON values as lines, each on one line.
			objs=$(jq -c . <"$out.btctrace" 2>/dev/null | wc -l) || objs=invalid
			expect_eq "$name (json): btctrace lines that are JSON objects" "$objs" "$(wc -l <"$out.btctrace")"
			# The one intentional difference in the schema
			# (docs/compatibility.md): the first object names btctrace's
			# version after "data".  Checked, then dropped for the diff.
			head -1 "$out.btctrace" | grep -qE '^\{"type": "attached_probes", "data": \{"probes": [0-9]+\}, "btctrace_version": "[0-9]+\.[0-9]+\.[0-9]+"\}$' ||
				fail "$name (json): first object without btctrace_version: $(head -1 "$out.btctrace")"
			sed -i '1s/, "btctrace_version": "[^"]*"}$/}/' "$out.btctrace"
		fi
		case "$normalise" in
		percent) sed -i 's/%%/%/g' "$out.bpftrace" ;;
		"") ;;
		*) fail "$name: unknown normalisation '$normalise'" ;;
		esac
		if [ "$fmt" = text ]; then
			tie=$(find_tie "$out.bpftrace")
			[ -z "$tie" ] || fail "$name: ties in a value-sorted map ($tie): bpftrace's order is unspecified, change the script"
		fi
		expect_file_eq "$name ($fmt)" "$out.btctrace" "$out.bpftrace"
	done
done
if [ -n "${DIFF_KEEP:-}" ]; then
	mkdir -p "$DIFF_KEEP" && cp "$TMP"/*.text.* "$TMP"/*.json.* "$DIFF_KEEP"/
fi
expect_eq "scripts run" "$([ "$scripts" -gt 0 ] && echo yes)" yes
finish
