#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bpftrace programs using what btctrace does not have: each is an error
# that names the feature at its place (file:line:col, the line, a caret)
# with a hint, never a bare "syntax error".  One program a line:
# EXPECTED_LINE:COL<TAB>PROGRAM.
source "$BTC_SRC/tests/e2e/lib.sh"
need

cat >"$TMP/programs" <<'PROGRAMS'
1:1	kprobe:do_nanosleep { printf("sleep by %d\n", tid); }
1:1	kretprobe:vfs_read { @bytes = hist(retval); }
1:1	uprobe:/bin/bash:readline { printf("%s\n", comm); }
1:1	uretprobe:/bin/bash:readline { printf("%s\n", str(retval)); }
1:1	tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args->filename)); }
1:1	t:syscalls:sys_enter_read { @[comm] = count(); }
1:1	profile:hz:99 { @[kstack] = count(); }
1:1	software:faults:100 { @[comm] = count(); }
1:1	hardware:cache-misses:1000000 { @[pid] = count(); }
1:1	kfunc:vfs_read { @ = count(); }
1:1	kretfunc:vfs_read { @ = count(); }
1:1	watchpoint:0x10000000:8:rw { printf("hit\n"); }
1:1	iter:task { printf("%s\n", comm); }
1:1	#include <linux/sched.h>
1:1	struct Foo { int x; }
1:15	BEGIN { $x = (struct task_struct *)curtask; }
1:17	BEGIN { @x = 1; return; }
1:32	BEGIN { $a = 1; printf("%d\n", $a[0]); }
1:34	BEGIN { $x = 1; printf("%d\n", $x->field); }
1:24	BEGIN { printf("%s\n", kstack); }
1:24	BEGIN { printf("%s\n", uaddr("main")); }
1:13	BEGIN { @ = func; }
1:9	BEGIN { system("ls"); }
1:24	BEGIN { printf("%s\n", ksym(0)); }
1:20	BEGIN { @ = sizeof(struct foo); }
1:13	BEGIN { @ = jiffies; }
1:13	BEGIN { @ = curtask; }
1:14	BEGIN { @x = (int)1; }
1:14	BEGIN { @x = (unsigned long)1; }
1:14	BEGIN { @x = &$y; }
1:14	BEGIN { @x = 1.5; }
PROGRAMS

while IFS=$'\t' read -r at prog; do
	printf '%s\n' "$prog" >"$TMP/p.bt"
	set +e
	"$BTCTRACE" "$TMP/p.bt" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	set -e
	expect_eq "$prog: exit status" "$rc" 1
	CHECKS=$((CHECKS + 1))
	first=$(head -1 "$TMP/err")
	case $first in
	"$TMP/p.bt:$at: error: "*) ;;
	*) fail "$prog: not an error at $at: $first" ;;
	esac
	CHECKS=$((CHECKS + 1))
	if grep -q "syntax error" "$TMP/err"; then
		fail "$prog: a bare syntax error: $(cat "$TMP/err")"
	fi
	CHECKS=$((CHECKS + 1))
	sed -n 2p "$TMP/err" | grep -qxF "$prog" || fail "$prog: the line is not shown: $(cat "$TMP/err")"
	CHECKS=$((CHECKS + 1))
	grep -q '^hint: ' "$TMP/err" || fail "$prog: no hint: $(cat "$TMP/err")"
	CHECKS=$((CHECKS + 1))
	grep -qE 'bpftrace feature btctrace does not support|nor (of|by) bpftrace' "$TMP/err" ||
		fail "$prog: the feature is not named: $first"
done <"$TMP/programs"

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
