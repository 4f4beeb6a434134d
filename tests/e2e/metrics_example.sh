#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README.md's "Prometheus and Grafana", as written: its btctrace command
# (examples/metrics/node.btc) on btcsim, scraped by a real Prometheus with
# the README's scrape config; every PromQL query of the Grafana dashboard
# returns series, and a few equal btcsim's truth.
source "$BTC_SRC/tests/e2e/lib.sh"
need prometheus promtool curl jq python3

# query PROMQL -> the JSON result vector
query() {
	curl -sf --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" | jq -c '.data.result'
}

mport=$(free_port)
pport=$(free_port)
section=$(sed -n '/^## Prometheus and Grafana/,/^## [A-Z]/p' "$SRC/README.md")
cmd=$(grep -m1 '^btctrace --metrics ' <<<"$section")
expect_eq "README's command" "$cmd" "btctrace --metrics 9435 examples/metrics/node.btc"
# The scrape config block, with this test's ports and a 1 s interval.
awk '/^```/ { n++; next } n == 3' <<<"$section" >"$TMP/readme.yml"
grep -q "^scrape_configs:" "$TMP/readme.yml" || fail "no scrape config in README: $(cat "$TMP/readme.yml")"
sed -e "s/9435/$mport/" -e 's/scrape_interval: 15s/scrape_interval: 1s/' "$TMP/readme.yml" >"$TMP/prometheus.yml"
promtool check config "$TMP/prometheus.yml" >"$TMP/lint" 2>&1 || fail "promtool check config: $(cat "$TMP/lint")"

run=${cmd/9435/$mport}
run=${run/examples\//$SRC/examples/}
run=${run/#btctrace /$BTCTRACE }
(cd "$TMP" && exec $run -b "$BUILD/btcsim") >"$TMP/out" 2>"$TMP/err" &
tracer=$!
wait_for "the metrics note" grep -q "metrics at http://127.0.0.1:$mport/metrics" "$TMP/err"
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$TMP/prom.log" 2>&1 &

"$BUILD/btcsim" all --seed 4 --count 40 --wait-attached --truth "$TMP/truth.json" >/dev/null
ended=$(date +%s.%N)
# rate() needs two samples of each series: two scrapes after the end
# (Prometheus may start late on a loaded machine, its first scrape after
# the node ended).
scraped_after_end() {
	local n
	n=$(query 'up{job="btctrace"}[1m]' | jq --argjson e "$ended" \
		'[.[0].values[]? | select(.[0] > $e and .[1] == "1")] | length')
	[ "${n:-0}" -ge 2 ]
}
wait_for "two scrapes after the node ended" scraped_after_end
curl -sf "http://127.0.0.1:$mport/metrics" >"$TMP/node.prom"
promtool check metrics <"$TMP/node.prom" >"$TMP/lint" 2>&1 || fail "promtool check metrics: $(cat "$TMP/lint")"

# Every query of the dashboard, with Grafana's variables as a panel would
# fill them, returns at least one series.
dash="$SRC/examples/metrics/grafana-dashboard.json"
jq -r '.panels[].targets[].expr' "$dash" >"$TMP/exprs"
expect_eq "dashboard queries" "$([ "$(wc -l <"$TMP/exprs")" -ge 10 ] && echo enough)" enough
while IFS= read -r expr; do
	q=${expr//\$__rate_interval/1m}
	q=${q//\$instance/.*}
	CHECKS=$((CHECKS + 1))
	[ "$(query "$q" | jq length)" -ge 1 ] || fail "dashboard query returns nothing: $q"
done <"$TMP/exprs"

value() { query "$1" | jq -r '.[0].value[1]'; }
expect_eq "messages in" "$(value 'sum(btctrace_msgs_in_total)')" "$(truth "$TMP/truth.json" net:inbound_message .fires)"
expect_eq "bytes out" "$(value 'sum(btctrace_msg_out_bytes_total)')" \
	"$(jq -r '.probes["net:outbound_message"].args[4].sum' "$TMP/truth.json")"
expect_eq "blocks connected" "$(value 'btctrace_block_connect_seconds_count')" \
	"$(truth "$TMP/truth.json" validation:block_connected .fires)"
expect_eq "height" "$(value 'btctrace_height')" \
	"$(jq -r '.probes["validation:block_connected"].args[1].max' "$TMP/truth.json")"
expect_eq "mempool removed" "$(value 'sum(btctrace_mempool_removed_total)')" \
	"$(truth "$TMP/truth.json" mempool:removed .fires)"
expect_eq "UTXO flushes" "$(value 'sum(btctrace_utxo_flushes_total)')" \
	"$(truth "$TMP/truth.json" utxocache:flush .fires)"
echo "PromQL sum(btctrace_msgs_in_total) = $(value 'sum(btctrace_msgs_in_total)');" \
	"btcsim truth net:inbound_message fires = $(truth "$TMP/truth.json" net:inbound_message .fires)"

kill -INT "$tracer"
status=0
wait "$tracer" || status=$?
expect_eq "btctrace exit status" "$status" 0
finish
