#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bpftrace builtins newer than 0.17 (has_key, len, delete(@m, key),
# strcontains) and those 0.17 has whose value depends on the machine
# (uid, gid, username, rand, strftime(), cgroup) or on a run's data (buf() of
# a payload), against what btcsim logged and the ids it ran under;
# and the errors their misuse gets.  What 0.17 has is compared with it
# byte for byte in tests/diff/str_compare.bt and tests/diff/ptr_maps.bt.
source "$BTC_SRC/tests/e2e/lib.sh"
need jq setpriv sort getent perl

SIM=$BTC_BUILD/btcsim
# btcsim runs as nobody: it may reach (not list) $TMP and write its log.
chmod 711 "$TMP" && touch "$TMP/log" && chmod 666 "$TMP/log"
# "First time this peer is seen", "distinct peers" and "messages whose
# type mentions tx",
# by a process running as another user.
"$BTCTRACE" -q -e "usdt:$SIM:net:inbound_message {
	if (!has_key(@seen, arg0)) { @seen[arg0] = 1; @peers++; }
	if (strcontains(str(arg3), \"tx\")) { @txish++; }
	if (strcontains(str(arg3), \"\")) { @all++; }
	@ids[uid, gid] = 1;
	@users[username] = str(arg2);
} END { @distinct = len(@seen); }" -c "setpriv --reuid 65534 --regid 65533 --clear-groups $SIM p2p --seed 5 --count 20 --log $TMP/log" \
	>"$TMP/out" 2>"$TMP/err" || fail "trace: $(cat "$TMP/err")"
grep '^net:inbound_message ' "$TMP/log" >"$TMP/in"
peers=$(sed 's/^[^ ]* peer_id=\([0-9-]*\) .*/\1/' "$TMP/in" | sort -u | wc -l)
txish=$(sed 's/.* msg_type="\(.*\)" size=.*/\1/' "$TMP/in" | grep -c tx)
all=$(wc -l <"$TMP/in")
expect_eq "one @seen entry per peer" "$(count_lines '^@seen\[' "$TMP/out")" "$peers"
grep -v '^@seen\[' "$TMP/out" >"$TMP/rest"
expect_file_eq "has_key, strcontains, uid, gid" "$TMP/rest" <(printf '\n\n@all: %d\n@distinct: %d\n@ids[65534, 65533]: 1\n@peers: %d\n@txish: %d\n@users[%s]: %s\n' \
	"$all" "$peers" "$peers" "$txish" "$(getent passwd 65534 | cut -d: -f1)" \
	"$(sed -n '$s/.* conn_type="\([^"]*\)".*/\1/p' "$TMP/in")")

# A user id without a passwd entry prints as its number.
"$BTCTRACE" -q -e "usdt:$SIM:net:closed_connection { printf(\"%s\\n\", username); exit(); }" \
	-c "setpriv --reuid 54321 --regid 54321 --clear-groups $SIM p2p --seed 5 --count 2" \
	>"$TMP/out" 2>"$TMP/err" || fail "username run: $(cat "$TMP/err")"
# exit() stops the events that follow it, not those already in flight.
expect_eq "username without a name" "$(grep -v "^$" "$TMP/out" | sort -u)" 54321

# delete(@m, key) beside delete(@m[key]); has_key on aggregation maps;
# strcontains at the edges; rand changes from one use to the next.
"$BTCTRACE" -q -e 'BEGIN {
	@m[1] = 10; @m[2] = 20; @m[3] = 30; @c["a"] = count();
	delete(@m, 1); delete(@m[2]);
	@has = has_key(@m, 1) * 100 + has_key(@m, 2) * 10 + has_key(@m, 3);
	@hasc = has_key(@c, "a") * 10 + has_key(@c, "b");
	@sc = strcontains("mempool", "pool") * 1000 + strcontains("mempool", "mempoolx") * 100 +
	      strcontains("", "") * 10 + strcontains("abc", "c");
	@len = len(@m) * 10 + len(@c);
	unroll(8) { @r[rand] = 1; }
	exit(); }' >"$TMP/out" || fail "BEGIN run"
expect_eq "delete, has_key, strcontains" "$(grep -v '^@r\[' "$TMP/out")" \
	"$(printf '\n\n@c[a]: 1\n@has: 1\n@hasc: 10\n@len: 11\n@m[3]: 30\n@sc: 1011')"
[ "$(count_lines '^@r\[' "$TMP/out")" -ge 7 ] || fail "rand repeats: $(cat "$TMP/out")"

# Two has_key() of one map in one condition: the optimiser must not turn
# their two null tests into one test of the pointers OR-ed (the verifier
# refuses pointer arithmetic of that kind).
"$BTCTRACE" -q -e 'BEGIN { @s[1] = count();
	if (!has_key(@s, 2) && !has_key(@s, 3)) { printf("neither\n"); }
	if (has_key(@s, 1) || has_key(@s, 4)) { printf("one\n"); }
	clear(@s); exit(); }' >"$TMP/out" 2>&1 || fail "two has_key in one condition: $(cat "$TMP/out")"
expect_eq "two has_key in one condition" "$(grep -v '^$' "$TMP/out")" "$(printf 'neither\none')"

# buf() of a payload whose length is known at run time: up to 64 bytes
# (BPFTRACE_STRLEN), printed as btcsim logged them, escaped as bpftrace
# escapes them; a buffer as a map key.
"$BTCTRACE" -q -e "usdt:$SIM:net:inbound_message { printf(\"%d %r\\n\", arg4, buf(arg5, arg4));
	@first2[buf(arg5, 2)] = count(); }" \
	-c "$SIM p2p --seed 6 --count 3 --log $TMP/log" >"$TMP/out" 2>"$TMP/err" || fail "buf run: $(cat "$TMP/err")"
grep '^net:inbound_message ' "$TMP/log" | perl -ne 'm/ size=(\d+) msg=([0-9a-f]*)/ or die;
	my ($n, $hex) = ($1, $2); my $s = pack("H*", $hex); $s = substr($s, 0, 64);
	$s =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord($1))/ge; print "$n $s\n";' >"$TMP/expected"
sed '/^$/,$d' "$TMP/out" >"$TMP/printed"
expect_file_eq "buf(arg5, arg4) as logged" "$TMP/printed" "$TMP/expected"
expect_eq "buf keys" "$(sed -n 's/^@first2\[\\x80\\x11\]: //p' "$TMP/out")" \
	"$(grep -c '^net:inbound_message .* msg=8011' "$TMP/log")"

# strftime(): today's date and a time with microseconds (%f).
"$BTCTRACE" -q -e 'BEGIN { printf("%s\n", strftime("%Y-%m-%d %H:%M:%S.%f", nsecs)); exit(); }' \
	>"$TMP/out" || fail "strftime run"
today=$(date +%Y-%m-%d)
grep -qE "^$today [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\$" "$TMP/out" || fail "strftime: $(cat "$TMP/out")"
"$BTCTRACE" -f json -e 'BEGIN { print(strftime("%Y-%m-%d", nsecs)); exit(); }' >"$TMP/json" ||
	fail "strftime json run"
expect_eq "print(strftime()) in JSON" "$(jq -r 'select(.type == "value") | .data' "$TMP/json")" "$today"

# Misuse: an error at the argument, with the usage as the hint.
err_case() {
	local what=$1 script=$2 expected=$3 rc=0
	"$BTCTRACE" -e "$script" 2>"$TMP/err" >/dev/null || rc=$?
	expect_eq "$what: status" "$rc" 1
	grep -qF -- "$expected" "$TMP/err" || fail "$what: $(cat "$TMP/err")"
}
err_case "has_key of a histogram" 'BEGIN { @h[1] = hist(3); @x = has_key(@h, 1); }' \
	"-e:1:31: error: has_key() does not work on @h, which holds hist()"
err_case "has_key of a map made a histogram further down" \
	'BEGIN { @x = has_key(@h, 1); } END { @h[1] = hist(2); }' \
	"-e:1:14: error: has_key() does not work on @h, which holds hist()"
err_case "len of a histogram" 'BEGIN { @h = lhist(3, 0, 10, 1); @x = len(@h); }' \
	"-e:1:39: error: len() does not work on @h, which holds lhist()"
err_case "%r of a string" 'BEGIN { printf("%r", "text"); }' \
	"-e:1:17: error: %r needs a buffer, the argument is string[5]"
err_case "%s of a buffer" 'BEGIN { printf("%s", buf("text", 2)); }' \
	"-e:1:17: error: a buffer prints with %r, not %s"
err_case "buf of a string, length at run time" 'BEGIN { $n = 2; @b = buf("text", $n); }' \
	"-e:1:34: error: buf() of a string takes a constant length"
err_case "strftime kept in a map" 'BEGIN { @t = strftime("%Y", nsecs); }' \
	"-e:1:14: error: this has no value to store in @t"
err_case "strftime of a variable format" 'BEGIN { $f = "%Y"; printf("%s", strftime($f, nsecs)); }' \
	"-e:1:42: error: strftime() takes a format literal"
err_case "has_key without a map" 'BEGIN { @x = has_key(1, 1); }' \
	"-e:1:22: error: has_key() takes a map as its first argument"
err_case "has_key with a key too many" 'BEGIN { @m[1] = 1; @x = has_key(@m, 1, 2); }' \
	"-e:1:25: error: has_key() takes 2 arguments, not 3"
err_case "strncmp of a number" 'BEGIN { @x = strncmp("a", 1, 1); }' \
	"-e:1:27: error: strncmp() compares strings, this is int64"
err_case "strncmp with a variable length" 'BEGIN { $n = 2; @x = strncmp("a", "b", $n); }' \
	"-e:1:40: error: strncmp()'s length must be a constant"
err_case "strcontains too large" 'usdt:'"$SIM"':net:inbound_message { @x = strcontains(str(arg1, 100), str(arg3, 100)); }' \
	"error: strcontains() of strings of 104 and 104 bytes needs more than 6144 compares, the limit"

# cgroup: the id of the traced process's cgroup v2, the inode number of its
# directory (btcsim runs in this shell's cgroup).
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$cg2" ] || fail "no cgroup2 mount to compare cgroup with"
cgdir=$cg2$(sed -n 's/^0:://p' /proc/self/cgroup)
"$BTCTRACE" -e 'utxocache:add { printf("cgroup %llu\n", cgroup); exit(); }' \
	-c "$BUILD/btcsim coins --count 50" >"$TMP/cgroup" 2>"$TMP/err"
expect_eq "cgroup: exit status" "$?" 0
expect_eq "cgroup" "$(sed -n 's/^cgroup //p' "$TMP/cgroup")" "$(stat -c %i "$cgdir")"
finish
