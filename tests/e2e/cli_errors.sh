#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad input gets a clear error and a non-zero status, never a crash or
# silence: script errors with file:line:col and a caret, a probe missing
# from the binary, a binary without probes, a failing -c command, exit(code).
source "$BTC_SRC/tests/e2e/lib.sh"
need

# run_err NAME EXPECTED_STATUS EXPECTED_STDERR_FILE btctrace-args...
run_err() {
	local name=$1 want=$2 expected=$3
	shift 3
	set +e
	if [ "${!#}" = --as-nobody ]; then
		# The same command as an unprivileged user.
		setpriv --reuid 65534 --regid 65534 --clear-groups "$BTCTRACE" "${@:1:$#-1}" >"$TMP/out" 2>"$TMP/err"
	else
		"$BTCTRACE" "$@" >"$TMP/out" 2>"$TMP/err"
	fi
	local rc=$?
	set -e
	expect_eq "$name: exit status" "$rc" "$want"
	if [ -n "$expected" ]; then
		printf '%s' "$expected" >"$TMP/want"
		expect_file_eq "$name: message" "$TMP/err" "$TMP/want"
	fi
}

printf 'utxocache:add\n{\n\t@v = hist(comm);\n}\n' >"$TMP/bad.btc"
run_err "type error" 1 "$TMP/bad.btc:3:12: error: hist() needs an integer, this is string[16]
	@v = hist(comm);
	          ^~~~
hint: pass an integer expression such as arg3 or args.value
" "$TMP/bad.btc" -b "$BUILD/btcsim"

run_err "syntax error" 1 "-e:1:20: error: syntax error, unexpected ';', expecting ')'
BEGIN { @x = count(; }
                   ^
hint: a probe is \`context:event /predicate/ { statements; }\`, statements are separated by ';'
" -e 'BEGIN { @x = count(; }'

run_err "missing probe" 1 "" -e 'utxocache:added { @n = count(); }' -b "$BUILD/btcsim"
grep -q "^-e:1:1: error: probe utxocache:added is not in $BUILD/btcsim" "$TMP/err" || fail "missing probe message: $(cat "$TMP/err")"
# The closest names, not all 26 probes: the full list is -l's.
expect_eq "missing probe hint" "$(sed -n 's/^hint: //p' "$TMP/err")" \
	"did you mean utxocache:add? \`btctrace -l -b $BUILD/btcsim\` lists its probes"
run_err "probe typo, nothing close" 1 "" -e 'utxocache:zzzzzz { @n = count(); }' -b "$BUILD/btcsim"
expect_eq "no close probe: only the -l hint" "$(sed -n 's/^hint: //p' "$TMP/err")" \
	"\`btctrace -l -b $BUILD/btcsim\` lists its probes"

run_err "binary without probes" 1 "" -e 'utxocache:add { @n = count(); }' -b /bin/true
grep -q "has no USDT probes" "$TMP/err" || fail "no-probes hint: $(cat "$TMP/err")"
# A -c command run through a wrapper: the hint names the wrapped binary
# and the two ways to trace it.  A script among the arguments (ldd) is
# passed over without a message of its own.
run_err "wrapped command" 1 "" -e 'utxocache:add { @n = count(); }' \
	-c "env A=1 taskset -c 0 /usr/bin/ldd $BUILD/btcsim coins --count 5"
expect_eq "wrapped command: messages" "$(cat "$TMP/err")" "-e:1:1: error: probe utxocache:add is not in $(command -v env)
utxocache:add { @n = count(); }
^~~~~~~~~~~~~
hint: the -c command runs $(command -v env), and its arguments name $BUILD/btcsim, which has USDT probes: make that the command (-c '$BUILD/btcsim ...') to trace the process it starts, or name it in the probe (usdt:$BUILD/btcsim:utxocache:add) to trace every process running it"

run_err "command not found" 1 "btctrace: error: command not found: ./no-such-binary
hint: check the command's path, or that it is executable
" -e 'utxocache:add { @n = count(); }' -c ./no-such-binary

# A child that fails: its status is reported and becomes btctrace's.
run_err "failing child" 2 "" -e 'BEGIN { @x = 1; }' -c "$BUILD/btcsim no-such-scenario"
grep -q "the traced command exited with status 2" "$TMP/err" || fail "child status not reported: $(cat "$TMP/err")"

run_err "exit code" 7 "" -e 'BEGIN { @x = 1; exit(7); }'
expect_eq "exit() prints maps" "$(tail -1 "$TMP/out")" "@x: 1"

run_err "not root" 1 "btctrace: error: btctrace needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs
hint: run it as root, e.g. with sudo
" -e 'BEGIN { @n = count(); }' --as-nobody

# Reads of user memory that fail (here: integers used as pointers) are
# counted per probe, reported, shown as (unreadable), and the status is 3.
run_err "unreadable strings" 3 "" -e 'utxocache:add { @s[str(arg2)] = count(); @d = sum(*(uint8 *)arg1); }' \
	-c "$BUILD/btcsim coins --seed 2 --count 500 --truth $TMP/tu.json"
fires=$(truth "$TMP/tu.json" utxocache:add .fires)
expect_eq "unreadable key" "$(sed -n 's/^@s\[(unreadable)\]: //p' "$TMP/out")" "$fires"
grep -q "warning: $((2 * fires)) reads of user memory failed in utxocache:add" "$TMP/err" ||
	fail "failed reads not reported: $(cat "$TMP/err")"

# In a live session (the REPL) a map's kernel layout is fixed: a longer
# string key later is an error, never cut silently.
printf 'BEGIN { @m["ab"] = 1; }\nBEGIN { @m["abcdefgh"] = 2; }\n.quit\n' |
	"$BTCTRACE" -i -b "$BUILD/btcsim" >"$TMP/out" 2>"$TMP/err" && st=0 || st=$?
expect_eq "REPL key widening: a piped session with an error ends with 1" "$st" 1
grep -q "<2>:1:12: error: @m's key 1 holds strings of up to 3 bytes" "$TMP/err" ||
	fail "REPL key widening: $(cat "$TMP/err")"
expect_eq "REPL map kept" "$(tail -1 "$TMP/out")" "@m[ab]: 1"

# One block on probes whose arguments differ: fine until it reads one.
run_err "block on differing probes" 0 "" -e 'utxocache:add, mempool:added { @n = count(); }' \
	-c "$BUILD/btcsim all --count 3"
run_err "reading a differing argument" 1 "-e:1:42: error: arg1 is uint32 in utxocache:add but int32 in mempool:added
utxocache:add, mempool:added { @n = hist(arg1); }
                                         ^~~~
hint: give these probes blocks of their own
" -e 'utxocache:add, mempool:added { @n = hist(arg1); }' -b "$BUILD/btcsim"

run_err "no such pid" 1 "" -e 'utxocache:add { @n = count(); }' -p 999999
grep -q "no process with PID 999999" "$TMP/err" || fail "bad pid message: $(cat "$TMP/err")"
# A bpftrace feature btctrace lacks: the hint names a section of
# docs/compatibility.md that exists and lists every such name sema.c and
# attach.c know (a name added there without a word in the doc fails here).
run_err "bpftrace feature" 1 "" -e 'BEGIN { @s = kstack; }'
section=$(sed -n 's/^hint: see "\(.*\)" in docs\/compatibility.md$/\1/p' "$TMP/err")
[ -n "$section" ] || fail "unsupported hint: $(cat "$TMP/err")"
sed -n "/^## $section\$/,/^## /p" "$SRC/docs/compatibility.md" >"$TMP/section"
[ -s "$TMP/section" ] || fail "docs/compatibility.md has no section '$section'"
names=$( (sed -n '/bpftrace_only\[\] = {/,/NULL/p' "$SRC/lang/sema.c" | grep -o '"[a-z_0-9]*"'
	grep -oE '\{ "[a-z]+", "[a-z]+", false \}' "$SRC/lang/attach.c" | grep -oE '^\{ "[a-z]+"' |
		grep -o '"[a-z]*"') | tr -d '"')
[ "$(echo "$names" | wc -w)" -gt 30 ] || fail "names of unsupported features not found: $names"
for name in $names; do
	grep -q "\`$name\`" "$TMP/section" || fail "'$name' is missing from '$section'"
done

# A -c command whose exec fails: said by the started child, which has no
# heap (runtime/target.c), and its status is btctrace's.
printf '\177ELF, but not one\n' >"$TMP/notelf"
chmod +x "$TMP/notelf"
run_err "-c exec fails" 127 "btctrace: error: cannot run $TMP/notelf: Exec format error
btctrace: note: the traced command exited with status 127
" -q -c "$TMP/notelf" -e 'BEGIN { @b = 1; }'

# Options out of range name the accepted range; a kernel thread is named.
run_err "--map-size -1" 1 "btctrace: error: --map-size takes a number of entries from 1 to 16777216, not '-1'
" --map-size -1 -e 'BEGIN { exit(); }'
run_err "--map-size abc" 1 "btctrace: error: --map-size takes a number of entries from 1 to 16777216, not 'abc'
" --map-size abc -e 'BEGIN { exit(); }'
run_err "--ringbuf-size 4096" 1 "btctrace: error: --ringbuf-size takes a power of two from 1 to 1024 (MiB), not '4096'
" --ringbuf-size 4096 -e 'BEGIN { exit(); }'
run_err "-p kernel thread" 1 "btctrace: error: process 2 is a kernel thread ($(cat /proc/2/comm)): it has no executable and no USDT probes
hint: check the PID with \`pgrep bitcoind\`
" -p 2 -e 'BEGIN { exit(); }'
finish
