#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# docs/errors.md is true and complete: every example in it runs (from a
# directory holding btcsim) and prints what it shows, "..." standing for
# any text; and every error, warning and "Lost" line the run-time sources
# can print has an entry (its longest literal piece is on the page).
source "$BTC_SRC/tests/e2e/lib.sh"
need perl readelf setpriv
DOC=$SRC/docs/errors.md
mkdir "$TMP/work"
ln -s "$BUILD/btcsim" "$TMP/work/btcsim"

# A glob of an expected line: the line literally, "..." as "*".
glob_of() {
	local line=$1 out='' rest
	while [[ $line == *...* ]]; do
		rest=${line%%...*}
		out+=$(printf '%q' "$rest")'*'
		line=${line#*...}
	done
	[ -z "$line" ] || out+=$(printf '%q' "$line")
	printf '%s' "$out"
}

# check_example N SCRIPT EXPECTED: runs SCRIPT, each EXPECTED line must be
# a line of its output (standard output and error together).
check_example() {
	local asan=${ASAN_OPTIONS:-}
	# A process that changed its user is not dumpable, and LeakSanitizer
	# cannot stop it to look (the sanitized run, docs/testing.md).
	[[ $2 == *setpriv* ]] && asan+="${asan:+:}detect_leaks=0"
	# Each example its own output file: a process an earlier one left
	# behind cannot write into this one's.
	local out=$TMP/out.$1
	(cd "$TMP/work" && PATH="$BUILD:$PATH" ASAN_OPTIONS=$asan timeout 120 bash -c "$2") \
		>"$out" 2>&1 || :
	while IFS= read -r want; do
		CHECKS=$((CHECKS + 1))
		local pattern found=0
		pattern=$(glob_of "$want")
		while IFS= read -r got; do
			# shellcheck disable=SC2053
			[[ $got == $pattern ]] && { found=1; break; }
		done <"$out"
		[ "$found" = 1 ] || fail "example $1: no line '$want' in:
$(head -20 "$out")"
	done <<<"$3"
}

# Every fenced block whose first line is a command.
n=0 in=0 script='' expected=''
while IFS= read -r line; do
	if [[ $line == '```'* ]]; then
		if ((in)); then
			[ -n "$script" ] && { n=$((n + 1)); check_example "$n" "$script" "${expected%$'\n'}"; }
			in=0
		else
			in=1 script='' expected=''
		fi
	elif ((in)); then
		if [[ $line == '$ '* ]]; then
			script+="${line#\$ }"$'\n'
		elif [ -n "$script" ]; then
			expected+="$line"$'\n'
		fi
	fi
done <"$DOC"
CHECKS=$((CHECKS + 1))
[ "$n" -ge 25 ] || fail "only $n examples found in docs/errors.md"

# Completeness: the longest literal piece of each message's format.
perl - "$SRC"/runtime/*.c "$SRC"/cli/main.c "$SRC"/cli/results.c "$SRC"/cli/driver.c \
	"$SRC"/codegen/*.c "$SRC"/output/*.c >"$TMP/pieces" <<'PERL'
use strict; use warnings;
# The format's argument index of each call; notes are not errors.
my %fmt_at = (diag_error => 2, diag_errno => 3, diag_warn => 2, diag_verbatim => 0);
for my $file (@ARGV) {
	open my $fh, '<', $file or die "$file: $!";
	my $src = do { local $/; <$fh> };
	while ($src =~ /\b(diag_(?:error|errno|warn|verbatim))\(/g) {
		my ($fn, $i, $depth, $cur, @args) = ($1, pos($src), 1, '');
		my $line = 1 + (() = substr($src, 0, $i) =~ /\n/g);
		while ($depth > 0 && $i < length $src) {
			my $c = substr($src, $i, 1);
			if ($c eq '"') {
				my $j = $i + 1;
				$j++ while substr($src, $j, 1) ne '"' || substr($src, $j - 1, 1) eq '\\';
				$cur .= substr($src, $i, $j - $i + 1);
				$i = $j + 1;
				next;
			}
			$depth += $c eq '(' ? 1 : $c eq ')' ? -1 : 0;
			if ($depth == 1 && $c eq ',') { push @args, $cur; $cur = ''; }
			elsif ($depth > 0) { $cur .= $c; }
			$i++;
		}
		push @args, $cur;
		my $fmt = $args[$fmt_at{$fn}];
		next unless defined $fmt;
		# Literals joined; a macro (PRIx64) or a conversion splits them.
		my $text = join '', map { defined $_ ? $_ : "\0" }
			($fmt =~ /"((?:[^"\\]|\\.)*)"|\b[A-Z][A-Za-z0-9_]+\b/g);
		$text =~ s/%[-0-9.*]*(?:ll|l|z|h)?[a-zA-Z]/\0/g;
		$text =~ s/\\n.*//s;
		$text =~ s/\\"/"/g;
		my ($best) = sort { length $b <=> length $a } split /\0/, $text;
		print "$file:$line\t", $best // '', "\n";
	}
}
PERL
# The page as one line: its prose wraps where a message has a space.
tr -s ' \n' '  ' <"$DOC" >"$TMP/doc.line"
while IFS=$'\t' read -r where piece; do
	[ "${#piece}" -ge 8 ] || continue
	CHECKS=$((CHECKS + 1))
	grep -qF -- "$piece" "$TMP/doc.line" || fail "${where#"$SRC"/}: '$piece' is not in docs/errors.md"
done <"$TMP/pieces"
CHECKS=$((CHECKS + 1))
[ "$(wc -l <"$TMP/pieces")" -ge 60 ] || fail "only $(wc -l <"$TMP/pieces") messages found in the sources"
finish
