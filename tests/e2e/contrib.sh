#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# examples/contrib/: Bitcoin Core's eight contrib/tracing tools as .btc
# scripts.  Each runs against a seeded btcsim and what it prints is held to
# btcsim's truth (counts and sums of what it fired) or to its event log;
# each BCC tool's script is shorter than the tool; the header of each says
# how to run it against bitcoind and against btcsim.
source "$(dirname "$0")/lib.sh"
need jq awk bc

EX=$SRC/examples/contrib
SIM=$BUILD/btcsim

# run NAME SCENARIO... [-- PARAMS]: the script against btcsim with a truth
# file and an event log; its output in $TMP/NAME.out.
run() {
	local name=$1
	shift
	local sim=() params=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sim+=("$1"); shift; done
	[ $# -gt 0 ] && shift && params=("$@")
	local status=0
	"$BTCTRACE" -q "$EX/$name.btc" -c "$SIM ${sim[*]} --truth $TMP/$name.truth --log $TMP/$name.log" \
		"${params[@]}" >"$TMP/$name.out" 2>"$TMP/$name.err" || status=$?
	expect_eq "$name: exit status ($(head -c 300 "$TMP/$name.err"))" "$status" 0
}
t() { truth "$TMP/$1.truth" "$2" "$3"; }
lines() { count_lines "$1" "$TMP/$2.out"; }
# The exact sum (bc) of field $3 of the lines matching ERE $1 in $2's output.
column_sum() { awk -v re="$1" -v f="$3" '$0 ~ re { print $f }' "$TMP/$2.out" | sed 's/^(//' | paste -sd+ | bc; }
TS='^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'

for f in "$EX"/*.btc; do
	CHECKS=$((CHECKS + 1))
	grep -q "^//   against bitcoind:  btctrace .*examples/contrib/$(basename "$f")" "$f" &&
		grep -q "^//   against btcsim:    btctrace .*examples/contrib/$(basename "$f") .*build/btcsim" "$f" ||
		fail "$(basename "$f"): its header does not say how to run it against bitcoind and btcsim"
done
expect_eq "eight tools" "$(ls "$EX"/*.btc | wc -l)" 8
# The BCC tools' lengths (Bitcoin Core's contrib/tracing, in lines).
for tool in log_utxocache_flush:109 log_raw_p2p_msgs:196 p2p_monitor:267 mempool_monitor:379; do
	n=$(wc -l <"$EX/${tool%%:*}.btc")
	CHECKS=$((CHECKS + 1))
	[ "$n" -lt "${tool##*:}" ] || fail "${tool%%:*}.btc has $n lines, the tool ${tool##*:}"
done

run log_p2p_traffic p2p --seed 3 --count 20
expect_eq "traffic: inbound lines" "$(lines "^inbound '" log_p2p_traffic)" "$(t log_p2p_traffic net:inbound_message .fires)"
expect_eq "traffic: outbound lines" "$(lines "^outbound '" log_p2p_traffic)" "$(t log_p2p_traffic net:outbound_message .fires)"
expect_eq "traffic: inbound bytes" "$(awk "/^inbound '/ { print \$(NF - 1) }" "$TMP/log_p2p_traffic.out" | paste -sd+ | bc)" \
	"$(t log_p2p_traffic net:inbound_message '.args[4].sum')"

run log_p2p_connections p2p --seed 3 --count 20
for kind in INBOUND:inbound_connection OUTBOUND:outbound_connection CLOSED:closed_connection \
	EVICTED:evicted_inbound_connection MISBEHAVING:misbehaving_connection; do
	expect_eq "connections: ${kind%%:*} lines" "$(lines "^${kind%%:*} conn" log_p2p_connections)" \
		"$(t log_p2p_connections "net:${kind##*:}" .fires)"
done

run log_utxos coins --seed 5 --count 300
for op in Added:add Spent:spent Uncache:uncache; do
	expect_eq "utxos: ${op%%:*} rows" "$(lines "^${op%%:*} " log_utxos)" "$(t log_utxos "utxocache:${op##*:}" .fires)"
	expect_eq "utxos: ${op%%:*} values" "$(column_sum "^${op%%:*} " log_utxos 3)" \
		"$(t log_utxos "utxocache:${op##*:}" '.args[3].sum')"
done

run connectblock_benchmark blocks --seed 5 --count 30 -- 0 0 1000
slow=$(awk '$1 == "validation:block_connected" { sub("duration=", "", $7); if ($7 / 1000000 > 1000) n++ } END { print n + 0 }' "$TMP/connectblock_benchmark.log")
expect_eq "connectblock: slow blocks logged" "$(lines '^Block [0-9]+ \(0' connectblock_benchmark)" "$slow"
expect_eq "connectblock: blocks in the histogram" \
	"$(sed -n 's/^\[[^)]*) *\([0-9]*\) .*/\1/p' "$TMP/connectblock_benchmark.out" | paste -sd+ | bc)" \
	"$(t connectblock_benchmark validation:block_connected .fires)"

run log_utxocache_flush blocks --seed 5 --count 30
expect_eq "flush: rows" "$(lines '^[0-9]+ +[A-Z_]+ ' log_utxocache_flush)" "$(t log_utxocache_flush utxocache:flush .fires)"
expect_eq "flush: coins" "$(column_sum '^[0-9]+ +[A-Z_]+ ' log_utxocache_flush 3)" \
	"$(t log_utxocache_flush utxocache:flush '.args[2].sum')"
# kB with two decimals, rounded half up, as the tool's "%.2f kB".
expect_eq "flush: memory in kB" "$(awk '/^[0-9]+ +[A-Z_]+ / { print $4 }' "$TMP/log_utxocache_flush.out")" \
	"$(awk '$1 == "utxocache:flush" { sub("coins_mem_usage=", "", $5); printf "%d.%02d\n", int(($5 + 5) / 1000), int(($5 + 5) / 10) % 100 }' "$TMP/log_utxocache_flush.log")"

run log_raw_p2p_msgs p2p --seed 3 --count 10
expect_eq "raw msgs: lines" "$(lines " (in|out)bound msg '" log_raw_p2p_msgs)" \
	"$(( $(t log_raw_p2p_msgs net:inbound_message .fires) + $(t log_raw_p2p_msgs net:outbound_message .fires) ))"
expect_eq "raw msgs: incomplete ones" "$(lines '^Warning: incomplete message' log_raw_p2p_msgs)" \
	"$(awk '/_message / { for (i = 2; i <= NF; i++) if ($i ~ /^size=/ && substr($i, 6) + 0 > 4096) n++ } END { print n + 0 }' "$TMP/log_raw_p2p_msgs.log")"

run p2p_monitor p2p --seed 3 --count 20
expect_eq "p2p_monitor: inbound messages" "$(awk '/^@inbound_msgs\[/ { s += $NF } END { print s }' "$TMP/p2p_monitor.out")" \
	"$(t p2p_monitor net:inbound_message .fires)"
expect_eq "p2p_monitor: outbound bytes" "$(awk '/^@outbound_bytes\[/ { s += $NF } END { print s }' "$TMP/p2p_monitor.out")" \
	"$(t p2p_monitor net:outbound_message '.args[4].sum')"

run mempool_monitor mempool --seed 3 --count 10
for kind in added removed replaced rejected; do
	expect_eq "mempool_monitor: @events[$kind]" "$(sed -n "s/^@events\[$kind\]: //p" "$TMP/mempool_monitor.out")" \
		"$(t mempool_monitor "mempool:$kind" .fires)"
	expect_eq "mempool_monitor: $kind lines" "$(lines "$TS $kind " mempool_monitor)" \
		"$(t mempool_monitor "mempool:$kind" .fires)"
done
expect_eq "mempool_monitor: fees of added" "$(column_sum "$TS added " mempool_monitor 8)" \
	"$(t mempool_monitor mempool:added '.args[2].sum')"
finish
