#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing a script, a signal or a full disk does can crash btctrace, hurt
# the node's host, or lose a result unseen: write errors are exit 1, -o
# follows no symlink and is not inherited, the -c command ends with
# btctrace, the exit status survives signals, too many maps is an error.
source "$BTC_SRC/tests/e2e/lib.sh"
need timeout setsid
SIM=$BUILD/btcsim

# --- too many maps: a message at the 512th map, no read past the array ---
prog="BEGIN { $(for i in $(seq 1 600); do printf '@m%d = %d; ' "$i" "$i"; done) exit(); }"
set +e
timeout 60 "$BTCTRACE" -e "$prog" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
expect_eq "600 maps: exit status" "$rc" 1
expect_eq "600 maps: message" "$(head -1 "$TMP/err" | sed 's/^-e:1:[0-9]*: //')" \
	"error: too many maps: @m512 is map 512, and a session holds at most 511"
col=$(head -1 "$TMP/err" | cut -d: -f3)
expect_eq "600 maps: the location is @m512's" "${prog:$((col - 1)):6}" "@m512 "

# --- results to a full disk: exit 1 and a message, never 0 ---
for args in "-o /dev/full" ""; do
	set +e
	if [ -n "$args" ]; then
		timeout 30 "$BTCTRACE" $args -e 'BEGIN { @x = 1; printf("hi\n"); exit(); }' 2>"$TMP/err"
	else
		timeout 30 "$BTCTRACE" -e 'BEGIN { @x = 1; printf("hi\n"); exit(); }' >/dev/full 2>"$TMP/err"
	fi
	rc=$?
	set -e
	where=${args#-o }
	expect_eq "results to /dev/full (${args:-stdout}): exit status" "$rc" 1
	expect_eq "results to /dev/full (${args:-stdout}): message" \
		"$(grep -c "^btctrace: error: cannot write results to ${where:-standard output}: No space left on device$" "$TMP/err")" 1
done

# --- -o a symlink: refused, its target untouched ---
echo precious >"$TMP/target"
ln -s "$TMP/target" "$TMP/link"
set +e
timeout 30 "$BTCTRACE" -o "$TMP/link" -e 'BEGIN { @x = 1; exit(); }' 2>"$TMP/err"
rc=$?
set -e
expect_eq "-o symlink: exit status" "$rc" 1
expect_eq "-o symlink: target untouched" "$(cat "$TMP/target")" precious
expect_eq "-o symlink: message" "$(head -1 "$TMP/err")" \
	"btctrace: error: cannot write $TMP/link: it is a symbolic link, which -o does not follow"
# ...and a regular -o file is not open in the -c command.
timeout 30 "$BTCTRACE" -q -o "$TMP/res" -e 'BEGIN { @x = 1; }' \
	-c "/bin/sh -c 'ls -l /proc/\$\$/fd >$TMP/childfds'" 2>"$TMP/err" || :
expect_eq "-o file: not inherited by the -c command" "$(grep -c "$TMP/res" "$TMP/childfds")" 0
expect_eq "-o file: results written" "$(grep -c '^@x: 1$' "$TMP/res")" 1

finish
