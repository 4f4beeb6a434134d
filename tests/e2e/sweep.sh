#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every builtin of the table and every statement kind, with long strings,
# many string arguments, big payloads and nesting, in every probe kind:
# each program either runs or is refused at its location, saying which
# limit it meets.  None may reach an internal error, crash or hang.
source "$BTC_SRC/tests/e2e/lib.sh"
need timeout

SIM=$BUILD/btcsim
P="usdt:$SIM:net:inbound_message"
L='str(arg1, 200)'	# a long string (addresses), read from the target
L2='str(arg3, 200)'
LIT=\"$(printf 'x%.0s' $(seq 900))\"	# a long literal

# One program per snippet, for each builtin of the table: a builtin added
# to builtins/table.c without a snippet here fails the sweep.
declare -A SNIP=(
	[pid]="@a[$L, $L2] = sum(pid); printf(\"%d %s %s\\n\", pid, $L, $L2);"
	[tid]="if (tid > 0) { if (tid > 1) { printf(\"%d %s %s %s\\n\", tid, $L, $L, $L); } }"
	[nsecs]="\$t = nsecs; \$s = $L; printf(\"%d %s %s\\n\", \$t, \$s, \$s);"
	[elapsed]="@e[$L] = max(elapsed);"
	[cpu]="@c[cpu, $L] = count();"
	[comm]="@m[comm, $L, $L2] = count(); printf(\"%s %s\\n\", comm, $L);"
	[uid]="@u[$L] = min(uid);"
	[gid]="@g[$L2, $L] = avg(gid);"
	[username]="printf(\"%s %s %s\\n\", username, $L, $L2);"
	[numaid]="@n[$L] = stats(numaid);"
	[rand]="\$r = rand; unroll(3) { printf(\"%d %s\\n\", \$r, $L); }"
	[count]="@k[$L, $L2] = count(); @k3[$L, $L2, $L] = count();"
	[sum]="@s[$L] = sum(arg4);"
	[min]="@mi[$L] = min(arg4);"
	[max]="@ma[$L] = max(arg4);"
	[avg]="@av[$L] = avg(arg4);"
	[stats]="@st[$L] = stats(arg4);"
	[hist]="@h[$L] = hist(arg4);"
	[lhist]="@l[$L] = lhist(arg4, 0, 1000, 100);"
	[printf]="printf(\"%s %s %s %s %s %s %s %s\\n\", $L, $L2, $L, $L2, $L, $L2, $L, $L2);"
	[print]="print($L); print(args.msg); print($LIT); @p[$L] = count(); print(@p);"
	[clear]="@q[$L] = count(); clear(@q);"
	[zero]="@z[$L] = count(); zero(@z);"
	[delete]="@d[$L, $L2] = count(); delete(@d[$L, $L2]); @d1[$L] = count(); delete(@d1, $L);"
	[time]="time(\"%H:%M:%S \"); printf(\"%s\\n\", $L);"
	[str]="\$a = $L; \$b = \$a; printf(\"%s %s %s %s\\n\", \$a, \$b, str(arg1, 1000), str(arg1));"
	[buf]="printf(\"%r %r %s\\n\", buf(arg5, arg4), buf(arg1, 60), args.msg);"
	[strftime]="printf(\"%s %s\\n\", strftime(\"%Y-%m-%d\", nsecs), $L);"
	[has_key]="@hk[$L] = 1; if (has_key(@hk, $L)) { printf(\"%s\\n\", $L); }"
	[len]="@ln[$L, $L2] = count(); \$n = len(@ln); printf(\"%d %s\\n\", \$n, $L);"
	[strncmp]="if (strncmp($L, $L2, 200) == 0) { @same = count(); }"
	[strcontains]="if (strcontains($L, \"onion\")) { @onion[$L] = count(); }"
	[exit]="if ($L == $L2) { exit(); } printf(\"%s\\n\", $L);"
	[probe]="@pr[probe, $L] = count(); if (probe != $L) { printf(\"%s %s\\n\", probe, $L); }"
	[cgroup]="@cg[cgroup, $L] = count();"
	[ustack]="@us[ustack(3), $L] = count(); printf(\"%s %s\\n\", ustack, $L);"
	[hash]="@hs[hash(\"0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5\"), $L] = count(); printf(\"%s %s\\n\", hash(\"0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5\"), $L);"
	[dec]="@dc[$L] = dec(arg4, 2); printf(\"%s %s\\n\", dec(arg4 * 100, 19), $L);"
	[btc]="printf(\"%s %s %s\\n\", btc(arg4), $L, btc(arg4));"
	[usym]="@sy[usym(arg1), $L] = count(); printf(\"%s %s\\n\", usym(arg0), $L);"
)

# Statement kinds and nesting around a snippet; %s is the snippet.
WRAPS=(
	'%s'
	'if (arg4 > 10) { %s } else { %s }'
	"unroll(2) { if (arg4 >= 0) { if (arg0 >= 0) { if ($L != \"\") { @inc[$L]++; \$i++; %s } } } }"
	"\$x = arg4 > 100 ? $L : $L2; @tern[\$x] = count(); @v[$L] = $L2; @w = @v[$L]; printf(\"%%s %%s\\\\n\", @w, @v[$L]); %s"
	"@lm[$L, arg0] = count(); \$o = $L2; for (\$kv : @lm) { for (\$j : 0..arg0 %% 3 + 1) { if (\$j == 1) { continue; } if (\$kv.0.0 == \$o) { break; } %s } }"
	"\$w = 0; while (\$w < arg0 %% 3 + 2) { \$w++; if (\$w == 1) { continue; } if ($L == \"\") { break; } %s }"
)

# The sanitized run (ASAN_OPTIONS set, scripts/test.sh) is several times
# slower: there each builtin is swept bare and in an if/else only.
[ -z "${ASAN_OPTIONS:-}" ] || WRAPS=("${WRAPS[@]:0:2}")

ran=0 refused=0
# check NAME: the run's status and messages are those of a program that
# ran or was refused at its place.
check() {
	local name=$1 rc=$2
	ran=$((ran + 1))
	CHECKS=$((CHECKS + 1))
	if grep -qiE 'internal error|btctrace bug|sanitizer|segmentation' "$TMP/err" ||
		[ "$rc" -ge 124 ]; then
		fail "$name: status $rc: $(head -c 2000 "$TMP/err")"
		cp "$TMP/prog.btc" "$TMP/failed.btc"
		cat "$TMP/prog.btc" >&2
		return
	fi
	if [ "$rc" = 1 ]; then
		refused=$((refused + 1))
		echo "refused: $name: $(grep -m1 ' error: ' "$TMP/err")"
	fi
	if [ "$rc" = 1 ] && ! grep -qE '^[^ ]+:[0-9]+:[0-9]+: error: ' "$TMP/err"; then
		fail "$name: an error without its location: $(head -c 2000 "$TMP/err")"
		cat "$TMP/prog.btc" >&2
	fi
}

run_usdt() {
	local rc=0
	timeout 60 env ${ENVV:-} "$BTCTRACE" -q "$TMP/prog.btc" -c "$SIM p2p --count 1" \
		>"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$1" "$rc"
}

for b in $(grep -o '\.name = "[a-z_]*"' "$SRC/builtins/table.c" | cut -d'"' -f2); do
	[ -n "${SNIP[$b]:-}" ] || { fail "no sweep snippet for builtin $b"; continue; }
	for w in "${WRAPS[@]}"; do
		# shellcheck disable=SC2059
		body=$(printf "$w" "${SNIP[$b]}" "${SNIP[$b]}")
		printf '%s /str(arg2, 200) == "inbound" || arg0 >= 0/ { %s }\n' "$P" "$body" >"$TMP/prog.btc"
		run_usdt "$b in '${w:0:30}'"
	done
done

# Tuples (not builtins, so not in the table): long strings, every element
# kind, many elements, payloads and nesting, in each statement kind.
many=$(for _ in $(seq 15); do printf '%s, ' "$L"; done)
deep='(arg0, "in")'
for _ in $(seq 12); do deep="($deep, arg4)"; done
TUPLES=(
	"\$t = ($L, $L2, arg4, args.msg_type); printf(\"%s %s %d\\n\", \$t.0, \$t.1, \$t.2); @tv[arg0] = \$t; print(\$t); @tu = (\$t, ($L, (arg0, $L2)));"
	"\$t = (${many}arg4); print(\$t); @tm[arg0] = \$t; \$u = \$t; printf(\"%s\\n\", \$u.14);"
	"\$t = (args.msg, args.msg, arg4); print(\$t); @tp = \$t; print((args.msg, \$t.2));"
	"\$t = $deep; print(\$t); @td = \$t; print(\$t.0.0);"
	"\$t = (ustack(3), usym(arg1), username, hash(\"0000000000000000000320283a032748cef8227873ff4872689bf23f1cda83a5\"), btc(arg4), buf(arg5, arg4), cgroup); print(\$t); @tk[arg0] = \$t;"
	"\$t = (1, \"a\"); \$t = ((int64)arg4, $L); @tg = (2, \"b\"); @tg = ((int64)arg4, $L2); print(\$t); print(@tg);"
)
for i in "${!TUPLES[@]}"; do
	for w in "${WRAPS[@]}"; do
		# shellcheck disable=SC2059
		body=$(printf "$w" "${TUPLES[$i]}" "${TUPLES[$i]}")
		printf '%s { %s }\n' "$P" "$body" >"$TMP/prog.btc"
		run_usdt "tuple snippet $i in '${w:0:30}'"
	done
done

# A long default string length, and payloads printed whole: 4 KiB each.
printf '%s { printf("%%s %%s %%s %%s %%s\\n", str(arg1), str(arg2), str(arg3), str(arg1), str(arg2)); @s[str(arg3)] = count(); }\n' \
	"$P" >"$TMP/prog.btc"
ENVV=BPFTRACE_STRLEN=1000 run_usdt "BPFTRACE_STRLEN=1000"
ENVV=BPFTRACE_STRLEN=20000 run_usdt "BPFTRACE_STRLEN=20000"
for n in 1 4 8 16; do
	args=$(for _ in $(seq $n); do printf ', args.msg'; done)
	fmt=$(for _ in $(seq $n); do printf '%%s '; done)
	printf '%s { printf("%s\\n"%s); }\n' "$P" "$fmt" "$args" >"$TMP/prog.btc"
	run_usdt "printf of $n payloads"
done
printf '%s { $p = args.msg; @v = $p; if ($p == args.msg) { print(@v); print($p); } }\n' "$P" >"$TMP/prog.btc"
run_usdt "a payload in a variable and a value"
printf '%s { @m[args.msg] = count(); }\n' "$P" >"$TMP/prog.btc"
run_usdt "a payload as a key"
grep -q 'error: the key of @m takes 4104 bytes; the kernel takes at most 512 in a map key' "$TMP/err" ||
	fail "a payload as a key: $(cat "$TMP/err")"

# Loops nested as deep as they go, each level with long strings, and one
# level too deep: it runs or is refused at its place.
inner="printf(\"%s %s %s\\n\", $L, $L2, \$s); @deep[$L, \$a, \$b] = count();"
for depth in 4 5; do
	body=$inner
	for lvl in $(seq "$depth"); do
		body="for (\$l$lvl : 0..2) { \$s = $L; \$a = \$l$lvl; \$b = \$a + 1; $body }"
	done
	printf '%s { $s = ""; $a = 0; $b = 0; %s }\n' "$P" "$body" >"$TMP/prog.btc"
	run_usdt "loops nested $depth deep"
done
grep -q 'error: loops are nested more than 4 deep' "$TMP/err" ||
	fail "5 nested loops: $(cat "$TMP/err")"
# The same with while loops, for and while taking turns, conditions on
# long strings.
for depth in 4 5; do
	body=$inner
	for lvl in $(seq "$depth"); do
		if ((lvl % 2)); then
			body="\$w$lvl = 0; while (\$w$lvl < 2 && \$s != $L2) { \$w$lvl++; \$s = $L; \$a = \$w$lvl; $body }"
		else
			body="for (\$l$lvl : 0..2) { \$s = $L; \$b = \$l$lvl; $body }"
		fi
	done
	printf '%s { $s = ""; $a = 0; $b = 0; %s }\n' "$P" "$body" >"$TMP/prog.btc"
	run_usdt "while and for nested $depth deep"
done
grep -q 'error: loops are nested more than 4 deep' "$TMP/err" ||
	fail "5 nested while loops: $(cat "$TMP/err")"
# A while loop that runs to bpf_loop's limit, in a probe of the target.
printf '%s { $n = 0; while ($n >= 0) { $n++; } @n = $n; }\n' "$P" >"$TMP/prog.btc"
run_usdt "a while loop at the limit"
grep -qE 'while loops? (was|were) stopped after 8388608 rounds' "$TMP/err" ||
	fail "a while loop at the limit: $(cat "$TMP/err")"

# The probes run by btctrace itself: BEGIN, END and interval.
for b in BEGIN END interval:ms:20; do
	printf '%s { $a = str(0, 300); printf("%%s %%s %%s %%s\\n", $a, $a, %s, comm); @k[$a, comm] = count(); print(%s); }\ninterval:ms:50 { exit(); }\n' \
		"$b" "$LIT" "$LIT" >"$TMP/prog.btc"
	rc=0
	timeout 60 "$BTCTRACE" -q "$TMP/prog.btc" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$b with long strings" "$rc"
	grep -q '^(unreadable) (unreadable) xxx' "$TMP/out" || fail "$b: printed $(head -c 300 "$TMP/out")"
done

for b in BEGIN END interval:ms:20; do
	printf '%s { $a = str(0, 300); $t = ($a, %s, (comm, 7)); print($t); @kt[comm] = $t; }\ninterval:ms:50 { exit(); }\n' \
		"$b" "$LIT" >"$TMP/prog.btc"
	rc=0
	timeout 60 "$BTCTRACE" -q "$TMP/prog.btc" >"$TMP/out" 2>"$TMP/err" || rc=$?
	check "$b with tuples of long strings" "$rc"
	grep -q '^((unreadable), xxx.*x, (btctrace, 7))$' "$TMP/out" || fail "$b: printed $(head -c 300 "$TMP/out")"
done

echo "$ran programs, $refused refused at their place"
finish
