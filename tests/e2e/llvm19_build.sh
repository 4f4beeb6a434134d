#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# btctrace builds with -Wall -Wextra -Werror against LLVM 19 as well as the
# default LLVM 14 (only C API present in both is used), and the LLVM 19
# build traces btcsim with exactly the same output.  It links libbpf,
# libdw, libelf and readline as shared libraries (BTCTRACE_STATIC_DEPS=OFF),
# the default build links them in: both ways are built and run here.
source "$BTC_SRC/tests/e2e/lib.sh"
need cmake ldd

cfg=$(command -v llvm-config-19) || { fail "llvm-config-19 is missing (scripts/setup.sh installs llvm-19-dev)"; finish; }
dir=$BUILD/llvm19
cmake -S "$SRC" -B "$dir" -DLLVM_CONFIG="$cfg" -DBTCTRACE_STATIC_DEPS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/cmake.log" 2>&1 ||
	{ fail "configure with LLVM 19:"; tail -20 "$TMP/cmake.log" >&2; finish; }
grep -q "LLVM 19" "$TMP/cmake.log" || fail "the LLVM 19 build did not pick LLVM 19"
cmake --build "$dir" --target btctrace -j"$(nproc)" >"$TMP/build.log" 2>&1 ||
	{ fail "build with LLVM 19:"; grep -E "error|warning" "$TMP/build.log" | head -20 >&2; finish; }

shared_libs() { ldd "$1" | awk '{print $1}' | grep -oE 'lib(bpf|dw|elf|readline|stdc\+\+)\.so' | sort | tr '\n' ' '; }
expect_eq "default build: libraries linked in" "$(shared_libs "$BTCTRACE")" ""
expect_eq "STATIC_DEPS=OFF: shared libraries" "$(shared_libs "$dir/btctrace")" \
	"libbpf.so libdw.so libelf.so libreadline.so libstdc++.so "

cmd="$BUILD/btcsim all --seed 3 --count 40"
for script in "$SRC/examples/utxo_task3_named.btc" "$SRC/examples/p2p_messages.btc" "$SRC/examples/txid_fees.btc"; do
	"$BTCTRACE" "$script" -c "$cmd" >"$TMP/14.out"
	"$dir/btctrace" "$script" -c "$cmd" >"$TMP/19.out"
	expect_eq "$(basename "$script") with LLVM 19: status" "$?" 0
	expect_file_eq "$(basename "$script"): LLVM 19 output equals LLVM 14's" "$TMP/19.out" "$TMP/14.out"
done
finish
