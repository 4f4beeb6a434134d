#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# btctrace builds with -Wall -Wextra -Werror against LLVM 19 as well as the
# default LLVM 14 (only C API present in both is used), and the LLVM 19
# build traces btcsim with exactly the same output.
source "$BTC_SRC/tests/e2e/lib.sh"
need cmake

cfg=$(command -v llvm-config-19) || { fail "llvm-config-19 is missing (scripts/setup.sh installs llvm-19-dev)"; finish; }
dir=$BUILD/llvm19
cmake -S "$SRC" -B "$dir" -DLLVM_CONFIG="$cfg" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/cmake.log" 2>&1 ||
	{ fail "configure with LLVM 19:"; tail -20 "$TMP/cmake.log" >&2; finish; }
grep -q "LLVM 19" "$TMP/cmake.log" || fail "the LLVM 19 build did not pick LLVM 19"
cmake --build "$dir" --target btctrace -j"$(nproc)" >"$TMP/build.log" 2>&1 ||
	{ fail "build with LLVM 19:"; grep -E "error|warning" "$TMP/build.log" | head -20 >&2; finish; }

cmd="$BUILD/btcsim all --seed 3 --count 40"
for script in "$SRC/examples/utxo_task3_named.btc" "$SRC/examples/p2p_messages.btc" "$SRC/examples/txid_fees.btc"; do
	"$BTCTRACE" "$script" -c "$cmd" >"$TMP/14.out"
	"$dir/btctrace" "$script" -c "$cmd" >"$TMP/19.out"
	expect_eq "$(basename "$script") with LLVM 19: status" "$?" 0
	expect_file_eq "$(basename "$script"): LLVM 19 output equals LLVM 14's" "$TMP/19.out" "$TMP/14.out"
done
finish
