#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --metrics with the real thing: Debian's prometheus scrapes btctrace every
# second while btctrace traces two btcsim nodes by binary (-b), and what
# Prometheus stored -- counters, gauges, histogram buckets and sums -- equals what
# each node's --truth says it emitted, told apart by their pid label.
# promtool accepts the endpoint's text; a scrape loop during a burst of
# events neither holds up tracing nor loses anything.
source "$BTC_SRC/tests/e2e/lib.sh"
need prometheus promtool curl jq python3

# query PROMQL -> one "labels<TAB>value" line per series, sorted
query() {
	curl -sf --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | [(.metric | del(.__name__, .job, .instance) | to_entries |
			map("\(.key)=\(.value)") | join(",")), .value[1]] | join("\t")' | LC_ALL=C sort
}

mport=$(free_port)
pport=$(free_port)
script='
net:inbound_message {
	@msgs[pid, args.msg_type] = count();
	@payload[pid] = sum(args.size);
	@largest[pid] = max(args.size);
	@size[pid] = hist(args.size);
}
utxocache:add { @coins[pid] = count(); }'
"$BTCTRACE" -b "$BUILD/btcsim" --metrics "127.0.0.1:$mport" -e "$script" \
	>"$TMP/out" 2>"$TMP/err" &
tracer=$!
wait_for "the metrics note" grep -q "^btctrace: note: metrics at http://127.0.0.1:$mport/metrics$" "$TMP/err"

cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: btctrace
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$TMP/prom.log" 2>&1 &

# Two nodes on one host, started once btctrace is attached by path.
"$BUILD/btcsim" p2p --seed 1 --count 20 --wait-attached --truth "$TMP/t1.json" >/dev/null &
n1=$!
"$BUILD/btcsim" p2p --seed 2 --count 30 --wait-attached --truth "$TMP/t2.json" >/dev/null &
n2=$!
wait "$n1" "$n2"
ended=$(date +%s.%N)

# A scrape after both nodes ended, and two in all.
scraped_after_end() {
	curl -sf --get "http://127.0.0.1:$pport/api/v1/query" \
		--data-urlencode 'query=up{job="btctrace"}[5m]' >"$TMP/up.json" || return 1
	[ "$(jq --argjson e "$ended" '[.data.result[0].values[]? | select(.[0] > $e and .[1] == "1")] |
		length' "$TMP/up.json")" -ge 1 ] &&
		[ "$(jq '[.data.result[0].values[]? | select(.[1] == "1")] | length' "$TMP/up.json")" -ge 2 ]
}
wait_for "two scrapes" scraped_after_end

for n in 1 2; do
	pid=$([ $n = 1 ] && echo "$n1" || echo "$n2")
	t="$TMP/t$n.json"
	# counter: messages by type, strings with quotes and backslashes
	# included; Prometheus drops a label whose value is empty
	jq -r --arg pid "$pid" '.probes["net:inbound_message"].args[3].values | to_entries[] |
		"\(if .key == "" then "" else "msg_type=\(.key)," end)pid=\($pid)\t\(.value)"' \
		"$t" | LC_ALL=C sort >"$TMP/exp$n"
	query "btctrace_msgs_total{pid=\"$pid\"}" >"$TMP/got$n"
	expect_file_eq "node $n: btctrace_msgs_total" "$TMP/got$n" "$TMP/exp$n"
	expect_eq "node $n: btctrace_payload_bytes_total" \
		"$(query "btctrace_payload_bytes_total{pid=\"$pid\"}" | cut -f2)" \
		"$(jq -r '.probes["net:inbound_message"].args[4].sum' "$t")"
	expect_eq "node $n: btctrace_largest_bytes" \
		"$(query "btctrace_largest_bytes{pid=\"$pid\"}" | cut -f2)" \
		"$(jq -r '.probes["net:inbound_message"].args[4].max' "$t")"
	# histogram: slot k's inclusive upper bound is 2^(k-1)-1 (slot 1 [0]: 0,
	# slot 2 [1]: 1), cumulative over the printed range, then +Inf
	jq -r --arg pid "$pid" '.probes["net:inbound_message"].args[4].hist | map(tonumber) as $h |
		[range(0; 66) | select($h[.] > 0)] as $nz | ($nz | min) as $lo | ($nz | max) as $hi |
		([range($lo; $hi + 1) | {le: (if . == 0 then -1 elif . == 1 then 0
			else pow(2; . - 1) - 1 end), n: ([$h[0:(. + 1)][]] | add)}] +
		 [{le: "+Inf", n: ($h | add)}])[] |
		"le=\(.le),pid=\($pid)\t\(.n)"' "$t" | LC_ALL=C sort >"$TMP/hexp$n"
	query "btctrace_size_bytes_bucket{pid=\"$pid\"}" >"$TMP/hgot$n"
	expect_file_eq "node $n: btctrace_size_bytes_bucket" "$TMP/hgot$n" "$TMP/hexp$n"
	expect_eq "node $n: btctrace_size_bytes_count" \
		"$(query "btctrace_size_bytes_count{pid=\"$pid\"}" | cut -f2)" \
		"$(truth "$t" net:inbound_message .fires)"
	# the histogram's _sum: every value it counted, exactly
	expect_eq "node $n: btctrace_size_bytes_sum" \
		"$(query "btctrace_size_bytes_sum{pid=\"$pid\"}" | cut -f2)" \
		"$(jq -r '.probes["net:inbound_message"].args[4].sum' "$t")"
done
echo "PromQL sum(btctrace_msgs_total) = $(query 'sum(btctrace_msgs_total)' | cut -f2);" \
	"truth: $(jq -s '[.[].probes["net:inbound_message"].fires | tonumber] | add' "$TMP/t1.json" "$TMP/t2.json")"

# What Prometheus's own linter says of the endpoint's text (0.0.4, what
# promtool reads), and the OpenMetrics a scraper asking for it gets.
curl -sf "http://127.0.0.1:$mport/metrics" >"$TMP/prom.txt"
promtool check metrics <"$TMP/prom.txt" >"$TMP/lint" 2>&1 || fail "promtool: $(cat "$TMP/lint")"
curl -sf -D "$TMP/headers" -H 'Accept: application/openmetrics-text;version=1.0.0' \
	"http://127.0.0.1:$mport/metrics" >"$TMP/om.txt"
grep -qi '^content-type: application/openmetrics-text; version=1.0.0' "$TMP/headers" ||
	fail "OpenMetrics content type: $(cat "$TMP/headers")"
expect_eq "OpenMetrics ends with # EOF" "$(tail -n 1 "$TMP/om.txt")" "# EOF"
expect_eq "POST refused" "$(curl -s -o /dev/null -w '%{http_code}' -d x "http://127.0.0.1:$mport/metrics")" 405
expect_eq "other paths" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/etc/passwd")" 404
expect_eq "HEAD" "$(curl -s -o /dev/null -w '%{http_code}' -I "http://127.0.0.1:$mport/metrics")" 200
big=$(head -c 20000 /dev/zero | tr '\0' a)
expect_eq "a request over 16 KiB" \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "http://127.0.0.1:$mport/metrics")" 431

# A burst of events while /metrics is scraped in a loop: every event is
# counted (the scrapes run in the server's thread, not the event loop)
# and nothing is reported lost.
"$BUILD/btcsim" coins --seed 5 --count 200000 --wait-attached --truth "$TMP/t3.json" >/dev/null &
n3=$!
scrapes=0
while kill -0 "$n3" 2>/dev/null; do
	curl -sf "http://127.0.0.1:$mport/metrics" >/dev/null && scrapes=$((scrapes + 1))
done
wait "$n3"
[ "$scrapes" -ge 2 ] || fail "only $scrapes scrapes during the burst"
curl -sf "http://127.0.0.1:$mport/metrics" >"$TMP/burst.txt"
expect_eq "burst: coins counted" \
	"$(sed -n "s/^btctrace_coins_total{pid=\"$n3\"} //p" "$TMP/burst.txt")" \
	"$(truth "$TMP/t3.json" utxocache:add .fires)"
expect_eq "burst: events lost" "$(sed -n 's/^btctrace_events_lost_total //p' "$TMP/burst.txt")" 0
expect_eq "burst: updates dropped" \
	"$(awk '/^btctrace_map_updates_dropped_total/ { n += $2 } END { print n + 0 }' "$TMP/burst.txt")" 0

kill -INT "$tracer"
status=0
wait "$tracer" || status=$?
expect_eq "btctrace exit status" "$status" 0
finish
