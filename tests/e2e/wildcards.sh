#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Wildcard attach points and the probe builtin against btcsim's truth:
# every probe a pattern matches is attached (one program each) and counted
# under its full name; args.NAME and argN in a wildcard block work when
# every matched probe has them alike and are errors naming the one that
# does not; a pattern that matches nothing names what the binary has.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

SIM=$BUILD/btcsim
run_err() {
	local name=$1 want=$2 expected=$3
	shift 3
	set +e
	"$BTCTRACE" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	set -e
	expect_eq "$name: exit status" "$rc" "$want"
	printf '%s' "$expected" >"$TMP/want"
	[ -z "$expected" ] || expect_file_eq "$name: message" "$TMP/err" "$TMP/want"
}

# Counts per probe, by the probe builtin, for utxocache:*, net:*_message
# and a plain probe in the same list; the total value of every
# utxocache:add/spent/uncache (args.value is in all three).
"$BTCTRACE" -e 'utxocache:*, net:*_message, validation:block_connected { @[probe] = count(); }
utxocache:a*, utxocache:sp*, utxocache:unc* { @value[probe] = sum(args.value); }' \
	-c "$SIM all --seed 9 --count 30 --truth $TMP/truth.json" >"$TMP/out"
expect_eq "banner" "$(head -1 "$TMP/out")" "Attaching 10 probes..."
for p in utxocache:add utxocache:spent utxocache:uncache utxocache:flush \
	net:inbound_message net:outbound_message validation:block_connected; do
	expect_eq "count of $p" "$(awk -v k="@[usdt:$SIM:$p]:" '$1 == k { print $2 }' "$TMP/out")" \
		"$(truth "$TMP/truth.json" "$p" .fires)"
done
for p in utxocache:add utxocache:spent utxocache:uncache; do
	expect_eq "value of $p" "$(awk -v k="@value[usdt:$SIM:$p]:" '$1 == k { print $2 }' "$TMP/out")" \
		"$(truth "$TMP/truth.json" "$p" '.args[3].sum')"
done
expect_eq "no other probe" "$(count_lines '^@\[' "$TMP/out")" 7

# args.fee is arg2 of mempool:added and arg3 of mempool:removed: each
# program reads it where its probe has it.  args.reason: strings of
# different lengths (9 and 118 characters).
"$BTCTRACE" -e 'mempool:added, mempool:removed { @fee[probe] = sum(args.fee); }
mempool:re[mj]* { @reasons = count(); @r[args.reason] = count(); }' \
	-c "$SIM mempool --seed 9 --count 20 --truth $TMP/mp.json" >"$TMP/out"
expect_eq "args.fee of added" "$(awk -v k="@fee[usdt:$SIM:mempool:added]:" '$1 == k { print $2 }' "$TMP/out")" \
	"$(truth "$TMP/mp.json" mempool:added '.args[2].sum')"
expect_eq "args.fee of removed" "$(awk -v k="@fee[usdt:$SIM:mempool:removed]:" '$1 == k { print $2 }' "$TMP/out")" \
	"$(truth "$TMP/mp.json" mempool:removed '.args[3].sum')"
expect_eq "args.reason of removed and rejected" "$(sed -n 's/^@reasons: //p' "$TMP/out")" \
	"$(( $(truth "$TMP/mp.json" mempool:removed .fires) + $(truth "$TMP/mp.json" mempool:rejected .fires) ))"

# The example of docs/language.md, as written there.
example=$(grep '^utxocache:\*, net:\*_message { @events\[probe\]' "$SRC/docs/language.md")
[ -n "$example" ] || fail "docs/language.md lost its wildcard example"
"$BTCTRACE" -e "$example" -c "$SIM all --seed 9 --count 40" >"$TMP/out"
expect_eq "the documented example" "$(head -1 "$TMP/out") $(count_lines '^@events\[usdt:' "$TMP/out")" \
	"Attaching 6 probes... 6"

# *:* attaches every probe of the binary; probe compares as a string.
"$BTCTRACE" -e "*:* { @all = count(); }
test:* /probe == \"usdt:$SIM:test:six_args\"/ { @six = count(); }" \
	-c "$SIM all --seed 9 --count 5 --truth $TMP/all.json" >"$TMP/out"
expect_eq "*:* banner" "$(head -1 "$TMP/out")" "Attaching 32 probes..."
expect_eq "*:* total" "$(awk '$1 == "@all:" { print $2 }' "$TMP/out")" \
	"$(jq -r '[.probes[].fires | tonumber] | add' "$TMP/all.json")"
expect_eq "probe == string" "$(awk '$1 == "@six:" { print $2 }' "$TMP/out")" \
	"$(truth "$TMP/all.json" test:six_args .fires)"

# ? and [...] match as in a shell, in the event and in the context.
"$BTCTRACE" -e 'n[e]?:[io]*_message, utxo*:ad? { @[probe] = count(); }' \
	-c "$SIM all --seed 9 --count 3" >"$TMP/out"
expect_eq "? and [...]" "$(map_dump "$TMP/out" | sed -n 's/^@\[usdt:[^]]*:\([a-z_]*:[a-z_]*\)\]: .*/\1/p' | sort | tr '\n' ' ')" \
	"net:inbound_message net:outbound_message utxocache:add "

# BEGIN, END and interval name themselves as bpftrace does.
"$BTCTRACE" -e 'BEGIN { printf("%s\n", probe); } i:ms:20 { printf("%s\n", probe); exit(); }
END { printf("%s\n", probe); }' >"$TMP/out"
expect_eq "BEGIN/interval/END names" "$(sed -n 2,4p "$TMP/out" | tr '\n' ' ')" \
	"BEGIN interval:ms:20 END "

run_err "args.NAME missing in a matched probe" 1 "-e:1:29: error: utxocache:flush has no argument 'value'
utxocache:* { @v = sum(args.value); }
                            ^~~~~
hint: utxocache:flush has duration mode coins_count coins_mem_usage for_prune
" -e 'utxocache:* { @v = sum(args.value); }' -b "$SIM"
run_err "args.NAME of another type" 1 "-e:1:59: error: args.height is uint32 in utxocache:add but int32 in validation:block_connected
utxocache:add, validation:block_connected { @h = max(args.height); }
                                                          ^~~~~~
hint: give these probes blocks of their own
" -e 'utxocache:add, validation:block_connected { @h = max(args.height); }' -b "$SIM"
run_err "args.NAME missing in a wildcard's probe" 1 "" -e 'mempool:* { @[args.fee] = count(); }' -b "$SIM"
grep -q "^-e:1:20: error: mempool:replaced has no argument 'fee'$" "$TMP/err" ||
	fail "mempool:* args.fee: $(cat "$TMP/err")"
run_err "argN missing in a matched probe" 1 "-e:1:19: error: arg0 does not exist in test:zero_args
test:* { @v = sum(arg0); }
                  ^~~~
hint: test:zero_args has 0 arguments
" -e 'test:* { @v = sum(arg0); }' -b "$SIM"
run_err "a pattern matching nothing" 1 "-e:1:1: error: no probe of $SIM matches 'utxocach:*'
utxocach:* { @n = count(); }
^~~~~~~~~~
hint: did you mean utxocache:*? it has net:*, validation:*, utxocache:*, coin_selection:*, mempool:*, test:*; \`btctrace -l -b $SIM\` lists its probes
" -e 'utxocach:* { @n = count(); }' -b "$SIM"
run_err "a binary without probes" 1 "-e:1:1: error: no probe of /bin/true matches '*:*'
usdt:/bin/true:*:* { @n = count(); }
^~~~~~~~~~~~~~~~~~
hint: this binary has no USDT probes: was it built with -DWITH_USDT=ON?
" -e 'usdt:/bin/true:*:* { @n = count(); }'
run_err "a pattern in a list matching nothing" 1 "" \
	-e 'utxocache:add, net:*_msg { @n = count(); }' -b "$SIM"
grep -q "^-e:1:16: error: no probe of $SIM matches 'net:\*_msg'" "$TMP/err" ||
	fail "list pattern message: $(cat "$TMP/err")"

finish
