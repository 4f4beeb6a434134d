#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The code btctrace's common runs call is laid out first (scripts/hot-text.ld,
# docs/performance.md): the binary has that section ahead of .text, what a
# run calls lies in it, and the layout scripts/hot-text.sh writes today is
# the one committed, give or take a few sections.  When this fails after a
# change to LLVM or to much of the code, run scripts/hot-text.sh.
source "$BTC_SRC/tests/e2e/lib.sh"
need readelf perl
FIRST=$BUILD/tests/first_calls

# section NAME -> "ADDRESS SIZE" (hex)
section() {
	readelf -SW "$BTCTRACE" | sed -n 's/^ *\[ *[0-9]*\] //p' | awk -v n="$1" '$1 == n { print $3, $5 }'
}
read -r hot_addr hot_size <<<"$(section .text.hot)"
read -r text_addr _ <<<"$(section .text)"
expect_eq ".text.hot is in the binary" "${hot_addr:+yes}" yes
expect_eq ".text.hot holds over 1 MiB" "$(( 16#${hot_size:-0} > 1048576 ))" 1
expect_eq ".text.hot comes before .text" "$(( 16#${hot_addr:-0} < 16#${text_addr:-0} ))" 1

# --- what a run calls lies in it ---
"$FIRST" "$BTCTRACE" "$TMP/begin.calls" -- "$BTCTRACE" -e 'BEGIN { exit(); }' >/dev/null
lo=$((16#$hot_addr)) hi=$((16#$hot_addr + 16#$hot_size)) inside=0 total=0
while read -r a; do
	a=$((16#$a))
	total=$((total + 1))
	if [ "$a" -ge "$lo" ] && [ "$a" -lt "$hi" ]; then inside=$((inside + 1)); fi
done <"$TMP/begin.calls"
expect_eq "BEGIN: functions called (over 1,000)" "$(( total > 1000 ))" 1
expect_eq "BEGIN: $inside of $total called functions in .text.hot (95% or more)" \
	"$(( inside * 100 >= total * 95 ))" 1

# --- the generator writes today's layout, and it is the committed one ---
"$SRC/scripts/hot-text.sh" --build "$BUILD" -o "$TMP/hot.ld" >"$TMP/gen.out"
grep -E '^    \*' "$TMP/hot.ld" | sort -u >"$TMP/now"
grep -E '^    \*' "$SRC/scripts/hot-text.ld" | sort -u >"$TMP/committed"
now=$(wc -l <"$TMP/now")
missing=$(comm -23 "$TMP/now" "$TMP/committed" | wc -l)
expect_eq "generated sections (over 2,000)" "$(( now > 2000 ))" 1
expect_eq "$missing of $now generated sections not in scripts/hot-text.ld (5% or fewer)" \
	"$(( missing * 100 <= now * 5 ))" 1
expect_eq "the main program's code is among them" "$(grep -c '^    \*(\.text\.startup\.main)$' "$TMP/hot.ld")" 1
finish
