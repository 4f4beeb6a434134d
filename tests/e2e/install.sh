#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# cmake --install (README.md, "Install") puts the binary, btctrace(8), the
# docs, the examples and the bash completion in the GNU layout, and what it
# installed works: --version, man, every option of --help documented in
# the man page, the man page's EXAMPLES run, the completion of a probe name.
source "$BTC_SRC/tests/e2e/lib.sh"
need cmake man scdoc pidof timeout

# README.md's command, with this build and the test's own prefix.
inst=$TMP/inst
readme=$(sed -n '/^## Install/,/^## /p' "$SRC/README.md" | grep -m1 '^cmake --install ')
expect_eq "README's install command" "$readme" "cmake --install build --prefix /usr/local"
cmake --install "$BUILD" --prefix "$inst" >"$TMP/install.log" || { cat "$TMP/install.log" >&2; exit 1; }
doc=$inst/share/doc/btctrace
for f in bin/btctrace share/man/man8/btctrace.8 share/bash-completion/completions/btctrace \
	share/doc/btctrace/README.md share/doc/btctrace/language.md share/doc/btctrace/repl.md \
	share/doc/btctrace/compatibility.md share/doc/btctrace/errors.md \
	share/doc/btctrace/examples/utxo_task3.btc; do
	CHECKS=$((CHECKS + 1))
	[ -f "$inst/$f" ] || fail "not installed: $f"
done
expect_eq "installed examples" "$(cd "$doc/examples" && find . -type f | sort | tr '\n' ' ')" \
	"$(cd "$SRC/examples" && find . -type f | sort | tr '\n' ' ')"
[ -x "$inst/bin/btctrace" ] || { fail "bin/btctrace is not executable"; finish; exit 1; }

# --version: the project's version, LLVM's, libbpf's and the kernel's features.
version=$(sed -n 's/^project(btctrace VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
"$inst/bin/btctrace" --version >"$TMP/version"
expect_eq "--version status" "$?" 0
expect_eq "--version line 1" "$(sed -n 1p "$TMP/version")" "btctrace $version"
grep -qE '^LLVM [0-9]+\.[0-9]+\.[0-9]+, libbpf [0-9]+\.[0-9]+$' "$TMP/version" || fail "--version: no LLVM/libbpf line: $(cat "$TMP/version")"
grep -qE "^kernel $(uname -r | sed 's/[.]/[.]/g'): uprobe_multi (yes|no), ref_ctr_offset (yes|no)$" "$TMP/version" ||
	fail "--version: no kernel line: $(cat "$TMP/version")"
expect_eq "-V is --version" "$("$inst/bin/btctrace" -V)" "$(cat "$TMP/version")"

# man finds the page under the prefix, and it renders.
expect_eq "man -w" "$(MANPATH=$inst/share/man man -w btctrace)" "$inst/share/man/man8/btctrace.8"
MANPATH=$inst/share/man MANWIDTH=100 man btctrace 2>"$TMP/man.err" >"$TMP/man.txt"
expect_eq "man status" "$?" 0
expect_eq "man warnings" "$(cat "$TMP/man.err")" ""
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "THE LANGUAGE" "EXIT STATUS" ENVIRONMENT EXAMPLES; do
	CHECKS=$((CHECKS + 1))
	grep -q "^$section\$" "$TMP/man.txt" || fail "man page: no $section section"
done
grep -q "/share/doc/btctrace/examples/" "$TMP/man.txt" || fail "man page does not name the installed examples"
# Every option --help shows is in the man page.
"$inst/bin/btctrace" --help | grep -oE '^  (-[a-zA-Z]|--[a-z-]+)' | sed 's/^ *//' | sort -u >"$TMP/help.opts"
expect_eq "options in --help" "$([ -s "$TMP/help.opts" ] && echo some)" some
while read -r opt; do
	CHECKS=$((CHECKS + 1))
	grep -qE "^ +$opt( |,|$)|^ +-[a-zA-Z], $opt" "$TMP/man.txt" || fail "man page: option $opt of --help is not documented"
done <"$TMP/help.opts"
# ... and every getenv() of the sources is in ENVIRONMENT.
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$SRC"/{cli,runtime,lang,output,builtins,codegen} | sed 's/getenv("\(.*\)")/\1/' | sort -u); do
	CHECKS=$((CHECKS + 1))
	sed -n '/^ENVIRONMENT$/,/^[A-Z]/p' "$TMP/man.txt" | grep -q "^ *$var\$" || fail "man page: ENVIRONMENT does not say $var"
done

# The man page's EXAMPLES, as a user types them, with btcsim standing in
# for bitcoind (a copy named bitcoind on PATH: the same probes, and
# discovery finds it by name).  "bitcoind -regtest" runs btcsim's scenario
# instead; a command that traces a running node is stopped with SIGINT as
# a user's Ctrl-C.
mkdir -p "$TMP/bin" "$TMP/run"
cp "$BUILD/btcsim" "$TMP/bin/bitcoind"
ln -s "$inst/bin/btctrace" "$TMP/bin/btctrace"
sed -n '/^# EXAMPLES/,/^# /p' "$SRC/docs/btctrace.8.scd" |
	awk '/^```/ { inblock = !inblock; next } inblock' >"$TMP/examples"
expect_eq "EXAMPLES commands" "$([ "$(wc -l <"$TMP/examples")" -ge 5 ] && echo enough)" enough
(cd "$TMP/run" && PATH=$TMP/bin:$PATH exec bitcoind coins --forever --seed 7 >/dev/null) &
sim=$!
wait_exec "$sim" "$TMP/bin/bitcoind"
n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	run=${cmd//@DOCDIR@/$doc}
	run=${run//bitcoind -regtest/bitcoind all --seed 1 --count 30}
	rc=0
	(cd "$TMP/run" && PATH=$TMP/bin:$PATH timeout --preserve-status -s INT 3 bash -c "$run") \
		>"$TMP/ex$n.out" 2>"$TMP/ex$n.err" || rc=$?
	expect_eq "man page example '$cmd': exit status" "$rc" 0
	[ "$rc" = 0 ] || head -5 "$TMP/ex$n.err" >&2
	[ -s "$TMP/ex$n.out" ] || [ -s "$TMP/run/coins.json" ] || fail "man page example '$cmd' printed nothing"
done <"$TMP/examples"
kill "$sim"
grep -q "\"type\": \"attached_probes\"" "$TMP/run/coins.json" || fail "the -f json -o example wrote no attached_probes object: $(ls "$TMP/run"; head -3 "$TMP/run/coins.json")"

# The installed completion completes a probe name of the target.
cat >"$TMP/complete.sh" <<'SH'
source "$1/share/bash-completion/completions/btctrace"
COMP_WORDS=(btctrace -b "$2" utxocache:a); COMP_CWORD=3; _btctrace; echo "${COMPREPLY[*]}"
# as bash splits the line at ':' it replaces only the piece after it
COMP_WORDS=(btctrace -b "$2" utxocache : a); COMP_CWORD=5; _btctrace; echo "${COMPREPLY[*]}"
COMP_WORDS=(btctrace --vers); COMP_CWORD=1; _btctrace; echo "${COMPREPLY[*]}"
SH
PATH=$inst/bin:$PATH bash "$TMP/complete.sh" "$inst" "$BUILD/btcsim" >"$TMP/complete.out"
expect_eq "completion of a probe name" "$(sed -n 1p "$TMP/complete.out")" "utxocache:add"
expect_eq "completion after bash split the word at ':'" "$(sed -n 2p "$TMP/complete.out")" "add"
expect_eq "completion of an option" "$(sed -n 3p "$TMP/complete.out")" "--version"
finish
