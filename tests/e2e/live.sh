#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --live as a person sees it: btctrace runs in a real terminal (a tmux
# pane of a known size) against btcsim, and the test reads the screen
# tmux shows: the header, maps sorted largest first with rates, rows cut
# to the window and redrawn when it grows, printf() lines under the maps,
# then, once the traced command ends, the normal exit maps with btcsim's
# truth.  Without a terminal the maps are printed every interval instead.
source "$(dirname "$0")/lib.sh"
need tmux jq

SOCK="btctrace-live-$$"
tm() { tmux -L "$SOCK" "$@"; }
stop_tmux() {
	tmux -L "btctrace-live-$$" kill-server 2>/dev/null || :
	tmux -L "btctrace-live2-$$" kill-server 2>/dev/null || :
}
trap 'stop_tmux; cleanup' EXIT

cat >"$TMP/live.btc" <<'BTC'
net:inbound_message { @msgs[args.msg_type] = count(); @bytes[args.msg_type] = sum(args.size); }
net:outbound_message { @out = count(); }
net:inbound_connection { printf("peer %d %s\n", args.peer_id, args.conn_type); }
BTC

# screen: what the pane shows now, one line per row.
screen() { tm capture-pane -p; }

# wait_screen ERE SECONDS: until the screen shows a line matching ERE.
wait_screen() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		screen | grep -Eq "$1" && return 0
		sleep 0.1
	done
	fail "the screen never showed /$1/; it shows:"
	screen >&2
	return 1
}

# 1. A 100x14 terminal: too small for every row.
tm new-session -d -s live -x 100 -y 14 \
	"cd '$BUILD' && ./btctrace --live=1 -c './btcsim p2p --count 25 --delay-us 20000 --truth $TMP/truth' $TMP/live.btc 2>$TMP/stderr; echo STATUS=\$?; sleep 600"
wait_screen '^@msgs  count, [0-9]+ entries' 10
wait_screen '/s$' 5	# a second frame: rates
screen >"$TMP/small"
CHECKS=$((CHECKS + 1))
grep -Eq '^up 0:00:0[0-9]  every 1s  lost 0 events, 0 map updates  .*/btcsim pid [0-9]+$' \
	"$TMP/small" || { fail "no header line"; cat "$TMP/small" >&2; }
CHECKS=$((CHECKS + 1))
grep -q 'rows not shown: [0-9]' "$TMP/small" || fail "a 14-row window shows every row"
CHECKS=$((CHECKS + 1))
[ "$(awk 'length > 100' "$TMP/small" | wc -l)" = 0 ] || fail "a line is wider than the window"
# Largest first: the values under @msgs never grow down the screen.
CHECKS=$((CHECKS + 1))
awk '/^@msgs/ { on = 1; next } /^[@-]/ { on = 0 } on && NF >= 3 { v = $(NF - 1); if (seen && v > last) bad = 1; last = v; seen = 1 }
	END { exit bad || !seen }' "$TMP/small" || { fail "@msgs is not sorted largest first"; cat "$TMP/small" >&2; }
CHECKS=$((CHECKS + 1))
grep -Eq '^  version +[0-9]+ +[0-9]+\.[0-9]/s$' "$TMP/small" || fail "no rate for @msgs[version]"

# 2. The window grows: the screen is redrawn to fill it, printf lines under the maps.
tm resize-window -t live -x 120 -y 60
wait_screen '^-- printf, last [0-9]+ lines? --$' 5
screen >"$TMP/big"
CHECKS=$((CHECKS + 1))
grep -Eq '^peer [0-9]+ (inbound)' "$TMP/big" || { fail "no printf line on the screen"; cat "$TMP/big" >&2; }
CHECKS=$((CHECKS + 1))
grep -Eq '^@out  count, 1 entry$' "$TMP/big" || fail "no @out on a 60-row screen"

# 3. The command ends: the screen is left, the exit maps print as usual.
wait_screen '^STATUS=' 60
screen >"$TMP/end"
expect_eq "status after --live" "$(grep -o 'STATUS=[0-9]*' "$TMP/end")" "STATUS=0"
expect_eq "@out at exit" "$(grep -Eo '^@out: [0-9]+' "$TMP/end")" \
	"@out: $(truth "$TMP/truth" net:outbound_message .fires)"
CHECKS=$((CHECKS + 1))
grep -q 'rows not shown' "$TMP/end" && fail "the live screen is still there after exit"
tm kill-server

# 4. (A new tmux server: the old one may still be going away.)  The mempool dashboard (examples/contrib/mempool_monitor.btc) as a
# person runs it: the events by kind with their rates, the log under them.
SOCK="btctrace-live2-$$"
tm new-session -d -s live -x 160 -y 40 \
	"cd '$BUILD' && ./btctrace --live=1 $SRC/examples/contrib/mempool_monitor.btc -c './btcsim mempool --forever --delay-us 2000'; sleep 600"
wait_screen '^  added +[0-9]+ +[0-9.]+/s$' 10
screen >"$TMP/mempool"
for kind in added removed replaced rejected; do
	CHECKS=$((CHECKS + 1))
	grep -Eq "^  $kind +[0-9]+ +[0-9.]+/s\$" "$TMP/mempool" || { fail "no @events[$kind] row with a rate"; cat "$TMP/mempool" >&2; }
done
CHECKS=$((CHECKS + 1))
grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2} (added|removed|replaced|rejected) [0-9a-f]{64}' "$TMP/mempool" ||
	fail "no mempool event under the counts"
tm kill-session -t live
# The peers dashboard (examples/contrib/p2p_monitor.btc): bytes by peer.
# It runs until q is pressed: tracing ends as with Ctrl-C (exit maps,
# status 0) and the terminal gets its line editing and echo back.
tm new-session -d -s live -x 160 -y 40 \
	"cd '$BUILD' && ./btctrace --live=1 $SRC/examples/contrib/p2p_monitor.btc -c './btcsim p2p --forever --delay-us 2000' 2>$TMP/q.err; echo STATUS=\$? >$TMP/q.status; stty -a >$TMP/q.stty; sleep 600"
wait_screen '^@inbound_bytes  sum, [0-9]+ entries' 10
wait_screen '^  [0-9]+, (inbound|outbound-full-relay), [^ ]+ +[0-9]+ +[0-9.]+/s$' 5
tm send-keys -t live q
for ((i = 0; i < 100; i++)); do [ -s "$TMP/q.stty" ] && break; sleep 0.1; done
expect_eq "status after q" "$(cat "$TMP/q.status" 2>/dev/null)" "STATUS=0"
CHECKS=$((CHECKS + 1))
wait_screen '^@outbound_msgs\[[0-9]+, ' 5 || cat "$TMP/q.err" >&2
CHECKS=$((CHECKS + 1))
grep -Eq '(^| )icanon( |$)' "$TMP/q.stty" && grep -Eq '(^| )echo( |$)' "$TMP/q.stty" ||
	fail "the terminal is left without icanon or echo: $(cat "$TMP/q.stty")"
tm kill-server

# 5. With -o FILE the screen shows maps only; printf lines go to the file.
tm new-session -d -s live2 -x 100 -y 30 \
	"cd '$BUILD' && ./btctrace --live=1 -o $TMP/o.txt -c './btcsim p2p --count 6 --delay-us 20000' $TMP/live.btc; echo STATUS=\$?; sleep 600"
wait_screen '^@msgs  count' 10
CHECKS=$((CHECKS + 1))
screen | grep -q '^-- printf' && fail "printf lines on the screen with -o FILE"
wait_screen '^STATUS=0' 60
CHECKS=$((CHECKS + 1))
grep -Eq '^peer [0-9]+ inbound$' "$TMP/o.txt" && grep -q '^@out: ' "$TMP/o.txt" ||
	fail "-o FILE lacks the printf lines or the exit maps: $(head -5 "$TMP/o.txt")"
tm kill-server

# 6. Not a terminal: the maps every second, each time after the time.
"$BTCTRACE" --live=1 -c "$BUILD/btcsim p2p --count 10 --delay-us 20000" "$TMP/live.btc" \
	>"$TMP/piped" 2>"$TMP/stderr" || fail "piped --live failed: $(cat "$TMP/stderr")"
CHECKS=$((CHECKS + 1))
[ "$(count_lines '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' "$TMP/piped")" -ge 2 ] ||
	fail "no periodic dump: $(head -20 "$TMP/piped")"
CHECKS=$((CHECKS + 1))
[ "$(count_lines '^@out: ' "$TMP/piped")" -ge 3 ] || fail "@out not printed every second and at exit"

# 7. Bad values are errors, and the REPL has no live view.
"$BTCTRACE" --live=0 -e 'BEGIN { exit(); }' 2>"$TMP/err" && fail "--live=0 accepted"
CHECKS=$((CHECKS + 1))
grep -q "error: --live takes whole seconds from 1 to 3600, not '0'" "$TMP/err" ||
	fail "--live=0: $(cat "$TMP/err")"
"$BTCTRACE" -i --live </dev/null 2>"$TMP/err" && fail "-i --live accepted"
CHECKS=$((CHECKS + 1))
grep -q "error: the REPL has no live view" "$TMP/err" || fail "-i --live: $(cat "$TMP/err")"

finish
