#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# exit() as bpftrace has it: nothing a probe sends after exit() is
# printed (only what END sends), the same output every run; exit(code)
# sets the status, in END too; a program with only BEGIN and END ends
# after BEGIN instead of waiting.
source "$BTC_SRC/tests/e2e/lib.sh"
need bpftrace taskset timeout

# connectblock_benchmark.bt's shape: the block reaching the end height
# calls exit(), and a second block on the same probe, not bounded by the
# height, logs every block.  btcsim goes on connecting blocks after it.
cat >"$TMP/cb.bt" <<SCRIPT
#!/usr/bin/env bpftrace
BEGIN
{
  printf("ConnectBlock benchmark between height %d and %d inclusive\n", \$1, \$2);
}

usdt:$BUILD/btcsim:validation:block_connected /arg1 >= \$1 && (arg1 <= \$2 || \$2 == 0 )/
{
  @blocks = @blocks + 1;
  @durations = hist((uint64) arg5 / 1000000);
  if (\$2 > 0 && arg1 >= \$2) {
    printf("\nConnected %d blocks between height %d and %d.\n", @blocks, \$1, \$2);
    exit();
  }
}

usdt:$BUILD/btcsim:validation:block_connected /(uint64) arg5 / 1000000 > \$3/
{
  printf("Block %d took %d ms\n", arg1, (uint64) arg5 / 1000000);
}

END
{
  printf("\nHistogram of block connection times in milliseconds (ms).\n");
  print(@durations);
  clear(@durations);
}
SCRIPT
sim="$BUILD/btcsim blocks --seed 12 --count 500"
taskset -c 0 bpftrace "$TMP/cb.bt" 829751 829760 0 -c "$sim" >"$TMP/want" 2>"$TMP/bt.err" ||
	fail "bpftrace failed: $(cat "$TMP/bt.err")"
grep -q '^Connected 10 blocks' "$TMP/want" || fail "bpftrace's run did not reach the end height"
for run in $(seq 1 10); do
	"$BTCTRACE" "$TMP/cb.bt" 829751 829760 0 -c "$sim" >"$TMP/got.$run" 2>"$TMP/err.$run" ||
		fail "run $run: status $?: $(cat "$TMP/err.$run")"
	expect_file_eq "connectblock run $run" "$TMP/got.$run" "$TMP/want"
done
taskset -c 0 bpftrace -f json "$TMP/cb.bt" 829751 829760 0 -c "$sim" 2>/dev/null |
	grep -v '^$' >"$TMP/want.json"
"$BTCTRACE" -f json "$TMP/cb.bt" 829751 829760 0 -c "$sim" 2>/dev/null |
	sed 's/, "btctrace_version": "[^"]*"//' >"$TMP/got.json"
expect_file_eq "connectblock in JSON" "$TMP/got.json" "$TMP/want.json"

# status: ESTATUS, stdout: EOUT (a printf line), of btctrace -e PROGRAM
run_status() {
	local name=$1 want=$2 want_out=$3 prog=$4
	set +e
	timeout 20 "$BTCTRACE" -q -e "$prog" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	set -e
	expect_eq "$name: status" "$rc" "$want"
	expect_eq "$name: output" "$(grep -v '^$' "$TMP/out")" "$want_out"
}
run_status "exit(code) in END" 4 $'end\n@n: 1' 'BEGIN { @n = 1; } END { printf("end\n"); exit(4); }'
run_status "END overrides BEGIN's code" 6 $'a\nend' \
	'BEGIN { printf("a\n"); exit(2); printf("b\n"); } END { printf("end\n"); exit(6); }'
run_status "first exit(code) in probes" 2 "a" \
	'BEGIN { printf("a\n"); exit(2); } BEGIN { printf("b\n"); exit(3); }'
run_status "only BEGIN and END" 0 $'hi\nend\n@a: 1' \
	'BEGIN { @a = 1; printf("hi\n"); } END { printf("end\n"); }'
run_status "only END" 0 "end" 'END { printf("end\n"); }'

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" = 0 ]
