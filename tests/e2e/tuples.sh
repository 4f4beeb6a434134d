#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Tuples (docs/language.md, "Tuples"): each misuse is an error at its place
# (file:line:col, the line, a caret, a hint), and what the differential
# test cannot compare with bpftrace 0.17 runs as documented: a variable
# given a longer string later keeps its other elements (0.17 prints 0
# there), tuples chosen by ?: (0.17 refuses them), an element of a map's
# tuple read back.
source "$BTC_SRC/tests/e2e/lib.sh"
need

# check_err NAME PROGRAM EXPECTED_STDERR: PROGRAM (one line) in t.btc.
check_err() {
	printf '%s\n' "$2" >"$TMP/t.btc"
	set +e
	"$BTCTRACE" "$TMP/t.btc" -b "$BUILD/btcsim" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	set -e
	expect_eq "$1: exit status" "$rc" 1
	printf '%s' "$3" | sed "s|^t.btc:|$TMP/t.btc:|" >"$TMP/want"
	expect_file_eq "$1: message" "$TMP/err" "$TMP/want"
}

check_err "index out of range" 'BEGIN { $t = (1, "a"); print($t.5); }' \
't.btc:1:32: error: element .5 is out of range: the tuple has 2 elements
BEGIN { $t = (1, "a"); print($t.5); }
                               ^~
hint: elements are numbered from .0
'
check_err "not a tuple" 'BEGIN { $x = 1; print($x.0); }' \
't.btc:1:25: error: int64 has no element .0
BEGIN { $x = 1; print($x.0); }
                        ^~
hint: only tuples have numbered elements: $t = (a, b); $t.0
'
check_err "variable type mismatch" 'BEGIN { $t = (1, "a"); $t = ("b", 2); }' \
't.btc:1:29: error: $t holds (int64, string[2]), this is (string[2], int64)
BEGIN { $t = (1, "a"); $t = ("b", 2); }
                            ^
hint: use another variable
'
check_err "tuple then integer" 'BEGIN { $t = (1, 2); $t = 3; }' \
't.btc:1:27: error: $t holds (int64, int64), this is int64
BEGIN { $t = (1, 2); $t = 3; }
                          ^
hint: use another variable
'
check_err "map: another sign" 'BEGIN { @m = (1, "a"); @m = ((uint64)2, "a"); }' \
't.btc:1:29: error: @m holds (int64, string[2]), this is (uint64, string[2])
BEGIN { @m = (1, "a"); @m = ((uint64)2, "a"); }
                            ^
hint: @m was first assigned at line 1; use another map name
'
check_err "tuple as a key" 'BEGIN { @m[(1, 2)] = 3; }' \
't.btc:1:12: error: a tuple cannot be a map key
BEGIN { @m[(1, 2)] = 3; }
           ^
hint: give its elements as keys: @m[a, b]
'
check_err "element assigned" 'BEGIN { $t = (1, 2); $t.0 = 5; }' \
't.btc:1:24: error: an element of a tuple cannot be assigned
BEGIN { $t = (1, 2); $t.0 = 5; }
                       ^~
hint: assign a new tuple: $t = (x, $t.1)
'
check_err "17 elements" 'BEGIN { print((1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17)); }' \
't.btc:1:55: error: a tuple holds at most 16 elements
BEGIN { print((1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17)); }
                                                      ^~
hint: keep the rest in another tuple or variable
'
check_err "too large" 'net:inbound_message { print((args.msg, args.msg, args.msg, args.msg, args.msg)); }' \
't.btc:1:29: error: this tuple takes 20520 bytes; a tuple takes at most 16384, half of the 32 KiB per-CPU scratch space it is built in
net:inbound_message { print((args.msg, args.msg, args.msg, args.msg, args.msg)); }
                            ^
hint: keep large payloads out of tuples: print or store them on their own
'
check_err "a timestamp" 'BEGIN { $t = (1, strftime("%H", nsecs)); }' \
't.btc:1:18: error: a tuple cannot hold a value of type timestamp
BEGIN { $t = (1, strftime("%H", nsecs)); }
                 ^~~~~~~~
hint: strftime() is printed where it is called
'
check_err "printf of a tuple" 'BEGIN { printf("%s\n", (1, 2)); }' \
't.btc:1:17: error: %s needs a string or a hash, the argument is (int64, int64)
BEGIN { printf("%s\n", (1, 2)); }
                ^~
hint: conversions are %d %i %u %x %X %o %c %s %p %r with flags -0+ #, a width, a precision and l, ll, h or hh; write %% for a percent sign
t.btc:1:24: note: this is the argument
BEGIN { printf("%s\n", (1, 2)); }
                       ^
'

# check_run NAME PROGRAM EXPECTED_STDOUT: a BEGIN program run to its exit().
check_run() {
	printf '%s\n' "$2" >"$TMP/t.btc"
	local rc=0
	"$BTCTRACE" "$TMP/t.btc" >"$TMP/out" 2>"$TMP/err" || rc=$?
	expect_eq "$1: exit status" "$rc" 0
	[ "$rc" = 0 ] || cat "$TMP/err" >&2
	printf '%s' "$3" >"$TMP/want"
	expect_file_eq "$1: output" "$TMP/out" "$TMP/want"
}

check_run "a longer string later" \
	'BEGIN { $t = (1, "two", 3); print($t); $t = (4, "a string of thirty-one bytes....", 5); print($t); exit(); }' \
'Attaching 1 probe...
(1, two, 3)
(4, a string of thirty-one bytes...., 5)


'
check_run "tuples by ?:" \
	'BEGIN { $a = nsecs > 0 ? (1, "yes") : (0, "a longer no"); print($a); @m = nsecs == 0 ? (2, "x") : (3, "y"); exit(); }' \
'Attaching 1 probe...
(1, yes)


@m: (3, y)
'
check_run "a map'\''s element" \
	'BEGIN { @t[1] = (5, (6, "six")); @x = @t[1].1.0 + @t[1].0; printf("%s\n", @t[1].1.1); exit(); }' \
'Attaching 1 probe...
six


@t[1]: (5, (6, six))
@x: 11
'
# Every command docs/language.md's "Tuples" shows ("$ btctrace ...") prints
# what the page shows after it, run from a directory holding btcsim.
mkdir "$TMP/work"
ln -s "$BUILD/btcsim" "$TMP/work/btcsim"
sed -n '/^## Tuples$/,/^## /p' "$SRC/docs/language.md" |
	awk -v dir="$TMP/doc" '
	/^```/ { inblock = !inblock; next }
	inblock && /^\$ / { n++; print substr($0, 3) >(dir ".cmd" n); printf "" >(dir ".want" n); next }
	inblock && n { print >>(dir ".want" n) }
	END { print n + 0 >(dir ".n") }'
ndoc=$(cat "$TMP/doc.n")
[ "$ndoc" -ge 3 ] || fail "docs/language.md, Tuples: $ndoc commands found"
for i in $(seq "$ndoc"); do
	(cd "$TMP/work" && PATH="$BUILD:$PATH" bash -c "$(cat "$TMP/doc.cmd$i")") >"$TMP/doc.got$i" 2>&1 ||
		fail "doc command $i failed: $(cat "$TMP/doc.cmd$i")"
	expect_file_eq "doc command $i: $(cat "$TMP/doc.cmd$i")" "$TMP/doc.got$i" "$TMP/doc.want$i"
done
finish
