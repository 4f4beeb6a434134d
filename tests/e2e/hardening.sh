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

finish
