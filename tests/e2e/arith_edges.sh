#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Arithmetic at its edges has one defined result, computed in the kernel:
# x / 0 and x % 0 are 1, a shift by 64 or more bits moves every bit out
# (0, or the sign for >> of a signed value); a literal divisor 0 or shift
# count outside 0..63 is a compile-time error at its location
# (docs/language.md).
source "$BTC_SRC/tests/e2e/lib.sh"
need

"$BTCTRACE" -q -e 'BEGIN { $d = 0; $s = 64; $big = 200;
	@div = 7 / $d; @mod = 5 % $d; @shl = 1 << $s; @shr = 255 >> $big;
	@sar = -8 >> $s; @ok = 100 / 7; @okmod = 100 % 7; @okshift = 1 << 63; exit(); }' >"$TMP/out"
expect_file_eq "run-time edges" "$TMP/out" <(printf '\n\n@div: 1\n@mod: 1\n@ok: 14\n@okmod: 2\n@okshift: -9223372036854775808\n@sar: -1\n@shl: 0\n@shr: 0\n')

rc=0
"$BTCTRACE" -e 'BEGIN { @x = 1 / 0; exit(); }' 2>"$TMP/err" || rc=$?
expect_eq "literal divisor 0: status" "$rc" 1
expect_file_eq "literal divisor 0: message" "$TMP/err" <(printf '%s\n' \
	'-e:1:18: error: division by zero' 'BEGIN { @x = 1 / 0; exit(); }' '                 ^' \
	'hint: x / 0 and x % 0 are 1 when the divisor is only known at run time')
rc=0
"$BTCTRACE" -e 'BEGIN { @x = 1 << 64; exit(); }' 2>"$TMP/err" || rc=$?
expect_eq "literal shift 64: status" "$rc" 1
grep -q '^-e:1:19: error: a shift by 64 bits$' "$TMP/err" || fail "shift message: $(cat "$TMP/err")"

# printf's integers: plain conversions are formatted by hand (lang/format.c),
# those with a width by the C library; both must give the same digits for
# every length modifier at the edges of its type.
"$BTCTRACE" -q -e 'BEGIN { unroll(8) {
	$v = @i == 0 ? 0 : @i == 1 ? -1 : @i == 2 ? 2147483648 : @i == 3 ? -9223372036854775807 - 1 :
	     @i == 4 ? 9223372036854775807 : @i == 5 ? 70000 : @i == 6 ? 300 : -129;
	printf("%d %1d|%u %1u|%ld %1ld|%lu %1lu|%hd %1hd|%hu %1hu|%hhd %1hhd|%hhu %1hhu|%i %1i\n",
		$v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v, $v);
	@i = @i + 1; } exit(); }' | grep '|' >"$TMP/out"
expect_eq "printf integer lines" "$(grep -c . "$TMP/out")" 8
awk -F'|' '{ for (i = 1; i <= NF; i++) { split($i, p, " "); if (p[1] != p[2]) { print "field " i ": " $0; exit 1 } } }' \
	"$TMP/out" || fail "plain and width-1 conversions differ: $(cat "$TMP/out")"
grep -qx -- '0 0|0 0|-9223372036854775808 -9223372036854775808|9223372036854775808 9223372036854775808|0 0|0 0|0 0|0 0|0 0' "$TMP/out" ||
	fail "INT64_MIN through every modifier: $(sed -n 4p "$TMP/out")"
finish
