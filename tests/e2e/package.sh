#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README.md's "Install" as a Debian package: dpkg-buildpackage -us -uc -b
# in a copy of the tree (the sources are not touched) makes a .deb that
# lintian finds no error in, that dpkg -i installs, and whose btctrace
# runs (--version, -l on btcsim), whose man page man finds and whose bash
# completion completes a probe name.  The package is removed at the end,
# whatever happens.  (-l --catalog is not checked here.)
source "$BTC_SRC/tests/e2e/lib.sh"
need git dpkg-buildpackage dh lintian dpkg man bash llvm-config
[ -d "$SRC/.git" ] || [ -f "$SRC/.git" ] || { echo "FAIL: $SRC is not a git checkout: the copy is made from git ls-files" >&2; exit 1; }
if dpkg-query -W -f='${Status}' btctrace 2>/dev/null | grep -q "ok installed"; then
	echo "FAIL: a btctrace package is already installed; this test would replace and remove it (dpkg -r btctrace first)" >&2
	exit 1
fi

# The version of debian/changelog is the project's.
version=$(sed -n 's/^project(btctrace VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
expect_eq "debian/changelog version" "$(cd "$SRC" && dpkg-parsechangelog -S Version)" "$version"

# A clean copy: the tracked files and new ones not ignored, as they are now.
mkdir -p "$TMP/src/btctrace"
(cd "$SRC" && git ls-files -co --exclude-standard -z) |
	(cd "$SRC" && xargs -0 cp -P --parents -t "$TMP/src/btctrace" 2>"$TMP/cp.err") || :
grep -v 'No such file' "$TMP/cp.err" >&2 || :
status_before=$(cd "$SRC" && git status --porcelain)

# README.md's two commands, run as they are shown.
sed -n '/^## Install/,/^## /p' "$SRC/README.md" | grep -E '^dpkg(-buildpackage)? ' >"$TMP/readme.cmds"
arch=$(dpkg --print-architecture)
expect_eq "README's package commands" "$(cat "$TMP/readme.cmds")" "dpkg-buildpackage -us -uc -b
dpkg -i ../btctrace_${version}_$arch.deb"
cd "$TMP/src/btctrace"
if ! bash -c "$(sed -n 1p "$TMP/readme.cmds")" >"$TMP/build.log" 2>&1; then
	tail -40 "$TMP/build.log" >&2
	fail "dpkg-buildpackage failed"
	finish
	exit 1
fi
deb=../btctrace_${version}_$arch.deb
[ -f "$deb" ] || { fail "no $deb: $(ls ..)"; finish; exit 1; }
expect_eq "the sources are untouched" "$(cd "$SRC" && git status --porcelain)" "$status_before"

# Statically linked libraries are named by source package (debian/rules).
built_using=$(dpkg-deb -f "$deb" Built-Using)
for src in libbpf elfutils readline xz-utils "llvm-toolchain-$(llvm-config --version | cut -d. -f1)"; do
	CHECKS=$((CHECKS + 1))
	grep -qE "(^|, )$src \(= [^)]+\)" <<<"$built_using" || fail "Built-Using lacks $src: '$built_using'"
done

lintian ../btctrace_"${version}"_"$arch".changes >"$TMP/lintian" 2>&1 || :
expect_eq "lintian errors" "$(grep '^E:' "$TMP/lintian" || true)" ""
grep -q '^W:' "$TMP/lintian" && { echo "lintian warnings:"; grep '^W:' "$TMP/lintian"; }
echo "lintian: $(count_lines '^E:' "$TMP/lintian") errors, $(count_lines '^W:' "$TMP/lintian") warnings, $(count_lines '^I:' "$TMP/lintian") info"

# Installed, the package is removed again whatever happens.
trap 'st=$?; dpkg -r btctrace >/dev/null 2>&1 || :; (exit $st); cleanup' EXIT
bash -c "$(sed -n 2p "$TMP/readme.cmds")" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg -i failed"; finish; exit 1; }
expect_eq "installed binary" "$(command -v btctrace)" /usr/bin/btctrace
expect_eq "btctrace --version" "$(/usr/bin/btctrace --version | head -1)" "btctrace $version"
/usr/bin/btctrace -l -b "$BUILD/btcsim" >"$TMP/list" 2>&1
expect_eq "btctrace -l -b btcsim status" "$?" 0
grep -q '^usdt:.*:utxocache:add ' "$TMP/list" || fail "btctrace -l -b btcsim lists no utxocache:add: $(head -3 "$TMP/list")"
expect_eq "man -w" "$(man -w btctrace)" /usr/share/man/man8/btctrace.8.gz
MANWIDTH=80 man btctrace 2>&1 | grep -q '^ *btctrace - trace Bitcoin Core' || fail "man btctrace does not show the NAME line"
expect_eq "examples" "$(find /usr/share/doc/btctrace/examples -type f | wc -l)" \
	"$(find "$SRC"/examples -type f | wc -l)"

# Completion as bash-completion loads it: by the command's name, on demand.
cat >"$TMP/complete.sh" <<'SH'
source /usr/share/bash-completion/bash_completion
_completion_loader btctrace
complete -p btctrace
COMP_WORDS=(btctrace -b "$1" utxocache:a); COMP_CWORD=3; COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
_btctrace btctrace a utxocache; echo "${COMPREPLY[*]}"
SH
bash "$TMP/complete.sh" "$BUILD/btcsim" >"$TMP/complete.out" 2>&1
expect_eq "completion is loaded for btctrace" "$(sed -n 1p "$TMP/complete.out")" "complete -o filenames -F _btctrace btctrace"
expect_eq "completion of utxocache:a" "$(sed -n 2p "$TMP/complete.out")" "utxocache:add"

dpkg -r btctrace >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log" >&2; fail "dpkg -r failed"; }
CHECKS=$((CHECKS + 1))
[ ! -e /usr/bin/btctrace ] || fail "/usr/bin/btctrace is still there after dpkg -r"
finish
