#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Strings and payloads past the 512 bytes of BPF stack, read back exactly
# as btcsim passed them: a printf of eight str(arg, 200), message payloads
# whole up to 4 KiB (version messages and larger), buf() of 4 KiB.
source "$BTC_SRC/tests/e2e/lib.sh"
need perl

SIM=$BUILD/btcsim
P="usdt:$SIM:net:inbound_message"

# Eight 200-byte strings in one printf: 1.6 KiB of arguments.
"$BTCTRACE" -q -e "$P { printf(\"%s|%s|%s|%s|%s|%s|%s|%s\\n\", str(arg1, 200), str(arg2, 200),
	str(arg1, 200), str(arg2, 200), str(arg1, 200), str(arg2, 200), str(arg1, 200), str(arg2, 200)); }" \
	-c "$SIM p2p --seed 3 --count 5 --log $TMP/log" >"$TMP/out" 2>"$TMP/err" || fail "eight strings: $(cat "$TMP/err")"
grep '^net:inbound_message ' "$TMP/log" | perl -ne 'm/ addr="([^"]*)" conn_type="([^"]*)"/ or die;
	print join("|", ($1, $2) x 4), "\n";' >"$TMP/expected"
sed '/^$/,$d' "$TMP/out" >"$TMP/printed"
expect_file_eq "printf of eight str(arg, 200)" "$TMP/printed" "$TMP/expected"
expect_eq "manual hostnames past 64 characters" \
	"$(awk -F'|' 'length($1) > 64' "$TMP/printed" | grep -c -v onion)" \
	"$(grep '^net:inbound_message ' "$TMP/log" | grep -o ' addr="[^"]*"' | awk 'length($0) > 72' | grep -c -v onion)"

# Payloads whole, as btcsim logs them (hex of the first 4096 bytes, "..."
# past them); the run has some over 64 bytes and some over 4 KiB.
"$BTCTRACE" -q -e "$P { printf(\"%d %s\\n\", args.size, args.msg); }" \
	-c "$SIM p2p --seed 3 --count 5 --log $TMP/log" >"$TMP/out" 2>"$TMP/err" || fail "payloads: $(cat "$TMP/err")"
grep '^net:inbound_message ' "$TMP/log" | perl -ne 'm/ size=(\d+) msg=([0-9a-f.]*)/ or die; print "$1 $2\n"' \
	>"$TMP/expected"
sed '/^$/,$d' "$TMP/out" >"$TMP/printed"
expect_file_eq "payloads up to 4 KiB" "$TMP/printed" "$TMP/expected"
over64=$(awk '$1 > 64 && $1 <= 4096' "$TMP/printed" | wc -l)
over4k=$(grep -c '\.\.\.$' "$TMP/printed" || :)
[ "$over64" -gt 0 ] && [ "$over4k" -gt 0 ] ||
	fail "the run needs payloads over 64 bytes ($over64) and over 4 KiB ($over4k)"
expect_eq "a version message (102 bytes) whole" \
	"$(grep -m1 '^102 ' "$TMP/printed" | awk '{ print length($2) }')" 204

# buf() of up to 4 KiB (BPFTRACE_STRLEN), escaped as bpftrace escapes it.
BPFTRACE_STRLEN=4096 "$BTCTRACE" -q -e "$P { printf(\"%d %r\\n\", arg4, buf(arg5, arg4)); }" \
	-c "$SIM p2p --seed 3 --count 5 --log $TMP/log" >"$TMP/out" 2>"$TMP/err" || fail "buf: $(cat "$TMP/err")"
grep '^net:inbound_message ' "$TMP/log" | perl -ne 'm/ size=(\d+) msg=([0-9a-f]*)/ or die;
	my ($n, $hex) = ($1, $2); my $s = pack("H*", $hex);
	$s =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord($1))/ge; print "$n $s\n";' >"$TMP/expected"
sed '/^$/,$d' "$TMP/out" >"$TMP/printed"
expect_file_eq "buf(arg5, arg4) of 4 KiB" "$TMP/printed" "$TMP/expected"
finish
