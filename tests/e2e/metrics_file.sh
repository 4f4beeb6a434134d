#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --metrics-file PATH: the maps in Prometheus's text format, replaced every
# second by a rename (a reader never sees half a file) and written a last
# time at the end, where they equal btcsim's truth.  And the errors of
# --metrics and --metrics-file, each before anything is traced.
source "$BTC_SRC/tests/e2e/lib.sh"
need promtool jq python3

prom="$TMP/node.prom"
"$BTCTRACE" -q --metrics-file "$prom" \
	-e 'utxocache:add { @coins[args.is_coinbase] = count(); @value = sum(args.value); }' \
	-c "$BUILD/btcsim coins --seed 9 --count 2500 --delay-us 1000 --truth $TMP/truth.json" \
	>"$TMP/out" 2>"$TMP/err" &
tracer=$!
# Every version of the file read while tracing is whole: it ends with the
# last family btctrace writes, and promtool accepts it.
reads=0
versions=0
last=
while kill -0 "$tracer" 2>/dev/null; do
	if cp "$prom" "$TMP/read" 2>/dev/null; then
		reads=$((reads + 1))
		tail -n 1 "$TMP/read" | grep -q '^btctrace_series_dropped{map="@value"} ' ||
			fail "a read of the file is not whole: $(tail -n 2 "$TMP/read")"
		promtool check metrics <"$TMP/read" >"$TMP/lint" 2>&1 || fail "promtool: $(cat "$TMP/lint")"
		sum=$(md5sum <"$TMP/read")
		[ "$sum" = "$last" ] || versions=$((versions + 1))
		last=$sum
	fi
	sleep 0.2
done
status=0
wait "$tracer" || status=$?
expect_eq "btctrace exit status" "$status" 0
[ "$versions" -ge 2 ] || fail "the file was seen in $versions versions in $reads reads, expected a new one every second"
expect_eq "no temporary file left" "$(ls "$TMP" | grep -c '\.tmp$' || true)" 0
total=$(jq -r '.probes["utxocache:add"].fires' "$TMP/truth.json")
coinbase=$(jq -r '.probes["utxocache:add"].args[4].sum' "$TMP/truth.json")
expect_eq "coinbase coins at the end" \
	"$(sed -n 's/^btctrace_coins_total{is_coinbase="1"} //p' "$prom")" "$coinbase"
expect_eq "other coins at the end" \
	"$(sed -n 's/^btctrace_coins_total{is_coinbase="0"} //p' "$prom")" "$((total - coinbase))"
# a signed sum is a gauge; the catalog's [sat] is its unit
expect_eq "value at the end" "$(sed -n 's/^btctrace_value_sat //p' "$prom")" \
	"$(jq -r '.probes["utxocache:add"].args[3].sum' "$TMP/truth.json")"

# -f openmetrics: the maps at exit, labels named as the server names them
"$BTCTRACE" -q -f openmetrics -e 'utxocache:add { @coins[args.is_coinbase] = count(); }' \
	-c "$BUILD/btcsim coins --seed 9 --count 300 --truth $TMP/t2.json" >"$TMP/exit.om"
expect_eq "-f openmetrics: coinbase coins" \
	"$(sed -n 's/^btctrace_coins_total{is_coinbase="1"} //p' "$TMP/exit.om")" \
	"$(jq -r '.probes["utxocache:add"].args[4].sum' "$TMP/t2.json")"
expect_eq "-f openmetrics: last line" "$(tail -n 1 "$TMP/exit.om")" "# EOF"

# --metrics-limit 1: the series that ranks highest stays, the other is
# counted (the same events as the run above: its truth holds)
"$BTCTRACE" -q -f prometheus --metrics-limit 1 -e 'utxocache:add { @coins[args.is_coinbase] = count(); }' \
	-c "$BUILD/btcsim coins --seed 9 --count 300" >"$TMP/limit.prom"
expect_eq "--metrics-limit 1: series" "$(grep -c '^btctrace_coins_total' "$TMP/limit.prom")" 1
expect_eq "--metrics-limit 1: the larger stays" \
	"$(sed -n 's/^btctrace_coins_total{is_coinbase="0"} //p' "$TMP/limit.prom")" \
	"$(jq -r '.probes["utxocache:add"] | (.fires | tonumber) - (.args[4].sum | tonumber)' "$TMP/t2.json")"
expect_eq "--metrics-limit 1: dropped" \
	"$(sed -n 's/^btctrace_series_dropped{map="@coins"} //p' "$TMP/limit.prom")" 1

# errors: which option, what it wants, exit 1, nothing traced
check_error() {
	local what=$1 expected=$2
	shift 2
	status=0
	"$BTCTRACE" "$@" -e 'utxocache:add { @n = count(); }' -c "$BUILD/btcsim coins --count 1" \
		>"$TMP/eout" 2>"$TMP/eerr" || status=$?
	expect_eq "$what: status" "$status" 1
	grep -qF -- "$expected" "$TMP/eerr" || fail "$what: got '$(cat "$TMP/eerr")'"
}
check_error "bad port" "btctrace: error: --metrics takes [ADDR:]PORT, not '99999'" --metrics 99999
check_error "no port" "btctrace: error: --metrics takes [ADDR:]PORT, not 'localhost:'" \
	--metrics localhost:
check_error "limit" "btctrace: error: --metrics-limit takes a number of series from 1 to 10000000, not '0'" \
	--metrics-limit 0
check_error "unwritable file" "btctrace: error: cannot write the metrics file $TMP/none/x.prom: No such file or directory" \
	--metrics-file "$TMP/none/x.prom"
busy=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', $busy)); s.listen(); time.sleep(30)" &
holder=$!
for _ in $(seq 1 100); do
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $busy))" 2>/dev/null && break
	sleep 0.05
done
check_error "port in use" "btctrace: error: cannot serve metrics on $busy: Address already in use" --metrics "$busy"
kill "$holder"
status=0
"$BTCTRACE" -i --metrics 9435 </dev/null >"$TMP/eout" 2>"$TMP/eerr" || status=$?
expect_eq "REPL: status" "$status" 1
grep -qF "btctrace: error: the REPL does not export metrics" "$TMP/eerr" || fail "REPL: got '$(cat "$TMP/eerr")'"
finish
