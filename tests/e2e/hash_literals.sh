#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Hashes written as RPC shows them ("<64 hex digits>", byte-reversed):
# compared with a hash argument (a literal, hash("..."), a $1 parameter),
# as keys of a hash-keyed map in a script and at the REPL's prompt,
# checked against btcsim's own log of the txids it passed; bad hex is an
# error at its place.
source "$BTC_SRC/tests/e2e/lib.sh"
need awk bc

SIM=$BUILD/btcsim
"$BTCTRACE" -e 'utxocache:add { @n = count(); }' \
	-c "$SIM coins --seed 3 --count 200 --log $TMP/log" >/dev/null
# A txid that occurs more than once (several outputs of one transaction),
# how often, and the values of those outputs (summed exactly by bc).
read -r TX N SUM < <(awk '$1 == "utxocache:add" {
		split($2, t, "="); split($5, v, "="); n[t[2]]++; s[t[2]] = s[t[2]] "+" v[2] }
	END { for (k in n) if (n[k] > 1) { print k, n[k], substr(s[k], 2); exit } }' "$TMP/log")
V=$(echo "$SUM" | bc)
[ -n "$TX" ] || fail "no repeated txid in btcsim's log"
UPPER=$(echo "$TX" | tr a-f A-F)

"$BTCTRACE" -e "utxocache:add /args.txid == \"$TX\"/ { @lit = count(); @v = sum(args.value); }
utxocache:add /\"$UPPER\" == args.txid/ { @upper = count(); }
utxocache:add /args.txid == \$1/ { @param = count(); }
utxocache:add /args.txid != hash(\$1)/ { @others = count(); }
utxocache:add { @by[args.txid] = @by[args.txid] + 1; }
END { printf(\"%d\\n\", @by[\"$TX\"]); print(hash(\"$TX\")); }" "$TX" \
	-c "$SIM coins --seed 3 --count 200" >"$TMP/out"
all=$(count_lines '^utxocache:add ' "$TMP/log")
expect_eq "args.txid == literal" "$(sed -n 's/^@lit: //p' "$TMP/out")" "$N"
expect_eq "sum of its outputs" "$(sed -n 's/^@v: //p' "$TMP/out")" "$V"
expect_eq "upper-case literal" "$(sed -n 's/^@upper: //p' "$TMP/out")" "$N"
expect_eq "args.txid == \$1" "$(sed -n 's/^@param: //p' "$TMP/out")" "$N"
expect_eq "!= hash(\$1)" "$(sed -n 's/^@others: //p' "$TMP/out")" "$((all - N))"
expect_eq "map read by literal key" "$(sed -n 2p "$TMP/out")" "$N"
expect_eq "hash() prints as RPC" "$(sed -n 3p "$TMP/out")" "$TX"

# At the prompt: a hash-keyed map read with the same literal.
G=000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f
printf 'BEGIN { @h[hash("%s")] = 7; }\n@h["%s"]\n@h["%s"]\n@h[1]\n.quit\n' "$G" "$G" "${G%f}" |
	"$BTCTRACE" -i -b "$SIM" >"$TMP/out" 2>"$TMP/err" || :
expect_eq "REPL hash key" "$(grep -m1 '^@h\[' "$TMP/out")" "@h[$G]: 7"
grep -q '^<3>:1:4: error: a hash is 64 hex digits, this string has 63 characters$' "$TMP/err" ||
	fail "REPL short hash: $(cat "$TMP/err")"
grep -q '^hint: this key is a hash: write it as RPC shows it, in double quotes$' "$TMP/err" ||
	fail "REPL integer for a hash: $(cat "$TMP/err")"

HINT='hint: write the hash as RPC shows it: 64 hex digits, e.g. "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"'
expect_error "short hash" "-e:1:29: error: a hash is 64 hex digits, this string has 10 characters
utxocache:add /args.txid == \"1d00ea83f5\"/ { @n = count(); }
                            ^~~~~~~~~~~~
$HINT
" -e 'utxocache:add /args.txid == "1d00ea83f5"/ { @n = count(); }' -b "$SIM"
expect_error "bad hex digit" "-e:1:31: error: character 2 of the hash, 'x', is not a hex digit
utxocache:add /args.txid == \"0x19d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f00000000\"/ { @n = count(); }
                              ^
$HINT
" -e 'utxocache:add /args.txid == "0x19d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f00000000"/ { @n = count(); }' -b "$SIM"
expect_error "bad \$1" "-e:1:29: error: a hash is 64 hex digits, this string has 3 characters
utxocache:add /args.txid == \$1/ { @n = count(); }
                            ^~
$HINT
" -e 'utxocache:add /args.txid == $1/ { @n = count(); }' abc -b "$SIM"
expect_error "hash() of a number" "-e:1:19: error: hash() takes a string literal of 64 hex digits
BEGIN { @h = hash(1); }
                  ^
hint: hash(\"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\")
" -e 'BEGIN { @h = hash(1); }'

finish
