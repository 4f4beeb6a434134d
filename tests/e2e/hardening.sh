#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Nothing a script, a signal or a full disk does can crash btctrace, hurt
# the node's host, or lose a result unseen: write errors are exit 1, -o
# follows no symlink and is not inherited, the -c command ends with
# btctrace, the exit status survives signals, too many maps is an error;
# a target exiting during attach, corrupt notes and too many blocks are
# said as such.
source "$BTC_SRC/tests/e2e/lib.sh"
need timeout jq strace readelf
SIM=$BUILD/btcsim

# --- run as root from any directory: no library is looked up relative to it ---
# A RUNPATH with an empty or relative element makes the loader search the
# working directory for libc, so `sudo btctrace` in a directory someone else
# can write would run their code as root.
runpath=$(readelf -dW "$BTCTRACE" | sed -n 's/.*(R\(UN\)\?PATH).*\[\(.*\)\]$/\2/p')
relative=0
[ -z "$runpath" ] || relative=$(tr ':' '\n' <<<"$runpath" | grep -cv '^/' || :)
expect_eq "RUNPATH ($runpath): empty or relative elements" "$relative" 0
mkdir -p "$TMP/cwd"
# LeakSanitizer cannot run under ptrace: the sanitized build's leak check
# is left to every other test.
(cd "$TMP/cwd" && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -e trace=open,openat -o "$TMP/opens" "$BTCTRACE" --version >/dev/null)
expect_eq "no file opened by a relative path at start" \
	"$(grep -E 'open(at)?\((AT_FDCWD, )?"[^/]' "$TMP/opens" || :)" ""

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

# --- the -c command killed at once: its status, a message, never SIGPIPE ---
printf '#!/bin/sh\nkill -9 $$\n' >"$TMP/die.sh"
printf '#!/bin/sh\nexit 7\n' >"$TMP/seven.sh"
chmod +x "$TMP/die.sh" "$TMP/seven.sh"
for i in 1 2 3 4 5 6; do
	set +e
	timeout 30 "$BTCTRACE" -q -e 'BEGIN { @n = 1; }' -c "$TMP/die.sh" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	expect_eq "-c killed at once ($i): exit status" "$rc" 137
	expect_eq "-c killed at once ($i): message" "$(cat "$TMP/err")" \
		"btctrace: note: the traced command was killed by signal 9 (Killed)"
	expect_eq "-c killed at once ($i): results" "$(grep -c '^@n: 1$' "$TMP/out")" 1
done
# A -c command that exits at once, with its status.
for i in 1 2 3; do
	set +e
	timeout 30 "$BTCTRACE" -q -e 'BEGIN { @n = 1; }' -c "$TMP/seven.sh" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	expect_eq "-c exits 7 ($i): exit status" "$rc" 7
done
# Killed while held, before the probes are attached: the pipe write fails.
for i in 1 2 3; do
	set +e
	timeout 30 "$BTCTRACE" -q -e 'utxocache:add { @n = count(); }' \
		-c "$SIM coins --count 0" >"$TMP/out" 2>"$TMP/err" &
	to=$!
	bt=
	for _ in $(seq 1 200); do
		bt=$(pgrep -P "$to" || true)
		[ -n "$bt" ] && break
		sleep 0.005
	done
	# Only the held child, waiting on its pipe: under AddressSanitizer a
	# child of an exiting btctrace is LeakSanitizer's tracer, and killing
	# that left btctrace spinning until ctest's timeout.
	for _ in $(seq 1 200); do
		child=$(pgrep -P "$bt" | head -1 || true)
		[ -n "$child" ] && grep -q pipe "/proc/$child/wchan" 2>/dev/null && break
		child=
		sleep 0.005
	done
	[ -n "$child" ] && kill -9 "$child"
	wait "$to"
	rc=$?
	set -e
	CHECKS=$((CHECKS + 1))
	case $rc in
	0 | 137) ;;	# 0: btcsim ended before the kill
	*) fail "-c killed while held ($i): exit status $rc: $(cat "$TMP/err")" ;;
	esac
done

# --- btctrace SIGKILLed: the -c command does not run on untraced ---
"$BTCTRACE" -q -e 'utxocache:add { @n = count(); }' -c "$SIM coins --forever" \
	>"$TMP/out" 2>"$TMP/err" &
bt=$!
for _ in $(seq 1 500); do
	child=$(pgrep -P "$bt" || true)
	[ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$(realpath "$SIM")" ] && break
	sleep 0.01
done
kill -9 "$bt"
wait "$bt" 2>/dev/null || :
# SIGTERM comes when the kernel has released btctrace's files: detaching
# its uprobes waits for RCU, about a second on a busy host.
for _ in $(seq 1 300); do
	kill -0 "$child" 2>/dev/null || break
	sleep 0.01
done
CHECKS=$((CHECKS + 1))
if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
	fail "the -c command (pid $child) still runs 3 s after btctrace was killed"
	kill -9 "$child" || :
fi

# --- signals while the maps print: the documented status wins ---
# The maps fill more than a pipe holds, and the reader stalls, so that
# btctrace is printing when SIGTERM and SIGINT come.
mkfifo "$TMP/fifo"
timeout 60 "$BTCTRACE" -q -e 'utxocache:add { @n[args.value] = count(); }' \
	-c "$SIM coins --count 20000" >"$TMP/fifo" 2>"$TMP/err" &
bt=$!
exec 7<"$TMP/fifo"
sleep 0.3
for _ in $(seq 1 300); do
	[ "$(awk '{print $3}' "/proc/$bt/stat" 2>/dev/null)" = S ] && ! pgrep -P "$bt" >/dev/null && break
	sleep 0.02
done
kill -TERM "$bt" 2>/dev/null || :
kill -INT "$bt" 2>/dev/null || :
cat <&7 >"$TMP/out"
exec 7<&-
set +e
wait "$bt"
rc=$?
set -e
# The map (4096 entries) is full: 3, not 143 or 130.
expect_eq "signals while printing: exit status" "$rc" 3
expect_eq "signals while printing: every key printed" "$(count_lines '^@n\[' "$TMP/out")" 4096
expect_eq "signals while printing: the loss reported" \
	"$(grep -c 'map @n is full' "$TMP/err")" 1

# --- a full histogram map: the warning says what the limit is, and
# printed + reported dropped = updates ---
set +e
timeout 60 "$BTCTRACE" -q -f json --map-size 16 \
	-e 'utxocache:add { @h[args.height % 100] = hist(args.value); }' \
	-c "$SIM coins --count 3000 --truth $TMP/t19.json" >"$TMP/o19" 2>"$TMP/e19"
rc=$?
set -e
expect_eq "full hist: exit status" "$rc" 3
dropped=$(sed -n 's/^btctrace: warning: map @h is full (a histogram: 128 key-bucket pairs, 8 per --map-size entry): \([0-9]*\) updates were dropped$/\1/p' "$TMP/e19")
printed=$(jq -s '[.[] | select(.type == "hist") | .data["@h"] | to_entries[] | .value[] | .count] | add' "$TMP/o19")
expect_eq "full hist: printed + dropped = updates" "$((printed + ${dropped:-0}))" \
	"$(truth "$TMP/t19.json" utxocache:add .fires)"
CHECKS=$((CHECKS + 1))
[ "${dropped:-0}" -gt 0 ] || fail "full hist: no drop reported: $(cat "$TMP/e19")"
# --- row 15: messages that say what happened, not a guess ---
# The target exits while the probes attach: not "the binary is gone".
# Six blocks of 60 maps take seconds to load; -v tells when all six are
# resolved, and the target is killed then, before the link is made.
slow=$(for p in add spent uncache add spent uncache; do
	printf 'utxocache:%s { ' "$p"
	for i in $(seq 60); do printf '@m%s%d_%d[arg0, arg1] = hist(arg3); ' "$p" "$RANDOM" "$i"; done
	printf '}\n'
done)
"$SIM" coins --forever --delay-us 1000 >/dev/null &
sim=$!
wait_exec "$sim" "$SIM"
"$BTCTRACE" -v -e "$slow" -p "$sim" >/dev/null 2>"$TMP/e15" &
bt=$!
for _ in $(seq 1 600); do
	[ "$(count_lines 'shape, ' "$TMP/e15")" = 6 ] && break
	sleep 0.05
done
kill "$sim"
set +e
wait "$bt"
rc=$?
wait "$sim" 2>/dev/null
set -e
expect_eq "target exits during attach: exit status" "$rc" 1
expect_eq "target exits during attach: message" "$(grep -v '^btctrace: note:' "$TMP/e15")" \
"btctrace: error: process $sim exited while btctrace was attaching its probes
hint: nothing was traced; start btctrace again once the process runs, or use -c to start it under btctrace"

# A corrupt .note.stapsdt: not "has no USDT probes, built without USDT?".
cp "$SIM" "$TMP/corrupt"
read -r off < <(readelf -SW "$TMP/corrupt" | awk '$2 == ".note.stapsdt" { print $5 }')
# The first note's descriptor size, 0x7fffffff: past the section's end.
printf '\xff\xff\xff\x7f' | dd of="$TMP/corrupt" bs=1 seek=$((0x$off + 4)) conv=notrunc status=none
for args in "-l -b $TMP/corrupt" "-e usdt:$TMP/corrupt:utxocache:add{exit();} -c $TMP/corrupt"; do
	set +e
	"$BTCTRACE" $args >/dev/null 2>"$TMP/e15"
	rc=$?
	set -e
	expect_eq "corrupt notes ($args): exit status" "$rc" 1
	expect_eq "corrupt notes ($args): message" "$(cat "$TMP/e15")" \
"btctrace: error: $TMP/corrupt: malformed stapsdt note in .note.stapsdt
hint: the binary may be corrupt or truncated; rebuild it or check it with \`readelf -n\`"
done

# More blocks than open files: said before loading anything (33,000 took
# minutes of verifying, then "verifier rejected ... Too many open files").
for _ in $(seq 300); do echo 'utxocache:add { @a = count(); }'; done >"$TMP/many.btc"
set +e
(ulimit -n 256 && exec "$BTCTRACE" "$TMP/many.btc" -c "$SIM coins --count 10") >/dev/null 2>"$TMP/e15"
rc=$?
set -e
expect_eq "too many blocks: exit status" "$rc" 1
expect_eq "too many blocks: message" "$(head -1 "$TMP/e15")" \
	"$TMP/many.btc:192:1: error: too many blocks: from this one on, the programs and maps would need more than the 256 open files \`ulimit -n\` allows"

# More maps in one block than the kernel lets a program use: the script's
# limit, not "the verifier rejected ... this is a btctrace bug".
set +e
"$BTCTRACE" -e "utxocache:add { $(for i in $(seq 70); do printf '@m%d = count(); ' "$i"; done) }" \
	-c "$SIM coins --count 10" >/dev/null 2>"$TMP/e15"
rc=$?
set -e
expect_eq "70 maps in a block: exit status" "$rc" 1
expect_eq "70 maps in a block: message" "$(cat "$TMP/e15")" \
"btctrace: error: the block for utxocache:add uses more maps than the kernel lets one program use (64, two of them btctrace's own)
hint: keep related values in one map with a key, e.g. @v[\"name\"], or split the block"
finish
