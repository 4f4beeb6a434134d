#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The layers of docs/design.md, checked on the sources and on the built
# libraries:
#   lang < abi < codegen, output < builtins < runtime < cli
# A layer includes and calls only layers to its left (codegen and output
# not each other); only codegen and builtins include llvm-c, only runtime
# includes libbpf; test_lang links no LLVM and no libbpf; no source file is
# over 800 lines and no function over 80.
source "$BTC_SRC/tests/e2e/lib.sh"
need nm awk
cd "$BTC_SRC"

declare -A rank=([lang]=0 [abi]=1 [codegen]=2 [output]=2 [builtins]=3 [runtime]=4 [cli]=5)
layers="lang abi codegen output builtins runtime cli"

expect_eq "the rule of the issue: lang/ reaches no later layer" \
	"$(grep -rnE 'llvm-c|bpf/|include "(codegen|runtime|cli)/' lang/ | wc -l)" 0

for layer in $layers; do
	for dep in $layers; do
		[ "$dep" = "$layer" ] && continue
		if [ "${rank[$dep]}" -ge "${rank[$layer]}" ]; then
			hits=$(grep -rnE "#include \"$dep/" "$layer"/ || true)
			[ -z "$hits" ] || fail "$layer/ includes $dep/, a layer not to its left: $hits"
		fi
	done
done
hits=$(grep -rln 'include <llvm-c/' $layers | grep -vE '^(codegen|builtins)/' || true)
[ -z "$hits" ] || fail "llvm-c included outside codegen/ and builtins/: $hits"
hits=$(grep -rln 'include <bpf/' $layers | grep -vE '^runtime/' || true)
[ -z "$hits" ] || fail "libbpf included outside runtime/: $hits"

# Symbols: what each library leaves undefined must not be defined by a
# library to its right (or, for siblings, by the sibling).
cd "$BUILD"
for layer in $layers; do
	[ -f "libbtc_$layer.a" ] || { fail "libbtc_$layer.a was not built"; continue; }
	nm -g --defined-only "libbtc_$layer.a" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$TMP/def.$layer"
	nm -g --undefined-only "libbtc_$layer.a" 2>/dev/null | awk '{ print $NF }' | sort -u >"$TMP/undef.$layer"
done
for layer in $layers; do
	for dep in $layers; do
		[ "$dep" = "$layer" ] && continue
		[ "${rank[$dep]}" -ge "${rank[$layer]}" ] || continue
		bad=$(comm -12 "$TMP/undef.$layer" "$TMP/def.$dep" | head -5 | tr '\n' ' ' || true)
		[ -z "$bad" ] || fail "libbtc_$layer.a calls into $dep: $bad"
	done
done
for layer in lang abi output; do
	bad=$( (grep -E '^LLVM' "$TMP/undef.$layer" || true) | head -3 | tr '\n' ' ')
	[ -z "$bad" ] || fail "libbtc_$layer.a calls LLVM: $bad"
done
for layer in lang abi codegen output builtins cli; do
	bad=$( (grep -E '^(bpf_|libbpf_|ring_buffer__|btf__)' "$TMP/undef.$layer" || true) | head -3 | tr '\n' ' ')
	[ -z "$bad" ] || fail "libbtc_$layer.a calls libbpf: $bad"
done

# test_lang: the front end alone.
nm tests/test_lang >"$TMP/test_lang.nm"
expect_eq "LLVM symbols in test_lang" "$(grep -c LLVM "$TMP/test_lang.nm" || true)" 0
expect_eq "libbpf symbols in test_lang" "$(grep -cE ' (bpf_|libbpf_)' "$TMP/test_lang.nm" || true)" 0
grep -q ' T parse_program$' "$TMP/test_lang.nm" || fail "test_lang does not contain the parser: the check above proves nothing"

# Sizes.
cd "$BTC_SRC"
: >"$TMP/long"
for f in $(find $layers -name '*.[chly]'); do
	n=$(wc -l <"$f")
	[ "$n" -le 800 ] || fail "$f has $n lines (at most 800)"
	awk -v f="$f" '/^[a-zA-Z_].*\(/ { name = $0 } /^\{/ { start = NR }
		/^\}/ && start { if (NR - start - 1 > 80) print f ": " NR - start - 1 " lines: " name; start = 0 }' "$f" >>"$TMP/long"
done
[ ! -s "$TMP/long" ] || fail "functions over 80 lines: $(cat "$TMP/long")"
finish
