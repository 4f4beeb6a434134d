#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What the CLI tells the user: the catalog without a binary (-l --catalog,
# and -l when there is no target at all), -l -f json as one object per
# probe per line, a pattern that matches nothing as an error naming the
# closest probes; --help's examples and the differential test's command
# in docs/compatibility.md run as shown.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq

# run NAME STATUS btctrace-args...: stdout in $TMP/out, stderr in $TMP/err.
run() {
	local name=$1 want=$2
	shift 2
	set +e
	"$BTCTRACE" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	set -e
	expect_eq "$name: exit status" "$rc" "$want"
}

catalog_note="btctrace: note: these are the catalog's declarations, not a binary's probes: a binary may lack some or have an older shape"
# Every tracepoint the catalog declares, one shape each.
ndecls=$(grep -c '^tracepoint ' "$SRC/stdlib/bitcoin.btc")

# ---- -l --catalog: no binary needed.
run "catalog" 0 -l --catalog
expect_eq "catalog: note" "$(cat "$TMP/err")" "$catalog_note"
expect_eq "catalog: every declaration" "$(count_lines ' \[catalog: v[0-9]' "$TMP/out")" "$ndecls"
run "catalog pattern" 0 -l --catalog 'utxocache:add'
printf '%s\n' "utxocache:add [catalog: v23+]" \
	"    since v23: fires in CCoinsViewCache::AddCoin (src/coins.cpp)" \
	"    hash         txid                 arg0  txid of the outpoint; 32 raw bytes, reverse for display" \
	"    uint32       vout                 arg1  output index of the outpoint" \
	"    uint32       height               arg2  height at which the coin was created (0x7FFFFFFF in mempool-check caches)" \
	"    int64        value                arg3  coin value [sat]" \
	"    bool         is_coinbase          arg4  coin was created by a coinbase transaction" >"$TMP/want"
expect_file_eq "catalog: utxocache:add" "$TMP/out" "$TMP/want"
# -o puts the listing in the file, as it does a script's output.
run "catalog -o" 0 -l --catalog 'utxocache:add' -o "$TMP/listed"
expect_eq "catalog -o: nothing on stdout" "$(cat "$TMP/out")" ""
expect_file_eq "catalog -o: the file" "$TMP/listed" "$TMP/want"
run "catalog -o unwritable" 1 -l --catalog 'utxocache:add' -o "$TMP/no/such/dir/listed"
expect_eq "catalog -o unwritable: message" "$(grep -c "cannot write $TMP/no/such/dir/listed" "$TMP/err")" 1
# Both shapes of a probe that changed.
run "catalog shapes" 0 -l --catalog 'mempool:replaced'
expect_eq "catalog: both mempool:replaced shapes" "$(grep '^mempool' "$TMP/out")" \
	"mempool:replaced [catalog: v25-v28]
mempool:replaced [catalog: v29+]"
# --catalog wins over a target that could be found.
run "catalog with -b" 0 -l --catalog 'utxocache:*' -b "$BUILD/btcsim"
expect_eq "catalog with -b: no binary" "$(count_lines '^usdt:' "$TMP/out")" 0

# ---- -l without any target: the catalog, with a note saying so.
if pgrep -x bitcoind >/dev/null; then
	fail "a bitcoind runs on this machine; the no-target checks need none"
else
	set +e
	PATH=/usr/bin:/bin "$BTCTRACE" -l 'utxocache:*' >"$TMP/out" 2>"$TMP/err"
	expect_eq "no target: status" "$?" 0
	set -e
	expect_eq "no target: note, and no error" "$(cat "$TMP/err")" \
		"btctrace: note: no target (no -p, -c or -b; no bitcoind running or on PATH): listing btctrace's probe catalog, not a binary's probes"
	expect_eq "no target: the catalog's utxocache probes" \
		"$(count_lines '^utxocache:[a-z]* \[catalog: v' "$TMP/out")" 4
fi

# ---- -l -f json: one object per probe per line.
run "json" 0 -l -f json -b "$BUILD/btcsim"
expect_eq "json: one line per probe" "$(wc -l <"$TMP/out")" 26
expect_eq "json: every line an object" "$(jq -c 'select(type == "object")' "$TMP/out" | wc -l)" 26
jq -c 'select(.name == "add" and .provider == "utxocache") |
	[.source, .binary, .releases, (.arguments | map([.index, .name, .type]) ),
	 (.semaphore.offset > 0), (.locations | length)]' "$TMP/out" >"$TMP/got"
printf '%s\n' "[\"binary\",\"$BUILD/btcsim\",\"v23+\",[[0,\"txid\",\"hash\"],[1,\"vout\",\"uint32\"],[2,\"height\",\"uint32\"],[3,\"value\",\"int64\"],[4,\"is_coinbase\",\"bool\"]],true,1]" >"$TMP/want"
expect_file_eq "json: utxocache:add" "$TMP/got" "$TMP/want"
expect_eq "json: argument docs" "$(jq -r 'select(.name == "add" and .provider == "utxocache") | .arguments[3].doc' "$TMP/out")" \
	"coin value [sat]"
run "json v28" 0 -l -f json 'mempool:replaced' -b "$BUILD/btcsim-v28"
expect_eq "json: older shape noted" "$(jq -r '[.releases, (.arguments | length), .note] | @tsv' "$TMP/out")" \
	"v25-v28	7	mempool:replaced has the v25-v28 shape in this binary (7 arguments, without v29+'s replaced_by_tx): args.NAME follow it"
run "json catalog" 0 -l --catalog -f json 'mempool:*'
expect_eq "json catalog: no binary fields" \
	"$(jq -c '[.source, has("binary"), has("semaphore"), has("locations")]' "$TMP/out" | sort -u)" \
	'["catalog",false,false,false]'
expect_eq "json catalog: the note on stderr only" "$(cat "$TMP/err")" "$catalog_note"
# Probes missing from a binary are objects too.
run "json missing" 0 -l -f json 'utxocache:add' -b "$BUILD/tests/test_usdt"
expect_eq "json: missing probe" "$(jq -c '[.name, .missing, .releases]' "$TMP/out")" '["add",true,"v23+"]'
# With -p: each semaphore's count.
"$BUILD/btcsim" coins --forever >/dev/null &
sim=$!
wait_exec "$sim" "$BUILD/btcsim"
run "json -p" 0 -l -f json 'utxocache:add' -p "$sim"
kill -INT "$sim"
wait "$sim" || :
expect_eq "json -p: semaphore count" "$(jq -c '.semaphore.count' "$TMP/out")" 0

# ---- a pattern that matches nothing: an error naming the closest probes.
run "no match" 1 -l 'utxocache:ad' -b "$BUILD/btcsim"
expect_eq "no match: message" "$(cat "$TMP/err")" "btctrace: error: no probe matches 'utxocache:ad'
hint: did you mean utxocache:add? \`btctrace -l -b $BUILD/btcsim\` lists all its probes"
expect_eq "no match: nothing on stdout" "$(wc -c <"$TMP/out")" 0
run "no match, context" 1 -l 'utxocach:*' -b "$BUILD/btcsim"
expect_eq "no match: context typo" "$(sed -n 's/^hint: //p' "$TMP/err")" \
	"did you mean utxocache:*? \`btctrace -l -b $BUILD/btcsim\` lists all its probes"
run "no match, nothing near" 1 -l 'nosuchthing:*' -b "$BUILD/btcsim"
expect_eq "no match: nothing near" "$(sed -n 's/^hint: //p' "$TMP/err")" \
	"\`btctrace -l -b $BUILD/btcsim\` lists all its probes"
run "no match, catalog" 1 -l --catalog 'net:inbound_conection'
expect_eq "no match, catalog: message" "$(grep -v '^btctrace: note' "$TMP/err")" "btctrace: error: no probe matches 'net:inbound_conection'
hint: did you mean net:inbound_connection or net:outbound_connection? \`btctrace -l --catalog\` lists every probe of the catalog"
# ---- --help: every example it shows runs as shown, against btcsim
# playing the running bitcoind (btctrace on PATH too).
"$BTCTRACE" --help >"$TMP/help"
grep -q '^environment:$' "$TMP/help" || fail "--help has no environment section"
grep -q 'BPFTRACE_STRLEN' "$TMP/help" || fail "--help does not name BPFTRACE_STRLEN"
grep -q 'man btctrace' "$TMP/help" || fail "--help does not refer to the manual"
grep -q 'docs/' "$TMP/help" && fail "--help names a source path: $(grep docs/ "$TMP/help")"
sed -n '/^examples:$/,/^$/s/^  btctrace /btctrace /p' "$TMP/help" >"$TMP/examples"
expect_eq "--help examples" "$(wc -l <"$TMP/examples")" 4
if pgrep -x bitcoind >/dev/null; then
	fail "a bitcoind runs on this machine; the --help examples need btcsim in its place"
else
	mkdir -p "$TMP/bin"
	cp "$BUILD/btcsim" "$TMP/bin/bitcoind"
	ln -s "$BTCTRACE" "$TMP/bin/btctrace"
	"$TMP/bin/bitcoind" all --forever >/dev/null &
	node=$!
	wait_exec "$node" "$TMP/bin/bitcoind"
	i=0
	while IFS= read -r example; do
		i=$((i + 1))
		set +e
		# Ctrl-C ends the ones that trace until then.
		PATH=$TMP/bin:$PATH timeout --preserve-status -s INT 3 bash -c "$example" >"$TMP/ex$i" 2>"$TMP/ex$i.err"
		rc=$?
		set -e
		expect_eq "example $i ($example): status" "$rc" 0
		[ -s "$TMP/ex$i" ] || fail "example $i printed nothing: $(cat "$TMP/ex$i.err")"
	done <"$TMP/examples"
	kill -INT "$node"
	wait "$node" || :
	grep -q '^@coins\[1\]: [0-9]' "$TMP/ex3" || fail "example 3: $(cat "$TMP/ex3")"
	expect_eq "example 4: json" "$(jq -r 'select(.type == "hist") | .data | keys[0]' "$TMP/ex4")" "@vsize"
fi
# ---- docs/compatibility.md: the differential test run as the doc shows
# (from the source tree, BTC_SRC and BTC_BUILD not set; BTC_BUILD only when
# the build is not the source tree's build/, as the doc says).
need bpftrace taskset
cmd=$(sed -n '/^## The differential test$/,/^## /p' "$SRC/docs/compatibility.md" |
	grep '^DIFF_ONLY=.* tests/e2e/diff_bpftrace.sh$')
expect_eq "documented diff command" "$cmd" "DIFF_ONLY=begin_end,percent tests/e2e/diff_bpftrace.sh"
build_env=()
[ "$(realpath "$BUILD")" = "$(realpath "$SRC/build")" ] || build_env=("BTC_BUILD=$BUILD")
set +e
(cd "$SRC" && env -u BTC_SRC -u BTC_BUILD "${build_env[@]}" bash -c "$cmd") >"$TMP/diff.out" 2>&1
expect_eq "documented diff command: status ($(tail -3 "$TMP/diff.out"))" "$?" 0
set -e
grep -q '^[1-9][0-9]* checks, 0 failed$' "$TMP/diff.out" || fail "documented diff command: $(tail -5 "$TMP/diff.out")"
finish
